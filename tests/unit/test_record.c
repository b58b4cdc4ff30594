/* cs_record: building records, validating them against their kind's schema, and the strict,
   bounded msgpack wire form. Every decoding trap of STYLE.md has a test here. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <msgpack.h>

#include "cs_record.h"

#define WS          "647ab033-6d10-4a35-9ace-0399052ec874"
#define INTEGRATION "0f8e2a51-3c7d-4e9b-8a16-2d5c9b7e4f03"
#define FEATURE_A   "9b1d3c5e-7f20-4a8b-b6c4-1e2f3a4b5c6d"
#define FEATURE_B   "c2e4f6a8-0b1d-4c3e-9f5a-7b8c9d0e1f2a"
#define THEME       "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
#define MESSAGE     "e1d2c3b4-a596-4877-8695-a4b3c2d1e0f9"

/* ---------------------------------------------------------------------------------------- */
/* Realistic records of each kind, built the way the stages build them                       */

/* json_object_set_new that insists: a json_pack mistake must not go unnoticed. */
static void set(json_t *obj, const char *key, json_t *value)
{
    cr_assert_not_null(value, "building '%s'", key);
    cr_assert_eq(json_object_set_new(obj, key, value), 0);
}

static json_t *make_call(void)
{
    json_t *call = cs_record_new(CS_KIND_CALL);
    cr_assert_not_null(call);
    set(call, "workspace_id", json_string(WS));
    set(call, "integration_id", json_string(INTEGRATION));
    set(call, "source", json_string("gong"));
    set(call, "external_id", json_string("7782342274025937895"));
    set(call, "title", json_string("Acme ✓ naïve rollout — Q4 review 🚀"));
    set(call, "started_at", json_string("2025-10-20T17:27:28Z"));
    set(call, "duration_seconds", json_integer(2712));
    set(call, "url", json_string("https://app.gong.io/call?id=7782342274025937895"));
    set(call, "participants",
        json_pack("[{s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}, {s:s, s:n, s:s}]", "name",
                  "Steve Park", "email", "steve@callsift.dev", "affiliation", "Internal",
                  "speaker_id", "4711", "title", "Account Executive", "name", "Yukta Müller",
                  "email", "yukta@acme.example", "affiliation", "External", "speaker_id", "4712",
                  "name", "Dial-in user", "email", "affiliation", "Unknown"));
    set(call, "customer",
        json_pack("{s:s, s:f, s:s}", "name", "Acme GmbH", "mrr", 12500.75, "domain",
                  "acme.example"));
    set(call, "transcript",
        json_pack("[{s:s, s:s, s:s, s:i, s:s}, {s:s, s:s, s:s, s:i, s:s},"
                  " {s:s, s:i, s:s}, {s:i, s:s}]",
                  "speaker_id", "4711", "speaker", "Steve Park", "affiliation", "Internal",
                  "start_ms", 0, "text", "Thanks for joining! What would help your team most?",
                  "speaker_id", "4712", "speaker", "Yukta Müller", "affiliation", "External",
                  "start_ms", 4180, "text",
                  "We really need a Salesforce sync ✓ — the naïve CSV export breaks on “quotes”.",
                  "speaker_id", "4712", "start_ms", 15020, "text",
                  "Also: 日本語 tickets get mangled.", "start_ms", 30000, "text", ""));
    set(call, "flags", json_pack("{s:b, s:b}", "extract", 1, "transcripts", 0));
    set(call, "attempt", json_integer(1));
    set(call, "run_id", json_string("run-2025-10-20T18:00:00Z"));
    return call;
}

static json_t *make_extraction(void)
{
    json_t *rec = make_call();
    set(rec, "kind", json_string("extraction"));
    set(rec, "insights",
        json_pack("{s:[{s:s, s:s, s:s, s:s, s:s, s:s}, {s:s, s:s}],"
                  " s:[{s:s, s:s, s:s, s:s}], s:{s:s, s:f}, s:[s, s], s:s}",
                  "feature_requests", "title", "Salesforce sync", "description",
                  "Two-way sync of tickets and accounts", "urgency", "high", "theme",
                  "Integrations", "quote", "We really need a Salesforce sync ✓", "speaker",
                  "Yukta Müller", "title", "Unicode-safe export", "urgency", "medium",
                  "bug_reports", "title", "CSV export breaks on quotes", "description",
                  "Fields with “smart quotes” are split", "severity", "critical", "quote",
                  "the naïve CSV export breaks", "sentiment", "overall", "mixed", "score", -0.25,
                  "pain_points", "manual data entry", "日本語 tickets mangled", "summary",
                  "Acme wants CRM sync; export bugs hurt."));
    set(rec, "llm",
        json_pack("{s:s, s:s, s:i, s:i, s:i, s:f, s:i}", "provider", "openai", "model",
                  "gpt-4o-mini", "prompt_tokens", 5321, "completion_tokens", 412, "latency_ms",
                  2875, "cost_usd", 0.00104565, "attempts", 1));
    return rec;
}

static json_t *make_decision(void)
{
    json_t *rec = make_extraction();
    set(rec, "kind", json_string("decision"));
    set(rec, "decisions",
        json_pack("[{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:s, s:s, s:f,"
                  "   s:[{s:s, s:s, s:f}, {s:s, s:f}], s:[f, f, f, i]},"
                  " {s:i, s:s, s:s, s:n, s:s, s:f, s:s, s:[]}]",
                  "index", 0, "action", "link", "feature_id", FEATURE_A, "theme_id", THEME, "name",
                  "Salesforce sync", "description", "Two-way CRM sync", "urgency", "high",
                  "confidence", 0.93, "reasoning", "Same request as the existing feature", "method",
                  "embedding", "similarity", 0.912, "candidates", "id", FEATURE_A, "name",
                  "Salesforce sync", "similarity", 0.912, "id", FEATURE_B, "similarity", 0.41,
                  "embedding", 0.0123, -0.5, 1e-7, 1, "index", 1, "action", "create", "feature_id",
                  FEATURE_B, "theme_id", "name", "Unicode-safe export", "confidence", 1.0, "method",
                  "llm", "candidates"));
    /* the scores behind the first decision, and its first candidate's lexical and fused */
    json_t *first = json_array_get(json_object_get(rec, "decisions"), 0);
    set(first, "scores",
        json_pack("{s:f, s:f, s:f, s:f, s:f}", "vector", 0.912, "lexical", 0.48, "fused", 0.57,
                  "judge", 0.9, "margin", 0.21));
    json_t *top = json_array_get(json_object_get(first, "candidates"), 0);
    set(top, "lexical", json_real(0.48));
    set(top, "fused", json_real(0.57));
    /* a merge the matcher proposes after the link (chains of duplicates collapse) */
    set(rec, "merges",
        json_pack("[{s:s, s:s, s:f, s:f, s:f}]", "source", FEATURE_B, "into", FEATURE_A, "fused",
                  0.61, "vector", -0.05, "lexical", 0.7));
    return rec;
}

