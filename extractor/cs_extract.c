#include "cs_extract.h"

#include <stdlib.h>
#include <string.h>

#include "cs_batch.h"
#include "cs_extract_budget.h"
#include "cs_extract_ops.h"
#include "cs_llm_answer.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_record.h"
#include "cs_util.h"

/* The providers that extract: one row each (cs_extract_ops.h). */
static const cs_extract_ops_t *const s_ops[] = {
    &cs_extract_offline_ops,
    &cs_extract_openai_ops,
};

struct cs_extract {
    cs_extract_opts_t opts;
    const cs_extract_ops_t *ops;
    void *state; /* the row's */
    cs_extract_done_fn fn;
    void *arg;
    int pending;
    cs_extract_totals_t totals;
    cs_budget_t *budget;
    bool holding; /* the last call checked was held: the next that goes ends the spell */
};

/* One call at the provider. */
typedef struct {
    cs_extract_t *engine;
    json_t *call; /* becomes the extraction record */
    int64_t started;
} job_t;

const cs_extract_ops_t *cs_extract_ops_find(const char *name)
{
    return cs_provider_row((const void *const *)s_ops, CS_ARRAY_LEN(s_ops), name);
}

int cs_extract_configure(const cs_config_t *cfg, cs_extract_opts_t *opts, char *err, size_t errlen)
{
    bool fell_back = false;
    const char *name = cs_provider_choose(cfg, "provider", NULL, &fell_back, err, errlen);
    if (!name || cs_provider_model(cfg, &opts->llm, err, errlen) != 0)
        return -1;
    if (!cs_extract_ops_find(name))
        return cs_fail(err, errlen, "--provider %s: that provider does not extract", name);
    opts->temperature = cs_config_double(cfg, "temperature");
    opts->budget_usd = cs_config_double(cfg, "budget-usd");
    /* cached prompt tokens: --price-cached-input, else the model's list price when the input
       price is the list price too, else the input price (nothing cheaper is assumed) */
    double listed;
    if (cs_config_str(cfg, "price-cached-input"))
        opts->price_cached = cs_config_double(cfg, "price-cached-input");
    else if (!cs_config_str(cfg, "price-input") &&
             cs_llm_model_cached_price(opts->llm.model, &listed))
        opts->price_cached = listed;
    else
        opts->price_cached = opts->llm.price_input;
    opts->max_input_tokens = (int)cs_config_int(cfg, "max-input-tokens");
    opts->vendor_context = (int)cs_config_int(cfg, "vendor-context");
    opts->provider = cs_provider_open(cfg, name, err, errlen);
    if (!opts->provider)
        return -1;
    if (!cs_provider_client(opts->provider)) {
        if (fell_back)
            cs_warn(
                "*** OPENAI_API_KEY is not set: using the built-in OFFLINE extractor (cue phrases "
                "and a small linear model, no LLM). Set OPENAI_API_KEY or --provider openai to "
                "use an LLM. ***");
        else
            cs_info("Using the built-in %s extractor", name);
    } else {
        cs_info("Using %s at %s (%s, temperature %.1f, %d requests in flight; USD per million "
                "tokens: %g in, %g cached in, %g out)",
                opts->llm.model, cs_config_str(cfg, "openai-base-url"),
                cs_config_str(cfg, "response-format"), opts->temperature,
                (int)cs_config_int(cfg, "concurrency"), opts->llm.price_input, opts->price_cached,
                opts->llm.price_output);
        if (opts->budget_usd > 0)
            cs_info("LLM budget of this run: $%.4f (--budget-usd); calls past it are stored "
                    "unprocessed with cause budget",
                    opts->budget_usd);
    }
    return 0;
}

cs_extract_t *cs_extract_new(const cs_extract_opts_t *opts, cs_extract_done_fn fn, void *arg)
{
    cs_extract_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->opts = *opts;
    if (self->opts.llm.max_attempts < 1)
        self->opts.llm.max_attempts = 1;
    if (self->opts.max_input_tokens < 500)
        self->opts.max_input_tokens = 500;
    self->fn = fn;
    self->arg = arg;
    self->budget = cs_budget_new(self->opts.budget_usd, self->opts.budget_db);
    if (!self->budget) {
        cs_error("out of memory");
        free(self);
        return NULL;
    }
    const char *name = cs_provider_name(opts->provider);
    self->ops = cs_extract_ops_find(name);
    char err[512] = "out of memory";
    if (self->ops)
        self->state =
            self->ops->open(&self->opts, self->opts.provider, &self->totals, err, sizeof err);
    if (!self->state) {
        cs_error("The %s extraction cannot start: %s", name,
                 self->ops ? err : "that provider does not extract");
        cs_budget_destroy(&self->budget);
        free(self);
        return NULL;
    }
    return self;
}

