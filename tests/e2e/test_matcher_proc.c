/* callsift-matcher as a process: the test plays the extractors (PUSH extractions to the
   matcher's bound endpoint) and the writer (PULL decisions), or runs the real writer when the
   features must be stored; real PostgreSQL for the catalogue, the fake OpenAI server for
   provider embeddings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cs_curate.h"
#include "cs_record.h"
#include "cs_sock.h"
#include "cs_testdata.h"
#include "cs_testdb.h"
#include "cs_testhttp.h"
#include "cs_testproc.h"
#include "cs_testsock.h"
#include "cs_util.h"
#include "cs_uuid.h"
#include "fake_openai.h"

#define SALESFORCE_QUOTE "We really need Salesforce sync for our tickets."

typedef struct {
    cs_testdb_t db;
    char ws[CS_UUID_LEN], dflt[CS_UUID_LEN], theme[CS_UUID_LEN];
    zsock_t *push; /* the extractors' end: connects to the matcher */
    zsock_t *pull; /* the writer's end: connects to the matcher (NULL with the real writer) */
    char extractions_ep[64], decisions_ep[64], acks_ep[64];
    char env_db[1100];
    cs_testproc_t matcher;
    cs_testproc_t writer; /* pid 0 unless rig_start_writer */
} rig_t;

/* A migrated database with a workspace (themes "Uncategorized" and "Integrations"), the
   endpoints the matcher will bind, and the test's sockets connected to them. play_writer: the
   test takes the decisions itself. */
static void rig_open(rig_t *r, bool play_writer)
{
    cs_testdb_create(&r->db, true);
    cs_db_t *db = cs_testdb_connect(&r->db);
    cs_testdata_workspace(db, r->ws, r->dflt, r->theme);
    cs_db_destroy(&db);
    snprintf(r->env_db, sizeof r->env_db, "DATABASE_URL=%s", r->db.url);
    cs_testproc_free_endpoint(r->extractions_ep, sizeof r->extractions_ep);
    cs_testproc_free_endpoint(r->decisions_ep, sizeof r->decisions_ep);
    cs_testproc_free_endpoint(r->acks_ep, sizeof r->acks_ep);
    char err[256];
    r->push = cs_sock_new(ZMQ_PUSH, r->extractions_ep, false, err, sizeof err);
    cr_assert(r->push, "%s", err);
    if (play_writer) {
        r->pull = cs_sock_new(ZMQ_PULL, r->decisions_ep, false, err, sizeof err);
        cr_assert(r->pull, "%s", err);
    }
}

/* Start the matcher on the rig's endpoints with extra flags and environment (NULL-terminated,
   may be NULL); offline unless the flags say otherwise. */
static void rig_start(rig_t *r, char **extra, char **extra_env)
{
    char *argv[32] = {(char *)cs_testproc_bin("callsift-matcher"), "--extractions-endpoint",
                      r->extractions_ep, "--decisions-endpoint", r->decisions_ep};
    int n = 5;
    for (int i = 0; extra && extra[i]; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    char *env[16] = {r->env_db, "OPENAI_API_KEY=", "CALLSIFT_PROVIDER=", "CALLSIFT_VECTORS="};
    int e = 4;
    for (int i = 0; extra_env && extra_env[i]; i++)
        env[e++] = extra_env[i];
    env[e] = NULL;
    cs_testproc_start(&r->matcher, argv, env);
    cr_assert(cs_testproc_wait_log(&r->matcher, "Matcher ready", 20000), "matcher did not start");
}

/* SIGTERM the matcher; expects exit status 0 and returns its log (caller frees). */
static char *rig_stop(rig_t *r)
{
    int status = cs_testproc_stop(&r->matcher, 10000);
    char *log = cs_testproc_log(&r->matcher);
    cr_expect_eq(status, 0, "matcher exit status %d; log:\n%s", status, log);
    return log;
}

/* The real writer, connected to the matcher's decisions endpoint. */
static void rig_start_writer(rig_t *r)
{
    char *argv[] = {(char *)cs_testproc_bin("callsift-writer"),
                    "--decisions-endpoint",
                    r->decisions_ep,
                    "--acks-endpoint",
                    r->acks_ep,
                    NULL};
    char *env[] = {r->env_db, NULL};
    cs_testproc_start(&r->writer, argv, env);
    cr_assert(cs_testproc_wait_log(&r->writer, "Writer ready", 20000), "writer did not start");
}

static void rig_close(rig_t *r)
{
    if (r->matcher.pid > 0)
        free(rig_stop(r));
    if (r->writer.pid > 0) {
        int status = cs_testproc_stop(&r->writer, 10000);
        char *log = cs_testproc_log(&r->writer);
        cr_expect_eq(status, 0, "writer exit status %d; log:\n%s", status, log);
        free(log);
    }
    zsock_destroy(&r->push);
    zsock_destroy(&r->pull);
    cs_testdb_drop(&r->db);
}

static void send_rec(rig_t *r, const json_t *rec)
{
    cs_testsock_send(r->push, rec, 30); /* the matcher may still be binding */
}

/* One frame of raw bytes, as a broken extractor might send. */
static void send_raw(rig_t *r, const void *buf, size_t len)
{
    int rc = -1;
    for (int i = 0; i < 30 && rc < 0; i++)
        rc = zmq_send(zsock_resolve(r->push), buf, len, 0);
    cr_assert_eq(rc, (int)len, "raw frame not sent");
}

/* The next decision record within ms, or NULL. */
static json_t *next_decision(rig_t *r, int ms)
{
    json_t *rec = cs_testsock_recv(r->pull, ms, NULL);
    if (rec)
        cr_assert_eq(cs_record_kind(rec), CS_KIND_DECISION, "kind %s", cs_rec_str(rec, "kind"));
    return rec;
}

/* An extraction of call `external_id` asking for one feature (theme "Integrations"); title
   NULL: an extraction with no feature requests. New reference. */
static json_t *extraction(rig_t *r, const char *external_id, const char *title,
                          const char *description)
{
    json_t *rec = cs_testdata_call(r->ws, external_id, "2025-10-20T10:00:00Z", "Acme", "acme.com");
    json_object_set_new(rec, "kind", json_string("extraction"));
    json_t *requests = json_array();
    if (title)
        json_array_append_new(requests,
                              json_pack("{s:s, s:s, s:s, s:s, s:s}", "title", title, "description",
                                        description, "urgency", "high", "theme", "Integrations",
                                        "quote", SALESFORCE_QUOTE));
    json_object_set_new(rec, "insights",
                        json_pack("{s:o, s:[], s:[], s:{s:s, s:i}, s:s}", "feature_requests",
                                  requests, "bug_reports", "pain_points", "sentiment", "overall",
                                  "neutral", "score", 0, "summary", "Acme asked for things."));
    json_object_set_new(rec, "llm", json_pack("{s:s}", "provider", "offline"));
    char err[256];
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "test extraction invalid: %s", err);
    return rec;
}

