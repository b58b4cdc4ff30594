/*  cs_offline_decide: request, bug or nothing for every sentence of a call, read in its
    dialogue (see cs_offline.h for the rules, cs_offline_sentences.h for the contract). */
#include "cs_offline_sentences.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cs_offline_dialogue.h"
#include "cs_offline_linear.h"
#include "cs_offline_title.h"
#include "cs_offline_words.h"

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
static bool s_same_turn(const cs_offline_sentence_t *a, const cs_offline_sentence_t *b)
{
    if (a->utt == b->utt)
        return true;
    return a->speaker && b->speaker && strcmp(a->speaker, b->speaker) == 0;
}

/* The vendor's reply to sentence i: the sentences of the next turn when a vendor speaks
   it, at most REPLY_SENTENCES of them, as [*from, *to); false when the next utterance is
   not the vendor's or there is none. */
static bool s_reply(const cs_offline_sentences_t *all, size_t i, size_t *from, size_t *to)
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
static cs_offline_answer_t s_answer(const cs_offline_sentences_t *all, size_t i, bool *already)
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
static bool s_reply_says(const cs_offline_sentences_t *all, size_t i,
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
static bool s_churn_near(const cs_offline_sentences_t *all, size_t i)
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
static double s_request_confidence(const cs_offline_t *self, const cs_offline_sentences_t *all,
                                   size_t i, bool *need_only)
{
    *need_only = false;
    const cs_offline_sentence_t *s = &all->s[i];
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
static void s_restatements(cs_offline_sentences_t *all)
{
    for (size_t k = 0; k < all->count; k++) {
        cs_offline_sentence_t *v = &all->s[k];
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
static void s_needs_with_requests(cs_offline_sentences_t *all)
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
static int s_bug_names_something(const cs_offline_sentence_t *s)
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
static int s_bug_lead_ins(cs_offline_sentences_t *all)
{
    for (size_t i = 0; i < all->count; i++) {
        cs_offline_sentence_t *s = &all->s[i];
        if (s->kind != 1)
            continue;
        int named = s_bug_names_something(s);
        if (named < 0)
            return -1;
        if (named)
            continue;
        s->kind = -1;
        cs_offline_sentence_t *next = i + 1 < all->count ? &all->s[i + 1] : NULL;
        if (next && next->customer && next->kind == -1 && s_same_turn(next, s) &&
            (next->score[1] >= EXPLICIT_BUG_FLOOR ||
             cs_offline_has_any(&next->tok, cs_offline_words_trouble)))
            next->kind = 1;
    }
    return 0;
}

int cs_offline_decide(const cs_offline_t *self, cs_offline_sentences_t *all)
{
    for (size_t i = 0; i < all->count; i++) {
        cs_offline_sentence_t *s = &all->s[i];
        if (cs_offline_tokenize(s->text + s->start, s->end - s->start, &s->tok) != 0)
            return -1;
        if (!s->customer)
            continue;
        cs_offline_score_tokens(self, s->text + s->start, s->end - s->start, &s->tok, s->score);
        s->pain = cs_offline_has_any(&s->tok, cs_offline_words_pain);
    }
    for (size_t i = 0; i < all->count; i++) {
        cs_offline_sentence_t *s = &all->s[i];
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
