/*  Fuzz target: a Gong call into a call record (cs_gongcall_record), as the fetcher converts
    every call it fetches or replays.

    The input is JSON text: one Gong call as /v2/calls/extensive returns it, with its element of
    /v2/calls/transcript's callTranscripts as "transcript" (a replay line; samples/calls.jsonl
    holds such lines). Text that is not JSON is skipped: jansson's parser is not under test.

    Invariants: a refused call says why; a record made is valid, encodes within the wire caps
    and decodes to an equal record; the helpers on the call and the record do not fail. */
#include <stdlib.h>
#include <string.h>

#include "cs_fuzz.h"
#include "cs_crm.h"
#include "cs_gongcall.h"
#include "cs_record.h"
#include "cs_replay.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    cs_fuzz_quiet();
    return 0;
}

static void check_record(const json_t *rec)
{
    char err[512];
    if (cs_record_kind(rec) != CS_KIND_CALL)
        cs_fuzz_fail("a converted call is not a call record");
    char *buf = NULL;
    size_t len = 0;
    if (cs_record_encode(rec, &buf, &len, err, sizeof err) != 0)
        cs_fuzz_fail("a converted call does not encode: %s", err);
    json_t *again = cs_record_decode(buf, len, err, sizeof err);
    if (!again)
        cs_fuzz_fail("a converted call does not decode: %s", err);
    if (!json_equal(rec, again))
        cs_fuzz_fail("a converted call changed through encode and decode");
    json_decref(again);
    free(buf);
    json_t *domains = cs_crm_external_domains(rec);
    if (!json_is_array(domains))
        cs_fuzz_fail("external domains are not an array");
    json_decref(domains);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *line = json_loadb((const char *)data, size, JSON_ALLOW_NUL, NULL);
    if (!line)
        return 0;
    json_t *call = NULL, *transcript = NULL;
    cs_replay_split(line, &call, &transcript);
    if (!call)
        call = json_incref(line); /* not an object: the converter must refuse it */

    char id[CS_GONGCALL_ID_LEN];
    const char *got = cs_gongcall_id(call, id, sizeof id);
    if (got && (got != id || !id[0]))
        cs_fuzz_fail("cs_gongcall_id returned something other than a non-empty buf");
    (void)cs_gongcall_is_private(call);

    /* Both sources and both integration forms, as the fetcher's two modes make them. */
    for (int pass = 0; pass < 2; pass++) {
        char err[512];
        err[0] = '\0';
        json_t *rec = cs_gongcall_record(call, transcript, CS_FUZZ_WORKSPACE,
                                         pass ? NULL : CS_FUZZ_INTEGRATION,
                                         pass ? "replay" : "gong", err, sizeof err);
        if (!rec) {
            if (!err[0])
                cs_fuzz_fail("a call was refused without a reason");
            continue;
        }
        if (!got)
            cs_fuzz_fail("a record was made for a call without a usable id");
        if (strcmp(json_string_value(json_object_get(rec, "external_id")), id) != 0)
            cs_fuzz_fail("the record's external_id is not the call's id");
        check_record(rec);
        json_decref(rec);
    }
    json_decref(transcript);
    json_decref(call);
    json_decref(line);
    return 0;
}
