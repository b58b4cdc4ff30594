/*  callsift-matcher: PULLs extraction records, decides for every extracted feature request
    whether it is a feature of the catalogue or a new one (cs_match), PUSHes decision records to
    the writer. It binds both of its endpoints; extractors and the writer connect. Run one per
    set of workspaces (DESIGN.md section 1): it is the one place that decides.

    `--jsonl` is the one-shot mode, the seed's find_matching_feature: each stdin line
    {"new": {"title", "description"}, "existing": [{"id", "name", "description"}]} gives one
    stdout line {"is_duplicate", "matching_feature_id", "confidence", "reasoning", "method",
    "tokens_used", "candidates"} (or {"error"}), in input order; candidates are the top-k
    [{"id", "name", "similarity"}] the decision looked at. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_catalog.h"
#include "cs_config.h"
#include "cs_curve.h"
#include "cs_db.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_provider.h"
#include "cs_match.h"
#include "cs_match_config.h"
#include "cs_matchdb.h"
#include "cs_record.h"
#include "cs_sock.h"
#include "cs_stage.h"
#include "cs_util.h"
#include "cs_uuid.h"

#define ONE_SHOT_WORKSPACE "00000000-0000-4000-8000-000000000000"
#define ONE_SHOT_THEME     "00000000-0000-4000-8000-000000000001"
#define MAX_STDIN_LINE     (32u << 20)
#define ONE_SHOT_IN_FLIGHT 16

static const cs_option_t OPTIONS[] = {
    CS_PROVIDER_OPTIONS_ENDPOINT(
        "the judge: openai, offline (similarity only), or auto (openai when OPENAI_API_KEY is set)",
        "judge model"),
    {"vectors", "CALLSIFT_VECTORS", CS_OPT_STRING, "auto",
     "openai (the embeddings endpoint), offline (hashed n-gram TF-IDF), or auto (openai when the "
     "judge is)",
     0},
    {"embedding-model", "EMBEDDING_MODEL", CS_OPT_STRING, "text-embedding-3-small",
     "embeddings model", 0},
    {"embedding-dimensions", "CALLSIFT_EMBEDDING_DIMENSIONS", CS_OPT_INT, "0",
     "dimensions asked of the embeddings model (0: its own)", 0},
    {"link-above", "CALLSIFT_LINK_ABOVE", CS_OPT_DOUBLE, NULL,
     "similarity at or above which a request links without the judge (default 0.85 with "
     "provider vectors, 0.55 offline)",
     CS_OPT_UNIT},
    {"new-below", "CALLSIFT_NEW_BELOW", CS_OPT_DOUBLE, NULL,
     "similarity below which a request is a new feature without the judge (default 0.50 with "
     "provider vectors, 0.25 offline)",
     CS_OPT_UNIT},
    {"match-confidence", "FEATURE_MATCH_CONFIDENCE", CS_OPT_DOUBLE, "0.7",
     "the judge links only at this confidence or above", CS_OPT_UNIT},
    {"candidates", "CALLSIFT_CANDIDATES", CS_OPT_INT, "5", "features the judge sees (top k)",
     CS_OPT_POSITIVE},
    {"cross-theme", "CALLSIFT_CROSS_THEME", CS_OPT_FLAG, "false",
     "compare with the features of every theme, not only the request's own", 0},
    CS_PROVIDER_OPTION_CONCURRENCY,
    CS_PROVIDER_OPTIONS_REQUESTS("judge answers asked per decision when one is invalid", "60",
                                 "ends it at once"),
    CS_PROVIDER_OPTIONS_PRICES("judge "),
    {"price-embedding", "CALLSIFT_PRICE_EMBEDDING", CS_OPT_DOUBLE, NULL,
     "USD per million embedded tokens", 0},
    {"jsonl", NULL, CS_OPT_FLAG, "false",
     "one-shot mode: {new, existing} JSON lines on stdin, verdicts on stdout", 0},
    {"database-url", "DATABASE_URL", CS_OPT_STRING, NULL,
     "PostgreSQL URL (read only: themes and the feature catalogue)", CS_OPT_SECRET},
    CS_SOCK_OPTION_EXTRACTIONS,
    CS_SOCK_OPTION_DECISIONS,
    CS_CURVE_OPTIONS,
    CS_METRICS_OPTION,
    CS_METRICS_OPTION_LISTEN,
    CS_STAGE_OPTION_HOLD,
    {NULL, NULL, 0, NULL, NULL, 0},
};

/* ---- configuration ---------------------------------------------------------------------- */

