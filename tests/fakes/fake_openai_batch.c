/*  The Files and Batch endpoints of fake_openai (see fake_openai.h, "BATCH API"). */
#define _GNU_SOURCE /* memmem, strndup, asprintf */
#include "fake_openai_batch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_LINES       50000 /* requests per batch input file (OpenAI's documented limit) */
#define MAX_META_PAIRS  16
#define MAX_META_KEY    64
#define MAX_META_VALUE  512
#define EXPIRED_MESSAGE "This request could not be executed before the completion window expired."
#define PURPOSES_MESSAGE                                                                           \
    "'purpose' must be one of 'assistants', 'batch', 'fine-tune', 'vision', "                      \
    "'user_data' or 'evals'."

typedef struct {
    char *id, *purpose, *filename;
    char *data;
    size_t len;
    long created_at;
} s_file_t;

typedef struct {
    char *id, *input_file_id, *endpoint, *status;
    json_t *metadata; /* object or null */
    json_t *errors;   /* null, or OpenAI's {object: "list", data: [{code, message, param, line}]} */
    char *output_file_id, *error_file_id;
    int polls_left;   /* GETs that still show in_progress */
    int expire_after; /* lines answered before it expires; -1: it completes */
    long total, completed, failed;
    long created_at, in_progress_at, expires_at, finalizing_at, completed_at, failed_at, expired_at;
    json_t *lines; /* the validated input lines, until it ends */
} s_batch_t;

struct fake_batch {
    pthread_mutex_t lock;
    s_file_t **files;
    size_t nfiles, cfiles;
    s_batch_t **batches;
    size_t nbatches, cbatches;
    int polls;        /* for batches created from now on */
    int expire_after; /* for the next batch created only; -1: none */
    int lose;         /* the next creates that answer 500 ... */
    bool lose_made;   /* ... having made their batch all the same, or not */
    json_t *fails;    /* {custom_id: [times left, status]} */
    json_t *counts;   /* {custom_id: lines seen in batches accepted} */
    long lines_total;
    unsigned long next_id;
};

fake_batch_t *fake_batch_new(void)
{
    fake_batch_t *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    pthread_mutex_init(&b->lock, NULL);
    b->expire_after = -1;
    b->fails = json_object();
    b->counts = json_object();
    if (!b->fails || !b->counts) {
        fake_batch_free(&b);
        return NULL;
    }
    return b;
}

static void s_file_free(s_file_t *file)
{
    if (!file)
        return;
    free(file->id);
    free(file->purpose);
    free(file->filename);
    free(file->data);
    free(file);
}

static void s_batch_free(s_batch_t *batch)
{
    if (!batch)
        return;
    free(batch->id);
    free(batch->input_file_id);
    free(batch->endpoint);
    free(batch->status);
    free(batch->output_file_id);
    free(batch->error_file_id);
    json_decref(batch->metadata);
    json_decref(batch->errors);
    json_decref(batch->lines);
    free(batch);
}

void fake_batch_free(fake_batch_t **b_p)
{
    if (!b_p || !*b_p)
        return;
    fake_batch_t *b = *b_p;
    for (size_t i = 0; i < b->nfiles; i++)
        s_file_free(b->files[i]);
    for (size_t i = 0; i < b->nbatches; i++)
        s_batch_free(b->batches[i]);
    free(b->files);
    free(b->batches);
    json_decref(b->fails);
    json_decref(b->counts);
    pthread_mutex_destroy(&b->lock);
    free(b);
    *b_p = NULL;
}

bool fake_batch_path(const char *path)
{
    return strcmp(path, "/files") == 0 || strncmp(path, "/files/", 7) == 0 ||
           strcmp(path, "/batches") == 0 || strncmp(path, "/batches/", 9) == 0;
}

