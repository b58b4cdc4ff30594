/*  `callsift serve`: libmicrohttpd on a pool of threads, each with its own PostgreSQL connection.
    A request goes: static assets (no login needed) -> who is it (a bearer token, or a session
    cookie; else the login page with 401) -> a POST from a session must carry the session's
    CSRF token (else 403, nothing done) -> the worker's connection, up -> the workspace shown
    -> the route's handler -> the response with the console's security headers.
    A slow or abusive client cannot starve the others: the pool's threads multiplex their
    connections with poll(), an idle connection is closed after CONN_IDLE_S, a client holds at
    most PER_IP connections and a request body at most BODY_MAX bytes, and a query runs at most
    STATEMENT_TIMEOUT (PGOPTIONS) before PostgreSQL cancels it. */
#include "cs_serve.h"
#include "cs_serve_internal.h"
#include "cs_assets.h"
#include "cs_pages.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cs_listen.h"
#include "cs_log.h"
#include "cs_util.h"

#define LISTEN_DEFAULT    "127.0.0.1:8080"
#define BODY_MAX          (256u << 10)
#define CONN_IDLE_S       30
#define CONN_MAX          256
#define PER_IP            32
#define STATEMENT_TIMEOUT "-c statement_timeout=15000"

const cs_option_t cs_cli_serve_options[] = {
    {"listen", "CALLSIFT_UI_LISTEN", CS_OPT_STRING, LISTEN_DEFAULT,
     "address and port to serve on, HOST:PORT ([v6]:PORT; port 0 picks a free one)", 0},
    {"ui-token", "CALLSIFT_UI_TOKEN", CS_OPT_STRING, NULL,
     "the token people log in with and API clients send as 'Authorization: Bearer TOKEN' (at "
     "least 16 characters; CALLSIFT_UI_TOKEN_FILE names a file holding it); required",
     CS_OPT_SECRET},
    {"workspace-id", NULL, CS_OPT_STRING, NULL,
     "the workspace shown first (default: the one with the most features); the page's "
     "switcher changes it",
     0},
    {"threads", "CALLSIFT_UI_THREADS", CS_OPT_INT, "4",
     "worker threads, each with its own database connection", CS_OPT_POSITIVE},
    {"session-hours", NULL, CS_OPT_INT, "12", "how long a login lasts", CS_OPT_POSITIVE},
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};

const cs_route_t cs_routes[] = {
    {"GET", "/features", cs_page_features},       {"GET", "/features/*", cs_page_feature},
    {"POST", "/features/*/*", cs_action_feature}, {"POST", "/actions/*/undo", cs_action_undo},
    {"GET", "/review", cs_page_review},           {"POST", "/review", cs_action_review},
    {"GET", "/trends", cs_page_trends},           {"GET", "/themes", cs_page_themes},
    {"GET", "/customers", cs_page_customers},     {"GET", "/calls", cs_page_calls},
};
const size_t cs_routes_len = sizeof cs_routes / sizeof cs_routes[0];

static struct {
    char *db_url;
    char default_ws[CS_UUID_LEN];
} s_srv;

static pthread_key_t s_db_key; /* the worker thread's connection, closed when the thread ends */

static void s_db_close(void *db)
{
    cs_db_t *d = db;
    cs_db_destroy(&d);
}

/* One request while it arrives: the body of a POST. */
typedef struct {
    cs_buf_t body;
    bool too_big;
} conn_t;

/* ---- routing ---- */

static bool s_match(const char *pattern, const char *path)
{
    while (*pattern && *path) {
        if (*pattern == '*') {
            size_t n = strcspn(path, "/");
            if (n == 0)
                return false;
            path += n;
            pattern++;
        } else if (*pattern++ != *path++) {
            return false;
        }
    }
    return !*pattern && (!*path || strcmp(path, "/") == 0);
}

static cs_web_handler_t s_route(const char *method, const char *path, bool *other_method)
{
    *other_method = false;
    for (size_t i = 0; i < cs_routes_len; i++) {
        if (!s_match(cs_routes[i].pattern, path))
            continue;
        if (strcmp(cs_routes[i].method, method) == 0)
            return cs_routes[i].run;
        *other_method = true;
    }
    return NULL;
}

/* ---- responses ---- */

