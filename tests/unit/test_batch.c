/* The Batch API: fake_openai's /files and /batches as strict as OpenAI's reference (raw libcurl
   requests), and cs_batch against it over real HTTP: a round trip, per-line errors sent again,
   a bound on that, an expiry partway, a restart from the state file (no line sent twice), a
   wrong key. No timing: loops are bounded by iterations, never by the clock. */
#define _GNU_SOURCE /* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>

#include "cs_batch.h"
#include "cs_log.h"
#include "cs_record.h"
#include "fake_openai.h"

#define KEY "sk-test-batch-0123456789abcdef"

static fake_openai_t *s_fo;
static char s_state[64];

static void setup(void)
{
    cs_log_set_level(CS_LOG_ERROR);
    s_fo = fake_openai_start();
    cr_assert_not_null(s_fo);
    fake_openai_set_api_key(s_fo, KEY);
    snprintf(s_state, sizeof s_state, "/tmp/test_batch_state_%d.json", (int)getpid());
    unlink(s_state);
}

static void teardown(void)
{
    fake_openai_stop(&s_fo);
    unlink(s_state);
    cs_log_reset();
}

TestSuite(batch, .init = setup, .fini = teardown, .timeout = 60);

/* ---- raw HTTP to the fake ---------------------------------------------------------------- */

static size_t s_sink(char *p, size_t size, size_t n, void *arg)
{
    FILE *mem = arg;
    return fwrite(p, size, n, mem);
}

/* A request to the fake: the status, the body (malloc'd) in *out. A multipart upload when
   filename is set (purpose and data as the parts), else JSON body (POST) or none (GET). */
static long s_raw(const char *path, const char *json, const char *purpose, const char *filename,
                  const char *data, char **out)
{
    CURL *c = curl_easy_init();
    char *url = NULL, *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    cr_assert(asprintf(&url, "%s%s", fake_openai_url(s_fo), path) > 0);
    struct curl_slist *h = curl_slist_append(NULL, "Authorization: Bearer " KEY);
    if (json)
        h = curl_slist_append(h, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, mem);
    curl_mime *mime = NULL;
    if (filename) {
        mime = curl_mime_init(c);
        curl_mimepart *part = curl_mime_addpart(mime);
        curl_mime_name(part, "purpose");
        curl_mime_data(part, purpose, CURL_ZERO_TERMINATED);
        part = curl_mime_addpart(mime);
        curl_mime_name(part, "file");
        curl_mime_data(part, data, CURL_ZERO_TERMINATED);
        curl_mime_filename(part, filename);
        curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    } else if (json) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
    }
    cr_assert_eq(curl_easy_perform(c), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    fclose(mem);
    curl_mime_free(mime);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(url);
    if (out)
        *out = text;
    else
        free(text);
    return status;
}

static json_t *s_json(char *text)
{
    json_t *v = json_loads(text, 0, NULL);
    free(text);
    cr_assert_not_null(v);
    return v;
}

/* Upload data as a batch file: its id (malloc'd). */
static char *s_upload(const char *data)
{
    char *text = NULL;
    cr_assert_eq(s_raw("/files", NULL, "batch", "in.jsonl", data, &text), 200, "%s", text);
    json_t *v = s_json(text);
    cr_assert_str_eq(json_string_value(json_object_get(v, "purpose")), "batch");
    char *id = strdup(json_string_value(json_object_get(v, "id")));
    json_decref(v);
    return id;
}

/* Create a batch from a file and GET it once: the batch object. */
static json_t *s_create_and_get(const char *file_id, const char *endpoint)
{
    char *body = NULL, *text = NULL;
    cr_assert(asprintf(&body,
                       "{\"input_file_id\":\"%s\",\"endpoint\":\"%s\",\"completion_window\":"
                       "\"24h\",\"metadata\":{\"k\":\"v\"}}",
                       file_id, endpoint) > 0);
    cr_assert_eq(s_raw("/batches", body, NULL, NULL, NULL, &text), 200, "%s", text);
    free(body);
    json_t *created = s_json(text);
    cr_assert_str_eq(json_string_value(json_object_get(created, "status")), "validating");
    char *path = NULL;
    cr_assert(asprintf(&path, "/batches/%s", json_string_value(json_object_get(created, "id"))) >
              0);
    cr_assert_eq(s_raw(path, NULL, NULL, NULL, NULL, &text), 200);
    free(path);
    json_decref(created);
    return s_json(text);
}

