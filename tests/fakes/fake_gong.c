/*  fake_gong: see fake_gong.h. One thread per connection (libmicrohttpd); all shared state sits
    behind one mutex. Fixtures are deep copies that never change once added, so answers are
    built from them under the lock and serialised outside it. */
#define _GNU_SOURCE /* timegm */
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

#include "fake_http.h"

#define PATH_EXTENSIVE  "/v2/calls/extensive"
#define PATH_TRANSCRIPT "/v2/calls/transcript"
#define CURSOR_PREFIX   "fake-gong-cursor:"

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

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of data[0..len) (malloc'd, caller frees), NULL when out of memory. */
static char *s_base64(const char *data, size_t len)
{
    char *out = malloc((len + 2) / 3 * 4 + 1);
    if (!out)
        return NULL;
    const unsigned char *in = (const unsigned char *)data;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[o++] = B64[v >> 18 & 63];
        out[o++] = B64[v >> 12 & 63];
        out[o++] = i + 1 < len ? B64[v >> 6 & 63] : '=';
        out[o++] = i + 2 < len ? B64[v & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

/* Decode base64 text into out (capacity outlen, NUL-terminated). Returns -1 when it isn't. */
static int s_unbase64(const char *text, char *out, size_t outlen)
{
    size_t n = strlen(text), o = 0;
    if (n == 0 || n % 4 != 0)
        return -1;
    for (size_t i = 0; i < n; i += 4) {
        uint32_t v = 0;
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            const char *at = text[i + k] ? strchr(B64, text[i + k]) : NULL;
            if (text[i + k] == '=' && i + 4 == n && k >= 2) {
                pad++;
                v <<= 6;
                continue;
            }
            if (!at || pad)
                return -1;
            v = v << 6 | (uint32_t)(at - B64);
        }
        for (int k = 0; k < 3 - pad; k++) {
            if (o + 1 >= outlen)
                return -1;
            out[o++] = (char)(v >> (16 - 8 * k) & 0xff);
        }
    }
    out[o] = '\0';
    return 0;
}

/* Read `digits` decimal digits at *p into *out, advancing *p. */
static int s_digits(const char **p, int digits, int *out)
{
    int v = 0;
    for (int i = 0; i < digits; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += digits;
    *out = v;
    return 0;
}

static int s_expect(const char **p, char c)
{
    if (**p != c)
        return -1;
    (*p)++;
    return 0;
}

/* ISO-8601 "YYYY-MM-DDTHH:MM:SS[.fff][Z|+hh:mm|-hh:mm|+hhmm]" -> epoch ms. */
static int s_parse_iso(const char *s, int64_t *out_ms)
{
    const char *p = s;
    int Y, M, D, h, m, sec;
    if (s_digits(&p, 4, &Y) || s_expect(&p, '-') || s_digits(&p, 2, &M) || s_expect(&p, '-') ||
        s_digits(&p, 2, &D) || (*p != 'T' && *p != 't' && *p != ' '))
        return -1;
    p++;
    if (s_digits(&p, 2, &h) || s_expect(&p, ':') || s_digits(&p, 2, &m) || s_expect(&p, ':') ||
        s_digits(&p, 2, &sec))
        return -1;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return -1;
    int64_t ms = 0;
    if (*p == '.') {
        p++;
        int scale = 100, ndigits = 0;
        for (; *p >= '0' && *p <= '9'; p++, ndigits++) {
            ms += (*p - '0') * scale;
            scale /= 10;
        }
        if (ndigits == 0)
            return -1;
    }
    int64_t offset_ms = 0;
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
        /* UTC */
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om;
        p++;
        if (s_digits(&p, 2, &oh))
            return -1;
        if (*p == ':')
            p++;
        if (s_digits(&p, 2, &om) || *p)
            return -1;
        if (oh > 23 || om > 59)
            return -1;
        offset_ms = sign * (int64_t)(oh * 60 + om) * 60000;
    } else {
        return -1;
    }
    struct tm tm = {.tm_year = Y - 1900,
                    .tm_mon = M - 1,
                    .tm_mday = D,
                    .tm_hour = h,
                    .tm_min = m,
                    .tm_sec = sec};
    time_t t = timegm(&tm);
    *out_ms = (int64_t)t * 1000 + ms - offset_ms;
    return 0;
}

/* Exactly the form Gong documents for its date filters: "2018-02-18T08:00:00Z" or
   "2018-02-18T02:30:00-07:00" (no date alone, no missing zone, no fraction, no space). */
static bool s_documented_datetime(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    size_t n = strlen(s);
    if (n < sizeof shape - 1)
        return false;
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        bool digit = s[i] >= '0' && s[i] <= '9';
        if (shape[i] == 'd' ? !digit : s[i] != shape[i])
            return false;
    }
    const char *z = s + sizeof shape - 1;
    if (strcmp(z, "Z") == 0)
        return true;
    return (z[0] == '+' || z[0] == '-') && z[1] >= '0' && z[1] <= '9' && z[2] >= '0' &&
           z[2] <= '9' && z[3] == ':' && z[4] >= '0' && z[4] <= '9' && z[5] >= '0' && z[5] <= '9' &&
           z[6] == '\0';
}

/* A date filter: a documented date-time that is also a real instant. */
static bool s_parse_filter_date(const json_t *v, int64_t *out_ms)
{
    return json_is_string(v) && s_documented_datetime(json_string_value(v)) &&
           s_parse_iso(json_string_value(v), out_ms) == 0;
}

/* metaData.started: an ISO-8601 string as the live API sends, or epoch seconds. */
static int s_started_ms(const json_t *call, int64_t *out_ms)
{
    const json_t *started = json_object_get(json_object_get(call, "metaData"), "started");
    if (json_is_string(started))
        return s_parse_iso(json_string_value(started), out_ms);
    if (json_is_integer(started)) {
        *out_ms = (int64_t)json_integer_value(started) * 1000;
        return 0;
    }
    return -1;
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

/* Offset encoded in a cursor, 0 when there is none, -1 when it is not one of ours. */
static long s_cursor_offset(const json_t *body)
{
    const json_t *cursor = json_object_get(body, "cursor");
    if (!cursor || json_is_null(cursor))
        return 0;
    char plain[64];
    long offset;
    int used = 0;
    if (!json_is_string(cursor) || s_unbase64(json_string_value(cursor), plain, sizeof plain) ||
        sscanf(plain, CURSOR_PREFIX "%ld%n", &offset, &used) != 1 ||
        (size_t)used != strlen(plain) || offset <= 0)
        return -1;
    return offset;
}

static json_t *s_records(fake_gong_t *fg, size_t total, size_t offset, size_t count)
{
    json_t *records = json_pack("{s:I, s:I, s:I}", "totalRecords", (json_int_t)total,
                                "currentPageSize", (json_int_t)count, "currentPageNumber",
                                (json_int_t)(offset / (size_t)fg->page_size));
    if (records && offset + count < total) {
        char plain[64];
        snprintf(plain, sizeof plain, CURSOR_PREFIX "%zu", offset + count);
        char *cursor = s_base64(plain, strlen(plain));
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

/* The filter shared by both endpoints. Returns NULL or a reason for a 400. */
typedef struct {
    bool has_from, has_to;
    int64_t from_ms, to_ms;
    const char *workspace;
    const json_t *ids;
} s_filter_t;

#define DATE_FORM "in ISO-8601 format, e.g. 2018-02-18T02:30:00-07:00 or 2018-02-18T08:00:00Z"

/* An array of call ids as Gong documents them: non-empty strings. */
static bool s_call_ids(const json_t *ids)
{
    if (!json_is_array(ids))
        return false;
    size_t i;
    const json_t *v;
    json_array_foreach(ids, i, v)
    {
        if (!json_is_string(v) || json_string_length(v) == 0)
            return false;
    }
    return true;
}

/* The request's filter, checked against Gong's documentation of both endpoints. Returns NULL
   or a reason for a 400. */
static const char *s_parse_filter(const json_t *body, s_filter_t *f)
{
    memset(f, 0, sizeof *f);
    const json_t *filter = json_object_get(body, "filter");
    if (!json_is_object(filter))
        return "filter is required and must be an object";
    const json_t *from = json_object_get(filter, "fromDateTime");
    const json_t *to = json_object_get(filter, "toDateTime");
    const json_t *ws = json_object_get(filter, "workspaceId");
    f->ids = json_object_get(filter, "callIds");
    if (from && !s_parse_filter_date(from, &f->from_ms))
        return "fromDateTime is not a valid date-time: expected " DATE_FORM;
    if (to && !s_parse_filter_date(to, &f->to_ms))
        return "toDateTime is not a valid date-time: expected " DATE_FORM;
    if (ws && (!json_is_string(ws) || json_string_length(ws) == 0))
        return "workspaceId must be a non-empty string";
    if (f->ids && !s_call_ids(f->ids))
        return "callIds must be an array of call id strings";
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)filter, key, value)
    {
        (void)value;
        if (strcmp(key, "fromDateTime") != 0 && strcmp(key, "toDateTime") != 0 &&
            strcmp(key, "workspaceId") != 0 && strcmp(key, "callIds") != 0 &&
            strcmp(key, "primaryUserIds") != 0)
            return "filter has an unknown field";
    }
    f->has_from = from != NULL;
    f->has_to = to != NULL;
    f->workspace = ws ? json_string_value(ws) : NULL;
    return NULL;
}

/* Every member of `obj` (an object) is a boolean. */
static bool s_all_bools(const json_t *obj)
{
    if (!json_is_object(obj))
        return false;
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)obj, key, value)
    {
        (void)key;
        if (!json_is_boolean(value))
            return false;
    }
    return true;
}

