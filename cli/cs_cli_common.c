#include "cs_cli_common.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include "cs_text.h"
#include "cs_util.h"

void cs_cli_init(cs_cli_t *cli, const cs_config_t *cfg, FILE *out)
{
    memset(cli, 0, sizeof *cli);
    cli->cfg = cfg;
    cli->out = out;
}

void cs_cli_close(cs_cli_t *cli)
{
    cs_db_destroy(&cli->db);
}

int cs_cli_fail(cs_cli_t *cli, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cli->err, sizeof cli->err, fmt, ap);
    va_end(ap);
    return -1;
}

cs_db_t *cs_cli_db(cs_cli_t *cli)
{
    if (!cli->db)
        cli->db = cs_db_connect(cs_config_str(cli->cfg, "database-url"), CS_CLI_CONNECT_ATTEMPTS,
                                cli->err, sizeof cli->err);
    return cli->db;
}

PGresult *cs_cli_exec(cs_cli_t *cli, const char *sql, int nparams, const char *const *params)
{
    cli->sqlstate[0] = '\0';
    cs_db_t *db = cs_cli_db(cli);
    if (!db)
        return NULL;
    PGresult *res = cs_db_exec(db, sql, nparams, params, cli->err, sizeof cli->err);
    cs_strlcpy(cli->sqlstate, res ? "" : cs_db_last_sqlstate(db), sizeof cli->sqlstate);
    if (!res && strcmp(cs_db_last_sqlstate(db), "42P01") == 0) {
        char reason[sizeof cli->err];
        cs_strlcpy(reason, cli->err, sizeof reason);
        cs_cli_fail(cli, "the database has no callsift schema (%s): run 'callsift migrate' first",
                    reason);
    }
    return res;
}

int cs_cli_command(cs_cli_t *cli, const char *sql, int nparams, const char *const *params)
{
    PGresult *res = cs_cli_exec(cli, sql, nparams, params);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

const char *cs_cli_sqlstate(const cs_cli_t *cli)
{
    return cli->sqlstate;
}

int cs_cli_begin(cs_cli_t *cli)
{
    return cs_cli_command(cli, "BEGIN", 0, NULL);
}

int cs_cli_begin_read(cs_cli_t *cli)
{
    return cs_cli_command(cli, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", 0, NULL);
}

int cs_cli_commit(cs_cli_t *cli)
{
    return cs_cli_command(cli, "COMMIT", 0, NULL);
}

void cs_cli_rollback(cs_cli_t *cli)
{
    if (!cli->db || !cs_db_ok(cli->db))
        return;
    char ignored[256];
    cs_db_command(cli->db, "ROLLBACK", 0, NULL, ignored, sizeof ignored);
}

int cs_cli_format(cs_cli_t *cli, cs_cli_format_t *fmt)
{
    const char *name = cs_config_str(cli->cfg, "format");
    if (cs_cli_format_parse(name, fmt) != 0)
        return cs_cli_fail(cli,
                           "--format: expected 'table', 'json', 'csv' or 'markdown', got '%.32s'",
                           name ? name : "");
    return 0;
}

int cs_cli_workspace_id(cs_cli_t *cli, char out[CS_UUID_LEN])
{
    const char *id = cs_config_str(cli->cfg, "workspace-id");
    if (!cs_uuid_valid(id))
        return cs_cli_fail(cli, "--workspace-id: '%.64s' is not a UUID", id ? id : "");
    for (int i = 0; i < CS_UUID_LEN; i++)
        out[i] = (char)tolower((unsigned char)id[i]);
    return 0;
}

int cs_cli_workspace_exists(cs_cli_t *cli, const char *workspace_id)
{
    const char *params[] = {workspace_id};
    PGresult *res = cs_cli_exec(cli, "SELECT 1 FROM workspaces WHERE id = $1", 1, params);
    if (!res)
        return -1;
    int found = PQntuples(res);
    PQclear(res);
    return found ? 0 : cs_cli_fail(cli, "no workspace with id %s", workspace_id);
}

int cs_cli_workspace(cs_cli_t *cli, char out[CS_UUID_LEN])
{
    if (cs_cli_workspace_id(cli, out) != 0)
        return -1;
    return cs_cli_workspace_exists(cli, out);
}

int cs_cli_list(cs_cli_t *cli, cs_cli_format_t fmt, const cs_cli_column_t *columns, int ncols,
                const char *sql, int nparams, const char *const *params)
{
    PGresult *res = cs_cli_exec(cli, sql, nparams, params);
    if (!res)
        return -1;
    int rc = cs_cli_print(cli->out, fmt, columns, ncols, res, cli->err, sizeof cli->err);
    PQclear(res);
    return rc;
}

int cs_cli_text(cs_cli_t *cli, const char *name, size_t max_chars, bool allow_empty, char *out,
                size_t outlen)
{
    const char *value = cs_config_str(cli->cfg, name);
    if (!value)
        value = "";
    while (isspace((unsigned char)*value))
        value++;
    size_t len = strlen(value);
    while (len > 0 && isspace((unsigned char)value[len - 1]))
        len--;
    if (len == 0) {
        out[0] = '\0';
        return allow_empty ? 0 : cs_cli_fail(cli, "--%s must not be empty", name);
    }
    if (len >= outlen)
        return cs_cli_fail(cli, "--%s is longer than %zu characters", name, max_chars);
    memcpy(out, value, len);
    out[len] = '\0';
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
            return cs_cli_fail(cli, "--%s must not contain control characters", name);
    if (cs_text_utf8_chars(out, strlen(out)) > max_chars)
        return cs_cli_fail(cli, "--%s is longer than %zu characters", name, max_chars);
    return 0;
}
