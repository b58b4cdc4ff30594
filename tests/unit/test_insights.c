/* cs_insights: an LLM answer becomes clean insights, field by field: what is kept, what is
   repaired, what is dropped and counted; and the insights of a long call's chunks merged. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_insights.h"
#include "cs_record.h"
#include "cs_util.h"

#define WS "647ab033-6d10-4a35-9ace-0399052ec874"

/* ---------------------------------------------------------------------------------------- */
/* Fixtures                                                                                   */

static json_t *themes(void)
{
    json_t *t =
        json_pack("[{s:s, s:s, s:b}, {s:s, s:s, s:b}, {s:s, s:s, s:b}]", "name", "AI Features",
                  "description", "AI-powered capabilities", "is_default", 0, "name",
                  "Apps and Integrations", "description", "Third-party integrations", "is_default",
                  0, "name", "Uncategorized", "description", "Everything else", "is_default", 1);
    cr_assert_not_null(t);
    return t;
}

static json_t *transcript(void)
{
    json_t *t = json_pack(
        "[{s:s, s:s, s:s, s:i, s:s}, {s:s, s:s, s:s, s:i, s:s}, {s:s, s:s, s:s, s:i, s:s},"
        " {s:s, s:s, s:s, s:i, s:s}, {s:s, s:s, s:s, s:i, s:s}]",
        "speaker_id", "3301", "speaker", "Dana Whitfield", "affiliation", "Internal", "start_ms",
        1200, "text",
        "Thanks for making time today, Maya. Our roadmap includes an AI assistant next quarter.",
        "speaker_id", "3303", "speaker", "Maya Okafor", "affiliation", "External", "start_ms", 8300,
        "text",
        "Mostly well, but we really need a Salesforce sync \xe2\x80\x94 the CSV export keeps "
        "breaking on \xe2\x80\x9cquotes\xe2\x80\x9d.",
        "speaker_id", "3303", "speaker", "Maya Okafor", "affiliation", "External", "start_ms",
        15020, "text", "Honestly, without SSO we can\xe2\x80\x99t go live.", "speaker_id", "3304",
        "speaker", "Jens Larsen", "affiliation", "External", "start_ms", 19100, "text",
        "SSO with Okta would help us a lot.", "speaker_id", "3301", "speaker", "Dana Whitfield",
        "affiliation", "Internal", "start_ms", 25000, "text",
        "We will ship dark mode soon, I promise.");
    cr_assert_not_null(t);
    return t;
}

/* JSON written with single quotes for readability; j() turns them into double quotes. */
static char *j(const char *text)
{
    char *copy = strdup(text);
    cr_assert_not_null(copy);
    for (char *p = copy; *p; p++)
        if (*p == '\'')
            *p = '"';
    return copy;
}

static const char GOOD[] =
    "{'feature_requests': ["
    "  {'quote': 'we really need a Salesforce sync', 'speaker': 'Maya Okafor',"
    "   'title': 'Salesforce sync', 'description': 'Sync accounts and tickets with Salesforce.',"
    "   'urgency': 'high', 'theme': 'Apps and Integrations'},"
    "  {'quote': 'without SSO we cant go live', 'speaker': 'Maya Okafor',"
    "   'title': 'Okta single sign-on', 'description': 'Log in with Okta.',"
    "   'urgency': 'critical', 'theme': 'Apps and Integrations'}],"
    " 'bug_reports': [{'quote': 'the CSV export keeps breaking on quotes',"
    "   'title': 'CSV export breaks on quotes', 'description': 'Quoted fields break exports.',"
    "   'severity': 'medium'}],"
    " 'sentiment': {'overall': 'positive', 'score': 0.4},"
    " 'pain_points': ['CSV exports break', 'No single sign-on'],"
    " 'summary': 'Acme reviewed the rollout. They need a Salesforce sync and SSO.'}";

typedef struct {
    json_t *themes, *transcript;
    cs_insights_ctx_t ctx;
    cs_insights_stats_t stats;
    char err[256];
} fixture_t;

static fixture_t fx;

static void setup(void)
{
    memset(&fx, 0, sizeof fx);
    fx.themes = themes();
    fx.transcript = transcript();
    fx.ctx = (cs_insights_ctx_t){.themes = fx.themes, .transcript = fx.transcript};
}

static void teardown(void)
{
    json_decref(fx.themes);
    json_decref(fx.transcript);
}

/* Parse `answer` (single-quoted JSON) and insist on success. */
static json_t *parse_ok(const char *answer)
{
    char *text = j(answer);
    json_t *out = NULL;
    int rc = cs_insights_parse(text, &fx.ctx, &out, &fx.stats, fx.err, sizeof fx.err);
    cr_assert_eq(rc, 0, "parse failed: %s", fx.err);
    cr_assert_not_null(out);
    free(text);
    return out;
}

/* An answer with one feature request `item` (single-quoted JSON object). */
static json_t *parse_one(const char *item)
{
    size_t len = strlen(item) + 64;
    char *answer = malloc(len);
    cr_assert_not_null(answer);
    snprintf(answer, len, "{'feature_requests': [%s]}", item);
    json_t *out = parse_ok(answer);
    free(answer);
    return out;
}

static const json_t *request(const json_t *insights, size_t i)
{
    return json_array_get(json_object_get(insights, "feature_requests"), i);
}

static const char *str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* The insights inside a full extraction record pass cs_record_validate. */
static void expect_valid_record(json_t *insights)
{
    json_t *rec = cs_record_new(CS_KIND_EXTRACTION);
    cr_assert_not_null(rec);
    json_object_set_new(rec, "workspace_id", json_string(WS));
    json_object_set_new(rec, "source", json_string("replay"));
    json_object_set_new(rec, "external_id", json_string("4107735561190331457"));
    json_object_set_new(rec, "started_at", json_string("2025-10-20T17:27:28Z"));
    json_object_set(rec, "transcript", fx.transcript);
    json_object_set(rec, "insights", insights);
    char err[256];
    cr_expect_eq(cs_record_validate(rec, err, sizeof err), 0, "record invalid: %s", err);
    json_decref(rec);
}

TestSuite(insights, .init = setup, .fini = teardown);

/* ---------------------------------------------------------------------------------------- */
/* A good answer                                                                              */

