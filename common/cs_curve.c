#define _DEFAULT_SOURCE /* explicit_bzero */
#include "cs_curve.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cs_log.h"
#include "cs_util.h"

#define KEY_TXT        41          /* Z85 text of a 32-byte key, with its NUL */
#define CERT_MAX_BYTES (64 * 1024) /* a certificate is a few hundred bytes */
#define PATH_MAX_LEN   4096

/* ZMQ_ZAP_ENFORCE_DOMAIN, in libzmq 4.3's draft API (not in the zmq.h we build against): a
   CURVE server with it refuses clients when no ZAP handler answers, instead of letting in
   anyone who knows its public key. Best effort: a libzmq without it answers EINVAL, and then
   the zauth actor, running from setup to teardown, is what keeps clients out. */
#define ZAP_ENFORCE_DOMAIN 93

static struct {
    bool on;
    zcert_t *cert;            /* this stage's certificate (public and secret) */
    zactor_t *auth;           /* the authenticator; NULL for a stage that binds nothing */
    char server_key[KEY_TXT]; /* the servers' public key; "" for a stage that connects to none */
} s_curve;

typedef struct {
    char public_txt[KEY_TXT];
    char secret_txt[KEY_TXT]; /* "" in a public certificate */
} keys_t;

static void s_wipe(void *buf, size_t len)
{
    explicit_bzero(buf, len);
}

/* A Z85 key of 40 characters that decodes: true. */
static bool s_valid_key(const char *txt)
{
    uint8_t bin[32];
    bool ok = strlen(txt) == KEY_TXT - 1 && zmq_z85_decode(bin, txt) != NULL;
    s_wipe(bin, sizeof bin);
    return ok;
}

/* The value of a ZPL line `name = "value"` (or 'value', or a bare word) starting at p, copied
   into out (KEY_TXT bytes); "" when it does not fit (no key is longer). */
static void s_zpl_value(const char *p, char *out)
{
    out[0] = '\0';
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p++ != '=')
        return;
    while (*p == ' ' || *p == '\t')
        p++;
    char quote = (*p == '"' || *p == '\'') ? *p++ : '\0';
    size_t n = 0;
    while (p[n] && (quote ? p[n] != quote : (p[n] != ' ' && p[n] != '\t' && p[n] != '#')))
        n++;
    if (quote && p[n] != quote)
        return;
    if (n < KEY_TXT) {
        memcpy(out, p, n);
        out[n] = '\0';
    }
}

/* Read the czmq certificate at path (ZPL as zcert_save writes it: a "curve" section holding
   public-key, and secret-key in the secret file) into keys. 0; -1 with a reason naming `flag`
   in err. Nothing of the file's contents ever goes into err: it may hold a secret. */
static int s_read_cert(const char *flag, const char *path, keys_t *keys, char *err, size_t errlen)
{
    memset(keys, 0, sizeof *keys);
    FILE *f = fopen(path, "r");
    if (!f)
        return cs_fail(err, errlen, "--%s: cannot read '%s': %s", flag, path, strerror(errno));
    char *buf = malloc(CERT_MAX_BYTES + 1);
    size_t len = buf ? fread(buf, 1, CERT_MAX_BYTES + 1, f) : 0;
    bool read_error = ferror(f) != 0;
    fclose(f);
    if (!buf)
        return cs_fail(err, errlen, "out of memory");
    if (read_error || len > CERT_MAX_BYTES) {
        s_wipe(buf, len);
        free(buf);
        return cs_fail(err, errlen, "--%s: '%s' is %s", flag, path,
                       read_error ? "unreadable (a directory?)" : "too large for a certificate");
    }
    buf[len] = '\0';
    bool in_curve = false, bad = false;
    for (char *save = NULL, *line = strtok_r(buf, "\r\n", &save); line;
         line = strtok_r(NULL, "\r\n", &save)) {
        bool indented = *line == ' ' || *line == '\t';
        char *p = line + strspn(line, " \t");
        if (*p == '#' || *p == '\0')
            continue;
        if (!indented) { /* a section name */
            in_curve = strncmp(p, "curve", 5) == 0 && strchr(" \t#", p[5]);
            continue;
        }
        char *slot = NULL;
        size_t name_len = 0;
        if (in_curve && strncmp(p, "public-key", 10) == 0) {
            slot = keys->public_txt;
            name_len = 10;
        } else if (in_curve && strncmp(p, "secret-key", 10) == 0) {
            slot = keys->secret_txt;
            name_len = 10;
        }
        if (!slot)
            continue;
        s_zpl_value(p + name_len, slot);
        bad = bad || !s_valid_key(slot);
    }
    s_wipe(buf, len);
    free(buf);
    if (bad || !keys->public_txt[0]) {
        s_wipe(keys, sizeof *keys);
        return cs_fail(err, errlen,
                       "--%s: '%s' is not a CURVE certificate (no valid curve public-key; see "
                       "'callsift keys generate')",
                       flag, path);
    }
    return 0;
}