static void s_security_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; script-src 'self'; style-src 'self'; "
                            "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
                            "base-uri 'none'");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Cache-Control", "no-store");
}

/* Queue resp (its body is taken), with cookie (a Set-Cookie value, or NULL). */
static enum MHD_Result s_send(struct MHD_Connection *conn, cs_web_resp_t *resp, const char *cookie,
                              const char *cookie2, const char *message)
{
    size_t len = resp->body.len;
    char *body = cs_buf_take(&resp->body);
    if (!body) {
        static const char oom[] = "the page was too large or memory ran out\n";
        body = strdup(oom);
        len = body ? strlen(body) : 0;
        resp->status = 500;
        resp->type = "text/plain; charset=utf-8";
        resp->location[0] = resp->filename[0] = '\0';
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, body ? body : (char *)"", body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    s_security_headers(r);
    MHD_add_response_header(r, "Content-Type",
                            resp->type ? resp->type : "text/html; charset=utf-8");
    if (resp->location[0])
        MHD_add_response_header(r, "Location", resp->location);
    if (resp->filename[0]) {
        char disp[200];
        snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", resp->filename);
        MHD_add_response_header(r, "Content-Disposition", disp);
    }
    if (cookie)
        MHD_add_response_header(r, "Set-Cookie", cookie);
    if (cookie2)
        MHD_add_response_header(r, "Set-Cookie", cookie2);
    if (message && message[0]) {
        char clean[CS_SERVE_FLASH_MAX];
        snprintf(clean, sizeof clean, "%s", message);
        for (char *p = clean; *p; p++)
            if ((unsigned char)*p < 0x20)
                *p = ' ';
        MHD_add_response_header(r, "X-Callsift-Message", clean);
    }
    if (resp->status == 401)
        MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"callsift\"");
    enum MHD_Result ret = MHD_queue_response(conn, resp->status ? resp->status : 200, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result s_plain(struct MHD_Connection *conn, unsigned status, const char *type,
                               const char *text)
{
    cs_web_resp_t resp = {.status = status, .type = type, .body = {.max = CS_WEB_BODY_MAX}};
    cs_buf_add(&resp.body, text, strlen(text));
    return s_send(conn, &resp, NULL, NULL, NULL);
}

/* ---- the database and the workspace ---- */

/* The worker's connection, up; NULL when PostgreSQL cannot be reached now. */
static cs_db_t *s_db(void)
{
    char err[512];
    cs_db_t *db = pthread_getspecific(s_db_key);
    if (!db) {
        db = cs_db_connect(s_srv.db_url, 1, err, sizeof err);
        if (!db)
            cs_log_limited("console-db", CS_LOG_WARNING, "console: %s", err);
        else if (pthread_setspecific(s_db_key, db) != 0)
            cs_db_destroy(&db);
        return db;
    }
    return cs_db_ensure(db, 1) == 0 ? db : NULL;
}

/* The workspace the request shows: ?ws=, the session's, --workspace-id, or the one with the
   most features. */
static void s_workspace(cs_web_req_t *req)
{
    cs_serve_session_t *s = req->session;
    const char *want = cs_web_arg(req, "ws");
    if (!want && s && s->ws[0])
        want = s->ws;
    if (!want && s_srv.default_ws[0])
        want = s_srv.default_ws;
    const char *params[] = {want && cs_html_is_uuid(want) ? want : NULL};
    char err[256];
    PGresult *res = NULL;
    if (params[0])
        res = cs_db_exec(req->db, "SELECT id, name, time_zone FROM workspaces WHERE id = $1", 1,
                         params, err, sizeof err);
    if (!res || PQntuples(res) == 0) {
        PQclear(res);
        res = cs_db_exec(
            req->db,
            "SELECT w.id, w.name, w.time_zone FROM workspaces w ORDER BY (SELECT count(*) FROM"
            " features f WHERE f.workspace_id = w.id) DESC, w.created_at, w.id"
            " LIMIT 1",
            0, NULL, err, sizeof err);
    }
    if (res && PQntuples(res) == 1) {
        snprintf(req->ws, sizeof req->ws, "%s", PQgetvalue(res, 0, 0));
        snprintf(req->ws_name, sizeof req->ws_name, "%s", PQgetvalue(res, 0, 1));
        snprintf(req->ws_zone, sizeof req->ws_zone, "%s", PQgetvalue(res, 0, 2));
        if (s)
            memcpy(s->ws, req->ws, sizeof s->ws);
    }
    PQclear(res);
}

/* ---- one request ---- */

static enum MHD_Result s_collect(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    cs_web_args_t *a = cls;
    cs_web_args_add(a, key, strlen(key), value, value ? strlen(value) : 0);
    return MHD_YES;
}

/* The query string of the request without format=, re-encoded, into b. */
static void s_view_query(const cs_web_args_t *a, cs_buf_t *b)
{
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->v[i].name, "format") == 0 || !a->v[i].value[0])
            continue;
        if (b->len)
            cs_buf_add(b, "&", 1);
        cs_html_url(b, a->v[i].name);
        cs_buf_add(b, "=", 1);
        cs_html_url(b, a->v[i].value);
    }
}

