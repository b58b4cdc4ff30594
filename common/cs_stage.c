#include "cs_stage.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cs_curve.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_provider.h"
#include "cs_sock.h"
#include "cs_util.h"

/* ---- start-up and tear-down ------------------------------------------------------------- */

cs_config_t *cs_stage_begin(const char *stage, const char *usage, const char *summary,
                            const cs_option_t *options, unsigned curve_roles,
                            int (*check)(const cs_config_t *cfg, char *err, size_t errlen),
                            int argc, char **argv, int *status)
{
    cs_log_init(stage);
    cs_metrics_init(stage);
    cs_signals_install();
    cs_config_t *cfg = cs_config_new(usage, summary, options);
    if (!cfg) {
        fprintf(stderr, "callsift-%s: out of memory\n", stage);
        *status = 1;
        return NULL;
    }
    char err[1024];
    int rc = cs_config_parse(cfg, argc, argv, false, err, sizeof err);
    if (rc == 0 && check && check(cfg, err, sizeof err) != 0)
        rc = -1;
    if (rc == 0) /* a wrong --curve-* set is a usage error too */
        rc = cs_curve_setup(cfg, curve_roles, err, sizeof err);
    if (rc == 0)
        return cfg;
    if (rc < 0)
        fprintf(stderr, "callsift-%s: %s\n", stage, err);
    cs_config_destroy(&cfg);
    *status = rc < 0 ? 2 : 0;
    return NULL;
}

void cs_stage_end(cs_config_t **cfg)
{
    cs_metrics_shutdown();
    cs_curve_teardown();
    cs_config_destroy(cfg);
    cs_log_reset();
}

int cs_stage_serve(const cs_config_t *cfg, const char *const *components)
{
    char err[512];
    if (cs_metrics_start((int)cs_config_int(cfg, "metrics-port"),
                         cs_config_str(cfg, "metrics-listen"), components, err, sizeof err) == 0)
        return 0;
    cs_error("%s", err);
    return -1;
}

/* The /healthz reason for the SQLSTATE `code`: its hint, else fallback (NULL: the default). */
static const char *s_db_health(const char *code, const char *fallback)
{
    const char *hint = cs_db_sqlstate_hint(code);
    return hint[0] || !fallback ? hint : fallback;
}

cs_db_t *cs_stage_db(const cs_config_t *cfg, const char *fallback, int *status)
{
    char err[1024];
    cs_db_t *db = cs_db_connect(cs_config_str(cfg, "database-url"), 0, err, sizeof err);
    if (db)
        return db;
    if (cs_stop_requested()) {
        cs_error("%s", err);
        *status = 0;
        return NULL;
    }
    /* permanent: cs_db_connect's message ends "(SQLSTATE 3D000: ...)" */
    const char *at = strstr(err, "(SQLSTATE ");
    char code[6] = "";
    if (at)
        cs_strlcpy(code, at + strlen("(SQLSTATE "), sizeof code);
    *status = cs_stage_permanent("database", err, s_db_health(code, fallback),
                                 cs_config_double(cfg, "permanent-error-hold"));
    return NULL;
}

/* ---- the receive loop -------------------------------------------------------------------- */

static int s_pending(const cs_stage_loop_t *loop, void *arg)
{
    return loop->pending ? loop->pending(arg) : 0;
}

/* One record from pull: counted, and handed to the stage or dropped. */
static void s_receive(zsock_t *pull, const cs_stage_loop_t *loop, void *arg, cs_stage_counts_t *n)
{
    char err[512];
    json_t *rec = cs_sock_recv_record(pull, NULL, err, sizeof err);
    if (!rec) {
        n->malformed++;
        cs_metrics_add("callsift_records_malformed_total", NULL, 1);
        cs_log_limited("malformed-record", CS_LOG_WARNING, "Skipped a malformed record: %s", err);
        return;
    }
    bool ours = cs_record_kind(rec) == loop->kind;
    if (ours || loop->count_any) {
        n->received++;
        cs_metrics_add("callsift_records_received_total", NULL, 1);
        if (cs_rec_int(rec, "attempt", 1) > 1)
            cs_metrics_add("callsift_records_redelivered_total", NULL, 1);
    }
    if (ours) {
        loop->take(arg, rec);
        return;
    }
    n->malformed++;
    cs_metrics_add("callsift_records_malformed_total", NULL, 1);
    cs_log_limited("wrong-kind", CS_LOG_WARNING,
                   "Skipped a '%s' record: the %s takes %s records only", cs_rec_str(rec, "kind"),
                   loop->stage, cs_kind_name(loop->kind));
    json_decref(rec);
}

