/*  cs_offline_lang: the language of a call's customer speech, offline. One of seven ISO 639-1
    codes: en, de, es, fr, pt, it, nl. Evidence is the very frequent words of each language
    (articles, pronouns, auxiliaries, conjunctions; a word several languages share counts a
    share to each) and its characteristic letters (ß ä ö ü, ñ ¿ ¡, ã õ ç, è ê à œ, ò ì...;
    the most telling one per word, and never more than the language's word evidence: letters
    corroborate, so noise of diacritics makes no language).
      - Too little evidence (a short text, names, numbers, noise) is "en" with low confidence.
      - English wins a mixed text: a call with a fair share of English words is English, so a
        non-English code comes back only when that language dominates.
      - Bounded: at most CS_OFFLINE_LANG_MAX_TEXT bytes are read over all the texts fed in.
        Deterministic. Any bytes are fine (invalid UTF-8 is noise, not an error).
    The offline extractor skips a call whose language is not English at CS_OFFLINE_LANG_SKIP
    confidence or more: its word lists, model and titles are English (cs_offline.h). */
#ifndef CS_OFFLINE_LANG_H
#define CS_OFFLINE_LANG_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define CS_OFFLINE_LANG_MAX_TEXT (64u << 10)
/* The confidence from which the offline extractor leaves a non-English call to an LLM. */
#define CS_OFFLINE_LANG_SKIP 0.6

enum { CS_OFFLINE_LANG_COUNT = 7 };

/* Evidence gathered so far; zero it before the first cs_offline_lang_feed. */
typedef struct {
    double words[CS_OFFLINE_LANG_COUNT];   /* frequent words */
    double letters[CS_OFFLINE_LANG_COUNT]; /* characteristic letters: count up to words[] */
    size_t bytes;                          /* bytes read so far, at most CS_OFFLINE_LANG_MAX_TEXT */
} cs_offline_lang_counts_t;

/* Add the evidence of text[0..n) (any bytes; NULL with n 0 is fine). Text past the overall
   CS_OFFLINE_LANG_MAX_TEXT bytes is not read. Cannot fail. */
void cs_offline_lang_feed(cs_offline_lang_counts_t *c, const char *text, size_t n);

/* The language of what was fed: a static code ("en", "de", ...), and in *confidence (may be
   NULL) how sure, 0..1. Too little evidence gives "en" with a confidence below 0.5. */
const char *cs_offline_lang_result(const cs_offline_lang_counts_t *c, double *confidence);

/* Feed text[0..n) alone and give the result. */
const char *cs_offline_lang_detect(const char *text, size_t n, double *confidence);

/* The English name of a code of this module ("German" for "de"); "unknown" for others. */
const char *cs_offline_lang_name(const char *code);

/* The offline extractor's gate. Detects the language of the customer speech of `call` (a call
   record, borrowed; the customer's utterances as cs_speakers.h resolves them) and puts the
   code into *lang (static). Returns
      0  extract the call: it is English, or not surely anything else (*lang is "en");
      1  do not: *insights is a new insights object with no requests, bugs or pain points, a
         neutral sentiment, "language" and "skipped" ("not extracted offline: the call is in
         German (de); an LLM provider extracts it"), owned by the caller;
     -1  out of memory (*insights NULL). */
int cs_offline_lang_gate(const json_t *call, const char **lang, json_t **insights);

#endif
