#include "cs_writer.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_log.h"
#include "cs_record.h"
#include "cs_transcript.h"
#include "cs_util.h"
#include "cs_uuid.h"
#include "cs_wmerge.h"
#include "cs_wrows.h"

const char *cs_commit_status_name(cs_commit_status_t status)
{
    switch (status) {
    case CS_COMMIT_COMMITTED:
        return "committed";
    case CS_COMMIT_ALREADY:
        return "already";
    case CS_COMMIT_FAILED:
        return "failed";
    case CS_COMMIT_RETRY:
        return "retry";
    }
    return "failed";
}

/* One transaction's state: the connection, the call's ids, and the first error. */
typedef struct {
    cs_db_t *db;
    const json_t *rec;
    const char *workspace_id;
    char message_id[CS_UUID_LEN];
    char *err;
    size_t errlen;
    PGresult *locked; /* the locked features: id, workspace_id, merged_into (s_lock_features) */
    cs_wrows_t *rows; /* the decided requests' rows, written at once (cs_wrows.h) */
} tx_t;

/* Run a statement (prepared once per connection); NULL on failure (the reason in tx->err). */
static PGresult *s_exec(tx_t *tx, const cs_db_stmt_t *stmt, const char *const *params)
{
    return cs_db_exec_prepared(tx->db, stmt, params, tx->err, tx->errlen);
}

/* A failed statement: whether to retry (the caller rolls back). */
static cs_commit_status_t s_abort(tx_t *tx)
{
    return cs_db_last_error_transient(tx->db) ? CS_COMMIT_RETRY : CS_COMMIT_FAILED;
}

