/* Gong's webhooks into the real pipeline: the fetcher listens (--webhook-listen), the fake
   Gong (fake_gong) serves transcripts, and fake_gong_hook plays Gong's automation rule,
   signing deliveries with a key pair of its own as Gong does. The four real stages run
   offline into a database of the test's own.

     a_signed_delivery_is_stored_with_its_transcript_once: a signed call is stored, with the
       transcript fetched from Gong, while a slow client holds a connection open; the same
       delivery twice more (at once, and after it is stored) leaves one call.
     refused_deliveries_store_nothing: no token, another key, a body changed after signing,
       another URL, an expired token, a test delivery, a body over the cap, another path,
       another method, a private call and one without a start: all answered, and none stored
       or fetched; a good delivery sent after
       them is the barrier that shows the fetcher got that far.
     url_key_deliveries_need_the_key: the rule's other option, a key in the URL path; idle
       afterwards, the fetcher logs no progress line.
     polling_beside_webhooks_does_no_double_work: --interval polls Gong's window; a webhook for
       a call the poll stored is not fetched or sent again.
     an_accepted_call_survives_a_killed_fetcher: with --webhook-spool, a call answered 200 and
       then lost with a SIGKILLed fetcher (no extractor was there to take it) is stored after
       the restart, and leaves the spool once stored.
     a_customer_added_while_the_fetcher_runs_is_found_by_domain: `callsift customer add` while a
       fetcher runs; the next call from that customer's domain is attributed to it. */
#include <dirent.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "cs_db.h"
#include "cs_testdata.h"
#include "cs_testdb.h"
#include "cs_testproc.h"
#include "cs_util.h"
#include "cs_uuid.h"
#include "cs_webhook.h"
#include "fake_gong.h"
#include "fake_gong_hook.h"

#define READY_MS  60000
#define STORED_MS 60000
#define STOP_MS   10000
#define PUBLIC    "https://callsift.example.com/gong/webhook"
#define KEY       "k3y-0f-the-rule_with.enough~chars"
#define SAMPLES   CS_TEST_SOURCE_DIR "/samples/calls.jsonl"

typedef struct {
    cs_testdb_t db;
    char ws[CS_UUID_LEN];
    char env_db[1100];
    char calls_ep[64], extractions_ep[64], decisions_ep[64], acks_ep[64];
    cs_testproc_t writer, matcher, extractor, fetcher;
    cs_db_t *q;
    fake_gong_t *gong;
    fake_gong_hook_t *hook;
    json_t *calls; /* the sample calls, replay format */
    char pem_path[64], key_path[64], spool[64];
    char url[128]; /* where the fetcher listens, with the public URL's path */
} rig_t;

static rig_t rig;

static char *rig_logs(void)
{
    const cs_testproc_named_t all[] = {{&rig.fetcher, "fetcher"},
                                       {&rig.extractor, "extractor"},
                                       {&rig.matcher, "matcher"},
                                       {&rig.writer, "writer"}};
    return cs_testproc_logs(all, CS_ARRAY_LEN(all), 25);
}

/* Fail the test with the message and the tails of the stages' logs. */
#define RIG_FAIL(...) CS_TESTPROC_FAIL(rig_logs(), __VA_ARGS__)

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
}

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

static void start(cs_testproc_t *p, char **argv, const char *ready)
{
    char *env[] = {rig.env_db,
                   "OPENAI_API_KEY=",
                   "CALLSIFT_PROVIDER=",
                   "CALLSIFT_VECTORS=",
                   "GONG_ACCESS_KEY=gong-key",
                   "GONG_ACCESS_KEY_SECRET=gong-secret",
                   NULL};
    cs_testproc_start(p, argv, env);
    if (!cs_testproc_wait_log(p, ready, READY_MS))
        RIG_FAIL("%s did not log '%s'", argv[0], ready);
}

static void start_extractor(void)
{
    char *extractor[] = {(char *)cs_testproc_bin("callsift-extractor"),
                         "--provider",
                         "offline",
                         "--calls-endpoint",
                         rig.calls_ep,
                         "--extractions-endpoint",
                         rig.extractions_ep,
                         NULL};
    start(&rig.extractor, extractor, "Extractor ready");
}

