#include "cs_cli_review.h"
#include "cs_cli_review_queue.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_cli_curate.h"
#include "cs_cli_report.h"
#include "cs_cli_table.h"
#include "cs_curate.h"
#include "cs_util.h"

#define BY_MAX      200     /* characters of --by, as the schema's CHECK says */
#define IDS_MAX     1000    /* item ids in one command */
#define ITEMS_MAX   10000   /* items one bulk command labels */
#define ITEMS_LIMIT "10001" /* ITEMS_MAX + 1: the bulk query reads no more, to tell too many */

#define OPT_MIN_CONFIDENCE                                                                         \
    {                                                                                              \
        "min-confidence", "CALLSIFT_MIN_CONFIDENCE", CS_OPT_DOUBLE, CS_CLI_REPORT_MIN_CONFIDENCE,  \
            "a mention the extractor was less sure of waits for review as a request item (the "    \
            "report's threshold, 0..1)",                                                           \
            CS_OPT_UNIT                                                                            \
    }
#define OPT_MATCH_CONFIDENCE                                                                       \
    {                                                                                              \
        "match-confidence", "CALLSIFT_REVIEW_CONFIDENCE", CS_OPT_DOUBLE,                           \
            CS_CLI_REVIEW_MATCH_CONFIDENCE,                                                        \
            "a match decision (not by exact name) the matcher was less sure of waits for review "  \
            "as a match item (0..1)",                                                              \
            CS_OPT_UNIT                                                                            \
    }
/* The filters of list, approve and reject. */
#define OPT_KIND                                                                                   \
    {                                                                                              \
        "kind", NULL, CS_OPT_STRING, NULL, "only items of this kind: 'request' or 'match'", 0      \
    }
#define OPT_METHOD                                                                                 \
    {                                                                                              \
        "method", NULL, CS_OPT_STRING, NULL, "only decisions by 'embedding', 'llm' or 'exact'", 0  \
    }
#define OPT_ACTION                                                                                 \
    {                                                                                              \
        "action", NULL, CS_OPT_STRING, NULL, "only decisions that did 'link' or 'create'", 0       \
    }
#define OPT_CALL                                                                                   \
    {                                                                                              \
        "call", NULL, CS_OPT_STRING, NULL, "only items of this call (its external id)", 0          \
    }
#define OPT_BAND                                                                                   \
    {                                                                                              \
        "band", NULL, CS_OPT_STRING, NULL,                                                         \
            "only items of confidence c in LO:HI: LO <= c < HI (or <= 1)", 0                       \
    }

const cs_option_t cs_cli_review_list_options[] = {
    CS_CLI_OPT_WORKSPACE_ID,
    CS_CLI_OPT_FORMAT,
    OPT_KIND,
    OPT_METHOD,
    OPT_ACTION,
    OPT_CALL,
    OPT_BAND,
    {"limit", NULL, CS_OPT_INT, "50", "show the first N items (0: all)", 0},
    OPT_MIN_CONFIDENCE,
    OPT_MATCH_CONFIDENCE,
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};

const cs_option_t cs_cli_review_label_options[] = {
    {"workspace-id", NULL, CS_OPT_STRING, NULL,
     "workspace UUID: required with --band; with ids, refuses items of other workspaces", 0},
    OPT_KIND,
    OPT_METHOD,
    OPT_ACTION,
    OPT_CALL,
    OPT_BAND,
    {"by", "CALLSIFT_BY", CS_OPT_STRING, NULL,
     "who decides, for the audit trail (default: the login user)", 0},
    OPT_MIN_CONFIDENCE,
    OPT_MATCH_CONFIDENCE,
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};

const cs_option_t cs_cli_review_stats_options[] = {
    CS_CLI_OPT_WORKSPACE_ID, CS_CLI_OPT_FORMAT,       OPT_MIN_CONFIDENCE,
    OPT_MATCH_CONFIDENCE,    CS_CLI_OPT_DATABASE_URL, CS_CLI_OPT_END,
};

const cs_option_t cs_cli_review_simulate_options[] = {
    CS_CLI_OPT_WORKSPACE_ID,
    CS_CLI_OPT_FORMAT,
    {"confidence", NULL, CS_OPT_DOUBLE, NULL, "the link threshold to try (0..1)",
     CS_OPT_UNIT | CS_OPT_REQUIRED},
    {"method", NULL, CS_OPT_STRING, NULL, "only decisions by this method: 'embedding' or 'llm'", 0},
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};

