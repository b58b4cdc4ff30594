/*  fake_openai: see fake_openai.h. One thread per connection (libmicrohttpd); all shared state
    sits behind one mutex. A request's answer is decided (pushed answer, responder or default),
    built as text, delayed, and queued; the log entry and the in-progress count are updated just
    before it is queued, so a client never sees an answer the log does not know about yet. This
    file is the server; fake_openai_int.h says where the rest is. */
#define _GNU_SOURCE /* strndup, asprintf */
#include "fake_openai_int.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "cs_util.h"
#include "fake_http.h"

typedef struct fake_pushed {
    char *path;                  /* NULL matches any path */
    fake_openai_answer_t answer; /* its strings are ours (strdup'd) */
    struct fake_pushed *next;
} s_pushed_t;

/* One request while libmicrohttpd feeds us its body. */
typedef struct {
    int64_t at_ms;
    fake_body_t in;
    bool counted;           /* still counted in progress */
    fake_request_t *logged; /* its entry in the log, or NULL */
    fake_window_t *window;  /* load mode: the limit of the model asked, or NULL */
} s_conn_t;

/* Sending ------------------------------------------------------------------------------------ */

static void s_add_headers(struct MHD_Response *resp, const fake_openai_answer_t *a)
{
    MHD_add_response_header(resp, "Content-Type", "application/json");
    if (a->retry_after)
        MHD_add_response_header(resp, "Retry-After", a->retry_after);
    if (a->retry_after_ms)
        MHD_add_response_header(resp, "retry-after-ms", a->retry_after_ms);
    if (a->reset_requests)
        MHD_add_response_header(resp, "x-ratelimit-reset-requests", a->reset_requests);
    if (a->reset_tokens)
        MHD_add_response_header(resp, "x-ratelimit-reset-tokens", a->reset_tokens);
    if (a->limit_requests)
        MHD_add_response_header(resp, "x-ratelimit-limit-requests", a->limit_requests);
    if (a->limit_tokens)
        MHD_add_response_header(resp, "x-ratelimit-limit-tokens", a->limit_tokens);
    if (a->remaining_requests)
        MHD_add_response_header(resp, "x-ratelimit-remaining-requests", a->remaining_requests);
    if (a->remaining_tokens)
        MHD_add_response_header(resp, "x-ratelimit-remaining-tokens", a->remaining_tokens);
}

/* Queue `text` (malloc'd, taken) with status and the answer's headers; when cut, announce the
   whole text but drop the connection half-way. */
