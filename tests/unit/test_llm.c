/* cs_llm against fake_openai over real HTTP: request contents and headers, requests in flight
   at once, every answer OpenAI can give (429 with its headers, insufficient_quota, 401/403,
   4xx, 5xx, broken bodies, slow answers), backoffs that don't hold up other requests, stop,
   destroy in flight, and the API key kept out of logs and error messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "cs_llm.h"
#include "cs_llm_headers.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_text.h"
#include "cs_util.h"
#include "fake_openai.h"

#define KEY  "sk-test-callsift-0123456789abcdef"
#define CHAT "/chat/completions"

static fake_openai_t *s_fo;

static void setup(void)
{
    cs_log_set_level(CS_LOG_ERROR);
    s_fo = fake_openai_start();
    cr_assert_not_null(s_fo);
}

static void teardown(void)
{
    fake_openai_stop(&s_fo);
    cs_log_reset();
}

TestSuite(llm, .init = setup, .fini = teardown, .timeout = 30);

/* What a callback saw, copied out of the result. */
typedef struct {
    int calls;
    cs_llm_status_t status;
    long http_status;
    json_t *response;
    char error[1024];
    char cause[32]; /* "" when none */
    int attempts;
    int64_t latency_ms, queued_ms, done_ms;
} s_outcome_t;

static void s_on_done(void *arg, const cs_llm_result_t *r)
{
    s_outcome_t *o = arg;
    o->calls++;
    o->status = r->status;
    o->http_status = r->http_status;
    o->response = r->response ? json_incref(r->response) : NULL;
    snprintf(o->error, sizeof o->error, "%s", r->error ? r->error : "");
    snprintf(o->cause, sizeof o->cause, "%s", r->cause ? r->cause : "");
    o->attempts = r->attempts;
    o->latency_ms = r->latency_ms;
    o->queued_ms = r->queued_ms;
    o->done_ms = cs_now_ms();
}

static void s_outcomes_free(s_outcome_t *o, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_decref(o[i].response);
}

/* A fast client for tests: tiny backoffs. */
static cs_llm_opts_t s_opts(void)
{
    return (cs_llm_opts_t){.base_url = fake_openai_url(s_fo),
                           .api_key = KEY,
                           .concurrency = 4,
                           .timeout_ms = 5000,
                           .max_attempts = 5,
                           .backoff_base_ms = 20,
                           .backoff_cap_ms = 100};
}

static cs_llm_t *s_client(const cs_llm_opts_t *opts)
{
    char err[256] = "";
    cs_llm_t *llm = cs_llm_new(opts, err, sizeof err);
    cr_assert_not_null(llm, "cs_llm_new: %s", err);
    return llm;
}

static json_t *s_chat_body(const char *text)
{
    return json_pack("{s:s, s:[{s:s, s:s}, {s:s, s:s}], s:f}", "model", "gpt-4o-mini", "messages",
                     "role", "system", "content", "Be brief.", "role", "user", "content", text,
                     "temperature", 0.0);
}

static void s_submit(cs_llm_t *llm, const char *text, s_outcome_t *o)
{
    json_t *body = s_chat_body(text);
    cr_assert_eq(cs_llm_submit(llm, CHAT, body, s_on_done, o), 0);
    json_decref(body);
}

/* Run until nothing is pending (at most limit_ms). */
static void s_drain(cs_llm_t *llm, int64_t limit_ms)
{
    int64_t deadline = cs_now_ms() + limit_ms;
    int pending;
    while ((pending = cs_llm_run(llm, 200)) > 0 && cs_now_ms() < deadline)
        ;
    cr_assert_eq(pending, 0, "%d requests still pending after %lld ms", pending,
                 (long long)limit_ms);
}

/* One request to completion; returns its outcome (the caller frees the response). */
static s_outcome_t s_one(const cs_llm_opts_t *opts, const char *text)
{
    cs_llm_t *llm = s_client(opts);
    s_outcome_t o = {0};
    s_submit(llm, text, &o);
    s_drain(llm, 20000);
    cs_llm_destroy(&llm);
    cr_assert_eq(o.calls, 1);
    return o;
}

static void s_push(const char *path, fake_openai_answer_t a)
{
    cr_assert_eq(fake_openai_push(s_fo, path, &a), 0);
}

/* The gap between the end of request i's answer and the arrival of request i + 1. */
static int64_t s_gap(size_t i)
{
    const fake_openai_request_t *a = fake_openai_request(s_fo, i);
    const fake_openai_request_t *b = fake_openai_request(s_fo, i + 1);
    cr_assert(a && b);
    return b->at_ms - a->done_ms;
}

/* Requests and answers ----------------------------------------------------------------------- */

Test(llm, posts_the_body_verbatim_with_the_key)
{
    fake_openai_set_api_key(s_fo, KEY);
    cs_llm_opts_t opts = s_opts();
    cs_llm_t *llm = s_client(&opts);
    json_t *body = s_chat_body("Say \"hello\" in Fran\xc3\xa7"
                               "ais");
    json_object_set_new(body, "response_format", json_pack("{s:s}", "type", "json_object"));
    s_outcome_t o = {0};
    cr_assert_eq(cs_llm_submit(llm, CHAT, body, s_on_done, &o), 0);
    cr_assert_eq(cs_llm_pending(llm), 1);
    s_drain(llm, 5000);
    cr_assert_eq(o.calls, 1);
    cr_assert_eq(o.status, CS_LLM_OK, "%s", o.error);
    cr_assert_eq(o.http_status, 200);
    cr_assert_eq(o.attempts, 1);

    cr_assert_eq(fake_openai_request_count(s_fo), 1);
    const fake_openai_request_t *req = fake_openai_last_request(s_fo, CHAT);
    cr_assert_not_null(req);
    cr_assert_str_eq(req->path, CHAT);
    cr_assert(json_equal(req->body, body), "the body was not posted as it is");
    cr_assert_str_eq(req->authorization, "Bearer " KEY);
    cr_assert_eq(req->status, 200);

    /* the default answer echoes the last message: the text made the round trip intact */
    const char *finish = NULL;
    long pt = -1, ct = -1;
    const char *content = cs_llm_chat_content(o.response, &finish, &pt, &ct);
    cr_assert_str_eq(content, "Say \"hello\" in Fran\xc3\xa7"
                              "ais");
    cr_assert_str_eq(finish, "stop");
    cr_assert_gt(pt, 0);
    cr_assert_gt(ct, 0);

    cs_llm_stats_t st;
    cs_llm_stats(llm, &st);
    cr_assert_eq(st.requests, 1);
    cr_assert_eq(st.attempts, 1);
    cr_assert_eq(st.retries, 0);
    cr_assert_eq(st.succeeded, 1);
    cr_assert_eq(st.failed, 0);
    cr_assert_eq(st.latency_ms_sum, o.latency_ms);
    json_decref(body);
    s_outcomes_free(&o, 1);
    cs_llm_destroy(&llm);
    cr_assert_null(llm);
    cs_llm_destroy(&llm); /* idempotent */
}

Test(llm, no_key_sends_no_authorization)
{
    cs_llm_opts_t opts = s_opts();
    opts.api_key = NULL;
    s_outcome_t o = s_one(&opts, "hi");
    cr_assert_eq(o.status, CS_LLM_OK, "%s", o.error);
    cr_assert_null(fake_openai_last_request(s_fo, CHAT)->authorization);
    s_outcomes_free(&o, 1);
}

Test(llm, base_url_with_slash_and_query)
{
    char base[160];
    snprintf(base, sizeof base, "%s/?api-version=2024-10-21", fake_openai_url(s_fo));
    cs_llm_opts_t opts = s_opts();
    opts.base_url = base;
    s_outcome_t o = s_one(&opts, "hi");
    cr_assert_eq(o.status, CS_LLM_OK, "%s", o.error);
    cr_assert_str_eq(fake_openai_last_request(s_fo, NULL)->path, CHAT);
    s_outcomes_free(&o, 1);

    char err[128] = "";
    opts.base_url = "ftp://example.com/v1";
    cr_assert_null(cs_llm_new(&opts, err, sizeof err));
    cr_assert(strstr(err, "https://"), "%s", err);
}

