/* cs_wgroup: several calls in one transaction, each at its own savepoint, against a real
   PostgreSQL. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_record.h"
#include "cs_testdata.h"
#include "cs_testdb.h"
#include "cs_testws.h"
#include "cs_util.h"
#include "cs_uuid.h"
#include "cs_wgroup.h"

/* a fresh database, a connection and a workspace for each test (tests/lib/cs_testws.h) */
static cs_testws_t *const tw = &cs_testws;

TestSuite(wgroup, .init = cs_testws_setup, .fini = cs_testws_teardown);

__attribute__((format(printf, 2, 3))) static long q(cs_db_t *on, const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return cs_testdb_long(on, sql);
}

static void run(cs_db_t *on, const char *sql)
{
    char err[512];
    cr_assert_eq(cs_db_command(on, sql, 0, NULL, err, sizeof err), 0, "%s: %s", sql, err);
}

/* A call of workspace `w` with one request: a create of `name`, or a link to feature_id. */
static json_t *call(const char *w, const char *external_id, const char *feature_id,
                    const char *name)
{
    json_t *d = cs_testdata_decision(
        cs_testdata_call(w, external_id, "2025-10-20T10:00:00Z", "Acme", "acme.com"));
    cs_testdata_add(d, feature_id ? "link" : "create", feature_id, tw->integrations, name,
                    "medium");
    char err[512];
    cr_assert_eq(cs_record_validate(d, err, sizeof err), 0, "test record invalid: %s", err);
    return d;
}

static const char *feature_of(const json_t *d)
{
    return cs_rec_str(json_array_get(json_object_get(d, "decisions"), 0), "feature_id");
}

/* A group with bad calls between good ones: a call PostgreSQL refuses (a constraint), a call
   that links into another workspace (refused after its message row was written), a call of an
   unknown workspace, and a second delivery of a call of the same group. Each bad call is
   FAILED with its reason and leaves no row; the others are stored, in one transaction, and
   the counts are those of the stored calls only. */