/* The id the n-th feature request of call external_id gets when it creates a feature. */
static void own_feature_id(const rig_t *r, const char *external_id, int index,
                           char out[CS_UUID_LEN])
{
    char message_id[CS_UUID_LEN];
    cs_uuid_message_id(r->ws, "replay", external_id, message_id);
    cs_uuid_feature_id(message_id, index, out);
}

/* Poll `sql` (a count) until it reaches want or ms pass; returns the last value. */
static long wait_long(cs_db_t *db, const char *sql, long want, int ms)
{
    int64_t deadline = cs_now_ms() + ms;
    long v;
    while ((v = cs_testdb_long(db, sql)) != want && cs_now_ms() < deadline)
        usleep(50000);
    return v;
}

/* ---- daemon, offline ------------------------------------------------------------------------ */

Test(matcher_proc, offline_second_request_links_to_the_feature_the_first_created, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r, true);
    rig_start(&r, NULL, NULL);
    json_t *a = extraction(&r, "call-a", "Salesforce integration", "Sync tickets with Salesforce");
    json_t *b = extraction(&r, "call-b", "Salesforce integration",
                           "Push closed tickets to Salesforce accounts");
    send_rec(&r, a);
    send_rec(&r, b);

    char created_id[CS_UUID_LEN];
    own_feature_id(&r, "call-a", 0, created_id);
    json_t *da = next_decision(&r, 10000);
    cr_assert(da, "no decision for call-a");
    cr_assert_str_eq(cs_rec_str(da, "external_id"), "call-a");
    cr_assert(json_equal(json_object_get(da, "insights"), json_object_get(a, "insights")),
              "the extraction is passed on as it came");
    json_t *decisions = json_object_get(da, "decisions");
    cr_assert_eq(json_array_size(decisions), 1);
    json_t *d = json_array_get(decisions, 0);
    char *text = json_dumps(d, 0);
    cr_assert_eq(cs_rec_int(d, "index", -1), 0, "%s", text);
    cr_assert_str_eq(cs_rec_str(d, "action"), "create", "%s", text);
    cr_assert_str_eq(cs_rec_str(d, "feature_id"), created_id, "%s", text);
    cr_assert_str_eq(cs_rec_str(d, "theme_id"), r.theme, "%s", text);
    cr_assert_str_eq(cs_rec_str(d, "name"), "Salesforce integration", "%s", text);
    cr_assert_str_eq(cs_rec_str(d, "urgency"), "high", "%s", text);
    cr_assert(cs_rec_str(d, "method"), "%s", text);
    cr_assert(json_is_number(json_object_get(d, "confidence")), "%s", text);
    cr_assert(json_is_array(json_object_get(d, "candidates")), "%s", text);
    cr_assert_str_eq(cs_rec_str(d, "embedding_model"), "offline-ngram-2", "%s", text);
    cr_assert(json_array_size(json_object_get(d, "embedding")) > 0, "%s", text);
    free(text);

    json_t *dec_b = next_decision(&r, 10000);
    cr_assert(dec_b, "no decision for call-b");
    cr_assert_str_eq(cs_rec_str(dec_b, "external_id"), "call-b");
    d = json_array_get(json_object_get(dec_b, "decisions"), 0);
    text = json_dumps(d, 0);
    cr_assert(d, "no decided request for call-b");
    cr_assert_str_eq(cs_rec_str(d, "action"), "link", "%s", text);
    cr_assert_str_eq(cs_rec_str(d, "feature_id"), created_id, "%s", text);
    cr_assert_str_eq(cs_rec_str(d, "method"), "exact", "%s", text);
    cr_assert_float_eq(cs_rec_num(d, "confidence", 0), 1.0, 1e-9, "%s", text);
    cr_assert_str_eq(cs_rec_str(d, "theme_id"), r.theme, "%s", text);
    cr_assert_eq(json_array_size(json_object_get(d, "candidates")), 1, "%s", text);
    cr_assert_str_eq(cs_rec_str(json_array_get(json_object_get(d, "candidates"), 0), "id"),
                     created_id, "%s", text);
    cr_assert_null(json_object_get(d, "embedding"), "a link carries no vector: %s", text);
    free(text);

    char *log = rig_stop(&r);
    cr_assert(strstr(log, "OFFLINE"), "the offline judge must be said loudly:\n%s", log);
    cr_assert(strstr(log, "✓ Created new: 'Salesforce integration' (confidence it's unique: "
                          "1.00) (Theme: Integrations)\n"),
              "%s", log);
    cr_assert(strstr(log, "✓ Matched to existing: 'Salesforce integration' (confidence: 1.00) "
                          "(Theme: Integrations) - Same name as the existing feature "
                          "'Salesforce integration'"),
              "%s", log);
    cr_assert(strstr(log, "→ Created 1 new features, matched 0 to existing features"), "%s", log);
    cr_assert(strstr(log, "→ Created 0 new features, matched 1 to existing features"), "%s", log);
    cr_assert(strstr(log, "Loaded 0 existing features of workspace"), "%s", log);
    free(log);
    json_decref(da);
    json_decref(dec_b);
    json_decref(a);
    json_decref(b);
    rig_close(&r);
}

