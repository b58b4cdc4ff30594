/*  cs_cli_review_queue: what the review commands (cs_cli_review.c: list, approve, reject;
    cs_cli_review_stats.c: stats, simulate) share: the SQL that finds the review items, the
    filters every command takes, and a few helpers. Internal to `callsift review`. */
#ifndef CS_CLI_REVIEW_QUEUE_H
#define CS_CLI_REVIEW_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

#include "cs_cli_common.h"

/* Label rl's curation action was undone (`callsift feature undo` put the mention back): it
   no longer counts, and its item waits for review again. */
#define RL_UNDONE                                                                                  \
    " EXISTS (SELECT 1 FROM curation_actions ca WHERE ca.id = rl.curation_action_id"               \
    " AND ca.undone_by IS NOT NULL)"

/* `item`: the review items of the decisions that SCOPE (a condition on md) keeps, labelled or
   not, with $2 the request threshold and $3 the match threshold (real, compared as the columns'
   type so that a stored 0.5 meets a threshold of 0.5). `home` is the end of a decided feature's
   merged_into chain, where its mentions live now; the mention is the call's link there (or
   still to the decided feature). confidence is the item's: the mention's for a request, the
   decision's for a match. */
#define ITEMS_CTE(SCOPE)                                                                           \
    "WITH RECURSIVE chain (start_id, id, depth) AS ("                                              \
    " SELECT f.id, f.id, 0 FROM features f"                                                        \
    "  WHERE f.id IN (SELECT md.feature_id FROM match_decisions md WHERE " SCOPE ")"               \
    " UNION ALL SELECT c.start_id, f.merged_into, c.depth + 1 FROM chain c"                        \
    "  JOIN features f ON f.id = c.id WHERE f.merged_into IS NOT NULL AND c.depth < 64),"          \
    " home AS (SELECT DISTINCT ON (start_id) start_id, id FROM chain"                              \
    "  ORDER BY start_id, depth DESC),"                                                            \
    " item AS (SELECT md.id, k.kind, k.o, md.workspace_id, md.method, md.action, md.message_id,"   \
    "  h.id AS feature_id, fm.feature_id AS linked_id, fm.quote,"                                  \
    "  CASE k.kind WHEN 'request' THEN fm.confidence ELSE md.confidence END AS confidence,"        \
    "  rl.verdict"                                                                                 \
    " FROM match_decisions md JOIN home h ON h.start_id = md.feature_id"                           \
    " JOIN features cur ON cur.id = h.id"                                                          \
    " CROSS JOIN LATERAL (SELECT x.feature_id, x.confidence, x.quote FROM feature_messages x"      \
    "  WHERE x.message_id = md.message_id AND x.feature_id IN (md.feature_id, h.id)"               \
    "  ORDER BY x.feature_id = h.id DESC LIMIT 1) fm"                                              \
    " CROSS JOIN (VALUES ('request', 1), ('match', 2)) k (kind, o)"                                \
    " LEFT JOIN review_labels rl ON rl.decision_id = md.id AND rl.kind = k.kind"                   \
    "  AND NOT" RL_UNDONE " WHERE " SCOPE " AND cur.status <> 'rejected' AND CASE k.kind"          \
    "  WHEN 'request' THEN fm.confidence < $2::real"                                               \
    "  ELSE md.method <> 'exact' AND md.confidence < $3::real END)"

#define WORKSPACE_SCOPE "md.workspace_id = $1"

/* The pending items of workspace $1 that the filters keep, JOINS added to the item i and its
   call m: $4 kind, $5 method, $6 action, $7 the call's external id, $8 and $9 the band (each
   NULL: any). */
#define PENDING_FROM(JOINS)                                                                        \
    " FROM item i JOIN messages m ON m.id = i.message_id" JOINS                                    \
    " WHERE i.verdict IS NULL AND ($4::text IS NULL OR i.kind = $4::text)"                         \
    " AND ($5::text IS NULL OR i.method = $5::text)"                                               \
    " AND ($6::text IS NULL OR i.action = $6::text)"                                               \
    " AND ($7::text IS NULL OR m.external_id = $7::text)"                                          \
    " AND ($8::real IS NULL OR (i.confidence >= $8::real"                                          \
    "  AND (i.confidence < $9::real OR ($9::real >= 1 AND i.confidence <= $9::real))))"

