/*  fake_openai: see fake_openai.h. One thread per connection (libmicrohttpd); all shared state
    sits behind one mutex. A request's answer is decided (pushed answer, responder or default),
    built as text, delayed, and queued; the log entry and the in-progress count are updated just
    before it is queued, so a client never sees an answer the log does not know about yet. */
#define _GNU_SOURCE /* strndup, asprintf */
#include "fake_openai.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "cs_util.h"
#include "fake_http.h"
#include "fake_openai_batch.h"

#define PREFIX   "/v1"
#define CHAT     "/chat/completions"
#define EMBED    "/embeddings"
#define MAX_DIMS 4096
/* The prompt cache: the last CACHE_PROMPTS chat prompts, their first CACHE_BYTES kept */
#define CACHE_PROMPTS 32
#define CACHE_BYTES   (256 * 1024)
#define CACHE_MIN     1024 /* tokens: OpenAI caches prompts from this long */
#define CACHE_STEP    128  /* tokens: cache hits come in steps of this */

typedef struct s_pushed {
    char *path;                  /* NULL matches any path */
    fake_openai_answer_t answer; /* its strings are ours (strdup'd) */
    struct s_pushed *next;
} s_pushed_t;

/* One request while libmicrohttpd feeds us its body. */
typedef struct {
    int64_t at_ms;
    fake_body_t in;
    bool counted;            /* still counted in progress */
    fake_request_t *logged;  /* its entry in the log, or NULL */
    struct s_window *window; /* load mode: the limit of the model asked, or NULL */
} s_conn_t;

/* Load mode (see fake_openai.h): the truth, indexed, and what changes while serving. The truth
   and its indexes are read-only once the server runs; the window, rng and stats sit behind the
   server's lock. */
typedef struct {
    char *folded;    /* a request's title or variant, folded (s_fold) */
    const char *key; /* borrowed from the truth */
    size_t order;    /* of appearance: the first of equal names wins */
} s_name_t;

typedef struct {
    long n;             /* the call's "(load #n)" */
    const char *id;     /* its Gong call id, borrowed from the truth */
    const json_t *call; /* borrowed from the truth */
} s_call_t;

typedef struct {
    int64_t at;  /* arrival, ms */
    long tokens; /* its estimated tokens when accepted; 0 when refused */
} s_slot_t;

/* Load mode: the limits of one model, as OpenAI keeps them (each model its own requests and
   tokens per minute), and the requests in its sliding window. */
typedef struct s_window {
    char *model;    /* the model's name, as the requests give it */
    int rpm, tpm;   /* its limits (0: none) */
    size_t slots;   /* requests accepted per window: rpm * window_ms / 60 s, at least 1 */
    long tslots;    /* tokens accepted per window: tpm * window_ms / 60 s, at least 1 */
    s_slot_t *ring; /* every request in the window, refused ones too (they count against
                       the requests limit, as OpenAI's do): a ring of wcap */
    size_t whead, wcount, wcap;
    long wtokens; /* the tokens of the requests in the window */
} s_window_t;

typedef struct {
    json_t *root;           /* the truth */
    const json_t *requests; /* {key: {theme, title, variants, rank}}, borrowed from root */
    s_name_t *names;        /* sorted by folded name, each name once */
    size_t nnames;
    s_call_t *calls; /* sorted by n */
    size_t ncalls;
    int latency_ms, jitter_ms, rpm, tpm, dims;
    int embeddings_rpm, embeddings_tpm; /* the limits of an embeddings model */
    bool shared;       /* one window for every model (the account-wide limit of old) */
    bool quiet;        /* the limit is not named in the answers' headers */
    int64_t window_ms; /* the limits' sliding window */
    s_window_t **wins; /* a window per model, made at its first request; up to MODELS_MOST */
    size_t nwins;
    uint64_t rng; /* jitter */
    fake_openai_load_stats_t stats;
} s_load_t;

struct fake_openai {
    struct MHD_Daemon *daemon;
    char url[64];
    pthread_mutex_t lock;
    pthread_cond_t wake; /* signalled when stopping, to cut delays short */
    bool stopping;
    char *api_key;
    s_pushed_t *pushed;
    fake_openai_responder_fn responder;
    void *responder_arg;
    fake_log_t log;
    int in_progress, max_in_progress;
    unsigned long served;
    s_load_t *load;             /* load mode, or NULL; set before the daemon starts */
    char *cache[CACHE_PROMPTS]; /* earlier chat prompts (a ring), for cached_tokens */
    size_t cache_next;
    bool keep_log;       /* log requests (false only in load mode without keep_log) */
    fake_batch_t *batch; /* the Files and Batch endpoints (fake_openai_batch.c) */
};

/* Answers -------------------------------------------------------------------------------------
 */

static char *s_strdup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* A deep copy of the answer's strings into *out. */
static void s_answer_copy(const fake_openai_answer_t *in, fake_openai_answer_t *out)
{
    *out = *in;
    out->owned = NULL;
    out->content = s_strdup_or_null(in->content);
    out->finish_reason = s_strdup_or_null(in->finish_reason);
    out->body = s_strdup_or_null(in->body);
    out->message = s_strdup_or_null(in->message);
    out->error_type = s_strdup_or_null(in->error_type);
    out->error_code = s_strdup_or_null(in->error_code);
    out->retry_after = s_strdup_or_null(in->retry_after);
    out->retry_after_ms = s_strdup_or_null(in->retry_after_ms);
    out->reset_requests = s_strdup_or_null(in->reset_requests);
    out->reset_tokens = s_strdup_or_null(in->reset_tokens);
    out->limit_requests = s_strdup_or_null(in->limit_requests);
    out->limit_tokens = s_strdup_or_null(in->limit_tokens);
    out->remaining_requests = s_strdup_or_null(in->remaining_requests);
    out->remaining_tokens = s_strdup_or_null(in->remaining_tokens);
}

static void s_answer_free(fake_openai_answer_t *a)
{
    free((char *)a->content);
    free((char *)a->finish_reason);
    free((char *)a->body);
    free((char *)a->message);
    free((char *)a->error_type);
    free((char *)a->error_code);
    free((char *)a->retry_after);
    free((char *)a->retry_after_ms);
    free((char *)a->reset_requests);
    free((char *)a->reset_tokens);
    free((char *)a->limit_requests);
    free((char *)a->limit_tokens);
    free((char *)a->remaining_requests);
    free((char *)a->remaining_tokens);
    memset(a, 0, sizeof *a);
}

/* OpenAI's error body for `status` (malloc'd text). */
static char *s_error_text(int status, const char *message, const char *type, const char *code)
{
    const char *dmessage = "The server had an error while processing your request. Sorry about "
                           "that!";
    const char *dtype = status >= 500 ? "server_error" : "invalid_request_error";
    const char *dcode = NULL;
    switch (status) {
    case 400:
        dmessage = "Invalid request.";
        break;
    case 401:
        dmessage = "Incorrect API key provided.";
        dcode = "invalid_api_key";
        break;
    case 403:
        dmessage = "You are not allowed to make this request.";
        break;
    case 404:
        dmessage = "The model `fake-model` does not exist or you do not have access to it.";
        dcode = "model_not_found";
        break;
    case 429:
        dmessage = "Rate limit reached for requests. Please try again in 1s.";
        dtype = "requests";
        dcode = "rate_limit_exceeded";
        break;
    case 503:
        dmessage = "The engine is currently overloaded, please try again later.";
        break;
    default:
        if (status < 500)
            dmessage = "The request failed.";
        break;
    }
    json_t *body =
        json_pack("{s:{s:s, s:s, s:n, s:o}}", "error", "message", message ? message : dmessage,
                  "type", type ? type : dtype, "param", "code",
                  code    ? json_string(code)
                  : dcode ? json_string(dcode)
                          : json_null());
    char *text = body ? json_dumps(body, JSON_INDENT(2)) : NULL;
    json_decref(body);
    return text;
}

/* The text of a message's content: a string, or the first text part of an array. */
static const char *s_message_text(const json_t *message)
{
    const json_t *content = json_object_get(message, "content");
    if (json_is_string(content))
        return json_string_value(content);
    size_t i;
    const json_t *part;
    json_array_foreach(content, i, part)
    {
        const char *type = json_string_value(json_object_get(part, "type"));
        if (type && strcmp(type, "text") == 0 && json_is_string(json_object_get(part, "text")))
            return json_string_value(json_object_get(part, "text"));
    }
    return "";
}

static long s_estimate_tokens(size_t bytes)
{
    return bytes == 0 ? 1 : (long)((bytes + 3) / 4);
}

static const char *s_model(const json_t *request, const char *fallback)
{
    const char *model = json_string_value(json_object_get(request, "model"));
    return model && *model ? model : fallback;
}

/* The request's prompt as the cache sees it: each message's role and text, in order, cut at
   CACHE_BYTES. Malloc'd; NULL when out of memory. */
static char *s_prompt_text(const json_t *messages)
{
    size_t cap = CACHE_BYTES + 1, len = 0, i;
    char *text = malloc(cap);
    if (!text)
        return NULL;
    const json_t *m;
    json_array_foreach(messages, i, m)
    {
        const char *role = json_string_value(json_object_get(m, "role"));
        len += (size_t)snprintf(text + len, cap - len, "<%s>", role ? role : "");
        if (len >= cap - 1) {
            len = cap - 1;
            break;
        }
        len += (size_t)snprintf(text + len, cap - len, "%s", s_message_text(m));
        if (len >= cap - 1) {
            len = cap - 1;
            break;
        }
    }
    text[len] = '\0';
    return text;
}

