/* cs_http: the retry policy the HTTP clients share (which transfer errors retry, backoff with
   jitter, Retry-After in seconds and as a date, its ceiling, the attempts, the budget), and the
   libcurl set-up, tried against fake_openai over real HTTP. */
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "cs_http.h"
#include "cs_log.h"
#include "cs_util.h"
#include "fake_openai.h"

/* A policy with Gong's shape: Retry-After shortened to a ceiling, no budget. */
static const cs_http_policy_t S_CAPPED = {.max_attempts = 4,
                                          .backoff_base_ms = 100,
                                          .backoff_cap_ms = 1000,
                                          .retry_after_cap_ms = 5000,
                                          .timeout_ms = 5000,
                                          .max_body = 1024};

/* A policy with the LLM client's shape: no ceiling, a budget, 408 and 409 retried. */
static const cs_http_policy_t S_BUDGET = {.max_attempts = 4,
                                          .backoff_base_ms = 100,
                                          .backoff_cap_ms = 1000,
                                          .budget_ms = 3000,
                                          .timeout_ms = 5000,
                                          .max_body = 1024,
                                          .retry_408_409 = true};

static cs_http_decision_t s_decide(const cs_http_policy_t *p, CURLcode code, long status,
                                   int attempt)
{
    cs_http_attempt_t a = {.code = code, .status = status, .attempt = attempt};
    return cs_http_decide(p, &a);
}

Test(http, network_failures_retry_and_mistakes_do_not)
{
    const CURLcode transient[] = {
        CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY,
        CURLE_COULDNT_CONNECT,      CURLE_OPERATION_TIMEDOUT,
        CURLE_SEND_ERROR,           CURLE_RECV_ERROR,
        CURLE_PARTIAL_FILE,         CURLE_GOT_NOTHING,
        CURLE_SSL_CONNECT_ERROR,    CURLE_HTTP2,
        CURLE_HTTP2_STREAM,         CURLE_BAD_CONTENT_ENCODING,
    };
    const CURLcode permanent[] = {
        CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT,      CURLE_PEER_FAILED_VERIFICATION,
        CURLE_SSL_CACERT_BADFILE,   CURLE_LOGIN_DENIED,       CURLE_OUT_OF_MEMORY,
        CURLE_TOO_MANY_REDIRECTS,   CURLE_WEIRD_SERVER_REPLY,
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(transient); i++) {
        cr_assert(cs_http_transient(transient[i]), "%s", curl_easy_strerror(transient[i]));
        cs_http_decision_t d = s_decide(&S_CAPPED, transient[i], 0, 1);
        cr_assert_eq(d.verdict, CS_HTTP_RETRY, "%s", curl_easy_strerror(transient[i]));
    }
    for (size_t i = 0; i < CS_ARRAY_LEN(permanent); i++) {
        cr_assert_not(cs_http_transient(permanent[i]), "%s", curl_easy_strerror(permanent[i]));
        cs_http_decision_t d = s_decide(&S_CAPPED, permanent[i], 0, 1);
        cr_assert_eq(d.verdict, CS_HTTP_BROKEN, "%s", curl_easy_strerror(permanent[i]));
    }
    cr_assert_not(cs_http_transient(CURLE_OK));
}

