/*  cs_writer: write one decision record to PostgreSQL (the writer groups several calls in one
    transaction, each at its own savepoint: cs_wgroup.h).

    What one call becomes (DESIGN.md sections 3 and 6):
      - its message row (transcript: the record's transcript_text, or in a record of version 1
        its utterances rendered the same way, cs_transcript.h; metadata, ai_insights, llm
        usage, processed or not, error,
        transcript_truncated, extraction_note = insights.skipped; the vendor domains the call
        was read with in message_metadata), keyed by the deterministic
        message id, linked to the customer it was with;
      - for each decided feature request: the new feature (create) or the existing one (link),
        a feature_messages link with the customer's quote and the request's confidence (the
        decision's request_confidence, else the request's confidence, else NULL; two requests
        of the call linked to one feature make one link with the higher), and a
        match_decisions audit row (its candidates as the record has them, its scores with only
        the keys of CS_DECISION_SCORES: others are dropped);
      - the call's LLM usage (cost, tokens) added to the workspace's spend of the day
        (llm_spend), which the monthly budgets are checked against;
      - mention_count of every touched feature incremented by the links this call added, and
        its first_mentioned and last_mentioned widened to this call's date, inside the same
        transaction (the feature rows are locked, so concurrent writers add up; the links are
        not recounted).
      - last, the merges the matcher proposed with the call ("merges"), each at a savepoint of
        its own, a refused one skipped (cs_wmerge.h).
    Curation (cs_curate.h) is the catalogue's other writer. Before linking, the feature rows
    the decisions name are locked (FOR UPDATE, in id order, as curation locks them), so a merge
    waits for the call or the call for the merge. A decision naming a merged-away feature (or
    a create whose name only a merged-away feature of the theme has) links to the end of its
    merged_into chain, the link's merged_from naming the merged-away feature so an unmerge
    gives it back; its match_decisions row keeps the feature decided on and says so in its
    reasoning. A rejected feature is linked like any other: it stays rejected.
    A call that is already stored as processed changes nothing (status ALREADY). A stored call
    that was not processed (its extraction failed, or was skipped) is overwritten by the new
    delivery. */
#ifndef CS_WRITER_H
#define CS_WRITER_H

#include <stddef.h>

#include <jansson.h>

#include "cs_db.h"

typedef enum {
    CS_COMMIT_COMMITTED, /* written now */
    CS_COMMIT_ALREADY,   /* an earlier delivery wrote it; nothing changed */
    CS_COMMIT_FAILED,    /* the record can never be written (reason in err) */
    CS_COMMIT_RETRY,     /* the database is unreachable or busy: reconnect and try again */
} cs_commit_status_t;

/* "committed", "already", "failed", "retry" */
const char *cs_commit_status_name(cs_commit_status_t status);

/* Commit `rec` (a validated decision record, borrowed) in a transaction of its own. On FAILED
   and RETRY, err says why and the transaction was rolled back (or the connection is gone).
   message_id (37 bytes, may be NULL) receives the call's message id. The writer commits
   several calls in one transaction (cs_wgroup.h); this is the same for one. */
cs_commit_status_t cs_writer_commit(cs_db_t *db, const json_t *rec, char *message_id, char *err,
                                    size_t errlen);

/* Write the rows of `rec` (as cs_writer_commit) inside the caller's open transaction, which
   commits or rolls back; nothing else is sent (no BEGIN, COMMIT or ROLLBACK). COMMITTED: the
   rows are written, to be committed. ALREADY: an earlier delivery stored the call; the
   statements run (the customer's) must be rolled back, and then the record's merges carried
   out (cs_wmerge_apply), as cs_writer_commit and cs_wgroup_commit do. FAILED: the record can never
   be written (err says why); roll back what it wrote (the transaction may be in error: roll back to
   a savepoint set before the call, or the whole transaction). RETRY: the database is unreachable or
   busy (a deadlock): roll the whole transaction back and try again later. The statements are
   prepared once per connection (cs_db_exec_prepared). */
cs_commit_status_t cs_writer_store(cs_db_t *db, const json_t *rec, char *message_id, char *err,
                                   size_t errlen);

/* Build the ack record for a decision: {v, kind:"ack", workspace_id, external_id, source,
   status, error, message_id, processed, cause}. For a stored call (COMMITTED, ALREADY),
   "processed" says whether it was stored with insights; when false, "cause" is the record's
   "error_cause", else CS_CAUSE_NOT_EXTRACTED when flags.extract was false, else
   CS_CAUSE_OTHER, and "error" the record's error text. New reference. */
json_t *cs_writer_ack(const json_t *rec, cs_commit_status_t status, const char *message_id,
                      const char *error);

#endif
