/*  cs_llm: see cs_llm.h. A request lives in exactly one of three lists: the queue (waiting for
    a free slot or for its "not before" time, ordered by submission), the flying list (its easy
    handle is in the multi handle) or the done list (its callback is due). cs_llm_run() moves
    requests from the queue to libcurl while slots are free, settles every finished attempt
    with cs_http's policy (done, or back to the queue with a later "not before"), and calls the
    callbacks last, when no list is being walked, so that a callback may submit more. */
#include "cs_llm.h"
#include "cs_llm_answer.h"
#include "cs_llm_headers.h"

#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_record.h"
#include "cs_buf.h"
#include "cs_http.h"
#include "cs_pace.h"
#include "cs_util.h"

#define STOP_CHECK_MS 100 /* longest wait inside cs_llm_run before looking at the stop flag */
#define KEY_VAR       "OPENAI_API_KEY"
#define QUOTA_MESSAGE                                                                              \
    "OpenAI says the account is out of quota (insufficient_quota): check billing or " KEY_VAR

/* Each endpoint is its own lane with its own pace: OpenAI limits each model on its own, and a
   client may use a chat model and an embeddings model. */
enum { LANE_CHAT, LANE_EMBEDDINGS, LANES };

typedef struct {
    cs_pace_t pace;                /* the window and the pace (cs_pace.h) */
    int nflying;                   /* of this lane's requests */
    double logged_rpm, logged_tpm; /* the provider's limits as last logged */
} s_lane_t;

typedef struct s_req {
    struct s_req *next;
    cs_llm_t *owner;
    uint64_t seq; /* submission order: the queue is kept sorted by it */
    int lane;     /* LANE_* of its path */
    char *url;
    char *path;
    char *payload;
    size_t payload_len;
    cs_llm_done_fn fn;
    void *arg;
    CURL *easy; /* while flying */
    int attempts;
    int scheduled; /* of those, 429s that named their wait: they use up the budget, not attempts */
    int64_t enqueued_ms;   /* when it last joined the queue */
    int64_t not_before_ms; /* no attempt before this time */
    int64_t started_ms;    /* of the current attempt */
    int64_t queued_ms;
    int64_t waited_ms; /* spent in retry waits (backoff, Retry-After): the budget's count */
    int64_t latency_ms;
    long http_status;
    /* the answer to the current attempt, and what its OpenAI and Azure headers ask */
    cs_http_answer_t answer;
    cs_llm_limits_t limits;
    /* the outcome, once done */
    cs_llm_status_t status;
    const char *cause; /* CS_CAUSE_* (static), NULL on CS_LLM_OK and CS_LLM_STOPPED */
    json_t *response;
    char error[768];
} s_req_t;

struct cs_llm {
    CURLM *multi;
    struct curl_slist *headers;
    char *base;  /* base URL without its query string and trailing slashes */
    char *query; /* "?api-version=..." or "" */
    char *api_key;
    s_lane_t lanes[LANES];
    cs_http_policy_t policy;
    s_req_t *queue, *queue_tail;
    s_req_t *flying;
    s_req_t *done, *done_tail;
    int nqueued, nflying, ndone;
    uint64_t seq;
    char *fatal;             /* the first CS_LLM_FATAL reason */
    const char *fatal_cause; /* and its cause */
    bool in_run;
    cs_llm_stats_t stats;
};

/* Lists -------------------------------------------------------------------------------------- */

static void s_req_free(s_req_t *req)
{
    if (!req)
        return;
    free(req->url);
    free(req->path);
    free(req->payload);
    cs_buf_free(&req->answer.body);
    json_decref(req->response);
    free(req);
}

/* Put req in the queue at its submission rank (a retry goes before later submissions). */
static void s_enqueue(cs_llm_t *self, s_req_t *req)
{
    req->next = NULL;
    if (!self->queue_tail || self->queue_tail->seq < req->seq) {
        if (self->queue_tail)
            self->queue_tail->next = req;
        else
            self->queue = req;
        self->queue_tail = req;
    } else {
        s_req_t **pp = &self->queue;
        while ((*pp)->seq < req->seq)
            pp = &(*pp)->next;
        req->next = *pp;
        *pp = req;
    }
    self->nqueued++;
}

