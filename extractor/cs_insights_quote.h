/*  cs_insights_quote: quote verification. What the customers said in a transcript is indexed
    as runs: the consecutive utterances of one customer speaker, joined and normalised
    (cs_insights_normalise). An utterance is a customer's when its affiliation is "External";
    when the transcript marks nobody External, anyone not marked "Internal" counts. A quote is
    the customer's words when, normalised, it appears within one run on word boundaries; "..."
    or "…" may elide words between parts that appear in that order; a quote cut into more than
    16 parts is nobody's words. */
#ifndef CS_INSIGHTS_QUOTE_H
#define CS_INSIGHTS_QUOTE_H

#include <stddef.h>

#include <jansson.h>

typedef struct {
    char *words;         /* the run's text, normalised, owned */
    const char *speaker; /* the speaker's name, borrowed from the transcript; may be NULL */
} cs_insights_run_t;

typedef struct {
    cs_insights_run_t *runs; /* owned */
    size_t count;
    const char **names; /* the customer speakers' names, each once, borrowed; the array owned */
    size_t name_count;
} cs_insights_said_t;

/* Index what the customers said in `transcript` (borrowed, may be NULL; *said borrows from it
   and must not outlive it). 0, or -1 when out of memory (*said is then empty). Free with
   cs_insights_said_free. */
int cs_insights_said_build(cs_insights_said_t *said, const json_t *transcript);

/* Free what *said owns and zero it. A zeroed *said is fine. */
void cs_insights_said_free(cs_insights_said_t *said);

/* Whether `quote` is a customer's words (see above). On 1 (found) *speaker is that run's
   speaker (borrowed, may be NULL); 0 not found (an empty quote is never found); -1 out of
   memory. */
int cs_insights_said_find(const cs_insights_said_t *said, const char *quote, const char **speaker);

#endif
