/* The demo (scripts/demo/demo.sh), tested: the real pipeline (writer, matcher, two extractors, the
   fetcher replaying samples/calls.jsonl) started by deploy/run-local.sh, offline, into a
   database of the test's own, on ports of its own; then `callsift report` and the database are
   checked against the sample's ground truth, samples/truth.json (read at run time).

     sample_calls_end_as_a_ranked_catalogue_of_the_known_requests: 56 calls stored and
       processed, the private call absent, the report ranked by mentions, no two features of a
       theme with one name (the exact band merged them), and the measured quality floors below.
     a_second_run_ingests_nothing_and_changes_no_feature: the same run again on the same
       database: "No new calls to ingest", the catalogue unchanged.

   A truth request mention is found when a stored quote (feature_messages.quote) of its call
   matches its sentence, the rule of scripts/quality/quality_pipeline.py: both normalised (lower
   case, curly apostrophes straight, every run of characters other than letters, digits and
   apostrophes one space), one contains the other and the shorter has 3 words or more, or their
   word sets have a Jaccard index of at least 0.5.

   The stages read their settings from the environment, so the pipeline runs under `env -i`
   with PATH and DATABASE_URL only (plus sanitizer options when set): no OPENAI_API_KEY (the
   offline extractor and matcher) and every CALLSIFT_* setting at its default. `timeout` bounds
   each run and, when it fires, signals the whole process group, so no stage outlives it. */
#include <errno.h>
#include <dirent.h>
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

#define RUN_TIMEOUT_MS      30000
#define PIPELINE_TIMEOUT_S  "90" /* `timeout` stops the run (TERM, KILL 10 s later) */
#define PIPELINE_TIMEOUT_MS 110000
#define SAMPLE_CALLS        "/samples/calls.jsonl"
#define SAMPLE_TRUTH        "/samples/truth.json"
#define STORED_CALLS        56 /* 57 in the file, one private */

/* Quality floors. MEASURED, not assumed: this test's own figures on this sample with the
   offline extractor and matcher: 63 of the 68 truth request mentions found (every quote
   stored, whatever its confidence; 2 of the 68 are in the German call, which the offline
   extractor does not extract), all 27 canonical requests voiced, the 6 found Salesforce-sync
   mentions in 6 features (matching does not yet join their wordings), and no feature holding
   more than one canonical request. The floors leave a small margin under those figures, so a
   regression in the extractor (fewer requests found) or in the matcher (a wrong merge, more
   fragments) fails here; raise them when the pipeline gets better.
   MAX_REQUESTS_PER_FEATURE has no margin: the measured value is already the ideal, and a
   wrong merge is what the matcher must not do (README, "Matching": precision comes first). */
#define MIN_REQUESTS_VOICED      25 /* of 27; measured 27 */
#define MIN_MENTIONS_FOUND       58 /* of 68; measured 63 */
#define MAX_SALESFORCE_FEATURES  5  /* measured 4 (6 before the titles of 2026-12-07) */
#define MAX_OKTA_FEATURES        1  /* measured 1: its three titles name SSO with Okta */
#define MAX_REQUESTS_PER_FEATURE 1  /* measured 1 */

static cs_testdb_t t;
static char env_db[1100]; /* DATABASE_URL=<the test's database> */
static char ws[CS_UUID_LEN];
static char log_dir[64];
static bool keep_logs; /* a pipeline run failed: its stages' logs stay for a look */

static void setup(void)
{
    cs_testdb_create(&t, false);
    snprintf(env_db, sizeof env_db, "DATABASE_URL=%s", t.url);
    cs_strlcpy(log_dir, "/tmp/cs_test_demo.XXXXXX", sizeof log_dir);
    cr_assert(mkdtemp(log_dir), "mkdtemp: %s", strerror(errno));
    keep_logs = false;
}

