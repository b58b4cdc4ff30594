/*  /features/ID: one feature as a product manager checks it before acting. Its facts and
    description; the features merged into it (aliases); every mention with its quote, speaker,
    customer, call (linked to Gong) and date; the match decisions with their scores, candidates
    and reasoning (why a mention joined it); its curation history, each action undoable from
    here; and the curation actions as forms (cs_page_actions.c carries them out). */
#include "cs_pages.h"

#include <stdlib.h>
#include <string.h>

#include "cs_cli_curate.h"
#include "cs_cli_feature.h"
#include "cs_cli_report.h"

#define ALIASES_DECIDED 20 /* aliases whose decisions the page shows too */

/* The feature: $1 its id, $2 the workspace, $3 the report's confidence threshold. Mentions,
   customers and MRR count the confident mentions, as the Features page does; the last column
   counts the others (they wait in the review queue). */
static const char s_feature_sql[] =
    "WITH fm AS (SELECT x.message_id, m.customer_id,"
    "  (x.confidence IS NULL OR x.confidence >= $3::real) AS counted"
    "  FROM feature_messages x JOIN messages m ON m.id = x.message_id WHERE x.feature_id = $1)"
    " SELECT f.name, f.description, th.name, f.status, f.urgency,"
    " (SELECT count(*) FROM fm WHERE counted),"
    " to_char(f.first_mentioned AT TIME ZONE w.time_zone, 'YYYY-MM-DD'),"
    " to_char(f.last_mentioned AT TIME ZONE w.time_zone, 'YYYY-MM-DD'), f.status_reason,"
    " f.merged_into, (SELECT t.name FROM features t WHERE t.id = f.merged_into),"
    " (SELECT count(DISTINCT customer_id) FROM fm WHERE counted),"
    " (SELECT coalesce(sum(c.mrr), 0) FROM customers c WHERE c.id IN"
    "  (SELECT customer_id FROM fm WHERE counted)),"
    " (SELECT count(*) FROM fm WHERE NOT counted)"
    " FROM features f JOIN workspaces w ON w.id = f.workspace_id"
    " LEFT JOIN themes th ON th.id = f.theme_id"
    " WHERE f.id = $1 AND f.workspace_id = $2";
enum {
    F_NAME,
    F_DESC,
    F_THEME,
    F_STATUS,
    F_URGENCY,
    F_MENTIONS,
    F_FIRST,
    F_LAST,
    F_REASON,
    F_INTO,
    F_INTO_NAME,
    F_CUSTOMERS,
    F_MRR,
    F_BELOW
};

static const char s_mentions_sql[] =
    "SELECT m.external_id, fm.quote, fm.speaker, cu.name, m.message_metadata->>'title',"
    " m.message_metadata->>'url', to_char(m.sent_at AT TIME ZONE w.time_zone, 'YYYY-MM-DD "
    "HH24:MI'),"
    " trim_scale(round(fm.confidence::numeric, 2)), fm.merged_from"
    " FROM feature_messages fm JOIN messages m ON m.id = fm.message_id"
    " JOIN workspaces w ON w.id = m.workspace_id"
    " LEFT JOIN customers cu ON cu.id = m.customer_id"
    " WHERE fm.feature_id = $1 ORDER BY m.sent_at DESC, m.id";
enum { M_CALL, M_QUOTE, M_SPEAKER, M_CUSTOMER, M_TITLE, M_URL, M_DATE, M_CONFIDENCE, M_FROM };

static const char s_aliases_sql[] =
    "SELECT f.id, f.name, to_char(f.merged_at AT TIME ZONE w.time_zone, 'YYYY-MM-DD')"
    " FROM features f JOIN workspaces w ON w.id = f.workspace_id"
    " WHERE f.merged_into = $1 ORDER BY f.merged_at, f.id";

