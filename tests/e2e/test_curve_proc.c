/* CURVE on the pipeline (issue 7), tested as processes: certificates made by the real
   `callsift keys generate`, the four real stages started with the flags it prints, offline,
   on endpoints of their own, into a database of the test's own.

     keys_generate_writes_the_layout_and_refuses_to_overwrite: the files, their modes, the
       flags printed, no secret printed; a second run refuses, --force replaces.
     authorised_pipeline_runs_and_rogues_get_nothing_in: the fetcher replays six sample calls
       through writer, matcher and extractor with CURVE, and every call is stored; meanwhile
       (a) a rogue with a certificate of its own that is not in allowed/, and a plain TCP peer,
       PUSH well-formed extraction records into the matcher's extractions endpoint, (b) the
       rogue connects a PULL to the matcher's decisions endpoint to take decisions away, and
       (c) the rogue binds a CURVE server with its own certificate where a second writer
       (configured like the first) connects for decisions. None of it gets in: the database
       holds the six calls and the one extraction an allowed client sent by hand (the control
       that shows the rogues' records would have been accepted), the rogue PULL receives
       nothing, the rogue server never hands a record to the writer; no log holds a secret key.
     partial_curve_flags_exit_2_with_the_reason: each stage, started with an incomplete or
       wrong --curve-* set, exits 2 and says which option is missing or wrong.
     help_shows_no_key_material: --help of each stage, with the CALLSIFT_CURVE_* variables set,
       lists the options and prints no key. */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "cs_db.h"
#include "cs_record.h"
#include "cs_sock.h"
#include "cs_testdata.h"
#include "cs_testdb.h"
#include "cs_testproc.h"
#include "cs_util.h"
#include "cs_uuid.h"

#define READY_MS     30000
#define FETCHER_MS   90000
#define STOP_MS      10000
#define REPLAY_CALLS 6 /* the first six sample calls: none of them private */
#define ROGUE_SENDS  8 /* records each rogue sends */
#define SAMPLE_CALLS "/samples/calls.jsonl"
#define DUMMY_DB_URL "DATABASE_URL=postgresql://nobody@127.0.0.1:1/none"
#define BOGUS_WS     "647ab033-6d10-4a35-9ace-0399052ec874"
#define CURVE_ENV_OFF                                                                              \
    "CALLSIFT_CURVE_SECRET_KEY=", "CALLSIFT_CURVE_SERVER_KEY=", "CALLSIFT_CURVE_ALLOWED="

static char keys[64]; /* the certificates' directory */
static char server_secret[128], server_pub[128], extractor_secret[128], extractor_pub[128];
static char allowed[128], rogue_secret[128], rogue_pub[128];

static void setup(void)
{
    cs_strlcpy(keys, "/tmp/cs_test_curve_proc.XXXXXX", sizeof keys);
    cr_assert(mkdtemp(keys), "mkdtemp: %s", strerror(errno));
    snprintf(server_secret, sizeof server_secret, "%s/server_secret", keys);
    snprintf(server_pub, sizeof server_pub, "%s/server", keys);
    snprintf(extractor_secret, sizeof extractor_secret, "%s/extractor_secret", keys);
    snprintf(extractor_pub, sizeof extractor_pub, "%s/extractor", keys);
    snprintf(allowed, sizeof allowed, "%s/allowed", keys);
    snprintf(rogue_pub, sizeof rogue_pub, "%s/rogue/rogue", keys);
    snprintf(rogue_secret, sizeof rogue_secret, "%s/rogue/rogue_secret", keys);
}

static void teardown(void)
{
    zdir_t *d = zdir_new(keys, NULL);
    if (d)
        zdir_remove(d, true);
    zdir_destroy(&d);
}

TestSuite(curve_proc, .init = setup, .fini = teardown, .timeout = 240);

/* ---- helpers ------------------------------------------------------------------------------ */

/* `callsift keys generate DIR [extra]`: its run (caller frees). */
static cs_testrun_t keys_generate(const char *extra)
{
    char *argv[] = {
        (char *)cs_testproc_bin("callsift"), "keys", "generate", keys, (char *)extra, NULL};
    return cs_testproc_run(argv, NULL, NULL, 30000);
}

