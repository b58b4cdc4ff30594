/*  callsift-extractor: PULLs call records, extracts feature requests, bugs, sentiment, pain
    points and a summary (offline, or with an OpenAI-compatible LLM), PUSHes extraction records
    to the matcher. Scale it by running more of them: they connect to the fetcher and the
    matcher, so `--scale extractor=8` needs no configuration.

    `--jsonl` is the one-shot mode: JSON lines on stdin (a Gong-shaped call, a call record, or
    {"transcript":[{"speaker","affiliation","text"}],"themes":[...],"customer":{...}}), one
    insights object per line on stdout, in input order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_config.h"
#include "cs_curve.h"
#include "cs_db.h"
#include "cs_extract.h"
#include "cs_gongcall.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_provider.h"
#include "cs_record.h"
#include "cs_sock.h"
#include "cs_stage.h"
#include "cs_themes.h"
#include "cs_util.h"

#define ONE_SHOT_WORKSPACE "00000000-0000-4000-8000-000000000000"
#define MAX_STDIN_LINE     (32u << 20)

static const cs_option_t OPTIONS[] = {
    CS_PROVIDER_OPTIONS_ENDPOINT("openai, offline, or auto (openai when OPENAI_API_KEY is set)",
                                 "chat model"),
    {"temperature", "CALLSIFT_TEMPERATURE", CS_OPT_DOUBLE, "0.3", "sampling temperature", 0},
    CS_PROVIDER_OPTION_CONCURRENCY,
    {"max-input-tokens", "CALLSIFT_MAX_INPUT_TOKENS", CS_OPT_INT, "12000",
     "longer transcripts are split into overlapping chunks", CS_OPT_POSITIVE},
    CS_PROVIDER_OPTIONS_REQUESTS("answers asked per chunk when one is invalid", "120",
                                 "stores the call unprocessed at once"),
    CS_PROVIDER_OPTIONS_PRICES(""),
    {"jsonl", NULL, CS_OPT_FLAG, "false", "one-shot mode: JSON lines on stdin, insights on stdout",
     0},
    {"workspace-id", NULL, CS_OPT_STRING, NULL,
     "--jsonl: the themes of this workspace (from the database) for lines that bring none", 0},
    {"database-url", "DATABASE_URL", CS_OPT_STRING, NULL,
     "PostgreSQL URL (read only: the workspaces' themes)", CS_OPT_SECRET},
    CS_SOCK_OPTION_CALLS,
    CS_SOCK_OPTION_EXTRACTIONS,
    CS_CURVE_OPTIONS,
    CS_METRICS_OPTION,
    CS_METRICS_OPTION_LISTEN,
    CS_STAGE_OPTION_HOLD,
    {NULL, NULL, 0, NULL, NULL, 0},
};

typedef struct {
    zsock_t *push;
    long sent, send_failed;
    /* one-shot mode: results by input line */
    json_t *results;
} out_t;

/* Daemon: send the extraction on, waiting out a slow matcher (it is our only way forward). */
static void s_push(void *arg, json_t *extraction)
{
    out_t *out = arg;
    char err[256];
    if (cs_stop_requested() && cs_rec_str(extraction, "error")) {
        /* cut short by the stop, not a real failure: the fetcher resends the call */
        json_decref(extraction);
        return;
    }
    while (cs_sock_send_record(out->push, extraction, NULL, err, sizeof err) != 0) {
        if (cs_stop_requested()) {
            cs_warn("Stopping: extraction of call %s not sent (the fetcher will resend it)",
                    cs_rec_str(extraction, "external_id"));
            out->send_failed++;
            json_decref(extraction);
            return;
        }
        cs_warn("Matcher not taking extractions (%s); retrying", err);
    }
    out->sent++;
    json_decref(extraction);
}

/* The engine's running totals, as metrics. */
static void s_metrics(cs_extract_t *ex, const out_t *out, cs_db_t *db)
{
    cs_extract_totals_t t;
    cs_extract_totals(ex, &t);
    cs_metrics_set("callsift_records_sent_total", NULL, (double)out->sent);
    cs_metrics_set("callsift_records_failed_total", NULL, (double)t.failed);
    cs_metrics_set("callsift_in_flight", NULL, cs_extract_pending(ex));
    cs_metrics_set("callsift_feature_requests_extracted_total", NULL, (double)t.features);
    cs_metrics_set("callsift_bug_reports_extracted_total", NULL, (double)t.bugs);
    cs_metrics_llm_usage(t.prompt_tokens, t.completion_tokens, -1, t.cost_usd);
    if (db)
        cs_metrics_health("database", cs_db_ok(db));
}

