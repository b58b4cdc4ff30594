/*  callsift-fetcher: the pipeline's entrance. Fetches calls from Gong (or reads a replay
    file), sends each as a `call` record to the extractors, and keeps it until the writer acks
    it (DESIGN.md section 3). A run ends when every call is acked or has failed, and says which.

    Flow: configuration -> workspace, done set and customers from PostgreSQL (read only) ->
    sockets -> a source (Gong or replay) feeding the ledger -> delivery steps until the ledger
    is idle -> summary. With --interval the Gong source runs again every N seconds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cs_config.h"
#include "cs_curve.h"
#include "cs_db.h"
#include "cs_delivery.h"
#include "cs_fetchdb.h"
#include "cs_gong.h"
#include "cs_gongcall.h"
#include "cs_ledger.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_record.h"
#include "cs_replay.h"
#include "cs_sock.h"
#include "cs_time.h"
#include "cs_util.h"

static const cs_option_t OPTIONS[] = {
    {"workspace-id", "CALLSIFT_WORKSPACE_ID", CS_OPT_STRING, NULL,
     "callsift workspace to ingest into", CS_OPT_REQUIRED},
    {"limit", "CALLSIFT_LIMIT", CS_OPT_INT, "100",
     "maximum number of calls to fetch (replay: all unless set)", 0},
    {"days-back", "CALLSIFT_DAYS_BACK", CS_OPT_INT, "7", "how many days back to fetch calls", 0},
    {"from", NULL, CS_OPT_STRING, NULL,
     "start of the window (inclusive; overrides --days-back): 2026-01-01, 2026-01-01T09:30[:00] "
     "or '2026-01-01 09:30', with Z or an offset such as +05:30 (none means UTC)",
     0},
    {"to", NULL, CS_OPT_STRING, NULL,
     "end of the window (exclusive; default now), in the same forms as --from", 0},
    {"gong-workspace", "GONG_WORKSPACE_ID", CS_OPT_STRING, NULL, "Gong's own workspaceId filter",
     0},
    {"no-transcripts", NULL, CS_OPT_FLAG, "false",
     "skip transcript fetching (faster, but no AI extraction)", 0},
    {"no-extract-features", NULL, CS_OPT_FLAG, "false", "skip AI feature extraction", 0},
    {"interval", "CALLSIFT_INTERVAL", CS_OPT_INT, "0",
     "keep polling Gong every SECONDS for new calls (0: one run)", 0},
    {"replay", NULL, CS_OPT_STRING, NULL,
     "read calls from this JSON Lines file instead of Gong ('-': stdin)", 0},
    {"rate", NULL, CS_OPT_DOUBLE, "0",
     "replay: calls per second (0: as fast as the pipeline takes them)", 0},
    {"record", NULL, CS_OPT_STRING, NULL,
     "save the calls fetched from Gong to this JSON Lines file", 0},
    {"reprocess", NULL, CS_OPT_FLAG, "false",
     "send again only the calls stored unprocessed (their extraction failed; see 'callsift calls "
     "--unprocessed'): from Gong by id, whatever their dates, or from the --replay file",
     0},
    {"max-in-flight", "CALLSIFT_MAX_IN_FLIGHT", CS_OPT_INT, "64",
     "most calls sent and not yet acked", CS_OPT_POSITIVE},
    {"ack-timeout", "CALLSIFT_ACK_TIMEOUT", CS_OPT_DOUBLE, "300",
     "seconds to wait for a call's ack before sending it again", CS_OPT_POSITIVE},
    {"max-attempts", "CALLSIFT_MAX_ATTEMPTS", CS_OPT_INT, "3",
     "sends of one call before it is reported failed", CS_OPT_POSITIVE},
    {"stall-warning", "CALLSIFT_STALL_WARNING", CS_OPT_DOUBLE, "60",
     "warn when calls are in flight and no ack has come for SECONDS (0: never)", 0},
    {"database-url", "DATABASE_URL", CS_OPT_STRING, NULL,
     "PostgreSQL URL (read only: done calls, customers)", CS_OPT_SECRET | CS_OPT_REQUIRED},
    {"gong-base-url", "GONG_BASE_URL", CS_OPT_STRING, "https://api.gong.io",
     "Gong API base URL (OAuth customers have their own)", 0},
    {"gong-access-key", "GONG_ACCESS_KEY", CS_OPT_STRING, NULL, "Gong access key (Basic auth)",
     CS_OPT_SECRET},
    {"gong-access-key-secret", "GONG_ACCESS_KEY_SECRET", CS_OPT_STRING, NULL,
     "Gong access key secret", CS_OPT_SECRET},
    {"gong-bearer-token", "GONG_BEARER_TOKEN", CS_OPT_STRING, NULL,
     "Gong OAuth token (instead of the access key)", CS_OPT_SECRET},
    {"gong-max-rps", "GONG_MAX_RPS", CS_OPT_DOUBLE, "3",
     "requests per second to Gong (Gong allows 3)", CS_OPT_POSITIVE},
    CS_SOCK_OPTION_CALLS,
    CS_SOCK_OPTION_ACKS,
    CS_CURVE_OPTIONS,
    CS_METRICS_OPTION,
    CS_METRICS_OPTION_LISTEN,
    {NULL, NULL, 0, NULL, NULL, 0},
};

typedef struct {
    cs_config_t *cfg;
    cs_db_t *db;
    cs_fetch_workspace_t ws;
    zhashx_t *done;    /* external ids already stored */
    zhashx_t *redo;    /* --reprocess: external ids stored unprocessed; NULL otherwise */
    json_t *customers; /* lower-cased domain -> customer */
    cs_ledger_t *ledger;
    cs_delivery_t delivery;
    cs_recorder_t *recorder;
    const char *source; /* "gong" or "replay" */
    long fetched, skipped_done, skipped_private, bad_input;
    bool input_error;   /* the input could not be read through (read error, not JSON Lines) */
    long total;         /* calls this run will go through, when known; -1 otherwise */
    int64_t started_ms; /* when the first call was offered (cs_now_ms), for the ETA */
    int64_t last_progress;
} fetcher_t;

