/* Customers from Gong's CRM context, through the real pipeline: the fake Gong serves calls the
   test writes, the real fetcher, extractor (offline), matcher and writer store them, and the
   real `callsift` shows the result.

     a_hubspot_contact_only_call_is_attributed_to_the_contacts_company: a call whose only CRM
       context is the HubSpot Contact of its customer participant adds that contact's company
       (with the contact's e-mail domain) to the customers table; `customer list` counts the
       call and the report quotes the request under that customer. A later call whose HubSpot
       Company carries an MRR sets it; an older call with another MRR, fetched after it, does
       not change it.
     an_operators_mrr_survives_calls_without_a_newer_one: a customer the operator added with an
       MRR keeps it through a call (a Salesforce Contact) without an MRR and through a call
       whose Opportunity gives an MRR but started before the operator set it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "cs_testcli.h"
#include "cs_testproc.h"
#include "cs_util.h"
#include "cs_uuid.h"
#include "fake_gong.h"

#define GONG_KEY    "key-crm-1"
#define GONG_SECRET "secret-crm-1"

enum { WRITER, MATCHER, EXTRACTOR, NSTAGES };

typedef struct {
    char ws[CS_UUID_LEN];
    char ep[4][64]; /* calls, extractions, decisions, acks */
    cs_testproc_t p[NSTAGES];
    fake_gong_t *gong;
} rig_t;

static rig_t s_rig;

static void s_start_stage(int stage, const char *const *args)
{
    static const char *const BINS[NSTAGES] = {"callsift-writer", "callsift-matcher",
                                              "callsift-extractor"};
    char *argv[16];
    int n = 0;
    argv[n++] = (char *)cs_testproc_bin(BINS[stage]);
    for (; *args && n < 15; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
    char *env[] = {(char *)cs_testcli_env_db(), "CALLSIFT_PROVIDER=offline", NULL};
    cs_testproc_start(&s_rig.p[stage], argv, env);
}

static void s_setup(void)
{
    cs_testcli_setup_migrated();
    char *id =
        cs_testcli_ok_value(cs_testcli_run("workspace", "create", "--name", "CRM customers", NULL));
    cr_assert(cs_uuid_valid(id), "workspace create printed '%s'", id);
    cs_strlcpy(s_rig.ws, id, sizeof s_rig.ws);
    free(id);
    for (int i = 0; i < 4; i++)
        cs_testproc_free_endpoint(s_rig.ep[i], sizeof s_rig.ep[i]);
    s_rig.gong = fake_gong_start();
    cr_assert(s_rig.gong);
    fake_gong_set_credentials(s_rig.gong, GONG_KEY, GONG_SECRET);

    static char calls[96], extractions[96], decisions[96], acks[96];
    snprintf(calls, sizeof calls, "--calls-endpoint=%s", s_rig.ep[0]);
    snprintf(extractions, sizeof extractions, "--extractions-endpoint=%s", s_rig.ep[1]);
    snprintf(decisions, sizeof decisions, "--decisions-endpoint=%s", s_rig.ep[2]);
    snprintf(acks, sizeof acks, "--acks-endpoint=%s", s_rig.ep[3]);
    s_start_stage(WRITER, (const char *[]){decisions, acks, NULL});
    s_start_stage(MATCHER, (const char *[]){extractions, decisions, NULL});
    s_start_stage(EXTRACTOR, (const char *[]){calls, extractions, NULL});
}

/* Stop the stages; one that does not stop cleanly (a leak in an ASan build, a crash) fails the
   test. The end of each test calls it. */
static void s_stop_stages(void)
{
    for (int i = NSTAGES - 1; i >= 0; i--) {
        int status = cs_testproc_stop(&s_rig.p[i], 10000);
        if (status != 0) {
            char *log = cs_testproc_log(&s_rig.p[i]);
            cr_log_error("stage %d exited %d:\n%s", i, status, log);
            free(log);
        }
        cr_expect_eq(status, 0, "stage %d did not stop cleanly on SIGTERM", i);
    }
}

static void s_teardown(void)
{
    for (int i = NSTAGES - 1; i >= 0; i--)
        if (s_rig.p[i].pid)
            cs_testproc_kill(&s_rig.p[i]);
    fake_gong_stop(&s_rig.gong);
    cs_testcli_teardown();
}

/* Run the fetcher once over 2026 against the fake Gong, until the writer acked every call. */
static void s_fetch(void)
{
    char calls[96], acks[96], base[160];
    snprintf(calls, sizeof calls, "--calls-endpoint=%s", s_rig.ep[0]);
    snprintf(acks, sizeof acks, "--acks-endpoint=%s", s_rig.ep[3]);
    snprintf(base, sizeof base, "--gong-base-url=%s", fake_gong_url(s_rig.gong));
    char *argv[] = {(char *)cs_testproc_bin("callsift-fetcher"),
                    "--workspace-id",
                    s_rig.ws,
                    base,
                    "--from",
                    "2026-01-01T00:00:00Z",
                    "--to",
                    "2027-01-01T00:00:00Z",
                    calls,
                    acks,
                    NULL};
    char *env[] = {(char *)cs_testcli_env_db(), "GONG_ACCESS_KEY=" GONG_KEY,
                   "GONG_ACCESS_KEY_SECRET=" GONG_SECRET, NULL};
    cs_testrun_t run = cs_testproc_run(argv, env, NULL, 90000);
    cr_assert_eq(run.status, 0, "the fetcher exited %d:\n%s%s", run.status, run.out, run.err);
    cs_testrun_free(&run);
}

/* A party of a call: JSON text of its context array, or NULL for none. */
static json_t *s_party(const char *id, const char *email, const char *affiliation,
                       const char *context)
{
    json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", id, "speakerId", id, "emailAddress",
                          email, "name", id, "affiliation", affiliation);
    if (context) {
        json_error_t jerr;
        json_t *c = json_loads(context, 0, &jerr);
        cr_assert_not_null(c, "bad context: %s", jerr.text);
        json_object_set_new(p, "context", c);
    }
    return p;
}

