/*  cs_window: see cs_window.h. */
#include "cs_window.h"

#include <math.h>

#define HALF_MS (CS_WINDOW_RTT_S * 1000 / 2)

void cs_window_init(cs_window_t *w, int ceiling)
{
    *w = (cs_window_t){.ceiling = ceiling > 0 ? ceiling : 1, .rtt_now = -1, .rtt_before = -1};
    w->floor = w->ceiling < CS_WINDOW_FLOOR ? w->ceiling : CS_WINDOW_FLOOR;
}

/* Move the per-second counts on to the second of `now`, clearing the seconds that passed. */
static void s_advance(cs_window_t *w, int64_t now)
{
    int64_t second = now / 1000;
    if (second <= w->second)
        return;
    int64_t gap = second - w->second;
    for (int64_t s = 1; s <= gap && s <= CS_WINDOW_RATE_S; s++)
        w->counts[(w->second + s) % CS_WINDOW_RATE_S] = 0;
    w->second = second;
}

/* Start a new half when this one is over: what it saw becomes "before". */
static void s_epoch(cs_window_t *w, int64_t now)
{
    if (now - w->epoch_ms < HALF_MS)
        return;
    w->rtt_before = now - w->epoch_ms < 2 * HALF_MS ? w->rtt_now : -1;
    w->rtt_now = -1;
    w->epoch_ms = now;
}

void cs_window_acked(cs_window_t *w, int64_t rtt_ms, int64_t now)
{
    s_advance(w, now);
    w->counts[w->second % CS_WINDOW_RATE_S]++;
    s_epoch(w, now);
    if (rtt_ms >= 0 && (w->rtt_now < 0 || rtt_ms < w->rtt_now))
        w->rtt_now = rtt_ms;
}

int cs_window_size(cs_window_t *w, int64_t now)
{
    s_advance(w, now);
    s_epoch(w, now);
    int64_t rtt = w->rtt_now;
    if (w->rtt_before >= 0 && (rtt < 0 || w->rtt_before < rtt))
        rtt = w->rtt_before;
    long acks = 0;
    for (int i = 0; i < CS_WINDOW_RATE_S; i++)
        acks += w->counts[i];
    /* the current second has run only so far */
    double span_s = CS_WINDOW_RATE_S - 1 + (double)(now % 1000) / 1000.0;
    double size = rtt < 0 ? 0 : ceil(2.0 * (double)acks / span_s * (double)rtt / 1000.0);
    if (size < w->floor)
        return w->floor;
    return size > w->ceiling ? w->ceiling : (int)size;
}
