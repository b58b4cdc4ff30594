/*  What cs_serve.c (the HTTP server), cs_serve_auth.c (login, sessions, CSRF) and cs_web.c (the
    page API) share. Not for pages: they see cs_web.h only. */
#ifndef CS_SERVE_INTERNAL_H
#define CS_SERVE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "cs_web.h"

#define CS_SERVE_NAME_MAX    200  /* characters of the name given at login (as curation's --by) */
#define CS_SERVE_SESSION_HEX 64   /* a session id and a CSRF token: 32 random bytes in hex */
#define CS_SERVE_FLASH_MAX   1024 /* bytes of a flash message */

struct cs_web_args {
    size_t n;
    struct {
        char *name, *value;
    } v[1024]; /* the first 1024 arguments (a split form checks many calls); more are ignored */
};

/* The session a request came with, copied out of the store when the request began. */
typedef struct {
    char id[CS_SERVE_SESSION_HEX + 1];
    char csrf[CS_SERVE_SESSION_HEX + 1];
    char user[4 * CS_SERVE_NAME_MAX + 1];
    char ws[CS_UUID_LEN];
    char flash[CS_SERVE_FLASH_MAX]; /* the message to show on this request's page */
    bool flash_error;
    char next_flash[CS_SERVE_FLASH_MAX]; /* set by an action: shown by the next page */
    bool next_flash_error;
    bool bearer; /* an API client with the token: no cookie, no CSRF, no stored session */
} cs_serve_session_t;

/* ---- arguments (cs_web.c) ---- */

/* Add a copy of name=value; false when out of memory or full. */
bool cs_web_args_add(cs_web_args_t *a, const char *name, size_t namelen, const char *value,
                     size_t valuelen);
/* Parse an application/x-www-form-urlencoded body (or query string) into a. */
void cs_web_args_parse(cs_web_args_t *a, const char *text, size_t len);
void cs_web_args_free(cs_web_args_t *a);

/* ---- sessions (cs_serve_auth.c) ---- */

/* Set the token the console accepts (copied); sessions last `hours`. 0, or -1 with the reason
   (a token shorter than CS_SERVE_TOKEN_MIN). */
#define CS_SERVE_TOKEN_MIN 16
int cs_serve_auth_init(const char *token, int hours, char *err, size_t errlen);
void cs_serve_auth_free(void);

/* True when `given` is the token (compared in constant time). */
bool cs_serve_token_ok(const char *given);

/* Copy the live session `id` into s: true when it exists and has not expired; its pending
   flash message moves into s->flash. */
bool cs_serve_session_get(const char *id, cs_serve_session_t *s);

/* Write back what a request changed in its session (the workspace, the next flash message). */
void cs_serve_session_put(const cs_serve_session_t *s);

/* Start a session for `user`: its id and CSRF token into s. false when out of randomness. */
bool cs_serve_session_new(const char *user, cs_serve_session_t *s);
void cs_serve_session_drop(const char *id);

/* How long a session lasts, in seconds (for the cookie's Max-Age). */
int cs_serve_session_seconds(void);

/* n random bytes as 2n hex characters into out (2n + 1 bytes). */
bool cs_serve_random_hex(char *out, size_t n);

/* True when a and b are equal strings, in time that depends on their lengths only. */
bool cs_serve_equal(const char *a, const char *b);

/* The login page (status 401 unless given another) with an optional error message and the
   path to go to after login (a local path; anything else becomes /features). login_nonce is
   the value of the cs_login cookie the response sets. */
void cs_serve_login_page(cs_web_resp_t *resp, unsigned status, const char *error, const char *next,
                         const char *login_nonce);

/* A local path to go to after login: `next` when it is "/..." and not "//...", else
   "/features". */
const char *cs_serve_safe_next(const char *next);

#endif
