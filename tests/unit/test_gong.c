/* cs_gong against fake_gong over real HTTP: paging, filters, limits, transcript batches, every
   failure Gong can answer with, authentication, the request rate, and secrets kept out of the
   log. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "cs_gong.h"
#include "cs_gongcall.h"
#include "cs_log.h"
#include "cs_util.h"
#include "fake_gong.h"

/* B64 is base64("test-key:test-secret-1234"), computed outside the code under test */
#define KEY    "test-key"
#define SECRET "test-secret-1234"
#define B64    "dGVzdC1rZXk6dGVzdC1zZWNyZXQtMTIzNA=="
#define BASIC  "Basic " B64
#define EXT    "/v2/calls/extensive"
#define TRS    "/v2/calls/transcript"

static fake_gong_t *s_fg;

static void setup(void)
{
    cs_log_set_level(CS_LOG_WARNING);
    s_fg = fake_gong_start();
    cr_assert_not_null(s_fg);
    fake_gong_set_credentials(s_fg, KEY, SECRET);
}

static void teardown(void)
{
    fake_gong_stop(&s_fg);
    cs_log_reset();
}

TestSuite(gong, .init = setup, .fini = teardown, .timeout = 30);

/* A fixture call the way /v2/calls/extensive returns one. */
static json_t *s_call(const char *id, const char *started, const char *workspace)
{
    char url[128];
    snprintf(url, sizeof url, "https://app.gong.io/call?id=%s", id);
    return json_pack("{s:{s:s, s:s, s:s, s:i, s:s, s:b, s:s}, s:[{s:s, s:s, s:s, s:s}],"
                     " s:[{s:s, s:[{s:s, s:s}]}]}",
                     "metaData", "id", id, "title", "Discovery call", "started", started,
                     "duration", 1800, "url", url, "isPrivate", 0, "workspaceId", workspace,
                     "parties", "speakerId", "spk-1", "name", "Dana Buyer", "emailAddress",
                     "dana@example.com", "affiliation", "External", "context", "system",
                     "Salesforce", "objects", "objectType", "Account", "objectId", "001A");
}

/* Its element of /v2/calls/transcript's callTranscripts. */
static json_t *s_transcript(const char *id)
{
    char text[96];
    snprintf(text, sizeof text, "We need SSO before rollout (call %s).", id);
    return json_pack("{s:s, s:[{s:s, s:s, s:[{s:i, s:i, s:s}]}]}", "callId", id, "transcript",
                     "speakerId", "spk-1", "topic", "Requirements", "sentences", "start", 1000,
                     "end", 4200, "text", text);
}

static void s_add(const char *id, const char *started, const char *workspace, bool transcript)
{
    json_t *call = s_call(id, started, workspace);
    json_t *tr = transcript ? s_transcript(id) : NULL;
    cr_assert_eq(fake_gong_add_call(s_fg, call, tr), 0);
    json_decref(call);
    json_decref(tr);
}

/* n calls "c1".."cn", one minute apart from 2025-10-20T10:00:00Z, in workspace "ws-1". */
static void s_add_many(int n, bool transcripts)
{
    for (int i = 1; i <= n; i++) {
        char id[16], started[32];
        snprintf(id, sizeof id, "c%d", i);
        snprintf(started, sizeof started, "2025-10-20T%02d:%02d:00Z", 10 + (i - 1) / 60,
                 (i - 1) % 60);
        s_add(id, started, "ws-1", transcripts);
    }
}

/* A fast client for tests: no real rate limit, tiny backoffs. */
static cs_gong_opts_t s_opts(void)
{
    return (cs_gong_opts_t){.base_url = fake_gong_url(s_fg),
                            .access_key = KEY,
                            .access_key_secret = SECRET,
                            .max_requests_per_second = 1000,
                            .timeout_ms = 5000,
                            .max_attempts = 6,
                            .backoff_base_ms = 10,
                            .backoff_cap_ms = 50};
}

static cs_gong_t *s_client(const cs_gong_opts_t *opts)
{
    char err[256] = "";
    cs_gong_t *gong = cs_gong_new(opts, err, sizeof err);
    cr_assert_not_null(gong, "cs_gong_new: %s", err);
    return gong;
}

/* Collects call ids; stops (returns 1) after stop_after calls when that is > 0. */
typedef struct {
    json_t *ids;
    json_t *first; /* the first call, kept */
    int stop_after;
} s_sink_t;

static int s_collect(void *arg, json_t *call)
{
    s_sink_t *sink = arg;
    json_array_append_new(
        sink->ids,
        json_string(json_string_value(json_object_get(json_object_get(call, "metaData"), "id"))));
    if (!sink->first)
        sink->first = json_incref(call);
    return sink->stop_after > 0 && (int)json_array_size(sink->ids) >= sink->stop_after;
}

static void s_sink_free(s_sink_t *sink)
{
    json_decref(sink->ids);
    json_decref(sink->first);
}