static char *s_error(int *status, int code, const char *message, const char *param)
{
    *status = code;
    json_t *body = json_pack("{s:{s:s, s:s, s:o, s:n}}", "error", "message", message, "type",
                             "invalid_request_error", "param",
                             param ? json_string(param) : json_null(), "code");
    char *text = body ? json_dumps(body, JSON_INDENT(2)) : NULL;
    json_decref(body);
    return text;
}

static char *s_dump(json_t *v, int *status)
{
    *status = 200;
    char *text = v ? json_dumps(v, JSON_INDENT(2)) : NULL;
    json_decref(v);
    return text;
}

static char *s_new_id(fake_batch_t *b, const char *prefix)
{
    char *id = NULL;
    if (asprintf(&id, "%s%06lu", prefix, ++b->next_id) < 0)
        return NULL;
    return id;
}

/* ---- files ----------------------------------------------------------------------------- */

static s_file_t *s_file_find(fake_batch_t *b, const char *id)
{
    for (size_t i = 0; i < b->nfiles; i++)
        if (strcmp(b->files[i]->id, id) == 0)
            return b->files[i];
    return NULL;
}

static s_file_t *s_file_add(fake_batch_t *b, const char *purpose, const char *filename,
                            const char *data, size_t len)
{
    if (b->nfiles == b->cfiles) {
        size_t cap = b->cfiles ? 2 * b->cfiles : 16;
        s_file_t **grown = realloc(b->files, cap * sizeof *grown);
        if (!grown)
            return NULL;
        b->files = grown;
        b->cfiles = cap;
    }
    s_file_t *file = calloc(1, sizeof *file);
    if (!file)
        return NULL;
    file->id = s_new_id(b, "file-fake");
    file->purpose = strdup(purpose);
    file->filename = strdup(filename);
    file->data = malloc(len + 1);
    if (!file->id || !file->purpose || !file->filename || !file->data) {
        s_file_free(file);
        return NULL;
    }
    memcpy(file->data, data, len);
    file->data[len] = '\0';
    file->len = len;
    file->created_at = (long)time(NULL);
    b->files[b->nfiles++] = file;
    return file;
}

static json_t *s_file_json(const s_file_t *file)
{
    return json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:n}", "id", file->id, "object", "file",
                     "bytes", (json_int_t)file->len, "created_at", (json_int_t)file->created_at,
                     "filename", file->filename, "purpose", file->purpose, "status", "processed",
                     "status_details");
}

/* One part of a multipart/form-data body: its name, filename (or NULL) and content. */
typedef struct {
    char name[64], filename[256];
    bool has_filename;
    const char *data;
    size_t len;
} s_part_t;

static void s_disposition_value(const char *headers, size_t hlen, const char *key, char *out,
                                size_t outlen, bool *found)
{
    char needle[32];
    snprintf(needle, sizeof needle, " %s=\"", key);
    const char *p = memmem(headers, hlen, needle, strlen(needle));
    if (!p)
        return;
    p += strlen(needle);
    const char *end = memchr(p, '"', (size_t)(headers + hlen - p));
    if (!end)
        return;
    snprintf(out, outlen, "%.*s", (int)(end - p), p);
    if (found)
        *found = true;
}

/* The parts of body (at most max) under the boundary of content_type; -1 when it is not
   multipart/form-data or is malformed. */
