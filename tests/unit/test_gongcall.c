/* cs_gongcall: Gong calls and transcripts become call records. The fixture below is a call as
   /v2/calls/extensive returns it (with Extended context) and its /v2/calls/transcript element;
   each test changes the part it is about. */
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_crm.h"
#include "cs_gongcall.h"
#include "cs_replay.h"
#include "cs_record.h"

#define WS          "647ab033-6d10-4a35-9ace-0399052ec874"
#define INTEGRATION "0f8e2a51-3c7d-4e9b-8a16-2d5c9b7e4f03"
#define CALL_ID     "4107735561190331457"

/* JSON written with single quotes for readability; j() turns them into double quotes (the
   texts below need no apostrophes). */
static const char CALL_JSON[] =
    "{'metaData': {'id': '4107735561190331457',"
    "  'url': 'https://us-41234.app.gong.io/call?id=4107735561190331457',"
    "  'title': 'Acme Corp | Callsift — quarterly roadmap review',"
    "  'scheduled': '2025-10-20T15:00:00+02:00', 'started': '2025-10-20T15:02:11+02:00',"
    "  'duration': 1845, 'primaryUserId': '880011223344', 'direction': 'Conference',"
    "  'system': 'Zoom', 'scope': 'External', 'media': 'Video', 'language': 'eng',"
    "  'workspaceId': '5512398712', 'isPrivate': false, 'meetingUrl': 'https://zoom.us/j/5550100'},"
    " 'context': [{'system': 'Salesforce', 'objects': ["
    "  {'objectType': 'Account', 'objectId': '0015e00000AbCdEAA1', 'timing': 'Now', 'fields': ["
    "    {'name': 'Name', 'value': 'Acme Corp'}, {'name': 'AnnualRevenue', 'value': '150,000'},"
    "    {'name': 'Website', 'value': 'https://www.acme-corp.com/'},"
    "    {'name': 'Industry', 'value': 'Logistics'}]},"
    "  {'objectType': 'Opportunity', 'objectId': '0065e00000XyZ12AAB', 'timing': 'Now', 'fields': ["
    "    {'name': 'Name', 'value': 'Acme Corp - Expansion 2026'},"
    "    {'name': 'Amount', 'value': 48000}, {'name': 'StageName', 'value': 'Negotiation'}]}]}],"
    " 'parties': ["
    "  {'id': '71001', 'emailAddress': 'dana.whitfield@callsift.dev', 'name': 'Dana Whitfield',"
    "   'title': 'Account Executive', 'userId': '880011223344', 'speakerId': '3301',"
    "   'affiliation': 'Internal', 'methods': ['Invitee']},"
    "  {'id': '71002', 'emailAddress': 'ravi.menon@callsift.dev', 'name': 'Ravi Menon',"
    "   'title': 'Solutions Engineer', 'speakerId': '3302', 'affiliation': 'Internal'},"
    "  {'id': '71003', 'emailAddress': 'M.Okafor@Acme-Corp.com', 'name': 'Maya Okafor',"
    "   'title': 'VP Operations', 'speakerId': '3303', 'affiliation': 'External',"
    "   'phoneNumber': '+1 555-0100', 'context': [{'system': 'Salesforce', 'objects': ["
    "     {'objectType': 'Contact', 'objectId': '0035e00000QwErTAA1',"
    "      'fields': [{'name': 'Name', 'value': 'Maya Okafor'}]}]}]},"
    "  {'id': '71004', 'emailAddress': 'jens.larsen@acme-corp.com', 'name': 'Jens Larsen',"
    "   'title': 'IT Lead', 'speakerId': '3304', 'affiliation': 'External'}],"
    " 'content': {'topics': [{'name': 'Pricing', 'duration': 120}],"
    "  'brief': 'Acme reviewed the roadmap.'}}";

static const char TRANSCRIPT_JSON[] =
    "{'callId': '4107735561190331457', 'transcript': ["
    "  {'speakerId': '3301', 'topic': 'Call Setup', 'sentences': ["
    "    {'start': 1200, 'end': 4100, 'text': 'Thanks for making time today, Maya.'},"
    "    {'start': 4100, 'end': 4300, 'text': ''},"
    "    {'start': 4400, 'end': 7900, 'text': 'How has the rollout gone so far?'}]},"
    "  {'speakerId': '3303', 'topic': 'Feedback', 'sentences': ["
    "    {'start': 8300, 'end': 15020, 'text': 'Mostly well, but we really need a Salesforce"
    " sync — the CSV export keeps breaking on “quotes”.'}]},"
    "  {'speakerId': '9999', 'sentences': ["
    "    {'start': 15500, 'end': 16000, 'text': 'Sorry, joining late from the dial-in.'}]},"
    "  {'speakerId': '3304', 'sentences': ["
    "    {'start': 16200, 'end': 19000, 'text': '   '},"
    "    {'start': 19100, 'end': 23000, 'text': 'SSO with Okta would help us a lot.'}]}]}";

/* ---------------------------------------------------------------------------------------- */
/* Helpers                                                                                    */

static json_t *j(const char *text)
{
    char *copy = strdup(text);
    cr_assert_not_null(copy);
    for (char *p = copy; *p; p++)
        if (*p == '\'')
            *p = '"';
    json_error_t jerr;
    json_t *v = json_loads(copy, 0, &jerr);
    cr_assert_not_null(v, "fixture: %s at column %d", jerr.text, jerr.column);
    free(copy);
    return v;
}

static json_t *call_fixture(void)
{
    return j(CALL_JSON);
}

static json_t *transcript_fixture(void)
{
    return j(TRANSCRIPT_JSON);
}

/* Build a record that must succeed, and check it with the validator ourselves too. */
static json_t *record_ok(const json_t *call, const json_t *transcript)
{
    char err[256] = "";
    json_t *rec = cs_gongcall_record(call, transcript, WS, INTEGRATION, "gong", err, sizeof err);
    cr_assert_not_null(rec, "cs_gongcall_record: %s", err);
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "validate: %s", err);
    return rec;
}

