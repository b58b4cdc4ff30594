/* Metrics and health of the real stages, scraped over HTTP during an end-to-end run.

     every_stage_counts_what_the_database_holds: the writer, the matcher, two extractors and a
       long-running fetcher (--interval, against the fake Gong server holding the 40 sample
       calls) each serve --metrics-port. Once every call is stored, each stage is scraped and
       its counts are checked against PostgreSQL: calls stored and acked = messages, decisions
       by action = match_decisions rows, created = features, extractions received by the
       extractors = calls sent by the fetcher, nothing in flight. Every /healthz is 200; the
       writer's turns 503 ("database: down") while its database refuses connections, and 200
       again when it takes them back. No secret given to any stage appears in a scrape.
     help_and_scrapes_never_show_secrets: --help of every stage with secrets in the environment.
     a_taken_metrics_port_stops_the_stage_with_a_reason: exit 1, the reason in the log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cs_db.h"
#include "cs_testdata.h"
#include "cs_testdb.h"
#include "cs_testhttp.h"
#include "cs_testproc.h"
#include "cs_util.h"
#include "cs_uuid.h"
#include "fake_gong.h"
#include "fake_openai.h"

#define STORED_CALLS  56 /* samples/calls.jsonl: 57 calls, one private */
#define GONG_KEY      "key-metrics-1"
#define GONG_SECRET   "gong-secret-never-shown-7731"
#define OPENAI_SECRET "sk-never-shown-in-metrics-4242"

enum { WRITER, MATCHER, EXTRACTOR1, EXTRACTOR2, FETCHER, NSTAGES };
static const char *const NAMES[NSTAGES] = {"writer", "matcher", "extractor", "extractor",
                                           "fetcher"};

typedef struct {
    cs_testdb_t db;
    char ws[CS_UUID_LEN];
    char ep[4][64]; /* calls, extractions, decisions, acks */
    int port[NSTAGES];
    cs_testproc_t p[NSTAGES];
    fake_gong_t *gong;
} rig_t;

static char *scrape(const rig_t *r, int stage, const char *path, long *status)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", r->port[stage], path);
    return cs_testhttp_get(url, status);
}

/* One series of one stage's /metrics (-1 when absent); the scrape must answer 200. */
static double metric(const rig_t *r, int stage, const char *series)
{
    long status;
    char *text = scrape(r, stage, "/metrics", &status);
    cr_assert_eq(status, 200, "%s /metrics answered %ld", NAMES[stage], status);
    double v = cs_testhttp_metric(text, series);
    free(text);
    return v;
}

