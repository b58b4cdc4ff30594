/*  cs_leancall: a replay line parsed by cs_jdoc becomes the frame the fetcher sends, without a
    jansson tree for its transcript.

    The transcript is most of a call, and the record's transcript is made from it by rules alone
    (cs_gongcall_tx_*): its utterances are packed straight into msgpack here, while the rest of
    the record (its metaData, parties, customer...) is built by cs_gongcall_record from the call
    as jansson, as for any call. The frame is the same bytes cs_record_encode gives for the
    record with its transcript in place: the record is validated the same way (the utterances
    meet the schema by construction: valid UTF-8 without NUL, within the caps of cs_gongcall.h,
    which keep the whole record under the record limits).

    Use: cs_leancall_record for the record with "transcript": [] standing in for the packed
    utterances; add what the fetcher adds, ending with "attempt"; cs_leancall_frame. One
    object serves call after call: its buffers are reused. */
#ifndef CS_LEANCALL_H
#define CS_LEANCALL_H

#include <stddef.h>

#include <jansson.h>

#include "cs_jdoc.h"

typedef struct cs_leancall cs_leancall_t;

/* A new builder, or NULL when out of memory. Destroy with cs_leancall_destroy. */
cs_leancall_t *cs_leancall_new(void);

/* Free it and NULL the pointer; accepts NULL and a NULL *self_p. */
void cs_leancall_destroy(cs_leancall_t **self_p);

/* The call record of the replay line in `doc` (borrowed: its root is an object whose
   "transcript" is an object, null or absent; it must hold no string with a NUL, which cs_jdoc
   leaves to jansson). `gong_call` (borrowed) is the root without "transcript", as
   cs_jdoc_to_json(doc, root, "transcript") gives it; the other arguments are those of
   cs_gongcall_record. Returns what cs_gongcall_record returns for the line, except that its
   "transcript" is [] and the utterances are kept in `self` for cs_leancall_frame: a new
   reference, or NULL with cs_gongcall_record's reason in err. */
json_t *cs_leancall_record(cs_leancall_t *self, const cs_jdoc_t *doc, const json_t *gong_call,
                           const char *workspace_id, const char *integration_id, const char *source,
                           char *err, size_t errlen);

/* Validate `rec` (borrowed: the record cs_leancall_record last returned, grown by the caller,
   whose last member is "attempt") and encode it with the utterances kept as its "transcript":
   a malloc'd buffer the caller frees, holding in *len bytes the frame up to the value of
   "attempt", with room for 9 bytes more (the value, written by cs_ledger at each send).
   NULL with the reason in err (invalid record, over CS_RECORD_MAX_BYTES, out of memory). */
char *cs_leancall_frame(cs_leancall_t *self, const json_t *rec, size_t *len, char *err,
                        size_t errlen);

#endif
