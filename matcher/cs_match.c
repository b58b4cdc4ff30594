#include "cs_match.h"
#include "cs_collapse.h"
#include "cs_match_scores.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "cs_embed.h"
#include "cs_judge.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_record.h"
#include "cs_util.h"
#include "cs_uuid.h"

#define MAX_CANDIDATES 50
#define MAX_RECHECKS   8 /* decisions taken again because the catalogue moved meanwhile */

typedef struct job job_t;

typedef struct {
    job_t *job;
    int index;
    const json_t *req; /* the feature request (borrowed from job->rec) */
    char theme_id[CS_UUID_LEN];
    char own_id[CS_UUID_LEN]; /* the id it gets when it is created */
    cs_vec_t vec;
    cs_vec_t words;          /* its title's terms, for the lexical score (cs_vec_words) */
    double judge_confidence; /* the judge's verdict's confidence; -1: none */
    size_t snap;             /* catalogue size when the candidates were taken */
    int reloads;             /* catalogue reloads then */
    json_t *candidates; /* [{id, name, description, similarity, lexical, fused, aliases, quotes}] */
    int answers;        /* judge answers asked for this decision */
    int rechecks;
    bool judged; /* went to the judge at least once */
    bool done;
} item_t;

struct job {
    cs_match_t *m;
    json_t *rec;
    cs_catalog_t *cat;
    item_t *items;
    int n, open;
    json_t *decisions;
    char message_id[CS_UUID_LEN];
    long tokens;
    int created, linked;
    bool stopped;
    char *error;       /* set when the call cannot be decided: passed on undecided with it */
    const char *cause; /* its CS_CAUSE_* */
    void *handle;      /* in m->jobs */
};

struct cs_match {
    cs_match_opts_t opts;
    const cs_judge_ops_t *judge; /* the judge provider's row (ask NULL: no judge) */
    cs_judge_opts_t judge_opts;
    cs_embed_t *embed; /* vectors */
    cs_match_done_fn fn;
    void *arg;
    zlistx_t *jobs;
    cs_match_totals_t t;
};

static void s_decide(item_t *it);

/* ---- the engine ----------------------------------------------------------------------------- */

static void s_job_free(job_t *job)
{
    for (int i = 0; i < job->n; i++) {
        cs_vec_free(&job->items[i].vec);
        cs_vec_free(&job->items[i].words);
        json_decref(job->items[i].candidates);
    }
    free(job->items);
    json_decref(job->decisions);
    json_decref(job->rec);
    free(job->error);
    free(job);
}

/* The job cannot be decided: remember the first reason (error text, CS_CAUSE_*). */
static void s_job_fail(job_t *job, const char *error, const char *cause)
{
    if (job->error)
        return;
    job->error = strdup(error);
    job->cause = cause ? cause : CS_CAUSE_OTHER;
}

cs_match_t *cs_match_new(const cs_match_opts_t *opts, cs_match_done_fn fn, void *arg)
{
    cs_match_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->opts = *opts;
    if (self->opts.candidates <= 0)
        self->opts.candidates = 5;
    if (self->opts.candidates > MAX_CANDIDATES)
        self->opts.candidates = MAX_CANDIDATES;
    if (self->opts.max_attempts <= 0)
        self->opts.max_attempts = 1;
    self->judge = cs_judge_ops_find(cs_provider_name(opts->judge));
    self->judge_opts = (cs_judge_opts_t){.model = opts->model, .json_schema = opts->json_schema};
    cs_embed_opts_t eo = {.provider = opts->vectors,
                          .model = opts->embedding_model,
                          .dimensions = opts->dimensions,
                          .price = opts->price_embedding};
    self->embed = cs_embed_new(&eo);
    self->fn = fn;
    self->arg = arg;
    self->jobs = zlistx_new();
    if (!self->judge || !self->embed || !self->jobs) {
        cs_match_destroy(&self);
        return NULL;
    }
    return self;
}