#define LINE(id, url)                                                                              \
    "{\"custom_id\":\"" id "\",\"method\":\"POST\",\"url\":\"" url                                 \
    "\",\"body\":{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi " id           \
    "\"}]}}\n"

Test(batch, fake_upload_refuses_what_openai_refuses)
{
    char *text = NULL;
    cr_assert_eq(
        s_raw("/files", NULL, "batches", "in.jsonl", LINE("a", "/v1/chat/completions"), &text),
        400);
    cr_assert(strstr(text, "'purpose' must be one of"), "%s", text);
    free(text);
    cr_assert_eq(
        s_raw("/files", NULL, "batch", "in.json", LINE("a", "/v1/chat/completions"), &text), 400);
    cr_assert(strstr(text, "Must be .jsonl"), "%s", text);
    free(text);
    cr_assert_eq(s_raw("/files", "{\"purpose\":\"batch\"}", NULL, NULL, NULL, NULL), 400);
    /* a file uploaded for another purpose does not make a batch */
    cr_assert_eq(s_raw("/files", NULL, "assistants", "notes.txt", "x", &text), 200);
    json_t *f = s_json(text);
    char *body = NULL;
    cr_assert(asprintf(&body,
                       "{\"input_file_id\":\"%s\",\"endpoint\":\"/v1/chat/completions\","
                       "\"completion_window\":\"24h\"}",
                       json_string_value(json_object_get(f, "id"))) > 0);
    json_decref(f);
    cr_assert_eq(s_raw("/batches", body, NULL, NULL, NULL, NULL), 400);
    free(body);
}

Test(batch, fake_create_refuses_bad_parameters)
{
    char *fid = s_upload(LINE("a", "/v1/chat/completions"));
    char *body = NULL;
    cr_assert(asprintf(&body,
                       "{\"input_file_id\":\"%s\",\"endpoint\":\"/v1/chat/completions\","
                       "\"completion_window\":\"1h\"}",
                       fid) > 0);
    cr_assert_eq(s_raw("/batches", body, NULL, NULL, NULL, NULL), 400);
    free(body);
    cr_assert(asprintf(&body,
                       "{\"input_file_id\":\"%s\",\"endpoint\":\"/v1/images\","
                       "\"completion_window\":\"24h\"}",
                       fid) > 0);
    cr_assert_eq(s_raw("/batches", body, NULL, NULL, NULL, NULL), 400);
    free(body);
    json_t *meta = json_object();
    for (int i = 0; i < 17; i++) {
        char k[8];
        snprintf(k, sizeof k, "k%d", i);
        json_object_set_new(meta, k, json_string("v"));
    }
    json_t *req = json_pack("{s:s, s:s, s:s, s:o}", "input_file_id", fid, "endpoint",
                            "/v1/chat/completions", "completion_window", "24h", "metadata", meta);
    body = json_dumps(req, 0);
    json_decref(req);
    cr_assert_eq(s_raw("/batches", body, NULL, NULL, NULL, NULL), 400, "17 metadata pairs");
    free(body);
    cr_assert_eq(s_raw("/batches",
                       "{\"input_file_id\":\"file-none\",\"endpoint\":\"/v1/chat/completions\","
                       "\"completion_window\":\"24h\"}",
                       NULL, NULL, NULL, NULL),
                 404);
    free(fid);
    cr_assert_eq(fake_openai_batch_lines(s_fo, NULL), 0);
}

/* The first error code of a batch that failed validation. */
static void s_assert_invalid(const char *data, const char *code, long line)
{
    char *fid = s_upload(data);
    json_t *b = s_create_and_get(fid, "/v1/chat/completions");
    cr_assert_str_eq(json_string_value(json_object_get(b, "status")), "failed");
    json_t *first = json_array_get(json_object_get(json_object_get(b, "errors"), "data"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(first, "code")), code);
    cr_assert_eq(json_integer_value(json_object_get(first, "line")), line);
    cr_assert(json_is_null(json_object_get(b, "output_file_id")));
    json_decref(b);
    free(fid);
}