/* The ledger's and the sources' running totals, as metrics. */
static void s_metrics(const fetcher_t *f, const cs_ledger_counts_t *n)
{
    cs_metrics_set("callsift_calls_fetched_total", NULL, (double)f->fetched);
    cs_metrics_set("callsift_calls_skipped_total", "reason=\"done\"", (double)f->skipped_done);
    cs_metrics_set("callsift_calls_skipped_total", "reason=\"private\"",
                   (double)f->skipped_private);
    cs_metrics_set("callsift_calls_skipped_total", "reason=\"unreadable\"", (double)f->bad_input);
    cs_metrics_set("callsift_calls_waiting", NULL, (double)n->waiting);
    cs_metrics_set("callsift_in_flight", NULL, (double)n->in_flight);
    cs_metrics_set("callsift_calls_acked_total", "status=\"committed\"",
                   (double)(n->acked - n->already));
    cs_metrics_set("callsift_calls_acked_total", "status=\"already\"", (double)n->already);
    cs_metrics_set("callsift_calls_failed_total", NULL, (double)n->failed);
    cs_metrics_set("callsift_records_failed_total", NULL, (double)n->failed);
    cs_metrics_set("callsift_records_redelivered_total", NULL, (double)n->redelivered);
    cs_metrics_set("callsift_acks_ignored_total", NULL, (double)f->delivery.ignored);
    cs_metrics_set("callsift_calls_unprocessed_total", NULL, (double)n->unprocessed);
}

