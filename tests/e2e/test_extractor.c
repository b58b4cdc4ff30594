/* callsift-extractor as a process: the test plays the fetcher (PUSH calls) and the matcher
   (PULL extractions), against a real PostgreSQL for the themes, and a fake OpenAI server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cs_transcript.h"
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

typedef struct {
    cs_testdb_t db;
    char ws[CS_UUID_LEN], dflt[CS_UUID_LEN], theme[CS_UUID_LEN];
    zsock_t *push; /* the fetcher's end */
    zsock_t *pull; /* the matcher's end */
    char calls_ep[64], extractions_ep[64];
    char env_db[1100];
    cs_testproc_t extractor;
} rig_t;

static void rig_open(rig_t *r)
{
    cs_testdb_create(&r->db, true);
    cs_db_t *db = cs_testdb_connect(&r->db);
    cs_testdata_workspace(db, r->ws, r->dflt, r->theme);
    cs_db_destroy(&db);
    snprintf(r->env_db, sizeof r->env_db, "DATABASE_URL=%s", r->db.url);
    char err[256];
    r->push = cs_sock_new(ZMQ_PUSH, "tcp://127.0.0.1:*", true, err, sizeof err);
    r->pull = cs_sock_new(ZMQ_PULL, "tcp://127.0.0.1:*", true, err, sizeof err);
    cr_assert(r->push && r->pull, "%s", err);
    cs_sock_endpoint(r->push, r->calls_ep, sizeof r->calls_ep);
    cs_sock_endpoint(r->pull, r->extractions_ep, sizeof r->extractions_ep);
}

