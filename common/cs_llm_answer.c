/*  cs_llm_answer: see cs_llm_answer.h. */
#include "cs_llm_answer.h"

#include <ctype.h>
#include <string.h>

#include "cs_text.h"
#include "cs_util.h"

#define RAW_QUOTE_MAX 200 /* of a body that has no recognisable error message */

/* Copy text[0..len) into out (capacity outlen) without control characters, cut to at most max
   bytes (on a UTF-8 character boundary) with "..." when longer. */
static void s_clean_copy(const char *text, size_t len, size_t max, char *out, size_t outlen)
{
    size_t n = strnlen(text, len);
    size_t keep = outlen > 4 ? outlen - 4 : 0; /* room for "..." and the NUL */
    if (max < keep)
        keep = max;
    bool cut = n > keep;
    if (cut)
        n = cs_text_utf8_cut(text, n, keep);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        out[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
    }
    if (cut && n + 4 <= outlen) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n < outlen ? n : outlen - 1] = '\0';
}

/* Does an error's type or code say the account cannot pay (OpenAI answers these with 429; the
   type may stay insufficient_quota while the code names the limit)? */
static bool s_quota_code(const char *code)
{
    static const char *const QUOTA[] = {
        "insufficient_quota", "credit_balance_exhausted", "organization_spend_limit_exceeded",
        "project_spend_limit_exceeded", "organization_usage_limit_exceeded"};
    for (size_t i = 0; code && i < CS_ARRAY_LEN(QUOTA); i++)
        if (strcmp(code, QUOTA[i]) == 0)
            return true;
    return false;
}

/* The error message of an API answer, into out: OpenAI's {"error": {"message", "type",
   "code"}}, Ollama's {"error": "text"}, vLLM's {"message": ...}, FastAPI's {"detail": ...}, else
   the start of the body. *quota is set when the error's type or code is a quota one
   (s_quota_code). */
void cs_llm_api_message(const char *body, size_t len, char *out, size_t outlen, bool *quota)
{
    *quota = false;
    out[0] = '\0';
    json_t *doc = body && len ? json_loadb(body, len, 0, NULL) : NULL;
    const json_t *error = json_object_get(doc, "error");
    const char *message = NULL;
    if (json_is_object(error)) {
        message = json_string_value(json_object_get(error, "message"));
        const char *type = json_string_value(json_object_get(error, "type"));
        const char *code = json_string_value(json_object_get(error, "code"));
        *quota = s_quota_code(type) || s_quota_code(code);
    } else if (json_is_string(error)) {
        message = json_string_value(error);
    }
    if (!message)
        message = json_string_value(json_object_get(doc, "message"));
    if (!message)
        message = json_string_value(json_object_get(doc, "detail"));
    if (message)
        s_clean_copy(message, strlen(message), CS_LLM_API_MESSAGE_MAX, out, outlen);
    else if (body && len)
        s_clean_copy(body, len, RAW_QUOTE_MAX, out, outlen);
    json_decref(doc);
}

int64_t cs_llm_duration_ms(const char *text)
{
    static const struct {
        const char *name;
        int64_t ns;
    } units[] = {
        /* longer names first: "ms" before "m" */
        {"ms", 1000000},
        {"us", 1000},
        {"\xc2\xb5s", 1000},
        {"\xce\xbcs", 1000},
        {"ns", 1},
        {"h", 3600 * (int64_t)1000000000},
        {"m", 60 * (int64_t)1000000000},
        {"s", 1000000000},
    };
    if (!text)
        return -1;
    const char *p = text;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strcmp(p, "0") == 0)
        return 0;
    int64_t total_ns = 0;
    bool any = false;
    while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
        int64_t whole = 0, frac = 0, scale = 1;
        bool digits = false;
        for (; isdigit((unsigned char)*p); p++, digits = true) {
            if (whole > 1000000000000LL)
                return -1;
            whole = whole * 10 + (*p - '0');
        }
        if (*p == '.') {
            for (p++; isdigit((unsigned char)*p); p++, digits = true) {
                if (scale < 1000000) { /* six decimals are plenty; the rest is ignored */
                    frac = frac * 10 + (*p - '0');
                    scale *= 10;
                }
            }
        }
        if (!digits)
            return -1;
        int64_t unit = 0;
        for (size_t u = 0; u < CS_ARRAY_LEN(units) && !unit; u++) {
            size_t n = strlen(units[u].name);
            if (strncmp(p, units[u].name, n) == 0) {
                unit = units[u].ns;
                p += n;
            }
        }
        if (!unit || whole > INT64_MAX / unit)
            return -1;
        int64_t part = whole * unit + frac * unit / scale;
        if (part > INT64_MAX - total_ns)
            return -1;
        total_ns += part;
        any = true;
    }
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    if (!any || *p)
        return -1;
    return total_ns / 1000000 + (total_ns % 1000000 != 0);
}