/* Build a record that must fail; returns the reason in err. */
static void record_fails(const json_t *call, const json_t *transcript, char *err, size_t errlen)
{
    json_t *rec = cs_gongcall_record(call, transcript, WS, NULL, "gong", err, errlen);
    cr_assert_null(rec, "expected a failure, got a record");
    cr_assert(err[0], "no reason given");
}

static void set_meta(json_t *call, const char *key, json_t *value)
{
    cr_assert_eq(json_object_set_new(json_object_get(call, "metaData"), key, value), 0);
}

/* started_at of the fixture with metaData.started replaced by `started`. */
static void expect_started(json_t *started, const char *want)
{
    json_t *call = call_fixture();
    set_meta(call, "started", started);
    json_t *rec = record_ok(call, NULL);
    cr_expect_str_eq(cs_rec_str(rec, "started_at"), want);
    json_decref(rec);
    json_decref(call);
}

/* A call whose only CRM data is `context` (call level, single quotes as in j()). */
static json_t *customer_of(const char *context)
{
    json_t *call = call_fixture();
    cr_assert_eq(json_object_set_new(call, "context", j(context)), 0);
    json_t *rec = record_ok(call, NULL);
    json_t *customer = json_incref(json_object_get(rec, "customer"));
    json_decref(rec);
    json_decref(call);
    return customer;
}

/* The customer of a call whose Account has the one field {name, value} besides its Name. */
static json_t *customer_with_field(const char *name, json_t *value)
{
    json_t *context = j("[{'system': 'Salesforce', 'objects': [{'objectType': 'Account',"
                        " 'fields': [{'name': 'Name', 'value': 'Acme Corp'}]}]}]");
    json_t *fields = json_object_get(
        json_array_get(json_object_get(json_array_get(context, 0), "objects"), 0), "fields");
    cr_assert_eq(
        json_array_append_new(fields, json_pack("{s:s, s:o}", "name", name, "value", value)), 0);
    json_t *call = call_fixture();
    cr_assert_eq(json_object_set_new(call, "context", context), 0);
    json_t *rec = record_ok(call, NULL);
    json_t *customer = json_incref(json_object_get(rec, "customer"));
    cr_assert_not_null(customer);
    json_decref(rec);
    json_decref(call);
    return customer;
}

static void expect_utterance(const json_t *u, const char *sid, const char *speaker,
                             const char *affiliation, long long start, const char *text)
{
    cr_expect_str_eq(cs_rec_str(u, "speaker_id"), sid);
    if (speaker)
        cr_expect_str_eq(cs_rec_str(u, "speaker"), speaker);
    else
        cr_expect_null(json_object_get(u, "speaker"), "unmapped speaker %s has a name", sid);
    cr_expect_str_eq(cs_rec_str(u, "affiliation"), affiliation);
    cr_expect_eq(cs_rec_int(u, "start_ms", -1), start);
    cr_expect_str_eq(cs_rec_str(u, "text"), text);
}

/* ---------------------------------------------------------------------------------------- */
/* The whole call                                                                             */

Test(gongcall, realistic_call_becomes_a_valid_record)
{
    json_t *call = call_fixture(), *transcript = transcript_fixture();
    json_t *rec = record_ok(call, transcript);

    cr_expect_eq(cs_record_kind(rec), CS_KIND_CALL);
    cr_expect_str_eq(cs_rec_str(rec, "workspace_id"), WS);
    cr_expect_str_eq(cs_rec_str(rec, "integration_id"), INTEGRATION);
    cr_expect_str_eq(cs_rec_str(rec, "source"), "gong");
    cr_expect_str_eq(cs_rec_str(rec, "external_id"), CALL_ID);
    cr_expect_str_eq(cs_rec_str(rec, "title"), "Acme Corp | Callsift — quarterly roadmap review");
    cr_expect_str_eq(cs_rec_str(rec, "started_at"), "2025-10-20T13:02:11Z");
    cr_expect_eq(cs_rec_int(rec, "duration_seconds", -1), 1845);
    cr_expect_str_eq(cs_rec_str(rec, "url"),
                     "https://us-41234.app.gong.io/call?id=4107735561190331457");

    const json_t *parts = json_object_get(rec, "participants");
    cr_assert_eq(json_array_size(parts), 4);
    const json_t *maya = json_array_get(parts, 2);
    cr_expect_str_eq(cs_rec_str(maya, "name"), "Maya Okafor");
    cr_expect_str_eq(cs_rec_str(maya, "email"), "M.Okafor@Acme-Corp.com");
    cr_expect_str_eq(cs_rec_str(maya, "affiliation"), "External");
    cr_expect_str_eq(cs_rec_str(maya, "speaker_id"), "3303");
    cr_expect_str_eq(cs_rec_str(maya, "title"), "VP Operations");
    cr_expect_str_eq(cs_rec_str(json_array_get(parts, 0), "affiliation"), "Internal");
    cr_expect_str_eq(cs_rec_str(json_array_get(parts, 1), "name"), "Ravi Menon");

    const json_t *customer = json_object_get(rec, "customer");
    cr_assert_not_null(customer);
    cr_expect_str_eq(cs_rec_str(customer, "name"), "Acme Corp");
    cr_expect_float_eq(cs_rec_num(customer, "mrr", -1), 12500.0, 1e-9);
    cr_expect_str_eq(cs_rec_str(customer, "domain"), "acme-corp.com");

    const json_t *utts = json_object_get(rec, "transcript");
    cr_assert_eq(json_array_size(utts), 5, "empty and blank sentences are dropped");
    expect_utterance(json_array_get(utts, 0), "3301", "Dana Whitfield", "Internal", 1200,
                     "Thanks for making time today, Maya.");
    expect_utterance(json_array_get(utts, 1), "3301", "Dana Whitfield", "Internal", 4400,
                     "How has the rollout gone so far?");
    expect_utterance(json_array_get(utts, 2), "3303", "Maya Okafor", "External", 8300,
                     "Mostly well, but we really need a Salesforce sync — the CSV export keeps "
                     "breaking on “quotes”.");
    expect_utterance(json_array_get(utts, 3), "9999", NULL, "Unknown", 15500,
                     "Sorry, joining late from the dial-in.");
    expect_utterance(json_array_get(utts, 4), "3304", "Jens Larsen", "External", 19100,
                     "SSO with Okta would help us a lot.");

    /* Nothing raw from Gong, and no truncation mark. */
    const char *raw[] = {"metaData", "parties", "context", "content", "transcript_truncated"};
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++)
        cr_expect_null(json_object_get(rec, raw[i]), "record has '%s'", raw[i]);

    json_decref(rec);
    json_decref(transcript);
    json_decref(call);
}

