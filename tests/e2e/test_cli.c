/* The `callsift` operator CLI as a process: the real binary against a fresh database per test.
   These tests double as the CLI's usage examples. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "cs_fetchdb.h"
#include "cs_migrate.h"
#include "cs_testcli.h"
#include "cs_testdb.h"
#include "cs_testproc.h"
#include "cs_util.h"
#include "cs_uuid.h"

/* Tests that run commands against a database of their own. */
TestSuite(cli, .init = cs_testcli_setup_plain, .fini = cs_testcli_teardown, .timeout = 180);
/* Tests of the command line itself, which never reach a database. */
TestSuite(cli_usage, .timeout = 60);

static void migrate(void)
{
    free(cs_testcli_ok_value(cs_testcli_run("migrate", NULL)));
}

/* Create a workspace and return its id in out. */
static void create_workspace(const char *name, char out[CS_UUID_LEN])
{
    char *id = cs_testcli_ok_value(cs_testcli_run("workspace", "create", "--name", name, NULL));
    cr_assert(cs_uuid_valid(id), "not a uuid: '%s'", id);
    cs_strlcpy(out, id, CS_UUID_LEN);
    free(id);
}

static void expect_query(const char *sql, const char *p1, const char *p2, const char *want)
{
    char *got = cs_testcli_query(sql, p1, p2);
    cr_expect_str_eq(got, want, "%s", sql);
    free(got);
}

static json_t *parse_json(const char *text)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    cr_assert(doc, "not JSON (%s): %s", jerr.text, text);
    cr_assert(json_is_array(doc), "not an array: %s", text);
    return doc;
}

/* A call from customer_id (may be NULL) and a feature in theme_id, straight into the tables the
   writer fills, so the list commands have something to count. */
static void insert_call_and_feature(const char *workspace_id, const char *customer_id,
                                    const char *theme_id, const char *external_id)
{
    char message_id[CS_UUID_LEN], feature_id[CS_UUID_LEN], err[512];
    cs_uuid_message_id(workspace_id, "gong", external_id, message_id);
    cs_uuid_feature_id(message_id, 0, feature_id);
    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    const char *msg[] = {message_id, workspace_id, customer_id, external_id};
    cr_assert_eq(cs_db_command(db,
                               "INSERT INTO messages (id, workspace_id, customer_id, source,"
                               " external_id, sent_at) VALUES ($1, $2, $3, 'gong', $4, now())",
                               4, msg, err, sizeof err),
                 0, "%s", err);
    const char *feature[] = {feature_id, workspace_id, theme_id};
    cr_assert_eq(cs_db_command(db,
                               "INSERT INTO features (id, workspace_id, theme_id, name)"
                               " VALUES ($1, $2, $3, 'Export to CSV')",
                               3, feature, err, sizeof err),
                 0, "%s", err);
    cs_db_destroy(&db);
}

/* ---- migrate ------------------------------------------------------------------------------ */

Test(cli, migrate_applies_once)
{
    int latest = cs_migrate_latest();
    char want[96];
    snprintf(want, sizeof want, "Schema at version %d (applied %d migration%s)", latest, latest,
             latest == 1 ? "" : "s");
    char *first = cs_testcli_ok_value(cs_testcli_run("migrate", NULL));
    cr_expect_str_eq(first, want);
    free(first);

    snprintf(want, sizeof want, "Schema at version %d (applied 0 migrations)", latest);
    char *second = cs_testcli_ok_value(cs_testcli_run("migrate", NULL));
    cr_expect_str_eq(second, want);
    free(second);
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM schema_migrations", NULL, NULL), latest);
}

Test(cli, commands_before_migrate_say_so)
{
    cs_testcli_expect_failure(cs_testcli_run("workspace", "list", NULL), 1,
                              "run 'callsift migrate' first");
}

/* ---- workspaces --------------------------------------------------------------------------- */

Test(cli, workspace_create_prints_only_the_id_and_adds_defaults)
{
    migrate();
    cs_testrun_t run = cs_testcli_run("workspace", "create", "--name", "Acme Sales", NULL);
    cr_assert_eq(run.status, 0, "stderr: %s", run.err);
    cr_expect_str_empty(run.err);
    cr_assert_eq(strlen(run.out), 37, "stdout: '%s'", run.out);
    cr_assert_eq(run.out[36], '\n');
    run.out[36] = '\0';
    cr_assert(cs_uuid_valid(run.out), "stdout: '%s'", run.out);
    char id[CS_UUID_LEN];
    cs_strlcpy(id, run.out, sizeof id);
    cs_testrun_free(&run);

    expect_query("SELECT id::text FROM workspaces WHERE name = 'Acme Sales'", NULL, NULL, id);
    cr_expect_eq(
        cs_testcli_query_ll("SELECT count(*) FROM themes WHERE workspace_id = $1", id, NULL), 1);
    expect_query("SELECT name FROM themes WHERE workspace_id = $1 AND is_default", id, NULL,
                 "Uncategorized");
    expect_query("SELECT description FROM themes WHERE workspace_id = $1", id, NULL,
                 "Requests that fit none of the workspace's themes");
    cr_expect_eq(
        cs_testcli_query_ll("SELECT count(*) FROM integrations WHERE workspace_id = $1", id, NULL),
        1);
    expect_query("SELECT provider || '/' || name FROM integrations WHERE workspace_id = $1", id,
                 NULL, "gong/Gong");
}

