#include "cs_cli_feature.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cs_cli_curate.h"
#include "cs_cli_table.h"
#include "cs_util.h"

const cs_option_t cs_cli_feature_show_options[] = {
    {"id", NULL, CS_OPT_STRING, NULL, "feature UUID (or give it as the argument)", 0},
    {"format", NULL, CS_OPT_STRING, "table", "output as 'table' or 'json'", 0},
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};

/* The feature: $1 its id. Days are in the workspace's time zone, instants ("Z") in UTC. */
static const char FEATURE_SQL[] =
    "SELECT f.id, f.name, f.description, w.id, w.name, th.name, f.status, f.urgency,"
    " f.mention_count, to_char(f.first_mentioned AT TIME ZONE w.time_zone, 'YYYY-MM-DD'),"
    " to_char(f.last_mentioned AT TIME ZONE w.time_zone, 'YYYY-MM-DD'),"
    " to_char(f.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    " f.status_reason, f.merged_into"
    " FROM features f JOIN workspaces w ON w.id = f.workspace_id"
    " LEFT JOIN themes th ON th.id = f.theme_id WHERE f.id = $1";

/* The table format's labels, in the order of FEATURE_COLUMNS. */
static const char *const FEATURE_LABELS[] = {
    "Id",      "Feature",  "Description",     "Workspace id",   "Workspace", "Theme", "Status",
    "Urgency", "Mentions", "First mentioned", "Last mentioned", "Created",   "Why",   "Merged into",
};
static const cs_cli_column_t FEATURE_COLUMNS[] = {
    {"id", CS_CLI_COL_TEXT},
    {"name", CS_CLI_COL_TEXT},
    {"description", CS_CLI_COL_TEXT},
    {"workspace_id", CS_CLI_COL_TEXT},
    {"workspace", CS_CLI_COL_TEXT},
    {"theme", CS_CLI_COL_TEXT},
    {"status", CS_CLI_COL_TEXT},
    {"urgency", CS_CLI_COL_TEXT},
    {"mentions", CS_CLI_COL_INT},
    {"first_mentioned", CS_CLI_COL_TEXT},
    {"last_mentioned", CS_CLI_COL_TEXT},
    {"created", CS_CLI_COL_TEXT},
    {"status_reason", CS_CLI_COL_TEXT},
    {"merged_into", CS_CLI_COL_TEXT},
};

/* The feature's lines from this one on are left out of the table when they are empty. */
#define OPTIONAL_FROM 12

/* The features merged into it (its aliases: other names its mentions came under), oldest
   merge first, with who merged them and why: the scores the matcher found them alike by when
   it merged them itself (writer/cs_wmerge.h): $1 its id. */
static const char ALIASES_SQL[] =
    "SELECT f.id, f.name, to_char(f.merged_at AT TIME ZONE w.time_zone, 'YYYY-MM-DD'),"
    " a.by_name, CASE WHEN a.arguments ? 'fused' THEN 'similarity ' || (a.arguments->>'fused')"
    " || coalesce(' (vector ' || (a.arguments->>'vector') || ', lexical ' ||"
    " (a.arguments->>'lexical') || ')', '') || coalesce(', call ' || (a.arguments->>'call'), '')"
    " END FROM features f JOIN workspaces w ON w.id = f.workspace_id"
    " LEFT JOIN LATERAL (SELECT by_name, arguments FROM curation_actions c WHERE c.feature_id ="
    " f.id AND c.action = 'merge' AND c.undone_by IS NULL ORDER BY c.id DESC LIMIT 1) a ON true"
    " WHERE f.merged_into = $1 ORDER BY f.merged_at, f.id";
static const cs_cli_column_t ALIAS_COLUMNS[] = {
    {"id", CS_CLI_COL_TEXT}, {"name", CS_CLI_COL_TEXT}, {"merged", CS_CLI_COL_TEXT},
    {"by", CS_CLI_COL_TEXT}, {"why", CS_CLI_COL_TEXT},
};

/* The calls that mention it, newest first, with how sure the extractor was of each mention
   (NULL when not known): $1 its id. */
static const char CALLS_SQL[] = "SELECT to_char(m.sent_at AT TIME ZONE w.time_zone, 'YYYY-MM-DD'), "
                                "m.message_metadata->>'title',"
                                " cu.name, cu.mrr, m.external_id, fm.speaker,"
                                " trim_scale(round(fm.confidence::numeric, 2)), fm.quote"
                                " FROM feature_messages fm JOIN messages m ON m.id = fm.message_id"
                                " JOIN workspaces w ON w.id = m.workspace_id"
                                " LEFT JOIN customers cu ON cu.id = m.customer_id"
                                " WHERE fm.feature_id = $1 ORDER BY m.sent_at DESC, m.id";