/* The live features of the workspace a feature can be merged into or split to, by name. */
static const char s_targets_sql[] =
    "SELECT f.id, f.name, coalesce(th.name, '') FROM features f"
    " LEFT JOIN themes th ON th.id = f.theme_id"
    " WHERE f.workspace_id = $2 AND f.id <> $1 AND f.merged_into IS NULL"
    " AND f.status <> 'rejected' ORDER BY lower(f.name), f.id LIMIT 2000";

static const char s_themes_sql[] =
    "SELECT name FROM themes WHERE workspace_id = $1 ORDER BY lower(name)";

typedef struct {
    PGresult *feature, *mentions, *aliases, *history, *targets, *themes;
    PGresult *decisions[1 + ALIASES_DECIDED]; /* its own, then its aliases' */
    int ndecisions;
} parts_t;

static void s_parts_clear(parts_t *p)
{
    PQclear(p->feature);
    PQclear(p->mentions);
    PQclear(p->aliases);
    for (int i = 0; i < p->ndecisions; i++)
        PQclear(p->decisions[i]);
    PQclear(p->history);
    PQclear(p->targets);
    PQclear(p->themes);
}

static const char *s_v(const PGresult *res, int r, int c)
{
    return PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
}

static void s_facts(cs_buf_t *b, const PGresult *f)
{
    cs_html(b,
            "<div class=\"facts\"><div><b id=\"mentions-counted\">%s</b><span>mentions counted"
            "</span></div><div><b>%s</b><span>below %s: in review</span></div>"
            "<div><b>%s</b><span>customers</span></div><div><b>",
            s_v(f, 0, F_MENTIONS), s_v(f, 0, F_BELOW), CS_CLI_REPORT_MIN_CONFIDENCE,
            s_v(f, 0, F_CUSTOMERS));
    cs_page_money(b, s_v(f, 0, F_MRR));
    cs_html(b,
            "</b><span>their MRR</span></div><div><b>%s</b><span>theme</span></div>"
            "<div><b><span class=\"badge %s\" id=\"status\">%s</span></b><span>status</span></div>"
            "<div><b><span class=\"badge %s\">%s</span></b><span>urgency</span></div>"
            "<div><b>%s</b><span>first mentioned</span></div>"
            "<div><b>%s</b><span>last mentioned</span></div></div>",
            s_v(f, 0, F_THEME) ? s_v(f, 0, F_THEME) : "(none)", s_v(f, 0, F_STATUS),
            s_v(f, 0, F_STATUS), s_v(f, 0, F_URGENCY), s_v(f, 0, F_URGENCY),
            s_v(f, 0, F_FIRST) ? s_v(f, 0, F_FIRST) : "-",
            s_v(f, 0, F_LAST) ? s_v(f, 0, F_LAST) : "-");
    const char *desc = s_v(f, 0, F_DESC);
    cs_html(b, "<p id=\"description\">%s</p>", desc && desc[0] ? desc : "No description.");
}

/* A form's opening tag for action VERB of feature id. */
static void s_form(cs_web_req_t *req, cs_buf_t *b, const char *id, const char *verb,
                   const char *title)
{
    cs_html(b, "<form id=\"%s\" method=\"post\" action=\"/features/%s/%s\"><h3>%s</h3>", verb, id,
            verb, title);
    cs_page_csrf(req, b);
}