/* "c1,c2,..." of the collected ids. */
static const char *s_joined(const s_sink_t *sink, char *out, size_t outlen)
{
    size_t i, o = 0;
    json_t *v;
    out[0] = '\0';
    json_array_foreach(sink->ids, i, v)
    {
        o += (size_t)snprintf(out + o, outlen - o, "%s%s", i ? "," : "", json_string_value(v));
    }
    return out;
}

static cs_gong_rc_t s_list(cs_gong_t *gong, const char *from, const char *to, const char *ws,
                           long limit, s_sink_t *sink, char *err, size_t errlen)
{
    sink->ids = json_array();
    return cs_gong_list_calls(gong, from, to, ws, limit, s_collect, sink, err, errlen);
}

#define FROM "2025-10-20T00:00:00Z"
#define TO   "2025-10-21T00:00:00Z"

Test(gong, pages_follow_the_cursor)
{
    s_add_many(7, false);
    fake_gong_set_page_size(s_fg, 2);
    cs_gong_opts_t opts = s_opts();
    cs_gong_t *gong = s_client(&opts);
    s_sink_t sink = {0};
    char err[512] = "", ids[256];
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink, err, sizeof err), CS_GONG_OK, "%s", err);
    cr_assert_str_eq(s_joined(&sink, ids, sizeof ids), "c1,c2,c3,c4,c5,c6,c7");
    cr_assert_eq(fake_gong_count(s_fg, EXT), 4);

    /* the request body, and each page's cursor sent back on the next request */
    const fake_gong_request_t *r0 = fake_gong_request(s_fg, 0);
    cr_assert_str_eq(r0->method, "POST");
    json_t *want =
        json_pack("{s:{s:s, s:s}, s:{s:s, s:{s:b}}}", "filter", "fromDateTime", FROM, "toDateTime",
                  TO, "contentSelector", "context", "Extended", "exposedFields", "parties", 1);
    cr_assert(json_equal((json_t *)r0->body, want), "body: %s", json_dumps(r0->body, JSON_COMPACT));
    json_decref(want);
    const char *seen[4] = {0};
    for (size_t i = 1; i < 4; i++) {
        const json_t *cursor = json_object_get(fake_gong_request(s_fg, i)->body, "cursor");
        cr_assert(json_is_string(cursor), "request %zu has no cursor", i);
        seen[i] = json_string_value(cursor);
        for (size_t j = 1; j < i; j++)
            cr_assert_str_neq(seen[i], seen[j]);
    }
    /* the call as Gong shapes it: parties and (Extended) context included */
    cr_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(sink.first, "parties"), 0), "name")),
                     "Dana Buyer");
    cr_assert(json_is_array(json_object_get(sink.first, "context")));
    cs_gong_stats_t st;
    cs_gong_stats(gong, &st);
    cr_assert_eq(st.requests, 4);
    cr_assert_eq(st.retries, 0);
    cr_assert_gt(st.bytes, 0);
    s_sink_free(&sink);
    cs_gong_destroy(&gong);
    cr_assert_null(gong);
    cs_gong_destroy(&gong); /* idempotent */
}

Test(gong, date_window_from_inclusive_to_exclusive)
{
    s_add("before", "2025-10-20T16:59:59Z", "ws-1", false);
    s_add("at-from", "2025-10-20T17:00:00Z", "ws-1", false);
    s_add("inside", "2025-10-20T17:30:00.250Z", "ws-1", false);
    s_add("at-to", "2025-10-20T18:00:00Z", "ws-1", false);
    s_add("after", "2025-10-20T18:00:01Z", "ws-1", false);
    cs_gong_opts_t opts = s_opts();
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "", ids[256];
    s_sink_t sink = {0};
    cr_assert_eq(s_list(gong, "2025-10-20T17:00:00Z", "2025-10-20T18:00:00Z", NULL, 0, &sink, err,
                        sizeof err),
                 CS_GONG_OK, "%s", err);
    cr_assert_str_eq(s_joined(&sink, ids, sizeof ids), "at-from,inside");
    s_sink_free(&sink);

    /* the same instants written with an offset */
    s_sink_t sink2 = {0};
    cr_assert_eq(s_list(gong, "2025-10-20T19:00:00+02:00", "2025-10-20T11:00:00-07:00", NULL, 0,
                        &sink2, err, sizeof err),
                 CS_GONG_OK, "%s", err);
    cr_assert_str_eq(s_joined(&sink2, ids, sizeof ids), "at-from,inside");
    s_sink_free(&sink2);
    cs_gong_destroy(&gong);
}

Test(gong, limit_stops_requesting_pages)
{
    s_add_many(7, false);
    fake_gong_set_page_size(s_fg, 2);
    cs_gong_opts_t opts = s_opts();
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "", ids[256];
    s_sink_t sink = {0};
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 3, &sink, err, sizeof err), CS_GONG_OK, "%s", err);
    cr_assert_str_eq(s_joined(&sink, ids, sizeof ids), "c1,c2,c3");
    cr_assert_eq(fake_gong_count(s_fg, EXT), 2);
    cr_assert_eq(cs_gong_total_records(gong), 7, "Gong's records.totalRecords, before the limit");
    s_sink_free(&sink);

    /* the handler stopping early has the same effect */
    fake_gong_clear_requests(s_fg);
    s_sink_t sink2 = {.stop_after = 1};
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink2, err, sizeof err), CS_GONG_OK, "%s", err);
    cr_assert_str_eq(s_joined(&sink2, ids, sizeof ids), "c1");
    cr_assert_eq(fake_gong_count(s_fg, EXT), 1);
    s_sink_free(&sink2);
    cs_gong_destroy(&gong);
}

