#include "cs_sock.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs_curve.h"
#include "cs_record.h"
#include "cs_util.h"

#define HWM                  1000
#define LINGER_MS            2000
#define SNDTIMEO_MS          1000
#define HEARTBEAT_IVL_MS     1000
#define HEARTBEAT_TIMEOUT_MS 5000
#define KEEPALIVE_IDLE_S     30 /* the calls link: TCP keepalive instead of heartbeats */
#define KEEPALIVE_INTVL_S    5
#define KEEPALIVE_CNT        4
/* Bytes of one whole message: a topic and a record at their caps. */
#define MAX_MESSAGE ((size_t)CS_RECORD_MAX_BYTES + CS_SOCK_MAX_TOPIC)

static zsock_t *s_new(int type, const char *endpoint, bool bind, bool work, char *err,
                      size_t errlen);

zsock_t *cs_sock_new(int type, const char *endpoint, bool bind, char *err, size_t errlen)
{
    return s_new(type, endpoint, bind, false, err, errlen);
}

zsock_t *cs_sock_new_work(int type, const char *endpoint, bool bind, char *err, size_t errlen)
{
    return s_new(type, endpoint, bind, true, err, errlen);
}

static zsock_t *s_new(int type, const char *endpoint, bool bind, bool work, char *err,
                      size_t errlen)
{
    zsock_t *sock = zsock_new(type);
    if (!sock) {
        cs_fail(err, errlen, "cannot create socket: %s", zmq_strerror(errno));
        return NULL;
    }
    bool sends = type == ZMQ_PUSH || type == ZMQ_PUB;
    zsock_set_linger(sock, sends ? LINGER_MS : 0);
    zsock_set_sndhwm(sock, work ? CS_SOCK_WORK_HWM : HWM);
    zsock_set_rcvhwm(sock, work ? CS_SOCK_WORK_HWM : HWM);
    if (work) {
        zsock_set_sndbuf(sock, CS_SOCK_WORK_BUFFER);
        zsock_set_rcvbuf(sock, CS_SOCK_WORK_BUFFER);
    }
    /* Above the largest honest record: going over disconnects the peer (STYLE.md). */
    zsock_set_maxmsgsize(sock, (int)(2 * (size_t)CS_RECORD_MAX_BYTES));
    if (work) {
        /* No ZMTP heartbeats on the calls link: an extractor whose LLM window is full stops
           reading for as long as the provider keeps it waiting, its one-message queue full,
           and then reads nothing, not even a PING. A heartbeat timeout dropped the connection
           with the calls queued on it (they came back only after --ack-timeout), and libzmq
           4.3 can abort on a heartbeat to a peer whose input is stopped ("Assertion failed:
           _input_stopped", zeromq/libzmq#3596). The kernel's TCP keepalive finds a peer that
           is gone without reading anything. */
        zsock_set_heartbeat_ivl(sock, 0);
        zsock_set_tcp_keepalive(sock, 1);
        zsock_set_tcp_keepalive_idle(sock, KEEPALIVE_IDLE_S);
        zsock_set_tcp_keepalive_intvl(sock, KEEPALIVE_INTVL_S);
        zsock_set_tcp_keepalive_cnt(sock, KEEPALIVE_CNT);
    } else {
        zsock_set_heartbeat_ivl(sock, HEARTBEAT_IVL_MS);
        zsock_set_heartbeat_timeout(sock, HEARTBEAT_TIMEOUT_MS);
    }
    zsock_set_reconnect_ivl(sock, 100);
    /* at most 0.5 s between attempts: a stage started early connects soon after its peer binds
       (and the first extractor to connect gets no long head start over the others) */
    zsock_set_reconnect_ivl_max(sock, 500);
    if (sends)
        zsock_set_sndtimeo(sock, SNDTIMEO_MS);
    if (type == ZMQ_PUSH && !bind)
        zsock_set_immediate(sock, 1);
    if (type == ZMQ_SUB)
        zsock_set_subscribe(sock, ""); /* callers narrow it with zsock_set_unsubscribe/subscribe */

    if (cs_curve_apply(sock, bind, err, errlen) != 0) { /* before bind/connect, or a no-op */
        zsock_destroy(&sock);
        return NULL;
    }
    int rc = bind ? zsock_bind(sock, "%s", endpoint) : zsock_connect(sock, "%s", endpoint);
    if (rc == -1) {
        cs_fail(err, errlen, "cannot %s %s: %s", bind ? "bind" : "connect to", endpoint,
                zmq_strerror(errno));
        zsock_destroy(&sock);
        return NULL;
    }
    return sock;
}

