/* cs_provider: the providers' table: the choice by an option, the clients opened from the
   shared option rows or borrowed, the rows of a stage's operation found by name, and what
   /healthz says of a refusal. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_config.h"
#include "cs_llm.h"
#include "cs_log.h"
#include "cs_provider.h"
#include "cs_record.h"

static void setup(void)
{
    cs_log_init("test");
    cs_log_set_level(CS_LOG_ERROR);
    unsetenv("OPENAI_API_KEY");
    unsetenv("OPENAI_BASE_URL");
    unsetenv("CALLSIFT_PROVIDER");
}

static void teardown(void)
{
    cs_log_reset();
}

TestSuite(provider, .init = setup, .fini = teardown);

static const cs_option_t s_options[] = {
    CS_PROVIDER_OPTIONS_ENDPOINT("openai, offline, or auto", "chat model"),
    {"vectors", NULL, CS_OPT_STRING, "auto", "vectors", 0},
    CS_PROVIDER_OPTION_CONCURRENCY,
    CS_PROVIDER_OPTIONS_REQUESTS("answers asked", "120", "fails it"),
    CS_PROVIDER_OPTIONS_PRICES(""),
    {NULL, NULL, 0, NULL, NULL, 0},
};

/* A config parsed from the flags (NULL-terminated). */
static cs_config_t *s_config(const char *const *flags)
{
    char *argv[16] = {strdup("test")};
    int argc = 1;
    for (; flags[argc - 1] && argc < 15; argc++)
        argv[argc] = strdup(flags[argc - 1]); /* a secret flag is wiped in place */
    cs_config_t *cfg = cs_config_new("test", "test", s_options);
    char err[256];
    cr_assert_eq(cs_config_parse(cfg, argc, argv, false, err, sizeof err), 0, "%s", err);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return cfg;
}

Test(provider, auto_picks_the_provider_whose_credentials_are_set)
{
    char err[256] = "";
    bool fell_back = false;
    cs_config_t *cfg = s_config((const char *[]){NULL});
    cr_assert_str_eq(cs_provider_choose(cfg, "provider", NULL, &fell_back, err, sizeof err),
                     CS_PROVIDER_LOCAL);
    cr_assert(fell_back, "no credentials: the local provider, and the caller can say so");
    cr_assert_str_eq(cs_provider_choose(cfg, "vectors", "openai", &fell_back, err, sizeof err),
                     "openai", "auto may name what it means");
    cr_assert_not(fell_back);
    cs_config_destroy(&cfg);

    cfg = s_config((const char *[]){"--openai-api-key", "sk-x", NULL});
    cr_assert_str_eq(cs_provider_choose(cfg, "provider", NULL, &fell_back, err, sizeof err),
                     "openai");
    cr_assert_not(fell_back);
    cs_config_destroy(&cfg);

    cfg = s_config((const char *[]){"--openai-api-key", "sk-x", "--provider", "offline", NULL});
    cr_assert_str_eq(cs_provider_choose(cfg, "provider", NULL, NULL, err, sizeof err), "offline",
                     "a name given wins over the credentials");
    cs_config_destroy(&cfg);
}

Test(provider, an_unknown_name_is_refused_with_the_names_there_are)
{
    char err[256] = "";
    cs_config_t *cfg = s_config((const char *[]){"--provider", "anthropic", NULL});
    cr_assert_null(cs_provider_choose(cfg, "provider", NULL, NULL, err, sizeof err));
    cr_assert_str_eq(err, "--provider: expected openai, offline or auto, got 'anthropic'");
    cr_assert_null(cs_provider_open(cfg, "anthropic", err, sizeof err));
    cr_assert(strstr(err, "anthropic"), "%s", err);
    cr_assert_null(cs_provider_new("anthropic", NULL));
    cs_config_destroy(&cfg);
}

