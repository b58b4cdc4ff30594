/* `callsift review` as a process: the real binary against a fresh database per test, filled the
   way the pipeline fills it (calls committed by cs_writer_commit from decision records). These
   tests double as the commands' usage examples.

   The calls (C = create, L = link; r = the mention's request confidence, m = the decision's):

     c1  Globex kickoff   Globex   ($5000)    C Salesforce sync  embedding  r 0.9   m 0.95
                                              C CSV export       llm        r 0.2   m 0.6
                                              C Dark mode        embedding  r 0.95  m 0.97
     c2  Globex QBR       Globex   ($5000)    L Salesforce sync  llm        r 0.9   m 0.82
                                              L Dark mode        exact      r 0.4   m 1
     c3  Initech demo     Initech  ($1200.50) L Salesforce sync  embedding  r 0.25  m 0.87
                                              L CSV export       embedding  r 0.8   m 0.85
     c4  Hooli discovery  Hooli    ($300)     L CSV export       embedding  r 0.6   m 0.7
                                              C Single sign-on   embedding  r 0.1   m 0.55

   With the default thresholds (request below 0.5, match below 0.9, not exact) the queue holds
   ten items, most valuable first:

     Globex   c1 CSV export request 0.2, c2 Dark mode request 0.4, c1 CSV export match 0.6,
              c2 Salesforce sync match 0.82
     Initech  c3 Salesforce sync request 0.25, c3 CSV export match 0.85,
              c3 Salesforce sync match 0.87
     Hooli    c4 Single sign-on request 0.1, c4 Single sign-on match 0.55, c4 CSV export
              match 0.7 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "cs_record.h"
#include "cs_testcli.h"
#include "cs_testdata.h"
#include "cs_testdb.h"
#include "cs_testjson.h"
#include "cs_testproc.h"
#include "cs_util.h"
#include "cs_uuid.h"
#include "cs_writer.h"

/* What populate() made. */
static char ws[CS_UUID_LEN], other_ws[CS_UUID_LEN];
static char salesforce[CS_UUID_LEN], csv_export[CS_UUID_LEN], dark_mode[CS_UUID_LEN];
static char sso[CS_UUID_LEN];

TestSuite(review, .init = cs_testcli_setup_migrated, .fini = cs_testcli_teardown, .timeout = 180);
TestSuite(review_usage, .timeout = 60);

/* ---- helpers ------------------------------------------------------------------------------ */

static void expect_query(const char *sql, const char *p1, const char *p2, const char *want)
{
    char *got = cs_testcli_query(sql, p1, p2);
    cr_expect_str_eq(got, want, "%s [%s, %s]", sql, p1 ? p1 : "", p2 ? p2 : "");
    free(got);
}

static void run_sql(const char *sql, const char *p1, const char *p2)
{
    free(cs_testcli_query(sql, p1, p2));
}

/* The item id (match_decisions.id) of request `index` of call `external_id`, as text into out. */
static void item(const char *external_id, int index, char out[24])
{
    char message_id[CS_UUID_LEN], idx[16];
    cs_uuid_message_id(ws, "replay", external_id, message_id);
    snprintf(idx, sizeof idx, "%d", index);
    char *id = cs_testcli_query("SELECT id FROM match_decisions WHERE message_id = $1"
                                " AND feature_index = $2::int",
                                message_id, idx);
    cr_assert(id[0], "no decision %s/%d", external_id, index);
    cs_strlcpy(out, id, 24);
    free(id);
}

/* The feature id the matcher gives request `index` of call `external_id`. */
static void feature_id_of(const char *external_id, int index, char out[CS_UUID_LEN])
{
    char message_id[CS_UUID_LEN];
    cs_uuid_message_id(ws, "replay", external_id, message_id);
    cs_uuid_feature_id(message_id, index, out);
}

static json_t *call(const char *external_id, const char *title, const char *started_at,
                    const char *customer, const char *domain)
{
    json_t *rec = cs_testdata_call(ws, external_id, started_at, customer, domain);
    json_object_set_new(rec, "title", json_string(title));
    return cs_testdata_decision(rec);
}

/* Append a request and its decision to rec: `how` is "method confidence request_confidence",
   scores a JSON object text (NULL: none), candidates a JSON array text (NULL: none). */
static void request(json_t *rec, const char *action, const char *feature_id, const char *title,
                    const char *quote, const char *method, double confidence, double sure,
                    const char *scores, const char *candidates, const char *reasoning)
{
    cs_testdata_add(rec, action, feature_id, NULL, title, "medium");
    json_t *decisions = json_object_get(rec, "decisions");
    json_t *d = json_array_get(decisions, json_array_size(decisions) - 1);
    json_object_set_new(d, "quote", json_string(quote));
    json_object_set_new(d, "speaker", json_string("Yukta"));
    json_object_set_new(d, "method", json_string(method));
    json_object_set_new(d, "confidence", json_real(confidence));
    json_object_set_new(d, "request_confidence", json_real(sure));
    json_object_set_new(d, "reasoning", json_string(reasoning));
    if (scores)
        json_object_set_new(d, "scores", cs_testjson_parse(scores));
    if (candidates)
        json_object_set_new(d, "candidates", cs_testjson_parse(candidates));
}

static void commit(cs_db_t *db, json_t *rec)
{
    char err[1024] = "";
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "test record invalid: %s", err);
    cr_assert_eq(cs_writer_commit(db, rec, NULL, err, sizeof err), CS_COMMIT_COMMITTED, "%s", err);
    json_decref(rec);
}

/* A candidates array text: up to two (id, name, fused) entries. */
static char *candidates2(const char *id1, const char *name1, double fused1, const char *id2,
                         const char *name2, double fused2)
{
    if (!id2)
        return cs_strdup_printf("[{\"id\": \"%s\", \"name\": \"%s\", \"similarity\": %.2f,"
                                " \"lexical\": 0.1, \"fused\": %.2f}]",
                                id1, name1, fused1, fused1);
    return cs_strdup_printf("[{\"id\": \"%s\", \"name\": \"%s\", \"similarity\": %.2f,"
                            " \"lexical\": 0.1, \"fused\": %.2f},"
                            " {\"id\": \"%s\", \"name\": \"%s\", \"similarity\": %.2f,"
                            " \"lexical\": 0.1, \"fused\": %.2f}]",
                            id1, name1, fused1, fused1, id2, name2, fused2, fused2);
}

