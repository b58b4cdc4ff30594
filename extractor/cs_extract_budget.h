/*  cs_extract_budget: the extractor's spending caps on the LLM, checked before a call's LLM work
    starts (cs_extract_submit).

    Two caps, either of which holds a call:
      - the run's: --budget-usd, the most this process spends (the engine's cost so far);
      - the workspace's month: workspaces.monthly_budget_usd (migration 010, `callsift
        workspace set --monthly-budget-usd`), against what the workspace spent this calendar
        month in its time zone: the writer adds each stored call's cost to llm_spend (one row
        per workspace and day), and this process adds what it spent since it first looked,
        because its latest calls are still on their way to the writer.
    A call is held when what is spent has reached the cap (spent >= cap): a cap of 0 holds
    every call. Requests already in flight are not stopped, so a cap can be passed by what
    the calls in flight cost (at most --concurrency requests' worth per extractor, times the
    extractors sharing a workspace).

    The month's figure is read from PostgreSQL at every check (one small query per call that
    would go to the LLM), so a raised budget takes effect at the next call. When the database
    does not answer, the last figures read stand; a workspace never read is not held (the LLM
    budget must not stop the pipeline for a database hiccup; a warning says so). */
#ifndef CS_EXTRACT_BUDGET_H
#define CS_EXTRACT_BUDGET_H

#include <stdbool.h>
#include <stddef.h>

#include "cs_db.h"

typedef struct cs_budget cs_budget_t;

typedef enum {
    CS_BUDGET_GO = 0, /* under both caps */
    CS_BUDGET_RUN,    /* this run's --budget-usd is spent */
    CS_BUDGET_MONTH,  /* the workspace's monthly budget is spent */
} cs_budget_verdict_t;

/* The decision itself: true when `spent` has reached `cap` (cap < 0, or NaN: no cap). */
bool cs_budget_reached(double cap, double spent);

/* A new set of caps: run_usd the run's (<= 0: none), db (borrowed, may be NULL: no monthly
   budgets; set later with cs_budget_set_db) where the monthly budgets are. NULL when out of
   memory. */
cs_budget_t *cs_budget_new(double run_usd, cs_db_t *db);
void cs_budget_destroy(cs_budget_t **self_p);

/* Where the monthly budgets are read from (borrowed; NULL: none). */
void cs_budget_set_db(cs_budget_t *self, cs_db_t *db);

/* May a call of `workspace_id` start LLM work, with `run_spent` USD spent by this run so far?
   When not, `why` (whylen bytes) says which cap, its amount and what is spent, and how the
   call comes back. */
cs_budget_verdict_t cs_budget_check(cs_budget_t *self, const char *workspace_id, double run_spent,
                                    char *why, size_t whylen);

/* This process spent `usd` on a call of `workspace_id` (counted towards its month until the
   writer's figures include it). */
void cs_budget_spent(cs_budget_t *self, const char *workspace_id, double usd);

#endif
