/*  The "openai" provider's embeddings: POST /embeddings through the provider's cs_llm client,
    at most CS_EMBED_BATCH texts per request; each answer's vectors are checked (one per
    input, of one length, not zero) and cached by text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_embed.h"
#include "cs_llm.h"
#include "cs_record.h"
#include "cs_util.h"

#define DEFAULT_MODEL "text-embedding-3-small"

/* One cs_embed_vectors() call: its batches, and how they went. */
typedef struct {
    int open; /* batches not answered yet */
    cs_embed_result_t result;
    char error[512];
    cs_embed_done_fn fn;
    void *arg;
} group_t;

/* One request. */
typedef struct {
    cs_embed_t *e;
    group_t *group;
    int count;
    char **texts;
    cs_vec_t **out;
} batch_t;

static const char *s_model_of(const cs_embed_opts_t *opts)
{
    return opts->model ? opts->model : DEFAULT_MODEL;
}

static void s_model(const cs_embed_opts_t *opts, char *buf, size_t len)
{
    if (opts->dimensions > 0)
        snprintf(buf, len, "%s@%d", s_model_of(opts), opts->dimensions);
    else
        cs_strlcpy(buf, s_model_of(opts), len);
}

static void s_batch_free(batch_t *b)
{
    for (int i = 0; b->texts && i < b->count; i++)
        free(b->texts[i]);
    free(b->texts);
    free(b->out);
    free(b);
}

/* The vectors of an embeddings answer, in input order; -1 with a reason. */
static int s_parse(const json_t *response, int count, cs_vec_t **out, char *err, size_t errlen)
{
    const json_t *data = json_object_get(response, "data");
    if (!json_is_array(data) || json_array_size(data) != (size_t)count)
        return cs_fail(err, errlen, "embeddings answer has %zu vectors for %d inputs",
                       json_array_size(data), count);
    int dims = -1;
    size_t i;
    json_t *d;
    json_array_foreach(data, i, d)
    {
        const json_t *jx = json_object_get(d, "index");
        const json_t *e = json_object_get(d, "embedding");
        json_int_t at = json_is_integer(jx) ? json_integer_value(jx) : (json_int_t)i;
        if (at < 0 || at >= count || out[at]->n || !json_is_array(e) || json_array_size(e) == 0 ||
            json_array_size(e) > 65536)
            return cs_fail(err, errlen, "embeddings answer: bad vector %zu", i);
        if (dims >= 0 && (int)json_array_size(e) != dims)
            return cs_fail(err, errlen, "embeddings answer: vectors of different lengths");
        dims = (int)json_array_size(e);
        double *v = malloc((size_t)dims * sizeof *v);
        if (!v)
            return cs_fail(err, errlen, "out of memory");
        for (int k = 0; k < dims; k++) {
            const json_t *x = json_array_get(e, (size_t)k);
            v[k] = json_is_number(x) ? json_number_value(x) : 0;
        }
        int rc = cs_vec_dense(v, dims, out[at]);
        free(v);
        if (rc != 0)
            return cs_fail(err, errlen, "embeddings answer: vector %zu is zero", i);
    }
    return 0;
}

/* A batch is over: remember the first failure; the last one calls the group's callback. */
static void s_settle(group_t *g, cs_embed_status_t status, const char *error, const char *cause)
{
    if (status != CS_EMBED_OK && g->result.status == CS_EMBED_OK) {
        g->result.status = status;
        cs_strlcpy(g->error, error ? error : "no answer", sizeof g->error);
        g->result.error = g->error;
        g->result.cause = cause;
    }
    if (--g->open == 0) {
        g->fn(g->arg, &g->result);
        free(g);
    }
}

static void s_on_answer(void *arg, const cs_llm_result_t *r)
{
    batch_t *b = arg;
    group_t *g = b->group;
    char err[512] = "";
    int rc = -1;
    if (r->status != CS_LLM_OK)
        cs_fail(err, sizeof err, "%s", r->error ? r->error : "no answer");
    else
        rc = s_parse(r->response, b->count, b->out, err, sizeof err);
    if (r->status == CS_LLM_OK) {
        long tokens = (long)json_integer_value(
            json_object_get(json_object_get(r->response, "usage"), "prompt_tokens"));
        cs_embed_count(b->e, 0, 0, tokens);
        g->result.tokens += tokens;
    }
    for (int i = 0; i < b->count; i++) {
        if (rc == 0)
            cs_embed_cache_put(b->e, b->texts[i], b->out[i]);
        else
            cs_vec_free(b->out[i]); /* a wrong answer gives no vector, not some of them */
    }
    cs_embed_status_t status = rc == 0                       ? CS_EMBED_OK
                               : r->status == CS_LLM_STOPPED ? CS_EMBED_STOPPED
                               : r->status == CS_LLM_FATAL   ? CS_EMBED_FATAL
                                                             : CS_EMBED_FAILED;
    s_batch_free(b);
    s_settle(g, status, err, r->cause);
}

/* One request for b (taken on success). */
static int s_submit(batch_t *b)
{
    const cs_embed_opts_t *o = cs_embed_opts(b->e);
    json_t *input = json_array();
    for (int i = 0; i < b->count; i++)
        json_array_append_new(input, json_string(b->texts[i]));
    json_t *body = json_pack("{s:s, s:o}", "model", s_model_of(o), "input", input);
    if (body && o->dimensions > 0)
        json_object_set_new(body, "dimensions", json_integer(o->dimensions));
    cs_llm_t *llm = cs_provider_client(o->provider);
    int rc = body && llm ? cs_llm_submit(llm, "/embeddings", body, s_on_answer, b) : -1;
    json_decref(body);
    if (rc == 0)
        cs_embed_count(b->e, 1, b->count, 0);
    return rc;
}

static int s_vectors(cs_embed_t *e, int count, const char *const *names,
                     const char *const *descriptions, cs_vec_t **out, cs_embed_done_fn fn,
                     void *arg)
{
    group_t *g = calloc(1, sizeof *g);
    if (!g)
        return -1;
    *g = (group_t){.fn = fn, .arg = arg, .open = 1}; /* held open while batches go out */
    int sent = 0;
    for (int at = 0; at < count;) {
        batch_t *b = calloc(1, sizeof *b);
        int n = count - at < CS_EMBED_BATCH ? count - at : CS_EMBED_BATCH;
        if (b) {
            *b = (batch_t){.e = e, .group = g};
            b->texts = calloc((size_t)n, sizeof *b->texts);
            b->out = calloc((size_t)n, sizeof *b->out);
        }
        for (int i = 0; b && b->texts && b->out && i < n; i++) {
            b->out[b->count] = out[at + i];
            b->texts[b->count] = cs_embed_text(names[at + i], descriptions[at + i]);
            if (b->texts[b->count])
                b->count++;
        }
        at += n;
        g->open++;
        if (!b || !b->texts || !b->out || b->count == 0 || s_submit(b) != 0) {
            if (b)
                s_batch_free(b);
            s_settle(g, CS_EMBED_FAILED, "out of memory", CS_CAUSE_EMBEDDINGS);
        } else {
            sent++;
        }
    }
    if (sent == 0) { /* nothing went out: no callback */
        free(g);
        return -1;
    }
    s_settle(g, CS_EMBED_OK, NULL, NULL);
    return 0;
}

const cs_embed_ops_t cs_embed_openai_ops = {
    .name = "openai",
    .link_above = 0.85,
    .new_below = 0.50,
    .cached = true,
    .model = s_model,
    .vectors = s_vectors,
};
