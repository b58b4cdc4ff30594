/*  cs_cli_review: `callsift review list|approve|reject|stats|simulate`, the review queue.

    A review item is a match decision (match_decisions.id is the item id) whose mention is
    uncertain, asking one of two questions:
      request  is this a feature request at all? The mention's confidence (how sure the
               extractor was, feature_messages.confidence) is below --min-confidence (the
               report's threshold: below it the mention does not count in the report);
      match    is this the right feature (or rightly a new one)? The decision is not by exact
               name and its confidence is below --match-confidence.
    A decision can ask both: two items, told apart by their kind. The mention is the link of
    the decision's call to its feature, or to the feature that one was merged into (the end of
    its merged_into chain). An item whose feature was deleted or rejected, or whose mention is no
    longer linked there (detached, split off), is not for review. An item with a label
    (review_labels) has left the queue; giving its id again changes its verdict. A label whose
    curation action was undone (`callsift feature undo` put the mention back) no longer counts:
    the item waits again, and stats leave the label out.

    list      the pending items, the most valuable first: the customer's MRR (highest first),
              then the machine's confidence (least sure first), then the item id (request before
              match). Filters --kind, --method, --action, --call (the call's external id) and
              --band LO:HI (the item's confidence, LO <= c < HI, HI = 1 inclusive) are the ones
              approve and reject take, so a list shows what a bulk label would touch. --limit N
              rows (0: all).
    approve   label items as right: a review_labels row (verdict approve) and nothing else.
    reject    label items as wrong (verdict reject). A request item's mention is taken off its
              feature (cs_curate_detach: the link is deleted, the feature's counts follow, and a
              curation action detach keeps the link in its undo data); the label keeps the
              action's id. A match item is only labelled, and the output prints the
              `callsift feature split` or `feature merge` command that would correct it.
    Items are named by id (ITEM_ID..., --kind picks one question of a decision that asks two;
    without it approve labels both and reject refuses), or in bulk with --workspace-id and
    --band plus the filters: the pending items list would show, all of them. Every label copies
    the decision's method and action and the item's confidence. Every input is checked before
    anything is written: an unknown id, an item of another workspace (when --workspace-id is
    given), an item that is not for review, a bad --band or filter is a one-line error and
    nothing is written. The labels that only label are written in one transaction with the
    reading that chose the items; then each rejected request is taken off by cs_curate_detach,
    in a transaction of its own (that is cs_curate's contract), and labelled with its action.
    A database failure during those leaves the ones before it done and says how many.
    --by NAME (CALLSIFT_BY; default: the login user) is recorded on labels and curation
    actions.
    stats     per method, kind and confidence band (0-0.5, 0.5-0.7, 0.7-0.85, 0.85-0.95,
              0.95-1), from the stored labels (the confidence each label copied): labelled,
              approved, rejected and agreement (approved / labelled: the measured precision of
              the machine in that band), and the items pending in that band; a total row.
    simulate  how many stored decisions would flip at link threshold --confidence X, from the
              scores each decision kept (match_decisions.scores): a link whose deciding score
              (the judge's for method llm, else fused, else the vector score) is below X would
              have made a new feature; a create whose best candidate's score (fused, else vector)
              is at least X would have linked. Exact-name decisions never flip; a decision that
              kept no score is counted as unscored. Among the flipped decisions with a match
              label, the labels that agree with the flip are the rejected ones.

    Every listing takes --format table|csv|json|markdown (cs_cli_table.h). */
#ifndef CS_CLI_REVIEW_H
#define CS_CLI_REVIEW_H

#include "cs_cli_common.h"

/* --match-confidence's default (CALLSIFT_REVIEW_CONFIDENCE): a non-exact decision the matcher
   was less sure of than this waits for a person. */
#define CS_CLI_REVIEW_MATCH_CONFIDENCE "0.9"

extern const cs_option_t cs_cli_review_list_options[];
extern const cs_option_t cs_cli_review_label_options[]; /* approve and reject */
extern const cs_option_t cs_cli_review_stats_options[];
extern const cs_option_t cs_cli_review_simulate_options[];

/* The commands: 0, or -1 with the reason in cli->err. approve and reject read their item ids
   from the positional arguments. */
int cs_cli_review_list(cs_cli_t *cli);
int cs_cli_review_approve(cs_cli_t *cli);
int cs_cli_review_reject(cs_cli_t *cli);
int cs_cli_review_stats(cs_cli_t *cli);
int cs_cli_review_simulate(cs_cli_t *cli);

#endif
