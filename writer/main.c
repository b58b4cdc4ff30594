/*  callsift-writer: PULL decision records, commit the calls waiting in one transaction
    (cs_wgroup.h), PUB their acks.

    The only stage that writes to PostgreSQL (with the operator CLI). The writer takes the
    records that are waiting in its socket, up to --group-max, and commits them together as
    soon as no more are waiting: a lone call is committed at once, a stream in groups. Acks are
    sent only after COMMIT; while PostgreSQL is down the writer waits, reconnects and retries
    the same calls, so nothing is acked that was not committed and nothing is committed twice.
    A database that does not exist or refuses the role or password is permanent (cs_db): the
    writer stops with exit status 3 (cs_stage.h), the calls in hand neither committed nor acked
    (the fetcher sends them again). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_config.h"
#include "cs_curve.h"
#include "cs_db.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_migrate.h"
#include "cs_record.h"
#include "cs_sock.h"
#include "cs_stage.h"
#include "cs_util.h"
#include "cs_wgroup.h"
#include "cs_writer.h"

static const cs_option_t OPTIONS[] = {
    {"database-url", "DATABASE_URL", CS_OPT_STRING, NULL, "PostgreSQL URL or conninfo",
     CS_OPT_SECRET | CS_OPT_REQUIRED},
    CS_SOCK_OPTION_DECISIONS,
    CS_SOCK_OPTION_ACKS,
    CS_CURVE_OPTIONS,
    CS_METRICS_OPTION,
    CS_METRICS_OPTION_LISTEN,
    {"group-max", "CALLSIFT_WRITER_GROUP_MAX", CS_OPT_INT, CS_WGROUP_MAX_TEXT,
     "the most waiting calls committed in one transaction, 1 to " CS_WGROUP_MAX_TEXT
     " (1: a transaction per call)",
     CS_OPT_POSITIVE},
    {"no-migrate", "CALLSIFT_NO_MIGRATE", CS_OPT_FLAG, "false",
     "do not apply schema migrations at start", 0},
    CS_STAGE_OPTION_HOLD,
    {NULL, NULL, 0, NULL, NULL, 0},
};

/* How often an idle writer checks that PostgreSQL still answers (for /healthz). */
#define DB_CHECK_MS 5000

#define DB_FALLBACK "PostgreSQL refuses the connection for good: check DATABASE_URL"

typedef struct {
    cs_db_t *db;
    zsock_t *pub;
    zsock_t *pull;                         /* borrowed: are more records waiting? */
    json_t *held[CS_WGROUP_MAX];           /* the records taken, not yet committed */
    cs_wgroup_call_t calls[CS_WGROUP_MAX]; /* what became of them */
    size_t nheld;
    size_t group_max;   /* --group-max */
    int64_t last_check; /* the last record, or the last check of an idle database */
    long committed, already, failed;
} writer_t;

/* Commit the held calls, waiting out database outages. Calls left RETRY (a stop was requested
   before they could be committed, or the database failed permanently: cs_db_permanent) are
   not acked; the fetcher sends them again. */
static void s_commit(writer_t *w)
{
    size_t n = w->nheld;
    for (int attempt = 0;; attempt++) {
        int64_t started = cs_now_ms();
        char err[1024];
        int rc = cs_wgroup_commit(w->db, w->calls, n, err, sizeof err);
        cs_metrics_health("database", cs_db_ok(w->db));
        if (rc == 0) {
            for (size_t i = 0; i < n; i++) /* each call's transaction: the group's */
                cs_metrics_observe("callsift_db_commit_duration_seconds", NULL,
                                   (double)(cs_now_ms() - started) / 1000.0);
            return;
        }
        cs_metrics_add("callsift_db_retries_total", NULL, 1);
        if (n == 1)
            cs_warn("Commit of call %s not done (%s); retrying",
                    cs_rec_str(w->held[0], "external_id"), err);
        else
            cs_warn("Commit of %zu calls (%s, ...) not done (%s); retrying", n,
                    cs_rec_str(w->held[0], "external_id"), err);
        if (cs_sleep_ms(cs_backoff_ms(attempt, 100, 3000)) != 0 || cs_db_ensure(w->db, 0) != 0)
            return;
    }
}

/* One round trip to PostgreSQL; when the connection broke, one attempt to reconnect. */
static bool s_db_check(cs_db_t *db)
{
    char err[256];
    if (cs_db_ok(db) && cs_db_command(db, "SELECT 1", 0, NULL, err, sizeof err) == 0)
        return true;
    return cs_db_ensure(db, 1) == 0;
}

/* One call of a committed group: counted, logged and acked. */
static void s_handle(writer_t *w, const cs_wgroup_call_t *call)
{
    const json_t *rec = call->rec;
    const char *err = call->err, *message_id = call->message_id;
    const char *title =
        cs_rec_str(rec, "title") ? cs_rec_str(rec, "title") : cs_rec_str(rec, "external_id");
    cs_commit_status_t status = call->status;
    switch (status) {
    case CS_COMMIT_RETRY:
        return; /* stopping, or the database is gone for good: not committed, not acked */
    case CS_COMMIT_COMMITTED:
        w->committed++;
        cs_metrics_add("callsift_calls_stored_total", "status=\"committed\"", 1);
        if (cs_rec_str(rec, "error"))
            cs_warn("Ingested call without insights: %s (extraction failed: %s)", title,
                    cs_rec_str(rec, "error"));
        else
            cs_info("Ingested call: %s", title);
        break;
    case CS_COMMIT_ALREADY:
        w->already++;
        cs_metrics_add("callsift_calls_stored_total", "status=\"already\"", 1);
        cs_info("Call already ingested, nothing changed: %s", title);
        break;
    case CS_COMMIT_FAILED:
        w->failed++;
        cs_metrics_add("callsift_calls_stored_total", "status=\"failed\"", 1);
        cs_metrics_add("callsift_records_failed_total", NULL, 1);
        cs_error("Could not store call %s: %s", title, err);
        break;
    }
    json_t *ack = cs_writer_ack(rec, status, message_id, status == CS_COMMIT_FAILED ? err : NULL);
    char send_err[256];
    if (cs_sock_send_record(w->pub, ack, cs_rec_str(rec, "workspace_id"), send_err,
                            sizeof send_err))
        cs_warn("Could not send ack for call %s: %s", title, send_err);
    else
        cs_metrics_add("callsift_records_sent_total", NULL, 1);
    json_decref(ack);
}

