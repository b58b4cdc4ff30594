/*  cs_http: see cs_http.h. */
#include "cs_http.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cs_util.h"

#define S_CONNECT_TIMEOUT_MS 10000 /* the most an attempt spends connecting */

/* CURLOPT_WRITEFUNCTION: append to the answer's body; a body over its cap stops the transfer
   (CURLE_WRITE_ERROR, body.over set) instead of growing past it. */
static size_t s_on_body(char *data, size_t size, size_t nmemb, void *user)
{
    cs_buf_t *b = &((cs_http_answer_t *)user)->body;
    size_t n = size * nmemb;
    cs_buf_add(b, data, n);
    return b->failed ? 0 : n;
}

/* CURLOPT_HEADERFUNCTION: Retry-After into the answer (cleared at each status line: a response
   after a 100 or a redirect starts afresh), every line to the service's own reader. */
static size_t s_on_header(char *data, size_t size, size_t nmemb, void *user)
{
    cs_http_answer_t *a = user;
    size_t len = size * nmemb;
    char value[64];
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0)
        a->retry_after_ms = -1;
    else if (cs_http_header_value(data, len, "retry-after", value, sizeof value))
        a->retry_after_ms = cs_http_retry_after_ms(value, time(NULL));
    if (a->on_header)
        a->on_header(a->on_header_arg, data, len);
    return len;
}

/* CURLOPT_XFERINFOFUNCTION: abort the transfer once a stop was requested (SIGTERM). */
static int s_on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                         curl_off_t ulnow)
{
    (void)user;
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return cs_stop_requested() ? 1 : 0;
}

void *cs_http_client_alloc(size_t size, const char *base_url, const char *service, char *err,
                           size_t errlen)
{
    if (strncasecmp(base_url, "http://", 7) != 0 && strncasecmp(base_url, "https://", 8) != 0) {
        cs_fail(err, errlen, "the %s base URL must start with https:// or http://: %s", service,
                base_url);
        return NULL;
    }
    void *client = calloc(1, size);
    if (!client || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        free(client);
        cs_fail(err, errlen, "cannot initialise libcurl");
        return NULL;
    }
    return client;
}

void cs_http_client_free(void *client)
{
    if (!client)
        return;
    free(client);
    curl_global_cleanup();
}

int cs_http_setup(CURL *c, const cs_http_policy_t *policy, cs_http_answer_t *answer,
                  const struct curl_slist *headers, const char *user_agent, char *err,
                  size_t errlen)
{
    assert(c && policy && answer && policy->timeout_ms > 0 && policy->max_body > 0);
    long timeout = policy->timeout_ms;
    long connect = timeout < S_CONNECT_TIMEOUT_MS ? timeout : S_CONNECT_TIMEOUT_MS;
    answer->body.max = policy->max_body + 1;
    CURLcode cc = CURLE_OK;
    /* the first failure sticks: the options after it are not set */
#define S_SET(option, value)                                                                       \
    do {                                                                                           \
        if (cc == CURLE_OK)                                                                        \
            cc = curl_easy_setopt(c, option, value);                                               \
    } while (0)
    S_SET(CURLOPT_NOSIGNAL, 1L);
    S_SET(CURLOPT_PROTOCOLS_STR, "http,https");
    S_SET(CURLOPT_HTTPHEADER, headers);
    S_SET(CURLOPT_USERAGENT, user_agent);
    S_SET(CURLOPT_ACCEPT_ENCODING, ""); /* whatever libcurl can decode */
    S_SET(CURLOPT_TIMEOUT_MS, timeout);
    S_SET(CURLOPT_CONNECTTIMEOUT_MS, connect);
    S_SET(CURLOPT_TCP_KEEPALIVE, 1L);
    S_SET(CURLOPT_SSL_VERIFYPEER, 1L);
    S_SET(CURLOPT_SSL_VERIFYHOST, 2L);
    S_SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)policy->max_body);
    S_SET(CURLOPT_WRITEFUNCTION, s_on_body);
    S_SET(CURLOPT_WRITEDATA, answer);
    S_SET(CURLOPT_HEADERFUNCTION, s_on_header);
    S_SET(CURLOPT_HEADERDATA, answer);
    S_SET(CURLOPT_NOPROGRESS, 0L);
    S_SET(CURLOPT_XFERINFOFUNCTION, s_on_progress);
    S_SET(CURLOPT_ERRORBUFFER, answer->error);
#undef S_SET
    if (cc != CURLE_OK)
        return cs_fail(err, errlen, "cannot set up libcurl: %s", curl_easy_strerror(cc));
    return 0;
}

void cs_http_answer_reset(cs_http_answer_t *answer)
{
    cs_buf_clear(&answer->body);
    answer->retry_after_ms = -1;
    answer->error[0] = '\0';
}

