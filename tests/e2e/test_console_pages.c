/* The console's Trends, Themes, Customers and Calls pages over HTTP: `callsift serve` against a
   database whose rows are known, read with a bearer token. What counts is what the report
   counts: live features (not rejected, not merged away), mentions at or above the confidence
   threshold, each customer's MRR once. Hostile names and titles arrive as text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_testcli.h"
#include "cs_testhttp.h"
#include "cs_testproc.h"
#include "cs_util.h"

#define TOKEN "pages-test-token-0123456789"
#define WS    "10000000-0000-4000-8000-000000000001"

/* The latest call is at 2025-06-30 12:00 UTC: the last 4 weeks go back to 06-02 12:00, the 8
   before to 04-07 12:00 (so the call of 06-02 18:00 is in the last 4, as on the Features page).
   Salesforce sync rises (3 against 0), CSV export falls (1 against 4), the hostile feature rises by
   one (its 0.3 mention does not count), the rejected and the merged features never show. */
static const char s_seed[] =
    "INSERT INTO workspaces (id, name) VALUES ('" WS "', 'Pages test');"
    "INSERT INTO themes (id, workspace_id, name) VALUES"
    " ('20000000-0000-4000-8000-0000000000a1', '" WS "', 'Integrations'),"
    " ('20000000-0000-4000-8000-0000000000b1', '" WS "', '<script>alert(\"theme\")</script>');"
    "INSERT INTO customers (id, workspace_id, name, domain, mrr) VALUES"
    " ('30000000-0000-4000-8000-0000000000ca', '" WS "', 'Acme', 'acme.example', 100),"
    " ('30000000-0000-4000-8000-0000000000cb', '" WS "', '\"><img src=x onerror=alert(1)>',"
    "  'evil.example', 50),"
    " ('30000000-0000-4000-8000-0000000000cc', '" WS "', 'Idle Co', NULL, 10);"
    "INSERT INTO messages (id, workspace_id, customer_id, source, external_id, sent_at,"
    " is_processed, error, message_metadata) VALUES"
    " ('40000000-0000-4000-8000-000000000001', '" WS "', '30000000-0000-4000-8000-0000000000ca',"
    "  'gong', 'c1', '2025-06-30T12:00:00Z', true, NULL,"
    "  '{\"title\": \"Kickoff <script>alert(\\\"call\\\")</script>\","
    "    \"url\": \"javascript:alert(1)\"}'),"
    " ('40000000-0000-4000-8000-000000000002', '" WS "', '30000000-0000-4000-8000-0000000000cb',"
    "  'gong', 'c2', '2025-06-20T12:00:00Z', true, NULL, '{\"title\": \"Second\","
    "   \"url\": \"https://app.gong.io/call?id=2\"}'),"
    " ('40000000-0000-4000-8000-000000000003', '" WS "', '30000000-0000-4000-8000-0000000000ca',"
    "  'gong', 'c3', '2025-06-10T12:00:00Z', true, NULL, '{\"title\": \"Third\"}'),"
    " ('40000000-0000-4000-8000-000000000004', '" WS "', '30000000-0000-4000-8000-0000000000ca',"
    "  'gong', 'c4', '2025-05-20T12:00:00Z', true, NULL, '{\"title\": \"Fourth\"}'),"
    " ('40000000-0000-4000-8000-000000000005', '" WS "', '30000000-0000-4000-8000-0000000000cb',"
    "  'gong', 'c5', '2025-05-15T12:00:00Z', true, NULL, '{\"title\": \"Fifth\"}'),"
    " ('40000000-0000-4000-8000-000000000006', '" WS "', '30000000-0000-4000-8000-0000000000ca',"
    "  'gong', 'c6', '2025-05-10T12:00:00Z', true, NULL, '{\"title\": \"Sixth\"}'),"
    " ('40000000-0000-4000-8000-000000000007', '" WS "', '30000000-0000-4000-8000-0000000000cb',"
    "  'gong', 'c7', '2025-05-05T12:00:00Z', true, NULL, '{\"title\": \"Seventh\"}'),"
    " ('40000000-0000-4000-8000-000000000008', '" WS "', NULL, 'gong', 'c8',"
    "  '2025-06-25T12:00:00Z', false, 'extractor: \"<b>boom</b>\" & more', '{}'),"
    " ('40000000-0000-4000-8000-000000000009', '" WS "', NULL, 'gong', 'c9',"
    "  '2025-06-02T18:00:00Z', true, NULL, '{\"title\": \"Ninth\"}');"
    "INSERT INTO features (id, workspace_id, theme_id, name, status) VALUES"
    " ('50000000-0000-4000-8000-00000000000a', '" WS "', '20000000-0000-4000-8000-0000000000a1',"
    "  'Salesforce sync', 'new'),"
    " ('50000000-0000-4000-8000-00000000000b', '" WS "', '20000000-0000-4000-8000-0000000000a1',"
    "  'CSV export', 'planned'),"
    " ('50000000-0000-4000-8000-00000000000c', '" WS "', '20000000-0000-4000-8000-0000000000b1',"
    "  '<img src=x onerror=alert(2)> dark mode', 'new'),"
    " ('50000000-0000-4000-8000-00000000000d', '" WS "', '20000000-0000-4000-8000-0000000000a1',"
    "  'Rejected thing', 'rejected');"
    "INSERT INTO features (id, workspace_id, theme_id, name, merged_into) VALUES"
    " ('50000000-0000-4000-8000-00000000000e', '" WS "', '20000000-0000-4000-8000-0000000000a1',"
    "  'Merged away', '50000000-0000-4000-8000-00000000000a');"
    "INSERT INTO feature_messages (feature_id, message_id, confidence) VALUES"
    " ('50000000-0000-4000-8000-00000000000a', '40000000-0000-4000-8000-000000000001', NULL),"
    " ('50000000-0000-4000-8000-00000000000a', '40000000-0000-4000-8000-000000000002', 0.9),"
    " ('50000000-0000-4000-8000-00000000000a', '40000000-0000-4000-8000-000000000003', 0.5),"
    " ('50000000-0000-4000-8000-00000000000a', '40000000-0000-4000-8000-000000000009', NULL),"
    " ('50000000-0000-4000-8000-00000000000b', '40000000-0000-4000-8000-000000000001', 0.8),"
    " ('50000000-0000-4000-8000-00000000000b', '40000000-0000-4000-8000-000000000004', NULL),"
    " ('50000000-0000-4000-8000-00000000000b', '40000000-0000-4000-8000-000000000005', NULL),"
    " ('50000000-0000-4000-8000-00000000000b', '40000000-0000-4000-8000-000000000006', NULL),"
    " ('50000000-0000-4000-8000-00000000000b', '40000000-0000-4000-8000-000000000007', NULL),"
    " ('50000000-0000-4000-8000-00000000000c', '40000000-0000-4000-8000-000000000002', 0.3),"
    " ('50000000-0000-4000-8000-00000000000c', '40000000-0000-4000-8000-000000000003', 0.7),"
    " ('50000000-0000-4000-8000-00000000000d', '40000000-0000-4000-8000-000000000001', NULL),"
    " ('50000000-0000-4000-8000-00000000000d', '40000000-0000-4000-8000-000000000002', NULL),"
    " ('50000000-0000-4000-8000-00000000000e', '40000000-0000-4000-8000-000000000003', NULL);";

