/*  cs_record: records in memory (jansson) and on the wire (one msgpack map per frame).

    The schemas and the checks live in cs_record_schema; here are the kinds, validation (the
    limits, then the schema), the wire form (encoding with msgpack-c's packer, decoding with our
    own small reader) and the getters.

    Why our own reader: msgpack-c's unpacker trusts container headers (a 5-byte array32 header
    makes it reserve room for 2^32-1 objects before reading one) and builds a full object tree of
    its own. The reader below checks each header against the bytes left and the limits first,
    and builds the jansson tree directly, so one bad frame costs at most what its bytes can
    honestly describe. */
#include "cs_record.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <msgpack.h>

#include "cs_record_schema.h"
#include "cs_util.h"

const char *const CS_URGENCY_LEVELS[] = {CS_URGENCY_LOW, CS_URGENCY_MEDIUM, CS_URGENCY_HIGH,
                                         CS_URGENCY_CRITICAL, NULL};

const char *const CS_DECISION_SCORES[] = {"vector", "lexical", "fused", "judge", "margin", NULL};

int cs_urgency_rank(const char *level)
{
    for (int i = 0; level && CS_URGENCY_LEVELS[i]; i++)
        if (strcmp(level, CS_URGENCY_LEVELS[i]) == 0)
            return i;
    return -1;
}

static const char *const KIND_NAMES[] = {
    [CS_KIND_UNKNOWN] = "unknown",   [CS_KIND_CALL] = "call", [CS_KIND_EXTRACTION] = "extraction",
    [CS_KIND_DECISION] = "decision", [CS_KIND_ACK] = "ack",
};

#define KIND_COUNT ((int)(sizeof KIND_NAMES / sizeof KIND_NAMES[0]))

int cs_record_validate(const json_t *rec, char *err, size_t errlen)
{
    cs_record_walk_t w = {.err = err, .errlen = errlen};
    if (json_is_object(rec) && cs_record_schema_limits(&w, rec, 1) != 0)
        return -1;
    return cs_record_schema_check(&w, rec);
}

/* ---------------------------------------------------------------------------------------- */
/* The wire form                                                                              */

/* An sbuffer that refuses to grow past CS_RECORD_MAX_BYTES. */
typedef struct {
    msgpack_sbuffer sbuf;
    bool toobig;
} capped_t;

static int s_capped_write(void *data, const char *buf, size_t len)
{
    capped_t *c = data;
    if (len > CS_RECORD_MAX_BYTES - c->sbuf.size) {
        c->toobig = true;
        return -1;
    }
    return msgpack_sbuffer_write(&c->sbuf, buf, len);
}

/* One value and everything under it; the depth was bounded by validation. */
int cs_record_pack_value(msgpack_packer *pk, const json_t *v)
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
            if (msgpack_pack_str_with_body(pk, key, keylen) != 0 ||
                cs_record_pack_value(pk, child) != 0)
                return -1;
        }
        return 0;
    }
    case JSON_ARRAY:
        if (msgpack_pack_array(pk, json_array_size(v)) != 0)
            return -1;
        for (size_t i = 0; i < json_array_size(v); i++)
            if (cs_record_pack_value(pk, json_array_get(v, i)) != 0)
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
    msgpack_packer_init(&pk, &buf, s_capped_write);
    if (cs_record_pack_value(&pk, rec) != 0) {
        msgpack_sbuffer_destroy(&buf.sbuf);
        if (buf.toobig)
            return cs_fail(err, errlen, "record over the limit of %u bytes", CS_RECORD_MAX_BYTES);
        return cs_fail(err, errlen, "out of memory encoding the record");
    }
    *len = buf.sbuf.size;
    *out = msgpack_sbuffer_release(&buf.sbuf);
    return 0;
}

/* The decoder: a cursor over the frame, and the walk for limits and error paths. */
typedef struct {
    cs_record_walk_t w;
    const unsigned char *p;
    size_t len, off;
} reader_t;

static json_t *s_read_value(reader_t *r, int depth);