Test(matcher_proc, failed_extraction_passes_through_and_garbage_is_skipped, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r, true);
    rig_start(&r, NULL, NULL);
    json_t *failed = extraction(&r, "call-err", NULL, NULL);
    json_object_del(failed, "insights");
    json_object_set_new(failed, "error", json_string("extractor: invalid answer after 3 attempts"));
    send_rec(&r, failed);
    json_t *d = next_decision(&r, 10000);
    cr_assert(d, "the failed extraction was not passed on");
    cr_assert_str_eq(cs_rec_str(d, "external_id"), "call-err");
    cr_assert_str_eq(cs_rec_str(d, "error"), "extractor: invalid answer after 3 attempts");
    cr_assert(json_is_array(json_object_get(d, "decisions")));
    cr_assert_eq(json_array_size(json_object_get(d, "decisions")), 0);
    cr_assert_null(json_object_get(d, "insights"));
    json_decref(d);

    /* bytes that are no msgpack at all, a map header claiming 4 billion entries, and a
       record of the wrong kind: each skipped, and the next extraction is still decided */
    unsigned char junk[64];
    unsigned seed = 7;
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)rand_r(&seed);
    junk[0] = 0xc1; /* never used by msgpack */
    send_raw(&r, junk, sizeof junk);
    const unsigned char huge_map[] = {0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 'v'};
    send_raw(&r, huge_map, sizeof huge_map);
    json_t *call = cs_testdata_call(r.ws, "call-raw", "2025-10-20T10:00:00Z", NULL, NULL);
    send_rec(&r, call);
    json_decref(call);
    json_t *good = extraction(&r, "call-good", "Dark mode", "A dark theme for the dashboard");
    send_rec(&r, good);
    d = next_decision(&r, 10000);
    cr_assert(d, "the extraction after the garbage was lost");
    cr_assert_str_eq(cs_rec_str(d, "external_id"), "call-good");
    json_t *one = json_array_get(json_object_get(d, "decisions"), 0);
    cr_assert_str_eq(cs_rec_str(one, "action"), "create");
    json_decref(d);
    json_decref(good);
    json_decref(failed);

    cr_assert_null(next_decision(&r, 500), "the garbage must not come out as decisions");
    char *log = rig_stop(&r);
    cr_assert(strstr(log, "Skipped a malformed record"), "%s", log);
    cr_assert(strstr(log, "Skipped a 'call' record"), "%s", log);
    cr_assert(strstr(log, "2 extractions received, 2 decided and sent, 3 malformed"), "%s", log);
    free(log);
    rig_close(&r);
}

/* The value of one series on the matcher's /metrics, or -1. */
static double scrape(int port, const char *series)
{
    char url[96];
    long status = 0;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", port);
    char *body = cs_testhttp_get(url, &status);
    double v = status == 200 ? cs_testhttp_metric(body, series) : -1;
    free(body);
    return v;
}

static int count_occurrences(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

Test(matcher_proc, a_record_for_an_unknown_workspace_is_dropped_before_any_work, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r, true);
    int port = cs_testhttp_free_port();
    char port_arg[32];
    snprintf(port_arg, sizeof port_arg, "--metrics-port=%d", port);
    char *extra[] = {port_arg, NULL};
    rig_start(&r, extra, NULL);
    const char *nowhere = "0b5d2c1e-7a3f-4e8b-9c6d-5f4e3d2c1b0a";
    json_t *stray = extraction(&r, "call-stray", "Dark mode", "A dark theme for the dashboard");
    json_object_set_new(stray, "workspace_id", json_string(nowhere));
    send_rec(&r, stray);
    json_t *good = extraction(&r, "call-good", "Dark mode", "A dark theme for the dashboard");
    send_rec(&r, good);
    json_t *d = next_decision(&r, 10000);
    cr_assert(d, "the extraction after the stray one was lost");
    cr_assert_str_eq(cs_rec_str(d, "external_id"), "call-good", "the stray record was decided");
    json_decref(d);
    cr_assert_null(next_decision(&r, 500));
    cr_assert_eq(scrape(port, "callsift_records_refused_total{reason=\"unknown_workspace\"}"), 1);
    char *log = rig_stop(&r);
    cr_assert(strstr(log, "Dropped call call-stray: workspace 0b5d2c1e-7a3f-4e8b-9c6d-5f4e3d2c1b0a"
                          " does not exist"),
              "%s", log);
    cr_assert_null(strstr(log, "features of workspace 0b5d2c1e"), "a catalogue was built:\n%s",
                   log);
    free(log);
    json_decref(stray);
    json_decref(good);
    rig_close(&r);
}

Test(matcher_proc, a_flood_of_malformed_frames_is_counted_in_full_and_logged_briefly,
     .timeout = 120)
{
    rig_t r = {0};
    rig_open(&r, true);
    int port = cs_testhttp_free_port();
    char port_arg[32];
    snprintf(port_arg, sizeof port_arg, "--metrics-port=%d", port);
    char *extra[] = {port_arg, NULL};
    rig_start(&r, extra, NULL);
    enum { FLOOD = 100000 };
    const unsigned char junk[] = {0xc1, 'x', '\n', 'y'};
    for (int i = 0; i < FLOOD; i++)
        send_raw(&r, junk, sizeof junk);
    json_t *good = extraction(&r, "call-good", "Dark mode", "A dark theme for the dashboard");
    send_rec(&r, good);
    json_t *d = next_decision(&r, 60000);
    cr_assert(d, "the extraction after the flood was lost");
    json_decref(d);
    json_decref(good);
    cr_assert_eq(scrape(port, "callsift_records_malformed_total"), FLOOD);
    char *log = rig_stop(&r);
    int lines = count_occurrences(log, "Skipped a malformed record");
    cr_assert_geq(lines, 1);
    cr_assert_leq(lines, 5 + 12, "%d lines for %d malformed frames", lines, FLOOD);
    cr_assert(strstr(log, "100000 malformed"), "the summary counts them all:\n%.2000s", log);
    free(log);
    rig_close(&r);
}

/* ---- provider vectors, stored by the real writer -------------------------------------------- */

