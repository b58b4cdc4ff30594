/*  cs_ivf: see cs_ivf.h. */
#include "cs_ivf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NONE         UINT32_MAX
#define KMEANS_ITERS 8
#define SAMPLE_PER   24 /* training points per centroid */
#define MIN_LISTS    16
#define MAX_LISTS    2048

typedef struct {
    uint32_t *ent;
    int8_t *codes; /* n x dims */
    float *scale;
    uint32_t n, cap;
} list_t;

struct cs_ivf {
    int dims;
    size_t n, cap;     /* entries */
    uint32_t *owner;   /* per entry */
    uint32_t *list_of; /* per entry: its list, NONE while waiting for the first training */
    uint32_t *slot_of; /* per entry: its index in that list (or in `wait`) */
    list_t wait;       /* the entries before the first training */
    uint32_t *own;     /* per owner: its own entry, NONE */
    size_t nown;
    float *centroids; /* nlist x dims, unit length */
    int nlist;
    list_t *lists;
    size_t trained_at;
};

cs_ivf_t *cs_ivf_new(void)
{
    return calloc(1, sizeof(cs_ivf_t));
}

static void s_list_free(list_t *l)
{
    free(l->ent);
    free(l->codes);
    free(l->scale);
    *l = (list_t){0};
}

static void s_lists_free(list_t *lists, int n)
{
    for (int i = 0; lists && i < n; i++)
        s_list_free(&lists[i]);
    free(lists);
}

void cs_ivf_destroy(cs_ivf_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cs_ivf_t *self = *self_p;
    free(self->owner);
    free(self->list_of);
    free(self->slot_of);
    s_list_free(&self->wait);
    free(self->own);
    free(self->centroids);
    s_lists_free(self->lists, self->nlist);
    free(self);
    *self_p = NULL;
}

/* GCC vectorises the two dot products (where a query spends its time) only when asked to at
   -O2, the build's RelWithDebInfo. */
#if defined(__GNUC__) && !defined(__clang__)
#define VECTORISE __attribute__((optimize("tree-vectorize")))
#else
#define VECTORISE
#endif

VECTORISE static int32_t s_dot_i8(const int8_t *a, const int8_t *b, int n)
{
    int32_t acc[16] = {0};
    int i = 0;
    for (; i + 16 <= n; i += 16)
        for (int j = 0; j < 16; j++)
            acc[j] += (int32_t)a[i + j] * b[i + j];
    int32_t sum = 0;
    for (; i < n; i++)
        sum += (int32_t)a[i] * b[i];
    for (int j = 0; j < 16; j++)
        sum += acc[j];
    return sum;
}

VECTORISE static float s_dot_f(const float *a, const float *b, int n)
{
    float acc[8] = {0};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++)
            acc[j] += a[i + j] * b[i + j];
    float sum = 0;
    for (; i < n; i++)
        sum += a[i] * b[i];
    for (int j = 0; j < 8; j++)
        sum += acc[j];
    return sum;
}

/* x as int8 codes (code = round(x / (max |x| / 127))) into out; returns the scale that makes
   the decoded vector (codes x scale) unit length, so a dot product with it is a cosine. */
static float s_quantise(const float *x, int n, int8_t *out)
{
    float max = 0;
    for (int i = 0; i < n; i++)
        max = fabsf(x[i]) > max ? fabsf(x[i]) : max;
    float step = max > 0 ? max / 127.0f : 1.0f;
    double norm = 0;
    for (int i = 0; i < n; i++) {
        out[i] = (int8_t)lrintf(x[i] / step);
        norm += (double)out[i] * out[i];
    }
    return norm > 0 ? (float)(1.0 / sqrt(norm)) : 0.0f;
}

static int s_list_push(list_t *l, int dims, uint32_t e, const int8_t *codes, float scale)
{
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap + l->cap / 2 + 1 : 8;
        uint32_t *ent = realloc(l->ent, cap * sizeof *ent);
        if (ent)
            l->ent = ent;
        int8_t *c = realloc(l->codes, (size_t)cap * (size_t)dims);
        if (c)
            l->codes = c;
        float *s = realloc(l->scale, cap * sizeof *s);
        if (s)
            l->scale = s;
        if (!ent || !c || !s)
            return -1;
        l->cap = cap;
    }
    l->ent[l->n] = e;
    memcpy(l->codes + (size_t)l->n * (size_t)dims, codes, (size_t)dims);
    l->scale[l->n] = scale;
    l->n++;
    return 0;
}

