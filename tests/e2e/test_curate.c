/* `callsift feature merge|unmerge|reject|restore|rename|move|set-status|describe|split|history`
   as processes: the real binary against a fresh database per test, filled the way the pipeline
   fills it (calls committed by cs_writer_commit). These tests double as the commands' usage
   examples.

   The calls (C = create the feature, L = link to it):

     c1  2025-09-01  Globex    C Salesforce sync, C CSV export
     c2  2025-09-10  Initech   C Sync with Salesforce, L CSV export
     c3  2025-10-01  Hooli     L Sync with Salesforce, L Salesforce sync
     c4  2025-10-15  Globex    L Sync with Salesforce
     c5  2025-11-01  Umbrella  C SFDC integration

   so merging "Sync with Salesforce" and "SFDC integration" into "Salesforce sync" gives it the
   five calls, c3 once (both features had it). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "cs_curate.h"
#include "cs_record.h"
#include "cs_testcli.h"
#include "cs_testdata.h"
#include "cs_testdb.h"
#include "cs_testproc.h"
#include "cs_util.h"
#include "cs_uuid.h"
#include "cs_wgroup.h"
#include "cs_writer.h"

TestSuite(curate, .init = cs_testcli_setup_migrated, .fini = cs_testcli_teardown, .timeout = 180);

static char ws[CS_UUID_LEN], integrations[CS_UUID_LEN], analytics[CS_UUID_LEN];
static char sf[CS_UUID_LEN], csv[CS_UUID_LEN], sf2[CS_UUID_LEN], sf3[CS_UUID_LEN];

/* Every feature and link of the workspace as text, one row a line, in a fixed order: what a
   merge and its unmerge must leave as it was (updated_at aside). */
static char *snapshot(void)
{
    return cs_testcli_query(
        "SELECT string_agg(x, E'\\n' ORDER BY x) FROM ("
        " SELECT concat_ws('|', 'F', id, name, name_key, description, status, status_reason,"
        "  theme_id, urgency, mention_count, first_mentioned, last_mentioned, merged_into,"
        "  merged_at) AS x FROM features WHERE workspace_id = $1"
        " UNION ALL SELECT concat_ws('|', 'L', fm.feature_id, fm.message_id, fm.quote,"
        "  fm.speaker, fm.confidence, fm.created_at, fm.merged_from) FROM feature_messages fm"
        "  JOIN messages m ON m.id = fm.message_id WHERE m.workspace_id = $1) s",
        ws, NULL);
}

/* Features whose mention_count is not their number of links: 0 always. */
static long miscounted(void)
{
    return cs_testcli_query_ll("SELECT count(*) FROM features f WHERE mention_count <>"
                               " (SELECT count(*) FROM feature_messages WHERE feature_id = f.id)",
                               NULL, NULL);
}

static void feature_id_of(const char *external_id, int index, char out[CS_UUID_LEN])
{
    char message_id[CS_UUID_LEN];
    cs_uuid_message_id(ws, "replay", external_id, message_id);
    cs_uuid_feature_id(message_id, index, out);
}

static void request(json_t *rec, const char *action, const char *feature_id, const char *theme,
                    const char *title)
{
    cs_testdata_add(rec, action, feature_id, theme, title, "medium");
    json_t *decisions = json_object_get(rec, "decisions");
    json_t *d = json_array_get(decisions, json_array_size(decisions) - 1);
    json_object_set_new(d, "quote", json_string(title));
    json_object_set_new(d, "speaker", json_string("Yukta"));
    json_object_set_new(d, "request_confidence", json_real(0.8));
}

static void commit(cs_db_t *db, json_t *rec)
{
    char err[1024] = "";
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "test record invalid: %s", err);
    cr_assert_eq(cs_writer_commit(db, rec, NULL, err, sizeof err), CS_COMMIT_COMMITTED, "%s", err);
    json_decref(rec);
}

static json_t *call(const char *external_id, const char *started_at, const char *customer)
{
    return cs_testdata_decision(cs_testdata_call(ws, external_id, started_at, customer, NULL));
}

