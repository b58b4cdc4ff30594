/* cs_db: connections, parameterised statements, errors, and coming back after a disconnect. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cs_db.h"
#include "cs_migrate.h"
#include "cs_testdb.h"
#include "cs_util.h"

Test(db, parameterised_statements_and_sqlstate)
{
    cs_testdb_t t;
    cs_testdb_create(&t, false);
    cs_db_t *db = cs_testdb_connect(&t);
    char err[512];
    const char *p[] = {"O'Brien; DROP TABLE x; --"};
    PGresult *res = cs_db_exec(db, "SELECT $1::text", 1, p, err, sizeof err);
    cr_assert(res, "%s", err);
    cr_assert_str_eq(PQgetvalue(res, 0, 0), p[0]);
    PQclear(res);

    cr_assert_null(cs_db_exec(db, "SELECT * FROM no_such_table", 0, NULL, err, sizeof err));
    cr_assert_str_eq(cs_db_last_sqlstate(db), "42P01");
    cr_assert(strstr(err, "42P01"), "%s", err);
    cr_assert(!cs_db_last_error_transient(db));
    cs_db_destroy(&db);
    cr_assert_null(db);
    cs_testdb_drop(&t);
}

Test(db, unreachable_server_fails_with_masked_password)
{
    char err[512];
    cs_db_t *db = cs_db_connect("postgresql://app:pw-s3cret@127.0.0.1:1/x?connect_timeout=2", 2,
                                err, sizeof err);
    cr_assert_null(db);
    cr_assert(strstr(err, "PostgreSQL"), "%s", err);
    cr_assert_null(strstr(err, "pw-s3cret"), "%s", err);
    cr_assert_null(cs_db_connect("", 1, err, sizeof err));
    cr_assert(strstr(err, "DATABASE_URL"), "%s", err);
}

Test(db, reconnects_after_the_server_drops_the_connection)
{
    cs_testdb_t t;
    cs_testdb_create(&t, false);
    cs_db_t *db = cs_testdb_connect(&t);
    cs_db_t *admin = cs_testdb_connect(&t);
    char err[512];
    PGresult *res = cs_db_exec(db, "SELECT pg_backend_pid()", 0, NULL, err, sizeof err);
    cr_assert(res);
    const char *pid[] = {PQgetvalue(res, 0, 0)};
    cr_assert_eq(
        cs_db_command(admin, "SELECT pg_terminate_backend($1::int)", 1, pid, err, sizeof err), 0,
        "%s", err);
    PQclear(res);

    cr_assert_null(cs_db_exec(db, "SELECT 1", 0, NULL, err, sizeof err));
    cr_assert(cs_db_last_error_transient(db), "a dropped connection must be retryable: %s", err);
    cr_assert_eq(cs_db_ensure(db, 5), 0);
    cr_assert(cs_db_ok(db));
    res = cs_db_exec(db, "SELECT 41 + 1", 0, NULL, err, sizeof err);
    cr_assert(res, "%s", err);
    cr_assert_str_eq(PQgetvalue(res, 0, 0), "42");
    PQclear(res);
    cs_db_destroy(&db);
    cs_db_destroy(&admin);
    cs_testdb_drop(&t);
}

/* How many statements the server holds prepared for db's session. */
static long s_server_prepared(cs_db_t *db)
{
    char err[256];
    PGresult *res =
        cs_db_exec(db, "SELECT count(*) FROM pg_prepared_statements", 0, NULL, err, sizeof err);
    cr_assert(res, "%s", err);
    long n = atol(PQgetvalue(res, 0, 0));
    PQclear(res);
    return n;
}

static const cs_db_stmt_t ADD = {"test_db_add", "SELECT $1::int + $2::int", 2};

static void s_add(cs_db_t *db, const char *a, const char *b, const char *want)
{
    char err[256];
    const char *p[] = {a, b};
    PGresult *res = cs_db_exec_prepared(db, &ADD, p, err, sizeof err);
    cr_assert(res, "%s", err);
    cr_assert_str_eq(PQgetvalue(res, 0, 0), want);
    PQclear(res);
}