/* json_dumps of a value, or NULL for absent/null values. Caller frees. */
static char *s_json_text(const json_t *value)
{
    if (!value || json_is_null(value))
        return NULL;
    return json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* The decision's scores as a JSON object text holding only the keys of CS_DECISION_SCORES
   that are numbers ("{}" when there are none): other keys are dropped, so what is stored stays
   small whatever a newer matcher adds. Caller frees; NULL when out of memory. */
static char *s_scores_text(const json_t *scores)
{
    json_t *kept = json_object();
    if (!kept)
        return NULL;
    bool ok = true;
    for (const char *const *key = CS_DECISION_SCORES; ok && *key; key++) {
        const json_t *v = json_object_get(scores, *key);
        if (json_is_number(v))
            ok = json_object_set_new(kept, *key, json_real(json_number_value(v))) == 0;
    }
    /* six digits: the stored text is the number the matcher meant, not its binary expansion */
    char *text = ok ? json_dumps(kept, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(kept);
    return text;
}

/* The most an MRR can be: customers.mrr is numeric(14, 2). */
#define MAX_MRR 999999999999.99

/* The call's CRM MRR as text with two decimals into `out`: true when the record's customer
   carries one its CRM context gave (source not "domain": that figure is the table's own) and it
   fits the column. */
static bool s_crm_mrr(const json_t *customer, char out[32])
{
    const json_t *mrr = json_object_get(customer, "mrr");
    const char *source = cs_rec_str(customer, "source");
    if (!json_is_number(mrr) || (source && strcmp(source, "domain") == 0))
        return false;
    double v = json_number_value(mrr);
    if (!(v >= 0 && v <= MAX_MRR))
        return false;
    snprintf(out, 32, "%.2f", v);
    return true;
}

/* The customer the call was with: found by domain or name, added when new (with a name: a
   deterministic id from the workspace and the lower-cased name, its domain, and its CRM MRR
   when the call carries one). *id_out gets the id or stays "" when the call names no customer.
   The MRR policy (customers.mrr_source, mrr_as_of; README "Customers"):
     - a call without a CRM MRR never changes a customer's MRR, so an operator's figure (or
       one an earlier call gave) stays;
     - a call's CRM MRR replaces the stored one only when the call started after the stored
       figure's as-of time (an operator's: when it was set; a call's: when that call started),
       or when no figure is known; it is then stored as 'crm', as of the call's start. So a
       replayed old call never overwrites a newer figure, and the order calls arrive in does
       not change the result;
     - the MRR of a customer the fetcher found by e-mail domain (source "domain") is the
       table's own and is never written back. */
static int s_customer(tx_t *tx, char *id_out)
{
    const json_t *c = json_object_get(tx->rec, "customer");
    const char *name = cs_rec_str(c, "name");
    const char *domain = cs_rec_str(c, "domain");
    const char *started_at = cs_rec_str(tx->rec, "started_at");
    char mrr[32];
    bool has_mrr = s_crm_mrr(c, mrr);
    id_out[0] = '\0';
    if (!name && !domain)
        return 0;
    static const cs_db_stmt_t FIND = {
        "writer_customer_find",
        "SELECT id FROM customers WHERE workspace_id = $1"
        " AND (lower(domain) = lower($2) OR lower(name) = lower($3))"
        " ORDER BY (lower(domain) = lower($2)) DESC NULLS LAST LIMIT 1",
        3};
    const char *find[] = {tx->workspace_id, domain, name};
    for (int pass = 0; pass < 2 && !id_out[0]; pass++) {
        PGresult *res = s_exec(tx, &FIND, find);
        if (!res)
            return -1;
        if (PQntuples(res) == 1)
            cs_strlcpy(id_out, PQgetvalue(res, 0, 0), CS_UUID_LEN);
        PQclear(res);
        if (id_out[0] || pass == 1 || !name)
            break;
        /* Unknown customer with a name (from the CRM): add it with a deterministic id. */
        char key[512], id[CS_UUID_LEN];
        snprintf(key, sizeof key, "customer/%s/%s", tx->workspace_id, name);
        for (char *p = key; *p; p++)
            *p = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
        cs_uuid_v5(key, id);
        const char *ins[] = {id,
                             tx->workspace_id,
                             name,
                             domain,
                             has_mrr ? mrr : "0",
                             has_mrr ? "crm" : NULL,
                             has_mrr ? started_at : NULL};
        static const cs_db_stmt_t CUSTOMER_ADD = {
            "writer_customer_add",
            "INSERT INTO customers (id, workspace_id, name, domain, mrr, mrr_source,"
            " mrr_as_of) VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz)"
            " ON CONFLICT DO NOTHING",
            7};
        res = s_exec(tx, &CUSTOMER_ADD, ins);
        if (!res)
            return -1;
        PQclear(res);
    }
    if (!id_out[0] || !has_mrr)
        return 0;
    const char *upd[] = {id_out, mrr, started_at};
    static const cs_db_stmt_t CUSTOMER_MRR = {
        "writer_customer_mrr",
        "UPDATE customers SET mrr = $2, mrr_source = 'crm',"
        " mrr_as_of = $3::timestamptz WHERE id = $1"
        " AND (mrr_as_of IS NULL OR mrr_as_of < $3::timestamptz)",
        3};
    PGresult *res = s_exec(tx, &CUSTOMER_MRR, upd);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

/* Insert or refresh the message row. Returns 1 when written, 0 when an earlier delivery
   already processed it, -1 on error. */
static int s_message(tx_t *tx, const char *customer_id)
{
    const json_t *rec = tx->rec;
    const json_t *insights = json_object_get(rec, "insights");
    const json_t *flags = json_object_get(rec, "flags");
    const char *error = cs_rec_str(rec, "error");
    bool extract = !json_is_false(json_object_get(flags, "extract"));
    bool processed = extract && json_is_object(insights) && !error;

    /* the transcript twice, as the seed's data model has it: content and, added by the
       statement itself so that it is neither copied nor escaped here, transcript_text */
    char *rendered;
    size_t content_len;
    const char *content = cs_transcript_text(rec, &rendered, &content_len);
    if (!content) {
        cs_fail(tx->err, tx->errlen, "out of memory rendering the transcript");
        return -1;
    }
    json_t *meta =
        json_pack("{s:s, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}", "call_id",
                  cs_rec_str(rec, "external_id"), "title", json_object_get(rec, "title"),
                  "participants", json_object_get(rec, "participants"), "duration_seconds",
                  json_object_get(rec, "duration_seconds"), "url", json_object_get(rec, "url"),
                  "customer", json_object_get(rec, "customer"), "flags", flags, "vendor_domains",
                  json_object_get(rec, "vendor_domains"));
    char *meta_text = s_json_text(meta);
    char *insights_text = s_json_text(insights);
    char *llm_text = s_json_text(json_object_get(rec, "llm"));
    const char *params[] = {tx->message_id,
                            tx->workspace_id,
                            cs_rec_str(rec, "integration_id"),
                            customer_id[0] ? customer_id : NULL,
                            content,
                            cs_rec_str(rec, "source"),
                            cs_rec_str(rec, "external_id"),
                            cs_rec_str(rec, "started_at"),
                            processed ? "true" : "false",
                            insights_text,
                            meta_text ? meta_text : "{}",
                            llm_text,
                            error,
                            json_is_true(json_object_get(rec, "transcript_truncated")) ? "true"
                                                                                       : "false",
                            cs_rec_str(insights, "skipped")};
    static const cs_db_stmt_t MESSAGE = {
        "writer_message",
        "INSERT INTO messages AS m (id, workspace_id, integration_id, customer_id, content,"
        " source, external_id, sent_at, is_processed, processed_at, ai_insights,"
        " message_metadata, llm_usage, error, transcript_truncated, extraction_note)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz, $9::boolean,"
        " CASE WHEN $9::boolean THEN now() END, $10::jsonb,"
        " $11::jsonb || jsonb_build_object('transcript_text', $5::text), $12::jsonb, $13,"
        " $14::boolean, $15)"
        " ON CONFLICT (id) DO UPDATE SET integration_id = EXCLUDED.integration_id,"
        " customer_id = EXCLUDED.customer_id, content = EXCLUDED.content,"
        " sent_at = EXCLUDED.sent_at, is_processed = EXCLUDED.is_processed,"
        " processed_at = EXCLUDED.processed_at, ai_insights = EXCLUDED.ai_insights,"
        " message_metadata = EXCLUDED.message_metadata, llm_usage = EXCLUDED.llm_usage,"
        " error = EXCLUDED.error, transcript_truncated = EXCLUDED.transcript_truncated,"
        " extraction_note = EXCLUDED.extraction_note"
        " WHERE NOT m.is_processed"
        " RETURNING id",
        15};
    PGresult *res = s_exec(tx, &MESSAGE, params);
    int rc = res ? PQntuples(res) == 1 : -1;
    PQclear(res);
    free(rendered);
    free(meta_text);
    free(insights_text);
    free(llm_text);
    json_decref(meta);
    return rc;
}

/* "{0.1,0.2}" for a real[] (or integer[]: integers print as such) parameter; NULL when there
   is no array or it is empty. Caller frees. */
static char *s_real_array(const json_t *values)
{
    if (!json_is_array(values) || json_array_size(values) == 0)
        return NULL;
    size_t cap = json_array_size(values) * 24 + 3, off = 0, i;
    char *text = malloc(cap);
    if (!text)
        return NULL;
    text[off++] = '{';
    json_t *v;
    json_array_foreach(values, i, v)
    {
        if (json_is_integer(v))
            off += (size_t)snprintf(text + off, cap - off, "%s%lld", i ? "," : "",
                                    (long long)json_integer_value(v));
        else
            off += (size_t)snprintf(text + off, cap - off, "%s%.9g", i ? "," : "",
                                    json_number_value(v));
    }
    snprintf(text + off, cap - off, "}");
    return text;
}

/* Create the feature a decision asks for under feature_id (no-op when it exists: a
   redelivery). When the theme already holds another feature of the same name (cs_name_key),
   nothing is created and feature_id becomes that feature's id: a second matcher, restarted
   before the writer committed what the first one had decided, cannot know of it. Returns 0
   (created or there), 1 (redirected), -1 (database error). */
static int s_create_feature(tx_t *tx, const json_t *d, char *feature_id)
{
    char *key = cs_name_key(cs_rec_str(d, "name"));
    if (!key) {
        cs_fail(tx->err, tx->errlen, "out of memory");
        return -1;
    }
/* the theme of the decision ($3) when it is the workspace's ($2), else the default theme */
#define THEME_SQL                                                                                  \
    "coalesce((SELECT id FROM themes WHERE id = $3::uuid AND workspace_id = $2),"                  \
    " (SELECT id FROM themes WHERE workspace_id = $2 AND is_default))"
    /* a live feature of the name first; a merged-away one only when none is live (the caller
       follows it to its target) */
    static const cs_db_stmt_t SAME = {
        "writer_feature_same_name",
        "SELECT id FROM features WHERE workspace_id = $2 AND name_key = $4 AND id <> $1"
        " AND theme_id IS NOT DISTINCT FROM " THEME_SQL
        " ORDER BY merged_into IS NOT NULL, created_at, id LIMIT 1",
        4};
    const char *same[] = {feature_id, tx->workspace_id, cs_rec_str(d, "theme_id"), key};
    PGresult *res = s_exec(tx, &SAME, same);
    if (!res) {
        free(key);
        return -1;
    }
    if (PQntuples(res) == 1) {
        cs_strlcpy(feature_id, PQgetvalue(res, 0, 0), CS_UUID_LEN);
        PQclear(res);
        free(key);
        return 1;
    }
    PQclear(res);
    char *embedding = s_real_array(json_object_get(d, "embedding"));
    char *hashes = s_real_array(json_object_get(d, "embedding_index"));
    const char *urgency = cs_rec_str(d, "urgency");
    const char *params[] = {feature_id,
                            tx->workspace_id,
                            cs_rec_str(d, "theme_id"),
                            cs_rec_str(d, "name"),
                            cs_rec_str(d, "description") ? cs_rec_str(d, "description") : "",
                            urgency ? urgency : "medium",
                            embedding,
                            cs_rec_str(tx->rec, "started_at"),
                            embedding ? hashes : NULL,
                            embedding ? cs_rec_str(d, "embedding_model") : NULL,
                            key};
    static const cs_db_stmt_t CREATE = {
        "writer_feature_create",
        "INSERT INTO features (id, workspace_id, theme_id, name, description, urgency,"
        " embedding, first_mentioned, last_mentioned, embedding_index, embedding_model,"
        " name_key) VALUES ($1, $2, " THEME_SQL ", $4, $5, $6, $7::real[], $8::timestamptz,"
        " $8::timestamptz, $9::integer[], $10, $11) ON CONFLICT (id) DO NOTHING",
        11};
#undef THEME_SQL
    res = s_exec(tx, &CREATE, params);
    free(embedding);
    free(hashes);
    free(key);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

enum {
    FEATURE_MISSING = 0,
    FEATURE_HERE = 1,
    FEATURE_DB_ERROR = -1,
    FEATURE_FOREIGN = -2,
    FEATURE_UNKNOWN = -3 /* s_resolve_locked: not among the locked rows */
};

/* The longest merged_into chain followed; a longer one (a cycle) refuses the record. */
#define MERGE_HOPS_MAX 16

/* The row of feature_id among the features s_lock_features locked, or -1. */
static int s_locked_row(const tx_t *tx, const char *feature_id)
{
    int n = tx->locked ? PQntuples(tx->locked) : 0;
    for (int i = 0; i < n; i++)
        if (strcmp(PQgetvalue(tx->locked, i, 0), feature_id) == 0)
            return i;
    return -1;
}

/* s_resolve from the rows s_lock_features locked (and read as they are once locked), without
   a statement: FEATURE_UNKNOWN when the feature or a link of its chain is not among them (not
   stored then, created by this call, or merged since the lock's snapshot); s_resolve then asks
   the database. */
static int s_resolve_locked(tx_t *tx, const char *feature_id, char *target)
{
    cs_strlcpy(target, feature_id, CS_UUID_LEN);
    for (int hop = 0; hop <= MERGE_HOPS_MAX; hop++) {
        int row = s_locked_row(tx, target);
        if (row < 0)
            return FEATURE_UNKNOWN;
        if (strcmp(PQgetvalue(tx->locked, row, 1), tx->workspace_id) != 0) {
            cs_fail(tx->err, tx->errlen, "feature %s belongs to another workspace", target);
            return FEATURE_FOREIGN;
        }
        if (PQgetisnull(tx->locked, row, 2))
            return FEATURE_HERE;
        cs_strlcpy(target, PQgetvalue(tx->locked, row, 2), CS_UUID_LEN);
    }
    cs_fail(tx->err, tx->errlen, "feature %s: its merged_into chain is longer than %d features",
            feature_id, MERGE_HOPS_MAX);
    return FEATURE_FOREIGN;
}

/* Where does the feature a link points at, or a create names, live? Locks its row (FOR
   UPDATE: curation, which merges and recounts, waits for this transaction, and this one for
   a curation action holding it, then reads the row as that action left it) and, when it is
   merged away, the rows of its merged_into chain, whose end goes into target (CS_UUID_LEN;
   feature_id itself when it is not merged). FEATURE_FOREIGN (another workspace's feature, or
   a chain that leaves the workspace or does not end) can never be written, whatever the
   retries. */
static int s_resolve(tx_t *tx, const char *feature_id, char *target)
{
    int where = s_resolve_locked(tx, feature_id, target);
    if (where != FEATURE_UNKNOWN)
        return where;
    cs_strlcpy(target, feature_id, CS_UUID_LEN);
    for (int hop = 0; hop <= MERGE_HOPS_MAX; hop++) {
        const char *params[] = {target};
        static const cs_db_stmt_t FEATURE_RESOLVE = {
            "writer_feature_resolve",
            "SELECT workspace_id, merged_into FROM features WHERE id = $1"
            " FOR UPDATE",
            1};
        PGresult *res = s_exec(tx, &FEATURE_RESOLVE, params);
        if (!res)
            return FEATURE_DB_ERROR;
        if (PQntuples(res) == 0) {
            PQclear(res);
            if (hop == 0)
                return FEATURE_MISSING;
            /* a merge target is never deleted while merged into (ON DELETE SET NULL) */
            cs_fail(tx->err, tx->errlen, "feature %s is merged into %s, which is gone", feature_id,
                    target);
            return FEATURE_FOREIGN;
        }
        if (strcmp(PQgetvalue(res, 0, 0), tx->workspace_id) != 0) {
            cs_fail(tx->err, tx->errlen, "feature %s belongs to another workspace", target);
            PQclear(res);
            return FEATURE_FOREIGN;
        }
        bool merged = !PQgetisnull(res, 0, 1);
        if (merged)
            cs_strlcpy(target, PQgetvalue(res, 0, 1), CS_UUID_LEN);
        PQclear(res);
        if (!merged)
            return FEATURE_HERE;
    }
    cs_fail(tx->err, tx->errlen, "feature %s: its merged_into chain is longer than %d features",
            feature_id, MERGE_HOPS_MAX);
    return FEATURE_FOREIGN;
}

/* Lock, in id order, the stored features the decisions name and the features they are
   merged into as this statement's snapshot sees them. Curation locks in id order too, so the
   two take their rows in the same order; only a merge committed after that snapshot makes
   s_resolve lock its target out of order, and a deadlock that this may cause is undone by
   PostgreSQL and retried (CS_COMMIT_RETRY). ids is "{id,...}". The rows (id, workspace_id,
   merged_into, each as it is once locked) stay in tx->locked for s_resolve. */
static int s_lock_features(tx_t *tx, const char *ids)
{
    char hops[16];
    snprintf(hops, sizeof hops, "%d", MERGE_HOPS_MAX);
    const char *params[] = {ids, hops};
    static const cs_db_stmt_t FEATURES_LOCK = {
        "writer_features_lock",
        "WITH RECURSIVE chain (id, merged_into, hop) AS ("
        " SELECT id, merged_into, 0 FROM features WHERE id = ANY($1::uuid[])"
        " UNION SELECT f.id, f.merged_into, c.hop + 1 FROM features f"
        " JOIN chain c ON f.id = c.merged_into WHERE c.hop < $2::int)"
        " SELECT f.id, f.workspace_id, f.merged_into FROM features f"
        " WHERE f.id IN (SELECT id FROM chain) ORDER BY f.id FOR UPDATE OF f",
        2};
    tx->locked = s_exec(tx, &FEATURES_LOCK, params);
    return tx->locked ? 0 : -1;
}

/* One decided feature request: the feature (found, or created now), then its link, urgency
   and audit row added to tx->rows, which cs_writer_store writes for all the requests at once
   (cs_wrows.h). The link goes to feature_id, the end of the merged_into chain of the feature
   decided on (with merged_from naming that feature when they differ); the audit row keeps the
   feature the matcher chose. 0, -1 (database error, out of memory) or FEATURE_FOREIGN. */
static int s_decision(tx_t *tx, const json_t *d, const json_t *requests, char *feature_id,
                      bool *missing)
{
    long long index = cs_rec_int(d, "index", 0);
    const char *action = cs_rec_str(d, "action");
    const char *reasoning = cs_rec_str(d, "reasoning");
    char note[512] = "";
    char chosen[CS_UUID_LEN];           /* the feature the audit row names */
    char merged_from[CS_UUID_LEN] = ""; /* the merged-away feature the link was redirected from */
    cs_strlcpy(chosen, cs_rec_str(d, "feature_id"), sizeof chosen);
    *missing = false;

    bool is_link = strcmp(action, "link") == 0;
    /* A create under an id that another workspace's feature has would insert nothing (ON
       CONFLICT) and link this call to that feature: refused like such a link. A create under
       an id that is stored already (a link overtook it) links to it. */
    int where = s_resolve(tx, chosen, feature_id);
    if (where == FEATURE_DB_ERROR || where == FEATURE_FOREIGN)
        return where;
    if (is_link && where == FEATURE_MISSING) {
        /* Not stored: the call that created it was lost on its way and comes again later, or
           the feature was deleted since the matcher decided. Either way the request is kept,
           as that feature under that same id, so the creating call's redelivery finds it
           instead of making a second one. */
        snprintf(note, sizeof note, " [the matched feature %s was not stored; created]", chosen);
        *missing = true;
    }
    bool linked = false;
    if (where == FEATURE_MISSING) {
        int created = s_create_feature(tx, d, feature_id);
        if (created < 0)
            return -1;
        if (created == 1) {
            /* another feature of the name: the link goes to it (or to where it is merged) */
            cs_strlcpy(chosen, feature_id, sizeof chosen);
            where = s_resolve(tx, chosen, feature_id);
            if (where == FEATURE_DB_ERROR || where == FEATURE_FOREIGN)
                return where;
            snprintf(note, sizeof note,
                     " [feature %s was not created: %s of the same name was stored already]",
                     cs_rec_str(d, "feature_id"), chosen);
            linked = true;
            *missing = false;
        }
    }
    if (strcmp(chosen, feature_id) != 0) {
        cs_strlcpy(merged_from, chosen, sizeof merged_from);
        size_t used = strlen(note);
        snprintf(note + used, sizeof note - used, " [feature %s is merged into %s; linked there]",
                 chosen, feature_id);
    }

    const json_t *request = json_array_get(requests, (size_t)index);
    const char *quote =
        cs_rec_str(d, "quote") ? cs_rec_str(d, "quote") : cs_rec_str(request, "quote");
    const char *speaker =
        cs_rec_str(d, "speaker") ? cs_rec_str(d, "speaker") : cs_rec_str(request, "speaker");
    const char *urgency = cs_rec_str(d, "urgency") ? cs_rec_str(d, "urgency") : "medium";
    /* how sure the extractor was of the request: the decision's copy, else the request's own */
    const json_t *sure = json_object_get(d, "request_confidence");
    if (!json_is_number(sure))
        sure = json_object_get(request, "confidence");
    char request_confidence[32];
    if (json_is_number(sure))
        snprintf(request_confidence, sizeof request_confidence, "%.4f", json_number_value(sure));
    char idx[24], confidence[32], similarity[32];
    snprintf(idx, sizeof idx, "%lld", index);
    snprintf(confidence, sizeof confidence, "%.4f", cs_rec_num(d, "confidence", 0.0));
    const json_t *sim = json_object_get(d, "similarity");
    if (json_is_number(sim))
        snprintf(similarity, sizeof similarity, "%.4f", json_number_value(sim));
    char *extracted = s_json_text(request);
    char *candidates = s_json_text(json_object_get(d, "candidates"));
    char *scores = s_scores_text(json_object_get(d, "scores"));
    if (!scores) {
        free(extracted);
        free(candidates);
        return cs_fail(tx->err, tx->errlen, "out of memory");
    }
    size_t rlen = strlen(reasoning ? reasoning : "") + strlen(note) + 1;
    char *why = malloc(rlen);
    if (why)
        snprintf(why, rlen, "%s%s", reasoning ? reasoning : "", note);
    cs_wrow_t row = {.feature_id = feature_id,
                     .quote = quote,
                     .speaker = speaker,
                     .request_confidence = json_is_number(sure) ? request_confidence : NULL,
                     .merged_from = merged_from[0] ? merged_from : NULL,
                     .urgency = urgency,
                     .index = index,
                     .chosen = chosen,
                     .action = linked     ? "link"
                               : *missing ? "create"
                                          : action,
                     .method = cs_rec_str(d, "method"),
                     .confidence = confidence,
                     .similarity = json_is_number(sim) ? similarity : NULL,
                     .reasoning = why,
                     .extracted = extracted ? extracted : "{}",
                     .candidates = candidates ? candidates : "[]",
                     .scores = scores};
    int rc = why ? cs_wrows_add(tx->rows, &row) : -1;
    free(extracted);
    free(candidates);
    free(scores);
    free(why);
    return rc == 0 ? 0 : cs_fail(tx->err, tx->errlen, "out of memory");
}

/* Add the call's LLM usage ("llm": cost_usd, tokens) to the workspace's spend of today in its
   time zone (llm_spend, migration 010), last in the transaction so the row lock is held
   briefly and always taken after the features'. 0 (nothing to add is fine), -1 on error. */
static int s_spend(tx_t *tx)
{
    const json_t *llm = json_object_get(tx->rec, "llm");
    double cost = cs_rec_num(llm, "cost_usd", 0);
    long long prompt = cs_rec_int(llm, "prompt_tokens", 0);
    long long cached = cs_rec_int(llm, "cached_tokens", 0);
    long long completion = cs_rec_int(llm, "completion_tokens", 0);
    if (!(cost > 0) && prompt <= 0 && completion <= 0)
        return 0; /* offline, passed through, held: nothing spent */
    char c[32], p[24], k[24], o[24];
    snprintf(c, sizeof c, "%.9f", cost > 0 && cost < 1e6 ? cost : 0);
    snprintf(p, sizeof p, "%lld", prompt > 0 ? prompt : 0);
    snprintf(k, sizeof k, "%lld", cached > 0 && cached <= prompt ? cached : 0);
    snprintf(o, sizeof o, "%lld", completion > 0 ? completion : 0);
    const char *params[] = {tx->workspace_id, c, p, k, o};
    static const cs_db_stmt_t SPEND = {
        "writer_spend",
        "INSERT INTO llm_spend AS s (workspace_id, day, cost_usd, prompt_tokens, cached_tokens,"
        " completion_tokens, calls)"
        " SELECT w.id, (now() AT TIME ZONE w.time_zone)::date, $2::numeric, $3::bigint,"
        " $4::bigint, $5::bigint, 1 FROM workspaces w WHERE w.id = $1"
        " ON CONFLICT (workspace_id, day) DO UPDATE SET cost_usd = s.cost_usd + EXCLUDED.cost_usd,"
        " prompt_tokens = s.prompt_tokens + EXCLUDED.prompt_tokens,"
        " cached_tokens = s.cached_tokens + EXCLUDED.cached_tokens,"
        " completion_tokens = s.completion_tokens + EXCLUDED.completion_tokens,"
        " calls = s.calls + 1",
        5};
    PGresult *res = s_exec(tx, &SPEND, params);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

/* The call's rows are written: its spend, then the matcher's merges (cs_wmerge.h). */
static cs_commit_status_t s_finish(tx_t *tx)
{
    int rc = s_spend(tx);
    if (rc == 0)
        rc = cs_wmerge_apply(tx->db, tx->rec, tx->err, tx->errlen) < 0 ? -1 : 0;
    return rc != 0 ? s_abort(tx) : CS_COMMIT_COMMITTED;
}

cs_commit_status_t cs_writer_store(cs_db_t *db, const json_t *rec, char *message_id, char *err,
                                   size_t errlen)
{
    tx_t tx = {.db = db, .rec = rec, .err = err, .errlen = errlen};
    tx.workspace_id = cs_rec_str(rec, "workspace_id");
    cs_uuid_message_id(tx.workspace_id, cs_rec_str(rec, "source"), cs_rec_str(rec, "external_id"),
                       tx.message_id);
    if (message_id)
        memcpy(message_id, tx.message_id, CS_UUID_LEN);
    const char *ws[] = {tx.workspace_id};
    static const cs_db_stmt_t WORKSPACE = {"writer_workspace",
                                           "SELECT 1 FROM workspaces WHERE id = $1", 1};
    PGresult *res = s_exec(&tx, &WORKSPACE, ws);
    if (!res)
        return s_abort(&tx);
    int found = PQntuples(res);
    PQclear(res);
    if (!found) {
        cs_fail(err, errlen, "unknown workspace %s (create it with 'callsift workspace create')",
                tx.workspace_id);
        return CS_COMMIT_FAILED;
    }

    char customer_id[CS_UUID_LEN];
    if (s_customer(&tx, customer_id) != 0)
        return s_abort(&tx);
    int written = s_message(&tx, customer_id);
    if (written < 0)
        return s_abort(&tx);
    if (written == 0)
        return CS_COMMIT_ALREADY;

    const json_t *decisions = json_object_get(rec, "decisions");
    const json_t *requests = json_object_get(json_object_get(rec, "insights"), "feature_requests");
    size_t n = json_array_size(decisions);
    if (n == 0)
        return s_finish(&tx);
    /* "{id,id,...}" of the features the decisions name, locked before anything is linked */
    char *ids = malloc(n * CS_UUID_LEN + 3);
    tx.rows = cs_wrows_new();
    if (!ids || !tx.rows) {
        free(ids);
        cs_wrows_destroy(&tx.rows);
        cs_fail(err, errlen, "out of memory");
        return CS_COMMIT_RETRY;
    }
    size_t off = 0;
    ids[off++] = '{';
    for (size_t i = 0; i < n; i++) {
        const char *named = cs_rec_str(json_array_get(decisions, i), "feature_id");
        off += (size_t)snprintf(ids + off, CS_UUID_LEN + 1, "%s%s", i ? "," : "", named);
    }
    sprintf(ids + off, "}");
    int rc = s_lock_features(&tx, ids);
    free(ids);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char feature_id[CS_UUID_LEN];
        bool missing;
        rc = s_decision(&tx, json_array_get(decisions, i), requests, feature_id, &missing);
    }
    /* the links, audit rows and feature counts of every request: one statement */
    if (rc == 0)
        rc = cs_wrows_write(tx.rows, db, tx.workspace_id, tx.message_id, err, errlen);
    PQclear(tx.locked);
    cs_wrows_destroy(&tx.rows);
    if (rc == FEATURE_FOREIGN)
        return CS_COMMIT_FAILED;
    return rc != 0 ? s_abort(&tx) : s_finish(&tx);
}

/* A redelivered call (ALREADY) is stored, but the merges the matcher sent with this delivery
   are its own: it attaches what it proposed after a reload to the workspace's next decision,
   whichever call that is. They are carried out in a transaction of their own; ALREADY, or
   RETRY when the database could not take them for a reason that may pass (the call comes back
   and they with it). */
static cs_commit_status_t s_merges_alone(cs_db_t *db, const json_t *rec, char *err, size_t errlen)
{
    if (cs_db_command(db, "BEGIN", 0, NULL, err, errlen) == 0 &&
        cs_wmerge_apply(db, rec, err, errlen) >= 0 &&
        cs_db_command(db, "COMMIT", 0, NULL, err, errlen) == 0)
        return CS_COMMIT_ALREADY;
    bool transient = cs_db_last_error_transient(db);
    if (cs_db_ok(db))
        cs_db_command(db, "ROLLBACK", 0, NULL, NULL, 0);
    if (transient)
        return CS_COMMIT_RETRY;
    /* The call is stored; merges that will never commit must not hold its record for ever.
       The features stay as they were, and a person can merge them (callsift feature merge). */
    cs_error("The matcher's merges sent with call %s were not carried out: %s",
             cs_rec_str(rec, "external_id"), err);
    return CS_COMMIT_ALREADY;
}

cs_commit_status_t cs_writer_commit(cs_db_t *db, const json_t *rec, char *message_id, char *err,
                                    size_t errlen)
{
    if (message_id)
        cs_uuid_message_id(cs_rec_str(rec, "workspace_id"), cs_rec_str(rec, "source"),
                           cs_rec_str(rec, "external_id"), message_id);
    if (!cs_db_ok(db)) {
        cs_fail(err, errlen, "not connected to PostgreSQL");
        return CS_COMMIT_RETRY;
    }
    cs_commit_status_t status = CS_COMMIT_COMMITTED;
    if (cs_db_command(db, "BEGIN", 0, NULL, err, errlen) == 0) {
        status = cs_writer_store(db, rec, message_id, err, errlen);
        if (status == CS_COMMIT_COMMITTED && cs_db_command(db, "COMMIT", 0, NULL, err, errlen) == 0)
            return status;
    }
    if (status == CS_COMMIT_COMMITTED) /* BEGIN or COMMIT failed: FAILED unless transient */
        status = cs_db_last_error_transient(db) ? CS_COMMIT_RETRY : CS_COMMIT_FAILED;
    if (cs_db_ok(db))
        cs_db_command(db, "ROLLBACK", 0, NULL, NULL, 0);
    if (status == CS_COMMIT_ALREADY && json_array_size(json_object_get(rec, "merges")) > 0)
        return s_merges_alone(db, rec, err, errlen);
    return status;
}

json_t *cs_writer_ack(const json_t *rec, cs_commit_status_t status, const char *message_id,
                      const char *error)
{
    json_t *ack = cs_record_new(CS_KIND_ACK);
    json_object_set_new(ack, "workspace_id", json_string(cs_rec_str(rec, "workspace_id")));
    json_object_set_new(ack, "external_id", json_string(cs_rec_str(rec, "external_id")));
    if (cs_rec_str(rec, "source"))
        json_object_set_new(ack, "source", json_string(cs_rec_str(rec, "source")));
    json_object_set_new(ack, "status", json_string(cs_commit_status_name(status)));
    if (error)
        json_object_set_new(ack, "error", json_string(error));
    if (status == CS_COMMIT_COMMITTED || status == CS_COMMIT_ALREADY) {
        /* the same test as the message row's is_processed; ALREADY means an earlier delivery
           stored it processed (an unprocessed row is overwritten, COMMITTED) */
        const char *rec_error = cs_rec_str(rec, "error");
        bool extract = !json_is_false(json_object_get(json_object_get(rec, "flags"), "extract"));
        bool processed =
            status == CS_COMMIT_ALREADY ||
            (extract && json_is_object(json_object_get(rec, "insights")) && !rec_error);
        json_object_set_new(ack, "processed", json_boolean(processed));
        if (!processed) {
            const char *cause = cs_rec_str(rec, "error_cause");
            if (!cause)
                cause = extract ? CS_CAUSE_OTHER : CS_CAUSE_NOT_EXTRACTED;
            json_object_set_new(ack, "cause", json_string(cause));
            if (rec_error && !error)
                json_object_set_new(ack, "error", json_string(rec_error));
        }
    }
    if (message_id)
        json_object_set_new(ack, "message_id", json_string(message_id));
    return ack;
}
