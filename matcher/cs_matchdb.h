/*  cs_matchdb: the matcher's read-only view of PostgreSQL: one catalogue (cs_catalog) per
    workspace, loaded on the workspace's first extraction with its themes and its features'
    stored vectors, and kept current:
      - the matcher adds the features it creates itself (cs_match does, at once);
      - `NOTIFY callsift_features, '<workspace id>'` (sent by every curation action,
        cs_curate.h, or by hand after changing a workspace's features in the database) and
        `NOTIFY callsift_themes, '<workspace id>'` (after `callsift theme add`) reload that
        workspace's catalogue in place, as soon as the notification is read (one that came
        with the results of the matcher's own statements included); features this matcher
        created that the writer has not committed yet are kept across the reload;
      - when the connection drops, notifications may have been missed: every catalogue is
        reloaded once it is back.
    A merged-away feature (features.merged_into) is no catalogue entry: its name, with its
    vector, is an alias of the end of its merged_into chain, and its exact name leads there,
    so future mentions of it link to the feature it was merged into; decisions that linked to
    it give their names to that feature too. A rejected feature is an entry like any other:
    what is like it links to it and stays hidden.
    After each load, the features a person merged others into since the last one are checked
    once for duplicates (cs_collapse.h): their new aliases may make them like another feature.
    Each feature's mention count, and whether a person curated it (a curation action by
    anyone but "matcher", or a status other than new), tell cs_collapse.h what it may merge.
    A stored vector is used only when its embedding_model is the engine's
    (cs_match_vector_model); other features are embedded again (cs_match_prepare). */
#ifndef CS_MATCHDB_H
#define CS_MATCHDB_H

#include <stdbool.h>
#include <stddef.h>

#include "cs_catalog.h"
#include "cs_db.h"
#include "cs_match.h"

typedef struct cs_matchdb cs_matchdb_t;

/* On the connection db (borrowed), for the engine m (borrowed). NULL + reason. */
cs_matchdb_t *cs_matchdb_new(cs_db_t *db, cs_match_t *m, char *err, size_t errlen);
void cs_matchdb_destroy(cs_matchdb_t **self_p);

/* The catalogue of a workspace, loaded (and prepared) when needed: waits for PostgreSQL when
   it is down. Borrowed; lives as long as self. NULL when stopping, out of memory, or when no
   retry can help: the LLM refuses for good (cs_match_fatal) or the database does
   (cs_db_permanent). NULL with *unknown true when the workspaces table has no such workspace:
   then nothing is built or kept for it. */
cs_catalog_t *cs_matchdb_catalog(cs_matchdb_t *self, const char *workspace_id, bool *unknown);

/* Merges proposed after a reload (a person merged features into T, and T now has duplicates
   of its own: cs_collapse_check) go with the workspace's next decision record: append them to
   decision's "merges" (the record's workspace_id says which). Can't fail. */
void cs_matchdb_take_merges(cs_matchdb_t *self, json_t *decision);

/* The connection's socket, to poll for notifications; -1 while down. */
int cs_matchdb_fd(cs_matchdb_t *self);

/* Handle pending notifications (reloading the catalogues they name). Returns how many. */
int cs_matchdb_poll(cs_matchdb_t *self);

#endif