/* A statement is prepared at its first use on a connection and run by name afterwards; a new
   connection (after the server dropped the old one) prepares it again, and so does a session
   that lost it (DEALLOCATE ALL: 26000, transient). */
Test(db, prepared_statements_once_per_connection)
{
    cs_testdb_t t;
    cs_testdb_create(&t, false);
    cs_db_t *db = cs_testdb_connect(&t);
    cs_db_t *admin = cs_testdb_connect(&t);
    char err[512];
    cr_assert_eq(cs_db_prepared_count(db), 0);
    s_add(db, "40", "2", "42");
    s_add(db, "1", "2", "3");
    cr_assert_eq(cs_db_prepared_count(db), 1);
    cr_assert_eq(s_server_prepared(db), 1, "prepared once, run twice");

    /* a bad value fails the statement, not the preparation */
    const char *bad[] = {"x", "1"};
    cr_assert_null(cs_db_exec_prepared(db, &ADD, bad, err, sizeof err));
    cr_assert_str_eq(cs_db_last_sqlstate(db), "22P02");
    cr_assert(!cs_db_last_error_transient(db));
    cr_assert_eq(cs_db_prepared_count(db), 1);

    PGresult *res = cs_db_exec(db, "SELECT pg_backend_pid()", 0, NULL, err, sizeof err);
    cr_assert(res, "%s", err);
    const char *pid[] = {PQgetvalue(res, 0, 0)};
    cr_assert_eq(
        cs_db_command(admin, "SELECT pg_terminate_backend($1::int)", 1, pid, err, sizeof err), 0,
        "%s", err);
    PQclear(res);
    const char *p[] = {"1", "1"};
    cr_assert_null(cs_db_exec_prepared(db, &ADD, p, err, sizeof err));
    cr_assert(cs_db_last_error_transient(db), "%s", err);
    cr_assert_eq(cs_db_ensure(db, 5), 0);
    cr_assert_eq(cs_db_prepared_count(db), 0, "a new connection has none");
    s_add(db, "2", "2", "4");
    cr_assert_eq(cs_db_prepared_count(db), 1);
    cr_assert_eq(s_server_prepared(db), 1);

    cr_assert_eq(cs_db_command(db, "DEALLOCATE ALL", 0, NULL, err, sizeof err), 0, "%s", err);
    cr_assert_null(cs_db_exec_prepared(db, &ADD, p, err, sizeof err));
    cr_assert_str_eq(cs_db_last_sqlstate(db), "26000");
    cr_assert(cs_db_last_error_transient(db), "a lost statement is worth a retry: %s", err);
    s_add(db, "3", "3", "6");
    cr_assert_eq(s_server_prepared(db), 1);
    cs_db_destroy(&db);
    cs_db_destroy(&admin);
    cs_testdb_drop(&t);
}

Test(db, migrations_apply_once)
{
    cs_testdb_t t;
    cs_testdb_create(&t, false);
    cs_db_t *db = cs_testdb_connect(&t);
    char err[512];
    int applied = -1;
    cr_assert_eq(cs_migrate_version(db, err, sizeof err), 0);
    cr_assert_eq(cs_migrate(db, &applied, err, sizeof err), 0, "%s", err);
    cr_assert_eq(applied, cs_migrate_latest());
    cr_assert_eq(cs_migrate(db, &applied, err, sizeof err), 0, "%s", err);
    cr_assert_eq(applied, 0);
    cr_assert_eq(cs_migrate_version(db, err, sizeof err), cs_migrate_latest());
    cr_assert_eq(cs_testdb_long(db,
                                "SELECT count(*) FROM pg_tables WHERE tablename IN "
                                "('workspaces','integrations','themes','customers','messages',"
                                "'features','feature_messages','match_decisions','ingest_runs')"),
                 9);
    /* the transcript columns are compressed with lz4 (011), as this server is built with it
       (test_writer reads transcripts back through them) */
    cr_assert_eq(cs_testdb_long(db, "SELECT count(*) FROM pg_attribute WHERE attrelid ="
                                    " 'messages'::regclass AND attcompression = 'l' AND attname"
                                    " IN ('content', 'message_metadata')"),
                 2);
    /* A database from a newer build is refused, not half-migrated. */
    cr_assert_eq(cs_db_command(db,
                               "INSERT INTO schema_migrations (version, name) VALUES (999, 'x')", 0,
                               NULL, err, sizeof err),
                 0);
    cr_assert_eq(cs_migrate(db, NULL, err, sizeof err), -1);
    cr_assert(strstr(err, "newer"), "%s", err);
    cs_db_destroy(&db);
    cs_testdb_drop(&t);
}

