/*  Trends and Themes: mentions per week per theme as a chart, the emerging features (the largest
    rises of the last 4 weeks against the 8 before) and the themes with their demand.

    What counts is what `callsift report` counts (CS_REPORT_MENTIONS_CTE): the mentions of live
    features (not merged away, not rejected) that the extractor was sure enough of
    (CS_CLI_REPORT_MIN_CONFIDENCE); a customer's MRR counts once however many calls it had.
    Weeks are 7 days each and the last one ends with the workspace's latest call (or with the
    day ?to=YYYY-MM-DD, in the workspace's time zone), as on the Features page, so that its
    4-week change and the emerging table here count the same mentions. */
#include "cs_pages.h"

#include <stdlib.h>
#include <string.h>

#include "cs_cli_report.h"
#include "cs_svg.h"
#include "cs_time.h"

#define WEEKS         13  /* the chart's */
#define SERIES_MAX    8   /* lines on the chart: the 7 themes most mentioned, then "Other themes" */
#define SERIES_SQL    "8" /* the same, in the SQL */
#define EMERGING_MAX  "20"
#define STATUSES_LIVE "{new,under-review,planned,shipped}"
#define CHART_W       960
#define CHART_H       300

/* After CS_REPORT_MENTIONS_CTE ($1 workspace, $2 since = NULL, $3 theme = NULL, $4 threshold,
   $5 the live statuses): `last` holds t, the instant the weeks end at (the end of day $6, or
   the latest call, as the Features page counts), and the day it falls on; `dated` the mentions
   of the 13 weeks before t with their theme and `ago`, the week they fall in counted back from
   t (0..12; week g is (t - 7(g+1) days, t - 7g days]). */
#define WEEKS_CTE                                                                                  \
    ", last AS (SELECT t, coalesce($6::date, (t AT TIME ZONE " CS_REPORT_ZONE                      \
    ")::date) AS day FROM"                                                                         \
    "  (SELECT coalesce(($6::date + 1)::timestamp AT TIME ZONE " CS_REPORT_ZONE                    \
    ", (SELECT max(m.sent_at)"                                                                     \
    "   FROM messages m WHERE m.workspace_id = $1), now()) AS t) a),"                              \
    " dated AS (SELECT x.feature_id, x.customer_id, f.theme_id,"                                   \
    "  floor(extract(epoch FROM l.t - x.sent_at) / (7 * 86400))::int AS ago"                       \
    "  FROM mention x JOIN features f ON f.id = x.feature_id CROSS JOIN last l"                    \
    "  WHERE x.sent_at <= l.t AND x.sent_at > l.t - interval '91 days')"

/* One row per line of the chart, most mentioned first: the week labels (the day each week
   starts on, oldest first, comma-separated), the last day, the line's name and its counts (oldest
   first, comma-separated). With no mention at all: one row with a NULL name. */
static const char s_chart_sql[] = CS_REPORT_MENTIONS_CTE WEEKS_CTE
    ", tot AS (SELECT d.theme_id, count(*) AS n FROM dated d GROUP BY d.theme_id),"
    " ranked AS (SELECT t.theme_id, th.name,"
    "  row_number() OVER (ORDER BY t.n DESC, lower(th.name), th.name) AS r, count(*) OVER () AS k"
    "  FROM tot t LEFT JOIN themes th ON th.id = t.theme_id),"
    " line AS (SELECT CASE WHEN k > " SERIES_SQL " AND r >= " SERIES_SQL " THEN " SERIES_SQL
    "  ELSE r END AS s, theme_id, name"
    "  FROM ranked),"
    " named AS (SELECT s, CASE WHEN count(*) > 1 THEN 'Other themes'"
    "  ELSE coalesce(min(name), '(no theme)') END AS name FROM line GROUP BY s)"
    " SELECT (SELECT string_agg(to_char((l.t - (g + 1) * interval '7 days') AT TIME "
    "ZONE " CS_REPORT_ZONE ","
    "  'YYYY-MM-DD'), ',' ORDER BY g DESC) FROM last l, generate_series(0, 12) g),"
    " (SELECT to_char(l.day, 'YYYY-MM-DD') FROM last l), n.name,"
    " (SELECT string_agg((SELECT count(*) FROM dated d JOIN line x"
    "   ON x.theme_id IS NOT DISTINCT FROM d.theme_id WHERE x.s = n.s AND d.ago = g)::text, ','"
    "   ORDER BY g DESC) FROM generate_series(0, 12) g)"
    " FROM (SELECT 1) one LEFT JOIN named n ON true ORDER BY n.s";