static bool s_configure(const cs_config_t *cfg, cs_match_opts_t *o, char *err, size_t errlen)
{
    if (cs_match_configure(cfg, o, err, errlen) != 0)
        return false;
    if (cs_config_str(cfg, "link-above"))
        o->link_above = cs_config_double(cfg, "link-above");
    if (cs_config_str(cfg, "new-below"))
        o->new_below = cs_config_double(cfg, "new-below");
    o->threshold = cs_config_double(cfg, "match-confidence");
    o->candidates = (int)cs_config_int(cfg, "candidates");
    o->cross_theme = cs_config_flag(cfg, "cross-theme");
    if (!(o->new_below >= 0 && o->new_below <= o->link_above && o->link_above <= 1)) {
        cs_fail(err, errlen, "expected 0 <= --new-below (%.2f) <= --link-above (%.2f) <= 1",
                o->new_below, o->link_above);
        return false;
    }
    if (!(o->threshold >= 0 && o->threshold <= 1)) {
        cs_fail(err, errlen, "FEATURE_MATCH_CONFIDENCE must be from 0 to 1");
        return false;
    }
    if (o->candidates < 1 || o->candidates > 50) {
        cs_fail(err, errlen, "--candidates must be from 1 to 50");
        return false;
    }
    cs_match_log_setup(cfg, o);
    return true;
}

/* ---- one-shot mode ---------------------------------------------------------------------- */

typedef struct {
    json_t *results;         /* by input line */
    cs_catalog_t **catalogs; /* by input line, freed when its answer is in */
    size_t ncatalogs;
} oneshot_t;

static void s_keep(void *arg, json_t *decision, long tokens)
{
    oneshot_t *os = arg;
    long line = strtol(cs_rec_str(decision, "external_id"), NULL, 10);
    const json_t *d = json_array_get(json_object_get(decision, "decisions"), 0);
    json_t *answer;
    if (!d) {
        answer = json_pack("{s:s}", "error",
                           cs_rec_str(decision, "error") ? cs_rec_str(decision, "error")
                                                         : "no decision");
    } else {
        bool link = strcmp(cs_rec_str(d, "action"), "link") == 0;
        answer = json_pack("{s:b, s:s?, s:f, s:s, s:s, s:I}", "is_duplicate", link,
                           "matching_feature_id", link ? cs_rec_str(d, "feature_id") : NULL,
                           "confidence", cs_rec_num(d, "confidence", 0), "reasoning",
                           cs_rec_str(d, "reasoning") ? cs_rec_str(d, "reasoning") : "", "method",
                           cs_rec_str(d, "method"), "tokens_used", (json_int_t)tokens);
        if (!link)
            json_object_set_new(answer, "matching_feature_id", json_null());
        json_object_set(answer, "candidates", json_object_get(d, "candidates"));
    }
    json_array_set_new(os->results, (size_t)line, answer);
    if ((size_t)line < os->ncatalogs)
        cs_catalog_destroy(&os->catalogs[line]);
    json_decref(decision);
}

