#include "cs_metrics.h"

#include <arpa/inet.h>
#include <assert.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "cs_buf.h"
#include "cs_config.h"
#include "cs_log.h"
#include "cs_util.h"

typedef enum { COUNTER, GAUGE, HISTOGRAM } kind_t;

/* Seconds buckets: LLM and HTTP latencies (milliseconds to minutes) and database commits. */
static const double LATENCY_BUCKETS[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                         0.5,   1,      2.5,   5,    10,    30,   60,  120};
/* Seconds from a call's send to its ack: the whole pipeline, up to the ack timeout. */
static const double ACK_BUCKETS[] = {0.01, 0.05, 0.1, 0.25, 0.5, 1,   2.5,
                                     5,    10,   30,  60,   120, 300, 600};

typedef struct {
    const char *name;
    kind_t kind;
    const char *help;
    const double *buckets; /* histograms only */
    size_t nbuckets;
} family_t;

#define LATENCY LATENCY_BUCKETS, CS_ARRAY_LEN(LATENCY_BUCKETS)
#define ACKS    ACK_BUCKETS, CS_ARRAY_LEN(ACK_BUCKETS)

/* Everything callsift exports. Labels in the help text are the ones the code uses. */
static const family_t FAMILIES[] = {
    {"callsift_info", GAUGE, "This process: its stage and version (value 1)", NULL, 0},
    {"callsift_component_up", GAUGE,
     "1 when a part /healthz depends on is up (component: sockets, database, llm)", NULL, 0},
    /* every stage */
    {"callsift_records_received_total", COUNTER,
     "Records taken from the stage's input socket and decoded", NULL, 0},
    {"callsift_records_sent_total", COUNTER, "Records sent on to the next stage", NULL, 0},
    {"callsift_records_malformed_total", COUNTER,
     "Input frames that failed strict decoding or were the wrong kind (logged and skipped)", NULL,
     0},
    {"callsift_records_failed_total", COUNTER,
     "Records passed on with an error (extraction or matching failed) or not stored (writer)", NULL,
     0},
    {"callsift_records_refused_total", COUNTER,
     "Well-formed records refused before any work (reason: unknown_workspace)", NULL, 0},
    {"callsift_records_redelivered_total", COUNTER,
     "Calls seen again: sent again after an ack timeout (fetcher) or received with attempt > 1",
     NULL, 0},
    {"callsift_in_flight", GAUGE,
     "Records the stage holds unfinished: calls sent and not acked (fetcher), calls or "
     "extractions being worked on",
     NULL, 0},
    /* fetcher */
    {"callsift_calls_fetched_total", COUNTER, "Calls read from Gong or the replay file and queued",
     NULL, 0},
    {"callsift_calls_skipped_total", COUNTER,
     "Calls not sent (reason: done = already stored, private, unreadable)", NULL, 0},
    {"callsift_calls_waiting", GAUGE, "Calls queued in the fetcher, waiting for room in the window",
     NULL, 0},
    {"callsift_calls_window", GAUGE,
     "Calls the fetcher may have sent and not acked now: twice the pipeline's rate times its "
     "round trip, from 64 up to --max-in-flight",
     NULL, 0},
    {"callsift_calls_acked_total", COUNTER,
     "Calls the writer acknowledged (status: committed, already)", NULL, 0},
    {"callsift_calls_failed_total", COUNTER,
     "Calls given up: the writer could not store them, or no ack after --max-attempts", NULL, 0},
    {"callsift_calls_unprocessed_total", COUNTER,
     "Calls stored without insights because their extraction failed (see --reprocess)", NULL, 0},
    {"callsift_webhooks_total", COUNTER,
     "Gong webhook deliveries answered (result: accepted, duplicate, test, private, unauthorized, "
     "invalid, "
     "too_large, busy, not_found, method)",
     NULL, 0},
    {"callsift_acks_ignored_total", COUNTER,
     "Acks that matched no call this run sent (another source's or workspace's, or forged)", NULL,
     0},
    {"callsift_ack_wait_seconds", HISTOGRAM, "From a call's last send to the writer's ack", ACKS},
    /* the LLM client (extractor, matcher) */
    {"callsift_llm_requests_total", COUNTER,
     "LLM requests ended (endpoint: chat, embeddings; outcome: ok, failed, fatal, stopped)", NULL,
     0},
    {"callsift_llm_attempts_total", COUNTER,
     "HTTP attempts at the LLM endpoint (code: 2xx, 429, 4xx, 5xx, timeout, error)", NULL, 0},
    {"callsift_llm_request_duration_seconds", HISTOGRAM,
     "Latency of one HTTP attempt at the LLM endpoint", LATENCY},
    {"callsift_llm_queue_wait_seconds", HISTOGRAM,
     "Time an LLM request waited for a free slot, the pace or a backoff", LATENCY},
    {"callsift_llm_in_flight", GAUGE, "LLM requests handed to libcurl now", NULL, 0},
    {"callsift_llm_window", GAUGE,
     "LLM requests that may be in flight now: the rate limit times the latency, within "
     "--concurrency",
     NULL, 0},
    {"callsift_llm_pace_rps", GAUGE,
     "LLM requests started per second at most now (0: not paced; follows the rate limit and "
     "429s)",
     NULL, 0},
    {"callsift_llm_errors_total", COUNTER,
     "LLM requests that ended in failure, by cause (llm_unreachable, llm_invalid_answer, "
     "llm_rate_limited, llm_auth, llm_quota, other)",
     NULL, 0},
    {"callsift_llm_tokens_total", COUNTER, "Tokens used (type: prompt, completion, embedding)",
     NULL, 0},
    {"callsift_llm_cost_usd_total", COUNTER,
     "Cost of those tokens in USD, at the configured prices", NULL, 0},
    {"callsift_llm_cached_prompt_tokens_total", COUNTER,
     "Prompt tokens served from the provider's prompt cache (part of the prompt tokens)", NULL, 0},
    {"callsift_llm_batch_tokens_total", COUNTER,
     "Tokens of the requests sent through the Batch API (part of the tokens), by kind", NULL, 0},
    {"callsift_llm_batch_cost_usd_total", COUNTER,
     "Cost of those tokens in USD, at the Batch API's half price (part of the cost)", NULL, 0},
    {"callsift_llm_workspace_cost_usd_total", COUNTER,
     "Cost of the extractor's LLM requests in USD, by workspace", NULL, 0},
    {"callsift_calls_held_budget_total", COUNTER,
     "Calls not sent to the LLM because a budget was spent (budget: run, monthly): stored "
     "unprocessed with cause budget",
     NULL, 0},
    /* extractor */
    {"callsift_feature_requests_extracted_total", COUNTER, "Feature requests found in calls", NULL,
     0},
    {"callsift_bug_reports_extracted_total", COUNTER, "Bug reports found in calls", NULL, 0},
    {"callsift_extractor_requests_dropped_total", COUNTER,
     "Feature requests in LLM answers dropped (reason: quote_not_customer, no_quote)", NULL, 0},
    /* matcher */
    {"callsift_decisions_total", COUNTER,
     "Feature requests decided (action: create, link; method: exact, embedding, llm)", NULL, 0},
    {"callsift_judge_requests_total", COUNTER, "Requests to the LLM judge", NULL, 0},
    {"callsift_features_merged_total", COUNTER,
     "Duplicate features merged after a link (chains of duplicates collapse), proposed to the "
     "writer",
     NULL, 0},
    /* writer */
    {"callsift_calls_stored_total", COUNTER,
     "Calls the writer handled (status: committed, already, failed)", NULL, 0},
    {"callsift_db_commit_duration_seconds", HISTOGRAM,
     "One call's PostgreSQL transaction, BEGIN to COMMIT", LATENCY},
    {"callsift_db_retries_total", COUNTER, "Transactions tried again after the database went away",
     NULL, 0},
};