void cs_stage_run(zsock_t *pull, const cs_stage_loop_t *loop, void *arg, int max_pending,
                  cs_stage_counts_t *n)
{
    *n = (cs_stage_counts_t){0};
    while (!cs_stop_requested()) {
        int fd = loop->watch ? loop->watch(arg) : -1;
        zmq_pollitem_t items[2] = {{.socket = zsock_resolve(pull), .events = ZMQ_POLLIN},
                                   {.fd = fd, .events = ZMQ_POLLIN}};
        int pending = s_pending(loop, arg);
        int room = loop->capacity ? loop->capacity(arg) : 0;
        if (pending >= (room > 0 && room < max_pending ? room : max_pending))
            items[0].events = 0; /* the rest wait in the socket, and behind it upstream */
        int nitems = fd >= 0 ? 2 : 1;
        if (zmq_poll(items, nitems, pending > 0 ? 10 : 200) < 0)
            continue;
        if (nitems == 2 && (items[1].revents & ZMQ_POLLIN))
            loop->ready(arg);
        if (items[0].revents & ZMQ_POLLIN)
            s_receive(pull, loop, arg, n);
        if (!loop->step(arg, 0))
            break; /* take no more; the records in hand end and are passed on */
    }
    while (s_pending(loop, arg) > 0)
        loop->step(arg, 100);
}

/* ---- the push downstream ----------------------------------------------------------------- */

zsock_t *cs_stage_sockets(const cs_config_t *cfg, cs_stage_out_t *out, const char *push_at,
                          const char *pull_at, bool bind, bool work)
{
    char err[512];
    out->push = cs_sock_new(ZMQ_PUSH, cs_config_str(cfg, push_at), bind, err, sizeof err);
    zsock_t *pull = NULL;
    if (out->push)
        pull = (work ? cs_sock_new_work : cs_sock_new)(ZMQ_PULL, cs_config_str(cfg, pull_at), bind,
                                                       err, sizeof err);
    if (!pull) {
        cs_error("%s", err);
        return NULL;
    }
    cs_metrics_health("sockets", true);
    return pull;
}

int cs_stage_push(cs_stage_out_t *out, json_t *rec)
{
    char err[256];
    while (cs_sock_send_record(out->push, rec, NULL, err, sizeof err) != 0) {
        if (cs_stop_requested()) {
            cs_warn("Stopping: %s of call %s not sent (the fetcher will resend it)", out->what,
                    cs_rec_str(rec, "external_id"));
            out->dropped++;
            json_decref(rec);
            return -1;
        }
        cs_warn("%s (%s); retrying", out->busy, err);
    }
    out->sent++;
    json_decref(rec);
    return 0;
}

/* ---- permanent errors -------------------------------------------------------------------- */

int cs_stage_permanent(const char *component, const char *reason, const char *health, double hold_s)
{
    cs_error("*** Stopping: %s. This needs a fix, not a retry: exiting with status %d. ***", reason,
             CS_EXIT_PERMANENT);
    cs_metrics_health_reason(component, false,
                             health && *health ? health : "a permanent error: see the log");
    if (hold_s > 0 && !cs_stop_requested())
        cs_sleep_ms((int64_t)(hold_s * 1000));
    return CS_EXIT_PERMANENT;
}

int cs_stage_oneshot_status(const char *why, const char *cause)
{
    if (!why)
        return 0;
    cs_error("The LLM refuses every request (%s): %s", cause, why);
    return CS_EXIT_PERMANENT;
}

int cs_stage_permanent_llm(const cs_config_t *cfg, const char *why, const char *cause)
{
    char reason[1024];
    snprintf(reason, sizeof reason, "the LLM refuses every request (%s): %s", cause, why);
    return cs_stage_permanent("llm", reason, cs_provider_health(cause),
                              cs_config_double(cfg, "permanent-error-hold"));
}

int cs_stage_permanent_db(const cs_config_t *cfg, const char *stage, const cs_db_t *db,
                          const char *fallback)
{
    const char *code = cs_db_last_sqlstate(db);
    char reason[1024];
    snprintf(reason, sizeof reason, "PostgreSQL refuses the %s (SQLSTATE %s: %s)", stage, code,
             cs_db_sqlstate_hint(code));
    return cs_stage_permanent("database", reason, s_db_health(code, fallback),
                              cs_config_double(cfg, "permanent-error-hold"));
}