/* Where entry e's codes are, and their scale. */
static const int8_t *s_codes(const cs_ivf_t *self, size_t e, float *scale)
{
    const list_t *l = self->list_of[e] == NONE ? &self->wait : &self->lists[self->list_of[e]];
    *scale = l->scale[self->slot_of[e]];
    return l->codes + (size_t)self->slot_of[e] * (size_t)self->dims;
}

static void s_decode(const cs_ivf_t *self, size_t e, float *out)
{
    float scale;
    const int8_t *c = s_codes(self, e, &scale);
    for (int i = 0; i < self->dims; i++)
        out[i] = (float)c[i] * scale;
}

static int s_nearest(const float *centroids, int nlist, int dims, const float *x)
{
    int best = 0;
    float bs = -1e30f;
    for (int c = 0; c < nlist; c++) {
        float s = s_dot_f(x, centroids + (size_t)c * (size_t)dims, dims);
        if (s > bs) {
            bs = s;
            best = c;
        }
    }
    return best;
}

/* File entry e (codes, scale; x its float vector) in a list, or in `wait` before training. */
static int s_file(cs_ivf_t *self, size_t e, const int8_t *codes, float scale, const float *x)
{
    uint32_t l =
        self->nlist ? (uint32_t)s_nearest(self->centroids, self->nlist, self->dims, x) : NONE;
    list_t *list = l == NONE ? &self->wait : &self->lists[l];
    if (s_list_push(list, self->dims, (uint32_t)e, codes, scale) != 0)
        return -1;
    self->list_of[e] = l;
    self->slot_of[e] = list->n - 1;
    return 0;
}

static int s_grow(cs_ivf_t *self, uint32_t owner)
{
    if (self->n == self->cap) {
        size_t cap = self->cap ? 2 * self->cap : 4096;
        uint32_t *a = realloc(self->owner, cap * sizeof *a);
        if (a)
            self->owner = a;
        uint32_t *b = realloc(self->list_of, cap * sizeof *b);
        if (b)
            self->list_of = b;
        uint32_t *c = realloc(self->slot_of, cap * sizeof *c);
        if (c)
            self->slot_of = c;
        if (!a || !b || !c)
            return -1;
        self->cap = cap;
    }
    if (owner >= self->nown) {
        size_t n = self->nown ? 2 * self->nown : 4096;
        while (n <= owner)
            n *= 2;
        uint32_t *own = realloc(self->own, n * sizeof *own);
        if (!own)
            return -1;
        for (size_t i = self->nown; i < n; i++)
            own[i] = NONE;
        self->own = own;
        self->nown = n;
    }
    return 0;
}

static int s_new_entry(cs_ivf_t *self, uint32_t owner, const float *v, uint32_t *entry)
{
    int8_t *codes = malloc((size_t)self->dims);
    if (!codes || s_grow(self, owner) != 0) {
        free(codes);
        return -1;
    }
    size_t e = self->n;
    float scale = s_quantise(v, self->dims, codes);
    self->owner[e] = owner;
    int rc = s_file(self, e, codes, scale, v);
    free(codes);
    if (rc != 0)
        return -1;
    self->n++;
    if (self->own[owner] == NONE)
        self->own[owner] = (uint32_t)e;
    if (entry)
        *entry = (uint32_t)e;
    return 0;
}

int cs_ivf_add(cs_ivf_t *self, uint32_t owner, const float *v, int dims, uint32_t *entry)
{
    if (entry)
        *entry = CS_IVF_NONE;
    if (!self->dims)
        self->dims = dims;
    return dims == self->dims ? s_new_entry(self, owner, v, entry) : 0;
}

