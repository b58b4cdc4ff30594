/*  cs_testhttp: plain HTTP GETs through libcurl for tests that scrape a stage's /metrics and
    /healthz or read the console's pages as an API client, and a reader for the Prometheus text
    they get back. */
#ifndef CS_TESTHTTP_H
#define CS_TESTHTTP_H

#include <stdbool.h>

/* GET url; the body (caller frees; "" when empty) and the HTTP status in *status (0 when no
   answer came: nothing listens, or a timeout after 5 s). Never NULL. */
char *cs_testhttp_get(const char *url, long *status);

/* The same with another method ("POST", "HEAD", ...), no request body. */
char *cs_testhttp_request(const char *method, const char *url, long *status);

/* GET url with `Authorization: Bearer token` (an API client of the console), waiting up to
   10 s; as cs_testhttp_get otherwise. */
char *cs_testhttp_get_bearer(const char *url, const char *token, long *status);

/* The value of one series in Prometheus text: `series` is the name with its labels exactly as
   exposed, e.g. `callsift_calls_stored_total{status="committed"}` or `callsift_in_flight`.
   -1 when the series is not there. */
double cs_testhttp_metric(const char *text, const char *series);

/* A TCP port on 127.0.0.1 that nobody listens on now (below the ephemeral range). */
int cs_testhttp_free_port(void);

#endif
