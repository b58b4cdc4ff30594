/*  callsift-writer: PULL decision records, commit each call in one transaction, PUB the ack.

    The only stage that writes to PostgreSQL (with the operator CLI). Acks are sent only after
    COMMIT; while PostgreSQL is down the writer waits, reconnects and retries the same call,
    so nothing is acked that was not committed and nothing is committed twice. A database that
    does not exist or refuses the role or password is permanent (cs_db): the writer stops with
    exit status 3 (cs_stage.h), the call in hand neither committed nor acked (the fetcher sends
    it again). */
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
#include "cs_writer.h"

static const cs_option_t OPTIONS[] = {
    {"database-url", "DATABASE_URL", CS_OPT_STRING, NULL, "PostgreSQL URL or conninfo",
     CS_OPT_SECRET | CS_OPT_REQUIRED},
    CS_SOCK_OPTION_DECISIONS,
    CS_SOCK_OPTION_ACKS,
    CS_CURVE_OPTIONS,
    CS_METRICS_OPTION,
    CS_METRICS_OPTION_LISTEN,
    {"no-migrate", "CALLSIFT_NO_MIGRATE", CS_OPT_FLAG, "false",
     "do not apply schema migrations at start", 0},
    CS_STAGE_OPTION_HOLD,
    {NULL, NULL, 0, NULL, NULL, 0},
};

/* How often an idle writer checks that PostgreSQL still answers (for /healthz). */
#define DB_CHECK_MS 5000

typedef struct {
    long received, committed, already, failed, malformed;
} counters_t;

/* Commit one call, waiting out database outages. RETRY only when a stop was requested
   before the call could be committed, or the database failed permanently (cs_db_permanent):
   it is not acked; the fetcher sends it again. */
static cs_commit_status_t s_commit(cs_db_t *db, const json_t *rec, char *message_id, char *err,
                                   size_t errlen)
{
    for (int attempt = 0;; attempt++) {
        int64_t started = cs_now_ms();
        cs_commit_status_t status = cs_writer_commit(db, rec, message_id, err, errlen);
        cs_metrics_health("database", cs_db_ok(db));
        if (status != CS_COMMIT_RETRY) {
            cs_metrics_observe("callsift_db_commit_duration_seconds", NULL,
                               (double)(cs_now_ms() - started) / 1000.0);
            return status;
        }
        cs_metrics_add("callsift_db_retries_total", NULL, 1);
        cs_warn("Commit of call %s not done (%s); retrying", cs_rec_str(rec, "external_id"), err);
        if (cs_sleep_ms(cs_backoff_ms(attempt, 100, 3000)) != 0 || cs_db_ensure(db, 0) != 0)
            return CS_COMMIT_RETRY;
    }
}

/* What /healthz says of a database that refuses for good: fixed text by SQLSTATE, taken from
   db, else from cs_db_connect's message ("... (SQLSTATE 3D000: ...)"). */
static const char *s_db_health(cs_db_t *db, const char *err)
{
    char code[6] = "";
    const char *at = err ? strstr(err, "(SQLSTATE ") : NULL;
    if (db)
        cs_strlcpy(code, cs_db_last_sqlstate(db), sizeof code);
    else if (at)
        cs_strlcpy(code, at + strlen("(SQLSTATE "), sizeof code);
    const char *hint = cs_db_sqlstate_hint(code);
    return hint[0] ? hint : "PostgreSQL refuses the connection for good: check DATABASE_URL";
}

/* One round trip to PostgreSQL; when the connection broke, one attempt to reconnect. */
static bool s_db_check(cs_db_t *db)
{
    char err[256];
    if (cs_db_ok(db) && cs_db_command(db, "SELECT 1", 0, NULL, err, sizeof err) == 0)
        return true;
    return cs_db_ensure(db, 1) == 0;
}

static void s_handle(cs_db_t *db, zsock_t *pub, json_t *rec, counters_t *n)
{
    char err[1024] = "", message_id[40] = "";
    const char *title =
        cs_rec_str(rec, "title") ? cs_rec_str(rec, "title") : cs_rec_str(rec, "external_id");
    cs_commit_status_t status = s_commit(db, rec, message_id, err, sizeof err);
    switch (status) {
    case CS_COMMIT_RETRY:
        return; /* stopping, or the database is gone for good: not committed, not acked */
    case CS_COMMIT_COMMITTED:
        n->committed++;
        cs_metrics_add("callsift_calls_stored_total", "status=\"committed\"", 1);
        if (cs_rec_str(rec, "error"))
            cs_warn("Ingested call without insights: %s (extraction failed: %s)", title,
                    cs_rec_str(rec, "error"));
        else
            cs_info("Ingested call: %s", title);
        break;
    case CS_COMMIT_ALREADY:
        n->already++;
        cs_metrics_add("callsift_calls_stored_total", "status=\"already\"", 1);
        cs_info("Call already ingested, nothing changed: %s", title);
        break;
    case CS_COMMIT_FAILED:
        n->failed++;
        cs_metrics_add("callsift_calls_stored_total", "status=\"failed\"", 1);
        cs_metrics_add("callsift_records_failed_total", NULL, 1);
        cs_error("Could not store call %s: %s", title, err);
        break;
    }
    json_t *ack = cs_writer_ack(rec, status, message_id, status == CS_COMMIT_FAILED ? err : NULL);
    char send_err[256];
    if (cs_sock_send_record(pub, ack, cs_rec_str(rec, "workspace_id"), send_err, sizeof send_err))
        cs_warn("Could not send ack for call %s: %s", title, send_err);
    else
        cs_metrics_add("callsift_records_sent_total", NULL, 1);
    json_decref(ack);
}

