/*  cs_listen: the address a server listens on, as an operator types it. Shared by the console
    (`callsift serve --listen`) and the fetcher's webhook listener (`--webhook-listen`). */
#ifndef CS_LISTEN_H
#define CS_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Read "HOST:PORT" (an IPv4 address or "localhost") or "[V6]:PORT" into *addr, with *v6 set
   when it is an IPv6 address; port 0 lets the system pick one. Returns 0, or -1 with a reason in
   err that starts with `flag` ("--listen: '...' is not HOST:PORT"). Host names other than
   localhost are refused: a server binds an address, it does not resolve one. */
int cs_listen_addr(const char *flag, const char *listen, struct sockaddr_storage *addr, bool *v6,
                   char *err, size_t errlen);

#endif