/* One line as a catalogue of its existing features and an extraction of its new feature. */
static json_t *s_oneshot_line(cs_match_t *m, const json_t *line, long n, bool sparse,
                              cs_catalog_t **cat_out, char *err, size_t errlen)
{
    const json_t *nf = json_object_get(line, "new");
    const json_t *existing = json_object_get(line, "existing");
    if (!json_is_object(nf) || !json_is_string(json_object_get(nf, "title"))) {
        cs_fail(err, errlen, "line %ld: \"new\" must be an object with a \"title\"", n + 1);
        return NULL;
    }
    if (existing && !json_is_array(existing)) {
        cs_fail(err, errlen, "line %ld: \"existing\" must be an array", n + 1);
        return NULL;
    }
    cs_catalog_t *cat = cs_catalog_new(ONE_SHOT_WORKSPACE, sparse);
    if (!cat || cs_catalog_add_theme(cat, ONE_SHOT_THEME, "All", true) != 0) {
        cs_catalog_destroy(&cat);
        cs_fail(err, errlen, "out of memory");
        return NULL;
    }
    size_t i;
    json_t *e;
    json_array_foreach(existing, i, e)
    {
        const char *id = cs_rec_str(e, "id");
        if (!id || !id[0] || strlen(id) >= CS_UUID_LEN || !cs_rec_str(e, "name")) {
            cs_catalog_destroy(&cat);
            cs_fail(err, errlen,
                    "line %ld: existing[%zu] needs an \"id\" (1 to 36 characters) and a \"name\"",
                    n + 1, i);
            return NULL;
        }
        cs_vec_t none = {0};
        if (!cs_catalog_add(cat, id, ONE_SHOT_THEME, cs_rec_str(e, "name"),
                            cs_rec_str(e, "description"), &none, false)) {
            cs_catalog_destroy(&cat);
            cs_fail(err, errlen, "line %ld: existing id '%s' appears twice", n + 1, id);
            return NULL;
        }
    }
    if (cs_match_prepare(m, cat, err, errlen) != 0) {
        cs_catalog_destroy(&cat);
        return NULL;
    }
    char ext[32];
    snprintf(ext, sizeof ext, "%ld", n);
    json_t *rec = cs_record_new(CS_KIND_EXTRACTION);
    json_object_set_new(rec, "workspace_id", json_string(ONE_SHOT_WORKSPACE));
    json_object_set_new(rec, "source", json_string("replay"));
    json_object_set_new(rec, "external_id", json_string(ext));
    json_object_set_new(
        rec, "insights",
        json_pack("{s:[{s:s, s:s, s:s}]}", "feature_requests", "title", cs_rec_str(nf, "title"),
                  "description", cs_rec_str(nf, "description") ? cs_rec_str(nf, "description") : "",
                  "theme", "All"));
    *cat_out = cat;
    return rec;
}

static int s_oneshot(cs_match_t *m, oneshot_t *os)
{
    bool sparse = strcmp(cs_match_vector_model(m), CS_VEC_OFFLINE_MODEL) == 0;
    char *buf = NULL;
    size_t cap = 0;
    ssize_t len;
    long n = 0;
    while ((len = getline(&buf, &cap, stdin)) > 0 && !cs_stop_requested()) {
        json_array_append_new(os->results, json_null());
        cs_catalog_t **grown = realloc(os->catalogs, ((size_t)n + 1) * sizeof *grown);
        if (!grown)
            break;
        os->catalogs = grown;
        os->catalogs[n] = NULL;
        os->ncatalogs = (size_t)n + 1;
        char err[512] = "";
        json_error_t jerr;
        json_t *line = (size_t)len > MAX_STDIN_LINE ? NULL : json_loadb(buf, (size_t)len, 0, &jerr);
        json_t *rec = NULL;
        if (!json_is_object(line))
            snprintf(err, sizeof err, "line %ld is not a JSON object%s%s", n + 1,
                     (size_t)len > MAX_STDIN_LINE ? " (too long)" : ": ",
                     (size_t)len > MAX_STDIN_LINE ? "" : jerr.text);
        else
            rec = s_oneshot_line(m, line, n, sparse, &os->catalogs[n], err, sizeof err);
        json_decref(line);
        if (rec)
            cs_match_submit(m, rec, os->catalogs[n]);
        else
            json_array_set_new(os->results, (size_t)n, json_pack("{s:s}", "error", err));
        n++;
        while (cs_match_pending(m) >= ONE_SHOT_IN_FLIGHT && !cs_stop_requested())
            cs_match_run(m, 100);
    }
    free(buf);
    while (cs_match_pending(m) > 0 && !cs_stop_requested())
        cs_match_run(m, 100);
    size_t i;
    json_t *r;
    json_array_foreach(os->results, i, r)
    {
        char *text = json_dumps(r, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(6));
        printf("%s\n", text ? text : "null");
        free(text);
    }
    fflush(stdout);
    return 0;
}

