/* cs_curve: CURVE on the pipeline's sockets, over real ZeroMQ sockets on loopback.

   Each test writes certificates into a directory of its own, laid out as `callsift keys
   generate` does (server, extractor, allowed/{server,extractor}), plus a "rogue" certificate
   that is not in allowed/. The process under test plays a binding stage (the server
   certificate, --curve-allowed) that also connects (--curve-server-key): its own connecting
   sockets, made by cs_sock_new(), present the server certificate, which allowed/ lists, as the
   fetcher and the writer do. Other peers are made by hand with zsock, as an extractor or an
   attacker would. "Nothing gets through" means: the server polls for 1.5 s and receives
   nothing, while the peer had its message queued. */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cs_config.h"
#include "cs_curve.h"
#include "cs_log.h"
#include "cs_record.h"
#include "cs_sock.h"
#include "cs_testsock.h"
#include "cs_util.h"

#define WS         "647ab033-6d10-4a35-9ace-0399052ec874"
#define NOTHING_MS 1500
#define ANY_PORT   "tcp://127.0.0.1:*"

static const cs_option_t OPTS[] = {
    CS_CURVE_OPTIONS,
    {NULL, NULL, 0, NULL, NULL, 0},
};

static char dir[64];
static char server_secret[128], server_pub[128], extractor_secret[128], extractor_pub[128];
static char rogue_secret[128], rogue_pub[128], allowed[128];

static void save(zcert_t *cert, const char *name, char *pub, char *secret)
{
    snprintf(pub, 128, "%s/%s", dir, name);
    snprintf(secret, 128, "%s/%s_secret", dir, name);
    cr_assert_eq(zcert_save(cert, pub), 0, "zcert_save %s", pub);
}

static void setup(void)
{
    unsetenv("CALLSIFT_CURVE_SECRET_KEY");
    unsetenv("CALLSIFT_CURVE_SERVER_KEY");
    unsetenv("CALLSIFT_CURVE_ALLOWED");
    cs_strlcpy(dir, "/tmp/cs_test_curve.XXXXXX", sizeof dir);
    cr_assert(mkdtemp(dir));
    snprintf(allowed, sizeof allowed, "%s/allowed", dir);
    cr_assert_eq(mkdir(allowed, 0755), 0);
    const char *names[] = {"server", "extractor", "rogue"};
    char *pubs[] = {server_pub, extractor_pub, rogue_pub};
    char *secrets[] = {server_secret, extractor_secret, rogue_secret};
    for (int i = 0; i < 3; i++) {
        zcert_t *cert = zcert_new();
        save(cert, names[i], pubs[i], secrets[i]);
        if (i < 2) { /* the rogue is not allowed */
            char path[160];
            snprintf(path, sizeof path, "%s/%s", allowed, names[i]);
            cr_assert_eq(zcert_save_public(cert, path), 0);
        }
        zcert_destroy(&cert);
    }
}

static void teardown(void)
{
    cs_curve_teardown();
    cs_log_reset();
    zdir_t *d = zdir_new(dir, NULL);
    if (d)
        zdir_remove(d, true);
    zdir_destroy(&d);
}

TestSuite(curve, .init = setup, .fini = teardown, .timeout = 60);

/* cs_curve_setup() from these flags (NULL: not given) for a stage that does `roles`. */
static int curve_setup(unsigned roles, const char *secret, const char *server, const char *dir_,
                       char *err, size_t errlen)
{
    char *argv[8] = {"test"};
    int argc = 1;
    if (secret) {
        argv[argc++] = "--curve-secret-key";
        argv[argc++] = (char *)secret;
    }
    if (server) {
        argv[argc++] = "--curve-server-key";
        argv[argc++] = (char *)server;
    }
    if (dir_) {
        argv[argc++] = "--curve-allowed";
        argv[argc++] = (char *)dir_;
    }
    argv[argc] = NULL;
    cs_config_t *cfg = cs_config_new("test", NULL, OPTS);
    int rc = cs_config_parse(cfg, argc, argv, false, err, errlen);
    cr_assert_eq(rc, 0, "%s", err);
    rc = cs_curve_setup(cfg, roles, err, errlen);
    cs_config_destroy(&cfg); /* setup keeps copies */
    return rc;
}

