/*  fake_openai_int: what the pieces of fake_openai share (private to the fake: tests use
    fake_openai.h). fake_openai.c is the server: the handler, the strict request checks, pushed
    answers, the responder and the request log. fake_openai_answer.c builds the answers' bodies:
    OpenAI's error form, chat completions (with the prompt cache) and embeddings (hashed words, or
    the load mode's deterministic vectors). fake_openai_sim.c is the load mode's simulated LLM,
    answering from a truth; fake_openai_limits.c the load mode's rate limits and their headers.
    fake_openai_batch.c (fake_openai_batch.h) answers the Files and Batch endpoints. */
#ifndef FAKE_OPENAI_INT_H
#define FAKE_OPENAI_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fake_openai.h"
#include "fake_openai_batch.h"

#define FAKE_OPENAI_PREFIX        "/v1"
#define FAKE_OPENAI_CHAT_PATH     "/chat/completions"
#define FAKE_OPENAI_EMBED_PATH    "/embeddings"
#define FAKE_OPENAI_MAX_DIMS      4096
#define FAKE_OPENAI_CACHE_PROMPTS 32 /* the prompt cache keeps the last this many chat prompts */

/* Load mode: the limits of one model and the requests in its window (fake_openai_limits.c). */
typedef struct fake_window fake_window_t;

/* Load mode (see fake_openai.h): the truth, indexed, and what changes while serving. The truth
   and its indexes are read-only once the server runs; the window, rng and stats sit behind the
   server's lock. Made and freed by fake_openai_sim.c, which alone reads names and calls; the
   windows belong to fake_openai_limits.c. */
typedef struct fake_load {
    json_t *root;                 /* the truth */
    const json_t *requests;       /* {key: {theme, title, variants, rank}}, borrowed from root */
    struct fake_load_name *names; /* sorted by folded name, each name once */
    size_t nnames;
    struct fake_load_call *calls; /* sorted by n */
    size_t ncalls;
    int latency_ms, jitter_ms, rpm, tpm, dims;
    int embeddings_rpm, embeddings_tpm; /* the limits of an embeddings model */
    bool shared;          /* one window for every model (the account-wide limit of old) */
    bool quiet;           /* the limit is not named in the answers' headers */
    int64_t window_ms;    /* the limits' sliding window */
    fake_window_t **wins; /* a window per model, made at its first request (limits.c) */
    size_t nwins;
    uint64_t rng; /* jitter */
    fake_openai_load_stats_t stats;
} fake_load_t;

/* The server's state (fake_openai.c). The other pieces read lock and load; the prompt cache and
   served belong to the chat completions of fake_openai_answer.c. */
struct fake_openai {
    struct MHD_Daemon *daemon;
    char url[64];
    pthread_mutex_t lock;
    pthread_cond_t wake; /* signalled when stopping, to cut delays short */
    bool stopping;
    char *api_key;
    struct fake_pushed *pushed;
    fake_openai_responder_fn responder;
    void *responder_arg;
    fake_log_t log;
    int in_progress, max_in_progress;
    unsigned long served;
    fake_load_t *load;                      /* load mode, or NULL; set before the daemon starts */
    char *cache[FAKE_OPENAI_CACHE_PROMPTS]; /* earlier chat prompts (a ring), for cached_tokens */
    size_t cache_next;
    bool keep_log;       /* log requests (false only in load mode without keep_log) */
    fake_batch_t *batch; /* the Files and Batch endpoints (fake_openai_batch.c) */
};

/* fake_openai_answer.c ------------------------------------------------------------------------ */

/* A deep copy of the answer's strings into *out (free with fake_openai_answer_free). */
void fake_openai_answer_copy(const fake_openai_answer_t *in, fake_openai_answer_t *out);
/* Free the answer's strings and zero it. */
void fake_openai_answer_free(fake_openai_answer_t *a);

/* The text of a message's content: a string, or the first text part of an array. Borrowed. */
const char *fake_openai_message_text(const json_t *message);
/* A token per 4 bytes, at least 1. */
long fake_openai_estimate_tokens(size_t bytes);
/* The value at a path of object keys (NULL-terminated), or NULL. Borrowed. */
const json_t *fake_openai_dig(const json_t *v, ...);
/* 64-bit FNV-1a of s[0..n); splitmix64's next value of *state. */
uint64_t fake_openai_hash(const char *s, size_t n);
uint64_t fake_openai_mix(uint64_t *state);

/* The embeddings answer (malloc'd text) and its status. With `load` (may be NULL: the default
   hashed bags of words) the load mode's vectors and token estimates; *tokens and *inputs (may be
   NULL) get the tokens counted and the number of texts. */
char *fake_openai_embeddings_text(const fake_load_t *load, const json_t *request, int *status,
                                  long *tokens, long *inputs);
/* Build the text (malloc'd) of answer `a` to request `body` on `path`; *status and *cut are
   set. */
char *fake_openai_build(fake_openai_t *f, const char *path, const json_t *body,
                        const fake_openai_answer_t *a, int *status, bool *cut);

/* fake_openai_sim.c --------------------------------------------------------------------------- */

/* The load state for `opts` (checked; its truth read and indexed), or NULL with the reason in
   err. Free with fake_load_free (NULL is fine). */
fake_load_t *fake_load_new(const fake_openai_load_opts_t *opts, char *err, size_t errlen);
void fake_load_free(fake_load_t **l_p);
/* The request a text to embed stands for: a title or variant, or one followed by ". " and more
   (the matcher embeds "name. description"). Borrowed; NULL when none. */
const char *fake_load_text_key(const fake_load_t *l, const char *text);
/* The load mode's answer to a chat or embeddings request, into *a (zeroed on entry; a->owned
   holds its memory): 0, or -1 for another path or out of memory. */
int fake_load_answer(fake_openai_t *f, const char *path, const json_t *request,
                     fake_openai_answer_t *a);

/* fake_openai_limits.c ------------------------------------------------------------------------ */

/* The window of the model a request to `path` names in `request`, made at its first request;
   NULL when that model has no limit (or out of memory). Called with the lock held. */
fake_window_t *fake_window_of(fake_load_t *l, const char *path, const json_t *request);
/* 0 when a request of `tokens` arriving now is within the limits of window w; else the ms
   until it would be (at least 1), and *text OpenAI's 429 body for it (malloc'd). */
int64_t fake_window_take(fake_openai_t *f, fake_window_t *w, long tokens, char **text);
/* The load mode's x-ratelimit-* header values, as OpenAI's rate limits guide documents them. */
typedef struct {
    char limit_requests[32], remaining_requests[32], reset_requests[32];
    char limit_tokens[32], remaining_tokens[32], reset_tokens[32];
} fake_limit_headers_t;
/* Fill in the x-ratelimit-* headers of window w that `a` leaves unset (unless the load mode is
   quiet), pointing into *h. */
void fake_window_headers(fake_openai_t *f, fake_window_t *w, fake_limit_headers_t *h,
                         fake_openai_answer_t *a);
/* Free the windows of l. */
void fake_windows_free(fake_load_t *l);

#endif
