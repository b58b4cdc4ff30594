/* cs_ledger: the window, redelivery after the ack timeout, bounded attempts, acks; cs_window:
   the window's size from the acks. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_ledger.h"
#include "cs_record.h"
#include "cs_window.h"

#define WS "00000000-0000-4000-8000-000000000001"

static json_t *call(const char *id)
{
    json_t *rec = cs_record_new(CS_KIND_CALL);
    json_object_set_new(rec, "workspace_id", json_string(WS));
    json_object_set_new(rec, "source", json_string("replay"));
    json_object_set_new(rec, "external_id", json_string(id));
    json_object_set_new(rec, "title", json_sprintf("Call %s", id));
    return rec;
}

/* An ack as the writer sends it for call `id` of WS and "replay". */
static json_t *ack_rec(const char *id, const char *status, const char *error)
{
    json_t *a = cs_record_new(CS_KIND_ACK);
    json_object_set_new(a, "workspace_id", json_string(WS));
    json_object_set_new(a, "source", json_string("replay"));
    json_object_set_new(a, "external_id", json_string(id));
    json_object_set_new(a, "status", json_string(status));
    if (error)
        json_object_set_new(a, "error", json_string(error));
    return a;
}

static int ack(cs_ledger_t *l, const char *id, const char *status, const char *error)
{
    json_t *a = ack_rec(id, status, error);
    int rc = cs_ledger_ack(l, a);
    json_decref(a);
    return rc;
}

static const char *id_of(json_t *rec)
{
    cr_assert(rec, "expected a record to send");
    return cs_rec_str(rec, "external_id");
}

Test(ledger, window_limits_what_is_out)
{
    cs_ledger_t *l = cs_ledger_new(2, 1000, 3);
    for (int i = 0; i < 5; i++) {
        char id[8];
        snprintf(id, sizeof id, "c%d", i);
        cr_assert_eq(cs_ledger_add(l, call(id)), 0);
    }
    cr_assert_eq(cs_ledger_add(l, call("c1")), -1, "a duplicate id is refused");
    cr_assert_str_eq(id_of(cs_ledger_next(l, 0)), "c0");
    cr_assert_str_eq(id_of(cs_ledger_next(l, 0)), "c1");
    cr_assert_null(cs_ledger_next(l, 10), "the window of 2 is full");
    cr_assert_eq(ack(l, "c0", "committed", NULL), 1);
    cr_assert_eq(ack(l, "c0", "committed", NULL), 0, "a duplicate ack is ignored");
    cr_assert_str_eq(id_of(cs_ledger_next(l, 20)), "c2");
    cs_ledger_counts_t n;
    cs_ledger_counts(l, &n);
    cr_assert_eq(n.waiting, 2);
    cr_assert_eq(n.in_flight, 2);
    cr_assert_eq(n.acked, 1);
    cs_ledger_destroy(&l);
    cr_assert_null(l);
}

Test(ledger, redelivers_after_timeout_then_fails)
{
    cs_ledger_t *l = cs_ledger_new(4, 1000, 2);
    cs_ledger_add(l, call("a"));
    json_t *first = cs_ledger_next(l, 0);
    cr_assert_eq(cs_rec_int(first, "attempt", 0), 1);
    cr_assert_eq(cs_ledger_wait_ms(l, 400), 600);
    cr_assert_null(cs_ledger_next(l, 999));
    json_t *again = cs_ledger_next(l, 1000);
    cr_assert_str_eq(id_of(again), "a");
    cr_assert_eq(cs_rec_int(again, "attempt", 0), 2);
    cr_assert_null(cs_ledger_next(l, 1999));
    cr_assert_null(cs_ledger_next(l, 2000), "out of attempts: failed, not resent");
    cs_ledger_counts_t n;
    cs_ledger_counts(l, &n);
    cr_assert_eq(n.failed, 1);
    cr_assert_eq(n.redelivered, 1);
    cr_assert(cs_ledger_idle(l));
    cr_assert_eq(ack(l, "a", "committed", NULL), 0, "a late ack after failure is ignored");
    cs_ledger_destroy(&l);
}