Test(insights, a_good_answer_passes_unchanged_and_validates)
{
    json_t *out = parse_ok(GOOD);
    cr_expect_eq(fx.stats.quotes_dropped, 0);
    cr_expect_eq(fx.stats.themes_defaulted, 0);
    cr_expect_eq(fx.stats.items_dropped, 0);
    cr_expect_eq(fx.stats.fields_fixed, 0);
    cr_assert_eq(json_array_size(json_object_get(out, "feature_requests")), 2);
    const json_t *sync = request(out, 0);
    cr_expect_str_eq(str(sync, "title"), "Salesforce sync");
    cr_expect_str_eq(str(sync, "description"), "Sync accounts and tickets with Salesforce.");
    cr_expect_str_eq(str(sync, "urgency"), "high");
    cr_expect_str_eq(str(sync, "theme"), "Apps and Integrations");
    cr_expect_str_eq(str(sync, "quote"), "we really need a Salesforce sync");
    cr_expect_str_eq(str(sync, "speaker"), "Maya Okafor");
    /* "cant" against "can’t": punctuation aside, the words are hers */
    cr_expect_str_eq(str(request(out, 1), "quote"), "without SSO we cant go live");
    const json_t *bug = json_array_get(json_object_get(out, "bug_reports"), 0);
    cr_expect_str_eq(str(bug, "severity"), "medium");
    cr_expect_str_eq(str(bug, "quote"), "the CSV export keeps breaking on quotes");
    cr_expect_null(json_object_get(bug, "speaker"), "bug reports have no speaker field");
    const json_t *sentiment = json_object_get(out, "sentiment");
    cr_expect_str_eq(str(sentiment, "overall"), "positive");
    cr_expect_float_eq(json_number_value(json_object_get(sentiment, "score")), 0.4, 1e-9);
    cr_expect_eq(json_array_size(json_object_get(out, "pain_points")), 2);
    cr_expect_str_eq(str(out, "summary"),
                     "Acme reviewed the rollout. They need a Salesforce sync and SSO.");
    expect_valid_record(out);
    json_decref(out);
}

Test(insights, fences_and_words_around_the_object_are_tolerated)
{
    char *good = j(GOOD);
    size_t len = strlen(good) + 64;
    char *answer = malloc(len);
    cr_assert_not_null(answer);
    static const char *const WRAPPERS[][2] = {
        {"```json\n", "\n```\n"}, {"  \n", "\n\n"}, {"Here you go:\n", "\nDone."}};
    for (size_t i = 0; i < CS_ARRAY_LEN(WRAPPERS); i++) {
        snprintf(answer, len, "%s%s%s", WRAPPERS[i][0], good, WRAPPERS[i][1]);
        json_t *out = NULL;
        cr_expect_eq(cs_insights_parse(answer, &fx.ctx, &out, NULL, fx.err, sizeof fx.err), 0,
                     "wrapper %zu: %s", i, fx.err);
        cr_expect_eq(json_array_size(json_object_get(out, "feature_requests")), 2);
        json_decref(out);
    }
    free(answer);
    free(good);
}

Test(insights, optional_parts_may_be_absent)
{
    json_t *out = parse_ok("{'feature_requests': [], 'summary': null}");
    cr_expect(json_is_array(json_object_get(out, "bug_reports")));
    cr_expect(json_is_array(json_object_get(out, "pain_points")));
    cr_expect_null(json_object_get(out, "sentiment"));
    cr_expect_null(json_object_get(out, "summary"));
    expect_valid_record(out);
    json_decref(out);
}

/* ---------------------------------------------------------------------------------------- */
/* Unusable answers                                                                           */

static void expect_rejected(const char *answer, const char *reason)
{
    json_t *out = (json_t *)1;
    fx.err[0] = '\0';
    cr_expect_eq(cs_insights_parse(answer, &fx.ctx, &out, &fx.stats, fx.err, sizeof fx.err), -1,
                 "accepted: %s", answer ? answer : "(null)");
    cr_expect_null(out);
    cr_expect(strstr(fx.err, reason), "reason '%s', expected '%s'", fx.err, reason);
}

Test(insights, unusable_answers_are_rejected_with_a_reason)
{
    expect_rejected(NULL, "answer is empty");
    expect_rejected("   \n", "answer is empty");
    expect_rejected("Sure! The customer wants a Salesforce sync.", "answer is not JSON: ");
    expect_rejected("{\"feature_requests\": [", "answer is not JSON: ");
    expect_rejected("[]", "answer is not a JSON object (got array)");
    expect_rejected("42", "answer is not a JSON object (got number)");
    expect_rejected("{}", "answer.feature_requests: missing");
    expect_rejected("{\"feature_requests\": null}", "answer.feature_requests: missing");
    expect_rejected("{\"feature_requests\": \"none\"}",
                    "answer.feature_requests: expected array, got string");
    expect_rejected("{\"feature_requests\": [], \"bug_reports\": {}}",
                    "answer.bug_reports: expected array, got object");
    expect_rejected("{\"feature_requests\": [], \"sentiment\": \"positive\"}",
                    "answer.sentiment: expected object, got string");
    expect_rejected("{\"feature_requests\": [], \"pain_points\": \"many\"}",
                    "answer.pain_points: expected array");
    expect_rejected("{\"feature_requests\": [], \"summary\": 3}",
                    "answer.summary: expected string, got number");

    size_t len = CS_INSIGHTS_MAX_ANSWER + 16;
    char *huge = malloc(len + 1);
    cr_assert_not_null(huge);
    memset(huge, ' ', len);
    memcpy(huge, "{\"feature_requests\": []}", 24);
    huge[len] = '\0';
    expect_rejected(huge, "answer is too large");
    free(huge);
}

/* ---------------------------------------------------------------------------------------- */
/* Quotes                                                                                     */

Test(insights, an_invented_quote_drops_the_request)
{
    json_t *out = parse_one("{'title': 'Dark mode', 'urgency': 'low', 'theme': 'Uncategorized',"
                            " 'quote': 'we would love a dark mode', 'speaker': 'Maya Okafor'}");
    cr_expect_eq(json_array_size(json_object_get(out, "feature_requests")), 0);
    cr_expect_eq(fx.stats.requests_not_customer, 1);
    cr_expect_eq(fx.stats.quotes_dropped, 1);
    cr_expect_eq(fx.stats.items_dropped, 0, "counted by its own reason");
    expect_valid_record(out);
    json_decref(out);
}

