/*  cs_offline_title_int: the words a title is picked from and the picked title, shared by
    cs_offline_title.c (where a title starts and ends) and cs_offline_title_verb.c (a wish
    for a verb starts with the verb). Not for other modules: they use cs_offline_title.h. */
#ifndef CS_OFFLINE_TITLE_INT_H
#define CS_OFFLINE_TITLE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "cs_offline_text.h"
#include "cs_offline_title.h"

/* A word of a sentence: its bytes in the sentence, and its normalised tokens. */
typedef struct {
    const char *p;
    size_t n;
    cs_offline_tokens_t tok;
} word_t;

/* The words a title is made of: pick[] indexes words[], and when verb is not NO_VERB the
   base form of words[verb] comes first ("incoming emails were translated" -> "Translate
   incoming emails"). ended: the clause ended within the words looked at. */
#define NO_VERB ((size_t)-1)
typedef struct {
    size_t pick[CS_OFFLINE_TITLE_LOOK_WORDS];
    size_t n;
    size_t verb;
    bool third; /* words[verb] is a third person ("flags"), not a participle */
    bool ended;
} title_t;

/* Does the word end a clause (a comma, semicolon or colon after it)? */
static inline bool cs_title_clause_end(const word_t *w)
{
    unsigned char end = (unsigned char)w->p[w->n - 1];
    return end == ',' || end == ';' || end == ':';
}

/* Is the word the single token `tok`? */
static inline bool cs_title_word_is(const word_t *w, const char *tok)
{
    return w->tok.count == 1 && strcmp(w->tok.tok[0], tok) == 0;
}

/* Is the word a single token of `list`? */
static inline bool cs_title_word_in(const word_t *w, const char *const *list)
{
    return w->tok.count == 1 && cs_offline_token_in(&w->tok, 0, list);
}

/* A request's title that wishes for a verb starts with it: the product as the subject of a
   modal goes ("if the tool could | draft a reply"), a passive wish puts the participle first
   ("if incoming emails were translated", "X to be archived"), "something that flags a
   reply" starts with "flags". Sets t->verb (and t->third) and takes the verb out of
   t->pick; leaves t as it is when none applies. Can't fail. */
void cs_offline_title_reshape(const word_t *words, title_t *t);

/* The base form of the verb w[0..n) into out[cap] (not NUL-terminated when 0): of a third
   person ("flags" -> "flag") when `third`, else of a regular past participle ("translated"
   -> "translate"). Its length, or 0 when no rule gives it reliably. */
size_t cs_offline_title_base(const char *w, size_t n, bool third, char *out, size_t cap);

/* Does a clause with its own subject and verb start at words[i], a conjunction ("and", "but",
   "so", "because")? A subject pronoun after it ("alerts, and | we use Slack") or a
   determiner, a noun of one or two words and a finite verb ("alerts, and | the team lives in
   Slack", "and | our agents use two inboxes"); not a coordinated object ("tags, and | the
   filters", "and | the ability to share them"). Can't fail. */
bool cs_offline_title_new_clause(const word_t *words, size_t nw, size_t i);

/* Rules of cs_offline_title_ask.c, for sentences that state a rule, a pain or a verdict
   instead of asking. All can't fail. */

/* How many words from words[first] a request verb may come and still start the title:
   `within`, or more when a verb of saying comes before it in the same clause ("Our IT policy
   says | every tool needs | SSO"). */
size_t cs_offline_title_reach(const word_t *words, size_t nw, size_t first, size_t within);

/* Does the clause at words[first] only say how much something matters ("that's a blocker for
   our rollout", "so it's a hard requirement")? It names nothing: the request is in another
   clause or sentence. */
bool cs_offline_title_verdict(const word_t *words, size_t nw, size_t first);

/* Where the unmet requirement of "... anything that doesn't | log in through Okta" starts in
   the clause at words[first]: the index of its verb, or 0 when there is none. */
size_t cs_offline_title_unmet(const word_t *words, size_t nw, size_t first);

/* A title that starts "can't see ...", "cannot track ..." asks to see or track: the index
   after the negation when words[first] is one before a verb of knowing
   (cs_offline_words_title_asks_which), else first ("can't afford" stays). */
size_t cs_offline_title_unable(const word_t *words, size_t nw, size_t first);

/* A name the sentence carries that a one-word title ("SSO") leaves out ("we're an Okta
   shop"): the index of a capitalised word after an article, a possessive or a preposition of
   use, outside the title; NO_VERB when the title has more words or there is none. */
size_t cs_offline_title_name(const word_t *words, size_t nw, const title_t *t);

/* A title that says its thing is in one language only ("the admin panel is all in English",
   "an English-only admin") keeps the thing's words in t (the title then asks for other
   languages); false, t unchanged, when it says no such thing. */
bool cs_offline_title_one_language(const word_t *words, title_t *t);

/* Where a title's subject starts after its quantifier at words[first] ("a couple of |
   customer emails", "half | our travellers", "most of | the techs"): first when there is
   none. */
size_t cs_offline_title_quantified(const word_t *words, size_t nw, size_t first);

/* Is words[first] the quantifier of a subject of "to be" ("half our | missed appointments |
   are customers who...", "most of the | techs | were")? The sentence then states a share
   of cases, which it no longer states without the quantifier ("Missed appointments are
   customers who..." is false). Returns the index of the verb and sets *noun to where the
   subject's noun starts, or returns 0 (*noun unchanged) when it is none: no "to be" within
   three words of noun, no noun ("most of what we need is"), or no share ("one thing is"). */
size_t cs_offline_title_share(const word_t *words, size_t nw, size_t first, size_t *noun);

#endif
