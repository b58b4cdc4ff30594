/*  cs_offline_title_ask: where the thing asked for is in a sentence that states a pain, a rule
    or how much the request matters instead of asking (see cs_offline_title_int.h). */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "cs_offline_title_int.h"
#include "cs_offline_words.h"

/* How far past a verb of saying a request verb still starts the title ("Our IT policy says |
   every tool needs | SSO": the words of the reported clause's subject). */
#define SAID_WITHIN 5

/* Is words[i] a single token of two or more letters, no clause ending after it? */
static bool s_plain_word(const word_t *words, size_t nw, size_t i)
{
    return i < nw && words[i].tok.count == 1 && words[i].tok.len[0] >= 2 &&
           !cs_title_clause_end(&words[i]);
}

size_t cs_offline_title_reach(const word_t *words, size_t nw, size_t first, size_t within)
{
    for (size_t i = first; i < within && i < nw; i++) {
        if (cs_title_clause_end(&words[i]))
            break;
        if (cs_title_word_in(&words[i], cs_offline_words_title_saying) &&
            i + 1 + SAID_WITHIN > within)
            return i + 1 + SAID_WITHIN;
    }
    return within;
}

bool cs_offline_title_verdict(const word_t *words, size_t nw, size_t first)
{
    static const char *const leads[] = {"and",  "so",   "but",  "honestly", "um",      "uh",
                                        "well", "also", "plus", "yeah",     "frankly", NULL};
    static const char *const pronouns[] = {"this",   "that", "it",    "thats", "its",
                                           "thisll", "itll", "which", NULL};
    static const char *const copulas[] = {"is", "was", "would", "will", "be", "becomes", NULL};
    size_t i = first;
    while (i < nw && cs_title_word_in(&words[i], leads)) /* "Honestly, it's..." */
        i++;
    if (i >= nw || !cs_title_word_in(&words[i], pronouns) || cs_title_clause_end(&words[i]))
        return false;
    i++;
    for (size_t k = 0;
         k < 2 && i < nw && cs_title_word_in(&words[i], copulas) && !cs_title_clause_end(&words[i]);
         k++)
        i++;
    for (size_t k = 0; k <= 3 && i < nw; k++, i++) {
        if (cs_title_word_in(&words[i], cs_offline_words_title_importance))
            return true;
        if (!cs_title_word_in(&words[i], cs_offline_words_title_degree) ||
            cs_title_clause_end(&words[i]))
            return false;
    }
    return false;
}

size_t cs_offline_title_unmet(const word_t *words, size_t nw, size_t first)
{
    static const char *const things[] = {"anything",  "nothing", "everything", "tool",     "tools",
                                         "app",       "apps",    "vendor",     "vendors",  "system",
                                         "systems",   "product", "products",   "software", "one",
                                         "something", NULL};
    static const char *const relatives[] = {"that", "which", "who", NULL};
    static const char *const negations[] = {"doesnt", "dont",  "cant",  "cannot", "wont",
                                            "isnt",   "arent", "didnt", NULL};
    for (size_t i = first; i + 3 < nw; i++) {
        if (cs_title_clause_end(&words[i]))
            return 0;
        if (cs_title_word_in(&words[i], things) && cs_title_word_in(&words[i + 1], relatives) &&
            !cs_title_clause_end(&words[i + 1]) && cs_title_word_in(&words[i + 2], negations) &&
            s_plain_word(words, nw, i + 2) && words[i + 3].tok.count == 1)
            return i + 3;
    }
    return 0;
}

size_t cs_offline_title_unable(const word_t *words, size_t nw, size_t first)
{
    static const char *const unable[] = {"cant", "cannot", "couldnt", NULL};
    static const char *const pronouns[] = {"it",    "them",     "this", "that", "those",
                                           "these", "anything", "him",  "her",  NULL};
    if (first + 2 < nw && cs_title_word_in(&words[first], unable) &&
        s_plain_word(words, nw, first) && s_plain_word(words, nw, first + 1) &&
        cs_title_word_in(&words[first + 1], cs_offline_words_title_asks_which) &&
        words[first + 2].tok.count > 0 && !cs_title_word_in(&words[first + 2], pronouns))
        return first + 1; /* "can't | see who's drowning"; not "can't find it" */
    return first;
}

size_t cs_offline_title_name(const word_t *words, size_t nw, const title_t *t)
{
    static const char *const before[] = {"a",       "an",    "the",  "our",  "their", "with",
                                         "through", "via",   "into", "to",   "on",    "from",
                                         "use",     "using", "uses", "used", NULL};
    if (t->n != 1 || t->verb != NO_VERB || words[t->pick[0]].tok.count == 0)
        return NO_VERB;
    for (size_t i = 1; i < nw; i++) {
        const word_t *w = &words[i];
        if (i == t->pick[0] || w->tok.count != 1 || w->p[0] < 'A' || w->p[0] > 'Z' || w->n < 3 ||
            w->p[1] < 'a' || w->p[1] > 'z' || cs_title_word_is(w, "i") ||
            cs_title_clause_end(&words[i - 1]) || !cs_title_word_in(&words[i - 1], before))
            continue;
        bool letters = true;
        for (size_t k = 0; k < w->tok.len[0] && letters; k++)
            letters = w->tok.tok[0][k] >= 'a' && w->tok.tok[0][k] <= 'z';
        if (letters && strcmp(w->tok.tok[0], words[t->pick[0]].tok.tok[0]) != 0)
            return i;
    }
    return NO_VERB;
}

