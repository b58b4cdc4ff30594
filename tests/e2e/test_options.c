/* What every executable does with its command line before any work: --version, numeric
   options out of range refused with one line and exit 2 (before any connection), secrets given
   as flags wiped from the process listing, and the DATABASE_URL forms the seed's users have. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cs_config.h"
#include "cs_testdb.h"
#include "cs_testproc.h"

#define RUN_TIMEOUT_MS 20000

static const char *const STAGES[] = {"callsift", "callsift-fetcher", "callsift-extractor",
                                     "callsift-matcher", "callsift-writer"};

TestSuite(options, .timeout = 120);

static cs_testrun_t run(char *const env[], const char *bin, const char *a1, const char *a2,
                        const char *a3, const char *a4)
{
    char *argv[] = {
        (char *)cs_testproc_bin(bin), (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL};
    return cs_testproc_run(argv, env, NULL, RUN_TIMEOUT_MS);
}

Test(options, every_executable_prints_one_version)
{
    for (size_t i = 0; i < sizeof STAGES / sizeof STAGES[0]; i++) {
        cs_testrun_t r = run(NULL, STAGES[i], "--version", NULL, NULL, NULL);
        char want[256];
        snprintf(want, sizeof want, "%s %s\n", STAGES[i], cs_version());
        cr_assert_eq(r.status, 0, "%s --version: %d %s", STAGES[i], r.status, r.err);
        cr_assert_str_eq(r.out, want);
        cs_testrun_free(&r);
    }
}

/* A database that would hang a connection attempt for its whole timeout: the refusal must come
   before any connection, so it comes at once. */
static char *const NO_DB_ENV[] = {
    "DATABASE_URL=postgresql://u@10.255.255.1:5432/x?connect_timeout=15", NULL};

static void expect_usage_error(const char *bin, const char *flag, const char *value,
                               const char *reason)
{
    const char *ws = strcmp(bin, "callsift-fetcher") == 0
                         ? "--workspace-id=00000000-0000-4000-8000-000000000001"
                         : "--log-level=info";
    cs_testrun_t r = run(NO_DB_ENV, bin, ws, flag, value, NULL);
    cr_assert_eq(r.status, 2, "%s %s %s: exit %d, stderr: %s", bin, flag, value, r.status, r.err);
    cr_assert(strstr(r.err, reason), "%s %s %s: %s", bin, flag, value, r.err);
    cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "not one line: %s", r.err);
    cs_testrun_free(&r);
}

Test(options, numeric_flags_out_of_range_are_refused_before_any_work)
{
    expect_usage_error("callsift-fetcher", "--limit", "-5",
                       "--limit: expected an integer of at least 0, got '-5'");
    expect_usage_error("callsift-fetcher", "--days-back", "-3",
                       "--days-back: expected an integer of at least 0, got '-3'");
    expect_usage_error("callsift-fetcher", "--max-in-flight", "0",
                       "--max-in-flight: expected an integer of at least 1");
    expect_usage_error("callsift-fetcher", "--ack-timeout", "-1",
                       "--ack-timeout: expected a number greater than 0 and at most 1000000");
    expect_usage_error("callsift-fetcher", "--metrics-port", "70000",
                       "--metrics-port: expected an integer from 0 to 65535");
    expect_usage_error("callsift-extractor", "--concurrency", "0",
                       "--concurrency: expected an integer of at least 1");
    expect_usage_error("callsift-matcher", "--link-above", "1.2",
                       "--link-above: expected a number from 0 to 1");
    expect_usage_error("callsift-matcher", "--candidates", "-1",
                       "--candidates: expected an integer of at least 1");
    expect_usage_error("callsift-writer", "--metrics-port", "-1",
                       "--metrics-port: expected an integer from 0 to 65535");
}

Test(options, a_password_given_as_a_flag_leaves_the_process_listing)
{
    /* nothing listens on port 1: the writer keeps trying to connect, so it stays up to be seen */
    char *argv[] = {(char *)cs_testproc_bin("callsift-writer"), "--database-url",
                    "postgresql://callsift:hunter2pass@127.0.0.1:1/callsift", NULL};
    cs_testproc_t p;
    cs_testproc_start(&p, argv, NULL);
    cr_assert(cs_testproc_wait_log(&p, "--database-url was given on the command line", 10000),
              "no warning");
    char path[64], cmdline[4096] = {0};
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)p.pid);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    size_t n = fread(cmdline, 1, sizeof cmdline - 1, f);
    fclose(f);
    cr_assert_gt(n, 0);
    cr_assert_null(memmem(cmdline, n, "hunter2", 7), "the password is still in %s", path);
    cr_assert_not_null(memmem(cmdline, n, "--database-url", 14));
    char *log = cs_testproc_log(&p);
    cr_assert_null(strstr(log, "hunter2"), "%s", log);
    cr_assert(strstr(log, "set DATABASE_URL or DATABASE_URL_FILE instead"), "%s", log);
    free(log);
    cs_testproc_stop(&p, 10000);
}

/* The test server's URL with its scheme replaced. */
static void with_scheme(const char *scheme, char *out, size_t outlen)
{
    const char *url = cs_testdb_server_url();
    const char *rest = strstr(url, "://");
    cr_assert_not_null(rest, "the test server's URL is not a URL: %s", url);
    snprintf(out, outlen, "DATABASE_URL=%s%s", scheme, rest);
}

Test(options, database_urls_in_the_seeds_forms_are_accepted)
{
    static const char *const SCHEMES[] = {"postgresql+psycopg2", "postgres", "postgresql+asyncpg"};
    for (size_t i = 0; i < sizeof SCHEMES / sizeof SCHEMES[0]; i++) {
        char env_url[1200];
        with_scheme(SCHEMES[i], env_url, sizeof env_url);
        char *env[] = {env_url, NULL};
        cs_testrun_t r = run(env, "callsift", "migrate", NULL, NULL, NULL);
        cr_assert_eq(r.status, 0, "%s: %s", SCHEMES[i], r.err);
        cs_testrun_free(&r);
    }
    char env_url[1200];
    with_scheme("mysql+pymysql", env_url, sizeof env_url);
    char *env[] = {env_url, NULL};
    cs_testrun_t r = run(env, "callsift", "migrate", NULL, NULL, NULL);
    cr_assert_neq(r.status, 0, "a MySQL URL was taken");
    cs_testrun_free(&r);
}
