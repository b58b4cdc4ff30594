/* cs_writer: one call, one transaction, against a real PostgreSQL. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_record.h"
#include "cs_testdata.h"
#include "cs_testdb.h"
#include "cs_testws.h"
#include "cs_transcript.h"
#include "cs_util.h"
#include "cs_uuid.h"
#include "cs_writer.h"

/* a fresh database, a connection and a workspace for each test (tests/lib/cs_testws.h) */
static cs_testws_t *const tw = &cs_testws;

TestSuite(writer, .init = cs_testws_setup, .fini = cs_testws_teardown);

static cs_commit_status_t commit(json_t *rec, char *message_id)
{
    char err[1024] = "";
    char ignored[CS_UUID_LEN];
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "test record invalid: %s", err);
    cs_commit_status_t st =
        cs_writer_commit(tw->db, rec, message_id ? message_id : ignored, err, sizeof err);
    cr_assert_neq(st, CS_COMMIT_RETRY, "unexpected retry: %s", err);
    return st;
}

__attribute__((format(printf, 1, 2))) static long q(const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return cs_testdb_long(tw->db, sql);
}

__attribute__((format(printf, 1, 2))) static char *qs(const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return cs_testdb_scalar(tw->db, sql);
}

Test(writer, commits_message_feature_link_and_audit)
{
    json_t *d = cs_testdata_decision(
        cs_testdata_call(tw->ws, "gong-1", "2025-10-20T17:27:28Z", "Acme", "acme.com"));
    cs_testdata_add(d, "create", NULL, tw->integrations, "Salesforce sync", "high");
    char mid[CS_UUID_LEN];
    cr_assert_eq(commit(d, mid), CS_COMMIT_COMMITTED);

    char expected[CS_UUID_LEN];
    cs_uuid_message_id(tw->ws, "replay", "gong-1", expected);
    cr_assert_str_eq(mid, expected);
    cr_assert_eq(q("SELECT count(*) FROM messages WHERE id = '%s' AND is_processed"
                   " AND processed_at IS NOT NULL AND ai_insights->>'summary' = 'A demo call.'",
                   mid),
                 1);
    char *text = qs("SELECT content FROM messages WHERE id = '%s'", mid);
    cr_assert(strstr(text, "Yukta: We really need Salesforce sync"), "%s", text);
    free(text);
    /* and again where the seed's data model has it */
    text = qs("SELECT message_metadata->>'transcript_text' FROM messages WHERE id = '%s'", mid);
    cr_assert(strstr(text, "Yukta: We really need Salesforce sync"), "%s", text);
    free(text);
    char *call_id = qs("SELECT message_metadata->>'call_id' FROM messages WHERE id = '%s'", mid);
    cr_assert_str_eq(call_id, "gong-1");
    free(call_id);
    cr_assert_eq(q("SELECT count(*) FROM features WHERE workspace_id = '%s' AND mention_count = 1"
                   " AND urgency = 'high' AND status = 'new'"
                   " AND first_mentioned = '2025-10-20T17:27:28Z'",
                   tw->ws),
                 1);
    cr_assert_eq(q("SELECT count(*) FROM features f JOIN themes t ON t.id = f.theme_id"
                   " WHERE t.name = 'Integrations' AND f.workspace_id = '%s'",
                   tw->ws),
                 1);
    cr_assert_eq(q("SELECT count(*) FROM feature_messages WHERE message_id = '%s'"
                   " AND quote = 'We really need Salesforce sync'",
                   mid),
                 1);
    cr_assert_eq(q("SELECT count(*) FROM match_decisions WHERE message_id = '%s'"
                   " AND method = 'embedding' AND action = 'create' AND reasoning = 'test decision'"
                   " AND extracted->>'title' = 'Salesforce sync'",
                   mid),
                 1);
    /* the customer was not known: it is added, and the message points at it */
    cr_assert_eq(q("SELECT count(*) FROM messages m JOIN customers c ON c.id = m.customer_id"
                   " WHERE c.name = 'Acme' AND c.domain = 'acme.com' AND c.mrr = 5000"
                   " AND m.id = '%s'",
                   mid),
                 1);
    json_decref(d);
}

/* The transcript of a record of version 2 (rendered once by the extractor's stage) is stored
   as the writer stored the utterances of version 1 (the form an extractor of the previous
   version still sends): the same bytes in messages.content and in message_metadata. */
Test(writer, both_record_versions_store_the_same_transcript_bytes)
{
    json_t *old = cs_testdata_decision(
        cs_testdata_call(tw->ws, "v1-call", "2025-10-20T17:27:28Z", "Acme", "acme.com"));
    json_t *said = json_object_get(old, "transcript");
    json_array_append_new(said, json_pack("{s:s, s:i, s:s}", "speaker_id", "77", "start_ms", 9000,
                                          "text", "Tabs\tand \"quotes\", a \\ and ünïcödé 日本"));
    json_array_append_new(said, json_pack("{s:i, s:s}", "start_ms", 9500, "text", ""));
    json_object_set_new(old, "participants",
                        json_pack("[{s:s, s:s, s:s}]", "name", "Yukta", "speaker_id", "2",
                                  "affiliation", "External"));
    json_t *new = json_deep_copy(old);
    json_object_set_new(new, "external_id", json_string("v2-call"));
    cr_assert_eq(cs_transcript_flatten(new), 0);
    cr_assert_eq(cs_rec_int(new, "v", 0), CS_RECORD_VERSION_TEXT);
    char old_id[CS_UUID_LEN], new_id[CS_UUID_LEN];
    cr_assert_eq(commit(old, old_id), CS_COMMIT_COMMITTED);
    cr_assert_eq(commit(new, new_id), CS_COMMIT_COMMITTED);

    static const char expected[] = "Steve: What would help your team?\n"
                                   "Yukta: We really need Salesforce sync for our tickets.\n"
                                   "77: Tabs\tand \"quotes\", a \\ and ünïcödé 日本\n"
                                   "?: \n";
    for (int i = 0; i < 2; i++) {
        const char *id = i ? new_id : old_id;
        char *content = qs("SELECT content FROM messages WHERE id = '%s'", id);
        cr_assert_str_eq(content, expected);
        free(content);
        char *meta =
            qs("SELECT message_metadata->>'transcript_text' FROM messages WHERE id = '%s'", id);
        cr_assert_str_eq(meta, expected);
        free(meta);
    }
    /* the whole rows, but for the ids that name the call */
    const char *cols =
        "content, message_metadata - 'call_id', customer_id, integration_id, source,"
        " sent_at, is_processed, ai_insights, llm_usage, error, transcript_truncated,"
        " extraction_note";
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT count(DISTINCT (%s)::text) FROM messages WHERE id IN ('%s', '%s')", cols,
             old_id, new_id);
    cr_assert_eq(cs_testdb_long(tw->db, sql), 1, "the two rows differ");
    cr_assert_eq(q("SELECT count(*) FROM messages WHERE message_metadata->>'call_id' IN"
                   " ('v1-call', 'v2-call') AND message_metadata->'participants'->0->>'name'"
                   " = 'Yukta'"),
                 2);
    json_decref(old);
    json_decref(new);
}

