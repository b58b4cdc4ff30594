#include "cs_cli_report.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cs_cli_table.h"
#include "cs_time.h"
#include "cs_util.h"

#define THEME_NAME_MAX 200 /* as the schema's CHECK says */
#define QUOTES_MAX     "3" /* quotes per feature */

/* The statuses a feature can have, and the ones the report shows unless told. */
static const char *const s_statuses[] = {"new", "under-review", "planned", "shipped", "rejected"};
#define STATUSES_SHOWN "{new,under-review,planned,shipped}"
#define STATUSES_MAX   96 /* every status once, with separators */

const cs_option_t cs_cli_report_options[] = {
    CS_CLI_OPT_WORKSPACE_ID,
    CS_CLI_OPT_FORMAT,
    {"theme", NULL, CS_OPT_STRING, NULL, "only the features of this theme (name, any case)", 0},
    {"since", NULL, CS_OPT_STRING, NULL,
     "only mentions in calls from this day on, YYYY-MM-DD (in the workspace's time zone)", 0},
    {"top", NULL, CS_OPT_INT, "20", "show the first N features (0: all)", 0},
    {"status", NULL, CS_OPT_STRING, NULL,
     "only the features of these statuses, separated by commas: new, under-review, planned, "
     "shipped, rejected (default: all but rejected)",
     0},
    {"min-confidence", "CALLSIFT_MIN_CONFIDENCE", CS_OPT_DOUBLE, CS_CLI_REPORT_MIN_CONFIDENCE,
     "count only mentions the extractor was at least this sure of (0..1; the others wait for "
     "review)",
     CS_OPT_UNIT},
    {"json-object", NULL, CS_OPT_FLAG, "false",
     "with --format json: one object {min_confidence, below_threshold, features} instead of "
     "the array of features",
     0},
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};

#define MENTIONS_CTE CS_REPORT_MENTIONS_CTE

/* The ranked features; $6 the number of rows (0: all), $7 true for the quotes as JSON.
   ID_COLUMN is "" or "t.id,". Dates are days in the workspace's time zone. */
#define REPORT_SQL(ID_COLUMN)                                                                      \
    MENTIONS_CTE                                                                                   \
    ", ranked AS ("                                                                                \
    " SELECT f.id, f.name, th.name AS theme, count(*) AS mentions,"                                \
    " count(DISTINCT mn.customer_id) AS customers,"                                                \
    " (SELECT coalesce(sum(c.mrr), 0) FROM customers c WHERE c.id IN"                              \
    "  (SELECT x.customer_id FROM mention x WHERE x.feature_id = f.id)) AS mrr,"                   \
    " f.urgency, f.status, min(mn.sent_at) AS first_at, max(mn.sent_at) AS last_at"                \
    " FROM features f JOIN mention mn ON mn.feature_id = f.id"                                     \
    " LEFT JOIN themes th ON th.id = f.theme_id"                                                   \
    " GROUP BY f.id, th.name),"                                                                    \
    " top AS ("                                                                                    \
    " SELECT r.*, row_number() OVER (ORDER BY r.mentions DESC, r.customers DESC, r.mrr DESC,"      \
    "  lower(r.name), r.name, r.id) AS rank"                                                       \
    " FROM ranked r ORDER BY rank LIMIT nullif($6::bigint, 0)),"                                   \
    " said AS ("                                                                                   \
    " SELECT x.*, to_char(x.sent_at AT TIME ZONE " CS_REPORT_ZONE ", 'YYYY-MM-DD') AS day,"        \
    "  row_number() OVER (PARTITION BY x.feature_id ORDER BY x.sent_at DESC, x.message_id) AS n"   \
    " FROM mention x WHERE btrim(coalesce(x.quote, '')) <> '')"                                    \
    " SELECT t.rank, " ID_COLUMN " t.name, t.theme, t.mentions, t.customers, t.mrr, t.urgency,"    \
    " t.status, to_char(t.first_at AT TIME ZONE " CS_REPORT_ZONE ", 'YYYY-MM-DD'),"                \
    " to_char(t.last_at AT TIME ZONE " CS_REPORT_ZONE ", 'YYYY-MM-DD'),"                           \
    " (SELECT CASE WHEN $7::boolean THEN coalesce(json_agg(json_build_object("                     \
    "   'quote', q.quote, 'speaker', q.speaker, 'call', q.title, 'date', q.day,"                   \
    "   'customer', q.customer, 'confidence', round(q.confidence::numeric, 2))"                    \
    "   ORDER BY q.n), '[]')::text"                                                                \
    "  ELSE string_agg(format('\"%s\" (%s)', q.quote, concat_ws(', ', nullif(q.title, ''),"        \
    "   q.day)), E'\\n' ORDER BY q.n) END"                                                         \
    "  FROM said q WHERE q.feature_id = t.id AND q.n <= " QUOTES_MAX ")"                           \
    " FROM top t ORDER BY t.rank"

