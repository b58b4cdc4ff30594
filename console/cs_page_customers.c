/*  Customers: each account of the workspace with its MRR, its calls, and the features it asked
    for (the mentions `callsift report` counts: live features, confident enough), the highest
    MRR first. */
#include "cs_pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_cli_report.h"

#define STATUSES_LIVE "{new,under-review,planned,shipped}"
#define ASKED_SHOWN   "5"   /* features named per customer, the most mentioned first */
#define ROWS_MAX      "500" /* customers shown */

/* $1..$5 as for CS_REPORT_MENTIONS_CTE. ASKED is the column of the features asked for: on the
   page "ID<US>name" items separated by <RS> (ids are 36 characters; the separators are taken out
   of names), in the download the names separated by "; ". TOTAL is "" or the page's count of
   all the customers. */
#define CUSTOMERS_SQL(ASKED, TOTAL)                                                                \
    CS_REPORT_MENTIONS_CTE                                                                         \
    ", asked AS (SELECT x.customer_id, x.feature_id, f.name, count(*) AS n,"                       \
    "  row_number() OVER (PARTITION BY x.customer_id ORDER BY count(*) DESC, lower(f.name), f.id)" \
    "  AS r FROM mention x JOIN features f ON f.id = x.feature_id"                                 \
    "  WHERE x.customer_id IS NOT NULL GROUP BY x.customer_id, x.feature_id, f.name, f.id)"        \
    ", per AS (SELECT a.customer_id, count(*) AS features,"                                        \
    "  " ASKED " FILTER (WHERE a.r <= " ASKED_SHOWN ") AS top_features"                            \
    "  FROM asked a GROUP BY a.customer_id),"                                                      \
    " held AS (SELECT m.customer_id, count(*) AS calls FROM messages m"                            \
    "  WHERE m.workspace_id = $1 AND m.customer_id IS NOT NULL GROUP BY m.customer_id)"            \
    " SELECT c.name AS customer, c.domain, c.mrr, coalesce(h.calls, 0) AS calls,"                  \
    " coalesce(p.features, 0) AS features, p.top_features" TOTAL                                   \
    " FROM customers c LEFT JOIN per p ON p.customer_id = c.id"                                    \
    " LEFT JOIN held h ON h.customer_id = c.id WHERE c.workspace_id = $1"                          \
    " ORDER BY c.mrr DESC, lower(c.name), c.id LIMIT " ROWS_MAX

#define ASKED_PAGE                                                                                 \
    "string_agg(a.feature_id::text || chr(31) || translate(a.name, chr(30) || chr(31), '  '),"     \
    " chr(30) ORDER BY a.r)"
#define ASKED_DOWNLOAD "string_agg(a.name, '; ' ORDER BY a.r)"

static const cs_web_column_t s_cols[] = {
    {"customer", false}, {"domain", false},  {"mrr", true},
    {"calls", true},     {"features", true}, {"top_features", false},
};

/* The features asked for, from the page's column: links to each. */
static void s_asked(cs_buf_t *b, const char *customer, const char *items, const char *count)
{
    const char *p = items;
    while (*p) {
        size_t len = strcspn(p, "\x1e");
        const char *us = memchr(p, '\x1f', len);
        if (us && us - p == 36) {
            char id[37];
            memcpy(id, p, 36);
            id[36] = '\0';
            char *name = strndup(us + 1, len - 37);
            cs_html(b, "<a class=\"feature-link\" href=\"/features/%s\">%s</a>", id,
                    name ? name : "");
            free(name);
        }
        p += len + (p[len] != '\0');
        if (*p)
            cs_html_raw(b, ", ");
    }
    long long more = strtoll(count, NULL, 10) - strtoll(ASKED_SHOWN, NULL, 10);
    if (more > 0) {
        cs_html_raw(b, " <a class=\"muted\" href=\"/features?customer=");
        cs_html_url(b, customer);
        cs_html(b, "\">and %lld more</a>", more);
    }
}

int cs_page_customers(cs_web_req_t *req, cs_web_resp_t *resp)
{
    if (!req->ws[0])
        return cs_web_fail(req, resp, 404, "The database holds no workspace yet.");
    const char *params[] = {req->ws, NULL, NULL, CS_CLI_REPORT_MIN_CONFIDENCE, STATUSES_LIVE};
    const char *format = cs_web_format(req);
    PGresult *res = cs_web_query(req, resp,
                                 format ? CUSTOMERS_SQL(ASKED_DOWNLOAD, "")
                                        : CUSTOMERS_SQL(ASKED_PAGE, ", count(*) OVER () AS total"),
                                 5, params);
    if (!res)
        return -1;
    if (format) {
        int rc = cs_web_download(req, resp, "customers", s_cols,
                                 (int)(sizeof s_cols / sizeof s_cols[0]), res);
        PQclear(res);
        return rc;
    }
    cs_page_begin(req, resp, "customers", "Customers");
    cs_buf_t *b = &resp->body;
    int rows = PQntuples(res);
    const char *total = rows ? PQgetvalue(res, 0, 6) : "0";
    cs_html(b,
            "<p class=\"muted\">%s customer%s, the highest MRR first, with the features each "
            "asked for (the most mentioned first).",
            total, strcmp(total, "1") == 0 ? "" : "s");
    if (strtoll(total, NULL, 10) > rows)
        cs_html(b, " The first %d are shown.", rows);
    cs_html_raw(b, "</p>");
    cs_page_downloads(req, b);
    cs_html_raw(b, "<table id=\"customers\"><thead><tr><th>Customer</th><th>Domain</th>"
                   "<th class=\"num\">MRR</th><th class=\"num\">Calls</th>"
                   "<th>Features asked for</th></tr></thead><tbody>");
    for (int r = 0; r < rows; r++) {
        cs_html(b,
                "<tr class=\"customer\"><td class=\"name\">%s</td><td class=\"domain\">%s</td>"
                "<td class=\"num mrr\">",
                PQgetvalue(res, r, 0), PQgetvalue(res, r, 1));
        cs_page_money(b, PQgetvalue(res, r, 2));
        cs_html(b, "</td><td class=\"num calls\">%s</td><td class=\"features\">",
                PQgetvalue(res, r, 3));
        if (PQgetisnull(res, r, 5))
            cs_html_raw(b, "<span class=\"muted\">none yet</span>");
        else
            s_asked(b, PQgetvalue(res, r, 0), PQgetvalue(res, r, 5), PQgetvalue(res, r, 4));
        cs_html_raw(b, "</td></tr>");
    }
    if (rows == 0)
        cs_html_raw(b, "<tr><td colspan=\"5\" class=\"muted\">No customer yet.</td></tr>");
    cs_html_raw(b, "</tbody></table>");
    PQclear(res);
    cs_page_end(req, resp);
    return 0;
}
