#include "cs_fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cs_fetchdb.h"
#include "cs_gong.h"
#include "cs_gongcall.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_record.h"
#include "cs_replay.h"
#include "cs_time.h"
#include "cs_util.h"
#include "cs_vendor.h"

/* The ledger's and the sources' running totals, as metrics. */
static void s_metrics(const cs_fetch_t *f, const cs_ledger_counts_t *n)
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
static void s_of_total(const cs_fetch_t *f, const cs_ledger_counts_t *n, char *out, size_t outlen)
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
static void s_progress(cs_fetch_t *f, bool force)
{
    int64_t now = cs_now_ms();
    bool tty = isatty(STDERR_FILENO);
    cs_ledger_counts_t n;
    cs_ledger_counts(f->ledger, &n);
    s_metrics(f, &n);
    if (!force && now - f->last_progress < (tty ? 250 : 10000))
        return;
    /* a long-running fetcher (--interval, webhooks) that is idle logs no line until something
       moves */
    long seen = f->fetched + f->delivery.sent + n.acked + n.failed; /* each only grows */
    if (!force && !tty && f->last_progress && seen == f->progress_seen)
        return;
    f->progress_seen = seen;
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

static void s_step(cs_fetch_t *f, int wait_ms)
{
    cs_delivery_step(&f->delivery, wait_ms);
    s_progress(f, false);
}

/* Learn the vendor domains call record `rec` shows (cs_vendor.h) that the workspace's list
   lacks: each new one is logged, added to f->vendor_domains and stored. A store that fails is
   a warning: the domain is still used for this run, and stored with the next one learnt. */
static void s_learn_vendor_domains(cs_fetch_t *f, const json_t *rec)
{
    json_t *seen = cs_vendor_domains_of(rec);
    bool added = false;
    size_t i;
    json_t *d;
    json_array_foreach(seen, i, d)
    {
        const char *domain = json_string_value(d);
        if (cs_vendor_has(f->vendor_domains, domain))
            continue;
        if (json_array_size(f->vendor_domains) >= CS_VENDOR_MAX_DOMAINS) {
            if (!f->vendor_domains_full)
                cs_warn("Not learning vendor domain %s: the workspace has %d, the most callsift "
                        "keeps (see 'callsift workspace domains')",
                        domain, CS_VENDOR_MAX_DOMAINS);
            f->vendor_domains_full = true;
            break;
        }
        json_array_append(f->vendor_domains, d);
        cs_info("Learned vendor domain %s from Gong's Internal participants", domain);
        added = true;
    }
    json_decref(seen);
    if (!added || !f->db)
        return;
    char err[512];
    json_t *stored = NULL;
    if (cs_db_ok(f->db) || cs_db_ensure(f->db, 1) == 0)
        stored = cs_fetchdb_add_vendor_domains(f->db, f->ws.workspace_id, f->vendor_domains, err,
                                               sizeof err);
    else
        cs_strlcpy(err, "no connection to PostgreSQL", sizeof err);
    if (!stored) {
        cs_warn("Could not store the workspace's vendor domains (kept for this run): %s", err);
        return;
    }
    /* what is stored now, other fetchers' and the CLI's domains included */
    json_t *mine = f->vendor_domains;
    f->vendor_domains = stored;
    json_array_foreach(mine, i, d)
    {
        if (!cs_vendor_has(f->vendor_domains, json_string_value(d)) &&
            json_array_size(f->vendor_domains) < CS_VENDOR_MAX_DOMAINS)
            json_array_append(f->vendor_domains, d);
    }
    json_decref(mine);
}

/* A Gong call (and its transcript element) becomes a call record in the ledger. With `doc`
   (a replay line cs_jdoc parsed: its root is gong_call with the transcript), the record is
   built by cs_leancall and goes into the ledger as its frame, the transcript never a tree. */
static void s_offer(cs_fetch_t *f, const json_t *gong_call, const json_t *transcript,
                    const cs_jdoc_t *doc)
{
    char err[512];
    const char *integration = f->ws.integration_id[0] ? f->ws.integration_id : NULL;
    json_t *rec = doc ? cs_leancall_record(f->lean, doc, gong_call, f->ws.workspace_id, integration,
                                           f->source, err, sizeof err)
                      : cs_gongcall_record(gong_call, transcript, f->ws.workspace_id, integration,
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
    s_learn_vendor_domains(f, rec);
    json_object_set_new(rec, "vendor_domains", json_deep_copy(f->vendor_domains));
    char *frame = NULL;
    size_t len = 0;
    if (doc) { /* "attempt" last, as the ledger sets it at each send */
        json_object_set_new(rec, "attempt", json_integer(1));
        frame = cs_leancall_frame(f->lean, rec, &len, err, sizeof err);
        if (!frame) {
            f->bad_input++;
            cs_warn("Skipped a call: %s", err);
            json_decref(rec);
            return;
        }
    }
    if (!f->started_ms)
        f->started_ms = cs_now_ms();
    if (cs_ledger_add_frame(f->ledger, rec, frame, len) != 0) {
        char id[CS_GONGCALL_ID_LEN];
        cs_debug("Call %s is already on its way", cs_gongcall_id(gong_call, id, sizeof id));
        return;
    }
    f->fetched++;
}

/* Already stored, private, or without an id: not sent. */
static bool s_skip(cs_fetch_t *f, const json_t *gong_call)
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

int cs_fetch_window(const cs_config_t *cfg, int64_t now_s, cs_db_t *db, const char *zone,
                    int64_t *from, int64_t *to, char *err, size_t errlen)
{
    char why[256];
    const char *names[2] = {"from", "to"};
    int64_t *out[2] = {from, to};
    for (int i = 0; i < 2; i++) {
        const char *text = cs_config_str(cfg, names[i]);
        bool zoned = true;
        if (text && cs_time_parse_wall(text, out[i], &zoned, why, sizeof why) != 0)
            return cs_fail(err, errlen, "--%s: %s; write %s", names[i], why, CS_TIME_FORMS);
        if (text && !zoned && zone && strcmp(zone, "UTC") != 0 &&
            (!db || cs_fetchdb_local_time(db, *out[i], zone, out[i], why, sizeof why) != 0))
            return cs_fail(err, errlen, "--%s: cannot read %s in time zone %s: %s", names[i], text,
                           zone, db ? why : "no database");
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

/* Fetch the transcripts of the calls in `todo` in batches and offer each call. Returns 0 when
   all were offered; 1 when a stop was requested first; when a batch fails, -1 (-2: Gong refused
   our credentials) and the calls of that batch and after it are not offered. *offered (may be
   NULL) is how many were, from the start of todo. */
static int s_fetch_offer(cs_fetch_t *f, cs_gong_t *gong, const json_t *todo, size_t *offered)
{
    char err[1024];
    cs_gong_rc_t rc;
    bool transcripts = !cs_config_flag(f->cfg, "no-transcripts");
    size_t n = json_array_size(todo);
    if (offered)
        *offered = 0;
    for (size_t start = 0; start < n; start += CS_GONG_TRANSCRIPT_BATCH) {
        if (cs_stop_requested())
            return 1;
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
                if (rc == CS_GONG_STOPPED)
                    return 1;
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
            s_offer(f, c, t, NULL);
        }
        json_decref(by_id);
        if (offered)
            *offered = end;
        s_step(f, 0);
    }
    return 0;
}

/* One pass over Gong's window: list, skip what is done, fetch transcripts in batches, offer. */
static int s_gong_pass(cs_fetch_t *f, cs_gong_t *gong)
{
    char from[CS_TIME_LEN], to[CS_TIME_LEN], err[1024];
    int64_t from_s = 0, to_s = 0;
    const char *zone = f->ws.time_zone[0] ? f->ws.time_zone : "UTC";
    if (!f->redo && cs_fetch_window(f->cfg, cs_wall_ms() / 1000, f->db, zone, &from_s, &to_s, err,
                                    sizeof err) != 0) {
        cs_error("%s", err);
        return -1;
    }
    cs_time_format(from_s, from, sizeof from);
    cs_time_format(to_s, to, sizeof to);
    if (!f->redo)
        cs_info("Window %s to %s (--from and --to without an offset are in %s)", from, to, zone);
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

    int offer_rc = s_fetch_offer(f, gong, todo, NULL);
    json_decref(todo);
    return offer_rc > 0 ? 0 : offer_rc;
}

/* ---- replay source ----------------------------------------------------------------------- */

static int s_replay(cs_fetch_t *f, const char *path)
{
    char err[1024];
    cs_replay_t *replay = cs_replay_open(path, err, sizeof err);
    if (!replay || !(f->lean = cs_leancall_new())) {
        cs_error("%s", replay ? "out of memory" : err);
        cs_replay_close(&replay);
        return -1;
    }
    double rate = cs_config_double(f->cfg, "rate");
    long limit = cs_config_is_set(f->cfg, "limit") ? cs_config_int(f->cfg, "limit") : 0;
    long lines = cs_replay_count_calls(path); /* -1 for standard input */
    f->total = lines >= 0 && limit > 0 && limit < lines ? limit : lines;
    int64_t started = cs_now_ms();
    long offered = 0;
    bool eof = false;
    while (!eof && !cs_stop_requested() && (limit == 0 || offered < limit)) {
        cs_ledger_counts_t n;
        cs_ledger_counts(f->ledger, &n);
        /* the pipeline is behind: read no further */
        if (n.waiting >= cs_ledger_window(f->ledger)) {
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
        cs_replay_call_t line;
        if (!cs_replay_next_call(replay, &line, &eof, err, sizeof err)) {
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
        if (line.doc) /* the call without its transcript, which stays in the document */
            call = cs_jdoc_to_json(line.doc, cs_jdoc_root(line.doc), "transcript");
        else
            cs_replay_split(line.json, &call, &transcript);
        offered++;
        if (!s_skip(f, call))
            s_offer(f, call, transcript, line.doc);
        json_decref(call);
        json_decref(transcript);
        json_decref(line.json);
        s_step(f, 0);
    }
    cs_replay_close(&replay);
    cs_leancall_destroy(&f->lean);
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
static void s_drain(cs_fetch_t *f)
{
    while (!cs_ledger_idle(f->ledger) && !cs_stop_requested())
        s_step(f, 200);
}

/* The run's outcome, in the log and as the exit status (see the --help text and the README):
   0 every call stored and processed (or stored without extraction as asked, or nothing to do);
   1 some calls not stored: failed in the pipeline, or unreadable input; 3 every call stored
   but some without insights because their extraction failed. */
static int s_summary(cs_fetch_t *f, const char *from_what)
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

/* ---- webhook source ---------------------------------------------------------------------- */

/* The calls Gong's webhooks delivered: skip what is done, fetch transcripts, offer. Calls whose
   transcripts could not be fetched go back to the webhook queue for the next pass, after a
   pause. Returns -2 when Gong refuses our credentials, else 0. */
static int s_webhook_pass(cs_fetch_t *f, cs_gong_t *gong, int64_t *retry_at)
{
    if (cs_now_ms() < *retry_at)
        return 0;
    json_t *taken = cs_webhook_take(f->webhook, 10 * CS_GONG_TRANSCRIPT_BATCH);
    json_t *todo = json_array();
    char id[CS_GONGCALL_ID_LEN];
    size_t i;
    json_t *call;
    json_array_foreach(taken, i, call)
    {
        if (s_skip(f, call)) {
            if (cs_gongcall_id(call, id, sizeof id) && !cs_gongcall_is_private(call))
                cs_info("Webhook call %s is already stored: not sent again", id);
            continue;
        }
        json_t *key = json_pack("{s:s, s:s, s:s}", "workspace_id", f->ws.workspace_id, "source",
                                f->source, "external_id", cs_gongcall_id(call, id, sizeof id));
        bool out = key && cs_ledger_sent_at(f->ledger, key) >= 0;
        json_decref(key);
        if (out)
            cs_info("Webhook call %s is already on its way: not sent again", id);
        else
            json_array_append(todo, call);
    }
    json_decref(taken);
    size_t offered = 0;
    int rc = s_fetch_offer(f, gong, todo, &offered);
    if (rc < 0 || (rc > 0 && offered < json_array_size(todo))) {
        json_t *rest = json_array();
        for (size_t k = offered; k < json_array_size(todo); k++)
            json_array_append(rest, json_array_get(todo, k));
        cs_webhook_untake(f->webhook, rest);
        if (rc < 0)
            cs_warn("%zu webhook calls wait for their transcripts: trying again in 30 s",
                    json_array_size(rest));
        json_decref(rest);
        *retry_at = cs_now_ms() + 30000;
    }
    json_decref(todo);
    return rc == -2 ? -2 : 0;
}

/* How often a long-running fetcher reads the customers table again, so that the customers the
   writer adds from CRM context, or an operator adds, match calls by domain. */
#define CUSTOMERS_REFRESH_MS (5 * 60 * 1000)

static void s_reload_customers(cs_fetch_t *f)
{
    char err[512];
    json_t *fresh = cs_fetchdb_customers(f->db, f->ws.workspace_id, err, sizeof err);
    if (!fresh) {
        cs_warn("Customers not read again (the last list stays in use): %s", err);
        return;
    }
    json_decref(f->customers);
    f->customers = fresh;
}

static bool s_is_stored(void *arg, const char *id)
{
    const cs_fetch_t *f = arg;
    return zhashx_lookup(f->done, id) != NULL;
}

/* Webhooks, with a poll of Gong at start and every --interval seconds beside them when it is
   set: runs until a stop is requested. */
static int s_listen(cs_fetch_t *f, cs_gong_t *gong)
{
    long interval = cs_config_int(f->cfg, "interval");
    int64_t next_poll = interval > 0 ? cs_now_ms() : INT64_MAX, retry_at = 0, next_sweep = 0;
    int64_t started = cs_now_ms(), next_customers = started + CUSTOMERS_REFRESH_MS;
    int status = 0;
    while (!cs_stop_requested()) {
        if (cs_now_ms() >= next_poll) {
            if (next_poll > started)
                s_reload_customers(f);
            if (s_gong_pass(f, gong) == -2) {
                status = 1;
                break;
            }
            next_poll = cs_now_ms() + interval * 1000;
            cs_info("Next poll of Gong in %ld seconds", interval);
        }
        if (s_webhook_pass(f, gong, &retry_at) == -2) {
            status = 1;
            break;
        }
        s_step(f, 200);
        if (cs_now_ms() >= next_sweep) {
            cs_webhook_sweep(f->webhook, s_is_stored, f);
            next_sweep = cs_now_ms() + 1000;
        }
        if (cs_now_ms() >= next_customers) {
            s_reload_customers(f);
            next_customers = cs_now_ms() + CUSTOMERS_REFRESH_MS;
        }
    }
    cs_webhook_sweep(f->webhook, s_is_stored, f);
    if (cs_webhook_spooled(f->webhook) > 0)
        cs_info("%zu webhook calls are not stored yet: they stay in the spool for the next start",
                cs_webhook_spooled(f->webhook));
    else if (!cs_config_str(f->cfg, "webhook-spool") && cs_webhook_queued(f->webhook) > 0)
        cs_warn("%zu webhook calls were accepted and not sent: without --webhook-spool only a poll "
                "of Gong (--interval, or a run over their dates) brings them back",
                cs_webhook_queued(f->webhook));
    s_summary(f, "Gong");
    return status;
}

int cs_fetch_run(cs_fetch_t *f)
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
    if (f->webhook) {
        int rc = s_listen(f, gong);
        cs_gong_destroy(&gong);
        return rc;
    }
    int status = 0;
    long interval = cs_config_int(f->cfg, "interval");
    int passes = 0;
    do {
        if (passes++ > 0)
            s_reload_customers(f);
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

int cs_fetch_check(const cs_config_t *cfg, char *err, size_t errlen)
{
    const char *hook_opts[] = {"webhook-url", "webhook-key-file", "webhook-public-key",
                               "webhook-spool"};
    bool listen = cs_config_str(cfg, "webhook-listen") != NULL;
    for (size_t i = 0; i < CS_ARRAY_LEN(hook_opts); i++)
        if (!listen && cs_config_str(cfg, hook_opts[i]))
            return cs_fail(err, errlen, "--%s is set but --webhook-listen is not", hook_opts[i]);
    if (listen) {
        if (!cs_config_str(cfg, "webhook-url"))
            return cs_fail(err, errlen,
                           "--webhook-listen needs --webhook-url: the public URL entered in "
                           "Gong's rule (its path is the path served)");
        if (!cs_config_str(cfg, "webhook-key-file") && !cs_config_str(cfg, "webhook-public-key"))
            return cs_fail(err, errlen,
                           "--webhook-listen needs --webhook-key-file or --webhook-public-key: "
                           "Gong's rule authenticates with a URL key or a signed JWT");
        if (cs_config_str(cfg, "replay") || cs_config_flag(cfg, "reprocess"))
            return cs_fail(err, errlen, "--webhook-listen does not go with --%s",
                           cs_config_str(cfg, "replay") ? "replay" : "reprocess");
    }
    int64_t from, to;
    return cs_fetch_window(cfg, cs_wall_ms() / 1000, NULL, NULL, &from, &to, err, errlen);
}