Test(insights, a_quote_from_the_vendor_drops_the_request)
{
    json_t *out =
        parse_one("{'title': 'Dark mode', 'urgency': 'medium', 'theme': 'Uncategorized',"
                  " 'quote': 'We will ship dark mode soon', 'speaker': 'Dana Whitfield'}");
    cr_expect_eq(json_array_size(json_object_get(out, "feature_requests")), 0);
    cr_expect_eq(fx.stats.requests_not_customer, 1);
    json_decref(out);
}

Test(insights, a_request_without_a_quote_is_dropped)
{
    json_t *out = parse_ok("{'feature_requests': ["
                           "  {'title': 'A', 'quote': null, 'speaker': 'Maya Okafor'},"
                           "  {'title': 'B'}, {'title': 'C', 'quote': ''},"
                           "  {'title': 'D', 'quote': ' ... '}, {'title': 'E', 'quote': 42},"
                           "  {'title': 'F', 'quote': 'we really need a Salesforce sync'}]}");
    cr_assert_eq(json_array_size(json_object_get(out, "feature_requests")), 1);
    cr_expect_str_eq(str(request(out, 0), "title"), "F");
    cr_expect_eq(fx.stats.requests_no_quote, 5);
    cr_expect_eq(fx.stats.requests_not_customer, 0);
    cr_expect_eq(fx.stats.quotes_dropped, 0, "no quote is not an invented quote");
    json_decref(out);
}

/* A call: Dana (the vendor) and Maya (the customer), turns of `n` texts alternating from
   Dana; the participants carry the affiliations, the utterances none (as Gong sends them). */
static json_t *dialogue(const char *const *texts, size_t n)
{
    json_t *call =
        json_pack("{s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}], s:[]}", "participants", "speaker_id", "1",
                  "name", "Dana", "affiliation", "Internal", "speaker_id", "2", "name", "Maya",
                  "affiliation", "External", "transcript");
    cr_assert_not_null(call);
    json_t *t = json_object_get(call, "transcript");
    for (size_t i = 0; i < n; i++)
        json_array_append_new(t, json_pack("{s:s, s:s, s:i, s:s}", "speaker_id", i % 2 ? "2" : "1",
                                           "speaker", i % 2 ? "Maya" : "Dana", "start_ms",
                                           (int)i * 4000, "text", texts[i]));
    return call;
}

Test(insights, a_reps_question_quoted_is_dropped_and_counted)
{
    static const char *const TALK[] = {"Would a Shopify integration help your team?",
                                       "Maybe, we sell mostly through our own site."};
    json_t *call = dialogue(TALK, 2);
    fx.ctx.call = call;
    fx.ctx.transcript = NULL;
    json_t *out = parse_one("{'title': 'Shopify integration', 'theme': 'Apps and Integrations',"
                            " 'quote': 'Would a Shopify integration help your team?',"
                            " 'speaker': 'Maya'}");
    cr_expect_eq(json_array_size(json_object_get(out, "feature_requests")), 0);
    cr_expect_eq(fx.stats.requests_not_customer, 1);
    json_decref(out);
    json_decref(call);
}

Test(insights, the_customers_agreement_to_a_restatement_is_kept_with_the_restatement)
{
    static const char *const TALK[] = {"So you'd want public links to attachments?",
                                       "Yes, if you get that on the roadmap.",
                                       "I'll take it to the product team.", "Great, thanks."};
    json_t *call = dialogue(TALK, 4);
    fx.ctx.call = call;
    fx.ctx.transcript = NULL;
    json_t *out = parse_one("{'title': 'Public links to attachments', 'urgency': 'high', "
                            "'quote': 'Yes, if you get "
                            "that on the roadmap.', 'speaker': null, 'context': 'So you’d want "
                            "public links to attachments?', 'confidence': 0.8}");
    cr_assert_eq(json_array_size(json_object_get(out, "feature_requests")), 1);
    const json_t *item = request(out, 0);
    cr_expect_str_eq(str(item, "quote"), "Yes, if you get that on the roadmap.");
    cr_expect_str_eq(str(item, "speaker"), "Maya");
    cr_expect_str_eq(str(item, "context"), "So you’d want public links to attachments?");
    cr_expect_float_eq(json_number_value(json_object_get(item, "confidence")), 0.8, 1e-9);
    cr_expect_eq(fx.stats.fields_fixed, 0);
    expect_valid_record(out);
    json_decref(out);

    /* the other way round, the rep's restatement as the quote: not the customer's words */
    out = parse_one("{'title': 'Public links to attachments', 'quote': 'So you would want "
                    "public links to attachments?', 'context': 'Yes, if you get that on the "
                    "roadmap.'}");
    cr_expect_eq(json_array_size(json_object_get(out, "feature_requests")), 0);
    cr_expect_eq(fx.stats.requests_not_customer, 1);
    json_decref(out);

    /* a context that is not the vendor's words is removed; the request stays */
    out = parse_one("{'title': 'Public links to attachments', 'urgency': 'high', 'quote': 'Yes, "
                    "if you get that on the roadmap', 'context': 'Great, thanks.'}");
    cr_assert_eq(json_array_size(json_object_get(out, "feature_requests")), 1);
    cr_expect_null(json_object_get(request(out, 0), "context"));
    cr_expect_eq(fx.stats.fields_fixed, 1);
    json_decref(out);
    json_decref(call);
}

