/*  cs_match_scores: the scores a match decision keeps, read from its candidates.

    The candidates are the JSON array the matcher builds for a request, best first, each
    {id, name, description, similarity (the vector score), lexical, fused, aliases}
    (cs_catalog.h says what the scores mean). */
#ifndef CS_MATCH_SCORES_H
#define CS_MATCH_SCORES_H

#include <jansson.h>

/* x to four decimals: all anyone reads of a score. */
double cs_match_round(double x);

/* The first candidate's fused score (0 without candidates), and its margin over the second's
   (the whole score when there is no second). */
double cs_match_best(const json_t *candidates);
double cs_match_margin(const json_t *candidates);

/* The candidates as the decision record keeps them: id, name, similarity, lexical, fused.
   New reference. */
json_t *cs_match_record_candidates(const json_t *candidates);

/* The decision's "scores" object: vector, lexical and fused of the linked candidate
   (target_id), or of the first one for a new feature (target_id NULL), and the margin when
   there are two candidates or more; none of these when the linked feature is no candidate (a
   link by exact name). judge when judge_confidence >= 0. New reference. */
json_t *cs_match_scores(const json_t *candidates, const char *target_id, double judge_confidence);

#endif
