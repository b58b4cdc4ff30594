#include "cs_fetchdb.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_crm.h"
#include "cs_text.h"
#include "cs_record.h"
#include "cs_util.h"
#include "cs_vendor.h"

int cs_fetchdb_workspace(cs_db_t *db, const char *workspace_id, cs_fetch_workspace_t *out,
                         char *err, size_t errlen)
{
    if (!cs_uuid_valid(workspace_id))
        return cs_fail(err, errlen, "--workspace-id: '%s' is not a UUID", workspace_id);
    const char *p[] = {workspace_id};
    PGresult *res = cs_db_exec(db,
                               "SELECT w.name, (SELECT i.id FROM integrations i"
                               "  WHERE i.workspace_id = w.id AND i.provider = 'gong'"
                               "  ORDER BY i.created_at LIMIT 1), w.time_zone"
                               " FROM workspaces w WHERE w.id = $1",
                               1, p, err, errlen);
    if (!res)
        return -1;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return cs_fail(err, errlen,
                       "no workspace with id %s (create one with 'callsift workspace create')",
                       workspace_id);
    }
    cs_strlcpy(out->workspace_id, workspace_id, sizeof out->workspace_id);
    cs_strlcpy(out->workspace_name, PQgetvalue(res, 0, 0), sizeof out->workspace_name);
    cs_strlcpy(out->integration_id, PQgetisnull(res, 0, 1) ? "" : PQgetvalue(res, 0, 1),
               sizeof out->integration_id);
    bool fits = strlen(PQgetvalue(res, 0, 2)) < sizeof out->time_zone;
    cs_strlcpy(out->time_zone, PQgetvalue(res, 0, 2), sizeof out->time_zone);
    PQclear(res);
    if (!fits)
        return cs_fail(err, errlen, "workspace %s: its time zone name is too long", workspace_id);
    return 0;
}

