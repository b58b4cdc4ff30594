/* fake_openai's load mode (callsift-fake-llm), through the project's own cs_llm client and the
   stages' own request builders and validators: an extraction answers the call's true requests
   and passes cs_insights (and the strict schema), a chunk of a long call answers only what it
   holds, the judge answers from the truth, embeddings put the wordings of one request in the
   matcher's ambiguous band and different requests far apart, the rpm limit answers 429 with
   Retry-After, and concurrent requests wait in parallel. */
#define _GNU_SOURCE /* strcasestr */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>

#include "cs_insights.h"
#include "cs_judge.h"
#include "cs_llm.h"
#include "cs_llm_answer.h"
#include "cs_log.h"
#include "cs_prompt.h"
#include "cs_util.h"
#include "fake_openai.h"

#define CHAT  "/chat/completions"
#define EMBED "/embeddings"

static const char TRUTH[] =
    "{\"themes\": [{\"name\": \"Integrations\", \"description\": \"CRM, chat\"},"
    "              {\"name\": \"Reporting\", \"description\": \"Dashboards, exports\"}],"
    " \"customers\": [{\"name\": \"Acme\", \"domain\": \"acme.example\", \"mrr\": 1200}],"
    " \"requests\": {"
    "  \"salesforce-sync\": {\"theme\": \"Integrations\", \"title\": \"Two-way Salesforce sync\","
    "     \"variants\": [\"Bidirectional Salesforce sync\", \"Salesforce two-way integration\","
    "                    \"Sync records with Salesforce both ways\"], \"rank\": 1},"
    "  \"sla-dashboard\": {\"theme\": \"Reporting\", \"title\": \"SLA compliance dashboard\","
    "     \"variants\": [\"Dashboard for SLA compliance\", \"SLA reporting dashboard\","
    "                    \"Track SLA compliance on a dashboard\"], \"rank\": 2},"
    "  \"csv-export\": {\"theme\": \"Reporting\", \"title\": \"Export conversations to CSV\","
    "     \"variants\": [\"CSV export of conversations\", \"Download conversations as CSV\","
    "                    \"Conversation export to spreadsheet\"], \"rank\": 3}},"
    " \"calls\": {"
    "  \"9000000000000000001\": {\"n\": 1, \"title\": \"Discovery | Acme (load #1)\","
    "     \"customer\": \"Acme\", \"private\": false,"
    "     \"requests\": [{\"key\": \"salesforce-sync\","
    "                     \"sentence\": \"We really need our Salesforce records to sync both "
    "ways.\"},"
    "                    {\"key\": \"sla-dashboard\","
    "                     \"sentence\": \"Our managers keep asking for a dashboard of SLA "
    "compliance.\"}],"
    "     \"bugs\": [{\"title\": \"Search misses archived tickets\","
    "                 \"sentence\": \"Search never finds the archived tickets, which hurts.\"}]},"
    "  \"9000000000000000002\": {\"n\": 2, \"title\": \"QBR | Acme (load #2)\","
    "     \"customer\": \"Acme\", \"private\": false,"
    "     \"requests\": [{\"key\": \"csv-export\", \"sentence\": \"Can we get the threads out as a "
    "CSV file?\"}], \"bugs\": []}}}";

static fake_openai_t *s_fo;
static json_t *s_truth;

/* (Re)start the server with these options. */
static void s_start(int latency_ms, int jitter_ms, int rpm)
{
    fake_openai_stop(&s_fo);
    json_decref(s_truth);
    cs_log_set_level(CS_LOG_ERROR);
    json_error_t jerr;
    s_truth = json_loads(TRUTH, 0, &jerr);
    cr_assert_not_null(s_truth, "%s", jerr.text);
    fake_openai_load_opts_t o = {
        .truth = s_truth, .latency_ms = latency_ms, .jitter_ms = jitter_ms, .rpm = rpm};
    char err[256];
    s_fo = fake_openai_start_load(&o, err, sizeof err);
    cr_assert_not_null(s_fo, "%s", err);
}

static void setup(void)
{
    s_start(0, 0, 0);
}

static void teardown(void)
{
    fake_openai_stop(&s_fo);
    json_decref(s_truth);
    cs_log_reset();
}

TestSuite(fake_llm, .init = setup, .fini = teardown, .timeout = 60);

/* ---- asking through cs_llm ---------------------------------------------------------------- */

typedef struct {
    int done;
    long http_status;
    json_t *response;
} s_answer_t;

static void s_on_done(void *arg, const cs_llm_result_t *r)
{
    s_answer_t *a = arg;
    a->done++;
    a->http_status = r->http_status;
    a->response = r->response ? json_incref(r->response) : NULL;
}

static cs_llm_t *s_client(int concurrency, int max_attempts)
{
    cs_llm_opts_t o = {.base_url = fake_openai_url(s_fo),
                       .api_key = "x",
                       .concurrency = concurrency,
                       .timeout_ms = 20000,
                       .max_attempts = max_attempts,
                       .backoff_base_ms = 20,
                       .backoff_cap_ms = 100,
                       .retry_budget_ms = 1000}; /* a 429 asking for a minute ends at once */
    char err[256];
    cs_llm_t *llm = cs_llm_new(&o, err, sizeof err);
    cr_assert_not_null(llm, "%s", err);
    return llm;
}

/* POST body to path; the parsed response (new reference), NULL when it failed. */
static json_t *s_ask(const char *path, const json_t *body)
{
    cs_llm_t *llm = s_client(1, 1);
    s_answer_t a = {0};
    cr_assert_eq(cs_llm_submit(llm, path, body, s_on_done, &a), 0);
    while (cs_llm_run(llm, 1000) > 0)
        ;
    cs_llm_destroy(&llm);
    cr_assert_eq(a.done, 1);
    return a.response;
}

