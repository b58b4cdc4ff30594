/* cs_svg: the console's charts are well-formed SVG without script or inline style, their labels
   are text, and their coordinates follow the counts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_svg.h"
#include "cs_util.h"

#define DEPTH_MAX 16

/* Occurrences of needle in s. */
static size_t s_count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Checks that svg is one <svg> element whose tags nest and close, whose attribute values are
   double-quoted and hold no markup character, whose text holds no '>' or '<' outside tags, and
   that it carries no script, no style and no event handler. */
static void s_expect_well_formed(const char *svg)
{
    char stack[DEPTH_MAX][16];
    int depth = 0;
    cr_assert(strncmp(svg, "<svg ", 5) == 0, "starts with <svg: %.20s", svg);
    const char *p = svg;
    while (*p) {
        if (*p == '>') {
            cr_assert_fail("a raw '>' in text at %.40s", p);
        }
        if (*p != '<') {
            p++;
            continue;
        }
        bool closing = p[1] == '/';
        const char *name = p + 1 + closing;
        size_t len = strspn(name, "abcdefghijklmnopqrstuvwxyz");
        cr_assert(len > 0 && len < sizeof stack[0], "a tag name at %.40s", p);
        const char *q = name + len;
        bool in_value = false;
        for (; *q && (in_value || *q != '>'); q++) {
            if (*q == '"')
                in_value = !in_value;
            else if (in_value)
                cr_assert(*q != '<' && *q != '>' && strncmp(q, "nan", 3) != 0 &&
                              strncmp(q, "inf", 3) != 0,
                          "markup or a non-number inside an attribute at %.40s", p);
            else
                cr_assert(*q != '<' && strncmp(q, " on", 3) != 0 && strncmp(q, " style=", 7) != 0,
                          "a tag, event handler or style inside a tag at %.40s", p);
        }
        cr_assert_eq(*q, '>', "the tag closes: %.40s", p);
        bool empty = q[-1] == '/';
        if (closing) {
            cr_assert(depth > 0, "a closing tag without its opening one at %.40s", p);
            depth--;
            cr_assert(strlen(stack[depth]) == len && strncmp(stack[depth], name, len) == 0,
                      "</%.*s> closes <%s>", (int)len, name, stack[depth]);
            if (depth == 0)
                cr_assert_eq(q[1], '\0', "nothing after </svg>");
        } else if (!empty) {
            cr_assert(depth < DEPTH_MAX, "nesting too deep");
            memcpy(stack[depth], name, len);
            stack[depth++][len] = '\0';
        }
        p = q + 1;
    }
    cr_assert_eq(depth, 0, "every tag closed");
    cr_expect_eq(s_count(svg, "<script"), 0);
    cr_expect_eq(s_count(svg, "<style"), 0);
}

/* The numbers of the points="..." attribute that starts after `from`, into xy (pairs); their
   count. */
static size_t s_points(const char *from, double *xy, size_t max)
{
    const char *p = strstr(from, "points=\"");
    cr_assert_not_null(p);
    p += 8;
    size_t n = 0;
    while (*p != '"') {
        char *end;
        double x = strtod(p, &end);
        cr_assert(end != p && *end == ',', "x,y at %.20s", p);
        double y = strtod(end + 1, &end);
        cr_assert(n + 2 <= max);
        xy[n++] = x;
        xy[n++] = y;
        p = end + (*end == ' ');
    }
    return n / 2;
}

/* The value of numeric attribute attr (' x="') in the first tag at or after from. */
static double s_attr(const char *from, const char *attr)
{
    const char *p = strstr(from, attr);
    cr_assert_not_null(p, "%s", attr);
    return strtod(p + strlen(attr), NULL);
}

static char *s_take(cs_buf_t *b)
{
    char *s = cs_buf_take(b);
    cr_assert_not_null(s);
    return s;
}

/* ---- sparkline --------------------------------------------------------------------------- */

