/*  cs_insights: validating an LLM's insights and merging the insights of a call's chunks (see
    cs_insights.h). The text forms are in cs_insights_text.c, quote verification in
    cs_insights_quote.c. */
#include "cs_insights.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_buf.h"
#include "cs_insights_collect.h"
#include "cs_insights_quote.h"
#include "cs_insights_text.h"
#include "cs_llm.h"
#include "cs_record.h"
#include "cs_speakers.h"
#include "cs_util.h"

static const char *const s_overalls[] = {"positive", "neutral", "negative", "mixed", NULL};

/* ---------------------------------------------------------------------------------------- */
/* Themes                                                                                     */

static const char *s_theme_at(const json_t *themes, size_t i)
{
    const char *name = cs_rec_str(json_array_get(themes, i), "name");
    return name && name[0] ? name : NULL;
}

const char *cs_insights_default_theme(const json_t *themes)
{
    for (size_t i = 0; i < json_array_size(themes); i++)
        if (s_theme_at(themes, i) &&
            json_is_true(json_object_get(json_array_get(themes, i), "is_default")))
            return s_theme_at(themes, i);
    for (size_t i = 0; i < json_array_size(themes); i++)
        if (s_theme_at(themes, i) &&
            cs_insights_same_name(s_theme_at(themes, i), CS_DEFAULT_THEME_NAME) == 1)
            return s_theme_at(themes, i);
    return NULL;
}

const char *cs_insights_theme_name(const json_t *themes, const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < json_array_size(themes); i++)
        if (s_theme_at(themes, i) && strcmp(s_theme_at(themes, i), name) == 0)
            return s_theme_at(themes, i);
    for (size_t i = 0; i < json_array_size(themes); i++)
        if (s_theme_at(themes, i) && cs_insights_same_name(s_theme_at(themes, i), name) == 1)
            return s_theme_at(themes, i);
    return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Parsing an answer                                                                          */

typedef struct {
    const json_t *themes;
    const char *default_theme;
    cs_insights_said_t said; /* what the customers and the vendor said */
    cs_insights_stats_t *stats;
    bool nomem;
} parse_t;

/* Set obj[key] to a clean copy of `text` cut at max_chars; nothing when it cleans to "".
   Returns whether it was set. */
static bool s_put_clean(parse_t *p, json_t *obj, const char *key, const char *text, size_t max)
{
    char *clean = cs_insights_clean(text, max);
    bool set = false;
    if (!clean)
        p->nomem = true;
    else if (clean[0] && json_object_set_new(obj, key, json_string(clean)) != 0)
        p->nomem = true;
    else
        set = clean[0] != '\0';
    free(clean);
    return set;
}

static void s_put_str(parse_t *p, json_t *obj, const char *key, const char *value)
{
    if (json_object_set_new(obj, key, json_string(value)) != 0)
        p->nomem = true;
}

/* The urgency or severity: one of CS_URGENCY_LEVELS (letter case aside), else
   CS_URGENCY_DEFAULT. */
static void s_put_level(parse_t *p, json_t *out, const json_t *in, const char *key)
{
    int i = cs_insights_choice(CS_URGENCY_LEVELS, cs_rec_str(in, key));
    if (i < 0)
        p->stats->fields_fixed++;
    s_put_str(p, out, key, i < 0 ? CS_URGENCY_DEFAULT : CS_URGENCY_LEVELS[i]);
}

static void s_put_theme(parse_t *p, json_t *out, const json_t *in)
{
    const char *given = cs_rec_str(in, "theme");
    const char *theme = cs_insights_theme_name(p->themes, given);
    if (!theme) {
        theme = p->default_theme;
        if (theme || (given && given[0]))
            p->stats->themes_defaulted++;
    }
    if (theme)
        s_put_str(p, out, "theme", theme);
}

/* Where `text` (may be NULL) was said by `side`: 1 found (*clean: its clean form, the caller
   frees; *speaker: borrowed, may be NULL), 0 not found or empty (*clean NULL), -1 out of
   memory (p->nomem). */
