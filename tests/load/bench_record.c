/* bench_record: the CPU one stage spends on a record it passes on (decode, validate, encode),
   for the two forms of an extraction record: version 1 with the transcript as utterances, and
   version 2 with it rendered once as "transcript_text" (common/cs_transcript.h). Issue 17;
   docs/BENCHMARKS.md "The transcript carried once".

       build/bin/callsift-loadgen --calls 2000 --out calls.jsonl --truth truth.json --seed 1
       build/bin/bench_record calls.jsonl [ROUNDS]

   Each line of the replay becomes a call record (cs_gongcall_record) and then an extraction
   record with empty insights, encoded in both forms. Then, ROUNDS times (default 5), every
   frame of one form is decoded and encoded again, as the matcher does, then every frame of the
   other; the process's CPU time of each pass is read with CLOCK_PROCESS_CPUTIME_ID. Prints the
   mean frame size and the fastest pass of each form in microseconds per record. */
#define _GNU_SOURCE /* getline */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cs_gongcall.h"
#include "cs_record.h"
#include "cs_transcript.h"

#define WS "00000000-0000-4000-8000-000000000001"

typedef struct {
    char **buf;
    size_t *len, n, bytes;
} frames_t;

static int s_add(frames_t *f, const json_t *rec)
{
    char err[256];
    char *buf;
    size_t len;
    if (cs_record_encode(rec, &buf, &len, err, sizeof err) != 0) {
        fprintf(stderr, "bench_record: %s\n", err);
        return -1;
    }
    f->buf[f->n] = buf;
    f->len[f->n++] = len;
    f->bytes += len;
    return 0;
}

static double s_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Decode and encode every frame once; the CPU seconds it took, or -1. */
static double s_pass(const frames_t *f)
{
    double t0 = s_cpu_s();
    for (size_t i = 0; i < f->n; i++) {
        char err[256];
        json_t *rec = cs_record_decode(f->buf[i], f->len[i], err, sizeof err);
        char *out = NULL;
        size_t len;
        if (!rec || cs_record_encode(rec, &out, &len, err, sizeof err) != 0) {
            fprintf(stderr, "bench_record: frame %zu: %s\n", i, err);
            json_decref(rec);
            return -1;
        }
        free(out);
        json_decref(rec);
    }
    return s_cpu_s() - t0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_record CALLS.jsonl [ROUNDS]\n");
        return 2;
    }
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    FILE *in = fopen(argv[1], "r");
    if (!in) {
        perror(argv[1]);
        return 1;
    }
    size_t cap = 1024;
    frames_t forms[2] = {{0}, {0}};
    for (int k = 0; k < 2; k++) {
        forms[k].buf = calloc(cap, sizeof *forms[k].buf);
        forms[k].len = calloc(cap, sizeof *forms[k].len);
    }
    char *line = NULL;
    size_t linecap = 0;
    int rc = 0;
    while (rc == 0 && getline(&line, &linecap, in) > 0) {
        if (forms[0].n == cap) {
            cap *= 2;
            for (int k = 0; k < 2; k++) {
                forms[k].buf = realloc(forms[k].buf, cap * sizeof *forms[k].buf);
                forms[k].len = realloc(forms[k].len, cap * sizeof *forms[k].len);
            }
        }
        json_t *gong = json_loads(line, 0, NULL);
        char err[256] = "";
        json_t *rec = gong ? cs_gongcall_record(gong, json_object_get(gong, "transcript"), WS, NULL,
                                                "replay", err, sizeof err)
                           : NULL;
        json_decref(gong);
        if (!rec) {
            fprintf(stderr, "bench_record: line %zu: %s\n", forms[0].n + 1, err);
            rc = 1;
            break;
        }
        json_object_set_new(rec, "kind", json_string("extraction"));
        json_object_set_new(rec, "insights",
                            json_pack("{s:[], s:[], s:[], s:s}", "feature_requests", "bug_reports",
                                      "pain_points", "summary", ""));
        rc = s_add(&forms[0], rec);
        if (rc == 0 && cs_transcript_flatten(rec) != 0)
            rc = 1;
        if (rc == 0)
            rc = s_add(&forms[1], rec);
        json_decref(rec);
    }
    free(line);
    fclose(in);
    double best[2] = {-1, -1};
    for (int r = 0; rc == 0 && r < rounds; r++)
        for (int k = 0; k < 2 && rc == 0; k++) {
            double s = s_pass(&forms[k]);
            if (s < 0)
                rc = 1;
            else if (best[k] < 0 || s < best[k])
                best[k] = s;
        }
    if (rc == 0 && forms[0].n > 0) {
        size_t n = forms[0].n;
        for (int k = 0; k < 2; k++)
            printf("version %d (%s): %zu records, %.0f bytes a frame, %.1f us a record to decode "
                   "and encode (fastest of %d passes)\n",
                   k + 1, k ? "transcript_text" : "transcript array", n,
                   (double)forms[k].bytes / (double)n, best[k] * 1e6 / (double)n, rounds);
        printf("ratio version 2 / version 1: %.2f\n", best[1] / best[0]);
    }
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < forms[k].n; i++)
            free(forms[k].buf[i]);
        free(forms[k].buf);
        free(forms[k].len);
    }
    return rc;
}
