#include "cs_collapse.h"

#include <stdlib.h>

#include "cs_log.h"
#include "cs_match_scores.h"

#define MAX_SEEN (CS_COLLAPSE_NEIGHBOURS * (CS_CATALOG_MAX_ALIASES + 1))

/* The best hit of each neighbour over all of target's names, best first, into seen; returns
   how many. */
static int s_neighbours(cs_catalog_t *cat, const cs_feature_t *target, const cs_match_opts_t *opts,
                        double above, cs_hit_t *seen)
{
    const char *scope = opts->cross_theme ? NULL : target->theme_id;
    int nseen = 0;
    for (int i = -1; i < target->naliases; i++) {
        cs_vec_t q;
        if (cs_catalog_alias_vec(cat, target, i, &q) != 0)
            continue;
        const cs_vec_t *words = i < 0 ? &target->words : &target->aliases[i].words;
        cs_hit_t hits[CS_COLLAPSE_NEIGHBOURS + 1];
        int n = cs_catalog_top(cat, scope, &q, words, CS_COLLAPSE_NEIGHBOURS + 1, hits, 0);
        cs_vec_free(&q);
        for (int h = 0; h < n; h++) {
            if (hits[h].feature == target || hits[h].fused < above)
                continue;
            int j = 0;
            while (j < nseen && seen[j].feature != hits[h].feature)
                j++;
            if (j == nseen)
                seen[nseen++] = hits[h];
            else if (hits[h].fused > seen[j].fused)
                seen[j] = hits[h];
        }
    }
    for (int i = 1; i < nseen; i++) { /* insertion sort, best first */
        cs_hit_t x = seen[i];
        int j = i;
        for (; j > 0 && seen[j - 1].fused < x.fused; j--)
            seen[j] = seen[j - 1];
        seen[j] = x;
    }
    return nseen;
}

/* Which of a and b goes into the other: *source and *into, or false when neither may. */
static bool s_direction(cs_feature_t *a, cs_feature_t *b, cs_feature_t **source,
                        cs_feature_t **into)
{
    if (a->rejected || b->rejected || a->merged_into || b->merged_into)
        return false;
    /* fewer mentions goes; on a tie the later one (the older survives) */
    bool a_goes = a->mentions < b->mentions || (a->mentions == b->mentions && a->pos > b->pos);
    *source = a_goes ? a : b;
    *into = a_goes ? b : a;
    if ((*source)->curated) { /* a person's feature stays: the other goes into it */
        cs_feature_t *t = *source;
        *source = *into;
        *into = t;
    }
    return !(*source)->curated;
}

/* The neighbours a decision's candidates name (the request's own scores against them, as the
   catalogue compares features: the new name's against each), at least `above`, best first. */
static int s_candidates(cs_catalog_t *cat, const cs_feature_t *target, const json_t *candidates,
                        double above, cs_hit_t *seen)
{
    int nseen = 0;
    size_t i;
    const json_t *c;
    json_array_foreach(candidates, i, c)
    {
        const char *id = json_string_value(json_object_get(c, "id"));
        const cs_feature_t *f = id ? cs_catalog_get(cat, id) : NULL;
        double fused = json_number_value(json_object_get(c, "fused"));
        if (!f || f == target || f->merged_into || fused < above || nseen == MAX_SEEN)
            continue;
        seen[nseen++] = (cs_hit_t){f, json_number_value(json_object_get(c, "similarity")),
                                   json_number_value(json_object_get(c, "lexical")), fused, -1};
    }
    return nseen;
}

/* Merge target with the neighbours seen[0..nseen) as the rules say. */
static int s_merge(cs_catalog_t *cat, cs_feature_t *target, const cs_match_opts_t *opts,
                   const cs_hit_t *seen, int nseen, json_t *rec)
{
    int merged = 0;
    for (int i = 0; i < nseen && merged < CS_COLLAPSE_MAX && !target->merged_into; i++) {
        cs_feature_t *source, *into;
        cs_feature_t *other = cs_catalog_at(cat, seen[i].feature->pos);
        if (!s_direction(target, other, &source, &into))
            continue;
        double v = seen[i].similarity;
        json_t *m =
            json_pack("{s:s, s:s, s:f, s:f, s:f}", "source", source->id, "into", into->id, "fused",
                      cs_match_round(seen[i].fused > 1 ? 1 : seen[i].fused), "vector",
                      cs_match_round(v > 1    ? 1
                                     : v < -1 ? -1
                                              : v),
                      "lexical", cs_match_round(seen[i].lexical));
        if (!m)
            break;
        if (!opts->quiet)
            cs_info("✓ Merged duplicate: '%s' into '%s' (similarity %.2f)", source->name,
                    into->name, seen[i].fused);
        if (cs_catalog_merge(cat, source, into) != 0)
            cs_warn("Out of memory merging '%s' into '%s': some of its names are not aliases",
                    source->name, into->name);
        merged++;
        json_t *merges = rec ? json_object_get(rec, "merges") : NULL;
        if (rec && !merges) {
            merges = json_array();
            json_object_set_new(rec, "merges", merges);
        }
        if (merges)
            json_array_append(merges, m);
        json_decref(m);
    }
    return merged;
}

static double s_above(const cs_match_opts_t *opts)
{
    return opts->merge_above > 0 ? opts->merge_above : opts->link_above;
}

int cs_collapse_linked(cs_catalog_t *cat, cs_feature_t *target, const json_t *candidates,
                       const cs_match_opts_t *opts, json_t *rec)
{
    target->mentions++;
    /* its names are what changes what it is like: a link that brought none (an exact name, a
       known alias) has nothing new to compare, and a neighbour's new names are compared when
       they come. One new name, the request's: its candidates are its nearest features,
       scored already. More (merged into it, or a reload): all its names are compared. */
    int fresh = target->naliases - target->collapse_names;
    target->collapse_names = target->naliases;
    double above = s_above(opts);
    if (fresh == 0 || above > 1 || target->rejected || target->merged_into)
        return 0;
    if (fresh > 1 || !candidates)
        return cs_collapse_check(cat, target, opts, rec);
    cs_hit_t seen[MAX_SEEN];
    int nseen = s_candidates(cat, target, candidates, above, seen);
    return s_merge(cat, target, opts, seen, nseen, rec);
}

int cs_collapse_check(cs_catalog_t *cat, cs_feature_t *target, const cs_match_opts_t *opts,
                      json_t *rec)
{
    double above = s_above(opts);
    if (above > 1 || target->rejected || target->merged_into)
        return 0;
    cs_hit_t seen[MAX_SEEN];
    int nseen = s_neighbours(cat, target, opts, above, seen);
    return s_merge(cat, target, opts, seen, nseen, rec);
}
