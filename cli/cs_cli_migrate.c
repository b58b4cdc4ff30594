#include "cs_cli_migrate.h"

#include "cs_migrate.h"

const cs_option_t cs_cli_migrate_options[] = {
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};

int cs_cli_migrate(cs_cli_t *cli)
{
    cs_db_t *db = cs_cli_db(cli);
    if (!db)
        return -1;
    int applied = 0;
    if (cs_migrate(db, &applied, cli->err, sizeof cli->err) != 0)
        return -1;
    int version = cs_migrate_version(db, cli->err, sizeof cli->err);
    if (version < 0)
        return -1;
    fprintf(cli->out, "Schema at version %d (applied %d migration%s)\n", version, applied,
            applied == 1 ? "" : "s");
    return 0;
}