static size_t s_left(const reader_t *r)
{
    return r->len - r->off;
}

/* A big-endian unsigned integer of `n` bytes (1, 2, 4 or 8) at the cursor. */
static int s_read_uint(reader_t *r, size_t n, uint64_t *out)
{
    if (s_left(r) < n)
        return cs_record_walk_report(&r->w, "truncated frame at byte %zu", r->len);
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x = x << 8 | r->p[r->off + i];
    r->off += n;
    *out = x;
    return 0;
}

/* Releases a container abandoned half-way. Returns NULL. */
static json_t *s_drop(json_t *partial)
{
    json_decref(partial);
    return NULL;
}

static json_t *s_out_of_memory(reader_t *r)
{
    cs_record_walk_report(&r->w, "out of memory");
    return NULL;
}

/* `v`, or NULL with "out of memory" if it could not be made. */
static json_t *s_made(reader_t *r, json_t *v)
{
    return v ? v : s_out_of_memory(r);
}

/* A string body of `n` bytes at the cursor, after its header at `at`. */
static json_t *s_read_str(reader_t *r, uint64_t n, size_t at)
{
    size_t cap = cs_record_walk_string_cap(&r->w);
    if (n > cap) {
        cs_record_walk_report(&r->w, "string of %llu bytes at byte %zu, over the limit of %zu",
                              (unsigned long long)n, at, cap);
        return NULL;
    }
    if (n > s_left(r)) {
        cs_record_walk_report(&r->w,
                              "truncated frame: string of %llu bytes at byte %zu, %zu bytes left",
                              (unsigned long long)n, at, s_left(r));
        return NULL;
    }
    const char *s = (const char *)r->p + r->off;
    if (cs_record_schema_text(&r->w, s, (size_t)n, "string") != 0)
        return NULL;
    r->off += (size_t)n;
    /* checked just above: jansson need not scan it for UTF-8 again */
    return s_made(r, json_stringn_nocheck(s, (size_t)n));
}

static json_t *s_read_array(reader_t *r, uint64_t n, int depth, size_t at)
{
    if (depth > CS_RECORD_MAX_DEPTH) {
        cs_record_walk_report(&r->w, "nested deeper than %d at byte %zu", CS_RECORD_MAX_DEPTH, at);
        return NULL;
    }
    if (n > s_left(r)) { /* every item takes at least one byte */
        cs_record_walk_report(&r->w, "array of %llu items at byte %zu but %zu bytes left",
                              (unsigned long long)n, at, s_left(r));
        return NULL;
    }
    if (n > CS_RECORD_MAX_VALUES - r->w.values) {
        cs_record_walk_report(&r->w, "more than %u values in the record", CS_RECORD_MAX_VALUES);
        return NULL;
    }
    json_t *array = json_array();
    if (!array)
        return s_out_of_memory(r);
    for (size_t i = 0; i < n; i++) {
        cs_record_walk_push_index(&r->w, i);
        json_t *item = s_read_value(r, depth + 1);
        cs_record_walk_pop(&r->w);
        if (!item)
            return s_drop(array);
        if (json_array_append_new(array, item) != 0) {
            s_out_of_memory(r);
            return s_drop(array);
        }
    }
    return array;
}

/* The header of a map key at the cursor: its length, or -1 if it is not a string. */
static int s_read_key_header(reader_t *r, uint64_t *n)
{
    size_t at = r->off;
    unsigned char b = r->p[r->off++];
    if ((b & 0xe0) == 0xa0) {
        *n = b & 0x1f;
        return 0;
    }
    if (b >= 0xd9 && b <= 0xdb)
        return s_read_uint(r, (size_t)1 << (b - 0xd9), n);
    return cs_record_walk_report(&r->w, "map key at byte %zu is not a string (type byte 0x%02x)",
                                 at, b);
}