static int s_multipart(const char *content_type, const char *body, size_t len, s_part_t *parts,
                       int max)
{
    if (!content_type || strncasecmp(content_type, "multipart/form-data", 19) != 0)
        return -1;
    const char *bd = strstr(content_type, "boundary=");
    if (!bd)
        return -1;
    bd += 9;
    char delim[256];
    size_t blen;
    if (*bd == '"') {
        bd++;
        blen = strcspn(bd, "\"");
    } else {
        blen = strcspn(bd, "; \t");
    }
    if (blen == 0 || blen > 200)
        return -1;
    int dlen = snprintf(delim, sizeof delim, "--%.*s", (int)blen, bd);
    const char *p = memmem(body, len, delim, (size_t)dlen);
    int n = 0;
    while (p) {
        p += dlen;
        if ((size_t)(body + len - p) >= 2 && p[0] == '-' && p[1] == '-')
            return n; /* the closing delimiter */
        if ((size_t)(body + len - p) < 2 || p[0] != '\r' || p[1] != '\n')
            return -1;
        p += 2;
        const char *hend = memmem(p, (size_t)(body + len - p), "\r\n\r\n", 4);
        if (!hend || n == max)
            return -1;
        char crlf_delim[260];
        int cdlen = snprintf(crlf_delim, sizeof crlf_delim, "\r\n%s", delim);
        const char *next =
            memmem(hend + 4, (size_t)(body + len - hend - 4), crlf_delim, (size_t)cdlen);
        if (!next)
            return -1;
        s_part_t *part = &parts[n++];
        memset(part, 0, sizeof *part);
        s_disposition_value(p, (size_t)(hend - p), "name", part->name, sizeof part->name, NULL);
        s_disposition_value(p, (size_t)(hend - p), "filename", part->filename,
                            sizeof part->filename, &part->has_filename);
        part->data = hend + 4;
        part->len = (size_t)(next - part->data);
        p = next + 2;
    }
    return -1;
}

static bool s_purpose_known(const char *purpose)
{
    static const char *const known[] = {"assistants", "batch",     "fine-tune",
                                        "vision",     "user_data", "evals"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(purpose, known[i]) == 0)
            return true;
    return false;
}

static char *s_upload(fake_batch_t *b, const char *content_type, const char *body, size_t len,
                      int *status)
{
    s_part_t parts[8];
    int n = s_multipart(content_type, body, len, parts, 8);
    if (n < 0)
        return s_error(status, 400,
                       "Invalid request: the body must be multipart/form-data with 'file' and "
                       "'purpose'.",
                       NULL);
    const s_part_t *file = NULL, *purpose = NULL;
    for (int i = 0; i < n; i++) {
        if (strcmp(parts[i].name, "file") == 0 && parts[i].has_filename)
            file = &parts[i];
        else if (strcmp(parts[i].name, "purpose") == 0)
            purpose = &parts[i];
    }
    if (!purpose)
        return s_error(status, 400, "Missing required parameter: 'purpose'.", "purpose");
    if (!file)
        return s_error(status, 400, "Missing required parameter: 'file'.", "file");
    char p[32];
    snprintf(p, sizeof p, "%.*s", (int)(purpose->len < 31 ? purpose->len : 31), purpose->data);
    if (purpose->len > 31 || !s_purpose_known(p))
        return s_error(status, 400, PURPOSES_MESSAGE, "purpose");
    size_t flen = strlen(file->filename);
    if (strcmp(p, "batch") == 0 && (flen < 6 || strcmp(file->filename + flen - 6, ".jsonl") != 0))
        return s_error(status, 400, "Invalid file format for Batch API. Must be .jsonl", "file");
    s_file_t *f = s_file_add(b, p, file->filename, file->data, file->len);
    if (!f)
        return NULL;
    return s_dump(s_file_json(f), status);
}

/* ---- batches --------------------------------------------------------------------------- */

static s_batch_t *s_batch_find(fake_batch_t *b, const char *id)
{
    for (size_t i = 0; i < b->nbatches; i++)
        if (strcmp(b->batches[i]->id, id) == 0)
            return b->batches[i];
    return NULL;
}

static json_t *s_time_or_null(long t)
{
    return t ? json_integer(t) : json_null();
}

