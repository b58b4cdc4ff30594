/*  fake_http: what the fake HTTP servers (fake_gong, fake_openai) do alike on libmicrohttpd:
    take in a request's body within a cap, send a body that breaks off half-way, and wait in a
    handler until a time or the server's stop, whichever comes first. */
#ifndef FAKE_HTTP_H
#define FAKE_HTTP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

/* A request's body as libmicrohttpd feeds it in. */
typedef struct {
    char *body;   /* malloc'd, not NUL-terminated; NULL while empty or once too big */
    size_t len;   /* its bytes */
    bool too_big; /* more than the cap came: the body is dropped, and what comes after it */
} fake_body_t;

/* Append `n` bytes of `data` (borrowed) to `b`; once the body would pass `cap` bytes it is
   dropped and too_big set. Returns 0, or -1 when memory runs out. */
int fake_body_add(fake_body_t *b, const char *data, size_t n, size_t cap);

/* Free what `b` holds (the struct itself is the caller's). */
void fake_body_free(fake_body_t *b);

/* A response that announces the whole of `text` (a malloc'd string, taken, freed also on
   failure) but ends with an error half-way, so that the client sees the connection dropped.
   NULL when it cannot be made. */
struct MHD_Response *fake_http_cut_response(char *text);

/* Initialise `cond` to time out on CLOCK_MONOTONIC, as fake_http_wait() needs. */
void fake_http_cond_init(pthread_cond_t *cond);

/* Wait up to `ms` milliseconds, cut short once *stopping (read under `lock`) is true and
   `wake` (made by fake_http_cond_init()) is signalled. */
void fake_http_wait(pthread_mutex_t *lock, pthread_cond_t *wake, const bool *stopping, int ms);

#endif
