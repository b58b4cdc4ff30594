/*  cs_fetchdb: what the fetcher reads from PostgreSQL: the workspace and its Gong integration,
    which calls are already ingested, the customers table for calls whose CRM context names no
    account, and the workspace's vendor domains. The one thing it writes is the vendor domains
    it learns (cs_vendor.h); everything else is the writer's. */
#ifndef CS_FETCHDB_H
#define CS_FETCHDB_H

#include <stdbool.h>
#include <stddef.h>

#include <czmq.h>
#include <jansson.h>

#include "cs_db.h"
#include "cs_uuid.h"

typedef struct {
    char workspace_id[CS_UUID_LEN];
    char workspace_name[256];
    char integration_id[CS_UUID_LEN]; /* "" when the workspace has none */
    char time_zone[256]; /* its IANA time zone (workspaces.time_zone): "UTC" unless set */
} cs_fetch_workspace_t;

/* Look the workspace up. 0 found; -1 with the reason in err (unknown workspace, database). */
int cs_fetchdb_workspace(cs_db_t *db, const char *workspace_id, cs_fetch_workspace_t *out,
                         char *err, size_t errlen);

/* The instant (seconds since the epoch) at which the wall-clock time wall_s (seconds since the
   epoch read as if in UTC, as cs_time_parse_wall gives it) falls in the IANA time zone `zone`,
   into *epoch_s. PostgreSQL does the conversion, with the zone database `callsift workspace set`
   checks names against; a wall time that a change of daylight saving time skips or repeats gets
   PostgreSQL's reading of it. 0, or -1 with the reason in err (an unknown zone, the database). */
int cs_fetchdb_local_time(cs_db_t *db, int64_t wall_s, const char *zone, int64_t *epoch_s,
                          char *err, size_t errlen);

/* The external ids already processed for workspace + source. Calls stored without insights
   (their extraction failed or was skipped) are not in it, so a new run tries them again. A new
   zhashx of external_id -> (void *)1; caller destroys. NULL with the reason in err. */
zhashx_t *cs_fetchdb_done(cs_db_t *db, const char *workspace_id, const char *source, char *err,
                          size_t errlen);

/* The external ids of the workspace's calls from `source` stored unprocessed (their extraction
   failed): what --reprocess sends again. New hash (keys only); NULL + reason. */
zhashx_t *cs_fetchdb_unprocessed(cs_db_t *db, const char *workspace_id, const char *source,
                                 char *err, size_t errlen);

/* The workspace's customers by lower-cased domain: a new object domain -> {name, mrr, domain}.
   NULL with the reason in err. */
json_t *cs_fetchdb_customers(cs_db_t *db, const char *workspace_id, char *err, size_t errlen);

/* When `rec` (a call record) has no customer, or one its CRM context gave neither a name nor a
   domain, set it from `customers` by the e-mail domains of its External participants (the
   first that has one): its {name, mrr, domain} with source "domain", or, when the CRM context
   gave an MRR, with that MRR and the CRM's source instead. Returns true when it set one; false
   (rec unchanged) otherwise, also when out of memory. */
bool cs_fetchdb_attach_customer(json_t *rec, const json_t *customers);

/* The workspace's vendor domains (workspaces.vendor_domains), at most CS_VENDOR_MAX_DOMAINS of
   them, sorted: a new array of strings the caller releases. NULL with the reason in err. */
json_t *cs_fetchdb_vendor_domains(cs_db_t *db, const char *workspace_id, char *err, size_t errlen);

/* Add `domains` (borrowed array of canonical domain strings) to the workspace's vendor domains
   in one statement that takes the union with what is stored when it runs, so fetchers adding
   domains at the same time keep each other's; adding a domain already there changes nothing.
   Returns the list as stored afterwards (as cs_fetchdb_vendor_domains), a new array; NULL with
   the reason in err. */
json_t *cs_fetchdb_add_vendor_domains(cs_db_t *db, const char *workspace_id, const json_t *domains,
                                      char *err, size_t errlen);

#endif