Test(gongcall, no_transcript_and_replay_source)
{
    json_t *call = call_fixture();
    char err[256] = "";
    json_t *rec = cs_gongcall_record(call, json_null(), WS, NULL, "replay", err, sizeof err);
    cr_assert_not_null(rec, "%s", err);
    cr_expect_str_eq(cs_rec_str(rec, "source"), "replay");
    cr_expect_null(json_object_get(rec, "integration_id"));
    cr_expect_eq(json_array_size(json_object_get(rec, "transcript")), 0);
    cr_expect_eq(json_array_size(json_object_get(rec, "participants")), 4);
    cr_expect_eq(cs_record_validate(rec, err, sizeof err), 0, "%s", err);
    json_decref(rec);
    json_decref(call);
}

Test(gongcall, arguments_are_validated)
{
    json_t *call = call_fixture();
    char err[256] = "";
    cr_expect_null(cs_gongcall_record(call, NULL, "not-a-uuid", NULL, "gong", err, sizeof err));
    cr_expect(strstr(err, "call " CALL_ID ": ") && strstr(err, "workspace_id"), "%s", err);
    cr_expect_null(cs_gongcall_record(call, NULL, WS, NULL, "slack", err, sizeof err));
    cr_expect(strstr(err, "source"), "%s", err);
    json_decref(call);
}

/* ---------------------------------------------------------------------------------------- */
/* Ids, start times and the fatal cases                                                       */

Test(gongcall, started_epoch_and_iso_forms)
{
    expect_started(json_integer(1518863400), "2018-02-17T10:30:00Z");      /* as in Gong's docs */
    expect_started(json_integer(1518863400123LL), "2018-02-17T10:30:00Z"); /* milliseconds */
    expect_started(json_real(1518863400.75), "2018-02-17T10:30:00Z");
    expect_started(json_string("1518863400"), "2018-02-17T10:30:00Z");
    expect_started(json_string("2018-02-17T02:30:00-08:00"), "2018-02-17T10:30:00Z");
    expect_started(json_string("2025-10-20T15:02:11+02:00"), "2025-10-20T13:02:11Z");
    expect_started(json_string("2025-10-20T13:02:11Z"), "2025-10-20T13:02:11Z");
    expect_started(json_string("2025-10-20T13:02:11.250Z"), "2025-10-20T13:02:11Z");
    expect_started(json_string("2025-10-20t13:02:11z"), "2025-10-20T13:02:11Z");
    expect_started(json_string("2025-10-20 18:32:11+0530"), "2025-10-20T13:02:11Z");
    expect_started(json_string("2025-10-20T13:02:11"), "2025-10-20T13:02:11Z"); /* no zone */
    expect_started(json_string("2025-12-31T23:30:00-01:00"), "2026-01-01T00:30:00Z");
    expect_started(json_string("2024-03-01T00:10:00+01:00"), "2024-02-29T23:10:00Z");
    expect_started(json_string("2025-10-20"), "2025-10-20T00:00:00Z");
}

Test(gongcall, unusable_started_is_fatal)
{
    const char *bad[] = {"'yesterday'",
                         "'2025-02-29T10:00:00Z'",
                         "'2025-10-20T24:00:00Z'",
                         "'2025-10-20T10:00:00+25:00'",
                         "'2025-10-20T10:00:00Zjunk'",
                         "'2025-1-20T10:00:00Z'",
                         "''",
                         "-5",
                         "true",
                         "{}",
                         "1e300"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *call = call_fixture();
        char text[64];
        snprintf(text, sizeof text, "[%s]", bad[i]);
        json_t *wrapped = j(text);
        set_meta(call, "started", json_incref(json_array_get(wrapped, 0)));
        char err[256] = "";
        record_fails(call, NULL, err, sizeof err);
        cr_expect(strstr(err, "call " CALL_ID ": metaData.started"), "%s: %s", bad[i], err);
        json_decref(wrapped);
        json_decref(call);
    }
}

Test(gongcall, missing_started_or_id_or_metadata)
{
    char err[256] = "";
    json_t *call = call_fixture();
    cr_assert_eq(json_object_del(json_object_get(call, "metaData"), "started"), 0);
    record_fails(call, NULL, err, sizeof err);
    cr_expect_str_eq(err, "call " CALL_ID ": metaData.started missing");
    set_meta(call, "started", json_null());
    record_fails(call, NULL, err, sizeof err);
    cr_expect_str_eq(err, "call " CALL_ID ": metaData.started missing");
    json_decref(call);

    call = call_fixture();
    cr_assert_eq(json_object_del(json_object_get(call, "metaData"), "id"), 0);
    record_fails(call, NULL, err, sizeof err);
    cr_expect_str_eq(err, "call: metaData.id missing");
    set_meta(call, "id", json_string(""));
    record_fails(call, NULL, err, sizeof err);
    cr_expect_str_eq(err, "call: metaData.id is not a usable id");
    set_meta(call, "id", json_real(7.78e18)); /* digits lost: refused */
    record_fails(call, NULL, err, sizeof err);
    cr_expect_str_eq(err, "call: metaData.id is not a usable id");
    json_decref(call);

    call = call_fixture();
    cr_assert_eq(json_object_del(call, "metaData"), 0);
    record_fails(call, NULL, err, sizeof err);
    cr_expect_str_eq(err, "call: metaData missing");
    json_decref(call);

    json_t *array = json_array();
    record_fails(array, NULL, err, sizeof err);
    cr_expect_str_eq(err, "call: not a JSON object");
    json_decref(array);
}

