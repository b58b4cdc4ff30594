/* cs_extract: call records in, extraction records out, through the provider interface: the
   offline provider (the built-in extractor, at once) and the openai provider against the fake
   OpenAI server over real HTTP (good, fenced and invalid answers, usage and cost), and the
   choice of a provider from the shared option rows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "cs_config.h"
#include "cs_extract.h"
#include "cs_prompt_focus.h"
#include "cs_extract_budget.h"
#include "cs_extract_ops.h"
#include "cs_llm.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_provider.h"
#include "cs_record.h"
#include "cs_testdata.h"
#include "cs_testdb.h"
#include "cs_uuid.h"
#include "fake_openai.h"

#define WS "7c9e6679-7425-40de-944b-e07fc1f90ae7"

static void setup(void)
{
    cs_log_init("test");
    cs_log_set_level(CS_LOG_ERROR);
}

static void teardown(void)
{
    cs_log_reset();
}

TestSuite(extract, .init = setup, .fini = teardown, .timeout = 60);

/* ---- helpers -------------------------------------------------------------------------------- */

/* A call where the customer asks for one thing. */
static json_t *s_call(const char *external_id)
{
    json_t *call = cs_record_new(CS_KIND_CALL);
    cr_assert_not_null(call);
    json_object_set_new(call, "workspace_id", json_string(WS));
    json_object_set_new(call, "source", json_string("replay"));
    json_object_set_new(call, "external_id", json_string(external_id));
    json_object_set_new(call, "started_at", json_string("2025-10-20T17:27:28Z"));
    json_object_set_new(call, "title", json_string("Acme discovery"));
    json_t *t =
        json_pack("[{s:s, s:s, s:s, s:i, s:s}, {s:s, s:s, s:s, s:i, s:s}]", "speaker_id", "1",
                  "speaker", "Steve Park", "affiliation", "Internal", "start_ms", 0, "text",
                  "Thanks for joining! We also have a Salesforce integration.", "speaker_id", "2",
                  "speaker", "Dana Lee", "affiliation", "External", "start_ms", 5000, "text",
                  "We really need a way to sync tickets with Salesforce.");
    cr_assert_not_null(t);
    json_object_set_new(call, "transcript", t);
    return call;
}

static json_t *s_themes(void)
{
    json_t *t =
        json_pack("[{s:s, s:s, s:b}, {s:s, s:s, s:b}]", "name", "Apps and Integrations",
                  "description", "Third-party integrations with CRM, Slack", "is_default", 0,
                  "name", "Uncategorized", "description", "Everything else", "is_default", 1);
    cr_assert_not_null(t);
    return t;
}

/* An answer the LLM could give for s_call: one request quoting the customer. */
#define GOOD_ANSWER                                                                                \
    "{\"feature_requests\": [{\"title\": \"Sync tickets with Salesforce\", \"description\": "      \
    "\"Two-way ticket sync\", \"urgency\": \"high\", \"theme\": \"Apps and Integrations\", "       \
    "\"quote\": \"We really need a way to sync tickets with Salesforce.\", \"speaker\": "          \
    "\"Dana Lee\"}], \"bug_reports\": [], \"sentiment\": {\"overall\": \"positive\", \"score\": "  \
    "0.4}, \"pain_points\": [\"manual ticket copying\"], \"summary\": \"Acme wants ticket "        \
    "sync.\"}"

/* What the engine handed back. */
typedef struct {
    json_t *records[8];
    int n;
} s_sink_t;

static void s_keep(void *arg, json_t *rec)
{
    s_sink_t *sink = arg;
    cr_assert_lt(sink->n, 8);
    sink->records[sink->n++] = rec;
}

static void s_sink_free(s_sink_t *sink)
{
    for (int i = 0; i < sink->n; i++)
        json_decref(sink->records[i]);
    sink->n = 0;
}

/* The openai provider against a fresh fake server. */
typedef struct {
    fake_openai_t *fake;
    cs_llm_t *llm;
    cs_provider_t *provider;
} s_remote_t;

static void s_remote_start(s_remote_t *r)
{
    r->fake = fake_openai_start();
    cr_assert_not_null(r->fake);
    cs_llm_opts_t lo = {.base_url = fake_openai_url(r->fake),
                        .api_key = "sk-test",
                        .concurrency = 2,
                        .timeout_ms = 10000,
                        .backoff_base_ms = 10,
                        .backoff_cap_ms = 50};
    char err[256];
    r->llm = cs_llm_new(&lo, err, sizeof err);
    cr_assert_not_null(r->llm, "%s", err);
    r->provider = cs_provider_new("openai", r->llm);
    cr_assert_not_null(r->provider);
}

static void s_remote_stop(s_remote_t *r)
{
    cs_provider_destroy(&r->provider);
    cs_llm_destroy(&r->llm);
    fake_openai_stop(&r->fake);
}

static cs_extract_opts_t s_openai_opts(s_remote_t *r)
{
    return (cs_extract_opts_t){.provider = r->provider,
                               .llm = {.model = "gpt-4o-mini",
                                       .json_schema = true,
                                       .max_attempts = 2,
                                       .price_input = 0.15,
                                       .price_output = 0.60},
                               .temperature = 0.3,
                               .max_input_tokens = 12000,
                               .vendor_context = CS_PROMPT_FOCUS_DEFAULT_CONTEXT};
}

static void s_push_chat(s_remote_t *r, const char *content, long pt, long ct)
{
    fake_openai_answer_t a = {
        .kind = FAKE_OPENAI_CHAT, .content = content, .prompt_tokens = pt, .completion_tokens = ct};
    cr_assert_eq(fake_openai_push(r->fake, "/chat/completions", &a), 0);
}

