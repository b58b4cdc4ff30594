#include "cs_curate.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cs_curate_tx.h"
#include "cs_util.h"

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
static int s_split_target(cs_curate_tx_t *tx, const cs_curate_row_t *from, const char *name,
                          char *id)
{
    int rc = cs_curate_name_free(tx, from, from->theme_id, name);
    char *key = rc == CS_CURATE_OK ? cs_name_key(name) : NULL;
    if (rc == CS_CURATE_OK && !key)
        rc = cs_curate_refuse(tx->c, "out of memory");
    if (rc != CS_CURATE_OK)
        return rc;
    cs_uuid_v4(id);
    const char *params[] = {id, from->id, name, key};
    rc = cs_curate_command(
        tx,
        "INSERT INTO features (id, workspace_id, theme_id, name, description, urgency,"
        " status, name_key) SELECT $1, workspace_id, theme_id, $3, '', urgency, 'new', $4"
        " FROM features WHERE id = $2",
        4, params);
    free(key);
    return rc;
}

static int s_split(cs_curate_tx_t *tx, void *arg)
{
    split_t *sp = arg;
    cs_curate_row_t rows[2];
    const char *ids[] = {sp->id, sp->into};
    int rc = cs_curate_lock(tx, ids, sp->into ? 2 : 1, rows);
    const cs_curate_row_t *from = &rows[0];
    if (rc == CS_CURATE_OK)
        rc = cs_curate_live(tx->c, from);
    if (rc == CS_CURATE_OK && sp->into) {
        const cs_curate_row_t *into = &rows[1];
        if (strcmp(into->workspace_id, from->workspace_id) != 0)
            rc = cs_curate_refuse(tx->c, "feature %s belongs to another workspace", into->id);
        else if (into->merged_into[0])
            rc = cs_curate_live(tx->c, into);
        else if (strcmp(into->status, "rejected") == 0)
            rc = cs_curate_refuse(tx->c, "feature %s ('%s') is rejected (restore it first)",
                                  into->id, into->name);
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
        return cs_curate_refuse(tx->c, "out of memory");
    const char *q[] = {from->id, calls_json, from->workspace_id};
    PGresult *res = cs_curate_exec(tx,
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
            rc = cs_curate_refuse(tx->c, "call %.100s is not linked to feature %s",
                                  PQgetvalue(res, r, 0), from->id);
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
        rc = cs_curate_refuse(tx->c, "out of memory");
    if (rc != CS_CURATE_OK) {
        free(msg_json);
        return rc;
    }
    const char *mv[] = {from->id, target, msg_json};
    /* a call the target links to already keeps the target's link; the rest move */
    res = cs_curate_exec(
        tx,
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
        rc = cs_curate_command(tx,
                               "UPDATE feature_messages SET feature_id = $2 WHERE feature_id = $1"
                               " AND message_id IN (SELECT (e #>> '{}')::uuid"
                               "  FROM jsonb_array_elements($3::jsonb) e)",
                               3, mv);
    if (rc == CS_CURATE_OK)
        rc = cs_curate_recount(tx, from->id);
    if (rc == CS_CURATE_OK)
        rc = cs_curate_recount(tx, target);
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
    rc = cs_curate_record(tx, from, "split", args, changes, undo);
    return rc == CS_CURATE_OK ? cs_curate_notify(tx, from->workspace_id) : rc;
}

int cs_curate_split(cs_curate_t *c, const char *feature_id, const char *const *call_ids, size_t n,
                    const char *into, const char *name, char *new_id)
{
    c->err[0] = '\0';
    if (cs_curate_check_id(c, feature_id) != CS_CURATE_OK)
        return CS_CURATE_REFUSED;
    if (n == 0)
        return cs_curate_refuse(c, "name the calls to split off (--calls CALL_ID...)");
    if (n > CS_CURATE_MAX_IDS)
        return cs_curate_refuse(c, "at most %d calls in one split", CS_CURATE_MAX_IDS);
    for (size_t i = 0; i < n; i++) {
        if (!call_ids[i][0] || strlen(call_ids[i]) > 200)
            return cs_curate_refuse(c, "'%.64s' is not a call id", call_ids[i]);
        for (size_t j = 0; j < i; j++)
            if (strcmp(call_ids[i], call_ids[j]) == 0)
                return cs_curate_refuse(c, "call %.100s is named twice", call_ids[i]);
    }
    if ((into != NULL) == (name != NULL))
        return cs_curate_refuse(c, "split needs either --into ID or --name TEXT");
    if (into) {
        if (cs_curate_check_id(c, into) != CS_CURATE_OK)
            return CS_CURATE_REFUSED;
        if (strcmp(into, feature_id) == 0)
            return cs_curate_refuse(c, "cannot split feature %s into itself", into);
    } else if (cs_curate_check_text(c, "name", name, 1, CS_CURATE_NAME_MAX) != CS_CURATE_OK) {
        return CS_CURATE_REFUSED;
    }
    split_t sp = {feature_id, call_ids, n, into, name, new_id};
    return cs_curate_transaction(c, s_split, &sp);
}

typedef struct {
    const char *id;
    const char *message_id;
} detach_t;

static int s_detach(cs_curate_tx_t *tx, void *arg)
{
    const detach_t *d = arg;
    cs_curate_row_t f;
    const char *ids[] = {d->id};
    int rc = cs_curate_lock(tx, ids, 1, &f);
    if (rc == CS_CURATE_OK)
        rc = cs_curate_live(tx->c, &f);
    if (rc != CS_CURATE_OK)
        return rc;
    const char *p[] = {f.id, d->message_id};
    PGresult *res =
        cs_curate_exec(tx,
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
        return cs_curate_refuse(tx->c, "message %s is not linked to feature %s", d->message_id,
                                f.id);
    rc = cs_curate_recount(tx, f.id);
    if (rc != CS_CURATE_OK) {
        json_decref(link);
        return rc;
    }
    json_t *args = json_pack("{s:s}", "message_id", d->message_id);
    json_t *undo = json_pack("{s:o}", "link", link ? link : json_object());
    rc = cs_curate_record(tx, &f, "detach", args, NULL, undo);
    return rc == CS_CURATE_OK ? cs_curate_notify(tx, f.workspace_id) : rc;
}

int cs_curate_detach(cs_curate_t *c, const char *feature_id, const char *message_id)
{
    c->err[0] = '\0';
    if (cs_curate_check_id(c, feature_id) != CS_CURATE_OK)
        return CS_CURATE_REFUSED;
    if (!message_id || !cs_uuid_valid(message_id))
        return cs_curate_refuse(c, "'%.64s' is not a message id (a UUID)",
                                message_id ? message_id : "");
    detach_t d = {feature_id, message_id};
    return cs_curate_transaction(c, s_detach, &d);
}

/* ---- undoing a split or a detach ----------------------------------------------------------- */

int cs_curate_unsplit(cs_curate_tx_t *tx, const char *feature_id, const json_t *arguments,
                      const json_t *changes, const json_t *undo)
{
    const char *into = json_string_value(json_object_get(arguments, "into"));
    if (!into || !cs_uuid_valid(into))
        return cs_curate_refuse(tx->c, "the split has no feature it went to");
    const char *ids[] = {feature_id, into};
    cs_curate_row_t rows[2];
    int rc = cs_curate_lock(tx, ids, 2, rows);
    if (rc == CS_CURATE_OK)
        rc = cs_curate_live(tx->c, &rows[0]);
    if (rc == CS_CURATE_OK)
        rc = cs_curate_live(tx->c, &rows[1]);
    char *moved = json_dumps(json_object_get(changes, "messages"), JSON_COMPACT);
    char *kept = json_dumps(json_object_get(undo, "kept_by_target"), JSON_COMPACT);
    if (rc == CS_CURATE_OK && (!moved || !kept))
        rc = cs_curate_refuse(tx->c, "out of memory");
    /* the links that moved come back (those still there); the ones the other feature had of
       its own stay, and the feature's own rows for those calls are written again */
    const char *p[] = {feature_id, into, moved, kept};
    char back[32] = "0";
    if (rc == CS_CURATE_OK)
        rc = cs_curate_value(
            tx,
            "WITH back AS (UPDATE feature_messages SET feature_id = $1 WHERE feature_id = $2"
            "  AND message_id IN (SELECT (e #>> '{}')::uuid FROM jsonb_array_elements($3::jsonb) e)"
            "  AND message_id NOT IN (SELECT (k->>'message_id')::uuid"
            "   FROM jsonb_array_elements($4::jsonb) k) RETURNING 1)"
            " SELECT count(*) FROM back",
            4, p, back, sizeof back);
    if (rc == CS_CURATE_OK)
        rc = cs_curate_put_links(tx, feature_id, json_object_get(undo, "kept_by_target"), NULL);
    free(moved);
    free(kept);
    if (rc == CS_CURATE_OK)
        rc = cs_curate_recount(tx, feature_id);
    if (rc == CS_CURATE_OK)
        rc = cs_curate_recount(tx, into);
    if (rc != CS_CURATE_OK)
        return rc;
    json_t *args = json_pack("{s:s, s:s, s:O}", "into", feature_id, "into_name", rows[0].name,
                             "calls", json_object_get(arguments, "calls"));
    json_t *chg = json_pack("{s:O, s:b, s:I}", "messages", json_object_get(changes, "messages"),
                            "new_feature", 0, "links_back", (json_int_t)strtoll(back, NULL, 10));
    rc = cs_curate_record(tx, &rows[1], "split", args, chg, NULL);
    return rc == CS_CURATE_OK ? cs_curate_notify(tx, rows[0].workspace_id) : rc;
}

int cs_curate_attach(cs_curate_tx_t *tx, const char *feature_id, const json_t *link)
{
    const char *message_id = json_string_value(json_object_get(link, "message_id"));
    if (!message_id)
        return cs_curate_refuse(tx->c, "the detach kept no link to put back");
    cs_curate_row_t f;
    const char *ids[] = {feature_id};
    int rc = cs_curate_lock(tx, ids, 1, &f);
    if (rc == CS_CURATE_OK)
        rc = cs_curate_live(tx->c, &f);
    long long added = 0;
    json_t *one = json_pack("[O]", link);
    if (rc == CS_CURATE_OK)
        rc = one ? cs_curate_put_links(tx, feature_id, one, &added)
                 : cs_curate_refuse(tx->c, "out of memory");
    json_decref(one);
    if (rc == CS_CURATE_OK && added != 1)
        rc = cs_curate_refuse(tx->c, "message %s is linked to feature %s already, or is gone",
                              message_id, feature_id);
    if (rc == CS_CURATE_OK)
        rc = cs_curate_recount(tx, feature_id);
    if (rc != CS_CURATE_OK)
        return rc;
    rc = cs_curate_record(tx, &f, "attach", json_pack("{s:s}", "message_id", message_id), NULL,
                          NULL);
    return rc == CS_CURATE_OK ? cs_curate_notify(tx, f.workspace_id) : rc;
}
