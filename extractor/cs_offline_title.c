/*  cs_offline_title: titles that name the thing asked for (see cs_offline_title.h). */
#include "cs_offline_title.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cs_offline_text.h"
#include "cs_offline_title_int.h"
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

static bool s_punct_byte(unsigned char c)
{
    return c < 0x80 && !isalnum(c);
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
    while (last + 1 < nw && !cs_title_clause_end(&words[last]))
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

/* Does words[i] start a predicate that says how much the title's thing matters ("is a must",
   "are our top priority": cs_offline_words_title_importance)? A noun ("a must") always does,
   as after a relative clause that ended with its own verb ("where the technician is | is
   essential"); an adjective only in the title's main clause: no relative or question word
   among words[from..i) ("a flag that shows which job | is critical" says what it shows). */
static bool s_importance(const word_t *words, size_t nw, size_t from, size_t i)
{
    static const char *const relatives[] = {"that", "which", "who", "whom", "whose",   "where",
                                            "when", "what",  "how", "if",   "whether", NULL};
    if (!cs_title_word_is(&words[i], "is") && !cs_title_word_is(&words[i], "are"))
        return false;
    static const char *const determiners[] = {"a", "an", "our", "my", "the", NULL};
    bool noun = false; /* "is a must", "is our priority": no relative clause says that */
    for (size_t k = i + 1; k < nw && k <= i + 3; k++) {
        if (cs_title_word_in(&words[k], cs_offline_words_title_importance))
            break;
        if (!cs_title_word_in(&words[k], cs_offline_words_title_degree) ||
            cs_title_clause_end(&words[k]) || k == i + 3)
            return false;
        noun = noun || cs_title_word_in(&words[k], determiners);
    }
    if (noun || (i > from &&
                 (cs_title_word_is(&words[i - 1], "is") || cs_title_word_is(&words[i - 1], "are"))))
        return true;
    for (size_t k = from; k < i; k++)
        if (cs_title_word_in(&words[k], relatives))
            return false;
    return true;
}

/* Does words[i] start a phrase of manner, "without" with a verb ("see open jobs in Salesforce
   | without logging into two systems")? "Without a login" names something and stays. */
static bool s_manner(const word_t *words, size_t nw, size_t i)
{
    if (!cs_title_word_is(&words[i], "without") || cs_title_clause_end(&words[i]) || i + 1 >= nw ||
        words[i + 1].tok.count != 1)
        return false;
    size_t n = words[i + 1].tok.len[0];
    return n > 5 && strcmp(words[i + 1].tok.tok[0] + n - 3, "ing") == 0;
}

/* Is words[i] ("which", "when") the object of a verb that takes a question, just before it
   or before its indirect object ("shows which", "tells customers when", "shows the
   managers which"; not a thing: "record a transfer | when")? */
static bool s_asks_which(const word_t *words, size_t from, size_t i)
{
    for (size_t d = 1; d <= 3 && d <= i - from; d++) {
        const word_t *v = &words[i - d];
        if (cs_title_clause_end(v) ||
            (d > 1 && (cs_title_word_in(v, cs_offline_words_title_break) ||
                       cs_title_word_is(v, "a") || cs_title_word_is(v, "an"))))
            return false;
        if (cs_title_word_in(v, cs_offline_words_title_asks_which))
            return true;
    }
    return false;
}

/* Is words[i] "which" before its noun after a preposition ("which parts are on | which
   van")? It asks, it opens no clause ("the van on which | the parts are" does). */
static bool s_which_noun(const word_t *words, size_t nw, size_t i)
{
    static const char *const prepositions[] = {"of",  "for",   "with", "in",    "on",
                                               "at",  "by",    "from", "to",    "into",
                                               "per", "about", "over", "under", NULL};
    return i > 0 && i + 1 < nw && !cs_title_clause_end(&words[i]) &&
           cs_title_word_in(&words[i - 1], prepositions) && words[i + 1].tok.count == 1 &&
           !cs_title_word_in(&words[i + 1], cs_offline_words_title_tail) &&
           !cs_title_word_in(&words[i + 1], cs_offline_words_stopwords);
}

/* Does words[i] end the title that starts at words[from] before it (once it has two words): a
   subordinate clause ("because", "before", "when", cs_offline_words_title_stop), a "so"
   clause, or a predicate of importance ("is a must")? Not "a while", not "before" or
   "until" after a unit of time ("the day before a visit"), not "once" before a frequency
   ("once a week"), and not "which", "when" or "where" as the object of a verb that takes a
   question ("shows which conversations", "track which technician has"). */
static bool s_stops(const word_t *words, size_t nw, size_t from, size_t i)
{
    static const char *const often[] = {"a",     "an", "per", "every", "more",
                                        "again", "or", "in",  NULL};
    const word_t *w = &words[i];
    if (w->tok.count != 1)
        return false;
    if (s_so_clause(words, nw, i) || s_importance(words, nw, from, i) || s_manner(words, nw, i))
        return true;
    if (!cs_offline_token_in(&w->tok, 0, cs_offline_words_title_stop))
        return false;
    if (cs_title_word_is(w, "once") && !cs_title_clause_end(w) && i + 1 < nw &&
        cs_title_word_in(&words[i + 1], often))
        return false;
    if (i > 0 && !cs_title_clause_end(&words[i - 1])) {
        const word_t *prev = &words[i - 1];
        if (cs_title_word_is(prev, "a") || cs_title_word_is(prev, "the"))
            return false;
        if ((cs_title_word_is(w, "which") || cs_title_word_is(w, "when")) &&
            s_asks_which(words, from, i))
            return false;
        if (cs_title_word_is(w, "which") && s_which_noun(words, nw, i))
            return false;
        if ((cs_title_word_is(w, "before") || cs_title_word_is(w, "until")) &&
            cs_title_word_in(prev, cs_offline_words_title_time_unit))
            return false;
    }
    return true;
}

/* Does the title's verb words[verb] take an indirect object that words[i] ("to") starts,
   with a clause after it ("prove | to a customer | that we hit...")? Returns the index of the
   word that opens the clause, or 0. */
static size_t s_indirect_object(const word_t *words, size_t nw, size_t verb, size_t i)
{
    if (i != verb + 1 || !cs_title_word_in(&words[verb], cs_offline_words_title_tell) ||
        !cs_title_word_is(&words[i], "to") || cs_title_clause_end(&words[i]))
        return 0;
    for (size_t k = i + 2; k < nw && k <= i + 5; k++) {
        if (cs_title_word_in(&words[k], cs_offline_words_title_clause_open))
            return k;
        if (cs_title_clause_end(&words[k]))
            return 0;
    }
    return 0;
}

/* Is words[i] an aside between commas ("a role that can, like, see the inbox")? The comma
   before it then ends no clause. */
static bool s_aside(const word_t *words, size_t nw, size_t i)
{
    static const char *const asides[] = {"like", "um", "uh", "er", "erm", "well", NULL};
    return i > 0 && i + 1 < nw && cs_title_clause_end(&words[i - 1]) &&
           words[i].p[words[i].n - 1] == ',' && cs_title_word_in(&words[i], asides);
}

/* Is words[i] a word that starts a phrase where a long title can be cut: a preposition or
   relative word (cs_offline_words_title_break), "and" or "or", or a word that belongs to the
   preposition after it ("queue up | on", "the agent based | on"; `after` is that word's
   index)? Not the "to" of an infinitive ("someone has to", "able to"). */
static bool s_cut_at(const word_t *words, size_t nw, size_t prev, size_t i, size_t after)
{
    const word_t *w = &words[i];
    if (cs_title_word_is(w, "to") && prev < nw &&
        (cs_title_word_in(&words[prev], cs_offline_words_title_tail) ||
         cs_title_word_in(&words[prev], cs_offline_words_request_lead)))
        return false;
    return cs_title_word_in(w, cs_offline_words_title_break) || cs_title_word_is(w, "and") ||
           cs_title_word_is(w, "or") ||
           (after < nw && cs_title_word_in(w, cs_offline_words_title_joined) &&
            cs_title_word_in(&words[after], cs_offline_words_title_break));
}

/* Does a name start among pick[from..to) (a capital letter, not the title's first word nor
   "I")? */
static bool s_drops_a_name(const word_t *words, const title_t *t, size_t from, size_t to)
{
    for (size_t k = from > 0 ? from : 1; k < to && k < t->n; k++) {
        const word_t *w = &words[t->pick[k]];
        if (w->p[0] >= 'A' && w->p[0] <= 'Z' && !cs_title_word_is(w, "i"))
            return true;
    }
    return false;
}

/* Would a cut before pick[k] part a verb from its object or complement, a verb with one to
   three words of object before the cut: a question after a verb that takes one ("shows
   customers | where the technician is"), or "to" after a verb that asks someone to do
   something ("ask the customer | to rate the technician")? */
static bool s_parts_verb(const word_t *words, const title_t *t, size_t k)
{
    static const char *const questions[] = {"where", "which", "who",     "when", "what",
                                            "how",   "why",   "whether", NULL};
    if (k >= t->n)
        return false;
    bool question = cs_title_word_in(&words[t->pick[k]], questions);
    bool to = cs_title_word_is(&words[t->pick[k]], "to");
    for (size_t d = 2; (question || to) && d <= 4 && d <= k; d++) {
        const word_t *v = &words[t->pick[k - d]];
        if (cs_title_clause_end(&words[t->pick[k - d + 1]]) ||
            cs_title_word_in(&words[t->pick[k - d + 1]], cs_offline_words_title_break))
            return false;
        if ((question && cs_title_word_in(v, cs_offline_words_title_asks_which)) ||
            (to && cs_title_word_in(v, cs_offline_words_title_ask_to)))
            return true;
    }
    return false;
}

/* Does the title end in a verb after a modal or "to" ("a link where they can see"): a verb
   whose object the cut dropped? */
static bool s_ends_in_verb(const word_t *words, const title_t *t)
{
    static const char *const modals[] = {"can",    "could", "will", "would",
                                         "should", "might", "to",   NULL};
    return t->n >= 2 &&
           cs_title_word_in(&words[t->pick[t->n - 1]], cs_offline_words_title_asks_which) &&
           cs_title_word_in(&words[t->pick[t->n - 2]], modals);
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
        if (at < nw && s_cut_at(words, nw, t->pick[k - 1], at, after) &&
            !(cs_title_word_is(&words[at], "to") && s_parts_verb(words, t, k)))
            break;
    }
    if (k + extra <= 2) { /* no phrase to cut before: a clause that ended stays whole */
        if (!t->ended)
            t->n = keep;
        return;
    }
    bool name_before = s_drops_a_name(words, t, k, keep);
    if (name_before &&
        (!t->ended || cs_title_word_in(&words[t->pick[keep - 1]], cs_offline_words_title_tail))) {
        t->n = keep; /* "in Snowflake | every": the function word goes later */
        return;
    }
    if (t->ended &&
        (name_before || s_drops_a_name(words, t, keep, t->n) ||
         s_content_words(words, t->pick + k, t->n - k) >= 2 || s_parts_verb(words, t, k)))
        return; /* the whole clause, up to LOOK_TITLE_WORDS */
    t->n = k;
    while (t->n + extra > 2 &&
           cs_title_word_in(&words[t->pick[t->n - 1]], cs_offline_words_title_joined))
        t->n--;
    /* "a link where they can see | where": the cut before the verb's object goes earlier */
    for (k = t->n - 1; s_ends_in_verb(words, t) && k + extra > 2; k--)
        if (s_cut_at(words, nw, t->pick[k - 1], t->pick[k], k + 1 < t->n ? t->pick[k + 1] : nw)) {
            t->n = k;
            break;
        }
}