const char *cs_llm_chat_content(const json_t *response, const char **finish_reason,
                                long *prompt_tokens, long *completion_tokens)
{
    const json_t *choice = json_array_get(json_object_get(response, "choices"), 0);
    const json_t *usage = json_object_get(response, "usage");
    if (finish_reason)
        *finish_reason = json_string_value(json_object_get(choice, "finish_reason"));
    if (prompt_tokens)
        *prompt_tokens = (long)json_integer_value(json_object_get(usage, "prompt_tokens"));
    if (completion_tokens)
        *completion_tokens = (long)json_integer_value(json_object_get(usage, "completion_tokens"));
    return json_string_value(json_object_get(json_object_get(choice, "message"), "content"));
}

long cs_llm_cached_tokens(const json_t *response)
{
    const json_t *usage = json_object_get(response, "usage");
    json_int_t prompt = json_integer_value(json_object_get(usage, "prompt_tokens"));
    json_int_t cached = json_integer_value(
        json_object_get(json_object_get(usage, "prompt_tokens_details"), "cached_tokens"));
    if (cached < 0)
        return 0;
    return (long)(cached > prompt ? prompt : cached); /* a part of the prompt, never more */
}

/* USD per million tokens, as published by OpenAI; override with --price-input/--price-output
   and --price-cached-input. `cached` is the price of a prompt token served from the prompt
   cache; < 0 where OpenAI lists no cached price (gpt-3.5-turbo predates prompt caching, which
   OpenAI enables for gpt-4o and newer; embeddings have none). */
static const struct {
    const char *model;
    double input, cached, output;
} PRICES[] = {
    {"gpt-4o-mini", 0.15, 0.075, 0.60},
    {"gpt-4o", 2.50, 1.25, 10.00},
    {"gpt-4.1-nano", 0.10, 0.025, 0.40},
    {"gpt-4.1-mini", 0.40, 0.10, 1.60},
    {"gpt-4.1", 2.00, 0.50, 8.00},
    {"gpt-3.5-turbo", 0.50, -1, 1.50},
    {"o4-mini", 1.10, 0.275, 4.40},
    {"text-embedding-3-small", 0.02, -1, 0.0},
    {"text-embedding-3-large", 0.13, -1, 0.0},
};

/* The row of the longest prefix of `model` (so "gpt-4o-mini-2024-07-18" is gpt-4o-mini), or -1. */
static int s_price_row(const char *model)
{
    size_t best = 0;
    int row = -1;
    for (size_t i = 0; model && i < CS_ARRAY_LEN(PRICES); i++) {
        size_t n = strlen(PRICES[i].model);
        if (n > best && strncasecmp(model, PRICES[i].model, n) == 0) {
            best = n;
            row = (int)i;
        }
    }
    return row;
}

bool cs_llm_model_price(const char *model, double *input, double *output)
{
    int row = s_price_row(model);
    if (row < 0)
        return false;
    *input = PRICES[row].input;
    *output = PRICES[row].output;
    return true;
}

bool cs_llm_model_cached_price(const char *model, double *cached)
{
    int row = s_price_row(model);
    if (row < 0 || PRICES[row].cached < 0)
        return false;
    *cached = PRICES[row].cached;
    return true;
}

double cs_llm_cost_usd(long prompt, long cached, long completion, double price_input,
                       double price_cached, double price_output)
{
    if (prompt < 0)
        prompt = 0;
    if (cached < 0)
        cached = 0;
    if (cached > prompt)
        cached = prompt;
    if (completion < 0)
        completion = 0;
    return ((double)(prompt - cached) * price_input + (double)cached * price_cached +
            (double)completion * price_output) /
           1e6;
}

static bool s_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

const char *cs_llm_unfence(const char *answer, size_t *len)
{
    const char *s = answer, *e = answer + strlen(answer);
    while (s < e && s_is_space(*s))
        s++;
    while (e > s && s_is_space(e[-1]))
        e--;
    if (e - s >= 3 && strncmp(s, "```", 3) == 0) {
        const char *nl = memchr(s, '\n', (size_t)(e - s));
        if (nl) {
            s = nl + 1;
            if (e - s >= 3 && strncmp(e - 3, "```", 3) == 0)
                e -= 3;
            while (s < e && s_is_space(*s))
                s++;
            while (e > s && s_is_space(e[-1]))
                e--;
        }
    }
    *len = (size_t)(e - s);
    return s;
}