/* The workspace and themes through the CLI, the calls through the writer (see the top). */
static void populate(void)
{
    char *id =
        cs_testcli_ok_value(cs_testcli_run("workspace", "create", "--name", "Acme Sales", NULL));
    cs_strlcpy(ws, id, sizeof ws);
    free(id);
    id = cs_testcli_ok_value(
        cs_testcli_run("theme", "add", "--workspace-id", ws, "--name", "Integrations", NULL));
    cs_strlcpy(integrations, id, sizeof integrations);
    free(id);
    id = cs_testcli_ok_value(
        cs_testcli_run("theme", "add", "--workspace-id", ws, "--name", "Analytics", NULL));
    cs_strlcpy(analytics, id, sizeof analytics);
    free(id);
    feature_id_of("c1", 0, sf);
    feature_id_of("c1", 1, csv);
    feature_id_of("c2", 0, sf2);
    feature_id_of("c5", 0, sf3);

    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    json_t *rec = call("c1", "2025-09-01T15:00:00Z", "Globex");
    request(rec, "create", NULL, integrations, "Salesforce sync");
    request(rec, "create", NULL, analytics, "CSV export");
    commit(db, rec);
    rec = call("c2", "2025-09-10T15:00:00Z", "Initech");
    request(rec, "create", NULL, integrations, "Sync with Salesforce");
    request(rec, "link", csv, analytics, "CSV export");
    commit(db, rec);
    rec = call("c3", "2025-10-01T15:00:00Z", "Hooli");
    request(rec, "link", sf2, integrations, "Sync with Salesforce");
    request(rec, "link", sf, integrations, "Salesforce sync");
    commit(db, rec);
    rec = call("c4", "2025-10-15T15:00:00Z", "Globex");
    request(rec, "link", sf2, integrations, "Sync with Salesforce");
    commit(db, rec);
    rec = call("c5", "2025-11-01T15:00:00Z", "Umbrella");
    request(rec, "create", NULL, integrations, "SFDC integration");
    commit(db, rec);
    cs_db_destroy(&db);
    cr_assert_eq(cs_testcli_query_ll("SELECT mention_count FROM features WHERE id = $1", sf2, NULL),
                 3);
}

/* Run a curation command as "tester"; its stdout (caller frees). */
#define CURATE(...) cs_testcli_ok(cs_testcli_run("feature", __VA_ARGS__, "--by", "tester", NULL))

Test(curate, merge_then_unmerge_leaves_features_links_and_counts_as_they_were)
{
    populate();
    char *before = snapshot();

    char *out = CURATE("merge", sf2, sf3, "--into", sf);
    cr_expect(strstr(out, "Merged 2 features into 'Salesforce sync'"), "%s", out);
    cr_expect(strstr(out, "5 mentions"), "%s", out);
    free(out);
    cr_expect_eq(cs_testcli_query_ll("SELECT mention_count FROM features WHERE id = $1", sf, NULL),
                 5);
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM feature_messages WHERE feature_id = $1",
                                     sf, NULL),
                 5);
    cr_expect_eq(
        cs_testcli_query_ll("SELECT count(*) FROM features WHERE merged_into = $1", sf, NULL), 2);
    cr_expect_eq(cs_testcli_query_ll("SELECT mention_count FROM features WHERE id = $1", sf2, NULL),
                 0);
    cr_expect_eq(miscounted(), 0);
    char *dates =
        cs_testcli_query("SELECT first_mentioned::date || ' ' || last_mentioned::date FROM"
                         " features WHERE id = $1",
                         sf, NULL);
    cr_expect_str_eq(dates, "2025-09-01 2025-11-01");
    free(dates);
    /* the moved links remember where they came from */
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM feature_messages WHERE merged_from = $1",
                                     sf2, NULL),
                 2);
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM curation_actions WHERE action = 'merge'"
                                     " AND by_name = 'tester' AND arguments->>'into' = $1",
                                     sf, NULL),
                 2);

    free(CURATE("unmerge", sf2));
    free(CURATE("unmerge", sf3));
    char *after = snapshot();
    cr_expect_str_eq(after, before);
    cr_expect_eq(miscounted(), 0);
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM curation_actions WHERE action = 'merge'"
                                     " AND undone_by IS NULL",
                                     NULL, NULL),
                 0);
    free(before);
    free(after);
}

Test(curate, a_merge_of_a_feature_that_took_merges_unmerges_in_either_order)
{
    populate();
    char *before = snapshot();
    free(CURATE("merge", sf3, "--into", sf2));
    free(CURATE("merge", sf2, "--into", sf));
    cr_expect_eq(cs_testcli_query_ll("SELECT mention_count FROM features WHERE id = $1", sf, NULL),
                 5);
    /* sf3 is merged into sf2, itself merged away: unmerge sf2 first */
    cs_testcli_expect_failure(cs_testcli_run("feature", "unmerge", sf3, "--by", "tester", NULL), 1,
                              "unmerge");
    free(CURATE("unmerge", sf2));
    cr_expect_eq(cs_testcli_query_ll("SELECT mention_count FROM features WHERE id = $1", sf2, NULL),
                 4);
    free(CURATE("unmerge", sf3));
    char *after = snapshot();
    cr_expect_str_eq(after, before);
    free(before);
    free(after);
}

