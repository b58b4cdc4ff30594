#include "cs_text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

uint32_t cs_text_utf8_next(const char *s, size_t n, size_t *len)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned char c = u[0];
    *len = 1;
    if (c < 0x80)
        return c;
    size_t need;
    uint32_t cp, min;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 2, cp = c & 0x1fu, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3, cp = c & 0x0fu, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4, cp = c & 0x07u, min = 0x10000;
    } else {
        return CS_TEXT_BAD_CHAR;
    }
    if (n < need)
        return CS_TEXT_BAD_CHAR;
    for (size_t i = 1; i < need; i++) {
        if ((u[i] & 0xc0) != 0x80)
            return CS_TEXT_BAD_CHAR;
        cp = (cp << 6) | (u[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return CS_TEXT_BAD_CHAR;
    *len = need;
    return cp;
}

bool cs_text_utf8_valid(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t len;
        if (cs_text_utf8_next(s + i, n - i, &len) == CS_TEXT_BAD_CHAR)
            return false;
        i += len;
    }
    return true;
}

size_t cs_text_utf8_chars(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += ((unsigned char)s[i] & 0xc0) != 0x80;
    return count;
}

size_t cs_text_utf8_seq_len(unsigned char lead)
{
    if (lead >= 0xf8 || lead < 0xc0)
        return 1;
    return lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
}

size_t cs_text_utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    return n;
}

/* A DNS name in ASCII: at least two labels, each 1..63 of [a-z0-9-] (lower case) neither
   starting nor ending with '-', at most CS_TEXT_DOMAIN_MAX bytes. */
static bool s_ldh_name(const char *h)
{
    size_t len = strlen(h);
    if (len == 0 || len > CS_TEXT_DOMAIN_MAX || !memchr(h, '.', len))
        return false;
    size_t label = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || h[i] == '.') {
            if (label == 0 || label > 63 || h[i - 1] == '-' || h[i - label] == '-')
                return false;
            label = 0;
        } else if ((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= '0' && h[i] <= '9') || h[i] == '-') {
            label++;
        } else {
            return false;
        }
    }
    return true;
}

/* True when the lower-case name h has a label starting "xn--" (an IDNA A-label). */
static bool s_has_alabel(const char *h)
{
    for (const char *p = h; (p = strstr(p, "xn--")) != NULL; p++)
        if (p == h || p[-1] == '.')
            return true;
    return false;
}

int cs_text_domain(const char *s, size_t len, char out[CS_TEXT_DOMAIN_SIZE])
{
    out[0] = '\0';
    if (!s || len == 0 || len >= CS_TEXT_DOMAIN_SIZE || memchr(s, '\0', len) ||
        !cs_text_utf8_valid(s, len))
        return -1;
    char buf[CS_TEXT_DOMAIN_SIZE];
    bool ascii = true;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        ascii = ascii && c < 0x80;
    }
    if (len > 0 && buf[len - 1] == '.')
        len--;
    buf[len] = '\0';
    const char *h = buf;
    if (strncmp(h, "www.", 4) == 0 && strchr(h + 4, '.'))
        h += 4;
    if (ascii && !s_has_alabel(h)) {
        if (!s_ldh_name(h))
            return -1;
        memcpy(out, h, strlen(h) + 1);
        return 0;
    }
    /* IDNA: the ASCII form validates the name and maps case; its UTF-8 form is canonical. */
    char *alabel = NULL, *ulabel = NULL;
    int rc = -1;
    if (idn2_lookup_u8((const uint8_t *)h, (uint8_t **)&alabel,
                       IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) == IDN2_OK &&
        s_ldh_name(alabel) && idn2_to_unicode_8z8z(alabel, &ulabel, 0) == IDN2_OK &&
        strlen(ulabel) < CS_TEXT_DOMAIN_SIZE) {
        memcpy(out, ulabel, strlen(ulabel) + 1);
        rc = 0;
    }
    idn2_free(alabel);
    idn2_free(ulabel);
    return rc;
}
