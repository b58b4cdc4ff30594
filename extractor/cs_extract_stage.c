#include "cs_extract_stage.h"

#include <stdlib.h>
#include <string.h>

#include "cs_gongcall.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_record.h"
#include "cs_sock.h"
#include "cs_transcript.h"
#include "cs_util.h"

#define ONE_SHOT_WORKSPACE "00000000-0000-4000-8000-000000000000"
#define ONE_SHOT_IN_FLIGHT 16

/* ---- daemon ------------------------------------------------------------------------------ */

void cs_extract_stage_push(void *stage, json_t *extraction)
{
    cs_extract_stage_t *st = stage;
    if (cs_stop_requested() && cs_rec_str(extraction, "error")) {
        /* cut short by the stop, not a real failure: the fetcher resends the call */
        json_decref(extraction);
        return;
    }
    /* the transcript once, as the writer stores it: nothing downstream reads the utterances */
    if (cs_transcript_flatten(extraction) < 0)
        cs_warn("Out of memory rendering the transcript of call %s: sent as utterances",
                cs_rec_str(extraction, "external_id"));
    cs_stage_push(&st->out, extraction);
}

/* The engine's running totals, as metrics. */
static void s_metrics(cs_extract_stage_t *st)
{
    cs_extract_totals_t t;
    cs_extract_totals(st->ex, &t);
    cs_metrics_set("callsift_records_sent_total", NULL, (double)st->out.sent);
    cs_metrics_set("callsift_records_failed_total", NULL, (double)t.failed);
    cs_metrics_set("callsift_in_flight", NULL, cs_extract_pending(st->ex));
    cs_metrics_set("callsift_feature_requests_extracted_total", NULL, (double)t.features);
    cs_metrics_set("callsift_bug_reports_extracted_total", NULL, (double)t.bugs);
    cs_metrics_llm_usage(t.prompt_tokens, t.completion_tokens, -1, t.cost_usd);
    cs_metrics_llm_cached(t.cached_tokens);
    if (t.batch_prompt_tokens || t.batch_completion_tokens) { /* --llm-batch */
        cs_metrics_set("callsift_llm_batch_tokens_total", "kind=\"prompt\"",
                       (double)t.batch_prompt_tokens);
        cs_metrics_set("callsift_llm_batch_tokens_total", "kind=\"completion\"",
                       (double)t.batch_completion_tokens);
        cs_metrics_set("callsift_llm_batch_cost_usd_total", NULL, t.batch_cost_usd);
    }
    if (st->db)
        cs_metrics_health("database", cs_db_ok(st->db));
}

static int s_pending(void *stage)
{
    return cs_extract_pending(((cs_extract_stage_t *)stage)->ex);
}

static int s_watch(void *stage)
{
    cs_extract_stage_t *st = stage;
    return st->themes ? cs_themes_fd(st->themes) : -1;
}

static void s_ready(void *stage)
{
    cs_themes_poll(((cs_extract_stage_t *)stage)->themes);
}

/* A call, submitted with its workspace's themes (the default theme when there are none). */
static void s_take(void *stage, json_t *call)
{
    cs_extract_stage_t *st = stage;
    const json_t *t =
        st->themes ? cs_themes_get(st->themes, cs_rec_str(call, "workspace_id")) : NULL;
    json_t *fallback = t ? NULL : cs_themes_default();
    cs_extract_submit(st->ex, call, t ? t : fallback);
    json_decref(fallback);
    /* the budget check queries the same connection: a theme notification it read in passing
       waits in libpq, where the socket's readiness no longer shows it */
    if (st->themes)
        cs_themes_poll(st->themes);
}

static bool s_failed(const cs_extract_stage_t *st)
{
    return cs_extract_fatal(st->ex, NULL) || (st->db && cs_db_permanent(st->db));
}

static bool s_step(void *stage, int wait_ms)
{
    cs_extract_stage_t *st = stage;
    cs_extract_run(st->ex, wait_ms);
    s_metrics(st);
    return !s_failed(st);
}

