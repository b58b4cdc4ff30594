/*  cs_curate_tx: what the curation actions (cs_curate.c, cs_curate_links.c) share: one action's
    transaction, retried after a deadlock; the feature rows it locks; the audit row it writes;
    the NOTIFY that makes the matcher reload; the checks of its input.

    Internal to cs_curate: the functions return CS_CURATE_OK, CS_CURATE_REFUSED or
    CS_CURATE_FAILED with the reason in tx->c->err, like the public ones. */
#ifndef CS_CURATE_TX_H
#define CS_CURATE_TX_H

#include <stddef.h>

#include <jansson.h>

#include "cs_curate.h"

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
} cs_curate_row_t;

/* One action in progress: the handle, and the sqlstate of its failure. */
typedef struct {
    cs_curate_t *c;
    char sqlstate[6];
} cs_curate_tx_t;

/* A transaction's body: runs between BEGIN and COMMIT. */
typedef int (*cs_curate_body_t)(cs_curate_tx_t *tx, void *arg);

/* printf the reason into c->err; CS_CURATE_REFUSED. */
int cs_curate_refuse(cs_curate_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* cs_db_exec in the action's transaction: the result (the caller PQclear()s), or NULL with the
   reason in c->err and the SQLSTATE kept for the retry. */
PGresult *cs_curate_exec(cs_curate_tx_t *tx, const char *sql, int n, const char *const *params);

/* cs_curate_exec for a statement whose result is not needed. */
int cs_curate_command(cs_curate_tx_t *tx, const char *sql, int n, const char *const *params);

/* The first column of the first row, copied into out; "" when there is no row or it is NULL. */
int cs_curate_value(cs_curate_tx_t *tx, const char *sql, int n, const char *const *params,
                    char *out, size_t outlen);

/* Lock the features ids (n, distinct UUIDs) FOR UPDATE in id order and read them into rows, in
   the order of ids. REFUSED ("no feature X") when one does not exist. */
int cs_curate_lock(cs_curate_tx_t *tx, const char *const *ids, size_t n, cs_curate_row_t *rows);

/* REFUSED when f is merged away ("... is merged into ...; unmerge it first"). */
int cs_curate_live(cs_curate_t *c, const cs_curate_row_t *f);

/* mention_count, first and last mentioned of feature id, from its links. */
int cs_curate_recount(cs_curate_tx_t *tx, const char *id);

/* Write the action's curation_actions row for feature f; arguments, changes and undo (each may
   be NULL: {}) are stolen. Keeps the row's id in tx->c->action_id. */
int cs_curate_record(cs_curate_tx_t *tx, const cs_curate_row_t *f, const char *action,
                     json_t *arguments, json_t *changes, json_t *undo);

/* NOTIFY callsift_features with the workspace id, delivered when the transaction commits. */
int cs_curate_notify(cs_curate_tx_t *tx, const char *workspace_id);

/* Run body in a transaction: commit when it returns OK, roll back otherwise, and run it again
   (up to CS_CURATE_ATTEMPTS times) after a deadlock or serialisation failure. Checks c->by. */
int cs_curate_transaction(cs_curate_t *c, cs_curate_body_t body, void *arg);

/* REFUSED unless id is a UUID. */
int cs_curate_check_id(cs_curate_t *c, const char *id);

/* REFUSED unless text is valid UTF-8 of min..max characters, not blank when min > 0. */
int cs_curate_check_text(cs_curate_t *c, const char *what, const char *text, size_t min,
                         size_t max);

/* REFUSED when another live feature of the workspace has that name (cs_name_key) in the theme
   (theme_id "" for none). */
int cs_curate_name_free(cs_curate_tx_t *tx, const cs_curate_row_t *f, const char *theme_id,
                        const char *name);

/* Write links (a JSON array of feature_messages rows as the undo data keeps them: message_id,
   quote, speaker, confidence, created_at, merged_from) onto feature_id again, but for calls
   that are gone or linked to it already; how many were written into *added (may be NULL). */
int cs_curate_put_links(cs_curate_tx_t *tx, const char *feature_id, const json_t *links,
                        long long *added);

/* Mark action undone_id (text) undone by the action this transaction wrote last. */
int cs_curate_mark_undone(cs_curate_tx_t *tx, const char *undone_id);

/* The inverse of a split of feature_id recorded with arguments, changes and undo: the links
   that moved and are still at the feature they went to come back, the feature's own rows for
   calls that feature had already are written again; recorded as a split the other way. */
int cs_curate_unsplit(cs_curate_tx_t *tx, const char *feature_id, const json_t *arguments,
                      const json_t *changes, const json_t *undo);

/* The inverse of a detach: the link it kept (a feature_messages row as JSON) is written again
   on feature_id, recorded as an `attach`. REFUSED when the call is linked to it already. */
int cs_curate_attach(cs_curate_tx_t *tx, const char *feature_id, const json_t *link);

#endif