Test(batch, fake_fails_bad_lines_at_validation)
{
    s_assert_invalid(LINE("a", "/v1/chat/completions") "not json\n", "invalid_json_line", 2);
    s_assert_invalid(LINE("a", "/v1/chat/completions") LINE("b", "/v1/embeddings"),
                     "mismatched_endpoint", 2);
    s_assert_invalid(LINE("a", "/v1/chat/completions") LINE("a", "/v1/chat/completions"),
                     "duplicate_custom_id", 2);
    s_assert_invalid("{\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{}}\n",
                     "missing_required_parameter", 1);
    cr_assert_eq(fake_openai_batch_lines(s_fo, NULL), 0, "no line of a failed batch counts");
}

Test(batch, fake_answers_lines_and_expires_partway)
{
    fake_openai_batch_expire(s_fo, 1);
    char *fid = s_upload(LINE("a", "/v1/chat/completions") LINE("b", "/v1/chat/completions"));
    json_t *b = s_create_and_get(fid, "/v1/chat/completions");
    cr_assert_str_eq(json_string_value(json_object_get(b, "status")), "expired");
    json_t *counts = json_object_get(b, "request_counts");
    cr_assert_eq(json_integer_value(json_object_get(counts, "completed")), 1);
    cr_assert_eq(json_integer_value(json_object_get(counts, "failed")), 1);
    char *path = NULL, *text = NULL;
    cr_assert(asprintf(&path, "/files/%s/content",
                       json_string_value(json_object_get(b, "output_file_id"))) > 0);
    cr_assert_eq(s_raw(path, NULL, NULL, NULL, NULL, &text), 200);
    json_t *out = s_json(text);
    cr_assert_str_eq(json_string_value(json_object_get(out, "custom_id")), "a");
    cr_assert_eq(
        json_integer_value(json_object_get(json_object_get(out, "response"), "status_code")), 200);
    const char *content = json_string_value(json_object_get(
        json_object_get(
            json_array_get(
                json_object_get(json_object_get(json_object_get(out, "response"), "body"),
                                "choices"),
                0),
            "message"),
        "content"));
    cr_assert_str_eq(content, "hi a", "answered as /chat/completions would");
    free(path);
    cr_assert(asprintf(&path, "/files/%s/content",
                       json_string_value(json_object_get(b, "error_file_id"))) > 0);
    cr_assert_eq(s_raw(path, NULL, NULL, NULL, NULL, &text), 200);
    json_t *err = s_json(text);
    cr_assert_str_eq(json_string_value(json_object_get(err, "custom_id")), "b");
    cr_assert(json_is_null(json_object_get(err, "response")));
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(err, "error"), "code")),
                     "batch_expired");
    free(path);
    json_decref(out);
    json_decref(err);
    json_decref(b);
    free(fid);
}

/* ---- cs_batch ---------------------------------------------------------------------------- */

typedef struct {
    int calls;
    cs_llm_status_t status;
    char content[128];
    char cause[32];
} s_got_t;

static void s_on_done(void *arg, const cs_llm_result_t *r)
{
    s_got_t *g = arg;
    g->calls++;
    g->status = r->status;
    snprintf(g->cause, sizeof g->cause, "%s", r->cause ? r->cause : "");
    const char *content = json_string_value(json_object_get(
        json_object_get(json_array_get(json_object_get(r->response, "choices"), 0), "message"),
        "content"));
    snprintf(g->content, sizeof g->content, "%s", content ? content : "");
}

static cs_batch_t *s_client_keep(int max_rounds, const char *key, int64_t keep_ms)
{
    cs_batch_opts_t o = {.base_url = fake_openai_url(s_fo),
                         .keep_ms = keep_ms,
                         .api_key = key,
                         .endpoint = "/chat/completions",
                         .max_lines = 100,
                         .wait_ms = 1,
                         .poll_ms = 1,
                         .max_rounds = max_rounds,
                         .state_path = s_state};
    char err[512];
    cs_batch_t *b = cs_batch_new(&o, err, sizeof err);
    cr_assert_not_null(b, "%s", err);
    return b;
}

static cs_batch_t *s_client(int max_rounds, const char *key)
{
    return s_client_keep(max_rounds, key, 0);
}

static void s_submit(cs_batch_t *b, const char *id, s_got_t *got)
{
    json_t *body =
        json_pack("{s:s, s:[{s:s, s:s}]}", "model", "m", "messages", "role", "user", "content", id);
    cr_assert_eq(cs_batch_submit(b, id, body, s_on_done, got), 0);
    json_decref(body);
}

