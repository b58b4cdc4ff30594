/*  The answers' bodies of fake_openai (see fake_openai_int.h): OpenAI's error form, chat
    completions (with the prompt cache), embeddings (hashed bags of words, or the load mode's
    deterministic vectors), and the answer a pushed, responded or default answer builds. */
#define _GNU_SOURCE /* strndup */
#include "fake_openai_int.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_util.h"

/* The prompt cache: the last FAKE_OPENAI_CACHE_PROMPTS chat prompts, their first CACHE_BYTES
   kept */
#define CACHE_BYTES (256 * 1024)
#define CACHE_MIN   1024 /* tokens: OpenAI caches prompts from this long */
#define CACHE_STEP  128  /* tokens: cache hits come in steps of this */

/* Answers ------------------------------------------------------------------------------------ */

static char *s_strdup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* A deep copy of the answer's strings into *out. */
void fake_openai_answer_copy(const fake_openai_answer_t *in, fake_openai_answer_t *out)
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

void fake_openai_answer_free(fake_openai_answer_t *a)
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
char *fake_openai_error_text(int status, const char *message, const char *type, const char *code)
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
const char *fake_openai_message_text(const json_t *message)
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

long fake_openai_estimate_tokens(size_t bytes)
{
    return bytes == 0 ? 1 : (long)((bytes + 3) / 4);
}

static const char *s_model(const json_t *request, const char *fallback)
{
    const char *model = json_string_value(json_object_get(request, "model"));
    return model && *model ? model : fallback;
}

/* The value at a path of object keys (NULL-terminated), or NULL. Borrowed. */
const json_t *fake_openai_dig(const json_t *v, ...)
{
    va_list ap;
    va_start(ap, v);
    for (const char *key = va_arg(ap, const char *); v && key; key = va_arg(ap, const char *))
        v = json_object_get(v, key);
    va_end(ap);
    return v;
}

/* Chat completions ------------------------------------------------------------------------- */

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
        len += (size_t)snprintf(text + len, cap - len, "%s", fake_openai_message_text(m));
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
    for (size_t i = 0; i < FAKE_OPENAI_CACHE_PROMPTS; i++) {
        const char *old = f->cache[i];
        size_t n = 0;
        while (old && old[n] && old[n] == prompt[n])
            n++;
        if (n > best)
            best = n;
    }
    free(f->cache[f->cache_next]);
    f->cache[f->cache_next] = prompt;
    f->cache_next = (f->cache_next + 1) % FAKE_OPENAI_CACHE_PROMPTS;
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
        content = fake_openai_message_text(json_array_get(messages, json_array_size(messages) - 1));
    size_t prompt_bytes = 0, i;
    const json_t *m;
    json_array_foreach(messages, i, m)
    {
        prompt_bytes += strlen(fake_openai_message_text(m));
    }
    long pt = a->prompt_tokens > 0 ? a->prompt_tokens : fake_openai_estimate_tokens(prompt_bytes);
    long ct = a->completion_tokens > 0 ? a->completion_tokens
                                       : fake_openai_estimate_tokens(strlen(content));
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

/* Embeddings --------------------------------------------------------------------------------- */

/* 64-bit FNV-1a. */
uint64_t fake_openai_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* splitmix64: small, and the same on every machine. */
uint64_t fake_openai_mix(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
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
            uint64_t h = fake_openai_hash(word, n);
            v[h % (uint64_t)dims] += (h >> 63) ? -1.0 : 1.0;
            count++;
            n = 0;
        }
        if (!c)
            break;
    }
    if (count == 0) { /* punctuation only: still a fixed vector of its own */
        uint64_t h = fake_openai_hash(text, strlen(text));
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

/* A pseudo-random unit vector of dims values seeded by `seed` (Gaussian, then normalised). */
static void s_unit_vector(uint64_t seed, double *v, int dims)
{
    uint64_t state = seed;
    for (int i = 0; i < dims; i += 2) {
        double u1 = ((double)(fake_openai_mix(&state) >> 11) + 0.5) / 9007199254740992.0;
        double u2 = (double)(fake_openai_mix(&state) >> 11) / 9007199254740992.0;
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
static json_t *s_load_vector(const fake_load_t *l, const char *text, int dims)
{
    double *v = calloc((size_t)dims, sizeof *v);
    double *noise = calloc((size_t)dims, sizeof *noise);
    json_t *out = v && noise ? json_array() : NULL;
    if (out) {
        const char *key = fake_load_text_key(l, text);
        s_unit_vector(fake_openai_hash(text, strlen(text)) ^ 0x7465787400000000ULL, noise, dims);
        if (key) {
            s_unit_vector(fake_openai_hash(key, strlen(key)) ^ 0x6b65790000000000ULL, v, dims);
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

/* The embeddings answer (malloc'd text) and its status. With `load` (may be NULL: the default
   hashed bags of words) the load mode's vectors and token estimates; *tokens and *inputs (may be
   NULL) get the tokens counted and the number of texts. */
char *fake_openai_embeddings_text(const fake_load_t *load, const json_t *request, int *status,
                                  long *tokens, long *inputs)
{
    const json_t *input = json_object_get(request, "input");
    const json_t *dimensions = json_object_get(request, "dimensions");
    int dims = load ? load->dims : FAKE_OPENAI_DIM;
    if (dimensions) {
        json_int_t d = json_integer_value(dimensions);
        if (!json_is_integer(dimensions) || d < 1 || d > FAKE_OPENAI_MAX_DIMS) {
            *status = 400;
            return fake_openai_error_text(
                400, "Invalid 'dimensions': must be an integer from 1 to 4096.", NULL, NULL);
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
        return fake_openai_error_text(400, "'$.input' is invalid. Please check the API reference.",
                                      NULL, NULL);
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
            words += fake_openai_estimate_tokens(strlen(text));
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

/* The answer ---------------------------------------------------------------------------------- */

/* Build the text of answer `a` to request `body` on `path`; *status and *cut are set. */
char *fake_openai_build(fake_openai_t *f, const char *path, const json_t *body,
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
        return fake_openai_error_text(*status, a->message, a->error_type, a->error_code);
    case FAKE_OPENAI_RATE_LIMIT:
        *status = 429;
        return fake_openai_error_text(429, a->message, a->error_type, a->error_code);
    case FAKE_OPENAI_QUOTA:
        *status = 429;
        return fake_openai_error_text(429, FAKE_OPENAI_QUOTA_MESSAGE, "insufficient_quota",
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
    if (a->content || strcmp(path, FAKE_OPENAI_CHAT_PATH) == 0) {
        *status = 200;
        text = s_chat_text(f, body, a);
    } else if (strcmp(path, FAKE_OPENAI_EMBED_PATH) == 0) {
        text = fake_openai_embeddings_text(NULL, body, status, NULL, NULL);
    } else {
        char message[320];
        snprintf(message, sizeof message, "Invalid URL (POST " FAKE_OPENAI_PREFIX "%.256s)", path);
        *status = 404;
        return fake_openai_error_text(404, message, "invalid_request_error", NULL);
    }
    if (text && a->kind == FAKE_OPENAI_TRUNCATED)
        text[strlen(text) / 2] = '\0';
    *cut = a->kind == FAKE_OPENAI_CUT;
    return text;
}