static void rig_open(void)
{
    memset(&rig, 0, sizeof rig);
    cs_testdb_create(&rig.db, false);
    snprintf(rig.env_db, sizeof rig.env_db, "DATABASE_URL=%s", rig.db.url);
    cs_testdata_demo_workspace(rig.db.url, rig.ws);
    rig.q = cs_testdb_connect(&rig.db);
    free_endpoint(rig.calls_ep);
    free_endpoint(rig.extractions_ep);
    free_endpoint(rig.decisions_ep);
    free_endpoint(rig.acks_ep);
    char err[256];
    rig.gong = fake_gong_start();
    cr_assert(rig.gong);
    fake_gong_set_credentials(rig.gong, "gong-key", "gong-secret");
    cr_assert_gt(fake_gong_load_jsonl(rig.gong, SAMPLES, err, sizeof err), 0, "%s", err);
    rig.calls = json_array();
    FILE *f = fopen(SAMPLES, "r");
    cr_assert(f);
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0)
        json_array_append_new(rig.calls, json_loads(line, 0, NULL));
    free(line);
    fclose(f);
    rig.hook = fake_gong_hook_new();
    cr_assert(rig.hook);
    snprintf(rig.pem_path, sizeof rig.pem_path, "/tmp/cs_hook_pem_%d", (int)getpid());
    snprintf(rig.key_path, sizeof rig.key_path, "/tmp/cs_hook_key_%d", (int)getpid());
    char *pasted = fake_gong_hook_public_key(rig.hook, false); /* as pasted, no PEM lines */
    write_file(rig.pem_path, pasted);
    free(pasted);
    write_file(rig.key_path, KEY "\n");
    snprintf(rig.spool, sizeof rig.spool, "/tmp/cs_hook_spool_%d", (int)getpid());

    char *writer[] = {(char *)cs_testproc_bin("callsift-writer"),
                      "--decisions-endpoint",
                      rig.decisions_ep,
                      "--acks-endpoint",
                      rig.acks_ep,
                      NULL};
    start(&rig.writer, writer, "Writer ready");
    char *matcher[] = {(char *)cs_testproc_bin("callsift-matcher"),
                       "--provider",
                       "offline",
                       "--vectors",
                       "offline",
                       "--extractions-endpoint",
                       rig.extractions_ep,
                       "--decisions-endpoint",
                       rig.decisions_ep,
                       NULL};
    start(&rig.matcher, matcher, "Matcher ready");
    start_extractor();
}

static void stop(cs_testproc_t *p)
{
    if (p->pid > 0) {
        cs_testproc_stop(p, STOP_MS);
        p->pid = 0;
    }
}

static void rig_close(void)
{
    stop(&rig.fetcher);
    stop(&rig.extractor);
    stop(&rig.matcher);
    stop(&rig.writer);
    cs_db_destroy(&rig.q);
    fake_gong_stop(&rig.gong);
    fake_gong_hook_free(&rig.hook);
    json_decref(rig.calls);
    unlink(rig.pem_path);
    unlink(rig.key_path);
    char *rm = cs_strdup_printf("rm -rf '%s'", rig.spool);
    cr_expect_eq(system(rm), 0);
    free(rm);
    cs_testdb_drop(&rig.db);
}

TestSuite(webhook, .init = rig_open, .fini = rig_close, .timeout = 300);

/* Start the fetcher listening on a free port, with more arguments (NULL-terminated); rig.url
   is then where deliveries go, without the key. */
