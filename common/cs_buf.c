#include "cs_buf.h"

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