static enum MHD_Result s_send(struct MHD_Connection *conn, int status, char *text, bool cut,
                              const fake_openai_answer_t *a)
{
    if (!text)
        return MHD_NO;
    size_t len = strlen(text);
    struct MHD_Response *resp = NULL;
    if (cut) {
        resp = fake_http_cut_response(text);
    } else {
        resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
        if (!resp)
            free(text);
    }
    if (!resp)
        return MHD_NO;
    s_add_headers(resp, a);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Wait up to ms, cut short by fake_openai_stop(). */
static void s_delay(fake_openai_t *f, int ms)
{
    if (ms <= 0)
        return;
    fake_http_wait(&f->lock, &f->wake, &f->stopping, ms);
}

/* Requests ----------------------------------------------------------------------------------- */

static fake_request_t *s_log_request(fake_openai_t *f, const char *path, const char *auth,
                                     const s_conn_t *c)
{
    if (!f->keep_log)
        return NULL;
    return fake_log_add(&f->log, NULL, path, strlen(path), auth, c->in.body, c->in.len, c->at_ms);
}

/* Take the first pushed answer for path into *out (its strings now the caller's). */
static bool s_take_pushed(fake_openai_t *f, const char *path, fake_openai_answer_t *out)
{
    bool found = false;
    pthread_mutex_lock(&f->lock);
    for (s_pushed_t **pp = &f->pushed; *pp; pp = &(*pp)->next) {
        s_pushed_t *p = *pp;
        if (p->path && strcmp(p->path, path) != 0)
            continue;
        *out = p->answer;
        *pp = p->next;
        free(p->path);
        free(p);
        found = true;
        break;
    }
    pthread_mutex_unlock(&f->lock);
    return found;
}

/* Note the answer in the log and the in-progress count, just before it is queued. */
static void s_answered(fake_openai_t *f, s_conn_t *c, int status)
{
    pthread_mutex_lock(&f->lock);
    if (c->logged) {
        c->logged->done_ms = cs_now_ms();
        c->logged->status = status;
    }
    if (c->counted) {
        f->in_progress--;
        c->counted = false;
    }
    pthread_mutex_unlock(&f->lock);
}

/* Use `b` for whatever `a` (a pushed DEFAULT answer) leaves unset: delay adds up. */
static void s_merge(fake_openai_answer_t *out, const fake_openai_answer_t *a,
                    const fake_openai_answer_t *b)
{
    *out = *b;
    out->delay_ms = a->delay_ms + b->delay_ms;
    if (a->retry_after)
        out->retry_after = a->retry_after;
    if (a->retry_after_ms)
        out->retry_after_ms = a->retry_after_ms;
    if (a->reset_requests)
        out->reset_requests = a->reset_requests;
    if (a->reset_tokens)
        out->reset_tokens = a->reset_tokens;
    if (a->remaining_requests)
        out->remaining_requests = a->remaining_requests;
    if (a->remaining_tokens)
        out->remaining_tokens = a->remaining_tokens;
}

static enum MHD_Result s_reply(fake_openai_t *f, struct MHD_Connection *conn, s_conn_t *c,
                               int status, char *text, bool cut, const fake_openai_answer_t *a)
{
    s_delay(f, a->delay_ms);
    s_answered(f, c, status);
    fake_openai_answer_t with = *a;
    fake_limit_headers_t h;
    if (f->load && c->window)
        fake_window_headers(f, c->window, &h, &with);
    return s_send(conn, status, text, cut, &with);
}

/* What OpenAI's strict structured outputs refuse in the schema node s, at `ctx` (a Python tuple
   of the keys that lead there, as OpenAI quotes it): an object schema without
   additionalProperties false, or whose required list misses one of its properties. The message
   (malloc'd) or NULL. Walks properties, items, anyOf and $defs, as deep as the request goes. */
static char *s_strict_fault(const char *name, const json_t *s, const char *ctx)
{
    if (!json_is_object(s))
        return NULL;
    const json_t *props = json_object_get(s, "properties");
    const char *type = json_string_value(json_object_get(s, "type"));
    if (json_is_object(props) || (type && strcmp(type, "object") == 0)) {
        if (!json_is_false(json_object_get(s, "additionalProperties")))
            return cs_strdup_printf("Invalid schema for response_format '%s': In context=%s, "
                                    "'additionalProperties' is required to be supplied and to "
                                    "be false.",
                                    name, ctx);
        const json_t *required = json_object_get(s, "required");
        const char *key;
        const json_t *sub;
        json_object_foreach((json_t *)props, key, sub)
        {
            bool listed = false;
            for (size_t i = 0; i < json_array_size(required); i++) {
                const char *r = json_string_value(json_array_get(required, i));
                listed = listed || (r && strcmp(r, key) == 0);
            }
            if (!listed)
                return cs_strdup_printf("Invalid schema for response_format '%s': In context=%s, "
                                        "'required' is required to be supplied and to be an "
                                        "array including every key in properties. Missing "
                                        "'%s'.",
                                        name, ctx, key);
        }
    }
    static const char *const NESTS[] = {"properties", "$defs"};
    for (size_t n = 0; n < 2; n++) {
        const char *key;
        const json_t *sub;
        json_object_foreach((json_t *)json_object_get(s, NESTS[n]), key, sub)
        {
            /* ('properties', 'x') from () or ('a',): the tuple grows by two keys */
            char *deeper = cs_strdup_printf("%.*s%s'%s', '%s')", (int)strlen(ctx) - 1, ctx,
                                            strcmp(ctx, "()") == 0 ? "" : " ", NESTS[n], key);
            char *fault = deeper ? s_strict_fault(name, sub, deeper) : NULL;
            free(deeper);
            if (fault)
                return fault;
        }
    }
    const json_t *items = json_object_get(s, "items");
    const json_t *any = json_object_get(s, "anyOf");
    char *fault = NULL;
    if (items) {
        char *deeper = cs_strdup_printf("%.*s%s'items')", (int)strlen(ctx) - 1, ctx,
                                        strcmp(ctx, "()") == 0 ? "" : " ");
        fault = deeper ? s_strict_fault(name, items, deeper) : NULL;
        free(deeper);
    }
    for (size_t i = 0; !fault && i < json_array_size(any); i++)
        fault = s_strict_fault(name, json_array_get(any, i), ctx);
    return fault;
}

/* The 400 message for a chat request whose response_format asks for a strict json_schema that
   OpenAI refuses (s_strict_fault), or NULL. */
static char *s_strict_refusal(const char *path, const json_t *body)
{
    const json_t *js = fake_openai_dig(body, "response_format", "json_schema", (const char *)NULL);
    if (strcmp(path, FAKE_OPENAI_CHAT_PATH) != 0 || !json_is_true(json_object_get(js, "strict")))
        return NULL;
    const char *name = json_string_value(json_object_get(js, "name"));
    return s_strict_fault(name ? name : "", json_object_get(js, "schema"), "()");
}

fake_batch_t *fake_openai_batch_state(fake_openai_t *f)
{
    return f->batch;
}

char *fake_openai_line_answer(fake_openai_t *f, const char *path, const json_t *request,
                              int *status)
{
    char *refusal = s_strict_refusal(path, request);
    if (refusal) {
        char *text = fake_openai_error_text(400, refusal, "invalid_request_error", NULL);
        free(refusal);
        *status = 400;
        return text;
    }
    fake_openai_answer_t responded = {0};
    fake_openai_responder_fn fn;
    void *arg;
    pthread_mutex_lock(&f->lock);
    fn = f->responder;
    arg = f->responder_arg;
    pthread_mutex_unlock(&f->lock);
    if (!fn || fn(arg, path, request, &responded) != 0) {
        free(responded.owned);
        memset(&responded, 0, sizeof responded);
        if (f->load && fake_load_answer(f, path, request, &responded) != 0) {
            free(responded.owned);
            memset(&responded, 0, sizeof responded);
        }
    }
    bool cut = false;
    char *text = fake_openai_build(f, path, request, &responded, status, &cut);
    free(responded.owned);
    return text;
}

static enum MHD_Result s_answer(fake_openai_t *f, struct MHD_Connection *conn, const char *url,
                                const char *method, s_conn_t *c)
{
    size_t plen = strcspn(url, "?");
    char full[512];
    snprintf(full, sizeof full, "%.*s", (int)(plen < 500 ? plen : 500), url);
    const char *path = full;
    if (strncmp(full, FAKE_OPENAI_PREFIX "/", strlen(FAKE_OPENAI_PREFIX) + 1) == 0)
        path = full + strlen(FAKE_OPENAI_PREFIX);
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    c->logged = s_log_request(f, path, auth, c);
    fake_openai_answer_t none = {0};

    if (f->load && strcmp(method, "GET") == 0 && strcmp(path, "/stats") == 0) {
        /* the load mode's counters so far, for a benchmark between its runs: no key, no limit */
        return s_reply(f, conn, c, 200, fake_openai_load_stats_json(f), false, &none);
    }
    if (c->in.too_big) {
        return s_reply(f, conn, c, 413,
                       fake_openai_error_text(413, "The request body is too large.", NULL, NULL),
                       false, &none);
    }
    char *expected = NULL;
    pthread_mutex_lock(&f->lock);
    if (f->api_key && asprintf(&expected, "Bearer %s", f->api_key) < 0)
        expected = NULL;
    bool check = f->api_key != NULL;
    pthread_mutex_unlock(&f->lock);
    if (check && (!auth || !expected || strcmp(auth, expected) != 0)) {
        free(expected);
        char message[512];
        const char *got = auth && strncmp(auth, "Bearer ", 7) == 0 ? auth + 7 : "";
        snprintf(message, sizeof message,
                 "Incorrect API key provided: %.300s. You can find your API key at "
                 "https://platform.openai.com/account/api-keys.",
                 got);
        if (!auth)
            snprintf(
                message, sizeof message,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).");
        return s_reply(f, conn, c, 401, fake_openai_error_text(401, message, NULL, NULL), false,
                       &none);
    }
    free(expected);

    if (fake_batch_path(path)) { /* a pool of its own: the load mode's limit does not apply */
        const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
        int status = 500;
        fake_batch_query_t q = {
            .limit = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit"),
            .after = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "after")};
        char *text = fake_batch_answer(f, method, path, &q, type, c->in.body, c->in.len, &status);
        return s_reply(f, conn, c, status, text, false, &none);
    }

    json_t *body = c->in.len ? json_loadb(c->in.body, c->in.len, 0, NULL) : NULL;
    if (f->load) {
        pthread_mutex_lock(&f->lock);
        c->window = fake_window_of(f->load, path, body);
        pthread_mutex_unlock(&f->lock);
    }
    if (c->window) {
        char *limited_text = NULL;
        /* what the request may spend, as admitted */
        long tokens = fake_openai_estimate_tokens(c->in.len);
        int64_t wait = fake_window_take(f, c->window, tokens, &limited_text);
        if (wait > 0) {
            char retry_after[32];
            snprintf(retry_after, sizeof retry_after, "%lld", (long long)((wait + 999) / 1000));
            json_decref(body);
            fake_openai_answer_t limited = {.retry_after = retry_after};
            return s_reply(f, conn, c, 429, limited_text, false, &limited);
        }
    }
    if (f->load && strcmp(path, FAKE_OPENAI_CHAT_PATH) != 0 &&
        strcmp(path, FAKE_OPENAI_EMBED_PATH) != 0) {
        pthread_mutex_lock(&f->lock);
        f->load->stats.other++;
        pthread_mutex_unlock(&f->lock);
    }
    char *refusal = strcmp(method, "POST") == 0 ? s_strict_refusal(path, body) : NULL;
    if (refusal) { /* refused before any answer is consumed, as OpenAI checks the schema first */
        char *text = fake_openai_error_text(400, refusal, "invalid_request_error", NULL);
        free(refusal);
        json_decref(body);
        return s_reply(f, conn, c, 400, text, false, &none);
    }
    fake_openai_answer_t pushed = {0}, responded = {0}, merged;
    bool have_pushed = s_take_pushed(f, path, &pushed);
    const fake_openai_answer_t *use = &pushed;
    int status = 0;
    bool cut = false;
    char *text = NULL;
    if (have_pushed && pushed.kind != FAKE_OPENAI_DEFAULT) {
        text = fake_openai_build(f, path, body, &pushed, &status, &cut);
    } else if (strcmp(method, "POST") != 0) {
        status = 405;
        text = fake_openai_error_text(405, "Method not allowed.", NULL, NULL);
    } else if (!json_is_object(body)) {
        status = 400;
        text =
            fake_openai_error_text(400,
                                   "We could not parse the JSON body of your request. (HINT: This "
                                   "likely means you aren't using your HTTP library correctly.)",
                                   NULL, NULL);
    } else {
        fake_openai_responder_fn fn;
        void *arg;
        pthread_mutex_lock(&f->lock);
        fn = f->responder;
        arg = f->responder_arg;
        pthread_mutex_unlock(&f->lock);
        if (!fn || fn(arg, path, body, &responded) != 0) {
            free(responded.owned);
            memset(&responded, 0, sizeof responded);
            if (f->load && fake_load_answer(f, path, body, &responded) != 0) {
                free(responded.owned);
                memset(&responded, 0, sizeof responded);
            }
        }
        s_merge(&merged, &pushed, &responded);
        use = &merged;
        text = fake_openai_build(f, path, body, use, &status, &cut);
    }
    enum MHD_Result ret = s_reply(f, conn, c, status, text, cut, use);
    json_decref(body);
    free(responded.owned);
    fake_openai_answer_free(&pushed);
    return ret;
}

