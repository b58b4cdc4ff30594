/*  cs_tapfile: frames taken off a ZeroMQ socket and kept in a file, for the load tools that
    stand in for part of the pipeline (bench_fetcher_sink, bench_writer_tap).

    A tap file is the frames one after the other, each as an 8-byte little-endian length, then
    the frame's bytes exactly as they came, so that two runs' files compare byte for byte with
    cmp(1). */
#ifndef CS_TAPFILE_H
#define CS_TAPFILE_H

#include <stddef.h>
#include <stdio.h>

#include <czmq.h>

/* Wait up to timeout_ms for a frame on `sock` and receive it into `msg` (initialised here).
   Returns 1 with a frame, which the caller closes with zmq_msg_close(); 0 when none came (the
   wait ended, was interrupted or the receive failed), and then `msg` needs no closing. */
int cs_tapfile_recv(zsock_t *sock, zmq_msg_t *msg, int timeout_ms);

/* Append one frame (`data`, borrowed, `size` bytes) to `fp`. Returns 0, or -1 when the write
   fails (errno says why). */
int cs_tapfile_write(FILE *fp, const void *data, size_t size);

/* Read the next frame of `fp` into *data (a new buffer the caller frees) and *size. Returns 1
   with a frame, 0 at the end of the file, -1 when the file is cut short, a length is over
   `max_bytes` or memory runs out (then *data is NULL). */
int cs_tapfile_read(FILE *fp, size_t max_bytes, char **data, size_t *size);

#endif