/* Does the title say that somebody has to do something ("Every quarter someone has to |
   recreate all the safety forms...")? Returns the index of the verb, or 0: a long title then
   starts there, so that what has to be done fits. */
static size_t s_obligation(const word_t *words, const title_t *t)
{
    static const char *const must[] = {"has", "have", "had", "got", NULL};
    for (size_t j = 1; j <= 4 && j + 2 < t->n; j++) {
        if (cs_title_clause_end(&words[t->pick[j - 1]]))
            return 0;
        if (cs_title_word_in(&words[t->pick[j]], must) &&
            cs_title_word_is(&words[t->pick[j + 1]], "to") && t->pick[j + 1] == t->pick[j] + 1 &&
            t->pick[j + 2] == t->pick[j + 1] + 1 && !cs_title_clause_end(&words[t->pick[j + 1]]))
            return t->pick[j + 2];
    }
    return 0;
}

/* Is the title's last word "that" or "this" as an object, ending its clause ("a report that
   proves we hit that,")? It stays: without it the title ends mid-clause. */
static bool s_object_pronoun(const word_t *words, const title_t *t)
{
    if (t->n < 2)
        return false;
    const word_t *last = &words[t->pick[t->n - 1]];
    const word_t *prev = &words[t->pick[t->n - 2]];
    return (cs_title_word_is(last, "that") || cs_title_word_is(last, "this")) &&
           s_punct_byte((unsigned char)last->p[last->n - 1]) && prev->tok.count == 1 &&
           !cs_title_clause_end(prev) &&
           !cs_offline_token_in(&prev->tok, 0, cs_offline_words_title_tail);
}

