/*  cs_cli_theme: `callsift theme add` and `callsift theme list`.

    Themes are what the extractor files feature requests under. Adding one NOTIFYs
    callsift_themes with the workspace id in the same transaction, so running extractors reload
    the workspace's themes as soon as it is committed. */
#ifndef CS_CLI_THEME_H
#define CS_CLI_THEME_H

#include "cs_cli_common.h"

extern const cs_option_t cs_cli_theme_add_options[];
extern const cs_option_t cs_cli_theme_list_options[];

/* Add theme --name (unique in its workspace, regardless of case) with an optional
   --description; print only the new id on cli->out. */
int cs_cli_theme_add(cs_cli_t *cli);

/* The workspace's themes, the default first, with how many features each holds. */
int cs_cli_theme_list(cs_cli_t *cli);

#endif