void cs_match_destroy(cs_match_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cs_match_t *self = *self_p;
    for (job_t *job = self->jobs ? zlistx_first(self->jobs) : NULL; job;
         job = zlistx_next(self->jobs))
        s_job_free(job);
    zlistx_destroy(&self->jobs);
    cs_embed_destroy(&self->embed);
    free(self);
    *self_p = NULL;
}

const cs_match_opts_t *cs_match_opts(const cs_match_t *self)
{
    return &self->opts;
}

void cs_match_add_merged(cs_match_t *self, int n)
{
    self->t.merged += n;
}

const char *cs_match_vector_model(const cs_match_t *self)
{
    return cs_embed_model(self->embed);
}

int cs_match_pending(const cs_match_t *self)
{
    return (int)zlistx_size(self->jobs);
}

int cs_match_window(const cs_match_t *self)
{
    int judge = cs_provider_window(self->opts.judge);
    int vectors = cs_provider_window(self->opts.vectors);
    return judge > 0 && (vectors <= 0 || judge < vectors) ? judge : vectors;
}

int cs_match_run(cs_match_t *self, int timeout_ms)
{
    if (cs_provider_pending(self->opts.judge) > 0) {
        cs_provider_run(self->opts.judge, timeout_ms);
        timeout_ms = 0;
    }
    if (self->opts.vectors != self->opts.judge && cs_provider_pending(self->opts.vectors) > 0)
        cs_provider_run(self->opts.vectors, timeout_ms);
    return cs_match_pending(self);
}

void cs_match_totals(const cs_match_t *self, cs_match_totals_t *out)
{
    *out = self->t;
    cs_embed_totals_t e;
    cs_embed_totals(self->embed, &e);
    out->embed_requests = e.requests;
    out->embed_inputs = e.inputs;
    out->embed_cached = e.cached;
    out->embedding_tokens = e.tokens;
    out->cost_usd += e.cost_usd;
}

/* ---- finishing a job ---------------------------------------------------------------------- */

static void s_emit(job_t *job)
{
    cs_match_t *m = job->m;
    zlistx_detach(m->jobs, job->handle);
    if (job->stopped) { /* cut short by a stop: not sent, the fetcher sends the call again */
        s_job_free(job);
        return;
    }
    json_t *rec = job->rec;
    job->rec = NULL;
    json_object_set_new(rec, "kind", json_string("decision"));
    if (job->error) { /* undecided: the writer stores the call unprocessed */
        m->t.failed++;
        json_object_set_new(rec, "error", json_string(job->error));
        json_object_set_new(rec, "error_cause", json_string(job->cause));
        json_decref(job->decisions);
        job->decisions = json_array();
        job->created = job->linked = 0;
        json_object_del(rec, "merges");
    }
    json_object_set(rec, "decisions", job->decisions ? job->decisions : json_array());
    if (job->created + job->linked > 0 && !m->opts.quiet)
        cs_info("→ Created %d new features, matched %d to existing features", job->created,
                job->linked);
    long tokens = job->tokens;
    s_job_free(job);
    m->fn(m->arg, rec, tokens);
}

static void s_item_done(item_t *it)
{
    it->done = true;
    if (--it->job->open == 0)
        s_emit(it->job);
}

