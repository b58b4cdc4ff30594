/* The workspace's time zone, through the real `callsift` and `callsift serve` against a fresh
   database: set with `workspace create --time-zone` and `workspace set`, checked against
   PostgreSQL's zone database, and used for the days the report, `calls`, `feature show` and
   the console show and for the dates people type (--since, the console's from and to).

   The calls, in a workspace first in UTC and then in Asia/Kolkata (UTC+05:30):

     Early call  2026-01-01T10:00:00Z  = 2026-01-01 15:30 in Kolkata  ["Sync please"]
     Late call   2026-01-01T20:00:00Z  = 2026-01-02 01:30 in Kolkata  ["Need sync tonight"]

   both mentioning Salesforce sync: in UTC both are on 2026-01-01; in Kolkata the late one is on
   2026-01-02. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "cs_testcli.h"
#include "cs_testdb.h"
#include "cs_testhttp.h"
#include "cs_testproc.h"
#include "cs_util.h"

#define TOKEN   "time-zone-test-token-0123456789"
#define WS      "10000000-0000-4000-8000-0000000000a1"
#define FEATURE "50000000-0000-4000-8000-0000000000f1"

static const char s_seed[] =
    "INSERT INTO workspaces (id, name) VALUES ('" WS "', 'Kolkata sales');"
    "INSERT INTO customers (id, workspace_id, name, domain, mrr) VALUES"
    " ('30000000-0000-4000-8000-0000000000c1', '" WS "', 'Acme', 'acme.example', 100);"
    "INSERT INTO messages (id, workspace_id, customer_id, source, external_id, sent_at,"
    " is_processed, message_metadata) VALUES"
    " ('40000000-0000-4000-8000-000000000001', '" WS "', '30000000-0000-4000-8000-0000000000c1',"
    "  'gong', 'early', '2026-01-01T10:00:00Z', true, '{\"title\": \"Early call\"}'),"
    " ('40000000-0000-4000-8000-000000000002', '" WS "', '30000000-0000-4000-8000-0000000000c1',"
    "  'gong', 'late', '2026-01-01T20:00:00Z', true, '{\"title\": \"Late call\"}');"
    "INSERT INTO features (id, workspace_id, name, status, mention_count, first_mentioned,"
    " last_mentioned) VALUES ('" FEATURE "', '" WS "', 'Salesforce sync', 'new', 2,"
    " '2026-01-01T10:00:00Z', '2026-01-01T20:00:00Z');"
    "INSERT INTO feature_messages (feature_id, message_id, quote, confidence) VALUES"
    " ('" FEATURE "', '40000000-0000-4000-8000-000000000001', 'Sync please', 0.9),"
    " ('" FEATURE "', '40000000-0000-4000-8000-000000000002', 'Need sync tonight', 0.9);";

static void s_seed_db(void)
{
    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    char err[512];
    cr_assert_eq(cs_db_script(db, s_seed, err, sizeof err), 0, "seed: %s", err);
    cs_db_destroy(&db);
}

static void s_setup(void)
{
    cs_testcli_setup_migrated();
    s_seed_db();
}

TestSuite(time_zone, .init = s_setup, .fini = cs_testcli_teardown, .timeout = 120);

static json_t *s_json(const char *text)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    cr_assert(doc, "not JSON (%s): %s", jerr.text, text);
    return doc;
}

static void s_set_kolkata(void)
{
    char *out =
        cs_testcli_ok(cs_testcli_run("workspace", "set", WS, "--time-zone", "Asia/Kolkata", NULL));
    cr_expect_str_eq(out, "Kolkata sales: time zone Asia/Kolkata\n");
    free(out);
}

/* The report's only feature as JSON (its first_mentioned, last_mentioned, quotes), or NULL
   when the report has none; extra arguments are appended (NULL-terminated, at most 2). */
static json_t *s_report_row(const char *a1, const char *a2)
{
    char *out = cs_testcli_ok(cs_testcli_run("report", "--workspace-id", WS, "--format", "json",
                                             a1 ? a1 : NULL, a2, NULL));
    json_t *doc = s_json(out);
    free(out);
    cr_assert(json_array_size(doc) <= 1, "one feature at most");
    json_t *row = json_incref(json_array_get(doc, 0));
    json_decref(doc);
    return row;
}

static const char *s_str(const json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v ? v : "(not a string)";
}

