/* cs_match: the decisions, offline and with the judge and embeddings of a fake OpenAI server
   (real HTTP through libcurl), including many calls voicing one new request at once. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_catalog.h"
#include "cs_log.h"
#include "cs_match.h"
#include "cs_match_config.h"
#include "cs_record.h"
#include "cs_testdata.h"
#include "cs_util.h"
#include "cs_uuid.h"
#include "fake_openai.h"

#define WS  "11111111-1111-4111-8111-111111111111"
#define TI  "22222222-2222-4222-8222-222222222221" /* Integrations */
#define TR  "22222222-2222-4222-8222-222222222222" /* Reporting */
#define TD  "22222222-2222-4222-8222-222222222220" /* Uncategorized */
#define F1  "f0000000-0000-4000-8000-000000000001"
#define F2  "f0000000-0000-4000-8000-000000000002"
#define MAX 64

typedef struct {
    json_t *out[MAX];
    long tokens[MAX];
    int n;
} sink_t;

static void s_sink(void *arg, json_t *decision, long tokens)
{
    sink_t *s = arg;
    cr_assert_lt(s->n, MAX);
    s->tokens[s->n] = tokens;
    s->out[s->n++] = decision;
}

static void s_sink_free(sink_t *s)
{
    for (int i = 0; i < s->n; i++)
        json_decref(s->out[i]);
    s->n = 0;
}

static cs_catalog_t *s_catalog(bool sparse)
{
    cs_catalog_t *cat = cs_catalog_new(WS, sparse);
    cs_catalog_add_theme(cat, TD, "Uncategorized", true);
    cs_catalog_add_theme(cat, TI, "Integrations", false);
    cs_catalog_add_theme(cat, TR, "Reporting", false);
    return cat;
}

/* The seed's catalogue: two features, vectors to be made by cs_match_prepare. */
static void s_seed_features(cs_catalog_t *cat, const char *theme)
{
    cs_vec_t none = {0};
    cr_assert(cs_catalog_add(cat, F1, theme, "AI Chatbot Integration",
                             "Add chatbot for customer support", &none, false));
    cr_assert(cs_catalog_add(cat, F2, theme, "Salesforce Integration",
                             "Sync tickets with Salesforce", &none, false));
}

/* An extraction of call `ext` with feature requests given as title, description pairs
   (NULL-terminated), all in `theme`. */
static json_t *s_extraction(const char *ext, const char *theme, ...)
{
    json_t *rec = cs_testdata_call(WS, ext, "2025-10-20T17:27:28Z", NULL, NULL);
    json_object_set_new(rec, "kind", json_string("extraction"));
    json_t *requests = json_array();
    va_list ap;
    va_start(ap, theme);
    const char *title;
    while ((title = va_arg(ap, const char *)) != NULL) {
        const char *description = va_arg(ap, const char *);
        json_array_append_new(requests, json_pack("{s:s, s:s, s:s, s:s, s:s}", "title", title,
                                                  "description", description, "urgency", "high",
                                                  "theme", theme, "quote", "We really need this."));
    }
    va_end(ap);
    json_object_set_new(rec, "insights",
                        json_pack("{s:o, s:[], s:[], s:{s:s, s:f}, s:s}", "feature_requests",
                                  requests, "bug_reports", "pain_points", "sentiment", "overall",
                                  "neutral", "score", 0.0, "summary", "A call."));
    char err[256];
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "%s", err);
    return rec;
}

static cs_match_opts_t s_offline_opts(void)
{
    return (cs_match_opts_t){.link_above = 0.55,
                             .new_below = 0.45,
                             .band_margin = 0.15,
                             .threshold = 0.7,
                             .candidates = 5,
                             .max_attempts = 3,
                             .quiet = true};
}

static const json_t *s_decision(const sink_t *s, int call, int index)
{
    cr_assert_lt(call, s->n);
    const json_t *d = json_array_get(json_object_get(s->out[call], "decisions"), (size_t)index);
    cr_assert(d, "call %d has no decision %d", call, index);
    return d;
}

static void s_own_id(const char *ext, int index, char *out)
{
    char msg[CS_UUID_LEN];
    cs_uuid_message_id(WS, "replay", ext, msg);
    cs_uuid_feature_id(msg, index, out);
}

static void s_drive(cs_match_t *m)
{
    int64_t deadline = cs_now_ms() + 20000;
    while (cs_match_pending(m) > 0 && cs_now_ms() < deadline)
        cs_match_run(m, 50);
    cr_assert_eq(cs_match_pending(m), 0, "work left after 20 s");
}

/* ---- offline ------------------------------------------------------------------------------ */

Test(match, the_seeds_four_cases_offline)
{
    cs_catalog_t *cat = s_catalog(true);
    s_seed_features(cat, TI);
    sink_t sink = {0};
    cs_match_opts_t o = s_offline_opts();
    cs_match_t *m = cs_match_new(&o, s_sink, &sink);
    char err[256];
    cr_assert_eq(cs_match_prepare(m, cat, err, sizeof err), 0, "%s", err);
    cr_assert_eq(cs_catalog_missing(cat), 0);
    cs_match_submit(m,
                    s_extraction("1", "Integrations", "AI Chatbot Integration",
                                 "Add chatbot for customer support", "Chatbot powered by AI",
                                 "Automated responses using AI", "Salesforce reporting dashboard",
                                 "Dashboards of Salesforce opportunity data", "Dark mode",
                                 "A dark colour theme for the agent inbox", NULL),
                    cat);
    cr_assert_eq(sink.n, 1, "offline: decided before submit returns");
    const json_t *exact = s_decision(&sink, 0, 0), *semantic = s_decision(&sink, 0, 1),
                 *similar = s_decision(&sink, 0, 2), *fresh = s_decision(&sink, 0, 3);
    cr_assert_str_eq(cs_rec_str(exact, "action"), "link");
    cr_assert_str_eq(cs_rec_str(exact, "feature_id"), F1);
    cr_assert_str_eq(cs_rec_str(exact, "method"), "exact");
    cr_assert_float_eq(cs_rec_num(exact, "confidence", 0), 1.0, 1e-9);
    cr_assert_float_eq(cs_rec_num(json_object_get(exact, "scores"), "fused", 0), 1.0, 1e-4,
                       "the scores are the linked feature's");
    cr_assert_geq(cs_rec_num(json_object_get(semantic, "scores"), "fused", 0), 0.55);
    cr_assert_str_eq(cs_rec_str(semantic, "action"), "link", "%s",
                     cs_rec_str(semantic, "reasoning"));
    cr_assert_str_eq(cs_rec_str(semantic, "feature_id"), F1);
    cr_assert_str_eq(cs_rec_str(semantic, "method"), "embedding");
    cr_assert_geq(cs_rec_num(semantic, "confidence", 0), 0.55, "at or above link-above");
    cr_assert_str_eq(cs_rec_str(similar, "action"), "create", "%s",
                     cs_rec_str(similar, "reasoning"));
    cr_assert_str_eq(cs_rec_str(fresh, "action"), "create");
    cr_assert_gt(cs_rec_num(fresh, "confidence", 0), 0.9, "nothing like it: surely unique");
    cs_match_totals_t t;
    cs_match_totals(m, &t);
    cr_assert_eq(t.created, 2);
    cr_assert_eq(t.linked, 2);
    cr_assert_eq(t.by_exact, 1);
    cr_assert_eq(t.by_embedding, 3);
    cs_match_destroy(&m);
    s_sink_free(&sink);
    cs_catalog_destroy(&cat);
}

