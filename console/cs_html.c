#include "cs_html.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cs_html_raw(cs_buf_t *b, const char *markup)
{
    cs_buf_add(b, markup, strlen(markup));
}

void cs_html_text(cs_buf_t *b, const char *s)
{
    if (!s)
        return;
    const char *run = s;
    for (const char *p = s; *p; p++) {
        const char *ent = NULL;
        switch (*p) {
        case '&':
            ent = "&amp;";
            break;
        case '<':
            ent = "&lt;";
            break;
        case '>':
            ent = "&gt;";
            break;
        case '"':
            ent = "&quot;";
            break;
        case '\'':
            ent = "&#39;";
            break;
        default:
            continue;
        }
        cs_buf_add(b, run, (size_t)(p - run));
        cs_html_raw(b, ent);
        run = p + 1;
    }
    cs_buf_add(b, run, strlen(run));
}

void cs_html_url(cs_buf_t *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            cs_buf_add(b, (const char *)p, 1);
        } else {
            char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            cs_buf_add(b, enc, 3);
        }
    }
}

bool cs_html_is_http(const char *url)
{
    return url && (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0);
}

void cs_html_href(cs_buf_t *b, const char *url)
{
    if (cs_html_is_http(url))
        cs_html_text(b, url);
    else
        cs_html_raw(b, "#");
}

bool cs_html_is_uuid(const char *s)
{
    if (!s || strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return false;
    }
    return true;
}

/* The compiler checked cs_html's format against its arguments (the format attribute), and each
   spec passed on here is one conversion cut from that format. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/* One conversion of cs_html's format, spec[0..n) ("%-8.2f"), with its argument. */
static void s_convert(cs_buf_t *b, const char *spec, size_t n, va_list *ap)
{
    char fmt[32];
    if (n >= sizeof fmt) {
        b->failed = true;
        return;
    }
    memcpy(fmt, spec, n);
    fmt[n] = '\0';
    char conv = spec[n - 1];
    int longs = 0;
    bool size = false;
    for (size_t i = 1; i + 1 < n; i++) {
        longs += spec[i] == 'l';
        size = size || spec[i] == 'z';
    }
    switch (conv) {
    case 's': {
        /* width and precision pad or cut the value; then it is escaped */
        const char *s = va_arg(*ap, const char *);
        if (n == 2) {
            cs_html_text(b, s);
            break;
        }
        cs_buf_t raw = {.max = b->max};
        cs_buf_printf(&raw, fmt, s ? s : "");
        if (raw.failed) {
            b->failed = true;
            b->over = b->over || raw.over;
        } else {
            cs_html_text(b, raw.p ? raw.p : "");
        }
        cs_buf_free(&raw);
        break;
    }
    case 'c':
        cs_buf_printf(b, fmt, va_arg(*ap, int));
        break;
    case 'f':
    case 'g':
        cs_buf_printf(b, fmt, va_arg(*ap, double));
        break;
    case 'd':
    case 'i':
        if (size)
            cs_buf_printf(b, fmt, va_arg(*ap, ssize_t));
        else if (longs == 2)
            cs_buf_printf(b, fmt, va_arg(*ap, long long));
        else if (longs == 1)
            cs_buf_printf(b, fmt, va_arg(*ap, long));
        else
            cs_buf_printf(b, fmt, va_arg(*ap, int));
        break;
    case 'u':
    case 'x':
        if (size)
            cs_buf_printf(b, fmt, va_arg(*ap, size_t));
        else if (longs == 2)
            cs_buf_printf(b, fmt, va_arg(*ap, unsigned long long));
        else if (longs == 1)
            cs_buf_printf(b, fmt, va_arg(*ap, unsigned long));
        else
            cs_buf_printf(b, fmt, va_arg(*ap, unsigned));
        break;
    default:
        b->failed = true; /* a conversion cs_html does not take: a bug in the caller */
    }
}
#pragma GCC diagnostic pop

void cs_html(cs_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *run = fmt;
    for (const char *p = fmt; *p; p++) {
        if (*p != '%')
            continue;
        cs_buf_add(b, run, (size_t)(p - run));
        if (p[1] == '%') {
            cs_buf_add(b, "%", 1);
            run = ++p + 1;
            continue;
        }
        size_t n = 1 + strspn(p + 1, "-+ #0123456789.lz");
        if (!p[n]) {
            b->failed = true;
            break;
        }
        s_convert(b, p, n + 1, &ap);
        p += n;
        run = p + 1;
    }
    cs_buf_add(b, run, strlen(run));
    va_end(ap);
}
