/*  cs_webhook: the fetcher's listener for Gong's automation rule "Fire webhook".

    Gong POSTs {"callData": {metaData, parties, context, ...}, "isTest": bool} to the URL
    entered in the rule. The listener serves the path of that URL (`url`, the public URL: a
    reverse proxy forwards it unchanged), so it is told the URL, not only a port. Every POST is
    authenticated by one of Gong's two options, or both when both are configured:
      - URL key: the request's path is the URL's path followed by "/KEY" (the rule's URL is then
        `url` + "/" + KEY); the key is compared in constant time;
      - signed JWT: the Authorization header (cs_gongjwt.h), checked against the public key and
        the URL Gong was given (`url`, plus "/KEY" when both are configured).
    Refusals: 401 (bad or missing key or token, nothing queued), 404 (another path), 405 (not a
    POST), 413 (a body over CS_WEBHOOK_MAX_BODY, refused before it is read when announced), 400
    (not JSON, or callData without a usable metaData.id), 503 with Retry-After (the queue holds
    CS_WEBHOOK_MAX_QUEUED calls). A test delivery (isTest true) and a private call
    (metaData.isPrivate) are logged and answered 200 without being queued; a call that cannot
    make a call record (cs_gongcall_record: no valid metaData.started, ...) is refused with 400. An
   accepted call is answered 200 at once and queued for the fetcher's loop, which fetches its
   transcript and sends it through the pipeline; a call already in the queue is not queued twice
   (the ledger and the done set stop later duplicates).

    With a spool directory, a call is written to it durably before Gong gets its 200 (a spool
    that cannot be written answers 503, so Gong's delivery is not lost silently), the calls
    found in it at start are queued again, and cs_webhook_sweep removes each once it is known
    stored: a fetcher killed between the answer and the store loses nothing.

    One internal thread polls every connection (libmicrohttpd), so a slow client only holds its
    own connection, which is closed after CS_WEBHOOK_IDLE_S idle seconds; at most
    CS_WEBHOOK_MAX_CONNS connections, CS_WEBHOOK_PER_IP from one address. Nothing secret is
    logged: refusals name the client's address and the reason, never the path or the header.
    Every answer is counted in callsift_webhooks_total{result}. */
#ifndef CS_WEBHOOK_H
#define CS_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define CS_WEBHOOK_MAX_BODY   (4u << 20) /* bytes of one delivery */
#define CS_WEBHOOK_MAX_QUEUED 10000      /* calls accepted and not yet taken by the fetcher */
#define CS_WEBHOOK_IDLE_S     15
#define CS_WEBHOOK_MAX_CONNS  128
#define CS_WEBHOOK_PER_IP     32
#define CS_WEBHOOK_MIN_KEY    16 /* characters of a URL key */

typedef struct cs_webhook cs_webhook_t;

typedef struct {
    const char *listen;     /* "ADDR:PORT" (cs_listen.h); port 0 picks a free one */
    const char *url;        /* the public URL entered in Gong's rule, without the key */
    const char *key;        /* the URL key, or NULL */
    const char *public_pem; /* cs_gongjwt_pem's text, or NULL */
    const char *spool_dir;  /* where accepted calls are kept until stored (cs_spool.h), or NULL */
} cs_webhook_opts_t;

/* The URL key in a file (`path`): its first line, blanks around it trimmed. It must be at least
   CS_WEBHOOK_MIN_KEY characters of A-Z a-z 0-9 - . _ ~ (so it travels in a URL unescaped).
   Returns a new string (free it with cs_free_secret), or NULL with the reason in err. */
char *cs_webhook_read_key(const char *path, char *err, size_t errlen);

/* Start listening (options copied). At least one of key and public_pem is required, and url
   must be an http(s) URL. Returns NULL with the reason in err ("--webhook-listen: cannot serve
   on 0.0.0.0:8443 (in use, or not allowed)"). */
cs_webhook_t *cs_webhook_start(const cs_webhook_opts_t *opts, char *err, size_t errlen);

/* The port it listens on (the one picked when 0 was asked). */
int cs_webhook_port(const cs_webhook_t *self);

/* Take up to `max` queued callData objects, oldest first, as a new array (empty when none;
   NULL when out of memory). */
json_t *cs_webhook_take(cs_webhook_t *self, size_t max);

/* Put calls taken and not handled (their transcript could not be fetched) back at the front
   of the queue, in order, whatever its length. `calls` is borrowed. */
void cs_webhook_untake(cs_webhook_t *self, const json_t *calls);

/* Remove from the spool every call for which stored(arg, id) is true (no spool: nothing). */
void cs_webhook_sweep(cs_webhook_t *self, bool (*stored)(void *arg, const char *id), void *arg);

/* Calls accepted and not yet taken. */
size_t cs_webhook_queued(cs_webhook_t *self);

/* Calls in the spool, not yet known stored (0 without a spool). */
size_t cs_webhook_spooled(cs_webhook_t *self);

/* Stop listening (open connections are closed), free everything, NULL the pointer. */
void cs_webhook_stop(cs_webhook_t **self_p);

#endif