/* The cached tokens of `prompt` (taken: kept for later requests, or freed): the longest prefix
   it shares with an earlier prompt, estimated in tokens as the rest of the fake does, when that
   is at least CACHE_MIN, in steps of CACHE_STEP; else 0. */
static long s_cache(fake_openai_t *f, char *prompt)
{
    if (!prompt)
        return 0;
    size_t best = 0;
    pthread_mutex_lock(&f->lock);
    for (size_t i = 0; i < CACHE_PROMPTS; i++) {
        const char *old = f->cache[i];
        size_t n = 0;
        while (old && old[n] && old[n] == prompt[n])
            n++;
        if (n > best)
            best = n;
    }
    free(f->cache[f->cache_next]);
    f->cache[f->cache_next] = prompt;
    f->cache_next = (f->cache_next + 1) % CACHE_PROMPTS;
    pthread_mutex_unlock(&f->lock);
    long tokens = (long)(best / 4);
    return tokens >= CACHE_MIN ? tokens / CACHE_STEP * CACHE_STEP : 0;
}

/* A chat completion (malloc'd text) for the request. */
static char *s_chat_text(fake_openai_t *f, const json_t *request, const fake_openai_answer_t *a)
{
    const json_t *messages = json_object_get(request, "messages");
    const char *content = a->content;
    if (!content)
        content = s_message_text(json_array_get(messages, json_array_size(messages) - 1));
    size_t prompt_bytes = 0, i;
    const json_t *m;
    json_array_foreach(messages, i, m)
    {
        prompt_bytes += strlen(s_message_text(m));
    }
    long pt = a->prompt_tokens > 0 ? a->prompt_tokens : s_estimate_tokens(prompt_bytes);
    long ct = a->completion_tokens > 0 ? a->completion_tokens : s_estimate_tokens(strlen(content));
    long cached = f->load ? 0 : s_cache(f, s_prompt_text(messages)); /* load mode: no cache */
    if (a->cached_tokens > 0)
        cached = a->cached_tokens;
    else if (a->prompt_tokens > 0)
        cached = 0; /* counts given: the cache only speaks when it is asked to */
    if (cached > pt)
        cached = pt;
    char id[48];
    pthread_mutex_lock(&f->lock);
    snprintf(id, sizeof id, "chatcmpl-fake%06lu", ++f->served);
    pthread_mutex_unlock(&f->lock);
    json_t *body = json_pack(
        "{s:s, s:s, s:I, s:s, s:[{s:i, s:{s:s, s:s, s:n}, s:n, s:s}], s:{s:I, s:I, s:I, s:{s:I}}}",
        "id", id, "object", "chat.completion", "created", (json_int_t)(cs_wall_ms() / 1000),
        "model", s_model(request, "fake-model"), "choices", "index", 0, "message", "role",
        "assistant", "content", content, "refusal", "logprobs", "finish_reason",
        a->finish_reason ? a->finish_reason : "stop", "usage", "prompt_tokens", (json_int_t)pt,
        "completion_tokens", (json_int_t)ct, "total_tokens", (json_int_t)(pt + ct),
        "prompt_tokens_details", "cached_tokens", (json_int_t)cached);
    char *text = body ? json_dumps(body, JSON_INDENT(2)) : NULL;
    json_decref(body);
    return text;
}

/* 64-bit FNV-1a. */
static uint64_t s_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* A unit vector of dims hashed words of text (new reference); *words counts them. */
static json_t *s_embedding(const char *text, int dims, long *words)
{
    double *v = calloc((size_t)dims, sizeof *v);
    if (!v)
        return NULL;
    char word[256];
    size_t n = 0;
    long count = 0;
    for (const char *p = text;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c && (isalnum(c) || c >= 0x80)) {
            if (n < sizeof word)
                word[n++] = (char)tolower(c);
            continue;
        }
        if (n > 0) {
            uint64_t h = s_hash(word, n);
            v[h % (uint64_t)dims] += (h >> 63) ? -1.0 : 1.0;
            count++;
            n = 0;
        }
        if (!c)
            break;
    }
    if (count == 0) { /* punctuation only: still a fixed vector of its own */
        uint64_t h = s_hash(text, strlen(text));
        v[h % (uint64_t)dims] = 1.0;
        count = 1;
    }
    double norm = 0;
    for (int i = 0; i < dims; i++)
        norm += v[i] * v[i];
    norm = sqrt(norm);
    if (norm == 0) { /* words cancelled out */
        v[0] = 1.0;
        norm = 1.0;
    }
    json_t *out = json_array();
    for (int i = 0; out && i < dims; i++)
        json_array_append_new(out, json_real(v[i] / norm));
    free(v);
    *words += count;
    return out;
}

/* Load mode: the truth ------------------------------------------------------------------- */

#define LOAD_DIMS      512
#define LOAD_MAX_RPM   1000000
#define LOAD_MAX_TPM   1000000000
#define LOAD_MAX_DELAY 600000
#define WINDOW_MS      60000
#define WINDOW_MOST    ((size_t)1 << 22) /* requests counted in one window at most */
#define MODELS_MOST    32 /* models with a window of their own; the others share the last */
#define OPEN_MARK      "<<<TRANSCRIPT" /* the delimiters of extractor/cs_prompt.h */
#define CLOSE_MARK     "TRANSCRIPT>>>"
#define CALL_MARK      " (load #"
#define MAX_SPLITS     16 /* ". " places tried when a text is not a title itself */

/* splitmix64: small, and the same on every machine. */
static uint64_t s_mix(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A hash of two strings, for choices that depend on a call and a request. */
static uint64_t s_hash2(const char *a, const char *b)
{
    uint64_t h = s_hash(a, strlen(a)) ^ 0x5bd1e9955bd1e995ULL;
    uint64_t state = h ^ s_hash(b, strlen(b));
    return s_mix(&state);
}

/* The first n bytes of s lower-cased (ASCII), each run of whitespace one space, no space at
   either end. Malloc'd; NULL when out of memory. */
static char *s_fold(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isspace(c) || c < 0x20) {
            space = o > 0;
            continue;
        }
        if (space)
            out[o++] = ' ';
        space = false;
        out[o++] = (char)tolower(c);
    }
    out[o] = '\0';
    return out;
}

