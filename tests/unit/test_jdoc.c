/* cs_jdoc: every text it takes, jansson takes too and reads into the same tree, member order
   included; what it leaves to jansson (a NUL escape, a duplicate key, a huge number) and what
   is not JSON, it refuses. Checked on texts chosen for each rule, then on many byte-level
   mutations of a Gong call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_jdoc.h"

/* jansson's tree of text, as the replay reads a line; NULL when jansson refuses it. */
static json_t *jansson_of(const char *text, size_t len)
{
    json_error_t jerr;
    return json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
}

/* Compact JSON with the members in their order: equal trees in equal order dump equal. */
static char *dump(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
}

/* When cs_jdoc takes text, jansson takes it too and the two trees dump the same. Returns
   whether cs_jdoc took it. */
static bool same_as_jansson(cs_jdoc_t *doc, const char *text, size_t len)
{
    int rc = cs_jdoc_parse(doc, text, len);
    json_t *j = jansson_of(text, len);
    if (rc != 0) {
        cr_assert_null(cs_jdoc_root(doc));
        json_decref(j);
        return false;
    }
    cr_assert(j, "cs_jdoc took what jansson refuses: %.*s", (int)len, text);
    json_t *mine = cs_jdoc_to_json(doc, cs_jdoc_root(doc), NULL);
    cr_assert(mine);
    char *a = dump(j), *b = dump(mine);
    cr_assert_str_eq(b, a, "for %.*s", (int)len, text);
    cr_assert(json_equal(j, mine));
    free(a);
    free(b);
    json_decref(j);
    json_decref(mine);
    return true;
}

Test(jdoc, takes_json_as_jansson_reads_it)
{
    static const char *const TEXTS[] = {
        "{}",
        "[]",
        " { \"a\" : [ 1 , 2 ] , \"b\" : { } }\r\n",
        "{\"z\":1,\"a\":2,\"m\":3}",
        "\"plain\"",
        "\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t\"",
        "\"\\u00e9t\\u00C9 \\u20ac \\ud83d\\ude00 \\u0001\"",
        "\"raw UTF-8: \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf\"",
        "[0, -0, 7, -12, 123456789012345678, -123456789012345678]",
        "[1.5, -0.0, 1e3, 2E-2, -2.5e+10, 0.1, 1e-400, 3.141592653589793]",
        "[true, false, null]",
        "{\"\":\"empty key\", \"k\\u00e9y\":\"escaped key\"}",
        "{\"metaData\":{\"id\":\"77\",\"started\":1700000000},\"transcript\":null}",
        "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]",
    };
    cs_jdoc_t *doc = cs_jdoc_new();
    for (size_t i = 0; i < sizeof TEXTS / sizeof TEXTS[0]; i++)
        cr_assert(same_as_jansson(doc, TEXTS[i], strlen(TEXTS[i])), "refused %s", TEXTS[i]);
    cs_jdoc_destroy(&doc);
    cr_assert_null(doc);
}

Test(jdoc, refuses_what_is_not_json_or_is_left_to_jansson)
{
    static const char *const TEXTS[] = {
        /* not JSON: jansson refuses them too */
        "",
        "   ",
        "{",
        "{\"a\":1,}",
        "[1 2]",
        "{\"a\" 1}",
        "{1:2}",
        "\"unterminated",
        "\"bad escape \\x\"",
        "\"control \x01 char\"",
        "\"lone \\ud800 surrogate\"",
        "\"lone \\udc00 low\"",
        "\"invalid \xc3\x28 UTF-8\"",
        "\"overlong \xc0\xaf\"",
        "\"surrogate as UTF-8 \xed\xa0\x80\"",
        "\"past U+10FFFF \xf4\x90\x80\x80\"",
        "01",
        "-",
        "1.",
        ".5",
        "1e",
        "tru",
        "nul",
        "{} {}",
        "[1] x",
        "1e400",
        /* JSON jansson takes, left to it */
        "\"a NUL \\u0000 escape\"",
        "{\"a\":1,\"a\":2}",
        "12345678901234567890",
        "1234567890123456789",
    };
    cs_jdoc_t *doc = cs_jdoc_new();
    for (size_t i = 0; i < sizeof TEXTS / sizeof TEXTS[0]; i++)
        cr_assert_not(same_as_jansson(doc, TEXTS[i], strlen(TEXTS[i])), "took %s", TEXTS[i]);
    cs_jdoc_destroy(&doc);
}