Test(match, a_decision_record_carries_everything_the_writer_and_a_reviewer_need)
{
    cs_catalog_t *cat = s_catalog(true);
    s_seed_features(cat, TI);
    sink_t sink = {0};
    cs_match_opts_t o = s_offline_opts();
    cs_match_t *m = cs_match_new(&o, s_sink, &sink);
    char err[256];
    cr_assert_eq(cs_match_prepare(m, cat, err, sizeof err), 0);
    cs_match_submit(m,
                    s_extraction("42", "Integrations", "Zendesk integration",
                                 "Sync tickets with Zendesk", NULL),
                    cat);
    cr_assert_eq(sink.n, 1);
    json_t *rec = sink.out[0];
    cr_assert_str_eq(cs_rec_str(rec, "kind"), "decision");
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "%s", err);
    const json_t *d = s_decision(&sink, 0, 0);
    char own[CS_UUID_LEN];
    s_own_id("42", 0, own);
    cr_assert_str_eq(cs_rec_str(d, "action"), "create");
    cr_assert_str_eq(cs_rec_str(d, "feature_id"), own, "UUIDv5 of message id and index");
    cr_assert_str_eq(cs_rec_str(d, "theme_id"), TI);
    cr_assert_str_eq(cs_rec_str(d, "name"), "Zendesk integration");
    cr_assert_str_eq(cs_rec_str(d, "description"), "Sync tickets with Zendesk");
    cr_assert_str_eq(cs_rec_str(d, "urgency"), "high");
    cr_assert_str_eq(cs_rec_str(d, "quote"), "We really need this.");
    cr_assert(cs_rec_str(d, "reasoning")[0]);
    const json_t *cands = json_object_get(d, "candidates");
    cr_assert_geq(json_array_size(cands), 1);
    cr_assert_str_eq(cs_rec_str(json_array_get(cands, 0), "id"), F2, "Salesforce: shares words");
    cr_assert_str_eq(cs_rec_str(d, "embedding_model"), "offline-ngram-2");
    cr_assert_eq(json_array_size(json_object_get(d, "embedding")),
                 json_array_size(json_object_get(d, "embedding_index")));
    cr_assert_gt(json_array_size(json_object_get(d, "embedding")), 5);
    cs_match_destroy(&m);
    s_sink_free(&sink);
    cs_catalog_destroy(&cat);
}

/* The extractor's confidence in each request rides on its decision as request_confidence;
   a request without one gets none. */
Test(match, each_decision_carries_its_requests_confidence)
{
    cs_catalog_t *cat = s_catalog(true);
    s_seed_features(cat, TI);
    sink_t sink = {0};
    cs_match_opts_t o = s_offline_opts();
    cs_match_t *m = cs_match_new(&o, s_sink, &sink);
    char err[256];
    cr_assert_eq(cs_match_prepare(m, cat, err, sizeof err), 0);
    json_t *ext = s_extraction("43", "Integrations", "Zendesk integration",
                               "Sync tickets with Zendesk", "Dark mode", "A dark theme", NULL);
    json_t *requests = json_object_get(json_object_get(ext, "insights"), "feature_requests");
    json_object_set_new(json_array_get(requests, 0), "confidence", json_real(0.35));
    cs_match_submit(m, ext, cat);
    cr_assert_eq(sink.n, 1);
    cr_assert_eq(cs_record_validate(sink.out[0], err, sizeof err), 0, "%s", err);
    cr_expect_float_eq(cs_rec_num(s_decision(&sink, 0, 0), "request_confidence", -1), 0.35, 1e-9);
    cr_expect_null(json_object_get(s_decision(&sink, 0, 1), "request_confidence"));
    cs_match_destroy(&m);
    s_sink_free(&sink);
    cs_catalog_destroy(&cat);
}

Test(match, a_new_feature_joins_the_catalogue_at_once_and_a_redelivery_decides_the_same)
{
    cs_catalog_t *cat = s_catalog(true);
    sink_t sink = {0};
    cs_match_opts_t o = s_offline_opts();
    cs_match_t *m = cs_match_new(&o, s_sink, &sink);
    cs_match_submit(m, s_extraction("1", "Integrations", "Okta SSO", "Single sign-on", NULL), cat);
    cs_match_submit(m, s_extraction("2", "Integrations", "okta sso", "Log in with Okta", NULL),
                    cat);
    cs_match_submit(m, s_extraction("1", "Integrations", "Okta SSO", "Single sign-on", NULL), cat);
    cr_assert_eq(sink.n, 3);
    char own[CS_UUID_LEN];
    s_own_id("1", 0, own);
    cr_assert_str_eq(cs_rec_str(s_decision(&sink, 0, 0), "action"), "create");
    cr_assert_str_eq(cs_rec_str(s_decision(&sink, 1, 0), "action"), "link");
    cr_assert_str_eq(cs_rec_str(s_decision(&sink, 1, 0), "feature_id"), own);
    cr_assert_str_eq(cs_rec_str(s_decision(&sink, 1, 0), "method"), "exact");
    /* call 1 again: it meets its own feature, and says "create" under the same id */
    cr_assert_str_eq(cs_rec_str(s_decision(&sink, 2, 0), "action"), "create");
    cr_assert_str_eq(cs_rec_str(s_decision(&sink, 2, 0), "feature_id"), own);
    cr_assert_eq(cs_catalog_size(cat), 1);
    cs_match_destroy(&m);
    s_sink_free(&sink);
    cs_catalog_destroy(&cat);
}

