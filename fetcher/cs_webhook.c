/*  cs_webhook: see cs_webhook.h. */
#include "cs_webhook.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "cs_buf.h"
#include "cs_gongcall.h"
#include "cs_gongjwt.h"
#include "cs_listen.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_spool.h"
#include "cs_util.h"

#define REFUSALS_LOGGED_PER_MIN 20 /* refusals beyond these in a minute are only counted */

struct cs_webhook {
    struct MHD_Daemon *daemon;
    int port;
    char *path;       /* the public URL's path without a trailing '/' ("" for the root) */
    char *key;        /* NULL: no URL key */
    char *pem;        /* NULL: no JWT */
    char *signed_url; /* the URL Gong was given: the public URL, "/KEY" appended with a key */
    pthread_mutex_t lock;
    json_t *queue;  /* callData objects, oldest first */
    json_t *queued; /* metaData.id -> true, for the calls in queue */
    cs_spool_t *spool;
    json_t *spooled; /* metaData.id -> true, for the calls in the spool */
    int64_t refusals_minute;
    int refusals_logged;
};

/* One request's state, from its headers to its answer. */
typedef struct {
    cs_buf_t body;
    bool answered; /* an answer was queued at the headers: the body is drained, not kept */
    char body_sha256[CS_GONGJWT_HASH_LEN]; /* the signed token's claim, checked at the end */
} conn_t;

char *cs_webhook_read_key(const char *path, char *err, size_t errlen)
{
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f) {
        cs_fail(err, errlen, "--webhook-key-file: cannot open '%s'", path ? path : "");
        return NULL;
    }
    char line[1024];
    bool got = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    char *start = line, *end;
    if (got) {
        while (isspace((unsigned char)*start))
            start++;
        end = start + strlen(start);
        while (end > start && isspace((unsigned char)end[-1]))
            *--end = '\0';
    }
    size_t n = got ? strlen(start) : 0;
    bool ok = n >= CS_WEBHOOK_MIN_KEY;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)start[i]) || strchr("-._~", start[i]);
    char *key = ok ? strdup(start) : NULL;
    memset(line, 0, sizeof line);
    if (!key)
        cs_fail(err, errlen,
                "--webhook-key-file: '%s' must hold a key of at least %d characters of A-Z a-z "
                "0-9 - . _ ~ on its first line (e.g. openssl rand -hex 32)",
                path, CS_WEBHOOK_MIN_KEY);
    return key;
}

/* ---- answers ----------------------------------------------------------------------------- */

static void s_client(struct MHD_Connection *conn, char *out, size_t outlen)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, outlen, "?");
    if (!ci || !ci->client_addr)
        return;
    if (ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, out,
                  (socklen_t)outlen);
    else if (ci->client_addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, out,
                  (socklen_t)outlen);
}

/* Log a refusal, at most REFUSALS_LOGGED_PER_MIN a minute. */
static void s_refused(cs_webhook_t *self, struct MHD_Connection *conn, unsigned status,
                      const char *why)
{
    int64_t minute = cs_now_ms() / 60000;
    pthread_mutex_lock(&self->lock);
    if (minute != self->refusals_minute) {
        self->refusals_minute = minute;
        self->refusals_logged = 0;
    }
    bool log = self->refusals_logged++ < REFUSALS_LOGGED_PER_MIN;
    pthread_mutex_unlock(&self->lock);
    if (log) {
        char who[INET6_ADDRSTRLEN + 1];
        s_client(conn, who, sizeof who);
        cs_warn("Webhook refused (%u) from %s: %s", status, who, why);
    }
}

/* Answer `status` with {"status": text}, counted under `result`. */
static enum MHD_Result s_answer(struct MHD_Connection *conn, unsigned status, const char *text,
                                const char *result)
{
    char labels[64];
    snprintf(labels, sizeof labels, "result=\"%s\"", result);
    cs_metrics_add("callsift_webhooks_total", labels, 1);
    json_t *j = json_pack("{s:s}", "status", text);
    char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!body)
        return MHD_NO;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "application/json");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
        MHD_add_response_header(resp, "Retry-After", "60");
    enum MHD_Result ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ---- routing and authentication ---------------------------------------------------------- */

typedef enum { ROUTE_OTHER, ROUTE_BAD_KEY, ROUTE_OK } route_t;