static const cs_cli_column_t CALL_COLUMNS[] = {
    {"date", CS_CLI_COL_TEXT},          {"call", CS_CLI_COL_TEXT},    {"customer", CS_CLI_COL_TEXT},
    {"mrr", CS_CLI_COL_DECIMAL},        {"call_id", CS_CLI_COL_TEXT}, {"speaker", CS_CLI_COL_TEXT},
    {"confidence", CS_CLI_COL_DECIMAL}, {"quote", CS_CLI_COL_LINES},
};

/* Its newest 50 match decisions, newest first: $1 its id, $2 true for JSON (the scores,
   runner-up and candidates as JSON, the reasoning whole), else text (the scores as
   "vector 0.62  lexical 0.48  ...", those present, in that order; the reasoning on one line,
   cut at 200 characters; the runner-up as "name (fused 0.41, similarity 0.38)"; the
   candidates as "name (similarity), ..."). The call is its title, else its id. The runner-up
   is the best candidate, by fused score then similarity, other than the feature decided on:
   for a link, the feature that came second; for a create, the nearest one it did not join. */
const char cs_cli_decisions_sql[] =
    "SELECT to_char(md.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    " coalesce(nullif(m.message_metadata->>'title', ''), m.external_id), md.action, md.method,"
    " trim_scale(round(md.confidence::numeric, 4)), trim_scale(round(md.similarity::numeric, 4)),"
    " md.extracted->>'title',"
    " CASE WHEN $2::boolean THEN md.scores::text ELSE"
    "  (SELECT string_agg(u.k || ' ' || round((md.scores->>u.k)::numeric, 2), '  ' ORDER BY u.o)"
    "   FROM unnest(ARRAY['vector', 'lexical', 'fused', 'judge', 'margin'])"
    "    WITH ORDINALITY u(k, o) WHERE jsonb_typeof(md.scores->u.k) = 'number') END,"
    " CASE WHEN $2::boolean THEN md.reasoning"
    "  WHEN length(r.line) > 200 THEN left(r.line, 197) || '...' ELSE r.line END,"
    " CASE WHEN $2::boolean THEN ru.value::text ELSE"
    "  coalesce(ru.value->>'name', ru.value->>'id') || ' (' || nullif(concat_ws(', ',"
    "   'fused ' || CASE WHEN jsonb_typeof(ru.value->'fused') = 'number'"
    "    THEN round((ru.value->>'fused')::numeric, 2)::text END,"
    "   'similarity ' || CASE WHEN jsonb_typeof(ru.value->'similarity') = 'number'"
    "    THEN round((ru.value->>'similarity')::numeric, 2)::text END), '') || ')' END,"
    " CASE WHEN $2::boolean THEN md.candidates::text"
    "  WHEN jsonb_typeof(md.candidates) = 'array' THEN"
    "  (SELECT string_agg(concat(c.value->>'name', ' (' || CASE"
    "    WHEN jsonb_typeof(c.value->'similarity') = 'number'"
    "    THEN trim_scale(round((c.value->>'similarity')::numeric, 4))::text END || ')'),"
    "   ', ' ORDER BY c.ordinality)"
    "   FROM jsonb_array_elements(md.candidates) WITH ORDINALITY c) END"
    " FROM match_decisions md JOIN messages m ON m.id = md.message_id"
    " CROSS JOIN LATERAL (SELECT btrim(regexp_replace(md.reasoning, '[[:space:]]+', ' ', 'g'))"
    "  AS line) r"
    " LEFT JOIN LATERAL (SELECT c.value FROM jsonb_array_elements(CASE"
    "   WHEN jsonb_typeof(md.candidates) = 'array' THEN md.candidates ELSE '[]' END)"
    "   WITH ORDINALITY c"
    "  WHERE jsonb_typeof(c.value) = 'object'"
    "   AND (c.value->>'id') IS DISTINCT FROM md.feature_id::text"
    "  ORDER BY CASE WHEN jsonb_typeof(c.value->'fused') = 'number'"
    "   THEN (c.value->>'fused')::float8 END DESC NULLS LAST,"
    "   CASE WHEN jsonb_typeof(c.value->'similarity') = 'number'"
    "   THEN (c.value->>'similarity')::float8 END DESC NULLS LAST, c.ordinality LIMIT 1) ru ON true"
    " WHERE md.feature_id = $1 ORDER BY md.created_at DESC, md.id DESC LIMIT 50";
