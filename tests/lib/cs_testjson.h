/*  cs_testjson: reading the JSON a command printed, in assertions.

        json_t *doc = cs_testjson_parse(out);
        cr_assert_str_eq(cs_testjson_str(doc, "name"), "Salesforce sync");
        cr_assert_eq(cs_testjson_int(doc, "mentions"), 3);

    Every function asserts with Criterion; none returns an error. */
#ifndef CS_TESTJSON_H
#define CS_TESTJSON_H

#include <jansson.h>

/* `text` parsed (a new reference); cr_asserts it is JSON, saying where it is not. */
json_t *cs_testjson_parse(const char *text);

/* The string at `key` of `obj` (borrowed), or "(not a string)" so that a comparison fails
   with a message rather than a crash. */
const char *cs_testjson_str(const json_t *obj, const char *key);

/* The integer at `key` of `obj`; cr_asserts it is one. */
long long cs_testjson_int(const json_t *obj, const char *key);

/* The number (integer or real) at `key` of `obj`; cr_asserts it is one. */
double cs_testjson_num(const json_t *obj, const char *key);

#endif