/* Run until every callback has been called (bounded: the fake answers at once). */
static void s_drain(cs_batch_t *b)
{
    for (int i = 0; i < 2000 && cs_batch_run(b) > 0; i++)
        usleep(2000);
    cr_assert_eq(cs_batch_pending(b), 0);
}

/* ---- the state file ---------------------------------------------------------------------- */

/* Write the state file as an earlier run left it: its `batches` (a JSON array, stolen) and,
   when not NULL, `creating`: the batch it was making when it was killed (stolen). */
static void s_state_write(json_t *batches, json_t *creating)
{
    json_t *state = json_pack("{s:i, s:s, s:o}", "version", 1, "endpoint", "/chat/completions",
                              "batches", batches);
    cr_assert_not_null(state);
    if (creating)
        json_object_set_new(state, "creating", creating);
    cr_assert_eq(json_dump_file(state, s_state, 0), 0, "cannot write %s", s_state);
    json_decref(state);
}

/* A "creating" entry: a batch of file `fid` (borrowed) for call-1 (a new reference). */
static json_t *s_creating(const char *fid)
{
    return json_pack("{s:s, s:[s]}", "input_file_id", fid, "custom_ids", "call-1");
}

/* The state file as the client left it (a new reference; cr_asserts it is JSON). */
static json_t *s_state_load(void)
{
    json_t *state = json_load_file(s_state, 0, NULL);
    cr_assert_not_null(state, "%s is not JSON", s_state);
    return state;
}

/* How many batches the state file lists. */
static size_t s_state_batches(void)
{
    json_t *state = s_state_load();
    size_t n = json_array_size(json_object_get(state, "batches"));
    json_decref(state);
    return n;
}

Test(batch, round_trip)
{
    fake_openai_batch_polls(s_fo, 3);
    cs_batch_t *b = s_client(3, KEY);
    s_got_t got[3] = {0};
    const char *ids[] = {"call-1", "call-2", "call-3"};
    for (int i = 0; i < 3; i++)
        s_submit(b, ids[i], &got[i]);
    s_drain(b);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(got[i].calls, 1);
        cr_assert_eq(got[i].status, CS_LLM_OK);
        cr_assert_str_eq(got[i].content, ids[i], "each answer goes to its own request");
        cr_assert_eq(fake_openai_batch_lines(s_fo, ids[i]), 1);
    }
    cr_assert_eq(fake_openai_batch_count(s_fo), 1, "one batch for the three");
    const fake_openai_request_t *up = fake_openai_last_request(s_fo, "/files");
    cr_assert_not_null(up);
    cr_assert_str_eq(up->authorization, "Bearer " KEY);
    cs_batch_stats_t st;
    cs_batch_stats(b, &st);
    cr_assert_eq(st.batches, 1);
    cr_assert_eq(st.answered, 3);
    cr_assert_eq(st.open_batches, 0);
    cs_batch_destroy(&b);
    /* nothing owed: the state file lists no batch */
    cr_assert_eq(s_state_batches(), 0);
}

Test(batch, per_line_errors_are_sent_again)
{
    fake_openai_batch_fail(s_fo, "call-2", 1, 500);
    cs_batch_t *b = s_client(3, KEY);
    s_got_t got[3] = {0};
    s_submit(b, "call-1", &got[0]);
    s_submit(b, "call-2", &got[1]);
    s_submit(b, "call-3", &got[2]);
    s_drain(b);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(got[i].status, CS_LLM_OK);
    cr_assert_str_eq(got[1].content, "call-2");
    cr_assert_eq(fake_openai_batch_count(s_fo), 2, "the failed line went in a second batch");
    cr_assert_eq(fake_openai_batch_lines(s_fo, "call-2"), 2);
    cr_assert_eq(fake_openai_batch_lines(s_fo, "call-1"), 1, "the others were not sent again");
    cr_assert_eq(fake_openai_batch_lines(s_fo, "call-3"), 1);
    cs_batch_destroy(&b);
}

Test(batch, a_line_that_keeps_failing_gives_up_with_a_cause)
{
    fake_openai_batch_fail(s_fo, "call-1", 10, 429);
    cs_batch_t *b = s_client(2, KEY);
    s_got_t got = {0};
    s_submit(b, "call-1", &got);
    s_drain(b);
    cr_assert_eq(got.calls, 1);
    cr_assert_eq(got.status, CS_LLM_FAILED);
    cr_assert_str_eq(got.cause, CS_CAUSE_LLM_RATE_LIMIT);
    cr_assert_eq(fake_openai_batch_lines(s_fo, "call-1"), 2, "--batch-rounds 2: two batches");
    cs_batch_destroy(&b);
}

