/*  cs_record: the records that travel between the stages (DESIGN.md section 2).

    In memory a record is a jansson object: stages read fields with the cs_rec_* getters and add
    their part with json_object_set_new. On the wire a record is exactly one msgpack map per
    ZeroMQ frame, with string keys, a version "v" and a "kind".

    Every record passes two checks:
      - the limits, applied to the whole tree including keys no schema knows (those are kept,
        for forward compatibility): strings of at most CS_RECORD_MAX_STRING bytes (the top-level
        "transcript_text" CS_RECORD_MAX_TRANSCRIPT_TEXT), valid UTF-8 without NUL bytes; containers
   nested at most CS_RECORD_MAX_DEPTH deep (the record itself is depth 1); at most
   CS_RECORD_MAX_VALUES values; at most CS_RECORD_MAX_BYTES encoded;
      - the schema of its kind (field tables in cs_record_schema.c): required fields, types, enums,
        uuids, ranges and lengths. Optional fields may be absent or null.

    Decoding is strict and bounded: a frame is rejected with a reason, never half-read, and no
    allocation is sized from a header before the bytes behind it have been seen.

    Errors follow the project convention: 0 / -1 or NULL, and a one-line reason written into the
    caller's `err` buffer (`errlen` bytes, truncated; `err` may be NULL). */
#ifndef CS_RECORD_H
#define CS_RECORD_H

#include <stddef.h>

#include <jansson.h>
#include <msgpack.h>

/* The version of the records a stage makes. An extraction or decision record whose transcript
   comes rendered as "transcript_text" (cs_transcript.h) instead of the "transcript" array is of
   version CS_RECORD_VERSION_TEXT: a stage of the previous version refuses it (the fetcher
   sends the call again) rather than store the call without its transcript. Decoders take both. */
#define CS_RECORD_VERSION      1
#define CS_RECORD_VERSION_TEXT 2
#define CS_RECORD_MAX_BYTES    (32u << 20) /* a whole frame */
#define CS_RECORD_MAX_STRING   (4u << 20)  /* one string or key, in bytes */
#define CS_RECORD_MAX_DEPTH    12          /* nested maps and arrays; the record is depth 1 */
#define CS_RECORD_MAX_VALUES   (1u << 20)  /* values of any type in one record */
/* The one string allowed past CS_RECORD_MAX_STRING: a record's "transcript_text", which holds
   a whole transcript (at most CS_GONGCALL_MAX_TRANSCRIPT bytes of utterances make less text). */
#define CS_RECORD_MAX_TRANSCRIPT_TEXT (8u << 20)

/* Why a call was stored unprocessed: the "error_cause" an extractor or matcher puts beside
   "error" in the record it passes on, and the "cause" of the writer's ack for that call, so the
   fetcher's summary can name the main cause. Decoders accept any short string (newer stages may
   add causes); these are the ones the stages set. */
#define CS_CAUSE_LLM_UNREACHABLE "llm_unreachable"    /* connect/DNS/timeouts/5xx, retries spent */
#define CS_CAUSE_LLM_INVALID     "llm_invalid_answer" /* invalid JSON or schema, retries spent */
#define CS_CAUSE_LLM_RATE_LIMIT  "llm_rate_limited"   /* 429s past the attempt budget */
#define CS_CAUSE_LLM_AUTH        "llm_auth"           /* 401/403: a wrong or revoked key */
#define CS_CAUSE_LLM_QUOTA       "llm_quota"          /* insufficient_quota */
#define CS_CAUSE_BUDGET          "budget"             /* a spending cap was reached */
#define CS_CAUSE_EMBEDDINGS      "embeddings"         /* the matcher's embeddings failed */
#define CS_CAUSE_NOT_EXTRACTED   "not_extracted"      /* flags.extract false: as asked */
#define CS_CAUSE_OTHER           "other"

/* The urgency of a feature request and the severity of a bug report, lowest first. A record
   carries one of these words or none; the extractor turns any other answer into
   CS_URGENCY_DEFAULT. CS_URGENCY_LEVELS lists them in that order, NULL-terminated (the schema's
   choices). */
