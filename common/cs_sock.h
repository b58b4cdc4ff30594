/*  cs_sock: the pipeline's ZeroMQ sockets, set up the same way everywhere, and records on them.

    Topology (DESIGN.md section 1): stable stages bind, scaled stages connect.
        calls        fetcher PUSH bind  5557  ->  extractor PULL connect
        extractions  extractor PUSH connect   ->  matcher PULL bind 5558
        decisions    matcher PUSH bind  5559  ->  writer PULL connect
        acks         writer PUB bind    5560  ->  fetcher SUB connect (topic = workspace id)

    Every socket gets: a linger (so a sender that exits still flushes), high-water marks,
    ZMQ_IMMEDIATE on connecting PUSH sockets, a ZMQ_MAXMSGSIZE well above the largest record,
    heartbeats (so a dead peer is noticed in seconds), and a send timeout (so a stuck
    downstream never freezes shutdown). When cs_curve_setup() turned CURVE on, every socket is
    also a CURVE server (bound) or client (connected) with the process's certificates
    (cs_curve.h); otherwise plain TCP. */
#ifndef CS_SOCK_H
#define CS_SOCK_H

#include <stdbool.h>
#include <stddef.h>

#include <czmq.h>
#include <jansson.h>

#define CS_ENDPOINT_CALLS       "tcp://127.0.0.1:5557"
#define CS_ENDPOINT_EXTRACTIONS "tcp://127.0.0.1:5558"
#define CS_ENDPOINT_DECISIONS   "tcp://127.0.0.1:5559"
#define CS_ENDPOINT_ACKS        "tcp://127.0.0.1:5560"

/* Option-table rows for the four endpoints, to paste into an executable's cs_option_t table:
   --calls-endpoint (CALLSIFT_CALLS_ENDPOINT) and so on. */
#define CS_SOCK_OPTION_CALLS                                                                       \
    {                                                                                              \
        "calls-endpoint", "CALLSIFT_CALLS_ENDPOINT", CS_OPT_STRING, CS_ENDPOINT_CALLS,             \
            "fetcher -> extractors (fetcher binds)", 0                                             \
    }
#define CS_SOCK_OPTION_EXTRACTIONS                                                                 \
    {                                                                                              \
        "extractions-endpoint", "CALLSIFT_EXTRACTIONS_ENDPOINT", CS_OPT_STRING,                    \
            CS_ENDPOINT_EXTRACTIONS, "extractors -> matcher (matcher binds)", 0                    \
    }
#define CS_SOCK_OPTION_DECISIONS                                                                   \
    {                                                                                              \
        "decisions-endpoint", "CALLSIFT_DECISIONS_ENDPOINT", CS_OPT_STRING, CS_ENDPOINT_DECISIONS, \
            "matcher -> writer (matcher binds)", 0                                                 \
    }
#define CS_SOCK_OPTION_ACKS                                                                        \
    {                                                                                              \
        "acks-endpoint", "CALLSIFT_ACKS_ENDPOINT", CS_OPT_STRING, CS_ENDPOINT_ACKS,                \
            "writer -> fetchers, acknowledgements (writer binds)", 0                               \
    }

/* A socket of `type` (ZMQ_PUSH, ZMQ_PULL, ZMQ_PUB, ZMQ_SUB) bound to or connected to
   `endpoint`, with the options above. Returns NULL with a reason in err. Destroy with
   zsock_destroy(). */
zsock_t *cs_sock_new(int type, const char *endpoint, bool bind, char *err, size_t errlen);

/* The calls link (the fetcher's PUSH, each extractor's PULL) queues little per extractor: a
   PUSH socket deals messages round-robin to the peers whose queue has room, so small queues
   make it hand each call to an extractor that can take it, instead of piling the fetcher's
   whole window into the first extractor to connect (ZeroMQ's pipe and, on loopback, the
   kernel's autotuned TCP buffers would take megabytes) while the others sit idle. */
/* It has no ZMTP heartbeats (TCP keepalive instead): an extractor may stop reading for as long
   as its LLM window waits, and a heartbeat then dropped the link (cs_sock.c). */
#define CS_SOCK_WORK_HWM    1          /* messages per peer, each side */
#define CS_SOCK_WORK_BUFFER (8 * 1024) /* bytes of kernel socket buffer, each side */

/* cs_sock_new() for the calls link: the small queues above. */
zsock_t *cs_sock_new_work(int type, const char *endpoint, bool bind, char *err, size_t errlen);

/* The endpoint the socket last bound or connected to, resolved (tcp://127.0.0.1:* becomes the
   real port), copied into out. Returns out. */
const char *cs_sock_endpoint(zsock_t *sock, char *out, size_t outlen);

/* Encode `rec` and send it as one frame, or as two frames [topic, record] when topic is not
   NULL (PUB). Waits at most the socket's send timeout when the peer is full.
   0 sent; -1 with a reason in err (invalid record, or EAGAIN: nobody could take it). */
int cs_sock_send_record(zsock_t *sock, const json_t *rec, const char *topic, char *err,
                        size_t errlen);

/* What one message may hold: a record frame, after a topic frame of at most CS_SOCK_MAX_TOPIC
   bytes on PUB/SUB; the record frame at most CS_RECORD_MAX_BYTES. */
#define CS_SOCK_MAX_FRAMES 2
#define CS_SOCK_MAX_TOPIC  256

/* Receive one message and decode it. Returns a new reference, or NULL with the reason in err
   (a malformed record: the caller counts it and goes on; or interrupted / nothing to read).
   The message is read frame by frame: a message over the frame or byte caps above is read to
   its end and refused, and no frame past the caps is held longer than it takes to read it
   (libzmq itself delivers a multipart message only once all of it has arrived, so the socket's
   ZMQ_MAXMSGSIZE bounds each frame, not the message).
   With topic_out not NULL, a two-frame message's first frame is returned there (caller
   frees). Never blocks longer than the socket's receive timeout (see cs_sock_new: none for
   PULL/SUB, so poll first). */
json_t *cs_sock_recv_record(zsock_t *sock, char **topic_out, char *err, size_t errlen);

#endif