/* Is words[i] a verb with its particle ("look | up spare parts", "look into"), not a lead
   word ("look, ...")? */
static bool s_phrasal(const word_t *words, size_t nw, size_t i)
{
    static const char *const particles[] = {"up", "into", "through", NULL};
    return i + 2 < nw && !cs_title_clause_end(&words[i]) &&
           cs_title_word_in(&words[i + 1], particles) && !cs_title_clause_end(&words[i + 1]);
}

/* Is the title's last word the verb of a question it ends with, at the end of its clause
   ("shows customers where the technician is.", "...is | is a must")? It stays: it is no
   dangling auxiliary. */
static bool s_question_verb(const word_t *words, size_t nw, const title_t *t)
{
    static const char *const be[] = {"is", "are", "was", "were", NULL};
    static const char *const questions[] = {"where", "what", "who", "how", "which", "when", NULL};
    size_t last = t->n > 0 ? t->pick[t->n - 1] : 0;
    if (t->n < 3 || !cs_title_word_in(&words[last], be) ||
        !(s_punct_byte((unsigned char)words[last].p[words[last].n - 1]) ||
          (last + 1 < nw && cs_title_word_in(&words[last + 1], be))))
        return false;
    for (size_t k = t->n - 2; k-- > 0;)
        if (cs_title_word_in(&words[t->pick[k]], questions))
            return true;
    return false;
}