int main(int argc, char **argv)
{
    cs_log_init("writer");
    cs_metrics_init("writer");
    cs_signals_install();
    cs_config_t *cfg = cs_config_new(
        "callsift-writer [OPTIONS]",
        "Commits decision records to PostgreSQL, one transaction per call, and acknowledges "
        "each call to the fetcher after COMMIT.",
        OPTIONS);
    char err[1024];
    int rc = cs_config_parse(cfg, argc, argv, false, err, sizeof err);
    if (rc == 0) /* a wrong --curve-* set is a usage error too */
        rc = cs_curve_setup(cfg, CS_CURVE_BINDS | CS_CURVE_CONNECTS, err, sizeof err);
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "callsift-writer: %s\n", err);
        cs_config_destroy(&cfg);
        return rc < 0 ? 2 : 0;
    }

    int status = 1;
    zsock_t *pull = NULL, *pub = NULL;
    zpoller_t *poller = NULL;
    cs_db_t *db = NULL;
    const char *parts[] = {"sockets", "database", NULL};
    if (cs_metrics_start((int)cs_config_int(cfg, "metrics-port"),
                         cs_config_str(cfg, "metrics-listen"), parts, err, sizeof err) != 0) {
        cs_error("%s", err);
        goto done;
    }
    db = cs_db_connect(cs_config_str(cfg, "database-url"), 0, err, sizeof err);
    if (!db) { /* retried until a stop, unless permanent */
        if (cs_stop_requested()) {
            cs_error("%s", err);
            status = 0;
        } else {
            status = cs_stage_permanent("database", err, s_db_health(NULL, err),
                                        cs_config_double(cfg, "permanent-error-hold"));
        }
        goto done;
    }
    int applied = 0;
    if (!cs_config_flag(cfg, "no-migrate") && cs_migrate(db, &applied, err, sizeof err) != 0) {
        cs_error("%s", err);
        goto done;
    }
    pub = cs_sock_new(ZMQ_PUB, cs_config_str(cfg, "acks-endpoint"), true, err, sizeof err);
    if (pub)
        pull =
            cs_sock_new(ZMQ_PULL, cs_config_str(cfg, "decisions-endpoint"), false, err, sizeof err);
    if (!pull) {
        cs_error("%s", err);
        goto done;
    }
    poller = zpoller_new(pull, NULL);
    cs_metrics_health("sockets", true);
    cs_metrics_health("database", cs_db_ok(db));
    cs_info("Writer ready: decisions from %s, acks on %s, schema version %d",
            cs_config_str(cfg, "decisions-endpoint"), cs_config_str(cfg, "acks-endpoint"),
            cs_migrate_latest());

    counters_t n = {0};
    int64_t last_check = cs_now_ms();
    while (!cs_stop_requested() && !cs_db_permanent(db)) {
        if (!zpoller_wait(poller, 200)) {
            if (cs_now_ms() - last_check >= DB_CHECK_MS) { /* idle: is the database still there? */
                last_check = cs_now_ms();
                cs_metrics_health("database", s_db_check(db));
            }
            continue;
        }
        last_check = cs_now_ms();
        json_t *rec = cs_sock_recv_record(pull, NULL, err, sizeof err);
        if (!rec) {
            n.malformed++;
            cs_metrics_add("callsift_records_malformed_total", NULL, 1);
            cs_log_limited("malformed-record", CS_LOG_WARNING, "Skipped a malformed record: %s",
                           err);
            continue;
        }
        n.received++;
        cs_metrics_add("callsift_records_received_total", NULL, 1);
        if (cs_rec_int(rec, "attempt", 1) > 1)
            cs_metrics_add("callsift_records_redelivered_total", NULL, 1);
        if (cs_record_kind(rec) != CS_KIND_DECISION) {
            n.malformed++;
            cs_metrics_add("callsift_records_malformed_total", NULL, 1);
            cs_log_limited("wrong-kind", CS_LOG_WARNING,
                           "Skipped a '%s' record: the writer takes decision records only",
                           cs_rec_str(rec, "kind"));
        } else {
            cs_metrics_set("callsift_in_flight", NULL, 1);
            s_handle(db, pub, rec, &n);
            cs_metrics_set("callsift_in_flight", NULL, 0);
        }
        json_decref(rec);
    }
    cs_info("Writer stopping: %ld received, %ld committed, %ld already stored, %ld failed, "
            "%ld malformed",
            n.received, n.committed, n.already, n.failed, n.malformed);
    status = 0;
    if (cs_db_permanent(db)) {
        snprintf(err, sizeof err, "PostgreSQL refuses the writer (SQLSTATE %s: %s)",
                 cs_db_last_sqlstate(db), cs_db_sqlstate_hint(cs_db_last_sqlstate(db)));
        status = cs_stage_permanent("database", err, s_db_health(db, NULL),
                                    cs_config_double(cfg, "permanent-error-hold"));
    }
done:
    zpoller_destroy(&poller);
    zsock_destroy(&pull);
    zsock_destroy(&pub);
    cs_db_destroy(&db);
    cs_metrics_shutdown();
    cs_curve_teardown();
    cs_config_destroy(&cfg);
    cs_log_reset();
    return status;
}
