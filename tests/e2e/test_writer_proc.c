/* callsift-writer as a process: real sockets, real PostgreSQL, acks after commit, restarts. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cs_record.h"
#include "cs_sock.h"
#include "cs_testdata.h"
#include "cs_testdb.h"
#include "cs_testhttp.h"
#include "cs_testproc.h"
#include "cs_testsock.h"
#include "cs_util.h"
#include "cs_uuid.h"

typedef struct {
    cs_testproc_t writer;
    zsock_t *push; /* plays the matcher: binds the decisions endpoint */
    zsock_t *sub;  /* plays the fetcher: subscribes to the acks */
    char decisions[64], acks[64];
    char env_db[1100];
} rig_t;

static void rig_start_writer(rig_t *r)
{
    char *argv[] = {(char *)cs_testproc_bin("callsift-writer"),
                    "--decisions-endpoint",
                    r->decisions,
                    "--acks-endpoint",
                    r->acks,
                    NULL};
    char *env[] = {r->env_db, NULL};
    cs_testproc_start(&r->writer, argv, env);
    cr_assert(cs_testproc_wait_log(&r->writer, "Writer ready", 20000), "writer did not start");
}

static void rig_open(rig_t *r, const char *db_url, const char *ws)
{
    char err[256];
    snprintf(r->env_db, sizeof r->env_db, "DATABASE_URL=%s", db_url);
    r->push = cs_sock_new(ZMQ_PUSH, "tcp://127.0.0.1:*", true, err, sizeof err);
    cr_assert(r->push, "%s", err);
    cs_sock_endpoint(r->push, r->decisions, sizeof r->decisions);
    cs_testproc_free_endpoint(r->acks, sizeof r->acks);
    rig_start_writer(r);
    r->sub = cs_sock_new(ZMQ_SUB, r->acks, false, err, sizeof err);
    cr_assert(r->sub, "%s", err);
    zsock_set_unsubscribe(r->sub, "");
    zsock_set_subscribe(r->sub, ws);
    usleep(300000); /* let the subscription reach the writer */
}

static void rig_close(rig_t *r)
{
    int status = cs_testproc_stop(&r->writer, 10000);
    char *log = cs_testproc_log(&r->writer);
    cr_expect_eq(status, 0, "writer exit status %d; log:\n%s", status, log);
    free(log);
    zsock_destroy(&r->push);
    zsock_destroy(&r->sub);
}

static void send_rec(rig_t *r, json_t *rec)
{
    char err[256];
    cr_assert_eq(cs_sock_send_record(r->push, rec, NULL, err, sizeof err), 0, "%s", err);
}

/* Next ack within ms, or NULL. */
static json_t *next_ack(rig_t *r, int ms)
{
    return cs_testsock_recv(r->sub, ms, NULL);
}

static json_t *decision(const char *ws, int i, const char *theme, char feature_ids[][CS_UUID_LEN])
{
    char ext[32], when[32];
    snprintf(ext, sizeof ext, "call-%04d", i);
    snprintf(when, sizeof when, "2025-10-%02dT10:00:00Z", 1 + i % 28);
    json_t *d = cs_testdata_decision(cs_testdata_call(ws, ext, when, NULL, NULL));
    char name[32];
    snprintf(name, sizeof name, "Feature %d", i % 10);
    if (i < 10) {
        cs_testdata_add(d, "create", NULL, theme, name, "medium");
        snprintf(feature_ids[i], CS_UUID_LEN, "%s",
                 cs_rec_str(json_array_get(json_object_get(d, "decisions"), 0), "feature_id"));
    } else {
        cs_testdata_add(d, "link", feature_ids[i % 10], theme, name, "medium");
    }
    return d;
}