Test(cli, workspace_create_rejects_a_duplicate_name_whatever_its_case)
{
    migrate();
    char id[CS_UUID_LEN];
    create_workspace("Acme", id);
    cs_testcli_expect_failure(cs_testcli_run("workspace", "create", "--name", "ACME", NULL), 1,
                              "a workspace named 'ACME' already exists");
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM workspaces", NULL, NULL), 1);
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM themes", NULL, NULL), 1);
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM integrations", NULL, NULL), 1);
}

Test(cli, workspace_create_rejects_a_blank_name)
{
    migrate();
    cs_testcli_expect_failure(cs_testcli_run("workspace", "create", "--name", "   ", NULL), 1,
                              "--name");
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM workspaces", NULL, NULL), 0);
}

Test(cli, workspace_list_json_has_the_counts)
{
    migrate();
    char acme[CS_UUID_LEN], beta[CS_UUID_LEN];
    create_workspace("Acme", acme);
    create_workspace("Beta", beta);
    char *theme = cs_testcli_ok_value(
        cs_testcli_run("theme", "add", "--workspace-id", acme, "--name", "Billing", NULL));
    char *customer = cs_testcli_ok_value(
        cs_testcli_run("customer", "add", "--workspace-id", acme, "--name", "Initech", NULL));
    insert_call_and_feature(acme, customer, theme, "call-1");
    insert_call_and_feature(acme, NULL, theme, "call-2");

    char *out = cs_testcli_ok_value(cs_testcli_run("workspace", "list", "--format", "json", NULL));
    json_t *doc = parse_json(out);
    cr_assert_eq(json_array_size(doc), 2, "%s", out);
    json_t *first = json_array_get(doc, 0), *second = json_array_get(doc, 1);
    cr_expect_str_eq(json_string_value(json_object_get(first, "id")), acme);
    cr_expect_str_eq(json_string_value(json_object_get(first, "name")), "Acme");
    cr_expect_eq(json_integer_value(json_object_get(first, "themes")), 2);
    cr_expect_eq(json_integer_value(json_object_get(first, "customers")), 1);
    cr_expect_eq(json_integer_value(json_object_get(first, "calls")), 2);
    cr_expect_eq(json_integer_value(json_object_get(first, "features")), 2);
    const char *created = json_string_value(json_object_get(first, "created"));
    cr_expect(created && strlen(created) == 20 && created[19] == 'Z', "created: %s", created);
    cr_expect_str_eq(json_string_value(json_object_get(second, "name")), "Beta");
    cr_expect_eq(json_integer_value(json_object_get(second, "themes")), 1);
    cr_expect_eq(json_integer_value(json_object_get(second, "calls")), 0);
    json_decref(doc);
    free(out);
    free(theme);
    free(customer);
}

Test(cli, workspace_list_csv_quotes_commas_and_quotes)
{
    migrate();
    char id[CS_UUID_LEN];
    create_workspace("Acme, \"Big\" Inc", id);
    cs_testrun_t run = cs_testcli_run("workspace", "list", "--format", "csv", NULL);
    cr_assert_eq(run.status, 0, "stderr: %s", run.err);
    const char *header =
        "id,name,themes,customers,calls,features,created,time_zone,llm_usd_today,llm_usd_month,"
        "monthly_budget_usd,vendor_domains\r\n";
    cr_expect(strncmp(run.out, header, strlen(header)) == 0, "csv: %s", run.out);
    char row[160];
    snprintf(row, sizeof row, "\r\n%s,\"Acme, \"\"Big\"\" Inc\",1,0,0,0,", id);
    cr_expect(strstr(run.out, row), "no '%s' in csv: %s", row, run.out);
    size_t len = strlen(run.out);
    cr_expect(len > 2 && strcmp(run.out + len - 2, "\r\n") == 0, "csv: %s", run.out);
    cs_testrun_free(&run);
}