static void s_banner(cs_web_req_t *req, cs_buf_t *b, const char *id, const PGresult *f)
{
    if (s_v(f, 0, F_INTO)) {
        cs_html(b,
                "<div class=\"flash error\" id=\"merged\">Merged into <a href=\"/features/%s\">%s"
                "</a>: its mentions count there. ",
                s_v(f, 0, F_INTO), s_v(f, 0, F_INTO_NAME));
        cs_html(b,
                "<form id=\"unmerge\" class=\"inline\" method=\"post\" "
                "action=\"/features/%s/unmerge\">",
                id);
        cs_page_csrf(req, b);
        cs_html_raw(b, "<button type=\"submit\" class=\"secondary\">Unmerge</button></form></div>");
    } else if (strcmp(s_v(f, 0, F_STATUS), "rejected") == 0) {
        cs_html(b, "<div class=\"flash error\" id=\"rejected\">Rejected: %s ",
                s_v(f, 0, F_REASON) ? s_v(f, 0, F_REASON) : "");
        cs_html(b,
                "<form id=\"restore\" class=\"inline\" method=\"post\" "
                "action=\"/features/%s/restore\">",
                id);
        cs_page_csrf(req, b);
        cs_html_raw(b, "<button type=\"submit\" class=\"secondary\">Restore</button></form></div>");
    }
}

static void s_aliases(cs_buf_t *b, const PGresult *a)
{
    if (PQntuples(a) == 0)
        return;
    cs_html_raw(b, "<p id=\"aliases\">Also asked for as: ");
    for (int r = 0; r < PQntuples(a); r++)
        cs_html(b,
                "%s<a href=\"/features/%s\">%s</a> <span class=\"muted small\">(merged %s)</span>",
                r ? ", " : "", PQgetvalue(a, r, 0), PQgetvalue(a, r, 1), PQgetvalue(a, r, 2));
    cs_html_raw(b, "</p>");
}

/* The mentions, inside the split form (their checkboxes choose the calls to move). */
static void s_mentions(cs_web_req_t *req, cs_buf_t *b, const char *id, const PGresult *m,
                       const PGresult *targets, bool live)
{
    cs_html(b, "<section id=\"mentions\"><h2>Mentions (%d)</h2>", PQntuples(m));
    if (live) {
        cs_html(b, "<form id=\"split\" method=\"post\" action=\"/features/%s/split\">", id);
        cs_page_csrf(req, b);
    }
    cs_html_raw(b, "<table><thead><tr>");
    if (live)
        cs_html_raw(b, "<th><input type=\"checkbox\" data-check-all=\"calls\" "
                       "aria-label=\"all\"></th>");
    cs_html_raw(b, "<th>Quote</th><th>Speaker</th><th>Customer</th><th>Call</th><th>Date</th>"
                   "<th class=\"num\">Sure</th></tr></thead><tbody>");
    for (int r = 0; r < PQntuples(m); r++) {
        cs_html_raw(b, "<tr class=\"mention\">");
        if (live)
            cs_html(b, "<td><input type=\"checkbox\" name=\"calls\" value=\"%s\"></td>",
                    s_v(m, r, M_CALL));
        const char *title = s_v(m, r, M_TITLE);
        cs_html(b,
                "<td class=\"quote\"><q>%s</q></td><td class=\"speaker\">%s</td>"
                "<td class=\"customer\">%s</td><td class=\"call\">%s",
                s_v(m, r, M_QUOTE), s_v(m, r, M_SPEAKER), s_v(m, r, M_CUSTOMER),
                title && title[0] ? title : s_v(m, r, M_CALL));
        if (cs_html_is_http(s_v(m, r, M_URL))) {
            cs_html_raw(b, " <a class=\"gong\" href=\"");
            cs_html_href(b, s_v(m, r, M_URL));
            cs_html_raw(b, "\" rel=\"noopener noreferrer\" target=\"_blank\">Gong</a>");
        }
        cs_html(b, "</td><td class=\"date\">%s</td><td class=\"num\">%s</td></tr>",
                s_v(m, r, M_DATE), s_v(m, r, M_CONFIDENCE) ? s_v(m, r, M_CONFIDENCE) : "-");
    }
    cs_html_raw(b, "</tbody></table>");
    cs_page_downloads(req, b);
    if (live) {
        cs_html_raw(b, "<div class=\"split-controls\"><b>Split:</b> move the checked calls' "
                       "mentions to a new feature named <input type=\"text\" name=\"name\" "
                       "maxlength=\"300\"> or to <select name=\"into\"><option value=\"\">"
                       "(an existing feature)</option>");
        for (int r = 0; r < PQntuples(targets); r++)
            cs_html(b, "<option value=\"%s\">%s</option>", PQgetvalue(targets, r, 0),
                    PQgetvalue(targets, r, 1));
        cs_html_raw(b, "</select> <button type=\"submit\">Split</button></div></form>");
    }
    cs_html_raw(b, "</section>");
}