static const char *s_bearer(struct MHD_Connection *conn)
{
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    return h && strncasecmp(h, "Bearer ", 7) == 0 ? h + 7 : NULL;
}

/* A name to record on changes: 1 to CS_SERVE_NAME_MAX characters (UTF-8 code points, as
   PostgreSQL counts them), no control characters (it goes into log lines too). */
static bool s_name_ok(const char *name)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)(name ? name : ""); *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return false;
        chars += (*p & 0xc0) != 0x80;
    }
    return chars >= 1 && chars <= CS_SERVE_NAME_MAX;
}

/* POST /login: a session for the name given, when the token and the login nonce are right. */
static enum MHD_Result s_login(struct MHD_Connection *conn, cs_web_req_t *req)
{
    cs_web_resp_t resp = {.body = {.max = CS_WEB_BODY_MAX}};
    const char *cookie_nonce = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "cs_login");
    const char *nonce = cs_web_arg(req, "login_nonce"), *next = cs_web_arg(req, "next");
    const char *token = cs_web_arg(req, "token"), *name = cs_web_arg(req, "name");
    char fresh[CS_SERVE_SESSION_HEX + 1] = "", cookie[256];
    cs_serve_random_hex(fresh, CS_SERVE_SESSION_HEX / 2);
    snprintf(cookie, sizeof cookie, "cs_login=%s; Path=/; HttpOnly; SameSite=Strict", fresh);
    const char *why = NULL;
    if (!nonce || !cookie_nonce || !cs_serve_equal(nonce, cookie_nonce))
        why = "The login form expired: log in again.";
    else if (!cs_serve_token_ok(token))
        why = "That is not the console's token.";
    else if (!s_name_ok(name))
        why = "Give your name (up to 200 characters, no control characters): it goes on every "
              "change you make.";
    if (why) {
        cs_warn("console: a login was refused: %s", why);
        cs_serve_login_page(&resp, 401, why, next, fresh);
        return s_send(conn, &resp, cookie, NULL, NULL);
    }
    cs_serve_session_t s;
    if (!cs_serve_session_new(name, &s))
        return s_plain(conn, 500, "text/plain", "no randomness for a session\n");
    char session[256];
    snprintf(session, sizeof session,
             "cs_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d", s.id,
             cs_serve_session_seconds());
    cs_info("console: %s logged in", name);
    cs_web_redirect(&resp, "%s", cs_serve_safe_next(next));
    return s_send(conn, &resp, session, "cs_login=; Path=/; Max-Age=0", NULL);
}

/* Who is asking is unknown: the login page (401), with a nonce cookie for its form. */
static enum MHD_Result s_need_login(struct MHD_Connection *conn, const char *url, bool get)
{
    cs_web_resp_t resp = {.body = {.max = CS_WEB_BODY_MAX}};
    char nonce[CS_SERVE_SESSION_HEX + 1] = "", cookie[256];
    /* a browser keeps the nonce it has (its other requests, e.g. for a favicon, must not change
       it under an open login form) */
    const char *had = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "cs_login");
    if (had && strlen(had) == CS_SERVE_SESSION_HEX &&
        strspn(had, "0123456789abcdef") == CS_SERVE_SESSION_HEX)
        memcpy(nonce, had, sizeof nonce);
    else
        cs_serve_random_hex(nonce, CS_SERVE_SESSION_HEX / 2);
    snprintf(cookie, sizeof cookie, "cs_login=%s; Path=/; HttpOnly; SameSite=Strict", nonce);
    bool login = strcmp(url, "/login") == 0;
    cs_serve_login_page(&resp, login ? 200 : 401,
                        get || login ? NULL : "Log in first: nothing was changed.",
                        get && !login ? url : NULL, nonce);
    return s_send(conn, &resp, cookie, NULL, NULL);
}

