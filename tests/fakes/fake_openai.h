/*  fake_openai: a small OpenAI-compatible API server for tests, running inside the test process.

    It listens on 127.0.0.1 on a free port (libmicrohttpd, one thread per connection, so a slow
    answer to one request never holds up another) under "/v1", and answers:

      POST /v1/chat/completions -> {id, object: "chat.completion", created, model,
                                    choices: [{index: 0, message: {role: "assistant", content},
                                    finish_reason: "stop"}], usage: {prompt_tokens,
                                    completion_tokens, total_tokens, prompt_tokens_details:
                                    {cached_tokens}}}
             By default the content echoes the last message's content (a string, or the text of
             its first text part) and the token counts are estimated (a token per 4 bytes).
             Like OpenAI's prompt caching, cached_tokens is the longest prefix the prompt (each
             message's role and text, in order) shares with one of the last 32 chat prompts,
             in tokens as estimated, when that is at least 1,024, in steps of 128 (1024, 1152,
             ...); else 0. It is always present, and never more than prompt_tokens. (The load
             mode below keeps no prompt cache: its cached_tokens are 0.)
      POST /v1/embeddings       -> {object: "list", data: [{object: "embedding", index,
                                    embedding: [...]}], model, usage: {prompt_tokens,
                                    total_tokens}}
             `input` is a string or an array of them (or of token arrays, hashed as JSON). Each
             vector is a unit-length hashed bag of the input's lowercased words, FAKE_OPENAI_DIM
             long or `dimensions` long when the request says so (1..4096): the same text always
             gives the same vector, and texts sharing words give vectors that are close. An
             empty input string -> 400, as OpenAI answers.
      the Files and Batch API   -> see BATCH API below
      anything else under /v1   -> 404 with OpenAI's error body; another method -> 405; a body
                                   that is not a JSON object -> 400; over 8 MiB -> 413.

    Paths given to and reported by this module are relative to "/v1" ("/chat/completions"), the
    way cs_llm's callers write them.

    What a request gets, in this order:
      1. when an API key is set and the request's Authorization header is not "Bearer KEY":
         401 (code invalid_api_key), whose message quotes the key it got IN FULL (harsher than
         OpenAI, which masks it) so tests can check that the client keeps it out of logs;
      2. a chat request whose response_format asks for a strict json_schema that OpenAI's
         strict mode refuses (an object schema without additionalProperties false, or whose
         required list misses one of its properties): 400 invalid_request_error with OpenAI's
         message ("Invalid schema for response_format 'NAME': In context=(), 'required' is
         required to be supplied and to be an array including every key in properties.
         Missing 'KEY'."), before any pushed answer is consumed;
      3. the next answer pushed for its path (fake_openai_push), consumed in order;
      4. the responder (fake_openai_set_responder), when it answers;
      5. the defaults above.
    A pushed FAKE_OPENAI_DEFAULT answer only adds its delay and headers to what 4 or 5 would say.

    Every request is logged (path, JSON body, Authorization header, arrival and answer times on
    cs_now_ms()'s clock, status). A request is "in progress" from its arrival until its answer is
    queued (after any delay, even when the client gave up meanwhile); the largest number in
    progress at once is recorded.

    All functions are thread-safe with respect to the server threads.

    LOAD MODE (fake_openai_start_load): a stand-in for a real LLM in load tests, answering from
    a truth file, so that pipeline speed and LLM cost can be measured without one. The truth:

      {"themes": [{name, description}], "customers": [{name, domain, mrr}],
       "requests": {"<key>": {theme, title, variants: [titles], rank}},
       "calls": {"<gong call id>": {n, title, customer, private, language,
                 requests: [{key, sentence, context}], bugs: [{title, sentence}]}}}

    where every call title ends with " (load #<n>)" and every sentence is verbatim from the
    call's transcript. What changes from the defaults above (pushed answers and the responder
    still come first, and the API key check still applies):

      - every request after the API key check passes a requests-per-minute limit (`rpm`, a
        sliding 60 s window of the requests accepted, or window_s seconds with a share of
        rpm as large): one over it gets 429 at once, with
        Retry-After (whole seconds until a slot frees, at least 1) and OpenAI's
        rate_limit_exceeded body; 429s do not count as accepted;
      - with rpm (unless no_limit_headers), every answer carries OpenAI's headers as its rate
        limits guide documents them, computed from the window across all clients when the
        answer is sent: x-ratelimit-limit-requests (rpm), x-ratelimit-remaining-requests
        (the requests that may still be sent before a 429: the window's free slots) and
        x-ratelimit-reset-requests (the time until the limit is back to its initial state:
        until the newest request counted leaves the window; "0s" when it is empty), in
        OpenAI's duration form ("250ms", "1s", "59.5s", "6m0s"); with tpm, a tokens-per-minute
        limit over the same window (a request's tokens estimated from its body, a token per 4
        bytes: over it, a 429 of type "tokens"), and x-ratelimit-limit-tokens, -remaining-tokens
        and -reset-tokens likewise;
      - chat and embeddings answers are delayed by latency_ms +/- jitter_ms (uniform); requests
        wait in parallel (a thread per connection; hundreds at once are fine);
      - an EXTRACTION request (response_format schema "call_insights", or a user message with
        a "<<<TRANSCRIPT" block, as extractor/cs_prompt.c writes it) is answered with the true
        requests of the call whose marker "(load #n)" ends the "Call: " line: title one of the
        request's variants (chosen by a hash of call id and key, so calls name one request
        differently), a description made from it, urgency by hash (mostly medium, some high or
        low), the true theme (when the request's schema lists themes and the true one is not
        among them: "Uncategorized", else null, else the first), quote the true sentence and
        speaker its speaker in the transcript, context the true context (the rep's
        restatement) when the block holds it, else null, a confidence from 0.5 to 0.99 by
        hash; the call's language (the truth's, else "en"); bug_reports from the true bugs; a
   sentiment by hash; no pain points; a one-sentence summary. Only items whose sentence is in this
        request's transcript block are answered, so a chunk of a long call gets its own share.
        A call that cannot be identified gets an empty (valid) answer and is counted;
      - a JUDGE request (schema "duplicate_check", or a user message starting "NEW FEATURE:",
        as matcher/cs_judge.c writes it): the new title and each "N. [id] <<<name>>>" candidate
        are mapped to request keys (title or variant, letter case and spacing aside); the first
        candidate with the new title's key is the duplicate (confidence 0.9), else not a
        duplicate (0.85). runner_up_confidence is 0.9 when another candidate has that key too
        (the truth says it is the same request), else 0.05. Unknown titles match nothing;
      - other chat requests: the default echo;
      - EMBEDDINGS: `dimensions` (else `dims`) long, unit length, deterministic: a text that is
        a title or variant of request K, or starts with one followed by ". " (the matcher embeds
        "name. description"), gets normalise(0.8 base_K + 0.6 noise_text), base_K and noise_text
        pseudo-random unit vectors seeded by K and by the text, so two wordings of one request
        have a cosine of about 0.64 and different requests about 0; any other text gets a
        pseudo-random unit vector of its own;
      - tokens are estimated at a token per 4 bytes of the request's messages (or inputs) and of
        the answer, and counted (fake_openai_load_stats);
      - requests are logged only when `keep_log` is set (a long run would otherwise keep every
        body). */