Test(curate, merge_notifies_the_matcher_with_the_workspace_id)
{
    populate();
    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    char err[256];
    cr_assert_eq(cs_db_command(db, "LISTEN callsift_features", 0, NULL, err, sizeof err), 0);
    free(CURATE("merge", sf3, "--into", sf));
    PGconn *conn = cs_db_conn(db);
    PGnotify *n = NULL;
    for (int i = 0; i < 250 && !n; i++) {
        cr_assert(PQconsumeInput(conn));
        n = PQnotifies(conn);
        if (!n)
            usleep(20000);
    }
    cr_assert(n, "no NOTIFY callsift_features");
    cr_expect_str_eq(n->extra, ws);
    PQfreemem(n);
    cs_db_destroy(&db);
}

/* Run a command that must be refused: exit 1, its one-line reason naming `needle`, and nothing
   changed. */
static void refused(const char *needle, const char *first, ...)
{
    char *before = snapshot();
    long actions = cs_testcli_query_ll("SELECT count(*) FROM curation_actions", NULL, NULL);
    char *env[] = {(char *)cs_testcli_env_db(), NULL};
    va_list ap;
    va_start(ap, first);
    cs_testrun_t run = cs_testcli_run_v(env, first, ap);
    va_end(ap);
    cs_testcli_expect_failure(run, 1, needle);
    char *after = snapshot();
    cr_expect_str_eq(after, before, "changed by a refused command (%s)", needle);
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM curation_actions", NULL, NULL), actions);
    free(before);
    free(after);
}

Test(curate, reject_hides_and_restore_brings_back_the_status_it_had)
{
    populate();
    free(CURATE("set-status", sf3, "planned"));
    char *out = CURATE("reject", sf3, "--reason", "a buying step, not a request");
    cr_expect(strstr(out, "Rejected 'SFDC integration'"), "%s", out);
    cr_expect(strstr(out, "callsift feature restore"), "%s", out);
    free(out);
    char *status = cs_testcli_query(
        "SELECT status || ': ' || status_reason FROM features WHERE id = $1", sf3, NULL);
    cr_expect_str_eq(status, "rejected: a buying step, not a request");
    free(status);
    refused("restore it first", "feature", "set-status", sf3, "shipped", NULL);
    refused("rejected already", "feature", "reject", sf3, "--reason", "again", NULL);
    refused("rejected", "feature", "merge", sf2, "--into", sf3, NULL);
    free(CURATE("restore", sf3));
    status = cs_testcli_query(
        "SELECT status || coalesce(status_reason, '-') FROM features WHERE id = $1", sf3, NULL);
    cr_expect_str_eq(status, "planned-");
    free(status);
    refused("is not rejected", "feature", "restore", sf3, NULL);
}

Test(curate, every_bad_input_is_one_line_exit_1_and_changes_nothing)
{
    populate();
    char other_ws[CS_UUID_LEN], other[CS_UUID_LEN];
    char *id = cs_testcli_ok_value(cs_testcli_run("workspace", "create", "--name", "Other", NULL));
    cs_strlcpy(other_ws, id, sizeof other_ws);
    free(id);
    {
        cs_db_t *db = cs_testdb_connect(cs_testcli_db());
        char save[CS_UUID_LEN];
        cs_strlcpy(save, ws, sizeof save);
        cs_strlcpy(ws, other_ws, sizeof ws);
        json_t *rec = call("o1", "2025-09-01T15:00:00Z", "Stark");
        request(rec, "create", NULL, NULL, "Audit log");
        commit(db, rec);
        feature_id_of("o1", 0, other);
        cs_strlcpy(ws, save, sizeof ws);
        cs_db_destroy(&db);
    }
    free(CURATE("merge", sf3, "--into", sf));

    refused("into itself", "feature", "merge", sf, "--into", sf, NULL);
    refused("different workspaces", "feature", "merge", other, "--into", sf, NULL);
    refused("is merged into", "feature", "merge", sf2, "--into", sf3, NULL);
    refused("already merged into", "feature", "merge", sf3, "--into", sf2, NULL);
    refused("named twice", "feature", "merge", sf2, sf2, "--into", sf, NULL);
    refused("never merged", "feature", "unmerge", sf2, NULL);
    refused("no feature 0b6a1c2e-0000-4000-8000-000000000000", "feature", "merge",
            "0b6a1c2e-0000-4000-8000-000000000000", "--into", sf, NULL);
    refused("not a feature id", "feature", "merge", "abc", "--into", sf, NULL);
    refused("unknown status 'done'", "feature", "set-status", sf, "done", NULL);
    refused("feature reject", "feature", "set-status", sf, "rejected", NULL);
    refused("no theme 'Billing'", "feature", "move", sf, "--theme", "Billing", NULL);
    refused("theme 'integrations' already", "feature", "move", sf, "--theme", "integrations", NULL);
    refused("has that name", "feature", "rename", sf2, "--name", "salesforce SYNC", NULL);
    refused("--reason must not be empty", "feature", "reject", sf, "--reason", "  ", NULL);
    refused("is merged into", "feature", "rename", sf3, "--name", "X", NULL);
    refused("call c9 is not linked", "feature", "split", sf, "--calls", "c1", "c9", "--name", "Y",
            NULL);
    refused("either --into ID or --name", "feature", "split", sf, "--calls", "c1", NULL);
    refused("ID and STATUS", "feature", "set-status", sf, NULL);
}

