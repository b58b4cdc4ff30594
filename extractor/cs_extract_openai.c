/*  The "openai" provider's extraction: Chat Completions through the provider's cs_llm client.
    A long transcript is split into chunks (cs_prompt_chunks), each chunk is one request
    (cs_prompt_extraction), each answer is validated (cs_insights_parse), an invalid answer or
    one cut off by the token limit is asked again up to max_attempts times, and the chunks'
    insights are merged (cs_insights_merge). The feature requests an answer loses for want of
    a customer's quote are counted (callsift_extractor_requests_dropped_total{reason}, the
    totals, a warning per call). An internal meeting (no customer speaks: cs_speakers) is not
    asked: its insights are empty, with "skipped" saying why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_batch.h"
#include "cs_extract_batch.h"
#include "cs_extract_ops.h"
#include "cs_insights.h"
#include "cs_llm_answer.h"
#include "cs_llm.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_prompt.h"
#include "cs_prompt_focus.h"
#include "cs_record.h"
#include "cs_speakers.h"
#include "cs_util.h"

#define INTERNAL_MEETING "internal meeting: no customer spoke"

typedef struct {
    const cs_extract_opts_t *opts;
    cs_llm_t *llm;
    cs_extract_totals_t *totals;
} openai_t;

/* One call on its way through the LLM: one request per chunk. */
typedef struct {
    openai_t *state;
    const json_t *call;
    json_t *themes; /* reference */
    json_t *chunks; /* array of utterance arrays */
    json_t *parts;  /* insights per chunk (null until answered) */
    int nchunks, remaining;
    char error[512];
    const char *cause; /* CS_CAUSE_* of error */
    long prompt_tokens, completion_tokens, cached_tokens;
    int requests;
    cs_extract_answer_fn fn;
    void *job;
} call_t;

typedef struct {
    call_t *call;
    int chunk;
    int attempt;
} request_t;

static void *s_open(const cs_extract_opts_t *opts, cs_provider_t *provider,
                    cs_extract_totals_t *totals, char *err, size_t errlen)
{
    openai_t *state = calloc(1, sizeof *state);
    if (!state) {
        cs_fail(err, errlen, "out of memory");
        return NULL;
    }
    *state = (openai_t){.opts = opts, .llm = cs_provider_client(provider), .totals = totals};
    if (!state->llm) {
        free(state);
        cs_fail(err, errlen, "the provider has no LLM client");
        return NULL;
    }
    return state;
}

static void s_close(void *state)
{
    free(state);
}

static const char *s_title(const json_t *call)
{
    const char *t = cs_rec_str(call, "title");
    return t ? t : cs_rec_str(call, "external_id");
}

static void s_on_answer(void *arg, const cs_llm_result_t *result);

static int s_ask(call_t *c, int chunk, int attempt)
{
    const cs_extract_opts_t *o = c->state->opts;
    cs_prompt_opts_t p = {
        .themes = c->themes,
        .call = c->call,
        .customer = json_object_get(c->call, "customer"),
        .title = cs_rec_str(c->call, "title"),
        .model = o->llm.model,
        .temperature = o->temperature,
        .json_schema = o->llm.json_schema,
        .max_output_tokens = 0,
    };
    json_t *body =
        cs_prompt_extraction(&p, json_array_get(c->chunks, (size_t)chunk), chunk, c->nchunks);
    request_t *req = calloc(1, sizeof *req);
    int rc = -1;
    if (body && req) {
        *req = (request_t){.call = c, .chunk = chunk, .attempt = attempt};
        if (o->batch) { /* --llm-batch: the same request, in a batch */
            char *id = cs_extract_batch_id(c->call, chunk, c->nchunks, attempt);
            rc = id ? cs_batch_submit(o->batch, id, body, s_on_answer, req) : -1;
            free(id);
        } else {
            rc = cs_llm_submit(c->state->llm, "/chat/completions", body, s_on_answer, req);
        }
    }
    json_decref(body);
    if (rc != 0)
        free(req);
    else {
        c->requests++;
        c->state->totals->requests++;
    }
    return rc;
}

