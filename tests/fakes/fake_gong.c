/*  fake_gong: see fake_gong.h. One thread per connection (libmicrohttpd); all shared state sits
    behind one mutex. Fixtures are deep copies that never change once added, so answers are
    built from them under the lock and serialised outside it. */
#define _GNU_SOURCE /* asprintf */
#include "fake_gong.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "fake_gong_forms.h"
#include "fake_http.h"

#define PATH_EXTENSIVE  "/v2/calls/extensive"
#define PATH_TRANSCRIPT "/v2/calls/transcript"

typedef struct {
    int64_t started_ms;
    char *workspace; /* metaData.workspaceId, NULL when absent */
    json_t *call;
    json_t *transcript; /* NULL when the call has none */
} s_fixture_t;

typedef struct s_fault {
    char *path; /* NULL matches any path */
    fake_gong_fault_t kind;
    int arg;
    struct s_fault *next;
} s_fault_t;

/* State of one request while libmicrohttpd feeds us its body. */
typedef struct {
    int64_t at_ms;
    fake_body_t in;
} s_req_t;

struct fake_gong {
    struct MHD_Daemon *daemon;
    char url[64];
    pthread_mutex_t lock;
    pthread_cond_t wake; /* signalled when stopping, to cut delays short */
    bool stopping;
    s_fixture_t *fixtures;
    size_t nfixtures;
    int page_size;
    char *basic;  /* expected "Basic base64(key:secret)", or NULL */
    char *bearer; /* expected "Bearer token", or NULL */
    s_fault_t *faults;
    fake_log_t log;
    unsigned long requests_served;
};

/* Same clock as cs_now_ms(); kept local so this library needs nothing but libc. */
static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Answers and request handling -------------------------------------------------------------- */

/* {"requestId": "..."} with a fresh id (new reference). */
static json_t *s_answer_body(fake_gong_t *fg)
{
    char rid[32];
    pthread_mutex_lock(&fg->lock);
    snprintf(rid, sizeof rid, "fake%016lx", ++fg->requests_served);
    pthread_mutex_unlock(&fg->lock);
    return json_pack("{s:s}", "requestId", rid);
}

/* Gong's error form: {"requestId": "...", "errors": [message]} (new reference). */
static json_t *s_error_body(fake_gong_t *fg, const char *message)
{
    json_t *body = s_answer_body(fg);
    json_object_set_new(body, "errors", json_pack("[s]", message));
    return body;
}

/* Queue `text` (malloc'd, taken) as the answer. */
static enum MHD_Result s_send_text(struct MHD_Connection *conn, unsigned status, char *text,
                                   int retry_after)
{
    if (!text)
        return MHD_NO;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "application/json");
    if (retry_after >= 0) {
        char value[16];
        snprintf(value, sizeof value, "%d", retry_after);
        MHD_add_response_header(resp, "Retry-After", value);
    }
    enum MHD_Result ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Announce the whole of `text` (taken) but drop the connection half-way. */
static enum MHD_Result s_send_cut(struct MHD_Connection *conn, unsigned status, char *text)
{
    struct MHD_Response *resp = fake_http_cut_response(text);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Serialise `body` (taken) and send it, mangled the way `fault` says (-1 for none). */
static enum MHD_Result s_send_json(struct MHD_Connection *conn, unsigned status, json_t *body,
                                   int fault, int retry_after)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text)
        return MHD_NO;
    if (fault == FAKE_GONG_TRUNCATED) {
        text[strlen(text) / 2] = '\0';
    } else if (fault == FAKE_GONG_MALFORMED) {
        free(text);
        text = strdup("{\"requestId\": \"x\", \"records\": {\"totalRecords\": 1,, \"calls\": [}");
    } else if (fault == FAKE_GONG_CUT) {
        return s_send_cut(conn, status, text);
    }
    return s_send_text(conn, status, text, retry_after);
}

static enum MHD_Result s_send_error(fake_gong_t *fg, struct MHD_Connection *conn, unsigned status,
                                    const char *message, int retry_after)
{
    return s_send_json(conn, status, s_error_body(fg, message), -1, retry_after);
}

