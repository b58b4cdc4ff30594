/*  fake_http: what the fake HTTP servers do alike (see fake_http.h). */
#include "fake_http.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

int fake_body_add(fake_body_t *b, const char *data, size_t n, size_t cap)
{
    if (!b->too_big && b->len + n > cap) {
        b->too_big = true;
        free(b->body);
        b->body = NULL;
        b->len = 0;
    }
    if (b->too_big)
        return 0;
    char *grown = realloc(b->body, b->len + n);
    if (!grown)
        return -1;
    memcpy(grown + b->len, data, n);
    b->body = grown;
    b->len += n;
    return 0;
}

void fake_body_free(fake_body_t *b)
{
    free(b->body);
    b->body = NULL;
    b->len = 0;
}

/* A body that is sent only up to `cut`, then the connection is dropped. */
typedef struct {
    char *text;
    size_t cut;
} s_cut_t;

static ssize_t s_cut_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    s_cut_t *cut = cls;
    if (pos >= cut->cut)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = cut->cut - (size_t)pos;
    if (n > max)
        n = max;
    memcpy(buf, cut->text + pos, n);
    return (ssize_t)n;
}

static void s_cut_free(void *cls)
{
    s_cut_t *cut = cls;
    free(cut->text);
    free(cut);
}

struct MHD_Response *fake_http_cut_response(char *text)
{
    s_cut_t *cut = text ? calloc(1, sizeof *cut) : NULL;
    if (!cut) {
        free(text);
        return NULL;
    }
    cut->text = text;
    size_t len = strlen(text);
    cut->cut = len / 2;
    struct MHD_Response *resp =
        MHD_create_response_from_callback(len, 4096, s_cut_reader, cut, s_cut_free);
    if (!resp)
        s_cut_free(cut);
    return resp;
}

void fake_http_cond_init(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
}

void fake_http_wait(pthread_mutex_t *lock, pthread_cond_t *wake, const bool *stopping, int ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (long)(ms % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(lock);
    while (!*stopping)
        if (pthread_cond_timedwait(wake, lock, &deadline) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(lock);
}