static cs_testproc_t s_serve;
static int s_port;

static void s_setup(void)
{
    cs_testcli_setup_migrated();
    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    char err[512];
    cr_assert_eq(cs_db_script(db, s_seed, err, sizeof err), 0, "seed: %s", err);
    cs_db_destroy(&db);
    s_port = cs_testhttp_free_port();
    static char listen[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", s_port);
    char *argv[] = {(char *)cs_testproc_bin("callsift"), "serve", "--listen", listen, NULL};
    char *env[] = {(char *)cs_testcli_env_db(), "CALLSIFT_UI_TOKEN=" TOKEN, NULL};
    cs_testproc_start(&s_serve, argv, env);
    cr_assert(cs_testproc_wait_log(&s_serve, "Console listening on", 20000),
              "the console did not start");
}

/* Stop the console: it exits 0 (a sanitizer's report, a leak included, makes it fail). A
   check in the suite's .fini would not fail the test, so every test ends with this. */
static void s_stop(void)
{
    int status = cs_testproc_stop(&s_serve, 10000);
    char *log = cs_testproc_log(&s_serve);
    const char *report = strstr(log, "ERROR");
    cr_expect_eq(status, 0, "the console did not stop cleanly: %.1500s", report ? report : log);
    free(log);
}

static void s_teardown(void)
{
    if (cs_testproc_alive(&s_serve))
        cs_testproc_kill(&s_serve);
    cs_testcli_teardown();
}

TestSuite(console_pages, .init = s_setup, .fini = s_teardown, .timeout = 60);

/* GET path with the bearer token: the body (caller frees), asserting the status. */
static char *s_get(const char *path, long want)
{
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s_port, path);
    long status = 0;
    char *text = cs_testhttp_get_bearer(url, TOKEN, &status);
    cr_assert_eq(status, want, "GET %s answered %ld: %.400s", path, status, text);
    return text;
}

