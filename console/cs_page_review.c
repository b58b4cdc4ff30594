/*  /review: the review queue of `callsift review` in a page. The pending items, most valuable
    first (the customer's MRR, then least sure), and one row per confidence band with how many
    items wait in it and how often people agreed with the machine there, each band with buttons
    to approve or reject all its pending items at once. POST /review labels a band (lo, hi,
    verdict, optional kind) by running `callsift review approve|reject --band LO:HI` in this
    process, as the logged-in user, so the page and the CLI label exactly alike: one
    transaction, a rejected request taken off its feature (undoable), a rejected match labelled
    with the command that corrects it. */
#include "cs_pages.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_cli_report.h"
#include "cs_cli_review.h"
#include "cs_cli_review_queue.h"
#include "cs_config.h"
#include "cs_log.h"

#define ITEMS_SHOWN "50" /* the rest: the download, or `callsift review list` */

/* The pending items: LIST_SQL's parameters. */
static const char s_items_sql[] = LIST_SQL("m.external_id, i.feature_id,");
enum {
    I_ID,
    I_KIND,
    I_METHOD,
    I_ACTION,
    I_CONF,
    I_FEATURE,
    I_CUSTOMER,
    I_MRR,
    I_CALL,
    I_CALL_ID,
    I_FEATURE_ID,
    I_QUOTE,
    I_SCORES,
    I_CANDIDATES,
    I_REASONING
};

/* Per tenth of confidence, highest first: pending items, labels (not undone), approvals. $1 to
   $3 as for ITEMS_CTE. A band holds LO <= c < HI compared as real, the way `review approve
   --band` compares (width_bucket over real edges: a stored 0.7 is in 0.7 to 0.8). */
#define BAND_OF(C) "width_bucket(" C ", '{0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9}'::real[])"
static const char s_bands_sql[] = ITEMS_CTE(WORKSPACE_SCOPE) ", pend AS (SELECT " BAND_OF(
    "i.confidence") " AS g, count(*) AS n FROM item i"
                    "  WHERE i.verdict IS NULL GROUP BY 1),"
                    " lab AS (SELECT " BAND_OF(
                        "rl.confidence") " AS g, count(*) AS n,"
                                         "  count(*) FILTER (WHERE rl.verdict = 'approve') AS a "
                                         "FROM review_labels rl"
                                         "  WHERE rl.workspace_id = $1 AND NOT" RL_UNDONE
                                         " GROUP BY 1)"
                                         " SELECT to_char(g / 10.0, 'FM0.0'), to_char((g + 1) / "
                                         "10.0, 'FM0.0'), coalesce(p.n, 0),"
                                         " coalesce(l.n, 0), coalesce(l.a, 0)"
                                         " FROM generate_series(0, 9) g LEFT JOIN pend p USING (g) "
                                         "LEFT JOIN lab l USING (g)"
                                         " ORDER BY g DESC";

static void s_band_form(cs_web_req_t *req, cs_buf_t *b, const char *lo, const char *hi,
                        const char *verdict)
{
    cs_html(b,
            "<form class=\"band-%s inline\" method=\"post\" action=\"/review\">"
            "<input type=\"hidden\" name=\"lo\" value=\"%s\">"
            "<input type=\"hidden\" name=\"hi\" value=\"%s\">"
            "<input type=\"hidden\" name=\"verdict\" value=\"%s\">",
            verdict, lo, hi, verdict);
    cs_page_csrf(req, b);
    cs_html(b, "<button type=\"submit\" class=\"%s\">%s all</button></form> ",
            strcmp(verdict, "approve") == 0 ? "" : "secondary",
            strcmp(verdict, "approve") == 0 ? "Approve" : "Reject");
}