/* Twice the LLM window: the calls that fly, and as many ready to go as answers come back. */
static int s_capacity(void *stage)
{
    return 2 * cs_extract_window(((cs_extract_stage_t *)stage)->ex);
}

static const cs_stage_loop_t s_loop = {"extractor", CS_KIND_CALL, false,  s_pending, s_watch,
                                       s_ready,     s_take,       s_step, s_capacity};

/* Stopping for good: the LLM refuses, or the themes' database does (cs_stage.h). The calls in
   progress have been passed on. */
static int s_permanent(const cs_extract_stage_t *st)
{
    const char *cause = NULL;
    const char *why = cs_extract_fatal(st->ex, &cause);
    if (why)
        return cs_stage_permanent_llm(st->cfg, why, cause);
    return cs_stage_permanent_db(st->cfg, "extractor", st->db, NULL);
}

/* The database of the themes, when there is one: 0, or -1 with the exit status in *status. */
static int s_themes(cs_extract_stage_t *st, int *status)
{
    if (!cs_config_str(st->cfg, "database-url")) {
        cs_warn("No DATABASE_URL: every feature goes to the default theme");
        return 0;
    }
    char err[512];
    if (!(st->db = cs_stage_db(st->cfg, NULL, status)))
        return -1;
    if (!(st->themes = cs_themes_new(st->db, err, sizeof err))) {
        cs_error("%s", err);
        *status = cs_stop_requested() ? 0 : 1;
        return -1;
    }
    cs_extract_set_budget_db(st->ex, st->db);
    return 0;
}

int cs_extract_stage_daemon(cs_extract_stage_t *st, int max_pending)
{
    const cs_config_t *cfg = st->cfg;
    st->out = (cs_stage_out_t){.what = "extraction", .busy = "Matcher not taking extractions"};
    int status = 1;
    const char *parts[] = {"sockets", cs_config_str(cfg, "database-url") ? "database" : NULL, NULL};
    if (cs_stage_serve(cfg, parts) != 0 || s_themes(st, &status) != 0)
        return status;
    zsock_t *pull =
        cs_stage_sockets(cfg, &st->out, "extractions-endpoint", "calls-endpoint", false, true);
    if (!pull)
        return 1;
    cs_info("Extractor ready: calls from %s, extractions to %s",
            cs_config_str(cfg, "calls-endpoint"), cs_config_str(cfg, "extractions-endpoint"));
    cs_stage_counts_t n;
    /* at a stop, requests in flight end as stopped and are not sent on; the fetcher resends
       those calls after its ack timeout. After a permanent error they end with its cause and
       are sent on. */
    cs_stage_run(pull, &s_loop, st, max_pending, &n);
    s_metrics(st);
    cs_extract_totals_t t;
    cs_extract_totals(st->ex, &t);
    cs_info("Extractor stopping: %ld calls received, %ld sent on, %ld malformed; "
            "%ld features, %ld bugs; %ld requests dropped (quote not a customer's words), %ld "
            "without a quote; %ld LLM requests, %ld prompt (%ld of them cached) + %ld completion "
            "tokens, $%.4f; %ld calls held for the LLM budget",
            n.received, st->out.sent, n.malformed, t.features, t.bugs, t.requests_not_customer,
            t.requests_no_quote, t.requests, t.prompt_tokens, t.cached_tokens, t.completion_tokens,
            t.cost_usd, t.held_budget);
    if (t.batch_prompt_tokens || t.batch_completion_tokens)
        cs_info("Of these through the Batch API: %ld prompt + %ld completion tokens, $%.4f (half "
                "price)",
                t.batch_prompt_tokens, t.batch_completion_tokens, t.batch_cost_usd);
    if (t.vendor_left_out || t.internal_meetings)
        cs_info("Not sent to the LLM: %ld internal meetings, %ld of the vendor's sentences far "
                "from any customer's (--vendor-context)",
                t.internal_meetings, t.vendor_left_out);
    if (t.held_budget)
        cs_warn("%ld calls were held for the LLM budget: stored unprocessed with cause budget; "
                "they come back with callsift-fetcher --reprocess once the budget allows",
                t.held_budget);
    zsock_destroy(&pull);
    if (!cs_stop_requested() && s_failed(st))
        return s_permanent(st);
    return 0;
}

