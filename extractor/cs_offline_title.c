/*  cs_offline_title: titles that name the thing asked for (see cs_offline_title.h). */
#include "cs_offline_title.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cs_offline_text.h"
#include "cs_offline_words.h"
#include "cs_util.h"

#define MAX_TITLE_WORDS  CS_OFFLINE_TITLE_WORDS
#define LOOK_TITLE_WORDS CS_OFFLINE_TITLE_LOOK_WORDS
#define MAX_TITLE_BYTES  CS_OFFLINE_TITLE_BYTES
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

/* Is the word the single token `tok`? */
static bool s_word_is(const word_t *w, const char *tok)
{
    return w->tok.count == 1 && strcmp(w->tok.tok[0], tok) == 0;
}

/* Is the word a single token of `list`? */
static bool s_word_in(const word_t *w, const char *const *list)
{
    return w->tok.count == 1 && cs_offline_token_in(&w->tok, 0, list);
}

/* Does words[i] end the title before it (once it has two words): a subordinate clause
   ("because", "before", "when", cs_offline_words_title_stop) or a "so" clause? Not "a while",
   and not "which", "when" or "where" as the object of a verb that takes a question ("shows
   which conversations", "track which technician has"). */
static bool s_stops(const word_t *words, size_t nw, size_t i)
{
    const word_t *w = &words[i];
    if (w->tok.count != 1)
        return false;
    if (s_so_clause(words, nw, i))
        return true;
    if (!cs_offline_token_in(&w->tok, 0, cs_offline_words_title_stop))
        return false;
    if (i > 0 && !s_clause_end(&words[i - 1])) {
        const word_t *prev = &words[i - 1];
        if (s_word_is(prev, "a") || s_word_is(prev, "the"))
            return false;
        if ((s_word_is(w, "which") || s_word_is(w, "when")) &&
            s_word_in(prev, cs_offline_words_title_asks_which))
            return false;
    }
    return true;
}

/* Is words[i] an aside between commas ("a role that can, like, see the inbox")? The comma
   before it then ends no clause. */
static bool s_aside(const word_t *words, size_t nw, size_t i)
{
    static const char *const asides[] = {"like", "um", "uh", "er", "erm", "well", NULL};
    return i > 0 && i + 1 < nw && s_clause_end(&words[i - 1]) &&
           words[i].p[words[i].n - 1] == ',' && s_word_in(&words[i], asides);
}

/* The words a title is made of: pick[] indexes words[], and when verb is not NO_VERB the
   base form of words[verb] comes first ("incoming emails were translated" -> "Translate
   incoming emails"). ended: the clause ended within the words looked at. */
#define NO_VERB ((size_t)-1)
typedef struct {
    size_t pick[LOOK_TITLE_WORDS];
    size_t n;
    size_t verb;
    bool third; /* words[verb] is a third person ("flags"), not a participle */
    bool ended;
} title_t;

/* The base form of a regular past participle ("translated" -> "translate", "logged" ->
   "log", "copied" -> "copy") into out[cap], or 0 when no rule gives it reliably ("deleted"
   or "targeted", "edited" or "united": the spelling does not say). */