int cs_fetchdb_local_time(cs_db_t *db, int64_t wall_s, const char *zone, int64_t *epoch_s,
                          char *err, size_t errlen)
{
    char wall[32];
    snprintf(wall, sizeof wall, "%lld", (long long)wall_s);
    const char *p[] = {wall, zone};
    PGresult *res = cs_db_exec(db,
                               "SELECT extract(epoch FROM (to_timestamp($1::bigint)"
                               " AT TIME ZONE 'UTC') AT TIME ZONE $2)::bigint",
                               2, p, err, errlen);
    if (!res)
        return -1;
    *epoch_s = (int64_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return 0;
}

/* The external ids of the workspace's calls from `source` stored processed or not. */
static zhashx_t *s_ids(cs_db_t *db, const char *workspace_id, const char *source, bool processed,
                       char *err, size_t errlen)
{
    const char *p[] = {workspace_id, source, processed ? "true" : "false"};
    PGresult *res = cs_db_exec(db,
                               "SELECT external_id FROM messages WHERE workspace_id = $1"
                               " AND source = $2 AND is_processed = $3::boolean",
                               3, p, err, errlen);
    if (!res)
        return NULL;
    zhashx_t *ids = zhashx_new();
    for (int i = 0; i < PQntuples(res); i++)
        zhashx_insert(ids, PQgetvalue(res, i, 0), (void *)1);
    PQclear(res);
    return ids;
}

zhashx_t *cs_fetchdb_done(cs_db_t *db, const char *workspace_id, const char *source, char *err,
                          size_t errlen)
{
    return s_ids(db, workspace_id, source, true, err, errlen);
}

zhashx_t *cs_fetchdb_unprocessed(cs_db_t *db, const char *workspace_id, const char *source,
                                 char *err, size_t errlen)
{
    return s_ids(db, workspace_id, source, false, err, errlen);
}

json_t *cs_fetchdb_customers(cs_db_t *db, const char *workspace_id, char *err, size_t errlen)
{
    const char *p[] = {workspace_id};
    PGresult *res = cs_db_exec(db,
                               "SELECT lower(domain), name, mrr::float8 FROM customers"
                               " WHERE workspace_id = $1 AND domain IS NOT NULL",
                               1, p, err, errlen);
    if (!res)
        return NULL;
    json_t *by_domain = json_object();
    for (int i = 0; i < PQntuples(res); i++) {
        /* the form participants' domains take; a row stored before that rule keeps its own */
        const char *stored = PQgetvalue(res, i, 0);
        char canon[CS_TEXT_DOMAIN_SIZE];
        const char *domain = cs_text_domain(stored, strlen(stored), canon) == 0 ? canon : stored;
        json_object_set_new(by_domain, domain,
                            json_pack("{s:s, s:f, s:s}", "name", PQgetvalue(res, i, 1), "mrr",
                                      strtod(PQgetvalue(res, i, 2), NULL), "domain", domain));
    }
    PQclear(res);
    return by_domain;
}

bool cs_fetchdb_attach_customer(json_t *rec, const json_t *customers)
{
    const json_t *crm = json_object_get(rec, "customer");
    if ((json_is_object(crm) && (cs_rec_str(crm, "name") || cs_rec_str(crm, "domain"))) ||
        json_object_size(customers) == 0)
        return false;
    json_t *domains = cs_crm_external_domains(rec);
    json_t *found = NULL;
    size_t i;
    json_t *d;
    json_array_foreach(domains, i, d)
    {
        const json_t *c = json_object_get(customers, json_string_value(d));
        if (c && (found = json_deep_copy(c)) != NULL)
            break;
    }
    json_decref(domains);
    if (!found)
        return false;
    /* CRM revenue the call carried without a name stays, and keeps its source */
    const json_t *mrr = json_object_get(crm, "mrr");
    const char *source = cs_rec_str(crm, "source");
    bool keep = json_is_number(mrr) && source;
    if ((keep && json_object_set_new(found, "mrr", json_real(json_number_value(mrr))) != 0) ||
        json_object_set_new(found, "source", json_string(keep ? source : "domain")) != 0) {
        json_decref(found);
        return false;
    }
    return json_object_set_new(rec, "customer", found) == 0;
}

/* The JSON array of text in the first column of res's only row, capped; NULL + reason. */
static json_t *s_domain_list(PGresult *res, char *err, size_t errlen)
{
    if (PQntuples(res) != 1) {
        PQclear(res);
        cs_fail(err, errlen, "no such workspace");
        return NULL;
    }
    json_error_t jerr;
    json_t *all = json_loads(PQgetvalue(res, 0, 0), 0, &jerr);
    PQclear(res);
    json_t *out = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(all, i, d)
    {
        if (json_array_size(out) >= CS_VENDOR_MAX_DOMAINS)
            break;
        if (json_is_string(d))
            json_array_append(out, d);
    }
    json_decref(all);
    if (!out)
        cs_fail(err, errlen, "out of memory");
    return out;
}

json_t *cs_fetchdb_vendor_domains(cs_db_t *db, const char *workspace_id, char *err, size_t errlen)
{
    const char *p[] = {workspace_id};
    PGresult *res = cs_db_exec(db,
                               "SELECT array_to_json(ARRAY(SELECT d FROM unnest(vendor_domains) d"
                               " ORDER BY d))::text FROM workspaces WHERE id = $1",
                               1, p, err, errlen);
    return res ? s_domain_list(res, err, errlen) : NULL;
}

json_t *cs_fetchdb_add_vendor_domains(cs_db_t *db, const char *workspace_id, const json_t *domains,
                                      char *err, size_t errlen)
{
    char *list = json_dumps(domains, JSON_COMPACT);
    if (!list) {
        cs_fail(err, errlen, "out of memory");
        return NULL;
    }
    const char *p[] = {workspace_id, list};
    /* The SET expression reads the row as it is when the update runs: a concurrent update of
       the row is waited for and its result taken as the base. */
    PGresult *res = cs_db_exec(
        db,
        "UPDATE workspaces SET vendor_domains = ARRAY(SELECT DISTINCT d FROM unnest("
        " vendor_domains || ARRAY(SELECT jsonb_array_elements_text($2::jsonb))) d ORDER BY d)"
        " WHERE id = $1 RETURNING array_to_json(vendor_domains)::text",
        2, p, err, errlen);
    free(list);
    return res ? s_domain_list(res, err, errlen) : NULL;
}
