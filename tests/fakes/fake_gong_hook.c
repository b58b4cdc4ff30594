/*  fake_gong_hook: see fake_gong_hook.h. */
#include "fake_gong_hook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "cs_util.h"

struct fake_gong_hook {
    char *private_pem;
    char *public_pem;
};

/* What a memory BIO holds, as a new string. */
static char *s_bio_text(BIO *bio)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    char *out = n > 0 ? malloc((size_t)n + 1) : NULL;
    if (out) {
        memcpy(out, data, (size_t)n);
        out[n] = '\0';
    }
    return out;
}

fake_gong_hook_t *fake_gong_hook_new(void)
{
    EVP_PKEY *key = EVP_RSA_gen(2048);
    fake_gong_hook_t *self = key ? calloc(1, sizeof *self) : NULL;
    BIO *priv = BIO_new(BIO_s_mem()), *pub = BIO_new(BIO_s_mem());
    if (self && priv && pub &&
        PEM_write_bio_PrivateKey(priv, key, NULL, NULL, 0, NULL, NULL) == 1 &&
        PEM_write_bio_PUBKEY(pub, key) == 1) {
        self->private_pem = s_bio_text(priv);
        self->public_pem = s_bio_text(pub);
    }
    BIO_free(priv);
    BIO_free(pub);
    EVP_PKEY_free(key);
    if (self && (!self->private_pem || !self->public_pem))
        fake_gong_hook_free(&self);
    return self;
}

void fake_gong_hook_free(fake_gong_hook_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->private_pem);
    free((*self_p)->public_pem);
    free(*self_p);
    *self_p = NULL;
}

char *fake_gong_hook_public_key(const fake_gong_hook_t *self, bool markers)
{
    if (markers)
        return strdup(self->public_pem);
    char *out = calloc(1, strlen(self->public_pem) + 1);
    size_t n = 0;
    for (const char *line = self->public_pem; out && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (strncmp(line, "-----", 5) != 0) {
            memcpy(out + n, line, len);
            n += len;
        }
        line += len + (end ? 1 : 0);
    }
    return out;
}

char *fake_gong_hook_sign(const fake_gong_hook_t *self, const json_t *claims)
{
    char *text = json_dumps(claims, JSON_COMPACT);
    jwt_t *jwt = NULL;
    char *token = NULL;
    if (text && jwt_new(&jwt) == 0 && jwt_add_grants_json(jwt, text) == 0 &&
        jwt_set_alg(jwt, JWT_ALG_RS256, (const unsigned char *)self->private_pem,
                    (int)strlen(self->private_pem)) == 0)
        token = jwt_encode_str(jwt);
    jwt_free(jwt);
    free(text);
    return token;
}

char *fake_gong_hook_token(const fake_gong_hook_t *self, const char *body, size_t len,
                           const char *webhook_url, long exp_in_s)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1] = "";
    if (EVP_Digest(body, len, md, &mdlen, EVP_sha256(), NULL) != 1)
        return NULL;
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    long now = (long)time(NULL);
    json_t *claims = json_pack("{s:s, s:I, s:I}", "body_sha256", hex, "iat", (json_int_t)now, "exp",
                               (json_int_t)(now + exp_in_s));
    if (claims && webhook_url)
        json_object_set_new(claims, "webhook_url", json_string(webhook_url));
    char *token = claims ? fake_gong_hook_sign(self, claims) : NULL;
    json_decref(claims);
    return token;
}

char *fake_gong_hook_payload(const json_t *call, bool is_test)
{
    json_t *data = json_deep_copy(call);
    json_object_del(data, "transcript");
    json_t *payload = json_pack("{s:o, s:b}", "callData", data, "isTest", is_test);
    char *text = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
    json_decref(payload);
    return text;
}

static size_t s_discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    (void)ptr, (void)userdata;
    return size * nmemb;
}

long fake_gong_hook_post(const char *url, const char *authorization, const char *body, size_t len)
{
    CURL *curl = curl_easy_init();
    if (!curl)
        return -1;
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    char *auth = authorization ? cs_strdup_printf("Authorization: %s", authorization) : NULL;
    if (auth)
        headers = curl_slist_append(headers, auth);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_discard);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    long status = -1;
    if (curl_easy_perform(curl) == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    free(auth);
    curl_easy_cleanup(curl);
    return status;
}
