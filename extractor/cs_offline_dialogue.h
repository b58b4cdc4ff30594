/*  cs_offline_dialogue: how one sentence of a sales call reads in its dialogue, for the offline
    extractor's decisions (cs_offline.c says how they combine).

      - A question is a sentence ending in '?' or opening like one ("can we", "is there",
        "do you"...).
      - The rep's answer to a customer's question shows a gap ("not yet", "it's on the
        roadmap", "you'd need a workaround", "I'll pass that to product", "how urgent is
        that?"), or settles it (yes, no, "you can..."): the product does it, or all is well;
        or neither ("thanks, that's helpful context").
      - "Already" answers ("you can already do that", "that's built in") say it exists even
        after a request that was no question.
      - A restatement is the rep asking back what the customer wants ("So you'd want public
        links to attachments?"); an agreement is a customer's reply that opens with yes,
        exactly, right...
      - A need is a problem the product could solve, said without asking ("two agents end up
        replying to the same email", "emails got auto-closed before anyone saw them").
      - Negatives are never requests: sales process and logistics (recordings, proposals,
        licences, pilots, pricing) and small talk. Descriptions of how the customer works
        today and scheduling are requests only when asked for in so many words.
    Every function reads only the tokens given (cs_offline_text.h); static data, nothing to
    free, nothing that fails. */
#ifndef CS_OFFLINE_DIALOGUE_H
#define CS_OFFLINE_DIALOGUE_H

#include <stdbool.h>
#include <stddef.h>

#include "cs_offline_text.h"

typedef enum {
    CS_ANSWER_NONE,    /* no answer from the vendor */
    CS_ANSWER_NEUTRAL, /* a reply that neither settles nor shows a gap ("thanks, good context") */
    CS_ANSWER_EXISTS,  /* settled: yes, no, or how to do it */
    CS_ANSWER_GAP      /* not yet, roadmap, workaround, noted for product */
} cs_offline_answer_t;

/* Is the sentence text[0..n) with tokens t a question? */
bool cs_offline_dialogue_question(const cs_offline_tokens_t *t, const char *text, size_t n);

/* Does this vendor sentence show a gap (see above)? */
bool cs_offline_dialogue_gap(const cs_offline_tokens_t *t);

/* Does this vendor sentence acknowledge a problem ("I hear you", "that shouldn't happen")? */
bool cs_offline_dialogue_ack(const cs_offline_tokens_t *t);

/* Does this vendor sentence settle a question (yes, no, "you can...")? */
bool cs_offline_dialogue_settled(const cs_offline_tokens_t *t);

/* Does this vendor sentence note what was said as a request ("I'll pass that on to product",
   "how urgent is that?")? A gap of this kind follows an ask even when it was no question. */
bool cs_offline_dialogue_noted(const cs_offline_tokens_t *t);

/* Does this vendor sentence say the thing exists already? */
bool cs_offline_dialogue_already(const cs_offline_tokens_t *t);

/* Is this vendor sentence text[0..n) (tokens t) a restatement of what the customer wants: it
   opens like one ("So you'd want...", "Sounds like you need..."), or it is a question with a
   second-person want in it ("Just so I've got it, you'd like an export of every tag?")? On
   true, *object is the index of the first token after the restating phrase. */
bool cs_offline_dialogue_restatement(const cs_offline_tokens_t *t, const char *text, size_t n,
                                     size_t *object);

/* Does this customer sentence open by agreeing? */
bool cs_offline_dialogue_agreement(const cs_offline_tokens_t *t);

/* Is this customer sentence a need stated as a problem? */
bool cs_offline_dialogue_need(const cs_offline_tokens_t *t);

/* Does this customer sentence name a problem in the broad sense (pain, blame, inability: "we
   can't", "by hand", "we keep missing")? A need only when the rep answers with a gap, or when
   the customer is talking about leaving. */
bool cs_offline_dialogue_problem(const cs_offline_tokens_t *t);

/* Does this customer sentence talk about leaving ("might not renew", "other tools")? */
bool cs_offline_dialogue_churn(const cs_offline_tokens_t *t);

/* Is this customer sentence sales process, logistics or small talk (never a request)? */
bool cs_offline_dialogue_negative(const cs_offline_tokens_t *t);

/* Does it describe the customer's setup or schedule (a request only when explicit)? */
bool cs_offline_dialogue_setup(const cs_offline_tokens_t *t);

#endif