Test(llm, embeddings_default_answer)
{
    cs_llm_opts_t opts = s_opts();
    cs_llm_t *llm = s_client(&opts);
    json_t *body = json_pack("{s:s, s:[s, s, s], s:i}", "model", "text-embedding-3-small", "input",
                             "SSO support", "SSO support", "export to CSV", "dimensions", 16);
    s_outcome_t o = {0};
    cr_assert_eq(cs_llm_submit(llm, "/embeddings", body, s_on_done, &o), 0);
    json_decref(body);
    s_drain(llm, 5000);
    cr_assert_eq(o.status, CS_LLM_OK, "%s", o.error);
    json_t *data = json_object_get(o.response, "data");
    cr_assert_eq(json_array_size(data), 3);
    cr_assert_str_eq(json_string_value(json_object_get(o.response, "object")), "list");
    double dot01 = 0, dot02 = 0, norm = 0;
    for (size_t i = 0; i < 16; i++) {
        double a = json_real_value(
            json_array_get(json_object_get(json_array_get(data, 0), "embedding"), i));
        double b = json_real_value(
            json_array_get(json_object_get(json_array_get(data, 1), "embedding"), i));
        double c = json_real_value(
            json_array_get(json_object_get(json_array_get(data, 2), "embedding"), i));
        dot01 += a * b;
        dot02 += a * c;
        norm += a * a;
    }
    cr_assert_eq(json_array_size(json_object_get(json_array_get(data, 2), "embedding")), 16);
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(data, 2), "index")), 2);
    cr_assert_float_eq(norm, 1.0, 1e-4);
    cr_assert_float_eq(dot01, 1.0, 1e-4, "the same text must give the same vector");
    cr_assert_lt(dot02, 0.9);
    s_outcomes_free(&o, 1);
    cs_llm_destroy(&llm);
}

/* A responder that answers with the user's text reversed, and 400 for "bad". */
static int s_reverser(void *arg, const char *path, const json_t *request,
                      fake_openai_answer_t *answer)
{
    (void)arg;
    if (strcmp(path, CHAT) != 0)
        return -1;
    const json_t *messages = json_object_get(request, "messages");
    const char *text = json_string_value(
        json_object_get(json_array_get(messages, json_array_size(messages) - 1), "content"));
    if (!text)
        return -1;
    if (strcmp(text, "bad") == 0) {
        answer->kind = FAKE_OPENAI_ERROR;
        answer->status = 400;
        answer->message = "bad prompt";
        return 0;
    }
    size_t n = strlen(text);
    answer->owned = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        answer->owned[i] = text[n - 1 - i];
    answer->owned[n] = '\0';
    answer->kind = FAKE_OPENAI_CHAT;
    answer->content = answer->owned;
    return 0;
}

Test(llm, responder_answers_from_the_request)
{
    fake_openai_set_responder(s_fo, s_reverser, NULL);
    cs_llm_opts_t opts = s_opts();
    cs_llm_t *llm = s_client(&opts);
    s_outcome_t o[2] = {0};
    s_submit(llm, "abc", &o[0]);
    s_submit(llm, "bad", &o[1]);
    s_drain(llm, 5000);
    cr_assert_str_eq(cs_llm_chat_content(o[0].response, NULL, NULL, NULL), "cba");
    cr_assert_eq(o[1].status, CS_LLM_FAILED);
    cr_assert_str_eq(o[1].error, "HTTP 400: bad prompt");
    s_outcomes_free(o, 2);
    cs_llm_destroy(&llm);
}

/* Concurrency -------------------------------------------------------------------------------- */

Test(llm, four_in_flight_at_once)
{
    for (int i = 0; i < 4; i++)
        s_push(CHAT, (fake_openai_answer_t){.delay_ms = 500});
    cs_llm_opts_t opts = s_opts();
    cs_llm_t *llm = s_client(&opts);
    s_outcome_t o[4] = {0};
    int64_t t0 = cs_now_ms();
    for (int i = 0; i < 4; i++)
        s_submit(llm, "slow", &o[i]);
    s_drain(llm, 5000);
    int64_t elapsed = cs_now_ms() - t0;
    cr_assert_lt(elapsed, 1500, "4 answers of 500 ms took %lld ms", (long long)elapsed);
    cr_assert_eq(fake_openai_max_in_progress(s_fo), 4);
    int64_t last_arrival = 0, first_answer = INT64_MAX;
    for (size_t i = 0; i < 4; i++) {
        const fake_openai_request_t *r = fake_openai_request(s_fo, i);
        last_arrival = r->at_ms > last_arrival ? r->at_ms : last_arrival;
        first_answer = r->done_ms < first_answer ? r->done_ms : first_answer;
        cr_assert_eq(o[i].status, CS_LLM_OK, "%s", o[i].error);
        cr_assert_geq(o[i].latency_ms, 450);
    }
    cr_assert_lt(last_arrival, first_answer, "the requests did not overlap");
    s_outcomes_free(o, 4);
    cs_llm_destroy(&llm);
}

Test(llm, never_more_than_concurrency)
{
    /* 16 answers of 300 ms, 2 at a time: the last pair starts after 2.1 s in our queue, which
       must not count towards the 2 s timeout (the CURLOPT_TIMEOUT_MS trap); each answer itself
       has 1.7 s to spare, for a loaded machine or valgrind */
    enum { N = 16 };
    for (int i = 0; i < N; i++)
        s_push(CHAT, (fake_openai_answer_t){.delay_ms = 300});
    cs_llm_opts_t opts = s_opts();
    opts.concurrency = 2;
    opts.timeout_ms = 2000;
    cs_llm_t *llm = s_client(&opts);
    s_outcome_t o[N] = {0};
    int64_t t0 = cs_now_ms();
    for (int i = 0; i < N; i++)
        s_submit(llm, "slow", &o[i]);
    cr_assert_eq(cs_llm_pending(llm), N);
    s_drain(llm, 20000);
    int64_t elapsed = cs_now_ms() - t0;
    for (int i = 0; i < N; i++) {
        cr_assert_eq(o[i].status, CS_LLM_OK, "request %d: %s", i, o[i].error);
        cr_assert_eq(o[i].attempts, 1, "request %d: %d attempts", i, o[i].attempts);
    }
    cr_assert_eq(fake_openai_max_in_progress(s_fo), 2, "%d in progress at once",
                 fake_openai_max_in_progress(s_fo));
    cr_assert_geq(elapsed, N / 2 * 300 - 50, "%d answers of 300 ms, 2 at a time, took %lld ms", N,
                  (long long)elapsed);
    cr_assert_geq(o[N - 1].queued_ms, opts.timeout_ms + 50, "the last one waited %lld ms",
                  (long long)o[N - 1].queued_ms);
    cr_assert_eq(fake_openai_request_count(s_fo), N);
    s_outcomes_free(o, N);
    cs_llm_destroy(&llm);
}

/* A callback that asks again once, from inside the callback. */
typedef struct {
    cs_llm_t *llm;
    int calls;
    s_outcome_t second;
} s_again_t;

static void s_ask_again(void *arg, const cs_llm_result_t *r)
{
    s_again_t *a = arg;
    a->calls++;
    cr_assert_eq(r->status, CS_LLM_OK);
    json_t *body = s_chat_body("second");
    cr_assert_eq(cs_llm_submit(a->llm, CHAT, body, s_on_done, &a->second), 0);
    json_decref(body);
    cr_assert_eq(cs_llm_pending(a->llm), 1);
}

