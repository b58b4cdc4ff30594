/*  cs_vec: the vectors features are compared by (DESIGN.md section 5).

    Two kinds, one type:
      - dense: the components of a provider embedding (text-embedding-3-small and the like),
        scaled to unit length; idx is NULL;
      - sparse: the offline vector of a text, its hashed word and character n-grams with their
        sublinear term frequencies, scaled to unit length; idx holds the 32-bit hashes, sorted.
    A sparse vector holds no IDF: it is a function of the text alone, so it can be stored with
    the feature and never goes stale. The catalogue (cs_catalog) weights it with the inverse
    document frequencies of its own features when it compares.

    The offline n-grams of a text are made of its terms (cs_terms.h: stop words and filler
    dropped, Snowball stems, the words of asking weighing less): each term weighs its weight,
    each pair of neighbouring terms half the lighter one's, and the character 3-, 4- and
    5-grams of each stem with its boundaries ("<sync>") 0.4 of the term's weight spread over
    them, so misspellings ("jackon" for "jackson") still meet. */
#ifndef CS_VEC_H
#define CS_VEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define CS_VEC_OFFLINE_MODEL "offline-ngram-2"

typedef struct {
    int n;         /* components (dense) or non-zero entries (sparse) */
    uint32_t *idx; /* sparse: sorted, distinct hashes; NULL when dense */
    float *val;    /* n values */
} cs_vec_t;

/* The offline vector of `text` (never fails for lack of words: an empty text gives n = 0).
   -1 only when out of memory. */
int cs_vec_offline(const char *text, cs_vec_t *out);

/* The words of `text` for the lexical score: a sparse vector of its terms' hashes (no pairs,
   no character n-grams), each at the term's weight times 1 + ln(count), not scaled. -1 only
   when out of memory. */
int cs_vec_words(const char *text, cs_vec_t *out);

/* The offline vector of a feature: its name's vector plus its description's words and word
   pairs (no character n-grams) at half the weight, scaled to unit length. Names are what
   requests for one feature share; descriptions (written afresh for every call) add context,
   not identity, and their character n-grams would triple the vector's size for little.
   -1 only when out of memory. */
int cs_vec_offline_feature(const char *name, const char *description, cs_vec_t *out);

/* A dense vector from n doubles, scaled to unit length (copied). -1 when out of memory or all
   components are zero. */
int cs_vec_dense(const double *values, int n, cs_vec_t *out);

/* Dot product: dense with dense of the same length, sparse with sparse (merge of the sorted
   hashes); 0 for vectors of different kinds or lengths. For unit vectors, the cosine. */
double cs_vec_dot(const cs_vec_t *a, const cs_vec_t *b);

/* Deep copy; -1 when out of memory. */
int cs_vec_copy(const cs_vec_t *src, cs_vec_t *dst);

/* Free the arrays and zero the struct. */
void cs_vec_free(cs_vec_t *v);

/* The vector as JSON for a decision record: *values gets the array of its values, *index the
   array of its hashes (sparse) or NULL (dense). New references. */
void cs_vec_to_json(const cs_vec_t *v, json_t **values, json_t **index);

/* Back from the JSON arrays of cs_vec_to_json (index NULL for dense). Values are taken as they
   are (already unit length). -1 with a reason when the arrays disagree or hold non-numbers. */
int cs_vec_from_json(const json_t *values, const json_t *index, cs_vec_t *out, char *err,
                     size_t errlen);

/* Back from PostgreSQL's text form of real[] and integer[] ("{0.1,0.2}", "{-5,17}"); index NULL
   for dense. -1 with a reason when the text is not such an array or the lengths disagree. */
int cs_vec_from_pg(const char *values, const char *index, cs_vec_t *out, char *err, size_t errlen);

/* A feature name in the form exact matching compares (cs_name_key, which the writer uses too
   to refuse a second feature of the same name in a theme). Caller frees; NULL when out of
   memory. */
char *cs_vec_norm_name(const char *name);

#endif