/* Remove the log directory: run-local.sh writes only files into it. */
static void remove_log_dir(void)
{
    DIR *d = opendir(log_dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", log_dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(log_dir);
}

static void teardown(void)
{
    cs_testdb_drop(&t);
    if (keep_logs)
        fprintf(stderr, "[demo] the stages' logs are in %s\n", log_dir);
    else
        remove_log_dir();
}

TestSuite(demo, .init = setup, .fini = teardown, .timeout = 240);

/* ---- helpers ------------------------------------------------------------------------------ */

/* Run `callsift ARGS...` (argv without the program, NULL-terminated) on the test's database;
   assert exit 0; return stdout without its trailing newline (caller frees). */
static char *cli(const char *const *args)
{
    char *argv[24];
    int n = 0;
    argv[n++] = (char *)cs_testproc_bin("callsift");
    for (; *args; args++) {
        cr_assert_lt(n, 23);
        argv[n++] = (char *)*args;
    }
    argv[n] = NULL;
    char *env[] = {env_db, NULL};
    cs_testrun_t run = cs_testproc_run(argv, env, NULL, RUN_TIMEOUT_MS);
    cr_assert_eq(run.status, 0, "callsift %s: exit status %d, stderr: %s", argv[1], run.status,
                 run.err);
    free(run.err);
    size_t len = strlen(run.out);
    if (len > 0 && run.out[len - 1] == '\n')
        run.out[len - 1] = '\0';
    return run.out;
}

/* The workspace of scripts/demo/demo.sh, through the CLI as demo.sh makes it. */
static void set_up_demo_workspace(void)
{
    cs_testdata_demo_workspace(t.url, ws);
}

/* A base port P with P..P+3 free, all under the ephemeral range (see cs_testproc.h). */
static int free_base_port(void)
{
    for (int tries = 0; tries < 100; tries++) {
        char ep[64];
        cs_testproc_free_endpoint(ep, sizeof ep);
        int port = atoi(strrchr(ep, ':') + 1);
        if (port + 3 > 32767)
            continue;
        if (cs_testproc_port_free(port + 1) && cs_testproc_port_free(port + 2) &&
            cs_testproc_port_free(port + 3))
            return port;
    }
    cr_assert_fail("no four free loopback ports in a row");
    return -1;
}

/* deploy/run-local.sh --extractors 2 on the sample calls, as scripts/demo/demo.sh runs it. */
static cs_testrun_t run_pipeline(void)
{
    static char path[4096], base[16], script[512], calls[512];
    static char asan[1024], ubsan[1024], lsan[1024];
    snprintf(path, sizeof path, "PATH=%s",
             getenv("PATH") ? getenv("PATH") : "/usr/local/bin:/usr/bin:/bin");
    snprintf(base, sizeof base, "%d", free_base_port());
    snprintf(script, sizeof script, "%s/deploy/run-local.sh", CS_TEST_SOURCE_DIR);
    snprintf(calls, sizeof calls, "%s%s", CS_TEST_SOURCE_DIR, SAMPLE_CALLS);
    char *argv[40];
    int n = 0;
    argv[n++] = "/usr/bin/timeout";
    argv[n++] = "-k";
    argv[n++] = "10";
    argv[n++] = PIPELINE_TIMEOUT_S;
    argv[n++] = "/usr/bin/env";
    argv[n++] = "-i";
    argv[n++] = path;
    argv[n++] = env_db;
    const char *const sanitizers[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"};
    char *const buffers[] = {asan, ubsan, lsan};
    for (int i = 0; i < 3; i++) {
        const char *value = getenv(sanitizers[i]);
        if (value) {
            snprintf(buffers[i], 1024, "%s=%s", sanitizers[i], value);
            argv[n++] = buffers[i];
        }
    }
    const char *rest[] = {script,           "--bin", CS_TEST_BIN_DIR, "--extractors", "2",
                          "--base-port",    base,    "--log-dir",     log_dir,        "--",
                          "--workspace-id", ws,      "--replay",      calls};
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++)
        argv[n++] = (char *)rest[i];
    argv[n] = NULL;
    return cs_testproc_run(argv, NULL, NULL, PIPELINE_TIMEOUT_MS);
}

static void expect_pipeline_ok(const cs_testrun_t *run)
{
    keep_logs = run->status != 0;
    cr_assert_eq(run->status, 0,
                 "run-local.sh: exit status %d (124: timed out); logs in %s\nstdout: %s\n"
                 "stderr: %s",
                 run->status, log_dir, run->out, run->err);
}

static long count(cs_db_t *db, const char *sql)
{
    return cs_testdb_long(db, sql);
}

static json_t *load_truth(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", CS_TEST_SOURCE_DIR, SAMPLE_TRUTH);
    json_error_t jerr;
    json_t *truth = json_load_file(path, 0, &jerr);
    cr_assert(truth, "%s: %s (line %d)", path, jerr.text, jerr.line);
    return truth;
}

/* ---- the matching rule (scripts/quality/quality_pipeline.py, matches()) ----------------- */

#define MAX_WORDS 128

/* Lower case; curly apostrophes (U+2018, U+2019) straight; every run of other characters
   than ASCII letters, digits and apostrophes one space; trimmed. */
static void normalise(const char *in, char *out, size_t outlen)
{
    size_t n = 0;
    bool space = false;
    for (const unsigned char *p = (const unsigned char *)in; *p && n + 2 < outlen; p++) {
        char c = 0;
        if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0x98 || p[2] == 0x99)) {
            c = '\'';
            p += 2;
        } else if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '\'') {
            c = (char)*p;
        } else if (*p >= 'A' && *p <= 'Z') {
            c = (char)(*p - 'A' + 'a');
        }
        if (!c) {
            space = n > 0;
            continue;
        }
        if (space)
            out[n++] = ' ';
        space = false;
        out[n++] = c;
    }
    out[n] = '\0';
}