/* Add a call to the fake Gong: our rep asks, the customer (`customer`, a party) answers with
   `request`; `context` is the call-level CRM context (JSON text) or NULL. */
static void s_add_call(const char *id, const char *started, json_t *customer, const char *context,
                       const char *request)
{
    json_t *call =
        json_pack("{s:{s:s, s:s, s:s, s:i, s:s}, s:[o, o]}", "metaData", "id", id, "title", id,
                  "started", started, "duration", 600, "scope", "External", "parties",
                  s_party("rep", "sam@helpdeskly.example", "Internal",
                          "[{\"system\": \"HubSpot\", \"objects\": [{\"objectType\": \"Contact\","
                          " \"fields\": [{\"name\": \"company\", \"value\": \"Helpdeskly\"}]}]}]"),
                  customer);
    if (context) {
        json_error_t jerr;
        json_t *c = json_loads(context, 0, &jerr);
        cr_assert_not_null(c, "bad context: %s", jerr.text);
        json_object_set_new(call, "context", c);
    }
    const char *cust_id = json_string_value(json_object_get(customer, "speakerId"));
    json_t *transcript =
        json_pack("{s:s, s:[{s:s, s:[{s:i, s:i, s:s}]}, {s:s, s:[{s:i, s:i, s:s}]}]}", "callId", id,
                  "transcript", "speakerId", "rep", "sentences", "start", 1000, "end", 4000, "text",
                  "What would make the product better for your team?", "speakerId", cust_id,
                  "sentences", "start", 5000, "end", 12000, "text", request);
    cr_assert_eq(fake_gong_add_call(s_rig.gong, call, transcript), 0);
    json_decref(call);
    json_decref(transcript);
}

/* The customers table row of `name`: "domain|mrr|mrr_source|mrr_as_of (UTC)". */
static char *s_customer_row(const char *name)
{
    return cs_testcli_query(
        "SELECT concat_ws('|', coalesce(domain, '-'), mrr, coalesce(mrr_source, '-'),"
        " coalesce(to_char(mrr_as_of AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), '-'))"
        " FROM customers WHERE workspace_id = $1 AND name = $2",
        s_rig.ws, name);
}

static void s_expect_customer(const char *name, const char *want)
{
    char *got = s_customer_row(name);
    cr_expect_str_eq(got, want, "customer %s", name);
    free(got);
}

/* `callsift customer list --format json`: the row named `name` (new reference), or NULL. */
static json_t *s_listed(const char *name)
{
    char *out = cs_testcli_ok(
        cs_testcli_run("customer", "list", "--workspace-id", s_rig.ws, "--format", "json", NULL));
    json_error_t jerr;
    json_t *rows = json_loads(out, 0, &jerr);
    cr_assert(json_is_array(rows), "customer list: %s", out);
    free(out);
    json_t *found = NULL;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (strcmp(json_string_value(json_object_get(row, "name")) ?: "", name) == 0)
            found = json_incref(row);
    }
    json_decref(rows);
    return found;
}

#define NORTHWIND_CONTACT                                                                          \
    "[{\"system\": \"HubSpot\", \"objects\": [{\"objectType\": \"Contact\", \"objectId\": "        \
    "\"4410\", \"fields\": [{\"name\": \"firstname\", \"value\": \"Jane\"}, {\"name\": "           \
    "\"company\", \"value\": \"Northwind Traders\"}, {\"name\": \"email\", \"value\": "            \
    "\"jane@northwind-traders.example\"}], \"timing\": \"Now\"}]}]"

/* A HubSpot Company on the call, with a (custom) mrr property. */
#define NORTHWIND_COMPANY(mrr)                                                                     \
    "[{\"system\": \"HubSpot\", \"objects\": [{\"objectType\": \"Company\", \"fields\": ["         \
    "{\"name\": \"name\", \"value\": \"Northwind Traders\"}, {\"name\": \"domain\", \"value\": "   \
    "\"northwind-traders.example\"}, {\"name\": \"mrr\", \"value\": \"" mrr "\"}]}]}]"

TestSuite(crm_customers, .init = s_setup, .fini = s_teardown, .timeout = 300);