/* The whole configuration of a binding stage that also connects (fetcher, writer). */
static void curve_on(void)
{
    char err[512];
    cr_assert_eq(curve_setup(CS_CURVE_BINDS | CS_CURVE_CONNECTS, server_secret, server_pub, allowed,
                             err, sizeof err),
                 0, "%s", err);
    cr_assert(cs_curve_enabled());
}

static zcert_t *load(const char *path)
{
    zcert_t *cert = zcert_load(path);
    cr_assert(cert, "zcert_load %s", path);
    return cert;
}

/* A CURVE client made by hand: PUSH with certificate `secret`, expecting the server whose
   public certificate is `server` (NULL: a plain, NULL-mechanism client), connected to ep. No
   ZMQ_IMMEDIATE: what it sends is queued until the handshake, if ever, succeeds. */
static zsock_t *hand_client(const char *secret, const char *server, const char *ep)
{
    zsock_t *s = zsock_new(ZMQ_PUSH);
    cr_assert(s);
    zsock_set_linger(s, 0);
    if (server) {
        zcert_t *own = load(secret), *srv = load(server);
        zcert_apply(own, s);
        zsock_set_curve_serverkey(s, zcert_public_txt(srv));
        zcert_destroy(&own);
        zcert_destroy(&srv);
    }
    cr_assert_eq(zsock_connect(s, "%s", ep), 0);
    return s;
}

static json_t *ack(const char *ext)
{
    json_t *a = cs_record_new(CS_KIND_ACK);
    json_object_set_new(a, "workspace_id", json_string(WS));
    json_object_set_new(a, "external_id", json_string(ext));
    json_object_set_new(a, "status", json_string("committed"));
    return a;
}

/* Send an ack record; the PUSH may need a moment for its connection (IMMEDIATE): retry. */
static int send_ack(zsock_t *push, const char *ext)
{
    json_t *a = ack(ext);
    char err[256];
    int rc = -1;
    for (int i = 0; i < 5 && rc != 0; i++)
        rc = cs_sock_send_record(push, a, NULL, err, sizeof err);
    json_decref(a);
    return rc;
}

/* The external id of the next record on pull within ms (caller frees), or NULL. */
static char *recv_ext(zsock_t *pull, int ms)
{
    json_t *rec = cs_testsock_recv(pull, ms, NULL);
    if (!rec)
        return NULL;
    char *ext = strdup(cs_rec_str(rec, "external_id"));
    json_decref(rec);
    return ext;
}

/* A bound PULL made by cs_sock_new (a CURVE server when CURVE is on); its endpoint into ep. */
static zsock_t *server_pull(char *ep)
{
    char err[256];
    zsock_t *pull = cs_sock_new(ZMQ_PULL, ANY_PORT, true, err, sizeof err);
    cr_assert(pull, "%s", err);
    cs_sock_endpoint(pull, ep, 64);
    return pull;
}

static void expect_nothing(zsock_t *pull, const char *who)
{
    char *got = recv_ext(pull, NOTHING_MS);
    cr_assert_null(got, "%s got a record through: %s", who, got);
}

/* ---- without options, nothing changes ------------------------------------------------------ */

Test(curve, no_option_leaves_sockets_plain)
{
    char err[256], ep[64];
    cr_assert_eq(curve_setup(CS_CURVE_BINDS | CS_CURVE_CONNECTS, NULL, NULL, NULL, err, sizeof err),
                 0);
    cr_assert(!cs_curve_enabled());
    zsock_t *pull = server_pull(ep);
    zsock_t *plain = hand_client(NULL, NULL, ep);
    cr_assert_eq(zstr_send(plain, "hello"), 0);
    zpoller_t *p = zpoller_new(pull, NULL);
    cr_assert(zpoller_wait(p, 5000), "a plain client is let in when CURVE is off");
    zpoller_destroy(&p);
    char *s = zstr_recv(pull);
    cr_assert_str_eq(s, "hello");
    zstr_free(&s);
    zsock_destroy(&plain);
    zsock_destroy(&pull);
}