/* The list: PENDING_FROM's parameters, $10 true for JSON (the scores and candidates as JSON,
   the reasoning whole), $11 the number of rows (0: all). The candidates are the first three,
   each with its fused score (else its vector score); the reasoning is made one line and cut at
   200 characters. IDS is "" (for people) or "m.external_id, i.feature_id," (for programs). */
#define LIST_SQL(IDS)                                                                              \
    ITEMS_CTE(WORKSPACE_SCOPE)                                                                     \
    " SELECT i.id, i.kind, i.method, i.action, trim_scale(round(i.confidence::numeric, 4)),"       \
    " f.name, cu.name, cu.mrr, coalesce(nullif(m.message_metadata->>'title', ''), "                \
    "m.external_id)," IDS " i.quote,"                                                              \
    " CASE WHEN $10::boolean THEN md.scores::text ELSE"                                            \
    "  (SELECT string_agg(u.k || ' ' || round((md.scores->>u.k)::numeric, 2), '  ' ORDER BY u.o)"  \
    "   FROM unnest(ARRAY['vector', 'lexical', 'fused', 'judge', 'margin'])"                       \
    "    WITH ORDINALITY u(k, o) WHERE jsonb_typeof(md.scores->u.k) = 'number') END,"              \
    " CASE WHEN $10::boolean THEN"                                                                 \
    "  (SELECT coalesce(jsonb_agg(c.value ORDER BY c.ordinality), '[]'::jsonb)::text"              \
    "   FROM jsonb_array_elements(CASE WHEN jsonb_typeof(md.candidates) = 'array'"                 \
    "    THEN md.candidates ELSE '[]' END) WITH ORDINALITY c WHERE c.ordinality <= 3)"             \
    "  ELSE (SELECT string_agg(concat(c.value->>'name', ' (' || round(coalesce("                   \
    "    CASE WHEN jsonb_typeof(c.value->'fused') = 'number' THEN (c.value->>'fused')::numeric "   \
    "END,"                                                                                         \
    "    CASE WHEN jsonb_typeof(c.value->'similarity') = 'number'"                                 \
    "     THEN (c.value->>'similarity')::numeric END), 2) || ')'), ', ' ORDER BY c.ordinality)"    \
    "   FROM jsonb_array_elements(CASE WHEN jsonb_typeof(md.candidates) = 'array'"                 \
    "    THEN md.candidates ELSE '[]' END) WITH ORDINALITY c"                                      \
    "   WHERE c.ordinality <= 3 AND jsonb_typeof(c.value) = 'object') END,"                        \
    " CASE WHEN $10::boolean THEN md.reasoning"                                                    \
    "  WHEN length(r.line) > 200 THEN left(r.line, 197) || '...' ELSE r.line END" PENDING_FROM(    \
        " JOIN match_decisions md ON md.id = i.id JOIN features f ON f.id = i.feature_id"          \
        " LEFT JOIN customers cu ON cu.id = m.customer_id"                                         \
        " CROSS JOIN LATERAL (SELECT btrim(regexp_replace(md.reasoning, '[[:space:]]+', ' ', "     \
        "'g'))"                                                                                    \
        "  AS line) r") " ORDER BY coalesce(cu.mrr, 0) DESC, i.confidence, i.id, i.o"              \
                        " LIMIT nullif($11::bigint, 0)"

/* The filters and thresholds of a command, checked before anything is dialled. */
typedef struct {
    bool have_ws;
    char ws[CS_UUID_LEN];
    const char *kind, *method, *action, *call; /* NULL: any */
    bool band;
    double lo, hi;
    char lo_text[32], hi_text[32]; /* the band, as parameters */
    double min_confidence, match_confidence;
    char min_text[32], match_text[32]; /* the thresholds, as parameters */
} cs_review_filter_t;

/* Option `name`, when set, must be one of `allowed` (n of them): 0, or -1 with the reason in
   cli->err; *out is its value (NULL when not set). */
int cs_review_one_of(cs_cli_t *cli, const char *name, const char *const *allowed, size_t n,
                     const char **out);

/* --min-confidence and --match-confidence into f. */
void cs_review_thresholds(cs_cli_t *cli, cs_review_filter_t *f);

/* The workspace exists, and so does --call in it: 0, or -1 with the reason in cli->err. */
int cs_review_check_scope(cs_cli_t *cli, const cs_review_filter_t *f);

/* A threshold as people read it: two decimals ("0.50"), more when it has more. */
void cs_review_number_text(double t, char *out, size_t outlen);

/* one when n is 1, else many. */
const char *cs_review_plural(long long n, const char *one, const char *many);

#endif
