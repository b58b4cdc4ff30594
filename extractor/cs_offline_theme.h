/*  cs_offline_theme: the theme of a request by similarity to each theme's name and description.

    A text becomes a weighted set of features:
      - the stems of its words (stop words, one-letter words and digits left out);
      - the concept families its words name, from a small built-in vocabulary of product words
        (integrations, reporting, AI, inbox and collaboration, localisation, security and
        admin, mobile, notifications, billing, search, workflow, import and export): "sync
        with Salesforce" and a theme described as "Connections to CRM" share the family
        integrations. A theme's own name and description are read the same way, so a
        workspace's own themes meet the families their words name;
      - for a word no family knows, its character trigrams, weighted low: "integrating" still
        meets "integrations", "calendars" meets "calendar".
    A theme's features weigh 2 in its name and 1 in its description, each times how rare the
    feature is among the workspace's themes; a request's weigh 2 in its title and 1 in its
    sentence. The similarity is the cosine of the two weightings. The request goes to the most
    similar theme, or to the default theme when no similarity reaches
    CS_OFFLINE_THEME_FLOOR. Deterministic; the work is bounded by CS_OFFLINE_THEME_MAX_TEXT
    bytes of text and CS_OFFLINE_THEME_MAX_FEATURES features per text. */
#ifndef CS_OFFLINE_THEME_H
#define CS_OFFLINE_THEME_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Below this similarity a request is the default theme's. Chosen on the development data
   (samples/truth.json's request sentences with the demo themes, and requests that fit none of
   them: tests/unit/test_offline_theme.c). */
#define CS_OFFLINE_THEME_FLOOR 0.04
/* At most this many bytes of a text (a sentence, a title, a name, a description) are read. */
#define CS_OFFLINE_THEME_MAX_TEXT 4096
/* At most this many distinct features per text; the rest are ignored. */
#define CS_OFFLINE_THEME_MAX_FEATURES 512

/* A weighted feature set (owned arrays, sorted by id). */
typedef struct {
    uint32_t *id;
    double *w;
    size_t count, cap;
} cs_offline_features_t;

typedef struct {
    const char *name;           /* borrowed from the themes array */
    cs_offline_features_t feat; /* name and description, weighted */
    double norm;                /* Euclidean norm of feat.w with the rarity weights */
} cs_offline_theme_t;

typedef struct {
    cs_offline_theme_t *theme; /* the themes that are not the default, owned */
    size_t count;
    const char *fallback; /* the default theme's name, borrowed */
} cs_offline_themes_t;

/* The features of `themes` (borrowed: an array of {name, description, is_default}, or anything
   else for none) into *th. The default theme is the first with is_default true, else
   CS_DEFAULT_THEME_NAME; themes without a name are skipped. *th borrows names from `themes`
   and must not outlive it; the caller frees it with cs_offline_themes_free, also after a
   failure. 0, or -1 when memory runs out. */
int cs_offline_themes_load(const json_t *themes, cs_offline_themes_t *th);

/* Free what *th owns and zero it. A zeroed *th is fine. */
void cs_offline_themes_free(cs_offline_themes_t *th);

/* The theme of a request: its sentence text[0..n) and its title (NUL-terminated, NULL for
   none), which weighs more. The most similar theme at CS_OFFLINE_THEME_FLOOR or above, else
   (also when memory runs out) the default theme. Ties go to the first. Borrowed from the
   themes array. */
const char *cs_offline_themes_pick(const cs_offline_themes_t *th, const char *text, size_t n,
                                   const char *title);

/* The similarity (0..1) of the request to each theme, into sim[0..th->count) in the order of
   th->theme: what cs_offline_themes_pick compares with the floor. 0, or -1 when memory runs
   out. */
int cs_offline_themes_similarity(const cs_offline_themes_t *th, const char *text, size_t n,
                                 const char *title, double *sim);

#endif