Test(cli, workspace_monthly_budget_is_set_shown_and_cleared)
{
    migrate();
    char *id = cs_testcli_ok_value(cs_testcli_run("workspace", "create", "--name", "Acme",
                                                  "--monthly-budget-usd", "25", NULL));
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM workspaces WHERE id = $1"
                                     " AND monthly_budget_usd = 25",
                                     id, NULL),
                 1);
    char *out = cs_testcli_ok_value(
        cs_testcli_run("workspace", "set", id, "--monthly-budget-usd", "12.5", NULL));
    cr_expect_str_eq(out, "Acme: monthly LLM budget 12.5000");
    free(out);
    /* spend of today, of earlier this month, of last month (in the workspace's zone: UTC) */
    const char *spend[] = {
        "INSERT INTO llm_spend (workspace_id, day, cost_usd, calls)"
        " VALUES ($1, (now() AT TIME ZONE 'UTC')::date, 0.25, 3)",
        /* the month's first day: today, on the 1st */
        "INSERT INTO llm_spend AS s (workspace_id, day, cost_usd, calls)"
        " VALUES ($1, date_trunc('month', now() AT TIME ZONE 'UTC')::date, 1, 9)"
        " ON CONFLICT (workspace_id, day) DO UPDATE SET cost_usd = s.cost_usd + 1",
        "INSERT INTO llm_spend (workspace_id, day, cost_usd, calls) VALUES"
        " ($1, (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '1 day')::date, 7, 50)"};
    for (size_t i = 0; i < CS_ARRAY_LEN(spend); i++)
        free(cs_testcli_query(spend[i], id, NULL));
    bool first_day =
        cs_testcli_query_ll("SELECT extract(day FROM now() AT TIME ZONE 'UTC')", NULL, NULL) == 1;
    out = cs_testcli_ok(cs_testcli_run("workspace", "list", "--format", "json", NULL));
    json_t *doc = parse_json(out);
    json_t *w = json_array_get(doc, 0);
    cr_expect_float_eq(json_number_value(json_object_get(w, "llm_usd_today")),
                       first_day ? 1.25 : 0.25, 1e-9, "%s", out);
    cr_expect_float_eq(json_number_value(json_object_get(w, "llm_usd_month")), 1.25, 1e-9, "%s",
                       out);
    cr_expect_float_eq(json_number_value(json_object_get(w, "monthly_budget_usd")), 12.5, 1e-9,
                       "%s", out);
    json_decref(doc);
    free(out);

    cs_testcli_expect_failure(
        cs_testcli_run("workspace", "set", id, "--monthly-budget-usd", "-1", NULL), 1,
        "--monthly-budget-usd: '-1' is not an amount in USD");
    cs_testcli_expect_failure(
        cs_testcli_run("workspace", "set", id, "--monthly-budget-usd", "ten", NULL), 1,
        "--monthly-budget-usd: 'ten' is not an amount in USD");
    cs_testcli_expect_failure(
        cs_testcli_run("workspace", "create", "--name", "B", "--monthly-budget-usd", "1e9", NULL),
        1, "is not an amount in USD");
    cr_expect_eq(
        cs_testcli_query_ll("SELECT monthly_budget_usd FROM workspaces WHERE id = $1", id, NULL),
        12, "unchanged (12.5 read as a whole number)");
    out = cs_testcli_ok_value(
        cs_testcli_run("workspace", "set", id, "--monthly-budget-usd", "none", NULL));
    cr_expect_str_eq(out, "Acme: monthly LLM budget none");
    free(out);
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM workspaces WHERE id = $1"
                                     " AND monthly_budget_usd IS NULL",
                                     id, NULL),
                 1);
    free(id);
}

Test(cli, workspace_list_table_has_headers_and_rows)
{
    migrate();
    char id[CS_UUID_LEN];
    create_workspace("Acme", id);
    cs_testrun_t run = cs_testcli_run("workspace", "list", NULL);
    cr_assert_eq(run.status, 0, "stderr: %s", run.err);
    cr_expect(strncmp(run.out, "ID ", 3) == 0, "table: %s", run.out);
    cr_expect(strstr(run.out, "NAME"), "table: %s", run.out);
    cr_expect(strstr(run.out, "FEATURES"), "table: %s", run.out);
    cr_expect(strstr(run.out, id), "table: %s", run.out);
    cr_expect(strstr(run.out, "Acme"), "table: %s", run.out);
    cs_testrun_free(&run);
}

Test(cli, list_rejects_an_unknown_format)
{
    migrate();
    cs_testcli_expect_failure(cs_testcli_run("workspace", "list", "--format", "xml", NULL), 1,
                              "--format");
}

/* ---- vendor domains ------------------------------------------------------------------------ */

Test(cli, workspace_domains_add_remove_and_list)
{
    migrate();
    char ws[CS_UUID_LEN], other[CS_UUID_LEN];
    create_workspace("Acme", ws);
    create_workspace("Beta", other);
    char *out = cs_testcli_ok(cs_testcli_run("workspace", "domains", ws, NULL));
    cr_expect_str_eq(out, "DOMAIN\n", "none at first");
    free(out);

    /* host names, any case, separated by commas or blanks; each once; sorted */
    out =
        cs_testcli_ok(cs_testcli_run("workspace", "domains", ws, "--add",
                                     "HelpDeskly.Example, helpdeskly.io helpdeskly.example", NULL));
    cr_expect_str_eq(out, "DOMAIN\nhelpdeskly.example\nhelpdeskly.io\n");
    free(out);
    expect_query("SELECT array_to_string(vendor_domains, ',') FROM workspaces WHERE id = $1", ws,
                 NULL, "helpdeskly.example,helpdeskly.io");
    expect_query("SELECT cardinality(vendor_domains) FROM workspaces WHERE id = $1", other, NULL,
                 "0");

    /* adding what is there changes nothing; --workspace-id works as the argument does */
    out = cs_testcli_ok(cs_testcli_run("workspace", "domains", "--workspace-id", ws, "--add",
                                       "helpdeskly.io", "--format", "json", NULL));
    json_t *doc = parse_json(out);
    cr_expect_eq(json_array_size(doc), 2, "%s", out);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(doc, 1), "domain")),
                     "helpdeskly.io");
    json_decref(doc);
    free(out);

    out = cs_testcli_ok(
        cs_testcli_run("workspace", "domains", ws, "--remove", "HELPDESKLY.IO", NULL));
    cr_expect_str_eq(out, "DOMAIN\nhelpdeskly.example\n");
    free(out);

    /* workspace list shows them: an array in json, joined in the other formats */
    out = cs_testcli_ok(cs_testcli_run("workspace", "list", "--format", "json", NULL));
    doc = parse_json(out);
    json_t *domains = json_object_get(json_array_get(doc, 0), "vendor_domains");
    cr_expect(json_is_array(domains) && json_array_size(domains) == 1 &&
                  strcmp(json_string_value(json_array_get(domains, 0)), "helpdeskly.example") == 0,
              "%s", out);
    domains = json_object_get(json_array_get(doc, 1), "vendor_domains");
    cr_expect(json_is_array(domains) && json_array_size(domains) == 0, "%s", out);
    json_decref(doc);
    free(out);
    free(cs_testcli_ok(cs_testcli_run("workspace", "domains", ws, "--add", "helpdeskly.io", NULL)));
    out = cs_testcli_ok(cs_testcli_run("workspace", "list", "--format", "csv", NULL));
    cr_expect(strstr(out, ",\"helpdeskly.example, helpdeskly.io\"\r\n"), "%s", out);
    free(out);
}

