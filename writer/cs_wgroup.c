#include "cs_wgroup.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>

#include "cs_log.h"
#include "cs_util.h"
#include "cs_wmerge.h"

/* One statement of the group's own (BEGIN, SAVEPOINT, ...); 0 or -1 with the reason in why. */
static int s_command(cs_db_t *db, const char *sql, char *why, size_t whylen)
{
    return cs_db_command(db, sql, 0, NULL, why, whylen);
}

/* The calls todo[0..m) are not committed: RETRY, why in their err and in err. -1. */
static int s_retry(cs_wgroup_call_t *calls, const size_t *todo, size_t m, const char *why,
                   char *err, size_t errlen)
{
    for (size_t k = 0; k < m; k++) {
        calls[todo[k]].status = CS_COMMIT_RETRY;
        snprintf(calls[todo[k]].err, sizeof calls[todo[k]].err, "%s", why);
    }
    return cs_fail(err, errlen, "%s", why);
}

int cs_wgroup_commit(cs_db_t *db, cs_wgroup_call_t *calls, size_t n, char *err, size_t errlen)
{
    assert(n <= CS_WGROUP_MAX);
    size_t todo[CS_WGROUP_MAX], m = 0;
    for (size_t i = 0; i < n; i++)
        if (calls[i].status == CS_COMMIT_RETRY)
            todo[m++] = i;
    if (m == 0)
        return 0;
    char why[1024] = "";
    if (!cs_db_ok(db)) {
        snprintf(why, sizeof why, "not connected to PostgreSQL");
        return s_retry(calls, todo, m, why, err, errlen);
    }
    if (m == 1) { /* a lone call needs no savepoint: its own transaction is the same */
        cs_wgroup_call_t *c = &calls[todo[0]];
        c->status = cs_writer_commit(db, c->rec, c->message_id, c->err, sizeof c->err);
        return c->status == CS_COMMIT_RETRY ? cs_fail(err, errlen, "%s", c->err) : 0;
    }
    if (s_command(db, "BEGIN", why, sizeof why) != 0)
        goto abort;
    for (size_t k = 0; k < m; k++) {
        cs_wgroup_call_t *c = &calls[todo[k]];
        /* one name for every savepoint: ROLLBACK TO goes to the latest one of the name (this
           call's); the ones before stay, and COMMIT ends them all (no RELEASE round trip) */
        if (s_command(db, "SAVEPOINT call", why, sizeof why) != 0)
            goto abort;
        cs_commit_status_t st = cs_writer_store(db, c->rec, c->message_id, c->err, sizeof c->err);
        if (st == CS_COMMIT_RETRY) {
            snprintf(why, sizeof why, "%s", c->err);
            goto abort;
        }
        if (st != CS_COMMIT_COMMITTED &&
            s_command(db, "ROLLBACK TO SAVEPOINT call", why, sizeof why) != 0)
            goto abort;
        /* a call stored already may bring the matcher's newer merges (cs_writer_commit) */
        if (st == CS_COMMIT_ALREADY && cs_wmerge_apply(db, c->rec, why, sizeof why) < 0)
            goto abort;
        c->status = st; /* final once COMMIT succeeds */
    }
    if (s_command(db, "COMMIT", why, sizeof why) == 0)
        return 0;

abort:;
    bool transient = cs_db_last_error_transient(db);
    if (cs_db_ok(db))
        cs_db_command(db, "ROLLBACK", 0, NULL, NULL, 0);
    if (!transient) {
        /* The group failed as a whole, not one of its calls: each alone gets what it would
           have got had it come alone. */
        cs_warn("A transaction of %zu calls failed (%s); committing them one by one", m, why);
        int rc = 0;
        for (size_t k = 0; k < m; k++) {
            cs_wgroup_call_t *c = &calls[todo[k]];
            c->status = cs_writer_commit(db, c->rec, c->message_id, c->err, sizeof c->err);
            if (c->status == CS_COMMIT_RETRY)
                rc = cs_fail(err, errlen, "%s", c->err);
        }
        return rc;
    }
    return s_retry(calls, todo, m, why, err, errlen);
}
