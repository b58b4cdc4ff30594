/* callsift-extractor --llm-batch as a process: the test plays the fetcher (PUSH calls) and the
   matcher (PULL extractions), with a real PostgreSQL for the themes and the fake OpenAI server's
   Batch API. Answers go through the same validation as direct ones; a line that keeps failing
   ends as a call stored unprocessed with its cause; a kill -9 after the batch is created and a
   new extractor on the same state file deliver every call once, no line sent twice. No timing
   is asserted: waits are upper bounds for a result. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cs_extract_batch.h"
#include "cs_record.h"
#include "cs_sock.h"
#include "cs_testdata.h"
#include "cs_testdb.h"
#include "cs_testproc.h"
#include "cs_testsock.h"
#include "cs_util.h"
#include "cs_uuid.h"
#include "fake_openai.h"

#define KEY "sk-test-batch-secret-123"

#define GOOD_ANSWER                                                                                \
    "{\"feature_requests\":[{\"title\":\"Salesforce ticket sync\",\"description\":\"Sync "         \
    "tickets with Salesforce\",\"urgency\":\"high\",\"theme\":\"Integrations\",\"quote\":\"We "    \
    "need Salesforce sync.\",\"speaker\":\"Yukta\"},{\"title\":\"Dark mode\",\"description\":"     \
    "\"A dark theme\",\"urgency\":\"low\",\"theme\":\"Look and Feel\",\"quote\":\"I would love "   \
    "a dark mode.\",\"speaker\":\"Yukta\"}],\"bug_reports\":[],\"sentiment\":{\"overall\":"        \
    "\"positive\",\"score\":0.4},\"pain_points\":[\"manual ticket copying\"],\"summary\":"         \
    "\"Yukta wants Salesforce sync.\"}"

typedef struct {
    cs_testdb_t db;
    char ws[CS_UUID_LEN], dflt[CS_UUID_LEN], theme[CS_UUID_LEN];
    zsock_t *push, *pull;
    char calls_ep[64], extractions_ep[64];
    char env_db[1100], state[96], base[160];
    cs_testproc_t extractor;
    fake_openai_t *f;
    atomic_int bad_left; /* the responder's invalid answers still to give */
} rig_t;

/* Every batch line: the good answer (1000 + 200 tokens), or an invalid one while bad_left. */
static int s_responder(void *arg, const char *path, const json_t *request,
                       fake_openai_answer_t *answer)
{
    (void)path;
    (void)request;
    rig_t *r = arg;
    answer->kind = FAKE_OPENAI_CHAT;
    answer->content = atomic_fetch_sub(&r->bad_left, 1) > 0 ? "this is not JSON" : GOOD_ANSWER;
    answer->prompt_tokens = 1000;
    answer->completion_tokens = 200;
    return 0;
}

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
    r->f = fake_openai_start();
    cr_assert_not_null(r->f);
    fake_openai_set_api_key(r->f, KEY);
    fake_openai_set_responder(r->f, s_responder, r);
    snprintf(r->base, sizeof r->base, "--openai-base-url=%s", fake_openai_url(r->f));
    snprintf(r->state, sizeof r->state, "/tmp/test_extractor_batch_%d.json", (int)getpid());
    unlink(r->state);
}

static void rig_start_key(rig_t *r, const char *rounds, const char *key);

static void rig_start(rig_t *r, const char *rounds)
{
    rig_start_key(r, rounds, KEY);
}

static void rig_start_key(rig_t *r, const char *rounds, const char *key)
{
    char *argv[] = {(char *)cs_testproc_bin("callsift-extractor"),
                    "--calls-endpoint",
                    r->calls_ep,
                    "--extractions-endpoint",
                    r->extractions_ep,
                    "--provider",
                    "openai",
                    r->base,
                    "--llm-batch",
                    "--batch-size",
                    "2",
                    "--batch-wait",
                    "0.05",
                    "--batch-poll",
                    "0.05",
                    "--batch-rounds",
                    (char *)rounds,
                    "--batch-state",
                    r->state,
                    "--permanent-error-hold",
                    "0.1",
                    NULL};
    char key_env[128];
    snprintf(key_env, sizeof key_env, "OPENAI_API_KEY=%s", key);
    char *env[] = {r->env_db, key_env, NULL};
    cs_testproc_start(&r->extractor, argv, env);
    cr_assert(cs_testproc_wait_log(&r->extractor, "Extractor ready", 20000), "did not start");
}