Test(writer_proc, acks_after_commit_and_redelivery_is_already)
{
    cs_testdb_t t;
    cs_testdb_create(&t, false); /* the writer migrates at start */
    rig_t r = {0};
    char ws[CS_UUID_LEN], dflt[CS_UUID_LEN], theme[CS_UUID_LEN];
    rig_open(&r, t.url, "");
    cs_db_t *db = cs_testdb_connect(&t);
    cs_testdata_workspace(db, ws, dflt, theme);

    char features[10][CS_UUID_LEN];
    json_t *first = NULL;
    for (int i = 0; i < 12; i++) {
        json_t *d = decision(ws, i, theme, features);
        send_rec(&r, d);
        if (i == 0)
            first = d;
        else
            json_decref(d);
    }
    /* garbage and a record of the wrong kind are skipped; the writer goes on */
    zstr_send(r.push, "garbage");
    json_t *ack_rec = cs_record_new(CS_KIND_ACK);
    json_object_set_new(ack_rec, "workspace_id", json_string(ws));
    json_object_set_new(ack_rec, "external_id", json_string("x"));
    json_object_set_new(ack_rec, "status", json_string("committed"));
    send_rec(&r, ack_rec);
    json_decref(ack_rec);
    send_rec(&r, first); /* a redelivery */

    int committed = 0, already = 0;
    for (json_t *a; committed + already < 13 && (a = next_ack(&r, 10000)) != NULL;) {
        const char *st = cs_rec_str(a, "status");
        committed += strcmp(st, "committed") == 0;
        already += strcmp(st, "already") == 0;
        cr_assert_str_eq(cs_rec_str(a, "workspace_id"), ws);
        json_decref(a);
    }
    char *wlog = cs_testproc_log(&r.writer);
    cr_assert_eq(committed, 12, "%d committed, %d already; writer log:\n%s", committed, already,
                 wlog);
    free(wlog);
    cr_assert_eq(already, 1);
    cr_assert_eq(cs_testdb_long(db, "SELECT count(*) FROM messages"), 12);
    cr_assert_eq(cs_testdb_long(db, "SELECT count(*) FROM features"), 10);
    cr_assert_eq(cs_testdb_long(db, "SELECT sum(mention_count) FROM features"), 12);
    char *log = cs_testproc_log(&r.writer);
    cr_assert(strstr(log, "Skipped a malformed record"), "%s", log);
    cr_assert(strstr(log, "Skipped a 'ack' record"), "%s", log);
    free(log);
    json_decref(first);
    rig_close(&r);
    /* the record of the wrong kind counts as received and as malformed, the garbage as
       malformed only */
    log = cs_testproc_log(&r.writer);
    cr_assert(strstr(log, "Writer stopping: 14 received, 12 committed, 1 already stored, 0 failed, "
                          "2 malformed"),
              "%s", log);
    free(log);
    cs_db_destroy(&db);
    cs_testdb_drop(&t);
}

Test(writer_proc, sigterm_exits_zero_quickly)
{
    cs_testdb_t t;
    cs_testdb_create(&t, false);
    rig_t r = {0};
    rig_open(&r, t.url, "");
    int64_t t0 = cs_now_ms();
    rig_close(&r); /* asserts exit status 0 */
    cr_assert_lt(cs_now_ms() - t0, 10000);
    cs_testdb_drop(&t);
}

Test(writer_proc, refuses_to_start_without_database)
{
    char *argv[] = {(char *)cs_testproc_bin("callsift-writer"), NULL};
    char *env[] = {"DATABASE_URL=", NULL};
    cs_testrun_t run = cs_testproc_run(argv, env, NULL, 10000);
    cr_assert_eq(run.status, 2, "status %d: %s", run.status, run.err);
    cr_assert(strstr(run.err, "DATABASE_URL"), "%s", run.err);
    cs_testrun_free(&run);
}

