/*  cs_catalog: one workspace's themes and features in memory, as the matcher compares against
    them: exact names per theme, and the top-k most similar features by vector.

    Features are only ever appended (until cs_catalog_clear, for a reload), so a position is a
    snapshot: the features at positions >= n are the ones added since the catalogue held n.
    The matcher uses that to see whether a feature it is about to create appeared meanwhile.

    With sparse (offline) vectors, similarity is the cosine of the vectors weighted by the
    catalogue's inverse document frequencies, idf(h) = ln((N + 1) / (df(h) + 1)) + 1 over the
    workspace's N features: n-grams that every feature has count for little. Each feature's
    weighted vector is cached and recomputed when the catalogue has grown by a quarter since.
    From CS_INDEX_MIN_FEATURES features on (the index's size), a feature keeps only the length
    of its weighted vector, recomputed likewise, and the dot product weighs the few hashes it
    shares with the query by their current IDF as it goes: a weighted copy of a million vectors
    would take a gigabyte.

    From the index's size on (the first time cs_index_ready), the catalogue keeps its vectors
    compact (cs_catalog_vecs.c): a dense (provider) vector only as the index's int8 codes scaled
    to unit length (cs_ivf.h), its float copy freed, the vector score the float query's dot
    product with the decoded codes (within 0.01 of the float cosine, 0.002 on average, as
    tests/unit/test_index.c bounds it at 48 to 1536 dimensions); a
    sparse one packed, its values as int16 with one step per vector (scores within 1e-4).
    A million 1536-dimension vectors take 1.5 GB instead of 6.1 GB. Below that size the floats
    stay and the scores are the same to the bit as before.

    Each comparison gives three scores (cs_hit_t):
      - vector: the cosine of the vectors above;
      - lexical: how much of one side's terms (cs_terms.h) the other has, weighted by the
        terms' inverse document frequencies over the catalogue: the coverage of the side with
        fewer terms, moving towards the geometric mean of both coverages as the two sides'
        lengths become alike ("Slack alerts" against "alerts in Slack when a ticket is
        assigned" is mostly the shorter one's coverage; two titles of equal length need both);
      - fused: vector_weight x vector + (1 - vector_weight) x lexical (cs_catalog_new).
    Candidates are ranked by fused. A feature compares with its name and with each of its
    aliases (other names its mentions came under, up to CS_CATALOG_MAX_ALIASES), and scores the
    best of them, so a chain of requests (A like B, B like C) collapses into one feature. */
#ifndef CS_CATALOG_H
#define CS_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "cs_index.h"
#include "cs_uuid.h"
#include "cs_vec.h"

#define CS_CATALOG_MAX_ALIASES 8
#define CS_CATALOG_QUOTES      3 /* the most recent customer quotes a feature keeps */

/* Another name a feature's mentions came under, as it is compared. */
typedef struct {
    char *name;
    cs_vec_t vec, weighted, words;
    int epoch;
    float inv_norm; /* as the feature's below */
    int norm_epoch;
    uint32_t entry; /* as the feature's below */
} cs_alias_t;

typedef struct cs_feature {
    char id[CS_UUID_LEN];
    char theme_id[CS_UUID_LEN]; /* "" when it has none */
    char *name;
    char *norm; /* cs_vec_norm_name(name) */
    char *description;
    /* as stored; n = 0 while it still needs an embedding. In a catalogue that has grown to the
       index's size, val is NULL (n stays): a dense vector is kept only as the index's int8 codes
       (entry), a sparse one packed behind idx (cs_catalog_vecs.c); read it with cs_catalog_vec
       or cs_catalog_similarity. */
    cs_vec_t vec;
    uint32_t entry;    /* dense: the vector's entry in the index (CS_INDEX_NO_ENTRY: none) */
    cs_vec_t weighted; /* sparse only: vec weighted by IDF, unit length, as of `epoch` */
    int epoch;
    float inv_norm; /* sparse, large catalogues: 1 / the length of vec weighted as of norm_epoch */
    int norm_epoch;
    cs_vec_t words;      /* the name's terms (cs_vec_words), for the lexical score */
    cs_alias_t *aliases; /* naliases of them, at most CS_CATALOG_MAX_ALIASES */
    int naliases;
    char *quotes[CS_CATALOG_QUOTES]; /* newest first; NULL past the last */
    int theme;                       /* index in the catalogue's themes, -1 when none */
    size_t pos;                      /* position in the catalogue */
    bool own;                        /* created by this matcher since it started */
    long mentions; /* its links as loaded (own: 1), counted up by the matcher's links */
    bool curated;  /* a person acted on it, or its status is not new: never merged away by the
                      matcher (cs_collapse.h) */
    bool rejected;
    struct cs_feature *merged_into; /* merged away since it was loaded (cs_catalog_merge) */
    int collapse_names; /* naliases when cs_collapse_linked last compared it (cs_collapse.h) */
} cs_feature_t;

typedef struct {
    const cs_feature_t *feature;
    double similarity; /* the vector score (cosine) */
    double lexical;
    double fused; /* what hits are ranked by */
    int alias;    /* the name compared best: -1 the feature's own, else an alias index */
} cs_hit_t;

typedef struct cs_catalog cs_catalog_t;

