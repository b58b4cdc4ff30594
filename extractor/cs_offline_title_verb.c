/*  cs_offline_title_verb: a request that wishes for a verb gets a title that starts with
    the verb; a clause with its own subject and verb after "and" ends a title (see
    cs_offline_title_int.h). */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "cs_offline_title_int.h"
#include "cs_offline_words.h"

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
    if (t->verb != NO_VERB || t->n < 3 || i < 2 || !cs_title_word_is(&words[i - 1], "that") ||
        !cs_title_word_in(&words[i - 2], heads) || words[i].tok.count != 1 ||
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
        if (cs_title_word_is(&words[k], "if"))
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
        if (!cs_title_word_is(aux, "were") && !cs_title_word_is(aux, "be"))
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
        if (cs_title_word_is(aux, "be")) {
            if (!cs_title_word_is(&words[t->pick[k - 1]], "to") || np < 2)
                return;
            np--;
        } else if (!s_after_if(words, t->pick[0])) {
            return;
        }
        for (size_t j = 0; j < np; j++)
            if (cs_title_word_in(&words[t->pick[j]], not_subject) ||
                cs_title_clause_end(&words[t->pick[j]]))
                return;
        size_t out[CS_OFFLINE_TITLE_LOOK_WORDS], m = 0;
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
    if (t->n >= 4 && cs_title_word_in(&words[t->pick[0]], cs_offline_words_title_tool) &&
        t->pick[1] == t->pick[0] + 1 && cs_title_word_in(&words[t->pick[1]], modals) &&
        !cs_title_clause_end(&words[t->pick[0]]) &&
        !cs_title_word_in(&words[t->pick[2]], negations)) {
        memmove(t->pick, t->pick + 2, (t->n - 2) * sizeof t->pick[0]);
        t->n -= 2;
    }
}

/* Does the word end in punctuation (the end of its clause or sentence)? */
static bool s_ends_clause(const word_t *w)
{
    unsigned char end = (unsigned char)w->p[w->n - 1];
    return end < 0x80 && !(end >= 'a' && end <= 'z') && !(end >= 'A' && end <= 'Z') &&
           !(end >= '0' && end <= '9');
}

/* Is the word, or the base form of its third person, one of the common verbs of a clause
   (cs_offline_words_title_verbs)? */
static bool s_clause_verb(const word_t *w, bool third)
{
    char base[64];
    const char *v = w->tok.tok[0];
    if (third && s_base_third(v, w->tok.len[0], base, sizeof base) > 0)
        v = base;
    else if (third)
        return false;
    for (const char *const *c = cs_offline_words_title_verbs; *c; c++)
        if (strcmp(v, *c) == 0)
            return true;
    return false;
}

/* Is words[k] the finite verb of a subject whose noun is words[k - 1] ("the team | lives",
   "the agents | use", "the data | is")? An auxiliary, a past that is no participle
   (cs_offline_words_title_finite) or an adverb before a verb ("always") is, whatever the noun; a
   common verb (cs_offline_words_title_verbs) in the third person after a singular noun
   ("team lives"; not "own templates", "CSV exports") or in its base form after a plural noun
   ("agents use") is when a word follows it in the clause, as a regular past is after a
   possessive's noun (`owned`: "our finance team | moved to"). After a noun that is neither
   singular nor plural ("sales", "ops") only the first kind is. */
static bool s_finite_after(const word_t *words, size_t nw, size_t k, bool owned)
{
    static const char *const adverbs[] = {"always", "never",     "just",     "still",
                                          "also",   "already",   "usually",  "often",
                                          "mostly", "sometimes", "actually", NULL};
    static const char *const neither[] = {"sales", "ops",    "analytics", "logistics", "news",
                                          "its",   "status", "series",    NULL};
    const word_t *w = &words[k], *noun = &words[k - 1];
    if (w->tok.count != 1 || noun->tok.count == 0)
        return false;
    if (cs_title_word_in(w, cs_offline_words_title_finite) || cs_title_word_in(w, adverbs))
        return true;
    if (k + 1 >= nw || s_ends_clause(w))
        return false;
    size_t len = w->tok.len[0];
    if (owned && len >= 5 && strcmp(w->tok.tok[0] + len - 2, "ed") == 0)
        return true;
    if (cs_title_word_in(noun, neither))
        return false;
    const char *last = noun->tok.tok[noun->tok.count - 1];
    size_t n = noun->tok.len[noun->tok.count - 1];
    bool plural = n > 2 && last[n - 1] == 's' && last[n - 2] != 's' && last[n - 2] != 'u';
    return s_clause_verb(w, !plural);
}

bool cs_offline_title_new_clause(const word_t *words, size_t nw, size_t i)
{
    static const char *const joins[] = {"and", "but", "so", "because", NULL};
    if (i + 1 >= nw || !cs_title_word_in(&words[i], joins) || cs_title_clause_end(&words[i]))
        return false;
    if (cs_title_word_in(&words[i + 1], cs_offline_words_title_subject))
        return true; /* "and | we use Slack" */
    if (!cs_title_word_in(&words[i + 1], cs_offline_words_title_determiner) ||
        cs_title_clause_end(&words[i + 1]))
        return false;
    if (i + 2 < nw && cs_title_word_in(&words[i + 2], cs_offline_words_title_finite))
        return true; /* "and | this is", "and | those were" */
    static const char *const possessives[] = {"our", "my", "their", "your", NULL};
    bool owned = cs_title_word_in(&words[i + 1], possessives);
    for (size_t k = i + 3; k < nw && k <= i + 4; k++) { /* one or two words of noun */
        const word_t *noun = &words[k - 1];
        if (noun->tok.count == 0 || cs_title_clause_end(noun) || cs_title_word_is(noun, "and") ||
            cs_title_word_is(noun, "or") || cs_title_word_in(noun, cs_offline_words_title_break))
            return false;
        if (s_finite_after(words, nw, k, owned))
            return true;
    }
    return false;
}

void cs_offline_title_reshape(const word_t *words, title_t *t)
{
    s_reshape_tool(words, t);
    s_reshape_passive(words, t);
    s_reshape_relative(words, t);
}

size_t cs_offline_title_base(const char *w, size_t n, bool third, char *out, size_t cap)
{
    return third ? s_base_third(w, n, out, cap) : s_base_form(w, n, out, cap);
}
