/*  cs_log: the seed's human log lines on stderr, or JSON lines, with secrets masked.

    Text:  2025-10-20 17:27:28 - INFO - Starting Gong call ingestion
    JSON:  {"time":"2025-10-20T17:27:28Z","level":"INFO","stage":"fetcher","msg":"..."}

    Every line passes through cs_log_redact() before it is written: values registered with
    cs_log_add_secret() and the password part of URLs and conninfo strings become "****".
    A text line is always one line: control characters in the message (from a call title, a
    customer name, a peer's error text) are written as visible escapes (cs_log_escape), so no
    input can forge a line of its own. JSON lines escape them as JSON does.

    Warnings that an outside party can repeat at will (a malformed frame on a socket) go through
    cs_log_limited(): the first CS_LOG_LIMIT_BURST of a kind are written, then at most one every
    CS_LOG_LIMIT_EVERY_MS, carrying how many like it were left out meanwhile. */
#ifndef CS_LOG_H
#define CS_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum { CS_LOG_DEBUG = 0, CS_LOG_INFO, CS_LOG_WARNING, CS_LOG_ERROR } cs_log_level_t;

/* Name the stage in JSON lines ("writer", "fetcher", ...). The string is borrowed. */
void cs_log_init(const char *stage);

/* "text" or "json"; -1 for anything else. */
int cs_log_set_format(const char *name);

/* "debug", "info", "warning", "error" (case-insensitive); -1 for anything else. */
int cs_log_set_level_name(const char *name);
void cs_log_set_level(cs_log_level_t level);
cs_log_level_t cs_log_level(void);

/* Write to another stream (tests); NULL restores stderr. The stream is borrowed. */
void cs_log_set_stream(FILE *stream);

/* Remember a secret (copied) so that it never appears in a log line. Values shorter than 4
   characters are ignored (they would mask ordinary words). */
void cs_log_add_secret(const char *secret);

/* Forget all secrets and restore defaults (tests, and the end of main for valgrind). */
void cs_log_reset(void);

/* Mask secrets and URL/conninfo passwords in buf (NUL-terminated, capacity bufsize) in place. */
void cs_log_redact(char *buf, size_t bufsize);

/* Copy the NUL-terminated `in` into out (capacity outlen > 0) with every control character
   written visibly: \n \r \t as such, backslash as is, other C0 bytes, DEL and the C1 code
   points (U+0080..U+009F) as \xHH or \u00HH. Other UTF-8 (✓ ✅ →) is copied unchanged. Cut
   at a character boundary when out is too small. Returns out. */
char *cs_log_escape(const char *in, char *out, size_t outlen);

void cs_log(cs_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- rate-limited lines ---- */

#define CS_LOG_LIMIT_BURST    5     /* lines of a kind written before limiting starts */
#define CS_LOG_LIMIT_EVERY_MS 10000 /* then at most one line of that kind per this period */

/* The state of one limited kind of line; zero-initialise it. */
typedef struct {
    long written;    /* lines written */
    long suppressed; /* lines left out since the last one written */
    int64_t last_ms; /* when the last line was written */
} cs_log_limit_t;

/* Whether a line of this kind, occurring at `now_ms`, is written. When it is, *suppressed
   (may be NULL) gets the number left out since the previous one written, and the count
   restarts; when it is not, the line is counted as left out. Can't fail. */
bool cs_log_limit_pass(cs_log_limit_t *limit, int64_t now_ms, long *suppressed);

/* cs_log() through the limit of the kind named `key` (a string literal naming the site, e.g.
   "malformed-record"; at most 32 kinds per process, later kinds are never limited). A written
   line ends with " (N like it not logged in the last S s)" when some were left out. Counting
   what happened is the caller's business: the limit only thins the log. Thread-safe. */
void cs_log_limited(const char *key, cs_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define cs_debug(...) cs_log(CS_LOG_DEBUG, __VA_ARGS__)
#define cs_info(...)  cs_log(CS_LOG_INFO, __VA_ARGS__)
#define cs_warn(...)  cs_log(CS_LOG_WARNING, __VA_ARGS__)
#define cs_error(...) cs_log(CS_LOG_ERROR, __VA_ARGS__)

#endif
