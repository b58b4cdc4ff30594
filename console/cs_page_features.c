/*  /features: the catalogue ranked the way `callsift report` ranks it (mentions, then distinct
    customers, then their MRR), over the same mentions (CS_REPORT_MENTIONS_CTE: live features,
    confident mentions). Filters: theme, status, a period (from, to: the calls' days in the
    workspace's time zone), a customer (only that customer's mentions count) and a text search
    (the feature's name, description or any of its quotes). Each row has a sparkline of mentions
    per week over the 13 weeks that end with the period (or the workspace's latest call), and
    the change of the last 4 weeks against the rate of the 8 weeks before (mentions a week, as
    on the Trends page). */
#include "cs_pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_cli_report.h"
#include "cs_svg.h"
#include "cs_time.h"

#define ROWS_MAX    "500" /* rows of the page (a download has them all) */
#define WEEKS_SHOWN 13

static const char *const s_statuses[] = {"new", "under-review", "planned", "shipped", "rejected"};

/* $1 to $5 as for CS_REPORT_MENTIONS_CTE; $6 the period's last day (or NULL), $7 a customer's
   name (or NULL), $8 text to find (or NULL), $9 the row limit (NULL: all). The weeks end at the
   period's end, or at the workspace's latest call. */
static const char s_sql[] = CS_REPORT_MENTIONS_CTE
    ", scope AS (SELECT * FROM mention x"
    " WHERE ($6::date IS NULL OR x.sent_at < (($6::date + 1)::timestamp AT TIME "
    "ZONE " CS_REPORT_ZONE "))"
    " AND ($7::text IS NULL OR lower(x.customer) = lower($7::text))),"
    " asof AS (SELECT coalesce(($6::date + 1)::timestamp AT TIME ZONE " CS_REPORT_ZONE ","
    "  (SELECT max(m.sent_at) FROM messages m WHERE m.workspace_id = $1), now()) AS t),"
    " found AS (SELECT DISTINCT e.feature_id FROM every e"
    "  WHERE strpos(lower(coalesce(e.quote, '')), lower($8)) > 0),"
    " money AS (SELECT y.feature_id, sum(c.mrr) AS mrr"
    "  FROM (SELECT DISTINCT feature_id, customer_id FROM scope) y"
    "  JOIN customers c ON c.id = y.customer_id GROUP BY y.feature_id),"
    " weekly AS (SELECT s.feature_id,"
    "  floor(extract(epoch FROM a.t - s.sent_at) / 604800)::int AS g, count(*) AS n"
    "  FROM scope s CROSS JOIN asof a"
    "  WHERE s.sent_at <= a.t AND s.sent_at > a.t - interval '91 days' GROUP BY 1, 2),"
    " weeks AS (SELECT k.feature_id, string_agg(coalesce(w.n, 0)::text, ',' ORDER BY g.g DESC)"
    "  AS weeks FROM (SELECT DISTINCT feature_id FROM scope) k CROSS JOIN generate_series(0, 12) g"
    "  LEFT JOIN weekly w ON w.feature_id = k.feature_id AND w.g = g.g GROUP BY k.feature_id),"
    " ranked AS (SELECT f.id, f.name, th.name AS theme, count(*) AS mentions,"
    "  count(DISTINCT s.customer_id) AS customers, coalesce(max(mo.mrr), 0) AS mrr,"
    "  f.urgency, f.status, max(s.sent_at) AS last_at,"
    "  count(*) FILTER (WHERE s.sent_at > a.t - interval '28 days') AS last4,"
    "  count(*) FILTER (WHERE s.sent_at <= a.t - interval '28 days'"
    "   AND s.sent_at > a.t - interval '84 days') AS prev8, max(wk.weeks) AS weeks"
    " FROM features f JOIN scope s ON s.feature_id = f.id CROSS JOIN asof a"
    " LEFT JOIN themes th ON th.id = f.theme_id LEFT JOIN money mo ON mo.feature_id = f.id"
    " LEFT JOIN weeks wk ON wk.feature_id = f.id"
    " WHERE $8::text IS NULL OR strpos(lower(f.name || ' ' || f.description), lower($8)) > 0"
    "  OR f.id IN (SELECT feature_id FROM found)"
    " GROUP BY f.id, th.name, a.t)"
    " SELECT row_number() OVER (ORDER BY r.mentions DESC, r.customers DESC, r.mrr DESC,"
    "  lower(r.name), r.name, r.id) AS rank, r.id, r.name, r.theme, r.mentions, r.customers,"
    "  r.mrr, r.urgency, r.status, to_char(r.last_at AT TIME ZONE " CS_REPORT_ZONE
    ", 'YYYY-MM-DD'),"
    "  r.last4, r.prev8, r.weeks"
    " FROM ranked r ORDER BY rank LIMIT $9::bigint";

