#include "cs_catalog.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <czmq.h>

#include "cs_catalog_int.h"
#include "cs_index.h"
#include "cs_util.h"

static void s_feature_free(cs_feature_t *f)
{
    if (!f)
        return;
    free(f->name);
    free(f->norm);
    free(f->description);
    cs_vec_free(&f->vec);
    cs_vec_free(&f->weighted);
    cs_vec_free(&f->words);
    for (int i = 0; i < CS_CATALOG_QUOTES; i++)
        free(f->quotes[i]);
    for (int i = 0; i < f->naliases; i++) {
        free(f->aliases[i].name);
        cs_vec_free(&f->aliases[i].vec);
        cs_vec_free(&f->aliases[i].weighted);
        cs_vec_free(&f->aliases[i].words);
    }
    free(f->aliases);
    free(f);
}

cs_catalog_t *cs_catalog_new(const char *workspace_id, bool sparse)
{
    cs_catalog_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    cs_strlcpy(self->workspace_id, workspace_id ? workspace_id : "", sizeof self->workspace_id);
    self->sparse = sparse;
    self->vector_weight = sparse ? CS_CATALOG_VECTOR_WEIGHT_SPARSE : CS_CATALOG_VECTOR_WEIGHT_DENSE;
    self->by_id = zhashx_new();
    self->by_theme_name = zhashx_new();
    self->by_name = zhashx_new();
    self->index = cs_index_new(sparse, NULL);
    if (!self->by_id || !self->by_theme_name || !self->by_name || !self->index) {
        cs_catalog_destroy(&self);
        return NULL;
    }
    cs_catalog_names_setup(self);
    return self;
}

static void s_forget(cs_catalog_t *self)
{
    for (size_t i = 0; i < self->n; i++)
        s_feature_free(self->features[i]);
    self->n = 0;
    for (size_t i = 0; i < self->nthemes; i++) {
        free(self->themes[i].name);
        free(self->themes[i].features);
    }
    free(self->themes);
    self->themes = NULL;
    self->nthemes = 0;
    zhashx_purge(self->by_id);
    zhashx_purge(self->by_theme_name);
    zhashx_purge(self->by_name);
    cs_catalog_names_forget(self);
    self->compact = false;
    free(self->df.slots);
    free(self->wdf.slots);
    self->df = self->wdf = (df_t){0};
    self->epoch_docs = self->missing = 0;
    self->epoch++;
    if (self->index)
        cs_index_clear(self->index);
}

void cs_catalog_destroy(cs_catalog_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cs_catalog_t *self = *self_p;
    if (self->by_id)
        s_forget(self);
    free(self->features);
    zhashx_destroy(&self->by_id);
    zhashx_destroy(&self->by_theme_name);
    zhashx_destroy(&self->by_name);
    cs_index_destroy(&self->index);
    free(self->cand);
    free(self->qidf);
    free(self);
    *self_p = NULL;
}

const char *cs_catalog_workspace(const cs_catalog_t *self)
{
    return self->workspace_id;
}

void cs_catalog_clear(cs_catalog_t *self)
{
    s_forget(self);
    self->reloads++;
}

int cs_catalog_reloads(const cs_catalog_t *self)
{
    return self->reloads;
}

int cs_catalog_add_theme(cs_catalog_t *self, const char *id, const char *name, bool is_default)
{
    theme_t *t = realloc(self->themes, (self->nthemes + 1) * sizeof *t);
    if (!t)
        return -1;
    self->themes = t;
    theme_t *nt = &t[self->nthemes];
    *nt = (theme_t){0};
    cs_strlcpy(nt->id, id, sizeof nt->id);
    nt->name = strdup(name ? name : "");
    nt->is_default = is_default;
    if (!nt->name)
        return -1;
    self->nthemes++;
    return 0;
}

size_t cs_catalog_themes(const cs_catalog_t *self)
{
    return self->nthemes;
}

const char *cs_catalog_theme_id(const cs_catalog_t *self, const char *name)
{
    const char *dflt = NULL;
    for (size_t i = 0; i < self->nthemes; i++) {
        if (name && strcasecmp(self->themes[i].name, name) == 0)
            return self->themes[i].id;
        if (self->themes[i].is_default && !dflt)
            dflt = self->themes[i].id;
    }
    if (dflt)
        return dflt;
    return self->nthemes ? self->themes[0].id : NULL;
}