Test(llm, callback_may_submit)
{
    cs_llm_opts_t opts = s_opts();
    s_again_t a = {.llm = s_client(&opts)};
    json_t *body = s_chat_body("first");
    cr_assert_eq(cs_llm_submit(a.llm, CHAT, body, s_ask_again, &a), 0);
    json_decref(body);
    s_drain(a.llm, 5000);
    cr_assert_eq(a.calls, 1);
    cr_assert_eq(a.second.calls, 1);
    cr_assert_str_eq(cs_llm_chat_content(a.second.response, NULL, NULL, NULL), "second");
    s_outcomes_free(&a.second, 1);
    cs_llm_destroy(&a.llm);
}

/* Rate limits -------------------------------------------------------------------------------- */

Test(llm, retry_after_seconds)
{
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_RATE_LIMIT, .retry_after = "1"});
    cs_llm_opts_t opts = s_opts();
    cs_llm_t *llm = s_client(&opts);
    s_outcome_t o = {0};
    s_submit(llm, "hi", &o);
    s_drain(llm, 10000);
    cr_assert_eq(o.status, CS_LLM_OK, "%s", o.error);
    cr_assert_eq(o.attempts, 2);
    cr_assert_eq(fake_openai_request(s_fo, 0)->status, 429);
    cr_assert_geq(s_gap(0), 990, "waited only %lld ms", (long long)s_gap(0));
    cr_assert_geq(o.queued_ms, 950);
    cs_llm_stats_t st;
    cs_llm_stats(llm, &st);
    cr_assert_eq(st.rate_limited, 1);
    cr_assert_eq(st.retries, 1);
    cr_assert_eq(st.attempts, 2);
    s_outcomes_free(&o, 1);
    cs_llm_destroy(&llm);
}

static void s_http_date(time_t t, char *out, size_t outlen)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, outlen, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

Test(llm, retry_after_http_date)
{
    char future[64], past[64];
    s_http_date(time(NULL) + 2, future, sizeof future);
    s_http_date(time(NULL) - 3600, past, sizeof past);
    /* a date in the past: curl 7.88 reports a negative wait, which must not become a huge one */
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_RATE_LIMIT, .retry_after = past});
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_RATE_LIMIT, .retry_after = future});
    cs_llm_opts_t opts = s_opts();
    int64_t t0 = cs_now_ms();
    s_outcome_t o = s_one(&opts, "hi");
    cr_assert_eq(o.status, CS_LLM_OK, "%s", o.error);
    cr_assert_eq(o.attempts, 3);
    cr_assert_lt(s_gap(0), 900, "a past date made us wait %lld ms", (long long)s_gap(0));
    cr_assert_geq(s_gap(1), 900, "a date 2 s ahead made us wait %lld ms", (long long)s_gap(1));
    cr_assert_lt(cs_now_ms() - t0, 5000);
    s_outcomes_free(&o, 1);
}

Test(llm, duration_parsing)
{
    cr_assert_eq(cs_llm_duration_ms("1s"), 1000);
    cr_assert_eq(cs_llm_duration_ms("6m0s"), 360000);
    cr_assert_eq(cs_llm_duration_ms("20ms"), 20);
    cr_assert_eq(cs_llm_duration_ms("1m30.5s"), 90500);
    cr_assert_eq(cs_llm_duration_ms("0.5s"), 500);
    cr_assert_eq(cs_llm_duration_ms("17.28s"), 17280);
    cr_assert_eq(cs_llm_duration_ms("1h2m3s"), 3723000);
    cr_assert_eq(cs_llm_duration_ms("1.5ms"), 2); /* rounded up: never retry early */
    cr_assert_eq(cs_llm_duration_ms("250us"), 1);
    cr_assert_eq(cs_llm_duration_ms("0"), 0);
    cr_assert_eq(cs_llm_duration_ms("0s"), 0);
    cr_assert_eq(cs_llm_duration_ms(" 2s\r\n"), 2000);
    cr_assert_eq(cs_llm_duration_ms(""), -1);
    cr_assert_eq(cs_llm_duration_ms("s"), -1);
    cr_assert_eq(cs_llm_duration_ms("12"), -1);
    cr_assert_eq(cs_llm_duration_ms("1x"), -1);
    cr_assert_eq(cs_llm_duration_ms("-1s"), -1);
    cr_assert_eq(cs_llm_duration_ms("1s garbage"), -1);
    cr_assert_eq(cs_llm_duration_ms("99999999999999999999h"), -1);
    cr_assert_eq(cs_llm_duration_ms(NULL), -1);
}

Test(llm, ratelimit_reset_headers)
{
    /* no Retry-After: the larger of the two resets */
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_RATE_LIMIT,
                                        .reset_requests = "1s",
                                        .reset_tokens = "250ms"});
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_RATE_LIMIT,
                                        .reset_requests = "20ms",
                                        .reset_tokens = "0m1.2s"});
    cs_llm_opts_t opts = s_opts();
    s_outcome_t o = s_one(&opts, "hi");
    cr_assert_eq(o.status, CS_LLM_OK, "%s", o.error);
    cr_assert_eq(o.attempts, 3);
    cr_assert_geq(s_gap(0), 990, "waited %lld ms", (long long)s_gap(0));
    cr_assert_geq(s_gap(1), 1190, "waited %lld ms", (long long)s_gap(1));
    s_outcomes_free(&o, 1);

    /* a reset past the retry budget is not waited for (retrying before it is pointless) */
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_RATE_LIMIT, .reset_tokens = "6m0s"});
    opts.retry_budget_ms = 300;
    int64_t t0 = cs_now_ms();
    o = s_one(&opts, "hi");
    cr_assert_eq(o.status, CS_LLM_FAILED, "%s", o.error);
    cr_assert_eq(o.attempts, 1);
    cr_assert_lt(cs_now_ms() - t0, 1000);
    s_outcomes_free(&o, 1);
}

/* The arrival span of requests first..last at the fake. */
static int64_t s_span(size_t first, size_t last)
{
    const fake_openai_request_t *a = fake_openai_request(s_fo, first);
    const fake_openai_request_t *b = fake_openai_request(s_fo, last);
    cr_assert(a && b);
    return b->at_ms - a->at_ms;
}

Test(llm, paces_requests_to_the_limit_the_provider_names)
{
    /* the first answer names 120 requests a minute: two a second from then on */
    for (int i = 0; i < 6; i++)
        s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_CHAT,
                                            .content = "ok",
                                            .limit_requests = "120",
                                            .limit_tokens = "1000000"});
    cs_llm_opts_t opts = s_opts();
    opts.concurrency = 8;
    cs_llm_t *llm = s_client(&opts);
    s_outcome_t o[6] = {0};
    s_submit(llm, "learn", &o[0]);
    s_drain(llm, 5000);
    double rate, limit;
    cs_llm_pace(llm, CHAT, &rate, &limit);
    cr_assert_float_eq(limit, 2.0, 1e-9);
    cr_assert_float_eq(rate, 2.0, 1e-9);
    cs_llm_pace(llm, "/embeddings", &rate, &limit);
    cr_assert_float_eq(limit, 0, 1e-9, "another endpoint (another model) has its own limit");
    /* five at once: two go at once (the pace is one request deep), then one each 500 ms */
    for (int i = 1; i < 6; i++)
        s_submit(llm, "paced", &o[i]);
    s_drain(llm, 10000);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(o[i].status, CS_LLM_OK, "%s", o[i].error);
    cr_assert_geq(s_span(1, 5), 1450, "5 requests at 2/s came within %lld ms",
                  (long long)s_span(1, 5));
    s_outcomes_free(o, 6);
    cs_llm_destroy(&llm);
}