static json_t *s_batch_json(const s_batch_t *batch)
{
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:O, s:s, s:s, s:s, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:n, "
        "s:n, s:{s:I, s:I, s:I}, s:O}",
        "id", batch->id, "object", "batch", "endpoint", batch->endpoint, "errors", batch->errors,
        "input_file_id", batch->input_file_id, "completion_window", "24h", "status", batch->status,
        "output_file_id", batch->output_file_id ? json_string(batch->output_file_id) : json_null(),
        "error_file_id", batch->error_file_id ? json_string(batch->error_file_id) : json_null(),
        "created_at", (json_int_t)batch->created_at, "in_progress_at",
        s_time_or_null(batch->in_progress_at), "expires_at", s_time_or_null(batch->expires_at),
        "finalizing_at", s_time_or_null(batch->finalizing_at), "completed_at",
        s_time_or_null(batch->completed_at), "failed_at", s_time_or_null(batch->failed_at),
        "expired_at", s_time_or_null(batch->expired_at), "cancelling_at", "cancelled_at",
        "request_counts", "total", (json_int_t)batch->total, "completed",
        (json_int_t)batch->completed, "failed", (json_int_t)batch->failed, "metadata",
        batch->metadata);
    return o;
}

static void s_line_error(json_t *data, const char *code, const char *message, const char *param,
                         long line)
{
    json_array_append_new(data, json_pack("{s:s, s:s, s:o, s:I}", "code", code, "message", message,
                                          "param", param ? json_string(param) : json_null(), "line",
                                          (json_int_t)line));
}

/* Validate the input file's lines as the batch's validation step does: the lines (array) or
   NULL with the errors appended to `data`. */
static json_t *s_validate(const s_file_t *file, const char *endpoint, json_t *data)
{
    json_t *lines = json_array();
    json_t *ids = json_object();
    const char *model = NULL;
    char *copy = strndup(file->data, file->len);
    long n = 0;
    char *save = NULL;
    for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r')
            line[--l] = '\0';
        if (l == 0)
            continue;
        n++;
        if (n > MAX_LINES) {
            s_line_error(data, "too_many_requests",
                         "The input file contains more than the maximum of 50,000 requests.", NULL,
                         n);
            break;
        }
        json_t *v = json_loads(line, 0, NULL);
        const char *cid = json_string_value(json_object_get(v, "custom_id"));
        const char *method = json_string_value(json_object_get(v, "method"));
        const char *url = json_string_value(json_object_get(v, "url"));
        json_t *body = json_object_get(v, "body");
        const char *m = json_string_value(json_object_get(body, "model"));
        if (!json_is_object(v))
            s_line_error(data, "invalid_json_line", "This line is not parseable as valid JSON.",
                         NULL, n);
        else if (!cid)
            s_line_error(data, "missing_required_parameter",
                         "Missing required parameter: 'custom_id'.", "custom_id", n);
        else if (!method || strcmp(method, "POST") != 0)
            s_line_error(data, "invalid_method", "The method must be POST.", "method", n);
        else if (!url || strcmp(url, endpoint) != 0)
            s_line_error(data, "mismatched_endpoint",
                         "The provided 'url' does not match the batch's endpoint.", "url", n);
        else if (!json_is_object(body))
            s_line_error(data, "missing_required_parameter", "Missing required parameter: 'body'.",
                         "body", n);
        else if (json_object_get(ids, cid))
            s_line_error(data, "duplicate_custom_id",
                         "The custom_id for this request is a duplicate of another request. The "
                         "custom_id parameter must be unique for each request in a batch.",
                         "custom_id", n);
        else if (!m)
            s_line_error(data, "missing_required_parameter", "Missing required parameter: 'model'.",
                         "body.model", n);
        else if (model && strcmp(model, m) != 0)
            s_line_error(data, "mismatched_model",
                         "Requests in a batch must all use the same model.", "body.model", n);
        else {
            json_object_set_new(ids, cid, json_true());
            json_array_append(lines, v); /* keeps m valid */
            if (!model)
                model = m;
        }
        json_decref(v);
    }
    free(copy);
    json_decref(ids);
    if (n == 0)
        s_line_error(data, "empty_file", "The input file is empty.", NULL, 0);
    if (json_array_size(data) > 0 || !copy) {
        json_decref(lines);
        return NULL;
    }
    return lines;
}

