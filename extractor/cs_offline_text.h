/*  cs_offline_text: the offline extractor's text handling. Tokens and sentences are made byte
    for byte as extractor/model/train_request_model.py makes them: the model's features depend
    on it (test_offline.c checks the scores against the script's).

    Phrases are normalised words (lower case, no apostrophes) separated by single spaces; a word
    ending in '*' matches any word it begins; a phrase starting with "^ " matches only at the
    start of a sentence. Lists of phrases are NULL-terminated (cs_offline_words.h). */
#ifndef CS_OFFLINE_TEXT_H
#define CS_OFFLINE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* The words of a text: lower-cased ASCII letters, every digit '0', the apostrophes ' U+2018
   U+2019 dropped; other ASCII, U+0080..U+00BF and U+2000..U+207F separate words; other
   non-ASCII bytes belong to words. Token i is tok[i] (len[i] bytes, NUL-terminated), stored
   in `buf`; all three arrays are owned. */
typedef struct {
    char *buf;
    const char **tok;
    size_t *len;
    size_t count;
} cs_offline_tokens_t;

/* The tokens of text[0..n) into *t, which the caller frees with cs_offline_tokens_free.
   0, or -1 when memory runs out (*t is then empty and holds nothing). */
int cs_offline_tokenize(const char *text, size_t n, cs_offline_tokens_t *t);

/* Free the tokens and zero *t. A zeroed *t is fine. */
void cs_offline_tokens_free(cs_offline_tokens_t *t);

/* ASCII white space: space, \t \n \r \v \f. */
bool cs_offline_is_space(unsigned char c);

typedef void (*cs_offline_sentence_fn)(void *ctx, size_t start, size_t end);

/* Call fn with the byte range of every sentence of text[0..n), trimmed of white space and cut
   into pieces of at most CS_OFFLINE_MAX_SENTENCE bytes (at a space, else on a character
   boundary): a sentence ends at a newline, or after a run of . ! ? (and closing quotes or
   brackets) followed by white space or the end, unless the run is a single '.' after an
   abbreviation (a single letter, a word with a '.' in it, or "mr", "inc", "etc"...). Empty
   sentences are not passed on. */
void cs_offline_split_sentences(const char *text, size_t n, cs_offline_sentence_fn fn, void *ctx);

/* Does `phrase` occur in t starting at token i (no "^ " anchor here: a phrase with one never
   does)? The plain scan: the reference the compiled lists below answer like. */
bool cs_offline_phrase_at(const cs_offline_tokens_t *t, size_t i, const char *phrase);

/* Does `phrase` occur anywhere in t ("^ " first: at token 0)? */
bool cs_offline_has_phrase(const cs_offline_tokens_t *t, const char *phrase);

/* The functions below take a `list` that is static data and never changes (the lists of
   cs_offline_words.h, a module's static table): each list is compiled on first use into a
   cs_offline_phrases_t kept, by the list's address, until the process exits. They answer
   exactly as cs_offline_phrase_at / cs_offline_has_phrase applied to every phrase would, in
   time that grows with the phrases starting at a token rather than with the list. */

/* Does any phrase of the list occur in t (cs_offline_has_phrase)? */
bool cs_offline_has_any(const cs_offline_tokens_t *t, const char *const *list);

/* The index of the first phrase of the list (in list order) that occurs in t
   (cs_offline_has_phrase), or -1. */
long cs_offline_first_has(const cs_offline_tokens_t *t, const char *const *list);

/* The index of the first phrase of the list that occurs at token i (cs_offline_phrase_at), or
   -1. */
long cs_offline_first_at(const cs_offline_tokens_t *t, size_t i, const char *const *list);

/* Is token i one of the single words of the list (phrases with a space are skipped)? */
bool cs_offline_token_in(const cs_offline_tokens_t *t, size_t i, const char *const *list);

/* A compiled list of phrases: a hash table from each phrase's first word (a word ending in '*'
   under its prefix) to the phrases starting with it, in list order. */
typedef struct cs_offline_phrases cs_offline_phrases_t;

/* Compile the NULL-terminated `list`, which is borrowed and must outlive the result. NULL when
   memory runs out. Destroy with cs_offline_phrases_destroy. */
cs_offline_phrases_t *cs_offline_phrases_new(const char *const *list);

/* Free and set *self_p to NULL. NULL and *self_p == NULL are fine. */
void cs_offline_phrases_destroy(cs_offline_phrases_t **self_p);

/* The index of the first phrase of the list for which cs_offline_phrase_at(t, i, phrase) holds,
   or -1. */
long cs_offline_phrases_at(const cs_offline_phrases_t *ps, const cs_offline_tokens_t *t, size_t i);

/* The same among the phrases without a space (cs_offline_token_in). */
long cs_offline_phrases_word(const cs_offline_phrases_t *ps, const cs_offline_tokens_t *t,
                             size_t i);

/* The index of the first phrase of the list for which cs_offline_has_phrase(t, phrase) holds,
   or -1. */
long cs_offline_phrases_find(const cs_offline_phrases_t *ps, const cs_offline_tokens_t *t);

/* Do the tokens of `phrase` (at least one) occur in t, consecutively and whole? */
bool cs_offline_tokens_contain(const cs_offline_tokens_t *t, const cs_offline_tokens_t *phrase);

/* A string in a fixed buffer of cap + 1 bytes: appends past `cap` bytes are cut at a UTF-8
   boundary, the string stays NUL-terminated. */
typedef struct {
    char *buf;
    size_t len, cap;
} cs_offline_capped_t;

/* Append s[0..n) to t, cut to what fits. */
void cs_offline_capped_put(cs_offline_capped_t *t, const char *s, size_t n);

/* s[0..n) with white space runs made one space (none leading or trailing) and control
   characters dropped: a malloc'd string the caller frees, NULL when memory runs out. */
char *cs_offline_clean_copy(const char *s, size_t n);

/* The length of the stem of word w[0..n): a crude suffix stripper, enough for "integrations"
   and "integrate" to meet as "integr". A suffix is stripped only when at least 3 bytes remain. */
size_t cs_offline_stem(const char *w, size_t n);

#endif
