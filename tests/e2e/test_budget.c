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
#include "cs_testrig.h"
#include "cs_util.h"
#include "cs_uuid.h"
#include "fake_openai.h"

#define KEY "sk-budget-test-1"

/* The rig (tests/lib/cs_testrig.h) with the extractor's --budget-usd `budget` and the
   workspace made with these `callsift workspace create` flags. */
static void s_open(cs_testrig_t *r, const char *budget, const char *const *create)
{
    *r = (cs_testrig_t){.name = "budget", .title = "Budget", .key = KEY, .ack_timeout = "20"};
    cs_testrig_open(r, create,
                    (char *[]){"--concurrency", "1", "--budget-usd", (char *)budget, NULL});
}

/* The extractor again, with --budget-usd `budget`. */
static void s_start_extractor(cs_testrig_t *r, const char *budget)
{
    cs_testrig_start_extractor(
        r, (char *[]){"--concurrency", "1", "--budget-usd", (char *)budget, NULL});
}

static long long s_q(const char *sql, const char *p1)
{
    return cs_testcli_query_ll(sql, p1, NULL);
}

/* After the run that held calls: some processed, the rest stored unprocessed for the budget,
   each processed one asked once. Returns how many were processed. */
static long long s_expect_held(cs_testrig_t *r, int status, const char *log, const char *cap)
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
    cr_assert_eq(stored, CS_TESTRIG_CALLS, "nothing lost:\n%s", log);
    cr_assert_geq(done, 1, "the budget lets the first call through");
    cr_assert_geq(held, 1, "the budget holds the last ones");
    cr_assert_eq(done + held, CS_TESTRIG_CALLS);
    cr_assert_eq((long long)fake_openai_count(r->llm, "/chat/completions"), done,
                 "a held call is never asked");
    cr_log_info("%lld of %d calls processed, %lld held", done, CS_TESTRIG_CALLS, held);
    return done;
}

/* After the run with budget: everything processed, asked once and linked once. */
static void s_expect_all_done(cs_testrig_t *r, int status, const char *log)
{
    cr_assert_eq(status, 0, "exit %d\n%s", status, log);
    cr_assert(strstr(log, "✅ Successfully ingested"), "%s", log);
    cr_assert_eq(
        s_q("SELECT count(*) FROM messages WHERE workspace_id = $1 AND is_processed", r->ws),
        CS_TESTRIG_CALLS);
    cr_assert_eq(s_q("SELECT count(*) FROM messages WHERE workspace_id = $1", r->ws),
                 CS_TESTRIG_CALLS);
    cr_assert_eq(fake_openai_count(r->llm, "/chat/completions"), CS_TESTRIG_CALLS,
                 "no call was asked of the LLM twice");
    cr_assert_eq(s_q("SELECT count(*) FROM match_decisions WHERE workspace_id = $1", r->ws),
                 CS_TESTRIG_CALLS, "one decision per call");
    cr_assert_eq(s_q("SELECT count(*) FROM feature_messages fm JOIN messages m"
                     " ON m.id = fm.message_id WHERE m.workspace_id = $1",
                     r->ws),
                 CS_TESTRIG_CALLS);
    cr_assert_eq(s_q("SELECT mention_count FROM features WHERE workspace_id = $1", r->ws),
                 CS_TESTRIG_CALLS);
    /* the writer counted every extraction's spend once */
    cr_assert_eq(s_q("SELECT sum(calls) FROM llm_spend WHERE workspace_id = $1", r->ws),
                 CS_TESTRIG_CALLS);
    cr_assert_eq(s_q("SELECT count(*) FROM messages m WHERE workspace_id = $1 AND"
                     " (m.llm_usage->>'cost_usd')::numeric > 0",
                     r->ws),
                 CS_TESTRIG_CALLS);
}

Test(budget, a_runs_budget_holds_the_rest_and_a_later_run_processes_them, .timeout = 180)
{
    cs_testrig_t r;
    /* a call costs about $0.0003 (about 1,700 prompt tokens at $0.15 a million, fewer once
       the instructions are cached): $0.0004 lets one or two through */
    s_open(&r, "0.0004", NULL);
    char *log = NULL;
    int status = cs_testrig_fetch(&r, false, &log);
    long long done = s_expect_held(&r, status, log, "--budget-usd of $0.0004");
    free(log);
    log = cs_testrig_stop_extractor(&r);
    char want[96];
    snprintf(want, sizeof want, "%lld calls held for the LLM budget", CS_TESTRIG_CALLS - done);
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
    status = cs_testrig_fetch(&r, true, &log);
    s_expect_all_done(&r, status, log);
    free(log);
    cs_testrig_close(&r);
}

Test(budget, a_workspaces_monthly_budget_holds_calls_until_the_month_is_over, .timeout = 180)
{
    cs_testrig_t r;
    s_open(&r, "0", (const char *[]){"--monthly-budget-usd", "0.0004", NULL});
    char *log = NULL;
    int status = cs_testrig_fetch(&r, false, &log);
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
    free(cs_testrig_stop_extractor(&r));
    s_start_extractor(&r, "0");
    status = cs_testrig_fetch(&r, true, &log);
    s_expect_all_done(&r, status, log);
    free(log);
    cs_testrig_close(&r);
}

Test(budget, jsonl_lines_past_the_runs_budget_say_so_and_the_exit_status_is_4, .timeout = 60)
{
    fake_openai_t *llm = fake_openai_start();
    cr_assert(llm);
    fake_openai_set_responder(llm, cs_testrig_answer, NULL);
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
