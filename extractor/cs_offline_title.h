/*  cs_offline_title: titles of the offline extractor's requests and bugs, which name the thing
    asked for (see cs_offline.h for the rules), and the key under which near-duplicate titles
    of one call meet. */
#ifndef CS_OFFLINE_TITLE_H
#define CS_OFFLINE_TITLE_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    CS_OFFLINE_TITLE_REQUEST,  /* a customer's request: starts after a request verb */
    CS_OFFLINE_TITLE_RESTATED, /* the object of a rep's restatement */
    CS_OFFLINE_TITLE_BUG       /* a bug report */
} cs_offline_title_kind_t;

/* Title lengths, in words and bytes (the schema allows 512 characters; the LLM path asks for
   2 to 8 words). A title looks CS_OFFLINE_TITLE_LOOK_WORDS words ahead for the end of its
   clause; one longer than CS_OFFLINE_TITLE_WORDS is cut before a phrase within them, unless
   the clause ended within CS_OFFLINE_TITLE_LOOK_WORDS and the cut would drop a name or two
   words that name something: then it stays whole. */
#define CS_OFFLINE_TITLE_WORDS      8
#define CS_OFFLINE_TITLE_LOOK_WORDS 10
#define CS_OFFLINE_TITLE_BYTES      400

/* A title for the sentence s[0..n), from after its first `skip` words (tokens; for a
   restatement, the words of the restating phrase). *content is the number of its words that
   name something: 0 means the sentence was nothing but phrasing ("It'd be nice to have.",
   "As well."), and the title is then the sentence's beginning. A malloc'd string the caller
   frees, NULL when memory runs out. */
char *cs_offline_title(const char *s, size_t n, size_t skip, cs_offline_title_kind_t kind,
                       size_t *content);

/* The key under which near-duplicate titles meet: stems of the words that are no stop words
   (the lower-cased title when nothing else is left). Malloc'd; NULL when memory runs out. */
char *cs_offline_title_key(const char *title);

/* Does the title name an outcome rather than a thing ("Faster response times")? */
bool cs_offline_title_outcome(const char *title);

#endif
