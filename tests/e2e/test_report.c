/* `callsift report`, `callsift feature show` and `callsift calls` as processes: the real binary
   against a fresh database per test, filled the way the pipeline fills it (calls committed by
   cs_writer_commit from decision records). These tests double as the commands' usage examples.

   The calls (C = create the feature, L = link to it; quotes in brackets):

     Globex kickoff   2025-09-01  Globex  ($5000)    C Salesforce sync ["We really need Salesforce
                                                      sync"], C CSV export ["Export to CSV"],
                                                      C Dark mode ["Dark mode for night shifts"]
     Globex QBR       2025-10-05  Globex             L Salesforce sync (llm, 0.82) ["Salesforce
                                                      sync is a must, honestly"], L Dark mode
     Initech demo     2025-10-10  Initech ($1200.50) L Salesforce sync [""], C Single sign-on
     Hooli discovery  2025-10-15  Hooli   ($300)     L CSV export ["CSV | Excel, please"],
                                                      L Single sign-on ["We need SSO"]
     Umbrella call    2025-10-20  Umbrella           not processed: the LLM answer was invalid

   so the ranking is Salesforce sync (3 mentions, 2 customers, $6200.50: Globex once), CSV export
   (2, 2, $5300), Single sign-on (2, 2, $1500.50), Dark mode (2, 1, $5000). */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "cs_record.h"
#include "cs_testdata.h"
#include "cs_testcli.h"
#include "cs_testdb.h"
#include "cs_testjson.h"
#include "cs_testproc.h"
#include "cs_util.h"
#include "cs_uuid.h"
#include "cs_writer.h"

/* What populate() made. */
static char ws[CS_UUID_LEN], integrations[CS_UUID_LEN], analytics[CS_UUID_LEN];
static char salesforce[CS_UUID_LEN], csv_export[CS_UUID_LEN], dark_mode[CS_UUID_LEN];
static char sso[CS_UUID_LEN];

/* Tests that run commands against a database of their own. */
TestSuite(report, .init = cs_testcli_setup_migrated, .fini = cs_testcli_teardown, .timeout = 180);
/* Tests of the command line itself, which never reach a database. */
TestSuite(report_usage, .timeout = 60);

/* The feature id the matcher gives request `index` of call `external_id`. */
static void feature_id_of(const char *external_id, int index, char out[CS_UUID_LEN])
{
    char message_id[CS_UUID_LEN];
    cs_uuid_message_id(ws, "replay", external_id, message_id);
    cs_uuid_feature_id(message_id, index, out);
}

/* A decision record for a call, before its requests are added. */
static json_t *call(const char *external_id, const char *title, const char *started_at,
                    const char *customer, const char *domain)
{
    json_t *rec = cs_testdata_call(ws, external_id, started_at, customer, domain);
    json_object_set_new(rec, "title", json_string(title));
    return cs_testdata_decision(rec);
}

/* Append a request to decision record rec: "create" (feature_id NULL) or "link", with the quote
   the customer said. Returns the decision (borrowed) for more fields. */
static json_t *request(json_t *rec, const char *action, const char *feature_id,
                       const char *theme_id, const char *title, const char *urgency,
                       const char *quote)
{
    cs_testdata_add(rec, action, feature_id, theme_id, title, urgency);
    json_t *decisions = json_object_get(rec, "decisions");
    json_t *d = json_array_get(decisions, json_array_size(decisions) - 1);
    json_object_set_new(d, "quote", json_string(quote));
    json_object_set_new(d, "speaker", json_string("Yukta"));
    return d;
}

/* Commit rec the way the writer does, then drop it. */
static void commit(cs_db_t *db, json_t *rec)
{
    char err[1024] = "";
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "test record invalid: %s", err);
    cr_assert_eq(cs_writer_commit(db, rec, NULL, err, sizeof err), CS_COMMIT_COMMITTED, "%s", err);
    json_decref(rec);
}

/* The workspace, themes and customers through the CLI, the calls through the writer (see the
   top of this file). */
static void populate(void)
{
    char *id =
        cs_testcli_ok_value(cs_testcli_run("workspace", "create", "--name", "Acme Sales", NULL));
    cs_strlcpy(ws, id, sizeof ws);
    free(id);
    id = cs_testcli_ok_value(
        cs_testcli_run("theme", "add", "--workspace-id", ws, "--name", "Integrations", NULL));
    cs_strlcpy(integrations, id, sizeof integrations);
    free(id);
    id = cs_testcli_ok_value(
        cs_testcli_run("theme", "add", "--workspace-id", ws, "--name", "Analytics", NULL));
    cs_strlcpy(analytics, id, sizeof analytics);
    free(id);
    free(cs_testcli_ok_value(cs_testcli_run("customer", "add", "--workspace-id", ws, "--name",
                                            "Globex", "--domain", "globex.com", "--mrr", "5000",
                                            NULL)));
    free(cs_testcli_ok_value(cs_testcli_run("customer", "add", "--workspace-id", ws, "--name",
                                            "Initech", "--domain", "initech.com", "--mrr",
                                            "1200.50", NULL)));
    free(cs_testcli_ok_value(cs_testcli_run("customer", "add", "--workspace-id", ws, "--name",
                                            "Hooli", "--domain", "hooli.com", "--mrr", "300",
                                            NULL)));
    feature_id_of("c1", 0, salesforce);
    feature_id_of("c1", 1, csv_export);
    feature_id_of("c1", 2, dark_mode);
    feature_id_of("c3", 1, sso);

    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    json_t *rec = call("c1", "Globex kickoff", "2025-09-01T15:00:00Z", "Globex", "globex.com");
    request(rec, "create", NULL, integrations, "Salesforce sync", "high",
            "We really need Salesforce sync");
    request(rec, "create", NULL, analytics, "CSV export", "low", "Export to CSV");
    request(rec, "create", NULL, NULL, "Dark mode", "low", "Dark mode for night shifts");
    commit(db, rec);

    rec = call("c2", "Globex QBR", "2025-10-05T15:00:00Z", "Globex", "globex.com");
    json_t *d = request(rec, "link", salesforce, integrations, "Sync tickets with Salesforce",
                        "critical", "Salesforce sync is a must, honestly");
    json_object_set_new(d, "method", json_string("llm"));
    json_object_set_new(d, "confidence", json_real(0.82));
    json_object_set_new(d, "similarity", json_real(0.61));
    json_object_set_new(d, "reasoning", json_string("Both ask to sync tickets with Salesforce."));
    json_object_set_new(d, "candidates",
                        json_pack("[{s:s, s:s, s:f}]", "id", salesforce, "name", "Salesforce sync",
                                  "similarity", 0.61));
    request(rec, "link", dark_mode, NULL, "Dark mode", "medium", "Still waiting for dark mode");
    commit(db, rec);

    rec = call("c3", "Initech demo", "2025-10-10T15:00:00Z", "Initech", "initech.com");
    request(rec, "link", salesforce, integrations, "Salesforce sync", "medium", "");
    request(rec, "create", NULL, NULL, "Single sign-on", "medium", "SSO please");
    commit(db, rec);

    rec = call("c4", "Hooli discovery", "2025-10-15T15:00:00Z", "Hooli", "hooli.com");
    request(rec, "link", csv_export, analytics, "CSV export", "medium", "CSV | Excel, please");
    request(rec, "link", sso, NULL, "Single sign-on", "high", "We need SSO");
    commit(db, rec);

    rec = cs_testdata_call(ws, "c5", "2025-10-20T15:00:00Z", "Umbrella", "umbrella.com");
    json_object_set_new(rec, "title", json_string("Umbrella call"));
    json_object_set_new(rec, "kind", json_string("decision"));
    json_object_set_new(rec, "error", json_string("LLM answer invalid after 3 attempts"));
    json_object_set_new(rec, "decisions", json_array());
    commit(db, rec);
    cs_db_destroy(&db);
}

