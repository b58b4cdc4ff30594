/*  cs_index: the candidate index of a large catalogue (cs_catalog), so a query scores the few
    features that can be near it instead of every feature of the workspace.

    The catalogue uses it only from CS_INDEX_MIN_FEATURES features on; below, it scans every
    feature as before, so the decisions of small catalogues are unchanged. Features are known by
    their position in the catalogue (cs_feature_t.pos). The index only proposes: the catalogue
    scores what it proposes with its own exact scores (vector, lexical, fused), so a feature the
    index returns gets exactly the scores the scan would give it.

    Sparse (offline) vectors: an inverted index, hash -> postings (the positions of the features
    whose vector, alias vectors or words hold the hash; a feature is listed once per hash). A
    feature that shares no hash with the query has vector 0 and lexical 0, so the scan would not
    count it as a hit either: with no cap and no shortlist limit, the union of the query's
    postings, scored exactly, IS the scan's answer (tests/unit/test_index.c checks that on random
    data). Three bounds keep a query cheap at a million features, and they make it approximate:
      - a hash whose postings outgrow `cap` (CS_INDEX_SPARSE_CAP, or a fraction of the features)
        stops being indexed and is skipped by queries: it is in so many features that its
        inverse document frequency makes it weigh little ("<ex", "report");
      - a query walks its hashes rarest first and stops once it has walked `budget`
        postings (CS_INDEX_SPARSE_BUDGET): the hashes left are the commonest, the least telling;
      - when more than `shortlist` features remain, they are ranked by the sum over the shared
        hashes of the query's weight times ln(N / postings) and only the first `shortlist` are
        scored exactly.
    Both are measured against the exact scan by tests/load/bench_matcher.c (docs/BENCHMARKS.md).

    Dense (provider) vectors: every vector is also kept as int8 codes with one float scale
    (cs_ivf.h), a quarter of its float size, and an IVF
    index over them: k-means centroids (nlist about sqrt(N), trained on a sample of the codes
    when the index is enabled and again when the catalogue has doubled since), each feature in
    the list of its nearest centroid. A query ranks the centroids, walks the lists of the
    `nprobe` nearest (more while fewer than `shortlist` features passed the caller's filter),
    scores each listed feature on its int8 codes, and returns the `shortlist` best, which the
    catalogue rescores with the float query against the codes (cs_index_score; once index-sized
    it keeps no float copy of a dense vector: cs_catalog.h). */
#ifndef CS_INDEX_H
#define CS_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs_vec.h"

#define CS_INDEX_MIN_FEATURES     20000 /* below, the catalogue scans every feature */
#define CS_INDEX_SPARSE_CAP       20000 /* postings a hash may have, at least */
#define CS_INDEX_SPARSE_CAP_SHARE 0.02  /* ... or this share of the features, when more */
#define CS_INDEX_SPARSE_SHORTLIST 400   /* features scored exactly per query */
#define CS_INDEX_SPARSE_BUDGET    80000 /* postings walked per query, rarest hashes first */
#define CS_INDEX_DENSE_NPROBE     12    /* lists walked per query, at least */
#define CS_INDEX_DENSE_SHORTLIST  64    /* features rescored per query */

typedef struct {
    size_t min_features; /* 0: CS_INDEX_MIN_FEATURES; SIZE_MAX: never */
    size_t sparse_cap;   /* 0: the defaults above; SIZE_MAX: no cap */
    size_t shortlist;    /* 0: the default of the kind; SIZE_MAX: no limit (sparse only) */
    size_t budget;       /* sparse: postings walked per query; 0: CS_INDEX_SPARSE_BUDGET */
    int nprobe;          /* 0: CS_INDEX_DENSE_NPROBE */
} cs_index_opts_t;

typedef struct cs_index cs_index_t;

cs_index_t *cs_index_new(bool sparse, const cs_index_opts_t *opts);
void cs_index_destroy(cs_index_t **self_p);
void cs_index_clear(cs_index_t *self);

#define CS_INDEX_NO_ENTRY UINT32_MAX

/* Sparse: list feature `pos` under every hash of v (its vector or an alias's). Dense: keep v's
   codes as an entry of feature pos (its own vector the first time, an alias's after) and file
   it in its list once trained; the entry's number into *entry (NULL: not wanted), else
   CS_INDEX_NO_ENTRY (sparse, an empty v, a failure). 0, or -1 when out of memory (the index then
   stops taking vectors and cs_index_ready is false until cs_index_clear; the codes it holds
   stay readable by cs_index_score and cs_index_decode). */
int cs_index_add(cs_index_t *self, uint32_t pos, int theme, const cs_vec_t *v, uint32_t *entry);

/* The feature at pos has a new vector of its own (cs_catalog_set_vec). Sparse: its new hashes
   are listed too (the old ones stay listed: a stale posting only proposes a feature that the
   catalogue then scores exactly). Dense: its own entry is replaced (same number, into *entry). */
int cs_index_replace(cs_index_t *self, uint32_t pos, int theme, const cs_vec_t *v, uint32_t *entry);

/* Dense: the cosine of unit q with a dense entry's codes (cs_ivf_score: the codes decoded to unit
   length); 0 for a sparse index, another length or an unknown entry. */
double cs_index_score(const cs_index_t *self, uint32_t entry, const cs_vec_t *q);

/* Dense: the entry decoded into a new unit vector *out (caller frees with cs_vec_free). 0, or
   -1 when out of memory or the entry is unknown. */
int cs_index_decode(const cs_index_t *self, uint32_t entry, cs_vec_t *out);

/* Called with the catalogue's size after it grew: a dense index trains (or retrains) its
   centroids when it reaches min_features, or twice the size it last trained at. */
void cs_index_grown(cs_index_t *self, size_t features);

/* Should the catalogue ask the index (it has min_features and did not run out of memory)? */
bool cs_index_ready(const cs_index_t *self, size_t features);

/* The candidates of query q (sparse: IDF-weighted, with its words qwords; dense: unit) among
   `features` features, those of theme `theme` (the theme given to cs_index_add; -1: any) at
   positions >= from, into *out (realloc'd, *cap its allocation), in ascending position order.
   The number, or -1 when out of memory. */
long cs_index_candidates(cs_index_t *self, size_t features, const cs_vec_t *q,
                         const cs_vec_t *qwords, int theme, size_t from, uint32_t **out,
                         size_t *cap);

/* Resident bytes of the index (postings or codes, centroids and lists), and for a sparse one
   the hashes no longer indexed because their postings outgrew the cap. For the benchmark. */
size_t cs_index_bytes(const cs_index_t *self);
size_t cs_index_stopped(const cs_index_t *self);

#endif
