/*  cs_gong: see cs_gong.h. One request = s_post(): pace, send, settle the answer with cs_http's
    policy and Gong's own error bodies, and either hand back the parsed JSON or wait and try
    again. The two public operations build bodies, follow cursors and walk the answers. */
#include "cs_gong.h"

#include <assert.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cs_log.h"
#include "cs_buf.h"
#include "cs_http.h"
#include "cs_util.h"

#define PATH_EXTENSIVE  "/v2/calls/extensive"
#define PATH_TRANSCRIPT "/v2/calls/transcript"
#define NO_CALLS_PREFIX "No calls found"
#define KEEP_BUFFER_MAX ((size_t)4 << 20) /* a larger response buffer is freed after use */
#define PACE_MARGIN_MS  15                /* added to the spacing between request starts */
#define MAX_PAGES       100000            /* a cursor loop the same-cursor check can't see */
#define CREDENTIAL_VARS "GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET (or GONG_BEARER_TOKEN)"

struct cs_gong {
    CURL *curl;
    struct curl_slist *headers;
    char *base_url;
    char *access_key;
    char *access_key_secret;
    char *bearer_token;
    int64_t interval_ms;  /* between the moments two requests are sent */
    int64_t last_sent_ms; /* when the last request went out (after connecting) */
    bool started;
    cs_http_policy_t policy;
    cs_http_answer_t answer; /* to the request being sent */
    cs_gong_stats_t stats;
    long total_records; /* records.totalRecords of the last listing's first page; -1 unknown */
};

static char *s_strdup_or_null(const char *s)
{
    return s && *s ? strdup(s) : NULL;
}

cs_gong_t *cs_gong_new(const cs_gong_opts_t *opts, char *err, size_t errlen)
{
    assert(opts);
    bool has_key = opts->access_key && *opts->access_key;
    bool has_secret = opts->access_key_secret && *opts->access_key_secret;
    bool has_token = opts->bearer_token && *opts->bearer_token;
    if (has_key != has_secret && !has_token) {
        cs_fail(err, errlen, "%s is set but %s is not",
                has_key ? "GONG_ACCESS_KEY" : "GONG_ACCESS_KEY_SECRET",
                has_key ? "GONG_ACCESS_KEY_SECRET" : "GONG_ACCESS_KEY");
        return NULL;
    }
    if (!(has_key && has_secret) && !has_token) {
        cs_fail(err, errlen, "no Gong credentials: set " CREDENTIAL_VARS);
        return NULL;
    }
    const char *base =
        opts->base_url && *opts->base_url ? opts->base_url : CS_GONG_DEFAULT_BASE_URL;
    if (!(opts->max_requests_per_second >= 0)) { /* negative or NaN */
        cs_fail(err, errlen, "max_requests_per_second must be positive");
        return NULL;
    }

    cs_gong_t *self = cs_http_client_alloc(sizeof *self, base, "Gong", err, errlen);
    if (!self)
        return NULL;
    self->base_url = strdup(base);
    size_t blen = strlen(self->base_url);
    while (blen > 0 && self->base_url[blen - 1] == '/')
        self->base_url[--blen] = '\0';
    if (has_key && has_secret) {
        self->access_key = strdup(opts->access_key);
        self->access_key_secret = strdup(opts->access_key_secret);
        cs_log_add_secret(self->access_key_secret);
    } else {
        self->bearer_token = s_strdup_or_null(opts->bearer_token);
        cs_log_add_secret(self->bearer_token);
    }
    double rps = opts->max_requests_per_second > 0 ? opts->max_requests_per_second : 3.0;
    /* Gong counts arrivals, which network jitter brings closer together than our starts: keep
       a margin so that no second ever holds more than rps of them */
    double spacing = 1000.0 / rps; /* rounded up below, without libm */
    self->interval_ms = (int64_t)spacing + ((double)(int64_t)spacing < spacing) + PACE_MARGIN_MS;
    self->policy = (cs_http_policy_t){
        .max_attempts = opts->max_attempts > 0 ? opts->max_attempts : 6,
        .backoff_base_ms = opts->backoff_base_ms > 0 ? opts->backoff_base_ms : 500,
        .backoff_cap_ms = opts->backoff_cap_ms > 0 ? opts->backoff_cap_ms : 30000,
        .retry_after_cap_ms = opts->retry_after_cap_ms > 0 ? opts->retry_after_cap_ms : 60000,
        .timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 30000,
        .max_body =
            opts->max_response_bytes > 0 ? opts->max_response_bytes : CS_GONG_DEFAULT_MAX_BYTES,
    };
    self->total_records = -1;
    self->curl = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    self->headers = h ? curl_slist_append(h, "Accept: application/json") : NULL;
    if (!self->headers)
        curl_slist_free_all(h);
    if (!self->base_url || !self->curl || !self->headers ||
        (has_key && has_secret && (!self->access_key || !self->access_key_secret)) ||
        (!(has_key && has_secret) && !self->bearer_token)) {
        cs_gong_destroy(&self);
        cs_fail(err, errlen, "out of memory");
        return NULL;
    }

    CURL *c = self->curl;
    if (cs_http_setup(c, &self->policy, &self->answer, self->headers, "callsift-fetcher", err,
                      errlen) != 0) {
        cs_gong_destroy(&self);
        return NULL;
    }
    if (self->access_key) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, self->access_key);
        curl_easy_setopt(c, CURLOPT_PASSWORD, self->access_key_secret);
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
        curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, self->bearer_token);
    }
    cs_debug("Gong client for %s (%s, at most %.1f requests per second)", self->base_url,
             self->access_key ? "access key" : "bearer token", rps);
    return self;
}