static enum MHD_Result s_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    (void)version;
    fake_openai_t *f = cls;
    s_conn_t *c = *con_cls;
    if (!c) { /* headers are in: the request has arrived */
        c = calloc(1, sizeof *c);
        if (!c)
            return MHD_NO;
        c->at_ms = cs_now_ms();
        c->counted = true;
        pthread_mutex_lock(&f->lock);
        if (++f->in_progress > f->max_in_progress)
            f->max_in_progress = f->in_progress;
        pthread_mutex_unlock(&f->lock);
        *con_cls = c;
        return MHD_YES;
    }
    if (*upload_size) {
        if (fake_body_add(&c->in, upload, *upload_size, FAKE_OPENAI_MAX_BODY) != 0)
            return MHD_NO;
        *upload_size = 0;
        return MHD_YES;
    }
    return s_answer(f, conn, url, method, c);
}

static void s_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                        enum MHD_RequestTerminationCode code)
{
    (void)conn;
    (void)code;
    fake_openai_t *f = cls;
    s_conn_t *c = *con_cls;
    if (!c)
        return;
    if (c->counted) { /* ended before an answer was queued */
        pthread_mutex_lock(&f->lock);
        f->in_progress--;
        pthread_mutex_unlock(&f->lock);
    }
    fake_body_free(&c->in);
    free(c);
    *con_cls = NULL;
}

