#include "cs_match_stage.h"

#include <stdlib.h>
#include <string.h>

#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_record.h"
#include "cs_sock.h"
#include "cs_util.h"
#include "cs_uuid.h"
#include "cs_vec.h"

#define ONE_SHOT_WORKSPACE "00000000-0000-4000-8000-000000000000"
#define ONE_SHOT_THEME     "00000000-0000-4000-8000-000000000001"
#define ONE_SHOT_IN_FLIGHT 16

/* ---- daemon ------------------------------------------------------------------------------ */

void cs_match_stage_push(void *stage, json_t *decision, long tokens)
{
    (void)tokens;
    cs_match_stage_t *st = stage;
    if (st->mdb) /* what a reload proposed to merge goes with this call (cs_matchdb.h) */
        cs_matchdb_take_merges(st->mdb, decision);
    cs_stage_push(&st->out, decision);
}

/* The engine's running totals, as metrics. */
static void s_metrics(const cs_match_stage_t *st)
{
    cs_match_totals_t t;
    cs_match_totals(st->m, &t);
    cs_metrics_set("callsift_records_sent_total", NULL, (double)st->out.sent);
    cs_metrics_set("callsift_records_failed_total", NULL, (double)t.failed);
    cs_metrics_set("callsift_features_merged_total", NULL, (double)t.merged);
    cs_metrics_set("callsift_in_flight", NULL, cs_match_pending(st->m));
    cs_metrics_llm_usage(t.prompt_tokens, t.completion_tokens, t.embedding_tokens, t.cost_usd);
    cs_metrics_health("database", cs_db_ok(st->db));
}

static int s_pending(void *stage)
{
    return cs_match_pending(((cs_match_stage_t *)stage)->m);
}

static int s_watch(void *stage)
{
    return cs_matchdb_fd(((cs_match_stage_t *)stage)->mdb);
}

static void s_ready(void *stage)
{
    cs_matchdb_poll(((cs_match_stage_t *)stage)->mdb);
}

/* An extraction, decided against its workspace's catalogue. */
static void s_take(void *stage, json_t *rec)
{
    cs_match_stage_t *st = stage;
    bool unknown = false;
    const char *ws = cs_rec_str(rec, "workspace_id");
    cs_catalog_t *cat = cs_matchdb_catalog(st->mdb, ws, &unknown);
    const char *cause = NULL, *why = cat || unknown ? NULL : cs_match_fatal(st->m, &cause);
    if (cat) {
        cs_match_submit(st->m, rec, cat);
    } else if (unknown) { /* dropped: no ack, the fetcher gives up on its own */
        cs_metrics_add("callsift_records_refused_total", "reason=\"unknown_workspace\"", 1);
        cs_log_limited("unknown-workspace", CS_LOG_WARNING,
                       "Dropped call %s: workspace %s does not exist",
                       cs_rec_str(rec, "external_id"), ws);
        json_decref(rec);
    } else if (why && !cs_stop_requested()) {
        char *msg = cs_strdup_printf("matcher: %s", why);
        cs_match_fail(st->m, rec, msg ? msg : "matcher: the LLM refuses", cause);
        free(msg);
    } else {
        json_decref(rec); /* stopping, or the database refuses: the fetcher resends the call */
    }
}

static bool s_failed(const cs_match_stage_t *st)
{
    return cs_match_fatal(st->m, NULL) || cs_db_permanent(st->db);
}

static bool s_step(void *stage, int wait_ms)
{
    cs_match_stage_t *st = stage;
    cs_match_run(st->m, wait_ms);
    s_metrics(st);
    return !s_failed(st);
}

/* Four times the LLM window (an extraction may need an embedding and then the judge). */
static int s_capacity(void *stage)
{
    return 4 * cs_match_window(((cs_match_stage_t *)stage)->m);
}

static const cs_stage_loop_t s_loop = {
    "matcher", CS_KIND_EXTRACTION, false, s_pending, s_watch, s_ready, s_take, s_step, s_capacity};

/* Stopping for good (cs_stage.h): the LLM refuses (the extractions in hand have been passed
   on undecided, with the cause), or the database does. */
static int s_permanent(const cs_match_stage_t *st)
{
    const char *cause = NULL;
    const char *why = cs_match_fatal(st->m, &cause);
    if (why)
        return cs_stage_permanent_llm(st->cfg, why, cause);
    return cs_stage_permanent_db(st->cfg, "matcher", st->db, NULL);
}