Test(gong, workspace_filter)
{
    s_add("a1", "2025-10-20T09:00:00Z", "ws-a", false);
    s_add("b1", "2025-10-20T09:10:00Z", "ws-b", false);
    s_add("a2", "2025-10-20T09:20:00Z", "ws-a", false);
    cs_gong_opts_t opts = s_opts();
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "", ids[256];
    s_sink_t sink = {0};
    cr_assert_eq(s_list(gong, FROM, TO, "ws-a", 0, &sink, err, sizeof err), CS_GONG_OK, "%s", err);
    cr_assert_str_eq(s_joined(&sink, ids, sizeof ids), "a1,a2");
    const json_t *filter = json_object_get(fake_gong_last_request(s_fg, EXT)->body, "filter");
    cr_assert_str_eq(json_string_value(json_object_get(filter, "workspaceId")), "ws-a");
    s_sink_free(&sink);
    cs_gong_destroy(&gong);
}

Test(gong, transcripts_one_request_per_hundred_ids)
{
    s_add_many(250, true);
    const char *idv[250];
    char idbuf[250][8];
    for (int i = 0; i < 250; i++) {
        snprintf(idbuf[i], sizeof idbuf[i], "c%d", i + 1);
        idv[i] = idbuf[i];
    }
    cs_gong_opts_t opts = s_opts();
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "";
    cs_gong_rc_t rc = CS_GONG_ERROR;
    json_t *all = cs_gong_transcripts(gong, idv, 250, &rc, err, sizeof err);
    cr_assert_not_null(all, "%s", err);
    cr_assert_eq(rc, CS_GONG_OK);
    cr_assert_eq(fake_gong_count(s_fg, TRS), 3);
    size_t sizes[3] = {100, 100, 50};
    for (size_t i = 0; i < 3; i++) {
        const json_t *ids =
            json_object_get(json_object_get(fake_gong_request(s_fg, i)->body, "filter"), "callIds");
        cr_assert_eq(json_array_size(ids), sizes[i]);
        cr_assert_str_eq(json_string_value(json_array_get(ids, 0)), idv[i * 100]);
    }
    cr_assert_eq(json_object_size(all), 250);
    for (int i = 0; i < 250; i += 37) {
        const json_t *element = json_object_get(all, idv[i]);
        cr_assert_str_eq(json_string_value(json_object_get(element, "callId")), idv[i]);
        const char *text = json_string_value(json_object_get(
            json_array_get(
                json_object_get(json_array_get(json_object_get(element, "transcript"), 0),
                                "sentences"),
                0),
            "text"));
        cr_assert_not_null(text);
        char want[96];
        snprintf(want, sizeof want, "(call %s)", idv[i]);
        cr_assert(strstr(text, want), "%s: %s", idv[i], text);
    }
    json_decref(all);
    cs_gong_destroy(&gong);
}

Test(gong, transcripts_follow_cursor_and_skip_unknown)
{
    s_add_many(5, true);
    s_add("silent", "2025-10-20T12:00:00Z", "ws-1", false); /* no transcript */
    fake_gong_set_page_size(s_fg, 2);
    const char *idv[] = {"c1", "c2", "c3", "c4", "c5", "silent", "nope", NULL, ""};
    cs_gong_opts_t opts = s_opts();
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "";
    cs_gong_rc_t rc;
    json_t *all = cs_gong_transcripts(gong, idv, CS_ARRAY_LEN(idv), &rc, err, sizeof err);
    cr_assert_not_null(all, "%s", err);
    cr_assert_eq(json_object_size(all), 5);
    cr_assert_null(json_object_get(all, "silent"));
    cr_assert_eq(fake_gong_count(s_fg, TRS), 3);
    json_decref(all);

    /* nothing known: Gong's 404 is an empty answer */
    const char *unknown[] = {"x1", "x2"};
    all = cs_gong_transcripts(gong, unknown, 2, &rc, err, sizeof err);
    cr_assert_not_null(all, "%s", err);
    cr_assert_eq(json_object_size(all), 0);
    json_decref(all);

    /* no ids: no request */
    size_t before = fake_gong_request_count(s_fg);
    all = cs_gong_transcripts(gong, NULL, 0, &rc, err, sizeof err);
    cr_assert_not_null(all);
    cr_assert_eq(fake_gong_request_count(s_fg), before);
    json_decref(all);
    cs_gong_destroy(&gong);
}