typedef struct {
    const family_t *family;
    char *labels; /* "" for none */
    double value; /* counter, gauge; histogram: sum */
    unsigned long long count;
    unsigned long long *buckets; /* histogram: per bucket, not cumulative */
} series_t;

typedef struct {
    char *name;
    bool up;
    char *reason; /* why it is down, for /healthz; NULL for none */
} component_t;

static struct {
    pthread_mutex_t lock;
    const char *stage;
    series_t *series;
    size_t nseries, cap;
    component_t *components;
    size_t ncomponents;
    struct MHD_Daemon *daemon;
} s_reg = {.lock = PTHREAD_MUTEX_INITIALIZER};

static const family_t *s_family(const char *name)
{
    for (size_t i = 0; i < CS_ARRAY_LEN(FAMILIES); i++)
        if (strcmp(FAMILIES[i].name, name) == 0)
            return &FAMILIES[i];
    return NULL;
}

/* The series (created on first use), or NULL when out of memory. Lock held. */
static series_t *s_series(const char *name, const char *labels)
{
    const family_t *f = s_family(name);
    assert(f && "metric family not declared in cs_metrics.c");
    if (!f)
        return NULL;
    if (!labels)
        labels = "";
    for (size_t i = 0; i < s_reg.nseries; i++)
        if (s_reg.series[i].family == f && strcmp(s_reg.series[i].labels, labels) == 0)
            return &s_reg.series[i];
    if (s_reg.nseries == s_reg.cap) {
        size_t cap = s_reg.cap ? 2 * s_reg.cap : 64;
        series_t *grown = realloc(s_reg.series, cap * sizeof *grown);
        if (!grown)
            return NULL;
        s_reg.series = grown;
        s_reg.cap = cap;
    }
    series_t s = {.family = f, .labels = strdup(labels)};
    if (f->kind == HISTOGRAM)
        s.buckets = calloc(f->nbuckets, sizeof *s.buckets);
    if (!s.labels || (f->kind == HISTOGRAM && !s.buckets)) {
        free(s.labels);
        free(s.buckets);
        return NULL;
    }
    s_reg.series[s_reg.nseries] = s;
    return &s_reg.series[s_reg.nseries++];
}

