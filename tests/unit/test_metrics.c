/* cs_metrics: the registry, the Prometheus text it renders, health, and the HTTP server
   scraped through libcurl on a real port. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <criterion/criterion.h>

#include "cs_config.h"
#include "cs_metrics.h"
#include "cs_testhttp.h"

static void fini(void)
{
    cs_metrics_shutdown();
}

TestSuite(metrics, .fini = fini);

Test(metrics, counters_gauges_and_labels_render_as_prometheus_text)
{
    cs_metrics_init("writer");
    cs_metrics_add("callsift_records_received_total", NULL, 1);
    cs_metrics_add("callsift_records_received_total", NULL, 2);
    cs_metrics_add("callsift_calls_stored_total", "status=\"committed\"", 5);
    cs_metrics_add("callsift_calls_stored_total", "status=\"already\"", 1);
    cs_metrics_set("callsift_in_flight", NULL, 7);
    cs_metrics_set("callsift_in_flight", NULL, 4);
    cs_metrics_add("callsift_llm_cost_usd_total", NULL, 0.0015);
    char *text = cs_metrics_render();
    cr_assert(text);
    cr_assert(strstr(text, "# HELP callsift_records_received_total "), "%s", text);
    cr_assert(strstr(text, "# TYPE callsift_records_received_total counter\n"), "%s", text);
    cr_assert(strstr(text, "# TYPE callsift_in_flight gauge\n"), "%s", text);
    cr_assert_eq(cs_testhttp_metric(text, "callsift_records_received_total"), 3);
    cr_assert_eq(cs_testhttp_metric(text, "callsift_calls_stored_total{status=\"committed\"}"), 5);
    cr_assert_eq(cs_testhttp_metric(text, "callsift_calls_stored_total{status=\"already\"}"), 1);
    cr_assert_eq(cs_testhttp_metric(text, "callsift_in_flight"), 4);
    cr_assert_float_eq(cs_testhttp_metric(text, "callsift_llm_cost_usd_total"), 0.0015, 1e-12);
    char info[256];
    snprintf(info, sizeof info, "callsift_info{stage=\"writer\",version=\"%s\"}", cs_version());
    cr_assert_eq(cs_testhttp_metric(text, info), 1, "%s", text);
    /* one HELP/TYPE per family, however many series */
    const char *first = strstr(text, "# TYPE callsift_calls_stored_total");
    cr_assert(first && !strstr(first + 1, "# TYPE callsift_calls_stored_total"), "%s", text);
    /* integers print without a fraction */
    cr_assert(strstr(text, "callsift_records_received_total 3\n"), "%s", text);
    cr_assert_eq(cs_metrics_value("callsift_calls_stored_total", "status=\"committed\""), 5);
    cr_assert_eq(cs_metrics_value("callsift_calls_stored_total", "status=\"failed\""), 0);
    free(text);
}

Test(metrics, histograms_have_cumulative_buckets_sum_and_count)
{
    cs_metrics_observe("callsift_db_commit_duration_seconds", NULL, 0.003);
    cs_metrics_observe("callsift_db_commit_duration_seconds", NULL, 0.004);
    cs_metrics_observe("callsift_db_commit_duration_seconds", NULL, 0.2);
    cs_metrics_observe("callsift_db_commit_duration_seconds", NULL, 500); /* past every bound */
    char *text = cs_metrics_render();
    cr_assert(strstr(text, "# TYPE callsift_db_commit_duration_seconds histogram\n"), "%s", text);
    cr_assert_eq(
        cs_testhttp_metric(text, "callsift_db_commit_duration_seconds_bucket{le=\"0.001\"}"), 0);
    cr_assert_eq(
        cs_testhttp_metric(text, "callsift_db_commit_duration_seconds_bucket{le=\"0.005\"}"), 2);
    cr_assert_eq(
        cs_testhttp_metric(text, "callsift_db_commit_duration_seconds_bucket{le=\"0.25\"}"), 3);
    cr_assert_eq(cs_testhttp_metric(text, "callsift_db_commit_duration_seconds_bucket{le=\"120\"}"),
                 3);
    cr_assert_eq(
        cs_testhttp_metric(text, "callsift_db_commit_duration_seconds_bucket{le=\"+Inf\"}"), 4);
    cr_assert_eq(cs_testhttp_metric(text, "callsift_db_commit_duration_seconds_count"), 4);
    cr_assert_float_eq(cs_testhttp_metric(text, "callsift_db_commit_duration_seconds_sum"), 500.207,
                       1e-9);
    free(text);

    /* labels and le together */
    cs_metrics_observe("callsift_llm_request_duration_seconds", "endpoint=\"chat\"", 1.5);
    text = cs_metrics_render();
    cr_assert_eq(
        cs_testhttp_metric(
            text, "callsift_llm_request_duration_seconds_bucket{endpoint=\"chat\",le=\"2.5\"}"),
        1, "%s", text);
    cr_assert_eq(
        cs_testhttp_metric(text, "callsift_llm_request_duration_seconds_count{endpoint=\"chat\"}"),
        1);
    free(text);
}

