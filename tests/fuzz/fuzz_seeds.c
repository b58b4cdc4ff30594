/*  fuzz_seeds SAMPLES_JSONL OUTDIR: write the fuzz targets' seed corpora into OUTDIR/<target>/,
    each a handful of valid inputs made by the project's own encoders:

      record    frames from cs_record_encode: a call, an extraction, a decision, an ack, and
                calls converted by cs_gongcall_record from the first sample calls
      gongcall  sample calls (replay lines of samples/calls.jsonl, transcripts shortened) and
                variants: an integer id, epoch seconds, an offset time, no transcript, a CRM
                context naming the customer
      replay    replay files written by cs_recorder_write, one with CRLF line ends, a blank line
                and a bad line
      insights  LLM extraction answers against cs_fuzz_transcript and cs_fuzz_themes, from a
                clean one to one with every repair, fenced, and refused ones
      judge     judge answers against cs_fuzz_candidates, accepted and refused

    Exits non-zero when a file cannot be read or written, or an encoder refuses a seed. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cs_fuzz.h"
#include "cs_gongcall.h"
#include "cs_record.h"
#include "cs_replay.h"

#define SAMPLE_CALLS   4 /* sample lines used */
#define SAMPLE_MONOLOG 6 /* monologues kept of a sample's transcript */

static const char *s_out;

static void s_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void s_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz_seeds: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void s_mkdir(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        s_die("cannot create %s: %s", path, strerror(errno));
}

/* OUTDIR/target/name, its directory made. */
static void s_path(char *buf, size_t size, const char *target, const char *name)
{
    snprintf(buf, size, "%s/%s", s_out, target);
    s_mkdir(buf);
    snprintf(buf, size, "%s/%s/%s", s_out, target, name);
}

static void s_write(const char *target, const char *name, const void *data, size_t len)
{
    char path[4096];
    s_path(path, sizeof path, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
        s_die("cannot write %s", path);
}

static void s_write_json(const char *target, const char *name, json_t *v)
{
    if (!v)
        s_die("%s/%s: no value", target, name);
    char *text = json_dumps(v, JSON_COMPACT);
    if (!text)
        s_die("%s/%s: cannot dump", target, name);
    s_write(target, name, text, strlen(text));
    free(text);
    json_decref(v);
}

static void s_write_record(const char *name, json_t *rec)
{
    char err[512];
    char *buf = NULL;
    size_t len = 0;
    if (!rec || cs_record_encode(rec, &buf, &len, err, sizeof err) != 0)
        s_die("record/%s: %s", name, rec ? err : "no record");
    s_write("record", name, buf, len);
    free(buf);
    json_decref(rec);
}

/* The first SAMPLE_CALLS lines of the samples, each transcript cut to SAMPLE_MONOLOG
   monologues (small inputs fuzz faster). */
static json_t *s_samples(const char *path)
{
    char err[512];
    cs_replay_t *replay = cs_replay_open(path, err, sizeof err);
    if (!replay)
        s_die("%s", err);
    json_t *lines = json_array();
    while (json_array_size(lines) < SAMPLE_CALLS) {
        bool eof = false;
        json_t *line = cs_replay_next(replay, &eof, err, sizeof err);
        if (eof)
            break;
        if (!line)
            s_die("%s", err);
        json_t *monologues = json_object_get(json_object_get(line, "transcript"), "transcript");
        while (json_array_size(monologues) > SAMPLE_MONOLOG)
            json_array_remove(monologues, json_array_size(monologues) - 1);
        json_array_append_new(lines, line);
    }
    cs_replay_close(&replay);
    if (json_array_size(lines) == 0)
        s_die("%s: no calls", path);
    return lines;
}

static json_t *s_convert(const json_t *line)
{
    char err[512];
    json_t *call = NULL, *transcript = NULL;
    cs_replay_split(line, &call, &transcript);
    json_t *rec = cs_gongcall_record(call, transcript, CS_FUZZ_WORKSPACE, CS_FUZZ_INTEGRATION,
                                     "gong", err, sizeof err);
    if (!rec)
        s_die("sample call: %s", err);
    json_decref(call);
    json_decref(transcript);
    return rec;
}

static void s_records(const json_t *samples)
{
    s_write_record("call", cs_fuzz_call_record());

    json_t *ext = cs_fuzz_call_record();
    json_object_set_new(ext, "kind", json_string("extraction"));
    json_object_set_new(
        ext, "insights",
        json_pack("{s:[{s:s, s:s, s:s, s:s, s:s, s:s}], s:[{s:s, s:s, s:s}], s:{s:s, s:f},"
                  " s:[s], s:s}",
                  "feature_requests", "title", "Salesforce sync", "description",
                  "Sync tickets with Salesforce", "urgency", "high", "theme", "Integrations",
                  "quote", "We really need a Salesforce sync for our tickets.", "speaker",
                  "Dana Whitfield", "bug_reports", "title", "CSV export times out", "severity",
                  "medium", "quote", "the CSV export keeps timing out", "sentiment", "overall",
                  "positive", "score", 0.4, "pain_points", "slow exports", "summary",
                  "A discovery call."));
    json_object_set_new(ext, "llm",
                        json_pack("{s:s, s:s, s:i, s:i, s:i, s:f, s:i}", "provider", "openai",
                                  "model", "gpt-4o-mini", "prompt_tokens", 1200,
                                  "completion_tokens", 300, "latency_ms", 2100, "cost_usd", 0.00036,
                                  "attempts", 1));
    s_write_record("extraction", json_deep_copy(ext));

    json_t *failed = cs_fuzz_call_record();
    json_object_set_new(failed, "kind", json_string("extraction"));
    json_object_set_new(failed, "error", json_string("LLM unreachable after 3 attempts"));
    json_object_set_new(failed, "error_cause", json_string(CS_CAUSE_LLM_UNREACHABLE));
    json_object_set_new(failed, "flags", json_pack("{s:b, s:b}", "extract", 1, "transcripts", 0));
    json_object_set_new(failed, "attempt", json_integer(2));
    s_write_record("extraction-failed", failed);

    json_object_set_new(ext, "kind", json_string("decision"));
    json_object_set_new(
        ext, "decisions",
        json_pack("[{s:i, s:s, s:s, s:s, s:s, s:s, s:f, s:s, s:s, s:f, s:[{s:s, s:s, s:f}],"
                  " s:[f, f, f], s:s}]",
                  "index", 0, "action", "link", "feature_id", CS_FUZZ_CANDIDATE_1, "theme_id",
                  CS_FUZZ_INTEGRATION, "name", "Salesforce sync", "urgency", "high", "confidence",
                  0.91, "reasoning", "Same integration", "method", "llm", "similarity", 0.83,
                  "candidates", "id", CS_FUZZ_CANDIDATE_1, "name", "Salesforce sync", "similarity",
                  0.83, "embedding", 0.125, -0.5, 0.25, "embedding_model",
                  "text-embedding-3-small"));
    s_write_record("decision", ext);

    s_write_record("ack",
                   json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:b, s:s}", "v", CS_RECORD_VERSION,
                             "kind", "ack", "workspace_id", CS_FUZZ_WORKSPACE, "external_id",
                             "3895360752536198375", "source", "replay", "status", "committed",
                             "processed", 0, "cause", CS_CAUSE_BUDGET));

    size_t i;
    json_t *line;
    json_array_foreach(samples, i, line)
    {
        char name[32];
        snprintf(name, sizeof name, "sample-%zu", i + 1);
        s_write_record(name, s_convert(line));
    }
}

