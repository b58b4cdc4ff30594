/*  cs_pace: how many LLM requests one process keeps in flight and how fast it starts them, so
    that it works near its provider's rate limit without the operator tuning --concurrency.

    The limits come from the operator (the account's requests and tokens per minute for the
    model: --llm-rpm, --llm-tpm) and from the provider, which names them in every answer
    (OpenAI's and Azure's x-ratelimit-limit-requests and x-ratelimit-limit-tokens). The lower
    of the known ones holds. A token limit becomes a request rate through the mean tokens an
    answer used (its usage.total_tokens).

    With a known limit, requests start evenly spaced at `rate` per second (providers enforce
    per-minute limits over short periods: a minute's requests sent in a burst would be refused),
    and the window (requests in flight) follows Little's law: rate times the mean latency, with
    a quarter more for the latency's spread, within the ceiling (--concurrency). The rate starts
    at the limit and is lowered by a tenth on a 429 (at most once per mean latency: the requests
    already flying were sent at the old rate), then climbs back by a thousandth of the limit
    per answer (additive increase, multiplicative decrease). Several processes sharing one
    account each see the account's limit, and the 429s share it out among them.

    When the provider also says what is left (OpenAI's x-ratelimit-remaining-requests / -tokens
    and x-ratelimit-reset-requests / -tokens: what may still be sent, and the time until the
    limit is back to its initial state), each process sees what the others spent: the spare
    rate is what remains over the time left (a second at least), and its share of the limit,
    a mean over the answers (one count is noisy), steers the climb. Ample (at least
    CS_PACE_AMPLE): five times faster. Scarce (under a twentieth: the account is at its limit,
    the others send too): the rate holds; only a 429 lowers it. A limit learnt from the first
    answer starts at what this process was sending plus half the spare, not at the whole
    limit. Without those headers (Azure and others may not send them) all is as above.

    Without a known limit (a local server, an endpoint that sends no headers), the window starts
    at CS_PACE_START and grows by one per answer up to the ceiling (slow start). A 429 then sets
    the rate to nine tenths of what was being answered (window over latency) and pacing goes on
    as above, probing upwards. A 5xx or a timeout (an overloaded server) shrinks the window by a
    quarter; it grows back by one per answer.

    Pure logic: time is passed in (ms), nothing is logged; cs_llm calls it. */
#ifndef CS_PACE_H
#define CS_PACE_H

#include <stdbool.h>
#include <stdint.h>

#define CS_PACE_START 4   /* the first window when no limit is known */
#define CS_PACE_AMPLE 0.3 /* the mean spare share from which the rate climbs faster */

typedef struct {
    int ceiling; /* most requests in flight, at least 1 (--concurrency) */
    double rpm;  /* the account's requests per minute; 0: not configured */
    double tpm;  /* the account's tokens per minute; 0: not configured */
} cs_pace_opts_t;

/* What one finished attempt said. Negative numbers are "absent". */
typedef struct {
    long status;           /* HTTP status; 0 when no answer came (timeout, connection) */
    int64_t latency_ms;    /* of the attempt */
    double limit_requests; /* x-ratelimit-limit-requests */
    double limit_tokens;   /* x-ratelimit-limit-tokens */
    long tokens;           /* usage.total_tokens of a 2xx answer */
    /* x-ratelimit-remaining-requests / -tokens and x-ratelimit-reset-requests / -tokens (ms).
       A pair is heard when either is positive: a zeroed pair is "absent", as is a negative
       number (Azure sends -1 for a limit it does not keep). */
    double remaining_requests, remaining_tokens;
    int64_t reset_requests_ms, reset_tokens_ms;
} cs_pace_answer_t;

typedef struct {
    cs_pace_opts_t opts;
    double heard_rpm, heard_tpm; /* the latest limits the provider named; 0: none yet */
    double rate;                 /* requests per second now; 0: not paced */
    double cap;                  /* the window's loss-based bound (slow start, 5xx, timeouts) */
    double latency_ms;           /* mean latency of answered attempts; 0: none yet */
    double tokens;               /* mean tokens per answer; 0: none yet */
    int64_t next_start_ms;       /* the pace: no start before this */
    int64_t last_cut_ms;         /* when the rate was last lowered for a 429 */
    double spare;                /* the mean spare share of the limit heard (0..1); -1: none */
    long answers, rate_limited, held;
} cs_pace_t;

void cs_pace_init(cs_pace_t *p, const cs_pace_opts_t *opts);

/* The limit in requests per second from what is known (configured or heard), 0 when none. */
double cs_pace_limit_rps(const cs_pace_t *p);

/* Requests that may be in flight now (1..ceiling). */
int cs_pace_window(const cs_pace_t *p);

/* Milliseconds until one more request may start when `in_flight` are flying (0: now), or -1
   when the window is full. */
int64_t cs_pace_wait(const cs_pace_t *p, int in_flight, int64_t now);

/* A request started now: the pace moves on. */
void cs_pace_started(cs_pace_t *p, int64_t now);

/* The spare rate in requests per second that an answer's remaining and reset headers show (the
   lower of requests and tokens; tokens become requests through the mean tokens an answer
   used), or -1 when it names neither pair. */
double cs_pace_spare_rps(const cs_pace_t *p, const cs_pace_answer_t *a);

/* An attempt finished with this answer. */
void cs_pace_answered(cs_pace_t *p, const cs_pace_answer_t *a, int64_t now);

#endif
