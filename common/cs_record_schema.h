/*  cs_record_schema: the schema of each record kind, as tables of fields, and the checks that
    cs_record's validator and wire reader share (cs_record.h says what a record must be).

    The tables are static and read-only; a kind's schema is a NULL-terminated list of tables
    (an extraction is a call plus what the extractor adds, a decision an extraction plus the
    decisions). Code outside cs_record reads them to walk a kind's fields (tests that build a
    record with every field set, for instance), never to change them.

    The checks walk a tree and say where they failed: a cs_record_walk_t holds the path from
    the record down ("transcript[3].start_ms") and the caller's err buffer. Every check returns
    0, or -1 with "field 'a.b[3].c': reason" (just "reason" at the top) written into the walk's
    err (errlen bytes, truncated; err may be NULL). */
#ifndef CS_RECORD_SCHEMA_H
#define CS_RECORD_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "cs_record.h"

typedef enum {
    CS_FIELD_STRING, /* string; optionally one of `choices`, and min_len..max_len characters */
    CS_FIELD_UUID,   /* string in canonical 8-4-4-4-12 hexadecimal form */
    CS_FIELD_TIME,   /* string holding an ISO-8601 time (cs_time_parse_iso), at most 64 bytes */
    CS_FIELD_INT,    /* integer, optionally within `range` */
    CS_FIELD_NUMBER, /* integer or real, optionally within `range` */
    CS_FIELD_BOOL,
    CS_FIELD_OBJECT, /* object whose fields are `fields` */
    CS_FIELD_ARRAY,  /* array whose items are of type `item` (and have `fields` if objects) */
} cs_field_type_t;

typedef struct {
    double min, max;
} cs_field_range_t;

typedef struct cs_record_field {
    const char *name; /* NULL ends a table */
    cs_field_type_t type;
    bool required;                        /* absent or null is an error; otherwise both are fine */
    cs_field_type_t item;                 /* CS_FIELD_ARRAY: the type of every item */
    const struct cs_record_field *fields; /* objects, arrays of objects: a table */
    const char *const *choices;           /* strings: the allowed values, NULL-terminated */
    size_t min_len, max_len;              /* strings: length in characters; max 0: any */
    const cs_field_range_t *range;        /* numbers: inclusive bounds */
} cs_record_field_t;

/* The tables of `kind`, NULL-terminated (static); NULL for CS_KIND_UNKNOWN and out-of-range
   values. Can't fail otherwise. */
const cs_record_field_t *const *cs_record_schema_tables(cs_kind_t kind);

/* Where a walk is in the tree, one segment per level. Keys are borrowed, not NUL-terminated. */
typedef struct {
    const char *key; /* NULL for an array index */
    size_t keylen;
    size_t index;
} cs_record_segment_t;

typedef struct {
    char *err;
    size_t errlen;
    cs_record_segment_t path[CS_RECORD_MAX_DEPTH];
    int depth;     /* segments in use */
    size_t values; /* values seen so far, against CS_RECORD_MAX_VALUES */
} cs_record_walk_t;

/* Step into a key or an array index, and back out. The caller bounds the depth to
   CS_RECORD_MAX_DEPTH (asserted). */
void cs_record_walk_push_key(cs_record_walk_t *w, const char *key, size_t keylen);
void cs_record_walk_push_index(cs_record_walk_t *w, size_t index);
void cs_record_walk_pop(cs_record_walk_t *w);

/* Write "field 'path': fmt..." (just "fmt..." at the top) into the walk's err. Returns -1. */
int cs_record_walk_report(cs_record_walk_t *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Count one more value; -1 past CS_RECORD_MAX_VALUES. */
int cs_record_walk_count(cs_record_walk_t *w);

/* The most bytes a string at the walk's position may have: CS_RECORD_MAX_TRANSCRIPT_TEXT for
   the record's own "transcript_text", CS_RECORD_MAX_STRING anywhere else. */
size_t cs_record_walk_string_cap(const cs_record_walk_t *w);

/* The limits every string and key obeys, wherever it is: at most CS_RECORD_MAX_STRING bytes
   (a string: cs_record_walk_string_cap), no NUL byte, valid UTF-8. `what` ("string" or "key")
   names it in the reason. */
int cs_record_schema_text(cs_record_walk_t *w, const char *s, size_t n, const char *what);

/* The limits over a whole tree `v` (cs_record.h), `depth` being that of v if it is a
   container (1 for a record). */
int cs_record_schema_limits(cs_record_walk_t *w, const json_t *v, int depth);

/* "v", "kind", then the tables of the kind, on `rec` whose limits have been checked. Keys the
   tables do not name are left alone. */
int cs_record_schema_check(cs_record_walk_t *w, const json_t *rec);

#endif