static bool starts_with(const char *text, const char *prefix)
{
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

/* Number of CSV records in text (RFC 4180: line breaks inside quoted fields do not count). */
static int csv_records(const char *text)
{
    int records = 0;
    bool quoted = false;
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (!quoted && p[0] == '\r' && p[1] == '\n')
            records++;
    }
    return records;
}

/* Unescaped '|' on a line. */
static int pipes(const char *line, size_t len)
{
    int n = 0;
    for (size_t i = 0; i < len; i++)
        n += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
    return n;
}

/* ---- report ------------------------------------------------------------------------------- */

Test(report, json_ranks_by_mentions_then_customers_then_mrr)
{
    populate();
    char *out =
        cs_testcli_ok(cs_testcli_run("report", "--workspace-id", ws, "--format", "json", NULL));
    json_t *doc = cs_testjson_parse(out);
    cr_assert(json_is_array(doc), "%s", out);
    cr_assert_eq(json_array_size(doc), 4, "%s", out);
    const char *names[] = {"Salesforce sync", "CSV export", "Single sign-on", "Dark mode"};
    const char *ids[] = {salesforce, csv_export, sso, dark_mode};
    const char *themes[] = {"Integrations", "Analytics", "Uncategorized", "Uncategorized"};
    const long long mentions[] = {3, 2, 2, 2}, customers[] = {2, 2, 2, 1};
    const double mrr[] = {6200.50, 5300.0, 1500.50, 5000.0}; /* Globex counted once */
    const char *urgency[] = {"critical", "medium", "high", "medium"};
    const char *first[] = {"2025-09-01", "2025-09-01", "2025-10-10", "2025-09-01"};
    const char *last[] = {"2025-10-10", "2025-10-15", "2025-10-15", "2025-10-05"};
    for (size_t i = 0; i < 4; i++) {
        json_t *row = json_array_get(doc, i);
        cr_expect_eq(cs_testjson_int(row, "rank"), (long long)i + 1);
        cr_expect_str_eq(cs_testjson_str(row, "feature"), names[i], "row %zu", i);
        cr_expect_str_eq(cs_testjson_str(row, "id"), ids[i], "row %zu", i);
        cr_expect_str_eq(cs_testjson_str(row, "theme"), themes[i], "row %zu", i);
        cr_expect_eq(cs_testjson_int(row, "mentions"), mentions[i], "row %zu", i);
        cr_expect_eq(cs_testjson_int(row, "customers"), customers[i], "row %zu", i);
        cr_expect_float_eq(cs_testjson_num(row, "mrr"), mrr[i], 1e-9, "row %zu", i);
        cr_expect_str_eq(cs_testjson_str(row, "urgency"), urgency[i], "row %zu", i);
        cr_expect_str_eq(cs_testjson_str(row, "status"), "new", "row %zu", i);
        cr_expect_str_eq(cs_testjson_str(row, "first_mentioned"), first[i], "row %zu", i);
        cr_expect_str_eq(cs_testjson_str(row, "last_mentioned"), last[i], "row %zu", i);
    }

    /* quotes: the most recent first, with their calls; the empty one is skipped */
    json_t *quotes = json_object_get(json_array_get(doc, 0), "quotes");
    cr_assert(json_is_array(quotes), "%s", out);
    cr_assert_eq(json_array_size(quotes), 2, "%s", out);
    json_t *q = json_array_get(quotes, 0);
    cr_expect_str_eq(cs_testjson_str(q, "quote"), "Salesforce sync is a must, honestly");
    cr_expect_str_eq(cs_testjson_str(q, "call"), "Globex QBR");
    cr_expect_str_eq(cs_testjson_str(q, "date"), "2025-10-05");
    cr_expect_str_eq(cs_testjson_str(q, "customer"), "Globex");
    cr_expect_str_eq(cs_testjson_str(q, "speaker"), "Yukta");
    q = json_array_get(quotes, 1);
    cr_expect_str_eq(cs_testjson_str(q, "quote"), "We really need Salesforce sync");
    cr_expect_str_eq(cs_testjson_str(q, "call"), "Globex kickoff");
    q = json_array_get(json_object_get(json_array_get(doc, 1), "quotes"), 0);
    cr_expect_str_eq(cs_testjson_str(q, "quote"), "CSV | Excel, please");
    cr_expect_str_eq(cs_testjson_str(q, "call"), "Hooli discovery");
    json_decref(doc);
    free(out);
}

Test(report, table_has_the_summary_and_quotes_under_each_feature)
{
    populate();
    char *out = cs_testcli_ok(cs_testcli_run("report", "--workspace-id", ws, NULL));
    const char *summary = "4 features from 4 calls (3 customers, $6,500.50 MRR)\n\nRANK  FEATURE";
    cr_expect(starts_with(out, summary), "table:\n%s", out);
    cr_expect(strstr(out, "MENTIONS") && strstr(out, "CUSTOMERS") && strstr(out, "MRR"), "%s", out);
    cr_expect(!strstr(out, "QUOTES"), "quotes are lines, not a column:\n%s", out);
    char *sf = strstr(out, "Salesforce sync  Integrations");
    char *csv = strstr(out, "CSV export");
    char *sso_row = strstr(out, "Single sign-on");
    char *dark = strstr(out, "Dark mode ");
    cr_assert(sf && csv && sso_row && dark, "table:\n%s", out);
    cr_expect(sf < csv && csv < sso_row && sso_row < dark, "ranking:\n%s", out);
    cr_expect(strstr(sf, "6200.50"), "table:\n%s", out);

    /* under the feature's row, aligned with the feature column (+2), the most recent first */
    const char *lines = "\n        quotes: \"Salesforce sync is a must, honestly\" (Globex QBR, "
                        "2025-10-05)\n"
                        "                \"We really need Salesforce sync\" (Globex kickoff, "
                        "2025-09-01)\n";
    char *at = strstr(out, lines);
    cr_expect(at && at > sf && at < csv, "no quote lines under the feature:\n%s", out);
    cr_expect(strstr(out, "quotes: \"CSV | Excel, please\" (Hooli discovery, 2025-10-15)"),
              "table:\n%s", out);
    free(out);
}

