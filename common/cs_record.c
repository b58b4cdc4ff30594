/*  cs_record: records in memory (jansson) and on the wire (one msgpack map per frame).

    Three parts:
      1. the schemas, as one static field table per object type;
      2. validation: the limits over the whole tree, then the field tables of the record's kind;
      3. the wire form: encoding with msgpack-c's packer, decoding with our own small reader.

    Why our own reader: msgpack-c's unpacker trusts container headers (a 5-byte array32 header
    makes it reserve room for 2^32-1 objects before reading one) and builds a full object tree of
    its own. The reader below checks each header against the bytes left and the limits first,
    and builds the jansson tree directly, so one bad frame costs at most what its bytes can
    honestly describe. */
#include "cs_record.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "cs_text.h"
#include "cs_uuid.h"

/* ---------------------------------------------------------------------------------------- */
/* 1. Schemas                                                                                 */

typedef enum {
    F_STRING, /* string; optionally one of `choices`, and min_len..max_len characters */
    F_UUID,   /* string in canonical 8-4-4-4-12 hexadecimal form */
    F_TIME,   /* string holding an ISO-8601 time, checked loosely: YYYY-MM-DD first */
    F_INT,    /* integer, optionally within `range` */
    F_NUMBER, /* integer or real, optionally within `range` */
    F_BOOL,
    F_OBJECT, /* object whose fields are `fields` */
    F_ARRAY,  /* array whose items are of type `item` (and have `fields` if objects) */
} ftype_t;

typedef struct {
    double min, max;
} range_t;

typedef struct field {
    const char *name;
    ftype_t type;
    bool required;              /* absent or null is an error; otherwise both are fine */
    ftype_t item;               /* F_ARRAY: the type of every item */
    const struct field *fields; /* F_OBJECT, F_ARRAY of F_OBJECT: a table ending in {0} */
    const char *const *choices; /* strings: the allowed values, NULL-terminated */
    size_t min_len, max_len;    /* strings: length in characters (code points); max 0: any */
    const range_t *range;       /* numbers: inclusive bounds */
} field_t;

#define REQ .required = true
#define OPT .required = false

static const range_t AT_LEAST_0 = {0, INFINITY};
static const range_t AT_LEAST_1 = {1, INFINITY};
static const range_t UNIT = {0, 1};
static const range_t SIGNED_UNIT = {-1, 1};
static const range_t INDEX = {0, INT_MAX}; /* consumers use it as an int */

const char *const CS_URGENCY_LEVELS[] = {CS_URGENCY_LOW, CS_URGENCY_MEDIUM, CS_URGENCY_HIGH,
                                         CS_URGENCY_CRITICAL, NULL};

int cs_urgency_rank(const char *level)
{
    for (int i = 0; level && CS_URGENCY_LEVELS[i]; i++)
        if (strcmp(level, CS_URGENCY_LEVELS[i]) == 0)
            return i;
    return -1;
}

static const char *const SOURCES[] = {"gong", "replay", NULL};
static const char *const AFFILIATIONS[] = {"Internal", "External", "Unknown", NULL};
static const char *const SENTIMENTS[] = {"positive", "neutral", "negative", "mixed", NULL};
static const char *const ACTIONS[] = {"create", "link", NULL};
static const char *const METHODS[] = {"exact", "embedding", "llm", NULL};
static const char *const STATUSES[] = {"committed", "already", "failed", NULL};

/* "v" and "kind" are checked before the tables, for their own error messages. */

static const field_t PARTICIPANT[] = {
    {"name", F_STRING, OPT},
    {"email", F_STRING, OPT},
    {"affiliation", F_STRING, OPT, .choices = AFFILIATIONS},
    {"speaker_id", F_STRING, OPT},
    {"title", F_STRING, OPT},
    {0},
};

static const field_t CUSTOMER[] = {
    {"name", F_STRING, OPT},
    {"mrr", F_NUMBER, OPT, .range = &AT_LEAST_0},
    {"domain", F_STRING, OPT},
    {0},
};

static const field_t UTTERANCE[] = {
    {"speaker_id", F_STRING, OPT},
    {"speaker", F_STRING, OPT},
    {"affiliation", F_STRING, OPT, .choices = AFFILIATIONS},
    {"start_ms", F_INT, REQ, .range = &AT_LEAST_0},
    {"text", F_STRING, REQ},
    {0},
};

static const field_t FLAGS[] = {
    {"extract", F_BOOL, OPT},
    {"transcripts", F_BOOL, OPT},
    {0},
};

