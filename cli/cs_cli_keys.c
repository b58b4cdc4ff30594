#define _DEFAULT_SOURCE /* realpath, explicit_bzero */
#include "cs_cli_keys.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <czmq.h>

#include "cs_util.h"

const cs_option_t cs_cli_keys_generate_options[] = {
    {"dir", NULL, CS_OPT_STRING, NULL,
     "directory for the certificates (created when missing; the same as the argument DIR)", 0},
    {"force", NULL, CS_OPT_FLAG, "false", "replace certificates that are already there", 0},
    CS_CLI_OPT_END,
};

/* zcert_save appends "_secret" to the name in a buffer of 256 bytes. */
#define ZCERT_NAME_MAX (255 - 7)

static const struct {
    const char *name; /* file name */
    const char *role; /* who presents it */
} IDENTITIES[] = {
    {"server", "the binding stages: fetcher, matcher, writer"},
    {"extractor", "the extractors"},
};

enum { NIDENTITIES = sizeof IDENTITIES / sizeof IDENTITIES[0] };

/* Create directory path unless it is one already: 0, or -1 with the reason in cli->err. */
static int s_mkdir(cs_cli_t *cli, const char *path)
{
    struct stat st;
    if (mkdir(path, 0755) == 0 || (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
        return 0;
    return cs_cli_fail(cli, "cannot create directory '%s': %s", path,
                       errno == EEXIST ? "a file of that name exists" : strerror(errno));
}

/* The files the command writes: dir/NAME, dir/NAME_secret and dir/allowed/NAME of each
   identity; 0 when none exists, -1 naming the first that does. */
static int s_check_free(cs_cli_t *cli, const char *dir)
{
    struct stat st;
    for (size_t i = 0; i < NIDENTITIES; i++) {
        char paths[3][PATH_MAX + 32];
        snprintf(paths[0], sizeof paths[0], "%s/%s", dir, IDENTITIES[i].name);
        snprintf(paths[1], sizeof paths[1], "%s/%s_secret", dir, IDENTITIES[i].name);
        snprintf(paths[2], sizeof paths[2], "%s/allowed/%s", dir, IDENTITIES[i].name);
        for (int k = 0; k < 3; k++)
            if (lstat(paths[k], &st) == 0)
                return cs_cli_fail(cli,
                                   "'%s' exists: refusing to overwrite CURVE certificates (stages "
                                   "still using them would be shut out); --force replaces them",
                                   paths[k]);
    }
    return 0;
}

/* Generate one identity: dir/NAME, dir/NAME_secret (0600), dir/allowed/NAME. Its public key
   goes into public_txt (41 bytes). */
static int s_generate(cs_cli_t *cli, const char *dir, size_t i, char *public_txt)
{
    char path[PATH_MAX + 32], secret[PATH_MAX + 40], allowed[PATH_MAX + 40];
    snprintf(path, sizeof path, "%s/%s", dir, IDENTITIES[i].name);
    snprintf(secret, sizeof secret, "%s_secret", path);
    snprintf(allowed, sizeof allowed, "%s/allowed/%s", dir, IDENTITIES[i].name);
    zcert_t *cert = zcert_new();
    if (!cert)
        return cs_cli_fail(cli, "cannot generate a CURVE key pair");
    zcert_set_meta(cert, "name", "%s", IDENTITIES[i].name);
    zcert_set_meta(cert, "role", "%s", IDENTITIES[i].role);
    zcert_set_meta(cert, "created-by", "callsift keys generate");
    cs_strlcpy(public_txt, zcert_public_txt(cert), 41);
    int rc = 0;
    if (zcert_save(cert, path) != 0) /* writes path and path_secret */
        rc = cs_cli_fail(cli, "cannot write '%s' or '%s': %s", path, secret, strerror(errno));
    else if (chmod(secret, 0600) != 0) /* also when --force reuses a file of another mode */
        rc = cs_cli_fail(cli, "cannot make '%s' private (chmod 600): %s", secret, strerror(errno));
    else if (zcert_save_public(cert, allowed) != 0)
        rc = cs_cli_fail(cli, "cannot write '%s': %s", allowed, strerror(errno));
    /* zcert_destroy frees without overwriting the secret */
    explicit_bzero((void *)zcert_secret_key(cert), 32);
    explicit_bzero((void *)zcert_secret_txt(cert), 40);
    zcert_destroy(&cert);
    return rc;
}

static void s_print(cs_cli_t *cli, const char *dir, char public_txt[][41])
{
    FILE *out = cli->out;
    fprintf(out, "Wrote CURVE certificates in %s:\n", dir);
    for (size_t i = 0; i < NIDENTITIES; i++)
        fprintf(out, "  %-10s %s, %s_secret (mode 0600): %s\n  %-10s public key %s\n",
                IDENTITIES[i].name, IDENTITIES[i].name, IDENTITIES[i].name, IDENTITIES[i].role, "",
                public_txt[i]);
    fprintf(out, "  %-10s server, extractor: the clients the bound sockets let in\n", "allowed/");
    fprintf(out, "\nFlags of each stage (or CALLSIFT_CURVE_SECRET_KEY, CALLSIFT_CURVE_SERVER_KEY, "
                 "CALLSIFT_CURVE_ALLOWED):\n");
    fprintf(out,
            "  callsift-fetcher    --curve-secret-key %s/server_secret --curve-server-key "
            "%s/server --curve-allowed %s/allowed\n",
            dir, dir, dir);
    fprintf(out,
            "  callsift-extractor  --curve-secret-key %s/extractor_secret --curve-server-key "
            "%s/server\n",
            dir, dir);
    fprintf(
        out,
        "  callsift-matcher    --curve-secret-key %s/server_secret --curve-allowed %s/allowed\n",
        dir, dir);
    fprintf(out,
            "  callsift-writer     --curve-secret-key %s/server_secret --curve-server-key "
            "%s/server --curve-allowed %s/allowed\n",
            dir, dir, dir);
    fprintf(out, "\nserver_secret belongs on the hosts of the fetcher, matcher and writer only, "
                 "extractor_secret on the extractors' hosts only.\n");
}

int cs_cli_keys_generate(cs_cli_t *cli)
{
    /* main() made sure there is exactly one of the argument and --dir */
    const char *given = cs_config_positional_count(cli->cfg) > 0 ? cs_config_positional(cli->cfg, 0)
                                                                 : cs_config_str(cli->cfg, "dir");
    if (!given || !*given)
        return cs_cli_fail(cli, "DIR is empty");
    if (!zmq_has("curve"))
        return cs_cli_fail(cli, "this libzmq was built without CURVE");
    if (s_mkdir(cli, given) != 0)
        return -1;
    char dir[PATH_MAX];
    if (!realpath(given, dir))
        return cs_cli_fail(cli, "cannot resolve '%s': %s", given, strerror(errno));
    if (strlen(dir) + strlen("/allowed/extractor") > ZCERT_NAME_MAX)
        return cs_cli_fail(cli, "'%s' is too long a path for czmq's certificate files", dir);
    char allowed[PATH_MAX + 16];
    snprintf(allowed, sizeof allowed, "%s/allowed", dir);
    if (s_mkdir(cli, allowed) != 0)
        return -1;
    if (!cs_config_flag(cli->cfg, "force") && s_check_free(cli, dir) != 0)
        return -1;
    char public_txt[NIDENTITIES][41];
    for (size_t i = 0; i < NIDENTITIES; i++)
        if (s_generate(cli, dir, i, public_txt[i]) != 0)
            return -1;
    s_print(cli, dir, public_txt);
    return 0;
}