/* Record the decision on it: link to `target`, or create it (target NULL). */
static void s_finish(item_t *it, const cs_feature_t *target, const char *method, double confidence,
                     double similarity, const char *reasoning)
{
    job_t *job = it->job;
    cs_match_t *m = job->m;
    /* a redelivered call meets the feature it created itself: that is its creation again */
    bool create = !target || strcmp(target->id, it->own_id) == 0;
    const char *title = cs_rec_str(it->req, "title");
    confidence = cs_match_round(confidence < 0 ? 0 : confidence > 1 ? 1 : confidence);
    json_t *d = json_pack("{s:i, s:s, s:s, s:s, s:f, s:s, s:s}", "index", it->index, "action",
                          create ? "create" : "link", "feature_id",
                          create ? it->own_id : target->id, "name", title, "confidence", confidence,
                          "reasoning", reasoning ? reasoning : "", "method", method);
    const char *theme_id = target && target->theme_id[0] ? target->theme_id : it->theme_id;
    if (theme_id[0])
        json_object_set_new(d, "theme_id", json_string(theme_id));
    const char *keep[] = {"description", "urgency", "quote", "speaker"};
    for (size_t i = 0; i < CS_ARRAY_LEN(keep); i++)
        if (cs_rec_str(it->req, keep[i]))
            json_object_set_new(d, keep[i], json_string(cs_rec_str(it->req, keep[i])));
    const json_t *sure = json_object_get(it->req, "confidence");
    if (json_is_number(sure))
        json_object_set_new(d, "request_confidence", json_real(json_number_value(sure)));
    if (similarity >= 0)
        json_object_set_new(d, "similarity",
                            json_real(cs_match_round(similarity > 1 ? 1 : similarity)));
    json_object_set_new(d, "candidates", cs_match_record_candidates(it->candidates));
    json_object_set_new(
        d, "scores",
        cs_match_scores(it->candidates, create ? NULL : target->id, it->judge_confidence));
    if (create && it->vec.n) {
        json_t *values, *index;
        cs_vec_to_json(&it->vec, &values, &index);
        json_object_set_new(d, "embedding", values);
        if (index)
            json_object_set_new(d, "embedding_index", index);
        json_object_set_new(d, "embedding_model", json_string(cs_embed_model(m->embed)));
    }
    json_array_set_new(job->decisions, (size_t)it->index, d);

    if (create) {
        job->created++;
        m->t.created++;
    } else {
        job->linked++;
        m->t.linked++;
        /* the name it came under joins the feature's aliases, so what is like it links too */
        cs_feature_t *f = cs_catalog_at(job->cat, target->pos);
        cs_vec_t copy = {0};
        if (f == target && strcmp(method, "exact") != 0 && cs_vec_copy(&it->vec, &copy) == 0)
            cs_catalog_add_alias(job->cat, f, title, &copy);
        m->t.merged += cs_collapse_linked(job->cat, f, it->candidates, &m->opts, job->rec);
    }
    /* its quote is the feature's newest, for the judge to read */
    const cs_feature_t *kept = cs_catalog_get(job->cat, create ? it->own_id : target->id);
    if (kept)
        cs_catalog_add_quote(cs_catalog_at(job->cat, kept->pos), cs_rec_str(it->req, "quote"));
    const char *label = "embedding";
    if (strcmp(method, "exact") == 0) {
        m->t.by_exact++;
        label = "exact";
    } else if (strcmp(method, "llm") == 0) {
        m->t.by_llm++;
        label = "llm";
    } else {
        m->t.by_embedding++;
    }
    char labels[64];
    snprintf(labels, sizeof labels, "action=\"%s\",method=\"%s\"", create ? "create" : "link",
             label);
    cs_metrics_add("callsift_decisions_total", labels, 1);
    if (!m->opts.quiet) {
        /* the seed's lines, with the theme the feature is filed under ("None" without one) */
        const char *theme = cs_catalog_theme_name(job->cat, theme_id);
        if (!theme)
            theme = "None";
        if (create)
            cs_info("✓ Created new: '%s' (confidence it's unique: %.2f) (Theme: %s)", title,
                    confidence, theme);
        else
            cs_info("✓ Matched to existing: '%s' (confidence: %.2f) (Theme: %s) - %s", target->name,
                    confidence, theme, reasoning ? reasoning : "");
    }
    s_item_done(it);
}

/* Did a feature like this one join the catalogue since its candidates were taken? */
static bool s_moved(item_t *it)
{
    cs_catalog_t *cat = it->job->cat;
    const cs_match_opts_t *o = &it->job->m->opts;
    if (cs_catalog_reloads(cat) != it->reloads)
        return true;
    if (cs_catalog_size(cat) == it->snap)
        return false;
    const char *scope = o->cross_theme ? NULL : it->theme_id;
    if (cs_catalog_exact(cat, scope, cs_rec_str(it->req, "title"), it->snap))
        return true;
    cs_hit_t hit;
    return cs_catalog_top(cat, scope, &it->vec, &it->words, 1, &hit, it->snap) == 1 &&
           hit.fused >= o->new_below;
}