static int s_theme_index(const cs_catalog_t *self, const char *theme_id)
{
    for (size_t i = 0; theme_id && i < self->nthemes; i++)
        if (strcmp(self->themes[i].id, theme_id) == 0)
            return (int)i;
    return -1;
}

const char *cs_catalog_theme_name(const cs_catalog_t *self, const char *theme_id)
{
    int i = s_theme_index(self, theme_id);
    return i >= 0 ? self->themes[i].name : NULL;
}

/* ---- document frequencies ----------------------------------------------------------------- */

static df_slot_t *s_df_slot(df_slot_t *table, size_t cap, uint32_t key)
{
    size_t i = (key * 2654435761u) & (cap - 1);
    while (table[i].count && table[i].key != key)
        i = (i + 1) & (cap - 1);
    return &table[i];
}

static uint32_t s_df(const df_t *df, uint32_t key)
{
    if (!df->cap)
        return 0;
    return s_df_slot(df->slots, df->cap, key)->count;
}

static int s_df_grow(df_t *df)
{
    size_t cap = df->cap ? 2 * df->cap : 1024;
    df_slot_t *table = calloc(cap, sizeof *table);
    if (!table)
        return -1;
    for (size_t i = 0; i < df->cap; i++)
        if (df->slots[i].count)
            *s_df_slot(table, cap, df->slots[i].key) = df->slots[i];
    free(df->slots);
    df->slots = table;
    df->cap = cap;
    return 0;
}

/* Count one document's hashes. */
static int s_df_add(df_t *df, const cs_vec_t *v)
{
    for (int i = 0; i < v->n; i++) {
        if (2 * (df->used + 1) > df->cap && s_df_grow(df) != 0)
            return -1;
        df_slot_t *s = s_df_slot(df->slots, df->cap, v->idx[i]);
        if (!s->count) {
            s->key = v->idx[i];
            df->used++;
        }
        s->count++;
    }
    df->docs++;
    return 0;
}

static int s_df_count(cs_catalog_t *self, const cs_vec_t *v)
{
    if (s_df_add(&self->df, v) != 0)
        return -1;
    /* a quarter more documents: the cached weights are stale enough to redo */
    if (self->df.docs > self->epoch_docs + self->epoch_docs / 4) {
        self->epoch++;
        self->epoch_docs = self->df.docs;
    }
    return 0;
}

static double s_idf_in(const df_t *df, uint32_t key)
{
    return log((double)(df->docs + 1) / (double)(s_df(df, key) + 1)) + 1.0;
}

static double s_idf(const cs_catalog_t *self, uint32_t key)
{
    return s_idf_in(&self->df, key);
}

/* v weighted by the current IDF, unit length, into out (sparse, allocated). */
static int s_weigh(const cs_catalog_t *self, const cs_vec_t *v, cs_vec_t *out)
{
    if (cs_vec_copy(v, out) != 0)
        return -1;
    double norm = 0;
    for (int i = 0; i < out->n; i++) {
        out->val[i] = (float)(out->val[i] * s_idf(self, out->idx[i]));
        norm += (double)out->val[i] * out->val[i];
    }
    if (norm > 0) {
        float scale = (float)(1.0 / sqrt(norm));
        for (int i = 0; i < out->n; i++)
            out->val[i] *= scale;
    }
    return 0;
}

/* ---- features ----------------------------------------------------------------------------- */