/* ---- the queue ---------------------------------------------------------------------------- */

/* How many pending items the filters keep, and how many of them are requests: PENDING_FROM's
   parameters. */
static const char s_count_sql[] = ITEMS_CTE(WORKSPACE_SCOPE) " SELECT count(*),"
                                                             " count(*) FILTER (WHERE i.kind ="
                                                             " 'request')" PENDING_FROM("");

/* The list's columns; `programs` ones (the call's and feature's ids) are left out of the
   formats for people. */
static const struct {
    const char *name;
    cs_cli_coltype_t type, json_type;
    bool programs;
} s_list_columns[] = {
    {"id", CS_CLI_COL_INT, CS_CLI_COL_INT, false},
    {"kind", CS_CLI_COL_TEXT, CS_CLI_COL_TEXT, false},
    {"method", CS_CLI_COL_TEXT, CS_CLI_COL_TEXT, false},
    {"action", CS_CLI_COL_TEXT, CS_CLI_COL_TEXT, false},
    {"confidence", CS_CLI_COL_DECIMAL, CS_CLI_COL_DECIMAL, false},
    {"feature", CS_CLI_COL_TEXT, CS_CLI_COL_TEXT, false},
    {"customer", CS_CLI_COL_TEXT, CS_CLI_COL_TEXT, false},
    {"mrr", CS_CLI_COL_DECIMAL, CS_CLI_COL_DECIMAL, false},
    {"call", CS_CLI_COL_TEXT, CS_CLI_COL_TEXT, false},
    {"call_id", CS_CLI_COL_TEXT, CS_CLI_COL_TEXT, true},
    {"feature_id", CS_CLI_COL_TEXT, CS_CLI_COL_TEXT, true},
    {"quote", CS_CLI_COL_LINES, CS_CLI_COL_TEXT, false},
    {"scores", CS_CLI_COL_LINES, CS_CLI_COL_JSON, false},
    {"candidates", CS_CLI_COL_LINES, CS_CLI_COL_JSON, false},
    {"reasoning", CS_CLI_COL_LINES, CS_CLI_COL_TEXT, false},
};

/* What approve and reject need of each item they label, after ITEMS_CTE: the item, its
   workspace, method, action, confidence (exact text, to copy into the label), old verdict,
   the feature where its mention lives, the feature the link row names, the call (message id
   and external id), the feature's name, the title the extractor gave the request, the best
   other live candidate (id and name, for the suggested split or merge) and the confidence as
   people read it. */
#define TARGET_SELECT                                                                              \
    " SELECT i.id, i.kind, i.workspace_id, i.method, i.action, i.confidence::text, i.verdict,"     \
    " i.feature_id, i.linked_id, i.message_id, m.external_id, f.name, md.extracted->>'title',"     \
    " alt.id, alt.name, trim_scale(round(i.confidence::numeric, 4))"
#define TARGET_JOINS                                                                               \
    " JOIN match_decisions md ON md.id = i.id JOIN features f ON f.id = i.feature_id"              \
    " LEFT JOIN LATERAL (SELECT af.id, af.name FROM jsonb_array_elements(CASE"                     \
    "   WHEN jsonb_typeof(md.candidates) = 'array' THEN md.candidates ELSE '[]' END)"              \
    "   WITH ORDINALITY c"                                                                         \
    "  JOIN features af ON af.id = CASE WHEN c.value->>'id' ~"                                     \
    "   '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'"           \
    "   THEN (c.value->>'id')::uuid END"                                                           \
    "  WHERE af.id <> i.feature_id AND af.id <> md.feature_id AND af.merged_into IS NULL"          \
    "   AND af.status <> 'rejected'"                                                               \
    "  ORDER BY CASE WHEN jsonb_typeof(c.value->'fused') = 'number'"                               \
    "   THEN (c.value->>'fused')::float8 END DESC NULLS LAST,"                                     \
    "   CASE WHEN jsonb_typeof(c.value->'similarity') = 'number'"                                  \
    "   THEN (c.value->>'similarity')::float8 END DESC NULLS LAST, c.ordinality LIMIT 1) alt"      \
    "  ON true"