static int s_said_by(parse_t *p, cs_side_t side, const char *text, char **clean,
                     const char **speaker)
{
    *clean = NULL;
    *speaker = NULL;
    if (!text)
        return 0;
    char *c = cs_insights_clean(text, 0);
    int rc = c ? (c[0] ? cs_insights_said_find(&p->said, side, c, speaker) : 0) : -1;
    if (rc < 0)
        p->nomem = true;
    if (rc == 1)
        *clean = c;
    else
        free(c);
    return rc;
}

/* The feature request's quote, with its speaker from the transcript and the vendor's
   restatement as context. false when the request is to be dropped: no quote, or not a
   customer's words (counted by reason). */
static bool s_put_request_quote(parse_t *p, json_t *out, const json_t *in)
{
    const char *quote = cs_rec_str(in, "quote");
    char *clean = NULL;
    const char *speaker = NULL;
    bool blank = !quote;
    if (quote) {
        char *words = cs_insights_normalise(quote);
        if (!words) {
            p->nomem = true;
            return false;
        }
        blank = words[0] == '\0';
        free(words);
    }
    if (blank) {
        p->stats->requests_no_quote++;
        return false;
    }
    int rc = s_said_by(p, CS_SIDE_CUSTOMER, quote, &clean, &speaker);
    if (rc <= 0) {
        if (rc == 0) {
            p->stats->quotes_dropped++;
            p->stats->requests_not_customer++;
        }
        return false;
    }
    s_put_clean(p, out, "quote", clean, CS_INSIGHTS_MAX_QUOTE);
    free(clean);
    const char *given = cs_rec_str(in, "speaker");
    if (speaker) {
        if (given && cs_insights_same_name(given, speaker) != 1)
            p->stats->fields_fixed++;
        s_put_clean(p, out, "speaker", speaker, CS_INSIGHTS_MAX_PHRASE);
    }
    const char *context = cs_rec_str(in, "context");
    const char *vendor = NULL;
    rc = s_said_by(p, CS_SIDE_VENDOR, context, &clean, &vendor);
    if (rc == 1)
        s_put_clean(p, out, "context", clean, CS_INSIGHTS_MAX_QUOTE);
    else if (rc == 0 && json_object_get(in, "context") &&
             !json_is_null(json_object_get(in, "context")) && (!context || context[0]))
        p->stats->fields_fixed++; /* not the vendor's words (or not a string): removed */
    free(clean);
    return !p->nomem;
}

/* A bug report's quote when a customer said it; removed (and counted) otherwise. */
static void s_put_bug_quote(parse_t *p, json_t *out, const json_t *in)
{
    const char *quote = cs_rec_str(in, "quote");
    char *clean = NULL;
    const char *speaker = NULL;
    int rc = s_said_by(p, CS_SIDE_CUSTOMER, quote, &clean, &speaker);
    if (rc == 1)
        s_put_clean(p, out, "quote", clean, CS_INSIGHTS_MAX_QUOTE);
    else if (rc == 0 && quote && quote[0])
        p->stats->quotes_dropped++;
    free(clean);
}

/* The confidence: a number clamped to 0..1; anything else is left out (and counted unless
   absent or null). */
static void s_put_confidence(parse_t *p, json_t *out, const json_t *in)
{
    const json_t *given = json_object_get(in, "confidence");
    if (!given || json_is_null(given))
        return;
    if (!json_is_number(given)) {
        p->stats->fields_fixed++;
        return;
    }
    double v = json_number_value(given);
    if (v < 0 || v > 1) {
        v = v < 0 ? 0 : 1;
        p->stats->fields_fixed++;
    }
    if (json_object_set_new(out, "confidence", json_real(v)) != 0)
        p->nomem = true;
}

/* Why s_clean_item made no item. */
typedef enum { DROP_NONE, DROP_ITEM, DROP_QUOTE } drop_t;

/* A clean feature request or bug report made from `in`, or NULL (*why says why; out of
   memory: p->nomem): no title (DROP_ITEM), or a request whose quote fails (DROP_QUOTE). */
