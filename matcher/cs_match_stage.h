/*  cs_match_stage: the matcher as a stage, what its main.c wires to the engine (cs_match).

    Daemon (cs_match_stage_daemon): the catalogue from PostgreSQL (--database-url, required),
    extraction records PULLed on --extractions-endpoint through the shared loop (cs_stage_run),
    each decided against its workspace's catalogue (a workspace that does not exist: dropped
    and counted refused), decisions PUSHed on --decisions-endpoint (cs_match_stage_push,
    waiting out a slow or absent writer); running totals as metrics; a permanent error of the
    LLM or the database stops it with exit status 3.

    One-shot (cs_match_stage_oneshot), the seed's find_matching_feature: JSON lines through
    cs_jsonl, each {"new": {"title", "description"}, "existing": [{"id", "name",
    "description"}]}; one {"is_duplicate", "matching_feature_id", "confidence", "reasoning",
    "method", "tokens_used", "candidates"} (or {"error"}) per line, in input order.

    Ownership: the struct is the caller's, zeroed, with cfg and m set; the engine is created
    with cs_match_stage_push (daemon) or cs_match_stage_keep (one-shot) and the struct as its
    callback argument, destroyed before cs_match_stage_clear releases what the stage made
    (catalogues of one-shot lines, socket, catalogue listener, database connection). */
#ifndef CS_MATCH_STAGE_H
#define CS_MATCH_STAGE_H

#include <jansson.h>
#include <stdio.h>

#include "cs_catalog.h"
#include "cs_config.h"
#include "cs_db.h"
#include "cs_jsonl.h"
#include "cs_match.h"
#include "cs_matchdb.h"
#include "cs_stage.h"

typedef struct {
    const cs_config_t *cfg; /* borrowed: the matcher's options */
    cs_match_t *m;          /* borrowed: the engine */
    /* private */
    cs_db_t *db;
    cs_matchdb_t *mdb;
    cs_stage_out_t out;
    cs_jsonl_t jsonl;
    cs_catalog_t **catalogs; /* one-shot: by line, freed when its answer is in */
    size_t ncatalogs, catalogs_cap;
} cs_match_stage_t;

/* Engine callbacks (cs_match_done_fn) with the stage as arg: send the decision on, or keep it
   as the answer of its one-shot line. Both take the decision. */
void cs_match_stage_push(void *stage, json_t *decision, long tokens);
void cs_match_stage_keep(void *stage, json_t *decision, long tokens);

/* Run the daemon until SIGTERM/SIGINT or a permanent error. Returns the exit status: 0, 1, 2
   without --database-url (said on stderr), or CS_EXIT_PERMANENT. */
int cs_match_stage_daemon(cs_match_stage_t *st);

/* Run the one-shot mode from in to out. Returns the exit status: 0, or CS_EXIT_PERMANENT when
   the LLM refuses every request. */
int cs_match_stage_oneshot(cs_match_stage_t *st, FILE *in, FILE *out);

/* Release what the stage made; the struct can be zeroed and used again. Can't fail. */
void cs_match_stage_clear(cs_match_stage_t *st);

#endif