void cs_metrics_init(const char *stage)
{
    s_reg.stage = stage;
    char labels[128];
    snprintf(labels, sizeof labels, "stage=\"%s\",version=\"%s\"", stage ? stage : "",
             cs_version());
    cs_metrics_set("callsift_info", labels, 1);
    /* what every stage counts starts at 0, so rate() sees its first increase */
    static const char *const ALWAYS[] = {
        "callsift_records_received_total",    "callsift_records_sent_total",
        "callsift_records_malformed_total",   "callsift_records_failed_total",
        "callsift_records_redelivered_total", "callsift_in_flight"};
    for (size_t i = 0; i < CS_ARRAY_LEN(ALWAYS); i++)
        cs_metrics_add(ALWAYS[i], NULL, 0);
}

void cs_metrics_add(const char *name, const char *labels, double v)
{
    pthread_mutex_lock(&s_reg.lock);
    series_t *s = s_series(name, labels);
    assert(!s || s->family->kind != HISTOGRAM);
    if (s)
        s->value += v;
    pthread_mutex_unlock(&s_reg.lock);
}

void cs_metrics_set(const char *name, const char *labels, double v)
{
    pthread_mutex_lock(&s_reg.lock);
    series_t *s = s_series(name, labels);
    assert(!s || s->family->kind != HISTOGRAM);
    if (s)
        s->value = v;
    pthread_mutex_unlock(&s_reg.lock);
}

void cs_metrics_observe(const char *name, const char *labels, double v)
{
    pthread_mutex_lock(&s_reg.lock);
    series_t *s = s_series(name, labels);
    assert(!s || s->family->kind == HISTOGRAM);
    if (s) {
        s->value += v;
        s->count++;
        for (size_t i = 0; i < s->family->nbuckets; i++)
            if (v <= s->family->buckets[i]) {
                s->buckets[i]++;
                break;
            }
    }
    pthread_mutex_unlock(&s_reg.lock);
}

double cs_metrics_value(const char *name, const char *labels)
{
    double v = 0;
    pthread_mutex_lock(&s_reg.lock);
    const family_t *f = s_family(name);
    for (size_t i = 0; f && i < s_reg.nseries; i++) {
        series_t *s = &s_reg.series[i];
        if (s->family == f && strcmp(s->labels, labels ? labels : "") == 0)
            v = f->kind == HISTOGRAM ? (double)s->count : s->value;
    }
    pthread_mutex_unlock(&s_reg.lock);
    return v;
}

void cs_metrics_health(const char *component, bool up)
{
    cs_metrics_health_reason(component, up, NULL);
}