Test(gongcall, integer_id)
{
    json_t *call = call_fixture();
    set_meta(call, "id", json_integer(7782342274025937895LL));
    char buf[CS_GONGCALL_ID_LEN];
    cr_expect_str_eq(cs_gongcall_id(call, buf, sizeof buf), "7782342274025937895");
    char small[8] = "x";
    cr_expect_null(cs_gongcall_id(call, small, sizeof small), "does not fit");
    cr_expect_str_eq(small, "");

    json_t *transcript = transcript_fixture();
    cr_assert_eq(json_object_set_new(transcript, "callId", json_integer(7782342274025937895LL)), 0);
    json_t *rec = record_ok(call, transcript);
    cr_expect_str_eq(cs_rec_str(rec, "external_id"), "7782342274025937895");
    cr_expect_eq(json_array_size(json_object_get(rec, "transcript")), 5);
    json_decref(rec);
    json_decref(transcript);
    json_decref(call);

    call = call_fixture();
    cr_expect_str_eq(cs_gongcall_id(call, buf, sizeof buf), CALL_ID);
    cr_expect_null(cs_gongcall_id(NULL, buf, sizeof buf));
    json_decref(call);
}

Test(gongcall, transcript_of_another_call_is_refused)
{
    json_t *call = call_fixture(), *transcript = transcript_fixture();
    cr_assert_eq(json_object_set_new(transcript, "callId", json_string("12345")), 0);
    char err[256] = "";
    record_fails(call, transcript, err, sizeof err);
    cr_expect_str_eq(err, "call " CALL_ID ": transcript is for call 12345");
    json_t *not_object = json_array();
    record_fails(call, not_object, err, sizeof err);
    cr_expect_str_eq(err, "call " CALL_ID ": transcript is not a JSON object");
    json_decref(not_object);
    json_decref(transcript);
    json_decref(call);
}

Test(gongcall, private_flag)
{
    json_t *call = call_fixture();
    cr_expect_not(cs_gongcall_is_private(call));
    set_meta(call, "isPrivate", json_true());
    cr_expect(cs_gongcall_is_private(call));
    set_meta(call, "isPrivate", json_string("true"));
    cr_expect_not(cs_gongcall_is_private(call), "only a JSON true counts");
    cr_assert_eq(json_object_del(json_object_get(call, "metaData"), "isPrivate"), 0);
    cr_expect_not(cs_gongcall_is_private(call));
    cr_expect_not(cs_gongcall_is_private(NULL));
    json_decref(call);
}

/* count × "é" (two bytes each) after an "a": every even cut lands inside a character. */
static char *odd_text(size_t chars)
{
    char *s = malloc(2 * chars + 2);
    cr_assert_not_null(s);
    s[0] = 'a';
    for (size_t i = 0; i < chars; i++) {
        s[1 + 2 * i] = '\xc3';
        s[2 + 2 * i] = '\xa9';
    }
    s[2 * chars + 1] = '\0';
    return s;
}

Test(gongcall, odd_metadata_fields_are_left_out_or_cut)
{
    json_t *call = call_fixture();
    char *title = odd_text(750); /* 1501 bytes: a cut at 1024 lands inside a character */
    set_meta(call, "title", json_string(title));
    char url[2100];
    memset(url, 'a', sizeof url - 1);
    url[sizeof url - 1] = '\0';
    set_meta(call, "url", json_string(url));
    set_meta(call, "duration", json_real(1844.6));
    json_t *rec = record_ok(call, NULL);
    const char *t = cs_rec_str(rec, "title");
    cr_assert_not_null(t);
    cr_expect_eq(strlen(t), 1023);
    cr_expect_eq(strncmp(t, title, 1023), 0);
    free(title);
    cr_expect_null(json_object_get(rec, "url"), "an over-long url is left out, not cut");
    cr_expect_eq(cs_rec_int(rec, "duration_seconds", -1), 1845);
    json_decref(rec);

    set_meta(call, "title", json_integer(5));
    set_meta(call, "duration", json_integer(-3));
    set_meta(call, "url", json_null());
    rec = record_ok(call, NULL);
    cr_expect_null(json_object_get(rec, "title"));
    cr_expect_null(json_object_get(rec, "duration_seconds"));
    cr_expect_null(json_object_get(rec, "url"));
    json_decref(rec);
    json_decref(call);
}

/* ---------------------------------------------------------------------------------------- */
/* Participants and the transcript                                                            */