static void s_create(item_t *it, const char *method, double confidence, double similarity,
                     const char *reasoning)
{
    job_t *job = it->job;
    if (it->rechecks < MAX_RECHECKS && s_moved(it)) {
        it->rechecks++;
        job->m->t.rechecks++;
        s_decide(it);
        return;
    }
    cs_vec_t copy;
    if (cs_vec_copy(&it->vec, &copy) == 0 &&
        !cs_catalog_add(job->cat, it->own_id, it->theme_id, cs_rec_str(it->req, "title"),
                        cs_rec_str(it->req, "description"), &copy, true))
        cs_vec_free(&copy); /* already there: a redelivery */
    s_finish(it, NULL, method, confidence, similarity, reasoning);
}

static void s_link(item_t *it, const char *feature_id, const char *method, double confidence,
                   double similarity, const char *reasoning)
{
    const cs_feature_t *target = cs_catalog_get(it->job->cat, feature_id);
    while (target && target->merged_into) /* merged away while the judge thought */
        target = target->merged_into;
    if (!target || cs_catalog_reloads(it->job->cat) != it->reloads) {
        /* the catalogue was reloaded while the judge thought: decide on what is there now */
        if (it->rechecks++ < MAX_RECHECKS) {
            it->job->m->t.rechecks++;
            s_decide(it);
            return;
        }
        if (!target) {
            s_create(it, method, 1 - confidence, similarity, "the matched feature is gone");
            return;
        }
    }
    s_finish(it, target, method, confidence, similarity, reasoning);
}

/* ---- the ambiguous band -------------------------------------------------------------------- */

/* Offline, or when the judge could not answer: by the scores alone. In the band a request
   links to its first candidate when that one stands out: its fused score is at least
   band_margin above the runner-up's. c, how far up the band the score is, gives the
   confidence: 0.5 + c/2 for a link, 1 - c/2 for a new feature. */
static void s_by_similarity(item_t *it, const char *why_no_judge)
{
    const cs_match_opts_t *o = &it->job->m->opts;
    double s = cs_match_best(it->candidates), margin = cs_match_margin(it->candidates);
    double span = o->link_above - o->new_below;
    double c = span > 0 ? (s - o->new_below) / span : 0;
    if (c < 0)
        c = 0;
    if (c > 1)
        c = 1;
    const json_t *top = json_array_get(it->candidates, 0);
    const json_t *second = json_array_get(it->candidates, 1);
    bool link = margin >= o->band_margin;
    char why[1400];
    snprintf(why, sizeof why,
             "%s%sScore %.2f to '%.200s' (vector %.2f, lexical %.2f) is between new-below %.2f "
             "and link-above %.2f; %s%.200s%s at %.2f, a margin of %.2f: %s %.2f",
             why_no_judge ? why_no_judge : "", why_no_judge ? "; " : "", s, cs_rec_str(top, "name"),
             cs_rec_num(top, "similarity", 0), cs_rec_num(top, "lexical", 0), o->new_below,
             o->link_above, second ? "the runner-up '" : "no runner-up",
             second ? cs_rec_str(second, "name") : "", second ? "'" : "",
             second ? cs_rec_num(second, "fused", 0) : 0.0, margin,
             link ? "linked, as that reaches the band margin"
                  : "kept separate, below the band margin",
             o->band_margin);
    double vec = cs_rec_num(top, "similarity", 0);
    if (link)
        s_link(it, cs_rec_str(top, "id"), "embedding", 0.5 + c / 2, vec, why);
    else
        s_create(it, "embedding", 1 - c / 2, vec, why);
}

static void s_on_judge(void *arg, const cs_judge_answer_t *a);

