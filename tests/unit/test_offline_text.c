/* cs_offline_text: the compiled phrase lists answer exactly as the plain scan of every phrase
   with cs_offline_phrase_at / cs_offline_has_phrase does, at every token (and one past the
   last), for odd phrase forms ("^ " anchors, '*' prefixes, empty words, the empty phrase) and
   for every word list of the extractor, on sentences made to hit and to nearly miss. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_offline_text.h"
#include "cs_offline_words.h"

/* ---------------------------------------------------------------------------------------- */
/* The reference: the plain scan, phrase by phrase, in list order                            */

static long ref_at(const cs_offline_tokens_t *t, size_t i, const char *const *list)
{
    for (long j = 0; list[j]; j++)
        if (cs_offline_phrase_at(t, i, list[j]))
            return j;
    return -1;
}

static long ref_word(const cs_offline_tokens_t *t, size_t i, const char *const *list)
{
    for (long j = 0; list[j]; j++)
        if (!strchr(list[j], ' ') && cs_offline_phrase_at(t, i, list[j]))
            return j;
    return -1;
}

static long ref_find(const cs_offline_tokens_t *t, const char *const *list)
{
    for (long j = 0; list[j]; j++)
        if (cs_offline_has_phrase(t, list[j]))
            return j;
    return -1;
}

/* ---------------------------------------------------------------------------------------- */
/* Sentences                                                                                  */

static uint32_t rng_state;

static uint32_t rng(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return rng_state >> 8;
}

typedef struct {
    char **v;
    size_t n, cap;
} vocab_t;

static void vocab_push(vocab_t *v, char *word)
{
    cr_assert_not_null(word);
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 64;
        v->v = realloc(v->v, v->cap * sizeof *v->v);
        cr_assert_not_null(v->v);
    }
    v->v[v->n++] = word;
}

/* The words of every phrase of the lists ('*' and "^" dropped), each also cut short by a
   byte and lengthened by "s", "ing" and "x": the sentences' vocabulary. The caller frees the
   array and its strings. */
static char **vocabulary(const char *const *const *lists, size_t nlists, size_t *count)
{
    static const char *const ends[] = {"", "s", "ing", "x", NULL};
    vocab_t v = {0};
    for (size_t l = 0; l < nlists; l++)
        for (const char *const *p = lists[l]; *p; p++) {
            const char *s = *p;
            while (*s) {
                while (*s == ' ' || *s == '^')
                    s++;
                size_t len = strcspn(s, " ");
                size_t w = len;
                while (w > 0 && s[w - 1] == '*')
                    w--;
                for (const char *const *e = ends; w > 0 && *e; e++) {
                    char buf[256];
                    snprintf(buf, sizeof buf, "%.*s%s", (int)w, s, *e);
                    vocab_push(&v, strdup(buf));
                }
                if (w > 1)
                    vocab_push(&v, strndup(s, w - 1));
                s += len;
            }
        }
    cr_assert_gt(v.n, 0);
    *count = v.n;
    return v.v;
}

static void vocabulary_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* A sentence of 0..11 words of the vocabulary, joined by spaces, commas or apostrophes; with
   each phrase of `hits` pasted in now and then. */