/* ---- daemon ------------------------------------------------------------------------------ */

typedef struct {
    zsock_t *push;
    long sent, dropped;
} out_t;

/* Send the decision on, waiting out a slow or absent writer (it is our only way forward). */
static void s_push(void *arg, json_t *decision, long tokens)
{
    out_t *out = arg;
    char err[256];
    while (cs_sock_send_record(out->push, decision, NULL, err, sizeof err) != 0) {
        if (cs_stop_requested()) {
            cs_warn("Stopping: decisions of call %s not sent (the fetcher will resend it)",
                    cs_rec_str(decision, "external_id"));
            out->dropped++;
            json_decref(decision);
            return;
        }
        cs_warn("Writer not taking decisions (%s); retrying", err);
    }
    out->sent++;
    json_decref(decision);
}

/* The engine's running totals, as metrics. */
static void s_metrics(cs_match_t *m, const out_t *out, cs_db_t *db)
{
    cs_match_totals_t t;
    cs_match_totals(m, &t);
    cs_metrics_set("callsift_records_sent_total", NULL, (double)out->sent);
    cs_metrics_set("callsift_records_failed_total", NULL, (double)t.failed);
    cs_metrics_set("callsift_in_flight", NULL, cs_match_pending(m));
    cs_metrics_llm_usage(t.prompt_tokens, t.completion_tokens, t.embedding_tokens, t.cost_usd);
    cs_metrics_health("database", cs_db_ok(db));
}

/* Stopping for good (cs_stage.h): the LLM refuses (the extractions in hand have been passed
   on undecided, with the cause), or the database does. */
static int s_permanent(const cs_config_t *cfg, cs_match_t *m, cs_db_t *db)
{
    double hold = cs_config_double(cfg, "permanent-error-hold");
    const char *cause = NULL;
    const char *why = cs_match_fatal(m, &cause);
    char reason[1024];
    if (why) {
        snprintf(reason, sizeof reason, "the LLM refuses every request (%s): %s", cause, why);
        return cs_stage_permanent("llm", reason, cs_provider_health(cause), hold);
    }
    const char *code = cs_db_last_sqlstate(db);
    snprintf(reason, sizeof reason, "PostgreSQL refuses the matcher (SQLSTATE %s: %s)", code,
             cs_db_sqlstate_hint(code));
    return cs_stage_permanent("database", reason, cs_db_sqlstate_hint(code), hold);
}

