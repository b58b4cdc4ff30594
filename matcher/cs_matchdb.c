#include "cs_matchdb.h"

#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "cs_collapse.h"
#include "cs_log.h"
#include "cs_util.h"

/* What the matcher knows of a person's merges in a workspace (cs_matchdb_take_merges). */
typedef struct {
    long long seen;  /* the newest curation action looked at; -1: none yet (first load) */
    json_t *pending; /* {"merges": [...]} proposed after a reload, not yet sent; NULL: none */
} merges_t;

struct cs_matchdb {
    cs_db_t *db;
    cs_match_t *m;
    zhashx_t *catalogs; /* workspace id -> cs_catalog_t */
    zhashx_t *merges;   /* workspace id -> merges_t */
    bool lost;          /* the connection dropped: notifications may be missing */
};

static void s_catalog_destroy(void **item)
{
    cs_catalog_destroy((cs_catalog_t **)item);
}

static void s_merges_destroy(void **item)
{
    merges_t *mg = *item;
    if (mg) {
        json_decref(mg->pending);
        free(mg);
    }
    *item = NULL;
}

/* After a load: the features a person merged others into since the last load (on the first
   load, only where that history ends) are checked once for duplicates of their own
   (cs_collapse_check); what merges is kept to go with the workspace's next decision. A failed
   query skips the check (logged). */
static void s_recheck_merged(cs_matchdb_t *self, cs_catalog_t *cat)
{
    const char *ws = cs_catalog_workspace(cat);
    merges_t *mg = zhashx_lookup(self->merges, ws);
    if (!mg) {
        if (!(mg = calloc(1, sizeof *mg)))
            return;
        mg->seen = -1;
        zhashx_insert(self->merges, ws, mg);
    }
    char seen[32], err[256];
    snprintf(seen, sizeof seen, "%lld", mg->seen);
    const char *p[] = {ws, seen};
    PGresult *res =
        mg->seen < 0
            ? cs_db_exec(self->db,
                         "SELECT coalesce(max(id), 0), NULL FROM curation_actions"
                         " WHERE workspace_id = $1",
                         1, p, err, sizeof err)
            : cs_db_exec(self->db,
                         "SELECT id, arguments->>'into' FROM curation_actions WHERE workspace_id"
                         " = $1 AND id > $2::bigint AND action = 'merge' AND by_name <> 'matcher'"
                         " AND undone_by IS NULL ORDER BY id",
                         2, p, err, sizeof err);
    if (!res) {
        cs_warn("Cannot read the workspace's merges: %s", err);
        return;
    }
    int merged = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        long long id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
        if (id > mg->seen)
            mg->seen = id;
        const cs_feature_t *t =
            PQgetisnull(res, i, 1) ? NULL : cs_catalog_get(cat, PQgetvalue(res, i, 1));
        if (!t)
            continue;
        if (!mg->pending && !(mg->pending = json_object()))
            break;
        merged +=
            cs_collapse_check(cat, cs_catalog_at(cat, t->pos), cs_match_opts(self->m), mg->pending);
    }
    PQclear(res);
    cs_match_add_merged(self->m, merged);
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
    self->merges = zhashx_new();
    if (!self->catalogs || !self->merges || s_listen(self, err, errlen) != 0) {
        cs_matchdb_destroy(&self);
        return NULL;
    }
    zhashx_set_destructor(self->catalogs, s_catalog_destroy);
    zhashx_set_destructor(self->merges, s_merges_destroy);
    return self;
}

void cs_matchdb_destroy(cs_matchdb_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy(&(*self_p)->catalogs);
    zhashx_destroy(&(*self_p)->merges);
    free(*self_p);
    *self_p = NULL;
}

/* The merged-away features of workspace $1 with the end of their merged_into chain
   (`merged` (id, target)); a chain longer than MERGE_HOPS_MAX ends on a merged-away feature,
   which no catalogue has. */
#define MERGE_HOPS_MAX "16"
#define MERGED_CTE                                                                                 \
    "WITH RECURSIVE chain (id, target, hop) AS ("                                                  \
    " SELECT id, merged_into, 1 FROM features WHERE workspace_id = $1 AND merged_into IS NOT NULL" \
    " UNION ALL SELECT c.id, f.merged_into, c.hop + 1 FROM chain c JOIN features f"                \
    " ON f.id = c.target WHERE f.merged_into IS NOT NULL AND c.hop < " MERGE_HOPS_MAX "),"         \
    " merged AS (SELECT DISTINCT ON (id) id, target FROM chain ORDER BY id, hop DESC) "