/* Take req (whose predecessor is prev, NULL for the head) out of the queue. */
static void s_dequeue(cs_llm_t *self, s_req_t *prev, s_req_t *req)
{
    if (prev)
        prev->next = req->next;
    else
        self->queue = req->next;
    if (self->queue_tail == req)
        self->queue_tail = prev;
    req->next = NULL;
    self->nqueued--;
}

static void s_unfly(cs_llm_t *self, s_req_t *req)
{
    for (s_req_t **pp = &self->flying; *pp; pp = &(*pp)->next) {
        if (*pp == req) {
            *pp = req->next;
            req->next = NULL;
            self->nflying--;
            self->lanes[req->lane].nflying--;
            cs_metrics_set("callsift_llm_in_flight", NULL, self->nflying);
            return;
        }
    }
}

/* Remove req's easy handle from the multi handle and free it. */
static void s_drop_handle(cs_llm_t *self, s_req_t *req)
{
    if (req->easy) {
        curl_multi_remove_handle(self->multi, req->easy);
        curl_easy_cleanup(req->easy);
        req->easy = NULL;
    }
}

/* The lane of a request path. */
static int s_lane_of(const char *path)
{
    return strstr(path, "embeddings") ? LANE_EMBEDDINGS : LANE_CHAT;
}

/* The endpoint label of a request path: chat (completions) or embeddings. */
static const char *s_endpoint_label(const char *path)
{
    return strstr(path, "embeddings") ? "endpoint=\"embeddings\"" : "endpoint=\"chat\"";
}

/* A request ended: count it by outcome, with the time it waited in our queue. */
static void s_count_request(const s_req_t *req, cs_llm_status_t status)
{
    static const char *const OUTCOMES[] = {"ok", "failed", "fatal", "stopped"};
    const char *ep = s_endpoint_label(req->path);
    char labels[96];
    snprintf(labels, sizeof labels, "%s,outcome=\"%s\"", ep, OUTCOMES[-(int)status]);
    cs_metrics_add("callsift_llm_requests_total", labels, 1);
    cs_metrics_observe("callsift_llm_queue_wait_seconds", ep, (double)req->queued_ms / 1000.0);
}

/* An HTTP attempt ended: count it by what came back, with its latency. */
static void s_count_attempt(const s_req_t *req, CURLcode cc, long status)
{
    const char *ep = s_endpoint_label(req->path);
    const char *code = cc == CURLE_OPERATION_TIMEDOUT  ? "timeout"
                       : cc != CURLE_OK                ? "error"
                       : status == 429                 ? "429"
                       : status >= 500                 ? "5xx"
                       : status >= 400                 ? "4xx"
                       : status >= 200 && status < 300 ? "2xx"
                                                       : "error";
    char labels[96];
    snprintf(labels, sizeof labels, "%s,code=\"%s\"", ep, code);
    cs_metrics_add("callsift_llm_attempts_total", labels, 1);
    cs_metrics_observe("callsift_llm_request_duration_seconds", ep,
                       (double)req->latency_ms / 1000.0);
}

/* End req (in no list) with `status`, its cause (a CS_CAUSE_*, NULL for OK and STOPPED) and the
   reason fmt (NULL for none): onto the done list. */
static void s_finish(cs_llm_t *self, s_req_t *req, cs_llm_status_t status, const char *cause,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void s_finish(cs_llm_t *self, s_req_t *req, cs_llm_status_t status, const char *cause,
                     const char *fmt, ...)
{
    req->status = status;
    req->cause =
        status == CS_LLM_FAILED || status == CS_LLM_FATAL ? (cause ? cause : CS_CAUSE_OTHER) : NULL;
    req->error[0] = '\0';
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(req->error, sizeof req->error, fmt, ap);
        va_end(ap);
        cs_log_redact(req->error, sizeof req->error);
    }
    if (status == CS_LLM_OK) {
        self->stats.succeeded++;
        self->stats.latency_ms_sum += req->latency_ms;
    } else if (status == CS_LLM_FAILED || status == CS_LLM_FATAL) {
        self->stats.failed++;
        char labels[64];
        snprintf(labels, sizeof labels, "cause=\"%s\"", req->cause);
        cs_metrics_add("callsift_llm_errors_total", labels, 1);
    }
    if (status == CS_LLM_FATAL && !self->fatal) {
        self->fatal = strdup(req->error);
        self->fatal_cause = req->cause;
    }
    s_count_request(req, status);
    cs_buf_free(&req->answer.body); /* the body is parsed (or useless) by now */
    req->next = NULL;
    if (self->done_tail)
        self->done_tail->next = req;
    else
        self->done = req;
    self->done_tail = req;
    self->ndone++;
}