/* The single input of an embeddings request (NULL when there is not exactly one). */
static const char *single_input(const fake_openai_request_t *q)
{
    const json_t *input = q && q->body ? json_object_get(q->body, "input") : NULL;
    if (json_is_string(input))
        return json_string_value(input);
    if (json_is_array(input) && json_array_size(input) == 1)
        return json_string_value(json_array_get(input, 0));
    return NULL;
}

Test(matcher_proc, restart_uses_stored_vectors_without_embedding_again, .timeout = 120)
{
    rig_t r = {0};
    rig_open(&r, false);
    fake_openai_t *f = fake_openai_start();
    cr_assert(f, "fake OpenAI did not start");
    fake_openai_set_api_key(f, "test-key");
    char base[160];
    snprintf(base, sizeof base, "--openai-base-url=%s", fake_openai_url(f));
    char *args[] = {"--vectors", "openai",           "--provider", "offline",
                    base,        "--openai-api-key", "test-key",   NULL};
    rig_start(&r, args, NULL);
    rig_start_writer(&r);
    cs_db_t *db = cs_testdb_connect(&r.db);

    json_t *a = extraction(&r, "call-1", "Salesforce integration", "Sync tickets with Salesforce");
    send_rec(&r, a);
    json_decref(a);
    char feature_id[CS_UUID_LEN];
    own_feature_id(&r, "call-1", 0, feature_id);
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM features WHERE id = '%s'", feature_id);
    long stored = wait_long(db, sql, 1, 20000);
    char *wlog = cs_testproc_log(&r.writer);
    char *mlog = cs_testproc_log(&r.matcher);
    cr_assert_eq(stored, 1, "feature %s not stored\nmatcher:\n%s\nwriter:\n%s", feature_id, mlog,
                 wlog);
    free(wlog);
    free(mlog);
    snprintf(sql, sizeof sql, "SELECT embedding_model FROM features WHERE id = '%s'", feature_id);
    char *model = cs_testdb_scalar(db, sql);
    cr_assert_str_eq(model, "text-embedding-3-small");
    free(model);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM features WHERE id = '%s' AND embedding IS NOT NULL"
             " AND array_length(embedding, 1) = %d AND embedding_index IS NULL",
             feature_id, FAKE_OPENAI_DIM);
    cr_assert_eq(cs_testdb_long(db, sql), 1, "a dense %d-component vector is stored",
                 FAKE_OPENAI_DIM);
    cr_assert_eq(fake_openai_count(f, "/embeddings"), 1);
    cr_assert_eq(fake_openai_count(f, "/chat/completions"), 0, "--provider offline: no judge");
    const fake_openai_request_t *q = fake_openai_last_request(f, "/embeddings");
    cr_assert_str_eq(q->authorization, "Bearer test-key");
    cr_assert_str_eq(cs_rec_str(q->body, "model"), "text-embedding-3-small");
    const char *first_text = single_input(q);
    cr_assert(first_text && strstr(first_text, "Sync tickets with Salesforce"), "input: %s",
              first_text ? first_text : "(not one string)");

    /* a new matcher: the catalogue comes from the database, with its stored vector */
    char *log = rig_stop(&r);
    free(log);
    fake_openai_clear_requests(f);
    rig_start(&r, args, NULL);
    json_t *b = extraction(&r, "call-2", "Salesforce integration",
                           "Push closed tickets to Salesforce accounts");
    send_rec(&r, b);
    json_decref(b);
    char message2[CS_UUID_LEN];
    cs_uuid_message_id(r.ws, "replay", "call-2", message2);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM match_decisions WHERE message_id = '%s' AND action = 'link'"
             " AND feature_id = '%s' AND method IN ('exact', 'embedding')",
             message2, feature_id);
    long linked = wait_long(db, sql, 1, 20000);
    mlog = cs_testproc_log(&r.matcher);
    cr_assert_eq(linked, 1, "call-2 did not link to %s\nmatcher:\n%s", feature_id, mlog);
    cr_assert(strstr(mlog, "Loaded 1 existing features of workspace"), "%s", mlog);
    cr_assert_null(strstr(mlog, "Embedding 1 catalogue features"),
                   "the stored vector was embedded again:\n%s", mlog);
    cr_assert_null(strstr(mlog, "have no stored"), "%s", mlog);
    free(mlog);
    cr_assert_eq(cs_testdb_long(db, "SELECT count(*) FROM features"), 1);
    snprintf(sql, sizeof sql, "SELECT mention_count FROM features WHERE id = '%s'", feature_id);
    cr_assert_eq(cs_testdb_long(db, sql), 2);

    /* only the new call's request was embedded, once */
    cr_assert_eq(fake_openai_count(f, "/embeddings"), 1, "%zu embeddings requests after restart",
                 fake_openai_count(f, "/embeddings"));
    for (size_t i = 0; i < fake_openai_request_count(f); i++) {
        const fake_openai_request_t *qi = fake_openai_request(f, i);
        char *body = qi->body ? json_dumps(qi->body, 0) : NULL;
        cr_assert(!body || !strstr(body, "Sync tickets with Salesforce"),
                  "the stored feature was embedded again: %s", body);
        free(body);
    }
    const char *second_text = single_input(fake_openai_last_request(f, "/embeddings"));
    cr_assert(second_text && strstr(second_text, "Push closed tickets to Salesforce accounts"),
              "input: %s", second_text ? second_text : "(not one string)");
    cr_assert_eq(fake_openai_count(f, "/chat/completions"), 0);

    cs_db_destroy(&db);
    rig_close(&r);
    fake_openai_stop(&f);
}

/* ---- the catalogue follows NOTIFY ----------------------------------------------------------- */