static char *s_create(fake_batch_t *b, const char *body, size_t len, int *status)
{
    json_t *req = json_loadb(body, len, 0, NULL);
    char *text = NULL;
    const char *fid = json_string_value(json_object_get(req, "input_file_id"));
    const char *endpoint = json_string_value(json_object_get(req, "endpoint"));
    const char *window = json_string_value(json_object_get(req, "completion_window"));
    json_t *meta = json_object_get(req, "metadata");
    s_file_t *file = fid ? s_file_find(b, fid) : NULL;
    static const char *const endpoints[] = {"/v1/responses", "/v1/chat/completions",
                                            "/v1/embeddings", "/v1/completions", "/v1/moderations"};
    bool endpoint_ok = false;
    for (size_t i = 0; endpoint && i < sizeof endpoints / sizeof endpoints[0]; i++)
        endpoint_ok |= strcmp(endpoint, endpoints[i]) == 0;
    bool meta_ok = !meta || json_is_null(meta) ||
                   (json_is_object(meta) && json_object_size(meta) <= MAX_META_PAIRS);
    const char *key;
    json_t *value;
    if (json_is_object(meta))
        json_object_foreach(meta, key, value)
        {
            if (strlen(key) > MAX_META_KEY || !json_is_string(value) ||
                json_string_length(value) > MAX_META_VALUE)
                meta_ok = false;
        }
    if (!json_is_object(req))
        text = s_error(status, 400, "We could not parse the JSON body of your request.", NULL);
    else if (!fid)
        text =
            s_error(status, 400, "Missing required parameter: 'input_file_id'.", "input_file_id");
    else if (!endpoint_ok)
        text = s_error(status, 400, "Invalid value for 'endpoint'.", "endpoint");
    else if (!window || strcmp(window, "24h") != 0)
        text =
            s_error(status, 400, "Invalid value for 'completion_window': only '24h' is supported.",
                    "completion_window");
    else if (!meta_ok)
        text = s_error(status, 400,
                       "Invalid 'metadata': at most 16 pairs, keys up to 64 characters, string "
                       "values up to 512 characters.",
                       "metadata");
    else if (!file) {
        char message[160];
        snprintf(message, sizeof message, "No such File object: %.100s", fid);
        text = s_error(status, 404, message, "input_file_id");
    } else if (strcmp(file->purpose, "batch") != 0)
        text = s_error(status, 400, "The input file must be uploaded with purpose 'batch'.",
                       "input_file_id");
    if (text) {
        json_decref(req);
        return text;
    }
    if (b->nbatches == b->cbatches) {
        size_t cap = b->cbatches ? 2 * b->cbatches : 16;
        s_batch_t **grown = realloc(b->batches, cap * sizeof *grown);
        if (!grown) {
            json_decref(req);
            return NULL;
        }
        b->batches = grown;
        b->cbatches = cap;
    }
    s_batch_t *batch = calloc(1, sizeof *batch);
    if (!batch) {
        json_decref(req);
        return NULL;
    }
    b->batches[b->nbatches++] = batch;
    batch->id = s_new_id(b, "batch_fake");
    batch->input_file_id = strdup(fid);
    batch->endpoint = strdup(endpoint);
    batch->status = strdup("validating");
    batch->metadata = json_is_object(meta) ? json_incref(meta) : json_null();
    batch->created_at = (long)time(NULL);
    batch->expires_at = batch->created_at + 86400;
    batch->polls_left = b->polls;
    batch->expire_after = b->expire_after;
    b->expire_after = -1;
    json_t *data = json_array();
    batch->lines = s_validate(file, endpoint, data);
    if (!batch->lines) {
        batch->errors = json_pack("{s:s, s:o}", "object", "list", "data", data);
    } else {
        json_decref(data);
        batch->errors = json_null();
        batch->total = (long)json_array_size(batch->lines);
        size_t i;
        json_t *line;
        json_array_foreach(batch->lines, i, line)
        {
            const char *cid = json_string_value(json_object_get(line, "custom_id"));
            json_int_t seen = json_integer_value(json_object_get(b->counts, cid));
            json_object_set_new(b->counts, cid, json_integer(seen + 1));
            b->lines_total++;
        }
    }
    json_decref(req);
    return s_dump(s_batch_json(batch), status);
}

