/*  cs_offline_theme: theme features and picking a theme (see cs_offline_theme.h). */
#include "cs_offline_theme.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cs_offline_text.h"
#include "cs_offline_words.h"
#include "cs_record.h"

/* Weights of where a feature comes from. */
#define S_W_NAME     2.0 /* a theme's name */
#define S_W_DESC     1.0 /* a theme's description */
#define S_W_TITLE    2.0 /* a request's title */
#define S_W_SENTENCE 1.0 /* a request's sentence */
/* What a concept family weighs against a word's stem. */
#define S_W_CONCEPT 1.0
/* What all the trigrams of a word weigh together (as a Euclidean norm) against its stem. */
#define S_W_TRIGRAMS 0.5
/* Words longer than this make no trigrams. */
#define S_MAX_TRIGRAM_WORD 32

enum { S_KIND_STEM = 's', S_KIND_CONCEPT = 'c', S_KIND_TRIGRAM = 't' };

/* The concept vocabulary: "family word word...", single normalised words (cs_offline_text.h),
   '*' ends a prefix. A word may name several families ("translate": AI and localisation).
   "app" names no family: it names the product itself as often as a mobile app. */
/* clang-format off */
static const char *const s_concepts[] = {
    "integrations integrat* sync* connector* connect* api apis webhook* zapier salesforce "
    "hubspot pipedrive slack jira zendesk shopify crm crms plugin* marketplace outlook gmail "
    "calendar* github gitlab dropbox xero quickbooks notion confluence wiki wikis netsuite sms "
    "whatsapp twilio sharepoint",
    "reporting report* dashboard* chart* graph* metric* kpi kpis analytic* export* csv excel "
    "statistic* stats insight* trend* sla slas breakdown funnel* target* benchmark* numbers csat "
    "backlog overload* visibility overview",
    "ai ai gpt llm llms ml chatgpt openai suggest* summar* tldr auto autoreply draft* generat* "
    "sentiment* mood tone translat* smart assistant* copilot predict* classif* intelligen* "
    "chatbot* bot bots",
    "inbox inbox* assign* note notes mention* signature* collision* tag tags tagging view views "
    "macro* shared handoff handover queue* robin teammate* colleague* comment* workload* "
    "balanc* collaborat* attachment* duplicate* replying",
    "localisation language* french german spanish portuguese italian dutch chinese japanese "
    "korean arabic multilingual locali* localiz* internationali* translat* locale* currenc* "
    "rtl i0n l0n",
    "security sso saml okta onelogin scim ldap permission* role roles rbac audit* gdpr hipaa "
    "soc complian* encrypt* password* mfa 0fa login* signin admin* privacy secur* guest*",
    "mobile mobile ios android iphone ipad tablet* offline smartphone*",
    "notifications notif* alert* remind* push digest*",
    "billing billing invoic* payment* pay subscription* pricing refund* checkout* vat tax* "
    "card* currenc*",
    "search search* filter* sort* query queries",
    "workflow workflow* automat* rule rules trigger* routing escalat* sequence* journey* "
    "drip schedul*",
    "import import* export* csv upload* bulk migrat* backup*",
    NULL};
/* clang-format on */

/* ---- feature sets ---------------------------------------------------------------------- */

static void s_features_free(cs_offline_features_t *f)
{
    free(f->id);
    free(f->w);
    memset(f, 0, sizeof *f);
}

/* Add feature id with weight w; a feature already there keeps the larger weight. Past
   CS_OFFLINE_THEME_MAX_FEATURES new features are ignored. */
static int s_features_add(cs_offline_features_t *f, uint32_t id, double w)
{
    for (size_t i = 0; i < f->count; i++) {
        if (f->id[i] == id) {
            if (w > f->w[i])
                f->w[i] = w;
            return 0;
        }
    }
    if (f->count >= CS_OFFLINE_THEME_MAX_FEATURES)
        return 0;
    if (f->count == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 32;
        uint32_t *id_grown = realloc(f->id, cap * sizeof *id_grown);
        if (!id_grown)
            return -1;
        f->id = id_grown;
        double *w_grown = realloc(f->w, cap * sizeof *w_grown);
        if (!w_grown)
            return -1;
        f->w = w_grown;
        f->cap = cap;
    }
    f->id[f->count] = id;
    f->w[f->count++] = w;
    return 0;
}