Test(writer, same_decision_twice_leaves_one_set_of_rows)
{
    json_t *d = cs_testdata_decision(
        cs_testdata_call(tw->ws, "gong-2", "2025-10-20T10:00:00Z", "Acme", "acme.com"));
    cs_testdata_add(d, "create", NULL, tw->integrations, "Salesforce sync", "medium");
    cs_testdata_add(d, "create", NULL, NULL, "Dark mode", "low");
    cr_assert_eq(commit(d, NULL), CS_COMMIT_COMMITTED);
    cr_assert_eq(commit(d, NULL), CS_COMMIT_ALREADY);
    cr_assert_eq(commit(d, NULL), CS_COMMIT_ALREADY);
    cr_assert_eq(q("SELECT count(*) FROM messages WHERE workspace_id = '%s'", tw->ws), 1);
    cr_assert_eq(q("SELECT count(*) FROM features WHERE workspace_id = '%s'", tw->ws), 2);
    cr_assert_eq(q("SELECT sum(mention_count) FROM features WHERE workspace_id = '%s'", tw->ws), 2);
    cr_assert_eq(
        q("SELECT count(*) FROM feature_messages fm JOIN features f ON f.id = fm.feature_id"
          " WHERE f.workspace_id = '%s'",
          tw->ws),
        2);
    cr_assert_eq(q("SELECT count(*) FROM match_decisions WHERE workspace_id = '%s'", tw->ws), 2);
    cr_assert_eq(q("SELECT count(*) FROM customers WHERE workspace_id = '%s'", tw->ws), 1);
    /* a feature with no valid theme lands in the default theme */
    cr_assert_eq(q("SELECT count(*) FROM features f JOIN themes t ON t.id = f.theme_id"
                   " WHERE t.is_default AND f.name = 'Dark mode' AND f.workspace_id = '%s'",
                   tw->ws),
                 1);
    json_decref(d);
}

Test(writer, three_calls_linking_one_feature)
{
    const char *when[] = {"2025-10-02T09:00:00Z", "2025-10-01T09:00:00Z", "2025-10-03T09:00:00Z"};
    char feature[CS_UUID_LEN] = "";
    for (int i = 0; i < 3; i++) {
        char ext[32];
        snprintf(ext, sizeof ext, "call-%d", i);
        json_t *d = cs_testdata_decision(cs_testdata_call(tw->ws, ext, when[i], NULL, NULL));
        cs_testdata_add(d, i == 0 ? "create" : "link", i == 0 ? NULL : feature, tw->integrations,
                        "Salesforce sync", i == 2 ? "critical" : "low");
        if (i == 0)
            snprintf(feature, sizeof feature, "%s",
                     cs_rec_str(json_array_get(json_object_get(d, "decisions"), 0), "feature_id"));
        cr_assert_eq(commit(d, NULL), CS_COMMIT_COMMITTED);
        json_decref(d);
    }
    cr_assert_eq(q("SELECT mention_count FROM features WHERE id = '%s'", feature), 3);
    cr_assert_eq(q("SELECT count(*) FROM feature_messages WHERE feature_id = '%s'", feature), 3);
    char *first = qs("SELECT first_mentioned = '2025-10-01T09:00:00Z' AND"
                     " last_mentioned = '2025-10-03T09:00:00Z' FROM features WHERE id = '%s'",
                     feature);
    cr_assert_str_eq(first, "t");
    free(first);
    char *urgency = qs("SELECT urgency FROM features WHERE id = '%s'", feature);
    cr_assert_str_eq(urgency, "critical", "the highest urgency asked for wins");
    free(urgency);
    cr_assert_eq(q("SELECT count(*) FROM features WHERE workspace_id = '%s'", tw->ws), 1);
}

Test(writer, failed_extraction_is_kept_unprocessed_then_completed)
{
    json_t *call = cs_testdata_call(tw->ws, "gong-err", "2025-10-20T10:00:00Z", NULL, NULL);
    json_object_set_new(call, "kind", json_string("decision"));
    json_object_set_new(call, "error", json_string("LLM answer invalid after 3 attempts"));
    json_object_set_new(call, "decisions", json_array());
    char mid[CS_UUID_LEN];
    cr_assert_eq(commit(call, mid), CS_COMMIT_COMMITTED);
    cr_assert_eq(q("SELECT count(*) FROM messages WHERE id = '%s' AND NOT is_processed"
                   " AND error LIKE 'LLM answer invalid%%' AND ai_insights IS NULL",
                   mid),
                 1);
    /* the same failure again: still one row, still unprocessed */
    cr_assert_eq(commit(call, NULL), CS_COMMIT_COMMITTED);
    cr_assert_eq(q("SELECT count(*) FROM messages WHERE workspace_id = '%s'", tw->ws), 1);

    /* a later successful extraction (reprocess) completes it */
    json_t *ok = cs_testdata_decision(
        cs_testdata_call(tw->ws, "gong-err", "2025-10-20T10:00:00Z", NULL, NULL));
    cs_testdata_add(ok, "create", NULL, tw->integrations, "Salesforce sync", "high");
    cr_assert_eq(commit(ok, NULL), CS_COMMIT_COMMITTED);
    cr_assert_eq(
        q("SELECT count(*) FROM messages WHERE id = '%s' AND is_processed AND error IS NULL", mid),
        1);
    cr_assert_eq(commit(ok, NULL), CS_COMMIT_ALREADY);
    json_decref(call);
    json_decref(ok);
}

Test(writer, extraction_skipped_is_stored_unprocessed)
{
    json_t *call = cs_testdata_call(tw->ws, "no-extract", "2025-10-20T10:00:00Z", NULL, NULL);
    json_object_set_new(call, "kind", json_string("decision"));
    json_object_set_new(call, "flags", json_pack("{s:b}", "extract", 0));
    json_object_set_new(call, "decisions", json_array());
    char mid[CS_UUID_LEN];
    cr_assert_eq(commit(call, mid), CS_COMMIT_COMMITTED);
    cr_assert_eq(q("SELECT count(*) FROM messages WHERE id = '%s' AND NOT is_processed"
                   " AND error IS NULL",
                   mid),
                 1);
    json_decref(call);
}

