/* callsift-fetcher as a process: delivery, redelivery, failures, skipping, replay, Gong.
   The test plays the rest of the pipeline: it PULLs the fetcher's call records and PUBlishes
   acks the way the writer does, dropping some when a scenario asks for it. */
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
#include "cs_testproc.h"
#include "cs_time.h"
#include "cs_util.h"
#include "cs_uuid.h"
#include "fake_gong.h"

typedef struct {
    cs_testdb_t db;
    char ws[CS_UUID_LEN];
    zsock_t *pull; /* the extractors' side of the calls socket */
    zsock_t *pub;  /* the writer's acks */
    char calls_ep[64], acks_ep[64];
    char env_db[1100];
    cs_testproc_t fetcher;
} rig_t;

static void rig_open(rig_t *r)
{
    cs_testdb_create(&r->db, true);
    cs_db_t *db = cs_testdb_connect(&r->db);
    char dflt[CS_UUID_LEN], theme[CS_UUID_LEN];
    cs_testdata_workspace(db, r->ws, dflt, theme);
    cs_db_destroy(&db);
    snprintf(r->env_db, sizeof r->env_db, "DATABASE_URL=%s", r->db.url);
    char err[256];
    r->pub = cs_sock_new(ZMQ_PUB, "tcp://127.0.0.1:*", true, err, sizeof err);
    cr_assert(r->pub, "%s", err);
    cs_sock_endpoint(r->pub, r->acks_ep, sizeof r->acks_ep);
    cs_testproc_free_endpoint(r->calls_ep, sizeof r->calls_ep);
}

static void rig_close(rig_t *r)
{
    cs_testproc_kill(&r->fetcher);
    zsock_destroy(&r->pull);
    zsock_destroy(&r->pub);
    cs_testdb_drop(&r->db);
}

