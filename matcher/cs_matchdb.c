#include "cs_matchdb.h"

#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "cs_log.h"
#include "cs_util.h"

struct cs_matchdb {
    cs_db_t *db;
    cs_match_t *m;
    zhashx_t *catalogs; /* workspace id -> cs_catalog_t */
    bool lost;          /* the connection dropped: notifications may be missing */
};

static void s_catalog_destroy(void **item)
{
    cs_catalog_destroy((cs_catalog_t **)item);
}

static int s_listen(cs_matchdb_t *self, char *err, size_t errlen)
{
    if (cs_db_command(self->db, "LISTEN callsift_features", 0, NULL, err, errlen) != 0 ||
        cs_db_command(self->db, "LISTEN callsift_themes", 0, NULL, err, errlen) != 0)
        return -1;
    return 0;
}

cs_matchdb_t *cs_matchdb_new(cs_db_t *db, cs_match_t *m, char *err, size_t errlen)
{
    cs_matchdb_t *self = calloc(1, sizeof *self);
    if (!self) {
        cs_fail(err, errlen, "out of memory");
        return NULL;
    }
    self->db = db;
    self->m = m;
    self->catalogs = zhashx_new();
    if (!self->catalogs || s_listen(self, err, errlen) != 0) {
        cs_matchdb_destroy(&self);
        return NULL;
    }
    zhashx_set_destructor(self->catalogs, s_catalog_destroy);
    return self;
}

void cs_matchdb_destroy(cs_matchdb_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy(&(*self_p)->catalogs);
    free(*self_p);
    *self_p = NULL;
}

/* The names the features' linked mentions came under, as their aliases (cs_catalog.h): the
   first few distinct ones of each; and each feature's most recent quotes. A failure leaves the
   features without them (logged). */
static void s_load_aliases(cs_matchdb_t *self, cs_catalog_t *cat)
{
    const char *p[] = {cs_catalog_workspace(cat)};
    char err[256];
    PGresult *res = cs_db_exec(
        self->db,
        "SELECT feature_id, title, description FROM (SELECT DISTINCT ON"
        " (feature_id, lower(extracted->>'title')) feature_id, extracted->>'title' AS title,"
        " coalesce(extracted->>'description', '') AS description, id FROM match_decisions"
        " WHERE workspace_id = $1 AND action = 'link' AND method <> 'exact'"
        " AND feature_id IS NOT NULL AND extracted->>'title' IS NOT NULL"
        " ORDER BY feature_id, lower(extracted->>'title'), id) t ORDER BY id",
        1, p, err, sizeof err);
    if (!res) {
        cs_warn("Cannot load the features' aliases: %s", err);
        return;
    }
    bool sparse = strcmp(cs_match_vector_model(self->m), CS_VEC_OFFLINE_MODEL) == 0;
    for (int i = 0; i < PQntuples(res); i++) {
        cs_feature_t *f = (cs_feature_t *)cs_catalog_get(cat, PQgetvalue(res, i, 0));
        if (!f || f->naliases == CS_CATALOG_MAX_ALIASES)
            continue;
        cs_vec_t v = {0};
        if (sparse && cs_vec_offline_feature(PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), &v) != 0)
            break;
        cs_catalog_add_alias(cat, f, PQgetvalue(res, i, 1), &v);
    }
    PQclear(res);
    char keep[16];
    snprintf(keep, sizeof keep, "%d", CS_CATALOG_QUOTES);
    res = cs_db_exec(self->db,
                     "SELECT feature_id, quote FROM (SELECT fm.feature_id, fm.quote, row_number()"
                     " OVER (PARTITION BY fm.feature_id ORDER BY fm.created_at DESC) AS n"
                     " FROM feature_messages fm JOIN features f ON f.id = fm.feature_id"
                     " WHERE f.workspace_id = $1 AND coalesce(fm.quote, '') <> '') q"
                     " WHERE n <= $2::int ORDER BY n DESC",
                     2, (const char *[]){p[0], keep}, err, sizeof err);
    if (!res) {
        cs_warn("Cannot load the features' recent quotes: %s", err);
        return;
    }
    for (int i = 0; i < PQntuples(res); i++) { /* oldest first: the newest ends up first */
        const cs_feature_t *f = cs_catalog_get(cat, PQgetvalue(res, i, 0));
        if (f)
            cs_catalog_add_quote(cs_catalog_at(cat, f->pos), PQgetvalue(res, i, 1));
    }
    PQclear(res);
}

