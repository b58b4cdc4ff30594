/*  fake_openai: see fake_openai.h. One thread per connection (libmicrohttpd); all shared state
    sits behind one mutex. A request's answer is decided (pushed answer, responder or default),
    built as text, delayed, and queued; the log entry and the in-progress count are updated just
    before it is queued, so a client never sees an answer the log does not know about yet. */
#define _GNU_SOURCE /* strndup, asprintf */
#include "fake_openai.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "cs_util.h"

#define PREFIX   "/v1"
#define CHAT     "/chat/completions"
#define EMBED    "/embeddings"
#define MAX_DIMS 4096

typedef struct s_pushed {
    char *path;                  /* NULL matches any path */
    fake_openai_answer_t answer; /* its strings are ours (strdup'd) */
    struct s_pushed *next;
} s_pushed_t;

typedef struct s_logged {
    fake_openai_request_t pub;
    char *path;
    char *authorization;
    json_t *body;
    struct s_logged *retired_next; /* once cleared, until stop */
} s_logged_t;

/* One request while libmicrohttpd feeds us its body. */
typedef struct {
    int64_t at_ms;
    char *body;
    size_t len;
    bool too_big;
    bool counted; /* still counted in progress */
    s_logged_t *logged;
} s_conn_t;

/* A body that is sent only up to `cut`, then the connection is dropped. */
typedef struct {
    char *text;
    size_t cut;
} s_cut_t;

struct fake_openai {
    struct MHD_Daemon *daemon;
    char url[64];
    pthread_mutex_t lock;
    pthread_cond_t wake; /* signalled when stopping, to cut delays short */
    bool stopping;
    char *api_key;
    s_pushed_t *pushed;
    fake_openai_responder_fn responder;
    void *responder_arg;
    s_logged_t **log;
    size_t nlog;
    s_logged_t *retired;
    int in_progress, max_in_progress;
    unsigned long served;
};

/* Answers -------------------------------------------------------------------------------------
 */

static char *s_strdup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* A deep copy of the answer's strings into *out. */
static void s_answer_copy(const fake_openai_answer_t *in, fake_openai_answer_t *out)
{
    *out = *in;
    out->owned = NULL;
    out->content = s_strdup_or_null(in->content);
    out->finish_reason = s_strdup_or_null(in->finish_reason);
    out->body = s_strdup_or_null(in->body);
    out->message = s_strdup_or_null(in->message);
    out->error_type = s_strdup_or_null(in->error_type);
    out->error_code = s_strdup_or_null(in->error_code);
    out->retry_after = s_strdup_or_null(in->retry_after);
    out->retry_after_ms = s_strdup_or_null(in->retry_after_ms);
    out->reset_requests = s_strdup_or_null(in->reset_requests);
    out->reset_tokens = s_strdup_or_null(in->reset_tokens);
}

static void s_answer_free(fake_openai_answer_t *a)
{
    free((char *)a->content);
    free((char *)a->finish_reason);
    free((char *)a->body);
    free((char *)a->message);
    free((char *)a->error_type);
    free((char *)a->error_code);
    free((char *)a->retry_after);
    free((char *)a->retry_after_ms);
    free((char *)a->reset_requests);
    free((char *)a->reset_tokens);
    memset(a, 0, sizeof *a);
}

/* OpenAI's error body for `status` (malloc'd text). */
static char *s_error_text(int status, const char *message, const char *type, const char *code)
{
    const char *dmessage = "The server had an error while processing your request. Sorry about "
                           "that!";
    const char *dtype = status >= 500 ? "server_error" : "invalid_request_error";
    const char *dcode = NULL;
    switch (status) {
    case 400:
        dmessage = "Invalid request.";
        break;
    case 401:
        dmessage = "Incorrect API key provided.";
        dcode = "invalid_api_key";
        break;
    case 403:
        dmessage = "You are not allowed to make this request.";
        break;
    case 404:
        dmessage = "The model `fake-model` does not exist or you do not have access to it.";
        dcode = "model_not_found";
        break;
    case 429:
        dmessage = "Rate limit reached for requests. Please try again in 1s.";
        dtype = "requests";
        dcode = "rate_limit_exceeded";
        break;
    case 503:
        dmessage = "The engine is currently overloaded, please try again later.";
        break;
    default:
        if (status < 500)
            dmessage = "The request failed.";
        break;
    }
    json_t *body =
        json_pack("{s:{s:s, s:s, s:n, s:o}}", "error", "message", message ? message : dmessage,
                  "type", type ? type : dtype, "param", "code",
                  code    ? json_string(code)
                  : dcode ? json_string(dcode)
                          : json_null());
    char *text = body ? json_dumps(body, JSON_INDENT(2)) : NULL;
    json_decref(body);
    return text;
}

