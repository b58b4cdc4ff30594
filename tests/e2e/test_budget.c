/* LLM budgets through the real stages: the fetcher replaying a file, an extractor asking the
   fake OpenAI server (over HTTP, in this process), the offline matcher and the writer, on a
   PostgreSQL of the test's own.

     a_runs_budget_holds_the_rest_and_a_later_run_processes_them: the extractor's --budget-usd
       lets some calls through and holds the rest (cause budget, stored unprocessed), the
       fetcher's run ends with exit 3 naming the cause, the extractor says how many it held;
       an extractor with budget then takes `--reprocess`: every call processed, none lost, none
       asked of the LLM twice, none linked twice.
     a_workspaces_monthly_budget_holds_calls_until_the_month_is_over: the same with the
       workspace's monthly budget (set by `callsift workspace create --monthly-budget-usd`),
       shown by `callsift workspace list`; the month's spend moved to the month before (and the
       extractor started again, as after a month's end), `--reprocess` processes the rest.
     jsonl_lines_past_the_runs_budget_say_so_and_the_exit_status_is_4: the one-shot mode. */
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
#define KEY   "sk-budget-test-1"

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
    char replay[128];
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
        snprintf(title, sizeof title, "Budget %d | Acme", i);
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

static void s_start_extractor(rig_t *r, const char *budget)
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
                    "--concurrency",
                    "1",
                    "--budget-usd",
                    (char *)budget,
                    calls,
                    extractions,
                    NULL};
    s_start(&r->extractor, argv, "Extractor ready");
}

/* The workspace (with these `callsift workspace create` flags) and every stage but the fetcher;
   the extractor with --budget-usd `budget`. */
static void s_open(rig_t *r, const char *budget, const char *const *create)
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
    snprintf(r->replay, sizeof r->replay, "/tmp/cs_budget_%d.jsonl", (int)getpid());
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
    s_start_extractor(r, budget);
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
                    "20",
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
    cs_testcli_teardown();
}

static long long s_q(const char *sql, const char *p1)
{
    return cs_testcli_query_ll(sql, p1, NULL);
}

/* After the run that held calls: some processed, the rest stored unprocessed for the budget,
   each processed one asked once. Returns how many were processed. */
static long long s_expect_held(rig_t *r, int status, const char *log, const char *cap)
{
    cr_assert_eq(status, 3, "the run is partial: exit %d\n%s", status, log);
    cr_assert_null(strstr(log, "✅"), "%s", log);
    cr_assert(strstr(log, "Main cause: budget"), "%s", log);
    cr_assert(strstr(log, cap), "the example error names the cap (%s):\n%s", cap, log);
    long long stored = s_q("SELECT count(*) FROM messages WHERE workspace_id = $1", r->ws);
    long long done =
        s_q("SELECT count(*) FROM messages WHERE workspace_id = $1 AND is_processed", r->ws);
    long long held = s_q("SELECT count(*) FROM messages WHERE workspace_id = $1 AND NOT "
                         "is_processed AND error LIKE 'held for the LLM budget:%'",
                         r->ws);
    cr_assert_eq(stored, CALLS, "nothing lost:\n%s", log);
    cr_assert_geq(done, 1, "the budget lets the first call through");
    cr_assert_geq(held, 1, "the budget holds the last ones");
    cr_assert_eq(done + held, CALLS);
    cr_assert_eq((long long)fake_openai_count(r->llm, "/chat/completions"), done,
                 "a held call is never asked");
    cr_log_info("%lld of %d calls processed, %lld held", done, CALLS, held);
    return done;
}

/* After the run with budget: everything processed, asked once and linked once. */
static void s_expect_all_done(rig_t *r, int status, const char *log)
{
    cr_assert_eq(status, 0, "exit %d\n%s", status, log);
    cr_assert(strstr(log, "✅ Successfully ingested"), "%s", log);
    cr_assert_eq(
        s_q("SELECT count(*) FROM messages WHERE workspace_id = $1 AND is_processed", r->ws),
        CALLS);
    cr_assert_eq(s_q("SELECT count(*) FROM messages WHERE workspace_id = $1", r->ws), CALLS);
    cr_assert_eq(fake_openai_count(r->llm, "/chat/completions"), CALLS,
                 "no call was asked of the LLM twice");
    cr_assert_eq(s_q("SELECT count(*) FROM match_decisions WHERE workspace_id = $1", r->ws), CALLS,
                 "one decision per call");
    cr_assert_eq(s_q("SELECT count(*) FROM feature_messages fm JOIN messages m"
                     " ON m.id = fm.message_id WHERE m.workspace_id = $1",
                     r->ws),
                 CALLS);
    cr_assert_eq(s_q("SELECT mention_count FROM features WHERE workspace_id = $1", r->ws), CALLS);
    /* the writer counted every extraction's spend once */
    cr_assert_eq(s_q("SELECT sum(calls) FROM llm_spend WHERE workspace_id = $1", r->ws), CALLS);
    cr_assert_eq(s_q("SELECT count(*) FROM messages m WHERE workspace_id = $1 AND"
                     " (m.llm_usage->>'cost_usd')::numeric > 0",
                     r->ws),
                 CALLS);
}

