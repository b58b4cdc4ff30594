/*  cs_metrics: the process's Prometheus metrics and health, served over HTTP (libmicrohttpd).

    One registry per process. Every metric family is declared once, in the table at the top of
    cs_metrics.c (name, type, help, histogram buckets): that table is the list of what callsift
    exports. Code updates a series by family name and a label string of fixed values written
    by the program, never taken from input:

        cs_metrics_add("callsift_records_received_total", NULL, 1);
        cs_metrics_add("callsift_decisions_total", "action=\"link\",method=\"exact\"", 1);
        cs_metrics_observe("callsift_db_commit_duration_seconds", NULL, 0.012);

    A series appears on first use. Updates are cheap (a short list under a mutex) and work
    whether or not the server runs, so modules count unconditionally.

    cs_metrics_serve() starts the HTTP server on a port of 127.0.0.1 (another address with
    cs_metrics_serve_on(), e.g. 0.0.0.0 inside a container network): GET /metrics answers
    the Prometheus text format 0.0.4; GET /healthz answers 200 "ok" when every component the
    stage registered with cs_metrics_health() is up, else 503 naming the ones that are down.
    The server runs in libmicrohttpd's own threads (a small pool, each multiplexing its
    connections with epoll or poll) and only reads the registry. Up to CS_METRICS_MAX_CLIENTS
    connections are open at once, and a connection idle for CS_METRICS_IDLE_SECONDS is closed,
    so clients that connect and say nothing (or drip a request byte by byte) cannot keep a
    fresh /healthz from being answered. There is no per-address limit: the local healthchecks
    and every client of a loopback listener share one address.

    Values never include configuration strings, so no secret can reach a scrape. */
#ifndef CS_METRICS_H
#define CS_METRICS_H

#include <stdbool.h>
#include <stddef.h>

/* Option-table row for the metrics port, to paste into an executable's cs_option_t table. */
#define CS_METRICS_OPTION                                                                          \
    {                                                                                              \
        "metrics-port", "CALLSIFT_METRICS_PORT", CS_OPT_INT, "0",                                  \
            "serve Prometheus /metrics and /healthz on this TCP port (0: off)", CS_OPT_PORT        \
    }

/* Option-table row for the metrics listen address, next to CS_METRICS_OPTION. */
#define CS_METRICS_OPTION_LISTEN                                                                   \
    {                                                                                              \
        "metrics-listen", "CALLSIFT_METRICS_LISTEN", CS_OPT_STRING, CS_METRICS_LISTEN,             \
            "address the metrics port listens on (0.0.0.0: every interface)", 0                    \
    }

#define CS_METRICS_LISTEN       "127.0.0.1" /* the default: this host only */
#define CS_METRICS_MAX_CLIENTS  512         /* connections open at once */
#define CS_METRICS_IDLE_SECONDS 5           /* a connection idle this long is closed */

/* Name the process's stage ("writer", ...): exported as callsift_info{stage,version} 1.
   The string is borrowed. Can't fail. */
void cs_metrics_init(const char *stage);

/* Start the HTTP server on `port` (1-65535) of 127.0.0.1. port 0 does nothing and returns 0.
   -1 with the reason in err (port in use, out of range). */
int cs_metrics_serve(int port, char *err, size_t errlen);

/* The same on the IPv4 or IPv6 address `listen` ("127.0.0.1", "0.0.0.0", "::1", "::"; NULL
   or "" is 127.0.0.1). -1 with the reason in err also for an address that is not one. */
int cs_metrics_serve_on(const char *listen, int port, char *err, size_t errlen);

/* What every stage does at start: register `components` (NULL-terminated, e.g. "sockets",
   "database") as down until the stage reports them up, then cs_metrics_serve_on(listen,
   port). 0, or -1 with the reason in err. */
int cs_metrics_start(int port, const char *listen, const char *const *components, char *err,
                     size_t errlen);

/* An LLM client's running totals (tokens by type, cost in USD) as the callsift_llm_tokens_total
   and callsift_llm_cost_usd_total counters; embedding < 0 leaves that type out. */
void cs_metrics_llm_usage(long prompt, long completion, long embedding, double cost_usd);

/* The running total of prompt tokens served from the provider's prompt cache, as the
   callsift_llm_cached_prompt_tokens_total counter (they are part of the prompt tokens). */
void cs_metrics_llm_cached(long cached);

/* Stop the server, forget every series and health component (end of main, tests). */
void cs_metrics_shutdown(void);

/* Counter or gauge += v. `labels` is NULL or a Prometheus label list without braces, e.g.
   `status="committed"`. An unknown family name, or a histogram, is a programmer error
   (assert). */
void cs_metrics_add(const char *name, const char *labels, double v);

/* Gauge = v; or a counter set from a running total the caller keeps (it must only grow). */
void cs_metrics_set(const char *name, const char *labels, double v);

/* Histogram: one observation (seconds for *_seconds families). */
void cs_metrics_observe(const char *name, const char *labels, double v);

/* The value of a counter or gauge series, or the count of a histogram series; 0 when the
   series does not exist yet (tests). */
double cs_metrics_value(const char *name, const char *labels);

/* Register or update a health component ("database", "sockets"). /healthz is 200 only when
   every registered component is up. `component` is copied. Also exported as
   callsift_component_up{component="..."}. */
void cs_metrics_health(const char *component, bool up);

/* cs_metrics_health with the reason a component is down (copied; ignored when up), shown on
   /healthz after "component: down: ". Fixed text the program writes (it may name a variable
   to fix), never configuration or text from a peer: /healthz is not authenticated. */
void cs_metrics_health_reason(const char *component, bool up, const char *reason);

/* The exposition text of every series (caller frees); NULL when out of memory. */
char *cs_metrics_render(void);

/* The health answer: true when healthy; *body (caller frees, may be NULL) holds "ok\n" or the
   components that are down, one per line. */
bool cs_metrics_healthy(char **body);

#endif
