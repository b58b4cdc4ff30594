#include "cs_cli_workspace.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "cs_cli_table.h"
#include "cs_record.h"
#include "cs_text.h"
#include "cs_util.h"
#include "cs_vendor.h"

#define WORKSPACE_NAME_MAX 200 /* as the schema's CHECK says */
#define TIME_ZONE_MAX      64  /* characters: the longest IANA name is about half that */

#define OPT_TIME_ZONE                                                                              \
    {                                                                                              \
        "time-zone", NULL, CS_OPT_STRING, NULL,                                                    \
            "an IANA time zone such as Asia/Kolkata (default UTC): days are shown and dates "      \
            "read in it",                                                                          \
            0                                                                                      \
    }

#define OPT_MONTHLY_BUDGET                                                                         \
    {                                                                                              \
        "monthly-budget-usd", NULL, CS_OPT_STRING, NULL,                                           \
            "the most the extractors spend on the LLM for this workspace in a calendar month of "  \
            "its time zone, in USD ('none': no budget, the default); past it calls are stored "    \
            "unprocessed with cause budget until it is raised or the month ends",                  \
            0                                                                                      \
    }
#define BUDGET_MAX 1e8 /* USD: numeric(12, 4) holds less than this */

const cs_option_t cs_cli_workspace_create_options[] = {
    {"name", NULL, CS_OPT_STRING, NULL, "workspace name (unique, regardless of case)",
     CS_OPT_REQUIRED},
    OPT_TIME_ZONE,
    OPT_MONTHLY_BUDGET,
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};

const cs_option_t cs_cli_workspace_list_options[] = {
    CS_CLI_OPT_FORMAT,
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};

/* --time-zone, checked against PostgreSQL's zone database (pg_timezone_names, any case), into
   zone as the database spells it ("asia/kolkata" gives "Asia/Kolkata"); "UTC" when the option
   is not given. 0, or -1 with "unknown time zone 'X': ..." in cli->err. */
static int s_time_zone(cs_cli_t *cli, char zone[4 * TIME_ZONE_MAX + 1])
{
    if (!cs_config_str(cli->cfg, "time-zone")) {
        cs_strlcpy(zone, "UTC", 4 * TIME_ZONE_MAX + 1);
        return 0;
    }
    if (cs_cli_text(cli, "time-zone", TIME_ZONE_MAX, false, zone, 4 * TIME_ZONE_MAX + 1) != 0)
        return -1;
    const char *params[] = {zone};
    PGresult *res = cs_cli_exec(cli,
                                "SELECT name FROM pg_timezone_names WHERE lower(name) = lower($1)"
                                " ORDER BY name = $1 DESC, name LIMIT 1",
                                1, params);
    if (!res)
        return -1;
    bool known = PQntuples(res) == 1;
    if (known)
        cs_strlcpy(zone, PQgetvalue(res, 0, 0), 4 * TIME_ZONE_MAX + 1);
    PQclear(res);
    if (!known)
        return cs_cli_fail(cli,
                           "unknown time zone '%s': use an IANA name such as Asia/Kolkata, "
                           "Europe/Berlin, America/New_York or UTC",
                           zone);
    return 0;
}

/* --monthly-budget-usd into budget ("12.5" as given, checked), or NULL for "none" and when it
   is not given (*given says which). 0, or -1 with the reason in cli->err. */
static int s_monthly_budget(cs_cli_t *cli, char budget[32], const char **out, bool *given)
{
    const char *text = cs_config_str(cli->cfg, "monthly-budget-usd");
    *out = NULL;
    *given = text != NULL;
    if (!text || strcasecmp(text, "none") == 0)
        return 0;
    char *end = NULL;
    double v = strtod(text, &end);
    while (end && end != text && isspace((unsigned char)*end))
        end++;
    if (!end || end == text || *end || !(v >= 0) || v >= BUDGET_MAX)
        return cs_cli_fail(cli,
                           "--monthly-budget-usd: '%.32s' is not an amount in USD from 0 to "
                           "99999999 (or 'none')",
                           text);
    snprintf(budget, 32, "%.4f", v);
    *out = budget;
    return 0;
}

