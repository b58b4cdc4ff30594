/*  cs_testdb: a fresh, migrated database per test, on the server DATABASE_URL points at.

    make test starts a throwaway cluster and exports DATABASE_URL; each test calls
    cs_testdb_create() to get its own database (named after the test and the pid), so tests
    never see each other's rows, and cs_testdb_drop() at the end. */
#ifndef CS_TESTDB_H
#define CS_TESTDB_H

#include <stdbool.h>

#include "cs_db.h"

typedef struct {
    char name[64];  /* database name */
    char url[1024]; /* DATABASE_URL of the new database */
} cs_testdb_t;

/* Create (and, if migrate, migrate) a new database. Aborts the test with cr_assert on error. */
void cs_testdb_create(cs_testdb_t *t, bool migrate);

/* Drop it (terminating its connections first). */
void cs_testdb_drop(cs_testdb_t *t);

/* Connect to it; cr_asserts on failure. */
cs_db_t *cs_testdb_connect(const cs_testdb_t *t);

/* Run a query and return the first column of the first row as a new string ("" for no row,
   "NULL" for SQL NULL). For assertions: cs_testdb_scalar(db, "SELECT count(*) FROM x"). */
char *cs_testdb_scalar(cs_db_t *db, const char *sql);

/* The same, as a long (-1 for no row). */
long cs_testdb_long(cs_db_t *db, const char *sql);

/* The server-level DATABASE_URL the tests were given (cr_asserts it is set). */
const char *cs_testdb_server_url(void);

#endif