static route_t s_route(const cs_webhook_t *self, const char *url)
{
    size_t pl = strlen(self->path);
    if (strncmp(url, self->path, pl) != 0)
        return ROUTE_OTHER;
    const char *rest = url + pl;
    if (!self->key) /* the path itself, with or without a trailing '/' */
        return (strcmp(rest, "") == 0 || strcmp(rest, "/") == 0) ? ROUTE_OK : ROUTE_OTHER;
    if (rest[0] == '\0' || strcmp(rest, "/") == 0)
        return ROUTE_BAD_KEY; /* the key is missing */
    if (rest[0] != '/')
        return ROUTE_OTHER;
    rest++;
    size_t kl = strlen(self->key), rl = strlen(rest);
    if (rl > 0 && rest[rl - 1] == '/')
        rl--;
    if (rl != kl || CRYPTO_memcmp(rest, self->key, kl) != 0)
        return ROUTE_BAD_KEY;
    return ROUTE_OK;
}

/* The delivery, authenticated: a test is logged, a call queued. */
static enum MHD_Result s_deliver(cs_webhook_t *self, struct MHD_Connection *conn, const char *body,
                                 size_t len)
{
    json_error_t jerr;
    json_t *payload = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *call = json_object_get(payload, "callData");
    char id[CS_GONGCALL_ID_LEN];
    if (!json_is_object(call) || !cs_gongcall_id(call, id, sizeof id)) {
        json_decref(payload);
        s_refused(self, conn, 400,
                  json_is_object(call) ? "callData.metaData.id is missing or unusable"
                                       : "the body is not {\"callData\": {...}, \"isTest\": ...}");
        return s_answer(conn, MHD_HTTP_BAD_REQUEST,
                        "expected {\"callData\": {\"metaData\": {\"id\": ...}}, \"isTest\": false}",
                        "invalid");
    }
    if (json_is_true(json_object_get(payload, "isTest"))) {
        cs_info("Webhook test from Gong for call %s: answered, not ingested", id);
        json_decref(payload);
        return s_answer(conn, MHD_HTTP_OK, "test received", "test");
    }
    if (cs_gongcall_is_private(call)) {
        cs_info("Webhook: call %s is private: answered, not ingested", id);
        json_decref(payload);
        return s_answer(conn, MHD_HTTP_OK, "private call, not ingested", "private");
    }
    /* a call that cannot make a record is refused now, not accepted and dropped later */
    char why[512] = "";
    json_t *rec = cs_gongcall_record(call, NULL, "00000000-0000-0000-0000-000000000000", NULL,
                                     "gong", why, sizeof why);
    json_decref(rec);
    if (!rec) {
        json_decref(payload);
        s_refused(self, conn, 400, why);
        return s_answer(conn, MHD_HTTP_BAD_REQUEST, "callData cannot make a call", "invalid");
    }
    const char *result = "accepted";
    pthread_mutex_lock(&self->lock);
    if (json_object_get(self->queued, id)) {
        result = "duplicate";
    } else if (json_array_size(self->queue) >= CS_WEBHOOK_MAX_QUEUED) {
        result = "busy";
        snprintf(why, sizeof why, "the queue of webhook calls is full");
    } else if (self->spool && cs_spool_put(self->spool, id, call, why, sizeof why) != 0) {
        result = "busy";
    } else {
        json_array_append(self->queue, call);
        json_object_set_new(self->queued, id, json_true());
        if (self->spool)
            json_object_set_new(self->spooled, id, json_true());
    }
    pthread_mutex_unlock(&self->lock);
    json_decref(payload);
    if (strcmp(result, "busy") == 0) {
        s_refused(self, conn, 503, why);
        return s_answer(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "busy, try again later", result);
    }
    if (strcmp(result, "accepted") == 0)
        cs_info("Webhook: call %s accepted", id);
    else
        cs_debug("Webhook: call %s is already queued", id);
    return s_answer(conn, MHD_HTTP_OK, result, result);
}

