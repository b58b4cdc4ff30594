/*  cs_migrate: versioned schema migrations, applied in order, each in its own transaction.

    The migrations are the files schema/sql/NNN_name.sql, embedded at build time. Applied
    versions are kept in schema_migrations. Concurrent runs (the writer and `callsift migrate`
    starting together) serialise on an advisory lock, so each migration runs exactly once. */
#ifndef CS_MIGRATE_H
#define CS_MIGRATE_H

#include <stddef.h>

#include "cs_db.h"

typedef struct {
    int version;
    const char *name;
    const char *sql;
} cs_migration_t;

/* The embedded migrations, ordered by version, ending with {0, NULL, NULL}. */
extern const cs_migration_t cs_migrations_table[];

/* The newest version this build knows. */
int cs_migrate_latest(void);

/* Apply every migration newer than the database's version. *applied (if not NULL) gets how
   many ran. 0 on success; -1 with the reason in err (a database newer than this build is an
   error: run a newer callsift). */
int cs_migrate(cs_db_t *db, int *applied, char *err, size_t errlen);

/* The database's schema version (0 for an empty database), or -1 with the reason in err. */
int cs_migrate_version(cs_db_t *db, char *err, size_t errlen);

#endif