/* Occurrences of needle in s. */
static int s_count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* The text of the `index`th (0-based) element starting with `open` in page, up to the next
   "</": "" when there is none. Points into a static buffer. */
static const char *s_text(const char *page, const char *open, int index)
{
    static char out[1024];
    out[0] = '\0';
    const char *p = strstr(page, open);
    for (int i = 0; p && i < index; i++)
        p = strstr(p + 1, open);
    if (!p)
        return out;
    p = strchr(p, '>') + 1;
    size_t n = strcspn(p, "<");
    if (n == 0 && strncmp(p, "<a ", 3) == 0) { /* a cell that is a link: the link's text */
        p = strchr(p + n, '>') + 1;
        n = strcspn(p, "<");
    }
    snprintf(out, sizeof out, "%.*s", (int)n, p);
    return out;
}

/* The row of a table that contains `needle`, as a new string. */
static char *s_row(const char *page, const char *row_open, const char *needle)
{
    for (const char *p = strstr(page, row_open); p; p = strstr(p + 1, row_open)) {
        const char *end = strstr(p, "</tr>");
        cr_assert_not_null(end);
        char *row = strndup(p, (size_t)(end - p));
        if (strstr(row, needle))
            return row;
        free(row);
    }
    cr_assert_fail("no row %s with %s", row_open, needle);
    return NULL;
}

/* The page carries no markup from the data. */
static void s_expect_no_injection(const char *page, const char *what)
{
    cr_expect_eq(s_count(page, "<script>alert"), 0, "%s", what);
    cr_expect_eq(s_count(page, "<img src=x"), 0, "%s", what);
    cr_expect_eq(s_count(page, "<b>boom"), 0, "%s", what);
    cr_expect_eq(s_count(page, "href=\"javascript:"), 0, "%s", what);
}

Test(console_pages, themes_count_live_features_confident_mentions_and_mrr_once)
{
    char *page = s_get("/themes", 200);
    s_expect_no_injection(page, "/themes");
    cr_expect_eq(s_count(page, "<table id=\"themes\""), 1);
    cr_expect_eq(s_count(page, "<tr class=\"theme\""), 2);
    char *row = s_row(page, "<tr class=\"theme\"", ">Integrations<");
    cr_expect_str_eq(s_text(row, "<td class=\"num features\"", 0), "2", "not rejected, merged");
    cr_expect_str_eq(s_text(row, "<td class=\"num mentions\"", 0), "9");
    cr_expect_str_eq(s_text(row, "<td class=\"num customers\"", 0), "2", "a call without one");
    cr_expect_str_eq(s_text(row, "<td class=\"num mrr\"", 0), "$150", "each customer once");
    cr_expect_neq(strstr(row, "href=\"/features?theme=Integrations\""), NULL);
    free(row);
    row = s_row(page, "<tr class=\"theme\"", "&lt;script&gt;alert(&quot;theme&quot;)");
    cr_expect_str_eq(s_text(row, "<td class=\"num mentions\"", 0), "1", "0.3 does not count");
    cr_expect_str_eq(s_text(row, "<td class=\"num mrr\"", 0), "$100");
    free(row);
    cr_expect_eq(s_count(page, "<svg class=\"chart\""), 1);
    free(page);

    char *csv = s_get("/themes?format=csv", 200);
    const char *want = "theme,features,mentions,customers,mrr\r\nIntegrations,2,9,2,150.00\r\n";
    cr_expect_eq(strncmp(csv, want, strlen(want)), 0, "%s", csv);
    free(csv);
    s_stop();
}