Test(metrics, health_is_ok_only_when_every_component_is_up)
{
    char *body = NULL;
    cr_assert(cs_metrics_healthy(&body), "no components: healthy");
    cr_assert_str_eq(body, "ok\n");
    free(body);
    cs_metrics_health("sockets", true);
    cs_metrics_health("database", false);
    cr_assert_not(cs_metrics_healthy(&body));
    cr_assert_str_eq(body, "database: down\n");
    free(body);
    cs_metrics_health("database", true);
    cr_assert(cs_metrics_healthy(NULL));
    char *text = cs_metrics_render();
    cr_assert_eq(cs_testhttp_metric(text, "callsift_component_up{component=\"database\"}"), 1);
    free(text);
}

Test(metrics, serves_metrics_and_healthz_over_http)
{
    char err[256];
    int port = cs_testhttp_free_port();
    cr_assert_eq(cs_metrics_serve(port, err, sizeof err), 0, "%s", err);
    cs_metrics_add("callsift_records_sent_total", NULL, 42);
    cs_metrics_health("database", false);

    char url[128];
    long status;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", port);
    char *body = cs_testhttp_get(url, &status);
    cr_assert_eq(status, 200);
    cr_assert_eq(cs_testhttp_metric(body, "callsift_records_sent_total"), 42, "%s", body);
    free(body);

    snprintf(url, sizeof url, "http://127.0.0.1:%d/healthz", port);
    body = cs_testhttp_get(url, &status);
    cr_assert_eq(status, 503, "a component is down");
    cr_assert(strstr(body, "database: down"), "%s", body);
    free(body);
    cs_metrics_health("database", true);
    body = cs_testhttp_get(url, &status);
    cr_assert_eq(status, 200);
    cr_assert_str_eq(body, "ok\n");
    free(body);

    snprintf(url, sizeof url, "http://127.0.0.1:%d/nothing", port);
    free(cs_testhttp_get(url, &status));
    cr_assert_eq(status, 404);

    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", port);
    free(cs_testhttp_request("POST", url, &status));
    cr_assert_eq(status, 405, "only GET and HEAD");
    free(cs_testhttp_request("HEAD", url, &status));
    cr_assert_eq(status, 200);
}

