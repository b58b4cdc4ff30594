/*  cs_transcript: a call's transcript as the writer stores it, carried once (issue 17).

    A call record carries its transcript as utterances, "transcript": [{speaker_id, speaker,
    start_ms, text, ...}], because the extractor reads them one by one. Nothing after the
    extractor does: the matcher never looks at the transcript, and the writer stores it as
    text, one "speaker: text" line per utterance (the speaker's name, else the speaker id, else
    "?"), in messages.content and again in message_metadata.transcript_text. So the extractor's
    stage renders it once as that text and sends "transcript_text" instead of the array, in a
    record of version CS_RECORD_VERSION_TEXT (cs_record.h); the matcher passes it on untouched
    and the writer stores it as it comes.

    A record of version 1 (from an extractor of the previous version, during a rolling
    restart) still carries the array: the writer renders it here, to the same bytes. */
#ifndef CS_TRANSCRIPT_H
#define CS_TRANSCRIPT_H

#include <stddef.h>

#include <jansson.h>

/* The "speaker: text\n" lines of `transcript` (borrowed: an array of utterances; NULL or
   anything else counts as none, giving ""), with their length in *len (may be NULL).
   Returns a malloc'd NUL-terminated string the caller frees, or NULL when out of memory or
   when the text would be longer than `cap` bytes. */
char *cs_transcript_render(const json_t *transcript, size_t cap, size_t *len);

/* Turn the extraction or decision record `rec` (modified in place) from version 1 into version
   CS_RECORD_VERSION_TEXT: its "transcript" array becomes "transcript_text" (rendered as
   above; "" for no transcript) and "v" becomes CS_RECORD_VERSION_TEXT. Returns 0 when done
   (also when `rec` already is of that version), 1 when `rec` is left as it was because its
   text would pass CS_RECORD_MAX_TRANSCRIPT_TEXT (a record not built by cs_gongcall: the
   writer still takes it as it is), -1 when out of memory (`rec` unchanged). */
int cs_transcript_flatten(json_t *rec);

/* The transcript text of `rec` (borrowed) as the writer stores it: its "transcript_text"
   (borrowed from rec; *owned set to NULL) or, in a record of version 1, its "transcript"
   rendered (a malloc'd string put in *owned too, which the caller frees). *len gets the
   length in bytes. NULL when out of memory. */
const char *cs_transcript_text(const json_t *rec, char **owned, size_t *len);

#endif