/* See the top of this file. */
static void populate(void)
{
    char *id =
        cs_testcli_ok_value(cs_testcli_run("workspace", "create", "--name", "Acme Sales", NULL));
    cs_strlcpy(ws, id, sizeof ws);
    free(id);
    id = cs_testcli_ok_value(cs_testcli_run("workspace", "create", "--name", "Other", NULL));
    cs_strlcpy(other_ws, id, sizeof other_ws);
    free(id);
    const char *customers[][3] = {{"Globex", "globex.com", "5000"},
                                  {"Initech", "initech.com", "1200.50"},
                                  {"Hooli", "hooli.com", "300"}};
    for (size_t i = 0; i < CS_ARRAY_LEN(customers); i++)
        free(cs_testcli_ok_value(cs_testcli_run("customer", "add", "--workspace-id", ws, "--name",
                                                customers[i][0], "--domain", customers[i][1],
                                                "--mrr", customers[i][2], NULL)));
    feature_id_of("c1", 0, salesforce);
    feature_id_of("c1", 1, csv_export);
    feature_id_of("c1", 2, dark_mode);
    feature_id_of("c4", 1, sso);

    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    json_t *rec = call("c1", "Globex kickoff", "2025-09-01T15:00:00Z", "Globex", "globex.com");
    request(rec, "create", NULL, "Salesforce sync", "We really need Salesforce sync", "embedding",
            0.95, 0.9, "{}", "[]", "Nothing like it yet.");
    char *cands = candidates2(salesforce, "Salesforce sync", 0.3, NULL, NULL, 0);
    request(rec, "create", NULL, "CSV export", "Maybe export, I don't know", "llm", 0.6, 0.2,
            "{\"vector\": 0.3, \"lexical\": 0.1, \"fused\": 0.3, \"judge\": 0.6}", cands,
            "Not the same as Salesforce sync.");
    free(cands);
    cands = candidates2(salesforce, "Salesforce sync", 0.2, NULL, NULL, 0);
    request(rec, "create", NULL, "Dark mode", "Dark mode for night shifts", "embedding", 0.97, 0.95,
            "{\"vector\": 0.2, \"lexical\": 0.1, \"fused\": 0.2}", cands, "New.");
    free(cands);
    commit(db, rec);

    rec = call("c2", "Globex QBR", "2025-10-05T15:00:00Z", "Globex", "globex.com");
    cands = candidates2(salesforce, "Salesforce sync", 0.7, csv_export, "CSV export", 0.35);
    request(
        rec, "link", salesforce, "Sync tickets with Salesforce",
        "Salesforce sync is a must, honestly", "llm", 0.82, 0.9,
        "{\"vector\": 0.7, \"lexical\": 0.1, \"fused\": 0.7, \"judge\": 0.82, \"margin\": 0.35}",
        cands, "Both ask to sync\ntickets with Salesforce.");
    free(cands);
    request(rec, "link", dark_mode, "Dark mode", "Dark mode, did I say that?", "exact", 1.0, 0.4,
            "{}", "[]", "Same name.");
    commit(db, rec);

    rec = call("c3", "Initech demo", "2025-10-10T15:00:00Z", "Initech", "initech.com");
    cands = candidates2(salesforce, "Salesforce sync", 0.87, csv_export, "CSV export", 0.3);
    request(rec, "link", salesforce, "Salesforce", "Salesforce, whatever", "embedding", 0.87, 0.25,
            "{\"vector\": 0.87, \"lexical\": 0.1, \"fused\": 0.87, \"margin\": 0.57}", cands,
            "Score 0.87.");
    free(cands);
    cands = candidates2(csv_export, "CSV export", 0.85, salesforce, "Salesforce sync", 0.2);
    request(rec, "link", csv_export, "Export CSV", "Export to CSV please", "embedding", 0.85, 0.8,
            "{\"vector\": 0.85, \"lexical\": 0.1, \"fused\": 0.85, \"margin\": 0.65}", cands,
            "Score 0.85.");
    free(cands);
    commit(db, rec);

    rec = call("c4", "Hooli discovery", "2025-10-15T15:00:00Z", "Hooli", "hooli.com");
    cands = candidates2(csv_export, "CSV export", 0.7, salesforce, "Salesforce sync", 0.1);
    request(rec, "link", csv_export, "Excel export", "CSV | Excel, please", "embedding", 0.7, 0.6,
            "{\"vector\": 0.7, \"lexical\": 0.1, \"fused\": 0.7, \"margin\": 0.6}", cands,
            "Score 0.70.");
    free(cands);
    cands = candidates2(salesforce, "Salesforce sync", 0.81, csv_export, "CSV export", 0.4);
    request(rec, "create", NULL, "Single sign-on", "SSO would be nice", "embedding", 0.55, 0.1,
            "{\"vector\": 0.81, \"lexical\": 0.1, \"fused\": 0.81, \"margin\": 0.41}", cands,
            "Kept separate, below the band margin.");
    free(cands);
    commit(db, rec);
    cs_db_destroy(&db);
}

static long long labels(void)
{
    return cs_testcli_query_ll("SELECT count(*) FROM review_labels", NULL, NULL);
}

/* The rows of `review list --format json` with extra arguments (NULL-terminated, at most 8). */
static json_t *list_json(const char *a1, const char *a2, const char *a3, const char *a4)
{
    char *out = cs_testcli_ok(cs_testcli_run("review", "list", "--workspace-id", ws, "--format",
                                             "json", a1, a2, a3, a4, NULL));
    json_t *doc = cs_testjson_parse(out);
    cr_assert(json_is_array(doc), "%s", out);
    free(out);
    return doc;
}

