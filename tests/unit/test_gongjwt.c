/* cs_gongjwt: Gong's signed webhook JWT, checked against tokens made by fake_gong_hook (a real
   RSA key pair and libjwt, as Gong signs them) and against forgeries. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jwt.h>

#include "cs_gongjwt.h"
#include "cs_util.h"
#include "fake_gong_hook.h"

#define URL  "https://callsift.example.com/gong/webhook"
#define BODY "{\"callData\":{\"metaData\":{\"id\":\"42\"}},\"isTest\":false}"

static fake_gong_hook_t *s_gong;
static char *s_pem;

static void setup(void)
{
    s_gong = fake_gong_hook_new();
    cr_assert(s_gong);
    char err[256];
    char *pasted = fake_gong_hook_public_key(s_gong, false);
    s_pem = cs_gongjwt_pem(pasted, err, sizeof err);
    free(pasted);
    cr_assert(s_pem, "%s", err);
}

static void teardown(void)
{
    free(s_pem);
    fake_gong_hook_free(&s_gong);
}

TestSuite(gongjwt, .init = setup, .fini = teardown);

/* cs_gongjwt_verify of `token` for BODY on URL now; err gets the reason. */
static int verify(const char *token, const char *body, char *err, size_t errlen)
{
    return cs_gongjwt_verify(s_pem, token, body, strlen(body), URL, (int64_t)time(NULL), err,
                             errlen);
}

Test(gongjwt, a_token_as_gong_signs_it_is_accepted)
{
    char *token = fake_gong_hook_token(s_gong, BODY, strlen(BODY), URL, 300);
    char err[256] = "";
    cr_assert_eq(verify(token, BODY, err, sizeof err), 0, "%s", err);
    /* a "Bearer " prefix is tolerated, though Gong sends none */
    char *bearer = cs_strdup_printf("Bearer %s", token);
    cr_assert_eq(verify(bearer, BODY, err, sizeof err), 0, "%s", err);
    free(bearer);
    free(token);
}

Test(gongjwt, the_key_is_taken_with_or_without_its_pem_lines)
{
    char err[256];
    char *with = fake_gong_hook_public_key(s_gong, true);
    char *pem = cs_gongjwt_pem(with, err, sizeof err);
    cr_assert(pem, "%s", err);
    /* the base64 body broken over lines with blanks around, as a paste may come */
    char *bare = fake_gong_hook_public_key(s_gong, false);
    char spaced[4096];
    size_t n = 0, len = strlen(bare);
    spaced[n++] = ' ';
    for (size_t i = 0; i < len; i++) {
        spaced[n++] = bare[i];
        if (i % 50 == 49)
            spaced[n++] = '\n';
    }
    spaced[n++] = '\n';
    spaced[n] = '\0';
    char *pem2 = cs_gongjwt_pem(spaced, err, sizeof err);
    cr_assert(pem2, "%s", err);
    char *token = fake_gong_hook_token(s_gong, BODY, strlen(BODY), URL, 300);
    cr_assert_eq(
        cs_gongjwt_verify(pem, token, BODY, strlen(BODY), URL, time(NULL), err, sizeof err), 0,
        "%s", err);
    cr_assert_eq(
        cs_gongjwt_verify(pem2, token, BODY, strlen(BODY), URL, time(NULL), err, sizeof err), 0,
        "%s", err);
    free(token);
    free(pem);
    free(pem2);
    free(with);
    free(bare);
}

Test(gongjwt, keys_that_are_not_rsa_public_keys_are_refused)
{
    char err[256];
    cr_assert_null(cs_gongjwt_pem("", err, sizeof err));
    cr_assert_null(cs_gongjwt_pem("not a key at all!", err, sizeof err));
    cr_assert_null(cs_gongjwt_pem("QUJDREVGRw==", err, sizeof err));
    cr_assert(strstr(err, "not a public key"), "%s", err);
    /* an EC key is a public key, but Gong signs with RS256 */
    const char *ec = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEoBUyo8CQAFPeYPvv78ylh5MwFZjT"
                     "CLQeb042TjiMJxG+9DLFmRSMlBQ9T/RsLLc+PmpB1+7yPAR+oR5gZn3kJQ==";
    cr_assert_null(cs_gongjwt_pem(ec, err, sizeof err));
    cr_assert(strstr(err, "RSA"), "%s", err);
}

Test(gongjwt, a_token_signed_by_another_key_is_refused)
{
    fake_gong_hook_t *other = fake_gong_hook_new();
    char *token = fake_gong_hook_token(other, BODY, strlen(BODY), URL, 300);
    char err[256];
    cr_assert_eq(verify(token, BODY, err, sizeof err), -1);
    cr_assert(strstr(err, "signature"), "%s", err);
    cr_assert_null(strstr(err, token));
    free(token);
    fake_gong_hook_free(&other);
}