Test(match, failed_or_empty_extractions_pass_through_with_no_decisions)
{
    cs_catalog_t *cat = s_catalog(true);
    sink_t sink = {0};
    cs_match_opts_t o = s_offline_opts();
    cs_match_t *m = cs_match_new(&o, s_sink, &sink);
    json_t *failed = s_extraction("1", "Integrations", NULL);
    json_object_del(failed, "insights");
    json_object_set_new(failed, "error", json_string("LLM gave 3 invalid answers"));
    cs_match_submit(m, failed, cat);
    json_t *none = s_extraction("2", "Integrations", NULL);
    cs_match_submit(m, none, cat);
    cr_assert_eq(sink.n, 2);
    for (int i = 0; i < 2; i++) {
        cr_assert_str_eq(cs_rec_str(sink.out[i], "kind"), "decision");
        cr_assert_eq(json_array_size(json_object_get(sink.out[i], "decisions")), 0);
        char err[256];
        cr_assert_eq(cs_record_validate(sink.out[i], err, sizeof err), 0, "%s", err);
    }
    cr_assert_str_eq(cs_rec_str(sink.out[0], "error"), "LLM gave 3 invalid answers");
    cs_match_totals_t t;
    cs_match_totals(m, &t);
    cr_assert_eq(t.passed_through, 2);
    cs_match_destroy(&m);
    s_sink_free(&sink);
    cs_catalog_destroy(&cat);
}

Test(match, cross_theme_finds_a_feature_of_another_theme_and_keeps_its_theme)
{
    for (int cross = 0; cross < 2; cross++) {
        cs_catalog_t *cat = s_catalog(true);
        cs_vec_t v;
        cs_vec_offline_feature("Salesforce reports export", "", &v);
        cr_assert(cs_catalog_add(cat, F1, TR, "Salesforce reports export", "", &v, false));
        sink_t sink = {0};
        cs_match_opts_t o = s_offline_opts();
        o.cross_theme = cross;
        cs_match_t *m = cs_match_new(&o, s_sink, &sink);
        cs_match_submit(m, s_extraction("1", "Integrations", "Salesforce reports export", "", NULL),
                        cat);
        const json_t *d = s_decision(&sink, 0, 0);
        if (cross) {
            cr_assert_str_eq(cs_rec_str(d, "action"), "link");
            cr_assert_str_eq(cs_rec_str(d, "feature_id"), F1);
            cr_assert_str_eq(cs_rec_str(d, "theme_id"), TR, "a link keeps the feature's theme");
        } else {
            cr_assert_str_eq(cs_rec_str(d, "action"), "create", "only its own theme is searched");
            cr_assert_str_eq(cs_rec_str(d, "theme_id"), TI);
        }
        cs_match_destroy(&m);
        s_sink_free(&sink);
        cs_catalog_destroy(&cat);
    }
}

Test(match, an_unknown_theme_goes_to_the_default_theme)
{
    cs_catalog_t *cat = s_catalog(true);
    sink_t sink = {0};
    cs_match_opts_t o = s_offline_opts();
    cs_match_t *m = cs_match_new(&o, s_sink, &sink);
    cs_match_submit(m, s_extraction("1", "Billing", "Invoices in EUR", "", NULL), cat);
    cr_assert_str_eq(cs_rec_str(s_decision(&sink, 0, 0), "theme_id"), TD);
    cs_match_destroy(&m);
    s_sink_free(&sink);
    cs_catalog_destroy(&cat);
}

/* ---- the judge (fake OpenAI) ---------------------------------------------------------------- */

typedef struct {
    fake_openai_t *fake;
    cs_llm_t *llm;
    cs_provider_t *openai, *offline; /* judge; vectors: openai's or offline */
    sink_t sink;
    cs_match_t *m;
    cs_catalog_t *cat;
    cs_match_opts_t o; /* what m was made with */
} rig_t;

/* band_all: every candidate goes to the judge (new-below 0, link-above 1). */
static void s_rig(rig_t *r, bool provider_vectors, int concurrency, bool band_all)
{
    memset(r, 0, sizeof *r);
    cs_log_init("test");
    r->fake = fake_openai_start();
    cr_assert(r->fake);
    char err[256];
    cs_llm_opts_t lo = {.base_url = fake_openai_url(r->fake),
                        .api_key = "sk-test",
                        .concurrency = concurrency,
                        .max_attempts = 3,
                        .backoff_base_ms = 20,
                        .backoff_cap_ms = 50,
                        .retry_budget_ms = 2000};
    r->llm = cs_llm_new(&lo, err, sizeof err);
    cr_assert(r->llm, "%s", err);
    r->openai = cs_provider_new("openai", r->llm);
    r->offline = cs_provider_new("offline", NULL);
    cr_assert(r->openai && r->offline);
    cs_match_opts_t o = s_offline_opts();
    o.judge = r->openai;
    o.vectors = provider_vectors ? r->openai : r->offline;
    o.model = "gpt-4o-mini";
    o.embedding_model = "text-embedding-3-small";
    o.json_schema = true;
    o.price_input = 0.15;
    o.price_output = 0.60;
    if (provider_vectors) { /* the fake's vectors: hashed words; its similarities run lower */
        o.link_above = 0.95;
        o.new_below = 0.2;
    } else { /* a band wide enough for the seed's semantic case (0.57) to be judged */
        o.link_above = 0.9;
    }
    if (band_all) {
        o.new_below = 0;
        o.link_above = 1;
    }
    o.judge_margin = 0.2;
    r->o = o;
    r->m = cs_match_new(&o, s_sink, &r->sink);
    r->cat = s_catalog(!provider_vectors);
}

static void s_rig_free(rig_t *r)
{
    cs_llm_destroy(&r->llm);
    cs_provider_destroy(&r->openai);
    cs_provider_destroy(&r->offline);
    cs_match_destroy(&r->m);
    s_sink_free(&r->sink);
    cs_catalog_destroy(&r->cat);
    fake_openai_stop(&r->fake);
}

static void s_push_judge(rig_t *r, const char *content)
{
    fake_openai_answer_t a = {.kind = FAKE_OPENAI_CHAT,
                              .content = content,
                              .prompt_tokens = 200,
                              .completion_tokens = 40};
    cr_assert_eq(fake_openai_push(r->fake, "/chat/completions", &a), 0);
}

/* The seed's semantic case: in the band, so the judge is asked. */
static void s_submit_semantic(rig_t *r)
{
    s_seed_features(r->cat, TI);
    char err[256];
    cr_assert_eq(cs_match_prepare(r->m, r->cat, err, sizeof err), 0, "%s", err);
    cs_match_submit(r->m,
                    s_extraction("7", "Integrations", "Chatbot powered by AI",
                                 "Automated responses using AI", NULL),
                    r->cat);
    s_drive(r->m);
    cr_assert_eq(r->sink.n, 1);
}