enum {
    C_RANK,
    C_ID,
    C_NAME,
    C_THEME,
    C_MENTIONS,
    C_CUSTOMERS,
    C_MRR,
    C_URGENCY,
    C_STATUS,
    C_LAST,
    C_LAST4,
    C_PREV8,
    C_WEEKS,
    C_COUNT
};

static const cs_web_column_t s_columns[C_COUNT] = {
    {"rank", true},
    {"id", false},
    {"feature", false},
    {"theme", false},
    {"mentions", true},
    {"customers", true},
    {"mrr", true},
    {"urgency", false},
    {"status", false},
    {"last_mentioned", false},
    {"last_4_weeks", true},
    {"8_weeks_before", true},
    {"mentions_per_week", false},
};

/* A <select name=NAME> of the values of column 0 of res, `chosen` selected, "" first as `all`. */
static void s_select(cs_buf_t *b, const char *label, const char *name, const char *all,
                     const PGresult *res, const char *const *values, int n, const char *chosen)
{
    cs_html(b, "<label>%s<select name=\"%s\"><option value=\"\">%s</option>", label, name, all);
    int count = res ? PQntuples(res) : n;
    for (int i = 0; i < count; i++) {
        const char *v = res ? PQgetvalue(res, i, 0) : values[i];
        cs_html(b, "<option value=\"%s\"%s>%s</option>", v,
                chosen && strcasecmp(chosen, v) == 0 ? " selected" : "", v);
    }
    cs_html_raw(b, "</select></label>");
}

static void s_filters(cs_web_req_t *req, cs_buf_t *b, const PGresult *themes,
                      const PGresult *customers)
{
    cs_html_raw(b, "<form id=\"filters\" class=\"filters\" method=\"get\" action=\"/features\">");
    s_select(b, "Theme", "theme", "All themes", themes, NULL, 0, cs_web_arg(req, "theme"));
    s_select(b, "Status", "status", "All but rejected", NULL, s_statuses, 5,
             cs_web_arg(req, "status"));
    const char *from = cs_web_arg(req, "from"), *to = cs_web_arg(req, "to");
    cs_html(b,
            "<label>From<input type=\"date\" name=\"from\" value=\"%s\"></label>"
            "<label>To<input type=\"date\" name=\"to\" value=\"%s\"></label>",
            from ? from : "", to ? to : "");
    s_select(b, "Customer", "customer", "All customers", customers, NULL, 0,
             cs_web_arg(req, "customer"));
    const char *q = cs_web_arg(req, "q");
    cs_html(b,
            "<label>Search<input type=\"search\" name=\"q\" value=\"%s\" "
            "placeholder=\"name, description or quote\"></label>"
            "<button type=\"submit\">Filter</button> <a href=\"/features\">Clear</a></form>",
            q ? q : "");
}

/* The sparkline of the "n,n,n" weeks text, and the change cell. */
static void s_trend_cells(cs_buf_t *b, const char *weeks, long long last4, long long prev8)
{
    long long counts[WEEKS_SHOWN] = {0};
    size_t n = 0;
    for (const char *p = weeks; *p && n < WEEKS_SHOWN; n++) {
        counts[n] = strtoll(p, NULL, 10);
        p += strcspn(p, ",");
        p += *p == ',';
    }
    cs_html_raw(b, "<td class=\"trend\">");
    cs_svg_sparkline(b, counts, n ? n : 1, 110, 24);
    /* the change, as the Trends page gives it: mentions a week in the last 4 weeks against
       mentions a week in the 8 before */
    double change = (double)last4 / 4.0 - (double)prev8 / 8.0;
    char text[32] = "0";
    if (change > 0.004 || change < -0.004)
        snprintf(text, sizeof text, "%+.2f", change);
    cs_html(b,
            "</td><td class=\"change num %s\" title=\"%lld in the last 4 weeks, %lld in the 8 "
            "weeks before: mentions a week, now against before\">%s</td>",
            change > 0   ? "up"
            : change < 0 ? "down"
                         : "",
            last4, prev8, text);
}

