#include "cs_cli_review.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_cli_review_queue.h"
#include "cs_cli_table.h"
#include "cs_util.h"

/* ---- stats -------------------------------------------------------------------------------- */

/* Per method, kind and band: the workspace's labels (each in the band of the confidence it
   copied) and its pending items; then the total row. $1 workspace, $2 and $3 the thresholds. */
#define STATS_SQL                                                                                  \
    ITEMS_CTE(WORKSPACE_SCOPE)                                                                     \
    ", cell AS (SELECT rl.method, rl.kind, rl.confidence, rl.verdict, false AS pending"            \
    "  FROM review_labels rl WHERE rl.workspace_id = $1 AND NOT" RL_UNDONE                         \
    "  UNION ALL SELECT method, kind, confidence, NULL, true FROM item WHERE verdict IS NULL),"    \
    " banded AS (SELECT c.*, b.lo, b.name FROM cell c CROSS JOIN LATERAL (SELECT v.lo, v.name"     \
    "  FROM (VALUES (0.95::real, '0.95-1'), (0.85::real, '0.85-0.95'), (0.7::real, '0.7-0.85'),"   \
    "   (0.5::real, '0.5-0.7'), (0::real, '0-0.5')) v (lo, name)"                                  \
    "  WHERE c.confidence >= v.lo ORDER BY v.lo DESC LIMIT 1) b)"                                  \
    " SELECT CASE WHEN GROUPING(method) = 1 THEN 'total' ELSE method END, kind, name,"             \
    " count(verdict), count(*) FILTER (WHERE verdict = 'approve'),"                                \
    " count(*) FILTER (WHERE verdict = 'reject'),"                                                 \
    " round(count(*) FILTER (WHERE verdict = 'approve')::numeric / nullif(count(verdict), 0), 2)," \
    " count(*) FILTER (WHERE pending)"                                                             \
    " FROM banded GROUP BY GROUPING SETS ((method, kind, lo, name), ())"                           \
    " ORDER BY GROUPING(method), method, kind DESC, lo"
static const char s_stats_sql[] = STATS_SQL;

static const cs_cli_column_t s_stats_columns[] = {
    {"method", CS_CLI_COL_TEXT},       {"kind", CS_CLI_COL_TEXT},    {"band", CS_CLI_COL_TEXT},
    {"labelled", CS_CLI_COL_INT},      {"approved", CS_CLI_COL_INT}, {"rejected", CS_CLI_COL_INT},
    {"agreement", CS_CLI_COL_DECIMAL}, {"pending", CS_CLI_COL_INT},
};

int cs_cli_review_stats(cs_cli_t *cli)
{
    cs_cli_format_t fmt;
    cs_review_filter_t f = {.have_ws = true};
    if (cs_cli_format(cli, &fmt) != 0 || cs_cli_workspace_id(cli, f.ws) != 0)
        return -1;
    cs_review_thresholds(cli, &f);
    if (cs_cli_begin_read(cli) != 0)
        return -1;
    int rc = cs_review_check_scope(cli, &f);
    if (rc == 0) {
        const char *params[] = {f.ws, f.min_text, f.match_text};
        rc = cs_cli_list(cli, fmt, s_stats_columns, (int)CS_ARRAY_LEN(s_stats_columns), s_stats_sql,
                         3, params);
    }
    cs_cli_rollback(cli); /* read only: nothing to keep */
    if (rc == 0 && (fmt == CS_CLI_FORMAT_TABLE || fmt == CS_CLI_FORMAT_MARKDOWN))
        fprintf(cli->out, "\nagreement: approved / labelled, how often people agreed with the "
                          "machine in that band (its measured precision)\n");
    return rc;
}

/* ---- simulate ----------------------------------------------------------------------------- */

/* What link threshold $2 would have done to the stored decisions of workspace $1 (of method $3,
   NULL: all): per method and action, the decisions, those without a score, those that would
   flip and to what, and among those the ones with a match label and the labels that agree (a
   person rejected the match). A link's score is its judge's for llm, else its fused, else its
   vector score; a create's is its best candidate's fused score, else vector score, 0 without a
   candidate. Candidates' scores are rounded to six digits: a record may hold 0.7 as
   0.69999999999999996. */
