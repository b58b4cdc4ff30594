#include "cs_match_config.h"

#include <string.h>

#include "cs_embed.h"
#include "cs_judge.h"
#include "cs_llm.h"
#include "cs_log.h"
#include "cs_util.h"

int cs_match_configure(const cs_config_t *cfg, cs_match_opts_t *o, char *err, size_t errlen)
{
    bool fell_back = false;
    cs_provider_model_t pm;
    const char *judge = cs_provider_choose(cfg, "provider", NULL, &fell_back, err, errlen);
    const char *vectors =
        judge ? cs_provider_choose(cfg, "vectors", judge, NULL, err, errlen) : NULL;
    if (!vectors || cs_provider_model(cfg, &pm, err, errlen) != 0)
        return -1;
    const cs_embed_ops_t *embed = cs_embed_ops_find(vectors);
    if (!embed)
        return cs_fail(err, errlen, "--vectors %s: that provider does not embed", vectors);
    if (!cs_judge_ops_find(judge))
        return cs_fail(err, errlen, "--provider %s: that provider has no judge row", judge);
    o->model = pm.model;
    o->json_schema = pm.json_schema;
    o->max_attempts = pm.max_attempts;
    o->price_input = pm.price_input;
    o->price_output = pm.price_output;
    o->embedding_model = cs_config_str(cfg, "embedding-model");
    o->dimensions = (int)cs_config_int(cfg, "embedding-dimensions");
    o->link_above = embed->link_above;
    o->new_below = embed->new_below;
    double emb = 0, unused = 0;
    cs_llm_model_price(o->embedding_model, &emb, &unused);
    o->price_embedding =
        cs_config_str(cfg, "price-embedding") ? cs_config_double(cfg, "price-embedding") : emb;
    o->judge = cs_provider_open(cfg, judge, err, errlen);
    if (!o->judge)
        return -1;
    o->vectors =
        strcmp(vectors, judge) == 0 ? o->judge : cs_provider_open(cfg, vectors, err, errlen);
    if (!o->vectors) {
        cs_match_unconfigure(o);
        return -1;
    }
    if (fell_back && !cs_judge_ops_find(judge)->ask)
        cs_warn("*** OPENAI_API_KEY is not set: the OFFLINE matcher decides by similarity alone "
                "(no LLM judge). Set OPENAI_API_KEY or --provider openai to use one. ***");
    return 0;
}

void cs_match_log_setup(const cs_config_t *cfg, const cs_match_opts_t *o)
{
    const cs_embed_ops_t *embed = cs_embed_ops_find(cs_provider_name(o->vectors));
    const cs_judge_ops_t *judge = cs_judge_ops_find(cs_provider_name(o->judge));
    bool asks = judge && judge->ask;
    cs_info("Matching with %s vectors (link at >= %.2f, new below %.2f), %s",
            embed && embed->label ? embed->label : o->embedding_model, o->link_above, o->new_below,
            asks ? "the LLM judge in between" : "similarity alone in between");
    if (asks)
        cs_info("Judge: %s at %s (%s, temperature 0.2, links at confidence >= %.2f and >= %.2f "
                "over the runner-up)",
                o->model, cs_config_str(cfg, "openai-base-url"),
                cs_config_str(cfg, "response-format"), o->threshold, o->judge_margin);
}

void cs_match_unconfigure(cs_match_opts_t *o)
{
    if (o->vectors != o->judge)
        cs_provider_destroy(&o->vectors);
    o->vectors = NULL;
    cs_provider_destroy(&o->judge);
}