Test(batch, expiry_partway_sends_the_rest_again)
{
    fake_openai_batch_expire(s_fo, 2);
    cs_batch_t *b = s_client(3, KEY);
    s_got_t got[4] = {0};
    const char *ids[] = {"c1", "c2", "c3", "c4"};
    for (int i = 0; i < 4; i++)
        s_submit(b, ids[i], &got[i]);
    s_drain(b);
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(got[i].status, CS_LLM_OK, "%s", ids[i]);
        cr_assert_str_eq(got[i].content, ids[i]);
    }
    cr_assert_eq(fake_openai_batch_count(s_fo), 2);
    cr_assert_eq(fake_openai_batch_lines(s_fo, NULL), 6, "4, then the 2 the expiry left");
    cs_batch_stats_t st;
    cs_batch_stats(b, &st);
    cr_assert_eq(st.expired, 2);
    cr_assert_eq(st.resent, 2);
    cs_batch_destroy(&b);
}

Test(batch, a_restart_resumes_the_batch_and_sends_nothing_twice)
{
    fake_openai_batch_polls(s_fo, 1000000); /* the first client never sees it end */
    cs_batch_t *b = s_client(3, KEY);
    s_got_t first[2] = {0};
    s_submit(b, "call-1", &first[0]);
    s_submit(b, "call-2", &first[1]);
    for (int i = 0; i < 2000 && fake_openai_batch_count(s_fo) == 0; i++) {
        cs_batch_run(b);
        usleep(2000);
    }
    cr_assert_eq(fake_openai_batch_count(s_fo), 1);
    cs_batch_destroy(&b); /* as a kill would: no callback */
    cr_assert_eq(first[0].calls + first[1].calls, 0);

    /* the batch ends while no extractor runs */
    fake_openai_batch_polls(s_fo, 0);
    b = s_client(3, KEY);
    /* call-1 comes back before the batch is polled, call-2 after its answer is in */
    s_got_t second[2] = {0};
    s_submit(b, "call-1", &second[0]);
    for (int i = 0; i < 2000 && second[0].calls == 0; i++) {
        cs_batch_run(b);
        usleep(2000);
    }
    cr_assert_eq(second[0].status, CS_LLM_OK);
    cr_assert_str_eq(second[0].content, "call-1");
    json_t *state = s_state_load();
    json_t *owed =
        json_object_get(json_array_get(json_object_get(state, "batches"), 0), "custom_ids");
    cr_assert_eq(json_array_size(owed), 1, "call-2's answer is still owed");
    cr_assert_str_eq(json_string_value(json_array_get(owed, 0)), "call-2");
    json_decref(state);
    s_submit(b, "call-2", &second[1]);
    s_drain(b);
    cr_assert_eq(second[1].status, CS_LLM_OK);
    cr_assert_str_eq(second[1].content, "call-2");
    cr_assert_eq(fake_openai_batch_count(s_fo), 1, "no second batch");
    cr_assert_eq(fake_openai_batch_max_lines(s_fo), 1, "no line sent twice");
    cs_batch_destroy(&b);
}

Test(batch, a_call_sent_again_while_in_a_batch_is_not_sent_twice)
{
    fake_openai_batch_polls(s_fo, 2);
    cs_batch_t *b = s_client(3, KEY);
    s_got_t got[2] = {0};
    s_submit(b, "call-1", &got[0]);
    for (int i = 0; i < 2000 && fake_openai_batch_count(s_fo) == 0; i++)
        cs_batch_run(b);
    s_submit(b, "call-1", &got[1]); /* the fetcher's redelivery */
    s_drain(b);
    cr_assert_eq(got[0].status, CS_LLM_OK);
    cr_assert_eq(got[1].status, CS_LLM_OK);
    cr_assert_eq(fake_openai_batch_lines(s_fo, "call-1"), 1);
    cs_batch_destroy(&b);
}