static const cs_cli_column_t DECISION_COLUMNS[] = {
    {"decided", CS_CLI_COL_TEXT},       {"call", CS_CLI_COL_TEXT},
    {"action", CS_CLI_COL_TEXT},        {"method", CS_CLI_COL_TEXT},
    {"confidence", CS_CLI_COL_DECIMAL}, {"similarity", CS_CLI_COL_DECIMAL},
    {"extracted", CS_CLI_COL_TEXT},     {"scores", CS_CLI_COL_LINES},
    {"reasoning", CS_CLI_COL_LINES},    {"runner_up", CS_CLI_COL_LINES},
    {"candidates", CS_CLI_COL_LINES},
};
static const cs_cli_column_t DECISION_JSON_COLUMNS[] = {
    {"decided", CS_CLI_COL_TEXT},       {"call", CS_CLI_COL_TEXT},
    {"action", CS_CLI_COL_TEXT},        {"method", CS_CLI_COL_TEXT},
    {"confidence", CS_CLI_COL_DECIMAL}, {"similarity", CS_CLI_COL_DECIMAL},
    {"extracted", CS_CLI_COL_TEXT},     {"scores", CS_CLI_COL_JSON},
    {"reasoning", CS_CLI_COL_TEXT},     {"runner_up", CS_CLI_COL_JSON},
    {"candidates", CS_CLI_COL_JSON},
};

/* How many match decisions it has in all: $1 its id. */
static const char DECISIONS_COUNT_SQL[] =
    "SELECT count(*) FROM match_decisions WHERE feature_id = $1";

/* The three parts of the answer, and how many decisions there are in all. */
typedef struct {
    PGresult *feature, *calls, *decisions, *decisions_total, *aliases, *history;
} parts_t;

static void s_parts_clear(parts_t *p)
{
    PQclear(p->feature);
    PQclear(p->calls);
    PQclear(p->decisions);
    PQclear(p->decisions_total);
    PQclear(p->aliases);
    PQclear(p->history);
    memset(p, 0, sizeof *p);
}

/* How many match decisions the feature has in all (the count query's answer). */
static long long s_decisions_total(const parts_t *p)
{
    return strtoll(PQgetvalue(p->decisions_total, 0, 0), NULL, 10);
}

/* "label  value" lines; a value of several lines goes on under its first one. */
static void s_print_feature(FILE *out, const PGresult *res)
{
    size_t width = 0;
    for (size_t c = 0; c < CS_ARRAY_LEN(FEATURE_LABELS); c++)
        if (strlen(FEATURE_LABELS[c]) > width)
            width = strlen(FEATURE_LABELS[c]);
    for (int c = 0; c < PQnfields(res); c++) {
        if (c >= OPTIONAL_FROM && PQgetisnull(res, 0, c))
            continue;
        const char *v = PQgetisnull(res, 0, c) ? "" : PQgetvalue(res, 0, c);
        fprintf(out, "%-*s  ", (int)width, FEATURE_LABELS[c]);
        for (const char *p = v; *p; p++) {
            if (*p == '\r' && p[1] == '\n')
                continue;
            if (*p == '\n')
                fprintf(out, "\n%-*s  ", (int)width, "");
            else
                fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, out);
        }
        fputc('\n', out);
    }
}

static int s_print_table(cs_cli_t *cli, const parts_t *p)
{
    s_print_feature(cli->out, p->feature);
    int calls = PQntuples(p->calls), decisions = PQntuples(p->decisions);
    fprintf(cli->out, "\nCalls (%d)\n", calls);
    if (calls > 0 &&
        cs_cli_print(cli->out, CS_CLI_FORMAT_TABLE, CALL_COLUMNS, (int)CS_ARRAY_LEN(CALL_COLUMNS),
                     p->calls, cli->err, sizeof cli->err) != 0)
        return -1;
    int aliases = PQntuples(p->aliases), history = PQntuples(p->history);
    if (aliases > 0) {
        fprintf(cli->out, "\nAliases (%d)\n", aliases);
        if (cs_cli_print(cli->out, CS_CLI_FORMAT_TABLE, ALIAS_COLUMNS,
                         (int)CS_ARRAY_LEN(ALIAS_COLUMNS), p->aliases, cli->err,
                         sizeof cli->err) != 0)
            return -1;
    }
    if (history > 0) {
        fprintf(cli->out, "\nHistory (%d)\n", history);
        if (cs_cli_print(cli->out, CS_CLI_FORMAT_TABLE, cs_cli_history_columns,
                         CS_CLI_HISTORY_COLUMNS, p->history, cli->err, sizeof cli->err) != 0)
            return -1;
    }
    long long total = s_decisions_total(p);
    if (total > decisions)
        fprintf(cli->out, "\nMatch decisions (%lld, the newest %d shown)\n", total, decisions);
    else
        fprintf(cli->out, "\nMatch decisions (%d)\n", decisions);
    if (decisions > 0 && cs_cli_print(cli->out, CS_CLI_FORMAT_TABLE, DECISION_COLUMNS,
                                      (int)CS_ARRAY_LEN(DECISION_COLUMNS), p->decisions, cli->err,
                                      sizeof cli->err) != 0)
        return -1;
    return 0;
}