static enum MHD_Result s_dispatch(struct MHD_Connection *conn, const char *url, const char *method,
                                  conn_t *c)
{
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    bool post = strcmp(method, "POST") == 0;
    if (strcmp(url, "/static/console.css") == 0)
        return s_plain(conn, 200, "text/css; charset=utf-8", cs_asset_css);
    if (strcmp(url, "/static/console.js") == 0)
        return s_plain(conn, 200, "text/javascript; charset=utf-8", cs_asset_js);
    if (strcmp(url, "/healthz") == 0)
        return s_plain(conn, 200, "text/plain", "ok\n");
    if (strcmp(url, "/favicon.ico") == 0)
        return s_plain(conn, 404, "text/plain", "no icon\n");
    if (!get && !post)
        return s_plain(conn, 405, "text/plain", "GET or POST only\n");
    if (c->too_big)
        return s_plain(conn, 413, "text/plain", "the form is too large\n");

    cs_web_args_t *args = calloc(1, sizeof *args);
    if (!args)
        return MHD_NO;
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, s_collect, args);
    if (post && c->body.len)
        cs_web_args_parse(args, c->body.p, c->body.len);
    cs_serve_session_t session = {.bearer = true};
    cs_web_req_t req = {
        .method = get ? "GET" : "POST", .path = url, .args = args, .session = &session};
    const char *bearer = s_bearer(conn);
    const char *sid = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "cs_session");
    enum MHD_Result ret;
    if (bearer && cs_serve_token_ok(bearer)) {
        req.user = "api";
    } else if (!bearer && sid && cs_serve_session_get(sid, &session)) {
        req.user = session.user;
        req.csrf = session.csrf;
    } else if (post && strcmp(url, "/login") == 0) {
        ret = s_login(conn, &req);
        goto done;
    } else {
        ret = s_need_login(conn, url, get);
        goto done;
    }
    if (post && !session.bearer) {
        const char *csrf = cs_web_arg(&req, "csrf");
        if (!csrf || !cs_serve_equal(csrf, session.csrf)) {
            cs_warn("console: %s %s refused: no valid CSRF token", method, url);
            ret = s_plain(conn, 403, "text/plain; charset=utf-8",
                          "refused: the form carried no valid CSRF token; nothing was changed\n");
            goto done;
        }
        if (strcmp(url, "/logout") == 0) {
            cs_serve_session_drop(session.id);
            cs_web_resp_t resp = {.body = {.max = CS_WEB_BODY_MAX}};
            cs_web_redirect(&resp, "/login");
            ret = s_send(conn, &resp, "cs_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
                         NULL, NULL);
            goto done;
        }
    }
    if (get && (strcmp(url, "/") == 0 || strcmp(url, "/login") == 0)) {
        cs_web_resp_t resp = {.body = {.max = CS_WEB_BODY_MAX}};
        cs_web_redirect(&resp, "/features");
        ret = s_send(conn, &resp, NULL, NULL, NULL);
        goto done;
    }
    const char *format = cs_web_arg(&req, "format");
    if (format && !cs_web_format(&req)) {
        ret = s_plain(conn, 400, "text/plain", "format: 'csv' or 'markdown'\n");
        goto done;
    }
    bool other_method;
    cs_web_handler_t run = s_route(req.method, url, &other_method);
    if (!run) {
        ret = other_method ? s_plain(conn, 405, "text/plain", "not with this method\n")
                           : s_plain(conn, 404, "text/plain", "no such page\n");
        goto done;
    }
    req.db = s_db();
    if (!req.db) {
        ret = s_plain(conn, 503, "text/plain; charset=utf-8",
                      "the database cannot be reached now: try again in a moment\n");
        goto done;
    }
    s_workspace(&req);
    cs_buf_t view = {.max = 8192};
    s_view_query(args, &view);
    char *view_query = cs_buf_take(&view);
    req.view_query = view_query;
    cs_web_resp_t resp = {.body = {.max = CS_WEB_BODY_MAX}};
    if (!req.ws[0] && strncmp(url, "/features", 9) == 0 && get)
        cs_web_fail(&req, &resp, 404,
                    "The database holds no workspace yet: create one with "
                    "'callsift workspace create' and run the pipeline.");
    else
        run(&req, &resp);
    free(view_query);
    char message[CS_SERVE_FLASH_MAX] = "";
    if (!session.bearer)
        cs_serve_session_put(&session);
    else
        snprintf(message, sizeof message, "%s", session.next_flash);
    ret = s_send(conn, &resp, NULL, NULL, message);