static const field_t CALL[] = {
    {"workspace_id", F_UUID, REQ},
    {"integration_id", F_UUID, OPT},
    {"source", F_STRING, REQ, .choices = SOURCES},
    {"external_id", F_STRING, REQ, .min_len = 1, .max_len = 256},
    {"title", F_STRING, OPT, .max_len = 1024},
    {"started_at", F_TIME, REQ},
    {"duration_seconds", F_INT, OPT, .range = &AT_LEAST_0},
    {"url", F_STRING, OPT, .max_len = 2048},
    {"participants", F_ARRAY, OPT, .item = F_OBJECT, .fields = PARTICIPANT},
    {"customer", F_OBJECT, OPT, .fields = CUSTOMER},
    {"transcript", F_ARRAY, OPT, .item = F_OBJECT, .fields = UTTERANCE},
    {"flags", F_OBJECT, OPT, .fields = FLAGS},
    {"attempt", F_INT, OPT, .range = &AT_LEAST_1},
    {"run_id", F_STRING, OPT},
    {0},
};

static const field_t FEATURE_REQUEST[] = {
    {"title", F_STRING, REQ, .max_len = 512},
    {"description", F_STRING, OPT},
    {"urgency", F_STRING, OPT, .choices = CS_URGENCY_LEVELS},
    {"theme", F_STRING, OPT},
    {"quote", F_STRING, OPT},
    {"speaker", F_STRING, OPT},
    {0},
};

static const field_t BUG_REPORT[] = {
    {"title", F_STRING, REQ},
    {"description", F_STRING, OPT},
    {"severity", F_STRING, OPT, .choices = CS_URGENCY_LEVELS},
    {"quote", F_STRING, OPT},
    {0},
};

static const field_t SENTIMENT[] = {
    {"overall", F_STRING, OPT, .choices = SENTIMENTS},
    {"score", F_NUMBER, OPT, .range = &SIGNED_UNIT},
    {0},
};

static const field_t INSIGHTS[] = {
    {"feature_requests", F_ARRAY, OPT, .item = F_OBJECT, .fields = FEATURE_REQUEST},
    {"bug_reports", F_ARRAY, OPT, .item = F_OBJECT, .fields = BUG_REPORT},
    {"sentiment", F_OBJECT, OPT, .fields = SENTIMENT},
    {"pain_points", F_ARRAY, OPT, .item = F_STRING},
    {"summary", F_STRING, OPT},
    {0},
};

static const field_t LLM_USAGE[] = {
    {"provider", F_STRING, OPT},
    {"model", F_STRING, OPT},
    {"prompt_tokens", F_INT, OPT, .range = &AT_LEAST_0},
    {"completion_tokens", F_INT, OPT, .range = &AT_LEAST_0},
    {"latency_ms", F_INT, OPT, .range = &AT_LEAST_0},
    {"cost_usd", F_NUMBER, OPT, .range = &AT_LEAST_0},
    {"attempts", F_INT, OPT, .range = &AT_LEAST_0},
    {0},
};

/* What an extraction adds to a call. */
static const field_t EXTRACTION[] = {
    {"insights", F_OBJECT, OPT, .fields = INSIGHTS},
    {"llm", F_OBJECT, OPT, .fields = LLM_USAGE},
    {"error", F_STRING, OPT, .max_len = 8192},
    {"error_cause", F_STRING, OPT, .min_len = 1, .max_len = 64},
    {0},
};

static const field_t CANDIDATE[] = {
    {"id", F_UUID, REQ},
    {"name", F_STRING, OPT},
    {"similarity", F_NUMBER, OPT},
    {0},
};

/* The matcher's decision on insights.feature_requests[index]. */
static const field_t DECIDED[] = {
    {"index", F_INT, REQ, .range = &INDEX},
    {"action", F_STRING, REQ, .choices = ACTIONS},
    {"feature_id", F_UUID, REQ},
    {"theme_id", F_UUID, OPT},
    {"name", F_STRING, REQ, .max_len = 512},
    {"description", F_STRING, OPT},
    {"urgency", F_STRING, OPT, .choices = CS_URGENCY_LEVELS},
    {"confidence", F_NUMBER, REQ, .range = &UNIT},
    {"reasoning", F_STRING, OPT},
    {"method", F_STRING, REQ, .choices = METHODS},
    {"similarity", F_NUMBER, OPT},
    {"candidates", F_ARRAY, OPT, .item = F_OBJECT, .fields = CANDIDATE},
    {"embedding", F_ARRAY, OPT, .item = F_NUMBER},
    {"embedding_index", F_ARRAY, OPT, .item = F_INT},
    {"embedding_model", F_STRING, OPT, .max_len = 160},
    {"quote", F_STRING, OPT},
    {"speaker", F_STRING, OPT},
    {0},
};

