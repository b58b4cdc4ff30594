/*  cs_gongjwt: see cs_gongjwt.h. */
#include "cs_gongjwt.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "cs_buf.h"
#include "cs_util.h"

#define PEM_BEGIN "-----BEGIN PUBLIC KEY-----"
#define PEM_END   "-----END PUBLIC KEY-----"

/* The base64 body of a pasted key, blanks removed, wrapped at 64 columns between markers. */
static char *s_wrap(const char *pasted, char *err, size_t errlen)
{
    cs_buf_t body = {0};
    for (const char *p = pasted; *p; p++) {
        if (isspace((unsigned char)*p))
            continue;
        if (!isalnum((unsigned char)*p) && *p != '+' && *p != '/' && *p != '=') {
            cs_buf_free(&body);
            cs_fail(err, errlen, "not a public key: '%c' is neither base64 nor a PEM marker", *p);
            return NULL;
        }
        cs_buf_add(&body, p, 1);
    }
    if (body.len == 0) {
        cs_buf_free(&body);
        cs_fail(err, errlen, "the public key is empty");
        return NULL;
    }
    cs_buf_t pem = {0};
    cs_buf_printf(&pem, "%s\n", PEM_BEGIN);
    for (size_t i = 0; i < body.len; i += 64) {
        cs_buf_add(&pem, body.p + i, body.len - i < 64 ? body.len - i : 64);
        cs_buf_add(&pem, "\n", 1);
    }
    cs_buf_printf(&pem, "%s\n", PEM_END);
    cs_buf_free(&body);
    return cs_buf_take(&pem);
}

char *cs_gongjwt_pem(const char *pasted, char *err, size_t errlen)
{
    if (!pasted || strlen(pasted) > CS_GONGJWT_MAX_KEY) {
        cs_fail(err, errlen, "the public key is missing or longer than %u bytes",
                CS_GONGJWT_MAX_KEY);
        return NULL;
    }
    char *pem = strstr(pasted, "-----BEGIN") ? strdup(pasted) : s_wrap(pasted, err, errlen);
    if (!pem)
        return NULL;
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *key = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    bool rsa = key && EVP_PKEY_base_id(key) == EVP_PKEY_RSA;
    EVP_PKEY_free(key);
    if (!rsa) {
        free(pem);
        cs_fail(err, errlen,
                key ? "not an RSA public key (Gong signs with RS256)"
                    : "not a public key OpenSSL can read: paste the key Gong's rule editor shows, "
                      "with or without its -----BEGIN PUBLIC KEY----- lines");
        return NULL;
    }
    return pem;
}

char *cs_gongjwt_pem_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        cs_fail(err, errlen, "--webhook-public-key %s: cannot open it", path);
        return NULL;
    }
    char *text = calloc(1, CS_GONGJWT_MAX_KEY + 2);
    size_t n = text ? fread(text, 1, CS_GONGJWT_MAX_KEY + 1, f) : 0;
    fclose(f);
    char why[256];
    char *pem = NULL;
    if (!text)
        cs_fail(why, sizeof why, "out of memory");
    else if (n > CS_GONGJWT_MAX_KEY)
        cs_fail(why, sizeof why, "longer than %u bytes", CS_GONGJWT_MAX_KEY);
    else if (strlen(text) != n)
        cs_fail(why, sizeof why, "holds a NUL byte: not a pasted key");
    else
        pem = cs_gongjwt_pem(text, why, sizeof why);
    free(text);
    if (!pem)
        cs_fail(err, errlen, "--webhook-public-key %s: %s", path, why);
    return pem;
}

/* The lowercase hex SHA-256 of the body into hex (65 bytes). */
static int s_sha256_hex(const void *body, size_t len, char hex[CS_GONGJWT_HASH_LEN])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(body, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        return -1;
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}

/* Two URLs are the same when they are equal but for a trailing '/' on either. */
static bool s_same_url(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    size_t la = strlen(a), lb = strlen(b);
    if (la > 0 && a[la - 1] == '/')
        la--;
    if (lb > 0 && b[lb - 1] == '/')
        lb--;
    return la == lb && memcmp(a, b, la) == 0;
}

int cs_gongjwt_token(const char *pem, const char *authorization, const char *webhook_url,
                     int64_t now_s, char body_sha256[CS_GONGJWT_HASH_LEN], char *err, size_t errlen)
{
    body_sha256[0] = '\0';
    if (!authorization || !authorization[0])
        return cs_fail(err, errlen, "no Authorization header (the rule signs with a JWT)");
    const char *token = authorization;
    if (strncasecmp(token, "Bearer ", 7) == 0)
        token += 7;
    if (strlen(token) > CS_GONGJWT_MAX_TOKEN)
        return cs_fail(err, errlen, "the Authorization header is longer than %u bytes",
                       CS_GONGJWT_MAX_TOKEN);
    jwt_t *jwt = NULL;
    if (jwt_decode(&jwt, token, (const unsigned char *)pem, (int)strlen(pem)) != 0 || !jwt)
        return cs_fail(err, errlen, "signature does not verify (or the token is malformed)");
    int rc = -1;
    /* libjwt verifies with the alg the token names: anything but RS256 is refused here, so that
       a token "signed" with HS256 and the public key as its secret cannot pass. */
    if (jwt_get_alg(jwt) != JWT_ALG_RS256) {
        cs_fail(err, errlen, "the token is signed with %s, not RS256",
                jwt_alg_str(jwt_get_alg(jwt)));
        goto done;
    }
    const char *claimed = jwt_get_grant(jwt, "body_sha256");
    if (!claimed || strlen(claimed) != CS_GONGJWT_HASH_LEN - 1) {
        cs_fail(err, errlen, "the token has no body_sha256 claim of 64 hex digits");
        goto done;
    }
    const char *url = jwt_get_grant(jwt, "webhook_url");
    if (url && !s_same_url(url, webhook_url)) {
        cs_fail(err, errlen, "the token's webhook_url claim is another URL than --webhook-url");
        goto done;
    }
    errno = 0;
    long exp = jwt_get_grant_int(jwt, "exp");
    if (errno != 0) {
        cs_fail(err, errlen, "the token has no numeric exp claim");
        goto done;
    }
    if ((int64_t)exp + CS_GONGJWT_LEEWAY_S < now_s) {
        cs_fail(err, errlen, "the token expired %lld s ago", (long long)(now_s - exp));
        goto done;
    }
    memcpy(body_sha256, claimed, CS_GONGJWT_HASH_LEN);
    rc = 0;
done:
    jwt_free(jwt);
    return rc;
}

int cs_gongjwt_body(const char body_sha256[CS_GONGJWT_HASH_LEN], const void *body, size_t body_len,
                    char *err, size_t errlen)
{
    char hex[CS_GONGJWT_HASH_LEN];
    if (s_sha256_hex(body, body_len, hex) != 0)
        return cs_fail(err, errlen, "cannot hash the body");
    if (strcmp(body_sha256, hex) != 0)
        return cs_fail(err, errlen, "body_sha256 does not match the body (changed after signing)");
    return 0;
}

int cs_gongjwt_verify(const char *pem, const char *authorization, const void *body, size_t body_len,
                      const char *webhook_url, int64_t now_s, char *err, size_t errlen)
{
    char claimed[CS_GONGJWT_HASH_LEN];
    if (cs_gongjwt_token(pem, authorization, webhook_url, now_s, claimed, err, errlen) != 0)
        return -1;
    return cs_gongjwt_body(claimed, body, body_len, err, errlen);
}
