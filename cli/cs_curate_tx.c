#include "cs_curate_tx.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_text.h"
#include "cs_util.h"

int cs_curate_refuse(cs_curate_t *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    return CS_CURATE_REFUSED;
}

/* cs_db_exec; NULL with the reason in c->err and the SQLSTATE kept. */
PGresult *cs_curate_exec(cs_curate_tx_t *tx, const char *sql, int n, const char *const *params)
{
    PGresult *res = cs_db_exec(tx->c->db, sql, n, params, tx->c->err, sizeof tx->c->err);
    if (!res)
        cs_strlcpy(tx->sqlstate, cs_db_last_sqlstate(tx->c->db), sizeof tx->sqlstate);
    return res;
}

int cs_curate_command(cs_curate_tx_t *tx, const char *sql, int n, const char *const *params)
{
    PGresult *res = cs_curate_exec(tx, sql, n, params);
    if (!res)
        return CS_CURATE_FAILED;
    PQclear(res);
    return CS_CURATE_OK;
}

/* The value of a one-row, one-column query, copied into out; "" when there is no row or NULL. */
int cs_curate_value(cs_curate_tx_t *tx, const char *sql, int n, const char *const *params,
                    char *out, size_t outlen)
{
    PGresult *res = cs_curate_exec(tx, sql, n, params);
    if (!res)
        return CS_CURATE_FAILED;
    out[0] = '\0';
    if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
        cs_strlcpy(out, PQgetvalue(res, 0, 0), outlen);
    PQclear(res);
    return CS_CURATE_OK;
}

/* "{a,b,c}" of ids (each a checked UUID); the caller frees it. */
static char *s_uuid_array(const char *const *ids, size_t n)
{
    char *text = malloc(n * CS_UUID_LEN + 3);
    if (!text)
        return NULL;
    size_t off = 0;
    text[off++] = '{';
    for (size_t i = 0; i < n; i++)
        off += (size_t)sprintf(text + off, "%s%s", i ? "," : "", ids[i]);
    sprintf(text + off, "}");
    return text;
}

/* Lock the features `ids` (n of them) in id order and read them into rows (same order as ids).
   CS_CURATE_REFUSED when one does not exist. */
int cs_curate_lock(cs_curate_tx_t *tx, const char *const *ids, size_t n, cs_curate_row_t *rows)
{
    char *array = s_uuid_array(ids, n);
    if (!array)
        return cs_curate_refuse(tx->c, "out of memory");
    const char *params[] = {array};
    PGresult *res =
        cs_curate_exec(tx,
                       "SELECT id, workspace_id, coalesce(theme_id::text, ''),"
                       " coalesce(merged_into::text, ''), status, name, mention_count"
                       " FROM features WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE",
                       1, params);
    free(array);
    if (!res)
        return CS_CURATE_FAILED;
    int rc = CS_CURATE_OK;
    for (size_t i = 0; i < n && rc == CS_CURATE_OK; i++) {
        int row = -1;
        for (int r = 0; r < PQntuples(res); r++)
            if (strcmp(PQgetvalue(res, r, 0), ids[i]) == 0)
                row = r;
        if (row < 0) {
            rc = cs_curate_refuse(tx->c, "no feature %s", ids[i]);
            break;
        }
        cs_curate_row_t *f = &rows[i];
        cs_strlcpy(f->id, PQgetvalue(res, row, 0), sizeof f->id);
        cs_strlcpy(f->workspace_id, PQgetvalue(res, row, 1), sizeof f->workspace_id);
        cs_strlcpy(f->theme_id, PQgetvalue(res, row, 2), sizeof f->theme_id);
        cs_strlcpy(f->merged_into, PQgetvalue(res, row, 3), sizeof f->merged_into);
        cs_strlcpy(f->status, PQgetvalue(res, row, 4), sizeof f->status);
        cs_strlcpy(f->name, PQgetvalue(res, row, 5), sizeof f->name);
        f->mentions = strtoll(PQgetvalue(res, row, 6), NULL, 10);
    }
    PQclear(res);
    return rc;
}

