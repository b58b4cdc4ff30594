/*  bench_fetcher_sink: the rest of the pipeline, as fast as it can be, for the fetcher alone
    (tests/load/bench_fetcher.sh).

    bench_fetcher_sink --calls-endpoint EP --acks-endpoint EP --workspace-id UUID
                       [--capture FILE]

    Connects a PULL socket to the fetcher's calls endpoint and binds a PUB socket on the acks
    endpoint, as the extractors and the writer do, and acks every call record at once as
    "committed" and processed, the way the writer acks a stored call. With --capture, every
    record frame received is appended to FILE exactly as it came (an 8-byte little-endian length,
    then the frame's bytes), so that two fetchers' output for the same input can be compared
    byte for byte with cmp(1). Runs until SIGINT or SIGTERM. Exit status 0; 1 when a socket cannot
   be made, a frame is not a valid call record or the capture cannot be written; 2 on bad arguments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "cs_record.h"
#include "cs_sock.h"
#include "cs_tapfile.h"

static int s_usage(void)
{
    fprintf(stderr, "usage: bench_fetcher_sink --calls-endpoint EP --acks-endpoint EP "
                    "--workspace-id UUID [--capture FILE]\n");
    return 2;
}

/* Ack `call` (borrowed) as the writer acks a stored, processed call. */
static int s_ack(zsock_t *pub, const char *ws, const json_t *call)
{
    json_t *ack = cs_record_new(CS_KIND_ACK);
    json_object_set_new(ack, "workspace_id", json_string(ws));
    json_object_set_new(ack, "external_id", json_string(cs_rec_str(call, "external_id")));
    json_object_set_new(ack, "source", json_string(cs_rec_str(call, "source")));
    json_object_set_new(ack, "status", json_string("committed"));
    json_object_set_new(ack, "processed", json_true());
    char err[256];
    int rc = cs_sock_send_record(pub, ack, ws, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "bench_fetcher_sink: cannot send an ack: %s\n", err);
    json_decref(ack);
    return rc;
}

int main(int argc, char **argv)
{
    const char *calls_ep = NULL, *acks_ep = NULL, *ws = NULL, *capture = NULL;
    for (int i = 1; i < argc; i++) {
        const char **slot = strcmp(argv[i], "--calls-endpoint") == 0  ? &calls_ep
                            : strcmp(argv[i], "--acks-endpoint") == 0 ? &acks_ep
                            : strcmp(argv[i], "--workspace-id") == 0  ? &ws
                            : strcmp(argv[i], "--capture") == 0       ? &capture
                                                                      : NULL;
        if (!slot || i + 1 >= argc)
            return s_usage();
        *slot = argv[++i];
    }
    if (!calls_ep || !acks_ep || !ws)
        return s_usage();
    /* czmq's signal handler (installed with the first socket) sets zsys_interrupted on SIGINT
       and SIGTERM, which ends the loop below: the capture is then written out whole */
    char err[256];
    zsock_t *pull = cs_sock_new_work(ZMQ_PULL, calls_ep, false, err, sizeof err);
    zsock_t *pub = pull ? cs_sock_new(ZMQ_PUB, acks_ep, true, err, sizeof err) : NULL;
    FILE *fp = capture ? fopen(capture, "we") : NULL;
    int status = 0;
    if (!pub || (capture && !fp)) {
        fprintf(stderr, "bench_fetcher_sink: %s\n", !pub ? err : strerror(errno));
        status = 1;
    }
    while (status == 0 && !zsys_interrupted) {
        zmq_msg_t msg;
        if (!cs_tapfile_recv(pull, &msg, 200))
            continue;
        const void *data = zmq_msg_data(&msg);
        size_t size = zmq_msg_size(&msg);
        json_t *call = cs_record_decode(data, size, err, sizeof err);
        if (!call || cs_record_kind(call) != CS_KIND_CALL) {
            fprintf(stderr, "bench_fetcher_sink: not a call record: %s\n", call ? "kind" : err);
            status = 1;
        } else if (fp && cs_tapfile_write(fp, data, size) != 0) {
            fprintf(stderr, "bench_fetcher_sink: cannot write %s: %s\n", capture, strerror(errno));
            status = 1;
        } else if (s_ack(pub, ws, call) != 0) {
            status = 1;
        }
        json_decref(call);
        zmq_msg_close(&msg);
    }
    if (fp && fclose(fp) != 0 && status == 0) {
        fprintf(stderr, "bench_fetcher_sink: cannot write %s: %s\n", capture, strerror(errno));
        status = 1;
    }
    zsock_destroy(&pub);
    zsock_destroy(&pull);
    return status;
}
