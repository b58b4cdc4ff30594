/*  `callsift serve`: the product manager's console, a web server over the same PostgreSQL
    (cs_serve.c; pages in cs_pages.h). */
#ifndef CS_SERVE_H
#define CS_SERVE_H

#include "cs_cli_common.h"

/* What `callsift serve --help` says above the options. */
#define CS_SERVE_DETAILS                                                                           \
    "Serve the console: the product manager's pages over the same PostgreSQL, with no internet\n"  \
    "needed (every asset is inside the binary).\n"                                                 \
    "\n"                                                                                           \
    "Pages: /features (ranked as 'callsift report' ranks; filters for theme, status, period,\n"    \
    "customer and text; mentions per week and the 4-week change), /features/ID (mentions with\n"   \
    "quotes and Gong links, match decisions with scores, history; merge, unmerge, reject,\n"       \
    "restore, rename, move, status, describe, split and undo as forms), /review (the review\n"     \
    "queue; approve or reject a confidence band), /trends, /themes, /customers, /calls. Lists\n"   \
    "download as CSV or Markdown (format=csv|markdown). Dates are days in the workspace's time\n"  \
    "zone ('callsift workspace set --time-zone'), and so are the period's from and to.\n"          \
    "\n"                                                                                           \
    "Security: it listens on 127.0.0.1:8080 unless --listen says otherwise, and refuses to\n"      \
    "start without a token (CALLSIFT_UI_TOKEN or CALLSIFT_UI_TOKEN_FILE, 16 characters or\n"       \
    "more). A browser logs in once with the token and a name (recorded on every change) and\n"     \
    "gets an HttpOnly, SameSite=Strict session cookie; every form POST carries a CSRF token, "     \
    "and\n"                                                                                        \
    "one without it is refused (403) with nothing changed. API clients send\n"                     \
    "'Authorization: Bearer TOKEN' (their changes are recorded as 'api'). Without a session or\n"  \
    "the token a page answers 401 with the login form. Every value is escaped; a\n"                \
    "Content-Security-Policy forbids inline scripts and other origins. Slow clients are cut\n"     \
    "off after 30 s idle, 32 connections per address, forms of 256 KiB at most, queries of 15 s."

extern const cs_option_t cs_cli_serve_options[];

/* Serve until SIGINT or SIGTERM: 0 after a clean stop, -1 with the reason in cli->err (no
   token, the address in use, the database unreachable at start). */
int cs_cli_serve(cs_cli_t *cli);

#endif
