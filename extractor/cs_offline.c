/*  cs_offline: the built-in extraction provider (see cs_offline.h for what it does).

    This file is the extraction: speakers, sentences, requests, bugs, titles, sentiment, pain
    points and the summary. Its parts:
      cs_offline_text.c    tokens and sentences, as extractor/model/train_request_model.py
                           makes them, and phrase matching;
      cs_offline_linear.c  the model: loading the weights and scoring a sentence;
      cs_offline_words.c   the hand-written word lists;
      cs_offline_dialogue.c  how a sentence reads in its dialogue (answers, restatements,
                           needs, negatives);
      cs_offline_theme.c   the theme of a request by similarity;
      cs_offline_lang.c    the language of the customer's speech;
      cs_speakers.c        who speaks for the vendor and who for the customer. */
#include "cs_offline.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs_log.h"
#include "cs_offline_dialogue.h"
#include "cs_offline_lang.h"
#include "cs_offline_linear.h"
#include "cs_offline_text.h"
#include "cs_offline_theme.h"
#include "cs_offline_title.h"
#include "cs_offline_words.h"
#include "cs_record.h"
#include "cs_speakers.h"
#include "cs_util.h"

#define MAX_PAIN_POINTS 5
#define MAX_PAIN_BYTES  240
#define MAX_SUMMARY     400
#define MAX_SUMMARY_ONE 3 /* sentences */

/* Probability below which an explicit bug phrase does not make a sentence a bug ("the bug
   we fixed last year"); explicit request phrases need no score. */
#define EXPLICIT_BUG_FLOOR 0.1
/* A bug score from which a sentence is a bug even without a word of trouble in it. */
#define BUG_SURE 0.8
/* The vendor's reply to a customer's sentence is read up to this many sentences. */
#define REPLY_SENTENCES 4

/* A sentence the rep answers with a gap is an ask when it has a word that asks or the
   model gives it at least this score. */
#define GAP_MODEL_FLOOR 0.3

/* Talk of leaving makes the problems named in the same turn or the next few turns reasons. */
#define CHURN_TURNS 3

/* How sure the extractor is that a customer's sentence is a request, by what made it one. */
#define CONF_GAP_ANSWER  0.85 /* a question the rep answered "not yet", "roadmap"... */
#define CONF_RESTATED    0.80 /* the customer agreed to the rep's restatement */
#define CONF_EXPLICIT    0.75 /* request words ("we'd love", "we really need a") */
#define CONF_MODEL       0.55 /* the model's score, with a word that asks (plus its margin) */
#define CONF_NEED_NOTED  0.65 /* a need stated as a problem, which the rep noted */
#define CONF_NEED        0.45 /* a need stated as a problem, nobody reacting */
#define CONF_UNANSWERED  0.40 /* a question asking for something, with no answer */
#define CONF_NOTED_BONUS 0.10 /* the rep noted it for the product team */
#define CONF_MAX         0.95
/* Less sure when the title names one word only, or an outcome rather than a thing. */
#define CONF_ONE_WORD_TITLE 0.25
#define CONF_OUTCOME_TITLE  0.35

/* One sentence of the transcript. */
typedef struct {
    const char *text; /* the utterance's text, borrowed from the call */
    size_t start, end;
    const char *speaker; /* borrowed; NULL when unknown */
    size_t utt;          /* the utterance's index in the transcript */
    bool customer, vendor;
    cs_offline_tokens_t tok;
    double score[2];   /* request, bug; customer sentences only */
    int kind;          /* -1 nothing, 0 request, 1 bug */
    double confidence; /* of a request: 0..1 */
    size_t context;    /* a request agreeing to the rep's restatement: that sentence, else NONE */
    size_t object;     /* the restatement's first word of the object */
    bool need_only;    /* a request only as a need stated as a problem */
    bool pain;
} sentence_t;

#define NONE SIZE_MAX

typedef struct {
    sentence_t *s;
    size_t count, cap;
    bool truncated;
    /* the utterance being split */
    const char *text;
    const char *speaker;
    size_t utt;
    bool customer, vendor;
    bool failed;
    bool internal_meeting; /* nobody speaks for the customer (cs_speakers.h) */
    bool any_vendor;       /* somebody speaks for the vendor */
} sentences_t;