/*  BATCH API (fake_openai_batch.c), checked against OpenAI's Files and Batch reference. After the
    API key check (and outside the load mode's rpm limit: batches have a pool of their own):

      POST /v1/files (multipart/form-data: `file` with a filename, `purpose`) -> the file object
             {id "file-fake...", object "file", bytes, created_at, filename, purpose, status}.
             400 for a body that is not multipart, a missing part, a purpose that is not one of
             assistants, batch, fine-tune, vision, user_data, evals, or a batch file whose name
             does not end in ".jsonl". Bodies over FAKE_OPENAI_MAX_BODY get 413 (OpenAI takes
             up to 200 MB).
      GET  /v1/files/{id}, /v1/files/{id}/content -> the file object, the file's bytes; 404.
      POST /v1/batches {input_file_id, endpoint, completion_window, metadata} -> the batch
             object, status "validating". 400: endpoint not one of /v1/responses,
             /v1/chat/completions, /v1/embeddings, /v1/completions, /v1/moderations;
             completion_window not "24h"; metadata not an object of at most 16 string pairs
             (keys up to 64, values up to 512 characters); a file not uploaded with purpose
             batch. 404: no such file.
             The lines are validated at once, as OpenAI's validating step does; a batch with any
             bad line ends "failed" at its first GET, errors {object "list", data [{code,
             message, param, line}]}: invalid_json_line, missing_required_parameter,
             invalid_method (not POST), mismatched_endpoint (url not the batch's endpoint),
             duplicate_custom_id, mismatched_model (one model per batch), too_many_requests
             (over 50,000 lines), empty_file. (The codes are the fake's; OpenAI documents the
             fields, not the list.)
      GET  /v1/batches?limit=&after= -> {object "list", data [batch objects, newest first],
             first_id, last_id, has_more}: a page of `limit` batches (1 to 100, default 20;
             400 outside) after the batch `after` (404: no such batch).
      GET  /v1/batches/{id} -> the batch object {id, object "batch", endpoint, errors,
             input_file_id, completion_window, status, output_file_id, error_file_id,
             created_at, in_progress_at, expires_at, finalizing_at, completed_at, failed_at,
             expired_at, cancelling_at, cancelled_at, request_counts {total, completed, failed},
             metadata}. Each GET moves a batch one step: "in_progress" for the polls set by
             fake_openai_batch_polls (default 0), then every line is answered as its endpoint
             would answer it directly (the responder, the load mode, the defaults; pushed
             answers are left to direct requests) and the batch is "completed" (or "expired").
             Output lines {id "batch_req_...", custom_id, response {status_code 200, request_id,
             body}, error null} go to the output file, lines answered with another status to the
             error file in the same shape, lines an expiry left undone to the error file as
             {id, custom_id, response null, error {code "batch_expired", message}}. Files list
             their lines in the reverse of the input's order (OpenAI does not keep it);
             output_file_id / error_file_id are null when there is nothing to put in them. */
