/*  cs_llm: an asynchronous client for OpenAI-compatible HTTP APIs (the Chat Completions and
    Embeddings endpoints of OpenAI, Azure OpenAI, vLLM, Ollama, the llama.cpp server), with
    several requests in flight in one thread (libcurl multi).

    Requests are queued by cs_llm_submit() and driven by cs_llm_run(), which the caller's poll
    loop calls; each request's callback is called exactly once, from cs_llm_run(). At most
    `concurrency` requests are handed to libcurl at a time: the others wait in our own queue,
    because CURLOPT_TIMEOUT_MS would count time queued inside libcurl. Every request is retried
    on its own, at most max_attempts times in all, without holding up the others (a request
    that waits keeps a "not before" time; the rest go on):
      - 429: waits for Retry-After (seconds or an HTTP date; or Azure's retry-after-ms), else
        for the larger of x-ratelimit-reset-requests and x-ratelimit-reset-tokens ("6m0s"),
        else jittered backoff. A 429 that names its wait is the provider scheduling, not
        failing: it does not use up an attempt, only the retry budget;
      - 429 with error type or code "insufficient_quota" (or the codes OpenAI gives the same
        429 when the account cannot pay: credit_balance_exhausted,
        organization_spend_limit_exceeded, project_spend_limit_exceeded,
        organization_usage_limit_exceeded): CS_LLM_FATAL at once;
      - 401/403: CS_LLM_FATAL at once (the message names OPENAI_API_KEY);
      - 5xx, 408, 409, timeouts, refused or dropped connections, and a 2xx whose body is not
        a JSON object (a cut connection looks like that): jittered exponential backoff;
      - any other 4xx: CS_LLM_FAILED at once with the API's error message;
      - a body over max_response_bytes: CS_LLM_FAILED at once.
    The retry budget: the waits between one request's attempts add up to at most
    retry_budget_ms. A wait that would pass it (a Retry-After: 600, a token limit that resets in
    "6m0s") is not waited: the request ends CS_LLM_FAILED at once, saying what the API asked.
    Every request that fails carries its cause, a CS_CAUSE_* of cs_record.h: llm_unreachable
    (connection, DNS, timeouts, 5xx and 408/409 with the attempts spent), llm_invalid_answer
    (a 2xx that is not a JSON object, a body over the cap), llm_rate_limited (429s past the
    attempts or the budget), llm_auth (401, 403), llm_quota, other (any other 4xx); and is
    counted in callsift_llm_errors_total{cause}.
    After a CS_LLM_FATAL answer the client sends nothing more: every queued and later request
    ends with CS_LLM_FATAL and the same message (the requests already in flight end as they
    end). A retry logs one WARNING line ("OpenAI 429 on /chat/completions: waiting 1200 ms
    (attempt 2 of 5)"). The API key is registered with cs_log_add_secret(), headers are never
    logged, and error messages are redacted before they are handed out. A client belongs to one
    thread (no locking inside).

    Usage:
        cs_llm_opts_t opts = {.base_url = getenv("OPENAI_BASE_URL"),
                              .api_key = getenv("OPENAI_API_KEY")};
        cs_llm_t *llm = cs_llm_new(&opts, err, sizeof err);
        cs_llm_submit(llm, "/chat/completions", body, on_answer, job);
        while (cs_llm_run(llm, 1000) > 0 && !cs_stop_requested())
            ;
        cs_llm_destroy(&llm); */
#ifndef CS_LLM_H
#define CS_LLM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include "cs_llm_answer.h" /* what the answers mean: content, fences, prices */

#define CS_LLM_DEFAULT_BASE_URL        "https://api.openai.com/v1"
#define CS_LLM_DEFAULT_MAX_BYTES       (16L << 20)
#define CS_LLM_MAX_CONCURRENCY         256
#define CS_LLM_DEFAULT_CONCURRENCY     64
#define CS_LLM_DEFAULT_RETRY_BUDGET_MS 60000

/* Zero (or NULL) in any field means its default. Strings are copied by cs_llm_new(). */
typedef struct {
    const char *base_url;    /* default "https://api.openai.com/v1"; the request path is appended
                                (before the query string, if the URL has one: Azure's
                                "...?api-version=..."). http:// or https:// only */
    const char *api_key;     /* "Authorization: Bearer KEY" (and "api-key: KEY" for Azure hosts);
                                NULL or "" sends none (Ollama, local servers) */
    int concurrency;         /* the most requests in flight at once, default 64, at most 256;
                                fewer while the pace (cs_pace.h) asks for fewer */
    double rpm, tpm;         /* the account's requests and tokens per minute for the model;
                                0: learnt from the answers' headers, or unpaced */
    int timeout_ms;          /* per attempt, from the moment it is handed to libcurl; 60000 */
    int max_attempts;        /* per request, for 429/5xx/timeouts/connection errors; 5 */
    int backoff_base_ms;     /* first retry delay ceiling, default 500 */
    int backoff_cap_ms;      /* largest backoff delay, default 20000 */
    int retry_budget_ms;     /* the most one request waits between its attempts, in all
                                (backoff, Retry-After); default 60000 */
    long max_response_bytes; /* response body cap, default 16 MiB; over it is an error */
} cs_llm_opts_t;