Test(report, theme_filters_any_case_and_an_unknown_theme_names_the_themes)
{
    populate();
    char *out = cs_testcli_ok(cs_testcli_run("report", "--workspace-id", ws, "--theme",
                                             "INTEGRATIONS", "--format", "json", NULL));
    json_t *doc = cs_testjson_parse(out);
    cr_assert_eq(json_array_size(doc), 1, "%s", out);
    cr_expect_str_eq(cs_testjson_str(json_array_get(doc, 0), "feature"), "Salesforce sync");
    json_decref(doc);
    free(out);

    out =
        cs_testcli_ok(cs_testcli_run("report", "--workspace-id", ws, "--theme", "analytics", NULL));
    const char *summary = "1 feature from 4 calls (3 customers, $6,500.50 MRR); theme Analytics\n";
    cr_expect(starts_with(out, summary), "%s", out);
    cr_expect(strstr(out, "CSV export") && !strstr(out, "Salesforce"), "%s", out);
    free(out);

    char want[256];
    snprintf(want, sizeof want,
             "workspace %s has no theme named 'Billing' (its themes: Analytics, Integrations, "
             "Uncategorized)",
             ws);
    cs_testcli_expect_failure(
        cs_testcli_run("report", "--workspace-id", ws, "--theme", "Billing", NULL), 1, want);
}

/* What curation leaves, by SQL: Dark mode rejected, Salesforce sync planned, Single sign-on
   merged away into Salesforce sync (its links left where they are: hidden all the same). */
static void curate(void)
{
    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    char err[512];
    const char *p[] = {dark_mode, salesforce, sso};
    cr_assert_eq(cs_db_command(db,
                               "UPDATE features SET status = CASE id WHEN $1::uuid THEN 'rejected'"
                               " WHEN $2::uuid THEN 'planned' ELSE status END,"
                               " status_reason = CASE WHEN id = $1::uuid THEN 'not a request' END,"
                               " merged_into = CASE WHEN id = $3::uuid THEN $2::uuid END,"
                               " merged_at = CASE WHEN id = $3::uuid THEN now() END"
                               " WHERE id IN ($1::uuid, $2::uuid, $3::uuid)",
                               3, p, err, sizeof err),
                 0, "%s", err);
    cs_db_destroy(&db);
}

/* The names of a json report's rows, "a|b|c". Caller frees. */
static char *report_names(const char *status)
{
    char *out = cs_testcli_ok(cs_testcli_run("report", "--workspace-id", ws, "--format", "json",
                                             status ? "--status" : NULL, status, NULL));
    json_t *doc = cs_testjson_parse(out);
    cr_assert(json_is_array(doc), "%s", out);
    char names[512] = "";
    for (size_t i = 0; i < json_array_size(doc); i++) {
        size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s%s:%s", i ? "|" : "",
                 cs_testjson_str(json_array_get(doc, i), "feature"),
                 cs_testjson_str(json_array_get(doc, i), "status"));
    }
    json_decref(doc);
    free(out);
    return strdup(names);
}

Test(report, rejected_and_merged_away_features_are_left_out_and_status_filters)
{
    populate();
    curate();
    char *names = report_names(NULL);
    cr_expect_str_eq(names, "Salesforce sync:planned|CSV export:new");
    free(names);
    names = report_names("rejected");
    cr_expect_str_eq(names, "Dark mode:rejected");
    free(names);
    names = report_names(" new ,planned,new");
    cr_expect_str_eq(names, "Salesforce sync:planned|CSV export:new");
    free(names);
    names = report_names("new,under-review,planned,shipped,rejected");
    cr_expect_str_eq(names, "Salesforce sync:planned|CSV export:new|Dark mode:rejected",
                     "a merged-away feature is never shown");
    free(names);
    names = report_names("shipped");
    cr_expect_str_eq(names, "");
    free(names);

    /* the summary counts the features shown, and says which statuses */
    char *out = cs_testcli_ok(cs_testcli_run("report", "--workspace-id", ws, NULL));
    cr_expect(starts_with(out, "2 features from 4 calls (3 customers, $6,500.50 MRR)\n"), "%s",
              out);
    free(out);
    out = cs_testcli_ok(
        cs_testcli_run("report", "--workspace-id", ws, "--status", "rejected,new", NULL));
    cr_expect(starts_with(out, "2 features from 4 calls (3 customers, $6,500.50 MRR);"
                               " status new, rejected\n"),
              "%s", out);
    free(out);

    cs_testcli_expect_failure(
        cs_testcli_run("report", "--workspace-id", ws, "--status", "new,merged", NULL), 1,
        "--status: unknown status 'merged' (new, under-review, planned, shipped, rejected)");
    cs_testcli_expect_failure(cs_testcli_run("report", "--workspace-id", ws, "--status", ",", NULL),
                              1, "--status: expected statuses");
}

Test(report, since_counts_only_the_calls_from_that_day)
{
    populate();
    char *out = cs_testcli_ok(cs_testcli_run("report", "--workspace-id", ws, "--since",
                                             "2025-10-01", "--format", "json", NULL));
    json_t *doc = cs_testjson_parse(out);
    cr_assert_eq(json_array_size(doc), 4, "%s", out);
    const char *names[] = {"Salesforce sync", "Single sign-on", "Dark mode", "CSV export"};
    const long long mentions[] = {2, 2, 1, 1}, customers[] = {2, 2, 1, 1};
    const double mrr[] = {6200.50, 1500.50, 5000.0, 300.0};
    for (size_t i = 0; i < 4; i++) {
        json_t *row = json_array_get(doc, i);
        cr_expect_str_eq(cs_testjson_str(row, "feature"), names[i], "row %zu", i);
        cr_expect_eq(cs_testjson_int(row, "mentions"), mentions[i], "row %zu", i);
        cr_expect_eq(cs_testjson_int(row, "customers"), customers[i], "row %zu", i);
        cr_expect_float_eq(cs_testjson_num(row, "mrr"), mrr[i], 1e-9, "row %zu", i);
    }
    cr_expect_str_eq(cs_testjson_str(json_array_get(doc, 0), "first_mentioned"), "2025-10-05");
    cr_expect_eq(json_array_size(json_object_get(json_array_get(doc, 0), "quotes")), 1);
    json_decref(doc);
    free(out);

    /* features without a mention in the period are left out; the summary counts its calls */
    out = cs_testcli_ok(
        cs_testcli_run("report", "--workspace-id", ws, "--since", "2025-10-12", NULL));
    const char *summary = "2 features from 1 call (1 customer, $300.00 MRR); since 2025-10-12\n";
    cr_expect(starts_with(out, summary), "%s", out);
    cr_expect(!strstr(out, "Salesforce") && !strstr(out, "Dark mode"), "%s", out);
    free(out);

    cs_testcli_expect_failure(
        cs_testcli_run("report", "--workspace-id", ws, "--since", "2025-02-30", NULL), 1,
        "--since: '2025-02-30' is not a date (YYYY-MM-DD)");
    cs_testcli_expect_failure(
        cs_testcli_run("report", "--workspace-id", ws, "--since", "10/01/2025", NULL), 1,
        "--since");
}