Test(gongcall, affiliations_are_normalised)
{
    json_t *call = call_fixture();
    json_t *parties = json_object_get(call, "parties");
    json_object_set_new(json_array_get(parties, 0), "affiliation", json_string("internal"));
    json_object_set_new(json_array_get(parties, 1), "affiliation", json_string("Partner"));
    json_object_del(json_array_get(parties, 2), "affiliation");
    json_object_set_new(json_array_get(parties, 3), "affiliation", json_integer(1));
    json_t *transcript = transcript_fixture();
    json_t *rec = record_ok(call, transcript);
    const json_t *parts = json_object_get(rec, "participants");
    cr_expect_str_eq(cs_rec_str(json_array_get(parts, 0), "affiliation"), "Internal");
    cr_expect_str_eq(cs_rec_str(json_array_get(parts, 1), "affiliation"), "Unknown");
    cr_expect_str_eq(cs_rec_str(json_array_get(parts, 2), "affiliation"), "Unknown");
    cr_expect_str_eq(cs_rec_str(json_array_get(parts, 3), "affiliation"), "Unknown");
    const json_t *utts = json_object_get(rec, "transcript");
    expect_utterance(json_array_get(utts, 2), "3303", "Maya Okafor", "Unknown", 8300,
                     "Mostly well, but we really need a Salesforce sync — the CSV export keeps "
                     "breaking on “quotes”.");
    json_decref(rec);
    json_decref(transcript);
    json_decref(call);
}

/* A party's Gong userId (a string of digits, as Gong documents it; a number is accepted too)
   is the participant's user_id; people who are not Gong users have none, and an id of another
   type or an empty one is left out. */
Test(gongcall, gong_user_ids_of_parties)
{
    json_t *call = call_fixture();
    json_t *parties = json_object_get(call, "parties");
    json_object_set_new(json_array_get(parties, 1), "userId", json_integer(880011223355));
    json_object_set_new(json_array_get(parties, 2), "userId", json_real(1.5));
    json_object_set_new(json_array_get(parties, 3), "userId", json_string(""));
    json_t *transcript = j(TRANSCRIPT_JSON);
    json_t *rec = record_ok(call, transcript);
    const json_t *parts = json_object_get(rec, "participants");
    cr_assert_eq(json_array_size(parts), 4);
    cr_expect_str_eq(cs_rec_str(json_array_get(parts, 0), "user_id"), "880011223344");
    cr_expect_str_eq(cs_rec_str(json_array_get(parts, 1), "user_id"), "880011223355");
    cr_expect_null(json_object_get(json_array_get(parts, 2), "user_id"));
    cr_expect_null(json_object_get(json_array_get(parts, 3), "user_id"));
    json_decref(rec);
    json_decref(transcript);
    json_decref(call);
}

Test(gongcall, sentences_without_text_or_start)
{
    json_t *call = call_fixture();
    set_meta(call, "started", json_integer(1518863400));
    json_t *parties = json_object_get(call, "parties");
    json_object_set_new(json_array_get(parties, 3), "speakerId", json_integer(3304));
    json_t *transcript =
        j("{'callId': '4107735561190331457', 'transcript': ["
          "  {'speakerId': '3301', 'sentences': [{'start': 100, 'text': 'First.'},"
          "    {'start': 900, 'text': null}, {'start': 950}, {'text': 'No start of its own.'},"
          "    {'start': 1500.6, 'text': 'Rounded.'}, {'start': -4, 'text': 'Negative start.'},"
          "    'not an object', {'start': 1800, 'text': 42}]},"
          "  {'sentences': [{'start': 2000, 'text': 'Nobody in particular.'}]},"
          "  {'speakerId': 3304, 'sentences': [{'start': 2100, 'text': 'Integer speaker.'}]},"
          "  {'speakerId': '3302', 'sentences': 'none'}, 'junk', null]}");
    json_t *rec = record_ok(call, transcript);
    const json_t *utts = json_object_get(rec, "transcript");
    cr_assert_eq(json_array_size(utts), 6);
    expect_utterance(json_array_get(utts, 0), "3301", "Dana Whitfield", "Internal", 100, "First.");
    expect_utterance(json_array_get(utts, 1), "3301", "Dana Whitfield", "Internal", 950,
                     "No start of its own.");
    expect_utterance(json_array_get(utts, 2), "3301", "Dana Whitfield", "Internal", 1501,
                     "Rounded.");
    expect_utterance(json_array_get(utts, 3), "3301", "Dana Whitfield", "Internal", 1501,
                     "Negative start.");
    const json_t *nobody = json_array_get(utts, 4);
    cr_expect_null(json_object_get(nobody, "speaker_id"));
    cr_expect_null(json_object_get(nobody, "speaker"));
    cr_expect_str_eq(cs_rec_str(nobody, "affiliation"), "Unknown");
    cr_expect_str_eq(cs_rec_str(nobody, "text"), "Nobody in particular.");
    expect_utterance(json_array_get(utts, 5), "3304", "Jens Larsen", "External", 2100,
                     "Integer speaker.");
    json_decref(rec);
    json_decref(transcript);
    json_decref(call);
}

/* A transcript of `count` sentences by speaker 3303, each `text`. */
static json_t *transcript_of(size_t count, const char *text)
{
    json_t *sentences = json_array();
    for (size_t i = 0; i < count; i++)
        cr_assert_eq(
            json_array_append_new(
                sentences, json_pack("{s:I, s:s}", "start", (json_int_t)i * 1000, "text", text)),
            0);
    json_t *t = json_pack("{s:s, s:[{s:s, s:o}]}", "callId", CALL_ID, "transcript", "speakerId",
                          "3303", "sentences", sentences);
    cr_assert_not_null(t);
    return t;
}

Test(gongcall, long_utterance_is_cut_at_a_character)
{
    char *text = odd_text(40000); /* 80001 bytes */
    json_t *call = call_fixture(), *transcript = transcript_of(2, text);
    json_t *rec = record_ok(call, transcript);
    const json_t *utts = json_object_get(rec, "transcript");
    cr_assert_eq(json_array_size(utts), 2);
    const char *cut = cs_rec_str(json_array_get(utts, 0), "text");
    cr_expect_eq(strlen(cut), CS_GONGCALL_MAX_UTTERANCE - 1, "64 KiB cut back to a boundary");
    cr_expect_eq(strncmp(cut, text, strlen(cut)), 0);
    cr_expect(json_is_true(json_object_get(rec, "transcript_truncated")));
    json_decref(rec);
    json_decref(transcript);
    json_decref(call);
    free(text);
}

