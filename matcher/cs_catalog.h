/*  cs_catalog: one workspace's themes and features in memory, as the matcher compares against
    them: exact names per theme, and the top-k most similar features by vector.

    Features are only ever appended (until cs_catalog_clear, for a reload), so a position is a
    snapshot: the features at positions >= n are the ones added since the catalogue held n.
    The matcher uses that to see whether a feature it is about to create appeared meanwhile.

    With sparse (offline) vectors, similarity is the cosine of the vectors weighted by the
    catalogue's inverse document frequencies, idf(h) = ln((N + 1) / (df(h) + 1)) + 1 over the
    workspace's N features: n-grams that every feature has count for little. Each feature's
    weighted vector is cached and recomputed when the catalogue has grown by a quarter since. */
#ifndef CS_CATALOG_H
#define CS_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "cs_uuid.h"
#include "cs_vec.h"

typedef struct {
    char id[CS_UUID_LEN];
    char theme_id[CS_UUID_LEN]; /* "" when it has none */
    char *name;
    char *norm; /* cs_vec_norm_name(name) */
    char *description;
    cs_vec_t vec;      /* as stored; n = 0 while it still needs an embedding */
    cs_vec_t weighted; /* sparse only: vec weighted by IDF, unit length, as of `epoch` */
    int epoch;
    int theme;  /* index in the catalogue's themes, -1 when none */
    size_t pos; /* position in the catalogue */
    bool own;   /* created by this matcher since it started */
} cs_feature_t;

typedef struct {
    const cs_feature_t *feature;
    double similarity;
} cs_hit_t;

typedef struct cs_catalog cs_catalog_t;

/* An empty catalogue of a workspace whose vectors are sparse (offline) or dense. */
cs_catalog_t *cs_catalog_new(const char *workspace_id, bool sparse);
void cs_catalog_destroy(cs_catalog_t **self_p);

const char *cs_catalog_workspace(const cs_catalog_t *self);

/* Forget every theme and feature (before a reload). Bumps cs_catalog_reloads(). */
void cs_catalog_clear(cs_catalog_t *self);
int cs_catalog_reloads(const cs_catalog_t *self);

/* Add a theme. -1 when out of memory. */
int cs_catalog_add_theme(cs_catalog_t *self, const char *id, const char *name, bool is_default);
size_t cs_catalog_themes(const cs_catalog_t *self);

/* The id of the theme called `name` (case-insensitive), else of the default theme, else of the
   first theme; NULL when the catalogue has no themes. Borrowed. */
const char *cs_catalog_theme_id(const cs_catalog_t *self, const char *name);

/* The name of the theme whose id is theme_id; NULL when the catalogue has no such theme (or
   theme_id is NULL). Borrowed, valid until clear/destroy. */
const char *cs_catalog_theme_name(const cs_catalog_t *self, const char *theme_id);

/* Add a feature; vec is taken (zeroed), and may be empty (n = 0) when it has to be embedded
   before it can be compared (cs_catalog_set_vec). Returns the feature (owned by the
   catalogue, valid until clear/destroy), or NULL when out of memory or the id is already
   there. */
cs_feature_t *cs_catalog_add(cs_catalog_t *self, const char *id, const char *theme_id,
                             const char *name, const char *description, cs_vec_t *vec, bool own);

/* Give a feature its vector (taken) once embedded. */
void cs_catalog_set_vec(cs_catalog_t *self, cs_feature_t *feature, cs_vec_t *vec);

size_t cs_catalog_size(const cs_catalog_t *self);
cs_feature_t *cs_catalog_at(cs_catalog_t *self, size_t i);
const cs_feature_t *cs_catalog_get(const cs_catalog_t *self, const char *id);

/* Features still without a vector. */
size_t cs_catalog_missing(const cs_catalog_t *self);

/* A feature whose normalised name equals name's, in theme_id (in any theme when theme_id is
   NULL), at a position >= from; the earliest such. NULL when none. */
const cs_feature_t *cs_catalog_exact(const cs_catalog_t *self, const char *theme_id,
                                     const char *name, size_t from);

/* The k features most similar to q (sparse q for a sparse catalogue, dense of the same length
   for a dense one) in theme_id (any theme when NULL), among positions >= from, into hits, best
   first. Returns how many were found (<= k). */
int cs_catalog_top(cs_catalog_t *self, const char *theme_id, const cs_vec_t *q, int k,
                   cs_hit_t *hits, size_t from);

#endif
