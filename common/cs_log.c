#define _GNU_SOURCE /* strcasestr */
#include "cs_log.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "cs_text.h"

#define MAX_SECRETS    32
#define MAX_LIMITS     32
#define LINE_MAX_BYTES 16384
static const char MASK[] = "****";

static struct {
    const char *stage;
    bool json;
    cs_log_level_t level;
    FILE *stream;
    char *secrets[MAX_SECRETS];
    int nsecrets;
    pthread_mutex_t lock;
} s_log = {.stage = "callsift", .level = CS_LOG_INFO, .lock = PTHREAD_MUTEX_INITIALIZER};

/* The kinds of limited lines seen so far; keys are borrowed string literals. */
static struct {
    const char *keys[MAX_LIMITS];
    cs_log_limit_t limits[MAX_LIMITS];
    int n;
    pthread_mutex_t lock;
} s_limits = {.lock = PTHREAD_MUTEX_INITIALIZER};

static const char *const LEVEL_NAMES[] = {"DEBUG", "INFO", "WARNING", "ERROR"};

void cs_log_init(const char *stage)
{
    s_log.stage = stage;
}

int cs_log_set_format(const char *name)
{
    if (name && strcasecmp(name, "text") == 0)
        s_log.json = false;
    else if (name && strcasecmp(name, "json") == 0)
        s_log.json = true;
    else
        return -1;
    return 0;
}

int cs_log_set_level_name(const char *name)
{
    for (int i = 0; name && i < 4; i++) {
        if (strcasecmp(name, LEVEL_NAMES[i]) == 0) {
            s_log.level = (cs_log_level_t)i;
            return 0;
        }
    }
    if (name && strcasecmp(name, "warn") == 0) {
        s_log.level = CS_LOG_WARNING;
        return 0;
    }
    return -1;
}

void cs_log_set_level(cs_log_level_t level)
{
    s_log.level = level;
}

cs_log_level_t cs_log_level(void)
{
    return s_log.level;
}

void cs_log_set_stream(FILE *stream)
{
    s_log.stream = stream;
}

void cs_log_add_secret(const char *secret)
{
    if (!secret || strlen(secret) < 4)
        return;
    pthread_mutex_lock(&s_log.lock);
    bool known = false;
    for (int i = 0; i < s_log.nsecrets; i++)
        known = known || strcmp(s_log.secrets[i], secret) == 0;
    if (!known && s_log.nsecrets < MAX_SECRETS)
        s_log.secrets[s_log.nsecrets++] = strdup(secret);
    pthread_mutex_unlock(&s_log.lock);
}

void cs_log_reset(void)
{
    pthread_mutex_lock(&s_log.lock);
    for (int i = 0; i < s_log.nsecrets; i++)
        free(s_log.secrets[i]);
    s_log.nsecrets = 0;
    s_log.json = false;
    s_log.level = CS_LOG_INFO;
    s_log.stream = NULL;
    s_log.stage = "callsift";
    pthread_mutex_unlock(&s_log.lock);
    pthread_mutex_lock(&s_limits.lock);
    s_limits.n = 0;
    pthread_mutex_unlock(&s_limits.lock);
}

/* Replace buf[start, end) with MASK, keeping the string NUL-terminated within bufsize. */
static size_t s_mask(char *buf, size_t bufsize, size_t start, size_t end)
{
    size_t len = strlen(buf);
    size_t masklen = sizeof MASK - 1;
    size_t tail = len - end;
    if (start + masklen >= bufsize) { /* no room for the mask: cut the line here */
        buf[start] = '\0';
        return start;
    }
    if (start + masklen + tail >= bufsize)
        tail = bufsize - 1 - start - masklen; /* a masked line only ever shrinks or grows by <4 */
    memmove(buf + start + masklen, buf + end, tail);
    memcpy(buf + start, MASK, masklen);
    buf[start + masklen + tail] = '\0';
    return start + masklen;
}

/* scheme://user:PASSWORD@host  ->  scheme://user:****@host */
static void s_redact_urls(char *buf, size_t bufsize)
{
    char *p = buf;
    while ((p = strstr(p, "://")) != NULL) {
        char *auth = p + 3;
        size_t span = strcspn(auth, "/?#@ \t\"'");
        if (auth[span] != '@') {
            p = auth;
            continue;
        }
        char *colon = memchr(auth, ':', span);
        if (!colon || colon + 1 == auth + span) {
            p = auth + span;
            continue;
        }
        size_t next = s_mask(buf, bufsize, (size_t)(colon + 1 - buf), (size_t)(auth + span - buf));
        p = buf + next;
    }
}

/* password=VALUE in libpq conninfo strings and query strings */
static void s_redact_keywords(char *buf, size_t bufsize)
{
    static const char *const keys[] = {"password=", "passwd=", "secret=", "token="};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        char *p = buf;
        while ((p = strcasestr(p, keys[k])) != NULL) {
            size_t start = (size_t)(p - buf) + strlen(keys[k]);
            size_t end = start + strcspn(buf + start, " &;\t\"'");
            if (end == start || strncmp(buf + start, MASK, end - start) == 0) {
                p = buf + end;
                continue;
            }
            p = buf + s_mask(buf, bufsize, start, end);
        }
    }
}