Test(writer, a_truncated_transcript_is_marked_on_the_message)
{
    json_t *cut = cs_testdata_decision(
        cs_testdata_call(tw->ws, "gong-cut", "2025-10-20T10:00:00Z", NULL, NULL));
    json_object_set_new(cut, "transcript_truncated", json_true());
    json_t *whole = cs_testdata_decision(
        cs_testdata_call(tw->ws, "gong-whole", "2025-10-20T11:00:00Z", NULL, NULL));
    char cut_id[CS_UUID_LEN], whole_id[CS_UUID_LEN];
    cr_assert_eq(commit(cut, cut_id), CS_COMMIT_COMMITTED);
    cr_assert_eq(commit(whole, whole_id), CS_COMMIT_COMMITTED);
    cr_expect_eq(
        q("SELECT count(*) FROM messages WHERE id = '%s' AND transcript_truncated", cut_id), 1);
    cr_expect_eq(
        q("SELECT count(*) FROM messages WHERE id = '%s' AND NOT transcript_truncated", whole_id),
        1, "absent is false");
    json_decref(cut);
    json_decref(whole);
}

/* Set the confidence of the last request added (and, when decided >= 0, its decision's
   request_confidence). */
static void set_confidence(json_t *d, double request, double decided)
{
    json_t *requests = json_object_get(json_object_get(d, "insights"), "feature_requests");
    json_t *decisions = json_object_get(d, "decisions");
    json_object_set_new(json_array_get(requests, json_array_size(requests) - 1), "confidence",
                        json_real(request));
    if (decided >= 0)
        json_object_set_new(json_array_get(decisions, json_array_size(decisions) - 1),
                            "request_confidence", json_real(decided));
}

/* Each mention keeps its request's confidence: the decision's request_confidence first, the
   request's own otherwise, NULL when neither has one. Two requests of one call linked to one
   feature are one mention with the higher confidence, counted once, also after a redelivery. */
Test(writer, stores_each_mentions_confidence_and_keeps_the_higher)
{
    json_t *d = cs_testdata_decision(
        cs_testdata_call(tw->ws, "gong-conf", "2025-10-20T10:00:00Z", "Acme", "acme.com"));
    cs_testdata_add(d, "create", NULL, tw->integrations, "Salesforce sync", "medium");
    set_confidence(d, 0.2, 0.3); /* the decision's copy wins */
    char feature[CS_UUID_LEN];
    snprintf(feature, sizeof feature, "%s",
             cs_rec_str(json_array_get(json_object_get(d, "decisions"), 0), "feature_id"));
    cs_testdata_add(d, "link", feature, tw->integrations, "Salesforce sync", "medium");
    set_confidence(d, 0.85, -1); /* no copy: the request's own */
    cs_testdata_add(d, "create", NULL, NULL, "Dark mode", "low");
    set_confidence(d, 0.4, 0.4);
    cs_testdata_add(d, "create", NULL, NULL, "Okta SSO", "low"); /* none: NULL */
    char mid[CS_UUID_LEN];
    cr_assert_eq(commit(d, mid), CS_COMMIT_COMMITTED);
    cr_assert_eq(q("SELECT count(*) FROM feature_messages WHERE message_id = '%s'", mid), 3);
    cr_expect_eq(q("SELECT count(*) FROM feature_messages WHERE feature_id = '%s'"
                   " AND abs(confidence - 0.85) < 1e-6",
                   feature),
                 1);
    cr_expect_eq(
        q("SELECT count(*) FROM feature_messages fm JOIN features f ON f.id = fm.feature_id"
          " WHERE f.name = 'Dark mode' AND abs(fm.confidence - 0.4) < 1e-6"),
        1);
    cr_expect_eq(
        q("SELECT count(*) FROM feature_messages fm JOIN features f ON f.id = fm.feature_id"
          " WHERE f.name = 'Okta SSO' AND fm.confidence IS NULL"),
        1);
    cr_expect_eq(q("SELECT mention_count FROM features WHERE id = '%s'", feature), 1);

    /* the same call again: nothing changes */
    cr_assert_eq(commit(d, NULL), CS_COMMIT_ALREADY);
    cr_expect_eq(q("SELECT count(*) FROM feature_messages WHERE message_id = '%s'", mid), 3);
    cr_expect_eq(q("SELECT mention_count FROM features WHERE id = '%s'", feature), 1);
    cr_expect_eq(q("SELECT count(*) FROM feature_messages WHERE feature_id = '%s'"
                   " AND abs(confidence - 0.85) < 1e-6",
                   feature),
                 1);
    json_decref(d);

    /* a mention of unknown confidence counts as confident: it wins over a known one */
    json_t *e = cs_testdata_decision(
        cs_testdata_call(tw->ws, "gong-conf-2", "2025-10-21T10:00:00Z", "Acme", "acme.com"));
    cs_testdata_add(e, "link", feature, tw->integrations, "Salesforce sync", "medium");
    set_confidence(e, 0.9, 0.9);
    cs_testdata_add(e, "link", feature, tw->integrations, "Salesforce sync", "medium");
    char mid2[CS_UUID_LEN];
    cr_assert_eq(commit(e, mid2), CS_COMMIT_COMMITTED);
    cr_expect_eq(q("SELECT count(*) FROM feature_messages WHERE message_id = '%s'"
                   " AND confidence IS NULL",
                   mid2),
                 1);
    cr_expect_eq(q("SELECT mention_count FROM features WHERE id = '%s'", feature), 2);
    json_decref(e);
}

/* A decision's scores are stored in match_decisions.scores with the keys the record schema
   names (others dropped), and read back as the numbers they were; its candidates, with their
   lexical and fused scores, as they came. A decision without scores gets {}. */