Test(gong, wrong_credentials_fail_at_once)
{
    s_add_many(1, true);
    cs_gong_opts_t opts = s_opts();
    opts.access_key_secret = "not-the-secret";
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "";
    s_sink_t sink = {0};
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink, err, sizeof err), CS_GONG_AUTH);
    cr_assert(strstr(err, "(401)"), "%s", err);
    cr_assert(strstr(err, "GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET"), "%s", err);
    cr_assert(strstr(err, "GONG_BEARER_TOKEN"), "%s", err);
    cr_assert_eq(fake_gong_request_count(s_fg), 1);
    s_sink_free(&sink);
    cs_gong_destroy(&gong);
}

Test(gong, forbidden_fails_at_once)
{
    s_add_many(1, true);
    fake_gong_inject(s_fg, TRS, FAKE_GONG_STATUS, 403);
    cs_gong_opts_t opts = s_opts();
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "";
    const char *ids[] = {"c1"};
    cs_gong_rc_t rc = CS_GONG_OK;
    cr_assert_null(cs_gong_transcripts(gong, ids, 1, &rc, err, sizeof err));
    cr_assert_eq(rc, CS_GONG_AUTH);
    cr_assert(strstr(err, "(403)"), "%s", err);
    cr_assert(strstr(err, "GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET"), "%s", err);
    cr_assert(strstr(err, "POST /v2/calls/transcript (batch 1 of 1, page 1)"), "%s", err);
    cr_assert_eq(fake_gong_request_count(s_fg), 1);
    cs_gong_destroy(&gong);
}

Test(gong, rate_limited_waits_for_retry_after)
{
    s_add_many(1, false);
    fake_gong_inject(s_fg, EXT, FAKE_GONG_RATE_LIMIT, 1);
    cs_gong_opts_t opts = s_opts();
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "";
    s_sink_t sink = {0};
    int64_t t0 = cs_now_ms();
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink, err, sizeof err), CS_GONG_OK, "%s", err);
    cr_assert_geq(cs_now_ms() - t0, 990);
    cr_assert_eq(json_array_size(sink.ids), 1);
    cr_assert_eq(fake_gong_count(s_fg, EXT), 2);
    cr_assert_geq(fake_gong_request(s_fg, 1)->at_ms - fake_gong_request(s_fg, 0)->at_ms, 990);
    cs_gong_stats_t st;
    cs_gong_stats(gong, &st);
    cr_assert_eq(st.rate_limited_waits, 1);
    cr_assert_eq(st.retries, 1);
    s_sink_free(&sink);
    cs_gong_destroy(&gong);
}

Test(gong, retry_after_is_capped_and_counts_as_an_attempt)
{
    s_add_many(1, false);
    for (int i = 0; i < 3; i++)
        fake_gong_inject(s_fg, EXT, FAKE_GONG_RATE_LIMIT, 3600);
    cs_gong_opts_t opts = s_opts();
    opts.retry_after_cap_ms = 100;
    opts.max_attempts = 3;
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "";
    s_sink_t sink = {0};
    int64_t t0 = cs_now_ms();
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink, err, sizeof err), CS_GONG_ERROR);
    cr_assert_lt(cs_now_ms() - t0, 2000);
    cr_assert(strstr(err, "giving up after 3 attempts"), "%s", err);
    cr_assert(strstr(err, "429"), "%s", err);
    cr_assert_eq(fake_gong_count(s_fg, EXT), 3);
    s_sink_free(&sink);
    cs_gong_destroy(&gong);
}

Test(gong, server_errors_are_retried)
{
    s_add_many(3, false);
    fake_gong_inject(s_fg, EXT, FAKE_GONG_STATUS, 500);
    fake_gong_inject(s_fg, EXT, FAKE_GONG_STATUS, 503);
    cs_gong_opts_t opts = s_opts();
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "";
    s_sink_t sink = {0};
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink, err, sizeof err), CS_GONG_OK, "%s", err);
    cr_assert_eq(json_array_size(sink.ids), 3);
    cs_gong_stats_t st;
    cs_gong_stats(gong, &st);
    cr_assert_eq(st.retries, 2);
    cr_assert_eq(st.requests, 3);
    cr_assert_eq(fake_gong_count(s_fg, EXT), 3);
    s_sink_free(&sink);
    cs_gong_destroy(&gong);
}

Test(gong, server_errors_give_up_after_max_attempts)
{
    s_add_many(3, false);
    for (int i = 0; i < 10; i++)
        fake_gong_inject(s_fg, EXT, FAKE_GONG_STATUS, 502);
    cs_gong_opts_t opts = s_opts();
    opts.max_attempts = 4;
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "";
    s_sink_t sink = {0};
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink, err, sizeof err), CS_GONG_ERROR);
    cr_assert(strstr(err, "POST /v2/calls/extensive (page 1): giving up after 4 attempts"), "%s",
              err);
    cr_assert(strstr(err, "HTTP 502"), "%s", err);
    cr_assert_eq(fake_gong_count(s_fg, EXT), 4);
    cr_assert_eq(fake_gong_pending_faults(s_fg), 6);
    s_sink_free(&sink);
    cs_gong_destroy(&gong);
}