/* Attempts --------------------------------------------------------------------------------- */

/* Hand req (in no list) to libcurl for one more attempt. */
static void s_start(cs_llm_t *self, s_req_t *req)
{
    int64_t now = cs_now_ms();
    req->queued_ms += now - req->enqueued_ms;
    cs_http_answer_reset(&req->answer);
    req->answer.on_header = cs_llm_limits_on_header;
    req->answer.on_header_arg = &req->limits;
    cs_llm_limits_clear(&req->limits);
    CURL *c = curl_easy_init();
    char why[128];
    if (!c || cs_http_setup(c, &self->policy, &req->answer, self->headers, "callsift", why,
                            sizeof why) != 0) {
        if (c)
            curl_easy_cleanup(c);
        s_finish(self, req, CS_LLM_FAILED, CS_CAUSE_OTHER, "%s",
                 c ? why : "cannot create a libcurl handle (out of memory?)");
        return;
    }
    curl_easy_setopt(c, CURLOPT_URL, req->url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->payload);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->payload_len);
    curl_easy_setopt(c, CURLOPT_PRIVATE, (void *)req);
    CURLMcode mc = curl_multi_add_handle(self->multi, c);
    if (mc != CURLM_OK) {
        curl_easy_cleanup(c);
        s_finish(self, req, CS_LLM_FAILED, CS_CAUSE_OTHER, "libcurl refused the request: %s",
                 curl_multi_strerror(mc));
        return;
    }
    req->easy = c;
    req->attempts++;
    req->started_ms = now;
    cs_pace_started(&self->lanes[req->lane].pace, now);
    self->stats.attempts++;
    if (req->attempts > 1)
        self->stats.retries++;
    req->next = self->flying;
    self->flying = req;
    self->nflying++;
    self->lanes[req->lane].nflying++;
    cs_metrics_set("callsift_llm_in_flight", NULL, self->nflying);
}

/* Fill the free slots with queued requests whose time has come. After a fatal answer, end
   every queued request with it instead. */
static void s_start_ready(cs_llm_t *self)
{
    if (self->fatal) {
        while (self->queue) {
            s_req_t *req = self->queue;
            s_dequeue(self, NULL, req);
            req->queued_ms += cs_now_ms() - req->enqueued_ms;
            s_finish(self, req, CS_LLM_FATAL, self->fatal_cause, "%s", self->fatal);
        }
        return;
    }
    int64_t now = cs_now_ms();
    s_req_t *prev = NULL, *req = self->queue;
    while (req) {
        s_req_t *next = req->next;
        const s_lane_t *lane = &self->lanes[req->lane];
        if (req->not_before_ms <= now && cs_pace_wait(&lane->pace, lane->nflying, now) == 0) {
            s_dequeue(self, prev, req);
            s_start(self, req);
        } else {
            prev = req;
        }
        req = next;
    }
}

/* Milliseconds until a queued request may start (its own "not before" and its lane's pace);
   -1 when none can before an answer frees room. */
static int64_t s_next_start_in(const cs_llm_t *self, int64_t now)
{
    int64_t best = -1;
    for (const s_req_t *req = self->queue; req; req = req->next) {
        const s_lane_t *lane = &self->lanes[req->lane];
        int64_t in = cs_pace_wait(&lane->pace, lane->nflying, now);
        if (in < 0)
            continue;
        if (req->not_before_ms - now > in)
            in = req->not_before_ms - now;
        if (best < 0 || in < best)
            best = in;
    }
    return best;
}