Test(wgroup, a_bad_call_fails_alone_and_its_neighbours_are_stored)
{
    /* the other workspace's feature, stored before */
    char ws2[CS_UUID_LEN], d2[CS_UUID_LEN], t2[CS_UUID_LEN];
    cs_testdata_workspace(tw->db, ws2, d2, t2);
    json_t *theirs = call(ws2, "theirs", NULL, "Theirs");
    char err[1024];
    cr_assert_eq(cs_writer_commit(tw->db, theirs, NULL, err, sizeof err), CS_COMMIT_COMMITTED, "%s",
                 err);
    /* a rule of the database the writer does not know of: a constraint violation mid-call */
    run(tw->db, "ALTER TABLE messages ADD CONSTRAINT test_no_poison"
                " CHECK (external_id NOT LIKE 'poison%')");

    char unknown[CS_UUID_LEN];
    cs_uuid_v4(unknown);
    json_t *first = call(tw->ws, "good-1", NULL, "Salesforce sync");
    json_t *recs[] = {
        first,
        call(tw->ws, "poison-1", NULL, "Poisoned feature"),
        call(tw->ws, "good-2", feature_of(first), "Salesforce sync"),
        call(tw->ws, "foreign-1", feature_of(theirs), "Theirs"),
        json_incref(first),
        call(unknown, "lost-1", NULL, "Lost feature"),
        call(tw->ws, "good-3", NULL, "Dark mode"),
    };
    const cs_commit_status_t want[] = {CS_COMMIT_COMMITTED, CS_COMMIT_FAILED,  CS_COMMIT_COMMITTED,
                                       CS_COMMIT_FAILED,    CS_COMMIT_ALREADY, CS_COMMIT_FAILED,
                                       CS_COMMIT_COMMITTED};
    enum { N = sizeof recs / sizeof recs[0] };
    cs_wgroup_call_t calls[N];
    for (size_t i = 0; i < N; i++)
        calls[i] = (cs_wgroup_call_t){.rec = recs[i], .status = CS_COMMIT_RETRY};
    cr_assert_eq(cs_wgroup_commit(tw->db, calls, N, err, sizeof err), 0, "%s", err);
    for (size_t i = 0; i < N; i++)
        cr_expect_eq(calls[i].status, want[i], "call %zu (%s): %s, %s", i,
                     cs_rec_str(recs[i], "external_id"), cs_commit_status_name(calls[i].status),
                     calls[i].err);
    cr_expect(strstr(calls[1].err, "test_no_poison"), "%s", calls[1].err);
    cr_expect(strstr(calls[3].err, "another workspace"), "%s", calls[3].err);
    cr_expect(strstr(calls[5].err, "unknown workspace"), "%s", calls[5].err);
    char mid[CS_UUID_LEN];
    cs_uuid_message_id(tw->ws, "replay", "good-2", mid);
    cr_expect_str_eq(calls[2].message_id, mid);

    /* the good calls, in one transaction (processed_at is its start), and nothing else */
    cr_assert_eq(q(tw->db,
                   "SELECT count(*) FROM messages WHERE workspace_id = '%s' AND is_processed"
                   " AND external_id IN ('good-1', 'good-2', 'good-3')",
                   tw->ws),
                 3);
    cr_assert_eq(q(tw->db, "SELECT count(*) FROM messages WHERE workspace_id = '%s'", tw->ws), 3);
    cr_assert_eq(q(tw->db,
                   "SELECT count(DISTINCT processed_at) FROM messages WHERE workspace_id = '%s'",
                   tw->ws),
                 1);
    cr_assert_eq(q(tw->db, "SELECT count(*) FROM features WHERE workspace_id = '%s'", tw->ws), 2);
    cr_assert_eq(q(tw->db,
                   "SELECT mention_count FROM features WHERE workspace_id = '%s'"
                   " AND name = 'Salesforce sync'",
                   tw->ws),
                 2);
    cr_assert_eq(
        q(tw->db, "SELECT count(*) FROM match_decisions WHERE workspace_id = '%s'", tw->ws), 3);
    /* their feature got no link from our call; their spend and ours hold the stored calls */
    cr_assert_eq(
        q(tw->db, "SELECT mention_count FROM features WHERE id = '%s'", feature_of(theirs)), 1);
    cr_assert_eq(q(tw->db, "SELECT count(*) FROM feature_messages WHERE feature_id = '%s'",
                   feature_of(theirs)),
                 1);

    /* the same group again: what is stored is ALREADY, what failed fails again, the same way */
    for (size_t i = 0; i < N; i++)
        calls[i] = (cs_wgroup_call_t){.rec = recs[i], .status = CS_COMMIT_RETRY};
    cr_assert_eq(cs_wgroup_commit(tw->db, calls, N, err, sizeof err), 0, "%s", err);
    for (size_t i = 0; i < N; i++)
        cr_expect_eq(calls[i].status,
                     want[i] == CS_COMMIT_FAILED ? CS_COMMIT_FAILED : CS_COMMIT_ALREADY,
                     "call %zu again: %s", i, cs_commit_status_name(calls[i].status));
    cr_assert_eq(q(tw->db, "SELECT count(*) FROM messages WHERE workspace_id = '%s'", tw->ws), 3);
    cr_assert_eq(
        q(tw->db, "SELECT sum(mention_count) FROM features WHERE workspace_id = '%s'", tw->ws), 3);
    for (size_t i = 0; i < N; i++)
        json_decref(recs[i]);
    json_decref(theirs);
}

/* The connection dies in the middle of a group (the server ends it while the fourth call is
   written, after three were): nothing of the group is committed, every call is RETRY. After the
   reconnection, the same group is committed whole, each call once; the statements are prepared
   again on the new connection. */
