/*  fake_gong_forms: Gong's request forms, as fake_gong checks them (private to the fake: tests use
    fake_gong.h). Gong's documentation of /v2/calls/extensive and /v2/calls/transcript, checked
    strictly: the filter, the contentSelector, the date-times (a full date-time with an offset,
    never a date alone) and the cursors of the pages fake_gong hands out. Pure functions. */
#ifndef FAKE_GONG_FORMS_H
#define FAKE_GONG_FORMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* A cursor is the base64 of this followed by the offset of the next page. */
#define FAKE_GONG_CURSOR_PREFIX "fake-gong-cursor:"

/* Base64 of data[0..len) (malloc'd, caller frees), NULL when out of memory. */
char *fake_gong_base64(const char *data, size_t len);

/* metaData.started of a call: an ISO-8601 string as the live API sends, or epoch seconds, into
 *out_ms. 0, or -1 when it is neither. */
int fake_gong_started_ms(const json_t *call, int64_t *out_ms);

/* The offset encoded in the request's cursor, 0 when there is none, -1 when it is not one of
   ours. */
long fake_gong_cursor_offset(const json_t *body);

/* The filter shared by both endpoints. ids and workspace are borrowed from the request. */
typedef struct {
    bool has_from, has_to;
    int64_t from_ms, to_ms;
    const char *workspace;
    const json_t *ids;
} fake_gong_filter_t;

/* The request's filter into *f, checked against Gong's documentation of both endpoints. NULL,
   or the reason for a 400 (a static string). */
const char *fake_gong_parse_filter(const json_t *body, fake_gong_filter_t *f);

/* The contentSelector of /v2/calls/extensive (NULL: none) checked as documented. NULL, or the
   reason for a 400 (a static string). */
const char *fake_gong_check_selector(const json_t *selector);

#endif