/* The list as "call/kind" words in order: "c1/request c2/request ...". */
static void order_of(const json_t *rows, char *out, size_t outlen)
{
    out[0] = '\0';
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        size_t len = strlen(out);
        snprintf(out + len, outlen - len, "%s%s/%s/%s", i ? " " : "",
                 cs_testjson_str(row, "call_id"), cs_testjson_str(row, "kind"),
                 cs_testjson_str(row, "feature"));
    }
}

static void expect_stats(json_t *rows, const char *method, const char *kind, const char *band,
                         long long labelled, long long approved, long long rejected,
                         double agreement, long long pending);

/* ---- list --------------------------------------------------------------------------------- */

Test(review, list_is_most_valuable_first_with_the_evidence)
{
    populate();
    json_t *rows = list_json(NULL, NULL, NULL, NULL);
    char order[1024];
    order_of(rows, order, sizeof order);
    cr_expect_str_eq(order, "c1/request/CSV export c2/request/Dark mode c1/match/CSV export "
                            "c2/match/Salesforce sync c3/request/Salesforce sync "
                            "c3/match/CSV export c3/match/Salesforce sync "
                            "c4/request/Single sign-on c4/match/Single sign-on "
                            "c4/match/CSV export");

    /* the QBR link by the judge: every field */
    char id[24];
    item("c2", 0, id);
    json_t *row = json_array_get(rows, 3);
    cr_expect_eq(cs_testjson_int(row, "id"), strtoll(id, NULL, 10));
    cr_expect_str_eq(cs_testjson_str(row, "method"), "llm");
    cr_expect_str_eq(cs_testjson_str(row, "action"), "link");
    cr_expect_float_eq(cs_testjson_num(row, "confidence"), 0.82, 1e-9);
    cr_expect_str_eq(cs_testjson_str(row, "customer"), "Globex");
    cr_expect_float_eq(cs_testjson_num(row, "mrr"), 5000.0, 1e-9);
    cr_expect_str_eq(cs_testjson_str(row, "call"), "Globex QBR");
    cr_expect_str_eq(cs_testjson_str(row, "feature_id"), salesforce);
    cr_expect_str_eq(cs_testjson_str(row, "quote"), "Salesforce sync is a must, honestly");
    cr_expect_str_eq(cs_testjson_str(row, "reasoning"),
                     "Both ask to sync\ntickets with Salesforce.");
    json_t *scores = json_object_get(row, "scores");
    cr_expect_float_eq(cs_testjson_num(scores, "judge"), 0.82, 1e-6);
    cr_expect_float_eq(cs_testjson_num(scores, "margin"), 0.35, 1e-6);
    json_t *cands = json_object_get(row, "candidates");
    cr_assert_eq(json_array_size(cands), 2);
    cr_expect_str_eq(cs_testjson_str(json_array_get(cands, 1), "name"), "CSV export");
    /* a request item's confidence is the mention's */
    cr_expect_float_eq(cs_testjson_num(json_array_get(rows, 0), "confidence"), 0.2, 1e-6);
    cr_expect_str_eq(cs_testjson_str(json_array_get(rows, 0), "quote"),
                     "Maybe export, I don't know");
    json_decref(rows);

    /* the filters list what a bulk label would touch */
    rows = list_json("--kind", "request", "--limit", "3");
    order_of(rows, order, sizeof order);
    cr_expect_str_eq(order, "c1/request/CSV export c2/request/Dark mode "
                            "c3/request/Salesforce sync");
    json_decref(rows);
    rows = list_json("--method", "embedding", "--band", "0.85:1");
    order_of(rows, order, sizeof order);
    cr_expect_str_eq(order, "c3/match/CSV export c3/match/Salesforce sync");
    json_decref(rows);

    /* the table: the summary, the row, the evidence under it */
    char *out = cs_testcli_ok(cs_testcli_run("review", "list", "--workspace-id", ws, NULL));
    const char *summary = "10 items wait for review (4 request, 6 match)\n\nID";
    cr_expect(strncmp(out, summary, strlen(summary)) == 0, "%s", out);
    char line[128];
    snprintf(line, sizeof line, "%2s  match    llm        link          0.82  Salesforce sync", id);
    cr_expect(strstr(out, line), "no row '%s':\n%s", line, out);
    cr_expect(strstr(out, "scores: vector 0.70  lexical 0.10  fused 0.70  judge 0.82  margin 0.35"),
              "%s", out);
    cr_expect(strstr(out, "candidates: Salesforce sync (0.70), CSV export (0.35)"), "%s", out);
    cr_expect(strstr(out, "reasoning: Both ask to sync tickets with Salesforce."), "%s", out);
    cr_expect(strstr(out, "request: the mention's confidence is below 0.50"), "%s", out);
    free(out);

    /* thresholds move the queue: everything under 0.3 as a request, nothing as a match */
    char *env[] = {(char *)cs_testcli_env_db(), "CALLSIFT_MIN_CONFIDENCE=0.3",
                   "CALLSIFT_REVIEW_CONFIDENCE=0", NULL};
    out = cs_testcli_ok(
        cs_testcli_run_env(env, "review", "list", "--workspace-id", ws, "--format", "csv", NULL));
    cr_expect(strstr(out, "\r\n") && strstr(out, ",request,") && !strstr(out, ",match,"), "%s",
              out);
    int records = 0;
    for (const char *p = out; (p = strstr(p, ",request,")); p++)
        records++;
    cr_expect_eq(records, 3, "c1 0.2, c3 0.25, c4 0.1:\n%s", out);
    free(out);
}