/* Commit the held calls together, ack the ones stored or failed, let go of all. */
static void s_flush(writer_t *w)
{
    for (size_t i = 0; i < w->nheld; i++)
        w->calls[i] = (cs_wgroup_call_t){.rec = w->held[i], .status = CS_COMMIT_RETRY};
    s_commit(w);
    for (size_t i = 0; i < w->nheld; i++) {
        if (w->calls[i].status != CS_COMMIT_RETRY)
            s_handle(w, &w->calls[i]);
        json_decref(w->held[i]);
    }
    w->nheld = 0;
    cs_metrics_set("callsift_in_flight", NULL, 0);
}

/* A decision record: held until the group is committed (cs_stage_loop_t.take; the loop gives
   no more than --group-max at a time). */
static void s_take(void *arg, json_t *rec)
{
    writer_t *w = arg;
    w->last_check = cs_now_ms();
    w->held[w->nheld++] = rec;
    cs_metrics_set("callsift_in_flight", NULL, (double)w->nheld);
}

static int s_pending(void *arg)
{
    return (int)((writer_t *)arg)->nheld;
}

/* After every record: commit the held ones once the group is full or no more are waiting (or
   the writer stops). When idle: is the database still there? False once it refuses for good. */
static bool s_step(void *arg, int wait_ms)
{
    writer_t *w = arg;
    (void)wait_ms;
    if (w->nheld > 0 && (w->nheld >= w->group_max || cs_stop_requested() ||
                         cs_db_permanent(w->db) || !(zsock_events(w->pull) & ZMQ_POLLIN)))
        s_flush(w);
    if (w->nheld == 0 && cs_now_ms() - w->last_check >= DB_CHECK_MS) {
        w->last_check = cs_now_ms();
        cs_metrics_health("database", s_db_check(w->db));
    }
    return !cs_db_permanent(w->db);
}

/* A record of another kind counts as received too. */
static const cs_stage_loop_t s_loop = {"writer", CS_KIND_DECISION, true,   s_pending, NULL,
                                       NULL,     s_take,           s_step, NULL};

/* --group-max within 1 .. CS_WGROUP_MAX (cs_stage_begin's check). */
static int s_check(const cs_config_t *cfg, char *err, size_t errlen)
{
    if (cs_config_int(cfg, "group-max") > CS_WGROUP_MAX)
        return cs_fail(err, errlen, "--group-max: expected an integer from 1 to %d, got %lld",
                       CS_WGROUP_MAX, cs_config_int(cfg, "group-max"));
    return 0;
}

int main(int argc, char **argv)
{
    int status = 1;
    cs_config_t *cfg = cs_stage_begin(
        "writer", "callsift-writer [OPTIONS]",
        "Commits decision records to PostgreSQL, the calls waiting together in one "
        "transaction (each at its own savepoint), and acknowledges each call to the fetcher "
        "after COMMIT.",
        OPTIONS, CS_CURVE_BINDS | CS_CURVE_CONNECTS, s_check, argc, argv, &status);
    if (!cfg)
        return status;
    char err[1024];
    zsock_t *pull = NULL;
    writer_t w = {0};
    const char *parts[] = {"sockets", "database", NULL};
    if (cs_stage_serve(cfg, parts) != 0 || !(w.db = cs_stage_db(cfg, DB_FALLBACK, &status)))
        goto done;
    int applied = 0;
    if (!cs_config_flag(cfg, "no-migrate") && cs_migrate(w.db, &applied, err, sizeof err) != 0) {
        cs_error("%s", err);
        goto done;
    }
    w.pub = cs_sock_new(ZMQ_PUB, cs_config_str(cfg, "acks-endpoint"), true, err, sizeof err);
    if (w.pub)
        pull =
            cs_sock_new(ZMQ_PULL, cs_config_str(cfg, "decisions-endpoint"), false, err, sizeof err);
    if (!pull) {
        cs_error("%s", err);
        goto done;
    }
    cs_metrics_health("sockets", true);
    cs_metrics_health("database", cs_db_ok(w.db));
    cs_info("Writer ready: decisions from %s, acks on %s, schema version %d",
            cs_config_str(cfg, "decisions-endpoint"), cs_config_str(cfg, "acks-endpoint"),
            cs_migrate_latest());
    cs_stage_counts_t n;
    w.last_check = cs_now_ms();
    w.pull = pull;
    w.group_max = (size_t)cs_config_int(cfg, "group-max");
    cs_stage_run(pull, &s_loop, &w, (int)w.group_max, &n);
    cs_info("Writer stopping: %ld received, %ld committed, %ld already stored, %ld failed, "
            "%ld malformed",
            n.received, w.committed, w.already, w.failed, n.malformed);
    status = 0;
    if (cs_db_permanent(w.db))
        status = cs_stage_permanent_db(cfg, "writer", w.db, DB_FALLBACK);
done:
    zsock_destroy(&pull);
    zsock_destroy(&w.pub);
    cs_db_destroy(&w.db);
    cs_stage_end(&cfg);
    return status;
}