Test(llm, the_remaining_headers_steer_the_pace)
{
    /* 600 a minute named, 6 left for the next second: the pace starts at what was sent (one in
       flight for ~200 ms: 5/s) plus half the spare (3/s), not at the whole limit (10/s) */
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_CHAT,
                                        .content = "ok",
                                        .delay_ms = 200,
                                        .limit_requests = "600",
                                        .remaining_requests = "6",
                                        .reset_requests = "1s"});
    /* nothing left for the second: one count is noisy, the mean share (0.9 x 0.6) is still
       ample, and the climb is five thousandths of the limit */
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_CHAT,
                                        .content = "ok",
                                        .limit_requests = "600",
                                        .remaining_requests = "0",
                                        .reset_requests = "800ms"});
    cs_llm_opts_t opts = s_opts();
    opts.concurrency = 1;
    cs_llm_t *llm = s_client(&opts);
    s_outcome_t o[2] = {0};
    double rate[2], limit;
    for (int i = 0; i < 2; i++) {
        s_submit(llm, "steer", &o[i]);
        s_drain(llm, 5000);
        cr_assert_eq(o[i].status, CS_LLM_OK, "%s", o[i].error);
        cs_llm_pace(llm, CHAT, &rate[i], &limit);
    }
    cr_assert_float_eq(limit, 10.0, 1e-9);
    /* at most 5 + 3 (the latency is 200 ms or more), more than the half spare alone */
    cr_assert(rate[0] > 3.0 && rate[0] <= 8.0, "started at %.3f/s", rate[0]);
    cr_assert_float_eq(rate[1], rate[0] + 0.05, 1e-9);
    s_outcomes_free(o, 2);
    cs_llm_destroy(&llm);
}

Test(llm, the_window_is_that_of_the_endpoints_in_use)
{
    /* an embeddings-only client (the matcher with an offline judge): its window grows with its
       answers (slow start, one more per answer) and is not held to the unused chat lane's 4 */
    cs_llm_opts_t opts = s_opts();
    opts.concurrency = 32;
    cs_llm_t *llm = s_client(&opts);
    cr_assert_eq(cs_llm_window(llm), 4, "nothing used yet: the first window");
    s_outcome_t o[10] = {0};
    json_t *body = json_pack("{s:s, s:[s]}", "model", "text-embedding-3-small", "input", "x");
    for (int i = 0; i < 10; i++)
        cr_assert_eq(cs_llm_submit(llm, "/embeddings", body, s_on_done, &o[i]), 0);
    json_decref(body);
    s_drain(llm, 10000);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(o[i].status, CS_LLM_OK, "%s", o[i].error);
    cr_assert_eq(cs_llm_window(llm), 14);
    s_outcomes_free(o, 10);
    cs_llm_destroy(&llm);
}

Test(llm, a_configured_rpm_paces_from_the_first_request)
{
    cs_llm_opts_t opts = s_opts();
    opts.concurrency = 8;
    opts.rpm = 240; /* 4 a second */
    cs_llm_t *llm = s_client(&opts);
    s_outcome_t o[6] = {0};
    /* one request first, so that the connection is up and the arrivals show the pace (under
       valgrind, opening connections takes long enough to bunch the first arrivals) */
    s_submit(llm, "first", &o[0]);
    s_drain(llm, 5000);
    for (int i = 1; i < 6; i++)
        s_submit(llm, "paced", &o[i]);
    s_drain(llm, 10000);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(o[i].status, CS_LLM_OK, "%s", o[i].error);
    /* 250 ms apart from the first: the next is due 250 ms after it, the last 1 s after */
    cr_assert_geq(s_span(1, 5), 700, "5 requests at 4/s came within %lld ms",
                  (long long)s_span(1, 5));
    s_outcomes_free(o, 6);
    cs_llm_destroy(&llm);
}

Test(llm, a_429_that_names_its_wait_uses_no_attempt)
{
    /* four 429s that say when to come back, then an answer: 3 attempts are enough */
    for (int i = 0; i < 4; i++)
        s_push(CHAT,
               (fake_openai_answer_t){.kind = FAKE_OPENAI_RATE_LIMIT, .retry_after_ms = "30"});
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_CHAT, .content = "ok"});
    cs_llm_opts_t opts = s_opts();
    opts.max_attempts = 3;
    s_outcome_t o = s_one(&opts, "hi");
    cr_assert_eq(o.status, CS_LLM_OK, "%s", o.error);
    cr_assert_eq(o.attempts, 5);
    s_outcomes_free(&o, 1);
    /* without a named wait each 429 is an attempt (the next test), and with one the budget
       still ends it */
    for (int i = 0; i < 10; i++)
        s_push(CHAT,
               (fake_openai_answer_t){.kind = FAKE_OPENAI_RATE_LIMIT, .retry_after_ms = "100"});
    opts.retry_budget_ms = 350;
    o = s_one(&opts, "hi");
    cr_assert_eq(o.status, CS_LLM_FAILED);
    cr_assert_str_eq(o.cause, "llm_rate_limited");
    cr_assert_leq(o.attempts, 5, "the budget of 350 ms holds at most 4 waits of 100 ms");
    s_outcomes_free(&o, 1);
}

Test(llm, rate_limited_until_the_end)
{
    for (int i = 0; i < 3; i++)
        s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_RATE_LIMIT});
    cs_llm_opts_t opts = s_opts();
    opts.max_attempts = 3;
    s_outcome_t o = s_one(&opts, "hi");
    cr_assert_eq(o.status, CS_LLM_FAILED);
    cr_assert_eq(o.http_status, 429);
    cr_assert_str_eq(o.error, "429 rate limited after 3 attempts");
    cr_assert_str_eq(o.cause, "llm_rate_limited");
    cr_assert_eq(fake_openai_request_count(s_fo), 3);
    s_outcomes_free(&o, 1);
}

Test(llm, insufficient_quota_is_fatal_at_once)
{
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_QUOTA});
    cs_llm_opts_t opts = s_opts();
    opts.concurrency = 1;
    cs_llm_t *llm = s_client(&opts);
    s_outcome_t o[4] = {0};
    for (int i = 0; i < 3; i++)
        s_submit(llm, "hi", &o[i]);
    s_drain(llm, 5000);
    cr_assert_eq(fake_openai_request_count(s_fo), 1, "only one request may go out");
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(o[i].status, CS_LLM_FATAL);
        cr_assert(strstr(o[i].error, "OpenAI says the account is out of quota "
                                     "(insufficient_quota): check billing or OPENAI_API_KEY"),
                  "%s", o[i].error);
        cr_assert(strstr(o[i].error, "You exceeded your current quota"), "%s", o[i].error);
    }
    cr_assert_eq(o[0].attempts, 1);
    cr_assert_eq(o[0].http_status, 429);
    cr_assert_str_eq(o[0].cause, "llm_quota");
    cr_assert_str_eq(o[2].cause, "llm_quota", "queued requests end with the same cause");
    cr_assert_str_eq(cs_llm_fatal_cause(llm), "llm_quota");
    cr_assert_eq(o[1].attempts, 0);
    cr_assert_not_null(cs_llm_fatal_error(llm));
    /* a later request never goes out either, and still gets its callback */
    s_submit(llm, "later", &o[3]);
    s_drain(llm, 1000);
    cr_assert_eq(o[3].calls, 1);
    cr_assert_eq(o[3].status, CS_LLM_FATAL);
    cr_assert_eq(fake_openai_request_count(s_fo), 1);
    cs_llm_stats_t st;
    cs_llm_stats(llm, &st);
    cr_assert_eq(st.rate_limited, 0);
    cr_assert_eq(st.failed, 4);
    cr_assert_eq(st.attempts, 1);
    s_outcomes_free(o, 4);
    cs_llm_destroy(&llm);
}

/* Errors ------------------------------------------------------------------------------------- */