/* Does the cut title of a share (the verb "to be" at words[share]) say less than the share?
   It does when it ends at the verb, or when the cut dropped the relative clause that says
   which of the verb's complement ("Half our missed appointments are customers | who stepped
   out"); a cut that drops a phrase keeps what it says ("Most of our agents are in Slack |
   all day"). `whole` is how many words the title had before the cut. */
static bool s_share_cut(const word_t *words, size_t nw, const title_t *t, size_t share,
                        size_t whole)
{
    static const char *const relatives[] = {"who", "that", "which", "whose", "where", NULL};
    if (t->n == 0 || t->verb != NO_VERB || t->pick[t->n - 1] <= share)
        return t->n < whole;
    size_t next = t->pick[t->n - 1] + 1;
    return t->n < whole && next < nw && cs_title_word_in(&words[next], relatives);
}

/* Pick the title's words from words[first]: the lead skipped (words with no letters, or a
   single token in `lead`), up to the end of the clause if it ends within LOOK_TITLE_WORDS
   (else cut back: s_cut_back), filler and asides left out, trailing function words
   dropped. A request (`ask`) in the passive or with the product as the subject starts with
   its verb; its quantifier goes ("half | our travellers") unless it states a share with "to
   be" (cs_offline_title_share: then it stays, or the title is what the share is of). Returns
   the index where the next clause starts. */