Test(http, statuses)
{
    cr_assert_eq(s_decide(&S_CAPPED, CURLE_OK, 200, 1).verdict, CS_HTTP_ANSWERED);
    cr_assert_eq(s_decide(&S_CAPPED, CURLE_OK, 204, 1).verdict, CS_HTTP_ANSWERED);
    cr_assert_eq(s_decide(&S_CAPPED, CURLE_OK, 401, 1).verdict, CS_HTTP_AUTH);
    cr_assert_eq(s_decide(&S_CAPPED, CURLE_OK, 403, 1).verdict, CS_HTTP_AUTH);
    cr_assert_eq(s_decide(&S_CAPPED, CURLE_OK, 400, 1).verdict, CS_HTTP_REFUSED);
    cr_assert_eq(s_decide(&S_CAPPED, CURLE_OK, 404, 1).verdict, CS_HTTP_REFUSED);
    cr_assert_eq(s_decide(&S_CAPPED, CURLE_OK, 302, 1).verdict, CS_HTTP_REFUSED);
    cr_assert_eq(s_decide(&S_CAPPED, CURLE_OK, 429, 1).verdict, CS_HTTP_RETRY);
    cr_assert_eq(s_decide(&S_CAPPED, CURLE_OK, 500, 1).verdict, CS_HTTP_RETRY);
    cr_assert_eq(s_decide(&S_CAPPED, CURLE_OK, 503, 1).verdict, CS_HTTP_RETRY);
    /* 408 and 409 only where the policy says so */
    cr_assert_eq(s_decide(&S_CAPPED, CURLE_OK, 408, 1).verdict, CS_HTTP_REFUSED);
    cr_assert_eq(s_decide(&S_CAPPED, CURLE_OK, 409, 1).verdict, CS_HTTP_REFUSED);
    cr_assert_eq(s_decide(&S_BUDGET, CURLE_OK, 408, 1).verdict, CS_HTTP_RETRY);
    cr_assert_eq(s_decide(&S_BUDGET, CURLE_OK, 409, 1).verdict, CS_HTTP_RETRY);
    /* the status of a failed transfer is not read: a body cut after a 200 is a retry */
    cr_assert_eq(s_decide(&S_CAPPED, CURLE_PARTIAL_FILE, 200, 1).verdict, CS_HTTP_RETRY);
}

Test(http, an_unusable_answer_retries_and_a_body_over_the_cap_does_not)
{
    cs_http_attempt_t a = {.code = CURLE_OK, .status = 200, .unusable = true, .attempt = 1};
    cr_assert_eq(cs_http_decide(&S_CAPPED, &a).verdict, CS_HTTP_RETRY);
    a.attempt = S_CAPPED.max_attempts;
    cr_assert_eq(cs_http_decide(&S_CAPPED, &a).verdict, CS_HTTP_EXHAUSTED);
    cs_http_attempt_t big = {.code = CURLE_WRITE_ERROR, .over_cap = true, .attempt = 1};
    cr_assert_eq(cs_http_decide(&S_CAPPED, &big).verdict, CS_HTTP_TOO_LARGE);
    cr_assert_eq(s_decide(&S_CAPPED, CURLE_FILESIZE_EXCEEDED, 0, 1).verdict, CS_HTTP_TOO_LARGE);
}

Test(http, a_stop_ends_the_request_and_a_callback_abort_alone_does_not)
{
    cr_assert_eq(s_decide(&S_CAPPED, CURLE_ABORTED_BY_CALLBACK, 0, 1).verdict, CS_HTTP_BROKEN);
    cs_stop_request(); /* each test runs in its own process */
    cr_assert_eq(s_decide(&S_CAPPED, CURLE_ABORTED_BY_CALLBACK, 0, 1).verdict, CS_HTTP_STOPPED);
}

Test(http, backoff_stays_within_its_jitter_bounds)
{
    /* attempt n waits between base / 2 and min(cap, base * 2^(n-1)) */
    const int64_t ceiling[] = {100, 200, 400, 800, 1000, 1000};
    for (int attempt = 1; attempt <= 6; attempt++) {
        int64_t lo = INT64_MAX, hi = 0;
        for (int i = 0; i < 2000; i++) {
            int64_t w = cs_http_backoff_ms(&S_CAPPED, attempt);
            cr_assert(w >= 50 && w <= ceiling[attempt - 1], "attempt %d: %lld", attempt,
                      (long long)w);
            lo = w < lo ? w : lo;
            hi = w > hi ? w : hi;
        }
        /* jitter: the draws spread over most of the range */
        int64_t range = ceiling[attempt - 1] - 50;
        cr_assert(hi - lo >= range * 8 / 10, "attempt %d: %lld..%lld", attempt, (long long)lo,
                  (long long)hi);
    }
    /* a huge attempt number neither overflows nor passes the cap */
    int64_t w = cs_http_backoff_ms(&S_CAPPED, 1000);
    cr_assert(w >= 50 && w <= 1000, "%lld", (long long)w);
    /* the decision waits a backoff when the server asked for nothing */
    cs_http_decision_t d = s_decide(&S_CAPPED, CURLE_OK, 503, 3);
    cr_assert_not(d.asked);
    cr_assert(d.wait_ms >= 50 && d.wait_ms <= 400, "%lld", (long long)d.wait_ms);
}

