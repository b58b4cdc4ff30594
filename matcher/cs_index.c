/*  cs_index: see cs_index.h for the design. */
#include "cs_index.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cs_ivf.h"

#define NONE    UINT32_MAX
#define STOPPED UINT32_MAX  /* a postings list that outgrew the cap */
#define REFUSED 0x80000000u /* a stamp's bit: the query does not want this position */

typedef struct {
    uint32_t *pos;
    uint32_t n, cap; /* n == STOPPED: no longer indexed */
} postings_t;

typedef struct {
    uint32_t key, list; /* list 0: empty slot; else lists[list - 1] */
} slot_t;

struct cs_index {
    bool sparse, failed;
    cs_index_opts_t o;
    size_t features;   /* as told by cs_index_grown */
    int32_t *theme_of; /* per position: the feature's theme, -1 none */
    size_t ntheme_of;
    /* sparse */
    slot_t *slots;
    size_t cap, used;
    postings_t *lists;
    size_t nlists, lists_cap, stopped;
    cs_ivf_t *ivf; /* dense */
    /* per query: accumulated weight and the stamp of the query that touched each position */
    float *acc;
    uint32_t *stamp, now;
    size_t scratch;
    uint32_t *touched;
    size_t ntouched, touched_cap;
};

cs_index_t *cs_index_new(bool sparse, const cs_index_opts_t *opts)
{
    cs_index_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->sparse = sparse;
    if (opts)
        self->o = *opts;
    if (!self->o.min_features)
        self->o.min_features = CS_INDEX_MIN_FEATURES;
    if (!self->o.shortlist)
        self->o.shortlist = sparse ? CS_INDEX_SPARSE_SHORTLIST : CS_INDEX_DENSE_SHORTLIST;
    if (!self->o.nprobe)
        self->o.nprobe = CS_INDEX_DENSE_NPROBE;
    return self;
}

static void s_lists_free(postings_t *lists, size_t n)
{
    for (size_t i = 0; lists && i < n; i++)
        free(lists[i].pos);
    free(lists);
}

void cs_index_clear(cs_index_t *self)
{
    s_lists_free(self->lists, self->nlists);
    free(self->slots);
    cs_ivf_destroy(&self->ivf);
    free(self->acc);
    free(self->theme_of);
    free(self->stamp);
    free(self->touched);
    bool sparse = self->sparse;
    cs_index_opts_t o = self->o;
    memset(self, 0, sizeof *self);
    self->sparse = sparse;
    self->o = o;
}

void cs_index_destroy(cs_index_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cs_index_clear(*self_p);
    free(*self_p);
    *self_p = NULL;
}

static int s_push(postings_t *p, uint32_t pos)
{
    if (p->n == p->cap) {
        uint32_t cap = p->cap ? p->cap + p->cap / 2 + 1 : 4;
        uint32_t *a = realloc(p->pos, cap * sizeof *a);
        if (!a)
            return -1;
        p->pos = a;
        p->cap = cap;
    }
    p->pos[p->n++] = pos;
    return 0;
}

/* ---- sparse ---------------------------------------------------------------------------------- */

static slot_t *s_slot(slot_t *slots, size_t cap, uint32_t key)
{
    size_t i = (key * 2654435761u) & (cap - 1);
    while (slots[i].list && slots[i].key != key)
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static postings_t *s_find(const cs_index_t *self, uint32_t key)
{
    if (!self->cap)
        return NULL;
    slot_t *s = s_slot(self->slots, self->cap, key);
    return s->list ? &self->lists[s->list - 1] : NULL;
}

static size_t s_cap(const cs_index_t *self)
{
    if (self->o.sparse_cap == SIZE_MAX)
        return SIZE_MAX;
    size_t cap = self->o.sparse_cap ? self->o.sparse_cap : CS_INDEX_SPARSE_CAP;
    size_t share = (size_t)(CS_INDEX_SPARSE_CAP_SHARE * (double)self->features);
    return share > cap ? share : cap;
}

static int s_grow_slots(cs_index_t *self)
{
    size_t cap = self->cap ? 2 * self->cap : 4096;
    slot_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < self->cap; i++)
        if (self->slots[i].list)
            *s_slot(slots, cap, self->slots[i].key) = self->slots[i];
    free(self->slots);
    self->slots = slots;
    self->cap = cap;
    return 0;
}