/* Apply the embedded migrations up to `version` by hand, the way an older build left the
   database. */
static void s_migrate_to(cs_db_t *db, int version)
{
    char err[512];
    cr_assert_eq(
        cs_db_command(db,
                      "CREATE TABLE schema_migrations (version integer PRIMARY KEY,"
                      " name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                      0, NULL, err, sizeof err),
        0, "%s", err);
    for (const cs_migration_t *m = cs_migrations_table; m->sql && m->version <= version; m++) {
        cr_assert_eq(cs_db_script(db, m->sql, err, sizeof err), 0, "%s", err);
        char v[16];
        snprintf(v, sizeof v, "%d", m->version);
        const char *p[] = {v, m->name};
        cr_assert_eq(cs_db_command(db, "INSERT INTO schema_migrations VALUES ($1, $2)", 2, p, err,
                                   sizeof err),
                     0, "%s", err);
    }
    cr_assert_eq(cs_migrate_version(db, err, sizeof err), version);
}

/* A database migrated to 004 with rows in it takes 005: the rows keep their data, a workspace
   gets no vendor domains, an old mention no confidence (NULL: counted as confident) and a call
   no extraction note; a confidence outside 0..1 is refused. */
Test(db, migration_005_applies_on_an_old_database)
{
    cs_testdb_t t;
    cs_testdb_create(&t, false);
    cs_db_t *db = cs_testdb_connect(&t);
    char err[512];
    s_migrate_to(db, 4);
    cr_assert_eq(
        cs_db_script(db,
                     "INSERT INTO workspaces (id, name) VALUES"
                     " ('11111111-0000-4000-8000-000000000001', 'Old');"
                     "INSERT INTO messages (id, workspace_id, source, external_id, sent_at) VALUES"
                     " ('22222222-0000-4000-8000-000000000001',"
                     "  '11111111-0000-4000-8000-000000000001', 'gong', 'c1', now());"
                     "INSERT INTO features (id, workspace_id, name) VALUES"
                     " ('33333333-0000-4000-8000-000000000001',"
                     "  '11111111-0000-4000-8000-000000000001', 'Okta SSO');"
                     "INSERT INTO feature_messages (feature_id, message_id, quote) VALUES"
                     " ('33333333-0000-4000-8000-000000000001',"
                     "  '22222222-0000-4000-8000-000000000001', 'We need Okta.');",
                     err, sizeof err),
        0, "%s", err);
    int applied = -1;
    cr_assert_eq(cs_migrate(db, &applied, err, sizeof err), 0, "%s", err);
    cr_assert_eq(applied, cs_migrate_latest() - 4);
    cr_assert_eq(cs_testdb_long(db, "SELECT count(*) FROM workspaces WHERE name = 'Old'"
                                    " AND vendor_domains = '{}'"),
                 1);
    cr_assert_eq(cs_testdb_long(db, "SELECT count(*) FROM feature_messages"
                                    " WHERE quote = 'We need Okta.' AND confidence IS NULL"),
                 1);
    cr_assert_eq(cs_testdb_long(db, "SELECT count(*) FROM messages"
                                    " WHERE external_id = 'c1' AND extraction_note IS NULL"),
                 1);
    cr_assert_eq(cs_db_command(db, "UPDATE feature_messages SET confidence = 0.25", 0, NULL, err,
                               sizeof err),
                 0, "%s", err);
    cr_assert_neq(
        cs_db_command(db, "UPDATE feature_messages SET confidence = 1.5", 0, NULL, err, sizeof err),
        0);
    cs_db_destroy(&db);
    cs_testdb_drop(&t);
}

/* A database migrated to 005 with a decision in it takes 006: the decision keeps its data and
   gets empty scores; scores that are not an object are refused. */
Test(db, migration_006_applies_on_an_old_database)
{
    cs_testdb_t t;
    cs_testdb_create(&t, false);
    cs_db_t *db = cs_testdb_connect(&t);
    char err[512];
    s_migrate_to(db, 5);
    cr_assert_eq(
        cs_db_script(db,
                     "INSERT INTO workspaces (id, name) VALUES"
                     " ('11111111-0000-4000-8000-000000000001', 'Old');"
                     "INSERT INTO messages (id, workspace_id, source, external_id, sent_at) VALUES"
                     " ('22222222-0000-4000-8000-000000000001',"
                     "  '11111111-0000-4000-8000-000000000001', 'gong', 'c1', now());"
                     "INSERT INTO match_decisions (workspace_id, message_id, feature_index,"
                     " action, method, confidence, similarity, reasoning, extracted) VALUES"
                     " ('11111111-0000-4000-8000-000000000001',"
                     "  '22222222-0000-4000-8000-000000000001', 0, 'create', 'embedding', 1,"
                     "  0.12, 'new', '{\"title\": \"Okta SSO\"}');",
                     err, sizeof err),
        0, "%s", err);
    int applied = -1;
    cr_assert_eq(cs_migrate(db, &applied, err, sizeof err), 0, "%s", err);
    cr_assert_eq(applied, cs_migrate_latest() - 5);
    cr_assert_geq(cs_migrate_latest(), 6);
    cr_assert_eq(cs_testdb_long(db, "SELECT count(*) FROM match_decisions WHERE reasoning = 'new'"
                                    " AND abs(similarity - 0.12) < 1e-6"
                                    " AND extracted->>'title' = 'Okta SSO' AND scores = '{}'"),
                 1);
    cr_assert_eq(cs_db_command(db, "UPDATE match_decisions SET scores = '{\"fused\": 0.57}'", 0,
                               NULL, err, sizeof err),
                 0, "%s", err);
    cr_assert_neq(
        cs_db_command(db, "UPDATE match_decisions SET scores = '[0.57]'", 0, NULL, err, sizeof err),
        0);
    cr_assert_neq(
        cs_db_command(db, "UPDATE match_decisions SET scores = NULL", 0, NULL, err, sizeof err), 0);
    cs_db_destroy(&db);
    cs_testdb_drop(&t);
}

/* ---- permanent and transient connection failures ------------------------------------------ */

/* The server URL with extra conninfo parameters ("dbname=x&user=y"); libpq lets a later
   keyword override the URL's. */
static void s_url_with(const char *params, char *out, size_t outlen)
{
    const char *url = cs_testdb_server_url();
    cr_assert(strstr(url, "://"), "these tests need a URL-form DATABASE_URL: %s", url);
    snprintf(out, outlen, "%s%s%s", url, strchr(url, '?') ? "&" : "?", params);
}

static cs_db_t *s_admin(void)
{
    char err[512];
    cs_db_t *db = cs_db_connect(cs_testdb_server_url(), 20, err, sizeof err);
    cr_assert(db, "%s", err);
    return db;
}

Test(db, sqlstates_that_no_retry_can_fix)
{
    cr_assert(cs_db_sqlstate_permanent("3D000"));
    cr_assert(cs_db_sqlstate_permanent("28P01"));
    cr_assert(cs_db_sqlstate_permanent("28000"));
    cr_assert(cs_db_sqlstate_permanent("42501"));
    cr_assert_not(cs_db_sqlstate_permanent("57P03")); /* the server is starting */
    cr_assert_not(cs_db_sqlstate_permanent("53300")); /* too many connections */
    cr_assert_not(cs_db_sqlstate_permanent("08006"));
    cr_assert_not(cs_db_sqlstate_permanent(""));
    cr_assert_not(cs_db_sqlstate_permanent(NULL));
    cr_assert(strstr(cs_db_sqlstate_hint("28P01"), "DATABASE_URL"));
    cr_assert_str_eq(cs_db_sqlstate_hint("57P03"), "");
}

Test(db, a_database_that_does_not_exist_fails_at_once)
{
    char url[1200], err[512], params[96];
    snprintf(params, sizeof params, "dbname=cs_no_such_db_%d", (int)getpid());
    s_url_with(params, url, sizeof url);
    int64_t t0 = cs_now_ms();
    cs_db_t *db = cs_db_connect(url, 0, err, sizeof err); /* 0: forever, were it transient */
    cr_assert_null(db);
    cr_assert_lt(cs_now_ms() - t0, 3000, "retried a permanent failure: %s", err);
    cr_assert(strstr(err, "3D000"), "%s", err);
    cr_assert(strstr(err, "does not exist"), "%s", err);
    cr_assert(strstr(err, "DATABASE_URL"), "%s", err);
    cr_assert_null(strstr(err, "LOCATION"), "%s", err);
}

Test(db, a_role_that_may_not_log_in_fails_at_once)
{
    char role[64], sql[160], err[512], url[1200], params[128];
    snprintf(role, sizeof role, "cs_nologin_%d", (int)getpid());
    cs_db_t *admin = s_admin();
    snprintf(sql, sizeof sql, "DROP ROLE IF EXISTS %s", role);
    cs_db_command(admin, sql, 0, NULL, err, sizeof err);
    snprintf(sql, sizeof sql, "CREATE ROLE %s NOLOGIN", role);
    cr_assert_eq(cs_db_command(admin, sql, 0, NULL, err, sizeof err), 0, "%s", err);
    snprintf(params, sizeof params, "user=%s", role);
    s_url_with(params, url, sizeof url);
    int64_t t0 = cs_now_ms();
    cs_db_t *db = cs_db_connect(url, 0, err, sizeof err);
    cr_assert_null(db);
    cr_assert_lt(cs_now_ms() - t0, 3000, "retried a permanent failure: %s", err);
    cr_assert(strstr(err, "28000"), "%s", err);
    cr_assert(strstr(err, "not permitted to log in"), "%s", err);
    /* a role that does not exist is the same SQLSTATE */
    snprintf(params, sizeof params, "user=cs_nobody_%d", (int)getpid());
    s_url_with(params, url, sizeof url);
    cr_assert_null(cs_db_connect(url, 0, err, sizeof err));
    cr_assert(strstr(err, "28000"), "%s", err);
    snprintf(sql, sizeof sql, "DROP ROLE %s", role);
    cs_db_command(admin, sql, 0, NULL, err, sizeof err);
    cs_db_destroy(&admin);
}

/* The test cluster trusts local connections; a password is asked only of roles that a
   pg_hba.conf line (put first) says so for. The original file is put back afterwards. */
static char *s_hba_path(cs_db_t *admin)
{
    return cs_testdb_scalar(admin, "SHOW hba_file");
}

static void s_reload(cs_db_t *admin)
{
    char err[256];
    cr_assert_eq(cs_db_command(admin, "SELECT pg_reload_conf()", 0, NULL, err, sizeof err), 0, "%s",
                 err);
}

static char *s_read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert(f, "cannot read %s (the tests run as the cluster's owner or root)", path);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, out);
    fclose(out);
    fclose(f);
    return text;
}