/* This stage's certificate from the secret file: the secret key must be there and match the
   public key. NULL with the reason in err. */
static zcert_t *s_load_own(const char *path, char *err, size_t errlen)
{
    keys_t keys;
    if (s_read_cert("curve-secret-key", path, &keys, err, errlen) != 0)
        return NULL;
    zcert_t *cert = NULL;
    char derived[KEY_TXT] = "";
    if (!keys.secret_txt[0]) {
        cs_fail(err, errlen,
                "--curve-secret-key: '%s' holds no secret key: give the NAME_secret file of "
                "this stage's certificate",
                path);
    } else if (zmq_curve_public(derived, keys.secret_txt) != 0 ||
               strcmp(derived, keys.public_txt) != 0) {
        cs_fail(err, errlen,
                "--curve-secret-key: in '%s' the public key is not the secret key's own", path);
    } else {
        uint8_t pub[32], sec[32];
        zmq_z85_decode(pub, keys.public_txt);
        zmq_z85_decode(sec, keys.secret_txt);
        cert = zcert_new_from(pub, sec);
        s_wipe(sec, sizeof sec);
        if (!cert)
            cs_fail(err, errlen, "out of memory");
        else
            cs_log_add_secret(zcert_secret_txt(cert));
    }
    s_wipe(&keys, sizeof keys);
    return cert;
}

/* The servers' public key from their public certificate, into out (KEY_TXT bytes). A secret
   certificate is refused: it has no business on a client's host. */
static int s_load_server_key(const char *path, char *out, char *err, size_t errlen)
{
    keys_t keys;
    if (s_read_cert("curve-server-key", path, &keys, err, errlen) != 0)
        return -1;
    bool secret = keys.secret_txt[0] != '\0';
    cs_strlcpy(out, keys.public_txt, KEY_TXT);
    s_wipe(&keys, sizeof keys);
    if (secret) {
        out[0] = '\0';
        return cs_fail(err, errlen,
                       "--curve-server-key: '%s' is a secret certificate: give the server's "
                       "public one (the file without _secret)",
                       path);
    }
    return 0;
}

static void s_free_name(void **item)
{
    free(*item);
    *item = NULL;
}

static void *s_dup_name(const void *item)
{
    return strdup(item);
}

/* Look through the allowed directory the way zauth's certificate store will (zdir: regular
   files, subdirectories too, hidden ones skipped, "*_secret" skipped) so that what would
   break it is a usage error now: two files with one public key make zcertstore abort the
   process. Files that are not certificates are ignored by zauth: a warning. The number of
   certificates goes into *count. */