Test(http, retry_after_in_seconds)
{
    time_t now = 1700000000;
    cr_assert_eq(cs_http_retry_after_ms("120", now), 120000);
    cr_assert_eq(cs_http_retry_after_ms("1", now), 1000);
    cr_assert_eq(cs_http_retry_after_ms("0", now), 0);
    cr_assert_eq(cs_http_retry_after_ms("99999999999999999999999", now), CS_HTTP_MAX_WAIT_MS);
    cr_assert_eq(cs_http_retry_after_ms("", now), -1);
    cr_assert_eq(cs_http_retry_after_ms(NULL, now), -1);
    cr_assert_eq(cs_http_retry_after_ms("-5", now), -1);
    cr_assert_eq(cs_http_retry_after_ms("soon", now), -1);
}

Test(http, retry_after_as_an_http_date)
{
    time_t now = 1445412480; /* Wed, 21 Oct 2015 07:28:00 GMT */
    cr_assert_eq(cs_http_retry_after_ms("Wed, 21 Oct 2015 07:28:30 GMT", now), 30000);
    cr_assert_eq(cs_http_retry_after_ms("Wed, 21 Oct 2015 08:28:00 GMT", now), 3600000);
    /* the obsolete forms HTTP still allows */
    cr_assert_eq(cs_http_retry_after_ms("Wednesday, 21-Oct-15 07:29:00 GMT", now), 60000);
    cr_assert_eq(cs_http_retry_after_ms("Wed Oct 21 07:28:10 2015", now), 10000);
    /* a date in the past asks for no wait */
    cr_assert_eq(cs_http_retry_after_ms("Wed, 21 Oct 2015 07:27:00 GMT", now), 0);
    cr_assert_eq(cs_http_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", now), 0);
    cr_assert_eq(cs_http_retry_after_ms("Wed, 99 Foo 2015 07:28:00 GMT", now), -1);
}

Test(http, a_wait_asked_for_is_waited_up_to_the_ceiling)
{
    cs_http_attempt_t a = {.code = CURLE_OK, .status = 429, .asked_ms = 2000, .attempt = 1};
    cs_http_decision_t d = cs_http_decide(&S_CAPPED, &a);
    cr_assert_eq(d.verdict, CS_HTTP_RETRY);
    cr_assert(d.asked);
    cr_assert_eq(d.wait_ms, 2000);
    a.asked_ms = 600000; /* past the ceiling: shortened to it */
    d = cs_http_decide(&S_CAPPED, &a);
    cr_assert_eq(d.verdict, CS_HTTP_RETRY);
    cr_assert_eq(d.wait_ms, 5000);
    /* without a ceiling, only CS_HTTP_MAX_WAIT_MS shortens it */
    cs_http_policy_t open = S_CAPPED;
    open.retry_after_cap_ms = 0;
    a.asked_ms = 600000;
    cr_assert_eq(cs_http_decide(&open, &a).wait_ms, 600000);
    a.asked_ms = INT64_MAX;
    cr_assert_eq(cs_http_decide(&open, &a).wait_ms, CS_HTTP_MAX_WAIT_MS);
    /* no wait asked (absent, 0, a past date): backoff */
    a.asked_ms = 0;
    d = cs_http_decide(&S_CAPPED, &a);
    cr_assert_not(d.asked);
    cr_assert(d.wait_ms >= 50 && d.wait_ms <= 100, "%lld", (long long)d.wait_ms);
    /* a 5xx's Retry-After is not what its wait follows */
    a.status = 503;
    a.asked_ms = 4000;
    cr_assert_not(cs_http_decide(&S_CAPPED, &a).asked);
}

Test(http, the_last_attempt_gives_up)
{
    for (int attempt = 1; attempt < S_CAPPED.max_attempts; attempt++)
        cr_assert_eq(s_decide(&S_CAPPED, CURLE_OK, 500, attempt).verdict, CS_HTTP_RETRY);
    cs_http_decision_t d = s_decide(&S_CAPPED, CURLE_OK, 500, S_CAPPED.max_attempts);
    cr_assert_eq(d.verdict, CS_HTTP_EXHAUSTED);
    cr_assert_gt(d.wait_ms, 0);
    cr_assert_eq(s_decide(&S_CAPPED, CURLE_COULDNT_CONNECT, 0, 4).verdict, CS_HTTP_EXHAUSTED);
    cr_assert_eq(s_decide(&S_CAPPED, CURLE_OK, 429, 4).verdict, CS_HTTP_EXHAUSTED);
    /* one attempt in all: the first failure is the last */
    cs_http_policy_t once = S_CAPPED;
    once.max_attempts = 1;
    cr_assert_eq(s_decide(&once, CURLE_OK, 502, 1).verdict, CS_HTTP_EXHAUSTED);
}

Test(http, a_request_that_is_not_idempotent_is_not_sent_twice)
{
    cs_http_policy_t create = S_CAPPED;
    create.not_idempotent = true;
    /* may have been carried out: a 5xx, a timeout, a reset, an unusable 2xx */
    cr_assert_eq(s_decide(&create, CURLE_OK, 500, 1).verdict, CS_HTTP_UNSURE);
    cr_assert_eq(s_decide(&create, CURLE_OK, 503, 1).verdict, CS_HTTP_UNSURE);
    cr_assert_eq(s_decide(&create, CURLE_OPERATION_TIMEDOUT, 0, 1).verdict, CS_HTTP_UNSURE);
    cr_assert_eq(s_decide(&create, CURLE_RECV_ERROR, 0, 1).verdict, CS_HTTP_UNSURE);
    cr_assert_eq(s_decide(&create, CURLE_GOT_NOTHING, 0, 1).verdict, CS_HTTP_UNSURE);
    cs_http_attempt_t cut = {.code = CURLE_OK, .status = 200, .unusable = true, .attempt = 1};
    cr_assert_eq(cs_http_decide(&create, &cut).verdict, CS_HTTP_UNSURE);
    /* never reached the server, or refused before any work: sent again */
    cr_assert_eq(s_decide(&create, CURLE_COULDNT_CONNECT, 0, 1).verdict, CS_HTTP_RETRY);
    cr_assert_eq(s_decide(&create, CURLE_COULDNT_RESOLVE_HOST, 0, 1).verdict, CS_HTTP_RETRY);
    cr_assert_eq(s_decide(&create, CURLE_OK, 429, 1).verdict, CS_HTTP_RETRY);
    /* the rest as for any request */
    cr_assert_eq(s_decide(&create, CURLE_OK, 201, 1).verdict, CS_HTTP_ANSWERED);
    cr_assert_eq(s_decide(&create, CURLE_OK, 400, 1).verdict, CS_HTTP_REFUSED);
    cr_assert_eq(s_decide(&create, CURLE_OK, 401, 1).verdict, CS_HTTP_AUTH);
    cr_assert_eq(s_decide(&create, CURLE_URL_MALFORMAT, 0, 1).verdict, CS_HTTP_BROKEN);
    /* the same attempts of an idempotent request are retried */
    cr_assert_eq(s_decide(&S_CAPPED, CURLE_OK, 500, 1).verdict, CS_HTTP_RETRY);
    cr_assert_eq(s_decide(&S_CAPPED, CURLE_OPERATION_TIMEDOUT, 0, 1).verdict, CS_HTTP_RETRY);
}

Test(http, the_budget_bounds_the_waits_of_one_request)
{
    cs_http_attempt_t a = {.code = CURLE_OK, .status = 429, .asked_ms = 1000, .attempt = 1};
    cr_assert_eq(cs_http_decide(&S_BUDGET, &a).verdict, CS_HTTP_RETRY);
    /* 2.5 s already waited: 1 s more passes the 3 s budget */
    a.attempt = 2;
    a.waited_ms = 2500;
    cs_http_decision_t d = cs_http_decide(&S_BUDGET, &a);
    cr_assert_eq(d.verdict, CS_HTTP_OVER_BUDGET);
    cr_assert(d.asked);
    cr_assert_eq(d.wait_ms, 1000);
    /* exactly what is left is still waited */
    a.waited_ms = 2000;
    cr_assert_eq(cs_http_decide(&S_BUDGET, &a).verdict, CS_HTTP_RETRY);
    /* a wait asked past the whole budget ends the request at once, not shortened */
    a.attempt = 1;
    a.waited_ms = 0;
    a.asked_ms = 600000;
    d = cs_http_decide(&S_BUDGET, &a);
    cr_assert_eq(d.verdict, CS_HTTP_OVER_BUDGET);
    cr_assert_eq(d.wait_ms, 600000);
    /* backoffs count too: nothing left, any backoff passes it */
    d = s_decide(&S_BUDGET, CURLE_OK, 500, 1);
    cr_assert_eq(d.verdict, CS_HTTP_RETRY);
    cs_http_attempt_t spent = {.code = CURLE_OK, .status = 500, .attempt = 2, .waited_ms = 3000};
    d = cs_http_decide(&S_BUDGET, &spent);
    cr_assert_eq(d.verdict, CS_HTTP_OVER_BUDGET);
    cr_assert_not(d.asked);
    /* the attempts run out before the budget is looked at */
    spent.attempt = S_BUDGET.max_attempts;
    cr_assert_eq(cs_http_decide(&S_BUDGET, &spent).verdict, CS_HTTP_EXHAUSTED);
    /* no budget: any wait is waited */
    cs_http_attempt_t capped = spent;
    capped.attempt = 2;
    capped.waited_ms = 1000000;
    cr_assert_eq(cs_http_decide(&S_CAPPED, &capped).verdict, CS_HTTP_RETRY);
}

Test(http, header_values)
{
    char v[16] = "untouched";
    const char line[] = "Retry-After:  120 \r\n";
    cr_assert(cs_http_header_value(line, strlen(line), "retry-after", v, sizeof v));
    cr_assert_str_eq(v, "120");
    strcpy(v, "untouched");
    const char other[] = "Retry-After-Ms: 5\r\n";
    cr_assert_not(cs_http_header_value(other, strlen(other), "retry-after", v, sizeof v));
    cr_assert_str_eq(v, "untouched");
    cr_assert_not(cs_http_header_value("Retry", 5, "retry-after", v, sizeof v));
    const char empty[] = "Retry-After:\r\n";
    cr_assert(cs_http_header_value(empty, strlen(empty), "retry-after", v, sizeof v));
    cr_assert_str_eq(v, "");
    const char longer[] = "X-Long: abcdefghijklmnopqrstuvwxyz\r\n";
    cr_assert(cs_http_header_value(longer, strlen(longer), "x-long", v, sizeof v));
    cr_assert_str_eq(v, "abcdefghijklmno");
}

Test(http, describe)
{
    cs_http_answer_t answer = {0};
    char out[CURL_ERROR_SIZE + 32];
    cs_http_describe(&S_CAPPED, &answer, CURLE_OPERATION_TIMEDOUT, out, sizeof out);
    cr_assert_str_eq(out, "no complete answer within 5000 ms");
    cs_http_describe(&S_CAPPED, &answer, CURLE_COULDNT_CONNECT, out, sizeof out);
    cr_assert_str_eq(out, curl_easy_strerror(CURLE_COULDNT_CONNECT));
    strcpy(answer.error, "Failed to connect to 127.0.0.1 port 9");
    cs_http_describe(&S_CAPPED, &answer, CURLE_COULDNT_CONNECT, out, sizeof out);
    cr_assert_str_eq(out, "Failed to connect to 127.0.0.1 port 9");
}

/* The set-up against a real server ------------------------------------------------------- */

static fake_openai_t *s_fo;

static void s_start_fake(void)
{
    cs_log_set_level(CS_LOG_WARNING);
    s_fo = fake_openai_start();
    cr_assert_not_null(s_fo);
}

static void s_stop_fake(void)
{
    fake_openai_stop(&s_fo);
    cs_log_reset();
}

TestSuite(http_setup, .init = s_start_fake, .fini = s_stop_fake, .timeout = 30);

typedef struct {
    int lines;
    char seen[128];
} s_headers_t;

static void s_on_header(void *arg, const char *line, size_t len)
{
    s_headers_t *h = arg;
    h->lines++;
    char value[64];
    if (cs_http_header_value(line, len, "x-ratelimit-reset-tokens", value, sizeof value))
        snprintf(h->seen, sizeof h->seen, "%s", value);
}

/* One POST to path on the fake with `policy`; the handle's result, the status in *status. */
static CURLcode s_post(const cs_http_policy_t *policy, cs_http_answer_t *answer, long *status)
{
    char url[256], err[256] = "";
    snprintf(url, sizeof url, "%s/chat/completions", fake_openai_url(s_fo));
    CURL *c = curl_easy_init();
    cr_assert_not_null(c);
    cr_assert_eq(cs_http_setup(c, policy, answer, NULL, "callsift-test", err, sizeof err), 0, "%s",
                 err);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{\"messages\":[]}");
    cs_http_answer_reset(answer);
    CURLcode cc = curl_easy_perform(c);
    *status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(c);
    return cc;
}

Test(http_setup, the_body_and_retry_after_reach_the_answer)
{
    fake_openai_push(s_fo, NULL,
                     &(fake_openai_answer_t){.kind = FAKE_OPENAI_RATE_LIMIT,
                                             .retry_after = "7",
                                             .reset_tokens = "6m0s"});
    s_headers_t seen = {0};
    cs_http_answer_t answer = {.on_header = s_on_header, .on_header_arg = &seen};
    long status = 0;
    CURLcode cc = s_post(&S_CAPPED, &answer, &status);
    cr_assert_eq(cc, CURLE_OK, "%s", answer.error);
    cr_assert_eq(status, 429);
    cr_assert_eq(answer.retry_after_ms, 7000);
    cr_assert(strstr(answer.body.p, "rate_limit_exceeded"), "%s", answer.body.p);
    cr_assert_gt(seen.lines, 2);
    cr_assert_str_eq(seen.seen, "6m0s");
    cs_http_attempt_t a = {.code = cc,
                           .status = status,
                           .over_cap = answer.body.over,
                           .asked_ms = answer.retry_after_ms,
                           .attempt = 1};
    cs_http_decision_t d = cs_http_decide(&S_CAPPED, &a);
    cr_assert_eq(d.verdict, CS_HTTP_RETRY);
    cr_assert_eq(d.wait_ms, 5000); /* shortened to the policy's ceiling */

    /* the next answer starts afresh: no Retry-After from the last one */
    fake_openai_push(s_fo, NULL,
                     &(fake_openai_answer_t){.kind = FAKE_OPENAI_CHAT, .content = "fine"});
    cc = s_post(&S_CAPPED, &answer, &status);
    cr_assert_eq(cc, CURLE_OK, "%s", answer.error);
    cr_assert_eq(status, 200);
    cr_assert_eq(answer.retry_after_ms, -1);
    cr_assert(strstr(answer.body.p, "\"fine\""), "%s", answer.body.p);
    cs_buf_free(&answer.body);
}

Test(http_setup, a_body_over_the_cap_stops_the_transfer)
{
    char big[2048];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    fake_openai_push(s_fo, NULL, &(fake_openai_answer_t){.kind = FAKE_OPENAI_RAW, .body = big});
    cs_http_answer_t answer = {0};
    long status = 0;
    CURLcode cc = s_post(&S_CAPPED, &answer, &status);
    cr_assert_neq(cc, CURLE_OK);
    cr_assert_leq(answer.body.len, S_CAPPED.max_body);
    cs_http_attempt_t a = {.code = cc, .over_cap = answer.body.over, .attempt = 1};
    cr_assert_eq(cs_http_decide(&S_CAPPED, &a).verdict, CS_HTTP_TOO_LARGE);
    cs_buf_free(&answer.body);
}

Test(http_setup, a_slow_answer_times_out_with_the_policy_timeout)
{
    fake_openai_push(s_fo, NULL,
                     &(fake_openai_answer_t){.kind = FAKE_OPENAI_CHAT, .delay_ms = 3000});
    cs_http_policy_t quick = S_CAPPED;
    quick.timeout_ms = 300;
    cs_http_answer_t answer = {0};
    long status = 0;
    int64_t t0 = cs_now_ms();
    CURLcode cc = s_post(&quick, &answer, &status);
    cr_assert_eq(cc, CURLE_OPERATION_TIMEDOUT);
    cr_assert_lt(cs_now_ms() - t0, 2000);
    cr_assert_eq(s_decide(&quick, cc, 0, 1).verdict, CS_HTTP_RETRY);
    cs_buf_free(&answer.body);
}

Test(http_setup, a_stop_aborts_the_transfer)
{
    fake_openai_push(s_fo, NULL,
                     &(fake_openai_answer_t){.kind = FAKE_OPENAI_CHAT, .delay_ms = 3000});
    cs_stop_request(); /* each test runs in its own process */
    cs_http_answer_t answer = {0};
    long status = 0;
    int64_t t0 = cs_now_ms();
    CURLcode cc = s_post(&S_CAPPED, &answer, &status);
    cr_assert_eq(cc, CURLE_ABORTED_BY_CALLBACK);
    cr_assert_lt(cs_now_ms() - t0, 2000);
    cr_assert_eq(s_decide(&S_CAPPED, cc, 0, 1).verdict, CS_HTTP_STOPPED);
    cs_buf_free(&answer.body);
}