Test(report, top_keeps_the_first_rows)
{
    populate();
    char *out = cs_testcli_ok(
        cs_testcli_run("report", "--workspace-id", ws, "--top", "2", "--format", "json", NULL));
    json_t *doc = cs_testjson_parse(out);
    cr_assert_eq(json_array_size(doc), 2, "%s", out);
    cr_expect_str_eq(cs_testjson_str(json_array_get(doc, 1), "feature"), "CSV export");
    json_decref(doc);
    free(out);

    out = cs_testcli_ok(cs_testcli_run("report", "--workspace-id", ws, "--top", "1", NULL));
    cr_expect(strstr(out, "4 features from 4 calls (3 customers, $6,500.50 MRR); top 1 shown\n"),
              "%s", out);
    cr_expect(strstr(out, "Salesforce sync") && !strstr(out, "CSV export"), "%s", out);
    free(out);

    out = cs_testcli_ok(
        cs_testcli_run("report", "--workspace-id", ws, "--top", "0", "--format", "json", NULL));
    doc = cs_testjson_parse(out);
    cr_expect_eq(json_array_size(doc), 4, "--top 0 is all: %s", out);
    json_decref(doc);
    free(out);

    /* a negative count is a usage error, refused before the database is asked */
    cs_testcli_expect_failure(cs_testcli_run("report", "--workspace-id", ws, "--top", "-1", NULL),
                              2, "--top: expected an integer of at least 0, got '-1'");
}

Test(report, csv_has_a_header_and_one_record_per_feature)
{
    populate();
    char *out =
        cs_testcli_ok(cs_testcli_run("report", "--workspace-id", ws, "--format", "csv", NULL));
    const char *header = "rank,id,feature,theme,mentions,customers,mrr,urgency,status,"
                         "first_mentioned,last_mentioned,quotes\r\n";
    cr_expect(starts_with(out, header), "csv:\n%s", out);
    cr_expect_eq(csv_records(out), 5, "csv:\n%s", out);
    char row[512];
    snprintf(row, sizeof row,
             "\r\n1,%s,Salesforce sync,Integrations,3,2,6200.50,critical,new,2025-09-01,"
             "2025-10-10,\"\"\"Salesforce sync is a must, honestly\"\" (Globex QBR, 2025-10-05)\n"
             "\"\"We really need Salesforce sync\"\" (Globex kickoff, 2025-09-01)\"\r\n",
             salesforce);
    cr_expect(strstr(out, row), "no\n%s\nin csv:\n%s", row, out);
    cr_expect(strstr(out, "\"\"\"CSV | Excel, please\"\" (Hooli discovery, 2025-10-15)\n"),
              "csv:\n%s", out);
    free(out);
}

Test(report, markdown_has_a_heading_and_escapes_pipes)
{
    populate();
    char *out =
        cs_testcli_ok(cs_testcli_run("report", "--workspace-id", ws, "--format", "markdown", NULL));
    const char *head = "## Feature report: Acme Sales\n\n"
                       "4 features from 4 calls (3 customers, $6,500.50 MRR)\n\n"
                       "| rank | feature | theme | mentions | customers | mrr | urgency | status |"
                       " first_mentioned | last_mentioned | quotes |\n"
                       "| ---: | --- | --- | ---: | ---: | ---: | --- | --- | --- | --- | --- |\n"
                       "| 1 | Salesforce sync | Integrations | 3 | 2 | 6200.50 | critical | new |"
                       " 2025-09-01 | 2025-10-10 | \"Salesforce sync is a must, honestly\" (Globex "
                       "QBR, 2025-10-05)<br>\"We really need Salesforce sync\" (Globex kickoff, "
                       "2025-09-01) |\n";
    cr_expect(starts_with(out, head), "markdown:\n%s", out);
    cr_expect(strstr(out, "\"CSV \\| Excel, please\" (Hooli discovery, 2025-10-15)"),
              "| not escaped:\n%s", out);
    /* every table line has 12 unescaped pipes: 11 columns */
    int table_lines = 0;
    for (char *line = strstr(out, "\n|"); line; line = strstr(line + 1, "\n|")) {
        char *end = strchr(line + 1, '\n');
        size_t len = end ? (size_t)(end - line - 1) : strlen(line + 1);
        cr_expect_eq(pipes(line + 1, len), 12, "line: %.*s", (int)len, line + 1);
        table_lines++;
    }
    cr_expect_eq(table_lines, 6, "header, separator and 4 rows:\n%s", out);
    free(out);
}

Test(report, empty_workspace_and_unknown_workspace)
{
    char *id = cs_testcli_ok_value(cs_testcli_run("workspace", "create", "--name", "Empty", NULL));
    char *out = cs_testcli_ok(cs_testcli_run("report", "--workspace-id", id, NULL));
    const char *summary = "0 features from 0 calls (0 customers, $0.00 MRR)\n\nRANK  FEATURE";
    cr_expect(starts_with(out, summary), "%s", out);
    free(out);
    free(id);

    char other[CS_UUID_LEN], want[128];
    cs_uuid_v4(other);
    snprintf(want, sizeof want, "callsift: no workspace with id %s\n", other);
    cs_testrun_t runs[] = {
        cs_testcli_run("report", "--workspace-id", other, NULL),
        cs_testcli_run("calls", "--workspace-id", other, NULL),
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(runs); i++) {
        cr_expect_eq(runs[i].status, 1, "run %zu: status %d", i, runs[i].status);
        cr_expect_str_eq(runs[i].err, want, "run %zu", i);
        cr_expect_str_empty(runs[i].out, "run %zu", i);
        cs_testrun_free(&runs[i]);
    }
}

/* ---- feature show ------------------------------------------------------------------------- */