static json_t *make_ack(void)
{
    json_t *ack = cs_record_new(CS_KIND_ACK);
    cr_assert_not_null(ack);
    set(ack, "workspace_id", json_string(WS));
    set(ack, "external_id", json_string("7782342274025937895"));
    set(ack, "source", json_string("gong"));
    set(ack, "status", json_string("committed"));
    set(ack, "message_id", json_string(MESSAGE));
    return ack;
}

static json_t *make(cs_kind_t kind)
{
    switch (kind) {
    case CS_KIND_CALL:
        return make_call();
    case CS_KIND_EXTRACTION:
        return make_extraction();
    case CS_KIND_DECISION:
        return make_decision();
    default:
        return make_ack();
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Helpers                                                                                    */

static char *encode_ok(const json_t *rec, size_t *len)
{
    char err[256] = "";
    char *buf = NULL;
    cr_assert_eq(cs_record_encode(rec, &buf, len, err, sizeof err), 0, "encode: %s", err);
    cr_assert_not_null(buf);
    return buf;
}

static void pack_json(msgpack_packer *pk, const json_t *v)
{
    const char *key;
    size_t keylen;
    json_t *child;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        msgpack_pack_map(pk, json_object_size(v));
        json_object_keylen_foreach((json_t *)v, key, keylen, child)
        {
            msgpack_pack_str_with_body(pk, key, keylen);
            pack_json(pk, child);
        }
        break;
    case JSON_ARRAY:
        msgpack_pack_array(pk, json_array_size(v));
        for (size_t i = 0; i < json_array_size(v); i++)
            pack_json(pk, json_array_get(v, i));
        break;
    case JSON_STRING:
        msgpack_pack_str_with_body(pk, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        msgpack_pack_int64(pk, json_integer_value(v));
        break;
    case JSON_REAL:
        msgpack_pack_double(pk, json_real_value(v));
        break;
    case JSON_TRUE:
        msgpack_pack_true(pk);
        break;
    case JSON_FALSE:
        msgpack_pack_false(pk);
        break;
    default:
        msgpack_pack_nil(pk);
        break;
    }
}

/* Packs any jansson value without validating it: the frames a buggy or hostile peer sends. */
static msgpack_sbuffer pack_raw(const json_t *v)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    pack_json(&pk, v);
    return sb;
}

/* Decoding must fail, with a reason that contains `want`. */
static void expect_rejected(const void *buf, size_t len, const char *want)
{
    char err[256] = "";
    json_t *rec = cs_record_decode(buf, len, err, sizeof err);
    if (rec) {
        char *text = json_dumps(rec, JSON_COMPACT);
        cr_assert_fail("decoded %zu bytes that should be rejected: %.200s", len, text);
    }
    cr_assert(err[0], "no reason given for %zu bytes", len);
    if (want)
        cr_assert(strstr(err, want), "reason '%s' lacks '%s'", err, want);
}

/* A valid ack frame with one more entry appended: key `key` and raw msgpack bytes `value`. */
static unsigned char *ack_frame_with(const char *key, const void *value, size_t vlen, size_t *len)
{
    json_t *ack = make_ack();
    size_t base_len;
    char *base = encode_ok(ack, &base_len);
    json_decref(ack);
    cr_assert_lt((unsigned char)base[0], 0x8f, "ack is a fixmap with room for one more");
    size_t klen = strlen(key);
    cr_assert_lt(klen, 32);
    *len = base_len + 1 + klen + vlen;
    unsigned char *frame = malloc(*len);
    cr_assert_not_null(frame);
    memcpy(frame, base, base_len);
    frame[0]++;
    frame[base_len] = (unsigned char)(0xa0 | klen);
    memcpy(frame + base_len + 1, key, klen);
    memcpy(frame + base_len + 1 + klen, value, vlen);
    free(base);
    return frame;
}

static void expect_ack_with_rejected(const char *key, const void *value, size_t vlen,
                                     const char *want)
{
    size_t len;
    unsigned char *frame = ack_frame_with(key, value, vlen, &len);
    expect_rejected(frame, len, want);
    free(frame);
}

/* Decodes a valid ack frame carrying `key`: raw `value` and returns that value (new ref). */
static json_t *decode_ack_with(const char *key, const void *value, size_t vlen)
{
    size_t len;
    unsigned char *frame = ack_frame_with(key, value, vlen, &len);
    char err[256] = "";
    json_t *rec = cs_record_decode(frame, len, err, sizeof err);
    free(frame);
    cr_assert_not_null(rec, "decode: %s", err);
    json_t *v = json_incref(json_object_get(rec, key));
    json_decref(rec);
    return v;
}

/* Sets the value at `path` ("a.b[2].c") to the JSON text `value`, or deletes it if "". */
static void mutate(json_t *rec, const char *path, const char *value)
{
    json_t *v = NULL;
    if (value[0]) {
        json_error_t error;
        v = json_loads(value, JSON_DECODE_ANY, &error);
        cr_assert_not_null(v, "bad test value %s: %s", value, error.text);
    }
    json_t *node = rec;
    const char *p = path;
    for (;;) {
        char key[64];
        size_t n = strcspn(p, ".[");
        cr_assert_lt(n, sizeof key);
        memcpy(key, p, n);
        key[n] = '\0';
        p += n;
        if (!*p) {
            cr_assert_eq(v ? json_object_set_new(node, key, v) : json_object_del(node, key), 0,
                         "cannot set %s", path);
            return;
        }
        node = json_object_get(node, key);
        while (*p == '[') {
            char *end;
            size_t i = strtoul(p + 1, &end, 10);
            p = end + 1;
            if (!*p) {
                cr_assert_eq(v ? json_array_set_new(node, i, v) : json_array_remove(node, i), 0,
                             "cannot set %s", path);
                return;
            }
            node = json_array_get(node, i);
        }
        if (*p == '.')
            p++;
        cr_assert_not_null(node, "no such path %s", path);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Building and reading records                                                               */

Test(record, new_kinds_and_names)
{
    for (cs_kind_t k = CS_KIND_CALL; k <= CS_KIND_ACK; k++) {
        json_t *rec = cs_record_new(k);
        cr_assert_not_null(rec);
        cr_assert_eq(cs_rec_int(rec, "v", 0), CS_RECORD_VERSION);
        cr_assert_str_eq(cs_rec_str(rec, "kind"), cs_kind_name(k));
        cr_assert_eq(cs_record_kind(rec), k);
        cr_assert_eq(cs_kind_from_name(cs_kind_name(k)), k);
        json_decref(rec);
    }
    cr_assert_str_eq(cs_kind_name(CS_KIND_EXTRACTION), "extraction");
    cr_assert_str_eq(cs_kind_name(CS_KIND_UNKNOWN), "unknown");
    cr_assert_str_eq(cs_kind_name((cs_kind_t)99), "unknown");
    cr_assert_eq(cs_kind_from_name("Call"), CS_KIND_UNKNOWN);
    cr_assert_eq(cs_kind_from_name("unknown"), CS_KIND_UNKNOWN);
    cr_assert_eq(cs_kind_from_name(NULL), CS_KIND_UNKNOWN);
    cr_assert_null(cs_record_new(CS_KIND_UNKNOWN));
    cr_assert_eq(cs_record_kind(NULL), CS_KIND_UNKNOWN);
}

Test(record, typed_getters_fall_back_to_defaults)
{
    json_t *rec = make_call();
    json_t *customer = json_object_get(rec, "customer");
    cr_assert_str_eq(cs_rec_str(rec, "source"), "gong");
    cr_assert_null(cs_rec_str(rec, "missing"));
    cr_assert_null(cs_rec_str(rec, "attempt")); /* an integer, not a string */
    cr_assert_null(cs_rec_str(NULL, "source"));
    cr_assert_eq(cs_rec_int(rec, "duration_seconds", -1), 2712);
    cr_assert_eq(cs_rec_int(rec, "title", -1), -1);
    cr_assert_eq(cs_rec_int(customer, "mrr", -1), -1); /* a real is not an integer */
    cr_assert_float_eq(cs_rec_num(customer, "mrr", 0), 12500.75, 1e-9);
    cr_assert_float_eq(cs_rec_num(rec, "attempt", 0), 1.0, 1e-9);
    cr_assert_float_eq(cs_rec_num(rec, "url", 7.5), 7.5, 1e-9);
    cr_assert_float_eq(cs_rec_num(json_object_get(rec, "flags"), "extract", 2.0), 2.0, 1e-9);
    json_object_set_new(rec, "title", json_null());
    cr_assert_null(cs_rec_str(rec, "title"));
    json_decref(rec);
}

/* ---------------------------------------------------------------------------------------- */
/* Round trips                                                                                */

ParameterizedTestParameters(record, round_trip)
{
    static cs_kind_t kinds[] = {CS_KIND_CALL, CS_KIND_EXTRACTION, CS_KIND_DECISION, CS_KIND_ACK};
    return cr_make_param_array(cs_kind_t, kinds, sizeof kinds / sizeof kinds[0]);
}

ParameterizedTest(cs_kind_t *kind, record, round_trip)
{
    json_t *rec = make(*kind);
    char err[256] = "";
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "%s", err);
    size_t len;
    char *buf = encode_ok(rec, &len);

    json_t *back = cs_record_decode(buf, len, err, sizeof err);
    cr_assert_not_null(back, "decode %s: %s", cs_kind_name(*kind), err);
    cr_assert(json_equal(rec, back), "%s changed on the way", cs_kind_name(*kind));
    cr_assert_eq(cs_record_kind(back), *kind);

    /* The frame is plain msgpack: msgpack-c reads it as exactly one map. */
    msgpack_unpacked msg;
    msgpack_unpacked_init(&msg);
    size_t off = 0;
    cr_assert_eq(msgpack_unpack_next(&msg, buf, len, &off), MSGPACK_UNPACK_SUCCESS);
    cr_assert_eq(off, len);
    cr_assert_eq(msg.data.type, MSGPACK_OBJECT_MAP);
    msgpack_unpacked_destroy(&msg);

    free(buf);
    json_decref(back);
    json_decref(rec);
}

Test(record, numbers_keep_their_type_and_value)
{
    json_t *rec = make_ack();
    json_t *n =
        json_pack("[I, I, i, i, i, i, I, f, f, f, f]", (json_int_t)INT64_MIN, (json_int_t)INT64_MAX,
                  -33, -32, 255, 65536, (json_int_t)4294967296LL, 0.1, -1e300, 1.5, 0.0);
    json_object_set_new(rec, "x_numbers", n);
    size_t len;
    char *buf = encode_ok(rec, &len);
    json_t *back = cs_record_decode(buf, len, NULL, 0);
    cr_assert_not_null(back);
    cr_assert(json_equal(rec, back));
    json_t *got = json_object_get(back, "x_numbers");
    cr_assert(json_is_integer(json_array_get(got, 0)));
    cr_assert(json_is_real(json_array_get(got, 10)), "0.0 stays a real");
    free(buf);
    json_decref(back);
    json_decref(rec);

    /* From other producers: float32, uint64 up to INT64_MAX, int8 sign extension. */
    static const unsigned char f32[] = {0xca, 0x3f, 0xc0, 0x00, 0x00};
    json_t *v = decode_ack_with("x", f32, sizeof f32);
    cr_assert(json_is_real(v));
    cr_assert_float_eq(json_real_value(v), 1.5, 0);
    json_decref(v);
    static const unsigned char u64[] = {0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    v = decode_ack_with("x", u64, sizeof u64);
    cr_assert_eq(json_integer_value(v), INT64_MAX);
    json_decref(v);
    static const unsigned char i8[] = {0xd0, 0x80};
    v = decode_ack_with("x", i8, sizeof i8);
    cr_assert_eq(json_integer_value(v), -128);
    json_decref(v);
    static const unsigned char i16[] = {0xd1, 0xff, 0x00};
    v = decode_ack_with("x", i16, sizeof i16);
    cr_assert_eq(json_integer_value(v), -256);
    json_decref(v);
}

Test(record, unknown_keys_and_nulls_are_kept)
{
    json_t *rec = make_decision();
    json_object_set_new(rec, "x_future",
                        json_pack("{s:[i, s, n, b], s:{}}", "list", 1, "two", 1, "empty"));
    json_object_set_new(rec, "title", json_null());
    json_object_set_new(rec, "customer", json_null());
    json_object_set_new(json_object_get(rec, "flags"), "x_new_flag", json_true());
    size_t len;
    char *buf = encode_ok(rec, &len);
    json_t *back = cs_record_decode(buf, len, NULL, 0);
    cr_assert_not_null(back);
    cr_assert(json_equal(rec, back));
    cr_assert(json_is_null(json_object_get(back, "title")));
    free(buf);
    json_decref(back);
    json_decref(rec);
}

/* Every key of CS_DECISION_SCORES is optional, a number within 0..1 (both ends included) and
   refused outside; a key the schema does not name passes, like any unknown key. */
Test(record, decision_scores_are_numbers_within_0_and_1)
{
    json_t *rec = make_decision();
    json_t *scores =
        json_object_get(json_array_get(json_object_get(rec, "decisions"), 0), "scores");
    char err[256] = "";
    int keys = 0;
    for (const char *const *key = CS_DECISION_SCORES; *key; key++, keys++) {
        cr_assert_not_null(json_object_get(scores, *key), "make_decision lacks %s", *key);
        set(scores, *key, json_integer(1));
        cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "%s = 1: %s", *key, err);
        set(scores, *key, json_real(0.0));
        cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "%s = 0: %s", *key, err);
        set(scores, *key, json_real(1.0001));
        cr_assert_eq(cs_record_validate(rec, err, sizeof err), -1, "%s = 1.0001 accepted", *key);
        char want[128];
        snprintf(want, sizeof want, "field 'decisions[0].scores.%s': 1.0001 is above 1", *key);
        cr_assert_str_eq(err, want);
        set(scores, *key, json_null());
        cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "%s = null: %s", *key, err);
        cr_assert_eq(json_object_del(scores, *key), 0);
        cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "%s absent: %s", *key, err);
    }
    cr_assert_eq(keys, 5);
    set(scores, "x_recall", json_string("not checked"));
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "%s", err);

    /* on the wire they come back as they went */
    json_t *full = make_decision();
    size_t len;
    char *buf = encode_ok(full, &len);
    json_t *back = cs_record_decode(buf, len, err, sizeof err);
    cr_assert_not_null(back, "%s", err);
    cr_assert(json_equal(full, back));
    json_t *d = json_array_get(json_object_get(back, "decisions"), 0);
    cr_assert_float_eq(json_real_value(json_object_get(json_object_get(d, "scores"), "margin")),
                       0.21, 1e-12);
    cr_assert_float_eq(json_real_value(json_object_get(
                           json_array_get(json_object_get(d, "candidates"), 0), "fused")),
                       0.57, 1e-12);
    free(buf);
    json_decref(back);
    json_decref(full);
    json_decref(rec);
}

