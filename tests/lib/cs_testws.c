/*  cs_testws: a database, a connection and a workspace per test (see cs_testws.h). */
#include "cs_testws.h"

#include "cs_testdata.h"

cs_testws_t cs_testws;

void cs_testws_setup(void)
{
    cs_testdb_create(&cs_testws.t, true);
    cs_testws.db = cs_testdb_connect(&cs_testws.t);
    cs_testdata_workspace(cs_testws.db, cs_testws.ws, cs_testws.uncategorized,
                          cs_testws.integrations);
}

void cs_testws_teardown(void)
{
    cs_db_destroy(&cs_testws.db);
    cs_testdb_drop(&cs_testws.t);
}
