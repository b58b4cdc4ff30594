/*  cs_extract: turns call records into extraction records (DESIGN.md section 4), with the
    extraction of a provider (cs_extract_ops.h: the offline extractor, or an OpenAI-compatible
    LLM), several calls in flight at once.

    A call flagged extract:false passes through untouched (kind changed to "extraction"); a
    call with an empty transcript gets empty insights without asking the provider.
    With the LLM ("openai"), a long transcript is split into chunks (cs_prompt_chunks), each
    chunk is one Chat Completions request, each answer is validated field by field
    (cs_insights_parse), an invalid answer or one cut off by the token limit (finish_reason
    "length") is asked again up to max_attempts times, and the chunks' insights are merged;
    a request without a customer's quote is dropped and counted (requests_not_customer,
    requests_no_quote), and a call in which no customer speaks is not asked at all (insights
    "skipped": "internal meeting: no customer spoke"). A
    call whose extraction fails still comes out, with "error" and "error_cause" (a CS_CAUSE_*
    of cs_record.h: the LLM client's cause, llm_invalid_answer when the answers stayed
    invalid, other) set and no insights: the writer stores it unprocessed, so nothing is
    dropped. Usage (provider, model, tokens, cached_tokens, latency, cost, attempts) goes into
    the "llm" of every record the provider worked on; cached prompt tokens (answered from the
    provider's prompt cache) are charged at price_cached, the others at the input price.

    Budgets (cs_extract_budget.h): before a call's LLM work starts, the run's --budget-usd and
    the workspace's monthly budget are checked; a call past either comes out at once with
    error_cause "budget" (CS_CAUSE_BUDGET) and no insights, so the writer stores it
    unprocessed and `callsift-fetcher --reprocess` sends it again later. Providers that cost
    nothing (no client: offline) are never held.

    When the LLM refuses for good (a wrong key, no quota: CS_LLM_FATAL), the calls in progress
    and every later one end at once with that cause; cs_extract_fatal() tells the caller, which
    should stop taking calls. */
#ifndef CS_EXTRACT_H
#define CS_EXTRACT_H

#include <stdbool.h>

#include <jansson.h>

#include "cs_config.h"
#include "cs_db.h"
#include "cs_provider.h"

typedef struct cs_extract cs_extract_t;
typedef struct cs_batch cs_batch_t;

typedef struct {
    cs_provider_t *provider; /* whose extraction (borrowed); NULL: CS_PROVIDER_LOCAL */
    cs_provider_model_t llm; /* the model ("gpt-4o-mini"), the answers' format, the answers
                                asked per chunk, USD per million prompt / completion tokens */
    double temperature;      /* 0.3 */
    int max_input_tokens;    /* chunk budget */
    int vendor_context;      /* the vendor's sentences kept around each customer sentence in
                                the prompt (cs_prompt_focus.h); < 0: the whole transcript */
    double price_cached;     /* USD per million prompt tokens the provider's prompt cache
                                served (--price-cached-input, else the model's list price,
                                else price_input) */
    double budget_usd;       /* the most this engine spends (--budget-usd); <= 0: no cap */
    cs_db_t *budget_db;      /* the workspaces' monthly budgets (borrowed; NULL: none; see
                                cs_extract_set_budget_db) */
    cs_batch_t *batch;       /* --llm-batch: the LLM requests go through this Batch API client
                                (borrowed; cs_extract_batch.h); NULL: /chat/completions */
    int batch_hold;          /* the most calls held in batches at once (--batch-size times
                                --batch-open) */
} cs_extract_opts_t;

/* The option row cs_extract_configure reads for vendor_context (cs_prompt_focus.h). */
#define CS_EXTRACT_OPTION_VENDOR_CONTEXT                                                           \
    {                                                                                              \
        "vendor-context", "CALLSIFT_VENDOR_CONTEXT", CS_OPT_INT, "3",                              \
            "the vendor's sentences the LLM sees around each customer sentence; -1: all of them",  \
            CS_OPT_SIGNED                                                                          \
    }

/* Called once per submitted call with the finished extraction record (the callee owns it). */
typedef void (*cs_extract_done_fn)(void *arg, json_t *extraction);

typedef struct {
    long calls, failed, passed_through;
    long requests, prompt_tokens, completion_tokens;
    long cached_tokens; /* of the prompt tokens, served by the provider's prompt cache */
    long held_budget;   /* calls not asked: a budget was spent (cs_extract_budget.h) */
    long features, bugs, quotes_dropped, themes_defaulted, invalid_answers;
    long requests_not_customer; /* feature requests dropped: the quote is not a customer's */
    long requests_no_quote;     /* feature requests dropped: no quote */
    long internal_meetings;     /* calls not asked: no customer spoke (cs_speakers) */
    long vendor_left_out;       /* the vendor's sentences left out of prompts (cs_prompt_focus) */
    double cost_usd;
    /* of the above, what went through the Batch API (--llm-batch), priced at
       CS_BATCH_PRICE_FACTOR of the model's prices */
    long batch_prompt_tokens, batch_completion_tokens;
    double batch_cost_usd;
} cs_extract_totals_t;

/* The options of the extractor's provider rows (cs_provider.h) into opts, with the provider
   chosen by --provider opened into opts->provider (the caller destroys it with
   cs_provider_destroy; its strings are borrowed from cfg). -1 with the reason for a usage
   error: a wrong --provider or --response-format, a provider that does not extract, a client
   that cannot start. Logs which provider it uses. */
int cs_extract_configure(const cs_config_t *cfg, cs_extract_opts_t *opts, char *err, size_t errlen);

/* A new engine (opts are copied; the strings and handles in it are borrowed). NULL when out
   of memory, when the provider does not extract or its extraction cannot start (logged). */
cs_extract_t *cs_extract_new(const cs_extract_opts_t *opts, cs_extract_done_fn fn, void *arg);
void cs_extract_destroy(cs_extract_t **self_p);

/* Start on a call record (taken) with the workspace's themes (borrowed, referenced while
   needed). With the offline extractor, fn runs before this returns. */
void cs_extract_submit(cs_extract_t *self, json_t *call, const json_t *themes);

/* Drive the provider's requests for at most timeout_ms, finishing calls as their answers arrive.
   Returns the number of calls still in progress. */
int cs_extract_run(cs_extract_t *self, int timeout_ms);
int cs_extract_pending(const cs_extract_t *self);

/* Requests its provider's client may have in flight now (cs_llm_window), 0 without a client;
   with a Batch API client, half the calls it may hold (the stage takes in twice the window). */
int cs_extract_window(const cs_extract_t *self);

/* The provider's permanent refusal (borrowed, see cs_provider_fatal) and its cause into *cause
   (may be NULL): CS_CAUSE_LLM_AUTH or CS_CAUSE_LLM_QUOTA. NULL while there is none. */
const char *cs_extract_fatal(const cs_extract_t *self, const char **cause);

void cs_extract_totals(const cs_extract_t *self, cs_extract_totals_t *out);

/* Where the monthly budgets are read (borrowed, must outlive the engine; NULL: none), for a
   stage that connects to the database after making the engine. */
void cs_extract_set_budget_db(cs_extract_t *self, cs_db_t *db);

#endif