Test(provider, clients_open_from_the_options_or_are_borrowed)
{
    char err[256] = "";
    cs_config_t *cfg = s_config((const char *[]){"--openai-base-url", "ftp://example.com", NULL});
    cr_assert_null(cs_provider_open(cfg, "openai", err, sizeof err), "not http(s)");
    cr_assert(strlen(err) > 0);
    cs_provider_t *local = cs_provider_open(cfg, "offline", err, sizeof err);
    cr_assert_not_null(local, "%s", err);
    cr_assert_null(cs_provider_client(local), "the local provider has no client");
    cr_assert_eq(cs_provider_run(local, 0), 0);
    cr_assert_eq(cs_provider_pending(local), 0);
    cr_assert_null(cs_provider_fatal(local, NULL));
    cs_provider_destroy(&local);
    cr_assert_null(local);
    cs_provider_destroy(&local);
    cs_config_destroy(&cfg);

    cfg = s_config((const char *[]){"--concurrency", "3", NULL});
    cs_provider_t *remote = cs_provider_open(cfg, "openai", err, sizeof err);
    cr_assert_not_null(remote, "%s", err);
    cr_assert_str_eq(cs_provider_name(remote), "openai");
    cr_assert_not_null(cs_provider_client(remote));
    cr_assert_eq(cs_provider_pending(remote), 0);
    cs_provider_destroy(&remote); /* closes the client it opened (valgrind would tell) */
    cs_config_destroy(&cfg);

    /* a borrowed client outlives its provider */
    cs_llm_opts_t lo = {.base_url = "http://127.0.0.1:9/v1"};
    cs_llm_t *llm = cs_llm_new(&lo, err, sizeof err);
    cr_assert_not_null(llm, "%s", err);
    cs_provider_t *borrowing = cs_provider_new("openai", llm);
    cr_assert_eq(cs_provider_client(borrowing), llm);
    cs_provider_destroy(&borrowing);
    cr_assert_eq(cs_llm_pending(llm), 0, "still usable");
    cs_llm_destroy(&llm);

    cr_assert_str_eq(cs_provider_name(NULL), CS_PROVIDER_LOCAL);
    cr_assert_eq(cs_provider_run(NULL, 0), 0);
}

Test(provider, the_model_options_and_their_prices)
{
    char err[256] = "";
    cs_provider_model_t m;
    cs_config_t *cfg = s_config((const char *[]){NULL});
    cr_assert_eq(cs_provider_model(cfg, &m, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(m.model, CS_LLM_DEFAULT_MODEL);
    cr_assert(m.json_schema);
    cr_assert_eq(m.max_attempts, 3);
    double in = 0, out = 0;
    cr_assert(cs_llm_model_price(CS_LLM_DEFAULT_MODEL, &in, &out));
    cr_assert_float_eq(m.price_input, in, 1e-12, "the list price");
    cr_assert_float_eq(m.price_output, out, 1e-12);
    cs_config_destroy(&cfg);

    cfg = s_config((const char *[]){"--model", "my-local-model", "--response-format", "json_object",
                                    "--price-output", "1.5", NULL});
    cr_assert_eq(cs_provider_model(cfg, &m, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(m.model, "my-local-model");
    cr_assert_not(m.json_schema);
    cr_assert_float_eq(m.price_input, 0.0, 1e-12, "an unknown model is free");
    cr_assert_float_eq(m.price_output, 1.5, 1e-12);
    cs_config_destroy(&cfg);

    cfg = s_config((const char *[]){"--response-format", "yaml", NULL});
    cr_assert_eq(cs_provider_model(cfg, &m, err, sizeof err), -1);
    cr_assert_str_eq(err, "--response-format: expected json_schema or json_object");
    cs_config_destroy(&cfg);
}

/* A stage's rows: a name first, then its functions. */
typedef struct {
    const char *name;
    int value;
} s_row_t;

Test(provider, a_stage_row_is_found_by_the_providers_name)
{
    static const s_row_t a = {"offline", 1}, b = {"openai", 2};
    const s_row_t *const rows[] = {&a, &b};
    cr_assert_eq(cs_provider_row((const void *const *)rows, 2, "openai"), &b);
    cr_assert_eq(cs_provider_row((const void *const *)rows, 2, "offline"), &a);
    cr_assert_null(cs_provider_row((const void *const *)rows, 2, "other"));
    cr_assert_null(cs_provider_row((const void *const *)rows, 2, NULL));
    cr_assert_null(cs_provider_row((const void *const *)rows, 1, "openai"));
}

Test(provider, healthz_names_what_to_fix)
{
    cr_assert(strstr(cs_provider_health(CS_CAUSE_LLM_QUOTA), "out of quota"));
    cr_assert(strstr(cs_provider_health(CS_CAUSE_LLM_AUTH), "refuses the key"));
    cr_assert(strstr(cs_provider_health(NULL), "OPENAI_API_KEY"));
}