/* An empty catalogue of a workspace whose vectors are sparse (offline) or dense. The fused
   score weighs the vector score CS_CATALOG_VECTOR_WEIGHT_SPARSE (offline) or
   CS_CATALOG_VECTOR_WEIGHT_DENSE (provider embeddings, whose scale the lexical score's would
   distort: their fused score is the vector score, the lexical one is only kept). */
#define CS_CATALOG_VECTOR_WEIGHT_SPARSE 0.5
#define CS_CATALOG_VECTOR_WEIGHT_DENSE  1.0
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

/* Merge source into `into` in memory, as cs_curate_merge does in the database: source's name
   and aliases (with their vectors) become aliases of into, its exact name leads to into, its
   mentions count for into, and it is no candidate of cs_catalog_top from now on
   (source->merged_into is set). -1 when either is merged away already, they are the same, or
   out of memory (then some names may be missing from into). */
int cs_catalog_merge(cs_catalog_t *self, cs_feature_t *source, cs_feature_t *into);

/* The vector of the feature's name (alias -1) or of its alias `alias`, as floats into *out (a
   copy, caller frees with cs_vec_free; n = 0 when it has none). 0, or -1 when out of memory. */
int cs_catalog_alias_vec(const cs_catalog_t *self, const cs_feature_t *feature, int alias,
                         cs_vec_t *out);

/* Add `name` as an alias of `feature` (compared like its name from now on), with its vector
   (taken; may be empty for a dense catalogue that has none: then only its words count). A name
   equal (normalised) to the feature's or to an alias is ignored, as are aliases past
   CS_CATALOG_MAX_ALIASES. 0, or -1 when out of memory. */
int cs_catalog_add_alias(cs_catalog_t *self, cs_feature_t *feature, const char *name,
                         cs_vec_t *vec);

/* Make the exact-name lookups (cs_catalog_exact) of `name` in theme_id ("" or NULL: none) and
   in any theme find `feature` while no feature of the catalogue has that name: a merged-away
   feature's name leads to the feature it was merged into. 0, or -1 when out of memory. */
int cs_catalog_add_name(cs_catalog_t *self, cs_feature_t *feature, const char *theme_id,
                        const char *name);

/* Keep `quote` (copied) as the feature's newest quote, the oldest of CS_CATALOG_QUOTES dropped;
   the judge reads them. An empty quote, or one the feature has already, is ignored. 0, or -1
   when out of memory. */
int cs_catalog_add_quote(cs_feature_t *feature, const char *quote);

/* Give a feature its vector (taken) once embedded. */
void cs_catalog_set_vec(cs_catalog_t *self, cs_feature_t *feature, cs_vec_t *vec);

size_t cs_catalog_size(const cs_catalog_t *self);
cs_feature_t *cs_catalog_at(cs_catalog_t *self, size_t i);
const cs_feature_t *cs_catalog_get(const cs_catalog_t *self, const char *id);

/* The feature's vector as floats into *out (a copy, caller frees with cs_vec_free): as stored,
   or decoded from the index's codes (unit length) when the catalogue keeps it so. 0, or -1 when
   out of memory. */
int cs_catalog_vec(const cs_catalog_t *self, const cs_feature_t *feature, cs_vec_t *out);

/* The dot product of q with the feature's own vector as the catalogue keeps it (for unit
   vectors, the cosine; not IDF-weighted); -1 when the feature has no vector. */
double cs_catalog_similarity(const cs_catalog_t *self, const cs_feature_t *feature,
                             const cs_vec_t *q);

/* Features still without a vector. */
size_t cs_catalog_missing(const cs_catalog_t *self);

/* A feature whose normalised name equals name's, in theme_id (in any theme when theme_id is
   NULL), at a position >= from; the earliest such, or the feature it was merged into
   (cs_catalog_merge). NULL when none. */
const cs_feature_t *cs_catalog_exact(const cs_catalog_t *self, const char *theme_id,
                                     const char *name, size_t from);

/* The k features most similar to q (sparse q for a sparse catalogue, dense of the same length
   for a dense one) with words qwords (cs_vec_words; NULL: lexical 0) in theme_id (any theme
   when NULL), among positions >= from, into hits, best fused score first. Returns how many
   were found (<= k). A feature sharing nothing with q (vector and lexical 0) is no hit. */
int cs_catalog_top(cs_catalog_t *self, const char *theme_id, const cs_vec_t *q,
                   const cs_vec_t *qwords, int k, cs_hit_t *hits, size_t from);

/* From CS_INDEX_MIN_FEATURES features on, cs_catalog_top scores only the candidates of the
   catalogue's index (cs_index.h) instead of every feature in scope; below, it scans them all.
   Replace the index by one with `opts` (NULL: the defaults), indexing the features already
   there (tests and benchmarks: min_features SIZE_MAX is the exact scan at any size). */
void cs_catalog_set_index(cs_catalog_t *self, const cs_index_opts_t *opts);
/* With scan, cs_catalog_top scans whatever the size (the index is kept up to date): the
   reference the index is compared with. */
void cs_catalog_set_scan(cs_catalog_t *self, bool scan);
const cs_index_t *cs_catalog_index(const cs_catalog_t *self);

#endif
