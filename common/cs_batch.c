#define _GNU_SOURCE /* asprintf */
#include "cs_batch_priv.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cs_buf.h"
#include "cs_http.h"
#include "cs_llm_headers.h"
#include "cs_log.h"
#include "cs_record.h"
#include "cs_util.h"

#define MAX_DOWNLOAD (512L << 20) /* an output file: 50,000 answers of ~10 KB */

/* ---- lines ------------------------------------------------------------------------------- */

static int s_enqueue(cs_batch_t *self, line_t *line)
{
    if (self->nqueue == self->cqueue) {
        size_t cap = self->cqueue ? 2 * self->cqueue : 64;
        line_t **grown = realloc(self->queue, cap * sizeof *grown);
        if (!grown)
            return -1;
        self->queue = grown;
        self->cqueue = cap;
    }
    self->queue[self->nqueue++] = line;
    line->queued = true;
    line->in = NULL;
    line->since = cs_now_ms();
    return 0;
}

/* Call every callback of line with result, then forget the line. */
static void s_deliver(cs_batch_t *self, line_t *line, const cs_llm_result_t *result)
{
    waiter_t *w = line->waiters;
    line->waiters = NULL;
    json_object_del(self->index, line->custom_id); /* a callback may submit it anew */
    while (w) {
        waiter_t *next = w->next;
        self->waiting--;
        w->fn(w->arg, result);
        free(w);
        w = next;
    }
    cs_batch_line_free(self, line);
}

static void s_fail_line(cs_batch_t *self, line_t *line, cs_llm_status_t status, const char *cause,
                        const char *error)
{
    cs_llm_result_t r = {.status = status, .cause = cause, .error = error};
    s_deliver(self, line, &r);
}

/* ---- HTTP -------------------------------------------------------------------------------- */

/* One request with cs_http's retries under `policy`: 0 with the 2xx body (malloc'd) in *out,
   or -1 with the reason in err (the API's message for a refusal) and self->last_unsure set
   when the request may have been carried out all the same; a 401/403 also sets the fatal
   refusal. */
static int s_http_with(cs_batch_t *self, const cs_http_policy_t *policy, const char *path,
                       const char *json_body, curl_mime *mime, char **out, char *err, size_t errlen)
{
    char *url = NULL;
    bool both = self->query[0] && strchr(path, '?'); /* "...?limit=100" + "?api-version=..." */
    if (asprintf(&url, "%s%s%s%s", self->base, path, both ? "&" : "",
                 both ? self->query + 1 : self->query) < 0)
        return cs_fail(err, errlen, "out of memory");
    cs_http_answer_t answer = {0};
    int rc = -1;
    int64_t waited = 0;
    for (int attempt = 1;; attempt++) {
        curl_easy_reset(self->curl);
        if (cs_http_setup(self->curl, policy, &answer,
                          mime ? self->upload_headers : self->json_headers, "callsift", err,
                          errlen) != 0)
            break;
        curl_easy_setopt(self->curl, CURLOPT_URL, url);
        if (mime)
            curl_easy_setopt(self->curl, CURLOPT_MIMEPOST, mime);
        else if (json_body) {
            curl_easy_setopt(self->curl, CURLOPT_POSTFIELDS, json_body);
            curl_easy_setopt(self->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(json_body));
        }
        cs_http_answer_reset(&answer);
        CURLcode cc = curl_easy_perform(self->curl);
        long status = 0;
        curl_easy_getinfo(self->curl, CURLINFO_RESPONSE_CODE, &status);
        self->last_status = cc == CURLE_OK ? status : 0;
        self->last_unsure = false;
        cs_http_attempt_t a = {.code = cc,
                               .status = status,
                               .over_cap = answer.body.over,
                               .asked_ms = answer.retry_after_ms,
                               .attempt = attempt,
                               .waited_ms = waited};
        cs_http_decision_t d = cs_http_decide(policy, &a);
        self->last_unsure = d.verdict == CS_HTTP_UNSURE;
        if (d.verdict == CS_HTTP_RETRY) {
            cs_warn("OpenAI Batch API: %s answered %ld: waiting %lld ms (attempt %d of %d)", path,
                    status, (long long)d.wait_ms, attempt + 1, policy->max_attempts);
            waited += d.wait_ms;
            cs_sleep_ms(d.wait_ms);
            continue;
        }
        if (d.verdict == CS_HTTP_ANSWERED) {
            *out = cs_buf_take(&answer.body);
            rc = *out ? 0 : cs_fail(err, errlen, "out of memory");
            break;
        }
        char why[512] = "";
        const char *text = answer.body.p ? answer.body.p : "";
        json_t *body = json_loads(text, 0, NULL);
        const char *message =
            json_string_value(json_object_get(json_object_get(body, "error"), "message"));
        if (cc != CURLE_OK)
            cs_http_describe(policy, &answer, cc, why, sizeof why);
        cs_fail(err, errlen, "%s: %s%ld: %s", path, cc != CURLE_OK ? "" : "HTTP ",
                cc != CURLE_OK ? 0L : status,
                cc != CURLE_OK ? why
                : message      ? message
                               : text);
        json_decref(body);
        cs_log_redact(err, errlen); /* a 401's message may quote the key */
        if (d.verdict == CS_HTTP_AUTH && !self->fatal[0]) {
            snprintf(self->fatal, sizeof self->fatal,
                     "the Batch API refuses the key (%s): check OPENAI_API_KEY", err);
            self->fatal_cause = CS_CAUSE_LLM_AUTH;
        }
        break;
    }
    cs_buf_free(&answer.body);
    free(url);
    return rc;
}

