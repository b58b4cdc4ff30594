/*  cs_listen: see cs_listen.h. */
#include "cs_listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_util.h"

int cs_listen_addr(const char *flag, const char *listen, struct sockaddr_storage *addr, bool *v6,
                   char *err, size_t errlen)
{
    char host[128];
    const char *colon = listen ? strrchr(listen, ':') : NULL;
    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host)
        return cs_fail(err, errlen, "%s: '%s' is not HOST:PORT", flag, listen ? listen : "");
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || port < 0 || port > 65535)
        return cs_fail(err, errlen, "%s: '%s' is not a TCP port", flag, colon + 1);
    memset(addr, 0, sizeof *addr);
    struct sockaddr_in *a4 = (struct sockaddr_in *)addr;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)addr;
    size_t hl = strlen(host);
    *v6 = hl > 2 && host[0] == '[' && host[hl - 1] == ']';
    if (*v6) {
        host[hl - 1] = '\0';
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) == 1)
            return 0;
    } else {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        if (strcmp(host, "localhost") == 0)
            snprintf(host, sizeof host, "127.0.0.1");
        if (inet_pton(AF_INET, host, &a4->sin_addr) == 1)
            return 0;
    }
    return cs_fail(err, errlen, "%s: '%s' is not an IP address", flag, host);
}
