/*  cs_http: libcurl callbacks shared by the HTTP clients (cs_llm, cs_gong). */
#ifndef CS_HTTP_H
#define CS_HTTP_H

#include <stddef.h>

#include <curl/curl.h>

/* CURLOPT_WRITEFUNCTION appending the response body to the cs_buf_t given as CURLOPT_WRITEDATA.
   Set the buffer's max to the body cap + 1: a body over the cap stops the transfer
   (CURLE_WRITE_ERROR) with the buffer's `over` set, never an allocation past the cap. */
size_t cs_http_on_body(char *data, size_t size, size_t nmemb, void *buf);

/* CURLOPT_XFERINFOFUNCTION aborting a transfer once a stop was requested (SIGTERM). */
int cs_http_on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                        curl_off_t ulnow);

#endif