/* The emerging features: those whose mentions per week rose from the 8 weeks before to the last
   4, the largest rise first. */
static const char s_emerging_sql[] = CS_REPORT_MENTIONS_CTE WEEKS_CTE
    ", rise AS (SELECT d.feature_id, count(*) FILTER (WHERE d.ago < 4) AS last4,"
    "  count(*) FILTER (WHERE d.ago BETWEEN 4 AND 11) AS prev8 FROM dated d GROUP BY d.feature_id)"
    " SELECT row_number() OVER (ORDER BY r.last4 / 4.0 - r.prev8 / 8.0 DESC, r.last4 DESC,"
    "  lower(f.name), f.id) AS rank, f.id, f.name AS feature, th.name AS theme,"
    " r.last4 AS last_4_weeks, r.prev8 AS previous_8_weeks,"
    " round(r.last4 / 4.0, 2) AS per_week_last_4, round(r.prev8 / 8.0, 2) AS per_week_previous_8,"
    " round(r.last4 / 4.0 - r.prev8 / 8.0, 2) AS change_per_week"
    " FROM rise r JOIN features f ON f.id = r.feature_id LEFT JOIN themes th ON th.id = f.theme_id"
    " WHERE r.last4 / 4.0 > r.prev8 / 8.0 ORDER BY rank LIMIT " EMERGING_MAX;

static const cs_web_column_t s_emerging_cols[] = {
    {"rank", true},
    {"id", false},
    {"feature", false},
    {"theme", false},
    {"last_4_weeks", true},
    {"previous_8_weeks", true},
    {"per_week_last_4", true},
    {"per_week_previous_8", true},
    {"change_per_week", true},
};

/* The themes with their features (live, with a mention that counts: those the Features page
   lists), mentions, distinct customers and those customers' MRR,
   the most mentioned first; "(no theme)" for live features without one. EXTRA is "" for the
   download, or the columns the page adds. */
#define THEMES_SQL(EXTRA)                                                                          \
    CS_REPORT_MENTIONS_CTE                                                                         \
    ", live AS (SELECT f.id, f.theme_id FROM features f WHERE f.workspace_id = $1"                 \
    "  AND f.merged_into IS NULL AND f.status = ANY($5::text[])),"                                 \
    " themed AS (SELECT x.customer_id, x.feature_id, l.theme_id"                                   \
    "  FROM mention x JOIN live l ON l.id = x.feature_id),"                                        \
    " th AS (SELECT t.id, t.name FROM themes t WHERE t.workspace_id = $1 UNION ALL"                \
    "  SELECT NULL, '(no theme)' WHERE EXISTS (SELECT 1 FROM live WHERE theme_id IS NULL))"        \
    " SELECT th.name AS theme,"                                                                    \
    " (SELECT count(DISTINCT x.feature_id) FROM themed x"                                          \
    "  WHERE x.theme_id IS NOT DISTINCT FROM th.id) AS features,"                                  \
    " (SELECT count(*) FROM themed x WHERE x.theme_id IS NOT DISTINCT FROM th.id) AS mentions,"    \
    " (SELECT count(DISTINCT x.customer_id) FROM themed x"                                         \
    "  WHERE x.theme_id IS NOT DISTINCT FROM th.id) AS customers,"                                 \
    " (SELECT coalesce(sum(c.mrr), 0) FROM customers c WHERE c.id IN (SELECT x.customer_id"        \
    "  FROM themed x WHERE x.theme_id IS NOT DISTINCT FROM th.id)) AS mrr" EXTRA                   \
    " FROM th ORDER BY mentions DESC, customers DESC, mrr DESC, th.id IS NULL, lower(th.name)"

static const cs_web_column_t s_theme_cols[] = {
    {"theme", false}, {"features", true}, {"mentions", true}, {"customers", true}, {"mrr", true},
};