/* Wait up to ms, cut short by fake_gong_stop(). */
static void s_delay(fake_gong_t *fg, int ms)
{
    fake_http_wait(&fg->lock, &fg->wake, &fg->stopping, ms);
}

/* Take the first queued fault matching path; returns false when none. */
static bool s_take_fault(fake_gong_t *fg, const char *path, fake_gong_fault_t *kind, int *arg)
{
    bool found = false;
    pthread_mutex_lock(&fg->lock);
    for (s_fault_t **pp = &fg->faults; *pp; pp = &(*pp)->next) {
        s_fault_t *f = *pp;
        if (f->path && strcmp(f->path, path) != 0)
            continue;
        *kind = f->kind;
        *arg = f->arg;
        *pp = f->next;
        free(f->path);
        free(f);
        found = true;
        break;
    }
    pthread_mutex_unlock(&fg->lock);
    return found;
}

static void s_log_request(fake_gong_t *fg, struct MHD_Connection *conn, const char *method,
                          const char *url, const s_req_t *req)
{
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    fake_log_add(&fg->log, method, url, strcspn(url, "?"), auth, req->in.body, req->in.len,
                 req->at_ms);
}

/* Does the Authorization header match what was configured? (Call with the lock held.) */
static bool s_authorized(const fake_gong_t *fg, const char *auth)
{
    if (!fg->basic && !fg->bearer)
        return true;
    if (!auth)
        return false;
    return (fg->basic && strcmp(auth, fg->basic) == 0) ||
           (fg->bearer && strcmp(auth, fg->bearer) == 0);
}

static json_t *s_records(fake_gong_t *fg, size_t total, size_t offset, size_t count)
{
    json_t *records = json_pack("{s:I, s:I, s:I}", "totalRecords", (json_int_t)total,
                                "currentPageSize", (json_int_t)count, "currentPageNumber",
                                (json_int_t)(offset / (size_t)fg->page_size));
    if (records && offset + count < total) {
        char plain[64];
        snprintf(plain, sizeof plain, FAKE_GONG_CURSOR_PREFIX "%zu", offset + count);
        char *cursor = fake_gong_base64(plain, strlen(plain));
        json_object_set_new(records, "cursor", json_string(cursor ? cursor : ""));
        free(cursor);
    }
    return records;
}

static bool s_id_listed(const json_t *ids, const char *id)
{
    size_t i;
    const json_t *v;
    json_array_foreach(ids, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), id) == 0)
            return true;
    }
    return false;
}

static bool s_matches(const s_fixture_t *fx, const fake_gong_filter_t *f)
{
    if (f->has_from && fx->started_ms < f->from_ms)
        return false;
    if (f->has_to && fx->started_ms >= f->to_ms)
        return false;
    if (f->workspace && (!fx->workspace || strcmp(fx->workspace, f->workspace) != 0))
        return false;
    if (f->ids) {
        const char *id =
            json_string_value(json_object_get(json_object_get(fx->call, "metaData"), "id"));
        if (!s_id_listed(f->ids, id))
            return false;
    }
    return true;
}

/* The extensive call as Gong would shape it for this contentSelector (new reference). */
static json_t *s_shape_call(const json_t *call, const json_t *selector)
{
    const json_t *fields = json_object_get(selector, "exposedFields");
    const char *context = json_string_value(json_object_get(selector, "context"));
    json_t *out = json_object();
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)call, key, value)
    {
        bool keep =
            strcmp(key, "metaData") == 0 ||
            (strcmp(key, "parties") == 0 && json_is_true(json_object_get(fields, "parties"))) ||
            (strcmp(key, "context") == 0 && context && strcmp(context, "Extended") == 0) ||
            (strcmp(key, "content") == 0 && json_is_object(json_object_get(fields, "content")));
        if (keep)
            json_object_set_new(out, key, json_deep_copy(value));
    }
    return out;
}

