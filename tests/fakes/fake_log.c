#include "fake_log.h"

#include <stdlib.h>
#include <string.h>

struct fake_logged {
    fake_request_t pub;
    char *method;
    char *path;
    char *authorization;
    json_t *body;
    fake_logged_t *retired_next;
};

static void s_entry_free(fake_logged_t *e)
{
    free(e->method);
    free(e->path);
    free(e->authorization);
    json_decref(e->body);
    free(e);
}

void fake_log_init(fake_log_t *log)
{
    memset(log, 0, sizeof *log);
    pthread_mutex_init(&log->lock, NULL);
}

/* Move the entries to the retired list. The caller holds the lock. */
static void s_retire(fake_log_t *log)
{
    for (size_t i = 0; i < log->count; i++) {
        log->entries[i]->retired_next = log->retired;
        log->retired = log->entries[i];
    }
    free(log->entries);
    log->entries = NULL;
    log->count = 0;
}

void fake_log_destroy(fake_log_t *log)
{
    pthread_mutex_lock(&log->lock);
    s_retire(log);
    while (log->retired) {
        fake_logged_t *next = log->retired->retired_next;
        s_entry_free(log->retired);
        log->retired = next;
    }
    pthread_mutex_unlock(&log->lock);
    pthread_mutex_destroy(&log->lock);
}

fake_request_t *fake_log_add(fake_log_t *log, const char *method, const char *path, size_t path_len,
                             const char *auth, const char *body, size_t body_len, int64_t at_ms)
{
    fake_logged_t *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->method = method ? strdup(method) : NULL;
    e->path = strndup(path, path_len);
    e->authorization = auth ? strdup(auth) : NULL;
    e->body = body_len ? json_loadb(body, body_len, 0, NULL) : NULL;
    if ((method && !e->method) || !e->path || (auth && !e->authorization)) {
        s_entry_free(e);
        return NULL;
    }
    e->pub.method = e->method;
    e->pub.path = e->path;
    e->pub.authorization = e->authorization;
    e->pub.body = e->body;
    e->pub.at_ms = at_ms;
    pthread_mutex_lock(&log->lock);
    fake_logged_t **grown = realloc(log->entries, (log->count + 1) * sizeof *grown);
    if (grown) {
        log->entries = grown;
        log->entries[log->count++] = e;
    }
    pthread_mutex_unlock(&log->lock);
    if (!grown) {
        s_entry_free(e);
        return NULL;
    }
    return &e->pub;
}

size_t fake_log_count(fake_log_t *log, const char *path)
{
    size_t n = 0;
    pthread_mutex_lock(&log->lock);
    for (size_t i = 0; i < log->count; i++)
        n += !path || strcmp(log->entries[i]->path, path) == 0;
    pthread_mutex_unlock(&log->lock);
    return n;
}

const fake_request_t *fake_log_get(fake_log_t *log, size_t i)
{
    pthread_mutex_lock(&log->lock);
    const fake_request_t *r = i < log->count ? &log->entries[i]->pub : NULL;
    pthread_mutex_unlock(&log->lock);
    return r;
}

const fake_request_t *fake_log_last(fake_log_t *log, const char *path)
{
    const fake_request_t *r = NULL;
    pthread_mutex_lock(&log->lock);
    for (size_t i = log->count; i-- > 0 && !r;)
        if (!path || strcmp(log->entries[i]->path, path) == 0)
            r = &log->entries[i]->pub;
    pthread_mutex_unlock(&log->lock);
    return r;
}

void fake_log_clear(fake_log_t *log)
{
    pthread_mutex_lock(&log->lock);
    s_retire(log);
    pthread_mutex_unlock(&log->lock);
}
