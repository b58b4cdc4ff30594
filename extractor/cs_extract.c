#include "cs_extract.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cs_insights.h"
#include "cs_log.h"
#include "cs_prompt.h"
#include "cs_record.h"
#include "cs_util.h"

struct cs_extract {
    cs_extract_opts_t opts;
    cs_extract_done_fn fn;
    void *arg;
    int pending;
    cs_extract_totals_t totals;
};

/* One call on its way through the LLM: one request per chunk. */
typedef struct {
    cs_extract_t *engine;
    json_t *call;   /* becomes the extraction record */
    json_t *themes; /* reference */
    json_t *chunks; /* array of utterance arrays */
    json_t *parts;  /* insights per chunk (null until answered) */
    int nchunks, remaining;
    char error[512];
    const char *cause; /* CS_CAUSE_* of error */
    long prompt_tokens, completion_tokens;
    int requests;
    int64_t started;
} job_t;

typedef struct {
    job_t *job;
    int chunk;
    int attempt;
} request_t;

cs_extract_t *cs_extract_new(const cs_extract_opts_t *opts, cs_extract_done_fn fn, void *arg)
{
    cs_extract_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->opts = *opts;
    if (self->opts.max_attempts < 1)
        self->opts.max_attempts = 1;
    if (self->opts.max_input_tokens < 500)
        self->opts.max_input_tokens = 500;
    self->fn = fn;
    self->arg = arg;
    return self;
}

void cs_extract_destroy(cs_extract_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free(*self_p);
    *self_p = NULL;
}

static const char *s_title(const json_t *call)
{
    const char *t = cs_rec_str(call, "title");
    return t ? t : cs_rec_str(call, "external_id");
}

/* Mark rec as failed: "error" and its "error_cause" (a CS_CAUSE_*). */
static void s_fail(json_t *rec, const char *error, const char *cause)
{
    json_object_set_new(rec, "error", json_string(error));
    json_object_set_new(rec, "error_cause", json_string(cause ? cause : CS_CAUSE_OTHER));
}

/* Hand a finished record to the caller. */
static void s_emit(cs_extract_t *self, json_t *rec)
{
    json_object_set_new(rec, "kind", json_string("extraction"));
    self->fn(self->arg, rec);
}

static json_t *s_usage(const char *provider, const char *model, long prompt, long completion,
                       int64_t latency, double cost, int attempts)
{
    return json_pack("{s:s, s:s, s:I, s:I, s:I, s:f, s:i}", "provider", provider, "model", model,
                     "prompt_tokens", (json_int_t)prompt, "completion_tokens",
                     (json_int_t)completion, "latency_ms", (json_int_t)latency, "cost_usd", cost,
                     "attempts", attempts);
}

static void s_count_insights(cs_extract_t *self, const json_t *insights, const json_t *call)
{
    size_t features = json_array_size(json_object_get(insights, "feature_requests"));
    size_t bugs = json_array_size(json_object_get(insights, "bug_reports"));
    self->totals.features += (long)features;
    self->totals.bugs += (long)bugs;
    cs_info("Extracted %zu features, %zu bugs from call: %s", features, bugs, s_title(call));
}

static void s_offline(cs_extract_t *self, json_t *call, const json_t *themes)
{
    int64_t t0 = cs_now_ms();
    json_t *insights = cs_offline_extract(self->opts.offline, call, themes);
    if (!insights) {
        s_fail(call, "the offline extractor failed", CS_CAUSE_OTHER);
        self->totals.failed++;
    } else {
        s_count_insights(self, insights, call);
        json_object_set_new(call, "insights", insights);
    }
    json_object_set_new(call, "llm", s_usage("offline", "offline", 0, 0, cs_now_ms() - t0, 0, 1));
    s_emit(self, call);
}

static void s_on_answer(void *arg, const cs_llm_result_t *result);