Test(console_pages, trends_chart_and_emerging_over_the_weeks_to_the_latest_call)
{
    char *page = s_get("/trends", 200);
    s_expect_no_injection(page, "/trends");
    cr_expect_neq(strstr(page, "13 weeks to 2025-06-30"), NULL);
    cr_expect_eq(s_count(page, "<svg class=\"chart\""), 1);
    cr_expect_eq(s_count(page, "<circle"), 26, "13 weeks of 2 themes");
    cr_expect_neq(strstr(page, "<title>Integrations, week of 2025-06-23: 2</title>"), NULL);
    cr_expect_neq(strstr(page, "<title>Integrations, week of 2025-06-16: 1</title>"), NULL);
    cr_expect_eq(s_count(page, "<tr class=\"emerging\""), 2, "the falling one is not there");
    char *first = s_row(page, "<tr class=\"emerging\"", "Salesforce sync");
    cr_expect_neq(strstr(first, "<td class=\"num\">1</td>"), NULL, "ranked first: %s", first);
    cr_expect_neq(strstr(first, "href=\"/features/50000000-0000-4000-8000-00000000000a\""), NULL);
    cr_expect_str_eq(s_text(first, "<td class=\"num last4\"", 0), "4");
    cr_expect_str_eq(s_text(first, "<td class=\"num prev8\"", 0), "0");
    cr_expect_str_eq(s_text(first, "<td class=\"num change up\"", 0), "+1.00");
    free(first);
    char *second = s_row(page, "<tr class=\"emerging\"", "dark mode");
    cr_expect_str_eq(s_text(second, "<td class=\"num last4\"", 0), "1", "0.3 does not count");
    free(second);
    cr_expect_eq(s_count(page, "Rejected thing"), 0);
    cr_expect_eq(s_count(page, "Merged away"), 0);
    cr_expect_eq(s_count(page, "id=\"download-csv\""), 1);
    free(page);

    char *csv = s_get("/trends?format=csv", 200);
    cr_expect_neq(strstr(csv, "rank,id,feature,theme,last_4_weeks,previous_8_weeks,"
                              "per_week_last_4,per_week_previous_8,change_per_week\r\n1,"
                              "50000000-0000-4000-8000-00000000000a,Salesforce sync,Integrations,"
                              "4,0,1.00,0.00,1.00\r\n"),
                  NULL, "%s", csv);
    free(csv);
    s_stop();
}

Test(console_pages, trends_to_moves_the_weeks)
{
    char *page = s_get("/trends?to=2025-06-05", 200);
    cr_expect_neq(strstr(page, "13 weeks to 2025-06-05"), NULL);
    cr_expect_eq(s_count(page, "<tr class=\"emerging\""), 2);
    cr_expect_str_eq(s_text(page, "<a class=\"feature-link\"", 0), "CSV export");
    cr_expect_str_eq(s_text(page, "<a class=\"feature-link\"", 1), "Salesforce sync");
    char *row = s_row(page, "<tr class=\"emerging\"", "CSV export");
    cr_expect_str_eq(s_text(row, "<td class=\"num last4\"", 0), "3");
    cr_expect_str_eq(s_text(row, "<td class=\"num prev8\"", 0), "1");
    cr_expect_str_eq(s_text(row, "<td class=\"num change up\"", 0), "+0.63");
    free(row);
    free(page);
    free(s_get("/trends?to=2025-02-30", 400));
    free(s_get("/trends?to=yesterday", 400));
    s_stop();
}