void cs_gong_destroy(cs_gong_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cs_gong_t *self = *self_p;
    if (self->curl)
        curl_easy_cleanup(self->curl);
    curl_slist_free_all(self->headers);
    free(self->base_url);
    free(self->access_key);
    cs_free_secret(self->access_key_secret);
    cs_free_secret(self->bearer_token);
    cs_buf_free(&self->answer.body);
    cs_http_client_free(self);
    *self_p = NULL;
}

void cs_gong_stats(const cs_gong_t *self, cs_gong_stats_t *out)
{
    *out = self->stats;
}

/* Wait until the next request may start; -1 when a stop was requested meanwhile. The next
   request can't be sent before it starts, so its sending is at least interval_ms after the
   last one's. */
static int s_pace(cs_gong_t *self)
{
    if (self->started) {
        int64_t wait = self->last_sent_ms + self->interval_ms - cs_now_ms();
        if (wait > 0 && cs_sleep_ms(wait) != 0)
            return -1;
    }
    return 0;
}

/* Note when the request that started at start_ms was actually sent: after connecting and the
   TLS handshake, which on a new connection can take longer than the spacing itself. */
static void s_sent(cs_gong_t *self, int64_t start_ms)
{
    curl_off_t pretransfer_us = 0;
    if (curl_easy_getinfo(self->curl, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us) != CURLE_OK ||
        pretransfer_us < 0)
        pretransfer_us = 0;
    self->last_sent_ms = start_ms + (int64_t)((pretransfer_us + 999) / 1000);
    self->started = true;
}

/* Gong's {"errors": [...]} joined with "; ", control characters dropped, into out. */
static void s_gong_errors(const char *body, size_t len, char *out, size_t outlen)
{
    out[0] = '\0';
    json_t *doc = body && len ? json_loadb(body, len, 0, NULL) : NULL;
    const json_t *errors = json_object_get(doc, "errors");
    size_t i, o = 0;
    const json_t *e;
    json_array_foreach(errors, i, e)
    {
        const char *text = json_string_value(e);
        if (!text)
            continue;
        if (o > 0 && o + 2 < outlen) {
            memcpy(out + o, "; ", 2);
            o += 2;
        }
        for (; *text && o + 1 < outlen; text++)
            if (!iscntrl((unsigned char)*text))
                out[o++] = *text;
        out[o] = '\0';
    }
    json_decref(doc);
}