static int s_print_json(cs_cli_t *cli, const parts_t *p)
{
    char *err = cli->err;
    size_t errlen = sizeof cli->err;
    json_t *feature = cs_cli_json_rows(FEATURE_COLUMNS, (int)CS_ARRAY_LEN(FEATURE_COLUMNS),
                                       p->feature, err, errlen);
    json_t *calls = feature ? cs_cli_json_rows(CALL_COLUMNS, (int)CS_ARRAY_LEN(CALL_COLUMNS),
                                               p->calls, err, errlen)
                            : NULL;
    json_t *decisions =
        calls ? cs_cli_json_rows(DECISION_JSON_COLUMNS, (int)CS_ARRAY_LEN(DECISION_JSON_COLUMNS),
                                 p->decisions, err, errlen)
              : NULL;
    json_t *aliases = decisions ? cs_cli_json_rows(ALIAS_COLUMNS, (int)CS_ARRAY_LEN(ALIAS_COLUMNS),
                                                   p->aliases, err, errlen)
                                : NULL;
    json_t *history = aliases ? cs_cli_json_rows(cs_cli_history_columns, CS_CLI_HISTORY_COLUMNS,
                                                 p->history, err, errlen)
                              : NULL;
    json_t *doc =
        history
            ? json_pack("{s:O, s:O, s:O, s:I, s:O, s:O}", "feature", json_array_get(feature, 0),
                        "calls", calls, "decisions", decisions, "decisions_total",
                        (json_int_t)s_decisions_total(p), "aliases", aliases, "history", history)
            : NULL;
    int rc = 0;
    if (history && !doc)
        rc = cs_cli_fail(cli, "out of memory");
    else if (!doc)
        rc = -1; /* the reason is in cli->err */
    else if (json_dumpf(doc, cli->out, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) != 0)
        rc = cs_cli_fail(cli, "cannot write output");
    else
        fputc('\n', cli->out);
    json_decref(feature);
    json_decref(calls);
    json_decref(decisions);
    json_decref(aliases);
    json_decref(history);
    json_decref(doc);
    return rc;
}

int cs_cli_feature_show(cs_cli_t *cli)
{
    const char *format = cs_config_str(cli->cfg, "format");
    cs_cli_format_t fmt;
    if (cs_cli_format_parse(format, &fmt) != 0 ||
        (fmt != CS_CLI_FORMAT_TABLE && fmt != CS_CLI_FORMAT_JSON))
        return cs_cli_fail(cli, "--format: expected 'table' or 'json', got '%.32s'",
                           format ? format : "");
    /* main() made sure there is exactly one of the argument and --id */
    const char *given = cs_config_positional_count(cli->cfg) > 0 ? cs_config_positional(cli->cfg, 0)
                                                                 : cs_config_str(cli->cfg, "id");
    if (!cs_uuid_valid(given))
        return cs_cli_fail(cli,
                           "'%.64s' is not a feature id (a UUID, see callsift report "
                           "--format json)",
                           given);
    char id[CS_UUID_LEN];
    for (int i = 0; i < CS_UUID_LEN; i++)
        id[i] = (char)tolower((unsigned char)given[i]);

    const char *params[] = {id, fmt == CS_CLI_FORMAT_JSON ? "true" : "false"};
    if (cs_cli_begin_read(cli) != 0) /* every part from one snapshot */
        return -1;
    parts_t p = {0};
    p.feature = cs_cli_exec(cli, FEATURE_SQL, 1, params);
    if (p.feature && PQntuples(p.feature) == 0) {
        s_parts_clear(&p);
        cs_cli_rollback(cli);
        return cs_cli_fail(cli, "no feature with id %s", id);
    }
    if (p.feature)
        p.calls = cs_cli_exec(cli, CALLS_SQL, 1, params);
    if (p.calls)
        p.decisions = cs_cli_exec(cli, cs_cli_decisions_sql, 2, params);
    if (p.decisions)
        p.decisions_total = cs_cli_exec(cli, DECISIONS_COUNT_SQL, 1, params);
    if (p.decisions_total)
        p.aliases = cs_cli_exec(cli, ALIASES_SQL, 1, params);
    if (p.aliases)
        p.history = cs_cli_exec(cli, cs_cli_history_sql, 1, params);
    int rc = -1;
    if (p.history)
        rc = fmt == CS_CLI_FORMAT_JSON ? s_print_json(cli, &p) : s_print_table(cli, &p);
    s_parts_clear(&p);
    cs_cli_rollback(cli); /* read only: nothing to keep */
    return rc;
}