Test(curate, rename_move_describe_and_history)
{
    populate();
    free(CURATE("rename", sf2, "--name", "Two-way Salesforce sync"));
    free(CURATE("move", csv, "--theme", "INTEGRATIONS"));
    free(CURATE("describe", csv, "--description", "Export any list to CSV"));
    free(CURATE("set-status", csv, "under-review"));
    char *row = cs_testcli_query("SELECT f.name || '|' || f.name_key FROM features f WHERE id = $1",
                                 sf2, NULL);
    cr_expect_str_eq(row, "Two-way Salesforce sync|two way salesforce sync");
    free(row);
    row =
        cs_testcli_query("SELECT t.name || '|' || f.description || '|' || f.status FROM features f"
                         " JOIN themes t ON t.id = f.theme_id WHERE f.id = $1",
                         csv, NULL);
    cr_expect_str_eq(row, "Integrations|Export any list to CSV|under-review");
    free(row);

    free(CURATE("merge", sf2, "--into", sf));
    char *out = cs_testcli_ok(cs_testcli_run("feature", "history", sf, "--format", "json", NULL));
    json_t *doc = json_loads(out, 0, NULL);
    cr_assert(json_is_array(doc), "%s", out);
    cr_assert_eq(json_array_size(doc), 1, "%s", out);
    json_t *merge = json_array_get(doc, 0);
    cr_expect_str_eq(json_string_value(json_object_get(merge, "action")), "merge");
    cr_expect_str_eq(json_string_value(json_object_get(merge, "by")), "tester");
    cr_expect(strstr(json_string_value(json_object_get(merge, "what")),
                     "merged 'Two-way Salesforce sync' into this"),
              "%s", out);
    json_decref(doc);
    free(out);

    out = cs_testcli_ok(cs_testcli_run("feature", "history", csv, NULL));
    cr_expect(strstr(out, "moved from theme 'Analytics' to 'Integrations'"), "%s", out);
    cr_expect(strstr(out, "status new -> under-review"), "%s", out);
    cr_expect(strstr(out, "description edited"), "%s", out);
    free(out);
}

Test(curate, split_moves_the_calls_to_a_new_feature_or_another_one)
{
    populate();
    /* both forms: calls after --calls, and comma-separated */
    char *out = CURATE("split", sf2, "--calls", "c3", "c4", "--name", "Salesforce field mapping");
    cr_expect(strstr(out, "Moved the mentions of 2 calls"), "%s", out);
    free(out);
    char *id = cs_testcli_query("SELECT id FROM features WHERE name = 'Salesforce field mapping'",
                                NULL, NULL);
    cr_expect_eq(cs_testcli_query_ll("SELECT mention_count FROM features WHERE id = $1", id, NULL),
                 2);
    cr_expect_eq(cs_testcli_query_ll("SELECT mention_count FROM features WHERE id = $1", sf2, NULL),
                 1);
    char *theme = cs_testcli_query("SELECT theme_id FROM features WHERE id = $1", id, NULL);
    cr_expect_str_eq(theme, integrations);
    free(theme);

    /* into a feature that already has c3: it keeps its own link, c4 moves */
    free(CURATE("split", id, "--calls", "c3,c4", "--into", sf));
    cr_expect_eq(cs_testcli_query_ll("SELECT mention_count FROM features WHERE id = $1", sf, NULL),
                 3);
    cr_expect_eq(cs_testcli_query_ll("SELECT mention_count FROM features WHERE id = $1", id, NULL),
                 0);
    cr_expect_eq(miscounted(), 0);
    free(id);
}