static size_t s_pick_clause(const word_t *words, size_t nw, size_t first, const char *const *lead,
                            bool ask, title_t *t)
{
    t->n = 0;
    t->verb = NO_VERB;
    t->third = false;
    t->ended = false;
    /* A share stated with "to be" keeps its quantifier ("Most of our calls are about
       billing", not "Calls are about billing"); the lead words would drop "most of our". */
    size_t share = 0, noun = 0;
    for (size_t quantified = first;; first = quantified) {
        while (first < nw && !(ask && (share = cs_offline_title_share(words, nw, first, &noun))) &&
               (words[first].tok.count == 0 ||
                (words[first].tok.count == 1 && cs_offline_token_in(&words[first].tok, 0, lead) &&
                 !s_phrasal(words, nw, first))))
            first++;
        /* "A couple of | customer emails got auto-closed", "Half | our travellers" */
        if (!ask || share || (quantified = cs_offline_title_quantified(words, nw, first)) == first)
            break;
    }
    if (ask) /* "can't | see who's drowning" */
        first = cs_offline_title_unable(words, nw, first);
    size_t i = first;
    while (i < nw && t->n < LOOK_TITLE_WORDS) {
        const word_t *w = &words[i];
        size_t len;
        if (t->n >= 2 && s_stops(words, nw, t->pick[0], i))
            break;
        size_t clause;
        if (t->n == 1 && (clause = s_indirect_object(words, nw, t->pick[0], i)) != 0) {
            i = clause; /* "prove | to a customer | that..." */
            continue;
        }
        if (t->n > 0 && (w->p[0] == '(' || w->p[0] == '-'))
            break;
        if (t->n > 0 && s_aside(words, nw, i)) {
            i++;
            continue;
        }
        if (s_inner_filler(words, i, nw, &len)) {
            i += len;
            if (t->n >= 2 && cs_title_clause_end(&words[i - 1]) && !s_aside(words, nw, i))
                break;
            continue;
        }
        t->pick[t->n++] = i++;
        if (cs_title_clause_end(w) && !s_aside(words, nw, i) &&
            (t->n >= 2 || s_content_words(words, t->pick, t->n) == 0 ||
             cs_offline_title_new_clause(words, nw, i)))
            break;
    }
    t->ended = t->n < LOOK_TITLE_WORDS || i >= nw || cs_title_clause_end(&words[i - 1]) ||
               (t->n > 0 && s_stops(words, nw, t->pick[0], i)) || words[i].p[0] == '(' ||
               words[i].p[0] == '-';
    size_t verb;
    if ((!t->ended || t->n > MAX_TITLE_WORDS) && (verb = s_obligation(words, t)) != 0)
        return s_pick_clause(words, nw, verb, lead, ask, t);
    if (ask && t->n > 0)
        cs_offline_title_reshape(words, t);
    size_t whole = t->n;
    if (!t->ended || t->n + (t->verb != NO_VERB) > MAX_TITLE_WORDS)
        s_cut_back(words, nw, i, t);
    if (share && s_share_cut(words, nw, t, share, whole)) { /* what the share is of */
        t->verb = NO_VERB;
        for (t->n = 0; noun + t->n < share; t->n++)
            t->pick[t->n] = noun + t->n;
    }
    while (t->n > 1 && (words[t->pick[t->n - 1]].tok.count == 0 ||
                        (cs_title_word_in(&words[t->pick[t->n - 1]], cs_offline_words_title_tail) &&
                         !s_object_pronoun(words, t) && !s_question_verb(words, nw, t))))
        t->n--;
    /* the next clause starts after the next boundary */
    while (i < nw && !(i > 0 && cs_title_clause_end(&words[i - 1])))
        i++;
    return i;
}