/* s_http_with under the client's own policy. */
static int s_http(cs_batch_t *self, const char *path, const char *json_body, curl_mime *mime,
                  char **out, char *err, size_t errlen)
{
    return s_http_with(self, &self->policy, path, json_body, mime, out, err, errlen);
}

/* ---- sending a batch --------------------------------------------------------------------- */

/* The JSONL of the first n queued lines (they fit the file's cap); NULL when out of memory. */
static char *s_jsonl(cs_batch_t *self, size_t *n)
{
    cs_buf_t buf = {.max = (size_t)CS_BATCH_MAX_FILE_BYTES};
    size_t i = 0;
    char *url_json = NULL;
    json_t *url = json_sprintf("/v1%s", self->endpoint);
    url_json = url ? json_dumps(url, JSON_ENCODE_ANY) : NULL;
    json_decref(url);
    for (; url_json && i < self->nqueue && i < (size_t)self->o.max_lines; i++) {
        line_t *line = self->queue[i];
        json_t *cid = json_string(line->custom_id);
        char *cid_json = cid ? json_dumps(cid, JSON_ENCODE_ANY) : NULL;
        json_decref(cid);
        size_t before = buf.len;
        if (cid_json)
            cs_buf_printf(&buf, "{\"custom_id\":%s,\"method\":\"POST\",\"url\":%s,\"body\":%s}\n",
                          cid_json, url_json, line->body);
        free(cid_json);
        if (buf.over && i > 0) { /* the file is full: this line waits for the next batch */
            buf.over = buf.failed = false;
            buf.len = before;
            buf.p[before] = '\0';
            break;
        }
        if (buf.failed)
            break;
    }
    free(url_json);
    *n = i;
    return cs_buf_take(&buf);
}

