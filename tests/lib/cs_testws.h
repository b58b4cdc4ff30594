/*  cs_testws: the fixture of the suites that store calls (test_writer, test_wgroup,
    test_wrows): before each test a fresh, migrated database (cs_testdb), a connection to it and
    a workspace with its "Uncategorized" and "Integrations" themes (cs_testdata_workspace);
    after it the connection closed and the database dropped.

        static cs_testws_t *const tw = &cs_testws;
        TestSuite(writer, .init = cs_testws_setup, .fini = cs_testws_teardown);
        ... cs_writer_commit(tw->db, rec, ...); ... tw->ws ...                                  */
#ifndef CS_TESTWS_H
#define CS_TESTWS_H

#include "cs_db.h"
#include "cs_testdb.h"
#include "cs_uuid.h"

typedef struct {
    cs_testdb_t t;                   /* the test's database */
    cs_db_t *db;                     /* a connection to it */
    char ws[CS_UUID_LEN];            /* the workspace's id */
    char uncategorized[CS_UUID_LEN]; /* its default theme's id */
    char integrations[CS_UUID_LEN];  /* its "Integrations" theme's id */
} cs_testws_t;

/* The fixture of the running test, set by cs_testws_setup(). */
extern cs_testws_t cs_testws;

/* Make the database, connect and insert the workspace (a Criterion .init); cr_asserts on
   failure. */
void cs_testws_setup(void);

/* Close the connection (if the test has not) and drop the database (a Criterion .fini). */
void cs_testws_teardown(void);

#endif
