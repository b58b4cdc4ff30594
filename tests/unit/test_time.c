/* cs_time: the dates people type for --from / --to, and the form Gong is sent. */
#include <string.h>

#include <criterion/criterion.h>

#include "cs_time.h"

/* text parsed and formatted for Gong */
static const char *gong_form(const char *text)
{
    static char out[CS_TIME_LEN];
    int64_t t = -1;
    char err[256] = "";
    cr_assert_eq(cs_time_parse(text, &t, err, sizeof err), 0, "\"%s\": %s", text, err);
    cs_time_format(t, out, sizeof out);
    return out;
}

Test(time, a_date_alone_is_midnight_utc)
{
    cr_assert_str_eq(gong_form("2026-01-01"), "2026-01-01T00:00:00Z");
    int64_t t = 0;
    cr_assert_eq(cs_time_parse("1970-01-02", &t, NULL, 0), 0);
    cr_assert_eq(t, 86400);
}

Test(time, date_and_time_with_or_without_seconds)
{
    cr_assert_str_eq(gong_form("2026-01-01T09:30:00"), "2026-01-01T09:30:00Z");
    cr_assert_str_eq(gong_form("2026-01-01T09:30"), "2026-01-01T09:30:00Z");
    cr_assert_str_eq(gong_form("2026-01-01 09:30"), "2026-01-01T09:30:00Z");
    cr_assert_str_eq(gong_form("2026-01-01 09:30:15"), "2026-01-01T09:30:15Z");
    cr_assert_str_eq(gong_form("2026-01-01t23:59:59"), "2026-01-01T23:59:59Z");
}

Test(time, zones_are_applied)
{
    cr_assert_str_eq(gong_form("2026-01-01T09:30:00Z"), "2026-01-01T09:30:00Z");
    cr_assert_str_eq(gong_form("2026-01-01T09:30z"), "2026-01-01T09:30:00Z");
    cr_assert_str_eq(gong_form("2026-01-01T09:30:00+05:30"), "2026-01-01T04:00:00Z");
    cr_assert_str_eq(gong_form("2018-02-18T02:30:00-07:00"), "2018-02-18T09:30:00Z");
    cr_assert_str_eq(gong_form("2026-01-01 09:30-0700"), "2026-01-01T16:30:00Z");
    cr_assert_str_eq(gong_form("2026-01-01T01:00+02"), "2025-12-31T23:00:00Z");
    cr_assert_str_eq(gong_form("2026-01-01+05:30"), "2025-12-31T18:30:00Z");
    cr_assert_str_eq(gong_form("2026-01-01Z"), "2026-01-01T00:00:00Z");
}

Test(time, leap_days_exist_only_in_leap_years)
{
    cr_assert_str_eq(gong_form("2024-02-29"), "2024-02-29T00:00:00Z");
    int64_t t = 7;
    char err[256];
    cr_assert_eq(cs_time_parse("2026-02-29", &t, err, sizeof err), -1);
    cr_assert(strstr(err, "not a date in the calendar"), "%s", err);
    cr_assert_eq(t, 7, "unchanged on failure");
}

Test(time, bad_input_is_refused_with_a_reason)
{
    const char *bad[] = {"",
                         "yesterday",
                         "2026-02-30",
                         "2026-04-31",
                         "2026-13-01",
                         "2026-00-10",
                         "2026-01-00",
                         "2026-1-1",
                         "26-01-01",
                         " 2026-01-01",
                         "2026-01-01 ",
                         "2026/01/01",
                         "2026-01-01T",
                         "2026-01-01T9:30",
                         "2026-01-01T24:00",
                         "2026-01-01T10:60",
                         "2026-01-01T10:30:60",
                         "2026-01-01T10:30:00.123Z",
                         "2026-01-01T10:30:00 UTC",
                         "2026-01-01T10:30:00+5:30",
                         "2026-01-01T10:30:00+05:",
                         "2026-01-01T10:30:00+24:00",
                         "2026-01-01T10:30:00+05:60",
                         "2026-01-01T10:30:00Zjunk",
                         "20260101"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = 0;
        char err[256] = "";
        cr_expect_eq(cs_time_parse(bad[i], &t, err, sizeof err), -1, "\"%s\" was accepted", bad[i]);
        cr_expect(err[0], "\"%s\": no reason", bad[i]);
    }
    int64_t t;
    cr_assert_eq(cs_time_parse(NULL, &t, NULL, 0), -1);
}