static void collect(void *arg, const char *id, const char *title, const char *reason)
{
    char *out = arg;
    strcat(out, id);
    strcat(out, "|");
    strcat(out, title);
    strcat(out, "|");
    strcat(out, reason);
    strcat(out, ";");
}

Test(ledger, writer_failures_and_already)
{
    cs_ledger_t *l = cs_ledger_new(4, 1000, 3);
    cs_ledger_add(l, call("x"));
    cs_ledger_add(l, call("y"));
    cs_ledger_next(l, 0);
    cs_ledger_next(l, 0);
    cr_assert_eq(ack(l, "x", "failed", "unknown workspace"), 1);
    cr_assert_eq(ack(l, "y", "already", NULL), 1);
    cs_ledger_counts_t n;
    cs_ledger_counts(l, &n);
    cr_assert_eq(n.failed, 1);
    cr_assert_eq(n.acked, 1);
    cr_assert_eq(n.already, 1);
    char out[256] = "";
    cs_ledger_each_failed(l, collect, out);
    cr_assert_str_eq(out, "x|Call x|unknown workspace;");
    cs_ledger_destroy(&l);
}

Test(ledger, unsent_goes_back_to_the_front)
{
    cs_ledger_t *l = cs_ledger_new(4, 1000, 1);
    cs_ledger_add(l, call("a"));
    cs_ledger_add(l, call("b"));
    json_t *first = cs_ledger_next(l, 0);
    cr_assert_str_eq(id_of(first), "a");
    cs_ledger_unsend(l, first);
    json_t *rec = cs_ledger_next(l, 5);
    cr_assert_str_eq(id_of(rec), "a");
    cr_assert_eq(cs_rec_int(rec, "attempt", 0), 1, "an unsent attempt does not count");
    cr_assert_eq(cs_ledger_wait_ms(l, 5), 1000);
    cs_ledger_destroy(&l);
}

Test(ledger, ack_for_a_waiting_call_settles_it)
{
    /* an ack from an earlier run's delivery can arrive before this run sends the call */
    cs_ledger_t *l = cs_ledger_new(1, 1000, 1);
    cs_ledger_add(l, call("a"));
    cr_assert_eq(ack(l, "a", "already", NULL), 1);
    cr_assert(cs_ledger_idle(l));
    cr_assert_null(cs_ledger_next(l, 0));
    cr_assert_eq(cs_ledger_wait_ms(l, 0), -1);
    cs_ledger_destroy(&l);
}

Test(ledger, only_an_ack_naming_workspace_source_and_id_settles_a_call)
{
    cs_ledger_t *l = cs_ledger_new(4, 1000, 1);
    cs_ledger_add(l, call("a"));
    cs_ledger_next(l, 0);
    json_t *forged = ack_rec("a", "committed", NULL);
    json_object_set_new(forged, "source", json_string("gong"));
    cr_assert_eq(cs_ledger_ack(l, forged), 0, "another source's call of the same id");
    json_object_set_new(forged, "source", json_string("replay"));
    json_object_set_new(forged, "workspace_id",
                        json_string("00000000-0000-4000-8000-000000000002"));
    cr_assert_eq(cs_ledger_ack(l, forged), 0, "another workspace's call of the same id");
    json_object_del(forged, "workspace_id");
    cr_assert_eq(cs_ledger_ack(l, forged), 0, "no workspace");
    json_decref(forged);
    cs_ledger_counts_t n;
    cs_ledger_counts(l, &n);
    cr_assert_eq(n.acked, 0);
    cr_assert_eq(n.in_flight, 1);
    cr_assert_eq(ack(l, "a", "committed", NULL), 1);
    cs_ledger_destroy(&l);
}

static int ack_unprocessed(cs_ledger_t *l, const char *id, const char *cause, const char *error)
{
    json_t *a = ack_rec(id, "committed", error);
    json_object_set_new(a, "processed", json_false());
    if (cause)
        json_object_set_new(a, "cause", json_string(cause));
    int rc = cs_ledger_ack(l, a);
    json_decref(a);
    return rc;
}