bool cs_http_transient(CURLcode code)
{
    switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_BAD_CONTENT_ENCODING:
        return true;
    default:
        return false;
    }
}

int64_t cs_http_backoff_ms(const cs_http_policy_t *policy, int attempt)
{
    return cs_backoff_ms(attempt - 1, policy->backoff_base_ms, policy->backoff_cap_ms);
}

int64_t cs_http_retry_after_ms(const char *value, time_t now)
{
    const int64_t most_s = CS_HTTP_MAX_WAIT_MS / 1000;
    if (!value || !*value)
        return -1;
    if (isdigit((unsigned char)value[0])) {
        int64_t s = 0;
        const char *p = value;
        for (; isdigit((unsigned char)*p); p++)
            if (s <= most_s)
                s = s * 10 + (*p - '0');
        if (*p == '\0')
            return (s < most_s ? s : most_s) * 1000;
    }
    time_t when = curl_getdate(value, NULL);
    if (when == -1)
        return -1;
    if (when <= now)
        return 0;
    int64_t s = (int64_t)when - (int64_t)now;
    return (s < most_s ? s : most_s) * 1000;
}

bool cs_http_header_value(const char *line, size_t len, const char *name, char *out, size_t outlen)
{
    size_t n = strlen(name);
    if (len <= n || line[n] != ':' || strncasecmp(line, name, n) != 0)
        return false;
    const char *v = line + n + 1;
    size_t vlen = len - n - 1;
    while (vlen > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        vlen--;
    }
    while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
        vlen--;
    if (vlen >= outlen)
        vlen = outlen - 1;
    memcpy(out, v, vlen);
    out[vlen] = '\0';
    return true;
}

/* A transfer that ended before the request could reach the server: no name for the host or
   proxy, no connection, no TLS session. Anything later (a timeout, a reset, a cut answer) may
   have come after the server read the request. */
static bool s_never_sent(CURLcode code)
{
    return code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY ||
           code == CURLE_COULDNT_CONNECT || code == CURLE_SSL_CONNECT_ERROR;
}

cs_http_decision_t cs_http_decide(const cs_http_policy_t *policy, const cs_http_attempt_t *a)
{
    cs_http_decision_t d = {.verdict = CS_HTTP_RETRY, .wait_ms = 0, .asked = false};
    long status = a->code == CURLE_OK ? a->status : 0;
    if (a->code == CURLE_ABORTED_BY_CALLBACK && cs_stop_requested()) {
        d.verdict = CS_HTTP_STOPPED;
        return d;
    }
    if (a->over_cap || a->code == CURLE_FILESIZE_EXCEEDED) {
        d.verdict = CS_HTTP_TOO_LARGE;
        return d;
    }
    if (a->code != CURLE_OK) {
        if (!cs_http_transient(a->code)) {
            d.verdict = CS_HTTP_BROKEN;
            return d;
        }
    } else if (status >= 200 && status < 300) {
        if (!a->unusable) {
            d.verdict = CS_HTTP_ANSWERED;
            return d;
        }
    } else if (status == 401 || status == 403) {
        d.verdict = CS_HTTP_AUTH;
        return d;
    } else if (status == 429) {
        d.asked = a->asked_ms > 0;
    } else if (!(status >= 500 || (policy->retry_408_409 && (status == 408 || status == 409)))) {
        d.verdict = CS_HTTP_REFUSED;
        return d;
    }
    if (policy->not_idempotent && status != 429 && !s_never_sent(a->code)) {
        d.verdict = CS_HTTP_UNSURE;
        return d;
    }

    if (d.asked) {
        int64_t most =
            policy->retry_after_cap_ms > 0 ? policy->retry_after_cap_ms : CS_HTTP_MAX_WAIT_MS;
        d.wait_ms = a->asked_ms < most ? a->asked_ms : most;
    } else {
        d.wait_ms = cs_http_backoff_ms(policy, a->attempt);
    }
    if (a->attempt >= policy->max_attempts)
        d.verdict = CS_HTTP_EXHAUSTED;
    else if (policy->budget_ms > 0 && d.wait_ms > policy->budget_ms - a->waited_ms)
        d.verdict = CS_HTTP_OVER_BUDGET;
    return d;
}

void cs_http_describe(const cs_http_policy_t *policy, const cs_http_answer_t *answer, CURLcode code,
                      char *out, size_t outlen)
{
    if (code == CURLE_OPERATION_TIMEDOUT)
        snprintf(out, outlen, "no complete answer within %d ms", policy->timeout_ms);
    else
        snprintf(out, outlen, "%s", answer->error[0] ? answer->error : curl_easy_strerror(code));
}