Test(gongcall, whole_transcript_is_capped)
{
    char *text = odd_text(30000); /* 60001 bytes: 140 of them are over 8 MiB */
    json_t *call = call_fixture(), *transcript = transcript_of(150, text);
    json_t *rec = record_ok(call, transcript);
    const json_t *utts = json_object_get(rec, "transcript");
    size_t n = json_array_size(utts), total = 0;
    cr_expect(n > 100 && n < 150, "%zu utterances", n);
    for (size_t i = 0; i < n; i++) {
        const json_t *u = json_array_get(utts, i);
        total += strlen(cs_rec_str(u, "text")) + strlen(cs_rec_str(u, "speaker")) +
                 strlen(cs_rec_str(u, "speaker_id"));
        if (i + 1 < n)
            cr_expect_str_eq(cs_rec_str(u, "text"), text);
    }
    cr_expect_leq(total, CS_GONGCALL_MAX_TRANSCRIPT);
    cr_expect_gt(total, CS_GONGCALL_MAX_TRANSCRIPT - 70000, "the budget is used, %zu", total);
    const char *last = cs_rec_str(json_array_get(utts, n - 1), "text");
    cr_expect_lt(strlen(last), strlen(text), "the last utterance is cut");
    cr_expect(json_is_true(json_object_get(rec, "transcript_truncated")));
    char err[256];
    cr_expect_eq(cs_record_validate(rec, err, sizeof err), 0, "%s", err);
    json_decref(rec);
    json_decref(transcript);
    json_decref(call);
    free(text);
}

Test(gongcall, utterance_count_is_capped)
{
    json_t *call = call_fixture();
    json_t *transcript = transcript_of(CS_GONGCALL_MAX_UTTERANCES + 5, "Yes.");
    json_t *rec = record_ok(call, transcript);
    cr_expect_eq(json_array_size(json_object_get(rec, "transcript")), CS_GONGCALL_MAX_UTTERANCES);
    cr_expect(json_is_true(json_object_get(rec, "transcript_truncated")));
    json_decref(rec);
    json_decref(transcript);
    json_decref(call);
}

Test(gongcall, participants_are_capped)
{
    json_t *call = call_fixture();
    json_t *parties = json_array();
    for (int i = 0; i < CS_GONGCALL_MAX_PARTIES + 20; i++)
        json_array_append_new(parties, json_pack("{s:s, s:s}", "name", "Webinar attendee",
                                                 "affiliation", "External"));
    json_object_set_new(call, "parties", parties);
    json_t *rec = record_ok(call, NULL);
    cr_expect_eq(json_array_size(json_object_get(rec, "participants")), CS_GONGCALL_MAX_PARTIES);
    json_decref(rec);
    json_decref(call);
}

/* ---------------------------------------------------------------------------------------- */
/* The customer                                                                               */

Test(gongcall, opportunity_only_context)
{
    json_t *customer = customer_of(
        "[{'system': 'Salesforce', 'objects': [{'objectType': 'Opportunity', 'fields': ["
        " {'name': 'Name', 'value': 'Globex - Renewal 2026'}, {'name': 'MRR__c', 'value': "
        "'$4,200.50'}, {'name': 'Website', 'value': 'globex.io'}]}]}]");
    cr_assert_not_null(customer);
    cr_expect_str_eq(cs_rec_str(customer, "name"), "Globex - Renewal 2026");
    cr_expect_float_eq(cs_rec_num(customer, "mrr", -1), 4200.5, 1e-9);
    cr_expect_str_eq(cs_rec_str(customer, "domain"), "globex.io");
    json_decref(customer);

    customer = customer_of("[{'objects': [{'objectType': 'opportunity', 'fields': ["
                           " {'name': 'Name', 'value': 'Globex - Renewal 2026'},"
                           " {'name': 'AccountName', 'value': 'Globex Corporation'}]}]}]");
    cr_assert_not_null(customer);
    cr_expect_str_eq(cs_rec_str(customer, "name"), "Globex Corporation");
    cr_expect_null(json_object_get(customer, "mrr"));
    cr_expect_null(json_object_get(customer, "domain"));
    json_decref(customer);
}

Test(gongcall, account_wins_and_opportunity_fills_in)
{
    json_t *customer = customer_of(
        "[{'system': 'Salesforce', 'objects': ["
        "  {'objectType': 'Opportunity', 'fields': [{'name': 'Name', 'value': 'Deal'},"
        "   {'name': 'ARR__c', 'value': 96000}, {'name': 'Website', 'value': 'deal.example'}]},"
        "  {'objectType': 'Account', 'fields': [{'name': 'Industry', 'value': 'Retail'}]},"
        "  {'objectType': 'Account', 'fields': [{'name': 'name', 'value': 'Initech'},"
        "   {'name': 'Domain', 'value': 'initech.com'}]},"
        "  {'objectType': 'Account', 'fields': [{'name': 'Name', 'value': 'Second Account'},"
        "   {'name': 'MRR', 'value': 1}]}]}]");
    cr_assert_not_null(customer);
    cr_expect_str_eq(cs_rec_str(customer, "name"), "Initech", "first Account that names any");
    cr_expect_str_eq(cs_rec_str(customer, "domain"), "initech.com");
    cr_expect_float_eq(cs_rec_num(customer, "mrr", -1), 8000.0, 1e-9, "from the Opportunity");
    json_decref(customer);
}

