/*  cs_extract_ops: the extraction operation of a provider (cs_provider.h), one row per
    provider that does it: a call and its themes give insights.

    cs_extract (the engine) handles what every provider shares: calls that pass through, empty
    transcripts, counting, the usage record, the callback. A row does the rest for one call:
    cs_extract_offline.c (the built-in extractor, at once) and cs_extract_openai.c (Chat
    Completions, chunks, answers asked again). Adding a provider's extraction: one file with
    its row and the row's address in s_ops of cs_extract.c. */
#ifndef CS_EXTRACT_OPS_H
#define CS_EXTRACT_OPS_H

#include <jansson.h>

#include "cs_extract.h"
#include "cs_provider.h"

/* How one call's extraction ended. Borrowed for the callback, except insights, which the
   callback takes. */
typedef struct {
    json_t *insights;   /* the insights (taken), or NULL on failure */
    const char *error;  /* on failure: why */
    const char *cause;  /* on failure: a CS_CAUSE_* */
    const char *model;  /* the model that answered (the usage record's "model") */
    long prompt_tokens; /* spent on this call */
    long completion_tokens;
    long cached_tokens; /* of prompt_tokens, served by the provider's prompt cache */
    int requests;       /* requests (answers) it took */
} cs_extract_answer_t;

/* Called exactly once per started extraction (`job` is the engine's). */
typedef void (*cs_extract_answer_fn)(void *job, cs_extract_answer_t *answer);

typedef struct {
    const char *name; /* the provider's */
    /* Its state for one engine: opts (copied by the engine, outlives the state), the provider
       (borrowed: its client) and the engine's totals, which the row adds its requests, tokens
       and answers to as they happen. NULL with the reason. */
    void *(*open)(const cs_extract_opts_t *opts, cs_provider_t *provider,
                  cs_extract_totals_t *totals, char *err, size_t errlen);
    void (*close)(void *state);
    /* Start on `call` (borrowed until fn runs; its transcript is not empty) with `themes`
       (borrowed; referenced while needed). fn may run before this returns. -1 when it could
       not start: fn is not called. */
    int (*extract)(void *state, const json_t *call, const json_t *themes, cs_extract_answer_fn fn,
                   void *job);
} cs_extract_ops_t;

extern const cs_extract_ops_t cs_extract_offline_ops;
extern const cs_extract_ops_t cs_extract_openai_ops;

/* The row of provider `name`, or NULL: that provider does not extract. */
const cs_extract_ops_t *cs_extract_ops_find(const char *name);

#endif
