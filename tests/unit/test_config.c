/* cs_config: flags over environment over defaults, NAME_FILE secrets, type checks, --help. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cs_config.h"
#include "cs_log.h"

static const cs_option_t OPTS[] = {
    {"workspace-id", "CS_T_WORKSPACE", CS_OPT_STRING, NULL, "workspace", CS_OPT_REQUIRED},
    {"limit", "CS_T_LIMIT", CS_OPT_INT, "100", "maximum calls", 0},
    {"confidence", "CS_T_CONFIDENCE", CS_OPT_DOUBLE, "0.7", "threshold", 0},
    {"no-transcripts", "CS_T_NO_TRANSCRIPTS", CS_OPT_FLAG, "false", "skip transcripts", 0},
    {"api-key", "CS_T_API_KEY", CS_OPT_STRING, NULL, "key", CS_OPT_SECRET},
    {NULL, NULL, 0, NULL, NULL, 0},
};

static void clear_env(void)
{
    unsetenv("CS_T_WORKSPACE");
    unsetenv("CS_T_LIMIT");
    unsetenv("CS_T_CONFIDENCE");
    unsetenv("CS_T_NO_TRANSCRIPTS");
    unsetenv("CS_T_API_KEY");
    unsetenv("CS_T_API_KEY_FILE");
}

TestSuite(config, .init = clear_env);

static int parse(cs_config_t *cfg, char **argv, char *err)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    return cs_config_parse(cfg, argc, argv, false, err, 256);
}

Test(config, defaults_and_flags)
{
    cs_config_t *cfg = cs_config_new("t", NULL, OPTS);
    char err[256];
    char *argv[] = {"t", "--workspace-id", "w1", "--limit=5", "--no-transcripts", NULL};
    cr_assert_eq(parse(cfg, argv, err), 0, "%s", err);
    cr_assert_str_eq(cs_config_str(cfg, "workspace-id"), "w1");
    cr_assert_eq(cs_config_int(cfg, "limit"), 5);
    cr_assert_float_eq(cs_config_double(cfg, "confidence"), 0.7, 1e-9);
    cr_assert(cs_config_flag(cfg, "no-transcripts"));
    cr_assert(!cs_config_is_set(cfg, "confidence"));
    cr_assert_null(cs_config_str(cfg, "api-key"));
    cs_config_destroy(&cfg);
    cr_assert_null(cfg);
    cs_config_destroy(&cfg); /* idempotent */
}

Test(config, flags_override_environment)
{
    setenv("CS_T_WORKSPACE", "from-env", 1);
    setenv("CS_T_LIMIT", "7", 1);
    cs_config_t *cfg = cs_config_new("t", NULL, OPTS);
    char err[256];
    char *argv[] = {"t", "--limit", "9", NULL};
    cr_assert_eq(parse(cfg, argv, err), 0, "%s", err);
    cr_assert_str_eq(cs_config_str(cfg, "workspace-id"), "from-env");
    cr_assert_eq(cs_config_int(cfg, "limit"), 9);
    cs_config_destroy(&cfg);
}

Test(config, required_missing_names_flag_and_env)
{
    cs_config_t *cfg = cs_config_new("t", NULL, OPTS);
    char err[256];
    char *argv[] = {"t", NULL};
    cr_assert_eq(parse(cfg, argv, err), -1);
    cr_assert(strstr(err, "--workspace-id") && strstr(err, "CS_T_WORKSPACE"), "%s", err);
    cs_config_destroy(&cfg);
}

Test(config, type_errors)
{
    char err[256];
    char *bad_int[] = {"t", "--workspace-id", "w", "--limit", "12abc", NULL};
    char *bad_num[] = {"t", "--workspace-id", "w", "--confidence", "high", NULL};
    char *unknown[] = {"t", "--workspace-id", "w", "--nope", NULL};
    char *positional[] = {"t", "--workspace-id", "w", "extra", NULL};
    char *no_value[] = {"t", "--workspace-id", NULL};
    char **cases[] = {bad_int, bad_num, unknown, positional, no_value};
    const char *expect[] = {"--limit", "--confidence", "--nope", "extra", "--workspace-id"};
    for (size_t i = 0; i < 5; i++) {
        cs_config_t *cfg = cs_config_new("t", NULL, OPTS);
        cr_assert_eq(parse(cfg, cases[i], err), -1, "case %zu accepted", i);
        cr_assert(strstr(err, expect[i]), "case %zu: %s", i, err);
        cs_config_destroy(&cfg);
    }
    setenv("CS_T_LIMIT", "many", 1);
    cs_config_t *cfg = cs_config_new("t", NULL, OPTS);
    char *argv[] = {"t", "--workspace-id", "w", NULL};
    cr_assert_eq(parse(cfg, argv, err), -1);
    cr_assert(strstr(err, "CS_T_LIMIT"), "%s", err);
    cs_config_destroy(&cfg);
}