Test(gongcall, party_level_context)
{
    json_t *call = call_fixture();
    json_object_del(call, "context");
    json_t *parties = json_object_get(call, "parties");
    json_object_set_new(
        json_array_get(parties, 0), "context",
        j("[{'system': 'Salesforce', 'objects': [{'objectType': 'Account', 'fields': ["
          " {'name': 'Name', 'value': 'Callsift Inc'}]}]}]"));
    json_object_set_new(
        json_array_get(parties, 3), "context",
        j("[{'system': 'Salesforce', 'objects': [{'objectType': 'Account', 'fields': ["
          " {'name': 'Name', 'value': 'Acme Corp'}, {'name': 'Website', 'value': "
          "'http://acme-corp.com/contact'}]}]}]"));
    json_t *rec = record_ok(call, NULL);
    const json_t *customer = json_object_get(rec, "customer");
    cr_assert_not_null(customer);
    cr_expect_str_eq(cs_rec_str(customer, "name"), "Acme Corp", "Internal parties are skipped");
    cr_expect_str_eq(cs_rec_str(customer, "domain"), "acme-corp.com");
    cr_expect_null(json_object_get(customer, "mrr"));
    json_decref(rec);
    json_decref(call);
}

Test(gongcall, no_context_no_customer)
{
    json_t *call = call_fixture();
    json_object_del(call, "context");
    json_t *rec = record_ok(call, NULL);
    cr_expect_null(json_object_get(rec, "customer"));
    json_decref(rec);

    json_object_set_new(call, "context",
                        j("[{'system': 'Salesforce', 'objects': [{'objectType': 'Contact',"
                          " 'fields': [{'name': 'Name', 'value': 'Maya Okafor'}]}]},"
                          " 'junk', {'objects': 'none'}, {'objects': [{'fields': 3}]}]"));
    rec = record_ok(call, NULL);
    cr_expect_null(json_object_get(rec, "customer"), "a Contact is not a customer");
    json_decref(rec);
    json_decref(call);
}

