/*  cs_buf: a growing string with an optional cap. A failure (out of memory, or over the cap)
    sticks: later adds do nothing, and cs_buf_take() returns NULL, so builders check once at
    the end instead of after every add.

        cs_buf_t b = {.max = 1 << 20};   // or {0} for no cap
        cs_buf_add(&b, "abc", 3);
        char *text = cs_buf_take(&b);    // caller frees; NULL after a failure */
#ifndef CS_BUF_H
#define CS_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *p;     /* NUL-terminated once anything was added */
    size_t len;  /* bytes in p, without the NUL */
    size_t cap;  /* bytes allocated */
    size_t max;  /* most bytes p may hold, NUL included; 0 = no cap */
    bool failed; /* an add ran out of memory or over max */
    bool over;   /* ... and it was over max */
} cs_buf_t;

/* Append n bytes of s. */
void cs_buf_add(cs_buf_t *b, const char *s, size_t n);

/* Append printf-formatted text. */
void cs_buf_printf(cs_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The string built (the caller frees it; "" when nothing was added), or NULL after a failure
   (its memory freed). The buffer is empty and reusable afterwards. */
char *cs_buf_take(cs_buf_t *b);

/* Empty the buffer for reuse: no bytes, no failure; the memory and max are kept. */
void cs_buf_clear(cs_buf_t *b);

/* Release the memory; max is kept. */
void cs_buf_free(cs_buf_t *b);

#endif
