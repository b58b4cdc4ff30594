/* cs_fetchdb: what the fetcher reads from PostgreSQL, against a fresh migrated database. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <czmq.h>
#include <jansson.h>

#include "cs_db.h"
#include "cs_fetchdb.h"
#include "cs_record.h"
#include "cs_testdb.h"

#define WS        "11111111-1111-4111-8111-111111111111"
#define WS_OTHER  "22222222-2222-4222-8222-222222222222"
#define WS_EMPTY  "33333333-3333-4333-8333-333333333333"
#define WS_NONE   "44444444-4444-4444-8444-444444444444" /* no such workspace */
#define MALFORMED "not-a-uuid"

static cs_testdb_t s_tdb;
static cs_db_t *s_db;

/* Three workspaces: WS with two Gong integrations (the older one counts), a Slack one, two
   customers with a domain and one without, and calls processed and not; WS_OTHER with a
   customer and a call of its own; WS_EMPTY with nothing. */
static void s_setup(void)
{
    cs_testdb_create(&s_tdb, true);
    s_db = cs_testdb_connect(&s_tdb);
    char err[512];
    const char *sql =
        "INSERT INTO workspaces (id, name) VALUES ('" WS "', 'Acme Sales'),"
        " ('" WS_OTHER "', 'Other'), ('" WS_EMPTY "', 'Empty');"
        "INSERT INTO integrations (id, workspace_id, provider, name, created_at) VALUES"
        " ('aaaaaaaa-0000-4000-8000-000000000002', '" WS "', 'gong', 'second', now()),"
        " ('aaaaaaaa-0000-4000-8000-000000000001', '" WS "', 'gong', 'first',"
        "  now() - interval '1 day'),"
        " ('aaaaaaaa-0000-4000-8000-000000000003', '" WS "', 'slack', 'older',"
        "  now() - interval '2 days');"
        "INSERT INTO customers (id, workspace_id, name, domain, mrr) VALUES"
        " ('bbbbbbbb-0000-4000-8000-000000000001', '" WS "', 'Initech', 'INITECH.com', 1250.5),"
        " ('bbbbbbbb-0000-4000-8000-000000000002', '" WS "', 'Globex', 'www.globex.io', 0),"
        " ('bbbbbbbb-0000-4000-8000-000000000003', '" WS "', 'Nodomain', NULL, 99),"
        " ('bbbbbbbb-0000-4000-8000-000000000004', '" WS_OTHER "', 'Hooli', 'hooli.com', 7);"
        "INSERT INTO messages (id, workspace_id, source, external_id, sent_at, is_processed)"
        " VALUES"
        " ('cccccccc-0000-4000-8000-000000000001', '" WS "', 'gong', 'done-1', now(), true),"
        " ('cccccccc-0000-4000-8000-000000000002', '" WS "', 'gong', 'done-2', now(), true),"
        " ('cccccccc-0000-4000-8000-000000000003', '" WS "', 'gong', 'failed-1', now(), false),"
        " ('cccccccc-0000-4000-8000-000000000004', '" WS "', 'replay', 'done-3', now(), true),"
        " ('cccccccc-0000-4000-8000-000000000005', '" WS_OTHER "', 'gong', 'other-1', now(),"
        "  true);";
    cr_assert_eq(cs_db_script(s_db, sql, err, sizeof err), 0, "%s", err);
}

static void s_teardown(void)
{
    cs_db_destroy(&s_db);
    cs_testdb_drop(&s_tdb);
}

TestSuite(fetchdb, .init = s_setup, .fini = s_teardown);