static void s_finish(call_t *c)
{
    cs_extract_answer_t a = {
        .model = c->state->opts->llm.model,
        .prompt_tokens = c->prompt_tokens,
        .completion_tokens = c->completion_tokens,
        .cached_tokens = c->cached_tokens,
        .requests = c->requests,
    };
    if (c->error[0]) {
        a.error = c->error;
        a.cause = c->cause ? c->cause : CS_CAUSE_OTHER;
    } else {
        a.insights = c->nchunks == 1 ? json_incref(json_array_get(c->parts, 0))
                                     : cs_insights_merge(c->parts);
        if (!a.insights) {
            a.error = "could not merge the insights of the chunks";
            a.cause = CS_CAUSE_OTHER;
        }
    }
    json_decref(c->themes);
    json_decref(c->chunks);
    json_decref(c->parts);
    c->fn(c->job, &a);       /* a.error points into c: c is freed after */
    json_decref(a.insights); /* NULL unless the callback left it */
    free(c);
}

/* What validating one answer removed: into the totals, the metrics and the log. */
static void s_count_dropped(const call_t *c, const cs_insights_stats_t *stats)
{
    cs_extract_totals_t *totals = c->state->totals;
    totals->quotes_dropped += stats->quotes_dropped;
    totals->themes_defaulted += stats->themes_defaulted;
    totals->requests_not_customer += stats->requests_not_customer;
    totals->requests_no_quote += stats->requests_no_quote;
    if (stats->requests_not_customer)
        cs_metrics_add("callsift_extractor_requests_dropped_total", "reason=\"quote_not_customer\"",
                       stats->requests_not_customer);
    if (stats->requests_no_quote)
        cs_metrics_add("callsift_extractor_requests_dropped_total", "reason=\"no_quote\"",
                       stats->requests_no_quote);
    if (stats->requests_not_customer || stats->requests_no_quote)
        cs_warn("Dropped %d feature requests from call %s: %d quote not a customer's words, %d "
                "no quote",
                stats->requests_not_customer + stats->requests_no_quote, s_title(c->call),
                stats->requests_not_customer, stats->requests_no_quote);
    int bug_quotes = stats->quotes_dropped - stats->requests_not_customer;
    if (bug_quotes > 0)
        cs_warn("Dropped %d bug report quotes not found in a customer's words in call %s",
                bug_quotes, s_title(c->call));
}

/* An internal meeting: no request, bug or pain point, and why. At once, without the LLM. */
static void s_internal_meeting(const json_t *call, const char *model, cs_extract_totals_t *totals,
                               cs_extract_answer_fn fn, void *job)
{
    totals->internal_meetings++;
    cs_info("Call %s is an internal meeting (no customer spoke): not extracted", s_title(call));
    cs_extract_answer_t a = {
        .insights = json_pack("{s:[], s:[], s:[], s:s}", "feature_requests", "bug_reports",
                              "pain_points", "skipped", INTERNAL_MEETING),
        .model = model,
    };
    if (!a.insights) {
        a.error = "out of memory";
        a.cause = CS_CAUSE_OTHER;
    }
    fn(job, &a);
    json_decref(a.insights); /* NULL unless the callback left it */
}