static void s_ask_judge(item_t *it)
{
    cs_match_t *m = it->job->m;
    json_t *feature =
        json_pack("{s:s, s:s}", "title", cs_rec_str(it->req, "title"), "description",
                  cs_rec_str(it->req, "description") ? cs_rec_str(it->req, "description") : "");
    int rc = feature ? m->judge->ask(m->opts.judge, &m->judge_opts, feature, it->candidates,
                                     s_on_judge, it)
                     : -1;
    json_decref(feature);
    if (rc != 0) {
        s_by_similarity(it, "the judge request could not be built (out of memory)");
        return;
    }
    m->t.judge_requests++;
    cs_metrics_add("callsift_judge_requests_total", NULL, 1);
    if (!it->judged)
        m->t.judged++;
    it->judged = true;
}

static void s_on_judge(void *arg, const cs_judge_answer_t *a)
{
    item_t *it = arg;
    cs_match_t *m = it->job->m;
    if (a->status == CS_JUDGE_STOPPED) {
        it->job->stopped = true;
        s_item_done(it);
        return;
    }
    char why[600];
    if (a->status == CS_JUDGE_FATAL) { /* a wrong key, no quota: the call waits for a fixed one */
        m->t.judge_failures++;
        char *msg = cs_strdup_printf("matcher: the judge failed: %s", a->error);
        s_job_fail(it->job, msg ? msg : "matcher: the judge failed", a->cause);
        free(msg);
        s_item_done(it);
        return;
    }
    if (a->status == CS_JUDGE_FAILED) {
        m->t.judge_failures++;
        snprintf(why, sizeof why, "The judge failed (%.500s)", a->error ? a->error : "no answer");
        s_by_similarity(it, why);
        return;
    }
    long pt = a->prompt_tokens, ct = a->completion_tokens;
    m->t.prompt_tokens += pt;
    m->t.completion_tokens += ct;
    m->t.cost_usd += ((double)pt * m->opts.price_input + (double)ct * m->opts.price_output) / 1e6;
    it->job->tokens += pt + ct;
    if (a->status != CS_JUDGE_OK) {
        m->t.invalid_answers++;
        if (++it->answers < m->opts.max_attempts) {
            cs_warn("Invalid judge answer for '%s' (%s); asking again (%d of %d)",
                    cs_rec_str(it->req, "title"), a->error, it->answers + 1, m->opts.max_attempts);
            s_ask_judge(it);
            return;
        }
        m->t.judge_failures++;
        snprintf(why, sizeof why, "The judge gave %d invalid answers (last: %.400s)", it->answers,
                 a->error);
        s_by_similarity(it, why);
        return;
    }
    const cs_verdict_t v = *a->verdict;
    it->judge_confidence = v.confidence;
    double sim = cs_rec_num(json_array_get(it->candidates, 0), "similarity", 0);
    if (v.is_duplicate) {
        size_t i;
        json_t *c;
        json_array_foreach(it->candidates, i, c)
        {
            if (strcmp(cs_rec_str(c, "id"), v.matching_feature_id) == 0)
                sim = cs_rec_num(c, "similarity", sim);
        }
    }
    /* the gates: a candidate's id (cs_judge_parse), the confidence, the margin over the
       runner-up (a margin short of it by less than 1e-9 is rounding, not doubt) */
    double margin = v.confidence - v.runner_up_confidence;
    bool sure = v.confidence >= m->opts.threshold;
    bool apart = margin + 1e-9 >= m->opts.judge_margin;
    if (v.is_duplicate && sure && apart) {
        s_link(it, v.matching_feature_id, "llm", v.confidence, sim, v.reasoning);
        return;
    }
    char reasoning[1400];
    if (v.is_duplicate && !sure)
        snprintf(reasoning, sizeof reasoning,
                 "%s [duplicate at confidence %.2f, below FEATURE_MATCH_CONFIDENCE %.2f: kept "
                 "separate]",
                 v.reasoning, v.confidence, m->opts.threshold);
    else if (v.is_duplicate)
        snprintf(reasoning, sizeof reasoning,
                 "%s [runner-up at %.2f: margin %.2f below %.2f: kept separate]", v.reasoning,
                 v.runner_up_confidence, margin, m->opts.judge_margin);
    else
        cs_strlcpy(reasoning, v.reasoning, sizeof reasoning);
    s_create(it, "llm", v.is_duplicate ? 1 - v.confidence : v.confidence, sim, reasoning);
}

