#include "cs_cli_calls.h"

#include "cs_cli_table.h"
#include "cs_util.h"

const cs_option_t cs_cli_calls_options[] = {
    CS_CLI_OPT_WORKSPACE_ID,
    {"unprocessed", NULL, CS_OPT_FLAG, "false", "only the calls that were not processed", 0},
    CS_CLI_OPT_FORMAT,
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};

static const cs_cli_column_t COLUMNS[] = {
    {"date", CS_CLI_COL_TEXT},      {"title", CS_CLI_COL_TEXT},   {"customer", CS_CLI_COL_TEXT},
    {"processed", CS_CLI_COL_BOOL}, {"features", CS_CLI_COL_INT}, {"call_id", CS_CLI_COL_TEXT},
    {"error", CS_CLI_COL_LINES},    {"note", CS_CLI_COL_LINES},
};

int cs_cli_calls(cs_cli_t *cli)
{
    cs_cli_format_t fmt;
    char workspace_id[CS_UUID_LEN];
    if (cs_cli_format(cli, &fmt) != 0 || cs_cli_workspace(cli, workspace_id) != 0)
        return -1;
    const char *params[] = {workspace_id,
                            cs_config_flag(cli->cfg, "unprocessed") ? "true" : "false"};
    return cs_cli_list(cli, fmt, COLUMNS, (int)CS_ARRAY_LEN(COLUMNS),
                       "SELECT to_char(m.sent_at AT TIME ZONE w.time_zone, 'YYYY-MM-DD'),"
                       " m.message_metadata->>'title', cu.name, m.is_processed,"
                       " (SELECT count(*) FROM feature_messages fm WHERE fm.message_id = m.id),"
                       " m.external_id, m.error, m.extraction_note"
                       " FROM messages m JOIN workspaces w ON w.id = m.workspace_id"
                       " LEFT JOIN customers cu ON cu.id = m.customer_id"
                       " WHERE m.workspace_id = $1 AND NOT ($2::boolean AND m.is_processed)"
                       " ORDER BY m.sent_at DESC, m.id",
                       2, params);
}