static void rig_close(rig_t *r)
{
    if (cs_testproc_alive(&r->extractor)) {
        int status = cs_testproc_stop(&r->extractor, 10000);
        char *log = cs_testproc_log(&r->extractor);
        cr_expect_eq(status, 0, "extractor exit %d\n%s", status, log);
        cr_expect_null(strstr(log, KEY), "the key reached the log");
        free(log);
    }
    fake_openai_stop(&r->f);
    zsock_destroy(&r->push);
    zsock_destroy(&r->pull);
    unlink(r->state);
    cs_testdb_drop(&r->db);
}

static void send_call(rig_t *r, json_t *call)
{
    cs_testsock_send(r->push, call, 50);
}

static json_t *next_extraction(rig_t *r, int ms)
{
    return cs_testsock_recv(r->pull, ms, NULL);
}

static json_t *sales_call(rig_t *r, const char *id)
{
    json_t *call = cs_testdata_call(r->ws, id, "2025-10-20T10:00:00Z", "Acme", "acme.com");
    json_t *t = json_object_get(call, "transcript");
    json_array_clear(t);
    json_array_append_new(t, json_pack("{s:s, s:s, s:s, s:i, s:s}", "speaker_id", "1", "speaker",
                                       "Steve", "affiliation", "Internal", "start_ms", 0, "text",
                                       "We also have a great Salesforce integration."));
    json_array_append_new(t, json_pack("{s:s, s:s, s:s, s:i, s:s}", "speaker_id", "2", "speaker",
                                       "Yukta", "affiliation", "External", "start_ms", 4000, "text",
                                       "We need Salesforce sync."));
    return call;
}

static char *s_custom_id(json_t *call, int attempt)
{
    return cs_extract_batch_id(call, 0, 1, attempt);
}

Test(extractor_batch, answers_are_validated_and_priced_at_half, .timeout = 90)
{
    rig_t r = {0};
    rig_open(&r);
    rig_start(&r, "3");
    json_t *calls[3] = {sales_call(&r, "b1"), sales_call(&r, "b2"), sales_call(&r, "b3")};
    for (int i = 0; i < 3; i++)
        send_call(&r, calls[i]);
    for (int i = 0; i < 3; i++) {
        json_t *ex = next_extraction(&r, 30000);
        cr_assert(ex, "extraction %d did not come", i);
        json_t *requests = json_object_get(json_object_get(ex, "insights"), "feature_requests");
        cr_assert_eq(json_array_size(requests), 1, "validated: the invented quote is dropped");
        json_t *llm = json_object_get(ex, "llm");
        cr_assert_eq(cs_rec_int(llm, "prompt_tokens", 0), 1000);
        /* gpt-4o-mini at $0.15 / $0.60 per million tokens, halved by the Batch API */
        cr_assert_float_eq(cs_rec_num(llm, "cost_usd", 0), (1000 * 0.15e-6 + 200 * 0.60e-6) / 2,
                           1e-9);
        json_decref(ex);
    }
    cr_assert_eq(fake_openai_count(r.f, "/chat/completions"), 0, "nothing went direct");
    cr_assert_eq(fake_openai_batch_lines(r.f, NULL), 3);
    cr_assert_eq(fake_openai_batch_max_lines(r.f), 1);
    for (int i = 0; i < 3; i++) {
        char *id = s_custom_id(calls[i], 1);
        cr_assert_eq(fake_openai_batch_lines(r.f, id), 1, "%s", id);
        free(id);
        json_decref(calls[i]);
    }
    cr_assert_eq(cs_testproc_stop(&r.extractor, 10000), 0);
    char *log = cs_testproc_log(&r.extractor);
    cr_assert(strstr(log, "Of these through the Batch API: 3000 prompt + 600 completion tokens"),
              "%s", log);
    free(log);
    rig_close(&r);
}

Test(extractor_batch, an_invalid_answer_is_asked_again_in_a_later_batch, .timeout = 90)
{
    rig_t r = {0};
    rig_open(&r);
    atomic_store(&r.bad_left, 1);
    rig_start(&r, "3");
    json_t *call = sales_call(&r, "inv1");
    send_call(&r, call);
    json_t *ex = next_extraction(&r, 30000);
    cr_assert(ex, "no extraction");
    cr_assert_null(cs_rec_str(ex, "error"), "%s", cs_rec_str(ex, "error"));
    cr_assert_eq(
        json_array_size(json_object_get(json_object_get(ex, "insights"), "feature_requests")), 1);
    cr_assert_eq(fake_openai_batch_count(r.f), 2, "attempt 2 went in a second batch");
    char *a2 = s_custom_id(call, 2);
    cr_assert_eq(fake_openai_batch_lines(r.f, a2), 1);
    free(a2);
    json_decref(ex);
    json_decref(call);
    rig_close(&r);
}