/* The summary: features in scope (with a confident mention), then the workspace's processed
   calls of the period, their distinct customers and those customers' MRR ("12,500.00"), then
   the mentions below the threshold and the features they are in. $1 to $5 as for
   MENTIONS_CTE. */
#define SUMMARY_SQL                                                                                \
    MENTIONS_CTE                                                                                   \
    ", call AS (SELECT m.customer_id FROM messages m"                                              \
    " WHERE m.workspace_id = $1 AND m.is_processed"                                                \
    " AND ($2::date IS NULL OR m.sent_at >= ($2::date::timestamp AT TIME ZONE " CS_REPORT_ZONE     \
    ")))"                                                                                          \
    " SELECT (SELECT count(DISTINCT feature_id) FROM mention),"                                    \
    " (SELECT count(*) FROM call), (SELECT count(DISTINCT customer_id) FROM call),"                \
    " to_char((SELECT coalesce(sum(c.mrr), 0) FROM customers c"                                    \
    "  WHERE c.id IN (SELECT customer_id FROM call)), 'FM999,999,999,999,999,990.00'),"            \
    " (SELECT count(*) FROM every WHERE NOT confident),"                                           \
    " (SELECT count(DISTINCT feature_id) FROM every WHERE NOT confident)"

/* The report's columns, in the order REPORT_SQL selects them: a column is a row here and an
   expression in REPORT_SQL. `type` is how table, markdown and csv show it, `json_type` how json
   does; a `programs` column (the feature id) is left out of the formats for people (table,
   markdown). */
static const struct {
    const char *name;
    cs_cli_coltype_t type, json_type;
    bool programs;
} s_report_columns[] = {
    {"rank", CS_CLI_COL_INT, CS_CLI_COL_INT, false},
    {"id", CS_CLI_COL_TEXT, CS_CLI_COL_TEXT, true},
    {"feature", CS_CLI_COL_TEXT, CS_CLI_COL_TEXT, false},
    {"theme", CS_CLI_COL_TEXT, CS_CLI_COL_TEXT, false},
    {"mentions", CS_CLI_COL_INT, CS_CLI_COL_INT, false},
    {"customers", CS_CLI_COL_INT, CS_CLI_COL_INT, false},
    {"mrr", CS_CLI_COL_DECIMAL, CS_CLI_COL_DECIMAL, false},
    {"urgency", CS_CLI_COL_TEXT, CS_CLI_COL_TEXT, false},
    {"status", CS_CLI_COL_TEXT, CS_CLI_COL_TEXT, false},
    {"first_mentioned", CS_CLI_COL_TEXT, CS_CLI_COL_TEXT, false},
    {"last_mentioned", CS_CLI_COL_TEXT, CS_CLI_COL_TEXT, false},
    {"quotes", CS_CLI_COL_LINES, CS_CLI_COL_JSON, false},
};

/* The columns format fmt prints into cols (room for every report column); their number. */
static int s_columns(cs_cli_format_t fmt, cs_cli_column_t *cols)
{
    bool human = fmt == CS_CLI_FORMAT_TABLE || fmt == CS_CLI_FORMAT_MARKDOWN;
    int n = 0;
    for (size_t i = 0; i < CS_ARRAY_LEN(s_report_columns); i++) {
        if (human && s_report_columns[i].programs)
            continue;
        cols[n].name = s_report_columns[i].name;
        cols[n].type =
            fmt == CS_CLI_FORMAT_JSON ? s_report_columns[i].json_type : s_report_columns[i].type;
        n++;
    }
    return n;
}

