/*  cs_batch_priv: what cs_batch.c (sending, polling, delivering) and cs_batch_state.c (the lines'
    index, the batches' list, the state file) share. Not part of the API: see cs_batch.h. */
#ifndef CS_BATCH_PRIV_H
#define CS_BATCH_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cs_batch.h"
#include "cs_http.h"

/* A callback waiting for a line's answer. */
typedef struct waiter {
    cs_llm_done_fn fn;
    void *arg;
    struct waiter *next;
} waiter_t;

typedef struct batch batch_t;

/* One request, known by its custom_id. */
typedef struct {
    char *custom_id;
    char *body;    /* the request serialised; NULL for a line resumed and not submitted since */
    int rounds;    /* batches it has been sent in */
    batch_t *in;   /* the batch it is in now, or NULL */
    bool queued;   /* waits for the next batch */
    int64_t since; /* queued since */
    waiter_t *waiters;
    json_t *answer; /* an answer no one asked for yet (the response body), or NULL */
    bool ready;     /* answer is there: deliver at the next run */
} line_t;

struct batch {
    char *id, *input_file_id;
    json_t *owed;      /* custom_ids whose answers are not delivered yet: {custom_id: true} */
    int64_t next_poll; /* cs_now_ms(); INT64_MAX once ended */
    int64_t ended_at;  /* cs_wall_ms() when it ended (kept in the state file); 0: not yet */
};

struct cs_batch {
    cs_batch_opts_t o;
    char *base, *query; /* base_url split at '?' */
    char *endpoint, *state_path, *tag;
    CURL *curl;
    struct curl_slist *json_headers, *upload_headers;
    cs_http_policy_t policy;
    json_t *index; /* {custom_id: line_t pointer as an integer} */
    line_t **queue;
    size_t nqueue, cqueue;
    batch_t **batches;
    size_t nbatches, cbatches;
    int waiting;        /* callbacks to call */
    json_t *creating;   /* {input_file_id, custom_ids} between the upload and the batch's id
                           coming back: in the state file, so a kill then is not paid twice */
    json_t *unresolved; /* such an entry read from the state file, to look up in the list of
                           batches; NULL when there is none (or once done) */
    int64_t resolve_after;
    long last_status;   /* the HTTP status of the last request (0: no answer) */
    bool last_unsure;   /* the last request failed but may have been carried out
                           (CS_HTTP_UNSURE: sent with a not_idempotent policy) */
    bool ready_asked;   /* a line answered before it was asked for has been asked for */
    int64_t send_after; /* after a failed send: not before */
    char fatal[512];
    const char *fatal_cause;
    cs_batch_stats_t stats;
};

/* The line of custom_id, or NULL. */
line_t *cs_batch_line_find(const cs_batch_t *self, const char *custom_id);

/* A new line in the index (no body, no waiter, not queued); NULL when out of memory. */
line_t *cs_batch_line_new(cs_batch_t *self, const char *custom_id);

/* Out of the index (when the index still names it) and freed, with its waiters (not called)
   and its answer. */
void cs_batch_line_free(cs_batch_t *self, line_t *line);

/* A batch sent (ids copied), first polled poll_ms from now; NULL when out of memory. */
batch_t *cs_batch_add(cs_batch_t *self, const char *id, const char *input_file_id);

/* Forget a batch (its lines are not touched). */
void cs_batch_remove(cs_batch_t *self, batch_t *b);

/* Write the batches and the custom_ids each still owes to the state file (a temporary file
   renamed over it); a no-op without one. 0, or -1 (logged). */
int cs_batch_save(cs_batch_t *self);

/* Read the state file (a missing one is an empty one): each batch polled at once, its lines in
   the index without a body (cs_batch_resume); its "creating" entry into self->unresolved. 0, or
   -1 with the reason. */
int cs_batch_load(cs_batch_t *self, char *err, size_t errlen);

/* A batch sent by an earlier run: polled at once, the custom_ids of `ids` (array of strings) in
   the index without a body, owed by it. NULL when out of memory. */
batch_t *cs_batch_resume(cs_batch_t *self, const char *id, const char *input_file_id,
                         const json_t *ids);

#endif