static size_t s_base_form(const char *w, size_t n, char *out, size_t cap)
{
    static const char *const add_e[] = {"at", "iz", "is", "ur", "iv", "av", "ov", "ev", "os",
                                        "us", "as", "ut", "ng", "rg", "dg", "ac", "ic", "nc",
                                        "rc", "ar", "or", "ir", "ot", "bl", "pl", "tl", "kl",
                                        "gl", "dl", "ul", "in", "il", NULL};
    static const char *const no_e[] = {"ail", "oil", "ain", "oin", NULL};
    static const char *const unsure[] = {"eat", "oat", "et",  "it",   "al", "ear",
                                         "air", "oot", "out", "itor", NULL};
    if (n < 5 || n + 2 > cap || strcmp(w + n - 2, "ed") != 0 || w[n - 3] == 'e')
        return 0;
    size_t k = n - 2;      /* the stem: w[0..k) */
    if (w[k - 1] == 'i') { /* copied -> copy */
        memcpy(out, w, k - 1);
        out[k - 1] = 'y';
        out[k] = '\0';
        return k;
    }
    if (w[k - 1] == w[k - 2] && strchr("bdgmnprt", w[k - 1]) && k > 3) { /* logged -> log */
        memcpy(out, w, k - 1);
        out[k - 1] = '\0';
        return k - 1;
    }
    if (k >= 3 && w[k - 1] == 'l' && w[k - 2] == 'l' && w[k - 3] == 'e') { /* cancelled */
        memcpy(out, w, k - 1);
        out[k - 1] = '\0';
        return k - 1;
    }
    for (const char *const *u = unsure; *u; u++) {
        size_t ul = strlen(*u);
        if (k >= ul && memcmp(w + k - ul, *u, ul) == 0)
            return 0;
    }
    memcpy(out, w, k);
    bool e = false;
    for (const char *const *a = add_e; *a && !e; a++)
        e = memcmp(w + k - 2, *a, 2) == 0;
    for (const char *const *a = no_e; *a && e; a++)
        e = memcmp(w + k - 3, *a, 3) != 0;
    if (e && strcmp(w, "synced") != 0)
        out[k++] = 'e';
    out[k] = '\0';
    return k;
}

/* The base form of a verb in the third person ("flags" -> "flag", "catches" -> "catch",
   "notifies" -> "notify", "goes" -> "go") into out[cap], or 0 when it is none ("access",
   "status"). */
static size_t s_base_third(const char *w, size_t n, char *out, size_t cap)
{
    static const char *const es[] = {"ches", "shes", "sses", "xes", "zes", "oes", NULL};
    if (n < 4 || n + 1 > cap || w[n - 1] != 's' || strchr("sui", w[n - 2]))
        return 0;
    size_t k = n - 1;
    if (n > 4 && strcmp(w + n - 3, "ies") == 0) {
        memcpy(out, w, n - 3);
        out[n - 3] = 'y';
        out[n - 2] = '\0';
        return n - 2;
    }
    for (const char *const *e = es; *e; e++)
        if (n > strlen(*e) && strcmp(w + n - strlen(*e), *e) == 0)
            k = n - 2;
    memcpy(out, w, k);
    out[k] = '\0';
    return k;
}

/* Does the title start with the verb of "something that flags a reply"? Then it starts with
   its base form: "Flag a reply". */
static void s_reshape_relative(const word_t *words, title_t *t)
{
    static const char *const heads[] = {"something", "anything", "thing",  "one", "feature",
                                        "way",       "tool",     "option", NULL};
    size_t i = t->pick[0];
    char base[64];
    if (t->verb != NO_VERB || t->n < 3 || i < 2 || !s_word_is(&words[i - 1], "that") ||
        !s_word_in(&words[i - 2], heads) || words[i].tok.count != 1 ||
        s_base_third(words[i].tok.tok[0], words[i].tok.len[0], base, sizeof base) == 0)
        return;
    t->verb = i;
    t->third = true;
    memmove(t->pick, t->pick + 1, (t->n - 1) * sizeof t->pick[0]);
    t->n--;
}

/* Does an "if" come just before words[i] ("if | incoming emails were", "if all the | emails
   were")? */
static bool s_after_if(const word_t *words, size_t i)
{
    for (size_t k = i > 3 ? i - 3 : 0; k < i; k++)
        if (s_word_is(&words[k], "if"))
            return true;
    return false;
}

/* Does the request ask for a verb in the passive ("if incoming emails were translated",
   "the tickets to be archived")? Then the title starts with the verb: the participle's
   base form, the subject, the rest. Only a wish ("if ... were") or "to be": "the invoices
   were sent twice" says what happened. */
