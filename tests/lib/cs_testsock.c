/*  cs_testsock: records to and from a stage under test over ZeroMQ (see cs_testsock.h). */
#include "cs_testsock.h"

#include <criterion/criterion.h>

#include "cs_sock.h"

void cs_testsock_send(zsock_t *sock, const json_t *rec, int tries)
{
    char err[256] = "";
    int rc = -1;
    for (int i = 0; i < tries && rc != 0; i++)
        rc = cs_sock_send_record(sock, rec, NULL, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
}

json_t *cs_testsock_recv(zsock_t *sock, int ms, char **topic)
{
    zpoller_t *p = zpoller_new(sock, NULL);
    void *ready = zpoller_wait(p, ms);
    zpoller_destroy(&p);
    if (!ready)
        return NULL;
    char err[256];
    json_t *rec = cs_sock_recv_record(sock, topic, err, sizeof err);
    cr_assert(rec, "not a record: %s", err);
    return rec;
}