/* The content of a chat answer (a copy the caller frees). */
static char *s_content(json_t *response)
{
    cr_assert_not_null(response);
    long pt = 0, ct = 0;
    const char *finish = NULL;
    const char *content = cs_llm_chat_content(response, &finish, &pt, &ct);
    cr_assert_not_null(content);
    cr_assert_str_eq(finish, "stop");
    cr_assert_gt(pt, 0);
    cr_assert_gt(ct, 0);
    return strdup(content);
}

/* ---- the extraction ----------------------------------------------------------------------- */

static json_t *s_themes(void)
{
    return json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s, s:b}]", "name", "Integrations",
                     "description", "CRM and chat integrations", "name", "Reporting", "description",
                     "Dashboards and exports", "name", "Uncategorized", "description",
                     "Everything else", "is_default", 1);
}

static json_t *s_utterance(const char *speaker, const char *affiliation, int start_ms,
                           const char *text)
{
    return json_pack("{s:s, s:s, s:s, s:i, s:s}", "speaker_id", speaker, "speaker", speaker,
                     "affiliation", affiliation, "start_ms", start_ms, "text", text);
}

/* Call 1's transcript: the two requests and the bug said by customers, between vendor talk. */
static json_t *s_transcript(void)
{
    json_t *t = json_array();
    json_array_append_new(t, s_utterance("Sam Ortega", "Internal", 1000,
                                         "Thanks for joining, how is the rollout going?"));
    json_array_append_new(
        t, s_utterance("Maya Okafor", "External", 5000, "Mostly fine, but we have a few asks."));
    json_array_append_new(t, s_utterance("Maya Okafor", "External", 9000,
                                         "We really need our Salesforce records to sync both "
                                         "ways."));
    json_array_append_new(t, s_utterance("Sam Ortega", "Internal", 15000,
                                         "Understood, I will take that to the product team."));
    json_array_append_new(t, s_utterance("Jens Larsen", "External", 21000,
                                         "Search never finds the archived tickets, which hurts."));
    json_array_append_new(t, s_utterance("Sam Ortega", "Internal", 27000,
                                         "Sorry about that, we will look into it this week."));
    json_array_append_new(t, s_utterance("Jens Larsen", "External", 33000,
                                         "Our managers keep asking for a dashboard of SLA "
                                         "compliance."));
    json_array_append_new(t, s_utterance("Sam Ortega", "Internal", 39000,
                                         "Thanks, that is all for today, talk soon everyone."));
    return t;
}

static json_t *s_extraction_request(const char *title, const json_t *themes,
                                    const json_t *utterances, int index, int count)
{
    json_t *customer = json_pack("{s:s, s:i}", "name", "Acme", "mrr", 1200);
    cs_prompt_opts_t o = {.themes = themes,
                          .customer = customer,
                          .title = title,
                          .temperature = 0.3,
                          .json_schema = true};
    json_t *body = cs_prompt_extraction(&o, utterances, index, count);
    json_decref(customer);
    cr_assert_not_null(body);
    return body;
}

/* Does v follow the (strict, OpenAI-subset) JSON schema s? The reason goes into why. */
static bool s_valid(const json_t *s, const json_t *v, char *why, size_t whylen)
{
    const json_t *type = json_object_get(s, "type");
    bool typed = type == NULL;
    for (size_t i = 0; !typed && i < (json_is_array(type) ? json_array_size(type) : 1); i++) {
        const char *t = json_string_value(json_is_array(type) ? json_array_get(type, i) : type);
        typed = (strcmp(t, "object") == 0 && json_is_object(v)) ||
                (strcmp(t, "array") == 0 && json_is_array(v)) ||
                (strcmp(t, "string") == 0 && json_is_string(v)) ||
                (strcmp(t, "number") == 0 && json_is_number(v)) ||
                (strcmp(t, "boolean") == 0 && json_is_boolean(v)) ||
                (strcmp(t, "null") == 0 && json_is_null(v));
    }
    if (!typed) {
        snprintf(why, whylen, "wrong type: %s", json_dumps(v, JSON_ENCODE_ANY));
        return false;
    }
    const json_t *choices = json_object_get(s, "enum");
    if (choices) {
        bool found = false;
        for (size_t i = 0; i < json_array_size(choices); i++)
            found = found || json_equal(json_array_get(choices, i), (json_t *)v);
        if (!found) {
            snprintf(why, whylen, "not in the enum: %s", json_dumps(v, JSON_ENCODE_ANY));
            return false;
        }
    }
    if (json_is_object(v)) {
        const json_t *props = json_object_get(s, "properties");
        const json_t *required = json_object_get(s, "required");
        for (size_t i = 0; i < json_array_size(required); i++)
            if (!json_object_get(v, json_string_value(json_array_get(required, i)))) {
                snprintf(why, whylen, "missing %s", json_string_value(json_array_get(required, i)));
                return false;
            }
        const char *key;
        json_t *value;
        json_object_foreach((json_t *)v, key, value)
        {
            const json_t *sub = json_object_get(props, key);
            if (!sub && json_is_false(json_object_get(s, "additionalProperties"))) {
                snprintf(why, whylen, "extra property %s", key);
                return false;
            }
            if (sub && !s_valid(sub, value, why, whylen))
                return false;
        }
    }
    if (json_is_array(v))
        for (size_t i = 0; i < json_array_size(v); i++)
            if (!s_valid(json_object_get(s, "items"), json_array_get(v, i), why, whylen))
                return false;
    return true;
}

static const json_t *s_request_by_quote(const json_t *insights, const char *quote)
{
    const json_t *features = json_object_get(insights, "feature_requests");
    for (size_t i = 0; i < json_array_size(features); i++) {
        const char *q = json_string_value(json_object_get(json_array_get(features, i), "quote"));
        if (q && strcmp(q, quote) == 0)
            return json_array_get(features, i);
    }
    return NULL;
}

/* Is title the title or a variant of request key in the truth? */
static bool s_names(const char *key, const char *title)
{
    const json_t *req = json_object_get(json_object_get(s_truth, "requests"), key);
    if (strcmp(json_string_value(json_object_get(req, "title")), title) == 0)
        return true;
    const json_t *variants = json_object_get(req, "variants");
    for (size_t i = 0; i < json_array_size(variants); i++)
        if (strcmp(json_string_value(json_array_get(variants, i)), title) == 0)
            return true;
    return false;
}