static void rig_start(rig_t *r, char **extra, char **extra_env)
{
    char *argv[32] = {(char *)cs_testproc_bin("callsift-extractor"), "--calls-endpoint",
                      r->calls_ep, "--extractions-endpoint", r->extractions_ep};
    int n = 5;
    for (int i = 0; extra && extra[i]; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    char *env[8] = {r->env_db, "OPENAI_API_KEY="};
    int e = 2;
    for (int i = 0; extra_env && extra_env[i]; i++)
        env[e++] = extra_env[i];
    env[e] = NULL;
    cs_testproc_start(&r->extractor, argv, env);
    cr_assert(cs_testproc_wait_log(&r->extractor, "Extractor ready", 20000), "did not start");
}

static void rig_close(rig_t *r)
{
    int status = cs_testproc_stop(&r->extractor, 10000);
    char *log = cs_testproc_log(&r->extractor);
    cr_expect_eq(status, 0, "extractor exit %d\n%s", status, log);
    free(log);
    zsock_destroy(&r->push);
    zsock_destroy(&r->pull);
    cs_testdb_drop(&r->db);
}

static void send_call(rig_t *r, json_t *call)
{
    cs_testsock_send(r->push, call, 50); /* the extractor may still be connecting */
}

static json_t *next_extraction(rig_t *r, int ms)
{
    json_t *rec = cs_testsock_recv(r->pull, ms, NULL);
    if (rec)
        cr_assert_eq(cs_record_kind(rec), CS_KIND_EXTRACTION);
    return rec;
}

/* A call where the vendor pitches and the customer asks. */
static json_t *sales_call(rig_t *r, const char *id, const char *customer_says)
{
    json_t *call = cs_testdata_call(r->ws, id, "2025-10-20T10:00:00Z", "Acme", "acme.com");
    json_t *t = json_object_get(call, "transcript");
    json_array_clear(t);
    json_array_append_new(t, json_pack("{s:s, s:s, s:s, s:i, s:s}", "speaker_id", "1", "speaker",
                                       "Steve", "affiliation", "Internal", "start_ms", 0, "text",
                                       "We also have a great Salesforce integration."));
    json_array_append_new(t, json_pack("{s:s, s:s, s:s, s:i, s:s}", "speaker_id", "2", "speaker",
                                       "Yukta", "affiliation", "External", "start_ms", 4000, "text",
                                       customer_says));
    return call;
}

Test(extractor, offline_extracts_customer_requests_with_themes, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    rig_start(&r, NULL, NULL);
    json_t *call = sales_call(&r, "c1",
                              "We really need a way to sync our tickets with Salesforce. "
                              "Also the export crashes every time we open it.");
    send_call(&r, call);
    json_t *ex = next_extraction(&r, 10000);
    cr_assert(ex, "no extraction");
    json_t *insights = json_object_get(ex, "insights");
    json_t *requests = json_object_get(insights, "feature_requests");
    cr_assert_geq(json_array_size(requests), 1, "%s", json_dumps(insights, 0));
    json_t *fr = json_array_get(requests, 0);
    cr_assert_str_eq(cs_rec_str(fr, "theme"), "Integrations", "%s", json_dumps(fr, 0));
    cr_assert(strstr("We really need a way to sync our tickets with Salesforce. Also the export "
                     "crashes every time we open it.",
                     cs_rec_str(fr, "quote")),
              "the quote is the customer's own words: %s", cs_rec_str(fr, "quote"));
    cr_assert_str_eq(cs_rec_str(json_object_get(ex, "llm"), "provider"), "offline");
    /* what the fetcher sent is still there for the writer, the transcript as it stores it */
    cr_assert_str_eq(cs_rec_str(ex, "external_id"), "c1");
    cr_assert_eq(cs_rec_int(ex, "v", 0), CS_RECORD_VERSION_TEXT);
    cr_assert_null(json_object_get(ex, "transcript"), "the utterances travel no further");
    cr_assert_str_eq(cs_rec_str(ex, "transcript_text"),
                     "Steve: We also have a great Salesforce integration.\n"
                     "Yukta: We really need a way to sync our tickets with Salesforce. Also the "
                     "export crashes every time we open it.\n");
    cr_assert_str_eq(cs_rec_str(json_object_get(ex, "customer"), "name"), "Acme");
    char *log = cs_testproc_log(&r.extractor);
    cr_assert(strstr(log, "OFFLINE"), "the offline fallback must be said loudly:\n%s", log);
    cr_assert(strstr(log, "Loaded 1 themes for AI context"), "%s", log);
    cr_assert(strstr(log, "  - Integrations"), "%s", log);
    free(log);
    json_decref(ex);
    json_decref(call);
    rig_close(&r);
}

Test(extractor, passes_through_unextracted_and_survives_garbage, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    rig_start(&r, NULL, NULL);
    zstr_send(r.push, "not a record");
    json_t *ack = cs_record_new(CS_KIND_ACK); /* a record of the wrong kind */
    json_object_set_new(ack, "workspace_id", json_string(r.ws));
    json_object_set_new(ack, "external_id", json_string("c0"));
    json_object_set_new(ack, "status", json_string("committed"));
    send_call(&r, ack);
    json_decref(ack);
    json_t *call = sales_call(&r, "c2", "We need Salesforce sync.");
    json_object_set_new(call, "flags", json_pack("{s:b}", "extract", 0));
    send_call(&r, call);
    json_t *ex = next_extraction(&r, 10000);
    cr_assert(ex, "the call after the garbage was lost");
    cr_assert_null(json_object_get(ex, "insights"), "extract:false must pass through");
    json_object_set_new(call, "kind", json_string("extraction"));
    cr_assert_eq(cs_transcript_flatten(call), 0);
    cr_assert(json_equal(ex, call), "passed through changed (but for the transcript's form)");
    char *log = cs_testproc_log(&r.extractor);
    cr_assert(strstr(log, "Skipped a malformed record"), "%s", log);
    cr_assert(strstr(log, "Skipped a 'ack' record: the extractor takes call records only"), "%s",
              log);
    free(log);
    json_decref(ex);
    json_decref(call);
    rig_close(&r);
}

Test(extractor, new_theme_is_picked_up_on_notify, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    rig_start(&r, NULL, NULL);
    json_t *call = sales_call(&r, "t1", "We need a dark mode for the dashboard.");
    send_call(&r, call);
    json_t *ex = next_extraction(&r, 10000);
    cr_assert(ex);
    json_decref(ex);
    json_decref(call);

    cs_db_t *db = cs_testdb_connect(&r.db);
    char id[CS_UUID_LEN], err[256];
    cs_uuid_v4(id);
    const char *p[] = {id, r.ws};
    cr_assert_eq(cs_db_command(db,
                               "INSERT INTO themes (id, workspace_id, name, description)"
                               " VALUES ($1, $2, 'Look and Feel', 'Dark mode, themes, layout')",
                               2, p, err, sizeof err),
                 0, "%s", err);
    const char *n[] = {r.ws};
    cr_assert_eq(
        cs_db_command(db, "SELECT pg_notify('callsift_themes', $1)", 1, n, err, sizeof err), 0);
    cs_db_destroy(&db);
    cr_assert(cs_testproc_wait_log(&r.extractor, "changed; reloading", 10000));
    call = sales_call(&r, "t2", "We need a dark mode for the dashboard.");
    send_call(&r, call);
    ex = next_extraction(&r, 10000);
    cr_assert(ex);
    char *log = cs_testproc_log(&r.extractor);
    cr_assert(strstr(log, "Loaded 2 themes for AI context"), "%s", log);
    cr_assert(strstr(log, "  - Look and Feel"), "%s", log);
    free(log);
    json_decref(ex);
    json_decref(call);
    rig_close(&r);
}

Test(extractor_oneshot, jsonl_offline_in_order_with_errors)
{
    char *argv[] = {(char *)cs_testproc_bin("callsift-extractor"), "--jsonl", "--provider",
                    "offline", NULL};
    const char *input =
        "{\"transcript\":[{\"speaker\":\"Ann\",\"affiliation\":\"External\",\"text\":\"We really "
        "need single sign-on with Okta.\"}],\"themes\":[{\"name\":\"Security\",\"description\":"
        "\"SSO, Okta, permissions\"},{\"name\":\"Uncategorized\",\"description\":\"\","
        "\"is_default\":true}],\"customer\":{\"name\":\"Globex\",\"mrr\":8400}}\n"
        "this is not json\n"
        "{\"transcript\":[{\"speaker\":\"Bob\",\"affiliation\":\"External\",\"text\":\"Thanks, "
        "talk soon.\"}]}\n";
    cs_testrun_t run = cs_testproc_run(argv, NULL, input, 20000);
    cr_assert_eq(run.status, 0, "%s", run.err);
    char *save = NULL;
    char *l1 = strtok_r(run.out, "\n", &save);
    char *l2 = strtok_r(NULL, "\n", &save);
    char *l3 = strtok_r(NULL, "\n", &save);
    cr_assert(l1 && l2 && l3, "three lines out: %s", run.out);
    json_t *a = json_loads(l1, 0, NULL), *b = json_loads(l2, 0, NULL), *c = json_loads(l3, 0, NULL);
    cr_assert(a && b && c);
    json_t *fr = json_array_get(json_object_get(a, "feature_requests"), 0);
    cr_assert(fr, "%s", l1);
    cr_assert_str_eq(cs_rec_str(fr, "theme"), "Security", "%s", l1);
    cr_assert(cs_rec_str(b, "error"), "%s", l2);
    cr_assert(strstr(cs_rec_str(b, "error"), "line 2 is not a JSON object: "),
              "the error names its line: %s", l2);
    cr_assert_eq(json_array_size(json_object_get(c, "feature_requests")), 0, "%s", l3);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    cs_testrun_free(&run);
}

/* ---- the openai provider, against the fake OpenAI server ---------------------------------- */

#define GOOD_ANSWER                                                                                \
    "{\"feature_requests\":[{\"title\":\"Salesforce ticket sync\",\"description\":\"Sync "         \
    "tickets with Salesforce\",\"urgency\":\"high\",\"theme\":\"Integrations\",\"quote\":\"We "    \
    "need Salesforce sync.\",\"speaker\":\"Yukta\"},{\"title\":\"Dark mode\",\"description\":"     \
    "\"A dark theme\",\"urgency\":\"low\",\"theme\":\"Look and Feel\",\"quote\":\"I would love "   \
    "a dark mode.\",\"speaker\":\"Yukta\"}],\"bug_reports\":[],\"sentiment\":{\"overall\":"        \
    "\"positive\",\"score\":0.4},\"pain_points\":[\"manual ticket copying\"],\"summary\":"         \
    "\"Yukta wants Salesforce sync.\"}"

static void start_llm(rig_t *r, fake_openai_t *f, const char *concurrency)
{
    char base[160], key_env[] = "OPENAI_API_KEY=sk-test-secret-123";
    snprintf(base, sizeof base, "--openai-base-url=%s", fake_openai_url(f));
    char *args[] = {"--provider", "openai", base, "--concurrency", (char *)concurrency, NULL};
    char *env[] = {key_env, NULL};
    fake_openai_set_api_key(f, "sk-test-secret-123");
    rig_start(r, args, env);
}

Test(extractor_llm, valid_answer_becomes_validated_insights, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    fake_openai_t *f = fake_openai_start();
    fake_openai_answer_t a = {.kind = FAKE_OPENAI_CHAT,
                              .content = GOOD_ANSWER,
                              .prompt_tokens = 1000,
                              .completion_tokens = 200};
    fake_openai_push(f, "/chat/completions", &a);
    start_llm(&r, f, "4");
    json_t *call = sales_call(&r, "l1", "We need Salesforce sync.");
    send_call(&r, call);
    json_t *ex = next_extraction(&r, 15000);
    cr_assert(ex, "no extraction");
    json_t *requests = json_object_get(json_object_get(ex, "insights"), "feature_requests");
    cr_assert_eq(json_array_size(requests), 1, "a request on an invented quote is dropped");
    json_t *first = json_array_get(requests, 0);
    cr_assert_str_eq(cs_rec_str(first, "quote"), "We need Salesforce sync.");
    cr_assert_str_eq(cs_rec_str(first, "theme"), "Integrations");
    json_t *llm = json_object_get(ex, "llm");
    cr_assert_str_eq(cs_rec_str(llm, "provider"), "openai");
    cr_assert_eq(cs_rec_int(llm, "prompt_tokens", 0), 1000);
    cr_assert_eq(cs_rec_int(llm, "completion_tokens", 0), 200);
    /* gpt-4o-mini: $0.15 per million prompt tokens, $0.60 per million completion tokens */
    cr_assert_float_eq(cs_rec_num(llm, "cost_usd", 0), 1000 * 0.15e-6 + 200 * 0.60e-6, 1e-9);

    const fake_openai_request_t *q = fake_openai_last_request(f, "/chat/completions");
    cr_assert(q && q->body);
    cr_assert_str_eq(q->authorization, "Bearer sk-test-secret-123");
    cr_assert_str_eq(cs_rec_str(q->body, "model"), "gpt-4o-mini");
    cr_assert_float_eq(cs_rec_num(q->body, "temperature", 0), 0.3, 1e-9);
    json_t *format = json_object_get(q->body, "response_format");
    cr_assert_str_eq(cs_rec_str(format, "type"), "json_schema");
    cr_assert(json_is_true(json_object_get(json_object_get(format, "json_schema"), "strict")));
    char *body = json_dumps(q->body, 0);
    cr_assert(strstr(body, "Yukta (customer)"), "%s", body);
    cr_assert(strstr(body, "Steve (vendor)"), "%s", body);
    cr_assert(strstr(body, "Integrations"), "the themes are in the prompt");
    free(body);
    char *log = cs_testproc_log(&r.extractor);
    cr_assert_null(strstr(log, "sk-test-secret-123"), "the key reached the log");
    free(log);
    json_decref(ex);
    json_decref(call);
    fake_openai_stop(&f);
    rig_close(&r);
}

Test(extractor_llm, invalid_answers_are_retried_then_recorded_as_error, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    fake_openai_t *f = fake_openai_start();
    fake_openai_answer_t bad = {.kind = FAKE_OPENAI_CHAT, .content = "this is not JSON"};
    fake_openai_answer_t cut = {
        .kind = FAKE_OPENAI_CHAT, .content = "{\"feature_requests\": [", .finish_reason = "length"};
    fake_openai_answer_t good = {.kind = FAKE_OPENAI_CHAT, .content = GOOD_ANSWER};
    /* call 1: invalid, then valid -> insights; call 2: three invalid -> error */
    fake_openai_push(f, "/chat/completions", &bad);
    fake_openai_push(f, "/chat/completions", &good);
    start_llm(&r, f, "1");
    json_t *call = sales_call(&r, "r1", "We need Salesforce sync.");
    send_call(&r, call);
    json_t *ex = next_extraction(&r, 15000);
    cr_assert(ex);
    cr_assert(json_object_get(ex, "insights"), "retried answer should be used");
    cr_assert_eq(cs_rec_int(json_object_get(ex, "llm"), "attempts", 0), 2);
    json_decref(ex);
    json_decref(call);

    fake_openai_push(f, "/chat/completions", &bad);
    fake_openai_push(f, "/chat/completions", &cut);
    fake_openai_push(f, "/chat/completions", &bad);
    call = sales_call(&r, "r2", "We need Salesforce sync.");
    send_call(&r, call);
    ex = next_extraction(&r, 15000);
    cr_assert(ex);
    cr_assert_null(json_object_get(ex, "insights"));
    cr_assert(strstr(cs_rec_str(ex, "error"), "after 3 attempts"), "%s", cs_rec_str(ex, "error"));
    cr_assert_str_eq(cs_rec_str(ex, "error_cause"), "llm_invalid_answer");
    cr_assert_eq(fake_openai_count(f, "/chat/completions"), 5);
    json_decref(ex);
    json_decref(call);
    fake_openai_stop(&f);
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

/* Wait for the extractor to exit by itself; its status (-1 if it still runs after ms). */
static int wait_exit(rig_t *r, int ms)
{
    int64_t deadline = cs_now_ms() + ms;
    while (cs_testproc_alive(&r->extractor) && cs_now_ms() < deadline)
        usleep(50000);
    if (cs_testproc_alive(&r->extractor))
        return -1;
    return cs_testproc_stop(&r->extractor, 1000);
}

/* The rig without the extractor, which has exited (its status checked by the test). */
static void rig_close_exited(rig_t *r)
{
    zsock_destroy(&r->push);
    zsock_destroy(&r->pull);
    cs_testdb_drop(&r->db);
}

Test(extractor_llm, insufficient_quota_passes_the_call_on_and_stops_with_status_3, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    fake_openai_t *f = fake_openai_start();
    fake_openai_answer_t quota = {.kind = FAKE_OPENAI_QUOTA};
    fake_openai_push(f, "/chat/completions", &quota);
    char base[160];
    snprintf(base, sizeof base, "--openai-base-url=%s", fake_openai_url(f));
    char *args[] = {"--provider", "openai", base, "--concurrency", "2", "--permanent-error-hold",
                    "0",          NULL};
    char key_env[] = "OPENAI_API_KEY=sk-test-secret-123";
    char *env[] = {key_env, NULL};
    fake_openai_set_api_key(f, "sk-test-secret-123");
    rig_start(&r, args, env);
    json_t *call = sales_call(&r, "q1", "We need Salesforce sync.");
    send_call(&r, call);
    json_t *ex = next_extraction(&r, 15000);
    cr_assert(ex);
    cr_assert(strstr(cs_rec_str(ex, "error"), "insufficient_quota"), "%s", cs_rec_str(ex, "error"));
    cr_assert_str_eq(cs_rec_str(ex, "error_cause"), "llm_quota");
    cr_assert_eq(fake_openai_count(f, "/chat/completions"), 1, "quota errors are not retried");
    int status = wait_exit(&r, 10000);
    char *log = cs_testproc_log(&r.extractor);
    cr_assert_eq(status, 3, "exit status %d:\n%s", status, log);
    cr_assert_eq(count_of(log, "ERROR"), 1, "one clear line:\n%s", log);
    cr_assert(strstr(log, "check billing"), "%s", log);
    free(log);
    json_decref(ex);
    json_decref(call);
    fake_openai_stop(&f);
    rig_close_exited(&r);
}

Test(extractor_llm, a_wrong_key_passes_the_calls_on_says_why_on_healthz_and_exits_3, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    fake_openai_t *f = fake_openai_start();
    fake_openai_set_api_key(f, "sk-the-right-key");
    char base[160], port_arg[16], health_url[64];
    int port = cs_testhttp_free_port();
    snprintf(port_arg, sizeof port_arg, "%d", port);
    snprintf(health_url, sizeof health_url, "http://127.0.0.1:%d/healthz", port);
    snprintf(base, sizeof base, "--openai-base-url=%s", fake_openai_url(f));
    char *args[] = {"--provider", "openai",
                    base,         "--concurrency",
                    "2",          "--metrics-port",
                    port_arg,     "--permanent-error-hold",
                    "5",          NULL};
    char key_env[] = "OPENAI_API_KEY=sk-a-wrong-key-777";
    char *env[] = {key_env, NULL};
    rig_start(&r, args, env);
    json_t *calls[3];
    for (int i = 0; i < 3; i++) {
        char id[8];
        snprintf(id, sizeof id, "k%d", i);
        calls[i] = sales_call(&r, id, "We need Salesforce sync.");
        send_call(&r, calls[i]);
    }
    json_t *ex = next_extraction(&r, 15000);
    cr_assert(ex, "the call in hand is passed on");
    int got = 0;
    while (ex) {
        got++;
        cr_assert_str_eq(cs_rec_str(ex, "error_cause"), "llm_auth", "%s", cs_rec_str(ex, "error"));
        cr_assert(strstr(cs_rec_str(ex, "error"), "OPENAI_API_KEY"), "%s", cs_rec_str(ex, "error"));
        cr_assert_null(json_object_get(ex, "insights"));
        json_decref(ex);
        ex = next_extraction(&r, 1000);
    }
    cr_assert(cs_testproc_wait_log(&r.extractor, "*** Stopping", 5000), "no stop line");
    long code = 0;
    char *body = cs_testhttp_get(health_url, &code);
    cr_assert_eq(code, 503, "%ld %s", code, body);
    cr_assert(strstr(body, "llm: down: the LLM API refuses the key"), "%s", body);
    cr_assert(strstr(body, "OPENAI_API_KEY"), "%s", body);
    free(body);
    int status = wait_exit(&r, 15000);
    char *log = cs_testproc_log(&r.extractor);
    cr_assert_eq(status, 3, "exit status %d:\n%s", status, log);
    cr_assert_eq(count_of(log, "ERROR"), 1, "one clear line:\n%s", log);
    cr_assert(strstr(log, "check OPENAI_API_KEY"), "%s", log);
    cr_assert_null(strstr(log, "sk-a-wrong-key-777"), "the key reached the log:\n%s", log);
    cr_assert_leq(fake_openai_count(f, "/chat/completions"), 2,
                  "after the first 401 nothing more goes out (2 may have been in flight)");
    cr_assert_geq(got, 1);
    free(log);
    for (int i = 0; i < 3; i++)
        json_decref(calls[i]);
    fake_openai_stop(&f);
    rig_close_exited(&r);
}

Test(extractor_llm, an_unreachable_endpoint_is_llm_unreachable, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    char base[64];
    snprintf(base, sizeof base, "--openai-base-url=http://127.0.0.1:%d/v1",
             cs_testhttp_free_port()); /* nothing listens there */
    char *args[] = {"--provider", "openai", base, NULL};
    char key_env[] = "OPENAI_API_KEY=sk-test-secret-123";
    char *env[] = {key_env, NULL};
    rig_start(&r, args, env);
    json_t *call = sales_call(&r, "u1", "We need Salesforce sync.");
    send_call(&r, call);
    json_t *ex = next_extraction(&r, 30000); /* 5 attempts with backoff */
    cr_assert(ex, "no extraction");
    cr_assert_str_eq(cs_rec_str(ex, "error_cause"), "llm_unreachable", "%s",
                     cs_rec_str(ex, "error"));
    cr_assert(strstr(cs_rec_str(ex, "error"), "gave up after"), "%s", cs_rec_str(ex, "error"));
    json_decref(ex);
    json_decref(call);
    rig_close(&r); /* transient: it goes on, and stops with 0 */
}

Test(extractor_llm, a_retry_after_past_the_budget_stores_the_call_unprocessed_at_once,
     .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    fake_openai_t *f = fake_openai_start();
    fake_openai_answer_t limited = {.kind = FAKE_OPENAI_RATE_LIMIT, .retry_after = "600"};
    fake_openai_answer_t good = {.kind = FAKE_OPENAI_CHAT, .content = GOOD_ANSWER};
    fake_openai_push(f, "/chat/completions", &limited);
    fake_openai_push(f, "/chat/completions", &good);
    start_llm(&r, f, "1");
    json_t *call = sales_call(&r, "ra1", "We need Salesforce sync.");
    int64_t t0 = cs_now_ms();
    send_call(&r, call);
    json_t *ex = next_extraction(&r, 15000);
    cr_assert(ex);
    cr_assert_lt(cs_now_ms() - t0, 5000, "the extractor waited for the Retry-After");
    cr_assert_str_eq(cs_rec_str(ex, "error_cause"), "llm_rate_limited", "%s",
                     cs_rec_str(ex, "error"));
    cr_assert(strstr(cs_rec_str(ex, "error"), "600 s (Retry-After)"), "%s",
              cs_rec_str(ex, "error"));
    cr_assert_null(json_object_get(ex, "insights"));
    json_decref(ex);
    json_decref(call);
    /* not permanent: the next call is extracted */
    call = sales_call(&r, "ra2", "We need Salesforce sync.");
    send_call(&r, call);
    ex = next_extraction(&r, 15000);
    cr_assert(ex);
    cr_assert(json_object_get(ex, "insights"), "%s", cs_rec_str(ex, "error"));
    json_decref(ex);
    json_decref(call);
    fake_openai_stop(&f);
    rig_close(&r);
}

static int slow_good(void *arg, const char *path, const json_t *request, fake_openai_answer_t *a)
{
    (void)arg;
    (void)request;
    if (strcmp(path, "/chat/completions") != 0)
        return -1;
    a->kind = FAKE_OPENAI_CHAT;
    a->content = GOOD_ANSWER;
    a->delay_ms = 600;
    return 0;
}

Test(extractor_llm, requests_overlap_up_to_the_concurrency, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    fake_openai_t *f = fake_openai_start();
    fake_openai_set_responder(f, slow_good, NULL);
    start_llm(&r, f, "4");
    for (int i = 0; i < 4; i++) {
        char id[16];
        snprintf(id, sizeof id, "p%d", i);
        json_t *call = sales_call(&r, id, "We need Salesforce sync.");
        send_call(&r, call);
        json_decref(call);
    }
    int64_t t0 = cs_now_ms();
    for (int i = 0; i < 4; i++) {
        json_t *ex = next_extraction(&r, 15000);
        cr_assert(ex, "extraction %d missing", i);
        json_decref(ex);
    }
    cr_assert_eq(fake_openai_max_in_progress(f), 4, "4 requests must be in flight at once");
    cr_assert_lt(cs_now_ms() - t0, 4 * 600, "serial, not concurrent");
    fake_openai_stop(&f);
    rig_close(&r);
}

/* The rep's own pitch quoted as the customer's request, as models do. */
#define REP_QUOTED_ANSWER                                                                          \
    "{\"feature_requests\":[{\"title\":\"Salesforce integration\",\"description\":\"A CRM "        \
    "integration\",\"urgency\":\"high\",\"theme\":\"Integrations\",\"quote\":\"We also have a "    \
    "great Salesforce integration.\",\"speaker\":\"Yukta\",\"context\":null,\"confidence\":0.8}]," \
    "\"bug_reports\":[],\"sentiment\":{\"overall\":\"neutral\",\"score\":0},\"pain_points\":[],"   \
    "\"summary\":\"A demo.\",\"language\":\"en\"}"

Test(extractor_llm, a_request_quoting_the_rep_is_dropped_and_counted, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    fake_openai_t *f = fake_openai_start();
    fake_openai_answer_t a = {.kind = FAKE_OPENAI_CHAT, .content = REP_QUOTED_ANSWER};
    fake_openai_push(f, "/chat/completions", &a);
    char base[160], port_arg[16], metrics_url[64], key_env[] = "OPENAI_API_KEY=sk-test-secret-123";
    int port = cs_testhttp_free_port();
    snprintf(port_arg, sizeof port_arg, "%d", port);
    snprintf(metrics_url, sizeof metrics_url, "http://127.0.0.1:%d/metrics", port);
    snprintf(base, sizeof base, "--openai-base-url=%s", fake_openai_url(f));
    char *args[] = {"--provider", "openai", base, "--metrics-port", port_arg, NULL};
    char *env[] = {key_env, NULL};
    fake_openai_set_api_key(f, "sk-test-secret-123");
    rig_start(&r, args, env);
    json_t *call = sales_call(&r, "rep", "Sounds good, go on.");
    send_call(&r, call);
    json_t *ex = next_extraction(&r, 15000);
    cr_assert(ex, "no extraction");
    json_t *insights = json_object_get(ex, "insights");
    cr_assert_eq(json_array_size(json_object_get(insights, "feature_requests")), 0,
                 "the rep's words are no customer's request");
    cr_assert_str_eq(cs_rec_str(insights, "language"), "en");
    long code = 0;
    char *text = cs_testhttp_get(metrics_url, &code);
    cr_assert_eq(code, 200);
    cr_assert_float_eq(
        cs_testhttp_metric(
            text, "callsift_extractor_requests_dropped_total{reason=\"quote_not_customer\"}"),
        1, 1e-9, "%s", text);
    cr_assert_float_eq(cs_testhttp_metric(text, "callsift_feature_requests_extracted_total"), 0,
                       1e-9);
    free(text);
    int status = cs_testproc_stop(&r.extractor, 10000);
    char *log = cs_testproc_log(&r.extractor);
    cr_assert_eq(status, 0, "%s", log);
    cr_assert(strstr(log, "Dropped 1 feature requests from call"), "%s", log);
    cr_assert(strstr(log, "- INFO - Extracted 0 features, 0 bugs from call: "), "%s", log);
    cr_assert(strstr(log, "1 requests dropped (quote not a customer's words)"),
              "the run summary counts it:\n%s", log);
    free(log);
    json_decref(ex);
    json_decref(call);
    fake_openai_stop(&f);
    zsock_destroy(&r.push);
    zsock_destroy(&r.pull);
    cs_testdb_drop(&r.db);
}

static int always_good(void *arg, const char *path, const json_t *request, fake_openai_answer_t *a)
{
    (void)arg;
    (void)request;
    if (strcmp(path, "/chat/completions") != 0)
        return -1;
    a->kind = FAKE_OPENAI_CHAT;
    a->content = GOOD_ANSWER;
    return 0;
}

Test(extractor_llm, long_call_is_asked_in_chunks_and_merged, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    fake_openai_t *f = fake_openai_start();
    fake_openai_set_responder(f, always_good, NULL);
    char base[160], key_env[] = "OPENAI_API_KEY=sk-test-secret-123";
    snprintf(base, sizeof base, "--openai-base-url=%s", fake_openai_url(f));
    /* the whole transcript: by default the vendor's monologue below would be left out of the
       prompt (cs_prompt_focus.h), and the call would fit one request */
    char *args[] = {"--provider", "openai",           base, "--max-input-tokens",
                    "500",        "--vendor-context", "-1", NULL};
    char *env[] = {key_env, NULL};
    rig_start(&r, args, env);
    json_t *call = sales_call(&r, "long", "We need Salesforce sync.");
    json_t *t = json_object_get(call, "transcript");
    for (int i = 0; i < 60; i++) /* about 3,000 tokens of talk */
        json_array_append_new(t, json_pack("{s:s, s:s, s:s, s:i, s:s}", "speaker_id", "1",
                                           "speaker", "Steve", "affiliation", "Internal",
                                           "start_ms", 10000 + i * 5000, "text",
                                           "Let me walk you through how routing rules, queues and "
                                           "escalations work in the admin console today."));
    send_call(&r, call);
    json_t *ex = next_extraction(&r, 15000);
    cr_assert(ex);
    size_t asked = fake_openai_count(f, "/chat/completions");
    cr_assert_gt(asked, 2, "a long call is asked in parts (%zu requests)", asked);
    json_t *requests = json_object_get(json_object_get(ex, "insights"), "feature_requests");
    cr_assert_eq(json_array_size(requests), 1, "the parts' answers merge without repeats");
    cr_assert_eq(cs_rec_int(json_object_get(ex, "llm"), "attempts", 0), (long long)asked);
    json_decref(ex);
    json_decref(call);
    fake_openai_stop(&f);
    rig_close(&r);
}

Test(extractor_oneshot, workspace_themes_from_the_database)
{
    rig_t r = {0};
    rig_open(&r);
    char *argv[] = {(char *)cs_testproc_bin("callsift-extractor"),
                    "--jsonl",
                    "--provider",
                    "offline",
                    "--workspace-id",
                    r.ws,
                    NULL};
    char *env[] = {r.env_db, NULL};
    const char *input = "{\"transcript\":[{\"speaker\":\"Ann\",\"affiliation\":\"External\","
                        "\"text\":\"We really need integrations with third-party tools.\"}]}\n";
    cs_testrun_t run = cs_testproc_run(argv, env, input, 20000);
    cr_assert_eq(run.status, 0, "%s", run.err);
    json_t *a = json_loads(run.out, JSON_DISABLE_EOF_CHECK, NULL);
    json_t *fr = json_array_get(json_object_get(a, "feature_requests"), 0);
    cr_assert(fr, "%s", run.out);
    cr_assert_str_eq(cs_rec_str(fr, "theme"), "Integrations", "the workspace's theme: %s", run.out);
    cr_assert(strstr(run.err, "Loaded 1 themes for AI context"), "%s", run.err);
    json_decref(a);
    cs_testrun_free(&run);
    zsock_destroy(&r.push);
    zsock_destroy(&r.pull);
    cs_testdb_drop(&r.db);
}