/* Append one output or error line for `line` to `out`. */
static void s_result_line(fake_batch_t *b, fake_openai_t *f, s_batch_t *batch, const json_t *line,
                          bool expired, json_t *out, json_t *err)
{
    const char *cid = json_string_value(json_object_get(line, "custom_id"));
    char id[64], request_id[64];
    snprintf(id, sizeof id, "batch_req_fake%06lu", ++b->next_id);
    snprintf(request_id, sizeof request_id, "req_fake%06lu", b->next_id);
    if (expired) {
        json_array_append_new(err, json_pack("{s:s, s:s, s:n, s:{s:s, s:s}}", "id", id, "custom_id",
                                             cid, "response", "error", "code", "batch_expired",
                                             "message", EXPIRED_MESSAGE));
        batch->failed++;
        return;
    }
    int status = 0;
    char *text = NULL;
    json_t *fail = json_object_get(b->fails, cid);
    if (fail && json_integer_value(json_array_get(fail, 0)) > 0) {
        json_int_t left = json_integer_value(json_array_get(fail, 0)) - 1;
        status = (int)json_integer_value(json_array_get(fail, 1));
        json_array_set_new(fail, 0, json_integer(left));
        text = fake_openai_error_text(status, NULL, NULL, NULL);
    } else {
        const char *url = json_string_value(json_object_get(line, "url"));
        text = fake_openai_line_answer(f, url + 3 /* past "/v1" */, json_object_get(line, "body"),
                                       &status);
    }
    json_t *body = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    json_t *result = json_pack("{s:s, s:s, s:{s:i, s:s, s:o}, s:n}", "id", id, "custom_id", cid,
                               "response", "status_code", status, "request_id", request_id, "body",
                               body ? body : json_object(), "error");
    if (status == 200) {
        json_array_append_new(out, result);
        batch->completed++;
    } else {
        json_array_append_new(err, result);
        batch->failed++;
    }
}

/* A file holding `lines` as JSON Lines, in reverse order (OpenAI does not keep the input's);
   its id (borrowed) or NULL when there are none. */
static const char *s_output_file(fake_batch_t *b, const char *name, json_t *lines)
{
    if (json_array_size(lines) == 0)
        return NULL;
    size_t cap = 0, len = 0;
    char *data = NULL;
    FILE *mem = open_memstream(&data, &cap);
    if (!mem)
        return NULL;
    for (size_t i = json_array_size(lines); i-- > 0;) {
        char *one = json_dumps(json_array_get(lines, i), JSON_COMPACT);
        if (one)
            fprintf(mem, "%s\n", one);
        free(one);
    }
    fclose(mem);
    len = strlen(data);
    s_file_t *file = s_file_add(b, "batch_output", name, data, len);
    free(data);
    return file ? file->id : NULL;
}

/* Run a batch to its end: every line answered (or expired from expire_after on). */
static void s_finish(fake_batch_t *b, fake_openai_t *f, s_batch_t *batch)
{
    json_t *out = json_array(), *err = json_array();
    size_t i;
    json_t *line;
    json_array_foreach(batch->lines, i, line)
    {
        bool expired = batch->expire_after >= 0 && (long)i >= batch->expire_after;
        s_result_line(b, f, batch, line, expired, out, err);
    }
    const char *oid = s_output_file(b, "batch_output.jsonl", out);
    const char *eid = s_output_file(b, "batch_errors.jsonl", err);
    batch->output_file_id = oid ? strdup(oid) : NULL;
    batch->error_file_id = eid ? strdup(eid) : NULL;
    json_decref(out);
    json_decref(err);
    json_decref(batch->lines);
    batch->lines = NULL;
    long now = (long)time(NULL);
    batch->finalizing_at = now;
    free(batch->status);
    if (batch->expire_after >= 0) {
        batch->status = strdup("expired");
        batch->expired_at = now;
    } else {
        batch->status = strdup("completed");
        batch->completed_at = now;
    }
}

