/*  bench_writer_tap: the writer's input, recorded once and played again to several writers
    (tests/load/bench_writer_replay.py), so that two builds store the same decisions.

    bench_writer_tap capture --from EP --to EP --out FILE
        Connects a PULL socket to the matcher's decisions endpoint (--from), binds a PUSH socket
        on --to (the writer connects there instead) and passes every frame on as it came,
        appending it to FILE (an 8-byte little-endian length, then the frame's bytes). Runs
        until SIGINT or SIGTERM.
    bench_writer_tap replay --to EP --acks EP --in FILE [--timeout S]
        Binds a PUSH socket on --to, subscribes to the writer's acks (--acks), sends every frame
        of FILE in order and waits until as many acks came (at most --timeout seconds, 1800).
        Prints "frames N acks N committed N already N failed N".
    Exit status 0; 1 when a socket or the file fails, or acks are missing at the timeout; 2 on
    bad arguments. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "cs_record.h"
#include "cs_sock.h"
#include "cs_tapfile.h"

static int s_usage(void)
{
    fprintf(stderr, "usage: bench_writer_tap capture --from EP --to EP --out FILE\n"
                    "       bench_writer_tap replay --to EP --acks EP --in FILE [--timeout S]\n");
    return 2;
}

static int s_capture(const char *from, const char *to, const char *out)
{
    char err[256];
    zsock_t *pull = cs_sock_new(ZMQ_PULL, from, false, err, sizeof err);
    zsock_t *push = pull ? cs_sock_new(ZMQ_PUSH, to, true, err, sizeof err) : NULL;
    FILE *fp = push ? fopen(out, "we") : NULL;
    int status = 0;
    if (!fp) {
        fprintf(stderr, "bench_writer_tap: %s\n", !push ? err : strerror(errno));
        status = 1;
    }
    while (status == 0 && !zsys_interrupted) {
        zmq_msg_t msg;
        if (!cs_tapfile_recv(pull, &msg, 200))
            continue;
        if (cs_tapfile_write(fp, zmq_msg_data(&msg), zmq_msg_size(&msg)) != 0) {
            fprintf(stderr, "bench_writer_tap: cannot write %s: %s\n", out, strerror(errno));
            status = 1;
        }
        /* blocks while the writer is at its high-water mark, as the matcher would */
        while (status == 0 && zmq_msg_send(&msg, zsock_resolve(push), 0) < 0 && errno == EAGAIN)
            ;
        zmq_msg_close(&msg);
    }
    if (fp && fclose(fp) != 0 && status == 0)
        status = 1;
    zsock_set_linger(push, 5000);
    zsock_destroy(&push);
    zsock_destroy(&pull);
    return status;
}

static int s_replay(const char *to, const char *acks_ep, const char *in, long timeout_s)
{
    char err[256];
    FILE *fp = fopen(in, "re");
    zsock_t *push = fp ? zsock_new(ZMQ_PUSH) : NULL;
    zsock_t *sub = push ? cs_sock_new(ZMQ_SUB, acks_ep, false, err, sizeof err) : NULL;
    if (!sub || zsock_bind(push, "%s", to) < 0) {
        fprintf(stderr, "bench_writer_tap: %s\n", !fp ? strerror(errno) : sub ? "bind" : err);
        zsock_destroy(&sub);
        zsock_destroy(&push);
        if (fp)
            fclose(fp);
        return 1;
    }
    zsock_set_subscribe(sub, "");
    zclock_sleep(1000); /* the subscription reaches the writer before the first ack */
    long frames = 0, acks = 0, committed = 0, already = 0, failed = 0;
    int rc = 1;
    char *data = NULL;
    size_t size = 0;
    int64_t deadline = zclock_mono() + timeout_s * 1000;
    /* send and read acks in turn: acks left unread while the sends wait would fill the SUB
       socket's queue */
    while ((rc > 0 || acks < frames) && rc >= 0 && zclock_mono() < deadline && !zsys_interrupted) {
        if (rc > 0 && !data && (rc = cs_tapfile_read(fp, CS_RECORD_MAX_BYTES, &data, &size)) <= 0)
            continue;
        zmq_pollitem_t items[] = {{.socket = zsock_resolve(sub), .events = ZMQ_POLLIN},
                                  {.socket = zsock_resolve(push), .events = ZMQ_POLLOUT}};
        if (zmq_poll(items, data ? 2 : 1, 200) <= 0)
            continue;
        if (data && (items[1].revents & ZMQ_POLLOUT) &&
            zmq_send(zsock_resolve(push), data, size, ZMQ_DONTWAIT) >= 0) {
            free(data);
            data = NULL;
            frames++;
        }
        if (!(items[0].revents & ZMQ_POLLIN))
            continue;
        json_t *ack = cs_sock_recv_record(sub, NULL, err, sizeof err);
        if (!ack)
            continue;
        const char *st = cs_rec_str(ack, "status");
        acks++;
        committed += st && strcmp(st, "committed") == 0;
        already += st && strcmp(st, "already") == 0;
        failed += st && strcmp(st, "failed") == 0;
        json_decref(ack);
    }
    free(data);
    fclose(fp);
    printf("frames %ld acks %ld committed %ld already %ld failed %ld\n", frames, acks, committed,
           already, failed);
    zsock_destroy(&sub);
    zsock_destroy(&push);
    return rc == 0 && acks == frames ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return s_usage();
    const char *from = NULL, *to = NULL, *out = NULL, *in = NULL, *acks = NULL, *timeout = "1800";
    for (int i = 2; i < argc; i++) {
        const char **slot = strcmp(argv[i], "--from") == 0      ? &from
                            : strcmp(argv[i], "--to") == 0      ? &to
                            : strcmp(argv[i], "--out") == 0     ? &out
                            : strcmp(argv[i], "--in") == 0      ? &in
                            : strcmp(argv[i], "--acks") == 0    ? &acks
                            : strcmp(argv[i], "--timeout") == 0 ? &timeout
                                                                : NULL;
        if (!slot || i + 1 >= argc)
            return s_usage();
        *slot = argv[++i];
    }
    if (strcmp(argv[1], "capture") == 0 && from && to && out)
        return s_capture(from, to, out);
    if (strcmp(argv[1], "replay") == 0 && to && acks && in)
        return s_replay(to, acks, in, atol(timeout));
    return s_usage();
}