/* The certificates of `callsift keys generate`, and a rogue's of its own (not in allowed/). */
static void make_keys(void)
{
    cs_testrun_t run = keys_generate(NULL);
    cr_assert_eq(run.status, 0, "keys generate: %d: %s", run.status, run.err);
    cs_testrun_free(&run);
    char rogue_dir[128];
    snprintf(rogue_dir, sizeof rogue_dir, "%s/rogue", keys);
    cr_assert_eq(mkdir(rogue_dir, 0700), 0);
    zcert_t *rogue = zcert_new();
    cr_assert_eq(zcert_save(rogue, rogue_pub), 0);
    zcert_destroy(&rogue);
}

static zcert_t *load(const char *path)
{
    zcert_t *cert = zcert_load(path);
    cr_assert(cert, "cannot load certificate %s", path);
    return cert;
}

/* The secret key (Z85) of the certificate at path, into out (41 bytes). */
static void secret_of(const char *path, char *out)
{
    zcert_t *cert = load(path);
    cs_strlcpy(out, zcert_secret_txt(cert), 41);
    zcert_destroy(&cert);
}

static bool has(const char *haystack, const char *needle)
{
    return haystack && strstr(haystack, needle) != NULL;
}

/* A socket made by hand as a peer would: type, certificate `secret` (NULL: plain TCP) and the
   server key of `server` (NULL: a CURVE server instead), bound or connected to ep. */
static zsock_t *peer(int type, const char *secret, const char *server, const char *ep, bool bind)
{
    zsock_t *s = zsock_new(type);
    cr_assert(s);
    zsock_set_linger(s, 0);
    zsock_set_sndtimeo(s, 0);
    if (secret) {
        zcert_t *own = load(secret);
        zcert_apply(own, s);
        zcert_destroy(&own);
        if (server) {
            zcert_t *srv = load(server);
            zsock_set_curve_serverkey(s, zcert_public_txt(srv));
            zcert_destroy(&srv);
        } else {
            zsock_set_curve_server(s, 1);
        }
    }
    int rc = bind ? zsock_bind(s, "%s", ep) : zsock_connect(s, "%s", ep);
    cr_assert_neq(rc, -1, "%s %s: %s", bind ? "bind" : "connect", ep, zmq_strerror(errno));
    return s;
}

/* An extraction record of call external_id in workspace ws, valid as the matcher takes it,
   asking for one feature. New reference. */
static json_t *extraction(const char *ws, const char *external_id)
{
    json_t *rec = cs_testdata_call(ws, external_id, "2025-10-20T10:00:00Z", "Acme", "acme.com");
    json_object_set_new(rec, "kind", json_string("extraction"));
    json_t *requests = json_array();
    json_array_append_new(requests,
                          json_pack("{s:s, s:s, s:s, s:s, s:s}", "title", "Export to spreadsheets",
                                    "description", "Export any report as a spreadsheet", "urgency",
                                    "high", "theme", "Uncategorized", "quote",
                                    "We need an export to spreadsheets."));
    json_object_set_new(rec, "insights",
                        json_pack("{s:o, s:[], s:[], s:{s:s, s:i}, s:s}", "feature_requests",
                                  requests, "bug_reports", "pain_points", "sentiment", "overall",
                                  "neutral", "score", 0, "summary", "Acme asked for an export."));
    json_object_set_new(rec, "llm", json_pack("{s:s}", "provider", "offline"));
    char err[256];
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), 0, "test extraction invalid: %s", err);
    return rec;
}

/* Send rec on a hand-made socket without waiting: 0 when libzmq took it, -1 (EAGAIN) when no
   connection could take it. */
static int offer(zsock_t *s, const json_t *rec)
{
    char *buf = NULL;
    size_t len = 0;
    char err[256];
    cr_assert_eq(cs_record_encode(rec, &buf, &len, err, sizeof err), 0, "%s", err);
    int rc = zmq_send(zsock_resolve(s), buf, len, ZMQ_DONTWAIT);
    free(buf);
    return rc < 0 ? -1 : 0;
}