Test(matcher_proc, notify_reloads_the_catalogue, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r, true);
    rig_start(&r, NULL, NULL);
    json_t *a = extraction(&r, "call-1", "Salesforce integration", "Sync tickets with Salesforce");
    send_rec(&r, a);
    json_decref(a);
    json_t *d = next_decision(&r, 10000);
    cr_assert(d, "no decision for call-1");
    json_decref(d);

    cs_db_t *db = cs_testdb_connect(&r.db);
    char id[CS_UUID_LEN], err[256];
    cs_uuid_v4(id);
    const char *p[] = {id, r.ws, r.theme};
    cr_assert_eq(cs_db_command(db,
                               "INSERT INTO features (id, workspace_id, theme_id, name)"
                               " VALUES ($1, $2, $3, 'Dark mode')",
                               3, p, err, sizeof err),
                 0, "%s", err);
    const char *n[] = {r.ws};
    cr_assert_eq(
        cs_db_command(db, "SELECT pg_notify('callsift_features', $1)", 1, n, err, sizeof err), 0,
        "%s", err);
    cs_db_destroy(&db);
    char *log = NULL;
    bool reloaded = cs_testproc_wait_log(&r.matcher, "changed; reloading its catalogue", 10000);
    log = cs_testproc_log(&r.matcher);
    cr_assert(reloaded, "no reload on NOTIFY:\n%s", log);
    free(log);

    json_t *b = extraction(&r, "call-2", "Dark mode", "A dark theme for the dashboard");
    send_rec(&r, b);
    json_decref(b);
    d = next_decision(&r, 10000);
    cr_assert(d, "no decision for call-2");
    json_t *one = json_array_get(json_object_get(d, "decisions"), 0);
    char *text = json_dumps(one, 0);
    cr_assert_str_eq(cs_rec_str(one, "action"), "link", "%s", text);
    cr_assert_str_eq(cs_rec_str(one, "feature_id"), id, "%s", text);
    cr_assert_str_eq(cs_rec_str(one, "method"), "exact", "%s", text);
    free(text);
    json_decref(d);

    log = rig_stop(&r);
    char expect[160];
    snprintf(expect, sizeof expect, "Features of workspace %s changed; reloading", r.ws);
    cr_assert(strstr(log, expect), "%s", log);
    /* the feature created by call-1 was never stored (no writer here) and is kept */
    cr_assert(strstr(log, "Loaded 1 existing features of workspace"), "%s", log);
    cr_assert(strstr(log, "kept the ones created here and not yet stored"), "%s", log);
    free(log);
    rig_close(&r);
}

/* A feature of the rig's workspace inserted by SQL: name, theme, and what curation left
   (merged_into NULL or an id; status). Its id into id. */
static void insert_feature(cs_db_t *db, const rig_t *r, const char *theme, const char *name,
                           const char *merged_into, const char *status, char *id)
{
    char err[256];
    cs_uuid_v4(id);
    const char *p[] = {id, r->ws, theme, name, merged_into, status};
    cr_assert_eq(
        cs_db_command(db,
                      "INSERT INTO features (id, workspace_id, theme_id, name, merged_into,"
                      " merged_at, status) VALUES ($1, $2, $3, $4, $5::uuid,"
                      " CASE WHEN $5 IS NOT NULL THEN now() END, $6)",
                      6, p, err, sizeof err),
        0, "%s", err);
}

/* The one decision of call external_id asking for title. New reference. */
static json_t *decide(rig_t *r, const char *external_id, const char *title, const char *description)
{
    json_t *x = extraction(r, external_id, title, description);
    send_rec(r, x);
    json_decref(x);
    json_t *d = next_decision(r, 10000);
    cr_assert(d, "no decision for %s", external_id);
    json_t *one = json_incref(json_array_get(json_object_get(d, "decisions"), 0));
    json_decref(d);
    cr_assert(one, "no decided request for %s", external_id);
    return one;
}

/* Curation's results as the matcher loads them: a merged-away feature is no catalogue entry
   but an alias of the end of its merge chain (its exact name too, whatever its theme); a
   rejected feature is an entry, so what is like it links to it. */
Test(matcher_proc, merged_away_features_are_aliases_of_their_target_and_rejected_ones_stay,
     .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r, true);
    cs_db_t *db = cs_testdb_connect(&r.db);
    char target[CS_UUID_LEN], middle[CS_UUID_LEN], source[CS_UUID_LEN], junk[CS_UUID_LEN];
    insert_feature(db, &r, r.theme, "Single sign-on", NULL, "planned", target);
    insert_feature(db, &r, r.theme, "SAML login", target, "new", middle);
    insert_feature(db, &r, r.dflt, "Okta SSO", middle, "new", source); /* another theme */
    insert_feature(db, &r, r.theme, "Free pizza lunches", NULL, "rejected", junk);
    rig_start(&r, NULL, NULL);

    json_t *one = decide(&r, "call-1", "Okta SSO", "Log in with Okta");
    char *text = json_dumps(one, 0);
    cr_assert_str_eq(cs_rec_str(one, "action"), "link", "%s", text);
    cr_assert_str_eq(cs_rec_str(one, "feature_id"), target, "%s", text);
    cr_assert_str_eq(cs_rec_str(one, "method"), "exact", "%s", text);
    free(text);
    json_decref(one);

    /* not the same name: the merged-away names are compared as the target's aliases */
    one = decide(&r, "call-2", "SAML login for staff", "Staff log in through SAML");
    text = json_dumps(one, 0);
    const json_t *candidates = json_object_get(one, "candidates");
    bool seen = false;
    for (size_t i = 0; i < json_array_size(candidates); i++) {
        const json_t *c = json_array_get(candidates, i);
        cr_assert_str_neq(cs_rec_str(c, "id"), middle, "a merged-away candidate: %s", text);
        cr_assert_str_neq(cs_rec_str(c, "id"), source, "a merged-away candidate: %s", text);
        /* "Single sign-on" shares no word with the title: "SAML login" does */
        if (strcmp(cs_rec_str(c, "id"), target) == 0)
            seen = cs_rec_num(c, "lexical", 0) > 0.5;
    }
    cr_assert(seen, "the target is no candidate by its merged-away names: %s", text);
    cr_assert_str_eq(cs_rec_str(one, "feature_id"), target, "%s", text);
    free(text);
    json_decref(one);

    one = decide(&r, "call-3", "Free pizza lunches", "Pizza for the team");
    cr_assert_str_eq(cs_rec_str(one, "feature_id"), junk);
    json_decref(one);

    char *log = rig_stop(&r);
    cr_assert(strstr(log, "Loaded 2 existing features of workspace"), "%s", log);
    cr_assert(strstr(log, "2 merged away, as aliases"), "%s", log);
    free(log);
    cs_db_destroy(&db);
    rig_close(&r);
}