/* What a decision adds to an extraction. */
static const field_t DECISION[] = {
    {"decisions", F_ARRAY, REQ, .item = F_OBJECT, .fields = DECIDED},
    {0},
};

static const field_t ACK[] = {
    {"workspace_id", F_UUID, REQ},
    {"external_id", F_STRING, REQ, .min_len = 1, .max_len = 256},
    {"source", F_STRING, OPT},
    {"status", F_STRING, REQ, .choices = STATUSES},
    {"error", F_STRING, OPT},
    {"message_id", F_UUID, OPT},
    {"processed", F_BOOL, OPT},
    {"cause", F_STRING, OPT, .min_len = 1, .max_len = 64},
    {0},
};

/* The tables of each kind, indexed by cs_kind_t; each list ends in NULL. */
static const field_t *const *const KIND_TABLES[] = {
    [CS_KIND_CALL] = (const field_t *const[]){CALL, NULL},
    [CS_KIND_EXTRACTION] = (const field_t *const[]){CALL, EXTRACTION, NULL},
    [CS_KIND_DECISION] = (const field_t *const[]){CALL, EXTRACTION, DECISION, NULL},
    [CS_KIND_ACK] = (const field_t *const[]){ACK, NULL},
};

static const char *const KIND_NAMES[] = {
    [CS_KIND_UNKNOWN] = "unknown",   [CS_KIND_CALL] = "call", [CS_KIND_EXTRACTION] = "extraction",
    [CS_KIND_DECISION] = "decision", [CS_KIND_ACK] = "ack",
};

#define KIND_COUNT ((int)(sizeof KIND_NAMES / sizeof KIND_NAMES[0]))

/* ---------------------------------------------------------------------------------------- */
/* Errors and paths                                                                           */

/* Where a walk is in the tree, to name the field in error messages: one segment per level. */
typedef struct {
    const char *key; /* not NUL-terminated; NULL for an array index */
    size_t keylen;
    size_t index;
} segment_t;

typedef struct {
    char *err;
    size_t errlen;
    segment_t path[CS_RECORD_MAX_DEPTH];
    int depth;     /* segments in use */
    size_t values; /* values seen so far, against CS_RECORD_MAX_VALUES */
} walk_t;

/* The depth checks keep paths within CS_RECORD_MAX_DEPTH segments. */
static void push_key(walk_t *w, const char *key, size_t keylen)
{
    assert(w->depth < CS_RECORD_MAX_DEPTH);
    w->path[w->depth++] = (segment_t){.key = key, .keylen = keylen};
}

static void push_index(walk_t *w, size_t index)
{
    assert(w->depth < CS_RECORD_MAX_DEPTH);
    w->path[w->depth++] = (segment_t){.index = index};
}

static void pop(walk_t *w)
{
    w->depth--;
}

static void vreport(char *err, size_t errlen, const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void vreport(char *err, size_t errlen, const char *prefix, const char *fmt, va_list ap)
{
    if (!err || errlen == 0)
        return;
    int n = snprintf(err, errlen, "%s", prefix);
    if (n >= 0 && (size_t)n < errlen)
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
}

/* Writes "fmt..." into the caller's buffer. Returns -1, for `return fail(...)`. */
static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(err, errlen, "", fmt, ap);
    va_end(ap);
    return -1;
}

