/*  callsift-extractor: PULLs call records, extracts feature requests, bugs, sentiment, pain
    points and a summary (offline, or with an OpenAI-compatible LLM), PUSHes extraction records
    to the matcher. Scale it by running more of them: they connect to the fetcher and the
    matcher, so `--scale extractor=8` needs no configuration.

    `--jsonl` is the one-shot mode: JSON lines on stdin (a Gong-shaped call, a call record, or
    {"transcript":[{"speaker","affiliation","text"}],"themes":[...],"customer":{...}}), one
    insights object per line on stdout, in input order. */
#include <stdio.h>
#include <string.h>

#include "cs_config.h"
#include "cs_curve.h"
#include "cs_batch.h"
#include "cs_extract.h"
#include "cs_extract_batch.h"
#include "cs_extract_stage.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_provider.h"
#include "cs_record.h"
#include "cs_sock.h"
#include "cs_stage.h"
#include "cs_util.h"

static const cs_option_t OPTIONS[] = {
    CS_PROVIDER_OPTIONS_ENDPOINT("openai, offline, or auto (openai when OPENAI_API_KEY is set)",
                                 "chat model"),
    {"temperature", "CALLSIFT_TEMPERATURE", CS_OPT_DOUBLE, "0.3", "sampling temperature", 0},
    CS_PROVIDER_OPTION_CONCURRENCY,
    {"max-input-tokens", "CALLSIFT_MAX_INPUT_TOKENS", CS_OPT_INT, "12000",
     "longer transcripts are split into overlapping chunks", CS_OPT_POSITIVE},
    CS_EXTRACT_OPTION_VENDOR_CONTEXT,
    CS_PROVIDER_OPTIONS_REQUESTS("answers asked per chunk when one is invalid", "120",
                                 "stores the call unprocessed at once"),
    CS_PROVIDER_OPTIONS_PRICES(""),
    CS_PROVIDER_OPTION_PRICE_CACHED,
    CS_PROVIDER_OPTION_BUDGET,
    CS_EXTRACT_BATCH_OPTIONS,
    {"jsonl", NULL, CS_OPT_FLAG, "false", "one-shot mode: JSON lines on stdin, insights on stdout",
     0},
    {"workspace-id", NULL, CS_OPT_STRING, NULL,
     "--jsonl: the themes of this workspace (from the database) for lines that bring none", 0},
    {"database-url", "DATABASE_URL", CS_OPT_STRING, NULL,
     "PostgreSQL URL (read only: the workspaces' themes and monthly LLM budgets)", CS_OPT_SECRET},
    CS_SOCK_OPTION_CALLS,
    CS_SOCK_OPTION_EXTRACTIONS,
    CS_CURVE_OPTIONS,
    CS_METRICS_OPTION,
    CS_METRICS_OPTION_LISTEN,
    CS_STAGE_OPTION_HOLD,
    {NULL, NULL, 0, NULL, NULL, 0},
};

int main(int argc, char **argv)
{
    int status = 1;
    cs_config_t *cfg = cs_stage_begin(
        "extractor", "callsift-extractor [OPTIONS]",
        "Extracts feature requests, bug reports, sentiment, pain points and a summary from each "
        "call, with an OpenAI-compatible LLM or the built-in offline extractor.",
        OPTIONS, CS_CURVE_CONNECTS, NULL, argc, argv, &status);
    if (!cfg)
        return status;
    char err[1024];
    cs_extract_t *ex = NULL;
    cs_extract_stage_t st = {.cfg = cfg};
    cs_extract_opts_t opts = {0};
    if (cs_extract_configure(cfg, &opts, err, sizeof err) != 0 ||
        cs_extract_batch_open(cfg, &opts, err, sizeof err) != 0) {
        fprintf(stderr, "callsift-extractor: %s\n", err);
        status = 2;
        goto done;
    }
    bool oneshot = cs_config_flag(cfg, "jsonl");
    st.ex = ex =
        cs_extract_new(&opts, oneshot ? cs_extract_stage_keep : cs_extract_stage_push, &st);
    if (!ex) {
        cs_error("out of memory");
    } else if (oneshot) {
        status = cs_extract_stage_oneshot(&st, stdin, stdout);
    } else {
        int concurrency = (int)cs_config_int(cfg, "concurrency");
        /* a provider without a client answers before cs_extract_submit returns: nothing pends */
        int most = opts.batch ? opts.batch_hold : 2 * (concurrency > 0 ? concurrency : 1);
        status = cs_extract_stage_daemon(&st, most);
    }
done:
    cs_extract_destroy(&ex);
    cs_batch_destroy(&opts.batch);
    cs_extract_stage_clear(&st);
    cs_provider_destroy(&opts.provider);
    cs_stage_end(&cfg);
    return status;
}
