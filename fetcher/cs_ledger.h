/*  cs_ledger: the fetcher's memory of every call it sent until the writer's ack arrives
    (DESIGN.md section 3).

    Calls wait in arrival order; at most max_in_flight of them are out at once (credit-based
    flow, so the ack timeout measures work, not time spent queueing behind other calls). A call
    whose ack does not come within ack_timeout_ms is sent again, up to max_attempts sends in
    all; then it is failed ("no ack after N attempts"). A call is known by its workspace, source
    and external id together, and only an ack carrying all three settles it: committed or
    already -> acked (and, when the ack says "processed": false, counted as stored unprocessed,
    by its "cause"), failed -> failed with the writer's reason. Acks for calls the ledger does
    not hold (a duplicate, another run's, another source's) settle nothing.

    Acked calls are forgotten at once, so a long --interval run keeps only what is open and the
    failures. */
#ifndef CS_LEDGER_H
#define CS_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

typedef struct cs_ledger cs_ledger_t;

/* A ledger with the given window, timeout and attempts (each at least 1). NULL when out of
   memory. */
cs_ledger_t *cs_ledger_new(int max_in_flight, int64_t ack_timeout_ms, int max_attempts);

/* Change the window (at least 1; cs_window.h sets it from the acks). Calls already out over a
   smaller window stay out; no more go until they are under it. */
void cs_ledger_set_window(cs_ledger_t *self, int max_in_flight);
int cs_ledger_window(const cs_ledger_t *self);

/* Destroy it with every record it holds and NULL the pointer; NULL is fine. */
void cs_ledger_destroy(cs_ledger_t **self_p);

/* Queue a call record (its "workspace_id", "source" and "external_id" are the key). Takes the
   reference in every case. -1 when a call with that key is already open or failed in this
   ledger, or the record lacks one of them. */
int cs_ledger_add(cs_ledger_t *self, json_t *rec);

/* cs_ledger_add for a record whose frame is encoded already (the replay's, cs_leancall.h):
   `frame` (taken in every case: malloc'd, with room for 9 bytes after the `len` it holds) is
   the encoding of `rec` up to the value of its last member, "attempt"; each send writes the
   attempt's value after it (as msgpack, as cs_record_encode would) and sends the frame, not
   `rec`. The record is still what the ledger and the delivery read: its key, title and
   attempt. */
int cs_ledger_add_frame(cs_ledger_t *self, json_t *rec, char *frame, size_t len);

/* The frame to send for `rec` (as cs_ledger_next just returned it), its length in *len; NULL
   when the call was added without one (encode the record). Borrowed: valid until the entry is
   settled or the ledger destroyed. */
const char *cs_ledger_frame(const cs_ledger_t *self, const json_t *rec, size_t *len);

/* The next record to send at time `now` (ms, cs_now_ms clock), or NULL when nothing may go:
   first a call whose ack timed out (sent again, "attempt" incremented), else the oldest waiting
   call if the window has room. The record is borrowed and is now counted in flight.
   Timed-out calls out of attempts become failed here. */
json_t *cs_ledger_next(cs_ledger_t *self, int64_t now);

/* The send of `rec` (as cs_ledger_next returned it) did not happen (no extractor took it): it
   goes back to the front of the queue, and the attempt does not count. */
void cs_ledger_unsend(cs_ledger_t *self, const json_t *rec);

/* Settle a call by its ack record (borrowed): {workspace_id, source, external_id, status
   ("committed", "already" or "failed"), error?, processed?, cause?}. A stored call whose ack
   says "processed": false is counted unprocessed under its cause (CS_CAUSE_OTHER when none;
   CS_CAUSE_NOT_EXTRACTED counts as stored without extraction, as asked); an ack without
   "processed" counts as processed. Returns 1 when it settled an open call, 0 when no open
   call has that workspace, source and external id. */
int cs_ledger_ack(cs_ledger_t *self, const json_t *ack);

/* When the open call an ack or call record (borrowed) names was last sent (cs_now_ms clock), or
   -1 when it is not in flight. */
int64_t cs_ledger_sent_at(const cs_ledger_t *self, const json_t *rec);

/* Milliseconds until the earliest in-flight call times out (0 if one already has), or -1 when
   nothing is in flight. For poll timeouts. */
int64_t cs_ledger_wait_ms(const cs_ledger_t *self, int64_t now);

typedef struct {
    long waiting;     /* queued, not sent */
    long in_flight;   /* sent, no ack yet */
    long acked;       /* committed or already */
    long already;     /* of those, acked as already stored */
    long failed;      /* writer said failed, or no ack after max attempts */
    long redelivered; /* sends beyond the first */
    long unprocessed; /* of the acked, stored without insights through a failure */
    long as_asked;    /* of the acked, stored without extraction because the flags said so */
} cs_ledger_counts_t;

void cs_ledger_counts(const cs_ledger_t *self, cs_ledger_counts_t *out);

/* True when nothing is waiting or in flight. */
bool cs_ledger_idle(const cs_ledger_t *self);

/* Walk the failed calls: fn(arg, external_id, title, reason) for each, oldest first. */
void cs_ledger_each_failed(const cs_ledger_t *self,
                           void (*fn)(void *arg, const char *external_id, const char *title,
                                      const char *reason),
                           void *arg);

/* The most frequent cause among the calls stored unprocessed (ties: the first seen), with how
   many calls it covers and the error text of its first call ("" when the ack had none). All
   borrowed, valid until the ledger is destroyed. Returns -1 (and leaves the outputs alone) when
   no call was stored unprocessed. At most CS_LEDGER_MAX_CAUSES causes are told apart; later
   new ones count as CS_CAUSE_OTHER. */
#define CS_LEDGER_MAX_CAUSES 16
int cs_ledger_main_cause(const cs_ledger_t *self, const char **cause, long *count,
                         const char **example);

#endif