/* Submit one call and drive the engine until it comes out. */
static json_t *s_extract_one(cs_extract_t *ex, s_sink_t *sink, const char *id)
{
    json_t *themes = s_themes();
    int before = sink->n;
    cs_extract_submit(ex, s_call(id), themes);
    json_decref(themes);
    for (int i = 0; i < 200 && cs_extract_run(ex, 100) > 0; i++)
        ;
    cr_assert_eq(cs_extract_pending(ex), 0);
    cr_assert_eq(sink->n, before + 1);
    return sink->records[before];
}

static const json_t *s_requests(const json_t *rec)
{
    return json_object_get(json_object_get(rec, "insights"), "feature_requests");
}

/* ---- the offline provider ------------------------------------------------------------------- */

Test(extract, offline_answers_before_submit_returns_with_its_usage)
{
    s_sink_t sink = {0};
    cs_extract_opts_t o = {.provider = NULL}; /* no provider: the local one */
    cs_extract_t *ex = cs_extract_new(&o, s_keep, &sink);
    cr_assert_not_null(ex);
    json_t *themes = s_themes();
    cs_extract_submit(ex, s_call("c1"), themes);
    json_decref(themes);
    cr_assert_eq(sink.n, 1, "the offline provider answers at once");
    cr_assert_eq(cs_extract_pending(ex), 0);
    json_t *rec = sink.records[0];
    cr_assert_str_eq(cs_rec_str(rec, "kind"), "extraction");
    cr_assert_null(json_object_get(rec, "error"));
    cr_assert_eq(json_array_size(s_requests(rec)), 1);
    cr_assert_str_eq(cs_rec_str(json_array_get(s_requests(rec), 0), "title"),
                     "Sync tickets with Salesforce");
    const json_t *llm = json_object_get(rec, "llm");
    cr_assert_str_eq(cs_rec_str(llm, "provider"), "offline");
    cr_assert_str_eq(cs_rec_str(llm, "model"), "offline");
    cr_assert_eq(cs_rec_int(llm, "prompt_tokens", -1), 0);
    cr_assert_eq(cs_rec_int(llm, "attempts", -1), 1);
    cr_assert_float_eq(cs_rec_num(llm, "cost_usd", -1), 0.0, 1e-12);
    char err[256];
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "%s", err);
    cr_assert_null(cs_extract_fatal(ex, NULL), "the offline provider never refuses");
    cs_extract_totals_t t;
    cs_extract_totals(ex, &t);
    cr_assert_eq(t.calls, 1);
    cr_assert_eq(t.features, 1);
    cr_assert_eq(t.requests, 0);
    cr_assert_eq(t.failed, 0);
    s_sink_free(&sink);
    cs_extract_destroy(&ex);
    cr_assert_null(ex);
    cs_extract_destroy(&ex); /* NULL is fine */
}

Test(extract, extract_false_and_empty_transcripts_never_reach_the_provider)
{
    s_remote_t r = {0};
    s_remote_start(&r);
    s_sink_t sink = {0};
    cs_extract_opts_t o = s_openai_opts(&r);
    cs_extract_t *ex = cs_extract_new(&o, s_keep, &sink);
    cr_assert_not_null(ex);
    json_t *themes = s_themes();
    json_t *skip = s_call("skip");
    json_object_set_new(skip, "flags", json_pack("{s:b}", "extract", 0));
    cs_extract_submit(ex, skip, themes);
    json_t *empty = s_call("empty");
    json_object_set_new(empty, "transcript", json_array());
    cs_extract_submit(ex, empty, themes);
    json_decref(themes);
    cr_assert_eq(sink.n, 2, "both come out before submit returns");
    cr_assert_str_eq(cs_rec_str(sink.records[0], "kind"), "extraction");
    cr_assert_null(json_object_get(sink.records[0], "insights"));
    cr_assert_null(json_object_get(sink.records[0], "llm"));
    cr_assert_eq(json_array_size(s_requests(sink.records[1])), 0);
    cr_assert_str_eq(
        cs_rec_str(json_object_get(json_object_get(sink.records[1], "insights"), "sentiment"),
                   "overall"),
        "neutral");
    cr_assert_eq(fake_openai_request_count(r.fake), 0);
    cs_extract_totals_t t;
    cs_extract_totals(ex, &t);
    cr_assert_eq(t.calls, 2);
    cr_assert_eq(t.passed_through, 1);
    s_sink_free(&sink);
    cs_extract_destroy(&ex);
    s_remote_stop(&r);
}

/* ---- the openai provider, over HTTP ---------------------------------------------------------- */

Test(extract, openai_good_answer_with_usage_and_cost)
{
    s_remote_t r = {0};
    s_remote_start(&r);
    s_push_chat(&r, GOOD_ANSWER, 1000, 200);
    s_sink_t sink = {0};
    cs_extract_opts_t o = s_openai_opts(&r);
    cs_extract_t *ex = cs_extract_new(&o, s_keep, &sink);
    cr_assert_not_null(ex);
    json_t *rec = s_extract_one(ex, &sink, "c1");
    cr_assert_null(json_object_get(rec, "error"), "%s", cs_rec_str(rec, "error"));
    cr_assert_eq(json_array_size(s_requests(rec)), 1);
    const json_t *req = json_array_get(s_requests(rec), 0);
    cr_assert_str_eq(cs_rec_str(req, "title"), "Sync tickets with Salesforce");
    cr_assert_str_eq(cs_rec_str(req, "theme"), "Apps and Integrations");
    cr_assert_str_eq(cs_rec_str(req, "quote"),
                     "We really need a way to sync tickets with Salesforce.");
    const json_t *llm = json_object_get(rec, "llm");
    cr_assert_str_eq(cs_rec_str(llm, "provider"), "openai");
    cr_assert_str_eq(cs_rec_str(llm, "model"), "gpt-4o-mini");
    cr_assert_eq(cs_rec_int(llm, "prompt_tokens", -1), 1000);
    cr_assert_eq(cs_rec_int(llm, "completion_tokens", -1), 200);
    cr_assert_eq(cs_rec_int(llm, "attempts", -1), 1);
    /* 1000 * 0.15 / 1e6 + 200 * 0.60 / 1e6 */
    cr_assert_float_eq(cs_rec_num(llm, "cost_usd", -1), 0.00027, 1e-9);
    char err[256];
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "%s", err);

    /* the request went to the chat endpoint with the configured model */
    const fake_openai_request_t *sent = fake_openai_last_request(r.fake, "/chat/completions");
    cr_assert_not_null(sent);
    cr_assert_str_eq(cs_rec_str(sent->body, "model"), "gpt-4o-mini");
    cr_assert_str_eq(sent->authorization, "Bearer sk-test");

    cs_extract_totals_t t;
    cs_extract_totals(ex, &t);
    cr_assert_eq(t.requests, 1);
    cr_assert_eq(t.prompt_tokens, 1000);
    cr_assert_eq(t.completion_tokens, 200);
    cr_assert_eq(t.features, 1);
    cr_assert_eq(t.failed, 0);
    cr_assert_float_eq(t.cost_usd, 0.00027, 1e-9);
    s_sink_free(&sink);
    cs_extract_destroy(&ex);
    s_remote_stop(&r);
}