/* A GET of a batch: it moves on one step. */
static void s_advance(fake_batch_t *b, fake_openai_t *f, s_batch_t *batch)
{
    if (strcmp(batch->status, "validating") != 0 && strcmp(batch->status, "in_progress") != 0)
        return;
    long now = (long)time(NULL);
    if (!batch->lines) {
        free(batch->status);
        batch->status = strdup("failed");
        batch->failed_at = now;
        return;
    }
    if (!batch->in_progress_at)
        batch->in_progress_at = now;
    if (batch->polls_left > 0) {
        batch->polls_left--;
        free(batch->status);
        batch->status = strdup("in_progress");
        return;
    }
    s_finish(b, f, batch);
}

/* GET /batches: a page of the batches, newest first, as OpenAI pages them (limit 1 to 100,
   default 20; after: the id of the last batch of the page before). */
static char *s_list(fake_batch_t *b, const fake_batch_query_t *q, int *status)
{
    long limit = 20;
    if (q && q->limit) {
        char *end = NULL;
        limit = strtol(q->limit, &end, 10);
        if (end == q->limit || *end || limit < 1 || limit > 100)
            return s_error(status, 400,
                           "Invalid 'limit': integer below minimum value or above maximum value "
                           "(1 to 100).",
                           "limit");
    }
    size_t from = b->nbatches; /* newest first: from the end of the array down */
    if (q && q->after) {
        size_t i = 0;
        while (i < b->nbatches && strcmp(b->batches[i]->id, q->after) != 0)
            i++;
        if (i == b->nbatches) {
            char message[200];
            snprintf(message, sizeof message, "No batch found with id '%.100s'.", q->after);
            return s_error(status, 404, message, "after");
        }
        from = i;
    }
    json_t *data = json_array();
    size_t i = from;
    for (; i-- > 0 && (long)json_array_size(data) < limit;)
        json_array_append_new(data, s_batch_json(b->batches[i]));
    size_t n = json_array_size(data);
    bool more = n > 0 && from - n > 0;
    return s_dump(
        json_pack("{s:s, s:o, s:o, s:o, s:b}", "object", "list", "data", data, "first_id",
                  n ? json_copy(json_object_get(json_array_get(data, 0), "id")) : json_null(),
                  "last_id",
                  n ? json_copy(json_object_get(json_array_get(data, n - 1), "id")) : json_null(),
                  "has_more", more),
        status);
}