/* "1h02m", "3m05s", "42s" into out. */
static void s_duration(int64_t seconds, char *out, size_t outlen)
{
    if (seconds >= 3600)
        snprintf(out, outlen, "%lldh%02lldm", (long long)(seconds / 3600),
                 (long long)(seconds % 3600 / 60));
    else if (seconds >= 60)
        snprintf(out, outlen, "%lldm%02llds", (long long)(seconds / 60), (long long)(seconds % 60));
    else
        snprintf(out, outlen, "%llds", (long long)seconds);
}

/* ", 12 of 40 (30%), ETA 1m20s" when the total is known (the ETA once a call is settled), ""
   otherwise. Done means settled (acked or failed), skipped or unreadable. */
static void s_of_total(const fetcher_t *f, const cs_ledger_counts_t *n, char *out, size_t outlen)
{
    out[0] = '\0';
    if (f->total <= 0)
        return;
    long settled = n->acked + n->failed;
    long done = settled + f->skipped_done + f->skipped_private + f->bad_input;
    if (done > f->total)
        done = f->total;
    int len =
        snprintf(out, outlen, ", %ld of %ld done (%ld%%)", done, f->total, done * 100 / f->total);
    int64_t elapsed = f->started_ms ? cs_now_ms() - f->started_ms : 0;
    if (settled > 0 && done < f->total && elapsed > 0 && len > 0 && (size_t)len < outlen) {
        char eta[32];
        s_duration(
            (int64_t)((double)(f->total - done) * (double)elapsed / (double)settled / 1000.0), eta,
            sizeof eta);
        snprintf(out + len, outlen - (size_t)len, ", ETA %s", eta);
    }
}

/* One progress line: live on a terminal, every 10 s in a log. */
static void s_progress(fetcher_t *f, bool force)
{
    int64_t now = cs_now_ms();
    bool tty = isatty(STDERR_FILENO);
    cs_ledger_counts_t n;
    cs_ledger_counts(f->ledger, &n);
    s_metrics(f, &n);
    if (!force && now - f->last_progress < (tty ? 250 : 10000))
        return;
    f->last_progress = now;
    char total[96];
    s_of_total(f, &n, total, sizeof total);
    if (tty && cs_log_level() <= CS_LOG_INFO && !force)
        fprintf(stderr, "\rcalls: %ld fetched, %ld sent, %ld acked, %ld failed, %ld in flight%s   ",
                f->fetched, f->delivery.sent, n.acked, n.failed, n.in_flight, total);
    else
        cs_info(
            "Progress: %ld fetched, %ld sent, %ld acked, %ld failed, %ld in flight, %ld waiting%s",
            f->fetched, f->delivery.sent, n.acked, n.failed, n.in_flight, n.waiting, total);
}

static void s_step(fetcher_t *f, int wait_ms)
{
    cs_delivery_step(&f->delivery, wait_ms);
    s_progress(f, false);
}

/* A Gong call (and its transcript element) becomes a call record in the ledger. */
static void s_offer(fetcher_t *f, const json_t *gong_call, const json_t *transcript)
{
    char err[512];
    json_t *rec = cs_gongcall_record(gong_call, transcript, f->ws.workspace_id,
                                     f->ws.integration_id[0] ? f->ws.integration_id : NULL,
                                     f->source, err, sizeof err);
    if (!rec) {
        f->bad_input++;
        cs_warn("Skipped a call: %s", err);
        return;
    }
    bool transcripts = !cs_config_flag(f->cfg, "no-transcripts");
    bool extract = transcripts && !cs_config_flag(f->cfg, "no-extract-features");
    json_object_set_new(rec, "flags",
                        json_pack("{s:b, s:b}", "extract", extract, "transcripts", transcripts));
    cs_fetchdb_attach_customer(rec, f->customers);
    if (!f->started_ms)
        f->started_ms = cs_now_ms();
    if (cs_ledger_add(f->ledger, rec) != 0) {
        char id[CS_GONGCALL_ID_LEN];
        cs_debug("Call %s is already on its way", cs_gongcall_id(gong_call, id, sizeof id));
        return;
    }
    f->fetched++;
}