Test(llm, unauthorized_is_fatal)
{
    fake_openai_set_api_key(s_fo, "sk-the-right-one-0000");
    cs_llm_opts_t opts = s_opts();
    s_outcome_t o = s_one(&opts, "hi");
    cr_assert_eq(o.status, CS_LLM_FATAL);
    cr_assert_eq(o.http_status, 401);
    cr_assert_eq(o.attempts, 1);
    cr_assert(strstr(o.error, "(HTTP 401): check OPENAI_API_KEY"), "%s", o.error);
    cr_assert_str_eq(o.cause, "llm_auth");
    cr_assert(strstr(o.error, "Incorrect API key provided"), "%s", o.error);
    cr_assert_null(strstr(o.error, KEY), "the key leaked into the error: %s", o.error);
    cr_assert_eq(fake_openai_request_count(s_fo), 1);
    s_outcomes_free(&o, 1);
}

Test(llm, forbidden_is_fatal)
{
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_ERROR, .status = 403});
    cs_llm_opts_t opts = s_opts();
    s_outcome_t o = s_one(&opts, "hi");
    cr_assert_eq(o.status, CS_LLM_FATAL);
    cr_assert_eq(o.http_status, 403);
    cr_assert_str_eq(o.cause, "llm_auth");
    cr_assert(strstr(o.error, "OPENAI_API_KEY"), "%s", o.error);
    s_outcomes_free(&o, 1);
}

Test(llm, bad_request_is_not_retried)
{
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_ERROR,
                                        .status = 400,
                                        .message = "Invalid value for 'temperature'.\nSee docs"});
    cs_llm_opts_t opts = s_opts();
    s_outcome_t o = s_one(&opts, "hi");
    cr_assert_eq(o.status, CS_LLM_FAILED);
    cr_assert_eq(o.http_status, 400);
    cr_assert_eq(o.attempts, 1);
    cr_assert_str_eq(o.error, "HTTP 400: Invalid value for 'temperature'. See docs");
    cr_assert_str_eq(o.cause, "other");
    cr_assert_eq(fake_openai_request_count(s_fo), 1);
    s_outcomes_free(&o, 1);
}

Test(llm, other_servers_error_shapes)
{
    /* Ollama: {"error": "text"}; a proxy: plain text */
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_RAW,
                                        .status = 404,
                                        .body = "{\"error\":\"model \\\"llama9\\\" not found\"}"});
    s_push(CHAT, (fake_openai_answer_t){
                     .kind = FAKE_OPENAI_RAW, .status = 413, .body = "Request Entity Too Large"});
    cs_llm_opts_t opts = s_opts();
    s_outcome_t o = s_one(&opts, "hi");
    cr_assert_str_eq(o.error, "HTTP 404: model \"llama9\" not found");
    s_outcomes_free(&o, 1);
    o = s_one(&opts, "hi");
    cr_assert_str_eq(o.error, "HTTP 413: Request Entity Too Large");
    s_outcomes_free(&o, 1);
}

Test(llm, server_errors_then_ok)
{
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_ERROR, .status = 500});
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_ERROR, .status = 502});
    cs_llm_opts_t opts = s_opts();
    cs_llm_t *llm = s_client(&opts);
    s_outcome_t o = {0};
    s_submit(llm, "hi", &o);
    s_drain(llm, 5000);
    cr_assert_eq(o.status, CS_LLM_OK, "%s", o.error);
    cr_assert_eq(o.attempts, 3);
    cr_assert_eq(fake_openai_request_count(s_fo), 3);
    cs_llm_stats_t st;
    cs_llm_stats(llm, &st);
    cr_assert_eq(st.retries, 2);
    cr_assert_eq(st.succeeded, 1);
    s_outcomes_free(&o, 1);
    cs_llm_destroy(&llm);
}

Test(llm, server_errors_forever)
{
    for (int i = 0; i < 5; i++)
        s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_ERROR, .status = 503});
    cs_llm_opts_t opts = s_opts();
    opts.max_attempts = 3;
    s_outcome_t o = s_one(&opts, "hi");
    cr_assert_eq(o.status, CS_LLM_FAILED);
    cr_assert_eq(o.attempts, 3);
    cr_assert_str_eq(o.error, "gave up after 3 attempts: HTTP 503: The engine is currently "
                              "overloaded, please try again later.");
    cr_assert_str_eq(o.cause, "llm_unreachable");
    cr_assert_eq(fake_openai_request_count(s_fo), 3);
    s_outcomes_free(&o, 1);
}

Test(llm, invalid_json_is_retried)
{
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_INVALID_JSON});
    cs_llm_opts_t opts = s_opts();
    s_outcome_t o = s_one(&opts, "hi");
    cr_assert_eq(o.status, CS_LLM_OK, "%s", o.error);
    cr_assert_eq(o.attempts, 2);
    s_outcomes_free(&o, 1);

    opts.max_attempts = 2;
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_INVALID_JSON});
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_RAW, .body = "[1, 2]"});
    o = s_one(&opts, "hi");
    cr_assert_eq(o.status, CS_LLM_FAILED);
    cr_assert_eq(o.attempts, 2);
    cr_assert(strstr(o.error, "gave up after 2 attempts: invalid JSON in response"), "%s", o.error);
    cr_assert_str_eq(o.cause, "llm_invalid_answer");
    s_outcomes_free(&o, 1);
}

Test(llm, truncated_and_cut_bodies_are_retried)
{
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_TRUNCATED, .content = "abc"});
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_CUT});
    cs_llm_opts_t opts = s_opts();
    s_outcome_t o = s_one(&opts, "whole");
    cr_assert_eq(o.status, CS_LLM_OK, "%s", o.error);
    cr_assert_eq(o.attempts, 3);
    cr_assert_str_eq(cs_llm_chat_content(o.response, NULL, NULL, NULL), "whole");
    s_outcomes_free(&o, 1);
}

Test(llm, response_over_the_cap_fails)
{
    char big[4096];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_CHAT, .content = big});
    cs_llm_opts_t opts = s_opts();
    opts.max_response_bytes = 1024;
    s_outcome_t o = s_one(&opts, "hi");
    cr_assert_eq(o.status, CS_LLM_FAILED);
    cr_assert_eq(o.attempts, 1);
    cr_assert(strstr(o.error, "larger than the 1024-byte cap"), "%s", o.error);
    cr_assert_str_eq(o.cause, "llm_invalid_answer");
    s_outcomes_free(&o, 1);
}

Test(llm, timeouts_are_retried_then_fail)
{
    /* a 1 s timeout against answers of 4 s: the quick answer has the whole second to come,
       even under valgrind on a loaded machine; waiting for a slow one would take 4 s */
    cs_llm_opts_t opts = s_opts();
    opts.timeout_ms = 1000;
    opts.max_attempts = 2;
    /* slow once: the second attempt answers */
    s_push(CHAT, (fake_openai_answer_t){.delay_ms = 4000});
    int64_t t0 = cs_now_ms();
    s_outcome_t o = s_one(&opts, "hi");
    cr_assert_eq(o.status, CS_LLM_OK, "%s", o.error);
    cr_assert_eq(o.attempts, 2);
    cr_assert_lt(cs_now_ms() - t0, 3500);
    s_outcomes_free(&o, 1);

    /* slow every time: an error after max_attempts */
    s_push(CHAT, (fake_openai_answer_t){.delay_ms = 4000});
    s_push(CHAT, (fake_openai_answer_t){.delay_ms = 4000});
    t0 = cs_now_ms();
    o = s_one(&opts, "hi");
    cr_assert_eq(o.status, CS_LLM_FAILED);
    cr_assert_eq(o.attempts, 2);
    cr_assert_eq(o.http_status, 0);
    cr_assert_str_eq(o.error, "gave up after 2 attempts: no complete answer within 1000 ms");
    cr_assert_str_eq(o.cause, "llm_unreachable");
    cr_assert_lt(cs_now_ms() - t0, 3500);
    cr_assert_geq(o.latency_ms, 990);
    s_outcomes_free(&o, 1);
}