/* The text of a message's content: a string, or the first text part of an array. */
static const char *s_message_text(const json_t *message)
{
    const json_t *content = json_object_get(message, "content");
    if (json_is_string(content))
        return json_string_value(content);
    size_t i;
    const json_t *part;
    json_array_foreach(content, i, part)
    {
        const char *type = json_string_value(json_object_get(part, "type"));
        if (type && strcmp(type, "text") == 0 && json_is_string(json_object_get(part, "text")))
            return json_string_value(json_object_get(part, "text"));
    }
    return "";
}

static long s_estimate_tokens(size_t bytes)
{
    return bytes == 0 ? 1 : (long)((bytes + 3) / 4);
}

static const char *s_model(const json_t *request, const char *fallback)
{
    const char *model = json_string_value(json_object_get(request, "model"));
    return model && *model ? model : fallback;
}

/* A chat completion (malloc'd text) for the request. */
static char *s_chat_text(fake_openai_t *f, const json_t *request, const fake_openai_answer_t *a)
{
    const json_t *messages = json_object_get(request, "messages");
    const char *content = a->content;
    if (!content)
        content = s_message_text(json_array_get(messages, json_array_size(messages) - 1));
    size_t prompt_bytes = 0, i;
    const json_t *m;
    json_array_foreach(messages, i, m)
    {
        prompt_bytes += strlen(s_message_text(m));
    }
    long pt = a->prompt_tokens > 0 ? a->prompt_tokens : s_estimate_tokens(prompt_bytes);
    long ct = a->completion_tokens > 0 ? a->completion_tokens : s_estimate_tokens(strlen(content));
    char id[48];
    pthread_mutex_lock(&f->lock);
    snprintf(id, sizeof id, "chatcmpl-fake%06lu", ++f->served);
    pthread_mutex_unlock(&f->lock);
    json_t *body = json_pack(
        "{s:s, s:s, s:I, s:s, s:[{s:i, s:{s:s, s:s, s:n}, s:n, s:s}], s:{s:I, s:I, s:I}}", "id", id,
        "object", "chat.completion", "created", (json_int_t)(cs_wall_ms() / 1000), "model",
        s_model(request, "fake-model"), "choices", "index", 0, "message", "role", "assistant",
        "content", content, "refusal", "logprobs", "finish_reason",
        a->finish_reason ? a->finish_reason : "stop", "usage", "prompt_tokens", (json_int_t)pt,
        "completion_tokens", (json_int_t)ct, "total_tokens", (json_int_t)(pt + ct));
    char *text = body ? json_dumps(body, JSON_INDENT(2)) : NULL;
    json_decref(body);
    return text;
}

/* 64-bit FNV-1a. */
static uint64_t s_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* A unit vector of dims hashed words of text (new reference); *words counts them. */
static json_t *s_embedding(const char *text, int dims, long *words)
{
    double *v = calloc((size_t)dims, sizeof *v);
    if (!v)
        return NULL;
    char word[256];
    size_t n = 0;
    long count = 0;
    for (const char *p = text;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c && (isalnum(c) || c >= 0x80)) {
            if (n < sizeof word)
                word[n++] = (char)tolower(c);
            continue;
        }
        if (n > 0) {
            uint64_t h = s_hash(word, n);
            v[h % (uint64_t)dims] += (h >> 63) ? -1.0 : 1.0;
            count++;
            n = 0;
        }
        if (!c)
            break;
    }
    if (count == 0) { /* punctuation only: still a fixed vector of its own */
        uint64_t h = s_hash(text, strlen(text));
        v[h % (uint64_t)dims] = 1.0;
        count = 1;
    }
    double norm = 0;
    for (int i = 0; i < dims; i++)
        norm += v[i] * v[i];
    norm = sqrt(norm);
    if (norm == 0) { /* words cancelled out */
        v[0] = 1.0;
        norm = 1.0;
    }
    json_t *out = json_array();
    for (int i = 0; out && i < dims; i++)
        json_array_append_new(out, json_real(v[i] / norm));
    free(v);
    *words += count;
    return out;
}

