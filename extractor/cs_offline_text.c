/*  cs_offline_text: tokens, sentences and phrases (see cs_offline_text.h). */
#include "cs_offline_text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cs_offline.h"
#include "cs_util.h"

void cs_offline_tokens_free(cs_offline_tokens_t *t)
{
    free(t->buf);
    free(t->tok);
    free(t->len);
    memset(t, 0, sizeof *t);
}

int cs_offline_tokenize(const char *text, size_t n, cs_offline_tokens_t *t)
{
    const unsigned char *b = (const unsigned char *)text;
    memset(t, 0, sizeof *t);
    /* Each token takes its bytes plus a NUL, and tokens are at least a byte apart. */
    t->buf = malloc(2 * n + 1);
    t->tok = malloc((n / 2 + 1) * sizeof *t->tok);
    t->len = malloc((n / 2 + 1) * sizeof *t->len);
    if (!t->buf || !t->tok || !t->len) {
        cs_offline_tokens_free(t);
        return -1;
    }
    size_t used = 0, start = 0;
    bool in_word = false;
#define FLUSH()                                                                                    \
    do {                                                                                           \
        if (in_word) {                                                                             \
            t->tok[t->count] = t->buf + start;                                                     \
            t->len[t->count++] = used - start;                                                     \
            t->buf[used++] = '\0';                                                                 \
            in_word = false;                                                                       \
        }                                                                                          \
    } while (0)
    for (size_t i = 0; i < n;) {
        unsigned c = b[i];
        if (c == 0x27) {
            i++;
            continue;
        }
        if (c == 0xe2 && i + 2 < n && b[i + 1] == 0x80 && (b[i + 2] == 0x98 || b[i + 2] == 0x99)) {
            i += 3;
            continue;
        }
        if (c == 0xe2 && i + 2 < n && (b[i + 1] == 0x80 || b[i + 1] == 0x81)) {
            FLUSH();
            i += 3;
            continue;
        }
        if (c == 0xc2 && i + 1 < n && b[i + 1] >= 0x80 && b[i + 1] <= 0xbf) {
            FLUSH();
            i += 2;
            continue;
        }
        char out;
        if (c >= 'A' && c <= 'Z')
            out = (char)(c + 32);
        else if ((c >= 'a' && c <= 'z') || c >= 0x80)
            out = (char)c;
        else if (c >= '0' && c <= '9')
            out = '0';
        else {
            FLUSH();
            i++;
            continue;
        }
        if (!in_word) {
            in_word = true;
            start = used;
        }
        t->buf[used++] = out;
        i++;
    }
    FLUSH();
#undef FLUSH
    return 0;
}

bool cs_offline_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

typedef void (*cs_offline_sentence_fn)(void *ctx, size_t start, size_t end);

/* Trim [s, e) and hand it on, cut into pieces of at most CS_OFFLINE_MAX_SENTENCE bytes. */
static void s_emit_sentence(const unsigned char *b, size_t s, size_t e, cs_offline_sentence_fn fn,
                            void *ctx)
{
    while (s < e && cs_offline_is_space(b[s]))
        s++;
    while (e > s && cs_offline_is_space(b[e - 1]))
        e--;
    while (e - s > CS_OFFLINE_MAX_SENTENCE) {
        size_t cut = s + CS_OFFLINE_MAX_SENTENCE;
        while (cut > s && b[cut] != ' ')
            cut--;
        if (cut == s) {
            cut = s + CS_OFFLINE_MAX_SENTENCE;
            while (cut > s + 1 && (b[cut] & 0xc0) == 0x80)
                cut--;
        }
        size_t piece = cut;
        while (piece > s && cs_offline_is_space(b[piece - 1]))
            piece--;
        fn(ctx, s, piece);
        s = cut;
        while (s < e && cs_offline_is_space(b[s]))
            s++;
    }
    if (e > s)
        fn(ctx, s, e);
}

static const char *const s_abbreviations[] = {"mr", "mrs", "ms", "dr", "vs",     "inc", "ltd",
                                              "co", "st",  "jr", "sr", "approx", "etc"};

/* Is the '.' at `dot` the end of an abbreviation: a single letter, a word with a '.' in it
   ("e.g."), or one of s_abbreviations? */
static bool s_abbreviation_before(const unsigned char *b, size_t start, size_t dot)
{
    size_t w = dot;
    while (w > start && !cs_offline_is_space(b[w - 1]))
        w--;
    size_t len = dot - w;
    if (len == 1 && tolower(b[w]) >= 'a' && tolower(b[w]) <= 'z')
        return true;
    if (memchr(b + w, '.', len))
        return true;
    for (size_t i = 0; i < CS_ARRAY_LEN(s_abbreviations); i++) {
        if (strlen(s_abbreviations[i]) != len)
            continue;
        size_t k = 0;
        while (k < len && tolower(b[w + k]) == s_abbreviations[i][k])
            k++;
        if (k == len)
            return true;
    }
    return false;
}

