/*  cs_offline: the built-in extraction provider (see cs_offline.h for what it does).

    This file is the extraction: sentences, the items of requests and bugs, sentiment, pain
    points and the summary. Its parts:
      cs_offline_decide.c  request, bug or nothing for each sentence, and how sure;
      cs_offline_text.c    tokens and sentences, as extractor/model/train_request_model.py
                           makes them, and phrase matching;
      cs_offline_linear.c  the model: loading the weights and scoring a sentence;
      cs_offline_words.c   the hand-written word lists;
      cs_offline_dialogue.c  how a sentence reads in its dialogue (answers, restatements,
                           needs, negatives);
      cs_offline_title.c   titles that name the thing asked for (cs_offline_title_verb.c,
                           cs_offline_title_ask.c: rules of their own);
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
#include "cs_offline_lang.h"
#include "cs_offline_linear.h"
#include "cs_offline_sentences.h"
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

/* Less sure when the title names one word only, or an outcome rather than a thing. */
#define CONF_ONE_WORD_TITLE 0.25
#define CONF_OUTCOME_TITLE  0.35

static void s_add_sentence(void *ctx, size_t start, size_t end)
{
    cs_offline_sentences_t *all = ctx;
    if (all->failed)
        return;
    if (all->count >= CS_OFFLINE_MAX_SENTENCES) {
        all->truncated = true;
        return;
    }
    if (all->count == all->cap) {
        size_t cap = all->cap ? 2 * all->cap : 64;
        cs_offline_sentence_t *grown = realloc(all->s, cap * sizeof *grown);
        if (!grown) {
            all->failed = true;
            return;
        }
        all->s = grown;
        all->cap = cap;
    }
    all->s[all->count++] = (cs_offline_sentence_t){.text = all->text,
                                                   .start = start,
                                                   .end = end,
                                                   .speaker = all->speaker,
                                                   .utt = all->utt,
                                                   .customer = all->customer,
                                                   .vendor = all->vendor,
                                                   .kind = -1,
                                                   .context = CS_OFFLINE_NONE};
}

static void s_sentences_free(cs_offline_sentences_t *all)
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
static int s_collect_sentences(const json_t *call, cs_offline_sentences_t *all)
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
static int s_add_item(const cs_offline_sentences_t *all, size_t i, const cs_offline_themes_t *th,
                      json_t *items, char **keys, json_t *previous)
{
    const cs_offline_sentence_t *s = &all->s[i];
    const cs_offline_sentence_t *ctx = s->context != CS_OFFLINE_NONE ? &all->s[s->context] : NULL;
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
static json_t *s_sentiment(const cs_offline_sentences_t *all)
{
    int pos = 0, neg = 0;
    for (size_t i = 0; i < all->count; i++) {
        const cs_offline_sentence_t *s = &all->s[i];
        if (!s->customer)
            continue;
        for (size_t k = 0; k < s->tok.count; k++) {
            int polarity = 0;
            if (cs_offline_first_at(&s->tok, k, cs_offline_words_positive) >= 0)
                polarity = 1;
            else if (cs_offline_first_at(&s->tok, k, cs_offline_words_negative) >= 0)
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
static json_t *s_pain_points(const cs_offline_sentences_t *all)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < all->count && json_array_size(arr) < MAX_PAIN_POINTS; i++) {
        const cs_offline_sentence_t *s = &all->s[i];
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
static double s_salience(const cs_offline_t *self, const cs_offline_sentence_t *s)
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
static json_t *s_summary(const cs_offline_t *self, const json_t *call,
                         const cs_offline_sentences_t *all)
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
        const cs_offline_sentence_t *s = &all->s[pick[k]];
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
    cs_offline_sentences_t all = {0};
    cs_offline_themes_t th;
    json_t *insights = NULL, *requests = NULL, *bugs = NULL;
    json_t *previous = NULL; /* the request of the sentence before, in the same utterance */
    char **req_keys = NULL, **bug_keys = NULL;
    int rc_requests, rc_bugs;
    if (cs_offline_themes_load(themes, &th) != 0 || s_collect_sentences(call, &all) != 0 ||
        cs_offline_decide(self, &all) != 0)
        goto fail;
    requests = json_array();
    bugs = json_array();
    req_keys = calloc(CS_OFFLINE_MAX_ITEMS, sizeof *req_keys);
    bug_keys = calloc(CS_OFFLINE_MAX_ITEMS, sizeof *bug_keys);
    if (!requests || !bugs || !req_keys || !bug_keys)
        goto fail;
    for (size_t i = 0; i < all.count; i++) {
        const cs_offline_sentence_t *s = &all.s[i];
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