done:
    cs_web_args_free(args);
    free(args);
    return ret;
}

static enum MHD_Result s_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    (void)cls, (void)version;
    conn_t *c = *con_cls;
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c)
            return MHD_NO;
        c->body.max = BODY_MAX;
        *con_cls = c;
        return MHD_YES;
    }
    if (*upload_size) {
        cs_buf_add(&c->body, upload, *upload_size);
        c->too_big = c->too_big || c->body.failed;
        *upload_size = 0;
        return MHD_YES;
    }
    return s_dispatch(conn, url, method, c);
}

static void s_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                        enum MHD_RequestTerminationCode why)
{
    (void)cls, (void)conn, (void)why;
    conn_t *c = *con_cls;
    if (c) {
        cs_buf_free(&c->body);
        free(c);
        *con_cls = NULL;
    }
}

int cs_cli_serve(cs_cli_t *cli)
{
    const cs_config_t *cfg = cli->cfg;
    char err[512];
    if (!cs_config_is_set(cfg, "log-level"))
        cs_log_set_level(
            CS_LOG_INFO); /* the CLI's commands are quiet; a server says what it does */
    if (cs_serve_auth_init(cs_config_str(cfg, "ui-token"), (int)cs_config_int(cfg, "session-hours"),
                           err, sizeof err) != 0)
        return cs_cli_fail(cli, "%s", err);
    const char *ws = cs_config_str(cfg, "workspace-id");
    if (ws) {
        if (cs_cli_workspace(cli, s_srv.default_ws) != 0) {
            cs_serve_auth_free();
            return -1;
        }
    }
    struct sockaddr_storage addr;
    bool v6 = false;
    if (cs_listen_addr("--listen", cs_config_str(cfg, "listen"), &addr, &v6, err, sizeof err) !=
        0) {
        cs_serve_auth_free();
        return cs_cli_fail(cli, "%s", err);
    }
    /* the database must answer now: a wrong URL is said at start, not on the first page */
    if (!cs_cli_db(cli)) {
        cs_serve_auth_free();
        return -1;
    }
    s_srv.db_url = strdup(cs_config_str(cfg, "database-url"));
    /* the review page runs `callsift review` commands in this process: they find it here */
    setenv("DATABASE_URL", s_srv.db_url, 1);
    setenv("PGOPTIONS", STATEMENT_TIMEOUT, 0); /* before any worker thread exists */
    pthread_key_create(&s_db_key, s_db_close);
    cs_signals_install();
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC | (v6 ? MHD_USE_IPv6 : 0);
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, s_handler, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cs_config_int(cfg, "threads"),
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_IDLE_S, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)CONN_MAX, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)PER_IP,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128u << 10), MHD_OPTION_NOTIFY_COMPLETED,
        s_completed, NULL, MHD_OPTION_END);
    if (!d) {
        free(s_srv.db_url);
        cs_serve_auth_free();
        return cs_cli_fail(cli, "--listen: cannot serve on %s (in use, or not allowed)",
                           cs_config_str(cfg, "listen"));
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char host[128];
    snprintf(host, sizeof host, "%s", cs_config_str(cfg, "listen"));
    *strrchr(host, ':') = '\0';
    fprintf(stderr, "Console listening on http://%s:%u/\n", host, info ? info->port : 0);
    fflush(stderr);
    while (!cs_stop_requested())
        usleep(200 * 1000);
    MHD_stop_daemon(d); /* joins the workers: their connections close */
    pthread_key_delete(s_db_key);
    fprintf(stderr, "Console stopped\n");
    free(s_srv.db_url);
    cs_serve_auth_free();
    return 0;
}