static int s_load(cs_matchdb_t *self, cs_catalog_t *cat, char *err, size_t errlen)
{
    const char *ws = cs_catalog_workspace(cat);
    const char *p[] = {ws};
    PGresult *themes = cs_db_exec(self->db,
                                  "SELECT id, name, is_default FROM themes WHERE workspace_id = $1"
                                  " ORDER BY is_default, lower(name)",
                                  1, p, err, errlen);
    if (!themes)
        return -1;
    PGresult *features =
        cs_db_exec(self->db,
                   "SELECT id, coalesce(theme_id::text, ''), name, description, embedding,"
                   " embedding_index, embedding_model FROM features WHERE workspace_id = $1"
                   " ORDER BY created_at, id",
                   1, p, err, errlen);
    if (!features) {
        PQclear(themes);
        return -1;
    }
    /* keep what this matcher created and the writer has not stored yet */
    cs_catalog_t *own = cs_catalog_new(ws, false);
    for (size_t i = 0; own && i < cs_catalog_size(cat); i++) {
        cs_feature_t *f = cs_catalog_at(cat, i);
        if (f->own)
            cs_catalog_add(own, f->id, f->theme_id, f->name, f->description, &f->vec, true);
    }
    cs_catalog_clear(cat);
    for (int i = 0; i < PQntuples(themes); i++)
        cs_catalog_add_theme(cat, PQgetvalue(themes, i, 0), PQgetvalue(themes, i, 1),
                             PQgetvalue(themes, i, 2)[0] == 't');
    const char *model = cs_match_vector_model(self->m);
    long stale = 0;
    for (int i = 0; i < PQntuples(features); i++) {
        cs_vec_t v = {0};
        char verr[128];
        if (!PQgetisnull(features, i, 4) && !PQgetisnull(features, i, 6) &&
            strcmp(PQgetvalue(features, i, 6), model) == 0 &&
            cs_vec_from_pg(PQgetvalue(features, i, 4),
                           PQgetisnull(features, i, 5) ? NULL : PQgetvalue(features, i, 5), &v,
                           verr, sizeof verr) != 0) {
            cs_warn("Feature %s has an unreadable stored vector (%s); embedding it again",
                    PQgetvalue(features, i, 0), verr);
        }
        stale += v.n == 0;
        if (!cs_catalog_add(cat, PQgetvalue(features, i, 0), PQgetvalue(features, i, 1),
                            PQgetvalue(features, i, 2), PQgetvalue(features, i, 3), &v, false))
            cs_vec_free(&v);
    }
    s_load_aliases(self, cat);
    long kept = 0;
    for (size_t i = 0; own && i < cs_catalog_size(own); i++) {
        cs_feature_t *f = cs_catalog_at(own, i);
        if (!cs_catalog_get(cat, f->id) &&
            cs_catalog_add(cat, f->id, f->theme_id, f->name, f->description, &f->vec, true))
            kept++;
    }
    cs_catalog_destroy(&own);
    cs_info("Loaded %d existing features of workspace %s (%d themes)%s", PQntuples(features), ws,
            PQntuples(themes), kept ? "; kept the ones created here and not yet stored" : "");
    if (stale && strcmp(model, CS_VEC_OFFLINE_MODEL) != 0)
        cs_info("%ld of them have no stored %s vector", stale, model);
    PQclear(themes);
    PQclear(features);
    return cs_match_prepare(self->m, cat, err, errlen);
}

