/*  cs_util: small helpers every module needs: clocks, interruptible sleeps, jittered backoff,
    timestamps, bounded string copies. Nothing here allocates unless it says so. */
#ifndef CS_UTIL_H
#define CS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Milliseconds on the monotonic clock (for timeouts and latencies). Can't fail. */
int64_t cs_now_ms(void);

/* Milliseconds since the Unix epoch (wall clock). Can't fail. */
int64_t cs_wall_ms(void);

/* Ask every loop to stop: set by SIGINT/SIGTERM (see cs_signals_install) or by a caller. */
void cs_stop_request(void);
bool cs_stop_requested(void);

/* Install SIGINT/SIGTERM handlers that call cs_stop_request(), and ignore SIGPIPE.
   czmq's own handler is turned off so that a signal never aborts a blocking call half-way:
   loops poll with timeouts and check cs_stop_requested(). */
void cs_signals_install(void);

/* Sleep up to ms milliseconds, waking early (returning -1) when a stop was requested. */
int cs_sleep_ms(int64_t ms);

/* Delay before retry number `attempt` (0-based): full jitter over an exponential ceiling,
   min(cap_ms, base_ms * 2^attempt), never below base_ms / 2. Uses its own PRNG state. */
int64_t cs_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms);

/* Format epoch milliseconds as ISO-8601 UTC "2025-10-20T17:27:28Z" into out (>= 21 bytes). */
void cs_iso8601(int64_t epoch_ms, char *out, size_t outlen);

/* Copy src into dst (size dstlen), always NUL-terminated; returns -1 when src was cut. */
int cs_strlcpy(char *dst, const char *src, size_t dstlen);

/* Overwrite a secret (NUL-terminated) before freeing it, so it does not linger in freed
   memory. NULL is fine. */
void cs_free_secret(char *secret);

/* A feature name as exact matching compares it, the same in the matcher and the writer:
   lowercased ASCII, every run of characters that are not ASCII letters or digits (bytes of
   UTF-8 sequences count as letters) one space, no space at the ends ("  Salesforce-SYNC! " ->
   "salesforce sync"). Caller frees; NULL when out of memory. */
char *cs_name_key(const char *name);

/* A malloc'd printf result; NULL when out of memory. */
char *cs_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* printf into err (size errlen) when err is not NULL; returns -1 so callers can
   `return cs_fail(err, errlen, "...")`. */
int cs_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
