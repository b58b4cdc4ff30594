/* cs_embed: feature vectors through a provider's embeddings: the offline n-gram vectors at
   once, and the openai embeddings endpoint (the fake, over real HTTP) in batches, with the
   cache by text, the usage and its cost, and the failures a caller tells apart. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "cs_embed.h"
#include "cs_llm.h"
#include "cs_log.h"
#include "cs_record.h"
#include "cs_util.h"
#include "fake_openai.h"

static void setup(void)
{
    cs_log_init("test");
    cs_log_set_level(CS_LOG_ERROR);
}

static void teardown(void)
{
    cs_log_reset();
}

TestSuite(embed, .init = setup, .fini = teardown, .timeout = 60);

/* How cs_embed_vectors ended, as the callback saw it. */
typedef struct {
    int calls;
    cs_embed_status_t status;
    char error[512];
    char cause[64];
    long tokens;
} s_seen_t;

static void s_done(void *arg, const cs_embed_result_t *r)
{
    s_seen_t *seen = arg;
    seen->calls++;
    seen->status = r->status;
    seen->tokens = r->tokens;
    snprintf(seen->error, sizeof seen->error, "%s", r->error ? r->error : "");
    snprintf(seen->cause, sizeof seen->cause, "%s", r->cause ? r->cause : "");
}

/* count features "feature i" with descriptions "about i" (or none), their vectors zeroed. */
typedef struct {
    int count;
    char **names, **descriptions;
    cs_vec_t *vecs;
    cs_vec_t **out;
} s_batch_t;

static void s_batch(s_batch_t *b, int count, bool described)
{
    b->count = count;
    b->names = calloc((size_t)count, sizeof *b->names);
    b->descriptions = calloc((size_t)count, sizeof *b->descriptions);
    b->vecs = calloc((size_t)count, sizeof *b->vecs);
    b->out = calloc((size_t)count, sizeof *b->out);
    cr_assert(b->names && b->descriptions && b->vecs && b->out);
    for (int i = 0; i < count; i++) {
        b->names[i] = cs_strdup_printf("feature %d", i);
        b->descriptions[i] = described ? cs_strdup_printf("about %d", i) : NULL;
        b->out[i] = &b->vecs[i];
    }
}

static void s_batch_free(s_batch_t *b)
{
    for (int i = 0; i < b->count; i++) {
        free(b->names[i]);
        free(b->descriptions[i]);
        cs_vec_free(&b->vecs[i]);
    }
    free(b->names);
    free(b->descriptions);
    free(b->vecs);
    free(b->out);
}

static int s_ask(cs_embed_t *e, s_batch_t *b, bool use_cache, s_seen_t *seen)
{
    return cs_embed_vectors(e, b->count, (const char *const *)b->names,
                            (const char *const *)b->descriptions, use_cache, b->out, s_done, seen);
}

/* The openai provider against a fresh fake. */
typedef struct {
    fake_openai_t *fake;
    cs_llm_t *llm;
    cs_provider_t *provider;
    cs_embed_t *e;
} s_rig_t;

static void s_rig(s_rig_t *r, int dimensions)
{
    r->fake = fake_openai_start();
    cr_assert_not_null(r->fake);
    cs_llm_opts_t lo = {.base_url = fake_openai_url(r->fake),
                        .api_key = "sk-test",
                        .max_attempts = 2,
                        .backoff_base_ms = 10,
                        .backoff_cap_ms = 20};
    char err[256];
    r->llm = cs_llm_new(&lo, err, sizeof err);
    cr_assert_not_null(r->llm, "%s", err);
    r->provider = cs_provider_new("openai", r->llm);
    cs_embed_opts_t o = {.provider = r->provider,
                         .model = "text-embedding-3-small",
                         .dimensions = dimensions,
                         .price = 0.02};
    r->e = cs_embed_new(&o);
    cr_assert_not_null(r->e);
}

static void s_rig_free(s_rig_t *r)
{
    cs_embed_destroy(&r->e);
    cs_provider_destroy(&r->provider);
    cs_llm_destroy(&r->llm);
    fake_openai_stop(&r->fake);
}

static void s_wait(s_rig_t *r, const s_seen_t *seen)
{
    for (int i = 0; i < 200 && seen->calls == 0; i++)
        cs_provider_run(r->provider, 100);
    cr_assert_eq(seen->calls, 1, "the callback runs once");
}

/* ---- offline ---------------------------------------------------------------------------- */