/* POST `body` to `path`, retrying as cs_gong.h says. `what` names the request in messages.
   On CS_GONG_OK, *out is the parsed answer (caller owns it), or NULL for Gong's 404 "No calls
   found ...". */
static cs_gong_rc_t s_post(cs_gong_t *self, const char *path, const char *what, const json_t *body,
                           json_t **out, char *err, size_t errlen)
{
    *out = NULL;
    char *payload = json_dumps(body, JSON_COMPACT);
    char *url = malloc(strlen(self->base_url) + strlen(path) + 1);
    if (!payload || !url) {
        free(payload);
        free(url);
        cs_fail(err, errlen, "%s: out of memory", what);
        return CS_GONG_ERROR;
    }
    strcpy(url, self->base_url);
    strcat(url, path);
    curl_easy_setopt(self->curl, CURLOPT_URL, url);
    curl_easy_setopt(self->curl, CURLOPT_POSTFIELDS, payload);
    curl_easy_setopt(self->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));

    cs_gong_rc_t rc = CS_GONG_ERROR;
    const cs_http_policy_t *policy = &self->policy;
    cs_http_answer_t *answer = &self->answer;
    char last[512] = "";
    char gong_says[256];
    int bad_bodies = 0;
    for (int attempt = 1;; attempt++) {
        if (cs_stop_requested() || s_pace(self) != 0) {
            cs_fail(err, errlen, "%s: stopped", what);
            rc = CS_GONG_STOPPED;
            break;
        }
        cs_http_answer_reset(answer);
        self->stats.requests++;
        if (attempt > 1)
            self->stats.retries++;
        int64_t start_ms = cs_now_ms();
        CURLcode cc = curl_easy_perform(self->curl);
        s_sent(self, start_ms);
        self->stats.bytes += (long)answer->body.len;
        long status = 0;
        curl_easy_getinfo(self->curl, CURLINFO_RESPONSE_CODE, &status);
        cs_http_attempt_t tried = {.code = cc,
                                   .status = status,
                                   .over_cap = answer->body.over,
                                   .asked_ms = answer->retry_after_ms,
                                   .attempt = attempt};
        cs_http_decision_t next = cs_http_decide(policy, &tried);

        if (next.verdict == CS_HTTP_STOPPED) {
            cs_fail(err, errlen, "%s: stopped", what);
            rc = CS_GONG_STOPPED;
            break;
        } else if (next.verdict == CS_HTTP_TOO_LARGE) {
            cs_fail(err, errlen, "%s: the response is larger than the %zu-byte cap", what,
                    policy->max_body);
            break;
        } else if (cc != CURLE_OK) {
            cs_http_describe(policy, answer, cc, last, sizeof last);
            if (next.verdict == CS_HTTP_BROKEN) {
                cs_fail(err, errlen, "%s: %s", what, last);
                break;
            }
        } else if (next.verdict == CS_HTTP_ANSWERED) {
            json_error_t jerr;
            json_t *doc = json_loadb(answer->body.p ? answer->body.p : "", answer->body.len,
                                     JSON_ALLOW_NUL, &jerr);
            if (json_is_object(doc)) {
                *out = doc;
                rc = CS_GONG_OK;
                break;
            }
            if (doc)
                snprintf(last, sizeof last, "the answer is JSON but not an object");
            else
                snprintf(last, sizeof last, "invalid JSON at line %d column %d: %s", jerr.line,
                         jerr.column, jerr.text);
            json_decref(doc);
            if (++bad_bodies > CS_GONG_BAD_BODY_RETRIES) {
                cs_fail(err, errlen, "%s: %s", what, last);
                break;
            }
            tried.unusable = true;
            next = cs_http_decide(policy, &tried);
        } else if (next.verdict == CS_HTTP_AUTH) {
            cs_fail(err, errlen,
                    status == 401
                        ? "Gong rejected the credentials (401) for %s: check " CREDENTIAL_VARS
                        : "Gong refused access (403) to %s: the credentials may lack "
                          "permission for this endpoint; check " CREDENTIAL_VARS,
                    what);
            rc = CS_GONG_AUTH;
            break;
        } else if (status == 429) {
            snprintf(last, sizeof last, "rate limited (429)");
        } else {
            s_gong_errors(answer->body.p, answer->body.len, gong_says, sizeof gong_says);
            if (status == 404 &&
                strncmp(gong_says, NO_CALLS_PREFIX, strlen(NO_CALLS_PREFIX)) == 0) {
                rc = CS_GONG_OK; /* *out stays NULL: nothing matched */
                break;
            }
            snprintf(last, sizeof last, "Gong answered HTTP %ld%s%s", status,
                     gong_says[0] ? ": " : "", gong_says);
            if (next.verdict == CS_HTTP_REFUSED) {
                cs_fail(err, errlen, "%s: %s", what, last);
                break;
            }
        }

        if (next.verdict != CS_HTTP_RETRY) { /* the attempts are spent (Gong has no budget) */
            cs_fail(err, errlen, "%s: giving up after %d attempt%s; last: %s", what, attempt,
                    attempt == 1 ? "" : "s", last);
            break;
        }
        if (cc == CURLE_OK && status == 429) {
            self->stats.rate_limited_waits++;
            cs_warn("Gong rate limit reached on %s: waiting %lld ms (attempt %d of %d)", what,
                    (long long)next.wait_ms, attempt + 1, policy->max_attempts);
        } else {
            cs_warn("%s: %s; retrying in %lld ms (attempt %d of %d)", what, last,
                    (long long)next.wait_ms, attempt + 1, policy->max_attempts);
        }
        if (cs_sleep_ms(next.wait_ms) != 0) {
            cs_fail(err, errlen, "%s: stopped", what);
            rc = CS_GONG_STOPPED;
            break;
        }
    }

    curl_easy_setopt(self->curl, CURLOPT_POSTFIELDS, NULL);
    free(payload);
    free(url);
    if (answer->body.cap > KEEP_BUFFER_MAX)
        cs_buf_free(&answer->body);
    return rc;
}

