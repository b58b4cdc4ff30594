/*  cs_http: the one HTTP retry policy of the HTTP clients (cs_gong: one blocking easy handle;
    cs_llm: a multi handle with several requests in flight). Each client fills a
    cs_http_policy_t with its own numbers and keeps what is its service's own (error bodies,
    quota and authentication causes, pacing, metrics); this module owns the rest:

      - the libcurl set-up both share (cs_http_setup): the body sink with its cap, Retry-After
        collected from the headers, the stop flag aborting a transfer, the timeouts, http(s)
        only, no signals, TLS verified, keep-alive, any content encoding libcurl decodes;
      - the transfer errors worth another attempt (cs_http_transient: the one list);
      - backoff with full jitter (cs_http_backoff_ms) and Retry-After in seconds or as an HTTP
        date (cs_http_retry_after_ms);
      - the decision after each attempt (cs_http_decide): the answer is there, try again after
        N ms, or stop and why.

    A request is retried on its own, at most max_attempts times in all:
      - a transient transfer error (cs_http_transient), a 5xx (and 408, 409 when the policy
        says so), or a 2xx the caller found unusable (cut, not JSON): backoff;
      - 429: the wait the server asked for (Retry-After, or what the caller read from its own
        headers), shortened to retry_after_cap_ms; backoff when it asked for none;
      - 401, 403, any other status, another transfer error, a body over the cap, a stop: no
        retry;
      - with not_idempotent, a 5xx or a transfer error other than a connection never made:
        no retry either (CS_HTTP_UNSURE), the request may have been carried out.
    With a budget, the waits between one request's attempts add up to at most budget_ms: a
    wait that would pass what is left is not waited (CS_HTTP_OVER_BUDGET).

    Usage (a blocking client; the multi client decides the same way when an attempt ends):
        cs_http_policy_t policy = {.max_attempts = 6, .backoff_base_ms = 500,
                                   .backoff_cap_ms = 30000, .retry_after_cap_ms = 60000,
                                   .timeout_ms = 30000, .max_body = 64 << 20};
        cs_http_answer_t answer = {0};
        cs_http_setup(curl, &policy, &answer, headers, "callsift", err, sizeof err);
        for (int attempt = 1;; attempt++) {
            cs_http_answer_reset(&answer);
            CURLcode cc = curl_easy_perform(curl);
            cs_http_attempt_t a = {.code = cc, .status = status, .over_cap = answer.body.over,
                                   .asked_ms = answer.retry_after_ms, .attempt = attempt};
            cs_http_decision_t d = cs_http_decide(&policy, &a);
            if (d.verdict != CS_HTTP_RETRY)
                break;
            cs_sleep_ms(d.wait_ms);
        }
        cs_buf_free(&answer.body); */
#ifndef CS_HTTP_H
#define CS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <curl/curl.h>

#include "cs_buf.h"

/* The longest wait a server may ask for before it is shortened: a year (keeps sums of waits
   far from overflowing). */
#define CS_HTTP_MAX_WAIT_MS (1000LL * 86400 * 365)

/* A client's numbers. Every field is the client's to fill (no defaults here). */
typedef struct {
    int max_attempts;       /* per request, the first included; >= 1 */
    int backoff_base_ms;    /* ceiling of the first backoff */
    int backoff_cap_ms;     /* largest backoff */
    int retry_after_cap_ms; /* a longer wait asked by the server is shortened to this;
                               0: none (CS_HTTP_MAX_WAIT_MS) */
    int budget_ms;          /* the most one request waits between its attempts, in all;
                               0: no budget */
    int timeout_ms;         /* one attempt, whole; connecting gets at most 10 s of it; > 0 */
    size_t max_body;        /* response body cap in bytes; over it is an error; > 0 */
    bool retry_408_409;     /* retry 408 (Request Timeout) and 409 (Conflict) like a 5xx */
    bool not_idempotent;    /* the request changes something on the server (a POST that
                               creates): an attempt that may have been carried out although no
                               answer says so (a 5xx, or a transfer that failed after it could
                               have been sent) is not sent again (CS_HTTP_UNSURE); a 429 and a
                               connection never made still are */
} cs_http_policy_t;

/* The answer to one attempt, filled by the callbacks cs_http_setup() installs. Zero it before
   first use; cs_http_answer_reset() before each attempt; cs_buf_free(&answer.body) at the end
   (or between attempts, to give the memory back: the cap stays). */
typedef struct {
    cs_buf_t body;               /* the response body; max = the policy's max_body + 1 */
    int64_t retry_after_ms;      /* Retry-After of the last response (cs_http_retry_after_ms):
                                    -1 when absent or not understood */
    char error[CURL_ERROR_SIZE]; /* libcurl's message for a failed transfer, or "" */
    /* the header lines a service reads itself: called with every line (status line included,
       CRLF not removed) of every response; NULL for none. It must not log them (secrets). */
    void (*on_header)(void *arg, const char *line, size_t len);
    void *on_header_arg;
} cs_http_answer_t;

/* What a client's constructor starts with: checks that base_url is http:// or https:// (any
   case; "the <service> base URL must start with ..." otherwise), initialises libcurl
   (curl_global_init) and returns `size` zeroed bytes for the client, to be freed with
   cs_http_client_free(); or NULL with the reason in err. */