/* One-shot: keep the insights (or error) at the record's line number. */
static void s_keep(void *arg, json_t *extraction)
{
    out_t *out = arg;
    long line = strtol(cs_rec_str(extraction, "external_id"), NULL, 10);
    json_t *result = json_object_get(extraction, "insights");
    json_t *value =
        result ? json_incref(result)
               : json_pack("{s:s}", "error",
                           cs_rec_str(extraction, "error") ? cs_rec_str(extraction, "error")
                                                           : "no insights");
    json_array_set_new(out->results, (size_t)line, value);
    json_decref(extraction);
}

/* A one-shot input line as a call record; themes into *themes (new ref): the line's own, else
   `fallback`. NULL + reason. */
static json_t *s_oneshot_call(json_t *line, long n, const json_t *fallback, json_t **themes,
                              char *err, size_t errlen)
{
    char ext[32];
    snprintf(ext, sizeof ext, "%ld", n);
    json_t *given = json_object_get(line, "themes");
    *themes =
        json_incref(json_is_array(given) && json_array_size(given) ? given : (json_t *)fallback);
    json_t *call;
    if (json_object_get(line, "metaData")) { /* a Gong call, as in a replay file */
        call = cs_gongcall_record(line, json_object_get(line, "transcript"), ONE_SHOT_WORKSPACE,
                                  NULL, "replay", err, errlen);
        if (!call)
            return NULL;
    } else {
        call = json_deep_copy(line);
        json_object_del(call, "themes");
        /* the minimal form: utterances with speaker and affiliation only */
        size_t i;
        json_t *u;
        json_array_foreach(json_object_get(call, "transcript"), i, u)
        {
            if (!json_object_get(u, "start_ms"))
                json_object_set_new(u, "start_ms", json_integer((json_int_t)i * 1000));
            if (!json_object_get(u, "affiliation"))
                json_object_set_new(u, "affiliation", json_string("Unknown"));
        }
        json_object_set_new(call, "v", json_integer(CS_RECORD_VERSION));
        json_object_set_new(call, "kind", json_string("call"));
        json_object_set_new(call, "workspace_id", json_string(ONE_SHOT_WORKSPACE));
        json_object_set_new(call, "source", json_string("replay"));
        json_object_set_new(call, "external_id", json_string(ext));
        if (!json_object_get(call, "started_at"))
            json_object_set_new(call, "started_at", json_string("1970-01-01T00:00:00Z"));
        if (cs_record_validate(call, err, errlen) != 0) {
            json_decref(call);
            return NULL;
        }
    }
    json_object_set_new(call, "external_id", json_string(ext)); /* the line number */
    json_object_del(call, "flags");
    return call;
}

static int s_oneshot(cs_extract_t *ex, out_t *out, const json_t *themes_fallback)
{
    char *buf = NULL;
    size_t cap = 0;
    ssize_t len;
    long n = 0;
    while ((len = getline(&buf, &cap, stdin)) > 0 && !cs_stop_requested()) {
        json_array_append_new(out->results, json_null());
        if ((size_t)len > MAX_STDIN_LINE) {
            json_array_set_new(out->results, (size_t)n,
                               json_pack("{s:s}", "error", "line too long"));
            n++;
            continue;
        }
        json_error_t jerr;
        json_t *line = json_loadb(buf, (size_t)len, 0, &jerr);
        char err[512] = "";
        json_t *themes = NULL;
        json_t *call = json_is_object(line)
                           ? s_oneshot_call(line, n, themes_fallback, &themes, err, sizeof err)
                           : NULL;
        if (!call) {
            if (!json_is_object(line))
                snprintf(err, sizeof err, "line %ld is not a JSON object: %s", n + 1, jerr.text);
            json_array_set_new(out->results, (size_t)n, json_pack("{s:s}", "error", err));
        } else {
            cs_extract_submit(ex, call, themes);
        }
        json_decref(themes);
        json_decref(line);
        n++;
        while (cs_extract_pending(ex) > 16 && !cs_stop_requested())
            cs_extract_run(ex, 100);
    }
    free(buf);
    while (cs_extract_pending(ex) > 0 && !cs_stop_requested())
        cs_extract_run(ex, 100);
    size_t i;
    json_t *r;
    json_array_foreach(out->results, i, r)
    {
        char *text = json_dumps(r, JSON_COMPACT | JSON_ENCODE_ANY);
        printf("%s\n", text ? text : "null");
        free(text);
    }
    fflush(stdout);
    return 0;
}

/* Stopping for good: the LLM refuses, or the themes' database does (cs_stage.h). The calls in
   progress have been passed on. */