Test(time_zone, workspace_create_set_and_list_take_an_iana_name)
{
    /* any case; stored as PostgreSQL's zone database spells it */
    char *id = cs_testcli_ok_value(cs_testcli_run("workspace", "create", "--name", "Mumbai",
                                                  "--time-zone", "asia/kolkata", NULL));
    char *zone = cs_testcli_query("SELECT time_zone FROM workspaces WHERE id = $1", id, NULL);
    cr_expect_str_eq(zone, "Asia/Kolkata");
    free(zone);
    zone = cs_testcli_query("SELECT time_zone FROM workspaces WHERE id = $1", WS, NULL);
    cr_expect_str_eq(zone, "UTC", "UTC unless told");
    free(zone);

    char *out = cs_testcli_ok(cs_testcli_run("workspace", "list", "--format", "json", NULL));
    json_t *doc = s_json(out);
    cr_assert_eq(json_array_size(doc), 2, "%s", out);
    cr_expect_str_eq(s_str(json_array_get(doc, 0), "time_zone"), "UTC");
    cr_expect_str_eq(s_str(json_array_get(doc, 1), "time_zone"), "Asia/Kolkata");
    json_decref(doc);
    free(out);

    out = cs_testcli_ok(cs_testcli_run("workspace", "set", "--workspace-id", id, "--time-zone",
                                       "Europe/Berlin", NULL));
    cr_expect_str_eq(out, "Mumbai: time zone Europe/Berlin\n");
    free(out);
    out = cs_testcli_ok(cs_testcli_run("workspace", "list", NULL));
    cr_expect(strstr(out, "TIME_ZONE") && strstr(out, "Europe/Berlin"), "%s", out);
    free(out);
    free(id);
}

Test(time_zone, an_unknown_zone_is_refused_and_nothing_changes)
{
    cs_testcli_expect_failure(cs_testcli_run("workspace", "create", "--name", "Typo", "--time-zone",
                                             "Asia/Kolkatta", NULL),
                              1,
                              "unknown time zone 'Asia/Kolkatta': use an IANA name such as "
                              "Asia/Kolkata");
    cr_expect_eq(
        cs_testcli_query_ll("SELECT count(*) FROM workspaces WHERE name = 'Typo'", NULL, NULL), 0);
    s_set_kolkata();
    /* an abbreviation or a POSIX rule is no IANA name, though AT TIME ZONE would take it */
    const char *wrong[] = {"Asia/Kolkatta", "IST", "UTC+5", "+05:30", ""};
    for (size_t i = 0; i < CS_ARRAY_LEN(wrong); i++) {
        cs_testrun_t run = cs_testcli_run("workspace", "set", WS, "--time-zone", wrong[i], NULL);
        cr_expect_eq(run.status, 1, "%s: exit %d", wrong[i], run.status);
        cr_expect(strstr(run.err, wrong[i][0] ? "unknown time zone" : "--time-zone"), "%s: %s",
                  wrong[i], run.err);
        cs_testrun_free(&run);
    }
    char *zone = cs_testcli_query("SELECT time_zone FROM workspaces WHERE id = $1", WS, NULL);
    cr_expect_str_eq(zone, "Asia/Kolkata", "unchanged");
    free(zone);

    cs_testcli_expect_failure(cs_testcli_run("workspace", "set", WS, NULL), 1,
                              "nothing to set: give --time-zone");
    cs_testcli_expect_failure(cs_testcli_run("workspace", "set",
                                             "10000000-0000-4000-8000-0000000000ff", "--time-zone",
                                             "UTC", NULL),
                              1, "no workspace with id 10000000-0000-4000-8000-0000000000ff");
}

Test(time_zone, the_report_shows_days_in_the_workspaces_zone)
{
    json_t *row = s_report_row(NULL, NULL);
    cr_assert_not_null(row);
    cr_expect_str_eq(s_str(row, "first_mentioned"), "2026-01-01");
    cr_expect_str_eq(s_str(row, "last_mentioned"), "2026-01-01", "UTC: the same day");
    json_decref(row);
    char *out = cs_testcli_ok(cs_testcli_run("report", "--workspace-id", WS, NULL));
    cr_expect(!strstr(out, "dates in"), "UTC, as before: %s", out);
    free(out);

    s_set_kolkata();
    row = s_report_row(NULL, NULL);
    cr_assert_not_null(row);
    cr_expect_str_eq(s_str(row, "first_mentioned"), "2026-01-01");
    cr_expect_str_eq(s_str(row, "last_mentioned"), "2026-01-02", "20:00 UTC is 01:30 next day");
    json_t *quote = json_array_get(json_object_get(row, "quotes"), 0);
    cr_expect_str_eq(s_str(quote, "quote"), "Need sync tonight");
    cr_expect_str_eq(s_str(quote, "date"), "2026-01-02");
    json_decref(row);

    out = cs_testcli_ok(cs_testcli_run("report", "--workspace-id", WS, NULL));
    cr_expect(strstr(out, "1 feature from 2 calls (1 customer, $100.00 MRR); dates in "
                          "Asia/Kolkata\n"),
              "%s", out);
    cr_expect(strstr(out, "\"Need sync tonight\" (Late call, 2026-01-02)"), "%s", out);
    free(out);
}

Test(time_zone, since_is_read_in_the_workspaces_zone)
{
    /* in UTC, 2026-01-02 begins after both calls */
    cr_expect_null(s_report_row("--since", "2026-01-02"));
    s_set_kolkata();
    /* in Kolkata it begins at 2026-01-01T18:30:00Z: the late call only */
    json_t *row = s_report_row("--since", "2026-01-02");
    cr_assert_not_null(row, "the late call is on 2026-01-02 in Kolkata");
    cr_expect_eq(json_integer_value(json_object_get(row, "mentions")), 1);
    cr_expect_str_eq(s_str(row, "first_mentioned"), "2026-01-02");
    json_decref(row);
    char *out = cs_testcli_ok(
        cs_testcli_run("report", "--workspace-id", WS, "--since", "2026-01-02", NULL));
    cr_expect(strstr(out, "1 feature from 1 call (1 customer, $100.00 MRR); since 2026-01-02; "
                          "dates in Asia/Kolkata\n"),
              "%s", out);
    free(out);
}