#ifndef FAKE_OPENAI_H
#define FAKE_OPENAI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fake_log.h"

#define FAKE_OPENAI_DIM      64
#define FAKE_OPENAI_MAX_BODY (8 * 1024 * 1024)
#define FAKE_OPENAI_QUOTA_MESSAGE                                                                  \
    "You exceeded your current quota, please check your plan and billing details. For more "       \
    "information on this error, read the docs: "                                                   \
    "https://platform.openai.com/docs/guides/error-codes/api-errors."

typedef struct fake_openai fake_openai_t;

typedef enum {
    FAKE_OPENAI_DEFAULT = 0,  /* what the responder or the defaults answer (use: a delay) */
    FAKE_OPENAI_CHAT,         /* 200 chat completion with `content`, `finish_reason`, tokens */
    FAKE_OPENAI_RAW,          /* `status` (default 200) with `body` sent verbatim */
    FAKE_OPENAI_ERROR,        /* `status` (default 500) with OpenAI's error body */
    FAKE_OPENAI_RATE_LIMIT,   /* 429 rate_limit_exceeded (add retry_after / reset_* headers) */
    FAKE_OPENAI_QUOTA,        /* 429 insufficient_quota, OpenAI's exact body */
    FAKE_OPENAI_INVALID_JSON, /* 200 with a body that is not JSON */
    FAKE_OPENAI_TRUNCATED,    /* 200, a complete HTTP message whose JSON body (the CHAT answer
                                 when content is set, else the default) is cut in half */
    FAKE_OPENAI_CUT,          /* 200 announcing that whole body, then the connection is closed
                                 half-way through it */
} fake_openai_kind_t;

/* One answer. Zero fields take their defaults. Strings are copied by fake_openai_push(). */
typedef struct {
    fake_openai_kind_t kind;
    int delay_ms;                   /* wait before answering (any kind); cut short by stop */
    const char *content;            /* CHAT: message content (NULL: echo the last message) */
    const char *finish_reason;      /* CHAT: default "stop" */
    long prompt_tokens;             /* CHAT: 0 means estimated */
    long completion_tokens;         /* CHAT: 0 means estimated */
    long cached_tokens;             /* CHAT: usage.prompt_tokens_details.cached_tokens; 0: what the
                                       prompt cache says when prompt_tokens is estimated, else 0 */
    int status;                     /* RAW, ERROR */
    const char *body;               /* RAW: the body */
    const char *message;            /* ERROR: error.message (default: OpenAI's text for status) */
    const char *error_type;         /* ERROR: error.type (default by status) */
    const char *error_code;         /* ERROR: error.code (default by status, or null) */
    const char *retry_after;        /* any kind: a Retry-After header, verbatim ("1", a date) */
    const char *retry_after_ms;     /* any kind: Azure's retry-after-ms header */
    const char *reset_requests;     /* any kind: x-ratelimit-reset-requests ("1s", "6m0s") */
    const char *reset_tokens;       /* any kind: x-ratelimit-reset-tokens */
    const char *limit_requests;     /* any kind: x-ratelimit-limit-requests ("600") */
    const char *limit_tokens;       /* any kind: x-ratelimit-limit-tokens ("150000") */
    const char *remaining_requests; /* any kind: x-ratelimit-remaining-requests ("599") */
    const char *remaining_tokens;   /* any kind: x-ratelimit-remaining-tokens ("149984") */
    char *owned;                    /* responders only: malloc'd memory the fake frees once the
                                       answer is sent (content may point into it); push ignores it */
} fake_openai_answer_t;