/* The options, checked before anything is dialled. */
typedef struct {
    cs_cli_format_t fmt;
    char workspace_id[CS_UUID_LEN];
    char theme[4 * THEME_NAME_MAX + 1]; /* "" for every theme */
    const char *since;                  /* NULL for all time */
    char top[24];
    double min_confidence; /* 0..1 */
    char min_text[32];     /* the same, as the statement's parameter */
    bool json_object;
    char statuses[STATUSES_MAX];    /* "{new,planned}": the statuses shown, as a text[] */
    char status_text[STATUSES_MAX]; /* "new, planned" when --status was given, else "" */
} report_args_t;

/* The mentions below the threshold, from the summary query. */
typedef struct {
    long long mentions, features;
} below_t;

/* --status LIST (NULL: every status but rejected) into a->statuses and a->status_text; each
   status once, in s_statuses' order. -1 naming an unknown status. */
static int s_status_list(cs_cli_t *cli, const char *list, report_args_t *a)
{
    a->status_text[0] = '\0';
    if (!list) {
        cs_strlcpy(a->statuses, STATUSES_SHOWN, sizeof a->statuses);
        return 0;
    }
    bool wanted[CS_ARRAY_LEN(s_statuses)] = {false};
    bool any = false;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        const char *word = p;
        p += len + (p[len] == ',');
        while (len && (*word == ' ' || *word == '\t')) {
            word++;
            len--;
        }
        while (len && (word[len - 1] == ' ' || word[len - 1] == '\t'))
            len--;
        if (len == 0)
            continue;
        size_t i = 0;
        while (i < CS_ARRAY_LEN(s_statuses) &&
               !(strlen(s_statuses[i]) == len && strncmp(s_statuses[i], word, len) == 0))
            i++;
        if (i == CS_ARRAY_LEN(s_statuses))
            return cs_cli_fail(cli,
                               "--status: unknown status '%.*s' (new, under-review, planned, "
                               "shipped, rejected)",
                               (int)(len > 40 ? 40 : len), word);
        wanted[i] = any = true;
    }
    if (!any)
        return cs_cli_fail(cli, "--status: expected statuses separated by commas (new, "
                                "under-review, planned, shipped, rejected)");
    size_t off = 0, toff = 0;
    a->statuses[off++] = '{';
    for (size_t i = 0; i < CS_ARRAY_LEN(s_statuses); i++) {
        if (!wanted[i])
            continue;
        off += (size_t)snprintf(a->statuses + off, sizeof a->statuses - off, "%s%s",
                                off > 1 ? "," : "", s_statuses[i]);
        toff += (size_t)snprintf(a->status_text + toff, sizeof a->status_text - toff, "%s%s",
                                 toff ? ", " : "", s_statuses[i]);
    }
    snprintf(a->statuses + off, sizeof a->statuses - off, "}");
    return 0;
}

static int s_args(cs_cli_t *cli, report_args_t *a)
{
    if (cs_cli_format(cli, &a->fmt) != 0 || cs_cli_workspace_id(cli, a->workspace_id) != 0)
        return -1;
    a->theme[0] = '\0';
    if (cs_config_str(cli->cfg, "theme") &&
        cs_cli_text(cli, "theme", THEME_NAME_MAX, false, a->theme, sizeof a->theme) != 0)
        return -1;
    a->since = cs_config_str(cli->cfg, "since");
    if (a->since && !cs_time_is_date(a->since))
        return cs_cli_fail(cli, "--since: '%.32s' is not a date (YYYY-MM-DD)", a->since);
    long long top = cs_config_int(cli->cfg, "top");
    if (top < 0 || top > INT_MAX)
        return cs_cli_fail(cli, "--top: expected 0 (all) or a number of features, got %lld", top);
    snprintf(a->top, sizeof a->top, "%lld", top);
    a->min_confidence = cs_config_double(cli->cfg, "min-confidence"); /* 0..1: the parser checks */
    snprintf(a->min_text, sizeof a->min_text, "%.17g", a->min_confidence);
    if (s_status_list(cli, cs_config_str(cli->cfg, "status"), a) != 0)
        return -1;
    a->json_object = cs_config_flag(cli->cfg, "json-object");
    if (a->json_object && a->fmt != CS_CLI_FORMAT_JSON)
        return cs_cli_fail(cli, "--json-object goes with --format json");
    return 0;
}