Test(config, secret_from_file_is_masked_in_logs)
{
    char path[] = "/tmp/cs_secret_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, "sk-verysecret123\n", 17), 17);
    close(fd);
    setenv("CS_T_API_KEY_FILE", path, 1);
    cs_config_t *cfg = cs_config_new("t", NULL, OPTS);
    char err[256];
    char *argv[] = {"t", "--workspace-id", "w", NULL};
    cr_assert_eq(parse(cfg, argv, err), 0, "%s", err);
    cr_assert_str_eq(cs_config_str(cfg, "api-key"), "sk-verysecret123");

    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    cs_log_set_stream(out);
    cs_info("using key %s", cs_config_str(cfg, "api-key"));
    fclose(out);
    cr_assert_null(strstr(buf, "sk-verysecret123"), "%s", buf);
    cr_assert(strstr(buf, "using key ****"), "%s", buf);
    free(buf);
    unlink(path);
    cs_config_destroy(&cfg);
    cs_log_reset();
}

Test(config, missing_secret_file_is_an_error)
{
    setenv("CS_T_API_KEY_FILE", "/nonexistent/key", 1);
    cs_config_t *cfg = cs_config_new("t", NULL, OPTS);
    char err[256];
    char *argv[] = {"t", "--workspace-id", "w", NULL};
    cr_assert_eq(parse(cfg, argv, err), -1);
    cr_assert(strstr(err, "CS_T_API_KEY_FILE"), "%s", err);
    cs_config_destroy(&cfg);
}

Test(config, help_lists_flags_env_and_hides_secret_values)
{
    setenv("CS_T_API_KEY", "sk-hidden-value", 1);
    cs_config_t *cfg = cs_config_new("t [OPTIONS]", "Does things.", OPTS);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    cs_config_usage(cfg, out);
    fclose(out);
    cr_assert(strstr(buf, "--workspace-id"));
    cr_assert(strstr(buf, "CS_T_LIMIT"));
    cr_assert(strstr(buf, "default: 100"));
    cr_assert(strstr(buf, "CS_T_API_KEY_FILE"));
    cr_assert(strstr(buf, "--log-format"));
    cr_assert_null(strstr(buf, "sk-hidden-value"));
    free(buf);
    cs_config_destroy(&cfg);
}

Test(config, log_format_is_applied)
{
    cs_config_t *cfg = cs_config_new("t", NULL, OPTS);
    char err[256];
    char *argv[] = {"t", "--workspace-id", "w", "--log-format", "yaml", NULL};
    cr_assert_eq(parse(cfg, argv, err), -1);
    cr_assert(strstr(err, "--log-format"), "%s", err);
    cs_config_destroy(&cfg);
}

static const cs_option_t RANGED[] = {
    {"limit", "CS_T_LIMIT", CS_OPT_INT, "100", "at least 0", 0},
    {"attempts", NULL, CS_OPT_INT, "3", "at least 1", CS_OPT_POSITIVE},
    {"port", NULL, CS_OPT_INT, "0", "a port", CS_OPT_PORT},
    {"offset", NULL, CS_OPT_INT, "0", "any integer", CS_OPT_SIGNED},
    {"confidence", NULL, CS_OPT_DOUBLE, "0.7", "0..1", CS_OPT_UNIT},
    {"timeout", NULL, CS_OPT_DOUBLE, "30", "> 0", CS_OPT_POSITIVE},
    {"rate", NULL, CS_OPT_DOUBLE, "0", ">= 0", 0},
    {NULL, NULL, 0, NULL, NULL, 0},
};

/* Parse one "--name=value" against RANGED; returns the parse result, the reason in err. */
static int parse_one(const char *arg, char err[256])
{
    cs_config_t *cfg = cs_config_new("t", NULL, RANGED);
    char *argv[] = {"t", (char *)arg, NULL};
    int rc = cs_config_parse(cfg, 2, argv, false, err, 256);
    cs_config_destroy(&cfg);
    return rc;
}

Test(config, numeric_values_out_of_range_name_the_flag_and_the_range)
{
    static const struct {
        const char *arg, *reason;
    } BAD[] = {
        {"--limit=-5", "--limit: expected an integer of at least 0, got '-5'"},
        {"--limit=2147483648", "--limit: expected an integer of at least 0"},
        {"--limit=99999999999999999999", "--limit: expected an integer of at least 0"},
        {"--attempts=0", "--attempts: expected an integer of at least 1, got '0'"},
        {"--port=65536", "--port: expected an integer from 0 to 65535, got '65536'"},
        {"--offset=x", "--offset: expected an integer, got 'x'"},
        {"--confidence=1.5", "--confidence: expected a number from 0 to 1, got '1.5'"},
        {"--timeout=0", "--timeout: expected a number greater than 0 and at most 1000000, got '0'"},
        {"--timeout=1e300", "--timeout: expected a number greater than 0 and at most 1000000"},
        {"--rate=-0.5", "--rate: expected a number from 0 to 1000000, got '-0.5'"},
        {"--rate=nan", "--rate: expected a number from 0 to 1000000"},
        {"--rate=1000001", "--rate: expected a number from 0 to 1000000"},
    };
    char err[256];
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        cr_assert_eq(parse_one(BAD[i].arg, err), -1, "%s was taken", BAD[i].arg);
        cr_assert(strstr(err, BAD[i].reason), "%s: %s", BAD[i].arg, err);
    }
    static const char *const GOOD[] = {"--limit=0",   "--attempts=1",      "--port=65535",
                                       "--offset=-7", "--confidence=1",    "--timeout=0.5",
                                       "--rate=0",    "--limit=2147483647"};
    for (size_t i = 0; i < sizeof GOOD / sizeof GOOD[0]; i++)
        cr_assert_eq(parse_one(GOOD[i], err), 0, "%s: %s", GOOD[i], err);
}

