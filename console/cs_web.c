/*  The page API of cs_web.h: arguments, messages, redirects, error pages, queries, the layout
    every page shares, and downloads. */
#include "cs_serve_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_cli_table.h"
#include "cs_log.h"

/* ---- arguments ---- */

bool cs_web_args_add(cs_web_args_t *a, const char *name, size_t namelen, const char *value,
                     size_t valuelen)
{
    if (a->n >= sizeof a->v / sizeof a->v[0])
        return false;
    char *n = strndup(name, namelen), *v = strndup(value ? value : "", value ? valuelen : 0);
    if (!n || !v) {
        free(n);
        free(v);
        return false;
    }
    a->v[a->n].name = n;
    a->v[a->n].value = v;
    a->n++;
    return true;
}

static int s_hexval(char c)
{
    return isdigit((unsigned char)c)    ? c - '0'
           : isxdigit((unsigned char)c) ? (tolower(c) - 'a' + 10)
                                        : -1;
}

/* Decode a form component in place ('+' is a space, %XX a byte); its new length. */
static size_t s_decode(char *s, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '+') {
            s[o++] = ' ';
        } else if (s[i] == '%' && i + 2 < len + 0 && s_hexval(s[i + 1]) >= 0 &&
                   s_hexval(s[i + 2]) >= 0) {
            s[o++] = (char)(s_hexval(s[i + 1]) * 16 + s_hexval(s[i + 2]));
            i += 2;
        } else {
            s[o++] = s[i];
        }
    }
    return o;
}

void cs_web_args_parse(cs_web_args_t *a, const char *text, size_t len)
{
    char *copy = strndup(text, len);
    if (!copy)
        return;
    char *save = NULL;
    for (char *pair = strtok_r(copy, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(pair, '=');
        size_t nlen = eq ? (size_t)(eq - pair) : strlen(pair);
        nlen = s_decode(pair, nlen);
        size_t vlen = eq ? s_decode(eq + 1, strlen(eq + 1)) : 0;
        if (nlen > 0 && !cs_web_args_add(a, pair, nlen, eq ? eq + 1 : NULL, vlen))
            break;
    }
    free(copy);
}

void cs_web_args_free(cs_web_args_t *a)
{
    for (size_t i = 0; i < a->n; i++) {
        free(a->v[i].name);
        free(a->v[i].value);
    }
    a->n = 0;
}

/* value with white space trimmed in place; NULL when blank. */
static const char *s_trimmed(char *value)
{
    while (isspace((unsigned char)*value))
        value++;
    size_t n = strlen(value);
    while (n > 0 && isspace((unsigned char)value[n - 1]))
        value[--n] = '\0';
    return n ? value : NULL;
}

const char *cs_web_arg(const cs_web_req_t *req, const char *name)
{
    for (size_t i = 0; req->args && i < req->args->n; i++)
        if (strcmp(req->args->v[i].name, name) == 0) {
            const char *v = s_trimmed(req->args->v[i].value);
            if (v)
                return v;
        }
    return NULL;
}

int cs_web_arg_all(const cs_web_req_t *req, const char *name, const char **out, int max)
{
    int n = 0;
    for (size_t i = 0; req->args && i < req->args->n && n < max; i++)
        if (strcmp(req->args->v[i].name, name) == 0) {
            const char *v = s_trimmed(req->args->v[i].value);
            if (v)
                out[n++] = v;
        }
    return n;
}

bool cs_web_segment(const cs_web_req_t *req, int index, char *out, size_t outlen)
{
    const char *p = req->path;
    for (int i = 0; *p; i++) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        if (n == 0)
            break;
        if (i == index) {
            if (n >= outlen)
                return false;
            memcpy(out, p, n);
            out[n] = '\0';
            return true;
        }
        p += n;
    }
    return false;
}

/* ---- messages, redirects, failures ---- */