Test(console_pages, customers_with_mrr_calls_and_the_features_they_asked_for)
{
    char *page = s_get("/customers", 200);
    s_expect_no_injection(page, "/customers");
    cr_expect_eq(s_count(page, "<tr class=\"customer\""), 3);
    cr_expect_str_eq(s_text(page, "<td class=\"name\"", 0), "Acme", "the highest MRR first");
    cr_expect_str_eq(s_text(page, "<td class=\"name\"", 1), "&quot;&gt;&lt;img src=x "
                                                            "onerror=alert(1)&gt;");
    char *acme = s_row(page, "<tr class=\"customer\"", ">Acme<");
    cr_expect_str_eq(s_text(acme, "<td class=\"num calls\"", 0), "4");
    cr_expect_str_eq(s_text(acme, "<td class=\"num mrr\"", 0), "$100");
    cr_expect_str_eq(s_text(acme, "<a class=\"feature-link\"", 0), "CSV export", "3 mentions");
    cr_expect_str_eq(s_text(acme, "<a class=\"feature-link\"", 1), "Salesforce sync");
    cr_expect_str_eq(s_text(acme, "<a class=\"feature-link\"", 2),
                     "&lt;img src=x onerror=alert(2)&gt; dark mode");
    cr_expect_eq(s_count(acme, "feature-link"), 3, "not the rejected one");
    free(acme);
    char *idle = s_row(page, "<tr class=\"customer\"", ">Idle Co<");
    cr_expect_str_eq(s_text(idle, "<td class=\"num calls\"", 0), "0");
    cr_expect_eq(s_count(idle, "feature-link"), 0);
    free(idle);
    free(page);

    char *md = s_get("/customers?format=markdown", 200);
    cr_expect_neq(strstr(md, "| Acme | acme.example | 100.00 | 4 | 3 | CSV export; Salesforce "
                             "sync; <img src=x onerror=alert(2)> dark mode |"),
                  NULL, "%s", md);
    free(md);
    s_stop();
}

Test(console_pages, calls_newest_first_with_state_filter_and_errors_as_text)
{
    char *page = s_get("/calls", 200);
    s_expect_no_injection(page, "/calls");
    cr_expect_eq(s_count(page, "<tr class=\"call\""), 9);
    cr_expect_str_eq(s_text(page, "<td class=\"date\"", 0), "2025-06-30");
    /* its url is javascript:...: no Gong link at all, not even to "#" */
    cr_expect_str_eq(s_text(page, "<td class=\"title\"", 0),
                     "Kickoff &lt;script&gt;alert(&quot;call&quot;)&lt;/script&gt;");
    cr_expect_eq(s_count(page, "href=\"#\""), 0);
    cr_expect_str_eq(s_text(page, "<td class=\"num features\"", 0), "2", "not the rejected one");
    cr_expect_str_eq(s_text(page, "<td class=\"num features\"", 2), "1", "0.3 does not count");
    cr_expect_neq(strstr(page, "href=\"https://app.gong.io/call?id=2\""), NULL);
    cr_expect_eq(s_count(page, "<select name=\"state\""), 1);
    free(page);

    page = s_get("/calls?state=failed", 200);
    cr_expect_eq(s_count(page, "<tr class=\"call\""), 1);
    cr_expect_str_eq(s_text(page, "<td class=\"error\"", 0),
                     "extractor: &quot;&lt;b&gt;boom&lt;/b&gt;&quot; &amp; more");
    cr_expect_str_eq(s_text(page, "<td class=\"processed", 0), "no");
    free(page);
    page = s_get("/calls?state=processed", 200);
    cr_expect_eq(s_count(page, "<tr class=\"call\""), 8);
    free(page);
    page = s_get("/calls?limit=3", 200);
    cr_expect_eq(s_count(page, "<tr class=\"call\""), 3);
    cr_expect_neq(strstr(page, "The newest 3 are shown"), NULL);
    free(page);
    free(s_get("/calls?state=everything", 400));
    free(s_get("/calls?limit=0", 400));

    char *csv = s_get("/calls?state=unprocessed&format=csv", 200);
    cr_expect_str_eq(csv, "date,title,customer,processed,features,error,call_id\r\n"
                          "2025-06-25,c8,,no,0,\"extractor: \"\"<b>boom</b>\"\" & more\",c8\r\n");
    free(csv);
    s_stop();
}

/* The field `column` (named in the header line) of the CSV line whose field `key_column` is
   key; NULL when there is none. Fields here hold no comma or quote. The caller frees it. */
