/*  cs_testjson: reading the JSON a command printed, in assertions (see cs_testjson.h). */
#include "cs_testjson.h"

#include <criterion/criterion.h>

json_t *cs_testjson_parse(const char *text)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    cr_assert(doc, "not JSON (%s): %s", jerr.text, text);
    return doc;
}

const char *cs_testjson_str(const json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v ? v : "(not a string)";
}

long long cs_testjson_int(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    cr_assert(json_is_integer(v), "%s is not an integer", key);
    return json_integer_value(v);
}

double cs_testjson_num(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    cr_assert(json_is_number(v), "%s is not a number", key);
    return json_number_value(v);
}
