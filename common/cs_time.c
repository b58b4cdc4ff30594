/*  cs_time: see cs_time.h. glibc does the calendar: strptime() reads the fields, timegm() turns
    them into an instant, and gmtime_r() of that instant must give the same fields back, which
    is how an impossible date (February 30th) is told from a real one. The shape of the text
    (digit counts, separators) is checked here first, because strptime() is lenient about it
    (it takes "2026-1-1" and leading spaces). */
#define _GNU_SOURCE /* strptime, timegm */
#include "cs_time.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cs_util.h"

static bool s_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* "dd" at s into *out; false when s does not start with two digits. */
static bool s_two(const char *s, int *out)
{
    if (!s_digits(s, 2))
        return false;
    *out = (s[0] - '0') * 10 + (s[1] - '0');
    return true;
}

/* The zone suffix at p: "" (none: *zoned false, read as UTC), Z, or +HH:MM / +HHMM / +HH (and
   -). Seconds east of UTC in *offset; -1 when it is none of these. */
static int s_zone(const char *p, long *offset, bool *zoned)
{
    *offset = 0;
    *zoned = *p != '\0';
    if (*p == '\0' || ((*p == 'Z' || *p == 'z') && p[1] == '\0'))
        return 0;
    if (*p != '+' && *p != '-')
        return -1;
    int sign = *p == '-' ? -1 : 1, hh, mm = 0;
    p++;
    if (!s_two(p, &hh))
        return -1;
    p += 2;
    if (*p == ':')
        p++;
    if (*p && (!s_two(p, &mm) || p[2] != '\0'))
        return -1;
    if (p[-1] == ':' && *p == '\0')
        return -1; /* "+05:" */
    if (hh > 23 || mm > 59)
        return -1;
    *offset = sign * (hh * 3600L + mm * 60L);
    return 0;
}

/* cs_time_parse, and with `fraction` true cs_time_parse_iso; *zoned (when not NULL) as
   cs_time_parse_wall says. */
static int s_parse(const char *text, bool fraction, int64_t *epoch_s, bool *zoned, char *err,
                   size_t errlen)
{
    if (!text || !*text)
        return cs_fail(err, errlen, "an empty date");
    const char *s = text;
    /* YYYY-MM-DD */
    if (strlen(s) < 10 || !s_digits(s, 4) || s[4] != '-' || !s_digits(s + 5, 2) || s[7] != '-' ||
        !s_digits(s + 8, 2))
        return cs_fail(err, errlen, "cannot read \"%.64s\" as a date", text);
    struct tm tm = {0};
    const char *p = strptime(s, "%Y-%m-%d", &tm);
    if (p != s + 10)
        return cs_fail(err, errlen, "\"%.64s\" is not a date in the calendar", text);
    /* [T| ]HH:MM[:SS] */
    if (*p == 'T' || *p == 't' || *p == ' ') {
        const char *t = p + 1;
        bool with_seconds = s_digits(t, 2) && t[2] == ':' && s_digits(t + 3, 2) && t[5] == ':' &&
                            s_digits(t + 6, 2);
        if (!with_seconds && !(s_digits(t, 2) && t[2] == ':' && s_digits(t + 3, 2)))
            return cs_fail(err, errlen, "cannot read the time of day in \"%.64s\"", text);
        p = strptime(t, with_seconds ? "%H:%M:%S" : "%H:%M", &tm);
        if (p != t + (with_seconds ? 8 : 5))
            return cs_fail(err, errlen, "\"%.64s\" is not a time of day", text);
        if (fraction && with_seconds && (*p == '.' || *p == ',')) {
            size_t digits = strspn(p + 1, "0123456789");
            if (digits == 0)
                return cs_fail(err, errlen, "cannot read the fraction of a second in \"%.64s\"",
                               text);
            p += 1 + digits;
        }
    }
    long offset;
    bool named;
    if (s_zone(p, &offset, &named) != 0)
        return cs_fail(err, errlen,
                       "cannot read \"%.64s\": after the date and time comes nothing, Z, or an "
                       "offset such as +05:30",
                       text);
    struct tm want = tm, back;
    want.tm_isdst = 0;
    struct tm copy = want;
    time_t t = timegm(&copy);
    if (t == (time_t)-1 && !(want.tm_year == 69 && want.tm_mon == 11 && want.tm_mday == 31))
        return cs_fail(err, errlen, "\"%.64s\" is out of range", text);
    if (!gmtime_r(&t, &back) || back.tm_year != want.tm_year || back.tm_mon != want.tm_mon ||
        back.tm_mday != want.tm_mday || back.tm_hour != want.tm_hour ||
        back.tm_min != want.tm_min || back.tm_sec != want.tm_sec)
        return cs_fail(err, errlen, "\"%.64s\" is not a date in the calendar", text);
    *epoch_s = (int64_t)t - offset;
    if (zoned)
        *zoned = named;
    return 0;
}

int cs_time_parse(const char *text, int64_t *epoch_s, char *err, size_t errlen)
{
    return s_parse(text, false, epoch_s, NULL, err, errlen);
}

int cs_time_parse_wall(const char *text, int64_t *epoch_s, bool *zoned, char *err, size_t errlen)
{
    return s_parse(text, false, epoch_s, zoned, err, errlen);
}

int cs_time_parse_iso(const char *text, int64_t *epoch_s, char *err, size_t errlen)
{
    return s_parse(text, true, epoch_s, NULL, err, errlen);
}

bool cs_time_is_date(const char *text)
{
    int64_t ignored;
    return text && strlen(text) == 10 && strncmp(text, "0000", 4) != 0 &&
           s_parse(text, false, &ignored, NULL, NULL, 0) == 0;
}

void cs_time_format(int64_t epoch_s, char *out, size_t outlen)
{
    if (!out || outlen == 0)
        return;
    time_t t = (time_t)epoch_s;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        out[0] = '\0';
}