static int s_permanent(const cs_config_t *cfg, cs_extract_t *ex, cs_db_t *db)
{
    double hold = cs_config_double(cfg, "permanent-error-hold");
    const char *cause = NULL;
    const char *why = cs_extract_fatal(ex, &cause);
    char reason[1024];
    if (why) {
        snprintf(reason, sizeof reason, "the LLM refuses every request (%s): %s", cause, why);
        return cs_stage_permanent("llm", reason, cs_provider_health(cause), hold);
    }
    const char *code = cs_db_last_sqlstate(db);
    snprintf(reason, sizeof reason, "PostgreSQL refuses the extractor (SQLSTATE %s: %s)", code,
             cs_db_sqlstate_hint(code));
    return cs_stage_permanent("database", reason, cs_db_sqlstate_hint(code), hold);
}

static int s_daemon(const cs_config_t *cfg, cs_extract_t *ex, out_t *out, cs_themes_t *themes,
                    cs_db_t *db, int max_pending)
{
    char err[512];
    zsock_t *pull =
        cs_sock_new_work(ZMQ_PULL, cs_config_str(cfg, "calls-endpoint"), false, err, sizeof err);
    if (!pull) {
        cs_error("%s", err);
        return 1;
    }
    cs_metrics_health("sockets", true);
    cs_info("Extractor ready: calls from %s, extractions to %s",
            cs_config_str(cfg, "calls-endpoint"), cs_config_str(cfg, "extractions-endpoint"));
    long received = 0, malformed = 0;
    while (!cs_stop_requested()) {
        zmq_pollitem_t items[2] = {
            {.socket = zsock_resolve(pull), .events = ZMQ_POLLIN},
            {.fd = themes ? cs_themes_fd(themes) : -1, .events = ZMQ_POLLIN}};
        /* take a new call only while there is room: the rest wait in the socket (and behind it,
           in the fetcher's window) */
        bool room = cs_extract_pending(ex) < max_pending;
        if (!room)
            items[0].events = 0;
        int nitems = items[1].fd >= 0 ? 2 : 1;
        int timeout = cs_extract_pending(ex) > 0 ? 10 : 200;
        if (zmq_poll(items, nitems, timeout) < 0)
            continue;
        if (nitems == 2 && (items[1].revents & ZMQ_POLLIN))
            cs_themes_poll(themes);
        if (items[0].revents & ZMQ_POLLIN) {
            json_t *call = cs_sock_recv_record(pull, NULL, err, sizeof err);
            if (!call) {
                malformed++;
                cs_metrics_add("callsift_records_malformed_total", NULL, 1);
                cs_log_limited("malformed-record", CS_LOG_WARNING, "Skipped a malformed record: %s",
                               err);
            } else if (cs_record_kind(call) != CS_KIND_CALL) {
                malformed++;
                cs_metrics_add("callsift_records_malformed_total", NULL, 1);
                cs_log_limited("wrong-kind", CS_LOG_WARNING,
                               "Skipped a '%s' record: the extractor takes call records only",
                               cs_rec_str(call, "kind"));
                json_decref(call);
            } else {
                received++;
                cs_metrics_add("callsift_records_received_total", NULL, 1);
                if (cs_rec_int(call, "attempt", 1) > 1)
                    cs_metrics_add("callsift_records_redelivered_total", NULL, 1);
                const json_t *t =
                    themes ? cs_themes_get(themes, cs_rec_str(call, "workspace_id")) : NULL;
                json_t *fallback = t ? NULL : cs_themes_default();
                cs_extract_submit(ex, call, t ? t : fallback);
                json_decref(fallback);
            }
        }
        cs_extract_run(ex, 0);
        s_metrics(ex, out, db);
        if (cs_extract_fatal(ex, NULL) || (db && cs_db_permanent(db)))
            break; /* take no more calls; the ones in progress end and are passed on */
    }
    /* stopping: requests in flight end as stopped and are not sent on; the fetcher resends
       those calls after its ack timeout. After a permanent error they end with its cause and
       are sent on. */
    while (cs_extract_pending(ex) > 0)
        cs_extract_run(ex, 100);
    s_metrics(ex, out, db);
    cs_extract_totals_t t;
    cs_extract_totals(ex, &t);
    cs_info("Extractor stopping: %ld calls received, %ld sent on, %ld malformed; "
            "%ld features, %ld bugs; %ld LLM requests, %ld prompt + %ld completion tokens, $%.4f",
            received, out->sent, malformed, t.features, t.bugs, t.requests, t.prompt_tokens,
            t.completion_tokens, t.cost_usd);
    zsock_destroy(&pull);
    if (!cs_stop_requested() && (cs_extract_fatal(ex, NULL) || (db && cs_db_permanent(db))))
        return s_permanent(cfg, ex, db);
    return 0;
}

