/*  cs_gongjwt: the signed JWT that Gong sends with a webhook when its automation rule uses
    "Signed JWT header".

    Gong puts the token in the Authorization header as the whole value (no "Bearer " prefix;
    one is tolerated). It is signed with RS256 by Gong's private key; the public key is shown in
    the rule editor, and people paste it with or without the PEM markers. A token is accepted
    only when all of these hold:
      - its header's alg is RS256 and the signature verifies with the public key (libjwt over
        OpenSSL; any other alg, "none" and HS256 included, is refused);
      - its body_sha256 claim equals the lowercase hex SHA-256 of the raw request body, so a body
        changed after signing is refused;
      - its webhook_url claim, when present, equals the public URL configured for the listener
        (a trailing '/' on either aside), so a token made for another receiver is refused;
      - its exp claim is present and has not passed (CS_GONGJWT_LEEWAY_S of clock skew allowed).
    No crypto is written here: signatures are libjwt's, digests and key parsing OpenSSL's. */
#ifndef CS_GONGJWT_H
#define CS_GONGJWT_H

#include <stddef.h>
#include <stdint.h>

#define CS_GONGJWT_LEEWAY_S  60          /* seconds an exp may lie in the past (clock skew) */
#define CS_GONGJWT_MAX_TOKEN (16u << 10) /* bytes of an Authorization header read as a token */
#define CS_GONGJWT_MAX_KEY   (16u << 10) /* bytes of a pasted public key */

/* The public key as pasted (`pasted`: PEM text, or only its base64 body, with any line breaks
   and blanks) as PEM text with markers, checked by OpenSSL to be an RSA public key. Returns a
   new string the caller frees, or NULL with the reason in err ("not an RSA public key: ..."). */
char *cs_gongjwt_pem(const char *pasted, char *err, size_t errlen);

/* cs_gongjwt_pem of the text in the file at `path`; errors start with
   "--webhook-public-key PATH: ". */
char *cs_gongjwt_pem_file(const char *path, char *err, size_t errlen);

/* The lowercase hex SHA-256 of a body, what a body_sha256 claim holds (65 bytes). */
#define CS_GONGJWT_HASH_LEN 65

/* Check `authorization` (the header's value, NULL when absent) of a request received on
   `webhook_url` at `now_s` (seconds since the epoch) against `pem` (from cs_gongjwt_pem): the
   alg, the signature, the webhook_url claim and exp, all of which come before the body. The
   body_sha256 claim goes to `body_sha256` for cs_gongjwt_body once the body is in. Returns 0;
   or -1 with a one-line reason in err ("no Authorization header", "signature does not verify",
   "the token's webhook_url claim is another URL than --webhook-url", "the token expired 120 s
   ago", ...). The reason never repeats the token. */
int cs_gongjwt_token(const char *pem, const char *authorization, const char *webhook_url,
                     int64_t now_s, char body_sha256[CS_GONGJWT_HASH_LEN], char *err,
                     size_t errlen);

/* 0 when body[0..body_len) hashes to `body_sha256` (cs_gongjwt_token's); -1 with "body_sha256
   does not match the body (changed after signing)" in err otherwise. */
int cs_gongjwt_body(const char body_sha256[CS_GONGJWT_HASH_LEN], const void *body, size_t body_len,
                    char *err, size_t errlen);

/* cs_gongjwt_token, then cs_gongjwt_body: the whole check of one delivery. */
int cs_gongjwt_verify(const char *pem, const char *authorization, const void *body, size_t body_len,
                      const char *webhook_url, int64_t now_s, char *err, size_t errlen);

#endif