Test(fake_llm, extraction_answers_the_true_requests_and_passes_the_validator)
{
    json_t *themes = s_themes(), *transcript = s_transcript();
    json_t *body = s_extraction_request("Discovery | Acme (load #1)", themes, transcript, 0, 1);
    json_t *response = s_ask(CHAT, body);
    char *content = s_content(response);

    json_t *answer = json_loads(content, 0, NULL);
    cr_assert_not_null(answer, "%s", content);
    char why[512] = "";
    const json_t *schema = json_object_get(
        json_object_get(json_object_get(body, "response_format"), "json_schema"), "schema");
    cr_assert(s_valid(schema, answer, why, sizeof why), "%s: %s", why, content);

    cs_insights_ctx_t ctx = {.themes = themes, .transcript = transcript};
    cs_insights_stats_t stats = {0};
    json_t *insights = NULL;
    cr_assert_eq(cs_insights_parse(content, &ctx, &insights, &stats, why, sizeof why), 0, "%s",
                 why);
    cr_assert_eq(stats.quotes_dropped, 0, "%s", content);
    cr_assert_eq(stats.themes_defaulted, 0, "%s", content);
    cr_assert_eq(json_array_size(json_object_get(insights, "feature_requests")), 2, "%s", content);
    const json_t *sf =
        s_request_by_quote(insights, "We really need our Salesforce records to sync both ways.");
    const json_t *sla =
        s_request_by_quote(insights, "Our managers keep asking for a dashboard of SLA compliance.");
    cr_assert(sf && sla, "%s", content);
    cr_assert(s_names("salesforce-sync", json_string_value(json_object_get(sf, "title"))));
    cr_assert(s_names("sla-dashboard", json_string_value(json_object_get(sla, "title"))));
    cr_assert_str_eq(json_string_value(json_object_get(sf, "theme")), "Integrations");
    cr_assert_str_eq(json_string_value(json_object_get(sla, "theme")), "Reporting");
    cr_assert_str_eq(json_string_value(json_object_get(sf, "speaker")), "Maya Okafor");
    cr_assert_str_eq(json_string_value(json_object_get(sla, "speaker")), "Jens Larsen");
    const json_t *bugs = json_object_get(insights, "bug_reports");
    cr_assert_eq(json_array_size(bugs), 1);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(bugs, 0), "title")),
                     "Search misses archived tickets");
    cr_assert(json_is_object(json_object_get(insights, "sentiment")));

    /* the same call asked again answers the same (deterministic) */
    json_t *again = s_ask(CHAT, body);
    char *content2 = s_content(again);
    cr_assert_str_eq(content, content2);

    fake_openai_load_stats_t st;
    fake_openai_load_stats(s_fo, &st);
    cr_assert_eq(st.chat_extract, 2);
    cr_assert_eq(st.extract_unknown, 0);
    cr_assert_gt(st.prompt_tokens, 200, "the prompt is a token per 4 characters");
    cr_assert_gt(st.completion_tokens, 50);
    free(content2);
    json_decref(again);
    json_decref(insights);
    json_decref(answer);
    free(content);
    json_decref(response);
    json_decref(body);
    json_decref(themes);
    json_decref(transcript);
}

Test(fake_llm, a_chunk_answers_only_the_requests_it_holds)
{
    json_t *themes = s_themes(), *transcript = s_transcript();
    json_t *chunks = cs_prompt_chunks(transcript, 64, 1);
    size_t n = json_array_size(chunks);
    cr_assert_gt(n, 2, "the call is cut in several chunks");
    json_t *parts = json_array();
    int answered = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *chunk = json_array_get(chunks, i);
        json_t *body =
            s_extraction_request("Discovery | Acme (load #1)", themes, chunk, (int)i, (int)n);
        json_t *response = s_ask(CHAT, body);
        char *content = s_content(response);
        cs_insights_ctx_t ctx = {.themes = themes, .transcript = transcript};
        cs_insights_stats_t stats = {0};
        json_t *insights = NULL;
        char why[256];
        cr_assert_eq(cs_insights_parse(content, &ctx, &insights, &stats, why, sizeof why), 0);
        cr_assert_eq(stats.quotes_dropped, 0);
        const json_t *features = json_object_get(insights, "feature_requests");
        for (size_t k = 0; k < json_array_size(features); k++) {
            const char *quote =
                json_string_value(json_object_get(json_array_get(features, k), "quote"));
            bool in_chunk = false;
            for (size_t u = 0; u < json_array_size(chunk); u++)
                in_chunk =
                    in_chunk ||
                    strcmp(json_string_value(json_object_get(json_array_get(chunk, u), "text")),
                           quote) == 0;
            cr_assert(in_chunk, "chunk %zu answered '%s', which it does not hold", i, quote);
            answered++;
        }
        json_array_append_new(parts, insights);
        free(content);
        json_decref(response);
        json_decref(body);
    }
    cr_assert_geq(answered, 2);
    json_t *merged = cs_insights_merge(parts);
    cr_assert_eq(json_array_size(json_object_get(merged, "feature_requests")), 2,
                 "the chunks' answers merge into the call's two requests");
    cr_assert_eq(json_array_size(json_object_get(merged, "bug_reports")), 1);
    json_decref(merged);
    json_decref(parts);
    json_decref(chunks);
    json_decref(themes);
    json_decref(transcript);
}

