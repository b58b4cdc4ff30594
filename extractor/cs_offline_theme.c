/*  cs_offline_theme: theme terms and picking a theme (see cs_offline_theme.h). */
#include "cs_offline_theme.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cs_offline_text.h"
#include "cs_offline_words.h"
#include "cs_record.h"

static void s_terms_free(cs_offline_terms_t *t)
{
    for (size_t i = 0; i < t->count; i++)
        free(t->term[i]);
    free(t->term);
    memset(t, 0, sizeof *t);
}

static bool s_terms_has(const cs_offline_terms_t *t, const char *s)
{
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->term[i], s) == 0)
            return true;
    return false;
}

static int s_terms_add(cs_offline_terms_t *t, const char *s, size_t n)
{
    for (size_t i = 0; i < t->count; i++)
        if (strlen(t->term[i]) == n && memcmp(t->term[i], s, n) == 0)
            return 0;
    if (t->count == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        char **grown = realloc(t->term, cap * sizeof *grown);
        if (!grown)
            return -1;
        t->term = grown;
        t->cap = cap;
    }
    char *copy = strndup(s, n);
    if (!copy)
        return -1;
    t->term[t->count++] = copy;
    return 0;
}

/* The theme terms of a text: stems of its words (stop words left out) and concept tags. */
static int s_text_terms(const char *text, size_t n, cs_offline_terms_t *out)
{
    cs_offline_tokens_t t;
    if (cs_offline_tokenize(text, n, &t) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < t.count && rc == 0; i++) {
        if (t.len[i] < 2 || cs_offline_token_in(&t, i, cs_offline_words_stopwords))
            continue;
        rc = s_terms_add(out, t.tok[i], cs_offline_stem(t.tok[i], t.len[i]));
        for (const char *const *c = cs_offline_words_concepts; *c && rc == 0; c++) {
            const char *p = strchr(*c, ' ') + 1;
            while (*p) {
                const char *end = strchr(p, ' ');
                size_t plen = end ? (size_t)(end - p) : strlen(p);
                bool prefix = p[plen - 1] == '*';
                size_t cmp = prefix ? plen - 1 : plen;
                if (prefix ? t.len[i] >= cmp && memcmp(t.tok[i], p, cmp) == 0
                           : t.len[i] == cmp && memcmp(t.tok[i], p, cmp) == 0) {
                    rc = s_terms_add(out, *c, (size_t)(strchr(*c, ' ') - *c));
                    break;
                }
                p += plen;
                if (*p == ' ')
                    p++;
            }
        }
    }
    cs_offline_tokens_free(&t);
    return rc;
}

void cs_offline_themes_free(cs_offline_themes_t *th)
{
    for (size_t i = 0; i < th->count; i++) {
        s_terms_free(&th->theme[i].in_name);
        s_terms_free(&th->theme[i].in_description);
    }
    free(th->theme);
    memset(th, 0, sizeof *th);
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
        if (s_text_terms(name, strlen(name), &t->in_name) != 0 ||
            (desc && s_text_terms(desc, strlen(desc), &t->in_description) != 0))
            return -1;
    }
    return 0;
}

const char *cs_offline_themes_pick(const cs_offline_themes_t *th, const char *text, size_t n)
{
    cs_offline_terms_t terms = {0};
    if (th->count == 0 || s_text_terms(text, n, &terms) != 0) {
        s_terms_free(&terms);
        return th->fallback;
    }
    const char *best = th->fallback;
    int best_score = 0;
    for (size_t i = 0; i < th->count; i++) {
        int score = 0;
        for (size_t k = 0; k < terms.count; k++) {
            if (s_terms_has(&th->theme[i].in_name, terms.term[k]))
                score += 2;
            else if (s_terms_has(&th->theme[i].in_description, terms.term[k]))
                score += 1;
        }
        if (score > best_score) {
            best_score = score;
            best = th->theme[i].name;
        }
    }
    s_terms_free(&terms);
    return best;
}
