/*  cs_pace: see cs_pace.h. */
#include "cs_pace.h"

#include <math.h>

#define EWMA        0.1   /* weight of the newest latency or token count in the means */
#define HEADROOM    1.25  /* the window over rate x latency: latencies spread */
#define CUT         0.9   /* the rate after a 429 */
#define CLIMB       0.001 /* per answer, the share of the limit the rate climbs back */
#define CLIMB_AMPLE 0.005 /* the same while much is spare (CS_PACE_AMPLE of the limit) */
#define SCARCE      0.05  /* the spare share below which the rate holds (does not climb) */
#define SHRINK      0.75  /* the window's bound after a 5xx or a timeout */
#define MIN_RATE    0.05  /* requests per second: 3 a minute, however many 429s */
#define MAX_LIMIT_S 1e6   /* requests per second beyond which a heard limit is nonsense */

static double s_min_known(double a, double b)
{
    if (a > 0 && b > 0)
        return a < b ? a : b;
    return a > 0 ? a : b > 0 ? b : 0;
}

void cs_pace_init(cs_pace_t *p, const cs_pace_opts_t *opts)
{
    *p = (cs_pace_t){.opts = *opts};
    if (p->opts.ceiling < 1)
        p->opts.ceiling = 1;
    if (!(p->opts.rpm > 0))
        p->opts.rpm = 0;
    if (!(p->opts.tpm > 0))
        p->opts.tpm = 0;
    p->cap = p->opts.ceiling < CS_PACE_START ? p->opts.ceiling : CS_PACE_START;
    p->spare = -1;
    p->rate = cs_pace_limit_rps(p);
}

double cs_pace_limit_rps(const cs_pace_t *p)
{
    double rpm = s_min_known(p->opts.rpm, p->heard_rpm);
    double tpm = s_min_known(p->opts.tpm, p->heard_tpm);
    double by_requests = rpm / 60.0;
    double by_tokens = tpm > 0 && p->tokens > 0 ? tpm / 60.0 / p->tokens : 0;
    return s_min_known(by_requests, by_tokens);
}

int cs_pace_window(const cs_pace_t *p)
{
    double w = p->cap;
    if (p->rate > 0 && p->latency_ms > 0) {
        double little = ceil(p->rate * p->latency_ms / 1000.0 * HEADROOM) + 1;
        if (little < w)
            w = little;
    }
    if (w > p->opts.ceiling)
        w = p->opts.ceiling;
    return w < 1 ? 1 : (int)w;
}

int64_t cs_pace_wait(const cs_pace_t *p, int in_flight, int64_t now)
{
    if (in_flight >= cs_pace_window(p))
        return -1;
    if (p->rate > 0 && p->next_start_ms > now)
        return p->next_start_ms - now;
    return 0;
}

void cs_pace_started(cs_pace_t *p, int64_t now)
{
    if (!(p->rate > 0))
        return;
    /* a virtual schedule one request deep: a start a little late (the poll loop woke after
       its time) does not lose its slot, and an idle spell does not save up a burst */
    double spacing = 1000.0 / p->rate;
    double from = (double)p->next_start_ms;
    if (from < (double)now - spacing)
        from = (double)now - spacing;
    p->next_start_ms = (int64_t)ceil(from + spacing);
}

/* The limits the provider named, when they make sense. */
static void s_heard(cs_pace_t *p, const cs_pace_answer_t *a)
{
    if (a->limit_requests > 0 && a->limit_requests / 60.0 < MAX_LIMIT_S)
        p->heard_rpm = a->limit_requests;
    if (a->limit_tokens > 0 && a->limit_tokens / 60.0 < MAX_LIMIT_S * 1e4)
        p->heard_tpm = a->limit_tokens;
}

/* What may still be sent per second by one remaining/reset pair: the remaining over the time
   left, a second at least (a bucket that refills within milliseconds does not make the spare
   boundless); -1 when the pair is absent. */
static double s_spare(double remaining, int64_t reset_ms)
{
    if (!(remaining > 0) && !(reset_ms > 0))
        return -1;
    if (remaining < 0 || reset_ms < 0)
        return -1;
    return remaining * 1000.0 / (double)(reset_ms > 1000 ? reset_ms : 1000);
}

double cs_pace_spare_rps(const cs_pace_t *p, const cs_pace_answer_t *a)
{
    double by_requests = s_spare(a->remaining_requests, a->reset_requests_ms);
    double by_tokens = s_spare(a->remaining_tokens, a->reset_tokens_ms);
    by_tokens = by_tokens >= 0 && p->tokens > 0 ? by_tokens / p->tokens : -1;
    if (by_requests >= 0 && by_tokens >= 0)
        return by_requests < by_tokens ? by_requests : by_tokens;
    return by_requests >= 0 ? by_requests : by_tokens;
}

static void s_mean(double *mean, double sample)
{
    *mean = *mean > 0 ? (1 - EWMA) * *mean + EWMA * sample : sample;
}

void cs_pace_answered(cs_pace_t *p, const cs_pace_answer_t *a, int64_t now)
{
    s_heard(p, a);
    double limit = cs_pace_limit_rps(p);
    if (a->status >= 200 && a->status < 300) {
        p->answers++;
        if (a->latency_ms >= 0)
            s_mean(&p->latency_ms, (double)a->latency_ms);
        if (a->tokens > 0)
            s_mean(&p->tokens, (double)a->tokens);
        limit = cs_pace_limit_rps(p);
        double spare = cs_pace_spare_rps(p, a);
        if (spare >= 0 && limit > 0) { /* the mean spare share: one answer's count is noisy */
            double share = spare / limit > 1 ? 1 : spare / limit;
            p->spare = p->spare >= 0 ? (1 - EWMA) * p->spare + EWMA * share : share;
        }
        if (p->cap < p->opts.ceiling)
            p->cap += 1;
        if (!(p->rate > 0) && limit > 0) {
            p->rate = limit;                        /* a limit learnt from the answers */
            if (p->spare >= 0 && p->latency_ms > 0) /* what was sent, and half the spare */
                p->rate = cs_pace_window(p) * 1000.0 / p->latency_ms + spare / 2;
        } else if (p->rate > 0 && p->spare >= 0 && p->spare < SCARCE) {
            p->held++; /* the account is at its limit: the others send too; no climb */
        } else if (p->rate > 0) {
            double climb = p->spare >= CS_PACE_AMPLE ? CLIMB_AMPLE : CLIMB;
            p->rate += climb * (limit > 0 ? limit : p->rate);
        }
        if (limit > 0 && p->rate > limit)
            p->rate = limit;
    } else if (a->status == 429) {
        p->rate_limited++;
        int64_t settle = p->latency_ms > 0 ? (int64_t)p->latency_ms : a->latency_ms;
        if (p->last_cut_ms != 0 && now - p->last_cut_ms < settle)
            return; /* the requests in flight were sent at the old rate */
        p->last_cut_ms = now;
        if (!(p->rate > 0)) { /* no limit known: what was being answered */
            double latency_s = (p->latency_ms > 0 ? p->latency_ms : (double)a->latency_ms) / 1000;
            double answered = latency_s > 0 ? cs_pace_window(p) / latency_s : cs_pace_window(p);
            p->rate = limit > 0 && limit < answered ? limit : answered;
        }
        p->rate *= CUT;
        if (p->rate < MIN_RATE)
            p->rate = MIN_RATE;
    } else if (a->status == 0 || a->status >= 500 || a->status == 408) {
        p->cap *= SHRINK;
        if (p->cap < 1)
            p->cap = 1;
    }
}
