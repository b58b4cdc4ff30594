/*  cs_llm_headers: the HTTP headers of an OpenAI-compatible API, both ways. Out: the header
    list every request carries (content type, and the API key as OpenAI or Azure want it). In:
    what an answer's headers say about the provider's rate limits (OpenAI's x-ratelimit-limit-*,
    -remaining-* and -reset-*, Azure's retry-after-ms). Used by the request client (cs_llm) and by
   anything else that talks to the same API. */
#ifndef CS_LLM_HEADERS_H
#define CS_LLM_HEADERS_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

/* What one answer's headers said about the rate limits; -1 for a header that was absent. */
typedef struct {
    int64_t reset_requests_ms, reset_tokens_ms;  /* x-ratelimit-reset-requests / -tokens */
    int64_t azure_retry_ms;                      /* retry-after-ms */
    double limit_requests, limit_tokens;         /* x-ratelimit-limit-requests / -tokens */
    double remaining_requests, remaining_tokens; /* x-ratelimit-remaining-requests / -tokens:
                                                    what may still be sent (0 is a value) */
} cs_llm_limits_t;

/* Every field absent. */
void cs_llm_limits_clear(cs_llm_limits_t *limits);

/* A cs_http_answer_t.on_header callback: arg is a cs_llm_limits_t, line[0..len) one header
   line. A status line ("HTTP/...") clears it (a new answer begins, e.g. after a redirect).
   Never logs anything. */
void cs_llm_limits_on_header(void *arg, const char *line, size_t len);

/* The wait a 429 asks for, in the order the APIs mean them: Azure's retry-after-ms (finer
   than Retry-After), then retry_after_ms (Retry-After as cs_http read it, <= 0 when absent),
   then the later of OpenAI's x-ratelimit-reset-*; -1 when none. *source names the header
   (static text), NULL for none. */
int64_t cs_llm_limits_wait(const cs_llm_limits_t *limits, int64_t retry_after_ms,
                           const char **source);

/* Append the headers of a request to base_url to *list: "Content-Type: content_type" (none
   when content_type is NULL, e.g. for a multipart upload whose type libcurl sets), "Accept:
   application/json", an empty "Expect:" (no 100-continue round trip) and, when api_key is set,
   the key: "api-key: " for a host under .azure.com, "Authorization: Bearer " otherwise. 0 on
   success, -1 when out of memory (*list then holds what was appended: free it). */
int cs_llm_auth_headers(const char *base_url, const char *api_key, const char *content_type,
                        struct curl_slist **list);

/* Free a header list, overwriting every line first (one holds the API key). NULL is fine. */
void cs_llm_headers_free(struct curl_slist *list);

#endif