Test(report, feature_show_json_has_the_feature_its_calls_and_decisions)
{
    populate();
    char *out =
        cs_testcli_ok(cs_testcli_run("feature", "show", salesforce, "--format", "json", NULL));
    json_t *doc = cs_testjson_parse(out);
    cr_assert(json_is_object(doc), "%s", out);
    json_t *f = json_object_get(doc, "feature");
    cr_expect_str_eq(cs_testjson_str(f, "id"), salesforce);
    cr_expect_str_eq(cs_testjson_str(f, "name"), "Salesforce sync");
    cr_expect_str_eq(cs_testjson_str(f, "description"), "Wanted by the customer");
    cr_expect_str_eq(cs_testjson_str(f, "workspace"), "Acme Sales");
    cr_expect_str_eq(cs_testjson_str(f, "theme"), "Integrations");
    cr_expect_str_eq(cs_testjson_str(f, "status"), "new");
    cr_expect_str_eq(cs_testjson_str(f, "urgency"), "critical");
    cr_expect_eq(cs_testjson_int(f, "mentions"), 3);
    cr_expect_str_eq(cs_testjson_str(f, "first_mentioned"), "2025-09-01");
    cr_expect_str_eq(cs_testjson_str(f, "last_mentioned"), "2025-10-10");

    json_t *calls = json_object_get(doc, "calls");
    cr_assert_eq(json_array_size(calls), 3, "%s", out);
    const char *titles[] = {"Initech demo", "Globex QBR", "Globex kickoff"};
    for (size_t i = 0; i < 3; i++)
        cr_expect_str_eq(cs_testjson_str(json_array_get(calls, i), "call"), titles[i], "call %zu",
                         i);
    json_t *c = json_array_get(calls, 1);
    cr_expect_str_eq(cs_testjson_str(c, "date"), "2025-10-05");
    cr_expect_str_eq(cs_testjson_str(c, "customer"), "Globex");
    cr_expect_float_eq(cs_testjson_num(c, "mrr"), 5000.0, 1e-9);
    cr_expect_str_eq(cs_testjson_str(c, "quote"), "Salesforce sync is a must, honestly");
    cr_expect_str_eq(cs_testjson_str(c, "speaker"), "Yukta");
    cr_expect_str_eq(cs_testjson_str(c, "call_id"), "c2");

    json_t *decisions = json_object_get(doc, "decisions");
    cr_assert_eq(json_array_size(decisions), 3, "%s", out);
    json_t *llm = NULL;
    size_t i;
    json_t *d;
    json_array_foreach(decisions, i, d)
    {
        if (strcmp(cs_testjson_str(d, "method"), "llm") == 0)
            llm = d;
        else
            cr_expect_str_eq(cs_testjson_str(d, "method"), "embedding");
    }
    cr_assert(llm, "no llm decision: %s", out);
    cr_expect_str_eq(cs_testjson_str(llm, "action"), "link");
    cr_expect_str_eq(cs_testjson_str(llm, "call"), "Globex QBR");
    cr_expect_float_eq(cs_testjson_num(llm, "confidence"), 0.82, 1e-9);
    cr_expect_float_eq(cs_testjson_num(llm, "similarity"), 0.61, 1e-9);
    cr_expect_str_eq(cs_testjson_str(llm, "reasoning"),
                     "Both ask to sync tickets with Salesforce.");
    cr_expect_str_eq(cs_testjson_str(llm, "extracted"), "Sync tickets with Salesforce");
    json_t *candidate = json_array_get(json_object_get(llm, "candidates"), 0);
    cr_expect_str_eq(cs_testjson_str(candidate, "name"), "Salesforce sync");
    cr_expect_str_eq(cs_testjson_str(candidate, "id"), salesforce);
    /* the one that created it */
    d = json_array_get(decisions, 2);
    cr_expect_str_eq(cs_testjson_str(d, "action"), "create");
    cr_expect_str_eq(cs_testjson_str(d, "call"), "Globex kickoff");
    json_decref(doc);
    free(out);
}

Test(report, feature_show_table_by_argument_or_id)
{
    populate();
    char *out = cs_testcli_ok(cs_testcli_run("feature", "show", salesforce, NULL));
    cr_expect(strstr(out, "Feature          Salesforce sync\n"), "%s", out);
    cr_expect(strstr(out, "Theme            Integrations\n"), "%s", out);
    cr_expect(strstr(out, "Mentions         3\n"), "%s", out);
    cr_expect(strstr(out, "\nCalls (3)\nDATE        CALL"), "%s", out);
    cr_expect(strstr(out, "quote: Salesforce sync is a must, honestly\n"), "%s", out);
    char *decisions = strstr(out, "\nMatch decisions (3)\nDECIDED");
    cr_assert(decisions, "%s", out);
    cr_expect(strstr(decisions, "link    llm "), "%s", out);
    cr_expect(strstr(decisions, "Sync tickets with Salesforce"), "%s", out);
    cr_expect(strstr(decisions, "reasoning: Both ask to sync tickets with Salesforce.\n"), "%s",
              out);
    cr_expect(strstr(decisions, "candidates: Salesforce sync (0.61)\n"), "%s", out);

    /* --id says the same, upper case or not */
    char upper[CS_UUID_LEN];
    for (int i = 0; i < CS_UUID_LEN; i++)
        upper[i] = (char)toupper((unsigned char)salesforce[i]);
    char *again = cs_testcli_ok(cs_testcli_run("feature", "show", "--id", upper, NULL));
    cr_expect_str_eq(again, out);
    free(again);
    free(out);
}

/* Each decision shows its scores, its reasoning on one line and the runner-up, so a person
   sees why a request was linked and what another threshold would have done; the newest 50 are
   shown, and the count says how many there are. Untrusted text prints with control characters
   as '?'. */