static void s_table(cs_buf_t *b, const PGresult *res)
{
    cs_html_raw(b,
                "<table id=\"features\"><thead><tr><th class=\"num\">#</th><th>Feature</th>"
                "<th>Theme</th><th class=\"num\">Mentions</th><th class=\"num\">Customers</th>"
                "<th class=\"num\">MRR</th><th>Urgency</th><th>Status</th>"
                "<th>Mentions per week</th><th class=\"num\" title=\"mentions a week in the last 4 "
                "weeks minus mentions a week in the 8 before\">Change a week</th></tr>"
                "</thead><tbody>");
    for (int r = 0; r < PQntuples(res); r++) {
        cs_html(b,
                "<tr class=\"feature\"><td class=\"num\">%s</td><td><a class=\"feature-link\" "
                "href=\"/features/%s\">%s</a><div class=\"muted small\">last %s</div></td>"
                "<td class=\"theme\">%s</td><td class=\"mentions num\">%s</td>"
                "<td class=\"customers num\">%s</td><td class=\"mrr num\">",
                PQgetvalue(res, r, C_RANK), PQgetvalue(res, r, C_ID), PQgetvalue(res, r, C_NAME),
                PQgetvalue(res, r, C_LAST), PQgetvalue(res, r, C_THEME),
                PQgetvalue(res, r, C_MENTIONS), PQgetvalue(res, r, C_CUSTOMERS));
        cs_page_money(b, PQgetvalue(res, r, C_MRR));
        cs_html(b,
                "</td><td class=\"urgency\"><span class=\"badge %s\">%s</span></td>"
                "<td class=\"status\"><span class=\"badge %s\">%s</span></td>",
                PQgetvalue(res, r, C_URGENCY), PQgetvalue(res, r, C_URGENCY),
                PQgetvalue(res, r, C_STATUS), PQgetvalue(res, r, C_STATUS));
        s_trend_cells(b, PQgetvalue(res, r, C_WEEKS),
                      strtoll(PQgetvalue(res, r, C_LAST4), NULL, 10),
                      strtoll(PQgetvalue(res, r, C_PREV8), NULL, 10));
        cs_html_raw(b, "</tr>");
    }
    cs_html_raw(b, "</tbody></table>");
    if (PQntuples(res) == 0)
        cs_html_raw(b, "<p class=\"muted\" id=\"no-features\">No feature matches these "
                       "filters.</p>");
}

int cs_page_features(cs_web_req_t *req, cs_web_resp_t *resp)
{
    const char *theme = cs_web_arg(req, "theme"), *status = cs_web_arg(req, "status");
    const char *from = cs_web_arg(req, "from"), *to = cs_web_arg(req, "to");
    if ((from && !cs_time_is_date(from)) || (to && !cs_time_is_date(to)))
        return cs_web_fail(req, resp, 400, "Dates are YYYY-MM-DD, e.g. 2026-01-01.");
    char statuses[64] = "{new,under-review,planned,shipped}";
    if (status) {
        bool known = false;
        for (size_t i = 0; i < sizeof s_statuses / sizeof s_statuses[0]; i++)
            known = known || strcmp(status, s_statuses[i]) == 0;
        if (!known)
            return cs_web_fail(req, resp, 400, "No status '%s'.", status);
        snprintf(statuses, sizeof statuses, "{%s}", status);
    }
    const char *ws_param[] = {req->ws};
    PGresult *themes = cs_web_query(
        req, resp, "SELECT name, id FROM themes WHERE workspace_id = $1 ORDER BY lower(name)", 1,
        ws_param);
    if (!themes)
        return -1;
    const char *theme_id = NULL;
    for (int i = 0; theme && i < PQntuples(themes); i++)
        if (strcasecmp(PQgetvalue(themes, i, 0), theme) == 0)
            theme_id = PQgetvalue(themes, i, 1);
    if (theme && !theme_id) {
        PQclear(themes);
        return cs_web_fail(req, resp, 400, "The workspace has no theme '%s'.", theme);
    }
    PGresult *customers = cs_web_query(
        req, resp, "SELECT name FROM customers WHERE workspace_id = $1 ORDER BY lower(name)", 1,
        ws_param);
    bool download = cs_web_format(req) != NULL;
    const char *params[] = {req->ws,
                            from,
                            theme_id,
                            CS_CLI_REPORT_MIN_CONFIDENCE,
                            statuses,
                            to,
                            cs_web_arg(req, "customer"),
                            cs_web_arg(req, "q"),
                            download ? NULL : ROWS_MAX};
    PGresult *res = customers ? cs_web_query(req, resp, s_sql, 9, params) : NULL;
    int rc = -1;
    if (res && download) {
        rc = cs_web_download(req, resp, "features", s_columns, C_COUNT, res);
    } else if (res) {
        cs_page_begin(req, resp, "features", "Features");
        s_filters(req, &resp->body, themes, customers);
        cs_html(&resp->body,
                "<p class=\"muted\">%d features, ranked by mentions, then customers, then their "
                "MRR. A mention counts when the extractor was at least %s sure; the others wait "
                "in the <a href=\"/review\">review queue</a>.</p>",
                PQntuples(res), CS_CLI_REPORT_MIN_CONFIDENCE);
        s_table(&resp->body, res);
        cs_page_downloads(req, &resp->body);
        cs_page_end(req, resp);
        rc = 0;
    }
    PQclear(res);
    PQclear(customers);
    PQclear(themes);
    return rc;
}