static void s_summary(const cs_match_stage_t *st, const cs_stage_counts_t *n)
{
    cs_match_totals_t t;
    cs_match_totals(st->m, &t);
    cs_info(
        "Matcher stopping: %ld extractions received, %ld decided and sent, %ld malformed; "
        "%ld feature requests: %ld created, %ld matched (exact %ld, embedding %ld, llm %ld, "
        "rechecked %ld), merged %ld; %ld judge requests for %ld features (%ld invalid answers, %ld "
        "failures); %ld embedding requests (%ld inputs, %ld cached); %ld prompt + %ld "
        "completion + %ld embedding tokens, $%.4f",
        n->received, st->out.sent, n->malformed, t.features, t.created, t.linked, t.by_exact,
        t.by_embedding, t.by_llm, t.rechecks, t.merged, t.judge_requests, t.judged,
        t.invalid_answers, t.judge_failures, t.embed_requests, t.embed_inputs, t.embed_cached,
        t.prompt_tokens, t.completion_tokens, t.embedding_tokens, t.cost_usd);
}

int cs_match_stage_daemon(cs_match_stage_t *st)
{
    const cs_config_t *cfg = st->cfg;
    st->out = (cs_stage_out_t){.what = "decisions", .busy = "Writer not taking decisions"};
    if (!cs_config_str(cfg, "database-url")) {
        fprintf(stderr, "callsift-matcher: DATABASE_URL (or --database-url) is required: the "
                        "catalogue lives in PostgreSQL\n");
        return 2;
    }
    int status = 1;
    char err[512];
    const char *parts[] = {"sockets", "database", NULL};
    if (cs_stage_serve(cfg, parts) != 0 || !(st->db = cs_stage_db(cfg, NULL, &status)))
        return status;
    if (!(st->mdb = cs_matchdb_new(st->db, st->m, err, sizeof err))) {
        cs_error("%s", err);
        return cs_stop_requested() ? 0 : 1;
    }
    zsock_t *pull =
        cs_stage_sockets(cfg, &st->out, "decisions-endpoint", "extractions-endpoint", true, false);
    if (!pull)
        return 1;
    cs_info("Matcher ready: extractions on %s, decisions on %s",
            cs_config_str(cfg, "extractions-endpoint"), cs_config_str(cfg, "decisions-endpoint"));
    int max_pending = 4 * (int)cs_config_int(cfg, "concurrency");
    cs_stage_counts_t n;
    cs_stage_run(pull, &s_loop, st, max_pending < 4 ? 4 : max_pending, &n);
    s_metrics(st);
    s_summary(st, &n);
    zsock_destroy(&pull);
    if (!cs_stop_requested() && s_failed(st))
        return s_permanent(st);
    return 0;
}

/* ---- one-shot ---------------------------------------------------------------------------- */

void cs_match_stage_keep(void *stage, json_t *decision, long tokens)
{
    cs_match_stage_t *st = stage;
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
    cs_jsonl_answer(&st->jsonl, line, answer);
    if (line >= 0 && (size_t)line < st->ncatalogs)
        cs_catalog_destroy(&st->catalogs[line]);
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

static int s_submit(void *stage, const json_t *line, long n, char *err, size_t errlen)
{
    cs_match_stage_t *st = stage;
    if ((size_t)n >= st->catalogs_cap) { /* one slot per line read */
        size_t cap = st->catalogs_cap ? 2 * st->catalogs_cap : 64;
        cs_catalog_t **grown = realloc(st->catalogs, cap * sizeof *grown);
        if (!grown)
            return cs_fail(err, errlen, "out of memory");
        st->catalogs = grown;
        st->catalogs_cap = cap;
    }
    while (st->ncatalogs <= (size_t)n)
        st->catalogs[st->ncatalogs++] = NULL;
    bool sparse = strcmp(cs_match_vector_model(st->m), CS_VEC_OFFLINE_MODEL) == 0;
    json_t *rec = s_oneshot_line(st->m, line, n, sparse, &st->catalogs[n], err, errlen);
    if (!rec)
        return -1;
    cs_match_submit(st->m, rec, st->catalogs[n]);
    return 0;
}

static void s_run(void *stage, int wait_ms)
{
    cs_match_run(((cs_match_stage_t *)stage)->m, wait_ms);
}

static const cs_jsonl_ops_t s_oneshot = {s_submit, s_pending, s_run};

int cs_match_stage_oneshot(cs_match_stage_t *st, FILE *in, FILE *out)
{
    /* fewer than ONE_SHOT_IN_FLIGHT in flight */
    st->jsonl = (cs_jsonl_t){.ops = &s_oneshot, .arg = st, .in_flight = ONE_SHOT_IN_FLIGHT - 1};
    st->jsonl.dump_flags = JSON_REAL_PRECISION(6);
    cs_jsonl_run(&st->jsonl, in,
                 out); /* a read error ends the input: the lines read are answered */
    const char *cause = NULL, *why = cs_match_fatal(st->m, &cause);
    return cs_stage_oneshot_status(why, cause);
}

void cs_match_stage_clear(cs_match_stage_t *st)
{
    for (size_t i = 0; i < st->ncatalogs; i++)
        cs_catalog_destroy(&st->catalogs[i]);
    free(st->catalogs);
    st->catalogs = NULL;
    st->ncatalogs = st->catalogs_cap = 0;
    zsock_destroy(&st->out.push);
    cs_matchdb_destroy(&st->mdb);
    cs_db_destroy(&st->db);
}