Test(gong, no_calls_found_is_empty)
{
    cs_gong_opts_t opts = s_opts();
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "";
    s_sink_t sink = {0};
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink, err, sizeof err), CS_GONG_OK, "%s", err);
    cr_assert_eq(json_array_size(sink.ids), 0);
    cr_assert_eq(fake_gong_count(s_fg, EXT), 1);
    s_sink_free(&sink);
    cs_gong_destroy(&gong);
}

Test(gong, other_client_errors_are_not_retried)
{
    cs_gong_opts_t opts = s_opts();
    char base[128];
    snprintf(base, sizeof base, "%s/nowhere/", fake_gong_url(s_fg));
    opts.base_url = base;
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "";
    s_sink_t sink = {0};
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink, err, sizeof err), CS_GONG_ERROR);
    cr_assert(strstr(err, "HTTP 404: Not found"), "%s", err);
    cr_assert_eq(fake_gong_request_count(s_fg), 1);
    cr_assert_str_eq(fake_gong_request(s_fg, 0)->path, "/nowhere" EXT);
    s_sink_free(&sink);

    /* a date Gong can't read: 400 with Gong's reason */
    cs_gong_destroy(&gong);
    opts = s_opts();
    gong = s_client(&opts);
    s_sink_t sink2 = {0};
    cr_assert_eq(s_list(gong, "last tuesday", TO, NULL, 0, &sink2, err, sizeof err), CS_GONG_ERROR);
    cr_assert(strstr(err, "HTTP 400: fromDateTime is not a valid"), "%s", err);
    s_sink_free(&sink2);
    cs_gong_destroy(&gong);
}

Test(gong, truncated_body_is_retried)
{
    s_add_many(3, false);
    fake_gong_inject(s_fg, EXT, FAKE_GONG_TRUNCATED, 0);
    fake_gong_inject(s_fg, EXT, FAKE_GONG_CUT, 0);
    cs_gong_opts_t opts = s_opts();
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "";
    s_sink_t sink = {0};
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink, err, sizeof err), CS_GONG_OK, "%s", err);
    cr_assert_eq(json_array_size(sink.ids), 3);
    cs_gong_stats_t st;
    cs_gong_stats(gong, &st);
    cr_assert_eq(st.retries, 2);
    s_sink_free(&sink);
    cs_gong_destroy(&gong);
}

Test(gong, malformed_body_is_an_error_naming_the_request)
{
    s_add_many(7, false);
    fake_gong_set_page_size(s_fg, 2);
    fake_gong_inject(s_fg, EXT, FAKE_GONG_DELAY, 0); /* page 1 answered normally */
    fake_gong_inject(s_fg, EXT, FAKE_GONG_DELAY, 0); /* page 2 too */
    for (int i = 0; i < 5; i++)
        fake_gong_inject(s_fg, EXT, FAKE_GONG_MALFORMED, 0);
    cs_gong_opts_t opts = s_opts();
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "";
    s_sink_t sink = {0};
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink, err, sizeof err), CS_GONG_ERROR);
    cr_assert(strstr(err, "POST /v2/calls/extensive (page 3): invalid JSON at line 1 column "),
              "%s", err);
    cr_assert_eq(json_array_size(sink.ids), 4); /* pages 1 and 2 were delivered */
    /* 2 good pages, then page 3 once plus CS_GONG_BAD_BODY_RETRIES times */
    cr_assert_eq(fake_gong_count(s_fg, EXT), 2 + 1 + CS_GONG_BAD_BODY_RETRIES);
    s_sink_free(&sink);
    cs_gong_destroy(&gong);
}

Test(gong, slow_answer_times_out_and_is_retried)
{
    s_add_many(2, false);
    fake_gong_inject(s_fg, EXT, FAKE_GONG_DELAY, 3000);
    cs_gong_opts_t opts = s_opts();
    opts.timeout_ms = 300;
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "";
    s_sink_t sink = {0};
    int64_t t0 = cs_now_ms();
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink, err, sizeof err), CS_GONG_OK, "%s", err);
    cr_assert_lt(cs_now_ms() - t0, 2000);
    cr_assert_eq(json_array_size(sink.ids), 2);
    cs_gong_stats_t st;
    cs_gong_stats(gong, &st);
    cr_assert_eq(st.retries, 1);
    s_sink_free(&sink);

    /* slow every time: a timeout error after max_attempts */
    fake_gong_inject(s_fg, EXT, FAKE_GONG_DELAY, 3000);
    fake_gong_inject(s_fg, EXT, FAKE_GONG_DELAY, 3000);
    cs_gong_destroy(&gong);
    opts.max_attempts = 2;
    gong = s_client(&opts);
    s_sink_t sink2 = {0};
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink2, err, sizeof err), CS_GONG_ERROR);
    cr_assert(strstr(err, "giving up after 2 attempts; last: no complete answer within 300 ms"),
              "%s", err);
    s_sink_free(&sink2);
    cs_gong_destroy(&gong);
}