static int s_check_allowed(const char *dir, int *count, char *err, size_t errlen)
{
    *count = 0;
    struct stat st;
    if (stat(dir, &st) != 0)
        return cs_fail(err, errlen, "--curve-allowed: cannot read '%s': %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return cs_fail(err, errlen, "--curve-allowed: '%s' is not a directory", dir);
    zdir_t *zdir = zdir_new(dir, NULL);
    if (!zdir)
        return cs_fail(err, errlen, "--curve-allowed: cannot read directory '%s'", dir);
    zfile_t **files = zdir_flatten(zdir);
    zhashx_t *seen = zhashx_new(); /* public key -> file name (both owned by the tables) */
    int rc = files && seen ? 0 : cs_fail(err, errlen, "out of memory");
    if (seen) {
        zhashx_set_destructor(seen, s_free_name);
        zhashx_set_duplicator(seen, s_dup_name);
    }
    for (size_t i = 0; rc == 0 && files[i]; i++) {
        const char *name = zfile_filename(files[i], NULL);
        size_t n = strlen(name);
        if (!zfile_is_regular(files[i]) || (n >= 7 && strcmp(name + n - 7, "_secret") == 0))
            continue;
        keys_t keys;
        char reason[512];
        if (s_read_cert("curve-allowed", name, &keys, reason, sizeof reason) != 0) {
            cs_warn("%s; zauth ignores it", reason);
            continue;
        }
        if (keys.secret_txt[0])
            cs_warn("--curve-allowed: '%s' holds a secret key: the directory is for public "
                    "certificates only",
                    name);
        const char *other = zhashx_lookup(seen, keys.public_txt);
        if (other)
            rc = cs_fail(err, errlen,
                         "--curve-allowed: '%s' and '%s' hold the same public key: remove one "
                         "(the authenticator cannot load both)",
                         other, name);
        else if (zhashx_insert(seen, keys.public_txt, (void *)name) == 0)
            (*count)++;
        s_wipe(&keys, sizeof keys);
    }
    zhashx_destroy(&seen);
    zdir_flatten_free(&files);
    zdir_destroy(&zdir);
    return rc;
}

/* A stage's secret file readable by others works, but deserves a word. */
static void s_check_mode(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && (st.st_mode & 077))
        cs_warn("--curve-secret-key: '%s' can be read by other users (mode %04o): chmod 600 it",
                path, (unsigned)(st.st_mode & 07777));
}

/* A value that cannot be a file name (several lines: a certificate's contents, from a
   CALLSIFT_CURVE_*_FILE variable?) is refused without being repeated. */
static int s_check_path(const char *flag, const char *value, char *err, size_t errlen)
{
    if (strlen(value) >= PATH_MAX_LEN || strpbrk(value, "\r\n"))
        return cs_fail(err, errlen,
                       "--%s takes a file name, and this value is not one (%s_FILE is not for "
                       "it: the option names the file itself)",
                       flag,
                       strcmp(flag, "curve-allowed") == 0      ? "CALLSIFT_CURVE_ALLOWED"
                       : strcmp(flag, "curve-server-key") == 0 ? "CALLSIFT_CURVE_SERVER_KEY"
                                                               : "CALLSIFT_CURVE_SECRET_KEY");
    return 0;
}

/* The options the roles need are all given and none is empty: 0, or -1 with the reason. */
static int s_check_combination(const char *secret, const char *server, const char *allowed,
                               unsigned roles, char *err, size_t errlen)
{
    const char *given = secret   ? "--curve-secret-key"
                        : server ? "--curve-server-key"
                                 : "--curve-allowed";
    if (!secret)
        return cs_fail(err, errlen,
                       "%s needs --curve-secret-key FILE: with CURVE on, this stage needs its own "
                       "certificate (the NAME_secret file)",
                       given);
    if ((roles & CS_CURVE_BINDS) && !allowed)
        return cs_fail(err, errlen,
                       "CURVE needs --curve-allowed DIR on this stage: it binds sockets and lets "
                       "in only the clients whose public certificates are there");
    if ((roles & CS_CURVE_CONNECTS) && !server)
        return cs_fail(err, errlen,
                       "CURVE needs --curve-server-key FILE on this stage: it connects to other "
                       "stages and must know their public key");
    if (!(roles & CS_CURVE_BINDS) && allowed)
        cs_warn("--curve-allowed is not used: this stage binds no socket");
    if (!(roles & CS_CURVE_CONNECTS) && server)
        cs_warn("--curve-server-key is not used: this stage connects to no other stage");
    return 0;
}

/* The authenticator: zauth on the allowed directory, verbose at debug level. */
static zactor_t *s_start_auth(const char *dir, char *err, size_t errlen)
{
    zactor_t *auth = zactor_new(zauth, NULL);
    if (!auth) {
        cs_fail(err, errlen, "cannot start the CURVE authenticator (zauth)");
        return NULL;
    }
    if (cs_log_level() <= CS_LOG_DEBUG) {
        zstr_sendx(auth, "VERBOSE", NULL);
        zsock_wait(auth);
    }
    zstr_sendx(auth, "CURVE", dir, NULL);
    zsock_wait(auth);
    return auth;
}

