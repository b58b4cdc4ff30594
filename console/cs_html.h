/*  cs_html: building HTML where every value from the database is text, never markup.
    Transcript quotes, call titles, customer and feature names, reasons: all of it comes from
    outside (Gong, the LLM, people) and may hold "<script>" or '"><img onerror=...>'. The rule
    of the console is that such a value reaches a page only through one of these:
      cs_html(b, fmt, ...)     printf into b where every %s argument is escaped for HTML text
                               and double-quoted attribute values (& < > " ' become entities);
                               the format itself is trusted markup, numbers print as printf's
      cs_html_url(b, s)        a query-string component: everything but A-Z a-z 0-9 - . _ ~
                               percent-encoded (so it is also safe inside an attribute)
      cs_html_href(b, url)     an http(s) link from the data (a Gong call's URL): escaped for an
                               attribute, and "#" when it is not http:// or https:// (no
                               javascript: or data: URLs)
    Markup the program writes itself goes in with cs_buf_add / cs_html_raw. */
#ifndef CS_HTML_H
#define CS_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "cs_buf.h"

/* printf with every %s escaped (NULL prints as ""). Conversions: %s %d %i %u %x %ld %lld %lu
   %llu %zu %f %g %c %% with printf's flags, width and precision (not '*'). */
void cs_html(cs_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append markup the program wrote (a literal). */
void cs_html_raw(cs_buf_t *b, const char *markup);

/* Append s escaped for HTML text and quoted attributes. */
void cs_html_text(cs_buf_t *b, const char *s);

/* Append s percent-encoded as a URL query component. */
void cs_html_url(cs_buf_t *b, const char *s);

/* True when url starts with http:// or https:// (a page may link it). */
bool cs_html_is_http(const char *url);

/* Append url for an href="..." when it is http(s), else "#". */
void cs_html_href(cs_buf_t *b, const char *url);

/* True when s is a string of 36 characters in the 8-4-4-4-12 hex form of a UUID. */
bool cs_html_is_uuid(const char *s);

#endif
