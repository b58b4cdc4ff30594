/*  cs_batch: requests through OpenAI's Batch API instead of one HTTP request each: half the
    price, a rate-limit pool of its own, answers within 24 hours.

    A request is submitted with a custom_id (cs_batch_submit) and a callback of cs_llm's kind
    (cs_llm_done_fn), so a caller can switch between cs_llm and cs_batch without touching the
    code that reads the answers. cs_batch_run(), called from the caller's loop:
      - sends the queued lines as one batch when there are max_lines of them or the oldest has
        waited wait_ms: the lines as JSON Lines {custom_id, method "POST", url "/v1" + endpoint,
        body} uploaded to POST /files (multipart, purpose "batch"), then POST /batches
        {input_file_id, endpoint, completion_window "24h", metadata {"callsift": tag}};
      - polls each batch sent (GET /batches/{id}) every poll_ms until it ends (completed,
        expired, failed, cancelled), then downloads its output and error files
        (GET /files/{id}/content) and calls each line's callback with the line's response
        (status_code 200: CS_LLM_OK with the body, as /chat/completions would have answered);
      - sends a line that failed (an error file line: another status, batch_expired,
        batch_cancelled; a line the batch left out; a batch that failed validation) again in a
        later batch, at most max_rounds batches in all; after that its callback gets
        CS_LLM_FAILED with a cause (llm_rate_limited for 429, llm_unreachable for 5xx and
        expiry, llm_auth, other).
    The HTTP transfers are blocking (one easy handle, cs_http's retry policy): they are few and
    small next to the requests they replace. 401/403 on them is permanent (cs_batch_fatal).

    Resume: with a state file, the batches sent and the custom_ids each still owes are written
    there (atomically: a temporary file renamed) whenever that changes, and read by
    cs_batch_new(), which then polls them again. The input file of a batch being created is
    written there too before POST /batches: a run killed before the batch's id came back finds
    that batch by its input file in the list of batches (GET /batches) at its first
    cs_batch_run(), before it sends anything. A line resumed that way is known by its
    custom_id: submitting that custom_id again attaches the callback to it instead of sending it
    again; an answer that arrives before anyone asked for it is kept (in memory, and owed in the
    state file) until someone does. Submitting a custom_id already queued or in a batch also
    attaches to it: every callback of a line gets the same answer.

    At a stop (cs_stop_requested) every callback waiting ends with CS_LLM_STOPPED; the batches
    stay in the state file and the next run picks them up. A client belongs to one thread. */
#ifndef CS_BATCH_H
#define CS_BATCH_H

#include <jansson.h>

#include "cs_llm.h"

#define CS_BATCH_DEFAULT_LINES  1000
#define CS_BATCH_MAX_LINES      50000        /* OpenAI's limit per batch */
#define CS_BATCH_MAX_FILE_BYTES (190L << 20) /* under OpenAI's 200 MB per input file */
#define CS_BATCH_PRICE_FACTOR   0.5 /* OpenAI prices batch tokens at half the direct price */

/* Zero fields take their defaults. Strings are copied. */
typedef struct {
    const char *base_url;   /* as cs_llm's (default "https://api.openai.com/v1") */
    const char *api_key;    /* as cs_llm's */
    const char *endpoint;   /* the requests' path relative to base_url: "/chat/completions" */
    int max_lines;          /* lines per batch, 1..50000, default 1000 */
    int wait_ms;            /* the longest a line waits for its batch to fill, default 60000 */
    int poll_ms;            /* between two GETs of a batch, default 60000 */
    int max_rounds;         /* batches one line goes through before it fails, default 3 */
    const char *state_path; /* where the batches sent are kept across restarts; NULL: nowhere */
    const char *tag;        /* metadata {"callsift": tag}, default "callsift" */
    int timeout_ms;         /* one HTTP attempt, default 300000 (uploads, downloads) */
    int64_t keep_ms;        /* an ended batch's answers no call has asked for are dropped this
                               long after it ended (wall clock, across restarts); default 48 h */
} cs_batch_opts_t;

typedef struct cs_batch cs_batch_t;

/* A client, the batches of the state file resumed; NULL with the reason in err (a bad option,
   a state file that cannot be read or is not one). Registers api_key with cs_log_add_secret(). */
cs_batch_t *cs_batch_new(const cs_batch_opts_t *opts, char *err, size_t errlen);

/* Free the client without calling any callback; the state file stays. NULL is fine. */
void cs_batch_destroy(cs_batch_t **self_p);

/* Queue request `body` (borrowed: serialised now) under custom_id (copied; unique per request,
   the same for the same request across restarts). fn(arg, result) is called exactly once, from
   cs_batch_run(). 0, or -1 (out of memory, body not serialisable): fn is never called. */
int cs_batch_submit(cs_batch_t *self, const char *custom_id, const json_t *body, cs_llm_done_fn fn,
                    void *arg);

/* Send, poll and deliver what is due now (never waits longer than its HTTP transfers take).
   Returns the callbacks still to be called. */
int cs_batch_run(cs_batch_t *self);

/* Callbacks still to be called. */
int cs_batch_pending(const cs_batch_t *self);

/* The first permanent refusal (401/403) and its cause, or NULL while there is none. */
const char *cs_batch_fatal(const cs_batch_t *self, const char **cause);

typedef struct {
    long batches;      /* created */
    long lines;        /* sent in them (a line sent twice counts twice) */
    long answered;     /* lines answered 200 */
    long line_errors;  /* lines answered with another status */
    long expired;      /* lines an expiry or cancellation left undone */
    long resent;       /* lines sent again */
    long gave_up;      /* lines that failed max_rounds times */
    long unclaimed;    /* answers dropped after keep_ms with no call asking for them */
    long open_batches; /* sent and not ended */
} cs_batch_stats_t;
void cs_batch_stats(const cs_batch_t *self, cs_batch_stats_t *out);

#endif