/* The parameters every query here takes; `to` is ?to= (checked) or NULL. */
static int s_params(cs_web_req_t *req, cs_web_resp_t *resp, const char *params[6])
{
    if (!req->ws[0])
        return cs_web_fail(req, resp, 404, "The database holds no workspace yet.");
    const char *to = cs_web_arg(req, "to");
    if (to && !cs_time_is_date(to))
        return cs_web_fail(req, resp, 400, "to: a day as YYYY-MM-DD");
    params[0] = req->ws;
    params[1] = NULL;
    params[2] = NULL;
    params[3] = CS_CLI_REPORT_MIN_CONFIDENCE;
    params[4] = STATUSES_LIVE;
    params[5] = to;
    return 0;
}

/* Split the comma-separated list s (modified) into at most max parts; their number. */
static size_t s_split(char *s, char **parts, size_t max)
{
    size_t n = 0;
    for (char *save = NULL, *p = strtok_r(s, ",", &save); p && n < max;
         p = strtok_r(NULL, ",", &save))
        parts[n++] = p;
    return n;
}

/* The weeks form and the chart of mentions per week per theme. */
static int s_chart(cs_web_req_t *req, cs_web_resp_t *resp, const char *const *params)
{
    PGresult *res = cs_web_query(req, resp, s_chart_sql, 6, params);
    if (!res)
        return -1;
    char weeks_text[WEEKS * 11 + 1], counts_text[SERIES_MAX][WEEKS * 21 + 1];
    char *weeks[WEEKS];
    long long counts[SERIES_MAX][WEEKS] = {{0}};
    cs_svg_series_t series[SERIES_MAX];
    snprintf(weeks_text, sizeof weeks_text, "%s", PQgetvalue(res, 0, 0));
    size_t nweeks = s_split(weeks_text, weeks, WEEKS), nseries = 0;
    for (int r = 0; r < PQntuples(res) && nseries < SERIES_MAX; r++) {
        if (PQgetisnull(res, r, 2))
            continue;
        char *parts[WEEKS];
        snprintf(counts_text[nseries], sizeof counts_text[nseries], "%s", PQgetvalue(res, r, 3));
        size_t n = s_split(counts_text[nseries], parts, WEEKS);
        for (size_t i = 0; i < n && i < nweeks; i++)
            counts[nseries][i] = strtoll(parts[i], NULL, 10);
        series[nseries] = (cs_svg_series_t){PQgetvalue(res, r, 2), counts[nseries]};
        nseries++;
    }
    cs_buf_t *b = &resp->body;
    cs_html(b,
            "<h2>Mentions per week per theme, in the %d weeks to %s</h2>"
            "<form id=\"weeks\" class=\"filters\" method=\"get\" action=\"%s\">"
            "<label>Weeks ending<input type=\"date\" name=\"to\" value=\"%s\"></label>"
            "<button type=\"submit\">Show</button></form>",
            WEEKS, PQgetvalue(res, 0, 1), req->path, PQgetvalue(res, 0, 1));
    cs_svg_weekly(b, series, nseries, (const char *const *)weeks, nweeks, CHART_W, CHART_H);
    if (nseries == 0)
        cs_html_raw(b, "<p class=\"muted\">No mention in these weeks.</p>");
    PQclear(res);
    return 0;
}

