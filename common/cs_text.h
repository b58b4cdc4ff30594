/*  cs_text: UTF-8 text and the e-mail / web domains of customers, one rule for every stage.

    Strings here are byte ranges (pointer + length) unless a function says it wants a C string.
    Nothing allocates memory the caller must free. */
#ifndef CS_TEXT_H
#define CS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of a DNS name in its ASCII form, and of its canonical UTF-8 form with the NUL. */
#define CS_TEXT_DOMAIN_MAX  253
#define CS_TEXT_DOMAIN_SIZE 1024

/* cs_text_utf8_next's answer for bytes that do not start a valid character. */
#define CS_TEXT_BAD_CHAR UINT32_MAX

/* Decode the character at s (n > 0 bytes available) and set *len to its bytes. A byte that
   does not start a valid, shortest-form sequence (or one cut short by n) gives
   CS_TEXT_BAD_CHAR with *len 1, so a scan resumes at the next byte. Never reads past s[n-1]. */
uint32_t cs_text_utf8_next(const char *s, size_t n, size_t *len);

/* True when s[0..n) is strict UTF-8: no overlong forms, no surrogates, nothing above
   U+10FFFF, no truncated sequence. NUL bytes are valid UTF-8 (callers refuse them apart). */
bool cs_text_utf8_valid(const char *s, size_t n);

/* Code points in s[0..n), which must be valid UTF-8. */
size_t cs_text_utf8_chars(const char *s, size_t n);

/* Bytes of the UTF-8 sequence that `lead` starts: 2, 3 or 4 for a lead byte, 1 for anything
   else (ASCII, a continuation byte or a byte UTF-8 never uses), so a scan always advances. */
size_t cs_text_utf8_seq_len(unsigned char lead);

/* The length of the longest prefix of s[0..len) (valid UTF-8) that is at most `max` bytes and
   ends on a character boundary: len itself when len <= max. */
size_t cs_text_utf8_cut(const char *s, size_t len, size_t max);

/* The canonical form of a customer's domain, given as a bare host name (no scheme, user, port
   or path) in s[0..len): what the CLI stores and what the fetcher compares participants'
   e-mail domains with. ASCII letters lower-cased, one final dot dropped, a leading "www."
   dropped when another dot follows; a name with non-ASCII letters or an "xn--" label goes
   through IDNA 2008 (UTS #46 mapping, so "ÄÖ-Example.DE" and "xn---example-zza4p.de" agree) and
   comes out as lower-case UTF-8. The name must have at least two labels of 1..63 letters,
   digits or '-' (in its ASCII form) that neither start nor end with '-', and at most
   CS_TEXT_DOMAIN_MAX bytes in that form. 0 with the form in `out` (NUL-terminated); -1
   (out "") for anything else. */
int cs_text_domain(const char *s, size_t len, char out[CS_TEXT_DOMAIN_SIZE]);

#endif
