/*  cs_replay: the replay file, read by the fetcher's --replay and written by its --record
    (DESIGN.md section 2).

    JSON Lines: each line is one Gong call exactly as /v2/calls/extensive returns it (metaData,
    parties, and context/content when present) plus "transcript", that call's element of
    /v2/calls/transcript's callTranscripts ({callId, transcript: [...]}); a call recorded without
    its transcript has no "transcript" member.

    Reading is bounded and forgiving: a bad line is reported with its file and line number and
    skipped, and the next call still comes; a line longer than the cap is read through in small
    pieces and never held whole. LF and CRLF line ends are both accepted. A last line without
    its newline that is not valid JSON is reported as cut short. An input that is one JSON
    document spread over many lines (a pretty-printed call, or an array of calls) is reported
    once, as that, instead of line by line. */
#ifndef CS_REPLAY_H
#define CS_REPLAY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "cs_jdoc.h"

#define CS_REPLAY_MAX_LINE (32u << 20) /* default cap on one line, in bytes, without its end */

typedef struct cs_replay cs_replay_t;

/* Open a replay file for reading; "-" reads standard input (which is then never closed).
   Returns a new reader the caller destroys with cs_replay_close, or NULL with the reason in
   `err` (errlen bytes; err may be NULL): "cannot open calls.jsonl: No such file or directory". */
cs_replay_t *cs_replay_open(const char *path, char *err, size_t errlen);

/* Change the cap on one line to `bytes` (at least 1), for the lines not yet read. */
void cs_replay_set_max_line(cs_replay_t *self, size_t bytes);

/* The next call: a new reference to the line's object (with its "transcript" member, if any)
   that the caller releases with json_decref. Blank lines are skipped. Returns NULL:
     - at the end of the file: *eof true and err "" (or, after a read error, *eof true and the
       reason in err: "calls.jsonl: read error: ...");
     - for a bad line: *eof false and err "calls.jsonl:7: reason" (invalid JSON, not an object,
       no metaData object, a transcript that is not an object, longer than the cap; "the last
       line is cut short" for a last line without newline). The caller logs it, counts it and
       calls again: a bad line never stops the replay;
     - when no line has been read as a call yet and the input turns out to be one JSON
       document over many lines (or starts with "[" or "{" alone on its line and is not valid
       JSON at all): *eof true, cs_replay_was_document() true, and err the one-line report
       ("calls.json is one JSON document spread over 120 lines, not JSON Lines: write one call
       per line, e.g. with jq -c '.[]' ..."). The input is then spent.
   Standard input is named "stdin" in messages. */
json_t *cs_replay_next(cs_replay_t *self, bool *eof, char *err, size_t errlen);

/* One call as cs_replay_next_call reads it: `doc`, when the line was parsed by cs_jdoc (the
   reader's document, borrowed until its next read; its root is the call, with its
   "transcript" member, if any, and no string in it holds a NUL), else `json`, a new reference
   the caller releases with json_decref (the line as jansson reads it). */
typedef struct {
    const cs_jdoc_t *doc;
    json_t *json;
} cs_replay_call_t;

/* cs_replay_next, for the fetcher's hot path: a line is parsed once, by cs_jdoc when it can be
   (no tree is built), else by jansson. Returns true with the call in *call; false as
   cs_replay_next returns NULL, with the same *eof and err. Both functions read the same lines
   the same way and take or refuse the same ones. */
bool cs_replay_next_call(cs_replay_t *self, cs_replay_call_t *call, bool *eof, char *err,
                         size_t errlen);

/* True when the last cs_replay_next() ended the input because it is one JSON document (see
   there). */
bool cs_replay_was_document(const cs_replay_t *self);

/* The number of non-blank lines in the regular file `path`, read through once now (for a
   progress total); -1 for "-", a pipe or anything that is not a regular file, or when it
   can't be read. */
long cs_replay_count_calls(const char *path);

/* The number of the line cs_replay_next last returned or reported (1-based; 0 before the
   first). */
long cs_replay_line_number(const cs_replay_t *self);

/* Close the file (not standard input) and free the reader; sets *self_p to NULL. Accepts NULL
   and a NULL *self_p. */
void cs_replay_close(cs_replay_t **self_p);

/* Split a replay line (borrowed) into its Gong call, a new reference to a shallow copy of the
   line without "transcript", and its transcript element, a new reference or NULL when the line
   has none (or it is null). The caller releases both with json_decref. Both are NULL when
   `line` is not an object (or memory runs out). */
void cs_replay_split(const json_t *line, json_t **gong_call, json_t **transcript);

typedef struct cs_recorder cs_recorder_t;

/* Create (or truncate) a replay file for --record; "-" writes to standard output (which is
   then flushed but never closed). Returns a new recorder the caller destroys with
   cs_recorder_close, or NULL with the reason in `err`. */
cs_recorder_t *cs_recorder_open(const char *path, char *err, size_t errlen);

/* Append one call as one line of compact JSON and flush it: `gong_call` (borrowed, an object;
   a "transcript" member it may have is replaced) plus "transcript": `transcript` (borrowed; NULL
   or JSON null to record the call without one). Returns 0, or -1 with the reason in `err`. */
int cs_recorder_write(cs_recorder_t *self, const json_t *gong_call, const json_t *transcript,
                      char *err, size_t errlen);

/* Flush and close the file (not standard output) and free the recorder; sets *self_p to NULL.
   Accepts NULL and a NULL *self_p. */
void cs_recorder_close(cs_recorder_t **self_p);

#endif