int cs_page_trends(cs_web_req_t *req, cs_web_resp_t *resp)
{
    const char *params[6];
    if (s_params(req, resp, params) != 0)
        return -1;
    const char *format = cs_web_format(req);
    if (format) {
        PGresult *res = cs_web_query(req, resp, s_emerging_sql, 6, params);
        if (!res)
            return -1;
        int rc = cs_web_download(req, resp, "emerging", s_emerging_cols,
                                 (int)(sizeof s_emerging_cols / sizeof s_emerging_cols[0]), res);
        PQclear(res);
        return rc;
    }
    cs_page_begin(req, resp, "trends", "Trends");
    if (s_chart(req, resp, params) != 0)
        return -1;
    PGresult *res = cs_web_query(req, resp, s_emerging_sql, 6, params);
    if (!res)
        return -1;
    cs_buf_t *b = &resp->body;
    cs_html_raw(b, "<h2>Emerging</h2><p class=\"muted\">The features whose mentions per week rose "
                   "most in the last 4 weeks against the 8 weeks before.</p>");
    cs_page_downloads(req, b);
    cs_html_raw(b,
                "<table id=\"emerging\"><thead><tr><th class=\"num\">#</th><th>Feature</th>"
                "<th>Theme</th><th class=\"num\">Last 4 weeks</th>"
                "<th class=\"num\">8 weeks before</th><th class=\"num\">Per week, before → now</th>"
                "<th class=\"num\">Change per week</th></tr></thead><tbody>");
    for (int r = 0; r < PQntuples(res); r++)
        cs_html(b,
                "<tr class=\"emerging\"><td class=\"num\">%s</td><td><a class=\"feature-link\" "
                "href=\"/features/%s\">%s</a></td><td>%s</td><td class=\"num last4\">%s</td>"
                "<td class=\"num prev8\">%s</td><td class=\"num\">%s → %s</td>"
                "<td class=\"num change up\">+%s</td></tr>",
                PQgetvalue(res, r, 0), PQgetvalue(res, r, 1), PQgetvalue(res, r, 2),
                PQgetvalue(res, r, 3), PQgetvalue(res, r, 4), PQgetvalue(res, r, 5),
                PQgetvalue(res, r, 7), PQgetvalue(res, r, 6), PQgetvalue(res, r, 8));
    if (PQntuples(res) == 0)
        cs_html_raw(b, "<tr><td colspan=\"7\" class=\"muted\">No feature was mentioned more often "
                       "in the last 4 weeks than in the 8 before.</td></tr>");
    cs_html_raw(b, "</tbody></table>");
    PQclear(res);
    cs_page_end(req, resp);
    return 0;
}

int cs_page_themes(cs_web_req_t *req, cs_web_resp_t *resp)
{
    const char *params[6];
    if (s_params(req, resp, params) != 0)
        return -1;
    const char *format = cs_web_format(req);
    PGresult *res =
        cs_web_query(req, resp, format ? THEMES_SQL("") : THEMES_SQL(", th.id IS NULL"), 5, params);
    if (!res)
        return -1;
    if (format) {
        int rc = cs_web_download(req, resp, "themes", s_theme_cols,
                                 (int)(sizeof s_theme_cols / sizeof s_theme_cols[0]), res);
        PQclear(res);
        return rc;
    }
    cs_page_begin(req, resp, "themes", "Themes");
    cs_buf_t *b = &resp->body;
    cs_html_raw(b,
                "<p class=\"muted\">Each theme's features (those the Features page lists), their "
                "mentions, the customers who asked (each once) and those customers' MRR.</p>");
    cs_page_downloads(req, b);
    cs_html_raw(b, "<table id=\"themes\"><thead><tr><th>Theme</th><th class=\"num\">Features</th>"
                   "<th class=\"num\">Mentions</th><th class=\"num\">Customers</th>"
                   "<th class=\"num\">MRR</th></tr></thead><tbody>");
    for (int r = 0; r < PQntuples(res); r++) {
        cs_html_raw(b, "<tr class=\"theme\"><td class=\"name\">");
        if (strcmp(PQgetvalue(res, r, 5), "t") == 0) {
            cs_html(b, "%s", PQgetvalue(res, r, 0));
        } else {
            cs_html_raw(b, "<a href=\"/features?theme=");
            cs_html_url(b, PQgetvalue(res, r, 0));
            cs_html(b, "\">%s</a>", PQgetvalue(res, r, 0));
        }
        cs_html(b,
                "</td><td class=\"num features\">%s</td><td class=\"num mentions\">%s</td>"
                "<td class=\"num customers\">%s</td><td class=\"num mrr\">",
                PQgetvalue(res, r, 1), PQgetvalue(res, r, 2), PQgetvalue(res, r, 3));
        cs_page_money(b, PQgetvalue(res, r, 4));
        cs_html_raw(b, "</td></tr>");
    }
    if (PQntuples(res) == 0)
        cs_html_raw(b, "<tr><td colspan=\"5\" class=\"muted\">No theme yet.</td></tr>");
    cs_html_raw(b, "</tbody></table>");
    PQclear(res);
    if (s_chart(req, resp, params) != 0)
        return -1;
    cs_page_end(req, resp);
    return 0;
}
