/*  Fuzz target: one ZeroMQ frame into cs_record_decode, as every stage reads its input.

    Invariants: a rejected frame says why; an accepted record validates, encodes, and decodes
    again to an equal record (decode and encode agree on what a record is). */
#include <stdlib.h>
#include <string.h>

#include "cs_fuzz.h"
#include "cs_record.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    cs_fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    err[0] = '\0';
    json_t *rec = cs_record_decode(data, size, err, sizeof err);
    if (!rec) {
        if (!err[0])
            cs_fuzz_fail("decode rejected a frame without a reason");
        return 0;
    }
    if (cs_record_validate(rec, err, sizeof err) != 0)
        cs_fuzz_fail("a decoded record does not validate: %s", err);
    if (cs_record_kind(rec) == CS_KIND_UNKNOWN)
        cs_fuzz_fail("a decoded record has no known kind");
    char *buf = NULL;
    size_t len = 0;
    if (cs_record_encode(rec, &buf, &len, err, sizeof err) != 0)
        cs_fuzz_fail("a decoded record does not encode: %s", err);
    if (len > CS_RECORD_MAX_BYTES)
        cs_fuzz_fail("an encoded record is over the frame cap: %zu bytes", len);
    json_t *again = cs_record_decode(buf, len, err, sizeof err);
    if (!again)
        cs_fuzz_fail("a re-encoded record does not decode: %s", err);
    if (!json_equal(rec, again))
        cs_fuzz_fail("a record changed through encode and decode");
    json_decref(again);
    free(buf);
    json_decref(rec);
    return 0;
}
