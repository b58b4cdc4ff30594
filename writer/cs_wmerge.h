/*  cs_wmerge: the writer's part of "chains of duplicates collapse" (DESIGN.md section 5).

    A decision record may carry "merges" (matcher/cs_collapse.h): [{"source", "into", "fused",
    "vector", "lexical"}], features the matcher found alike after a link. The writer carries
    them out in the call's own transaction, after the call's rows, each with the curation
    library (cs_curate_merge, in_transaction, by "matcher") at a savepoint of its own, so the
    merge is recorded in curation_actions like a person's (`callsift feature history` shows it,
    `callsift feature unmerge` undoes it), with the scores added to the action's arguments.

    A merge that is refused is rolled back to its savepoint and skipped with a logged reason; it
    never fails the call:
      - the source or the target is not a live feature of the record's workspace (merged away,
        rejected, gone, another workspace's: cs_curate_merge's own refusals);
      - the source has been curated by a person (a curation action by anyone but "matcher")
        or its status is no longer new; this is checked after cs_curate_merge has locked the
        two rows, so a person acting at the same time either came first (refused here) or
        finds the source merged.
    A database error in a merge is skipped likewise; only a savepoint that cannot be set or
    rolled back to (the connection is gone) fails the call, which is then retried as a whole.
    A call stored already (ALREADY) still has its merges carried out: the matcher attaches what
    it proposed after a reload to the workspace's next decision, which may be a redelivery.
    A merge carried out before is refused then (the source is merged away): never twice. */
#ifndef CS_WMERGE_H
#define CS_WMERGE_H

#include <stddef.h>

#include <jansson.h>

#include "cs_db.h"

/* The merges of rec (borrowed; none: nothing to do) on db, in the transaction the caller has
   begun and holds the call's rows in. Returns how many were carried out, or -1 (the reason in
   err) when the transaction can no longer be used. */
int cs_wmerge_apply(cs_db_t *db, const json_t *rec, char *err, size_t errlen);

#endif