Test(ledger, calls_stored_unprocessed_are_counted_by_cause)
{
    cs_ledger_t *l = cs_ledger_new(8, 1000, 1);
    const char *ids[] = {"a", "b", "c", "d", "e", "f"};
    for (int i = 0; i < 6; i++)
        cs_ledger_add(l, call(ids[i]));
    const char *cause = NULL, *example = NULL;
    long count = 0;
    cr_assert_eq(cs_ledger_main_cause(l, &cause, &count, &example), -1, "none yet");
    cr_assert_eq(ack_unprocessed(l, "a", CS_CAUSE_LLM_INVALID, "bad JSON"), 1);
    cr_assert_eq(ack_unprocessed(l, "b", CS_CAUSE_LLM_UNREACHABLE, "connection refused"), 1);
    cr_assert_eq(ack_unprocessed(l, "c", CS_CAUSE_LLM_UNREACHABLE, "timeout"), 1);
    cr_assert_eq(ack_unprocessed(l, "d", CS_CAUSE_NOT_EXTRACTED, NULL), 1);
    cr_assert_eq(ack_unprocessed(l, "e", NULL, NULL), 1);
    cr_assert_eq(ack(l, "f", "committed", NULL), 1, "no \"processed\": processed");
    cs_ledger_counts_t n;
    cs_ledger_counts(l, &n);
    cr_assert_eq(n.acked, 6);
    cr_assert_eq(n.unprocessed, 4);
    cr_assert_eq(n.as_asked, 1);
    cr_assert_eq(cs_ledger_main_cause(l, &cause, &count, &example), 0);
    cr_assert_str_eq(cause, CS_CAUSE_LLM_UNREACHABLE);
    cr_assert_eq(count, 2);
    cr_assert_str_eq(example, "connection refused", "the first call's error is the example");
    cs_ledger_destroy(&l);
}

Test(ledger, causes_beyond_the_cap_count_as_other)
{
    cs_ledger_t *l = cs_ledger_new(64, 1000, 1);
    for (int i = 0; i < CS_LEDGER_MAX_CAUSES + 4; i++) {
        char id[16], cause[32];
        snprintf(id, sizeof id, "c%d", i);
        snprintf(cause, sizeof cause, "cause_%d", i);
        cs_ledger_add(l, call(id));
        cr_assert_eq(ack_unprocessed(l, id, cause, "x"), 1);
    }
    const char *cause, *example;
    long count;
    cr_assert_eq(cs_ledger_main_cause(l, &cause, &count, &example), 0);
    cr_assert_str_eq(cause, CS_CAUSE_OTHER, "the causes past the first %d are other",
                     CS_LEDGER_MAX_CAUSES - 1);
    cr_assert_eq(count, 5);
    cs_ledger_counts_t n;
    cs_ledger_counts(l, &n);
    cr_assert_eq(n.unprocessed, CS_LEDGER_MAX_CAUSES + 4);
    cs_ledger_destroy(&l);
}

/* ---- cs_window ------------------------------------------------------------------------------ */

/* Acks at `per_s` a second, each `rtt_ms` after its send, from `from` to `to` (ms). */
static void s_acks(cs_window_t *w, double per_s, int64_t rtt_ms, int64_t from, int64_t to)
{
    for (double t = (double)from; t < (double)to; t += 1000.0 / per_s)
        cs_window_acked(w, rtt_ms, (int64_t)t);
}

Test(window, starts_at_the_floor_and_keeps_within_the_ceiling)
{
    cs_window_t w;
    cs_window_init(&w, 1024);
    cr_assert_eq(cs_window_size(&w, 0), CS_WINDOW_FLOOR, "no acks yet: the old fixed window");
    cs_window_init(&w, 16);
    cr_assert_eq(cs_window_size(&w, 0), 16, "a ceiling under the floor is the window");
    /* a pipeline far faster than any ceiling: 2,000 acks a second, 3 s round trips */
    cs_window_init(&w, 1024);
    s_acks(&w, 2000, 3000, 0, 4500);
    cr_assert_eq(cs_window_size(&w, 4500), 1024);
}