Test(curate, feature_show_lists_aliases_history_and_why)
{
    populate();
    free(CURATE("merge", sf2, "--into", sf));
    free(CURATE("reject", sf3, "--reason", "asked about pricing"));
    char *out = cs_testcli_ok(cs_testcli_run("feature", "show", sf, NULL));
    cr_expect(strstr(out, "Aliases (1)"), "%s", out);
    cr_expect(strstr(out, "Sync with Salesforce"), "%s", out);
    cr_expect(!strstr(out, "Merged into"), "%s", out);
    free(out);

    out = cs_testcli_ok(cs_testcli_run("feature", "show", sf2, NULL));
    char want[128];
    snprintf(want, sizeof want, "Merged into      %s", sf);
    cr_expect(strstr(out, want), "%s", out);
    cr_expect(strstr(out, "History (1)") && strstr(out, "merge"), "%s", out);
    free(out);

    out = cs_testcli_ok(cs_testcli_run("feature", "show", sf3, "--format", "json", NULL));
    json_t *doc = json_loads(out, 0, NULL);
    cr_assert(doc, "%s", out);
    json_t *f = json_object_get(doc, "feature");
    cr_expect_str_eq(json_string_value(json_object_get(f, "status")), "rejected");
    cr_expect_str_eq(json_string_value(json_object_get(f, "status_reason")), "asked about pricing");
    json_t *history = json_object_get(doc, "history");
    cr_expect_eq(json_array_size(history), 1);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(history, 0), "action")),
                     "reject");
    json_decref(doc);
    free(out);
}

/* The id of the newest curation action, as `feature history` shows it. */
static char *last_action(void)
{
    return cs_testcli_query("SELECT max(id)::text FROM curation_actions", NULL, NULL);
}

Test(curate, undo_sets_each_edit_back_once)
{
    populate();
    char *before = snapshot();
    free(CURATE("rename", sf2, "--name", "Two-way Salesforce sync"));
    char *rename = last_action();
    free(CURATE("move", csv, "--theme", "Integrations"));
    char *move = last_action();
    free(CURATE("set-status", csv, "shipped"));
    char *status = last_action();
    free(CURATE("describe", csv, "--description", "Any list, as CSV"));
    char *describe = last_action();
    free(CURATE("merge", sf3, "--into", sf));
    char *merge = last_action();
    free(CURATE("reject", sf2, "--reason", "not a request"));
    char *reject = last_action();

    const char *undo[] = {reject, merge, describe, status, move};
    for (size_t i = 0; i < CS_ARRAY_LEN(undo); i++) {
        char *out = CURATE("undo", undo[i]);
        cr_expect(strstr(out, "Undid action"), "%s", out);
        free(out);
    }
    /* a second rename came after the first: undoing the first would undo it too */
    free(CURATE("rename", sf2, "--name", "Salesforce two-way sync"));
    refused("changed again since", "feature", "undo", rename, NULL);
    free(CURATE("undo", last_action()));
    free(CURATE("undo", rename));
    char *after = snapshot();
    cr_expect_str_eq(after, before);
    refused("undone already", "feature", "undo", rename, NULL);
    refused("no curation action 999999", "feature", "undo", "999999", NULL);
    refused("not a curation action id", "feature", "undo", "12abc", NULL);
    cr_expect_eq(
        cs_testcli_query_ll("SELECT count(*) FROM curation_actions WHERE undone_by IS NULL"
                            " AND action IN ('rename', 'move', 'set-status', 'describe', 'merge',"
                            " 'reject') AND id <= $1::bigint",
                            reject, NULL),
        0);
    free(before);
    free(after);
    free(rename);
    free(move);
    free(status);
    free(describe);
    free(merge);
    free(reject);
}

/* The links and counts of the workspace's features, without the features themselves. */
static char *links(void)
{
    return cs_testcli_query(
        "SELECT string_agg(concat_ws('|', fm.feature_id, fm.message_id, fm.quote,"
        " fm.confidence, fm.created_at, fm.merged_from, f.mention_count,"
        " f.first_mentioned, f.last_mentioned), E'\\n'"
        " ORDER BY fm.feature_id, fm.message_id)"
        " FROM feature_messages fm JOIN features f ON f.id = fm.feature_id"
        " WHERE f.workspace_id = $1",
        ws, NULL);
}