cs_feature_t *cs_catalog_add(cs_catalog_t *self, const char *id, const char *theme_id,
                             const char *name, const char *description, cs_vec_t *vec, bool own)
{
    if (!id || zhashx_lookup(self->by_id, id))
        return NULL;
    if (self->n == self->cap) {
        size_t cap = self->cap ? 2 * self->cap : 64;
        cs_feature_t **a = realloc(self->features, cap * sizeof *a);
        if (!a)
            return NULL;
        self->features = a;
        self->cap = cap;
    }
    cs_feature_t *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->entry = CS_INDEX_NO_ENTRY;
    cs_strlcpy(f->id, id, sizeof f->id);
    cs_strlcpy(f->theme_id, theme_id ? theme_id : "", sizeof f->theme_id);
    f->name = strdup(name ? name : "");
    f->norm = cs_vec_norm_name(name);
    f->description = strdup(description ? description : "");
    if (!f->name || !f->norm || !f->description) {
        s_feature_free(f);
        return NULL;
    }
    if (cs_vec_words(f->name, &f->words) != 0 || s_df_add(&self->wdf, &f->words) != 0) {
        s_feature_free(f);
        return NULL;
    }
    f->vec = *vec;
    *vec = (cs_vec_t){0};
    f->epoch = f->norm_epoch = -1;
    f->theme = s_theme_index(self, f->theme_id);
    f->own = own;
    f->mentions = own; /* created for a mention */
    f->pos = self->n;
    theme_t *t = f->theme >= 0 ? &self->themes[f->theme] : NULL;
    if (t && t->n == t->cap) { /* the theme's own list, so a query in one theme scans only it */
        size_t cap = t->cap ? 2 * t->cap : 16;
        cs_feature_t **a = realloc(t->features, cap * sizeof *a);
        if (!a) {
            s_feature_free(f);
            return NULL;
        }
        t->features = a;
        t->cap = cap;
    }
    if (self->sparse && f->vec.n && s_df_count(self, &f->vec) != 0) {
        s_feature_free(f);
        return NULL;
    }
    if (t)
        t->features[t->n++] = f;
    if (f->vec.n == 0)
        self->missing++;
    self->features[self->n++] = f;
    zhashx_insert(self->by_id, f->id, f);
    cs_catalog_names_index(self, f, f);
    /* an index that runs out of memory drops itself: the catalogue scans, as below the size */
    cs_index_add(self->index, (uint32_t)f->pos, f->theme, &f->vec, &f->entry);
    cs_index_grown(self->index, self->n);
    cs_catalog_compact(self, f);
    return f;
}

int cs_catalog_add_alias(cs_catalog_t *self, cs_feature_t *f, const char *name, cs_vec_t *vec)
{
    char *norm = cs_vec_norm_name(name);
    if (!norm)
        return -1;
    bool known = !norm[0] || strcmp(norm, f->norm) == 0 || f->naliases == CS_CATALOG_MAX_ALIASES;
    for (int i = 0; i < f->naliases && !known; i++) {
        char *other = cs_vec_norm_name(f->aliases[i].name);
        known = !other || strcmp(other, norm) == 0;
        free(other);
    }
    free(norm);
    if (known) {
        cs_vec_free(vec);
        return 0;
    }
    cs_alias_t a = {
        .name = strdup(name), .epoch = -1, .norm_epoch = -1, .entry = CS_INDEX_NO_ENTRY};
    if (!a.name || cs_vec_words(name, &a.words) != 0 || s_df_add(&self->wdf, &a.words) != 0 ||
        (self->sparse && vec->n && s_df_count(self, vec) != 0)) {
        free(a.name);
        cs_vec_free(&a.words);
        cs_vec_free(vec);
        return -1;
    }
    cs_alias_t *grown = realloc(f->aliases, (size_t)(f->naliases + 1) * sizeof *grown);
    if (!grown) {
        free(a.name);
        cs_vec_free(&a.words);
        cs_vec_free(vec);
        return -1;
    }
    f->aliases = grown;
    a.vec = *vec;
    *vec = (cs_vec_t){0};
    cs_index_add(self->index, (uint32_t)f->pos, f->theme, &a.vec, &a.entry);
    f->aliases[f->naliases++] = a;
    cs_catalog_compact(self, f);
    return 0;
}

int cs_catalog_merge(cs_catalog_t *self, cs_feature_t *source, cs_feature_t *into)
{
    if (source == into || source->merged_into || into->merged_into)
        return -1;
    source->merged_into = into;
    into->mentions += source->mentions;
    source->mentions = 0;
    int rc = cs_catalog_add_name(self, into, source->theme_id, source->name);
    for (int i = -1; i < source->naliases; i++) {
        cs_vec_t v;
        if (cs_catalog_alias_vec(self, source, i, &v) != 0 ||
            cs_catalog_add_alias(self, into, i < 0 ? source->name : source->aliases[i].name, &v) !=
                0)
            rc = -1;
    }
    return rc;
}