/* Start the fetcher with extra arguments (NULL-terminated). */
static void start_fetcher(rig_t *r, char **extra, char **extra_env)
{
    char *argv[40] = {(char *)cs_testproc_bin("callsift-fetcher"),
                      "--workspace-id",
                      r->ws,
                      "--calls-endpoint",
                      r->calls_ep,
                      "--acks-endpoint",
                      r->acks_ep};
    int n = 7;
    for (int i = 0; extra && extra[i]; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    char *env[8] = {r->env_db};
    int e = 1;
    for (int i = 0; extra_env && extra_env[i]; i++)
        env[e++] = extra_env[i];
    env[e] = NULL;
    cs_testproc_start(&r->fetcher, argv, env);
    char err[256];
    r->pull = cs_sock_new(ZMQ_PULL, r->calls_ep, false, err, sizeof err);
    cr_assert(r->pull, "%s", err);
}

/* What the fake writer acks a call with: a status, or one of these. */
#define ACK_UNPROCESSED "unprocessed" /* stored, extraction failed: LLM unreachable */
#define ACK_AS_ASKED    "as-asked"    /* stored without extraction, as the flags said */
#define ACK_FORGED      "forged"      /* "committed", but for the source "gong" */

/* Publish the ack the writer would send for `call` (see the ACK_* kinds above). */
static void ack(rig_t *r, const json_t *call, const char *status)
{
    json_t *a = cs_record_new(CS_KIND_ACK);
    json_object_set_new(a, "workspace_id", json_string(r->ws));
    json_object_set_new(a, "external_id", json_string(cs_rec_str(call, "external_id")));
    json_object_set_new(a, "source", json_string(cs_rec_str(call, "source")));
    if (strcmp(status, ACK_FORGED) == 0) {
        json_object_set_new(a, "source", json_string("gong"));
        status = "committed";
    }
    if (strcmp(status, ACK_UNPROCESSED) == 0) {
        json_object_set_new(a, "processed", json_false());
        json_object_set_new(a, "cause", json_string(CS_CAUSE_LLM_UNREACHABLE));
        json_object_set_new(a, "error",
                            json_string("LLM unreachable after 3 attempts: connection refused"));
        status = "committed";
    } else if (strcmp(status, ACK_AS_ASKED) == 0) {
        json_object_set_new(a, "processed", json_false());
        json_object_set_new(a, "cause", json_string(CS_CAUSE_NOT_EXTRACTED));
        status = "committed";
    } else if (strcmp(status, "failed") != 0) {
        json_object_set_new(a, "processed", json_true());
    }
    json_object_set_new(a, "status", json_string(status));
    if (strcmp(status, "failed") == 0)
        json_object_set_new(a, "error", json_string("test writer refused it"));
    char err[256];
    cr_assert_eq(cs_sock_send_record(r->pub, a, r->ws, err, sizeof err), 0, "%s", err);
    json_decref(a);
}

/* Policy: what the fake writer does with the n-th delivery of a call (1-based). */
typedef const char *(*policy_fn)(const json_t *call, int delivery);

typedef struct {
    int received;     /* call records received */
    int distinct;     /* distinct external ids */
    char ids[64][32]; /* distinct ids in arrival order */
    int deliveries[64];
    int max_unacked;  /* most calls received and not yet acked at once */
    json_t *last[64]; /* last record of each id */
} seen_t;

/* Serve the fetcher until it exits or timeout_ms pass; returns its exit status (after a
   SIGTERM if it was still running), or -2 when keep_running is true and it still runs. */
static int serve_for(rig_t *r, policy_fn policy, seen_t *seen, int timeout_ms, bool keep_running)
{
    int64_t deadline = cs_now_ms() + timeout_ms;
    zpoller_t *p = zpoller_new(r->pull, NULL);
    int unacked = 0;
    while (cs_now_ms() < deadline) {
        if (zpoller_wait(p, 50)) {
            char err[256];
            json_t *call = cs_sock_recv_record(r->pull, NULL, err, sizeof err);
            cr_assert(call, "the fetcher sent a bad record: %s", err);
            cr_assert_eq(cs_record_kind(call), CS_KIND_CALL);
            const char *id = cs_rec_str(call, "external_id");
            int k;
            for (k = 0; k < seen->distinct && strcmp(seen->ids[k], id) != 0; k++)
                ;
            if (k == seen->distinct) {
                cr_assert_lt(k, 64);
                snprintf(seen->ids[k], sizeof seen->ids[k], "%s", id);
                seen->distinct++;
                unacked++;
            }
            seen->deliveries[k]++;
            seen->received++;
            json_decref(seen->last[k]);
            seen->last[k] = json_incref(call);
            if (unacked > seen->max_unacked)
                seen->max_unacked = unacked;
            const char *status = policy ? policy(call, seen->deliveries[k]) : "committed";
            if (status) {
                ack(r, call, status);
                if (seen->deliveries[k] == 1 || unacked > 0)
                    unacked--;
            }
            json_decref(call);
        } else if (!cs_testproc_alive(&r->fetcher)) {
            break;
        }
    }
    zpoller_destroy(&p);
    if (keep_running && cs_testproc_alive(&r->fetcher))
        return -2;
    return cs_testproc_stop(&r->fetcher, 5000);
}

static int serve(rig_t *r, policy_fn policy, seen_t *seen, int timeout_ms)
{
    return serve_for(r, policy, seen, timeout_ms, false);
}

static void seen_free(seen_t *s)
{
    for (int i = 0; i < 64; i++)
        json_decref(s->last[i]);
}

/* ---- a replay file written by the test ----------------------------------------------------- */

static json_t *gong_call(int i, bool private_call, const char *domain)
{
    char id[32], title[64], started[32], email[64];
    snprintf(id, sizeof id, "%d", 7000 + i);
    snprintf(title, sizeof title, "Demo %d | Acme", i);
    snprintf(started, sizeof started, "2025-10-%02dT10:00:00Z", 1 + i % 28);
    snprintf(email, sizeof email, "buyer%d@%s", i, domain);
    return json_pack(
        "{s:{s:s, s:s, s:s, s:i, s:s, s:b}, s:[{s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}],"
        " s:{s:s, s:[{s:s, s:[{s:i, s:s}]}, {s:s, s:[{s:i, s:s}]}]}}",
        "metaData", "id", id, "title", title, "started", started, "duration", 900, "url",
        "https://app.gong.io/call?id=1", "isPrivate", private_call, "parties", "speakerId", "s1",
        "name", "Steve", "emailAddress", "steve@vendor.example", "affiliation", "Internal",
        "userId", "234599484848423", "speakerId", "s2", "name", "Yukta", "emailAddress", email,
        "affiliation", "External", "transcript", "callId", id, "transcript", "speakerId", "s1",
        "sentences", "start", 0, "text", "What would make this better for you?", "speakerId", "s2",
        "sentences", "start", 3000, "text", "We need a Salesforce integration for our tickets.");
}

static void write_replay(const char *path, int n, int private_index)
{
    FILE *f = fopen(path, "w");
    cr_assert(f);
    for (int i = 0; i < n; i++) {
        json_t *c = gong_call(i, i == private_index, "acme-corp.example");
        char *line = json_dumps(c, JSON_COMPACT);
        fprintf(f, "%s\n", line);
        free(line);
        json_decref(c);
    }
    fclose(f);
}

static char *fetcher_log(rig_t *r)
{
    return cs_testproc_log(&r->fetcher);
}

Test(fetcher, replay_all_acked_exits_zero, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    char path[] = "/tmp/cs_replay_XXXXXX";
    close(mkstemp(path));
    write_replay(path, 5, 3);
    char *args[] = {"--replay", path, NULL};
    start_fetcher(&r, args, NULL);
    seen_t seen = {0};
    int status = serve(&r, NULL, &seen, 30000);
    char *log = fetcher_log(&r);
    cr_assert_eq(status, 0, "exit %d\n%s", status, log);
    cr_assert_eq(seen.distinct, 4, "the private call is not sent:\n%s", log);
    cr_assert(strstr(log, "Successfully ingested 4 calls to database"), "%s", log);
    cr_assert(strstr(log, "✅ Successfully ingested 4 calls"), "%s", log);
    /* the records carry what the extractor needs */
    json_t *c = seen.last[0];
    cr_assert_str_eq(cs_rec_str(c, "source"), "replay");
    cr_assert_str_eq(cs_rec_str(c, "workspace_id"), r.ws);
    cr_assert_eq(json_array_size(json_object_get(c, "transcript")), 2);
    cr_assert(json_is_true(json_object_get(json_object_get(c, "flags"), "extract")));
    free(log);
    seen_free(&seen);
    unlink(path);
    rig_close(&r);
}

static const char *drop_first_ack(const json_t *call, int delivery)
{
    (void)call;
    return delivery == 1 ? NULL : "committed";
}

Test(fetcher, dropped_ack_means_resend, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    char path[] = "/tmp/cs_replay_XXXXXX";
    close(mkstemp(path));
    write_replay(path, 3, -1);
    char *args[] = {"--replay", path, "--ack-timeout", "1", NULL};
    start_fetcher(&r, args, NULL);
    seen_t seen = {0};
    int status = serve(&r, drop_first_ack, &seen, 30000);
    char *log = fetcher_log(&r);
    cr_assert_eq(status, 0, "exit %d\n%s", status, log);
    cr_assert_eq(seen.distinct, 3, "%s", log);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(seen.deliveries[i], 2, "call %s delivered %d times\n%s", seen.ids[i],
                     seen.deliveries[i], log);
    cr_assert_eq(cs_rec_int(seen.last[0], "attempt", 0), 2);
    cr_assert(strstr(log, "Resending call"), "%s", log);
    free(log);
    seen_free(&seen);
    unlink(path);
    rig_close(&r);
}

static const char *never_ack_7001(const json_t *call, int delivery)
{
    (void)delivery;
    return strcmp(cs_rec_str(call, "external_id"), "7001") == 0 ? NULL : "committed";
}

Test(fetcher, never_acked_ends_as_failed_not_a_hang, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    char path[] = "/tmp/cs_replay_XXXXXX";
    close(mkstemp(path));
    write_replay(path, 3, -1);
    char *args[] = {"--replay", path, "--ack-timeout", "0.5", "--max-attempts", "2", NULL};
    start_fetcher(&r, args, NULL);
    seen_t seen = {0};
    int status = serve(&r, never_ack_7001, &seen, 30000);
    char *log = fetcher_log(&r);
    cr_assert_eq(status, 1, "exit %d\n%s", status, log);
    cr_assert(strstr(log, "failed: 7001"), "%s", log);
    cr_assert(strstr(log, "no ack after 2 attempts"), "%s", log);
    free(log);
    seen_free(&seen);
    unlink(path);
    rig_close(&r);
}

static const char *writer_fails_7000(const json_t *call, int delivery)
{
    (void)delivery;
    return strcmp(cs_rec_str(call, "external_id"), "7000") == 0 ? "failed" : "committed";
}

Test(fetcher, writer_failure_is_reported, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    char path[] = "/tmp/cs_replay_XXXXXX";
    close(mkstemp(path));
    write_replay(path, 2, -1);
    char *args[] = {"--replay", path, NULL};
    start_fetcher(&r, args, NULL);
    seen_t seen = {0};
    int status = serve(&r, writer_fails_7000, &seen, 30000);
    char *log = fetcher_log(&r);
    cr_assert_eq(status, 1, "exit %d\n%s", status, log);
    cr_assert(strstr(log, "failed: 7000") && strstr(log, "test writer refused it"), "%s", log);
    free(log);
    seen_free(&seen);
    unlink(path);
    rig_close(&r);
}

Test(fetcher, window_bounds_calls_in_flight, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    char path[] = "/tmp/cs_replay_XXXXXX";
    close(mkstemp(path));
    write_replay(path, 10, -1);
    char *args[] = {"--replay", path, "--max-in-flight", "3", "--ack-timeout", "60", NULL};
    start_fetcher(&r, args, NULL);
    seen_t seen = {0};
    /* no acks at all for 3 s: only the window may come out */
    int64_t until = cs_now_ms() + 3000;
    zpoller_t *p = zpoller_new(r.pull, NULL);
    while (cs_now_ms() < until) {
        if (zpoller_wait(p, 50)) {
            char err[256];
            json_t *c = cs_sock_recv_record(r.pull, NULL, err, sizeof err);
            cr_assert(c);
            seen.received++;
            json_decref(c);
        }
    }
    zpoller_destroy(&p);
    cr_assert_eq(seen.received, 3, "%d calls out with a window of 3", seen.received);
    cr_assert_eq(cs_testproc_stop(&r.fetcher, 10000), 0, "SIGTERM: exit 0");
    char *log = fetcher_log(&r);
    cr_assert(strstr(log, "Interrupted"), "%s", log);
    free(log);
    unlink(path);
    rig_close(&r);
}

/* A pipeline that takes every call at once and acks it 1 s later: 64 a second go through a
   window of 64 with 1 s round trips, so the window must grow past 64 for more. */
Test(fetcher, the_window_grows_past_64_while_the_pipeline_keeps_up, .timeout = 90)
{
    enum { CALLS = 500, HOLD_MS = 1000 };
    rig_t r = {0};
    rig_open(&r);
    char path[] = "/tmp/cs_replay_XXXXXX";
    close(mkstemp(path));
    write_replay(path, CALLS, -1);
    char *args[] = {"--replay", path, "--ack-timeout", "60", NULL};
    start_fetcher(&r, args, NULL);
    json_t *held[CALLS];
    int64_t due[CALLS];
    int received = 0, acked = 0, most_out = 0;
    zpoller_t *p = zpoller_new(r.pull, NULL);
    int64_t deadline = cs_now_ms() + 60000;
    while (acked < CALLS && cs_now_ms() < deadline) {
        if (zpoller_wait(p, 5)) {
            char err[256];
            json_t *c = cs_sock_recv_record(r.pull, NULL, err, sizeof err);
            cr_assert(c, "%s", err);
            cr_assert_lt(received, CALLS, "a call came twice");
            held[received] = c;
            due[received++] = cs_now_ms() + HOLD_MS;
        }
        while (acked < received && due[acked] <= cs_now_ms()) {
            ack(&r, held[acked], "committed");
            json_decref(held[acked++]);
        }
        if (received - acked > most_out)
            most_out = received - acked;
    }
    zpoller_destroy(&p);
    cr_assert_eq(acked, CALLS);
    cr_assert_eq(cs_testproc_stop(&r.fetcher, 10000), 0, "every call acked: exit 0");
    cr_assert_gt(most_out, 100, "at most %d calls were out at once: the window stayed at 64",
                 most_out);
    cr_assert_leq(most_out, 1024, "never past --max-in-flight");
    unlink(path);
    rig_close(&r);
}

Test(fetcher, skips_calls_already_processed, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    /* call 7001 is stored and processed: a new run must not send it */
    cs_db_t *db = cs_testdb_connect(&r.db);
    char mid[CS_UUID_LEN], err[256];
    cs_uuid_message_id(r.ws, "replay", "7001", mid);
    const char *params[] = {mid, r.ws};
    cr_assert_eq(
        cs_db_command(db,
                      "INSERT INTO messages (id, workspace_id, source, external_id, sent_at,"
                      " is_processed) VALUES ($1, $2, 'replay', '7001', now(), true)",
                      2, params, err, sizeof err),
        0, "%s", err);
    cs_db_destroy(&db);
    char path[] = "/tmp/cs_replay_XXXXXX";
    close(mkstemp(path));
    write_replay(path, 3, -1);
    char *args[] = {"--replay", path, NULL};
    start_fetcher(&r, args, NULL);
    seen_t seen = {0};
    int status = serve(&r, NULL, &seen, 30000);
    char *log = fetcher_log(&r);
    cr_assert_eq(status, 0, "%s", log);
    cr_assert_eq(seen.distinct, 2, "%s", log);
    for (int i = 0; i < seen.distinct; i++)
        cr_assert_str_neq(seen.ids[i], "7001");
    free(log);
    seen_free(&seen);
    unlink(path);
    rig_close(&r);
}

Test(fetcher, calls_stored_without_insights_are_sent_again, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    /* 7000 was stored but its extraction failed: the next run tries it again */
    cs_db_t *db = cs_testdb_connect(&r.db);
    char mid[CS_UUID_LEN], err[256];
    cs_uuid_message_id(r.ws, "replay", "7000", mid);
    const char *params[] = {mid, r.ws};
    cr_assert_eq(
        cs_db_command(db,
                      "INSERT INTO messages (id, workspace_id, source, external_id, sent_at,"
                      " is_processed, error) VALUES ($1, $2, 'replay', '7000', now(),"
                      " false, 'LLM down')",
                      2, params, err, sizeof err),
        0, "%s", err);
    cs_db_destroy(&db);
    char path[] = "/tmp/cs_replay_XXXXXX";
    close(mkstemp(path));
    write_replay(path, 1, -1);
    char *args[] = {"--replay", path, NULL};
    start_fetcher(&r, args, NULL);
    seen_t seen = {0};
    int status = serve(&r, NULL, &seen, 30000);
    cr_assert_eq(status, 0);
    cr_assert_eq(seen.distinct, 1);
    cr_assert_str_eq(seen.ids[0], "7000");
    seen_free(&seen);
    unlink(path);
    rig_close(&r);
}

/* Store call `ext` of source `source` as a message, processed or not (as its extraction failed). */
static void store_message(rig_t *r, const char *source, const char *ext, bool processed)
{
    cs_db_t *db = cs_testdb_connect(&r->db);
    char mid[CS_UUID_LEN], err[256];
    cs_uuid_message_id(r->ws, source, ext, mid);
    const char *params[] = {mid, r->ws, source, ext, processed ? "true" : "false"};
    cr_assert_eq(cs_db_command(db,
                               "INSERT INTO messages (id, workspace_id, source, external_id,"
                               " sent_at, is_processed, error) VALUES ($1, $2, $3, $4, now(),"
                               " $5::boolean, CASE WHEN $5::boolean THEN NULL ELSE 'LLM down' END)",
                               5, params, err, sizeof err),
                 0, "%s", err);
    cs_db_destroy(&db);
}

Test(fetcher, reprocess_sends_only_the_calls_stored_unprocessed, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    store_message(&r, "replay", "7000", true);
    store_message(&r, "replay", "7001", false);
    char path[] = "/tmp/cs_replay_XXXXXX";
    close(mkstemp(path));
    write_replay(path, 3, -1); /* 7000 processed, 7001 unprocessed, 7002 never seen */
    char *args[] = {"--replay", path, "--reprocess", NULL};
    start_fetcher(&r, args, NULL);
    seen_t seen = {0};
    int status = serve(&r, NULL, &seen, 30000);
    char *log = fetcher_log(&r);
    cr_assert_eq(status, 0, "%s", log);
    cr_assert_eq(seen.distinct, 1, "%s", log);
    cr_assert_str_eq(seen.ids[0], "7001");
    cr_assert(strstr(log, "Reprocessing: 1 calls are stored unprocessed"), "%s", log);
    free(log);
    seen_free(&seen);
    unlink(path);
    rig_close(&r);
}

Test(fetcher, reprocess_with_nothing_unprocessed_says_so, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    store_message(&r, "replay", "7000", true);
    char path[] = "/tmp/cs_replay_XXXXXX";
    close(mkstemp(path));
    write_replay(path, 2, -1);
    char *args[] = {"--replay", path, "--reprocess", NULL};
    start_fetcher(&r, args, NULL);
    seen_t seen = {0};
    int status = serve(&r, NULL, &seen, 30000);
    char *log = fetcher_log(&r);
    cr_assert_eq(status, 0, "%s", log);
    cr_assert_eq(seen.distinct, 0, "%s", log);
    cr_assert(strstr(log, "No unprocessed calls to send again"), "%s", log);
    free(log);
    unlink(path);
    rig_close(&r);
}

Test(fetcher, nothing_new_says_so, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    char path[] = "/tmp/cs_replay_XXXXXX";
    close(mkstemp(path));
    write_replay(path, 1, 0); /* only a private call */
    char *args[] = {"--replay", path, NULL};
    start_fetcher(&r, args, NULL);
    seen_t seen = {0};
    int status = serve(&r, NULL, &seen, 30000);
    char *log = fetcher_log(&r);
    cr_assert_eq(status, 0, "%s", log);
    cr_assert(strstr(log, "No new calls to ingest"), "%s", log);
    free(log);
    unlink(path);
    rig_close(&r);
}

Test(fetcher, unknown_workspace_and_bad_flags)
{
    char *argv[] = {(char *)cs_testproc_bin("callsift-fetcher"),
                    "--workspace-id",
                    "00000000-0000-4000-8000-000000000000",
                    "--replay",
                    "/dev/null",
                    NULL};
    cs_testdb_t t;
    cs_testdb_create(&t, true);
    char env_db[1100];
    snprintf(env_db, sizeof env_db, "DATABASE_URL=%s", t.url);
    char *env[] = {env_db, NULL};
    cs_testrun_t run = cs_testproc_run(argv, env, NULL, 20000);
    cr_assert_eq(run.status, 1, "%d %s", run.status, run.err);
    cr_assert(strstr(run.err, "no workspace with id"), "%s", run.err);
    cs_testrun_free(&run);

    char *nows[] = {(char *)cs_testproc_bin("callsift-fetcher"), NULL};
    run = cs_testproc_run(nows, env, NULL, 20000);
    cr_assert_eq(run.status, 2);
    cr_assert(strstr(run.err, "--workspace-id"), "%s", run.err);
    cs_testrun_free(&run);
    cs_testdb_drop(&t);
}

/* ---- the Gong path, against the fake Gong server ------------------------------------------ */

static fake_gong_t *gong_with_calls(int n, int private_index)
{
    fake_gong_t *fg = fake_gong_start();
    cr_assert(fg);
    fake_gong_set_credentials(fg, "key-abc", "secret-xyz-123");
    fake_gong_set_page_size(fg, 2);
    for (int i = 0; i < n; i++) {
        json_t *line = gong_call(i, i == private_index, "acme-corp.example");
        json_t *transcript = json_incref(json_object_get(line, "transcript"));
        json_object_del(line, "transcript");
        json_object_set_new(json_object_get(line, "metaData"), "workspaceId", json_string("g1"));
        cr_assert_eq(fake_gong_add_call(fg, line, transcript), 0);
        json_decref(transcript);
        json_decref(line);
    }
    return fg;
}

Test(fetcher_gong, fetches_pages_and_transcripts_records_and_attaches_customers, .timeout = 90)
{
    rig_t r = {0};
    rig_open(&r);
    cs_db_t *db = cs_testdb_connect(&r.db);
    char cid[CS_UUID_LEN], err[256];
    cs_uuid_v4(cid);
    const char *params[] = {cid, r.ws};
    cr_assert_eq(cs_db_command(db,
                               "INSERT INTO customers (id, workspace_id, name, domain, mrr)"
                               " VALUES ($1, $2, 'Acme Corp', 'acme-corp.example', 4200)",
                               2, params, err, sizeof err),
                 0, "%s", err);
    cs_db_destroy(&db);
    fake_gong_t *fg = gong_with_calls(5, 1);
    char base[128], record[] = "/tmp/cs_record_XXXXXX";
    snprintf(base, sizeof base, "--gong-base-url=%s", fake_gong_url(fg));
    close(mkstemp(record));
    char *args[] = {
        base,   "--from", "2025-10-01T00:00:00Z", "--to", "2025-11-01T00:00:00Z", "--record",
        record, NULL};
    char *env[] = {"GONG_ACCESS_KEY=key-abc", "GONG_ACCESS_KEY_SECRET=secret-xyz-123", NULL};
    start_fetcher(&r, args, env);
    seen_t seen = {0};
    int status = serve(&r, NULL, &seen, 60000);
    char *log = fetcher_log(&r);
    cr_assert_eq(status, 0, "exit %d\n%s", status, log);
    cr_assert(strstr(log, "Successfully fetched 5 calls from Gong"), "%s", log);
    cr_assert(strstr(log, "✅ Successfully ingested 4 calls from Gong!"), "%s", log);
    cr_assert_null(strstr(log, "secret-xyz-123"), "a secret reached the log");
    cr_assert_eq(seen.distinct, 4, "%s", log);
    cr_assert_eq(fake_gong_count(fg, "/v2/calls/extensive"), 3, "5 calls, 2 a page");
    /* one batch of 4 ids; the fake pages answers by 2, so the batch's cursor is followed once */
    cr_assert_eq(fake_gong_count(fg, "/v2/calls/transcript"), 2);
    for (size_t i = 0; i < fake_gong_request_count(fg); i++) {
        const fake_gong_request_t *q = fake_gong_request(fg, i);
        if (strcmp(q->path, "/v2/calls/transcript") == 0)
            cr_assert_eq(
                json_array_size(json_object_get(json_object_get(q->body, "filter"), "callIds")), 4);
    }
    const fake_gong_request_t *req = fake_gong_last_request(fg, "/v2/calls/extensive");
    cr_assert_str_eq(json_string_value(
                         json_object_get(json_object_get(req->body, "contentSelector"), "context")),
                     "Extended");
    json_t *c = seen.last[0];
    cr_assert_str_eq(cs_rec_str(c, "source"), "gong");
    cr_assert_str_eq(cs_rec_str(json_object_get(c, "customer"), "name"), "Acme Corp");
    cr_assert_float_eq(cs_rec_num(json_object_get(c, "customer"), "mrr", 0), 4200.0, 0.001);
    json_t *utt = json_array_get(json_object_get(c, "transcript"), 1);
    cr_assert_str_eq(cs_rec_str(utt, "affiliation"), "External");
    cr_assert_str_eq(cs_rec_str(utt, "speaker"), "Yukta");
    free(log);

    /* the recorded stream replays into the same calls */
    FILE *f = fopen(record, "r");
    int lines = 0;
    for (int ch; (ch = fgetc(f)) != EOF;)
        lines += ch == '\n';
    fclose(f);
    cr_assert_eq(lines, 4);
    seen_free(&seen);
    fake_gong_stop(&fg);
    unlink(record);
    rig_close(&r);
}

/* ---- vendor domains ------------------------------------------------------------------------ */

/* Call i of gong_call with two more parties: a Gong user Gong marks Unknown on
   sales.vendor.example, and an Internal person writing from a free-mail address. */
static json_t *gong_call_with_staff(int i)
{
    json_t *c = gong_call(i, false, "acme-corp.example");
    json_t *parties = json_object_get(c, "parties");
    json_array_append_new(parties,
                          json_pack("{s:s, s:s, s:s, s:s, s:s}", "speakerId", "s3", "name", "Pat",
                                    "emailAddress", "Pat@Sales.Vendor.Example", "affiliation",
                                    "Unknown", "userId", "234599484848424"));
    json_array_append_new(parties,
                          json_pack("{s:s, s:s, s:s, s:s}", "speakerId", "s4", "name", "Kim",
                                    "emailAddress", "kim@gmail.com", "affiliation", "Internal"));
    return c;
}

/* Set the workspace's vendor domains to `list` (a PostgreSQL array literal). */
static void set_vendor_domains(rig_t *r, const char *list)
{
    cs_db_t *db = cs_testdb_connect(&r->db);
    char err[256];
    const char *p[] = {r->ws, list};
    cr_assert_eq(cs_db_command(db,
                               "UPDATE workspaces SET vendor_domains = $2::text[] WHERE id = $1", 2,
                               p, err, sizeof err),
                 0, "%s", err);
    cs_db_destroy(&db);
}

/* The workspace's vendor domains as "a,b" (caller frees). */
static char *stored_vendor_domains(rig_t *r)
{
    cs_db_t *db = cs_testdb_connect(&r->db);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT array_to_string(ARRAY(SELECT d FROM unnest(vendor_domains) d ORDER BY d),"
             " ',') FROM workspaces WHERE id = '%s'",
             r->ws);
    char *v = cs_testdb_scalar(db, sql);
    cs_db_destroy(&db);
    return v;
}

/* The vendor_domains of call record c as "a,b". */
static void record_vendor_domains(const json_t *c, char *out, size_t outlen)
{
    out[0] = '\0';
    size_t i;
    const json_t *d;
    json_array_foreach(json_object_get(c, "vendor_domains"), i, d)
    {
        size_t len = strlen(out);
        snprintf(out + len, outlen - len, "%s%s", len ? "," : "", json_string_value(d));
    }
}

/* How many times needle occurs in text. */
static int occurrences(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

Test(fetcher_gong, learns_vendor_domains_from_internal_parties_and_gong_users, .timeout = 90)
{
    rig_t r = {0};
    rig_open(&r);
    set_vendor_domains(&r, "{preset.example}");
    fake_gong_t *fg = fake_gong_start();
    cr_assert(fg);
    fake_gong_set_credentials(fg, "key-abc", "secret-xyz-123");
    for (int i = 0; i < 3; i++) {
        json_t *line = i == 2 ? gong_call_with_staff(i) : gong_call(i, false, "acme-corp.example");
        json_t *transcript = json_incref(json_object_get(line, "transcript"));
        json_object_del(line, "transcript");
        cr_assert_eq(fake_gong_add_call(fg, line, transcript), 0);
        json_decref(transcript);
        json_decref(line);
    }
    char base[128];
    snprintf(base, sizeof base, "--gong-base-url=%s", fake_gong_url(fg));
    char *args[] = {base, "--from", "2025-10-01T00:00:00Z", "--to", "2025-11-01T00:00:00Z", NULL};
    char *env[] = {"GONG_ACCESS_KEY=key-abc", "GONG_ACCESS_KEY_SECRET=secret-xyz-123", NULL};
    start_fetcher(&r, args, env);
    seen_t seen = {0};
    int status = serve(&r, NULL, &seen, 60000);
    char *log = fetcher_log(&r);
    cr_assert_eq(status, 0, "exit %d\n%s", status, log);
    cr_assert_eq(seen.distinct, 3, "%s", log);

    /* Gong's userId is the participant's user_id */
    const json_t *steve = json_array_get(json_object_get(seen.last[0], "participants"), 0);
    cr_expect_str_eq(cs_rec_str(steve, "user_id"), "234599484848423");
    /* the first call carries the domain it teaches; the last one what the third adds */
    char got[256];
    record_vendor_domains(seen.last[0], got, sizeof got);
    cr_expect_str_eq(got, "preset.example,vendor.example", "%s", log);
    record_vendor_domains(seen.last[1], got, sizeof got);
    cr_expect_str_eq(got, "preset.example,vendor.example");
    record_vendor_domains(seen.last[2], got, sizeof got);
    cr_expect_str_eq(got, "preset.example,sales.vendor.example,vendor.example");
    cr_expect_eq(occurrences(log, "Learned vendor domain vendor.example from Gong's Internal "
                                  "participants"),
                 1, "%s", log);
    cr_expect_eq(occurrences(log, "Learned vendor domain sales.vendor.example"), 1, "%s", log);
    cr_expect_null(strstr(log, "gmail.com"), "free mail is never learnt:\n%s", log);
    cr_expect_null(strstr(log, "Learned vendor domain acme-corp.example"), "%s", log);
    char *stored = stored_vendor_domains(&r);
    cr_expect_str_eq(stored, "preset.example,sales.vendor.example,vendor.example");
    free(stored);
    free(log);
    seen_free(&seen);

    fake_gong_stop(&fg);
    rig_close(&r);
}

Test(fetcher, replay_attaches_and_learns_vendor_domains, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    set_vendor_domains(&r, "{helpdeskly.example}");
    char path[] = "/tmp/cs_replay_XXXXXX";
    close(mkstemp(path));
    FILE *f = fopen(path, "w");
    cr_assert(f);
    for (int i = 0; i < 2; i++) {
        json_t *c = i == 1 ? gong_call_with_staff(i) : gong_call(i, false, "acme-corp.example");
        json_object_del(json_array_get(json_object_get(c, "parties"), 0), "userId");
        char *line = json_dumps(c, JSON_COMPACT);
        fprintf(f, "%s\n", line);
        free(line);
        json_decref(c);
    }
    fclose(f);
    char *args[] = {"--replay", path, NULL};
    start_fetcher(&r, args, NULL);
    seen_t seen = {0};
    int status = serve(&r, NULL, &seen, 30000);
    char *log = fetcher_log(&r);
    cr_assert_eq(status, 0, "exit %d\n%s", status, log);
    cr_assert_eq(seen.distinct, 2, "%s", log);
    char got[256];
    record_vendor_domains(seen.last[0], got, sizeof got);
    cr_expect_str_eq(got, "helpdeskly.example,vendor.example", "Internal without a userId");
    record_vendor_domains(seen.last[1], got, sizeof got);
    cr_expect_str_eq(got, "helpdeskly.example,sales.vendor.example,vendor.example");
    char *stored = stored_vendor_domains(&r);
    cr_expect_str_eq(stored, "helpdeskly.example,sales.vendor.example,vendor.example");
    free(stored);
    free(log);
    seen_free(&seen);

    unlink(path);
    rig_close(&r);
}

/* Domains already stored are not learnt again, and every record carries the stored list. */
Test(fetcher, known_vendor_domains_are_sent_and_not_learnt_again, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    set_vendor_domains(&r, "{vendor.example,x.example}");
    char path[] = "/tmp/cs_replay_XXXXXX";
    close(mkstemp(path));
    write_replay(path, 2, -1);
    char *args[] = {"--replay", path, NULL};
    start_fetcher(&r, args, NULL);
    seen_t seen = {0};
    int status = serve(&r, NULL, &seen, 30000);
    char *log = fetcher_log(&r);
    cr_assert_eq(status, 0, "exit %d\n%s", status, log);
    cr_assert_eq(seen.distinct, 2, "%s", log);
    char got[256];
    for (int i = 0; i < 2; i++) {
        record_vendor_domains(seen.last[i], got, sizeof got);
        cr_expect_str_eq(got, "vendor.example,x.example");
    }
    cr_expect_null(strstr(log, "Learned vendor domain"), "%s", log);
    char *stored = stored_vendor_domains(&r);
    cr_expect_str_eq(stored, "vendor.example,x.example");
    free(stored);
    free(log);
    seen_free(&seen);
    unlink(path);
    rig_close(&r);
}

Test(fetcher_gong, limit_stops_listing, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    fake_gong_t *fg = gong_with_calls(7, -1);
    char base[128];
    snprintf(base, sizeof base, "--gong-base-url=%s", fake_gong_url(fg));
    char *args[] = {base,      "--from", "2025-10-01T00:00:00Z",  "--to", "2025-11-01T00:00:00Z",
                    "--limit", "3",      "--no-extract-features", NULL};
    char *env[] = {"GONG_ACCESS_KEY=key-abc", "GONG_ACCESS_KEY_SECRET=secret-xyz-123", NULL};
    start_fetcher(&r, args, env);
    seen_t seen = {0};
    int status = serve(&r, NULL, &seen, 30000);
    char *log = fetcher_log(&r);
    cr_assert_eq(status, 0, "%s", log);
    cr_assert_eq(seen.distinct, 3, "%s", log);
    cr_assert_eq(fake_gong_count(fg, "/v2/calls/extensive"), 2, "no page past the limit");
    cr_assert(json_is_false(json_object_get(json_object_get(seen.last[0], "flags"), "extract")));
    free(log);
    seen_free(&seen);
    fake_gong_stop(&fg);
    rig_close(&r);
}

Test(fetcher_gong, bad_credentials_fail_fast_naming_the_variables, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    fake_gong_t *fg = gong_with_calls(2, -1);
    char base[128];
    snprintf(base, sizeof base, "--gong-base-url=%s", fake_gong_url(fg));
    char *args[] = {base, NULL};
    char *env[] = {"GONG_ACCESS_KEY=key-abc", "GONG_ACCESS_KEY_SECRET=wrong-secret-999", NULL};
    start_fetcher(&r, args, env);
    seen_t seen = {0};
    int status = serve(&r, NULL, &seen, 30000);
    char *log = fetcher_log(&r);
    cr_assert_eq(status, 1, "exit %d\n%s", status, log);
    cr_assert(strstr(log, "GONG_ACCESS_KEY"), "%s", log);
    cr_assert_null(strstr(log, "wrong-secret-999"), "%s", log);
    cr_assert_eq(fake_gong_request_count(fg), 1, "a 401 is not retried");
    cr_assert_eq(seen.received, 0);
    free(log);
    fake_gong_stop(&fg);
    rig_close(&r);
}

Test(fetcher_gong, no_credentials_is_a_clear_error, .timeout = 30)
{
    rig_t r = {0};
    rig_open(&r);
    char *args[] = {"--gong-base-url=http://127.0.0.1:1", NULL};
    start_fetcher(&r, args, NULL);
    seen_t seen = {0};
    int status = serve(&r, NULL, &seen, 20000);
    char *log = fetcher_log(&r);
    cr_assert_neq(status, 0, "%s", log);
    cr_assert(strstr(log, "GONG_ACCESS_KEY"), "%s", log);
    free(log);
    rig_close(&r);
}

Test(fetcher_gong, interval_polls_for_new_calls_until_sigterm, .timeout = 90)
{
    rig_t r = {0};
    rig_open(&r);
    fake_gong_t *fg = gong_with_calls(2, -1);
    char base[128];
    snprintf(base, sizeof base, "--gong-base-url=%s", fake_gong_url(fg));
    char *args[] = {
        base, "--from", "2025-10-01T00:00:00Z", "--to", "2025-11-01T00:00:00Z", "--interval",
        "1",  NULL};
    char *env[] = {"GONG_ACCESS_KEY=key-abc", "GONG_ACCESS_KEY_SECRET=secret-xyz-123", NULL};
    start_fetcher(&r, args, env);
    seen_t seen = {0};
    /* serve for 4 s: the first poll sends 2 calls; later polls find nothing new */
    cr_assert_eq(serve_for(&r, NULL, &seen, 4000, true), -2, "--interval must keep running");
    cr_assert_eq(seen.distinct, 2);
    cr_assert_eq(seen.received, 2, "a later poll sent an acked call again");
    cr_assert_geq(fake_gong_count(fg, "/v2/calls/extensive"), 2, "no second poll");
    /* a new call appears in Gong: the next poll sends it */
    json_t *line = gong_call(9, false, "acme-corp.example");
    json_t *transcript = json_incref(json_object_get(line, "transcript"));
    json_object_del(line, "transcript");
    cr_assert_eq(fake_gong_add_call(fg, line, transcript), 0);
    json_decref(line);
    json_decref(transcript);
    serve_for(&r, NULL, &seen, 4000, true);
    cr_assert_eq(seen.distinct, 3);
    cr_assert_str_eq(seen.ids[2], "7009");
    int status = cs_testproc_stop(&r.fetcher, 10000);
    char *log = fetcher_log(&r);
    cr_assert_eq(status, 0, "SIGTERM must exit 0, got %d\n%s", status, log);
    cr_assert(strstr(log, "Next poll of Gong in 1 seconds"), "%s", log);
    free(log);
    seen_free(&seen);
    fake_gong_stop(&fg);
    rig_close(&r);
}

Test(fetcher_gong, reprocess_asks_gong_for_the_unprocessed_calls_by_id, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    store_message(&r, "gong", "7002", false);
    store_message(&r, "gong", "7003", true);
    fake_gong_t *fg = gong_with_calls(5, -1);
    char base[128];
    snprintf(base, sizeof base, "--gong-base-url=%s", fake_gong_url(fg));
    char *args[] = {base, "--reprocess", NULL}; /* no window: the ids decide */
    char *env[] = {"GONG_ACCESS_KEY=key-abc", "GONG_ACCESS_KEY_SECRET=secret-xyz-123", NULL};
    start_fetcher(&r, args, env);
    seen_t seen = {0};
    int status = serve(&r, NULL, &seen, 30000);
    char *log = fetcher_log(&r);
    cr_assert_eq(status, 0, "exit %d\n%s", status, log);
    cr_assert_eq(seen.distinct, 1, "%s", log);
    cr_assert_str_eq(seen.ids[0], "7002");
    const fake_gong_request_t *req = fake_gong_last_request(fg, "/v2/calls/extensive");
    const json_t *filter = json_object_get(req->body, "filter");
    cr_assert_eq(json_array_size(json_object_get(filter, "callIds")), 1);
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(filter, "callIds"), 0)),
                     "7002");
    cr_assert_null(json_object_get(filter, "fromDateTime"), "by id, whatever the dates");
    free(log);
    seen_free(&seen);
    fake_gong_stop(&fg);
    rig_close(&r);
}