Test(cli, workspace_domains_rejects_bad_input)
{
    migrate();
    char ws[CS_UUID_LEN];
    create_workspace("Acme", ws);
    cs_testcli_expect_failure(
        cs_testcli_run("workspace", "domains", ws, "--add", "https://helpdeskly.example/", NULL), 1,
        "--add: 'https://helpdeskly.example/' is not a host name");
    cs_testcli_expect_failure(
        cs_testcli_run("workspace", "domains", ws, "--add", "helpdeskly.example localhost", NULL),
        1, "--add: 'localhost' is not a host name");
    cs_testcli_expect_failure(
        cs_testcli_run("workspace", "domains", ws, "--add", "Gmail.com", NULL), 1,
        "--add: gmail.com is a free-mail provider's domain");
    cs_testcli_expect_failure(cs_testcli_run("workspace", "domains", ws, "--add", " , ", NULL), 1,
                              "--add: no domain given");
    cs_testcli_expect_failure(
        cs_testcli_run("workspace", "domains", ws, "--remove", "not a domain!", NULL), 1,
        "--remove");
    expect_query("SELECT cardinality(vendor_domains) FROM workspaces WHERE id = $1", ws, NULL, "0");
    cs_testcli_expect_failure(cs_testcli_run("workspace", "domains",
                                             "00000000-0000-4000-8000-000000000000", "--add",
                                             "helpdeskly.example", NULL),
                              1, "no workspace with id 00000000-0000-4000-8000-000000000000");
    cs_testcli_expect_failure(cs_testcli_run("workspace", "domains", "acme", NULL), 1,
                              "'acme' is not a workspace id");
    cs_testcli_expect_failure(cs_testcli_run("workspace", "domains", NULL), 2,
                              "WORKSPACE-ID is required");

    /* at most 100 */
    char many[100 * 16] = "";
    for (int i = 0; i < 100; i++) {
        size_t len = strlen(many);
        snprintf(many + len, sizeof many - len, "d%03d.example ", i);
    }
    free(cs_testcli_ok(cs_testcli_run("workspace", "domains", ws, "--add", many, NULL)));
    cs_testcli_expect_failure(
        cs_testcli_run("workspace", "domains", ws, "--add", "one-more.example", NULL), 1,
        "would have 101 vendor domains: at most 100 are kept");
    expect_query("SELECT cardinality(vendor_domains) FROM workspaces WHERE id = $1", ws, NULL,
                 "100");
}

/* ---- themes ------------------------------------------------------------------------------- */

Test(cli, theme_add_then_list)
{
    migrate();
    char ws[CS_UUID_LEN];
    create_workspace("Acme", ws);
    char *id = cs_testcli_ok_value(cs_testcli_run("theme", "add", "--workspace-id", ws, "--name",
                                                  "Billing", "--description",
                                                  "Invoices, payment methods, taxes", NULL));
    cr_assert(cs_uuid_valid(id), "stdout: '%s'", id);
    expect_query("SELECT description FROM themes WHERE id = $1", id, NULL,
                 "Invoices, payment methods, taxes");

    char *out = cs_testcli_ok_value(
        cs_testcli_run("theme", "list", "--workspace-id", ws, "--format", "json", NULL));
    json_t *doc = parse_json(out);
    cr_assert_eq(json_array_size(doc), 2, "%s", out);
    json_t *dflt = json_array_get(doc, 0), *billing = json_array_get(doc, 1);
    cr_expect_str_eq(json_string_value(json_object_get(dflt, "name")), "Uncategorized");
    cr_expect(json_is_true(json_object_get(dflt, "default")), "%s", out);
    cr_expect_str_eq(json_string_value(json_object_get(billing, "id")), id);
    cr_expect(json_is_false(json_object_get(billing, "default")), "%s", out);
    cr_expect_eq(json_integer_value(json_object_get(billing, "features")), 0);
    cr_expect_str_eq(json_string_value(json_object_get(billing, "description")),
                     "Invoices, payment methods, taxes");
    json_decref(doc);
    free(out);
    free(id);
}

Test(cli, theme_add_rejects_a_duplicate_name_whatever_its_case)
{
    migrate();
    char ws[CS_UUID_LEN], want[200];
    create_workspace("Acme", ws);
    free(cs_testcli_ok_value(
        cs_testcli_run("theme", "add", "--workspace-id", ws, "--name", "Billing", NULL)));
    snprintf(want, sizeof want, "callsift: workspace %s already has a theme named 'billing'\n", ws);
    cs_testrun_t run =
        cs_testcli_run("theme", "add", "--workspace-id", ws, "--name", "billing", NULL);
    cr_expect_eq(run.status, 1);
    cr_expect_str_eq(run.err, want);
    cs_testrun_free(&run);
    /* the default theme's name is taken too */
    cs_testcli_expect_failure(
        cs_testcli_run("theme", "add", "--workspace-id", ws, "--name", "UNCATEGORIZED", NULL), 1,
        "already has a theme named 'UNCATEGORIZED'");
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM themes", NULL, NULL), 2);
}