int cs_catalog_add_quote(cs_feature_t *f, const char *quote)
{
    if (!quote || !quote[0])
        return 0;
    for (int i = 0; i < CS_CATALOG_QUOTES; i++)
        if (f->quotes[i] && strcmp(f->quotes[i], quote) == 0)
            return 0;
    char *copy = strdup(quote);
    if (!copy)
        return -1;
    free(f->quotes[CS_CATALOG_QUOTES - 1]);
    memmove(&f->quotes[1], &f->quotes[0], (CS_CATALOG_QUOTES - 1) * sizeof f->quotes[0]);
    f->quotes[0] = copy;
    return 0;
}

void cs_catalog_set_vec(cs_catalog_t *self, cs_feature_t *f, cs_vec_t *vec)
{
    if (f->vec.n == 0 && vec->n > 0 && self->missing)
        self->missing--;
    cs_vec_free(&f->vec);
    f->vec = *vec;
    *vec = (cs_vec_t){0};
    if (self->sparse && f->vec.n)
        s_df_count(self, &f->vec);
    f->epoch = f->norm_epoch = -1;
    cs_index_replace(self->index, (uint32_t)f->pos, f->theme, &f->vec, &f->entry);
    cs_index_grown(self->index, self->n);
    cs_catalog_compact(self, f);
}

size_t cs_catalog_size(const cs_catalog_t *self)
{
    return self->n;
}

cs_feature_t *cs_catalog_at(cs_catalog_t *self, size_t i)
{
    return i < self->n ? self->features[i] : NULL;
}

const cs_feature_t *cs_catalog_get(const cs_catalog_t *self, const char *id)
{
    return id ? zhashx_lookup(self->by_id, id) : NULL;
}

size_t cs_catalog_missing(const cs_catalog_t *self)
{
    return self->missing;
}

#define LEX_MIN_WEIGHT 1.5

/* The lexical score of query words q against a name's words d (both sorted by hash). */
static double s_lexical(const cs_catalog_t *self, const cs_vec_t *q, const cs_vec_t *d)
{
    if (!q || !q->n || !d->n)
        return 0;
    double shared = 0, sq = 0, sd = 0;
    for (int i = 0, j = 0; i < q->n || j < d->n;) {
        if (j == d->n || (i < q->n && q->idx[i] < d->idx[j])) {
            sq += s_idf_in(&self->wdf, q->idx[i]) * q->val[i];
            i++;
        } else if (i == q->n || d->idx[j] < q->idx[i]) {
            sd += s_idf_in(&self->wdf, d->idx[j]) * d->val[j];
            j++;
        } else {
            double idf = s_idf_in(&self->wdf, q->idx[i]);
            double wq = q->val[i], wd = d->val[j];
            shared += idf * (wq < wd ? wq : wd);
            sq += idf * wq;
            sd += idf * wd;
            i++;
            j++;
        }
    }
    if (shared <= 0)
        return 0;
    double cq = shared / sq, cd = shared / sd;
    double shorter = q->n <= d->n ? cq : cd;
    double alike = q->n <= d->n ? (double)q->n / d->n : (double)d->n / q->n;
    double lex = shorter * (1 - alike) + sqrt(cq * cd) * alike;
    /* a side of less than LEX_MIN_WEIGHT in terms ("Help": one word of asking) says too little
       to be covered: its coverage counts in proportion */
    double w = 0;
    const cs_vec_t *s = q->n <= d->n ? q : d;
    for (int i = 0; i < s->n; i++)
        w += s->val[i];
    if (w < LEX_MIN_WEIGHT)
        lex *= w / LEX_MIN_WEIGHT;
    return lex > 1 ? 1 : lex;
}

/* 1 / the length of v weighted by the current IDF (0 for an empty one). */
static float s_inv_norm(const cs_catalog_t *self, const cs_vec_t *v)
{
    double norm = 0;
    float step = 0;
    const int16_t *packed = v->val ? NULL : cs_catalog_packed(v, &step);
    for (int i = 0; i < v->n; i++) {
        float x = packed ? (float)packed[i] * step : v->val[i];
        float w = (float)(x * s_idf(self, v->idx[i]));
        norm += (double)w * w;
    }
    return norm > 0 ? (float)(1.0 / sqrt(norm)) : 0.0f;
}