Test(review, list_follows_a_merge_to_where_the_mention_lives)
{
    populate();
    /* Dark mode merged into Single sign-on the way a merge leaves the rows: its links moved,
       remembering where they came from, and the counts follow */
    run_sql("UPDATE feature_messages SET feature_id = $2, merged_from = $1 WHERE feature_id = $1",
            dark_mode, sso);
    run_sql("UPDATE features SET merged_into = $2, merged_at = now() WHERE id = $1", dark_mode,
            sso);
    run_sql("UPDATE features SET mention_count = (SELECT count(*) FROM feature_messages"
            " WHERE feature_id = features.id) WHERE id IN ($1, $2)",
            dark_mode, sso);
    json_t *rows = list_json("--call", "c2", "--kind", "request");
    cr_assert_eq(json_array_size(rows), 1);
    json_t *row = json_array_get(rows, 0);
    cr_expect_str_eq(cs_testjson_str(row, "feature"), "Single sign-on");
    cr_expect_str_eq(cs_testjson_str(row, "feature_id"), sso);
    cr_expect_str_eq(cs_testjson_str(row, "quote"), "Dark mode, did I say that?");
    json_decref(rows);

    /* rejecting it takes the link off the target */
    char id[24];
    item("c2", 1, id);
    char *out = cs_testcli_ok(cs_testcli_run("review", "reject", id, "--by", "pm", NULL));
    cr_expect(strstr(out, "; its mention was taken off 'Single sign-on' (curation action "), "%s",
              out);
    free(out);
    char message_id[CS_UUID_LEN];
    cs_uuid_message_id(ws, "replay", "c2", message_id);
    expect_query("SELECT count(*) FROM feature_messages WHERE message_id = $1 AND feature_id = $2",
                 message_id, sso, "0");
    expect_query("SELECT mention_count || ' ' || (SELECT count(*) FROM feature_messages"
                 " WHERE feature_id = $1) FROM features WHERE id = $1",
                 sso, NULL, "2 2");
}

/* ---- approve and reject ------------------------------------------------------------------- */

Test(review, approve_by_ids_writes_labels_and_nothing_else)
{
    populate();
    char qbr[24], kickoff_csv[24];
    item("c2", 0, qbr);
    item("c1", 1, kickoff_csv);
    expect_query("SELECT mention_count FROM features WHERE id = $1", csv_export, NULL, "3");
    char *out =
        cs_testcli_ok(cs_testcli_run("review", "approve", qbr, kickoff_csv, "--by", "alice", NULL));
    char want[256];
    snprintf(want, sizeof want, "item %s match (llm link, confidence 0.82, call c2): approved\n",
             qbr);
    cr_expect(strstr(out, want), "%s", out);
    /* without --kind, approve labels both questions of a decision that asks two */
    snprintf(want, sizeof want,
             "item %s request (llm create, confidence 0.2, call c1): approved\n"
             "item %s match (llm create, confidence 0.6, call c1): approved\n",
             kickoff_csv, kickoff_csv);
    cr_expect(strstr(out, want), "%s", out);
    cr_expect(strstr(out, "Approved 3 items\n"), "%s", out);
    free(out);

    cr_expect_eq(labels(), 3);
    expect_query("SELECT verdict || ' ' || kind || ' ' || method || ' ' || action || ' ' ||"
                 " confidence || ' ' || by_name || ' ' || (curation_action_id IS NULL)"
                 " FROM review_labels WHERE decision_id = $1::bigint",
                 qbr, NULL, "approve match llm link 0.82 alice true");
    expect_query("SELECT string_agg(kind || ' ' || confidence, ', ' ORDER BY kind)"
                 " FROM review_labels WHERE decision_id = $1::bigint",
                 kickoff_csv, NULL, "match 0.6, request 0.2");
    expect_query("SELECT count(*) FROM curation_actions", NULL, NULL, "0");
    expect_query("SELECT mention_count FROM features WHERE id = $1", csv_export, NULL, "3");

    /* labelled items leave the queue */
    json_t *rows = list_json(NULL, NULL, NULL, NULL);
    cr_expect_eq(json_array_size(rows), 7);
    json_decref(rows);
}

Test(review, bulk_approve_by_band_labels_only_the_matching_items)
{
    populate();
    /* "approve every embedding link at >= 0.85": the band's low end is inclusive (c3's CSV
       export at 0.85); the embedding link at 0.7, the judge's at 0.82, the requests and the
       create stay */
    char *out = cs_testcli_ok(cs_testcli_run("review", "approve", "--workspace-id", ws, "--method",
                                             "embedding", "--action", "link", "--band", "0.85:1",
                                             "--by", "bob", NULL));
    cr_expect_str_eq(out, "Approved 2 items\n");
    free(out);
    char sf[24], csv[24];
    item("c3", 0, sf);
    item("c3", 1, csv);
    char *got =
        cs_testcli_query("SELECT string_agg(decision_id || ' ' || kind || ' ' || verdict || ' ' ||"
                         " confidence || ' ' || by_name, ', ' ORDER BY decision_id)"
                         " FROM review_labels",
                         NULL, NULL);
    char want[128];
    snprintf(want, sizeof want, "%s match approve 0.87 bob, %s match approve 0.85 bob", sf, csv);
    cr_expect_str_eq(got, want);
    free(got);

    /* the same band again: they are labelled, nothing is left */
    out = cs_testcli_ok(cs_testcli_run("review", "approve", "--workspace-id", ws, "--method",
                                       "embedding", "--action", "link", "--band", "0.85:1", NULL));
    cr_expect_str_eq(out, "No pending item matches: nothing labelled\n");
    free(out);
    cr_expect_eq(labels(), 2);
}