/* Wait up to 5 s for a notification on the LISTENing db; return its payload (caller frees). */
static char *next_notify(cs_db_t *db, const char *channel)
{
    PGconn *conn = cs_db_conn(db);
    for (int i = 0; i < 250; i++) {
        cr_assert(PQconsumeInput(conn), "%s", PQerrorMessage(conn));
        PGnotify *n = PQnotifies(conn);
        if (n) {
            cr_expect_str_eq(n->relname, channel);
            char *payload = strdup(n->extra);
            PQfreemem(n);
            return payload;
        }
        usleep(20000);
    }
    cr_assert_fail("no NOTIFY on %s", channel);
    return NULL;
}

Test(cli, theme_and_customer_add_notify_with_the_workspace_id)
{
    migrate();
    char ws[CS_UUID_LEN], err[256];
    create_workspace("Acme", ws);
    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    cr_assert_eq(cs_db_command(db, "LISTEN callsift_themes", 0, NULL, err, sizeof err), 0);
    cr_assert_eq(cs_db_command(db, "LISTEN callsift_customers", 0, NULL, err, sizeof err), 0);

    free(cs_testcli_ok_value(
        cs_testcli_run("theme", "add", "--workspace-id", ws, "--name", "Billing", NULL)));
    char *payload = next_notify(db, "callsift_themes");
    cr_expect_str_eq(payload, ws);
    free(payload);

    free(cs_testcli_ok_value(
        cs_testcli_run("customer", "add", "--workspace-id", ws, "--name", "Initech", NULL)));
    payload = next_notify(db, "callsift_customers");
    cr_expect_str_eq(payload, ws);
    free(payload);
    cs_db_destroy(&db);
}

/* ---- workspace ids ------------------------------------------------------------------------ */

Test(cli, unknown_workspace_is_an_error)
{
    migrate();
    char ws[CS_UUID_LEN], want[128];
    cs_uuid_v4(ws);
    snprintf(want, sizeof want, "callsift: no workspace with id %s\n", ws);
    cs_testrun_t runs[] = {
        cs_testcli_run("theme", "add", "--workspace-id", ws, "--name", "Billing", NULL),
        cs_testcli_run("theme", "list", "--workspace-id", ws, NULL),
        cs_testcli_run("customer", "add", "--workspace-id", ws, "--name", "Initech", NULL),
        cs_testcli_run("customer", "list", "--workspace-id", ws, NULL),
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(runs); i++) {
        cr_expect_eq(runs[i].status, 1, "run %zu: status %d", i, runs[i].status);
        cr_expect_str_eq(runs[i].err, want, "run %zu", i);
        cr_expect_str_empty(runs[i].out, "run %zu", i);
        cs_testrun_free(&runs[i]);
    }
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM themes", NULL, NULL), 0);
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM customers", NULL, NULL), 0);
}

Test(cli, invalid_workspace_id_is_not_a_uuid)
{
    migrate();
    cs_testrun_t runs[] = {
        cs_testcli_run("theme", "add", "--workspace-id", "x", "--name", "Billing", NULL),
        cs_testcli_run("theme", "list", "--workspace-id", "x", NULL),
        cs_testcli_run("customer", "add", "--workspace-id", "x", "--name", "Initech", NULL),
        cs_testcli_run("customer", "list", "--workspace-id", "x", NULL),
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(runs); i++) {
        cr_expect_eq(runs[i].status, 1, "run %zu: status %d", i, runs[i].status);
        cr_expect_str_eq(runs[i].err, "callsift: --workspace-id: 'x' is not a UUID\n", "run %zu",
                         i);
        cs_testrun_free(&runs[i]);
    }
}

/* ---- customers ---------------------------------------------------------------------------- */