Test(gongjwt, a_body_changed_after_signing_is_refused)
{
    char *token = fake_gong_hook_token(s_gong, BODY, strlen(BODY), URL, 300);
    const char *changed = "{\"callData\":{\"metaData\":{\"id\":\"43\"}},\"isTest\":false}";
    char err[256];
    cr_assert_eq(verify(token, changed, err, sizeof err), -1);
    cr_assert(strstr(err, "body_sha256"), "%s", err);
    free(token);
}

Test(gongjwt, a_token_for_another_url_is_refused_and_one_without_the_claim_accepted)
{
    char *token =
        fake_gong_hook_token(s_gong, BODY, strlen(BODY), "https://evil.example.com/hook", 300);
    char err[256];
    cr_assert_eq(verify(token, BODY, err, sizeof err), -1);
    cr_assert(strstr(err, "webhook_url"), "%s", err);
    free(token);
    token = fake_gong_hook_token(s_gong, BODY, strlen(BODY), NULL, 300);
    cr_assert_eq(verify(token, BODY, err, sizeof err), 0, "%s", err);
    free(token);
    /* a trailing '/' is not another URL, a longer path is */
    token = fake_gong_hook_token(s_gong, BODY, strlen(BODY), URL "/", 300);
    cr_assert_eq(verify(token, BODY, err, sizeof err), 0, "%s", err);
    free(token);
    token = fake_gong_hook_token(s_gong, BODY, strlen(BODY), URL "/x", 300);
    cr_assert_eq(verify(token, BODY, err, sizeof err), -1);
    free(token);
}

Test(gongjwt, an_expired_token_is_refused)
{
    char *token = fake_gong_hook_token(s_gong, BODY, strlen(BODY), URL, -3600);
    char err[256];
    cr_assert_eq(verify(token, BODY, err, sizeof err), -1);
    cr_assert(strstr(err, "expired"), "%s", err);
    free(token);
    /* within the clock-skew leeway it passes */
    token = fake_gong_hook_token(s_gong, BODY, strlen(BODY), URL, -(CS_GONGJWT_LEEWAY_S / 2));
    cr_assert_eq(verify(token, BODY, err, sizeof err), 0, "%s", err);
    free(token);
}

/* A token with these claims and alg, "signed" with key (NULL for none). */
static char *forge(jwt_alg_t alg, const char *key, bool with_exp, bool with_hash)
{
    jwt_t *jwt = NULL;
    cr_assert_eq(jwt_new(&jwt), 0);
    if (with_hash) {
        char *good = fake_gong_hook_token(s_gong, BODY, strlen(BODY), URL, 300);
        jwt_t *g = NULL;
        cr_assert_eq(jwt_decode(&g, good, NULL, 0), 0);
        jwt_add_grant(jwt, "body_sha256", jwt_get_grant(g, "body_sha256"));
        jwt_free(g);
        free(good);
    }
    if (with_exp)
        jwt_add_grant_int(jwt, "exp", (long)time(NULL) + 300);
    cr_assert_eq(jwt_set_alg(jwt, alg, (const unsigned char *)key, key ? (int)strlen(key) : 0), 0);
    char *token = jwt_encode_str(jwt);
    jwt_free(jwt);
    return token;
}

Test(gongjwt, forged_algorithms_are_refused)
{
    char err[256];
    /* alg none: no signature at all */
    char *none = forge(JWT_ALG_NONE, NULL, true, true);
    cr_assert_eq(verify(none, BODY, err, sizeof err), -1);
    free(none);
    /* HS256 with the public key (which anyone may know) as the HMAC secret */
    char *hs = forge(JWT_ALG_HS256, s_pem, true, true);
    cr_assert_eq(verify(hs, BODY, err, sizeof err), -1);
    free(hs);
}

Test(gongjwt, missing_claims_and_headers_are_refused)
{
    char err[256];
    cr_assert_eq(verify(NULL, BODY, err, sizeof err), -1);
    cr_assert(strstr(err, "no Authorization"), "%s", err);
    cr_assert_eq(verify("", BODY, err, sizeof err), -1);
    cr_assert_eq(verify("garbage.not.a-token", BODY, err, sizeof err), -1);
    /* signed by Gong's key, but without exp, or without body_sha256 */
    char *good = fake_gong_hook_token(s_gong, BODY, strlen(BODY), URL, 300);
    jwt_t *g = NULL;
    cr_assert_eq(jwt_decode(&g, good, NULL, 0), 0);
    json_t *no_exp = json_pack("{s:s}", "body_sha256", jwt_get_grant(g, "body_sha256"));
    json_t *no_hash = json_pack("{s:I}", "exp", (json_int_t)time(NULL) + 300);
    jwt_free(g);
    free(good);
    char *t1 = fake_gong_hook_sign(s_gong, no_exp);
    cr_assert_eq(verify(t1, BODY, err, sizeof err), -1);
    cr_assert(strstr(err, "exp"), "%s", err);
    char *t2 = fake_gong_hook_sign(s_gong, no_hash);
    cr_assert_eq(verify(t2, BODY, err, sizeof err), -1);
    cr_assert(strstr(err, "body_sha256"), "%s", err);
    free(t1);
    free(t2);
    json_decref(no_exp);
    json_decref(no_hash);
}