/* ---- dates as people type them ------------------------------------------------------------ */

static const char *filter_str(const fake_gong_request_t *req, const char *key)
{
    return json_string_value(json_object_get(json_object_get(req->body, "filter"), key));
}

/* Run the fetcher over Gong's window of `dates` (--from and --to, NULL-terminated), in a
   workspace whose time zone is `zone` (NULL: the default), with one call started at `started`
   in the fake Gong; the fetcher must end with status 0 having sent that one call. The
   fromDateTime and toDateTime it asked Gong for go to from and to, its log to *log (free). */
static void window_asked(const char *zone, const char *started, char **dates, char *from, char *to,
                         char **log)
{
    rig_t r = {0};
    rig_open(&r);
    if (zone) {
        cs_db_t *db = cs_testdb_connect(&r.db);
        const char *p[] = {r.ws, zone};
        char err[256];
        cr_assert_eq(cs_db_command(db, "UPDATE workspaces SET time_zone = $2 WHERE id = $1", 2, p,
                                   err, sizeof err),
                     0, "%s", err);
        cs_db_destroy(&db);
    }
    fake_gong_t *fg = gong_with_calls(0, -1);
    json_t *line = gong_call(1, false, "acme-corp.example");
    json_t *transcript = json_incref(json_object_get(line, "transcript"));
    json_object_del(line, "transcript");
    json_object_set_new(json_object_get(line, "metaData"), "started", json_string(started));
    cr_assert_eq(fake_gong_add_call(fg, line, transcript), 0);
    json_decref(line);
    json_decref(transcript);
    char base[128];
    snprintf(base, sizeof base, "--gong-base-url=%s", fake_gong_url(fg));
    char *args[8] = {base};
    for (int i = 0; dates[i] && i < 6; i++)
        args[i + 1] = dates[i];
    char *env[] = {"GONG_ACCESS_KEY=key-abc", "GONG_ACCESS_KEY_SECRET=secret-xyz-123", NULL};
    start_fetcher(&r, args, env);
    seen_t seen = {0};
    int status = serve(&r, NULL, &seen, 30000);
    *log = fetcher_log(&r);
    cr_assert_eq(status, 0, "exit %d\n%s", status, *log);
    cr_assert_eq(seen.distinct, 1, "%s", *log);
    const fake_gong_request_t *req = fake_gong_last_request(fg, "/v2/calls/extensive");
    snprintf(from, CS_TIME_LEN, "%s", filter_str(req, "fromDateTime"));
    snprintf(to, CS_TIME_LEN, "%s", filter_str(req, "toDateTime"));
    seen_free(&seen);
    fake_gong_stop(&fg);
    rig_close(&r);
}