void cs_metrics_health_reason(const char *component, bool up, const char *reason)
{
    char *why = reason && !up ? strdup(reason) : NULL;
    pthread_mutex_lock(&s_reg.lock);
    component_t *c = NULL;
    for (size_t i = 0; i < s_reg.ncomponents; i++)
        if (strcmp(s_reg.components[i].name, component) == 0)
            c = &s_reg.components[i];
    if (!c) {
        component_t *grown =
            realloc(s_reg.components, (s_reg.ncomponents + 1) * sizeof *s_reg.components);
        char *name = strdup(component);
        if (grown)
            s_reg.components = grown;
        if (grown && name) {
            c = &s_reg.components[s_reg.ncomponents++];
            c->name = name;
            c->reason = NULL;
        } else {
            free(name);
        }
    }
    if (c) {
        c->up = up;
        free(c->reason);
        c->reason = why;
        why = NULL;
    }
    pthread_mutex_unlock(&s_reg.lock);
    free(why);
    char labels[96];
    snprintf(labels, sizeof labels, "component=\"%s\"", component);
    cs_metrics_set("callsift_component_up", labels, up ? 1 : 0);
}

/* A number as Prometheus reads it; integers without a fraction. */
static void s_number(cs_buf_t *b, double v)
{
    char text[48];
    snprintf(text, sizeof text, "%.15g", v);
    cs_buf_add(b, text, strlen(text));
}

/* name{labels[,extra]} value */
static void s_line(cs_buf_t *b, const char *name, const char *suffix, const char *labels,
                   const char *extra, double v)
{
    cs_buf_printf(b, "%s%s", name, suffix);
    bool any = labels[0] || (extra && extra[0]);
    if (any)
        cs_buf_printf(b, "{%s%s%s}", labels, labels[0] && extra && extra[0] ? "," : "",
                      extra ? extra : "");
    cs_buf_add(b, " ", 1);
    s_number(b, v);
    cs_buf_add(b, "\n", 1);
}

char *cs_metrics_render(void)
{
    cs_buf_t b = {0};
    pthread_mutex_lock(&s_reg.lock);
    for (size_t f = 0; f < CS_ARRAY_LEN(FAMILIES); f++) {
        const family_t *fam = &FAMILIES[f];
        bool header = false;
        for (size_t i = 0; i < s_reg.nseries; i++) {
            const series_t *s = &s_reg.series[i];
            if (s->family != fam)
                continue;
            if (!header) {
                static const char *const TYPES[] = {"counter", "gauge", "histogram"};
                cs_buf_printf(&b, "# HELP %s %s\n# TYPE %s %s\n", fam->name, fam->help, fam->name,
                              TYPES[fam->kind]);
                header = true;
            }
            if (fam->kind != HISTOGRAM) {
                s_line(&b, fam->name, "", s->labels, NULL, s->value);
                continue;
            }
            unsigned long long cumulative = 0;
            for (size_t k = 0; k < fam->nbuckets; k++) {
                char le[48];
                cumulative += s->buckets[k];
                snprintf(le, sizeof le, "le=\"%g\"", fam->buckets[k]);
                s_line(&b, fam->name, "_bucket", s->labels, le, (double)cumulative);
            }
            s_line(&b, fam->name, "_bucket", s->labels, "le=\"+Inf\"", (double)s->count);
            s_line(&b, fam->name, "_sum", s->labels, NULL, s->value);
            s_line(&b, fam->name, "_count", s->labels, NULL, (double)s->count);
        }
    }
    pthread_mutex_unlock(&s_reg.lock);
    return cs_buf_take(&b);
}

bool cs_metrics_healthy(char **body)
{
    cs_buf_t b = {0};
    bool ok = true;
    pthread_mutex_lock(&s_reg.lock);
    for (size_t i = 0; i < s_reg.ncomponents; i++)
        if (!s_reg.components[i].up) {
            ok = false;
            cs_buf_printf(&b, "%s: down%s%s\n", s_reg.components[i].name,
                          s_reg.components[i].reason ? ": " : "",
                          s_reg.components[i].reason ? s_reg.components[i].reason : "");
        }
    if (ok)
        cs_buf_printf(&b, "ok\n");
    pthread_mutex_unlock(&s_reg.lock);
    if (body)
        *body = cs_buf_take(&b);
    else
        cs_buf_free(&b);
    return ok;
}

/* ---- HTTP ------------------------------------------------------------------------------- */

