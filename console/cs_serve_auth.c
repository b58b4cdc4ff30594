/*  The console's sessions: a fixed table in memory, one mutex. A browser logs in once with the
    token and gets a session id (its cookie) and a CSRF token (in every form); both are 32
    random bytes from getrandom(). A restart of `callsift serve` logs everybody out, which is
    the cost of keeping no secret on disk. When the table is full, the session that expires
    first makes room. */
#include "cs_serve_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "cs_log.h"

#define SESSIONS_MAX 512

typedef struct {
    bool used;
    time_t expires;
    cs_serve_session_t s;
} slot_t;

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static slot_t s_slots[SESSIONS_MAX];
static char *s_token;
static int s_seconds = 12 * 3600;

int cs_serve_auth_init(const char *token, int hours, char *err, size_t errlen)
{
    if (!token || strlen(token) < CS_SERVE_TOKEN_MIN) {
        snprintf(err, errlen,
                 "the console needs a token of at least %d characters: set CALLSIFT_UI_TOKEN or "
                 "CALLSIFT_UI_TOKEN_FILE (e.g. openssl rand -hex 24)",
                 CS_SERVE_TOKEN_MIN);
        return -1;
    }
    free(s_token);
    s_token = strdup(token);
    if (!s_token) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s_seconds = hours * 3600;
    return 0;
}

void cs_serve_auth_free(void)
{
    pthread_mutex_lock(&s_lock);
    free(s_token);
    s_token = NULL;
    memset(s_slots, 0, sizeof s_slots);
    pthread_mutex_unlock(&s_lock);
}

bool cs_serve_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = la != lb;
    for (size_t i = 0; i < la; i++)
        diff |= (unsigned char)a[i] ^ (unsigned char)b[lb ? i % lb : 0];
    return diff == 0 && la == lb;
}

bool cs_serve_token_ok(const char *given)
{
    return given && s_token && cs_serve_equal(given, s_token);
}

bool cs_serve_random_hex(char *out, size_t n)
{
    unsigned char raw[64];
    if (n > sizeof raw || getrandom(raw, n, 0) != (ssize_t)n)
        return false;
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    return true;
}

int cs_serve_session_seconds(void)
{
    return s_seconds;
}

/* The slot of live session id, or NULL (s_lock held). */
static slot_t *s_find(const char *id, time_t now)
{
    if (!id || strlen(id) != CS_SERVE_SESSION_HEX)
        return NULL;
    for (int i = 0; i < SESSIONS_MAX; i++) {
        slot_t *sl = &s_slots[i];
        if (sl->used && sl->expires > now && cs_serve_equal(sl->s.id, id))
            return sl;
    }
    return NULL;
}

bool cs_serve_session_get(const char *id, cs_serve_session_t *s)
{
    time_t now = time(NULL);
    pthread_mutex_lock(&s_lock);
    slot_t *sl = s_find(id, now);
    if (sl) {
        *s = sl->s;
        snprintf(s->flash, sizeof s->flash, "%s", sl->s.next_flash);
        s->flash_error = sl->s.next_flash_error;
        sl->s.next_flash[0] = '\0';
        s->next_flash[0] = '\0';
    }
    pthread_mutex_unlock(&s_lock);
    return sl != NULL;
}

void cs_serve_session_put(const cs_serve_session_t *s)
{
    pthread_mutex_lock(&s_lock);
    slot_t *sl = s_find(s->id, time(NULL));
    if (sl) {
        memcpy(sl->s.ws, s->ws, sizeof sl->s.ws);
        if (s->next_flash[0]) {
            memcpy(sl->s.next_flash, s->next_flash, sizeof sl->s.next_flash);
            sl->s.next_flash_error = s->next_flash_error;
        }
    }
    pthread_mutex_unlock(&s_lock);
}

bool cs_serve_session_new(const char *user, cs_serve_session_t *s)
{
    memset(s, 0, sizeof *s);
    if (!cs_serve_random_hex(s->id, CS_SERVE_SESSION_HEX / 2) ||
        !cs_serve_random_hex(s->csrf, CS_SERVE_SESSION_HEX / 2))
        return false;
    snprintf(s->user, sizeof s->user, "%s", user);
    time_t now = time(NULL);
    pthread_mutex_lock(&s_lock);
    slot_t *pick = &s_slots[0];
    for (int i = 0; i < SESSIONS_MAX; i++) {
        slot_t *sl = &s_slots[i];
        if (!sl->used || sl->expires <= now) {
            pick = sl;
            break;
        }
        if (sl->expires < pick->expires)
            pick = sl;
    }
    pick->used = true;
    pick->expires = now + s_seconds;
    pick->s = *s;
    pthread_mutex_unlock(&s_lock);
    return true;
}

void cs_serve_session_drop(const char *id)
{
    pthread_mutex_lock(&s_lock);
    slot_t *sl = s_find(id, time(NULL));
    if (sl)
        memset(sl, 0, sizeof *sl);
    pthread_mutex_unlock(&s_lock);
}

const char *cs_serve_safe_next(const char *next)
{
    if (next && next[0] == '/' && next[1] != '/' && next[1] != '\\' && strlen(next) < 512 &&
        !strpbrk(next, "\r\n"))
        return next;
    return "/features";
}

void cs_serve_login_page(cs_web_resp_t *resp, unsigned status, const char *error, const char *next,
                         const char *login_nonce)
{
    cs_buf_t *b = &resp->body;
    resp->status = status;
    cs_html_raw(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                   "<title>Log in · callsift</title>"
                   "<link rel=\"stylesheet\" href=\"/static/console.css\"></head>"
                   "<body class=\"login\"><main class=\"login-box\"><h1>callsift</h1>"
                   "<p>Log in with the console's token (CALLSIFT_UI_TOKEN). Your name goes on "
                   "every change you make.</p>");
    if (error)
        cs_html(b, "<div class=\"flash error\">%s</div>", error);
    cs_html(b,
            "<form id=\"login\" method=\"post\" action=\"/login\">"
            "<input type=\"hidden\" name=\"login_nonce\" value=\"%s\">"
            "<input type=\"hidden\" name=\"next\" value=\"%s\">"
            "<label>Token <input type=\"password\" name=\"token\" autocomplete=\"current-password\""
            " required autofocus></label>"
            "<label>Your name <input type=\"text\" name=\"name\" maxlength=\"%d\" required></label>"
            "<button type=\"submit\">Log in</button></form></main></body></html>\n",
            login_nonce, cs_serve_safe_next(next), CS_SERVE_NAME_MAX);
}
