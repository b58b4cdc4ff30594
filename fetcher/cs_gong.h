/*  cs_gong: a client for the two Gong API endpoints the fetcher needs.

        POST /v2/calls/extensive   calls started in a window, with parties and context
        POST /v2/calls/transcript  transcripts of up to CS_GONG_TRANSCRIPT_BATCH calls at once

    One libcurl easy handle, reused (keep-alive), TLS verified against the default CA bundle.
    Requests, retries included, go out at least 1/max_requests_per_second apart (plus a small
    margin for network jitter; Gong's documented limit is 3 per second), measured from the
    moment each was sent, after connecting and the TLS handshake. Every request is retried on
    its own, at most max_attempts times in all:
      - 429: waits for Retry-After (clamped to retry_after_cap_ms; jittered backoff without it);
      - 5xx and the transfer errors cs_http_transient() lists (timeouts, refused or dropped
        connections, DNS): jittered exponential backoff;
      - a 200 whose body is not JSON (cut or malformed): retried at most
        CS_GONG_BAD_BODY_RETRIES times (a dropped connection looks like that), then an error;
      - 401/403: fail at once with CS_GONG_AUTH;
      - any other 4xx: fail at once with Gong's error text.
    Waits use cs_sleep_ms() and transfers watch cs_stop_requested(), so SIGTERM ends them
    (CS_GONG_STOPPED). Credentials are never logged: the secret and token are registered with
    cs_log_add_secret() and the Authorization header is never printed.

    Usage:
        cs_gong_opts_t opts = {.access_key = key, .access_key_secret = secret};
        cs_gong_t *gong = cs_gong_new(&opts, err, sizeof err);
        cs_gong_list_calls(gong, "2025-10-13T00:00:00Z", "2025-10-20T00:00:00Z", NULL, 100,
                           on_call, &state, err, sizeof err);
        json_t *transcripts = cs_gong_transcripts(gong, ids, n, &rc, err, sizeof err);
        cs_gong_destroy(&gong); */
#ifndef CS_GONG_H
#define CS_GONG_H

#include <stddef.h>

#include <jansson.h>

#define CS_GONG_DEFAULT_BASE_URL  "https://api.gong.io"
#define CS_GONG_TRANSCRIPT_BATCH  100
#define CS_GONG_BAD_BODY_RETRIES  2
#define CS_GONG_DEFAULT_MAX_BYTES ((size_t)64 << 20)

/* Zero (or NULL) in any field means its default. Strings are copied by cs_gong_new(). */
typedef struct {
    const char *base_url;           /* default "https://api.gong.io" (http:// or https://) */
    const char *access_key;         /* Basic auth with access_key_secret, or */
    const char *access_key_secret;  /*   (the pair wins when both it and a token are given) */
    const char *bearer_token;       /* OAuth: Authorization: Bearer */
    double max_requests_per_second; /* default 3: Gong's documented limit; starts are spaced */
    int timeout_ms;                 /* whole request, default 30000 */
    int max_attempts;               /* per request, for 429/5xx/timeouts/cut bodies, default 6 */
    int retry_after_cap_ms;         /* clamp for Retry-After, default 60000 */
    int backoff_base_ms;            /* first retry delay ceiling, default 500 */
    int backoff_cap_ms;             /* largest retry delay, default 30000 */
    size_t max_response_bytes;      /* response body cap, default 64 MiB; over it is an error */
} cs_gong_opts_t;

typedef enum {
    CS_GONG_OK = 0,
    CS_GONG_ERROR = -1,   /* gave up, or Gong refused the request; reason in err */
    CS_GONG_AUTH = -2,    /* 401/403: credentials wrong or lacking permission */
    CS_GONG_STOPPED = -3, /* cs_stop_requested() interrupted a wait or transfer */
} cs_gong_rc_t;

typedef struct cs_gong cs_gong_t;

/* A client, or NULL with the reason in err: no credentials (neither access key and secret nor
   bearer token), a key without its secret, a base URL that is not http(s), or out of memory.
   Calls curl_global_init() (cs_gong_destroy() balances it). */
cs_gong_t *cs_gong_new(const cs_gong_opts_t *opts, char *err, size_t errlen);

/* Free the client and NULL the pointer; NULL or *self_p NULL is fine. */
void cs_gong_destroy(cs_gong_t **self_p);

/* Calls started in [from, to) (ISO-8601 strings, passed to Gong as they are), optionally only
   those of Gong workspace `gong_workspace` (NULL for all), at most `limit` of them (0 = all).
   For each call, in Gong's order, fn(arg, call) is called with the call object borrowed
   (fn must json_incref() it to keep it past its return); fn returns 0 to go on, 1 to stop
   early (CS_GONG_OK), -1 to stop with CS_GONG_ERROR. Objects without a metaData.id string are
   skipped with a warning. Follows records.cursor until it is absent and requests no page after
   the limit is reached. Gong's 404 "No calls found ..." is an empty result (CS_GONG_OK).
   Returns a cs_gong_rc_t; on failure the reason is in err (calls already passed to fn stay
   passed). */
cs_gong_rc_t cs_gong_list_calls(cs_gong_t *self, const char *from, const char *to,
                                const char *gong_workspace, long limit,
                                int (*fn)(void *arg, json_t *call), void *arg, char *err,
                                size_t errlen);

/* The calls whose Gong ids are in call_ids (an array of strings, borrowed), whatever their
   dates, with Gong's callIds filter: the same paging and callback as cs_gong_list_calls. An
   empty array asks nothing and returns CS_GONG_OK. */
cs_gong_rc_t cs_gong_list_calls_by_id(cs_gong_t *self, const json_t *call_ids,
                                      int (*fn)(void *arg, json_t *call), void *arg, char *err,
                                      size_t errlen);

/* Transcripts of the calls call_ids[0..n): one request per batch of up to
   CS_GONG_TRANSCRIPT_BATCH ids, following cursors within a batch. Returns a new object
   (caller owns it) mapping callId -> transcript element ({callId, transcript: [...]}); calls
   Gong has no transcript for are absent. NULL or empty ids are skipped. On failure returns NULL
   with *rc (when rc is not NULL) set and the reason in err; on success *rc is CS_GONG_OK. */
json_t *cs_gong_transcripts(cs_gong_t *self, const char *const *call_ids, size_t n,
                            cs_gong_rc_t *rc, char *err, size_t errlen);

/* records.totalRecords of the first page of the last cs_gong_list_calls() or
   cs_gong_list_calls_by_id(): how many calls match the filter over all pages (before any
   limit); 0 when Gong found none; -1 before any listing or when Gong did not say. */
long cs_gong_total_records(const cs_gong_t *self);

/* Counters since cs_gong_new(): HTTP requests sent (retries included), retries, waits on a
   429, and response body bytes received. Can't fail. */
typedef struct {
    long requests, retries, rate_limited_waits, bytes;
} cs_gong_stats_t;
void cs_gong_stats(const cs_gong_t *self, cs_gong_stats_t *out);

#endif