static char *s_csv_field(const char *csv, const char *key_column, const char *key,
                         const char *column)
{
    char *copy = strdup(csv), *save = NULL, *result = NULL;
    int key_at = -1, at = -1;
    for (char *line = strtok_r(copy, "\r\n", &save); line && !result;
         line = strtok_r(NULL, "\r\n", &save)) {
        char *fields[32], *fsave = NULL;
        int n = 0;
        for (char *f = strtok_r(line, ",", &fsave); f && n < 32; f = strtok_r(NULL, ",", &fsave))
            fields[n++] = f;
        if (key_at < 0) {
            for (int i = 0; i < n; i++) {
                key_at = strcmp(fields[i], key_column) == 0 ? i : key_at;
                at = strcmp(fields[i], column) == 0 ? i : at;
            }
            cr_assert(key_at >= 0 && at >= 0, "columns %s and %s in %s", key_column, column, csv);
        } else if (key_at < n && at < n && strcmp(fields[key_at], key) == 0) {
            result = strdup(fields[at]);
        }
    }
    free(copy);
    return result;
}

Test(console_pages, emerging_counts_the_weeks_the_features_page_counts)
{
    static const char *const dates[] = {"", "?to=2025-06-05", "?to=2025-06-02"};
    static const char *const names[] = {"Salesforce sync", "CSV export"};
    for (size_t d = 0; d < CS_ARRAY_LEN(dates); d++) {
        char path[64];
        snprintf(path, sizeof path, "/features%s%sformat=csv", dates[d], dates[d][0] ? "&" : "?");
        char *features = s_get(path, 200);
        snprintf(path, sizeof path, "/trends%s%sformat=csv", dates[d], dates[d][0] ? "&" : "?");
        char *trends = s_get(path, 200);
        for (size_t i = 0; i < CS_ARRAY_LEN(names); i++) {
            char *f4 = s_csv_field(features, "feature", names[i], "last_4_weeks");
            char *f8 = s_csv_field(features, "feature", names[i], "8_weeks_before");
            char *t4 = s_csv_field(trends, "feature", names[i], "last_4_weeks");
            char *t8 = s_csv_field(trends, "feature", names[i], "previous_8_weeks");
            cr_assert_not_null(f4, "%s in the features of %s", names[i], dates[d]);
            if (t4) { /* on Trends only when it rose */
                cr_expect_str_eq(t4, f4, "%s %s", names[i], dates[d]);
                cr_expect_str_eq(t8, f8, "%s %s", names[i], dates[d]);
            } else {
                cr_expect_leq(strtod(f4, NULL) / 4, strtod(f8, NULL) / 8, "%s %s rose", names[i],
                              dates[d]);
            }
            free(f4), free(f8), free(t4), free(t8);
        }
        free(features);
        free(trends);
    }
    s_stop();
}

Test(console_pages, the_chart_draws_seven_themes_and_the_others_as_one_line)
{
    /* 8 more themes, each with one feature mentioned once in the last week: 10 themes */
    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    char err[512];
    cr_assert_eq(
        cs_db_script(db,
                     "INSERT INTO themes (id, workspace_id, name) SELECT"
                     " ('60000000-0000-4000-8000-00000000000' || g)::uuid, '" WS "',"
                     " 'Extra ' || g FROM generate_series(1, 8) g;"
                     "INSERT INTO features (id, workspace_id, theme_id, name) SELECT"
                     " ('70000000-0000-4000-8000-00000000000' || g)::uuid, '" WS "',"
                     " ('60000000-0000-4000-8000-00000000000' || g)::uuid,"
                     " 'Extra feature ' || g FROM generate_series(1, 8) g;"
                     "INSERT INTO feature_messages (feature_id, message_id) SELECT"
                     " ('70000000-0000-4000-8000-00000000000' || g)::uuid,"
                     " '40000000-0000-4000-8000-000000000001' FROM generate_series(1, 8) g;",
                     err, sizeof err),
        0, "%s", err);
    cs_db_destroy(&db);
    char *page = s_get("/trends", 200);
    cr_expect_eq(s_count(page, "<rect class=\"s"), 8, "8 lines in the legend");
    cr_expect_eq(s_count(page, "<circle"), 8 * 13);
    cr_expect_eq(s_count(page, ">Integrations</text>"), 1, "the most mentioned has its own line");
    cr_expect_eq(s_count(page, ">Other themes</text>"), 1);
    cr_expect_neq(strstr(page, "<title>Other themes, week of 2025-06-23: 3</title>"), NULL,
                  "the 3 least mentioned themes, summed");
    free(page);
    s_stop();
}