static int s_ask(job_t *job, int chunk, int attempt)
{
    cs_extract_t *self = job->engine;
    cs_prompt_opts_t p = {
        .themes = job->themes,
        .customer = json_object_get(job->call, "customer"),
        .title = cs_rec_str(job->call, "title"),
        .model = self->opts.model,
        .temperature = self->opts.temperature,
        .json_schema = self->opts.json_schema,
        .max_output_tokens = 0,
    };
    json_t *body =
        cs_prompt_extraction(&p, json_array_get(job->chunks, (size_t)chunk), chunk, job->nchunks);
    request_t *req = calloc(1, sizeof *req);
    int rc = -1;
    if (body && req) {
        *req = (request_t){.job = job, .chunk = chunk, .attempt = attempt};
        rc = cs_llm_submit(self->opts.llm, "/chat/completions", body, s_on_answer, req);
    }
    json_decref(body);
    if (rc != 0)
        free(req);
    else {
        job->requests++;
        self->totals.requests++;
    }
    return rc;
}

static void s_finish(job_t *job)
{
    cs_extract_t *self = job->engine;
    json_t *call = job->call;
    double cost = ((double)job->prompt_tokens * self->opts.price_input +
                   (double)job->completion_tokens * self->opts.price_output) /
                  1e6;
    self->totals.cost_usd += cost;
    if (job->error[0]) {
        self->totals.failed++;
        if (!job->cause)
            job->cause = CS_CAUSE_OTHER;
        if (strcmp(job->cause, CS_CAUSE_LLM_AUTH) == 0 ||
            strcmp(job->cause, CS_CAUSE_LLM_QUOTA) == 0)
            cs_warn("Extraction of call %s not done: the LLM refuses (%s); passed on to be stored "
                    "unprocessed",
                    s_title(call), job->cause); /* the stage says why once, as it stops */
        else
            cs_error("Extraction failed for call %s (%s): %s", s_title(call), job->cause,
                     job->error);
        s_fail(call, job->error, job->cause);
    } else {
        json_t *insights = job->nchunks == 1 ? json_incref(json_array_get(job->parts, 0))
                                             : cs_insights_merge(job->parts);
        s_count_insights(self, insights, call);
        json_object_set_new(call, "insights", insights);
    }
    json_object_set_new(call, "llm",
                        s_usage("openai", self->opts.model, job->prompt_tokens,
                                job->completion_tokens, cs_now_ms() - job->started, cost,
                                job->requests));
    json_decref(job->themes);
    json_decref(job->chunks);
    json_decref(job->parts);
    self->pending--;
    free(job);
    s_emit(self, call);
}

/* The answer to one chunk: validate, ask again, or record the error. */
static void s_on_answer(void *arg, const cs_llm_result_t *result)
{
    request_t *req = arg;
    job_t *job = req->job;
    cs_extract_t *self = job->engine;
    int chunk = req->chunk, attempt = req->attempt;
    free(req);

    char why[400] = "";
    if (result->status != CS_LLM_OK) {
        snprintf(job->error, sizeof job->error, "%s",
                 result->error ? result->error : "LLM request failed");
        job->cause = result->cause ? result->cause : CS_CAUSE_OTHER;
    } else {
        const char *finish = NULL;
        long pt = 0, ct = 0;
        const char *content = cs_llm_chat_content(result->response, &finish, &pt, &ct);
        job->prompt_tokens += pt;
        job->completion_tokens += ct;
        self->totals.prompt_tokens += pt;
        self->totals.completion_tokens += ct;
        json_t *insights = NULL;
        cs_insights_stats_t stats = {0};
        cs_insights_ctx_t ctx = {.themes = job->themes,
                                 .transcript = json_object_get(job->call, "transcript")};
        if (!content)
            snprintf(why, sizeof why, "the answer has no message content");
        else if (finish && strcmp(finish, "length") == 0)
            snprintf(why, sizeof why, "the answer was cut off at the token limit");
        else if (cs_insights_parse(content, &ctx, &insights, &stats, why, sizeof why) == 0) {
            json_array_set_new(job->parts, (size_t)chunk, insights);
            self->totals.quotes_dropped += stats.quotes_dropped;
            self->totals.themes_defaulted += stats.themes_defaulted;
            if (stats.quotes_dropped)
                cs_warn("Dropped %d quotes not found in the transcript of call %s",
                        stats.quotes_dropped, s_title(job->call));
        }
        if (why[0]) {
            self->totals.invalid_answers++;
            if (attempt < self->opts.max_attempts) {
                cs_warn("Invalid LLM answer for call %s (%s); asking again (attempt %d of %d)",
                        s_title(job->call), why, attempt + 1, self->opts.max_attempts);
                if (s_ask(job, chunk, attempt + 1) == 0)
                    return;
            }
            snprintf(job->error, sizeof job->error, "invalid LLM answer after %d attempts: %s",
                     attempt, why);
            job->cause = CS_CAUSE_LLM_INVALID;
        }
    }
    if (--job->remaining == 0)
        s_finish(job);
}