enum {
    T_ID,
    T_KIND,
    T_WORKSPACE,
    T_METHOD,
    T_ACTION,
    T_CONFIDENCE,
    T_VERDICT,
    T_FEATURE,
    T_LINKED,
    T_MESSAGE,
    T_CALL,
    T_NAME,
    T_TITLE,
    T_ALT_ID,
    T_ALT_NAME,
    T_SHOWN,
};

/* The items of the decisions $1 (an array of ids), labelled or not, of kind $4 (NULL: both). */
static const char s_by_ids_sql[] = ITEMS_CTE("md.id = ANY($1::bigint[])") TARGET_SELECT
    " FROM item i JOIN messages m ON m.id = i.message_id" TARGET_JOINS
    " WHERE ($4::text IS NULL OR i.kind = $4::text) ORDER BY i.id, i.o";

/* The pending items a bulk label touches, one more than it takes at most: PENDING_FROM's
   parameters. */
static const char s_bulk_sql[] = ITEMS_CTE(WORKSPACE_SCOPE)
    TARGET_SELECT PENDING_FROM(TARGET_JOINS) " ORDER BY i.id, i.o LIMIT " ITEMS_LIMIT;

/* Write or change a label: $1 workspace, $2 decision, $3 kind, $4 verdict, $5 method, $6
   action, $7 confidence, $8 by, $9 the curation action (or NULL). */
static const char s_label_sql[] =
    "INSERT INTO review_labels (workspace_id, decision_id, kind, verdict, method, action,"
    " confidence, by_name, curation_action_id)"
    " VALUES ($1, $2::bigint, $3, $4, $5, $6, $7::real, $8, $9::bigint)"
    " ON CONFLICT (decision_id, kind) DO UPDATE SET verdict = EXCLUDED.verdict,"
    " method = EXCLUDED.method, action = EXCLUDED.action, confidence = EXCLUDED.confidence,"
    " by_name = EXCLUDED.by_name, created_at = now(),"
    " curation_action_id = EXCLUDED.curation_action_id";

/* ---- options ------------------------------------------------------------------------------ */

/* Option `name`, when set, must be one of `allowed` (n of them). */
int cs_review_one_of(cs_cli_t *cli, const char *name, const char *const *allowed, size_t n,
                     const char **out)
{
    const char *v = cs_config_str(cli->cfg, name);
    *out = v;
    if (!v)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(v, allowed[i]) == 0)
            return 0;
    char list[128] = "";
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(list);
        snprintf(list + len, sizeof list - len, "%s'%s'",
                 i == 0       ? ""
                 : i + 1 == n ? " or "
                              : ", ",
                 allowed[i]);
    }
    return cs_cli_fail(cli, "--%s: expected %s, got '%.64s'", name, list, v);
}

/* A number from 0 to 1 written in len bytes of s: 0, or -1. */
static int s_unit(const char *s, size_t len, double *out)
{
    char buf[32];
    if (len == 0 || len >= sizeof buf || !(isdigit((unsigned char)s[0]) || s[0] == '.'))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (*end || errno || !(v >= 0 && v <= 1))
        return -1;
    *out = v;
    return 0;
}

static int s_band(cs_cli_t *cli, cs_review_filter_t *f)
{
    const char *band = cs_config_str(cli->cfg, "band");
    f->band = band != NULL;
    if (!band)
        return 0;
    const char *colon = strchr(band, ':');
    if (!colon || s_unit(band, (size_t)(colon - band), &f->lo) != 0 ||
        s_unit(colon + 1, strlen(colon + 1), &f->hi) != 0 || f->lo >= f->hi)
        return cs_cli_fail(cli, "--band: expected LO:HI with 0 <= LO < HI <= 1, got '%.64s'", band);
    snprintf(f->lo_text, sizeof f->lo_text, "%.17g", f->lo);
    snprintf(f->hi_text, sizeof f->hi_text, "%.17g", f->hi);
    return 0;
}

