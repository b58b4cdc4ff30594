#include "cs_embed.h"

#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "cs_util.h"

/* The providers that embed: one row each. */
static const cs_embed_ops_t *const s_ops[] = {
    &cs_embed_offline_ops,
    &cs_embed_openai_ops,
};

struct cs_embed {
    cs_embed_opts_t opts;
    const cs_embed_ops_t *ops;
    char model[160];
    zhashx_t *cache; /* text -> cs_vec_t * */
    cs_embed_totals_t t;
};

const cs_embed_ops_t *cs_embed_ops_find(const char *name)
{
    return cs_provider_row((const void *const *)s_ops, CS_ARRAY_LEN(s_ops), name);
}

static void s_vec_destroy(void **item)
{
    cs_vec_t *v = *item;
    if (v) {
        cs_vec_free(v);
        free(v);
    }
    *item = NULL;
}

cs_embed_t *cs_embed_new(const cs_embed_opts_t *opts)
{
    const cs_embed_ops_t *ops = cs_embed_ops_find(cs_provider_name(opts->provider));
    cs_embed_t *self = ops ? calloc(1, sizeof *self) : NULL;
    if (!self)
        return NULL;
    self->opts = *opts;
    self->ops = ops;
    ops->model(&self->opts, self->model, sizeof self->model);
    self->cache = zhashx_new();
    if (!self->cache) {
        free(self);
        return NULL;
    }
    zhashx_set_destructor(self->cache, s_vec_destroy);
    return self;
}

void cs_embed_destroy(cs_embed_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cs_embed_t *self = *self_p;
    zhashx_destroy(&self->cache);
    free(self);
    *self_p = NULL;
}

const cs_embed_ops_t *cs_embed_ops(const cs_embed_t *self)
{
    return self->ops;
}

const cs_embed_opts_t *cs_embed_opts(const cs_embed_t *self)
{
    return &self->opts;
}

const char *cs_embed_model(const cs_embed_t *self)
{
    return self->model;
}

char *cs_embed_text(const char *name, const char *description)
{
    if (description && description[0])
        return cs_strdup_printf("%.4000s. %.3900s", name ? name : "", description);
    return cs_strdup_printf("%.*s", CS_EMBED_MAX_TEXT, name ? name : "");
}

bool cs_embed_cache_get(cs_embed_t *self, const char *text, cs_vec_t *out)
{
    const cs_vec_t *cached = zhashx_lookup(self->cache, text);
    return cached && cs_vec_copy(cached, out) == 0;
}

void cs_embed_cache_put(cs_embed_t *self, const char *text, const cs_vec_t *v)
{
    if (zhashx_size(self->cache) >= CS_EMBED_CACHE_MAX)
        zhashx_purge(self->cache);
    cs_vec_t *copy = calloc(1, sizeof *copy);
    if (copy && cs_vec_copy(v, copy) == 0)
        zhashx_update(self->cache, text, copy);
    else
        free(copy);
}

void cs_embed_count(cs_embed_t *self, int requests, int inputs, long tokens)
{
    self->t.requests += requests;
    self->t.inputs += inputs;
    self->t.tokens += tokens;
    self->t.cost_usd += (double)tokens * self->opts.price / 1e6;
}

void cs_embed_totals(const cs_embed_t *self, cs_embed_totals_t *out)
{
    *out = self->t;
}

int cs_embed_vectors(cs_embed_t *self, int count, const char *const *names,
                     const char *const *descriptions, bool use_cache, cs_vec_t **out,
                     cs_embed_done_fn fn, void *arg)
{
    if (!use_cache || !self->ops->cached)
        return self->ops->vectors(self, count, names, descriptions, out, fn, arg);
    /* the ones the cache has are taken from it; the rest are asked for */
    const char **miss_names = calloc((size_t)count + 1, sizeof *miss_names);
    const char **miss_descriptions = calloc((size_t)count + 1, sizeof *miss_descriptions);
    cs_vec_t **miss_out = calloc((size_t)count + 1, sizeof *miss_out);
    int misses = 0, rc = -1;
    if (miss_names && miss_descriptions && miss_out) {
        for (int i = 0; i < count; i++) {
            char *text = cs_embed_text(names[i], descriptions[i]);
            if (!text)
                continue; /* out of memory: left without a vector, as it was never asked */
            if (cs_embed_cache_get(self, text, out[i])) {
                self->t.cached++;
            } else {
                miss_names[misses] = names[i];
                miss_descriptions[misses] = descriptions[i];
                miss_out[misses++] = out[i];
            }
            free(text);
        }
        if (misses > 0) {
            rc = self->ops->vectors(self, misses, miss_names, miss_descriptions, miss_out, fn, arg);
        } else {
            fn(arg, &(cs_embed_result_t){.status = CS_EMBED_OK});
            rc = 0;
        }
    }
    free(miss_names);
    free(miss_descriptions);
    free(miss_out);
    return rc;
}
