/* cs_config: flags over environment over defaults, NAME_FILE secrets, type checks, --help. */
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