Test(crm_customers, a_hubspot_contact_only_call_is_attributed_to_the_contacts_company)
{
    s_add_call("crm-a", "2026-03-01T10:00:00Z",
               s_party("jane", "jane@northwind-traders.example", "External", NORTHWIND_CONTACT),
               NULL, "It would be great if we could export our ticket reports to CSV every week.");
    s_fetch();
    s_expect_customer("Northwind Traders", "northwind-traders.example|0.00|-|-");
    json_t *row = s_listed("Northwind Traders");
    cr_assert_not_null(row, "customer list does not show the contact's company");
    cr_expect_eq(json_integer_value(json_object_get(row, "calls")), 1);
    json_decref(row);

    /* the report quotes the request under that customer */
    char *out = cs_testcli_ok(
        cs_testcli_run("report", "--workspace-id", s_rig.ws, "--format", "json", NULL));
    json_error_t jerr;
    json_t *doc = json_loads(out, 0, &jerr);
    cr_assert(json_is_array(doc) && json_array_size(doc) >= 1, "report: %s", out);
    const json_t *q = json_array_get(json_object_get(json_array_get(doc, 0), "quotes"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(q, "customer")) ?: "", "Northwind Traders",
                     "report: %s", out);
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(doc, 0), "customers")), 1);
    json_decref(doc);
    free(out);

    /* a later call's Company gives the MRR */
    s_add_call("crm-b", "2026-03-10T10:00:00Z",
               s_party("jane", "jane@northwind-traders.example", "External", NORTHWIND_CONTACT),
               NORTHWIND_COMPANY("3000"), "We still need CSV export for the ticket reports.");
    s_fetch();
    s_expect_customer("Northwind Traders",
                      "northwind-traders.example|3000.00|crm|2026-03-10 10:00");

    /* an older call, fetched later, does not replace it */
    s_add_call("crm-c", "2026-03-05T10:00:00Z",
               s_party("jane", "jane@northwind-traders.example", "External", NORTHWIND_CONTACT),
               NORTHWIND_COMPANY("1000"), "Please add CSV export of the ticket reports.");
    s_fetch();
    s_expect_customer("Northwind Traders",
                      "northwind-traders.example|3000.00|crm|2026-03-10 10:00");
    row = s_listed("Northwind Traders");
    cr_assert_not_null(row);
    cr_expect_eq(json_integer_value(json_object_get(row, "calls")), 3);
    json_decref(row);
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM customers WHERE workspace_id = $1",
                                     s_rig.ws, NULL),
                 1, "one customer, found again by its domain and name");
    s_stop_stages();
}

Test(crm_customers, an_operators_mrr_survives_calls_without_a_newer_one)
{
    free(cs_testcli_ok_value(cs_testcli_run("customer", "add", "--workspace-id", s_rig.ws, "--name",
                                            "Globex Health", "--domain", "globex.example", "--mrr",
                                            "8400", NULL)));
    char *as_of = cs_testcli_query("SELECT mrr_source || ' ' || (mrr_as_of > now() - interval"
                                   " '5 minutes') FROM customers WHERE workspace_id = $1",
                                   s_rig.ws, NULL);
    cr_expect_str_eq(as_of, "operator true", "the operator's MRR, as of now");
    free(as_of);

    /* a Salesforce Contact names the customer; the call has no MRR */
    s_add_call("crm-d", "2026-04-01T09:00:00Z",
               s_party("hank", "hank@globex.example", "External",
                       "[{\"system\": \"Salesforce\", \"objects\": [{\"objectType\": \"Contact\","
                       " \"fields\": [{\"name\": \"AccountName\", \"value\": \"Globex Health\"},"
                       " {\"name\": \"Email\", \"value\": \"hank@globex.example\"}]}]}]"),
               NULL, "It would be great if we could export our ticket reports to CSV every week.");
    /* an Opportunity with an MRR, from a call before the operator set it */
    s_add_call("crm-e", "2026-04-02T09:00:00Z",
               s_party("hank", "hank@globex.example", "External", NULL),
               "[{\"system\": \"Salesforce\", \"objects\": [{\"objectType\": \"Opportunity\","
               " \"fields\": [{\"name\": \"AccountName\", \"value\": \"Globex Health\"},"
               " {\"name\": \"MRR__c\", \"value\": 100}]}]}]",
               "We would love an export of the ticket reports to CSV.");
    s_fetch();
    char *row = s_customer_row("Globex Health");
    cr_expect(strncmp(row, "globex.example|8400.00|operator|", 32) == 0, "Globex Health: %s", row);
    free(row);
    json_t *listed_row = s_listed("Globex Health");
    cr_assert_not_null(listed_row);
    cr_expect_eq(json_integer_value(json_object_get(listed_row, "calls")), 2);
    cr_expect_float_eq(json_number_value(json_object_get(listed_row, "mrr")), 8400.0, 1e-9);
    json_decref(listed_row);
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM customers WHERE workspace_id = $1",
                                     s_rig.ws, NULL),
                 1);
    s_stop_stages();
}