/* A proxy whose name does not resolve (yet) is the network failing, as an unresolvable Gong
   host is: retried, not a failure at the first attempt. libcurl takes the proxy from
   http_proxy; ".invalid" never resolves (RFC 2606). */
Test(gong, an_unresolvable_proxy_is_retried)
{
    cr_assert_eq(setenv("http_proxy", "http://proxy.callsift.invalid:3128", 1), 0);
    unsetenv("no_proxy");
    unsetenv("NO_PROXY");
    cs_gong_opts_t opts = s_opts();
    opts.max_attempts = 3;
    opts.timeout_ms = 2000;
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "";
    s_sink_t sink = {0};
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink, err, sizeof err), CS_GONG_ERROR);
    cr_assert(strstr(err, "giving up after 3 attempts; last: "), "%s", err);
    cs_gong_stats_t st;
    cs_gong_stats(gong, &st);
    cr_assert_eq(st.requests, 3);
    cr_assert_eq(st.retries, 2);
    cr_assert_eq(fake_gong_count(s_fg, EXT), 0); /* nothing went past the proxy */
    s_sink_free(&sink);
    cs_gong_destroy(&gong);
}

/* A server that answers every request with a gzip body that is not gzip (what a body cut or
   spoiled inside its content encoding looks like), closing each connection after it. */
typedef struct {
    int listener;
    int answered;
} s_bad_gzip_t;

static void *s_bad_gzip_serve(void *arg)
{
    s_bad_gzip_t *srv = arg;
    static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 "Content-Encoding: gzip\r\nContent-Length: 12\r\n"
                                 "Connection: close\r\n\r\nnot gzip at all";
    int fd;
    while ((fd = accept(srv->listener, NULL, NULL)) >= 0) {
        char req[8192];
        size_t got = 0;
        ssize_t n;
        /* the headers, then as many body bytes as Content-Length says */
        while (got < sizeof req - 1 && (n = read(fd, req + got, sizeof req - 1 - got)) > 0) {
            got += (size_t)n;
            req[got] = '\0';
            char *end = strstr(req, "\r\n\r\n");
            char *cl = strstr(req, "Content-Length:"); /* as libcurl spells it */
            if (end && (!cl || (size_t)(req + got - (end + 4)) >= strtoul(cl + 15, NULL, 10)))
                break;
        }
        __atomic_add_fetch(&srv->answered, 1, __ATOMIC_SEQ_CST); /* before the client sees it */
        if (write(fd, answer, strlen(answer)) < 0)
            cr_log_warn("bad gzip server: write failed");
        close(fd);
    }
    return NULL;
}

/* A corrupt content encoding is retried as a cut body is, not a failure at the first attempt. */
Test(gong, a_corrupt_content_encoding_is_retried)
{
    s_bad_gzip_t srv = {.listener = socket(AF_INET, SOCK_STREAM, 0)};
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof addr;
    cr_assert_eq(bind(srv.listener, (struct sockaddr *)&addr, sizeof addr), 0);
    cr_assert_eq(listen(srv.listener, 8), 0);
    cr_assert_eq(getsockname(srv.listener, (struct sockaddr *)&addr, &alen), 0);
    pthread_t thread;
    cr_assert_eq(pthread_create(&thread, NULL, s_bad_gzip_serve, &srv), 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(addr.sin_port));

    cs_gong_opts_t opts = s_opts();
    opts.base_url = url;
    opts.max_attempts = 3;
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "";
    s_sink_t sink = {0};
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink, err, sizeof err), CS_GONG_ERROR);
    cr_assert(strstr(err, "giving up after 3 attempts; last: "), "%s", err);
    cr_assert_eq(__atomic_load_n(&srv.answered, __ATOMIC_SEQ_CST), 3);
    shutdown(srv.listener, SHUT_RDWR);
    pthread_join(thread, NULL);
    close(srv.listener);
    s_sink_free(&sink);
    cs_gong_destroy(&gong);
}

Test(gong, response_over_the_cap_is_an_error)
{
    s_add_many(20, false);
    cs_gong_opts_t opts = s_opts();
    opts.max_response_bytes = 1024;
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "";
    s_sink_t sink = {0};
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink, err, sizeof err), CS_GONG_ERROR);
    cr_assert(strstr(err, "larger than the 1024-byte cap"), "%s", err);
    cr_assert_eq(fake_gong_request_count(s_fg), 1);
    s_sink_free(&sink);
    cs_gong_destroy(&gong);
}

Test(gong, basic_auth_header)
{
    s_add_many(1, true);
    cs_gong_opts_t opts = s_opts();
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "";
    const char *ids[] = {"c1"};
    json_t *all = cs_gong_transcripts(gong, ids, 1, NULL, err, sizeof err);
    cr_assert_not_null(all, "%s", err);
    cr_assert_str_eq(fake_gong_last_request(s_fg, TRS)->authorization, BASIC);
    json_decref(all);
    cs_gong_destroy(&gong);
}