/* A stored vector's caches: its weighted copy (small catalogues), its weighted length
   (large ones). */
typedef struct {
    cs_vec_t *weighted;
    int *epoch;
    float *inv_norm;
    int *norm_epoch;
    uint32_t entry; /* dense: the index's codes of the vector */
} cache_t;

/* The vector score of q (weighted already when sparse, its hashes' IDF in self->qidf) against
   a stored vector: a small catalogue's against its weighted copy, refreshed when the IDF moved
   on; a large one's weighing the shared hashes as it goes. */
static double s_vector(cs_catalog_t *self, const cs_vec_t *query, const cs_vec_t *vec, cache_t c)
{
    if (!vec->n)
        return 0;
    if (!self->sparse)
        return vec->val ? cs_vec_dot(query, vec) : cs_index_score(self->index, c.entry, query);
    if (!self->large && vec->val) { /* (a packed vector is large's, even if the index failed) */
        if (*c.epoch != self->epoch) {
            cs_vec_free(c.weighted);
            if (s_weigh(self, vec, c.weighted) != 0)
                return 0;
            *c.epoch = self->epoch;
        }
        return cs_vec_dot(query, c.weighted);
    }
    if (*c.norm_epoch != self->epoch) {
        *c.inv_norm = s_inv_norm(self, vec);
        *c.norm_epoch = self->epoch;
    }
    float *inv_norm = c.inv_norm;
    double sum = 0;
    float step = 0;
    const int16_t *packed = vec->val ? NULL : cs_catalog_packed(vec, &step);
    for (int i = 0, j = 0; i < query->n && j < vec->n;) {
        if (query->idx[i] < vec->idx[j])
            i++;
        else if (query->idx[i] > vec->idx[j])
            j++;
        else {
            float x = packed ? (float)packed[j] * step : vec->val[j];
            sum += (double)query->val[i] * x * self->qidf[i];
            i++;
            j++;
        }
    }
    return sum * *inv_norm;
}

/* The best of a feature's name and aliases against the query, into *hit. */
static void s_score(cs_catalog_t *self, cs_feature_t *f, const cs_vec_t *query,
                    const cs_vec_t *qwords, cs_hit_t *hit)
{
    double a = self->vector_weight;
    *hit = (cs_hit_t){f, 0, 0, -1, -1};
    for (int i = -1; i < f->naliases; i++) {
        cs_alias_t *al = i >= 0 ? &f->aliases[i] : NULL;
        double v = al ? s_vector(self, query, &al->vec,
                                 (cache_t){&al->weighted, &al->epoch, &al->inv_norm,
                                           &al->norm_epoch, al->entry})
                      : s_vector(self, query, &f->vec,
                                 (cache_t){&f->weighted, &f->epoch, &f->inv_norm, &f->norm_epoch,
                                           f->entry});
        double l = s_lexical(self, qwords, al ? &al->words : &f->words);
        if (v > 1)
            v = 1;
        double fused = a * v + (1 - a) * l;
        if (fused > hit->fused)
            *hit = (cs_hit_t){f, v, l, fused, i};
    }
}

/* What a query compares with: a theme (its index, -1 for all, -2 for one the catalogue does not
   know, compared by id) and positions >= from. */
typedef struct {
    const cs_catalog_t *self;
    int theme;
    const char *theme_id;
    size_t from;
} scope_t;

static bool s_in_scope(const scope_t *sc, const cs_feature_t *f)
{
    if (f->vec.n == 0 || f->pos < sc->from || f->merged_into)
        return false;
    if (sc->theme >= 0)
        return f->theme == sc->theme;
    return sc->theme != -2 || strcmp(f->theme_id, sc->theme_id) == 0;
}

/* f scored against the query and kept in hits (best first) when it makes the first k. */
static void s_rank(cs_catalog_t *self, cs_feature_t *f, const cs_vec_t *query,
                   const cs_vec_t *qwords, int k, cs_hit_t *hits, int *found)
{
    cs_hit_t hit;
    s_score(self, f, query, qwords, &hit);
    if (hit.fused <= 0 || (*found == k && hit.fused <= hits[k - 1].fused))
        return;
    int j = *found < k ? (*found)++ : k - 1;
    while (j > 0 && hits[j - 1].fused < hit.fused) {
        hits[j] = hits[j - 1];
        j--;
    }
    hits[j] = hit;
}

