/* cs_db: connections, parameterised statements, errors, and coming back after a disconnect. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_db.h"
#include "cs_migrate.h"
#include "cs_testdb.h"

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
