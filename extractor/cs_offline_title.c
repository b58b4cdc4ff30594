/*  cs_offline_title: titles that name the thing asked for (see cs_offline_title.h). */
#include "cs_offline_title.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cs_offline_text.h"
#include "cs_offline_words.h"
#include "cs_util.h"

#define MAX_TITLE_WORDS CS_OFFLINE_TITLE_WORDS
#define MAX_TITLE_BYTES CS_OFFLINE_TITLE_BYTES
/* A request title starts after a request verb (cs_offline_words_request_verbs) among the first
   TITLE_VERB_WITHIN words: "our managers want | a dashboard...". */
#define TITLE_VERB_WITHIN 6
/* A request verb further in starts the title when a clause begins at most this many words
   before it. */
#define CLAUSE_WITHIN 6
/* A title is looked for in the first few clauses: "Nice to have, not urgent, but | a bulk
   export to CSV...". */
#define TITLE_CLAUSES 4

/* A word of a sentence: its bytes in the sentence, and its normalised tokens. */
typedef struct {
    const char *p;
    size_t n;
    cs_offline_tokens_t tok;
} word_t;

static bool s_punct_byte(unsigned char c)
{
    return c < 0x80 && !isalnum(c);
}

/* Does the word end a clause (a comma, semicolon or colon after it)? */
static bool s_clause_end(const word_t *w)
{
    unsigned char end = (unsigned char)w->p[w->n - 1];
    return end == ',' || end == ';' || end == ':';
}

/* Whether words[i] (and words[i + 1]) are filler inside a title: *len is how many. */
static bool s_inner_filler(const word_t *words, size_t i, size_t nw, size_t *len)
{
    static const char *const pairs[][2] = {{"kind", "of"}, {"sort", "of"},     {"end", "up"},
                                           {"ends", "up"}, {"ended", "up"},    {"you", "know"},
                                           {"i", "mean"},  {"or", "something"}};
    if (words[i].tok.count == 1 && cs_offline_token_in(&words[i].tok, 0, cs_offline_words_filler)) {
        *len = 1;
        return true;
    }
    for (size_t k = 0; i + 1 < nw && k < CS_ARRAY_LEN(pairs); k++)
        if (words[i].tok.count == 1 && words[i + 1].tok.count == 1 &&
            strcmp(words[i].tok.tok[0], pairs[k][0]) == 0 &&
            strcmp(words[i + 1].tok.tok[0], pairs[k][1]) == 0) {
            *len = 2;
            return true;
        }
    return false;
}

/* Does the title have a word that names something (not a stop word, filler or request
   phrasing, at least three letters)? */
static size_t s_content_words(const word_t *words, const size_t *pick, size_t npick)
{
    size_t n = 0;
    for (size_t k = 0; k < npick; k++) {
        const cs_offline_tokens_t *t = &words[pick[k]].tok;
        for (size_t i = 0; i < t->count; i++)
            if (t->len[i] >= 3 && !cs_offline_token_in(t, i, cs_offline_words_stopwords) &&
                !cs_offline_token_in(t, i, cs_offline_words_request_lead) &&
                !cs_offline_token_in(t, i, cs_offline_words_title_meta))
                n++;
    }
    return n;
}

/* Does the clause starting at words[first] ask for something (an explicit request phrase)? */
static bool s_clause_asks(const word_t *words, size_t nw, size_t first)
{
    if (first >= nw)
        return false;
    size_t last = first;
    while (last + 1 < nw && !s_clause_end(&words[last]))
        last++;
    cs_offline_tokens_t t;
    if (cs_offline_tokenize(words[first].p,
                            (size_t)(words[last].p + words[last].n - words[first].p), &t) != 0)
        return false;
    bool asks = cs_offline_has_any(&t, cs_offline_words_explicit_request);
    cs_offline_tokens_free(&t);
    return asks;
}

/* Does words[i] start a "so" clause ("..., so we can", "so that", "so the team")? A "so"
   before an adjective ("so slow") ends nothing. */
static bool s_so_clause(const word_t *words, size_t nw, size_t i)
{
    static const char *const subjects[] = {"we",      "i",        "you",    "they",   "it",
                                           "that",    "the",      "our",    "my",     "their",
                                           "people",  "everyone", "nobody", "agents", "customers",
                                           "someone", "he",       "she",    "there",  NULL};
    return words[i].tok.count == 1 && strcmp(words[i].tok.tok[0], "so") == 0 && i + 1 < nw &&
           words[i + 1].tok.count >= 1 && cs_offline_token_in(&words[i + 1].tok, 0, subjects);
}