/* Already stored, private, or without an id: not sent. */
static bool s_skip(fetcher_t *f, const json_t *gong_call)
{
    char buf[CS_GONGCALL_ID_LEN];
    const char *id = cs_gongcall_id(gong_call, buf, sizeof buf);
    if (!id) {
        f->bad_input++;
        cs_warn("Skipped a call without a usable metaData.id");
        return true;
    }
    if (cs_gongcall_is_private(gong_call)) {
        f->skipped_private++;
        return true;
    }
    if (zhashx_lookup(f->done, id) || (f->redo && !zhashx_lookup(f->redo, id))) {
        f->skipped_done++;
        return true;
    }
    return false;
}

/* ---- Gong source ------------------------------------------------------------------------- */

static int s_collect(void *arg, json_t *call)
{
    json_array_append(arg, call);
    return 0;
}

/* The window [from, to) in seconds since the epoch: --from and --to as typed (see cs_time.h),
   else --days-back before now and now. Returns 0, or -1 with a one-line usage message in err
   naming the flag and the accepted forms. */
static int s_window(const cs_config_t *cfg, int64_t now_s, int64_t *from, int64_t *to, char *err,
                    size_t errlen)
{
    char why[256];
    const char *names[2] = {"from", "to"};
    int64_t *out[2] = {from, to};
    for (int i = 0; i < 2; i++) {
        const char *text = cs_config_str(cfg, names[i]);
        if (text && cs_time_parse(text, out[i], why, sizeof why) != 0)
            return cs_fail(err, errlen, "--%s: %s; write %s", names[i], why, CS_TIME_FORMS);
    }
    if (!cs_config_str(cfg, "to"))
        *to = now_s;
    if (!cs_config_str(cfg, "from"))
        *from = now_s - cs_config_int(cfg, "days-back") * 86400LL;
    if (*to <= *from) {
        char f[CS_TIME_LEN], t[CS_TIME_LEN];
        cs_time_format(*from, f, sizeof f);
        cs_time_format(*to, t, sizeof t);
        if (cs_config_str(cfg, "from"))
            return cs_fail(err, errlen, "--to %s is not after --from %s: the window is empty", t,
                           f);
        return cs_fail(err, errlen,
                       "--to %s is not after the start of the window, %s (--days-back %lld); "
                       "give --from too",
                       t, f, (long long)cs_config_int(cfg, "days-back"));
    }
    return 0;
}