/* Sort by id (insertion sort: at most CS_OFFLINE_THEME_MAX_FEATURES). */
static void s_features_sort(cs_offline_features_t *f)
{
    for (size_t i = 1; i < f->count; i++) {
        uint32_t id = f->id[i];
        double w = f->w[i];
        size_t k = i;
        while (k > 0 && f->id[k - 1] > id) {
            f->id[k] = f->id[k - 1];
            f->w[k] = f->w[k - 1];
            k--;
        }
        f->id[k] = id;
        f->w[k] = w;
    }
}

/* The weight of feature id in sorted f, 0 when absent. */
static double s_features_get(const cs_offline_features_t *f, uint32_t id)
{
    size_t lo = 0, hi = f->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->id[mid] == id)
            return f->w[mid];
        if (f->id[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* FNV-1a of a kind byte and s[0..n). */
static uint32_t s_hash(char kind, const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    h = (h ^ (unsigned char)kind) * 16777619u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* ---- text to features ------------------------------------------------------------------ */

/* Does word w[0..n) match vocabulary entry p[0..plen) (a '*' at the end: a prefix)? */
static bool s_vocab_match(const char *w, size_t n, const char *p, size_t plen)
{
    if (plen > 0 && p[plen - 1] == '*')
        return n >= plen - 1 && memcmp(w, p, plen - 1) == 0;
    return n == plen && memcmp(w, p, plen) == 0;
}

/* Add the families word w[0..n) names; *named says whether there was one. */
static int s_add_concepts(cs_offline_features_t *f, const char *w, size_t n, double weight,
                          bool *named)
{
    *named = false;
    for (const char *const *c = s_concepts; *c; c++) {
        const char *family = *c;
        size_t flen = (size_t)(strchr(family, ' ') - family);
        const char *p = family + flen + 1;
        while (*p) {
            const char *end = strchr(p, ' ');
            size_t plen = end ? (size_t)(end - p) : strlen(p);
            if (s_vocab_match(w, n, p, plen)) {
                *named = true;
                if (s_features_add(f, s_hash(S_KIND_CONCEPT, family, flen), weight * S_W_CONCEPT) !=
                    0)
                    return -1;
                break;
            }
            p += plen;
            if (*p == ' ')
                p++;
        }
    }
    return 0;
}

/* Add the character trigrams of "_word_", together weighing `weight` * S_W_TRIGRAMS. */
static int s_add_trigrams(cs_offline_features_t *f, const char *w, size_t n, double weight)
{
    if (n > S_MAX_TRIGRAM_WORD)
        return 0;
    char padded[S_MAX_TRIGRAM_WORD + 2];
    padded[0] = '_';
    memcpy(padded + 1, w, n);
    padded[n + 1] = '_';
    size_t count = n; /* trigrams of n + 2 characters */
    double each = weight * S_W_TRIGRAMS / sqrt((double)count);
    for (size_t i = 0; i < count; i++)
        if (s_features_add(f, s_hash(S_KIND_TRIGRAM, padded + i, 3), each) != 0)
            return -1;
    return 0;
}

/* Add the features of text[0..n) (its first CS_OFFLINE_THEME_MAX_TEXT bytes) with `weight`. */
static int s_text_features(const char *text, size_t n, double weight, cs_offline_features_t *f)
{
    if (!text)
        return 0;
    if (n > CS_OFFLINE_THEME_MAX_TEXT)
        n = CS_OFFLINE_THEME_MAX_TEXT;
    cs_offline_tokens_t t;
    if (cs_offline_tokenize(text, n, &t) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < t.count && rc == 0; i++) {
        const char *w = t.tok[i];
        size_t len = t.len[i];
        if (len < 2 || cs_offline_token_in(&t, i, cs_offline_words_stopwords) ||
            strspn(w, "0") == len)
            continue;
        bool named;
        rc = s_features_add(f, s_hash(S_KIND_STEM, w, cs_offline_stem(w, len)), weight);
        if (rc == 0)
            rc = s_add_concepts(f, w, len, weight, &named);
        if (rc == 0 && !named)
            rc = s_add_trigrams(f, w, len, weight);
    }
    cs_offline_tokens_free(&t);
    return rc;
}

/* ---- themes ---------------------------------------------------------------------------- */

void cs_offline_themes_free(cs_offline_themes_t *th)
{
    for (size_t i = 0; i < th->count; i++)
        s_features_free(&th->theme[i].feat);
    free(th->theme);
    memset(th, 0, sizeof *th);
}

static int s_cmp_id(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* How many of the sorted ids[0..n) equal id. */
static size_t s_count_id(const uint32_t *ids, size_t n, uint32_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) { /* the first >= id */
        size_t mid = lo + (hi - lo) / 2;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < n && ids[end] == id)
        end++;
    return end - lo;
}

/* Weigh every theme feature by its rarity among the themes, log(1 + T/df) / log(1 + T) (df:
   the themes that have it), and compute the norms. 0, or -1 when memory runs out. */
static int s_weigh_rarity(cs_offline_themes_t *th)
{
    size_t all = 0;
    for (size_t i = 0; i < th->count; i++)
        all += th->theme[i].feat.count;
    uint32_t *ids = malloc((all ? all : 1) * sizeof *ids);
    if (!ids)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < th->count; i++) {
        memcpy(ids + k, th->theme[i].feat.id, th->theme[i].feat.count * sizeof *ids);
        k += th->theme[i].feat.count;
    }
    qsort(ids, all, sizeof *ids, s_cmp_id);
    double t = (double)th->count;
    for (size_t i = 0; i < th->count; i++) {
        cs_offline_features_t *f = &th->theme[i].feat;
        double sum = 0;
        for (size_t j = 0; j < f->count; j++) {
            size_t df = s_count_id(ids, all, f->id[j]); /* at least 1: this theme */
            f->w[j] *= t > 1 ? log(1 + t / (double)df) / log(1 + t) : 1.0;
            sum += f->w[j] * f->w[j];
        }
        th->theme[i].norm = sqrt(sum);
    }
    free(ids);
    return 0;
}

int cs_offline_themes_load(const json_t *themes, cs_offline_themes_t *th)
{
    memset(th, 0, sizeof *th);
    th->fallback = CS_DEFAULT_THEME_NAME;
    size_t n = json_is_array(themes) ? json_array_size(themes) : 0;
    if (n == 0)
        return 0;
    th->theme = calloc(n, sizeof *th->theme);
    if (!th->theme)
        return -1;
    bool have_default = false;
    for (size_t i = 0; i < n; i++) {
        const json_t *it = json_array_get(themes, i);
        const char *name = cs_rec_str(it, "name");
        if (!name || !*name)
            continue;
        if (json_is_true(json_object_get(it, "is_default"))) {
            if (!have_default)
                th->fallback = name;
            have_default = true;
            continue;
        }
        cs_offline_theme_t *t = &th->theme[th->count++];
        t->name = name;
        const char *desc = cs_rec_str(it, "description");
        if (s_text_features(name, strlen(name), S_W_NAME, &t->feat) != 0 ||
            (desc && s_text_features(desc, strlen(desc), S_W_DESC, &t->feat) != 0))
            return -1;
        s_features_sort(&t->feat);
    }
    /* the rarity weights need every theme's features */
    return s_weigh_rarity(th);
}

int cs_offline_themes_similarity(const cs_offline_themes_t *th, const char *text, size_t n,
                                 const char *title, double *sim)
{
    cs_offline_features_t q = {0};
    if (s_text_features(text, n, S_W_SENTENCE, &q) != 0 ||
        (title &&
         s_text_features(title, strnlen(title, CS_OFFLINE_THEME_MAX_TEXT), S_W_TITLE, &q) != 0)) {
        s_features_free(&q);
        return -1;
    }
    double qnorm = 0;
    for (size_t k = 0; k < q.count; k++)
        qnorm += q.w[k] * q.w[k];
    qnorm = sqrt(qnorm);
    for (size_t i = 0; i < th->count; i++) {
        const cs_offline_theme_t *t = &th->theme[i];
        double dot = 0;
        for (size_t k = 0; k < q.count; k++)
            dot += q.w[k] * s_features_get(&t->feat, q.id[k]);
        sim[i] = qnorm > 0 && t->norm > 0 ? dot / (qnorm * t->norm) : 0;
    }
    s_features_free(&q);
    return 0;
}

const char *cs_offline_themes_pick(const cs_offline_themes_t *th, const char *text, size_t n,
                                   const char *title)
{
    if (th->count == 0)
        return th->fallback;
    double *sim = calloc(th->count, sizeof *sim);
    if (!sim || cs_offline_themes_similarity(th, text, n, title, sim) != 0) {
        free(sim);
        return th->fallback;
    }
    size_t best = th->count; /* none yet */
    for (size_t i = 0; i < th->count; i++)
        if (sim[i] >= CS_OFFLINE_THEME_FLOOR && (best == th->count || sim[i] > sim[best]))
            best = i;
    const char *name = best < th->count ? th->theme[best].name : th->fallback;
    free(sim);
    return name;
}