/* The rep's words as a quote, a request without a quote, and one the customer said. */
#define REP_QUOTED_ANSWER                                                                          \
    "{\"feature_requests\": [{\"title\": \"Salesforce integration\", \"urgency\": \"medium\", "    \
    "\"quote\": \"We also have a Salesforce integration.\", \"speaker\": \"Steve Park\"}, "        \
    "{\"title\": \"Ticket export\", \"urgency\": \"low\", \"quote\": null}, "                      \
    "{\"title\": \"Sync tickets with Salesforce\", \"urgency\": \"high\", \"quote\": \"We "        \
    "really need a way to sync tickets with Salesforce.\", \"confidence\": 0.9}], "                \
    "\"bug_reports\": [], \"pain_points\": [], \"summary\": \"Ticket sync.\", \"language\": "      \
    "\"en\"}"

Test(extract, openai_requests_without_a_customers_quote_are_dropped_and_counted)
{
    cs_metrics_shutdown(); /* the series start at zero */
    s_remote_t r = {0};
    s_remote_start(&r);
    s_push_chat(&r, REP_QUOTED_ANSWER, 100, 50);
    s_sink_t sink = {0};
    cs_extract_opts_t o = s_openai_opts(&r);
    cs_extract_t *ex = cs_extract_new(&o, s_keep, &sink);
    cr_assert_not_null(ex);
    json_t *rec = s_extract_one(ex, &sink, "c-rep");
    cr_assert_eq(json_array_size(s_requests(rec)), 1);
    const json_t *req = json_array_get(s_requests(rec), 0);
    cr_assert_str_eq(cs_rec_str(req, "title"), "Sync tickets with Salesforce");
    cr_assert_str_eq(cs_rec_str(req, "speaker"), "Dana Lee");
    cr_assert_float_eq(cs_rec_num(req, "confidence", -1), 0.9, 1e-9);
    cr_assert_str_eq(cs_rec_str(json_object_get(rec, "insights"), "language"), "en");
    char err[256];
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "%s", err);
    cs_extract_totals_t t;
    cs_extract_totals(ex, &t);
    cr_assert_eq(t.requests_not_customer, 1);
    cr_assert_eq(t.requests_no_quote, 1);
    cr_assert_eq(t.features, 1);
    cr_assert_float_eq(cs_metrics_value("callsift_extractor_requests_dropped_total",
                                        "reason=\"quote_not_customer\""),
                       1, 1e-9);
    cr_assert_float_eq(
        cs_metrics_value("callsift_extractor_requests_dropped_total", "reason=\"no_quote\""), 1,
        1e-9);
    /* the prompt marked each line's side */
    const fake_openai_request_t *sent = fake_openai_last_request(r.fake, "/chat/completions");
    char *body = json_dumps(sent->body, 0);
    cr_assert(strstr(body, "Steve Park (vendor): Thanks for joining"), "%s", body);
    cr_assert(strstr(body, "Dana Lee (customer): We really need"), "%s", body);
    free(body);
    s_sink_free(&sink);
    cs_extract_destroy(&ex);
    s_remote_stop(&r);
    cs_metrics_shutdown();
}

Test(extract, openai_an_internal_meeting_is_not_asked_and_says_why)
{
    s_remote_t r = {0};
    s_remote_start(&r);
    s_sink_t sink = {0};
    cs_extract_opts_t o = s_openai_opts(&r);
    cs_extract_t *ex = cs_extract_new(&o, s_keep, &sink);
    cr_assert_not_null(ex);
    json_t *call = s_call("c-internal");
    /* the vendor's own staff: the second speaker is the vendor's too */
    json_object_set_new(json_array_get(json_object_get(call, "transcript"), 1), "affiliation",
                        json_string("Internal"));
    json_t *themes = s_themes();
    cs_extract_submit(ex, call, themes);
    json_decref(themes);
    for (int i = 0; i < 20 && cs_extract_run(ex, 50) > 0; i++)
        ;
    cr_assert_eq(sink.n, 1, "answered at once");
    json_t *rec = sink.records[0];
    const json_t *insights = json_object_get(rec, "insights");
    cr_assert_eq(json_array_size(s_requests(rec)), 0);
    cr_assert_eq(json_array_size(json_object_get(insights, "bug_reports")), 0);
    cr_assert_str_eq(cs_rec_str(insights, "skipped"), "internal meeting: no customer spoke");
    cr_assert_eq(fake_openai_request_count(r.fake), 0, "the LLM was not asked");
    cr_assert_eq(cs_rec_int(json_object_get(rec, "llm"), "attempts", -1), 0);
    char err[256];
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "%s", err);
    cs_extract_totals_t t;
    cs_extract_totals(ex, &t);
    cr_assert_eq(t.internal_meetings, 1);
    cr_assert_eq(t.requests, 0);
    s_sink_free(&sink);
    cs_extract_destroy(&ex);
    s_remote_stop(&r);
}