/* Split a normalised string (modified) into its distinct words; returns how many. */
static int word_set(char *s, char *words[MAX_WORDS])
{
    int n = 0;
    for (char *save = NULL, *w = strtok_r(s, " ", &save); w && n < MAX_WORDS;
         w = strtok_r(NULL, " ", &save)) {
        bool seen = false;
        for (int i = 0; i < n && !seen; i++)
            seen = strcmp(words[i], w) == 0;
        if (!seen)
            words[n++] = w;
    }
    return n;
}

static int word_count(const char *s)
{
    int n = *s ? 1 : 0;
    for (; *s; s++)
        n += *s == ' ';
    return n;
}

static bool matches(const char *sentence, const char *quote)
{
    char a[2048], b[2048];
    normalise(sentence, a, sizeof a);
    normalise(quote, b, sizeof b);
    if (!a[0] || !b[0])
        return false;
    const char *shorter = strlen(a) <= strlen(b) ? a : b, *longer = shorter == a ? b : a;
    if (strstr(longer, shorter) && word_count(shorter) >= 3)
        return true;
    char *wa[MAX_WORDS], *wb[MAX_WORDS];
    int na = word_set(a, wa), nb = word_set(b, wb), both = 0;
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nb; j++)
            both += strcmp(wa[i], wb[j]) == 0;
    return 2 * both >= na + nb - both; /* |A & B| / |A | B| >= 0.5 */
}

/* ---- what the catalogue holds against the truth ------------------------------------------ */

#define MAX_KEYS     32
#define MAX_FEATURES 256

typedef struct {
    char id[CS_UUID_LEN];
    unsigned keys; /* bit k: a found mention of canonical request k is in it */
} feature_hits_t;

typedef struct {
    const char *keys[MAX_KEYS];
    int nkeys;
    int mentions;    /* truth mentions in the stored (shareable) calls */
    int found;       /* of them, voiced by a stored quote */
    unsigned voiced; /* bit k: request k found at least once */
    feature_hits_t features[MAX_FEATURES];
    int nfeatures;
} measure_t;

static int key_index(measure_t *m, const char *key)
{
    for (int i = 0; i < m->nkeys; i++)
        if (strcmp(m->keys[i], key) == 0)
            return i;
    cr_assert_fail("truth.json: request key '%s' is not among the canonical requests", key);
    return -1;
}

static void hit(measure_t *m, const char *feature_id, int key)
{
    int i = 0;
    while (i < m->nfeatures && strcmp(m->features[i].id, feature_id) != 0)
        i++;
    if (i == m->nfeatures) {
        cr_assert_lt(m->nfeatures, MAX_FEATURES);
        cs_strlcpy(m->features[i].id, feature_id, sizeof m->features[i].id);
        m->features[i].keys = 0;
        m->nfeatures++;
    }
    m->features[i].keys |= 1u << key;
}

