/*  cs_catalog_names: the catalogue's lookups by name (cs_catalog_exact, cs_catalog_add_name).
    They keep no copy of their keys (a million features would spend 0.2 GB on copies): a key is
    a cs_feature_t whose theme_id and norm are compared, the feature itself for its own name, or
    a bare one that holds only those two for a name given by cs_catalog_add_name. */
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "cs_catalog.h"
#include "cs_catalog_int.h"
#include "cs_util.h"

static size_t s_hash_str(size_t h, const char *p)
{
    while (*p)
        h = (h ^ (unsigned char)*p++) * 1099511628211u;
    return h;
}

static size_t s_name_hash(const void *key)
{
    return s_hash_str(14695981039346656037u, ((const cs_feature_t *)key)->norm);
}

static int s_name_cmp(const void *a, const void *b)
{
    return strcmp(((const cs_feature_t *)a)->norm, ((const cs_feature_t *)b)->norm);
}

static size_t s_theme_name_hash(const void *key)
{
    const cs_feature_t *f = key;
    return s_hash_str(s_hash_str(14695981039346656037u, f->theme_id) * 31 + 1, f->norm);
}

static int s_theme_name_cmp(const void *a, const void *b)
{
    const cs_feature_t *x = a, *y = b;
    int c = strcmp(x->theme_id, y->theme_id);
    return c ? c : strcmp(x->norm, y->norm);
}

void cs_catalog_names_setup(cs_catalog_t *self)
{
    zhashx_t *tables[] = {self->by_id, self->by_theme_name, self->by_name};
    for (int i = 0; i < 3; i++) {
        zhashx_set_key_duplicator(tables[i], NULL);
        zhashx_set_key_destructor(tables[i], NULL);
    }
    zhashx_set_key_hasher(self->by_theme_name, s_theme_name_hash);
    zhashx_set_key_comparator(self->by_theme_name, s_theme_name_cmp);
    zhashx_set_key_hasher(self->by_name, s_name_hash);
    zhashx_set_key_comparator(self->by_name, s_name_cmp);
}

void cs_catalog_names_forget(cs_catalog_t *self)
{
    for (size_t i = 0; i < self->nname_keys; i++) {
        free(self->name_keys[i]->norm);
        free(self->name_keys[i]);
    }
    free(self->name_keys);
    self->name_keys = NULL;
    self->nname_keys = self->name_keys_cap = 0;
}

/* The (theme_id, norm) of key leads to f, unless a feature has it already; key is f itself or a
   name key that lives as long as the catalogue's features. */
void cs_catalog_names_index(cs_catalog_t *self, cs_feature_t *f, const cs_feature_t *key)
{
    if (!zhashx_lookup(self->by_theme_name, key))
        zhashx_insert(self->by_theme_name, key, f);
    if (!zhashx_lookup(self->by_name, key))
        zhashx_insert(self->by_name, key, f);
}

int cs_catalog_add_name(cs_catalog_t *self, cs_feature_t *f, const char *theme_id, const char *name)
{
    if (self->nname_keys == self->name_keys_cap) {
        size_t cap = self->name_keys_cap ? 2 * self->name_keys_cap : 16;
        cs_feature_t **keys = realloc(self->name_keys, cap * sizeof *keys);
        if (!keys)
            return -1;
        self->name_keys = keys;
        self->name_keys_cap = cap;
    }
    cs_feature_t *key = calloc(1, sizeof *key);
    if (!key || !(key->norm = cs_vec_norm_name(name)) || !key->norm[0]) {
        bool empty = key && key->norm;
        if (key)
            free(key->norm);
        free(key);
        return empty ? 0 : -1;
    }
    cs_strlcpy(key->theme_id, theme_id ? theme_id : "", sizeof key->theme_id);
    self->name_keys[self->nname_keys++] = key;
    cs_catalog_names_index(self, f, key);
    return 0;
}

const cs_feature_t *cs_catalog_exact(const cs_catalog_t *self, const char *theme_id,
                                     const char *name, size_t from)
{
    char *norm = cs_vec_norm_name(name);
    if (!norm || !norm[0]) {
        free(norm);
        return NULL;
    }
    cs_feature_t key = {.norm = norm};
    cs_strlcpy(key.theme_id, theme_id ? theme_id : "", sizeof key.theme_id);
    const cs_feature_t *f = zhashx_lookup(theme_id ? self->by_theme_name : self->by_name, &key);
    /* the index keeps the earliest; a later one with the same name only matters to callers
       looking at positions >= from, so look for it by scanning those */
    if (f && f->pos < from) {
        f = NULL;
        for (size_t i = from; i < self->n && !f; i++) {
            const cs_feature_t *g = self->features[i];
            if ((!theme_id || strcmp(g->theme_id, theme_id) == 0) && strcmp(g->norm, norm) == 0)
                f = g;
        }
    }
    while (f && f->merged_into) /* merged away here (cs_catalog_merge): its target */
        f = f->merged_into;
    free(norm);
    return f;
}
