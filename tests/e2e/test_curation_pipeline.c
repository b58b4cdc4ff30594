/* Curation while the pipeline runs (DESIGN.md 6a), tested as processes: the four real stages
   (offline) on endpoints of their own, into a database of the test's own with the demo
   workspace, fed replays built from the bundled sample calls (samples/calls.jsonl).

     merges_during_a_replay_keep_every_count_exact: 1,026 calls; while they flow the two
       most-mentioned live features are merged, again and again, and mention_count is checked
       against the links many times: it never differs, nor at the end, and no link is left on
       a merged-away feature.
     a_call_decided_before_a_merge_and_redelivered_after_it_links_to_the_target: the writer
       is down while a call is decided against features that are then merged away; the call
       is resent meanwhile; once the writer is back, the call is stored once, linked to the
       target (the stale decision redirected by the writer), counts exact.
     a_rejected_request_said_again_in_new_words_stays_hidden: a feature is rejected; a later
       call asks for it in other words; it links to the rejected feature, which stays
       rejected, and the report shows no new feature for it.

   Curation is done by the real `callsift feature merge|reject`, as a person would. The stages'
   logs are in the failure messages. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "cs_db.h"
#include "cs_testdata.h"
#include "cs_testdb.h"
#include "cs_testproc.h"
#include "cs_util.h"
#include "cs_uuid.h"

#define READY_MS     60000  /* a stage's "ready" line, on a busy machine */
#define STOP_MS      10000  /* SIGTERM to exit */
#define RUN_MS       300000 /* a replay to its end */
#define SAMPLE_CALLS 57
#define SAMPLE_KEPT  56 /* one is private */
#define FETCHER_ARGS "--ack-timeout", "3", "--max-attempts", "30", "--max-in-flight", "64"

/* A call of the sample whose request the catalogue built from the other calls links, by
   similarity, to a feature of another name (both measured on this sample, offline): the
   "new words" of a_rejected_request_said_again_in_new_words_stays_hidden. */
#define NEW_WORDS_CALL  "1093527660092404962"
#define NEW_WORDS_TITLE "AI-written draft replies that the agent reviews"
#define SAID_BEFORE     "Draft a reply for the agent"

/* Counts that must be 0 at every moment. */
#define COUNTS_OFF                                                                                 \
    "SELECT count(*) FROM features f WHERE mention_count <>"                                       \
    " (SELECT count(*) FROM feature_messages WHERE feature_id = f.id)"
#define LINKS_ON_MERGED                                                                            \
    "SELECT count(*) FROM feature_messages fm JOIN features f ON f.id = fm.feature_id"             \
    " WHERE f.merged_into IS NOT NULL"

typedef struct {
    cs_testdb_t db;
    char ws[CS_UUID_LEN];
    char env_db[1100];
    char calls_ep[64], extractions_ep[64], decisions_ep[64], acks_ep[64];
    cs_testproc_t writer, matcher, extractor[2], fetcher;
    cs_db_t *q; /* the test's connection */
    char replay[2][128];
} rig_t;

static rig_t rig;

/* ---- the rig ------------------------------------------------------------------------------ */

/* The tails of the stages' logs (caller frees). */
static char *rig_logs(void)
{
    const cs_testproc_named_t all[] = {{&rig.fetcher, "fetcher"},
                                       {&rig.extractor[0], "extractor 1"},
                                       {&rig.extractor[1], "extractor 2"},
                                       {&rig.matcher, "matcher"},
                                       {&rig.writer, "writer"}};
    return cs_testproc_logs(all, CS_ARRAY_LEN(all), 30);
}

/* Fail the test with the message and the tails of the stages' logs. */
#define RIG_FAIL(...) CS_TESTPROC_FAIL(rig_logs(), __VA_ARGS__)

static void free_endpoint(char *out)
{
    const char *all[] = {rig.calls_ep, rig.extractions_ep, rig.decisions_ep, rig.acks_ep};
    for (bool taken = true; taken;) {
        cs_testproc_free_endpoint(out, 64);
        taken = false;
        for (size_t i = 0; i < CS_ARRAY_LEN(all); i++)
            taken |= all[i] != out && strcmp(all[i], out) == 0;
    }
}

/* A database with the demo workspace (4 themes, 6 customers) made by the CLI, and endpoints. */
static void rig_open(void)
{
    memset(&rig, 0, sizeof rig);
    cs_testdb_create(&rig.db, false);
    snprintf(rig.env_db, sizeof rig.env_db, "DATABASE_URL=%s", rig.db.url);
    cs_testdata_demo_workspace(rig.db.url, rig.ws);
    free_endpoint(rig.calls_ep);
    free_endpoint(rig.extractions_ep);
    free_endpoint(rig.decisions_ep);
    free_endpoint(rig.acks_ep);
    rig.q = cs_testdb_connect(&rig.db);
}