Test(match, the_judge_links_a_duplicate_it_is_sure_of, .timeout = 30)
{
    rig_t r;
    s_rig(&r, false, 4, false);
    s_push_judge(&r, "{\"is_duplicate\": true, \"matching_feature_id\": \"" F1 "\","
                     " \"confidence\": 0.88, \"runner_up_confidence\": 0.1, \"reasoning\": \"Both "
                     "describe an AI chatbot.\"}");
    s_submit_semantic(&r);
    const json_t *d = s_decision(&r.sink, 0, 0);
    cr_assert_str_eq(cs_rec_str(d, "action"), "link");
    cr_assert_str_eq(cs_rec_str(d, "feature_id"), F1);
    cr_assert_str_eq(cs_rec_str(d, "method"), "llm");
    cr_assert_float_eq(cs_rec_num(d, "confidence", 0), 0.88, 1e-9);
    cr_assert_str_eq(cs_rec_str(d, "reasoning"), "Both describe an AI chatbot.");
    cr_assert_eq(r.sink.tokens[0], 240);
    /* what the judge was shown: the candidates only, at temperature 0.2 */
    const fake_openai_request_t *req = fake_openai_last_request(r.fake, "/chat/completions");
    cr_assert_float_eq(json_real_value(json_object_get(req->body, "temperature")), 0.2, 1e-9);
    const char *user =
        cs_rec_str(json_array_get(json_object_get(req->body, "messages"), 1), "content");
    cr_assert(strstr(user, "[" F1 "]"), "%s", user);
    cs_match_totals_t t;
    cs_match_totals(r.m, &t);
    cr_assert_eq(t.judge_requests, 1);
    cr_assert_eq(t.judged, 1);
    cr_assert_eq(t.by_llm, 1);
    cr_assert_float_eq(t.cost_usd, (200 * 0.15 + 40 * 0.60) / 1e6, 1e-12);
    s_rig_free(&r);
}

Test(match, a_duplicate_below_the_confidence_threshold_stays_separate, .timeout = 30)
{
    rig_t r;
    s_rig(&r, false, 4, false);
    s_push_judge(
        &r, "{\"is_duplicate\": true, \"matching_feature_id\": \"" F1 "\","
            " \"confidence\": 0.6, \"runner_up_confidence\": 0.1, \"reasoning\": \"Related.\"}");
    s_submit_semantic(&r);
    const json_t *d = s_decision(&r.sink, 0, 0);
    cr_assert_str_eq(cs_rec_str(d, "action"), "create");
    cr_assert_str_eq(cs_rec_str(d, "method"), "llm");
    cr_assert_float_eq(cs_rec_num(d, "confidence", 0), 0.4, 1e-9, "unique: 1 - 0.6");
    cr_assert(strstr(cs_rec_str(d, "reasoning"), "below FEATURE_MATCH_CONFIDENCE"));
    s_rig_free(&r);
}

/* The seed's semantic case with both catalogue features in the band (every candidate goes to
   the judge), the judge answering `content`. */
static const json_t *s_judged(rig_t *r, const char *content)
{
    s_push_judge(r, content);
    s_submit_semantic(r);
    return s_decision(&r->sink, 0, 0);
}

Test(match, a_duplicate_whose_runner_up_is_within_the_margin_stays_separate, .timeout = 30)
{
    rig_t r;
    s_rig(&r, false, 4, true);
    const json_t *d = s_judged(&r, "{\"is_duplicate\": true, \"matching_feature_id\": \"" F1 "\","
                                   " \"confidence\": 0.9, \"runner_up_confidence\": 0.75,"
                                   " \"reasoning\": \"Both are chatbots.\"}");
    cr_assert_str_eq(cs_rec_str(d, "action"), "create");
    cr_assert_str_eq(cs_rec_str(d, "method"), "llm");
    cr_assert_float_eq(cs_rec_num(d, "confidence", 0), 0.1, 1e-9, "unique: 1 - 0.9");
    cr_assert_str_eq(cs_rec_str(d, "reasoning"),
                     "Both are chatbots. [runner-up at 0.75: margin 0.15 below 0.20: kept "
                     "separate]");
    s_rig_free(&r);
}

Test(match, a_duplicate_clear_of_its_runner_up_by_the_margin_links, .timeout = 30)
{
    /* 0.75 - 0.55 is 0.19999999999999996 in doubles: exactly the margin, so it links */
    rig_t r;
    s_rig(&r, false, 4, true);
    const json_t *d = s_judged(&r, "{\"is_duplicate\": true, \"matching_feature_id\": \"" F1 "\","
                                   " \"confidence\": 0.75, \"runner_up_confidence\": 0.55,"
                                   " \"reasoning\": \"Both are chatbots.\"}");
    cr_assert_str_eq(cs_rec_str(d, "action"), "link", "%s", cs_rec_str(d, "reasoning"));
    cr_assert_str_eq(cs_rec_str(d, "feature_id"), F1);
    cr_assert_float_eq(cs_rec_num(d, "confidence", 0), 0.75, 1e-9);
    cr_assert_str_eq(cs_rec_str(d, "reasoning"), "Both are chatbots.");
    s_rig_free(&r);
}

Test(match, the_confidence_gate_comes_before_the_margin, .timeout = 30)
{
    rig_t r;
    s_rig(&r, false, 4, true);
    const json_t *d = s_judged(&r, "{\"is_duplicate\": true, \"matching_feature_id\": \"" F1 "\","
                                   " \"confidence\": 0.65, \"runner_up_confidence\": 0.6,"
                                   " \"reasoning\": \"Maybe.\"}");
    cr_assert_str_eq(cs_rec_str(d, "action"), "create");
    cr_assert(strstr(cs_rec_str(d, "reasoning"), "below FEATURE_MATCH_CONFIDENCE 0.70"), "%s",
              cs_rec_str(d, "reasoning"));
    s_rig_free(&r);
}

Test(match, under_json_object_a_verdict_without_runner_up_links_and_json_schema_asks_again,
     .timeout = 30)
{
    const char *without = "{\"is_duplicate\": true, \"matching_feature_id\": \"" F1 "\","
                          " \"confidence\": 0.9, \"reasoning\": \"Same chatbot.\"}";
    rig_t r;
    s_rig(&r, false, 4, true);
    cs_match_destroy(&r.m);
    r.o.json_schema = false;
    r.m = cs_match_new(&r.o, s_sink, &r.sink);
    const json_t *d = s_judged(&r, without);
    cr_assert_str_eq(cs_rec_str(d, "action"), "link", "left out: runner-up 0");
    cr_assert_eq(fake_openai_count(r.fake, "/chat/completions"), 1);
    s_rig_free(&r);

    s_rig(&r, false, 4, true); /* json_schema: the answer breaks the schema */
    s_push_judge(&r, without);
    d = s_judged(&r, "{\"is_duplicate\": true, \"matching_feature_id\": \"" F1 "\","
                     " \"confidence\": 0.9, \"runner_up_confidence\": 0.1,"
                     " \"reasoning\": \"Same chatbot.\"}");
    cr_assert_str_eq(cs_rec_str(d, "action"), "link");
    cr_assert_eq(fake_openai_count(r.fake, "/chat/completions"), 2, "asked again");
    cs_match_totals_t t;
    cs_match_totals(r.m, &t);
    cr_assert_eq(t.invalid_answers, 1);
    s_rig_free(&r);
}

