/*  cs_offline_theme: the theme of a request by word overlap. A text's terms are the stems of
    its words (stop words and one-letter words left out) and the tags of the concepts its words
    name (cs_offline_words_concepts), so that "sync with Salesforce" meets a theme described
    as "integrations with CRM". */
#ifndef CS_OFFLINE_THEME_H
#define CS_OFFLINE_THEME_H

#include <stddef.h>

#include <jansson.h>

/* A set of terms, each once (owned). */
typedef struct {
    char **term;
    size_t count, cap;
} cs_offline_terms_t;

typedef struct {
    const char *name; /* borrowed from the themes array */
    cs_offline_terms_t in_name, in_description;
} cs_offline_theme_t;

typedef struct {
    cs_offline_theme_t *theme; /* the themes that are not the default, owned */
    size_t count;
    const char *fallback; /* the default theme's name, borrowed */
} cs_offline_themes_t;

/* The terms of `themes` (borrowed: an array of {name, description, is_default}, or anything
   else for none) into *th. The default theme is the first with is_default true, else
   CS_DEFAULT_THEME_NAME; themes without a name are skipped. *th borrows names from `themes`
   and must not outlive it; the caller frees it with cs_offline_themes_free, also after a
   failure. 0, or -1 when memory runs out. */
int cs_offline_themes_load(const json_t *themes, cs_offline_themes_t *th);

/* Free what *th owns and zero it. */
void cs_offline_themes_free(cs_offline_themes_t *th);

/* The theme whose name and description share the most terms with text[0..n): a term in the
   name counts 2, in the description 1; no shared term (or out of memory) gives the default
   theme. Ties go to the first. Borrowed from the themes array. */
const char *cs_offline_themes_pick(const cs_offline_themes_t *th, const char *text, size_t n);

#endif
