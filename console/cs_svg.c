#include "cs_svg.h"

#include "cs_html.h"

#define CHAR_W     6.5 /* estimated width of a character of the labels (font-size 11) */
#define LINE_H     16  /* height of a row of the legend */
#define MARGIN_L   44  /* room for the y labels */
#define MARGIN_R   12
#define MARGIN_T   10
#define AXIS_H     24 /* room under the plot for the week labels */
#define SERIES_MAX 8  /* colour classes s0..s7 */

/* Characters (UTF-8 code points) of s, to estimate its width. */
static size_t s_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

static long long s_max(const long long *counts, size_t n)
{
    long long max = 0;
    for (size_t i = 0; i < n; i++)
        if (counts[i] > max)
            max = counts[i];
    return max;
}

/* A round step (1, 2 or 5 times a power of ten, at least 1) for about four ticks up to max. */
static long long s_step(long long max)
{
    long long want = (max + 3) / 4;
    for (long long p = 1;; p *= 10) {
        if (want <= p)
            return p;
        if (want <= 2 * p)
            return 2 * p;
        if (want <= 5 * p)
            return 5 * p;
    }
}

void cs_svg_sparkline(cs_buf_t *b, const long long *counts, size_t n, int width, int height)
{
    long long total = 0;
    for (size_t i = 0; i < n; i++)
        total += counts[i];
    cs_html(b,
            "<svg class=\"spark\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\"><title>%lld mention%s in %zu "
            "week%s</title>",
            width, height, width, height, total, total == 1 ? "" : "s", n, n == 1 ? "" : "s");
    if (n > 0) {
        long long max = s_max(counts, n);
        double w = width - 2.0, h = height - 2.0;
        cs_html_raw(b, "<polyline fill=\"none\" stroke=\"currentColor\" points=\"");
        for (size_t i = 0; i < n; i++) {
            double x = n == 1 ? 1.0 : 1.0 + w * (double)i / (double)(n - 1);
            double y = 1.0 + h - (max ? h * (double)counts[i] / (double)max : 0.0);
            cs_html(b, "%s%.1f,%.1f", i ? " " : "", x, y);
            if (n == 1) /* one week: a flat line across the box */
                cs_html(b, " %.1f,%.1f", 1.0 + w, y);
        }
        cs_html_raw(b, "\"/>");
    }
    cs_html_raw(b, "</svg>");
}

/* The rows the legend needs when its items flow left to right in `room` pixels. */
static int s_legend_rows(const cs_svg_series_t *series, size_t nseries, double room)
{
    int rows = nseries ? 1 : 0;
    double x = 0;
    for (size_t i = 0; i < nseries; i++) {
        double w = 18 + CHAR_W * (double)s_chars(series[i].label) + 12;
        if (x > 0 && x + w > room) {
            rows++;
            x = 0;
        }
        x += w;
    }
    return rows;
}

/* The y of count v in a plot from bottom up plot_h pixels to ymax. */
static double s_y(long long v, long long ymax, double bottom, double plot_h)
{
    return bottom - plot_h * (double)v / (double)ymax;
}

void cs_svg_weekly(cs_buf_t *b, const cs_svg_series_t *series, size_t nseries,
                   const char *const *weeks, size_t nweeks, int width, int height)
{
    /* Week labels are centred on their week: the margins hold half the widest one. */
    size_t widest = 0;
    for (size_t i = 0; i < nweeks; i++)
        if (s_chars(weeks[i]) > widest)
            widest = s_chars(weeks[i]);
    double label_w = CHAR_W * (double)widest;
    double left = label_w / 2 + 2 > MARGIN_L ? label_w / 2 + 2 : MARGIN_L;
    double right = label_w / 2 + 2 > MARGIN_R ? label_w / 2 + 2 : MARGIN_R;
    double room = width - left - right;
    int rows = s_legend_rows(series, nseries, room);
    double top = MARGIN_T, bottom = height - AXIS_H - rows * LINE_H - 6;
    if (bottom < top + 20) { /* a legend too tall for the box: the chart grows to hold it */
        height += (int)(top + 20 - bottom);
        bottom = top + 20;
    }
    cs_html(b,
            "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" font-size=\"11\">",
            width, height, width, height);

    /* The y axis: 0 to a round top, a grid line and a label at each step. */
    long long max = 0;
    for (size_t s = 0; s < nseries; s++)
        if (s_max(series[s].counts, nweeks) > max)
            max = s_max(series[s].counts, nweeks);
    long long step = s_step(max), ymax = max ? (max + step - 1) / step * step : step;
    double plot_h = bottom - top;
    for (long long v = 0; v <= ymax; v += step) {
        double y = s_y(v, ymax, bottom, plot_h);
        cs_html(b,
                "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"currentColor\" stroke-opacity=\"0.2\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%lld</text>",
                left, y, left + room, y, left - 6, y + 4, v);
    }

    /* The x axis: a label every `every` weeks so that they don't overlap; the latest always. */
    double dx = nweeks > 1 ? room / (double)(nweeks - 1) : 0;
    size_t every = 1;
    while (dx > 0 && (double)every * dx < label_w + 10)
        every++;
    for (size_t i = 0; i < nweeks; i++)
        if ((nweeks - 1 - i) % every == 0)
            cs_html(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>",
                    nweeks > 1 ? left + dx * (double)i : left + room / 2, bottom + 16, weeks[i]);
    cs_html(b,
            "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
            "stroke=\"currentColor\"/>",
            left, bottom, left + room, bottom);

    /* The series: a line through the weeks, and a dot on each whose title says the count. */
    for (size_t s = 0; s < nseries && nweeks > 0; s++) {
        size_t cls = s % SERIES_MAX;
        cs_html_raw(b, "<g class=\"series\">");
        if (nweeks > 1) {
            cs_html(b,
                    "<polyline class=\"s%zu\" fill=\"none\" stroke=\"currentColor\" "
                    "stroke-width=\"2\" points=\"",
                    cls);
            for (size_t i = 0; i < nweeks; i++)
                cs_html(b, "%s%.1f,%.1f", i ? " " : "", left + dx * (double)i,
                        s_y(series[s].counts[i], ymax, bottom, plot_h));
            cs_html_raw(b, "\"/>");
        }
        for (size_t i = 0; i < nweeks; i++)
            cs_html(b,
                    "<circle class=\"s%zu\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" "
                    "fill=\"currentColor\"><title>%s, week of %s: %lld</title></circle>",
                    cls, nweeks > 1 ? left + dx * (double)i : left + room / 2,
                    s_y(series[s].counts[i], ymax, bottom, plot_h), series[s].label, weeks[i],
                    series[s].counts[i]);
        cs_html_raw(b, "</g>");
    }

    /* The legend: a swatch and the label of each series, flowing in rows under the axis. */
    cs_html_raw(b, "<g class=\"legend\">");
    double x = 0, y = bottom + AXIS_H + 10;
    for (size_t s = 0; s < nseries; s++) {
        double w = 18 + CHAR_W * (double)s_chars(series[s].label) + 12;
        if (x > 0 && x + w > room) {
            x = 0;
            y += LINE_H;
        }
        cs_html(b,
                "<rect class=\"s%zu\" x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"10\" "
                "fill=\"currentColor\"/><text x=\"%.1f\" y=\"%.1f\">%s</text>",
                s % SERIES_MAX, left + x, y - 9, left + x + 16, y, series[s].label);
        x += w;
    }
    cs_html_raw(b, "</g></svg>");
}