Test(time, format_is_gongs_documented_form)
{
    char out[CS_TIME_LEN];
    cs_time_format(0, out, sizeof out);
    cr_assert_str_eq(out, "1970-01-01T00:00:00Z");
    cs_time_format(1518942600, out, sizeof out); /* Gong's example, 2018-02-18T08:30:00Z */
    cr_assert_str_eq(out, "2018-02-18T08:30:00Z");
    cr_assert_eq(strlen(out) + 1, (size_t)CS_TIME_LEN);
}

Test(time, iso_form_drops_a_fraction_of_a_second)
{
    int64_t t = 0, whole = 0;
    cr_assert_eq(cs_time_parse("2025-10-20T13:02:11Z", &whole, NULL, 0), 0);
    const char *good[] = {"2025-10-20T13:02:11.250Z", "2025-10-20T13:02:11,5Z",
                          "2025-10-20 13:02:11.123456789", "2025-10-20t15:02:11.9+02:00"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char err[256] = "";
        cr_expect_eq(cs_time_parse_iso(good[i], &t, err, sizeof err), 0, "%s: %s", good[i], err);
        cr_expect_eq(t, whole, "%s", good[i]);
    }
    cr_expect_eq(cs_time_parse_iso("2025-10-20", &t, NULL, 0), 0, "every form of cs_time_parse");
    cr_expect_eq(t, whole - 13 * 3600 - 2 * 60 - 11);
    const char *bad[] = {"2025-10-20T13:02:11.Z",   "2025-10-20T13:02.5Z",    "2025-10-20.5",
                         "2025-10-20T13:02:11.5 Z", "2025-02-29T13:02:11.5Z", "yesterday"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        int64_t u = 7;
        cr_expect_eq(cs_time_parse_iso(bad[i], &u, err, sizeof err), -1, "\"%s\" accepted", bad[i]);
        cr_expect(err[0], "\"%s\": no reason", bad[i]);
        cr_expect_eq(u, 7, "unchanged on failure");
    }
    cr_expect_eq(cs_time_parse("2025-10-20T13:02:11.250Z", &t, NULL, 0), -1,
                 "cs_time_parse still refuses fractions");
}

Test(time, a_date_alone_is_a_calendar_date)
{
    const char *good[] = {"2025-10-01", "2024-02-29", "0001-01-01", "9999-12-31"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        cr_expect(cs_time_is_date(good[i]), "%s refused", good[i]);
    const char *bad[] = {
        "2025-02-30",       "2025-02-29",  "0000-01-01",  "10/01/2025", "2025-10-1",
        "2025-10-01T00:00", "2025-10-01Z", " 2025-10-01", "2025-13-01", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_not(cs_time_is_date(bad[i]), "%s accepted", bad[i]);
    cr_expect_not(cs_time_is_date(NULL));
}

Test(time, wall_says_whether_a_zone_was_named)
{
    int64_t t = 0;
    bool zoned = true;
    char err[256] = "";
    cr_assert_eq(cs_time_parse_wall("2026-01-02", &t, &zoned, err, sizeof err), 0, "%s", err);
    cr_expect_not(zoned);
    cr_expect_eq(t, 1767312000, "the wall time read as if in UTC");
    cr_assert_eq(cs_time_parse_wall("2026-01-02 05:30", &t, &zoned, err, sizeof err), 0);
    cr_expect_not(zoned);
    cr_expect_eq(t, 1767312000 + 5 * 3600 + 1800);
    cr_assert_eq(cs_time_parse_wall("2026-01-02T05:30+05:30", &t, &zoned, err, sizeof err), 0);
    cr_expect(zoned);
    cr_expect_eq(t, 1767312000);
    cr_assert_eq(cs_time_parse_wall("2026-01-02Z", &t, &zoned, err, sizeof err), 0);
    cr_expect(zoned);
    zoned = false;
    t = 7;
    cr_expect_eq(cs_time_parse_wall("2026-02-30", &t, &zoned, err, sizeof err), -1);
    cr_expect(strstr(err, "not a date in the calendar"), "%s", err);
    cr_expect(t == 7 && !zoned, "unchanged on failure");
}