/* Tell the lane's pace what this attempt said; log the provider's limits when they change. */
static void s_pace(cs_llm_t *self, const s_req_t *req, long status, const json_t *doc, int64_t now)
{
    json_t *n = json_object_get(json_object_get(doc, "usage"), "total_tokens");
    cs_pace_answer_t a = {.status = status,
                          .latency_ms = req->latency_ms,
                          .limit_requests = req->limits.limit_requests,
                          .limit_tokens = req->limits.limit_tokens,
                          .remaining_requests = req->limits.remaining_requests,
                          .remaining_tokens = req->limits.remaining_tokens,
                          .reset_requests_ms = req->limits.reset_requests_ms,
                          .reset_tokens_ms = req->limits.reset_tokens_ms,
                          .tokens = json_is_integer(n) ? (long)json_integer_value(n) : -1};
    s_lane_t *lane = &self->lanes[req->lane];
    cs_pace_t *p = &lane->pace;
    cs_pace_answered(p, &a, now);
    if (p->heard_rpm != lane->logged_rpm || p->heard_tpm != lane->logged_tpm) {
        lane->logged_rpm = p->heard_rpm;
        lane->logged_tpm = p->heard_tpm;
        cs_info("LLM rate limits named for %s: %.0f requests and %.0f tokens a minute; pacing at "
                "%.1f requests/s, at most %d in flight",
                req->path, p->heard_rpm, p->heard_tpm, p->rate, p->opts.ceiling);
    }
    const char *ep = s_endpoint_label(req->path);
    cs_metrics_set("callsift_llm_window", ep, cs_pace_window(p));
    cs_metrics_set("callsift_llm_pace_rps", ep, p->rate);
}

/* Settle a finished attempt with cs_http's policy: done (onto the done list) or another
   attempt later (back into the queue). req is in no list. */