Test(llm, connection_refused_is_retried)
{
    /* a port nobody listens on: the fake's, once it is stopped */
    char base[128];
    snprintf(base, sizeof base, "%s", fake_openai_url(s_fo));
    cs_llm_opts_t opts = s_opts();
    fake_openai_stop(&s_fo);
    opts.base_url = base;
    opts.max_attempts = 3;
    s_outcome_t o = s_one(&opts, "hi");
    cr_assert_eq(o.status, CS_LLM_FAILED);
    cr_assert_eq(o.attempts, 3);
    cr_assert(strstr(o.error, "gave up after 3 attempts"), "%s", o.error);
    cr_assert_str_eq(o.cause, "llm_unreachable");
    s_outcomes_free(&o, 1);
}

Test(llm, the_codes_of_an_account_that_cannot_pay_are_fatal)
{
    /* OpenAI may keep the type of these 429s generic and name the limit in the code */
    const char *codes[] = {"credit_balance_exhausted", "organization_spend_limit_exceeded",
                           "project_spend_limit_exceeded", "organization_usage_limit_exceeded"};
    for (size_t i = 0; i < CS_ARRAY_LEN(codes); i++) {
        s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_ERROR,
                                            .status = 429,
                                            .error_type = "billing_error",
                                            .error_code = codes[i],
                                            .message = "Your organization cannot pay."});
        cs_llm_opts_t opts = s_opts();
        s_outcome_t o = s_one(&opts, "hi");
        cr_assert_eq(o.status, CS_LLM_FATAL, "%s: %s", codes[i], o.error);
        cr_assert_eq(o.attempts, 1, "%s was retried", codes[i]);
        cr_assert_str_eq(o.cause, "llm_quota");
        s_outcomes_free(&o, 1);
    }
}

Test(llm, a_retry_after_longer_than_the_budget_fails_at_once)
{
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_RATE_LIMIT, .retry_after = "600"});
    cs_llm_opts_t opts = s_opts();
    opts.retry_budget_ms = 30000;
    int64_t t0 = cs_now_ms();
    cs_llm_t *llm = s_client(&opts);
    s_outcome_t o = {0};
    s_submit(llm, "hi", &o);
    s_drain(llm, 5000);
    cr_assert_lt(cs_now_ms() - t0, 2000, "waited for a Retry-After past the budget");
    cr_assert_eq(o.status, CS_LLM_FAILED);
    cr_assert_eq(o.attempts, 1);
    cr_assert_eq(o.http_status, 429);
    cr_assert_str_eq(o.cause, "llm_rate_limited");
    cr_assert(strstr(o.error, "the API asks to wait 600 s (Retry-After)"), "%s", o.error);
    cr_assert(strstr(o.error, "30 s retry budget"), "%s", o.error);
    cr_assert_eq(cs_metrics_value("callsift_llm_errors_total", "cause=\"llm_rate_limited\""), 1);
    cr_assert_null(cs_llm_fatal_error(llm), "a rate limit is not fatal");
    cs_llm_destroy(&llm);
    s_outcomes_free(&o, 1);

    /* a token limit that resets in six minutes: the same */
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_RATE_LIMIT, .reset_tokens = "6m0s"});
    opts.retry_budget_ms = 0; /* the default, 60 s */
    t0 = cs_now_ms();
    o = s_one(&opts, "hi");
    cr_assert_lt(cs_now_ms() - t0, 2000);
    cr_assert_str_eq(o.cause, "llm_rate_limited");
    cr_assert(strstr(o.error, "360 s (x-ratelimit-reset-tokens)"), "%s", o.error);
    s_outcomes_free(&o, 1);

    /* waits that fit are still waited, until the budget is spent */
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_RATE_LIMIT, .retry_after = "1"});
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_RATE_LIMIT, .retry_after = "1"});
    opts.retry_budget_ms = 1500;
    t0 = cs_now_ms();
    o = s_one(&opts, "hi");
    cr_assert_eq(o.status, CS_LLM_FAILED);
    cr_assert_eq(o.attempts, 2, "the first 1 s wait fits in 1.5 s, the second does not");
    cr_assert_geq(cs_now_ms() - t0, 950);
    cr_assert(strstr(o.error, "more than the 0.5 s left of the 1.5 s retry budget"), "%s", o.error);
    s_outcomes_free(&o, 1);
}

Test(llm, a_backoff_does_not_stall_the_others)
{
    /* whichever request arrives first waits 2 s; the others must not wait with it, and its
       slot is free meanwhile: with 2 slots, the third request goes out at once */
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_RATE_LIMIT, .retry_after = "2"});
    cs_llm_opts_t opts = s_opts();
    opts.concurrency = 2;
    cs_llm_t *llm = s_client(&opts);
    s_outcome_t o[3] = {0};
    int64_t t0 = cs_now_ms();
    for (int i = 0; i < 3; i++)
        s_submit(llm, "hi", &o[i]);
    s_drain(llm, 10000);
    int fast = 0, slow = 0;
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(o[i].status, CS_LLM_OK, "%s", o[i].error);
        if (o[i].attempts == 1) {
            cr_assert_lt(o[i].done_ms - t0, 1000, "request %d took %lld ms", i,
                         (long long)(o[i].done_ms - t0));
            fast++;
        } else {
            cr_assert_geq(o[i].done_ms - t0, 2000);
            slow++;
        }
    }
    cr_assert_eq(fast, 2);
    cr_assert_eq(slow, 1);
    s_outcomes_free(o, 3);
    cs_llm_destroy(&llm);
}

/* Helpers, stop, destroy, secrets ------------------------------------------------------------ */

Test(llm, cached_tokens_are_read_from_the_prompt_tokens_details)
{
    json_t *r = json_loads("{\"usage\": {\"prompt_tokens\": 2006, \"completion_tokens\": 300, "
                           "\"prompt_tokens_details\": {\"cached_tokens\": 1920}}}",
                           0, NULL);
    cr_assert_eq(cs_llm_cached_tokens(r), 1920);
    json_decref(r);
    /* more cached than prompt tokens is capped; none, negative or no usage is 0 */
    r = json_loads("{\"usage\": {\"prompt_tokens\": 10, \"prompt_tokens_details\": "
                   "{\"cached_tokens\": 4096}}}",
                   0, NULL);
    cr_assert_eq(cs_llm_cached_tokens(r), 10);
    json_decref(r);
    r = json_loads("{\"usage\": {\"prompt_tokens\": 10, \"prompt_tokens_details\": "
                   "{\"cached_tokens\": -5}}}",
                   0, NULL);
    cr_assert_eq(cs_llm_cached_tokens(r), 0);
    json_decref(r);
    r = json_loads("{\"usage\": {\"prompt_tokens\": 10}}", 0, NULL);
    cr_assert_eq(cs_llm_cached_tokens(r), 0);
    json_decref(r);
    cr_assert_eq(cs_llm_cached_tokens(NULL), 0);
}

Test(llm, cached_prompt_tokens_cost_the_cached_price)
{
    double cached = -1;
    cr_assert(cs_llm_model_cached_price("gpt-4o-mini-2024-07-18", &cached));
    cr_assert_float_eq(cached, 0.075, 1e-12);
    cr_assert(cs_llm_model_cached_price("gpt-4o", &cached));
    cr_assert_float_eq(cached, 1.25, 1e-12);
    cr_assert(cs_llm_model_cached_price("gpt-4.1-mini", &cached));
    cr_assert_float_eq(cached, 0.10, 1e-12);
    cr_assert_not(cs_llm_model_cached_price("gpt-3.5-turbo", &cached), "no cached price listed");
    cr_assert_not(cs_llm_model_cached_price("llama3", &cached));
    /* 2006 prompt tokens of which 1920 cached, 300 completion, gpt-4o-mini:
       86 * 0.15 + 1920 * 0.075 + 300 * 0.60 per million */
    double cost = cs_llm_cost_usd(2006, 1920, 300, 0.15, 0.075, 0.60);
    cr_assert_float_eq(cost, (86 * 0.15 + 1920 * 0.075 + 300 * 0.60) / 1e6, 1e-15);
    cr_assert_lt(cost, cs_llm_cost_usd(2006, 0, 300, 0.15, 0.075, 0.60));
    /* no cached price known: the caller passes the input price, and nothing changes */
    cr_assert_float_eq(cs_llm_cost_usd(2006, 1920, 300, 0.15, 0.15, 0.60),
                       cs_llm_cost_usd(2006, 0, 300, 0.15, 0.15, 0.60), 1e-15);
    /* cached is clamped to the prompt; negative counts are 0 */
    cr_assert_float_eq(cs_llm_cost_usd(100, 500, 0, 1, 0.5, 1), 100 * 0.5 / 1e6, 1e-15);
    cr_assert_float_eq(cs_llm_cost_usd(-1, -1, -1, 1, 1, 1), 0.0, 1e-15);
}