Test(extract, openai_fenced_answer_is_read_inside_its_fence)
{
    s_remote_t r = {0};
    s_remote_start(&r);
    s_push_chat(&r, "```json\n" GOOD_ANSWER "\n```\n", 10, 10);
    s_sink_t sink = {0};
    cs_extract_opts_t o = s_openai_opts(&r);
    cs_extract_t *ex = cs_extract_new(&o, s_keep, &sink);
    json_t *rec = s_extract_one(ex, &sink, "c1");
    cr_assert_null(json_object_get(rec, "error"), "%s", cs_rec_str(rec, "error"));
    cr_assert_eq(json_array_size(s_requests(rec)), 1);
    cr_assert_eq(cs_rec_int(json_object_get(rec, "llm"), "attempts", -1), 1);
    cr_assert_eq(fake_openai_count(r.fake, "/chat/completions"), 1);
    s_sink_free(&sink);
    cs_extract_destroy(&ex);
    s_remote_stop(&r);
}

Test(extract, openai_invalid_answer_is_asked_again_then_accepted)
{
    s_remote_t r = {0};
    s_remote_start(&r);
    s_push_chat(&r, "Sure! Here are the features: sync.", 100, 10);
    s_push_chat(&r, GOOD_ANSWER, 100, 50);
    s_sink_t sink = {0};
    cs_extract_opts_t o = s_openai_opts(&r);
    cs_extract_t *ex = cs_extract_new(&o, s_keep, &sink);
    json_t *rec = s_extract_one(ex, &sink, "c1");
    cr_assert_null(json_object_get(rec, "error"), "%s", cs_rec_str(rec, "error"));
    cr_assert_eq(json_array_size(s_requests(rec)), 1);
    const json_t *llm = json_object_get(rec, "llm");
    cr_assert_eq(cs_rec_int(llm, "attempts", -1), 2);
    cr_assert_eq(cs_rec_int(llm, "prompt_tokens", -1), 200, "both answers are paid for");
    cr_assert_eq(cs_rec_int(llm, "completion_tokens", -1), 60);
    cs_extract_totals_t t;
    cs_extract_totals(ex, &t);
    cr_assert_eq(t.invalid_answers, 1);
    cr_assert_eq(t.requests, 2);
    cr_assert_eq(t.failed, 0);
    s_sink_free(&sink);
    cs_extract_destroy(&ex);
    s_remote_stop(&r);
}

Test(extract, openai_answers_that_stay_invalid_fail_the_call_with_their_cause)
{
    s_remote_t r = {0};
    s_remote_start(&r);
    s_push_chat(&r, "not json", 100, 10);
    s_push_chat(&r, "[1, 2, 3]", 100, 10);
    s_push_chat(&r, GOOD_ANSWER, 100, 10); /* never asked: max_attempts is 2 */
    s_sink_t sink = {0};
    cs_extract_opts_t o = s_openai_opts(&r);
    cs_extract_t *ex = cs_extract_new(&o, s_keep, &sink);
    json_t *rec = s_extract_one(ex, &sink, "c1");
    cr_assert_str_eq(cs_rec_str(rec, "error_cause"), CS_CAUSE_LLM_INVALID);
    cr_assert(strstr(cs_rec_str(rec, "error"), "invalid LLM answer after 2 attempts"), "%s",
              cs_rec_str(rec, "error"));
    cr_assert_null(json_object_get(rec, "insights"), "a failed call carries no insights");
    const json_t *llm = json_object_get(rec, "llm");
    cr_assert_str_eq(cs_rec_str(llm, "provider"), "openai");
    cr_assert_eq(cs_rec_int(llm, "attempts", -1), 2);
    cr_assert_eq(cs_rec_int(llm, "prompt_tokens", -1), 200);
    cr_assert_eq(fake_openai_count(r.fake, "/chat/completions"), 2);
    cr_assert_eq(fake_openai_pending_answers(r.fake), 1);
    char err[256];
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "%s", err);
    cs_extract_totals_t t;
    cs_extract_totals(ex, &t);
    cr_assert_eq(t.invalid_answers, 2);
    cr_assert_eq(t.failed, 1);
    cr_assert_eq(t.features, 0);
    cr_assert_null(cs_extract_fatal(ex, NULL), "invalid answers are no refusal");
    s_sink_free(&sink);
    cs_extract_destroy(&ex);
    s_remote_stop(&r);
}

Test(extract, openai_answer_cut_at_the_token_limit_is_invalid)
{
    s_remote_t r = {0};
    s_remote_start(&r);
    fake_openai_answer_t cut = {
        .kind = FAKE_OPENAI_CHAT, .content = GOOD_ANSWER, .finish_reason = "length"};
    cr_assert_eq(fake_openai_push(r.fake, "/chat/completions", &cut), 0);
    cr_assert_eq(fake_openai_push(r.fake, "/chat/completions", &cut), 0);
    s_sink_t sink = {0};
    cs_extract_opts_t o = s_openai_opts(&r);
    cs_extract_t *ex = cs_extract_new(&o, s_keep, &sink);
    json_t *rec = s_extract_one(ex, &sink, "c1");
    cr_assert_str_eq(cs_rec_str(rec, "error_cause"), CS_CAUSE_LLM_INVALID);
    cr_assert(strstr(cs_rec_str(rec, "error"), "cut off at the token limit"), "%s",
              cs_rec_str(rec, "error"));
    s_sink_free(&sink);
    cs_extract_destroy(&ex);
    s_remote_stop(&r);
}