static void start_fetcher(char **extra)
{
    char *argv[40] = {(char *)cs_testproc_bin("callsift-fetcher"),
                      "--workspace-id",
                      rig.ws,
                      "--calls-endpoint",
                      rig.calls_ep,
                      "--acks-endpoint",
                      rig.acks_ep,
                      "--gong-base-url",
                      (char *)fake_gong_url(rig.gong),
                      "--webhook-listen",
                      "127.0.0.1:0",
                      "--webhook-url",
                      PUBLIC,
                      "--ack-timeout",
                      "5",
                      "--max-attempts",
                      "20"};
    int n = 17;
    for (int i = 0; extra && extra[i]; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    start(&rig.fetcher, argv, "Listening for Gong webhooks on port ");
    char *log = cs_testproc_log(&rig.fetcher);
    const char *at = strstr(log, "Listening for Gong webhooks on port ");
    int port = at ? atoi(at + strlen("Listening for Gong webhooks on port ")) : 0;
    free(log);
    cr_assert_gt(port, 0);
    snprintf(rig.url, sizeof rig.url, "http://127.0.0.1:%d/gong/webhook", port);
}

/* Sample call i, as the webhook body Gong sends (caller frees); its id into id. */
static char *payload(size_t i, bool is_test, const char **id)
{
    const json_t *call = json_array_get(rig.calls, i);
    *id = json_string_value(json_object_get(json_object_get(call, "metaData"), "id"));
    return fake_gong_hook_payload(call, is_test);
}

/* Deliver body signed for `signed_for` (the claim webhook_url) to url; returns the status. */
static long deliver_signed(const char *url, const char *body, const char *signed_for, long exp_in)
{
    char *token = fake_gong_hook_token(rig.hook, body, strlen(body), signed_for, exp_in);
    cr_assert(token);
    long status = fake_gong_hook_post(url, token, body, strlen(body));
    free(token);
    return status;
}

static long stored(const char *id)
{
    char *sql = cs_strdup_printf("SELECT count(*) FROM messages WHERE external_id = '%s'", id);
    long n = cs_testdb_long(rig.q, sql);
    free(sql);
    return n;
}

static void wait_stored(const char *id)
{
    int64_t deadline = cs_now_ms() + STORED_MS;
    while (stored(id) == 0) {
        if (cs_now_ms() > deadline)
            RIG_FAIL("call %s was not stored within %d s", id, STORED_MS / 1000);
        usleep(100000);
    }
}

/* Transcript requests the fake Gong got for call id. */
static int transcript_requests(const char *id)
{
    int n = 0;
    for (size_t i = 0; i < fake_gong_request_count(rig.gong); i++) {
        const fake_gong_request_t *r = fake_gong_request(rig.gong, i);
        if (strcmp(r->path, "/v2/calls/transcript") != 0 || !r->body)
            continue;
        json_t *ids = json_object_get(json_object_get(r->body, "filter"), "callIds");
        size_t k;
        json_t *one;
        json_array_foreach(ids, k, one) n += strcmp(json_string_value(one), id) == 0;
    }
    return n;
}

/* A client that sends a request up to `upto` and then nothing: its socket (close it). With
   `upto` "headers", the headers of a POST announcing a large body, without an Authorization;
   with "half", half a header line, so the server waits for the rest of its headers. */
static int slow_client(const char *url, const char *upto)
{
    int port = 0;
    sscanf(url, "http://127.0.0.1:%d", &port);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    const char *sent =
        strcmp(upto, "headers") == 0
            ? "POST /gong/webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
            : "POST /gong/webhook HTTP/1.1\r\nHost: x\r\nContent-Len";
    cr_assert_gt(write(fd, sent, strlen(sent)), 0);
    return fd;
}

/* Send the headers of a POST with a large body announced and no Authorization, and none of
   the body: the answer's status line, read within 5 s ("" when none came). */
static void headers_only(const char *url, char *status, size_t len)
{
    int fd = slow_client(url, "headers");
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ssize_t n = read(fd, status, len - 1);
    status[n > 0 ? n : 0] = '\0';
    char *eol = strstr(status, "\r\n");
    if (eol)
        *eol = '\0';
    close(fd);
}

Test(webhook, a_signed_delivery_is_stored_with_its_transcript_once)
{
    start_fetcher((char *[]){"--webhook-public-key", rig.pem_path, NULL});
    int slow = slow_client(rig.url, "half");
    const char *id;
    char *body = payload(0, false, &id);
    int64_t t0 = cs_now_ms();
    cr_assert_eq(deliver_signed(rig.url, body, PUBLIC, 300), 200);
    cr_assert_lt(cs_now_ms() - t0, 5000, "Gong is answered at once, not after the work");
    /* the same delivery again at once: one call */
    cr_assert_eq(deliver_signed(rig.url, body, PUBLIC, 300), 200);
    wait_stored(id);
    char *sql = cs_strdup_printf("SELECT count(*) FROM messages WHERE external_id = '%s' AND"
                                 " is_processed AND content LIKE '%%two minute delay%%'",
                                 id);
    cr_assert_eq(cs_testdb_long(rig.q, sql), 1, "the stored call carries its transcript");
    free(sql);
    cr_assert_geq(transcript_requests(id), 1);
    /* and once more after it is stored: the fetcher knows it, nothing is sent again */
    cr_assert_eq(deliver_signed(rig.url, body, PUBLIC, 300), 200);
    if (!cs_testproc_wait_log(&rig.fetcher, "already stored", 20000))
        RIG_FAIL("a delivery of a stored call was not recognised");
    cr_assert_eq(stored(id), 1);
    close(slow);
    free(body);
    cr_assert_eq(cs_testproc_stop(&rig.fetcher, STOP_MS), 0);
    rig.fetcher.pid = 0;
}

Test(webhook, refused_deliveries_store_nothing)
{
    start_fetcher((char *[]){"--webhook-public-key", rig.pem_path, NULL});
    const char *id, *barrier;
    char *body = payload(1, false, &id);
    /* no token */
    cr_assert_eq(fake_gong_hook_post(rig.url, NULL, body, strlen(body)), 401);
    /* signed by another key */
    fake_gong_hook_t *other = fake_gong_hook_new();
    char *forged = fake_gong_hook_token(other, body, strlen(body), PUBLIC, 300);
    cr_assert_eq(fake_gong_hook_post(rig.url, forged, body, strlen(body)), 401);
    free(forged);
    fake_gong_hook_free(&other);
    /* a body changed after signing: the token of the real body, with another title */
    char *token = fake_gong_hook_token(rig.hook, body, strlen(body), PUBLIC, 300);
    char *changed = strdup(body);
    char *title = strstr(changed, "Helpdeskly");
    cr_assert(title);
    memcpy(title, "Helpdeskle", 10);
    cr_assert_eq(fake_gong_hook_post(rig.url, token, changed, strlen(changed)), 401);
    free(changed);
    free(token);
    /* signed for another receiver, and expired */
    cr_assert_eq(deliver_signed(rig.url, body, "https://elsewhere.example.com/hook", 300), 401);
    cr_assert_eq(deliver_signed(rig.url, body, PUBLIC, -3600), 401);
    /* refused on its headers: no body needs to come */
    char line[256];
    headers_only(rig.url, line, sizeof line);
    cr_assert_str_eq(line, "HTTP/1.1 401 Unauthorized");
    /* Gong's test button: answered, not ingested */
    char *test = payload(1, true, &id);
    cr_assert_eq(deliver_signed(rig.url, test, PUBLIC, 300), 200);
    free(test);
    /* over the cap, another path, another method */
    size_t big_len = CS_WEBHOOK_MAX_BODY + 1024;
    char *big = malloc(big_len + 1);
    memset(big, ' ', big_len);
    big[big_len] = '\0';
    memcpy(big, body, strlen(body));
    cr_assert_eq(deliver_signed(rig.url, big, PUBLIC, 300), 413);
    free(big);
    char other_path[160];
    snprintf(other_path, sizeof other_path, "%s-other", rig.url);
    cr_assert_eq(deliver_signed(other_path, body, PUBLIC, 300), 404);
    long status = 0;
    char *get = cs_strdup_printf("curl -s -o /dev/null -w %%{http_code} %s", rig.url);
    FILE *p = popen(get, "r");
    cr_assert(p && fscanf(p, "%ld", &status) == 1);
    pclose(p);
    free(get);
    cr_assert_eq(status, 405);
    /* a private call is answered and skipped, as polling skips it; a call without a start
       time cannot make a record and is refused */
    json_t *private_call = json_deep_copy(json_array_get(rig.calls, 1));
    json_object_set_new(json_object_get(private_call, "metaData"), "isPrivate", json_true());
    char *private_body = fake_gong_hook_payload(private_call, false);
    cr_assert_eq(deliver_signed(rig.url, private_body, PUBLIC, 300), 200);
    json_object_del(json_object_get(private_call, "metaData"), "isPrivate");
    json_object_del(json_object_get(private_call, "metaData"), "started");
    char *no_start = fake_gong_hook_payload(private_call, false);
    cr_assert_eq(deliver_signed(rig.url, no_start, PUBLIC, 300), 400);
    free(private_body);
    free(no_start);
    json_decref(private_call);
    /* the barrier: a good delivery after all of them is stored */
    char *good = payload(2, false, &barrier);
    cr_assert_eq(deliver_signed(rig.url, good, PUBLIC, 300), 200);
    wait_stored(barrier);
    cr_assert_eq(stored(id), 0, "a refused delivery was stored");
    cr_assert_eq(transcript_requests(id), 0, "a refused delivery made the fetcher ask Gong");
    char *log = cs_testproc_log(&rig.fetcher);
    cr_assert(strstr(log, "Webhook refused (401)"), "refusals are logged");
    cr_assert(strstr(log, "Webhook test from Gong"), "tests are logged");
    cr_assert_null(strstr(log, KEY));
    free(log);
    free(good);
    free(body);
}

Test(webhook, url_key_deliveries_need_the_key)
{
    start_fetcher((char *[]){"--webhook-key-file", rig.key_path, NULL});
    char *log = cs_testproc_log(&rig.fetcher);
    cr_assert_null(strstr(log, KEY), "the key is never logged");
    free(log);
    const char *id, *good_id;
    char *body = payload(3, false, &id);
    char with_key[256], wrong_key[256];
    snprintf(with_key, sizeof with_key, "%s/%s", rig.url, KEY);
    snprintf(wrong_key, sizeof wrong_key, "%s/%s", rig.url, "k3y-0f-the-rule_with.enough~chart");
    cr_assert_eq(fake_gong_hook_post(rig.url, NULL, body, strlen(body)), 401);
    cr_assert_eq(fake_gong_hook_post(wrong_key, NULL, body, strlen(body)), 401);
    char *good = payload(4, false, &good_id);
    cr_assert_eq(fake_gong_hook_post(with_key, NULL, good, strlen(good)), 200);
    wait_stored(good_id);
    cr_assert_eq(stored(id), 0);
    free(good);
    free(body);
    /* idle, a long-running fetcher logs no progress line every 10 s */
    cr_assert(cs_testproc_wait_log(&rig.fetcher, "1 acked", 15000)); /* the line that moved */
    char *before = cs_testproc_log(&rig.fetcher);
    usleep(11000000);
    char *after = cs_testproc_log(&rig.fetcher);
    cr_assert_null(strstr(after + strlen(before), "Progress:"), "%s", after + strlen(before));
    free(before);
    free(after);
}

Test(webhook, polling_beside_webhooks_does_no_double_work)
{
    /* the first two sample days hold calls 0..3 */
    start_fetcher((char *[]){"--webhook-public-key", rig.pem_path, "--interval", "3600", "--from",
                             "2025-10-01T00:00:00Z", "--to", "2025-10-03T00:00:00Z", NULL});
    const char *id;
    char *body = payload(1, false, &id);
    wait_stored(id); /* by the poll at start */
    int asked = transcript_requests(id);
    cr_assert_eq(asked, 1);
    cr_assert_eq(deliver_signed(rig.url, body, PUBLIC, 300), 200);
    if (!cs_testproc_wait_log(&rig.fetcher, "already stored", 20000))
        RIG_FAIL("the webhook of a polled call was not recognised");
    cr_assert_eq(transcript_requests(id), asked, "the transcript was fetched again");
    cr_assert_eq(stored(id), 1);
    free(body);
}

/* Files in the spool directory (not counting . and ..). */
static int spooled_files(void)
{
    DIR *d = opendir(rig.spool);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

Test(webhook, an_accepted_call_survives_a_killed_fetcher)
{
    stop(&rig.extractor); /* nothing takes the call from the fetcher */
    char *args[] = {"--webhook-public-key", rig.pem_path, "--webhook-spool", rig.spool, NULL};
    start_fetcher(args);
    const char *id;
    char *body = payload(5, false, &id);
    cr_assert_eq(deliver_signed(rig.url, body, PUBLIC, 300), 200);
    cr_assert_eq(spooled_files(), 1, "the call is on disk before Gong is answered");
    usleep(1000000); /* the fetcher takes it into its ledger, where nothing can take it */
    cs_testproc_kill(&rig.fetcher);
    rig.fetcher.pid = 0;
    cr_assert_eq(stored(id), 0);
    start_extractor();
    start_fetcher(args);
    if (!cs_testproc_wait_log(&rig.fetcher, "queued again", 10000))
        RIG_FAIL("the restarted fetcher did not take the spooled call");
    wait_stored(id);
    int64_t deadline = cs_now_ms() + 20000;
    while (spooled_files() > 0 && cs_now_ms() < deadline)
        usleep(100000);
    cr_assert_eq(spooled_files(), 0, "a stored call left the spool");
    cr_assert_eq(stored(id), 1);
    free(body);
}

Test(webhook, a_customer_added_while_the_fetcher_runs_is_found_by_domain)
{
    start_fetcher((char *[]){"--webhook-public-key", rig.pem_path, "--interval", "1", "--from",
                             "2025-10-01T00:00:00Z", "--to", "2025-10-01T12:00:00Z", NULL});
    if (!cs_testproc_wait_log(&rig.fetcher, "Next poll of Gong", 20000))
        RIG_FAIL("the fetcher did not poll");
    /* an operator adds a customer the running fetcher has never seen */
    char *add[] = {(char *)cs_testproc_bin("callsift"),
                   "customer",
                   "add",
                   "--workspace-id",
                   rig.ws,
                   "--name",
                   "Zeta Freight",
                   "--domain",
                   "zeta-freight.example",
                   "--mrr",
                   "4200",
                   NULL};
    char *env[] = {rig.env_db, NULL};
    cs_testrun_t run = cs_testproc_run(add, env, NULL, 30000);
    cr_assert_eq(run.status, 0, "%s", run.err);
    cs_testrun_free(&run);
    /* a poll later (1 s), a call from one of its people comes by webhook, with no CRM context */
    char *log = cs_testproc_log(&rig.fetcher);
    size_t seen = strlen(log);
    free(log);
    for (int64_t deadline = cs_now_ms() + 20000;;) {
        log = cs_testproc_log(&rig.fetcher);
        bool polled = strstr(log + seen, "Next poll of Gong") != NULL;
        free(log);
        if (polled)
            break;
        if (cs_now_ms() > deadline)
            RIG_FAIL("the fetcher did not poll again");
        usleep(100000);
    }
    json_t *call = json_deep_copy(json_array_get(rig.calls, 6));
    json_t *transcript = json_deep_copy(json_object_get(call, "transcript"));
    const char *id = "990000000000000001";
    json_t *meta = json_object_get(call, "metaData");
    json_object_set_new(meta, "id", json_string(id));
    json_object_set_new(meta, "started", json_string("2026-01-05T10:00:00Z"));
    json_object_del(call, "context");
    json_object_del(call, "transcript");
    size_t i;
    json_t *party;
    json_array_foreach(json_object_get(call, "parties"), i, party)
    {
        json_object_del(party, "context");
        const char *aff = json_string_value(json_object_get(party, "affiliation"));
        if (aff && strcmp(aff, "External") == 0)
            json_object_set_new(party, "emailAddress", json_string("buyer@zeta-freight.example"));
    }
    json_object_set_new(transcript, "callId", json_string(id));
    cr_assert_eq(fake_gong_add_call(rig.gong, call, transcript), 0);
    char *body = fake_gong_hook_payload(call, false);
    cr_assert_eq(deliver_signed(rig.url, body, PUBLIC, 300), 200);
    wait_stored(id);
    char *sql = cs_strdup_printf("SELECT c.name FROM messages m JOIN customers c ON"
                                 " c.id = m.customer_id WHERE m.external_id = '%s'",
                                 id);
    char *name = cs_testdb_scalar(rig.q, sql);
    cr_assert_str_eq(name ? name : "(none)", "Zeta Freight");
    free(name);
    free(sql);
    free(body);
    json_decref(call);
    json_decref(transcript);
}