static const char s_simulate_sql[] =
    "WITH d AS (SELECT md.method, md.action, rl.verdict,"
    "  CASE WHEN md.action = 'link' THEN coalesce(CASE WHEN md.method = 'llm' THEN s.judge END,"
    "   s.fused, s.vector, md.similarity::numeric)"
    "  ELSE coalesce(b.fused, s.fused, b.vector, s.vector, md.similarity::numeric, 0) END"
    "   AS score"
    " FROM match_decisions md"
    " CROSS JOIN LATERAL (SELECT"
    "  CASE WHEN jsonb_typeof(md.scores->'judge') = 'number'"
    "   THEN (md.scores->>'judge')::numeric END AS judge,"
    "  CASE WHEN jsonb_typeof(md.scores->'fused') = 'number'"
    "   THEN (md.scores->>'fused')::numeric END AS fused,"
    "  CASE WHEN jsonb_typeof(md.scores->'vector') = 'number'"
    "   THEN (md.scores->>'vector')::numeric END AS vector) s"
    " CROSS JOIN LATERAL (SELECT"
    "  max(CASE WHEN jsonb_typeof(c->'fused') = 'number'"
    "   THEN round((c->>'fused')::numeric, 6) END) AS fused,"
    "  max(CASE WHEN jsonb_typeof(c->'similarity') = 'number'"
    "   THEN round((c->>'similarity')::numeric, 6) END) AS vector"
    "  FROM jsonb_array_elements(CASE WHEN jsonb_typeof(md.candidates) = 'array'"
    "   THEN md.candidates ELSE '[]' END) c WHERE jsonb_typeof(c) = 'object') b"
    " LEFT JOIN review_labels rl ON rl.decision_id = md.id AND rl.kind = 'match'"
    " WHERE md.workspace_id = $1 AND ($3::text IS NULL OR md.method = $3::text)),"
    " x AS (SELECT *, method <> 'exact' AND CASE action WHEN 'link' THEN score < $2::numeric"
    "  ELSE score >= $2::numeric END AS flip FROM d)"
    " SELECT CASE WHEN GROUPING(method) = 1 THEN 'total' ELSE method END, action, count(*),"
    " count(*) FILTER (WHERE score IS NULL AND method <> 'exact'),"
    " count(*) FILTER (WHERE flip),"
    " CASE WHEN GROUPING(method) = 1 OR method = 'exact' THEN NULL"
    "  WHEN action = 'link' THEN 'new' ELSE 'link' END,"
    " count(*) FILTER (WHERE flip AND verdict IS NOT NULL),"
    " count(*) FILTER (WHERE flip AND verdict = 'reject')"
    " FROM x GROUP BY GROUPING SETS ((method, action), ())"
    " ORDER BY GROUPING(method), method, action DESC";

static const cs_cli_column_t s_simulate_columns[] = {
    {"method", CS_CLI_COL_TEXT},  {"action", CS_CLI_COL_TEXT},      {"decisions", CS_CLI_COL_INT},
    {"unscored", CS_CLI_COL_INT}, {"would_flip", CS_CLI_COL_INT},   {"becomes", CS_CLI_COL_TEXT},
    {"labelled", CS_CLI_COL_INT}, {"labels_agree", CS_CLI_COL_INT},
};

/* The line above the table: links that would become new, creates that would link, and what
   the labels say of the flips. */
static void s_simulate_summary(FILE *out, const PGresult *res, double x)
{
    long long links = 0, unlinked = 0, creates = 0, linked = 0, labelled = 0, agree = 0;
    for (int r = 0; r < PQntuples(res); r++) {
        const char *method = PQgetvalue(res, r, 0), *action = PQgetvalue(res, r, 1);
        if (strcmp(method, "total") == 0 || strcmp(method, "exact") == 0)
            continue;
        long long n = strtoll(PQgetvalue(res, r, 2), NULL, 10);
        long long flips = strtoll(PQgetvalue(res, r, 4), NULL, 10);
        if (strcmp(action, "link") == 0) {
            links += n;
            unlinked += flips;
        } else {
            creates += n;
            linked += flips;
        }
        labelled += strtoll(PQgetvalue(res, r, 6), NULL, 10);
        agree += strtoll(PQgetvalue(res, r, 7), NULL, 10);
    }
    char t[32];
    cs_review_number_text(x, t, sizeof t);
    fprintf(out,
            "At link threshold %s: %lld of %lld %s (not by exact name) would have made a new "
            "feature, %lld of %lld "
            "%s would have linked; %lld of the %lld flipped %s labelled, %lld %s\n\n",
            t, unlinked, links, cs_review_plural(links, "link", "links"), linked, creates,
            cs_review_plural(creates, "create", "creates"), labelled, unlinked + linked,
            cs_review_plural(labelled, "decision is", "decisions are"), agree,
            cs_review_plural(agree, "label agrees", "labels agree"));
}

int cs_cli_review_simulate(cs_cli_t *cli)
{
    static const char *const methods[] = {"embedding", "llm"};
    cs_cli_format_t fmt;
    char ws[CS_UUID_LEN];
    const char *method;
    if (cs_cli_format(cli, &fmt) != 0 || cs_cli_workspace_id(cli, ws) != 0 ||
        cs_review_one_of(cli, "method", methods, CS_ARRAY_LEN(methods), &method) != 0)
        return -1;
    double x = cs_config_double(cli->cfg, "confidence"); /* 0..1: the parser checks */
    char x_text[32];
    snprintf(x_text, sizeof x_text, "%.15g",
             x); /* as people wrote it: 0.8, not 0.80000000000000004 */
    if (cs_cli_begin_read(cli) != 0)
        return -1;
    PGresult *res = NULL;
    if (cs_cli_workspace_exists(cli, ws) == 0) {
        const char *params[] = {ws, x_text, method};
        res = cs_cli_exec(cli, s_simulate_sql, 3, params);
    }
    cs_cli_rollback(cli); /* read only: nothing to keep */
    if (!res)
        return -1;
    if (fmt == CS_CLI_FORMAT_TABLE || fmt == CS_CLI_FORMAT_MARKDOWN)
        s_simulate_summary(cli->out, res, x);
    int rc = cs_cli_print(cli->out, fmt, s_simulate_columns, (int)CS_ARRAY_LEN(s_simulate_columns),
                          res, cli->err, sizeof cli->err);
    PQclear(res);
    return rc;
}