Test(review, bulk_reject_of_requests_from_one_call_takes_the_mentions_off)
{
    populate();
    char message_id[CS_UUID_LEN];
    cs_uuid_message_id(ws, "replay", "c3", message_id);
    expect_query("SELECT mention_count || ' ' || to_char(last_mentioned AT TIME ZONE 'UTC',"
                 " 'YYYY-MM-DD') FROM features WHERE id = $1",
                 salesforce, NULL, "3 2025-10-10");
    /* "reject every request under 0.3 from this call": c1's 0.2 and c4's 0.1 are other calls */
    char *out =
        cs_testcli_ok(cs_testcli_run("review", "reject", "--workspace-id", ws, "--kind", "request",
                                     "--band", "0:0.3", "--call", "c3", "--by", "carol", NULL));
    cr_expect_str_eq(out, "Rejected 1 item; 1 mention taken off its feature\n");
    free(out);

    char id[24];
    item("c3", 0, id);
    expect_query("SELECT count(*) FROM feature_messages WHERE feature_id = $1 AND message_id = $2",
                 salesforce, message_id, "0");
    /* the count and the last mention follow: the QBR on 2025-10-05 is the newest left */
    expect_query("SELECT mention_count || ' ' || to_char(last_mentioned AT TIME ZONE 'UTC',"
                 " 'YYYY-MM-DD') FROM features WHERE id = $1",
                 salesforce, NULL, "2 2025-10-05");
    expect_query("SELECT count(*) FROM feature_messages WHERE feature_id = $1", salesforce, NULL,
                 "2");
    /* the detach is a curation action the label points at, with what undoing it needs */
    char *got =
        cs_testcli_query("SELECT a.action || ' ' || a.feature_id || ' ' || a.by_name || ' ' ||"
                         " (a.undo->'link'->>'message_id') || ' ' || (a.undo->'link'->>'quote')"
                         " FROM review_labels l JOIN curation_actions a"
                         " ON a.id = l.curation_action_id WHERE l.decision_id = $1::bigint"
                         " AND l.kind = 'request' AND l.verdict = 'reject'",
                         id, NULL);
    char want[256];
    snprintf(want, sizeof want, "detach %s carol %s Salesforce, whatever", salesforce, message_id);
    cr_expect_str_eq(got, want);
    free(got);
    cr_expect_eq(labels(), 1);

    /* the feature's history shows it */
    out = cs_testcli_ok(cs_testcli_run("feature", "history", salesforce, "--format", "json", NULL));
    json_t *history = cs_testjson_parse(out);
    json_t *last = json_array_get(history, json_array_size(history) - 1);
    cr_expect_str_eq(cs_testjson_str(last, "action"), "detach", "%s", out);
    cr_expect_str_eq(cs_testjson_str(last, "by"), "carol", "%s", out);
    json_decref(history);
    free(out);

    /* the mention is gone, so is its match question; the other calls' requests stay */
    json_t *rows = list_json("--call", "c3", NULL, NULL);
    char order[256];
    order_of(rows, order, sizeof order);
    cr_expect_str_eq(order, "c3/match/CSV export");
    json_decref(rows);
    rows = list_json("--kind", "request", NULL, NULL);
    cr_expect_eq(json_array_size(rows), 3);
    json_decref(rows);
    /* the report no longer counts it */
    out = cs_testcli_ok(cs_testcli_run("report", "--workspace-id", ws, "--format", "json",
                                       "--min-confidence", "0", NULL));
    json_t *report = cs_testjson_parse(out);
    cr_expect_str_eq(cs_testjson_str(json_array_get(report, 0), "feature"), "CSV export");
    json_decref(report);
    free(out);
}

Test(review, undoing_the_detach_of_a_rejected_request_puts_it_back_in_the_queue)
{
    populate();
    char id[24];
    item("c3", 0, id);
    free(cs_testcli_ok(
        cs_testcli_run("review", "reject", id, "--kind", "request", "--by", "pm", NULL)));
    char *action =
        cs_testcli_query("SELECT curation_action_id FROM review_labels WHERE decision_id ="
                         " $1::bigint AND kind = 'request'",
                         id, NULL);
    free(cs_testcli_ok(cs_testcli_run("feature", "undo", action, "--by", "pm", NULL)));
    free(action);
    expect_query("SELECT mention_count FROM features WHERE id = $1", salesforce, NULL, "3");
    /* the mention is back, the label no longer counts: the item waits again */
    json_t *rows = list_json("--call", "c3", "--kind", "request");
    cr_expect_eq(json_array_size(rows), 1);
    json_decref(rows);
    char *out = cs_testcli_ok(
        cs_testcli_run("review", "stats", "--workspace-id", ws, "--format", "json", NULL));
    rows = cs_testjson_parse(out);
    free(out);
    expect_stats(rows, "total", NULL, NULL, 0, 0, 0, -1, 10);
    json_decref(rows);
    /* and can be labelled again */
    out = cs_testcli_ok(
        cs_testcli_run("review", "approve", id, "--kind", "request", "--by", "pm", NULL));
    cr_expect(strstr(out, "): approved\n"), "%s", out);
    free(out);
    cr_expect_eq(labels(), 1);
}

Test(review, two_requests_of_one_call_are_one_mention_taken_off_once)
{
    populate();
    /* two requests of one call linked to Dark mode: one mention, with the higher confidence */
    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    json_t *rec = call("c5", "Umbrella call", "2025-10-20T15:00:00Z", "Umbrella", "umbrella.com");
    request(rec, "link", dark_mode, "Night mode", "Night mode maybe", "embedding", 0.95, 0.3, "{}",
            "[]", "Score 0.95.");
    request(rec, "link", dark_mode, "Dark theme", "A dark theme?", "embedding", 0.95, 0.35, "{}",
            "[]", "Score 0.95.");
    commit(db, rec);
    cs_db_destroy(&db);
    expect_query("SELECT mention_count FROM features WHERE id = $1", dark_mode, NULL, "3");
    char *out = cs_testcli_ok(cs_testcli_run("review", "reject", "--workspace-id", ws, "--call",
                                             "c5", "--band", "0:0.5", "--by", "pm", NULL));
    cr_expect_str_eq(out, "Rejected 2 items; 1 mention taken off its feature\n");
    free(out);
    expect_query("SELECT mention_count FROM features WHERE id = $1", dark_mode, NULL, "2");
    expect_query("SELECT count(*) FROM curation_actions", NULL, NULL, "1");
    expect_query("SELECT count(DISTINCT curation_action_id) || ' ' || count(*)"
                 " FROM review_labels WHERE curation_action_id IS NOT NULL",
                 NULL, NULL, "1 2");
}