static void s_add_sentence(void *ctx, size_t start, size_t end)
{
    sentences_t *all = ctx;
    if (all->failed)
        return;
    if (all->count >= CS_OFFLINE_MAX_SENTENCES) {
        all->truncated = true;
        return;
    }
    if (all->count == all->cap) {
        size_t cap = all->cap ? 2 * all->cap : 64;
        sentence_t *grown = realloc(all->s, cap * sizeof *grown);
        if (!grown) {
            all->failed = true;
            return;
        }
        all->s = grown;
        all->cap = cap;
    }
    all->s[all->count++] = (sentence_t){.text = all->text,
                                        .start = start,
                                        .end = end,
                                        .speaker = all->speaker,
                                        .utt = all->utt,
                                        .customer = all->customer,
                                        .vendor = all->vendor,
                                        .kind = -1,
                                        .context = NONE};
}

static void s_sentences_free(sentences_t *all)
{
    for (size_t i = 0; i < all->count; i++)
        cs_offline_tokens_free(&all->s[i].tok);
    free(all->s);
    memset(all, 0, sizeof *all);
}

static const char *s_speaker_of(const json_t *call, const json_t *utt)
{
    const char *name = cs_rec_str(utt, "speaker");
    if (name && *name)
        return name;
    name = cs_rec_str(cs_speakers_participant(call, cs_rec_str(utt, "speaker_id")), "name");
    if (name && *name)
        return name;
    name = cs_rec_str(utt, "speaker_id");
    return name && *name ? name : NULL;
}

/* Split every utterance into sentences, marking customer speech (see cs_offline.h). */
static int s_collect_sentences(const json_t *call, sentences_t *all)
{
    const json_t *transcript = json_object_get(call, "transcript");
    size_t n = json_is_array(transcript) ? json_array_size(transcript) : 0;
    cs_speakers_t sp;
    cs_speakers_resolve(call, &sp);
    all->internal_meeting = sp.internal_meeting;
    for (size_t i = 0; i < n && !all->failed; i++) {
        const json_t *utt = json_array_get(transcript, i);
        const char *text = cs_rec_str(utt, "text");
        if (!text)
            continue;
        all->text = text;
        all->speaker = s_speaker_of(call, utt);
        all->utt = i;
        all->customer = cs_speakers_is_customer(&sp, utt);
        all->vendor = cs_speakers_is_vendor(&sp, utt);
        all->any_vendor |= all->vendor;
        cs_offline_split_sentences(text, strlen(text), s_add_sentence, all);
    }
    cs_speakers_free(&sp);
    if (all->truncated)
        cs_warn("offline extractor: call '%s' has more than %d sentences; the rest is ignored",
                cs_rec_str(call, "external_id") ? cs_rec_str(call, "external_id") : "?",
                CS_OFFLINE_MAX_SENTENCES);
    return all->failed ? -1 : 0;
}

static double s_logit(double p)
{
    if (p <= 1e-12)
        p = 1e-12;
    if (p >= 1 - 1e-12)
        p = 1 - 1e-12;
    return log(p / (1 - p));
}

/* Whether two sentences belong to one turn: one utterance, or one speaker's consecutive
   utterances (Gong splits a monologue into sentences). */
static bool s_same_turn(const sentence_t *a, const sentence_t *b)
{
    if (a->utt == b->utt)
        return true;
    return a->speaker && b->speaker && strcmp(a->speaker, b->speaker) == 0;
}

/* The vendor's reply to sentence i: the sentences of the next turn when a vendor speaks
   it, at most REPLY_SENTENCES of them, as [*from, *to); false when the next utterance is
   not the vendor's or there is none. */
static bool s_reply(const sentences_t *all, size_t i, size_t *from, size_t *to)
{
    size_t j = i + 1;
    while (j < all->count && s_same_turn(&all->s[j], &all->s[i]))
        j++;
    if (j == all->count || !all->s[j].vendor)
        return false;
    *from = j;
    while (j < all->count && s_same_turn(&all->s[j], &all->s[*from]) && j - *from < REPLY_SENTENCES)
        j++;
    *to = j;
    return true;
}