static void s_settle(cs_llm_t *self, s_req_t *req, CURLcode cc, long status)
{
    const cs_http_policy_t *policy = &self->policy;
    int64_t now = cs_now_ms();
    req->latency_ms = now - req->started_ms;
    req->http_status = status;
    char tag[64] = "", detail[512] = "", api[CS_LLM_API_MESSAGE_MAX + 8] = "";
    const char *note = ""; /* what the retry warning adds after the wait */
    bool quota = false;
    const char *source = NULL;                    /* the header a 429's wait came from */
    const char *cause = CS_CAUSE_LLM_UNREACHABLE; /* if the retries run out */
    int64_t asked = cs_llm_limits_wait(&req->limits, req->answer.retry_after_ms, &source);
    /* a 429 that says when to come back is the provider scheduling, not failing: only the
       retry budget bounds those (several stages sharing a limit meet some while they find
       their pace), and four times the attempts at most */
    if (cc == CURLE_OK && status == 429 && asked > 0 && req->scheduled < 4 * policy->max_attempts)
        req->scheduled++;
    cs_http_attempt_t tried = {.code = cc,
                               .status = status,
                               .over_cap = req->answer.body.over,
                               .asked_ms = asked,
                               .attempt = req->attempts - req->scheduled,
                               .waited_ms = req->waited_ms};
    cs_http_decision_t next = cs_http_decide(policy, &tried);
    if (next.verdict != CS_HTTP_STOPPED && next.verdict != CS_HTTP_ANSWERED)
        s_pace(self, req, cc == CURLE_OK ? status : 0, NULL, now); /* an answer: once parsed */

    if (next.verdict == CS_HTTP_STOPPED) {
        s_finish(self, req, CS_LLM_STOPPED, NULL, "stopped");
        return;
    }
    s_count_attempt(req, cc, status);
    if (next.verdict == CS_HTTP_TOO_LARGE) {
        s_finish(self, req, CS_LLM_FAILED, CS_CAUSE_LLM_INVALID,
                 "the response is larger than the %zu-byte cap", policy->max_body);
        return;
    }
    if (cc != CURLE_OK) {
        cs_http_describe(policy, &req->answer, cc, detail, sizeof detail);
        if (cc == CURLE_OPERATION_TIMEDOUT) {
            snprintf(tag, sizeof tag, "timeout");
        } else {
            snprintf(tag, sizeof tag, "connection error");
            note = detail;
        }
        if (next.verdict == CS_HTTP_BROKEN) {
            s_finish(self, req, CS_LLM_FAILED, CS_CAUSE_LLM_UNREACHABLE, "%s", detail);
            return;
        }
    } else if (next.verdict == CS_HTTP_ANSWERED) {
        const cs_buf_t *body = &req->answer.body;
        json_error_t jerr;
        json_t *doc = json_loadb(body->p ? body->p : "", body->len, 0, &jerr);
        s_pace(self, req, json_is_object(doc) ? status : 0, doc, now);
        if (json_is_object(doc)) {
            req->response = doc;
            s_finish(self, req, CS_LLM_OK, NULL, NULL);
            return;
        }
        if (doc)
            snprintf(detail, sizeof detail, "invalid JSON in response: not an object");
        else
            snprintf(detail, sizeof detail, "invalid JSON in response: %s (line %d, column %d)",
                     jerr.text, jerr.line, jerr.column);
        json_decref(doc);
        snprintf(tag, sizeof tag, "invalid JSON");
        note = detail;
        cause = CS_CAUSE_LLM_INVALID;
        tried.unusable = true;
        next = cs_http_decide(policy, &tried);
    } else {
        cs_llm_api_message(req->answer.body.p, req->answer.body.len, api, sizeof api, &quota);
        if (status == 429 && quota) {
            s_finish(self, req, CS_LLM_FATAL, CS_CAUSE_LLM_QUOTA, QUOTA_MESSAGE "%s%s%s",
                     api[0] ? " (" : "", api, api[0] ? ")" : "");
            return;
        }
        if (next.verdict == CS_HTTP_AUTH) {
            s_finish(self, req, CS_LLM_FATAL, CS_CAUSE_LLM_AUTH,
                     "%s (HTTP %ld): check " KEY_VAR "%s%s%s",
                     status == 401 ? "the API rejected the key"
                                   : "the API refused access with this key",
                     status, api[0] ? " (" : "", api, api[0] ? ")" : "");
            return;
        }
        if (next.verdict == CS_HTTP_REFUSED) {
            s_finish(self, req, CS_LLM_FAILED, CS_CAUSE_OTHER, "HTTP %ld%s%s", status,
                     api[0] ? ": " : "", api);
            return;
        }
        if (status == 429) {
            self->stats.rate_limited++;
            cause = CS_CAUSE_LLM_RATE_LIMIT;
            snprintf(tag, sizeof tag, "429");
            snprintf(detail, sizeof detail, "429 rate limited");
        } else { /* 5xx, 408, 409 */
            snprintf(tag, sizeof tag, "HTTP %ld", status);
            snprintf(detail, sizeof detail, "HTTP %ld%s%s", status, api[0] ? ": " : "", api);
            note = api;
        }
    }

    if (next.verdict == CS_HTTP_EXHAUSTED) {
        if (status == 429)
            s_finish(self, req, CS_LLM_FAILED, cause, "%s after %d attempt%s", detail,
                     req->attempts, req->attempts == 1 ? "" : "s");
        else
            s_finish(self, req, CS_LLM_FAILED, cause, "gave up after %d attempt%s: %s",
                     req->attempts, req->attempts == 1 ? "" : "s", detail);
        return;
    }
    if (next.verdict == CS_HTTP_OVER_BUDGET) { /* that wait would hold the call past its budget */
        int64_t left = policy->budget_ms - req->waited_ms;
        if (next.asked)
            s_finish(self, req, CS_LLM_FAILED, cause,
                     "%s: the API asks to wait %lld s (%s), more than the %g s left of the "
                     "%g s retry budget",
                     detail, (long long)((next.wait_ms + 999) / 1000), source,
                     (double)(left > 0 ? left / 100 : 0) / 10, policy->budget_ms / 1000.0);
        else
            s_finish(self, req, CS_LLM_FAILED, cause,
                     "gave up after %d attempt%s: %s (the retry budget of %g s is spent)",
                     req->attempts, req->attempts == 1 ? "" : "s", detail,
                     policy->budget_ms / 1000.0);
        return;
    }
    req->waited_ms += next.wait_ms;
    cs_warn("OpenAI %s on %s: waiting %lld ms (attempt %d of %d)%s%s", tag, req->path,
            (long long)next.wait_ms, req->attempts + 1, policy->max_attempts, note[0] ? ": " : "",
            note);
    cs_buf_free(&req->answer.body); /* a request may wait long: don't keep its last answer */
    req->enqueued_ms = now;
    req->not_before_ms = now + next.wait_ms;
    s_enqueue(self, req);
}

/* Settle every attempt libcurl has finished. */
static void s_collect(cs_llm_t *self)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(self->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *c = msg->easy_handle;
        CURLcode cc = msg->data.result; /* msg is invalid once the handle is removed */
        char *priv = NULL;
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_PRIVATE, &priv);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        s_req_t *req = (s_req_t *)(void *)priv;
        s_unfly(self, req);
        s_drop_handle(self, req);
        s_settle(self, req, cc, status);
    }
}

