/* cs_index through cs_catalog: the sparse index gives the exact scan's answer when uncapped,
   through additions, aliases, new vectors and reloads; its cap and shortlist only leave
   features out, never change a score; the dense index finds the scan's neighbours on clustered
   data (recall floor below) and follows replaced and alias vectors. No timing here: speed is
   tests/load/bench_matcher.c's. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_catalog.h"
#include "cs_index.h"
#include "cs_ivf.h"

#define WS "11111111-1111-4111-8111-111111111111"
#define K  5

static const char *const THEMES[] = {"22222222-2222-4222-8222-222222222220",
                                     "22222222-2222-4222-8222-222222222221",
                                     "22222222-2222-4222-8222-222222222222"};

static uint64_t s_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static double s_uniform(uint64_t *s)
{
    return (double)(s_rand(s) >> 11) * 0x1.0p-53;
}

/* A pseudo-word of 4 to 8 letters from a vocabulary of `vocab` (the same i gives the same). */
static void s_word(uint64_t i, char *out)
{
    uint64_t s = i * 7919 + 17;
    int len = 4 + (int)(s_rand(&s) % 5);
    for (int j = 0; j < len; j++)
        out[j] = (char)('a' + s_rand(&s) % 26);
    out[len] = '\0';
}

/* A text of n words drawn from the vocabulary, the first words more often (Zipf-like). */
static void s_text(uint64_t *rng, int n, int vocab, char *out, size_t len)
{
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        char w[16];
        double u = s_uniform(rng);
        s_word((uint64_t)(pow(u, 2.0) * vocab), w);
        size_t at = strlen(out);
        snprintf(out + at, len - at, "%s%s", i ? " " : "", w);
    }
}

static cs_catalog_t *s_catalog(bool sparse)
{
    cs_catalog_t *cat = cs_catalog_new(WS, sparse);
    cr_assert(cat);
    for (int t = 0; t < 3; t++)
        cr_assert_eq(cs_catalog_add_theme(cat, THEMES[t], t ? "Other" : "Default", t == 0), 0);
    return cat;
}

static void s_add_sparse(cs_catalog_t *cat, uint64_t *rng, size_t i, int vocab, bool missing)
{
    char id[64], name[256], desc[512];
    snprintf(id, sizeof id, "feature-%zu", i);
    s_text(rng, 2 + (int)(s_rand(rng) % 4), vocab, name, sizeof name);
    s_text(rng, 6, vocab, desc, sizeof desc);
    cs_vec_t v = {0};
    if (!missing)
        cr_assert_eq(cs_vec_offline_feature(name, desc, &v), 0);
    cr_assert(cs_catalog_add(cat, id, THEMES[s_rand(rng) % 3], name, desc, &v, false));
}

/* Queries with the index and with the scan on the same catalogue: the same hits, scores
   equal to the last bit. Returns the queries that had hits. */
static int s_same_as_scan(cs_catalog_t *cat, uint64_t *rng, int queries, int vocab)
{
    int with_hits = 0;
    for (int i = 0; i < queries; i++) {
        char title[256], desc[512];
        s_text(rng, 1 + (int)(s_rand(rng) % 4), vocab, title, sizeof title);
        s_text(rng, 5, vocab, desc, sizeof desc);
        cs_vec_t q, w;
        cr_assert_eq(cs_vec_offline_feature(title, desc, &q), 0);
        cr_assert_eq(cs_vec_words(title, &w), 0);
        const char *theme = i % 3 == 0 ? NULL : THEMES[s_rand(rng) % 3];
        size_t from = i % 5 == 0 ? cs_catalog_size(cat) / 2 : 0;
        cs_hit_t a[K], b[K];
        cs_catalog_set_scan(cat, false);
        int na = cs_catalog_top(cat, theme, &q, &w, K, a, from);
        cs_catalog_set_scan(cat, true);
        int nb = cs_catalog_top(cat, theme, &q, &w, K, b, from);
        cs_catalog_set_scan(cat, false);
        cr_assert_eq(na, nb, "query %d '%s': %d hits with the index, %d scanning", i, title, na,
                     nb);
        for (int j = 0; j < na; j++) {
            cr_assert_str_eq(a[j].feature->id, b[j].feature->id, "query %d, hit %d", i, j);
            cr_assert(a[j].fused == b[j].fused && a[j].similarity == b[j].similarity &&
                          a[j].lexical == b[j].lexical && a[j].alias == b[j].alias,
                      "query %d, hit %d: the same scores", i, j);
        }
        with_hits += na > 0;
        cs_vec_free(&q);
        cs_vec_free(&w);
    }
    return with_hits;
}

