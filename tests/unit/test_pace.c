/* cs_pace: the window and the pace of an LLM client, driven with made-up times and answers. */
#include <criterion/criterion.h>

#include "cs_pace.h"

static const cs_pace_answer_t OK_1S = {
    .status = 200, .latency_ms = 1000, .limit_requests = -1, .limit_tokens = -1, .tokens = -1};

static cs_pace_t s_pace(int ceiling, double rpm, double tpm)
{
    cs_pace_t p;
    cs_pace_init(&p, &(cs_pace_opts_t){.ceiling = ceiling, .rpm = rpm, .tpm = tpm});
    return p;
}

/* Start requests as soon as the pace lets them (the window never full) from `from` to `to`;
   the number started. */
static int s_starts(cs_pace_t *p, int64_t from, int64_t to)
{
    int n = 0;
    for (int64_t t = from; t < to;) {
        int64_t wait = cs_pace_wait(p, 0, t);
        cr_assert_geq(wait, 0);
        if (wait > 0) {
            t += wait;
            continue;
        }
        cs_pace_started(p, t);
        n++;
    }
    return n;
}

Test(pace, a_configured_limit_spaces_the_starts_evenly)
{
    cs_pace_t p = s_pace(64, 600, 0);
    cr_assert_float_eq(cs_pace_limit_rps(&p), 10.0, 1e-9);
    cr_assert_float_eq(p.rate, 10.0, 1e-9);
    /* ten a second, over a minute: 600 (and the one the first instant's slack allows) */
    int n = s_starts(&p, 1000, 61000);
    cr_assert(n >= 600 && n <= 601, "%d starts in 60 s at 600 rpm", n);
    /* right after a start the next waits its 100 ms */
    cr_assert_eq(cs_pace_wait(&p, 0, p.next_start_ms - 100), 100);
}

Test(pace, an_idle_spell_saves_up_no_burst_and_a_late_start_keeps_its_slot)
{
    cs_pace_t p = s_pace(64, 600, 0);
    cs_pace_started(&p, 0);
    /* ten seconds idle, then as fast as allowed for one second: at most 11, not 100 */
    int n = s_starts(&p, 10000, 11000);
    cr_assert(n <= 11, "%d starts after an idle spell", n);
    /* a start 30 ms late does not push the schedule back: the next is due on time */
    cs_pace_t q = s_pace(64, 600, 0);
    cs_pace_started(&q, 0);   /* next due at 100 */
    cs_pace_started(&q, 130); /* late */
    cr_assert_eq(q.next_start_ms, 200);
}

Test(pace, the_window_follows_rate_times_latency_within_the_ceiling)
{
    cs_pace_t p = s_pace(64, 600, 0);
    cr_assert_eq(cs_pace_window(&p), CS_PACE_START, "slow start before any latency is known");
    for (int i = 0; i < 40; i++)
        cs_pace_answered(&p, &OK_1S, 1000 + i);
    /* 10 requests/s x 1 s, a quarter more, plus one */
    cr_assert_eq(cs_pace_window(&p), 14);
    cr_assert_eq(cs_pace_wait(&p, 14, 5000), -1, "a full window waits for an answer");
    cs_pace_t small = s_pace(6, 600, 0);
    for (int i = 0; i < 40; i++)
        cs_pace_answered(&small, &OK_1S, 1000 + i);
    cr_assert_eq(cs_pace_window(&small), 6, "never above the ceiling");
}

Test(pace, limits_named_by_the_provider_are_learnt_and_the_lower_holds)
{
    cs_pace_t p = s_pace(64, 0, 0);
    cr_assert_float_eq(p.rate, 0, 1e-9, "nothing known: not paced");
    cs_pace_answer_t a = OK_1S;
    a.limit_requests = 1200; /* 20 a second */
    cs_pace_answered(&p, &a, 1000);
    cr_assert_float_eq(p.rate, 20.0, 1e-9);
    /* a token limit: 60,000 a minute at 2,000 tokens an answer is 0.5 requests a second */
    a.limit_tokens = 60000;
    a.tokens = 2000;
    for (int i = 0; i < 5; i++)
        cs_pace_answered(&p, &a, 2000 + i);
    cr_assert_float_eq(cs_pace_limit_rps(&p), 0.5, 1e-9);
    cr_assert_float_eq(p.rate, 0.5, 1e-9, "the rate never climbs past the limit");
    /* an operator's lower figure wins over the provider's */
    cs_pace_t q = s_pace(64, 300, 0);
    a = OK_1S;
    a.limit_requests = 1200;
    cs_pace_answered(&q, &a, 1000);
    cr_assert_float_eq(cs_pace_limit_rps(&q), 5.0, 1e-9);
    /* nonsense is not heard */
    a.limit_requests = 1e300;
    cs_pace_answered(&q, &a, 1001);
    cr_assert_float_eq(q.heard_rpm, 1200, 1e-9);
}