Test(jdoc, deep_nesting_and_wide_objects_are_left_to_jansson)
{
    cs_jdoc_t *doc = cs_jdoc_new();
    char deep[2 * CS_JDOC_MAX_DEPTH + 3];
    size_t n = CS_JDOC_MAX_DEPTH + 1;
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    cr_assert_not(same_as_jansson(doc, deep, 2 * n));
    cr_assert(same_as_jansson(doc, deep + 1, 2 * n - 2), "the deepest taken");
    char wide[4096];
    size_t len = 0;
    wide[len++] = '{';
    for (int i = 0; i <= CS_JDOC_MAX_MEMBERS; i++)
        len += (size_t)snprintf(wide + len, sizeof wide - len, "%s\"k%d\":%d", i ? "," : "", i, i);
    wide[len++] = '}';
    cr_assert_not(same_as_jansson(doc, wide, len));
    cs_jdoc_destroy(&doc);
}

Test(jdoc, lookups_and_skipping_a_member)
{
    const char *text =
        "{\"metaData\":{\"id\":\"1\"},\"transcript\":{\"callId\":\"1\"},\"n\":[1,[2],3]}";
    cs_jdoc_t *doc = cs_jdoc_new();
    cr_assert_eq(cs_jdoc_parse(doc, text, strlen(text)), 0);
    const cs_jnode_t *root = cs_jdoc_root(doc);
    cr_assert_eq(root->type, CS_JDOC_OBJECT);
    cr_assert_eq(root->len, 3);
    const cs_jnode_t *id = cs_jdoc_get(doc, cs_jdoc_get(doc, root, "metaData"), "id");
    cr_assert(cs_jdoc_is(id, "1"));
    cr_assert_null(cs_jdoc_get(doc, root, "absent"));
    cr_assert_null(cs_jdoc_get(doc, id, "id"), "a string has no members");
    const cs_jnode_t *arr = cs_jdoc_get(doc, root, "n");
    const cs_jnode_t *item = cs_jdoc_first(doc, arr);
    cr_assert_eq(item->v.i, 1);
    item = cs_jdoc_next(doc, item);
    cr_assert_eq(item->type, CS_JDOC_ARRAY);
    item = cs_jdoc_next(doc, item);
    cr_assert_eq(item->v.i, 3, "the next item skips the nested array");
    json_t *call = cs_jdoc_to_json(doc, root, "transcript");
    json_t *want = json_pack("{s:{s:s}, s:[i,[i],i]}", "metaData", "id", "1", "n", 1, 2, 3);
    cr_assert(json_equal(call, want));
    json_decref(call);
    json_decref(want);
    cr_assert_neq(cs_jdoc_parse(doc, "{", 1), 0);
    cr_assert_null(cs_jdoc_root(doc), "a failed parse leaves nothing to read");
    cs_jdoc_destroy(&doc);
}

/* A call as Gong returns it, with escapes, numbers of every kind and non-ASCII text. */
static const char CALL[] =
    "{\"metaData\":{\"id\":\"7782342274025937895\",\"title\":\"Demo | Acme \\u00e9\","
    "\"started\":\"2025-10-01T10:00:00-07:00\",\"duration\":1800.4,\"isPrivate\":false},"
    "\"parties\":[{\"speakerId\":\"s1\",\"name\":\"Steve\\tO\",\"emailAddress\":\"s@v.example\","
    "\"affiliation\":\"Internal\",\"userId\":123},{\"speakerId\":2,\"name\":\"J\xc3\xbcrgen\"}],"
    "\"transcript\":{\"callId\":\"7782342274025937895\",\"transcript\":[{\"speakerId\":\"s1\","
    "\"sentences\":[{\"start\":0,\"end\":1500,\"text\":\"Hi \\\"there\\\" \\ud83d\\ude00\"},"
    "{\"start\":1500.5,\"text\":\"  \"},{\"start\":-1,\"text\":\"So, \xe2\x82\xac 5.\"}]}]}}";

Test(jdoc, mutations_of_a_call_never_part_from_jansson)
{
    cs_jdoc_t *doc = cs_jdoc_new();
    size_t len = sizeof CALL - 1;
    cr_assert(same_as_jansson(doc, CALL, len));
    char *text = malloc(len);
    static const char BYTES[] = "{}[]\",:\\u0123456789.eE+-tfn \x01\x80\xbf\xc3\xed\xf4\xff";
    unsigned seed = 17;
    int taken = 0;
    for (int round = 0; round < 20000; round++) {
        memcpy(text, CALL, len);
        size_t n = len;
        for (int k = 0; k < 1 + round % 3; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % n;
            seed = seed * 1103515245u + 12345u;
            unsigned pick = (seed >> 8) % (sizeof BYTES + 1);
            if (pick == sizeof BYTES) /* cut the text short */
                n = at;
            else
                text[at] = BYTES[pick % (sizeof BYTES - 1)];
        }
        taken += same_as_jansson(doc, text, n);
    }
    cr_assert_gt(taken, 1000, "some mutations are still JSON (%d)", taken);
    free(text);
    cs_jdoc_destroy(&doc);
}