Test(budget, a_runs_budget_holds_the_rest_and_a_later_run_processes_them, .timeout = 180)
{
    rig_t r = {0};
    /* a call costs about $0.0003 (about 1,700 prompt tokens at $0.15 a million, fewer once
       the instructions are cached): $0.0004 lets one or two through */
    s_open(&r, "0.0004", NULL);
    char *log = NULL;
    int status = s_fetch(&r, false, &log);
    long long done = s_expect_held(&r, status, log, "--budget-usd of $0.0004");
    free(log);
    log = s_stop_extractor(&r);
    char want[96];
    snprintf(want, sizeof want, "%lld calls held for the LLM budget", CALLS - done);
    cr_assert(strstr(log, want), "%s in:\n%s", want, log);
    cr_assert(strstr(log, "*** LLM budget reached"), "%s", log);
    free(log);

    /* one call costs less than the budget, so a second one went, its instructions served from
       the prompt cache: counted, and priced lower */
    cr_assert_geq(done, 2);
    cr_assert_geq(s_q("SELECT sum(cached_tokens) FROM llm_spend WHERE workspace_id = $1", r.ws),
                  1024);
    cr_assert_eq(s_q("SELECT count(*) FROM messages WHERE workspace_id = $1 AND is_processed"
                     " AND (llm_usage->>'cached_tokens')::int >= 1024 AND"
                     " (llm_usage->>'cost_usd')::numeric < (SELECT max((llm_usage->>'cost_usd')"
                     "  ::numeric) FROM messages WHERE workspace_id = $1)",
                     r.ws),
                 done - 1, "every call after the first is cheaper");

    s_start_extractor(&r, "1");
    status = s_fetch(&r, true, &log);
    s_expect_all_done(&r, status, log);
    free(log);
    s_close(&r);
}

Test(budget, a_workspaces_monthly_budget_holds_calls_until_the_month_is_over, .timeout = 180)
{
    rig_t r = {0};
    s_open(&r, "0", (const char *[]){"--monthly-budget-usd", "0.0004", NULL});
    char *log = NULL;
    int status = s_fetch(&r, false, &log);
    s_expect_held(&r, status, log, "monthly budget of $0.0004");
    free(log);

    /* callsift workspace list shows the month's spend and the budget */
    char *out = cs_testcli_ok(cs_testcli_run("workspace", "list", "--format", "json", NULL));
    json_t *list = json_loads(out, 0, NULL);
    cr_assert(json_is_array(list), "%s", out);
    json_t *w = json_array_get(list, 0);
    double month = json_number_value(json_object_get(w, "llm_usd_month"));
    cr_assert_gt(month, 0.0003, "%s", out);
    cr_assert_float_eq(json_number_value(json_object_get(w, "llm_usd_today")), month, 1e-9, "%s",
                       out);
    cr_assert_float_eq(json_number_value(json_object_get(w, "monthly_budget_usd")), 0.0004, 1e-9,
                       "%s", out);
    json_decref(list);
    free(out);

    /* the month is over: what was spent is last month's (40 days back is always another
       month), and the extractor runs again */
    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    const char *p[] = {r.ws};
    cr_assert_eq(cs_db_command(db, "UPDATE llm_spend SET day = day - 40 WHERE workspace_id = $1", 1,
                               p, NULL, 0),
                 0);
    cs_db_destroy(&db);
    free(s_stop_extractor(&r));
    s_start_extractor(&r, "0");
    status = s_fetch(&r, true, &log);
    s_expect_all_done(&r, status, log);
    free(log);
    s_close(&r);
}

Test(budget, jsonl_lines_past_the_runs_budget_say_so_and_the_exit_status_is_4, .timeout = 60)
{
    fake_openai_t *llm = fake_openai_start();
    cr_assert(llm);
    fake_openai_set_responder(llm, s_good, NULL);
    char base[160];
    snprintf(base, sizeof base, "--openai-base-url=%s", fake_openai_url(llm));
    char *argv[] = {(char *)cs_testproc_bin("callsift-extractor"),
                    "--jsonl",
                    "--provider",
                    "openai",
                    base,
                    "--budget-usd",
                    "0.000001",
                    NULL};
    char *env[] = {"OPENAI_API_KEY=" KEY, NULL};
    /* more lines than the one-shot mode has in flight (16): the later ones wait for answers,
       by when the budget is spent */
    enum { LINES = 24 };
    const char *line = "{\"transcript\":[{\"speaker\":\"Yukta\",\"affiliation\":\"External\","
                       "\"text\":\"We need a Salesforce integration for our tickets.\"}]}\n";
    char *input = malloc(LINES * strlen(line) + 1);
    cr_assert(input);
    input[0] = '\0';
    for (int i = 0; i < LINES; i++)
        strcat(input, line);
    cs_testrun_t run = cs_testproc_run(argv, env, input, 30000);
    free(input);
    cr_assert_eq(run.status, 4, "exit %d\n%s", run.status, run.err);
    int answered = 0, held = 0, lines = 0;
    char *save = NULL;
    for (char *l = strtok_r(run.out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        json_t *a = json_loads(l, 0, NULL);
        cr_assert(a, "%s", l);
        lines++;
        if (json_object_get(a, "feature_requests"))
            answered++;
        else if (cs_rec_str(a, "error") &&
                 strstr(cs_rec_str(a, "error"), "held for the LLM budget"))
            held++;
        json_decref(a);
    }
    cr_assert_eq(lines, LINES, "every line is answered:\n%s", run.out);
    cr_assert_geq(answered, 1);
    cr_assert_geq(held, 1);
    cr_assert_eq(answered + held, LINES);
    cr_assert_eq((int)fake_openai_count(llm, "/chat/completions"), answered);
    char want[64];
    snprintf(want, sizeof want, "%d lines were not extracted: the LLM budget was spent", held);
    cr_assert(strstr(run.err, want), "%s", run.err);
    cs_testrun_free(&run);
    fake_openai_stop(&llm);
}