static json_t *s_read_map(reader_t *r, uint64_t n, int depth, size_t at)
{
    if (depth > CS_RECORD_MAX_DEPTH) {
        cs_record_walk_report(&r->w, "nested deeper than %d at byte %zu", CS_RECORD_MAX_DEPTH, at);
        return NULL;
    }
    if (n > s_left(r) / 2) { /* every entry takes at least two bytes */
        cs_record_walk_report(&r->w, "map of %llu entries at byte %zu but %zu bytes left",
                              (unsigned long long)n, at, s_left(r));
        return NULL;
    }
    if (n > CS_RECORD_MAX_VALUES - r->w.values) {
        cs_record_walk_report(&r->w, "more than %u values in the record", CS_RECORD_MAX_VALUES);
        return NULL;
    }
    json_t *map = json_object();
    if (!map)
        return s_out_of_memory(r);
    for (size_t i = 0; i < n; i++) {
        size_t key_at = r->off;
        uint64_t keylen = 0;
        if (s_left(r) == 0) {
            cs_record_walk_report(&r->w, "truncated frame at byte %zu", r->len);
            return s_drop(map);
        }
        if (s_read_key_header(r, &keylen) != 0)
            return s_drop(map);
        if (keylen > CS_RECORD_MAX_STRING) {
            cs_record_walk_report(&r->w, "key of %llu bytes at byte %zu, over the limit of %u",
                                  (unsigned long long)keylen, key_at, CS_RECORD_MAX_STRING);
            return s_drop(map);
        }
        if (keylen > s_left(r)) {
            cs_record_walk_report(&r->w,
                                  "truncated frame: key of %llu bytes at byte %zu, %zu bytes left",
                                  (unsigned long long)keylen, key_at, s_left(r));
            return s_drop(map);
        }
        const char *key = (const char *)r->p + r->off;
        if (cs_record_schema_text(&r->w, key, (size_t)keylen, "key") != 0)
            return s_drop(map);
        r->off += (size_t)keylen;
        if (json_object_getn(map, key, (size_t)keylen)) {
            cs_record_walk_report(&r->w, "duplicate key '%.*s' at byte %zu",
                                  (int)(keylen < 64 ? keylen : 64), key, key_at);
            return s_drop(map);
        }
        cs_record_walk_push_key(&r->w, key, (size_t)keylen);
        json_t *value = s_read_value(r, depth + 1);
        cs_record_walk_pop(&r->w);
        if (!value)
            return s_drop(map);
        if (json_object_setn_new(map, key, (size_t)keylen, value) != 0) {
            s_out_of_memory(r);
            return s_drop(map);
        }
    }
    return map;
}

static json_t *s_read_real(reader_t *r, double x, size_t at)
{
    if (!isfinite(x)) {
        cs_record_walk_report(&r->w, "non-finite float at byte %zu", at);
        return NULL;
    }
    return s_made(r, json_real(x));
}

/* One value at the cursor; `depth` is its depth if it is a container. Every msgpack type byte
   is handled: bin, ext and the never-used 0xc1 are rejected. */