Test(record, an_ack_for_a_workspace)
{
    json_t *ack = cs_record_new(CS_KIND_ACK);
    json_object_set_new(ack, "workspace_id", json_string(WS));
    json_object_set_new(ack, "external_id", json_string("42"));
    json_object_set_new(ack, "status", json_string("failed"));
    json_object_set_new(ack, "error", json_string("database unavailable"));
    size_t len;
    char *buf = encode_ok(ack, &len);
    json_t *back = cs_record_decode(buf, len, NULL, 0);
    cr_assert_not_null(back);
    cr_assert_eq(cs_record_kind(back), CS_KIND_ACK);
    cr_assert_str_eq(cs_rec_str(back, "status"), "failed");
    free(buf);
    json_decref(back);
    json_decref(ack);
}

/* ---------------------------------------------------------------------------------------- */
/* Schema violations: validate, encode and decode all refuse, with the same reason            */

struct bad_case {
    cs_kind_t kind;
    char path[48];    /* what to change in the valid record of that kind */
    char value[64];   /* its new value as JSON text; "" removes it */
    char reason[128]; /* the whole error message */
};

ParameterizedTestParameters(record, schema_violation)
{
    static struct bad_case cases[] = {
        /* version and kind */
        {CS_KIND_CALL, "v", "3", "unsupported version 3"},
        {CS_KIND_CALL, "v", "2", "version 2 is for extraction and decision records only"},
        {CS_KIND_CALL, "v", "", "missing field 'v'"},
        {CS_KIND_CALL, "v", "\"1\"", "field 'v': expected integer, got string"},
        {CS_KIND_CALL, "kind", "\"meeting\"", "unknown kind 'meeting'"},
        {CS_KIND_CALL, "kind", "", "missing field 'kind'"},
        {CS_KIND_ACK, "kind", "\"call\"", "missing field 'started_at'"},
        /* call */
        {CS_KIND_CALL, "external_id", "", "missing field 'external_id'"},
        {CS_KIND_CALL, "workspace_id", "", "missing field 'workspace_id'"},
        {CS_KIND_CALL, "started_at", "null", "field 'started_at': expected time, got null"},
        {CS_KIND_CALL, "transcript[1].start_ms", "\"4180\"",
         "field 'transcript[1].start_ms': expected integer, got string"},
        {CS_KIND_CALL, "transcript[1].start_ms", "-5",
         "field 'transcript[1].start_ms': -5 is below 0"},
        {CS_KIND_CALL, "transcript[3].text", "", "missing field 'transcript[3].text'"},
        {CS_KIND_CALL, "transcript", "{}", "field 'transcript': expected array, got object"},
        {CS_KIND_CALL, "source", "\"zoom\"", "field 'source': 'zoom' is not one of gong|replay"},
        {CS_KIND_CALL, "participants[0].affiliation", "\"internal\"",
         "field 'participants[0].affiliation': 'internal' is not one of Internal|External|Unknown"},
        {CS_KIND_CALL, "workspace_id", "\"647ab033-6d10-4a35-9ace-0399052ec87\"",
         "field 'workspace_id': '647ab033-6d10-4a35-9ace-0399052ec87' is not a uuid"},
        {CS_KIND_CALL, "integration_id", "\"647ab033x6d10-4a35-9ace-0399052ec874\"",
         "field 'integration_id': '647ab033x6d10-4a35-9ace-0399052ec874' is not a uuid"},
        {CS_KIND_CALL, "integration_id", "42",
         "field 'integration_id': expected uuid, got integer"},
        {CS_KIND_CALL, "started_at", "\"20/10/2025 17:27\"",
         "field 'started_at': '20/10/2025 17:27' is not an ISO-8601 time"},
        {CS_KIND_CALL, "started_at", "\"2025-13-20T17:27:28Z\"",
         "field 'started_at': '2025-13-20T17:27:28Z' is not an ISO-8601 time"},
        {CS_KIND_CALL, "external_id", "\"\"",
         "field 'external_id': 0 characters, at least 1 wanted"},
        {CS_KIND_CALL, "customer.mrr", "-1", "field 'customer.mrr': -1 is below 0"},
        {CS_KIND_CALL, "customer.mrr", "\"12k\"",
         "field 'customer.mrr': expected number, got string"},
        {CS_KIND_CALL, "customer", "[]", "field 'customer': expected object, got array"},
        {CS_KIND_CALL, "flags.extract", "\"no\"",
         "field 'flags.extract': expected boolean, got string"},
        {CS_KIND_CALL, "attempt", "0", "field 'attempt': 0 is below 1"},
        {CS_KIND_CALL, "duration_seconds", "12.5",
         "field 'duration_seconds': expected integer, got real"},
        /* extraction */
        {CS_KIND_EXTRACTION, "external_id", "", "missing field 'external_id'"},
        {CS_KIND_EXTRACTION, "insights.feature_requests[0].urgency", "\"urgent\"",
         "field 'insights.feature_requests[0].urgency': 'urgent' is not one of "
         "low|medium|high|critical"},
        {CS_KIND_EXTRACTION, "insights.feature_requests[1].title", "",
         "missing field 'insights.feature_requests[1].title'"},
        {CS_KIND_EXTRACTION, "insights.sentiment.score", "1.5",
         "field 'insights.sentiment.score': 1.5 is above 1"},
        {CS_KIND_EXTRACTION, "insights.sentiment.overall", "\"happy\"",
         "field 'insights.sentiment.overall': 'happy' is not one of "
         "positive|neutral|negative|mixed"},
        {CS_KIND_EXTRACTION, "insights.pain_points[1]", "7",
         "field 'insights.pain_points[1]': expected string, got integer"},
        {CS_KIND_EXTRACTION, "insights.bug_reports[0].severity", "\"minor\"",
         "field 'insights.bug_reports[0].severity': 'minor' is not one of "
         "low|medium|high|critical"},
        {CS_KIND_EXTRACTION, "llm.prompt_tokens", "-1", "field 'llm.prompt_tokens': -1 is below 0"},
        {CS_KIND_EXTRACTION, "llm.cost_usd", "true",
         "field 'llm.cost_usd': expected number, got boolean"},
        /* decision */
        {CS_KIND_DECISION, "decisions", "", "missing field 'decisions'"},
        {CS_KIND_DECISION, "decisions", "null", "field 'decisions': expected array, got null"},
        {CS_KIND_DECISION, "decisions[0].action", "\"merge\"",
         "field 'decisions[0].action': 'merge' is not one of create|link"},
        {CS_KIND_DECISION, "decisions[1].feature_id", "\"feature-1\"",
         "field 'decisions[1].feature_id': 'feature-1' is not a uuid"},
        {CS_KIND_DECISION, "decisions[0].confidence", "1.01",
         "field 'decisions[0].confidence': 1.01 is above 1"},
        {CS_KIND_DECISION, "decisions[1].confidence", "",
         "missing field 'decisions[1].confidence'"},
        {CS_KIND_DECISION, "decisions[0].method", "null",
         "field 'decisions[0].method': expected string, got null"},
        {CS_KIND_DECISION, "decisions[0].index", "-1", "field 'decisions[0].index': -1 is below 0"},
        {CS_KIND_DECISION, "decisions[0].candidates[1].id", "",
         "missing field 'decisions[0].candidates[1].id'"},
        {CS_KIND_DECISION, "decisions[0].embedding[2]", "\"0.1\"",
         "field 'decisions[0].embedding[2]': expected number, got string"},
        {CS_KIND_DECISION, "decisions[0].scores", "[0.5]",
         "field 'decisions[0].scores': expected object, got array"},
        {CS_KIND_DECISION, "decisions[0].scores", "0.57",
         "field 'decisions[0].scores': expected object, got real"},
        {CS_KIND_DECISION, "decisions[0].scores.fused", "1.5",
         "field 'decisions[0].scores.fused': 1.5 is above 1"},
        {CS_KIND_DECISION, "decisions[0].scores.margin", "-0.2",
         "field 'decisions[0].scores.margin': -0.2 is below 0"},
        {CS_KIND_DECISION, "decisions[0].scores.judge", "\"sure\"",
         "field 'decisions[0].scores.judge': expected number, got string"},
        {CS_KIND_DECISION, "decisions[0].scores.vector", "true",
         "field 'decisions[0].scores.vector': expected number, got boolean"},
        {CS_KIND_DECISION, "decisions[0].candidates[0].fused", "2",
         "field 'decisions[0].candidates[0].fused': 2 is above 1"},
        {CS_KIND_DECISION, "decisions[0].candidates[1].lexical", "\"0.4\"",
         "field 'decisions[0].candidates[1].lexical': expected number, got string"},
        {CS_KIND_DECISION, "insights.feature_requests[0].title", "",
         "missing field 'insights.feature_requests[0].title'"},
        {CS_KIND_DECISION, "merges", "{}", "field 'merges': expected array, got object"},
        {CS_KIND_DECISION, "merges[0].source", "", "missing field 'merges[0].source'"},
        {CS_KIND_DECISION, "merges[0].into", "\"feature-a\"",
         "field 'merges[0].into': 'feature-a' is not a uuid"},
        {CS_KIND_DECISION, "merges[0].fused", "1.2", "field 'merges[0].fused': 1.2 is above 1"},
        {CS_KIND_DECISION, "merges[0].fused", "", "missing field 'merges[0].fused'"},
        {CS_KIND_DECISION, "merges[0].vector", "-1.5",
         "field 'merges[0].vector': -1.5 is below -1"},
        {CS_KIND_DECISION, "merges[0].lexical", "\"high\"",
         "field 'merges[0].lexical': expected number, got string"},
        /* ack */
        {CS_KIND_ACK, "status", "\"done\"",
         "field 'status': 'done' is not one of committed|already|failed"},
        {CS_KIND_ACK, "workspace_id", "", "missing field 'workspace_id'"},
        {CS_KIND_ACK, "external_id", "17", "field 'external_id': expected string, got integer"},
        {CS_KIND_ACK, "message_id", "\"x\"", "field 'message_id': 'x' is not a uuid"},
    };
    return cr_make_param_array(struct bad_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct bad_case *c, record, schema_violation)
{
    json_t *rec = make(c->kind);
    mutate(rec, c->path, c->value);
    char err[256] = "";
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), -1, "accepted %s = %s", c->path,
                 c->value);
    cr_assert_str_eq(err, c->reason);

    char *buf = (char *)"untouched";
    size_t len = 99;
    err[0] = '\0';
    cr_assert_eq(cs_record_encode(rec, &buf, &len, err, sizeof err), -1);
    cr_assert_null(buf);
    cr_assert_eq(len, 0);
    cr_assert_str_eq(err, c->reason);

    msgpack_sbuffer raw = pack_raw(rec);
    err[0] = '\0';
    cr_assert_null(cs_record_decode(raw.data, raw.size, err, sizeof err));
    cr_assert_str_eq(err, c->reason);
    msgpack_sbuffer_destroy(&raw);
    json_decref(rec);
}