static void s_reshape_passive(const word_t *words, title_t *t)
{
    static const char *const not_subject[] = {"that", "which", "who", "we", "i", "they",
                                              "you",  "he",    "she", "it", NULL};
    for (size_t k = 1; k + 1 < t->n && k <= 6; k++) {
        const word_t *aux = &words[t->pick[k]];
        if (!s_word_is(aux, "were") && !s_word_is(aux, "be"))
            continue;
        size_t part = k + 1, adverb = NO_VERB;
        const word_t *p = &words[t->pick[part]];
        if (p->tok.count == 1 && p->tok.len[0] > 4 &&
            strcmp(p->tok.tok[0] + p->tok.len[0] - 2, "ly") == 0 && part + 1 < t->n) {
            adverb = t->pick[part];
            p = &words[t->pick[++part]];
        }
        char base[64];
        if (p->tok.count != 1 || s_base_form(p->tok.tok[0], p->tok.len[0], base, sizeof base) == 0)
            return;
        size_t np = k;
        if (s_word_is(aux, "be")) {
            if (!s_word_is(&words[t->pick[k - 1]], "to") || np < 2)
                return;
            np--;
        } else if (!s_after_if(words, t->pick[0])) {
            return;
        }
        for (size_t j = 0; j < np; j++)
            if (s_word_in(&words[t->pick[j]], not_subject) || s_clause_end(&words[t->pick[j]]))
                return;
        size_t out[LOOK_TITLE_WORDS], m = 0;
        for (size_t j = 0; j < np; j++)
            out[m++] = t->pick[j];
        if (adverb != NO_VERB)
            out[m++] = adverb;
        for (size_t j = part + 1; j < t->n; j++)
            out[m++] = t->pick[j];
        t->verb = t->pick[part];
        memcpy(t->pick, out, m * sizeof out[0]);
        t->n = m;
        return;
    }
}

/* "if the tool could | draft a reply": the product itself as the subject of a modal asks for
   the verb. */
static void s_reshape_tool(const word_t *words, title_t *t)
{
    static const char *const modals[] = {"could", "would", "can", "will", "might", NULL};
    static const char *const negations[] = {"not", "never", "no", NULL};
    if (t->n >= 4 && s_word_in(&words[t->pick[0]], cs_offline_words_title_tool) &&
        t->pick[1] == t->pick[0] + 1 && s_word_in(&words[t->pick[1]], modals) &&
        !s_clause_end(&words[t->pick[0]]) && !s_word_in(&words[t->pick[2]], negations)) {
        memmove(t->pick, t->pick + 2, (t->n - 2) * sizeof t->pick[0]);
        t->n -= 2;
    }
}

/* Is words[i] a word that starts a phrase where a long title can be cut: a preposition or
   relative word (cs_offline_words_title_break), "and" or "or", or a word that belongs to the
   preposition after it ("queue up | on", "the agent based | on"; `after` is that word's
   index)? Not the "to" of an infinitive ("someone has to", "able to"). */
static bool s_cut_at(const word_t *words, size_t nw, size_t prev, size_t i, size_t after)
{
    const word_t *w = &words[i];
    if (s_word_is(w, "to") && prev < nw &&
        (s_word_in(&words[prev], cs_offline_words_title_tail) ||
         s_word_in(&words[prev], cs_offline_words_request_lead)))
        return false;
    return s_word_in(w, cs_offline_words_title_break) || s_word_is(w, "and") ||
           s_word_is(w, "or") ||
           (after < nw && s_word_in(w, cs_offline_words_title_joined) &&
            s_word_in(&words[after], cs_offline_words_title_break));
}

/* Does a name start among pick[from..to) (a capital letter, not the title's first word nor
   "I")? */
static bool s_drops_a_name(const word_t *words, const title_t *t, size_t from, size_t to)
{
    for (size_t k = from > 0 ? from : 1; k < to && k < t->n; k++) {
        const word_t *w = &words[t->pick[k]];
        if (w->p[0] >= 'A' && w->p[0] <= 'Z' && !s_word_is(w, "i"))
            return true;
    }
    return false;
}

