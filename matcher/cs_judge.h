/*  cs_judge: the LLM judge of the matcher's ambiguous band (DESIGN.md section 5): is this new
    feature one of these few existing ones?

    The request is a Chat Completions body in the seed's words ("You are a product manager
    detecting duplicate features."), told that two requests are duplicates only when building
    one would satisfy both and to keep them apart when in doubt; the new feature's title and
    description; the top-k candidates as "[id] name" with their descriptions, the other names
    their mentions were filed under ("Also filed as") and a few recent customer quotes;
    temperature 0.2; and a strict JSON schema in which matching_feature_id can only be one of
    the candidates' ids or null (or response_format json_object for servers without
    json_schema). Names, descriptions, aliases and quotes are customer words: each goes inside
    its own <<< >>> delimiters, on one line (angle brackets and control characters become
    spaces), and the model is told they are data.

    Caps: a name or description CS_JUDGE_MAX_FIELD bytes; per candidate the first
    CS_JUDGE_MAX_ALIASES aliases and CS_JUDGE_MAX_QUOTES quotes, each CS_JUDGE_MAX_EXTRA bytes
    (cut on a character boundary), and the aliases and quotes of all candidates together
    CS_JUDGE_EXTRAS_BYTES, shared equally between the candidates (an alias or quote past its
    candidate's share is left out whole); the whole user message CS_JUDGE_MAX_PROMPT bytes (no
    request beyond it: it cannot be reached with the matcher's 50 candidates at most).

    The answer is validated whatever the server promised: a JSON object with is_duplicate
    (boolean), matching_feature_id (a candidate's id, or null), confidence (0..1),
    runner_up_confidence (0..1: how likely the best OTHER candidate is the same feature) and
    reasoning (string); is_duplicate true needs an id. runner_up_confidence is required when
    the request asked for json_schema (strict mode requires every property) and may be left out
    under json_object (it is then 0). Anything else is an invalid answer with a reason: the
    caller asks again or falls back.

    The judging operation of a provider (cs_provider.h) is a cs_judge_ops_t row, found by the
    provider's name (cs_judge_ops_find): "openai" (cs_judge_openai.c) asks the Chat Completions
    endpoint with the request above; "offline" has no judge (ask is NULL), and the matcher
    decides the band by similarity alone. Adding a provider's judge: one file with its row and
    the row's address in s_ops of cs_judge.c. */
#ifndef CS_JUDGE_H
#define CS_JUDGE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "cs_provider.h"

#define CS_JUDGE_TEMPERATURE 0.2
#define CS_JUDGE_MAX_TOKENS  400

#define CS_JUDGE_MAX_FIELD    600   /* bytes of a name or description shown */
#define CS_JUDGE_MAX_ALIASES  5     /* aliases shown per candidate */
#define CS_JUDGE_MAX_QUOTES   3     /* quotes shown per candidate */
#define CS_JUDGE_MAX_EXTRA    200   /* bytes of one alias or quote */
#define CS_JUDGE_EXTRAS_BYTES 12000 /* aliases and quotes of all candidates together */
#define CS_JUDGE_MAX_PROMPT   (128 * 1024)

typedef struct {
    bool is_duplicate;
    char matching_feature_id[64]; /* "" when null */
    double confidence;
    double runner_up_confidence; /* the best other candidate's; 0 when left out (json_object) */
    char reasoning[1024];
} cs_verdict_t;

/* The request body (the caller owns it). `feature` is {title, description}; candidates are
   [{id, name, description, aliases?: [string], quotes?: [string]}] (entries of aliases and
   quotes that are not strings, are empty or repeat the name are left out). NULL when out of
   memory or over CS_JUDGE_MAX_PROMPT. */
json_t *cs_judge_request(const char *model, bool json_schema, const json_t *feature,
                         const json_t *candidates);

/* Validate an answer's content against the candidates (a Markdown code fence around the JSON
   object is left out, as cs_llm_unfence() does); json_schema: the request asked for it, so
   runner_up_confidence is required. 0 and *out filled, or -1 with the reason ("not JSON: ...",
   "matching_feature_id 'x' is not one of the candidates", ...). */
int cs_judge_parse(const char *content, const json_t *candidates, bool json_schema,
                   cs_verdict_t *out, char *err, size_t errlen);

typedef enum {
    CS_JUDGE_OK = 0,  /* a valid verdict */
    CS_JUDGE_INVALID, /* an answer that is not a valid verdict (error says why): ask again */
    CS_JUDGE_FAILED,  /* no answer for now (5xx, rate limits, timeouts) */
    CS_JUDGE_FATAL,   /* the provider refuses for good (cause: llm_auth, llm_quota) */
    CS_JUDGE_STOPPED, /* cs_stop_requested() ended it */
} cs_judge_status_t;

/* How one question ended. Borrowed for the callback. */
typedef struct {
    cs_judge_status_t status;
    const cs_verdict_t *verdict;           /* CS_JUDGE_OK */
    const char *error;                     /* otherwise: why */
    const char *cause;                     /* CS_JUDGE_FATAL: a CS_CAUSE_* */
    long prompt_tokens, completion_tokens; /* paid for, whatever the status */
} cs_judge_answer_t;

typedef void (*cs_judge_answer_fn)(void *arg, const cs_judge_answer_t *answer);

/* What the judge is told besides the question. */
typedef struct {
    const char *model; /* NULL or "": CS_LLM_DEFAULT_MODEL */
    bool json_schema;  /* answers with json_schema strict, else json_object */
} cs_judge_opts_t;

typedef struct {
    const char *name; /* the provider's */
    /* Ask whether `feature` ({title, description}) is one of `candidates` ([{id, name,
       description}]); both borrowed for the call only. fn(arg, answer) is called once, from
       cs_provider_run(). -1 when it could not ask: fn is not called. NULL: this provider has
       no judge. */
    int (*ask)(cs_provider_t *provider, const cs_judge_opts_t *opts, const json_t *feature,
               const json_t *candidates, cs_judge_answer_fn fn, void *arg);
} cs_judge_ops_t;

extern const cs_judge_ops_t cs_judge_openai_ops;

/* The row of provider `name`, or NULL for an unknown name. */
const cs_judge_ops_t *cs_judge_ops_find(const char *name);

#endif
