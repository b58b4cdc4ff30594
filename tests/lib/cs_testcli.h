/*  cs_testcli: the operator CLI `callsift` run as a process against a database of the test's
    own, for the end-to-end tests of its commands.

        TestSuite(cli, .init = cs_testcli_setup_plain, .fini = cs_testcli_teardown);
        free(cs_testcli_ok(cs_testcli_run("migrate", NULL)));

    One database at a time per test process (Criterion runs each test in a child of its own).
    Every function asserts with Criterion; none returns an error. */
#ifndef CS_TESTCLI_H
#define CS_TESTCLI_H

#include <stdarg.h>
#include <stdbool.h>

#include "cs_db.h"
#include "cs_testdb.h"
#include "cs_testproc.h"

/* Create the test's database (migrated when `migrate`) and point the CLI at it. The two
   functions without arguments are for a suite's .init. */
void cs_testcli_setup(bool migrate);
void cs_testcli_setup_plain(void);
void cs_testcli_setup_migrated(void);

/* Drop the test's database (a suite's .fini). */
void cs_testcli_teardown(void);

/* The test's database (borrowed, valid until the teardown). */
const cs_testdb_t *cs_testcli_db(void);

/* The first column of the first row of sql, with up to two parameters (p2, or both, NULL
   when it takes fewer), on the test's database: "" when there is no row, "NULL" for NULL.
   The caller frees it. */
char *cs_testcli_query(const char *sql, const char *p1, const char *p2);

/* The same as a number; -1 when there is no row. */
long long cs_testcli_query_ll(const char *sql, const char *p1, const char *p2);

/* "DATABASE_URL=<the test's database>", for tests that build an environment of their own
   (borrowed). */
const char *cs_testcli_env_db(void);

/* Run `callsift ARGS...` (NULL-terminated, at most 32) with the test's DATABASE_URL and
   nothing on stdin; wait at most 30 s. The caller frees the result (cs_testrun_free, or one
   of the functions below). */
cs_testrun_t cs_testcli_run(const char *first, ...) __attribute__((sentinel));

/* The same with the environment entries env ("NAME=value", NULL-terminated) instead; `first`
   may be NULL: no arguments. */
cs_testrun_t cs_testcli_run_env(char *const env[], const char *first, ...);
cs_testrun_t cs_testcli_run_v(char *const env[], const char *first, va_list ap);

/* Assert that run exited 0 with nothing on stderr; return its stdout (the caller frees it) and
   free the rest. */
char *cs_testcli_ok(cs_testrun_t run);

/* The same with one trailing newline removed, for commands that print one value. */
char *cs_testcli_ok_value(cs_testrun_t run);

/* Assert that run failed with `status` and one stderr line "callsift: <...needle...>", nothing
   on stdout; then free it. */
void cs_testcli_expect_failure(cs_testrun_t run, int status, const char *needle);

#endif