static enum MHD_Result s_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_size, void **con_cls)
{
    (void)version;
    cs_webhook_t *self = cls;
    conn_t *c = *con_cls;
    if (!c) { /* the headers: refuse early what needs no body */
        if (!(c = calloc(1, sizeof *c)))
            return MHD_NO;
        c->body.max = CS_WEBHOOK_MAX_BODY + 1;
        *con_cls = c;
        route_t route = s_route(self, url);
        const char *length =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        c->answered = true;
        if (route == ROUTE_OTHER)
            return s_answer(conn, MHD_HTTP_NOT_FOUND, "not found", "not_found");
        if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
            return s_answer(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "POST only", "method");
        if (route == ROUTE_BAD_KEY) {
            s_refused(self, conn, 401, "the URL key is missing or wrong");
            return s_answer(conn, MHD_HTTP_UNAUTHORIZED, "unauthorized", "unauthorized");
        }
        /* the token is checked before any body is read: an unauthenticated client cannot
           make the listener hold one */
        char why[256];
        const char *auth =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        if (self->pem && cs_gongjwt_token(self->pem, auth, self->signed_url, cs_wall_ms() / 1000,
                                          c->body_sha256, why, sizeof why) != 0) {
            s_refused(self, conn, 401, why);
            return s_answer(conn, MHD_HTTP_UNAUTHORIZED, "unauthorized", "unauthorized");
        }
        if (length && strtoull(length, NULL, 10) > CS_WEBHOOK_MAX_BODY) {
            s_refused(self, conn, 413, "the body is over the cap");
            return s_answer(conn, MHD_HTTP_CONTENT_TOO_LARGE, "body too large", "too_large");
        }
        c->answered = false;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!c->answered)
            cs_buf_add(&c->body, upload_data, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (c->answered)
        return MHD_YES;
    c->answered = true;
    if (c->body.over) {
        s_refused(self, conn, 413, "the body is over the cap");
        return s_answer(conn, MHD_HTTP_CONTENT_TOO_LARGE, "body too large", "too_large");
    }
    if (c->body.failed)
        return MHD_NO;
    const char *body = c->body.p ? c->body.p : "";
    char why[256];
    if (self->pem && cs_gongjwt_body(c->body_sha256, body, c->body.len, why, sizeof why) != 0) {
        s_refused(self, conn, 401, why);
        return s_answer(conn, MHD_HTTP_UNAUTHORIZED, "unauthorized", "unauthorized");
    }
    return s_deliver(self, conn, body, c->body.len);
}

static void s_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                        enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)conn, (void)toe;
    conn_t *c = *con_cls;
    if (c) {
        cs_buf_free(&c->body);
        free(c);
        *con_cls = NULL;
    }
}

/* ---- life -------------------------------------------------------------------------------- */

/* The path of an http(s) URL, without a trailing '/', into *path (new string). */
static int s_url_path(const char *url, char **path, char *err, size_t errlen)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *p = NULL;
    int rc = -1;
    if (u && url && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0) &&
        curl_url_get(u, CURLUPART_PATH, &p, 0) == CURLUE_OK) {
        size_t n = strlen(p);
        while (n > 0 && p[n - 1] == '/')
            p[--n] = '\0';
        *path = strdup(p);
        rc = *path ? 0 : -1;
    } else {
        cs_fail(err, errlen, "--webhook-url: '%s' is not an http(s) URL", url ? url : "(not set)");
    }
    curl_free(scheme);
    curl_free(p);
    curl_url_cleanup(u);
    return rc;
}