/* The threshold as people read it: two decimals ("0.50"), more when it has more. */
static void s_threshold_text(double t, char *out, size_t outlen)
{
    snprintf(out, outlen, "%.2f", t);
    if (strtod(out, NULL) != t)
        snprintf(out, outlen, "%g", t);
}

/* The id of theme `name` (any case) in the workspace into theme_id, and its name as it is
   spelt into name (name_len bytes); -1 naming the workspace's themes when it has none of that
   name. */
static int s_theme_id(cs_cli_t *cli, const char *workspace_id, char *name, size_t name_len,
                      char *theme_id)
{
    char given[4 * THEME_NAME_MAX + 1];
    cs_strlcpy(given, name, sizeof given);
    const char *params[] = {workspace_id, given};
    PGresult *res = cs_cli_exec(
        cli, "SELECT id, name FROM themes WHERE workspace_id = $1 AND lower(name) = lower($2)", 2,
        params);
    if (!res)
        return -1;
    bool found = PQntuples(res) == 1;
    if (found) {
        cs_strlcpy(theme_id, PQgetvalue(res, 0, 0), CS_UUID_LEN);
        cs_strlcpy(name, PQgetvalue(res, 0, 1), name_len); /* as it is spelt */
    }
    PQclear(res);
    if (found)
        return 0;
    res = cs_cli_exec(cli,
                      "SELECT coalesce(string_agg(name, ', ' ORDER BY is_default, lower(name)),"
                      " 'none') FROM themes WHERE workspace_id = $1",
                      1, params);
    if (!res)
        return -1;
    cs_cli_fail(cli, "workspace %s has no theme named '%s' (its themes: %s)", workspace_id, given,
                PQgetvalue(res, 0, 0));
    PQclear(res);
    return -1;
}