static void s_write_file(const char *path, const char *first, const char *rest)
{
    FILE *f = fopen(path, "w");
    cr_assert(f, "cannot write %s", path);
    fputs(first, f);
    fputs(rest, f);
    fclose(f);
}

Test(db, a_wrong_password_fails_at_once, .timeout = 60)
{
    char role[64], sql[200], err[512], url[1200], params[160], lines[256];
    snprintf(role, sizeof role, "cs_pw_%d", (int)getpid());
    cs_db_t *admin = s_admin();
    snprintf(sql, sizeof sql, "DROP ROLE IF EXISTS %s", role);
    cs_db_command(admin, sql, 0, NULL, err, sizeof err);
    snprintf(sql, sizeof sql, "CREATE ROLE %s LOGIN PASSWORD 'right-horse-battery'", role);
    cr_assert_eq(cs_db_command(admin, sql, 0, NULL, err, sizeof err), 0, "%s", err);
    char *hba = s_hba_path(admin);
    char *original = s_read_file(hba);
    snprintf(lines, sizeof lines,
             "local all %s scram-sha-256\nhost all %s 127.0.0.1/32 scram-sha-256\n", role, role);
    s_write_file(hba, lines, original);
    s_reload(admin);

    /* the reload is asynchronous: wait until the right password is needed and works */
    snprintf(params, sizeof params, "user=%s&password=right-horse-battery", role);
    s_url_with(params, url, sizeof url);
    cs_db_t *ok = cs_db_connect(url, 20, err, sizeof err);
    cr_assert(ok, "the right password: %s", err);
    cs_db_destroy(&ok);
    snprintf(params, sizeof params, "user=%s&password=wrong-pony-staple", role);
    s_url_with(params, url, sizeof url);
    cs_db_t *db = NULL;
    int64_t t0 = cs_now_ms();
    for (int i = 0; i < 50; i++) {
        t0 = cs_now_ms();
        db = cs_db_connect(url, 0, err, sizeof err);
        if (!db)
            break;
        cs_db_destroy(&db); /* still trusted: the new pg_hba.conf is not loaded yet */
        usleep(100000);
    }
    int64_t took = cs_now_ms() - t0;
    s_write_file(hba, "", original);
    s_reload(admin);
    snprintf(sql, sizeof sql, "DROP ROLE %s", role);
    cs_db_command(admin, sql, 0, NULL, err, sizeof err);
    cs_db_destroy(&admin);
    free(hba);
    free(original);

    cr_assert_null(db, "a wrong password was let in");
    cr_assert_lt(took, 3000, "retried a permanent failure: %s", err);
    cr_assert(strstr(err, "28P01"), "%s", err);
    cr_assert(strstr(err, "password"), "%s", err);
    cr_assert_null(strstr(err, "wrong-pony-staple"), "the password reached the message: %s", err);
}