Test(config, the_environment_is_range_checked_too)
{
    setenv("CS_T_LIMIT", "-3", 1);
    char err[256];
    cr_assert_eq(parse_one("--rate=1", err), -1);
    cr_assert(strstr(err, "CS_T_LIMIT: expected an integer of at least 0, got '-3'"), "%s", err);
}

Test(config, version_prints_the_program_and_the_build)
{
    cs_config_t *cfg = cs_config_new("callsift-test --workspace-id UUID", NULL, OPTS);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    cs_config_version(cfg, out);
    fclose(out);
    char want[256];
    snprintf(want, sizeof want, "callsift-test %s\n", cs_version());
    cr_assert_str_eq(buf, want);
    cr_assert(strncmp(cs_version(), "0.", 2) == 0 || strncmp(cs_version(), "1.", 2) == 0, "%s",
              cs_version());
    free(buf);
    char err[256];
    char *argv[] = {"t", "--version", NULL}; /* answered before required options are checked */
    cr_assert_eq(cs_config_parse(cfg, 2, argv, false, err, sizeof err), 1);
    cs_config_destroy(&cfg);
}

static const cs_option_t SECRETS[] = {
    {"api-key", "CS_T_API_KEY", CS_OPT_STRING, NULL, "key", CS_OPT_SECRET},
    {"database-url", "DATABASE_URL", CS_OPT_STRING, NULL, "db", CS_OPT_SECRET},
    {NULL, NULL, 0, NULL, NULL, 0},
};

Test(config, secrets_given_as_flags_are_wiped_from_argv_with_a_warning)
{
    char key[] = "sk-live-abcdef123456";
    char url_arg[] = "--database-url=postgresql://u:hunter2pass@db/x";
    char *argv[] = {"t", "--api-key", key, url_arg, NULL};
    char *logbuf = NULL;
    size_t loglen = 0;
    FILE *log = open_memstream(&logbuf, &loglen);
    cs_log_set_stream(log);
    cs_config_t *cfg = cs_config_new("t", NULL, SECRETS);
    char err[256];
    cr_assert_eq(cs_config_parse(cfg, 4, argv, false, err, sizeof err), 0, "%s", err);
    cs_log_set_stream(NULL);
    fclose(log);
    /* the values are kept, argv no longer holds them */
    cr_assert_str_eq(cs_config_str(cfg, "api-key"), "sk-live-abcdef123456");
    cr_assert_str_eq(cs_config_str(cfg, "database-url"), "postgresql://u:hunter2pass@db/x");
    cr_assert_null(memmem(key, sizeof key, "abcdef", 6));
    cr_assert_null(memmem(url_arg, sizeof url_arg, "hunter2", 7));
    cr_assert_str_eq(argv[1], "--api-key");
    cr_assert(strstr(logbuf, "WARNING - --api-key was given on the command line"), "%s", logbuf);
    cr_assert(strstr(logbuf, "set CS_T_API_KEY or CS_T_API_KEY_FILE instead"), "%s", logbuf);
    cr_assert(strstr(logbuf, "--database-url was given"), "%s", logbuf);
    cr_assert_null(strstr(logbuf, "hunter2"), "%s", logbuf);
    free(logbuf);
    cs_config_destroy(&cfg);
    cs_log_reset();
}

Test(config, a_database_url_without_a_password_is_left_alone)
{
    char url[] = "postgresql://callsift@db.internal/callsift";
    char *argv[] = {"t", "--database-url", url, NULL};
    char *logbuf = NULL;
    size_t loglen = 0;
    FILE *log = open_memstream(&logbuf, &loglen);
    cs_log_set_stream(log);
    cs_config_t *cfg = cs_config_new("t", NULL, SECRETS);
    char err[256];
    cr_assert_eq(cs_config_parse(cfg, 3, argv, false, err, sizeof err), 0, "%s", err);
    cs_log_set_stream(NULL);
    fclose(log);
    cr_assert_str_eq(url, "postgresql://callsift@db.internal/callsift");
    cr_assert_eq(loglen, 0, "%s", logbuf);
    free(logbuf);
    cs_config_destroy(&cfg);
    cs_log_reset();
}