Test(review, reject_of_a_match_labels_it_and_prints_the_correction)
{
    populate();
    char qbr[24], sso_item[24];
    item("c2", 0, qbr);
    item("c4", 1, sso_item);
    char *out = cs_testcli_ok(
        cs_testcli_run("review", "reject", qbr, "--by", "dave", "--workspace-id", ws, NULL));
    char want[512];
    snprintf(want, sizeof want,
             "item %s match (llm link, confidence 0.82, call c2): rejected\n"
             "  item %s: to split the mention off: callsift feature split %s --calls c2 --name "
             "'Sync tickets with Salesforce'\n"
             "  item %s: or to move it to 'CSV export': callsift feature split %s --calls c2 "
             "--into %s\n"
             "Rejected 1 item; 1 wrong match labelled (see the commands above to correct it)\n",
             qbr, qbr, salesforce, qbr, salesforce, csv_export);
    cr_expect_str_eq(out, want);
    free(out);
    /* a wrong create: merge it into its best candidate */
    out = cs_testcli_ok(
        cs_testcli_run("review", "reject", sso_item, "--kind", "match", "--by", "dave", NULL));
    snprintf(want, sizeof want,
             "  item %s: to join it with 'Salesforce sync': callsift feature merge %s --into %s\n",
             sso_item, sso, salesforce);
    cr_expect(strstr(out, want), "%s", out);
    free(out);
    /* labels only: the links and counts are as they were */
    expect_query("SELECT count(*) FROM feature_messages", NULL, NULL, "9");
    expect_query("SELECT count(*) FROM curation_actions", NULL, NULL, "0");
    expect_query("SELECT string_agg(kind || ' ' || verdict, ', ') FROM review_labels", NULL, NULL,
                 "match reject, match reject");
}

Test(review, relabelling_changes_the_verdict)
{
    populate();
    char qbr[24];
    item("c2", 0, qbr);
    free(cs_testcli_ok(cs_testcli_run("review", "approve", qbr, "--by", "alice", NULL)));
    char *out = cs_testcli_ok(cs_testcli_run("review", "reject", qbr, "--by", "bob", NULL));
    cr_expect(strstr(out, "): rejected (relabelled: it was approved)\n"), "%s", out);
    free(out);
    expect_query("SELECT count(*) || ' ' || max(verdict) || ' ' || max(by_name) FROM review_labels",
                 NULL, NULL, "1 reject bob");
    out = cs_testcli_ok(cs_testcli_run("review", "reject", qbr, "--by", "bob", NULL));
    cr_expect(strstr(out, "): rejected (it was rejected already)\n"), "%s", out);
    free(out);
    out = cs_testcli_ok(cs_testcli_run("review", "approve", qbr, "--by", "carol", NULL));
    cr_expect(strstr(out, "): approved (relabelled: it was rejected)\n"), "%s", out);
    free(out);
    expect_query("SELECT count(*) || ' ' || max(verdict) || ' ' || max(by_name) FROM review_labels",
                 NULL, NULL, "1 approve carol");
}

/* Run a review command that must fail with exit 1 and `needle`, and check that it changed
   nothing: labels, links, counts and curation actions. */
static void expect_refused(const char *needle, const char *a1, const char *a2, const char *a3,
                           const char *a4, const char *a5, const char *a6, const char *a7)
{
    const char *state = "SELECT (SELECT count(*) FROM review_labels) || ' ' ||"
                        " (SELECT count(*) FROM feature_messages) || ' ' ||"
                        " (SELECT sum(mention_count) FROM features) || ' ' ||"
                        " (SELECT count(*) FROM curation_actions) || ' ' ||"
                        " (SELECT coalesce(string_agg(verdict, ',' ORDER BY id), '')"
                        "  FROM review_labels)";
    char *before = cs_testcli_query(state, NULL, NULL);
    cs_testcli_expect_failure(cs_testcli_run("review", a1, a2, a3, a4, a5, a6, a7, NULL), 1,
                              needle);
    char *after = cs_testcli_query(state, NULL, NULL);
    cr_expect_str_eq(after, before, "changed by: %s", needle);
    free(before);
    free(after);
}

Test(review, bad_input_is_one_line_exit_1_and_changes_nothing)
{
    populate();
    char qbr[24], sf[24], kickoff_csv[24], confident[24], other[24];
    item("c2", 0, qbr);
    item("c3", 0, sf);
    item("c1", 1, kickoff_csv);
    item("c1", 0, confident);
    free(cs_testcli_ok(cs_testcli_run("review", "approve", qbr, "--by", "alice", NULL)));
    snprintf(other, sizeof other, "%lld", strtoll(qbr, NULL, 10) + 1000);

    char want[256];
    snprintf(want, sizeof want, "no review item %s", other);
    expect_refused(want, "approve", other, NULL, NULL, NULL, NULL, NULL);
    /* a batch is all or nothing: the good request is not taken off */
    expect_refused(want, "reject", sf, other, "--kind", "request", NULL, NULL);
    snprintf(want, sizeof want, "item %s is in workspace %s, not %s", sf, ws, other_ws);
    expect_refused(want, "reject", sf, "--kind", "request", "--workspace-id", other_ws, NULL);
    snprintf(want, sizeof want, "item %s has no question for review", confident);
    expect_refused(want, "approve", confident, NULL, NULL, NULL, NULL, NULL);
    snprintf(want, sizeof want, "item %s has no request question for review", qbr);
    expect_refused(want, "approve", qbr, "--kind", "request", NULL, NULL, NULL);
    snprintf(want, sizeof want, "item %s asks two questions (request and match)", kickoff_csv);
    expect_refused(want, "reject", kickoff_csv, NULL, NULL, NULL, NULL, NULL);
    expect_refused("'12x' is not an item id", "approve", "12x", NULL, NULL, NULL, NULL, NULL);
    expect_refused("give item ids or --band, not both", "approve", sf, "--workspace-id", ws,
                   "--band", "0:1", NULL);
    expect_refused("give the item ids to approve", "approve", "--workspace-id", ws, NULL, NULL,
                   NULL, NULL);
    expect_refused("--band needs --workspace-id", "reject", "--band", "0:0.3", NULL, NULL, NULL,
                   NULL);
    expect_refused("--method goes with --band", "approve", sf, "--method", "embedding", NULL, NULL,
                   NULL);
    const char *bands[] = {"0.5", "0.3:0.2", "0:1.5", "a:b", "-0.1:0.5", "0.2:0.2", ":0.5"};
    for (size_t i = 0; i < CS_ARRAY_LEN(bands); i++) {
        snprintf(want, sizeof want, "--band: expected LO:HI with 0 <= LO < HI <= 1, got '%s'",
                 bands[i]);
        expect_refused(want, "reject", "--workspace-id", ws, "--band", bands[i], NULL, NULL);
    }
    expect_refused("--kind: expected 'request' or 'match', got 'feature'", "approve",
                   "--workspace-id", ws, "--band", "0:1", "--kind", "feature");
    expect_refused("--method: expected 'embedding', 'llm' or 'exact', got 'vector'", "approve",
                   "--workspace-id", ws, "--band", "0:1", "--method", "vector");
    expect_refused("--call: no call 'c9' in workspace", "reject", "--workspace-id", ws, "--band",
                   "0:0.3", "--call", "c9");
    expect_refused("--workspace-id: 'nope' is not a UUID", "reject", "--workspace-id", "nope",
                   "--band", "0:0.3", NULL, NULL);
    expect_refused("--by must not be empty", "approve", sf, "--by", " ", NULL, NULL, NULL);
    cr_expect_eq(labels(), 1);
}