Test(gongcall, mrr_field_variants_and_junk)
{
    struct {
        const char *field;
        const char *value; /* JSON, single quotes */
        double mrr;        /* < 0: none */
    } cases[] = {
        {"MRR", "5000", 5000},
        {"mrr__C", "'5,000.00'", 5000},
        {"Monthly_Recurring_Revenue__c", "'$750'", 750},
        {"MRR", "'  1,234,567.5 USD '", 1234567.5},
        {"MRR", "'€ 99.90'", 99.9},
        {"MRR", "12.75", 12.75},
        {"ARR", "120000", 10000},
        {"arr__c", "'USD 60,000'", 5000},
        {"Annual_Recurring_Revenue__c", "'24000 €'", 2000},
        {"AnnualRevenue", "100000", 8333.33},
        {"AnnualRevenue", "'n/a'", -1},
        {"MRR", "'N/A'", -1},
        {"MRR", "''", -1},
        {"MRR", "'-100'", -1},
        {"MRR", "-100", -1},
        {"MRR", "'12,50'", -1},
        {"MRR", "'1,2345'", -1},
        {"MRR", "'1e5'", -1},
        {"MRR", "'12.'", -1},
        {"MRR", "'about 5000'", -1},
        {"MRR", "true", -1},
        {"MRR", "null", -1},
        {"Amount", "5000", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[128];
        snprintf(text, sizeof text, "[%s]", cases[i].value);
        json_t *wrapped = j(text);
        json_t *customer =
            customer_with_field(cases[i].field, json_incref(json_array_get(wrapped, 0)));
        cr_expect_str_eq(cs_rec_str(customer, "name"), "Acme Corp");
        if (cases[i].mrr < 0)
            cr_expect_null(json_object_get(customer, "mrr"), "%s = %s", cases[i].field,
                           cases[i].value);
        else
            cr_expect_float_eq(cs_rec_num(customer, "mrr", -1), cases[i].mrr, 1e-6, "%s = %s",
                               cases[i].field, cases[i].value);
        json_decref(customer);
        json_decref(wrapped);
    }
}

Test(gongcall, monthly_beats_annual)
{
    json_t *customer = customer_of("[{'objects': [{'objectType': 'Account', 'fields': ["
                                   " {'name': 'ARR', 'value': 1200},"
                                   " {'name': 'MRR', 'value': 'unknown'},"
                                   " {'name': 'MRR__c', 'value': 300}]}]}]");
    cr_assert_not_null(customer);
    cr_expect_float_eq(cs_rec_num(customer, "mrr", -1), 300.0, 1e-9);
    cr_expect_null(json_object_get(customer, "name"));
    json_decref(customer);
}

Test(gongcall, website_becomes_a_domain)
{
    struct {
        const char *website, *domain; /* domain NULL: none */
    } cases[] = {
        {"https://www.acme-corp.com/", "acme-corp.com"},
        {"http://Acme.Example/path?x=1#top", "acme.example"},
        {"WWW.Foo.Co.UK", "foo.co.uk"},
        {"acme.example:8443", "acme.example"},
        {"https://user@www.x.io", "x.io"},
        {"  //cdn.example.org/a ", "cdn.example.org"},
        {"www.com", "www.com"},
        {"example.com.", "example.com"},
        {"not a domain", NULL},
        {"localhost", NULL},
        {"https://", NULL},
        {"-bad-.example", NULL},
        {"a..b", NULL},
        {"https://user:secret@www.Initech.com:8443/login?next=/", "initech.com"},
        {"ftp://files.globex.io:21/pub", "files.globex.io"},
        {"http://B\xc3\xbc"
         "cher.Example/",
         "b\xc3\xbc"
         "cher.example"},
        {"https://[2001:db8::1]:443/", NULL},
        {"[::1]", NULL},
        {"https://acme.example:notaport/", NULL},
        {"http://exa mple.com", NULL},
        {"\x01\x02garbage\x7f", NULL},
        {"://", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *customer = customer_with_field("Website", json_string(cases[i].website));
        if (cases[i].domain)
            cr_expect_str_eq(cs_rec_str(customer, "domain"), cases[i].domain, "%s",
                             cases[i].website);
        else
            cr_expect_null(json_object_get(customer, "domain"), "%s", cases[i].website);
        json_decref(customer);
    }
}

Test(gongcall, external_domains)
{
    json_t *call = call_fixture();
    json_t *parties = json_object_get(call, "parties");
    json_array_append_new(parties, json_pack("{s:s, s:s, s:s}", "name", "Guest", "emailAddress",
                                             "guest@Globex.IO", "affiliation", "External"));
    json_array_append_new(parties, json_pack("{s:s, s:s, s:s}", "name", "Bad", "emailAddress",
                                             "no-at-sign", "affiliation", "External"));
    json_array_append_new(parties, json_pack("{s:s, s:s, s:s}", "name", "Odd", "emailAddress",
                                             "x@nodot", "affiliation", "External"));
    json_array_append_new(parties, json_pack("{s:s, s:s, s:s}", "name", "Vendor", "emailAddress",
                                             "v@vendor.example", "affiliation", "Unknown"));
    json_array_append_new(parties,
                          json_pack("{s:s, s:s}", "name", "Phone only", "affiliation", "External"));
    json_t *rec = record_ok(call, NULL);
    json_t *domains = cs_crm_external_domains(rec);
    json_t *want = j("['acme-corp.com', 'globex.io']");
    cr_expect(json_equal(domains, want));
    json_decref(want);
    json_decref(domains);
    json_decref(rec);
    json_decref(call);

    json_t *empty = json_object();
    domains = cs_crm_external_domains(empty);
    cr_assert_not_null(domains);
    cr_expect_eq(json_array_size(domains), 0);
    json_decref(domains);
    json_decref(empty);
}

/* ---------------------------------------------------------------------------------------- */
/* Hostile text                                                                               */

Test(gongcall, control_characters_in_names_become_single_spaces)
{
    json_t *call = call_fixture();
    set_meta(call, "title",
             json_string("Renewal\n2025-10-20 17:27:28 - INFO - Successfully ingested 9999 calls"));
    json_t *party = json_array_get(json_object_get(call, "parties"), 2);
    json_object_set_new(party, "name", json_string(" \tMaya\r\n\x1b[31m Okafor\x7f \xc2\x85✓ "));
    json_object_set_new(party, "title", json_string("VP\nOperations"));
    json_t *context = j("[{'system': 'Salesforce', 'objects': [{'objectType': 'Account',"
                        " 'fields': [{'name': 'Name', 'value': 'Acme'}]}]}]");
    json_t *field = json_array_get(
        json_object_get(json_array_get(json_object_get(json_array_get(context, 0), "objects"), 0),
                        "fields"),
        0);
    json_object_set_new(field, "value", json_string("Acme\n\n2025-10-20 - INFO - forged"));
    json_object_set_new(call, "context", context);
    json_t *rec = record_ok(call, NULL);
    cr_expect_str_eq(cs_rec_str(rec, "title"),
                     "Renewal 2025-10-20 17:27:28 - INFO - Successfully ingested 9999 calls");
    const json_t *p = json_array_get(json_object_get(rec, "participants"), 2);
    cr_expect_str_eq(cs_rec_str(p, "name"), "Maya [31m Okafor ✓");
    cr_expect_str_eq(cs_rec_str(p, "title"), "VP Operations");
    cr_expect_str_eq(cs_rec_str(json_object_get(rec, "customer"), "name"),
                     "Acme 2025-10-20 - INFO - forged");
    json_decref(rec);
    json_decref(call);
}

Test(gongcall, a_name_of_only_control_characters_is_left_out)
{
    json_t *call = call_fixture();
    set_meta(call, "title", json_string("\n\r\t "));
    json_t *rec = record_ok(call, NULL);
    cr_expect_null(json_object_get(rec, "title"));
    json_decref(rec);
    json_decref(call);
}

/* A replay line as the fetcher reads it, through cs_replay; the call it makes must be refused
   with the field named, never built with the text cut at the NUL. */
static void expect_nul_refused(const char *line, const char *reason)
{
    char path[] = "/tmp/cs-gongcall-nul-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    fputs(line, f);
    fputs("\n", f);
    fclose(f);
    char err[256] = "";
    bool eof = false;
    cs_replay_t *r = cs_replay_open(path, err, sizeof err);
    cr_assert(r, "%s", err);
    json_t *v = cs_replay_next(r, &eof, err, sizeof err);
    cr_assert(v, "%s", err);
    json_t *call = NULL, *transcript = NULL;
    cs_replay_split(v, &call, &transcript);
    record_fails(call, transcript, err, sizeof err);
    cr_expect(strstr(err, reason), "%s", err);
    json_decref(call);
    json_decref(transcript);
    json_decref(v);
    cs_replay_close(&r);
    unlink(path);
}

Test(gongcall, a_nul_in_a_replay_line_refuses_the_call)
{
    expect_nul_refused("{\"metaData\": {\"id\": \"77\", \"title\": \"Renewal\\u0000 secret tail\","
                       " \"started\": \"2025-10-20T10:00:00Z\"}}",
                       "call 77: field metaData.title contains a NUL character");
    expect_nul_refused("{\"metaData\": {\"id\": \"77\", \"started\": \"2025-10-20T10:00:00Z\"},"
                       " \"parties\": [{\"name\": \"Ann\"}, {\"name\": \"Bo\\u0000b\"}]}",
                       "field parties[1].name contains a NUL character");
    expect_nul_refused("{\"metaData\": {\"id\": \"7\\u00007\", \"started\": \"2025-10-20\"}}",
                       "call: field metaData.id contains a NUL character");
    expect_nul_refused("{\"metaData\": {\"id\": \"77\", \"started\": \"2025-10-20T10:00:00Z\"},"
                       " \"transcript\": {\"callId\": \"77\", \"transcript\": [{\"speakerId\":"
                       " \"1\", \"sentences\": [{\"start\": 1, \"text\": \"a\\u0000b\"}]}]}}",
                       "transcript field transcript[0].sentences[0].text contains a NUL");
}