/* How the vendor answered sentence i; *already tells whether the answer says it exists. */
static cs_offline_answer_t s_answer(const sentences_t *all, size_t i, bool *already)
{
    size_t from, to;
    *already = false;
    if (!s_reply(all, i, &from, &to))
        return CS_ANSWER_NONE;
    /* the first sentence that settles or shows a gap decides: the rep moves on after it */
    for (size_t k = from; k < to; k++) {
        const cs_offline_tokens_t *t = &all->s[k].tok;
        if (cs_offline_dialogue_gap(t))
            return CS_ANSWER_GAP;
        *already = cs_offline_dialogue_already(t);
        if (*already || cs_offline_dialogue_settled(t))
            return CS_ANSWER_EXISTS;
    }
    return CS_ANSWER_NEUTRAL;
}

/* Does a sentence of the vendor's reply to sentence i say it (`says` is one of the
   cs_offline_dialogue predicates)? */
static bool s_reply_says(const sentences_t *all, size_t i,
                         bool (*says)(const cs_offline_tokens_t *t))
{
    size_t from, to;
    if (!s_reply(all, i, &from, &to))
        return false;
    for (size_t k = from; k < to; k++)
        if (says(&all->s[k].tok))
            return true;
    return false;
}

/* Is the customer talking about leaving in the turn of sentence i, or in their turn just
   before it? Then the problems they name are the reasons, and requests. */
static bool s_churn_near(const sentences_t *all, size_t i)
{
    size_t from = i, turns = 0;
    while (from > 0 && turns < CHURN_TURNS) {
        if (!s_same_turn(&all->s[from - 1], &all->s[from]))
            turns++;
        if (turns < CHURN_TURNS)
            from--;
    }
    for (size_t k = from; k < all->count && (k <= i || s_same_turn(&all->s[k], &all->s[i])); k++)
        if (all->s[k].customer && cs_offline_dialogue_churn(&all->s[k].tok))
            return true;
    return false;
}

/* Whether a customer sentence is a request, and how sure (0: it is not): see cs_offline.h
   for the rules. *need_only tells whether only the need-as-a-problem rule made it one. */
static double s_request_confidence(const cs_offline_t *self, const sentences_t *all, size_t i,
                                   bool *need_only)
{
    *need_only = false;
    const sentence_t *s = &all->s[i];
    const cs_offline_tokens_t *t = &s->tok;
    if (cs_offline_has_any(t, cs_offline_words_not_request) || cs_offline_dialogue_negative(t))
        return 0;
    bool explicit_req = cs_offline_has_any(t, cs_offline_words_explicit_request);
    double margin = s->score[0] - cs_offline_request_threshold(self);
    bool model_req = margin >= 0 && cs_offline_has_any(t, cs_offline_words_requestish);
    bool setup = cs_offline_dialogue_setup(t);
    bool already;
    cs_offline_answer_t answer = s_answer(all, i, &already);
    double c = 0;
    if (cs_offline_dialogue_question(t, s->text + s->start, s->end - s->start)) {
        /* the rep's answer settles a capability question */
        if (answer == CS_ANSWER_GAP)
            return CONF_GAP_ANSWER;
        if (answer == CS_ANSWER_EXISTS)
            return 0;
        if (!explicit_req && !model_req)
            return 0;
        if (answer == CS_ANSWER_NEUTRAL)
            return CONF_MODEL;
        /* unanswered in a dialogue; with no vendor voice at all (a written message, a note)
           the question is read like any other sentence */
        if (all->any_vendor)
            return CONF_UNANSWERED;
    }
    if (explicit_req)
        c = setup ? CONF_MODEL : CONF_EXPLICIT;
    else if (model_req && !setup)
        c = CONF_MODEL + (margin > 0.2 ? 0.2 : margin);
    else if (!setup && s_reply_says(all, i, cs_offline_dialogue_noted) &&
             (s->score[0] >= GAP_MODEL_FLOOR ||
              cs_offline_has_any(t, cs_offline_words_requestish))) {
        *need_only = true; /* the rep heard an ask: "I'll pass that on to product" */
        return CONF_NEED_NOTED;
    } else if (cs_offline_dialogue_need(t) && !setup) {
        *need_only = true;
        return answer == CS_ANSWER_GAP || s_reply_says(all, i, cs_offline_dialogue_ack) ||
                       s_churn_near(all, i)
                   ? CONF_NEED_NOTED
                   : CONF_NEED;
    } else if (!setup && cs_offline_dialogue_problem(t) &&
               (answer == CS_ANSWER_GAP || s_churn_near(all, i))) {
        *need_only = true;
        return CONF_NEED_NOTED;
    }
    if (c > 0 && already)
        return 0;
    if (c > 0 && answer == CS_ANSWER_GAP)
        c += CONF_NOTED_BONUS;
    return c > CONF_MAX ? CONF_MAX : c;
}