/* A replay file of the first REPLAY_CALLS sample calls, in dir; their Gong ids in ids. */
static void replay_file(char *path, size_t pathlen, char ids[][32])
{
    char sample[512];
    snprintf(sample, sizeof sample, "%s%s", CS_TEST_SOURCE_DIR, SAMPLE_CALLS);
    FILE *in = fopen(sample, "r");
    cr_assert(in, "cannot read %s", sample);
    snprintf(path, pathlen, "%s/replay.jsonl", keys);
    FILE *out = fopen(path, "w");
    cr_assert(out);
    char *line = NULL;
    size_t cap = 0;
    for (int i = 0; i < REPLAY_CALLS; i++) {
        cr_assert_gt(getline(&line, &cap, in), 0, "%s is short", sample);
        json_error_t jerr;
        json_t *call = json_loads(line, 0, &jerr);
        cr_assert(call, "%s: %s", sample, jerr.text);
        json_t *meta = json_object_get(call, "metaData");
        cr_assert(!json_is_true(json_object_get(meta, "isPrivate")), "sample %d is private", i);
        cs_strlcpy(ids[i], json_string_value(json_object_get(meta, "id")), 32);
        json_decref(call);
        fputs(line, out);
    }
    free(line);
    fclose(in);
    cr_assert_eq(fclose(out), 0);
}

/* ---- keys generate ------------------------------------------------------------------------ */

Test(curve_proc, keys_generate_writes_the_layout_and_refuses_to_overwrite)
{
    cs_testrun_t run = keys_generate(NULL);
    cr_assert_eq(run.status, 0, "status %d: %s", run.status, run.err);
    const char *const files[] = {server_pub, server_secret, extractor_pub, extractor_secret};
    for (size_t i = 0; i < CS_ARRAY_LEN(files); i++) {
        struct stat st;
        cr_assert_eq(stat(files[i], &st), 0, "%s missing", files[i]);
        if (i % 2)
            cr_assert_eq(st.st_mode & 0777, 0600, "%s has mode %o", files[i], st.st_mode & 0777);
    }
    char path[160];
    snprintf(path, sizeof path, "%s/server", allowed);
    zcert_t *a = load(path), *b = load(server_pub);
    cr_assert_str_eq(zcert_public_txt(a), zcert_public_txt(b));
    zcert_destroy(&a);
    zcert_destroy(&b);
    snprintf(path, sizeof path, "%s/extractor", allowed);
    a = load(path);
    b = load(extractor_pub);
    cr_assert_str_eq(zcert_public_txt(a), zcert_public_txt(b));
    zcert_destroy(&a);
    zcert_destroy(&b);

    char server_key[41], extractor_key[41], flags[512];
    secret_of(server_secret, server_key);
    secret_of(extractor_secret, extractor_key);
    cr_assert(!has(run.out, server_key) && !has(run.out, extractor_key), "a secret printed");
    snprintf(flags, sizeof flags, "callsift-extractor  --curve-secret-key %s --curve-server-key %s",
             extractor_secret, server_pub);
    cr_assert(has(run.out, flags), "%s", run.out);
    snprintf(flags, sizeof flags, "callsift-matcher    --curve-secret-key %s --curve-allowed %s",
             server_secret, allowed);
    cr_assert(has(run.out, flags), "%s", run.out);
    cs_testrun_free(&run);

    run = keys_generate(NULL);
    cr_assert_eq(run.status, 1, "a second run overwrote: %d %s", run.status, run.out);
    cr_assert(has(run.err, "refusing to overwrite") && has(run.err, "--force"), "%s", run.err);
    cs_testrun_free(&run);
    char again[41];
    secret_of(server_secret, again);
    cr_assert_str_eq(again, server_key, "the refused run changed the certificate");

    run = keys_generate("--force");
    cr_assert_eq(run.status, 0, "--force: %d %s", run.status, run.err);
    cs_testrun_free(&run);
    secret_of(server_secret, again);
    cr_assert_str_neq(again, server_key, "--force kept the old certificate");
}