/* ---- who gets in ------------------------------------------------------------------------- */

Test(curve, allowed_clients_get_their_messages_through)
{
    curve_on();
    char ep[64];
    zsock_t *pull = server_pull(ep);
    /* this process's own connecting socket: the server certificate, listed in allowed/ */
    char err[256];
    zsock_t *own = cs_sock_new(ZMQ_PUSH, ep, false, err, sizeof err);
    cr_assert(own, "%s", err);
    /* an extractor: its own certificate, listed in allowed/ */
    zsock_t *extractor = hand_client(extractor_secret, server_pub, ep);
    cr_assert_eq(zstr_send(extractor, "not a record"), 0); /* queued until the handshake */
    json_t *a = ack("from-extractor");
    cr_assert_eq(cs_sock_send_record(extractor, a, NULL, err, sizeof err), 0, "%s", err);
    json_decref(a);
    cr_assert_eq(send_ack(own, "from-own-socket"), 0);

    bool from_own = false, from_extractor = false;
    int64_t deadline = cs_now_ms() + 10000;
    while ((!from_own || !from_extractor) && cs_now_ms() < deadline) {
        zpoller_t *p = zpoller_new(pull, NULL);
        void *ready = zpoller_wait(p, 200);
        zpoller_destroy(&p);
        if (!ready)
            continue;
        json_t *rec = cs_sock_recv_record(pull, NULL, err, sizeof err);
        if (!rec)
            continue; /* the "not a record" frame: it came through too */
        from_own |= strcmp(cs_rec_str(rec, "external_id"), "from-own-socket") == 0;
        from_extractor |= strcmp(cs_rec_str(rec, "external_id"), "from-extractor") == 0;
        json_decref(rec);
    }
    cr_assert(from_own, "the stage's own client socket was not let in");
    cr_assert(from_extractor, "the extractor's certificate was not let in");
    zsock_destroy(&extractor);
    zsock_destroy(&own);
    zsock_destroy(&pull);
}

Test(curve, unlisted_certificate_gets_nothing_through)
{
    curve_on();
    char ep[64];
    zsock_t *pull = server_pull(ep);
    zsock_t *rogue = hand_client(rogue_secret, server_pub, ep); /* knows the server's key */
    cr_assert_eq(zstr_send(rogue, "injected"), 0);
    expect_nothing(pull, "a client whose certificate is not in allowed/");
    /* the same server still lets an allowed client in */
    zsock_t *extractor = hand_client(extractor_secret, server_pub, ep);
    cr_assert_eq(zstr_send(extractor, "hello"), 0);
    zpoller_t *p = zpoller_new(pull, NULL);
    cr_assert(zpoller_wait(p, 5000), "the allowed client was refused too");
    zpoller_destroy(&p);
    char *s = zstr_recv(pull);
    cr_assert_str_eq(s, "hello");
    zstr_free(&s);
    zsock_destroy(&extractor);
    zsock_destroy(&rogue);
    zsock_destroy(&pull);
}

Test(curve, plain_client_gets_nothing_through)
{
    curve_on();
    char ep[64];
    zsock_t *pull = server_pull(ep);
    zsock_t *plain = hand_client(NULL, NULL, ep);
    cr_assert_eq(zstr_send(plain, "injected"), 0);
    expect_nothing(pull, "a plain (NULL mechanism) client");
    zsock_destroy(&plain);
    zsock_destroy(&pull);
}

Test(curve, client_with_the_wrong_server_key_gets_nothing_through)
{
    curve_on();
    char ep[64];
    zsock_t *pull = server_pull(ep);
    /* an allowed certificate, but it expects another server (the rogue's key) */
    zsock_t *confused = hand_client(extractor_secret, rogue_pub, ep);
    cr_assert_eq(zstr_send(confused, "misdirected"), 0);
    expect_nothing(pull, "a client expecting another server's key");
    zsock_destroy(&confused);
    zsock_destroy(&pull);
}

