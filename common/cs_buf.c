#include "cs_buf.h"

#include <stdarg.h>
#include <stdio.h>

#include <stdlib.h>
#include <string.h>

void cs_buf_add(cs_buf_t *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    size_t need = b->len + n + 1;
    if (need < n || (b->max && need > b->max)) {
        b->failed = b->over = true;
        return;
    }
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < need)
            cap *= 2;
        if (b->max && cap > b->max)
            cap = b->max;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

char *cs_buf_take(cs_buf_t *b)
{
    if (!b->failed && !b->p)
        cs_buf_add(b, "", 0);
    char *p = b->failed ? NULL : b->p;
    if (b->failed)
        free(b->p);
    *b = (cs_buf_t){.max = b->max};
    return p;
}

void cs_buf_printf(cs_buf_t *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        cs_buf_add(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->failed = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    cs_buf_add(b, big, (size_t)n);
    free(big);
}

void cs_buf_clear(cs_buf_t *b)
{
    b->len = 0;
    b->failed = b->over = false;
    if (b->p)
        b->p[0] = '\0';
}

void cs_buf_free(cs_buf_t *b)
{
    free(b->p);
    *b = (cs_buf_t){.max = b->max};
}