/* Every stored quote (call, feature, quote) against every truth request of its call. */
static void measure(cs_db_t *db, const json_t *truth, measure_t *m)
{
    memset(m, 0, sizeof *m);
    const char *key;
    json_t *value;
    json_object_foreach(json_object_get(truth, "requests"), key, value)
    {
        cr_assert_lt(m->nkeys, MAX_KEYS);
        m->keys[m->nkeys++] = key;
    }
    cr_assert_gt(m->nkeys, 0, "truth.json has no requests");

    char err[512];
    const char *params[] = {ws};
    PGresult *res = cs_db_exec(db,
                               "SELECT m.external_id, fm.feature_id, coalesce(fm.quote, '')"
                               " FROM feature_messages fm JOIN messages m ON m.id = fm.message_id"
                               " WHERE m.workspace_id = $1",
                               1, params, err, sizeof err);
    cr_assert(res, "%s", err);
    int rows = PQntuples(res);

    const char *call_id;
    json_t *call;
    json_object_foreach(json_object_get(truth, "calls"), call_id, call)
    {
        if (json_is_true(json_object_get(call, "private")))
            continue;
        size_t i;
        json_t *request;
        json_array_foreach(json_object_get(call, "requests"), i, request)
        {
            int k = key_index(m, json_string_value(json_object_get(request, "key")));
            const char *sentence = json_string_value(json_object_get(request, "sentence"));
            cr_assert(sentence, "truth.json: a request of call %s has no sentence", call_id);
            m->mentions++;
            bool found = false;
            for (int r = 0; r < rows; r++) {
                if (strcmp(PQgetvalue(res, r, 0), call_id) != 0 ||
                    !matches(sentence, PQgetvalue(res, r, 2)))
                    continue;
                hit(m, PQgetvalue(res, r, 1), k);
                found = true;
            }
            if (found) {
                m->found++;
                m->voiced |= 1u << k;
            }
        }
    }
    PQclear(res);
}