Test(match, a_foreign_id_or_broken_json_is_asked_again, .timeout = 30)
{
    rig_t r;
    s_rig(&r, false, 4, false);
    s_push_judge(&r, "{\"is_duplicate\": true, \"matching_feature_id\": "
                     "\"99999999-9999-4999-8999-999999999999\", \"confidence\": 0.95,"
                     " \"runner_up_confidence\": 0, \"reasoning\": \"x\"}");
    s_push_judge(&r, "{\"is_duplicate\": tr");
    s_push_judge(
        &r,
        "{\"is_duplicate\": true, \"matching_feature_id\": \"" F1 "\","
        " \"confidence\": 0.9, \"runner_up_confidence\": 0.1, \"reasoning\": \"Same chatbot.\"}");
    s_submit_semantic(&r);
    const json_t *d = s_decision(&r.sink, 0, 0);
    cr_assert_str_eq(cs_rec_str(d, "feature_id"), F1);
    cr_assert_str_eq(cs_rec_str(d, "method"), "llm");
    cr_assert_eq(fake_openai_count(r.fake, "/chat/completions"), 3);
    cs_match_totals_t t;
    cs_match_totals(r.m, &t);
    cr_assert_eq(t.invalid_answers, 2);
    cr_assert_eq(t.judged, 1, "three answers, one feature");
    s_rig_free(&r);
}

Test(match, a_judge_that_never_makes_sense_leaves_it_to_similarity, .timeout = 30)
{
    rig_t r;
    s_rig(&r, false, 4, false);
    for (int i = 0; i < 3; i++)
        s_push_judge(&r, "I think so, yes.");
    s_submit_semantic(&r);
    const json_t *d = s_decision(&r.sink, 0, 0);
    cr_assert_str_eq(cs_rec_str(d, "method"), "embedding");
    cr_assert(strstr(cs_rec_str(d, "reasoning"), "3 invalid answers"), "%s",
              cs_rec_str(d, "reasoning"));
    cs_match_totals_t t;
    cs_match_totals(r.m, &t);
    cr_assert_eq(t.judge_failures, 1);
    s_rig_free(&r);
}

Test(match, a_rate_limited_judge_is_waited_for, .timeout = 30)
{
    rig_t r;
    s_rig(&r, false, 4, false);
    fake_openai_answer_t limited = {.kind = FAKE_OPENAI_RATE_LIMIT, .retry_after = "0"};
    cr_assert_eq(fake_openai_push(r.fake, "/chat/completions", &limited), 0);
    s_push_judge(
        &r,
        "{\"is_duplicate\": true, \"matching_feature_id\": \"" F1 "\","
        " \"confidence\": 0.9, \"runner_up_confidence\": 0.1, \"reasoning\": \"Same chatbot.\"}");
    s_submit_semantic(&r);
    cr_assert_str_eq(cs_rec_str(s_decision(&r.sink, 0, 0), "method"), "llm");
    cr_assert_eq(fake_openai_count(r.fake, "/chat/completions"), 2);
    s_rig_free(&r);
}

/* The judge of the concurrency test: slow, and "duplicate" only of a feature some call created
   (a "sync" one; never of the catalogue's original two). */
static int s_slow_judge(void *arg, const char *path, const json_t *request,
                        fake_openai_answer_t *answer)
{
    (void)arg;
    if (strcmp(path, "/chat/completions") != 0)
        return -1;
    const char *user =
        cs_rec_str(json_array_get(json_object_get(request, "messages"), 1), "content");
    char id[CS_UUID_LEN] = "";
    for (const char *p = user ? strstr(user, "EXISTING FEATURES") : NULL; p && (p = strchr(p, '['));
         p++) {
        const char *name = strstr(p, "<<<"), *end = name ? strstr(name, ">>>") : NULL;
        const char *sync = name ? strstr(name, "ync") : NULL;
        if (sync && sync < end && sscanf(p, "[%36[0-9a-f-]]", id) == 1)
            break;
        id[0] = '\0';
    }
    answer->kind = FAKE_OPENAI_CHAT;
    answer->delay_ms = 150;
    answer->owned =
        id[0] ? cs_strdup_printf("{\"is_duplicate\": true, \"matching_feature_id\": \"%s\","
                                 " \"confidence\": 0.9, \"runner_up_confidence\": 0.1, "
                                 "\"reasoning\": \"The same sync.\"}",
                                 id)
              : strdup("{\"is_duplicate\": false, \"matching_feature_id\": null,"
                       " \"confidence\": 0.9, \"runner_up_confidence\": 0.1, \"reasoning\": \"Sync "
                       "is not integration.\"}");
    answer->content = answer->owned;
    return 0;
}

Test(match, many_calls_voicing_one_new_request_at_once_create_it_once, .timeout = 60)
{
    rig_t r;
    s_rig(&r, false, 8, true);
    fake_openai_set_responder(r.fake, s_slow_judge, NULL);
    s_seed_features(r.cat, TI);
    char err[256];
    cr_assert_eq(cs_match_prepare(r.m, r.cat, err, sizeof err), 0);
    const char *wordings[] = {"Salesforce ticket sync", "Sync tickets to Salesforce",
                              "Salesforce sync for tickets", "Ticket sync with Salesforce"};
    enum { CALLS = 24 };
    for (int i = 0; i < CALLS; i++) {
        char ext[16];
        snprintf(ext, sizeof ext, "c%d", i);
        cs_match_submit(r.m,
                        s_extraction(ext, "Integrations", wordings[i % 4],
                                     "Sync tickets with Salesforce both ways", NULL),
                        r.cat);
    }
    s_drive(r.m);
    cr_assert_eq(r.sink.n, CALLS);
    int created = 0;
    char id[CS_UUID_LEN] = "";
    for (int i = 0; i < CALLS; i++) {
        const json_t *d = s_decision(&r.sink, i, 0);
        if (strcmp(cs_rec_str(d, "action"), "create") == 0) {
            created++;
            cs_strlcpy(id, cs_rec_str(d, "feature_id"), sizeof id);
        }
    }
    cr_assert_eq(created, 1, "one new feature, not %d: first said %s (%s)", created,
                 cs_rec_str(s_decision(&r.sink, 0, 0), "action"),
                 cs_rec_str(s_decision(&r.sink, 0, 0), "reasoning"));
    for (int i = 0; i < CALLS; i++) {
        const json_t *d = s_decision(&r.sink, i, 0);
        cr_assert_str_eq(cs_rec_str(d, "feature_id"), id, "call %d: %s (%s)", i,
                         cs_rec_str(d, "action"), cs_rec_str(d, "reasoning"));
    }
    cr_assert_gt(fake_openai_max_in_progress(r.fake), 1, "several judge requests in flight");
    cs_match_totals_t t;
    cs_match_totals(r.m, &t);
    cr_assert_gt(t.rechecks, 0, "decisions taken again after the catalogue moved");
    cr_assert_eq(cs_catalog_size(r.cat), 3);
    s_rig_free(&r);
}