Test(svg, sparkline_draws_one_point_a_week_and_says_the_total)
{
    long long counts[13] = {0, 1, 0, 2, 3, 0, 0, 1, 0, 0, 4, 1, 0};
    cs_buf_t b = {0};
    cs_svg_sparkline(&b, counts, 13, 80, 20);
    char *svg = s_take(&b);
    s_expect_well_formed(svg);
    cr_expect_eq(s_count(svg, "class=\"spark\""), 1);
    cr_expect_neq(strstr(svg, "<title>12 mentions in 13 weeks</title>"), NULL, "%s", svg);
    double xy[64];
    cr_assert_eq(s_points(svg, xy, 64), 13);
    cr_expect_float_eq(xy[0], 1.0, 0.01, "first week at the left");
    cr_expect_float_eq(xy[24], 79.0, 0.01, "last week at the right");
    cr_expect_float_eq(xy[2 * 10 + 1], 1.0, 0.01, "the largest count at the top");
    cr_expect_float_eq(xy[1], 19.0, 0.01, "a zero at the bottom");
    for (size_t i = 1; i < 13; i++)
        cr_expect_gt(xy[2 * i], xy[2 * i - 2], "x grows");
    free(svg);
}

Test(svg, sparkline_of_zeros_is_a_flat_line_at_the_bottom)
{
    long long counts[4] = {0};
    cs_buf_t b = {0};
    cs_svg_sparkline(&b, counts, 4, 60, 16);
    char *svg = s_take(&b);
    s_expect_well_formed(svg);
    cr_expect_neq(strstr(svg, "0 mentions in 4 weeks"), NULL);
    double xy[16];
    cr_assert_eq(s_points(svg, xy, 16), 4);
    for (size_t i = 0; i < 4; i++)
        cr_expect_float_eq(xy[2 * i + 1], 15.0, 0.01);
    free(svg);
}

Test(svg, sparkline_of_one_week_is_a_line_across)
{
    long long one = 1;
    cs_buf_t b = {0};
    cs_svg_sparkline(&b, &one, 1, 50, 10);
    char *svg = s_take(&b);
    s_expect_well_formed(svg);
    cr_expect_neq(strstr(svg, "1 mention in 1 week<"), NULL, "singular: %s", svg);
    double xy[8];
    cr_assert_eq(s_points(svg, xy, 8), 2);
    cr_expect_float_eq(xy[0], 1.0, 0.01);
    cr_expect_float_eq(xy[2], 49.0, 0.01);
    cr_expect_float_eq(xy[1], xy[3], 0.01);
    free(svg);
}

/* ---- weekly ------------------------------------------------------------------------------ */

static const char *const s_weeks13[13] = {
    "2025-09-01", "2025-09-08", "2025-09-15", "2025-09-22", "2025-09-29",
    "2025-10-06", "2025-10-13", "2025-10-20", "2025-10-27", "2025-11-03",
    "2025-11-10", "2025-11-17", "2025-11-24",
};

