/*  cs_curve: CURVE authentication and encryption on the pipeline's ZeroMQ links (DESIGN.md 8).

    Off unless a stage is given a --curve-* option; then every socket cs_sock_new() makes is a
    CURVE socket and none is plain:
        bound sockets       this stage's certificate, ZMQ_CURVE_SERVER, ZAP domain "callsift",
                            set before bind; a zauth actor (started here, one per process)
                            lets in only clients whose public certificate is in --curve-allowed
                            (never CURVE_ALLOW_ANY: that would be encryption without
                            authentication).
        connecting sockets  this stage's certificate as the client's identity, and the public
                            key of the server (--curve-server-key): a peer that cannot prove it
                            holds that key's secret gets no connection.

    The key files are czmq certificates (zcert_save: "NAME" public, "NAME_secret" secret);
    `callsift keys generate DIR` writes a set and prints the flags of each stage. A certificate
    file is read here, not by zconfig, so that no part of it (the secret) can reach a log line
    or stdout; the secret's Z85 text is registered with cs_log_add_secret() all the same.

    The allowed directory is read again by zauth whenever it changes (czmq's zcertstore), so a
    client certificate added there is let in, and one removed is refused, from the client's
    next connection on, without restarting the server; connections already made stay up until
    they break. A client that was refused does not try again (libzmq 4.3 gives up a connection
    whose handshake ended in an authentication error): restart it once its certificate is in
    place. Refusals are logged by zauth at --log-level debug only; otherwise a refused client
    just never connects. Two files holding one public key make czmq's certificate store abort
    the process: setup refuses such a directory, but a copy added later is not caught. */
#ifndef CS_CURVE_H
#define CS_CURVE_H

#include <stdbool.h>
#include <stddef.h>

#include <czmq.h>

#include "cs_config.h"

/* The ZAP domain of every bound CURVE socket. */
#define CS_CURVE_DOMAIN "callsift"

/* Option-table rows for an executable's cs_option_t table: --curve-secret-key
   (CALLSIFT_CURVE_SECRET_KEY), --curve-server-key (CALLSIFT_CURVE_SERVER_KEY), --curve-allowed
   (CALLSIFT_CURVE_ALLOWED). Their values are file and directory names, not keys; --help shows
   the names only. */
#define CS_CURVE_OPTION_SECRET_KEY                                                                 \
    {                                                                                              \
        "curve-secret-key", "CALLSIFT_CURVE_SECRET_KEY", CS_OPT_STRING, NULL,                      \
            "CURVE: this stage's certificate, its NAME_secret file", 0                             \
    }
#define CS_CURVE_OPTION_SERVER_KEY                                                                 \
    {                                                                                              \
        "curve-server-key", "CALLSIFT_CURVE_SERVER_KEY", CS_OPT_STRING, NULL,                      \
            "CURVE: public certificate of the server stages this stage connects to", 0             \
    }
#define CS_CURVE_OPTION_ALLOWED                                                                    \
    {                                                                                              \
        "curve-allowed", "CALLSIFT_CURVE_ALLOWED", CS_OPT_STRING, NULL,                            \
            "CURVE: directory of the public certificates of clients allowed on bound sockets", 0   \
    }
#define CS_CURVE_OPTIONS                                                                           \
    CS_CURVE_OPTION_SECRET_KEY, CS_CURVE_OPTION_SERVER_KEY, CS_CURVE_OPTION_ALLOWED

/* What a stage does with sockets, for cs_curve_setup(): a stage that binds needs
   --curve-allowed, one that connects needs --curve-server-key. */
enum {
    CS_CURVE_BINDS = 1 << 0,
    CS_CURVE_CONNECTS = 1 << 1,
};

/* Turn CURVE on for this process from the parsed --curve-* options of cfg (borrowed; the
   values are copied), for a stage whose sockets do `roles` (CS_CURVE_BINDS |
   CS_CURVE_CONNECTS). No --curve-* option: nothing happens, sockets stay plain TCP, 0.
   Otherwise every option the roles need must be given (--curve-secret-key always;
   --curve-allowed to bind; --curve-server-key to connect) and readable: -1 with a one-line
   reason in err that names the option (a usage error: exit 2), and CURVE stays off. On
   success: the certificates are loaded, a stage that binds has its zauth actor running, one
   INFO line says so, 0. Call it once, before the first cs_sock_new(); -1 when already on. */
int cs_curve_setup(const cs_config_t *cfg, unsigned roles, char *err, size_t errlen);

/* True between a successful cs_curve_setup() that turned CURVE on and cs_curve_teardown(). */
bool cs_curve_enabled(void);

/* Make `sock` a CURVE server (bind true) or client (bind false) with this process's
   certificates; called by cs_sock_new() before it binds or connects. When CURVE is off: 0 and
   nothing changes. -1 with the reason in err when CURVE is on but the stage has nothing to do
   it with (a bind without --curve-allowed, a connect without --curve-server-key): a plain
   socket is never made instead. */
int cs_curve_apply(zsock_t *sock, bool bind, char *err, size_t errlen);

/* Stop the zauth actor and forget the certificates (their secret overwritten first). CURVE is
   off afterwards; sockets made before keep their settings, and their bound ones let nobody
   new in (no authenticator answers). Safe to call when CURVE was never on. */
void cs_curve_teardown(void);

#endif
