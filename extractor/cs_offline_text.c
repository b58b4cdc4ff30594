/*  cs_offline_text: tokens, sentences and phrases (see cs_offline_text.h). */
#include "cs_offline_text.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
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

/* A compiled list: each phrase is indexed by its first word (the "^ " anchor taken off), so
   that at a token only the phrases starting with that token are looked at. The words after
   the first are checked by cs_offline_phrase_at, which is what makes the answers those of
   the plain scan. */
#define NONE UINT32_MAX

enum {
    F_PLAIN = 1,    /* no "^ " anchor: may match at any token */
    F_ANCHORED = 2, /* "^ ": matches only at token 0, and only in cs_offline_has_phrase */
    F_WORD = 4,     /* no space at all: cs_offline_token_in looks at it */
};

typedef struct {
    const char *word; /* the first word, without its final '*' */
    size_t wlen;
    bool prefix;      /* the first word ends in '*' */
    const char *rest; /* the words after the first */
    uint32_t next;    /* the next phrase of the list with the same first word, or NONE */
    unsigned flags;
} s_phrase_t;

struct cs_offline_phrases {
    s_phrase_t *p;
    uint32_t *slot; /* open addressing: the first phrase of a first word, or NONE */
    size_t mask;    /* slots - 1 */
    size_t *plens;  /* the lengths of the prefix first words, ascending, no repeats */
    size_t nplens;
    uint32_t empty; /* the phrases of no words ("", "^ "): no token to look up */
};

static uint32_t s_hash_step(uint32_t h, unsigned char c)
{
    return (h ^ c) * 0x01000193u;
}

/* The slot hash of a first word whose bytes hash (s_hash_step from 0x811c9dc5) to h. */
static size_t s_hash_end(uint32_t h, size_t len, bool prefix)
{
    h ^= (uint32_t)len * 0x9e3779b1u ^ (prefix ? 0x85ebca6bu : 0u);
    h ^= h >> 15;
    h *= 0x2c1b3c6du;
    h ^= h >> 12;
    return h;
}

/* The slot holding the phrases whose first word is w[0..len) (prefix: "w*"), or the empty
   slot where they would go. */
static size_t s_slot_of(const cs_offline_phrases_t *ps, size_t h, const char *w, size_t len,
                        bool prefix)
{
    size_t k = h & ps->mask;
    while (ps->slot[k] != NONE) {
        const s_phrase_t *e = &ps->p[ps->slot[k]];
        if (e->wlen == len && e->prefix == prefix && memcmp(e->word, w, len) == 0)
            break;
        k = (k + 1) & ps->mask;
    }
    return k;
}