Test(insights, an_unknown_person_on_a_customer_domain_is_a_customer)
{
    /* Gong marks Lena Unknown; her address is on the customer's domain, not the vendor's */
    json_t *call = json_pack(
        "{s:[s], s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}],"
        " s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s}]}",
        "vendor_domains", "helpdeskly.example", "participants", "speaker_id", "1", "name", "Dana",
        "affiliation", "Internal", "speaker_id", "2", "name", "Maya", "affiliation", "External",
        "speaker_id", "3", "name", "Lena", "affiliation", "Unknown", "email", "lena@acme.example",
        "transcript", "speaker_id", "1", "speaker", "Dana", "text", "Anything else on your list?",
        "speaker_id", "2", "speaker", "Maya", "text", "Lena has one.", "speaker_id", "3", "speaker",
        "Lena", "text", "We keep our docs in Confluence, an integration would help.");
    cr_assert_not_null(call);
    fx.ctx.call = call;
    fx.ctx.transcript = NULL;
    json_t *out = parse_one("{'title': 'Confluence integration', 'quote': 'an integration would "
                            "help', 'speaker': 'Lena'}");
    cr_assert_eq(json_array_size(json_object_get(out, "feature_requests")), 1);
    cr_expect_str_eq(str(request(out, 0), "speaker"), "Lena");
    json_decref(out);

    /* with an address on the vendor's own domain she speaks for the vendor */
    json_object_set_new(json_array_get(json_object_get(call, "participants"), 2), "email",
                        json_string("lena@eu.helpdeskly.example"));
    out = parse_one("{'title': 'Confluence integration', 'quote': 'an integration would help'}");
    cr_expect_eq(json_array_size(json_object_get(out, "feature_requests")), 0);
    cr_expect_eq(fx.stats.requests_not_customer, 1);
    json_decref(out);
    json_decref(call);
}

Test(insights, an_internal_meeting_has_no_customer_words)
{
    /* the vendor's weekly review: Internal staff and an Unknown dial-in without an address */
    json_t *call = json_pack("{s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}], s:[{s:s, s:s, s:s},"
                             " {s:s, s:s, s:s}]}",
                             "participants", "speaker_id", "1", "name", "Dana", "affiliation",
                             "Internal", "speaker_id", "2", "name", "Dial-in", "affiliation",
                             "Unknown", "transcript", "speaker_id", "1", "speaker", "Dana", "text",
                             "We really need a better forecast sheet.", "speaker_id", "2",
                             "speaker", "Dial-in", "text", "And an audit log for the deals.");
    cr_assert_not_null(call);
    fx.ctx.call = call;
    fx.ctx.transcript = NULL;
    json_t *out = parse_ok("{'feature_requests': ["
                           "  {'title': 'Forecast sheet', 'quote': 'We really need a better "
                           "forecast sheet'},"
                           "  {'title': 'Audit log', 'quote': 'an audit log for the deals'}]}");
    cr_expect_eq(json_array_size(json_object_get(out, "feature_requests")), 0);
    cr_expect_eq(fx.stats.requests_not_customer, 2);
    json_decref(out);

    /* the same voices on a call that names a customer: the unplaced dial-in is the customer */
    json_object_set_new(call, "customer", json_pack("{s:s}", "name", "Acme"));
    out = parse_one("{'title': 'Audit log', 'quote': 'an audit log for the deals'}");
    cr_expect_eq(json_array_size(json_object_get(out, "feature_requests")), 1);
    json_decref(out);
    json_decref(call);
}

Test(insights, a_call_not_in_english_keeps_the_english_title_and_the_original_quote)
{
    static const char *const TALK[] = {
        "Wie verkaufen Sie heute?",
        "Wir verkaufen \xc3\xbc"
        "ber Shopify, eine Anbindung an Shopify w\xc3\xa4re f\xc3\xbcr uns sehr wichtig."};
    json_t *call = dialogue(TALK, 2);
    fx.ctx.call = call;
    fx.ctx.transcript = NULL;
    json_t *out = parse_ok("{'feature_requests': ["
                           "  {'title': 'Shopify integration', 'description': 'Sync orders.',"
                           "   'quote': 'eine Anbindung an Shopify w\xc3\xa4re f\xc3\xbcr uns sehr "
                           "wichtig', 'confidence': 0.9},"
                           "  {'title': 'Shopify integration (translated)',"
                           "   'quote': 'a Shopify integration would be very important to us'}],"
                           " 'language': 'DE'}");
    cr_assert_eq(json_array_size(json_object_get(out, "feature_requests")), 1);
    cr_expect_str_eq(str(request(out, 0), "title"), "Shopify integration");
    cr_expect_str_eq(str(request(out, 0), "quote"),
                     "eine Anbindung an Shopify w\xc3\xa4re f\xc3\xbcr uns sehr wichtig");
    cr_expect_eq(fx.stats.requests_not_customer, 1, "a translated quote is not her words");
    cr_expect_str_eq(str(out, "language"), "de");
    expect_valid_record(out);
    json_decref(out);
    json_decref(call);
}

Test(insights, confidence_is_clamped_and_a_missing_one_stays_missing)
{
    json_t *out =
        parse_ok("{'feature_requests': ["
                 "  {'urgency': 'low', 'title': 'A', 'quote': 'we really need a Salesforce sync',"
                 "   'confidence': 1.7},"
                 "  {'urgency': 'low', 'title': 'B', 'quote': 'without SSO we cant go live',"
                 "   'confidence': -0.2},"
                 "  {'urgency': 'low', 'title': 'C', 'quote': 'SSO with Okta would help us a lot',"
                 "   'confidence': 'high'},"
                 "  {'urgency': 'low', 'title': 'D', 'quote': 'Mostly well', 'confidence': null},"
                 "  {'urgency': 'low', 'title': 'E', 'quote': 'the CSV export keeps breaking',"
                 "   'confidence': 0.35}]}");
    cr_assert_eq(json_array_size(json_object_get(out, "feature_requests")), 5);
    cr_expect_float_eq(json_number_value(json_object_get(request(out, 0), "confidence")), 1.0,
                       1e-9);
    cr_expect_float_eq(json_number_value(json_object_get(request(out, 1), "confidence")), 0.0,
                       1e-9);
    cr_expect_null(json_object_get(request(out, 2), "confidence"));
    cr_expect_null(json_object_get(request(out, 3), "confidence"));
    cr_expect_float_eq(json_number_value(json_object_get(request(out, 4), "confidence")), 0.35,
                       1e-9);
    cr_expect_eq(fx.stats.fields_fixed, 3);
    expect_valid_record(out);
    json_decref(out);
}