const char *cs_sock_endpoint(zsock_t *sock, char *out, size_t outlen)
{
    char *endpoint = zsock_last_endpoint(sock);
    cs_strlcpy(out, endpoint ? endpoint : "", outlen);
    zstr_free(&endpoint);
    return out;
}

int cs_sock_send_record(zsock_t *sock, const json_t *rec, const char *topic, char *err,
                        size_t errlen)
{
    char *buf = NULL;
    size_t len = 0;
    if (cs_record_encode(rec, &buf, &len, err, errlen) != 0)
        return -1;
    void *handle = zsock_resolve(sock);
    int rc = 0;
    if (topic)
        rc = zmq_send(handle, topic, strlen(topic), ZMQ_SNDMORE);
    if (rc != -1)
        rc = zmq_send(handle, buf, len, 0);
    free(buf);
    if (rc == -1)
        return cs_fail(err, errlen, "send failed: %s", zmq_strerror(errno));
    return 0;
}

/* Close the parts received so far. */
static void s_close_parts(zmq_msg_t *parts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        zmq_msg_close(&parts[i]);
}

json_t *cs_sock_recv_record(zsock_t *sock, char **topic_out, char *err, size_t errlen)
{
    if (topic_out)
        *topic_out = NULL;
    void *handle = zsock_resolve(sock);
    /* Frame by frame: the first CS_SOCK_MAX_FRAMES parts are kept while the message stays
       within the byte caps; every other part is closed as soon as it is read. */
    zmq_msg_t parts[CS_SOCK_MAX_FRAMES];
    size_t kept = 0, nframes = 0, total = 0;
    bool too_big = false, more = true;
    while (more) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        int rc;
        do /* the rest of a message is already queued: only a signal can interrupt it */
            rc = zmq_msg_recv(&part, handle, 0);
        while (rc == -1 && errno == EINTR && nframes > 0);
        if (rc == -1) {
            zmq_msg_close(&part);
            s_close_parts(parts, kept);
            cs_fail(err, errlen, "interrupted");
            return NULL;
        }
        nframes++;
        size_t size = zmq_msg_size(&part);
        total = size > SIZE_MAX - total ? SIZE_MAX : total + size;
        more = zmq_msg_more(&part);
        /* a topic is the first of two frames; a record frame has the record's cap */
        size_t cap = more && nframes == 1 ? CS_SOCK_MAX_TOPIC : CS_RECORD_MAX_BYTES;
        if (size > cap || total > MAX_MESSAGE)
            too_big = true;
        if (nframes <= CS_SOCK_MAX_FRAMES && !too_big)
            parts[kept++] = part; /* zmq_msg_t moves by copy until it is closed once */
        else
            zmq_msg_close(&part);
    }
    if (nframes > CS_SOCK_MAX_FRAMES || too_big) {
        s_close_parts(parts, kept);
        if (nframes > CS_SOCK_MAX_FRAMES)
            cs_fail(err, errlen, "malformed message: %zu frames (at most %d)", nframes,
                    CS_SOCK_MAX_FRAMES);
        else
            cs_fail(err, errlen, "malformed message: %zu bytes in %zu frames, over the caps", total,
                    nframes);
        return NULL;
    }
    zmq_msg_t *body = &parts[kept - 1];
    json_t *rec = cs_record_decode(zmq_msg_data(body), zmq_msg_size(body), err, errlen);
    if (rec && kept == 2 && topic_out) {
        size_t n = zmq_msg_size(&parts[0]);
        *topic_out = malloc(n + 1);
        if (*topic_out) {
            memcpy(*topic_out, zmq_msg_data(&parts[0]), n);
            (*topic_out)[n] = '\0';
        } else {
            json_decref(rec);
            rec = NULL;
            cs_fail(err, errlen, "out of memory for the topic");
        }
    }
    s_close_parts(parts, kept);
    return rec;
}