Test(pace, a_429_lowers_the_rate_once_per_latency_and_answers_climb_back)
{
    cs_pace_t p = s_pace(64, 600, 0);
    for (int i = 0; i < 20; i++)
        cs_pace_answered(&p, &OK_1S, 1000 + i);
    cs_pace_answer_t limited = {
        .status = 429, .latency_ms = 50, .limit_requests = -1, .limit_tokens = -1, .tokens = -1};
    cs_pace_answered(&p, &limited, 5000);
    cr_assert_float_eq(p.rate, 9.0, 1e-9);
    /* more 429s within a latency: requests sent at the old rate, no further cut */
    cs_pace_answered(&p, &limited, 5300);
    cs_pace_answered(&p, &limited, 5900);
    cr_assert_float_eq(p.rate, 9.0, 1e-9);
    cs_pace_answered(&p, &limited, 6100);
    cr_assert_float_eq(p.rate, 8.1, 1e-9);
    cr_assert_eq(p.rate_limited, 4);
    /* each answer climbs back a thousandth of the limit, up to the limit */
    for (int i = 0; i < 10; i++)
        cs_pace_answered(&p, &OK_1S, 7000 + i);
    cr_assert_float_eq(p.rate, 8.2, 1e-9);
    for (int i = 0; i < 1000; i++)
        cs_pace_answered(&p, &OK_1S, 8000 + i);
    cr_assert_float_eq(p.rate, 10.0, 1e-9);
}

Test(pace, without_a_limit_slow_start_then_a_429_paces_what_was_answered)
{
    cs_pace_t p = s_pace(32, 0, 0);
    cr_assert_eq(cs_pace_window(&p), CS_PACE_START);
    cr_assert_eq(cs_pace_wait(&p, 3, 0), 0);
    cr_assert_eq(cs_pace_wait(&p, 4, 0), -1);
    for (int i = 0; i < 10; i++)
        cs_pace_answered(&p, &OK_1S, 1000 + i);
    cr_assert_eq(cs_pace_window(&p), 14, "one more per answer");
    for (int i = 0; i < 100; i++)
        cs_pace_answered(&p, &OK_1S, 2000 + i);
    cr_assert_eq(cs_pace_window(&p), 32, "up to the ceiling");
    /* a 429: 32 in flight at 1 s were being answered, 32/s; the pace starts at nine tenths */
    cs_pace_answer_t limited = {
        .status = 429, .latency_ms = 40, .limit_requests = -1, .limit_tokens = -1, .tokens = -1};
    cs_pace_answered(&p, &limited, 5000);
    cr_assert_float_eq(p.rate, 28.8, 1e-9);
    cr_assert_eq(cs_pace_window(&p), 32, "28.8/s x 1 s x 1.25 + 1 = 37, within 32");
    /* it probes upwards: a thousandth of itself per answer */
    cs_pace_answered(&p, &OK_1S, 6000);
    cr_assert_float_eq(p.rate, 28.8 * 1.001, 1e-9);
}

Test(pace, server_errors_and_timeouts_shrink_the_window_answers_regrow_it)
{
    cs_pace_t p = s_pace(16, 0, 0);
    for (int i = 0; i < 30; i++)
        cs_pace_answered(&p, &OK_1S, 1000 + i);
    cr_assert_eq(cs_pace_window(&p), 16);
    cs_pace_answer_t busy = {
        .status = 503, .latency_ms = 100, .limit_requests = -1, .limit_tokens = -1, .tokens = -1};
    cs_pace_answered(&p, &busy, 2000);
    cr_assert_eq(cs_pace_window(&p), 12);
    cs_pace_answer_t timeout = busy;
    timeout.status = 0;
    cs_pace_answered(&p, &timeout, 2001);
    cr_assert_eq(cs_pace_window(&p), 9);
    for (int i = 0; i < 40; i++)
        cs_pace_answered(&p, &timeout, 2002 + i);
    cr_assert_eq(cs_pace_window(&p), 1, "never below one");
    cs_pace_answered(&p, &OK_1S, 3000);
    cr_assert_eq(cs_pace_window(&p), 2);
    /* a 400 says nothing about load */
    cs_pace_answer_t bad = busy;
    bad.status = 400;
    cs_pace_answered(&p, &bad, 3001);
    cr_assert_eq(cs_pace_window(&p), 2);
    cr_assert_float_eq(p.rate, 0, 1e-9);
}

/* An answer naming 600 a minute and what is left: `remaining` requests, the limit back to its
   initial state in `reset_ms`. */
static cs_pace_answer_t s_left(double remaining, int64_t reset_ms)
{
    cs_pace_answer_t a = OK_1S;
    a.limit_requests = 600;
    a.remaining_requests = remaining;
    a.reset_requests_ms = reset_ms;
    return a;
}

