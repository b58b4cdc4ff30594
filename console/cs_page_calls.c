/*  Calls: the workspace's calls, newest first, processed or not, with the features each counts
    for (the mentions `callsift report` counts) and the error of a call that failed.
    ?state= all (default) | processed | unprocessed | failed (a call with an error);
    ?limit=N rows (default 200, at most 5000), for the page and its download alike. */
#include "cs_pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_cli_report.h"

#define STATUSES_LIVE "{new,under-review,planned,shipped}"
#define LIMIT_DEFAULT 200
#define LIMIT_MAX     5000

static const char *const s_states[] = {"all", "processed", "unprocessed", "failed"};

/* $1..$5 as for CS_REPORT_MENTIONS_CTE, $6 the state, $7 the rows. EXTRA is "" for the download,
   or the columns the page adds (the call's link, the count of every call in the state). */
#define CALLS_SQL(EXTRA)                                                                           \
    CS_REPORT_MENTIONS_CTE                                                                         \
    " SELECT to_char(m.sent_at AT TIME ZONE " CS_REPORT_ZONE ", 'YYYY-MM-DD') AS date,"            \
    " coalesce(nullif(m.message_metadata->>'title', ''), m.external_id) AS title,"                 \
    " cu.name AS customer, CASE WHEN m.is_processed THEN 'yes' ELSE 'no' END AS processed,"        \
    " (SELECT count(DISTINCT x.feature_id) FROM mention x WHERE x.message_id = m.id) AS features," \
    " m.error, m.external_id AS call_id" EXTRA                                                     \
    " FROM messages m LEFT JOIN customers cu ON cu.id = m.customer_id"                             \
    " WHERE m.workspace_id = $1 AND CASE $6::text WHEN 'processed' THEN m.is_processed"            \
    "  WHEN 'unprocessed' THEN NOT m.is_processed WHEN 'failed' THEN m.error IS NOT NULL"          \
    "  ELSE true END"                                                                              \
    " ORDER BY m.sent_at DESC, m.id LIMIT $7::int"

static const cs_web_column_t s_cols[] = {
    {"date", false},    {"title", false}, {"customer", false}, {"processed", false},
    {"features", true}, {"error", false}, {"call_id", false},
};

/* The state filter's form. */
static void s_filter(cs_buf_t *b, const char *state, int limit)
{
    cs_html_raw(b, "<form id=\"filters\" class=\"filters\" method=\"get\" action=\"/calls\">"
                   "<label>Calls<select name=\"state\">");
    for (size_t i = 0; i < sizeof s_states / sizeof s_states[0]; i++)
        cs_html(b, "<option value=\"%s\"%s>%s</option>", s_states[i],
                strcmp(state, s_states[i]) == 0 ? " selected" : "", s_states[i]);
    cs_html(b,
            "</select></label><input type=\"hidden\" name=\"limit\" value=\"%d\">"
            "<button type=\"submit\">Show</button></form>",
            limit);
}

int cs_page_calls(cs_web_req_t *req, cs_web_resp_t *resp)
{
    if (!req->ws[0])
        return cs_web_fail(req, resp, 404, "The database holds no workspace yet.");
    const char *state = cs_web_arg(req, "state");
    if (!state)
        state = "all";
    bool known = false;
    for (size_t i = 0; i < sizeof s_states / sizeof s_states[0]; i++)
        known = known || strcmp(state, s_states[i]) == 0;
    if (!known)
        return cs_web_fail(req, resp, 400, "state: all, processed, unprocessed or failed");
    const char *limit_arg = cs_web_arg(req, "limit");
    char *end = NULL;
    long limit = limit_arg ? strtol(limit_arg, &end, 10) : LIMIT_DEFAULT;
    if (limit_arg && (*end || limit < 1 || limit > LIMIT_MAX))
        return cs_web_fail(req, resp, 400, "limit: a number of calls from 1 to %d", LIMIT_MAX);
    char limit_text[16];
    snprintf(limit_text, sizeof limit_text, "%ld", limit);
    const char *params[] = {req->ws,       NULL,  NULL,      CS_CLI_REPORT_MIN_CONFIDENCE,
                            STATUSES_LIVE, state, limit_text};

    const char *format = cs_web_format(req);
    PGresult *res = cs_web_query(
        req, resp,
        format ? CALLS_SQL("")
               : CALLS_SQL(", m.message_metadata->>'url' AS url, count(*) OVER () AS total"),
        7, params);
    if (!res)
        return -1;
    if (format) {
        int rc = cs_web_download(req, resp, "calls", s_cols,
                                 (int)(sizeof s_cols / sizeof s_cols[0]), res);
        PQclear(res);
        return rc;
    }
    cs_page_begin(req, resp, "calls", "Calls");
    cs_buf_t *b = &resp->body;
    s_filter(b, state, (int)limit);
    int rows = PQntuples(res);
    long long total = rows ? strtoll(PQgetvalue(res, 0, 8), NULL, 10) : 0;
    cs_html(b, "<p class=\"muted\">%lld call%s%s%s, newest first.", total, total == 1 ? "" : "s",
            strcmp(state, "all") == 0 ? "" : ": ", strcmp(state, "all") == 0 ? "" : state);
    if (total > rows) {
        cs_html(b, " The newest %d are shown", rows);
        if (limit < LIMIT_MAX) {
            cs_html_raw(b, " (<a id=\"more\" href=\"/calls?state=");
            cs_html_url(b, state);
            cs_html(b, "&amp;limit=%d\">show up to %d</a>)", LIMIT_MAX, LIMIT_MAX);
        }
        cs_html_raw(b, ".");
    }
    cs_html_raw(b, " Features: the features each call counts for.</p>");
    cs_page_downloads(req, b);
    cs_html_raw(b, "<table id=\"calls\"><thead><tr><th>Title</th><th>Date</th><th>Customer</th>"
                   "<th>Processed</th><th class=\"num\">Features</th><th>Error</th></tr></thead>"
                   "<tbody>");
    for (int r = 0; r < rows; r++) {
        cs_html(b, "<tr class=\"call\"><td class=\"title\">%s", PQgetvalue(res, r, 1));
        if (cs_html_is_http(PQgetvalue(res, r, 7))) {
            cs_html_raw(b, " <a class=\"gong small\" href=\"");
            cs_html_href(b, PQgetvalue(res, r, 7));
            cs_html_raw(b, "\" rel=\"noreferrer noopener\" target=\"_blank\">Gong</a>");
        }
        cs_html(b,
                "</td><td class=\"date\">%s</td><td class=\"customer\">%s</td>"
                "<td class=\"processed %s\">%s</td>"
                "<td class=\"num features\">%s</td><td class=\"error\">%s</td></tr>",
                PQgetvalue(res, r, 0), PQgetvalue(res, r, 2), PQgetvalue(res, r, 3),
                PQgetvalue(res, r, 3), PQgetvalue(res, r, 4), PQgetvalue(res, r, 5));
    }
    if (rows == 0)
        cs_html_raw(b, "<tr><td colspan=\"6\" class=\"muted\">No call.</td></tr>");
    cs_html_raw(b, "</tbody></table>");
    PQclear(res);
    cs_page_end(req, resp);
    return 0;
}