static int s_daemon(const cs_config_t *cfg, cs_match_t *m, cs_matchdb_t *mdb, cs_db_t *db,
                    out_t *out)
{
    char err[512];
    zsock_t *pull =
        cs_sock_new(ZMQ_PULL, cs_config_str(cfg, "extractions-endpoint"), true, err, sizeof err);
    if (!pull) {
        cs_error("%s", err);
        return 1;
    }
    cs_metrics_health("sockets", true);
    cs_info("Matcher ready: extractions on %s, decisions on %s",
            cs_config_str(cfg, "extractions-endpoint"), cs_config_str(cfg, "decisions-endpoint"));
    int max_pending = 4 * (int)cs_config_int(cfg, "concurrency");
    if (max_pending < 4)
        max_pending = 4;
    long received = 0, malformed = 0;
    while (!cs_stop_requested()) {
        zmq_pollitem_t items[2] = {{.socket = zsock_resolve(pull), .events = ZMQ_POLLIN},
                                   {.fd = cs_matchdb_fd(mdb), .events = ZMQ_POLLIN}};
        if (cs_match_pending(m) >= max_pending)
            items[0].events = 0; /* the rest wait in the socket, and behind it in the extractors */
        int nitems = items[1].fd >= 0 ? 2 : 1;
        if (zmq_poll(items, nitems, cs_match_pending(m) > 0 ? 10 : 200) < 0)
            continue;
        if (nitems == 2 && (items[1].revents & ZMQ_POLLIN))
            cs_matchdb_poll(mdb);
        if (items[0].revents & ZMQ_POLLIN) {
            json_t *rec = cs_sock_recv_record(pull, NULL, err, sizeof err);
            if (!rec) {
                malformed++;
                cs_metrics_add("callsift_records_malformed_total", NULL, 1);
                cs_log_limited("malformed-record", CS_LOG_WARNING, "Skipped a malformed record: %s",
                               err);
            } else if (cs_record_kind(rec) != CS_KIND_EXTRACTION) {
                malformed++;
                cs_metrics_add("callsift_records_malformed_total", NULL, 1);
                cs_log_limited("wrong-kind", CS_LOG_WARNING,
                               "Skipped a '%s' record: the matcher takes extraction records only",
                               cs_rec_str(rec, "kind"));
                json_decref(rec);
            } else {
                received++;
                cs_metrics_add("callsift_records_received_total", NULL, 1);
                if (cs_rec_int(rec, "attempt", 1) > 1)
                    cs_metrics_add("callsift_records_redelivered_total", NULL, 1);
                bool unknown = false;
                const char *ws = cs_rec_str(rec, "workspace_id");
                cs_catalog_t *cat = cs_matchdb_catalog(mdb, ws, &unknown);
                const char *cause = NULL, *why = cat || unknown ? NULL : cs_match_fatal(m, &cause);
                if (cat) {
                    cs_match_submit(m, rec, cat);
                } else if (unknown) { /* dropped: no ack, the fetcher gives up on its own */
                    cs_metrics_add("callsift_records_refused_total", "reason=\"unknown_workspace\"",
                                   1);
                    cs_log_limited("unknown-workspace", CS_LOG_WARNING,
                                   "Dropped call %s: workspace %s does not exist",
                                   cs_rec_str(rec, "external_id"), ws);
                    json_decref(rec);
                } else if (why && !cs_stop_requested()) {
                    char *msg = cs_strdup_printf("matcher: %s", why);
                    cs_match_fail(m, rec, msg ? msg : "matcher: the LLM refuses", cause);
                    free(msg);
                } else {
                    json_decref(rec); /* stopping, or the database refuses: the fetcher
                                         resends the call */
                }
            }
        }
        cs_match_run(m, 0);
        s_metrics(m, out, db);
        if (cs_match_fatal(m, NULL) || cs_db_permanent(db))
            break; /* take no more extractions; the ones in hand end and are passed on */
    }
    while (cs_match_pending(m) > 0)
        cs_match_run(m, 100);
    s_metrics(m, out, db);
    cs_match_totals_t t;
    cs_match_totals(m, &t);
    cs_info("Matcher stopping: %ld extractions received, %ld decided and sent, %ld malformed; "
            "%ld feature requests: %ld created, %ld matched (exact %ld, embedding %ld, llm %ld, "
            "rechecked %ld); %ld judge requests for %ld features (%ld invalid answers, %ld "
            "failures); %ld embedding requests (%ld inputs, %ld cached); %ld prompt + %ld "
            "completion + %ld embedding tokens, $%.4f",
            received, out->sent, malformed, t.features, t.created, t.linked, t.by_exact,
            t.by_embedding, t.by_llm, t.rechecks, t.judge_requests, t.judged, t.invalid_answers,
            t.judge_failures, t.embed_requests, t.embed_inputs, t.embed_cached, t.prompt_tokens,
            t.completion_tokens, t.embedding_tokens, t.cost_usd);
    zsock_destroy(&pull);
    if (!cs_stop_requested() && (cs_match_fatal(m, NULL) || cs_db_permanent(db)))
        return s_permanent(cfg, m, db);
    return 0;
}