static int s_sparse_add(cs_index_t *self, uint32_t pos, const cs_vec_t *v)
{
    size_t cap = s_cap(self);
    for (int i = 0; i < v->n; i++) {
        if (2 * (self->used + 1) > self->cap && s_grow_slots(self) != 0)
            return -1;
        slot_t *s = s_slot(self->slots, self->cap, v->idx[i]);
        if (!s->list) {
            if (self->nlists == self->lists_cap) {
                size_t lc = self->lists_cap ? 2 * self->lists_cap : 4096;
                postings_t *l = realloc(self->lists, lc * sizeof *l);
                if (!l)
                    return -1;
                self->lists = l;
                self->lists_cap = lc;
            }
            self->lists[self->nlists++] = (postings_t){0};
            s->key = v->idx[i];
            s->list = (uint32_t)self->nlists;
            self->used++;
        }
        postings_t *p = &self->lists[s->list - 1];
        if (p->n == STOPPED || (p->n && p->pos[p->n - 1] == pos))
            continue;
        if (p->n >= cap) { /* in too many features to tell them apart: stop indexing it */
            free(p->pos);
            *p = (postings_t){.n = STOPPED};
            self->stopped++;
            continue;
        }
        if (s_push(p, pos) != 0)
            return -1;
    }
    return 0;
}

/* ---- both ------------------------------------------------------------------------------------ */

static int s_add(cs_index_t *self, uint32_t pos, int theme, const cs_vec_t *v, bool replace,
                 uint32_t *entry)
{
    if (entry)
        *entry = CS_INDEX_NO_ENTRY;
    if (self->failed || !v->n)
        return self->failed ? -1 : 0;
    if (pos >= self->ntheme_of) {
        size_t n = self->ntheme_of ? 2 * self->ntheme_of : 4096;
        while (n <= pos)
            n *= 2;
        int32_t *t = realloc(self->theme_of, n * sizeof *t);
        if (!t) {
            self->failed = true;
            return -1;
        }
        self->theme_of = t;
        self->ntheme_of = n;
    }
    self->theme_of[pos] = theme;
    if (!self->sparse && !self->ivf && !(self->ivf = cs_ivf_new())) {
        self->failed = true;
        return -1;
    }
    int rc = self->sparse ? s_sparse_add(self, pos, v)
             : replace    ? cs_ivf_replace(self->ivf, pos, v->val, v->n, entry)
                          : cs_ivf_add(self->ivf, pos, v->val, v->n, entry);
    if (rc != 0)
        self->failed = true;
    return rc;
}

int cs_index_add(cs_index_t *self, uint32_t pos, int theme, const cs_vec_t *v, uint32_t *entry)
{
    return s_add(self, pos, theme, v, false, entry);
}

int cs_index_replace(cs_index_t *self, uint32_t pos, int theme, const cs_vec_t *v, uint32_t *entry)
{
    return s_add(self, pos, theme, v, true, entry);
}

double cs_index_score(const cs_index_t *self, uint32_t entry, const cs_vec_t *q)
{
    if (!self->ivf || q->idx || q->n != cs_ivf_dims(self->ivf))
        return 0;
    return cs_ivf_score(self->ivf, entry, q->val);
}

int cs_index_decode(const cs_index_t *self, uint32_t entry, cs_vec_t *out)
{
    *out = (cs_vec_t){0};
    int dims = self->ivf ? cs_ivf_dims(self->ivf) : 0;
    if (dims <= 0 || !(out->val = malloc((size_t)dims * sizeof *out->val)))
        return -1;
    if (cs_ivf_decode(self->ivf, entry, out->val) != 0) {
        cs_vec_free(out);
        return -1;
    }
    out->n = dims;
    return 0;
}