Test(curate, undo_of_a_split_and_of_a_detach_puts_the_links_back)
{
    populate();
    char *before = links();
    free(CURATE("split", sf2, "--calls", "c3,c4", "--into", sf));
    cr_expect_eq(cs_testcli_query_ll("SELECT mention_count FROM features WHERE id = $1", sf, NULL),
                 3);
    free(CURATE("undo", last_action()));
    char *after = links();
    cr_expect_str_eq(after, before);
    free(after);

    /* the review queue's "not a request": one call's link taken off, and put back */
    char message_id[CS_UUID_LEN];
    cs_uuid_message_id(ws, "replay", "c4", message_id);
    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    cs_curate_t c = {.db = db, .by = "reviewer"};
    cr_assert_eq(cs_curate_detach(&c, sf2, message_id), CS_CURATE_OK, "%s", c.err);
    cr_expect_eq(cs_curate_detach(&c, sf2, message_id), CS_CURATE_REFUSED);
    cr_expect(strstr(c.err, "is not linked"), "%s", c.err);
    cs_db_destroy(&db);
    cr_expect_eq(cs_testcli_query_ll("SELECT mention_count FROM features WHERE id = $1", sf2, NULL),
                 2);
    cr_expect_eq(miscounted(), 0);
    free(CURATE("undo", last_action()));
    after = links();
    cr_expect_str_eq(after, before);
    free(after);
    free(before);
}

Test(curate, two_merges_at_once_of_the_same_features_serialise)
{
    populate();
    /* hold one of the rows, so both commands are waiting when it is let go */
    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    char err[512];
    const char *hold[] = {sf};
    cr_assert_eq(cs_db_command(db, "BEGIN", 0, NULL, err, sizeof err), 0, "%s", err);
    cr_assert_eq(cs_db_command(db, "SELECT 1 FROM features WHERE id = $1 FOR UPDATE", 1, hold, err,
                               sizeof err),
                 0, "%s", err);
    char *env[] = {(char *)cs_testcli_env_db(), NULL};
    char *one[] = {(char *)cs_testproc_bin("callsift"),
                   "feature",
                   "merge",
                   sf2,
                   "--into",
                   sf,
                   "--by",
                   "one",
                   NULL};
    char *two[] = {(char *)cs_testproc_bin("callsift"),
                   "feature",
                   "merge",
                   sf,
                   "--into",
                   sf2,
                   "--by",
                   "two",
                   NULL};
    cs_testproc_t a, b;
    cs_testproc_start(&a, one, env);
    cs_testproc_start(&b, two, env);
    usleep(500000);
    cr_expect(cs_testproc_alive(&a) && cs_testproc_alive(&b), "neither waited for the lock");
    cr_assert_eq(cs_db_command(db, "COMMIT", 0, NULL, err, sizeof err), 0, "%s", err);
    cs_db_destroy(&db);
    for (int i = 0; i < 500 && (cs_testproc_alive(&a) || cs_testproc_alive(&b)); i++)
        usleep(20000);
    cr_assert(!cs_testproc_alive(&a) && !cs_testproc_alive(&b));
    cr_expect_eq((a.status == 0) + (b.status == 0), 1, "statuses %d and %d", a.status, b.status);
    cr_expect_eq(a.status + b.status, 1, "the other is refused (exit 1)");
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM features WHERE merged_into IS NOT NULL",
                                     NULL, NULL),
                 1);
    cr_expect_eq(cs_testcli_query_ll("SELECT count(*) FROM curation_actions", NULL, NULL), 1);
    cr_expect_eq(cs_testcli_query_ll("SELECT max(mention_count) FROM features", NULL, NULL), 4);
    cr_expect_eq(miscounted(), 0);
}

/* ---- the matcher's merges, carried out by the writer (writer/cs_wmerge.h) ----------------- */

/* c6 links to "Salesforce sync" and carries the merges the matcher proposed with it. */
static json_t *call_with_merges(const char *external_id, const char *const *sources, size_t n)
{
    json_t *rec = call(external_id, "2025-11-10T15:00:00Z", "Hooli");
    request(rec, "link", sf, integrations, "Salesforce sync");
    json_t *merges = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(merges,
                              json_pack("{s:s, s:s, s:f, s:f, s:f}", "source", sources[i], "into",
                                        sf, "fused", 0.61, "vector", 0.55, "lexical", 0.67));
    json_object_set_new(rec, "merges", merges);
    char err[512];
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "%s", err);
    return rec;
}

static long merges_by_matcher(void)
{
    return cs_testcli_query_ll(
        "SELECT count(*) FROM curation_actions WHERE action = 'merge' AND by_name = 'matcher'",
        NULL, NULL);
}

