#include "cs_wrows.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_buf.h"
#include "cs_record.h"
#include "cs_util.h"

/* The columns, in the order of the statement's array parameters ($3 on). */
enum {
    COL_FEATURE,
    COL_QUOTE,
    COL_SPEAKER,
    COL_REQUEST_CONFIDENCE,
    COL_MERGED_FROM,
    COL_URGENCY,
    COL_INDEX,
    COL_CHOSEN,
    COL_ACTION,
    COL_METHOD,
    COL_CONFIDENCE,
    COL_SIMILARITY,
    COL_REASONING,
    COL_EXTRACTED,
    COL_CANDIDATES,
    COL_SCORES,
    COL_COUNT
};

/* A column's array literal may hold every string of a record, each escaped (at most twice
   its bytes): over that, something is wrong. */
#define COLUMN_MAX ((size_t)CS_RECORD_MAX_BYTES * 2 + 65536)

struct cs_wrows {
    cs_buf_t col[COL_COUNT]; /* "{elem,elem,..." (closed by cs_wrows_write) */
    size_t n;
};

cs_wrows_t *cs_wrows_new(void)
{
    cs_wrows_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    for (int c = 0; c < COL_COUNT; c++)
        self->col[c].max = COLUMN_MAX;
    return self;
}

void cs_wrows_destroy(cs_wrows_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    for (int c = 0; c < COL_COUNT; c++)
        cs_buf_free(&(*self_p)->col[c]);
    free(*self_p);
    *self_p = NULL;
}

size_t cs_wrows_count(const cs_wrows_t *self)
{
    return self->n;
}

/* One element of an array literal: NULL unquoted, anything else in double quotes with '"'
   and '\' escaped by a backslash (so "NULL", braces, commas and blanks stay text). */
static void s_elem(cs_buf_t *b, bool first, const char *s)
{
    cs_buf_add(b, first ? "{" : ",", 1);
    if (!s) {
        cs_buf_add(b, "NULL", 4);
        return;
    }
    cs_buf_add(b, "\"", 1);
    for (;;) {
        size_t run = strcspn(s, "\"\\");
        cs_buf_add(b, s, run);
        if (!s[run])
            break;
        cs_buf_add(b, "\\", 1);
        cs_buf_add(b, s + run, 1);
        s += run + 1;
    }
    cs_buf_add(b, "\"", 1);
}

int cs_wrows_add(cs_wrows_t *self, const cs_wrow_t *row)
{
    char index[24];
    snprintf(index, sizeof index, "%lld", row->index);
    const char *v[COL_COUNT] = {
        [COL_FEATURE] = row->feature_id,
        [COL_QUOTE] = row->quote,
        [COL_SPEAKER] = row->speaker,
        [COL_REQUEST_CONFIDENCE] = row->request_confidence,
        [COL_MERGED_FROM] = row->merged_from,
        [COL_URGENCY] = row->urgency,
        [COL_INDEX] = index,
        [COL_CHOSEN] = row->chosen,
        [COL_ACTION] = row->action,
        [COL_METHOD] = row->method,
        [COL_CONFIDENCE] = row->confidence,
        [COL_SIMILARITY] = row->similarity,
        [COL_REASONING] = row->reasoning,
        [COL_EXTRACTED] = row->extracted,
        [COL_CANDIDATES] = row->candidates,
        [COL_SCORES] = row->scores,
    };
    bool failed = false;
    for (int c = 0; c < COL_COUNT; c++) {
        s_elem(&self->col[c], self->n == 0, v[c]);
        failed = failed || self->col[c].failed;
    }
    self->n++;
    return failed ? -1 : 0;
}

/* The ranks of urgency, lowest first (array_position gives the rank). */
#define URGENCIES "ARRAY['low','medium','high','critical']"

