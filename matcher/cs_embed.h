/*  cs_embed: the vectors of features (a name and a description), from the embeddings
    operation of a provider (cs_provider.h), one row per provider in s_ops of cs_embed.c:
      - "offline" (cs_embed_offline.c): the hashed n-gram vector of cs_vec, at once;
      - "openai" (cs_embed_openai.c): the embeddings endpoint, in batches of at most
        CS_EMBED_BATCH texts per request, each text "name. description" cut at
        CS_EMBED_MAX_TEXT bytes.
    This module holds what the rows share: the cache of vectors by text (the costly ones: a
    row says whether its vectors are cached), the counters, the usage and its cost.

    Adding a provider's embeddings: one file with its cs_embed_ops_t row and the row's address
    in s_ops. */
#ifndef CS_EMBED_H
#define CS_EMBED_H

#include <stdbool.h>
#include <stddef.h>

#include "cs_provider.h"
#include "cs_vec.h"

#define CS_EMBED_BATCH     256   /* inputs per embeddings request */
#define CS_EMBED_CACHE_MAX 20000 /* vectors kept by text; the cache is emptied when full */
#define CS_EMBED_MAX_TEXT  8000  /* bytes of a feature's text that are embedded */

typedef struct cs_embed cs_embed_t;

typedef struct {
    cs_provider_t *provider; /* whose embeddings (borrowed); NULL: CS_PROVIDER_LOCAL */
    const char *model;       /* of the embeddings endpoint, e.g. "text-embedding-3-small" */
    int dimensions;          /* asked of the endpoint; 0: the model's own */
    double price;            /* USD per million embedded tokens */
} cs_embed_opts_t;

typedef enum {
    CS_EMBED_OK = 0,
    CS_EMBED_FAILED,  /* some vectors could not be had (error says why) */
    CS_EMBED_FATAL,   /* the provider refuses for good (cause: llm_auth, llm_quota) */
    CS_EMBED_STOPPED, /* cs_stop_requested() ended it */
} cs_embed_status_t;

/* How a cs_embed_vectors() ended. Borrowed for the callback. */
typedef struct {
    cs_embed_status_t status;
    const char *error; /* not OK: why */
    const char *cause; /* CS_EMBED_FATAL: a CS_CAUSE_* */
    long tokens;       /* embedded tokens paid for by this call */
} cs_embed_result_t;

typedef void (*cs_embed_done_fn)(void *arg, const cs_embed_result_t *result);

/* One provider's embeddings. */
typedef struct {
    const char *name; /* the provider's */
    /* The default bounds of the matcher's ambiguous band for these vectors: similarity at or
       above link_above links, below new_below creates. */
    double link_above, new_below;
    bool cached;       /* its vectors are kept by text (cs_embed_cache_*): they cost */
    const char *label; /* how the log names its vectors; NULL: by the model name */
    /* The model name its vectors are stored under, into buf. */
    void (*model)(const cs_embed_opts_t *opts, char *buf, size_t len);
    /* The vectors of count features into *out[i] (each zeroed on entry), then fn(arg) once,
       perhaps before this returns. On failure some *out[i] may be set: the caller frees them.
       -1 when nothing could start (out of memory): fn is not called. */
    int (*vectors)(cs_embed_t *e, int count, const char *const *names,
                   const char *const *descriptions, cs_vec_t **out, cs_embed_done_fn fn, void *arg);
} cs_embed_ops_t;

extern const cs_embed_ops_t cs_embed_offline_ops;
extern const cs_embed_ops_t cs_embed_openai_ops;

/* The row of provider `name`, or NULL: that provider does not embed. */
const cs_embed_ops_t *cs_embed_ops_find(const char *name);

/* An engine for opts (copied; borrowed strings and provider). NULL when out of memory or the
   provider does not embed. */
cs_embed_t *cs_embed_new(const cs_embed_opts_t *opts);
void cs_embed_destroy(cs_embed_t **self_p);

/* Its row and options (borrowed). */
const cs_embed_ops_t *cs_embed_ops(const cs_embed_t *self);
const cs_embed_opts_t *cs_embed_opts(const cs_embed_t *self);

/* The model name the vectors are stored under: "offline-ngram-2", or
   "text-embedding-3-small" ("...@256" when dimensions are asked). Borrowed. */
const char *cs_embed_model(const cs_embed_t *self);

/* The vectors of count features (names[i], descriptions[i]; borrowed until fn) into *out[i];
   fn(arg, result) is called once, perhaps before this returns. With use_cache, a row whose
   vectors are cached takes the ones it has from the cache and asks for the rest only. -1 when
   nothing could start (fn is not called). */
int cs_embed_vectors(cs_embed_t *self, int count, const char *const *names,
                     const char *const *descriptions, bool use_cache, cs_vec_t **out,
                     cs_embed_done_fn fn, void *arg);

/* The text a feature is embedded by: "name. description" (the name alone without one), at
   most CS_EMBED_MAX_TEXT bytes. Caller frees; NULL when out of memory. */
char *cs_embed_text(const char *name, const char *description);

/* For the rows: the cached vector of `text` copied into *out (true), or false. */
bool cs_embed_cache_get(cs_embed_t *self, const char *text, cs_vec_t *out);
/* Keep a copy of v under `text`. Can't fail (out of memory: not kept). */
void cs_embed_cache_put(cs_embed_t *self, const char *text, const cs_vec_t *v);
/* Count one request of n inputs, and `tokens` embedded tokens paid for. */
void cs_embed_count(cs_embed_t *self, int requests, int inputs, long tokens);

/* Counters since cs_embed_new(). */
typedef struct {
    long requests, inputs, cached, tokens;
    double cost_usd;
} cs_embed_totals_t;
void cs_embed_totals(const cs_embed_t *self, cs_embed_totals_t *out);

#endif