Test(time_zone, calls_and_feature_show_use_the_zone)
{
    s_set_kolkata();
    char *out =
        cs_testcli_ok(cs_testcli_run("calls", "--workspace-id", WS, "--format", "csv", NULL));
    cr_expect(strstr(out, "\r\n2026-01-02,Late call,Acme,"), "%s", out);
    cr_expect(strstr(out, "\r\n2026-01-01,Early call,Acme,"), "%s", out);
    free(out);

    out = cs_testcli_ok(cs_testcli_run("feature", "show", FEATURE, "--format", "json", NULL));
    json_t *doc = s_json(out);
    json_t *feature = json_object_get(doc, "feature");
    cr_expect_str_eq(s_str(feature, "first_mentioned"), "2026-01-01");
    cr_expect_str_eq(s_str(feature, "last_mentioned"), "2026-01-02");
    json_t *calls = json_object_get(doc, "calls");
    cr_assert_eq(json_array_size(calls), 2, "%s", out);
    cr_expect_str_eq(s_str(json_array_get(calls, 0), "call"), "Late call");
    cr_expect_str_eq(s_str(json_array_get(calls, 0), "date"), "2026-01-02");
    cr_expect_str_eq(s_str(json_array_get(calls, 1), "date"), "2026-01-01");
    json_decref(doc);
    free(out);
}

/* ---- the console -------------------------------------------------------------------------- */

static cs_testproc_t s_serve;
static int s_port;

static void s_console_setup(void)
{
    s_setup();
    s_set_kolkata();
    s_port = cs_testhttp_free_port();
    static char listen[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", s_port);
    char *argv[] = {(char *)cs_testproc_bin("callsift"), "serve", "--listen", listen, NULL};
    char *env[] = {(char *)cs_testcli_env_db(), "CALLSIFT_UI_TOKEN=" TOKEN, NULL};
    cs_testproc_start(&s_serve, argv, env);
    cr_assert(cs_testproc_wait_log(&s_serve, "Console listening on", 20000),
              "the console did not start");
}

static void s_console_teardown(void)
{
    if (cs_testproc_alive(&s_serve))
        cs_testproc_kill(&s_serve);
    cs_testcli_teardown();
}

TestSuite(time_zone_console, .init = s_console_setup, .fini = s_console_teardown, .timeout = 60);

/* GET path with the bearer token: the body (caller frees), asserting a 200. */
static char *s_get(const char *path)
{
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s_port, path);
    long status = 0;
    char *text = cs_testhttp_get_bearer(url, TOKEN, &status);
    cr_assert_eq(status, 200, "GET %s answered %ld: %.400s", path, status, text);
    return text;
}

/* Stop the console: it exits 0 (a sanitizer's report, a leak included, makes it fail). */
static void s_stop(void)
{
    int status = cs_testproc_stop(&s_serve, 10000);
    char *log = cs_testproc_log(&s_serve);
    cr_expect_eq(status, 0, "the console did not stop cleanly: %.1500s", log);
    free(log);
}

Test(time_zone_console, pages_show_days_in_the_zone_and_read_from_and_to_in_it)
{
    char *page = s_get("/calls?ws=" WS "&format=csv");
    cr_expect(strstr(page, "\r\n2026-01-02,Late call,Acme,"), "%s", page);
    cr_expect(strstr(page, "\r\n2026-01-01,Early call,Acme,"), "%s", page);
    free(page);
    page = s_get("/calls?ws=" WS);
    cr_expect(strstr(page, "dates in Asia/Kolkata"), "the footer says the zone: %s", page);
    free(page);

    page = s_get("/features/" FEATURE "?ws=" WS);
    cr_expect(strstr(page, "2026-01-02 01:30"), "the late call's time in Kolkata: %s", page);
    cr_expect(strstr(page, "2026-01-01 15:30"), "the early call's: %s", page);
    free(page);

    /* from=2026-01-02 begins at 18:30 UTC the day before: the late call counts */
    page = s_get("/features?ws=" WS "&from=2026-01-02&format=csv");
    cr_expect(strstr(page, "Salesforce sync,"), "%s", page);
    cr_expect(strstr(page, ",2026-01-02,"), "last mentioned in Kolkata: %s", page);
    free(page);
    page = s_get("/features?ws=" WS "&from=2026-01-03");
    cr_expect(strstr(page, "id=\"no-features\""), "nothing on 2026-01-03: %.2000s", page);
    free(page);
    /* to=2026-01-01 ends at 18:30 UTC: the early call only */
    page = s_get("/features?ws=" WS "&to=2026-01-01&format=csv");
    cr_expect(strstr(page, "Salesforce sync,") && strstr(page, ",2026-01-01,"), "%s", page);
    free(page);
    s_stop();
}