/* One pass over Gong's window: list, skip what is done, fetch transcripts in batches, offer. */
static int s_gong_pass(fetcher_t *f, cs_gong_t *gong)
{
    char from[CS_TIME_LEN], to[CS_TIME_LEN], err[1024];
    int64_t from_s = 0, to_s = 0;
    if (!f->redo && s_window(f->cfg, cs_wall_ms() / 1000, &from_s, &to_s, err, sizeof err) != 0) {
        cs_error("%s", err);
        return -1;
    }
    cs_time_format(from_s, from, sizeof from);
    cs_time_format(to_s, to, sizeof to);
    json_t *calls = json_array();
    cs_gong_rc_t rc;
    if (f->redo) { /* the unprocessed calls, by id */
        json_t *ids = json_array();
        for (void *one = zhashx_first(f->redo); one; one = zhashx_next(f->redo))
            json_array_append_new(ids, json_string(zhashx_cursor(f->redo)));
        rc = cs_gong_list_calls_by_id(gong, ids, s_collect, calls, err, sizeof err);
        json_decref(ids);
    } else {
        rc = cs_gong_list_calls(gong, from, to, cs_config_str(f->cfg, "gong-workspace"),
                                cs_config_int(f->cfg, "limit"), s_collect, calls, err, sizeof err);
    }
    if (rc != CS_GONG_OK) {
        json_decref(calls);
        if (rc == CS_GONG_STOPPED)
            return 0;
        cs_error("%s", err);
        return rc == CS_GONG_AUTH ? -2 : -1;
    }
    cs_info("Successfully fetched %zu calls from Gong", json_array_size(calls));
    f->total = (f->total > 0 ? f->total : 0) + (long)json_array_size(calls);
    json_t *todo = json_array();
    size_t i;
    json_t *call;
    json_array_foreach(calls, i, call)
    {
        if (!s_skip(f, call))
            json_array_append(todo, call);
    }
    json_decref(calls);
    if (f->skipped_done || f->skipped_private)
        cs_info("Skipping %ld calls already ingested and %ld private calls", f->skipped_done,
                f->skipped_private);

    bool transcripts = !cs_config_flag(f->cfg, "no-transcripts");
    size_t n = json_array_size(todo);
    for (size_t start = 0; start < n && !cs_stop_requested(); start += CS_GONG_TRANSCRIPT_BATCH) {
        size_t end = start + CS_GONG_TRANSCRIPT_BATCH < n ? start + CS_GONG_TRANSCRIPT_BATCH : n;
        json_t *by_id = NULL;
        if (transcripts) {
            static char idbuf[CS_GONG_TRANSCRIPT_BATCH][CS_GONGCALL_ID_LEN];
            const char *ids[CS_GONG_TRANSCRIPT_BATCH];
            for (size_t k = start; k < end; k++)
                ids[k - start] =
                    cs_gongcall_id(json_array_get(todo, k), idbuf[k - start], sizeof idbuf[0]);
            by_id = cs_gong_transcripts(gong, ids, end - start, &rc, err, sizeof err);
            if (!by_id) {
                json_decref(todo);
                if (rc == CS_GONG_STOPPED)
                    return 0;
                cs_error("%s", err);
                return rc == CS_GONG_AUTH ? -2 : -1;
            }
        }
        for (size_t k = start; k < end; k++) {
            json_t *c = json_array_get(todo, k);
            char id[CS_GONGCALL_ID_LEN];
            const char *cid = cs_gongcall_id(c, id, sizeof id);
            json_t *t = by_id && cid ? json_object_get(by_id, cid) : NULL;
            if (f->recorder && cs_recorder_write(f->recorder, c, t, err, sizeof err) != 0)
                cs_warn("--record: %s", err);
            s_offer(f, c, t);
        }
        json_decref(by_id);
        s_step(f, 0);
    }
    json_decref(todo);
    return 0;
}

/* ---- replay source ----------------------------------------------------------------------- */

static int s_replay(fetcher_t *f, const char *path)
{
    char err[1024];
    cs_replay_t *replay = cs_replay_open(path, err, sizeof err);
    if (!replay) {
        cs_error("%s", err);
        return -1;
    }
    double rate = cs_config_double(f->cfg, "rate");
    long limit = cs_config_is_set(f->cfg, "limit") ? cs_config_int(f->cfg, "limit") : 0;
    long lines = cs_replay_count_calls(path); /* -1 for standard input */
    f->total = lines >= 0 && limit > 0 && limit < lines ? limit : lines;
    long max_in_flight = cs_config_int(f->cfg, "max-in-flight");
    int64_t started = cs_now_ms();
    long offered = 0;
    bool eof = false;
    while (!eof && !cs_stop_requested() && (limit == 0 || offered < limit)) {
        cs_ledger_counts_t n;
        cs_ledger_counts(f->ledger, &n);
        if (n.waiting >= max_in_flight) { /* the pipeline is behind: read no further */
            s_step(f, 50);
            continue;
        }
        if (rate > 0) { /* pace: line k is due at started + k / rate */
            int64_t due = started + (int64_t)(1000.0 * (double)offered / rate);
            if (cs_now_ms() < due) {
                s_step(f, (int)(due - cs_now_ms() < 50 ? due - cs_now_ms() : 50));
                continue;
            }
        }
        err[0] = '\0';
        json_t *line = cs_replay_next(replay, &eof, err, sizeof err);
        if (!line) {
            if (!eof) {
                f->bad_input++;
                cs_warn("Skipped a replay line: %s", err);
            } else if (err[0]) { /* a read error, or not JSON Lines at all, ends the input */
                f->input_error = true;
                cs_error("%s", err);
            }
            continue;
        }
        json_t *call = NULL, *transcript = NULL;
        cs_replay_split(line, &call, &transcript);
        offered++;
        if (!s_skip(f, call))
            s_offer(f, call, transcript);
        json_decref(call);
        json_decref(transcript);
        json_decref(line);
        s_step(f, 0);
    }
    cs_replay_close(&replay);
    cs_info("Read %ld calls from %s (%ld already ingested, %ld private, %ld unreadable)", offered,
            path, f->skipped_done, f->skipped_private, f->bad_input);
    return 0;
}

