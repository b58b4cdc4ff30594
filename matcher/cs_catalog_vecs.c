/*  cs_catalog_vecs: how a large catalogue keeps its features' vectors (cs_catalog.h).

    From the index's size on (CS_INDEX_MIN_FEATURES), a million vectors as cs_vec_t floats
    would be most of the matcher's memory, so the catalogue keeps them compact:
      - dense (provider) vectors only as the index's int8 codes (cs_ivf.h: decoded, unit length):
        vec.val is freed, vec.n stays, and the vector score is cs_index_score;
      - sparse (offline) vectors packed: one block of the n hashes, a step, and n int16 codes
        (value = code x step, step = max |value| / 32767: off by at most half a step, 1/65534 of
        the largest value), instead of two blocks of 32-bit hashes and floats (6n + 4 bytes
        instead of 8n and a second heap block).
    Below that size the floats stay, so a small catalogue's scores are the same to the bit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cs_catalog.h"
#include "cs_catalog_int.h"
#include "cs_index.h"

/* A dense vector whose codes the index holds (entry): its floats are freed. */
static void s_drop_floats(cs_vec_t *v, uint32_t entry)
{
    if (v->n && v->val && !v->idx && entry != CS_INDEX_NO_ENTRY) {
        free(v->val);
        v->val = NULL;
    }
}

/* A sparse vector packed (cs_catalog_packed); left as it is when out of memory. */
static void s_pack(cs_vec_t *v)
{
    if (!v->n || !v->val || !v->idx)
        return;
    size_t n = (size_t)v->n;
    uint32_t *block = malloc(n * sizeof *block + sizeof(float) + n * sizeof(int16_t));
    if (!block)
        return;
    float max = 0;
    for (size_t i = 0; i < n; i++)
        max = fabsf(v->val[i]) > max ? fabsf(v->val[i]) : max;
    float step = max > 0 ? max / 32767.0f : 1.0f;
    memcpy(block, v->idx, n * sizeof *block);
    memcpy(block + n, &step, sizeof step);
    int16_t *codes = (int16_t *)(void *)(block + n + 1);
    for (size_t i = 0; i < n; i++)
        codes[i] = (int16_t)lrintf(v->val[i] / step);
    free(v->idx);
    free(v->val);
    v->idx = block;
    v->val = NULL;
}

static void s_compact_vec(cs_catalog_t *self, cs_vec_t *v, cs_vec_t *weighted, uint32_t entry)
{
    cs_vec_free(weighted); /* a small catalogue's weighted copy: no longer read */
    if (self->sparse)
        s_pack(v);
    else
        s_drop_floats(v, entry);
}

void cs_catalog_compact(cs_catalog_t *self, cs_feature_t *f)
{
    if (!self->compact) {
        if (!cs_index_ready(self->index, self->n))
            return;
        self->compact = true;
        for (size_t i = 0; i < self->n; i++)
            if (self->features[i] != f)
                cs_catalog_compact(self, self->features[i]);
    }
    s_compact_vec(self, &f->vec, &f->weighted, f->entry);
    for (int a = 0; a < f->naliases; a++)
        s_compact_vec(self, &f->aliases[a].vec, &f->aliases[a].weighted, f->aliases[a].entry);
}

/* A packed sparse vector's floats into out (new arrays). */
static int s_unpack(const cs_vec_t *v, cs_vec_t *out)
{
    size_t n = (size_t)v->n;
    *out = (cs_vec_t){0};
    out->idx = malloc(n * sizeof *out->idx);
    out->val = malloc(n * sizeof *out->val);
    if (!out->idx || !out->val) {
        cs_vec_free(out);
        return -1;
    }
    float step;
    const int16_t *codes = cs_catalog_packed(v, &step);
    memcpy(out->idx, v->idx, n * sizeof *out->idx);
    for (size_t i = 0; i < n; i++)
        out->val[i] = (float)codes[i] * step;
    out->n = v->n;
    return 0;
}

/* The floats of a compact vector into out (new). */
static int s_floats(const cs_catalog_t *self, const cs_vec_t *v, uint32_t entry, cs_vec_t *out)
{
    if (!v->n || v->val)
        return cs_vec_copy(v, out);
    return v->idx ? s_unpack(v, out) : cs_index_decode(self->index, entry, out);
}

int cs_catalog_expand(cs_catalog_t *self, cs_vec_t *v, uint32_t entry)
{
    if (!v->n || v->val)
        return 0;
    cs_vec_t d;
    if (s_floats(self, v, entry, &d) != 0)
        return -1;
    cs_vec_free(v);
    *v = d;
    return 0;
}

int cs_catalog_vec(const cs_catalog_t *self, const cs_feature_t *feature, cs_vec_t *out)
{
    return s_floats(self, &feature->vec, feature->entry, out);
}

int cs_catalog_alias_vec(const cs_catalog_t *self, const cs_feature_t *feature, int alias,
                         cs_vec_t *out)
{
    *out = (cs_vec_t){0};
    if (alias < 0)
        return feature->vec.n ? s_floats(self, &feature->vec, feature->entry, out) : 0;
    const cs_alias_t *a = &feature->aliases[alias];
    return a->vec.n ? s_floats(self, &a->vec, a->entry, out) : 0;
}

double cs_catalog_similarity(const cs_catalog_t *self, const cs_feature_t *feature,
                             const cs_vec_t *q)
{
    const cs_vec_t *v = &feature->vec;
    if (!v->n)
        return -1;
    if (v->val)
        return cs_vec_dot(q, v);
    if (!v->idx)
        return cs_index_score(self->index, feature->entry, q);
    if (!q->idx)
        return 0;
    float step;
    const int16_t *codes = cs_catalog_packed(v, &step);
    double sum = 0;
    for (int i = 0, j = 0; i < q->n && j < v->n;) {
        if (q->idx[i] < v->idx[j])
            i++;
        else if (q->idx[i] > v->idx[j])
            j++;
        else
            sum += (double)q->val[i++] * ((float)codes[j++] * step);
    }
    return sum;
}