static void start_stage(rig_t *r, int stage, const char *const *args)
{
    char *argv[24];
    int n = 0;
    argv[n++] = (char *)cs_testproc_bin(stage == WRITER    ? "callsift-writer"
                                        : stage == MATCHER ? "callsift-matcher"
                                        : stage == FETCHER ? "callsift-fetcher"
                                                           : "callsift-extractor");
    static char port_arg[NSTAGES][32];
    snprintf(port_arg[stage], sizeof port_arg[stage], "--metrics-port=%d", r->port[stage]);
    argv[n++] = port_arg[stage];
    for (; *args && n < 23; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
    static char db_env[NSTAGES][1100];
    snprintf(db_env[stage], sizeof db_env[stage], "DATABASE_URL=%s", r->db.url);
    char *env[] = {db_env[stage],
                   "GONG_ACCESS_KEY=" GONG_KEY,
                   "GONG_ACCESS_KEY_SECRET=" GONG_SECRET,
                   "CALLSIFT_PROVIDER=offline",
                   "OPENAI_API_KEY=" OPENAI_SECRET,
                   NULL};
    cs_testproc_start(&r->p[stage], argv, env);
}

static void wait_healthy(const rig_t *r, int stage)
{
    long status = 0;
    for (int i = 0; i < 200 && status != 200; i++) {
        free(scrape(r, stage, "/healthz", &status));
        if (status != 200)
            usleep(50 * 1000);
    }
    cr_assert_eq(status, 200, "%s never became healthy", NAMES[stage]);
}

static void rig_start(rig_t *r)
{
    cs_testdb_create(&r->db, false);
    cs_testdata_demo_workspace(r->db.url, r->ws);
    for (int i = 0; i < 4; i++)
        cs_testproc_free_endpoint(r->ep[i], sizeof r->ep[i]);
    /* every port its own: two stages handed one /metrics port would be scraped as one */
    for (int i = 0; i < NSTAGES; i++) {
        bool taken = true;
        while (taken) {
            r->port[i] = cs_testhttp_free_port();
            char ep[64];
            snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", r->port[i]);
            taken = false;
            for (int k = 0; k < i; k++)
                taken |= r->port[k] == r->port[i];
            for (int k = 0; k < 4; k++)
                taken |= strcmp(r->ep[k], ep) == 0;
        }
    }
    r->gong = fake_gong_start();
    cr_assert(r->gong);
    fake_gong_set_credentials(r->gong, GONG_KEY, GONG_SECRET);
    char err[256], path[512];
    snprintf(path, sizeof path, "%s/samples/calls.jsonl", CS_TEST_SOURCE_DIR);
    cr_assert_eq(fake_gong_load_jsonl(r->gong, path, err, sizeof err), 57, "%s", err);

    char calls[96], extractions[96], decisions[96], acks[96], base[160];
    snprintf(calls, sizeof calls, "--calls-endpoint=%s", r->ep[0]);
    snprintf(extractions, sizeof extractions, "--extractions-endpoint=%s", r->ep[1]);
    snprintf(decisions, sizeof decisions, "--decisions-endpoint=%s", r->ep[2]);
    snprintf(acks, sizeof acks, "--acks-endpoint=%s", r->ep[3]);
    snprintf(base, sizeof base, "--gong-base-url=%s", fake_gong_url(r->gong));
    start_stage(r, WRITER, (const char *[]){decisions, acks, NULL});
    start_stage(r, MATCHER, (const char *[]){extractions, decisions, NULL});
    start_stage(r, EXTRACTOR1, (const char *[]){calls, extractions, NULL});
    start_stage(r, EXTRACTOR2, (const char *[]){calls, extractions, NULL});
    start_stage(r, FETCHER,
                (const char *[]){"--workspace-id", r->ws, base, "--from", "2025-01-01T00:00:00Z",
                                 "--to", "2027-01-01T00:00:00Z", "--interval", "3600", calls, acks,
                                 NULL});
}

static void rig_stop(rig_t *r)
{
    for (int i = NSTAGES - 1; i >= 0; i--) {
        int status = cs_testproc_stop(&r->p[i], 10000);
        if (status != 0) {
            char *log = cs_testproc_log(&r->p[i]);
            cr_log_error("%s exited %d:\n%s", NAMES[i], status, log);
            free(log);
        }
        cr_expect_eq(status, 0, "%s did not stop cleanly on SIGTERM", NAMES[i]);
    }
    fake_gong_stop(&r->gong);
    cs_testdb_drop(&r->db);
}

static void no_secret_in(const rig_t *r, int stage)
{
    long status;
    char *text = scrape(r, stage, "/metrics", &status);
    cr_assert_not(strstr(text, GONG_SECRET) || strstr(text, OPENAI_SECRET) ||
                      strstr(text, r->db.url),
                  "%s's metrics show a secret", NAMES[stage]);
    free(text);
}

Test(metrics_proc, every_stage_counts_what_the_database_holds, .timeout = 180)
{
    rig_t r = {0};
    rig_start(&r);
    for (int i = 0; i < NSTAGES; i++)
        wait_healthy(&r, i);

    /* the fetcher keeps running (--interval): wait until it has every ack */
    double acked = 0;
    for (int i = 0; i < 1200 && acked < STORED_CALLS; i++) {
        acked = metric(&r, FETCHER, "callsift_calls_acked_total{status=\"committed\"}");
        if (acked < STORED_CALLS)
            usleep(50 * 1000);
    }
    cr_assert_eq(acked, STORED_CALLS, "the fetcher saw %g acks", acked);

    cs_db_t *db = cs_testdb_connect(&r.db);
    long messages = cs_testdb_long(db, "SELECT count(*) FROM messages WHERE is_processed");
    long decisions = cs_testdb_long(db, "SELECT count(*) FROM match_decisions");
    long created =
        cs_testdb_long(db, "SELECT count(*) FROM match_decisions WHERE action = 'create'");
    long linked = cs_testdb_long(db, "SELECT count(*) FROM match_decisions WHERE action = 'link'");
    long features = cs_testdb_long(db, "SELECT count(*) FROM features");
    cr_assert_eq(messages, STORED_CALLS);
    cr_assert_gt(decisions, 0);

    /* fetcher */
    cr_assert_eq(metric(&r, FETCHER, "callsift_calls_fetched_total"), STORED_CALLS);
    cr_assert_eq(metric(&r, FETCHER, "callsift_calls_skipped_total{reason=\"private\"}"), 1);
    cr_assert_eq(metric(&r, FETCHER, "callsift_records_sent_total"), STORED_CALLS);
    cr_assert_eq(metric(&r, FETCHER, "callsift_records_received_total"), STORED_CALLS, "acks");
    cr_assert_eq(metric(&r, FETCHER, "callsift_in_flight"), 0);
    cr_assert_eq(metric(&r, FETCHER, "callsift_calls_failed_total"), 0);
    cr_assert_eq(metric(&r, FETCHER, "callsift_ack_wait_seconds_count"), STORED_CALLS);

    /* extractors: together they took every call the fetcher sent, and found the requests the
       matcher decided */
    double taken = metric(&r, EXTRACTOR1, "callsift_records_received_total") +
                   metric(&r, EXTRACTOR2, "callsift_records_received_total");
    double sent_on = metric(&r, EXTRACTOR1, "callsift_records_sent_total") +
                     metric(&r, EXTRACTOR2, "callsift_records_sent_total");
    double requests = metric(&r, EXTRACTOR1, "callsift_feature_requests_extracted_total") +
                      metric(&r, EXTRACTOR2, "callsift_feature_requests_extracted_total");
    cr_assert_eq(taken, STORED_CALLS);
    cr_assert_eq(sent_on, STORED_CALLS);
    cr_assert_eq(requests, decisions, "requests extracted %g, decisions stored %ld", requests,
                 decisions);
    cr_assert_eq(metric(&r, EXTRACTOR1, "callsift_llm_cost_usd_total"), 0, "offline costs 0");

    /* matcher */
    cr_assert_eq(metric(&r, MATCHER, "callsift_records_received_total"), STORED_CALLS);
    cr_assert_eq(metric(&r, MATCHER, "callsift_records_sent_total"), STORED_CALLS);
    double m_created = 0, m_linked = 0;
    const char *methods[] = {"exact", "embedding", "llm"};
    for (size_t i = 0; i < CS_ARRAY_LEN(methods); i++) {
        char series[128];
        snprintf(series, sizeof series, "callsift_decisions_total{action=\"create\",method=\"%s\"}",
                 methods[i]);
        double c = metric(&r, MATCHER, series);
        snprintf(series, sizeof series, "callsift_decisions_total{action=\"link\",method=\"%s\"}",
                 methods[i]);
        double l = metric(&r, MATCHER, series);
        m_created += c > 0 ? c : 0;
        m_linked += l > 0 ? l : 0;
    }
    cr_assert_eq(m_created, created);
    cr_assert_eq(m_linked, linked);
    cr_assert_eq(m_created, features, "every create made one feature");
    cr_assert_eq(metric(&r, MATCHER, "callsift_in_flight"), 0);

    /* writer */
    cr_assert_eq(metric(&r, WRITER, "callsift_calls_stored_total{status=\"committed\"}"), messages);
    cr_assert_eq(metric(&r, WRITER, "callsift_records_received_total"), STORED_CALLS);
    cr_assert_eq(metric(&r, WRITER, "callsift_records_sent_total"), STORED_CALLS, "acks");
    cr_assert_eq(metric(&r, WRITER, "callsift_db_commit_duration_seconds_count"), STORED_CALLS);
    cr_assert_eq(metric(&r, WRITER, "callsift_component_up{component=\"database\"}"), 1);

    for (int i = 0; i < NSTAGES; i++)
        no_secret_in(&r, i);

    /* the writer's database goes away: /healthz says so within its 5 s check, then recovers */
    char sql[256], err[256];
    cs_db_destroy(&db);
    db = cs_db_connect(cs_testdb_server_url(), 3, err, sizeof err); /* not the test's database */
    cr_assert(db, "%s", err);
    snprintf(sql, sizeof sql, "ALTER DATABASE %s ALLOW_CONNECTIONS false", r.db.name);
    cr_assert_eq(cs_db_command(db, sql, 0, NULL, err, sizeof err), 0, "%s", err);
    const char *dbname[] = {r.db.name};
    cs_db_command(db,
                  "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                  " WHERE datname = $1 AND pid <> pg_backend_pid()",
                  1, dbname, err, sizeof err);
    long status = 200;
    char *body = NULL;
    for (int i = 0; i < 200 && status == 200; i++) {
        free(body);
        body = scrape(&r, WRITER, "/healthz", &status);
        if (status == 200)
            usleep(50 * 1000);
    }
    cr_assert_eq(status, 503, "the writer's /healthz stayed 200 without its database");
    cr_assert(strstr(body, "database: down"), "%s", body);
    free(body);
    snprintf(sql, sizeof sql, "ALTER DATABASE %s ALLOW_CONNECTIONS true", r.db.name);
    cr_assert_eq(cs_db_command(db, sql, 0, NULL, err, sizeof err), 0, "%s", err);
    cs_db_destroy(&db);
    wait_healthy(&r, WRITER);

    rig_stop(&r);
}

/* Two extractors slowed down by an LLM share the calls: the fetcher's calls link queues little
   per extractor (CS_SOCK_WORK_HWM), so the first extractor to connect does not take the whole
   window while the other sits idle (it took all 20 before). Counted by each one's metrics. */
Test(metrics_proc, two_slow_extractors_share_the_calls, .timeout = 120)
{
    rig_t r = {0};
    cs_testdb_create(&r.db, false);
    cs_testdata_demo_workspace(r.db.url, r.ws);
    char dir[] = "/tmp/cs_balance_XXXXXX", calls[128], truth[128];
    cr_assert(mkdtemp(dir));
    snprintf(calls, sizeof calls, "%s/calls.jsonl", dir);
    snprintf(truth, sizeof truth, "%s/truth.json", dir);
    char *gen[] = {(char *)cs_testproc_bin("callsift-loadgen"),
                   "--calls",
                   "20",
                   "--out",
                   calls,
                   "--truth",
                   truth,
                   NULL};
    cs_testrun_t g = cs_testproc_run(gen, NULL, NULL, 30000);
    cr_assert_eq(g.status, 0, "callsift-loadgen: %s", g.err);
    cs_testrun_free(&g);
    char err[256];
    fake_openai_load_opts_t lo = {.truth_path = truth, .latency_ms = 300};
    fake_openai_t *llm = fake_openai_start_load(&lo, err, sizeof err);
    cr_assert(llm, "%s", err);

    for (int i = 0; i < 4; i++)
        cs_testproc_free_endpoint(r.ep[i], sizeof r.ep[i]);
    for (int i = 0; i < NSTAGES; i++)
        r.port[i] = cs_testhttp_free_port();
    char ep_calls[96], extractions[96], decisions[96], acks[96], base[160];
    snprintf(ep_calls, sizeof ep_calls, "--calls-endpoint=%s", r.ep[0]);
    snprintf(extractions, sizeof extractions, "--extractions-endpoint=%s", r.ep[1]);
    snprintf(decisions, sizeof decisions, "--decisions-endpoint=%s", r.ep[2]);
    snprintf(acks, sizeof acks, "--acks-endpoint=%s", r.ep[3]);
    snprintf(base, sizeof base, "--openai-base-url=%s", fake_openai_url(llm));
    start_stage(&r, WRITER, (const char *[]){decisions, acks, NULL});
    start_stage(&r, MATCHER,
                (const char *[]){"--provider", "offline", extractions, decisions, NULL});
    for (int e = EXTRACTOR1; e <= EXTRACTOR2; e++) {
        start_stage(&r, e,
                    (const char *[]){"--provider", "openai", base, "--concurrency", "1", ep_calls,
                                     extractions, NULL});
        wait_healthy(&r, e);
    }
    char db_env[1100];
    snprintf(db_env, sizeof db_env, "DATABASE_URL=%s", r.db.url);
    char *env[] = {db_env, "OPENAI_API_KEY=" OPENAI_SECRET, NULL};
    char *fetch[] = {(char *)cs_testproc_bin("callsift-fetcher"),
                     "--workspace-id",
                     r.ws,
                     "--replay",
                     calls,
                     ep_calls,
                     acks,
                     NULL};
    cs_testrun_t run = cs_testproc_run(fetch, env, NULL, 90000);
    cr_assert_eq(run.status, 0, "fetcher: %s", run.err);
    cs_testrun_free(&run);

    double one = metric(&r, EXTRACTOR1, "callsift_records_received_total");
    double two = metric(&r, EXTRACTOR2, "callsift_records_received_total");
    cr_assert_eq(one + two, 20, "%g + %g calls", one, two);
    cr_log_info("extractors took %g and %g calls", one, two);
    cr_assert(one >= 4 && two >= 4, "the calls were not shared: %g and %g", one, two);

    for (int i = 0; i <= EXTRACTOR2; i++)
        cr_expect_eq(cs_testproc_stop(&r.p[i], 10000), 0, "%s did not stop cleanly", NAMES[i]);
    fake_openai_stop(&llm);
    cs_testdb_drop(&r.db);
    char rm[160];
    snprintf(rm, sizeof rm, "rm -rf %s", dir);
    cr_assert_eq(system(rm), 0);
}

Test(metrics_proc, help_never_shows_secrets)
{
    const char *bins[] = {"callsift-writer", "callsift-matcher", "callsift-extractor",
                          "callsift-fetcher"};
    char *env[] = {"DATABASE_URL=postgresql://callsift:db-password-5150@db.example/callsift",
                   "GONG_ACCESS_KEY=" GONG_KEY, "GONG_ACCESS_KEY_SECRET=" GONG_SECRET,
                   "OPENAI_API_KEY=" OPENAI_SECRET, NULL};
    for (size_t i = 0; i < CS_ARRAY_LEN(bins); i++) {
        char *argv[] = {(char *)cs_testproc_bin(bins[i]), "--help", NULL};
        cs_testrun_t run = cs_testproc_run(argv, env, NULL, 10000);
        cr_assert_eq(run.status, 0, "%s --help", bins[i]);
        cr_assert(strstr(run.out, "--metrics-port"), "%s --help lists --metrics-port", bins[i]);
        cr_assert(strstr(run.out, "CALLSIFT_METRICS_PORT"), "%s", run.out);
        cr_assert(strstr(run.out, "--metrics-listen") && strstr(run.out, "127.0.0.1"),
                  "%s --help lists --metrics-listen and its default", bins[i]);
        cr_assert_not(strstr(run.out, GONG_SECRET) || strstr(run.out, OPENAI_SECRET) ||
                          strstr(run.out, "db-password-5150") || strstr(run.err, GONG_SECRET) ||
                          strstr(run.err, OPENAI_SECRET) || strstr(run.err, "db-password-5150"),
                      "%s --help shows a secret:\n%s", bins[i], run.out);
        cs_testrun_free(&run);
    }
}

Test(metrics_proc, a_taken_metrics_port_stops_the_stage_with_a_reason, .timeout = 60)
{
    cs_testdb_t db;
    cs_testdb_create(&db, true);
    int port = cs_testhttp_free_port();
    char ep[2][64], port_arg[32], dec[96], acks[96], db_env[1100];
    cs_testproc_free_endpoint(ep[0], sizeof ep[0]);
    cs_testproc_free_endpoint(ep[1], sizeof ep[1]);
    snprintf(port_arg, sizeof port_arg, "--metrics-port=%d", port);
    snprintf(dec, sizeof dec, "--decisions-endpoint=%s", ep[0]);
    snprintf(acks, sizeof acks, "--acks-endpoint=%s", ep[1]);
    snprintf(db_env, sizeof db_env, "DATABASE_URL=%s", db.url);
    char *env[] = {db_env, NULL};
    char *argv[] = {(char *)cs_testproc_bin("callsift-writer"), port_arg, dec, acks, NULL};
    cs_testproc_t first = {0};
    cs_testproc_start(&first, argv, env);
    long status = 0;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/healthz", port);
    for (int i = 0; i < 200 && status != 200; i++) {
        free(cs_testhttp_get(url, &status));
        if (status != 200)
            usleep(50 * 1000);
    }
    cr_assert_eq(status, 200);
    char ep2[2][64], dec2[96], acks2[96];
    cs_testproc_free_endpoint(ep2[0], sizeof ep2[0]);
    cs_testproc_free_endpoint(ep2[1], sizeof ep2[1]);
    snprintf(dec2, sizeof dec2, "--decisions-endpoint=%s", ep2[0]);
    snprintf(acks2, sizeof acks2, "--acks-endpoint=%s", ep2[1]);
    char *argv2[] = {(char *)cs_testproc_bin("callsift-writer"), port_arg, dec2, acks2, NULL};
    cs_testrun_t run = cs_testproc_run(argv2, env, NULL, 30000);
    cr_assert_eq(run.status, 1, "a second writer on the same metrics port: %d", run.status);
    cr_assert(strstr(run.err, "--metrics-port"), "%s", run.err);
    cs_testrun_free(&run);
    cr_assert_eq(cs_testproc_stop(&first, 10000), 0);
    cs_testdb_drop(&db);
}