Test(embed, offline_vectors_come_at_once_and_cost_nothing)
{
    cs_embed_opts_t o = {.provider = NULL}; /* the local provider */
    cs_embed_t *e = cs_embed_new(&o);
    cr_assert_not_null(e);
    cr_assert_str_eq(cs_embed_model(e), CS_VEC_OFFLINE_MODEL);
    cr_assert_eq(cs_embed_ops(e), &cs_embed_offline_ops);
    cr_assert_not(cs_embed_ops(e)->cached);
    s_batch_t b;
    s_batch(&b, 3, true);
    s_seen_t seen = {0};
    cr_assert_eq(s_ask(e, &b, true, &seen), 0);
    cr_assert_eq(seen.calls, 1, "answered before cs_embed_vectors returns");
    cr_assert_eq(seen.status, CS_EMBED_OK);
    for (int i = 0; i < 3; i++) {
        cs_vec_t want;
        cr_assert_eq(cs_vec_offline_feature(b.names[i], b.descriptions[i], &want), 0);
        cr_assert_float_eq(cs_vec_dot(&want, &b.vecs[i]), 1.0, 1e-6, "the n-gram vector");
        cs_vec_free(&want);
    }
    cs_embed_totals_t t;
    cs_embed_totals(e, &t);
    cr_assert_eq(t.requests + t.inputs + t.cached + t.tokens, 0);
    cr_assert_float_eq(t.cost_usd, 0.0, 1e-12);
    s_batch_free(&b);
    cs_embed_destroy(&e);
    cr_assert_null(e);
    cs_embed_destroy(&e);
}

Test(embed, a_provider_that_does_not_embed_has_no_engine)
{
    cr_assert_eq(cs_embed_ops_find("offline"), &cs_embed_offline_ops);
    cr_assert_eq(cs_embed_ops_find("openai"), &cs_embed_openai_ops);
    cr_assert_null(cs_embed_ops_find("nonsense"));
    cr_assert_null(cs_embed_ops_find(NULL));
    /* every row gives the band bounds its vectors need */
    cr_assert(cs_embed_offline_ops.new_below < cs_embed_offline_ops.link_above);
    cr_assert(cs_embed_openai_ops.new_below < cs_embed_openai_ops.link_above);
}

Test(embed, the_text_is_name_then_description_and_capped)
{
    char *t = cs_embed_text("Okta SSO", "Single sign-on");
    cr_assert_str_eq(t, "Okta SSO. Single sign-on");
    free(t);
    t = cs_embed_text("Okta SSO", "");
    cr_assert_str_eq(t, "Okta SSO");
    free(t);
    char *long_name = malloc(20000);
    memset(long_name, 'n', 19999);
    long_name[19999] = '\0';
    t = cs_embed_text(long_name, long_name);
    cr_assert_leq(strlen(t), CS_EMBED_MAX_TEXT);
    free(t);
    t = cs_embed_text(long_name, NULL);
    cr_assert_eq(strlen(t), CS_EMBED_MAX_TEXT);
    free(t);
    free(long_name);
}

/* ---- openai --------------------------------------------------------------------------------- */

Test(embed, openai_batches_inputs_and_counts_usage)
{
    s_rig_t r = {0};
    s_rig(&r, 0);
    cr_assert_str_eq(cs_embed_model(r.e), "text-embedding-3-small");
    int n = CS_EMBED_BATCH + 44;
    s_batch_t b;
    s_batch(&b, n, true);
    s_seen_t seen = {0};
    cr_assert_eq(s_ask(r.e, &b, false, &seen), 0);
    s_wait(&r, &seen);
    cr_assert_eq(seen.status, CS_EMBED_OK, "%s", seen.error);
    cr_assert_eq(fake_openai_count(r.fake, "/embeddings"), 2, "two batches");
    const fake_openai_request_t *first = fake_openai_request(r.fake, 0);
    const fake_openai_request_t *second = fake_openai_request(r.fake, 1);
    size_t a = json_array_size(json_object_get(first->body, "input"));
    size_t c = json_array_size(json_object_get(second->body, "input"));
    cr_assert(a + c == (size_t)n && (a == CS_EMBED_BATCH || c == CS_EMBED_BATCH), "%zu + %zu", a,
              c);
    /* the two requests are in flight at once: either may arrive first */
    const fake_openai_request_t *full = a == CS_EMBED_BATCH ? first : second;
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(full->body, "input"), 0)),
                     "feature 0. about 0");
    cr_assert_null(json_object_get(first->body, "dimensions"));
    for (int i = 0; i < n; i++)
        cr_assert_eq(b.vecs[i].n, FAKE_OPENAI_DIM, "vector %d", i);
    cr_assert_gt(seen.tokens, 0);
    cs_embed_totals_t t;
    cs_embed_totals(r.e, &t);
    cr_assert_eq(t.requests, 2);
    cr_assert_eq(t.inputs, n);
    cr_assert_eq(t.tokens, seen.tokens);
    cr_assert_float_eq(t.cost_usd, (double)seen.tokens * 0.02 / 1e6, 1e-12);
    s_batch_free(&b);
    s_rig_free(&r);
}

