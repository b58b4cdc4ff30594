#define _GNU_SOURCE /* asprintf */
#include "cs_extract_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_log.h"
#include "cs_provider.h"
#include "cs_record.h"
#include "cs_util.h"

int cs_extract_batch_open(const cs_config_t *cfg, cs_extract_opts_t *opts, char *err, size_t errlen)
{
    if (!cs_config_flag(cfg, "llm-batch"))
        return 0;
    if (!cs_provider_client(opts->provider) ||
        strcmp(cs_provider_name(opts->provider), "openai") != 0)
        return cs_fail(err, errlen, "--llm-batch needs the openai provider (OPENAI_API_KEY)");
    if (!cs_config_str(cfg, "batch-state"))
        return cs_fail(err, errlen,
                       "--llm-batch needs --batch-state FILE: the batches sent are kept there, "
                       "so a restart picks them up instead of paying for them twice");
    long lines = cs_config_int(cfg, "batch-size");
    if (lines > CS_BATCH_MAX_LINES)
        return cs_fail(err, errlen, "--batch-size: at most %d requests per batch",
                       CS_BATCH_MAX_LINES);
    cs_batch_opts_t o = {
        .base_url = cs_config_str(cfg, "openai-base-url"),
        .api_key = cs_config_str(cfg, "openai-api-key"),
        .endpoint = "/chat/completions",
        .max_lines = (int)lines,
        .wait_ms = (int)(cs_config_double(cfg, "batch-wait") * 1000),
        .poll_ms = (int)(cs_config_double(cfg, "batch-poll") * 1000),
        .max_rounds = (int)cs_config_int(cfg, "batch-rounds"),
        .state_path = cs_config_str(cfg, "batch-state"),
        .keep_ms = (int64_t)(cs_config_double(cfg, "batch-keep") * 3600 * 1000),
        .tag = "callsift-extractor",
    };
    opts->batch = cs_batch_new(&o, err, errlen);
    if (!opts->batch)
        return -1;
    long open = cs_config_int(cfg, "batch-open");
    opts->batch_hold = lines * open > 1000000 ? 1000000 : (int)(lines * open);
    cs_info("LLM requests go through the Batch API: up to %d per batch, sent after %g s at "
            "most, polled every %g s, up to %d calls held; batch tokens at %.0f%% of the prices "
            "above; state in %s",
            o.max_lines, o.wait_ms / 1000.0, o.poll_ms / 1000.0, opts->batch_hold,
            100 * CS_BATCH_PRICE_FACTOR, o.state_path);
    return 0;
}

char *cs_extract_batch_id(const json_t *call, int chunk, int nchunks, int attempt)
{
    char *id = NULL;
    const char *ws = cs_rec_str(call, "workspace_id"), *source = cs_rec_str(call, "source"),
               *ext = cs_rec_str(call, "external_id");
    if (asprintf(&id, "%s/%s/%s/%dof%d/a%d", ws ? ws : "", source ? source : "", ext ? ext : "",
                 chunk + 1, nchunks, attempt) < 0)
        return NULL;
    return id;
}