Test(metrics, a_port_in_use_or_out_of_range_is_an_error)
{
    char err[256];
    int port = cs_testhttp_free_port();
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    cr_assert_eq(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    cr_assert_eq(listen(fd, 1), 0);
    cr_assert_eq(cs_metrics_serve(port, err, sizeof err), -1, "another process has the port");
    cr_assert(strstr(err, "cannot serve on port"), "%s", err);
    close(fd);
    cr_assert_eq(cs_metrics_serve(70000, err, sizeof err), -1);
    cr_assert(strstr(err, "--metrics-port"), "%s", err);
    cr_assert_eq(cs_metrics_serve(0, err, sizeof err), 0, "0 is off");
}

Test(metrics, start_registers_the_components_down_and_llm_usage_sets_the_counters)
{
    char err[256];
    const char *parts[] = {"sockets", "database", NULL};
    cr_assert_eq(cs_metrics_start(0, NULL, parts, err, sizeof err), 0, "%s", err);
    char *body = NULL;
    cr_assert_not(cs_metrics_healthy(&body), "nothing reported up yet");
    cr_assert_str_eq(body, "sockets: down\ndatabase: down\n");
    free(body);
    cs_metrics_llm_usage(1200, 300, -1, 0.00036);
    char *text = cs_metrics_render();
    cr_assert_eq(cs_testhttp_metric(text, "callsift_llm_tokens_total{type=\"prompt\"}"), 1200);
    cr_assert_eq(cs_testhttp_metric(text, "callsift_llm_tokens_total{type=\"completion\"}"), 300);
    cr_assert_eq(cs_testhttp_metric(text, "callsift_llm_tokens_total{type=\"embedding\"}"), -1,
                 "no embedding series for a stage without embeddings");
    cr_assert_float_eq(cs_testhttp_metric(text, "callsift_llm_cost_usd_total"), 0.00036, 1e-12);
    free(text);
}

/* The local address ("0100007F" is 127.0.0.1) of the socket listening on `port`, from
   /proc/net/tcp; "" when none listens. */
static const char *s_listener(int port, char *out, size_t outlen)
{
    FILE *f = fopen("/proc/net/tcp", "r");
    cr_assert(f);
    char line[512], addr[64];
    unsigned lport, state;
    out[0] = '\0';
    while (fgets(line, sizeof line, f))
        if (sscanf(line, " %*d: %63[0-9A-F]:%X %*[0-9A-F]:%*X %X", addr, &lport, &state) == 3 &&
            (int)lport == port && state == 0x0A)
            snprintf(out, outlen, "%s", addr);
    fclose(f);
    return out;
}

Test(metrics, listens_on_loopback_unless_told_otherwise)
{
    char err[256], addr[64];
    int port = cs_testhttp_free_port();
    cr_assert_eq(cs_metrics_serve(port, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(s_listener(port, addr, sizeof addr), "0100007F", "not 127.0.0.1 only");
    cs_metrics_shutdown();
    cr_assert_eq(cs_metrics_start(port, NULL, NULL, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(s_listener(port, addr, sizeof addr), "0100007F", "the default");
    cs_metrics_shutdown();
    cr_assert_eq(cs_metrics_start(port, "0.0.0.0", NULL, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(s_listener(port, addr, sizeof addr), "00000000");
    cs_metrics_shutdown();
    cr_assert_eq(cs_metrics_serve_on("localhost:80", port, err, sizeof err), -1);
    cr_assert(strstr(err, "--metrics-listen"), "%s", err);
}

Test(metrics, idle_and_slow_clients_do_not_starve_healthz, .timeout = 60)
{
    char err[256];
    int port = cs_testhttp_free_port();
    cr_assert_eq(cs_metrics_serve(port, err, sizeof err), 0, "%s", err);
    enum { CLIENTS = 100 };
    int fds[CLIENTS];
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    for (int i = 0; i < CLIENTS; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        cr_assert_eq(connect(fds[i], (struct sockaddr *)&addr, sizeof addr), 0);
        if (i % 2) /* a slow loris: the start of a request, never its end */
            cr_assert_gt(write(fds[i], "GET /healthz HTTP/1.1\r\nHost: x\r\n", 32), 0);
    }
    usleep(200 * 1000); /* let the server take them all */
    char url[128];
    long status = 0;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/healthz", port);
    char *body = cs_testhttp_get(url, &status); /* gives up after 5 s */
    cr_assert_eq(status, 200, "a fresh /healthz is not answered beside %d idle clients", CLIENTS);
    cr_assert_str_eq(body, "ok\n");
    free(body);
    for (int i = 0; i < CLIENTS; i++)
        close(fds[i]);
}

Test(metrics, a_component_down_for_a_reason_says_it_on_healthz)
{
    cs_metrics_health("sockets", true);
    cs_metrics_health_reason("llm", false, "the API key was refused: check OPENAI_API_KEY");
    char *body = NULL;
    cr_assert_not(cs_metrics_healthy(&body));
    cr_assert_str_eq(body, "llm: down: the API key was refused: check OPENAI_API_KEY\n");
    free(body);
    cr_assert_eq(cs_metrics_value("callsift_component_up", "component=\"llm\""), 0);
    cs_metrics_health("llm", true); /* up again: the reason goes */
    cr_assert(cs_metrics_healthy(&body));
    free(body);
    cs_metrics_health("llm", false);
    cr_assert_not(cs_metrics_healthy(&body));
    cr_assert_str_eq(body, "llm: down\n");
    free(body);
}
