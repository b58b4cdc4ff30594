/*  cs_time: dates and times as people type them on a command line, turned into instants, and
    instants written the way Gong's API documents its date filters.

    Accepted (the date part is always YYYY-MM-DD, the time part HH:MM or HH:MM:SS):
        2026-01-01                   midnight at the start of that day
        2026-01-01T09:30             'T', 't' or one space between date and time
        2026-01-01T09:30:00
        any of the above + Z         UTC ('z' too)
        any of the above + +05:30    an offset east (+) or west (-) of UTC: +HH:MM, +HHMM, +HH
    Without a zone cs_time_parse reads the time as UTC; cs_time_parse_wall says that none was
    named, so that the caller can place the wall-clock time in a time zone of its own (the
    fetcher does so in the workspace's, with PostgreSQL's zone database). Impossible dates and
    times (2026-02-30, 24:00, 10:61) are refused, not rolled over. */
#ifndef CS_TIME_H
#define CS_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The forms cs_time_parse() accepts, for messages that tell the user what to write. */
#define CS_TIME_FORMS                                                                              \
    "2026-01-01, 2026-01-01T09:30, 2026-01-01T09:30:00 or '2026-01-01 09:30', optionally "         \
    "followed by Z or an offset such as +05:30 or -07:00 (none means the workspace's time zone)"

/* Bytes cs_time_format() needs, its NUL included: "2026-01-01T09:30:00Z". */
#define CS_TIME_LEN 21

/* Parse `text` (see the forms above) into seconds since the Unix epoch. Returns 0, or -1 with
   the reason in err ("\"2026-02-30\" is not a date in the calendar"); *epoch_s is then
   unchanged. */
int cs_time_parse(const char *text, int64_t *epoch_s, char *err, size_t errlen);

/* cs_time_parse, also telling whether the text named its zone: *zoned is true after Z or an
   offset; false when none was named, and *epoch_s is then the wall-clock time read as if in UTC
   (2026-01-02 gives 2026-01-02T00:00:00Z's seconds), to be placed in a time zone by the caller.
   Same returns and errors; *zoned is unchanged on an error. */
int cs_time_parse_wall(const char *text, int64_t *epoch_s, bool *zoned, char *err, size_t errlen);

/* cs_time_parse, also taking a fraction of a second after the seconds ("2026-01-01T09:30:00.250Z",
   a '.' or a ',' then at least one digit; the fraction is dropped), as ISO-8601 allows: for
   times that come from other programs (Gong's metaData.started, a record's started_at) rather
   than from people. Same returns and errors. */
int cs_time_parse_iso(const char *text, int64_t *epoch_s, char *err, size_t errlen);

/* True when `text` is a calendar date alone, "YYYY-MM-DD", in the years 0001 to 9999 (the
   dates PostgreSQL's date type takes from this form); false for NULL and anything else. */
bool cs_time_is_date(const char *text);

/* Write the instant as Gong's date filters take it, "YYYY-MM-DDTHH:MM:SSZ", into out (outlen
   bytes, at least CS_TIME_LEN; shorter is truncated). Can't fail for years 0..9999. */
void cs_time_format(int64_t epoch_s, char *out, size_t outlen);

#endif