void cs_web_flash(cs_web_req_t *req, bool error, const char *fmt, ...)
{
    cs_serve_session_t *s = req->session;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->next_flash, sizeof s->next_flash, fmt, ap);
    va_end(ap);
    s->next_flash_error = error;
}

bool cs_web_flashed(const cs_web_req_t *req)
{
    const cs_serve_session_t *s = req->session;
    return s->next_flash[0] != '\0';
}

void cs_web_redirect(cs_web_resp_t *resp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(resp->location, sizeof resp->location, fmt, ap);
    va_end(ap);
    resp->status = 303;
}

int cs_web_fail(cs_web_req_t *req, cs_web_resp_t *resp, unsigned status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cs_buf_clear(&resp->body);
    resp->filename[0] = '\0';
    resp->location[0] = '\0';
    resp->type = NULL;
    const char *title = status == 404   ? "Not found"
                        : status >= 500 ? "Something failed"
                                        : "Not done";
    cs_page_begin(req, resp, "", title);
    cs_html(&resp->body, "<div class=\"flash error\" id=\"failure\">%s</div>", msg);
    cs_page_end(req, resp);
    resp->status = status;
    return -1;
}

PGresult *cs_web_query(cs_web_req_t *req, cs_web_resp_t *resp, const char *sql, int nparams,
                       const char *const *params)
{
    char err[512];
    PGresult *res = cs_db_exec(req->db, sql, nparams, params, err, sizeof err);
    if (!res) {
        cs_warn("console: %s %s: query failed: %s", req->method, req->path, err);
        cs_web_fail(req, resp, 500,
                    "The database did not answer this page's query (the console's log says why). "
                    "Try again in a moment.");
    }
    return res;
}

/* ---- the layout ---- */

static const struct {
    const char *id, *path, *label;
} s_nav[] = {
    {"features", "/features", "Features"},    {"review", "/review", "Review queue"},
    {"trends", "/trends", "Trends"},          {"themes", "/themes", "Themes"},
    {"customers", "/customers", "Customers"}, {"calls", "/calls", "Calls"},
};

void cs_page_money(cs_buf_t *b, const char *amount)
{
    const char *a = amount ? amount : "0";
    size_t digits = strspn(a, "0123456789");
    cs_buf_add(b, "$", 1);
    for (size_t i = 0; i < digits; i++) {
        cs_buf_add(b, a + i, 1);
        if ((digits - i - 1) % 3 == 0 && i + 1 < digits)
            cs_buf_add(b, ",", 1);
    }
    const char *cents = a + digits;
    if (cents[0] == '.' && strspn(cents + 1, "0") != strlen(cents + 1))
        cs_html_text(b, cents);
}