static const char *s_plural(long long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* The summary query's answer into *below; with `print`, the heading (markdown) and the
   one-line summary above the table. */
static int s_summary(cs_cli_t *cli, const report_args_t *a, const char *workspace_name,
                     const char *zone, const char *const *params, int shown, bool print,
                     below_t *below)
{
    PGresult *res = cs_cli_exec(cli, SUMMARY_SQL, 5, params);
    if (!res)
        return -1;
    long long features = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    long long calls = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    long long customers = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    below->mentions = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
    below->features = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
    if (!print) {
        PQclear(res);
        return 0;
    }
    if (a->fmt == CS_CLI_FORMAT_MARKDOWN)
        fprintf(cli->out, "## Feature report: %s\n\n", workspace_name);
    fprintf(cli->out, "%lld %s from %lld %s (%lld %s, $%s MRR)", features,
            s_plural(features, "feature", "features"), calls, s_plural(calls, "call", "calls"),
            customers, s_plural(customers, "customer", "customers"), PQgetvalue(res, 0, 3));
    PQclear(res);
    if (a->theme[0])
        fprintf(cli->out, "; theme %s", a->theme);
    if (a->status_text[0])
        fprintf(cli->out, "; status %s", a->status_text);
    if (a->since)
        fprintf(cli->out, "; since %s", a->since);
    if (strcmp(zone, "UTC") != 0)
        fprintf(cli->out, "; dates in %s", zone);
    if (shown < features)
        fprintf(cli->out, "; top %d shown", shown);
    fputs("\n\n", cli->out);
    return 0;
}

/* The line under the table: the mentions below the threshold that wait for review. */
static void s_footer(cs_cli_t *cli, const report_args_t *a, const below_t *below)
{
    char t[32];
    s_threshold_text(a->min_confidence, t, sizeof t);
    fputc('\n', cli->out);
    if (below->mentions == 0)
        fprintf(cli->out, "No mention below confidence %s waits for review\n", t);
    else
        fprintf(cli->out, "%lld %s below confidence %s, in %lld %s, %s for review\n",
                below->mentions, s_plural(below->mentions, "mention", "mentions"), t,
                below->features, s_plural(below->features, "feature", "features"),
                s_plural(below->mentions, "waits", "wait"));
}

/* --json-object: {min_confidence, below_threshold: {mentions, features}, features: [...]}. */
static int s_print_object(cs_cli_t *cli, const report_args_t *a, const below_t *below,
                          const cs_cli_column_t *cols, int ncols, const PGresult *res)
{
    json_t *rows = cs_cli_json_rows(cols, ncols, res, cli->err, sizeof cli->err);
    if (!rows)
        return -1;
    json_t *doc = json_pack("{s:f, s:{s:I, s:I}, s:o}", "min_confidence", a->min_confidence,
                            "below_threshold", "mentions", (json_int_t)below->mentions, "features",
                            (json_int_t)below->features, "features", rows);
    if (!doc)
        return cs_cli_fail(cli, "out of memory");
    int rc = 0;
    if (json_dumpf(doc, cli->out, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) != 0)
        rc = cs_cli_fail(cli, "cannot write output");
    else
        fputc('\n', cli->out);
    json_decref(doc);
    return rc;
}

static int s_report(cs_cli_t *cli, report_args_t *a)
{
    const char *ws[] = {a->workspace_id};
    PGresult *res = cs_cli_exec(cli, "SELECT name, time_zone FROM workspaces WHERE id = $1", 1, ws);
    if (!res)
        return -1;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return cs_cli_fail(cli, "no workspace with id %s", a->workspace_id);
    }
    char workspace_name[1024], zone[256];
    cs_strlcpy(workspace_name, PQgetvalue(res, 0, 0), sizeof workspace_name);
    cs_strlcpy(zone, PQgetvalue(res, 0, 1), sizeof zone);
    PQclear(res);

    char theme_id[CS_UUID_LEN];
    if (a->theme[0] && s_theme_id(cli, a->workspace_id, a->theme, sizeof a->theme, theme_id) != 0)
        return -1;
    bool human = a->fmt == CS_CLI_FORMAT_TABLE || a->fmt == CS_CLI_FORMAT_MARKDOWN;
    const char *params[] = {a->workspace_id,
                            a->since,
                            a->theme[0] ? theme_id : NULL,
                            a->min_text,
                            a->statuses,
                            a->top,
                            a->fmt == CS_CLI_FORMAT_JSON ? "true" : "false"};
    res = cs_cli_exec(cli, human ? REPORT_SQL("") : REPORT_SQL("t.id,"), 7, params);
    if (!res)
        return -1;
    cs_cli_column_t cols[CS_ARRAY_LEN(s_report_columns)];
    int ncols = s_columns(a->fmt, cols);
    below_t below = {0};
    int rc = human || a->json_object
                 ? s_summary(cli, a, workspace_name, zone, params, PQntuples(res), human, &below)
                 : 0;
    if (rc == 0 && a->json_object)
        rc = s_print_object(cli, a, &below, cols, ncols, res);
    else if (rc == 0)
        rc = cs_cli_print(cli->out, a->fmt, cols, ncols, res, cli->err, sizeof cli->err);
    if (rc == 0 && human)
        s_footer(cli, a, &below);
    PQclear(res);
    return rc;
}

int cs_cli_report(cs_cli_t *cli)
{
    report_args_t a;
    if (s_args(cli, &a) != 0)
        return -1;
    /* one snapshot, so the summary counts what the table shows */
    if (cs_cli_begin_read(cli) != 0)
        return -1;
    int rc = s_report(cli, &a);
    cs_cli_rollback(cli); /* read only: nothing to keep */
    return rc;
}