/* ---- one-shot ---------------------------------------------------------------------------- */

void cs_extract_stage_keep(void *stage, json_t *extraction)
{
    cs_extract_stage_t *st = stage;
    long line = strtol(cs_rec_str(extraction, "external_id"), NULL, 10);
    json_t *result = json_object_get(extraction, "insights");
    json_t *value =
        result ? json_incref(result)
               : json_pack("{s:s}", "error",
                           cs_rec_str(extraction, "error") ? cs_rec_str(extraction, "error")
                                                           : "no insights");
    cs_jsonl_answer(&st->jsonl, line, value);
    json_decref(extraction);
}

/* A one-shot input line as a call record; themes into *themes (new ref): the line's own, else
   `fallback`. NULL + reason. */
static json_t *s_oneshot_call(const json_t *line, long n, const json_t *fallback, json_t **themes,
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

typedef struct {
    cs_extract_stage_t *st;
    json_t *fallback; /* themes of lines that bring none */
} oneshot_t;

static int s_submit(void *arg, const json_t *line, long n, char *err, size_t errlen)
{
    oneshot_t *os = arg;
    json_t *themes = NULL;
    json_t *call = s_oneshot_call(line, n, os->fallback, &themes, err, errlen);
    if (call)
        cs_extract_submit(os->st->ex, call, themes);
    json_decref(themes);
    return call ? 0 : -1;
}

static int s_oneshot_pending(void *arg)
{
    return cs_extract_pending(((oneshot_t *)arg)->st->ex);
}

static void s_oneshot_run(void *arg, int wait_ms)
{
    cs_extract_run(((oneshot_t *)arg)->st->ex, wait_ms);
}

static const cs_jsonl_ops_t s_oneshot = {s_submit, s_oneshot_pending, s_oneshot_run};

/* The themes of --workspace-id from the database, else the default theme: a new reference. */
static json_t *s_oneshot_themes(cs_extract_stage_t *st)
{
    const char *ws = cs_config_str(st->cfg, "workspace-id");
    const char *url = cs_config_str(st->cfg, "database-url");
    if (!ws || !url)
        return cs_themes_default();
    char err[512];
    st->db = cs_db_connect(url, 3, err, sizeof err);
    if (st->db && (st->themes = cs_themes_new(st->db, err, sizeof err)) != NULL)
        return json_incref((json_t *)cs_themes_get(st->themes, ws));
    cs_warn("--workspace-id: %s; using the default theme", err);
    return cs_themes_default();
}

int cs_extract_stage_oneshot(cs_extract_stage_t *st, FILE *in, FILE *out)
{
    oneshot_t os = {.st = st, .fallback = s_oneshot_themes(st)};
    st->jsonl = (cs_jsonl_t){.ops = &s_oneshot, .arg = &os, .in_flight = ONE_SHOT_IN_FLIGHT};
    st->jsonl.too_long = "line too long";
    cs_jsonl_run(&st->jsonl, in,
                 out); /* a read error ends the input: the lines read are answered */
    json_decref(os.fallback);
    const char *cause = NULL, *why = cs_extract_fatal(st->ex, &cause);
    int status = cs_stage_oneshot_status(why, cause);
    cs_extract_totals_t t;
    cs_extract_totals(st->ex, &t);
    if (t.held_budget)
        cs_warn("%ld lines were not extracted: the LLM budget was spent (their answers say so)",
                t.held_budget);
    return status ? status : t.held_budget ? CS_EXIT_BUDGET : 0;
}

void cs_extract_stage_clear(cs_extract_stage_t *st)
{
    zsock_destroy(&st->out.push);
    cs_themes_destroy(&st->themes);
    cs_db_destroy(&st->db);
}