Test(insights, the_language_is_an_iso_639_1_code)
{
    static const struct {
        const char *given; /* JSON */
        const char *kept;  /* NULL: left out */
        int fixed;
    } CASES[] = {
        {"'de'", "de", 0},     {"' ES '", "es", 0},      {"'pt-BR'", "pt", 0}, {"'en_US'", "en", 0},
        {"'German'", NULL, 1}, {"'d'", NULL, 1},         {"'de-'", NULL, 1},   {"7", NULL, 1},
        {"null", NULL, 0},     {"'\xc3\xa9n'", NULL, 1},
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(CASES); i++) {
        char answer[128];
        snprintf(answer, sizeof answer, "{'feature_requests': [], 'language': %s}", CASES[i].given);
        json_t *out = parse_ok(answer);
        if (CASES[i].kept)
            cr_expect_str_eq(str(out, "language"), CASES[i].kept, "case %zu", i);
        else
            cr_expect_null(json_object_get(out, "language"), "case %zu", i);
        cr_expect_eq(fx.stats.fields_fixed, CASES[i].fixed, "case %zu", i);
        json_decref(out);
    }
}

Test(insights, quotes_are_compared_normalised_and_on_word_boundaries)
{
    static const struct {
        const char *quote;
        bool kept;
    } CASES[] = {
        {"WE REALLY NEED A SALESFORCE SYNC!", true},
        {"we   really\tneed a Salesforce sync - the CSV export", true},
        {"Salesforce sync \xe2\x80\x94 the CSV export keeps breaking on "
         "\xe2\x80\x9cquotes\xe2\x80\x9d",
         true},
        /* across two consecutive utterances of one speaker */
        {"keeps breaking on quotes. Honestly, without SSO", true},
        /* words left out, marked */
        {"we really need ... Salesforce sync", true},
        {"Mostly well\xe2\x80\xa6 breaking on quotes", true},
        /* across two speakers, out of order, inside words, or empty */
        {"we can't go live. SSO with Okta", false},
        {"Salesforce sync ... we really need", false},
        {"ally need a Salesforce sy", false},
        {"we need a Salesforce sync", false},
        {"...", false},
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(CASES); i++) {
        json_t *item = json_pack("{s:s, s:s, s:s}", "title", "Salesforce sync", "theme",
                                 "Apps and Integrations", "quote", CASES[i].quote);
        char *text = json_dumps(item, 0);
        size_t len = strlen(text) + 32;
        char *answer = malloc(len);
        snprintf(answer, len, "{\"feature_requests\": [%s]}", text);
        json_t *out = NULL;
        cr_assert_eq(cs_insights_parse(answer, &fx.ctx, &out, &fx.stats, fx.err, sizeof fx.err), 0);
        cr_expect_eq(json_object_get(request(out, 0), "quote") != NULL, CASES[i].kept,
                     "quote %zu '%s'", i, CASES[i].quote);
        if (CASES[i].kept)
            cr_expect_str_eq(str(request(out, 0), "speaker"), "Maya Okafor");
        json_decref(out);
        json_decref(item);
        free(answer);
        free(text);
    }
}

Test(insights, a_verified_quote_names_its_speaker)
{
    json_t *out =
        parse_one("{'title': 'Okta SSO', 'quote': 'SSO with Okta would help us a lot',"
                  " 'speaker': 'Maya Okafor', 'urgency': 'high', 'theme': 'AI Features'}");
    cr_expect_str_eq(str(request(out, 0), "speaker"), "Jens Larsen");
    cr_expect_eq(fx.stats.fields_fixed, 1);
    json_decref(out);
}

Test(insights, without_a_transcript_no_request_stands)
{
    fx.ctx.transcript = NULL;
    json_t *out = parse_ok(GOOD);
    cr_expect_eq(fx.stats.quotes_dropped, 3);
    cr_expect_eq(fx.stats.requests_not_customer, 2);
    cr_expect_eq(json_array_size(json_object_get(out, "feature_requests")), 0);
    cr_expect_eq(json_array_size(json_object_get(out, "bug_reports")), 1, "bug reports stay");
    cr_expect_null(
        json_object_get(json_array_get(json_object_get(out, "bug_reports"), 0), "quote"));
    json_decref(out);
}

/* ---------------------------------------------------------------------------------------- */
/* Themes, levels, sentiment                                                                  */

Test(insights, an_unknown_theme_becomes_the_default_theme)
{
    json_t *out = parse_one("{'title': 'Mobile app', 'urgency': 'low', 'theme': 'Mobile', 'quote': "
                            "'we really need a Salesforce sync'}");
    cr_expect_str_eq(str(request(out, 0), "theme"), "Uncategorized");
    cr_expect_eq(fx.stats.themes_defaulted, 1);
    json_decref(out);

    out = parse_one(
        "{'title': 'Mobile app', 'urgency': 'low', 'quote': 'we really need a Salesforce sync'}");
    cr_expect_str_eq(str(request(out, 0), "theme"), "Uncategorized");
    cr_expect_eq(fx.stats.themes_defaulted, 1, "a missing theme too");
    json_decref(out);
}

Test(insights, theme_letter_case_is_normalised_to_the_workspaces_name)
{
    json_t *out = parse_one("{'title': 'HubSpot sync', 'theme': '  apps AND integrations ', "
                            "'quote': 'we really need a Salesforce sync'}");
    cr_expect_str_eq(str(request(out, 0), "theme"), "Apps and Integrations");
    cr_expect_eq(fx.stats.themes_defaulted, 0);
    json_decref(out);
}

Test(insights, without_a_default_theme_an_unknown_theme_is_removed)
{
    json_t *t =
        json_pack("[{s:s}, {s:s, s:b}]", "name", "Reporting", "name", "Security", "is_default", 0);
    fx.ctx.themes = t;
    json_t *out = parse_one(
        "{'title': 'Mobile app', 'theme': 'Mobile', 'quote': 'we really need a Salesforce sync'}");
    cr_expect_null(json_object_get(request(out, 0), "theme"));
    cr_expect_eq(fx.stats.themes_defaulted, 1);
    json_decref(out);
    /* the one named Uncategorized serves when none is marked default */
    json_array_append_new(t, json_pack("{s:s}", "name", "uncategorized"));
    out = parse_one(
        "{'title': 'Mobile app', 'theme': 'Mobile', 'quote': 'we really need a Salesforce sync'}");
    cr_expect_str_eq(str(request(out, 0), "theme"), "uncategorized");
    json_decref(out);
    json_decref(t);
}