static bool s_has_call_id(const json_t *call)
{
    return json_is_string(json_object_get(json_object_get(call, "metaData"), "id"));
}

/* records.cursor of an answer, or NULL on the last page. */
static const char *s_next_cursor(const json_t *doc)
{
    const char *cursor =
        json_string_value(json_object_get(json_object_get(doc, "records"), "cursor"));
    return cursor && *cursor ? cursor : NULL;
}

/* Remember `next` as the cursor for the next page; -1 when Gong repeats itself. */
static int s_advance(char **cursor, const char *next, const char *what, int page, char *err,
                     size_t errlen)
{
    if (*cursor && strcmp(*cursor, next) == 0)
        return cs_fail(err, errlen, "%s: Gong returned the same cursor again", what);
    if (page >= MAX_PAGES)
        return cs_fail(err, errlen, "%s: more than %d pages", what, MAX_PAGES);
    char *copy = strdup(next);
    if (!copy)
        return cs_fail(err, errlen, "%s: out of memory", what);
    free(*cursor);
    *cursor = copy;
    return 0;
}

/* The pages of /v2/calls/extensive for `filter` (borrowed), each call to fn. `none` is what
   the log says when there are none. */
static cs_gong_rc_t s_list(cs_gong_t *self, const json_t *filter, const char *none, long limit,
                           int (*fn)(void *arg, json_t *call), void *arg, char *err, size_t errlen)
{
    cs_gong_rc_t rc = CS_GONG_OK;
    char *cursor = NULL;
    long delivered = 0;
    self->total_records = -1;
    for (int page = 1;; page++) {
        char what[64];
        snprintf(what, sizeof what, "POST " PATH_EXTENSIVE " (page %d)", page);
        json_t *body = json_pack("{s:O, s:{s:s, s:{s:b}}}", "filter", filter, "contentSelector",
                                 "context", "Extended", "exposedFields", "parties", 1);
        if (body && cursor)
            json_object_set_new(body, "cursor", json_string(cursor));
        if (!body) {
            cs_fail(err, errlen, "%s: cannot build the request", what);
            rc = CS_GONG_ERROR;
            break;
        }
        json_t *doc = NULL;
        rc = s_post(self, PATH_EXTENSIVE, what, body, &doc, err, errlen);
        json_decref(body);
        if (rc != CS_GONG_OK)
            break;
        if (!doc) {
            if (page == 1) {
                cs_info("%s", none);
                self->total_records = 0;
            }
            break;
        }
        json_t *calls = json_object_get(doc, "calls");
        if (!json_is_array(calls)) {
            cs_fail(err, errlen, "%s: the answer has no \"calls\" array", what);
            json_decref(doc);
            rc = CS_GONG_ERROR;
            break;
        }
        bool stop = false;
        size_t i;
        json_t *call;
        json_array_foreach(calls, i, call)
        {
            if (!s_has_call_id(call)) {
                cs_warn("%s: skipping call %zu, which has no metaData.id", what, i);
                continue;
            }
            delivered++;
            int verdict = fn(arg, call);
            if (verdict < 0) {
                cs_fail(err, errlen, "%s: stopped by the call handler", what);
                rc = CS_GONG_ERROR;
            }
            if (verdict != 0 || (limit > 0 && delivered >= limit)) {
                stop = true;
                break;
            }
        }
        if (page == 1) {
            const json_t *total = json_object_get(json_object_get(doc, "records"), "totalRecords");
            self->total_records = json_is_integer(total) && json_integer_value(total) >= 0
                                      ? (long)json_integer_value(total)
                                      : -1;
        }
        if (self->total_records >= 0)
            cs_info("Fetched page %d of calls (%ld so far, of %ld)", page, delivered,
                    limit > 0 && limit < self->total_records ? limit : self->total_records);
        else
            cs_info("Fetched page %d of calls (%ld so far)", page, delivered);
        const char *next = s_next_cursor(doc);
        if (!stop && next && s_advance(&cursor, next, what, page, err, errlen) != 0) {
            rc = CS_GONG_ERROR;
            stop = true;
        }
        json_decref(doc);
        if (stop || !next)
            break;
    }
    free(cursor);
    return rc;
}