Test(extract, openai_refusing_the_key_is_fatal_for_this_and_every_later_call)
{
    s_remote_t r = {0};
    s_remote_start(&r);
    fake_openai_set_api_key(r.fake, "sk-other");
    s_sink_t sink = {0};
    cs_extract_opts_t o = s_openai_opts(&r);
    cs_extract_t *ex = cs_extract_new(&o, s_keep, &sink);
    json_t *first = s_extract_one(ex, &sink, "c1");
    cr_assert_str_eq(cs_rec_str(first, "error_cause"), CS_CAUSE_LLM_AUTH);
    const char *cause = NULL;
    cr_assert_not_null(cs_extract_fatal(ex, &cause));
    cr_assert_str_eq(cause, CS_CAUSE_LLM_AUTH);
    json_t *second = s_extract_one(ex, &sink, "c2");
    cr_assert_str_eq(cs_rec_str(second, "error_cause"), CS_CAUSE_LLM_AUTH);
    cr_assert_eq(fake_openai_count(r.fake, "/chat/completions"), 1, "nothing sent after a 401");
    cr_assert(strstr(cs_provider_health(cause), "OPENAI_API_KEY"));
    s_sink_free(&sink);
    cs_extract_destroy(&ex);
    s_remote_stop(&r);
}

Test(extract, openai_long_call_is_asked_in_chunks_and_merged)
{
    s_remote_t r = {0};
    s_remote_start(&r);
    s_push_chat(&r, GOOD_ANSWER, 10, 10);
    s_push_chat(&r, GOOD_ANSWER, 10, 10);
    s_push_chat(&r, GOOD_ANSWER, 10, 10);
    s_push_chat(&r, GOOD_ANSWER, 10, 10);
    s_sink_t sink = {0};
    cs_extract_opts_t o = s_openai_opts(&r);
    o.max_input_tokens = 500; /* the smallest budget */
    cs_extract_t *ex = cs_extract_new(&o, s_keep, &sink);
    json_t *themes = s_themes();
    json_t *call = s_call("long");
    json_t *t = json_object_get(call, "transcript");
    char text[1200];
    memset(text, 'a', sizeof text - 1);
    for (size_t i = 5; i < sizeof text - 1; i += 6)
        text[i] = ' ';
    text[sizeof text - 1] = '\0';
    for (int i = 0; i < 3; i++)
        json_array_append_new(t, json_pack("{s:s, s:s, s:s, s:i, s:s}", "speaker_id", "1",
                                           "speaker", "Steve Park", "affiliation", "Internal",
                                           "start_ms", 10000 + i * 1000, "text", text));
    cs_extract_submit(ex, call, themes);
    json_decref(themes);
    for (int i = 0; i < 200 && cs_extract_run(ex, 100) > 0; i++)
        ;
    cr_assert_eq(sink.n, 1);
    json_t *rec = sink.records[0];
    int asked = (int)fake_openai_count(r.fake, "/chat/completions");
    cr_assert_gt(asked, 1, "a long call is asked in parts");
    cr_assert_null(json_object_get(rec, "error"), "%s", cs_rec_str(rec, "error"));
    cr_assert_eq(json_array_size(s_requests(rec)), 1, "the parts' one request is merged once");
    cr_assert_eq(cs_rec_int(json_object_get(rec, "llm"), "attempts", -1), asked);
    s_sink_free(&sink);
    cs_extract_destroy(&ex);
    s_remote_stop(&r);
}

/* The user message of the last chat request the fake received. */
static const char *s_last_user_message(s_remote_t *r)
{
    const fake_openai_request_t *req = fake_openai_last_request(r->fake, "/chat/completions");
    cr_assert_not_null(req);
    const json_t *msgs = json_object_get(req->body, "messages");
    return json_string_value(json_object_get(json_array_get(msgs, 1), "content"));
}

Test(extract, openai_the_prompt_leaves_out_the_vendors_talk_far_from_the_customer)
{
    s_remote_t r = {0};
    s_remote_start(&r);
    s_push_chat(&r, GOOD_ANSWER, 10, 10);
    s_push_chat(&r, GOOD_ANSWER, 10, 10);
    s_sink_t sink = {0};
    cs_extract_opts_t o = s_openai_opts(&r);
    for (int whole = 0; whole < 2; whole++) {
        o.vendor_context = whole ? -1 : 1;
        cs_extract_t *ex = cs_extract_new(&o, s_keep, &sink);
        json_t *themes = s_themes();
        json_t *call = s_call(whole ? "pitch-whole" : "pitch");
        json_t *t = json_object_get(call, "transcript");
        /* after the customer's request, a ten-sentence pitch */
        for (int i = 0; i < 10; i++) {
            char text[64];
            snprintf(text, sizeof text, "Pitch sentence number %d.", i);
            json_array_append_new(t, json_pack("{s:s, s:s, s:s, s:i, s:s}", "speaker_id", "1",
                                               "speaker", "Steve Park", "affiliation", "Internal",
                                               "start_ms", 10000 + i * 1000, "text", text));
        }
        cs_extract_submit(ex, call, themes);
        json_decref(themes);
        for (int i = 0; i < 200 && cs_extract_run(ex, 100) > 0; i++)
            ;
        cs_extract_totals_t tot;
        cs_extract_totals(ex, &tot);
        const char *user = s_last_user_message(&r);
        cr_assert(strstr(user, "We really need a way to sync tickets with Salesforce."));
        /* the vendor's sentences next to the customer's are kept, with context 1 */
        cr_assert(strstr(user, "Thanks for joining!"));
        cr_assert(strstr(user, "Pitch sentence number 0."));
        if (whole) {
            cr_assert(strstr(user, "Pitch sentence number 9."));
            cr_assert_null(strstr(user, "left out"));
            cr_assert_eq(tot.vendor_left_out, 0);
        } else {
            cr_assert_null(strstr(user, "Pitch sentence number 1."), "%s", user);
            cr_assert_null(strstr(user, "Pitch sentence number 9."));
            cr_assert(strstr(user, "Steve Park (vendor): (9 more sentences of the vendor's, "
                                   "left out)"),
                      "%s", user);
            cr_assert_eq(tot.vendor_left_out, 9);
        }
        cr_assert_eq(sink.n, 1);
        cr_assert_eq(json_array_size(s_requests(sink.records[0])), 1);
        s_sink_free(&sink);
        cs_extract_destroy(&ex);
    }
    s_remote_stop(&r);
}