Test(record, validate_rejects_non_objects)
{
    char err[256];
    json_t *array = json_array();
    cr_assert_eq(cs_record_validate(array, err, sizeof err), -1);
    cr_assert_str_eq(err, "record is array, not an object");
    cr_assert_eq(cs_record_validate(NULL, err, sizeof err), -1);
    cr_assert_eq(cs_record_validate(NULL, NULL, 0), -1, "err may be NULL");
    json_decref(array);
}

Test(record, error_messages_are_truncated_to_the_buffer)
{
    json_t *rec = make_call();
    mutate(rec, "transcript[1].start_ms", "\"x\"");
    char err[12];
    memset(err, 'z', sizeof err);
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), -1);
    cr_assert_str_eq(err, "field 'tran");
    json_decref(rec);
}

Test(record, lengths_count_characters)
{
    /* 1024 two-byte characters: 2048 bytes but a legal title; one more is too long. */
    char title[2 * 1025 + 1] = "";
    for (int i = 0; i < 1024; i++)
        strcat(title, "é");
    json_t *rec = make_call();
    json_object_set_new(rec, "title", json_string(title));
    char err[256] = "";
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "%s", err);
    strcat(title, "é");
    json_object_set_new(rec, "title", json_string(title));
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), -1);
    cr_assert_str_eq(err, "field 'title': 1025 characters, at most 1024 allowed");

    json_object_set_new(rec, "title", json_string("ok"));
    char id[258];
    memset(id, '7', 257);
    id[257] = '\0';
    json_object_set_new(rec, "external_id", json_string(id));
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), -1);
    cr_assert_str_eq(err, "field 'external_id': 257 characters, at most 256 allowed");
    json_decref(rec);
}