cs_webhook_t *cs_webhook_start(const cs_webhook_opts_t *opts, char *err, size_t errlen)
{
    if (!opts->key && !opts->public_pem) {
        cs_fail(err, errlen,
                "--webhook-listen needs --webhook-key-file or --webhook-public-key (or both): "
                "Gong's rule authenticates with a URL key or a signed JWT");
        return NULL;
    }
    struct sockaddr_storage addr;
    bool v6 = false;
    if (cs_listen_addr("--webhook-listen", opts->listen, &addr, &v6, err, errlen) != 0)
        return NULL;
    cs_webhook_t *self = calloc(1, sizeof *self);
    if (!self) {
        cs_fail(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&self->lock, NULL);
    self->queue = json_array();
    self->queued = json_object();
    if (s_url_path(opts->url, &self->path, err, errlen) != 0) {
        cs_webhook_stop(&self);
        return NULL;
    }
    if (opts->spool_dir) {
        self->spooled = json_object();
        json_t *pending = NULL;
        if (!(self->spool = cs_spool_open(opts->spool_dir, &pending, err, errlen))) {
            cs_webhook_stop(&self);
            return NULL;
        }
        size_t i;
        json_t *call;
        json_array_foreach(pending, i, call)
        {
            char id[CS_GONGCALL_ID_LEN];
            if (!cs_gongcall_id(call, id, sizeof id) || json_object_get(self->queued, id))
                continue;
            json_array_append(self->queue, call);
            json_object_set_new(self->queued, id, json_true());
            json_object_set_new(self->spooled, id, json_true());
        }
        if (json_array_size(pending) > 0)
            cs_info("Webhook spool %s: %zu calls accepted before a restart are queued again",
                    opts->spool_dir, json_array_size(self->queue));
        json_decref(pending);
    }
    self->key = opts->key ? strdup(opts->key) : NULL;
    self->pem = opts->public_pem ? strdup(opts->public_pem) : NULL;
    self->signed_url =
        opts->key ? cs_strdup_printf("%s/%s", opts->url, opts->key) : strdup(opts->url);
    if (self->key) {
        size_t n = strlen(opts->url); /* "https://h/hook/" + "/KEY": one slash */
        if (n > 0 && opts->url[n - 1] == '/') {
            free(self->signed_url);
            self->signed_url = cs_strdup_printf("%s%s", opts->url, opts->key);
        }
    }
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC | (v6 ? MHD_USE_IPv6 : 0);
    self->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, s_handler, self, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CS_WEBHOOK_IDLE_S, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)CS_WEBHOOK_MAX_CONNS, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)CS_WEBHOOK_PER_IP, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64u << 10),
        MHD_OPTION_NOTIFY_COMPLETED, s_completed, NULL, MHD_OPTION_END);
    if (!self->daemon) {
        cs_fail(err, errlen, "--webhook-listen: cannot serve on %s (in use, or not allowed)",
                opts->listen);
        cs_webhook_stop(&self);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(self->daemon, MHD_DAEMON_INFO_BIND_PORT);
    self->port = info ? info->port : 0;
    cs_info("Listening for Gong webhooks on port %d, path %s%s (%s%s%s)", self->port,
            self->path[0] ? self->path : "/", self->key ? "/<key>" : "", self->key ? "URL key" : "",
            self->key && self->pem ? " and " : "", self->pem ? "signed JWT" : "");
    return self;
}

int cs_webhook_port(const cs_webhook_t *self)
{
    return self->port;
}

json_t *cs_webhook_take(cs_webhook_t *self, size_t max)
{
    json_t *out = json_array();
    if (!out)
        return NULL;
    pthread_mutex_lock(&self->lock);
    while (json_array_size(out) < max && json_array_size(self->queue) > 0) {
        json_t *call = json_array_get(self->queue, 0);
        char id[CS_GONGCALL_ID_LEN];
        if (cs_gongcall_id(call, id, sizeof id))
            json_object_del(self->queued, id);
        json_array_append(out, call);
        json_array_remove(self->queue, 0);
    }
    pthread_mutex_unlock(&self->lock);
    return out;
}

void cs_webhook_untake(cs_webhook_t *self, const json_t *calls)
{
    pthread_mutex_lock(&self->lock);
    for (size_t i = json_array_size(calls); i-- > 0;) {
        json_t *call = json_array_get(calls, i);
        char id[CS_GONGCALL_ID_LEN];
        if (!cs_gongcall_id(call, id, sizeof id) || json_object_get(self->queued, id))
            continue;
        json_array_insert(self->queue, 0, call);
        json_object_set_new(self->queued, id, json_true());
    }
    pthread_mutex_unlock(&self->lock);
}

void cs_webhook_sweep(cs_webhook_t *self, bool (*stored)(void *arg, const char *id), void *arg)
{
    pthread_mutex_lock(&self->lock);
    const char *id;
    json_t *v, *tmp;
    json_object_foreach_safe(self->spooled, tmp, id, v)
    {
        if (stored(arg, id)) {
            cs_spool_drop(self->spool, id);
            json_object_del(self->spooled, id);
        }
    }
    pthread_mutex_unlock(&self->lock);
}

size_t cs_webhook_queued(cs_webhook_t *self)
{
    pthread_mutex_lock(&self->lock);
    size_t n = json_array_size(self->queue);
    pthread_mutex_unlock(&self->lock);
    return n;
}

size_t cs_webhook_spooled(cs_webhook_t *self)
{
    pthread_mutex_lock(&self->lock);
    size_t n = json_object_size(self->spooled);
    pthread_mutex_unlock(&self->lock);
    return n;
}

void cs_webhook_stop(cs_webhook_t **self_p)
{
    cs_webhook_t *self = self_p ? *self_p : NULL;
    if (!self)
        return;
    if (self->daemon)
        MHD_stop_daemon(self->daemon);
    json_decref(self->queue);
    json_decref(self->queued);
    json_decref(self->spooled);
    cs_spool_close(&self->spool);
    free(self->path);
    cs_free_secret(self->key);
    free(self->pem);
    cs_free_secret(self->signed_url);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}