#define CS_URGENCY_LOW      "low"
#define CS_URGENCY_MEDIUM   "medium"
#define CS_URGENCY_HIGH     "high"
#define CS_URGENCY_CRITICAL "critical"
#define CS_URGENCY_DEFAULT  CS_URGENCY_MEDIUM
extern const char *const CS_URGENCY_LEVELS[];

/* The position of `level` in CS_URGENCY_LEVELS (0 for "low" up to 3 for "critical"), or -1 for
   NULL or any other word (compared exactly). Can't fail. */
int cs_urgency_rank(const char *level);

/* The keys of a decision's "scores" object, NULL-terminated: "vector", "lexical", "fused",
   "judge", "margin". Each is optional and, when present, a number in 0..1 (the schema refuses
   anything else); "judge" is there only when the LLM judge answered, "margin" (the top
   candidate's fused score minus the runner-up's) only with two candidates or more. Other keys
   pass the schema and are dropped by the writer. */
extern const char *const CS_DECISION_SCORES[];

/* The theme every workspace is born with (is_default), where a request that fits no other
   theme goes; also the theme the extractor falls back to by name. */
#define CS_DEFAULT_THEME_NAME        "Uncategorized"
#define CS_DEFAULT_THEME_DESCRIPTION "Requests that fit none of the workspace's themes"

typedef enum {
    CS_KIND_UNKNOWN = 0,
    CS_KIND_CALL,
    CS_KIND_EXTRACTION,
    CS_KIND_DECISION,
    CS_KIND_ACK
} cs_kind_t;

/* Check `rec` against the limits and the schema of its kind. Returns 0, or -1 with the reason
   in `err`: "missing field 'external_id'", "field 'transcript[3].start_ms': expected integer,
   got string", "unsupported version 3", "unknown kind 'foo'". Does not modify `rec`.
   Version 1 carries the transcript as "transcript" only; version 2 (CS_RECORD_VERSION_TEXT),
   an extraction or decision only, as "transcript_text" only. */
int cs_record_validate(const json_t *rec, char *err, size_t errlen);

/* Pack one JSON value as cs_record_encode packs it (objects as maps in their member order, no
   validation). 0, or -1 when the packer's writer fails. */
int cs_record_pack_value(msgpack_packer *pk, const json_t *v);

/* Validate `rec`, then encode it as one msgpack map. On success returns 0, *out is a malloc'd
   buffer the caller frees with free() and *len its size. On failure returns -1, leaves *out NULL
   and *len 0. `rec` is borrowed. */
int cs_record_encode(const json_t *rec, char **out, size_t *len, char *err, size_t errlen);

/* Decode one frame of `len` bytes (borrowed) and validate the record in it. Returns a new
   reference the caller releases with json_decref, or NULL with the reason in `err`. */
json_t *cs_record_decode(const void *buf, size_t len, char *err, size_t errlen);

/* The kind named by rec's "kind"; CS_KIND_UNKNOWN if absent, not a string or unknown. */
cs_kind_t cs_record_kind(const json_t *rec);

/* "call", "extraction", "decision", "ack"; "unknown" for anything else. Static string. */
const char *cs_kind_name(cs_kind_t kind);

/* The kind with that name, CS_KIND_UNKNOWN for NULL or an unknown name. */
cs_kind_t cs_kind_from_name(const char *name);

/* A new record {"v": CS_RECORD_VERSION, "kind": name}: a new reference the caller releases
   with json_decref. NULL for CS_KIND_UNKNOWN (or an out-of-range value) and out of memory. */
json_t *cs_record_new(cs_kind_t kind);

/* The JSON type of v as error messages name it: "object", "array", "string", "integer", "real",
   "boolean", "null" (also for NULL). Static text; can't fail. */
const char *cs_json_type_name(const json_t *v);

/* Typed getters on an object (a record or a nested object such as "customer"). `obj` may be
   NULL or not an object: they then behave as for an absent key. */

/* The string value of `key`, borrowed from `obj` (valid while obj holds it); NULL when absent,
   null or not a string. */
const char *cs_rec_str(const json_t *obj, const char *key);

/* The integer value of `key`; `dflt` when absent or not an integer (a real is not). */
long long cs_rec_int(const json_t *obj, const char *key, long long dflt);

/* The numeric value of `key`, integer or real; `dflt` when absent or not a number. */
double cs_rec_num(const json_t *obj, const char *key, double dflt);

#endif