Test(insights, urgency_and_severity_outside_the_enum_become_medium)
{
    json_t *out =
        parse_ok("{'feature_requests': ["
                 "  {'title': 'A', 'urgency': 'urgent', 'quote': 'we really need a Salesforce'},"
                 "  {'title': 'B', 'urgency': 'HIGH', 'quote': 'without SSO we cant go live'},"
                 "  {'title': 'C', 'urgency': 3, 'quote': 'SSO with Okta would help us a lot'},"
                 "  {'title': 'D', 'quote': 'Mostly well'}],"
                 " 'bug_reports': [{'title': 'E', 'severity': 'blocker'}]}");
    cr_expect_str_eq(str(request(out, 0), "urgency"), "medium");
    cr_expect_str_eq(str(request(out, 1), "urgency"), "high");
    cr_expect_str_eq(str(request(out, 2), "urgency"), "medium");
    cr_expect_str_eq(str(request(out, 3), "urgency"), "medium");
    cr_expect_str_eq(str(json_array_get(json_object_get(out, "bug_reports"), 0), "severity"),
                     "medium");
    cr_expect_eq(fx.stats.fields_fixed, 4);
    expect_valid_record(out);
    json_decref(out);
}

Test(insights, sentiment_score_is_clamped_and_overall_derived)
{
    json_t *out = parse_ok("{'feature_requests': [], 'sentiment': {'overall': 'ecstatic', "
                           "'score': 3.5}}");
    const json_t *s = json_object_get(out, "sentiment");
    cr_expect_float_eq(json_number_value(json_object_get(s, "score")), 1.0, 1e-9);
    cr_expect_str_eq(str(s, "overall"), "positive");
    cr_expect_eq(fx.stats.fields_fixed, 2);
    expect_valid_record(out);
    json_decref(out);

    out = parse_ok("{'feature_requests': [], 'sentiment': {'overall': 'Negative', 'score': -7}}");
    s = json_object_get(out, "sentiment");
    cr_expect_float_eq(json_number_value(json_object_get(s, "score")), -1.0, 1e-9);
    cr_expect_str_eq(str(s, "overall"), "negative");
    json_decref(out);

    out = parse_ok("{'feature_requests': [], 'sentiment': {'overall': 'meh', 'score': 'x'}}");
    cr_expect_null(json_object_get(out, "sentiment"), "nothing usable: left out");
    json_decref(out);
}

/* ---------------------------------------------------------------------------------------- */
/* Items and strings                                                                          */

Test(insights, items_without_a_title_are_dropped)
{
    json_t *out =
        parse_ok("{'feature_requests': [{'description': 'no title'}, 'a string', 7,"
                 " {'title': '   '}, {'title': 42}, {'title': 'Kept', 'quote': 'Mostly well'}]}");
    cr_expect_eq(json_array_size(json_object_get(out, "feature_requests")), 1);
    cr_expect_str_eq(str(request(out, 0), "title"), "Kept");
    cr_expect_eq(fx.stats.items_dropped, 5);
    json_decref(out);
}

Test(insights, arrays_are_capped)
{
    /* a customer who says "Request 0. Request 1. ..." so that each request has its quote */
    size_t n = 500, len = n * 64 + 4096;
    char *said = malloc(n * 16);
    cr_assert_not_null(said);
    size_t used = 0;
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(said + used, n * 16 - used, "Request %zu. ", i);
    json_t *tr =
        json_pack("[{s:s, s:s, s:s}]", "speaker", "Maya", "affiliation", "External", "text", said);
    free(said);
    fx.ctx.transcript = tr;
    char *answer = malloc(len);
    cr_assert_not_null(answer);
    size_t at = (size_t)snprintf(answer, len, "{\"feature_requests\": [");
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(answer + at, len - at,
                               "%s{\"title\": \"Request %zu\", \"quote\": \"Request %zu\"}",
                               i ? ", " : "", i, i);
    at += (size_t)snprintf(answer + at, len - at, "], \"pain_points\": [");
    for (size_t i = 0; i < 30; i++)
        at += (size_t)snprintf(answer + at, len - at, "%s\"pain %zu\"", i ? ", " : "", i);
    snprintf(answer + at, len - at, "]}");
    json_t *out = NULL;
    cr_assert_eq(cs_insights_parse(answer, &fx.ctx, &out, &fx.stats, fx.err, sizeof fx.err), 0);
    cr_expect_eq(json_array_size(json_object_get(out, "feature_requests")), CS_INSIGHTS_MAX_ITEMS);
    cr_expect_eq(json_array_size(json_object_get(out, "pain_points")), CS_INSIGHTS_MAX_PAINS);
    cr_expect_eq(fx.stats.items_dropped, 450 + 10);
    cr_expect_str_eq(str(request(out, 49), "title"), "Request 49");
    expect_valid_record(out);
    json_decref(out);
    free(answer);
    json_decref(tr);
}

Test(insights, strings_are_cleaned_and_cut)
{
    /* a 600-character title of two-byte characters, with control and invisible characters */
    size_t len = 600 * 2 + 128;
    char *title = malloc(len);
    cr_assert_not_null(title);
    strcpy(title, " \\u0007Big\\nbad\\u200b\\u202e title\\t");
    for (size_t i = 0; i < 600; i++)
        strcat(title, "\xc3\xa9");
    char *answer = malloc(len + 256);
    cr_assert_not_null(answer);
    snprintf(answer, len + 256,
             "{\"feature_requests\": [{\"title\": \"%s\", \"description\": \"a\\r\\nb\"}],"
             " \"summary\": \"  \\u0000x\"}",
             title);
    json_t *out = NULL;
    int rc = cs_insights_parse(answer, &fx.ctx, &out, &fx.stats, fx.err, sizeof fx.err);
    cr_expect_eq(rc, -1, "jansson refuses NUL in strings: %s", fx.err);
    snprintf(answer, len + 256,
             "{\"feature_requests\": [{\"title\": \"%s\", \"description\": \"a\\r\\nb\","
             " \"quote\": \"Mostly well\"}], \"summary\": \"  x\\u0085y \"}",
             title);
    rc = cs_insights_parse(answer, &fx.ctx, &out, &fx.stats, fx.err, sizeof fx.err);
    cr_assert_eq(rc, 0, "%s", fx.err);
    const char *t = str(request(out, 0), "title");
    cr_expect_eq(strncmp(t, "Big bad title \xc3\xa9", 16), 0, "'%s'", t);
    /* 512 characters: "Big bad title " is 14, then 498 two-byte ones */
    cr_expect_eq(strlen(t), 14 + 498 * 2);
    cr_expect_str_eq(str(request(out, 0), "description"), "a b");
    cr_expect_str_eq(str(out, "summary"), "x y");
    expect_valid_record(out);
    json_decref(out);
    free(answer);
    free(title);
}

