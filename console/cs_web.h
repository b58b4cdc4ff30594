/*  cs_web: what a console page sees. `callsift serve` (cs_serve.c) accepts the connection,
    checks the session or bearer token and, for a POST, the CSRF token, then calls the page's
    handler (cs_pages.h) with a request and an empty response. The handler reads its arguments,
    queries PostgreSQL on the worker's connection, and writes the page into resp->body with
    cs_page_begin / cs_html / cs_page_end; or, for a POST, does the change and redirects.

    Everything the handler writes is trusted markup: values from the database go through
    cs_html()'s %s (cs_html.h). Every response gets the console's security headers
    (Content-Security-Policy without inline scripts or styles, nosniff, no-store, no referrer),
    so pages use classes from /static/console.css, never style="" attributes or inline <script>. */
#ifndef CS_WEB_H
#define CS_WEB_H

#include <stdbool.h>
#include <stddef.h>

#include "cs_buf.h"
#include "cs_db.h"
#include "cs_html.h"
#include "cs_uuid.h"

/* Largest page or download a handler may build. */
#define CS_WEB_BODY_MAX (64u << 20)

typedef struct cs_web_args cs_web_args_t;

typedef struct {
    const char *method;     /* "GET" or "POST" (HEAD is answered as GET) */
    const char *path;       /* "/features/6f1c...": no query string */
    const char *user;       /* who is logged in (the name given at login; "api" for a token) */
    const char *csrf;       /* the session's CSRF token: every form carries it (cs_page_csrf) */
    cs_db_t *db;            /* the worker thread's connection (up: checked before the call) */
    char ws[CS_UUID_LEN];   /* the workspace shown ("" when the database has none) */
    char ws_name[801];      /* its name */
    char ws_zone[256];      /* its time zone ("UTC" unless set): the pages' dates are in it */
    const char *view_query; /* the request's query string without format=, for download links */
    cs_web_args_t *args;    /* query arguments (GET) or form fields (POST): cs_web_arg */
    void *session;          /* internal: the browser's session, NULL for a bearer client */
} cs_web_req_t;

typedef struct {
    unsigned status;     /* 200 unless set */
    const char *type;    /* Content-Type; "text/html; charset=utf-8" unless set */
    cs_buf_t body;       /* the page */
    char location[1024]; /* set: answer 303 See Other to it (a local path) */
    char filename[128];  /* set: a download (Content-Disposition: attachment) */
} cs_web_resp_t;

/* A page or an action: 0 after writing resp; -1 after cs_web_fail() wrote the error page. */
typedef int (*cs_web_handler_t)(cs_web_req_t *req, cs_web_resp_t *resp);

/* The first value of argument `name` with white space trimmed, or NULL when absent or blank. */
const char *cs_web_arg(const cs_web_req_t *req, const char *name);

/* Every value of argument `name` (a repeated field, e.g. checked boxes), at most max of them,
   into out; returns how many. */
int cs_web_arg_all(const cs_web_req_t *req, const char *name, const char **out, int max);

/* The path's segment `index` (0-based, "/features/ID/merge": 0 "features", 1 "ID", 2 "merge")
   copied into out; false when there is none or it does not fit. */
bool cs_web_segment(const cs_web_req_t *req, int index, char *out, size_t outlen);

/* Show `text` (a sentence, escaped when shown) on the next page this session renders: what an
   action did, or why it was refused. A bearer client gets it as the X-Callsift-Message header. */
void cs_web_flash(cs_web_req_t *req, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True when this request has set a flash message. */
bool cs_web_flashed(const cs_web_req_t *req);

/* Answer 303 See Other to a local path (printf-formatted; values must be URL-safe already,
   i.e. ids or cs_html_url output). */
void cs_web_redirect(cs_web_resp_t *resp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Write an error page with `status` (400 bad input, 404 no such thing, 500 the database) and
   the message (escaped); returns -1. */
int cs_web_fail(cs_web_req_t *req, cs_web_resp_t *resp, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Run a query on the worker's connection; NULL after writing a 500 page (the database's
   message is logged, the page says only that the query failed). */
PGresult *cs_web_query(cs_web_req_t *req, cs_web_resp_t *resp, const char *sql, int nparams,
                       const char *const *params);

/* ---- the layout ---- */

/* The page's head, the navigation bar (nav: "features", "review", "trends", "themes",
   "customers", "calls", or "" for none marked), the workspace switcher and the flash
   message; then `title` as the page's h1. */
void cs_page_begin(cs_web_req_t *req, cs_web_resp_t *resp, const char *nav, const char *title);
void cs_page_end(cs_web_req_t *req, cs_web_resp_t *resp);

/* An amount as PostgreSQL gives it ("12500.00") as people read it: "$12,500" (cents shown
   only when there are some). */
void cs_page_money(cs_buf_t *b, const char *amount);

/* <input type="hidden" name="csrf" value="..."> for a form. */
void cs_page_csrf(cs_web_req_t *req, cs_buf_t *b);

/* Links "Download CSV" and "Download Markdown" of the current view (the same arguments plus
   format=csv / format=markdown). */
void cs_page_downloads(cs_web_req_t *req, cs_buf_t *b);

/* ---- downloads ---- */

/* The format the request asks for: NULL for HTML, "csv" or "markdown" for a download (any other
   format= answers 400 in the server before the page runs). */
const char *cs_web_format(const cs_web_req_t *req);

typedef struct {
    const char *name; /* CSV header / Markdown column */
    bool number;      /* right-aligned in Markdown */
} cs_web_column_t;

/* Write the rows of res (all ncols = PQnfields columns) as the download the request asked for,
   named `base`.csv or `base`.md: 0, or -1 after an error page. */
int cs_web_download(cs_web_req_t *req, cs_web_resp_t *resp, const char *base,
                    const cs_web_column_t *cols, int ncols, const PGresult *res);

#endif
