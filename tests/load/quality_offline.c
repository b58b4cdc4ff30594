/*  quality_offline: the offline provider over a stream of texts, for scripts/quality/quality.py.

    quality_offline [--model FILE]

    With --model, the model is read from FILE (a development model written by
    extractor/model/train_request_model.py --hold-out-fold) instead of the embedded one.
    Reads one JSON-encoded string per line on stdin (at most 1 MiB per line). For each, writes
    one line on stdout:

        <request score> <bug score> <request found> <bug found>

    The scores are those of cs_offline_request_score / cs_offline_bug_score on the whole text;
    "found" (0/1) says whether cs_offline_extract, run on a call whose transcript is that text
    as one External utterance, returned a feature request the report shows (confidence at
    least MIN_CONFIDENCE, the report's default threshold) / a bug report. A line that is not a
    JSON string is an error (exit status 1), so that the figures never skip rows silently. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cs_log.h"
#include "cs_offline.h"
#include "cs_record.h"

#define MAX_LINE  (1u << 20)
#define MAX_MODEL (64u << 20)
/* `callsift report`'s default --min-confidence: requests below it wait for review. */
#define MIN_CONFIDENCE 0.5

/* Does the insights object hold a request the report would count? */
static bool s_reported_request(const json_t *insights)
{
    const json_t *reqs = json_object_get(insights, "feature_requests");
    for (size_t i = 0; i < json_array_size(reqs); i++) {
        const json_t *c = json_object_get(json_array_get(reqs, i), "confidence");
        if (!c || json_number_value(c) >= MIN_CONFIDENCE)
            return true;
    }
    return false;
}

/* The offline provider with the model in `path`, or NULL with a message on stderr. */
static cs_offline_t *from_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return NULL;
    }
    char *text = malloc(MAX_MODEL);
    size_t n = text ? fread(text, 1, MAX_MODEL, f) : 0;
    bool too_big = n == MAX_MODEL;
    fclose(f);
    char err[256] = "";
    cs_offline_t *offline = NULL;
    if (!text || too_big)
        fprintf(stderr, "quality_offline: %s: too big or out of memory\n", path);
    else if (!(offline = cs_offline_new_from(text, n, err, sizeof err)))
        fprintf(stderr, "quality_offline: %s: %s\n", path, err);
    free(text);
    return offline;
}

static json_t *one_utterance_call(const char *text)
{
    return json_pack(
        "{s:i, s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:i, s:s}]}", "v", CS_RECORD_VERSION,
        "kind", "call", "workspace_id", "00000000-0000-4000-8000-000000000000", "source", "replay",
        "external_id", "quality", "started_at", "2025-01-01T00:00:00Z", "transcript", "speaker_id",
        "1", "speaker", "Customer", "affiliation", "External", "start_ms", 0, "text", text);
}

int main(int argc, char **argv)
{
    char err[256] = "";
    cs_log_init("quality");
    cs_offline_t *offline;
    if (argc == 3 && strcmp(argv[1], "--model") == 0) {
        offline = from_file(argv[2]);
    } else if (argc == 1) {
        offline = cs_offline_new(err, sizeof err);
        if (!offline)
            fprintf(stderr, "quality_offline: %s\n", err);
    } else {
        fprintf(stderr, "usage: quality_offline [--model FILE] < texts\n");
        return 2;
    }
    if (!offline)
        return 1;
    json_t *themes = json_pack("[{s:s, s:s, s:b}]", "name", "Uncategorized", "description",
                               "Everything else", "is_default", 1);
    char *line = malloc(MAX_LINE);
    int status = 0;
    size_t lineno = 0;
    while (themes && line && fgets(line, MAX_LINE, stdin)) {
        lineno++;
        json_error_t jerr;
        json_t *s = json_loads(line, JSON_DECODE_ANY, &jerr);
        if (!json_is_string(s)) {
            fprintf(stderr, "quality_offline: line %zu is not a JSON string\n", lineno);
            json_decref(s);
            status = 1;
            break;
        }
        const char *text = json_string_value(s);
        json_t *call = one_utterance_call(text);
        json_t *insights = call ? cs_offline_extract(offline, call, themes) : NULL;
        if (!insights) {
            fprintf(stderr, "quality_offline: extraction failed on line %zu\n", lineno);
            json_decref(call);
            json_decref(s);
            status = 1;
            break;
        }
        printf("%.6f %.6f %d %d\n", cs_offline_request_score(offline, text),
               cs_offline_bug_score(offline, text), s_reported_request(insights),
               json_array_size(json_object_get(insights, "bug_reports")) > 0);
        json_decref(insights);
        json_decref(call);
        json_decref(s);
    }
    if (!themes || !line)
        status = 1;
    free(line);
    json_decref(themes);
    cs_offline_destroy(&offline);
    cs_log_reset();
    return status;
}
