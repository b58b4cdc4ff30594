/*  cs_gongcall: one Gong call (an element of /v2/calls/extensive's "calls") and its transcript
    (an element of /v2/calls/transcript's "callTranscripts") become one `call` record
    (DESIGN.md section 2).

    Gong input is untrusted: every field is type-checked, every string copied into the record is
    cut to a cap at a UTF-8 boundary, and the transcript is bounded so that the record always
    fits the wire limits of cs_record.h. What a record gets:

      external_id       metaData.id (a string; an integer id is formatted without loss)
      title, url        metaData.title, metaData.url (title cut at 1024 bytes; a url over 2048
                        bytes is left out)
      started_at        metaData.started, as "YYYY-MM-DDTHH:MM:SSZ" in UTC: an ISO-8601 string
                        with Z or an offset (no zone is read as UTC), or epoch seconds (a number,
                        or a string of digits; values past year 5138 are read as milliseconds)
      duration_seconds  metaData.duration, rounded
      participants      [{name, email, affiliation, speaker_id, user_id, title}] from parties
                        (at most CS_GONGCALL_MAX_PARTIES); user_id is the party's Gong userId
                        (a string, or an integer formatted in decimal), absent for people who
                        are not Gong users
      transcript        [{speaker_id, speaker, affiliation, start_ms, text}]: every non-blank
                        sentence of every monologue, in order, with the speaker's party
      customer          {name, mrr, domain, source} from the CRM context, when it names one
                        (cs_crm; source "account" or "contact")
      transcript_truncated  true when a cap below cut the transcript (absent otherwise) */
#ifndef CS_GONGCALL_H
#define CS_GONGCALL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define CS_GONGCALL_ID_LEN         257         /* buffer for cs_gongcall_id: 256 bytes + NUL */
#define CS_GONGCALL_MAX_PARTIES    1000        /* participants kept; the rest are left out */
#define CS_GONGCALL_MAX_UTTERANCE  (64u << 10) /* bytes of one utterance's text */
#define CS_GONGCALL_MAX_UTTERANCES 100000      /* utterances in one transcript */
/* Bytes of the whole transcript: every utterance's text, speaker name and speaker id, plus 48
   bytes for its keys and numbers. With the other caps this keeps a call record well under
   CS_RECORD_MAX_BYTES and CS_RECORD_MAX_VALUES, leaving room for what later stages add. */
#define CS_GONGCALL_MAX_TRANSCRIPT (8u << 20)

/* Build a call record from one Gong call `gong_call` (borrowed: {metaData, parties, context,
   content, ...}) and its transcript element `transcript` (borrowed, may be NULL or JSON null:
   {callId, transcript: [{speakerId, topic, sentences: [{start, end, text}]}]}).

   `workspace_id` is our workspace uuid, `integration_id` our integration uuid or NULL, `source`
   "gong" or "replay"; all three are copied. Returns a new reference the caller releases with
   json_decref, already checked with cs_record_validate. Returns NULL with the reason in `err`
   (errlen bytes; err may be NULL) when the call cannot make a record: "call: metaData.id
   missing", "call 7782342274025937895: metaData.started missing", "call 77...: transcript is
   for call 12...", or the validator's reason. Fields of the wrong type are otherwise left out,
   not fatal. */
json_t *cs_gongcall_record(const json_t *gong_call, const json_t *transcript,
                           const char *workspace_id, const char *integration_id, const char *source,
                           char *err, size_t errlen);

/* Copy the call's metaData.id into `buf` (`buflen` bytes; CS_GONGCALL_ID_LEN is enough for any
   id a record accepts) and return buf. A string id is copied as is, an integer id formatted in
   decimal. NULL, with buf set to "" when buflen > 0, when the id is absent, empty, of another
   type (a real would lose digits) or too long for buf. */
const char *cs_gongcall_id(const json_t *gong_call, char *buf, size_t buflen);

/* True when metaData.isPrivate is true; false when it is false, absent or not a boolean. */
bool cs_gongcall_is_private(const json_t *gong_call);

/* Building a record's transcript sentence by sentence, for a transcript element read some other
   way than as jansson (the fetcher's replay parses its lines itself): the same rules and caps
   as cs_gongcall_record, which builds its own transcript with these. For each monologue in
   order, cs_gongcall_tx_monologue with its speaker id (metaData-style: a non-empty string, or
   an integer formatted in decimal; NULL for anything else, as cs_gongcall_id reads ids); then,
   for each of its sentences in order while `full` is false, cs_gongcall_tx_sentence. The
   record's "transcript" is the utterances it makes, in order; "transcript_truncated" is true
   when `truncated` ends true. */
typedef struct {
    const json_t *participants; /* the record's "participants" (borrowed) */
    size_t used;                /* bytes of CS_GONGCALL_MAX_TRANSCRIPT spent */
    size_t count;               /* utterances made */
    long long last_start;       /* the last sentence start seen, in ms */
    bool truncated;             /* a cap cut the transcript */
    bool full;                  /* a cap was reached: no more utterances */
    const char *sid;            /* the current monologue's speaker id, or NULL */
    const json_t *party;        /* its participant, or NULL */
    char sid_buf[CS_GONGCALL_ID_LEN];
} cs_gongcall_tx_t;

/* One utterance as the record holds it: a speaker_id and a speaker (each NULL when the record
   leaves it out), an affiliation, start_ms and the text, every string with its length in bytes
   (not NUL-terminated: text points into the sentence's text). All borrowed from the state and
   the sentence. */
typedef struct {
    const char *speaker_id, *speaker, *affiliation, *text;
    size_t speaker_id_len, speaker_len, text_len;
    long long start_ms;
} cs_gongcall_utterance_t;

/* Start a transcript for the record whose participants are `participants` (borrowed). */
void cs_gongcall_tx_init(cs_gongcall_tx_t *t, const json_t *participants);

/* A monologue begins, spoken by `sid` (copied; NULL or "" for none). */
void cs_gongcall_tx_monologue(cs_gongcall_tx_t *t, const char *sid);

/* One sentence: its start in ms when it has one (has_start: "start" is a non-negative integer,
   or a real from 0 to 1e15, rounded; else the last start is used) and its text (`len` bytes of
   valid UTF-8 without NUL; NULL when "text" is absent or not a string). Returns true and fills
   *u when the sentence makes an utterance; false for a blank or absent text, or when a cap
   stops the transcript. */
bool cs_gongcall_tx_sentence(cs_gongcall_tx_t *t, bool has_start, long long start, const char *text,
                             size_t len, cs_gongcall_utterance_t *u);

#endif