/* A feature people may still act on: not merged away. */
int cs_curate_live(cs_curate_t *c, const cs_curate_row_t *f)
{
    if (f->merged_into[0])
        return cs_curate_refuse(c, "feature %s ('%s') is merged into %s; unmerge it first", f->id,
                                f->name, f->merged_into);
    return CS_CURATE_OK;
}

/* mention_count, first and last mentioned of feature `id` from its links. */
int cs_curate_recount(cs_curate_tx_t *tx, const char *id)
{
    const char *params[] = {id};
    return cs_curate_command(
        tx,
        "UPDATE features f SET mention_count = s.n, first_mentioned = s.first,"
        " last_mentioned = s.last, updated_at = now()"
        " FROM (SELECT count(*) AS n, min(m.sent_at) AS first, max(m.sent_at) AS last"
        "       FROM feature_messages fm JOIN messages m ON m.id = fm.message_id"
        "       WHERE fm.feature_id = $1) s WHERE f.id = $1",
        1, params);
}

/* Write the action's row (arguments, changes and undo are JSON, stolen) and keep its id. */
int cs_curate_record(cs_curate_tx_t *tx, const cs_curate_row_t *f, const char *action,
                     json_t *arguments, json_t *changes, json_t *undo)
{
    char *args = arguments ? json_dumps(arguments, JSON_COMPACT) : strdup("{}");
    char *chg = changes ? json_dumps(changes, JSON_COMPACT) : strdup("{}");
    char *und = undo ? json_dumps(undo, JSON_COMPACT) : strdup("{}");
    json_decref(arguments);
    json_decref(changes);
    json_decref(undo);
    int rc = CS_CURATE_FAILED;
    if (!args || !chg || !und) {
        cs_curate_refuse(tx->c, "out of memory");
    } else {
        const char *params[] = {f->workspace_id, f->id, action, tx->c->by, args, chg, und};
        char id[32];
        rc = cs_curate_value(
            tx,
            "INSERT INTO curation_actions (workspace_id, feature_id, action, by_name,"
            " arguments, changes, undo)"
            " VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb) RETURNING id",
            7, params, id, sizeof id);
        if (rc == CS_CURATE_OK)
            tx->c->action_id = strtoll(id, NULL, 10);
    }
    free(args);
    free(chg);
    free(und);
    return rc;
}

/* The matcher reloads the workspace's catalogue when the transaction commits. */
int cs_curate_notify(cs_curate_tx_t *tx, const char *workspace_id)
{
    const char *params[] = {workspace_id};
    return cs_curate_command(tx, "SELECT pg_notify('callsift_features', $1)", 1, params);
}

/* Run `body` in a transaction, again after a deadlock or serialisation failure. */
int cs_curate_transaction(cs_curate_t *c, cs_curate_body_t body, void *arg)
{
    c->err[0] = '\0';
    if (!c->by || !c->by[0] || strlen(c->by) > 200)
        return cs_curate_refuse(c, "--by must be 1 to 200 characters");
    if (c->in_transaction) {
        cs_curate_tx_t tx = {.c = c};
        return body(&tx, arg);
    }
    int rc = CS_CURATE_FAILED;
    for (int attempt = 1; attempt <= CS_CURATE_ATTEMPTS; attempt++) {
        cs_curate_tx_t tx = {.c = c};
        if (cs_db_command(c->db, "BEGIN", 0, NULL, c->err, sizeof c->err) != 0)
            return CS_CURATE_FAILED;
        rc = body(&tx, arg);
        if (rc == CS_CURATE_OK &&
            cs_db_command(c->db, "COMMIT", 0, NULL, c->err, sizeof c->err) == 0)
            return CS_CURATE_OK;
        if (rc == CS_CURATE_OK)
            cs_strlcpy(tx.sqlstate, cs_db_last_sqlstate(c->db), sizeof tx.sqlstate);
        char keep[sizeof c->err];
        cs_strlcpy(keep, c->err, sizeof keep);
        cs_db_command(c->db, "ROLLBACK", 0, NULL, NULL, 0);
        cs_strlcpy(c->err, keep, sizeof c->err);
        bool again = strcmp(tx.sqlstate, "40P01") == 0 || strcmp(tx.sqlstate, "40001") == 0;
        if (rc == CS_CURATE_REFUSED || !again)
            return rc == CS_CURATE_OK ? CS_CURATE_FAILED : rc;
        cs_sleep_ms(cs_backoff_ms(attempt, 20, 500));
    }
    return rc;
}