int cs_ivf_replace(cs_ivf_t *self, uint32_t owner, const float *v, int dims, uint32_t *entry)
{
    if (entry)
        *entry = CS_IVF_NONE;
    if (!self->dims)
        self->dims = dims;
    if (dims != self->dims)
        return 0;
    if (owner >= self->nown || self->own[owner] == NONE)
        return s_new_entry(self, owner, v, entry);
    size_t e = self->own[owner];
    /* out of its list: the list's last entry takes its slot */
    list_t *l = self->list_of[e] == NONE ? &self->wait : &self->lists[self->list_of[e]];
    uint32_t slot = self->slot_of[e], last = l->n - 1;
    if (slot != last) {
        l->ent[slot] = l->ent[last];
        memcpy(l->codes + (size_t)slot * (size_t)dims, l->codes + (size_t)last * (size_t)dims,
               (size_t)dims);
        l->scale[slot] = l->scale[last];
        self->slot_of[l->ent[slot]] = slot;
    }
    l->n--;
    int8_t *codes = malloc((size_t)dims);
    if (!codes)
        return -1;
    float scale = s_quantise(v, dims, codes);
    int rc = s_file(self, e, codes, scale, v);
    free(codes);
    if (rc == 0 && entry)
        *entry = (uint32_t)e;
    return rc;
}

/* Spherical k-means on pts (count x dims) into cent (nlist x dims, seeded already). */
static int s_kmeans(const float *pts, size_t count, int dims, float *cent, int nlist)
{
    size_t d = (size_t)dims;
    float *sum = calloc((size_t)nlist * d, sizeof *sum);
    size_t *n = calloc((size_t)nlist, sizeof *n);
    if (!sum || !n) {
        free(sum);
        free(n);
        return -1;
    }
    for (int it = 0; it < KMEANS_ITERS; it++) {
        memset(sum, 0, (size_t)nlist * d * sizeof *sum);
        memset(n, 0, (size_t)nlist * sizeof *n);
        for (size_t i = 0; i < count; i++) {
            int c = s_nearest(cent, nlist, dims, pts + i * d);
            n[c]++;
            for (size_t j = 0; j < d; j++)
                sum[(size_t)c * d + j] += pts[i * d + j];
        }
        for (int c = 0; c < nlist; c++) {
            double norm = 0;
            for (size_t j = 0; j < d; j++)
                norm += (double)sum[(size_t)c * d + j] * sum[(size_t)c * d + j];
            if (!n[c] || norm <= 0)
                continue; /* an empty cluster keeps its centroid */
            float k = (float)(1.0 / sqrt(norm));
            for (size_t j = 0; j < d; j++)
                cent[(size_t)c * d + j] = sum[(size_t)c * d + j] * k;
        }
    }
    free(sum);
    free(n);
    return 0;
}

int cs_ivf_train(cs_ivf_t *self)
{
    if (!self->n)
        return 0;
    int nlist = (int)sqrt((double)self->n);
    nlist = nlist < MIN_LISTS ? MIN_LISTS : nlist > MAX_LISTS ? MAX_LISTS : nlist;
    size_t d = (size_t)self->dims;
    size_t sample = (size_t)nlist * SAMPLE_PER;
    sample = sample > self->n ? self->n : sample;
    size_t step = self->n / sample;
    float *pts = malloc(sample * d * sizeof *pts);
    float *cent = malloc((size_t)nlist * d * sizeof *cent);
    list_t *lists = calloc((size_t)nlist, sizeof *lists);
    uint32_t *list_of = malloc(self->cap * sizeof *list_of);
    uint32_t *slot_of = malloc(self->cap * sizeof *slot_of);
    int rc = -1;
    if (!pts || !cent || !lists || !list_of || !slot_of)
        goto done;
    for (size_t i = 0; i < sample; i++)
        s_decode(self, i * step, pts + i * d);
    for (int c = 0; c < nlist; c++) /* seeds: spread over the sample */
        memcpy(cent + (size_t)c * d, pts + (size_t)c * (sample / (size_t)nlist) * d,
               d * sizeof *cent);
    if (s_kmeans(pts, sample, self->dims, cent, nlist) != 0)
        goto done;
    /* every entry's new list first, so that each list is allocated once at its size (an
       eighth to spare: the old lists and the new ones are both held until the end) */
    for (size_t e = 0; e < self->n; e++) {
        s_decode(self, e, pts); /* the first row of pts is free by now */
        list_of[e] = (uint32_t)s_nearest(cent, nlist, self->dims, pts);
        lists[list_of[e]].cap++;
    }
    for (int c = 0; c < nlist; c++) {
        list_t *l = &lists[c];
        l->cap += l->cap / 8 + 1;
        l->ent = malloc(l->cap * sizeof *l->ent);
        l->codes = malloc((size_t)l->cap * d);
        l->scale = malloc(l->cap * sizeof *l->scale);
        if (!l->ent || !l->codes || !l->scale)
            goto done;
    }
    for (size_t e = 0; e < self->n; e++) {
        float scale;
        const int8_t *codes = s_codes(self, e, &scale);
        list_t *l = &lists[list_of[e]];
        if (s_list_push(l, self->dims, (uint32_t)e, codes, scale) != 0)
            goto done; /* not for want of room: it was counted */
        slot_of[e] = l->n - 1;
    }
    s_lists_free(self->lists, self->nlist);
    s_list_free(&self->wait);
    free(self->centroids);
    free(self->list_of);
    free(self->slot_of);
    self->lists = lists;
    self->centroids = cent;
    self->list_of = list_of;
    self->slot_of = slot_of;
    self->nlist = nlist;
    self->trained_at = self->n;
    lists = NULL;
    cent = NULL;
    list_of = slot_of = NULL;
    rc = 0;
done:
    free(pts);
    free(cent);
    s_lists_free(lists, nlist);
    free(list_of);
    free(slot_of);
    return rc;
}