static void s_send(cs_batch_t *self)
{
    size_t n = 0;
    char *jsonl = s_jsonl(self, &n);
    char err[768] = "";
    char *text = NULL;
    json_t *file = NULL, *batch = NULL;
    curl_mime *mime = NULL;
    if (!jsonl || n == 0) {
        cs_error("Could not build a batch of %zu lines (out of memory or a line over %ld bytes)",
                 self->nqueue, CS_BATCH_MAX_FILE_BYTES);
        goto retry;
    }
    mime = curl_mime_init(self->curl);
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_name(part, "purpose");
    curl_mime_data(part, "batch", CURL_ZERO_TERMINATED);
    part = curl_mime_addpart(mime);
    curl_mime_name(part, "file");
    curl_mime_data(part, jsonl, strlen(jsonl));
    curl_mime_filename(part, "callsift-batch.jsonl");
    curl_mime_type(part, "application/jsonl");
    if (s_http(self, "/files", NULL, mime, &text, err, sizeof err) != 0)
        goto retry;
    file = json_loads(text, 0, NULL);
    free(text);
    text = NULL;
    const char *fid = json_string_value(json_object_get(file, "id"));
    if (!fid) {
        snprintf(err, sizeof err, "/files: the answer names no file id");
        goto retry;
    }
    json_t *ids = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(ids, json_string(self->queue[i]->custom_id));
    self->creating = json_pack("{s:s, s:o}", "input_file_id", fid, "custom_ids", ids);
    cs_batch_save(self); /* a kill before the batch's id comes back finds it by its file */
    json_t *req = json_pack("{s:s, s:s, s:s, s:{s:s}}", "input_file_id", fid, "endpoint", "",
                            "completion_window", "24h", "metadata", "callsift", self->tag);
    json_object_set_new(req, "endpoint", json_sprintf("/v1%s", self->endpoint));
    char *req_text = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    /* Creating a batch is not idempotent: a create that may have been carried out is not sent
       again (a second batch would be paid twice); only a 429 or a connection never made is. */
    cs_http_policy_t once = self->policy;
    once.not_idempotent = true;
    self->last_unsure = false;
    int rc = req_text ? s_http_with(self, &once, "/batches", req_text, NULL, &text, err, sizeof err)
                      : -1;
    free(req_text);
    if (rc != 0 && self->last_unsure) {
        /* The batch may exist all the same: sending the file again would pay twice. It is
           looked up in the list of batches by its file before anything is sent again. */
        cs_warn("Could not tell whether the batch of file %s was created (%s): looking for it "
                "in the list of batches",
                fid, err);
        json_object_set_new(self->creating, "lost", json_true());
        self->unresolved = self->creating;
        self->creating = NULL;
        self->resolve_after = cs_now_ms();
        cs_batch_save(self);
        goto done;
    }
    json_decref(self->creating);
    self->creating = NULL;
    if (rc != 0)
        goto retry;
    batch = json_loads(text, 0, NULL);
    const char *bid = json_string_value(json_object_get(batch, "id"));
    batch_t *b = bid ? cs_batch_add(self, bid, fid) : NULL;
    if (!b) {
        snprintf(err, sizeof err, "/batches: the answer names no batch id");
        goto retry;
    }
    for (size_t i = 0; i < n; i++) {
        line_t *line = self->queue[i];
        line->queued = false;
        line->in = b;
        if (line->rounds++ > 0)
            self->stats.resent++;
        json_object_set_new(b->owed, line->custom_id, json_true());
    }
    memmove(self->queue, self->queue + n, (self->nqueue - n) * sizeof *self->queue);
    self->nqueue -= n;
    self->stats.batches++;
    self->stats.lines += (long)n;
    cs_batch_save(self);
    cs_info("Sent batch %s: %zu requests (input file %s); polling every %g s", bid, n, fid,
            self->o.poll_ms / 1000.0);
    goto done;
retry:
    if (!self->fatal[0])
        cs_warn("Could not send a batch of %zu requests (%s); trying again in %g s", n,
                err[0] ? err : "out of memory", self->o.poll_ms / 1000.0);
    self->send_after = cs_now_ms() + self->o.poll_ms;
done:
    curl_mime_free(mime);
    free(text);
    free(jsonl);
    json_decref(file);
    json_decref(batch);
}