/* ---- the decision -------------------------------------------------------------------------- */

static void s_decide(item_t *it)
{
    job_t *job = it->job;
    cs_match_t *m = job->m;
    const cs_match_opts_t *o = &m->opts;
    cs_catalog_t *cat = job->cat;
    const char *title = cs_rec_str(it->req, "title");
    const char *scope = o->cross_theme ? NULL : it->theme_id;
    it->snap = cs_catalog_size(cat);
    it->reloads = cs_catalog_reloads(cat);
    it->answers = 0;
    it->judge_confidence = -1; /* a verdict of an earlier round */

    cs_hit_t hits[MAX_CANDIDATES];
    int n = cs_catalog_top(cat, scope, &it->vec, &it->words, o->candidates, hits, 0);
    json_decref(it->candidates);
    it->candidates = json_array();
    for (int i = 0; i < n; i++) {
        const cs_feature_t *f = hits[i].feature;
        json_t *aliases = json_array(), *quotes = json_array();
        for (int a = 0; a < f->naliases; a++)
            json_array_append_new(aliases, json_string(f->aliases[a].name));
        for (int q = 0; q < CS_CATALOG_QUOTES && f->quotes[q]; q++)
            json_array_append_new(quotes, json_string(f->quotes[q]));
        json_array_append_new(
            it->candidates, json_pack("{s:s, s:s, s:s, s:f, s:f, s:f, s:o, s:o}", "id", f->id,
                                      "name", f->name, "description", f->description, "similarity",
                                      hits[i].similarity, "lexical", hits[i].lexical, "fused",
                                      hits[i].fused, "aliases", aliases, "quotes", quotes));
    }

    char why[1024];
    const cs_feature_t *same = cs_catalog_exact(cat, scope, title, 0);
    if (same) {
        snprintf(why, sizeof why, "Same name as the existing feature '%.300s'", same->name);
        s_finish(it, same, "exact", 1.0, cs_catalog_similarity(cat, same, &it->vec), why);
        return;
    }
    if (n == 0) {
        s_create(it, "embedding", 1.0, -1,
                 cs_catalog_size(cat) ? "No existing feature shares anything with it"
                                      : "The catalogue has no features yet");
        return;
    }
    double best = hits[0].fused;
    if (best >= o->link_above) {
        snprintf(why, sizeof why,
                 "Score %.2f to '%.300s' (vector %.2f, lexical %.2f) is at or above link-above "
                 "%.2f",
                 best, hits[0].feature->name, hits[0].similarity, hits[0].lexical, o->link_above);
        s_link(it, hits[0].feature->id, "embedding", best, hits[0].similarity, why);
        return;
    }
    if (best < o->new_below) {
        snprintf(why, sizeof why,
                 "The closest feature, '%.300s', scores %.2f (vector %.2f, lexical %.2f), below "
                 "new-below %.2f",
                 hits[0].feature->name, best, hits[0].similarity, hits[0].lexical, o->new_below);
        s_create(it, "embedding", 1 - best, hits[0].similarity, why);
        return;
    }
    if (m->judge->ask)
        s_ask_judge(it);
    else
        s_by_similarity(it, NULL);
}

static void s_decide_all(job_t *job)
{
    job->open = job->n;
    /* the last s_decide may finish (and free) the job: nothing of it is read after that */
    int n = job->n;
    item_t *items = job->items;
    for (int i = 0; i < n; i++)
        s_decide(&items[i]);
}

/* ---- vectors ------------------------------------------------------------------------------- */