Test(window, doubles_while_it_binds_then_settles_at_twice_the_bottleneck)
{
    cs_window_t w;
    cs_window_init(&w, 4096);
    /* 64 out, each acked after 1 s: 64 a second; the window becomes twice that */
    s_acks(&w, 64, 1000, 0, 4500);
    int size = cs_window_size(&w, 4500);
    cr_assert(size >= 126 && size <= 130, "window %d after 64 acks/s at 1 s", size);
    /* 128 out: 128 a second, 256 */
    s_acks(&w, 128, 1000, 4500, 8500);
    size = cs_window_size(&w, 8500);
    cr_assert(size >= 250 && size <= 262, "window %d after 128 acks/s at 1 s", size);
    /* a stage binds at 150 a second: the round trips grow (queues), the least does not, and
       the window settles at twice 150 x 1 s */
    s_acks(&w, 150, 1700, 8500, 20500);
    size = cs_window_size(&w, 20500);
    cr_assert(size >= 295 && size <= 305, "window %d at a 150/s bottleneck", size);
}

Test(window, the_least_round_trip_is_forgotten_after_its_span)
{
    cs_window_t w;
    cs_window_init(&w, 4096);
    s_acks(&w, 100, 500, 0, 4500); /* a quick pipeline: 2 x 100 x 0.5 s */
    cr_assert_eq(cs_window_size(&w, 4500), 100);
    /* the pipeline slows for good: 2 s round trips; within the span the old least holds */
    s_acks(&w, 100, 2000, 4500, 20000);
    cr_assert_eq(cs_window_size(&w, 20000), 100);
    s_acks(&w, 100, 2000, 20000, 40000);
    int size = cs_window_size(&w, 40000);
    cr_assert(size >= 395 && size <= 405, "window %d after the span: 2 x 100 x 2 s", size);
    /* no acks for a while: the rate falls, the window goes back to the floor */
    cr_assert_eq(cs_window_size(&w, 60000), CS_WINDOW_FLOOR);
}

Test(ledger, a_frame_is_sent_with_the_attempt_written_after_it)
{
    cs_ledger_t *l = cs_ledger_new(4, 10, 300);
    cr_assert_eq(cs_ledger_add(l, call("plain")), 0);
    char *frame = malloc(3 + 9);
    memcpy(frame, "abc", 3);
    cr_assert_eq(cs_ledger_add_frame(l, call("framed"), frame, 3), 0);
    cr_assert_eq(cs_ledger_add_frame(l, call("framed"), malloc(12), 0), -1, "a duplicate");
    size_t len = 99;
    json_t *rec = cs_ledger_next(l, 0);
    cr_assert_str_eq(id_of(rec), "plain");
    cr_assert_null(cs_ledger_frame(l, rec, &len), "no frame: the record is encoded");
    rec = cs_ledger_next(l, 0);
    cr_assert_str_eq(id_of(rec), "framed");
    const char *sent = cs_ledger_frame(l, rec, &len);
    cr_assert_eq(len, 4);
    cr_assert(memcmp(sent, "abc\x01", 4) == 0, "msgpack's 1 after the frame");
    cr_assert_eq(cs_rec_int(rec, "attempt", 0), 1);
    /* redelivered: the plain call times out first, then the framed one; attempts grow */
    int64_t now = 0;
    for (int attempt = 2; attempt <= 200; attempt++) {
        now += 10;
        cr_assert_str_eq(id_of(cs_ledger_next(l, now)), "plain");
        rec = cs_ledger_next(l, now);
        cr_assert_str_eq(id_of(rec), "framed");
        sent = cs_ledger_frame(l, rec, &len);
        cr_assert_eq(cs_rec_int(rec, "attempt", 0), attempt);
        if (attempt < 128) {
            cr_assert_eq(len, 4);
            cr_assert_eq((unsigned char)sent[3], attempt);
        } else { /* msgpack's uint 8 */
            cr_assert_eq(len, 5);
            cr_assert_eq((unsigned char)sent[3], 0xcc);
            cr_assert_eq((unsigned char)sent[4], attempt);
        }
    }
    cr_assert_eq(ack(l, "framed", "committed", NULL), 1);
    json_t *again = call("framed");
    cr_assert_null(cs_ledger_frame(l, again, &len), "settled: forgotten, frame and all");
    json_decref(again);
    cs_ledger_destroy(&l);
}