Test(batch, a_wrong_key_is_permanent)
{
    cs_batch_t *b = s_client(3, "sk-wrong-key-000000000000");
    s_got_t got = {0};
    s_submit(b, "call-1", &got);
    for (int i = 0; i < 2000 && cs_batch_run(b) > 0; i++)
        usleep(2000);
    const char *cause = NULL;
    cr_assert_not_null(cs_batch_fatal(b, &cause));
    cr_assert_str_eq(cause, CS_CAUSE_LLM_AUTH);
    cr_assert_eq(got.status, CS_LLM_FATAL);
    cr_assert_null(strstr(cs_batch_fatal(b, NULL), "sk-wrong-key"), "the key is masked");
    cs_batch_destroy(&b);
}

Test(batch, a_state_file_that_is_not_one_is_refused)
{
    FILE *fp = fopen(s_state, "w");
    fputs("not json", fp);
    fclose(fp);
    cs_batch_opts_t o = {.base_url = fake_openai_url(s_fo), .state_path = s_state};
    char err[512] = "";
    cs_batch_t *b = cs_batch_new(&o, err, sizeof err);
    cr_assert_null(b);
    cr_assert(strstr(err, "is not one"), "%s", err);
}

Test(batch, a_resumed_batch_that_is_gone_sends_its_requests_again)
{
    s_state_write(json_pack("[{s:s, s:s, s:[s, s]}]", "id", "batch_gone", "input_file_id",
                            "file-gone", "custom_ids", "call-1", "call-2"),
                  NULL);
    cs_batch_t *b = s_client(3, KEY);
    s_got_t got = {0};
    s_submit(b, "call-1", &got); /* call-2 never comes back: forgotten */
    s_drain(b);
    cr_assert_eq(got.status, CS_LLM_OK);
    cr_assert_str_eq(got.content, "call-1");
    cr_assert_eq(fake_openai_batch_count(s_fo), 1, "a new batch");
    cr_assert_eq(fake_openai_batch_lines(s_fo, "call-1"), 1);
    cr_assert_eq(fake_openai_batch_lines(s_fo, "call-2"), 0);
    cs_batch_destroy(&b);
    cr_assert_eq(s_state_batches(), 0, "nothing owed any more");
}

Test(batch, a_kill_before_the_batch_id_came_back_finds_the_batch_by_its_file)
{
    /* what the state file holds when a run is killed between POST /batches and its answer */
    fake_openai_batch_polls(s_fo, 0);
    char *fid = s_upload("{\"custom_id\":\"call-1\",\"method\":\"POST\",\"url\":"
                         "\"/v1/chat/completions\",\"body\":{\"model\":\"m\",\"messages\":"
                         "[{\"role\":\"user\",\"content\":\"call-1\"}]}}\n");
    char *body = NULL;
    cr_assert(asprintf(&body,
                       "{\"input_file_id\":\"%s\",\"endpoint\":\"/v1/chat/completions\","
                       "\"completion_window\":\"24h\"}",
                       fid) > 0);
    cr_assert_eq(s_raw("/batches", body, NULL, NULL, NULL, NULL), 200);
    free(body);
    s_state_write(json_array(), s_creating(fid));
    free(fid);
    cs_batch_t *b = s_client(3, KEY);
    s_got_t got = {0};
    s_submit(b, "call-1", &got); /* the call comes back before the batch is found */
    s_drain(b);
    cr_assert_eq(got.status, CS_LLM_OK);
    cr_assert_str_eq(got.content, "call-1");
    cr_assert_eq(fake_openai_batch_count(s_fo), 1, "the batch was found, none created");
    cr_assert_eq(fake_openai_batch_lines(s_fo, "call-1"), 1, "not sent twice");
    cs_batch_destroy(&b);
    json_t *state = s_state_load();
    cr_assert_null(json_object_get(state, "creating"));
    json_decref(state);
}

Test(batch, a_kill_before_the_batch_was_created_sends_the_calls_anew)
{
    s_state_write(json_array(), s_creating("file-never-batched"));
    cs_batch_t *b = s_client(3, KEY);
    s_got_t got = {0};
    s_submit(b, "call-1", &got);
    s_drain(b);
    cr_assert_eq(got.status, CS_LLM_OK);
    cr_assert_eq(fake_openai_batch_count(s_fo), 1);
    cr_assert_eq(fake_openai_batch_lines(s_fo, "call-1"), 1);
    cs_batch_destroy(&b);
}