/* ---- provider vectors ------------------------------------------------------------------- */

Test(match, embeddings_are_batched_per_call_and_cached_by_text, .timeout = 30)
{
    rig_t r;
    s_rig(&r, true, 4, false);
    s_seed_features(r.cat, TI);
    char err[256];
    cr_assert_eq(cs_match_prepare(r.m, r.cat, err, sizeof err), 0, "%s", err);
    cr_assert_eq(fake_openai_count(r.fake, "/embeddings"), 1, "the catalogue in one batch");
    cr_assert_eq(cs_catalog_missing(r.cat), 0);
    json_t *rec = s_extraction("1", "Integrations", "Okta SSO", "Single sign-on", "Dark mode",
                               "A dark theme", "Slack alerts", "Alerts in Slack", NULL);
    json_t *again = json_deep_copy(rec);
    cs_match_submit(r.m, rec, r.cat);
    s_drive(r.m);
    cr_assert_eq(fake_openai_count(r.fake, "/embeddings"), 2, "three inputs, one request");
    const fake_openai_request_t *req = fake_openai_last_request(r.fake, "/embeddings");
    cr_assert_eq(json_array_size(json_object_get(req->body, "input")), 3);
    cr_assert_str_eq(cs_rec_str(req->body, "model"), "text-embedding-3-small");
    const json_t *d = s_decision(&r.sink, 0, 0);
    cr_assert_str_eq(cs_rec_str(d, "embedding_model"), "text-embedding-3-small");
    cr_assert_null(json_object_get(d, "embedding_index"), "a dense vector");
    cr_assert_eq(json_array_size(json_object_get(d, "embedding")), FAKE_OPENAI_DIM);
    cs_match_submit(r.m, again, r.cat);
    s_drive(r.m);
    cr_assert_eq(fake_openai_count(r.fake, "/embeddings"), 2, "the same texts: from the cache");
    cs_match_totals_t t;
    cs_match_totals(r.m, &t);
    cr_assert_eq(t.embed_cached, 3);
    cr_assert_gt(t.embedding_tokens, 0);
    s_rig_free(&r);
}

Test(match, without_vectors_a_call_passes_on_with_the_error, .timeout = 30)
{
    rig_t r;
    s_rig(&r, true, 4, false);
    fake_openai_answer_t bad = {.kind = FAKE_OPENAI_ERROR, .status = 400, .message = "bad input"};
    cr_assert_eq(fake_openai_push(r.fake, "/embeddings", &bad), 0);
    cs_match_submit(r.m, s_extraction("1", "Integrations", "Okta SSO", "Single sign-on", NULL),
                    r.cat);
    s_drive(r.m);
    cr_assert_eq(r.sink.n, 1);
    cr_assert_eq(json_array_size(json_object_get(r.sink.out[0], "decisions")), 0);
    cr_assert(strstr(cs_rec_str(r.sink.out[0], "error"), "embeddings failed"), "%s",
              cs_rec_str(r.sink.out[0], "error"));
    s_rig_free(&r);
}

/* ---- the providers from the options ---------------------------------------------------------- */

static const cs_option_t s_options[] = {
    CS_PROVIDER_OPTIONS_ENDPOINT("the judge", "judge model"),
    {"vectors", NULL, CS_OPT_STRING, "auto", "vectors", 0},
    {"embedding-model", NULL, CS_OPT_STRING, "text-embedding-3-small", "embeddings model", 0},
    {"embedding-dimensions", NULL, CS_OPT_INT, "0", "dimensions", 0},
    {"price-embedding", NULL, CS_OPT_DOUBLE, NULL, "price", 0},
    CS_PROVIDER_OPTION_CONCURRENCY,
    CS_PROVIDER_OPTIONS_REQUESTS("judge answers", "60", "ends it at once"),
    CS_PROVIDER_OPTIONS_PRICES("judge "),
    {NULL, NULL, 0, NULL, NULL, 0},
};

/* cs_match_configure on the flags (NULL-terminated); its status. */
static int s_configure(const char *const *flags, cs_match_opts_t *o, char *err, size_t errlen)
{
    char *argv[16] = {strdup("test")};
    int argc = 1;
    for (; flags[argc - 1] && argc < 15; argc++)
        argv[argc] = strdup(flags[argc - 1]); /* a secret flag is wiped in place */
    cs_config_t *cfg = cs_config_new("test", "test", s_options);
    cr_assert_eq(cs_config_parse(cfg, argc, argv, false, err, errlen), 0, "%s", err);
    *o = (cs_match_opts_t){0};
    int rc = cs_match_configure(cfg, o, err, errlen);
    cs_config_destroy(&cfg);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return rc;
}