int main(int argc, char **argv)
{
    cs_log_init("matcher");
    cs_metrics_init("matcher");
    cs_signals_install();
    cs_config_t *cfg = cs_config_new(
        "callsift-matcher [OPTIONS]",
        "Decides for every extracted feature request whether it is a feature already in the "
        "catalogue (link) or a new one (create): exact names, vector similarity, and an LLM judge "
        "for the ambiguous band.",
        OPTIONS);
    char err[1024];
    int rc = cs_config_parse(cfg, argc, argv, false, err, sizeof err);
    if (rc == 0) /* a wrong --curve-* set is a usage error too */
        rc = cs_curve_setup(cfg, CS_CURVE_BINDS, err, sizeof err);
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "callsift-matcher: %s\n", err);
        cs_config_destroy(&cfg);
        return rc < 0 ? 2 : 0;
    }
    int status = 1;
    cs_match_t *m = NULL;
    cs_db_t *db = NULL;
    cs_matchdb_t *mdb = NULL;
    out_t out = {0};
    oneshot_t os = {0};
    cs_match_opts_t opts = {0};
    bool oneshot = cs_config_flag(cfg, "jsonl");
    if (!s_configure(cfg, &opts, err, sizeof err)) {
        fprintf(stderr, "callsift-matcher: %s\n", err);
        status = 2;
        goto done;
    }
    opts.quiet = oneshot;
    m = cs_match_new(&opts, oneshot ? s_keep : s_push, oneshot ? (void *)&os : (void *)&out);
    if (!m) {
        cs_error("out of memory");
        goto done;
    }
    if (oneshot) {
        os.results = json_array();
        status = s_oneshot(m, &os);
        const char *cause = NULL, *why = cs_match_fatal(m, &cause);
        if (why) {
            cs_error("The LLM refuses every request (%s): %s", cause, why);
            status = CS_EXIT_PERMANENT;
        }
        goto done;
    }
    if (!cs_config_str(cfg, "database-url")) {
        fprintf(stderr, "callsift-matcher: DATABASE_URL (or --database-url) is required: the "
                        "catalogue lives in PostgreSQL\n");
        status = 2;
        goto done;
    }
    const char *parts[] = {"sockets", "database", NULL};
    if (cs_metrics_start((int)cs_config_int(cfg, "metrics-port"),
                         cs_config_str(cfg, "metrics-listen"), parts, err, sizeof err) != 0) {
        cs_error("%s", err);
        goto done;
    }
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
    if (!db || !(mdb = cs_matchdb_new(db, m, err, sizeof err))) {
        cs_error("%s", err);
        status = cs_stop_requested() ? 0 : 1;
        goto done;
    }
    out.push =
        cs_sock_new(ZMQ_PUSH, cs_config_str(cfg, "decisions-endpoint"), true, err, sizeof err);
    if (!out.push) {
        cs_error("%s", err);
        goto done;
    }
    status = s_daemon(cfg, m, mdb, db, &out);
done:
    cs_match_unconfigure(&opts); /* first: no callback may run into a freed engine */
    cs_match_destroy(&m);
    for (size_t i = 0; i < os.ncatalogs; i++)
        cs_catalog_destroy(&os.catalogs[i]);
    free(os.catalogs);
    json_decref(os.results);
    zsock_destroy(&out.push);
    cs_matchdb_destroy(&mdb);
    cs_db_destroy(&db);
    cs_metrics_shutdown();
    cs_curve_teardown();
    cs_config_destroy(&cfg);
    cs_log_reset();
    return status;
}