Test(wgroup, a_connection_lost_mid_group_commits_nothing_and_the_retry_everything)
{
    /* the first time a message of 'kill-me' is written, the server ends the session */
    run(tw->db, "CREATE SEQUENCE test_kill_once");
    run(tw->db, "CREATE FUNCTION test_kill() RETURNS trigger LANGUAGE plpgsql AS $$"
                " BEGIN IF nextval('test_kill_once') = 1 THEN"
                " PERFORM pg_terminate_backend(pg_backend_pid()); END IF; RETURN NEW; END $$");
    run(tw->db, "CREATE TRIGGER test_kill BEFORE INSERT ON messages FOR EACH ROW"
                " WHEN (NEW.external_id = 'kill-me') EXECUTE FUNCTION test_kill()");
    cs_db_t *other = cs_testdb_connect(&tw->t);

    json_t *first = call(tw->ws, "c-1", NULL, "Salesforce sync");
    json_t *recs[] = {first, call(tw->ws, "c-2", feature_of(first), "Salesforce sync"),
                      call(tw->ws, "c-3", NULL, "Dark mode"),
                      call(tw->ws, "kill-me", NULL, "Exports"),
                      call(tw->ws, "c-5", feature_of(first), "Salesforce sync")};
    enum { N = sizeof recs / sizeof recs[0] };
    cs_wgroup_call_t calls[N];
    for (size_t i = 0; i < N; i++)
        calls[i] = (cs_wgroup_call_t){.rec = recs[i], .status = CS_COMMIT_RETRY};
    char err[1024];
    cr_assert_eq(cs_wgroup_commit(tw->db, calls, N, err, sizeof err), -1);
    for (size_t i = 0; i < N; i++)
        cr_assert_eq(calls[i].status, CS_COMMIT_RETRY, "call %zu: %s", i,
                     cs_commit_status_name(calls[i].status));
    cr_assert_not(cs_db_ok(tw->db), "the connection is gone");
    cr_assert_eq(q(other, "SELECT count(*) FROM messages"), 0, "nothing of the group committed");
    cr_assert_eq(q(other, "SELECT count(*) FROM features"), 0);
    cr_assert_eq(q(other, "SELECT count(*) FROM customers"), 0);

    cr_assert_eq(cs_db_ensure(tw->db, 10), 0);
    cr_assert_eq(cs_db_prepared_count(tw->db), 0, "a new connection has no statement prepared");
    cr_assert_eq(cs_wgroup_commit(tw->db, calls, N, err, sizeof err), 0, "%s", err);
    cr_assert_gt(cs_db_prepared_count(tw->db), 0);
    for (size_t i = 0; i < N; i++)
        cr_assert_eq(calls[i].status, CS_COMMIT_COMMITTED, "call %zu: %s", i, calls[i].err);
    cr_assert_eq(q(other, "SELECT count(*) FROM messages WHERE is_processed"), N);
    cr_assert_eq(q(other, "SELECT count(*) FROM features"), 3);
    cr_assert_eq(q(other, "SELECT mention_count FROM features WHERE name = 'Salesforce sync'"), 3);
    cr_assert_eq(q(other, "SELECT count(*) FROM feature_messages"), N);
    cr_assert_eq(q(other, "SELECT count(*) FROM customers"), 1);
    for (size_t i = 0; i < N; i++)
        json_decref(recs[i]);
    cs_db_destroy(&other);
}

/* A group whose COMMIT PostgreSQL refuses (a deferred constraint that one call breaks): no
   call can be blamed at its savepoint, so each is committed alone and gets what it would have
   got alone: the breaking call FAILED, the others stored. */