/* The embeddings answer (malloc'd text) and its status. */
static char *s_embeddings_text(const json_t *request, int *status)
{
    const json_t *input = json_object_get(request, "input");
    const json_t *dimensions = json_object_get(request, "dimensions");
    int dims = FAKE_OPENAI_DIM;
    if (dimensions) {
        json_int_t d = json_integer_value(dimensions);
        if (!json_is_integer(dimensions) || d < 1 || d > MAX_DIMS) {
            *status = 400;
            return s_error_text(400, "Invalid 'dimensions': must be an integer from 1 to 4096.",
                                NULL, NULL);
        }
        dims = (int)d;
    }
    json_t *texts = json_is_array(input) ? json_incref((json_t *)input) : json_array();
    if (json_is_string(input))
        json_array_append(texts, (json_t *)input);
    size_t i;
    json_t *item;
    bool bad = json_array_size(texts) == 0;
    json_array_foreach(texts, i, item)
    {
        if (json_is_string(item) && json_string_length(item) == 0)
            bad = true;
    }
    if (bad) {
        json_decref(texts);
        *status = 400;
        return s_error_text(400, "'$.input' is invalid. Please check the API reference.", NULL,
                            NULL);
    }
    json_t *data = json_array();
    long words = 0;
    json_array_foreach(texts, i, item)
    {
        char *dumped = json_is_string(item) ? NULL : json_dumps(item, JSON_ENCODE_ANY);
        const char *text = dumped ? dumped : json_string_value(item);
        json_t *vec = text ? s_embedding(text, dims, &words) : NULL;
        free(dumped);
        json_array_append_new(data, json_pack("{s:s, s:I, s:o*}", "object", "embedding", "index",
                                              (json_int_t)i, "embedding", vec));
    }
    json_decref(texts);
    json_t *body = json_pack("{s:s, s:o, s:s, s:{s:I, s:I}}", "object", "list", "data", data,
                             "model", s_model(request, "text-embedding-3-small"), "usage",
                             "prompt_tokens", (json_int_t)words, "total_tokens", (json_int_t)words);
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(7)) : NULL;
    json_decref(body);
    *status = 200;
    return text;
}

/* Sending ------------------------------------------------------------------------------------ */

static ssize_t s_cut_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    s_cut_t *cut = cls;
    if (pos >= cut->cut)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = cut->cut - (size_t)pos;
    if (n > max)
        n = max;
    memcpy(buf, cut->text + pos, n);
    return (ssize_t)n;
}

static void s_cut_free(void *cls)
{
    s_cut_t *cut = cls;
    free(cut->text);
    free(cut);
}

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
        s_cut_t *c = calloc(1, sizeof *c);
        if (c) {
            c->text = text;
            c->cut = len / 2;
            resp = MHD_create_response_from_callback(len, 4096, s_cut_reader, c, s_cut_free);
            if (!resp)
                s_cut_free(c);
        } else {
            free(text);
        }
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
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (long)(ms % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&f->lock);
    while (!f->stopping)
        if (pthread_cond_timedwait(&f->wake, &f->lock, &deadline) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&f->lock);
}

/* Requests ----------------------------------------------------------------------------------- */

static void s_logged_free(s_logged_t *e)
{
    free(e->path);
    free(e->authorization);
    json_decref(e->body);
    free(e);
}

