/*  cs_stage: what every stage executable does the same way, so that its main.c is options plus
    wiring: start-up and tear-down, the receive loop of a daemon stage, the push downstream, and
    the stop for a permanent error. The JSONL one-shot reader is cs_jsonl.

    Start-up (cs_stage_begin): log and metrics named after the stage, SIGTERM/SIGINT handlers,
    the options parsed, CURVE set up; cs_stage_end undoes it in reverse order.

    The receive loop (cs_stage_run) PULLs records until a stop. A frame that does not decode is
    counted malformed (callsift_records_malformed_total, the rate-limited WARNING "Skipped a
    malformed record: ..."), so is a record of another kind ("Skipped a 'call' record: the
    writer takes decision records only"); a record of the stage's kind is counted received
    (callsift_records_received_total, callsift_records_redelivered_total from its "attempt") and
    handed to the stage. While the stage holds max_pending records the loop takes no more: the
    rest wait in the socket, and behind it upstream (back-pressure).

    A permanent error is one that retrying cannot fix and that needs an operator: the LLM
    refuses the API key (401, 403) or the account is out of quota; the database does not exist
    or refuses the role or password. The stage hands on what it holds, then:
      - logs the cause once, naming what to fix (one ERROR line beginning "*** Stopping:");
      - marks the component ("llm", "database") down with that reason, so /healthz answers 503
        "llm: down: ..." for `hold` seconds (cut short by SIGTERM/SIGINT), which also keeps a
        restart policy from hammering the API or the database;
      - exits with CS_EXIT_PERMANENT.

    Exit statuses of the daemon stages: 0 stopped by SIGTERM/SIGINT; 1 could not start or run
    for another reason (a port in use, out of memory); 2 usage error (bad flags); 3
    (CS_EXIT_PERMANENT) a permanent error as above. */
#ifndef CS_STAGE_H
#define CS_STAGE_H

#include <czmq.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "cs_config.h"
#include "cs_db.h"
#include "cs_record.h"

#define CS_EXIT_PERMANENT 3

/* Option-table row for the hold, to paste into a daemon's cs_option_t table. */
#define CS_STAGE_OPTION_HOLD                                                                       \
    {                                                                                              \
        "permanent-error-hold", "CALLSIFT_PERMANENT_ERROR_HOLD", CS_OPT_DOUBLE, "10",              \
            "after a permanent error (LLM key or quota, database missing or refusing), answer "    \
            "/healthz 503 with the reason this many seconds, then exit 3",                         \
            0                                                                                      \
    }

/* ---- start-up and tear-down ------------------------------------------------------------- */

/* Start the process of stage `stage` ("writer": borrowed, must outlive the process): cs_log and
   cs_metrics named after it, the signal handlers, then `options` (borrowed) parsed from argv
   with `usage` and `summary` for --help, `check` (NULL: none) run on the parsed options, and
   CURVE set up for `curve_roles` (cs_curve.h). Returns the configuration, released by
   cs_stage_end(); or NULL, nothing left to release, with *status the exit status: 0 after
   --help or --version, 2 a usage error (a bad flag, `check` failing, a wrong --curve-* set),
   written to stderr as "callsift-STAGE: reason", 1 out of memory. */
cs_config_t *cs_stage_begin(const char *stage, const char *usage, const char *summary,
                            const cs_option_t *options, unsigned curve_roles,
                            int (*check)(const cs_config_t *cfg, char *err, size_t errlen),
                            int argc, char **argv, int *status);

/* Undo cs_stage_begin in reverse: stop the metrics server, tear CURVE down, destroy *cfg (and
   NULL it), reset the log. Can't fail. */
void cs_stage_end(cs_config_t **cfg);

/* Serve /metrics and /healthz on --metrics-port and --metrics-listen of cfg, with `components`
   (NULL-terminated, borrowed) down until reported up. 0, or -1 with the reason logged. */
int cs_stage_serve(const cs_config_t *cfg, const char *const *components);

/* Connect to PostgreSQL at --database-url of cfg, retrying until a stop unless the failure is
   permanent. Returns the connection (the caller destroys it), or NULL with *status: 0 after a
   stop (the reason logged), else the permanent stop of cs_stage_permanent() for "database",
   whose /healthz reason is the hint of the SQLSTATE, or `fallback` when there is none (NULL:
   the default of cs_stage_permanent). */
cs_db_t *cs_stage_db(const cs_config_t *cfg, const char *fallback, int *status);

/* ---- the receive loop of a daemon stage -------------------------------------------------- */