static void s_bands(cs_web_req_t *req, cs_buf_t *b, const PGresult *bands)
{
    cs_html_raw(b, "<h2>By confidence band</h2><p class=\"muted\">Agreement is how often "
                   "people approved what the machine decided in that band: where it is high, "
                   "approving the band in bulk is safe.</p>"
                   "<table id=\"bands\"><thead><tr><th>Confidence</th><th class=\"num\">Pending"
                   "</th><th class=\"num\">Labelled</th><th class=\"num\">Agreement</th><th>"
                   "</th></tr></thead><tbody>");
    for (int r = 0; r < PQntuples(bands); r++) {
        const char *lo = PQgetvalue(bands, r, 0), *hi = PQgetvalue(bands, r, 1);
        long long pending = strtoll(PQgetvalue(bands, r, 2), NULL, 10);
        long long labelled = strtoll(PQgetvalue(bands, r, 3), NULL, 10);
        long long approved = strtoll(PQgetvalue(bands, r, 4), NULL, 10);
        if (pending == 0 && labelled == 0)
            continue;
        cs_html(b,
                "<tr class=\"band\" data-lo=\"%s\"><td>%s to %s</td>"
                "<td class=\"num pending\">%lld</td><td class=\"num\">%lld</td>",
                lo, lo, hi, pending, labelled);
        if (labelled > 0)
            cs_html(b,
                    "<td class=\"num\">%.0f%% <span class=\"muted small\">(%lld of %lld)"
                    "</span></td><td>",
                    100.0 * (double)approved / (double)labelled, approved, labelled);
        else
            cs_html_raw(b, "<td class=\"num muted\">-</td><td>");
        if (pending > 0) {
            s_band_form(req, b, lo, hi, "approve");
            s_band_form(req, b, lo, hi, "reject");
        }
        cs_html_raw(b, "</td></tr>");
    }
    cs_html_raw(b, "</tbody></table>");
    cs_html_raw(b, "<form id=\"band\" class=\"filters\" method=\"post\" action=\"/review\">"
                   "<label>From confidence<input type=\"number\" name=\"lo\" min=\"0\" max=\"1\" "
                   "step=\"0.01\" required></label><label>below<input type=\"number\" name=\"hi\" "
                   "min=\"0\" max=\"1\" step=\"0.01\" required></label><label>Kind<select "
                   "name=\"kind\"><option value=\"\">both</option><option>request</option>"
                   "<option>match</option></select></label>");
    cs_page_csrf(req, b);
    cs_html_raw(b, "<button type=\"submit\" name=\"verdict\" value=\"approve\">Approve the band"
                   "</button><button type=\"submit\" name=\"verdict\" value=\"reject\" "
                   "class=\"secondary\">Reject the band</button></form>");
}

static void s_items(cs_buf_t *b, const PGresult *items, long long pending)
{
    cs_html(b, "<h2>Waiting for review: %lld (the %d most valuable shown)</h2>", pending,
            PQntuples(items));
    cs_html_raw(b, "<p class=\"muted\">A <b>request</b> item asks: is this a feature request at "
                   "all? A <b>match</b> item asks: did it join the right feature?</p>"
                   "<table id=\"review\"><thead><tr><th class=\"num\">Item</th><th>Kind</th>"
                   "<th class=\"num\">Sure</th><th>Quote</th><th>Feature</th><th>Customer</th>"
                   "<th>Call</th><th>Why</th></tr></thead><tbody>");
    for (int r = 0; r < PQntuples(items); r++) {
        cs_html(b,
                "<tr class=\"item\"><td class=\"num\">%s</td><td>%s<div class=\"muted small\">"
                "%s, %s</div></td><td class=\"num\">%.2f</td><td class=\"quote\"><q>%s</q></td>"
                "<td><a href=\"/features/%s\">%s</a></td><td>%s<div class=\"muted small\">",
                PQgetvalue(items, r, I_ID), PQgetvalue(items, r, I_KIND),
                PQgetvalue(items, r, I_METHOD), PQgetvalue(items, r, I_ACTION),
                strtod(PQgetvalue(items, r, I_CONF), NULL), PQgetvalue(items, r, I_QUOTE),
                PQgetvalue(items, r, I_FEATURE_ID), PQgetvalue(items, r, I_FEATURE),
                PQgetvalue(items, r, I_CUSTOMER));
        if (!PQgetisnull(items, r, I_MRR))
            cs_page_money(b, PQgetvalue(items, r, I_MRR));
        cs_html(b,
                "</div></td><td class=\"small\">%s</td><td class=\"small\">%s<div "
                "class=\"muted\">%s</div><div class=\"muted\">%s</div></td></tr>",
                PQgetvalue(items, r, I_CALL), PQgetvalue(items, r, I_SCORES),
                PQgetvalue(items, r, I_CANDIDATES), PQgetvalue(items, r, I_REASONING));
    }
    cs_html_raw(b, "</tbody></table>");
    if (PQntuples(items) == 0)
        cs_html_raw(b, "<p class=\"muted\" id=\"queue-empty\">Nothing waits for review.</p>");
}

