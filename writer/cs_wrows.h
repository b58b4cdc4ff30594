/*  cs_wrows: the rows of a call's decided feature requests, written by one statement.

    cs_writer decides, request by request, where each one goes (the feature, created or
    followed along its merged_into chain) and adds its rows here; cs_wrows_write then stores
    them all in one prepared statement, whatever the number of requests:
      - the feature_messages links (one per feature: two requests of the call linked to one
        feature are one mention, with the higher confidence, NULL counting as confident, and
        merged_from NULL when one of them named the feature itself; quote and speaker are the
        first request's), ON CONFLICT (feature_id, message_id) as a second statement would;
      - the match_decisions audit rows in the order they were added, ON CONFLICT
        (message_id, feature_index) DO NOTHING;
      - each linked feature: mention_count + 1 (its one link to the message), first_mentioned
        and last_mentioned widened to the message's sent_at, updated_at, and its urgency raised
        to the highest of the requests' when that is higher (low < medium < high < critical;
        an unknown urgency changes nothing).
    The rows go to PostgreSQL as arrays (text array literals, each element quoted, NULL for a
    missing value), unnested in the statement: still one parameterised statement, prepared
    once per connection. The caller has locked the features (cs_writer.c). */
#ifndef CS_WROWS_H
#define CS_WROWS_H

#include <stddef.h>

#include "cs_db.h"

/* One decided request. Strings are borrowed for the call to cs_wrows_add only; NULL is a
   missing value (SQL NULL) where the column allows it. */
typedef struct {
    const char *feature_id;         /* the link's feature: the end of the merged_into chain */
    const char *quote;              /* may be NULL */
    const char *speaker;            /* may be NULL */
    const char *request_confidence; /* number text, or NULL (unknown) */
    const char *merged_from;        /* the merged-away feature decided on, or NULL */
    const char *urgency;            /* "low", "medium", "high", "critical" (else ignored) */
    long long index;                /* feature_index of the audit row */
    const char *chosen;             /* the audit row's feature (the one decided on) */
    const char *action;             /* "create" or "link" */
    const char *method;             /* "exact", "embedding", "llm" */
    const char *confidence;         /* number text */
    const char *similarity;         /* number text, or NULL */
    const char *reasoning;          /* text */
    const char *extracted;          /* JSON text */
    const char *candidates;         /* JSON text */
    const char *scores;             /* JSON text */
} cs_wrow_t;

typedef struct cs_wrows cs_wrows_t;

/* An empty set of rows, or NULL when out of memory. Destroy with cs_wrows_destroy. */
cs_wrows_t *cs_wrows_new(void);

/* Free the rows and set *self_p to NULL; NULL or *self_p NULL is fine. */
void cs_wrows_destroy(cs_wrows_t **self_p);

/* Add one request's rows (copied). 0, or -1 when out of memory or over the cap (a column's
   array would pass twice CS_RECORD_MAX_BYTES); the set is then unusable. */
int cs_wrows_add(cs_wrows_t *self, const cs_wrow_t *row);

/* How many rows were added. */
size_t cs_wrows_count(const cs_wrows_t *self);

/* Store the rows for message_id of workspace_id in the caller's open transaction (nothing
   when none were added). 0, or -1 with the reason in err (a failed statement: see
   cs_db_last_error_transient; or out of memory). The set is emptied either way. */
int cs_wrows_write(cs_wrows_t *self, cs_db_t *db, const char *workspace_id, const char *message_id,
                   char *err, size_t errlen);

#endif