/* ---- stats and simulate ------------------------------------------------------------------- */

/* The stats row of method, kind and band (kind and band NULL: the total row). */
static json_t *stats_row(json_t *rows, const char *method, const char *kind, const char *band)
{
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (strcmp(cs_testjson_str(row, "method"), method) == 0 &&
            (kind ? strcmp(cs_testjson_str(row, "kind"), kind) == 0
                  : json_is_null(json_object_get(row, "kind"))) &&
            (band ? strcmp(cs_testjson_str(row, "band"), band) == 0
                  : json_is_null(json_object_get(row, "band"))))
            return row;
    }
    cr_assert_fail("no stats row %s %s %s", method, kind ? kind : "-", band ? band : "-");
    return NULL;
}

static void expect_stats(json_t *rows, const char *method, const char *kind, const char *band,
                         long long labelled, long long approved, long long rejected,
                         double agreement, long long pending)
{
    json_t *row = stats_row(rows, method, kind, band);
    cr_expect_eq(cs_testjson_int(row, "labelled"), labelled, "%s %s %s", method, kind, band);
    cr_expect_eq(cs_testjson_int(row, "approved"), approved, "%s %s %s", method, kind, band);
    cr_expect_eq(cs_testjson_int(row, "rejected"), rejected, "%s %s %s", method, kind, band);
    if (agreement < 0)
        cr_expect(json_is_null(json_object_get(row, "agreement")), "%s %s %s", method, kind, band);
    else
        cr_expect_float_eq(cs_testjson_num(row, "agreement"), agreement, 1e-9, "%s %s %s", method,
                           kind, band);
    cr_expect_eq(cs_testjson_int(row, "pending"), pending, "%s %s %s", method, kind, band);
}

/* Labels: the QBR's judge link approved (llm 0.82), the kickoff's judge create rejected (llm
   0.6), the embedding links at 0.85 and up approved in bulk, Hooli's CSV link rejected
   (embedding 0.7). */
static void label_some(void)
{
    char qbr[24], kickoff_csv[24], hooli_csv[24];
    item("c2", 0, qbr);
    item("c1", 1, kickoff_csv);
    item("c4", 0, hooli_csv);
    free(cs_testcli_ok(cs_testcli_run("review", "approve", qbr, "--by", "pm", NULL)));
    free(cs_testcli_ok(
        cs_testcli_run("review", "reject", kickoff_csv, "--kind", "match", "--by", "pm", NULL)));
    free(cs_testcli_ok(cs_testcli_run("review", "approve", "--workspace-id", ws, "--method",
                                      "embedding", "--action", "link", "--band", "0.85:1", "--by",
                                      "pm", NULL)));
    free(cs_testcli_ok(cs_testcli_run("review", "reject", hooli_csv, "--by", "pm", NULL)));
}

Test(review, stats_measure_agreement_per_method_kind_and_band_from_the_labels)
{
    populate();
    label_some();
    char *out = cs_testcli_ok(
        cs_testcli_run("review", "stats", "--workspace-id", ws, "--format", "json", NULL));
    json_t *rows = cs_testjson_parse(out);
    free(out);
    cr_expect_eq(json_array_size(rows), 9);
    expect_stats(rows, "embedding", "request", "0-0.5", 0, 0, 0, -1, 2);
    expect_stats(rows, "embedding", "match", "0.5-0.7", 0, 0, 0, -1, 1);
    expect_stats(rows, "embedding", "match", "0.7-0.85", 1, 0, 1, 0.0, 0);
    expect_stats(rows, "embedding", "match", "0.85-0.95", 2, 2, 0, 1.0, 0);
    expect_stats(rows, "exact", "request", "0-0.5", 0, 0, 0, -1, 1);
    expect_stats(rows, "llm", "request", "0-0.5", 0, 0, 0, -1, 1);
    expect_stats(rows, "llm", "match", "0.5-0.7", 1, 0, 1, 0.0, 0);
    expect_stats(rows, "llm", "match", "0.7-0.85", 1, 1, 0, 1.0, 0);
    expect_stats(rows, "total", NULL, NULL, 5, 3, 2, 0.6, 5);
    json_decref(rows);

    /* the labels keep the confidence they copied: a new threshold moves the pending items, not
       the labelled ones */
    char *env[] = {(char *)cs_testcli_env_db(), "CALLSIFT_REVIEW_CONFIDENCE=0", NULL};
    out = cs_testcli_ok(
        cs_testcli_run_env(env, "review", "stats", "--workspace-id", ws, "--format", "json", NULL));
    rows = cs_testjson_parse(out);
    free(out);
    expect_stats(rows, "total", NULL, NULL, 5, 3, 2, 0.6, 4);
    json_decref(rows);

    out = cs_testcli_ok(cs_testcli_run("review", "stats", "--workspace-id", ws, NULL));
    cr_expect(strstr(out, "METHOD     KIND     BAND       LABELLED  APPROVED  REJECTED  AGREEMENT"
                          "  PENDING\n"),
              "%s", out);
    cr_expect(strstr(out, "total                                 5         3         2       0.60"
                          "        5\n"),
              "%s", out);
    free(out);
}

