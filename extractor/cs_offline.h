/*  cs_offline: the built-in extraction provider. Deterministic, no network, no configuration.

    From a call's transcript it pulls out what an LLM provider would: feature requests, bug
    reports, sentiment, pain points and a summary, as an insights object of the record schema.

      - Who counts: only customer speech yields requests, bugs, pain points and sentiment;
        cs_speakers.h says who is the customer (Gong's affiliation, Gong user ids, the
        workspace's own e-mail domains, Unknown people). A call in which no customer speaks is
        an internal meeting: no requests, and "skipped" says so. A call whose customers speak
        another language than English is not extracted offline: "language" names it and
        "skipped" says so (cs_offline_lang.h); English calls carry "language": "en".
      - Utterances are split into sentences. Each customer sentence is scored by two small
        logistic regressions (request, bug) over hashed word, word-pair, character n-gram and
        cue-phrase features; the model is trained by extractor/model/train_request_model.py and
        embedded at build time (extractor/model/). The model learnt from forum posts and app
        reviews, so the sentence is then read in its dialogue (cs_offline_dialogue.h), each
        rule with a confidence (0..1) that the request is real:
          never    sales process, logistics and small talk (recordings, proposals, licences,
                   pilots, pricing, "only if the kids let me");
          question the rep's answer decides: not yet, roadmap, workaround, noted for the
                   product team -> a request (0.85); yes, no, "you can..." -> none; a reply
                   that does neither -> as the words say (0.55); no reply while the rep speaks
                   elsewhere in the call -> unsure (0.40);
          explicit request words ("we'd love", "we really need a") -> 0.75, or 0.55 in a
                   sentence describing the customer's setup or schedule;
          model    a request score at the tuned threshold with a word that asks -> 0.55 plus
                   its margin (at most 0.2);
          need     a problem stated without asking ("two agents end up replying to the same
                   email", the reason a customer leaves) -> 0.65 when the rep takes it in,
                   else 0.45; a need in the same turn as a request is that request's reason,
                   and the first need of a turn stands for the rest;
          restated the rep asks back what the customer wants ("So you'd want public links to
                   attachments?") and the customer's next turn agrees -> a request of the
                   customer (0.80), quoting the agreement, with the restatement as "context"
                   and the title taken from its object.
        A rep's "already" answer cancels a request; a rep noting it for product adds 0.1. A
        title of one word costs 0.25, a title naming an outcome ("Faster response times")
        0.35. `callsift report` counts requests from 0.5 (its --min-confidence).
      - bug:  a bug score at the threshold in a sentence that names something going wrong
              (or a very high score), or an explicit bug phrase ("crashes", "logs me out",
              "doesn't ... anymore") with a score that is not negligible. A sentence that is
              both goes to the side with explicit words (a need counts as explicit), else to
              the larger margin.
      - The title names the thing asked for: from the first clause that names something,
        after a request verb (early in the sentence, a quantifier like "a few of" before the
        subject not counted, or further in when the first clause asks for nothing), without request
   phrasing, filler ("um", "basically", "end up"), asides
        (", like,") or trailing function words and auxiliaries; it ends with its clause (before
        "because", "before", "until", "once", "so that", "when"...) and before what is said
        about it ("is a must", "is our top priority"); a clause longer than 8 words is
        cut before a phrase ("per queue | up on the TV"), never inside one nor between a verb
        and its complement ("ask the customer | to rate"), unless it ends within 10 words and
        the cut would drop a name or two words that name something, or there is no phrase to
        cut before. An indirect object gives way to the clause it is told ("prove to a
        customer that we hit..." -> "Prove that we hit..."); "someone has to do X" keeps X
        when the whole does not fit. A rule, a pain or a verdict names what is asked for
        (cs_offline_title_ask.c): "X says every tool needs | SSO"; a clause that only says
        how much it matters ("that's a blocker for our rollout") gives way to the next;
        "anything that doesn't | log in through Okta"; "can't | see who's drowning"; a thing
        "all in English" -> "... in other languages"; no "a couple of" before the subject; a
        one-word title keeps a name the sentence carries ("SSO with Okta"). A wish for a
   verb starts with the verb: "if emails were translated" -> "Translate emails", "if the tool could
   draft a reply" -> "Draft a reply", "something that flags..." -> "Flag...". A request whose title
   names nothing ("As well.", "It'd be nice to have.") is no request of its own: its urgency words
   go to the request just before it in the same utterance, if any.
      - Urgency and severity come from cue phrases, the theme from similarity to each theme's
        name and description (cs_offline_theme.h).
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