static void s_gongcalls(const json_t *samples)
{
    size_t i;
    json_t *line;
    json_array_foreach(samples, i, line)
    {
        char name[32];
        snprintf(name, sizeof name, "sample-%zu", i + 1);
        s_write_json("gongcall", name, json_deep_copy(line));
    }
    const json_t *first = json_array_get(samples, 0);
    const char *id = json_string_value(json_object_get(json_object_get(first, "metaData"), "id"));

    json_t *v = json_deep_copy(first);
    json_t *meta = json_object_get(v, "metaData");
    json_object_set_new(meta, "id", json_integer(strtoll(id, NULL, 10)));
    json_object_set_new(meta, "started", json_integer(1759334455));
    json_object_set_new(json_object_get(v, "transcript"), "callId",
                        json_integer(strtoll(id, NULL, 10)));
    s_write_json("gongcall", "integer-id-epoch", v);

    v = json_deep_copy(first);
    json_object_set_new(json_object_get(v, "metaData"), "started",
                        json_string("2025-10-01T09:00:55-07:00"));
    json_object_del(v, "transcript");
    s_write_json("gongcall", "offset-no-transcript", v);

    v = json_deep_copy(first);
    json_object_set_new(json_object_get(v, "metaData"), "started", json_string("1759334455000"));
    json_object_set_new(v, "context",
                        json_pack("[{s:s, s:[{s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}]}]}]",
                                  "system", "Salesforce", "objects", "objectType", "Account",
                                  "objectId", "0015g00000Um", "fields", "name", "Name", "value",
                                  "Northwind", "name", "AnnualRevenue", "value", "150000", "name",
                                  "Website", "value", "https://www.northwind.example"));
    s_write_json("gongcall", "millis-crm", v);
}

static void s_replays(const json_t *samples)
{
    char path[4096], err[512];
    s_path(path, sizeof path, "replay", "calls");
    cs_recorder_t *rec = cs_recorder_open(path, err, sizeof err);
    if (!rec)
        s_die("%s", err);
    size_t i;
    json_t *line;
    json_array_foreach(samples, i, line)
    {
        json_t *call = NULL, *transcript = NULL;
        cs_replay_split(line, &call, &transcript);
        if (cs_recorder_write(rec, call, i == 1 ? NULL : transcript, err, sizeof err) != 0)
            s_die("%s", err);
        json_decref(call);
        json_decref(transcript);
    }
    cs_recorder_close(&rec);

    /* CRLF ends, a blank line, and lines the reader reports and skips */
    json_t *call = NULL, *transcript = NULL;
    cs_replay_split(json_array_get(samples, 0), &call, &transcript);
    json_object_set(call, "transcript", transcript);
    char *text = json_dumps(call, JSON_COMPACT);
    const char *bad = "\r\n   \r\n{\"metaData\": 7}\r\n[1, 2]\r\n{\"metaData\": {}, "
                      "\"transcript\": \"no\"}\r\n{\"metaData\": {\"id\": \"1\"}\r\n";
    size_t n = strlen(text), m = strlen(bad);
    char *file = malloc(2 * n + m + 3);
    memcpy(file, text, n);
    memcpy(file + n, bad, m);
    memcpy(file + n + m, text, n);
    memcpy(file + 2 * n + m, "\r\n", 2);
    s_write("replay", "crlf-and-bad-lines", file, 2 * n + m + 2);
    free(file);
    free(text);
    json_decref(call);
    json_decref(transcript);
}