void *cs_http_client_alloc(size_t size, const char *base_url, const char *service, char *err,
                           size_t errlen);

/* Free what cs_http_client_alloc() returned and balance its curl_global_init(). NULL is fine. */
void cs_http_client_free(void *client);

/* Set the options every callsift request shares on easy handle `c`: the body into
   answer->body, capped at policy->max_body (a Content-Length over it ends the transfer before
   the body comes: CURLE_FILESIZE_EXCEEDED); Retry-After into answer->retry_after_ms, every
   header line to answer->on_header; libcurl's message into answer->error; the transfer aborted
   (CURLE_ABORTED_BY_CALLBACK) once cs_stop_requested(); the timeouts; http and https only; no
   signals; TLS verified; TCP keep-alive; every content encoding libcurl decodes; `headers`
   (borrowed; may be NULL) and `user_agent`. policy, answer and headers must outlive the
   transfers. The caller sets the URL, the body and the authentication. Returns 0, or -1 with
   the reason in err (a libcurl that lacks one of the options). */
int cs_http_setup(CURL *c, const cs_http_policy_t *policy, cs_http_answer_t *answer,
                  const struct curl_slist *headers, const char *user_agent, char *err,
                  size_t errlen);

/* Forget the last attempt's answer (body emptied, its memory kept; Retry-After and the error
   message cleared). Can't fail. */
void cs_http_answer_reset(cs_http_answer_t *answer);

/* Is a transfer that ended with `code` worth another attempt: the network, not the request,
   went wrong (DNS of the host or the proxy, refused or dropped connections, timeouts, TLS
   handshakes, HTTP/2 stream errors, a body cut inside its content encoding)? */
bool cs_http_transient(CURLcode code);

/* The wait before attempt `attempt` + 1 (attempt counts from 1): full jitter over an
   exponential ceiling, between backoff_base_ms / 2 and min(backoff_cap_ms, backoff_base_ms *
   2^(attempt - 1)). Can't fail. */
int64_t cs_http_backoff_ms(const cs_http_policy_t *policy, int attempt);

/* A Retry-After value (header value only, spaces around it removed): delay-seconds ("120") or
   an HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT", also the obsolete forms), in milliseconds
   from `now`; 0 for a date in the past; at most CS_HTTP_MAX_WAIT_MS; -1 when it is neither. */
int64_t cs_http_retry_after_ms(const char *value, time_t now);

/* When header line `line` (len bytes, CRLF included or not) is header `name` (any case),
   its value without the spaces around it into out (cut to outlen - 1 bytes) and true; else
   false and out untouched. */
bool cs_http_header_value(const char *line, size_t len, const char *name, char *out, size_t outlen);

/* What one attempt gave, as cs_http_decide() reads it. */
typedef struct {
    CURLcode code;     /* the transfer's result */
    long status;       /* HTTP status (read only when code is CURLE_OK) */
    bool over_cap;     /* the body passed the cap (answer.body.over) */
    bool unusable;     /* a 2xx whose body the caller could not use (cut, not JSON) */
    int64_t asked_ms;  /* the wait the server asked for (Retry-After or the service's own
                          headers); <= 0 when it asked for none */
    int attempt;       /* this attempt, 1 for the first */
    int64_t waited_ms; /* already waited between this request's attempts (for the budget) */
} cs_http_attempt_t;

typedef enum {
    CS_HTTP_ANSWERED,    /* a 2xx (not unusable): the caller reads the body */
    CS_HTTP_RETRY,       /* wait wait_ms, then send the request again */
    CS_HTTP_STOPPED,     /* cs_stop_requested() aborted the transfer */
    CS_HTTP_TOO_LARGE,   /* the body passed the cap: not retried */
    CS_HTTP_BROKEN,      /* a transfer error another attempt can't fix (URL, certificate, ...) */
    CS_HTTP_AUTH,        /* 401 or 403 */
    CS_HTTP_REFUSED,     /* any other status the policy does not retry (4xx, 3xx) */
    CS_HTTP_EXHAUSTED,   /* worth retrying, but that was the last attempt */
    CS_HTTP_OVER_BUDGET, /* worth retrying, but wait_ms is more than is left of the budget */
    CS_HTTP_UNSURE,      /* not_idempotent: the request may have been carried out, and sending
                            it again could do it twice; the caller finds out another way */
} cs_http_verdict_t;

typedef struct {
    cs_http_verdict_t verdict;
    int64_t wait_ms; /* RETRY: the wait; EXHAUSTED, OVER_BUDGET: the wait it would have been */
    bool asked;      /* that wait is the server's (asked_ms, maybe shortened), not a backoff */
} cs_http_decision_t;

/* What to do after an attempt, as the comment at the top says. Can't fail. */
cs_http_decision_t cs_http_decide(const cs_http_policy_t *policy, const cs_http_attempt_t *a);

/* Why a transfer failed, for a message: "no complete answer within N ms" for a timeout, else
   libcurl's message (answer->error) or, without one, curl_easy_strerror(code). */
void cs_http_describe(const cs_http_policy_t *policy, const cs_http_answer_t *answer, CURLcode code,
                      char *out, size_t outlen);

#endif