int cs_cli_workspace_create(cs_cli_t *cli)
{
    char name[4 * WORKSPACE_NAME_MAX + 1], zone[4 * TIME_ZONE_MAX + 1], budget_text[32];
    const char *budget;
    bool given;
    if (cs_cli_text(cli, "name", WORKSPACE_NAME_MAX, false, name, sizeof name) != 0 ||
        s_time_zone(cli, zone) != 0 || s_monthly_budget(cli, budget_text, &budget, &given) != 0)
        return -1;
    char workspace_id[CS_UUID_LEN], theme_id[CS_UUID_LEN], integration_id[CS_UUID_LEN];
    cs_uuid_v4(workspace_id);
    cs_uuid_v4(theme_id);
    cs_uuid_v4(integration_id);
    const char *workspace[] = {workspace_id, name, zone, budget};
    const char *theme[] = {theme_id, workspace_id, CS_DEFAULT_THEME_NAME,
                           CS_DEFAULT_THEME_DESCRIPTION};
    const char *integration[] = {integration_id, workspace_id, "gong", "Gong"};

    if (cs_cli_begin(cli) != 0)
        return -1;
    if (cs_cli_command(cli,
                       "INSERT INTO workspaces (id, name, time_zone, monthly_budget_usd)"
                       " VALUES ($1, $2, $3, $4::numeric)",
                       4, workspace) ||
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

/* The vendor domains are an array in json, "a.example, b.example" in the other formats. */
static const cs_cli_column_t LIST_COLUMNS[] = {
    {"id", CS_CLI_COL_TEXT},
    {"name", CS_CLI_COL_TEXT},
    {"themes", CS_CLI_COL_INT},
    {"customers", CS_CLI_COL_INT},
    {"calls", CS_CLI_COL_INT},
    {"features", CS_CLI_COL_INT},
    {"created", CS_CLI_COL_TEXT},
    {"time_zone", CS_CLI_COL_TEXT},
    {"llm_usd_today", CS_CLI_COL_DECIMAL},
    {"llm_usd_month", CS_CLI_COL_DECIMAL},
    {"monthly_budget_usd", CS_CLI_COL_DECIMAL},
    {"vendor_domains", CS_CLI_COL_TEXT},
};

int cs_cli_workspace_list(cs_cli_t *cli)
{
    cs_cli_format_t fmt;
    if (cs_cli_format(cli, &fmt) != 0)
        return -1;
    cs_cli_column_t cols[CS_ARRAY_LEN(LIST_COLUMNS)];
    memcpy(cols, LIST_COLUMNS, sizeof cols);
    bool json = fmt == CS_CLI_FORMAT_JSON;
    if (json)
        cols[CS_ARRAY_LEN(cols) - 1].type = CS_CLI_COL_JSON;
    const char *params[] = {json ? "true" : "false"};
    return cs_cli_list(
        cli, fmt, cols, (int)CS_ARRAY_LEN(cols),
        "SELECT w.id, w.name,"
        " (SELECT count(*) FROM themes t WHERE t.workspace_id = w.id),"
        " (SELECT count(*) FROM customers c WHERE c.workspace_id = w.id),"
        " (SELECT count(*) FROM messages m WHERE m.workspace_id = w.id),"
        " (SELECT count(*) FROM features f WHERE f.workspace_id = w.id),"
        " to_char(w.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        " w.time_zone,"
        /* the LLM spend of today and of this month, both in the workspace's time zone */
        " (SELECT round(COALESCE(sum(s.cost_usd), 0), 4) FROM llm_spend s"
        "  WHERE s.workspace_id = w.id AND s.day = (now() AT TIME ZONE w.time_zone)::date),"
        " (SELECT round(COALESCE(sum(s.cost_usd), 0), 4) FROM llm_spend s"
        "  WHERE s.workspace_id = w.id"
        "  AND s.day >= date_trunc('month', now() AT TIME ZONE w.time_zone)::date),"
        " w.monthly_budget_usd,"
        " CASE WHEN $1::boolean"
        "  THEN array_to_json(ARRAY(SELECT d FROM unnest(w.vendor_domains) d"
        "   ORDER BY d))::text"
        "  ELSE (SELECT string_agg(d, ', ' ORDER BY d)"
        "   FROM unnest(w.vendor_domains) d) END"
        " FROM workspaces w ORDER BY w.created_at, lower(w.name)",
        1, params);
}

/* ---- workspace set ----------------------------------------------------------------------- */

const cs_option_t cs_cli_workspace_set_options[] = {
    {"workspace-id", NULL, CS_OPT_STRING, NULL,
     "workspace UUID (or give it as the argument; see 'callsift workspace list')", 0},
    OPT_TIME_ZONE,
    OPT_MONTHLY_BUDGET,
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};

/* The one argument or --workspace-id (main() made sure there is exactly one), checked and
   lower-cased into id. 0, or -1 with the reason in cli->err. */
static int s_operand_id(cs_cli_t *cli, char id[CS_UUID_LEN])
{
    const char *given = cs_config_positional_count(cli->cfg) > 0
                            ? cs_config_positional(cli->cfg, 0)
                            : cs_config_str(cli->cfg, "workspace-id");
    if (!cs_uuid_valid(given))
        return cs_cli_fail(cli,
                           "'%.64s' is not a workspace id (a UUID, see callsift workspace "
                           "list)",
                           given ? given : "");
    for (int i = 0; i < CS_UUID_LEN; i++)
        id[i] = (char)tolower((unsigned char)given[i]);
    return 0;
}

int cs_cli_workspace_set(cs_cli_t *cli)
{
    char id[CS_UUID_LEN], zone[4 * TIME_ZONE_MAX + 1], budget_text[32];
    const char *budget;
    bool budget_given;
    if (s_operand_id(cli, id) != 0)
        return -1;
    bool zone_given = cs_config_str(cli->cfg, "time-zone") != NULL;
    if (s_monthly_budget(cli, budget_text, &budget, &budget_given) != 0)
        return -1;
    if (!zone_given && !budget_given)
        return cs_cli_fail(cli,
                           "nothing to set: give --time-zone or --monthly-budget-usd (see --help)");
    if (zone_given && s_time_zone(cli, zone) != 0)
        return -1;
    const char *params[] = {id, zone_given ? zone : NULL, budget_given ? "true" : "false", budget};
    PGresult *res = cs_cli_exec(
        cli,
        "UPDATE workspaces SET time_zone = COALESCE($2, time_zone),"
        " monthly_budget_usd = CASE WHEN $3::boolean THEN $4::numeric"
        "  ELSE monthly_budget_usd END"
        " WHERE id = $1 RETURNING name, time_zone, COALESCE(monthly_budget_usd::text, 'none')",
        4, params);
    if (!res)
        return -1;
    int rc = 0;
    if (PQntuples(res) != 1)
        rc = cs_cli_fail(cli, "no workspace with id %s", id);
    else if (budget_given && zone_given)
        fprintf(cli->out, "%s: time zone %s, monthly LLM budget %s\n", PQgetvalue(res, 0, 0),
                PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
    else if (budget_given)
        fprintf(cli->out, "%s: monthly LLM budget %s\n", PQgetvalue(res, 0, 0),
                PQgetvalue(res, 0, 2));
    else
        fprintf(cli->out, "%s: time zone %s\n", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
    PQclear(res);
    return rc;
}

/* ---- workspace domains -------------------------------------------------------------------- */

const cs_option_t cs_cli_workspace_domains_options[] = {
    {"workspace-id", NULL, CS_OPT_STRING, NULL,
     "workspace UUID (or give it as the argument; see 'callsift workspace list')", 0},
    {"add", NULL, CS_OPT_STRING, NULL,
     "add these e-mail domains (host names, separated by commas or blanks)", 0},
    {"remove", NULL, CS_OPT_STRING, NULL, "remove these e-mail domains", 0},
    CS_CLI_OPT_FORMAT,
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};

/* The domains of option `name` (commas or blanks between them), each through cs_text_domain,
   into the new array *out (NULL when the option is not given). With `adding`, a free-mail
   domain is refused. 0, or -1 with the reason in cli->err. */
static int s_domain_args(cs_cli_t *cli, const char *name, bool adding, json_t **out)
{
    *out = NULL;
    const char *text = cs_config_str(cli->cfg, name);
    if (!text)
        return 0;
    json_t *list = json_array();
    if (!list)
        return cs_cli_fail(cli, "out of memory");
    const char *p = text;
    while (*p) {
        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        size_t len = 0;
        while (p[len] && p[len] != ',' && !isspace((unsigned char)p[len]))
            len++;
        if (len == 0)
            break;
        char canon[CS_TEXT_DOMAIN_SIZE];
        int rc = 0;
        if (cs_text_domain(p, len, canon) != 0)
            rc = cs_cli_fail(cli, "--%s: '%.*s' is not a host name (such as helpdeskly.example)",
                             name, (int)(len > 64 ? 64 : len), p);
        else if (adding && cs_vendor_free_mail(canon))
            rc = cs_cli_fail(cli,
                             "--%s: %s is a free-mail provider's domain: its people are not all "
                             "the vendor's",
                             name, canon);
        else if (json_array_size(list) >= CS_VENDOR_MAX_DOMAINS)
            rc = cs_cli_fail(cli, "--%s: more than %d domains", name, CS_VENDOR_MAX_DOMAINS);
        else if (!cs_vendor_has(list, canon) && json_array_append_new(list, json_string(canon)))
            rc = cs_cli_fail(cli, "out of memory");
        if (rc != 0) {
            json_decref(list);
            return -1;
        }
        p += len;
    }
    if (json_array_size(list) == 0) {
        json_decref(list);
        return cs_cli_fail(cli, "--%s: no domain given", name);
    }
    *out = list;
    return 0;
}

/* Apply --add and --remove in one transaction: the union with what is stored when it runs
   (so a fetcher learning domains at the same time keeps its own), then the difference.
   0, or -1 with the reason in cli->err. */
static int s_edit_domains(cs_cli_t *cli, const char *workspace_id, const json_t *add,
                          const json_t *remove)
{
    char *add_text = add ? json_dumps(add, JSON_COMPACT) : strdup("[]");
    char *remove_text = remove ? json_dumps(remove, JSON_COMPACT) : strdup("[]");
    if (!add_text || !remove_text) {
        free(add_text);
        free(remove_text);
        return cs_cli_fail(cli, "out of memory");
    }
    const char *params[] = {workspace_id, add_text, remove_text};
    int rc = cs_cli_begin(cli);
    PGresult *res = NULL;
    if (rc == 0)
        res = cs_cli_exec(
            cli,
            "UPDATE workspaces SET vendor_domains = ARRAY(SELECT DISTINCT d FROM unnest("
            " vendor_domains || ARRAY(SELECT jsonb_array_elements_text($2::jsonb))) d"
            " WHERE d <> ALL (ARRAY(SELECT jsonb_array_elements_text($3::jsonb))) ORDER BY d)"
            " WHERE id = $1 RETURNING cardinality(vendor_domains)",
            3, params);
    free(add_text);
    free(remove_text);
    if (!res) {
        cs_cli_rollback(cli);
        return -1;
    }
    long long count = PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : -1;
    PQclear(res);
    if (count < 0)
        rc = cs_cli_fail(cli, "no workspace with id %s", workspace_id);
    else if (count > CS_VENDOR_MAX_DOMAINS)
        rc = cs_cli_fail(cli, "workspace %s would have %lld vendor domains: at most %d are kept",
                         workspace_id, count, CS_VENDOR_MAX_DOMAINS);
    if (rc != 0 || cs_cli_commit(cli) != 0) {
        cs_cli_rollback(cli);
        return -1;
    }
    return 0;
}

static const cs_cli_column_t DOMAIN_COLUMNS[] = {{"domain", CS_CLI_COL_TEXT}};

int cs_cli_workspace_domains(cs_cli_t *cli)
{
    cs_cli_format_t fmt;
    if (cs_cli_format(cli, &fmt) != 0)
        return -1;
    char id[CS_UUID_LEN];
    if (s_operand_id(cli, id) != 0)
        return -1;
    json_t *add = NULL, *remove = NULL;
    if (s_domain_args(cli, "add", true, &add) != 0 ||
        s_domain_args(cli, "remove", false, &remove) != 0) {
        json_decref(add);
        return -1;
    }
    int rc = cs_cli_workspace_exists(cli, id);
    if (rc == 0 && (add || remove))
        rc = s_edit_domains(cli, id, add, remove);
    json_decref(add);
    json_decref(remove);
    if (rc != 0)
        return -1;
    const char *params[] = {id};
    return cs_cli_list(cli, fmt, DOMAIN_COLUMNS, 1,
                       "SELECT d FROM workspaces w, unnest(w.vendor_domains) d"
                       " WHERE w.id = $1 ORDER BY d",
                       1, params);
}