/* Chains of duplicates collapse after a person's merge too: merging "Slack notifications for
   assigned tickets" into "Slack notifications" makes the latter like "Alerts for assigned
   tickets"; the reload that shows the merge checks it once, and the merge goes with the
   workspace's next decision record (cs_matchdb_take_merges), for the writer to carry out. */
Test(matcher_proc, a_persons_merge_is_followed_by_the_targets_own_duplicates, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r, true);
    cs_db_t *db = cs_testdb_connect(&r.db);
    char slack[CS_UUID_LEN], assigned[CS_UUID_LEN], alerts[CS_UUID_LEN];
    insert_feature(db, &r, r.theme, "Slack notifications", NULL, "new", slack);
    insert_feature(db, &r, r.theme, "Slack notifications for assigned tickets", NULL, "new",
                   assigned);
    insert_feature(db, &r, r.theme, "Alerts for assigned tickets", NULL, "new", alerts);
    rig_start(&r, NULL, NULL);
    json_t *one = decide(&r, "call-1", "Export to CSV", "Download a CSV");
    json_decref(one);

    cs_curate_t c = {.db = db, .by = "tester"};
    cr_assert_eq(cs_curate_merge(&c, (const char *const[]){assigned}, 1, slack), CS_CURATE_OK, "%s",
                 c.err);
    /* on a loaded machine the calls below may outrun the notification: wait for it first */
    char reloading[160];
    snprintf(reloading, sizeof reloading, "Features of workspace %s changed; reloading", r.ws);
    cr_assert(cs_testproc_wait_log(&r.matcher, reloading, 20000), "the merge was not notified");
    json_t *merges = NULL;
    for (int i = 2; i < 40 && !merges; i++) { /* until the matcher has read the notification */
        char ext[32];
        snprintf(ext, sizeof ext, "call-%d", i);
        json_t *x = extraction(&r, ext, "Export to CSV", "Download a CSV");
        send_rec(&r, x);
        json_decref(x);
        json_t *d = next_decision(&r, 10000);
        cr_assert(d, "no decision for %s", ext);
        merges = json_incref(json_object_get(d, "merges"));
        char err[256];
        cr_assert_eq(cs_record_validate(d, err, sizeof err), 0, "%s", err);
        json_decref(d);
    }
    cr_assert(merges, "no merge proposed after the person's merge");
    cr_assert_eq(json_array_size(merges), 1);
    const json_t *m = json_array_get(merges, 0);
    cr_assert_str_eq(cs_rec_str(m, "source"), alerts, "none has mentions: the oldest survives");
    cr_assert_str_eq(cs_rec_str(m, "into"), slack);
    json_decref(merges);
    /* the next mention of the merged name already finds the survivor */
    one = decide(&r, "call-99", "Alerts for assigned tickets", "");
    cr_assert_str_eq(cs_rec_str(one, "feature_id"), slack);
    json_decref(one);
    char *log = rig_stop(&r);
    cr_assert(strstr(log, "Merged duplicate: 'Alerts for assigned tickets' into 'Slack "
                          "notifications'"),
              "%s", log);
    cr_assert(strstr(log, "merged 1;"), "%s", log);
    free(log);
    cs_db_destroy(&db);
    rig_close(&r);
}

/* A NOTIFY that reaches the matcher while it runs its own statements is read with their
   results, and the socket says nothing more: it must be handled all the same, at once. The
   features table is locked while the matcher loads another workspace's catalogue, and the
   notification is committed with the lock's release. */
Test(matcher_proc, a_notify_read_during_a_catalogue_load_still_reloads, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r, true);
    rig_start(&r, NULL, NULL);
    json_t *one = decide(&r, "call-1", "Salesforce integration", "Sync tickets with Salesforce");
    json_decref(one);

    cs_db_t *db = cs_testdb_connect(&r.db);
    char ws2[CS_UUID_LEN], dflt2[CS_UUID_LEN], theme2[CS_UUID_LEN], id[CS_UUID_LEN], err[256];
    cs_testdata_workspace(db, ws2, dflt2, theme2);
    insert_feature(db, &r, r.theme, "Dark mode", NULL, "new", id);
    cr_assert_eq(cs_db_command(db, "BEGIN", 0, NULL, err, sizeof err), 0, "%s", err);
    cr_assert_eq(
        cs_db_command(db, "LOCK TABLE features IN ACCESS EXCLUSIVE MODE", 0, NULL, err, sizeof err),
        0, "%s", err);
    json_t *x = extraction(&r, "other-1", "Dark mode", "A dark theme");
    json_object_set_new(x, "workspace_id", json_string(ws2));
    send_rec(&r, x);
    json_decref(x);
    usleep(700 * 1000); /* the matcher waits for the lock, loading ws2 */
    const char *n[] = {r.ws};
    cr_assert_eq(
        cs_db_command(db, "SELECT pg_notify('callsift_features', $1)", 1, n, err, sizeof err), 0,
        "%s", err);
    cr_assert_eq(cs_db_command(db, "COMMIT", 0, NULL, err, sizeof err), 0, "%s", err);
    int64_t committed = cs_now_ms();
    json_t *d = next_decision(&r, 10000);
    cr_assert(d, "no decision for the other workspace's call");
    json_decref(d);
    char expect[160];
    snprintf(expect, sizeof expect, "Features of workspace %s changed; reloading", r.ws);
    bool reloaded = cs_testproc_wait_log(&r.matcher, expect, 3000);
    int64_t took = cs_now_ms() - committed;
    char *log = cs_testproc_log(&r.matcher);
    cr_assert(reloaded, "the notification was lost:\n%s", log);
    cr_assert_lt(took, 1500, "reloaded %lld ms after the NOTIFY:\n%s", (long long)took, log);
    free(log);
    cs_db_destroy(&db);

    one = decide(&r, "call-2", "Dark mode", "A dark theme for the dashboard");
    cr_assert_str_eq(cs_rec_str(one, "feature_id"), id);
    json_decref(one);
    rig_close(&r);
}