cs_gong_rc_t cs_gong_list_calls(cs_gong_t *self, const char *from, const char *to,
                                const char *gong_workspace, long limit,
                                int (*fn)(void *arg, json_t *call), void *arg, char *err,
                                size_t errlen)
{
    assert(self && from && to && fn);
    json_t *filter = json_pack("{s:s, s:s}", "fromDateTime", from, "toDateTime", to);
    if (!filter) {
        cs_fail(err, errlen, "cannot build the filter (are the dates UTF-8?)");
        return CS_GONG_ERROR;
    }
    if (gong_workspace)
        json_object_set_new(filter, "workspaceId", json_string(gong_workspace));
    char none[160];
    snprintf(none, sizeof none, "No Gong calls found between %.60s and %.60s", from, to);
    cs_gong_rc_t rc = s_list(self, filter, none, limit, fn, arg, err, errlen);
    json_decref(filter);
    return rc;
}

cs_gong_rc_t cs_gong_list_calls_by_id(cs_gong_t *self, const json_t *call_ids,
                                      int (*fn)(void *arg, json_t *call), void *arg, char *err,
                                      size_t errlen)
{
    assert(self && fn);
    if (json_array_size(call_ids) == 0)
        return CS_GONG_OK;
    json_t *filter = json_pack("{s:O}", "callIds", call_ids);
    if (!filter) {
        cs_fail(err, errlen, "cannot build the filter");
        return CS_GONG_ERROR;
    }
    cs_gong_rc_t rc =
        s_list(self, filter, "Gong has none of the calls asked for", 0, fn, arg, err, errlen);
    json_decref(filter);
    return rc;
}

