/*  callsift-matcher: PULLs extraction records, decides for every extracted feature request
    whether it is a feature of the catalogue or a new one (cs_match), PUSHes decision records to
    the writer. It binds both of its endpoints; extractors and the writer connect. Run one per
    set of workspaces (DESIGN.md section 1): it is the one place that decides.

    `--jsonl` is the one-shot mode, the seed's find_matching_feature: each stdin line
    {"new": {"title", "description"}, "existing": [{"id", "name", "description"}]} gives one
    stdout line {"is_duplicate", "matching_feature_id", "confidence", "reasoning", "method",
    "tokens_used", "candidates"} (or {"error"}), in input order; candidates are the top-k
    [{"id", "name", "similarity"}] the decision looked at. */
#include <stdio.h>
#include <string.h>

#include "cs_config.h"
#include "cs_curve.h"
#include "cs_llm.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_match.h"
#include "cs_match_stage.h"
#include "cs_sock.h"
#include "cs_stage.h"
#include "cs_util.h"

static const cs_option_t OPTIONS[] = {
    {"provider", "CALLSIFT_PROVIDER", CS_OPT_STRING, "auto",
     "the judge: openai, offline (similarity only), or auto (openai when OPENAI_API_KEY is set)",
     0},
    {"openai-api-key", "OPENAI_API_KEY", CS_OPT_STRING, NULL, "API key of the LLM endpoint",
     CS_OPT_SECRET},
    {"model", "OPENAI_MODEL", CS_OPT_STRING, CS_LLM_DEFAULT_MODEL, "judge model", 0},
    {"openai-base-url", "OPENAI_BASE_URL", CS_OPT_STRING, "https://api.openai.com/v1",
     "any OpenAI-compatible endpoint (Azure OpenAI, vLLM, Ollama, llama.cpp server)", 0},
    {"response-format", "CALLSIFT_RESPONSE_FORMAT", CS_OPT_STRING, "json_schema",
     "json_schema (strict) or json_object, for servers without json_schema", 0},
    {"vectors", "CALLSIFT_VECTORS", CS_OPT_STRING, "auto",
     "openai (the embeddings endpoint), offline (hashed n-gram TF-IDF), or auto (openai when the "
     "judge is)",
     0},
    {"embedding-model", "EMBEDDING_MODEL", CS_OPT_STRING, "text-embedding-3-small",
     "embeddings model", 0},
    {"embedding-dimensions", "CALLSIFT_EMBEDDING_DIMENSIONS", CS_OPT_INT, "0",
     "dimensions asked of the embeddings model (0: its own)", 0},
    {"link-above", "CALLSIFT_LINK_ABOVE", CS_OPT_DOUBLE, NULL,
     "similarity at or above which a request links without the judge (default 0.85 with "
     "provider vectors, 0.55 offline)",
     CS_OPT_UNIT},
    {"new-below", "CALLSIFT_NEW_BELOW", CS_OPT_DOUBLE, NULL,
     "similarity below which a request is a new feature without the judge (default 0.50 with "
     "provider vectors, 0.25 offline)",
     CS_OPT_UNIT},
    {"match-confidence", "FEATURE_MATCH_CONFIDENCE", CS_OPT_DOUBLE, "0.7",
     "the judge links only at this confidence or above", CS_OPT_UNIT},
    {"candidates", "CALLSIFT_CANDIDATES", CS_OPT_INT, "5", "features the judge sees (top k)",
     CS_OPT_POSITIVE},
    {"cross-theme", "CALLSIFT_CROSS_THEME", CS_OPT_FLAG, "false",
     "compare with the features of every theme, not only the request's own", 0},
    {"concurrency", "CALLSIFT_CONCURRENCY", CS_OPT_INT, "4",
     "LLM requests in flight in this process", CS_OPT_POSITIVE},
    {"max-attempts", "CALLSIFT_LLM_ATTEMPTS", CS_OPT_INT, "3",
     "judge answers asked per decision when one is invalid", CS_OPT_POSITIVE},
    {"request-timeout", "CALLSIFT_REQUEST_TIMEOUT", CS_OPT_DOUBLE, "60", "seconds per LLM request",
     CS_OPT_POSITIVE},
    {"retry-budget", "CALLSIFT_LLM_RETRY_BUDGET", CS_OPT_DOUBLE, "60",
     "seconds one LLM request may wait in all between its attempts (backoff, Retry-After); a "
     "longer wait asked by the API ends it at once",
     0},
    {"price-input", "CALLSIFT_PRICE_INPUT", CS_OPT_DOUBLE, NULL,
     "USD per million judge prompt tokens (default: the model's list price, 0 if unknown)", 0},
    {"price-output", "CALLSIFT_PRICE_OUTPUT", CS_OPT_DOUBLE, NULL,
     "USD per million judge completion tokens", 0},
    {"price-embedding", "CALLSIFT_PRICE_EMBEDDING", CS_OPT_DOUBLE, NULL,
     "USD per million embedded tokens", 0},
    {"jsonl", NULL, CS_OPT_FLAG, "false",
     "one-shot mode: {new, existing} JSON lines on stdin, verdicts on stdout", 0},
    {"database-url", "DATABASE_URL", CS_OPT_STRING, NULL,
     "PostgreSQL URL (read only: themes and the feature catalogue)", CS_OPT_SECRET},
    CS_SOCK_OPTION_EXTRACTIONS,
    CS_SOCK_OPTION_DECISIONS,
    CS_CURVE_OPTIONS,
    CS_METRICS_OPTION,
    CS_METRICS_OPTION_LISTEN,
    CS_STAGE_OPTION_HOLD,
    {NULL, NULL, 0, NULL, NULL, 0},
};