int cs_catalog_top(cs_catalog_t *self, const char *theme_id, const cs_vec_t *q,
                   const cs_vec_t *qwords, int k, cs_hit_t *hits, size_t from)
{
    if (k <= 0 || (q->n == 0 && (!qwords || qwords->n == 0)))
        return 0;
    scope_t sc = {self, -1, theme_id, from};
    if (theme_id && (sc.theme = s_theme_index(self, theme_id)) < 0)
        sc.theme = -2;
    cs_vec_t qw = {0};
    const cs_vec_t *query = q;
    self->large = cs_index_ready(self->index, self->n); /* whether or not it scans */
    if (self->sparse) {
        if (s_weigh(self, q, &qw) != 0)
            return 0;
        query = &qw;
        if ((size_t)qw.n > self->qidf_cap) {
            double *a = realloc(self->qidf, (size_t)qw.n * sizeof *a);
            if (!a) {
                cs_vec_free(&qw);
                return 0;
            }
            self->qidf = a;
            self->qidf_cap = (size_t)qw.n;
        }
        for (int i = 0; i < qw.n; i++)
            self->qidf[i] = s_idf(self, qw.idx[i]);
    }
    int found = 0;
    long nc = -1;
    if (!self->scan && sc.theme != -2 && cs_index_ready(self->index, self->n))
        nc = cs_index_candidates(self->index, self->n, query, qwords, sc.theme, from, &self->cand,
                                 &self->cand_cap);
    if (nc >= 0) { /* the index's candidates, in position order like the scan below */
        for (long i = 0; i < nc; i++)
            if (self->cand[i] < self->n && s_in_scope(&sc, self->features[self->cand[i]]))
                s_rank(self, self->features[self->cand[i]], query, qwords, k, hits, &found);
        cs_vec_free(&qw);
        return found;
    }
    /* a known theme: its own list; otherwise every feature */
    cs_feature_t **list = sc.theme >= 0 ? self->themes[sc.theme].features : self->features;
    size_t count = sc.theme >= 0 ? self->themes[sc.theme].n : self->n;
    for (size_t i = sc.theme >= 0 ? 0 : from; i < count; i++)
        if (s_in_scope(&sc, list[i]))
            s_rank(self, list[i], query, qwords, k, hits, &found);
    cs_vec_free(&qw);
    return found;
}

void cs_catalog_set_index(cs_catalog_t *self, const cs_index_opts_t *opts)
{
    cs_index_t *index = cs_index_new(self->sparse, opts);
    if (!index)
        return;
    /* the vectors kept as the old index's codes become floats again (the new one may be
       ready at another size, or never) */
    for (size_t i = 0; i < self->n; i++) {
        cs_feature_t *f = self->features[i];
        if (cs_catalog_expand(self, &f->vec, f->entry) != 0) {
            cs_index_destroy(&index);
            return;
        }
        for (int a = 0; a < f->naliases; a++)
            if (cs_catalog_expand(self, &f->aliases[a].vec, f->aliases[a].entry) != 0) {
                cs_index_destroy(&index);
                return;
            }
    }
    self->compact = false;
    cs_index_destroy(&self->index);
    self->index = index;
    for (size_t i = 0; i < self->n; i++) {
        cs_feature_t *f = self->features[i];
        cs_index_add(index, (uint32_t)i, f->theme, &f->vec, &f->entry);
        for (int a = 0; a < f->naliases; a++)
            cs_index_add(index, (uint32_t)i, f->theme, &f->aliases[a].vec, &f->aliases[a].entry);
        if ((i + 1) % 1024 == 0 || i + 1 == self->n)
            cs_index_grown(index, i + 1);
    }
    for (size_t i = 0; i < self->n; i++)
        cs_catalog_compact(self, self->features[i]);
}

void cs_catalog_set_scan(cs_catalog_t *self, bool scan)
{
    self->scan = scan;
}

const cs_index_t *cs_catalog_index(const cs_catalog_t *self)
{
    return self->index;
}
