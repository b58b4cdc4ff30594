#include "cs_match_scores.h"

#include <math.h>
#include <string.h>

#include "cs_record.h"

double cs_match_round(double x)
{
    return floor(x * 10000 + 0.5) / 10000;
}

/* A score as the record keeps it: within 0..1 (a provider's cosine may be below 0), rounded. */
static double s_score(const json_t *c, const char *key)
{
    double x = cs_rec_num(c, key, 0);
    return cs_match_round(x < 0 ? 0 : x > 1 ? 1 : x);
}

double cs_match_best(const json_t *candidates)
{
    return cs_rec_num(json_array_get(candidates, 0), "fused", 0);
}

double cs_match_margin(const json_t *candidates)
{
    return cs_match_best(candidates) - cs_rec_num(json_array_get(candidates, 1), "fused", 0);
}

json_t *cs_match_record_candidates(const json_t *candidates)
{
    json_t *out = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(candidates, i, c)
    {
        json_array_append_new(out,
                              json_pack("{s:s, s:s, s:f, s:f, s:f}", "id", cs_rec_str(c, "id"),
                                        "name", cs_rec_str(c, "name"), "similarity",
                                        cs_match_round(cs_rec_num(c, "similarity", 0)), "lexical",
                                        s_score(c, "lexical"), "fused", s_score(c, "fused")));
    }
    return out;
}

json_t *cs_match_scores(const json_t *candidates, const char *target_id, double judge_confidence)
{
    const json_t *top = target_id ? NULL : json_array_get(candidates, 0);
    size_t i;
    json_t *c;
    json_array_foreach(candidates, i, c)
    {
        if (target_id && strcmp(cs_rec_str(c, "id"), target_id) == 0)
            top = c;
    }
    json_t *sc = json_object();
    if (top) {
        json_object_set_new(sc, "vector", json_real(s_score(top, "similarity")));
        json_object_set_new(sc, "lexical", json_real(s_score(top, "lexical")));
        json_object_set_new(sc, "fused", json_real(s_score(top, "fused")));
    }
    if (top && json_array_size(candidates) > 1) {
        double m = cs_match_margin(candidates);
        json_object_set_new(sc, "margin", json_real(cs_match_round(m < 0 ? 0 : m > 1 ? 1 : m)));
    }
    if (judge_confidence >= 0)
        json_object_set_new(sc, "judge",
                            json_real(cs_match_round(judge_confidence > 1 ? 1 : judge_confidence)));
    return sc;
}
