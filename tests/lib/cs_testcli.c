#include "cs_testcli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#define RUN_TIMEOUT_MS 30000
#define MAX_ARGS       32

static cs_testdb_t s_db;
static char s_env_db[sizeof s_db.url + 16]; /* DATABASE_URL=<the test's database> */

void cs_testcli_setup(bool migrate)
{
    cs_testdb_create(&s_db, migrate);
    snprintf(s_env_db, sizeof s_env_db, "DATABASE_URL=%s", s_db.url);
}

void cs_testcli_setup_plain(void)
{
    cs_testcli_setup(false);
}

void cs_testcli_setup_migrated(void)
{
    cs_testcli_setup(true);
}

void cs_testcli_teardown(void)
{
    cs_testdb_drop(&s_db);
}

const cs_testdb_t *cs_testcli_db(void)
{
    return &s_db;
}

const char *cs_testcli_env_db(void)
{
    return s_env_db;
}

cs_testrun_t cs_testcli_run_v(char *const env[], const char *first, va_list ap)
{
    char *argv[MAX_ARGS + 2];
    int n = 0;
    argv[n++] = (char *)cs_testproc_bin("callsift");
    for (const char *a = first; a; a = va_arg(ap, const char *)) {
        cr_assert_lt(n, MAX_ARGS);
        argv[n++] = (char *)a;
    }
    argv[n] = NULL;
    return cs_testproc_run(argv, env, NULL, RUN_TIMEOUT_MS);
}

cs_testrun_t cs_testcli_run(const char *first, ...)
{
    char *env[] = {s_env_db, NULL};
    va_list ap;
    va_start(ap, first);
    cs_testrun_t run = cs_testcli_run_v(env, first, ap);
    va_end(ap);
    return run;
}

cs_testrun_t cs_testcli_run_env(char *const env[], const char *first, ...)
{
    va_list ap;
    va_start(ap, first);
    cs_testrun_t run = cs_testcli_run_v(env, first, ap);
    va_end(ap);
    return run;
}

char *cs_testcli_ok(cs_testrun_t run)
{
    cr_assert_eq(run.status, 0, "exit status %d, stderr: %s", run.status, run.err);
    cr_expect_str_empty(run.err);
    free(run.err);
    return run.out;
}

char *cs_testcli_ok_value(cs_testrun_t run)
{
    char *out = cs_testcli_ok(run);
    size_t len = strlen(out);
    if (len > 0 && out[len - 1] == '\n')
        out[len - 1] = '\0';
    return out;
}

void cs_testcli_expect_failure(cs_testrun_t run, int status, const char *needle)
{
    cr_expect_eq(run.status, status, "exit status %d (wanted %d), stderr: %s", run.status, status,
                 run.err);
    cr_expect(strncmp(run.err, "callsift: ", 10) == 0, "stderr: %s", run.err);
    cr_expect(strstr(run.err, needle), "'%s' not in stderr: %s", needle, run.err);
    char *newline = strchr(run.err, '\n');
    cr_expect(newline && newline[1] == '\0', "not one line on stderr: %s", run.err);
    cr_expect_str_empty(run.out, "stdout: %s", run.out);
    cs_testrun_free(&run);
}

char *cs_testcli_query(const char *sql, const char *p1, const char *p2)
{
    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    const char *params[] = {p1, p2};
    int n = p2 ? 2 : p1 ? 1 : 0;
    char err[512];
    PGresult *res = cs_db_exec(db, sql, n, params, err, sizeof err);
    cr_assert(res, "%s: %s", sql, err);
    char *value = strdup(PQntuples(res) == 0      ? ""
                         : PQgetisnull(res, 0, 0) ? "NULL"
                                                  : PQgetvalue(res, 0, 0));
    PQclear(res);
    cs_db_destroy(&db);
    return value;
}

long long cs_testcli_query_ll(const char *sql, const char *p1, const char *p2)
{
    char *text = cs_testcli_query(sql, p1, p2);
    long long v = text[0] ? strtoll(text, NULL, 10) : -1;
    free(text);
    return v;
}
