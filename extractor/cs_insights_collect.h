/*  cs_insights_collect: the lists an insights object is built in. A collector keeps one item
    per request or bug (items with the same normalised title or quote fold into the first: the
    higher urgency or severity, the higher confidence, and what the first lacks), up to
    CS_INSIGHTS_MAX_ITEMS; a phrase list keeps strings without repeats, up to
    CS_INSIGHTS_MAX_PAINS. Used by the answer's validation and by the merge of a long call's
    chunks (cs_insights.c). */
#ifndef CS_INSIGHTS_COLLECT_H
#define CS_INSIGHTS_COLLECT_H

#include <jansson.h>

#include "cs_insights.h"

typedef struct {
    json_t *items;     /* the array being built */
    const char *level; /* "urgency" or "severity" */
    char *titles[CS_INSIGHTS_MAX_ITEMS];
    char *quotes[CS_INSIGHTS_MAX_ITEMS];
} cs_insights_collector_t;

/* What an addition did. */
enum {
    CS_INSIGHTS_ADDED = 0,
    CS_INSIGHTS_REPEAT = 1,
    CS_INSIGHTS_FULL = 2,
    CS_INSIGHTS_NOMEM = -1
};

/* Free what the collector holds (its items array included) and set items to NULL. */
void cs_insights_collector_free(cs_insights_collector_t *c);

/* Add `item` (an object with a string title; the reference is taken, whatever happens):
   CS_INSIGHTS_ADDED, _REPEAT (folded into an earlier item), _FULL (dropped), or _NOMEM. */
int cs_insights_collect(cs_insights_collector_t *c, json_t *item);

/* A list of strings without repeats (normalised) and with a cap. `keys` are owned. */
typedef struct {
    json_t *items;
    char *keys[CS_INSIGHTS_MAX_PAINS];
} cs_insights_phrases_t;

/* Free the list's keys and items, and set items to NULL. */
void cs_insights_phrases_free(cs_insights_phrases_t *p);

/* Add `text` (clean, borrowed). Same return values as cs_insights_collect. */
int cs_insights_phrases_add(cs_insights_phrases_t *p, const char *text);

#endif