Test(fetcher_gong, from_as_a_date_alone_is_sent_as_gongs_date_time, .timeout = 60)
{
    /* the README's own example, and a local time with an offset */
    char from[CS_TIME_LEN], to[CS_TIME_LEN], *log;
    window_asked(NULL, "2026-01-15T10:00:00Z",
                 (char *[]){"--from", "2026-01-01", "--to", "2026-02-01 05:30+05:30", NULL}, from,
                 to, &log);
    cr_assert_str_eq(from, "2026-01-01T00:00:00Z");
    cr_assert_str_eq(to, "2026-02-01T00:00:00Z");
    free(log);
}

/* In a workspace in Asia/Kolkata (UTC+05:30), a date typed without an offset is that day in
   Kolkata; one with an offset keeps it. The call at 2026-01-01T20:00:00Z is 01:30 on 2026-01-02
   in Kolkata, so it is in the window. */
Test(fetcher_gong, dates_without_an_offset_are_in_the_workspaces_time_zone, .timeout = 60)
{
    char from[CS_TIME_LEN], to[CS_TIME_LEN], *log;
    window_asked("Asia/Kolkata", "2026-01-01T20:00:00Z",
                 (char *[]){"--from", "2026-01-02", "--to", "2026-01-03T06:00Z", NULL}, from, to,
                 &log);
    cr_assert_str_eq(from, "2026-01-01T18:30:00Z");
    cr_assert_str_eq(to, "2026-01-03T06:00:00Z");
    cr_expect(strstr(log, "2026-01-01T18:30:00Z to 2026-01-03T06:00:00Z") &&
                  strstr(log, "Asia/Kolkata"),
              "the window and its zone are logged: %s", log);
    free(log);
}

