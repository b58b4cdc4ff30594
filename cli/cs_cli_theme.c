#include "cs_cli_theme.h"

#include <string.h>

#include "cs_cli_table.h"
#include "cs_util.h"

#define THEME_NAME_MAX        200  /* as the schema's CHECK says */
#define THEME_DESCRIPTION_MAX 2000 /* it goes into every extraction prompt: keep it short */

const cs_option_t cs_cli_theme_add_options[] = {
    CS_CLI_OPT_WORKSPACE_ID,
    {"name", NULL, CS_OPT_STRING, NULL, "theme name (unique in the workspace, regardless of case)",
     CS_OPT_REQUIRED},
    {"description", NULL, CS_OPT_STRING, NULL,
     "what belongs in the theme, in a sentence (the extractor reads it)", 0},
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};

const cs_option_t cs_cli_theme_list_options[] = {
    CS_CLI_OPT_WORKSPACE_ID,
    CS_CLI_OPT_FORMAT,
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};

int cs_cli_theme_add(cs_cli_t *cli)
{
    char workspace_id[CS_UUID_LEN], name[4 * THEME_NAME_MAX + 1];
    char description[4 * THEME_DESCRIPTION_MAX + 1];
    if (cs_cli_workspace_id(cli, workspace_id) != 0 ||
        cs_cli_text(cli, "name", THEME_NAME_MAX, false, name, sizeof name) != 0 ||
        cs_cli_text(cli, "description", THEME_DESCRIPTION_MAX, true, description,
                    sizeof description) != 0)
        return -1;
    char theme_id[CS_UUID_LEN];
    cs_uuid_v4(theme_id);
    const char *theme[] = {theme_id, workspace_id, name, description};
    const char *notify[] = {workspace_id};

    if (cs_cli_begin(cli) != 0)
        return -1;
    if (cs_cli_workspace_exists(cli, workspace_id) ||
        cs_cli_command(cli,
                       "INSERT INTO themes (id, workspace_id, name, description)"
                       " VALUES ($1, $2, $3, $4)",
                       4, theme) ||
        cs_cli_command(cli, "SELECT pg_notify('callsift_themes', $1)", 1, notify) ||
        cs_cli_commit(cli)) {
        cs_cli_rollback(cli);
        if (strcmp(cs_cli_sqlstate(cli), "23505") == 0)
            return cs_cli_fail(cli, "workspace %s already has a theme named '%s'", workspace_id,
                               name);
        if (strcmp(cs_cli_sqlstate(cli), "23503") == 0) /* deleted while we were adding */
            return cs_cli_fail(cli, "no workspace with id %s", workspace_id);
        return -1;
    }
    fprintf(cli->out, "%s\n", theme_id);
    return 0;
}

static const cs_cli_column_t LIST_COLUMNS[] = {
    {"id", CS_CLI_COL_TEXT},      {"name", CS_CLI_COL_TEXT},        {"default", CS_CLI_COL_BOOL},
    {"features", CS_CLI_COL_INT}, {"description", CS_CLI_COL_TEXT},
};

int cs_cli_theme_list(cs_cli_t *cli)
{
    cs_cli_format_t fmt;
    char workspace_id[CS_UUID_LEN];
    if (cs_cli_format(cli, &fmt) != 0)
        return -1;
    if (cs_cli_workspace(cli, workspace_id) != 0)
        return -1;
    const char *params[] = {workspace_id};
    return cs_cli_list(cli, fmt, LIST_COLUMNS, (int)CS_ARRAY_LEN(LIST_COLUMNS),
                       "SELECT t.id, t.name, t.is_default,"
                       " (SELECT count(*) FROM features f WHERE f.theme_id = t.id),"
                       " t.description"
                       " FROM themes t WHERE t.workspace_id = $1"
                       " ORDER BY t.is_default DESC, lower(t.name)",
                       1, params);
}