/* ---- the run ----------------------------------------------------------------------------- */

static void s_print_failed(void *arg, const char *id, const char *title, const char *reason)
{
    (void)arg;
    cs_error("  failed: %s (%s): %s", id, title, reason);
}

/* Deliver until every offered call is acked or failed (or a stop). */
static void s_drain(fetcher_t *f)
{
    while (!cs_ledger_idle(f->ledger) && !cs_stop_requested())
        s_step(f, 200);
}

/* The run's outcome, in the log and as the exit status (see the --help text and the README):
   0 every call stored and processed (or stored without extraction as asked, or nothing to do);
   1 some calls not stored: failed in the pipeline, or unreadable input; 3 every call stored
   but some without insights because their extraction failed. */
static int s_summary(fetcher_t *f, const char *from_what)
{
    cs_ledger_counts_t n;
    cs_ledger_counts(f->ledger, &n);
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "\n");
    if (cs_stop_requested()) {
        cs_warn("Interrupted: %ld calls acked, %ld not yet; run again to finish them (stored calls "
                "are skipped)",
                n.acked, n.waiting + n.in_flight);
        return 0;
    }
    if (f->delivery.ignored)
        cs_warn("%ld acks matched no call this run sent and were ignored (another source's or "
                "workspace's, or forged)",
                f->delivery.ignored);
    bool unreadable = f->bad_input > 0 || f->input_error;
    long stored = n.acked - n.already;
    if (n.acked == 0 && n.failed == 0 && !unreadable) {
        cs_info("No new calls to ingest (%ld already ingested, %ld private)", f->skipped_done,
                f->skipped_private);
        return 0;
    }
    int status = 0;
    if (n.acked > 0)
        cs_info("Successfully ingested %ld calls to database%s", stored,
                n.already ? " (the rest were already there)" : "");
    if (n.redelivered)
        cs_info("%ld calls were sent again after an ack timed out", n.redelivered);
    if (n.failed) {
        cs_error("%ld calls failed:", n.failed);
        cs_ledger_each_failed(f->ledger, s_print_failed, NULL);
        status = 1;
    }
    if (unreadable) {
        if (f->bad_input)
            cs_error("%ld %s could not be read (see the warnings above); every readable call was "
                     "sent",
                     f->bad_input,
                     strcmp(f->source, "replay") != 0
                         ? (f->bad_input == 1 ? "call from Gong" : "calls from Gong")
                     : f->bad_input == 1 ? "line of the replay file"
                                         : "lines of the replay file");
        else
            cs_error("The input could not be read through (see the error above)");
        status = 1;
    }
    if (n.unprocessed) {
        const char *cause = "other", *example = "";
        long count = 0;
        cs_ledger_main_cause(f->ledger, &cause, &count, &example);
        const char *replay = cs_config_str(f->cfg, "replay");
        cs_warn("%ld of %ld calls were stored WITHOUT insights: their extraction failed. Main "
                "cause: %s (%ld calls%s%.200s%s). Once it is fixed, send them again with: "
                "callsift-fetcher --workspace-id %s --reprocess%s%s",
                n.unprocessed, n.acked, cause, count, example[0] ? ", e.g. \"" : "", example,
                example[0] ? "\"" : "", f->ws.workspace_id, replay ? " --replay " : "",
                replay ? replay : "");
        if (status == 0)
            status = 3;
    }
    if (n.as_asked)
        cs_info("%ld calls were stored without extraction, as asked (--no-extract-features or "
                "--no-transcripts)",
                n.as_asked);
    if (status == 0 && n.as_asked == 0)
        cs_info("✅ Successfully ingested %ld calls from %s!", n.acked, from_what);
    else if (status == 0)
        cs_info("Stored %ld calls from %s", n.acked, from_what);
    return status;
}