/* The walk's position as "a.b[3].c" (keys cut at 64 bytes); "" at the top. */
static void format_path(const walk_t *w, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < w->depth && used < size; i++) {
        const segment_t *s = &w->path[i];
        int n;
        if (s->key)
            n = snprintf(buf + used, size - used, "%s%.*s", i ? "." : "",
                         (int)(s->keylen < 64 ? s->keylen : 64), s->key);
        else
            n = snprintf(buf + used, size - used, "[%zu]", s->index);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* Writes "field 'a.b[3].c': fmt..." (just "fmt..." at the top). Returns -1. */
static int report(walk_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int report(walk_t *w, const char *fmt, ...)
{
    char path[256], prefix[272] = "";
    format_path(w, path, sizeof path);
    if (path[0])
        snprintf(prefix, sizeof prefix, "field '%s': ", path);
    va_list ap;
    va_start(ap, fmt);
    vreport(w->err, w->errlen, prefix, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---------------------------------------------------------------------------------------- */
/* 2. Validation                                                                              */

/* The limits every string and key obeys, wherever it is. `what` is "string" or "key". */
static int check_text(walk_t *w, const char *s, size_t n, const char *what)
{
    if (n > CS_RECORD_MAX_STRING)
        return report(w, "%s of %zu bytes, over the limit of %u", what, n, CS_RECORD_MAX_STRING);
    if (memchr(s, '\0', n))
        return report(w, "%s contains a NUL byte", what);
    if (!cs_text_utf8_valid(s, n))
        return report(w, "%s is not valid UTF-8", what);
    return 0;
}

static int count_value(walk_t *w)
{
    if (++w->values > CS_RECORD_MAX_VALUES)
        return report(w, "more than %u values in the record", CS_RECORD_MAX_VALUES);
    return 0;
}

/* The limits over a jansson tree; `depth` is that of `v` if it is a container. */
static int check_limits(walk_t *w, const json_t *v, int depth)
{
    if (count_value(w) != 0)
        return -1;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        if (depth > CS_RECORD_MAX_DEPTH)
            return report(w, "nested deeper than %d", CS_RECORD_MAX_DEPTH);
        json_t *obj = (json_t *)v; /* jansson's iterators take non-const; we only read */
        const char *key;
        size_t keylen;
        json_t *child;
        json_object_keylen_foreach(obj, key, keylen, child)
        {
            if (check_text(w, key, keylen, "key") != 0)
                return -1;
            push_key(w, key, keylen);
            int rc = check_limits(w, child, depth + 1);
            pop(w);
            if (rc != 0)
                return -1;
        }
        return 0;
    }
    case JSON_ARRAY:
        if (depth > CS_RECORD_MAX_DEPTH)
            return report(w, "nested deeper than %d", CS_RECORD_MAX_DEPTH);
        for (size_t i = 0; i < json_array_size(v); i++) {
            push_index(w, i);
            int rc = check_limits(w, json_array_get(v, i), depth + 1);
            pop(w);
            if (rc != 0)
                return -1;
        }
        return 0;
    case JSON_STRING:
        return check_text(w, json_string_value(v), json_string_length(v), "string");
    case JSON_REAL:
        if (!isfinite(json_real_value(v)))
            return report(w, "non-finite number");
        return 0;
    default:
        return 0;
    }
}

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "real";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    default:
        return "null";
    }
}

static const char *ftype_name(ftype_t type)
{
    switch (type) {
    case F_STRING:
        return "string";
    case F_UUID:
        return "uuid";
    case F_TIME:
        return "time";
    case F_INT:
        return "integer";
    case F_NUMBER:
        return "number";
    case F_BOOL:
        return "boolean";
    case F_OBJECT:
        return "object";
    default:
        return "array";
    }
}

/* Loosely ISO-8601: "YYYY-MM-DD" with a plausible month and day, then nothing or a 'T' (or a
   space) and at most 54 more characters; the consumers parse the rest. */
static bool time_valid(const char *s, size_t n)
{
    if (n < 10 || n > 64)
        return false;
    for (size_t i = 0; i < 10; i++) {
        bool want_dash = i == 4 || i == 7;
        if (want_dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
            return false;
    }
    int month = (s[5] - '0') * 10 + (s[6] - '0');
    int day = (s[8] - '0') * 10 + (s[9] - '0');
    if (month < 1 || month > 12 || day < 1 || day > 31)
        return false;
    return n == 10 || s[10] == 'T' || s[10] == ' ';
}

static int check_fields(walk_t *w, const json_t *obj, const field_t *fields);

/* One value of type `type`, constrained by field `f` (its type, or its item type). */
static int check_value(walk_t *w, const field_t *f, ftype_t type, const json_t *v)
{
    bool ok;
    switch (type) {
    case F_STRING:
    case F_UUID:
    case F_TIME:
        ok = json_is_string(v);
        break;
    case F_INT:
        ok = json_is_integer(v);
        break;
    case F_NUMBER:
        ok = json_is_number(v);
        break;
    case F_BOOL:
        ok = json_is_boolean(v);
        break;
    case F_OBJECT:
        ok = json_is_object(v);
        break;
    default:
        ok = json_is_array(v);
        break;
    }
    if (!ok)
        return report(w, "expected %s, got %s", ftype_name(type), json_type_name(v));

    if (type == F_STRING || type == F_UUID || type == F_TIME) {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        if (type == F_UUID && !cs_uuid_valid_n(s, n))
            return report(w, "'%.64s' is not a uuid", s);
        if (type == F_TIME && !time_valid(s, n))
            return report(w, "'%.64s' is not an ISO-8601 time", s);
        if (f->choices) {
            const char *const *c = f->choices;
            while (*c && strcmp(*c, s) != 0)
                c++;
            if (!*c) {
                char allowed[128] = "";
                for (c = f->choices; *c; c++)
                    snprintf(allowed + strlen(allowed), sizeof allowed - strlen(allowed), "%s%s",
                             c == f->choices ? "" : "|", *c);
                return report(w, "'%.64s' is not one of %s", s, allowed);
            }
        }
        size_t chars = (f->min_len || f->max_len) ? cs_text_utf8_chars(s, n) : 0;
        if (chars < f->min_len)
            return report(w, "%zu characters, at least %zu wanted", chars, f->min_len);
        if (f->max_len && chars > f->max_len)
            return report(w, "%zu characters, at most %zu allowed", chars, f->max_len);
    } else if ((type == F_INT || type == F_NUMBER) && f->range) {
        double x = json_number_value(v);
        if (x < f->range->min || x > f->range->max) {
            char shown[32]; /* integers exactly, reals shortest */
            if (json_is_integer(v))
                snprintf(shown, sizeof shown, "%lld", (long long)json_integer_value(v));
            else
                snprintf(shown, sizeof shown, "%g", x);
            if (x < f->range->min)
                return report(w, "%s is below %g", shown, f->range->min);
            return report(w, "%s is above %g", shown, f->range->max);
        }
    } else if (type == F_OBJECT) {
        return check_fields(w, v, f->fields);
    } else if (type == F_ARRAY) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            push_index(w, i);
            int rc = check_value(w, f, f->item, json_array_get(v, i));
            pop(w);
            if (rc != 0)
                return -1;
        }
    }
    return 0;
}

