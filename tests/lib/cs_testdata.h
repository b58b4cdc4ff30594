/*  cs_testdata: records and workspace rows for tests, built the way the stages build them. */
#ifndef CS_TESTDATA_H
#define CS_TESTDATA_H

#include <jansson.h>

#include "cs_db.h"

/* Insert a workspace with a default theme "Uncategorized" and a theme "Integrations";
   the ids are written into ws, default_theme, theme (37 bytes each). */
void cs_testdata_workspace(cs_db_t *db, char *ws, char *default_theme, char *theme);

/* A call record of `source` "replay": external id, started_at (ISO-8601), customer name and
   domain (NULL for none), and two utterances. New reference. */
json_t *cs_testdata_call(const char *ws, const char *external_id, const char *started_at,
                         const char *customer, const char *domain);

/* Turn a call into a decision record with no decided features and empty insights. */
json_t *cs_testdata_decision(json_t *call);

/* Append an extracted feature request and its decision to a decision record:
   action "create" (feature_id derived like the matcher does) or "link" to feature_id. */
void cs_testdata_add(json_t *decision, const char *action, const char *feature_id,
                     const char *theme_id, const char *name, const char *urgency);

/* The workspace scripts/demo/demo.sh makes (named "Demo workspace", its four themes and six
   customers), made the same way: by the real `callsift` CLI (migrate included) against the
   database at database_url. Its id goes into ws (37 bytes). For tests that run the pipeline on
   samples/calls.jsonl. */
void cs_testdata_demo_workspace(const char *database_url, char *ws);

#endif