/* --min-confidence and --match-confidence into f. */
void cs_review_thresholds(cs_cli_t *cli, cs_review_filter_t *f)
{
    f->min_confidence = cs_config_double(cli->cfg, "min-confidence"); /* 0..1: the parser checks */
    f->match_confidence = cs_config_double(cli->cfg, "match-confidence");
    snprintf(f->min_text, sizeof f->min_text, "%.17g", f->min_confidence);
    snprintf(f->match_text, sizeof f->match_text, "%.17g", f->match_confidence);
}

/* The options every queue command shares; the workspace is required when `need_ws`. */
static int s_filters(cs_cli_t *cli, cs_review_filter_t *f, bool need_ws)
{
    static const char *const kinds[] = {"request", "match"};
    static const char *const methods[] = {"embedding", "llm", "exact"};
    static const char *const actions[] = {"link", "create"};
    memset(f, 0, sizeof *f);
    f->have_ws = need_ws || cs_config_str(cli->cfg, "workspace-id");
    if (f->have_ws && cs_cli_workspace_id(cli, f->ws) != 0)
        return -1;
    if (cs_review_one_of(cli, "kind", kinds, CS_ARRAY_LEN(kinds), &f->kind) != 0 ||
        cs_review_one_of(cli, "method", methods, CS_ARRAY_LEN(methods), &f->method) != 0 ||
        cs_review_one_of(cli, "action", actions, CS_ARRAY_LEN(actions), &f->action) != 0 ||
        s_band(cli, f) != 0)
        return -1;
    f->call = cs_config_str(cli->cfg, "call");
    if (f->call && (!f->call[0] || strlen(f->call) > 256))
        return cs_cli_fail(cli, "--call: expected a call's external id, got '%.64s'", f->call);
    cs_review_thresholds(cli, f);
    return 0;
}

/* The workspace exists, and so does --call in it. */
int cs_review_check_scope(cs_cli_t *cli, const cs_review_filter_t *f)
{
    if (cs_cli_workspace_exists(cli, f->ws) != 0)
        return -1;
    if (!f->call)
        return 0;
    const char *params[] = {f->ws, f->call};
    PGresult *res = cs_cli_exec(
        cli, "SELECT 1 FROM messages WHERE workspace_id = $1 AND external_id = $2 LIMIT 1", 2,
        params);
    if (!res)
        return -1;
    int found = PQntuples(res);
    PQclear(res);
    return found ? 0
                 : cs_cli_fail(cli, "--call: no call '%.64s' in workspace %s (see callsift calls)",
                               f->call, f->ws);
}

/* A threshold as people read it: two decimals ("0.50"), more when it has more. */
void cs_review_number_text(double t, char *out, size_t outlen)
{
    snprintf(out, outlen, "%.2f", t);
    if (strtod(out, NULL) != t)
        snprintf(out, outlen, "%g", t);
}

