/*  cs_themes: each workspace's themes, read from PostgreSQL once and kept until the operator
    changes them: `callsift theme add` NOTIFYs callsift_themes with the workspace id, and the
    cache drops that workspace's entry, so the next call reloads it. */
#ifndef CS_THEMES_H
#define CS_THEMES_H

#include <stddef.h>

#include <jansson.h>

#include "cs_db.h"

typedef struct cs_themes cs_themes_t;

/* A cache on the connection `db` (borrowed), LISTENing on callsift_themes. NULL on error. */
cs_themes_t *cs_themes_new(cs_db_t *db, char *err, size_t errlen);
void cs_themes_destroy(cs_themes_t **self_p);

/* The themes of a workspace: a borrowed array of {name, description, is_default}, valid until
   the next cs_themes_* call. Loaded (and logged in the seed's words) on first use. When the
   workspace has no themes or the database fails, an array with only the default theme
   "Uncategorized", and a warning. */
const json_t *cs_themes_get(cs_themes_t *self, const char *workspace_id);

/* The connection's socket, to poll for notifications; -1 when down. */
int cs_themes_fd(cs_themes_t *self);

/* Read pending notifications and forget the workspaces they name (all of them when the
   connection was lost and came back). Returns how many were read. */
int cs_themes_poll(cs_themes_t *self);

/* The single default theme list used when there is no database (one-shot mode). New ref. */
json_t *cs_themes_default(void);

#endif