Test(llm, the_fake_reports_a_prefix_it_saw_before_as_cached)
{
    /* the fake's prompt cache, as OpenAI's: a prompt sharing 1,024 tokens or more with an
       earlier one has them (in steps of 128) as cached_tokens; a short one has 0 */
    char *shared = malloc(6001);
    cr_assert_not_null(shared);
    for (int i = 0; i < 6000; i++)
        shared[i] = (char)('a' + i % 26);
    shared[6000] = '\0';
    long cached[3];
    for (int i = 0; i < 3; i++) {
        char tail[32];
        snprintf(tail, sizeof tail, " call %d", i);
        json_t *body = json_pack("{s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "model", "gpt-4o-mini",
                                 "messages", "role", "system", "content", i < 2 ? shared : "short",
                                 "role", "user", "content", tail);
        cs_llm_opts_t opts = s_opts();
        cs_llm_t *llm = s_client(&opts);
        s_outcome_t o = {0};
        cr_assert_eq(cs_llm_submit(llm, CHAT, body, s_on_done, &o), 0);
        json_decref(body);
        s_drain(llm, 20000);
        cs_llm_destroy(&llm);
        cr_assert_eq(o.status, CS_LLM_OK);
        cached[i] = cs_llm_cached_tokens(o.response);
        s_outcomes_free(&o, 1);
    }
    free(shared);
    cr_assert_eq(cached[0], 0, "nothing seen before");
    /* "<system>" + 6000 bytes + "<user> call " shared: 6,020 bytes, 1,505 tokens, 11 steps */
    cr_assert_eq(cached[1], 1408, "%ld", cached[1]);
    cr_assert_eq(cached[2], 0, "a short prompt is not cached");
}

Test(llm, chat_content_extraction)
{
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_CHAT,
                                        .content = "{\"feature_requests\": [",
                                        .finish_reason = "length",
                                        .prompt_tokens = 1234,
                                        .completion_tokens = 56});
    cs_llm_opts_t opts = s_opts();
    s_outcome_t o = s_one(&opts, "hi");
    const char *finish = NULL;
    long pt = 0, ct = 0;
    cr_assert_str_eq(cs_llm_chat_content(o.response, &finish, &pt, &ct),
                     "{\"feature_requests\": [");
    cr_assert_str_eq(finish, "length");
    cr_assert_eq(pt, 1234);
    cr_assert_eq(ct, 56);
    s_outcomes_free(&o, 1);

    json_t *refusal = json_loads("{\"choices\": [{\"index\": 0, \"message\": {\"role\": "
                                 "\"assistant\", \"content\": null, \"refusal\": \"No.\"}, "
                                 "\"finish_reason\": \"stop\"}]}",
                                 0, NULL);
    finish = NULL;
    pt = ct = 7;
    cr_assert_null(cs_llm_chat_content(refusal, &finish, &pt, &ct));
    cr_assert_str_eq(finish, "stop");
    cr_assert_eq(pt, 0);
    cr_assert_eq(ct, 0);
    json_decref(refusal);
    cr_assert_null(cs_llm_chat_content(NULL, &finish, NULL, NULL));
    cr_assert_null(finish);
}

Test(llm, stop_ends_everything_quickly)
{
    for (int i = 0; i < 2; i++)
        s_push(CHAT, (fake_openai_answer_t){.delay_ms = 5000});
    cs_llm_opts_t opts = s_opts();
    opts.concurrency = 2;
    cs_llm_t *llm = s_client(&opts);
    s_outcome_t o[3] = {0};
    for (int i = 0; i < 3; i++)
        s_submit(llm, "hi", &o[i]);
    cr_assert_eq(cs_llm_run(llm, 200), 3);
    cs_stop_request();
    int64_t t0 = cs_now_ms();
    cr_assert_eq(cs_llm_run(llm, 5000), 0);
    cr_assert_lt(cs_now_ms() - t0, 500);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(o[i].calls, 1);
        cr_assert_eq(o[i].status, CS_LLM_STOPPED);
        cr_assert_str_eq(o[i].error, "stopped");
    }
    cs_llm_destroy(&llm);
}

Test(llm, destroy_in_flight)
{
    for (int i = 0; i < 3; i++)
        s_push(CHAT, (fake_openai_answer_t){.delay_ms = 2000});
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_RATE_LIMIT, .retry_after = "30"});
    cs_llm_opts_t opts = s_opts();
    opts.concurrency = 4;
    cs_llm_t *llm = s_client(&opts);
    s_outcome_t o[6] = {0};
    for (int i = 0; i < 6; i++) /* 3 slow, 1 backing off, 2 queued */
        s_submit(llm, "hi", &o[i]);
    int64_t t0 = cs_now_ms();
    while (cs_now_ms() - t0 < 300)
        cs_llm_run(llm, 50);
    int called = 0;
    for (int i = 0; i < 6; i++)
        called += o[i].calls;
    cr_assert_eq(cs_llm_pending(llm), 6 - called);
    cr_assert_leq(called, 2, "only the 2 queued ones could finish, in the 429's slot");
    cs_llm_destroy(&llm);
    cr_assert_null(llm);
    int after = 0;
    for (int i = 0; i < 6; i++)
        after += o[i].calls;
    cr_assert_eq(after, called, "a callback ran in destroy");
    s_outcomes_free(o, 6);
}

Test(llm, key_never_logged)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    cs_log_set_stream(out);
    cs_log_set_level(CS_LOG_DEBUG);
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_RATE_LIMIT, .retry_after = "1"});
    s_push(CHAT, (fake_openai_answer_t){
                     .kind = FAKE_OPENAI_ERROR, .status = 500, .message = "oops " KEY});
    s_push(CHAT, (fake_openai_answer_t){.kind = FAKE_OPENAI_INVALID_JSON});
    cs_llm_opts_t opts = s_opts();
    s_outcome_t o = s_one(&opts, "hi");
    cr_assert_eq(o.status, CS_LLM_OK, "%s", o.error);
    s_outcomes_free(&o, 1);

    /* a wrong key, echoed in full by the server, logged by a caller */
    fake_openai_set_api_key(s_fo, "sk-the-right-one-0000");
    o = s_one(&opts, "hi");
    cr_assert_eq(o.status, CS_LLM_FATAL);
    cs_error("Extraction failed: %s", o.error);
    s_outcomes_free(&o, 1);

    cs_log_set_stream(NULL);
    fclose(out);
    cr_assert(strstr(text, "OpenAI 429 on /chat/completions: waiting 1000 ms (attempt 2 of 5)"),
              "%s", text);
    cr_assert(strstr(text, "OpenAI HTTP 500 on /chat/completions: waiting"), "%s", text);
    cr_assert(strstr(text, "OpenAI invalid JSON on /chat/completions: waiting"), "%s", text);
    cr_assert(strstr(text, "Incorrect API key provided"), "%s", text);
    cr_assert_null(strstr(text, KEY), "the key leaked:\n%s", text);
    cr_assert_null(strstr(text, "Bearer"), "a header was logged:\n%s", text);
    free(text);
}