Test(writer, stores_each_decisions_scores_and_candidates)
{
    json_t *d = cs_testdata_decision(
        cs_testdata_call(tw->ws, "gong-scores", "2025-10-20T10:00:00Z", "Acme", "acme.com"));
    cs_testdata_add(d, "create", NULL, tw->integrations, "Salesforce sync", "medium");
    char feature[CS_UUID_LEN];
    snprintf(feature, sizeof feature, "%s",
             cs_rec_str(json_array_get(json_object_get(d, "decisions"), 0), "feature_id"));
    cr_assert_eq(commit(d, NULL), CS_COMMIT_COMMITTED);
    cr_expect_eq(q("SELECT count(*) FROM match_decisions WHERE feature_id = '%s'"
                   " AND scores = '{}'::jsonb",
                   feature),
                 1);
    json_decref(d);

    json_t *e = cs_testdata_decision(
        cs_testdata_call(tw->ws, "gong-scores-2", "2025-10-21T10:00:00Z", "Acme", "acme.com"));
    cs_testdata_add(e, "link", feature, tw->integrations, "Sync with Salesforce", "medium");
    json_t *link = json_array_get(json_object_get(e, "decisions"), 0);
    json_object_set_new(link, "method", json_string("llm"));
    json_object_set_new(link, "similarity", json_real(0.62));
    json_object_set_new(link, "scores",
                        json_pack("{s:f, s:f, s:f, s:f, s:f, s:s, s:[i]}", "vector", 0.62,
                                  "lexical", 0.48, "fused", 0.57, "judge", 0.9, "margin", 0.21,
                                  "x_note", "dropped", "x_list", 1));
    json_object_set_new(link, "candidates",
                        json_pack("[{s:s, s:s, s:f, s:f, s:f}, {s:s, s:s, s:f}]", "id", feature,
                                  "name", "Salesforce sync", "similarity", 0.62, "lexical", 0.48,
                                  "fused", 0.57, "id", tw->uncategorized, "name", "HubSpot sync",
                                  "similarity", 0.55));
    char mid[CS_UUID_LEN];
    cr_assert_eq(commit(e, mid), CS_COMMIT_COMMITTED);
    char *scores =
        qs("SELECT scores::text FROM match_decisions WHERE message_id = '%s' AND action = 'link'",
           mid);
    cr_expect_str_eq(scores, "{\"fused\": 0.57, \"judge\": 0.9, \"margin\": 0.21, \"vector\": 0.62,"
                             " \"lexical\": 0.48}");
    free(scores);
    cr_expect_eq(q("SELECT count(*) FROM match_decisions WHERE message_id = '%s'"
                   " AND (scores->>'judge')::numeric = 0.9 AND abs(similarity - 0.62) < 1e-6"
                   " AND jsonb_array_length(candidates) = 2"
                   " AND abs((candidates->0->>'fused')::numeric - 0.57) < 1e-9"
                   " AND abs((candidates->0->>'lexical')::numeric - 0.48) < 1e-9"
                   " AND candidates->1->>'name' = 'HubSpot sync'"
                   " AND NOT candidates->1 ? 'fused'",
                   mid),
                 1);
    json_decref(e);
}

/* Malformed scores refuse the whole record, with the field named: the writer's socket reads
   records through the same check (cs_record_decode) and skips the ones that fail it. */