/* The vectors of a job's feature requests are in (or not). */
static void s_on_vectors(void *arg, const cs_embed_result_t *r)
{
    job_t *job = arg;
    job->tokens += r->tokens;
    if (r->status == CS_EMBED_OK) {
        s_decide_all(job);
        return;
    }
    if (r->status == CS_EMBED_STOPPED) {
        job->stopped = true;
        s_emit(job);
        return;
    }
    if (r->status == CS_EMBED_FATAL) /* the stage says why once, as it stops */
        cs_warn("Call %s passed on undecided: the LLM refuses (%s)",
                cs_rec_str(job->rec, "external_id"), r->cause);
    else
        cs_error("Cannot embed the features of call %s: %s", cs_rec_str(job->rec, "external_id"),
                 r->error);
    char *msg = cs_strdup_printf("matcher: embeddings failed: %s", r->error);
    s_job_fail(job, msg ? msg : "matcher: embeddings failed",
               r->status == CS_EMBED_FATAL ? r->cause : CS_CAUSE_EMBEDDINGS);
    free(msg);
    json_decref(job->decisions);
    job->decisions = json_array();
    s_emit(job);
}

/* cs_match_prepare's request for the catalogue's features without a vector. */
typedef struct {
    cs_catalog_t *cat;
    int count;
    cs_feature_t **feats;
    cs_vec_t *vecs;
    bool done, abandoned; /* answered; no longer waited for (the callback frees it) */
    bool failed;
} prepare_t;

static void s_prepare_free(prepare_t *p)
{
    for (int i = 0; p->vecs && i < p->count; i++)
        cs_vec_free(&p->vecs[i]);
    free(p->vecs);
    free(p->feats);
    free(p);
}

static void s_on_prepared(void *arg, const cs_embed_result_t *r)
{
    prepare_t *p = arg;
    p->done = true;
    p->failed = r->status != CS_EMBED_OK;
    if (p->abandoned) {
        s_prepare_free(p);
        return;
    }
    for (int i = 0; i < p->count; i++)
        if (p->vecs[i].n)
            cs_catalog_set_vec(p->cat, p->feats[i], &p->vecs[i]);
    if (p->failed && r->status != CS_EMBED_FATAL) /* a refusal: the stage says why as it stops */
        cs_error("Cannot embed catalogue features: %s", r->error);
}

int cs_match_prepare(cs_match_t *self, cs_catalog_t *cat, char *err, size_t errlen)
{
    size_t missing = cs_catalog_missing(cat);
    if (missing == 0)
        return 0;
    if (cs_embed_ops(self->embed)->cached)
        cs_info("Embedding %zu catalogue features with %s (their stored vectors are from another "
                "model, or they have none)",
                missing, cs_embed_model(self->embed));
    prepare_t *p = calloc(1, sizeof *p);
    const char **names = calloc(missing, sizeof *names);
    const char **descriptions = calloc(missing, sizeof *descriptions);
    cs_vec_t **out = calloc(missing, sizeof *out);
    int rc = -1;
    if (p && names && descriptions && out) {
        p->cat = cat;
        p->feats = calloc(missing, sizeof *p->feats);
        p->vecs = calloc(missing, sizeof *p->vecs);
        for (size_t i = 0; p->feats && p->vecs && i < cs_catalog_size(cat); i++) {
            cs_feature_t *f = cs_catalog_at(cat, i);
            if (f->vec.n || (size_t)p->count == missing)
                continue;
            p->feats[p->count] = f;
            names[p->count] = f->name;
            descriptions[p->count] = f->description;
            out[p->count] = &p->vecs[p->count];
            p->count++;
        }
        if (p->feats && p->vecs)
            rc = cs_embed_vectors(self->embed, p->count, names, descriptions, false, out,
                                  s_on_prepared, p);
    }
    free(names);
    free(descriptions);
    free(out);
    if (rc != 0) {
        if (p)
            s_prepare_free(p);
        return cs_fail(err, errlen, "out of memory");
    }
    while (!p->done && !cs_stop_requested())
        cs_provider_run(self->opts.vectors, 200);
    if (!p->done) /* stopping: the requests end as stopped */
        cs_provider_run(self->opts.vectors, 0);
    bool failed = p->failed;
    if (p->done)
        s_prepare_free(p);
    else
        p->abandoned = true;
    if (failed || cs_catalog_missing(cat))
        return cs_fail(err, errlen, "%zu catalogue features could not be embedded",
                       cs_catalog_missing(cat));
    return 0;
}