/* One batch of ids: every page of its transcripts into result. */
static cs_gong_rc_t s_transcript_batch(cs_gong_t *self, json_t *ids, size_t batch, size_t batches,
                                       json_t *result, char *err, size_t errlen)
{
    cs_gong_rc_t rc = CS_GONG_OK;
    char *cursor = NULL;
    for (int page = 1;; page++) {
        char what[96];
        snprintf(what, sizeof what, "POST " PATH_TRANSCRIPT " (batch %zu of %zu, page %d)", batch,
                 batches, page);
        json_t *body = json_pack("{s:{s:O}}", "filter", "callIds", ids);
        if (body && cursor)
            json_object_set_new(body, "cursor", json_string(cursor));
        json_t *doc = NULL;
        rc = body ? s_post(self, PATH_TRANSCRIPT, what, body, &doc, err, errlen) : CS_GONG_ERROR;
        if (!body)
            cs_fail(err, errlen, "%s: out of memory", what);
        json_decref(body);
        if (rc != CS_GONG_OK || !doc)
            break;
        json_t *list = json_object_get(doc, "callTranscripts");
        if (!json_is_array(list)) {
            cs_fail(err, errlen, "%s: the answer has no \"callTranscripts\" array", what);
            json_decref(doc);
            rc = CS_GONG_ERROR;
            break;
        }
        size_t i;
        json_t *element;
        json_array_foreach(list, i, element)
        {
            const char *id = json_string_value(json_object_get(element, "callId"));
            if (!id || !json_is_object(element)) {
                cs_warn("%s: skipping transcript %zu, which has no callId", what, i);
                continue;
            }
            json_object_set(result, id, element);
        }
        const char *next = s_next_cursor(doc);
        if (next && s_advance(&cursor, next, what, page, err, errlen) != 0)
            rc = CS_GONG_ERROR;
        json_decref(doc);
        if (rc != CS_GONG_OK || !next)
            break;
    }
    free(cursor);
    return rc;
}

json_t *cs_gong_transcripts(cs_gong_t *self, const char *const *call_ids, size_t n,
                            cs_gong_rc_t *rc_out, char *err, size_t errlen)
{
    assert(self && (call_ids || n == 0));
    cs_gong_rc_t rc = CS_GONG_OK;
    json_t *result = json_object();
    if (!result) {
        cs_fail(err, errlen, "out of memory");
        rc = CS_GONG_ERROR;
    }
    size_t batches = (n + CS_GONG_TRANSCRIPT_BATCH - 1) / CS_GONG_TRANSCRIPT_BATCH;
    for (size_t b = 0; b < batches && rc == CS_GONG_OK; b++) {
        size_t end =
            (b + 1) * CS_GONG_TRANSCRIPT_BATCH < n ? (b + 1) * CS_GONG_TRANSCRIPT_BATCH : n;
        json_t *ids = json_array();
        for (size_t i = b * CS_GONG_TRANSCRIPT_BATCH; ids && i < end; i++)
            if (call_ids[i] && *call_ids[i])
                json_array_append_new(ids, json_string(call_ids[i]));
        if (!ids) {
            cs_fail(err, errlen, "out of memory");
            rc = CS_GONG_ERROR;
        } else if (json_array_size(ids) > 0) {
            rc = s_transcript_batch(self, ids, b + 1, batches, result, err, errlen);
            if (rc == CS_GONG_OK)
                cs_info("Fetched transcripts for %zu of %zu calls (%zu found)", end, n,
                        json_object_size(result));
        }
        json_decref(ids);
    }
    if (rc_out)
        *rc_out = rc;
    if (rc != CS_GONG_OK) {
        json_decref(result);
        return NULL;
    }
    return result;
}

long cs_gong_total_records(const cs_gong_t *self)
{
    return self->total_records;
}