/* What a stage does with records: a constant table per stage, written in field order (as
   curl's protocol handlers); every callback gets the `arg` given to cs_stage_run. */
typedef struct {
    const char *stage; /* "extractor": "the extractor takes call records only" */
    cs_kind_t kind;    /* the kind of record the stage takes */
    bool count_any;    /* count a record of another kind as received too (and malformed) */
    /* Records the stage holds (NULL: it holds none between calls of take). */
    int (*pending)(void *arg);
    /* A second descriptor to wait on, asked before every wait (NULL or -1: none), and what to do
       when it is readable. */
    int (*watch)(void *arg);
    void (*ready)(void *arg);
    /* A record of `kind`: the stage takes it (the reference is the stage's). */
    void (*take)(void *arg, json_t *rec);
    /* Work for up to wait_ms (0: what is ready), after every wait and while draining; false
       when the stage can take no more records (a permanent error). */
    bool (*step)(void *arg, int wait_ms);
    /* Records the stage can use now (NULL, or 0 or less: max_pending of cs_stage_run, which
       also bounds it): an LLM stage takes in as much as its client's window (cs_llm_window)
       keeps busy, so calls wait upstream in the fetcher's ledger rather than in its queue. */
    int (*capacity)(void *arg);
} cs_stage_loop_t;

typedef struct {
    long received;  /* records counted received */
    long malformed; /* frames that did not decode, and records of another kind */
} cs_stage_counts_t;

/* Receive from `pull` (borrowed) and hand records to the stage (`loop`, borrowed, with `arg`)
   until a stop is requested or step returns false, taking none while the stage holds
   max_pending; then step until the stage holds nothing more. Counts into *n (zeroed first).
   Can't fail: a socket error is waited out like a timeout. */
void cs_stage_run(zsock_t *pull, const cs_stage_loop_t *loop, void *arg, int max_pending,
                  cs_stage_counts_t *n);

/* ---- the push downstream ----------------------------------------------------------------- */

typedef struct {
    zsock_t *push;    /* borrowed */
    const char *what; /* "extraction": "Stopping: extraction of call 42 not sent (...)" */
    const char *busy; /* "Matcher not taking extractions": "... (reason); retrying" */
    long sent;        /* records sent */
    long dropped;     /* records not sent because a stop came first */
} cs_stage_out_t;

/* The two sockets of a stage between two others: out->push, a PUSH on the endpoint of the
   option push_at, then the PULL returned, on the endpoint of pull_at (a work socket,
   cs_sock_new_work, when `work`); both bind when `bind`, else both connect. Then "sockets" is
   up on /healthz. NULL with the reason logged; out->push, when made, is the caller's to destroy
   either way. */
zsock_t *cs_stage_sockets(const cs_config_t *cfg, cs_stage_out_t *out, const char *push_at,
                          const char *pull_at, bool bind, bool work);

/* Send `rec` (taken: released in every case) on out->push, waiting out a slow or absent peer
   (a WARNING each time the send times out) until a stop is requested: then a WARNING names
   the call, which the fetcher sends again, and the record is dropped. 0 sent, -1 dropped. */
int cs_stage_push(cs_stage_out_t *out, json_t *rec);

/* ---- permanent errors -------------------------------------------------------------------- */

/* Report the permanent error `reason` (fixed program text plus what the error said, already
   free of secrets) of `component`, hold for hold_s seconds and return CS_EXIT_PERMANENT for
   main to return. `health` is the short reason for /healthz (static text naming what to fix;
   NULL or "": "a permanent error: see the log"). Can't fail. */
int cs_stage_permanent(const char *component, const char *reason, const char *health,
                       double hold_s);

/* The exit status of a one-shot run: 0, or CS_EXIT_PERMANENT when the LLM refused every request
   (`why` not NULL, with its `cause`), said in one ERROR line. */
int cs_stage_oneshot_status(const char *why, const char *cause);

/* The stage stops because the LLM refuses every request: `why` and `cause` from the engine,
   cs_provider_health(cause) on /healthz, held --permanent-error-hold of cfg. Returns
   CS_EXIT_PERMANENT. */
int cs_stage_permanent_llm(const cs_config_t *cfg, const char *why, const char *cause);

/* The stage `stage` ("matcher") stops because PostgreSQL refuses it for good (cs_db_permanent
   of db): the SQLSTATE and its hint in the log, the hint on /healthz (or `fallback` when there
   is none; NULL: the default), held --permanent-error-hold of cfg. Returns CS_EXIT_PERMANENT. */
int cs_stage_permanent_db(const cs_config_t *cfg, const char *stage, const cs_db_t *db,
                          const char *fallback);

#endif
