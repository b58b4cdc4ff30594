/*  cs_window: how many calls the fetcher keeps sent and not yet acked, following what the
    pipeline takes rather than a fixed --max-in-flight.

    The idea is BBR's: the pipeline holds rate x round trip calls without queueing (its
    bandwidth-delay product); twice that keeps every stage busy while a call's wait stays within
    about one more round trip. The rate is the acks of the last CS_WINDOW_RATE_S seconds, the
    round trip the least send-to-ack time of the last CS_WINDOW_RTT_S seconds (the least one is
    the pipeline's own time, without waits in queues). While the window binds, the acks come
    at window / round trip, so twice that doubles the window each round trip until another
    stage binds; then it settles at twice what that stage passes.

    The window starts at the floor (64, the old fixed window, or the ceiling when lower) and
    never leaves [floor, ceiling]; the ceiling is --max-in-flight. Pure logic: time is passed
    in (ms). */
#ifndef CS_WINDOW_H
#define CS_WINDOW_H

#include <stdint.h>

#define CS_WINDOW_FLOOR  64
#define CS_WINDOW_RATE_S 4  /* seconds of acks the rate is taken over */
#define CS_WINDOW_RTT_S  30 /* seconds the least round trip is kept */

typedef struct {
    int floor, ceiling;
    int64_t second;                /* the latest second an ack was counted in */
    long counts[CS_WINDOW_RATE_S]; /* acks per second, second s in counts[s % RATE_S] */
    int64_t epoch_ms;              /* the least round trip is kept in two halves of RTT_S */
    int64_t rtt_now, rtt_before;   /* the least of this half and of the one before; -1 none */
} cs_window_t;

/* A window of at most `ceiling` calls (at least 1). */
void cs_window_init(cs_window_t *w, int ceiling);

/* A call was acked `rtt_ms` after its last send, at `now`. */
void cs_window_acked(cs_window_t *w, int64_t rtt_ms, int64_t now);

/* The window at `now`. */
int cs_window_size(cs_window_t *w, int64_t now);

#endif