typedef enum {
    CS_LLM_OK = 0,
    CS_LLM_FAILED = -1,  /* gave up after retries, or a 4xx that retrying can't fix */
    CS_LLM_FATAL = -2,   /* insufficient_quota, 401, 403: no request can succeed; stop the work */
    CS_LLM_STOPPED = -3, /* cs_stop_requested() ended it */
} cs_llm_status_t;

/* What a callback gets. Everything is borrowed for the duration of the callback. */
typedef struct {
    cs_llm_status_t status;
    long http_status;   /* of the last attempt; 0 when no HTTP answer came */
    json_t *response;   /* the parsed JSON object on CS_LLM_OK, else NULL (json_incref to keep) */
    const char *cause;  /* CS_LLM_FAILED, CS_LLM_FATAL: a CS_CAUSE_* (static); else NULL */
    const char *error;  /* NULL on CS_LLM_OK, else why: "429 rate limited after 5 attempts",
                           "OpenAI says the account is out of quota (insufficient_quota): ...",
                           "HTTP 400: <the API's message>", "gave up after 5 attempts: invalid
                           JSON in response: ...", "stopped". The API key is masked */
    int attempts;       /* HTTP attempts made (0 when it never went out) */
    int64_t latency_ms; /* of the successful attempt (or the last one) */
    int64_t queued_ms;  /* time spent waiting for a free slot or a backoff */
} cs_llm_result_t;

/* Called exactly once per submitted request, from cs_llm_run(). It may call cs_llm_submit()
   and cs_llm_pending(), but not cs_llm_run() or cs_llm_destroy(). */
typedef void (*cs_llm_done_fn)(void *arg, const cs_llm_result_t *result);

typedef struct cs_llm cs_llm_t;

/* A client, or NULL with the reason in err (a base URL that is not http(s), out of memory, or
   libcurl could not start). Registers api_key with cs_log_add_secret(). Calls
   curl_global_init(); cs_llm_destroy() balances it. */
cs_llm_t *cs_llm_new(const cs_llm_opts_t *opts, char *err, size_t errlen);

/* Abort whatever is queued or in flight WITHOUT calling its callbacks, free the client and
   NULL the pointer. NULL or *self_p NULL is fine. */
void cs_llm_destroy(cs_llm_t **self_p);

/* Queue a POST of `body` (borrowed; serialised now, so the caller may change or free it at
   once) to base_url + path ("/chat/completions", "/embeddings"). fn(arg, result) will be called
   exactly once, from cs_llm_run(). Returns 0, or -1 (out of memory, or body is not JSON that
   can be serialised) in which case fn is never called. */
int cs_llm_submit(cs_llm_t *self, const char *path, const json_t *body, cs_llm_done_fn fn,
                  void *arg);

/* Drive the transfers for at most timeout_ms (0: one pass without waiting), calling the
   callbacks of the requests that finished. Returns as soon as callbacks were called, when
   nothing is pending, or at the timeout. When cs_stop_requested() is true it ends every pending
   request with CS_LLM_STOPPED (callbacks called) and returns. Returns the number of requests
   still pending (queued + in flight + backing off), counting any the callbacks submitted. */
int cs_llm_run(cs_llm_t *self, int timeout_ms);

/* Requests submitted whose callback has not been called yet. Can't fail. */
int cs_llm_pending(const cs_llm_t *self);

/* The reason of the first CS_LLM_FATAL answer (borrowed, valid until cs_llm_destroy), or NULL
   while there has been none. */
const char *cs_llm_fatal_error(const cs_llm_t *self);

/* Its cause: CS_CAUSE_LLM_AUTH or CS_CAUSE_LLM_QUOTA (static), or NULL while there has been
   none. */
const char *cs_llm_fatal_cause(const cs_llm_t *self);

/* How many requests may be in flight now, as the pace sets it (1..concurrency; the least of
   the endpoints used, chat and embeddings each having its own): callers size how much work
   they take in by it. Can't fail. */
int cs_llm_window(const cs_llm_t *self);

/* The pace of the endpoint of `path` ("/chat/completions", "/embeddings") now: requests per
   second (0: not paced) and the limit it follows in requests per second (0: none known).
   Can't fail. */
void cs_llm_pace(const cs_llm_t *self, const char *path, double *rate, double *limit);

/* Counters since cs_llm_new(). requests: submitted; attempts: HTTP attempts started; retries:
   attempts after a request's first; rate_limited: 429 answers; failed: requests that ended
   CS_LLM_FAILED or CS_LLM_FATAL; succeeded: ended CS_LLM_OK; latency_ms_sum: the latencies of
   the succeeded ones (so the mean is latency_ms_sum / succeeded). Can't fail. */
typedef struct {
    long requests, attempts, retries, rate_limited, failed, succeeded;
    int64_t latency_ms_sum;
} cs_llm_stats_t;
void cs_llm_stats(const cs_llm_t *self, cs_llm_stats_t *out);

#endif
