/*  The "offline" provider's embeddings: the hashed n-gram vectors of cs_vec, at once. */
#include "cs_embed.h"
#include "cs_util.h"

static void s_model(const cs_embed_opts_t *opts, char *buf, size_t len)
{
    (void)opts;
    cs_strlcpy(buf, CS_VEC_OFFLINE_MODEL, len);
}

static int s_vectors(cs_embed_t *e, int count, const char *const *names,
                     const char *const *descriptions, cs_vec_t **out, cs_embed_done_fn fn,
                     void *arg)
{
    (void)e;
    cs_embed_result_t r = {.status = CS_EMBED_OK};
    for (int i = 0; i < count; i++)
        if (cs_vec_offline_feature(names[i], descriptions[i], out[i]) != 0)
            r = (cs_embed_result_t){.status = CS_EMBED_FAILED, .error = "out of memory"};
    fn(arg, &r);
    return 0;
}

const cs_embed_ops_t cs_embed_offline_ops = {
    .name = CS_PROVIDER_LOCAL,
    .link_above = 0.55,
    .new_below = 0.45,
    .cached = false,
    .label = "offline n-gram",
    .model = s_model,
    .vectors = s_vectors,
};
