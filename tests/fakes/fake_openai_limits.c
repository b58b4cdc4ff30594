/*  The rate limits of fake_openai's load mode (see fake_openai.h, "LOAD MODE"): a sliding window
    of requests and tokens per model, the 429 a request over them gets, and OpenAI's
    x-ratelimit-* headers computed from the window. */
#include "fake_openai_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_util.h"

typedef struct {
    int64_t at;  /* arrival, ms */
    long tokens; /* its estimated tokens when accepted; 0 when refused */
} s_slot_t;

/* Load mode: the limits of one model, as OpenAI keeps them (each model its own requests and
   tokens per minute), and the requests in its sliding window. */
struct fake_window {
    char *model;    /* the model's name, as the requests give it */
    int rpm, tpm;   /* its limits (0: none) */
    size_t slots;   /* requests accepted per window: rpm * window_ms / 60 s, at least 1 */
    long tslots;    /* tokens accepted per window: tpm * window_ms / 60 s, at least 1 */
    s_slot_t *ring; /* every request in the window, refused ones too (they count against
                       the requests limit, as OpenAI's do): a ring of wcap */
    size_t whead, wcount, wcap;
    long wtokens; /* the tokens of the requests in the window */
};

#define WINDOW_MS   60000
#define WINDOW_MOST ((size_t)1 << 22) /* requests counted in one window at most */
#define MODELS_MOST 32 /* models with a window of their own; the others share the last */

/* A model's window with limits rpm and tpm per minute over window_ms (NULL when out of memory:
   that model is then not limited). */
static fake_window_t *s_window_new(const char *model, int rpm, int tpm, int64_t window_ms)
{
    fake_window_t *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->model = strdup(model);
    w->rpm = rpm;
    w->tpm = tpm;
    w->slots = (size_t)((int64_t)rpm * window_ms / WINDOW_MS);
    if (w->slots < 1)
        w->slots = 1;
    w->tslots = (long)((int64_t)tpm * window_ms / WINDOW_MS);
    if (w->tslots < 1)
        w->tslots = 1;
    w->wcap = rpm > 0 ? 2 * w->slots : 1024;
    w->ring = calloc(w->wcap, sizeof *w->ring);
    if (!w->model || !w->ring) {
        free(w->model);
        free(w->ring);
        free(w);
        return NULL;
    }
    return w;
}

/* The window of the model a request to `path` names in `request` (NULL: none named; a chat
   request then counts as "fake-model" and an embeddings request as "text-embedding-3-small",
   the names the answers give), made at its first request with the limits of its kind:
   embeddings_rpm and embeddings_tpm for /embeddings, rpm and tpm for every other path. With
   `shared`, one window for every model, with rpm and tpm. NULL when the model has no limit or
   out of memory. Called with the lock held. */
fake_window_t *fake_window_of(fake_load_t *l, const char *path, const json_t *request)
{
    bool embed = strcmp(path, FAKE_OPENAI_EMBED_PATH) == 0;
    const char *model = json_string_value(json_object_get(request, "model"));
    if (!model || !*model)
        model = embed ? "text-embedding-3-small" : "fake-model";
    if (l->shared) {
        model = "";
        embed = false;
    }
    for (size_t i = 0; i < l->nwins; i++)
        if (strcmp(l->wins[i]->model, model) == 0)
            return l->wins[i];
    if (l->nwins == MODELS_MOST)
        return l->wins[MODELS_MOST - 1];
    int rpm = embed ? l->embeddings_rpm : l->rpm, tpm = embed ? l->embeddings_tpm : l->tpm;
    if (rpm <= 0 && tpm <= 0)
        return NULL;
    if (!l->wins && !(l->wins = calloc(MODELS_MOST, sizeof *l->wins)))
        return NULL;
    fake_window_t *w = s_window_new(model, rpm, tpm, l->window_ms);
    if (w)
        l->wins[l->nwins++] = w;
    return w;
}

/* Count a request arriving at `now` with `tokens` in the window, growing the ring when it is
   full (up to WINDOW_MOST entries; past that a refused request is not counted). */