/* The simulate row of method and action. */
static json_t *sim_row(json_t *rows, const char *method, const char *action)
{
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (strcmp(cs_testjson_str(row, "method"), method) == 0 &&
            (action ? strcmp(cs_testjson_str(row, "action"), action) == 0
                    : json_is_null(json_object_get(row, "action"))))
            return row;
    }
    cr_assert_fail("no simulate row %s %s", method, action ? action : "-");
    return NULL;
}

static void expect_sim(json_t *rows, const char *method, const char *action, long long decisions,
                       long long flips, long long labelled, long long agree)
{
    json_t *row = sim_row(rows, method, action);
    cr_expect_eq(cs_testjson_int(row, "decisions"), decisions, "%s %s", method, action);
    cr_expect_eq(cs_testjson_int(row, "would_flip"), flips, "%s %s", method, action);
    cr_expect_eq(cs_testjson_int(row, "labelled"), labelled, "%s %s", method, action);
    cr_expect_eq(cs_testjson_int(row, "labels_agree"), agree, "%s %s", method, action);
}

Test(review, simulate_counts_the_decisions_a_threshold_would_flip)
{
    populate();
    char hooli_csv[24], hooli_sso[24];
    item("c4", 0, hooli_csv);
    item("c4", 1, hooli_sso);
    /* a person agrees that Hooli's CSV link (fused 0.7) is wrong, and that its SSO create (best
       candidate 0.81) was right */
    free(cs_testcli_ok(cs_testcli_run("review", "reject", hooli_csv, "--by", "pm", NULL)));
    free(cs_testcli_ok(
        cs_testcli_run("review", "approve", hooli_sso, "--kind", "match", "--by", "pm", NULL)));

    /* at 0.8: the embedding link at 0.7 would make a new feature (0.85 and 0.87 stay), the SSO
       create (best candidate 0.81) would have linked (0.2 and no candidate stay); the judge's
       link at 0.82 stays and its create's best candidate is 0.3; exact never flips */
    char *out = cs_testcli_ok(cs_testcli_run("review", "simulate", "--workspace-id", ws,
                                             "--confidence", "0.8", "--format", "json", NULL));
    json_t *rows = cs_testjson_parse(out);
    free(out);
    cr_expect_eq(json_array_size(rows), 6);
    expect_sim(rows, "embedding", "link", 3, 1, 1, 1);
    expect_sim(rows, "embedding", "create", 3, 1, 1, 0);
    expect_sim(rows, "llm", "link", 1, 0, 0, 0);
    expect_sim(rows, "llm", "create", 1, 0, 0, 0);
    expect_sim(rows, "exact", "link", 1, 0, 0, 0);
    expect_sim(rows, "total", NULL, 9, 2, 2, 1);
    cr_expect_str_eq(cs_testjson_str(sim_row(rows, "embedding", "link"), "becomes"), "new");
    cr_expect_str_eq(cs_testjson_str(sim_row(rows, "embedding", "create"), "becomes"), "link");
    json_decref(rows);

    /* the judge's link at 0.82 flips at 0.85 (its judge score, not its fused 0.7, decides); a
       link exactly at the threshold stays */
    out = cs_testcli_ok(cs_testcli_run("review", "simulate", "--workspace-id", ws, "--confidence",
                                       "0.85", "--method", "llm", "--format", "json", NULL));
    rows = cs_testjson_parse(out);
    free(out);
    cr_expect_eq(json_array_size(rows), 3);
    expect_sim(rows, "llm", "link", 1, 1, 0, 0);
    expect_sim(rows, "llm", "create", 1, 0, 0, 0);
    json_decref(rows);
    out = cs_testcli_ok(cs_testcli_run("review", "simulate", "--workspace-id", ws, "--confidence",
                                       "0.85", "--method", "embedding", "--format", "json", NULL));
    rows = cs_testjson_parse(out);
    free(out);
    expect_sim(rows, "embedding", "link", 3, 1, 1, 1); /* 0.85 stays, 0.7 flips */
    json_decref(rows);

    out = cs_testcli_ok(
        cs_testcli_run("review", "simulate", "--workspace-id", ws, "--confidence", "0.8", NULL));
    cr_expect(strstr(out, "At link threshold 0.80: 1 of 4 links (not by exact name) would have "
                          "made a new feature, 1 "
                          "of 4 creates would have linked; 2 of the 2 flipped decisions are "
                          "labelled, 1 label agrees\n"),
              "%s", out);
    free(out);
    cs_testcli_expect_failure(cs_testcli_run("review", "simulate", "--workspace-id", ws,
                                             "--confidence", "0.8", "--method", "exact", NULL),
                              1, "--method: expected 'embedding' or 'llm', got 'exact'");
}

/* ---- the command line --------------------------------------------------------------------- */

Test(review_usage, help_names_the_item_ids)
{
    cs_testrun_t run = cs_testcli_run("review", "approve", "--help", NULL);
    cr_expect_eq(run.status, 0);
    cr_expect(strstr(run.out, "Usage: callsift review approve [ITEM_ID...] [OPTIONS]"), "%s",
              run.out);
    cr_expect(strstr(run.out, "--band"), "%s", run.out);
    cs_testrun_free(&run);
    run = cs_testcli_run("review", "--help", NULL);
    cr_expect_eq(run.status, 0);
    cr_expect(strstr(run.out, "review simulate"), "%s", run.out);
    cs_testrun_free(&run);
}