int main(int argc, char **argv)
{
    cs_log_init("extractor");
    cs_metrics_init("extractor");
    cs_signals_install();
    cs_config_t *cfg = cs_config_new(
        "callsift-extractor [OPTIONS]",
        "Extracts feature requests, bug reports, sentiment, pain points and a summary from each "
        "call, with an OpenAI-compatible LLM or the built-in offline extractor.",
        OPTIONS);
    char err[1024];
    int rc = cs_config_parse(cfg, argc, argv, false, err, sizeof err);
    if (rc == 0) /* a wrong --curve-* set is a usage error too */
        rc = cs_curve_setup(cfg, CS_CURVE_CONNECTS, err, sizeof err);
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "callsift-extractor: %s\n", err);
        cs_config_destroy(&cfg);
        return rc < 0 ? 2 : 0;
    }
    int status = 1;
    cs_db_t *db = NULL;
    cs_themes_t *themes = NULL;
    cs_extract_t *ex = NULL;
    out_t out = {0};
    cs_extract_opts_t opts = {0};
    if (cs_extract_configure(cfg, &opts, err, sizeof err) != 0) {
        fprintf(stderr, "callsift-extractor: %s\n", err);
        status = 2;
        goto done;
    }
    bool oneshot = cs_config_flag(cfg, "jsonl");
    if (!(ex = cs_extract_new(&opts, oneshot ? s_keep : s_push, &out)))
        goto done;
    if (oneshot) {
        out.results = json_array();
        json_t *fallback = cs_themes_default();
        const char *ws = cs_config_str(cfg, "workspace-id");
        if (ws && cs_config_str(cfg, "database-url")) {
            db = cs_db_connect(cs_config_str(cfg, "database-url"), 3, err, sizeof err);
            if (db && (themes = cs_themes_new(db, err, sizeof err)) != NULL) {
                json_decref(fallback);
                fallback = json_incref((json_t *)cs_themes_get(themes, ws));
            } else {
                cs_warn("--workspace-id: %s; using the default theme", err);
            }
        }
        status = s_oneshot(ex, &out, fallback);
        json_decref(fallback);
        const char *cause = NULL, *why = cs_extract_fatal(ex, &cause);
        if (why) {
            cs_error("The LLM refuses every request (%s): %s", cause, why);
            status = CS_EXIT_PERMANENT;
        }
        goto done;
    }
    const char *parts[] = {"sockets", cs_config_str(cfg, "database-url") ? "database" : NULL, NULL};
    if (cs_metrics_start((int)cs_config_int(cfg, "metrics-port"),
                         cs_config_str(cfg, "metrics-listen"), parts, err, sizeof err) != 0) {
        cs_error("%s", err);
        goto done;
    }
    if (cs_config_str(cfg, "database-url")) {
        db = cs_db_connect(cs_config_str(cfg, "database-url"), 0, err, sizeof err);
        if (!db && !cs_stop_requested()) { /* retried until a stop, unless permanent */
            const char *at = strstr(err, "(SQLSTATE ");
            char code[6] = "";
            if (at)
                cs_strlcpy(code, at + strlen("(SQLSTATE "), sizeof code);
            status = cs_stage_permanent("database", err, cs_db_sqlstate_hint(code),
                                        cs_config_double(cfg, "permanent-error-hold"));
            goto done;
        }
        if (db)
            themes = cs_themes_new(db, err, sizeof err);
        if (!themes) {
            cs_error("%s", err);
            status = cs_stop_requested() ? 0 : 1;
            goto done;
        }
    } else {
        cs_warn("No DATABASE_URL: every feature goes to the default theme");
    }
    out.push =
        cs_sock_new(ZMQ_PUSH, cs_config_str(cfg, "extractions-endpoint"), false, err, sizeof err);
    if (!out.push) {
        cs_error("%s", err);
        goto done;
    }
    int concurrency = (int)cs_config_int(cfg, "concurrency");
    /* a provider without a client answers before cs_extract_submit returns: nothing pends */
    status = s_daemon(cfg, ex, &out, themes, db, 2 * (concurrency > 0 ? concurrency : 1));
done:
    cs_extract_destroy(&ex);
    zsock_destroy(&out.push);
    json_decref(out.results);
    cs_themes_destroy(&themes);
    cs_db_destroy(&db);
    cs_provider_destroy(&opts.provider);
    cs_metrics_shutdown();
    cs_curve_teardown();
    cs_config_destroy(&cfg);
    cs_log_reset();
    return status;
}