/* A rep's restatement that the customer agrees to makes the agreement a request: the
   customer's words are the quote, the restatement is the context and names the object. */
static void s_restatements(sentences_t *all)
{
    for (size_t k = 0; k < all->count; k++) {
        sentence_t *v = &all->s[k];
        size_t object;
        if (!v->vendor ||
            !cs_offline_dialogue_restatement(&v->tok, v->text + v->start, v->end - v->start,
                                             &object) ||
            cs_offline_dialogue_negative(&v->tok))
            continue;
        size_t j = k + 1;
        if (j < all->count && all->s[j].customer && !s_same_turn(&all->s[j], v) &&
            cs_offline_dialogue_agreement(&all->s[j].tok) &&
            !cs_offline_dialogue_negative(&all->s[j].tok)) {
            all->s[j].kind = 0;
            all->s[j].confidence = CONF_RESTATED;
            all->s[j].context = k;
            all->s[j].object = object;
        }
    }
}

/* A need stated in the same turn as a request is that request's reason, no request of its
   own ("We really need Slack alerts. | Email notifications just get buried."); of several
   needs in one turn, the first stands for the rest. */
static void s_needs_with_requests(sentences_t *all)
{
    for (size_t i = 0; i < all->count;) {
        size_t end = i + 1;
        while (end < all->count && s_same_turn(&all->s[end], &all->s[i]))
            end++;
        bool asked = false;
        for (size_t k = i; k < end; k++)
            asked |= all->s[k].kind == 0 && !all->s[k].need_only;
        for (size_t k = i; k < end; k++) {
            if (all->s[k].kind != 0 || !all->s[k].need_only)
                continue;
            if (asked)
                all->s[k].kind = -1;
            asked = true; /* the first need of a turn stands for the rest */
        }
        i = end;
    }
}

/* Does the sentence name what goes wrong, beyond words of trouble ("Also, we've been running
   into an issue." names nothing)? -1 when memory runs out. */
static int s_bug_names_something(const sentence_t *s)
{
    size_t content;
    char *title =
        cs_offline_title(s->text + s->start, s->end - s->start, 0, CS_OFFLINE_TITLE_BUG, &content);
    if (!title)
        return -1;
    cs_offline_tokens_t t;
    int named = 0;
    if (cs_offline_tokenize(title, strlen(title), &t) != 0) {
        free(title);
        return -1;
    }
    for (size_t i = 0; content > 0 && i < t.count && !named; i++)
        named = t.len[i] >= 3 && !cs_offline_token_in(&t, i, cs_offline_words_stopwords) &&
                !cs_offline_token_in(&t, i, cs_offline_words_bug_lead) &&
                !cs_offline_token_in(&t, i, cs_offline_words_bug_meta);
    cs_offline_tokens_free(&t);
    free(title);
    return named;
}

/* A bug sentence that names nothing is a lead-in: the next sentence of the turn is the bug
   when it names something going wrong or the model gives it a non-negligible score. */
static int s_bug_lead_ins(sentences_t *all)
{
    for (size_t i = 0; i < all->count; i++) {
        sentence_t *s = &all->s[i];
        if (s->kind != 1)
            continue;
        int named = s_bug_names_something(s);
        if (named < 0)
            return -1;
        if (named)
            continue;
        s->kind = -1;
        sentence_t *next = i + 1 < all->count ? &all->s[i + 1] : NULL;
        if (next && next->customer && next->kind == -1 && s_same_turn(next, s) &&
            (next->score[1] >= EXPLICIT_BUG_FLOOR ||
             cs_offline_has_any(&next->tok, cs_offline_words_trouble)))
            next->kind = 1;
    }
    return 0;
}