int cs_wrows_write(cs_wrows_t *self, cs_db_t *db, const char *workspace_id, const char *message_id,
                   char *err, size_t errlen)
{
    if (self->n == 0)
        return 0;
    char *arrays[COL_COUNT];
    bool failed = false;
    for (int c = 0; c < COL_COUNT; c++) {
        cs_buf_add(&self->col[c], "}", 1);
        arrays[c] = cs_buf_take(&self->col[c]);
        failed = failed || !arrays[c];
    }
    self->n = 0;
    const char *params[2 + COL_COUNT] = {workspace_id, message_id};
    for (int c = 0; c < COL_COUNT; c++)
        params[2 + c] = arrays[c];
    /* r: the requests in the order added. link: one row per feature (a second request of the
       call for a feature folds in as ON CONFLICT would fold a second statement's row in).
       audit: a row per request. Then the linked features' counts, dates and urgency. */
    static const cs_db_stmt_t ROWS = {
        "writer_rows",
        "WITH r AS (SELECT * FROM unnest($3::uuid[], $4::text[], $5::text[], $6::real[],"
        " $7::uuid[], $8::text[], $9::integer[], $10::uuid[], $11::text[], $12::text[],"
        " $13::real[], $14::real[], $15::text[], $16::jsonb[], $17::jsonb[], $18::jsonb[])"
        " WITH ORDINALITY AS r (feature_id, quote, speaker, rconf, merged_from, urgency, idx,"
        " chosen, action, method, conf, sim, reasoning, extracted, candidates, scores, o)),"
        " link AS (INSERT INTO feature_messages AS fm"
        " (feature_id, message_id, quote, speaker, confidence, merged_from)"
        " SELECT feature_id, $2::uuid, (array_agg(quote ORDER BY o))[1],"
        " (array_agg(speaker ORDER BY o))[1],"
        " CASE WHEN bool_or(rconf IS NULL) THEN NULL ELSE max(rconf) END,"
        " CASE WHEN bool_or(merged_from IS NULL) THEN NULL"
        " ELSE (array_agg(merged_from ORDER BY o))[1] END"
        " FROM r GROUP BY feature_id"
        " ON CONFLICT (feature_id, message_id) DO UPDATE SET confidence ="
        " CASE WHEN fm.confidence IS NULL OR EXCLUDED.confidence IS NULL"
        " THEN NULL ELSE GREATEST(fm.confidence, EXCLUDED.confidence) END,"
        " merged_from = CASE WHEN EXCLUDED.merged_from IS NULL THEN NULL"
        " ELSE fm.merged_from END"
        " RETURNING feature_id),"
        " audit AS (INSERT INTO match_decisions (workspace_id, message_id, feature_index,"
        " feature_id, action, method, confidence, similarity, reasoning, extracted,"
        " candidates, scores)"
        " SELECT $1::uuid, $2::uuid, idx, chosen, action, method, conf, sim, reasoning,"
        " extracted, candidates, scores FROM r"
        " ON CONFLICT (message_id, feature_index) DO NOTHING)"
        " UPDATE features f SET mention_count = f.mention_count + 1,"
        " first_mentioned = LEAST(f.first_mentioned, s.at),"
        " last_mentioned = GREATEST(f.last_mentioned, s.at), updated_at = now(),"
        " urgency = CASE WHEN s.rank > array_position(" URGENCIES ", f.urgency)"
        " THEN (" URGENCIES ")[s.rank] ELSE f.urgency END"
        " FROM (SELECT l.feature_id,"
        " (SELECT max(array_position(" URGENCIES ", r.urgency)) FROM r"
        "  WHERE r.feature_id = l.feature_id) AS rank,"
        " (SELECT sent_at FROM messages WHERE id = $2::uuid) AS at FROM link l) s"
        " WHERE f.id = s.feature_id",
        2 + COL_COUNT};
    int rc = -1;
    if (failed)
        cs_fail(err, errlen, "a call's decided requests are over %zu bytes or out of memory",
                (size_t)COLUMN_MAX);
    else {
        PGresult *res = cs_db_exec_prepared(db, &ROWS, params, err, errlen);
        rc = res ? 0 : -1;
        PQclear(res);
    }
    for (int c = 0; c < COL_COUNT; c++)
        free(arrays[c]);
    return rc;
}
