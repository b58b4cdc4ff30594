/*  cs_testsock: records sent to and taken from a stage under test over ZeroMQ.

        cs_testsock_send(push, call, 50);          (the stage may still be connecting)
        json_t *rec = cs_testsock_recv(pull, 5000, NULL);
        cr_assert(rec, "no record within 5 s");

    Every function asserts with Criterion; none returns an error. */
#ifndef CS_TESTSOCK_H
#define CS_TESTSOCK_H

#include <czmq.h>
#include <jansson.h>

/* Send `rec` (borrowed) on `sock`, trying up to `tries` times while the peer may still be
   connecting or binding; cr_asserts that it went. */
void cs_testsock_send(zsock_t *sock, const json_t *rec, int tries);

/* The next record on `sock` within `ms` (a new reference), NULL when none came; its topic into
 *topic (caller frees) when topic is not NULL. cr_asserts that what came is a record. */
json_t *cs_testsock_recv(zsock_t *sock, int ms, char **topic);

#endif