/* Public API ------------------------------------------------------------------------------- */

/* Start a server on 127.0.0.1 and `port` (0: a free one); in load mode when load is not NULL
   (taken, even on failure). */
static fake_openai_t *s_start(int port, fake_load_t *load, bool keep_log)
{
    fake_openai_t *f = calloc(1, sizeof *f);
    if (!f) {
        fake_load_free(&load);
        return NULL;
    }
    f->load = load;
    f->keep_log = keep_log;
    f->batch = fake_batch_new();
    if (!f->batch) {
        fake_load_free(&f->load);
        free(f);
        return NULL;
    }
    pthread_mutex_init(&f->lock, NULL);
    fake_log_init(&f->log);
    fake_http_cond_init(&f->wake);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((uint16_t)port);
    /* load mode: poll (no FD_SETSIZE limit), many connections, small thread stacks */
    struct MHD_OptionItem load_options[] = {
        {MHD_OPTION_CONNECTION_LIMIT, 4096, NULL},
        {MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL},
        {MHD_OPTION_THREAD_STACK_SIZE, 1 << 20, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    f->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                                     MHD_USE_ITC | (load ? MHD_USE_POLL : 0),
                                 0, NULL, NULL, s_handler, f, MHD_OPTION_SOCK_ADDR,
                                 (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, s_completed,
                                 f, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_ARRAY,
                                 load ? load_options : load_options + 3, MHD_OPTION_END);
    const union MHD_DaemonInfo *info =
        f->daemon ? MHD_get_daemon_info(f->daemon, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (!info || info->port == 0) {
        fake_openai_stop(&f);
        return NULL;
    }
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%u" FAKE_OPENAI_PREFIX, (unsigned)info->port);
    return f;
}

fake_openai_t *fake_openai_start(void)
{
    return s_start(0, NULL, true);
}

fake_openai_t *fake_openai_start_load(const fake_openai_load_opts_t *opts, char *err, size_t errlen)
{
    fake_openai_load_opts_t none = {0};
    if (!opts)
        opts = &none;
    fake_load_t *l = fake_load_new(opts, err, errlen);
    if (!l)
        return NULL;
    fake_openai_t *f = s_start(opts->port, l, opts->keep_log);
    if (!f)
        cs_fail(err, errlen, "cannot start an HTTP server on 127.0.0.1:%d", opts->port);
    return f;
}

void fake_openai_stop(fake_openai_t **f_p)
{
    if (!f_p || !*f_p)
        return;
    fake_openai_t *f = *f_p;
    pthread_mutex_lock(&f->lock);
    f->stopping = true;
    pthread_cond_broadcast(&f->wake);
    pthread_mutex_unlock(&f->lock);
    if (f->daemon)
        MHD_stop_daemon(f->daemon);
    while (f->pushed) {
        s_pushed_t *next = f->pushed->next;
        free(f->pushed->path);
        fake_openai_answer_free(&f->pushed->answer);
        free(f->pushed);
        f->pushed = next;
    }
    fake_log_destroy(&f->log);
    for (size_t i = 0; i < FAKE_OPENAI_CACHE_PROMPTS; i++)
        free(f->cache[i]);
    free(f->api_key);
    fake_load_free(&f->load);
    fake_batch_free(&f->batch);
    pthread_cond_destroy(&f->wake);
    pthread_mutex_destroy(&f->lock);
    free(f);
    *f_p = NULL;
}

const char *fake_openai_url(fake_openai_t *f)
{
    return f->url;
}

void fake_openai_set_api_key(fake_openai_t *f, const char *key)
{
    char *copy = key ? strdup(key) : NULL;
    pthread_mutex_lock(&f->lock);
    free(f->api_key);
    f->api_key = copy;
    pthread_mutex_unlock(&f->lock);
}

int fake_openai_push(fake_openai_t *f, const char *path, const fake_openai_answer_t *answer)
{
    s_pushed_t *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    p->path = path ? strdup(path) : NULL;
    fake_openai_answer_copy(answer, &p->answer);
    pthread_mutex_lock(&f->lock);
    s_pushed_t **pp = &f->pushed;
    while (*pp)
        pp = &(*pp)->next;
    *pp = p;
    pthread_mutex_unlock(&f->lock);
    return 0;
}

size_t fake_openai_pending_answers(fake_openai_t *f)
{
    size_t n = 0;
    pthread_mutex_lock(&f->lock);
    for (const s_pushed_t *p = f->pushed; p; p = p->next)
        n++;
    pthread_mutex_unlock(&f->lock);
    return n;
}

void fake_openai_set_responder(fake_openai_t *f, fake_openai_responder_fn fn, void *arg)
{
    pthread_mutex_lock(&f->lock);
    f->responder = fn;
    f->responder_arg = arg;
    pthread_mutex_unlock(&f->lock);
}

size_t fake_openai_request_count(fake_openai_t *f)
{
    return fake_log_count(&f->log, NULL);
}

size_t fake_openai_count(fake_openai_t *f, const char *path)
{
    return fake_log_count(&f->log, path);
}

const fake_openai_request_t *fake_openai_request(fake_openai_t *f, size_t i)
{
    return fake_log_get(&f->log, i);
}

const fake_openai_request_t *fake_openai_last_request(fake_openai_t *f, const char *path)
{
    return fake_log_last(&f->log, path);
}

void fake_openai_clear_requests(fake_openai_t *f)
{
    fake_log_clear(&f->log); /* requests still being answered may write to their entries */
    pthread_mutex_lock(&f->lock);
    f->max_in_progress = f->in_progress;
    pthread_mutex_unlock(&f->lock);
}

int fake_openai_in_progress(fake_openai_t *f)
{
    pthread_mutex_lock(&f->lock);
    int n = f->in_progress;
    pthread_mutex_unlock(&f->lock);
    return n;
}

int fake_openai_max_in_progress(fake_openai_t *f)
{
    pthread_mutex_lock(&f->lock);
    int n = f->max_in_progress;
    pthread_mutex_unlock(&f->lock);
    return n;
}