static const cs_index_opts_t UNCAPPED = {
    .min_features = 1, .sparse_cap = SIZE_MAX, .shortlist = SIZE_MAX, .budget = SIZE_MAX};

Test(index, sparse_uncapped_equals_the_scan_through_changes)
{
    uint64_t rng = 42;
    cs_catalog_t *cat = s_catalog(true);
    cs_catalog_set_index(cat, &UNCAPPED);
    for (size_t i = 0; i < 1500; i++)
        s_add_sparse(cat, &rng, i, 600, i % 50 == 7);
    cr_assert(cs_index_ready(cs_catalog_index(cat), cs_catalog_size(cat)));
    cr_assert_gt(s_same_as_scan(cat, &rng, 200, 600), 150, "most queries share something");

    /* aliases, vectors given to the features that had none, more features */
    for (size_t i = 0; i < cs_catalog_size(cat); i += 13) {
        char alias[256];
        s_text(&rng, 3, 600, alias, sizeof alias);
        cs_vec_t v;
        cr_assert_eq(cs_vec_offline(alias, &v), 0);
        cr_assert_eq(cs_catalog_add_alias(cat, cs_catalog_at(cat, i), alias, &v), 0);
    }
    for (size_t i = 7; i < cs_catalog_size(cat); i += 50) {
        cs_feature_t *f = cs_catalog_at(cat, i);
        cs_vec_t v;
        cr_assert_eq(cs_vec_offline_feature(f->name, f->description, &v), 0);
        cs_catalog_set_vec(cat, f, &v);
    }
    cr_assert_eq(cs_catalog_missing(cat), 0);
    for (size_t i = 1500; i < 2500; i++)
        s_add_sparse(cat, &rng, i, 600, false);
    cr_assert_gt(s_same_as_scan(cat, &rng, 200, 600), 150);

    /* a reload starts the index afresh */
    cs_catalog_clear(cat);
    for (size_t i = 0; i < 800; i++)
        s_add_sparse(cat, &rng, i, 400, false);
    cr_assert_gt(s_same_as_scan(cat, &rng, 150, 400), 100);
    cs_catalog_destroy(&cat);
}

Test(index, sparse_cap_and_shortlist_leave_out_but_never_rescore)
{
    uint64_t rng = 7;
    cs_catalog_t *cat = s_catalog(true);
    cs_index_opts_t o = {.min_features = 1, .sparse_cap = 60, .shortlist = 40};
    cs_catalog_set_index(cat, &o);
    for (size_t i = 0; i < 3000; i++)
        s_add_sparse(cat, &rng, i, 300, false);
    cr_assert_gt(cs_index_stopped(cs_catalog_index(cat)), 0, "common hashes outgrew the cap");
    int same_first = 0, with_hits = 0;
    for (int i = 0; i < 200; i++) {
        char title[256], desc[512];
        s_text(&rng, 3, 300, title, sizeof title);
        s_text(&rng, 5, 300, desc, sizeof desc);
        cs_vec_t q, w;
        cr_assert_eq(cs_vec_offline_feature(title, desc, &q), 0);
        cr_assert_eq(cs_vec_words(title, &w), 0);
        cs_hit_t a[K], b[200];
        int na = cs_catalog_top(cat, NULL, &q, &w, K, a, 0);
        cs_catalog_set_scan(cat, true);
        int nb = cs_catalog_top(cat, NULL, &q, &w, 200, b, 0);
        cs_catalog_set_scan(cat, false);
        /* every hit the index gives has the score the scan gives that feature */
        for (int j = 0; j < na; j++) {
            int at = -1;
            for (int m = 0; m < nb && at < 0; m++)
                if (b[m].feature == a[j].feature)
                    at = m;
            if (at >= 0)
                cr_assert(a[j].fused == b[at].fused, "query %d: rescored exactly", i);
            else
                cr_assert_leq(a[j].fused, b[nb - 1].fused, "past the scan's first 200");
        }
        with_hits += nb > 0;
        same_first += na > 0 && nb > 0 && a[0].feature == b[0].feature;
        cs_vec_free(&q);
        cs_vec_free(&w);
    }
    /* a loose floor: a tight cap on purpose, so that it bites; the benchmark measures the
       defaults */
    cr_assert_geq(same_first, with_hits / 2, "%d of %d first hits the same", same_first, with_hits);
    cs_catalog_destroy(&cat);
}