/* Pick the title's words from words[first]: the lead skipped (words with no letters, or a
   single token in `lead`), up to a clause boundary or MAX_TITLE_WORDS, filler left out,
   trailing function words dropped. The indices go to pick[] (*npick of them); returns the
   index where the next clause starts. */
static size_t s_pick_clause(const word_t *words, size_t nw, size_t first, const char *const *lead,
                            size_t *pick, size_t *npick)
{
    *npick = 0;
    while (first < nw &&
           (words[first].tok.count == 0 ||
            (words[first].tok.count == 1 && cs_offline_token_in(&words[first].tok, 0, lead))))
        first++;
    size_t i = first;
    while (i < nw && *npick < MAX_TITLE_WORDS) {
        const word_t *w = &words[i];
        size_t len;
        if (*npick >= 2 && w->tok.count == 1 &&
            (cs_offline_token_in(&w->tok, 0, cs_offline_words_title_stop) ||
             s_so_clause(words, nw, i)))
            break;
        if (*npick > 0 && (w->p[0] == '(' || w->p[0] == '-'))
            break;
        if (s_inner_filler(words, i, nw, &len)) {
            i += len;
            if (*npick >= 2 && s_clause_end(&words[i - 1]))
                break;
            continue;
        }
        pick[(*npick)++] = i++;
        if (s_clause_end(w) && (*npick >= 2 || s_content_words(words, pick, *npick) == 0))
            break;
    }
    while (*npick > 1 &&
           (words[pick[*npick - 1]].tok.count == 0 ||
            (words[pick[*npick - 1]].tok.count == 1 &&
             cs_offline_token_in(&words[pick[*npick - 1]].tok, 0, cs_offline_words_title_tail))))
        (*npick)--;
    /* the next clause starts after the next boundary */
    while (i < nw && !(i > 0 && s_clause_end(&words[i - 1])))
        i++;
    return i;
}

/* Does a clause start shortly before words[i] ("..., so we'd want | every email logged")? */
static bool s_clause_before(const word_t *words, size_t i)
{
    for (size_t k = i >= CLAUSE_WITHIN ? i - CLAUSE_WITHIN : 0; k < i; k++)
        if (s_clause_end(&words[k]) || words[k].p[words[k].n - 1] == '-')
            return true;
    return false;
}

/* A short title from a sentence: the words after the first `skip` words, the leading fillers
   and phrasing in `lead`, up to a clause boundary or MAX_TITLE_WORDS words, without filler
   inside, trailing function words and outer punctuation, first letter upper-cased.
   *content is the number of words in it that name something: 0 means the sentence was
   nothing but phrasing ("It'd be nice to have.", "As well."); the title is then the
   sentence's beginning. NULL when memory runs out. */