Test(insights, repeats_in_one_answer_are_kept_once_with_the_higher_urgency)
{
    json_t *out =
        parse_ok("{'feature_requests': ["
                 "  {'title': 'Salesforce sync', 'urgency': 'medium', 'confidence': 0.6,"
                 "   'quote': 'Mostly well, but we really need a Salesforce sync'},"
                 "  {'title': 'salesforce  SYNC!', 'urgency': 'critical', 'confidence': 0.9,"
                 "   'quote': 'we really need a Salesforce sync', 'speaker': 'Maya Okafor'}]}");
    cr_assert_eq(json_array_size(json_object_get(out, "feature_requests")), 1);
    cr_expect_str_eq(str(request(out, 0), "title"), "Salesforce sync");
    cr_expect_str_eq(str(request(out, 0), "urgency"), "critical");
    cr_expect_float_eq(json_number_value(json_object_get(request(out, 0), "confidence")), 0.9, 1e-9,
                       "and the higher confidence");
    cr_expect_str_eq(str(request(out, 0), "quote"),
                     "Mostly well, but we really need a Salesforce sync");
    cr_expect_eq(fx.stats.items_dropped, 1);
    json_decref(out);
}

/* ---------------------------------------------------------------------------------------- */
/* Merging chunks                                                                             */

/* Insights as the chunks' validated answers could be (single-quoted JSON), taken as they are:
   the merge takes any insights object, with or without quotes. */
static json_t *insights_of(const char *answer)
{
    char *text = j(answer);
    json_t *out = json_loads(text, 0, NULL);
    cr_assert_not_null(out, "%s", text);
    free(text);
    return out;
}

Test(insights, merge_collapses_repeats_by_title_and_by_quote)
{
    json_t *parts = json_array();
    json_array_append_new(
        parts, insights_of("{'feature_requests': ["
                           "  {'title': 'Salesforce sync', 'urgency': 'medium',"
                           "   'theme': 'Apps and Integrations', 'confidence': 0.4},"
                           "  {'title': 'Okta SSO', 'urgency': 'low', 'quote': 'SSO with Okta'}],"
                           " 'bug_reports': [{'title': 'CSV export', 'severity': 'low'}],"
                           " 'sentiment': {'overall': 'positive', 'score': 0.6},"
                           " 'pain_points': ['Manual exports'], 'summary': 'Part one.'}"));
    json_array_append_new(
        parts, insights_of("{'feature_requests': ["
                           "  {'title': 'SALESFORCE sync.', 'urgency': 'high', 'confidence': 0.7,"
                           "   'quote': 'Yes please', 'speaker': 'Maya Okafor',"
                           "   'context': 'So a Salesforce sync?'},"
                           "  {'title': 'Single sign-on with Okta', 'urgency': 'critical',"
                           "   'quote': 'SSO with Okta!'},"
                           "  {'title': 'Audit log', 'urgency': 'low'}],"
                           " 'bug_reports': [{'title': 'csv export', 'severity': 'critical'}],"
                           " 'sentiment': {'overall': 'neutral', 'score': 0.2},"
                           " 'pain_points': ['manual exports!', 'Slow support'],"
                           " 'summary': 'Part two.', 'language': 'de'}"));
    json_array_append_new(parts, insights_of("{'feature_requests': [], 'language': 'en'}"));
    json_array_append_new(parts, insights_of("{'feature_requests': [], 'language': 'de'}"));
    json_array_append_new(parts, json_string("not insights"));
    json_t *merged = cs_insights_merge(parts);
    cr_assert_not_null(merged);
    const json_t *features = json_object_get(merged, "feature_requests");
    cr_assert_eq(json_array_size(features), 3);
    const json_t *sync = json_array_get(features, 0);
    cr_expect_str_eq(str(sync, "title"), "Salesforce sync", "the first is kept");
    cr_expect_str_eq(str(sync, "urgency"), "high", "with the higher urgency");
    cr_expect_str_eq(str(sync, "quote"), "Yes please", "and a quote");
    cr_expect_str_eq(str(sync, "speaker"), "Maya Okafor");
    cr_expect_str_eq(str(sync, "context"), "So a Salesforce sync?", "with its context");
    cr_expect_float_eq(json_number_value(json_object_get(sync, "confidence")), 0.7, 1e-9);
    cr_expect_str_eq(str(merged, "language"), "de", "the language most parts give");
    const json_t *sso = json_array_get(features, 1);
    cr_expect_str_eq(str(sso, "title"), "Okta SSO", "same quote, another title");
    cr_expect_str_eq(str(sso, "urgency"), "critical");
    cr_expect_str_eq(str(json_array_get(features, 2), "title"), "Audit log");
    const json_t *bugs = json_object_get(merged, "bug_reports");
    cr_assert_eq(json_array_size(bugs), 1);
    cr_expect_str_eq(str(json_array_get(bugs, 0), "severity"), "critical");
    const json_t *s = json_object_get(merged, "sentiment");
    cr_expect_float_eq(json_number_value(json_object_get(s, "score")), 0.4, 1e-9);
    cr_expect_str_eq(str(s, "overall"), "positive", "from the mean score");
    cr_expect_eq(json_array_size(json_object_get(merged, "pain_points")), 2);
    cr_expect_str_eq(str(merged, "summary"), "Part one. Part two.");
    expect_valid_record(merged);
    /* the parts are borrowed and left as they were */
    cr_expect_str_eq(str(request(json_array_get(parts, 0), 0), "urgency"), "medium");
    json_decref(merged);
    json_decref(parts);
}