Test(fake_llm, an_unknown_call_gets_an_empty_valid_answer)
{
    json_t *themes = s_themes(), *transcript = s_transcript();
    json_t *body = s_extraction_request("Some other call", themes, transcript, 0, 1);
    json_t *response = s_ask(CHAT, body);
    char *content = s_content(response);
    char why[256] = "";
    json_t *answer = json_loads(content, 0, NULL);
    const json_t *schema = json_object_get(
        json_object_get(json_object_get(body, "response_format"), "json_schema"), "schema");
    cr_assert(s_valid(schema, answer, why, sizeof why), "%s: %s", why, content);
    cr_assert_eq(json_array_size(json_object_get(answer, "feature_requests")), 0);
    fake_openai_load_stats_t st;
    fake_openai_load_stats(s_fo, &st);
    cr_assert_eq(st.chat_extract, 1);
    cr_assert_eq(st.extract_unknown, 1);
    json_decref(answer);
    free(content);
    json_decref(response);
    json_decref(body);

    /* "(load #9)": a marker, but no such call */
    body = s_extraction_request("Renewal (load #9)", themes, transcript, 0, 1);
    response = s_ask(CHAT, body);
    content = s_content(response);
    cr_assert(strstr(content, "\"feature_requests\":[]"), "%s", content);
    fake_openai_load_stats(s_fo, &st);
    cr_assert_eq(st.extract_unknown, 2);
    free(content);
    json_decref(response);
    json_decref(body);
    json_decref(themes);
    json_decref(transcript);
}

Test(fake_llm, a_theme_the_workspace_lacks_becomes_its_default)
{
    json_t *themes =
        json_pack("[{s:s, s:s}, {s:s, s:s, s:b}]", "name", "integrations", "description", "CRM",
                  "name", "Uncategorized", "description", "Everything else", "is_default", 1);
    json_t *transcript = s_transcript();
    json_t *body = s_extraction_request("Discovery | Acme (load #1)", themes, transcript, 0, 1);
    json_t *response = s_ask(CHAT, body);
    char *content = s_content(response);
    char why[256] = "";
    json_t *answer = json_loads(content, 0, NULL);
    const json_t *schema = json_object_get(
        json_object_get(json_object_get(body, "response_format"), "json_schema"), "schema");
    cr_assert(s_valid(schema, answer, why, sizeof why), "%s: %s", why, content);
    cr_assert(strstr(content, "\"theme\":\"integrations\""), "the schema's spelling: %s", content);
    cr_assert(strstr(content, "\"theme\":\"Uncategorized\""), "%s", content);
    json_decref(answer);
    free(content);
    json_decref(response);
    json_decref(body);
    json_decref(themes);
    json_decref(transcript);
}

/* ---- the judge ---------------------------------------------------------------------------- */

/* The fake judge's answer to `title` against three candidates (two of them one request): it
   passes the strict schema and cs_judge_parse as json_schema, names expect_id (NULL: not a
   duplicate), and rates the runner-up `runner`. */
static void s_judge(const char *title, const char *expect_id, double runner)
{
    json_t *candidates =
        json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s}]", "id", "f-1", "name",
                  "SLA compliance dashboard", "description", "Dashboards", "id", "f-2", "name",
                  "bidirectional  SALESFORCE sync", "description", "Sync", "id", "f-3", "name",
                  "Two-way Salesforce sync", "description", "Sync again");
    json_t *feature = json_pack("{s:s, s:s}", "title", title, "description", "What they want.");
    json_t *body = cs_judge_request("gpt-4o-mini", true, feature, candidates);
    json_t *response = s_ask(CHAT, body);
    char *content = s_content(response);
    cs_verdict_t v;
    char err[256];
    json_t *answer = json_loads(content, 0, NULL);
    const json_t *schema = json_object_get(
        json_object_get(json_object_get(body, "response_format"), "json_schema"), "schema");
    cr_assert(s_valid(schema, answer, err, sizeof err), "%s: %s", err, content);
    json_decref(answer);
    cr_assert_eq(cs_judge_parse(content, candidates, true, &v, err, sizeof err), 0, "%s: %s", err,
                 content);
    cr_assert_float_eq(v.runner_up_confidence, runner, 1e-9, "%s: %s", title, content);
    if (expect_id) {
        cr_assert(v.is_duplicate, "%s: %s", title, content);
        cr_assert_str_eq(v.matching_feature_id, expect_id);
        cr_assert_float_eq(v.confidence, 0.9, 1e-9);
    } else {
        cr_assert_not(v.is_duplicate, "%s: %s", title, content);
        cr_assert_float_eq(v.confidence, 0.85, 1e-9);
    }
    free(content);
    json_decref(response);
    json_decref(body);
    json_decref(feature);
    json_decref(candidates);
}

Test(fake_llm, the_judge_answers_from_the_truth)
{
    /* the first with its key; f-3 is that request too, by the truth: a runner-up as likely */
    s_judge("Sync records with Salesforce both ways", "f-2", 0.9);
    s_judge("salesforce two-way integration", "f-2", 0.9);
    s_judge("Track SLA compliance on a dashboard", "f-1", 0.05);
    s_judge("Download conversations as CSV", NULL, 0.05); /* known, but no candidate is it */
    s_judge("Dark mode", NULL, 0.05);                     /* unknown */
    fake_openai_load_stats_t st;
    fake_openai_load_stats(s_fo, &st);
    cr_assert_eq(st.chat_judge, 5);
    cr_assert_eq(st.judge_duplicate, 3);
    cr_assert_eq(st.judge_new, 2);
    cr_assert_eq(st.chat_extract, 0);
}

/* ---- embeddings --------------------------------------------------------------------------- */

static double s_cos(const json_t *a, const json_t *b)
{
    double dot = 0;
    for (size_t i = 0; i < json_array_size(a); i++)
        dot += json_real_value(json_array_get(a, i)) * json_real_value(json_array_get(b, i));
    return dot;
}

