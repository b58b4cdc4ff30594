/*  cs_extract_stage: the extractor as a stage, what its main.c wires to the engine (cs_extract).

    Daemon (cs_extract_stage_daemon): the themes from PostgreSQL when --database-url is given
    (else the default theme), call records PULLed from --calls-endpoint through the shared loop
    (cs_stage_run), each submitted with its workspace's themes, extractions PUSHed to
    --extractions-endpoint (cs_extract_stage_push, waiting out a slow matcher, with the
    transcript rendered once as "transcript_text": cs_transcript.h); running totals
    as metrics; a permanent error of the LLM or the database stops it with exit status 3. The
    database also gives the engine the workspaces' monthly LLM budgets. Calls held for a
    budget go on like failed ones (cause budget) and are counted in the closing line.

    One-shot (cs_extract_stage_oneshot): JSON lines through cs_jsonl, each a Gong-shaped call,
    a call record, or {"transcript":[{"speaker","affiliation","text"}],"themes":[...],
    "customer":{...}}; one insights object (or {"error"}) per line, in input order. Lines
    without themes get the --workspace-id's themes from the database, else the default theme.

    Ownership: the struct is the caller's, zeroed, with cfg and ex set; the engine
    is created with cs_extract_stage_push (daemon) or cs_extract_stage_keep (one-shot) and the
    struct as its callback argument, destroyed before cs_extract_stage_clear releases what the
    stage made (socket, themes, database connection). */
#ifndef CS_EXTRACT_STAGE_H
#define CS_EXTRACT_STAGE_H

#include <jansson.h>
#include <stdio.h>

#include "cs_config.h"
#include "cs_db.h"
#include "cs_extract.h"
#include "cs_jsonl.h"
#include "cs_stage.h"
#include "cs_themes.h"

typedef struct {
    const cs_config_t *cfg; /* borrowed: the extractor's options */
    cs_extract_t *ex;       /* borrowed: the engine */
    /* private */
    cs_db_t *db;
    cs_themes_t *themes;
    cs_stage_out_t out;
    cs_jsonl_t jsonl;
} cs_extract_stage_t;

/* Engine callbacks (cs_extract_done_fn) with the stage as arg: send the extraction on (an
   error cut short by a stop is dropped: the fetcher resends the call), or keep it as the
   answer of its one-shot line. Both take the extraction. */
void cs_extract_stage_push(void *stage, json_t *extraction);
void cs_extract_stage_keep(void *stage, json_t *extraction);

/* Run the daemon until SIGTERM/SIGINT or a permanent error, the engine holding at most
   max_pending calls. Returns the exit status (0, 1, or CS_EXIT_PERMANENT). */
int cs_extract_stage_daemon(cs_extract_stage_t *st, int max_pending);

/* The one-shot mode's exit status when some lines were not extracted because --budget-usd was
   spent (their answers are {"error": "held for the LLM budget: ..."}). */
#define CS_EXIT_BUDGET 4

/* Run the one-shot mode from in to out. Returns the exit status: 0, 1 when the input could not
   be read through, CS_EXIT_PERMANENT when the LLM refuses every request, CS_EXIT_BUDGET when
   --budget-usd held some lines. */
int cs_extract_stage_oneshot(cs_extract_stage_t *st, FILE *in, FILE *out);

/* Release what the stage made; the struct can be zeroed and used again. Can't fail. */
void cs_extract_stage_clear(cs_extract_stage_t *st);

#endif