/* How many times `needle` occurs in text. */
static int count_of(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* A database that does not exist is permanent: one clear line, /healthz says why while the
   writer holds, then exit 3, without a single retry. */
Test(writer_proc, a_database_that_does_not_exist_stops_it_with_status_3, .timeout = 60)
{
    char url[1200], env_db[1300], port_arg[16], acks[64], decisions[64];
    const char *server = cs_testdb_server_url();
    snprintf(url, sizeof url, "%s%sdbname=cs_missing_%d", server, strchr(server, '?') ? "&" : "?",
             (int)getpid());
    snprintf(env_db, sizeof env_db, "DATABASE_URL=%s", url);
    int port = cs_testhttp_free_port();
    snprintf(port_arg, sizeof port_arg, "%d", port);
    cs_testproc_free_endpoint(acks, sizeof acks);
    cs_testproc_free_endpoint(decisions, sizeof decisions);
    char *argv[] = {(char *)cs_testproc_bin("callsift-writer"),
                    "--decisions-endpoint",
                    decisions,
                    "--acks-endpoint",
                    acks,
                    "--metrics-port",
                    port_arg,
                    "--permanent-error-hold",
                    "3",
                    NULL};
    char *env[] = {env_db, NULL};
    cs_testproc_t w = {0};
    int64_t t0 = cs_now_ms();
    cs_testproc_start(&w, argv, env);
    cr_assert(cs_testproc_wait_log(&w, "*** Stopping", 10000), "no stop line");
    char health_url[64];
    snprintf(health_url, sizeof health_url, "http://127.0.0.1:%d/healthz", port);
    long code = 0;
    char *body = cs_testhttp_get(health_url, &code);
    cr_assert_eq(code, 503, "healthz %ld: %s", code, body);
    cr_assert(strstr(body, "database: down: the database does not exist"), "%s", body);
    cr_assert_null(strstr(body, "cs_missing_"), "healthz shows only fixed text: %s", body);
    free(body);
    int64_t deadline = cs_now_ms() + 15000;
    while (cs_testproc_alive(&w) && cs_now_ms() < deadline)
        usleep(50000);
    int status = cs_testproc_stop(&w, 5000);
    int64_t took = cs_now_ms() - t0;
    char *log = cs_testproc_log(&w);
    cr_assert_eq(status, 3, "exit status %d; log:\n%s", status, log);
    cr_assert_lt(took, 12000, "took %lld ms", (long long)took);
    cr_assert_eq(count_of(log, "ERROR"), 1, "one clear line:\n%s", log);
    cr_assert_eq(count_of(log, "cannot connect"), 1, "not retried:\n%s", log);
    cr_assert(strstr(log, "3D000"), "%s", log);
    cr_assert(strstr(log, "DATABASE_URL"), "%s", log);
    free(log);
}

/* The database dropped under a running writer: the reconnection meets 3D000 and the writer
   stops with status 3 instead of retrying forever. */
Test(writer_proc, a_database_dropped_while_running_stops_it_with_status_3, .timeout = 60)
{
    cs_testdb_t t;
    cs_testdb_create(&t, false);
    rig_t r = {0};
    char *argv[] = {(char *)cs_testproc_bin("callsift-writer"),
                    "--decisions-endpoint",
                    "tcp://127.0.0.1:1",
                    "--acks-endpoint",
                    r.acks,
                    "--permanent-error-hold",
                    "0",
                    NULL};
    cs_testproc_free_endpoint(r.acks, sizeof r.acks);
    snprintf(r.env_db, sizeof r.env_db, "DATABASE_URL=%s", t.url);
    char *env[] = {r.env_db, NULL};
    cs_testproc_start(&r.writer, argv, env);
    cr_assert(cs_testproc_wait_log(&r.writer, "Writer ready", 20000), "writer did not start");
    cs_testdb_drop(&t);
    int64_t deadline = cs_now_ms() + 20000; /* an idle writer checks every 5 s */
    while (cs_testproc_alive(&r.writer) && cs_now_ms() < deadline)
        usleep(50000);
    int status = cs_testproc_stop(&r.writer, 5000);
    char *log = cs_testproc_log(&r.writer);
    cr_assert_eq(status, 3, "exit status %d; log:\n%s", status, log);
    cr_assert(strstr(log, "3D000"), "%s", log);
    cr_assert_eq(count_of(log, "*** Stopping"), 1, "%s", log);
    free(log);
}

/* The calls that wait are committed in groups; the connection dies in the middle of one (the
   server ends the session while a call in the middle of the group is written). No call is
   acked before its COMMIT: when an ack arrives its call is in the database. The writer
   reconnects and commits the group again; every call is stored and acked once. */
Test(writer_proc, a_connection_lost_mid_group_acks_nothing_uncommitted_and_loses_nothing,
     .timeout = 120)
{
    enum { N = 40 };
    cs_testdb_t t;
    cs_testdb_create(&t, true);
    cs_db_t *db = cs_testdb_connect(&t);
    char ws[CS_UUID_LEN], dflt[CS_UUID_LEN], theme[CS_UUID_LEN], err[512];
    cs_testdata_workspace(db, ws, dflt, theme);
    const char *setup[] = {
        "CREATE SEQUENCE test_kill_once",
        "CREATE FUNCTION test_kill() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN IF nextval('test_kill_once') = 1 THEN"
        " PERFORM pg_terminate_backend(pg_backend_pid()); END IF; RETURN NEW; END $$",
        "CREATE TRIGGER test_kill BEFORE INSERT ON messages FOR EACH ROW"
        " WHEN (NEW.external_id = 'call-0020') EXECUTE FUNCTION test_kill()",
    };
    for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++)
        cr_assert_eq(cs_db_command(db, setup[i], 0, NULL, err, sizeof err), 0, "%s", err);

    rig_t r = {0};
    rig_open(&r, t.url, ws);
    char features[10][CS_UUID_LEN];
    json_t *recs[N];
    for (int i = 0; i < N; i++)
        recs[i] = decision(ws, i, theme, features);
    /* hold the writer on the first call until the others wait in its socket */
    cs_db_t *lock = cs_testdb_connect(&t);
    cr_assert_eq(cs_db_command(lock, "BEGIN", 0, NULL, err, sizeof err), 0, "%s", err);
    cr_assert_eq(cs_db_command(lock, "LOCK TABLE messages IN SHARE MODE", 0, NULL, err, sizeof err),
                 0, "%s", err);
    send_rec(&r, recs[0]);
    usleep(300000);
    for (int i = 1; i < N; i++)
        send_rec(&r, recs[i]);
    usleep(500000);
    cr_assert_eq(cs_db_command(lock, "COMMIT", 0, NULL, err, sizeof err), 0, "%s", err);
    cs_db_destroy(&lock);

    int acks[N] = {0}, nacked = 0;
    for (json_t *a; nacked < N && (a = next_ack(&r, 30000)) != NULL;) {
        int i = atoi(cs_rec_str(a, "external_id") + 5);
        cr_assert(i >= 0 && i < N);
        cr_assert_str_eq(cs_rec_str(a, "status"), "committed", "%s", cs_rec_str(a, "error"));
        const char *mid[] = {cs_rec_str(a, "message_id")};
        PGresult *res = cs_db_exec(db, "SELECT 1 FROM messages WHERE id = $1 AND is_processed", 1,
                                   mid, err, sizeof err);
        cr_assert(res, "%s", err);
        cr_assert_eq(PQntuples(res), 1, "call %d acked before it was committed", i);
        PQclear(res);
        nacked += acks[i]++ == 0;
        json_decref(a);
    }
    char *log = cs_testproc_log(&r.writer);
    cr_assert_eq(nacked, N, "%d of %d calls acked; writer log:\n%s", nacked, N, log);
    /* the group the connection died in was committed again as a whole */
    cr_assert(strstr(log, " calls (call-00") && strstr(log, "not done"),
              "no group was retried:\n%s", log);
    free(log);
    for (int i = 0; i < N; i++)
        cr_assert_eq(acks[i], 1, "call %d acked %d times", i, acks[i]);
    cr_assert_eq(cs_testdb_long(db, "SELECT count(*) FROM messages WHERE is_processed"), N);
    cr_assert_lt(cs_testdb_long(db, "SELECT count(DISTINCT processed_at) FROM messages"), N / 2,
                 "the waiting calls were committed together");
    cr_assert_eq(cs_testdb_long(db, "SELECT count(*) FROM features"), 10);
    cr_assert_eq(cs_testdb_long(db, "SELECT sum(mention_count) FROM features"), N);
    cr_assert_eq(cs_testdb_long(db, "SELECT count(*) FROM match_decisions"), N);
    rig_close(&r);
    for (int i = 0; i < N; i++)
        json_decref(recs[i]);
    cs_db_destroy(&db);
    cs_testdb_drop(&t);
}

