/*  cs_offline: the built-in extraction provider. Deterministic, no network, no configuration.

    From a call's transcript it pulls out what an LLM provider would: feature requests, bug
    reports, sentiment, pain points and a summary, as an insights object of the record schema.

      - Who counts: only customer speech yields requests, bugs, pain points and sentiment.
        An utterance is customer speech when its affiliation is "External". "Unknown" (or no
        affiliation, even after looking the speaker_id up in the call's participants) counts as
        customer speech only when the call has no External speaker at all: a call without
        affiliation information, or one where the customer side dialled in unidentified.
        "Internal" never counts: the vendor's own pitch is not a request.
      - Utterances are split into sentences. Each customer sentence is scored by two small
        logistic regressions (request, bug) over hashed word, word-pair, character n-gram and
        cue-phrase features; the model is trained by extractor/model/train_request_model.py and
        embedded at build time (extractor/model/). The model learnt from forum posts and app
        reviews, so hand-written rules adapt it to sales calls:
          request: an explicit request phrase ("we need a", "would love", "do you integrate
                   with", "keep asking for"...), or a request score at the tuned threshold in a
                   sentence with a word that asks for something ("would", "need", "add"...);
                   never sales-process talk ("let me loop in...", "we need a decision",
                   pricing, contract, legal);
          bug:     a bug score at the threshold in a sentence that names something going wrong
                   (or a very high score), or an explicit bug phrase ("crashes", "logs me out")
                   with a score that is not negligible.
        A sentence that qualifies as both goes to the side with explicit words, else to the
        larger margin. A request sentence with nothing but request phrasing ("It'd be nice to
        have.") lends its urgency to the request just before it, if any.
      - Urgency and severity come from cue phrases, the theme from word overlap (stems and a
        small concept vocabulary) with each theme's name and description, the title from the
        sentence stripped of request phrases, pronouns and fillers (at most 8 words).
      - quote is the sentence exactly as it appears in the utterance text.

    docs/QUALITY.md has the figures and how they were measured. */
#ifndef CS_OFFLINE_H
#define CS_OFFLINE_H

#include <stddef.h>

#include <jansson.h>

/* Bounds on the work done for one call: sentences longer than CS_OFFLINE_MAX_SENTENCE bytes
   are cut at a space, sentences after the first CS_OFFLINE_MAX_SENTENCES are ignored (with a
   warning), at most CS_OFFLINE_MAX_ITEMS requests and bugs are returned. */
#define CS_OFFLINE_MAX_SENTENCE  2000
#define CS_OFFLINE_MAX_SENTENCES 20000
#define CS_OFFLINE_MAX_ITEMS     50
/* The score functions read at most this many bytes of their text. */
#define CS_OFFLINE_MAX_TEXT (64u << 10)

typedef struct cs_offline cs_offline_t;

/* The model text embedded in the binary (generated from extractor/model/offline_model.txt by
   extractor/model/embed_model.cmake) and its length in bytes, without the final NUL. */
extern const char cs_offline_model_text[];
extern const size_t cs_offline_model_size;

/* A provider with the embedded model. Returns NULL with the reason in `err` (errlen bytes) if
   the model does not parse or memory runs out. Destroy with cs_offline_destroy. */
cs_offline_t *cs_offline_new(char *err, size_t errlen);

/* A provider with the model in `text` (`len` bytes, borrowed, need not be NUL-terminated),
   for tests and experiments. NULL with the reason in `err` on any malformed line. */
cs_offline_t *cs_offline_new_from(const char *text, size_t len, char *err, size_t errlen);

/* Free the provider and set *self_p to NULL. NULL and *self_p == NULL are fine. */
void cs_offline_destroy(cs_offline_t **self_p);

/* The insights of a call record (borrowed): its "transcript" [{speaker_id, speaker,
   affiliation, start_ms, text}], "participants", "title" and "customer" {name, mrr}. `themes`
   (borrowed, may be NULL) is an array of {name, description, is_default}; every request's
   theme is one of their names, or the default theme's (the first with is_default true; with
   none, "Uncategorized"). Returns a new reference to an object that validates as the record
   schema's insights: {feature_requests, bug_reports, sentiment, pain_points, summary}. NULL
   only when memory runs out. Deterministic: the same input gives the same output. */
json_t *cs_offline_extract(cs_offline_t *self, const json_t *call, const json_t *themes);

/* The request and bug probabilities (0..1) of `sentence` (UTF-8, NUL-terminated, scored as one
   sentence; only its first CS_OFFLINE_MAX_TEXT bytes are read). NULL scores as "". */
double cs_offline_request_score(const cs_offline_t *self, const char *sentence);
double cs_offline_bug_score(const cs_offline_t *self, const char *sentence);

/* The decision thresholds the model was tuned with: a sentence whose score reaches one is a
   request (bug) candidate. */
double cs_offline_request_threshold(const cs_offline_t *self);
double cs_offline_bug_threshold(const cs_offline_t *self);

#endif