Test(embed, openai_vectors_are_cached_by_text)
{
    s_rig_t r = {0};
    s_rig(&r, 16);
    cr_assert_str_eq(cs_embed_model(r.e), "text-embedding-3-small@16");
    s_batch_t b;
    s_batch(&b, 2, false);
    s_seen_t seen = {0};
    cr_assert_eq(s_ask(r.e, &b, true, &seen), 0);
    s_wait(&r, &seen);
    cr_assert_eq(seen.status, CS_EMBED_OK, "%s", seen.error);
    const fake_openai_request_t *req = fake_openai_last_request(r.fake, "/embeddings");
    cr_assert_eq(json_integer_value(json_object_get(req->body, "dimensions")), 16);
    cr_assert_eq(b.vecs[0].n, 16);

    /* the same texts again: from the cache, at once */
    s_batch_t again;
    s_batch(&again, 3, false);
    s_seen_t seen2 = {0};
    cr_assert_eq(s_ask(r.e, &again, true, &seen2), 0);
    s_wait(&r, &seen2);
    cr_assert_eq(fake_openai_count(r.fake, "/embeddings"), 2, "only the new text is asked");
    req = fake_openai_last_request(r.fake, "/embeddings");
    cr_assert_eq(json_array_size(json_object_get(req->body, "input")), 1);
    cr_assert_float_eq(cs_vec_dot(&b.vecs[1], &again.vecs[1]), 1.0, 1e-6);
    cs_embed_totals_t t;
    cs_embed_totals(r.e, &t);
    cr_assert_eq(t.cached, 2);

    /* without the cache: asked afresh */
    s_seen_t seen3 = {0};
    s_batch_t fresh;
    s_batch(&fresh, 1, false);
    cr_assert_eq(s_ask(r.e, &fresh, false, &seen3), 0);
    s_wait(&r, &seen3);
    cr_assert_eq(fake_openai_count(r.fake, "/embeddings"), 3);
    s_batch_free(&b);
    s_batch_free(&again);
    s_batch_free(&fresh);
    s_rig_free(&r);
}

Test(embed, openai_a_wrong_answer_fails_and_is_not_cached)
{
    s_rig_t r = {0};
    s_rig(&r, 0);
    fake_openai_answer_t short_answer = {
        .kind = FAKE_OPENAI_RAW,
        .body = "{\"object\": \"list\", \"data\": [{\"index\": 0, \"embedding\": [0.5, 0.5]}], "
                "\"usage\": {\"prompt_tokens\": 7}}"};
    cr_assert_eq(fake_openai_push(r.fake, "/embeddings", &short_answer), 0);
    s_batch_t b;
    s_batch(&b, 2, false);
    s_seen_t seen = {0};
    cr_assert_eq(s_ask(r.e, &b, true, &seen), 0);
    s_wait(&r, &seen);
    cr_assert_eq(seen.status, CS_EMBED_FAILED);
    cr_assert(strstr(seen.error, "1 vectors for 2 inputs"), "%s", seen.error);
    cr_assert_eq(seen.tokens, 7, "a wrong answer is still paid for");

    fake_openai_answer_t zero = {
        .kind = FAKE_OPENAI_RAW,
        .body = "{\"object\": \"list\", \"data\": [{\"index\": 0, \"embedding\": [0.5, 0.5]}, "
                "{\"index\": 1, \"embedding\": [0, 0]}], \"usage\": {\"prompt_tokens\": 7}}"};
    cr_assert_eq(fake_openai_push(r.fake, "/embeddings", &zero), 0);
    s_batch_t half;
    s_batch(&half, 2, true);
    s_seen_t seen_half = {0};
    cr_assert_eq(s_ask(r.e, &half, true, &seen_half), 0);
    s_wait(&r, &seen_half);
    cr_assert_eq(seen_half.status, CS_EMBED_FAILED);
    cr_assert(strstr(seen_half.error, "vector 1 is zero"), "%s", seen_half.error);
    cr_assert_eq(half.vecs[0].n, 0, "no vector from an answer that is wrong as a whole");
    s_batch_free(&half);
    s_batch_t again;
    s_batch(&again, 2, false);
    s_seen_t seen2 = {0};
    cr_assert_eq(s_ask(r.e, &again, true, &seen2), 0);
    s_wait(&r, &seen2);
    cr_assert_eq(seen2.status, CS_EMBED_OK, "%s", seen2.error);
    cr_assert_eq(fake_openai_count(r.fake, "/embeddings"), 3, "nothing was cached");
    s_batch_free(&b);
    s_batch_free(&again);
    s_rig_free(&r);
}

Test(embed, openai_a_refused_key_is_fatal_with_its_cause)
{
    s_rig_t r = {0};
    s_rig(&r, 0);
    fake_openai_set_api_key(r.fake, "sk-other");
    s_batch_t b;
    s_batch(&b, 1, false);
    s_seen_t seen = {0};
    cr_assert_eq(s_ask(r.e, &b, true, &seen), 0);
    s_wait(&r, &seen);
    cr_assert_eq(seen.status, CS_EMBED_FATAL);
    cr_assert_str_eq(seen.cause, CS_CAUSE_LLM_AUTH);
    const char *cause = NULL;
    cr_assert_not_null(cs_provider_fatal(r.provider, &cause));
    cr_assert_str_eq(cause, CS_CAUSE_LLM_AUTH);
    s_batch_free(&b);
    s_rig_free(&r);
}