Test(fake_llm, embeddings_put_wordings_of_one_request_in_the_ambiguous_band)
{
    const char *texts[] = {
        "Bidirectional Salesforce sync",
        "Two-way Salesforce sync. The customer asks for Two-way Salesforce sync.",
        "salesforce TWO-WAY integration",
        "SLA compliance dashboard",
        "Something else entirely",
        "Bidirectional Salesforce sync",
    };
    json_t *input = json_array();
    for (size_t i = 0; i < 6; i++)
        json_array_append_new(input, json_string(texts[i]));
    json_t *body = json_pack("{s:s, s:o}", "model", "text-embedding-3-small", "input", input);
    json_t *response = s_ask(EMBED, body);
    cr_assert_not_null(response);
    const json_t *data = json_object_get(response, "data");
    cr_assert_eq(json_array_size(data), 6);
    const json_t *v[6];
    for (size_t i = 0; i < 6; i++) {
        v[i] = json_object_get(json_array_get(data, i), "embedding");
        cr_assert_eq(json_array_size(v[i]), 512, "the default dimensions");
        cr_assert_float_eq(s_cos(v[i], v[i]), 1.0, 1e-4, "unit length");
    }
    for (size_t i = 0; i < 3; i++)
        for (size_t k = i + 1; k < 3; k++) {
            double c = s_cos(v[i], v[k]);
            cr_assert(c > 0.5 && c < 0.8, "wordings %zu and %zu of one request: %f", i, k, c);
        }
    for (size_t i = 0; i < 3; i++)
        for (size_t k = 3; k < 5; k++)
            cr_assert(fabs(s_cos(v[i], v[k])) < 0.25, "%zu and %zu: %f", i, k, s_cos(v[i], v[k]));
    cr_assert(fabs(s_cos(v[3], v[4])) < 0.25);
    cr_assert_float_eq(s_cos(v[0], v[5]), 1.0, 1e-6, "the same text, the same vector");
    cr_assert_gt(
        json_integer_value(json_object_get(json_object_get(response, "usage"), "prompt_tokens")),
        20);
    json_decref(response);
    json_decref(body);

    body = json_pack("{s:s, s:s, s:i}", "model", "m", "input", "SLA reporting dashboard",
                     "dimensions", 256);
    response = s_ask(EMBED, body);
    cr_assert_eq(json_array_size(json_object_get(
                     json_array_get(json_object_get(response, "data"), 0), "embedding")),
                 256);
    fake_openai_load_stats_t st;
    fake_openai_load_stats(s_fo, &st);
    cr_assert_eq(st.embeddings, 2);
    cr_assert_eq(st.embedding_inputs, 7);
    json_decref(response);
    json_decref(body);
}

/* ---- rate limit, latency, concurrency ----------------------------------------------------- */

static size_t s_header(char *buf, size_t size, size_t n, void *arg)
{
    char *headers = arg;
    size_t have = strlen(headers), len = size * n;
    if (have + len < 4096) {
        memcpy(headers + have, buf, len);
        headers[have + len] = '\0';
    }
    return len;
}

static size_t s_body(char *buf, size_t size, size_t n, void *arg)
{
    return s_header(buf, size, n, arg);
}

/* A raw POST (libcurl), to see the headers: status; headers and body into 4 KiB buffers. */
static long s_post(const char *path, const char *json, char *headers, char *body)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", fake_openai_url(s_fo), path);
    headers[0] = body[0] = '\0';
    CURL *curl = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, s_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    long status = 0;
    if (curl_easy_perform(curl) == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(curl);
    return status;
}

Test(fake_llm, over_the_rpm_limit_is_429_with_retry_after)
{
    s_start(0, 0, 3);
    static const char EMBED_BODY[] = "{\"model\": \"m\", \"input\": [\"Dark mode\"]}";
    char headers[4096], body[4096];
    for (int i = 0; i < 3; i++)
        cr_assert_eq(s_post(EMBED, EMBED_BODY, headers, body), 200, "%d: %s", i, body);
    int64_t t0 = cs_now_ms();
    cr_assert_eq(s_post(EMBED, EMBED_BODY, headers, body), 429);
    cr_assert_lt(cs_now_ms() - t0, 1000, "a 429 comes at once");
    const char *ra = strcasestr(headers, "\nRetry-After: ");
    cr_assert_not_null(ra, "%s", headers);
    int seconds = atoi(ra + strlen("\nRetry-After: "));
    cr_assert(seconds >= 55 && seconds <= 60, "a slot frees in about a minute: %d", seconds);
    cr_assert(strcasestr(headers, "\nx-ratelimit-reset-requests: "), "%s", headers);
    json_t *error = json_loads(body, 0, NULL);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(error, "error"), "code")),
                     "rate_limit_exceeded");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(error, "error"), "type")),
                     "requests");
    cr_assert(strstr(json_string_value(json_object_get(json_object_get(error, "error"), "message")),
                     "Rate limit reached"));
    json_decref(error);

    /* the project's client sees it as a 429 (its retry budget is shorter than the wait) */
    cs_llm_t *llm = s_client(1, 1);
    s_answer_t a = {0};
    json_t *req = json_loads(EMBED_BODY, 0, NULL);
    cs_llm_submit(llm, EMBED, req, s_on_done, &a);
    while (cs_llm_run(llm, 1000) > 0)
        ;
    cr_assert_eq(a.http_status, 429);
    cs_llm_destroy(&llm);
    json_decref(req);

    fake_openai_load_stats_t st;
    fake_openai_load_stats(s_fo, &st);
    cr_assert_eq(st.embeddings, 3, "429s are not accepted requests");
    cr_assert_eq(st.rate_limited, 2);
    char *line = fake_openai_load_stats_json(s_fo);
    json_t *parsed = json_loads(line, 0, NULL);
    cr_assert_eq(json_integer_value(json_object_get(parsed, "rate_limited")), 2, "%s", line);
    cr_assert_eq(
        json_integer_value(json_object_get(json_object_get(parsed, "requests"), "embeddings")), 3);
    json_decref(parsed);
    free(line);
}

/* The value of header `name` in a block of headers, into out; false when absent. */
static bool s_header_of(const char *headers, const char *name, char *out, size_t outlen)
{
    char key[96];
    snprintf(key, sizeof key, "\n%s: ", name);
    const char *p = strcasestr(headers, key);
    if (!p)
        return false;
    p += strlen(key);
    size_t n = strcspn(p, "\r\n");
    snprintf(out, outlen, "%.*s", (int)(n < outlen ? n : outlen - 1), p);
    return true;
}