/* Run the fetcher to completion with a database it can never reach: a usage error must come
   first, and no request must reach Gong. */
static void expect_usage_error(char **dates, const char *needle)
{
    fake_gong_t *fg = gong_with_calls(1, -1);
    char base[128];
    snprintf(base, sizeof base, "--gong-base-url=%s", fake_gong_url(fg));
    char *argv[16] = {(char *)cs_testproc_bin("callsift-fetcher"), "--workspace-id",
                      "00000000-0000-4000-8000-000000000000", base};
    int n = 4;
    for (int i = 0; dates[i]; i++)
        argv[n++] = dates[i];
    argv[n] = NULL;
    char *env[] = {"DATABASE_URL=postgresql://nobody@127.0.0.1:1/none", "GONG_ACCESS_KEY=key-abc",
                   "GONG_ACCESS_KEY_SECRET=secret-xyz-123", NULL};
    cs_testrun_t run = cs_testproc_run(argv, env, NULL, 20000);
    cr_assert_eq(run.status, 2, "%s: exit %d\n%s", dates[1], run.status, run.err);
    cr_assert(strstr(run.err, needle), "expected \"%s\" in:\n%s", needle, run.err);
    if (strstr(needle, "--from:") || strstr(needle, "--to:"))
        cr_assert(strstr(run.err, "+05:30"), "the accepted forms are named:\n%s", run.err);
    int lines = 0;
    for (const char *c = run.err; *c; c++)
        lines += *c == '\n';
    cr_assert_eq(lines, 1, "one line:\n%s", run.err);
    cr_assert_eq(fake_gong_request_count(fg), 0, "Gong was asked");
    cs_testrun_free(&run);
    fake_gong_stop(&fg);
}

