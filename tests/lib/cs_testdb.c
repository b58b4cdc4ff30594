#include "cs_testdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cs_migrate.h"

const char *cs_testdb_server_url(void)
{
    const char *url = getenv("DATABASE_URL");
    cr_assert(url && *url, "DATABASE_URL is not set: run the tests with 'make test'");
    return url;
}

/* The server URL with its database replaced by `dbname`: libpq lets a later dbname=
   keyword override the URL's, so append it as a conninfo parameter. */
static void s_url_for(const char *dbname, char *out, size_t outlen)
{
    const char *url = cs_testdb_server_url();
    if (strstr(url, "://"))
        snprintf(out, outlen, "%s%sdbname=%s", url, strchr(url, '?') ? "&" : "?", dbname);
    else
        snprintf(out, outlen, "%s dbname=%s", url, dbname);
}

static cs_db_t *s_admin(void)
{
    char err[512];
    cs_db_t *db = cs_db_connect(cs_testdb_server_url(), 20, err, sizeof err);
    cr_assert(db, "cannot reach the test PostgreSQL: %s", err);
    return db;
}

void cs_testdb_create(cs_testdb_t *t, bool migrate)
{
    static int counter;
    snprintf(t->name, sizeof t->name, "cs_test_%d_%d", (int)getpid(), counter++);
    s_url_for(t->name, t->url, sizeof t->url);
    cs_db_t *admin = s_admin();
    char sql[128], err[512];
    /* CREATE DATABASE takes no parameters; the name is ours, made of digits and letters. */
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", t->name);
    cs_db_command(admin, sql, 0, NULL, err, sizeof err);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", t->name);
    int rc = cs_db_command(admin, sql, 0, NULL, err, sizeof err);
    cs_db_destroy(&admin);
    cr_assert_eq(rc, 0, "create database: %s", err);
    if (migrate) {
        cs_db_t *db = cs_testdb_connect(t);
        rc = cs_migrate(db, NULL, err, sizeof err);
        cs_db_destroy(&db);
        cr_assert_eq(rc, 0, "migrate: %s", err);
    }
}

void cs_testdb_drop(cs_testdb_t *t)
{
    if (!t->name[0])
        return;
    cs_db_t *admin = s_admin();
    char sql[128], err[512];
    const char *params[] = {t->name};
    cs_db_command(admin,
                  "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", 1,
                  params, err, sizeof err);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", t->name);
    cs_db_command(admin, sql, 0, NULL, err, sizeof err);
    cs_db_destroy(&admin);
    t->name[0] = '\0';
}

cs_db_t *cs_testdb_connect(const cs_testdb_t *t)
{
    char err[512];
    cs_db_t *db = cs_db_connect(t->url, 20, err, sizeof err);
    cr_assert(db, "connect to %s: %s", t->name, err);
    return db;
}

char *cs_testdb_scalar(cs_db_t *db, const char *sql)
{
    char err[512];
    PGresult *res = cs_db_exec(db, sql, 0, NULL, err, sizeof err);
    cr_assert(res, "%s: %s", sql, err);
    char *value;
    if (PQntuples(res) == 0)
        value = strdup("");
    else if (PQgetisnull(res, 0, 0))
        value = strdup("NULL");
    else
        value = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    return value;
}

long cs_testdb_long(cs_db_t *db, const char *sql)
{
    char *text = cs_testdb_scalar(db, sql);
    long v = text[0] ? strtol(text, NULL, 10) : -1;
    free(text);
    return v;
}