Test(wgroup, a_refused_commit_commits_the_calls_one_by_one)
{
    run(tw->db, "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$"
                " BEGIN IF NEW.external_id = 'refused-at-commit' THEN"
                " RAISE EXCEPTION 'test: refused at commit'; END IF; RETURN NEW; END $$");
    run(tw->db, "CREATE CONSTRAINT TRIGGER test_refuse AFTER INSERT ON messages"
                " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_refuse()");
    json_t *recs[] = {call(tw->ws, "a", NULL, "Salesforce sync"),
                      call(tw->ws, "refused-at-commit", NULL, "Dark mode"),
                      call(tw->ws, "b", NULL, "Exports")};
    enum { N = sizeof recs / sizeof recs[0] };
    cs_wgroup_call_t calls[N];
    for (size_t i = 0; i < N; i++)
        calls[i] = (cs_wgroup_call_t){.rec = recs[i], .status = CS_COMMIT_RETRY};
    char err[1024];
    cr_assert_eq(cs_wgroup_commit(tw->db, calls, N, err, sizeof err), 0, "%s", err);
    cr_assert_eq(calls[0].status, CS_COMMIT_COMMITTED, "%s", calls[0].err);
    cr_assert_eq(calls[1].status, CS_COMMIT_FAILED);
    cr_assert(strstr(calls[1].err, "refused at commit"), "%s", calls[1].err);
    cr_assert_eq(calls[2].status, CS_COMMIT_COMMITTED, "%s", calls[2].err);
    cr_assert_eq(q(tw->db, "SELECT count(*) FROM messages"), 2);
    cr_assert_eq(q(tw->db, "SELECT count(*) FROM messages WHERE external_id = 'refused-at-commit'"),
                 0);
    cr_assert_eq(q(tw->db, "SELECT count(*) FROM features"), 2);
    for (size_t i = 0; i < N; i++)
        json_decref(recs[i]);
}

/* Calls already final are left alone: a caller retries a group with the same array. */
Test(wgroup, final_calls_are_not_committed_again)
{
    json_t *rec = call(tw->ws, "once", NULL, "Salesforce sync");
    cs_wgroup_call_t calls[1] = {{.rec = rec, .status = CS_COMMIT_FAILED}};
    char err[256];
    cr_assert_eq(cs_wgroup_commit(tw->db, calls, 1, err, sizeof err), 0);
    cr_assert_eq(calls[0].status, CS_COMMIT_FAILED);
    cr_assert_eq(q(tw->db, "SELECT count(*) FROM messages"), 0);
    json_decref(rec);
}

/* A lone call: committed, or failed, or left to retry, as alone (cs_writer_commit). */
Test(wgroup, a_lone_call_gets_what_it_gets_alone)
{
    char unknown[CS_UUID_LEN], err[1024];
    cs_uuid_v4(unknown);
    json_t *good = call(tw->ws, "lone", NULL, "Salesforce sync");
    json_t *lost = call(unknown, "lost", NULL, "Lost feature");
    cs_wgroup_call_t calls[1] = {{.rec = good, .status = CS_COMMIT_RETRY}};
    cr_assert_eq(cs_wgroup_commit(tw->db, calls, 1, err, sizeof err), 0, "%s", err);
    cr_assert_eq(calls[0].status, CS_COMMIT_COMMITTED, "%s", calls[0].err);
    calls[0] = (cs_wgroup_call_t){.rec = lost, .status = CS_COMMIT_RETRY};
    cr_assert_eq(cs_wgroup_commit(tw->db, calls, 1, err, sizeof err), 0, "%s", err);
    cr_assert_eq(calls[0].status, CS_COMMIT_FAILED);
    cr_assert(strstr(calls[0].err, "unknown workspace"), "%s", calls[0].err);
    cr_assert_eq(q(tw->db, "SELECT count(*) FROM messages"), 1);

    /* the server ends the session: not committed, RETRY */
    cs_db_t *admin = cs_testdb_connect(&tw->t);
    char *pid = cs_testdb_scalar(tw->db, "SELECT pg_backend_pid()");
    const char *p[] = {pid};
    cr_assert_eq(
        cs_db_command(admin, "SELECT pg_terminate_backend($1::int)", 1, p, err, sizeof err), 0);
    free(pid);
    json_t *later = call(tw->ws, "later", NULL, "Dark mode");
    calls[0] = (cs_wgroup_call_t){.rec = later, .status = CS_COMMIT_RETRY};
    cr_assert_eq(cs_wgroup_commit(tw->db, calls, 1, err, sizeof err), -1);
    cr_assert_eq(calls[0].status, CS_COMMIT_RETRY);
    cr_assert_eq(q(admin, "SELECT count(*) FROM messages"), 1);
    cs_db_destroy(&admin);
    json_decref(good);
    json_decref(lost);
    json_decref(later);
}