Test(writer, malformed_scores_refuse_the_record)
{
    const char *bad[][2] = {
        {"{\"fused\": 1.2}", "field 'decisions[0].scores.fused': 1.2 is above 1"},
        {"{\"judge\": \"0.9\"}", "field 'decisions[0].scores.judge': expected number, got string"},
        {"{\"margin\": -0.01}", "field 'decisions[0].scores.margin': -0.01 is below 0"},
        {"[0.5]", "field 'decisions[0].scores': expected object, got array"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *d = cs_testdata_decision(cs_testdata_call(
            tw->ws, "gong-bad-scores", "2025-10-20T10:00:00Z", "Acme", "acme.com"));
        cs_testdata_add(d, "create", NULL, tw->integrations, "Salesforce sync", "medium");
        json_t *scores = json_loads(bad[i][0], JSON_DECODE_ANY, NULL);
        cr_assert_not_null(scores);
        json_object_set_new(json_array_get(json_object_get(d, "decisions"), 0), "scores", scores);
        char err[256] = "";
        cr_expect_eq(cs_record_validate(d, err, sizeof err), -1, "accepted %s", bad[i][0]);
        cr_expect_str_eq(err, bad[i][1]);
        char *buf = NULL;
        size_t len = 0;
        cr_expect_eq(cs_record_encode(d, &buf, &len, err, sizeof err), -1);
        cr_expect_null(buf);
        json_decref(d);
    }
}

/* insights.skipped is the message's extraction_note; a call extracted normally has none. */
Test(writer, a_skipped_extraction_is_noted_on_the_message)
{
    json_t *skipped = cs_testdata_decision(
        cs_testdata_call(tw->ws, "gong-internal", "2025-10-20T10:00:00Z", NULL, NULL));
    json_object_set_new(json_object_get(skipped, "insights"), "skipped",
                        json_string("internal meeting: no customer spoke"));
    json_object_set_new(skipped, "vendor_domains", json_pack("[s]", "helpdeskly.example"));
    json_t *normal = cs_testdata_decision(
        cs_testdata_call(tw->ws, "gong-normal", "2025-10-20T11:00:00Z", NULL, NULL));
    char skipped_id[CS_UUID_LEN], normal_id[CS_UUID_LEN];
    cr_assert_eq(commit(skipped, skipped_id), CS_COMMIT_COMMITTED);
    cr_assert_eq(commit(normal, normal_id), CS_COMMIT_COMMITTED);
    char *note = qs("SELECT extraction_note FROM messages WHERE id = '%s'", skipped_id);
    cr_expect_str_eq(note, "internal meeting: no customer spoke");
    free(note);
    cr_expect_eq(q("SELECT count(*) FROM messages WHERE id = '%s' AND is_processed", skipped_id),
                 1);
    cr_expect_eq(q("SELECT count(*) FROM messages WHERE id = '%s'"
                   " AND message_metadata->'vendor_domains' = '[\"helpdeskly.example\"]'",
                   skipped_id),
                 1, "the vendor domains the call was read with");
    cr_expect_eq(
        q("SELECT count(*) FROM messages WHERE id = '%s' AND extraction_note IS NULL", normal_id),
        1);
    json_decref(skipped);
    json_decref(normal);
}

Test(writer, unknown_workspace_fails_and_writes_nothing)
{
    json_t *d = cs_testdata_decision(cs_testdata_call("00000000-0000-4000-8000-000000000000", "x",
                                                      "2025-10-20T10:00:00Z", NULL, NULL));
    char err[512];
    cr_assert_eq(cs_writer_commit(tw->db, d, NULL, err, sizeof err), CS_COMMIT_FAILED);
    cr_assert(strstr(err, "unknown workspace"), "%s", err);
    cr_assert_eq(cs_testdb_long(tw->db, "SELECT count(*) FROM messages"), 0);
    json_t *ack = cs_writer_ack(d, CS_COMMIT_FAILED, NULL, err);
    cr_assert_eq(cs_record_validate(ack, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(cs_rec_str(ack, "status"), "failed");
    json_decref(ack);
    json_decref(d);
}

Test(writer, link_to_a_missing_feature_keeps_the_request_under_that_id)
{
    json_t *d =
        cs_testdata_decision(cs_testdata_call(tw->ws, "x", "2025-10-20T10:00:00Z", NULL, NULL));
    cs_testdata_add(d, "link", "5b1f0d1e-0000-4000-8000-000000000001", tw->integrations,
                    "Salesforce sync", "high");
    cr_assert_eq(commit(d, NULL), CS_COMMIT_COMMITTED);
    cr_assert_eq(q("SELECT count(*) FROM features WHERE workspace_id = '%s' AND mention_count = 1"
                   " AND id = '5b1f0d1e-0000-4000-8000-000000000001'",
                   tw->ws),
                 1);
    cr_assert_eq(q("SELECT count(*) FROM match_decisions WHERE workspace_id = '%s'"
                   " AND action = 'create' AND reasoning LIKE '%%was not stored%%'",
                   tw->ws),
                 1);
    json_decref(d);
}

/* The call that created a feature is lost on its way to the writer; a later call links to the
   feature; then the first call comes again. One feature, two mentions. */
Test(writer, a_link_that_overtakes_its_features_creation_makes_no_second_feature)
{
    json_t *a =
        cs_testdata_decision(cs_testdata_call(tw->ws, "a", "2025-10-20T10:00:00Z", NULL, NULL));
    cs_testdata_add(a, "create", NULL, tw->integrations, "Okta SSO", "high");
    const char *created =
        cs_rec_str(json_array_get(json_object_get(a, "decisions"), 0), "feature_id");
    json_t *b =
        cs_testdata_decision(cs_testdata_call(tw->ws, "b", "2025-10-21T10:00:00Z", NULL, NULL));
    cs_testdata_add(b, "link", created, tw->integrations, "Okta single sign-on", "low");
    cr_assert_eq(commit(b, NULL), CS_COMMIT_COMMITTED);
    cr_assert_eq(commit(a, NULL), CS_COMMIT_COMMITTED);
    cr_assert_eq(q("SELECT count(*) FROM features WHERE workspace_id = '%s'", tw->ws), 1);
    cr_assert_eq(q("SELECT mention_count FROM features WHERE id = '%s'", created), 2);
    json_decref(a);
    json_decref(b);
}

/* A matcher restarted before the writer committed its predecessor's decisions creates a
   feature the catalogue already has: the writer links to the stored one instead. */
Test(writer, a_second_feature_of_the_same_name_in_a_theme_becomes_a_link)
{
    json_t *a =
        cs_testdata_decision(cs_testdata_call(tw->ws, "a", "2025-10-20T10:00:00Z", NULL, NULL));
    cs_testdata_add(a, "create", NULL, tw->integrations, "Google Calendar link", "low");
    json_t *b =
        cs_testdata_decision(cs_testdata_call(tw->ws, "b", "2025-10-21T10:00:00Z", NULL, NULL));
    cs_testdata_add(b, "create", NULL, tw->integrations, "google calendar  LINK!", "high");
    json_t *c =
        cs_testdata_decision(cs_testdata_call(tw->ws, "c", "2025-10-22T10:00:00Z", NULL, NULL));
    cs_testdata_add(c, "create", NULL, tw->uncategorized, "Google Calendar link",
                    "low"); /* another theme */
    cr_assert_eq(commit(a, NULL), CS_COMMIT_COMMITTED);
    cr_assert_eq(commit(b, NULL), CS_COMMIT_COMMITTED);
    cr_assert_eq(commit(c, NULL), CS_COMMIT_COMMITTED);
    const char *first =
        cs_rec_str(json_array_get(json_object_get(a, "decisions"), 0), "feature_id");
    cr_assert_eq(q("SELECT count(*) FROM features WHERE workspace_id = '%s'", tw->ws), 2,
                 "one per theme");
    cr_assert_eq(q("SELECT mention_count FROM features WHERE id = '%s'", first), 2);
    cr_assert_eq(q("SELECT count(*) FROM features WHERE id = '%s' AND urgency = 'high'", first), 1,
                 "the second request's urgency still counts");
    cr_assert_eq(q("SELECT count(*) FROM match_decisions WHERE feature_id = '%s' AND action ="
                   " 'link' AND reasoning LIKE '%%of the same name was stored already%%'",
                   first),
                 1);
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

Test(writer, link_into_another_workspace_is_refused)
{
    char ws2[CS_UUID_LEN], d2[CS_UUID_LEN], t2[CS_UUID_LEN];
    cs_testdata_workspace(tw->db, ws2, d2, t2);
    json_t *a =
        cs_testdata_decision(cs_testdata_call(ws2, "a", "2025-10-20T10:00:00Z", NULL, NULL));
    cs_testdata_add(a, "create", NULL, t2, "Theirs", "low");
    cr_assert_eq(commit(a, NULL), CS_COMMIT_COMMITTED);
    const char *theirs =
        cs_rec_str(json_array_get(json_object_get(a, "decisions"), 0), "feature_id");

    json_t *b =
        cs_testdata_decision(cs_testdata_call(tw->ws, "b", "2025-10-20T10:00:00Z", NULL, NULL));
    cs_testdata_add(b, "link", theirs, tw->integrations, "Theirs", "low");
    char err[512];
    cr_assert_eq(cs_writer_commit(tw->db, b, NULL, err, sizeof err), CS_COMMIT_FAILED);
    cr_assert(strstr(err, "another workspace"), "%s", err);
    cr_assert_eq(q("SELECT count(*) FROM messages WHERE workspace_id = '%s'", tw->ws), 0);
    json_decref(a);
    json_decref(b);
}

Test(writer, create_under_another_workspaces_feature_id_is_refused)
{
    char ws2[CS_UUID_LEN], d2[CS_UUID_LEN], t2[CS_UUID_LEN];
    cs_testdata_workspace(tw->db, ws2, d2, t2);
    json_t *a =
        cs_testdata_decision(cs_testdata_call(ws2, "a", "2025-10-20T10:00:00Z", NULL, NULL));
    cs_testdata_add(a, "create", NULL, t2, "Theirs", "low");
    cr_assert_eq(commit(a, NULL), CS_COMMIT_COMMITTED);
    const char *theirs =
        cs_rec_str(json_array_get(json_object_get(a, "decisions"), 0), "feature_id");

    /* a create that names their feature's id: ON CONFLICT would keep theirs and link to it */
    json_t *b =
        cs_testdata_decision(cs_testdata_call(tw->ws, "b", "2025-10-20T10:00:00Z", NULL, NULL));
    cs_testdata_add(b, "create", theirs, tw->integrations, "Ours", "critical");
    char err[512];
    cr_assert_eq(cs_writer_commit(tw->db, b, NULL, err, sizeof err), CS_COMMIT_FAILED);
    cr_assert(strstr(err, "another workspace"), "%s", err);
    cr_assert_eq(q("SELECT count(*) FROM messages WHERE workspace_id = '%s'", tw->ws), 0);
    cr_assert_eq(q("SELECT count(*) FROM feature_messages WHERE feature_id = '%s'", theirs), 1,
                 "their feature got our call's link");
    cr_assert_eq(q("SELECT count(*) FROM features WHERE id = '%s' AND urgency = 'low'"
                   " AND workspace_id = '%s'",
                   theirs, ws2),
                 1);
    json_decref(a);
    json_decref(b);
}

/* A feature made by one call's create decision; its id into id. */
static void feature_made_by(const char *call, const char *theme, const char *name, char *id)
{
    json_t *d =
        cs_testdata_decision(cs_testdata_call(tw->ws, call, "2025-10-01T10:00:00Z", NULL, NULL));
    cs_testdata_add(d, "create", NULL, theme, name, "low");
    cr_assert_eq(commit(d, NULL), CS_COMMIT_COMMITTED);
    cs_strlcpy(id, cs_rec_str(json_array_get(json_object_get(d, "decisions"), 0), "feature_id"),
               CS_UUID_LEN);
    json_decref(d);
}

/* What a merge leaves (its links moved, the rows recounted, as cs_curate does): source is
   merged into target. */
static void merge(const char *source, const char *target)
{
    char sql[512], *ok;
    snprintf(sql, sizeof sql,
             "WITH moved AS (UPDATE feature_messages SET feature_id = '%s', merged_from = '%s'"
             " WHERE feature_id = '%s' RETURNING 1)"
             " SELECT count(*) FROM moved",
             target, source, source);
    free(cs_testdb_scalar(tw->db, sql));
    snprintf(sql, sizeof sql,
             "WITH u AS (UPDATE features f SET merged_into = CASE WHEN f.id = '%s' THEN '%s'::uuid"
             " END, merged_at = CASE WHEN f.id = '%s' THEN now() END, mention_count ="
             " (SELECT count(*) FROM feature_messages WHERE feature_id = f.id)"
             " WHERE f.id IN ('%s', '%s') RETURNING 1) SELECT count(*) = 2 FROM u",
             source, target, source, source, target);
    ok = cs_testdb_scalar(tw->db, sql);
    cr_assert_str_eq(ok, "t");
    free(ok);
}

/* Is mention_count every feature's number of links? */
static void counts_are_exact(void)
{
    cr_assert_eq(q("SELECT count(*) FROM features f WHERE mention_count <>"
                   " (SELECT count(*) FROM feature_messages WHERE feature_id = f.id)"),
                 0, "a mention_count differs from the links");
}

Test(writer, a_decision_for_a_merged_away_feature_links_to_its_target)
{
    char source[CS_UUID_LEN], target[CS_UUID_LEN];
    feature_made_by("s", tw->integrations, "Okta SSO", source);
    feature_made_by("t", tw->integrations, "Single sign-on", target);
    merge(source, target);

    json_t *d =
        cs_testdata_decision(cs_testdata_call(tw->ws, "late", "2025-11-05T10:00:00Z", NULL, NULL));
    cs_testdata_add(d, "link", source, tw->integrations, "Okta login", "critical");
    char mid[CS_UUID_LEN];
    cr_assert_eq(commit(d, mid), CS_COMMIT_COMMITTED);
    cr_assert_eq(q("SELECT count(*) FROM feature_messages WHERE message_id = '%s'"
                   " AND feature_id = '%s' AND merged_from = '%s'",
                   mid, target, source),
                 1, "the link goes to the target and remembers the merged-away feature");
    cr_assert_eq(q("SELECT count(*) FROM feature_messages WHERE message_id = '%s'", mid), 1);
    cr_assert_eq(q("SELECT mention_count FROM features WHERE id = '%s'", target), 3);
    cr_assert_eq(q("SELECT mention_count FROM features WHERE id = '%s'", source), 0);
    cr_assert_eq(q("SELECT count(*) FROM features WHERE id = '%s' AND urgency = 'critical'"
                   " AND last_mentioned = '2025-11-05T10:00:00Z'",
                   target),
                 1, "the target takes the call's urgency and date");
    counts_are_exact();
    char *why = qs("SELECT feature_id || ' ' || reasoning FROM match_decisions"
                   " WHERE message_id = '%s'",
                   mid);
    char expected[256];
    snprintf(expected, sizeof expected,
             "%s test decision [feature %s is merged into %s; linked there]", source, source,
             target);
    cr_assert_str_eq(why, expected, "the decision keeps what the matcher chose");
    free(why);
    json_decref(d);
}

Test(writer, a_chain_of_merges_is_followed_to_its_end_and_a_redelivery_changes_nothing)
{
    char a[CS_UUID_LEN], b[CS_UUID_LEN], c[CS_UUID_LEN];
    feature_made_by("a", tw->integrations, "Okta SSO", a);
    feature_made_by("b", tw->integrations, "SAML login", b);
    feature_made_by("c", tw->integrations, "Single sign-on", c);
    merge(a, b);
    merge(b, c);

    json_t *d =
        cs_testdata_decision(cs_testdata_call(tw->ws, "late", "2025-11-05T10:00:00Z", NULL, NULL));
    cs_testdata_add(d, "link", a, tw->integrations, "Okta login", "low");
    cs_testdata_add(d, "create", a, tw->integrations, "Okta SSO", "low"); /* its id is stored */
    cs_testdata_add(d, "link", c, tw->integrations, "SSO", "low");        /* the end itself */
    char mid[CS_UUID_LEN];
    cr_assert_eq(commit(d, mid), CS_COMMIT_COMMITTED);
    cr_assert_eq(q("SELECT count(*) FROM feature_messages WHERE message_id = '%s'", mid), 1,
                 "three requests of one call to one feature are one mention");
    cr_assert_eq(q("SELECT count(*) FROM feature_messages WHERE message_id = '%s'"
                   " AND feature_id = '%s' AND merged_from IS NULL",
                   mid, c),
                 1, "one of the requests named the end itself: the link is its own");
    cr_assert_eq(q("SELECT mention_count FROM features WHERE id = '%s'", c), 4);
    cr_assert_eq(q("SELECT count(*) FROM match_decisions WHERE message_id = '%s'"
                   " AND feature_id = '%s' AND reasoning LIKE '%%is merged into %s%%'",
                   mid, a, c),
                 2);
    cr_assert_eq(q("SELECT count(*) FROM features WHERE workspace_id = '%s'", tw->ws), 3,
                 "the create of a stored id made nothing");
    counts_are_exact();

    cr_assert_eq(commit(d, NULL), CS_COMMIT_ALREADY);
    cr_assert_eq(q("SELECT mention_count FROM features WHERE id = '%s'", c), 4);
    cr_assert_eq(q("SELECT count(*) FROM feature_messages WHERE message_id = '%s'", mid), 1);
    cr_assert_eq(q("SELECT count(*) FROM match_decisions WHERE message_id = '%s'", mid), 3);
    counts_are_exact();
    json_decref(d);

    /* only the merged-away feature named: the link remembers it */
    json_t *e =
        cs_testdata_decision(cs_testdata_call(tw->ws, "later", "2025-11-06T10:00:00Z", NULL, NULL));
    cs_testdata_add(e, "link", a, tw->integrations, "Okta login", "low");
    cr_assert_eq(commit(e, mid), CS_COMMIT_COMMITTED);
    cr_assert_eq(q("SELECT count(*) FROM feature_messages WHERE message_id = '%s'"
                   " AND feature_id = '%s' AND merged_from = '%s'",
                   mid, c, a),
                 1);
    counts_are_exact();
    json_decref(e);
}

Test(writer, a_merge_chain_that_does_not_end_refuses_the_record)
{
    char a[CS_UUID_LEN], b[CS_UUID_LEN];
    feature_made_by("a", tw->integrations, "Okta SSO", a);
    feature_made_by("b", tw->integrations, "SAML login", b);
    merge(a, b);
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE features SET merged_into = '%s' WHERE id = '%s' RETURNING 1",
             a, b);
    free(cs_testdb_scalar(tw->db, sql));
    json_t *d =
        cs_testdata_decision(cs_testdata_call(tw->ws, "late", "2025-11-05T10:00:00Z", NULL, NULL));
    cs_testdata_add(d, "link", a, tw->integrations, "Okta login", "low");
    char err[512];
    cr_assert_eq(cs_writer_commit(tw->db, d, NULL, err, sizeof err), CS_COMMIT_FAILED);
    cr_assert(strstr(err, "merged_into chain"), "%s", err);
    cr_assert_eq(q("SELECT count(*) FROM messages WHERE external_id = 'late'"), 0);
    json_decref(d);
}

Test(writer, a_decision_for_a_rejected_feature_links_to_it_and_it_stays_rejected)
{
    char junk[CS_UUID_LEN];
    feature_made_by("j", tw->integrations, "Free pizza", junk);
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE features SET status = 'rejected', status_reason = 'not a request'"
             " WHERE id = '%s' RETURNING 1",
             junk);
    free(cs_testdb_scalar(tw->db, sql));
    json_t *d =
        cs_testdata_decision(cs_testdata_call(tw->ws, "again", "2025-11-05T10:00:00Z", NULL, NULL));
    cs_testdata_add(d, "link", junk, tw->integrations, "Pizza on Fridays", "high");
    char mid[CS_UUID_LEN];
    cr_assert_eq(commit(d, mid), CS_COMMIT_COMMITTED);
    cr_assert_eq(q("SELECT count(*) FROM feature_messages WHERE message_id = '%s'"
                   " AND feature_id = '%s' AND merged_from IS NULL",
                   mid, junk),
                 1);
    cr_assert_eq(q("SELECT count(*) FROM features WHERE id = '%s' AND status = 'rejected'"
                   " AND status_reason = 'not a request' AND mention_count = 2",
                   junk),
                 1);
    cr_assert_eq(q("SELECT count(*) FROM features WHERE workspace_id = '%s'", tw->ws), 1);
    json_decref(d);
}

/* A create of a name the theme has: a live feature of that name takes it, else the target of
   a merged-away one. */
Test(writer, a_create_of_a_merged_away_features_name_links_to_its_target)
{
    char source[CS_UUID_LEN], target[CS_UUID_LEN];
    feature_made_by("s", tw->integrations, "Okta SSO", source);
    feature_made_by("t", tw->integrations, "Single sign-on", target);
    merge(source, target);
    json_t *d =
        cs_testdata_decision(cs_testdata_call(tw->ws, "n", "2025-11-05T10:00:00Z", NULL, NULL));
    cs_testdata_add(d, "create", NULL, tw->integrations, "okta SSO", "low");
    char mid[CS_UUID_LEN];
    cr_assert_eq(commit(d, mid), CS_COMMIT_COMMITTED);
    cr_assert_eq(q("SELECT count(*) FROM features WHERE workspace_id = '%s'", tw->ws), 2);
    cr_assert_eq(q("SELECT count(*) FROM feature_messages WHERE message_id = '%s'"
                   " AND feature_id = '%s' AND merged_from = '%s'",
                   mid, target, source),
                 1);
    counts_are_exact();
    json_decref(d);

    /* once a live feature has the name, it wins over the merged-away one */
    char live[CS_UUID_LEN];
    feature_made_by("live", tw->uncategorized, "Okta SSO", live);
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE features SET theme_id = '%s' WHERE id = '%s' RETURNING 1",
             tw->integrations, live);
    free(cs_testdb_scalar(tw->db, sql));
    json_t *e =
        cs_testdata_decision(cs_testdata_call(tw->ws, "m", "2025-11-06T10:00:00Z", NULL, NULL));
    cs_testdata_add(e, "create", NULL, tw->integrations, "Okta SSO", "low");
    cr_assert_eq(commit(e, mid), CS_COMMIT_COMMITTED);
    cr_assert_eq(q("SELECT count(*) FROM feature_messages WHERE message_id = '%s'"
                   " AND feature_id = '%s' AND merged_from IS NULL",
                   mid, live),
                 1);
    counts_are_exact();
    json_decref(e);
}

Test(writer, known_customer_is_found_by_domain)
{
    char cid[CS_UUID_LEN], err[256];
    cs_uuid_v4(cid);
    const char *p[] = {cid, tw->ws};
    cr_assert_eq(cs_db_command(tw->db,
                               "INSERT INTO customers (id, workspace_id, name, domain, mrr)"
                               " VALUES ($1, $2, 'Acme Corporation', 'acme.com', 12000)",
                               2, p, err, sizeof err),
                 0, "%s", err);
    json_t *d = cs_testdata_decision(
        cs_testdata_call(tw->ws, "c1", "2025-10-20T10:00:00Z", "ACME (CRM spelling)", "ACME.com"));
    char mid[CS_UUID_LEN];
    cr_assert_eq(commit(d, mid), CS_COMMIT_COMMITTED);
    char *got = qs("SELECT customer_id FROM messages WHERE id = '%s'", mid);
    cr_assert_str_eq(got, cid);
    free(got);
    cr_assert_eq(q("SELECT count(*) FROM customers WHERE workspace_id = '%s'", tw->ws), 1);
    json_decref(d);
}

Test(writer, lost_connection_is_retry_not_failure)
{
    json_t *d =
        cs_testdata_decision(cs_testdata_call(tw->ws, "r", "2025-10-20T10:00:00Z", NULL, NULL));
    cs_db_t *admin = cs_testdb_connect(&tw->t);
    char err[512];
    char *pid = cs_testdb_scalar(tw->db, "SELECT pg_backend_pid()");
    const char *p[] = {pid};
    cr_assert_eq(
        cs_db_command(admin, "SELECT pg_terminate_backend($1::int)", 1, p, err, sizeof err), 0);
    free(pid);
    cr_assert_eq(cs_writer_commit(tw->db, d, NULL, err, sizeof err), CS_COMMIT_RETRY);
    cr_assert_eq(cs_db_ensure(tw->db, 10), 0);
    cr_assert_eq(commit(d, NULL), CS_COMMIT_COMMITTED);
    cs_db_destroy(&admin);
    json_decref(d);
}

/* The ack for `rec` at `status`, validated as the fetcher will decode it. */
static json_t *ack_for(const json_t *rec, cs_commit_status_t status)
{
    char err[512];
    json_t *ack =
        cs_writer_ack(rec, status, NULL, status == CS_COMMIT_FAILED ? "db says no" : NULL);
    cr_assert_eq(cs_record_validate(ack, err, sizeof err), 0, "%s", err);
    return ack;
}

Test(writer, ack_says_whether_the_call_was_processed_and_why)
{
    json_t *ok =
        cs_testdata_decision(cs_testdata_call(tw->ws, "ok", "2025-10-20T10:00:00Z", NULL, NULL));
    json_t *ack = ack_for(ok, CS_COMMIT_COMMITTED);
    cr_assert(json_is_true(json_object_get(ack, "processed")));
    cr_assert_null(json_object_get(ack, "cause"));
    cr_assert_str_eq(cs_rec_str(ack, "source"), cs_rec_str(ok, "source"));
    json_decref(ack);
    ack = ack_for(ok, CS_COMMIT_ALREADY);
    cr_assert(json_is_true(json_object_get(ack, "processed")));
    json_decref(ack);
    ack = ack_for(ok, CS_COMMIT_FAILED);
    cr_assert_null(json_object_get(ack, "processed"),
                   "a call not stored is failed, not unprocessed");
    cr_assert_str_eq(cs_rec_str(ack, "error"), "db says no");
    json_decref(ack);
    json_decref(ok);

    json_t *down = cs_testdata_call(tw->ws, "down", "2025-10-20T10:00:00Z", NULL, NULL);
    json_object_set_new(down, "kind", json_string("decision"));
    json_object_set_new(down, "error", json_string("LLM unreachable: connection refused"));
    json_object_set_new(down, "error_cause", json_string(CS_CAUSE_LLM_UNREACHABLE));
    json_object_set_new(down, "decisions", json_array());
    ack = ack_for(down, CS_COMMIT_COMMITTED);
    cr_assert(json_is_false(json_object_get(ack, "processed")));
    cr_assert_str_eq(cs_rec_str(ack, "cause"), CS_CAUSE_LLM_UNREACHABLE);
    cr_assert_str_eq(cs_rec_str(ack, "error"), "LLM unreachable: connection refused");
    json_decref(ack);
    json_object_del(down, "error_cause"); /* a stage that names no cause */
    ack = ack_for(down, CS_COMMIT_COMMITTED);
    cr_assert_str_eq(cs_rec_str(ack, "cause"), CS_CAUSE_OTHER);
    json_decref(ack);
    json_decref(down);

    json_t *asked = cs_testdata_call(tw->ws, "asked", "2025-10-20T10:00:00Z", NULL, NULL);
    json_object_set_new(asked, "kind", json_string("decision"));
    json_object_set_new(asked, "flags", json_pack("{s:b}", "extract", 0));
    json_object_set_new(asked, "decisions", json_array());
    ack = ack_for(asked, CS_COMMIT_COMMITTED);
    cr_assert(json_is_false(json_object_get(ack, "processed")));
    cr_assert_str_eq(cs_rec_str(ack, "cause"), CS_CAUSE_NOT_EXTRACTED);
    json_decref(ack);
    json_decref(asked);
}

/* A decision whose extraction cost `cost` USD with these tokens (its "llm" usage). */
static json_t *s_with_usage(const char *external_id, double cost, long cached, bool failed)
{
    json_t *d = cs_testdata_decision(
        cs_testdata_call(tw->ws, external_id, "2025-10-20T17:27:28Z", "Acme", "acme.com"));
    json_object_set_new(d, "llm",
                        json_pack("{s:s, s:s, s:i, s:i, s:i, s:f, s:i}", "provider", "openai",
                                  "model", "gpt-4o-mini", "prompt_tokens", 2000,
                                  "completion_tokens", 300, "cached_tokens", (int)cached,
                                  "cost_usd", cost, "attempts", 1));
    if (failed) {
        json_object_del(d, "insights");
        json_object_set_new(d, "error", json_string("invalid LLM answer after 3 attempts"));
        json_object_set_new(d, "error_cause", json_string(CS_CAUSE_LLM_INVALID));
    }
    return d;
}

Test(writer, each_stored_calls_llm_cost_is_added_to_the_workspaces_spend_of_the_day)
{
    cr_assert_eq(cs_db_command(tw->db, "UPDATE workspaces SET time_zone = 'Pacific/Kiritimati'", 0,
                               NULL, NULL, 0),
                 0);
    json_t *a = s_with_usage("spend-1", 0.001, 1024, false);
    json_t *b = s_with_usage("spend-2", 0.0005, 0, true); /* failed: it was paid for too */
    cr_assert_eq(commit(a, NULL), CS_COMMIT_COMMITTED);
    cr_assert_eq(commit(b, NULL), CS_COMMIT_COMMITTED);
    /* one row: today in the workspace's time zone (UTC+14, often another date than UTC's) */
    cr_assert_eq(q("SELECT count(*) FROM llm_spend WHERE workspace_id = '%s'"
                   " AND day = (now() AT TIME ZONE 'Pacific/Kiritimati')::date AND calls = 2"
                   " AND prompt_tokens = 4000 AND cached_tokens = 1024"
                   " AND completion_tokens = 600 AND cost_usd = 0.0015",
                   tw->ws),
                 1);
    /* a redelivery of a stored processed call adds nothing; the failed one sent again (and
       extracted again: paid again) adds its new cost */
    cr_assert_eq(commit(a, NULL), CS_COMMIT_ALREADY);
    json_t *again = s_with_usage("spend-2", 0.0007, 0, false);
    cr_assert_eq(commit(again, NULL), CS_COMMIT_COMMITTED);
    cr_assert_eq(q("SELECT count(*) FROM llm_spend WHERE workspace_id = '%s' AND calls = 3"
                   " AND cost_usd = 0.0022",
                   tw->ws),
                 1);
    /* a call that cost nothing (offline, held for a budget) adds no row and no call */
    json_t *free_call = cs_testdata_decision(
        cs_testdata_call(tw->ws, "spend-3", "2025-10-20T17:27:28Z", "Acme", "acme.com"));
    cr_assert_eq(commit(free_call, NULL), CS_COMMIT_COMMITTED);
    cr_assert_eq(q("SELECT sum(calls) FROM llm_spend WHERE workspace_id = '%s'", tw->ws), 3);
    json_decref(a);
    json_decref(b);
    json_decref(again);
    json_decref(free_call);
}
