/*  cs_svg: the console's charts, drawn by the server as inline SVG (no script, no library, no
    inline style: colours come from classes in console.css, so the Content-Security-Policy
    holds). Labels are escaped like every other value (cs_html.h).
      sparkline  a small line of counts per week, for a row of the Features table
      weekly     a line chart of several series over the same weeks (mentions per week per
                 theme), with axes, week labels and a legend
    Colours: the stylesheet sets stroke and fill by class. Each series' line, dots and legend
    swatch carry its class s0..s7; the grid lines are line.grid, the x axis line.axis, the
    labels plain <text>; the sparkline is svg.spark with one polyline. Presentation attributes
    (stroke="currentColor", fill="none" on lines) draw it in the text's colour without the
    stylesheet, and any rule of the stylesheet overrides them.
    Both write into b and only add to it; a failure sticks in b (cs_buf.h). */
#ifndef CS_SVG_H
#define CS_SVG_H

#include <stddef.h>

#include "cs_buf.h"

/* A polyline of n counts (n >= 1) in a width x height box, with a <title> that says the total
   ("12 mentions in 13 weeks"). All zeros draw a flat line at the bottom. */
void cs_svg_sparkline(cs_buf_t *b, const long long *counts, size_t n, int width, int height);

typedef struct {
    const char *label;       /* the legend's text (escaped) */
    const long long *counts; /* one per week */
} cs_svg_series_t;

/* A line chart of nseries series over the same nweeks weeks; weeks[i] is the label of week i
   ("2025-10-06"). The y axis starts at 0 and ends at a round number at or above the largest
   count; each series gets the class "s0".."s7" (colours repeat after 8) and each week a dot
   whose <title> says the series, the week and the count. The legend flows in rows under the
   week labels; when it needs more room than height leaves for the plot, the chart is drawn
   taller than height. */
void cs_svg_weekly(cs_buf_t *b, const cs_svg_series_t *series, size_t nseries,
                   const char *const *weeks, size_t nweeks, int width, int height);

#endif
