/* cs_sock: records over real ZeroMQ sockets on loopback. */
#include <string.h>

#include <criterion/criterion.h>

#include "cs_record.h"
#include "cs_sock.h"
#include "cs_testsock.h"
#include "cs_util.h"

#define WS "647ab033-6d10-4a35-9ace-0399052ec874"

static json_t *ack(const char *ws, const char *ext)
{
    json_t *a = cs_record_new(CS_KIND_ACK);
    json_object_set_new(a, "workspace_id", json_string(ws));
    json_object_set_new(a, "external_id", json_string(ext));
    json_object_set_new(a, "status", json_string("committed"));
    return a;
}

static json_t *recv_within(zsock_t *s, int ms, char **topic)
{
    return cs_testsock_recv(s, ms, topic);
}

Test(sock, push_pull_round_trip)
{
    char err[256];
    zsock_t *pull = cs_sock_new(ZMQ_PULL, "tcp://127.0.0.1:*", true, err, sizeof err);
    cr_assert(pull, "%s", err);
    char ep[64];
    cs_sock_endpoint(pull, ep, sizeof ep);
    zsock_t *push = cs_sock_new(ZMQ_PUSH, ep, false, err, sizeof err);
    cr_assert(push, "%s", err);
    json_t *a = ack(WS, "call-1");
    /* IMMEDIATE: the first send may find the connection not up yet; retry briefly. */
    int rc = -1;
    for (int i = 0; i < 50 && rc != 0; i++)
        rc = cs_sock_send_record(push, a, NULL, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    json_t *got = recv_within(pull, 2000, NULL);
    cr_assert(got);
    cr_assert(json_equal(a, got));
    json_decref(a);
    json_decref(got);
    zsock_destroy(&push);
    zsock_destroy(&pull);
}

/* The calls link: the fetcher binds a PUSH, an extractor connects a PULL and stops reading
   while its LLM window is busy (a 429 storm can hold it for many seconds). What the fetcher
   managed to send must all arrive once it reads again: a heartbeat that timed out the
   connection meanwhile (the extractor's side reads nothing, not even the PING, while its queue
   is full) dropped what was queued, and those calls came back only after the ack timeout. */
Test(sock, a_calls_link_survives_a_reader_that_pauses, .timeout = 60)
{
    char err[256];
    zsock_t *push = cs_sock_new_work(ZMQ_PUSH, "tcp://127.0.0.1:*", true, err, sizeof err);
    cr_assert(push, "%s", err);
    char ep[64];
    cs_sock_endpoint(push, ep, sizeof ep);
    zsock_t *pull = cs_sock_new_work(ZMQ_PULL, ep, false, err, sizeof err);
    cr_assert(pull, "%s", err);
    /* a record as big as a call with its transcript, so that few fill the queues */
    json_t *rec = ack(WS, "call");
    char *text = malloc(20000);
    memset(text, 'x', 19999);
    text[19999] = '\0';
    json_object_set_new(rec, "error", json_string(text));
    free(text);
    int sent = 0;
    int64_t until = cs_now_ms() + 2000;
    while (cs_now_ms() < until) { /* as the fetcher sends: only when the socket has room */
        if (zsock_events(push) & ZMQ_POLLOUT) {
            cr_assert_eq(cs_sock_send_record(push, rec, NULL, err, sizeof err), 0, "%s", err);
            sent++;
        } else {
            zclock_sleep(20);
        }
    }
    cr_assert_gt(sent, 0);
    zclock_sleep(8000); /* the extractor reads nothing for 8 s */
    int got = 0;
    json_t *r;
    while ((r = recv_within(pull, 1500, NULL)) != NULL) {
        json_decref(r);
        got++;
    }
    cr_assert_eq(got, sent, "%d of %d calls arrived after an 8-second pause", got, sent);
    json_decref(rec);
    zsock_destroy(&pull);
    zsock_destroy(&push);
}

Test(sock, pub_sub_topic_is_the_workspace)
{
    char err[256], ep[64];
    zsock_t *pub = cs_sock_new(ZMQ_PUB, "tcp://127.0.0.1:*", true, err, sizeof err);
    cr_assert(pub, "%s", err);
    zsock_t *sub =
        cs_sock_new(ZMQ_SUB, cs_sock_endpoint(pub, ep, sizeof ep), false, err, sizeof err);
    cr_assert(sub, "%s", err);
    zsock_set_unsubscribe(sub, "");
    zsock_set_subscribe(sub, WS);
    json_t *other = ack("11111111-1111-1111-1111-111111111111", "x");
    json_t *mine = ack(WS, "y");
    json_t *got = NULL;
    char *topic = NULL;
    /* PUB drops until the subscription has arrived: publish until one is received. */
    for (int i = 0; i < 100 && !got; i++) {
        cr_assert_eq(cs_sock_send_record(pub, other, "11111111-1111-1111-1111-111111111111", err,
                                         sizeof err),
                     0);
        cr_assert_eq(cs_sock_send_record(pub, mine, WS, err, sizeof err), 0);
        got = recv_within(sub, 50, &topic);
    }
    cr_assert(got, "nothing received");
    cr_assert_str_eq(topic, WS);
    cr_assert_str_eq(cs_rec_str(got, "external_id"), "y");
    free(topic);
    json_decref(got);
    json_decref(other);
    json_decref(mine);
    zsock_destroy(&sub);
    zsock_destroy(&pub);
}

Test(sock, malformed_frames_are_reported_not_fatal)
{
    char err[256], ep[64];
    zsock_t *pull = cs_sock_new(ZMQ_PULL, "tcp://127.0.0.1:*", true, err, sizeof err);
    zsock_t *push = zsock_new_push(cs_sock_endpoint(pull, ep, sizeof ep));
    cr_assert(pull && push);
    zstr_send(push, "this is not msgpack");
    zstr_sendm(push, "a");
    zstr_sendm(push, "b");
    zstr_send(push, "c");
    json_t *a = ack(WS, "after");
    cr_assert_eq(cs_sock_send_record(push, a, NULL, err, sizeof err), 0);

    zpoller_t *p = zpoller_new(pull, NULL);
    cr_assert(zpoller_wait(p, 2000));
    cr_assert_null(cs_sock_recv_record(pull, NULL, err, sizeof err));
    cr_assert(zpoller_wait(p, 2000));
    cr_assert_null(cs_sock_recv_record(pull, NULL, err, sizeof err));
    cr_assert(strstr(err, "3 frames"), "%s", err);
    json_t *got = recv_within(pull, 2000, NULL);
    cr_assert(got && json_equal(got, a), "the good record after two bad ones is lost");
    zpoller_destroy(&p);
    json_decref(got);
    json_decref(a);
    zsock_destroy(&push);
    zsock_destroy(&pull);
}

Test(sock, invalid_record_is_not_sent)
{
    char err[256], ep[64];
    zsock_t *pull = cs_sock_new(ZMQ_PULL, "tcp://127.0.0.1:*", true, err, sizeof err);
    zsock_t *push =
        cs_sock_new(ZMQ_PUSH, cs_sock_endpoint(pull, ep, sizeof ep), false, err, sizeof err);
    json_t *bad = cs_record_new(CS_KIND_ACK); /* no workspace_id, external_id, status */
    cr_assert_eq(cs_sock_send_record(push, bad, NULL, err, sizeof err), -1);
    cr_assert(strstr(err, "workspace_id") || strstr(err, "missing"), "%s", err);
    json_decref(bad);
    zsock_destroy(&push);
    zsock_destroy(&pull);
}

Test(sock, send_without_peer_times_out)
{
    char err[256];
    /* A connecting PUSH with ZMQ_IMMEDIATE queues nothing towards a peer that is not there:
       the send gives up after the send timeout instead of blocking shutdown forever. */
    zsock_t *push = cs_sock_new(ZMQ_PUSH, "tcp://127.0.0.1:1", false, err, sizeof err);
    cr_assert(push, "%s", err);
    json_t *a = ack(WS, "nobody");
    int64_t t0 = cs_now_ms();
    cr_assert_eq(cs_sock_send_record(push, a, NULL, err, sizeof err), -1);
    cr_assert_lt(cs_now_ms() - t0, 5000);
    json_decref(a);
    zsock_destroy(&push);
}

Test(sock, bad_endpoint_is_an_error)
{
    char err[256];
    cr_assert_null(cs_sock_new(ZMQ_PULL, "nonsense://x", true, err, sizeof err));
    cr_assert(strstr(err, "nonsense://x"), "%s", err);
}

/* A raw PUSH sends `nframes` frames of `size` bytes as one message. */
static void send_frames(zsock_t *push, int nframes, size_t size)
{
    char *junk = malloc(size ? size : 1);
    cr_assert(junk);
    memset(junk, 'x', size);
    void *h = zsock_resolve(push);
    for (int i = 0; i < nframes; i++)
        cr_assert_neq(zmq_send(h, junk, size, i + 1 < nframes ? ZMQ_SNDMORE : 0), -1);
    free(junk);
}

static void expect_refused_then_good(zsock_t *pull, zsock_t *push, const char *reason)
{
    char err[256];
    json_t *a = ack(WS, "after");
    cr_assert_eq(cs_sock_send_record(push, a, NULL, err, sizeof err), 0, "%s", err);
    zpoller_t *p = zpoller_new(pull, NULL);
    cr_assert(zpoller_wait(p, 5000));
    zpoller_destroy(&p);
    cr_assert_null(cs_sock_recv_record(pull, NULL, err, sizeof err), "accepted");
    cr_assert(strstr(err, reason), "%s", err);
    json_t *got = recv_within(pull, 5000, NULL);
    cr_assert(got && json_equal(got, a), "the good record after the refused one is lost");
    json_decref(got);
    json_decref(a);
}

Test(sock, many_frames_are_refused_and_drained)
{
    char err[256], ep[64];
    zsock_t *pull = cs_sock_new(ZMQ_PULL, "tcp://127.0.0.1:*", true, err, sizeof err);
    zsock_t *push = zsock_new_push(cs_sock_endpoint(pull, ep, sizeof ep));
    cr_assert(pull && push);
    send_frames(push, 25, 1 << 20);
    expect_refused_then_good(pull, push, "25 frames");
    send_frames(push, 10000, 1);
    expect_refused_then_good(pull, push, "10000 frames");
    zsock_destroy(&push);
    zsock_destroy(&pull);
}

Test(sock, topic_frame_over_its_cap_is_refused)
{
    char err[256], ep[64];
    zsock_t *pull = cs_sock_new(ZMQ_PULL, "tcp://127.0.0.1:*", true, err, sizeof err);
    zsock_t *push = zsock_new_push(cs_sock_endpoint(pull, ep, sizeof ep));
    cr_assert(pull && push);
    /* a valid record behind a 1 MB "topic": the topic would be copied whole */
    char *buf = NULL;
    size_t len = 0;
    json_t *a = ack(WS, "big-topic");
    cr_assert_eq(cs_record_encode(a, &buf, &len, err, sizeof err), 0, "%s", err);
    size_t topic_len = 1 << 20;
    char *topic = malloc(topic_len);
    memset(topic, 't', topic_len);
    void *h = zsock_resolve(push);
    cr_assert_neq(zmq_send(h, topic, topic_len, ZMQ_SNDMORE), -1);
    cr_assert_neq(zmq_send(h, buf, len, 0), -1);
    free(topic);
    free(buf);
    json_decref(a);
    expect_refused_then_good(pull, push, "over the caps");
    zsock_destroy(&push);
    zsock_destroy(&pull);
}