Test(index, small_catalogues_scan)
{
    uint64_t rng = 3;
    cs_catalog_t *cat = s_catalog(true);
    for (size_t i = 0; i < 300; i++)
        s_add_sparse(cat, &rng, i, 200, false);
    cr_assert_not(cs_index_ready(cs_catalog_index(cat), cs_catalog_size(cat)),
                  "below CS_INDEX_MIN_FEATURES the catalogue scans");
    cr_assert(cs_index_ready(cs_catalog_index(cat), CS_INDEX_MIN_FEATURES));
    cs_catalog_destroy(&cat);
}

/* ---- dense ----------------------------------------------------------------------------------- */

#define DIMS     48
#define CLUSTERS 60

static double s_gauss(uint64_t *rng)
{
    double u = s_uniform(rng) + 1e-12, v = s_uniform(rng);
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* A point near centre c: the centre plus noise of `spread`. */
static void s_point(uint64_t *rng, const double *centres, int c, double spread, double *out)
{
    for (int j = 0; j < DIMS; j++)
        out[j] = centres[c * DIMS + j] + spread * s_gauss(rng);
}

static void s_add_dense(cs_catalog_t *cat, size_t i, const double *x, int theme)
{
    char id[64];
    snprintf(id, sizeof id, "dense-%zu", i);
    cs_vec_t v;
    cr_assert_eq(cs_vec_dense(x, DIMS, &v), 0);
    cr_assert(cs_catalog_add(cat, id, THEMES[theme], id, "", &v, false));
}

Test(index, dense_recall_on_clustered_data_and_updates)
{
    uint64_t rng = 11;
    double centres[CLUSTERS * DIMS], x[DIMS];
    for (int i = 0; i < CLUSTERS * DIMS; i++)
        centres[i] = s_gauss(&rng);
    cs_catalog_t *cat = s_catalog(false);
    cs_index_opts_t o = {.min_features = 2000};
    cs_catalog_set_index(cat, &o);
    size_t n = 12000;
    for (size_t i = 0; i < n; i++) {
        s_point(&rng, centres, (int)(s_rand(&rng) % CLUSTERS), 0.35, x);
        s_add_dense(cat, i, x, (int)(s_rand(&rng) % 3));
    }
    cr_assert(cs_index_ready(cs_catalog_index(cat), n), "trained");
    int found = 0, total = 0, queries = 300;
    for (int i = 0; i < queries; i++) {
        s_point(&rng, centres, (int)(s_rand(&rng) % CLUSTERS), 0.35, x);
        cs_vec_t q;
        cr_assert_eq(cs_vec_dense(x, DIMS, &q), 0);
        const char *theme = i % 2 ? THEMES[i % 3] : NULL;
        cs_hit_t a[K], b[K];
        int na = cs_catalog_top(cat, theme, &q, NULL, K, a, 0);
        cs_catalog_set_scan(cat, true);
        int nb = cs_catalog_top(cat, theme, &q, NULL, K, b, 0);
        cs_catalog_set_scan(cat, false);
        for (int j = 0; j < nb; j++)
            for (int m = 0; m < na; m++)
                if (a[m].feature == b[j].feature) {
                    found++;
                    cr_assert(a[m].similarity == b[j].similarity, "rescored exactly");
                }
        total += nb;
        cs_vec_free(&q);
    }
    double recall = (double)found / total;
    cr_assert_geq(recall, 0.9, "recall@5 %.3f, floor 0.9", recall);

    /* a feature given a new vector is found at it, an alias's vector leads to its feature */
    s_point(&rng, centres, 3, 0.35, x);
    cs_vec_t target, q;
    cr_assert_eq(cs_vec_dense(x, DIMS, &target), 0);
    cr_assert_eq(cs_vec_dense(x, DIMS, &q), 0);
    cs_feature_t *moved = cs_catalog_at(cat, 17);
    cs_catalog_set_vec(cat, moved, &target);
    cs_hit_t h[K];
    cr_assert_geq(cs_catalog_top(cat, NULL, &q, NULL, K, h, 0), 1);
    cr_assert_eq(h[0].feature, moved);
    cr_assert_gt(h[0].similarity, 0.999);
    cs_vec_free(&q);

    s_point(&rng, centres, 5, 0.35, x);
    cs_vec_t alias;
    cr_assert_eq(cs_vec_dense(x, DIMS, &alias), 0);
    cr_assert_eq(cs_vec_dense(x, DIMS, &q), 0);
    cs_feature_t *named = cs_catalog_at(cat, 23);
    cr_assert_eq(cs_catalog_add_alias(cat, named, "another name entirely", &alias), 0);
    cr_assert_geq(cs_catalog_top(cat, NULL, &q, NULL, K, h, 0), 1);
    cr_assert_eq(h[0].feature, named);
    cr_assert_eq(h[0].alias, 0, "through its alias");
    cs_vec_free(&q);

    /* more features: the index retrains as the catalogue doubles, and finds the new ones */
    for (size_t i = n; i < 2 * n + 10; i++) {
        s_point(&rng, centres, (int)(s_rand(&rng) % CLUSTERS), 0.35, x);
        s_add_dense(cat, i, x, 0);
    }
    cs_vec_t last;
    cr_assert_eq(cs_vec_dense(x, DIMS, &last), 0);
    cr_assert_geq(cs_catalog_top(cat, THEMES[0], &last, NULL, K, h, 0), 1);
    cr_assert_eq(h[0].feature, cs_catalog_at(cat, 2 * n + 9));
    cs_vec_free(&last);
    cs_catalog_destroy(&cat);
}

/* ---- dense vectors kept as codes ------------------------------------------------------------ */

/* A random unit vector of d dimensions (Gaussian components). */
static void s_unit(uint64_t *rng, int d, float *out)
{
    double norm = 0;
    for (int j = 0; j < d; j++) {
        out[j] = (float)s_gauss(rng);
        norm += (double)out[j] * out[j];
    }
    for (int j = 0; j < d; j++)
        out[j] = (float)(out[j] / sqrt(norm));
}

static double s_dotf(const float *a, const float *b, int d)
{
    double s = 0;
    for (int j = 0; j < d; j++)
        s += (double)a[j] * b[j];
    return s;
}

/* The int8 codes round-trip within the rounding step (max |x| / 127) per component, decode to
   unit length, and score a query within 0.01 of the float cosine (0.002 on average). */
Test(index, dense_codes_round_trip_within_the_rounding_step)
{
    static const int dims[] = {48, 256, 1536};
    uint64_t rng = 5;
    for (size_t k = 0; k < sizeof dims / sizeof dims[0]; k++) {
        int d = dims[k];
        cs_ivf_t *ivf = cs_ivf_new();
        float *x = malloc((size_t)d * 2 * sizeof *x), *y = malloc((size_t)d * sizeof *y);
        cr_assert(ivf && x && y);
        double worst = 0, sum = 0;
        int n = 200;
        for (int i = 0; i < n; i++) {
            s_unit(&rng, d, x);
            uint32_t e;
            cr_assert_eq(cs_ivf_add(ivf, (uint32_t)i, x, d, &e), 0);
            cr_assert_eq(e, (uint32_t)i, "entries are numbered in order");
            cr_assert_eq(cs_ivf_decode(ivf, e, y), 0);
            float max = 0;
            for (int j = 0; j < d; j++)
                max = fabsf(x[j]) > max ? fabsf(x[j]) : max;
            double norm = s_dotf(y, y, d), off = 0;
            for (int j = 0; j < d; j++)
                off = fmax(off, fabs(y[j] - x[j]));
            cr_assert_float_eq(norm, 1.0, 1e-5, "%d dims: decoded to unit length (%f)", d, norm);
            cr_assert_leq(off, max / 127.0, "%d dims: %g off, the step is %g", d, off, max / 127.0);
            /* a query near x (cosine about 0.8) and an unrelated one */
            for (int q = 0; q < 2; q++) {
                float *qv = x + d;
                s_unit(&rng, d, qv);
                if (q == 0)
                    for (int j = 0; j < d; j++)
                        qv[j] = (float)(x[j] + 0.08 * sqrt((double)d / 100) * qv[j]);
                double qn = sqrt(s_dotf(qv, qv, d));
                for (int j = 0; j < d; j++)
                    qv[j] = (float)(qv[j] / qn);
                double diff = fabs(cs_ivf_score(ivf, e, qv) - s_dotf(qv, x, d));
                worst = fmax(worst, diff);
                sum += diff;
            }
        }
        cr_assert_leq(worst, 0.01, "%d dims: worst %.5f", d, worst);
        cr_assert_leq(sum / (2 * n), 0.002, "%d dims: mean %.5f", d, sum / (2 * n));
        float probe[8];
        cr_assert_eq(cs_ivf_decode(ivf, (uint32_t)n, probe), -1, "no such entry");
        cr_assert_eq(cs_ivf_score(ivf, (uint32_t)n, x), 0.0f);
        free(x);
        free(y);
        cs_ivf_destroy(&ivf);
    }
}

/* From the index's size on, a dense catalogue keeps its vectors (aliases' too) only as codes;
   its answers agree with a scan of the float vectors the test keeps; a new index that is never
   ready gives the floats back. */
Test(index, dense_catalogue_keeps_codes_from_the_index_size_on)
{
    uint64_t rng = 21;
    double centres[CLUSTERS * DIMS], x[DIMS];
    for (int i = 0; i < CLUSTERS * DIMS; i++)
        centres[i] = s_gauss(&rng);
    cs_catalog_t *cat = s_catalog(false);
    cs_index_opts_t o = {.min_features = 600};
    cs_catalog_set_index(cat, &o);
    size_t n = 1500;
    float *floats = malloc(n * DIMS * sizeof *floats);
    cr_assert(floats);
    for (size_t i = 0; i < n; i++) {
        s_point(&rng, centres, (int)(s_rand(&rng) % CLUSTERS), 0.35, x);
        s_add_dense(cat, i, x, 0);
        const cs_feature_t *f = cs_catalog_at(cat, i);
        if (i + 1 < 600) /* not index-sized yet: the floats as given */
            cr_assert(f->vec.val && cs_catalog_at(cat, 0)->vec.val, "feature %zu", i);
        else
            cr_assert(!f->vec.val && !cs_catalog_at(cat, 0)->vec.val && f->vec.n == DIMS,
                      "feature %zu as codes, the earlier ones too", i);
        cs_vec_t v;
        cr_assert_eq(cs_vec_dense(x, DIMS, &v), 0);
        memcpy(floats + i * DIMS, v.val, DIMS * sizeof *floats);
        cs_vec_free(&v);
    }
    /* what the matcher reads of a feature: its vector decoded, its similarity to a query */
    cs_vec_t back;
    cr_assert_eq(cs_catalog_vec(cat, cs_catalog_at(cat, 7), &back), 0);
    cr_assert_eq(back.n, DIMS);
    cr_assert_geq(s_dotf(back.val, floats + 7 * DIMS, DIMS), 0.9999);
    cr_assert_float_eq(cs_catalog_similarity(cat, cs_catalog_at(cat, 7), &back), 1.0, 1e-5);
    cs_vec_free(&back);

    int same_first = 0, queries = 200;
    for (int i = 0; i < queries; i++) {
        s_point(&rng, centres, (int)(s_rand(&rng) % CLUSTERS), 0.35, x);
        cs_vec_t q;
        cr_assert_eq(cs_vec_dense(x, DIMS, &q), 0);
        cs_hit_t h[K];
        cs_catalog_set_scan(cat, true);
        int nh = cs_catalog_top(cat, NULL, &q, NULL, K, h, 0);
        cs_catalog_set_scan(cat, false);
        size_t best = 0;
        double bs = -2;
        for (size_t j = 0; j < n; j++) {
            double s = s_dotf(q.val, floats + j * DIMS, DIMS);
            if (s > bs) {
                bs = s;
                best = j;
            }
        }
        cr_assert_geq(nh, 1);
        cr_assert_float_eq(h[0].similarity, s_dotf(q.val, floats + h[0].feature->pos * DIMS, DIMS),
                           0.01, "query %d: the codes' score is the float cosine within 0.01", i);
        same_first += h[0].feature->pos == best;
        cs_vec_free(&q);
    }
    cr_assert_geq(same_first, queries * 95 / 100, "the float scan's first hit %d times of %d",
                  same_first, queries);

    /* an alias added now is kept as codes too, and still leads to its feature */
    s_point(&rng, centres, 9, 0.35, x);
    cs_vec_t alias, q;
    cr_assert_eq(cs_vec_dense(x, DIMS, &alias), 0);
    cr_assert_eq(cs_vec_dense(x, DIMS, &q), 0);
    cs_feature_t *named = cs_catalog_at(cat, 31);
    cr_assert_eq(cs_catalog_add_alias(cat, named, "a name of its own", &alias), 0);
    cr_assert_null(named->aliases[0].vec.val);
    cs_hit_t h[K];
    cr_assert_geq(cs_catalog_top(cat, NULL, &q, NULL, K, h, 0), 1);
    cr_assert_eq(h[0].feature, named);
    cr_assert_eq(h[0].alias, 0);

    /* an index that is never ready: every vector is floats again (decoded), aliases included */
    cs_index_opts_t never = {.min_features = SIZE_MAX};
    cs_catalog_set_index(cat, &never);
    for (size_t i = 0; i < n; i++)
        cr_assert(cs_catalog_at(cat, i)->vec.val, "feature %zu has floats again", i);
    cr_assert(named->aliases[0].vec.val);
    cr_assert_geq(cs_catalog_top(cat, NULL, &q, NULL, K, h, 0), 1);
    cr_assert_eq(h[0].feature, named);
    cr_assert_eq(h[0].similarity, cs_vec_dot(&q, &named->aliases[0].vec), "the float cosine");
    cs_vec_free(&q);
    free(floats);
    cs_catalog_destroy(&cat);
}

/* From the index's size on, a sparse catalogue packs its vectors (int16 codes, one step each):
   they unpack within half a step, and the top-5 of every query is the one of the same catalogue
   kept in floats, each score within 1e-4. */
Test(index, sparse_catalogue_packs_its_vectors_from_the_index_size_on)
{
    uint64_t rng = 8, twin = 8;
    cs_catalog_t *cat = s_catalog(true), *floats = s_catalog(true);
    cs_index_opts_t o = {
        .min_features = 300, .sparse_cap = SIZE_MAX, .shortlist = SIZE_MAX, .budget = SIZE_MAX};
    cs_index_opts_t never = {.min_features = SIZE_MAX};
    cs_catalog_set_index(cat, &o);
    cs_catalog_set_index(floats, &never);
    size_t n = 900;
    for (size_t i = 0; i < n; i++) {
        s_add_sparse(cat, &rng, i, 300, false);
        s_add_sparse(floats, &twin, i, 300, false);
        const cs_feature_t *f = cs_catalog_at(cat, i);
        cr_assert(i + 1 < 300 ? f->vec.val != NULL : f->vec.val == NULL && f->vec.n > 0,
                  "feature %zu", i);
        if (i + 1 >= 300)
            cr_assert_null(cs_catalog_at(cat, 0)->vec.val, "the earlier features packed too");
    }
    for (size_t i = 0; i < n; i += 37) {
        const cs_feature_t *p = cs_catalog_at(cat, i), *f = cs_catalog_at(floats, i);
        cs_vec_t back;
        cr_assert_eq(cs_catalog_vec(cat, p, &back), 0);
        cr_assert_eq(back.n, f->vec.n);
        float max = 0;
        for (int j = 0; j < f->vec.n; j++)
            max = fabsf(f->vec.val[j]) > max ? fabsf(f->vec.val[j]) : max;
        for (int j = 0; j < f->vec.n; j++) {
            cr_assert_eq(back.idx[j], f->vec.idx[j]);
            cr_assert_leq(fabsf(back.val[j] - f->vec.val[j]), max / 65534.0f * 1.001f,
                          "feature %zu, value %d", i, j);
        }
        cr_assert_float_eq(cs_catalog_similarity(cat, p, &back), cs_vec_dot(&back, &back), 1e-9);
        cs_vec_free(&back);
    }
    int compared = 0;
    for (int i = 0; i < 150; i++) {
        char title[256], desc[512];
        s_text(&rng, 1 + (int)(s_rand(&rng) % 4), 300, title, sizeof title);
        s_text(&rng, 5, 300, desc, sizeof desc);
        cs_vec_t q, w;
        cr_assert_eq(cs_vec_offline_feature(title, desc, &q), 0);
        cr_assert_eq(cs_vec_words(title, &w), 0);
        cs_hit_t a[K], b[K];
        int na = cs_catalog_top(cat, NULL, &q, &w, K, a, 0);
        int nb = cs_catalog_top(floats, NULL, &q, &w, K, b, 0);
        cr_assert_eq(na, nb, "query %d", i);
        for (int j = 0; j < na; j++) {
            cr_assert_float_eq(a[j].fused, b[j].fused, 1e-4, "query %d, hit %d", i, j);
            /* the same feature, unless two scores are closer than the packing can tell */
            bool tie = (j > 0 && b[j - 1].fused - b[j].fused < 2e-4) ||
                       (j + 1 < nb && b[j].fused - b[j + 1].fused < 2e-4);
            cr_assert(tie || strcmp(a[j].feature->id, b[j].feature->id) == 0, "query %d, hit %d", i,
                      j);
            compared++;
        }
        cs_vec_free(&q);
        cs_vec_free(&w);
    }
    cr_assert_gt(compared, 300);
    cs_catalog_destroy(&cat);
    cs_catalog_destroy(&floats);
}