static json_t *s_read_value(reader_t *r, int depth)
{
    size_t at = r->off;
    if (s_left(r) == 0) {
        cs_record_walk_report(&r->w, "truncated frame at byte %zu", r->len);
        return NULL;
    }
    if (cs_record_walk_count(&r->w) != 0)
        return NULL;
    unsigned char b = r->p[r->off++];
    uint64_t u = 0;
    if (b <= 0x7f)
        return s_made(r, json_integer(b));
    if (b >= 0xe0)
        return s_made(r, json_integer((int)b - 256));
    if ((b & 0xf0) == 0x80)
        return s_read_map(r, b & 0x0f, depth, at);
    if ((b & 0xf0) == 0x90)
        return s_read_array(r, b & 0x0f, depth, at);
    if ((b & 0xe0) == 0xa0)
        return s_read_str(r, b & 0x1f, at);
    switch (b) {
    case 0xc0:
        return json_null();
    case 0xc2:
        return json_false();
    case 0xc3:
        return json_true();
    case 0xca: { /* float 32 */
        if (s_read_uint(r, 4, &u) != 0)
            return NULL;
        uint32_t bits = (uint32_t)u;
        float f;
        memcpy(&f, &bits, sizeof f);
        return s_read_real(r, f, at);
    }
    case 0xcb: { /* float 64 */
        if (s_read_uint(r, 8, &u) != 0)
            return NULL;
        double d;
        memcpy(&d, &u, sizeof d);
        return s_read_real(r, d, at);
    }
    case 0xcc: /* uint 8, 16, 32, 64 */
    case 0xcd:
    case 0xce:
    case 0xcf:
        if (s_read_uint(r, (size_t)1 << (b - 0xcc), &u) != 0)
            return NULL;
        if (u > INT64_MAX) {
            cs_record_walk_report(&r->w, "integer %llu at byte %zu is too large",
                                  (unsigned long long)u, at);
            return NULL;
        }
        return s_made(r, json_integer((json_int_t)u));
    case 0xd0: /* int 8, 16, 32, 64: sign-extend from the top bit */
    case 0xd1:
    case 0xd2:
    case 0xd3: {
        size_t n = (size_t)1 << (b - 0xd0);
        if (s_read_uint(r, n, &u) != 0)
            return NULL;
        if (n < 8 && (u >> (8 * n - 1)))
            u |= ~(uint64_t)0 << (8 * n);
        int64_t i;
        memcpy(&i, &u, sizeof i);
        return s_made(r, json_integer(i));
    }
    case 0xd9: /* str 8, 16, 32 */
    case 0xda:
    case 0xdb:
        if (s_read_uint(r, (size_t)1 << (b - 0xd9), &u) != 0)
            return NULL;
        return s_read_str(r, u, at);
    case 0xdc: /* array 16, 32 */
    case 0xdd:
        if (s_read_uint(r, b == 0xdc ? 2 : 4, &u) != 0)
            return NULL;
        return s_read_array(r, u, depth, at);
    case 0xde: /* map 16, 32 */
    case 0xdf:
        if (s_read_uint(r, b == 0xde ? 2 : 4, &u) != 0)
            return NULL;
        return s_read_map(r, u, depth, at);
    case 0xc4: /* bin 8, 16, 32 */
    case 0xc5:
    case 0xc6:
        cs_record_walk_report(&r->w, "bin type at byte %zu not allowed", at);
        return NULL;
    case 0xc1:
        cs_record_walk_report(&r->w, "invalid type byte 0xc1 at byte %zu", at);
        return NULL;
    default: /* 0xc7-0xc9 ext 8, 16, 32 and 0xd4-0xd8 fixext */
        cs_record_walk_report(&r->w, "ext type 0x%02x at byte %zu not allowed", b, at);
        return NULL;
    }
}

json_t *cs_record_decode(const void *buf, size_t len, char *err, size_t errlen)
{
    if (len == 0) {
        cs_fail(err, errlen, "empty frame");
        return NULL;
    }
    if (!buf) {
        cs_fail(err, errlen, "no frame");
        return NULL;
    }
    if (len > CS_RECORD_MAX_BYTES) {
        cs_fail(err, errlen, "frame of %zu bytes, over the limit of %u", len, CS_RECORD_MAX_BYTES);
        return NULL;
    }
    reader_t r = {.w = {.err = err, .errlen = errlen}, .p = buf, .len = len};
    unsigned char b = r.p[0];
    if ((b & 0xf0) != 0x80 && b != 0xde && b != 0xdf) {
        cs_fail(err, errlen, "top level is not a map (type byte 0x%02x)", b);
        return NULL;
    }
    json_t *rec = s_read_value(&r, 1);
    if (!rec)
        return NULL;
    if (r.off != len) {
        cs_fail(err, errlen, "%zu bytes after the record in a frame of %zu", len - r.off, len);
        json_decref(rec);
        return NULL;
    }
    if (cs_record_schema_check(&r.w, rec) != 0) {
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

const char *cs_json_type_name(const json_t *v)
{
    if (!v)
        return "null";
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
