/*  fake_log: the log of the requests a fake server received, in arrival order, shared by
    fake_gong and fake_openai. Thread-safe: the server threads add while the test reads.

    An entry is owned by the log. Clearing the log retires its entries instead of freeing them
    (a request still being answered may write its status into its entry): they are freed by
    fake_log_destroy, so a pointer handed out stays readable until then, though a cleared
    entry is no longer counted or returned. */
#ifndef FAKE_LOG_H
#define FAKE_LOG_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* One logged request, as the fakes hand it out. */
typedef struct {
    const char *method;        /* "GET", "POST"...; NULL when the fake does not log it */
    const char *path;          /* without the query string */
    const json_t *body;        /* parsed JSON body, NULL when empty or not JSON */
    const char *authorization; /* the Authorization header, NULL when absent */
    int64_t at_ms;             /* arrival, on cs_now_ms()'s clock */
    int64_t done_ms;           /* when the answer was queued; 0 until then (or not kept) */
    int status;                /* the HTTP status answered; 0 until then (or not kept) */
} fake_request_t;

typedef struct fake_logged fake_logged_t;

typedef struct {
    pthread_mutex_t lock;
    fake_logged_t **entries;
    size_t count;
    fake_logged_t *retired; /* cleared entries, until fake_log_destroy */
} fake_log_t;

/* An empty log. */
void fake_log_init(fake_log_t *log);

/* Free every entry (cleared ones too) and the lock. */
void fake_log_destroy(fake_log_t *log);

/* Log a request: method (may be NULL), the first path_len bytes of path, auth (may be NULL),
   body[0..body_len) parsed as JSON (when not empty), arriving at at_ms. All copied. Returns
   the entry's public part, which the fake may complete later (done_ms, status), or NULL when
   memory ran out and nothing was logged. */
fake_request_t *fake_log_add(fake_log_t *log, const char *method, const char *path, size_t path_len,
                             const char *auth, const char *body, size_t body_len, int64_t at_ms);

/* Requests logged whose path equals `path`, or all of them for NULL. */
size_t fake_log_count(fake_log_t *log, const char *path);

/* Request number i (0-based), or NULL when there is none yet. Borrowed. */
const fake_request_t *fake_log_get(fake_log_t *log, size_t i);

/* The last request whose path equals `path` (NULL for any), or NULL. Borrowed. */
const fake_request_t *fake_log_last(fake_log_t *log, const char *path);

/* Forget the logged requests (they are retired, see above). */
void fake_log_clear(fake_log_t *log);

#endif