int cs_curve_setup(const cs_config_t *cfg, unsigned roles, char *err, size_t errlen)
{
    const char *secret = cs_config_str(cfg, "curve-secret-key");
    const char *server = cs_config_str(cfg, "curve-server-key");
    const char *allowed = cs_config_str(cfg, "curve-allowed");
    secret = secret && *secret ? secret : NULL; /* an empty variable is no option */
    server = server && *server ? server : NULL;
    allowed = allowed && *allowed ? allowed : NULL;
    if (!secret && !server && !allowed)
        return 0;
    if (s_curve.on)
        return cs_fail(err, errlen, "CURVE is already set up");
    if (s_check_combination(secret, server, allowed, roles, err, errlen) != 0 ||
        s_check_path("curve-secret-key", secret, err, errlen) != 0 ||
        (server && s_check_path("curve-server-key", server, err, errlen) != 0) ||
        (allowed && s_check_path("curve-allowed", allowed, err, errlen) != 0))
        return -1;
    if (!zmq_has("curve"))
        return cs_fail(err, errlen, "--curve-*: this libzmq was built without CURVE");

    bool binds = roles & CS_CURVE_BINDS, connects = roles & CS_CURVE_CONNECTS;
    int nallowed = 0;
    char server_key[KEY_TXT] = "";
    if ((connects && s_load_server_key(server, server_key, err, errlen) != 0) ||
        (binds && s_check_allowed(allowed, &nallowed, err, errlen) != 0))
        return -1;
    zcert_t *cert = s_load_own(secret, err, errlen);
    if (!cert)
        return -1;
    s_check_mode(secret);
    zactor_t *auth = NULL;
    if (binds) {
        zsys_init();                /* before the next line, or zsys_init would undo it */
        zsys_set_logstream(stderr); /* czmq's own lines (zauth, zconfig) stay off stdout */
        if (!(auth = s_start_auth(allowed, err, errlen))) {
            zcert_destroy(&cert);
            return -1;
        }
        if (nallowed == 0)
            cs_warn("--curve-allowed: '%s' holds no public certificate yet: every client is "
                    "refused until one is added",
                    allowed);
    }
    s_curve.on = true;
    s_curve.cert = cert;
    s_curve.auth = auth;
    cs_strlcpy(s_curve.server_key, server_key, sizeof s_curve.server_key);

    if (binds && connects)
        cs_info("CURVE on: clients authorised by the %d public certificate%s in %s; connecting "
                "as %s to the server key %s",
                nallowed, nallowed == 1 ? "" : "s", allowed, zcert_public_txt(cert), server_key);
    else if (binds)
        cs_info("CURVE on: clients authorised by the %d public certificate%s in %s; this "
                "stage's public key is %s",
                nallowed, nallowed == 1 ? "" : "s", allowed, zcert_public_txt(cert));
    else
        cs_info("CURVE on: no bound sockets here (no clients to authorise); connecting as %s "
                "to the server key %s",
                zcert_public_txt(cert), server_key);
    return 0;
}

bool cs_curve_enabled(void)
{
    return s_curve.on;
}

int cs_curve_apply(zsock_t *sock, bool bind, char *err, size_t errlen)
{
    if (!s_curve.on)
        return 0;
    if (bind && !s_curve.auth)
        return cs_fail(err, errlen,
                       "CURVE is on but this stage has no --curve-allowed: it cannot bind a "
                       "socket that lets any client in");
    if (!bind && !s_curve.server_key[0])
        return cs_fail(err, errlen,
                       "CURVE is on but this stage has no --curve-server-key: it cannot "
                       "connect");
    zcert_apply(s_curve.cert, sock);
    if (bind) {
        zsock_set_curve_server(sock, 1);
        zsock_set_zap_domain(sock, CS_CURVE_DOMAIN);
        int one = 1;
        (void)zmq_setsockopt(zsock_resolve(sock), ZAP_ENFORCE_DOMAIN, &one, sizeof one);
    } else {
        zsock_set_curve_serverkey(sock, s_curve.server_key);
    }
    return 0;
}

void cs_curve_teardown(void)
{
    zactor_destroy(&s_curve.auth);
    if (s_curve.cert) {
        /* zcert_destroy frees without overwriting: do it here */
        s_wipe((void *)zcert_secret_key(s_curve.cert), 32);
        s_wipe((void *)zcert_secret_txt(s_curve.cert), KEY_TXT - 1);
        zcert_destroy(&s_curve.cert);
    }
    memset(&s_curve, 0, sizeof s_curve);
}