/* ---- the pipeline ------------------------------------------------------------------------- */

typedef struct {
    cs_testdb_t db;
    char ws[CS_UUID_LEN];
    char env_db[1100];
    char calls[64], extractions[64], decisions[64], acks[64], rogue_ep[64], acks2[64];
    cs_testproc_t writer, writer2, matcher, extractor, fetcher;
} rig_t;

/* A free endpoint that none of the rig's others is. */
static void free_endpoint(rig_t *r, char *out)
{
    const char *all[] = {r->calls, r->extractions, r->decisions, r->acks, r->rogue_ep, r->acks2};
    for (bool taken = true; taken;) {
        cs_testproc_free_endpoint(out, 64);
        taken = false;
        for (size_t i = 0; i < CS_ARRAY_LEN(all); i++)
            taken |= all[i] != out && strcmp(all[i], out) == 0;
    }
}

static void start(rig_t *r, cs_testproc_t *p, char **argv, const char *ready)
{
    char *env[] = {r->env_db,           "OPENAI_API_KEY=", "CALLSIFT_PROVIDER=",
                   "CALLSIFT_VECTORS=", CURVE_ENV_OFF,     NULL};
    cs_testproc_start(p, argv, env);
    if (ready && !cs_testproc_wait_log(p, ready, READY_MS)) {
        char *log = cs_testproc_log(p);
        cr_assert_fail("%s did not log '%s':\n%s", argv[0], ready, log);
    }
}

static void start_writer(rig_t *r, cs_testproc_t *p, const char *decisions, const char *acks)
{
    char *argv[] = {(char *)cs_testproc_bin("callsift-writer"),
                    "--decisions-endpoint",
                    (char *)decisions,
                    "--acks-endpoint",
                    (char *)acks,
                    "--curve-secret-key",
                    server_secret,
                    "--curve-server-key",
                    server_pub,
                    "--curve-allowed",
                    allowed,
                    NULL};
    start(r, p, argv, "Writer ready");
}

/* SIGTERM p; expect exit 0; its log (caller frees). */
static char *stop(cs_testproc_t *p, const char *what)
{
    int status = cs_testproc_stop(p, STOP_MS);
    char *log = cs_testproc_log(p);
    cr_expect_eq(status, 0, "%s exit status %d; log:\n%s", what, status, log);
    return log;
}