/* contentSelector of /v2/calls/extensive as documented: context None|Basic|Extended,
   contextTiming [Now|TimeOfCall] (with Extended only), exposedFields {parties, media: bool;
   content, collaboration, interaction: objects of booleans}. NULL or a reason for a 400. */
static const char *s_check_selector(const json_t *selector)
{
    if (!selector)
        return NULL;
    if (!json_is_object(selector))
        return "contentSelector must be an object";
    const json_t *context = json_object_get(selector, "context");
    const char *c = json_string_value(context);
    if (context &&
        (!c || (strcmp(c, "None") != 0 && strcmp(c, "Basic") != 0 && strcmp(c, "Extended") != 0)))
        return "contentSelector.context must be one of None, Basic, Extended";
    const json_t *timing = json_object_get(selector, "contextTiming");
    if (timing) {
        if (!json_is_array(timing) || !c || strcmp(c, "Extended") != 0)
            return "contentSelector.contextTiming is an array, with context Extended only";
        size_t i;
        const json_t *v;
        json_array_foreach(timing, i, v)
        {
            const char *t = json_string_value(v);
            if (!t || (strcmp(t, "Now") != 0 && strcmp(t, "TimeOfCall") != 0))
                return "contentSelector.contextTiming holds Now or TimeOfCall";
        }
    }
    const json_t *fields = json_object_get(selector, "exposedFields");
    if (!fields)
        return NULL;
    if (!json_is_object(fields))
        return "contentSelector.exposedFields must be an object";
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)fields, key, value)
    {
        bool flag = strcmp(key, "parties") == 0 || strcmp(key, "media") == 0;
        bool group = strcmp(key, "content") == 0 || strcmp(key, "collaboration") == 0 ||
                     strcmp(key, "interaction") == 0;
        if (!flag && !group)
            return "contentSelector.exposedFields has an unknown field";
        if (flag ? !json_is_boolean(value) : !s_all_bools(value))
            return "contentSelector.exposedFields: wrong type";
    }
    return NULL;
}

static bool s_matches(const s_fixture_t *fx, const s_filter_t *f)
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
    s_filter_t filter;
    const char *bad =
        json_is_object(body) ? s_parse_filter(body, &filter) : "request body must be a JSON object";
    if (!bad && !transcripts)
        bad = s_check_selector(json_object_get(body, "contentSelector"));
    else if (!bad && json_object_get(body, "contentSelector"))
        bad = "contentSelector is not a field of this request";
    long offset = bad ? 0 : s_cursor_offset(body);
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
    if (!json_is_string(json_object_get(meta, "id")) || s_started_ms(call, &started_ms))
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
            char *b64 = s_base64(pair, strlen(pair));
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
