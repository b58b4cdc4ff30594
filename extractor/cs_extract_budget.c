/*  cs_extract_budget: see cs_extract_budget.h. */
#include "cs_extract_budget.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_log.h"
#include "cs_util.h"
#include "cs_uuid.h"

#define MAX_WORKSPACES 4096 /* tracked; past that, a workspace's month is the database's figure */

/* What is known of one workspace's month. */
typedef struct ws {
    struct ws *next;
    char id[CS_UUID_LEN];
    char month[8]; /* "2026-12" in the workspace's time zone, as last read */
    bool read;     /* read at least once */
    double cap;    /* monthly_budget_usd, NAN: none */
    double db_now; /* the month's spend in llm_spend, as last read */
    double db_at;  /* ... as first read this month */
    double mine;   /* spent by this process this month */
} ws_t;

struct cs_budget {
    double run_cap;
    cs_db_t *db;
    ws_t *list;
    size_t count;
    bool warned; /* the database did not answer: said once */
};

bool cs_budget_reached(double cap, double spent)
{
    return !isnan(cap) && cap >= 0 && spent >= cap;
}

cs_budget_t *cs_budget_new(double run_usd, cs_db_t *db)
{
    cs_budget_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->run_cap = run_usd > 0 ? run_usd : NAN;
    self->db = db;
    return self;
}

void cs_budget_destroy(cs_budget_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cs_budget_t *self = *self_p;
    while (self->list) {
        ws_t *next = self->list->next;
        free(self->list);
        self->list = next;
    }
    free(self);
    *self_p = NULL;
}

void cs_budget_set_db(cs_budget_t *self, cs_db_t *db)
{
    self->db = db;
}

/* The entry of workspace `id`, made when missing (NULL: out of memory or too many). */
static ws_t *s_ws(cs_budget_t *self, const char *id)
{
    for (ws_t *w = self->list; w; w = w->next)
        if (strcmp(w->id, id) == 0)
            return w;
    if (self->count >= MAX_WORKSPACES)
        return NULL;
    ws_t *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    cs_strlcpy(w->id, id, sizeof w->id);
    w->cap = NAN;
    w->next = self->list;
    self->list = w;
    self->count++;
    return w;
}

/* Read the workspace's budget and month from the database into w. 0, or -1 (not read: the
   database did not answer, or there is no such workspace). */
static int s_read(cs_budget_t *self, ws_t *w)
{
    if (!self->db || !cs_db_ok(self->db))
        return -1;
    const char *params[] = {w->id};
    char err[256];
    PGresult *res = cs_db_exec(
        self->db,
        "SELECT w.monthly_budget_usd::float8, to_char(now() AT TIME ZONE w.time_zone, 'YYYY-MM'),"
        " COALESCE((SELECT sum(s.cost_usd) FROM llm_spend s WHERE s.workspace_id = w.id"
        "  AND s.day >= date_trunc('month', now() AT TIME ZONE w.time_zone)::date), 0)::float8"
        " FROM workspaces w WHERE w.id = $1",
        1, params, err, sizeof err);
    if (!res) {
        if (!self->warned)
            cs_warn("The monthly LLM budgets cannot be read (%s): the last figures read stand "
                    "until the database answers",
                    err);
        self->warned = true;
        return -1;
    }
    int rc = -1;
    if (PQntuples(res) == 1) {
        self->warned = false;
        w->cap = PQgetisnull(res, 0, 0) ? NAN : strtod(PQgetvalue(res, 0, 0), NULL);
        const char *month = PQgetvalue(res, 0, 1);
        double now = strtod(PQgetvalue(res, 0, 2), NULL);
        if (!w->read || strcmp(month, w->month) != 0) { /* first look, or a new month */
            cs_strlcpy(w->month, month, sizeof w->month);
            w->db_at = now;
            w->mine = 0;
        }
        w->db_now = now;
        w->read = true;
        rc = 0;
    }
    PQclear(res);
    return rc;
}

cs_budget_verdict_t cs_budget_check(cs_budget_t *self, const char *workspace_id, double run_spent,
                                    char *why, size_t whylen)
{
    if (cs_budget_reached(self->run_cap, run_spent)) {
        snprintf(why, whylen,
                 "held for the LLM budget: this extractor run's --budget-usd of $%.4f is spent "
                 "($%.4f); send it again with callsift-fetcher --reprocess once an extractor runs "
                 "with budget left",
                 self->run_cap, run_spent);
        return CS_BUDGET_RUN;
    }
    if (!self->db || !workspace_id)
        return CS_BUDGET_GO;
    ws_t *w = s_ws(self, workspace_id);
    if (!w)
        return CS_BUDGET_GO;
    s_read(self, w); /* the last figures stand when it fails */
    if (!w->read)
        return CS_BUDGET_GO;
    /* the writer's figure, or what was there at the first look plus this process's own calls
       when those have not all reached the writer yet: whichever is more */
    double spent = w->db_at + w->mine > w->db_now ? w->db_at + w->mine : w->db_now;
    if (cs_budget_reached(w->cap, spent)) {
        snprintf(why, whylen,
                 "held for the LLM budget: workspace %s has spent $%.4f of its monthly budget of "
                 "$%.4f (%s); send it again with callsift-fetcher --reprocess once the budget is "
                 "raised (callsift workspace set --monthly-budget-usd) or the month is over",
                 w->id, spent, w->cap, w->month);
        return CS_BUDGET_MONTH;
    }
    return CS_BUDGET_GO;
}

void cs_budget_spent(cs_budget_t *self, const char *workspace_id, double usd)
{
    if (!self->db || !workspace_id || !(usd > 0))
        return;
    ws_t *w = s_ws(self, workspace_id);
    if (w && w->read)
        w->mine += usd;
}