Test(fetcher_gong, unreadable_or_impossible_dates_and_empty_windows_are_usage_errors, .timeout = 60)
{
    expect_usage_error((char *[]){"--from", "2026-02-30", NULL}, "--from: \"2026-02-30\"");
    expect_usage_error((char *[]){"--from", "last tuesday", NULL}, "--from:");
    expect_usage_error((char *[]){"--to", "2026-01-01T25:00", NULL}, "--to:");
    expect_usage_error((char *[]){"--from", "2026-01-02", "--to", "2026-01-01", NULL},
                       "--to 2026-01-01T00:00:00Z is not after --from 2026-01-02T00:00:00Z");
    expect_usage_error((char *[]){"--to", "2020-01-01", NULL},
                       "is not after the start of the window");
}

/* ---- honest outcomes ----------------------------------------------------------------------- */

/* Run the replay of n calls against the fake writer's `policy`; returns the exit status and
   the log (caller frees). */
static int run_replay(rig_t *r, int n, policy_fn policy, char **extra, seen_t *seen, char **log)
{
    char path[] = "/tmp/cs_replay_XXXXXX";
    close(mkstemp(path));
    write_replay(path, n, -1);
    char *args[16] = {"--replay", path};
    int k = 2;
    for (int i = 0; extra && extra[i]; i++)
        args[k++] = extra[i];
    args[k] = NULL;
    start_fetcher(r, args, NULL);
    int status = serve(r, policy, seen, 30000);
    *log = fetcher_log(r);
    unlink(path);
    return status;
}

