/*  cs_curate: people correct the catalogue (DESIGN.md 6a).

    The catalogue's second writer, beside the pipeline's writer, with the same guarantees:
    - each action is one transaction, written as a curation_actions row (who, when, the
      arguments, what it changed) and undoable: an unmerge undoes a merge, a restore a reject,
      and the rest are undone by the opposite action;
    - the feature rows an action touches are locked (SELECT ... FOR UPDATE, in id order) before
      anything is read, and the writer locks the same rows before it links a call, so
      mention_count equals the number of links at every moment, whatever runs at the same time;
    - each action ends with NOTIFY callsift_features, '<workspace id>', so the matcher reloads
      the workspace's catalogue within a second.

    Merge: the sources' links move to the target (each moved row remembers its feature in
    feature_messages.merged_from); a source that the target already links to the same call
    keeps its row in the action's undo data. The sources become aliases of the target
    (features.merged_into): hidden from reports, and linked to the target by the matcher and
    the writer from then on. Unmerge gives the source back exactly the links it had, with
    mention_count and first/last mentioned as before the merge.

    Reject hides a feature (status rejected, with a reason); future mentions of it still link to
    it and stay hidden. Split moves the links of chosen calls to another feature or a new one.
    Detach takes one call's link off a feature (the review queue's "not a feature request").

    Every function returns CS_CURATE_OK, CS_CURATE_REFUSED (bad input: nothing was changed and
    c->err says why in one line, e.g. "feature ... is merged into ...; unmerge it first"), or
    CS_CURATE_FAILED (a database error, rolled back; c->err says which). A deadlock or
    serialisation failure is retried a few times before it is reported. Feature ids are UUIDs;
    a call is named by its external id (the Gong call id). */
#ifndef CS_CURATE_H
#define CS_CURATE_H

#include <stdbool.h>
#include <stddef.h>

#include "cs_db.h"
#include "cs_uuid.h"

enum { CS_CURATE_OK = 0, CS_CURATE_REFUSED = 1, CS_CURATE_FAILED = -1 };

typedef struct {
    cs_db_t *db;         /* borrowed; not in a transaction, unless in_transaction */
    const char *by;      /* who acts, for the audit trail (borrowed, 1..200 characters) */
    bool in_transaction; /* the caller has BEGUN a transaction on db: each action runs in it,
                            with no retry, and the caller commits (or rolls back) it, so that
                            several actions and the caller's own rows are all or nothing */
    long long action_id; /* the curation_actions row the last successful call wrote */
    char err[512];       /* why the last call did not succeed */
} cs_curate_t;

/* Merge each of sources (n >= 1, distinct) into target, in one transaction: all or none. */
int cs_curate_merge(cs_curate_t *c, const char *const *sources, size_t n, const char *target);

/* Undo the merge of source: it comes back with the links it had before. Refused when source
   was never merged, or its target is itself merged away (unmerge that first). */
int cs_curate_unmerge(cs_curate_t *c, const char *source);

/* Hide the feature as rejected, with a reason (1..1000 characters); restore undoes it (the
   status it had before comes back). */
int cs_curate_reject(cs_curate_t *c, const char *feature_id, const char *reason);
int cs_curate_restore(cs_curate_t *c, const char *feature_id);

/* Rename (1..300 characters; refused when the theme holds another feature of that name), move
   to the workspace's theme of that name (any case), set the status (new, under-review,
   planned, shipped; "rejected" goes through cs_curate_reject), edit the description. */
int cs_curate_rename(cs_curate_t *c, const char *feature_id, const char *name);
int cs_curate_move(cs_curate_t *c, const char *feature_id, const char *theme_name);
int cs_curate_set_status(cs_curate_t *c, const char *feature_id, const char *status);
int cs_curate_describe(cs_curate_t *c, const char *feature_id, const char *description);

/* Move the links of the calls call_ids (external ids, each linked to feature_id) to the live
   feature `into`, or, when into is NULL, to a new feature named `name` in feature_id's theme;
   new_id (CS_UUID_LEN, may be NULL) receives the id of the feature they went to. */
int cs_curate_split(cs_curate_t *c, const char *feature_id, const char *const *call_ids, size_t n,
                    const char *into, const char *name, char *new_id);

/* Take the link of message message_id (a messages.id) off feature_id. */
int cs_curate_detach(cs_curate_t *c, const char *feature_id, const char *message_id);

/* Undo curation action action_id (an id `callsift feature history` lists): a merge is unmerged,
   a reject restored, a rename, move, status or description change set back (refused when that
   field changed again since), a split's links moved back, a detached link put back. The undo
   is an action of its own, and the action it undid keeps its id (undone_by). Refused for an
   action undone already, and for an unmerge, restore or attach: do what it undid again.
   action (may be NULL) receives the name of the action undone. */
int cs_curate_undo(cs_curate_t *c, long long action_id, char *action, size_t actionlen);

#endif
