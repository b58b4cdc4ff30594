#include "cs_migrate.h"

#include <stdio.h>
#include <stdlib.h>

#include "cs_log.h"
#include "cs_util.h"

/* Any constant will do, as long as nothing else in the database uses it. */
#define MIGRATE_LOCK_KEY "7262013451"

int cs_migrate_latest(void)
{
    int latest = 0;
    for (const cs_migration_t *m = cs_migrations_table; m->sql; m++)
        latest = m->version;
    return latest;
}

static int s_version(cs_db_t *db, char *err, size_t errlen)
{
    PGresult *res = cs_db_exec(db, "SELECT coalesce(max(version), 0) FROM schema_migrations", 0,
                               NULL, err, errlen);
    if (!res)
        return -1;
    int v = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return v;
}

int cs_migrate_version(cs_db_t *db, char *err, size_t errlen)
{
    PGresult *res =
        cs_db_exec(db, "SELECT to_regclass('schema_migrations') IS NOT NULL", 0, NULL, err, errlen);
    if (!res)
        return -1;
    int exists = PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    return exists ? s_version(db, err, errlen) : 0;
}

static int s_apply(cs_db_t *db, const cs_migration_t *m, char *err, size_t errlen)
{
    char version[16];
    snprintf(version, sizeof version, "%d", m->version);
    const char *params[] = {version, m->name};
    if (cs_db_command(db, "BEGIN", 0, NULL, err, errlen) != 0)
        return -1;
    if (cs_db_script(db, m->sql, err, errlen) != 0 ||
        cs_db_command(db, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2,
                      params, err, errlen) != 0 ||
        cs_db_command(db, "COMMIT", 0, NULL, err, errlen) != 0) {
        char ignored[128];
        cs_db_command(db, "ROLLBACK", 0, NULL, ignored, sizeof ignored);
        return -1;
    }
    return 0;
}

int cs_migrate(cs_db_t *db, int *applied, char *err, size_t errlen)
{
    if (applied)
        *applied = 0;
    const char *key[] = {MIGRATE_LOCK_KEY};
    if (cs_db_command(db, "SELECT pg_advisory_lock($1::bigint)", 1, key, err, errlen) != 0)
        return -1;
    int rc = cs_db_command(db,
                           "CREATE TABLE IF NOT EXISTS schema_migrations ("
                           " version integer PRIMARY KEY, name text NOT NULL,"
                           " applied_at timestamptz NOT NULL DEFAULT now())",
                           0, NULL, err, errlen);
    int current = rc == 0 ? s_version(db, err, errlen) : -1;
    int latest = cs_migrate_latest();
    if (current < 0) {
        rc = -1;
    } else if (current > latest) {
        rc = cs_fail(err, errlen,
                     "the database schema is version %d, newer than this build knows (%d): "
                     "run a newer callsift",
                     current, latest);
    } else {
        for (const cs_migration_t *m = cs_migrations_table; m->sql && rc == 0; m++) {
            if (m->version <= current)
                continue;
            char why[512];
            if (s_apply(db, m, why, sizeof why) != 0) {
                rc = cs_fail(err, errlen, "migration %03d_%s failed: %s", m->version, m->name, why);
                break;
            }
            cs_info("Applied migration %03d_%s", m->version, m->name);
            if (applied)
                (*applied)++;
        }
    }
    char ignored[128];
    cs_db_command(db, "SELECT pg_advisory_unlock($1::bigint)", 1, key, ignored, sizeof ignored);
    return rc;
}