static void *s_stop_later(void *arg)
{
    usleep((useconds_t)(intptr_t)arg * 1000);
    cs_stop_request();
    return NULL;
}

Test(db, a_server_that_is_down_is_retried_until_a_stop)
{
    pthread_t t;
    pthread_create(&t, NULL, s_stop_later, (void *)(intptr_t)1500);
    char err[512];
    int64_t t0 = cs_now_ms();
    cs_db_t *db = cs_db_connect("postgresql://app@127.0.0.1:1/x", 0, err, sizeof err);
    int64_t took = cs_now_ms() - t0;
    pthread_join(t, NULL);
    cr_assert_null(db);
    cr_assert_geq(took, 1400, "a refused connection is transient: gave up after %lld ms (%s)",
                  (long long)took, err);
    cr_assert_lt(took, 4000, "the stop was not seen: %lld ms", (long long)took);
}

Test(db, a_database_dropped_while_connected_stops_the_reconnection)
{
    cs_testdb_t t;
    cs_testdb_create(&t, false);
    cs_db_t *db = cs_testdb_connect(&t);
    cr_assert(cs_db_ok(db));
    cs_testdb_drop(&t); /* terminates our connection, then drops the database */
    char err[512];
    cr_assert_null(cs_db_exec(db, "SELECT 1", 0, NULL, err, sizeof err));
    int64_t t0 = cs_now_ms();
    cr_assert_eq(cs_db_ensure(db, 0), -1);
    cr_assert_lt(cs_now_ms() - t0, 3000);
    cr_assert(cs_db_permanent(db));
    cr_assert_str_eq(cs_db_last_sqlstate(db), "3D000");
    cr_assert_not(cs_db_last_error_transient(db));
    cr_assert_eq(cs_db_ensure(db, 0), -1, "asked again: still permanent, at once");
    cs_db_destroy(&db);
}
