/*  The Feature page's forms, carried out: POST /features/ID/VERB runs one cs_curate action as
    the logged-in user, and POST /actions/ID/undo undoes one. Each answers 303 to the page that
    shows the result, with a flash message saying what was done (and that it can be undone from
    the history) or why it was refused; nothing is changed by a refused action. */
#include "cs_pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_curate.h"

#define CALLS_MAX 500 /* calls one split form moves */

/* The feature's name when it is in the request's workspace: 0, or -1 (a 404 page written). */
static int s_feature_name(cs_web_req_t *req, cs_web_resp_t *resp, const char *id, char *name,
                          size_t namelen)
{
    const char *params[] = {id, req->ws};
    PGresult *res = cs_web_query(
        req, resp, "SELECT name FROM features WHERE id = $1 AND workspace_id = $2", 2, params);
    if (!res)
        return -1;
    bool found = PQntuples(res) == 1;
    if (found)
        snprintf(name, namelen, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return found ? 0 : cs_web_fail(req, resp, 404, "No feature %s in this workspace.", id);
}

/* A required form field, or NULL after flashing what is missing. */
static const char *s_need(cs_web_req_t *req, const char *field, const char *what)
{
    const char *v = cs_web_arg(req, field);
    if (!v)
        cs_web_flash(req, true, "Nothing done: give %s.", what);
    return v;
}

/* Run VERB on feature id (named name); the page to go back to into back. */
static int s_run(cs_web_req_t *req, cs_curate_t *c, const char *verb, const char *id,
                 const char *name, char *back, size_t backlen)
{
    if (strcmp(verb, "merge") == 0) {
        const char *into = s_need(req, "into", "the feature to merge into");
        if (!into)
            return CS_CURATE_REFUSED;
        const char *sources[] = {id};
        int rc = cs_curate_merge(c, sources, 1, into);
        if (rc == CS_CURATE_OK) {
            snprintf(back, backlen, "/features/%s", into);
            cs_web_flash(req, false,
                         "Merged '%s' into this feature (action #%lld): its mentions count here "
                         "now. Undo it from the history below.",
                         name, c->action_id);
        }
        return rc;
    }
    if (strcmp(verb, "unmerge") == 0)
        return cs_curate_unmerge(c, id);
    if (strcmp(verb, "reject") == 0) {
        const char *reason = s_need(req, "reason", "a reason");
        return reason ? cs_curate_reject(c, id, reason) : CS_CURATE_REFUSED;
    }
    if (strcmp(verb, "restore") == 0)
        return cs_curate_restore(c, id);
    if (strcmp(verb, "rename") == 0) {
        const char *to = s_need(req, "name", "the new name");
        return to ? cs_curate_rename(c, id, to) : CS_CURATE_REFUSED;
    }
    if (strcmp(verb, "move") == 0) {
        const char *theme = s_need(req, "theme", "a theme");
        return theme ? cs_curate_move(c, id, theme) : CS_CURATE_REFUSED;
    }
    if (strcmp(verb, "status") == 0) {
        const char *status = s_need(req, "status", "a status");
        return status ? cs_curate_set_status(c, id, status) : CS_CURATE_REFUSED;
    }
    if (strcmp(verb, "describe") == 0) {
        const char *d = cs_web_arg(req, "description");
        return cs_curate_describe(c, id, d ? d : "");
    }
    if (strcmp(verb, "split") == 0) {
        const char *calls[CALLS_MAX];
        int n = cs_web_arg_all(req, "calls", calls, CALLS_MAX);
        const char *into = cs_web_arg(req, "into"), *to = cs_web_arg(req, "name");
        if (n == 0 || (!into && !to) || (into && to)) {
            cs_web_flash(req, true,
                         "Nothing done: check the calls to move, and give either a "
                         "new feature's name or an existing feature.");
            return CS_CURATE_REFUSED;
        }
        char target[CS_UUID_LEN] = "";
        int rc = cs_curate_split(c, id, calls, (size_t)n, into, to, target);
        if (rc == CS_CURATE_OK)
            snprintf(back, backlen, "/features/%s", target);
        return rc;
    }
    cs_web_flash(req, true, "Nothing done: no action '%s'.", verb);
    return CS_CURATE_REFUSED;
}

int cs_action_feature(cs_web_req_t *req, cs_web_resp_t *resp)
{
    char id[64], verb[32], name[1300];
    if (!cs_web_segment(req, 1, id, sizeof id) || !cs_html_is_uuid(id) ||
        !cs_web_segment(req, 2, verb, sizeof verb))
        return cs_web_fail(req, resp, 404, "No such feature.");
    if (s_feature_name(req, resp, id, name, sizeof name) != 0)
        return -1;
    cs_curate_t c = {.db = req->db, .by = req->user};
    char back[128];
    snprintf(back, sizeof back, "/features/%s", id);
    int rc = s_run(req, &c, verb, id, name, back, sizeof back);
    if (rc == CS_CURATE_OK && !cs_web_flashed(req))
        cs_web_flash(req, false, "Done: %s of '%s' (action #%lld; undo it from the history).", verb,
                     name, c.action_id);
    else if (rc != CS_CURATE_OK && !cs_web_flashed(req))
        cs_web_flash(req, true, "Nothing done: %s", c.err);
    cs_web_redirect(resp, "%s", back);
    return 0;
}

int cs_action_undo(cs_web_req_t *req, cs_web_resp_t *resp)
{
    char id[32];
    char *end;
    if (!cs_web_segment(req, 1, id, sizeof id) || strtoll(id, &end, 10) <= 0 || *end)
        return cs_web_fail(req, resp, 404, "No such action.");
    const char *params[] = {id, req->ws};
    PGresult *res = cs_web_query(
        req, resp,
        "SELECT feature_id FROM curation_actions WHERE id = $1::bigint AND workspace_id = $2", 2,
        params);
    if (!res)
        return -1;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return cs_web_fail(req, resp, 404, "No action #%s in this workspace.", id);
    }
    char back[128];
    snprintf(back, sizeof back, "/features/%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    const char *from = cs_web_arg(req, "back");
    if (from && strncmp(from, "/features/", 10) == 0 && cs_html_is_uuid(from + 10))
        snprintf(back, sizeof back, "%s", from);
    cs_curate_t c = {.db = req->db, .by = req->user};
    char undone[32] = "";
    int rc = cs_curate_undo(&c, strtoll(id, NULL, 10), undone, sizeof undone);
    if (rc == CS_CURATE_OK)
        cs_web_flash(req, false, "Undid the %s (action #%s).", undone, id);
    else
        cs_web_flash(req, true, "Nothing undone: %s", c.err);
    cs_web_redirect(resp, "%s", back);
    return 0;
}