static void s_window_add(fake_window_t *w, int64_t now, long tokens)
{
    if (w->wcount == w->wcap) {
        size_t cap = w->wcap * 2;
        s_slot_t *grown = cap <= WINDOW_MOST ? malloc(cap * sizeof *grown) : NULL;
        if (!grown)
            return;
        for (size_t i = 0; i < w->wcount; i++)
            grown[i] = w->ring[(w->whead + i) % w->wcap];
        free(w->ring);
        w->ring = grown;
        w->wcap = cap;
        w->whead = 0;
    }
    w->ring[(w->whead + w->wcount) % w->wcap] = (s_slot_t){.at = now, .tokens = tokens};
    w->wcount++;
    w->wtokens += tokens;
}

/* Forget the requests that left the window (window_ms long) by `now`. Called with the lock
   held. */
static void s_window_prune(fake_window_t *w, int64_t window_ms, int64_t now)
{
    while (w->wcount > 0 && w->ring[w->whead].at <= now - window_ms) {
        w->wtokens -= w->ring[w->whead].tokens;
        w->whead = (w->whead + 1) % w->wcap;
        w->wcount--;
    }
}

/* 0 when a request of `tokens` arriving now is within the limits of its model's window w, else
   the ms until enough requests (or tokens; *by_tokens says which) leave the window for it (at
   least 1). Every request counts against the requests limit, the refused ones too: OpenAI says
   "unsuccessful requests contribute to your per-minute limit, so continuously resending a
   request won't work". A refused request spends no tokens. */
static int64_t s_rate_take(fake_openai_t *f, fake_window_t *w, long tokens, bool *by_tokens)
{
    *by_tokens = false;
    fake_load_t *l = f->load;
    int64_t now = cs_now_ms(), wait = 0;
    pthread_mutex_lock(&f->lock);
    s_window_prune(w, l->window_ms, now);
    bool requests_ok = w->rpm <= 0 || w->wcount < w->slots;
    /* a request larger than the whole window passes alone, rather than never */
    bool tokens_ok = w->tpm <= 0 || w->wtokens + tokens <= w->tslots || w->wtokens == 0;
    s_window_add(w, now, requests_ok && tokens_ok ? tokens : 0);
    if (!requests_ok) {
        /* room for one more once all but slots - 1 of those counted have left */
        size_t k = w->wcount >= w->slots ? w->wcount - w->slots : 0;
        wait = w->ring[(w->whead + k) % w->wcap].at + l->window_ms - now;
    } else if (!tokens_ok) {
        *by_tokens = true;
        long left = w->wtokens;
        for (size_t k = 0; k < w->wcount && left + tokens > w->tslots && left > 0; k++) {
            const s_slot_t *e = &w->ring[(w->whead + k) % w->wcap];
            left -= e->tokens;
            wait = e->at + l->window_ms - now;
        }
    }
    if (!(requests_ok && tokens_ok)) {
        if (wait < 1)
            wait = 1;
        l->stats.rate_limited++;
    }
    pthread_mutex_unlock(&f->lock);
    return wait;
}

/* ms as OpenAI writes x-ratelimit-reset-* (Go's duration form): "0s", "250ms", "1.5s",
   "59s", "6m0s", "1m30.5s", "1h0m0s". */
static void s_duration(int64_t ms, char *out, size_t outlen)
{
    if (ms < 1000) {
        snprintf(out, outlen, ms > 0 ? "%lldms" : "0s", (long long)ms);
        return;
    }
    char frac[8] = "";
    if (ms % 1000) {
        snprintf(frac, sizeof frac, ".%03lld", (long long)(ms % 1000));
        for (size_t n = strlen(frac); frac[n - 1] == '0'; n--)
            frac[n - 1] = '\0';
    }
    long long h = ms / 3600000, m = ms / 60000 % 60, sec = ms / 1000 % 60;
    if (h)
        snprintf(out, outlen, "%lldh%lldm%lld%ss", h, m, sec, frac);
    else if (m)
        snprintf(out, outlen, "%lldm%lld%ss", m, sec, frac);
    else
        snprintf(out, outlen, "%lld%ss", sec, frac);
}