Test(report, feature_show_prints_each_decisions_scores_and_runner_up)
{
    populate();
    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    /* 50 plain links first, then the one with scores: the newest */
    for (int i = 0; i < 50; i++) {
        char ext[16];
        snprintf(ext, sizeof ext, "bulk-%02d", i);
        json_t *rec = call(ext, "", "2025-10-11T15:00:00Z", NULL, NULL);
        request(rec, "link", csv_export, analytics, "CSV export", "low", "CSV");
        commit(db, rec);
    }
    json_t *rec = call("c6", "Acme renewal \x1b[31m", "2025-10-12T15:00:00Z", NULL, NULL);
    json_t *d =
        request(rec, "link", csv_export, analytics, "Excel export", "medium", "Excel please");
    json_object_set_new(d, "method", json_string("llm"));
    json_object_set_new(d, "confidence", json_real(0.88));
    json_object_set_new(d, "similarity", json_real(0.62));
    char reasoning[400];
    snprintf(reasoning, sizeof reasoning,
             "Both ask for a spreadsheet export.\nThe judge \x1b[2Jsaw no other %0300d", 7);
    json_object_set_new(d, "reasoning", json_string(reasoning));
    json_object_set_new(d, "scores",
                        json_pack("{s:f, s:f, s:f, s:f, s:f}", "vector", 0.62, "lexical", 0.48,
                                  "fused", 0.57, "judge", 0.9, "margin", 0.21));
    json_object_set_new(d, "candidates",
                        json_pack("[{s:s, s:s, s:f, s:f, s:f}, {s:s, s:s, s:f, s:f, s:f},"
                                  " {s:s, s:s, s:f}]",
                                  "id", csv_export, "name", "CSV export", "similarity", 0.62,
                                  "lexical", 0.48, "fused", 0.57, "id", sso, "name",
                                  "Single\tsign-on", "similarity", 0.38, "lexical", 0.1, "fused",
                                  0.36, "id", dark_mode, "name", "Dark mode", "similarity", 0.5));
    commit(db, rec);
    cs_db_destroy(&db);

    char *out = cs_testcli_ok(cs_testcli_run("feature", "show", csv_export, NULL));
    char *decisions = strstr(out, "\nMatch decisions (53, the newest 50 shown)\nDECIDED");
    cr_assert(decisions, "%s", out);
    /* the newest: its call's title (control characters as '?'), then its lines */
    char *row = strstr(decisions, "  Acme renewal ?[31m  link    llm ");
    cr_assert(row, "%s", out);
    char *line = strstr(row, "scores: vector 0.62  lexical 0.48  fused 0.57  judge 0.90"
                             "  margin 0.21\n");
    cr_expect(line, "%s", out);
    line = strstr(row, "reasoning: Both ask for a spreadsheet export. The judge ?[2Jsaw no other"
                       " 0000");
    cr_assert(line, "%s", out);
    size_t len = strcspn(line, "\n");
    cr_expect_eq(len, strlen("reasoning: ") + 200, "%.*s", (int)len, line);
    cr_expect(strncmp(line + len - 3, "...", 3) == 0, "%.*s", (int)len, line);
    /* the runner-up is the best other candidate by its fused score, not by similarity */
    cr_expect(strstr(row, "runner_up: Single?sign-on (fused 0.36, similarity 0.38)\n"), "%s", out);
    cr_expect(
        strstr(row, "candidates: CSV export (0.62), Single?sign-on (0.38), Dark mode (0.5)\n"),
        "%s", out);
    /* a decision without scores prints no scores line; its call has no title: its id */
    char *bulk = strstr(row, "  bulk-49  ");
    cr_assert(bulk, "%s", out);
    char *next = strstr(bulk + 1, "  bulk-48  ");
    cr_assert(next, "%s", out);
    *next = '\0';
    cr_expect(!strstr(bulk, "scores:"), "%s", bulk);
    cr_expect(!strstr(bulk, "runner_up:"), "%s", bulk);
    *next = ' ';
    cr_expect(!strstr(decisions, "bulk-00"), "the oldest is past the newest 50: %s", out);
    free(out);

    out = cs_testcli_ok(cs_testcli_run("feature", "show", csv_export, "--format", "json", NULL));
    json_t *doc = cs_testjson_parse(out);
    cr_expect_eq(cs_testjson_int(doc, "decisions_total"), 53);
    json_t *list = json_object_get(doc, "decisions");
    cr_assert_eq(json_array_size(list), 50, "%s", out);
    json_t *newest = json_array_get(list, 0);
    cr_expect_str_eq(cs_testjson_str(newest, "call"), "Acme renewal \x1b[31m");
    cr_expect_str_eq(cs_testjson_str(newest, "reasoning"), reasoning, "the reasoning whole");
    json_t *scores = json_object_get(newest, "scores");
    cr_expect_float_eq(cs_testjson_num(scores, "vector"), 0.62, 1e-9);
    cr_expect_float_eq(cs_testjson_num(scores, "lexical"), 0.48, 1e-9);
    cr_expect_float_eq(cs_testjson_num(scores, "fused"), 0.57, 1e-9);
    cr_expect_float_eq(cs_testjson_num(scores, "judge"), 0.9, 1e-9);
    cr_expect_float_eq(cs_testjson_num(scores, "margin"), 0.21, 1e-9);
    json_t *runner_up = json_object_get(newest, "runner_up");
    cr_expect_str_eq(cs_testjson_str(runner_up, "id"), sso);
    cr_expect_float_eq(cs_testjson_num(runner_up, "fused"), 0.36, 1e-9);
    cr_expect_float_eq(
        cs_testjson_num(json_array_get(json_object_get(newest, "candidates"), 0), "fused"), 0.57,
        1e-9);
    json_t *plain = json_array_get(list, 1);
    cr_expect_eq(json_object_size(json_object_get(plain, "scores")), 0, "%s", out);
    cr_expect(json_is_null(json_object_get(plain, "runner_up")), "%s", out);
    cr_expect_str_eq(cs_testjson_str(plain, "call"), "bulk-49");
    json_decref(doc);
    free(out);
}

Test(report, feature_show_errors)
{
    populate();
    char unknown[CS_UUID_LEN], want[128];
    cs_uuid_v4(unknown);
    snprintf(want, sizeof want, "callsift: no feature with id %s\n", unknown);
    cs_testrun_t run = cs_testcli_run("feature", "show", unknown, NULL);
    cr_expect_eq(run.status, 1);
    cr_expect_str_eq(run.err, want);
    cr_expect_str_empty(run.out);
    cs_testrun_free(&run);
    cs_testcli_expect_failure(cs_testcli_run("feature", "show", "nope", NULL), 1,
                              "'nope' is not a feature id");
    cs_testcli_expect_failure(
        cs_testcli_run("feature", "show", salesforce, "--format", "csv", NULL), 1,
        "--format: expected 'table' or 'json'");
}

/* ---- calls -------------------------------------------------------------------------------- */

Test(report, calls_lists_newest_first_with_feature_counts)
{
    populate();
    char *out =
        cs_testcli_ok(cs_testcli_run("calls", "--workspace-id", ws, "--format", "json", NULL));
    json_t *doc = cs_testjson_parse(out);
    cr_assert_eq(json_array_size(doc), 5, "%s", out);
    const char *titles[] = {"Umbrella call", "Hooli discovery", "Initech demo", "Globex QBR",
                            "Globex kickoff"};
    const long long features[] = {0, 2, 2, 2, 3};
    for (size_t i = 0; i < 5; i++) {
        json_t *row = json_array_get(doc, i);
        cr_expect_str_eq(cs_testjson_str(row, "title"), titles[i], "row %zu", i);
        cr_expect_eq(cs_testjson_int(row, "features"), features[i], "row %zu", i);
        cr_expect_eq(json_is_true(json_object_get(row, "processed")), i > 0, "row %zu", i);
    }
    json_t *failed = json_array_get(doc, 0);
    cr_expect_str_eq(cs_testjson_str(failed, "date"), "2025-10-20");
    cr_expect_str_eq(cs_testjson_str(failed, "customer"), "Umbrella");
    cr_expect_str_eq(cs_testjson_str(failed, "call_id"), "c5");
    cr_expect_str_eq(cs_testjson_str(failed, "error"), "LLM answer invalid after 3 attempts");
    cr_expect(json_is_null(json_object_get(json_array_get(doc, 1), "error")), "%s", out);
    json_decref(doc);
    free(out);

    out = cs_testcli_ok(cs_testcli_run("calls", "--workspace-id", ws, "--format", "csv", NULL));
    cr_expect(starts_with(out, "date,title,customer,processed,features,call_id,error,note\r\n"),
              "%s", out);
    cr_expect_eq(csv_records(out), 6, "%s", out);
    cr_expect(strstr(out, "\r\n2025-10-15,Hooli discovery,Hooli,true,2,c4,,\r\n"), "%s", out);
    free(out);
}

Test(report, calls_unprocessed_shows_only_the_failed_call_and_its_error)
{
    populate();
    char *out = cs_testcli_ok(cs_testcli_run("calls", "--workspace-id", ws, "--unprocessed", NULL));
    cr_expect(
        starts_with(out, "DATE        TITLE          CUSTOMER  PROCESSED  FEATURES  CALL_ID\n"),
        "%s", out);
    cr_expect(strstr(out, "\n2025-10-20  Umbrella call  Umbrella  no                0  c5\n"
                          "              error: LLM answer invalid after 3 attempts\n"),
              "%s", out);
    cr_expect(!strstr(out, "Globex") && !strstr(out, "Hooli"), "%s", out);
    free(out);

    out = cs_testcli_ok(
        cs_testcli_run("calls", "--workspace-id", ws, "--unprocessed", "--format", "json", NULL));
    json_t *doc = cs_testjson_parse(out);
    cr_assert_eq(json_array_size(doc), 1, "%s", out);
    cr_expect_str_eq(cs_testjson_str(json_array_get(doc, 0), "error"),
                     "LLM answer invalid after 3 attempts");
    json_decref(doc);
    free(out);
}