/* Decide the answer to a request from its contents: fill *answer (zeroed on entry) and return
   0, or return -1 to leave it to the defaults. `request` is the parsed body (borrowed). Called
   from the server threads, possibly several at once: it must be thread-safe. Strings set in
   *answer must stay valid after it returns (string literals, memory the responder keeps, or
   answer->owned). */
typedef int (*fake_openai_responder_fn)(void *arg, const char *path, const json_t *request,
                                        fake_openai_answer_t *answer);

/* One logged request (fake_log.h; method is NULL, path relative to /v1: "/chat/completions").
   Owned by the fake; valid until fake_openai_clear_requests() or fake_openai_stop(). done_ms
   and status are 0 until the answer is queued. */
typedef fake_request_t fake_openai_request_t;

/* Start a server on 127.0.0.1 and a free port; NULL when it can't start. */
fake_openai_t *fake_openai_start(void);

/* Stop the server (pending delays are cut short), free everything, NULL the pointer.
   NULL or *f_p NULL is fine. */
void fake_openai_stop(fake_openai_t **f_p);

/* "http://127.0.0.1:PORT/v1": a base URL to use as it is (borrowed; valid until stop). */
const char *fake_openai_url(fake_openai_t *f);

/* Require "Authorization: Bearer key" (copied; NULL turns the check off, the default). */
void fake_openai_set_api_key(fake_openai_t *f, const char *key);

/* Queue an answer (deep-copied) for the next request to `path` ("/chat/completions"), or to any
   path when path is NULL. Answers are consumed in the order pushed. 0, or -1 out of memory. */
int fake_openai_push(fake_openai_t *f, const char *path, const fake_openai_answer_t *answer);

/* Pushed answers not consumed yet. */
size_t fake_openai_pending_answers(fake_openai_t *f);

/* Use fn(arg, ...) for requests that no pushed answer covers (NULL fn: defaults only). */
void fake_openai_set_responder(fake_openai_t *f, fake_openai_responder_fn fn, void *arg);

/* Requests received so far (all paths), and those to `path`. */
size_t fake_openai_request_count(fake_openai_t *f);
size_t fake_openai_count(fake_openai_t *f, const char *path);

/* Request number i (0-based, in arrival order), or NULL. Borrowed: see fake_openai_request_t. */
const fake_openai_request_t *fake_openai_request(fake_openai_t *f, size_t i);

/* The last request to `path` (NULL for any), or NULL. Borrowed. */
const fake_openai_request_t *fake_openai_last_request(fake_openai_t *f, const char *path);

/* Forget the logged requests (invalidates pointers handed out) and the in-progress maximum. */
void fake_openai_clear_requests(fake_openai_t *f);

/* Requests in progress now, and the largest number seen at once. */
int fake_openai_in_progress(fake_openai_t *f);
int fake_openai_max_in_progress(fake_openai_t *f);