int cs_curate_check_id(cs_curate_t *c, const char *id)
{
    if (!id || !cs_uuid_valid(id))
        return cs_curate_refuse(c, "'%.64s' is not a feature id (a UUID)", id ? id : "");
    return CS_CURATE_OK;
}

/* Text of 1..max characters (after trimming spaces), valid UTF-8. */
int cs_curate_check_text(cs_curate_t *c, const char *what, const char *text, size_t min, size_t max)
{
    size_t len = text ? strlen(text) : 0;
    if (text && !cs_text_utf8_valid(text, len))
        return cs_curate_refuse(c, "the %s is not valid UTF-8", what);
    size_t chars = text ? cs_text_utf8_chars(text, len) : 0;
    bool blank = true;
    for (size_t i = 0; i < len && blank; i++)
        blank = text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r';
    if ((min > 0 && blank) || chars < min || chars > max)
        return cs_curate_refuse(c, "the %s must be %zu to %zu characters", what, min, max);
    return CS_CURATE_OK;
}

/* Another live feature of the name in the theme (theme_id "" for none): refused. */
int cs_curate_name_free(cs_curate_tx_t *tx, const cs_curate_row_t *f, const char *theme_id,
                        const char *name)
{
    char *key = cs_name_key(name);
    if (!key)
        return cs_curate_refuse(tx->c, "out of memory");
    char other[CS_UUID_LEN + 400];
    const char *params[] = {f->workspace_id, theme_id[0] ? theme_id : NULL, key, f->id};
    int rc =
        cs_curate_value(tx,
                        "SELECT id || ' (''' || name || ''')' FROM features WHERE workspace_id = $1"
                        " AND theme_id IS NOT DISTINCT FROM $2::uuid AND name_key = $3 AND id <> $4"
                        " AND merged_into IS NULL LIMIT 1",
                        4, params, other, sizeof other);
    free(key);
    if (rc == CS_CURATE_OK && other[0])
        rc = cs_curate_refuse(
            tx->c, "feature %s has that name in the theme already; merge them instead", other);
    return rc;
}

int cs_curate_put_links(cs_curate_tx_t *tx, const char *feature_id, const json_t *links,
                        long long *added)
{
    char *rows = json_dumps(links ? links : json_array(), JSON_COMPACT);
    if (!rows)
        return cs_curate_refuse(tx->c, "out of memory");
    char count[32] = "0";
    const char *params[] = {feature_id, rows};
    int rc = cs_curate_value(
        tx,
        "WITH added AS (INSERT INTO feature_messages (feature_id, message_id, quote, speaker,"
        " confidence, created_at, merged_from)"
        " SELECT $1, x.message_id, x.quote, x.speaker, x.confidence, x.created_at, x.merged_from"
        " FROM jsonb_to_recordset($2::jsonb) AS x(message_id uuid, quote text, speaker text,"
        " confidence real, created_at timestamptz, merged_from uuid)"
        " WHERE EXISTS (SELECT 1 FROM messages WHERE id = x.message_id)"
        " ON CONFLICT (feature_id, message_id) DO NOTHING RETURNING 1)"
        " SELECT count(*) FROM added",
        2, params, count, sizeof count);
    free(rows);
    if (added)
        *added = strtoll(count, NULL, 10);
    return rc;
}

int cs_curate_mark_undone(cs_curate_tx_t *tx, const char *undone_id)
{
    char mine[32];
    snprintf(mine, sizeof mine, "%lld", tx->c->action_id);
    const char *params[] = {undone_id, mine};
    return cs_curate_command(tx, "UPDATE curation_actions SET undone_by = $2 WHERE id = $1", 2,
                             params);
}