Test(insights, merge_sentiment_mixed_when_chunks_disagree)
{
    json_t *parts = json_array();
    json_array_append_new(parts, insights_of("{'feature_requests': [], 'sentiment': "
                                             "{'overall': 'positive', 'score': 0.8}}"));
    json_array_append_new(parts, insights_of("{'feature_requests': [], 'sentiment': "
                                             "{'overall': 'negative', 'score': -0.6}}"));
    json_t *merged = cs_insights_merge(parts);
    const json_t *s = json_object_get(merged, "sentiment");
    cr_expect_str_eq(str(s, "overall"), "mixed");
    cr_expect_float_eq(json_number_value(json_object_get(s, "score")), 0.1, 1e-9);
    json_decref(merged);
    json_decref(parts);

    /* one chunk: its own words, "mixed" included */
    parts = json_array();
    json_array_append_new(parts, insights_of("{'feature_requests': [], 'sentiment': "
                                             "{'overall': 'mixed', 'score': 0.1}}"));
    merged = cs_insights_merge(parts);
    cr_expect_str_eq(str(json_object_get(merged, "sentiment"), "overall"), "mixed");
    json_decref(merged);
    json_decref(parts);
}

Test(insights, merge_of_nothing)
{
    json_t *parts = json_array();
    json_t *merged = cs_insights_merge(parts);
    cr_assert_not_null(merged);
    cr_expect_eq(json_array_size(json_object_get(merged, "feature_requests")), 0);
    cr_expect_null(json_object_get(merged, "sentiment"));
    cr_expect_null(json_object_get(merged, "summary"));
    expect_valid_record(merged);
    json_decref(merged);
    json_decref(parts);
    cr_expect_null(cs_insights_merge(NULL));
}

Test(insights, merge_caps_the_joined_summary)
{
    json_t *parts = json_array();
    char *summary = malloc(1501);
    cr_assert_not_null(summary);
    memset(summary, 'x', 1500);
    summary[1500] = '\0';
    for (int i = 0; i < 3; i++)
        json_array_append_new(parts,
                              json_pack("{s:[], s:s}", "feature_requests", "summary", summary));
    json_t *merged = cs_insights_merge(parts);
    cr_expect_eq(strlen(str(merged, "summary")), CS_INSIGHTS_MAX_TEXT);
    json_decref(merged);
    json_decref(parts);
    free(summary);
}

/* ---------------------------------------------------------------------------------------- */
/* Helpers                                                                                    */

Test(insights, normalise)
{
    static const char *const CASES[][2] = {
        {"We can\xe2\x80\x99t \xe2\x80\x94 \xe2\x80\x9creally\xe2\x80\x9d  go LIVE!",
         "we cant really go live"},
        {"  \xc3\x89T\xc3\x89 \xc3\x9c\xc3\x9f \xce\x94 \xd0\x96 ",
         "\xc3\xa9t\xc3\xa9 \xc3\xbc\xc3\x9f \xce\xb4 \xd0\xb6"},
        {"zero\xe2\x80\x8bwidth", "zerowidth"},
        {"a\xff"
         "b",
         "a b"},
        {"...", ""},
        {"", ""},
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(CASES); i++) {
        char *n = cs_insights_normalise(CASES[i][0]);
        cr_assert_not_null(n);
        cr_expect_str_eq(n, CASES[i][1], "case %zu", i);
        free(n);
    }
    cr_expect_null(cs_insights_normalise(NULL));
}

Test(insights, clean)
{
    char *c = cs_insights_clean("  a\tb\n\xe2\x80\x8b"
                                "c  \xe2\x80\xa8 d\xff",
                                0);
    cr_expect_str_eq(c, "a b c d\xef\xbf\xbd");
    free(c);
    c = cs_insights_clean("abc def", 4);
    cr_expect_str_eq(c, "abc", "no trailing space after a cut");
    free(c);
    c = cs_insights_clean("\xc3\xa9\xc3\xa9\xc3\xa9", 2);
    cr_expect_str_eq(c, "\xc3\xa9\xc3\xa9");
    free(c);
}

Test(insights, theme_helpers)
{
    cr_expect_str_eq(cs_insights_default_theme(fx.themes), "Uncategorized");
    cr_expect_null(cs_insights_default_theme(NULL));
    cr_expect_eq(cs_insights_theme_name(fx.themes, "ai features"),
                 json_string_value(json_object_get(json_array_get(fx.themes, 0), "name")));
    cr_expect_null(cs_insights_theme_name(fx.themes, "AI"));
    cr_expect_str_eq(cs_insights_overall(0.3), "positive");
    cr_expect_str_eq(cs_insights_overall(-0.3), "negative");
    cr_expect_str_eq(cs_insights_overall(0.25), "neutral");
}

/* ---------------------------------------------------------------------------------------- */
/* Whatever the answer, what parses is a valid record                                         */

Test(insights, damaged_answers_never_make_an_invalid_record)
{
    char *good = j(GOOD);
    size_t len = strlen(good);
    static const char BYTES[] = "{}[]\",:\\ 0-9eE.ntfu\xc3\xa9\xe2\x80\x9d\x01\x7f\xff";
    unsigned state = 12345;
    int parsed = 0;
    for (int round = 0; round < 3000; round++) {
        char *answer = strdup(good);
        cr_assert_not_null(answer);
        int edits = 1 + round % 4;
        for (int e = 0; e < edits; e++) {
            state = state * 1103515245u + 12345u;
            size_t at = (state >> 8) % len;
            state = state * 1103515245u + 12345u;
            answer[at] = BYTES[(state >> 8) % (sizeof BYTES - 1)];
        }
        json_t *out = NULL;
        if (cs_insights_parse(answer, &fx.ctx, &out, &fx.stats, fx.err, sizeof fx.err) == 0) {
            parsed++;
            expect_valid_record(out);
            json_decref(out);
        } else {
            cr_expect_null(out);
            cr_expect_neq(fx.err[0], '\0', "a failure without a reason");
        }
        free(answer);
    }
    cr_expect_gt(parsed, 100, "the damage should not always be fatal");
    free(good);
}