static void start(cs_testproc_t *p, char **argv, const char *ready)
{
    char *env[] = {rig.env_db, "OPENAI_API_KEY=", "CALLSIFT_PROVIDER=", "CALLSIFT_VECTORS=", NULL};
    cs_testproc_start(p, argv, env);
    if (!cs_testproc_wait_log(p, ready, READY_MS))
        RIG_FAIL("%s did not log '%s'", argv[0], ready);
}

static void start_writer(void)
{
    char *argv[] = {(char *)cs_testproc_bin("callsift-writer"),
                    "--decisions-endpoint",
                    rig.decisions_ep,
                    "--acks-endpoint",
                    rig.acks_ep,
                    NULL};
    start(&rig.writer, argv, "Writer ready");
}

static void start_matcher(void)
{
    char *argv[] = {(char *)cs_testproc_bin("callsift-matcher"),
                    "--provider",
                    "offline",
                    "--vectors",
                    "offline",
                    "--extractions-endpoint",
                    rig.extractions_ep,
                    "--decisions-endpoint",
                    rig.decisions_ep,
                    NULL};
    start(&rig.matcher, argv, "Matcher ready");
}

static void start_extractor(int i)
{
    char *argv[] = {(char *)cs_testproc_bin("callsift-extractor"),
                    "--provider",
                    "offline",
                    "--calls-endpoint",
                    rig.calls_ep,
                    "--extractions-endpoint",
                    rig.extractions_ep,
                    NULL};
    start(&rig.extractor[i], argv, "Extractor ready");
}

/* The fetcher replaying `path` at `rate` calls per second ("0": as fast as the pipeline
   takes them). */
static void start_fetcher_at(const char *path, const char *rate)
{
    char *argv[] = {(char *)cs_testproc_bin("callsift-fetcher"),
                    "--workspace-id",
                    rig.ws,
                    "--replay",
                    (char *)path,
                    "--rate",
                    (char *)rate,
                    "--calls-endpoint",
                    rig.calls_ep,
                    "--acks-endpoint",
                    rig.acks_ep,
                    FETCHER_ARGS,
                    NULL};
    start(&rig.fetcher, argv, "Workspace ID");
}

static void start_fetcher(const char *path)
{
    start_fetcher_at(path, "0");
}

static void start_pipeline(int extractors)
{
    start_writer();
    start_matcher();
    for (int i = 0; i < extractors; i++)
        start_extractor(i);
}

/* The fetcher's exit status once it has exited (it fails the test after RUN_MS). */
static void wait_fetcher(void)
{
    int64_t deadline = cs_now_ms() + RUN_MS;
    while (cs_testproc_alive(&rig.fetcher)) {
        if (cs_now_ms() > deadline)
            RIG_FAIL("the fetcher still runs after %d s", RUN_MS / 1000);
        usleep(50000);
    }
    if (rig.fetcher.status != 0)
        RIG_FAIL("the fetcher exited with status %d", rig.fetcher.status);
}

static void stop(cs_testproc_t *p, const char *what)
{
    if (p->pid <= 0)
        return;
    int status = cs_testproc_stop(p, STOP_MS);
    if (status != 0)
        RIG_FAIL("the %s exited with status %d", what, status);
    p->pid = 0;
}

static void rig_close(void)
{
    if (rig.fetcher.pid > 0)
        cs_testproc_kill(&rig.fetcher);
    stop(&rig.extractor[0], "extractor");
    stop(&rig.extractor[1], "extractor");
    stop(&rig.matcher, "matcher");
    stop(&rig.writer, "writer");
    cs_db_destroy(&rig.q);
    for (int i = 0; i < 2; i++)
        if (rig.replay[i][0])
            unlink(rig.replay[i]);
    cs_testdb_drop(&rig.db);
}

static long q_long(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long q_long(const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return cs_testdb_long(rig.q, sql);
}

/* First column of the first row (caller frees; "" for none). */
static char *q_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *q_text(const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return cs_testdb_scalar(rig.q, sql);
}

/* ---- replays ------------------------------------------------------------------------------ */

/* The sample calls, in file order. New reference. */
static json_t *sample_calls(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/samples/calls.jsonl", CS_TEST_SOURCE_DIR);
    json_t *calls = json_array();
    FILE *in = fopen(path, "r");
    cr_assert(in, "cannot read %s", path);
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, in) > 0) {
        json_error_t jerr;
        json_t *c = json_loads(line, 0, &jerr);
        cr_assert(json_is_object(c), "%s: %s", path, jerr.text);
        json_array_append_new(calls, c);
    }
    free(line);
    fclose(in);
    cr_assert_eq(json_array_size(calls), SAMPLE_CALLS);
    return calls;
}

