/*  cs_insights: the insights of one call (DESIGN.md sections 2 and 4), as an LLM answers them,
    made safe to pass on.

    An LLM answer is untrusted input: cs_insights_parse reads the message content and builds a
    new, clean insights object that always passes cs_record's insights schema:

      feature_requests  [{title, description, urgency, theme, quote, speaker, context,
                          confidence}]
      bug_reports       [{title, description, severity, quote}]
      sentiment         {overall, score}
      pain_points       [string]
      summary           string
      language          ISO 639-1 code of the call's language

    The answer is rejected as a whole (the caller asks the LLM again, a bounded number of times)
    only when its shape is unusable. Inside a usable answer every item is checked on its own and
    repaired or dropped, never trusted:

      - an item without a title is dropped; titles are trimmed and cut at 512 characters;
      - urgency and severity outside low|medium|high|critical become "medium";
      - a theme must name one of the workspace's themes (letter case aside, and then written
        the workspace's way); any other theme becomes the default theme;
      - a feature request stands on its quote: the quote must be a customer's own words (as
        cs_speakers resolves the call's customers; see cs_insights_quote.h): after
        cs_insights_normalise it must appear, word for word, in the text of one customer
        speaker, within one utterance or across consecutive utterances of that speaker ("..."
        may elide words between parts that appear in order). A request without a quote, or
        whose quote is not a customer's words (the vendor's people said it, or nobody did), is
        DROPPED and counted by reason: nothing but the customer's words makes a request.
        A verified quote names its speaker from the transcript, whatever the model said;
      - a feature request's context is the vendor's restatement the customer agreed to ("So
        you'd want public links?" answered "Yes, exactly": the quote is the agreement, the
        context the restatement): kept only when it is a vendor's words, found as quotes are;
        otherwise removed and counted as a fixed field;
      - a feature request's confidence (that it is a real request for something the product
        lacks) is clamped to 0..1; a missing one stays missing;
      - a bug report's quote that is not a customer's words is removed from it and counted;
        the bug report stays;
      - the language is an ISO 639-1 code (two letters, written lower-case; "pt-BR" is "pt");
        anything else is left out;
      - the same request listed twice (same normalised title or quote) is kept once, with the
        higher urgency;
      - arrays are cut at fixed caps, strings at fixed lengths; control characters, invisible
        format characters and runs of whitespace become single spaces.

    cs_insights_merge combines the insights of the chunks of one long call. */
#ifndef CS_INSIGHTS_H
#define CS_INSIGHTS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define CS_INSIGHTS_MAX_ANSWER   (1u << 20) /* bytes of answer text read; more is an error */
#define CS_INSIGHTS_MAX_ITEMS    50         /* feature requests kept, and bug reports kept */
#define CS_INSIGHTS_MAX_PAINS    20         /* pain points kept */
#define CS_INSIGHTS_MAX_TITLE    512        /* characters of a title */
#define CS_INSIGHTS_MAX_TEXT     2000       /* characters of a description or the summary */
#define CS_INSIGHTS_MAX_QUOTE    1000       /* characters of a quote */
#define CS_INSIGHTS_MAX_PHRASE   300        /* characters of a pain point or a speaker's name */
#define CS_INSIGHTS_MIXED_SPREAD 1.0        /* merge: chunk scores this far apart make "mixed" */

typedef struct {
    const json_t *themes;     /* [{name, description, is_default}] borrowed; may be NULL */
    const json_t *call;       /* the call record, borrowed, may be NULL: its participants,
                                 vendor_domains and customer tell who the customers are
                                 (cs_speakers); NULL: only the utterances' own affiliations */
    const json_t *transcript; /* the call's full transcript, borrowed: quotes are checked
                                 against it; NULL: the call's; none or empty means no quote
                                 can be verified */
} cs_insights_ctx_t;

typedef struct {
    int requests_not_customer; /* feature requests dropped: the quote is not a customer's */
    int requests_no_quote;     /* feature requests dropped: no quote */
    int quotes_dropped;        /* quotes not a customer's words (requests' and bug reports') */
    int themes_defaulted;      /* themes replaced by the default theme (or removed, without one) */
    int items_dropped;         /* requests, bugs and pain points dropped: no title, not an object,
                                  a repeat, or over a cap */
    int fields_fixed;          /* other fields replaced or removed: urgency, severity, sentiment,
                                  speaker, context, confidence, language, a description or
                                  summary of the wrong type */
} cs_insights_stats_t;

