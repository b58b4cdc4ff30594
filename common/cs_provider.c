#include "cs_provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_record.h"
#include "cs_util.h"

struct cs_provider {
    const cs_provider_class_t *cls;
    void *client;
    bool owned; /* the client was opened here */
};

/* ---- openai: a cs_llm client of an OpenAI-compatible endpoint ---------------------------- */

static bool s_openai_usable(const cs_config_t *cfg)
{
    return cs_config_str(cfg, "openai-api-key") != NULL;
}

static void *s_openai_open(const cs_config_t *cfg, char *err, size_t errlen)
{
    cs_llm_opts_t lo = {
        .base_url = cs_config_str(cfg, "openai-base-url"),
        .api_key = cs_config_str(cfg, "openai-api-key"),
        .concurrency = (int)cs_config_int(cfg, "concurrency"),
        .rpm = (double)cs_config_int(cfg, "llm-rpm"),
        .tpm = (double)cs_config_int(cfg, "llm-tpm"),
        .timeout_ms = (int)(cs_config_double(cfg, "request-timeout") * 1000),
        .retry_budget_ms = (int)(cs_config_double(cfg, "retry-budget") * 1000),
    };
    return cs_llm_new(&lo, err, errlen);
}

static void s_openai_close(void *client)
{
    cs_llm_t *llm = client;
    cs_llm_destroy(&llm);
}

static int s_openai_run(void *client, int timeout_ms)
{
    return cs_llm_pending(client) > 0 ? cs_llm_run(client, timeout_ms) : 0;
}

static int s_openai_pending(const void *client)
{
    return cs_llm_pending(client);
}

static int s_openai_window(const void *client)
{
    return cs_llm_window(client);
}

static const char *s_openai_fatal(const void *client, const char **cause)
{
    const char *why = cs_llm_fatal_error(client);
    if (cause)
        *cause = why ? cs_llm_fatal_cause(client) : NULL;
    return why;
}

/* ---- the table ----------------------------------------------------------------------------- */

static const cs_provider_class_t s_providers[] = {
    {.name = "openai",
     .usable = s_openai_usable,
     .open = s_openai_open,
     .close = s_openai_close,
     .run = s_openai_run,
     .pending = s_openai_pending,
     .window = s_openai_window,
     .fatal = s_openai_fatal},
    {.name = CS_PROVIDER_LOCAL},
};

static const cs_provider_class_t *s_find(const char *name)
{
    for (size_t i = 0; name && i < CS_ARRAY_LEN(s_providers); i++)
        if (strcmp(s_providers[i].name, name) == 0)
            return &s_providers[i];
    return NULL;
}

const char *cs_provider_choose(const cs_config_t *cfg, const char *option, const char *auto_name,
                               bool *fell_back, char *err, size_t errlen)
{
    const char *value = cs_config_str(cfg, option);
    if (fell_back)
        *fell_back = false;
    if (value && strcmp(value, "auto") == 0) {
        if (auto_name)
            return auto_name;
        for (size_t i = 0; i < CS_ARRAY_LEN(s_providers); i++)
            if (s_providers[i].usable && s_providers[i].usable(cfg))
                return s_providers[i].name;
        if (fell_back)
            *fell_back = true;
        return CS_PROVIDER_LOCAL;
    }
    const cs_provider_class_t *cls = s_find(value);
    if (cls)
        return cls->name;
    char names[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < CS_ARRAY_LEN(s_providers) && used < sizeof names; i++)
        used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                                 s_providers[i].name);
    cs_fail(err, errlen, "--%s: expected %s or auto, got '%s'", option, names, value ? value : "");
    return NULL;
}

cs_provider_t *cs_provider_new(const char *name, void *client)
{
    const cs_provider_class_t *cls = s_find(name);
    cs_provider_t *self = cls ? calloc(1, sizeof *self) : NULL;
    if (!self)
        return NULL;
    self->cls = cls;
    self->client = client;
    return self;
}

cs_provider_t *cs_provider_open(const cs_config_t *cfg, const char *name, char *err, size_t errlen)
{
    const cs_provider_class_t *cls = s_find(name);
    if (!cls) {
        cs_fail(err, errlen, "no provider is called '%s'", name ? name : "");
        return NULL;
    }
    void *client = NULL;
    if (cls->open && !(client = cls->open(cfg, err, errlen)))
        return NULL;
    cs_provider_t *self = cs_provider_new(name, client);
    if (!self) {
        if (client && cls->close)
            cls->close(client);
        cs_fail(err, errlen, "out of memory");
        return NULL;
    }
    self->owned = true;
    return self;
}

void cs_provider_destroy(cs_provider_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cs_provider_t *self = *self_p;
    if (self->owned && self->client && self->cls->close)
        self->cls->close(self->client);
    free(self);
    *self_p = NULL;
}

const char *cs_provider_name(const cs_provider_t *self)
{
    return self ? self->cls->name : CS_PROVIDER_LOCAL;
}

void *cs_provider_client(const cs_provider_t *self)
{
    return self ? self->client : NULL;
}

int cs_provider_window(const cs_provider_t *self)
{
    return self && self->client && self->cls->window ? self->cls->window(self->client) : 0;
}

int cs_provider_run(cs_provider_t *self, int timeout_ms)
{
    if (!self || !self->client || !self->cls->run)
        return 0;
    return self->cls->run(self->client, timeout_ms);
}

int cs_provider_pending(const cs_provider_t *self)
{
    if (!self || !self->client || !self->cls->pending)
        return 0;
    return self->cls->pending(self->client);
}

const char *cs_provider_fatal(const cs_provider_t *self, const char **cause)
{
    if (cause)
        *cause = NULL;
    if (!self || !self->client || !self->cls->fatal)
        return NULL;
    return self->cls->fatal(self->client, cause);
}

const char *cs_provider_health(const char *cause)
{
    if (cause && strcmp(cause, CS_CAUSE_LLM_QUOTA) == 0)
        return "the LLM account is out of quota (llm_quota): check the account's billing, or "
               "OPENAI_API_KEY";
    return "the LLM API refuses the key (llm_auth, HTTP 401/403): check OPENAI_API_KEY";
}

const void *cs_provider_row(const void *const *rows, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++) {
        const char *const *row_name = rows[i]; /* a row's first member */
        if (strcmp(*row_name, name) == 0)
            return rows[i];
    }
    return NULL;
}

int cs_provider_model(const cs_config_t *cfg, cs_provider_model_t *out, char *err, size_t errlen)
{
    const char *format = cs_config_str(cfg, "response-format");
    if (!format || (strcmp(format, "json_schema") != 0 && strcmp(format, "json_object") != 0))
        return cs_fail(err, errlen, "--response-format: expected json_schema or json_object");
    double in = 0, out_price = 0;
    *out = (cs_provider_model_t){.model = cs_config_str(cfg, "model"),
                                 .json_schema = strcmp(format, "json_schema") == 0,
                                 .max_attempts = (int)cs_config_int(cfg, "max-attempts")};
    cs_llm_model_price(out->model, &in, &out_price);
    out->price_input =
        cs_config_str(cfg, "price-input") ? cs_config_double(cfg, "price-input") : in;
    out->price_output =
        cs_config_str(cfg, "price-output") ? cs_config_double(cfg, "price-output") : out_price;
    return 0;
}