static const char *call_id(const json_t *call)
{
    return json_string_value(json_object_get(json_object_get(call, "metaData"), "id"));
}

/* Write replay file `slot`: `copies` copies of the sample calls (all but `without`, or only
   `only`, when given), each copy with new call ids (the id and a two-digit copy number) unless
   `same_ids`. */
static const char *replay_write(int slot, int copies, const char *without, const char *only,
                                bool same_ids)
{
    json_t *calls = sample_calls();
    snprintf(rig.replay[slot], sizeof rig.replay[slot], "/tmp/cs_curation_replay_XXXXXX");
    int fd = mkstemp(rig.replay[slot]);
    cr_assert(fd >= 0);
    FILE *out = fdopen(fd, "w");
    int written = 0;
    for (int k = 0; k < copies; k++) {
        size_t i;
        json_t *c;
        json_array_foreach(calls, i, c)
        {
            if ((without && strcmp(call_id(c), without) == 0) ||
                (only && strcmp(call_id(c), only) != 0))
                continue;
            json_t *copy = json_deep_copy(c);
            if (!same_ids) {
                char *id = cs_strdup_printf("%s%02d", call_id(c), k);
                json_object_set_new(json_object_get(copy, "metaData"), "id", json_string(id));
                json_object_set_new(json_object_get(copy, "transcript"), "callId", json_string(id));
                free(id);
            }
            char *text = json_dumps(copy, JSON_COMPACT);
            fprintf(out, "%s\n", text);
            free(text);
            json_decref(copy);
            written++;
        }
    }
    cr_assert_eq(fclose(out), 0);
    cr_assert_gt(written, 0);
    json_decref(calls);
    return rig.replay[slot];
}

/* ---- curation ----------------------------------------------------------------------------- */

/* `callsift feature ARGS... --by test` against the test's database; fails the test when it
   does. */
static void curate_by_cli(const char *const *args)
{
    char *argv[16] = {(char *)cs_testproc_bin("callsift"), "feature"};
    int n = 2;
    for (int i = 0; args[i]; i++)
        argv[n++] = (char *)args[i];
    argv[n++] = "--by";
    argv[n++] = "test";
    argv[n] = NULL;
    char *env[] = {rig.env_db, NULL};
    cs_testrun_t run = cs_testproc_run(argv, env, NULL, 60000);
    if (run.status != 0)
        RIG_FAIL("callsift feature %s: status %d: %s", args[0], run.status, run.err);
    cs_testrun_free(&run);
}

/* `callsift feature merge SOURCE --into TARGET`. */
static void merge(const char *source, const char *target)
{
    const char *args[] = {"merge", source, "--into", target, NULL};
    curate_by_cli(args);
}

/* `callsift feature reject ID --reason REASON`. */
static void reject(const char *feature_id, const char *reason)
{
    const char *args[] = {"reject", feature_id, "--reason", reason, NULL};
    curate_by_cli(args);
}

/* ---- the tests ---------------------------------------------------------------------------- */

TestSuite(curation_pipeline, .fini = rig_close, .timeout = 600);

