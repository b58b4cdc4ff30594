/* cs_stage and cs_jsonl: the receive loop over a real PUSH/PULL pair on loopback, the push
   downstream, the start-up, and the one-shot reader over real files. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_curve.h"
#include "cs_jsonl.h"
#include "cs_metrics.h"
#include "cs_record.h"
#include "cs_sock.h"
#include "cs_stage.h"
#include "cs_testdata.h"
#include "cs_util.h"

#define WS "647ab033-6d10-4a35-9ace-0399052ec874"

/* ---- a stage that keeps what it takes ---------------------------------------------------- */

typedef struct {
    json_t *taken;   /* records handed to take */
    int held;        /* what pending answers */
    int steps;       /* calls of step */
    int drain_steps; /* calls of step with wait_ms > 0 */
    int stop_after;  /* take: request a stop (SIGTERM) once this many are taken; 0 never */
    int fail_after;  /* step: false once this many are taken; 0 never */
    int rounds;      /* step: false after this many rounds (wait_ms 0); 0 never */
    int room;        /* capacity (ROOMY only) */
} stage_t;

static int s_pending(void *arg)
{
    return ((stage_t *)arg)->held;
}

static void s_take(void *arg, json_t *rec)
{
    stage_t *s = arg;
    json_array_append_new(s->taken, rec);
    if (s->stop_after && (int)json_array_size(s->taken) >= s->stop_after)
        raise(SIGTERM);
}

static bool s_step(void *arg, int wait_ms)
{
    stage_t *s = arg;
    s->steps++;
    if (wait_ms > 0) {
        s->drain_steps++;
        s->held--; /* one held record ends per drain step */
    }
    if (s->rounds && wait_ms == 0 && s->steps >= s->rounds)
        return false;
    return !(s->fail_after && (int)json_array_size(s->taken) >= s->fail_after);
}

/* A stage that takes calls, and one that takes decisions counting any kind received. */
static const cs_stage_loop_t CALLS = {"extractor", CS_KIND_CALL, false,  s_pending, NULL,
                                      NULL,        s_take,       s_step, NULL};
static const cs_stage_loop_t DECISIONS = {"writer", CS_KIND_DECISION, true,   s_pending, NULL,
                                          NULL,     s_take,           s_step, NULL};

/* A stage whose room is `room` (an LLM stage's window), below cs_stage_run's max_pending. */
static int s_room(void *arg)
{
    return ((stage_t *)arg)->room;
}
static const cs_stage_loop_t ROOMY = {"extractor", CS_KIND_CALL, false,  s_pending, NULL,
                                      NULL,        s_take,       s_step, s_room};

/* A bound PULL and a PUSH connected to it; the PUSH sends until the connection is up. */
static void s_pair(zsock_t **pull, zsock_t **push)
{
    char err[256], ep[64];
    *pull = cs_sock_new(ZMQ_PULL, "tcp://127.0.0.1:*", true, err, sizeof err);
    cr_assert(*pull, "%s", err);
    *push = cs_sock_new(ZMQ_PUSH, cs_sock_endpoint(*pull, ep, sizeof ep), false, err, sizeof err);
    cr_assert(*push, "%s", err);
}

