/*  fake_gong_hook: Gong's side of an automation rule whose action is "Fire webhook", for tests.

    It holds an RSA-2048 key pair made at random for the test (OpenSSL), hands out the public key
    as Gong's rule editor shows it (the base64 body alone, or PEM with its markers), and sends
    deliveries the way Gong does: a POST with Content-Type application/json, the body
    {"callData": {...}, "isTest": bool}, and, for a rule that signs, the JWT as the whole value of
    the Authorization header (no "Bearer " prefix), signed RS256, with the claims body_sha256
    (lowercase hex SHA-256 of the exact body sent), webhook_url (the rule's URL), iat and exp.
    Tests make it misbehave through the arguments: another key, another URL, an expired exp, a
    body changed after signing. */
#ifndef FAKE_GONG_HOOK_H
#define FAKE_GONG_HOOK_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

typedef struct fake_gong_hook fake_gong_hook_t;

/* A new key pair. NULL when OpenSSL cannot make one. */
fake_gong_hook_t *fake_gong_hook_new(void);

/* Free it and NULL the pointer; NULL is fine. */
void fake_gong_hook_free(fake_gong_hook_t **self_p);

/* The public key as pasted from the rule editor: PEM with its -----BEGIN/END PUBLIC KEY-----
   lines when `markers`, else only the base64 body on one line. The caller frees it. */
char *fake_gong_hook_public_key(const fake_gong_hook_t *self, bool markers);

/* A token as Gong signs it for `body` (len bytes) sent to `webhook_url` (NULL: no webhook_url
   claim), expiring exp_in_s seconds from now (negative: already expired). The caller frees it
   (free()). NULL on failure. */
char *fake_gong_hook_token(const fake_gong_hook_t *self, const char *body, size_t len,
                           const char *webhook_url, long exp_in_s);

/* Any claims (a JSON object, borrowed), signed RS256 with this key: for tokens Gong would not
   send (no exp, no body_sha256). The caller frees the token (free()); NULL on failure. */
char *fake_gong_hook_sign(const fake_gong_hook_t *self, const json_t *claims);

/* The body Gong sends for a call: {"callData": call, "isTest": is_test}, compact. The caller
   frees it. `call` is an extensive-call object; a "transcript" member, as the replay format
   carries, is left out (webhooks carry none). */
char *fake_gong_hook_payload(const json_t *call, bool is_test);

/* POST `body` (len bytes) to `url` with `authorization` as the Authorization header's value
   (NULL: no header), as Gong does, through libcurl. Returns the HTTP status, or -1 when no
   answer came (connection refused, timeout after 10 s). */
long fake_gong_hook_post(const char *url, const char *authorization, const char *body, size_t len);

#endif