Test(gong, bearer_token)
{
    s_add_many(1, true);
    fake_gong_set_credentials(s_fg, NULL, NULL);
    fake_gong_set_bearer(s_fg, "oauth-token-abcdef");
    cs_gong_opts_t opts = s_opts();
    opts.access_key = opts.access_key_secret = NULL;
    opts.bearer_token = "oauth-token-abcdef";
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "";
    s_sink_t sink = {0};
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink, err, sizeof err), CS_GONG_OK, "%s", err);
    cr_assert_str_eq(fake_gong_last_request(s_fg, EXT)->authorization, "Bearer oauth-token-abcdef");
    s_sink_free(&sink);
    cs_gong_destroy(&gong);

    /* a wrong token is refused like a wrong key */
    opts.bearer_token = "oauth-token-wrong";
    gong = s_client(&opts);
    s_sink_t sink2 = {0};
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink2, err, sizeof err), CS_GONG_AUTH);
    s_sink_free(&sink2);
    cs_gong_destroy(&gong);
}

Test(gong, credentials_are_required)
{
    char err[256] = "";
    cs_gong_opts_t opts = {.base_url = "https://api.gong.io"};
    cr_assert_null(cs_gong_new(&opts, err, sizeof err));
    cr_assert(strstr(err, "GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET (or GONG_BEARER_TOKEN)"),
              "%s", err);
    opts.access_key = "key-only";
    cr_assert_null(cs_gong_new(&opts, err, sizeof err));
    cr_assert_str_eq(err, "GONG_ACCESS_KEY is set but GONG_ACCESS_KEY_SECRET is not");
    opts.access_key_secret = "s3cr3t-value";
    opts.base_url = "ftp://api.gong.io";
    cr_assert_null(cs_gong_new(&opts, err, sizeof err));
    cr_assert(strstr(err, "https://"), "%s", err);
}

Test(gong, never_more_than_three_request_starts_per_second)
{
    s_add_many(10, false);
    fake_gong_set_page_size(s_fg, 1);
    cs_gong_opts_t opts = s_opts();
    opts.max_requests_per_second = 0; /* the default: Gong's 3 per second */
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "";
    s_sink_t sink = {0};
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink, err, sizeof err), CS_GONG_OK, "%s", err);
    cr_assert_eq(fake_gong_request_count(s_fg), 10);
    /* any 4 consecutive starts span at least a second (minus a little clock jitter) */
    for (size_t i = 0; i + 3 < 10; i++) {
        int64_t span = fake_gong_request(s_fg, i + 3)->at_ms - fake_gong_request(s_fg, i)->at_ms;
        cr_assert_geq(span, 1000 - 5, "requests %zu..%zu started within %lld ms", i, i + 3,
                      (long long)span);
    }
    /* and the limit is not much slower than it has to be */
    int64_t total = fake_gong_request(s_fg, 9)->at_ms - fake_gong_request(s_fg, 0)->at_ms;
    cr_assert_lt(total, 3500, "10 requests took %lld ms", (long long)total);
    s_sink_free(&sink);
    cs_gong_destroy(&gong);
}

Test(gong, secrets_never_logged)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    cs_log_set_stream(out);
    cs_log_set_level(CS_LOG_DEBUG);

    s_add_many(3, true);
    fake_gong_set_page_size(s_fg, 1);
    fake_gong_inject(s_fg, EXT, FAKE_GONG_STATUS, 500);
    fake_gong_inject(s_fg, EXT, FAKE_GONG_RATE_LIMIT, -1);
    fake_gong_inject(s_fg, EXT, FAKE_GONG_MALFORMED, 0);
    cs_gong_opts_t opts = s_opts();
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "";
    s_sink_t sink = {0};
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink, err, sizeof err), CS_GONG_OK, "%s", err);
    const char *ids[] = {"c1", "c2"};
    json_t *all = cs_gong_transcripts(gong, ids, 2, NULL, err, sizeof err);
    cr_assert_not_null(all, "%s", err);
    json_decref(all);
    cs_gong_destroy(&gong);

    opts.access_key_secret = "wrong-secret-5678";
    gong = s_client(&opts);
    cr_assert_eq(cs_gong_list_calls(gong, FROM, TO, NULL, 0, s_collect, &sink, err, sizeof err),
                 CS_GONG_AUTH);
    cs_log(CS_LOG_ERROR, "%s", err);
    cs_gong_destroy(&gong);

    fclose(out);
    cr_assert(strstr(text, "Fetched page 3 of calls (3 so far, of 3)"), "%s", text);
    cr_assert(strstr(text, "retrying in"), "%s", text);
    cr_assert(strstr(text, "rate limit"), "%s", text);
    cr_assert_null(strstr(text, SECRET), "%s", text);
    cr_assert_null(strstr(text, "wrong-secret-5678"), "%s", text);
    cr_assert_null(strstr(text, B64), "%s", text);
    cr_assert_null(strstr(text, "****"), "a secret reached the log (masked): %s", text);
    cr_assert_null(strstr(err, SECRET));
    free(text);
    s_sink_free(&sink);
}