/* Is the word a language's name, or that name before "-only" ("English-only")? */
static bool s_language(const word_t *w, bool only)
{
    static const char *const languages[] = {
        "english", "spanish", "portuguese", "french",  "german",  "italian",  "dutch",
        "polish",  "swedish", "danish",     "finnish", "chinese", "japanese", "korean",
        "arabic",  "russian", "turkish",    "hindi",   "greek",   "czech",    NULL};
    if (only)
        return w->tok.count == 2 && strcmp(w->tok.tok[1], "only") == 0 &&
               cs_offline_token_in(&w->tok, 0, languages);
    return cs_title_word_in(w, languages);
}

bool cs_offline_title_one_language(const word_t *words, title_t *t)
{
    static const char *const be[] = {"is", "are", "was", "were", NULL};
    static const char *const degree[] = {"all",      "only",       "just",  "still",
                                         "entirely", "completely", "fully", NULL};
    if (t->verb != NO_VERB || t->n < 2)
        return false;
    for (size_t k = 0; k + 1 < t->n; k++)
        if (s_language(&words[t->pick[k]], true)) { /* "an English-only | admin" */
            memmove(t->pick, t->pick + k + 1, (t->n - k - 1) * sizeof t->pick[0]);
            t->n -= k + 1;
            return true;
        }
    for (size_t k = 1; k + 2 < t->n; k++) {
        if (!cs_title_word_in(&words[t->pick[k]], be))
            continue;
        size_t j = k + 1;
        while (j < t->n && cs_title_word_in(&words[t->pick[j]], degree))
            j++;
        if (j + 1 < t->n && cs_title_word_is(&words[t->pick[j]], "in") &&
            s_language(&words[t->pick[j + 1]], false)) {
            t->n = k; /* "the admin panel | is all in English" */
            return true;
        }
    }
    return false;
}

size_t cs_offline_title_quantified(const word_t *words, size_t nw, size_t first)
{
    static const char *const owners[] = {"our",  "my",    "their", "the",
                                         "your", "these", "those", NULL};
    size_t k = first;
    if (k < nw && (cs_title_word_is(&words[k], "a") || cs_title_word_is(&words[k], "the")))
        k++;
    if (k + 2 >= nw || !cs_title_word_in(&words[k], cs_offline_words_title_quantifier) ||
        cs_title_clause_end(&words[k]))
        return first;
    if (cs_title_word_is(&words[k + 1], "of") && !cs_title_clause_end(&words[k + 1]))
        return k + 2; /* "a couple of | customer emails" */
    if (cs_title_word_in(&words[k + 1], owners) && !cs_title_clause_end(&words[k + 1]))
        return k + 1; /* "half | our travellers" */
    return first;
}

size_t cs_offline_title_share(const word_t *words, size_t nw, size_t first, size_t *noun)
{
    static const char *const owners[] = {"our",  "my",    "their", "the",
                                         "your", "these", "those", NULL};
    static const char *const bare[] = {"half", "most", "some",    "many",
                                       "few",  "all",  "several", NULL};
    static const char *const be[] = {"is",    "are",   "was",    "were", "isnt",
                                     "arent", "wasnt", "werent", NULL};
    size_t k = first;
    if (k < nw && (cs_title_word_is(&words[k], "a") || cs_title_word_is(&words[k], "the")))
        k++;
    if (k + 2 >= nw || !cs_title_word_in(&words[k], cs_offline_words_title_quantifier) ||
        cs_title_clause_end(&words[k]))
        return 0;
    size_t np = k + 1;
    bool of = cs_title_word_is(&words[np], "of") && !cs_title_clause_end(&words[np]);
    np += of;
    if (np < nw && cs_title_word_in(&words[np], owners) && !cs_title_clause_end(&words[np]))
        np++; /* "half | our", "most of | the" */
    else if (!of && !cs_title_word_in(&words[k], bare))
        return 0; /* "one thing", "two agents": no share of a whole */
    for (size_t j = np; j < nw && j <= np + 3; j++) {
        if (j > np && cs_title_word_in(&words[j], be)) {
            *noun = np;
            return j;
        }
        if (words[j].tok.count == 0 || cs_title_clause_end(&words[j]) ||
            cs_title_word_in(&words[j], cs_offline_words_request_lead))
            return 0; /* "most of | what we need is": no noun */
    }
    return 0;
}
