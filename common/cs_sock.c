#include "cs_sock.h"

#include <errno.h>
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
    zsock_set_heartbeat_ivl(sock, HEARTBEAT_IVL_MS);
    zsock_set_heartbeat_timeout(sock, HEARTBEAT_TIMEOUT_MS);
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

json_t *cs_sock_recv_record(zsock_t *sock, char **topic_out, char *err, size_t errlen)
{
    if (topic_out)
        *topic_out = NULL;
    zmsg_t *msg = zmsg_recv(sock);
    if (!msg) {
        cs_fail(err, errlen, "interrupted");
        return NULL;
    }
    size_t nframes = zmsg_size(msg);
    if (nframes < 1 || nframes > 2) {
        zmsg_destroy(&msg);
        cs_fail(err, errlen, "malformed message: %zu frames", nframes);
        return NULL;
    }
    if (nframes == 2) {
        zframe_t *topic = zmsg_pop(msg);
        if (topic_out)
            *topic_out = zframe_strdup(topic);
        zframe_destroy(&topic);
    }
    zframe_t *frame = zmsg_first(msg);
    json_t *rec = cs_record_decode(zframe_data(frame), zframe_size(frame), err, errlen);
    zmsg_destroy(&msg);
    if (!rec && topic_out) {
        free(*topic_out);
        *topic_out = NULL;
    }
    return rec;
}