Test(record, started_at_accepts_iso_8601_shapes)
{
    const char *good[] = {"2025-10-20T17:27:28Z", "2025-10-20T17:27:28.123+02:00", "2025-10-20",
                          "2025-10-20 17:27:28-07:00"};
    const char *bad[] = {"2025-10-2",
                         "2025/10/20T17:27:28Z",
                         "2025-00-20",
                         "2025-10-32",
                         "2025-10-20X17",
                         "yesterday",
                         ""};
    json_t *rec = make_call();
    char err[256];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        json_object_set_new(rec, "started_at", json_string(good[i]));
        cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "%s: %s", good[i], err);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_object_set_new(rec, "started_at", json_string(bad[i]));
        cr_assert_eq(cs_record_validate(rec, err, sizeof err), -1, "accepted %s", bad[i]);
    }
    json_decref(rec);
}

/* ---------------------------------------------------------------------------------------- */
/* Limits, on both sides of the wire                                                          */

/* The record must be refused by validate and encode, and its raw frame by decode. */
static void expect_refused_everywhere(json_t *rec, const char *reason)
{
    char err[256] = "";
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), -1);
    cr_assert_str_eq(err, reason);
    char *buf;
    size_t len;
    cr_assert_eq(cs_record_encode(rec, &buf, &len, err, sizeof err), -1);
    msgpack_sbuffer raw = pack_raw(rec);
    expect_rejected(raw.data, raw.size, NULL);
    msgpack_sbuffer_destroy(&raw);
}