/* "2026-12-06T20:30:20Z" as "2026-12-06 20:30" into out. */
static const char *s_when(const char *iso, char *out, size_t outlen)
{
    snprintf(out, outlen, "%.10s %.5s", iso ? iso : "", iso && strlen(iso) > 11 ? iso + 11 : "");
    return out;
}

/* A confidence as people read it: two decimals. */
static const char *s_sure(const char *v, char *out, size_t outlen)
{
    snprintf(out, outlen, "%.2f", v ? strtod(v, NULL) : 0.0);
    return out;
}

/* The decisions of the feature (d[0]) and of the features merged into it (d[1..n), named in
   the aliases result): what joined each mention, with its scores. */
static void s_decisions(cs_buf_t *b, PGresult *const *d, int n, const PGresult *aliases)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += PQntuples(d[i]);
    cs_html(b,
            "<section id=\"decisions\"><h2>Why these mentions joined it: match decisions "
            "(%d)</h2>",
            total);
    if (total == 0) {
        cs_html_raw(b, "<p class=\"muted\">None recorded.</p></section>");
        return;
    }
    cs_html_raw(b, "<table><thead><tr><th>Decided</th><th>Call</th><th>Extracted as</th>"
                   "<th>Action</th><th>Scores</th><th>Runner-up</th><th>Candidates</th>"
                   "<th>Reasoning</th></tr></thead><tbody>");
    for (int i = 0; i < n; i++) {
        for (int r = 0; r < PQntuples(d[i]); r++) {
            char when[32], sure[32];
            cs_html(b,
                    "<tr class=\"decision\"><td class=\"small nowrap\">%s</td><td>%s</td>"
                    "<td>%s",
                    s_when(s_v(d[i], r, 0), when, sizeof when), s_v(d[i], r, 1), s_v(d[i], r, 6));
            if (i > 0)
                cs_html(b, "<div class=\"muted small\">under '%s', merged into this one</div>",
                        PQgetvalue(aliases, i - 1, 1));
            cs_html(b,
                    "</td><td>%s by %s, %s sure</td><td class=\"small\">%s</td>"
                    "<td class=\"small\">%s</td><td class=\"small\">%s</td>"
                    "<td class=\"small\">%s</td></tr>",
                    s_v(d[i], r, 2), s_v(d[i], r, 3), s_sure(s_v(d[i], r, 4), sure, sizeof sure),
                    s_v(d[i], r, 7), s_v(d[i], r, 9), s_v(d[i], r, 10), s_v(d[i], r, 8));
        }
    }
    cs_html_raw(b, "</tbody></table></section>");
}

