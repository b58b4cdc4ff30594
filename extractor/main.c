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
#include "cs_extract.h"
#include "cs_extract_stage.h"
#include "cs_llm.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_offline.h"
#include "cs_record.h"
#include "cs_sock.h"
#include "cs_stage.h"
#include "cs_util.h"

static const cs_option_t OPTIONS[] = {
    {"provider", "CALLSIFT_PROVIDER", CS_OPT_STRING, "auto",
     "openai, offline, or auto (openai when OPENAI_API_KEY is set)", 0},
    {"openai-api-key", "OPENAI_API_KEY", CS_OPT_STRING, NULL, "API key of the LLM endpoint",
     CS_OPT_SECRET},
    {"model", "OPENAI_MODEL", CS_OPT_STRING, CS_LLM_DEFAULT_MODEL, "chat model", 0},
    {"openai-base-url", "OPENAI_BASE_URL", CS_OPT_STRING, "https://api.openai.com/v1",
     "any OpenAI-compatible endpoint (Azure OpenAI, vLLM, Ollama, llama.cpp server)", 0},
    {"response-format", "CALLSIFT_RESPONSE_FORMAT", CS_OPT_STRING, "json_schema",
     "json_schema (strict) or json_object, for servers without json_schema", 0},
    {"temperature", "CALLSIFT_TEMPERATURE", CS_OPT_DOUBLE, "0.3", "sampling temperature", 0},
    {"concurrency", "CALLSIFT_CONCURRENCY", CS_OPT_INT, "4",
     "LLM requests in flight in this process", CS_OPT_POSITIVE},
    {"max-input-tokens", "CALLSIFT_MAX_INPUT_TOKENS", CS_OPT_INT, "12000",
     "longer transcripts are split into overlapping chunks", CS_OPT_POSITIVE},
    {"max-attempts", "CALLSIFT_LLM_ATTEMPTS", CS_OPT_INT, "3",
     "answers asked per chunk when one is invalid", CS_OPT_POSITIVE},
    {"request-timeout", "CALLSIFT_REQUEST_TIMEOUT", CS_OPT_DOUBLE, "120", "seconds per LLM request",
     CS_OPT_POSITIVE},
    {"retry-budget", "CALLSIFT_LLM_RETRY_BUDGET", CS_OPT_DOUBLE, "60",
     "seconds one LLM request may wait in all between its attempts (backoff, Retry-After); a "
     "longer wait asked by the API stores the call unprocessed at once",
     0},
    {"price-input", "CALLSIFT_PRICE_INPUT", CS_OPT_DOUBLE, NULL,
     "USD per million prompt tokens (default: the model's list price, 0 if unknown)", 0},
    {"price-output", "CALLSIFT_PRICE_OUTPUT", CS_OPT_DOUBLE, NULL,
     "USD per million completion tokens", 0},
    {"jsonl", NULL, CS_OPT_FLAG, "false", "one-shot mode: JSON lines on stdin, insights on stdout",
     0},
    {"workspace-id", NULL, CS_OPT_STRING, NULL,
     "--jsonl: the themes of this workspace (from the database) for lines that bring none", 0},
    {"database-url", "DATABASE_URL", CS_OPT_STRING, NULL,
     "PostgreSQL URL (read only: the workspaces' themes)", CS_OPT_SECRET},
    CS_SOCK_OPTION_CALLS,
    CS_SOCK_OPTION_EXTRACTIONS,
    CS_CURVE_OPTIONS,
    CS_METRICS_OPTION,
    CS_METRICS_OPTION_LISTEN,
    CS_STAGE_OPTION_HOLD,
    {NULL, NULL, 0, NULL, NULL, 0},
};

/* The LLM refuses for good: what /healthz says (fixed text naming what to fix). */
static const char *s_llm_health(const char *cause)
{
    if (cause && strcmp(cause, CS_CAUSE_LLM_QUOTA) == 0)
        return "the LLM account is out of quota (llm_quota): check the account's billing, or "
               "OPENAI_API_KEY";
    return "the LLM API refuses the key (llm_auth, HTTP 401/403): check OPENAI_API_KEY";
}