static enum MHD_Result s_reply(struct MHD_Connection *conn, unsigned status, const char *type,
                               char *text)
{
    if (!text)
        return MHD_NO;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    enum MHD_Result ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result s_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_len, void **con_cls)
{
    (void)cls, (void)version, (void)upload, (void)upload_len, (void)con_cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return s_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
                       strdup("only GET and HEAD\n"));
    if (strcmp(url, "/metrics") == 0)
        return s_reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                       cs_metrics_render());
    if (strcmp(url, "/healthz") == 0) {
        char *body = NULL;
        bool ok = cs_metrics_healthy(&body);
        return s_reply(conn, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", body);
    }
    return s_reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", strdup("try /metrics or /healthz\n"));
}

int cs_metrics_serve(int port, char *err, size_t errlen)
{
    return cs_metrics_serve_on(CS_METRICS_LISTEN, port, err, errlen);
}

int cs_metrics_serve_on(const char *listen, int port, char *err, size_t errlen)
{
    if (port == 0)
        return 0;
    if (port < 0 || port > 65535)
        return cs_fail(err, errlen, "--metrics-port: %d is not a TCP port", port);
    if (s_reg.daemon)
        return cs_fail(err, errlen, "the metrics server already runs");
    if (!listen || !listen[0])
        listen = CS_METRICS_LISTEN;
    struct sockaddr_in v4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    const struct sockaddr *addr;
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC;
    if (inet_pton(AF_INET, listen, &v4.sin_addr) == 1) {
        addr = (const struct sockaddr *)&v4;
    } else if (inet_pton(AF_INET6, listen, &v6.sin6_addr) == 1) {
        addr = (const struct sockaddr *)&v6;
        flags |= MHD_USE_IPv6;
    } else {
        return cs_fail(err, errlen, "--metrics-listen: '%s' is not an IPv4 or IPv6 address",
                       listen);
    }
    s_reg.daemon = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, s_handler, NULL,
                                    MHD_OPTION_SOCK_ADDR, addr, MHD_OPTION_THREAD_POOL_SIZE,
                                    (unsigned)2, MHD_OPTION_CONNECTION_TIMEOUT,
                                    (unsigned)CS_METRICS_IDLE_SECONDS, MHD_OPTION_CONNECTION_LIMIT,
                                    (unsigned)CS_METRICS_MAX_CLIENTS, MHD_OPTION_END);
    if (!s_reg.daemon)
        return cs_fail(err, errlen,
                       "--metrics-port: cannot serve on port %d of %s (in use, or not allowed)",
                       port, listen);
    cs_info("Metrics on port %d of %s: /metrics (Prometheus), /healthz", port, listen);
    return 0;
}

int cs_metrics_start(int port, const char *listen, const char *const *components, char *err,
                     size_t errlen)
{
    for (size_t i = 0; components && components[i]; i++)
        cs_metrics_health(components[i], false);
    return cs_metrics_serve_on(listen, port, err, errlen);
}

void cs_metrics_llm_usage(long prompt, long completion, long embedding, double cost_usd)
{
    cs_metrics_set("callsift_llm_tokens_total", "type=\"prompt\"", (double)prompt);
    cs_metrics_set("callsift_llm_tokens_total", "type=\"completion\"", (double)completion);
    if (embedding >= 0)
        cs_metrics_set("callsift_llm_tokens_total", "type=\"embedding\"", (double)embedding);
    cs_metrics_set("callsift_llm_cost_usd_total", NULL, cost_usd);
}

void cs_metrics_llm_cached(long cached)
{
    cs_metrics_set("callsift_llm_cached_prompt_tokens_total", NULL, (double)cached);
}

void cs_metrics_shutdown(void)
{
    if (s_reg.daemon) {
        MHD_stop_daemon(s_reg.daemon);
        s_reg.daemon = NULL;
    }
    pthread_mutex_lock(&s_reg.lock);
    for (size_t i = 0; i < s_reg.nseries; i++) {
        free(s_reg.series[i].labels);
        free(s_reg.series[i].buckets);
    }
    free(s_reg.series);
    for (size_t i = 0; i < s_reg.ncomponents; i++) {
        free(s_reg.components[i].name);
        free(s_reg.components[i].reason);
    }
    free(s_reg.components);
    s_reg.series = NULL;
    s_reg.components = NULL;
    s_reg.nseries = s_reg.cap = s_reg.ncomponents = 0;
    pthread_mutex_unlock(&s_reg.lock);
}
