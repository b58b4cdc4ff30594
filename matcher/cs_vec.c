#include "cs_vec.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_util.h"

#include "cs_terms.h"

#define W_BIGRAM  0.5f /* a pair of neighbouring terms, times the lighter one's weight */
#define W_CHARS   0.4f /* a term's character n-grams together, times its weight */
#define MIN_CHARN 3
#define MAX_CHARN 5
#define MAX_TERMS 4096 /* of one text; the rest is left out */

/* FNV-1a over a one-byte kind tag and the bytes. */
static uint32_t s_hash(char kind, const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    h = (h ^ (uint8_t)kind) * 16777619u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

typedef struct {
    uint32_t h;
    float w; /* weight of one occurrence */
} gram_t;

typedef struct {
    gram_t *g;
    size_t n, cap;
    bool oom;
} grams_t;

static void s_gram(grams_t *gs, char kind, const char *s, size_t len, float w)
{
    if (gs->n == gs->cap) {
        size_t cap = gs->cap ? 2 * gs->cap : 64;
        gram_t *g = realloc(gs->g, cap * sizeof *g);
        if (!g) {
            gs->oom = true;
            return;
        }
        gs->g = g;
        gs->cap = cap;
    }
    gs->g[gs->n++] = (gram_t){s_hash(kind, s, len), w};
}

static int s_cmp_gram(const void *a, const void *b)
{
    uint32_t x = ((const gram_t *)a)->h, y = ((const gram_t *)b)->h;
    return x < y ? -1 : x > y;
}

/* The character n-grams of one stem with its boundaries, `w` spread over them. */
static void s_char_grams(grams_t *gs, const char *stem, size_t len, float w)
{
    char padded[2 * CS_TERMS_MAX_WORD + 3];
    int n = snprintf(padded, sizeof padded, "<%.*s>", (int)len, stem);
    int count = 0;
    for (int k = MIN_CHARN; k <= MAX_CHARN; k++)
        count += n >= k ? n - k + 1 : 0;
    for (int k = MIN_CHARN; k <= MAX_CHARN; k++)
        for (int i = 0; i + k <= n; i++)
            s_gram(gs, 'c', padded + i, (size_t)k, w / (float)count);
}

/* What the terms of a text become: grams (words, pairs, character n-grams), or words only. */
typedef struct {
    grams_t gs;
    bool char_grams, pairs;
    char prev[2 * CS_TERMS_MAX_WORD + 1];
    float prev_w;
    int terms;
} build_t;

static void s_on_term(void *arg, const char *stem, size_t len, float weight)
{
    build_t *b = arg;
    if (b->terms++ >= MAX_TERMS)
        return;
    s_gram(&b->gs, 'w', stem, len, weight);
    if (b->pairs && b->prev[0]) {
        char pair[4 * CS_TERMS_MAX_WORD + 4];
        int m = snprintf(pair, sizeof pair, "%s %.*s", b->prev, (int)len, stem);
        s_gram(&b->gs, 'b', pair, (size_t)m, W_BIGRAM * (weight < b->prev_w ? weight : b->prev_w));
    }
    if (b->char_grams)
        s_char_grams(&b->gs, stem, len, W_CHARS * weight);
    snprintf(b->prev, sizeof b->prev, "%.*s", (int)len, stem);
    b->prev_w = weight;
}

/* The sparse vector of `text`'s grams: distinct hashes, each weighing w * (1 + ln(count)) for
   a weight w of one occurrence; unit length when `unit`. */
static int s_build(const char *text, bool char_grams, bool pairs, bool unit, cs_vec_t *out)
{
    *out = (cs_vec_t){0};
    build_t b = {.char_grams = char_grams, .pairs = pairs};
    if (cs_terms_each(text, s_on_term, &b) != 0 || b.gs.oom) {
        free(b.gs.g);
        return -1;
    }
    grams_t gs = b.gs;
    if (gs.n == 0) {
        free(gs.g);
        return 0;
    }
    qsort(gs.g, gs.n, sizeof *gs.g, s_cmp_gram);
    size_t distinct = 0;
    for (size_t i = 0; i < gs.n; i++)
        distinct += i == 0 || gs.g[i].h != gs.g[i - 1].h;
    out->idx = malloc(distinct * sizeof *out->idx);
    out->val = malloc(distinct * sizeof *out->val);
    if (!out->idx || !out->val) {
        free(gs.g);
        cs_vec_free(out);
        return -1;
    }
    double norm = 0;
    for (size_t i = 0; i < gs.n;) {
        size_t j = i;
        float sum = 0;
        while (j < gs.n && gs.g[j].h == gs.g[i].h)
            sum += gs.g[j++].w;
        /* the weight of one occurrence (the mean), sublinear in the count */
        float v = sum / (float)(j - i) * (1.0f + logf((float)(j - i)));
        out->idx[out->n] = gs.g[i].h;
        out->val[out->n++] = v;
        norm += (double)v * v;
        i = j;
    }
    free(gs.g);
    if (unit && norm > 0) {
        float scale = (float)(1.0 / sqrt(norm));
        for (int i = 0; i < out->n; i++)
            out->val[i] *= scale;
    }
    return 0;
}

static int s_offline(const char *text, bool char_grams, cs_vec_t *out)
{
    return s_build(text, char_grams, true, true, out);
}

int cs_vec_offline(const char *text, cs_vec_t *out)
{
    return s_offline(text, true, out);
}

int cs_vec_words(const char *text, cs_vec_t *out)
{
    return s_build(text, false, false, false, out);
}

int cs_vec_offline_feature(const char *name, const char *description, cs_vec_t *out)
{
    cs_vec_t a, b;
    *out = (cs_vec_t){0};
    if (cs_vec_offline(name, &a) != 0)
        return -1;
    if (!description || !description[0]) {
        *out = a;
        return 0;
    }
    if (s_offline(description, false, &b) != 0) {
        cs_vec_free(&a);
        return -1;
    }
    size_t cap = (size_t)a.n + (size_t)b.n;
    out->idx = malloc((cap ? cap : 1) * sizeof *out->idx);
    out->val = malloc((cap ? cap : 1) * sizeof *out->val);
    if (!out->idx || !out->val) {
        cs_vec_free(&a);
        cs_vec_free(&b);
        cs_vec_free(out);
        return -1;
    }
    double norm = 0;
    for (int i = 0, j = 0; i < a.n || j < b.n;) {
        uint32_t h;
        float v;
        if (j == b.n || (i < a.n && a.idx[i] < b.idx[j])) {
            h = a.idx[i];
            v = a.val[i++];
        } else if (i == a.n || b.idx[j] < a.idx[i]) {
            h = b.idx[j];
            v = 0.5f * b.val[j++];
        } else {
            h = a.idx[i];
            v = a.val[i++] + 0.5f * b.val[j++];
        }
        out->idx[out->n] = h;
        out->val[out->n++] = v;
        norm += (double)v * v;
    }
    cs_vec_free(&a);
    cs_vec_free(&b);
    float scale = norm > 0 ? (float)(1.0 / sqrt(norm)) : 0.0f;
    for (int i = 0; i < out->n; i++)
        out->val[i] *= scale;
    return 0;
}

int cs_vec_dense(const double *values, int n, cs_vec_t *out)
{
    *out = (cs_vec_t){0};
    double norm = 0;
    for (int i = 0; i < n; i++)
        norm += values[i] * values[i];
    if (n <= 0 || norm <= 0)
        return -1;
    out->val = malloc((size_t)n * sizeof *out->val);
    if (!out->val)
        return -1;
    double scale = 1.0 / sqrt(norm);
    for (int i = 0; i < n; i++)
        out->val[i] = (float)(values[i] * scale);
    out->n = n;
    return 0;
}

double cs_vec_dot(const cs_vec_t *a, const cs_vec_t *b)
{
    if (!a->idx != !b->idx)
        return 0;
    double sum = 0;
    if (!a->idx) {
        if (a->n != b->n)
            return 0;
        for (int i = 0; i < a->n; i++)
            sum += (double)a->val[i] * b->val[i];
        return sum;
    }
    for (int i = 0, j = 0; i < a->n && j < b->n;) {
        if (a->idx[i] < b->idx[j])
            i++;
        else if (a->idx[i] > b->idx[j])
            j++;
        else
            sum += (double)a->val[i++] * b->val[j++];
    }
    return sum;
}

int cs_vec_copy(const cs_vec_t *src, cs_vec_t *dst)
{
    *dst = (cs_vec_t){0};
    if (src->n == 0)
        return 0;
    dst->val = malloc((size_t)src->n * sizeof *dst->val);
    if (src->idx)
        dst->idx = malloc((size_t)src->n * sizeof *dst->idx);
    if (!dst->val || (src->idx && !dst->idx)) {
        cs_vec_free(dst);
        return -1;
    }
    memcpy(dst->val, src->val, (size_t)src->n * sizeof *dst->val);
    if (src->idx)
        memcpy(dst->idx, src->idx, (size_t)src->n * sizeof *dst->idx);
    dst->n = src->n;
    return 0;
}

void cs_vec_free(cs_vec_t *v)
{
    free(v->idx);
    free(v->val);
    *v = (cs_vec_t){0};
}

void cs_vec_to_json(const cs_vec_t *v, json_t **values, json_t **index)
{
    *values = json_array();
    *index = v->idx ? json_array() : NULL;
    for (int i = 0; i < v->n; i++) {
        json_array_append_new(*values, json_real(v->val[i]));
        if (v->idx) /* stored as PostgreSQL integer: the same 32 bits, signed */
            json_array_append_new(*index, json_integer((int32_t)v->idx[i]));
    }
}

/* Allocate out for n entries, sparse or dense. */
static int s_alloc(cs_vec_t *out, size_t n, bool sparse)
{
    *out = (cs_vec_t){0};
    out->val = malloc((n ? n : 1) * sizeof *out->val);
    if (sparse)
        out->idx = malloc((n ? n : 1) * sizeof *out->idx);
    if (!out->val || (sparse && !out->idx)) {
        cs_vec_free(out);
        return -1;
    }
    return 0;
}

/* Sparse entries must come sorted and distinct (as cs_vec_offline writes them). */
static int s_check_sorted(cs_vec_t *v, char *err, size_t errlen)
{
    for (int i = 1; v->idx && i < v->n; i++)
        if (v->idx[i] <= v->idx[i - 1]) {
            cs_vec_free(v);
            return cs_fail(err, errlen, "sparse vector hashes are not sorted");
        }
    return 0;
}

int cs_vec_from_json(const json_t *values, const json_t *index, cs_vec_t *out, char *err,
                     size_t errlen)
{
    *out = (cs_vec_t){0};
    if (!json_is_array(values) || (index && !json_is_array(index)))
        return cs_fail(err, errlen, "vector is not an array");
    size_t n = json_array_size(values);
    if (index && json_array_size(index) != n)
        return cs_fail(err, errlen, "vector has %zu values but %zu hashes", n,
                       json_array_size(index));
    if (s_alloc(out, n, index != NULL) != 0)
        return cs_fail(err, errlen, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(values, i);
        const json_t *h = index ? json_array_get(index, i) : NULL;
        if (!json_is_number(v) || (index && !json_is_integer(h))) {
            cs_vec_free(out);
            return cs_fail(err, errlen, "vector entry %zu is not a number", i);
        }
        out->val[i] = (float)json_number_value(v);
        if (index)
            out->idx[i] = (uint32_t)(int32_t)json_integer_value(h);
    }
    out->n = (int)n;
    return s_check_sorted(out, err, errlen);
}

/* Entries of "{a,b,c}" (0 for "{}"), -1 when it is not such a text. */
static long s_pg_count(const char *text)
{
    size_t len = text ? strlen(text) : 0;
    if (len < 2 || text[0] != '{' || text[len - 1] != '}')
        return -1;
    if (len == 2)
        return 0;
    long n = 1;
    for (const char *p = text; *p; p++)
        n += *p == ',';
    return n;
}

int cs_vec_from_pg(const char *values, const char *index, cs_vec_t *out, char *err, size_t errlen)
{
    *out = (cs_vec_t){0};
    long n = s_pg_count(values);
    if (n < 0)
        return cs_fail(err, errlen, "embedding is not a PostgreSQL array");
    if (index && s_pg_count(index) != n)
        return cs_fail(err, errlen, "embedding has %ld values but %ld hashes", n,
                       s_pg_count(index));
    if (s_alloc(out, (size_t)n, index != NULL) != 0)
        return cs_fail(err, errlen, "out of memory");
    const char *v = values + 1, *h = index ? index + 1 : NULL;
    for (long i = 0; i < n; i++) {
        char *end;
        errno = 0;
        out->val[i] = strtof(v, &end);
        if (end == v || errno || (*end != ',' && *end != '}')) {
            cs_vec_free(out);
            return cs_fail(err, errlen, "embedding value %ld is not a number", i);
        }
        v = end + 1;
        if (h) {
            long long x = strtoll(h, &end, 10);
            if (end == h || (*end != ',' && *end != '}')) {
                cs_vec_free(out);
                return cs_fail(err, errlen, "embedding hash %ld is not an integer", i);
            }
            out->idx[i] = (uint32_t)(int32_t)x;
            h = end + 1;
        }
    }
    out->n = (int)n;
    return s_check_sorted(out, err, errlen);
}

char *cs_vec_norm_name(const char *name)
{
    return cs_name_key(name);
}