static json_t *s_clean_item(parse_t *p, const json_t *in, bool feature, drop_t *why)
{
    *why = DROP_ITEM;
    const char *title = cs_rec_str(in, "title");
    if (!title)
        return NULL;
    json_t *out = json_object();
    if (!out) {
        p->nomem = true;
        return NULL;
    }
    if (!s_put_clean(p, out, "title", title, CS_INSIGHTS_MAX_TITLE)) {
        json_decref(out);
        return NULL;
    }
    if (feature && !s_put_request_quote(p, out, in)) {
        *why = DROP_QUOTE;
        json_decref(out);
        return NULL;
    }
    const json_t *description = json_object_get(in, "description");
    if (json_is_string(description))
        s_put_clean(p, out, "description", json_string_value(description), CS_INSIGHTS_MAX_TEXT);
    else if (description && !json_is_null(description))
        p->stats->fields_fixed++;
    s_put_level(p, out, in, feature ? "urgency" : "severity");
    if (feature) {
        s_put_theme(p, out, in);
        s_put_confidence(p, out, in);
    } else {
        s_put_bug_quote(p, out, in);
    }
    if (p->nomem) {
        json_decref(out);
        return NULL;
    }
    *why = DROP_NONE;
    return out;
}

static int s_parse_items(parse_t *p, const json_t *in, bool feature, json_t **out)
{
    cs_insights_collector_t c = {.items = json_array(), .level = feature ? "urgency" : "severity"};
    if (!c.items)
        return -1;
    for (size_t i = 0; i < json_array_size(in); i++) {
        if (json_array_size(c.items) >= CS_INSIGHTS_MAX_ITEMS) {
            p->stats->items_dropped += (int)(json_array_size(in) - i);
            break;
        }
        drop_t why;
        json_t *item = s_clean_item(p, json_array_get(in, i), feature, &why);
        if (p->nomem)
            break;
        if (!item) {
            if (why == DROP_ITEM)
                p->stats->items_dropped++;
            continue;
        }
        int rc = cs_insights_collect(&c, item);
        if (rc == CS_INSIGHTS_NOMEM)
            p->nomem = true;
        else if (rc != CS_INSIGHTS_ADDED)
            p->stats->items_dropped++;
    }
    if (p->nomem) {
        cs_insights_collector_free(&c);
        return -1;
    }
    *out = json_incref(c.items);
    cs_insights_collector_free(&c);
    return 0;
}

