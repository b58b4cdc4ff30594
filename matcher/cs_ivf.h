/*  cs_ivf: the dense half of cs_index (cs_index.h has the design): unit vectors kept as int8
    codes with one float scale each (code = round(x / step), step = max |x| / 127; the scale
    makes the decoded vector, codes x scale, unit length), and an
    inverted file over them: k-means centroids, each entry in the list of its nearest one, the
    codes of a list stored together so that a query reads each list it walks in one sweep.

    An entry belongs to an owner (the feature's position); an owner has one own entry and may
    have more (its aliases'). Until the first cs_ivf_train the entries wait in one array and a
    search finds nothing. */
#ifndef CS_IVF_H
#define CS_IVF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cs_ivf cs_ivf_t;

cs_ivf_t *cs_ivf_new(void);
void cs_ivf_destroy(cs_ivf_t **self_p);

#define CS_IVF_NONE UINT32_MAX /* no entry */

/* A new entry of `owner` (its own one the first time), its number into *entry (NULL: not
   wanted; CS_IVF_NONE when v was ignored). Vectors of another length than the first one's are
   ignored. Entries are never removed: a number stays valid until cs_ivf_destroy. 0, or -1 when
   out of memory. */
int cs_ivf_add(cs_ivf_t *self, uint32_t owner, const float *v, int dims, uint32_t *entry);

/* Replace owner's own entry (adds it when it has none; the number stays the same), its number
   into *entry as above. 0, or -1 when out of memory. */
int cs_ivf_replace(cs_ivf_t *self, uint32_t owner, const float *v, int dims, uint32_t *entry);

/* The dot product of q (dims long) with entry e's decoded codes, which are scaled to unit
   length: for a unit q, the cosine with the vector as kept, within 0.01 of the float one's
   (0.002 on average: tests/unit/test_index.c bounds both). 0 for an unknown entry. */
float cs_ivf_score(const cs_ivf_t *self, uint32_t e, const float *q);

/* Entry e decoded (unit length) into out (dims floats). 0, or -1 for an unknown entry. */
int cs_ivf_decode(const cs_ivf_t *self, uint32_t e, float *out);

int cs_ivf_dims(const cs_ivf_t *self); /* 0 before the first entry */

/* (Re)train the centroids on a sample of the entries (spherical k-means, about sqrt(entries)
   lists) and file every entry again. 0, or -1 when out of memory. */
int cs_ivf_train(cs_ivf_t *self);

size_t cs_ivf_entries(const cs_ivf_t *self);
size_t cs_ivf_trained_at(const cs_ivf_t *self); /* 0: never trained */

/* Called for each entry a search reads with its owner and its int8 score; returns 0, or -1 to
   stop the search with an error. */
typedef int (*cs_ivf_visit_fn)(void *arg, uint32_t owner, float score);

/* Walk the lists of the centroids nearest q (unit, dims long): at least nprobe of them, and
   more while *accepted (the caller's count of the entries it kept) is below `want`. 0, or -1
   when out of memory or visit failed. */
int cs_ivf_search(const cs_ivf_t *self, const float *q, int dims, int nprobe, size_t want,
                  const size_t *accepted, cs_ivf_visit_fn visit, void *arg);

size_t cs_ivf_bytes(const cs_ivf_t *self);

#endif
