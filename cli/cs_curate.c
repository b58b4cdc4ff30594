#include "cs_curate.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cs_curate_tx.h"
#include "cs_util.h"

/* ---- merge and unmerge ------------------------------------------------------------------- */

typedef struct {
    const char *const *sources;
    size_t n;
    const char *target;
} merge_t;

/* Move source's links to target (tx holds both rows locked) and write the merge row. */
static int s_merge_one(cs_curate_tx_t *tx, const cs_curate_row_t *source,
                       const cs_curate_row_t *target)
{
    const char *st[] = {source->id, target->id};
    /* what the source was, for the unmerge: its counts and dates, the links that met one of the
       target's (they stay here, in the undo data), and the earlier merged_from of the links that
       move */
    PGresult *res = cs_curate_exec(
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
        return cs_curate_refuse(tx->c, "out of memory");

    int rc = cs_curate_command(tx,
                               "DELETE FROM feature_messages fm WHERE fm.feature_id = $1 AND EXISTS"
                               " (SELECT 1 FROM feature_messages t WHERE t.feature_id = $2"
                               "  AND t.message_id = fm.message_id)",
                               2, st);
    if (rc == CS_CURATE_OK)
        rc = cs_curate_command(tx,
                               "UPDATE feature_messages SET feature_id = $2, merged_from = $1"
                               " WHERE feature_id = $1",
                               2, st);
    if (rc == CS_CURATE_OK)
        rc = cs_curate_command(
            tx,
            "UPDATE features SET merged_into = $2, merged_at = now(), mention_count = 0,"
            " updated_at = now() WHERE id = $1",
            2, st);
    if (rc == CS_CURATE_OK)
        rc = cs_curate_recount(tx, target->id);
    char after[32] = "";
    if (rc == CS_CURATE_OK) {
        const char *t[] = {target->id};
        rc = cs_curate_value(tx, "SELECT mention_count FROM features WHERE id = $1", 1, t, after,
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
    return cs_curate_record(tx, source, "merge", args, changes, undo);
}

static int s_merge(cs_curate_tx_t *tx, void *arg)
{
    const merge_t *m = arg;
    const char *ids[CS_CURATE_MAX_IDS + 1];
    cs_curate_row_t *rows = calloc(m->n + 1, sizeof *rows);
    if (!rows)
        return cs_curate_refuse(tx->c, "out of memory");
    for (size_t i = 0; i < m->n; i++)
        ids[i] = m->sources[i];
    ids[m->n] = m->target;
    int rc = cs_curate_lock(tx, ids, m->n + 1, rows);
    cs_curate_row_t *target = &rows[m->n];
    if (rc == CS_CURATE_OK && target->merged_into[0])
        rc = cs_curate_refuse(tx->c, "cannot merge into %s ('%s'): it is merged into %s itself",
                              target->id, target->name, target->merged_into);
    if (rc == CS_CURATE_OK && strcmp(target->status, "rejected") == 0)
        rc = cs_curate_refuse(tx->c,
                              "cannot merge into %s ('%s'): it is rejected (restore it first)",
                              target->id, target->name);
    for (size_t i = 0; i < m->n && rc == CS_CURATE_OK; i++) {
        const cs_curate_row_t *s = &rows[i];
        if (strcmp(s->workspace_id, target->workspace_id) != 0)
            rc = cs_curate_refuse(tx->c,
                                  "cannot merge %s into %s: they belong to different workspaces",
                                  s->id, target->id);
        else if (s->merged_into[0])
            rc = cs_curate_refuse(tx->c, "feature %s ('%s') is already merged into %s", s->id,
                                  s->name, s->merged_into);
        else if (strcmp(s->status, "rejected") == 0)
            rc = cs_curate_refuse(tx->c, "feature %s ('%s') is rejected (restore it first)", s->id,
                                  s->name);
    }
    for (size_t i = 0; i < m->n && rc == CS_CURATE_OK; i++)
        rc = s_merge_one(tx, &rows[i], target);
    if (rc == CS_CURATE_OK)
        rc = cs_curate_notify(tx, target->workspace_id);
    free(rows);
    return rc;
}

int cs_curate_merge(cs_curate_t *c, const char *const *sources, size_t n, const char *target)
{
    c->err[0] = '\0';
    if (n == 0)
        return cs_curate_refuse(c, "nothing to merge: name the features to merge into %s",
                                target ? target : "the target");
    if (n > CS_CURATE_MAX_IDS)
        return cs_curate_refuse(c, "at most %d features in one merge", CS_CURATE_MAX_IDS);
    if (cs_curate_check_id(c, target) != CS_CURATE_OK)
        return CS_CURATE_REFUSED;
    for (size_t i = 0; i < n; i++) {
        if (cs_curate_check_id(c, sources[i]) != CS_CURATE_OK)
            return CS_CURATE_REFUSED;
        if (strcmp(sources[i], target) == 0)
            return cs_curate_refuse(c, "cannot merge feature %s into itself", target);
        for (size_t j = 0; j < i; j++)
            if (strcmp(sources[i], sources[j]) == 0)
                return cs_curate_refuse(c, "feature %s is named twice", sources[i]);
    }
    merge_t m = {sources, n, target};
    return cs_curate_transaction(c, s_merge, &m);
}

static int s_unmerge(cs_curate_tx_t *tx, void *arg)
{
    const char *source_id = arg;
    char target_id[CS_UUID_LEN];
    const char *s[] = {source_id};
    int rc =
        cs_curate_value(tx, "SELECT coalesce(merged_into::text, '-') FROM features WHERE id = $1",
                        1, s, target_id, sizeof target_id);
    if (rc != CS_CURATE_OK)
        return rc;
    if (!target_id[0])
        return cs_curate_refuse(tx->c, "no feature %s", source_id);
    if (strcmp(target_id, "-") == 0)
        return cs_curate_refuse(tx->c, "feature %s was never merged (or is unmerged already)",
                                source_id);
    const char *ids[] = {source_id, target_id};
    cs_curate_row_t rows[2];
    rc = cs_curate_lock(tx, ids, 2, rows);
    if (rc != CS_CURATE_OK)
        return rc;
    if (strcmp(rows[0].merged_into, target_id) != 0) /* changed while we waited: try again */
        return cs_curate_refuse(tx->c, "feature %s changed while unmerging it; try again",
                                source_id);
    if (rows[1].merged_into[0])
        return cs_curate_refuse(
            tx->c, "feature %s is merged into %s, which is merged into %s; unmerge %s first",
            source_id, target_id, rows[1].merged_into, target_id);

    char action[32];
    PGresult *res =
        cs_curate_exec(tx,
                       "SELECT id, undo::text FROM curation_actions WHERE feature_id = $1"
                       " AND action = 'merge' AND undone_by IS NULL ORDER BY id DESC LIMIT 1",
                       1, s);
    if (!res)
        return CS_CURATE_FAILED;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return cs_curate_refuse(tx->c, "feature %s has no merge to undo", source_id);
    }
    cs_strlcpy(action, PQgetvalue(res, 0, 0), sizeof action);
    char *undo_json = strdup(PQgetvalue(res, 0, 1));
    PQclear(res);
    if (!undo_json)
        return cs_curate_refuse(tx->c, "out of memory");

    const char *back[] = {source_id, target_id, undo_json};
    /* the links that moved, and those the writer sent to the target since, come back */
    rc = cs_curate_command(
        tx,
        "UPDATE feature_messages fm SET feature_id = $1, merged_from ="
        " (SELECT (e->>'merged_from')::uuid FROM jsonb_array_elements($3::jsonb ->"
        "  'prior_from') e WHERE (e->>'message_id')::uuid = fm.message_id LIMIT 1)"
        " WHERE fm.feature_id = $2 AND fm.merged_from = $1",
        3, back);
    json_t *undo = rc == CS_CURATE_OK ? json_loads(undo_json, 0, NULL) : NULL;
    if (rc == CS_CURATE_OK)
        rc = undo ? cs_curate_put_links(tx, source_id, json_object_get(undo, "collided"), NULL)
                  : cs_curate_refuse(tx->c, "the merge's undo data cannot be read");
    json_decref(undo);
    if (rc == CS_CURATE_OK)
        rc = cs_curate_recount(tx, source_id);
    if (rc == CS_CURATE_OK)
        rc = cs_curate_command(tx,
                               "UPDATE features f SET merged_into = NULL, merged_at = NULL,"
                               " first_mentioned = LEAST(f.first_mentioned,"
                               "  ($2::jsonb -> 'source' ->> 'first_mentioned')::timestamptz),"
                               " last_mentioned = GREATEST(f.last_mentioned,"
                               "  ($2::jsonb -> 'source' ->> 'last_mentioned')::timestamptz)"
                               " WHERE f.id = $1",
                               2, (const char *[]){source_id, undo_json});
    free(undo_json);
    if (rc == CS_CURATE_OK)
        rc = cs_curate_recount(tx, target_id);
    char count[32] = "0";
    if (rc == CS_CURATE_OK)
        rc = cs_curate_value(tx, "SELECT mention_count FROM features WHERE id = $1", 1, s, count,
                             sizeof count);
    if (rc != CS_CURATE_OK)
        return rc;
    json_t *args = json_pack("{s:s, s:s}", "from", target_id, "undoes", action);
    json_t *changes = json_pack("{s:I}", "links_back", (json_int_t)strtoll(count, NULL, 10));
    rc = cs_curate_record(tx, &rows[0], "unmerge", args, changes, NULL);
    if (rc != CS_CURATE_OK)
        return rc;
    rc = cs_curate_mark_undone(tx, action);
    return rc == CS_CURATE_OK ? cs_curate_notify(tx, rows[0].workspace_id) : rc;
}

int cs_curate_unmerge(cs_curate_t *c, const char *source)
{
    c->err[0] = '\0';
    if (cs_curate_check_id(c, source) != CS_CURATE_OK)
        return CS_CURATE_REFUSED;
    return cs_curate_transaction(c, s_unmerge, (void *)source);
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

static int s_edit(cs_curate_tx_t *tx, void *arg)
{
    const edit_arg_t *e = arg;
    cs_curate_row_t f;
    const char *ids[] = {e->id};
    int rc = cs_curate_lock(tx, ids, 1, &f);
    if (rc == CS_CURATE_OK)
        rc = cs_curate_live(tx->c, &f);
    if (rc != CS_CURATE_OK)
        return rc;
    bool rejected = strcmp(f.status, "rejected") == 0;
    const char *p[] = {f.id, e->value};
    json_t *args = NULL, *changes = NULL, *undo = NULL;
    const char *action = NULL;
    switch (e->what) {
    case EDIT_REJECT:
        if (rejected)
            return cs_curate_refuse(tx->c, "feature %s ('%s') is rejected already", f.id, f.name);
        rc = cs_curate_command(tx,
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
            return cs_curate_refuse(tx->c, "feature %s ('%s') is not rejected (its status is %s)",
                                    f.id, f.name, f.status);
        char reject_id[32] = "", status[16] = "";
        PGresult *res =
            cs_curate_exec(tx,
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
        rc = cs_curate_command(
            tx,
            "UPDATE features SET status = $2, status_reason = NULL, updated_at = now()"
            " WHERE id = $1",
            2, q);
        action = "restore";
        args = reject_id[0] ? json_pack("{s:s}", "undoes", reject_id) : json_object();
        changes = json_pack("{s:{s:s, s:s}}", "status", "before", "rejected", "after", status);
        if (rc == CS_CURATE_OK && reject_id[0]) {
            rc = cs_curate_record(tx, &f, action, args, changes, NULL);
            if (rc == CS_CURATE_OK)
                rc = cs_curate_mark_undone(tx, reject_id);
            return rc == CS_CURATE_OK ? cs_curate_notify(tx, f.workspace_id) : rc;
        }
        break;
    }
    case EDIT_RENAME: {
        rc = cs_curate_name_free(tx, &f, f.theme_id, e->value);
        char *key = rc == CS_CURATE_OK ? cs_name_key(e->value) : NULL;
        if (rc == CS_CURATE_OK && !key)
            rc = cs_curate_refuse(tx->c, "out of memory");
        if (rc == CS_CURATE_OK)
            rc =
                cs_curate_command(tx,
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
        rc = cs_curate_value(tx,
                             "SELECT id || name FROM themes WHERE workspace_id = $1"
                             " AND lower(name) = lower($2)",
                             2, q, found, sizeof found);
        char theme[CS_UUID_LEN] = "";
        const char *theme_name = found[0] ? found + CS_UUID_LEN - 1 : e->value;
        if (found[0])
            cs_strlcpy(theme, found, sizeof theme);
        if (rc == CS_CURATE_OK && !theme[0]) {
            rc = cs_curate_value(tx,
                                 "SELECT string_agg(name, ', ' ORDER BY lower(name)) FROM themes"
                                 " WHERE workspace_id = $1",
                                 1, q, themes, sizeof themes);
            if (rc == CS_CURATE_OK)
                rc = cs_curate_refuse(tx->c, "no theme '%.200s' in the workspace (its themes: %s)",
                                      e->value, themes);
        }
        if (rc == CS_CURATE_OK && strcmp(theme, f.theme_id) == 0)
            rc = cs_curate_refuse(tx->c, "feature %s is in theme '%.200s' already", f.id, e->value);
        if (rc == CS_CURATE_OK)
            rc = cs_curate_name_free(tx, &f, theme, f.name);
        char before[400] = "";
        if (rc == CS_CURATE_OK)
            rc = cs_curate_value(tx, "SELECT name FROM themes WHERE id = $1::uuid", 1,
                                 (const char *[]){f.theme_id[0] ? f.theme_id : NULL}, before,
                                 sizeof before);
        if (rc == CS_CURATE_OK)
            rc = cs_curate_command(
                tx, "UPDATE features SET theme_id = $2, updated_at = now() WHERE id = $1", 2,
                (const char *[]){f.id, theme});
        action = "move";
        args = json_pack("{s:s}", "theme", e->value);
        changes = json_pack("{s:{s:s, s:s}, s:{s:s, s:s}}", "theme", "before", before, "after",
                            theme_name, "theme_id", "before", f.theme_id, "after", theme);
        break;
    }
    case EDIT_STATUS:
        if (rejected)
            return cs_curate_refuse(tx->c, "feature %s ('%s') is rejected: restore it first", f.id,
                                    f.name);
        if (strcmp(f.status, e->value) == 0)
            return cs_curate_refuse(tx->c, "feature %s's status is %s already", f.id, f.status);
        rc = cs_curate_command(
            tx, "UPDATE features SET status = $2, updated_at = now() WHERE id = $1", 2, p);
        action = "set-status";
        args = json_pack("{s:s}", "status", e->value);
        changes = json_pack("{s:{s:s, s:s}}", "status", "before", f.status, "after", e->value);
        break;
    case EDIT_DESCRIBE: {
        char *before = NULL;
        PGresult *res =
            cs_curate_exec(tx, "SELECT description FROM features WHERE id = $1", 1, ids);
        if (!res)
            return CS_CURATE_FAILED;
        before = strdup(PQgetvalue(res, 0, 0));
        PQclear(res);
        rc = cs_curate_command(
            tx, "UPDATE features SET description = $2, updated_at = now() WHERE id = $1", 2, p);
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
    rc = cs_curate_record(tx, &f, action, args, changes, undo);
    return rc == CS_CURATE_OK ? cs_curate_notify(tx, f.workspace_id) : rc;
}

static int s_run_edit(cs_curate_t *c, edit_t what, const char *id, const char *value)
{
    c->err[0] = '\0';
    if (cs_curate_check_id(c, id) != CS_CURATE_OK)
        return CS_CURATE_REFUSED;
    edit_arg_t e = {what, id, value};
    return cs_curate_transaction(c, s_edit, &e);
}

int cs_curate_reject(cs_curate_t *c, const char *feature_id, const char *reason)
{
    if (cs_curate_check_text(c, "reason", reason, 1, CS_CURATE_REASON_MAX) != CS_CURATE_OK)
        return CS_CURATE_REFUSED;
    return s_run_edit(c, EDIT_REJECT, feature_id, reason);
}

int cs_curate_restore(cs_curate_t *c, const char *feature_id)
{
    return s_run_edit(c, EDIT_RESTORE, feature_id, NULL);
}

int cs_curate_rename(cs_curate_t *c, const char *feature_id, const char *name)
{
    if (cs_curate_check_text(c, "name", name, 1, CS_CURATE_NAME_MAX) != CS_CURATE_OK)
        return CS_CURATE_REFUSED;
    return s_run_edit(c, EDIT_RENAME, feature_id, name);
}

int cs_curate_move(cs_curate_t *c, const char *feature_id, const char *theme_name)
{
    if (cs_curate_check_text(c, "theme", theme_name, 1, 200) != CS_CURATE_OK)
        return CS_CURATE_REFUSED;
    return s_run_edit(c, EDIT_MOVE, feature_id, theme_name);
}

int cs_curate_set_status(cs_curate_t *c, const char *feature_id, const char *status)
{
    static const char *const known[] = {"new", "under-review", "planned", "shipped"};
    c->err[0] = '\0';
    if (status && strcmp(status, "rejected") == 0)
        return cs_curate_refuse(
            c, "to reject a feature, use 'callsift feature reject ID --reason TEXT'");
    bool ok = false;
    for (size_t i = 0; status && i < sizeof known / sizeof known[0]; i++)
        ok = ok || strcmp(status, known[i]) == 0;
    if (!ok)
        return cs_curate_refuse(c, "unknown status '%.40s' (new, under-review, planned or shipped)",
                                status ? status : "");
    return s_run_edit(c, EDIT_STATUS, feature_id, status);
}

int cs_curate_describe(cs_curate_t *c, const char *feature_id, const char *description)
{
    if (cs_curate_check_text(c, "description", description, 0, CS_CURATE_DESCRIPTION_MAX) !=
        CS_CURATE_OK)
        return CS_CURATE_REFUSED;
    return s_run_edit(c, EDIT_DESCRIBE, feature_id, description ? description : "");
}

/* ---- undo ---------------------------------------------------------------------------------- */

/* The action being undone. */
typedef struct {
    long long id;
    char feature_id[CS_UUID_LEN];
    char action[16];
    json_t *arguments, *changes, *undo;
} undo_arg_t;

/* The field an edit changed must still hold what the edit left there: else another change came
   since, and setting the old value back would undo that one too. */
static int s_unchanged(cs_curate_tx_t *tx, const undo_arg_t *u, const char *sql, const char *field)
{
    const char *after =
        json_string_value(json_object_get(json_object_get(u->changes, field), "after"));
    char now[20001] = "";
    const char *params[] = {u->feature_id};
    int rc = cs_curate_value(tx, sql, 1, params, now, sizeof now);
    if (rc == CS_CURATE_OK && (!after || strcmp(now, after) != 0))
        rc = cs_curate_refuse(tx->c,
                              "cannot undo action %lld: the feature's %s changed again since; "
                              "see 'callsift feature history %s'",
                              u->id, field, u->feature_id);
    return rc;
}

/* The value a field had before the edit. */
static const char *s_before(const undo_arg_t *u, const char *field)
{
    const char *v =
        json_string_value(json_object_get(json_object_get(u->changes, field), "before"));
    return v ? v : "";
}

static int s_undo(cs_curate_tx_t *tx, void *arg)
{
    undo_arg_t *u = arg;
    char id[32];
    snprintf(id, sizeof id, "%lld", u->id);
    const char *params[] = {id};
    PGresult *res = cs_curate_exec(tx,
                                   "SELECT feature_id, action, arguments::text, changes::text,"
                                   " undo::text, undone_by FROM curation_actions WHERE id = $1"
                                   " FOR UPDATE",
                                   1, params);
    if (!res)
        return CS_CURATE_FAILED;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return cs_curate_refuse(tx->c, "no curation action %lld", u->id);
    }
    if (!PQgetisnull(res, 0, 5)) {
        int rc = cs_curate_refuse(tx->c, "action %lld was undone already, by action %s", u->id,
                                  PQgetvalue(res, 0, 5));
        PQclear(res);
        return rc;
    }
    cs_strlcpy(u->feature_id, PQgetvalue(res, 0, 0), sizeof u->feature_id);
    cs_strlcpy(u->action, PQgetvalue(res, 0, 1), sizeof u->action);
    json_decref(u->arguments);
    json_decref(u->changes);
    json_decref(u->undo);
    u->arguments = json_loads(PQgetvalue(res, 0, 2), 0, NULL);
    u->changes = json_loads(PQgetvalue(res, 0, 3), 0, NULL);
    u->undo = json_loads(PQgetvalue(res, 0, 4), 0, NULL);
    PQclear(res);
    if (!u->arguments || !u->changes || !u->undo)
        return cs_curate_refuse(tx->c, "out of memory");

    int rc;
    edit_arg_t e = {EDIT_RENAME, u->feature_id, NULL};
    if (strcmp(u->action, "merge") == 0) {
        return s_unmerge(tx, u->feature_id); /* marks the merge undone */
    } else if (strcmp(u->action, "reject") == 0) {
        e.what = EDIT_RESTORE; /* marks the reject undone */
        return s_edit(tx, &e);
    } else if (strcmp(u->action, "rename") == 0) {
        rc = s_unchanged(tx, u, "SELECT name FROM features WHERE id = $1", "name");
        e.value = s_before(u, "name");
    } else if (strcmp(u->action, "move") == 0) {
        rc = s_unchanged(tx, u, "SELECT coalesce(theme_id::text, '') FROM features WHERE id = $1",
                         "theme_id");
        char theme[1000] = "";
        const char *before[] = {s_before(u, "theme_id")};
        if (rc == CS_CURATE_OK && !before[0][0])
            rc =
                cs_curate_refuse(tx->c, "cannot undo action %lld: the feature had no theme", u->id);
        if (rc == CS_CURATE_OK)
            rc = cs_curate_value(tx, "SELECT name FROM themes WHERE id = $1", 1, before, theme,
                                 sizeof theme);
        if (rc == CS_CURATE_OK && !theme[0])
            rc = cs_curate_refuse(tx->c, "cannot undo action %lld: its theme is gone", u->id);
        e.what = EDIT_MOVE;
        e.value = theme;
        if (rc == CS_CURATE_OK)
            rc = s_edit(tx, &e);
        goto mark;
    } else if (strcmp(u->action, "set-status") == 0) {
        rc = s_unchanged(tx, u, "SELECT status FROM features WHERE id = $1", "status");
        e.what = EDIT_STATUS;
        e.value = s_before(u, "status");
    } else if (strcmp(u->action, "describe") == 0) {
        rc = s_unchanged(tx, u, "SELECT description FROM features WHERE id = $1", "description");
        e.what = EDIT_DESCRIBE;
        e.value = s_before(u, "description");
    } else if (strcmp(u->action, "split") == 0) {
        rc = cs_curate_unsplit(tx, u->feature_id, u->arguments, u->changes, u->undo);
        goto mark;
    } else if (strcmp(u->action, "detach") == 0) {
        rc = cs_curate_attach(tx, u->feature_id, json_object_get(u->undo, "link"));
        goto mark;
    } else {
        return cs_curate_refuse(tx->c,
                                "action %lld is an %s: to undo it, do what it undid again "
                                "(see 'callsift feature history %s')",
                                u->id, u->action, u->feature_id);
    }
    if (rc == CS_CURATE_OK)
        rc = s_edit(tx, &e);
mark:
    if (rc != CS_CURATE_OK)
        return rc;
    return cs_curate_mark_undone(tx, id);
}

int cs_curate_undo(cs_curate_t *c, long long action_id, char *action, size_t actionlen)
{
    c->err[0] = '\0';
    if (action_id <= 0)
        return cs_curate_refuse(c, "'%lld' is not a curation action id", action_id);
    undo_arg_t u = {.id = action_id};
    int rc = cs_curate_transaction(c, s_undo, &u);
    if (action)
        cs_strlcpy(action, u.action, actionlen);
    json_decref(u.arguments);
    json_decref(u.changes);
    json_decref(u.undo);
    return rc;
}
