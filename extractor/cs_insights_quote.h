/*  cs_insights_quote: quote verification. What was said in a transcript is indexed as runs:
    the consecutive utterances of one speaker on one side, joined and normalised
    (cs_insights_normalise). Sides are as cs_speakers resolves them: a customer's utterance is
    one cs_speakers_is_customer accepts (so Unknown people on a customer domain count, and an
    internal meeting has no customer words); a vendor's is one cs_speakers_is_vendor accepts.
    Utterances on neither side are not indexed. A quote is a side's words when, normalised, it
    appears within one run of that side on word boundaries; "..." or "…" may elide words
    between parts that appear in that order; a quote cut into more than 16 parts is nobody's
    words. */
#ifndef CS_INSIGHTS_QUOTE_H
#define CS_INSIGHTS_QUOTE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "cs_speakers.h"

typedef struct {
    char *words;         /* the run's text, normalised, owned */
    const char *speaker; /* the speaker's name, borrowed from the transcript; may be NULL */
    bool customer;       /* a customer's run; else a vendor's */
} cs_insights_run_t;

typedef struct {
    cs_insights_run_t *runs; /* owned */
    size_t count;
} cs_insights_said_t;

/* Index what the customers and the vendor said in `transcript` (borrowed, may be NULL; *said
   borrows from it and must not outlive it), with sides from `sp` (resolved on the call the
   transcript belongs to; borrowed for this call only). 0, or -1 when out of memory (*said is
   then empty). Free with cs_insights_said_free. */
int cs_insights_said_build(cs_insights_said_t *said, const cs_speakers_t *sp,
                           const json_t *transcript);

/* Free what *said owns and zero it. A zeroed *said is fine. */
void cs_insights_said_free(cs_insights_said_t *said);

/* Whether `quote` is the words of side `side` (CS_SIDE_CUSTOMER or CS_SIDE_VENDOR; see
   above). On 1 (found) *speaker is that run's speaker (borrowed, may be NULL); 0 not found
   (an empty quote is never found); -1 out of memory. */
int cs_insights_said_find(const cs_insights_said_t *said, cs_side_t side, const char *quote,
                          const char **speaker);

#endif