static json_t *s_parse_sentiment(parse_t *p, const json_t *in)
{
    json_t *out = json_object();
    if (!out) {
        p->nomem = true;
        return NULL;
    }
    const json_t *score = json_object_get(in, "score");
    int overall = cs_insights_choice(s_overalls, cs_rec_str(in, "overall"));
    double value = 0;
    if (json_is_number(score)) {
        value = json_number_value(score);
        if (value > 1 || value < -1) {
            value = value > 1 ? 1 : -1;
            p->stats->fields_fixed++;
        }
    } else if (score && !json_is_null(score)) {
        p->stats->fields_fixed++;
    }
    if (overall >= 0)
        s_put_str(p, out, "overall", s_overalls[overall]);
    else if (json_is_number(score))
        s_put_str(p, out, "overall", cs_insights_overall(value));
    const json_t *given = json_object_get(in, "overall");
    if (overall < 0 && given && !json_is_null(given))
        p->stats->fields_fixed++;
    if (json_is_number(score) && json_object_set_new(out, "score", json_real(value)) != 0)
        p->nomem = true;
    if (p->nomem || json_object_size(out) == 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static json_t *s_parse_pains(parse_t *p, const json_t *in)
{
    cs_insights_phrases_t pains = {.items = json_array()};
    if (!pains.items) {
        p->nomem = true;
        return NULL;
    }
    for (size_t i = 0; i < json_array_size(in) && !p->nomem; i++) {
        const char *text = json_string_value(json_array_get(in, i));
        char *clean = text ? cs_insights_clean(text, CS_INSIGHTS_MAX_PHRASE) : NULL;
        if (text && !clean)
            p->nomem = true;
        int rc = clean && clean[0] ? cs_insights_phrases_add(&pains, clean) : CS_INSIGHTS_REPEAT;
        if (rc == CS_INSIGHTS_NOMEM)
            p->nomem = true;
        else if (rc != CS_INSIGHTS_ADDED)
            p->stats->items_dropped++;
        free(clean);
    }
    json_t *out = p->nomem ? NULL : json_incref(pains.items);
    cs_insights_phrases_free(&pains);
    return out;
}

/* The call's language: an ISO 639-1 code, two ASCII letters written lower-case, alone or
   before a region ("pt-BR", "en_US"); anything else is left out (and counted unless absent or
   null). */
static void s_put_language(parse_t *p, json_t *out, const json_t *answer)
{
    const json_t *given = json_object_get(answer, "language");
    if (!given || json_is_null(given))
        return;
    const char *s = json_string_value(given);
    while (s && (*s == ' ' || *s == '\t'))
        s++;
    size_t len = s ? strlen(s) : 0;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    bool code = len >= 2 && isalpha((unsigned char)s[0]) && isalpha((unsigned char)s[1]) &&
                (len == 2 || ((s[2] == '-' || s[2] == '_') && len > 3));
    if (!code) {
        p->stats->fields_fixed++;
        return;
    }
    char lang[3] = {(char)tolower((unsigned char)s[0]), (char)tolower((unsigned char)s[1]), 0};
    s_put_str(p, out, "language", lang);
}

/* The object between the first '{' and the last '}' of text, or NULL. */
static json_t *s_outermost_object(const char *text, size_t len)
{
    const char *open = memchr(text, '{', len), *close = text + len;
    while (close > text && close[-1] != '}')
        close--;
    if (!open || close <= open + 1)
        return NULL;
    return json_loadb(open, (size_t)(close - open), 0, NULL);
}

/* The JSON type of v as the answer's schema names it: integers and reals are "number". */
static const char *s_type_name(const json_t *v)
{
    return json_is_number(v) ? "number" : cs_json_type_name(v);
}

/* Check the answer's top level. The optional members may be absent or null. */
static int s_check_shape(const json_t *answer, char *err, size_t errlen)
{
    static const struct {
        const char *key;
        json_type type;
        bool required;
    } SHAPE[] = {
        {"feature_requests", JSON_ARRAY, true}, {"bug_reports", JSON_ARRAY, false},
        {"sentiment", JSON_OBJECT, false},      {"pain_points", JSON_ARRAY, false},
        {"summary", JSON_STRING, false},
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(SHAPE); i++) {
        const json_t *v = json_object_get(answer, SHAPE[i].key);
        if (!v || json_is_null(v)) {
            if (SHAPE[i].required)
                return cs_fail(err, errlen, "answer.%s: missing", SHAPE[i].key);
            continue;
        }
        if (json_typeof(v) != SHAPE[i].type)
            return cs_fail(err, errlen, "answer.%s: expected %s, got %s", SHAPE[i].key,
                           SHAPE[i].type == JSON_ARRAY    ? "array"
                           : SHAPE[i].type == JSON_OBJECT ? "object"
                                                          : "string",
                           s_type_name(v));
    }
    return 0;
}

static int s_build(parse_t *p, const json_t *answer, json_t *out)
{
    json_t *v = NULL;
    if (s_parse_items(p, json_object_get(answer, "feature_requests"), true, &v) != 0 ||
        json_object_set_new(out, "feature_requests", v) != 0)
        return -1;
    if (s_parse_items(p, json_object_get(answer, "bug_reports"), false, &v) != 0 ||
        json_object_set_new(out, "bug_reports", v) != 0)
        return -1;
    const json_t *sentiment = json_object_get(answer, "sentiment");
    if (json_is_object(sentiment)) {
        v = s_parse_sentiment(p, sentiment);
        if (p->nomem || (v && json_object_set_new(out, "sentiment", v) != 0))
            return -1;
    }
    v = s_parse_pains(p, json_object_get(answer, "pain_points"));
    if (!v || json_object_set_new(out, "pain_points", v) != 0)
        return -1;
    const char *summary = cs_rec_str(answer, "summary");
    if (summary)
        s_put_clean(p, out, "summary", summary, CS_INSIGHTS_MAX_TEXT);
    s_put_language(p, out, answer);
    return p->nomem ? -1 : 0;
}

int cs_insights_parse(const char *answer, const cs_insights_ctx_t *ctx, json_t **out,
                      cs_insights_stats_t *stats, char *err, size_t errlen)
{
    cs_insights_stats_t scratch;
    if (!stats)
        stats = &scratch;
    memset(stats, 0, sizeof *stats);
    *out = NULL;
    if (!answer)
        return cs_fail(err, errlen, "answer is empty");
    size_t size = strnlen(answer, CS_INSIGHTS_MAX_ANSWER + 1);
    if (size > CS_INSIGHTS_MAX_ANSWER)
        return cs_fail(err, errlen, "answer is too large (over %u bytes)", CS_INSIGHTS_MAX_ANSWER);
    size_t len;
    const char *text = cs_llm_unfence(answer, &len);
    if (len == 0)
        return cs_fail(err, errlen, "answer is empty");
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_DECODE_ANY, &jerr);
    if (!doc) /* some endpoints put words around the object: try its outermost braces */
        doc = s_outermost_object(text, len);
    if (!doc)
        return cs_fail(err, errlen, "answer is not JSON: %s (line %d, column %d)", jerr.text,
                       jerr.line, jerr.column);
    if (!json_is_object(doc)) {
        cs_fail(err, errlen, "answer is not a JSON object (got %s)", s_type_name(doc));
        json_decref(doc);
        return -1;
    }
    if (s_check_shape(doc, err, errlen) != 0) {
        json_decref(doc);
        return -1;
    }
    parse_t p = {
        .themes = ctx ? ctx->themes : NULL,
        .default_theme = cs_insights_default_theme(ctx ? ctx->themes : NULL),
        .stats = stats,
    };
    /* who the customers are: from the call, or from the utterances' own affiliations */
    const json_t *call = ctx ? ctx->call : NULL;
    const json_t *transcript = ctx ? ctx->transcript : NULL;
    json_t *bare = NULL;
    if (!transcript)
        transcript = json_object_get(call, "transcript");
    if (!call && transcript)
        call = bare = json_pack("{s:O}", "transcript", transcript);
    cs_speakers_t sp;
    cs_speakers_resolve(call, &sp);
    json_t *insights = json_object();
    int rc =
        insights && (call || !transcript) && cs_insights_said_build(&p.said, &sp, transcript) == 0
            ? 0
            : -1;
    if (rc == 0)
        rc = s_build(&p, doc, insights);
    cs_insights_said_free(&p.said);
    cs_speakers_free(&sp);
    json_decref(bare);
    json_decref(doc);
    if (rc != 0) {
        json_decref(insights);
        return cs_fail(err, errlen, "out of memory");
    }
    *out = insights;
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Merging the chunks of one call                                                             */

typedef struct {
    double sum, min, max;
    int scores;
    int overall_seen[4]; /* per s_overalls */
} mood_t;

static void s_mood_add(mood_t *m, const json_t *sentiment)
{
    const json_t *score = json_object_get(sentiment, "score");
    if (json_is_number(score)) {
        double v = json_number_value(score);
        v = v > 1 ? 1 : v < -1 ? -1 : v;
        m->min = m->scores == 0 || v < m->min ? v : m->min;
        m->max = m->scores == 0 || v > m->max ? v : m->max;
        m->sum += v;
        m->scores++;
    }
    int i = cs_insights_choice(s_overalls, cs_rec_str(sentiment, "overall"));
    if (i >= 0)
        m->overall_seen[i]++;
}

static bool s_mood_known(const mood_t *m)
{
    for (int i = 0; i < 4; i++)
        if (m->overall_seen[i])
            return true;
    return m->scores > 0;
}

/* The merged sentiment, NULL when no chunk had one (or out of memory). */
static json_t *s_mood_result(const mood_t *m)
{
    int kinds = 0, last = -1;
    for (int i = 0; i < 4; i++)
        if (m->overall_seen[i]) {
            kinds++;
            last = i;
        }
    if (m->scores == 0 && kinds == 0)
        return NULL;
    bool opposed = (m->overall_seen[0] && m->overall_seen[2]) ||
                   (m->scores > 1 && (m->max - m->min >= CS_INSIGHTS_MIXED_SPREAD ||
                                      (m->max > 0.25 && m->min < -0.25)));
    double mean = m->scores ? m->sum / m->scores : 0;
    const char *overall;
    if (opposed)
        overall = "mixed";
    else if (kinds == 1)
        overall = s_overalls[last];
    else if (m->scores)
        overall = cs_insights_overall(mean);
    else
        overall = "mixed";
    json_t *out = json_pack("{s:s}", "overall", overall);
    if (out && m->scores && json_object_set_new(out, "score", json_real(mean)) != 0) {
        json_decref(out);
        out = NULL;
    }
    return out;
}

static int s_merge_items(cs_insights_collector_t *c, const json_t *items)
{
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *item = json_array_get(items, i);
        if (!cs_rec_str(item, "title"))
            continue;
        json_t *copy = json_deep_copy(item);
        if (!copy || cs_insights_collect(c, copy) == CS_INSIGHTS_NOMEM)
            return -1;
    }
    return 0;
}

/* The language most parts give, the earliest among equals; NULL when none gives one.
   Borrowed from `parts`. */
static const char *s_merged_language(const json_t *parts)
{
    const char *best = NULL;
    size_t best_votes = 0, n = json_array_size(parts);
    for (size_t i = 0; i < n; i++) {
        const char *lang = cs_rec_str(json_array_get(parts, i), "language");
        if (!lang || (best && strcmp(lang, best) == 0))
            continue;
        size_t votes = 0;
        for (size_t k = i; k < n; k++) {
            const char *other = cs_rec_str(json_array_get(parts, k), "language");
            votes += other && strcmp(other, lang) == 0;
        }
        if (votes > best_votes) {
            best = lang;
            best_votes = votes;
        }
    }
    return best;
}

json_t *cs_insights_merge(const json_t *parts)
{
    if (!json_is_array(parts))
        return NULL;
    cs_insights_collector_t features = {.items = json_array(), .level = "urgency"};
    cs_insights_collector_t bugs = {.items = json_array(), .level = "severity"};
    cs_insights_phrases_t pains = {.items = json_array()};
    mood_t mood = {0};
    cs_buf_t summary = {0};
    json_t *out = json_object();
    int rc = out && features.items && bugs.items && pains.items ? 0 : -1;
    for (size_t i = 0; i < json_array_size(parts) && rc == 0; i++) {
        const json_t *part = json_array_get(parts, i);
        if (!json_is_object(part))
            continue;
        if (s_merge_items(&features, json_object_get(part, "feature_requests")) != 0 ||
            s_merge_items(&bugs, json_object_get(part, "bug_reports")) != 0)
            rc = -1;
        s_mood_add(&mood, json_object_get(part, "sentiment"));
        const json_t *list = json_object_get(part, "pain_points");
        for (size_t k = 0; k < json_array_size(list) && rc == 0; k++) {
            const char *text = json_string_value(json_array_get(list, k));
            if (text && text[0] && cs_insights_phrases_add(&pains, text) == CS_INSIGHTS_NOMEM)
                rc = -1;
        }
        const char *text = cs_rec_str(part, "summary");
        if (text && text[0]) {
            if (summary.len > 0)
                cs_buf_add(&summary, " ", 1);
            if (summary.len <= 4 * CS_INSIGHTS_MAX_TEXT) /* enough for the cut below */
                cs_buf_add(&summary, text, strlen(text));
        }
    }
    char *joined = cs_buf_take(&summary);
    char *cut = joined ? cs_insights_clean(joined, CS_INSIGHTS_MAX_TEXT) : NULL;
    json_t *sentiment = s_mood_result(&mood);
    if (!cut || (s_mood_known(&mood) && !sentiment))
        rc = -1;
    if (rc == 0)
        rc |= json_object_set(out, "feature_requests", features.items);
    if (rc == 0)
        rc |= json_object_set(out, "bug_reports", bugs.items);
    if (rc == 0 && sentiment)
        rc |= json_object_set(out, "sentiment", sentiment);
    if (rc == 0)
        rc |= json_object_set(out, "pain_points", pains.items);
    if (rc == 0 && cut[0])
        rc |= json_object_set_new(out, "summary", json_string(cut));
    const char *language = s_merged_language(parts);
    if (rc == 0 && language)
        rc |= json_object_set_new(out, "language", json_string(language));
    free(joined);
    free(cut);
    json_decref(sentiment);
    cs_insights_collector_free(&features);
    cs_insights_collector_free(&bugs);
    cs_insights_phrases_free(&pains);
    if (rc != 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}