/* A title whose clause runs on (the word after its last is words[next]) or is longer than
   MAX_TITLE_WORDS is cut before the last phrase that starts within MAX_TITLE_WORDS
   (s_cut_at), with the word that belongs to its preposition ("queue up | on the TV"). A cut
   that would drop a name ("data in | Snowflake every night") does not happen: the title ends
   at MAX_TITLE_WORDS when the name comes before it and the clause runs on or a function
   word ends there (dropped later); else a clause that ended within LOOK_TITLE_WORDS stays
   whole, as it does when the cut would drop two words that name something ("keep separate
   stock | for each of our branch warehouses"). */
static void s_cut_back(const word_t *words, size_t nw, size_t next, title_t *t)
{
    size_t extra = t->verb != NO_VERB;
    size_t keep = t->n + extra > MAX_TITLE_WORDS ? MAX_TITLE_WORDS - extra : t->n;
    size_t k = keep;
    for (; k + extra > 2; k--) {
        size_t at = k < t->n ? t->pick[k] : next, after = k + 1 < t->n ? t->pick[k + 1] : nw;
        if (at < nw && s_cut_at(words, nw, t->pick[k - 1], at, after))
            break;
    }
    if (k + extra <= 2) {
        t->n = keep;
        return;
    }
    bool name_before = s_drops_a_name(words, t, k, keep);
    if (name_before &&
        (!t->ended || s_word_in(&words[t->pick[keep - 1]], cs_offline_words_title_tail))) {
        t->n = keep; /* "in Snowflake | every": the function word goes later */
        return;
    }
    if (t->ended && (name_before || s_drops_a_name(words, t, keep, t->n) ||
                     s_content_words(words, t->pick + k, t->n - k) >= 2))
        return; /* the whole clause, up to LOOK_TITLE_WORDS */
    t->n = k;
    while (t->n + extra > 2 && s_word_in(&words[t->pick[t->n - 1]], cs_offline_words_title_joined))
        t->n--;
}

/* Is the title's last word "that" or "this" as an object, ending its clause ("a report that
   proves we hit that,")? It stays: without it the title ends mid-clause. */
static bool s_object_pronoun(const word_t *words, const title_t *t)
{
    if (t->n < 2)
        return false;
    const word_t *last = &words[t->pick[t->n - 1]];
    const word_t *prev = &words[t->pick[t->n - 2]];
    return (s_word_is(last, "that") || s_word_is(last, "this")) &&
           s_punct_byte((unsigned char)last->p[last->n - 1]) && prev->tok.count == 1 &&
           !s_clause_end(prev) && !cs_offline_token_in(&prev->tok, 0, cs_offline_words_title_tail);
}

/* Pick the title's words from words[first]: the lead skipped (words with no letters, or a
   single token in `lead`), up to the end of the clause if it ends within LOOK_TITLE_WORDS
   (else cut back: s_cut_back), filler and asides left out, trailing function words
   dropped. A request (`ask`) in the passive or with the product as the subject starts with
   its verb. Returns the index where the next clause starts. */