Test(extractor_batch, a_line_failing_past_the_bound_is_stored_unprocessed, .timeout = 90)
{
    rig_t r = {0};
    rig_open(&r);
    json_t *call = sales_call(&r, "fail1");
    char *id = s_custom_id(call, 1);
    fake_openai_batch_fail(r.f, id, 10, 503);
    rig_start(&r, "2");
    send_call(&r, call);
    json_t *ex = next_extraction(&r, 30000);
    cr_assert(ex, "no extraction");
    cr_assert_not_null(cs_rec_str(ex, "error"), "the call comes out, with its error");
    cr_assert_str_eq(cs_rec_str(ex, "error_cause"), CS_CAUSE_LLM_UNREACHABLE);
    cr_assert_null(json_object_get(ex, "insights"));
    cr_assert_eq(fake_openai_batch_lines(r.f, id), 2, "--batch-rounds 2");
    free(id);
    json_decref(ex);
    json_decref(call);
    rig_close(&r);
}

Test(extractor_batch, a_restart_mid_batch_delivers_every_call_once, .timeout = 120)
{
    rig_t r = {0};
    rig_open(&r);
    fake_openai_batch_polls(r.f, 1000000000); /* not before the kill */
    rig_start(&r, "3");
    json_t *calls[2] = {sales_call(&r, "r1"), sales_call(&r, "r2")};
    for (int i = 0; i < 2; i++)
        send_call(&r, calls[i]);
    cr_assert(cs_testproc_wait_log(&r.extractor, "Sent batch", 30000), "no batch sent");
    cs_testproc_kill(&r.extractor);
    cr_assert_eq(fake_openai_batch_count(r.f), 1);

    fake_openai_batch_polls(r.f, 0); /* it ends while no extractor runs */
    rig_start(&r, "3");
    cr_assert(cs_testproc_wait_log(&r.extractor, "Resuming batch", 20000));
    for (int i = 0; i < 2; i++) /* the fetcher's redelivery: the calls were never acked */
        send_call(&r, calls[i]);
    for (int i = 0; i < 2; i++) {
        json_t *ex = next_extraction(&r, 30000);
        cr_assert(ex, "extraction %d did not come", i);
        cr_assert_null(cs_rec_str(ex, "error"), "%s", cs_rec_str(ex, "error"));
        cr_assert_eq(
            json_array_size(json_object_get(json_object_get(ex, "insights"), "feature_requests")),
            1);
        json_decref(ex);
    }
    json_t *extra = next_extraction(&r, 500);
    cr_assert_null(extra, "a call came out twice");
    cr_assert_eq(fake_openai_batch_count(r.f), 1, "no second batch");
    cr_assert_eq(fake_openai_batch_max_lines(r.f), 1, "no line sent twice");
    cr_assert_eq(fake_openai_batch_lines(r.f, NULL), 2);
    for (int i = 0; i < 2; i++)
        json_decref(calls[i]);
    rig_close(&r);
}

Test(extractor_batch, a_wrong_key_passes_the_call_on_and_exits_3, .timeout = 90)
{
    rig_t r = {0};
    rig_open(&r);
    rig_start_key(&r, "3", "sk-a-wrong-batch-key-777");
    json_t *call = sales_call(&r, "key1");
    send_call(&r, call);
    json_t *ex = next_extraction(&r, 30000);
    cr_assert(ex, "the call in hand is passed on");
    cr_assert_str_eq(cs_rec_str(ex, "error_cause"), CS_CAUSE_LLM_AUTH, "%s",
                     cs_rec_str(ex, "error"));
    cr_assert(strstr(cs_rec_str(ex, "error"), "OPENAI_API_KEY"), "%s", cs_rec_str(ex, "error"));
    for (int i = 0; i < 300 && cs_testproc_alive(&r.extractor); i++)
        usleep(50000);
    int status = cs_testproc_stop(&r.extractor, 1000);
    char *log = cs_testproc_log(&r.extractor);
    cr_assert_eq(status, 3, "exit status %d:\n%s", status, log);
    cr_assert_null(strstr(log, "sk-a-wrong-batch-key-777"), "the key reached the log:\n%s", log);
    cr_assert_eq(fake_openai_batch_count(r.f), 0, "no batch was created");
    free(log);
    json_decref(ex);
    json_decref(call);
    rig_close(&r);
}
