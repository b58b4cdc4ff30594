#include "cs_themes.h"

#include <stdlib.h>
#include <string.h>

#include "cs_log.h"
#include "cs_record.h"

struct cs_themes {
    cs_db_t *db;
    json_t *by_workspace; /* workspace id -> themes array */
    json_t *fallback;
};

static int s_listen(cs_themes_t *self, char *err, size_t errlen)
{
    return cs_db_command(self->db, "LISTEN callsift_themes", 0, NULL, err, errlen);
}

cs_themes_t *cs_themes_new(cs_db_t *db, char *err, size_t errlen)
{
    cs_themes_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->db = db;
    self->by_workspace = json_object();
    self->fallback = cs_themes_default();
    if (s_listen(self, err, errlen) != 0)
        cs_themes_destroy(&self);
    return self;
}

void cs_themes_destroy(cs_themes_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    json_decref((*self_p)->by_workspace);
    json_decref((*self_p)->fallback);
    free(*self_p);
    *self_p = NULL;
}

json_t *cs_themes_default(void)
{
    return json_pack("[{s:s, s:s, s:b}]", "name", CS_DEFAULT_THEME_NAME, "description",
                     CS_DEFAULT_THEME_DESCRIPTION, "is_default", 1);
}

const json_t *cs_themes_get(cs_themes_t *self, const char *workspace_id)
{
    const json_t *known = json_object_get(self->by_workspace, workspace_id);
    if (known)
        return known;
    char err[512];
    if (!cs_db_ok(self->db)) {
        if (cs_db_ensure(self->db, 3) != 0 || s_listen(self, err, sizeof err) != 0) {
            cs_warn("Cannot load themes (database unreachable); using the default theme");
            return self->fallback;
        }
        json_object_clear(self->by_workspace); /* notifications were missed while down */
    }
    const char *p[] = {workspace_id};
    PGresult *res = cs_db_exec(self->db,
                               "SELECT name, description, is_default FROM themes"
                               " WHERE workspace_id = $1 ORDER BY is_default, lower(name)",
                               1, p, err, sizeof err);
    if (!res) {
        cs_warn("Cannot load themes of workspace %s: %s; using the default theme", workspace_id,
                err);
        return self->fallback;
    }
    json_t *themes = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(themes, json_pack("{s:s, s:s, s:b}", "name", PQgetvalue(res, i, 0),
                                                "description", PQgetvalue(res, i, 1), "is_default",
                                                PQgetvalue(res, i, 2)[0] == 't'));
    PQclear(res);
    if (json_array_size(themes) == 0) {
        json_decref(themes);
        cs_warn("Workspace %s has no themes; using the default theme", workspace_id);
        return self->fallback;
    }
    size_t non_default = 0, i;
    json_t *t;
    json_array_foreach(themes, i, t)
    {
        non_default += !json_is_true(json_object_get(t, "is_default"));
    }
    cs_info("Loaded %zu themes for AI context", non_default);
    json_array_foreach(themes, i, t)
    {
        if (!json_is_true(json_object_get(t, "is_default")))
            cs_info("  - %s", json_string_value(json_object_get(t, "name")));
    }
    json_object_set_new(self->by_workspace, workspace_id, themes);
    return themes;
}

int cs_themes_fd(cs_themes_t *self)
{
    return cs_db_ok(self->db) ? PQsocket(cs_db_conn(self->db)) : -1;
}

int cs_themes_poll(cs_themes_t *self)
{
    PGconn *conn = cs_db_conn(self->db);
    if (!conn || !PQconsumeInput(conn))
        return 0;
    int n = 0;
    PGnotify *note;
    while ((note = PQnotifies(conn)) != NULL) {
        if (note->extra && note->extra[0]) {
            json_object_del(self->by_workspace, note->extra);
            cs_info("Themes of workspace %s changed; reloading them on the next call", note->extra);
        }
        PQfreemem(note);
        n++;
    }
    return n;
}