Test(batch, fake_lists_batches_a_page_at_a_time)
{
    char *fid = s_upload(LINE("p", "/v1/chat/completions"));
    char *ids[3];
    for (int i = 0; i < 3; i++) {
        json_t *batch = s_create_and_get(fid, "/v1/chat/completions");
        ids[i] = strdup(json_string_value(json_object_get(batch, "id")));
        json_decref(batch);
    }
    char *text = NULL;
    cr_assert_eq(s_raw("/batches?limit=2", NULL, NULL, NULL, NULL, &text), 200);
    json_t *page = s_json(text);
    cr_assert_eq(json_array_size(json_object_get(page, "data")), 2);
    cr_assert_str_eq(json_string_value(json_object_get(page, "first_id")), ids[2], "newest first");
    cr_assert_str_eq(json_string_value(json_object_get(page, "last_id")), ids[1]);
    cr_assert(json_is_true(json_object_get(page, "has_more")));
    char *path = NULL;
    cr_assert(asprintf(&path, "/batches?limit=2&after=%s", ids[1]) > 0);
    cr_assert_eq(s_raw(path, NULL, NULL, NULL, NULL, &text), 200);
    free(path);
    json_t *rest = s_json(text);
    cr_assert_eq(json_array_size(json_object_get(rest, "data")), 1);
    cr_assert_str_eq(json_string_value(json_object_get(rest, "last_id")), ids[0]);
    cr_assert(json_is_false(json_object_get(rest, "has_more")));
    cr_assert_eq(s_raw("/batches", NULL, NULL, NULL, NULL, &text), 200, "default limit 20");
    json_t *all = s_json(text);
    cr_assert_eq(json_array_size(json_object_get(all, "data")), 3);
    cr_assert_eq(s_raw("/batches?limit=0", NULL, NULL, NULL, NULL, NULL), 400);
    cr_assert_eq(s_raw("/batches?limit=101", NULL, NULL, NULL, NULL, NULL), 400);
    cr_assert_eq(s_raw("/batches?limit=ten", NULL, NULL, NULL, NULL, NULL), 400);
    cr_assert_eq(s_raw("/batches?after=batch_nonesuch", NULL, NULL, NULL, NULL, NULL), 404);
    json_decref(page);
    json_decref(rest);
    json_decref(all);
    for (int i = 0; i < 3; i++)
        free(ids[i]);
    free(fid);
}

Test(batch, a_create_whose_answer_was_lost_is_found_not_sent_twice)
{
    /* POST /batches makes the batch and answers 500: sending the file again would pay twice */
    fake_openai_batch_lose_answers(s_fo, 1, true);
    cs_batch_t *b = s_client(3, KEY);
    s_got_t got = {0};
    s_submit(b, "call-1", &got);
    s_drain(b);
    cr_assert_eq(got.status, CS_LLM_OK);
    cr_assert_str_eq(got.content, "call-1");
    cr_assert_eq(fake_openai_batch_count(s_fo), 1, "the lost batch was found, none made again");
    cr_assert_eq(fake_openai_batch_lines(s_fo, "call-1"), 1, "not sent twice");
    cs_batch_stats_t st;
    cs_batch_stats(b, &st);
    cr_assert_eq(st.batches, 1);
    cr_assert_eq(st.lines, 1);
    cs_batch_destroy(&b);
}

Test(batch, a_create_that_made_nothing_is_sent_again)
{
    fake_openai_batch_lose_answers(s_fo, 2, false); /* twice: each looked up, then sent again */
    cs_batch_t *b = s_client(3, KEY);
    s_got_t got = {0};
    s_submit(b, "call-1", &got);
    s_drain(b);
    cr_assert_eq(got.status, CS_LLM_OK);
    cr_assert_eq(fake_openai_batch_count(s_fo), 1, "not found, so made by the third send");
    cr_assert_eq(fake_openai_count(s_fo, "/files"), 3, "uploaded once per send");
    cr_assert_eq(fake_openai_batch_lines(s_fo, "call-1"), 1);
    cs_batch_destroy(&b);
}

