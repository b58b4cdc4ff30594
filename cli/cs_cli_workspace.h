/*  cs_cli_workspace: `callsift workspace create` and `callsift workspace list`.

    A workspace is born complete: with its default theme (CS_DEFAULT_THEME_NAME of cs_record.h,
    where the extractor files requests that fit no other theme) and its Gong integration, in one
    transaction. */
#ifndef CS_CLI_WORKSPACE_H
#define CS_CLI_WORKSPACE_H

#include "cs_cli_common.h"

extern const cs_option_t cs_cli_workspace_create_options[];
extern const cs_option_t cs_cli_workspace_list_options[];

/* Create the workspace --name (unique regardless of case) with its default theme and
   integration; print only the new id on cli->out, for scripts to capture. */
int cs_cli_workspace_create(cs_cli_t *cli);

/* Every workspace with its counts of themes, customers, calls and features, oldest first. */
int cs_cli_workspace_list(cs_cli_t *cli);

#endif