int cs_page_review(cs_web_req_t *req, cs_web_resp_t *resp)
{
    const char *params[] = {req->ws,
                            CS_CLI_REPORT_MIN_CONFIDENCE,
                            CS_CLI_REVIEW_MATCH_CONFIDENCE,
                            NULL,
                            NULL,
                            NULL,
                            NULL,
                            NULL,
                            NULL,
                            "false",
                            ITEMS_SHOWN};
    if (cs_web_format(req)) {
        static const cs_web_column_t cols[] = {
            {"id", true},         {"kind", false},       {"method", false},     {"action", false},
            {"confidence", true}, {"feature", false},    {"customer", false},   {"mrr", true},
            {"call", false},      {"call_id", false},    {"feature_id", false}, {"quote", false},
            {"scores", false},    {"candidates", false}, {"reasoning", false},
        };
        params[10] = "0"; /* a download has every pending item */
        PGresult *all = cs_web_query(req, resp, s_items_sql, 11, params);
        int rc = all ? cs_web_download(req, resp, "review-queue", cols, 15, all) : -1;
        PQclear(all);
        return rc;
    }
    PGresult *bands = cs_web_query(req, resp, s_bands_sql, 3, params);
    PGresult *items = bands ? cs_web_query(req, resp, s_items_sql, 11, params) : NULL;
    int rc = -1;
    if (items) {
        cs_page_begin(req, resp, "review", "Review queue");
        s_bands(req, &resp->body, bands);
        long long pending = 0;
        for (int r = 0; r < PQntuples(bands); r++)
            pending += strtoll(PQgetvalue(bands, r, 2), NULL, 10);
        s_items(&resp->body, items, pending);
        cs_page_downloads(req, &resp->body);
        cs_page_end(req, resp);
        rc = 0;
    }
    PQclear(items);
    PQclear(bands);
    return rc;
}

/* One `callsift review` command at a time in this process: cs_config applies logging options
   globally while it parses. */
static pthread_mutex_t s_cli_lock = PTHREAD_MUTEX_INITIALIZER;

/* A number from 0 to 1 as typed in the form. */
static bool s_unit(const char *s)
{
    char *end;
    double v = s ? strtod(s, &end) : -1;
    return s && *end == '\0' && end != s && v >= 0 && v <= 1;
}

int cs_action_review(cs_web_req_t *req, cs_web_resp_t *resp)
{
    const char *lo = cs_web_arg(req, "lo"), *hi = cs_web_arg(req, "hi");
    const char *verdict = cs_web_arg(req, "verdict"), *kind = cs_web_arg(req, "kind");
    cs_web_redirect(resp, "/review");
    if (!s_unit(lo) || !s_unit(hi) || strtod(lo, NULL) >= strtod(hi, NULL) || !verdict ||
        (strcmp(verdict, "approve") != 0 && strcmp(verdict, "reject") != 0) ||
        (kind && strcmp(kind, "request") != 0 && strcmp(kind, "match") != 0)) {
        cs_web_flash(req, true,
                     "Nothing labelled: give a band from 0 to 1 (from below to) and "
                     "approve or reject.");
        return 0;
    }
    char band[64];
    snprintf(band, sizeof band, "%s:%s", lo, hi);
    char *argv[] = {(char *)verdict,   "--workspace-id",       req->ws,      "--band", band, "--by",
                    (char *)req->user, kind ? "--kind" : NULL, (char *)kind, NULL};
    int argc = kind ? 9 : 7;
    char *text = NULL, err[1024] = "";
    size_t len = 0;
    pthread_mutex_lock(&s_cli_lock);
    cs_config_t *cfg = cs_config_new("callsift review", "", cs_cli_review_label_options);
    FILE *out = open_memstream(&text, &len);
    int rc = -1;
    if (cfg && out && cs_config_parse(cfg, argc, argv, false, err, sizeof err) == 0) {
        cs_cli_t cli;
        cs_cli_init(&cli, cfg, out);
        rc = strcmp(verdict, "approve") == 0 ? cs_cli_review_approve(&cli)
                                             : cs_cli_review_reject(&cli);
        if (rc != 0)
            snprintf(err, sizeof err, "%s", cli.err);
        cs_cli_close(&cli);
    }
    if (out)
        fclose(out);
    cs_config_destroy(&cfg);
    pthread_mutex_unlock(&s_cli_lock);
    if (rc == 0) {
        /* the command's last line is its summary ("Approved 12 items; ...") */
        size_t n = len;
        while (n > 0 && text[n - 1] == '\n')
            text[--n] = '\0';
        const char *last = n ? strrchr(text, '\n') : NULL;
        cs_web_flash(req, false, "%s", last ? last + 1 : (text ? text : "Done."));
    } else {
        cs_log_redact(err, sizeof err);
        cs_web_flash(req, true, "Nothing labelled: %s", err[0] ? err : "out of memory");
    }
    free(text);
    return 0;
}