Test(fake_llm, every_answer_says_what_is_left_of_the_limit)
{
    /* 6 a minute: each answer, to whichever client (each post is a connection of its own),
       says how many of the account's requests are left and when the limit is back to its
       initial state (the newest request counted leaves the 60 s window) */
    s_start(0, 0, 6);
    static const char EMBED_BODY[] = "{\"model\": \"m\", \"input\": [\"Dark mode\"]}";
    char headers[4096], body[4096], v[64];
    for (int i = 0; i < 6; i++) {
        cr_assert_eq(s_post(EMBED, EMBED_BODY, headers, body), 200, "%s", body);
        cr_assert(s_header_of(headers, "x-ratelimit-limit-requests", v, sizeof v), "%s", headers);
        cr_assert_str_eq(v, "6");
        cr_assert(s_header_of(headers, "x-ratelimit-remaining-requests", v, sizeof v));
        cr_assert_eq(atoi(v), 5 - i, "answer %d: %s left", i, v);
        cr_assert(s_header_of(headers, "x-ratelimit-reset-requests", v, sizeof v));
        int64_t reset = cs_llm_duration_ms(v);
        cr_assert(reset > 50000 && reset <= 60000, "OpenAI's form, about a minute: '%s'", v);
    }
    /* over the limit: a 429 with nothing left, the refused request counted too */
    cr_assert_eq(s_post(EMBED, EMBED_BODY, headers, body), 429);
    cr_assert(s_header_of(headers, "x-ratelimit-remaining-requests", v, sizeof v));
    cr_assert_str_eq(v, "0");
    cr_assert(s_header_of(headers, "x-ratelimit-reset-requests", v, sizeof v));
    cr_assert(cs_llm_duration_ms(v) > 50000, "%s", v);
    cr_assert(s_header_of(headers, "Retry-After", v, sizeof v));
    cr_assert(atoi(v) >= 50 && atoi(v) <= 60, "a slot frees when the first leaves: %s", v);

    /* a provider that names no limit says nothing of what is left either */
    fake_openai_stop(&s_fo);
    fake_openai_load_opts_t o = {.truth = s_truth, .rpm = 6, .no_limit_headers = true};
    char err[256];
    s_fo = fake_openai_start_load(&o, err, sizeof err);
    cr_assert_not_null(s_fo, "%s", err);
    cr_assert_eq(s_post(EMBED, EMBED_BODY, headers, body), 200);
    cr_assert_not(s_header_of(headers, "x-ratelimit-remaining-requests", v, sizeof v));
    cr_assert_not(s_header_of(headers, "x-ratelimit-reset-requests", v, sizeof v));
}

Test(fake_llm, a_token_limit_says_what_is_left_of_it_too)
{
    /* 60 tokens a minute; this body is 38 bytes, 10 tokens: six pass, the seventh is refused
       by the token limit (type "tokens"), and a refused request spends no tokens */
    fake_openai_stop(&s_fo);
    fake_openai_load_opts_t o = {.truth = s_truth, .rpm = 100, .tpm = 60};
    char err[256];
    s_fo = fake_openai_start_load(&o, err, sizeof err);
    cr_assert_not_null(s_fo, "%s", err);
    static const char EMBED_BODY[] = "{\"model\": \"m\", \"input\": [\"Dark mode\"]}";
    cr_assert_eq(strlen(EMBED_BODY), 38);
    char headers[4096], body[4096], v[64];
    for (int i = 0; i < 6; i++) {
        cr_assert_eq(s_post(EMBED, EMBED_BODY, headers, body), 200, "%d: %s", i, body);
        cr_assert(s_header_of(headers, "x-ratelimit-limit-tokens", v, sizeof v), "%s", headers);
        cr_assert_str_eq(v, "60");
        cr_assert(s_header_of(headers, "x-ratelimit-remaining-tokens", v, sizeof v));
        cr_assert_eq(atoi(v), 50 - 10 * i, "answer %d: %s tokens left", i, v);
        cr_assert(s_header_of(headers, "x-ratelimit-reset-tokens", v, sizeof v));
        cr_assert(cs_llm_duration_ms(v) > 50000 && cs_llm_duration_ms(v) <= 60000, "%s", v);
        cr_assert(s_header_of(headers, "x-ratelimit-remaining-requests", v, sizeof v));
        cr_assert_eq(atoi(v), 99 - i);
    }
    cr_assert_eq(s_post(EMBED, EMBED_BODY, headers, body), 429);
    json_t *error = json_loads(body, 0, NULL);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(error, "error"), "type")),
                     "tokens", "%s", body);
    json_decref(error);
    cr_assert(s_header_of(headers, "x-ratelimit-remaining-tokens", v, sizeof v));
    cr_assert_str_eq(v, "0");
    cr_assert(s_header_of(headers, "x-ratelimit-remaining-requests", v, sizeof v));
    cr_assert_str_eq(v, "93", "the refused request counts against the requests limit");
}

Test(fake_llm, a_short_rpm_window_spreads_the_limit_over_the_minute)
{
    /* 120 a minute over 1 s windows: 2 a second, the third at once is refused, and a slot is
       free again within the second */
    fake_openai_stop(&s_fo);
    fake_openai_load_opts_t o = {.truth = s_truth, .rpm = 120, .window_s = 1};
    char err[256];
    s_fo = fake_openai_start_load(&o, err, sizeof err);
    cr_assert_not_null(s_fo, "%s", err);
    static const char EMBED_BODY[] = "{\"model\": \"m\", \"input\": [\"Dark mode\"]}";
    char headers[4096], body[4096];
    cr_assert_eq(s_post(EMBED, EMBED_BODY, headers, body), 200);
    cr_assert_eq(s_post(EMBED, EMBED_BODY, headers, body), 200);
    cr_assert_eq(s_post(EMBED, EMBED_BODY, headers, body), 429);
    const char *ra = strcasestr(headers, "\nRetry-After: ");
    cr_assert_not_null(ra, "%s", headers);
    cr_assert_eq(atoi(ra + strlen("\nRetry-After: ")), 1, "%s", headers);
    usleep(1100 * 1000);
    cr_assert_eq(s_post(EMBED, EMBED_BODY, headers, body), 200, "the window moved on");
}