Test(cli, customer_add_normalises_and_list_orders_by_mrr)
{
    migrate();
    char ws[CS_UUID_LEN];
    create_workspace("Acme", ws);
    char *initech = cs_testcli_ok_value(cs_testcli_run("customer", "add", "--workspace-id", ws,
                                                       "--name", "Initech", "--domain",
                                                       "WWW.Initech.COM", "--mrr", "1200.5", NULL));
    cr_assert(cs_uuid_valid(initech), "stdout: '%s'", initech);
    char *globex = cs_testcli_ok_value(cs_testcli_run("customer", "add", "--workspace-id", ws,
                                                      "--name", "Globex", "--domain", "@Globex.io",
                                                      "--mrr", "5000", NULL));
    char *hooli = cs_testcli_ok_value(
        cs_testcli_run("customer", "add", "--workspace-id", ws, "--name", "Hooli", NULL));
    expect_query("SELECT domain FROM customers WHERE id = $1", initech, NULL, "initech.com");
    expect_query("SELECT domain FROM customers WHERE id = $1", globex, NULL, "globex.io");
    expect_query("SELECT domain FROM customers WHERE id = $1", hooli, NULL, "NULL");
    expect_query("SELECT mrr::text FROM customers WHERE id = $1", hooli, NULL, "0.00");
    insert_call_and_feature(ws, initech, NULL, "call-1");

    char *out = cs_testcli_ok_value(
        cs_testcli_run("customer", "list", "--workspace-id", ws, "--format", "json", NULL));
    json_t *doc = parse_json(out);
    cr_assert_eq(json_array_size(doc), 3, "%s", out);
    const char *names[] = {"Globex", "Initech", "Hooli"};
    const double mrr[] = {5000.0, 1200.5, 0.0};
    for (size_t i = 0; i < 3; i++) {
        json_t *row = json_array_get(doc, i);
        cr_expect_str_eq(json_string_value(json_object_get(row, "name")), names[i]);
        cr_expect(json_is_number(json_object_get(row, "mrr")), "%s", out);
        cr_expect_float_eq(json_number_value(json_object_get(row, "mrr")), mrr[i], 1e-9);
    }
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(doc, 1), "domain")),
                     "initech.com");
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(doc, 1), "calls")), 1);
    cr_expect(json_is_null(json_object_get(json_array_get(doc, 2), "domain")), "%s", out);
    json_decref(doc);
    free(out);

    cs_testrun_t run = cs_testcli_run("customer", "list", "--workspace-id", ws, NULL);
    cr_assert_eq(run.status, 0, "stderr: %s", run.err);
    cr_expect(strstr(run.out, "MRR"), "table: %s", run.out);
    cr_expect(strstr(run.out, "1200.50"), "table: %s", run.out);
    cr_expect(strstr(run.out, "5000.00"), "table: %s", run.out);
    cr_expect(strstr(run.out, "Globex") < strstr(run.out, "Initech"), "table: %s", run.out);
    cs_testrun_free(&run);

    run = cs_testcli_run("customer", "list", "--workspace-id", ws, "--format", "csv", NULL);
    cr_assert_eq(run.status, 0, "stderr: %s", run.err);
    cr_expect(strncmp(run.out, "id,name,domain,mrr,calls\r\n", 26) == 0, "csv: %s", run.out);
    cr_expect(strstr(run.out, ",Initech,initech.com,1200.50,1\r\n"), "csv: %s", run.out);
    cr_expect(strstr(run.out, ",Hooli,,0.00,0\r\n"), "csv: %s", run.out);
    cs_testrun_free(&run);
    free(initech);
    free(globex);
    free(hooli);
}

/* The customer a participant with this e-mail address gets, by the fetcher's rule, from the
   workspace's customers as the database holds them; NULL when none. Caller frees. */
static char *customer_by_email(const char *workspace_id, const char *email)
{
    char err[256];
    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    json_t *customers = cs_fetchdb_customers(db, workspace_id, err, sizeof err);
    cr_assert_not_null(customers, "%s", err);
    json_t *rec =
        json_pack("{s:[{s:s, s:s}]}", "participants", "affiliation", "External", "email", email);
    char *name = NULL;
    if (cs_fetchdb_attach_customer(rec, customers))
        name = strdup(json_string_value(json_object_get(json_object_get(rec, "customer"), "name")));
    json_decref(rec);
    json_decref(customers);
    cs_db_destroy(&db);
    return name;
}

Test(cli, customer_with_a_non_ascii_domain_matches_participants_in_any_case_or_form)
{
    migrate();
    char ws[CS_UUID_LEN];
    create_workspace("Acme", ws);
    char *id =
        cs_testcli_ok_value(cs_testcli_run("customer", "add", "--workspace-id", ws, "--name",
                                           "Ärzte AG", "--domain", "www.ÄÖ-Example.DE", NULL));
    free(cs_testcli_ok_value(cs_testcli_run("customer", "add", "--workspace-id", ws, "--name",
                                            "Straße GmbH", "--domain", "XN--STRAE-OQA.EU", NULL)));
    expect_query("SELECT domain FROM customers WHERE id = $1", id, NULL, "äö-example.de");
    expect_query("SELECT domain FROM customers WHERE name = 'Straße GmbH'", NULL, NULL,
                 "straße.eu");
    const char *emails[] = {"anna@äö-example.de", "Anna@ÄÖ-EXAMPLE.DE",
                            "anna@xn---example-zza4p.de", "anna@XN---EXAMPLE-ZZA4P.de"};
    for (size_t i = 0; i < CS_ARRAY_LEN(emails); i++) {
        char *name = customer_by_email(ws, emails[i]);
        cr_expect(name && strcmp(name, "Ärzte AG") == 0, "%s: %s", emails[i],
                  name ? name : "(none)");
        free(name);
    }
    char *name = customer_by_email(ws, "bob@STRASSE.eu");
    cr_expect_null(name, "ß is a letter of its own under IDNA 2008, not 'ss'");
    free(name);
    name = customer_by_email(ws, "bob@Straße.EU");
    cr_expect(name && strcmp(name, "Straße GmbH") == 0, "%s", name ? name : "(none)");
    free(name);
    /* the same customer in another form is a duplicate */
    cs_testcli_expect_failure(cs_testcli_run("customer", "add", "--workspace-id", ws, "--name",
                                             "Ärzte Europe", "--domain", "xn---example-zza4p.de",
                                             NULL),
                              1, "already has a customer with domain");
    free(id);
}