static size_t s_pick_clause(const word_t *words, size_t nw, size_t first, const char *const *lead,
                            bool ask, title_t *t)
{
    t->n = 0;
    t->verb = NO_VERB;
    t->third = false;
    t->ended = false;
    while (first < nw &&
           (words[first].tok.count == 0 ||
            (words[first].tok.count == 1 && cs_offline_token_in(&words[first].tok, 0, lead))))
        first++;
    size_t i = first;
    while (i < nw && t->n < LOOK_TITLE_WORDS) {
        const word_t *w = &words[i];
        size_t len;
        if (t->n >= 2 && s_stops(words, nw, i))
            break;
        if (t->n > 0 && (w->p[0] == '(' || w->p[0] == '-'))
            break;
        if (t->n > 0 && s_aside(words, nw, i)) {
            i++;
            continue;
        }
        if (s_inner_filler(words, i, nw, &len)) {
            i += len;
            if (t->n >= 2 && s_clause_end(&words[i - 1]) && !s_aside(words, nw, i))
                break;
            continue;
        }
        t->pick[t->n++] = i++;
        if (s_clause_end(w) && !s_aside(words, nw, i) &&
            (t->n >= 2 || s_content_words(words, t->pick, t->n) == 0))
            break;
    }
    t->ended = t->n < LOOK_TITLE_WORDS || i >= nw || s_clause_end(&words[i - 1]) ||
               s_stops(words, nw, i) || words[i].p[0] == '(' || words[i].p[0] == '-';
    if (ask && t->n > 0) {
        s_reshape_tool(words, t);
        s_reshape_passive(words, t);
        s_reshape_relative(words, t);
    }
    if (!t->ended || t->n + (t->verb != NO_VERB) > MAX_TITLE_WORDS)
        s_cut_back(words, nw, i, t);
    while (t->n > 1 && (words[t->pick[t->n - 1]].tok.count == 0 ||
                        (s_word_in(&words[t->pick[t->n - 1]], cs_offline_words_title_tail) &&
                         !s_object_pronoun(words, t))))
        t->n--;
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
   and phrasing in `lead`, up to the end of the clause or a phrase within MAX_TITLE_WORDS
   words (s_pick_clause), without filler inside, trailing function words and outer
   punctuation, first letter upper-cased; for a request (`ask`), a wish for a verb starts
   with the verb.
   *content is the number of words in it that name something: 0 means the sentence was
   nothing but phrasing ("It'd be nice to have.", "As well."); the title is then the
   sentence's beginning. NULL when memory runs out. */
static char *s_make_title(const char *s, size_t n, size_t skip, const char *const *lead,
                          const char *const *verbs, bool ask, size_t *content)
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
    title_t t = {.n = 0, .verb = NO_VERB, .third = false};
    for (size_t clause = 0; clause < TITLE_CLAUSES && first < nw; clause++) {
        first = s_pick_clause(words, nw, first, lead, ask, &t);
        if (s_content_words(words, t.pick, t.n) > 0)
            break;
    }
    *content = s_content_words(words, t.pick, t.n);
    if (*content > 0 && t.verb != NO_VERB)
        (*content)++;
    char buf[MAX_TITLE_BYTES + 1];
    cs_offline_capped_t out = {buf, 0, MAX_TITLE_BYTES};
    buf[0] = '\0';
    if (*content == 0) { /* nothing but phrasing: keep the sentence's beginning */
        cs_offline_capped_put(&out, s, n < MAX_TITLE_BYTES ? n : MAX_TITLE_BYTES);
    } else {
        char base[64];
        if (t.verb != NO_VERB) {
            const cs_offline_tokens_t *v = &words[t.verb].tok;
            cs_offline_capped_put(&out, base,
                                  t.third ? s_base_third(v->tok[0], v->len[0], base, sizeof base)
                                          : s_base_form(v->tok[0], v->len[0], base, sizeof base));
        }
        for (size_t k = 0; k < t.n; k++) {
            const word_t *w = &words[t.pick[k]];
            size_t len = w->n;
            /* a comma before a word left out ("can, like, see") goes too */
            if (k + 1 < t.n && t.pick[k + 1] != t.pick[k] + 1 && w->p[len - 1] == ',')
                len--;
            if (k > 0 || t.verb != NO_VERB)
                cs_offline_capped_put(&out, " ", 1);
            cs_offline_capped_put(&out, w->p, len);
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
        return s_make_title(s, n, skip, cs_offline_words_bug_lead, NULL, false, content);
    return s_make_title(s, n, skip, cs_offline_words_request_lead,
                        kind == CS_OFFLINE_TITLE_REQUEST ? cs_offline_words_request_verbs : NULL,
                        true, content);
}