Test(batch, the_batch_of_a_kill_is_found_past_the_first_page)
{
    /* the batch of the state file's "creating" entry is the oldest of 101: on the second page */
    char *fid = s_upload(LINE("call-1", "/v1/chat/completions"));
    json_t *first = s_create_and_get(fid, "/v1/chat/completions");
    json_decref(first);
    char *other = s_upload(LINE("other", "/v1/chat/completions"));
    char *body = NULL;
    cr_assert(asprintf(&body,
                       "{\"input_file_id\":\"%s\",\"endpoint\":\"/v1/chat/completions\","
                       "\"completion_window\":\"24h\"}",
                       other) > 0);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(s_raw("/batches", body, NULL, NULL, NULL, NULL), 200);
    free(body);
    s_state_write(json_array(), s_creating(fid));
    cs_batch_t *b = s_client(3, KEY);
    s_got_t got = {0};
    s_submit(b, "call-1", &got);
    s_drain(b);
    cr_assert_eq(got.status, CS_LLM_OK);
    cr_assert_eq(fake_openai_batch_count(s_fo), 101, "found on the second page, none made");
    cr_assert_eq(fake_openai_batch_lines(s_fo, "call-1"), 1, "not sent twice");
    cs_batch_destroy(&b);
    free(fid);
    free(other);
}

/* A batch sent by an earlier run for call-1 and call-2, in the state file (ended_at: 0 for a
   batch not seen to end yet, else when it ended). */
static void s_earlier_batch(long long ended_at)
{
    fake_openai_batch_polls(s_fo, 0);
    char *fid =
        s_upload(LINE("call-1", "/v1/chat/completions") LINE("call-2", "/v1/chat/completions"));
    char *body = NULL, *text = NULL;
    cr_assert(asprintf(&body,
                       "{\"input_file_id\":\"%s\",\"endpoint\":\"/v1/chat/completions\","
                       "\"completion_window\":\"24h\"}",
                       fid) > 0);
    cr_assert_eq(s_raw("/batches", body, NULL, NULL, NULL, &text), 200);
    json_t *batch = s_json(text);
    json_t *entry = json_pack("{s:O, s:s, s:[s, s]}", "id", json_object_get(batch, "id"),
                              "input_file_id", fid, "custom_ids", "call-1", "call-2");
    if (ended_at)
        json_object_set_new(entry, "ended_at", json_integer(ended_at));
    s_state_write(json_pack("[o]", entry), NULL);
    json_decref(batch);
    free(body);
    free(fid);
}

Test(batch, answers_no_call_asks_for_leave_the_state_after_the_keep)
{
    s_earlier_batch(0);
    cs_batch_t *b = s_client_keep(3, KEY, 1); /* kept 1 ms after the batch ends */
    s_got_t got = {0};
    s_submit(b, "call-1", &got); /* call-2 never comes back: acked by another extractor */
    s_drain(b);
    cr_assert_eq(got.status, CS_LLM_OK);
    cs_batch_stats_t st = {0};
    for (int i = 0; i < 2000 && st.unclaimed == 0; i++) {
        cs_batch_run(b);
        cs_batch_stats(b, &st);
        usleep(2000);
    }
    cr_assert_eq(st.unclaimed, 1, "call-2's answer dropped");
    cr_assert_eq(s_state_batches(), 0, "the batch left the state file");
    cs_batch_destroy(&b);
}

Test(batch, answers_are_kept_while_the_keep_lasts)
{
    s_earlier_batch(0);
    cs_batch_t *b = s_client(3, KEY); /* the default: 48 h */
    s_got_t got = {0};
    s_submit(b, "call-1", &got);
    s_drain(b);
    for (int i = 0; i < 20; i++) {
        cs_batch_run(b);
        usleep(2000);
    }
    cs_batch_stats_t st;
    cs_batch_stats(b, &st);
    cr_assert_eq(st.unclaimed, 0);
    cr_assert_eq(s_state_batches(), 1, "call-2's answer is still owed");
    json_t *state = s_state_load();
    json_t *entry = json_array_get(json_object_get(state, "batches"), 0);
    cr_assert_gt(json_integer_value(json_object_get(entry, "ended_at")), 0, "its end is kept");
    json_decref(state);
    cs_batch_destroy(&b);
}

Test(batch, a_batch_that_ended_before_the_keep_is_not_resumed)
{
    s_earlier_batch(1000); /* ended in 1970 */
    cs_batch_t *b = s_client(3, KEY);
    cs_batch_stats_t st;
    cs_batch_stats(b, &st);
    cr_assert_eq(st.unclaimed, 2);
    cr_assert_eq(s_state_batches(), 0, "and it left the state file");
    cs_batch_destroy(&b);
}