Test(curation_pipeline, merges_during_a_replay_keep_every_count_exact)
{
    rig_open();
    const char *path = replay_write(0, 18, NULL, NULL, false); /* 1,026 calls */
    start_pipeline(2);
    /* paced, so that the checks and merges below happen while calls flow however fast the
       machine: 1,026 calls at 120 a second take 8.5 s at least (unpaced, a quiet machine
       stored them all in 3.5 s, between 37 checks) */
    start_fetcher_at(path, "120");

    long checks = 0, merges = 0, next_merge = 100, stored = 0;
    while (cs_testproc_alive(&rig.fetcher)) {
        long off = q_long(COUNTS_OFF);
        checks++;
        if (off != 0)
            RIG_FAIL("%ld features' mention_count differ from their links (check %ld, %ld calls "
                     "stored, %ld merges)",
                     off, checks, stored, merges);
        stored = q_long("SELECT count(*) FROM messages");
        if (stored >= next_merge && stored < 18 * SAMPLE_KEPT) {
            /* the two most-mentioned live features: the ones calls link to all the time */
            char *pair = q_text("SELECT string_agg(id::text, ' ' ORDER BY mention_count DESC, id)"
                                " FROM (SELECT id, mention_count FROM features"
                                " WHERE workspace_id = '%s' AND merged_into IS NULL"
                                " ORDER BY mention_count DESC, id LIMIT 2) t",
                                rig.ws);
            cr_assert_eq(strlen(pair), 2 * (CS_UUID_LEN - 1) + 1, "two features: '%s'", pair);
            pair[CS_UUID_LEN - 1] = '\0';
            merge(pair + CS_UUID_LEN, pair);
            free(pair);
            merges++;
            next_merge += 120;
        }
        usleep(20000);
    }
    wait_fetcher();
    long off = q_long(COUNTS_OFF);
    cr_assert_eq(off, 0, "at the end, %ld features' mention_count differ from their links", off);
    cr_assert_eq(q_long(LINKS_ON_MERGED), 0, "links left on merged-away features");
    cr_assert_eq(q_long("SELECT count(*) FROM messages WHERE is_processed"), 18 * SAMPLE_KEPT);
    cr_assert_geq(merges, 5, "only %ld merges while the calls flowed", merges);
    cr_assert_geq(checks, 50, "only %ld checks while the calls flowed", checks);
    long merged = q_long("SELECT count(*) FROM features WHERE merged_into IS NOT NULL");
    cr_assert_eq(merged, merges);
    /* what came for a merged-away feature after its merge went to its target */
    long redirected = q_long("SELECT count(*) FROM feature_messages fm JOIN features s"
                             " ON s.id = fm.merged_from JOIN messages m ON m.id = fm.message_id"
                             " WHERE m.created_at > s.merged_at");
    fprintf(stderr,
            "[curation] %ld merges and %ld count checks while 1,026 calls flowed; %ld links "
            "made after a merge for a merged-away feature went to its target\n",
            merges, checks, redirected);
}

/* The features a call is linked to, "id id ..." in id order (caller frees). */
static char *links_of(const char *external_id)
{
    return q_text("SELECT coalesce(string_agg(fm.feature_id::text, ' ' ORDER BY fm.feature_id), '')"
                  " FROM feature_messages fm JOIN messages m ON m.id = fm.message_id"
                  " WHERE m.external_id = '%s'",
                  external_id);
}

Test(curation_pipeline, a_call_decided_before_a_merge_and_redelivered_after_it_links_to_the_target)
{
    rig_open();
    start_pipeline(1);
    start_fetcher(replay_write(0, 1, NULL, NULL, true));
    wait_fetcher();
    cr_assert_eq(q_long("SELECT count(*) FROM messages"), SAMPLE_KEPT);

    /* a call linked to two features at least: its copy will be decided against them */
    char *call = q_text("SELECT m.external_id FROM messages m JOIN feature_messages fm"
                        " ON fm.message_id = m.id GROUP BY m.external_id, m.sent_at"
                        " HAVING count(*) >= 2 ORDER BY m.sent_at, m.external_id LIMIT 1");
    cr_assert(call[0], "no sample call links to two features");
    char *sources = links_of(call);
    char *target = q_text("SELECT id FROM features WHERE workspace_id = '%s' AND merged_into IS"
                          " NULL AND position(id::text in '%s') = 0"
                          " ORDER BY mention_count DESC, id LIMIT 1",
                          rig.ws, sources);

    /* the writer down; the copy of the call is decided and waits in the matcher */
    stop(&rig.writer, "writer");
    char copy_id[64];
    snprintf(copy_id, sizeof copy_id, "%s00", call);
    const char *path = replay_write(1, 1, NULL, call, false);
    start_fetcher(path);
    if (!cs_testproc_wait_log(&rig.matcher, "Writer not taking decisions", 60000))
        RIG_FAIL("the matcher decided nothing for the copy of call %s", call);

    /* each feature it is decided against is merged away, then the call comes again */
    char *ids = strdup(sources);
    for (char *save = NULL, *id = strtok_r(ids, " ", &save); id; id = strtok_r(NULL, " ", &save))
        merge(id, target);
    free(ids);
    char resent[160];
    snprintf(resent, sizeof resent, "Resending call %s", copy_id);
    if (!cs_testproc_wait_log(&rig.fetcher, resent, 30000))
        RIG_FAIL("the fetcher did not resend call %s", copy_id);
    start_writer();
    wait_fetcher();

    cr_assert_eq(
        q_long("SELECT count(*) FROM messages WHERE external_id = '%s' AND is_processed", copy_id),
        1);
    char *links = links_of(copy_id);
    cr_assert_str_eq(links, target, "call %s links to '%s', not only to the target %s", copy_id,
                     links, target);
    free(links);
    /* the decision made before the merge is the one stored: the writer redirected it */
    long stale = q_long("SELECT count(*) FROM match_decisions d JOIN messages m ON m.id ="
                        " d.message_id WHERE m.external_id = '%s' AND d.action = 'link'"
                        " AND position(d.feature_id::text in '%s') > 0"
                        " AND d.reasoning LIKE '%%is merged into %s; linked there]'",
                        copy_id, sources, target);
    cr_assert_geq(stale, 2, "only %ld of the call's decisions were redirected", stale);
    cr_assert_eq(q_long("SELECT count(*) FROM feature_messages fm JOIN messages m ON m.id ="
                        " fm.message_id WHERE m.external_id = '%s'"
                        " AND position(fm.merged_from::text in '%s') > 0",
                        copy_id, sources),
                 1, "the link remembers a merged-away feature");
    cr_assert_eq(q_long(COUNTS_OFF), 0);
    cr_assert_eq(q_long(LINKS_ON_MERGED), 0);
    free(call);
    free(sources);
    free(target);
}

