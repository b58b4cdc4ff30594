/*  cs_catalog_int: the catalogue's state, shared by cs_catalog.c and cs_catalog_names.c (the
    name lookups). Not for other modules: they use cs_catalog.h. */
#ifndef CS_CATALOG_INT_H
#define CS_CATALOG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <czmq.h>

#include "cs_catalog.h"

/* Document frequencies: open addressing on the n-gram hash; count 0 marks an empty slot. */
typedef struct {
    uint32_t key, count;
} df_slot_t;

typedef struct {
    df_slot_t *slots;
    size_t cap, used;
    size_t docs; /* names and aliases counted */
} df_t;

typedef struct {
    char id[CS_UUID_LEN];
    char *name;
    bool is_default;
    cs_feature_t **features; /* the theme's features in position order (borrowed) */
    size_t n, cap;
} theme_t;

struct cs_catalog {
    char workspace_id[CS_UUID_LEN];
    bool sparse;
    int reloads;
    theme_t *themes;
    size_t nthemes;
    cs_feature_t **features;
    size_t n, cap;
    /* The three lookups keep no copy of their keys: by_id's key is the feature's id; the other
       two's a cs_feature_t whose theme_id and norm are compared, the feature's own or a name
       key of cs_catalog_add_name (name_keys, which owns them). */
    zhashx_t *by_id;         /* id -> feature */
    zhashx_t *by_theme_name; /* (theme_id, norm) -> earliest feature */
    zhashx_t *by_name;       /* norm -> earliest feature */
    cs_feature_t **name_keys;
    size_t nname_keys, name_keys_cap;
    bool compact;         /* dense, index-sized: vectors kept as the index's codes only */
    double vector_weight; /* in the fused score */
    df_t df;              /* of the vectors' n-grams (sparse catalogues) */
    df_t wdf;             /* of the terms (cs_vec_words), for the lexical score */
    int epoch;            /* of the IDF the cached weighted vectors use */
    size_t epoch_docs;    /* documents counted in df when the epoch began */
    size_t missing;       /* features without a vector */
    cs_index_t *index;    /* asked from CS_INDEX_MIN_FEATURES features on (cs_index.h) */
    uint32_t *cand;       /* the index's candidates of the current query */
    size_t cand_cap;
    bool scan;    /* cs_catalog_set_scan: every query scans */
    double *qidf; /* the IDF of each hash of the current (sparse) query */
    bool large;   /* the current query's: index-sized, lengths instead of copies */
    size_t qidf_cap;
};

/* A sparse vector packed by cs_catalog_compact (val NULL): idx points at one block of its n
   hashes, then the step (a float), then n int16 values (value = code x step). The codes and
   their step into *step. */
static inline const int16_t *cs_catalog_packed(const cs_vec_t *v, float *step)
{
    memcpy(step, v->idx + v->n, sizeof *step);
    return (const int16_t *)(const void *)(v->idx + v->n + 1);
}

/* From the index's size on (cs_index_ready, the first time), keep f's vectors (and, that first
   time, every feature's) compact: dense ones as the index's codes only, sparse ones packed. */
void cs_catalog_compact(cs_catalog_t *self, cs_feature_t *f);
/* A compact vector back as floats (dense: decoded from the entry's codes). 0, or -1 when out
   of memory. */
int cs_catalog_expand(cs_catalog_t *self, cs_vec_t *v, uint32_t entry);

/* Make the name lookups keep no copy of their keys (cs_catalog_new). */
void cs_catalog_names_setup(cs_catalog_t *self);
/* Free the keys of cs_catalog_add_name's names (after the lookups were purged). */
void cs_catalog_names_forget(cs_catalog_t *self);
/* The (theme_id, norm) of key leads to f, unless a feature has it already; key is f itself or a
   name key that lives until cs_catalog_names_forget. */
void cs_catalog_names_index(cs_catalog_t *self, cs_feature_t *f, const cs_feature_t *key);

#endif