/* ---- results ----------------------------------------------------------------------------- */

static const char *s_cause_of(long status)
{
    if (status == 429)
        return CS_CAUSE_LLM_RATE_LIMIT;
    if (status == 401 || status == 403)
        return CS_CAUSE_LLM_AUTH;
    if (status >= 500 || status == 408 || status == 0)
        return CS_CAUSE_LLM_UNREACHABLE;
    return CS_CAUSE_OTHER;
}

/* A line that failed in its batch: sent again, or given up, or (no one waits for it) forgotten:
   whoever asks for it later sends it afresh. */
static void s_line_failed(cs_batch_t *self, line_t *line, long status, const char *why)
{
    if (!line->waiters) {
        cs_batch_line_free(self, line);
        return;
    }
    if (line->body && line->rounds < self->o.max_rounds && s_enqueue(self, line) == 0) {
        cs_warn("Batch request %s failed (%s): sending it again in the next batch (%d of %d)",
                line->custom_id, why, line->rounds + 1, self->o.max_rounds);
        return;
    }
    char error[512];
    snprintf(error, sizeof error, "Batch API: %s, after %d batches", why, line->rounds);
    self->stats.gave_up++;
    s_fail_line(self, line, CS_LLM_FAILED, s_cause_of(status), error);
}

/* One line of an output or error file. */
static void s_result(cs_batch_t *self, batch_t *b, const json_t *v)
{
    const char *cid = json_string_value(json_object_get(v, "custom_id"));
    line_t *line = cid ? cs_batch_line_find(self, cid) : NULL;
    if (!line || line->in != b || line->ready)
        return; /* not ours, or answered already */
    json_object_del(b->owed, cid);
    line->in = NULL;
    json_t *response = json_object_get(v, "response");
    long status = (long)json_integer_value(json_object_get(response, "status_code"));
    json_t *body = json_object_get(response, "body");
    if (status == 200 && json_is_object(body)) {
        self->stats.answered++;
        if (!line->waiters) { /* a resumed line whose call has not come back yet */
            line->answer = json_incref(body);
            line->ready = true;
            json_object_set_new(b->owed, cid, json_true()); /* owed until someone takes it */
            line->in = b;
            return;
        }
        cs_llm_result_t r = {
            .status = CS_LLM_OK, .http_status = 200, .response = body, .attempts = line->rounds};
        s_deliver(self, line, &r);
        return;
    }
    json_t *error = json_object_get(v, "error");
    const char *code = json_string_value(json_object_get(error, "code"));
    char why[400];
    if (code) {
        self->stats.expired++;
        snprintf(why, sizeof why, "%s", code);
    } else {
        self->stats.line_errors++;
        const char *message =
            json_string_value(json_object_get(json_object_get(body, "error"), "message"));
        snprintf(why, sizeof why, "HTTP %ld: %.300s", status, message ? message : "no message");
    }
    s_line_failed(self, line, code ? 503 : status, why);
}

/* The lines of file `fid` through s_result; -1 when it could not be read. */
static int s_read_file(cs_batch_t *self, batch_t *b, const char *fid)
{
    char path[300], err[768];
    snprintf(path, sizeof path, "/files/%.200s/content", fid);
    char *text = NULL;
    if (s_http(self, path, NULL, NULL, &text, err, sizeof err) != 0) {
        cs_warn("Could not download %s of batch %s (%s); trying again at the next poll", fid, b->id,
                err);
        return -1;
    }
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        json_t *v = json_loads(l, 0, NULL);
        if (v)
            s_result(self, b, v);
        else
            cs_log_limited("batch-line", CS_LOG_WARNING,
                           "Batch %s: a line of file %s is not JSON; skipped", b->id, fid);
        json_decref(v);
    }
    free(text);
    return 0;
}