Test(fetchdb, workspace_with_its_oldest_gong_integration)
{
    cs_fetch_workspace_t ws;
    char err[256] = "";
    cr_assert_eq(cs_fetchdb_workspace(s_db, WS, &ws, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(ws.workspace_id, WS);
    cr_expect_str_eq(ws.workspace_name, "Acme Sales");
    cr_expect_str_eq(ws.integration_id, "aaaaaaaa-0000-4000-8000-000000000001");
}

Test(fetchdb, workspace_without_integration_has_an_empty_integration_id)
{
    cs_fetch_workspace_t ws;
    char err[256] = "";
    cr_assert_eq(cs_fetchdb_workspace(s_db, WS_EMPTY, &ws, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(ws.workspace_name, "Empty");
    cr_expect_str_eq(ws.integration_id, "");
}

Test(fetchdb, unknown_or_malformed_workspace_is_an_error_that_says_so)
{
    cs_fetch_workspace_t ws;
    char err[256] = "";
    cr_expect_eq(cs_fetchdb_workspace(s_db, WS_NONE, &ws, err, sizeof err), -1);
    cr_expect(strstr(err, "no workspace with id " WS_NONE), "%s", err);
    cr_expect(strstr(err, "callsift workspace create"), "%s", err);
    err[0] = '\0';
    cr_expect_eq(cs_fetchdb_workspace(s_db, MALFORMED, &ws, err, sizeof err), -1);
    cr_expect(strstr(err, "'" MALFORMED "' is not a UUID"), "%s", err);
}

Test(fetchdb, workspace_time_zone_and_local_times_in_it)
{
    cs_fetch_workspace_t ws;
    char err[256] = "";
    cr_assert_eq(cs_fetchdb_workspace(s_db, WS, &ws, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(ws.time_zone, "UTC", "UTC unless set");
    const char *p[] = {WS_EMPTY};
    cr_assert_eq(cs_db_command(s_db,
                               "UPDATE workspaces SET time_zone = 'Asia/Kolkata' WHERE id = $1", 1,
                               p, err, sizeof err),
                 0, "%s", err);
    cr_assert_eq(cs_fetchdb_workspace(s_db, WS_EMPTY, &ws, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(ws.time_zone, "Asia/Kolkata");

    /* 2026-01-02 00:00 in Kolkata (+05:30) is 2026-01-01T18:30:00Z */
    int64_t t = 0;
    cr_assert_eq(cs_fetchdb_local_time(s_db, 1767312000, "Asia/Kolkata", &t, err, sizeof err), 0,
                 "%s", err);
    cr_expect_eq(t, 1767312000 - 5 * 3600 - 1800);
    /* New York keeps summer time: -04:00 on 2026-07-01, -05:00 on 2026-01-02 */
    cr_assert_eq(cs_fetchdb_local_time(s_db, 1782864000, "America/New_York", &t, err, sizeof err),
                 0, "%s", err);
    cr_expect_eq(t, 1782864000 + 4 * 3600);
    cr_assert_eq(cs_fetchdb_local_time(s_db, 1767312000, "America/New_York", &t, err, sizeof err),
                 0, "%s", err);
    cr_expect_eq(t, 1767312000 + 5 * 3600);
    t = 7;
    cr_expect_eq(cs_fetchdb_local_time(s_db, 1767312000, "Asia/Kolkatta", &t, err, sizeof err), -1);
    cr_expect(strstr(err, "Asia/Kolkatta"), "%s", err);
    cr_expect_eq(t, 7, "unchanged on failure");
}

/* The keys of a hash, sorted and joined by spaces, into buf. */
static const char *s_keys(zhashx_t *ids, char *buf, size_t size)
{
    zlistx_t *keys = zhashx_keys(ids);
    zlistx_set_comparator(keys, (zlistx_comparator_fn *)strcmp);
    zlistx_sort(keys);
    buf[0] = '\0';
    for (const char *k = zlistx_first(keys); k; k = zlistx_next(keys)) {
        size_t used = strlen(buf);
        int n = snprintf(buf + used, size - used, "%s%s", used ? " " : "", k);
        cr_assert(n >= 0 && (size_t)n < size - used, "keys longer than the buffer");
    }
    zlistx_destroy(&keys);
    return buf;
}

static void s_expect_ids(zhashx_t *ids, const char *want)
{
    cr_assert_not_null(ids);
    char got[256];
    cr_expect_str_eq(s_keys(ids, got, sizeof got), want);
    zhashx_destroy(&ids);
}

Test(fetchdb, done_and_unprocessed_are_per_workspace_and_source)
{
    char err[256] = "";
    s_expect_ids(cs_fetchdb_done(s_db, WS, "gong", err, sizeof err), "done-1 done-2");
    s_expect_ids(cs_fetchdb_done(s_db, WS, "replay", err, sizeof err), "done-3");
    s_expect_ids(cs_fetchdb_unprocessed(s_db, WS, "gong", err, sizeof err), "failed-1");
    s_expect_ids(cs_fetchdb_unprocessed(s_db, WS, "replay", err, sizeof err), "");
    s_expect_ids(cs_fetchdb_done(s_db, WS_OTHER, "gong", err, sizeof err), "other-1");
}

Test(fetchdb, a_workspace_without_calls_has_none_done)
{
    char err[256] = "";
    s_expect_ids(cs_fetchdb_done(s_db, WS_EMPTY, "gong", err, sizeof err), "");
    s_expect_ids(cs_fetchdb_unprocessed(s_db, WS_NONE, "gong", err, sizeof err), "");
}

Test(fetchdb, malformed_ids_fail_with_the_database_reason)
{
    char err[256] = "";
    cr_expect_null(cs_fetchdb_done(s_db, MALFORMED, "gong", err, sizeof err));
    cr_expect(strstr(err, "22P02"), "invalid text representation: %s", err);
    err[0] = '\0';
    cr_expect_null(cs_fetchdb_unprocessed(s_db, MALFORMED, "gong", err, sizeof err));
    cr_expect(strstr(err, "22P02"), "%s", err);
    err[0] = '\0';
    cr_expect_null(cs_fetchdb_customers(s_db, MALFORMED, err, sizeof err));
    cr_expect(strstr(err, "22P02"), "%s", err);
}

Test(fetchdb, customers_by_canonical_domain_of_that_workspace_only)
{
    char err[256] = "";
    json_t *got = cs_fetchdb_customers(s_db, WS, err, sizeof err);
    cr_assert_not_null(got, "%s", err);
    json_t *want = json_pack("{s:{s:s, s:f, s:s}, s:{s:s, s:f, s:s}}", "initech.com", "name",
                             "Initech", "mrr", 1250.5, "domain", "initech.com", "globex.io", "name",
                             "Globex", "mrr", 0.0, "domain", "globex.io");
    char *got_text = json_dumps(got, JSON_SORT_KEYS), *want_text = json_dumps(want, JSON_SORT_KEYS);
    cr_expect_str_eq(got_text, want_text, "no customer without a domain, none of WS_OTHER");
    free(got_text);
    free(want_text);
    json_decref(want);
    json_decref(got);
}

Test(fetchdb, a_workspace_without_customers_has_an_empty_list)
{
    char err[256] = "";
    json_t *got = cs_fetchdb_customers(s_db, WS_EMPTY, err, sizeof err);
    cr_assert_not_null(got, "%s", err);
    cr_expect(json_is_object(got));
    cr_expect_eq(json_object_size(got), 0);
    json_decref(got);
    got = cs_fetchdb_customers(s_db, WS_NONE, err, sizeof err);
    cr_assert_not_null(got, "%s", err);
    cr_expect_eq(json_object_size(got), 0);
    json_decref(got);
}

Test(fetchdb, attach_customer_by_an_external_participants_domain)
{
    char err[256] = "";
    json_t *customers = cs_fetchdb_customers(s_db, WS, err, sizeof err);
    cr_assert_not_null(customers, "%s", err);
    json_t *rec =
        json_pack("{s:[{s:s, s:s}, {s:s, s:s}]}", "participants", "affiliation", "Internal",
                  "email", "rep@globex.io", "affiliation", "External", "email", "Pat@Initech.COM");
    cr_expect(cs_fetchdb_attach_customer(rec, customers));
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(rec, "customer"), "name")),
                     "Initech", "the internal participant's domain does not count");
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(rec, "customer"), "source")),
                     "domain");
    cr_expect(!cs_fetchdb_attach_customer(rec, customers), "a call with a customer keeps it");

    /* a CRM customer without a name or domain: the table names it, the CRM's MRR stays */
    json_object_set_new(rec, "customer", json_pack("{s:f, s:s}", "mrr", 77.5, "source", "account"));
    cr_expect(cs_fetchdb_attach_customer(rec, customers));
    const json_t *c = json_object_get(rec, "customer");
    cr_expect_str_eq(json_string_value(json_object_get(c, "name")), "Initech");
    cr_expect_float_eq(json_number_value(json_object_get(c, "mrr")), 77.5, 1e-9);
    cr_expect_str_eq(json_string_value(json_object_get(c, "source")), "account");
    /* a CRM customer with a name keeps it */
    json_object_set_new(rec, "customer",
                        json_pack("{s:s, s:s}", "name", "Northwind", "source", "contact"));
    cr_expect(!cs_fetchdb_attach_customer(rec, customers));
    cr_expect_str_eq(cs_rec_str(json_object_get(rec, "customer"), "name"), "Northwind");
    json_decref(rec);
    rec = json_pack("{s:[{s:s, s:s}]}", "participants", "affiliation", "External", "email",
                    "someone@unknown.org");
    cr_expect(!cs_fetchdb_attach_customer(rec, customers));
    cr_expect_null(json_object_get(rec, "customer"));
    json_decref(rec);
    json_decref(customers);
}

/* The vendor domains as one comma-separated string, for comparisons. */
static const char *s_joined(const json_t *list, char *buf, size_t size)
{
    buf[0] = '\0';
    size_t i;
    const json_t *d;
    json_array_foreach(list, i, d)
    {
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, "%s%s", len ? "," : "", json_string_value(d));
    }
    return buf;
}

Test(fetchdb, vendor_domains_are_added_as_a_union_per_workspace)
{
    char err[512], buf[1024];
    json_t *none = cs_fetchdb_vendor_domains(s_db, WS, err, sizeof err);
    cr_assert(none, "%s", err);
    cr_expect_eq(json_array_size(none), 0);
    json_decref(none);

    json_t *add = json_pack("[s, s]", "helpdeskly.example", "acme-sales.example");
    json_t *after = cs_fetchdb_add_vendor_domains(s_db, WS, add, err, sizeof err);
    cr_assert(after, "%s", err);
    cr_expect_str_eq(s_joined(after, buf, sizeof buf), "acme-sales.example,helpdeskly.example");
    json_decref(after);
    json_decref(add);

    /* adding what is there changes nothing; a new one joins */
    add = json_pack("[s, s]", "helpdeskly.example", "helpdeskly.io");
    after = cs_fetchdb_add_vendor_domains(s_db, WS, add, err, sizeof err);
    cr_assert(after, "%s", err);
    cr_expect_str_eq(s_joined(after, buf, sizeof buf),
                     "acme-sales.example,helpdeskly.example,helpdeskly.io");
    json_decref(after);
    json_decref(add);
    json_t *read = cs_fetchdb_vendor_domains(s_db, WS, err, sizeof err);
    cr_assert(read, "%s", err);
    cr_expect_str_eq(s_joined(read, buf, sizeof buf),
                     "acme-sales.example,helpdeskly.example,helpdeskly.io");
    json_decref(read);
    cr_expect_eq(cs_testdb_long(s_db, "SELECT cardinality(vendor_domains) FROM workspaces"
                                      " WHERE id = '" WS_OTHER "'"),
                 0);

    add = json_pack("[s]", "x.example");
    cr_expect_null(cs_fetchdb_add_vendor_domains(s_db, WS_NONE, add, err, sizeof err));
    cr_expect(strstr(err, "no such workspace"), "%s", err);
    cr_expect_null(cs_fetchdb_vendor_domains(s_db, WS_NONE, err, sizeof err));
    json_decref(add);
}

/* Fetchers learning domains at the same time keep each other's. */
typedef struct {
    const char *url;
    char prefix;
    int failures;
} s_adder_t;

static void *s_adder(void *arg)
{
    s_adder_t *a = arg;
    char err[512];
    cs_db_t *db = cs_db_connect(a->url, 5, err, sizeof err);
    for (int i = 0; db && i < 30; i++) {
        char domain[64];
        snprintf(domain, sizeof domain, "%c%02d.example", a->prefix, i);
        json_t *add = json_pack("[s]", domain);
        json_t *after = cs_fetchdb_add_vendor_domains(db, WS, add, err, sizeof err);
        a->failures += after == NULL;
        json_decref(after);
        json_decref(add);
    }
    a->failures += db == NULL;
    cs_db_destroy(&db);
    return NULL;
}

Test(fetchdb, concurrent_additions_lose_no_domain)
{
    s_adder_t a = {s_tdb.url, 'a', 0}, b = {s_tdb.url, 'b', 0};
    pthread_t ta, tb;
    cr_assert_eq(pthread_create(&ta, NULL, s_adder, &a), 0);
    cr_assert_eq(pthread_create(&tb, NULL, s_adder, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    cr_assert_eq(a.failures + b.failures, 0);
    cr_expect_eq(cs_testdb_long(s_db, "SELECT cardinality(vendor_domains) FROM workspaces"
                                      " WHERE id = '" WS "'"),
                 60);
}
