/*  cs_llm_headers: see cs_llm_headers.h. */
#include "cs_llm_headers.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cs_http.h"
#include "cs_llm_answer.h"
#include "cs_util.h"

void cs_llm_limits_clear(cs_llm_limits_t *limits)
{
    limits->reset_requests_ms = limits->reset_tokens_ms = limits->azure_retry_ms = -1;
    limits->limit_requests = limits->limit_tokens = -1;
    limits->remaining_requests = limits->remaining_tokens = -1;
}

/* A whole, positive number of a header ("600"), or -1. */
static double s_header_number(const char *value)
{
    char *end;
    double v = strtod(value, &end);
    return end != value && *end == '\0' && v > 0 && v < 1e15 ? v : -1;
}

/* A count of a header that may be 0 ("0", "599"), or -1. */
static double s_header_count(const char *value)
{
    char *end;
    double v = strtod(value, &end);
    return end != value && *end == '\0' && v >= 0 && v < 1e15 ? v : -1;
}

void cs_llm_limits_on_header(void *arg, const char *line, size_t len)
{
    cs_llm_limits_t *limits = arg;
    char value[64];
    if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        cs_llm_limits_clear(limits);
    } else if (cs_http_header_value(line, len, "x-ratelimit-limit-requests", value, sizeof value)) {
        limits->limit_requests = s_header_number(value);
    } else if (cs_http_header_value(line, len, "x-ratelimit-limit-tokens", value, sizeof value)) {
        limits->limit_tokens = s_header_number(value);
    } else if (cs_http_header_value(line, len, "x-ratelimit-remaining-requests", value,
                                    sizeof value)) {
        limits->remaining_requests = s_header_count(value);
    } else if (cs_http_header_value(line, len, "x-ratelimit-remaining-tokens", value,
                                    sizeof value)) {
        limits->remaining_tokens = s_header_count(value);
    } else if (cs_http_header_value(line, len, "x-ratelimit-reset-requests", value, sizeof value)) {
        limits->reset_requests_ms = cs_llm_duration_ms(value);
    } else if (cs_http_header_value(line, len, "x-ratelimit-reset-tokens", value, sizeof value)) {
        limits->reset_tokens_ms = cs_llm_duration_ms(value);
    } else if (cs_http_header_value(line, len, "retry-after-ms", value, sizeof value)) {
        char *end;
        double ms = strtod(value, &end);
        if (end != value && *end == '\0' && ms > 0 && ms < 1e12)
            limits->azure_retry_ms = (int64_t)ms + ((double)(int64_t)ms < ms);
    }
}

int64_t cs_llm_limits_wait(const cs_llm_limits_t *limits, int64_t retry_after_ms,
                           const char **source)
{
    *source = NULL;
    if (limits->azure_retry_ms > 0) {
        *source = "retry-after-ms";
        return limits->azure_retry_ms;
    }
    if (retry_after_ms > 0) {
        *source = "Retry-After";
        return retry_after_ms;
    }
    if (limits->reset_requests_ms > 0 || limits->reset_tokens_ms > 0) {
        bool requests = limits->reset_requests_ms >= limits->reset_tokens_ms;
        *source = requests ? "x-ratelimit-reset-requests" : "x-ratelimit-reset-tokens";
        return requests ? limits->reset_requests_ms : limits->reset_tokens_ms;
    }
    return -1;
}

/* Does the URL's host end in ".azure.com" (Azure OpenAI, which wants an api-key header)? */
static bool s_azure_host(const char *url)
{
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    size_t n = strcspn(host, "/:?#");
    const char *suffix = ".azure.com";
    size_t s = strlen(suffix);
    return n > s && strncasecmp(host + n - s, suffix, s) == 0;
}

/* Append "prefix value" to the list; -1 when out of memory (list untouched). */
static int s_add_header(struct curl_slist **list, const char *prefix, const char *value)
{
    size_t n = strlen(prefix) + strlen(value) + 1;
    char *line = malloc(n);
    if (!line)
        return -1;
    snprintf(line, n, "%s%s", prefix, value);
    struct curl_slist *grown = curl_slist_append(*list, line);
    cs_free_secret(line);
    if (!grown)
        return -1;
    *list = grown;
    return 0;
}

int cs_llm_auth_headers(const char *base_url, const char *api_key, const char *content_type,
                        struct curl_slist **list)
{
    if (content_type && s_add_header(list, "Content-Type: ", content_type) != 0)
        return -1;
    if (s_add_header(list, "Accept: ", "application/json") != 0 ||
        s_add_header(list, "Expect:", "") != 0)
        return -1;
    if (api_key && *api_key &&
        s_add_header(list, s_azure_host(base_url) ? "api-key: " : "Authorization: Bearer ",
                     api_key) != 0)
        return -1;
    return 0;
}

void cs_llm_headers_free(struct curl_slist *list)
{
    for (struct curl_slist *h = list; h; h = h->next) {
        volatile char *p = h->data;
        while (p && *p)
            *p++ = '\0';
    }
    curl_slist_free_all(list);
}