const char *cs_review_plural(long long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* ---- list --------------------------------------------------------------------------------- */

static int s_list(cs_cli_t *cli, const cs_review_filter_t *f, cs_cli_format_t fmt, long long limit)
{
    if (cs_review_check_scope(cli, f) != 0)
        return -1;
    char limit_text[24];
    snprintf(limit_text, sizeof limit_text, "%lld", limit);
    const char *params[] = {f->ws,
                            f->min_text,
                            f->match_text,
                            f->kind,
                            f->method,
                            f->action,
                            f->call,
                            f->band ? f->lo_text : NULL,
                            f->band ? f->hi_text : NULL,
                            fmt == CS_CLI_FORMAT_JSON ? "true" : "false",
                            limit_text};
    bool human = fmt == CS_CLI_FORMAT_TABLE || fmt == CS_CLI_FORMAT_MARKDOWN;
    long long total = 0, requests = 0;
    if (human) {
        PGresult *res = cs_cli_exec(cli, s_count_sql, 9, params);
        if (!res)
            return -1;
        total = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        requests = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
        PQclear(res);
    }
    PGresult *res = cs_cli_exec(
        cli, human ? LIST_SQL("") : LIST_SQL(" m.external_id, i.feature_id,"), 11, params);
    if (!res)
        return -1;
    cs_cli_column_t cols[CS_ARRAY_LEN(s_list_columns)];
    int ncols = 0;
    for (size_t i = 0; i < CS_ARRAY_LEN(s_list_columns); i++) {
        if (human && s_list_columns[i].programs)
            continue;
        cols[ncols].name = s_list_columns[i].name;
        cols[ncols].type =
            fmt == CS_CLI_FORMAT_JSON ? s_list_columns[i].json_type : s_list_columns[i].type;
        ncols++;
    }
    char min[32], match[32];
    cs_review_number_text(f->min_confidence, min, sizeof min);
    cs_review_number_text(f->match_confidence, match, sizeof match);
    int rc = 0;
    if (human && total == 0) {
        fprintf(cli->out, "No item waits for review\n");
    } else if (human) {
        fprintf(cli->out, "%lld %s %s for review (%lld request, %lld match)", total,
                cs_review_plural(total, "item", "items"), cs_review_plural(total, "waits", "wait"),
                requests, total - requests);
        if (PQntuples(res) < total)
            fprintf(cli->out, "; the first %d shown", PQntuples(res));
        fputs("\n\n", cli->out);
    }
    if (!human || total > 0)
        rc = cs_cli_print(cli->out, fmt, cols, ncols, res, cli->err, sizeof cli->err);
    PQclear(res);
    if (rc == 0 && human)
        fprintf(cli->out,
                "\nrequest: the mention's confidence is below %s (is it a feature request?); "
                "match: the decision's is below %s (is it the right feature?)\n",
                min, match);
    return rc;
}

int cs_cli_review_list(cs_cli_t *cli)
{
    cs_cli_format_t fmt;
    cs_review_filter_t f;
    if (cs_cli_format(cli, &fmt) != 0 || s_filters(cli, &f, true) != 0)
        return -1;
    long long limit = cs_config_int(cli->cfg, "limit"); /* at least 0: the parser checks */
    if (cs_cli_begin_read(cli) != 0)                    /* the count and the rows agree */
        return -1;
    int rc = s_list(cli, &f, fmt, limit);
    cs_cli_rollback(cli); /* read only: nothing to keep */
    return rc;
}

/* ---- approve and reject ------------------------------------------------------------------- */

/* The positional item ids as a PostgreSQL array literal "{1,2}" (caller frees); NULL with the
   reason in cli->err. */
static char *s_ids(cs_cli_t *cli, int n)
{
    if (n > IDS_MAX) {
        cs_cli_fail(cli, "at most %d item ids at a time (or label in bulk with --band)", IDS_MAX);
        return NULL;
    }
    char *array = malloc((size_t)n * 20 + 3);
    if (!array) {
        cs_cli_fail(cli, "out of memory");
        return NULL;
    }
    size_t len = 0;
    array[len++] = '{';
    for (int i = 0; i < n; i++) {
        const char *id = cs_config_positional(cli->cfg, i);
        size_t digits = strspn(id, "0123456789");
        if (digits == 0 || digits > 18 || id[digits] != '\0') {
            free(array);
            cs_cli_fail(cli, "'%.64s' is not an item id (a number, see callsift review list)", id);
            return NULL;
        }
        if (i > 0)
            array[len++] = ',';
        memcpy(array + len, id, digits);
        len += digits;
    }
    array[len++] = '}';
    array[len] = '\0';
    return array;
}

/* Why decision `id` has no item to label (kind: NULL for any): a one-line reason in
   cli->err. Always -1. */
static int s_not_for_review(cs_cli_t *cli, const cs_review_filter_t *f, long long id)
{
    char text[24];
    snprintf(text, sizeof text, "%lld", id);
    const char *params[] = {text};
    PGresult *res = cs_cli_exec(
        cli, "SELECT workspace_id, feature_id IS NULL FROM match_decisions WHERE id = $1::bigint",
        1, params);
    if (!res)
        return -1;
    if (PQntuples(res) == 0)
        cs_cli_fail(cli, "no review item %lld (see callsift review list)", id);
    else if (f->have_ws && strcmp(PQgetvalue(res, 0, 0), f->ws) != 0)
        cs_cli_fail(cli, "item %lld is in workspace %s, not %s", id, PQgetvalue(res, 0, 0), f->ws);
    else if (PQgetvalue(res, 0, 1)[0] == 't')
        cs_cli_fail(cli, "item %lld is not for review: its feature was deleted", id);
    else
        cs_cli_fail(cli,
                    "item %lld has no %s%squestion for review: its mention is not uncertain, is no "
                    "longer linked to its feature, or the feature is rejected",
                    id, f->kind ? f->kind : "", f->kind ? " " : "");
    PQclear(res);
    return -1;
}

/* The items ids (array literal) name, checked: every id has an item (of --kind), in the
   workspace when one is given, and reject names one question per decision. NULL with the
   reason in cli->err. */
static PGresult *s_items_by_ids(cs_cli_t *cli, const cs_review_filter_t *f, const char *ids,
                                bool reject)
{
    const char *params[] = {ids, f->min_text, f->match_text, f->kind};
    PGresult *res = cs_cli_exec(cli, s_by_ids_sql, 4, params);
    if (!res)
        return NULL;
    int n = cs_config_positional_count(cli->cfg);
    for (int i = 0; i < n; i++) {
        long long id = strtoll(cs_config_positional(cli->cfg, i), NULL, 10);
        int rows = 0, first = -1;
        for (int r = 0; r < PQntuples(res); r++)
            if (strtoll(PQgetvalue(res, r, T_ID), NULL, 10) == id && rows++ == 0)
                first = r;
        int rc = 0;
        if (rows == 0)
            rc = s_not_for_review(cli, f, id);
        else if (f->have_ws && strcmp(PQgetvalue(res, first, T_WORKSPACE), f->ws) != 0)
            rc = cs_cli_fail(cli, "item %lld is in workspace %s, not %s", id,
                             PQgetvalue(res, first, T_WORKSPACE), f->ws);
        else if (reject && rows > 1)
            rc = cs_cli_fail(cli,
                             "item %lld asks two questions (request and match): say which to "
                             "reject with --kind",
                             id);
        if (rc != 0) {
            PQclear(res);
            return NULL;
        }
    }
    return res;
}

/* s_label_sql's parameters for row r of items into params (borrowed from items and the
   arguments). */
static void s_label_params(const PGresult *items, int r, const char *verdict, const char *by,
                           const char *action, const char *params[9])
{
    params[0] = PQgetvalue(items, r, T_WORKSPACE);
    params[1] = PQgetvalue(items, r, T_ID);
    params[2] = PQgetvalue(items, r, T_KIND);
    params[3] = verdict;
    params[4] = PQgetvalue(items, r, T_METHOD);
    params[5] = PQgetvalue(items, r, T_ACTION);
    params[6] = PQgetvalue(items, r, T_CONFIDENCE);
    params[7] = by;
    params[8] = action && action[0] ? action : NULL;
}

/* Take row r's mention off its feature with cs_curate (a detach action by `by`, in the open
   transaction) and label it rejected with that action; the action's id into action (text). A
   mention an earlier row of items took off already (two requests of one call linked to one
   feature are one mention) gets that row's action. 0 when it took the mention off, 1 when an
   earlier row had, -1 with the reason in cli->err. */
static int s_detach(cs_cli_t *cli, const PGresult *items, int r, const char *by,
                    char (*actions)[24])
{
    const char *feature = PQgetvalue(items, r, T_LINKED),
               *message = PQgetvalue(items, r, T_MESSAGE);
    int earlier = -1;
    for (int e = 0; e < r && earlier < 0; e++)
        if (actions[e][0] && strcmp(PQgetvalue(items, e, T_LINKED), feature) == 0 &&
            strcmp(PQgetvalue(items, e, T_MESSAGE), message) == 0)
            earlier = e;
    if (earlier >= 0) {
        cs_strlcpy(actions[r], actions[earlier], sizeof actions[r]);
    } else {
        cs_curate_t c = {.db = cs_cli_db(cli), .by = by, .in_transaction = true};
        if (!c.db)
            return -1;
        if (cs_curate_detach(&c, feature, message) != CS_CURATE_OK)
            return cs_cli_fail(cli, "item %s: %s", PQgetvalue(items, r, T_ID), c.err);
        snprintf(actions[r], sizeof actions[r], "%lld", c.action_id);
    }
    const char *params[9];
    s_label_params(items, r, "reject", by, actions[r], params);
    if (cs_cli_command(cli, s_label_sql, 9, params) != 0)
        return -1;
    return earlier >= 0 ? 1 : 0;
}

/* s as one shell word: as it is when it is plain, else in single quotes. */
static void s_put_word(FILE *out, const char *s)
{
    if (s[0] && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/:@") ==
                    strlen(s)) {
        fputs(s, out);
        return;
    }
    fputc('\'', out);
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            fputs("'\\''", out);
        else
            fputc((unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p, out);
    }
    fputc('\'', out);
}

/* For a rejected match item: the command that corrects it. A wrong link is split off (to a new
   feature under the request's title, or to the best other candidate); a wrong create is merged
   into the best other candidate. */
static void s_suggest(FILE *out, const PGresult *items, int r)
{
    const char *id = PQgetvalue(items, r, T_ID), *feature = PQgetvalue(items, r, T_FEATURE);
    bool alt = !PQgetisnull(items, r, T_ALT_ID);
    if (strcmp(PQgetvalue(items, r, T_ACTION), "link") == 0) {
        const char *title = PQgetisnull(items, r, T_TITLE) ? "" : PQgetvalue(items, r, T_TITLE);
        fprintf(out, "  item %s: to split the mention off: callsift feature split %s --calls ", id,
                feature);
        s_put_word(out, PQgetvalue(items, r, T_CALL));
        fputs(" --name ", out);
        s_put_word(out, title[0] ? title : "NEW NAME");
        fputc('\n', out);
        if (alt) {
            fprintf(out, "  item %s: or to move it to ", id);
            s_put_word(out, PQgetvalue(items, r, T_ALT_NAME));
            fprintf(out, ": callsift feature split %s --calls ", feature);
            s_put_word(out, PQgetvalue(items, r, T_CALL));
            fprintf(out, " --into %s\n", PQgetvalue(items, r, T_ALT_ID));
        }
    } else if (alt) {
        fprintf(out, "  item %s: to join it with ", id);
        s_put_word(out, PQgetvalue(items, r, T_ALT_NAME));
        fprintf(out, ": callsift feature merge %s --into %s\n", feature,
                PQgetvalue(items, r, T_ALT_ID));
    } else {
        fprintf(out,
                "  item %s: no other candidate to join it with: callsift feature merge %s --into "
                "FEATURE_ID\n",
                id, feature);
    }
}

/* One line for an item labelled by id. */
static void s_print_item(FILE *out, const PGresult *items, int r, const char *verdict,
                         const char *action)
{
    bool reject = strcmp(verdict, "reject") == 0;
    bool request = strcmp(PQgetvalue(items, r, T_KIND), "request") == 0;
    fprintf(out, "item %s %s (%s %s, confidence %s, call ", PQgetvalue(items, r, T_ID),
            PQgetvalue(items, r, T_KIND), PQgetvalue(items, r, T_METHOD),
            PQgetvalue(items, r, T_ACTION), PQgetvalue(items, r, T_SHOWN));
    s_put_word(out, PQgetvalue(items, r, T_CALL));
    fprintf(out, "): %s", reject ? "rejected" : "approved");
    if (reject && request)
        fprintf(out, "; its mention was taken off '%s' (curation action %s)",
                PQgetvalue(items, r, T_NAME), action);
    if (!PQgetisnull(items, r, T_VERDICT)) {
        const char *was = PQgetvalue(items, r, T_VERDICT);
        if (strcmp(was, verdict) == 0)
            fprintf(out, " (it was %s already)", reject ? "rejected" : "approved");
        else
            fprintf(out, " (relabelled: it was %s)", reject ? "approved" : "rejected");
    }
    fputc('\n', out);
}

/* Label every row of items with verdict, then print what was done (a line per item when
   by_id). Everything goes in the open transaction, the one that chose the items: the labels,
   and for a rejected request the curation action that takes it off its feature, labelled with
   that action's id. Then it is committed: all or nothing. 0, or -1 with the reason in
   cli->err (rolled back). */
static int s_apply(cs_cli_t *cli, const PGresult *items, const char *verdict, const char *by,
                   bool by_id)
{
    bool reject = strcmp(verdict, "reject") == 0;
    int n = PQntuples(items);
    char(*actions)[24] = calloc((size_t)(n > 0 ? n : 1), sizeof *actions);
    if (!actions)
        return cs_cli_fail(cli, "out of memory");
    int rc = 0;
    long long detached = 0, matches = 0;
    for (int r = 0; rc == 0 && r < n; r++) {
        bool request = strcmp(PQgetvalue(items, r, T_KIND), "request") == 0;
        matches += reject && !request;
        if (reject && request) {
            int got = s_detach(cli, items, r, by, actions);
            rc = got < 0 ? -1 : 0;
            detached += got == 0;
        } else {
            const char *params[9];
            s_label_params(items, r, verdict, by, NULL, params);
            rc = cs_cli_command(cli, s_label_sql, 9, params);
        }
    }
    if (rc == 0)
        rc = cs_cli_commit(cli);
    if (rc != 0) {
        cs_cli_rollback(cli);
        free(actions);
        return -1;
    }
    for (int r = 0; by_id && r < n; r++)
        s_print_item(cli->out, items, r, verdict, actions[r]);
    for (int r = 0; reject && r < n; r++)
        if (strcmp(PQgetvalue(items, r, T_KIND), "match") == 0)
            s_suggest(cli->out, items, r);
    free(actions);
    if (n == 0) {
        fprintf(cli->out, "No pending item matches: nothing labelled\n");
        return 0;
    }
    fprintf(cli->out, "%s %d %s", reject ? "Rejected" : "Approved", n,
            cs_review_plural(n, "item", "items"));
    if (detached > 0)
        fprintf(cli->out, "; %lld %s taken off %s feature", detached,
                cs_review_plural(detached, "mention", "mentions"),
                cs_review_plural(detached, "its", "their"));
    if (matches > 0)
        fprintf(cli->out, "; %lld wrong %s labelled (see the commands above to correct %s)",
                matches, cs_review_plural(matches, "match", "matches"),
                cs_review_plural(matches, "it", "them"));
    fputc('\n', cli->out);
    return 0;
}

static int s_label(cs_cli_t *cli, const char *verdict)
{
    bool reject = strcmp(verdict, "reject") == 0;
    cs_review_filter_t f;
    if (s_filters(cli, &f, false) != 0)
        return -1;
    int n = cs_config_positional_count(cli->cfg);
    if (n > 0 && f.band)
        return cs_cli_fail(cli, "give item ids or --band, not both");
    if (n == 0 && !f.band)
        return cs_cli_fail(cli,
                           "give the item ids to %s (see callsift review list), or --band "
                           "LO:HI with --workspace-id to %s in bulk",
                           verdict, verdict);
    if (!f.band && (f.method || f.action || f.call))
        return cs_cli_fail(cli, "--%s goes with --band: item ids are labelled as given",
                           f.method   ? "method"
                           : f.action ? "action"
                                      : "call");
    if (f.band && !f.have_ws)
        return cs_cli_fail(cli, "--band needs --workspace-id");
    char by[4 * BY_MAX + 1];
    if (cs_cli_by(cli, by, sizeof by) != 0)
        return -1;
    char *ids = n > 0 ? s_ids(cli, n) : NULL;
    if (n > 0 && !ids)
        return -1;
    if (cs_cli_begin(cli) != 0) {
        free(ids);
        return -1;
    }
    PGresult *items = NULL;
    if (ids) {
        items = (!f.have_ws || cs_cli_workspace_exists(cli, f.ws) == 0)
                    ? s_items_by_ids(cli, &f, ids, reject)
                    : NULL;
    } else if (cs_review_check_scope(cli, &f) == 0) {
        const char *params[] = {f.ws,     f.min_text, f.match_text, f.kind,   f.method,
                                f.action, f.call,     f.lo_text,    f.hi_text};
        items = cs_cli_exec(cli, s_bulk_sql, 9, params);
        if (items && PQntuples(items) > ITEMS_MAX) {
            PQclear(items);
            items = NULL;
            cs_cli_fail(cli, "more than %d items in the band: narrow it with the filters",
                        ITEMS_MAX);
        }
    }
    free(ids);
    if (!items) {
        cs_cli_rollback(cli);
        return -1;
    }
    int rc = s_apply(cli, items, verdict, by, n > 0);
    PQclear(items);
    return rc;
}

int cs_cli_review_approve(cs_cli_t *cli)
{
    return s_label(cli, "approve");
}

int cs_cli_review_reject(cs_cli_t *cli)
{
    return s_label(cli, "reject");
}
