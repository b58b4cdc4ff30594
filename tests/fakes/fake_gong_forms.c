/*  Gong's request forms for fake_gong (see fake_gong_forms.h): the strict checks of the bodies of
    /v2/calls/extensive and /v2/calls/transcript, its date-times, and the cursors of its pages. */
#define _GNU_SOURCE /* timegm */
#include "fake_gong_forms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of data[0..len) (malloc'd, caller frees), NULL when out of memory. */
char *fake_gong_base64(const char *data, size_t len)
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
int fake_gong_started_ms(const json_t *call, int64_t *out_ms)
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

/* Offset encoded in a cursor, 0 when there is none, -1 when it is not one of ours. */
long fake_gong_cursor_offset(const json_t *body)
{
    const json_t *cursor = json_object_get(body, "cursor");
    if (!cursor || json_is_null(cursor))
        return 0;
    char plain[64];
    long offset;
    int used = 0;
    if (!json_is_string(cursor) || s_unbase64(json_string_value(cursor), plain, sizeof plain) ||
        sscanf(plain, FAKE_GONG_CURSOR_PREFIX "%ld%n", &offset, &used) != 1 ||
        (size_t)used != strlen(plain) || offset <= 0)
        return -1;
    return offset;
}

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
const char *fake_gong_parse_filter(const json_t *body, fake_gong_filter_t *f)
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
const char *fake_gong_check_selector(const json_t *selector)
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