void cs_extract_submit(cs_extract_t *self, json_t *call, const json_t *themes)
{
    self->totals.calls++;
    const json_t *flags = json_object_get(call, "flags");
    if (json_is_false(json_object_get(flags, "extract"))) {
        self->totals.passed_through++;
        s_emit(self, call);
        return;
    }
    cs_info("Extracting features from call: %s", s_title(call));
    if (json_array_size(json_object_get(call, "transcript")) == 0) {
        /* nothing was said (or no transcript was fetched): nothing to find, nothing to ask */
        json_object_set_new(call, "insights",
                            json_pack("{s:[], s:[], s:{s:s, s:f}, s:[], s:s}", "feature_requests",
                                      "bug_reports", "sentiment", "overall", "neutral", "score",
                                      0.0, "pain_points", "summary", ""));
        s_count_insights(self, json_object_get(call, "insights"), call);
        s_emit(self, call);
        return;
    }
    if (!self->opts.llm) {
        s_offline(self, call, themes);
        return;
    }
    job_t *job = calloc(1, sizeof *job);
    if (!job) {
        s_fail(call, "out of memory", CS_CAUSE_OTHER);
        s_emit(self, call);
        return;
    }
    job->engine = self;
    job->call = call;
    job->themes = json_incref((json_t *)themes);
    job->started = cs_now_ms();
    const json_t *transcript = json_object_get(call, "transcript");
    job->chunks = cs_prompt_chunks(transcript, self->opts.max_input_tokens, 2);
    job->nchunks = (int)json_array_size(job->chunks);
    if (job->nchunks == 0) { /* only when out of memory: a non-empty transcript has a chunk */
        json_decref(job->chunks);
        json_decref(job->themes);
        free(job);
        self->totals.failed++;
        s_fail(call, "could not split the transcript", CS_CAUSE_OTHER);
        s_emit(self, call);
        return;
    }
    job->parts = json_array();
    for (int i = 0; i < job->nchunks; i++)
        json_array_append_new(job->parts, json_null());
    job->remaining = job->nchunks;
    self->pending++;
    if (job->nchunks > 1)
        cs_info("Call %s is long: asking in %d parts", s_title(call), job->nchunks);
    for (int i = 0; i < job->nchunks; i++) {
        if (s_ask(job, i, 1) != 0) {
            snprintf(job->error, sizeof job->error, "could not queue the LLM request");
            job->cause = CS_CAUSE_OTHER;
            if (--job->remaining == 0) {
                s_finish(job);
                return;
            }
        }
    }
}

int cs_extract_run(cs_extract_t *self, int timeout_ms)
{
    if (self->opts.llm && self->pending > 0)
        cs_llm_run(self->opts.llm, timeout_ms);
    return self->pending;
}

const char *cs_extract_fatal(const cs_extract_t *self, const char **cause)
{
    const char *why = self->opts.llm ? cs_llm_fatal_error(self->opts.llm) : NULL;
    if (cause)
        *cause = why ? cs_llm_fatal_cause(self->opts.llm) : NULL;
    return why;
}

int cs_extract_pending(const cs_extract_t *self)
{
    return self->pending;
}

void cs_extract_totals(const cs_extract_t *self, cs_extract_totals_t *out)
{
    *out = self->totals;
}