static int s_name_order(const void *a, const void *b)
{
    const s_name_t *x = a, *y = b;
    int c = strcmp(x->folded, y->folded);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int s_name_cmp(const void *a, const void *b)
{
    return strcmp(((const s_name_t *)a)->folded, ((const s_name_t *)b)->folded);
}

static int s_call_cmp(const void *a, const void *b)
{
    const s_call_t *x = a, *y = b;
    return (x->n > y->n) - (x->n < y->n);
}

/* The request key whose title or variant the first len bytes of text are (letter case and
   spacing aside), borrowed from the truth; NULL when none is. */
static const char *s_key_of(const s_load_t *l, const char *text, size_t len)
{
    if (!l || l->nnames == 0)
        return NULL;
    s_name_t probe = {.folded = s_fold(text, len)};
    if (!probe.folded)
        return NULL;
    const s_name_t *hit = bsearch(&probe, l->names, l->nnames, sizeof *l->names, s_name_cmp);
    free(probe.folded);
    return hit ? hit->key : NULL;
}

/* The request a text to embed stands for: a title or variant, or one followed by ". " and
   more (the matcher embeds "name. description"). Borrowed; NULL when none. */
static const char *s_text_key(const s_load_t *l, const char *text)
{
    const char *key = s_key_of(l, text, strlen(text));
    const char *p = text;
    for (int tries = 0; !key && tries < MAX_SPLITS && (p = strstr(p, ". ")) != NULL; tries++) {
        key = s_key_of(l, text, (size_t)(p - text));
        p += 2;
    }
    return key;
}

/* n from the last " (load #n)" in the first len bytes of s; false when there is none. */
static bool s_call_marker(const char *s, size_t len, long *n)
{
    bool found = false;
    size_t mlen = strlen(CALL_MARK);
    for (const char *p = s; (p = memmem(p, len - (size_t)(p - s), CALL_MARK, mlen)) != NULL; p++) {
        const char *d = p + mlen;
        long v = 0;
        bool digits = false;
        while (d < s + len && isdigit((unsigned char)*d) && v < LONG_MAX / 10 - 10) {
            v = v * 10 + (*d++ - '0');
            digits = true;
        }
        if (digits && d < s + len && *d == ')') {
            *n = v;
            found = true;
        }
    }
    return found;
}

/* A pseudo-random unit vector of dims values seeded by `seed` (Gaussian, then normalised). */
static void s_unit_vector(uint64_t seed, double *v, int dims)
{
    uint64_t state = seed;
    for (int i = 0; i < dims; i += 2) {
        double u1 = ((double)(s_mix(&state) >> 11) + 0.5) / 9007199254740992.0;
        double u2 = (double)(s_mix(&state) >> 11) / 9007199254740992.0;
        double r = sqrt(-2.0 * log(u1));
        v[i] = r * cos(2.0 * M_PI * u2);
        if (i + 1 < dims)
            v[i + 1] = r * sin(2.0 * M_PI * u2);
    }
    double norm = 0;
    for (int i = 0; i < dims; i++)
        norm += v[i] * v[i];
    norm = sqrt(norm);
    for (int i = 0; i < dims; i++)
        v[i] = norm > 0 ? v[i] / norm : (i == 0);
}

/* The load mode's vector of `text` (new reference; NULL when out of memory): for a title of
   request K normalise(0.8 base_K + 0.6 noise_text), else noise_text. */
static json_t *s_load_vector(const s_load_t *l, const char *text, int dims)
{
    double *v = calloc((size_t)dims, sizeof *v);
    double *noise = calloc((size_t)dims, sizeof *noise);
    json_t *out = v && noise ? json_array() : NULL;
    if (out) {
        const char *key = s_text_key(l, text);
        s_unit_vector(s_hash(text, strlen(text)) ^ 0x7465787400000000ULL, noise, dims);
        if (key) {
            s_unit_vector(s_hash(key, strlen(key)) ^ 0x6b65790000000000ULL, v, dims);
            double norm = 0;
            for (int i = 0; i < dims; i++) {
                v[i] = 0.8 * v[i] + 0.6 * noise[i];
                norm += v[i] * v[i];
            }
            norm = sqrt(norm);
            for (int i = 0; i < dims; i++)
                v[i] = norm > 0 ? v[i] / norm : noise[i];
        } else {
            memcpy(v, noise, (size_t)dims * sizeof *v);
        }
        for (int i = 0; i < dims; i++)
            if (json_array_append_new(out, json_real(v[i])) != 0) {
                json_decref(out);
                out = NULL;
                break;
            }
    }
    free(v);
    free(noise);
    return out;
}

/* Add `name` (a title or variant of request `key`) to the names. 0, or -1 out of memory. */
static int s_name_add(s_load_t *l, size_t *cap, const char *name, const char *key)
{
    if (!name || !name[0])
        return 0;
    if (l->nnames == *cap) {
        size_t grown_cap = *cap ? *cap * 2 : 64;
        s_name_t *grown = realloc(l->names, grown_cap * sizeof *grown);
        if (!grown)
            return -1;
        l->names = grown;
        *cap = grown_cap;
    }
    char *folded = s_fold(name, strlen(name));
    if (!folded)
        return -1;
    l->names[l->nnames] = (s_name_t){folded, key, l->nnames};
    l->nnames++;
    return 0;
}

/* Index l->root: the names of the requests and the calls by n. -1 with the reason in err. */
static int s_truth_index(s_load_t *l, char *err, size_t errlen)
{
    if (!json_is_object(l->root))
        return cs_fail(err, errlen, "the truth is not a JSON object");
    const json_t *requests = json_object_get(l->root, "requests");
    const json_t *calls = json_object_get(l->root, "calls");
    if ((requests && !json_is_object(requests)) || (calls && !json_is_object(calls)))
        return cs_fail(err, errlen, "the truth's requests and calls must be objects");
    l->requests = requests;
    size_t cap = 0;
    const char *key;
    const json_t *req;
    json_object_foreach((json_t *)requests, key, req)
    {
        if (!json_is_object(req))
            return cs_fail(err, errlen, "truth: request '%.100s' is not an object", key);
        const json_t *variants = json_object_get(req, "variants");
        if (s_name_add(l, &cap, json_string_value(json_object_get(req, "title")), key) != 0)
            return cs_fail(err, errlen, "out of memory");
        for (size_t i = 0; i < json_array_size(variants); i++)
            if (s_name_add(l, &cap, json_string_value(json_array_get(variants, i)), key) != 0)
                return cs_fail(err, errlen, "out of memory");
    }
    if (l->nnames > 0) {
        qsort(l->names, l->nnames, sizeof *l->names, s_name_order);
        size_t kept = 0;
        for (size_t i = 0; i < l->nnames; i++) {
            if (kept > 0 && strcmp(l->names[kept - 1].folded, l->names[i].folded) == 0)
                free(l->names[i].folded);
            else
                l->names[kept++] = l->names[i];
        }
        l->nnames = kept;
    }
    l->calls = calloc(json_object_size(calls) + 1, sizeof *l->calls);
    if (!l->calls)
        return cs_fail(err, errlen, "out of memory");
    const json_t *call;
    json_object_foreach((json_t *)calls, key, call)
    {
        const json_t *n = json_object_get(call, "n");
        const char *title = json_string_value(json_object_get(call, "title"));
        long index = -1;
        if (json_is_integer(n) && json_integer_value(n) >= 0 && json_integer_value(n) <= LONG_MAX)
            index = (long)json_integer_value(n);
        else if (!title || !s_call_marker(title, strlen(title), &index))
            continue; /* it can't be identified */
        l->calls[l->ncalls++] = (s_call_t){index, key, call};
    }
    qsort(l->calls, l->ncalls, sizeof *l->calls, s_call_cmp);
    return 0;
}

static void s_load_free(s_load_t **l_p)
{
    s_load_t *l = *l_p;
    if (!l)
        return;
    for (size_t i = 0; i < l->nnames; i++)
        free(l->names[i].folded);
    free(l->names);
    free(l->calls);
    for (size_t i = 0; i < l->nwins; i++) {
        free(l->wins[i]->model);
        free(l->wins[i]->ring);
        free(l->wins[i]);
    }
    free(l->wins);
    json_decref(l->root);
    free(l);
    *l_p = NULL;
}

/* The embeddings answer (malloc'd text) and its status. With `load` (may be NULL: the default
   hashed bags of words) the load mode's vectors and token estimates; *tokens and *inputs (may be
   NULL) get the tokens counted and the number of texts. */
static char *s_embeddings_text(const s_load_t *load, const json_t *request, int *status,
                               long *tokens, long *inputs)
{
    const json_t *input = json_object_get(request, "input");
    const json_t *dimensions = json_object_get(request, "dimensions");
    int dims = load ? load->dims : FAKE_OPENAI_DIM;
    if (dimensions) {
        json_int_t d = json_integer_value(dimensions);
        if (!json_is_integer(dimensions) || d < 1 || d > MAX_DIMS) {
            *status = 400;
            return s_error_text(400, "Invalid 'dimensions': must be an integer from 1 to 4096.",
                                NULL, NULL);
        }
        dims = (int)d;
    }
    json_t *texts = json_is_array(input) ? json_incref((json_t *)input) : json_array();
    if (json_is_string(input))
        json_array_append(texts, (json_t *)input);
    size_t i;
    json_t *item;
    bool bad = json_array_size(texts) == 0;
    json_array_foreach(texts, i, item)
    {
        if (json_is_string(item) && json_string_length(item) == 0)
            bad = true;
    }
    if (bad) {
        json_decref(texts);
        *status = 400;
        return s_error_text(400, "'$.input' is invalid. Please check the API reference.", NULL,
                            NULL);
    }
    json_t *data = json_array();
    long words = 0;
    json_array_foreach(texts, i, item)
    {
        char *dumped = json_is_string(item) ? NULL : json_dumps(item, JSON_ENCODE_ANY);
        const char *text = dumped ? dumped : json_string_value(item);
        json_t *vec = NULL;
        if (text && load) {
            vec = s_load_vector(load, text, dims);
            words += s_estimate_tokens(strlen(text));
        } else if (text) {
            vec = s_embedding(text, dims, &words);
        }
        free(dumped);
        json_array_append_new(data, json_pack("{s:s, s:I, s:o*}", "object", "embedding", "index",
                                              (json_int_t)i, "embedding", vec));
    }
    size_t count = json_array_size(texts);
    json_decref(texts);
    json_t *body = json_pack("{s:s, s:o, s:s, s:{s:I, s:I}}", "object", "list", "data", data,
                             "model", s_model(request, "text-embedding-3-small"), "usage",
                             "prompt_tokens", (json_int_t)words, "total_tokens", (json_int_t)words);
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(7)) : NULL;
    json_decref(body);
    *status = 200;
    if (tokens)
        *tokens = words;
    if (inputs)
        *inputs = (long)count;
    return text;
}

/* Load mode: answers ---------------------------------------------------------------------- */

/* A model's window with limits rpm and tpm per minute over window_ms (NULL when out of memory:
   that model is then not limited). */