static const char *forge(const json_t *call, int delivery)
{
    (void)call;
    (void)delivery;
    return ACK_FORGED;
}

Test(fetcher, forged_acks_of_another_source_store_nothing, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    seen_t seen = {0};
    char *log = NULL;
    char *extra[] = {"--ack-timeout", "1", "--max-attempts", "1", NULL};
    int status = run_replay(&r, 5, forge, extra, &seen, &log);
    cr_assert_eq(status, 1, "exit %d\n%s", status, log);
    cr_assert_eq(seen.distinct, 5, "%s", log);
    cr_assert_null(strstr(log, "✅"), "%s", log);
    cr_assert_null(strstr(log, "Successfully ingested 5 calls"), "%s", log);
    cr_assert(strstr(log, "5 calls failed"), "%s", log);
    cr_assert(strstr(log, "5 acks matched no call this run sent"), "%s", log);
    cr_assert(strstr(log, "Ignored 1 ack that matches no call this run sent (last: call 7000, "
                          "source gong: another source)"),
              "one warning, then at most one per 10 s:\n%s", log);
    free(log);
    seen_free(&seen);
    rig_close(&r);
}

static const char *unprocessed_7001(const json_t *call, int delivery)
{
    (void)delivery;
    return strcmp(cs_rec_str(call, "external_id"), "7001") == 0 ? "committed" : ACK_UNPROCESSED;
}