/* A batch that ended: its files read, the lines it left out failed. true when done with it. */
static bool s_ended(cs_batch_t *self, batch_t *b, const json_t *obj, const char *status)
{
    const char *out = json_string_value(json_object_get(obj, "output_file_id"));
    const char *errs = json_string_value(json_object_get(obj, "error_file_id"));
    if ((out && s_read_file(self, b, out) != 0) || (errs && s_read_file(self, b, errs) != 0))
        return false;
    char why[400];
    const json_t *first =
        json_array_get(json_object_get(json_object_get(obj, "errors"), "data"), 0);
    snprintf(why, sizeof why, "batch %s %s%s%s", b->id, status, first ? ": " : "",
             first ? json_string_value(json_object_get(first, "message")) : "");
    if (first)
        cs_error("Batch %s failed validation: %s", b->id, why);
    /* lines neither file holds (a failed validation, a cancellation) */
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(b->owed, tmp, key, v)
    {
        line_t *line = cs_batch_line_find(self, key);
        if (line && line->in == b && !line->ready) {
            json_object_del(b->owed, key);
            line->in = NULL;
            self->stats.expired++;
            s_line_failed(self, line, 503, why);
        }
    }
    return true;
}

static void s_poll(cs_batch_t *self, batch_t *b)
{
    char path[300], err[768];
    snprintf(path, sizeof path, "/batches/%.200s", b->id);
    char *text = NULL;
    b->next_poll = cs_now_ms() + self->o.poll_ms;
    if (s_http(self, path, NULL, NULL, &text, err, sizeof err) != 0) {
        if (self->last_status == 404) { /* deleted, or another account's: its lines go again */
            cs_error("Batch %s is not found (%s): its requests go in a new batch", b->id, err);
            json_t *none = json_object();
            if (none && s_ended(self, b, none, "not found")) {
                b->next_poll = INT64_MAX;
                if (!b->ended_at)
                    b->ended_at = cs_wall_ms();
                if (json_object_size(b->owed) == 0)
                    cs_batch_remove(self, b);
                cs_batch_save(self);
            }
            json_decref(none);
            return;
        }
        cs_warn("Could not poll batch %s (%s); trying again in %g s", b->id, err,
                self->o.poll_ms / 1000.0);
        return;
    }
    json_t *obj = json_loads(text, 0, NULL);
    free(text);
    const char *status = json_string_value(json_object_get(obj, "status"));
    if (status && (strcmp(status, "completed") == 0 || strcmp(status, "expired") == 0 ||
                   strcmp(status, "failed") == 0 || strcmp(status, "cancelled") == 0)) {
        json_t *counts = json_object_get(obj, "request_counts");
        cs_info("Batch %s %s: %lld of %lld requests answered, %lld failed", b->id, status,
                (long long)json_integer_value(json_object_get(counts, "completed")),
                (long long)json_integer_value(json_object_get(counts, "total")),
                (long long)json_integer_value(json_object_get(counts, "failed")));
        if (s_ended(self, b, obj, status)) {
            b->next_poll = INT64_MAX; /* done: stays only while answers are owed */
            if (!b->ended_at)
                b->ended_at = cs_wall_ms();
            if (json_object_size(b->owed) == 0)
                cs_batch_remove(self, b);
            cs_batch_save(self);
        }
    }
    json_decref(obj);
}

/* A batch whose id never came back, because an earlier run was killed before it kept it or
   because this run's POST /batches got no answer it could trust ("lost"): looked up by its input
   file in the list of batches (GET /batches, newest first, up to 20 pages of 100). Found: resumed
   like the others (requests still queued for it leave the queue); not there: it was never
   created, and its requests go in the next batch (an earlier run's when their calls come
   back). */
