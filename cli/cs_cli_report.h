/*  cs_cli_report: `callsift report`, the workspace's features ranked by demand.

    One row per feature with at least one mention in scope, ranked by mentions, then distinct
    customers, then their total MRR, then name. A mention is a call linked to the feature
    (feature_messages); its customers are the calls' customers, each counted once, and so is
    their MRR however many calls they had. Urgency is the highest any call asked for
    (features.urgency). The quotes are the three most recent non-empty ones, with the title and
    date of their call.

    Curation decides what is shown: a merged-away feature never is (its mentions moved to the
    feature it was merged into), and a rejected one only when asked for. --status LIST keeps
    the features of the statuses listed, separated by commas (new, under-review, planned,
    shipped, rejected; default all but rejected; `--status rejected` shows the rejected ones);
    an unknown status is an error. The summary and the count of mentions waiting for review
    cover the features shown. --theme NAME keeps the features of one theme (any case); --since
   YYYY-MM-DD counts only calls from that day on (00:00 in the workspace's time zone), so
   mentions, customers, MRR, first/last mentioned and quotes are all of that period and features
   without a mention in it are left out; --top N keeps the first N rows (0: all).

    Dates are days in the workspace's time zone (workspaces.time_zone, cs_cli_workspace.h): a
   call at 20:00 UTC in a workspace in Asia/Kolkata is on the next day. When the zone is not UTC
   the summary line says it ("; dates in Asia/Kolkata").

    Confidence: each mention carries how sure the extractor was that it is a feature request
    (feature_messages.confidence, 0..1; NULL when not known, which counts as sure). Only the
    mentions at or above --min-confidence (default CS_CLI_REPORT_MIN_CONFIDENCE, or
    CALLSIFT_MIN_CONFIDENCE) count: ranking, mentions, customers, MRR, first/last mentioned and
    quotes all use them alone, and a feature without one is left out. The others wait for
    review (`callsift feature show` lists every mention with its confidence): table and
    markdown end with one line saying how many, in how many features ("7 mentions below
    confidence 0.50, in 6 features, wait for review").

    Formats: table and markdown start with a one-line summary, "N features from M calls
    (K customers, $X MRR)", counted over the workspace's processed calls of the period (markdown
    puts a heading naming the workspace above it); the table shows the quotes on lines under
    each feature. csv and json add the feature's id (for `callsift feature show`); json gives
    the quotes as objects {quote, speaker, call, date, customer, confidence}, csv as one field
    of lines. json is an array of the features; with --json-object it is one object
    {min_confidence, below_threshold: {mentions, features}, features: [...]}. */
#ifndef CS_CLI_REPORT_H
#define CS_CLI_REPORT_H

#include "cs_cli_common.h"

/* --min-confidence's default (CALLSIFT_MIN_CONFIDENCE): a mention the extractor is less sure
   of than an even chance waits for review instead of counting. */
#define CS_CLI_REPORT_MIN_CONFIDENCE "0.5"

/* The time zone of workspace $1 as an SQL expression, for `ts AT TIME ZONE` CS_REPORT_ZONE. */
#define CS_REPORT_ZONE "(SELECT wz.time_zone FROM workspaces wz WHERE wz.id = $1)"

/* The mentions in scope (the report's, and the console's Features page's): $1 workspace, $2 since
   (a date or NULL: its first instant in the workspace's time zone), $3 theme id (or NULL), $4 the
   confidence threshold, $5 the statuses shown (a text[]): a merged-away feature is never shown.
   `every` holds them all, `mention` the confident ones: a confidence of NULL (not known) or at
   least the threshold, compared as the column's type (real) so that a stored 0.7 meets a threshold
   of 0.7. */
#define CS_REPORT_MENTIONS_CTE                                                                     \
    "WITH every AS ("                                                                              \
    " SELECT fm.feature_id, fm.message_id, fm.quote, fm.speaker, fm.confidence, m.customer_id,"    \
    " m.sent_at, m.message_metadata->>'title' AS title, cu.name AS customer,"                      \
    " (fm.confidence IS NULL OR fm.confidence >= $4::real) AS confident"                           \
    " FROM features f"                                                                             \
    " JOIN feature_messages fm ON fm.feature_id = f.id"                                            \
    " JOIN messages m ON m.id = fm.message_id"                                                     \
    " LEFT JOIN customers cu ON cu.id = m.customer_id"                                             \
    " WHERE f.workspace_id = $1"                                                                   \
    " AND ($2::date IS NULL OR m.sent_at >= ($2::date::timestamp AT TIME ZONE " CS_REPORT_ZONE     \
    "))"                                                                                           \
    " AND ($3::uuid IS NULL OR f.theme_id = $3::uuid)"                                             \
    " AND f.merged_into IS NULL AND f.status = ANY($5::text[])),"                                  \
    " mention AS (SELECT * FROM every WHERE confident)"

extern const cs_option_t cs_cli_report_options[];

/* Print the report of --workspace-id on cli->out. */
int cs_cli_report(cs_cli_t *cli);

#endif