/* ---- one-shot mode ------------------------------------------------------------------------- */

Test(matcher_proc, jsonl_one_shot_in_order_with_errors, .timeout = 60)
{
    char *argv[] = {(char *)cs_testproc_bin("callsift-matcher"), "--jsonl", NULL};
    char *env[] = {"OPENAI_API_KEY=", "CALLSIFT_PROVIDER=", "CALLSIFT_VECTORS=", NULL};
    const char *input =
        "{\"existing\":[{\"id\":\"feature-1\",\"name\":\"AI Chatbot Integration\",\"description\":"
        "\"Add chatbot for customer support\"},{\"id\":\"feature-2\",\"name\":\"Salesforce "
        "Integration\",\"description\":\"Sync tickets with Salesforce\"}],\"new\":{\"title\":\"AI "
        "Chatbot Integration\",\"description\":\"Add chatbot for customer support\"}}\n"
        "{\"existing\":[{\"id\":\"feature-1\",\"name\":\"AI Chatbot Integration\",\"description\":"
        "\"Add chatbot for customer support\"},{\"id\":\"feature-2\",\"name\":\"Salesforce "
        "Integration\",\"description\":\"Sync tickets with Salesforce\"}],\"new\":{\"title\":"
        "\"Dark mode\",\"description\":\"A dark theme for the dashboard\"}}\n"
        "this is not json\n";
    cs_testrun_t run = cs_testproc_run(argv, env, input, 20000);
    cr_assert_eq(run.status, 0, "status %d: %s", run.status, run.err);
    size_t lines = 0;
    for (const char *c = run.out; *c; c++)
        lines += *c == '\n';
    cr_assert_eq(lines, 3, "three lines out, one per line in:\n%s", run.out);
    char *save = NULL;
    char *l1 = strtok_r(run.out, "\n", &save);
    char *l2 = strtok_r(NULL, "\n", &save);
    char *l3 = strtok_r(NULL, "\n", &save);
    cr_assert(l1 && l2 && l3, "%s", run.out);
    json_t *a = json_loads(l1, 0, NULL), *b = json_loads(l2, 0, NULL), *c = json_loads(l3, 0, NULL);
    cr_assert(a && b && c, "every line is JSON:\n%s\n%s\n%s", l1, l2, l3);

    cr_assert(json_is_true(json_object_get(a, "is_duplicate")), "%s", l1);
    cr_assert_str_eq(cs_rec_str(a, "matching_feature_id"), "feature-1", "%s", l1);
    cr_assert_str_eq(cs_rec_str(a, "method"), "exact", "%s", l1);
    cr_assert_float_eq(cs_rec_num(a, "confidence", 0), 1.0, 1e-9, "%s", l1);
    cr_assert_eq(cs_rec_int(a, "tokens_used", -1), 0, "offline spends no tokens: %s", l1);
    cr_assert_str_eq(cs_rec_str(json_array_get(json_object_get(a, "candidates"), 0), "id"),
                     "feature-1", "%s", l1);

    cr_assert(json_is_false(json_object_get(b, "is_duplicate")), "%s", l2);
    cr_assert(json_is_null(json_object_get(b, "matching_feature_id")), "%s", l2);
    cr_assert(cs_rec_str(b, "reasoning"), "%s", l2);

    cr_assert(cs_rec_str(c, "error"), "%s", l3);
    cr_assert(strstr(cs_rec_str(c, "error"), "line 3"), "the error names its line: %s", l3);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    cs_testrun_free(&run);
}

/* ---- process life ---------------------------------------------------------------------------- */

Test(matcher_proc, sigterm_exits_zero_with_counters, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r, true);
    rig_start(&r, NULL, NULL);
    json_t *a = extraction(&r, "call-1", "Salesforce integration", "Sync tickets with Salesforce");
    send_rec(&r, a);
    json_decref(a);
    json_t *d = next_decision(&r, 10000);
    cr_assert(d, "no decision");
    json_decref(d);
    int64_t t0 = cs_now_ms();
    int status = cs_testproc_stop(&r.matcher, 10000);
    char *log = cs_testproc_log(&r.matcher);
    cr_assert_eq(status, 0, "exit status %d:\n%s", status, log);
    cr_assert_lt(cs_now_ms() - t0, 5000, "SIGTERM took too long");
    cr_assert(strstr(log, "Matcher stopping: 1 extractions received, 1 decided and sent, 0 "
                          "malformed; 1 feature requests: 1 created, 0 matched"),
              "%s", log);
    free(log);
    rig_close(&r);
}

/* How many times `needle` occurs in text. */
static int count_of(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* A wrong key used to make the matcher retry its catalogue's embeddings forever (27 times a
   minute) while nothing reached the writer. Now: the extraction in hand goes on undecided with
   error_cause llm_auth, one clear line says what to fix, and the matcher exits 3 at once. */