static char *s_make_title(const char *s, size_t n, size_t skip, const char *const *lead,
                          const char *const *verbs, size_t *content)
{
    word_t words[64];
    size_t nw = 0;
    for (size_t i = 0; i < n && nw < CS_ARRAY_LEN(words);) {
        while (i < n && cs_offline_is_space((unsigned char)s[i]))
            i++;
        size_t start = i;
        while (i < n && !cs_offline_is_space((unsigned char)s[i]))
            i++;
        if (i > start) {
            words[nw].p = s + start;
            words[nw].n = i - start;
            if (cs_offline_tokenize(words[nw].p, words[nw].n, &words[nw].tok) != 0) {
                for (size_t k = 0; k < nw; k++)
                    cs_offline_tokens_free(&words[k].tok);
                return NULL;
            }
            nw++;
        }
    }
    *content = 0;
    if (nw == 0) /* nothing but white space: cannot happen for a trimmed sentence */
        return strdup("");
    /* Skip the given words, then start after a request verb: an early one, or one further in
       when a clause starts shortly before it and the first clause asks for nothing
       ("Our sales team lives in Salesforce, so we'd want | every email logged"). */
    size_t first = 0;
    for (size_t left = skip; first < nw && left > 0; first++)
        left = words[first].tok.count >= left ? 0 : left - words[first].tok.count;
    bool first_asks = s_clause_asks(words, nw, first);
    for (size_t i = first; verbs && i < nw; i++) {
        if (words[i].tok.count != 1 || !cs_offline_token_in(&words[i].tok, 0, verbs))
            continue;
        if (i < first + TITLE_VERB_WITHIN || (!first_asks && s_clause_before(words, i))) {
            first = i + 1;
            break;
        }
    }
    /* The first clause that names something, of the next few. */
    size_t pick[MAX_TITLE_WORDS] = {0}, npick = 0;
    for (size_t clause = 0; clause < TITLE_CLAUSES && first < nw; clause++) {
        first = s_pick_clause(words, nw, first, lead, pick, &npick);
        if (s_content_words(words, pick, npick) > 0)
            break;
    }
    *content = s_content_words(words, pick, npick);
    char buf[MAX_TITLE_BYTES + 1];
    cs_offline_capped_t out = {buf, 0, MAX_TITLE_BYTES};
    buf[0] = '\0';
    if (*content == 0) { /* nothing but phrasing: keep the sentence's beginning */
        cs_offline_capped_put(&out, s, n < MAX_TITLE_BYTES ? n : MAX_TITLE_BYTES);
    } else {
        for (size_t k = 0; k < npick; k++) {
            if (k > 0)
                cs_offline_capped_put(&out, " ", 1);
            cs_offline_capped_put(&out, words[pick[k]].p, words[pick[k]].n);
        }
    }
    for (size_t k = 0; k < nw; k++)
        cs_offline_tokens_free(&words[k].tok);
    const char *from = out.buf, *to = out.buf + out.len;
    while (from < to && s_punct_byte((unsigned char)*from) && *from != '$' && *from != '#' &&
           *from != '@')
        from++;
    while (to > from && s_punct_byte((unsigned char)to[-1]) && to[-1] != ')' && to[-1] != '%' &&
           to[-1] != '+')
        to--;
    if (to == from) { /* nothing but punctuation */
        from = out.buf;
        to = out.buf + out.len;
    }
    char *clean = cs_offline_clean_copy(from, (size_t)(to - from));
    if (!clean)
        return NULL;
    if (clean[0] >= 'a' && clean[0] <= 'z')
        clean[0] = (char)(clean[0] - 32);
    return clean;
}

/* The key under which near-duplicate titles meet: stems of the non-stop words. */
char *cs_offline_title_key(const char *title)
{
    cs_offline_tokens_t t;
    size_t n = strlen(title);
    if (cs_offline_tokenize(title, n, &t) != 0)
        return NULL;
    char *key = malloc(n + 1);
    if (key) {
        size_t o = 0;
        for (size_t i = 0; i < t.count; i++) {
            if (cs_offline_token_in(&t, i, cs_offline_words_stopwords))
                continue;
            size_t k = cs_offline_stem(t.tok[i], t.len[i]);
            if (o)
                key[o++] = ' ';
            memcpy(key + o, t.tok[i], k);
            o += k;
        }
        key[o] = '\0';
        if (o == 0) /* nothing but stop words: the lower-cased title */
            for (size_t i = 0; i <= n; i++)
                key[i] = (char)tolower((unsigned char)title[i]);
    }
    cs_offline_tokens_free(&t);
    return key;
}

/* Does the title name an outcome rather than a thing ("Faster response times")? */
bool cs_offline_title_outcome(const char *title)
{
    static const char *const comparatives[] = {"faster",  "fewer",   "less",   "lower", "higher",
                                               "quicker", "shorter", "better", "more",  NULL};
    cs_offline_tokens_t t;
    if (cs_offline_tokenize(title, strlen(title), &t) != 0)
        return false;
    bool outcome = t.count > 0 && cs_offline_token_in(&t, 0, comparatives);
    cs_offline_tokens_free(&t);
    return outcome;
}

char *cs_offline_title(const char *s, size_t n, size_t skip, cs_offline_title_kind_t kind,
                       size_t *content)
{
    if (kind == CS_OFFLINE_TITLE_BUG)
        return s_make_title(s, n, skip, cs_offline_words_bug_lead, NULL, content);
    return s_make_title(s, n, skip, cs_offline_words_request_lead,
                        kind == CS_OFFLINE_TITLE_REQUEST ? cs_offline_words_request_verbs : NULL,
                        content);
}