static cs_gong_t *s_gong_client(const cs_config_t *cfg, char *err, size_t errlen)
{
    cs_gong_opts_t opts = {
        .base_url = cs_config_str(cfg, "gong-base-url"),
        .access_key = cs_config_str(cfg, "gong-access-key"),
        .access_key_secret = cs_config_str(cfg, "gong-access-key-secret"),
        .bearer_token = cs_config_str(cfg, "gong-bearer-token"),
        .max_requests_per_second = cs_config_double(cfg, "gong-max-rps"),
    };
    return cs_gong_new(&opts, err, errlen);
}

static int s_run(fetcher_t *f)
{
    char err[1024];
    const char *replay = cs_config_str(f->cfg, "replay");
    if (replay) {
        if (s_replay(f, replay) != 0)
            return 1;
        s_drain(f);
        return s_summary(f, "the replay");
    }
    cs_gong_t *gong = s_gong_client(f->cfg, err, sizeof err);
    if (!gong) {
        cs_error("%s", err);
        return 2;
    }
    int status = 0;
    long interval = cs_config_int(f->cfg, "interval");
    do {
        int rc = s_gong_pass(f, gong);
        if (rc == -2 || (rc != 0 && interval == 0)) {
            status = 1;
            break;
        }
        s_drain(f);
        if (interval > 0) {
            s_summary(f, "Gong");
            cs_info("Next poll of Gong in %ld seconds", interval);
            int64_t next = cs_now_ms() + interval * 1000;
            while (!cs_stop_requested() && cs_now_ms() < next)
                s_step(f, 200);
        }
    } while (interval > 0 && !cs_stop_requested());
    if (interval == 0 && status == 0)
        status = s_summary(f, "Gong");
    cs_gong_destroy(&gong);
    return status;
}

