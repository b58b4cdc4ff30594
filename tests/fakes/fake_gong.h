/*  fake_gong: a small Gong API server for tests, running inside the test process.

    It listens on 127.0.0.1 on a free port (libmicrohttpd, one thread per connection, so a
    slow answer to one request never holds up another) and answers the two endpoints callsift
    uses, the way Gong does:

      POST /v2/calls/extensive   {cursor?, filter: {fromDateTime, toDateTime, workspaceId?,
                                  callIds?}, contentSelector: {context, exposedFields}}
          -> {requestId, records: {totalRecords, currentPageSize, currentPageNumber, cursor?},
              calls: [...]}
             Calls whose metaData.started lies in [fromDateTime, toDateTime) (instants compared,
             "Z" or "+hh:mm" offsets), in metaData.workspaceId when given, among callIds when
             given; ordered by start; paged by the page size; `cursor` only when more pages
             follow. `context` only when contentSelector.context is "Extended", `parties` only
             when exposedFields.parties is true, `content` only when exposedFields.content is an
             object. Nothing matching -> 404 {"requestId", "errors": ["No calls found
             corresponding to the provided filters"]}.
      POST /v2/calls/transcript  {cursor?, filter: {callIds: [...]}}
          -> {requestId, records: {...}, callTranscripts: [{callId, transcript: [...]}, ...]}
             paged the same way; nothing matching -> the same 404.
      anything else -> 404 (405 for another method on a known path); bodies over 1 MiB -> 413.
      A request Gong's documentation does not allow -> 400: a body that is not a JSON object,
      no "filter" object or an unknown filter field, a fromDateTime/toDateTime not in the
      documented form (exactly "2018-02-18T08:00:00Z" or "2018-02-18T02:30:00-07:00": no date
      alone, no missing zone, no fraction) or not a real instant, a workspaceId that is not a
      non-empty string, callIds that are not an array of non-empty strings, a cursor that is not
      one this server handed out, a contentSelector on the transcript endpoint, or one on the
      extensive endpoint with a context other than None/Basic/Extended or exposedFields other
      than parties/media (booleans) and content/collaboration/interaction (objects of
      booleans). Every answer carries records.totalRecords, the number of matches over all
      pages. All error bodies have Gong's form {"requestId": "...", "errors": ["..."]}.

    Authentication is required once credentials are set: `Authorization: Basic
    base64(key:secret)`, or `Authorization: Bearer TOKEN` once a bearer token is set. A wrong or
    missing header -> 401.

    Faults are queued with fake_gong_inject(); each is consumed, in order, by the next request
    whose path it matches, before authentication and routing. Every request is logged (method,
    path, JSON body, Authorization header, arrival time) for the test to inspect.

    All functions are thread-safe with respect to the server thread. */
#ifndef FAKE_GONG_H
#define FAKE_GONG_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fake_log.h"

#define FAKE_GONG_NO_CALLS_MESSAGE "No calls found corresponding to the provided filters"
#define FAKE_GONG_MAX_BODY         (1024 * 1024)

typedef struct fake_gong fake_gong_t;

typedef enum {
    FAKE_GONG_STATUS,     /* answer HTTP `arg` (401, 403, 500, 502, 503, ...) with an error body */
    FAKE_GONG_RATE_LIMIT, /* 429 with `Retry-After: arg` (seconds; arg < 0 sends no header) */
    FAKE_GONG_NO_CALLS,   /* 404 with Gong's "No calls found ..." body */
    FAKE_GONG_DELAY,      /* wait `arg` ms, then answer normally (arg 0: let one request
                             through untouched, to aim the faults after it at a later one) */
    FAKE_GONG_TRUNCATED,  /* 200 with a complete HTTP message whose JSON body is cut in half */
    FAKE_GONG_CUT,        /* 200 announcing the full Content-Length, then the connection closes
                             half-way through the body (what a dropped connection looks like) */
    FAKE_GONG_MALFORMED,  /* 200 with a body that is not JSON */
} fake_gong_fault_t;

/* One logged request (fake_log.h; method is set, done_ms and status are not kept). Owned by the
   fake and stays valid (and unchanged) until fake_gong_clear_requests() or fake_gong_stop(). */
typedef fake_request_t fake_gong_request_t;

/* Start a server on 127.0.0.1 and a free port. Returns NULL when the server can't start. */
fake_gong_t *fake_gong_start(void);

/* Stop the server (waiting for its threads; pending delays are cut short), free everything,
   and NULL the pointer. NULL or *fg_p NULL is fine. */
void fake_gong_stop(fake_gong_t **fg_p);

/* "http://127.0.0.1:PORT" (borrowed; valid until fake_gong_stop). */
const char *fake_gong_url(fake_gong_t *fg);

/* Add a fixture call. `call` is an extensive-call object ({metaData: {id, started, workspaceId,
   ...}, parties, context, ...}); `transcript` its transcript element ({callId, transcript}),
   or NULL when the call has none. Both are deep-copied: the caller keeps its references.
   Returns 0, or -1 when call has no metaData.id string or no valid metaData.started. */
int fake_gong_add_call(fake_gong_t *fg, const json_t *call, const json_t *transcript);

/* Add every call of a JSON Lines file in the replay format of DESIGN.md (one extensive call per
   line, its transcript element under "transcript"). Returns the number of calls added, or -1
   with a reason in err. */
long fake_gong_load_jsonl(fake_gong_t *fg, const char *path, char *err, size_t errlen);

/* Records per page for both endpoints (default 100; n < 1 is taken as 1). */
void fake_gong_set_page_size(fake_gong_t *fg, int n);

/* Require Basic authentication with key:secret (both copied; NULL key turns it off). */
void fake_gong_set_credentials(fake_gong_t *fg, const char *key, const char *secret);

/* Also accept `Authorization: Bearer token` (copied; NULL turns it off). */
void fake_gong_set_bearer(fake_gong_t *fg, const char *token);

/* Queue a fault for the next request to `path` ("/v2/calls/extensive"), or to any path when
   path is NULL. See fake_gong_fault_t for `arg`. Returns 0, -1 when out of memory. */
int fake_gong_inject(fake_gong_t *fg, const char *path, fake_gong_fault_t fault, int arg);

/* Faults still queued. */
size_t fake_gong_pending_faults(fake_gong_t *fg);

/* Requests received so far (all paths). A request is logged as soon as its body is in, before
   any injected delay, so one the client gave up on is already counted; the log is in that
   order, which for one client sending one request at a time is the order they were sent. */
size_t fake_gong_request_count(fake_gong_t *fg);

/* Requests received so far whose path equals `path`. */
size_t fake_gong_count(fake_gong_t *fg, const char *path);

/* Request number i (0-based), or NULL when there is none yet. Borrowed: see
   fake_gong_request_t. */
const fake_gong_request_t *fake_gong_request(fake_gong_t *fg, size_t i);

/* The last request whose path equals `path` (NULL for any), or NULL. Borrowed. */
const fake_gong_request_t *fake_gong_last_request(fake_gong_t *fg, const char *path);

/* Forget the logged requests (invalidates the pointers handed out before). */
void fake_gong_clear_requests(fake_gong_t *fg);

#endif