Test(curve, own_client_refuses_a_server_with_another_key)
{
    curve_on();
    /* a rogue server: a CURVE server with its own certificate, waiting for our records */
    zsock_t *rogue = zsock_new(ZMQ_PULL);
    zcert_t *cert = load(rogue_secret);
    zcert_apply(cert, rogue);
    zcert_destroy(&cert);
    zsock_set_curve_server(rogue, 1);
    cr_assert_neq(zsock_bind(rogue, ANY_PORT), -1);
    char ep[64], err[256];
    cs_sock_endpoint(rogue, ep, sizeof ep);
    zsock_t *own = cs_sock_new(ZMQ_PUSH, ep, false, err, sizeof err);
    cr_assert(own, "%s", err);
    /* IMMEDIATE: nothing is queued towards a connection whose handshake failed */
    cr_assert_neq(send_ack(own, "leaked"), 0, "a record was handed to the rogue server");
    zpoller_t *p = zpoller_new(rogue, NULL);
    cr_assert_null(zpoller_wait(p, NOTHING_MS), "the rogue server received a record");
    zpoller_destroy(&p);
    zsock_destroy(&own);
    zsock_destroy(&rogue);
}

Test(curve, bound_sockets_refuse_everyone_once_the_authenticator_is_gone)
{
    curve_on();
    char ep[64];
    zsock_t *pull = server_pull(ep);
    cs_curve_teardown(); /* zauth stops; the socket stays a CURVE server */
    cr_assert(!cs_curve_enabled());
    zsock_t *rogue = hand_client(rogue_secret, server_pub, ep);
    cr_assert_eq(zstr_send(rogue, "injected"), 0);
    expect_nothing(pull, "a client with the server's key, no authenticator running");
    zsock_destroy(&rogue);
    zsock_destroy(&pull);
}

/* ---- configuration ------------------------------------------------------------------------ */

typedef struct {
    unsigned roles;
    const char *secret, *server, *allowed; /* "S" server_secret, "P" server public, "A"
                                              allowed, "R" rogue public, "X" a path that does
                                              not exist, "G" a garbage file, "D" dir */
    const char *reason;                    /* expected in the error */
} bad_t;

static const char *resolve(const char *code, char *garbage)
{
    if (!code)
        return NULL;
    switch (code[0]) {
    case 'S':
        return server_secret;
    case 'P':
        return server_pub;
    case 'A':
        return allowed;
    case 'R':
        return rogue_pub;
    case 'G':
        return garbage;
    case 'D':
        return dir;
    default:
        return "/nonexistent/curve/file";
    }
}

Test(curve, partial_or_wrong_configuration_is_refused_with_the_reason)
{
    enum { B = CS_CURVE_BINDS, C = CS_CURVE_CONNECTS };
    const bad_t cases[] = {
        {B, "S", NULL, NULL, "--curve-allowed DIR"},
        {B | C, "S", "P", NULL, "--curve-allowed DIR"},
        {C, "S", NULL, NULL, "--curve-server-key FILE"},
        {B | C, "S", NULL, "A", "--curve-server-key FILE"},
        {B | C, NULL, "P", "A", "needs --curve-secret-key FILE"},
        {C, NULL, "P", NULL, "--curve-server-key needs --curve-secret-key"},
        {B, NULL, NULL, "A", "--curve-allowed needs --curve-secret-key"},
        {B | C, "P", "P", "A", "holds no secret key"},
        {B | C, "X", "P", "A", "--curve-secret-key: cannot read '/nonexistent/curve/file'"},
        {B | C, "G", "P", "A", "--curve-secret-key: '"},
        {B | C, "S", "X", "A", "--curve-server-key: cannot read"},
        {B | C, "S", "S", "A", "--curve-server-key: '"},
        {B | C, "S", "P", "X", "--curve-allowed: cannot read"},
        {B | C, "S", "P", "P", "is not a directory"},
        {B | C, "D", "P", "A", "--curve-secret-key: '"}, /* a directory */
    };
    char garbage[160];
    snprintf(garbage, sizeof garbage, "%s/garbage_secret", dir);
    FILE *f = fopen(garbage, "w");
    cr_assert(f);
    /* looks like a certificate whose secret line is broken: none of it may be echoed */
    fprintf(f, "curve\n    public-key = \"tooShort\"\n    secret-key = \"Sekr1tMaterial\n");
    fclose(f);
    for (size_t i = 0; i < CS_ARRAY_LEN(cases); i++) {
        char err[512] = "";
        int rc = curve_setup(cases[i].roles, resolve(cases[i].secret, garbage),
                             resolve(cases[i].server, garbage), resolve(cases[i].allowed, garbage),
                             err, sizeof err);
        cr_assert_eq(rc, -1, "case %zu accepted", i);
        cr_assert(strstr(err, cases[i].reason), "case %zu: '%s' lacks '%s'", i, err,
                  cases[i].reason);
        cr_assert(!strstr(err, "Sekr1t") && !strstr(err, "tooShort"), "case %zu echoed: %s", i,
                  err);
        cr_assert(!cs_curve_enabled(), "case %zu left CURVE on", i);
    }
}

