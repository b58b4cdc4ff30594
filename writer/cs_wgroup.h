/*  cs_wgroup: several calls committed to PostgreSQL in one transaction (group commit).

    The writer takes the decision records that are waiting (up to CS_WGROUP_MAX) and stores
    them in one transaction: BEGIN, then for each call a SAVEPOINT and its rows
    (cs_writer_store), then one COMMIT, so PostgreSQL flushes its log once for the group
    instead of once per call (a lone call is committed as cs_writer_commit does, without a
    savepoint). A call that can never be written (an unknown workspace, a
    feature of another workspace, a statement PostgreSQL refuses) is rolled back to its
    savepoint and is FAILED, exactly as it would be alone; the calls around it are stored. A
    call already stored is rolled back to its savepoint and is ALREADY.

    Nothing of a group is durable before its COMMIT succeeds, so the caller acknowledges the
    calls only after cs_wgroup_commit returns, and only those with a final status. When the
    database goes away or is busy (a deadlock) before or during the COMMIT, the whole
    transaction is rolled back and every call not yet final is RETRY: the caller waits,
    reconnects and commits them again (a call whose COMMIT did reach the disk then comes back
    ALREADY, as a single call would). When the group as a whole fails otherwise (its COMMIT
    refused, a savepoint that cannot be set), its calls are committed again one transaction
    each (cs_writer_commit), so each gets the status it would have had alone. */
#ifndef CS_WGROUP_H
#define CS_WGROUP_H

#include <stddef.h>

#include <jansson.h>

#include "cs_db.h"
#include "cs_uuid.h"
#include "cs_writer.h"

/* The most calls in one transaction. PostgreSQL keeps the ids of 64 subtransactions per
   session in shared memory before it spills them to disk (and makes every other session's
   snapshot check slower): a group stays under that. The writer's --group-max (default this)
   can make groups smaller; docs/BENCHMARKS.md has the figures. */
#define CS_WGROUP_MAX      32
#define CS_WGROUP_MAX_TEXT "32"

/* One call of a group. */
typedef struct {
    const json_t *rec;            /* the validated decision record (borrowed) */
    cs_commit_status_t status;    /* out: COMMITTED, ALREADY, FAILED, or RETRY (not final) */
    char message_id[CS_UUID_LEN]; /* out: the call's message id */
    char err[1024];               /* out: why, for FAILED and RETRY */
} cs_wgroup_call_t;

/* Commit the calls of calls[0..n) (n <= CS_WGROUP_MAX) whose status is RETRY (set it for a
   new call) in one transaction; each call's status then says what became of it. Calls already
   final are left alone, so a caller retries a group by calling again with the same array.
   Returns 0 when every call is final (stored, or FAILED for good: all may be acknowledged), -1
   when some are RETRY (nothing of those was committed; err says why). */
int cs_wgroup_commit(cs_db_t *db, cs_wgroup_call_t *calls, size_t n, char *err, size_t errlen);

#endif