/* End everything pending with CS_LLM_STOPPED. */
static void s_stop_all(cs_llm_t *self)
{
    while (self->flying) {
        s_req_t *req = self->flying;
        s_unfly(self, req);
        s_drop_handle(self, req);
        req->latency_ms = cs_now_ms() - req->started_ms;
        s_finish(self, req, CS_LLM_STOPPED, NULL, "stopped");
    }
    while (self->queue) {
        s_req_t *req = self->queue;
        s_dequeue(self, NULL, req);
        req->queued_ms += cs_now_ms() - req->enqueued_ms;
        s_finish(self, req, CS_LLM_STOPPED, NULL, "stopped");
    }
}

/* Call the callbacks of the finished requests, oldest first. */
static void s_deliver(cs_llm_t *self)
{
    while (self->done) {
        s_req_t *req = self->done;
        self->done = req->next;
        if (!self->done)
            self->done_tail = NULL;
        self->ndone--;
        cs_llm_result_t result = {
            .status = req->status,
            .http_status = req->http_status,
            .response = req->status == CS_LLM_OK ? req->response : NULL,
            .error = req->status == CS_LLM_OK ? NULL : req->error,
            .cause = req->cause,
            .attempts = req->attempts,
            .latency_ms = req->latency_ms,
            .queued_ms = req->queued_ms,
        };
        req->fn(req->arg, &result);
        s_req_free(req);
    }
}

/* Public API ------------------------------------------------------------------------------- */

cs_llm_t *cs_llm_new(const cs_llm_opts_t *opts, char *err, size_t errlen)
{
    assert(opts);
    const char *base = opts->base_url && *opts->base_url ? opts->base_url : CS_LLM_DEFAULT_BASE_URL;
    cs_llm_t *self = cs_http_client_alloc(sizeof *self, base, "LLM", err, errlen);
    if (!self)
        return NULL;
    bool has_key = opts->api_key && *opts->api_key;
    if (has_key)
        cs_log_add_secret(opts->api_key);
    int ceiling = opts->concurrency > 0 ? opts->concurrency : CS_LLM_DEFAULT_CONCURRENCY;
    cs_pace_opts_t pace = {.ceiling =
                               ceiling < CS_LLM_MAX_CONCURRENCY ? ceiling : CS_LLM_MAX_CONCURRENCY,
                           .rpm = opts->rpm,
                           .tpm = opts->tpm};
    for (int i = 0; i < LANES; i++)
        cs_pace_init(&self->lanes[i].pace, &pace);
    self->policy = (cs_http_policy_t){
        .max_attempts = opts->max_attempts > 0 ? opts->max_attempts : 5,
        .backoff_base_ms = opts->backoff_base_ms > 0 ? opts->backoff_base_ms : 500,
        .backoff_cap_ms = opts->backoff_cap_ms > 0 ? opts->backoff_cap_ms : 20000,
        .retry_after_cap_ms = 0, /* a long wait is not shortened: the budget ends the request */
        .budget_ms =
            opts->retry_budget_ms > 0 ? opts->retry_budget_ms : CS_LLM_DEFAULT_RETRY_BUDGET_MS,
        .timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 60000,
        .max_body = (size_t)(opts->max_response_bytes > 0 ? opts->max_response_bytes
                                                          : CS_LLM_DEFAULT_MAX_BYTES),
        .retry_408_409 = true,
    };

    size_t blen = strcspn(base, "?");
    self->base = strndup(base, blen);
    self->query = strdup(base + blen);
    self->api_key = has_key ? strdup(opts->api_key) : NULL;
    self->multi = curl_multi_init();
    bool ok = self->base && self->query && (!has_key || self->api_key) && self->multi;
    if (ok) {
        while (blen > 0 && self->base[blen - 1] == '/')
            self->base[--blen] = '\0';
        ok = cs_llm_auth_headers(base, self->api_key, "application/json", &self->headers) == 0;
    }
    if (!ok) {
        cs_llm_destroy(&self);
        cs_fail(err, errlen, "out of memory");
        return NULL;
    }
    cs_debug("LLM client for %s (at most %d requests at once%s%s)", self->base, pace.ceiling,
             self->lanes[0].pace.rate > 0 ? ", paced" : "", has_key ? "" : ", no API key");
    return self;
}