/* ---- submit -------------------------------------------------------------------------------- */

static void s_pass_through(cs_match_t *self, json_t *rec)
{
    self->t.passed_through++;
    json_object_set_new(rec, "kind", json_string("decision"));
    json_object_set_new(rec, "decisions", json_array());
    self->fn(self->arg, rec, 0);
}

void cs_match_fail(cs_match_t *self, json_t *rec, const char *error, const char *cause)
{
    self->t.extractions++;
    self->t.failed++;
    json_object_set_new(rec, "error", json_string(error));
    json_object_set_new(rec, "error_cause", json_string(cause ? cause : CS_CAUSE_OTHER));
    json_object_set_new(rec, "kind", json_string("decision"));
    json_object_set_new(rec, "decisions", json_array());
    self->fn(self->arg, rec, 0);
}

const char *cs_match_fatal(const cs_match_t *self, const char **cause)
{
    const char *why = cs_provider_fatal(self->opts.judge, cause);
    return why ? why : cs_provider_fatal(self->opts.vectors, cause);
}

void cs_match_submit(cs_match_t *self, json_t *rec, cs_catalog_t *cat)
{
    self->t.extractions++;
    const json_t *requests = json_object_get(json_object_get(rec, "insights"), "feature_requests");
    if (cs_rec_str(rec, "error") || !json_is_array(requests) || json_array_size(requests) == 0) {
        s_pass_through(self, rec);
        return;
    }
    job_t *job = calloc(1, sizeof *job);
    int n = (int)json_array_size(requests);
    if (job)
        job->items = calloc((size_t)n, sizeof *job->items);
    if (!job || !job->items) {
        free(job);
        cs_error("Out of memory deciding call %s; passing it on undecided",
                 cs_rec_str(rec, "external_id"));
        s_pass_through(self, rec);
        return;
    }
    job->m = self;
    job->rec = rec;
    job->cat = cat;
    job->n = n;
    job->decisions = json_array();
    cs_uuid_message_id(cs_rec_str(rec, "workspace_id"), cs_rec_str(rec, "source"),
                       cs_rec_str(rec, "external_id"), job->message_id);
    job->handle = zlistx_add_end(self->jobs, job);
    self->t.features += n;

    const char **names = calloc((size_t)n, sizeof *names);
    const char **descriptions = calloc((size_t)n, sizeof *descriptions);
    cs_vec_t **out = calloc((size_t)n, sizeof *out);
    for (int i = 0; i < n; i++) {
        item_t *it = &job->items[i];
        it->job = job;
        it->index = i;
        it->req = json_array_get(requests, (size_t)i);
        json_array_append_new(job->decisions, json_null());
        const char *theme = cs_catalog_theme_id(cat, cs_rec_str(it->req, "theme"));
        cs_strlcpy(it->theme_id, theme ? theme : "", sizeof it->theme_id);
        cs_uuid_feature_id(job->message_id, i, it->own_id);
        if (cs_vec_words(cs_rec_str(it->req, "title"), &it->words) != 0)
            it->words = (cs_vec_t){0}; /* out of memory: the vector alone decides */
        if (names && descriptions && out) {
            names[i] = cs_rec_str(it->req, "title");
            descriptions[i] = cs_rec_str(it->req, "description");
            out[i] = &it->vec;
        }
    }
    int rc = names && descriptions && out ? cs_embed_vectors(self->embed, n, names, descriptions,
                                                             true, out, s_on_vectors, job)
                                          : -1;
    free(names);
    free(descriptions);
    free(out);
    if (rc != 0) {
        cs_error("Cannot ask for the embeddings of call %s (out of memory)",
                 cs_rec_str(rec, "external_id"));
        s_job_fail(job, "matcher: out of memory", CS_CAUSE_OTHER);
        s_emit(job);
    }
}