Test(cli, customer_add_rejects_bad_mrr)
{
    migrate();
    char ws[CS_UUID_LEN];
    create_workspace("Acme", ws);
    const char *bad[] = {"abc", "-5",   "1e999", "",    "1.234", "12.",           ".5",
                         "1,5", "0x10", " 5",    "inf", "NaN",   "1234567890123", "5 "};
    for (size_t i = 0; i < CS_ARRAY_LEN(bad); i++) {
        cs_testrun_t run = cs_testcli_run("customer", "add", "--workspace-id", ws, "--name",
                                          "Initech", "--mrr", bad[i], NULL);
        cr_expect(run.status == 1 || run.status == 2, "--mrr '%s': status %d", bad[i], run.status);
        cr_expect(strstr(run.err, "--mrr"), "--mrr '%s': stderr: %s", bad[i], run.err);
        cr_expect_str_empty(run.out, "--mrr '%s'", bad[i]);
        cs_testrun_free(&run);
    }
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM customers", NULL, NULL), 0);

    /* the largest amount numeric(14, 2) holds, and leading zeros, are fine */
    free(cs_testcli_ok_value(cs_testcli_run("customer", "add", "--workspace-id", ws, "--name",
                                            "Big", "--mrr", "999999999999.99", NULL)));
    free(cs_testcli_ok_value(cs_testcli_run("customer", "add", "--workspace-id", ws, "--name",
                                            "Small", "--mrr", "007.5", NULL)));
    expect_query("SELECT mrr::text FROM customers WHERE name = 'Small'", NULL, NULL, "7.50");
}

Test(cli, customer_add_rejects_bad_domain)
{
    migrate();
    char ws[CS_UUID_LEN];
    create_workspace("Acme", ws);
    cs_testcli_expect_failure(cs_testcli_run("customer", "add", "--workspace-id", ws, "--name",
                                             "Initech", "--domain", "https://initech.com/", NULL),
                              1, "--domain");
    cs_testcli_expect_failure(cs_testcli_run("customer", "add", "--workspace-id", ws, "--name",
                                             "Initech", "--domain", "www.", NULL),
                              1, "--domain");
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM customers", NULL, NULL), 0);
}

Test(cli, customer_add_rejects_duplicates)
{
    migrate();
    char ws[CS_UUID_LEN], want[200];
    create_workspace("Acme", ws);
    free(cs_testcli_ok_value(cs_testcli_run("customer", "add", "--workspace-id", ws, "--name",
                                            "Initech", "--domain", "initech.com", NULL)));
    snprintf(want, sizeof want, "workspace %s already has a customer named 'INITECH'", ws);
    cs_testcli_expect_failure(
        cs_testcli_run("customer", "add", "--workspace-id", ws, "--name", "INITECH", NULL), 1,
        want);
    snprintf(want, sizeof want,
             "workspace %s already has a customer with domain 'initech.com' ('Initech')", ws);
    cs_testcli_expect_failure(cs_testcli_run("customer", "add", "--workspace-id", ws, "--name",
                                             "Initech Europe", "--domain", "www.INITECH.com", NULL),
                              1, want);
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM customers", NULL, NULL), 1);
}

/* ---- usage errors and the database URL ---------------------------------------------------- */

Test(cli, missing_required_flag_is_a_usage_error)
{
    migrate();
    char ws[CS_UUID_LEN];
    create_workspace("Acme", ws);
    cs_testcli_expect_failure(cs_testcli_run("theme", "add", "--workspace-id", ws, NULL), 2,
                              "--name is required");
    cs_testcli_expect_failure(cs_testcli_run("theme", "list", NULL), 2,
                              "--workspace-id is required");
    cs_testcli_expect_failure(cs_testcli_run("workspace", "create", NULL), 2, "--name is required");
    cs_testcli_expect_failure(cs_testcli_run("theme", "add", "--workspace-id", ws, "--name", NULL),
                              2, "needs a value");
    char *no_db[] = {"DATABASE_URL=", NULL};
    cs_testcli_expect_failure(cs_testcli_run_env(no_db, "workspace", "list", NULL), 2,
                              "DATABASE_URL");
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM themes", NULL, NULL), 1);
}

Test(cli_usage, unknown_commands_and_flags_are_usage_errors)
{
    char *env[] = {"DATABASE_URL=postgresql://127.0.0.1:1/x", NULL};
    cs_testcli_expect_failure(cs_testcli_run_env(env, "bogus", NULL), 2, "unknown command 'bogus'");
    cs_testcli_expect_failure(cs_testcli_run_env(env, "theme", "bogus", NULL), 2,
                              "unknown command 'theme bogus'");
    cs_testcli_expect_failure(cs_testcli_run_env(env, "theme", NULL), 2,
                              "'theme' needs a command: add or list");
    cs_testcli_expect_failure(cs_testcli_run_env(env, "workspace", "list", "--bogus", NULL), 2,
                              "unknown option '--bogus'");
    cs_testcli_expect_failure(cs_testcli_run_env(env, "migrate", "extra", NULL), 2,
                              "unexpected argument 'extra'");

    cs_testrun_t run = cs_testcli_run_env(env, NULL);
    cr_expect_eq(run.status, 2);
    cr_expect(strstr(run.err, "Usage: callsift"), "stderr: %s", run.err);
    cs_testrun_free(&run);
}