static void s_resolve(cs_batch_t *self)
{
    const char *fid = json_string_value(json_object_get(self->unresolved, "input_file_id"));
    bool lost = json_is_true(json_object_get(self->unresolved, "lost")); /* by this run */
    char path[400], err[768], after[200] = "";
    for (int page = 0; page < 20; page++) {
        snprintf(path, sizeof path, "/batches?limit=100%s%s", after[0] ? "&after=" : "", after);
        char *text = NULL;
        if (s_http(self, path, NULL, NULL, &text, err, sizeof err) != 0) {
            cs_warn("Could not list the batches to find the one of file %s (%s); trying again "
                    "in %g s",
                    fid, err, self->o.poll_ms / 1000.0);
            self->resolve_after = cs_now_ms() + self->o.poll_ms;
            return;
        }
        json_t *list = json_loads(text, 0, NULL);
        free(text);
        size_t i;
        json_t *b;
        json_array_foreach(json_object_get(list, "data"), i, b)
        {
            const char *id = json_string_value(json_object_get(b, "id"));
            const char *input = json_string_value(json_object_get(b, "input_file_id"));
            if (id && input && strcmp(input, fid) == 0) {
                const json_t *ids = json_object_get(self->unresolved, "custom_ids");
                if (cs_batch_resume(self, id, fid, ids) && lost) {
                    self->stats.batches++;
                    self->stats.lines += (long)json_array_size(ids);
                }
                json_decref(list);
                goto done;
            }
        }
        const char *last = json_string_value(json_object_get(list, "last_id"));
        bool more = json_is_true(json_object_get(list, "has_more")) && last && strlen(last) < 150;
        if (more)
            snprintf(after, sizeof after, "%s", last);
        json_decref(list);
        if (!more)
            break;
    }
    if (lost) {
        cs_info("No batch was created from file %s: its requests go in a batch sent in %g s", fid,
                self->o.poll_ms / 1000.0);
        self->send_after = cs_now_ms() + self->o.poll_ms; /* as after any failed send */
    } else
        cs_info("No batch was created from file %s before the last stop: its calls go in new "
                "batches",
                fid);
done:
    json_decref(self->unresolved);
    self->unresolved = NULL;
    cs_batch_save(self);
}

/* ---- public ------------------------------------------------------------------------------ */

cs_batch_t *cs_batch_new(const cs_batch_opts_t *opts, char *err, size_t errlen)
{
    const char *base = opts->base_url && *opts->base_url ? opts->base_url : CS_LLM_DEFAULT_BASE_URL;
    cs_batch_t *self = cs_http_client_alloc(sizeof *self, base, "OpenAI", err, errlen);
    if (!self)
        return NULL;
    self->o = *opts;
    if (self->o.max_lines <= 0)
        self->o.max_lines = CS_BATCH_DEFAULT_LINES;
    if (self->o.max_lines > CS_BATCH_MAX_LINES)
        self->o.max_lines = CS_BATCH_MAX_LINES;
    if (self->o.wait_ms <= 0)
        self->o.wait_ms = 60000;
    if (self->o.poll_ms <= 0)
        self->o.poll_ms = 60000;
    if (self->o.max_rounds <= 0)
        self->o.max_rounds = 3;
    if (self->o.keep_ms <= 0)
        self->o.keep_ms = 48LL * 3600 * 1000;
    size_t blen = strcspn(base, "?");
    self->base = strndup(base, blen);
    self->query = strdup(base + blen);
    self->endpoint = strdup(opts->endpoint ? opts->endpoint : "/chat/completions");
    self->tag = strdup(opts->tag ? opts->tag : "callsift");
    self->state_path = opts->state_path ? strdup(opts->state_path) : NULL;
    self->index = json_object();
    self->curl = curl_easy_init();
    self->policy =
        (cs_http_policy_t){.max_attempts = 4,
                           .backoff_base_ms = 1000,
                           .backoff_cap_ms = 10000,
                           .retry_after_cap_ms = 60000,
                           .budget_ms = 60000,
                           .timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 300000,
                           .max_body = MAX_DOWNLOAD,
                           .retry_408_409 = true};
    if (opts->api_key && *opts->api_key)
        cs_log_add_secret(opts->api_key);
    if (!self->base || !self->query || !self->endpoint || !self->tag || !self->index ||
        !self->curl || (opts->state_path && !self->state_path) ||
        cs_llm_auth_headers(base, opts->api_key, "application/json", &self->json_headers) != 0 ||
        cs_llm_auth_headers(base, opts->api_key, NULL, &self->upload_headers) != 0) {
        cs_fail(err, errlen, "out of memory");
        cs_batch_destroy(&self);
        return NULL;
    }
    self->o.base_url = self->o.api_key = self->o.endpoint = self->o.state_path = self->o.tag =
        NULL; /* the copies above are used */
    if (cs_batch_load(self, err, errlen) != 0) {
        cs_batch_destroy(&self);
        return NULL;
    }
    return self;
}