Test(svg, weekly_escapes_hostile_labels_and_weeks)
{
    long long a[2] = {1, 2}, c[2] = {0, 3};
    cs_svg_series_t series[2] = {
        {"<script>alert(1)</script>", a},
        {"\"><img src=x onerror=alert(1)>", c},
    };
    const char *weeks[2] = {"<b>w1</b>", "w2 & 'x'"};
    cs_buf_t b = {0};
    cs_svg_weekly(&b, series, 2, weeks, 2, 600, 240);
    char *svg = s_take(&b);
    s_expect_well_formed(svg);
    cr_expect_eq(s_count(svg, "<img"), 0);
    cr_expect_eq(s_count(svg, "<b>"), 0);
    cr_expect_gt(s_count(svg, "&lt;script&gt;alert(1)&lt;/script&gt;"), 0);
    cr_expect_gt(s_count(svg, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"), 0);
    cr_expect_gt(s_count(svg, "&lt;b&gt;w1&lt;/b&gt;"), 0);
    cr_expect_gt(s_count(svg, "w2 &amp; &#39;x&#39;"), 0);
    free(svg);
}

Test(svg, weekly_draws_a_line_and_dots_per_series_with_its_colour_class)
{
    long long counts[10][13] = {{0}};
    cs_svg_series_t series[10];
    char labels[10][16];
    for (size_t s = 0; s < 10; s++) {
        for (size_t i = 0; i < 13; i++)
            counts[s][i] = (long long)((s + i) % 5);
        snprintf(labels[s], sizeof labels[s], "Theme %zu", s);
        series[s] = (cs_svg_series_t){labels[s], counts[s]};
    }
    cs_buf_t b = {0};
    cs_svg_weekly(&b, series, 10, s_weeks13, 13, 800, 300);
    char *svg = s_take(&b);
    s_expect_well_formed(svg);
    cr_expect_eq(s_count(svg, "class=\"chart\""), 1);
    cr_expect_eq(s_count(svg, "<polyline"), 10);
    cr_expect_eq(s_count(svg, "<circle"), 130);
    cr_expect_eq(s_count(svg, "<polyline class=\"s0\""), 2, "colours repeat after 8");
    cr_expect_eq(s_count(svg, "<polyline class=\"s7\""), 1);
    cr_expect_eq(s_count(svg, "class=\"s8\""), 0);
    cr_expect_eq(s_count(svg, "<rect"), 10, "a legend swatch per series");
    cr_expect_eq(s_count(svg, ">Theme 9</text>"), 1);
    cr_expect_neq(strstr(svg, "<title>Theme 3, week of 2025-11-24: 0</title>"), NULL);
    cr_expect_neq(strstr(svg, "<title>Theme 4, week of 2025-09-01: 4</title>"), NULL);
    free(svg);
}

Test(svg, weekly_y_axis_ends_at_a_round_number_at_or_above_the_largest_count)
{
    static const struct {
        long long max;
        const char *top;
        int ticks;
    } cases[] = {{7, ">8</text>", 5},   {13, ">15</text>", 4},   {100, ">100</text>", 3},
                 {1, ">1</text>", 2},   {4, ">4</text>", 5},     {2300, ">3000</text>", 4},
                 {50, ">60</text>", 4}, {900, ">1000</text>", 3}};
    for (size_t c = 0; c < CS_ARRAY_LEN(cases); c++) {
        long long counts[3] = {0, cases[c].max, 1};
        cs_svg_series_t series = {"x", counts};
        cs_buf_t b = {0};
        cs_svg_weekly(&b, &series, 1, s_weeks13, 3, 600, 240);
        char *svg = s_take(&b);
        s_expect_well_formed(svg);
        long long max = cases[c].max;
        cr_expect_eq(s_count(svg, cases[c].top), 1, "max %lld: %s", max, cases[c].top);
        cr_expect_eq(s_count(svg, "class=\"grid\""), (size_t)cases[c].ticks, "max %lld", max);
        /* grid lines go from the bottom (0) up to the top tick: the largest count is on or
           under the top line, and on it only when it is the top */
        const char *grid = strstr(svg, "class=\"grid\"");
        double bottom = s_attr(grid, " y1=\""), top = bottom;
        for (const char *g = grid; g; g = strstr(g + 1, "class=\"grid\""))
            top = s_attr(g, " y1=\"");
        double xy[8];
        cr_assert_eq(s_points(strstr(svg, "class=\"series"), xy, 8), 3);
        cr_expect_float_eq(xy[1], bottom, 0.01, "0 on the bottom line");
        if (strtoll(cases[c].top + 1, NULL, 10) == max)
            cr_expect_float_eq(xy[3], top, 0.01, "max %lld on the top line", max);
        else
            cr_expect(xy[3] > top + 1 && xy[3] < bottom, "max %lld under the top line", max);
        free(svg);
    }
}

Test(svg, weekly_of_zeros_has_an_axis_to_one_and_lines_at_the_bottom)
{
    long long zeros[13] = {0};
    cs_svg_series_t series[2] = {{"A", zeros}, {"B", zeros}};
    cs_buf_t b = {0};
    cs_svg_weekly(&b, series, 2, s_weeks13, 13, 600, 240);
    char *svg = s_take(&b);
    s_expect_well_formed(svg);
    cr_expect_eq(s_count(svg, "class=\"grid\""), 2, "0 and 1");
    double bottom = s_attr(strstr(svg, "class=\"grid\""), " y1=\"");
    double xy[32];
    cr_assert_eq(s_points(strstr(svg, "class=\"series"), xy, 32), 13);
    for (size_t i = 0; i < 13; i++)
        cr_expect_float_eq(xy[2 * i + 1], bottom, 0.01, "week %zu", i);
    free(svg);
}

Test(svg, weekly_of_one_week_draws_dots_and_its_label)
{
    long long n = 5;
    cs_svg_series_t series = {"Only", &n};
    cs_buf_t b = {0};
    cs_svg_weekly(&b, &series, 1, s_weeks13, 1, 600, 240);
    char *svg = s_take(&b);
    s_expect_well_formed(svg);
    cr_expect_eq(s_count(svg, "<polyline"), 0, "no line through one point");
    cr_expect_eq(s_count(svg, "<circle"), 1);
    cr_expect_eq(s_count(svg, ">2025-09-01</text>"), 1);
    free(svg);
}

Test(svg, weekly_of_many_weeks_thins_the_labels_so_they_do_not_overlap)
{
    enum { WEEKS = 104 };
    char labels[WEEKS][16];
    const char *weeks[WEEKS];
    long long counts[WEEKS];
    for (int i = 0; i < WEEKS; i++) {
        snprintf(labels[i], sizeof labels[i], "2024-%02d-%02d", 1 + i / 9, 1 + i % 28);
        weeks[i] = labels[i];
        counts[i] = i % 7;
    }
    cs_svg_series_t series = {"Many", counts};
    cs_buf_t b = {0};
    cs_svg_weekly(&b, &series, 1, weeks, WEEKS, 800, 260);
    char *svg = s_take(&b);
    s_expect_well_formed(svg);
    cr_expect_eq(s_count(svg, "<circle"), WEEKS);
    char last[32];
    snprintf(last, sizeof last, ">%s</text>", labels[WEEKS - 1]);
    cr_expect_eq(s_count(svg, last), 1, "the latest week is labelled");
    /* the week labels: text elements whose content starts with "2024-" */
    double prev = -1e9;
    size_t shown = 0;
    for (const char *p = strstr(svg, "<text"); p; p = strstr(p + 1, "<text")) {
        const char *gt = strchr(p, '>');
        if (strncmp(gt + 1, "2024-", 5) != 0)
            continue;
        double x = s_attr(p, " x=\"");
        cr_expect_geq(x - prev, 10 * 6.5, "labels %zu and %zu apart by %.1f", shown - 1, shown,
                      x - prev);
        prev = x;
        shown++;
    }
    cr_expect_gt(shown, 3);
    cr_expect_lt(shown, 16, "thinned: %zu of %d", shown, WEEKS);
    free(svg);
}

Test(svg, weekly_grows_taller_for_a_legend_that_does_not_fit)
{
    enum { SERIES = 40 };
    long long counts[2] = {1, 2};
    char labels[SERIES][64];
    cs_svg_series_t series[SERIES];
    for (int s = 0; s < SERIES; s++) {
        snprintf(labels[s], sizeof labels[s], "A rather long theme name number %d", s);
        series[s] = (cs_svg_series_t){labels[s], counts};
    }
    cs_buf_t b = {0};
    cs_svg_weekly(&b, series, SERIES, s_weeks13, 2, 400, 200);
    char *svg = s_take(&b);
    s_expect_well_formed(svg);
    double height = s_attr(svg, " height=\"");
    cr_expect_gt(height, 200);
    const char *last = strstr(svg, ">A rather long theme name number 39<");
    cr_assert_not_null(last);
    while (last > svg && strncmp(last, "<text", 5) != 0)
        last--;
    cr_expect_leq(s_attr(last, " y=\""), height, "the last legend row is inside the chart");
    free(svg);
}

Test(svg, weekly_with_nothing_to_draw_is_still_an_svg)
{
    cs_buf_t b = {0};
    cs_svg_weekly(&b, NULL, 0, NULL, 0, 600, 240);
    char *svg = s_take(&b);
    s_expect_well_formed(svg);
    cr_expect_eq(s_count(svg, "<polyline"), 0);
    free(svg);
}