static void pg_ctl(const char *script, const char *dir, const char *extra)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s/scripts/ci/%s %s %s >/dev/null", CS_TEST_SOURCE_DIR, script, dir,
             extra);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* PostgreSQL stopped and started while decisions stream in: the writer waits, reconnects and
   retries; the "fetcher" here resends what was not acked. Nothing lost, nothing twice. */
Test(writer_proc, postgres_restart_loses_nothing, .timeout = 240)
{
    enum { N = 200 };
    char dir[] = "/tmp/cs_pgrestart_XXXXXX";
    cr_assert(mkdtemp(dir));
    char cmd[1024], url[1024];
    snprintf(cmd, sizeof cmd, "%s/scripts/ci/pg-start.sh %s", CS_TEST_SOURCE_DIR, dir);
    FILE *p = popen(cmd, "r");
    cr_assert(p && fgets(url, sizeof url, p), "pg-start failed");
    pclose(p);
    url[strcspn(url, "\n")] = '\0';
    setenv("DATABASE_URL", url, 1); /* cs_testdb uses this server */
    cs_testdb_t t;
    cs_testdb_create(&t, true);
    cs_db_t *db = cs_testdb_connect(&t);
    char ws[CS_UUID_LEN], dflt[CS_UUID_LEN], theme[CS_UUID_LEN];
    cs_testdata_workspace(db, ws, dflt, theme);
    cs_db_destroy(&db);

    rig_t r = {0};
    rig_open(&r, t.url, ws);
    char features[10][CS_UUID_LEN];
    json_t *recs[N];
    for (int i = 0; i < N; i++)
        recs[i] = decision(ws, i, theme, features);
    bool acked[N] = {false};
    int nacked = 0, already = 0;
    int64_t last_send[N] = {0};
    bool restarted = false;
    int64_t deadline = cs_now_ms() + 180000;
    int next = 0;
    while (nacked < N && cs_now_ms() < deadline) {
        /* stream: 10 new calls per turn, and resend anything unacked for 3 s */
        for (int k = 0; k < 10 && next < N; k++, next++) {
            send_rec(&r, recs[next]);
            last_send[next] = cs_now_ms();
        }
        for (int i = 0; i < next; i++) {
            if (!acked[i] && cs_now_ms() - last_send[i] > 3000) {
                send_rec(&r, recs[i]);
                last_send[i] = cs_now_ms();
            }
        }
        if (!restarted && next >= N / 2) {
            pg_ctl("pg-stop.sh", dir, "--keep");
            sleep(2);
            pg_ctl("pg-start.sh", dir, "");
            restarted = true;
        }
        for (json_t *a; (a = next_ack(&r, 50)) != NULL;) {
            const char *ext = cs_rec_str(a, "external_id");
            int i = atoi(ext + 5);
            cr_assert_str_neq(cs_rec_str(a, "status"), "failed", "%s", cs_rec_str(a, "error"));
            already += strcmp(cs_rec_str(a, "status"), "already") == 0;
            if (!acked[i]) {
                acked[i] = true;
                nacked++;
            }
            json_decref(a);
        }
    }
    cr_assert(restarted);
    cr_assert_eq(nacked, N, "only %d of %d calls acked", nacked, N);
    char *log = cs_testproc_log(&r.writer);
    cr_assert(strstr(log, "Reconnected to PostgreSQL") || strstr(log, "retrying"),
              "the outage was not noticed:\n%s", log);
    free(log);

    db = cs_testdb_connect(&t);
    cr_assert_eq(cs_testdb_long(db, "SELECT count(*) FROM messages WHERE is_processed"), N);
    long nfeatures = cs_testdb_long(db, "SELECT count(*) FROM features");
    char *log2 = cs_testproc_log(&r.writer);
    cr_assert_eq(nfeatures, 10, "%ld features; writer log:\n%s", nfeatures, log2);
    free(log2);
    cr_assert_eq(cs_testdb_long(db, "SELECT count(*) FROM feature_messages"), N);
    cr_assert_eq(cs_testdb_long(db, "SELECT count(*) FROM match_decisions"), N);
    cr_assert_eq(cs_testdb_long(db, "SELECT count(*) FROM features WHERE mention_count <> "
                                    "(SELECT count(*) FROM feature_messages fm "
                                    " WHERE fm.feature_id = features.id)"),
                 0);
    cr_assert_eq(cs_testdb_long(db, "SELECT min(mention_count) FROM features"), N / 10);
    cs_db_destroy(&db);
    rig_close(&r);
    for (int i = 0; i < N; i++)
        json_decref(recs[i]);
    cs_testdb_drop(&t);
    pg_ctl("pg-stop.sh", dir, "");
}