int cs_ivf_dims(const cs_ivf_t *self)
{
    return self->dims;
}

VECTORISE float cs_ivf_score(const cs_ivf_t *self, uint32_t e, const float *q)
{
    if (e >= self->n)
        return 0;
    float scale;
    const int8_t *c = s_codes(self, e, &scale);
    float acc[8] = {0};
    int i = 0, n = self->dims;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++)
            acc[j] += q[i + j] * (float)c[i + j];
    float sum = 0;
    for (; i < n; i++)
        sum += q[i] * (float)c[i];
    for (int j = 0; j < 8; j++)
        sum += acc[j];
    return sum * scale;
}

int cs_ivf_decode(const cs_ivf_t *self, uint32_t e, float *out)
{
    if (e >= self->n)
        return -1;
    s_decode(self, e, out);
    return 0;
}

size_t cs_ivf_entries(const cs_ivf_t *self)
{
    return self->n;
}

size_t cs_ivf_trained_at(const cs_ivf_t *self)
{
    return self->trained_at;
}

static const float *g_score; /* for the comparator below; searches are not concurrent */

static int s_by_score(const void *a, const void *b)
{
    float x = g_score[*(const uint32_t *)a], y = g_score[*(const uint32_t *)b];
    return x < y ? 1 : x > y ? -1 : 0;
}

int cs_ivf_search(const cs_ivf_t *self, const float *q, int dims, int nprobe, size_t want,
                  const size_t *accepted, cs_ivf_visit_fn visit, void *arg)
{
    if (!self->nlist || dims != self->dims)
        return 0;
    int8_t *qc = malloc((size_t)dims);
    float *cs = malloc((size_t)self->nlist * sizeof *cs);
    uint32_t *order = malloc((size_t)self->nlist * sizeof *order);
    int rc = -1;
    if (!qc || !cs || !order)
        goto done;
    float qs = s_quantise(q, dims, qc);
    for (int c = 0; c < self->nlist; c++) {
        cs[c] = s_dot_f(q, self->centroids + (size_t)c * (size_t)dims, dims);
        order[c] = (uint32_t)c;
    }
    g_score = cs;
    qsort(order, (size_t)self->nlist, sizeof *order, s_by_score);
    for (int k = 0; k < self->nlist && (k < nprobe || *accepted < want); k++) {
        const list_t *l = &self->lists[order[k]];
        for (uint32_t j = 0; j < l->n; j++) {
            float s =
                (float)s_dot_i8(qc, l->codes + (size_t)j * (size_t)dims, dims) * qs * l->scale[j];
            if (visit(arg, self->owner[l->ent[j]], s) != 0)
                goto done;
        }
    }
    rc = 0;
done:
    free(qc);
    free(cs);
    free(order);
    return rc;
}

size_t cs_ivf_bytes(const cs_ivf_t *self)
{
    size_t d = (size_t)self->dims;
    size_t b = self->cap * 3 * sizeof(uint32_t) + self->nown * sizeof(uint32_t);
    b += (size_t)self->nlist * d * sizeof(float);
    b += self->wait.cap * (d + 2 * sizeof(uint32_t));
    for (int i = 0; i < self->nlist; i++)
        b += self->lists[i].cap * (d + 2 * sizeof(uint32_t));
    return b;
}