Test(record, oversized_strings)
{
    size_t n = CS_RECORD_MAX_STRING;
    char *big = malloc(n + 1);
    cr_assert_not_null(big);
    memset(big, 'a', n + 1);

    /* Exactly the limit is fine, in a known field or an unknown one. */
    json_t *rec = make_call();
    json_object_set_new(json_array_get(json_object_get(rec, "transcript"), 0), "text",
                        json_stringn(big, n));
    size_t len;
    char *buf = encode_ok(rec, &len);
    json_t *back = cs_record_decode(buf, len, NULL, 0);
    cr_assert_not_null(back);
    cr_assert(json_equal(rec, back));
    json_decref(back);
    free(buf);

    json_object_set_new(json_array_get(json_object_get(rec, "transcript"), 0), "text",
                        json_stringn(big, n + 1));
    expect_refused_everywhere(rec, "field 'transcript[0].text': string of 4194305 bytes, over "
                                   "the limit of 4194304");
    json_decref(rec);

    rec = make_ack();
    json_object_set_new(rec, "x_blob", json_stringn(big, n + 1));
    expect_refused_everywhere(rec, "field 'x_blob': string of 4194305 bytes, over the limit of "
                                   "4194304");
    json_decref(rec);
    free(big);
}

Test(record, strings_with_nul_or_bad_utf8)
{
    json_t *rec = make_ack();
    json_object_set_new(rec, "error", json_stringn("disk\0full", 9));
    expect_refused_everywhere(rec, "field 'error': string contains a NUL byte");
    json_object_set_new(rec, "error", json_stringn_nocheck("caf\xc3", 4));
    expect_refused_everywhere(rec, "field 'error': string is not valid UTF-8");
    json_object_set_new(rec, "error", json_stringn_nocheck("\xed\xa0\x80", 3)); /* surrogate */
    expect_refused_everywhere(rec, "field 'error': string is not valid UTF-8");
    json_object_set_new(rec, "error", json_stringn_nocheck("\xc0\xaf", 2)); /* overlong '/' */
    expect_refused_everywhere(rec, "field 'error': string is not valid UTF-8");
    json_object_del(rec, "error");
    json_object_setn_new_nocheck(rec, "x\0y", 3, json_true());
    expect_refused_everywhere(rec, "key contains a NUL byte");
    json_decref(rec);
}

/* {"x_deep": [[[...null...]]]} with `arrays` nested arrays */
static json_t *ack_nested(int arrays)
{
    json_t *v = json_null();
    for (int i = 0; i < arrays; i++) {
        json_t *a = json_array();
        json_array_append_new(a, v);
        v = a;
    }
    json_t *rec = make_ack();
    json_object_set_new(rec, "x_deep", v);
    return rec;
}

Test(record, nesting_depth)
{
    /* The record is depth 1, so 11 nested arrays reach the limit of 12. */
    json_t *rec = ack_nested(CS_RECORD_MAX_DEPTH - 1);
    size_t len;
    char *buf = encode_ok(rec, &len);
    json_t *back = cs_record_decode(buf, len, NULL, 0);
    cr_assert_not_null(back);
    cr_assert(json_equal(rec, back));
    json_decref(back);
    free(buf);
    json_decref(rec);

    rec = ack_nested(CS_RECORD_MAX_DEPTH);
    expect_refused_everywhere(rec, "field 'x_deep[0][0][0][0][0][0][0][0][0][0][0]': nested "
                                   "deeper than 12");
    json_decref(rec);

    unsigned char deep[CS_RECORD_MAX_DEPTH + 1];
    memset(deep, 0x91, CS_RECORD_MAX_DEPTH); /* fixarray of one item, twelve deep */
    deep[CS_RECORD_MAX_DEPTH] = 0xc0;
    expect_ack_with_rejected("x_deep", deep, sizeof deep, "nested deeper than 12");
    unsigned char maps[2 * CS_RECORD_MAX_DEPTH + 1];
    for (int i = 0; i < CS_RECORD_MAX_DEPTH; i++) /* {"k": {"k": ... nil}} twelve deep */
        maps[2 * i] = 0x81, maps[2 * i + 1] = 0xa0;
    maps[2 * CS_RECORD_MAX_DEPTH] = 0xc0;
    expect_ack_with_rejected("x_deep", maps, sizeof maps, "nested deeper than 12");
}

