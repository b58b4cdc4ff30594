/*  cs_insights_text: characters, normal forms and name comparison (see cs_insights_text.h). */
#include "cs_insights_text.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs_buf.h"
#include "cs_insights.h"
#include "cs_text.h"

/* ---------------------------------------------------------------------------------------- */
/* Characters                                                                                 */

/* Control characters, C0 and C1, and the Unicode line and paragraph separators. */
static bool s_is_control(uint32_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029;
}

static bool s_is_space(uint32_t c)
{
    return c == ' ' || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x202f ||
           c == 0x205f || c == 0x3000;
}

/* Invisible format characters: zero-width, bidirectional marks and overrides, word joiner,
   BOM, soft hyphen. They are removed, not turned into spaces. */
static bool s_is_format(uint32_t c)
{
    return c == 0xad || (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) ||
           (c >= 0x2060 && c <= 0x2064) || (c >= 0x2066 && c <= 0x206f) || c == 0xfeff;
}

/* Apostrophes and their look-alikes: cs_insights_normalise drops them, so that "can't",
   "can’t" and "cant" compare equal. */
static bool s_is_apostrophe(uint32_t c)
{
    return c == '\'' || c == '`' || c == 0xb4 || c == 0x2bc || c == 0x2018 || c == 0x2019 ||
           c == 0x201b || c == 0x2032;
}

/* Punctuation and symbols: everything that separates words in cs_insights_normalise. */
static bool s_is_punct(uint32_t c)
{
    if (c < 0x80)
        return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
    if (c >= 0xa1 && c <= 0xbf) /* Latin-1 signs, except ª ² ³ µ ¹ º ¼ ½ ¾ */
        return !(c == 0xaa || c == 0xb2 || c == 0xb3 || c == 0xb5 || c == 0xb9 || c == 0xba ||
                 (c >= 0xbc && c <= 0xbe));
    return c == 0xd7 || c == 0xf7 || (c >= 0x2010 && c <= 0x205e) || /* general punctuation */
           (c >= 0x20a0 && c <= 0x20cf) ||                           /* currency */
           (c >= 0x2190 && c <= 0x2bff) ||                           /* arrows to misc symbols */
           (c >= 0x3001 && c <= 0x303f) ||                           /* CJK punctuation */
           (c >= 0xfe10 && c <= 0xfe1f) || (c >= 0xfe30 && c <= 0xfe6f) ||
           (c >= 0xff01 && c <= 0xff0f) || (c >= 0xff1a && c <= 0xff20) ||
           (c >= 0xff3b && c <= 0xff40) || (c >= 0xff5b && c <= 0xff65) || c == 0xfffd;
}

/* Lower case for the scripts a B2B call transcript mostly uses. */
static uint32_t s_fold_case(uint32_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 0x20;
    if (c < 0xc0)
        return c;
    if (c <= 0xde && c != 0xd7)
        return c + 0x20;
    if (c >= 0x100 && c <= 0x17f) { /* Latin Extended-A: pairs */
        if ((c <= 0x137 || (c >= 0x14a && c <= 0x177)) && c % 2 == 0)
            return c + 1;
        if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e)) && c % 2 == 1)
            return c + 1;
        if (c == 0x178)
            return 0xff;
        return c;
    }
    if (c >= 0x391 && c <= 0x3a9 && c != 0x3a2) /* Greek */
        return c + 0x20;
    if (c >= 0x410 && c <= 0x42f) /* Cyrillic */
        return c + 0x20;
    if (c >= 0x400 && c <= 0x40f)
        return c + 0x50;
    if (c >= 0xff21 && c <= 0xff3a) /* fullwidth Latin */
        return c + 0x20;
    return c;
}

/* ---------------------------------------------------------------------------------------- */
/* Building strings (cs_buf)                                                                  */

static void s_sb_put(cs_buf_t *b, uint32_t c)
{
    char u[4];
    size_t n;
    if (c < 0x80) {
        u[0] = (char)c, n = 1;
    } else if (c < 0x800) {
        u[0] = (char)(0xc0 | (c >> 6)), u[1] = (char)(0x80 | (c & 0x3f)), n = 2;
    } else if (c < 0x10000) {
        u[0] = (char)(0xe0 | (c >> 12)), u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        u[2] = (char)(0x80 | (c & 0x3f)), n = 3;
    } else {
        u[0] = (char)(0xf0 | (c >> 18)), u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((c >> 6) & 0x3f)), u[3] = (char)(0x80 | (c & 0x3f)), n = 4;
    }
    cs_buf_add(b, u, n);
}

/* ---------------------------------------------------------------------------------------- */
/* Normal forms                                                                               */

char *cs_insights_normalise(const char *text)
{
    if (!text)
        return NULL;
    cs_buf_t b = {0};
    bool gap = false;
    const char *s = text, *end = text + strlen(text);
    while (s < end) {
        size_t n;
        uint32_t c = cs_text_utf8_next(s, (size_t)(end - s), &n);
        s += n;
        if (c != CS_TEXT_BAD_CHAR && (s_is_format(c) || s_is_apostrophe(c)))
            continue;
        if (c == CS_TEXT_BAD_CHAR || s_is_control(c) || s_is_space(c) || s_is_punct(c)) {
            gap = true;
            continue;
        }
        if (gap && b.len > 0)
            cs_buf_add(&b, " ", 1);
        gap = false;
        s_sb_put(&b, s_fold_case(c));
    }
    return cs_buf_take(&b);
}

char *cs_insights_clean(const char *text, size_t max_chars)
{
    if (!text)
        return NULL;
    cs_buf_t b = {0};
    bool gap = false;
    size_t chars = 0;
    const char *s = text, *end = text + strlen(text);
    while (s < end) {
        size_t n;
        uint32_t c = cs_text_utf8_next(s, (size_t)(end - s), &n);
        s += n;
        if (c == CS_TEXT_BAD_CHAR)
            c = 0xfffd;
        if (s_is_format(c))
            continue;
        if (s_is_control(c) || s_is_space(c)) {
            gap = true;
            continue;
        }
        size_t need = gap && b.len > 0 ? 2 : 1;
        if (max_chars && chars + need > max_chars)
            break;
        if (need == 2)
            cs_buf_add(&b, " ", 1);
        gap = false;
        s_sb_put(&b, c);
        chars += need;
    }
    return cs_buf_take(&b);
}

/* Case-folded, cleaned: for comparing names. Caller frees; NULL when out of memory. */
static char *s_fold_key(const char *text)
{
    char *clean = cs_insights_clean(text, 0);
    if (!clean)
        return NULL;
    cs_buf_t b = {0};
    const char *s = clean, *end = clean + strlen(clean);
    while (s < end) {
        size_t n;
        uint32_t c = cs_text_utf8_next(s, (size_t)(end - s), &n);
        s += n;
        s_sb_put(&b, s_fold_case(c));
    }
    free(clean);
    return cs_buf_take(&b);
}

int cs_insights_same_name(const char *a, const char *b)
{
    char *ka = s_fold_key(a), *kb = s_fold_key(b);
    int rc = ka && kb ? strcmp(ka, kb) == 0 : -1;
    free(ka);
    free(kb);
    return rc;
}

int cs_insights_choice(const char *const *list, const char *value)
{
    if (!value)
        return -1;
    for (int i = 0; list[i]; i++)
        if (cs_insights_same_name(list[i], value) == 1)
            return i;
    return -1;
}

const char *cs_insights_overall(double score)
{
    if (score > 0.25)
        return "positive";
    if (score < -0.25)
        return "negative";
    return "neutral";
}