/* ---- prompt caching and budgets ------------------------------------------------------------ */

Test(extract, openai_cached_prompt_tokens_are_counted_and_priced_lower)
{
    /* the fake estimates the tokens and, like OpenAI, reports a prompt prefix of 1,024 tokens
       or more that it saw before as cached: the second call's instructions are */
    s_remote_t r = {0};
    s_remote_start(&r);
    s_sink_t sink = {0};
    cs_extract_opts_t o = s_openai_opts(&r);
    o.price_cached = 0.075;
    cs_extract_t *ex = cs_extract_new(&o, s_keep, &sink);
    cr_assert_not_null(ex);
    fake_openai_answer_t a = {.kind = FAKE_OPENAI_CHAT, .content = GOOD_ANSWER};
    cr_assert_eq(fake_openai_push(r.fake, "/chat/completions", &a), 0);
    cr_assert_eq(fake_openai_push(r.fake, "/chat/completions", &a), 0);
    const json_t *first = json_object_get(s_extract_one(ex, &sink, "c1"), "llm");
    const json_t *second = json_object_get(s_extract_one(ex, &sink, "c2"), "llm");
    long prompt = (long)cs_rec_int(first, "prompt_tokens", -1);
    cr_assert_gt(prompt, 1024, "the instructions alone are over 1,024 tokens");
    cr_assert_eq(cs_rec_int(second, "prompt_tokens", -1), prompt, "the same call, another id");
    cr_assert_eq(cs_rec_int(first, "cached_tokens", -1), 0, "nothing was cached before");
    long cached = (long)cs_rec_int(second, "cached_tokens", -1);
    cr_assert_geq(cached, 1024);
    cr_assert_eq(cached % 128, 0);
    cr_assert_leq(cached, prompt);
    long completion = (long)cs_rec_int(second, "completion_tokens", -1);
    double full = cs_rec_num(first, "cost_usd", -1);
    double lower = cs_rec_num(second, "cost_usd", -1);
    cr_assert_float_eq(full, (prompt * 0.15 + completion * 0.60) / 1e6, 1e-12);
    cr_assert_float_eq(lower, ((prompt - cached) * 0.15 + cached * 0.075 + completion * 0.60) / 1e6,
                       1e-12);
    cr_assert_lt(lower, full);
    cs_extract_totals_t t;
    cs_extract_totals(ex, &t);
    cr_assert_eq(t.cached_tokens, cached);
    cr_assert_float_eq(t.cost_usd, full + lower, 1e-12);
    char err[256];
    cr_assert_eq(cs_record_validate(sink.records[1], err, sizeof err), 0, "%s", err);
    s_sink_free(&sink);
    cs_extract_destroy(&ex);
    s_remote_stop(&r);
}

Test(extract, budget_is_reached_when_spent_reaches_the_cap)
{
    cr_assert_not(cs_budget_reached(1.0, 0.99));
    cr_assert(cs_budget_reached(1.0, 1.0));
    cr_assert(cs_budget_reached(1.0, 1.5));
    cr_assert(cs_budget_reached(0.0, 0.0), "a cap of 0 holds everything");
    cr_assert_not(cs_budget_reached(-1, 1e9), "a negative cap is no cap");
    cr_assert_not(cs_budget_reached(NAN, 1e9), "no cap");
    /* the run's cap: 0 is none */
    cs_budget_t *b = cs_budget_new(0, NULL);
    char why[512] = "";
    cr_assert_eq(cs_budget_check(b, WS, 1e9, why, sizeof why), CS_BUDGET_GO);
    cs_budget_destroy(&b);
    b = cs_budget_new(0.5, NULL);
    cr_assert_eq(cs_budget_check(b, WS, 0.49, why, sizeof why), CS_BUDGET_GO);
    cr_assert_eq(cs_budget_check(b, WS, 0.5, why, sizeof why), CS_BUDGET_RUN);
    cr_assert(strstr(why, "--budget-usd of $0.5000 is spent"), "%s", why);
    cr_assert(strstr(why, "callsift-fetcher --reprocess"), "%s", why);
    cs_budget_destroy(&b);
    cr_assert_null(b);
    cs_budget_destroy(&b);
}