/* The fields of one table on `obj`; keys the table does not name are left alone. */
static int check_fields(walk_t *w, const json_t *obj, const field_t *fields)
{
    for (const field_t *f = fields; f->name; f++) {
        const json_t *v = json_object_get(obj, f->name);
        push_key(w, f->name, strlen(f->name));
        int rc = 0;
        if (!v) {
            if (f->required) {
                char path[256];
                format_path(w, path, sizeof path);
                pop(w);
                return fail(w->err, w->errlen, "missing field '%s'", path);
            }
        } else if (json_is_null(v) && !f->required) {
            rc = 0;
        } else {
            rc = check_value(w, f, f->type, v);
        }
        pop(w);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* "v", "kind", then the tables of the kind; the limits have been checked. */
static int check_schema(walk_t *w, const json_t *rec)
{
    if (!json_is_object(rec))
        return report(w, "record is %s, not an object", rec ? json_type_name(rec) : "NULL");
    const json_t *v = json_object_get(rec, "v");
    if (!v)
        return report(w, "missing field 'v'");
    if (!json_is_integer(v))
        return report(w, "field 'v': expected integer, got %s", json_type_name(v));
    if (json_integer_value(v) != CS_RECORD_VERSION)
        return report(w, "unsupported version %lld", (long long)json_integer_value(v));
    const json_t *kind = json_object_get(rec, "kind");
    if (!kind)
        return report(w, "missing field 'kind'");
    if (!json_is_string(kind))
        return report(w, "field 'kind': expected string, got %s", json_type_name(kind));
    cs_kind_t k = cs_kind_from_name(json_string_value(kind));
    if (k == CS_KIND_UNKNOWN)
        return report(w, "unknown kind '%.64s'", json_string_value(kind));
    for (const field_t *const *table = KIND_TABLES[k]; *table; table++)
        if (check_fields(w, rec, *table) != 0)
            return -1;
    return 0;
}

int cs_record_validate(const json_t *rec, char *err, size_t errlen)
{
    walk_t w = {.err = err, .errlen = errlen};
    if (!json_is_object(rec))
        return check_schema(&w, rec);
    if (check_limits(&w, rec, 1) != 0)
        return -1;
    return check_schema(&w, rec);
}

/* ---------------------------------------------------------------------------------------- */
/* 3. The wire form                                                                           */

/* An sbuffer that refuses to grow past CS_RECORD_MAX_BYTES. */
typedef struct {
    msgpack_sbuffer sbuf;
    bool toobig;
} capped_t;

static int capped_write(void *data, const char *buf, size_t len)
{
    capped_t *c = data;
    if (len > CS_RECORD_MAX_BYTES - c->sbuf.size) {
        c->toobig = true;
        return -1;
    }
    return msgpack_sbuffer_write(&c->sbuf, buf, len);
}

/* One value and everything under it; the depth was bounded by validation. */
static int pack_value(msgpack_packer *pk, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        if (msgpack_pack_map(pk, json_object_size(v)) != 0)
            return -1;
        json_t *obj = (json_t *)v; /* jansson's iterators take non-const; we only read */
        const char *key;
        size_t keylen;
        json_t *child;
        json_object_keylen_foreach(obj, key, keylen, child)
        {
            if (msgpack_pack_str_with_body(pk, key, keylen) != 0 || pack_value(pk, child) != 0)
                return -1;
        }
        return 0;
    }
    case JSON_ARRAY:
        if (msgpack_pack_array(pk, json_array_size(v)) != 0)
            return -1;
        for (size_t i = 0; i < json_array_size(v); i++)
            if (pack_value(pk, json_array_get(v, i)) != 0)
                return -1;
        return 0;
    case JSON_STRING:
        return msgpack_pack_str_with_body(pk, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return msgpack_pack_int64(pk, json_integer_value(v));
    case JSON_REAL:
        return msgpack_pack_double(pk, json_real_value(v));
    case JSON_TRUE:
        return msgpack_pack_true(pk);
    case JSON_FALSE:
        return msgpack_pack_false(pk);
    default:
        return msgpack_pack_nil(pk);
    }
}

int cs_record_encode(const json_t *rec, char **out, size_t *len, char *err, size_t errlen)
{
    *out = NULL;
    *len = 0;
    if (cs_record_validate(rec, err, errlen) != 0)
        return -1;
    capped_t buf = {.toobig = false};
    msgpack_sbuffer_init(&buf.sbuf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buf, capped_write);
    if (pack_value(&pk, rec) != 0) {
        msgpack_sbuffer_destroy(&buf.sbuf);
        if (buf.toobig)
            return fail(err, errlen, "record over the limit of %u bytes", CS_RECORD_MAX_BYTES);
        return fail(err, errlen, "out of memory encoding the record");
    }
    *len = buf.sbuf.size;
    *out = msgpack_sbuffer_release(&buf.sbuf);
    return 0;
}

/* The decoder: a cursor over the frame, and the walk for limits and error paths. */
typedef struct {
    walk_t w;
    const unsigned char *p;
    size_t len, off;
} reader_t;

static json_t *read_value(reader_t *r, int depth);

static size_t left(const reader_t *r)
{
    return r->len - r->off;
}

/* A big-endian unsigned integer of `n` bytes (1, 2, 4 or 8) at the cursor. */
static int read_uint(reader_t *r, size_t n, uint64_t *out)
{
    if (left(r) < n)
        return report(&r->w, "truncated frame at byte %zu", r->len);
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x = x << 8 | r->p[r->off + i];
    r->off += n;
    *out = x;
    return 0;
}

/* Releases a container abandoned half-way. Returns NULL. */
static json_t *drop(json_t *partial)
{
    json_decref(partial);
    return NULL;
}

static json_t *out_of_memory(reader_t *r)
{
    report(&r->w, "out of memory");
    return NULL;
}

/* `v`, or NULL with "out of memory" if it could not be made. */
static json_t *made(reader_t *r, json_t *v)
{
    return v ? v : out_of_memory(r);
}

/* A string body of `n` bytes at the cursor, after its header at `at`. */
static json_t *read_str(reader_t *r, uint64_t n, size_t at)
{
    if (n > CS_RECORD_MAX_STRING) {
        report(&r->w, "string of %llu bytes at byte %zu, over the limit of %u",
               (unsigned long long)n, at, CS_RECORD_MAX_STRING);
        return NULL;
    }
    if (n > left(r)) {
        report(&r->w, "truncated frame: string of %llu bytes at byte %zu, %zu bytes left",
               (unsigned long long)n, at, left(r));
        return NULL;
    }
    const char *s = (const char *)r->p + r->off;
    if (check_text(&r->w, s, (size_t)n, "string") != 0)
        return NULL;
    r->off += (size_t)n;
    return made(r, json_stringn(s, (size_t)n));
}

static json_t *read_array(reader_t *r, uint64_t n, int depth, size_t at)
{
    if (depth > CS_RECORD_MAX_DEPTH) {
        report(&r->w, "nested deeper than %d at byte %zu", CS_RECORD_MAX_DEPTH, at);
        return NULL;
    }
    if (n > left(r)) { /* every item takes at least one byte */
        report(&r->w, "array of %llu items at byte %zu but %zu bytes left", (unsigned long long)n,
               at, left(r));
        return NULL;
    }
    if (n > CS_RECORD_MAX_VALUES - r->w.values) {
        report(&r->w, "more than %u values in the record", CS_RECORD_MAX_VALUES);
        return NULL;
    }
    json_t *array = json_array();
    if (!array)
        return out_of_memory(r);
    for (size_t i = 0; i < n; i++) {
        push_index(&r->w, i);
        json_t *item = read_value(r, depth + 1);
        pop(&r->w);
        if (!item)
            return drop(array);
        if (json_array_append_new(array, item) != 0) {
            out_of_memory(r);
            return drop(array);
        }
    }
    return array;
}

/* The header of a map key at the cursor: its length, or -1 if it is not a string. */
static int read_key_header(reader_t *r, uint64_t *n)
{
    size_t at = r->off;
    unsigned char b = r->p[r->off++];
    if ((b & 0xe0) == 0xa0) {
        *n = b & 0x1f;
        return 0;
    }
    if (b >= 0xd9 && b <= 0xdb)
        return read_uint(r, (size_t)1 << (b - 0xd9), n);
    return report(&r->w, "map key at byte %zu is not a string (type byte 0x%02x)", at, b);
}

static json_t *read_map(reader_t *r, uint64_t n, int depth, size_t at)
{
    if (depth > CS_RECORD_MAX_DEPTH) {
        report(&r->w, "nested deeper than %d at byte %zu", CS_RECORD_MAX_DEPTH, at);
        return NULL;
    }
    if (n > left(r) / 2) { /* every entry takes at least two bytes */
        report(&r->w, "map of %llu entries at byte %zu but %zu bytes left", (unsigned long long)n,
               at, left(r));
        return NULL;
    }
    if (n > CS_RECORD_MAX_VALUES - r->w.values) {
        report(&r->w, "more than %u values in the record", CS_RECORD_MAX_VALUES);
        return NULL;
    }
    json_t *map = json_object();
    if (!map)
        return out_of_memory(r);
    for (size_t i = 0; i < n; i++) {
        size_t key_at = r->off;
        uint64_t keylen = 0;
        if (left(r) == 0) {
            report(&r->w, "truncated frame at byte %zu", r->len);
            return drop(map);
        }
        if (read_key_header(r, &keylen) != 0)
            return drop(map);
        if (keylen > CS_RECORD_MAX_STRING) {
            report(&r->w, "key of %llu bytes at byte %zu, over the limit of %u",
                   (unsigned long long)keylen, key_at, CS_RECORD_MAX_STRING);
            return drop(map);
        }
        if (keylen > left(r)) {
            report(&r->w, "truncated frame: key of %llu bytes at byte %zu, %zu bytes left",
                   (unsigned long long)keylen, key_at, left(r));
            return drop(map);
        }
        const char *key = (const char *)r->p + r->off;
        if (check_text(&r->w, key, (size_t)keylen, "key") != 0)
            return drop(map);
        r->off += (size_t)keylen;
        if (json_object_getn(map, key, (size_t)keylen)) {
            report(&r->w, "duplicate key '%.*s' at byte %zu", (int)(keylen < 64 ? keylen : 64), key,
                   key_at);
            return drop(map);
        }
        push_key(&r->w, key, (size_t)keylen);
        json_t *value = read_value(r, depth + 1);
        pop(&r->w);
        if (!value)
            return drop(map);
        if (json_object_setn_new(map, key, (size_t)keylen, value) != 0) {
            out_of_memory(r);
            return drop(map);
        }
    }
    return map;
}

static json_t *read_real(reader_t *r, double x, size_t at)
{
    if (!isfinite(x)) {
        report(&r->w, "non-finite float at byte %zu", at);
        return NULL;
    }
    return made(r, json_real(x));
}

/* One value at the cursor; `depth` is its depth if it is a container. Every msgpack type byte
   is handled: bin, ext and the never-used 0xc1 are rejected. */
static json_t *read_value(reader_t *r, int depth)
{
    size_t at = r->off;
    if (left(r) == 0) {
        report(&r->w, "truncated frame at byte %zu", r->len);
        return NULL;
    }
    if (count_value(&r->w) != 0)
        return NULL;
    unsigned char b = r->p[r->off++];
    uint64_t u = 0;
    if (b <= 0x7f)
        return made(r, json_integer(b));
    if (b >= 0xe0)
        return made(r, json_integer((int)b - 256));
    if ((b & 0xf0) == 0x80)
        return read_map(r, b & 0x0f, depth, at);
    if ((b & 0xf0) == 0x90)
        return read_array(r, b & 0x0f, depth, at);
    if ((b & 0xe0) == 0xa0)
        return read_str(r, b & 0x1f, at);
    switch (b) {
    case 0xc0:
        return json_null();
    case 0xc2:
        return json_false();
    case 0xc3:
        return json_true();
    case 0xca: { /* float 32 */
        if (read_uint(r, 4, &u) != 0)
            return NULL;
        uint32_t bits = (uint32_t)u;
        float f;
        memcpy(&f, &bits, sizeof f);
        return read_real(r, f, at);
    }
    case 0xcb: { /* float 64 */
        if (read_uint(r, 8, &u) != 0)
            return NULL;
        double d;
        memcpy(&d, &u, sizeof d);
        return read_real(r, d, at);
    }
    case 0xcc: /* uint 8, 16, 32, 64 */
    case 0xcd:
    case 0xce:
    case 0xcf:
        if (read_uint(r, (size_t)1 << (b - 0xcc), &u) != 0)
            return NULL;
        if (u > INT64_MAX) {
            report(&r->w, "integer %llu at byte %zu is too large", (unsigned long long)u, at);
            return NULL;
        }
        return made(r, json_integer((json_int_t)u));
    case 0xd0: /* int 8, 16, 32, 64: sign-extend from the top bit */
    case 0xd1:
    case 0xd2:
    case 0xd3: {
        size_t n = (size_t)1 << (b - 0xd0);
        if (read_uint(r, n, &u) != 0)
            return NULL;
        if (n < 8 && (u >> (8 * n - 1)))
            u |= ~(uint64_t)0 << (8 * n);
        int64_t i;
        memcpy(&i, &u, sizeof i);
        return made(r, json_integer(i));
    }
    case 0xd9: /* str 8, 16, 32 */
    case 0xda:
    case 0xdb:
        if (read_uint(r, (size_t)1 << (b - 0xd9), &u) != 0)
            return NULL;
        return read_str(r, u, at);
    case 0xdc: /* array 16, 32 */
    case 0xdd:
        if (read_uint(r, b == 0xdc ? 2 : 4, &u) != 0)
            return NULL;
        return read_array(r, u, depth, at);
    case 0xde: /* map 16, 32 */
    case 0xdf:
        if (read_uint(r, b == 0xde ? 2 : 4, &u) != 0)
            return NULL;
        return read_map(r, u, depth, at);
    case 0xc4: /* bin 8, 16, 32 */
    case 0xc5:
    case 0xc6:
        report(&r->w, "bin type at byte %zu not allowed", at);
        return NULL;
    case 0xc1:
        report(&r->w, "invalid type byte 0xc1 at byte %zu", at);
        return NULL;
    default: /* 0xc7-0xc9 ext 8, 16, 32 and 0xd4-0xd8 fixext */
        report(&r->w, "ext type 0x%02x at byte %zu not allowed", b, at);
        return NULL;
    }
}

json_t *cs_record_decode(const void *buf, size_t len, char *err, size_t errlen)
{
    if (len == 0) {
        fail(err, errlen, "empty frame");
        return NULL;
    }
    if (!buf) {
        fail(err, errlen, "no frame");
        return NULL;
    }
    if (len > CS_RECORD_MAX_BYTES) {
        fail(err, errlen, "frame of %zu bytes, over the limit of %u", len, CS_RECORD_MAX_BYTES);
        return NULL;
    }
    reader_t r = {.w = {.err = err, .errlen = errlen}, .p = buf, .len = len};
    unsigned char b = r.p[0];
    if ((b & 0xf0) != 0x80 && b != 0xde && b != 0xdf) {
        fail(err, errlen, "top level is not a map (type byte 0x%02x)", b);
        return NULL;
    }
    json_t *rec = read_value(&r, 1);
    if (!rec)
        return NULL;
    if (r.off != len) {
        fail(err, errlen, "%zu bytes after the record in a frame of %zu", len - r.off, len);
        json_decref(rec);
        return NULL;
    }
    if (check_schema(&r.w, rec) != 0) {
        json_decref(rec);
        return NULL;
    }
    return rec;
}

/* ---------------------------------------------------------------------------------------- */
/* Kinds and getters                                                                          */

const char *cs_kind_name(cs_kind_t kind)
{
    if ((int)kind <= CS_KIND_UNKNOWN || (int)kind >= KIND_COUNT)
        return KIND_NAMES[CS_KIND_UNKNOWN];
    return KIND_NAMES[kind];
}

cs_kind_t cs_kind_from_name(const char *name)
{
    if (!name)
        return CS_KIND_UNKNOWN;
    for (int k = CS_KIND_UNKNOWN + 1; k < KIND_COUNT; k++)
        if (strcmp(KIND_NAMES[k], name) == 0)
            return (cs_kind_t)k;
    return CS_KIND_UNKNOWN;
}

cs_kind_t cs_record_kind(const json_t *rec)
{
    return cs_kind_from_name(cs_rec_str(rec, "kind"));
}

json_t *cs_record_new(cs_kind_t kind)
{
    if ((int)kind <= CS_KIND_UNKNOWN || (int)kind >= KIND_COUNT)
        return NULL;
    return json_pack("{s:i, s:s}", "v", CS_RECORD_VERSION, "kind", KIND_NAMES[kind]);
}

const char *cs_rec_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

long long cs_rec_int(const json_t *obj, const char *key, long long dflt)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

double cs_rec_num(const json_t *obj, const char *key, double dflt)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : dflt;
}
