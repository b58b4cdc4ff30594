/*  cs_cli_curate: `callsift feature merge|unmerge|reject|restore|rename|move|set-status|describe|
    split|history|undo`, people correcting the catalogue through cs_curate.

    Every command that changes something takes --by NAME (default: the login user) for the
    audit trail, prints one line per change saying what it did and how to undo it, and fails
    with a one-line reason (exit 1) when the input is refused: nothing is changed then.
    `feature history ID` lists the curation actions on a feature (and merges into it), oldest
    first, in the four --format choices. */
#ifndef CS_CLI_CURATE_H
#define CS_CLI_CURATE_H

#include "cs_cli_common.h"

extern const cs_option_t cs_cli_feature_merge_options[];
extern const cs_option_t cs_cli_feature_unmerge_options[];
extern const cs_option_t cs_cli_feature_reject_options[];
extern const cs_option_t cs_cli_feature_restore_options[];
extern const cs_option_t cs_cli_feature_rename_options[];
extern const cs_option_t cs_cli_feature_move_options[];
extern const cs_option_t cs_cli_feature_set_status_options[];
extern const cs_option_t cs_cli_feature_describe_options[];
extern const cs_option_t cs_cli_feature_split_options[];
extern const cs_option_t cs_cli_feature_history_options[];
extern const cs_option_t cs_cli_feature_undo_options[];

/* SOURCE_ID... --into TARGET_ID */
int cs_cli_feature_merge(cs_cli_t *cli);
/* SOURCE_ID */
int cs_cli_feature_unmerge(cs_cli_t *cli);
/* ID --reason TEXT */
int cs_cli_feature_reject(cs_cli_t *cli);
/* ID */
int cs_cli_feature_restore(cs_cli_t *cli);
/* ID --name TEXT */
int cs_cli_feature_rename(cs_cli_t *cli);
/* ID --theme NAME */
int cs_cli_feature_move(cs_cli_t *cli);
/* ID STATUS */
int cs_cli_feature_set_status(cs_cli_t *cli);
/* ID --description TEXT */
int cs_cli_feature_describe(cs_cli_t *cli);
/* ID --calls CALL_ID... [--into ID | --name TEXT] */
int cs_cli_feature_split(cs_cli_t *cli);
/* ID */
int cs_cli_feature_history(cs_cli_t *cli);
/* ACTION_ID: undo one curation action (cs_curate_undo) */
int cs_cli_feature_undo(cs_cli_t *cli);

/* The curation actions on a feature and the merges and splits into it, oldest first ($1 its
   id), and their columns: action_id, at, by, action, feature (the other feature, for a merge
   or split into it), what (one line), undone_by. */
#define CS_CLI_HISTORY_COLUMNS 7
extern const char cs_cli_history_sql[];
extern const cs_cli_column_t cs_cli_history_columns[CS_CLI_HISTORY_COLUMNS];

/* --by, else the login user (the effective user's name, else $USER), into out. 0, or -1 with
   the reason in cli->err. */
int cs_cli_by(cs_cli_t *cli, char *out, size_t outlen);

#endif