void cs_batch_destroy(cs_batch_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cs_batch_t *self = *self_p;
    while (self->nbatches)
        cs_batch_remove(self, self->batches[0]);
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(self->index, tmp, key, v)
        cs_batch_line_free(self, (line_t *)(intptr_t)json_integer_value(v));
    json_decref(self->index);
    json_decref(self->creating);
    json_decref(self->unresolved);
    free(self->queue);
    free(self->batches);
    cs_llm_headers_free(self->json_headers);
    cs_llm_headers_free(self->upload_headers);
    if (self->curl)
        curl_easy_cleanup(self->curl);
    free(self->base);
    free(self->query);
    free(self->endpoint);
    free(self->tag);
    free(self->state_path);
    cs_http_client_free(self);
    *self_p = NULL;
}

int cs_batch_submit(cs_batch_t *self, const char *custom_id, const json_t *body, cs_llm_done_fn fn,
                    void *arg)
{
    waiter_t *w = calloc(1, sizeof *w);
    if (!w)
        return -1;
    *w = (waiter_t){.fn = fn, .arg = arg};
    line_t *line = cs_batch_line_find(self, custom_id);
    bool fresh = !line;
    if (fresh && !(line = cs_batch_line_new(self, custom_id))) {
        free(w);
        return -1;
    }
    if (!line->body && !(line->body = json_dumps(body, JSON_COMPACT))) {
        if (fresh)
            cs_batch_line_free(self, line);
        free(w);
        return -1;
    }
    if (fresh && s_enqueue(self, line) != 0) {
        cs_batch_line_free(self, line);
        free(w);
        return -1;
    }
    if (!fresh)
        cs_info("Batch request %s is already %s: waiting for its answer", custom_id,
                line->ready    ? "answered"
                : line->queued ? "queued"
                               : "in a batch");
    w->next = line->waiters;
    line->waiters = w;
    self->waiting++;
    self->ready_asked |= line->ready;
    return 0;
}

/* Answers kept for lines no one had asked for, now asked for. */
static void s_deliver_ready(cs_batch_t *self)
{
    if (!self->ready_asked)
        return;
    self->ready_asked = false;
    bool changed = false;
    for (size_t i = 0; i < self->nbatches;) {
        batch_t *b = self->batches[i];
        const char *key;
        json_t *v;
        void *tmp;
        json_object_foreach_safe(b->owed, tmp, key, v)
        {
            line_t *line = cs_batch_line_find(self, key);
            if (!line || !line->ready || !line->waiters)
                continue;
            json_t *answer = line->answer;
            line->answer = NULL;
            json_object_del(b->owed, key);
            cs_llm_result_t r = {.status = CS_LLM_OK,
                                 .http_status = 200,
                                 .response = answer,
                                 .attempts = line->rounds};
            s_deliver(self, line, &r);
            json_decref(answer);
            changed = true;
        }
        if (b->next_poll == INT64_MAX && json_object_size(b->owed) == 0)
            cs_batch_remove(self, b); /* the last element moved to i */
        else
            i++;
    }
    if (changed)
        cs_batch_save(self);
}

