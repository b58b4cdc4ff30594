/*  `callsift serve`: the product manager's console, a web server over the same PostgreSQL
    (cs_serve.c; pages in cs_pages.h). */
#ifndef CS_SERVE_H
#define CS_SERVE_H

#include "cs_cli_common.h"

extern const cs_option_t cs_cli_serve_options[];

/* Serve until SIGINT or SIGTERM: 0 after a clean stop, -1 with the reason in cli->err (no
   token, the address in use, the database unreachable at start). */
int cs_cli_serve(cs_cli_t *cli);

#endif