Test(fetcher, calls_stored_without_insights_are_a_warning_and_exit_3, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    seen_t seen = {0};
    char *log = NULL;
    int status = run_replay(&r, 3, unprocessed_7001, NULL, &seen, &log);
    cr_assert_eq(status, 3, "exit %d\n%s", status, log);
    cr_assert_null(strstr(log, "✅"), "no success mark when calls lack insights:\n%s", log);
    char want[512];
    snprintf(want, sizeof want,
             "WARNING - 2 of 3 calls were stored WITHOUT insights: their extraction failed. Main "
             "cause: llm_unreachable (2 calls, e.g. \"LLM unreachable after 3 attempts: "
             "connection refused\"). Once it is fixed, send them again with: callsift-fetcher "
             "--workspace-id %s --reprocess --replay ",
             r.ws);
    cr_assert(strstr(log, want), "expected\n%s\nin\n%s", want, log);
    free(log);
    seen_free(&seen);
    rig_close(&r);
}

static const char *as_asked(const json_t *call, int delivery)
{
    (void)call;
    (void)delivery;
    return ACK_AS_ASKED;
}

Test(fetcher, stored_without_extraction_as_asked_is_success, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    seen_t seen = {0};
    char *log = NULL;
    char *extra[] = {"--no-extract-features", NULL};
    int status = run_replay(&r, 2, as_asked, extra, &seen, &log);
    cr_assert_eq(status, 0, "exit %d\n%s", status, log);
    cr_assert(strstr(log, "2 calls were stored without extraction, as asked"), "%s", log);
    cr_assert_null(strstr(log, "WITHOUT insights"), "%s", log);
    free(log);
    seen_free(&seen);
    rig_close(&r);
}

static const char *never(const json_t *call, int delivery)
{
    (void)call;
    (void)delivery;
    return NULL;
}

Test(fetcher, a_stuck_pipeline_is_named_on_the_console, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    char path[] = "/tmp/cs_replay_XXXXXX";
    close(mkstemp(path));
    write_replay(path, 4, -1);
    char *args[] = {
        "--replay", path, "--ack-timeout", "60", "--max-in-flight", "2", "--stall-warning",
        "1",        NULL};
    start_fetcher(&r, args, NULL);
    seen_t seen = {0};
    cr_assert_eq(serve_for(&r, never, &seen, 3500, true), -2, "it waits for acks");
    cr_assert_eq(cs_testproc_stop(&r.fetcher, 10000), 0);
    char *log = fetcher_log(&r);
    cr_assert(strstr(log, "WARNING - The pipeline looks stuck: no ack for 1 s with 2 calls in "
                          "flight and 2 waiting; an extractor took the last call"),
              "%s", log);
    cr_assert(strstr(log, "no ack has come yet in this run. Check the extractor's, matcher's and "
                          "writer's logs and their /healthz"),
              "%s", log);
    int warnings = 0;
    for (const char *p = log; (p = strstr(p, "looks stuck")) != NULL; p++)
        warnings++;
    cr_assert(warnings >= 2 && warnings <= 4, "one per period, got %d:\n%s", warnings, log);
    free(log);
    seen_free(&seen);
    unlink(path);
    rig_close(&r);
}

Test(fetcher, progress_names_the_total_of_a_replay_file, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    seen_t seen = {0};
    char *log = NULL;
    int status = run_replay(&r, 5, NULL, NULL, &seen, &log);
    cr_assert_eq(status, 0, "%s", log);
    cr_assert(strstr(log, "of 5 done ("), "%s", log);
    free(log);
    seen_free(&seen);
    rig_close(&r);
}

/* Replay `text` as the file; returns the exit status, the log in *log (caller frees). */
static int replay_text(rig_t *r, const char *text, seen_t *seen, char **log, char *path_out)
{
    char path[] = "/tmp/cs_replay_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    strcpy(path_out, path);
    char *args[] = {"--replay", path, NULL};
    start_fetcher(r, args, NULL);
    int status = serve(r, NULL, seen, 30000);
    *log = fetcher_log(r);
    unlink(path);
    return status;
}

static char *call_line(int i)
{
    json_t *c = gong_call(i, false, "acme-corp.example");
    char *line = json_dumps(c, JSON_COMPACT);
    json_decref(c);
    return line;
}

Test(fetcher, unreadable_replay_lines_are_counted_and_fail_the_run_after_the_rest, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    char *a = call_line(0), *b = call_line(1), *c = call_line(2);
    char text[8192];
    /* line 2 is not JSON; the last line is cut short */
    snprintf(text, sizeof text, "%s\nnot json\n%s\n%.40s", a, b, c);
    seen_t seen = {0};
    char *log = NULL, path[64];
    int status = replay_text(&r, text, &seen, &log, path);
    cr_assert_eq(status, 1, "exit %d\n%s", status, log);
    cr_assert_eq(seen.distinct, 2, "the readable calls are still sent:\n%s", log);
    cr_assert(strstr(log, "Successfully ingested 2 calls to database"), "%s", log);
    char want[256];
    snprintf(want, sizeof want, "%s:4: the last line is cut short", path);
    cr_assert(strstr(log, want), "%s", log);
    cr_assert(strstr(log, "2 lines of the replay file could not be read"), "%s", log);
    cr_assert_null(strstr(log, "✅"), "%s", log);
    free(a);
    free(b);
    free(c);
    free(log);
    seen_free(&seen);
    rig_close(&r);
}

Test(fetcher, a_pretty_printed_json_file_is_one_error_line, .timeout = 60)
{
    rig_t r = {0};
    rig_open(&r);
    json_t *all = json_array();
    for (int i = 0; i < 3; i++)
        json_array_append_new(all, gong_call(i, false, "acme-corp.example"));
    char *text = json_dumps(all, JSON_INDENT(2));
    json_decref(all);
    long lines = 1;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    seen_t seen = {0};
    char *log = NULL, path[64];
    int status = replay_text(&r, text, &seen, &log, path);
    cr_assert_eq(status, 1, "exit %d\n%s", status, log);
    cr_assert_eq(seen.distinct, 0);
    char want[256];
    snprintf(want, sizeof want,
             "ERROR - %s is one JSON document spread over %ld lines, not JSON Lines: write one "
             "call per line, e.g. with jq -c '.[]'",
             path, lines);
    cr_assert(strstr(log, want), "expected\n%s\nin\n%s", want, log);
    cr_assert_null(strstr(log, "Skipped a replay line"), "no warning per line:\n%s", log);
    free(text);
    free(log);
    rig_close(&r);
}