/* Load mode: zero fields take their defaults. */
typedef struct {
    const char *truth_path; /* the truth file; or */
    const json_t *truth;    /* the truth itself (copied); both NULL: an empty truth */
    int port;               /* 0: a free port */
    int latency_ms;         /* delay of each chat and embeddings answer, default 0 */
    int jitter_ms;          /* +/- this much, uniform, default 0 */
    int rpm;                /* requests per sliding minute of each chat model (and of any
                               other path); 0: no limit. Refused ones count
                               against it too, as OpenAI's do: a client that resends at once
                               keeps itself refused */
    int tpm;                /* tokens per sliding minute (each request's estimated from its body,
                               a token per 4 bytes, when it is accepted); 0: no limit */
    int embeddings_rpm;     /* the limits of each embeddings model (requests to /embeddings),
                               as rpm and tpm are each chat model's: OpenAI limits every model on
                               its own. 0: as rpm (and tpm); -1: no limit */
    int embeddings_tpm;
    bool shared_limit;     /* one window for every model, with rpm and tpm (harsher than
                              OpenAI; default: a window per model, named by the request's
                              "model", or "fake-model" for a chat request that names none and
                              "text-embedding-3-small" for an embeddings request; 32 models at
                              most, the others count in the 32nd's window) */
    int window_s;          /* enforce rpm and tpm over this many seconds, as OpenAI enforces its
                              per-minute limits over shorter periods: rpm * window_s / 60
                              requests per sliding window_s (at least 1), and so for tpm;
                              0: 60 */
    int dims;              /* embedding length when a request names none; 0: 512 */
    bool keep_log;         /* log requests as fake_openai_start() does */
    bool no_limit_headers; /* with rpm or tpm: send no x-ratelimit-* header (every answer to a
                              limited model has them by default, of the model asked, as
                              OpenAI's do) */
} fake_openai_load_opts_t;

/* What the load mode answered, since start. Chat and embeddings answers it made itself are
   counted by kind (pushed and responder answers are not); tokens are its estimates. */
typedef struct {
    long chat_extract;      /* extraction requests answered */
    long chat_judge;        /* judge requests answered */
    long chat_other;        /* other chat requests (echoed) */
    long embeddings;        /* embeddings requests answered */
    long other;             /* requests to any other path */
    long rate_limited;      /* 429s sent by the rpm limit */
    long extract_unknown;   /* extraction requests whose call was not identified */
    long judge_duplicate;   /* judge answers "duplicate" */
    long judge_new;         /* judge answers "not a duplicate" */
    long embedding_inputs;  /* texts embedded */
    long prompt_tokens;     /* chat requests */
    long completion_tokens; /* chat answers */
    long embedding_tokens;  /* embeddings inputs */
} fake_openai_load_stats_t;

/* Start a server in load mode (above) on 127.0.0.1 and opts->port. NULL with the reason in err
   (errlen bytes) when the truth can't be read or is not of that shape, an option is out of
   range, or the server can't start. Stop it with fake_openai_stop(). */
fake_openai_t *fake_openai_start_load(const fake_openai_load_opts_t *opts, char *err,
                                      size_t errlen);

/* The load mode's counters (all zero for a server not in load mode). */
void fake_openai_load_stats(fake_openai_t *f, fake_openai_load_stats_t *out);

/* The counters as one line of JSON (also served to GET /v1/stats in load mode): {"requests":
   {"chat_extract", "chat_judge", "chat_other", "embeddings", "other", "total"}, "rate_limited",
   "extract_unknown_call", "judge":
   {"duplicate", "new"}, "embedding_inputs", "tokens": {"prompt", "completion", "embedding",
   "total"}}. Malloc'd, the caller frees; NULL when out of memory. */
char *fake_openai_load_stats_json(fake_openai_t *f);

/* Batch API: GETs of a batch that show "in_progress" before it ends, from now on (batches not
   ended yet start counting again; 0, the default: the next GET ends them). */
void fake_openai_batch_polls(fake_openai_t *f, int polls);

/* The next batch created answers its first `answered` lines and expires: the rest go to its error
   file with code batch_expired. -1 turns it off. */
void fake_openai_batch_expire(fake_openai_t *f, int answered);

/* The next n valid POST /v1/batches answer 500. With `made`, each makes its batch all the same,
   as when an answer is lost on its way back (a gateway's timeout): the batch runs and the client
   does not know it. Without, no batch is made. */
void fake_openai_batch_lose_answers(fake_openai_t *f, int n, bool made);

/* The line with this custom_id fails (HTTP `status`, default 500, OpenAI's error body, in the
   error file) in the next `times` batches that hold it. 0, or -1 out of memory. */
int fake_openai_batch_fail(fake_openai_t *f, const char *custom_id, int times, int status);

/* Lines with this custom_id in the batches accepted so far (NULL: all lines); the most any one
   custom_id was sent; batches created (failed ones too). */
long fake_openai_batch_lines(fake_openai_t *f, const char *custom_id);
long fake_openai_batch_max_lines(fake_openai_t *f);
size_t fake_openai_batch_count(fake_openai_t *f);

#endif