static void s_history(cs_web_req_t *req, cs_buf_t *b, const char *feature, const PGresult *h)
{
    cs_html(b, "<section id=\"history\"><h2>History (%d)</h2>", PQntuples(h));
    if (PQntuples(h) == 0) {
        cs_html_raw(b, "<p class=\"muted\">No one has changed it yet.</p></section>");
        return;
    }
    cs_html_raw(b, "<table><thead><tr><th class=\"num\">#</th><th>When</th><th>Who</th>"
                   "<th>What</th><th></th></tr></thead><tbody>");
    for (int r = 0; r < PQntuples(h); r++) {
        const char *id = PQgetvalue(h, r, 0), *action = PQgetvalue(h, r, 3);
        char when[32];
        cs_html(b,
                "<tr class=\"action\"><td class=\"num\">%s</td><td class=\"small\">%s</td>"
                "<td>%s</td><td>%s</td><td>",
                id, s_when(PQgetvalue(h, r, 1), when, sizeof when), PQgetvalue(h, r, 2),
                PQgetvalue(h, r, 5));
        bool redo_only = strcmp(action, "unmerge") == 0 || strcmp(action, "restore") == 0 ||
                         strcmp(action, "attach") == 0;
        if (!PQgetisnull(h, r, 6)) {
            cs_html(b, "<span class=\"muted small\">undone by #%s</span>", PQgetvalue(h, r, 6));
        } else if (!redo_only) {
            cs_html(b,
                    "<form class=\"undo\" method=\"post\" action=\"/actions/%s/undo\">"
                    "<input type=\"hidden\" name=\"back\" value=\"/features/%s\">",
                    id, feature);
            cs_page_csrf(req, b);
            cs_html_raw(b, "<button type=\"submit\" class=\"secondary\">Undo</button></form>");
        }
        cs_html_raw(b, "</td></tr>");
    }
    cs_html_raw(b, "</tbody></table></section>");
}

static const char *const s_statuses[] = {"new", "under-review", "planned", "shipped"};

static void s_actions(cs_web_req_t *req, cs_buf_t *b, const char *id, const parts_t *p)
{
    const PGresult *f = p->feature;
    cs_html_raw(b, "<section id=\"curate\"><h2>Correct it</h2><div class=\"actions\">");
    s_form(req, b, id, "merge", "Merge into another feature");
    cs_html_raw(b, "<select name=\"into\" required><option value=\"\">Choose the feature"
                   "</option>");
    for (int r = 0; r < PQntuples(p->targets); r++)
        cs_html(b, "<option value=\"%s\">%s (%s)</option>", PQgetvalue(p->targets, r, 0),
                PQgetvalue(p->targets, r, 1), PQgetvalue(p->targets, r, 2));
    cs_html_raw(b, "</select><button type=\"submit\" data-confirm=\"Merge this feature into the "
                   "chosen one? Its mentions move there (undo puts them back).\">Merge</button>"
                   "</form>");
    s_form(req, b, id, "rename", "Rename");
    cs_html(b,
            "<input type=\"text\" name=\"name\" value=\"%s\" maxlength=\"300\" required>"
            "<button type=\"submit\">Rename</button></form>",
            s_v(f, 0, F_NAME));
    s_form(req, b, id, "move", "Move to a theme");
    cs_html_raw(b, "<select name=\"theme\">");
    for (int r = 0; r < PQntuples(p->themes); r++) {
        const char *t = PQgetvalue(p->themes, r, 0), *cur = s_v(f, 0, F_THEME);
        cs_html(b, "<option value=\"%s\"%s>%s</option>", t,
                cur && strcmp(cur, t) == 0 ? " selected" : "", t);
    }
    cs_html_raw(b, "</select><button type=\"submit\">Move</button></form>");
    s_form(req, b, id, "status", "Set the status");
    cs_html_raw(b, "<select name=\"status\">");
    for (size_t i = 0; i < sizeof s_statuses / sizeof s_statuses[0]; i++)
        cs_html(b, "<option value=\"%s\"%s>%s</option>", s_statuses[i],
                strcmp(s_statuses[i], s_v(f, 0, F_STATUS)) == 0 ? " selected" : "", s_statuses[i]);
    cs_html_raw(b, "</select><button type=\"submit\">Set</button></form>");
    s_form(req, b, id, "describe", "Description");
    cs_html(b,
            "<textarea name=\"description\" maxlength=\"4000\">%s</textarea>"
            "<button type=\"submit\">Save</button></form>",
            s_v(f, 0, F_DESC));
    if (strcmp(s_v(f, 0, F_STATUS), "rejected") != 0) {
        s_form(req, b, id, "reject", "Reject: not a request to act on");
        cs_html_raw(b, "<input type=\"text\" name=\"reason\" maxlength=\"1000\" required "
                       "placeholder=\"why (e.g. a buying step, not a feature)\">"
                       "<button type=\"submit\" class=\"danger\">Reject</button></form>");
    }
    cs_html_raw(b, "</div></section>");
}