/* Tokenize every sentence, score the customer's, and decide: request, bug or nothing. */
static int s_classify(const cs_offline_t *self, sentences_t *all)
{
    for (size_t i = 0; i < all->count; i++) {
        sentence_t *s = &all->s[i];
        if (cs_offline_tokenize(s->text + s->start, s->end - s->start, &s->tok) != 0)
            return -1;
        if (!s->customer)
            continue;
        cs_offline_score_tokens(self, s->text + s->start, s->end - s->start, &s->tok, s->score);
        s->pain = cs_offline_has_any(&s->tok, cs_offline_words_pain);
    }
    for (size_t i = 0; i < all->count; i++) {
        sentence_t *s = &all->s[i];
        if (!s->customer)
            continue;
        bool explicit_req = cs_offline_has_any(&s->tok, cs_offline_words_explicit_request);
        bool explicit_bug = cs_offline_has_any(&s->tok, cs_offline_words_explicit_bug);
        s->confidence = s_request_confidence(self, all, i, &s->need_only);
        bool req = s->confidence > 0;
        /* a bug names something going wrong, unless the model is sure */
        bool trouble = explicit_bug || cs_offline_has_any(&s->tok, cs_offline_words_trouble) ||
                       cs_offline_has_any(&s->tok, cs_offline_words_negative) ||
                       cs_offline_has_any(&s->tok, cs_offline_words_severity_high) ||
                       cs_offline_has_any(&s->tok, cs_offline_words_severity_critical);
        bool bug = (s->score[1] >= cs_offline_bug_threshold(self) &&
                    (trouble || s->score[1] >= BUG_SURE)) ||
                   (explicit_bug && s->score[1] >= EXPLICIT_BUG_FLOOR);
        if (req && bug) {
            /* explicit words decide (a need counts as explicit); otherwise the model with the
               larger margin */
            explicit_req |= s->need_only;
            if (explicit_req != explicit_bug)
                bug = !explicit_req;
            else
                bug = s_logit(s->score[1]) - s_logit(cs_offline_bug_threshold(self)) >
                      s_logit(s->score[0]) - s_logit(cs_offline_request_threshold(self));
            req = !bug;
        }
        s->kind = req ? 0 : bug ? 1 : -1;
    }
    s_restatements(all);
    s_needs_with_requests(all);
    return s_bug_lead_ins(all);
}

/* Urgency from cue phrases: an explicit "not urgent" first, then critical, then high or low
   (both or neither: medium). */
static const char *s_urgency_of(const cs_offline_tokens_t *t)
{
    if (cs_offline_has_any(t, cs_offline_words_urgency_low_first))
        return CS_URGENCY_LOW;
    if (cs_offline_has_any(t, cs_offline_words_urgency_critical))
        return CS_URGENCY_CRITICAL;
    bool high = cs_offline_has_any(t, cs_offline_words_urgency_high),
         low = cs_offline_has_any(t, cs_offline_words_urgency_low);
    if (high && !low)
        return CS_URGENCY_HIGH;
    if (low && !high)
        return CS_URGENCY_LOW;
    return CS_URGENCY_MEDIUM;
}

/* Severity likewise: critical, then high or low (both or neither: medium). */
static const char *s_severity_of(const cs_offline_tokens_t *t)
{
    if (cs_offline_has_any(t, cs_offline_words_severity_critical))
        return CS_URGENCY_CRITICAL;
    bool high = cs_offline_has_any(t, cs_offline_words_severity_high),
         low = cs_offline_has_any(t, cs_offline_words_severity_low);
    if (high && !low)
        return CS_URGENCY_HIGH;
    if (low && !high)
        return CS_URGENCY_LOW;
    return CS_URGENCY_MEDIUM;
}

static int s_urgency_rank(const char *u)
{
    int rank = cs_urgency_rank(u);
    return rank < 0 ? 0 : rank;
}

/* json_object_set_new that reports failure (a NULL value included) as -1. */
static int s_put(json_t *obj, const char *key, json_t *value)
{
    if (!value)
        return -1;
    return json_object_set_new(obj, key, value);
}

static int s_append(json_t *arr, json_t *value)
{
    if (!value)
        return -1;
    return json_array_append_new(arr, value);
}

/* Add the request or bug of sentence `i`, merging it into an earlier item with the same
   title key (keeping the higher urgency and confidence). keys[] holds the keys of the items
   so far (owned). A request whose title names nothing ("It'd be nice to have.", "As well.")
   is no request of its own: when `previous` (the request of the sentence just before, in
   the same utterance, or NULL) exists, its urgency words apply to that one; otherwise it is
   dropped. A request agreeing to the rep's restatement takes its title from the
   restatement and keeps it as context. */
