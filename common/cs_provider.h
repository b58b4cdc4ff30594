/*  cs_provider: the back-ends that do the stages' model work, behind one interface.

    A provider does up to three operations: extraction (a call and its themes give insights),
    judging (is this feature request the same as one of these features?) and embeddings (texts
    give vectors). common/ cannot know a stage's types and a stage must not include another
    stage's headers, so the interface is split along that line:
      - here, what every stage shares: one row per provider (cs_provider_class_t) naming it and
        saying how its client (the connection its operations use, shared by all of them) opens
        from the options, is driven, and reports a permanent refusal; the option rows of the
        providers; the choice of a provider from an option such as --provider; the /healthz
        text of a refusal;
      - in each stage, one table of functions per operation kind, with one row per provider
        that does it: extractor/cs_extract_ops.h (extraction), matcher/cs_judge.h (judging),
        matcher/cs_embed.h (embeddings). A row is found by the provider's name.
    A provider without a row for an operation does not do it. A stage that needs it refuses
    the provider at start-up (usage error, exit 2); judging is optional: without it the
    matcher decides the ambiguous band by similarity alone.

    Adding a provider: a row in s_providers of cs_provider.c (its client; no functions when it
    needs none), and in each stage, one file with the operations it does and one row in each
    of those operations' tables (s_ops of cs_extract.c, cs_judge.c, cs_embed.c).

    The rows today: "offline" (no client: the built-in extractor and the n-gram vectors) and
    "openai" (a cs_llm client of an OpenAI-compatible endpoint). */
#ifndef CS_PROVIDER_H
#define CS_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>

#include "cs_config.h"
#include "cs_llm.h"

/* The provider a stage uses when it is given none (no client, nothing to configure). */
#define CS_PROVIDER_LOCAL "offline"

/* How a provider's client works. Every function may be NULL: a provider without a client
   (open NULL) has nothing to drive and never refuses. */
typedef struct {
    const char *name; /* as --provider spells it */
    /* True when "auto" may pick this provider: its credentials are in the options. NULL:
       never picked by "auto" (CS_PROVIDER_LOCAL is what "auto" falls back to). */
    bool (*usable)(const cs_config_t *cfg);
    /* Its client from the options (the caller closes it), or NULL with the reason. */
    void *(*open)(const cs_config_t *cfg, char *err, size_t errlen);
    void (*close)(void *client);
    /* Drive its requests for at most timeout_ms; the number still pending. */
    int (*run)(void *client, int timeout_ms);
    int (*pending)(const void *client);
    int (*window)(const void *client); /* requests it may have in flight now */
    /* Its permanent refusal (borrowed) and CS_CAUSE_* into *cause, or NULL while none. */
    const char *(*fatal)(const void *client, const char **cause);
} cs_provider_class_t;

typedef struct cs_provider cs_provider_t;

/* The provider named by option `option` of cfg: a row's name (static), or for "auto"
   `auto_name` when given, else the first row whose credentials are set, else
   CS_PROVIDER_LOCAL (*fell_back, may be NULL, is then true). NULL with "--OPTION: expected
   openai, offline or auto, got 'x'" in err for any other value. */
const char *cs_provider_choose(const cs_config_t *cfg, const char *option, const char *auto_name,
                               bool *fell_back, char *err, size_t errlen);

/* The provider `name` with its client opened from cfg (the option rows below). Caller
   destroys it. NULL with the reason (an unknown name, a client that cannot start). */
cs_provider_t *cs_provider_open(const cs_config_t *cfg, const char *name, char *err, size_t errlen);

/* The provider `name` around a client the caller made and keeps (borrowed: it must outlive
   the provider; NULL for a provider without one). NULL for an unknown name or out of memory.
   Tests use it to point a provider at a fake server. */
cs_provider_t *cs_provider_new(const char *name, void *client);

/* Close the client it opened (not a borrowed one), free it and NULL the pointer. NULL is
   fine. Requests in flight are dropped without their callbacks. */
void cs_provider_destroy(cs_provider_t **self_p);

/* Its name (static); CS_PROVIDER_LOCAL for NULL. */
const char *cs_provider_name(const cs_provider_t *self);

/* Its client (borrowed), NULL for a provider without one. The operations of a provider
   know its type (a cs_llm_t * for "openai"). */
void *cs_provider_client(const cs_provider_t *self);

/* Drive the client's requests for at most timeout_ms, calling their callbacks; returns the
   requests still pending (0 without a client or for NULL). */
int cs_provider_run(cs_provider_t *self, int timeout_ms);
int cs_provider_pending(const cs_provider_t *self);

/* Requests the client may have in flight now (cs_llm_window for "openai"), 0 for a provider
   without a client and for NULL. A stage takes in work by it. */
int cs_provider_window(const cs_provider_t *self);

/* The client's permanent refusal (borrowed; a wrong key, no quota) and its CS_CAUSE_* into
 *cause (may be NULL); NULL while there is none, and for NULL. */
const char *cs_provider_fatal(const cs_provider_t *self, const char **cause);

/* What /healthz says while a stage stops for a refusal of cause `cause` (static text naming
   what to fix). Can't fail. */
const char *cs_provider_health(const char *cause);

/* The row of provider `name` in a stage's table of one operation: `rows` holds n pointers to
   rows whose first member is `const char *name`. NULL when no row has that name (or name is
   NULL). */
