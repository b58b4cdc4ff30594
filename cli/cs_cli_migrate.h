/*  cs_cli_migrate: `callsift migrate`, the schema migrations the writer also applies at start
    (schema/cs_migrate.h; concurrent runs serialise on an advisory lock). */
#ifndef CS_CLI_MIGRATE_H
#define CS_CLI_MIGRATE_H

#include "cs_cli_common.h"

extern const cs_option_t cs_cli_migrate_options[];

/* Apply what is missing and print "Schema at version N (applied K migrations)". */
int cs_cli_migrate(cs_cli_t *cli);

#endif
