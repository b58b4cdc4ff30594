/* A backfill through the Batch API, end to end: the fetcher replaying a file, an extractor with
   --llm-batch asking the fake OpenAI server's /files and /batches (over HTTP, in this process),
   the offline matcher and the writer, on a PostgreSQL of the test's own. Every call stored and
   processed once, no request sent to /chat/completions, every batch line sent once, the cost at
   the Batch API's half price, the batch tokens in the extractor's closing line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cs_db.h"
#include "cs_record.h"
#include "cs_testcli.h"
#include "cs_testdb.h"
#include "cs_testproc.h"
#include "cs_util.h"
#include "cs_uuid.h"
#include "fake_openai.h"

#define CALLS 6
#define KEY   "sk-batch-pipeline-1"

/* A valid answer quoting the customer of every call below. */
#define ANSWER                                                                                     \
    "{\"feature_requests\":[{\"title\":\"Salesforce integration\",\"description\":\"Sync "         \
    "tickets with Salesforce.\",\"urgency\":\"high\",\"theme\":null,\"quote\":\"We need a "        \
    "Salesforce integration for our tickets.\",\"speaker\":\"Yukta\",\"context\":null,"            \
    "\"confidence\":0.9}],\"bug_reports\":[],\"sentiment\":{\"overall\":\"positive\",\"score\":"   \
    "0.4},\"pain_points\":[],\"summary\":\"Yukta wants a Salesforce integration.\","               \
    "\"language\":\"en\"}"

typedef struct {
    char ws[CS_UUID_LEN];
    char ep[4][64]; /* calls, extractions, decisions, acks */
    char replay[128], state[128];
    fake_openai_t *llm;
    cs_testproc_t writer, matcher, extractor, fetcher;
} rig_t;

static int s_good(void *arg, const char *path, const json_t *request, fake_openai_answer_t *a)
{
    (void)arg;
    (void)request;
    if (strcmp(path, "/chat/completions") != 0)
        return -1;
    a->kind = FAKE_OPENAI_CHAT; /* tokens estimated, cached tokens as the fake's cache says */
    a->content = ANSWER;
    return 0;
}

static void s_write_replay(const char *path)
{
    FILE *f = fopen(path, "w");
    cr_assert(f);
    for (int i = 0; i < CALLS; i++) {
        char id[16], title[32];
        snprintf(id, sizeof id, "%d", 8000 + i);
        snprintf(title, sizeof title, "Backfill %d | Acme", i);
        json_t *c = json_pack(
            "{s:{s:s, s:s, s:s, s:i, s:s, s:b}, s:[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}],"
            " s:{s:s, s:[{s:s, s:[{s:i, s:s}]}, {s:s, s:[{s:i, s:s}]}]}}",
            "metaData", "id", id, "title", title, "started", "2025-10-20T10:00:00Z", "duration",
            900, "url", "https://app.gong.io/call?id=1", "isPrivate", 0, "parties", "speakerId",
            "s1", "name", "Steve", "emailAddress", "steve@vendor.example", "affiliation",
            "Internal", "speakerId", "s2", "name", "Yukta", "emailAddress", "yukta@acme.example",
            "affiliation", "External", "transcript", "callId", id, "transcript", "speakerId", "s1",
            "sentences", "start", 0, "text", "What would make this better for you?", "speakerId",
            "s2", "sentences", "start", 3000, "text",
            "We need a Salesforce integration for our tickets.");
        char *line = json_dumps(c, JSON_COMPACT);
        fprintf(f, "%s\n", line);
        free(line);
        json_decref(c);
    }
    fclose(f);
}

static void s_start(cs_testproc_t *p, char **argv, const char *ready)
{
    char *env[] = {(char *)cs_testcli_env_db(), "OPENAI_API_KEY=" KEY, NULL};
    cs_testproc_start(p, argv, env);
    if (ready) {
        bool up = cs_testproc_wait_log(p, ready, 20000);
        char *log = up ? NULL : cs_testproc_log(p);
        cr_assert(up, "%s did not start:\n%s", argv[0], log);
    }
}

static void s_start_extractor(rig_t *r)
{
    char base[160], calls[96], extractions[96];
    snprintf(base, sizeof base, "--openai-base-url=%s", fake_openai_url(r->llm));
    snprintf(calls, sizeof calls, "--calls-endpoint=%s", r->ep[0]);
    snprintf(extractions, sizeof extractions, "--extractions-endpoint=%s", r->ep[1]);
    char *argv[] = {(char *)cs_testproc_bin("callsift-extractor"),
                    "--provider",
                    "openai",
                    "--model",
                    "gpt-4o-mini",
                    base,
                    "--llm-batch",
                    "--batch-size",
                    "4",
                    "--batch-wait",
                    "0.2",
                    "--batch-poll",
                    "0.1",
                    "--batch-state",
                    r->state,
                    calls,
                    extractions,
                    NULL};
    s_start(&r->extractor, argv, "Extractor ready");
}

/* The workspace (with these `callsift workspace create` flags) and every stage but the fetcher;
   the extractor with --llm-batch. */