static int popcount(unsigned x)
{
    int n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

/* How many features hold found mentions of request `key`. */
static int fragments(const measure_t *m, int key)
{
    int n = 0;
    for (int i = 0; i < m->nfeatures; i++)
        n += (m->features[i].keys >> key) & 1u;
    return n;
}

/* The id of the call truth.json marks private. */
static const char *private_call(const json_t *truth)
{
    const char *call_id;
    json_t *call;
    json_object_foreach(json_object_get(truth, "calls"), call_id, call)
    {
        if (json_is_true(json_object_get(call, "private")))
            return call_id;
    }
    cr_assert_fail("truth.json marks no call private");
    return NULL;
}

/* ---- tests -------------------------------------------------------------------------------- */

Test(demo, sample_calls_end_as_a_ranked_catalogue_of_the_known_requests)
{
    set_up_demo_workspace();
    cs_testrun_t run = run_pipeline();
    expect_pipeline_ok(&run);
    cr_expect(strstr(run.out, "Successfully ingested 56 calls"), "fetcher said: %s", run.out);
    cs_testrun_free(&run);

    cs_db_t *db = cs_testdb_connect(&t);
    json_t *truth = load_truth();

    /* Every shareable call stored and processed; the private one never reached the database. */
    cr_expect_eq(count(db, "SELECT count(*) FROM messages"), STORED_CALLS);
    cr_expect_eq(count(db, "SELECT count(*) FROM messages WHERE is_processed"), STORED_CALLS);
    const char *priv = private_call(truth);
    const char *params[] = {priv};
    char err[512];
    PGresult *res = cs_db_exec(db, "SELECT count(*) FROM messages WHERE external_id = $1", 1,
                               params, err, sizeof err);
    cr_assert(res, "%s", err);
    cr_expect_str_eq(PQgetvalue(res, 0, 0), "0", "the private call %s was stored", priv);
    PQclear(res);

    /* The catalogue is consistent: each feature's count is its calls, and the exact band merged
       every repeated name (no two features of one theme share a normalised name). */
    long features = count(db, "SELECT count(*) FROM features");
    cr_assert_gt(features, 0);
    cr_expect_eq(count(db, "SELECT count(*) FROM features f WHERE mention_count <> "
                           "(SELECT count(*) FROM feature_messages fm WHERE fm.feature_id = f.id)"),
                 0);
    cr_expect_eq(count(db, "SELECT count(*) FROM (SELECT theme_id, trim(regexp_replace("
                           "lower(name), '[^a-z0-9]+', ' ', 'g')) FROM features"
                           " GROUP BY 1, 2 HAVING count(*) > 1) d"),
                 0, "two features of one theme have the same name");

    /* The report: every feature (every mention counted, however unsure), ranked by mentions,
       ranks 1..n. */
    char *out = cli((const char *[]){"report", "--workspace-id", ws, "--format", "json", "--top",
                                     "0", "--min-confidence", "0", NULL});
    json_error_t jerr;
    json_t *report = json_loads(out, 0, &jerr);
    cr_assert(json_is_array(report), "report is not a JSON array (%s): %s", jerr.text, out);
    free(out);
    cr_expect_eq((long)json_array_size(report), features);
    size_t i;
    json_t *row;
    long long previous = -1;
    json_array_foreach(report, i, row)
    {
        long long mentions = json_integer_value(json_object_get(row, "mentions"));
        cr_expect_eq(json_integer_value(json_object_get(row, "rank")), (json_int_t)i + 1);
        cr_expect_gt(mentions, 0);
        if (previous >= 0)
            cr_expect_leq(mentions, previous, "row %zu has %lld mentions, after %lld", i + 1,
                          mentions, previous);
        previous = mentions;
    }
    json_decref(report);

    /* The quality floors (measured; see the top of the file). */
    measure_t *m = malloc(sizeof *m);
    cr_assert(m);
    measure(db, truth, m);
    cr_expect_eq(m->mentions, 68, "truth.json changed: %d request mentions in shareable calls",
                 m->mentions);
    cr_expect_geq(popcount(m->voiced), MIN_REQUESTS_VOICED,
                  "%d of the %d canonical requests in some feature's quotes", popcount(m->voiced),
                  m->nkeys);
    cr_expect_geq(m->found, MIN_MENTIONS_FOUND, "%d of %d truth request mentions found", m->found,
                  m->mentions);
    int salesforce = fragments(m, key_index(m, "salesforce-sync"));
    cr_expect_leq(salesforce, MAX_SALESFORCE_FEATURES,
                  "the Salesforce-sync mentions are in %d features", salesforce);
    int okta = fragments(m, key_index(m, "okta-sso"));
    cr_expect_leq(okta, MAX_OKTA_FEATURES, "the Okta SSO mentions are in %d features", okta);
    for (int f = 0; f < m->nfeatures; f++)
        cr_expect_leq(popcount(m->features[f].keys), MAX_REQUESTS_PER_FEATURE,
                      "feature %s mixes %d canonical requests", m->features[f].id,
                      popcount(m->features[f].keys));
    fprintf(stderr,
            "[demo] %ld features; %d of %d truth mentions found, %d of %d requests, "
            "Salesforce sync in %d feature(s)\n",
            features, m->found, m->mentions, popcount(m->voiced), m->nkeys, salesforce);
    free(m);
    json_decref(truth);
    cs_db_destroy(&db);
}

Test(demo, a_second_run_ingests_nothing_and_changes_no_feature)
{
    set_up_demo_workspace();
    cs_testrun_t run = run_pipeline();
    expect_pipeline_ok(&run);
    cs_testrun_free(&run);

    cs_db_t *db = cs_testdb_connect(&t);
    long features = count(db, "SELECT count(*) FROM features");
    long links = count(db, "SELECT count(*) FROM feature_messages");
    long decisions = count(db, "SELECT count(*) FROM match_decisions");
    char *before = cs_testdb_scalar(db, "SELECT string_agg(id::text || ':' || mention_count, ','"
                                        " ORDER BY id) FROM features");
    cr_assert_gt(features, 0);

    run = run_pipeline();
    expect_pipeline_ok(&run);
    cr_expect(strstr(run.out, "No new calls to ingest"), "fetcher said: %s", run.out);
    cs_testrun_free(&run);

    cr_expect_eq(count(db, "SELECT count(*) FROM messages"), STORED_CALLS);
    cr_expect_eq(count(db, "SELECT count(*) FROM features"), features);
    cr_expect_eq(count(db, "SELECT count(*) FROM feature_messages"), links);
    cr_expect_eq(count(db, "SELECT count(*) FROM match_decisions"), decisions);
    char *after = cs_testdb_scalar(db, "SELECT string_agg(id::text || ':' || mention_count, ','"
                                       " ORDER BY id) FROM features");
    cr_expect_str_eq(after, before, "the features or their mention counts changed");
    free(before);
    free(after);
    cs_db_destroy(&db);
}