/* Read the answer text `answer` (the message content, borrowed; a ```json fence around it is
   tolerated) and build the clean insights object described above. On success returns 0 and a
   new reference in *out that the caller releases with json_decref; `stats` (may be NULL)
   counts what was repaired. On failure returns -1, *out is NULL, and `err` (errlen bytes; may
   be NULL) says why: "answer is empty", "answer is too large (...)", "answer is not JSON: ...",
   "answer is not a JSON object (got array)", "answer.feature_requests: missing",
   "answer.feature_requests: expected array", "answer.bug_reports: expected array",
   "answer.sentiment: expected object", "answer.pain_points: expected array",
   "answer.summary: expected string", or "out of memory".

   Only feature_requests is required. bug_reports and pain_points, when absent or null, become
   empty arrays; sentiment and summary, when absent or null, stay absent. The output's
   sentiment.overall, when the answer's is missing or not one of the enum, is derived from the
   score (see cs_insights_overall); a sentiment with neither is left out.

   `ctx` (may be NULL: no themes, no transcript) is borrowed. Without a default theme (see
   cs_insights_default_theme) an unknown theme is removed from its item, leaving the matcher
   to choose. Without a transcript no quote is verified: every feature request is dropped. */
int cs_insights_parse(const char *answer, const cs_insights_ctx_t *ctx, json_t **out,
                      cs_insights_stats_t *stats, char *err, size_t errlen);

/* Merge the insights of the chunks of one call, in order (`parts`: a borrowed array of
   insights objects, as cs_insights_parse builds them; other values are skipped) into one new
   reference the caller releases with json_decref:
     - feature requests and bug reports in order of first appearance, a repeat (same normalised
       title, or same normalised quote) kept once: the first, raised to the higher urgency or
       severity and the higher confidence, and given the repeat's quote (with its speaker and
       context) or description when it had none; each array capped at CS_INSIGHTS_MAX_ITEMS;
     - sentiment: score the mean of the chunks' scores (each chunk counts once); overall the
       chunks' overall when they all agree, "mixed" when their scores are
       CS_INSIGHTS_MIXED_SPREAD or more apart or one is positive and another negative, the
       one derived from the mean score otherwise; absent when no chunk has one;
     - pain_points without repeats (normalised), capped at CS_INSIGHTS_MAX_PAINS;
     - summary: the chunks' summaries joined by spaces, cut at CS_INSIGHTS_MAX_TEXT
       characters; absent when no chunk has one;
     - language: the one most chunks give (the earliest among equals); absent when none does.
   An empty array gives empty insights. NULL when `parts` is not an array, or out of memory. */
json_t *cs_insights_merge(const json_t *parts);

/* The form used to compare titles and quotes: lower-case (ASCII, Latin-1, Latin Extended-A,
   Greek, Cyrillic), apostrophes removed (straight, curly or modifier: "can't" and "can’t" are
   both "cant"), every run of whitespace, punctuation and symbols (quotes, dashes, ellipses
   included) one space, invisible format characters removed, no leading or trailing space.
   "We can’t — “really”  go LIVE!" becomes "we cant really go live". Returns a
   malloc'd string the caller frees; NULL for NULL input or out of memory. Invalid UTF-8
   bytes count as punctuation. */
char *cs_insights_normalise(const char *text);

/* `text` as one clean line: control characters (newlines included), line separators and every
   run of whitespace become one space, invisible format characters (zero-width, bidirectional
   overrides, BOM, soft hyphen) are removed, invalid UTF-8 becomes U+FFFD, no leading or
   trailing space; cut at `max_chars` code points (0: no cut) on a character boundary.
   Returns a malloc'd string the caller frees; NULL for NULL input or out of memory. */
char *cs_insights_clean(const char *text, size_t max_chars);

/* The name of the default theme of `themes` ([{name, description, is_default}], borrowed):
   the first with is_default true, else the first named "Uncategorized" (letter case aside),
   else NULL. Borrowed from `themes`. */
const char *cs_insights_default_theme(const json_t *themes);

/* The theme of `themes` (borrowed) that `name` names: exactly, or else letter case and
   surrounding whitespace aside. Returns the theme's own spelling (borrowed from `themes`), or
   NULL when no theme has that name. */
const char *cs_insights_theme_name(const json_t *themes, const char *name);

/* The overall sentiment a score implies: "positive" above 0.25, "negative" below -0.25,
   "neutral" in between. Static string. */
const char *cs_insights_overall(double score);

#endif