Test(record, too_many_values)
{
    /* A wide array of tiny values: small on the wire, huge in memory. */
    json_t *rec = make_ack();
    json_t *wide = json_array();
    for (unsigned i = 0; i < CS_RECORD_MAX_VALUES; i++)
        json_array_append_new(wide, json_integer(0));
    json_object_set_new(rec, "x_wide", wide);
    char err[256];
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), -1);
    cr_assert_str_eq(err, "field 'x_wide[1048567]': more than 1048576 values in the record");
    json_decref(rec);

    size_t n = CS_RECORD_MAX_VALUES;
    unsigned char *value = calloc(1, 5 + n); /* array32 of n zeros */
    cr_assert_not_null(value);
    value[0] = 0xdd;
    value[1] = (unsigned char)(n >> 24), value[2] = (unsigned char)(n >> 16);
    value[3] = (unsigned char)(n >> 8), value[4] = (unsigned char)n;
    expect_ack_with_rejected("x_wide", value, 5 + n, "more than 1048576 values in the record");
    free(value);
}

Test(record, oversized_frames)
{
    /* Nine strings of 4 MiB each are legal one by one but not together. */
    char *big = malloc(CS_RECORD_MAX_STRING);
    cr_assert_not_null(big);
    memset(big, 'q', CS_RECORD_MAX_STRING);
    json_t *rec = make_ack();
    for (int i = 0; i < 9; i++) {
        char key[16];
        snprintf(key, sizeof key, "x_part%d", i);
        json_object_set_new(rec, key, json_stringn(big, CS_RECORD_MAX_STRING));
    }
    free(big);
    char err[256] = "", *buf = NULL;
    size_t len = 0;
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "%s", err);
    cr_assert_eq(cs_record_encode(rec, &buf, &len, err, sizeof err), -1);
    cr_assert_str_eq(err, "record over the limit of 33554432 bytes");
    cr_assert_null(buf);
    json_decref(rec);

    unsigned char *frame = calloc(1, CS_RECORD_MAX_BYTES + 1);
    cr_assert_not_null(frame);
    frame[0] = 0x80;
    expect_rejected(frame, CS_RECORD_MAX_BYTES + 1,
                    "frame of 33554433 bytes, over the limit of 33554432");
    free(frame);
}

/* ---------------------------------------------------------------------------------------- */
/* Decoding traps                                                                             */

Test(record, empty_frame)
{
    static const unsigned char one[] = {0x80};
    expect_rejected(one, 0, "empty frame");
    expect_rejected(NULL, 0, "empty frame");
    expect_rejected(one, sizeof one, "missing field 'v'");
}

Test(record, two_objects_in_one_frame)
{
    json_t *ack = make_ack();
    size_t len;
    char *one = encode_ok(ack, &len);
    char *two = malloc(2 * len);
    cr_assert_not_null(two);
    memcpy(two, one, len);
    memcpy(two + len, one, len);
    expect_rejected(two, 2 * len, "bytes after the record");
    two[len] = (char)0xc0; /* or a single trailing nil */
    expect_rejected(two, len + 1, "1 bytes after the record");
    free(two);
    free(one);
    json_decref(ack);
}

ParameterizedTestParameters(record, every_truncation)
{
    static cs_kind_t kinds[] = {CS_KIND_CALL, CS_KIND_EXTRACTION, CS_KIND_DECISION, CS_KIND_ACK};
    return cr_make_param_array(cs_kind_t, kinds, sizeof kinds / sizeof kinds[0]);
}

ParameterizedTest(cs_kind_t *kind, record, every_truncation)
{
    json_t *rec = make(*kind);
    size_t len;
    char *buf = encode_ok(rec, &len);
    for (size_t n = 0; n < len; n++) {
        /* Copy each prefix into its own allocation so ASan sees any read past its end. */
        char *prefix = malloc(n ? n : 1);
        cr_assert_not_null(prefix);
        memcpy(prefix, buf, n);
        expect_rejected(prefix, n, NULL);
        free(prefix);
    }
    free(buf);
    json_decref(rec);
}

Test(record, huge_container_headers)
{
    /* Top level: a 5-byte header claiming 2^32-1 items or entries. */
    static const unsigned char array32[] = {0xdd, 0xff, 0xff, 0xff, 0xff};
    static const unsigned char map32[] = {0xdf, 0xff, 0xff, 0xff, 0xff};
    expect_rejected(array32, sizeof array32, "top level is not a map");
    expect_rejected(map32, sizeof map32, "map of 4294967295 entries at byte 0 but 0 bytes left");
    static const unsigned char map16[] = {0xde, 0xff, 0xff, 0x80};
    expect_rejected(map16, sizeof map16, "map of 65535 entries at byte 0 but 1 bytes left");

    /* Nested inside a valid record, after a few honest bytes. */
    expect_ack_with_rejected("x", array32, sizeof array32, "array of 4294967295 items at byte");
    expect_ack_with_rejected("x", map32, sizeof map32, "map of 4294967295 entries at byte");
    static const unsigned char array2[] = {0x92, 0x01}; /* says two items, has one */
    expect_ack_with_rejected("x", array2, sizeof array2, "array of 2 items");
}

Test(record, huge_string_headers)
{
    static const unsigned char str32[] = {0xdb, 0xff, 0xff, 0xff, 0xff, 'a', 'b'};
    expect_ack_with_rejected("x", str32, sizeof str32, "string of 4294967295 bytes at byte");
    static const unsigned char str16[] = {0xda, 0x10, 0x00, 'a', 'b'}; /* within the limit */
    expect_ack_with_rejected("x", str16, sizeof str16, "truncated frame: string of 4096 bytes");
    /* A key claiming 4 GB. */
    static const unsigned char key32[] = {0x81, 0xdb, 0xff, 0xff, 0xff, 0xff, 'k', 0xc0};
    expect_ack_with_rejected("x", key32, sizeof key32, "key of 4294967295 bytes");
}

Test(record, top_level_must_be_a_map)
{
    static const unsigned char array[] = {0x91, 0x01};
    static const unsigned char integer[] = {0x2a};
    static const unsigned char string[] = {0xa2, 'h', 'i'};
    static const unsigned char nil[] = {0xc0};
    expect_rejected(array, sizeof array, "top level is not a map (type byte 0x91)");
    expect_rejected(integer, sizeof integer, "top level is not a map");
    expect_rejected(string, sizeof string, "top level is not a map");
    expect_rejected(nil, sizeof nil, "top level is not a map");
}

Test(record, map_keys_must_be_strings)
{
    static const unsigned char top[] = {0x81, 0x01, 0xa1, 'x'};
    expect_rejected(top, sizeof top, "map key at byte 1 is not a string (type byte 0x01)");
    static const unsigned char nested[] = {0x81, 0xc0, 0xc0};
    expect_ack_with_rejected("x", nested, sizeof nested, "field 'x': map key at byte");
    static const unsigned char bin_key[] = {0x81, 0xc4, 0x01, 'k', 0xc0};
    expect_ack_with_rejected("x", bin_key, sizeof bin_key, "is not a string (type byte 0xc4)");
}

