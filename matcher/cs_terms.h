/*  cs_terms: the words of a feature request that say which feature it is, as the offline
    vectors and the lexical score compare them.

    A text is cut into words: runs of ASCII letters and digits (bytes >= 0x80 count as letters,
    so words of other scripts stay whole), an apostrophe inside a word kept ("don't") and a
    camelCase boundary cut ("appendSASToken" gives "append", "sastoken"). Each word is lowercased,
    loses a final "'s" and its apostrophes, and then:
      - English stop words ("the", "would", "don't") and the filler of speech ("really", "um",
        "honestly", "need", "want", "way") are dropped;
      - the rest is stemmed with the Snowball English stemmer (libstemmer: "syncing", "synced",
        "syncs" all give "sync");
      - the verbs and nouns of asking ("add", "support", "allow", "option", "feature") weigh
        CS_TERMS_ASK_WEIGHT, every other word 1: the object of a request says which feature it
        is, the asking does not.
    Words longer than CS_TERMS_MAX_WORD bytes are cut there. */
#ifndef CS_TERMS_H
#define CS_TERMS_H

#include <stddef.h>

#define CS_TERMS_MAX_WORD   48
#define CS_TERMS_ASK_WEIGHT 0.3f

/* One term: the stem (NUL-terminated) and its weight. Borrowed for the callback only. */
typedef void (*cs_terms_fn)(void *arg, const char *stem, size_t len, float weight);

/* Call fn for each term of `text` in order (NULL text: none). 0, or -1 when out of memory
   (the stemmer could not be made); fn may have been called for some terms by then. */
int cs_terms_each(const char *text, cs_terms_fn fn, void *arg);

/* Is `word` (lowercase, apostrophes removed) a stop or filler word? For tests. */
int cs_terms_dropped(const char *word);

#endif