Test(curate, the_writer_carries_out_the_matchers_merge_in_the_calls_transaction)
{
    populate();
    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    json_t *rec = call_with_merges("c6", (const char *const[]){sf3}, 1);
    char err[1024] = "";
    cr_assert_eq(cs_writer_commit(db, rec, NULL, err, sizeof err), CS_COMMIT_COMMITTED, "%s", err);
    char *into =
        cs_testcli_query("SELECT merged_into::text FROM features WHERE id = $1", sf3, NULL);
    cr_assert_str_eq(into, sf, "SFDC integration went into Salesforce sync");
    free(into);
    /* c1, c3 and c6 (the call's own link, same transaction) + c5 from SFDC integration */
    cr_assert_eq(cs_testcli_query_ll("SELECT mention_count FROM features WHERE id = $1", sf, NULL),
                 4);
    cr_assert_eq(miscounted(), 0);
    cr_assert_eq(merges_by_matcher(), 1);
    char *fused = cs_testcli_query("SELECT arguments->>'fused' FROM curation_actions WHERE"
                                   " feature_id = $1 AND action = 'merge'",
                                   sf3, NULL);
    cr_assert_str_eq(fused, "0.61");
    free(fused);

    /* redelivered: ALREADY, and no second merge */
    cr_assert_eq(cs_writer_commit(db, rec, NULL, err, sizeof err), CS_COMMIT_ALREADY, "%s", err);
    cr_assert_eq(merges_by_matcher(), 1);
    json_decref(rec);
    cs_db_destroy(&db);

    /* a person sees why, and undoes it like a person's merge */
    char *out = cs_testcli_ok(cs_testcli_run("feature", "show", sf, NULL));
    cr_expect(strstr(out, "SFDC integration") && strstr(out, "matcher"), "%s", out);
    cr_expect(strstr(out, "similarity 0.61 (vector 0.55, lexical 0.67), call c6"), "%s", out);
    free(out);
    /* and the history says it too, for the CLI and the console's feature page alike */
    out = cs_testcli_ok(cs_testcli_run("feature", "history", sf, "--format", "csv", NULL));
    cr_expect(strstr(out, "links moved: 1; alike by similarity 0.61"), "%s", out);
    free(out);
    free(CURATE("unmerge", sf3));
    cr_assert_eq(cs_testcli_query_ll("SELECT mention_count FROM features WHERE id = $1", sf3, NULL),
                 1);
    cr_assert_eq(miscounted(), 0);
}

/* Call c6 stored once, without merges: a later delivery of it is a redelivery. */
static void store_c6(cs_db_t *db)
{
    char err[1024] = "";
    json_t *plain = call_with_merges("c6", NULL, 0);
    json_object_del(plain, "merges");
    cr_assert_eq(cs_writer_commit(db, plain, NULL, err, sizeof err), CS_COMMIT_COMMITTED, "%s",
                 err);
    json_decref(plain);
}

/* A group of a new call (c7) and a redelivered one (c6) that brings the merge of "Sync with
   Salesforce" into Salesforce sync: the first is COMMITTED, the second ALREADY. */
static void commit_group_with_a_redelivery(cs_db_t *db)
{
    char err[1024] = "";
    json_t *fresh = call("c7", "2025-11-11T15:00:00Z", "Hooli");
    request(fresh, "link", sf, integrations, "Salesforce sync");
    json_t *redelivered = call_with_merges("c6", (const char *const[]){sf2}, 1);
    cs_wgroup_call_t calls[2] = {{.rec = fresh, .status = CS_COMMIT_RETRY},
                                 {.rec = redelivered, .status = CS_COMMIT_RETRY}};
    cr_assert_eq(cs_wgroup_commit(db, calls, 2, err, sizeof err), 0, "%s", err);
    cr_assert_eq(calls[0].status, CS_COMMIT_COMMITTED, "%s", calls[0].err);
    cr_assert_eq(calls[1].status, CS_COMMIT_ALREADY, "%s", calls[1].err);
    json_decref(fresh);
    json_decref(redelivered);
}

/* The matcher attaches what it proposed after a reload to the workspace's next decision; when
   that decision is a redelivered call's, the call is ALREADY and its merges are still new. */
Test(curate, merges_that_come_with_a_redelivered_call_are_carried_out)
{
    populate();
    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    char err[1024] = "";
    store_c6(db);
    json_t *again = call_with_merges("c6", (const char *const[]){sf3}, 1);
    cr_assert_eq(cs_writer_commit(db, again, NULL, err, sizeof err), CS_COMMIT_ALREADY, "%s", err);
    json_decref(again);
    char *into =
        cs_testcli_query("SELECT merged_into::text FROM features WHERE id = $1", sf3, NULL);
    cr_assert_str_eq(into, sf, "SFDC integration went into Salesforce sync");
    free(into);
    cr_assert_eq(merges_by_matcher(), 1);
    /* c1, c3, c6 (stored once) + c5 from SFDC integration */
    cr_assert_eq(cs_testcli_query_ll("SELECT mention_count FROM features WHERE id = $1", sf, NULL),
                 4);
    cr_assert_eq(miscounted(), 0);

    /* the same in a group: a new call, then a redelivered one that brings a merge */
    commit_group_with_a_redelivery(db);
    into = cs_testcli_query("SELECT merged_into::text FROM features WHERE id = $1", sf2, NULL);
    cr_assert_str_eq(into, sf, "the redelivered call's merge was carried out in the group");
    free(into);
    cr_assert_eq(merges_by_matcher(), 2);
    cr_assert_eq(miscounted(), 0);
    cs_db_destroy(&db);
}

