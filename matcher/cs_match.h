/*  cs_match: turns extraction records into decision records (DESIGN.md section 5): for each
    extracted feature request, link it to a feature of the catalogue or create a new one.

    Per feature request, in its theme (every theme with cross_theme):
      1. a feature with the same normalised name: link (method "exact", confidence 1);
      2. the top-k features by vector similarity (the candidates);
      3. best similarity >= link_above: link (method "embedding", confidence = similarity);
         below new_below, or no candidates: create (method "embedding", confidence it is
         unique = 1 - best similarity);
      4. in between, the ambiguous band: the LLM judge sees the candidates (method "llm"): it
         links when it says duplicate of one of the candidates with confidence >= threshold
         and confidence - runner_up_confidence >= judge_margin, else creates (the reasoning
         says which gate kept it separate). With a
         provider that has no judge (cs_judge.h: "offline"), or when the judge fails or keeps
         answering nonsense, the band is decided by
         similarity alone (method "embedding"): the duplicate confidence is where the best
         similarity sits in the band, c = (s - new_below) / (link_above - new_below), and it
         links when c >= threshold (with the defaults, at 0.7 of the way up the band).
    After a link to T, T's nearest other features are checked once and the ones at least
    merge_above alike are merged with it (cs_collapse.h): in the catalogue at once, and as the
    record's "merges" for the writer, so chains of duplicates collapse.
    Each decision carries the request's description, urgency, quote and speaker, and its
    confidence (how sure the extractor was that it is a request) as request_confidence.
    A new feature's id is the UUIDv5 of its message id and index (cs_uuid_feature_id), and it
    joins the catalogue at once, so the next request for it links to it.

    Several judge requests can be in flight at once (the LLM client's concurrency). A request
    about to create a feature first looks at what joined the catalogue while it waited for
    its judge: a feature of the same name, or one at least new_below similar, sends it through
    the decision again (counted as a "recheck"), so many calls voicing one new request at once
    create it once and link the rest.

    A redelivered extraction decides the same: its own features are in the catalogue by then,
    under the ids it would create, and a match on one of them is written as "create" again
    (the writer finds the row and changes nothing).

    An extraction with an error, without insights or with extract:false passes through with no
    decisions; when its vectors cannot be had (the embeddings endpoint fails) it passes
    through with "error" and "error_cause" set (embeddings; llm_auth or llm_quota when the LLM
    refuses for good), so the writer stores the call unprocessed. A judge that fails for a
    while (5xx, rate limits, invalid answers) leaves the band to similarity; a judge that
    refuses for good (CS_LLM_FATAL) leaves the call undecided, with its cause, like the
    embeddings: the call is decided again when the fetcher resends it with a working key. */
#ifndef CS_MATCH_H
#define CS_MATCH_H

#include <stdbool.h>

#include <jansson.h>

#include "cs_catalog.h"
#include "cs_provider.h"

typedef struct {
    cs_provider_t *judge;        /* whose judge decides the ambiguous band (borrowed; cs_judge.h) */
    cs_provider_t *vectors;      /* whose embeddings give the vectors (borrowed; cs_embed.h); may be
                                    the judge's. NULL for either: CS_PROVIDER_LOCAL */
    const char *model;           /* judge, e.g. "gpt-4o-mini" */
    const char *embedding_model; /* e.g. "text-embedding-3-small" */
    int dimensions;              /* asked of the embeddings endpoint; 0: the model's own */
    bool json_schema;            /* judge answers with json_schema strict, else json_object */
    double link_above, new_below;
    double threshold; /* FEATURE_MATCH_CONFIDENCE */
    int candidates;   /* k */
    bool cross_theme;
    double band_margin; /* offline band: link when the first candidate's fused score leads the
                           runner-up's by this much */
    int max_attempts;   /* judge answers asked per decision when they are invalid */
    double price_input; /* USD per million tokens, judge prompt / completion / embeddings */
    double price_output;
    double price_embedding;
    bool quiet;          /* no per-feature log lines (one-shot mode) */
    double judge_margin; /* the judge links only when confidence - runner_up_confidence >= it */
    double merge_above;  /* after a link, features this alike merge (cs_collapse.h): 0 means
                            link_above, > 1 never */
} cs_match_opts_t;

/* Called once per submitted extraction with its decision record (the callee owns it) and the
   LLM tokens spent on it (judge and embeddings). */
typedef void (*cs_match_done_fn)(void *arg, json_t *decision, long tokens_used);

typedef struct {
    long extractions, passed_through, failed;
    long features, created, linked;
    long by_exact, by_embedding, by_llm, rechecks;
    long merged; /* duplicates merged after a link (cs_collapse.h) */
    long judge_requests, judged, invalid_answers, judge_failures;
    long embed_requests, embed_inputs, embed_cached;
    long prompt_tokens, completion_tokens, embedding_tokens;
    double cost_usd;
} cs_match_totals_t;

typedef struct cs_match cs_match_t;

/* NULL when out of memory, or when a provider has no judge row or does not embed. */
cs_match_t *cs_match_new(const cs_match_opts_t *opts, cs_match_done_fn fn, void *arg);
/* Pending work is dropped without callbacks. */
void cs_match_destroy(cs_match_t **self_p);

/* The options it runs with (borrowed). */
const cs_match_opts_t *cs_match_opts(const cs_match_t *self);
/* Count n merges made outside a decision (after a reload, cs_matchdb.h) in the totals. */
void cs_match_add_merged(cs_match_t *self, int n);

/* The name vectors of this engine are stored under: "offline-ngram-2", or
   "text-embedding-3-small" ("...@256" when dimensions are asked). */
const char *cs_match_vector_model(const cs_match_t *self);

/* Give every feature of the catalogue that has none its vector (offline at once; from the
   embeddings endpoint in batches, waiting for them). 0, or -1 with the reason. */
int cs_match_prepare(cs_match_t *self, cs_catalog_t *catalog, char *err, size_t errlen);

/* Start on an extraction record (taken) against a prepared catalogue (borrowed: it must
   outlive the work). Offline, fn runs before this returns. */
void cs_match_submit(cs_match_t *self, json_t *extraction, cs_catalog_t *catalog);

/* Pass an extraction (taken) on undecided: a decision record with no decisions, "error" and
   "error_cause" (a CS_CAUSE_*), through the callback, before this returns. */
void cs_match_fail(cs_match_t *self, json_t *extraction, const char *error, const char *cause);

/* A provider's permanent refusal (borrowed, see cs_provider_fatal) and its cause into *cause
   (may be NULL): CS_CAUSE_LLM_AUTH or CS_CAUSE_LLM_QUOTA. NULL while there is none, or
   with providers that never refuse. */
const char *cs_match_fatal(const cs_match_t *self, const char **cause);

/* Drive the providers' requests for at most timeout_ms. Returns the extractions still pending. */
int cs_match_run(cs_match_t *self, int timeout_ms);
int cs_match_pending(const cs_match_t *self);

/* The smaller LLM window of its judge and its embeddings (cs_llm_window), 0 with neither. */
int cs_match_window(const cs_match_t *self);

/* Counters since cs_match_new(). */
void cs_match_totals(const cs_match_t *self, cs_match_totals_t *out);

#endif
