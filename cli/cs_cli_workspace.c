#include "cs_cli_workspace.h"

#include <string.h>

#include "cs_cli_table.h"
#include "cs_record.h"
#include "cs_util.h"

#define WORKSPACE_NAME_MAX 200 /* as the schema's CHECK says */

const cs_option_t cs_cli_workspace_create_options[] = {
    {"name", NULL, CS_OPT_STRING, NULL, "workspace name (unique, regardless of case)",
     CS_OPT_REQUIRED},
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};

const cs_option_t cs_cli_workspace_list_options[] = {
    CS_CLI_OPT_FORMAT,
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};

int cs_cli_workspace_create(cs_cli_t *cli)
{
    char name[4 * WORKSPACE_NAME_MAX + 1];
    if (cs_cli_text(cli, "name", WORKSPACE_NAME_MAX, false, name, sizeof name) != 0)
        return -1;
    char workspace_id[CS_UUID_LEN], theme_id[CS_UUID_LEN], integration_id[CS_UUID_LEN];
    cs_uuid_v4(workspace_id);
    cs_uuid_v4(theme_id);
    cs_uuid_v4(integration_id);
    const char *workspace[] = {workspace_id, name};
    const char *theme[] = {theme_id, workspace_id, CS_DEFAULT_THEME_NAME,
                           CS_DEFAULT_THEME_DESCRIPTION};
    const char *integration[] = {integration_id, workspace_id, "gong", "Gong"};

    if (cs_cli_begin(cli) != 0)
        return -1;
    if (cs_cli_command(cli, "INSERT INTO workspaces (id, name) VALUES ($1, $2)", 2, workspace) ||
        cs_cli_command(cli,
                       "INSERT INTO themes (id, workspace_id, name, description, is_default)"
                       " VALUES ($1, $2, $3, $4, true)",
                       4, theme) ||
        cs_cli_command(cli,
                       "INSERT INTO integrations (id, workspace_id, provider, name)"
                       " VALUES ($1, $2, $3, $4)",
                       4, integration) ||
        cs_cli_commit(cli)) {
        /* the ids are fresh, so a unique violation can only be the name */
        cs_cli_rollback(cli);
        if (strcmp(cs_cli_sqlstate(cli), "23505") == 0)
            return cs_cli_fail(cli, "a workspace named '%s' already exists", name);
        return -1;
    }
    fprintf(cli->out, "%s\n", workspace_id);
    return 0;
}

static const cs_cli_column_t LIST_COLUMNS[] = {
    {"id", CS_CLI_COL_TEXT},       {"name", CS_CLI_COL_TEXT}, {"themes", CS_CLI_COL_INT},
    {"customers", CS_CLI_COL_INT}, {"calls", CS_CLI_COL_INT}, {"features", CS_CLI_COL_INT},
    {"created", CS_CLI_COL_TEXT},
};

int cs_cli_workspace_list(cs_cli_t *cli)
{
    cs_cli_format_t fmt;
    if (cs_cli_format(cli, &fmt) != 0)
        return -1;
    return cs_cli_list(cli, fmt, LIST_COLUMNS, (int)CS_ARRAY_LEN(LIST_COLUMNS),
                       "SELECT w.id, w.name,"
                       " (SELECT count(*) FROM themes t WHERE t.workspace_id = w.id),"
                       " (SELECT count(*) FROM customers c WHERE c.workspace_id = w.id),"
                       " (SELECT count(*) FROM messages m WHERE m.workspace_id = w.id),"
                       " (SELECT count(*) FROM features f WHERE f.workspace_id = w.id),"
                       " to_char(w.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
                       " FROM workspaces w ORDER BY w.created_at, lower(w.name)",
                       0, NULL);
}
