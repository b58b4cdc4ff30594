/*  cs_log: the seed's human log lines on stderr, or JSON lines, with secrets masked.

    Text:  2025-10-20 17:27:28 - INFO - Starting Gong call ingestion
    JSON:  {"time":"2025-10-20T17:27:28Z","level":"INFO","stage":"fetcher","msg":"..."}

    Every line passes through cs_log_redact() before it is written: values registered with
    cs_log_add_secret() and the password part of URLs and conninfo strings become "****". */
#ifndef CS_LOG_H
#define CS_LOG_H

#include <stdio.h>
#include <stddef.h>

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

void cs_log(cs_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define cs_debug(...) cs_log(CS_LOG_DEBUG, __VA_ARGS__)
#define cs_info(...)  cs_log(CS_LOG_INFO, __VA_ARGS__)
#define cs_warn(...)  cs_log(CS_LOG_WARNING, __VA_ARGS__)
#define cs_error(...) cs_log(CS_LOG_ERROR, __VA_ARGS__)

#endif