static void s_open(rig_t *r, const char *const *create)
{
    cs_testcli_setup(true);
    const char *args[8] = {"workspace", "create", "--name", "Acme"};
    int n = 4;
    for (; create && *create; create++)
        args[n++] = *create;
    char *id = cs_testcli_ok_value(
        cs_testcli_run(args[0], args[1], args[2], args[3], args[4], args[5], (const char *)NULL));
    cs_strlcpy(r->ws, id, sizeof r->ws);
    free(id);
    for (int i = 0; i < 4; i++)
        cs_testproc_free_endpoint(r->ep[i], sizeof r->ep[i]);
    snprintf(r->replay, sizeof r->replay, "/tmp/cs_batch_pipeline_%d.jsonl", (int)getpid());
    snprintf(r->state, sizeof r->state, "/tmp/cs_batch_pipeline_%d.state", (int)getpid());
    unlink(r->state);
    s_write_replay(r->replay);
    r->llm = fake_openai_start();
    cr_assert(r->llm);
    fake_openai_set_api_key(r->llm, KEY);
    fake_openai_set_responder(r->llm, s_good, NULL);
    char *writer[] = {(char *)cs_testproc_bin("callsift-writer"),
                      "--decisions-endpoint",
                      r->ep[2],
                      "--acks-endpoint",
                      r->ep[3],
                      NULL};
    s_start(&r->writer, writer, "Writer ready");
    char *matcher[] = {(char *)cs_testproc_bin("callsift-matcher"),
                       "--provider",
                       "offline",
                       "--vectors",
                       "offline",
                       "--extractions-endpoint",
                       r->ep[1],
                       "--decisions-endpoint",
                       r->ep[2],
                       NULL};
    s_start(&r->matcher, matcher, "Matcher ready");
    s_start_extractor(r);
}

/* One fetcher run over the replay file (with --reprocess when `again`): its exit status, and
   its log into *log (the caller frees). */
static int s_fetch(rig_t *r, bool again, char **log)
{
    char *argv[] = {(char *)cs_testproc_bin("callsift-fetcher"),
                    "--workspace-id",
                    r->ws,
                    "--replay",
                    r->replay,
                    "--calls-endpoint",
                    r->ep[0],
                    "--acks-endpoint",
                    r->ep[3],
                    "--ack-timeout",
                    "60",
                    again ? "--reprocess" : NULL,
                    NULL};
    s_start(&r->fetcher, argv, NULL);
    int64_t deadline = cs_now_ms() + 60000;
    while (cs_testproc_alive(&r->fetcher) && cs_now_ms() < deadline)
        usleep(50000);
    int status = cs_testproc_stop(&r->fetcher, 1000);
    *log = cs_testproc_log(&r->fetcher);
    return status;
}

/* Stop the extractor (SIGTERM): its log (the caller frees). */
static char *s_stop_extractor(rig_t *r)
{
    int status = cs_testproc_stop(&r->extractor, 10000);
    char *log = cs_testproc_log(&r->extractor);
    cr_expect_eq(status, 0, "extractor exit %d:\n%s", status, log);
    return log;
}

static void s_close(rig_t *r)
{
    if (cs_testproc_alive(&r->extractor))
        free(s_stop_extractor(r));
    cs_testproc_t *rest[] = {&r->matcher, &r->writer};
    for (int i = 0; i < 2; i++) {
        int status = cs_testproc_stop(rest[i], 10000);
        char *log = status ? cs_testproc_log(rest[i]) : NULL;
        cr_expect_eq(status, 0, "exit %d:\n%s", status, log); /* sanitizer builds: no leak */
        free(log);
    }
    fake_openai_stop(&r->llm);
    unlink(r->replay);
    unlink(r->state);
    cs_testcli_teardown();
}

static long long s_q(const char *sql, const char *p1)
{
    return cs_testcli_query_ll(sql, p1, NULL);
}

Test(pipeline_batch, a_backfill_through_the_batch_api_stores_every_call_once, .timeout = 180)
{
    rig_t r = {0};
    s_open(&r, NULL);
    char *log = NULL;
    int status = s_fetch(&r, false, &log);
    cr_assert_eq(status, 0, "exit %d\n%s", status, log);
    cr_assert(strstr(log, "✅ Successfully ingested"), "%s", log);
    free(log);
    cr_assert_eq(
        s_q("SELECT count(*) FROM messages WHERE workspace_id = $1 AND is_processed", r.ws), CALLS);
    cr_assert_eq(s_q("SELECT count(*) FROM match_decisions WHERE workspace_id = $1", r.ws), CALLS,
                 "one decision per call");
    cr_assert_eq(s_q("SELECT mention_count FROM features WHERE workspace_id = $1", r.ws), CALLS);
    cr_assert_eq(fake_openai_count(r.llm, "/chat/completions"), 0, "nothing went direct");
    cr_assert_eq(fake_openai_batch_lines(r.llm, NULL), CALLS, "each call sent once");
    cr_assert_eq(fake_openai_batch_max_lines(r.llm), 1);
    cr_assert_geq(fake_openai_batch_count(r.llm), 2, "--batch-size 4: at least two batches");
    /* half price: what a call's tokens cost at gpt-4o-mini's prices, halved */
    cr_assert_eq(s_q("SELECT count(*) FROM messages WHERE workspace_id = $1 AND abs("
                     "(llm_usage->>'cost_usd')::numeric - ((llm_usage->>'prompt_tokens')::numeric"
                     " - (llm_usage->>'cached_tokens')::numeric) * 0.075e-6 - (llm_usage->>"
                     "'cached_tokens')::numeric * 0.0375e-6 - (llm_usage->>'completion_tokens')"
                     "::numeric * 0.30e-6) < 1e-9",
                     r.ws),
                 CALLS);
    log = s_stop_extractor(&r);
    cr_assert(strstr(log, "Of these through the Batch API:"), "%s", log);
    free(log);
    s_close(&r);
}