void cs_index_grown(cs_index_t *self, size_t features)
{
    self->features = features;
    if (self->sparse || self->failed || features < self->o.min_features || !self->ivf)
        return;
    size_t at = cs_ivf_trained_at(self->ivf);
    if (at && cs_ivf_entries(self->ivf) < 2 * at)
        return;
    if (cs_ivf_train(self->ivf) != 0)
        self->failed = true;
}

bool cs_index_ready(const cs_index_t *self, size_t features)
{
    if (self->failed || features < self->o.min_features || self->o.min_features == SIZE_MAX)
        return false;
    return self->sparse || (self->ivf && cs_ivf_trained_at(self->ivf) > 0);
}

static int s_scratch(cs_index_t *self, size_t features)
{
    if (features > self->scratch) {
        size_t n = features + features / 4 + 1024;
        float *acc = realloc(self->acc, n * sizeof *acc);
        if (acc)
            self->acc = acc;
        uint32_t *stamp = realloc(self->stamp, n * sizeof *stamp);
        if (!acc || !stamp)
            return -1;
        memset(stamp + self->scratch, 0, (n - self->scratch) * sizeof *stamp);
        self->stamp = stamp;
        self->scratch = n;
    }
    if (++self->now >= REFUSED) { /* stamps with REFUSED set are refusals: start again */
        memset(self->stamp, 0, self->scratch * sizeof *self->stamp);
        self->now = 1;
    }
    self->ntouched = 0;
    return 0;
}

/* What a query asks for: a theme (-1: any) and positions >= from. */
typedef struct {
    int theme;
    size_t from;
} want_t;

/* Position `pos` with weight w: accumulated when wanted. */
static int s_touch(cs_index_t *self, uint32_t pos, float w, const want_t *want)
{
    if (pos >= self->scratch)
        return 0;
    if (self->stamp[pos] == self->now) {
        self->acc[pos] += w;
        return 0;
    }
    if (self->stamp[pos] == (self->now | REFUSED)) /* refused already */
        return 0;
    if (pos < want->from || pos >= self->ntheme_of ||
        (want->theme >= 0 && self->theme_of[pos] != want->theme)) {
        self->stamp[pos] = self->now | REFUSED;
        return 0;
    }
    if (self->ntouched == self->touched_cap) {
        size_t cap = self->touched_cap ? 2 * self->touched_cap : 1024;
        uint32_t *t = realloc(self->touched, cap * sizeof *t);
        if (!t)
            return -1;
        self->touched = t;
        self->touched_cap = cap;
    }
    self->touched[self->ntouched++] = pos;
    self->stamp[pos] = self->now;
    self->acc[pos] = w;
    return 0;
}

typedef struct {
    const postings_t *p;
    float w;
} term_t;

static int s_by_length(const void *a, const void *b)
{
    uint32_t x = ((const term_t *)a)->p->n, y = ((const term_t *)b)->p->n;
    return x < y ? -1 : x > y;
}

/* The query's hashes (q's, then qwords'), rarest first, until the budget of postings is
   spent. */
static int s_walk(cs_index_t *self, size_t features, const cs_vec_t *q, const cs_vec_t *qwords,
                  const want_t *want)
{
    size_t nq = (size_t)q->n + (qwords ? (size_t)qwords->n : 0), nt = 0;
    term_t *terms = malloc((nq ? nq : 1) * sizeof *terms);
    if (!terms)
        return -1;
    for (size_t i = 0; i < nq; i++) {
        const cs_vec_t *v = i < (size_t)q->n ? q : qwords;
        size_t at = i < (size_t)q->n ? i : i - (size_t)q->n;
        const postings_t *p = s_find(self, v->idx[at]);
        if (!p || p->n == STOPPED || !p->n)
            continue;
        float idf = (float)log((double)(features + 1) / (double)(p->n + 1));
        terms[nt++] = (term_t){p, v->val[at] * idf};
    }
    qsort(terms, nt, sizeof *terms, s_by_length);
    size_t budget = self->o.budget ? self->o.budget : CS_INDEX_SPARSE_BUDGET, spent = 0;
    int rc = 0;
    for (size_t i = 0; i < nt && spent < budget && rc == 0; i++) {
        spent += terms[i].p->n;
        for (uint32_t j = 0; j < terms[i].p->n && rc == 0; j++)
            rc = s_touch(self, terms[i].p->pos[j], terms[i].w, want);
    }
    free(terms);
    return rc;
}