static bool s_configure_llm(const cs_config_t *cfg, cs_llm_t **llm, cs_extract_opts_t *opts,
                            char *err, size_t errlen)
{
    const char *provider = cs_config_str(cfg, "provider");
    const char *key = cs_config_str(cfg, "openai-api-key");
    bool use_llm;
    if (strcmp(provider, "offline") == 0)
        use_llm = false;
    else if (strcmp(provider, "openai") == 0)
        use_llm = true;
    else if (strcmp(provider, "auto") == 0)
        use_llm = key != NULL;
    else {
        cs_fail(err, errlen, "--provider: expected openai, offline or auto, got '%s'", provider);
        return false;
    }
    const char *format = cs_config_str(cfg, "response-format");
    if (strcmp(format, "json_schema") != 0 && strcmp(format, "json_object") != 0) {
        cs_fail(err, errlen, "--response-format: expected json_schema or json_object");
        return false;
    }

    opts->model = cs_config_str(cfg, "model");
    opts->temperature = cs_config_double(cfg, "temperature");
    opts->json_schema = strcmp(format, "json_schema") == 0;
    opts->max_input_tokens = (int)cs_config_int(cfg, "max-input-tokens");
    opts->max_attempts = (int)cs_config_int(cfg, "max-attempts");
    double in = 0, outp = 0;
    cs_llm_model_price(opts->model, &in, &outp);
    opts->price_input =
        cs_config_str(cfg, "price-input") ? cs_config_double(cfg, "price-input") : in;
    opts->price_output =
        cs_config_str(cfg, "price-output") ? cs_config_double(cfg, "price-output") : outp;
    if (!use_llm) {
        if (strcmp(provider, "auto") == 0)
            cs_warn(
                "*** OPENAI_API_KEY is not set: using the built-in OFFLINE extractor (cue phrases "
                "and a small linear model, no LLM). Set OPENAI_API_KEY or --provider openai to "
                "use an LLM. ***");
        else
            cs_info("Using the built-in offline extractor");
        return true;
    }
    cs_llm_opts_t lo = {
        .base_url = cs_config_str(cfg, "openai-base-url"),
        .api_key = key,
        .concurrency = (int)cs_config_int(cfg, "concurrency"),
        .timeout_ms = (int)(cs_config_double(cfg, "request-timeout") * 1000),
        .retry_budget_ms = (int)(cs_config_double(cfg, "retry-budget") * 1000),
    };
    *llm = cs_llm_new(&lo, err, errlen);
    if (!*llm)
        return false;
    opts->llm = *llm;
    cs_info("Using %s at %s (%s, temperature %.1f, %d requests in flight)", opts->model,
            lo.base_url, format, opts->temperature, lo.concurrency);
    return true;
}

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
    cs_llm_t *llm = NULL;
    cs_offline_t *offline = NULL;
    cs_extract_t *ex = NULL;
    cs_extract_stage_t st = {.cfg = cfg, .llm_health = s_llm_health};
    cs_extract_opts_t opts = {0};
    if (!s_configure_llm(cfg, &llm, &opts, err, sizeof err)) {
        fprintf(stderr, "callsift-extractor: %s\n", err);
        status = 2;
        goto done;
    }
    if (!llm && !(offline = cs_offline_new(err, sizeof err))) {
        cs_error("%s", err);
        goto done;
    }
    opts.offline = offline;
    bool oneshot = cs_config_flag(cfg, "jsonl");
    st.ex = ex =
        cs_extract_new(&opts, oneshot ? cs_extract_stage_keep : cs_extract_stage_push, &st);
    if (oneshot) {
        status = cs_extract_stage_oneshot(&st, stdin, stdout);
    } else {
        int concurrency = (int)cs_config_int(cfg, "concurrency");
        status = cs_extract_stage_daemon(&st, llm ? 2 * (concurrency > 0 ? concurrency : 1) : 1);
    }
done:
    cs_extract_destroy(&ex);
    cs_extract_stage_clear(&st);
    cs_llm_destroy(&llm);
    cs_offline_destroy(&offline);
    cs_stage_end(&cfg);
    return status;
}