static int s_add_item(const sentences_t *all, size_t i, const cs_offline_themes_t *th,
                      json_t *items, char **keys, json_t *previous)
{
    const sentence_t *s = &all->s[i];
    const sentence_t *ctx = s->context != NONE ? &all->s[s->context] : NULL;
    const char *p = s->text + s->start;
    size_t n = s->end - s->start;
    size_t content;
    char *title = NULL;
    if (s->kind == 1)
        title = cs_offline_title(p, n, 0, CS_OFFLINE_TITLE_BUG, &content);
    else if (ctx)
        title = cs_offline_title(ctx->text + ctx->start, ctx->end - ctx->start, s->object,
                                 CS_OFFLINE_TITLE_RESTATED, &content);
    else
        title = cs_offline_title(p, n, 0, CS_OFFLINE_TITLE_REQUEST, &content);
    char *key = title ? cs_offline_title_key(title) : NULL;
    char *description = ctx ? cs_offline_clean_copy(ctx->text + ctx->start, ctx->end - ctx->start)
                            : cs_offline_clean_copy(p, n);
    int rc = -1;
    if (!title || !key || !description)
        goto done;
    const char *level = s->kind == 0 ? s_urgency_of(&s->tok) : s_severity_of(&s->tok);
    const char *field = s->kind == 0 ? "urgency" : "severity";
    if (s->kind == 0 && content == 0) {
        rc = 0;
        if (previous && strcmp(level, CS_URGENCY_MEDIUM) != 0)
            rc = s_put(previous, field, json_string(level));
        goto done;
    }
    double confidence = s->confidence;
    if (s->kind == 0 && content < 2)
        confidence -= CONF_ONE_WORD_TITLE;
    if (s->kind == 0 && cs_offline_title_outcome(title))
        confidence -= CONF_OUTCOME_TITLE;
    confidence = round((confidence < 0.05 ? 0.05 : confidence) * 100.0) / 100.0;
    for (size_t k = 0; k < json_array_size(items); k++) {
        if (strcmp(keys[k], key) != 0)
            continue;
        json_t *old = json_array_get(items, k);
        const char *had = cs_rec_str(old, field);
        rc = 0;
        if (!had || s_urgency_rank(level) > s_urgency_rank(had))
            rc = s_put(old, field, json_string(level));
        if (rc == 0 && s->kind == 0 &&
            confidence > json_number_value(json_object_get(old, "confidence")))
            rc = s_put(old, "confidence", json_real(confidence));
        goto done;
    }
    if (json_array_size(items) >= CS_OFFLINE_MAX_ITEMS) {
        rc = 0;
        goto done;
    }
    json_t *item = json_object();
    if (!item)
        goto done;
    if (s_put(item, "title", json_string(title)) != 0 ||
        s_put(item, "description", json_string(description)) != 0 ||
        s_put(item, field, json_string(level)) != 0 ||
        (s->kind == 0 && s_put(item, "theme",
                               json_string(cs_offline_themes_pick(
                                   th, description, strlen(description), title))) != 0) ||
        s_put(item, "quote", json_stringn(p, n)) != 0 ||
        (s->kind == 0 && s->speaker && s_put(item, "speaker", json_string(s->speaker)) != 0) ||
        (s->kind == 0 && s_put(item, "confidence", json_real(confidence)) != 0) ||
        (ctx && s_put(item, "context",
                      json_stringn(ctx->text + ctx->start, ctx->end - ctx->start)) != 0)) {
        json_decref(item);
        goto done;
    }
    keys[json_array_size(items)] = key;
    key = NULL;
    rc = s_append(items, item);
done:
    free(title);
    free(key);
    free(description);
    return rc;
}

/* Sentiment of the customer's words: lexicon hits, flipped by a negator in the three words
   before; score = (positive - negative) / (hits + 1). */
static json_t *s_sentiment(const sentences_t *all)
{
    int pos = 0, neg = 0;
    for (size_t i = 0; i < all->count; i++) {
        const sentence_t *s = &all->s[i];
        if (!s->customer)
            continue;
        for (size_t k = 0; k < s->tok.count; k++) {
            int polarity = 0;
            for (const char *const *w = cs_offline_words_positive; *w && !polarity; w++)
                if (cs_offline_phrase_at(&s->tok, k, *w))
                    polarity = 1;
            for (const char *const *w = cs_offline_words_negative; *w && !polarity; w++)
                if (cs_offline_phrase_at(&s->tok, k, *w))
                    polarity = -1;
            if (!polarity)
                continue;
            for (size_t b = k >= 3 ? k - 3 : 0; b < k; b++)
                if (cs_offline_token_in(&s->tok, b, cs_offline_words_negators)) {
                    polarity = -polarity;
                    break;
                }
            if (polarity > 0)
                pos++;
            else
                neg++;
        }
    }
    double score = (double)(pos - neg) / (double)(pos + neg + 1);
    score = round(score * 100.0) / 100.0;
    const char *overall = "neutral";
    if (score >= 0.25)
        overall = "positive";
    else if (score <= -0.25)
        overall = "negative";
    else if (pos > 0 && neg > 0)
        overall = "mixed";
    return json_pack("{s:s, s:f}", "overall", overall, "score", score);
}