Test(extract, openai_calls_past_the_runs_budget_are_held_with_cause_budget)
{
    s_remote_t r = {0};
    s_remote_start(&r);
    s_push_chat(&r, GOOD_ANSWER, 1000, 200); /* $0.00027 */
    s_push_chat(&r, GOOD_ANSWER, 1000, 200);
    s_sink_t sink = {0};
    cs_extract_opts_t o = s_openai_opts(&r);
    o.budget_usd = 0.0002; /* under one call's cost: the first goes, then the budget is spent */
    cs_extract_t *ex = cs_extract_new(&o, s_keep, &sink);
    cr_assert_not_null(ex);
    json_t *one = s_extract_one(ex, &sink, "c1");
    cr_assert_null(json_object_get(one, "error"), "%s", cs_rec_str(one, "error"));
    json_t *themes = s_themes();
    cs_extract_submit(ex, s_call("c2"), themes);
    cs_extract_submit(ex, s_call("c3"), themes);
    json_decref(themes);
    cr_assert_eq(sink.n, 3, "held calls come out at once");
    cr_assert_eq(cs_extract_pending(ex), 0);
    for (int i = 1; i < 3; i++) {
        json_t *held = sink.records[i];
        cr_assert_str_eq(cs_rec_str(held, "error_cause"), CS_CAUSE_BUDGET);
        cr_assert(strstr(cs_rec_str(held, "error"), "held for the LLM budget"), "%s",
                  cs_rec_str(held, "error"));
        cr_assert_null(json_object_get(held, "insights"));
        cr_assert_null(json_object_get(held, "llm"), "nothing was spent on it");
        char err[256];
        cr_assert_eq(cs_record_validate(held, err, sizeof err), 0, "%s", err);
    }
    cr_assert_eq(fake_openai_count(r.fake, "/chat/completions"), 1, "only the first was asked");
    cs_extract_totals_t t;
    cs_extract_totals(ex, &t);
    cr_assert_eq(t.held_budget, 2);
    cr_assert_eq(t.failed, 0, "held is not failed");
    cr_assert_float_eq(t.cost_usd, 0.00027, 1e-12);
    s_sink_free(&sink);
    cs_extract_destroy(&ex);
    s_remote_stop(&r);
}

Test(extract, offline_calls_are_never_held_for_a_budget)
{
    s_sink_t sink = {0};
    cs_extract_opts_t o = {.provider = NULL, .budget_usd = 1e-9};
    cs_extract_t *ex = cs_extract_new(&o, s_keep, &sink);
    cr_assert_not_null(ex);
    json_t *themes = s_themes();
    cs_extract_submit(ex, s_call("c1"), themes);
    json_decref(themes);
    cr_assert_eq(sink.n, 1);
    cr_assert_null(json_object_get(sink.records[0], "error"));
    s_sink_free(&sink);
    cs_extract_destroy(&ex);
}

/* The monthly budget of a workspace in PostgreSQL (the writer's llm_spend rows): a call goes
   while the month's spend (the writer's, or what was there plus this engine's own since) is
   under the budget; a raised budget lets calls go at the next one; last month's spend does not
   count. */
Test(extract, openai_calls_past_the_workspaces_monthly_budget_are_held)
{
    cs_testdb_t tdb;
    cs_testdb_create(&tdb, true);
    cs_db_t *db = cs_testdb_connect(&tdb);
    char ws[CS_UUID_LEN], unc[CS_UUID_LEN], integ[CS_UUID_LEN];
    cs_testdata_workspace(db, ws, unc, integ);
    const char *p[] = {ws};
    cr_assert_eq(cs_db_command(db,
                               "UPDATE workspaces SET monthly_budget_usd = 0.0005,"
                               " time_zone = 'Asia/Kolkata' WHERE id = $1",
                               1, p, NULL, 0),
                 0);
    /* spent earlier this month (by the writer), and a lot last month */
    cr_assert_eq(cs_db_command(db,
                               "INSERT INTO llm_spend (workspace_id, day, cost_usd) VALUES"
                               " ($1, (now() AT TIME ZONE 'Asia/Kolkata')::date, 0.0002),"
                               " ($1, (date_trunc('month', now() AT TIME ZONE 'Asia/Kolkata')"
                               "  - interval '1 day')::date, 5)",
                               1, p, NULL, 0),
                 0);
    s_remote_t r = {0};
    s_remote_start(&r);
    for (int i = 0; i < 3; i++)
        s_push_chat(&r, GOOD_ANSWER, 1000, 200); /* $0.00027 each */
    s_sink_t sink = {0};
    cs_extract_opts_t o = s_openai_opts(&r);
    o.budget_db = db;
    cs_extract_t *ex = cs_extract_new(&o, s_keep, &sink);
    cr_assert_not_null(ex);
    json_t *themes = s_themes();
    /* 0.0002 spent: the first call goes; 0.0002 + 0.00027 = 0.00047: the second goes (the
       writer has not stored the first: the engine counts its own); then 0.00074: held */
    for (int i = 0; i < 3; i++) {
        char id[8];
        snprintf(id, sizeof id, "m%d", i);
        json_t *call = s_call(id);
        json_object_set_new(call, "workspace_id", json_string(ws));
        cs_extract_submit(ex, call, themes);
        for (int k = 0; k < 200 && cs_extract_run(ex, 100) > 0; k++)
            ;
    }
    cr_assert_eq(sink.n, 3);
    cr_assert_null(json_object_get(sink.records[0], "error"));
    cr_assert_null(json_object_get(sink.records[1], "error"));
    cr_assert_str_eq(cs_rec_str(sink.records[2], "error_cause"), CS_CAUSE_BUDGET);
    cr_assert(strstr(cs_rec_str(sink.records[2], "error"), "monthly budget of $0.0005"), "%s",
              cs_rec_str(sink.records[2], "error"));
    cr_assert_eq(fake_openai_count(r.fake, "/chat/completions"), 2);
    /* the budget raised: the next call goes at once */
    cr_assert_eq(cs_db_command(db, "UPDATE workspaces SET monthly_budget_usd = 1 WHERE id = $1", 1,
                               p, NULL, 0),
                 0);
    json_t *call = s_call("m3");
    json_object_set_new(call, "workspace_id", json_string(ws));
    cs_extract_submit(ex, call, themes);
    for (int k = 0; k < 200 && cs_extract_run(ex, 100) > 0; k++)
        ;
    cr_assert_eq(sink.n, 4);
    cr_assert_null(json_object_get(sink.records[3], "error"), "%s",
                   cs_rec_str(sink.records[3], "error"));
    /* a workspace the database does not know (no budget there) is never held */
    json_t *other = s_call("o1");
    s_push_chat(&r, GOOD_ANSWER, 10, 10);
    cs_extract_submit(ex, other, themes);
    for (int k = 0; k < 200 && cs_extract_run(ex, 100) > 0; k++)
        ;
    cr_assert_eq(sink.n, 5);
    cr_assert_null(json_object_get(sink.records[4], "error"));
    cs_extract_totals_t t;
    cs_extract_totals(ex, &t);
    cr_assert_eq(t.held_budget, 1);
    json_decref(themes);
    s_sink_free(&sink);
    cs_extract_destroy(&ex);
    s_remote_stop(&r);
    cs_db_destroy(&db);
    cs_testdb_drop(&tdb);
}