static void *s_stop_later(void *arg)
{
    (void)arg;
    cs_sleep_ms(300);
    cs_stop_request();
    return NULL;
}

Test(gong, stop_interrupts_a_wait)
{
    s_add_many(1, false);
    fake_gong_inject(s_fg, EXT, FAKE_GONG_RATE_LIMIT, 30);
    cs_gong_opts_t opts = s_opts();
    cs_gong_t *gong = s_client(&opts);
    pthread_t thread;
    pthread_create(&thread, NULL, s_stop_later, NULL);
    char err[512] = "";
    s_sink_t sink = {0};
    int64_t t0 = cs_now_ms();
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink, err, sizeof err), CS_GONG_STOPPED);
    cr_assert_lt(cs_now_ms() - t0, 3000);
    pthread_join(thread, NULL);
    s_sink_free(&sink);
    cs_gong_destroy(&gong);
}

Test(gong, fake_loads_replay_lines)
{
    char path[] = "/tmp/test_gong_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    for (int i = 1; i <= 2; i++) {
        char id[8], started[32];
        snprintf(id, sizeof id, "r%d", i);
        snprintf(started, sizeof started, "2025-10-20T08:0%d:00Z", i);
        json_t *line = s_call(id, started, "ws-1");
        json_object_set_new(line, "transcript", s_transcript(id));
        json_dumpf(line, f, JSON_COMPACT);
        fputc('\n', f);
        json_decref(line);
    }
    fclose(f);
    char err[256] = "";
    cr_assert_eq(fake_gong_load_jsonl(s_fg, path, err, sizeof err), 2, "%s", err);
    unlink(path);

    cs_gong_opts_t opts = s_opts();
    cs_gong_t *gong = s_client(&opts);
    s_sink_t sink = {0};
    char ids[64];
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink, err, sizeof err), CS_GONG_OK, "%s", err);
    cr_assert_str_eq(s_joined(&sink, ids, sizeof ids), "r1,r2");
    cr_assert_null(json_object_get(sink.first, "transcript"));
    const char *want[] = {"r1", "r2"};
    json_t *all = cs_gong_transcripts(gong, want, 2, NULL, err, sizeof err);
    cr_assert_eq(json_object_size(all), 2, "%s", err);
    json_decref(all);
    s_sink_free(&sink);
    cs_gong_destroy(&gong);
}

Test(gong, the_fake_refuses_what_gongs_documentation_does_not_allow)
{
    s_add_many(2, false);
    cs_gong_opts_t opts = s_opts();
    cs_gong_t *gong = s_client(&opts);
    cr_assert_eq(cs_gong_total_records(gong), -1, "no listing yet");
    const char *bad[] = {"2025-10-20", "2025-10-20T00:00:00", "2025-10-20 00:00:00Z",
                         "2025-10-20T00:00:00.000Z", "2025-10-20T00:00:00+0200"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[512] = "";
        s_sink_t sink = {0};
        cr_assert_eq(s_list(gong, bad[i], TO, NULL, 0, &sink, err, sizeof err), CS_GONG_ERROR,
                     "%s was accepted", bad[i]);
        cr_assert(strstr(err, "HTTP 400: fromDateTime is not a valid date-time"), "%s", err);
        s_sink_free(&sink);
    }
    char err[512] = "";
    s_sink_t sink = {0};
    cr_assert_eq(s_list(gong, "2025-10-19T17:00:00-07:00", TO, NULL, 0, &sink, err, sizeof err),
                 CS_GONG_OK, "%s", err);
    cr_assert_eq(cs_gong_total_records(gong), 2);
    s_sink_free(&sink);
    cs_gong_destroy(&gong);
}

Test(gong, a_nul_in_one_call_spoils_neither_the_page_nor_its_title)
{
    json_t *call = s_call("c1", "2025-10-20T10:00:00Z", "ws-1");
    json_object_set_new(json_object_get(call, "metaData"), "title",
                        json_stringn("Renewal\0 hidden tail", 20)); /* served as \u0000 */
    cr_assert_eq(fake_gong_add_call(s_fg, call, NULL), 0);
    json_decref(call);
    s_add("c2", "2025-10-20T10:01:00Z", "ws-1", false);
    cs_gong_opts_t opts = s_opts();
    cs_gong_t *gong = s_client(&opts);
    char err[512] = "", ids[64];
    s_sink_t sink = {0};
    cr_assert_eq(s_list(gong, FROM, TO, NULL, 0, &sink, err, sizeof err), CS_GONG_OK, "%s", err);
    cr_assert_str_eq(s_joined(&sink, ids, sizeof ids), "c1,c2");
    cr_assert_null(cs_gongcall_record(sink.first, NULL, "ws", NULL, "gong", err, sizeof err),
                   "the title would be cut at the NUL");
    cr_assert(strstr(err, "call c1: field metaData.title contains a NUL character"), "%s", err);
    s_sink_free(&sink);
    cs_gong_destroy(&gong);
}