int main(int argc, char **argv)
{
    cs_log_init("fetcher");
    cs_metrics_init("fetcher");
    cs_signals_install();
    fetcher_t f = {.total = -1};
    f.cfg = cs_config_new(
        "callsift-fetcher --workspace-id UUID [OPTIONS]",
        "Fetches calls and transcripts from Gong (or a replay file) and sends them through the "
        "pipeline; exits when the writer has acknowledged every call. Exit status: 0 every call "
        "stored and processed (or stored without extraction as asked, or nothing new); 1 some "
        "calls not stored (failed, or unreadable input) or a fatal error; 2 a usage error, "
        "found before any work; 3 every call stored, some without insights because their "
        "extraction failed (send them again with --reprocess).",
        OPTIONS);
    char err[1024];
    int rc = cs_config_parse(f.cfg, argc, argv, false, err, sizeof err);
    int64_t from_s, to_s; /* dates that can't be read, or an empty window: before any work */
    if (rc == 0 && s_window(f.cfg, cs_wall_ms() / 1000, &from_s, &to_s, err, sizeof err) != 0)
        rc = -1;
    if (rc == 0) /* a wrong --curve-* set is a usage error too */
        rc = cs_curve_setup(f.cfg, CS_CURVE_BINDS | CS_CURVE_CONNECTS, err, sizeof err);
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "callsift-fetcher: %s\n", err);
        cs_config_destroy(&f.cfg);
        return rc < 0 ? 2 : 0;
    }
    int status = 1;
    zsock_t *push = NULL, *sub = NULL;
    f.source = cs_config_str(f.cfg, "replay") ? "replay" : "gong";
    cs_info("Starting %s call ingestion", cs_config_str(f.cfg, "replay") ? "replayed" : "Gong");
    cs_info("Workspace ID: %s", cs_config_str(f.cfg, "workspace-id"));
    const char *parts[] = {"sockets", NULL};
    if (cs_metrics_start((int)cs_config_int(f.cfg, "metrics-port"),
                         cs_config_str(f.cfg, "metrics-listen"), parts, err, sizeof err) != 0) {
        cs_error("%s", err);
        goto done;
    }

    f.db = cs_db_connect(cs_config_str(f.cfg, "database-url"), 10, err, sizeof err);
    if (!f.db ||
        cs_fetchdb_workspace(f.db, cs_config_str(f.cfg, "workspace-id"), &f.ws, err, sizeof err) !=
            0 ||
        !(f.done = cs_fetchdb_done(f.db, f.ws.workspace_id, f.source, err, sizeof err)) ||
        !(f.customers = cs_fetchdb_customers(f.db, f.ws.workspace_id, err, sizeof err)) ||
        (cs_config_flag(f.cfg, "reprocess") &&
         !(f.redo = cs_fetchdb_unprocessed(f.db, f.ws.workspace_id, f.source, err, sizeof err)))) {
        cs_error("%s", err);
        goto done;
    }
    if (f.redo) {
        cs_info("Reprocessing: %zu calls are stored unprocessed", zhashx_size(f.redo));
        if (zhashx_size(f.redo) == 0) {
            cs_info("No unprocessed calls to send again");
            status = 0;
            goto done;
        }
    }
    cs_db_destroy(&f.db); /* everything read; the writer owns the database from here */
    if (cs_config_str(f.cfg, "record") &&
        !(f.recorder = cs_recorder_open(cs_config_str(f.cfg, "record"), err, sizeof err))) {
        cs_error("--record: %s", err);
        goto done;
    }
    push =
        cs_sock_new_work(ZMQ_PUSH, cs_config_str(f.cfg, "calls-endpoint"), true, err, sizeof err);
    if (push)
        sub = cs_sock_new(ZMQ_SUB, cs_config_str(f.cfg, "acks-endpoint"), false, err, sizeof err);
    if (!sub) {
        cs_error("%s", err);
        goto done;
    }
    zsock_set_unsubscribe(sub, "");
    zsock_set_subscribe(sub, f.ws.workspace_id);
    cs_metrics_health("sockets", true);
    f.ledger = cs_ledger_new((int)cs_config_int(f.cfg, "max-in-flight"),
                             (int64_t)(cs_config_double(f.cfg, "ack-timeout") * 1000),
                             (int)cs_config_int(f.cfg, "max-attempts"));
    f.delivery = (cs_delivery_t){
        .push = push,
        .sub = sub,
        .ledger = f.ledger,
        .workspace_id = f.ws.workspace_id,
        .source = f.source,
        .done = f.done,
        .stall_ms = (int64_t)(cs_config_double(f.cfg, "stall-warning") * 1000),
    };
    status = s_run(&f);
done:
    cs_recorder_close(&f.recorder);
    cs_ledger_destroy(&f.ledger);
    zsock_destroy(&sub);
    zsock_destroy(&push);
    zhashx_destroy(&f.done);
    zhashx_destroy(&f.redo);
    json_decref(f.customers);
    cs_db_destroy(&f.db);
    cs_metrics_shutdown();
    cs_curve_teardown();
    cs_config_destroy(&f.cfg);
    cs_log_reset();
    return status;
}