/* POST /v2/calls/extensive and /v2/calls/transcript. */
static enum MHD_Result s_calls(fake_gong_t *fg, struct MHD_Connection *conn, const json_t *body,
                               bool transcripts, int fault)
{
    fake_gong_filter_t filter;
    const char *bad = json_is_object(body) ? fake_gong_parse_filter(body, &filter)
                                           : "request body must be a JSON object";
    if (!bad && !transcripts)
        bad = fake_gong_check_selector(json_object_get(body, "contentSelector"));
    else if (!bad && json_object_get(body, "contentSelector"))
        bad = "contentSelector is not a field of this request";
    long offset = bad ? 0 : fake_gong_cursor_offset(body);
    if (!bad && offset < 0)
        bad = "cursor is invalid";
    if (bad)
        return s_send_error(fg, conn, MHD_HTTP_BAD_REQUEST, bad, -1);
    const json_t *selector = json_object_get(body, "contentSelector");

    pthread_mutex_lock(&fg->lock);
    size_t total = 0, page = (size_t)fg->page_size;
    json_t *items = json_array();
    for (size_t i = 0; i < fg->nfixtures; i++) {
        const s_fixture_t *fx = &fg->fixtures[i];
        if ((transcripts && !fx->transcript) || !s_matches(fx, &filter))
            continue;
        if (total >= (size_t)offset && total < (size_t)offset + page)
            json_array_append_new(items, transcripts ? json_deep_copy(fx->transcript)
                                                     : s_shape_call(fx->call, selector));
        total++;
    }
    pthread_mutex_unlock(&fg->lock);

    if (total == 0) {
        json_decref(items);
        return s_send_json(conn, MHD_HTTP_NOT_FOUND, s_error_body(fg, FAKE_GONG_NO_CALLS_MESSAGE),
                           fault, -1);
    }
    if ((size_t)offset >= total) {
        json_decref(items);
        return s_send_error(fg, conn, MHD_HTTP_BAD_REQUEST, "cursor is invalid", -1);
    }
    json_t *answer = s_answer_body(fg);
    json_object_set_new(answer, "records",
                        s_records(fg, total, (size_t)offset, json_array_size(items)));
    json_object_set_new(answer, transcripts ? "callTranscripts" : "calls", items);
    return s_send_json(conn, MHD_HTTP_OK, answer, fault, -1);
}

static enum MHD_Result s_answer(fake_gong_t *fg, struct MHD_Connection *conn, const char *url,
                                const char *method, s_req_t *req)
{
    s_log_request(fg, conn, method, url, req);
    char path[256];
    snprintf(path, sizeof path, "%.*s", (int)strcspn(url, "?"), url);

    fake_gong_fault_t kind;
    int arg, fault = -1;
    if (s_take_fault(fg, path, &kind, &arg)) {
        switch (kind) {
        case FAKE_GONG_STATUS:
            return s_send_error(fg, conn, (unsigned)arg, "Injected failure", -1);
        case FAKE_GONG_RATE_LIMIT:
            return s_send_error(fg, conn, MHD_HTTP_TOO_MANY_REQUESTS,
                                "You have exceeded the rate limit", arg);
        case FAKE_GONG_NO_CALLS:
            return s_send_error(fg, conn, MHD_HTTP_NOT_FOUND, FAKE_GONG_NO_CALLS_MESSAGE, -1);
        case FAKE_GONG_DELAY:
            s_delay(fg, arg);
            break;
        case FAKE_GONG_TRUNCATED:
        case FAKE_GONG_CUT:
        case FAKE_GONG_MALFORMED:
            fault = (int)kind;
            break;
        }
    }
    if (req->in.too_big)
        return s_send_error(fg, conn, MHD_HTTP_CONTENT_TOO_LARGE, "Request body is too large", -1);

    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    pthread_mutex_lock(&fg->lock);
    bool ok = s_authorized(fg, auth);
    pthread_mutex_unlock(&fg->lock);
    if (!ok)
        return s_send_error(fg, conn, MHD_HTTP_UNAUTHORIZED, "Unauthorized", -1);

    bool extensive = strcmp(path, PATH_EXTENSIVE) == 0;
    bool transcript = strcmp(path, PATH_TRANSCRIPT) == 0;
    if (!extensive && !transcript)
        return s_send_error(fg, conn, MHD_HTTP_NOT_FOUND, "Not found", -1);
    if (strcmp(method, "POST") != 0)
        return s_send_error(fg, conn, MHD_HTTP_METHOD_NOT_ALLOWED, "Method not allowed", -1);

    json_t *body = req->in.len ? json_loadb(req->in.body, req->in.len, 0, NULL) : NULL;
    enum MHD_Result ret = s_calls(fg, conn, body, transcript, fault);
    json_decref(body);
    return ret;
}

