/*  The "openai" provider's judge: one Chat Completions request (cs_judge_request) through the
    provider's cs_llm client, its answer checked by cs_judge_parse. */
#include <stdlib.h>

#include "cs_judge.h"
#include "cs_llm.h"

typedef struct {
    json_t *candidates; /* reference: the answer is checked against them */
    bool json_schema;   /* asked for: runner_up_confidence is required */
    cs_judge_answer_fn fn;
    void *arg;
} question_t;

static void s_on_answer(void *arg, const cs_llm_result_t *r)
{
    question_t *q = arg;
    cs_judge_answer_t a = {.error = r->error ? r->error : "no answer", .cause = r->cause};
    cs_verdict_t v;
    char err[256];
    if (r->status == CS_LLM_STOPPED)
        a.status = CS_JUDGE_STOPPED;
    else if (r->status == CS_LLM_FATAL)
        a.status = CS_JUDGE_FATAL;
    else if (r->status != CS_LLM_OK)
        a.status = CS_JUDGE_FAILED;
    else {
        const char *content =
            cs_llm_chat_content(r->response, NULL, &a.prompt_tokens, &a.completion_tokens);
        if (cs_judge_parse(content, q->candidates, q->json_schema, &v, err, sizeof err) != 0) {
            a.status = CS_JUDGE_INVALID;
            a.error = err;
        } else {
            a.status = CS_JUDGE_OK;
            a.verdict = &v;
            a.error = NULL;
        }
    }
    q->fn(q->arg, &a);
    json_decref(q->candidates);
    free(q);
}

static int s_ask(cs_provider_t *provider, const cs_judge_opts_t *opts, const json_t *feature,
                 const json_t *candidates, cs_judge_answer_fn fn, void *arg)
{
    cs_llm_t *llm = cs_provider_client(provider);
    question_t *q = calloc(1, sizeof *q);
    json_t *body = cs_judge_request(opts->model, opts->json_schema, feature, candidates);
    if (!llm || !q || !body) {
        free(q);
        json_decref(body);
        return -1;
    }
    *q = (question_t){.candidates = json_incref((json_t *)candidates),
                      .json_schema = opts->json_schema,
                      .fn = fn,
                      .arg = arg};
    int rc = cs_llm_submit(llm, "/chat/completions", body, s_on_answer, q);
    json_decref(body);
    if (rc != 0) {
        json_decref(q->candidates);
        free(q);
    }
    return rc;
}

const cs_judge_ops_t cs_judge_openai_ops = {.name = "openai", .ask = s_ask};