void cs_llm_destroy(cs_llm_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cs_llm_t *self = *self_p;
    assert(!self->in_run); /* not from a callback */
    while (self->flying) {
        s_req_t *req = self->flying;
        s_unfly(self, req);
        s_drop_handle(self, req);
        s_req_free(req);
    }
    while (self->queue) {
        s_req_t *req = self->queue;
        s_dequeue(self, NULL, req);
        s_req_free(req);
    }
    while (self->done) {
        s_req_t *req = self->done;
        self->done = req->next;
        s_req_free(req);
    }
    if (self->multi)
        curl_multi_cleanup(self->multi);
    cs_llm_headers_free(self->headers);
    free(self->base);
    free(self->query);
    cs_free_secret(self->api_key);
    free(self->fatal);
    cs_http_client_free(self);
    *self_p = NULL;
}

int cs_llm_submit(cs_llm_t *self, const char *path, const json_t *body, cs_llm_done_fn fn,
                  void *arg)
{
    assert(self && path && fn);
    s_req_t *req = calloc(1, sizeof *req);
    if (!req)
        return -1;
    const char *slash = path[0] == '/' ? "" : "/";
    size_t n = strlen(self->base) + strlen(slash) + strlen(path) + strlen(self->query) + 1;
    req->owner = self;
    req->fn = fn;
    req->arg = arg;
    req->payload = body ? json_dumps(body, JSON_COMPACT) : NULL;
    req->url = malloc(n);
    req->path = strdup(path);
    if (!req->payload || !req->url || !req->path) {
        s_req_free(req);
        return -1;
    }
    snprintf(req->url, n, "%s%s%s%s", self->base, slash, path, self->query);
    req->payload_len = strlen(req->payload);
    req->seq = ++self->seq;
    req->lane = s_lane_of(path);
    req->enqueued_ms = req->not_before_ms = cs_now_ms();
    self->stats.requests++;
    s_enqueue(self, req);
    return 0;
}

int cs_llm_run(cs_llm_t *self, int timeout_ms)
{
    assert(self && !self->in_run); /* not from a callback */
    self->in_run = true;
    int64_t deadline = cs_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        if (cs_stop_requested()) {
            s_stop_all(self);
        } else {
            s_start_ready(self);
            if (self->nflying > 0) {
                int running = 0;
                curl_multi_perform(self->multi, &running);
                s_collect(self);
                s_start_ready(self);
            }
        }
        if (self->done || self->nqueued + self->nflying == 0)
            break;
        int64_t now = cs_now_ms();
        if (now >= deadline)
            break;
        int64_t wait = deadline - now;
        if (wait > STOP_CHECK_MS)
            wait = STOP_CHECK_MS;
        int64_t next = s_next_start_in(self, now);
        if (next >= 0 && next < wait)
            wait = next;
        /* waits on the transfers' sockets and curl's own timers; with no transfer it just
           sleeps (curl_multi_poll, unlike curl_multi_wait, does) */
        curl_multi_poll(self->multi, NULL, 0, (int)wait, NULL);
    }
    s_deliver(self);
    self->in_run = false;
    return cs_llm_pending(self);
}

int cs_llm_pending(const cs_llm_t *self)
{
    return self->nqueued + self->nflying + self->ndone;
}

const char *cs_llm_fatal_error(const cs_llm_t *self)
{
    return self->fatal;
}

const char *cs_llm_fatal_cause(const cs_llm_t *self)
{
    return self->fatal_cause;
}

int cs_llm_window(const cs_llm_t *self)
{
    int least = 0; /* of the lanes in use: an embeddings-only client is not held to chat's */
    for (int i = 0; i < LANES; i++) {
        const s_lane_t *lane = &self->lanes[i];
        bool used = lane->pace.answers > 0 || lane->pace.rate_limited > 0 || lane->nflying > 0;
        if (used && (least == 0 || cs_pace_window(&lane->pace) < least))
            least = cs_pace_window(&lane->pace);
    }
    return least > 0 ? least : cs_pace_window(&self->lanes[LANE_CHAT].pace);
}

void cs_llm_pace(const cs_llm_t *self, const char *path, double *rate, double *limit)
{
    const cs_pace_t *p = &self->lanes[s_lane_of(path)].pace;
    *rate = p->rate;
    *limit = cs_pace_limit_rps(p);
}

void cs_llm_stats(const cs_llm_t *self, cs_llm_stats_t *out)
{
    *out = self->stats;
}