char *fake_batch_answer(fake_openai_t *f, const char *method, const char *path,
                        const fake_batch_query_t *q, const char *content_type, const char *body,
                        size_t len, int *status)
{
    fake_batch_t *b = fake_openai_batch_state(f);
    char *text = NULL;
    bool post = strcmp(method, "POST") == 0, get = strcmp(method, "GET") == 0;
    pthread_mutex_lock(&b->lock);
    if (strcmp(path, "/files") == 0 && post) {
        text = s_upload(b, content_type, body, len, status);
    } else if (strcmp(path, "/batches") == 0 && post) {
        text = b->lose > 0 && !b->lose_made ? NULL : s_create(b, body, len, status);
        if (b->lose > 0 && (!b->lose_made || (text && *status == 200))) {
            b->lose--; /* made or not, the client is told of an error */
            free(text);
            text = s_error(status, 500, "The server had an error while processing your request.",
                           NULL);
        }
    } else if (strcmp(path, "/batches") == 0 && get) {
        text = s_list(b, q, status);
    } else if (strncmp(path, "/files/", 7) == 0 && get) {
        char id[128];
        snprintf(id, sizeof id, "%.*s", (int)strcspn(path + 7, "/"), path + 7);
        const char *rest = path + 7 + strlen(id);
        s_file_t *file = s_file_find(b, id);
        if (!file || (*rest && strcmp(rest, "/content") != 0)) {
            char message[200];
            snprintf(message, sizeof message, "No such File object: %.100s", id);
            text = s_error(status, 404, message, "id");
        } else if (*rest) {
            *status = 200;
            text = strndup(file->data, file->len);
        } else {
            text = s_dump(s_file_json(file), status);
        }
    } else if (strncmp(path, "/batches/", 9) == 0 && get && !strchr(path + 9, '/')) {
        s_batch_t *batch = s_batch_find(b, path + 9);
        if (!batch) {
            char message[200];
            snprintf(message, sizeof message, "No batch found with id '%.100s'.", path + 9);
            text = s_error(status, 404, message, NULL);
        } else {
            s_advance(b, f, batch);
            text = s_dump(s_batch_json(batch), status);
        }
    } else if (!post && !get) {
        text = s_error(status, 405, "Method not allowed.", NULL);
    } else {
        char message[320];
        snprintf(message, sizeof message, "Invalid URL (%s /v1%.256s)", method, path);
        text = s_error(status, 404, message, NULL);
    }
    pthread_mutex_unlock(&b->lock);
    return text;
}

/* ---- what tests set and read ----------------------------------------------------------- */

void fake_openai_batch_polls(fake_openai_t *f, int polls)
{
    fake_batch_t *b = fake_openai_batch_state(f);
    pthread_mutex_lock(&b->lock);
    b->polls = polls > 0 ? polls : 0;
    for (size_t i = 0; i < b->nbatches; i++)
        b->batches[i]->polls_left = b->polls;
    pthread_mutex_unlock(&b->lock);
}

void fake_openai_batch_expire(fake_openai_t *f, int answered)
{
    fake_batch_t *b = fake_openai_batch_state(f);
    pthread_mutex_lock(&b->lock);
    b->expire_after = answered;
    pthread_mutex_unlock(&b->lock);
}

void fake_openai_batch_lose_answers(fake_openai_t *f, int n, bool made)
{
    fake_batch_t *b = fake_openai_batch_state(f);
    pthread_mutex_lock(&b->lock);
    b->lose = n > 0 ? n : 0;
    b->lose_made = made;
    pthread_mutex_unlock(&b->lock);
}

int fake_openai_batch_fail(fake_openai_t *f, const char *custom_id, int times, int status)
{
    fake_batch_t *b = fake_openai_batch_state(f);
    pthread_mutex_lock(&b->lock);
    int rc =
        json_object_set_new(b->fails, custom_id, json_pack("[i, i]", times, status ? status : 500));
    pthread_mutex_unlock(&b->lock);
    return rc;
}

long fake_openai_batch_lines(fake_openai_t *f, const char *custom_id)
{
    fake_batch_t *b = fake_openai_batch_state(f);
    pthread_mutex_lock(&b->lock);
    long n = custom_id ? (long)json_integer_value(json_object_get(b->counts, custom_id))
                       : b->lines_total;
    pthread_mutex_unlock(&b->lock);
    return n;
}

long fake_openai_batch_max_lines(fake_openai_t *f)
{
    fake_batch_t *b = fake_openai_batch_state(f);
    long most = 0;
    const char *key;
    json_t *v;
    pthread_mutex_lock(&b->lock);
    json_object_foreach(b->counts, key, v)
    {
        if (json_integer_value(v) > most)
            most = (long)json_integer_value(v);
    }
    pthread_mutex_unlock(&b->lock);
    return most;
}

size_t fake_openai_batch_count(fake_openai_t *f)
{
    fake_batch_t *b = fake_openai_batch_state(f);
    pthread_mutex_lock(&b->lock);
    size_t n = b->nbatches;
    pthread_mutex_unlock(&b->lock);
    return n;
}