static enum MHD_Result s_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    (void)version;
    fake_gong_t *fg = cls;
    s_req_t *req = *con_cls;
    if (!req) { /* headers are in: remember when the request arrived */
        req = calloc(1, sizeof *req);
        if (!req)
            return MHD_NO;
        req->at_ms = s_now_ms();
        *con_cls = req;
        return MHD_YES;
    }
    if (*upload_size) {
        if (fake_body_add(&req->in, upload, *upload_size, FAKE_GONG_MAX_BODY) != 0)
            return MHD_NO;
        *upload_size = 0;
        return MHD_YES;
    }
    return s_answer(fg, conn, url, method, req);
}

static void s_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                        enum MHD_RequestTerminationCode code)
{
    (void)cls;
    (void)conn;
    (void)code;
    s_req_t *req = *con_cls;
    if (req) {
        fake_body_free(&req->in);
        free(req);
        *con_cls = NULL;
    }
}

/* Listen on 127.0.0.1 and a port the kernel picks. */
static int s_listen(fake_gong_t *fg)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    fg->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC, 0, NULL,
        NULL, s_handler, fg, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_NOTIFY_COMPLETED, s_completed, fg, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
        MHD_OPTION_END);
    if (!fg->daemon)
        return -1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(fg->daemon, MHD_DAEMON_INFO_BIND_PORT);
    if (!info || info->port == 0)
        return -1;
    snprintf(fg->url, sizeof fg->url, "http://127.0.0.1:%u", (unsigned)info->port);
    return 0;
}

/* Public API ------------------------------------------------------------------------------- */

fake_gong_t *fake_gong_start(void)
{
    fake_gong_t *fg = calloc(1, sizeof *fg);
    if (!fg)
        return NULL;
    pthread_mutex_init(&fg->lock, NULL);
    fake_log_init(&fg->log);
    fake_http_cond_init(&fg->wake);
    fg->page_size = 100;
    if (s_listen(fg)) {
        fake_gong_stop(&fg);
        return NULL;
    }
    return fg;
}

void fake_gong_stop(fake_gong_t **fg_p)
{
    if (!fg_p || !*fg_p)
        return;
    fake_gong_t *fg = *fg_p;
    pthread_mutex_lock(&fg->lock);
    fg->stopping = true;
    pthread_cond_broadcast(&fg->wake);
    pthread_mutex_unlock(&fg->lock);
    if (fg->daemon)
        MHD_stop_daemon(fg->daemon);
    for (size_t i = 0; i < fg->nfixtures; i++) {
        free(fg->fixtures[i].workspace);
        json_decref(fg->fixtures[i].call);
        json_decref(fg->fixtures[i].transcript);
    }
    free(fg->fixtures);
    while (fg->faults) {
        s_fault_t *next = fg->faults->next;
        free(fg->faults->path);
        free(fg->faults);
        fg->faults = next;
    }
    fake_log_destroy(&fg->log);
    free(fg->basic);
    free(fg->bearer);
    pthread_cond_destroy(&fg->wake);
    pthread_mutex_destroy(&fg->lock);
    free(fg);
    *fg_p = NULL;
}

const char *fake_gong_url(fake_gong_t *fg)
{
    return fg->url;
}

int fake_gong_add_call(fake_gong_t *fg, const json_t *call, const json_t *transcript)
{
    int64_t started_ms;
    const json_t *meta = json_object_get(call, "metaData");
    if (!json_is_string(json_object_get(meta, "id")) || fake_gong_started_ms(call, &started_ms))
        return -1;
    const char *ws = json_string_value(json_object_get(meta, "workspaceId"));
    s_fixture_t fx = {.started_ms = started_ms,
                      .workspace = ws ? strdup(ws) : NULL,
                      .call = json_deep_copy(call),
                      .transcript = transcript ? json_deep_copy(transcript) : NULL};
    pthread_mutex_lock(&fg->lock);
    s_fixture_t *grown = realloc(fg->fixtures, (fg->nfixtures + 1) * sizeof *grown);
    if (grown) {
        /* keep the fixtures ordered by start (stable for equal starts), as Gong pages them */
        size_t at = fg->nfixtures;
        while (at > 0 && grown[at - 1].started_ms > started_ms)
            at--;
        memmove(grown + at + 1, grown + at, (fg->nfixtures - at) * sizeof *grown);
        grown[at] = fx;
        fg->fixtures = grown;
        fg->nfixtures++;
    }
    pthread_mutex_unlock(&fg->lock);
    if (!grown) {
        free(fx.workspace);
        json_decref(fx.call);
        json_decref(fx.transcript);
        return -1;
    }
    return 0;
}