static void s_expect_unfenced(const char *answer, const char *inside)
{
    size_t len = 99;
    const char *text = cs_llm_unfence(answer, &len);
    cr_expect(text >= answer && text + len <= answer + strlen(answer), "%s", answer);
    cr_expect_eq(len, strlen(inside), "'%s': %zu bytes, expected '%s'", answer, len, inside);
    cr_expect(strncmp(text, inside, len) == 0, "'%s' gave '%.*s', expected '%s'", answer, (int)len,
              text, inside);
}

Test(llm_unfence, fences_and_whitespace_around_the_answer_are_left_out)
{
    s_expect_unfenced("{\"a\": 1}", "{\"a\": 1}");
    s_expect_unfenced("  \n{\"a\": 1}\n\t ", "{\"a\": 1}");
    s_expect_unfenced("```json\n{\"a\": 1}\n```", "{\"a\": 1}");
    s_expect_unfenced("\n```\n{\"a\": 1}\n```\n\n", "{\"a\": 1}");
    s_expect_unfenced("```json\r\n{\"a\": 1}\r\n```  ", "{\"a\": 1}");
    s_expect_unfenced("```json\n{\"a\": 1}", "{\"a\": 1}"); /* a cut answer: no closing fence */
    s_expect_unfenced("```json\n```", "");
    s_expect_unfenced("```", "```"); /* no line break: not a fence */
    s_expect_unfenced(" \n\t", "");
    s_expect_unfenced("", "");
    s_expect_unfenced("Here: ```json\n{}\n```",
                      "Here: ```json\n{}\n```"); /* only a leading fence */
}

Test(llm_answer, api_message_reads_each_servers_form)
{
    char out[64];
    bool quota = true;
    const char *openai = "{\"error\": {\"message\": \"Bad\\nkey\", \"type\": \"invalid_request\"}}";
    cs_llm_api_message(openai, strlen(openai), out, sizeof out, &quota);
    cr_assert_str_eq(out, "Bad key"); /* control characters blanked */
    cr_assert_not(quota);
    const char *ollama = "{\"error\": \"model not found\"}";
    cs_llm_api_message(ollama, strlen(ollama), out, sizeof out, &quota);
    cr_assert_str_eq(out, "model not found");
    const char *fastapi = "{\"detail\": \"Not Found\"}";
    cs_llm_api_message(fastapi, strlen(fastapi), out, sizeof out, &quota);
    cr_assert_str_eq(out, "Not Found");
    const char *plain = "<html>bad gateway</html>";
    cs_llm_api_message(plain, strlen(plain), out, sizeof out, &quota);
    cr_assert_str_eq(out, "<html>bad gateway</html>");
    cs_llm_api_message("", 0, out, sizeof out, &quota);
    cr_assert_str_eq(out, "");
    const char *broke = "{\"error\": {\"message\": \"m\", \"type\": \"x\", \"code\": "
                        "\"project_spend_limit_exceeded\"}}";
    cs_llm_api_message(broke, strlen(broke), out, sizeof out, &quota);
    cr_assert(quota, "a quota code names an account that cannot pay, whatever the type");
}

Test(llm_answer, api_message_is_cut_on_a_character_boundary)
{
    /* "é" is two bytes: a cut between them would leave invalid UTF-8 in a log line */
    char body[128] = "{\"error\": \"";
    for (int i = 0; i < 20; i++)
        strcat(body, "\xc3\xa9");
    strcat(body, "\"}");
    char out[16]; /* room for 12 bytes of text, "..." and the NUL */
    bool quota;
    cs_llm_api_message(body, strlen(body), out, sizeof out, &quota);
    cr_assert_str_eq(out, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...");
    char odd[15]; /* 11 bytes of room: five whole characters, not five and a half */
    cs_llm_api_message(body, strlen(body), odd, sizeof odd, &quota);
    cr_assert_str_eq(odd, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...");
    cr_assert(cs_text_utf8_valid(odd, strlen(odd)));
}

/* The header lines of one answer, fed as libcurl hands them over. */
static void s_feed(cs_llm_limits_t *l, const char *const *lines)
{
    for (; *lines; lines++)
        cs_llm_limits_on_header(l, *lines, strlen(*lines));
}

Test(llm, limit_headers_and_the_wait_they_ask)
{
    cs_llm_limits_t l;
    cs_llm_limits_clear(&l);
    const char *openai[] = {
        "HTTP/1.1 429 Too Many Requests\r\n",       "x-ratelimit-limit-requests: 600\r\n",
        "x-ratelimit-limit-tokens: 2x\r\n", /* not a number: absent */
        "x-ratelimit-reset-requests: 1s\r\n",       "x-ratelimit-reset-tokens: 6m0s\r\n",
        "x-ratelimit-remaining-requests: 0\r\n", /* 0 is a value */
        "X-RateLimit-Remaining-Tokens: 149984\r\n", NULL};
    s_feed(&l, openai);
    cr_assert_float_eq(l.limit_requests, 600, 1e-9);
    cr_assert_float_eq(l.remaining_requests, 0, 1e-9);
    cr_assert_float_eq(l.remaining_tokens, 149984, 1e-9);
    const char *azure_none[] = {"x-ratelimit-remaining-tokens: -1\r\n", NULL};
    s_feed(&l, azure_none);
    cr_assert_float_eq(l.remaining_tokens, -1, 1e-9, "Azure's -1: absent");
    cr_assert_float_eq(l.limit_tokens, -1, 1e-9);
    const char *source;
    /* the later of the two resets, unless Retry-After or Azure's finer header says otherwise */
    cr_assert_eq(cs_llm_limits_wait(&l, -1, &source), 360000);
    cr_assert_str_eq(source, "x-ratelimit-reset-tokens");
    cr_assert_eq(cs_llm_limits_wait(&l, 2000, &source), 2000);
    cr_assert_str_eq(source, "Retry-After");
    const char *azure[] = {"retry-after-ms: 1500.5\r\n", NULL};
    s_feed(&l, azure);
    cr_assert_eq(cs_llm_limits_wait(&l, 2000, &source), 1501);
    cr_assert_str_eq(source, "retry-after-ms");
    /* a new status line is a new answer: nothing of the last one is left */
    const char *next[] = {"HTTP/2 200\r\n", NULL};
    s_feed(&l, next);
    cr_assert_eq(cs_llm_limits_wait(&l, -1, &source), -1);
    cr_assert_null(source);
    cr_assert_float_eq(l.limit_requests, -1, 1e-9);
    cr_assert_float_eq(l.remaining_requests, -1, 1e-9);
}

Test(llm, the_key_header_follows_the_host)
{
    struct curl_slist *h = NULL;
    cr_assert_eq(
        cs_llm_auth_headers("https://x.openai.azure.com/openai", "k1", "application/json", &h), 0);
    int azure = 0, bearer = 0, type = 0;
    for (struct curl_slist *p = h; p; p = p->next) {
        azure += strcmp(p->data, "api-key: k1") == 0;
        bearer += strncmp(p->data, "Authorization:", 14) == 0;
        type += strcmp(p->data, "Content-Type: application/json") == 0;
    }
    cr_assert_eq(azure + 10 * bearer + 100 * type, 101);
    cs_llm_headers_free(h);
    h = NULL;
    /* a host that only contains azure.com is not Azure; no content type for a multipart body */
    cr_assert_eq(cs_llm_auth_headers("https://azure.com.example.org/v1", "k2", NULL, &h), 0);
    azure = bearer = type = 0;
    for (struct curl_slist *p = h; p; p = p->next) {
        bearer += strcmp(p->data, "Authorization: Bearer k2") == 0;
        type += strncmp(p->data, "Content-Type:", 13) == 0;
    }
    cr_assert_eq(bearer + 10 * type, 1);
    cs_llm_headers_free(h);
}