Test(fake_llm, refused_requests_count_against_the_limit)
{
    /* OpenAI: "unsuccessful requests contribute to your per-minute limit, so continuously
       resending a request won't work". 2 a second: 2 accepted, then 3 refused half a second
       later; when the accepted ones have left the window the refused ones still fill it */
    fake_openai_stop(&s_fo);
    fake_openai_load_opts_t o = {.truth = s_truth, .rpm = 120, .window_s = 1};
    char err[256];
    s_fo = fake_openai_start_load(&o, err, sizeof err);
    cr_assert_not_null(s_fo, "%s", err);
    static const char EMBED_BODY[] = "{\"model\": \"m\", \"input\": [\"Dark mode\"]}";
    char headers[4096], body[4096];
    int64_t t0 = cs_now_ms();
    cr_assert_eq(s_post(EMBED, EMBED_BODY, headers, body), 200);
    cr_assert_eq(s_post(EMBED, EMBED_BODY, headers, body), 200);
    usleep(500 * 1000);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(s_post(EMBED, EMBED_BODY, headers, body), 429);
    int64_t until = t0 + 1150 - cs_now_ms(); /* past already on a slow run (valgrind) */
    if (until > 0)
        usleep((useconds_t)until * 1000);
    cr_assert_eq(s_post(EMBED, EMBED_BODY, headers, body), 429,
                 "the refused requests of half a second ago still count");
    usleep(1700 * 1000);
    cr_assert_eq(s_post(EMBED, EMBED_BODY, headers, body), 200, "the window moved on");
    fake_openai_load_stats_t st;
    fake_openai_load_stats(s_fo, &st);
    cr_assert_eq(st.rate_limited, 4);
    cr_assert_eq(st.embeddings, 3);
}

/* The fake in load mode with these limits, for the per-model tests. */
static void s_start_limits(int rpm, int embeddings_rpm, bool shared)
{
    fake_openai_stop(&s_fo);
    fake_openai_load_opts_t o = {
        .truth = s_truth, .rpm = rpm, .embeddings_rpm = embeddings_rpm, .shared_limit = shared};
    char err[256];
    s_fo = fake_openai_start_load(&o, err, sizeof err);
    cr_assert_not_null(s_fo, "%s", err);
}

static const char MINI_BODY[] =
    "{\"model\": \"gpt-4o-mini\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";
static const char FOUR_O_BODY[] =
    "{\"model\": \"gpt-4o\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";
static const char SMALL_BODY[] =
    "{\"model\": \"text-embedding-3-small\", \"input\": [\"Dark mode\"]}";

/* Post body to path, expect status, and check the answer's requests limit and what is left. */
static void s_expect(const char *path, const char *json, long status, const char *limit,
                     const char *left, const char *what)
{
    char headers[4096], body[4096], v[64];
    cr_assert_eq(s_post(path, json, headers, body), status, "%s: %s", what, body);
    cr_assert(s_header_of(headers, "x-ratelimit-limit-requests", v, sizeof v), "%s: %s", what,
              headers);
    cr_assert_str_eq(v, limit, "%s: the limit of the model asked", what);
    cr_assert(s_header_of(headers, "x-ratelimit-remaining-requests", v, sizeof v), "%s", what);
    cr_assert_str_eq(v, left, "%s: what its window has left", what);
}

Test(fake_llm, each_model_has_its_own_limit_and_headers)
{
    /* OpenAI limits every model on its own: 2 a minute for each chat model, 3 for each
       embeddings model. The chat model full, the embeddings model and another chat model
       still answer, and each answer's x-ratelimit-* describe the model it answers. */
    s_start_limits(2, 3, false);
    s_expect(CHAT, MINI_BODY, 200, "2", "1", "mini 1");
    s_expect(EMBED, SMALL_BODY, 200, "3", "2", "small 1");
    s_expect(CHAT, MINI_BODY, 200, "2", "0", "mini 2");
    s_expect(CHAT, MINI_BODY, 429, "2", "0", "mini 3: its model is full");
    char headers[4096], body[4096];
    cr_assert_eq(s_post(CHAT, MINI_BODY, headers, body), 429);
    json_t *error = json_loads(body, 0, NULL);
    const char *message =
        json_string_value(json_object_get(json_object_get(error, "error"), "message"));
    cr_assert(message && strstr(message, "Rate limit reached for gpt-4o-mini "), "%s", body);
    cr_assert(strstr(message, "Limit 2,"), "%s", message);
    json_decref(error);
    s_expect(EMBED, SMALL_BODY, 200, "3", "1", "small 2: not the chat model's limit");
    s_expect(CHAT, FOUR_O_BODY, 200, "2", "1", "gpt-4o: a chat model of its own");
    s_expect(EMBED, SMALL_BODY, 200, "3", "0", "small 3");
    s_expect(EMBED, SMALL_BODY, 429, "3", "0", "small 4");
    fake_openai_load_stats_t st;
    fake_openai_load_stats(s_fo, &st);
    cr_assert_eq(st.rate_limited, 3);
    cr_assert_eq(st.embeddings, 3);
    cr_assert_eq(st.chat_other, 3);

    /* a request that names no model counts as the model its answer names */
    s_expect(EMBED, "{\"input\": [\"Dark mode\"]}", 429, "3", "0", "unnamed embeddings");
    s_expect(CHAT, "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}", 200, "2", "1",
             "unnamed chat: fake-model");
}