Test(curve, duplicate_keys_in_the_allowed_directory_are_refused)
{
    char err[512], path[160];
    snprintf(path, sizeof path, "%s/sub", allowed);
    cr_assert_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/sub/extractor-copy", allowed);
    zcert_t *cert = load(extractor_pub);
    cr_assert_eq(zcert_save_public(cert, path), 0);
    zcert_destroy(&cert);
    cr_assert_eq(curve_setup(CS_CURVE_BINDS, server_secret, NULL, allowed, err, sizeof err), -1);
    cr_assert(strstr(err, "same public key"), "%s", err);
}

Test(curve, a_stage_cannot_make_a_plain_socket_when_curve_is_on)
{
    char err[512];
    /* an extractor: connects only, so it has no --curve-allowed to bind with */
    cr_assert_eq(
        curve_setup(CS_CURVE_CONNECTS, extractor_secret, server_pub, NULL, err, sizeof err), 0,
        "%s", err);
    zsock_t *s = cs_sock_new(ZMQ_PULL, ANY_PORT, true, err, sizeof err);
    cr_assert_null(s, "a bound socket without authentication was made");
    cr_assert(strstr(err, "--curve-allowed"), "%s", err);
    cs_curve_teardown();
    /* a matcher: binds only, no --curve-server-key to connect with */
    cr_assert_eq(curve_setup(CS_CURVE_BINDS, server_secret, NULL, allowed, err, sizeof err), 0,
                 "%s", err);
    s = cs_sock_new(ZMQ_PUSH, "tcp://127.0.0.1:1", false, err, sizeof err);
    cr_assert_null(s, "a connecting socket without the server key was made");
    cr_assert(strstr(err, "--curve-server-key"), "%s", err);
    cr_assert_eq(curve_setup(CS_CURVE_BINDS, server_secret, NULL, allowed, err, sizeof err), -1,
                 "set up twice");
}

/* ---- logging ------------------------------------------------------------------------------ */

Test(curve, setup_logs_one_info_line_and_never_the_secret)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    cs_log_set_stream(out);
    cs_log_set_level(CS_LOG_DEBUG); /* zauth verbose too (its lines go to czmq's stream) */
    curve_on();
    zcert_t *cert = load(server_secret);
    char secret[41];
    cs_strlcpy(secret, zcert_secret_txt(cert), sizeof secret);
    char public_txt[41];
    cs_strlcpy(public_txt, zcert_public_txt(cert), sizeof public_txt);
    zcert_destroy(&cert);
    cs_info("a careless line with the key %s in it", secret);
    fflush(out);
    cr_assert(strstr(buf, "CURVE on: clients authorised by the 2 public certificates in"), "%s",
              buf);
    cr_assert(strstr(buf, allowed), "%s", buf);
    cr_assert(strstr(buf, public_txt), "the public key is worth logging: %s", buf);
    cr_assert_null(strstr(buf, secret), "the secret key was logged: %s", buf);
    cr_assert(strstr(buf, "the key **** in it"), "%s", buf);
    cs_log_set_stream(NULL);
    fclose(out);
    free(buf);
}