/* A call stored without extraction shows why, as its note. */
Test(report, calls_show_the_note_of_a_call_not_extracted)
{
    populate();
    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    json_t *rec = call("c7", "Weekly sales review", "2025-10-22T09:00:00Z", NULL, NULL);
    json_object_set_new(json_object_get(rec, "insights"), "skipped",
                        json_string("internal meeting: no customer spoke"));
    commit(db, rec);
    cs_db_destroy(&db);
    char *out =
        cs_testcli_ok(cs_testcli_run("calls", "--workspace-id", ws, "--format", "json", NULL));
    json_t *doc = cs_testjson_parse(out);
    cr_assert_eq(json_array_size(doc), 6, "%s", out);
    json_t *internal = json_array_get(doc, 0);
    cr_expect_str_eq(cs_testjson_str(internal, "title"), "Weekly sales review");
    cr_expect_str_eq(cs_testjson_str(internal, "note"), "internal meeting: no customer spoke");
    cr_expect(json_is_true(json_object_get(internal, "processed")), "%s", out);
    cr_expect(json_is_null(json_object_get(json_array_get(doc, 1), "note")), "%s", out);
    json_decref(doc);
    free(out);

    out = cs_testcli_ok(cs_testcli_run("calls", "--workspace-id", ws, NULL));
    cr_expect(strstr(out, "Weekly sales review") &&
                  strstr(out, "note: internal meeting: no customer spoke\n"),
              "%s", out);
    free(out);
}

/* ---- confidence --------------------------------------------------------------------------- */

/* populate(), then a call whose requests the extractor was unsure of: a link to Dark mode at
   0.3, a new "Pricing page" at 0.2 (its only mention), and a link to CSV export at exactly 0.7
   with the quote "CSV with our own columns". */
static void populate_unsure(void)
{
    populate();
    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    json_t *rec = call("c6", "Hooli follow-up", "2025-10-18T15:00:00Z", "Hooli", "hooli.com");
    json_object_set_new(request(rec, "link", dark_mode, NULL, "Dark mode", "low", "Maybe dark"),
                        "request_confidence", json_real(0.3));
    json_object_set_new(
        request(rec, "create", NULL, NULL, "Pricing page", "low", "What does it cost?"),
        "request_confidence", json_real(0.2));
    json_object_set_new(request(rec, "link", csv_export, analytics, "CSV export", "medium",
                                "CSV with our own columns"),
                        "request_confidence", json_real(0.7));
    commit(db, rec);
    cs_db_destroy(&db);
}

/* The feature named `name` in a JSON report's rows, or NULL. */
static json_t *row_named(json_t *rows, const char *name)
{
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (strcmp(cs_testjson_str(row, "feature"), name) == 0)
            return row;
    }
    return NULL;
}

Test(report, mentions_below_the_threshold_wait_for_review)
{
    populate_unsure();
    /* the default, 0.5: Pricing page (its only mention is 0.2) is left out, Dark mode keeps its
       two sure mentions, CSV export gains its 0.7 one; mentions of unknown confidence count */
    char *out = cs_testcli_ok(
        cs_testcli_run("report", "--workspace-id", ws, "--format", "json", "--json-object", NULL));
    json_t *doc = cs_testjson_parse(out);
    cr_assert(json_is_object(doc), "%s", out);
    cr_expect_float_eq(cs_testjson_num(doc, "min_confidence"), 0.5, 1e-9);
    json_t *below = json_object_get(doc, "below_threshold");
    cr_expect_eq(cs_testjson_int(below, "mentions"), 2, "%s", out);
    cr_expect_eq(cs_testjson_int(below, "features"), 2, "%s", out);
    json_t *rows = json_object_get(doc, "features");
    cr_assert_eq(json_array_size(rows), 4, "%s", out);
    cr_expect_null(row_named(rows, "Pricing page"), "%s", out);
    json_t *csv = row_named(rows, "CSV export");
    cr_assert(csv, "%s", out);
    cr_expect_eq(cs_testjson_int(csv, "mentions"), 3);
    cr_expect_str_eq(cs_testjson_str(csv, "last_mentioned"), "2025-10-18");
    json_t *q = json_array_get(json_object_get(csv, "quotes"), 0);
    cr_expect_str_eq(cs_testjson_str(q, "quote"), "CSV with our own columns");
    cr_expect_float_eq(cs_testjson_num(q, "confidence"), 0.7, 1e-9);
    json_t *dark = row_named(rows, "Dark mode");
    cr_assert(dark, "%s", out);
    cr_expect_eq(cs_testjson_int(dark, "mentions"), 2);
    cr_expect_eq(cs_testjson_int(dark, "customers"), 1, "Hooli's unsure mention does not count");
    cr_expect_float_eq(cs_testjson_num(dark, "mrr"), 5000.0, 1e-9);
    cr_expect_str_eq(cs_testjson_str(dark, "last_mentioned"), "2025-10-05");
    cr_expect(json_is_null(json_object_get(json_array_get(json_object_get(dark, "quotes"), 0),
                                           "confidence")),
              "a mention of unknown confidence: %s", out);
    json_decref(doc);
    free(out);

    /* the plain json stays an array */
    out = cs_testcli_ok(cs_testcli_run("report", "--workspace-id", ws, "--format", "json", NULL));
    doc = cs_testjson_parse(out);
    cr_expect(json_is_array(doc) && json_array_size(doc) == 4, "%s", out);
    json_decref(doc);
    free(out);

    /* table and markdown say how many wait */
    out = cs_testcli_ok(cs_testcli_run("report", "--workspace-id", ws, NULL));
    cr_expect(starts_with(out, "4 features from 5 calls"), "%s", out);
    cr_expect(!strstr(out, "Pricing page"), "%s", out);
    const char *footer = "\n2 mentions below confidence 0.50, in 2 features, wait for review\n";
    cr_expect(strlen(out) > strlen(footer) &&
                  strcmp(out + strlen(out) - strlen(footer), footer) == 0,
              "%s", out);
    free(out);
    out =
        cs_testcli_ok(cs_testcli_run("report", "--workspace-id", ws, "--format", "markdown", NULL));
    cr_expect(strstr(out, " |\n\n2 mentions below confidence 0.50, in 2 features, wait for "
                          "review\n"),
              "%s", out);
    free(out);

    /* 0 shows everything */
    out = cs_testcli_ok(cs_testcli_run("report", "--workspace-id", ws, "--min-confidence", "0",
                                       "--format", "json", "--json-object", NULL));
    doc = cs_testjson_parse(out);
    rows = json_object_get(doc, "features");
    cr_expect_eq(json_array_size(rows), 5, "%s", out);
    cr_expect(row_named(rows, "Pricing page"), "%s", out);
    cr_expect_eq(cs_testjson_int(row_named(rows, "Dark mode"), "mentions"), 3, "%s", out);
    cr_expect_eq(cs_testjson_int(json_object_get(doc, "below_threshold"), "mentions"), 0, "%s",
                 out);
    json_decref(doc);
    free(out);
    out = cs_testcli_ok(
        cs_testcli_run("report", "--workspace-id", ws, "--min-confidence", "0", NULL));
    cr_expect(strstr(out, "\nNo mention below confidence 0.00 waits for review\n"), "%s", out);
    free(out);

    /* the threshold itself counts (0.7 stored, 0.7 asked); the environment sets it */
    char *env_at[] = {(char *)cs_testcli_env_db(), "CALLSIFT_MIN_CONFIDENCE=0.7", NULL};
    out = cs_testcli_ok(cs_testcli_run_env(env_at, "report", "--workspace-id", ws, NULL));
    cr_expect(strstr(out, "\n2 mentions below confidence 0.70, in 2 features"), "%s", out);
    free(out);
    char *env_above[] = {(char *)cs_testcli_env_db(), "CALLSIFT_MIN_CONFIDENCE=0.75", NULL};
    out = cs_testcli_ok(cs_testcli_run_env(env_above, "report", "--workspace-id", ws, NULL));
    cr_expect(strstr(out, "\n3 mentions below confidence 0.75, in 3 features"), "%s", out);
    free(out);
}