const void *cs_provider_row(const void *const *rows, size_t n, const char *name);

/* What the shared option rows say about the model (strings borrowed from cfg). */
typedef struct {
    const char *model;   /* --model */
    bool json_schema;    /* --response-format: json_schema (strict), else json_object */
    int max_attempts;    /* --max-attempts: answers asked when one is invalid */
    double price_input;  /* --price-input, else the model's list price, else 0 */
    double price_output; /* --price-output, likewise */
} cs_provider_model_t;

/* Read them from cfg into *out; -1 with the reason for a --response-format other than
   json_schema or json_object. */
int cs_provider_model(const cs_config_t *cfg, cs_provider_model_t *out, char *err, size_t errlen);

/* The option rows of the providers, declared once for the extractor and the matcher: paste
   them into a stage's cs_option_t table. What differs between the stages is a parameter:
   `provider_help` says what --provider chooses, `model_help` names the model's use,
   `attempts_help` what --max-attempts counts, `timeout_s` the default of --request-timeout,
   `budget_end` what a longer wait than --retry-budget does ("stores the call unprocessed at
   once"), `tokens` whose tokens the prices are for ("" or "judge "). */
/* clang-format off */
#define CS_PROVIDER_OPTIONS_ENDPOINT(provider_help, model_help)                                    \
    {"provider", "CALLSIFT_PROVIDER", CS_OPT_STRING, "auto", provider_help, 0},                    \
    {"openai-api-key", "OPENAI_API_KEY", CS_OPT_STRING, NULL, "API key of the LLM endpoint",       \
     CS_OPT_SECRET},                                                                               \
    {"model", "OPENAI_MODEL", CS_OPT_STRING, CS_LLM_DEFAULT_MODEL, model_help, 0},                 \
    {"openai-base-url", "OPENAI_BASE_URL", CS_OPT_STRING, CS_LLM_DEFAULT_BASE_URL,                 \
     "any OpenAI-compatible endpoint (Azure OpenAI, vLLM, Ollama, llama.cpp server)", 0},          \
    {"response-format", "CALLSIFT_RESPONSE_FORMAT", CS_OPT_STRING, "json_schema",                  \
     "json_schema (strict) or json_object, for servers without json_schema", 0}

#define CS_PROVIDER_OPTION_CONCURRENCY                                                             \
    {"concurrency", "CALLSIFT_CONCURRENCY", CS_OPT_INT, "64",                                      \
     "the most LLM requests in flight in this process; fewer while the rate limit and the "       \
     "latency need fewer", CS_OPT_POSITIVE},                                                      \
    {"llm-rpm", "CALLSIFT_LLM_RPM", CS_OPT_INT, "0",                                               \
     "the account's requests per minute for the model: requests are paced to it (0: learnt "      \
     "from the provider's x-ratelimit-limit-requests header)", 0},                                \
    {"llm-tpm", "CALLSIFT_LLM_TPM", CS_OPT_INT, "0",                                               \
     "the account's tokens per minute for the model (0: learnt from x-ratelimit-limit-tokens)",   \
     0}

#define CS_PROVIDER_OPTIONS_REQUESTS(attempts_help, timeout_s, budget_end)                         \
    {"max-attempts", "CALLSIFT_LLM_ATTEMPTS", CS_OPT_INT, "3", attempts_help, CS_OPT_POSITIVE},    \
    {"request-timeout", "CALLSIFT_REQUEST_TIMEOUT", CS_OPT_DOUBLE, timeout_s,                      \
     "seconds per LLM request", CS_OPT_POSITIVE},                                                  \
    {"retry-budget", "CALLSIFT_LLM_RETRY_BUDGET", CS_OPT_DOUBLE, "60",                             \
     "seconds one LLM request may wait in all between its attempts (backoff, Retry-After); a "     \
     "longer wait asked by the API " budget_end, 0}

#define CS_PROVIDER_OPTIONS_PRICES(tokens)                                                         \
    {"price-input", "CALLSIFT_PRICE_INPUT", CS_OPT_DOUBLE, NULL,                                   \
     "USD per million " tokens "prompt tokens (default: the model's list price, 0 if unknown)", 0},\
    {"price-output", "CALLSIFT_PRICE_OUTPUT", CS_OPT_DOUBLE, NULL,                                 \
     "USD per million " tokens "completion tokens", 0}

/* The price of prompt tokens served from the provider's prompt cache (usage.prompt_tokens_
   details.cached_tokens), for a stage that reads them. */
#define CS_PROVIDER_OPTION_PRICE_CACHED                                                            \
    {"price-cached-input", "CALLSIFT_PRICE_CACHED_INPUT", CS_OPT_DOUBLE, NULL,                     \
     "USD per million prompt tokens served from the prompt cache (default: the model's list "      \
     "price when --price-input is not given, else the input price)", 0}

/* The most one run of the stage spends on the LLM. */
#define CS_PROVIDER_OPTION_BUDGET                                                                  \
    {"budget-usd", "CALLSIFT_BUDGET_USD", CS_OPT_DOUBLE, "0",                                      \
     "the most this run spends on the LLM, in USD (0: no cap); calls past it are stored "          \
     "unprocessed with cause budget (send them again with callsift-fetcher --reprocess)", 0}
/* clang-format on */

#endif
