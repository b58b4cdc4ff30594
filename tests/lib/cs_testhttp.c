#include "cs_testhttp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cs_buf.h"
#include "cs_testproc.h"
#include "cs_util.h"

static size_t s_body(char *data, size_t size, size_t nmemb, void *arg)
{
    cs_buf_add(arg, data, size * nmemb);
    return size * nmemb;
}

/* method on url, with an Authorization header when `authorization` is not NULL. */
static char *s_request(const char *method, const char *url, const char *authorization,
                       long timeout_ms, long *status)
{
    cs_buf_t body = {.max = 16u << 20};
    *status = 0;
    CURL *c = curl_easy_init();
    struct curl_slist *headers = NULL;
    if (c) {
        if (authorization) {
            char *header = cs_strdup_printf("Authorization: %s", authorization);
            headers = curl_slist_append(NULL, header);
            free(header);
            curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
        }
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        if (strcmp(method, "HEAD") == 0)
            curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
        if (curl_easy_perform(c) == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
        curl_easy_cleanup(c);
    }
    curl_slist_free_all(headers);
    char *text = cs_buf_take(&body);
    return text ? text : strdup("");
}

char *cs_testhttp_get(const char *url, long *status)
{
    return s_request("GET", url, NULL, 5000, status);
}

char *cs_testhttp_request(const char *method, const char *url, long *status)
{
    return s_request(method, url, NULL, 5000, status);
}

char *cs_testhttp_get_bearer(const char *url, const char *token, long *status)
{
    char *auth = cs_strdup_printf("Bearer %s", token);
    char *text = s_request("GET", url, auth, 10000, status);
    free(auth);
    return text;
}

double cs_testhttp_metric(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *line = text; line && *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, series, n) == 0 && line[n] == ' ')
            return strtod(line + n + 1, NULL);
    }
    return -1;
}

int cs_testhttp_free_port(void)
{
    char endpoint[64];
    cs_testproc_free_endpoint(endpoint, sizeof endpoint);
    const char *colon = strrchr(endpoint, ':');
    return colon ? atoi(colon + 1) : 0;
}