/* Does a clause start shortly before words[i] ("..., so we'd want | every email logged")? */
static bool s_clause_before(const word_t *words, size_t i)
{
    for (size_t k = i >= CLAUSE_WITHIN ? i - CLAUSE_WITHIN : 0; k < i; k++)
        if (cs_title_clause_end(&words[k]) || words[k].p[words[k].n - 1] == '-')
            return true;
    return false;
}

/* How many words at words[first] quantify the subject ("A few of | our commercial sites
   need", "Most of | the techs want"): "of" after a quantifier, with its article; 0 when none. */
static size_t s_quantifier(const word_t *words, size_t nw, size_t first)
{
    size_t k = first;
    if (k < nw && (cs_title_word_is(&words[k], "a") || cs_title_word_is(&words[k], "the")))
        k++;
    if (k + 1 < nw && cs_title_word_in(&words[k], cs_offline_words_title_quantifier) &&
        !cs_title_clause_end(&words[k]) && cs_title_word_is(&words[k + 1], "of") &&
        !cs_title_clause_end(&words[k + 1]))
        return k + 2 - first;
    return 0;
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
    size_t within = cs_offline_title_reach(
        words, nw, first, first + TITLE_VERB_WITHIN + s_quantifier(words, nw, first));
    for (size_t i = first; verbs && i < nw; i++) {
        if (words[i].tok.count != 1 || !cs_offline_token_in(&words[i].tok, 0, verbs))
            continue;
        if (i < within || (!first_asks && s_clause_before(words, i))) {
            first = i + 1;
            break;
        }
    }
    /* The first clause that names something, of the next few: not one that only says how
       much the request matters ("that's a blocker for our rollout"); the unmet requirement
       of "won't approve anything that doesn't | log in through Okta". */
    title_t t = {.n = 0, .verb = NO_VERB, .third = false};
    for (size_t clause = 0; clause < TITLE_CLAUSES && first < nw; clause++) {
        if (ask && cs_offline_title_verdict(words, nw, first)) {
            while (first < nw && !cs_title_clause_end(&words[first]))
                first++;
            first++;
            continue;
        }
        size_t unmet = ask ? cs_offline_title_unmet(words, nw, first) : 0;
        first = s_pick_clause(words, nw, unmet ? unmet : first, lead, ask, &t);
        if (s_content_words(words, t.pick, t.n) > 0)
            break;
    }
    bool languages = ask && cs_offline_title_one_language(words, &t);
    *content = s_content_words(words, t.pick, t.n);
    if (*content > 0 && languages)
        (*content)++;
    if (*content > 0 && t.verb != NO_VERB)
        (*content)++;
    size_t name = ask && *content == 1 ? cs_offline_title_name(words, nw, &t) : NO_VERB;
    if (name != NO_VERB) /* "SSO" of a sentence that says "we're an Okta shop" */
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
            cs_offline_capped_put(
                &out, base,
                cs_offline_title_base(v->tok[0], v->len[0], t.third, base, sizeof base));
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
        while ((languages || name != NO_VERB) && out.len > 0 &&
               s_punct_byte((unsigned char)out.buf[out.len - 1]))
            out.len--;
        if (languages)
            cs_offline_capped_put(&out, " in other languages", 19);
        if (name != NO_VERB) {
            size_t len = 0;
            while (len < words[name].n && isalpha((unsigned char)words[name].p[len]))
                len++;
            cs_offline_capped_put(&out, " with ", 6);
            cs_offline_capped_put(&out, words[name].p, len);
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