static void sentence(char *out, size_t cap, char **vocab, size_t nvocab, const char *const *hits)
{
    size_t nw = rng() % 12, used = 0;
    out[0] = '\0';
    for (size_t k = 0; k < nw; k++) {
        const char *w = vocab[rng() % nvocab];
        if (hits && rng() % 4 == 0) {
            size_t nh = 0;
            while (hits[nh])
                nh++;
            w = hits[rng() % nh];
            if (w[0] == '^' && w[1] == ' ')
                w += 2;
        }
        static const char *const seps[] = {" ", ", ", "'", " - "};
        int len = snprintf(out + used, cap - used, "%s%s", k ? seps[rng() % 4] : "", w);
        if (len < 0 || (size_t)len >= cap - used)
            break;
        used += (size_t)len;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Checks                                                                                     */

/* Compare the compiled list with the reference on `rounds` sentences; returns how many
   (position, answer) pairs found a phrase, so that a test can tell it hit something. */
static size_t compare(const char *const *list, char **vocab, size_t nvocab, size_t rounds)
{
    cs_offline_phrases_t *ps = cs_offline_phrases_new(list);
    cr_assert_not_null(ps);
    size_t found = 0;
    char text[1024];
    for (size_t r = 0; r < rounds; r++) {
        sentence(text, sizeof text, vocab, nvocab, list);
        cs_offline_tokens_t t;
        cr_assert_eq(cs_offline_tokenize(text, strlen(text), &t), 0);
        for (size_t i = 0; i <= t.count; i++) {
            long want = ref_at(&t, i, list), got = cs_offline_phrases_at(ps, &t, i);
            cr_assert_eq(got, want, "at %zu of \"%s\": compiled %ld, scan %ld", i, text, got, want);
            found += want >= 0;
            want = ref_word(&t, i, list);
            got = cs_offline_phrases_word(ps, &t, i);
            cr_assert_eq(got, want, "word %zu of \"%s\": compiled %ld, scan %ld", i, text, got,
                         want);
            found += want >= 0;
        }
        long want = ref_find(&t, list), got = cs_offline_phrases_find(ps, &t);
        cr_assert_eq(got, want, "find in \"%s\": compiled %ld, scan %ld", text, got, want);
        found += want >= 0;
        cs_offline_tokens_free(&t);
    }
    cs_offline_phrases_destroy(&ps);
    cr_assert_null(ps);
    cs_offline_phrases_destroy(&ps); /* idempotent */
    return found;
}

/* Phrase forms that only the scan's reading of them defines. */
static const char *const odd[] = {
    "need*",              /* a prefix */
    "need",               /* the same word, exact: both must be found, in list order */
    "^ need",             /* anchored */
    "^ could you",        /* anchored, several words */
    "^ ",                 /* anchored, no words: matches at the start of anything */
    "",                   /* no words: matches everywhere */
    "*",                  /* any one word */
    "* feature*",         /* any word, then a prefix */
    "ne*",                /* a shorter prefix of the same words */
    "n*",                 /* shorter still */
    "needs to",           /* several words */
    "needs to be",        /* a longer phrase over the same start */
    "need* help*",        /* two prefixes */
    "a  b",               /* an empty word in the middle: never matches */
    " need",              /* an empty first word: never matches */
    "need ",              /* a trailing space: "need", but not a single word for token_in */
    "^need",              /* no anchor (no space): the word "^need", which no token is */
    "^",                  /* the word "^" */
    "ab*cd",              /* '*' inside a word is a byte like any other */
    "Need",               /* upper case: no token has it */
    "0 users",            /* digits read as '0' */
    "\xc3\xa9t\xc3\xa9*", /* UTF-8: "été*" */
    "dont",               /* apostrophes dropped */
    "need",               /* a repeat */
    "could you maybe add",
    "you",
    NULL};

/* The same list, compiled through the registry (cs_offline_has_any and friends). */
static const char *const odd_static[] = {"need*",
                                         "need",
                                         "^ need",
                                         "^ could you",
                                         "^ ",
                                         "",
                                         "*",
                                         "* feature*",
                                         "ne*",
                                         "n*",
                                         "needs to",
                                         "needs to be",
                                         "need* help*",
                                         "a  b",
                                         " need",
                                         "need ",
                                         "^need",
                                         "^",
                                         "ab*cd",
                                         "Need",
                                         "0 users",
                                         "\xc3\xa9t\xc3\xa9*",
                                         "dont",
                                         "need",
                                         "could you maybe add",
                                         "you",
                                         NULL};

Test(offline_text, odd_phrase_forms_answer_as_the_scan)
{
    static const char *const *const lists[] = {odd};
    size_t nvocab;
    char **vocab = vocabulary(lists, 1, &nvocab);
    rng_state = 17;
    size_t found = compare(odd, vocab, nvocab, 3000);
    cr_expect_gt(found, 1000, "the sentences hit the phrases %zu times", found);
    vocabulary_free(vocab, nvocab);
}

/* Each piece of the list on its own, so that no phrase hides behind an earlier one. */
Test(offline_text, each_odd_phrase_alone)
{
    static const char *const *const lists[] = {odd};
    size_t nvocab;
    char **vocab = vocabulary(lists, 1, &nvocab);
    rng_state = 5;
    for (size_t j = 0; odd[j]; j++) {
        const char *one[] = {odd[j], NULL};
        compare(one, vocab, nvocab, 300);
    }
    vocabulary_free(vocab, nvocab);
}

Test(offline_text, empty_texts_and_lists)
{
    static const char *const none[] = {NULL};
    cs_offline_phrases_t *ps = cs_offline_phrases_new(none);
    cr_assert_not_null(ps);
    cs_offline_tokens_t t;
    cr_assert_eq(cs_offline_tokenize("", 0, &t), 0);
    cr_expect_eq(cs_offline_phrases_at(ps, &t, 0), -1);
    cr_expect_eq(cs_offline_phrases_find(ps, &t), -1);
    cs_offline_phrases_destroy(&ps);
    /* no tokens: only the anchored phrase of no words is found; "" needs a token */
    static const char *const empties[] = {"", "^ ", NULL};
    ps = cs_offline_phrases_new(empties);
    cr_assert_not_null(ps);
    cr_expect_eq(cs_offline_phrases_find(ps, &t), 1);
    cr_expect_eq(cs_offline_phrases_find(ps, &t), ref_find(&t, empties));
    cr_expect_eq(cs_offline_phrases_at(ps, &t, 0), 0); /* phrase_at(t, 0, "") holds */
    cr_expect_eq(cs_offline_phrases_word(ps, &t, 0), 0);
    cs_offline_tokens_free(&t);
    cs_offline_phrases_destroy(&ps);
}

/* A few hand-checked answers, so that the reference itself is pinned down. */
Test(offline_text, known_answers)
{
    cs_offline_tokens_t t;
    const char *text = "Could you add needs-based routing? We'd need help";
    cr_assert_eq(cs_offline_tokenize(text, strlen(text), &t), 0);
    /* could you add needs based routing wed need help */
    cr_assert_eq(t.count, 9);
    cr_expect_eq(cs_offline_first_has(&t, odd_static), 0);      /* need*: "needs" */
    cr_expect_eq(cs_offline_first_at(&t, 0, odd_static), 5);    /* "": everywhere */
    cr_expect_eq(cs_offline_token_in(&t, 1, odd_static), true); /* "you" (and "", "*") */
    static const char *const anchored[] = {"need", "^ could you", NULL};
    cr_expect_eq(cs_offline_first_has(&t, anchored), 0);
    cr_expect_eq(cs_offline_first_at(&t, 0, anchored), -1); /* an anchor is no word */
    cr_expect(cs_offline_has_any(&t, anchored));
    static const char *const late[] = {"^ need", "^ you", "routing wed", NULL};
    cr_expect_eq(cs_offline_first_has(&t, late), 2);
    cr_expect_eq(cs_offline_first_at(&t, 5, late), 2);
    static const char *const miss[] = {"^ need", "^ you", "needs based routings", "help*x", NULL};
    cr_expect_not(cs_offline_has_any(&t, miss));
    cr_expect_eq(cs_offline_first_has(&t, miss), -1);
    cs_offline_tokens_free(&t);
}

/* Every list of cs_offline_words.h, through the registry and compiled alone. */
static const char *const *const word_lists[] = {
    cs_offline_words_explicit_request,
    cs_offline_words_not_request,
    cs_offline_words_requestish,
    cs_offline_words_explicit_bug,
    cs_offline_words_trouble,
    cs_offline_words_urgency_low_first,
    cs_offline_words_urgency_critical,
    cs_offline_words_urgency_high,
    cs_offline_words_urgency_low,
    cs_offline_words_severity_critical,
    cs_offline_words_severity_high,
    cs_offline_words_severity_low,
    cs_offline_words_pain,
    cs_offline_words_positive,
    cs_offline_words_negative,
    cs_offline_words_negators,
    cs_offline_words_request_verbs,
    cs_offline_words_request_lead,
    cs_offline_words_bug_lead,
    cs_offline_words_title_stop,
    cs_offline_words_title_tail,
    cs_offline_words_title_break,
    cs_offline_words_title_joined,
    cs_offline_words_title_asks_which,
    cs_offline_words_title_tool,
    cs_offline_words_filler,
    cs_offline_words_title_meta,
    cs_offline_words_bug_meta,
    cs_offline_words_stopwords,
    odd_static,
};
#define NLISTS (sizeof word_lists / sizeof word_lists[0])

Test(offline_text, every_word_list_answers_as_the_scan)
{
    size_t nvocab;
    char **vocab = vocabulary(word_lists, NLISTS, &nvocab);
    rng_state = 2026;
    for (size_t l = 0; l < NLISTS; l++) {
        size_t found = compare(word_lists[l], vocab, nvocab, 400);
        cr_expect_gt(found, 0, "list %zu was never hit", l);
    }
    /* the registry: cs_offline_has_any, first_has, first_at and token_in */
    char text[1024];
    for (size_t r = 0; r < 4000; r++) {
        const char *const *list = word_lists[r % NLISTS];
        sentence(text, sizeof text, vocab, nvocab, list);
        cs_offline_tokens_t t;
        cr_assert_eq(cs_offline_tokenize(text, strlen(text), &t), 0);
        long want = ref_find(&t, list);
        cr_assert_eq(cs_offline_first_has(&t, list), want, "\"%s\"", text);
        cr_assert_eq(cs_offline_has_any(&t, list), want >= 0, "\"%s\"", text);
        for (size_t i = 0; i < t.count; i++) {
            cr_assert_eq(cs_offline_first_at(&t, i, list), ref_at(&t, i, list), "\"%s\" at %zu",
                         text, i);
            cr_assert_eq(cs_offline_token_in(&t, i, list), ref_word(&t, i, list) >= 0,
                         "\"%s\" at %zu", text, i);
        }
        cs_offline_tokens_free(&t);
    }
    vocabulary_free(vocab, nvocab);
}
