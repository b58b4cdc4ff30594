/*  cs_collapse: chains of duplicates collapse (DESIGN.md section 5).

    Two features can start apart and later become plainly alike: a mention linked to T brings
    its name to T as an alias, and that name may be close to another feature N. After a link
    that gave T a name it was not compared with yet (a new alias; a link by exact name, or
    under a known alias, changes nothing T is like, and a neighbour's new name is compared when
    it comes), cs_collapse_linked scores T (its name and aliases) against its nearest other live
    features once (when the request's name is T's one new name, the decision's own candidates
    are those scores: no query is made), as the catalogue compares features (cs_catalog_top, in T's
   theme unless across-theme matching is on). A neighbour whose fused score is at or above `above`
   is merged:
      - the feature with fewer mentions goes into the one with more; on a tie the older one
        (earlier in the catalogue) survives;
      - only a feature a person has not curated and whose status is still new is merged away
        (cs_feature_t.curated): when the rule picks a curated one, the other goes into it
        instead, and when both are curated nothing happens;
      - a rejected feature takes no part, on either side;
      - once T is merged away itself, the check ends.
    Each merge is made in the catalogue at once (cs_catalog_merge), so the next mention links
    to the survivor and the same merge is not proposed twice, and is appended to the record's
    "merges" array ({"source", "into", "fused", "vector", "lexical"}, cs_record_schema.c) for
    the writer, which carries it out in the call's transaction (writer/cs_wmerge.h). Until the
    writer commits it, it is only a proposal: a reload of the catalogue before then forgets it,
    and the next link may propose it again (the writer refuses the second one). */
#ifndef CS_COLLAPSE_H
#define CS_COLLAPSE_H

#include <stdbool.h>

#include <jansson.h>

#include "cs_catalog.h"
#include "cs_match.h"

#define CS_COLLAPSE_NEIGHBOURS 5 /* nearest features looked at per name of the target */
#define CS_COLLAPSE_MAX        4 /* merges per check */

/* A mention was linked to target (borrowed, of cat), with the decision's candidates (the
   matcher's JSON array, best first: {id, similarity, lexical, fused}; may be NULL): count it,
   then check its neighbours once
   (opts: merge_above, or link_above when it is 0; cross_theme; quiet: no log lines) and merge the
   duplicates found into rec's "merges" (created when needed; rec may be NULL: merges in the
   catalogue only). Returns how many merges were made. Can't fail: out of memory makes fewer merges.
 */
int cs_collapse_linked(cs_catalog_t *cat, cs_feature_t *target, const json_t *candidates,
                       const cs_match_opts_t *opts, json_t *rec);

/* The same check without a new mention: after a reload that shows a person merged features
   into target (cs_matchdb.h), whose new aliases may make it like another feature now. */
int cs_collapse_check(cs_catalog_t *cat, cs_feature_t *target, const cs_match_opts_t *opts,
                      json_t *rec);

#endif