cs_offline_phrases_t *cs_offline_phrases_new(const char *const *list)
{
    size_t n = 0;
    while (list[n])
        n++;
    if (n >= NONE)
        return NULL;
    cs_offline_phrases_t *ps = calloc(1, sizeof *ps);
    if (!ps)
        return NULL;
    size_t slots = 16;
    while (slots < 2 * n)
        slots *= 2;
    ps->mask = slots - 1;
    ps->empty = NONE;
    ps->p = calloc(n ? n : 1, sizeof *ps->p);
    ps->slot = malloc(slots * sizeof *ps->slot);
    ps->plens = malloc((n ? n : 1) * sizeof *ps->plens);
    if (!ps->p || !ps->slot || !ps->plens) {
        cs_offline_phrases_destroy(&ps);
        return NULL;
    }
    for (size_t k = 0; k < slots; k++)
        ps->slot[k] = NONE;
    /* Backwards, each phrase put in front of its chain: chains run in list order. */
    for (size_t j = n; j-- > 0;) {
        const char *s = list[j];
        s_phrase_t *e = &ps->p[j];
        bool anchored = s[0] == '^' && s[1] == ' ';
        e->flags = anchored ? F_ANCHORED : F_PLAIN;
        if (!strchr(s, ' '))
            e->flags |= F_WORD;
        const char *body = anchored ? s + 2 : s;
        if (!*body) {
            e->next = ps->empty;
            ps->empty = (uint32_t)j;
            continue;
        }
        /* The first word as cs_offline_phrase_at reads it. */
        const char *end = strchr(body, ' ');
        size_t plen = end ? (size_t)(end - body) : strlen(body);
        if (plen == 0) /* a word of no bytes: no token is one, the phrase never matches */
            continue;
        e->word = body;
        e->prefix = body[plen - 1] == '*';
        e->wlen = e->prefix ? plen - 1 : plen;
        e->rest = body + plen + (body[plen] == ' ');
        uint32_t h = 0x811c9dc5u;
        for (size_t k = 0; k < e->wlen; k++)
            h = s_hash_step(h, (unsigned char)e->word[k]);
        size_t k = s_slot_of(ps, s_hash_end(h, e->wlen, e->prefix), e->word, e->wlen, e->prefix);
        e->next = ps->slot[k];
        ps->slot[k] = (uint32_t)j;
        if (e->prefix) {
            size_t at = 0;
            while (at < ps->nplens && ps->plens[at] < e->wlen)
                at++;
            if (at == ps->nplens || ps->plens[at] != e->wlen) {
                memmove(ps->plens + at + 1, ps->plens + at, (ps->nplens - at) * sizeof *ps->plens);
                ps->plens[at] = e->wlen;
                ps->nplens++;
            }
        }
    }
    return ps;
}

void cs_offline_phrases_destroy(cs_offline_phrases_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cs_offline_phrases_t *ps = *self_p;
    free(ps->p);
    free(ps->slot);
    free(ps->plens);
    free(ps);
    *self_p = NULL;
}

/* The first phrase of the chain from `id` (before `best`) with a flag of `accept` whose words
   after the first occur from token i + 1; else best. */
static uint32_t s_chain_first(const cs_offline_phrases_t *ps, uint32_t id,
                              const cs_offline_tokens_t *t, size_t i, unsigned accept,
                              uint32_t best)
{
    for (; id != NONE && id < best; id = ps->p[id].next)
        if ((ps->p[id].flags & accept) && cs_offline_phrase_at(t, i + 1, ps->p[id].rest))
            return id;
    return best;
}

/* The first phrase (in list order) with a flag of `accept` whose body ("^ " taken off) occurs
   in t from token i, or NONE. */
static uint32_t s_first_at(const cs_offline_phrases_t *ps, const cs_offline_tokens_t *t, size_t i,
                           unsigned accept)
{
    uint32_t best = NONE;
    for (uint32_t id = ps->empty; id != NONE; id = ps->p[id].next)
        if (ps->p[id].flags & accept) {
            best = id;
            break;
        }
    if (i >= t->count)
        return best;
    const char *w = t->tok[i];
    size_t len = t->len[i], next = 0;
    uint32_t h = 0x811c9dc5u;
    for (size_t k = 0;; k++) {
        for (; next < ps->nplens && ps->plens[next] == k; next++) {
            size_t s = s_slot_of(ps, s_hash_end(h, k, true), w, k, true);
            best = s_chain_first(ps, ps->slot[s], t, i, accept, best);
        }
        if (k == len)
            break;
        h = s_hash_step(h, (unsigned char)w[k]);
    }
    size_t s = s_slot_of(ps, s_hash_end(h, len, false), w, len, false);
    return s_chain_first(ps, ps->slot[s], t, i, accept, best);
}

long cs_offline_phrases_at(const cs_offline_phrases_t *ps, const cs_offline_tokens_t *t, size_t i)
{
    uint32_t id = s_first_at(ps, t, i, F_PLAIN);
    return id == NONE ? -1 : (long)id;
}

long cs_offline_phrases_word(const cs_offline_phrases_t *ps, const cs_offline_tokens_t *t, size_t i)
{
    uint32_t id = s_first_at(ps, t, i, F_WORD);
    return id == NONE ? -1 : (long)id;
}