void cs_page_csrf(cs_web_req_t *req, cs_buf_t *b)
{
    cs_html(b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", req->csrf ? req->csrf : "");
}

/* The workspace switcher, when there is more than one workspace. */
static void s_workspaces(cs_web_req_t *req, cs_buf_t *b)
{
    if (!req->db)
        return;
    char err[256];
    PGresult *res =
        cs_db_exec(req->db, "SELECT id, name FROM workspaces ORDER BY lower(name), id LIMIT 200", 0,
                   NULL, err, sizeof err);
    if (res && PQntuples(res) > 1) {
        cs_html_raw(b, "<form id=\"workspace\" method=\"get\" action=\"/features\">"
                       "<select name=\"ws\" aria-label=\"Workspace\">");
        for (int r = 0; r < PQntuples(res); r++)
            cs_html(b, "<option value=\"%s\"%s>%s</option>", PQgetvalue(res, r, 0),
                    strcmp(PQgetvalue(res, r, 0), req->ws) == 0 ? " selected" : "",
                    PQgetvalue(res, r, 1));
        cs_html_raw(b, "</select><button type=\"submit\">Switch</button></form>");
    }
    PQclear(res);
}

void cs_page_begin(cs_web_req_t *req, cs_web_resp_t *resp, const char *nav, const char *title)
{
    cs_buf_t *b = &resp->body;
    cs_html(b,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<title>%s · callsift</title><link rel=\"stylesheet\" href=\"/static/console.css\">"
            "<script src=\"/static/console.js\" defer></script></head><body>"
            "<header><a class=\"brand\" href=\"/features\">callsift</a><nav>",
            title);
    for (size_t i = 0; i < sizeof s_nav / sizeof s_nav[0]; i++)
        cs_html(b, "<a id=\"nav-%s\" href=\"%s\" class=\"%s\">%s</a>", s_nav[i].id, s_nav[i].path,
                strcmp(nav, s_nav[i].id) == 0 ? "active" : "", s_nav[i].label);
    cs_html_raw(b, "</nav><div class=\"who\">");
    if (req->ws_name[0])
        cs_html(b, "<span class=\"ws\">%s</span>", req->ws_name);
    s_workspaces(req, b);
    cs_html(b, "<span class=\"user\">%s</span>", req->user);
    cs_serve_session_t *s = req->session;
    if (!s->bearer) {
        cs_html_raw(b, "<form id=\"logout\" method=\"post\" action=\"/logout\">");
        cs_page_csrf(req, b);
        cs_html_raw(b, "<button type=\"submit\" class=\"link\">Log out</button></form>");
    }
    cs_html_raw(b, "</div></header><main>");
    if (s->flash[0])
        cs_html(b, "<div class=\"flash %s\" role=\"status\">%s</div>",
                s->flash_error ? "error" : "ok", s->flash);
    cs_html(b, "<h1>%s</h1>", title);
}

void cs_page_end(cs_web_req_t *req, cs_web_resp_t *resp)
{
    cs_html(&resp->body, "</main><footer>callsift console · dates in %s</footer></body></html>\n",
            req->ws_zone[0] ? req->ws_zone : "UTC");
}

void cs_page_downloads(cs_web_req_t *req, cs_buf_t *b)
{
    const char *q = req->view_query ? req->view_query : "";
    cs_html_raw(b, "<p class=\"downloads\">Download this view: ");
    cs_html(b, "<a id=\"download-csv\" href=\"%s?%s%sformat=csv\">CSV</a> · ", req->path, q,
            q[0] ? "&" : "");
    cs_html(b, "<a id=\"download-markdown\" href=\"%s?%s%sformat=markdown\">Markdown</a></p>",
            req->path, q, q[0] ? "&" : "");
}

/* ---- downloads ---- */

const char *cs_web_format(const cs_web_req_t *req)
{
    const char *f = cs_web_arg(req, "format");
    return f && (strcmp(f, "csv") == 0 || strcmp(f, "markdown") == 0) ? f : NULL;
}

int cs_web_download(cs_web_req_t *req, cs_web_resp_t *resp, const char *base,
                    const cs_web_column_t *cols, int ncols, const PGresult *res)
{
    const char *f = cs_web_format(req);
    if (!f || ncols != PQnfields(res) || ncols > 64)
        return cs_web_fail(req, resp, 400, "no download of this view in that format");
    cs_cli_column_t cc[64];
    for (int i = 0; i < ncols; i++)
        cc[i] =
            (cs_cli_column_t){cols[i].name, cols[i].number ? CS_CLI_COL_DECIMAL : CS_CLI_COL_TEXT};
    bool csv = strcmp(f, "csv") == 0;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    char err[256];
    int rc = out ? cs_cli_print(out, csv ? CS_CLI_FORMAT_CSV_SHEET : CS_CLI_FORMAT_MARKDOWN, cc,
                                ncols, res, err, sizeof err)
                 : -1;
    if (out)
        fclose(out);
    if (rc == 0)
        cs_buf_add(&resp->body, text, len);
    free(text);
    if (rc != 0)
        return cs_web_fail(req, resp, 500, "could not write the download");
    resp->type = csv ? "text/csv; charset=utf-8" : "text/markdown; charset=utf-8";
    snprintf(resp->filename, sizeof resp->filename, "%s.%s", base, csv ? "csv" : "md");
    return 0;
}