static int s_by_pos(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    cs_index_t *self;
    const want_t *want;
} visit_t;

/* A dense entry read by the search: its owner keeps the best score of its entries. */
static int s_visit(void *arg, uint32_t pos, float score)
{
    visit_t *v = arg;
    cs_index_t *self = v->self;
    if (pos < self->scratch && self->stamp[pos] == self->now) {
        if (score > self->acc[pos])
            self->acc[pos] = score;
        return 0;
    }
    return s_touch(self, pos, score, v->want);
}

/* Reorder a[0..n) so that its first k have the largest acc (quickselect). */
static void s_select(uint32_t *a, size_t n, size_t k, const float *acc)
{
    size_t lo = 0, hi = n;
    uint64_t r = 0x9e3779b97f4a7c15u;
    while (hi - lo > 1) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        float pivot = acc[a[lo + r % (hi - lo)]];
        size_t i = lo, gt = lo, j = hi; /* [lo,gt) > pivot, [gt,i) == pivot, [j,hi) < pivot */
        while (i < j) {
            float v = acc[a[i]];
            if (v > pivot) {
                uint32_t t = a[i];
                a[i++] = a[gt];
                a[gt++] = t;
            } else if (v < pivot) {
                uint32_t t = a[i];
                a[i] = a[--j];
                a[j] = t;
            } else {
                i++;
            }
        }
        if (k < gt)
            hi = gt;
        else if (k > j)
            lo = j;
        else
            return;
    }
}

long cs_index_candidates(cs_index_t *self, size_t features, const cs_vec_t *q,
                         const cs_vec_t *qwords, int theme, size_t from, uint32_t **out,
                         size_t *cap)
{
    if (s_scratch(self, features) != 0)
        return -1;
    want_t want = {theme, from};
    visit_t visit = {self, &want};
    int rc = self->sparse ? s_walk(self, features, q, qwords, &want)
                          : cs_ivf_search(self->ivf, q->val, q->n, self->o.nprobe,
                                          self->o.shortlist, &self->ntouched, s_visit, &visit);
    if (rc != 0)
        return -1;
    size_t n = self->ntouched;
    if (n > self->o.shortlist) {
        s_select(self->touched, n, self->o.shortlist, self->acc);
        n = self->o.shortlist;
    }
    qsort(self->touched, n, sizeof *self->touched, s_by_pos);
    if (n > *cap) {
        uint32_t *a = realloc(*out, n * sizeof *a);
        if (!a)
            return -1;
        *out = a;
        *cap = n;
    }
    if (n)
        memcpy(*out, self->touched, n * sizeof **out);
    return (long)n;
}

size_t cs_index_bytes(const cs_index_t *self)
{
    size_t b = self->cap * sizeof(slot_t) + self->lists_cap * sizeof(postings_t);
    for (size_t i = 0; i < self->nlists; i++)
        b += self->lists[i].n == STOPPED ? 0 : self->lists[i].cap * sizeof(uint32_t);
    b += self->ivf ? cs_ivf_bytes(self->ivf) : 0;
    b += self->scratch * (sizeof(float) + sizeof(uint32_t)) + self->ntheme_of * sizeof(int32_t);
    return b;
}

size_t cs_index_stopped(const cs_index_t *self)
{
    return self->stopped;
}