/* ---- configuration ---------------------------------------------------------------------- */

static bool s_choice(const char *flag, const char *value, const char *const *allowed, char *err,
                     size_t errlen)
{
    for (size_t i = 0; allowed[i]; i++)
        if (strcmp(value, allowed[i]) == 0)
            return true;
    cs_fail(err, errlen, "--%s: expected openai, offline or auto, got '%s'", flag, value);
    return false;
}

static bool s_configure(const cs_config_t *cfg, cs_llm_t **llm, cs_match_opts_t *o, char *err,
                        size_t errlen)
{
    static const char *const modes[] = {"openai", "offline", "auto", NULL};
    const char *provider = cs_config_str(cfg, "provider");
    const char *vectors = cs_config_str(cfg, "vectors");
    const char *key = cs_config_str(cfg, "openai-api-key");
    const char *format = cs_config_str(cfg, "response-format");
    if (!s_choice("provider", provider, modes, err, errlen) ||
        !s_choice("vectors", vectors, modes, err, errlen))
        return false;
    if (strcmp(format, "json_schema") != 0 && strcmp(format, "json_object") != 0) {
        cs_fail(err, errlen, "--response-format: expected json_schema or json_object");
        return false;
    }
    bool judge = strcmp(provider, "openai") == 0 || (strcmp(provider, "auto") == 0 && key);
    bool provider_vectors =
        strcmp(vectors, "openai") == 0 || (strcmp(vectors, "auto") == 0 && judge);
    o->model = cs_config_str(cfg, "model");
    o->embedding_model = cs_config_str(cfg, "embedding-model");
    o->dimensions = (int)cs_config_int(cfg, "embedding-dimensions");
    o->json_schema = strcmp(format, "json_schema") == 0;
    o->link_above = cs_config_str(cfg, "link-above") ? cs_config_double(cfg, "link-above")
                    : provider_vectors               ? 0.85
                                                     : 0.55;
    o->new_below = cs_config_str(cfg, "new-below") ? cs_config_double(cfg, "new-below")
                   : provider_vectors              ? 0.50
                                                   : 0.25;
    o->threshold = cs_config_double(cfg, "match-confidence");
    o->candidates = (int)cs_config_int(cfg, "candidates");
    o->cross_theme = cs_config_flag(cfg, "cross-theme");
    o->max_attempts = (int)cs_config_int(cfg, "max-attempts");
    if (!(o->new_below >= 0 && o->new_below <= o->link_above && o->link_above <= 1)) {
        cs_fail(err, errlen, "expected 0 <= --new-below (%.2f) <= --link-above (%.2f) <= 1",
                o->new_below, o->link_above);
        return false;
    }
    if (!(o->threshold >= 0 && o->threshold <= 1)) {
        cs_fail(err, errlen, "FEATURE_MATCH_CONFIDENCE must be from 0 to 1");
        return false;
    }
    if (o->candidates < 1 || o->candidates > 50) {
        cs_fail(err, errlen, "--candidates must be from 1 to 50");
        return false;
    }
    double in = 0, out = 0, emb = 0, unused = 0;
    cs_llm_model_price(o->model, &in, &out);
    cs_llm_model_price(o->embedding_model, &emb, &unused);
    o->price_input = cs_config_str(cfg, "price-input") ? cs_config_double(cfg, "price-input") : in;
    o->price_output =
        cs_config_str(cfg, "price-output") ? cs_config_double(cfg, "price-output") : out;
    o->price_embedding =
        cs_config_str(cfg, "price-embedding") ? cs_config_double(cfg, "price-embedding") : emb;
    if (judge || provider_vectors) {
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
    }
    o->llm = *llm;
    o->judge = judge;
    o->provider_vectors = provider_vectors;
    if (!judge && strcmp(provider, "auto") == 0)
        cs_warn("*** OPENAI_API_KEY is not set: the OFFLINE matcher decides by similarity alone "
                "(no LLM judge). Set OPENAI_API_KEY or --provider openai to use one. ***");
    cs_info("Matching with %s vectors (link at >= %.2f, new below %.2f), %s",
            provider_vectors ? o->embedding_model : "offline n-gram", o->link_above, o->new_below,
            judge ? "the LLM judge in between" : "similarity alone in between");
    if (judge)
        cs_info("Judge: %s at %s (%s, temperature 0.2, links at confidence >= %.2f)", o->model,
                cs_config_str(cfg, "openai-base-url"), format, o->threshold);
    return true;
}