Test(curve_proc, authorised_pipeline_runs_and_rogues_get_nothing_in)
{
    make_keys();
    rig_t r = {0};
    cs_testdb_create(&r.db, false);
    cs_testdata_demo_workspace(r.db.url, r.ws);
    snprintf(r.env_db, sizeof r.env_db, "DATABASE_URL=%s", r.db.url);
    free_endpoint(&r, r.calls);
    free_endpoint(&r, r.extractions);
    free_endpoint(&r, r.decisions);
    free_endpoint(&r, r.acks);
    free_endpoint(&r, r.rogue_ep);
    free_endpoint(&r, r.acks2);
    char replay[160], ids[REPLAY_CALLS][32];
    replay_file(replay, sizeof replay, ids);

    start_writer(&r, &r.writer, r.decisions, r.acks);
    char *matcher_argv[] = {(char *)cs_testproc_bin("callsift-matcher"),
                            "--provider",
                            "offline",
                            "--vectors",
                            "offline",
                            "--extractions-endpoint",
                            r.extractions,
                            "--decisions-endpoint",
                            r.decisions,
                            "--curve-secret-key",
                            server_secret,
                            "--curve-allowed",
                            allowed,
                            NULL};
    start(&r, &r.matcher, matcher_argv, "Matcher ready");
    char *extractor_argv[] = {(char *)cs_testproc_bin("callsift-extractor"),
                              "--provider",
                              "offline",
                              "--calls-endpoint",
                              r.calls,
                              "--extractions-endpoint",
                              r.extractions,
                              "--curve-secret-key",
                              extractor_secret,
                              "--curve-server-key",
                              server_pub,
                              NULL};
    start(&r, &r.extractor, extractor_argv, "Extractor ready");

    /* (c) a rogue CURVE server of its own where a second, well-configured writer connects */
    zsock_t *rogue_server = peer(ZMQ_PUSH, rogue_secret, NULL, r.rogue_ep, true);
    start_writer(&r, &r.writer2, r.rogue_ep, r.acks2);
    /* (a) the rogue and a plain peer push extractions to the matcher; (b) the rogue pulls
       decisions from it */
    zsock_t *rogue_push = peer(ZMQ_PUSH, rogue_secret, server_pub, r.extractions, false);
    zsock_t *plain_push = peer(ZMQ_PUSH, NULL, NULL, r.extractions, false);
    zsock_t *rogue_pull = peer(ZMQ_PULL, rogue_secret, server_pub, r.decisions, false);
    /* the control: an allowed client (the extractors' certificate) sending the same kind */
    zsock_t *control = peer(ZMQ_PUSH, extractor_secret, server_pub, r.extractions, false);
    json_t *ok = extraction(r.ws, "control-1");
    cr_assert_eq(offer(control, ok), 0, "the control extraction was not queued");
    json_decref(ok);

    char *fetcher_argv[] = {(char *)cs_testproc_bin("callsift-fetcher"),
                            "--workspace-id",
                            r.ws,
                            "--replay",
                            replay,
                            "--calls-endpoint",
                            r.calls,
                            "--acks-endpoint",
                            r.acks,
                            "--ack-timeout",
                            "5",
                            "--max-attempts",
                            "20",
                            "--curve-secret-key",
                            server_secret,
                            "--curve-server-key",
                            server_pub,
                            "--curve-allowed",
                            allowed,
                            NULL};
    start(&r, &r.fetcher, fetcher_argv, NULL);

    /* The rogues keep trying while the calls flow, and a while after. A refused handshake
       ends that connection for good (libzmq does not reconnect after a protocol error) and
       drops what was queued on it: a rogue that finds its socket will take no more connects
       again with a new one, so that every record was really on its way. */
    int sent_a = 0, sent_plain = 0, tries_c = 0, handed_c = 0, stolen = 0;
    int64_t deadline = cs_now_ms() + FETCHER_MS, fetcher_done = 0;
    while (cs_now_ms() < deadline && (!fetcher_done || cs_now_ms() < fetcher_done + 2000 ||
                                      sent_a < ROGUE_SENDS || sent_plain < ROGUE_SENDS)) {
        char ext[32];
        if (sent_a < ROGUE_SENDS) {
            snprintf(ext, sizeof ext, "rogue-a-%d", sent_a);
            json_t *rec = extraction(r.ws, ext);
            if (offer(rogue_push, rec) == 0) {
                sent_a++;
            } else {
                zsock_destroy(&rogue_push);
                rogue_push = peer(ZMQ_PUSH, rogue_secret, server_pub, r.extractions, false);
            }
            json_decref(rec);
        }
        if (sent_plain < ROGUE_SENDS) {
            snprintf(ext, sizeof ext, "rogue-plain-%d", sent_plain);
            json_t *rec = extraction(r.ws, ext);
            if (offer(plain_push, rec) == 0) {
                sent_plain++;
            } else {
                zsock_destroy(&plain_push);
                plain_push = peer(ZMQ_PUSH, NULL, NULL, r.extractions, false);
            }
            json_decref(rec);
        }
        snprintf(ext, sizeof ext, "rogue-c-%d", tries_c++);
        json_t *rec =
            cs_testdata_decision(cs_testdata_call(r.ws, ext, "2025-10-20T10:00:00Z", NULL, NULL));
        handed_c += offer(rogue_server, rec) == 0;
        json_decref(rec);
        zpoller_t *p = zpoller_new(rogue_pull, NULL);
        if (zpoller_wait(p, 50)) {
            zmsg_t *msg = zmsg_recv(rogue_pull);
            stolen++;
            zmsg_destroy(&msg);
        }
        zpoller_destroy(&p);
        if (!fetcher_done && !cs_testproc_alive(&r.fetcher))
            fetcher_done = cs_now_ms();
    }
    char *fetcher_log = cs_testproc_log(&r.fetcher);
    cr_assert(fetcher_done, "the fetcher did not finish in %d s:\n%s", FETCHER_MS / 1000,
              fetcher_log);
    int fetcher_status = cs_testproc_stop(&r.fetcher, STOP_MS);
    cr_assert_eq(fetcher_status, 0, "fetcher exit status %d:\n%s", fetcher_status, fetcher_log);
    cr_assert_eq(sent_a, ROGUE_SENDS, "the rogue's records were not all queued: %d", sent_a);
    cr_assert_eq(sent_plain, ROGUE_SENDS, "the plain peer's records were not all queued: %d",
                 sent_plain);
    cr_assert_gt(tries_c, 20, "the rogue server hardly tried");
    cr_assert_eq(handed_c, 0, "the rogue server handed %d decisions to a writer", handed_c);
    cr_assert_eq(stolen, 0, "the rogue PULL took %d decisions from the matcher", stolen);

    /* the database: the six replayed calls and the control, nothing else */
    cs_db_t *db = cs_testdb_connect(&r.db);
    long stored = 0;
    for (int64_t until = cs_now_ms() + 20000; stored != 1 && cs_now_ms() < until; usleep(100000))
        stored = cs_testdb_long(db, "SELECT count(*) FROM messages WHERE external_id = "
                                    "'control-1'");
    cr_assert_eq(stored, 1, "the control extraction from an allowed client was not stored");
    cr_assert_eq(cs_testdb_long(db, "SELECT count(*) FROM messages WHERE external_id LIKE "
                                    "'rogue%'"),
                 0, "a rogue's call was stored");
    cr_assert_eq(cs_testdb_long(db, "SELECT count(*) FROM messages"), REPLAY_CALLS + 1);
    for (int i = 0; i < REPLAY_CALLS; i++) {
        char sql[320];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM messages WHERE source = 'replay' AND external_id = '%s' "
                 "AND is_processed",
                 ids[i]);
        cr_assert_eq(cs_testdb_long(db, sql), 1, "call %s not stored and processed", ids[i]);
    }
    cs_db_destroy(&db);

    /* the logs: CURVE said so, nothing rogue passed, no secret anywhere */
    char server_key[41], extractor_key[41];
    secret_of(server_secret, server_key);
    secret_of(extractor_secret, extractor_key);
    char *logs[] = {fetcher_log, stop(&r.extractor, "extractor"), stop(&r.matcher, "matcher"),
                    stop(&r.writer, "writer"), stop(&r.writer2, "second writer")};
    const char *names[] = {"fetcher", "extractor", "matcher", "writer", "second writer"};
    for (size_t i = 0; i < CS_ARRAY_LEN(logs); i++) {
        cr_expect(has(logs[i], "CURVE on:"), "%s log lacks the CURVE line:\n%s", names[i], logs[i]);
        cr_expect(!has(logs[i], "rogue"), "%s saw a rogue record:\n%s", names[i], logs[i]);
        cr_expect(!has(logs[i], server_key) && !has(logs[i], extractor_key),
                  "%s logged a secret key", names[i]);
    }
    cr_expect(has(logs[2], allowed), "the matcher does not say which directory authorises");
    cr_expect(!has(logs[4], "Ingested"), "the second writer stored something:\n%s", logs[4]);
    for (size_t i = 0; i < CS_ARRAY_LEN(logs); i++)
        free(logs[i]);
    zsock_destroy(&control);
    zsock_destroy(&rogue_pull);
    zsock_destroy(&plain_push);
    zsock_destroy(&rogue_push);
    zsock_destroy(&rogue_server);
    cs_testdb_drop(&r.db);
}