static void s_send(zsock_t *push, const json_t *rec)
{
    char err[256];
    int rc = -1;
    for (int i = 0; i < 50 && rc != 0; i++) /* IMMEDIATE: the connection may not be up yet */
        rc = cs_sock_send_record(push, rec, NULL, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
}

static double s_metric(const char *family)
{
    return cs_metrics_value(family, NULL);
}

Test(stage, takes_its_kind_and_counts_the_rest_malformed)
{
    cs_signals_install();
    zsock_t *pull, *push;
    s_pair(&pull, &push);
    json_t *call = cs_testdata_call(WS, "call-1", "2026-01-05T10:00:00Z", NULL, NULL);
    json_object_set_new(call, "attempt", json_integer(2));
    json_t *decision =
        cs_testdata_decision(cs_testdata_call(WS, "call-2", "2026-01-05T10:00:00Z", NULL, NULL));
    s_send(push, decision);
    cr_assert_eq(zstr_send(push, "not msgpack at all"), 0);
    s_send(push, call);
    stage_t s = {.taken = json_array(), .stop_after = 1};
    cs_stage_counts_t n;
    cs_stage_run(pull, &CALLS, &s, 4, &n); /* ends on the SIGTERM raised by take */
    cr_assert(cs_stop_requested());
    cr_assert_eq(json_array_size(s.taken), 1);
    cr_assert_str_eq(cs_rec_str(json_array_get(s.taken, 0), "external_id"), "call-1");
    cr_assert_eq(n.received, 1);
    cr_assert_eq(n.malformed, 2);
    cr_assert_eq(s_metric("callsift_records_received_total"), 1);
    cr_assert_eq(s_metric("callsift_records_redelivered_total"), 1);
    cr_assert_eq(s_metric("callsift_records_malformed_total"), 2);
    json_decref(s.taken);
    json_decref(call);
    json_decref(decision);
    zsock_destroy(&push);
    zsock_destroy(&pull);
}

Test(stage, count_any_counts_another_kind_received_and_malformed)
{
    zsock_t *pull, *push;
    s_pair(&pull, &push);
    json_t *call = cs_testdata_call(WS, "call-1", "2026-01-05T10:00:00Z", NULL, NULL);
    json_t *decision = cs_testdata_decision(json_deep_copy(call));
    s_send(push, call);
    s_send(push, decision);
    stage_t s = {.taken = json_array(), .fail_after = 1};
    cs_stage_counts_t n;
    cs_stage_run(pull, &DECISIONS, &s, 4, &n); /* ends when step answers false after it */
    cr_assert_not(cs_stop_requested());
    cr_assert_eq(json_array_size(s.taken), 1);
    cr_assert_eq(cs_record_kind(json_array_get(s.taken, 0)), CS_KIND_DECISION);
    cr_assert_eq(n.received, 2);
    cr_assert_eq(n.malformed, 1);
    json_decref(s.taken);
    json_decref(call);
    json_decref(decision);
    zsock_destroy(&push);
    zsock_destroy(&pull);
}

Test(stage, holds_back_while_full_and_drains_before_returning)
{
    cs_signals_install();
    zsock_t *pull, *push;
    s_pair(&pull, &push);
    json_t *call = cs_testdata_call(WS, "call-1", "2026-01-05T10:00:00Z", NULL, NULL);
    s_send(push, call);
    /* full (4 held of 4): 20 rounds go by and the call stays in the socket; the 4 held end
       in the drain */
    stage_t s = {.taken = json_array(), .held = 4, .rounds = 20};
    cs_stage_counts_t n;
    cs_stage_run(pull, &CALLS, &s, 4, &n);
    cr_assert_eq(json_array_size(s.taken), 0, "taken while full");
    cr_assert_eq(n.received, 0);
    cr_assert_eq(s.held, 0, "not drained");
    cr_assert_eq(s.drain_steps, 4);
    /* room again: the call that waited is taken */
    s = (stage_t){.taken = s.taken, .stop_after = 1};
    cs_stage_run(pull, &CALLS, &s, 4, &n);
    cr_assert_eq(json_array_size(s.taken), 1);
    cr_assert_eq(n.received, 1);
    json_decref(s.taken);
    json_decref(call);
    zsock_destroy(&push);
    zsock_destroy(&pull);
}

Test(stage, holds_back_at_its_capacity_below_max_pending)
{
    cs_signals_install();
    zsock_t *pull, *push;
    s_pair(&pull, &push);
    json_t *call = cs_testdata_call(WS, "call-1", "2026-01-05T10:00:00Z", NULL, NULL);
    s_send(push, call);
    /* 3 held, room for 3 (max_pending 10): the call stays in the socket */
    stage_t s = {.taken = json_array(), .held = 3, .rounds = 20, .room = 3};
    cs_stage_counts_t n;
    cs_stage_run(pull, &ROOMY, &s, 10, &n);
    cr_assert_eq(json_array_size(s.taken), 0, "taken beyond the stage's capacity");
    /* a capacity above max_pending does not lift it */
    s = (stage_t){.taken = s.taken, .held = 2, .rounds = 20, .room = 50};
    cs_stage_run(pull, &ROOMY, &s, 2, &n);
    cr_assert_eq(json_array_size(s.taken), 0, "max_pending is the bound");
    /* the window grew to 4: the call is taken */
    s = (stage_t){.taken = s.taken, .held = 3, .stop_after = 1, .room = 4};
    cs_stage_run(pull, &ROOMY, &s, 10, &n);
    cr_assert_eq(json_array_size(s.taken), 1);
    json_decref(s.taken);
    json_decref(call);
    zsock_destroy(&push);
    zsock_destroy(&pull);
}

/* ---- the push downstream ----------------------------------------------------------------- */

Test(stage, push_sends_and_counts)
{
    zsock_t *pull, *push;
    s_pair(&pull, &push);
    cs_stage_out_t out = {.push = push, .what = "extraction", .busy = "Matcher not taking"};
    json_t *call = cs_testdata_call(WS, "call-1", "2026-01-05T10:00:00Z", NULL, NULL);
    cr_assert_eq(cs_stage_push(&out, json_incref(call)), 0);
    cr_assert_eq(out.sent, 1);
    zmq_pollitem_t item = {.socket = zsock_resolve(pull), .events = ZMQ_POLLIN};
    cr_assert_eq(zmq_poll(&item, 1, 2000), 1);
    char err[256];
    json_t *got = cs_sock_recv_record(pull, NULL, err, sizeof err);
    cr_assert(got, "%s", err);
    cr_assert(json_equal(got, call));
    json_decref(got);
    json_decref(call);
    zsock_destroy(&push);
    zsock_destroy(&pull);
}

Test(stage, push_without_a_peer_drops_on_stop)
{
    char err[256];
    /* nobody listens: with IMMEDIATE every send times out */
    zsock_t *push = cs_sock_new(ZMQ_PUSH, "tcp://127.0.0.1:9", false, err, sizeof err);
    cr_assert(push, "%s", err);
    cs_stage_out_t out = {.push = push, .what = "decisions", .busy = "Writer not taking decisions"};
    cs_stop_request();
    json_t *call = cs_testdata_call(WS, "call-1", "2026-01-05T10:00:00Z", NULL, NULL);
    cr_assert_eq(cs_stage_push(&out, call), -1);
    cr_assert_eq(out.sent, 0);
    cr_assert_eq(out.dropped, 1);
    zsock_destroy(&push);
}

/* ---- start-up ---------------------------------------------------------------------------- */

static const cs_option_t OPTIONS[] = {
    {"limit", NULL, CS_OPT_INT, "3", "a number", 0},
    CS_CURVE_OPTIONS,
    CS_STAGE_OPTION_HOLD,
    {NULL, NULL, 0, NULL, NULL, 0},
};

static int s_check_limit(const cs_config_t *cfg, char *err, size_t errlen)
{
    if (cs_config_int(cfg, "limit") > 5)
        return cs_fail(err, errlen, "--limit: at most 5");
    return 0;
}

Test(stage, begin_parses_checks_and_ends)
{
    char *ok[] = {"callsift-test", "--limit", "4", NULL};
    int status = -1;
    cs_config_t *cfg = cs_stage_begin("test", "callsift-test", "A test.", OPTIONS, 0, s_check_limit,
                                      3, ok, &status);
    cr_assert(cfg);
    cr_assert_eq(cs_config_int(cfg, "limit"), 4);
    cr_assert_eq(cs_config_double(cfg, "permanent-error-hold"), 10);
    cs_stage_end(&cfg);
    cr_assert_null(cfg);
}

Test(stage, begin_fails_a_usage_error_with_status_2)
{
    char *bad_flag[] = {"callsift-test", "--nope", NULL};
    char *too_big[] = {"callsift-test", "--limit", "6", NULL};
    int status = -1;
    cr_assert_null(cs_stage_begin("test", "callsift-test", "A test.", OPTIONS, 0, s_check_limit, 2,
                                  bad_flag, &status));
    cr_assert_eq(status, 2);
    status = -1;
    cr_assert_null(cs_stage_begin("test", "callsift-test", "A test.", OPTIONS, 0, s_check_limit, 3,
                                  too_big, &status));
    cr_assert_eq(status, 2);
    char *bad_curve[] = {"callsift-test", "--curve-secret-key", "/nonexistent/secret", NULL};
    status = -1;
    cr_assert_null(cs_stage_begin("test", "callsift-test", "A test.", OPTIONS, CS_CURVE_BINDS, NULL,
                                  3, bad_curve, &status));
    cr_assert_eq(status, 2, "a wrong --curve-* set is a usage error");
    cr_assert_not(cs_curve_enabled());
}

Test(stage, permanent_returns_3_at_once_when_stopping)
{
    cs_stop_request(); /* the hold is cut short */
    int64_t t0 = cs_now_ms();
    cr_assert_eq(cs_stage_permanent("llm", "the LLM refuses", NULL, 30), CS_EXIT_PERMANENT);
    cr_assert_lt(cs_now_ms() - t0, 1000);
    cr_assert_eq(cs_stage_oneshot_status(NULL, NULL), 0);
    cr_assert_eq(cs_stage_oneshot_status("HTTP 401", "llm_auth"), CS_EXIT_PERMANENT);
}

/* ---- the JSONL reader -------------------------------------------------------------------- */

/* A stage that answers {"title": ...} objects with {"echo": title} one run later, and refuses
   objects without a title. */
typedef struct {
    cs_jsonl_t *j;
    json_t *queue; /* [n, title] submitted, not yet answered */
    int runs;
} echo_t;

static int s_echo_submit(void *arg, const json_t *obj, long n, char *err, size_t errlen)
{
    echo_t *e = arg;
    const char *title = cs_rec_str(obj, "title");
    if (!title)
        return cs_fail(err, errlen, "line %ld: no title", n + 1);
    json_array_append_new(e->queue, json_pack("[I, s]", (json_int_t)n, title));
    return 0;
}

static int s_echo_pending(void *arg)
{
    return (int)json_array_size(((echo_t *)arg)->queue);
}

static void s_echo_run(void *arg, int wait_ms)
{
    echo_t *e = arg;
    (void)wait_ms;
    e->runs++;
    size_t last = json_array_size(e->queue); /* newest first: answers come out of order */
    if (!last)
        return;
    json_t *item = json_array_get(e->queue, last - 1);
    cs_jsonl_answer(e->j, (long)json_integer_value(json_array_get(item, 0)),
                    json_pack("{s:O}", "echo", json_array_get(item, 1)));
    json_array_remove(e->queue, last - 1);
}

/* Run the reader over `input` with max_line and too_long; the output as one string. */
static char *s_jsonl(const char *input, size_t max_line, const char *too_long, int in_flight,
                     echo_t *e)
{
    FILE *in = tmpfile(), *out = tmpfile();
    cr_assert(in && out);
    fputs(input, in);
    rewind(in);
    static const cs_jsonl_ops_t ops = {s_echo_submit, s_echo_pending, s_echo_run};
    cs_jsonl_t j = {
        .ops = &ops, .arg = e, .in_flight = in_flight, .max_line = max_line, .too_long = too_long};
    e->j = &j;
    e->queue = json_array();
    cr_assert_eq(cs_jsonl_run(&j, in, out), 0);
    cr_assert_null(j.answers);
    cr_assert_eq(json_array_size(e->queue), 0, "answers left pending");
    cs_jsonl_answer(&j, 0, json_string("late")); /* released, not written */
    json_decref(e->queue);
    long size = ftell(out);
    char *text = calloc(1, (size_t)size + 1);
    rewind(out);
    cr_assert_eq(fread(text, 1, (size_t)size, out), (size_t)size);
    fclose(in);
    fclose(out);
    return text;
}

Test(jsonl, good_bad_and_long_lines_answered_in_order)
{
    echo_t e = {0};
    char *text = s_jsonl("{\"title\": \"a\"}\n"
                         "not json\n"
                         "[1, 2]\n"
                         "{\"other\": 1}\n"
                         "{\"title\": \"this line is longer than the cap\"}\n"
                         "{\"title\": \"b\"}",
                         32, NULL, 16, &e);
    cr_assert_str_eq(text,
                     "{\"echo\":\"a\"}\n"
                     "{\"error\":\"line 2 is not a JSON object: '[' or '{' expected near 'not'\"}\n"
                     "{\"error\":\"line 3 is not a JSON object: \"}\n"
                     "{\"error\":\"line 4: no title\"}\n"
                     "{\"error\":\"line 5 is not a JSON object (too long)\"}\n"
                     "{\"echo\":\"b\"}\n");
    free(text);
}

Test(jsonl, too_long_text_and_the_exact_cap)
{
    echo_t e = {0};
    /* 16 bytes with the newline: at the cap, read; 17: over it */
    char *text =
        s_jsonl("{\"title\":\"abc\"}\n{\"title\":\"abcd\"}\n", 16, "line too long", 16, &e);
    cr_assert_str_eq(text, "{\"echo\":\"abc\"}\n{\"error\":\"line too long\"}\n");
    free(text);
}

Test(jsonl, waits_for_the_stage_beyond_in_flight)
{
    echo_t e = {0};
    char *text =
        s_jsonl("{\"title\":\"1\"}\n{\"title\":\"2\"}\n{\"title\":\"3\"}\n", 1024, NULL, 0, &e);
    cr_assert_str_eq(text, "{\"echo\":\"1\"}\n{\"echo\":\"2\"}\n{\"echo\":\"3\"}\n");
    cr_assert_eq(e.runs, 3, "one run after each line, none at the end");
    free(text);
}

Test(jsonl, empty_input_writes_nothing)
{
    echo_t e = {0};
    char *text = s_jsonl("", 1024, NULL, 16, &e);
    cr_assert_str_eq(text, "");
    free(text);
}
