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
#include "cs_testrig.h"
#include "cs_util.h"
#include "cs_uuid.h"
#include "fake_openai.h"

#define KEY "sk-batch-pipeline-1"

/* The rig (tests/lib/cs_testrig.h) with the extractor sending through the Batch API, its state
   in `state` (a buffer of 128 bytes). */
static void s_open(cs_testrig_t *r, char *state)
{
    *r = (cs_testrig_t){
        .name = "batch_pipeline", .title = "Backfill", .key = KEY, .ack_timeout = "60"};
    snprintf(state, 128, "/tmp/cs_batch_pipeline_%d.state", (int)getpid());
    unlink(state);
    cs_testrig_open(r, NULL,
                    (char *[]){"--llm-batch", "--batch-size", "4", "--batch-wait", "0.2",
                               "--batch-poll", "0.1", "--batch-state", state, NULL});
}

static long long s_q(const char *sql, const char *p1)
{
    return cs_testcli_query_ll(sql, p1, NULL);
}

Test(pipeline_batch, a_backfill_through_the_batch_api_stores_every_call_once, .timeout = 180)
{
    cs_testrig_t r;
    char state[128];
    s_open(&r, state);
    char *log = NULL;
    int status = cs_testrig_fetch(&r, false, &log);
    cr_assert_eq(status, 0, "exit %d\n%s", status, log);
    cr_assert(strstr(log, "✅ Successfully ingested"), "%s", log);
    free(log);
    cr_assert_eq(
        s_q("SELECT count(*) FROM messages WHERE workspace_id = $1 AND is_processed", r.ws),
        CS_TESTRIG_CALLS);
    cr_assert_eq(s_q("SELECT count(*) FROM match_decisions WHERE workspace_id = $1", r.ws),
                 CS_TESTRIG_CALLS, "one decision per call");
    cr_assert_eq(s_q("SELECT mention_count FROM features WHERE workspace_id = $1", r.ws),
                 CS_TESTRIG_CALLS);
    cr_assert_eq(fake_openai_count(r.llm, "/chat/completions"), 0, "nothing went direct");
    cr_assert_eq(fake_openai_batch_lines(r.llm, NULL), CS_TESTRIG_CALLS, "each call sent once");
    cr_assert_eq(fake_openai_batch_max_lines(r.llm), 1);
    cr_assert_geq(fake_openai_batch_count(r.llm), 2, "--batch-size 4: at least two batches");
    /* half price: what a call's tokens cost at gpt-4o-mini's prices, halved */
    cr_assert_eq(s_q("SELECT count(*) FROM messages WHERE workspace_id = $1 AND abs("
                     "(llm_usage->>'cost_usd')::numeric - ((llm_usage->>'prompt_tokens')::numeric"
                     " - (llm_usage->>'cached_tokens')::numeric) * 0.075e-6 - (llm_usage->>"
                     "'cached_tokens')::numeric * 0.0375e-6 - (llm_usage->>'completion_tokens')"
                     "::numeric * 0.30e-6) < 1e-9",
                     r.ws),
                 CS_TESTRIG_CALLS);
    log = cs_testrig_stop_extractor(&r);
    cr_assert(strstr(log, "Of these through the Batch API:"), "%s", log);
    free(log);
    cs_testrig_close(&r);
    unlink(state);
}