Test(report, a_bad_threshold_is_a_usage_error)
{
    populate();
    cs_testcli_expect_failure(
        cs_testcli_run("report", "--workspace-id", ws, "--min-confidence", "1.5", NULL), 2,
        "--min-confidence: expected a number from 0 to 1, got '1.5'");
    cs_testcli_expect_failure(
        cs_testcli_run("report", "--workspace-id", ws, "--min-confidence", "high", NULL), 2,
        "--min-confidence");
    cs_testcli_expect_failure(
        cs_testcli_run("report", "--workspace-id", ws, "--min-confidence", "-0.1", NULL), 2,
        "--min-confidence");
    char *env[] = {(char *)cs_testcli_env_db(), "CALLSIFT_MIN_CONFIDENCE=lots", NULL};
    cs_testcli_expect_failure(cs_testcli_run_env(env, "report", "--workspace-id", ws, NULL), 2,
                              "CALLSIFT_MIN_CONFIDENCE");
    cs_testcli_expect_failure(cs_testcli_run("report", "--workspace-id", ws, "--json-object", NULL),
                              1, "--json-object goes with --format json");
}

/* feature show lists each mention with its confidence (empty when not known). */
Test(report, feature_show_lists_each_mentions_confidence)
{
    populate_unsure();
    char *out =
        cs_testcli_ok(cs_testcli_run("feature", "show", dark_mode, "--format", "json", NULL));
    json_t *doc = cs_testjson_parse(out);
    json_t *calls = json_object_get(doc, "calls");
    cr_assert_eq(json_array_size(calls), 3, "%s", out);
    cr_expect_str_eq(cs_testjson_str(json_array_get(calls, 0), "call"), "Hooli follow-up");
    cr_expect_float_eq(cs_testjson_num(json_array_get(calls, 0), "confidence"), 0.3, 1e-9);
    cr_expect(json_is_null(json_object_get(json_array_get(calls, 1), "confidence")), "%s", out);
    json_decref(doc);
    free(out);
    out = cs_testcli_ok(cs_testcli_run("feature", "show", dark_mode, NULL));
    cr_expect(strstr(out, "CONFIDENCE") && strstr(out, "0.3"), "%s", out);
    free(out);
}

/* ---- the other list commands get markdown too --------------------------------------------- */

Test(report, customer_list_as_markdown)
{
    populate();
    char *out = cs_testcli_ok(
        cs_testcli_run("customer", "list", "--workspace-id", ws, "--format", "markdown", NULL));
    cr_expect(starts_with(out, "| id | name | domain | mrr | calls |\n"
                               "| --- | --- | --- | ---: | ---: |\n"),
              "%s", out);
    cr_expect(strstr(out, " | Globex | globex.com | 5000.00 | 2 |\n"), "%s", out);
    free(out);

    /* a backslash is escaped too, so that it can't escape the '|' that closes its cell */
    free(cs_testcli_ok_value(
        cs_testcli_run("customer", "add", "--workspace-id", ws, "--name", "Pipe | Slash\\", NULL)));
    out = cs_testcli_ok(
        cs_testcli_run("customer", "list", "--workspace-id", ws, "--format", "markdown", NULL));
    cr_expect(strstr(out, " | Pipe \\| Slash\\\\ |  | 0.00 | 0 |\n"), "%s", out);
    free(out);
}

/* ---- usage -------------------------------------------------------------------------------- */

Test(report_usage, feature_show_wants_its_id_once)
{
    char *env[] = {"DATABASE_URL=postgresql://127.0.0.1:1/x", NULL};
    cs_testcli_expect_failure(cs_testcli_run_env(env, "feature", "show", NULL), 2,
                              "ID is required");
    cs_testcli_expect_failure(cs_testcli_run_env(env, "feature", "show", "a", "--id", "b", NULL), 2,
                              "ID given twice");
    cs_testcli_expect_failure(cs_testcli_run_env(env, "feature", "show", "a", "b", NULL), 2,
                              "unexpected argument 'b'");
    cs_testcli_expect_failure(cs_testcli_run_env(env, "feature", NULL), 2,
                              "'feature' needs a command: show");
    cs_testcli_expect_failure(cs_testcli_run_env(env, "report", "extra", NULL), 2,
                              "unexpected argument 'extra'");
    cs_testcli_expect_failure(cs_testcli_run_env(env, "report", NULL), 2,
                              "--workspace-id is required");
}

Test(report_usage, help_shows_the_new_commands)
{
    char *env[] = {"DATABASE_URL=postgresql://u:s3cretpw@127.0.0.1:1/x", NULL};
    cs_testrun_t run = cs_testcli_run_env(env, "--help", NULL);
    cr_expect_eq(run.status, 0);
    cr_expect(strstr(run.out, "  report ") && strstr(run.out, "  feature show ") &&
                  strstr(run.out, "  calls "),
              "%s", run.out);
    cs_testrun_free(&run);

    run = cs_testcli_run_env(env, "report", "--help", NULL);
    cr_expect_eq(run.status, 0);
    const char *flags[] = {"--workspace-id", "--format", "markdown", "--theme",
                           "--since",        "--top",    "--status"};
    for (size_t i = 0; i < CS_ARRAY_LEN(flags); i++)
        cr_expect(strstr(run.out, flags[i]), "no %s in:\n%s", flags[i], run.out);
    cs_testrun_free(&run);

    run = cs_testcli_run_env(env, "feature", "show", "--help", NULL);
    cr_expect_eq(run.status, 0);
    cr_expect(strstr(run.out, "Usage: callsift feature show ID [OPTIONS]"), "%s", run.out);
    cr_expect(strstr(run.out, "--id") && !strstr(run.out, "s3cretpw"), "%s", run.out);
    cs_testrun_free(&run);

    run = cs_testcli_run_env(env, "calls", "--help", NULL);
    cr_expect_eq(run.status, 0);
    cr_expect(strstr(run.out, "--unprocessed") && strstr(run.out, "--workspace-id"), "%s", run.out);
    cs_testrun_free(&run);
}
