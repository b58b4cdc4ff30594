/*  cs_cli_feature: `callsift feature show ID`, one feature and the evidence behind it.

    The parts: the feature (name, description, workspace, theme, status, urgency, mentions,
    first and last mentioned, created, and, when set, why it was rejected and what it is merged
    into); every call that mentions it, newest first (title, date,
    customer and MRR, the speaker, how sure the extractor was that it is a request (0..1,
    empty when not known) and the quote); and the newest 50 match decisions that sent a
    request to it, newest first (when, which call (its title, else its id), action, method,
    confidence, similarity, the title the extractor gave the request, the scores (vector,
    lexical, fused, judge, margin: those the decision has), the reasoning, the runner-up (the
    best candidate other than the feature decided on, with its fused score and similarity) and
    the candidates with their similarity); the features merged into it (its aliases, when it
    has any); and what people did to it (its curation history, when there is any). Days (first
    and last mentioned, a call's date, a merge's) are in the workspace's time zone; instants
    (created, decided, history) are UTC and end in Z.

    --format table prints the feature as "label  value" lines, then a table of the calls and a
    table of the decisions ("Match decisions (N)", or "(N, the newest 50 shown)"), the long
    texts (quote; scores, reasoning made one line and cut at 200 characters, runner-up,
    candidates) on lines under each row. --format json prints one object {"feature": {...},
    "calls": [...], "decisions": [...], "decisions_total": N, "aliases": [...],
    "history": [...]}, with the scores, the runner-up
    (null when there is none) and the candidates as the matcher recorded them, and the
    reasoning whole. */
#ifndef CS_CLI_FEATURE_H
#define CS_CLI_FEATURE_H

#include "cs_cli_common.h"

extern const cs_option_t cs_cli_feature_show_options[];

/* Show the feature whose id is the command's argument (or --id); "no feature with id X" when
   there is none. */
int cs_cli_feature_show(cs_cli_t *cli);

/* A feature's newest 50 match decisions (the console shows them too): $1 its id, $2 true for
   the scores, runner-up and candidates as JSON, else as text. Columns: decided, call, action,
   method, confidence, similarity, extracted title, scores, reasoning, runner-up, candidates. */
extern const char cs_cli_decisions_sql[];

#endif