Test(curation_pipeline, a_rejected_request_said_again_in_new_words_stays_hidden)
{
    rig_open();
    start_pipeline(1);
    start_fetcher(replay_write(0, 1, NEW_WORDS_CALL, NULL, true));
    wait_fetcher();
    cr_assert_eq(q_long("SELECT count(*) FROM messages"), SAMPLE_KEPT - 1);

    char *junk = q_text("SELECT id FROM features WHERE workspace_id = '%s' AND name = '%s'", rig.ws,
                        SAID_BEFORE);
    cr_assert(junk[0], "no feature '%s' in the catalogue", SAID_BEFORE);
    long before = q_long("SELECT mention_count FROM features WHERE id = '%s'", junk);
    long features = q_long("SELECT count(*) FROM features");
    reject(junk, "the agents draft their own replies");
    if (!cs_testproc_wait_log(&rig.matcher, "changed; reloading its catalogue", 10000))
        RIG_FAIL("the matcher did not reload after the reject");

    start_fetcher(replay_write(1, 1, NULL, NEW_WORDS_CALL, true));
    wait_fetcher();
    char *title = q_text("SELECT d.extracted->>'title' FROM match_decisions d JOIN messages m"
                         " ON m.id = d.message_id WHERE m.external_id = '%s'"
                         " AND d.feature_id = '%s'",
                         NEW_WORDS_CALL, junk);
    cr_assert_str_eq(title, NEW_WORDS_TITLE,
                     "the call's request in other words did not link to"
                     " the rejected feature");
    free(title);
    cr_assert_eq(q_long("SELECT count(*) FROM features WHERE id = '%s' AND status = 'rejected'"
                        " AND mention_count = %ld",
                        junk, before + 1),
                 1, "the rejected feature took the mention and stays rejected");
    cr_assert_eq(q_long("SELECT count(*) FROM match_decisions d JOIN messages m ON m.id ="
                        " d.message_id WHERE m.external_id = '%s' AND d.action = 'create'"
                        " AND d.extracted->>'title' = '%s'",
                        NEW_WORDS_CALL, NEW_WORDS_TITLE),
                 0);
    long created = q_long("SELECT count(*) FROM features") - features;

    /* the report: not there; with --status rejected: there */
    char *argv[] = {(char *)cs_testproc_bin("callsift"),
                    "report",
                    "--workspace-id",
                    rig.ws,
                    "--top",
                    "0",
                    "--format",
                    "csv",
                    NULL,
                    NULL,
                    NULL};
    char *env[] = {rig.env_db, NULL};
    cs_testrun_t run = cs_testproc_run(argv, env, NULL, 60000);
    cr_assert_eq(run.status, 0, "%s", run.err);
    cr_assert_null(strstr(run.out, SAID_BEFORE), "%s", run.out);
    cr_assert_null(strstr(run.out, NEW_WORDS_TITLE), "%s", run.out);
    cs_testrun_free(&run);
    argv[8] = "--status";
    argv[9] = "rejected";
    run = cs_testproc_run(argv, env, NULL, 60000);
    cr_assert_eq(run.status, 0, "%s", run.err);
    char row[256];
    snprintf(row, sizeof row, ",%s,%s,", junk, SAID_BEFORE);
    cr_assert(strstr(run.out, row), "%s", run.out);
    cs_testrun_free(&run);
    cr_assert_eq(q_long(COUNTS_OFF), 0);
    fprintf(stderr,
            "[curation] the call in new words made %ld new features for its other "
            "requests\n",
            created);
    free(junk);
}