static s_logged_t *s_log_request(fake_openai_t *f, const char *path, const char *auth,
                                 const s_conn_t *c)
{
    s_logged_t *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->path = strdup(path);
    e->authorization = auth ? strdup(auth) : NULL;
    e->body = c->len ? json_loadb(c->body, c->len, 0, NULL) : NULL;
    e->pub.path = e->path;
    e->pub.authorization = e->authorization;
    e->pub.body = e->body;
    e->pub.at_ms = c->at_ms;
    pthread_mutex_lock(&f->lock);
    s_logged_t **grown = realloc(f->log, (f->nlog + 1) * sizeof *grown);
    if (grown) {
        f->log = grown;
        f->log[f->nlog++] = e;
    }
    pthread_mutex_unlock(&f->lock);
    if (!grown) {
        s_logged_free(e);
        return NULL;
    }
    return e;
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
        c->logged->pub.done_ms = cs_now_ms();
        c->logged->pub.status = status;
    }
    if (c->counted) {
        f->in_progress--;
        c->counted = false;
    }
    pthread_mutex_unlock(&f->lock);
}

/* Build the text of answer `a` to request `body` on `path`; *status and *cut are set. */
static char *s_build(fake_openai_t *f, const char *path, const json_t *body,
                     const fake_openai_answer_t *a, int *status, bool *cut)
{
    *cut = false;
    switch (a->kind) {
    case FAKE_OPENAI_CHAT:
        *status = 200;
        return s_chat_text(f, body, a);
    case FAKE_OPENAI_RAW:
        *status = a->status ? a->status : 200;
        return strdup(a->body ? a->body : "");
    case FAKE_OPENAI_ERROR:
        *status = a->status ? a->status : 500;
        return s_error_text(*status, a->message, a->error_type, a->error_code);
    case FAKE_OPENAI_RATE_LIMIT:
        *status = 429;
        return s_error_text(429, a->message, a->error_type, a->error_code);
    case FAKE_OPENAI_QUOTA:
        *status = 429;
        return s_error_text(429, FAKE_OPENAI_QUOTA_MESSAGE, "insufficient_quota",
                            "insufficient_quota");
    case FAKE_OPENAI_INVALID_JSON:
        *status = 200;
        return strdup("<html><body>502 Bad Gateway</body></html>");
    case FAKE_OPENAI_TRUNCATED:
    case FAKE_OPENAI_CUT:
    case FAKE_OPENAI_DEFAULT:
        break;
    }
    char *text = NULL;
    if (a->content || strcmp(path, CHAT) == 0) {
        *status = 200;
        text = s_chat_text(f, body, a);
    } else if (strcmp(path, EMBED) == 0) {
        text = s_embeddings_text(body, status);
    } else {
        char message[320];
        snprintf(message, sizeof message, "Invalid URL (POST " PREFIX "%.256s)", path);
        *status = 404;
        return s_error_text(404, message, "invalid_request_error", NULL);
    }
    if (text && a->kind == FAKE_OPENAI_TRUNCATED)
        text[strlen(text) / 2] = '\0';
    *cut = a->kind == FAKE_OPENAI_CUT;
    return text;
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
}

static enum MHD_Result s_reply(fake_openai_t *f, struct MHD_Connection *conn, s_conn_t *c,
                               int status, char *text, bool cut, const fake_openai_answer_t *a)
{
    s_delay(f, a->delay_ms);
    s_answered(f, c, status);
    return s_send(conn, status, text, cut, a);
}