Test(pace, the_spare_rate_is_what_remains_over_the_time_left)
{
    cs_pace_t p = s_pace(64, 600, 0);
    cs_pace_answer_t a = s_left(5, 1000);
    cr_assert_float_eq(cs_pace_spare_rps(&p, &a), 5.0, 1e-9, "5 left for a second");
    a = s_left(300, 60000);
    cr_assert_float_eq(cs_pace_spare_rps(&p, &a), 5.0, 1e-9, "300 left for a minute");
    a = s_left(0, 700);
    cr_assert_float_eq(cs_pace_spare_rps(&p, &a), 0, 1e-9, "nothing left");
    a = s_left(4999, 12);
    cr_assert_float_eq(cs_pace_spare_rps(&p, &a), 4999, 1e-9, "a bucket full in 12 ms: a second");
    a = s_left(40, 0);
    cr_assert_float_eq(cs_pace_spare_rps(&p, &a), 40, 1e-9, "at its initial state");
    /* absent: a zeroed pair (no such headers), or Azure's -1 */
    a = s_left(0, 0);
    cr_assert_float_eq(cs_pace_spare_rps(&p, &a), -1, 1e-9);
    a = s_left(-1, 0);
    cr_assert_float_eq(cs_pace_spare_rps(&p, &a), -1, 1e-9);
    a = s_left(-1, 1000);
    cr_assert_float_eq(cs_pace_spare_rps(&p, &a), -1, 1e-9);
    /* tokens become requests through the mean tokens of an answer; the lower pair holds */
    a = s_left(50, 1000);
    a.remaining_tokens = 20000;
    a.reset_tokens_ms = 2000;
    a.tokens = 1000;
    cr_assert_float_eq(cs_pace_spare_rps(&p, &a), 50, 1e-9, "no token mean yet: requests only");
    cs_pace_answered(&p, &a, 1000);
    cr_assert_float_eq(cs_pace_spare_rps(&p, &a), 10.0, 1e-9, "10,000 tokens/s at 1,000 each");
    a.remaining_requests = 4;
    cr_assert_float_eq(cs_pace_spare_rps(&p, &a), 4.0, 1e-9);
}

Test(pace, a_limit_learnt_with_what_is_left_starts_at_its_share)
{
    /* the window after the first answer (5) at 1 s is 5/s, and 2 are left for the second: it
       starts at 5 + 2/2 = 6/s, not at the limit's 10 */
    cs_pace_t p = s_pace(64, 0, 0);
    cs_pace_answer_t a = s_left(2, 1000);
    a.limit_requests = 600;
    cs_pace_answered(&p, &a, 1000);
    cr_assert_eq(cs_pace_window(&p), 5, "slow start: one more");
    cr_assert_float_eq(p.rate, 6.0, 1e-9);
    /* alone on the account (everything left): the limit */
    cs_pace_t q = s_pace(64, 0, 0);
    a = s_left(600, 0);
    cs_pace_answered(&q, &a, 1000);
    cr_assert_float_eq(q.rate, 10.0, 1e-9);
}

Test(pace, much_spare_climbs_faster_none_holds_the_rate)
{
    cs_pace_t p = s_pace(64, 600, 0);
    for (int i = 0; i < 20; i++)
        cs_pace_answered(&p, &OK_1S, 1000 + i);
    cr_assert_float_eq(p.spare, -1, 1e-9, "no remaining headers: none heard");
    p.rate = 5.0;
    /* half the limit spare (5 of 10 a second): five thousandths of the limit per answer */
    cs_pace_answer_t half = s_left(5, 1000);
    cs_pace_answered(&p, &half, 2000);
    cr_assert_float_eq(p.spare, 0.5, 1e-9);
    cr_assert_float_eq(p.rate, 5.05, 1e-9);
    /* one answer's count is noisy: the share is a mean (0.9 x 0.5 + 0.1 x 0.1), still ample */
    cs_pace_answer_t little = s_left(1, 1000);
    cs_pace_answered(&p, &little, 2001);
    cr_assert_float_eq(p.spare, 0.46, 1e-9);
    cr_assert_float_eq(p.rate, 5.10, 1e-9);
    /* nothing left, answer after answer: the climb slows to the usual thousandth, then stops;
       the rate never falls without a 429 */
    cs_pace_answer_t none = s_left(0, 900);
    double before = p.rate;
    for (int i = 0; i < 30; i++)
        cs_pace_answered(&p, &none, 3000 + i);
    cr_assert_lt(p.spare, 0.05);
    cr_assert_gt(p.held, 0);
    cr_assert(p.rate > before && p.rate < before + 30 * 0.05, "%f", p.rate);
    double held = p.rate;
    for (int i = 0; i < 10; i++)
        cs_pace_answered(&p, &none, 4000 + i);
    cr_assert_float_eq(p.rate, held, 1e-9);
    cr_assert_eq(p.rate_limited, 0);
    /* a 429 still cuts a tenth */
    cs_pace_answer_t limited = {
        .status = 429, .latency_ms = 50, .limit_requests = -1, .limit_tokens = -1, .tokens = -1};
    cs_pace_answered(&p, &limited, 5000);
    cr_assert_float_eq(p.rate, held * 0.9, 1e-9);
    /* never past the limit, however much is spare */
    for (int i = 0; i < 1000; i++)
        cs_pace_answered(&p, &half, 6000 + i);
    cr_assert_float_eq(p.rate, 10.0, 1e-9);
}