/* Merges that fail for a reason that will not pass (here a check at COMMIT) must not hold the
   redelivered call for ever: it is ALREADY, the features stay as they were. */
Test(curate, merges_of_a_redelivered_call_that_never_commit_do_not_hold_it)
{
    populate();
    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    char err[1024] = "";
    store_c6(db);
    cr_assert_eq(cs_db_command(db,
                               "CREATE FUNCTION no_merges() RETURNS trigger LANGUAGE plpgsql AS"
                               " $$BEGIN RAISE EXCEPTION 'no merges today'; END$$",
                               0, NULL, err, sizeof err),
                 0, "%s", err);
    cr_assert_eq(
        cs_db_command(db,
                      "CREATE CONSTRAINT TRIGGER no_merges AFTER INSERT ON curation_actions"
                      " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
                      " EXECUTE FUNCTION no_merges()",
                      0, NULL, err, sizeof err),
        0, "%s", err);
    json_t *again = call_with_merges("c6", (const char *const[]){sf3}, 1);
    err[0] = '\0';
    cr_assert_eq(cs_writer_commit(db, again, NULL, err, sizeof err), CS_COMMIT_ALREADY,
                 "not RETRY: the same failure would come back with every delivery (%s)", err);
    cr_assert(strstr(err, "no merges today"), "the cause is kept: %s", err);
    json_decref(again);
    cr_assert_eq(cs_testcli_query_ll("SELECT count(*) FROM features WHERE merged_into IS NOT NULL",
                                     NULL, NULL),
                 0);
    cr_assert_eq(merges_by_matcher(), 0);

    /* in a group: its COMMIT fails, and each call alone gets what it would have got */
    commit_group_with_a_redelivery(db);
    cr_assert_eq(merges_by_matcher(), 0);
    cr_assert_eq(miscounted(), 0);
    cs_db_destroy(&db);
}

Test(curate, a_refused_merge_is_skipped_and_never_fails_the_call)
{
    populate();
    free(CURATE("rename", sf2, "--name", "Salesforce two-way sync")); /* curated by a person */
    free(CURATE("set-status", csv, "planned"));
    char gone[CS_UUID_LEN];
    feature_id_of("nowhere", 0, gone);
    cs_db_t *db = cs_testdb_connect(cs_testcli_db());
    /* curated, not new, unknown, itself: all refused; SFDC integration merged */
    json_t *rec = call_with_merges("c6", (const char *const[]){sf2, csv, gone, sf, sf3}, 5);
    char err[1024] = "";
    cr_assert_eq(cs_writer_commit(db, rec, NULL, err, sizeof err), CS_COMMIT_COMMITTED, "%s", err);
    json_decref(rec);
    cr_assert_eq(merges_by_matcher(), 1);
    cr_assert_eq(cs_testcli_query_ll("SELECT count(*) FROM features WHERE merged_into IS NOT NULL",
                                     NULL, NULL),
                 1);
    char *into =
        cs_testcli_query("SELECT merged_into::text FROM features WHERE id = $1", sf3, NULL);
    cr_assert_str_eq(into, sf);
    free(into);
    /* the call itself is stored, processed, its link made */
    char message_id[CS_UUID_LEN];
    cs_uuid_message_id(ws, "replay", "c6", message_id);
    cr_assert_eq(cs_testcli_query_ll("SELECT count(*) FROM feature_messages WHERE message_id = $1"
                                     " AND feature_id = $2",
                                     message_id, sf),
                 1);
    cr_assert_eq(miscounted(), 0);

    /* a source merged meanwhile (by the merge above): refused, the call still committed */
    rec = call_with_merges("c7", (const char *const[]){sf3}, 1);
    cr_assert_eq(cs_writer_commit(db, rec, NULL, err, sizeof err), CS_COMMIT_COMMITTED, "%s", err);
    json_decref(rec);
    cr_assert_eq(merges_by_matcher(), 1);
    cs_db_destroy(&db);
}