int64_t fake_window_take(fake_openai_t *f, fake_window_t *w, long tokens, char **text)
{
    bool by_tokens;
    int64_t wait = s_rate_take(f, w, tokens, &by_tokens);
    *text = NULL;
    if (wait <= 0)
        return 0;
    char in[32], message[256];
    s_duration(wait, in, sizeof in);
    const char *model = *w->model ? w->model : "fake-model";
    if (by_tokens)
        snprintf(message, sizeof message,
                 "Rate limit reached for %.64s in organization org-fake on tokens per min "
                 "(TPM): Limit %d, Requested %ld. Please try again in %s.",
                 model, w->tpm, tokens, in);
    else
        snprintf(message, sizeof message,
                 "Rate limit reached for %.64s in organization org-fake on requests per "
                 "min (RPM): Limit %d, Used %d, Requested 1. Please try again in %s.",
                 model, w->rpm, w->rpm, in);
    *text = fake_openai_error_text(429, message, by_tokens ? "tokens" : "requests",
                                   "rate_limit_exceeded");
    return wait;
}

/* The load mode's x-ratelimit-* headers now, as OpenAI's rate limits guide documents them. */
/* For requests and for tokens, of the model whose window is w: the limit (rpm, tpm), the
   remaining permitted before the limit is exhausted (what the window has left, across all
   clients) and the time until the limit is
   back to its initial state (until the newest request counted, or the newest that spent
   tokens, leaves the window: "0s" when none is left in it). */
static void s_load_headers(fake_openai_t *f, fake_window_t *w, fake_limit_headers_t *h)
{
    int64_t now = cs_now_ms(), until = 0, until_tokens = 0, window_ms = f->load->window_ms;
    pthread_mutex_lock(&f->lock);
    s_window_prune(w, window_ms, now);
    size_t used = w->wcount, free_slots = used < w->slots ? w->slots - used : 0;
    long free_tokens = w->wtokens < w->tslots ? w->tslots - w->wtokens : 0;
    for (size_t k = used; k > 0; k--) {
        const s_slot_t *e = &w->ring[(w->whead + k - 1) % w->wcap];
        if (k == used)
            until = e->at + window_ms - now;
        if (e->tokens > 0) {
            until_tokens = e->at + window_ms - now;
            break;
        }
    }
    pthread_mutex_unlock(&f->lock);
    snprintf(h->limit_requests, sizeof h->limit_requests, "%d", w->rpm);
    snprintf(h->remaining_requests, sizeof h->remaining_requests, "%zu", free_slots);
    s_duration(until > 0 ? until : 0, h->reset_requests, sizeof h->reset_requests);
    snprintf(h->limit_tokens, sizeof h->limit_tokens, "%d", w->tpm);
    snprintf(h->remaining_tokens, sizeof h->remaining_tokens, "%ld", free_tokens);
    s_duration(until_tokens > 0 ? until_tokens : 0, h->reset_tokens, sizeof h->reset_tokens);
}

void fake_window_headers(fake_openai_t *f, fake_window_t *w, fake_limit_headers_t *h,
                         fake_openai_answer_t *a)
{
    if (f->load->quiet)
        return;
    /* OpenAI's, in every answer, of the model asked */
    s_load_headers(f, w, h);
    if (w->rpm > 0) {
        a->limit_requests = a->limit_requests ? a->limit_requests : h->limit_requests;
        a->remaining_requests =
            a->remaining_requests ? a->remaining_requests : h->remaining_requests;
        a->reset_requests = a->reset_requests ? a->reset_requests : h->reset_requests;
    }
    if (w->tpm > 0) {
        a->limit_tokens = a->limit_tokens ? a->limit_tokens : h->limit_tokens;
        a->remaining_tokens = a->remaining_tokens ? a->remaining_tokens : h->remaining_tokens;
        a->reset_tokens = a->reset_tokens ? a->reset_tokens : h->reset_tokens;
    }
}

void fake_windows_free(fake_load_t *l)
{
    for (size_t i = 0; i < l->nwins; i++) {
        free(l->wins[i]->model);
        free(l->wins[i]->ring);
        free(l->wins[i]);
    }
    free(l->wins);
}