/* Ended batches whose answers no call asked for within keep_ms of the end (their calls were
   acked by another extractor, or never come back): out of the state file, with their answers. */
static void s_drop_unclaimed(cs_batch_t *self)
{
    int64_t now = cs_wall_ms();
    bool changed = false;
    for (size_t i = 0; i < self->nbatches;) {
        batch_t *b = self->batches[i];
        if (b->next_poll != INT64_MAX || !b->ended_at || now - b->ended_at < self->o.keep_ms) {
            i++;
            continue;
        }
        size_t n = json_object_size(b->owed);
        const char *key;
        json_t *v;
        json_object_foreach(b->owed, key, v)
        {
            line_t *line = cs_batch_line_find(self, key);
            if (line && line->in == b && !line->waiters)
                cs_batch_line_free(self, line);
        }
        cs_warn("Batch %s ended %.1f h ago and %zu of its answers were never asked for (their "
                "calls were acked elsewhere or did not come back): dropped from %s",
                b->id, (now - b->ended_at) / 3600000.0, n,
                self->state_path ? self->state_path : "memory");
        self->stats.unclaimed += (long)n;
        cs_batch_remove(self, b); /* the last element moved to i */
        changed = true;
    }
    if (changed)
        cs_batch_save(self);
}

/* A stop, or a permanent refusal: every callback waiting ends now. */
static void s_end_all(cs_batch_t *self, cs_llm_status_t status, const char *cause,
                      const char *error)
{
    const char *key;
    json_t *v;
    void *tmp;
    self->nqueue = 0;
    json_object_foreach_safe(self->index, tmp, key, v)
    {
        line_t *line = (line_t *)(intptr_t)json_integer_value(v);
        if (!line->waiters)
            continue;
        if (line->in) { /* in a batch: it stays owed, the next run takes its answer */
            waiter_t *w = line->waiters;
            line->waiters = NULL;
            cs_llm_result_t r = {.status = status, .cause = cause, .error = error};
            while (w) {
                waiter_t *next = w->next;
                self->waiting--;
                w->fn(w->arg, &r);
                free(w);
                w = next;
            }
            line->queued = false;
        } else {
            s_fail_line(self, line, status, cause, error);
        }
    }
}

int cs_batch_run(cs_batch_t *self)
{
    if (cs_stop_requested()) {
        s_end_all(self, CS_LLM_STOPPED, NULL, "stopped");
        return self->waiting;
    }
    if (self->fatal[0]) {
        s_end_all(self, CS_LLM_FATAL, self->fatal_cause, self->fatal);
        return self->waiting;
    }
    s_deliver_ready(self);
    s_drop_unclaimed(self);
    int64_t now = cs_now_ms();
    if (self->unresolved && now >= self->resolve_after)
        s_resolve(self);
    if (self->nqueue > 0 && now >= self->send_after && !self->unresolved &&
        (self->nqueue >= (size_t)self->o.max_lines ||
         now - self->queue[0]->since >= self->o.wait_ms))
        s_send(self);
    for (size_t i = 0; i < self->nbatches && !cs_stop_requested(); i++) {
        batch_t *b = self->batches[i];
        if (b->next_poll <= now) {
            size_t before = self->nbatches;
            s_poll(self, b);
            if (self->nbatches < before)
                i--; /* removed: the last one moved here */
        }
    }
    return self->waiting;
}

int cs_batch_pending(const cs_batch_t *self)
{
    return self->waiting;
}

const char *cs_batch_fatal(const cs_batch_t *self, const char **cause)
{
    if (!self->fatal[0])
        return NULL;
    if (cause)
        *cause = self->fatal_cause;
    return self->fatal;
}

void cs_batch_stats(const cs_batch_t *self, cs_batch_stats_t *out)
{
    *out = self->stats;
}
