/*  cs_tapfile: frames taken off a ZeroMQ socket and kept in a file (see cs_tapfile.h). */
#include "cs_tapfile.h"

#include <stdint.h>
#include <stdlib.h>

int cs_tapfile_recv(zsock_t *sock, zmq_msg_t *msg, int timeout_ms)
{
    zmq_pollitem_t item = {.socket = zsock_resolve(sock), .events = ZMQ_POLLIN};
    if (zmq_poll(&item, 1, timeout_ms) <= 0)
        return 0;
    zmq_msg_init(msg);
    if (zmq_msg_recv(msg, zsock_resolve(sock), ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(msg);
        return 0;
    }
    return 1;
}

int cs_tapfile_write(FILE *fp, const void *data, size_t size)
{
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)((uint64_t)size >> (8 * i));
    return fwrite(len, 1, sizeof len, fp) == sizeof len && fwrite(data, 1, size, fp) == size ? 0
                                                                                             : -1;
}

int cs_tapfile_read(FILE *fp, size_t max_bytes, char **data, size_t *size)
{
    *data = NULL;
    unsigned char len[8];
    size_t got = fread(len, 1, sizeof len, fp);
    if (got == 0)
        return 0;
    if (got != sizeof len)
        return -1;
    uint64_t n = 0;
    for (int i = 0; i < 8; i++)
        n |= (uint64_t)len[i] << (8 * i);
    if (n > max_bytes)
        return -1;
    *data = malloc(n ? n : 1);
    if (!*data || fread(*data, 1, n, fp) != n) {
        free(*data);
        *data = NULL;
        return -1;
    }
    *size = n;
    return 1;
}
