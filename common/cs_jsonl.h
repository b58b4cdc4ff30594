/*  cs_jsonl: the one-shot mode of a stage (`--jsonl`): JSON lines in, one answer line out per
    input line, in input order.

    cs_jsonl_run reads its input line by line until its end or a stop. Every line gets one answer,
    null until the stage gives it (cs_jsonl_answer, usually from the engine's callback, in any
    order). A line longer than max_line (its newline included) is answered {"error": too_long}
    without being kept in memory; a line that is not a JSON object is answered {"error": "line
    N is not a JSON object: why"}; an object goes to submit, which hands it to the stage or
    answers -1 with the reason, answered {"error": reason}. Lines are numbered from 0 for the
    stage (n) and from 1 in messages. While more than `in_flight` lines are pending, the reader
    runs the stage instead of reading on; at the end it runs the stage until none is pending
    (or a stop), then writes every answer to its output, one compact JSON text a line.

    Memory: the answers live until cs_jsonl_run returns; an answer given after that is
    released. One line is held at a time, at most max_line + 1 bytes. */
#ifndef CS_JSONL_H
#define CS_JSONL_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* The longest line the stages read in their one-shot mode, newline included. */
#define CS_JSONL_MAX_LINE (32u << 20)

/* What a stage does with the lines: a constant table per stage, written in field order. */
typedef struct {
    /* Line n as an object (borrowed): 0 when the stage took it, or -1 with the reason in err. */
    int (*submit)(void *arg, const json_t *obj, long n, char *err, size_t errlen);
    /* Lines submitted and not yet answered by the stage. */
    int (*pending)(void *arg);
    /* Let the stage work up to wait_ms. */
    void (*run)(void *arg, int wait_ms);
} cs_jsonl_ops_t;

typedef struct {
    const cs_jsonl_ops_t *ops; /* borrowed */
    void *arg;                 /* for the ops */
    int in_flight;             /* read on while at most this many lines are pending */
    size_t max_line;           /* 0: CS_JSONL_MAX_LINE */
    const char *too_long;      /* the error for a longer line; NULL: "line N is not a JSON
                                  object (too long)" */
    size_t dump_flags;         /* json_dumps flags of the answers (JSON_COMPACT is always on) */
    json_t *answers;           /* private: by line, while cs_jsonl_run runs */
} cs_jsonl_t;

/* Read `in`, submit, wait and write to `out` (both borrowed) as above. 0; -1 when out of memory
   or `in` could not be read (logged), after writing the answers it has. */
int cs_jsonl_run(cs_jsonl_t *j, FILE *in, FILE *out);

/* The answer to line n (taken). Ignored (released) when n is not a line read, or after
   cs_jsonl_run returned. */
void cs_jsonl_answer(cs_jsonl_t *j, long n, json_t *answer);

#endif