Test(cli_usage, bad_database_url_fails_fast_without_the_password)
{
    char *env[] = {"DATABASE_URL=postgresql://u:s3cretpw@127.0.0.1:1/x", NULL};
    int64_t start = cs_now_ms();
    cs_testrun_t run = cs_testcli_run_env(env, "workspace", "list", NULL);
    cr_expect_eq(run.status, 1, "status %d, stderr: %s", run.status, run.err);
    cr_expect(strstr(run.err, "PostgreSQL"), "stderr: %s", run.err);
    cr_expect(!strstr(run.err, "s3cretpw") && !strstr(run.out, "s3cretpw"), "stderr: %s", run.err);
    cr_expect_lt(cs_now_ms() - start, 15000, "took %lld ms", (long long)(cs_now_ms() - start));
    cs_testrun_free(&run);

    /* the same URL given as a flag, on a command that writes */
    char *no_env[] = {"DATABASE_URL=", NULL};
    run = cs_testcli_run_env(no_env, "workspace", "create", "--name", "Acme", "--database-url",
                             "postgresql://u:s3cretpw@127.0.0.1:1/x", NULL);
    cr_expect_eq(run.status, 1, "status %d, stderr: %s", run.status, run.err);
    cr_expect(strstr(run.err, "PostgreSQL"), "stderr: %s", run.err);
    cr_expect(!strstr(run.err, "s3cretpw") && !strstr(run.out, "s3cretpw"), "stderr: %s", run.err);
    cs_testrun_free(&run);

    /* a usage error that echoes the URL masks it too */
    run = cs_testcli_run_env(env, "migrate", "postgresql://u:s3cretpw@127.0.0.1:1/x", NULL);
    cr_expect_eq(run.status, 2, "status %d, stderr: %s", run.status, run.err);
    cr_expect(strstr(run.err, "unexpected argument"), "stderr: %s", run.err);
    cr_expect(!strstr(run.err, "s3cretpw"), "stderr: %s", run.err);
    cs_testrun_free(&run);
}

/* ---- help --------------------------------------------------------------------------------- */

typedef struct {
    const char *words[2];
    const char *flags[4];
} help_case_t;

Test(cli_usage, every_command_has_help)
{
    static const help_case_t cases[] = {
        {{"migrate", NULL}, {NULL}},
        {{"workspace", "create"}, {"--name", NULL}},
        {{"workspace", "list"}, {"--format", NULL}},
        {{"workspace", "domains"}, {"--add", "--remove", "--format", NULL}},
        {{"theme", "add"}, {"--workspace-id", "--name", "--description", NULL}},
        {{"theme", "list"}, {"--workspace-id", "--format", NULL}},
        {{"customer", "add"}, {"--workspace-id", "--name", "--domain", "--mrr"}},
        {{"customer", "list"}, {"--workspace-id", "--format", NULL}},
        {{"feature", "merge"}, {"--into", "--by", "SOURCE_ID...", NULL}},
        {{"feature", "unmerge"}, {"--by", "SOURCE_ID", NULL}},
        {{"feature", "reject"}, {"--reason", "--by", NULL}},
        {{"feature", "restore"}, {"--by", NULL}},
        {{"feature", "rename"}, {"--name", "--by", NULL}},
        {{"feature", "move"}, {"--theme", "--by", NULL}},
        {{"feature", "set-status"}, {"new|under-review|planned|shipped", "--by", NULL}},
        {{"feature", "describe"}, {"--description", "--by", NULL}},
        {{"feature", "split"}, {"--calls", "--into", "--name", "--by"}},
        {{"feature", "history"}, {"--format", NULL}},
        {{"feature", "undo"}, {"ACTION_ID", "--by", NULL}},
    };
    char *env[] = {"DATABASE_URL=postgresql://u:s3cretpw@127.0.0.1:1/x", NULL};
    for (size_t i = 0; i < CS_ARRAY_LEN(cases); i++) {
        const help_case_t *c = &cases[i];
        cs_testrun_t run = c->words[1]
                               ? cs_testcli_run_env(env, c->words[0], c->words[1], "--help", NULL)
                               : cs_testcli_run_env(env, c->words[0], "--help", NULL);
        cr_expect_eq(run.status, 0, "%s %s --help: status %d", c->words[0], c->words[1],
                     run.status);
        cr_expect(strstr(run.out, "Usage: callsift"), "%s", run.out);
        cr_expect(strstr(run.out, "--database-url"), "%s", run.out);
        cr_expect(strstr(run.out, "DATABASE_URL"), "%s", run.out);
        cr_expect(!strstr(run.out, "s3cretpw"), "%s", run.out);
        for (size_t f = 0; f < CS_ARRAY_LEN(c->flags) && c->flags[f]; f++)
            cr_expect(strstr(run.out, c->flags[f]), "no %s in help of %s %s:\n%s", c->flags[f],
                      c->words[0], c->words[1], run.out);
        cs_testrun_free(&run);
    }
}

Test(cli_usage, top_level_help_lists_every_command)
{
    const char *commands[] = {"migrate",    "workspace create", "workspace list", "theme add",
                              "theme list", "customer add",     "customer list"};
    cs_testrun_t run = cs_testcli_run_env(NULL, "--help", NULL);
    cr_expect_eq(run.status, 0);
    for (size_t i = 0; i < CS_ARRAY_LEN(commands); i++)
        cr_expect(strstr(run.out, commands[i]), "no '%s' in:\n%s", commands[i], run.out);
    cr_expect(strstr(run.out, "DATABASE_URL"), "%s", run.out);
    cs_testrun_free(&run);

    run = cs_testcli_run_env(NULL, "theme", "--help", NULL);
    cr_expect_eq(run.status, 0);
    cr_expect(strstr(run.out, "theme add") && strstr(run.out, "theme list"), "%s", run.out);
    cr_expect(!strstr(run.out, "customer add"), "%s", run.out);
    cs_testrun_free(&run);
}