static void s_insights(void)
{
    s_write_json("insights", "clean",
                 json_pack("{s:[{s:s, s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:s, s:n}],"
                           " s:[{s:s, s:s, s:s, s:s}], s:{s:s, s:f}, s:[s, s], s:s}",
                           "feature_requests", "title", "Salesforce sync", "description",
                           "Sync support tickets with Salesforce", "urgency", "high", "theme",
                           "Integrations", "quote",
                           "We really need a Salesforce sync for our tickets.", "speaker",
                           "Dana Whitfield", "title", "Okta single sign-on", "description",
                           "Log in with Okta", "urgency", "critical", "theme", "integrations",
                           "quote", "Single sign-on with Okta would unblock our rollout", "speaker",
                           "bug_reports", "title", "CSV export times out", "description",
                           "Exports of large views fail", "severity", "medium", "quote",
                           "the CSV export keeps timing out", "sentiment", "overall", "mixed",
                           "score", -0.1, "pain_points", "slow exports", "manual ticket copying",
                           "summary", "Northwind wants integrations and faster exports."));
    s_write_json("insights", "repairs",
                 json_pack("{s:[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}, {s:s, s:s}, {s:i}, s],"
                           " s:n, s:{s:s, s:f}, s:[s, i, n], s:n}",
                           "feature_requests", "title", "  Salesforce\tsync  ", "urgency", "urgent",
                           "theme", "Billing", "quote",
                           "We really need a Salesforce sync ... for our tickets", "title",
                           "salesforce SYNC", "urgency", "critical", "theme", "Reporting", "quote",
                           "We can build a dashboard for that next month.", "title",
                           "Dashboards\xe2\x80\x8b for\nagents", "speaker", "Priya Nair", "title",
                           7, "not an object", "bug_reports", "sentiment", "overall", "ecstatic",
                           "score", 0.9, "pain_points", "exports", 3, "summary"));
    s_write_json("insights", "minimal", json_pack("{s:[]}", "feature_requests"));
    const char *fenced = "```json\n{\"feature_requests\": [{\"title\": \"CSV export that does "
                         "not time out\", \"quote\": \"it's painful\", \"urgency\": \"low\"}], "
                         "\"summary\": \"Exports.\"}\n```";
    s_write("insights", "fenced", fenced, strlen(fenced));
    const char *refused[] = {
        "[{\"title\": \"an array\"}]",
        "{\"feature_requests\": [], \"bug_reports\": {}}",
        "{\"feature_requests\": [{\"title\": \"x\"}], \"sentiment\": \"good\"",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "refused-%zu", i + 1);
        s_write("insights", name, refused[i], strlen(refused[i]));
    }
}

static void s_judges(void)
{
    s_write_json("judge", "duplicate",
                 json_pack("{s:b, s:s, s:f, s:f, s:s}", "is_duplicate", 1, "matching_feature_id",
                           CS_FUZZ_CANDIDATE_1, "confidence", 0.85, "runner_up_confidence", 0.1,
                           "reasoning", "Both ask for a Salesforce ticket sync"));
    s_write_json("judge", "new-feature",
                 json_pack("{s:b, s:n, s:f, s:s}", "is_duplicate", 0, "matching_feature_id",
                           "confidence", 0.7, "reasoning", "Different product area"));
    s_write_json("judge", "not-a-candidate",
                 json_pack("{s:b, s:s, s:i, s:n}", "is_duplicate", 1, "matching_feature_id",
                           "00000000-0000-4000-8000-000000000000", "confidence", 1, "reasoning"));
    const char *refused[] = {
        "{\"is_duplicate\": true, \"matching_feature_id\": null, \"confidence\": 0.9}",
        "{\"is_duplicate\": \"yes\", \"confidence\": 1.5, \"reasoning\": 3}",
        "{\"is_duplicate\": false, \"is_duplicate\": true, \"confidence\": 0.5}",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "refused-%zu", i + 1);
        s_write("judge", name, refused[i], strlen(refused[i]));
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fuzz_seeds SAMPLES_JSONL OUTDIR\n");
        return 2;
    }
    cs_fuzz_quiet();
    s_out = argv[2];
    s_mkdir(s_out);
    json_t *samples = s_samples(argv[1]);
    s_records(samples);
    s_gongcalls(samples);
    s_replays(samples);
    s_insights();
    s_judges();
    json_decref(samples);
    return 0;
}
