#include "cs_testdata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_record.h"
#include "cs_testproc.h"
#include "cs_util.h"
#include "cs_uuid.h"

void cs_testdata_workspace(cs_db_t *db, char *ws, char *default_theme, char *theme)
{
    cs_uuid_v4(ws);
    cs_uuid_v4(default_theme);
    cs_uuid_v4(theme);
    char err[512];
    const char *p1[] = {ws};
    cr_assert_eq(
        cs_db_command(db, "INSERT INTO workspaces (id, name) VALUES ($1::uuid, 'ws ' || $1::text)",
                      1, p1, err, sizeof err),
        0, "%s", err);
    const char *p2[] = {default_theme, ws};
    cr_assert_eq(cs_db_command(db,
                               "INSERT INTO themes (id, workspace_id, name, is_default)"
                               " VALUES ($1, $2, 'Uncategorized', true)",
                               2, p2, err, sizeof err),
                 0, "%s", err);
    const char *p3[] = {theme, ws};
    cr_assert_eq(cs_db_command(db,
                               "INSERT INTO themes (id, workspace_id, name, description)"
                               " VALUES ($1, $2, 'Integrations', 'Third-party integrations')",
                               2, p3, err, sizeof err),
                 0, "%s", err);
}

json_t *cs_testdata_call(const char *ws, const char *external_id, const char *started_at,
                         const char *customer, const char *domain)
{
    json_t *call = cs_record_new(CS_KIND_CALL);
    json_object_set_new(call, "workspace_id", json_string(ws));
    json_object_set_new(call, "source", json_string("replay"));
    json_object_set_new(call, "external_id", json_string(external_id));
    json_object_set_new(call, "title", json_string("Demo call"));
    json_object_set_new(call, "started_at", json_string(started_at));
    json_object_set_new(call, "duration_seconds", json_integer(1800));
    if (customer)
        json_object_set_new(
            call, "customer",
            json_pack("{s:s, s:s?, s:f}", "name", customer, "domain", domain, "mrr", 5000.0));
    json_object_set_new(call, "transcript",
                        json_pack("[{s:s, s:s, s:s, s:i, s:s}, {s:s, s:s, s:s, s:i, s:s}]",
                                  "speaker_id", "1", "speaker", "Steve", "affiliation", "Internal",
                                  "start_ms", 0, "text", "What would help your team?", "speaker_id",
                                  "2", "speaker", "Yukta", "affiliation", "External", "start_ms",
                                  4000, "text", "We really need Salesforce sync for our tickets."));
    return call;
}

json_t *cs_testdata_decision(json_t *call)
{
    json_object_set_new(call, "kind", json_string("decision"));
    json_object_set_new(call, "insights",
                        json_pack("{s:[], s:[], s:{s:s, s:f}, s:[], s:s}", "feature_requests",
                                  "bug_reports", "sentiment", "overall", "positive", "score", 0.5,
                                  "pain_points", "summary", "A demo call."));
    json_object_set_new(call, "decisions", json_array());
    return call;
}

void cs_testdata_add(json_t *decision, const char *action, const char *feature_id,
                     const char *theme_id, const char *name, const char *urgency)
{
    json_t *requests = json_object_get(json_object_get(decision, "insights"), "feature_requests");
    json_t *decisions = json_object_get(decision, "decisions");
    size_t index = json_array_size(requests);
    json_array_append_new(requests,
                          json_pack("{s:s, s:s, s:s, s:s, s:s}", "title", name, "description",
                                    "Wanted by the customer", "urgency", urgency, "theme",
                                    "Integrations", "quote", "We really need Salesforce sync"));
    char id[CS_UUID_LEN];
    if (feature_id) {
        snprintf(id, sizeof id, "%s", feature_id);
    } else {
        char message_id[CS_UUID_LEN];
        cs_uuid_message_id(json_string_value(json_object_get(decision, "workspace_id")),
                           json_string_value(json_object_get(decision, "source")),
                           json_string_value(json_object_get(decision, "external_id")), message_id);
        cs_uuid_feature_id(message_id, (int)index, id);
    }
    json_t *d = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:f, s:s, s:s, s:[]}", "index",
                          (json_int_t)index, "action", action, "feature_id", id, "name", name,
                          "description", "Wanted by the customer", "urgency", urgency, "confidence",
                          0.9, "reasoning", "test decision", "method", "embedding", "candidates");
    if (theme_id)
        json_object_set_new(d, "theme_id", json_string(theme_id));
    json_array_append_new(decisions, d);
}

/* Run `callsift ARGS...` (NULL-terminated) with DATABASE_URL; its stdout's first line (caller
   frees). The test fails when it does. */
static char *s_cli(const char *env_db, const char *const *args)
{
    char *argv[16] = {(char *)cs_testproc_bin("callsift")};
    int n = 1;
    for (; args[n - 1] && n < 15; n++)
        argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    char *env[] = {(char *)env_db, NULL};
    cs_testrun_t run = cs_testproc_run(argv, env, NULL, 60000);
    cr_assert_eq(run.status, 0, "callsift %s: status %d\n%s", args[0], run.status, run.err);
    free(run.err);
    run.out[strcspn(run.out, "\n")] = '\0';
    return run.out;
}

void cs_testdata_demo_workspace(const char *database_url, char *ws)
{
    static const char *const themes[][2] = {
        {"AI Features", "AI-powered capabilities: assistants, summaries, smart suggestions"},
        {"Apps and Integrations", "Connections to third-party tools: CRM, Slack, calendars, SSO"},
        {"Inbox and Collaboration",
         "Shared inbox, assignments, signatures, notes and team workflows"},
        {"Reporting and Analytics", "Dashboards, exports, SLAs and metrics"},
    };
    static const char *const customers[][3] = {
        {"Northwind Logistics", "northwind.example", "12500"},
        {"Globex Health", "globex.example", "8400"},
        {"Initech Software", "initech.example", "4200"},
        {"Umbrella Retail", "umbrella.example", "15800"},
        {"Hooli Travel", "hooli.example", "2900"},
        {"Vandelay Imports", "vandelay.example", "6100"},
    };
    char env_db[1100];
    snprintf(env_db, sizeof env_db, "DATABASE_URL=%s", database_url);
    free(s_cli(env_db, (const char *[]){"migrate", NULL}));
    char *id =
        s_cli(env_db, (const char *[]){"workspace", "create", "--name", "Demo workspace", NULL});
    cr_assert(cs_uuid_valid(id), "workspace create printed '%s'", id);
    cs_strlcpy(ws, id, CS_UUID_LEN);
    free(id);
    for (size_t i = 0; i < CS_ARRAY_LEN(themes); i++)
        free(s_cli(env_db, (const char *[]){"theme", "add", "--workspace-id", ws, "--name",
                                            themes[i][0], "--description", themes[i][1], NULL}));
    for (size_t i = 0; i < CS_ARRAY_LEN(customers); i++)
        free(s_cli(env_db, (const char *[]){"customer", "add", "--workspace-id", ws, "--name",
                                            customers[i][0], "--domain", customers[i][1], "--mrr",
                                            customers[i][2], NULL}));
}