/* ---- configuration errors and --help ------------------------------------------------------ */

/* Run a stage with args (NULL-terminated after the binary's name); expect exit 2 and `reason`
   on stderr. */
static void expect_usage_error(const char *bin, char **args, const char *reason)
{
    char *argv[16] = {(char *)cs_testproc_bin(bin)};
    int n = 1;
    for (; args[n - 1]; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    char *env[] = {DUMMY_DB_URL, CURVE_ENV_OFF, NULL};
    cs_testrun_t run = cs_testproc_run(argv, env, NULL, 20000);
    cr_expect_eq(run.status, 2, "%s: status %d, stderr: %s", bin, run.status, run.err);
    cr_expect(has(run.err, reason), "%s: stderr lacks '%s': %s", bin, reason, run.err);
    cs_testrun_free(&run);
}

Test(curve_proc, partial_curve_flags_exit_2_with_the_reason)
{
    make_keys();
    expect_usage_error("callsift-writer", (char *[]){"--curve-secret-key", server_secret, NULL},
                       "--curve-allowed DIR");
    expect_usage_error(
        "callsift-writer",
        (char *[]){"--curve-secret-key", server_secret, "--curve-allowed", allowed, NULL},
        "--curve-server-key FILE");
    expect_usage_error("callsift-matcher", (char *[]){"--curve-allowed", allowed, NULL},
                       "--curve-allowed needs --curve-secret-key FILE");
    expect_usage_error("callsift-extractor",
                       (char *[]){"--curve-secret-key", extractor_secret, NULL},
                       "--curve-server-key FILE");
    expect_usage_error(
        "callsift-extractor",
        (char *[]){"--curve-secret-key", extractor_pub, "--curve-server-key", server_pub, NULL},
        "holds no secret key");
    expect_usage_error("callsift-fetcher",
                       (char *[]){"--workspace-id", BOGUS_WS, "--curve-secret-key", server_secret,
                                  "--curve-server-key", server_pub, NULL},
                       "--curve-allowed DIR");
    expect_usage_error("callsift-fetcher",
                       (char *[]){"--workspace-id", BOGUS_WS, "--curve-secret-key", server_secret,
                                  "--curve-server-key", "/nonexistent/server", "--curve-allowed",
                                  allowed, NULL},
                       "--curve-server-key: cannot read '/nonexistent/server'");
}

Test(curve_proc, help_shows_no_key_material)
{
    make_keys();
    char env_secret[192], env_server[192], env_allowed[192];
    snprintf(env_secret, sizeof env_secret, "CALLSIFT_CURVE_SECRET_KEY=%s", server_secret);
    snprintf(env_server, sizeof env_server, "CALLSIFT_CURVE_SERVER_KEY=%s", server_pub);
    snprintf(env_allowed, sizeof env_allowed, "CALLSIFT_CURVE_ALLOWED=%s", allowed);
    char *env[] = {DUMMY_DB_URL, env_secret, env_server, env_allowed, NULL};
    char secret[41], public_txt[41];
    secret_of(server_secret, secret);
    zcert_t *cert = load(server_pub);
    cs_strlcpy(public_txt, zcert_public_txt(cert), sizeof public_txt);
    zcert_destroy(&cert);
    const char *bins[] = {"callsift-fetcher", "callsift-extractor", "callsift-matcher",
                          "callsift-writer"};
    for (size_t i = 0; i < CS_ARRAY_LEN(bins); i++) {
        char *argv[] = {(char *)cs_testproc_bin(bins[i]), "--help", NULL};
        cs_testrun_t run = cs_testproc_run(argv, env, NULL, 20000);
        cr_expect_eq(run.status, 0, "%s --help: %d %s", bins[i], run.status, run.err);
        cr_expect(has(run.out, "--curve-secret-key") && has(run.out, "CALLSIFT_CURVE_ALLOWED"),
                  "%s --help lacks the CURVE options:\n%s", bins[i], run.out);
        cr_expect(!has(run.out, secret) && !has(run.err, secret), "%s --help printed the secret",
                  bins[i]);
        cr_expect(!has(run.out, public_txt) && !has(run.err, public_txt), "%s --help printed a key",
                  bins[i]);
        cs_testrun_free(&run);
    }
}