Test(record, bin_ext_and_reserved_types)
{
    static const unsigned char bin8[] = {0xc4, 0x03, 'a', 'b', 'c'};
    static const unsigned char bin32[] = {0xc6, 0xff, 0xff, 0xff, 0xff};
    static const unsigned char ext8[] = {0xc7, 0x01, 0x05, 'a'};
    static const unsigned char fixext1[] = {0xd4, 0x01, 0x00};
    static const unsigned char reserved[] = {0xc1};
    expect_ack_with_rejected("x", bin8, sizeof bin8, "field 'x': bin type at byte");
    expect_ack_with_rejected("x", bin32, sizeof bin32, "bin type");
    expect_ack_with_rejected("x", ext8, sizeof ext8, "ext type 0xc7");
    expect_ack_with_rejected("x", fixext1, sizeof fixext1, "ext type 0xd4");
    expect_ack_with_rejected("x", reserved, sizeof reserved, "invalid type byte 0xc1");
}

Test(record, numbers_out_of_range)
{
    static const unsigned char u64[] = {0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0};
    expect_ack_with_rejected("x", u64, sizeof u64, "integer 9223372036854775808 at byte");
    static const unsigned char nan64[] = {0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0};
    expect_ack_with_rejected("x", nan64, sizeof nan64, "non-finite float");
    static const unsigned char inf32[] = {0xca, 0x7f, 0x80, 0x00, 0x00};
    expect_ack_with_rejected("x", inf32, sizeof inf32, "non-finite float");
}

Test(record, duplicate_keys)
{
    static const unsigned char again[] = {0xa1, 'y'};
    expect_ack_with_rejected("external_id", again, sizeof again, "duplicate key 'external_id'");
    static const unsigned char nested[] = {0x82, 0xa1, 'k', 0x01, 0xa1, 'k', 0x02};
    expect_ack_with_rejected("x", nested, sizeof nested, "field 'x': duplicate key 'k'");
}

Test(record, strings_on_the_wire)
{
    static const unsigned char nul[] = {0xa3, 'a', 0x00, 'b'};
    expect_ack_with_rejected("x", nul, sizeof nul, "field 'x': string contains a NUL byte");
    static const unsigned char latin1[] = {0xa4, 'c', 'a', 'f', 0xe9};
    expect_ack_with_rejected("x", latin1, sizeof latin1, "string is not valid UTF-8");
    static const unsigned char nul_key[] = {0x81, 0xa2, 'k', 0x00, 0xc0};
    expect_ack_with_rejected("x", nul_key, sizeof nul_key, "key contains a NUL byte");
    /* The decoded string carries its length, not the bytes after it. */
    static const unsigned char str8[] = {0xd9, 0x03, 'a', 'b', 'c'};
    json_t *v = decode_ack_with("x", str8, sizeof str8);
    cr_assert_str_eq(json_string_value(v), "abc");
    cr_assert_eq(json_string_length(v), 3);
    json_decref(v);
}

/* xorshift64*: the same "random" bytes on every run */
static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dULL;
}

/* Either rejected with a reason, or a record that validates and survives a round trip. */
static void decode_or_reject(const unsigned char *buf, size_t len)
{
    char err[256] = "";
    json_t *rec = cs_record_decode(buf, len, err, sizeof err);
    if (!rec) {
        cr_assert(err[0], "rejected without a reason");
        return;
    }
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "%s", err);
    size_t n;
    char *again = encode_ok(rec, &n);
    json_t *back = cs_record_decode(again, n, NULL, 0);
    cr_assert(json_equal(rec, back));
    json_decref(back);
    free(again);
    json_decref(rec);
}

Test(record, random_garbage)
{
    uint64_t state = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 3000; i++) {
        size_t len = next_random(&state) % 200;
        unsigned char *buf = malloc(len ? len : 1);
        cr_assert_not_null(buf);
        for (size_t k = 0; k < len; k++)
            buf[k] = (unsigned char)next_random(&state);
        if (len && i % 2) /* half of them start like a map, to get past the first byte */
            buf[0] = (unsigned char)(0x80 | (buf[0] & 0x0f));
        decode_or_reject(buf, len);
        free(buf);
    }
}

Test(record, mutated_frames)
{
    /* Valid frames with a few bytes changed: the headers and lengths inside get corrupted. */
    uint64_t state = 42;
    int decoded = 0;
    for (cs_kind_t kind = CS_KIND_CALL; kind <= CS_KIND_ACK; kind++) {
        json_t *rec = make(kind);
        size_t len;
        char *frame = encode_ok(rec, &len);
        json_decref(rec);
        for (int i = 0; i < 1000; i++) {
            unsigned char *buf = malloc(len);
            cr_assert_not_null(buf);
            memcpy(buf, frame, len);
            int flips = 1 + (int)(next_random(&state) % 4);
            for (int f = 0; f < flips; f++) {
                size_t at = next_random(&state) % len;
                buf[at] = i % 3 ? (unsigned char)next_random(&state)
                                : (unsigned char)(buf[at] ^ (1u << (next_random(&state) % 8)));
            }
            char err[256];
            json_t *got = cs_record_decode(buf, len, err, sizeof err);
            decoded += got != NULL;
            json_decref(got);
            decode_or_reject(buf, len);
            free(buf);
        }
        free(frame);
    }
    cr_assert_gt(decoded, 0, "some mutations only change text and still decode");
}

Test(record, urgency_levels_rank_lowest_first)
{
    cr_expect_eq(cs_urgency_rank(CS_URGENCY_LOW), 0);
    cr_expect_eq(cs_urgency_rank("medium"), 1);
    cr_expect_eq(cs_urgency_rank("high"), 2);
    cr_expect_eq(cs_urgency_rank("critical"), 3);
    cr_expect_eq(cs_urgency_rank("High"), -1);
    cr_expect_eq(cs_urgency_rank("urgent"), -1);
    cr_expect_eq(cs_urgency_rank(NULL), -1);
    cr_expect_str_eq(CS_URGENCY_LEVELS[cs_urgency_rank(CS_URGENCY_DEFAULT)], "medium");
    cr_expect_null(CS_URGENCY_LEVELS[4]);
    cr_expect_str_eq(CS_DEFAULT_THEME_NAME, "Uncategorized");
}

Test(record, json_type_names)
{
    json_t *v = json_pack("[{}, [], s, i, f, b, n]", "x", 1, 1.5, 1);
    const char *want[] = {"object", "array", "string", "integer", "real", "boolean", "null"};
    for (size_t i = 0; i < json_array_size(v); i++)
        cr_expect_str_eq(cs_json_type_name(json_array_get(v, i)), want[i], "element %zu", i);
    cr_expect_str_eq(cs_json_type_name(NULL), "null");
    json_decref(v);
}