Test(match, the_judge_and_the_vectors_come_from_the_provider_options)
{
    unsetenv("OPENAI_API_KEY");
    unsetenv("CALLSIFT_PROVIDER");
    cs_log_init("test");
    cs_log_set_level(CS_LOG_ERROR);
    char err[512] = "";
    cs_match_opts_t o;

    cr_assert_eq(s_configure((const char *[]){NULL}, &o, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(cs_provider_name(o.judge), "offline", "auto without a key");
    cr_assert_eq(o.vectors, o.judge, "auto vectors: the judge's provider");
    cr_assert_float_eq(o.link_above, 0.55, 1e-9, "the offline vectors' band");
    cr_assert_float_eq(o.new_below, 0.45, 1e-9);
    cs_match_t *m = cs_match_new(&o, s_sink, &(sink_t){0});
    cr_assert_str_eq(cs_match_vector_model(m), CS_VEC_OFFLINE_MODEL);
    cs_match_destroy(&m);
    cs_match_unconfigure(&o);
    cr_assert_null(o.judge);
    cr_assert_null(o.vectors);

    cr_assert_eq(
        s_configure((const char *[]){"--openai-api-key", "sk-x", NULL}, &o, err, sizeof err), 0,
        "%s", err);
    cr_assert_str_eq(cs_provider_name(o.judge), "openai", "auto with a key");
    cr_assert_eq(o.vectors, o.judge, "one provider, one client");
    cr_assert_float_eq(o.link_above, 0.85, 1e-9, "the provider vectors' band");
    cr_assert_float_eq(o.new_below, 0.50, 1e-9);
    cr_assert_float_eq(o.price_embedding, 0.02, 1e-9, "the embeddings model's list price");
    cr_assert_eq(o.max_attempts, 3);
    cs_match_unconfigure(&o);

    cr_assert_eq(s_configure((const char *[]){"--provider", "openai", "--vectors", "offline",
                                              "--response-format", "json_object", NULL},
                             &o, err, sizeof err),
                 0, "%s", err);
    cr_assert_str_eq(cs_provider_name(o.judge), "openai");
    cr_assert_str_eq(cs_provider_name(o.vectors), "offline");
    cr_assert_not(o.json_schema);
    cr_assert_float_eq(o.link_above, 0.55, 1e-9, "the band follows the vectors");
    cs_match_unconfigure(&o);

    cr_assert_eq(s_configure((const char *[]){"--vectors", "nonsense", NULL}, &o, err, sizeof err),
                 -1);
    cr_assert_str_eq(err, "--vectors: expected openai, offline or auto, got 'nonsense'");
    cr_assert_null(o.judge);
    cs_log_reset();
}

Test(match, a_chain_of_requests_collapses_into_one_feature_through_its_aliases)
{
    cs_catalog_t *cat = s_catalog(true);
    cs_vec_t v;
    cr_assert_eq(cs_vec_offline_feature("Slack notifications", "", &v), 0);
    cr_assert(cs_catalog_add(cat, F1, TI, "Slack notifications", "", &v, false));
    sink_t sink = {0};
    cs_match_opts_t o = s_offline_opts();
    o.cross_theme = true;
    cs_match_t *m = cs_match_new(&o, s_sink, &sink);
    /* C alone is nothing like the feature's name ... */
    cs_match_submit(m, s_extraction("1", "Integrations", "Alerts for assigned tickets", "", NULL),
                    cat);
    const json_t *c0 = s_decision(&sink, 0, 0);
    cr_assert_str_eq(cs_rec_str(c0, "action"), "create", "%s", cs_rec_str(c0, "reasoning"));
    cs_match_destroy(&m);
    s_sink_free(&sink);
    cs_catalog_destroy(&cat);

    /* ... but once B, like both, has joined it, C finds the feature through B's name */
    cat = s_catalog(true);
    cr_assert_eq(cs_vec_offline_feature("Slack notifications", "", &v), 0);
    cr_assert(cs_catalog_add(cat, F1, TI, "Slack notifications", "", &v, false));
    sink = (sink_t){0};
    m = cs_match_new(&o, s_sink, &sink);
    cs_match_submit(
        m, s_extraction("2", "Integrations", "Slack notifications for assigned tickets", "", NULL),
        cat);
    cs_match_submit(m, s_extraction("3", "Integrations", "Alerts for assigned tickets", "", NULL),
                    cat);
    const json_t *b = s_decision(&sink, 0, 0), *c = s_decision(&sink, 1, 0);
    cr_assert_str_eq(cs_rec_str(b, "action"), "link", "%s", cs_rec_str(b, "reasoning"));
    cr_assert_str_eq(cs_rec_str(c, "action"), "link", "%s", cs_rec_str(c, "reasoning"));
    cr_assert_str_eq(cs_rec_str(c, "feature_id"), F1);
    const cs_feature_t *f = cs_catalog_get(cat, F1);
    cr_assert_eq(f->naliases, 2, "B's and C's names are its aliases now");
    cr_assert_str_eq(f->quotes[0], "We really need this.", "and their quote its newest");
    /* the decision keeps its scores */
    const json_t *sc = json_object_get(b, "scores");
    cr_assert(json_is_object(sc));
    double vec = cs_rec_num(sc, "vector", -1), lex = cs_rec_num(sc, "lexical", -1),
           fused = cs_rec_num(sc, "fused", -1);
    cr_assert(vec > 0 && lex > 0 && fused >= o.new_below, "%f %f %f", vec, lex, fused);
    cr_assert_float_eq(fused, 0.5 * vec + 0.5 * lex, 2e-4);
    cr_assert_null(json_object_get(sc, "judge"), "no judge offline");
    const json_t *cand = json_array_get(json_object_get(b, "candidates"), 0);
    cr_assert_float_eq(cs_rec_num(cand, "fused", -1), fused, 1e-9);
    cs_match_destroy(&m);
    s_sink_free(&sink);
    cs_catalog_destroy(&cat);
}

/* ---- chains of duplicates collapse (cs_collapse.h) ---------------------------------------- */

/* F1 "Slack notifications" (mentions m1) and F2 "Alerts for assigned tickets" (m2), apart. */
static cs_catalog_t *s_chain_catalog(long m1, long m2)
{
    cs_catalog_t *cat = s_catalog(true);
    cs_vec_t v;
    cr_assert_eq(cs_vec_offline_feature("Slack notifications", "", &v), 0);
    cs_feature_t *f1 = cs_catalog_add(cat, F1, TI, "Slack notifications", "", &v, false);
    cr_assert_eq(cs_vec_offline_feature("Alerts for assigned tickets", "", &v), 0);
    cs_feature_t *f2 = cs_catalog_add(cat, F2, TI, "Alerts for assigned tickets", "", &v, false);
    cr_assert(f1 && f2);
    f1->mentions = m1;
    f2->mentions = m2;
    return cat;
}

/* Link "Slack notifications for assigned tickets" (like both) and return its record. */
static json_t *s_chain_link(cs_catalog_t *cat, const cs_match_opts_t *o, long *merged)
{
    sink_t sink = {0};
    cs_match_t *m = cs_match_new(o, s_sink, &sink);
    cs_match_submit(
        m, s_extraction("9", "Integrations", "Slack notifications for assigned tickets", "", NULL),
        cat);
    cr_assert_eq(sink.n, 1);
    const json_t *d = s_decision(&sink, 0, 0);
    cr_assert_str_eq(cs_rec_str(d, "action"), "link", "%s", cs_rec_str(d, "reasoning"));
    cs_match_totals_t t;
    cs_match_totals(m, &t);
    *merged = t.merged;
    cs_match_destroy(&m);
    return sink.out[0];
}

Test(match, after_a_link_the_targets_duplicate_merges_into_the_feature_with_more_mentions)
{
    cs_catalog_t *cat = s_chain_catalog(3, 1);
    cs_match_opts_t o = s_offline_opts();
    long merged;
    json_t *rec = s_chain_link(cat, &o, &merged);
    char err[256];
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "%s", err);
    const json_t *merges = json_object_get(rec, "merges");
    cr_assert_eq(json_array_size(merges), 1, "one merge proposed");
    const json_t *mg = json_array_get(merges, 0);
    cr_assert_str_eq(cs_rec_str(mg, "source"), F2, "the one with fewer mentions goes");
    cr_assert_str_eq(cs_rec_str(mg, "into"), F1);
    double fused = cs_rec_num(mg, "fused", -1);
    cr_assert(fused >= o.link_above && fused <= 1, "%f", fused);
    cr_assert(cs_rec_num(mg, "vector", -1) > 0 && cs_rec_num(mg, "lexical", -1) > 0);
    cr_assert_eq(merged, 1);
    /* in the catalogue at once: F2 is no candidate, its name leads to F1, its mentions count */
    const cs_feature_t *f1 = cs_catalog_get(cat, F1), *f2 = cs_catalog_get(cat, F2);
    cr_assert_eq(f2->merged_into, f1);
    cr_assert_eq(f1->mentions, 5, "3 + the link + F2's 1");
    cr_assert_eq(cs_catalog_exact(cat, TI, "alerts for assigned tickets", 0), f1);
    bool has_alias = false;
    for (int i = 0; i < f1->naliases; i++)
        has_alias |= strcmp(f1->aliases[i].name, "Alerts for assigned tickets") == 0;
    cr_assert(has_alias, "F2's name is an alias of F1");
    json_decref(rec);

    /* the next mention of F2's name links to F1, and nothing is proposed twice */
    sink_t sink = {0};
    cs_match_t *m = cs_match_new(&o, s_sink, &sink);
    cs_match_submit(m, s_extraction("10", "Integrations", "Alerts for assigned tickets", "", NULL),
                    cat);
    cs_match_submit(
        m, s_extraction("11", "Integrations", "Slack notifications for assigned tickets", "", NULL),
        cat);
    cr_assert_str_eq(cs_rec_str(s_decision(&sink, 0, 0), "feature_id"), F1);
    cr_assert_str_eq(cs_rec_str(s_decision(&sink, 1, 0), "feature_id"), F1);
    cr_assert_null(json_object_get(sink.out[0], "merges"));
    cr_assert_null(json_object_get(sink.out[1], "merges"));
    cs_match_destroy(&m);
    s_sink_free(&sink);
    cs_catalog_destroy(&cat);
}

Test(match, on_a_tie_of_mentions_the_older_feature_survives)
{
    cs_catalog_t *cat = s_chain_catalog(3, 2); /* the link makes F2's 3 */
    cs_match_opts_t o = s_offline_opts();
    long merged;
    json_t *rec = s_chain_link(cat, &o, &merged);
    const json_t *mg = json_array_get(json_object_get(rec, "merges"), 0);
    cr_assert(mg, "a merge");
    const char *linked =
        cs_rec_str(json_array_get(json_object_get(rec, "decisions"), 0), "feature_id");
    cr_assert_str_eq(linked, F2, "the request went to Alerts for assigned tickets");
    cr_assert_str_eq(cs_rec_str(mg, "into"), F1, "3 and 3: F1, the older, survives");
    cr_assert_str_eq(cs_rec_str(mg, "source"), F2, "though the request was linked to it");
    json_decref(rec);
    cs_catalog_destroy(&cat);
}

Test(match, a_curated_feature_is_never_merged_away_and_a_rejected_one_takes_no_part)
{
    cs_match_opts_t o = s_offline_opts();
    long merged;
    /* F2 (fewer mentions) was curated: F1 goes into it instead */
    cs_catalog_t *cat = s_chain_catalog(3, 1);
    ((cs_feature_t *)cs_catalog_get(cat, F2))->curated = true;
    json_t *rec = s_chain_link(cat, &o, &merged);
    const json_t *mg = json_array_get(json_object_get(rec, "merges"), 0);
    cr_assert(mg);
    cr_assert_str_eq(cs_rec_str(mg, "source"), F1);
    cr_assert_str_eq(cs_rec_str(mg, "into"), F2);
    json_decref(rec);
    cs_catalog_destroy(&cat);
    /* both curated, or one rejected: nothing */
    for (int k = 0; k < 2; k++) {
        cat = s_chain_catalog(3, 1);
        ((cs_feature_t *)cs_catalog_get(cat, F2))->curated = true;
        if (k == 0)
            ((cs_feature_t *)cs_catalog_get(cat, F1))->curated = true;
        else
            ((cs_feature_t *)cs_catalog_get(cat, F2))->rejected = true;
        rec = s_chain_link(cat, &o, &merged);
        cr_assert_null(json_object_get(rec, "merges"), "case %d", k);
        cr_assert_eq(merged, 0);
        cr_assert_null(cs_catalog_get(cat, F2)->merged_into);
        json_decref(rec);
        cs_catalog_destroy(&cat);
    }
}

Test(match, no_collapse_or_a_stricter_merge_threshold_keeps_them_apart)
{
    cs_match_opts_t o = s_offline_opts();
    long merged;
    double levels[] = {2, 0.99};
    for (size_t k = 0; k < CS_ARRAY_LEN(levels); k++) {
        o.merge_above = levels[k];
        cs_catalog_t *cat = s_chain_catalog(3, 1);
        json_t *rec = s_chain_link(cat, &o, &merged);
        cr_assert_null(json_object_get(rec, "merges"));
        cr_assert_eq(merged, 0);
        json_decref(rec);
        cs_catalog_destroy(&cat);
    }
}

Test(match, features_of_another_theme_merge_only_across_themes)
{
    cs_match_opts_t o = s_offline_opts();
    long merged;
    for (int cross = 0; cross < 2; cross++) {
        o.cross_theme = cross;
        cs_catalog_t *cat = s_catalog(true);
        cs_vec_t v;
        cr_assert_eq(cs_vec_offline_feature("Slack notifications", "", &v), 0);
        cs_catalog_add(cat, F1, TI, "Slack notifications", "", &v, false)->mentions = 3;
        cr_assert_eq(cs_vec_offline_feature("Alerts for assigned tickets", "", &v), 0);
        cs_catalog_add(cat, F2, TR, "Alerts for assigned tickets", "", &v, false)->mentions = 1;
        json_t *rec = s_chain_link(cat, &o, &merged);
        cr_assert_eq(json_array_size(json_object_get(rec, "merges")), (size_t)cross,
                     "cross_theme %d", cross);
        json_decref(rec);
        cs_catalog_destroy(&cat);
    }
}