/* The decisions of feature id and of its first ALIASES_DECIDED aliases into p: 0, or -1 after an
   error page. */
static int s_all_decisions(cs_web_req_t *req, cs_web_resp_t *resp, const char *id, parts_t *p)
{
    int n = PQntuples(p->aliases) < ALIASES_DECIDED ? PQntuples(p->aliases) : ALIASES_DECIDED;
    for (int i = 0; i <= n; i++) {
        const char *params[] = {i == 0 ? id : PQgetvalue(p->aliases, i - 1, 0), "false"};
        p->decisions[i] = cs_web_query(req, resp, cs_cli_decisions_sql, 2, params);
        if (!p->decisions[i])
            return -1;
        p->ndecisions = i + 1;
    }
    return 0;
}

int cs_page_feature(cs_web_req_t *req, cs_web_resp_t *resp)
{
    char id[64];
    if (!cs_web_segment(req, 1, id, sizeof id) || !cs_html_is_uuid(id))
        return cs_web_fail(req, resp, 404, "No such feature.");
    parts_t p = {0};
    const char *params[] = {id, req->ws, CS_CLI_REPORT_MIN_CONFIDENCE};
    if (cs_web_format(req)) { /* the download is the mentions */
        static const cs_web_column_t cols[] = {
            {"call_id", false},  {"quote", false},     {"speaker", false},
            {"customer", false}, {"call", false},      {"url", false},
            {"date_utc", false}, {"confidence", true}, {"merged_from", false},
        };
        PGresult *f = cs_web_query(req, resp, s_feature_sql, 3, params);
        if (f && PQntuples(f) == 0) {
            PQclear(f);
            return cs_web_fail(req, resp, 404, "No feature %s in this workspace.", id);
        }
        PGresult *m = f ? cs_web_query(req, resp, s_mentions_sql, 1, params) : NULL;
        int rc = m ? cs_web_download(req, resp, "feature-mentions", cols, 9, m) : -1;
        PQclear(m);
        PQclear(f);
        return rc;
    }
    p.feature = cs_web_query(req, resp, s_feature_sql, 3, params);
    if (p.feature && PQntuples(p.feature) == 0) {
        s_parts_clear(&p);
        return cs_web_fail(req, resp, 404, "No feature %s in workspace %s.", id, req->ws_name);
    }
    int rc = -1;
    if (p.feature && (p.mentions = cs_web_query(req, resp, s_mentions_sql, 1, params)) &&
        (p.aliases = cs_web_query(req, resp, s_aliases_sql, 1, params)) &&
        s_all_decisions(req, resp, id, &p) == 0 &&
        (p.history = cs_web_query(req, resp, cs_cli_history_sql, 1, params)) &&
        (p.targets = cs_web_query(req, resp, s_targets_sql, 2, params)) &&
        (p.themes = cs_web_query(req, resp, s_themes_sql, 1, params + 1))) {
        bool live = !s_v(p.feature, 0, F_INTO);
        cs_buf_t *b = &resp->body;
        cs_page_begin(req, resp, "features", s_v(p.feature, 0, F_NAME));
        s_banner(req, b, id, p.feature);
        s_facts(b, p.feature);
        s_aliases(b, p.aliases);
        s_mentions(req, b, id, p.mentions, p.targets, live);
        s_decisions(b, p.decisions, p.ndecisions, p.aliases);
        s_history(req, b, id, p.history);
        if (live)
            s_actions(req, b, id, &p);
        cs_page_end(req, resp);
        rc = 0;
    }
    s_parts_clear(&p);
    return rc;
}
