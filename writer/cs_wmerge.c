#include "cs_wmerge.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_curate.h"
#include "cs_log.h"
#include "cs_record.h"

/* Why source may not be merged away by the matcher (its rows locked), into why; false when it
   may. A failed statement is a reason too. */
static bool s_refused(cs_db_t *db, const char *workspace_id, const char *source, const char *into,
                      char *why, size_t whylen)
{
    const char *p[] = {source, into, workspace_id};
    char err[256];
    PGresult *res = cs_db_exec(
        db,
        "SELECT s.status, EXISTS (SELECT 1 FROM curation_actions a WHERE a.feature_id = s.id"
        " AND a.by_name <> 'matcher'), s.workspace_id = $3::uuid AND t.workspace_id = $3::uuid"
        " FROM features s, features t WHERE s.id = $1::uuid AND t.id = $2::uuid",
        3, p, err, sizeof err);
    if (!res) {
        snprintf(why, whylen, "%s", err);
        return true;
    }
    bool refused = true;
    if (PQntuples(res) != 1)
        snprintf(why, whylen, "a feature is gone");
    else if (PQgetvalue(res, 0, 2)[0] != 't')
        snprintf(why, whylen, "the features are not of workspace %s", workspace_id);
    else if (PQgetvalue(res, 0, 1)[0] == 't')
        snprintf(why, whylen, "a person has curated %s", source);
    else if (strcmp(PQgetvalue(res, 0, 0), "new") != 0)
        snprintf(why, whylen, "%s has status %s", source, PQgetvalue(res, 0, 0));
    else
        refused = false;
    PQclear(res);
    return refused;
}

/* The merge's scores and the call that made it, into the curation action's arguments. */
static int s_note(cs_db_t *db, long long action_id, const json_t *m, const json_t *rec, char *why,
                  size_t whylen)
{
    json_t *args = json_pack("{s:O?, s:O?, s:O?, s:s?}", "fused", json_object_get(m, "fused"),
                             "vector", json_object_get(m, "vector"), "lexical",
                             json_object_get(m, "lexical"), "call", cs_rec_str(rec, "external_id"));
    char *text = args ? json_dumps(args, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(args);
    if (!text) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    char id[32];
    snprintf(id, sizeof id, "%lld", action_id);
    const char *p[] = {id, text};
    int rc = cs_db_command(db,
                           "UPDATE curation_actions SET arguments = arguments || $2::jsonb"
                           " WHERE id = $1::bigint",
                           2, p, why, whylen);
    free(text);
    return rc;
}

int cs_wmerge_apply(cs_db_t *db, const json_t *rec, char *err, size_t errlen)
{
    const json_t *merges = json_object_get(rec, "merges");
    const char *ws = cs_rec_str(rec, "workspace_id");
    int done = 0;
    for (size_t i = 0; i < json_array_size(merges); i++) {
        const json_t *m = json_array_get(merges, i);
        const char *source = cs_rec_str(m, "source"), *into = cs_rec_str(m, "into");
        if (cs_db_command(db, "SAVEPOINT merge", 0, NULL, err, errlen) != 0)
            return -1;
        cs_curate_t c = {.db = db, .by = "matcher", .in_transaction = true};
        char why[512] = "";
        int rc = cs_curate_merge(&c, (const char *const[]){source}, 1, into);
        if (rc != CS_CURATE_OK)
            snprintf(why, sizeof why, "%s", c.err);
        else if (!s_refused(db, ws, source, into, why, sizeof why) &&
                 s_note(db, c.action_id, m, rec, why, sizeof why) == 0) {
            if (cs_db_command(db, "RELEASE SAVEPOINT merge", 0, NULL, err, errlen) != 0)
                return -1;
            cs_info("Merged duplicate feature %s into %s (the matcher's proposal, fused %.2f)",
                    source, into, json_number_value(json_object_get(m, "fused")));
            done++;
            continue;
        }
        if (cs_db_command(db, "ROLLBACK TO SAVEPOINT merge", 0, NULL, err, errlen) != 0 ||
            cs_db_command(db, "RELEASE SAVEPOINT merge", 0, NULL, err, errlen) != 0)
            return -1;
        cs_warn("Merge of feature %s into %s (proposed by the matcher for call %s) skipped: %s",
                source, into, cs_rec_str(rec, "external_id"), why);
    }
    return done;
}