Test(fake_llm, embeddings_take_the_chat_limit_by_default_or_none)
{
    /* 0: each embeddings model has the chat models' limit, in a window of its own */
    s_start_limits(2, 0, false);
    s_expect(CHAT, MINI_BODY, 200, "2", "1", "mini 1");
    s_expect(CHAT, MINI_BODY, 200, "2", "0", "mini 2");
    s_expect(EMBED, SMALL_BODY, 200, "2", "1", "small 1");
    s_expect(EMBED, SMALL_BODY, 200, "2", "0", "small 2");
    s_expect(EMBED, SMALL_BODY, 429, "2", "0", "small 3");

    /* -1: no limit on the embeddings, and no limit headers on their answers */
    s_start_limits(1, -1, false);
    char headers[4096], body[4096], v[64];
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(s_post(EMBED, SMALL_BODY, headers, body), 200, "%d: %s", i, body);
        cr_assert_not(s_header_of(headers, "x-ratelimit-limit-requests", v, sizeof v), "%s",
                      headers);
    }
    s_expect(CHAT, MINI_BODY, 200, "1", "0", "mini 1");
    s_expect(CHAT, MINI_BODY, 429, "1", "0", "mini 2");
}

Test(fake_llm, a_shared_limit_counts_every_model_in_one_window)
{
    /* the account-wide window of old (--shared-limit): the embeddings' own limit is unused */
    s_start_limits(3, 100, true);
    s_expect(CHAT, MINI_BODY, 200, "3", "2", "mini");
    s_expect(EMBED, SMALL_BODY, 200, "3", "1", "small");
    s_expect(CHAT, FOUR_O_BODY, 200, "3", "0", "gpt-4o");
    s_expect(EMBED, SMALL_BODY, 429, "3", "0", "small again");
    s_expect(CHAT, FOUR_O_BODY, 429, "3", "0", "gpt-4o again");
}

/* n judge requests at once through cs_llm with concurrency n; the wall time in ms. */
static int64_t s_burst(int n)
{
    cs_llm_t *llm = s_client(n, 1);
    s_answer_t *a = calloc((size_t)n, sizeof *a);
    json_t *candidates = json_pack("[{s:s, s:s, s:s}]", "id", "f-1", "name",
                                   "SLA compliance dashboard", "description", "Dashboards");
    json_t *feature =
        json_pack("{s:s, s:s}", "title", "SLA reporting dashboard", "description", "A dashboard.");
    json_t *body = cs_judge_request("gpt-4o-mini", true, feature, candidates);
    int64_t t0 = cs_now_ms();
    for (int i = 0; i < n; i++)
        cr_assert_eq(cs_llm_submit(llm, CHAT, body, s_on_done, &a[i]), 0);
    while (cs_llm_run(llm, 1000) > 0)
        ;
    int64_t took = cs_now_ms() - t0;
    for (int i = 0; i < n; i++) {
        cr_assert_eq(a[i].done, 1);
        cr_assert_eq(a[i].http_status, 200, "request %d", i);
        json_decref(a[i].response);
    }
    free(a);
    json_decref(body);
    json_decref(feature);
    json_decref(candidates);
    cs_llm_destroy(&llm);
    return took;
}

Test(fake_llm, concurrent_requests_wait_in_parallel)
{
    s_start(400, 50, 0);
    int64_t took = s_burst(16);
    cr_assert_geq(took, 350, "each answer waits its latency: %lld ms", (long long)took);
    /* the client knows no limit, so it starts slow (cs_pace.h): 4 at once, then 8, then the
       last 4, three rounds of 400 ms; one at a time would take 16 rounds */
    cr_assert_lt(took, 8 * 400, "16 requests with 400 ms latency took %lld ms", (long long)took);
    fake_openai_load_stats_t st;
    fake_openai_load_stats(s_fo, &st);
    cr_assert_eq(st.chat_judge, 16);
    cr_assert_eq(st.judge_duplicate, 16);
}

Test(fake_llm, two_hundred_fifty_six_connections_at_once)
{
    /* a latency long enough that, even under valgrind on a busy machine (where starting 256
       transfers takes over half a second), the first answers come after the last request went
       out, so the count of requests in progress at once measures the server, not the client */
    s_start(2000, 0, 0);
    int64_t took = s_burst(256);
    /* one after another they would take 512 s */
    cr_assert_lt(took, 10 * 2000, "256 requests with 2000 ms latency took %lld ms",
                 (long long)took);
    cr_assert_geq(fake_openai_max_in_progress(s_fo), 128, "in progress at once: %d",
                  fake_openai_max_in_progress(s_fo));
}

/* ---- starting ------------------------------------------------------------------------------ */

Test(fake_llm, the_truth_is_read_from_a_file_and_checked)
{
    char path[] = "/tmp/test_fake_llm_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, TRUTH, sizeof TRUTH - 1), (ssize_t)(sizeof TRUTH - 1));
    close(fd);
    char err[512] = "";
    fake_openai_load_opts_t o = {.truth_path = path, .dims = 8};
    fake_openai_t *f = fake_openai_start_load(&o, err, sizeof err);
    cr_assert_not_null(f, "%s", err);
    cr_assert(strncmp(fake_openai_url(f), "http://127.0.0.1:", 17) == 0);
    fake_openai_stop(&f);
    cr_assert_null(f);

    FILE *out = fopen(path, "w");
    fputs("{\"requests\": [1, 2]}", out);
    fclose(out);
    cr_assert_null(fake_openai_start_load(&o, err, sizeof err));
    cr_assert(strstr(err, "must be objects"), "%s", err);
    unlink(path);
    cr_assert_null(fake_openai_start_load(&o, err, sizeof err));
    cr_assert(strstr(err, "cannot read the truth"), "%s", err);
    o = (fake_openai_load_opts_t){.rpm = -1};
    cr_assert_null(fake_openai_start_load(&o, err, sizeof err));
    cr_assert(strstr(err, "out of range"), "%s", err);
}

Test(fake_llm, other_paths_are_404_and_counted)
{
    char headers[4096], body[4096];
    cr_assert_eq(s_post("/models/x", "{}", headers, body), 404);
    cr_assert(strstr(body, "\"error\""), "%s", body);
    fake_openai_load_stats_t st;
    fake_openai_load_stats(s_fo, &st);
    cr_assert_eq(st.other, 1);
    cr_assert_eq(fake_openai_request_count(s_fo), 0, "load mode keeps no log unless asked");
}
