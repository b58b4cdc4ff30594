/*  cs_fuzz: what the fuzz targets (tests/fuzz/fuzz_*.c) and their seed generator share: the
    fixed context an input is judged in (a workspace's themes, a call's transcript, the judge's
    candidates), a quiet log, and the way a broken invariant stops the run.

    The same fixtures make the seeds (fuzz_seeds.c), so a seed's quotes, themes and candidate
    ids are ones the target knows. Every function returns a new reference the caller releases
    with json_decref. */
#ifndef CS_FUZZ_H
#define CS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define CS_FUZZ_WORKSPACE   "0b6f0d3e-5f7a-4c5e-9a43-2f1d7c8e9a10"
#define CS_FUZZ_INTEGRATION "6d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
#define CS_FUZZ_CANDIDATE_1 "1c9a7f4e-2b3d-4e5f-8a6b-7c8d9e0f1a2b"
#define CS_FUZZ_CANDIDATE_2 "2d0b8e5f-3c4e-4f6a-9b7c-8d9e0f1a2b3c"

/* The workspace's themes [{name, description, is_default}]: "Integrations", "Reporting" and
   the default "Uncategorized"; with_default false leaves the default out. */
json_t *cs_fuzz_themes(int with_default);

/* A call's transcript [{speaker_id, speaker, affiliation, start_ms, text}] with two customer
   (External) speakers and one vendor (Internal) speaker. */
json_t *cs_fuzz_transcript(void);

/* The judge's candidates [{id, name, description}] (CS_FUZZ_CANDIDATE_1 and _2). */
json_t *cs_fuzz_candidates(void);

/* A valid call record in CS_FUZZ_WORKSPACE with cs_fuzz_transcript() as its transcript. */
json_t *cs_fuzz_call_record(void);

/* Send the project's log to /dev/null: a target must not write megabytes. */
void cs_fuzz_quiet(void);

/* A broken invariant: print the reason and abort(), which libFuzzer reports as a crash and
   keeps the input. */
void cs_fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* The libFuzzer entry points each target defines. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