/* The answer to one chunk: validate, ask again, or record the error. */
static void s_on_answer(void *arg, const cs_llm_result_t *result)
{
    request_t *req = arg;
    call_t *c = req->call;
    cs_extract_totals_t *totals = c->state->totals;
    int max_attempts = c->state->opts->llm.max_attempts;
    int chunk = req->chunk, attempt = req->attempt;
    free(req);

    char why[400] = "";
    if (result->status != CS_LLM_OK) {
        snprintf(c->error, sizeof c->error, "%s",
                 result->error ? result->error : "LLM request failed");
        c->cause = result->cause ? result->cause : CS_CAUSE_OTHER;
    } else {
        const char *finish = NULL;
        long pt = 0, ct = 0;
        const char *content = cs_llm_chat_content(result->response, &finish, &pt, &ct);
        long cached = cs_llm_cached_tokens(result->response);
        c->prompt_tokens += pt;
        c->completion_tokens += ct;
        c->cached_tokens += cached;
        totals->prompt_tokens += pt;
        totals->completion_tokens += ct;
        totals->cached_tokens += cached;
        json_t *insights = NULL;
        cs_insights_stats_t stats = {0};
        cs_insights_ctx_t ctx = {.themes = c->themes, .call = c->call};
        if (!content)
            snprintf(why, sizeof why, "the answer has no message content");
        else if (finish && strcmp(finish, "length") == 0)
            snprintf(why, sizeof why, "the answer was cut off at the token limit");
        else if (cs_insights_parse(content, &ctx, &insights, &stats, why, sizeof why) == 0) {
            json_array_set_new(c->parts, (size_t)chunk, insights);
            s_count_dropped(c, &stats);
        }
        if (why[0]) {
            totals->invalid_answers++;
            if (attempt < max_attempts) {
                cs_warn("Invalid LLM answer for call %s (%s); asking again (attempt %d of %d)",
                        s_title(c->call), why, attempt + 1, max_attempts);
                if (s_ask(c, chunk, attempt + 1) == 0)
                    return;
            }
            snprintf(c->error, sizeof c->error, "invalid LLM answer after %d attempts: %s", attempt,
                     why);
            c->cause = CS_CAUSE_LLM_INVALID;
        }
    }
    if (--c->remaining == 0)
        s_finish(c);
}

static int s_extract(void *state, const json_t *call, const json_t *themes, cs_extract_answer_fn fn,
                     void *job)
{
    openai_t *st = state;
    cs_speakers_t sp;
    cs_speakers_resolve(call, &sp);
    if (sp.internal_meeting) {
        cs_speakers_free(&sp);
        s_internal_meeting(call, st->opts->llm.model, st->totals, fn, job);
        return 0;
    }
    /* the customer's sentences and the vendor's around them (cs_prompt_focus.h) */
    int left_out;
    json_t *focus = cs_prompt_focus(json_object_get(call, "transcript"), &sp,
                                    st->opts->vendor_context, &left_out);
    cs_speakers_free(&sp);
    call_t *c = calloc(1, sizeof *c);
    if (!c) {
        json_decref(focus);
        return -1;
    }
    *c = (call_t){.state = st, .call = call, .fn = fn, .job = job};
    st->totals->vendor_left_out += left_out;
    c->chunks = cs_prompt_chunks(focus, st->opts->max_input_tokens, 2);
    json_decref(focus);
    c->nchunks = (int)json_array_size(c->chunks);
    c->parts = json_array();
    if (c->nchunks == 0 || !c->parts) { /* only when out of memory: a transcript has a chunk */
        json_decref(c->chunks);
        json_decref(c->parts);
        free(c);
        return -1;
    }
    c->themes = json_incref((json_t *)themes);
    for (int i = 0; i < c->nchunks; i++)
        json_array_append_new(c->parts, json_null());
    c->remaining = c->nchunks;
    if (c->nchunks > 1)
        cs_info("Call %s is long: asking in %d parts", s_title(call), c->nchunks);
    for (int i = 0; i < c->nchunks; i++) {
        if (s_ask(c, i, 1) != 0) {
            snprintf(c->error, sizeof c->error, "could not queue the LLM request");
            c->cause = CS_CAUSE_OTHER;
            if (--c->remaining == 0) {
                s_finish(c);
                return 0;
            }
        }
    }
    return 0;
}

const cs_extract_ops_t cs_extract_openai_ops = {
    .name = "openai",
    .open = s_open,
    .close = s_close,
    .extract = s_extract,
};