void cs_extract_destroy(cs_extract_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cs_extract_t *self = *self_p;
    self->ops->close(self->state);
    cs_budget_destroy(&self->budget);
    free(self);
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

static void s_count_insights(cs_extract_t *self, const json_t *insights, const json_t *call)
{
    size_t features = json_array_size(json_object_get(insights, "feature_requests"));
    size_t bugs = json_array_size(json_object_get(insights, "bug_reports"));
    self->totals.features += (long)features;
    self->totals.bugs += (long)bugs;
    cs_info("Extracted %zu features, %zu bugs from call: %s", features, bugs, s_title(call));
}

/* The provider is done with a call: record the insights or the error, and the usage. */
static void s_on_answer(void *arg, cs_extract_answer_t *a)
{
    job_t *job = arg;
    cs_extract_t *self = job->engine;
    json_t *call = job->call;
    double cost = cs_llm_cost_usd(a->prompt_tokens, a->cached_tokens, a->completion_tokens,
                                  self->opts.llm.price_input, self->opts.price_cached,
                                  self->opts.llm.price_output);
    if (self->opts.batch) { /* OpenAI's Batch pricing */
        cost *= CS_BATCH_PRICE_FACTOR;
        self->totals.batch_prompt_tokens += a->prompt_tokens;
        self->totals.batch_completion_tokens += a->completion_tokens;
        self->totals.batch_cost_usd += cost;
    }
    self->totals.cost_usd += cost;
    const char *ws = cs_rec_str(call, "workspace_id");
    cs_budget_spent(self->budget, ws, cost);
    if (cost > 0 && ws && strlen(ws) < 64) { /* a validated record's workspace: a UUID */
        char labels[96];
        snprintf(labels, sizeof labels, "workspace=\"%s\"", ws);
        cs_metrics_add("callsift_llm_workspace_cost_usd_total", labels, cost);
    }
    if (!a->insights) {
        const char *cause = a->cause ? a->cause : CS_CAUSE_OTHER;
        self->totals.failed++;
        if (strcmp(cause, CS_CAUSE_LLM_AUTH) == 0 || strcmp(cause, CS_CAUSE_LLM_QUOTA) == 0)
            cs_warn("Extraction of call %s not done: the LLM refuses (%s); passed on to be stored "
                    "unprocessed",
                    s_title(call), cause); /* the stage says why once, as it stops */
        else
            cs_error("Extraction failed for call %s (%s): %s", s_title(call), cause,
                     a->error ? a->error : "no insights");
        s_fail(call, a->error ? a->error : "no insights", cause);
    } else {
        s_count_insights(self, a->insights, call);
        json_object_set_new(call, "insights", a->insights);
        a->insights = NULL;
    }
    json_object_set_new(call, "llm",
                        json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:f, s:i}", "provider",
                                  self->ops->name, "model", a->model ? a->model : "",
                                  "prompt_tokens", (json_int_t)a->prompt_tokens,
                                  "completion_tokens", (json_int_t)a->completion_tokens,
                                  "cached_tokens", (json_int_t)a->cached_tokens, "latency_ms",
                                  (json_int_t)(cs_now_ms() - job->started), "cost_usd", cost,
                                  "attempts", a->requests));
    self->pending--;
    free(job);
    s_emit(self, call);
}

/* Past a budget (a provider that costs something only): the call comes out unprocessed with
   cause budget, said loudly when the holding starts and in a line per call after. True when
   held. */
static bool s_held(cs_extract_t *self, json_t *call)
{
    if (!cs_provider_client(self->opts.provider))
        return false;
    char why[512];
    cs_budget_verdict_t v = cs_budget_check(self->budget, cs_rec_str(call, "workspace_id"),
                                            self->totals.cost_usd, why, sizeof why);
    if (v == CS_BUDGET_GO) {
        self->holding = false;
        return false;
    }
    self->totals.held_budget++;
    if (!self->holding)
        cs_warn("*** LLM budget reached: calls are now stored unprocessed with cause budget, "
                "nothing is lost. %s ***",
                why);
    else
        cs_info("Call %s %s", s_title(call), why);
    self->holding = true;
    cs_metrics_add("callsift_calls_held_budget_total",
                   v == CS_BUDGET_RUN ? "budget=\"run\"" : "budget=\"monthly\"", 1);
    s_fail(call, why, CS_CAUSE_BUDGET);
    s_emit(self, call);
    return true;
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
    if (s_held(self, call))
        return;
    job_t *job = calloc(1, sizeof *job);
    if (!job) {
        s_fail(call, "out of memory", CS_CAUSE_OTHER);
        s_emit(self, call);
        return;
    }
    *job = (job_t){.engine = self, .call = call, .started = cs_now_ms()};
    self->pending++;
    if (self->ops->extract(self->state, call, themes, s_on_answer, job) != 0) {
        self->pending--;
        free(job);
        self->totals.failed++;
        s_fail(call, "could not start the extraction (out of memory)", CS_CAUSE_OTHER);
        s_emit(self, call);
    }
}

int cs_extract_run(cs_extract_t *self, int timeout_ms)
{
    if (self->opts.batch) /* also with nothing pending: batches resumed at start are polled */
        cs_batch_run(self->opts.batch);
    else if (self->pending > 0)
        cs_provider_run(self->opts.provider, timeout_ms);
    return self->pending;
}

const char *cs_extract_fatal(const cs_extract_t *self, const char **cause)
{
    const char *why = self->opts.batch ? cs_batch_fatal(self->opts.batch, cause) : NULL;
    return why ? why : cs_provider_fatal(self->opts.provider, cause);
}

int cs_extract_pending(const cs_extract_t *self)
{
    return self->pending;
}

int cs_extract_window(const cs_extract_t *self)
{
    if (self->opts.batch)
        return (self->opts.batch_hold + 1) / 2;
    return cs_provider_window(self->opts.provider);
}

void cs_extract_totals(const cs_extract_t *self, cs_extract_totals_t *out)
{
    *out = self->totals;
}

void cs_extract_set_budget_db(cs_extract_t *self, cs_db_t *db)
{
    cs_budget_set_db(self->budget, db);
}