int main(int argc, char **argv)
{
    int status = 1;
    cs_config_t *cfg = cs_stage_begin(
        "matcher", "callsift-matcher [OPTIONS]",
        "Decides for every extracted feature request whether it is a feature already in the "
        "catalogue (link) or a new one (create): exact names, vector similarity, and an LLM judge "
        "for the ambiguous band.",
        OPTIONS, CS_CURVE_BINDS, NULL, argc, argv, &status);
    if (!cfg)
        return status;
    char err[1024];
    cs_llm_t *llm = NULL;
    cs_match_t *m = NULL;
    cs_match_stage_t st = {.cfg = cfg};
    cs_match_opts_t opts = {0};
    bool oneshot = cs_config_flag(cfg, "jsonl");
    if (!s_configure(cfg, &llm, &opts, err, sizeof err)) {
        fprintf(stderr, "callsift-matcher: %s\n", err);
        status = 2;
        goto done;
    }
    opts.quiet = oneshot;
    st.m = m = cs_match_new(&opts, oneshot ? cs_match_stage_keep : cs_match_stage_push, &st);
    if (!m)
        cs_error("out of memory");
    else if (oneshot)
        status = cs_match_stage_oneshot(&st, stdin, stdout);
    else
        status = cs_match_stage_daemon(&st);
done:
    cs_llm_destroy(&llm); /* first: no callback may run into a freed engine */
    cs_match_destroy(&m);
    cs_match_stage_clear(&st);
    cs_stage_end(&cfg);
    return status;
}
