#include "cs_curate.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cs_text.h"
#include "cs_util.h"

/* How many times an action that met a deadlock or a serialisation failure is tried. */
#define CS_CURATE_ATTEMPTS 4
/* The most features one merge takes, and the most calls one split moves. */
#define CS_CURATE_MAX_IDS         256
#define CS_CURATE_NAME_MAX        300
#define CS_CURATE_REASON_MAX      1000
#define CS_CURATE_DESCRIPTION_MAX 5000

/* What a locked feature row holds. */
typedef struct {
    char id[CS_UUID_LEN];
    char workspace_id[CS_UUID_LEN];
    char theme_id[CS_UUID_LEN]; /* "" when none */
    char merged_into[CS_UUID_LEN];
    char status[16];
    char name[CS_CURATE_NAME_MAX * 4 + 1];
    long long mentions;
} feature_t;

/* One action in progress: the handle, and the sqlstate of its failure. */
typedef struct {
    cs_curate_t *c;
    char sqlstate[6];
} tx_t;

static int s_refuse(cs_curate_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int s_refuse(cs_curate_t *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    return CS_CURATE_REFUSED;
}

/* cs_db_exec; NULL with the reason in c->err and the SQLSTATE kept. */
static PGresult *s_exec(tx_t *tx, const char *sql, int n, const char *const *params)
{
    PGresult *res = cs_db_exec(tx->c->db, sql, n, params, tx->c->err, sizeof tx->c->err);
    if (!res)
        cs_strlcpy(tx->sqlstate, cs_db_last_sqlstate(tx->c->db), sizeof tx->sqlstate);
    return res;
}

static int s_command(tx_t *tx, const char *sql, int n, const char *const *params)
{
    PGresult *res = s_exec(tx, sql, n, params);
    if (!res)
        return CS_CURATE_FAILED;
    PQclear(res);
    return CS_CURATE_OK;
}

/* The value of a one-row, one-column query, copied into out; "" when there is no row or NULL. */
static int s_value(tx_t *tx, const char *sql, int n, const char *const *params, char *out,
                   size_t outlen)
{
    PGresult *res = s_exec(tx, sql, n, params);
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
static int s_lock(tx_t *tx, const char *const *ids, size_t n, feature_t *rows)
{
    char *array = s_uuid_array(ids, n);
    if (!array)
        return s_refuse(tx->c, "out of memory");
    const char *params[] = {array};
    PGresult *res = s_exec(tx,
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
            rc = s_refuse(tx->c, "no feature %s", ids[i]);
            break;
        }
        feature_t *f = &rows[i];
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
static int s_live(cs_curate_t *c, const feature_t *f)
{
    if (f->merged_into[0])
        return s_refuse(c, "feature %s ('%s') is merged into %s; unmerge it first", f->id, f->name,
                        f->merged_into);
    return CS_CURATE_OK;
}

/* mention_count, first and last mentioned of feature `id` from its links. */
static int s_recount(tx_t *tx, const char *id)
{
    const char *params[] = {id};
    return s_command(tx,
                     "UPDATE features f SET mention_count = s.n, first_mentioned = s.first,"
                     " last_mentioned = s.last, updated_at = now()"
                     " FROM (SELECT count(*) AS n, min(m.sent_at) AS first, max(m.sent_at) AS last"
                     "       FROM feature_messages fm JOIN messages m ON m.id = fm.message_id"
                     "       WHERE fm.feature_id = $1) s WHERE f.id = $1",
                     1, params);
}

/* Write the action's row (arguments, changes and undo are JSON, stolen) and keep its id. */
static int s_record(tx_t *tx, const feature_t *f, const char *action, json_t *arguments,
                    json_t *changes, json_t *undo)
{
    char *args = arguments ? json_dumps(arguments, JSON_COMPACT) : strdup("{}");
    char *chg = changes ? json_dumps(changes, JSON_COMPACT) : strdup("{}");
    char *und = undo ? json_dumps(undo, JSON_COMPACT) : strdup("{}");
    json_decref(arguments);
    json_decref(changes);
    json_decref(undo);
    int rc = CS_CURATE_FAILED;
    if (!args || !chg || !und) {
        s_refuse(tx->c, "out of memory");
    } else {
        const char *params[] = {f->workspace_id, f->id, action, tx->c->by, args, chg, und};
        char id[32];
        rc = s_value(tx,
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
static int s_notify(tx_t *tx, const char *workspace_id)
{
    const char *params[] = {workspace_id};
    return s_command(tx, "SELECT pg_notify('callsift_features', $1)", 1, params);
}

/* Run `body` in a transaction, again after a deadlock or serialisation failure. */
typedef int (*body_t)(tx_t *tx, void *arg);
static int s_transaction(cs_curate_t *c, body_t body, void *arg)
{
    c->err[0] = '\0';
    if (!c->by || !c->by[0] || strlen(c->by) > 200)
        return s_refuse(c, "--by must be 1 to 200 characters");
    int rc = CS_CURATE_FAILED;
    for (int attempt = 1; attempt <= CS_CURATE_ATTEMPTS; attempt++) {
        tx_t tx = {.c = c};
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

static int s_check_id(cs_curate_t *c, const char *id)
{
    if (!id || !cs_uuid_valid(id))
        return s_refuse(c, "'%.64s' is not a feature id (a UUID)", id ? id : "");
    return CS_CURATE_OK;
}

/* Text of 1..max characters (after trimming spaces), valid UTF-8. */
static int s_check_text(cs_curate_t *c, const char *what, const char *text, size_t min, size_t max)
{
    size_t len = text ? strlen(text) : 0;
    if (text && !cs_text_utf8_valid(text, len))
        return s_refuse(c, "the %s is not valid UTF-8", what);
    size_t chars = text ? cs_text_utf8_chars(text, len) : 0;
    bool blank = true;
    for (size_t i = 0; i < len && blank; i++)
        blank = text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r';
    if ((min > 0 && blank) || chars < min || chars > max)
        return s_refuse(c, "the %s must be %zu to %zu characters", what, min, max);
    return CS_CURATE_OK;
}

/* ---- merge and unmerge ------------------------------------------------------------------- */

typedef struct {
    const char *const *sources;
    size_t n;
    const char *target;
} merge_t;

/* Move source's links to target (tx holds both rows locked) and write the merge row. */
static int s_merge_one(tx_t *tx, const feature_t *source, const feature_t *target)
{
    const char *st[] = {source->id, target->id};
    /* what the source was, for the unmerge: its counts and dates, the links that met one of the
       target's (they stay here, in the undo data), and the earlier merged_from of the links that
       move */
    PGresult *res = s_exec(
        tx,
        "SELECT jsonb_build_object('mention_count', f.mention_count,"
        "  'first_mentioned', f.first_mentioned, 'last_mentioned', f.last_mentioned),"
        " (SELECT coalesce(jsonb_agg(jsonb_build_object('message_id', fm.message_id,"
        "   'quote', fm.quote, 'speaker', fm.speaker, 'confidence', fm.confidence,"
        "   'created_at', fm.created_at, 'merged_from', fm.merged_from)"
        "   ORDER BY fm.message_id), '[]'::jsonb)"
        "  FROM feature_messages fm WHERE fm.feature_id = $1 AND EXISTS (SELECT 1 FROM"
        "  feature_messages t WHERE t.feature_id = $2 AND t.message_id = fm.message_id)),"
        " (SELECT coalesce(jsonb_agg(jsonb_build_object('message_id', fm.message_id,"
        "   'merged_from', fm.merged_from) ORDER BY fm.message_id), '[]'::jsonb)"
        "  FROM feature_messages fm WHERE fm.feature_id = $1 AND fm.merged_from IS NOT NULL),"
        " (SELECT mention_count FROM features WHERE id = $2)"
        " FROM features f WHERE f.id = $1",
        2, st);
    if (!res)
        return CS_CURATE_FAILED;
    json_t *before = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    json_t *collided = json_loads(PQgetvalue(res, 0, 1), 0, NULL);
    json_t *prior = json_loads(PQgetvalue(res, 0, 2), 0, NULL);
    long long target_before = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
    PQclear(res);
    json_t *undo =
        json_pack("{s:o, s:o, s:o}", "source", before ? before : json_object(), "collided",
                  collided ? collided : json_array(), "prior_from", prior ? prior : json_array());
    if (!undo)
        return s_refuse(tx->c, "out of memory");

    int rc = s_command(tx,
                       "DELETE FROM feature_messages fm WHERE fm.feature_id = $1 AND EXISTS"
                       " (SELECT 1 FROM feature_messages t WHERE t.feature_id = $2"
                       "  AND t.message_id = fm.message_id)",
                       2, st);
    if (rc == CS_CURATE_OK)
        rc = s_command(tx,
                       "UPDATE feature_messages SET feature_id = $2, merged_from = $1"
                       " WHERE feature_id = $1",
                       2, st);
    if (rc == CS_CURATE_OK)
        rc = s_command(tx,
                       "UPDATE features SET merged_into = $2, merged_at = now(), mention_count = 0,"
                       " updated_at = now() WHERE id = $1",
                       2, st);
    if (rc == CS_CURATE_OK)
        rc = s_recount(tx, target->id);
    char after[32] = "";
    if (rc == CS_CURATE_OK) {
        const char *t[] = {target->id};
        rc = s_value(tx, "SELECT mention_count FROM features WHERE id = $1", 1, t, after,
                     sizeof after);
    }
    if (rc != CS_CURATE_OK) {
        json_decref(undo);
        return rc;
    }
    json_t *args = json_pack("{s:s, s:s}", "into", target->id, "into_name", target->name);
    json_t *changes = json_pack("{s:I, s:{s:I, s:I}}", "links_moved", (json_int_t)source->mentions,
                                "target_mentions", "before", (json_int_t)target_before, "after",
                                (json_int_t)strtoll(after, NULL, 10));
    return s_record(tx, source, "merge", args, changes, undo);
}

static int s_merge(tx_t *tx, void *arg)
{
    const merge_t *m = arg;
    const char *ids[CS_CURATE_MAX_IDS + 1];
    feature_t *rows = calloc(m->n + 1, sizeof *rows);
    if (!rows)
        return s_refuse(tx->c, "out of memory");
    for (size_t i = 0; i < m->n; i++)
        ids[i] = m->sources[i];
    ids[m->n] = m->target;
    int rc = s_lock(tx, ids, m->n + 1, rows);
    feature_t *target = &rows[m->n];
    if (rc == CS_CURATE_OK && target->merged_into[0])
        rc = s_refuse(tx->c, "cannot merge into %s ('%s'): it is merged into %s itself", target->id,
                      target->name, target->merged_into);
    if (rc == CS_CURATE_OK && strcmp(target->status, "rejected") == 0)
        rc = s_refuse(tx->c, "cannot merge into %s ('%s'): it is rejected (restore it first)",
                      target->id, target->name);
    for (size_t i = 0; i < m->n && rc == CS_CURATE_OK; i++) {
        const feature_t *s = &rows[i];
        if (strcmp(s->workspace_id, target->workspace_id) != 0)
            rc = s_refuse(tx->c, "cannot merge %s into %s: they belong to different workspaces",
                          s->id, target->id);
        else if (s->merged_into[0])
            rc = s_refuse(tx->c, "feature %s ('%s') is already merged into %s", s->id, s->name,
                          s->merged_into);
        else if (strcmp(s->status, "rejected") == 0)
            rc =
                s_refuse(tx->c, "feature %s ('%s') is rejected (restore it first)", s->id, s->name);
    }
    for (size_t i = 0; i < m->n && rc == CS_CURATE_OK; i++)
        rc = s_merge_one(tx, &rows[i], target);
    if (rc == CS_CURATE_OK)
        rc = s_notify(tx, target->workspace_id);
    free(rows);
    return rc;
}

int cs_curate_merge(cs_curate_t *c, const char *const *sources, size_t n, const char *target)
{
    c->err[0] = '\0';
    if (n == 0)
        return s_refuse(c, "nothing to merge: name the features to merge into %s",
                        target ? target : "the target");
    if (n > CS_CURATE_MAX_IDS)
        return s_refuse(c, "at most %d features in one merge", CS_CURATE_MAX_IDS);
    if (s_check_id(c, target) != CS_CURATE_OK)
        return CS_CURATE_REFUSED;
    for (size_t i = 0; i < n; i++) {
        if (s_check_id(c, sources[i]) != CS_CURATE_OK)
            return CS_CURATE_REFUSED;
        if (strcmp(sources[i], target) == 0)
            return s_refuse(c, "cannot merge feature %s into itself", target);
        for (size_t j = 0; j < i; j++)
            if (strcmp(sources[i], sources[j]) == 0)
                return s_refuse(c, "feature %s is named twice", sources[i]);
    }
    merge_t m = {sources, n, target};
    return s_transaction(c, s_merge, &m);
}

static int s_unmerge(tx_t *tx, void *arg)
{
    const char *source_id = arg;
    char target_id[CS_UUID_LEN];
    const char *s[] = {source_id};
    int rc = s_value(tx, "SELECT coalesce(merged_into::text, '-') FROM features WHERE id = $1", 1,
                     s, target_id, sizeof target_id);
    if (rc != CS_CURATE_OK)
        return rc;
    if (!target_id[0])
        return s_refuse(tx->c, "no feature %s", source_id);
    if (strcmp(target_id, "-") == 0)
        return s_refuse(tx->c, "feature %s was never merged (or is unmerged already)", source_id);
    const char *ids[] = {source_id, target_id};
    feature_t rows[2];
    rc = s_lock(tx, ids, 2, rows);
    if (rc != CS_CURATE_OK)
        return rc;
    if (strcmp(rows[0].merged_into, target_id) != 0) /* changed while we waited: try again */
        return s_refuse(tx->c, "feature %s changed while unmerging it; try again", source_id);
    if (rows[1].merged_into[0])
        return s_refuse(tx->c,
                        "feature %s is merged into %s, which is merged into %s; unmerge %s first",
                        source_id, target_id, rows[1].merged_into, target_id);

    char action[32];
    PGresult *res = s_exec(tx,
                           "SELECT id, undo::text FROM curation_actions WHERE feature_id = $1"
                           " AND action = 'merge' AND undone_by IS NULL ORDER BY id DESC LIMIT 1",
                           1, s);
    if (!res)
        return CS_CURATE_FAILED;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return s_refuse(tx->c, "feature %s has no merge to undo", source_id);
    }
    cs_strlcpy(action, PQgetvalue(res, 0, 0), sizeof action);
    char *undo_json = strdup(PQgetvalue(res, 0, 1));
    PQclear(res);
    if (!undo_json)
        return s_refuse(tx->c, "out of memory");

    const char *back[] = {source_id, target_id, undo_json};
    /* the links that moved, and those the writer sent to the target since, come back */
    rc = s_command(tx,
                   "UPDATE feature_messages fm SET feature_id = $1, merged_from ="
                   " (SELECT (e->>'merged_from')::uuid FROM jsonb_array_elements($3::jsonb ->"
                   "  'prior_from') e WHERE (e->>'message_id')::uuid = fm.message_id LIMIT 1)"
                   " WHERE fm.feature_id = $2 AND fm.merged_from = $1",
                   3, back);
    if (rc == CS_CURATE_OK)
        rc = s_command(
            tx,
            "INSERT INTO feature_messages (feature_id, message_id, quote, speaker, confidence,"
            " created_at, merged_from)"
            " SELECT $1, x.message_id, x.quote, x.speaker, x.confidence, x.created_at,"
            " x.merged_from FROM jsonb_to_recordset($2::jsonb -> 'collided') AS x(message_id"
            " uuid, quote text, speaker text, confidence real, created_at timestamptz,"
            " merged_from uuid)"
            " WHERE EXISTS (SELECT 1 FROM messages WHERE id = x.message_id)"
            " ON CONFLICT (feature_id, message_id) DO NOTHING",
            2, (const char *[]){source_id, undo_json});
    if (rc == CS_CURATE_OK)
        rc = s_recount(tx, source_id);
    if (rc == CS_CURATE_OK)
        rc = s_command(tx,
                       "UPDATE features f SET merged_into = NULL, merged_at = NULL,"
                       " first_mentioned = LEAST(f.first_mentioned,"
                       "  ($2::jsonb -> 'source' ->> 'first_mentioned')::timestamptz),"
                       " last_mentioned = GREATEST(f.last_mentioned,"
                       "  ($2::jsonb -> 'source' ->> 'last_mentioned')::timestamptz)"
                       " WHERE f.id = $1",
                       2, (const char *[]){source_id, undo_json});
    free(undo_json);
    if (rc == CS_CURATE_OK)
        rc = s_recount(tx, target_id);
    char count[32] = "0";
    if (rc == CS_CURATE_OK)
        rc = s_value(tx, "SELECT mention_count FROM features WHERE id = $1", 1, s, count,
                     sizeof count);
    if (rc != CS_CURATE_OK)
        return rc;
    json_t *args = json_pack("{s:s, s:s}", "from", target_id, "undoes", action);
    json_t *changes = json_pack("{s:I}", "links_back", (json_int_t)strtoll(count, NULL, 10));
    rc = s_record(tx, &rows[0], "unmerge", args, changes, NULL);
    if (rc != CS_CURATE_OK)
        return rc;
    char mine[32];
    snprintf(mine, sizeof mine, "%lld", tx->c->action_id);
    rc = s_command(tx, "UPDATE curation_actions SET undone_by = $2 WHERE id = $1", 2,
                   (const char *[]){action, mine});
    return rc == CS_CURATE_OK ? s_notify(tx, rows[0].workspace_id) : rc;
}

int cs_curate_unmerge(cs_curate_t *c, const char *source)
{
    c->err[0] = '\0';
    if (s_check_id(c, source) != CS_CURATE_OK)
        return CS_CURATE_REFUSED;
    return s_transaction(c, s_unmerge, (void *)source);
}

/* ---- one feature's own fields -------------------------------------------------------------- */

typedef enum {
    EDIT_REJECT,
    EDIT_RESTORE,
    EDIT_RENAME,
    EDIT_MOVE,
    EDIT_STATUS,
    EDIT_DESCRIBE
} edit_t;

typedef struct {
    edit_t what;
    const char *id;
    const char *value; /* reason, name, theme name, status or description */
} edit_arg_t;

/* Another live feature of the name in the theme (theme_id "" for none): refused. */
static int s_name_free(tx_t *tx, const feature_t *f, const char *theme_id, const char *name)
{
    char *key = cs_name_key(name);
    if (!key)
        return s_refuse(tx->c, "out of memory");
    char other[CS_UUID_LEN + 400];
    const char *params[] = {f->workspace_id, theme_id[0] ? theme_id : NULL, key, f->id};
    int rc = s_value(tx,
                     "SELECT id || ' (''' || name || ''')' FROM features WHERE workspace_id = $1"
                     " AND theme_id IS NOT DISTINCT FROM $2::uuid AND name_key = $3 AND id <> $4"
                     " AND merged_into IS NULL LIMIT 1",
                     4, params, other, sizeof other);
    free(key);
    if (rc == CS_CURATE_OK && other[0])
        rc = s_refuse(tx->c, "feature %s has that name in the theme already; merge them instead",
                      other);
    return rc;
}

static int s_edit(tx_t *tx, void *arg)
{
    const edit_arg_t *e = arg;
    feature_t f;
    const char *ids[] = {e->id};
    int rc = s_lock(tx, ids, 1, &f);
    if (rc == CS_CURATE_OK)
        rc = s_live(tx->c, &f);
    if (rc != CS_CURATE_OK)
        return rc;
    bool rejected = strcmp(f.status, "rejected") == 0;
    const char *p[] = {f.id, e->value};
    json_t *args = NULL, *changes = NULL, *undo = NULL;
    const char *action = NULL;
    switch (e->what) {
    case EDIT_REJECT:
        if (rejected)
            return s_refuse(tx->c, "feature %s ('%s') is rejected already", f.id, f.name);
        rc = s_command(tx,
                       "UPDATE features SET status = 'rejected', status_reason = $2,"
                       " updated_at = now() WHERE id = $1",
                       2, p);
        action = "reject";
        args = json_pack("{s:s}", "reason", e->value);
        changes = json_pack("{s:{s:s, s:s}}", "status", "before", f.status, "after", "rejected");
        undo = json_pack("{s:s}", "status", f.status);
        break;
    case EDIT_RESTORE: {
        if (!rejected)
            return s_refuse(tx->c, "feature %s ('%s') is not rejected (its status is %s)", f.id,
                            f.name, f.status);
        char reject_id[32] = "", status[16] = "";
        PGresult *res = s_exec(tx,
                               "SELECT id, coalesce(undo->>'status', 'new') FROM curation_actions"
                               " WHERE feature_id = $1 AND action = 'reject' AND undone_by IS NULL"
                               " ORDER BY id DESC LIMIT 1",
                               1, ids);
        if (!res)
            return CS_CURATE_FAILED;
        cs_strlcpy(status, PQntuples(res) ? PQgetvalue(res, 0, 1) : "new", sizeof status);
        if (PQntuples(res))
            cs_strlcpy(reject_id, PQgetvalue(res, 0, 0), sizeof reject_id);
        PQclear(res);
        const char *q[] = {f.id, status};
        rc = s_command(tx,
                       "UPDATE features SET status = $2, status_reason = NULL, updated_at = now()"
                       " WHERE id = $1",
                       2, q);
        action = "restore";
        args = reject_id[0] ? json_pack("{s:s}", "undoes", reject_id) : json_object();
        changes = json_pack("{s:{s:s, s:s}}", "status", "before", "rejected", "after", status);
        if (rc == CS_CURATE_OK && reject_id[0]) {
            rc = s_record(tx, &f, action, args, changes, NULL);
            char mine[32];
            snprintf(mine, sizeof mine, "%lld", tx->c->action_id);
            if (rc == CS_CURATE_OK)
                rc = s_command(tx, "UPDATE curation_actions SET undone_by = $2 WHERE id = $1", 2,
                               (const char *[]){reject_id, mine});
            return rc == CS_CURATE_OK ? s_notify(tx, f.workspace_id) : rc;
        }
        break;
    }
    case EDIT_RENAME: {
        rc = s_name_free(tx, &f, f.theme_id, e->value);
        char *key = rc == CS_CURATE_OK ? cs_name_key(e->value) : NULL;
        if (rc == CS_CURATE_OK && !key)
            rc = s_refuse(tx->c, "out of memory");
        if (rc == CS_CURATE_OK)
            rc = s_command(tx,
                           "UPDATE features SET name = $2, name_key = $3, updated_at = now()"
                           " WHERE id = $1",
                           3, (const char *[]){f.id, e->value, key});
        free(key);
        action = "rename";
        args = json_pack("{s:s}", "name", e->value);
        changes = json_pack("{s:{s:s, s:s}}", "name", "before", f.name, "after", e->value);
        break;
    }
    case EDIT_MOVE: {
        char found[CS_UUID_LEN + 1000] = "", themes[400] = "";
        const char *q[] = {f.workspace_id, e->value};
        rc = s_value(tx,
                     "SELECT id || name FROM themes WHERE workspace_id = $1"
                     " AND lower(name) = lower($2)",
                     2, q, found, sizeof found);
        char theme[CS_UUID_LEN] = "";
        const char *theme_name = found[0] ? found + CS_UUID_LEN - 1 : e->value;
        if (found[0])
            cs_strlcpy(theme, found, sizeof theme);
        if (rc == CS_CURATE_OK && !theme[0]) {
            rc = s_value(tx,
                         "SELECT string_agg(name, ', ' ORDER BY lower(name)) FROM themes"
                         " WHERE workspace_id = $1",
                         1, q, themes, sizeof themes);
            if (rc == CS_CURATE_OK)
                rc = s_refuse(tx->c, "no theme '%.200s' in the workspace (its themes: %s)",
                              e->value, themes);
        }
        if (rc == CS_CURATE_OK && strcmp(theme, f.theme_id) == 0)
            rc = s_refuse(tx->c, "feature %s is in theme '%.200s' already", f.id, e->value);
        if (rc == CS_CURATE_OK)
            rc = s_name_free(tx, &f, theme, f.name);
        char before[400] = "";
        if (rc == CS_CURATE_OK)
            rc =
                s_value(tx, "SELECT name FROM themes WHERE id = $1::uuid", 1,
                        (const char *[]){f.theme_id[0] ? f.theme_id : NULL}, before, sizeof before);
        if (rc == CS_CURATE_OK)
            rc =
                s_command(tx, "UPDATE features SET theme_id = $2, updated_at = now() WHERE id = $1",
                          2, (const char *[]){f.id, theme});
        action = "move";
        args = json_pack("{s:s}", "theme", e->value);
        changes = json_pack("{s:{s:s, s:s}, s:{s:s, s:s}}", "theme", "before", before, "after",
                            theme_name, "theme_id", "before", f.theme_id, "after", theme);
        break;
    }
    case EDIT_STATUS:
        if (rejected)
            return s_refuse(tx->c, "feature %s ('%s') is rejected: restore it first", f.id, f.name);
        if (strcmp(f.status, e->value) == 0)
            return s_refuse(tx->c, "feature %s's status is %s already", f.id, f.status);
        rc = s_command(tx, "UPDATE features SET status = $2, updated_at = now() WHERE id = $1", 2,
                       p);
        action = "set-status";
        args = json_pack("{s:s}", "status", e->value);
        changes = json_pack("{s:{s:s, s:s}}", "status", "before", f.status, "after", e->value);
        break;
    case EDIT_DESCRIBE: {
        char *before = NULL;
        PGresult *res = s_exec(tx, "SELECT description FROM features WHERE id = $1", 1, ids);
        if (!res)
            return CS_CURATE_FAILED;
        before = strdup(PQgetvalue(res, 0, 0));
        PQclear(res);
        rc = s_command(tx, "UPDATE features SET description = $2, updated_at = now() WHERE id = $1",
                       2, p);
        action = "describe";
        args = json_object();
        changes = json_pack("{s:{s:s, s:s}}", "description", "before", before ? before : "",
                            "after", e->value);
        free(before);
        break;
    }
    }
    if (rc != CS_CURATE_OK) {
        json_decref(args);
        json_decref(changes);
        json_decref(undo);
        return rc;
    }
    rc = s_record(tx, &f, action, args, changes, undo);
    return rc == CS_CURATE_OK ? s_notify(tx, f.workspace_id) : rc;
}

static int s_run_edit(cs_curate_t *c, edit_t what, const char *id, const char *value)
{
    c->err[0] = '\0';
    if (s_check_id(c, id) != CS_CURATE_OK)
        return CS_CURATE_REFUSED;
    edit_arg_t e = {what, id, value};
    return s_transaction(c, s_edit, &e);
}

int cs_curate_reject(cs_curate_t *c, const char *feature_id, const char *reason)
{
    if (s_check_text(c, "reason", reason, 1, CS_CURATE_REASON_MAX) != CS_CURATE_OK)
        return CS_CURATE_REFUSED;
    return s_run_edit(c, EDIT_REJECT, feature_id, reason);
}

int cs_curate_restore(cs_curate_t *c, const char *feature_id)
{
    return s_run_edit(c, EDIT_RESTORE, feature_id, NULL);
}

int cs_curate_rename(cs_curate_t *c, const char *feature_id, const char *name)
{
    if (s_check_text(c, "name", name, 1, CS_CURATE_NAME_MAX) != CS_CURATE_OK)
        return CS_CURATE_REFUSED;
    return s_run_edit(c, EDIT_RENAME, feature_id, name);
}

int cs_curate_move(cs_curate_t *c, const char *feature_id, const char *theme_name)
{
    if (s_check_text(c, "theme", theme_name, 1, 200) != CS_CURATE_OK)
        return CS_CURATE_REFUSED;
    return s_run_edit(c, EDIT_MOVE, feature_id, theme_name);
}

int cs_curate_set_status(cs_curate_t *c, const char *feature_id, const char *status)
{
    static const char *const known[] = {"new", "under-review", "planned", "shipped"};
    c->err[0] = '\0';
    if (status && strcmp(status, "rejected") == 0)
        return s_refuse(c, "to reject a feature, use 'callsift feature reject ID --reason TEXT'");
    bool ok = false;
    for (size_t i = 0; status && i < sizeof known / sizeof known[0]; i++)
        ok = ok || strcmp(status, known[i]) == 0;
    if (!ok)
        return s_refuse(c, "unknown status '%.40s' (new, under-review, planned or shipped)",
                        status ? status : "");
    return s_run_edit(c, EDIT_STATUS, feature_id, status);
}

int cs_curate_describe(cs_curate_t *c, const char *feature_id, const char *description)
{
    if (s_check_text(c, "description", description, 0, CS_CURATE_DESCRIPTION_MAX) != CS_CURATE_OK)
        return CS_CURATE_REFUSED;
    return s_run_edit(c, EDIT_DESCRIBE, feature_id, description ? description : "");
}

/* ---- split and detach ---------------------------------------------------------------------- */

typedef struct {
    const char *id;
    const char *const *calls; /* external ids */
    size_t n;
    const char *into; /* NULL: a new feature named name */
    const char *name;
    char *new_id;
} split_t;

/* The new feature a split makes: in the source's theme, its urgency, no vector (the matcher
   makes one when it loads it). */
static int s_split_target(tx_t *tx, const feature_t *from, const char *name, char *id)
{
    int rc = s_name_free(tx, from, from->theme_id, name);
    char *key = rc == CS_CURATE_OK ? cs_name_key(name) : NULL;
    if (rc == CS_CURATE_OK && !key)
        rc = s_refuse(tx->c, "out of memory");
    if (rc != CS_CURATE_OK)
        return rc;
    cs_uuid_v4(id);
    const char *params[] = {id, from->id, name, key};
    rc =
        s_command(tx,
                  "INSERT INTO features (id, workspace_id, theme_id, name, description, urgency,"
                  " status, name_key) SELECT $1, workspace_id, theme_id, $3, '', urgency, 'new', $4"
                  " FROM features WHERE id = $2",
                  4, params);
    free(key);
    return rc;
}

static int s_split(tx_t *tx, void *arg)
{
    split_t *sp = arg;
    feature_t rows[2];
    const char *ids[] = {sp->id, sp->into};
    int rc = s_lock(tx, ids, sp->into ? 2 : 1, rows);
    const feature_t *from = &rows[0];
    if (rc == CS_CURATE_OK)
        rc = s_live(tx->c, from);
    if (rc == CS_CURATE_OK && sp->into) {
        const feature_t *into = &rows[1];
        if (strcmp(into->workspace_id, from->workspace_id) != 0)
            rc = s_refuse(tx->c, "feature %s belongs to another workspace", into->id);
        else if (into->merged_into[0])
            rc = s_live(tx->c, into);
        else if (strcmp(into->status, "rejected") == 0)
            rc = s_refuse(tx->c, "feature %s ('%s') is rejected (restore it first)", into->id,
                          into->name);
    }
    if (rc != CS_CURATE_OK)
        return rc;

    /* the messages of the calls, each linked to the feature */
    json_t *calls = json_array();
    for (size_t i = 0; calls && i < sp->n; i++)
        json_array_append_new(calls, json_string(sp->calls[i]));
    char *calls_json = calls ? json_dumps(calls, JSON_COMPACT) : NULL;
    json_decref(calls);
    if (!calls_json)
        return s_refuse(tx->c, "out of memory");
    const char *q[] = {from->id, calls_json, from->workspace_id};
    PGresult *res = s_exec(tx,
                           "SELECT c.external_id, fm.message_id"
                           " FROM jsonb_array_elements_text($2::jsonb) AS c(external_id)"
                           " LEFT JOIN messages m ON m.workspace_id = $3"
                           "  AND m.external_id = c.external_id"
                           " LEFT JOIN feature_messages fm ON fm.message_id = m.id"
                           "  AND fm.feature_id = $1",
                           3, q);
    free(calls_json);
    if (!res)
        return CS_CURATE_FAILED;
    json_t *messages = json_array();
    for (int r = 0; r < PQntuples(res) && rc == CS_CURATE_OK; r++) {
        if (PQgetisnull(res, r, 1))
            rc = s_refuse(tx->c, "call %.100s is not linked to feature %s", PQgetvalue(res, r, 0),
                          from->id);
        else
            json_array_append_new(messages, json_string(PQgetvalue(res, r, 1)));
    }
    PQclear(res);
    char target[CS_UUID_LEN];
    if (rc == CS_CURATE_OK) {
        if (sp->into)
            cs_strlcpy(target, sp->into, sizeof target);
        else
            rc = s_split_target(tx, from, sp->name, target);
    }
    char *msg_json = rc == CS_CURATE_OK ? json_dumps(messages, JSON_COMPACT) : NULL;
    json_decref(messages);
    if (rc == CS_CURATE_OK && !msg_json)
        rc = s_refuse(tx->c, "out of memory");
    if (rc != CS_CURATE_OK) {
        free(msg_json);
        return rc;
    }
    const char *mv[] = {from->id, target, msg_json};
    /* a call the target links to already keeps the target's link; the rest move */
    res = s_exec(tx,
                 "WITH chosen AS (SELECT (e #>> '{}')::uuid AS message_id"
                 "   FROM jsonb_array_elements($3::jsonb) e),"
                 " dropped AS (DELETE FROM feature_messages fm USING chosen c"
                 "   WHERE fm.feature_id = $1 AND fm.message_id = c.message_id AND EXISTS"
                 "   (SELECT 1 FROM feature_messages t WHERE t.feature_id = $2"
                 "    AND t.message_id = c.message_id)"
                 "   RETURNING jsonb_build_object('message_id', fm.message_id, 'quote', fm.quote,"
                 "   'speaker', fm.speaker, 'confidence', fm.confidence, 'created_at',"
                 "   fm.created_at, 'merged_from', fm.merged_from) AS row)"
                 " SELECT coalesce((SELECT jsonb_agg(row) FROM dropped), '[]'::jsonb)",
                 3, mv);
    json_t *dropped = res ? json_loads(PQgetvalue(res, 0, 0), 0, NULL) : NULL;
    if (res)
        PQclear(res);
    else
        rc = CS_CURATE_FAILED;
    if (rc == CS_CURATE_OK)
        rc = s_command(tx,
                       "UPDATE feature_messages SET feature_id = $2 WHERE feature_id = $1"
                       " AND message_id IN (SELECT (e #>> '{}')::uuid"
                       "  FROM jsonb_array_elements($3::jsonb) e)",
                       3, mv);
    if (rc == CS_CURATE_OK)
        rc = s_recount(tx, from->id);
    if (rc == CS_CURATE_OK)
        rc = s_recount(tx, target);
    json_t *moved = json_loads(msg_json, 0, NULL);
    free(msg_json);
    if (rc != CS_CURATE_OK) {
        json_decref(dropped);
        json_decref(moved);
        return rc;
    }
    if (sp->new_id)
        cs_strlcpy(sp->new_id, target, CS_UUID_LEN);
    json_t *args = json_pack("{s:s, s:s, s:o}", "into", target, "into_name",
                             sp->into ? rows[1].name : sp->name, "calls", json_array());
    for (size_t i = 0; args && i < sp->n; i++)
        json_array_append_new(json_object_get(args, "calls"), json_string(sp->calls[i]));
    json_t *changes = json_pack("{s:o, s:b}", "messages", moved ? moved : json_array(),
                                "new_feature", sp->into == NULL);
    json_t *undo = json_pack("{s:o}", "kept_by_target", dropped ? dropped : json_array());
    rc = s_record(tx, from, "split", args, changes, undo);
    return rc == CS_CURATE_OK ? s_notify(tx, from->workspace_id) : rc;
}

int cs_curate_split(cs_curate_t *c, const char *feature_id, const char *const *call_ids, size_t n,
                    const char *into, const char *name, char *new_id)
{
    c->err[0] = '\0';
    if (s_check_id(c, feature_id) != CS_CURATE_OK)
        return CS_CURATE_REFUSED;
    if (n == 0)
        return s_refuse(c, "name the calls to split off (--calls CALL_ID...)");
    if (n > CS_CURATE_MAX_IDS)
        return s_refuse(c, "at most %d calls in one split", CS_CURATE_MAX_IDS);
    for (size_t i = 0; i < n; i++) {
        if (!call_ids[i][0] || strlen(call_ids[i]) > 200)
            return s_refuse(c, "'%.64s' is not a call id", call_ids[i]);
        for (size_t j = 0; j < i; j++)
            if (strcmp(call_ids[i], call_ids[j]) == 0)
                return s_refuse(c, "call %.100s is named twice", call_ids[i]);
    }
    if ((into != NULL) == (name != NULL))
        return s_refuse(c, "split needs either --into ID or --name TEXT");
    if (into) {
        if (s_check_id(c, into) != CS_CURATE_OK)
            return CS_CURATE_REFUSED;
        if (strcmp(into, feature_id) == 0)
            return s_refuse(c, "cannot split feature %s into itself", into);
    } else if (s_check_text(c, "name", name, 1, CS_CURATE_NAME_MAX) != CS_CURATE_OK) {
        return CS_CURATE_REFUSED;
    }
    split_t sp = {feature_id, call_ids, n, into, name, new_id};
    return s_transaction(c, s_split, &sp);
}

typedef struct {
    const char *id;
    const char *message_id;
} detach_t;

static int s_detach(tx_t *tx, void *arg)
{
    const detach_t *d = arg;
    feature_t f;
    const char *ids[] = {d->id};
    int rc = s_lock(tx, ids, 1, &f);
    if (rc == CS_CURATE_OK)
        rc = s_live(tx->c, &f);
    if (rc != CS_CURATE_OK)
        return rc;
    const char *p[] = {f.id, d->message_id};
    PGresult *res = s_exec(tx,
                           "DELETE FROM feature_messages WHERE feature_id = $1 AND message_id = $2"
                           " RETURNING jsonb_build_object('message_id', message_id, 'quote', quote,"
                           " 'speaker', speaker, 'confidence', confidence, 'created_at',"
                           " created_at, 'merged_from', merged_from)::text",
                           2, p);
    if (!res)
        return CS_CURATE_FAILED;
    json_t *link = PQntuples(res) == 1 ? json_loads(PQgetvalue(res, 0, 0), 0, NULL) : NULL;
    int found = PQntuples(res);
    PQclear(res);
    if (!found)
        return s_refuse(tx->c, "message %s is not linked to feature %s", d->message_id, f.id);
    rc = s_recount(tx, f.id);
    if (rc != CS_CURATE_OK) {
        json_decref(link);
        return rc;
    }
    json_t *args = json_pack("{s:s}", "message_id", d->message_id);
    json_t *undo = json_pack("{s:o}", "link", link ? link : json_object());
    rc = s_record(tx, &f, "detach", args, NULL, undo);
    return rc == CS_CURATE_OK ? s_notify(tx, f.workspace_id) : rc;
}

int cs_curate_detach(cs_curate_t *c, const char *feature_id, const char *message_id)
{
    c->err[0] = '\0';
    if (s_check_id(c, feature_id) != CS_CURATE_OK)
        return CS_CURATE_REFUSED;
    if (!message_id || !cs_uuid_valid(message_id))
        return s_refuse(c, "'%.64s' is not a message id (a UUID)", message_id ? message_id : "");
    detach_t d = {feature_id, message_id};
    return s_transaction(c, s_detach, &d);
}