static s_window_t *s_window_new(const char *model, int rpm, int tpm, int64_t window_ms)
{
    s_window_t *w = calloc(1, sizeof *w);
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
static s_window_t *s_window_of(s_load_t *l, const char *path, const json_t *request)
{
    bool embed = strcmp(path, EMBED) == 0;
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
    s_window_t *w = s_window_new(model, rpm, tpm, l->window_ms);
    if (w)
        l->wins[l->nwins++] = w;
    return w;
}

/* Count a request arriving at `now` with `tokens` in the window, growing the ring when it is
   full (up to WINDOW_MOST entries; past that a refused request is not counted). */
static void s_window_add(s_window_t *w, int64_t now, long tokens)
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
static void s_window_prune(s_window_t *w, int64_t window_ms, int64_t now)
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
static int64_t s_rate_take(fake_openai_t *f, s_window_t *w, long tokens, bool *by_tokens)
{
    *by_tokens = false;
    s_load_t *l = f->load;
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

/* This answer's delay: latency +/- uniform jitter, not below 0. */
static int s_latency(fake_openai_t *f, s_load_t *l)
{
    int ms = l->latency_ms;
    if (l->jitter_ms > 0) {
        pthread_mutex_lock(&f->lock);
        uint64_t r = s_mix(&l->rng);
        pthread_mutex_unlock(&f->lock);
        ms += (int)(r % (uint64_t)(2 * l->jitter_ms + 1)) - l->jitter_ms;
    }
    return ms > 0 ? ms : 0;
}

/* The value at a path of object keys (NULL-terminated), or NULL. Borrowed. */
static const json_t *s_dig(const json_t *v, ...)
{
    va_list ap;
    va_start(ap, v);
    for (const char *key = va_arg(ap, const char *); v && key; key = va_arg(ap, const char *))
        v = json_object_get(v, key);
    va_end(ap);
    return v;
}

/* One line of a transcript block: "[mm:ss] Name (customer): text" (or vendor, unknown). */
typedef struct {
    const char *name;
    size_t name_len;
    bool external;
    char *text; /* folded */
} s_line_t;

static void s_lines_free(s_line_t *lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(lines[i].text);
    free(lines);
}

/* The lines of the transcript block of `user` (borrowing from it): *n of them, NULL when there
   are none (or no block, or out of memory). */
static s_line_t *s_lines(const char *user, size_t *n)
{
    static const char *const AFFILIATIONS[] = {" (customer): ", " (vendor): ", " (unknown): "};
    *n = 0;
    const char *p = strstr(user, OPEN_MARK "\n");
    if (!p)
        return NULL;
    p += strlen(OPEN_MARK) + 1;
    const char *end = strstr(p, "\n" CLOSE_MARK);
    if (!end)
        end = p + strlen(p);
    s_line_t *lines = NULL;
    size_t cap = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        const char *name = p;
        if (*p == '[') {
            const char *close = memchr(p, ']', (size_t)(eol - p));
            name = close && close + 1 < eol && close[1] == ' ' ? close + 2 : p;
        }
        const char *mark = NULL;
        size_t aff = 0;
        for (size_t a = 0; a < 3; a++) {
            const char *m =
                memmem(name, (size_t)(eol - name), AFFILIATIONS[a], strlen(AFFILIATIONS[a]));
            if (m && (!mark || m < mark)) {
                mark = m;
                aff = a;
            }
        }
        if (mark) {
            if (*n == cap) {
                size_t grown_cap = cap ? cap * 2 : 64;
                s_line_t *grown = realloc(lines, grown_cap * sizeof *grown);
                if (!grown) {
                    s_lines_free(lines, *n);
                    *n = 0;
                    return NULL;
                }
                lines = grown;
                cap = grown_cap;
            }
            const char *text = mark + strlen(AFFILIATIONS[aff]);
            s_line_t *line = &lines[*n];
            *line = (s_line_t){name, (size_t)(mark - name), aff == 0,
                               s_fold(text, (size_t)(eol - text))};
            if (line->text)
                (*n)++;
        }
        p = eol + 1;
    }
    return lines;
}

/* The line whose text holds `sentence` (a customer's line first), or NULL. */
static const s_line_t *s_line_with(const s_line_t *lines, size_t n, const char *sentence)
{
    char *folded = s_fold(sentence, strlen(sentence));
    const s_line_t *any = NULL;
    for (size_t i = 0; folded && folded[0] && i < n; i++)
        if (strstr(lines[i].text, folded)) {
            if (lines[i].external) {
                any = &lines[i];
                break;
            }
            if (!any)
                any = &lines[i];
        }
    free(folded);
    return any;
}

/* The theme to answer for the true `theme` (may be NULL), as the request's schema allows: the
   true one when listed (in the schema's spelling), else "Uncategorized", else null when
   allowed, else the first listed; null when the schema says there are no themes; the true one
   when the request has no schema. New reference. */
static json_t *s_theme_for(const json_t *request, const char *theme)
{
    const json_t *prop =
        s_dig(request, "response_format", "json_schema", "schema", "properties", "feature_requests",
              "items", "properties", "theme", (const char *)NULL);
    const json_t *names = json_object_get(prop, "enum");
    const char *type = json_string_value(json_object_get(prop, "type"));
    if (!json_is_array(names) && type && strcmp(type, "null") == 0)
        return json_null();
    if (!json_is_array(names))
        return theme ? json_string(theme) : json_null();
    const char *pick = NULL;
    bool null_ok = false;
    size_t i;
    const json_t *name;
    json_array_foreach(names, i, name)
    {
        const char *s = json_string_value(name);
        null_ok = null_ok || json_is_null(name);
        if (s && theme && strcasecmp(s, theme) == 0)
            return json_string(s);
    }
    json_array_foreach(names, i, name)
    {
        const char *s = json_string_value(name);
        if (s && strcasecmp(s, "Uncategorized") == 0)
            return json_string(s);
        if (s && !pick)
            pick = s;
    }
    return null_ok || !pick ? json_null() : json_string(pick);
}

static const char *s_level(uint64_t h)
{
    unsigned v = (unsigned)(h % 10);
    return v < 6 ? "medium" : v < 8 ? "high" : "low";
}

/* The call an extraction prompt is about: the "(load #n)" marker in the lines before the
   transcript. NULL when there is none, or no call n. */
static const s_call_t *s_call_of(const s_load_t *l, const char *user)
{
    const char *block = strstr(user, OPEN_MARK);
    size_t len = block ? (size_t)(block - user) : strlen(user);
    s_call_t probe = {0};
    if (l->ncalls == 0 || !s_call_marker(user, len, &probe.n))
        return NULL;
    return bsearch(&probe, l->calls, l->ncalls, sizeof *l->calls, s_call_cmp);
}

/* The extraction answer (malloc'd JSON text) for a prompt whose user message is `user`;
 *known says whether its call was identified. NULL when out of memory. */
static char *s_extract(const s_load_t *l, const json_t *request, const char *user, bool *known)
{
    const s_call_t *call = s_call_of(l, user);
    *known = call != NULL;
    size_t nlines = 0;
    s_line_t *lines = call ? s_lines(user, &nlines) : NULL;
    json_t *features = json_array(), *bugs = json_array();
    size_t i;
    const json_t *item;
    json_array_foreach(call ? json_object_get(call->call, "requests") : NULL, i, item)
    {
        const char *key = json_string_value(json_object_get(item, "key"));
        const char *sentence = json_string_value(json_object_get(item, "sentence"));
        const json_t *req = key ? json_object_get(l->requests, key) : NULL;
        const s_line_t *line = req && sentence ? s_line_with(lines, nlines, sentence) : NULL;
        if (!line)
            continue;
        uint64_t h = s_hash2(call->id, key);
        const json_t *variants = json_object_get(req, "variants");
        size_t nvariants = json_array_size(variants);
        const char *title =
            nvariants ? json_string_value(json_array_get(variants, (h >> 16) % nvariants)) : NULL;
        if (!title)
            title = json_string_value(json_object_get(req, "title"));
        if (!title)
            title = key;
        char *description = cs_strdup_printf("The customer asks for %s.", title);
        json_t *speaker = line->external ? json_stringn(line->name, line->name_len) : json_null();
        /* the rep's restatement the customer agreed to, when the truth has one in this block */
        const char *context = json_string_value(json_object_get(item, "context"));
        if (context && !s_line_with(lines, nlines, context))
            context = NULL;
        json_array_append_new(
            features,
            json_pack("{s:s, s:s*, s:s, s:o, s:s, s:o*, s:o*, s:f}", "title", title, "description",
                      description, "urgency", s_level(h), "theme",
                      s_theme_for(request, json_string_value(json_object_get(req, "theme"))),
                      "quote", sentence, "speaker", speaker, "context",
                      context ? json_string(context) : json_null(), "confidence",
                      0.5 + (double)(h % 50) / 100));
        free(description);
    }
    json_array_foreach(call ? json_object_get(call->call, "bugs") : NULL, i, item)
    {
        const char *title = json_string_value(json_object_get(item, "title"));
        const char *sentence = json_string_value(json_object_get(item, "sentence"));
        if (!title || !sentence || !s_line_with(lines, nlines, sentence))
            continue;
        char *description = cs_strdup_printf("The customer reports a problem: %s.", title);
        json_array_append_new(
            bugs, json_pack("{s:s, s:s*, s:s, s:s}", "title", title, "description", description,
                            "severity", s_level(s_hash2(call->id, title)), "quote", sentence));
        free(description);
    }
    s_lines_free(lines, nlines);
    static const char *const MOODS[] = {"positive", "neutral", "positive", "mixed", "negative"};
    static const double SCORES[] = {0.6, 0.0, 0.4, 0.1, -0.4};
    unsigned mood = call ? (unsigned)(s_hash(call->id, strlen(call->id)) % 5) : 1;
    const char *customer = call ? json_string_value(json_object_get(call->call, "customer")) : NULL;
    char *summary =
        call ? cs_strdup_printf("A call with %s: the customer asked for %zu feature(s) and "
                                "reported %zu problem(s).",
                                customer && customer[0] ? customer : "a customer",
                                json_array_size(features), json_array_size(bugs))
             : strdup("Nothing to report.");
    const char *language = call ? json_string_value(json_object_get(call->call, "language")) : NULL;
    json_t *answer =
        json_pack("{s:o*, s:o*, s:{s:s, s:f}, s:[], s:s*, s:s}", "feature_requests", features,
                  "bug_reports", bugs, "sentiment", "overall", MOODS[mood], "score", SCORES[mood],
                  "pain_points", "summary", summary, "language", language ? language : "en");
    free(summary);
    char *text = answer ? json_dumps(answer, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(answer);
    return text;
}

/* The judge's answer (malloc'd JSON text) for the user message `user`; *duplicate says which. */
static char *s_judge(const s_load_t *l, const char *user, bool *duplicate)
{
    const char *key = NULL;
    const char *t = strstr(user, "Title: <<<");
    if (t) {
        t += strlen("Title: <<<");
        const char *e = strstr(t, ">>>");
        key = e ? s_key_of(l, t, (size_t)(e - t)) : NULL;
    }
    char *match = NULL;
    bool second = false; /* another candidate is the same request too */
    const char *p = strstr(user, "\nEXISTING FEATURES:\n");
    for (p = p && key ? p + strlen("\nEXISTING FEATURES:\n") : NULL; p && *p && !second;) {
        const char *eol = strchr(p, '\n');
        if (!eol)
            eol = p + strlen(p);
        const char *d = p;
        while (d < eol && isdigit((unsigned char)*d))
            d++;
        const char *id = d > p && strncmp(d, ". [", 3) == 0 ? d + 3 : NULL;
        const char *id_end = id ? memmem(id, (size_t)(eol - id), "] <<<", 5) : NULL;
        const char *name = id_end ? id_end + 5 : NULL;
        const char *name_end = name ? memmem(name, (size_t)(eol - name), ">>>", 3) : NULL;
        if (name_end) {
            const char *other = s_key_of(l, name, (size_t)(name_end - name));
            if (other && strcmp(other, key) == 0) {
                second = match != NULL;
                if (!match)
                    match = strndup(id, (size_t)(id_end - id));
            }
        }
        p = *eol ? eol + 1 : eol;
    }
    *duplicate = match != NULL;
    json_t *answer;
    if (match) {
        char *why = cs_strdup_printf("Both ask for the same capability (request '%s').", key);
        answer = json_pack("{s:b, s:s, s:f, s:f, s:s*}", "is_duplicate", 1, "matching_feature_id",
                           match, "confidence", 0.9, "runner_up_confidence", second ? 0.9 : 0.05,
                           "reasoning", why);
        free(why);
    } else {
        answer = json_pack("{s:b, s:n, s:f, s:f, s:s}", "is_duplicate", 0, "matching_feature_id",
                           "confidence", 0.85, "runner_up_confidence", 0.05, "reasoning",
                           "None of the existing features asks for the same capability.");
    }
    free(match);
    char *text = answer ? json_dumps(answer, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(answer);
    return text;
}

/* The load mode's answer to a chat or embeddings request, into *a (zeroed on entry; a->owned
   holds its memory): 0, or -1 for another path or out of memory. */
static int s_load_answer(fake_openai_t *f, const char *path, const json_t *request,
                         fake_openai_answer_t *a)
{
    s_load_t *l = f->load;
    if (strcmp(path, EMBED) == 0) {
        int status = 0;
        long tokens = 0, inputs = 0;
        char *text = s_embeddings_text(l, request, &status, &tokens, &inputs);
        if (!text)
            return -1;
        *a = (fake_openai_answer_t){
            .kind = FAKE_OPENAI_RAW, .status = status, .body = text, .owned = text};
        if (status == 200)
            a->delay_ms = s_latency(f, l);
        pthread_mutex_lock(&f->lock);
        l->stats.embeddings++;
        l->stats.embedding_inputs += inputs;
        l->stats.embedding_tokens += tokens;
        pthread_mutex_unlock(&f->lock);
        return 0;
    }
    if (strcmp(path, CHAT) != 0)
        return -1;
    const json_t *messages = json_object_get(request, "messages");
    const char *user = "";
    size_t prompt_bytes = 0, i;
    const json_t *m;
    json_array_foreach(messages, i, m)
    {
        prompt_bytes += strlen(s_message_text(m));
        const char *role = json_string_value(json_object_get(m, "role"));
        if (role && strcmp(role, "user") == 0)
            user = s_message_text(m);
    }
    const char *schema = json_string_value(
        s_dig(request, "response_format", "json_schema", "name", (const char *)NULL));
    bool extract = (schema && strcmp(schema, "call_insights") == 0) || strstr(user, OPEN_MARK "\n");
    bool judge = !extract && ((schema && strcmp(schema, "duplicate_check") == 0) ||
                              strncmp(user, "NEW FEATURE:", strlen("NEW FEATURE:")) == 0);
    bool known = false, duplicate = false;
    char *content;
    if (extract)
        content = s_extract(l, request, user, &known);
    else if (judge)
        content = s_judge(l, user, &duplicate);
    else
        content = strdup(s_message_text(json_array_get(messages, json_array_size(messages) - 1)));
    if (!content)
        return -1;
    *a = (fake_openai_answer_t){.kind = FAKE_OPENAI_CHAT,
                                .content = content,
                                .owned = content,
                                .prompt_tokens = s_estimate_tokens(prompt_bytes),
                                .completion_tokens = s_estimate_tokens(strlen(content)),
                                .delay_ms = s_latency(f, l)};
    pthread_mutex_lock(&f->lock);
    l->stats.chat_extract += extract;
    l->stats.extract_unknown += extract && !known;
    l->stats.chat_judge += judge;
    l->stats.judge_duplicate += judge && duplicate;
    l->stats.judge_new += judge && !duplicate;
    l->stats.chat_other += !extract && !judge;
    l->stats.prompt_tokens += a->prompt_tokens;
    l->stats.completion_tokens += a->completion_tokens;
    pthread_mutex_unlock(&f->lock);
    return 0;
}

/* Sending ------------------------------------------------------------------------------------ */

static void s_add_headers(struct MHD_Response *resp, const fake_openai_answer_t *a)
{
    MHD_add_response_header(resp, "Content-Type", "application/json");
    if (a->retry_after)
        MHD_add_response_header(resp, "Retry-After", a->retry_after);
    if (a->retry_after_ms)
        MHD_add_response_header(resp, "retry-after-ms", a->retry_after_ms);
    if (a->reset_requests)
        MHD_add_response_header(resp, "x-ratelimit-reset-requests", a->reset_requests);
    if (a->reset_tokens)
        MHD_add_response_header(resp, "x-ratelimit-reset-tokens", a->reset_tokens);
    if (a->limit_requests)
        MHD_add_response_header(resp, "x-ratelimit-limit-requests", a->limit_requests);
    if (a->limit_tokens)
        MHD_add_response_header(resp, "x-ratelimit-limit-tokens", a->limit_tokens);
    if (a->remaining_requests)
        MHD_add_response_header(resp, "x-ratelimit-remaining-requests", a->remaining_requests);
    if (a->remaining_tokens)
        MHD_add_response_header(resp, "x-ratelimit-remaining-tokens", a->remaining_tokens);
}

/* Queue `text` (malloc'd, taken) with status and the answer's headers; when cut, announce the
   whole text but drop the connection half-way. */
static enum MHD_Result s_send(struct MHD_Connection *conn, int status, char *text, bool cut,
                              const fake_openai_answer_t *a)
{
    if (!text)
        return MHD_NO;
    size_t len = strlen(text);
    struct MHD_Response *resp = NULL;
    if (cut) {
        resp = fake_http_cut_response(text);
    } else {
        resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
        if (!resp)
            free(text);
    }
    if (!resp)
        return MHD_NO;
    s_add_headers(resp, a);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Wait up to ms, cut short by fake_openai_stop(). */
static void s_delay(fake_openai_t *f, int ms)
{
    if (ms <= 0)
        return;
    fake_http_wait(&f->lock, &f->wake, &f->stopping, ms);
}

/* Requests ----------------------------------------------------------------------------------- */

static fake_request_t *s_log_request(fake_openai_t *f, const char *path, const char *auth,
                                     const s_conn_t *c)
{
    if (!f->keep_log)
        return NULL;
    return fake_log_add(&f->log, NULL, path, strlen(path), auth, c->in.body, c->in.len, c->at_ms);
}

/* Take the first pushed answer for path into *out (its strings now the caller's). */
static bool s_take_pushed(fake_openai_t *f, const char *path, fake_openai_answer_t *out)
{
    bool found = false;
    pthread_mutex_lock(&f->lock);
    for (s_pushed_t **pp = &f->pushed; *pp; pp = &(*pp)->next) {
        s_pushed_t *p = *pp;
        if (p->path && strcmp(p->path, path) != 0)
            continue;
        *out = p->answer;
        *pp = p->next;
        free(p->path);
        free(p);
        found = true;
        break;
    }
    pthread_mutex_unlock(&f->lock);
    return found;
}

/* Note the answer in the log and the in-progress count, just before it is queued. */
static void s_answered(fake_openai_t *f, s_conn_t *c, int status)
{
    pthread_mutex_lock(&f->lock);
    if (c->logged) {
        c->logged->done_ms = cs_now_ms();
        c->logged->status = status;
    }
    if (c->counted) {
        f->in_progress--;
        c->counted = false;
    }
    pthread_mutex_unlock(&f->lock);
}

/* Build the text of answer `a` to request `body` on `path`; *status and *cut are set. */
static char *s_build(fake_openai_t *f, const char *path, const json_t *body,
                     const fake_openai_answer_t *a, int *status, bool *cut)
{
    *cut = false;
    switch (a->kind) {
    case FAKE_OPENAI_CHAT:
        *status = 200;
        return s_chat_text(f, body, a);
    case FAKE_OPENAI_RAW:
        *status = a->status ? a->status : 200;
        return strdup(a->body ? a->body : "");
    case FAKE_OPENAI_ERROR:
        *status = a->status ? a->status : 500;
        return s_error_text(*status, a->message, a->error_type, a->error_code);
    case FAKE_OPENAI_RATE_LIMIT:
        *status = 429;
        return s_error_text(429, a->message, a->error_type, a->error_code);
    case FAKE_OPENAI_QUOTA:
        *status = 429;
        return s_error_text(429, FAKE_OPENAI_QUOTA_MESSAGE, "insufficient_quota",
                            "insufficient_quota");
    case FAKE_OPENAI_INVALID_JSON:
        *status = 200;
        return strdup("<html><body>502 Bad Gateway</body></html>");
    case FAKE_OPENAI_TRUNCATED:
    case FAKE_OPENAI_CUT:
    case FAKE_OPENAI_DEFAULT:
        break;
    }
    char *text = NULL;
    if (a->content || strcmp(path, CHAT) == 0) {
        *status = 200;
        text = s_chat_text(f, body, a);
    } else if (strcmp(path, EMBED) == 0) {
        text = s_embeddings_text(NULL, body, status, NULL, NULL);
    } else {
        char message[320];
        snprintf(message, sizeof message, "Invalid URL (POST " PREFIX "%.256s)", path);
        *status = 404;
        return s_error_text(404, message, "invalid_request_error", NULL);
    }
    if (text && a->kind == FAKE_OPENAI_TRUNCATED)
        text[strlen(text) / 2] = '\0';
    *cut = a->kind == FAKE_OPENAI_CUT;
    return text;
}

/* Use `b` for whatever `a` (a pushed DEFAULT answer) leaves unset: delay adds up. */
static void s_merge(fake_openai_answer_t *out, const fake_openai_answer_t *a,
                    const fake_openai_answer_t *b)
{
    *out = *b;
    out->delay_ms = a->delay_ms + b->delay_ms;
    if (a->retry_after)
        out->retry_after = a->retry_after;
    if (a->retry_after_ms)
        out->retry_after_ms = a->retry_after_ms;
    if (a->reset_requests)
        out->reset_requests = a->reset_requests;
    if (a->reset_tokens)
        out->reset_tokens = a->reset_tokens;
    if (a->remaining_requests)
        out->remaining_requests = a->remaining_requests;
    if (a->remaining_tokens)
        out->remaining_tokens = a->remaining_tokens;
}

/* The load mode's x-ratelimit-* headers now, as OpenAI's rate limits guide documents them. */
typedef struct {
    char limit_requests[32], remaining_requests[32], reset_requests[32];
    char limit_tokens[32], remaining_tokens[32], reset_tokens[32];
} s_limit_headers_t;

/* For requests and for tokens, of the model whose window is w: the limit (rpm, tpm), the
   remaining permitted before the limit is exhausted (what the window has left, across all
   clients) and the time until the limit is
   back to its initial state (until the newest request counted, or the newest that spent
   tokens, leaves the window: "0s" when none is left in it). */
static void s_load_headers(fake_openai_t *f, s_window_t *w, s_limit_headers_t *h)
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

static enum MHD_Result s_reply(fake_openai_t *f, struct MHD_Connection *conn, s_conn_t *c,
                               int status, char *text, bool cut, const fake_openai_answer_t *a)
{
    s_delay(f, a->delay_ms);
    s_answered(f, c, status);
    fake_openai_answer_t with = *a;
    s_limit_headers_t h;
    s_load_t *l = f->load;
    s_window_t *w = c->window;
    if (l && w && !l->quiet) { /* OpenAI's, in every answer, of the model asked */
        s_load_headers(f, w, &h);
        if (w->rpm > 0) {
            with.limit_requests = with.limit_requests ? with.limit_requests : h.limit_requests;
            with.remaining_requests =
                with.remaining_requests ? with.remaining_requests : h.remaining_requests;
            with.reset_requests = with.reset_requests ? with.reset_requests : h.reset_requests;
        }
        if (w->tpm > 0) {
            with.limit_tokens = with.limit_tokens ? with.limit_tokens : h.limit_tokens;
            with.remaining_tokens =
                with.remaining_tokens ? with.remaining_tokens : h.remaining_tokens;
            with.reset_tokens = with.reset_tokens ? with.reset_tokens : h.reset_tokens;
        }
    }
    return s_send(conn, status, text, cut, &with);
}

/* What OpenAI's strict structured outputs refuse in the schema node s, at `ctx` (a Python tuple
   of the keys that lead there, as OpenAI quotes it): an object schema without
   additionalProperties false, or whose required list misses one of its properties. The message
   (malloc'd) or NULL. Walks properties, items, anyOf and $defs, as deep as the request goes. */
static char *s_strict_fault(const char *name, const json_t *s, const char *ctx)
{
    if (!json_is_object(s))
        return NULL;
    const json_t *props = json_object_get(s, "properties");
    const char *type = json_string_value(json_object_get(s, "type"));
    if (json_is_object(props) || (type && strcmp(type, "object") == 0)) {
        if (!json_is_false(json_object_get(s, "additionalProperties")))
            return cs_strdup_printf("Invalid schema for response_format '%s': In context=%s, "
                                    "'additionalProperties' is required to be supplied and to "
                                    "be false.",
                                    name, ctx);
        const json_t *required = json_object_get(s, "required");
        const char *key;
        const json_t *sub;
        json_object_foreach((json_t *)props, key, sub)
        {
            bool listed = false;
            for (size_t i = 0; i < json_array_size(required); i++) {
                const char *r = json_string_value(json_array_get(required, i));
                listed = listed || (r && strcmp(r, key) == 0);
            }
            if (!listed)
                return cs_strdup_printf("Invalid schema for response_format '%s': In context=%s, "
                                        "'required' is required to be supplied and to be an "
                                        "array including every key in properties. Missing "
                                        "'%s'.",
                                        name, ctx, key);
        }
    }
    static const char *const NESTS[] = {"properties", "$defs"};
    for (size_t n = 0; n < 2; n++) {
        const char *key;
        const json_t *sub;
        json_object_foreach((json_t *)json_object_get(s, NESTS[n]), key, sub)
        {
            /* ('properties', 'x') from () or ('a',): the tuple grows by two keys */
            char *deeper = cs_strdup_printf("%.*s%s'%s', '%s')", (int)strlen(ctx) - 1, ctx,
                                            strcmp(ctx, "()") == 0 ? "" : " ", NESTS[n], key);
            char *fault = deeper ? s_strict_fault(name, sub, deeper) : NULL;
            free(deeper);
            if (fault)
                return fault;
        }
    }
    const json_t *items = json_object_get(s, "items");
    const json_t *any = json_object_get(s, "anyOf");
    char *fault = NULL;
    if (items) {
        char *deeper = cs_strdup_printf("%.*s%s'items')", (int)strlen(ctx) - 1, ctx,
                                        strcmp(ctx, "()") == 0 ? "" : " ");
        fault = deeper ? s_strict_fault(name, items, deeper) : NULL;
        free(deeper);
    }
    for (size_t i = 0; !fault && i < json_array_size(any); i++)
        fault = s_strict_fault(name, json_array_get(any, i), ctx);
    return fault;
}

/* The 400 message for a chat request whose response_format asks for a strict json_schema that
   OpenAI refuses (s_strict_fault), or NULL. */
static char *s_strict_refusal(const char *path, const json_t *body)
{
    const json_t *js = s_dig(body, "response_format", "json_schema", (const char *)NULL);
    if (strcmp(path, CHAT) != 0 || !json_is_true(json_object_get(js, "strict")))
        return NULL;
    const char *name = json_string_value(json_object_get(js, "name"));
    return s_strict_fault(name ? name : "", json_object_get(js, "schema"), "()");
}

fake_batch_t *fake_openai_batch_state(fake_openai_t *f)
{
    return f->batch;
}

char *fake_openai_error_text(int status, const char *message, const char *type, const char *code)
{
    return s_error_text(status, message, type, code);
}

char *fake_openai_line_answer(fake_openai_t *f, const char *path, const json_t *request,
                              int *status)
{
    char *refusal = s_strict_refusal(path, request);
    if (refusal) {
        char *text = s_error_text(400, refusal, "invalid_request_error", NULL);
        free(refusal);
        *status = 400;
        return text;
    }
    fake_openai_answer_t responded = {0};
    fake_openai_responder_fn fn;
    void *arg;
    pthread_mutex_lock(&f->lock);
    fn = f->responder;
    arg = f->responder_arg;
    pthread_mutex_unlock(&f->lock);
    if (!fn || fn(arg, path, request, &responded) != 0) {
        free(responded.owned);
        memset(&responded, 0, sizeof responded);
        if (f->load && s_load_answer(f, path, request, &responded) != 0) {
            free(responded.owned);
            memset(&responded, 0, sizeof responded);
        }
    }
    bool cut = false;
    char *text = s_build(f, path, request, &responded, status, &cut);
    free(responded.owned);
    return text;
}

static enum MHD_Result s_answer(fake_openai_t *f, struct MHD_Connection *conn, const char *url,
                                const char *method, s_conn_t *c)
{
    size_t plen = strcspn(url, "?");
    char full[512];
    snprintf(full, sizeof full, "%.*s", (int)(plen < 500 ? plen : 500), url);
    const char *path = full;
    if (strncmp(full, PREFIX "/", strlen(PREFIX) + 1) == 0)
        path = full + strlen(PREFIX);
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    c->logged = s_log_request(f, path, auth, c);
    fake_openai_answer_t none = {0};

    if (f->load && strcmp(method, "GET") == 0 && strcmp(path, "/stats") == 0) {
        /* the load mode's counters so far, for a benchmark between its runs: no key, no limit */
        return s_reply(f, conn, c, 200, fake_openai_load_stats_json(f), false, &none);
    }
    if (c->in.too_big) {
        return s_reply(f, conn, c, 413,
                       s_error_text(413, "The request body is too large.", NULL, NULL), false,
                       &none);
    }
    char *expected = NULL;
    pthread_mutex_lock(&f->lock);
    if (f->api_key && asprintf(&expected, "Bearer %s", f->api_key) < 0)
        expected = NULL;
    bool check = f->api_key != NULL;
    pthread_mutex_unlock(&f->lock);
    if (check && (!auth || !expected || strcmp(auth, expected) != 0)) {
        free(expected);
        char message[512];
        const char *got = auth && strncmp(auth, "Bearer ", 7) == 0 ? auth + 7 : "";
        snprintf(message, sizeof message,
                 "Incorrect API key provided: %.300s. You can find your API key at "
                 "https://platform.openai.com/account/api-keys.",
                 got);
        if (!auth)
            snprintf(
                message, sizeof message,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).");
        return s_reply(f, conn, c, 401, s_error_text(401, message, NULL, NULL), false, &none);
    }
    free(expected);

    if (fake_batch_path(path)) { /* a pool of its own: the load mode's limit does not apply */
        const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
        int status = 500;
        fake_batch_query_t q = {
            .limit = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit"),
            .after = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "after")};
        char *text = fake_batch_answer(f, method, path, &q, type, c->in.body, c->in.len, &status);
        return s_reply(f, conn, c, status, text, false, &none);
    }

    json_t *body = c->in.len ? json_loadb(c->in.body, c->in.len, 0, NULL) : NULL;
    if (f->load) {
        pthread_mutex_lock(&f->lock);
        c->window = s_window_of(f->load, path, body);
        pthread_mutex_unlock(&f->lock);
    }
    if (c->window) {
        bool by_tokens;
        long tokens = s_estimate_tokens(c->in.len); /* what the request may spend, as admitted */
        int64_t wait = s_rate_take(f, c->window, tokens, &by_tokens);
        if (wait > 0) {
            char retry_after[32], in[32], message[256];
            snprintf(retry_after, sizeof retry_after, "%lld", (long long)((wait + 999) / 1000));
            s_duration(wait, in, sizeof in);
            const char *model = *c->window->model ? c->window->model : "fake-model";
            if (by_tokens)
                snprintf(message, sizeof message,
                         "Rate limit reached for %.64s in organization org-fake on tokens per min "
                         "(TPM): Limit %d, Requested %ld. Please try again in %s.",
                         model, c->window->tpm, tokens, in);
            else
                snprintf(message, sizeof message,
                         "Rate limit reached for %.64s in organization org-fake on requests per "
                         "min (RPM): Limit %d, Used %d, Requested 1. Please try again in %s.",
                         model, c->window->rpm, c->window->rpm, in);
            json_decref(body);
            fake_openai_answer_t limited = {.retry_after = retry_after};
            return s_reply(f, conn, c, 429,
                           s_error_text(429, message, by_tokens ? "tokens" : "requests",
                                        "rate_limit_exceeded"),
                           false, &limited);
        }
    }
    if (f->load && strcmp(path, CHAT) != 0 && strcmp(path, EMBED) != 0) {
        pthread_mutex_lock(&f->lock);
        f->load->stats.other++;
        pthread_mutex_unlock(&f->lock);
    }
    char *refusal = strcmp(method, "POST") == 0 ? s_strict_refusal(path, body) : NULL;
    if (refusal) { /* refused before any answer is consumed, as OpenAI checks the schema first */
        char *text = s_error_text(400, refusal, "invalid_request_error", NULL);
        free(refusal);
        json_decref(body);
        return s_reply(f, conn, c, 400, text, false, &none);
    }
    fake_openai_answer_t pushed = {0}, responded = {0}, merged;
    bool have_pushed = s_take_pushed(f, path, &pushed);
    const fake_openai_answer_t *use = &pushed;
    int status = 0;
    bool cut = false;
    char *text = NULL;
    if (have_pushed && pushed.kind != FAKE_OPENAI_DEFAULT) {
        text = s_build(f, path, body, &pushed, &status, &cut);
    } else if (strcmp(method, "POST") != 0) {
        status = 405;
        text = s_error_text(405, "Method not allowed.", NULL, NULL);
    } else if (!json_is_object(body)) {
        status = 400;
        text = s_error_text(400,
                            "We could not parse the JSON body of your request. (HINT: This "
                            "likely means you aren't using your HTTP library correctly.)",
                            NULL, NULL);
    } else {
        fake_openai_responder_fn fn;
        void *arg;
        pthread_mutex_lock(&f->lock);
        fn = f->responder;
        arg = f->responder_arg;
        pthread_mutex_unlock(&f->lock);
        if (!fn || fn(arg, path, body, &responded) != 0) {
            free(responded.owned);
            memset(&responded, 0, sizeof responded);
            if (f->load && s_load_answer(f, path, body, &responded) != 0) {
                free(responded.owned);
                memset(&responded, 0, sizeof responded);
            }
        }
        s_merge(&merged, &pushed, &responded);
        use = &merged;
        text = s_build(f, path, body, use, &status, &cut);
    }
    enum MHD_Result ret = s_reply(f, conn, c, status, text, cut, use);
    json_decref(body);
    free(responded.owned);
    s_answer_free(&pushed);
    return ret;
}

static enum MHD_Result s_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    (void)version;
    fake_openai_t *f = cls;
    s_conn_t *c = *con_cls;
    if (!c) { /* headers are in: the request has arrived */
        c = calloc(1, sizeof *c);
        if (!c)
            return MHD_NO;
        c->at_ms = cs_now_ms();
        c->counted = true;
        pthread_mutex_lock(&f->lock);
        if (++f->in_progress > f->max_in_progress)
            f->max_in_progress = f->in_progress;
        pthread_mutex_unlock(&f->lock);
        *con_cls = c;
        return MHD_YES;
    }
    if (*upload_size) {
        if (fake_body_add(&c->in, upload, *upload_size, FAKE_OPENAI_MAX_BODY) != 0)
            return MHD_NO;
        *upload_size = 0;
        return MHD_YES;
    }
    return s_answer(f, conn, url, method, c);
}

static void s_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                        enum MHD_RequestTerminationCode code)
{
    (void)conn;
    (void)code;
    fake_openai_t *f = cls;
    s_conn_t *c = *con_cls;
    if (!c)
        return;
    if (c->counted) { /* ended before an answer was queued */
        pthread_mutex_lock(&f->lock);
        f->in_progress--;
        pthread_mutex_unlock(&f->lock);
    }
    fake_body_free(&c->in);
    free(c);
    *con_cls = NULL;
}

/* Public API ------------------------------------------------------------------------------- */

/* Start a server on 127.0.0.1 and `port` (0: a free one); in load mode when load is not NULL
   (taken, even on failure). */
static fake_openai_t *s_start(int port, s_load_t *load, bool keep_log)
{
    fake_openai_t *f = calloc(1, sizeof *f);
    if (!f) {
        s_load_free(&load);
        return NULL;
    }
    f->load = load;
    f->keep_log = keep_log;
    f->batch = fake_batch_new();
    if (!f->batch) {
        s_load_free(&f->load);
        free(f);
        return NULL;
    }
    pthread_mutex_init(&f->lock, NULL);
    fake_log_init(&f->log);
    fake_http_cond_init(&f->wake);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((uint16_t)port);
    /* load mode: poll (no FD_SETSIZE limit), many connections, small thread stacks */
    struct MHD_OptionItem load_options[] = {
        {MHD_OPTION_CONNECTION_LIMIT, 4096, NULL},
        {MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL},
        {MHD_OPTION_THREAD_STACK_SIZE, 1 << 20, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    f->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                                     MHD_USE_ITC | (load ? MHD_USE_POLL : 0),
                                 0, NULL, NULL, s_handler, f, MHD_OPTION_SOCK_ADDR,
                                 (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, s_completed,
                                 f, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_ARRAY,
                                 load ? load_options : load_options + 3, MHD_OPTION_END);
    const union MHD_DaemonInfo *info =
        f->daemon ? MHD_get_daemon_info(f->daemon, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (!info || info->port == 0) {
        fake_openai_stop(&f);
        return NULL;
    }
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%u" PREFIX, (unsigned)info->port);
    return f;
}

fake_openai_t *fake_openai_start(void)
{
    return s_start(0, NULL, true);
}

fake_openai_t *fake_openai_start_load(const fake_openai_load_opts_t *opts, char *err, size_t errlen)
{
    fake_openai_load_opts_t none = {0};
    if (!opts)
        opts = &none;
    if (opts->port < 0 || opts->port > 65535 || opts->latency_ms < 0 ||
        opts->latency_ms > LOAD_MAX_DELAY || opts->jitter_ms < 0 ||
        opts->jitter_ms > LOAD_MAX_DELAY || opts->rpm < 0 || opts->rpm > LOAD_MAX_RPM ||
        opts->tpm < 0 || opts->tpm > LOAD_MAX_TPM || opts->embeddings_rpm < -1 ||
        opts->embeddings_rpm > LOAD_MAX_RPM || opts->embeddings_tpm < -1 ||
        opts->embeddings_tpm > LOAD_MAX_TPM || opts->dims < 0 || opts->dims > MAX_DIMS) {
        cs_fail(err, errlen,
                "options out of range (port 0..65535, latency and jitter 0..%d ms, rpm 0..%d, "
                "tpm 0..%d, the embeddings' -1 or as much, dims 0..%d)",
                LOAD_MAX_DELAY, LOAD_MAX_RPM, LOAD_MAX_TPM, MAX_DIMS);
        return NULL;
    }
    s_load_t *l = calloc(1, sizeof *l);
    if (!l) {
        cs_fail(err, errlen, "out of memory");
        return NULL;
    }
    l->latency_ms = opts->latency_ms;
    l->jitter_ms = opts->jitter_ms;
    l->rpm = opts->rpm;
    l->tpm = opts->tpm;
    /* 0: as the chat models; -1: none */
    l->embeddings_rpm = opts->embeddings_rpm == 0  ? opts->rpm
                        : opts->embeddings_rpm > 0 ? opts->embeddings_rpm
                                                   : 0;
    l->embeddings_tpm = opts->embeddings_tpm == 0  ? opts->tpm
                        : opts->embeddings_tpm > 0 ? opts->embeddings_tpm
                                                   : 0;
    l->shared = opts->shared_limit;
    l->quiet = opts->no_limit_headers;
    l->dims = opts->dims > 0 ? opts->dims : LOAD_DIMS;
    l->rng = (uint64_t)cs_wall_ms() ^ ((uint64_t)getpid() << 32);
    json_error_t jerr;
    if (opts->truth_path) {
        l->root = json_load_file(opts->truth_path, 0, &jerr);
        if (!l->root && jerr.line > 0)
            cs_fail(err, errlen, "cannot read the truth %s: %s (line %d)", opts->truth_path,
                    jerr.text, jerr.line);
        else if (!l->root)
            cs_fail(err, errlen, "cannot read the truth %s: %s", opts->truth_path, jerr.text);
    } else if (opts->truth) {
        l->root = json_deep_copy(opts->truth);
        if (!l->root)
            cs_fail(err, errlen, "out of memory");
    } else {
        l->root = json_object();
        if (!l->root)
            cs_fail(err, errlen, "out of memory");
    }
    l->window_ms = (opts->window_s > 0 && opts->window_s < 60 ? opts->window_s : 60) * 1000LL;
    if (!l->root || s_truth_index(l, err, errlen) != 0) {
        s_load_free(&l);
        return NULL;
    }
    fake_openai_t *f = s_start(opts->port, l, opts->keep_log);
    if (!f)
        cs_fail(err, errlen, "cannot start an HTTP server on 127.0.0.1:%d", opts->port);
    return f;
}

void fake_openai_load_stats(fake_openai_t *f, fake_openai_load_stats_t *out)
{
    pthread_mutex_lock(&f->lock);
    if (f->load)
        *out = f->load->stats;
    else
        memset(out, 0, sizeof *out);
    pthread_mutex_unlock(&f->lock);
}

char *fake_openai_load_stats_json(fake_openai_t *f)
{
    fake_openai_load_stats_t st;
    fake_openai_load_stats(f, &st);
    json_t *line = json_pack(
        "{s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:I, s:I, s:{s:I, s:I}, s:I, s:{s:I, s:I, s:I, s:I}}",
        "requests", "chat_extract", (json_int_t)st.chat_extract, "chat_judge",
        (json_int_t)st.chat_judge, "chat_other", (json_int_t)st.chat_other, "embeddings",
        (json_int_t)st.embeddings, "other", (json_int_t)st.other, "total",
        (json_int_t)(st.chat_extract + st.chat_judge + st.chat_other + st.embeddings + st.other),
        "rate_limited", (json_int_t)st.rate_limited, "extract_unknown_call",
        (json_int_t)st.extract_unknown, "judge", "duplicate", (json_int_t)st.judge_duplicate, "new",
        (json_int_t)st.judge_new, "embedding_inputs", (json_int_t)st.embedding_inputs, "tokens",
        "prompt", (json_int_t)st.prompt_tokens, "completion", (json_int_t)st.completion_tokens,
        "embedding", (json_int_t)st.embedding_tokens, "total",
        (json_int_t)(st.prompt_tokens + st.completion_tokens + st.embedding_tokens));
    char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;
    json_decref(line);
    return text;
}

void fake_openai_stop(fake_openai_t **f_p)
{
    if (!f_p || !*f_p)
        return;
    fake_openai_t *f = *f_p;
    pthread_mutex_lock(&f->lock);
    f->stopping = true;
    pthread_cond_broadcast(&f->wake);
    pthread_mutex_unlock(&f->lock);
    if (f->daemon)
        MHD_stop_daemon(f->daemon);
    while (f->pushed) {
        s_pushed_t *next = f->pushed->next;
        free(f->pushed->path);
        s_answer_free(&f->pushed->answer);
        free(f->pushed);
        f->pushed = next;
    }
    fake_log_destroy(&f->log);
    for (size_t i = 0; i < CACHE_PROMPTS; i++)
        free(f->cache[i]);
    free(f->api_key);
    s_load_free(&f->load);
    fake_batch_free(&f->batch);
    pthread_cond_destroy(&f->wake);
    pthread_mutex_destroy(&f->lock);
    free(f);
    *f_p = NULL;
}

const char *fake_openai_url(fake_openai_t *f)
{
    return f->url;
}

void fake_openai_set_api_key(fake_openai_t *f, const char *key)
{
    char *copy = key ? strdup(key) : NULL;
    pthread_mutex_lock(&f->lock);
    free(f->api_key);
    f->api_key = copy;
    pthread_mutex_unlock(&f->lock);
}

int fake_openai_push(fake_openai_t *f, const char *path, const fake_openai_answer_t *answer)
{
    s_pushed_t *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    p->path = path ? strdup(path) : NULL;
    s_answer_copy(answer, &p->answer);
    pthread_mutex_lock(&f->lock);
    s_pushed_t **pp = &f->pushed;
    while (*pp)
        pp = &(*pp)->next;
    *pp = p;
    pthread_mutex_unlock(&f->lock);
    return 0;
}

size_t fake_openai_pending_answers(fake_openai_t *f)
{
    size_t n = 0;
    pthread_mutex_lock(&f->lock);
    for (const s_pushed_t *p = f->pushed; p; p = p->next)
        n++;
    pthread_mutex_unlock(&f->lock);
    return n;
}

void fake_openai_set_responder(fake_openai_t *f, fake_openai_responder_fn fn, void *arg)
{
    pthread_mutex_lock(&f->lock);
    f->responder = fn;
    f->responder_arg = arg;
    pthread_mutex_unlock(&f->lock);
}

size_t fake_openai_request_count(fake_openai_t *f)
{
    return fake_log_count(&f->log, NULL);
}

size_t fake_openai_count(fake_openai_t *f, const char *path)
{
    return fake_log_count(&f->log, path);
}

const fake_openai_request_t *fake_openai_request(fake_openai_t *f, size_t i)
{
    return fake_log_get(&f->log, i);
}

const fake_openai_request_t *fake_openai_last_request(fake_openai_t *f, const char *path)
{
    return fake_log_last(&f->log, path);
}

void fake_openai_clear_requests(fake_openai_t *f)
{
    fake_log_clear(&f->log); /* requests still being answered may write to their entries */
    pthread_mutex_lock(&f->lock);
    f->max_in_progress = f->in_progress;
    pthread_mutex_unlock(&f->lock);
}

int fake_openai_in_progress(fake_openai_t *f)
{
    pthread_mutex_lock(&f->lock);
    int n = f->in_progress;
    pthread_mutex_unlock(&f->lock);
    return n;
}

int fake_openai_max_in_progress(fake_openai_t *f)
{
    pthread_mutex_lock(&f->lock);
    int n = f->max_in_progress;
    pthread_mutex_unlock(&f->lock);
    return n;
}
