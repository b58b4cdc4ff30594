#include "cs_util.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <czmq.h>

static volatile sig_atomic_t s_stop;

int64_t cs_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t cs_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cs_stop_request(void)
{
    s_stop = 1;
}

bool cs_stop_requested(void)
{
    return s_stop != 0;
}

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

void cs_signals_install(void)
{
    /* czmq would install its own handler on first use; keep ours. */
    zsys_handler_set(NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int cs_sleep_ms(int64_t ms)
{
    int64_t deadline = cs_now_ms() + ms;
    while (!cs_stop_requested()) {
        int64_t left = deadline - cs_now_ms();
        if (left <= 0)
            return 0;
        if (left > 50)
            left = 50;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = left * 1000000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* xorshift64*, seeded from the clock and pid: jitter only needs to differ between processes. */
static uint64_t s_rand(void)
{
    static uint64_t state;
    if (state == 0)
        state =
            (uint64_t)cs_wall_ms() * 2654435761u ^ (uint64_t)getpid() << 32 ^ 0x9e3779b97f4a7c15u;
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 2685821657736338717u;
}

int64_t cs_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms)
{
    if (attempt < 0)
        attempt = 0;
    if (attempt > 30)
        attempt = 30;
    int64_t ceiling = base_ms << attempt;
    if (ceiling > cap_ms || ceiling <= 0)
        ceiling = cap_ms;
    int64_t floor = base_ms / 2;
    if (ceiling <= floor)
        return floor;
    return floor + (int64_t)(s_rand() % (uint64_t)(ceiling - floor + 1));
}

void cs_iso8601(int64_t epoch_ms, char *out, size_t outlen)
{
    time_t secs = (time_t)(epoch_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int cs_strlcpy(char *dst, const char *src, size_t dstlen)
{
    if (dstlen == 0)
        return -1;
    size_t n = strlen(src);
    if (n >= dstlen) {
        memcpy(dst, src, dstlen - 1);
        dst[dstlen - 1] = '\0';
        return -1;
    }
    memcpy(dst, src, n + 1);
    return 0;
}

int cs_fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

void cs_free_secret(char *secret)
{
    if (!secret)
        return;
    for (volatile char *p = secret; *p; p++)
        *p = '\0';
    free(secret);
}

char *cs_strdup_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *out = malloc((size_t)n + 1);
    if (!out)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(out, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return out;
}

char *cs_name_key(const char *name)
{
    const unsigned char *p = (const unsigned char *)(name ? name : "");
    char *out = malloc(strlen((const char *)p) + 1), *o = out;
    if (!out)
        return NULL;
    bool gap = false;
    for (; *p; p++) {
        if (isalnum(*p) || *p >= 0x80) {
            if (gap && o > out)
                *o++ = ' ';
            *o++ = (char)tolower(*p);
            gap = false;
        } else {
            gap = true;
        }
    }
    *o = '\0';
    return out;
}