Test(matcher_proc, a_wrong_key_passes_the_call_on_and_exits_3_quickly, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r, true);
    cs_db_t *db = cs_testdb_connect(&r.db);
    const char *p[] = {r.ws, r.theme};
    char err[256];
    cr_assert_eq(
        cs_db_command(db,
                      "INSERT INTO features (id, workspace_id, theme_id, name, description)"
                      " VALUES (gen_random_uuid(), $1, $2, 'Salesforce sync',"
                      " 'Sync tickets with Salesforce')",
                      2, p, err, sizeof err),
        0, "%s", err); /* a feature without a vector: loading embeds it */
    cs_db_destroy(&db);
    fake_openai_t *f = fake_openai_start();
    fake_openai_set_api_key(f, "sk-the-right-key");
    char base[160];
    snprintf(base, sizeof base, "--openai-base-url=%s", fake_openai_url(f));
    char *args[] = {"--provider", "openai", base, "--permanent-error-hold", "1", NULL};
    char *env[] = {"OPENAI_API_KEY=sk-a-wrong-key-555", NULL};
    /* the rig's own environment comes first and blanks the key: put ours after it */
    rig_start(&r, args, env);
    json_t *a = extraction(&r, "call-1", "Salesforce integration", "Sync tickets with Salesforce");
    int64_t t0 = cs_now_ms();
    send_rec(&r, a);
    json_decref(a);
    json_t *d = next_decision(&r, 10000);
    cr_assert(d, "the extraction in hand must be passed on");
    cr_assert_str_eq(cs_rec_str(d, "error_cause"), "llm_auth", "%s", cs_rec_str(d, "error"));
    cr_assert(strstr(cs_rec_str(d, "error"), "OPENAI_API_KEY"), "%s", cs_rec_str(d, "error"));
    cr_assert_eq(json_array_size(json_object_get(d, "decisions")), 0);
    json_decref(d);
    while (cs_testproc_alive(&r.matcher) && cs_now_ms() - t0 < 15000)
        usleep(50000);
    int status = cs_testproc_stop(&r.matcher, 5000);
    int64_t took = cs_now_ms() - t0;
    char *log = cs_testproc_log(&r.matcher);
    cr_assert_eq(status, 3, "exit status %d:\n%s", status, log);
    cr_assert_lt(took, 8000, "took %lld ms", (long long)took);
    cr_assert_eq(count_of(log, "ERROR"), 1, "one clear line:\n%s", log);
    cr_assert(strstr(log, "check OPENAI_API_KEY"), "%s", log);
    cr_assert_null(strstr(log, "retrying"), "a wrong key is not retried:\n%s", log);
    cr_assert_null(strstr(log, "sk-a-wrong-key-555"), "the key reached the log:\n%s", log);
    cr_assert_eq(fake_openai_request_count(f), 1, "one request, not a retry loop");
    const fake_openai_request_t *q = fake_openai_request(f, 0);
    cr_assert(q && q->authorization && strstr(q->authorization, "sk-a-wrong-key-555"),
              "the wrong key was sent: %s", q && q->authorization ? q->authorization : "(none)");
    free(log);
    r.matcher.pid = 0; /* exited: rig_close must not stop it */
    fake_openai_stop(&f);
    rig_close(&r);
}

/* A judge that answers 429 insufficient_quota: the call is not decided by similarity as if
   nothing happened; it goes on undecided with llm_quota and the matcher exits 3. */
Test(matcher_proc, a_judge_out_of_quota_leaves_the_call_undecided_and_exits_3, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r, true);
    fake_openai_t *f = fake_openai_start();
    fake_openai_answer_t quota = {.kind = FAKE_OPENAI_QUOTA};
    fake_openai_push(f, "/chat/completions", &quota);
    char base[160];
    snprintf(base, sizeof base, "--openai-base-url=%s", fake_openai_url(f));
    /* offline vectors, the LLM judges the whole band: every request goes to the judge */
    char *args[] = {"--provider", "openai",      "--vectors", "offline", "--link-above",
                    "1",          "--new-below", "0",         base,      "--permanent-error-hold",
                    "0",          NULL};
    char *env[] = {"OPENAI_API_KEY=sk-test", NULL};
    rig_start(&r, args, env);
    json_t *a = extraction(&r, "call-1", "Salesforce integration", "Sync tickets with Salesforce");
    send_rec(&r, a);
    json_decref(a);
    json_t *d = next_decision(&r, 10000);
    cr_assert(d, "no decision");
    json_decref(d); /* the first creates: no candidates yet, no judge */
    a = extraction(&r, "call-2", "Salesforce integration for tickets", "Tickets into Salesforce");
    send_rec(&r, a);
    json_decref(a);
    d = next_decision(&r, 10000);
    cr_assert(d, "the extraction in hand must be passed on");
    cr_assert_str_eq(cs_rec_str(d, "error_cause"), "llm_quota", "%s", cs_rec_str(d, "error"));
    cr_assert_eq(json_array_size(json_object_get(d, "decisions")), 0);
    json_decref(d);
    int64_t t0 = cs_now_ms();
    while (cs_testproc_alive(&r.matcher) && cs_now_ms() - t0 < 10000)
        usleep(50000);
    int status = cs_testproc_stop(&r.matcher, 5000);
    char *log = cs_testproc_log(&r.matcher);
    cr_assert_eq(status, 3, "exit status %d:\n%s", status, log);
    cr_assert(strstr(log, "out of quota"), "%s", log);
    free(log);
    r.matcher.pid = 0;
    fake_openai_stop(&f);
    rig_close(&r);
}

Test(matcher_proc, help_and_bad_flags, .timeout = 30)
{
    char *help[] = {(char *)cs_testproc_bin("callsift-matcher"), "--help", NULL};
    cs_testrun_t run = cs_testproc_run(help, NULL, NULL, 10000);
    cr_assert_eq(run.status, 0, "status %d: %s", run.status, run.err);
    cr_assert(strstr(run.out, "FEATURE_MATCH_CONFIDENCE"), "%s", run.out);
    cr_assert(strstr(run.out, "EMBEDDING_MODEL"), "%s", run.out);
    cr_assert(strstr(run.out, "--jsonl"), "%s", run.out);
    cs_testrun_free(&run);

    char *bad[] = {(char *)cs_testproc_bin("callsift-matcher"), "--provider", "nonsense", NULL};
    run = cs_testproc_run(bad, NULL, NULL, 10000);
    cr_assert_eq(run.status, 2, "status %d: %s", run.status, run.err);
    size_t newlines = 0;
    for (const char *c = run.err; *c; c++)
        newlines += *c == '\n';
    cr_assert_eq(newlines, 1, "one line of error:\n%s", run.err);
    cr_assert(strstr(run.err, "--provider") && strstr(run.err, "nonsense"), "%s", run.err);
    cr_assert_str_eq(run.out, "");
    cs_testrun_free(&run);

    char *range[] = {(char *)cs_testproc_bin("callsift-matcher"),
                     "--jsonl",
                     "--new-below",
                     "0.9",
                     "--link-above",
                     "0.5",
                     NULL};
    run = cs_testproc_run(range, NULL, "", 10000);
    cr_assert_eq(run.status, 2, "new-below above link-above: status %d: %s", run.status, run.err);
    cr_assert(strstr(run.err, "--new-below"), "%s", run.err);
    cs_testrun_free(&run);
}