static enum MHD_Result s_answer(fake_openai_t *f, struct MHD_Connection *conn, const char *url,
                                const char *method, s_conn_t *c)
{
    size_t plen = strcspn(url, "?");
    char full[512];
    snprintf(full, sizeof full, "%.*s", (int)(plen < 500 ? plen : 500), url);
    const char *path = full;
    if (strncmp(full, PREFIX "/", strlen(PREFIX) + 1) == 0)
        path = full + strlen(PREFIX);
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    c->logged = s_log_request(f, path, auth, c);
    fake_openai_answer_t none = {0};

    if (c->too_big) {
        return s_reply(f, conn, c, 413,
                       s_error_text(413, "The request body is too large.", NULL, NULL), false,
                       &none);
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
        return s_reply(f, conn, c, 401, s_error_text(401, message, NULL, NULL), false, &none);
    }
    free(expected);

    json_t *body = c->len ? json_loadb(c->body, c->len, 0, NULL) : NULL;
    fake_openai_answer_t pushed = {0}, responded = {0}, merged;
    bool have_pushed = s_take_pushed(f, path, &pushed);
    const fake_openai_answer_t *use = &pushed;
    int status = 0;
    bool cut = false;
    char *text = NULL;
    if (have_pushed && pushed.kind != FAKE_OPENAI_DEFAULT) {
        text = s_build(f, path, body, &pushed, &status, &cut);
    } else if (strcmp(method, "POST") != 0) {
        status = 405;
        text = s_error_text(405, "Method not allowed.", NULL, NULL);
    } else if (!json_is_object(body)) {
        status = 400;
        text = s_error_text(400,
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
        }
        s_merge(&merged, &pushed, &responded);
        use = &merged;
        text = s_build(f, path, body, use, &status, &cut);
    }
    enum MHD_Result ret = s_reply(f, conn, c, status, text, cut, use);
    json_decref(body);
    free(responded.owned);
    s_answer_free(&pushed);
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
        if (!c->too_big && c->len + *upload_size > FAKE_OPENAI_MAX_BODY) {
            c->too_big = true;
            free(c->body);
            c->body = NULL;
            c->len = 0;
        }
        if (!c->too_big) {
            char *grown = realloc(c->body, c->len + *upload_size);
            if (!grown)
                return MHD_NO;
            memcpy(grown + c->len, upload, *upload_size);
            c->body = grown;
            c->len += *upload_size;
        }
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
    free(c->body);
    free(c);
    *con_cls = NULL;
}

/* Public API ------------------------------------------------------------------------------- */

fake_openai_t *fake_openai_start(void)
{
    fake_openai_t *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    pthread_mutex_init(&f->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&f->wake, &attr);
    pthread_condattr_destroy(&attr);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    f->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                                     MHD_USE_ITC,
                                 0, NULL, NULL, s_handler, f, MHD_OPTION_SOCK_ADDR,
                                 (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, s_completed,
                                 f, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
    const union MHD_DaemonInfo *info =
        f->daemon ? MHD_get_daemon_info(f->daemon, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (!info || info->port == 0) {
        fake_openai_stop(&f);
        return NULL;
    }
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%u" PREFIX, (unsigned)info->port);
    return f;
}

static void s_retire_log(fake_openai_t *f)
{
    for (size_t i = 0; i < f->nlog; i++) {
        f->log[i]->retired_next = f->retired;
        f->retired = f->log[i];
    }
    free(f->log);
    f->log = NULL;
    f->nlog = 0;
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
        s_answer_free(&f->pushed->answer);
        free(f->pushed);
        f->pushed = next;
    }
    s_retire_log(f);
    while (f->retired) {
        s_logged_t *next = f->retired->retired_next;
        s_logged_free(f->retired);
        f->retired = next;
    }
    free(f->api_key);
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
    s_answer_copy(answer, &p->answer);
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
    pthread_mutex_lock(&f->lock);
    size_t n = f->nlog;
    pthread_mutex_unlock(&f->lock);
    return n;
}

size_t fake_openai_count(fake_openai_t *f, const char *path)
{
    size_t n = 0;
    pthread_mutex_lock(&f->lock);
    for (size_t i = 0; i < f->nlog; i++)
        n += strcmp(f->log[i]->path, path) == 0;
    pthread_mutex_unlock(&f->lock);
    return n;
}

const fake_openai_request_t *fake_openai_request(fake_openai_t *f, size_t i)
{
    pthread_mutex_lock(&f->lock);
    const fake_openai_request_t *r = i < f->nlog ? &f->log[i]->pub : NULL;
    pthread_mutex_unlock(&f->lock);
    return r;
}

const fake_openai_request_t *fake_openai_last_request(fake_openai_t *f, const char *path)
{
    const fake_openai_request_t *r = NULL;
    pthread_mutex_lock(&f->lock);
    for (size_t i = f->nlog; i-- > 0 && !r;)
        if (!path || strcmp(f->log[i]->path, path) == 0)
            r = &f->log[i]->pub;
    pthread_mutex_unlock(&f->lock);
    return r;
}

void fake_openai_clear_requests(fake_openai_t *f)
{
    pthread_mutex_lock(&f->lock);
    s_retire_log(f); /* requests still being answered may write to their entries */
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