/* ---- choosing the provider from the options -------------------------------------------------- */

static const cs_option_t s_options[] = {
    CS_PROVIDER_OPTIONS_ENDPOINT("openai, offline, or auto", "chat model"),
    {"temperature", NULL, CS_OPT_DOUBLE, "0.3", "sampling temperature", 0},
    {"max-input-tokens", NULL, CS_OPT_INT, "12000", "chunk budget", CS_OPT_POSITIVE},
    CS_PROVIDER_OPTION_CONCURRENCY,
    CS_PROVIDER_OPTIONS_REQUESTS("answers asked per chunk", "120", "fails the call"),
    CS_PROVIDER_OPTIONS_PRICES(""),
    CS_PROVIDER_OPTION_PRICE_CACHED,
    CS_PROVIDER_OPTION_BUDGET,
    CS_EXTRACT_OPTION_VENDOR_CONTEXT,
    {NULL, NULL, 0, NULL, NULL, 0},
};

/* cs_extract_configure on argv (NULL-terminated); its status, the error in err. */
static int s_configure(const char *const *args, cs_extract_opts_t *o, char *err, size_t errlen)
{
    /* copies: a secret given as a flag is wiped from argv */
    char *argv[16] = {strdup("test")};
    int argc = 1;
    for (; args[argc - 1] && argc < 15; argc++)
        argv[argc] = strdup(args[argc - 1]);
    cs_config_t *cfg = cs_config_new("test", "test", s_options);
    cr_assert_not_null(cfg);
    cr_assert_eq(cs_config_parse(cfg, argc, argv, false, err, errlen), 0, "%s", err);
    *o = (cs_extract_opts_t){0};
    int rc = cs_extract_configure(cfg, o, err, errlen);
    if (rc == 0) {
        cr_assert_eq(o->max_input_tokens, 12000);
        cr_assert_eq(o->llm.max_attempts, 3);
        cr_assert_eq(o->vendor_context, CS_PROMPT_FOCUS_DEFAULT_CONTEXT);
    }
    cs_config_destroy(&cfg);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return rc;
}

Test(extract, the_provider_is_chosen_by_name_from_the_shared_option_rows)
{
    unsetenv("OPENAI_API_KEY");
    unsetenv("CALLSIFT_PROVIDER");
    char err[512] = "";
    cs_extract_opts_t o;

    cr_assert_eq(s_configure((const char *[]){NULL}, &o, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(cs_provider_name(o.provider), "offline", "auto without a key: offline");
    cr_assert_null(cs_provider_client(o.provider));
    cs_provider_destroy(&o.provider);

    cr_assert_eq(
        s_configure((const char *[]){"--openai-api-key", "sk-x", "--model", "gpt-4o-mini", NULL},
                    &o, err, sizeof err),
        0, "%s", err);
    cr_assert_str_eq(cs_provider_name(o.provider), "openai", "auto with a key: openai");
    cr_assert_not_null(cs_provider_client(o.provider));
    cr_assert(o.llm.json_schema);
    cr_assert_float_eq(o.llm.price_input, 0.15, 1e-9, "the model's list price");
    cs_provider_destroy(&o.provider);

    cr_assert_eq(s_configure((const char *[]){"--provider", "openai", "--response-format",
                                              "json_object", "--price-input", "2", NULL},
                             &o, err, sizeof err),
                 0, "%s", err);
    cr_assert_str_eq(cs_provider_name(o.provider), "openai");
    cr_assert_not(o.llm.json_schema);
    cr_assert_float_eq(o.llm.price_input, 2.0, 1e-9);
    cs_provider_destroy(&o.provider);

    cr_assert_eq(s_configure((const char *[]){"--provider", "nonsense", NULL}, &o, err, sizeof err),
                 -1);
    cr_assert_str_eq(err, "--provider: expected openai, offline or auto, got 'nonsense'");
    cr_assert_null(o.provider);

    cr_assert_eq(
        s_configure((const char *[]){"--response-format", "xml", NULL}, &o, err, sizeof err), -1);
    cr_assert(strstr(err, "--response-format"), "%s", err);
    cr_assert_null(o.provider);
}

Test(extract, every_provider_row_is_found_by_its_name)
{
    cr_assert_eq(cs_extract_ops_find("offline"), &cs_extract_offline_ops);
    cr_assert_eq(cs_extract_ops_find("openai"), &cs_extract_openai_ops);
    cr_assert_null(cs_extract_ops_find("nonsense"));
    cr_assert_null(cs_extract_ops_find(NULL));
    cr_assert_null(cs_provider_new("nonsense", NULL));

    /* the openai extraction needs its client: without one it cannot start */
    cs_provider_t *bare = cs_provider_new("openai", NULL);
    cr_assert_not_null(bare);
    cs_extract_opts_t o = {.provider = bare};
    s_sink_t sink = {0};
    cr_assert_null(cs_extract_new(&o, s_keep, &sink));
    cr_assert_eq(cs_provider_run(bare, 0), 0);
    cr_assert_null(cs_provider_fatal(bare, NULL));
    cs_provider_destroy(&bare);
    cr_assert_null(bare);
}