/* Up to MAX_PAIN_POINTS customer sentences with pain words, each cut to MAX_PAIN_BYTES at a
   space, without repeats. */
static json_t *s_pain_points(const sentences_t *all)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < all->count && json_array_size(arr) < MAX_PAIN_POINTS; i++) {
        const sentence_t *s = &all->s[i];
        if (!s->customer || !s->pain)
            continue;
        char *clean = cs_offline_clean_copy(s->text + s->start, s->end - s->start);
        if (!clean) {
            json_decref(arr);
            return NULL;
        }
        size_t len = strlen(clean);
        if (len > MAX_PAIN_BYTES) { /* cut at a space (else a character) and mark the cut */
            size_t cut = MAX_PAIN_BYTES - 3;
            while (cut > 0 && clean[cut] != ' ')
                cut--;
            if (cut == 0) {
                cut = MAX_PAIN_BYTES - 3;
                while (cut > 0 && ((unsigned char)clean[cut] & 0xc0) == 0x80)
                    cut--;
            }
            memcpy(clean + cut, "...", 4); /* cut + 4 <= len + 1: inside the buffer */
        }
        bool seen = false;
        for (size_t k = 0; k < json_array_size(arr); k++)
            if (strcmp(json_string_value(json_array_get(arr, k)), clean) == 0)
                seen = true;
        int rc = seen ? 0 : s_append(arr, json_string(clean));
        free(clean);
        if (rc != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* How much a sentence says about the call, for the summary. */
static double s_salience(const cs_offline_t *self, const sentence_t *s)
{
    if (!s->customer || s->tok.count < 5)
        return 0;
    double r = s->score[0] / cs_offline_request_threshold(self),
           b = s->score[1] / cs_offline_bug_threshold(self);
    double v = r > b ? r : b;
    if (v > 2)
        v = 2;
    if (s->kind >= 0)
        v += 1;
    if (s->pain)
        v += 0.5;
    return v;
}

/* "<title> with <customer>: " and then the 1-3 most salient customer sentences in the order
   they were said, at most MAX_SUMMARY bytes. */
static json_t *s_summary(const cs_offline_t *self, const json_t *call, const sentences_t *all)
{
    char buf[MAX_SUMMARY + 1];
    cs_offline_capped_t out = {buf, 0, MAX_SUMMARY};
    buf[0] = '\0';
    const char *title = cs_rec_str(call, "title");
    const char *customer = cs_rec_str(json_object_get(call, "customer"), "name");
    if (title && *title) {
        char *t = cs_offline_clean_copy(title, strlen(title));
        if (!t)
            return NULL;
        cs_offline_capped_put(&out, t, strlen(t));
        free(t);
    } else if (customer && *customer) {
        cs_offline_capped_put(&out, "Call", 4);
    }
    if (customer && *customer) {
        cs_offline_capped_put(&out, " with ", 6);
        cs_offline_capped_put(&out, customer, strlen(customer));
    }
    if (out.len)
        cs_offline_capped_put(&out, ": ", 2);
    size_t pick[MAX_SUMMARY_ONE];
    size_t npick = 0;
    for (size_t round_ = 0; round_ < MAX_SUMMARY_ONE; round_++) {
        size_t best = SIZE_MAX;
        double best_v = 0;
        for (size_t i = 0; i < all->count; i++) {
            bool taken = false;
            for (size_t k = 0; k < npick; k++)
                taken |= pick[k] == i;
            double v = taken ? 0 : s_salience(self, &all->s[i]);
            if (v > best_v) {
                best_v = v;
                best = i;
            }
        }
        if (best == SIZE_MAX)
            break;
        pick[npick++] = best;
    }
    if (npick == 0) {
        cs_offline_capped_put(&out, "no customer statements in the transcript.", 41);
        return json_string(out.buf);
    }
    for (size_t a = 0; a < npick; a++) /* into transcript order */
        for (size_t b = a + 1; b < npick; b++)
            if (pick[b] < pick[a]) {
                size_t tmp = pick[a];
                pick[a] = pick[b];
                pick[b] = tmp;
            }
    bool first = true;
    for (size_t k = 0; k < npick; k++) {
        const sentence_t *s = &all->s[pick[k]];
        char *clean = cs_offline_clean_copy(s->text + s->start, s->end - s->start);
        if (!clean)
            return NULL;
        size_t len = strlen(clean), room = out.cap - out.len - (first ? 0 : 1);
        if (len > room) {
            if (!first) { /* a later sentence that does not fit is left out */
                free(clean);
                continue;
            }
            len = room > 3 ? room - 3 : 0;
            while (len > 0 && clean[len] != ' ')
                len--;
            cs_offline_capped_put(&out, clean, len);
            cs_offline_capped_put(&out, "...", 3);
        } else {
            if (!first)
                cs_offline_capped_put(&out, " ", 1);
            cs_offline_capped_put(&out, clean, len);
        }
        first = false;
        free(clean);
    }
    return json_string(out.buf);
}

json_t *cs_offline_extract(cs_offline_t *self, const json_t *call, const json_t *themes)
{
    /* A call not in English is left to an LLM provider (cs_offline_lang.h). */
    const char *lang;
    json_t *not_english;
    if (cs_offline_lang_gate(call, &lang, &not_english) != 0)
        return not_english; /* NULL when memory ran out */
    sentences_t all = {0};
    cs_offline_themes_t th;
    json_t *insights = NULL, *requests = NULL, *bugs = NULL;
    json_t *previous = NULL; /* the request of the sentence before, in the same utterance */
    char **req_keys = NULL, **bug_keys = NULL;
    int rc_requests, rc_bugs;
    if (cs_offline_themes_load(themes, &th) != 0 || s_collect_sentences(call, &all) != 0 ||
        s_classify(self, &all) != 0)
        goto fail;
    requests = json_array();
    bugs = json_array();
    req_keys = calloc(CS_OFFLINE_MAX_ITEMS, sizeof *req_keys);
    bug_keys = calloc(CS_OFFLINE_MAX_ITEMS, sizeof *bug_keys);
    if (!requests || !bugs || !req_keys || !bug_keys)
        goto fail;
    for (size_t i = 0; i < all.count; i++) {
        const sentence_t *s = &all.s[i];
        if (i > 0 && all.s[i - 1].text != s->text)
            previous = NULL;
        size_t had = json_array_size(requests);
        if (s->kind == 0 && s_add_item(&all, i, &th, requests, req_keys, previous) != 0)
            goto fail;
        if (s->kind == 1 && s_add_item(&all, i, &th, bugs, bug_keys, NULL) != 0)
            goto fail;
        if (s->kind != 0)
            previous = NULL;
        else if (json_array_size(requests) > had)
            previous = json_array_get(requests, had);
    }
    insights = json_object();
    if (!insights)
        goto fail;
    /* json_object_set_new takes the reference even when it fails */
    rc_requests = s_put(insights, "feature_requests", requests);
    requests = NULL;
    rc_bugs = s_put(insights, "bug_reports", bugs);
    bugs = NULL;
    if (rc_requests != 0 || rc_bugs != 0)
        goto fail;
    if (s_put(insights, "sentiment", s_sentiment(&all)) != 0 ||
        s_put(insights, "pain_points", s_pain_points(&all)) != 0 ||
        s_put(insights, "summary", s_summary(self, call, &all)) != 0)
        goto fail;
    if (s_put(insights, "language", json_string(lang)) != 0)
        goto fail;
    if (all.internal_meeting &&
        s_put(insights, "skipped", json_string("internal meeting: no customer spoke")) != 0)
        goto fail;
    goto done;
fail:
    json_decref(insights);
    insights = NULL;
done:
    json_decref(requests);
    json_decref(bugs);
    for (size_t i = 0; i < CS_OFFLINE_MAX_ITEMS; i++) {
        if (req_keys)
            free(req_keys[i]);
        if (bug_keys)
            free(bug_keys[i]);
    }
    free(req_keys);
    free(bug_keys);
    s_sentences_free(&all);
    cs_offline_themes_free(&th);
    return insights;
}