/* Load with retries while PostgreSQL is away. */
static int s_load_patiently(cs_matchdb_t *self, cs_catalog_t *cat)
{
    char err[512];
    for (int attempt = 1; !cs_stop_requested(); attempt++) {
        if (!cs_db_ok(self->db) || self->lost) {
            if (cs_db_ensure(self->db, 0) != 0)
                return -1; /* stopping, or the database refuses for good */
            if (s_listen(self, err, sizeof err) != 0)
                continue;
            if (self->lost) { /* what changed meanwhile is unknown: reload everything */
                self->lost = false;
                for (cs_catalog_t *c = zhashx_first(self->catalogs); c;
                     c = zhashx_next(self->catalogs))
                    if (c != cat)
                        s_load(self, c, err, sizeof err);
            }
        }
        if (s_load(self, cat, err, sizeof err) == 0)
            return 0;
        if (cs_match_fatal(self->m, NULL) || cs_db_permanent(self->db))
            return -1; /* no retry can help: the caller stops */
        cs_warn("Cannot load the catalogue of workspace %s: %s; retrying",
                cs_catalog_workspace(cat), err);
        cs_sleep_ms(cs_backoff_ms(attempt, 200, 5000));
    }
    return -1;
}

/* 1 when the workspaces table has workspace_id, 0 when not, -1 when stopping; waits for
   PostgreSQL while it is away. */
static int s_workspace_exists(cs_matchdb_t *self, const char *workspace_id)
{
    char err[512];
    for (int attempt = 1; !cs_stop_requested(); attempt++) {
        if (!cs_db_ok(self->db) && cs_db_ensure(self->db, 0) != 0)
            return -1; /* stopping */
        const char *p[] = {workspace_id};
        PGresult *res = cs_db_exec(self->db, "SELECT 1 FROM workspaces WHERE id = $1::uuid", 1, p,
                                   err, sizeof err);
        if (res) {
            int found = PQntuples(res) > 0;
            PQclear(res);
            return found;
        }
        cs_warn("Cannot look up workspace %s: %s; retrying", workspace_id, err);
        cs_sleep_ms(cs_backoff_ms(attempt, 200, 5000));
    }
    return -1;
}

cs_catalog_t *cs_matchdb_catalog(cs_matchdb_t *self, const char *workspace_id, bool *unknown)
{
    *unknown = false;
    cs_catalog_t *cat = zhashx_lookup(self->catalogs, workspace_id);
    if (cat && !self->lost)
        return cat;
    if (!cat) {
        int exists = s_workspace_exists(self, workspace_id);
        if (exists <= 0) {
            *unknown = exists == 0;
            return NULL;
        }
        cat = cs_catalog_new(workspace_id,
                             strcmp(cs_match_vector_model(self->m), CS_VEC_OFFLINE_MODEL) == 0);
        if (!cat)
            return NULL;
        zhashx_insert(self->catalogs, workspace_id, cat);
    }
    return s_load_patiently(self, cat) == 0 ? cat : NULL;
}

int cs_matchdb_fd(cs_matchdb_t *self)
{
    return cs_db_ok(self->db) ? PQsocket(cs_db_conn(self->db)) : -1;
}

int cs_matchdb_poll(cs_matchdb_t *self)
{
    PGconn *conn = cs_db_conn(self->db);
    if (!conn)
        return 0;
    if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK) {
        if (!self->lost)
            cs_warn("Lost the PostgreSQL connection; catalogues reload when it is back");
        self->lost = true;
        return 0;
    }
    int n = 0;
    PGnotify *note;
    while ((note = PQnotifies(conn)) != NULL) {
        cs_catalog_t *cat = note->extra ? zhashx_lookup(self->catalogs, note->extra) : NULL;
        if (cat) {
            cs_info("%s of workspace %s changed; reloading its catalogue",
                    strcmp(note->relname, "callsift_themes") == 0 ? "Themes" : "Features",
                    note->extra);
            s_load_patiently(self, cat);
        }
        PQfreemem(note);
        n++;
    }
    return n;
}