/* Call fn with the byte range of every sentence of text[0..n): a sentence ends at a newline,
   or after a run of . ! ? (and closing quotes or brackets) followed by white space or the end,
   unless the run is a single '.' after an abbreviation. */
void cs_offline_split_sentences(const char *text, size_t n, cs_offline_sentence_fn fn, void *ctx)
{
    const unsigned char *b = (const unsigned char *)text;
    size_t start = 0, i = 0;
    while (i < n) {
        unsigned char c = b[i];
        if (c == '\n') {
            s_emit_sentence(b, start, i, fn, ctx);
            start = ++i;
            continue;
        }
        if (c == '.' || c == '!' || c == '?') {
            size_t j = i;
            while (j < n && (b[j] == '.' || b[j] == '!' || b[j] == '?'))
                j++;
            size_t k = j;
            while (k < n && (b[k] == '"' || b[k] == '\'' || b[k] == ')' || b[k] == ']'))
                k++;
            if (k == n || cs_offline_is_space(b[k])) {
                if (!(j - i == 1 && c == '.' && s_abbreviation_before(b, start, i))) {
                    s_emit_sentence(b, start, k, fn, ctx);
                    start = k;
                }
            }
            i = k;
            continue;
        }
        i++;
    }
    s_emit_sentence(b, start, n, fn, ctx);
}

/* Does the phrase (normalised words separated by single spaces; a word ending in '*' matches
   any word it begins) occur in t starting at token i? (has_phrase: "^ " first anchors the
   phrase at the start of the sentence.) */
bool cs_offline_phrase_at(const cs_offline_tokens_t *t, size_t i, const char *phrase)
{
    const char *p = phrase;
    while (*p) {
        if (i >= t->count)
            return false;
        const char *end = strchr(p, ' ');
        size_t plen = end ? (size_t)(end - p) : strlen(p);
        bool prefix = plen > 0 && p[plen - 1] == '*';
        size_t cmp = prefix ? plen - 1 : plen;
        if (prefix ? (t->len[i] < cmp || memcmp(t->tok[i], p, cmp) != 0)
                   : (t->len[i] != cmp || memcmp(t->tok[i], p, cmp) != 0))
            return false;
        i++;
        p += plen;
        if (*p == ' ')
            p++;
    }
    return true;
}

bool cs_offline_has_phrase(const cs_offline_tokens_t *t, const char *phrase)
{
    if (phrase[0] == '^' && phrase[1] == ' ') /* only at the start */
        return cs_offline_phrase_at(t, 0, phrase + 2);
    for (size_t i = 0; i < t->count; i++)
        if (cs_offline_phrase_at(t, i, phrase))
            return true;
    return false;
}

/* Does any phrase of the NULL-terminated list occur in t? */
bool cs_offline_has_any(const cs_offline_tokens_t *t, const char *const *list)
{
    for (; *list; list++)
        if (cs_offline_has_phrase(t, *list))
            return true;
    return false;
}

/* Is token i one of the list (single words, '*' for a prefix)? */
bool cs_offline_token_in(const cs_offline_tokens_t *t, size_t i, const char *const *list)
{
    for (; *list; list++)
        if (!strchr(*list, ' ') && cs_offline_phrase_at(t, i, *list))
            return true;
    return false;
}

bool cs_offline_tokens_contain(const cs_offline_tokens_t *t, const cs_offline_tokens_t *phrase)
{
    if (phrase->count == 0 || phrase->count > t->count)
        return false;
    for (size_t i = 0; i + phrase->count <= t->count; i++) {
        size_t k = 0;
        while (k < phrase->count && t->len[i + k] == phrase->len[k] &&
               memcmp(t->tok[i + k], phrase->tok[k], phrase->len[k]) == 0)
            k++;
        if (k == phrase->count)
            return true;
    }
    return false;
}

/* The sentence with white space runs made one space and control characters dropped. */
void cs_offline_capped_put(cs_offline_capped_t *t, const char *s, size_t n)
{
    if (t->len + n > t->cap) {
        n = t->cap - t->len;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

char *cs_offline_clean_copy(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (cs_offline_is_space(c)) {
            space = o > 0;
            continue;
        }
        if (c < 0x20 || c == 0x7f)
            continue;
        if (space)
            out[o++] = ' ';
        space = false;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return out;
}

size_t cs_offline_stem(const char *w, size_t n)
{
    static const char *const SUFFIXES[] = {
        "izations", "ization", "ations", "ation", "ators", "ator", "ements", "ement", "ities",
        "ity",      "ings",    "ing",    "ions",  "ion",   "ates", "ated",   "ate",   "ies",
        "ied",      "ers",     "er",     "ed",    "es",    "ly",   "e",      "s",     NULL,
    };
    for (const char *const *s = SUFFIXES; *s; s++) {
        size_t k = strlen(*s);
        if (n >= k + 3 && memcmp(w + n - k, *s, k) == 0)
            return n - k;
    }
    return n;
}