void cs_log_redact(char *buf, size_t bufsize)
{
    pthread_mutex_lock(&s_log.lock);
    for (int i = 0; i < s_log.nsecrets; i++) {
        const char *secret = s_log.secrets[i];
        size_t slen = strlen(secret);
        char *p = buf;
        while ((p = strstr(p, secret)) != NULL)
            p = buf + s_mask(buf, bufsize, (size_t)(p - buf), (size_t)(p - buf) + slen);
    }
    pthread_mutex_unlock(&s_log.lock);
    s_redact_urls(buf, bufsize);
    s_redact_keywords(buf, bufsize);
}

char *cs_log_escape(const char *in, char *out, size_t outlen)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p;) {
        char esc[8];
        size_t n;
        const char *piece = esc;
        if (*p == '\n' || *p == '\r' || *p == '\t') {
            esc[0] = '\\';
            esc[1] = *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't';
            n = 2;
            p++;
        } else if (*p < 0x20 || *p == 0x7f) {
            n = (size_t)snprintf(esc, sizeof esc, "\\x%02x", *p);
            p++;
        } else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) { /* C1: U+0080..U+009F */
            n = (size_t)snprintf(esc, sizeof esc, "\\u00%02x", p[1]);
            p += 2;
        } else {
            n = cs_text_utf8_seq_len(*p);
            for (size_t k = 1; k < n; k++)
                if ((p[k] & 0xc0) != 0x80)
                    n = 1; /* not a whole sequence: copy the byte alone */
            piece = (const char *)p;
            p += n;
        }
        if (o + n >= outlen)
            break; /* only whole characters and whole escapes */
        memcpy(out + o, piece, n);
        o += n;
    }
    out[o] = '\0';
    return out;
}

static void s_vlog(cs_log_level_t level, const char *suffix, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

void cs_log(cs_log_level_t level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vlog(level, NULL, fmt, ap);
    va_end(ap);
}

bool cs_log_limit_pass(cs_log_limit_t *limit, int64_t now_ms, long *suppressed)
{
    if (limit->written >= CS_LOG_LIMIT_BURST && now_ms - limit->last_ms < CS_LOG_LIMIT_EVERY_MS) {
        limit->suppressed++;
        return false;
    }
    if (suppressed)
        *suppressed = limit->suppressed;
    limit->suppressed = 0;
    limit->written++;
    limit->last_ms = now_ms;
    return true;
}

static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cs_log_limited(const char *key, cs_log_level_t level, const char *fmt, ...)
{
    if (level < s_log.level)
        return;
    long suppressed = 0;
    int64_t since_ms = 0;
    pthread_mutex_lock(&s_limits.lock);
    int i = 0;
    while (i < s_limits.n && strcmp(s_limits.keys[i], key) != 0)
        i++;
    if (i == s_limits.n && i < MAX_LIMITS) {
        s_limits.keys[i] = key;
        s_limits.limits[i] = (cs_log_limit_t){0};
        s_limits.n++;
    }
    bool pass = true;
    if (i < MAX_LIMITS) {
        int64_t now = s_now_ms();
        since_ms = now - s_limits.limits[i].last_ms;
        pass = cs_log_limit_pass(&s_limits.limits[i], now, &suppressed);
    }
    pthread_mutex_unlock(&s_limits.lock);
    if (!pass)
        return;
    char suffix[96] = "";
    if (suppressed > 0)
        snprintf(suffix, sizeof suffix, " (%ld like it not logged in the last %lld s)", suppressed,
                 (long long)((since_ms + 999) / 1000));
    va_list ap;
    va_start(ap, fmt);
    s_vlog(level, suffix, fmt, ap);
    va_end(ap);
}

static void s_vlog(cs_log_level_t level, const char *suffix, const char *fmt, va_list ap)
{
    if (level < s_log.level)
        return;
    char msg[LINE_MAX_BYTES];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (suffix && suffix[0]) {
        size_t len = strlen(msg), slen = strlen(suffix);
        if (len + slen >= sizeof msg)
            len = sizeof msg - 1 - slen;
        memcpy(msg + len, suffix, slen + 1);
    }
    cs_log_redact(msg, sizeof msg);

    time_t now = time(NULL);
    struct tm tm;
    char stamp[32];
    FILE *out = s_log.stream ? s_log.stream : stderr;
    if (s_log.json) {
        gmtime_r(&now, &tm);
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
        json_t *line = json_pack("{s:s, s:s, s:s, s:s}", "time", stamp, "level", LEVEL_NAMES[level],
                                 "stage", s_log.stage, "msg", msg);
        /* msg may hold invalid UTF-8 (a transcript cut mid-character): fall back to a note */
        if (!line)
            line = json_pack("{s:s, s:s, s:s, s:s}", "time", stamp, "level", LEVEL_NAMES[level],
                             "stage", s_log.stage, "msg", "(log message was not valid UTF-8)");
        char *text = json_dumps(line, JSON_COMPACT | JSON_ENSURE_ASCII);
        flockfile(out);
        fprintf(out, "%s\n", text ? text : "{}");
        funlockfile(out);
        free(text);
        json_decref(line);
    } else {
        localtime_r(&now, &tm);
        strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
        char line[LINE_MAX_BYTES];
        cs_log_escape(msg, line, sizeof line);
        flockfile(out);
        fprintf(out, "%s - %s - %s\n", stamp, LEVEL_NAMES[level], line);
        funlockfile(out);
    }
    fflush(out);
}
