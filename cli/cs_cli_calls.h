/*  cs_cli_calls: `callsift calls`, a workspace's calls and what became of them.

    One row per call, newest first: its date (the day in the workspace's time zone), title,
   customer, whether it was processed, how many features it is linked to, its call id (the source's
   external id) and the error that kept it unprocessed, if any, and its note: why it was stored
   without extraction (messages.extraction_note: "internal meeting: no customer spoke", "not
   extracted offline:
    ..."), if it was (both in the table on lines under the row, never cut).
    --unprocessed keeps only the calls that were not processed: the ones to look at and fetch
    again (`callsift-fetcher --reprocess`). */
#ifndef CS_CLI_CALLS_H
#define CS_CLI_CALLS_H

#include "cs_cli_common.h"

extern const cs_option_t cs_cli_calls_options[];

/* List the calls of --workspace-id on cli->out. */
int cs_cli_calls(cs_cli_t *cli);

#endif