/* The first phrase that cs_offline_has_phrase finds; with `any`, whichever is found first. */
static long s_find(const cs_offline_phrases_t *ps, const cs_offline_tokens_t *t, bool any)
{
    if (t->count == 0) { /* only an anchored phrase of no words matches nothing */
        uint32_t id = s_first_at(ps, t, 0, F_ANCHORED);
        return id == NONE ? -1 : (long)id;
    }
    uint32_t best = NONE;
    for (size_t i = 0; i < t->count && !(any && best != NONE); i++) {
        uint32_t id = s_first_at(ps, t, i, i == 0 ? F_PLAIN | F_ANCHORED : F_PLAIN);
        if (id < best)
            best = id;
    }
    return best == NONE ? -1 : (long)best;
}

long cs_offline_phrases_find(const cs_offline_phrases_t *ps, const cs_offline_tokens_t *t)
{
    return s_find(ps, t, false);
}

/* The lists compiled so far, by address: static data that never changes, so compiled once per
   process and freed at exit. A list that cannot be compiled (no memory, the table full) is
   scanned phrase by phrase: slower, same answers. */
#define COMPILED_MAX 256

static struct {
    const char *const *list;
    cs_offline_phrases_t *ps;
} s_compiled[COMPILED_MAX];
static size_t s_ncompiled;
static pthread_mutex_t s_compiled_lock = PTHREAD_MUTEX_INITIALIZER;

static void s_compiled_free(void)
{
    for (size_t k = 0; k < COMPILED_MAX; k++)
        cs_offline_phrases_destroy(&s_compiled[k].ps);
}

/* The compiled form of `list`, compiled now if it is new; NULL if it cannot be. */
static const cs_offline_phrases_t *s_compiled_of(const char *const *list)
{
    pthread_mutex_lock(&s_compiled_lock);
    size_t k = ((uintptr_t)list >> 3) * 0x9e3779b97f4a7c15ull >> 56 & (COMPILED_MAX - 1);
    while (s_compiled[k].list && s_compiled[k].list != list)
        k = (k + 1) & (COMPILED_MAX - 1);
    if (!s_compiled[k].list && s_ncompiled + 1 < COMPILED_MAX) {
        cs_offline_phrases_t *ps = cs_offline_phrases_new(list);
        if (ps) {
            if (s_ncompiled == 0)
                atexit(s_compiled_free);
            s_compiled[k].list = list;
            s_compiled[k].ps = ps;
            s_ncompiled++;
        }
    }
    const cs_offline_phrases_t *ps = s_compiled[k].ps;
    pthread_mutex_unlock(&s_compiled_lock);
    return ps;
}

bool cs_offline_has_any(const cs_offline_tokens_t *t, const char *const *list)
{
    const cs_offline_phrases_t *ps = s_compiled_of(list);
    if (ps)
        return s_find(ps, t, true) >= 0;
    for (; *list; list++)
        if (cs_offline_has_phrase(t, *list))
            return true;
    return false;
}

long cs_offline_first_has(const cs_offline_tokens_t *t, const char *const *list)
{
    const cs_offline_phrases_t *ps = s_compiled_of(list);
    if (ps)
        return cs_offline_phrases_find(ps, t);
    for (long j = 0; list[j]; j++)
        if (cs_offline_has_phrase(t, list[j]))
            return j;
    return -1;
}

long cs_offline_first_at(const cs_offline_tokens_t *t, size_t i, const char *const *list)
{
    const cs_offline_phrases_t *ps = s_compiled_of(list);
    if (ps)
        return cs_offline_phrases_at(ps, t, i);
    for (long j = 0; list[j]; j++)
        if (cs_offline_phrase_at(t, i, list[j]))
            return j;
    return -1;
}

bool cs_offline_token_in(const cs_offline_tokens_t *t, size_t i, const char *const *list)
{
    const cs_offline_phrases_t *ps = s_compiled_of(list);
    if (ps)
        return cs_offline_phrases_word(ps, t, i) >= 0;
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