long fake_gong_load_jsonl(fake_gong_t *fg, const char *path, char *err, size_t errlen)
{
    FILE *in = fopen(path, "r");
    if (!in) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    long added = 0, lineno = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, in)) >= 0) {
        lineno++;
        if (strspn(line, " \t\r\n") == (size_t)n)
            continue;
        json_error_t jerr;
        json_t *call = json_loadb(line, (size_t)n, 0, &jerr);
        json_t *shallow = json_is_object(call) ? json_copy(call) : NULL;
        if (shallow)
            json_object_del(shallow, "transcript");
        int rc =
            shallow ? fake_gong_add_call(fg, shallow, json_object_get(call, "transcript")) : -1;
        json_decref(shallow);
        json_decref(call);
        if (rc) {
            snprintf(err, errlen, "%s:%ld: not a Gong call with metaData.id and started", path,
                     lineno);
            added = -1;
            break;
        }
        added++;
    }
    free(line);
    fclose(in);
    return added;
}

void fake_gong_set_page_size(fake_gong_t *fg, int n)
{
    pthread_mutex_lock(&fg->lock);
    fg->page_size = n < 1 ? 1 : n;
    pthread_mutex_unlock(&fg->lock);
}

void fake_gong_set_credentials(fake_gong_t *fg, const char *key, const char *secret)
{
    char *header = NULL;
    if (key) {
        char *pair = NULL;
        if (asprintf(&pair, "%s:%s", key, secret ? secret : "") >= 0) {
            char *b64 = fake_gong_base64(pair, strlen(pair));
            if (b64 && asprintf(&header, "Basic %s", b64) < 0)
                header = NULL;
            free(b64);
            free(pair);
        }
    }
    pthread_mutex_lock(&fg->lock);
    free(fg->basic);
    fg->basic = header;
    pthread_mutex_unlock(&fg->lock);
}

void fake_gong_set_bearer(fake_gong_t *fg, const char *token)
{
    char *header = NULL;
    if (token && asprintf(&header, "Bearer %s", token) < 0)
        header = NULL;
    pthread_mutex_lock(&fg->lock);
    free(fg->bearer);
    fg->bearer = header;
    pthread_mutex_unlock(&fg->lock);
}

int fake_gong_inject(fake_gong_t *fg, const char *path, fake_gong_fault_t fault, int arg)
{
    s_fault_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->path = path ? strdup(path) : NULL;
    f->kind = fault;
    f->arg = arg;
    pthread_mutex_lock(&fg->lock);
    s_fault_t **pp = &fg->faults;
    while (*pp)
        pp = &(*pp)->next;
    *pp = f;
    pthread_mutex_unlock(&fg->lock);
    return 0;
}

size_t fake_gong_pending_faults(fake_gong_t *fg)
{
    size_t n = 0;
    pthread_mutex_lock(&fg->lock);
    for (const s_fault_t *f = fg->faults; f; f = f->next)
        n++;
    pthread_mutex_unlock(&fg->lock);
    return n;
}

size_t fake_gong_request_count(fake_gong_t *fg)
{
    return fake_log_count(&fg->log, NULL);
}

size_t fake_gong_count(fake_gong_t *fg, const char *path)
{
    return fake_log_count(&fg->log, path);
}

const fake_gong_request_t *fake_gong_request(fake_gong_t *fg, size_t i)
{
    return fake_log_get(&fg->log, i);
}

const fake_gong_request_t *fake_gong_last_request(fake_gong_t *fg, const char *path)
{
    return fake_log_last(&fg->log, path);
}

void fake_gong_clear_requests(fake_gong_t *fg)
{
    fake_log_clear(&fg->log);
}