/* The names the features' linked mentions came under, as their aliases (cs_catalog.h): the
   first few distinct ones of each; and each feature's most recent quotes. A failure leaves the
   features without them (logged). */
static void s_load_aliases(cs_matchdb_t *self, cs_catalog_t *cat)
{
    const char *p[] = {cs_catalog_workspace(cat)};
    char err[256];
    /* a decision for a feature merged away since counts for the feature it was merged into */
    PGresult *res = cs_db_exec(
        self->db,
        MERGED_CTE
        "SELECT feature_id, title, description FROM (SELECT DISTINCT ON"
        " (coalesce(m.target, d.feature_id), lower(d.extracted->>'title'))"
        " coalesce(m.target, d.feature_id) AS feature_id, d.extracted->>'title' AS title,"
        " coalesce(d.extracted->>'description', '') AS description, d.id FROM match_decisions d"
        " LEFT JOIN merged m ON m.id = d.feature_id"
        " WHERE d.workspace_id = $1 AND d.action = 'link' AND d.method <> 'exact'"
        " AND d.feature_id IS NOT NULL AND d.extracted->>'title' IS NOT NULL"
        " ORDER BY coalesce(m.target, d.feature_id), lower(d.extracted->>'title'), d.id) t"
        " ORDER BY id",
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

/* Row i of the features query, a merged-away feature, as an alias of the end of its chain
   (loaded before it): its name and vector v (taken; when it has no usable one, a sparse
   catalogue's is made from its name and description, a dense one compares by words), and its
   name, in its own theme, for exact lookups. A chain that ends nowhere in the catalogue (too
   long) is skipped. */
static void s_add_merged(cs_matchdb_t *self, cs_catalog_t *cat, const PGresult *features, int i,
                         cs_vec_t *v)
{
    const cs_feature_t *end = cs_catalog_get(cat, PQgetvalue(features, i, 7));
    if (!end) {
        cs_warn("Feature %s is merged into %s, which is not a live feature; ignored",
                PQgetvalue(features, i, 0), PQgetvalue(features, i, 7));
        cs_vec_free(v);
        return;
    }
    cs_feature_t *target = cs_catalog_at(cat, end->pos);
    const char *name = PQgetvalue(features, i, 2);
    bool sparse = strcmp(cs_match_vector_model(self->m), CS_VEC_OFFLINE_MODEL) == 0;
    if (v->n == 0 && sparse && cs_vec_offline_feature(name, PQgetvalue(features, i, 3), v) != 0)
        *v = (cs_vec_t){0};
    if (cs_catalog_add_alias(cat, target, name, v) != 0 ||
        cs_catalog_add_name(cat, target, PQgetvalue(features, i, 1), name) != 0)
        cs_warn("Out of memory adding merged-away feature %s as an alias",
                PQgetvalue(features, i, 0));
}

/* Is id one of the merged-away rows of the features query (the last ones)? */
static bool s_merged_away(const PGresult *features, const char *id)
{
    for (int i = PQntuples(features) - 1; i >= 0 && !PQgetisnull(features, i, 7); i--)
        if (strcmp(PQgetvalue(features, i, 0), id) == 0)
            return true;
    return false;
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
    /* the live features (rejected ones included: what is like them links to them and stays
       hidden), then the merged-away ones with the end of their chain */
    PGresult *features = cs_db_exec(
        self->db,
        MERGED_CTE "SELECT f.id, coalesce(f.theme_id::text, ''), f.name, f.description,"
                   " f.embedding, f.embedding_index, f.embedding_model, m.target,"
                   " f.mention_count, f.status, EXISTS (SELECT 1 FROM curation_actions a"
                   " WHERE a.feature_id = f.id AND a.by_name <> 'matcher')"
                   " FROM features f LEFT JOIN merged m ON m.id = f.id WHERE f.workspace_id = $1"
                   " ORDER BY f.merged_into IS NOT NULL, f.created_at, f.id",
        1, p, err, errlen);
    if (!features) {
        PQclear(themes);
        return -1;
    }
    /* keep what this matcher created and the writer has not stored yet */
    cs_catalog_t *own = cs_catalog_new(ws, false);
    for (size_t i = 0; own && i < cs_catalog_size(cat); i++) {
        cs_feature_t *f = cs_catalog_at(cat, i);
        cs_vec_t v = {0};
        if (f->own && cs_catalog_vec(cat, f, &v) == 0 &&
            !cs_catalog_add(own, f->id, f->theme_id, f->name, f->description, &v, true))
            cs_vec_free(&v);
    }
    cs_catalog_clear(cat);
    for (int i = 0; i < PQntuples(themes); i++)
        cs_catalog_add_theme(cat, PQgetvalue(themes, i, 0), PQgetvalue(themes, i, 1),
                             PQgetvalue(themes, i, 2)[0] == 't');
    const char *model = cs_match_vector_model(self->m);
    long stale = 0, live = 0, merged = 0;
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
        if (!PQgetisnull(features, i, 7)) {
            merged++;
            s_add_merged(self, cat, features, i, &v);
            continue;
        }
        live++;
        stale += v.n == 0;
        cs_feature_t *f =
            cs_catalog_add(cat, PQgetvalue(features, i, 0), PQgetvalue(features, i, 1),
                           PQgetvalue(features, i, 2), PQgetvalue(features, i, 3), &v, false);
        if (!f) {
            cs_vec_free(&v);
            continue;
        }
        /* what the matcher may merge (cs_collapse.h): uncurated features still new */
        f->mentions = strtol(PQgetvalue(features, i, 8), NULL, 10);
        f->rejected = strcmp(PQgetvalue(features, i, 9), "rejected") == 0;
        f->curated =
            strcmp(PQgetvalue(features, i, 9), "new") != 0 || PQgetvalue(features, i, 10)[0] == 't';
    }
    s_load_aliases(self, cat);
    long kept = 0;
    for (size_t i = 0; own && i < cs_catalog_size(own); i++) {
        cs_feature_t *f = cs_catalog_at(own, i);
        cs_vec_t v = {0};
        if (cs_catalog_get(cat, f->id) || s_merged_away(features, f->id) ||
            cs_catalog_vec(own, f, &v) != 0)
            continue;
        if (cs_catalog_add(cat, f->id, f->theme_id, f->name, f->description, &v, true))
            kept++;
        else
            cs_vec_free(&v);
    }
    cs_catalog_destroy(&own);
    char aliases[64] = "";
    if (merged)
        snprintf(aliases, sizeof aliases, "; %ld merged away, as aliases", merged);
    cs_info("Loaded %ld existing features of workspace %s (%d themes)%s%s", live, ws,
            PQntuples(themes), aliases,
            kept ? "; kept the ones created here and not yet stored" : "");
    if (stale && strcmp(model, CS_VEC_OFFLINE_MODEL) != 0)
        cs_info("%ld of them have no stored %s vector", stale, model);
    PQclear(themes);
    PQclear(features);
    if (cs_match_prepare(self->m, cat, err, errlen) != 0)
        return -1;
    s_recheck_merged(self, cat);
    return 0;
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

/* Reload the catalogues that the notifications libpq holds already name. Returns how many
   there were. */
static int s_notified(cs_matchdb_t *self)
{
    PGconn *conn = cs_db_conn(self->db);
    int n = 0;
    PGnotify *note;
    while (conn && (note = PQnotifies(conn)) != NULL) {
        cs_catalog_t *cat = note->extra ? zhashx_lookup(self->catalogs, note->extra) : NULL;
        if (cat) {
            cs_info("%s of workspace %s changed; reloading its catalogue",
                    strcmp(note->relname, "callsift_themes") == 0 ? "Themes" : "Features",
                    note->extra);
            s_load_patiently(self, cat);
        }
        PQfreemem(note);
        n++;
        conn = cs_db_conn(self->db);
    }
    return n;
}

static cs_catalog_t *s_catalog(cs_matchdb_t *self, const char *workspace_id, bool *unknown)
{
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

cs_catalog_t *cs_matchdb_catalog(cs_matchdb_t *self, const char *workspace_id, bool *unknown)
{
    *unknown = false;
    cs_catalog_t *cat = s_catalog(self, workspace_id, unknown);
    /* a notification that came while these statements ran was read with their results: the
       socket will not say so, so it is handled now */
    s_notified(self);
    return cat;
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
    return s_notified(self);
}

void cs_matchdb_take_merges(cs_matchdb_t *self, json_t *decision)
{
    const char *ws = json_string_value(json_object_get(decision, "workspace_id"));
    merges_t *mg = ws ? zhashx_lookup(self->merges, ws) : NULL;
    json_t *pending = mg && mg->pending ? json_object_get(mg->pending, "merges") : NULL;
    if (!pending)
        return;
    json_t *merges = json_object_get(decision, "merges");
    if (merges)
        json_array_extend(merges, pending);
    else
        json_object_set(decision, "merges", pending);
    json_decref(mg->pending);
    mg->pending = NULL;
}
