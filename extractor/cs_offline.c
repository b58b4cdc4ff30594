/*  cs_offline: the built-in extraction provider (see cs_offline.h for what it does).

    Four parts:
      1. text: tokens and sentences, byte for byte as extractor/model/train_request_model.py makes
   them (the model's features depend on it; test_offline.c checks the scores against the script's);
      2. the model: loading the weights file and scoring a sentence;
      3. the hand-written word lists: explicit request and bug phrases, urgency and severity,
         pain, sentiment, title clean-up, theme vocabulary;
      4. extraction: speakers, sentences, requests, bugs, themes, sentiment, pain points and
         the summary. */
#include "cs_offline.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_log.h"
#include "cs_record.h"
#include "cs_util.h"

#define MODEL_FORMAT    1
#define MAX_MODEL_LINE  4096
#define MAX_CUES        1000
#define MAX_CUE_TOKENS  16
#define MAX_TITLE_WORDS 8
#define MAX_TITLE_BYTES 400 /* the schema allows 512 characters */
#define MAX_PAIN_POINTS 5
#define MAX_PAIN_BYTES  240
#define MAX_SUMMARY     400
#define MAX_SUMMARY_ONE 3 /* sentences */
#define DEFAULT_THEME   CS_DEFAULT_THEME_NAME

/* ---------------------------------------------------------------------------------------- */
/* 1. Text                                                                                    */

/* The words of a text: lower-cased ASCII letters, every digit '0', the apostrophes ' U+2018
   U+2019 dropped; other ASCII, U+0080..U+00BF and U+2000..U+207F separate words; other
   non-ASCII bytes belong to words. Tokens are stored NUL-terminated in `buf`. */
typedef struct {
    char *buf;
    const char **tok;
    size_t *len;
    size_t count;
} tokens_t;

static void tokens_free(tokens_t *t)
{
    free(t->buf);
    free(t->tok);
    free(t->len);
    memset(t, 0, sizeof *t);
}

static int tokenize(const char *text, size_t n, tokens_t *t)
{
    const unsigned char *b = (const unsigned char *)text;
    memset(t, 0, sizeof *t);
    /* Each token takes its bytes plus a NUL, and tokens are at least a byte apart. */
    t->buf = malloc(2 * n + 1);
    t->tok = malloc((n / 2 + 1) * sizeof *t->tok);
    t->len = malloc((n / 2 + 1) * sizeof *t->len);
    if (!t->buf || !t->tok || !t->len) {
        tokens_free(t);
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

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

typedef void (*sentence_fn)(void *ctx, size_t start, size_t end);

/* Trim [s, e) and hand it on, cut into pieces of at most CS_OFFLINE_MAX_SENTENCE bytes. */
static void emit_sentence(const unsigned char *b, size_t s, size_t e, sentence_fn fn, void *ctx)
{
    while (s < e && is_space(b[s]))
        s++;
    while (e > s && is_space(b[e - 1]))
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
        while (piece > s && is_space(b[piece - 1]))
            piece--;
        fn(ctx, s, piece);
        s = cut;
        while (s < e && is_space(b[s]))
            s++;
    }
    if (e > s)
        fn(ctx, s, e);
}

static const char *const ABBREVIATIONS[] = {"mr", "mrs", "ms", "dr", "vs",     "inc", "ltd",
                                            "co", "st",  "jr", "sr", "approx", "etc"};

/* Is the '.' at `dot` the end of an abbreviation: a single letter, a word with a '.' in it
   ("e.g."), or one of ABBREVIATIONS? */
static bool abbreviation_before(const unsigned char *b, size_t start, size_t dot)
{
    size_t w = dot;
    while (w > start && !is_space(b[w - 1]))
        w--;
    size_t len = dot - w;
    if (len == 1 && tolower(b[w]) >= 'a' && tolower(b[w]) <= 'z')
        return true;
    if (memchr(b + w, '.', len))
        return true;
    for (size_t i = 0; i < CS_ARRAY_LEN(ABBREVIATIONS); i++) {
        if (strlen(ABBREVIATIONS[i]) != len)
            continue;
        size_t k = 0;
        while (k < len && tolower(b[w + k]) == ABBREVIATIONS[i][k])
            k++;
        if (k == len)
            return true;
    }
    return false;
}

/* Call fn with the byte range of every sentence of text[0..n): a sentence ends at a newline,
   or after a run of . ! ? (and closing quotes or brackets) followed by white space or the end,
   unless the run is a single '.' after an abbreviation. */
static void split_sentences(const char *text, size_t n, sentence_fn fn, void *ctx)
{
    const unsigned char *b = (const unsigned char *)text;
    size_t start = 0, i = 0;
    while (i < n) {
        unsigned char c = b[i];
        if (c == '\n') {
            emit_sentence(b, start, i, fn, ctx);
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
            if (k == n || is_space(b[k])) {
                if (!(j - i == 1 && c == '.' && abbreviation_before(b, start, i))) {
                    emit_sentence(b, start, k, fn, ctx);
                    start = k;
                }
            }
            i = k;
            continue;
        }
        i++;
    }
    emit_sentence(b, start, n, fn, ctx);
}

/* Does the phrase (normalised words separated by single spaces; a word ending in '*' matches
   any word it begins) occur in t starting at token i? (has_phrase: "^ " first anchors the
   phrase at the start of the sentence.) */
static bool phrase_at(const tokens_t *t, size_t i, const char *phrase)
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

static bool has_phrase(const tokens_t *t, const char *phrase)
{
    if (phrase[0] == '^' && phrase[1] == ' ') /* only at the start */
        return phrase_at(t, 0, phrase + 2);
    for (size_t i = 0; i < t->count; i++)
        if (phrase_at(t, i, phrase))
            return true;
    return false;
}

/* Does any phrase of the NULL-terminated list occur in t? */
static bool has_any(const tokens_t *t, const char *const *list)
{
    for (; *list; list++)
        if (has_phrase(t, *list))
            return true;
    return false;
}

/* Is token i one of the list (single words, '*' for a prefix)? */
static bool token_in(const tokens_t *t, size_t i, const char *const *list)
{
    for (; *list; list++)
        if (!strchr(*list, ' ') && phrase_at(t, i, *list))
            return true;
    return false;
}

/* ---------------------------------------------------------------------------------------- */
/* 2. The model                                                                               */

#define FNV_INIT  0x811c9dc5u
#define FNV_PRIME 0x01000193u

static uint32_t fnv(uint32_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= FNV_PRIME;
    }
    return h;
}

static uint32_t fnv_str(uint32_t h, const char *s)
{
    return fnv(h, s, strlen(s));
}

typedef struct {
    int kind;        /* 0 request, 1 bug */
    uint32_t bucket; /* of "q:r:words" or "q:b:words" */
    tokens_t words;
} cue_t;

struct cs_offline {
    unsigned bits;
    uint32_t mask;
    size_t ngram_min, ngram_max, max_char_word;
    double scale;
    double bias[2], threshold[2];
    int32_t *weights[2]; /* 2^bits each, quantised: weight = q / scale */
    cue_t *cues;
    size_t ncues;
    uint32_t any_cue[2]; /* buckets of "q:r" and "q:b" */
};

typedef struct {
    uint32_t k;
    double v;
} feature_t;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static bool tokens_contain(const tokens_t *t, const tokens_t *phrase)
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

/* The feature vector of a sentence (raw bytes `raw`, its tokens `t`), sorted by bucket:
   value = lexical count / L2 norm of the lexical counts + count of the other features. The
   caller frees *out. -1 when memory runs out. */
static int featurize(const cs_offline_t *m, const char *raw, size_t n, const tokens_t *t,
                     feature_t **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    size_t nlex = 0;
    for (size_t i = 0; i < t->count; i++) {
        nlex += 2;
        if (t->len[i] <= m->max_char_word)
            for (size_t k = m->ngram_min; k <= m->ngram_max; k++)
                if (t->len[i] + 2 >= k)
                    nlex += t->len[i] + 3 - k;
    }
    size_t nother_max = 3 + m->ncues + 2;
    uint32_t *lex = malloc((nlex + 1) * sizeof *lex);
    uint32_t *oth = malloc(nother_max * sizeof *oth);
    feature_t *fv = malloc((nlex + nother_max) * sizeof *fv);
    if (!lex || !oth || !fv) {
        free(lex);
        free(oth);
        free(fv);
        return -1;
    }
    size_t nl = 0, no = 0;
    const char *prev = "<s>";
    size_t prevlen = 3;
    for (size_t i = 0; i < t->count; i++) {
        const char *w = t->tok[i];
        size_t len = t->len[i];
        lex[nl++] = fnv(fnv(FNV_INIT, "w:", 2), w, len) & m->mask;
        lex[nl++] = fnv(fnv(fnv(fnv(FNV_INIT, "b:", 2), prev, prevlen), " ", 1), w, len) & m->mask;
        prev = w;
        prevlen = len;
        if (len <= m->max_char_word) {
            char pad[80];
            pad[0] = ' ';
            memcpy(pad + 1, w, len);
            pad[len + 1] = ' ';
            for (size_t k = m->ngram_min; k <= m->ngram_max; k++)
                for (size_t s = 0; s + k <= len + 2; s++)
                    lex[nl++] = fnv(fnv(FNV_INIT, "g:", 2), pad + s, k) & m->mask;
        }
    }
    if (memchr(raw, '?', n))
        oth[no++] = fnv_str(FNV_INIT, "p:?") & m->mask;
    if (memchr(raw, '!', n))
        oth[no++] = fnv_str(FNV_INIT, "p:!") & m->mask;
    char len_feature[4] = {'n', ':', (char)('0' + (t->count / 4 < 8 ? t->count / 4 : 8)), '\0'};
    oth[no++] = fnv_str(FNV_INIT, len_feature) & m->mask;
    for (int kind = 0; kind < 2; kind++) {
        bool hit = false;
        for (size_t c = 0; c < m->ncues; c++) {
            if (m->cues[c].kind == kind && tokens_contain(t, &m->cues[c].words)) {
                oth[no++] = m->cues[c].bucket;
                hit = true;
            }
        }
        if (hit)
            oth[no++] = m->any_cue[kind];
    }
    qsort(lex, nl, sizeof *lex, cmp_u32);
    qsort(oth, no, sizeof *oth, cmp_u32);
    uint64_t sq = 0;
    for (size_t i = 0; i < nl;) {
        size_t j = i;
        while (j < nl && lex[j] == lex[i])
            j++;
        sq += (uint64_t)(j - i) * (j - i);
        i = j;
    }
    double norm = sqrt((double)sq);
    size_t nf = 0, i = 0, j = 0;
    while (i < nl || j < no) {
        uint32_t k = i < nl && (j >= no || lex[i] <= oth[j]) ? lex[i] : oth[j];
        size_t c = 0, o = 0;
        while (i < nl && lex[i] == k)
            i++, c++;
        while (j < no && oth[j] == k)
            j++, o++;
        fv[nf].k = k;
        fv[nf].v = (c ? (double)c / norm : 0.0) + (double)o;
        nf++;
    }
    free(lex);
    free(oth);
    *out = fv;
    *count = nf;
    return 0;
}

static double sigmoid(double z)
{
    if (z >= 0)
        return 1.0 / (1.0 + exp(-z));
    double e = exp(z);
    return e / (1.0 + e);
}

/* Both probabilities of one sentence with its tokens. Out of memory scores 0. */
static void score_tokens(const cs_offline_t *m, const char *raw, size_t n, const tokens_t *t,
                         double out[2])
{
    feature_t *fv;
    size_t nf;
    out[0] = out[1] = 0.0;
    if (featurize(m, raw, n, t, &fv, &nf) != 0)
        return;
    for (int c = 0; c < 2; c++) {
        double z = m->bias[c];
        for (size_t i = 0; i < nf; i++)
            z += (double)m->weights[c][fv[i].k] / m->scale * fv[i].v;
        out[c] = sigmoid(z);
    }
    free(fv);
}

static double score_text(const cs_offline_t *self, const char *sentence, int which)
{
    if (!sentence)
        sentence = "";
    size_t n = strnlen(sentence, CS_OFFLINE_MAX_TEXT);
    tokens_t t;
    if (tokenize(sentence, n, &t) != 0)
        return 0.0;
    double s[2];
    score_tokens(self, sentence, n, &t, s);
    tokens_free(&t);
    return s[which];
}

double cs_offline_request_score(const cs_offline_t *self, const char *sentence)
{
    return score_text(self, sentence, 0);
}

double cs_offline_bug_score(const cs_offline_t *self, const char *sentence)
{
    return score_text(self, sentence, 1);
}

double cs_offline_request_threshold(const cs_offline_t *self)
{
    return self->threshold[0];
}

double cs_offline_bug_threshold(const cs_offline_t *self)
{
    return self->threshold[1];
}

void cs_offline_destroy(cs_offline_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cs_offline_t *self = *self_p;
    for (size_t i = 0; i < self->ncues; i++)
        tokens_free(&self->cues[i].words);
    free(self->cues);
    free(self->weights[0]);
    free(self->weights[1]);
    free(self);
    *self_p = NULL;
}

/* Parsing the model text: one "key value" per line, '#' comments; see
   extractor/model/train_request_model.py (write_model) for the format. */
typedef struct {
    const char *p, *end;
    size_t lineno;
    char line[MAX_MODEL_LINE];
} reader_t;

/* The next line into r->line (NUL-terminated, without the newline): 1, or 0 at the end,
   or -1 for a line too long. */
static int next_line(reader_t *r)
{
    if (r->p >= r->end)
        return 0;
    const char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
    size_t len = nl ? (size_t)(nl - r->p) : (size_t)(r->end - r->p);
    r->lineno++;
    if (len >= sizeof r->line)
        return -1;
    memcpy(r->line, r->p, len);
    r->line[len] = '\0';
    if (len && r->line[len - 1] == '\r')
        r->line[len - 1] = '\0';
    r->p += len + (nl ? 1 : 0);
    return 1;
}

static int parse_long(const char *s, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int add_cue(cs_offline_t *m, int kind, const char *phrase)
{
    if (m->ncues >= MAX_CUES)
        return -1;
    if (m->ncues % 64 == 0) {
        cue_t *grown = realloc(m->cues, (m->ncues + 64) * sizeof *grown);
        if (!grown)
            return -1;
        m->cues = grown;
    }
    cue_t *c = &m->cues[m->ncues];
    if (tokenize(phrase, strlen(phrase), &c->words) != 0)
        return -1;
    if (c->words.count > MAX_CUE_TOKENS) {
        tokens_free(&c->words);
        return -1;
    }
    c->kind = kind;
    uint32_t h = fnv_str(FNV_INIT, kind ? "q:b:" : "q:r:");
    for (size_t i = 0; i < c->words.count; i++) {
        if (i)
            h = fnv(h, " ", 1);
        h = fnv(h, c->words.tok[i], c->words.len[i]);
    }
    c->bucket = h & 0xffffffffu; /* masked once bucket_bits is known */
    m->ncues++;
    return 0;
}

cs_offline_t *cs_offline_new_from(const char *text, size_t len, char *err, size_t errlen)
{
    cs_offline_t *m = calloc(1, sizeof *m);
    reader_t *r = malloc(sizeof *r);
    if (!m || !r) {
        free(m);
        free(r);
        cs_fail(err, errlen, "out of memory");
        return NULL;
    }
    r->p = text;
    r->end = text + len;
    r->lineno = 0;
    enum { H_FORMAT, H_BITS, H_NGRAMS, H_WORD, H_SCALE, H_RB, H_RT, H_BB, H_BT, H_COUNT };
    bool seen[H_COUNT] = {false};
    bool done = false;
    int rc = 0;
    while (!done && (rc = next_line(r)) > 0) {
        char *line = r->line;
        if (line[0] == '\0' || line[0] == '#')
            continue;
        if (strcmp(line, "end") == 0) {
            done = true;
            break;
        }
        char *value = strchr(line, ' ');
        if (!value)
            goto bad;
        *value++ = '\0';
        long long a, b;
        if (strcmp(line, "callsift-offline-model") == 0) {
            if (parse_long(value, MODEL_FORMAT, MODEL_FORMAT, &a) != 0)
                goto bad;
            seen[H_FORMAT] = true;
        } else if (strcmp(line, "bucket_bits") == 0) {
            if (parse_long(value, 4, 24, &a) != 0)
                goto bad;
            m->bits = (unsigned)a;
            m->mask = (1u << m->bits) - 1;
            seen[H_BITS] = true;
        } else if (strcmp(line, "char_ngrams") == 0) {
            char *second = strchr(value, ' ');
            if (!second)
                goto bad;
            *second++ = '\0';
            if (parse_long(value, 1, 8, &a) != 0 || parse_long(second, a, 8, &b) != 0)
                goto bad;
            m->ngram_min = (size_t)a;
            m->ngram_max = (size_t)b;
            seen[H_NGRAMS] = true;
        } else if (strcmp(line, "max_char_word") == 0) {
            if (parse_long(value, 1, 64, &a) != 0)
                goto bad;
            m->max_char_word = (size_t)a;
            seen[H_WORD] = true;
        } else if (strcmp(line, "weight_scale") == 0) {
            if (parse_long(value, 1, 1000000000, &a) != 0)
                goto bad;
            m->scale = (double)a;
            seen[H_SCALE] = true;
        } else if (strcmp(line, "request_bias") == 0) {
            if (parse_double(value, &m->bias[0]) != 0)
                goto bad;
            seen[H_RB] = true;
        } else if (strcmp(line, "request_threshold") == 0) {
            if (parse_double(value, &m->threshold[0]) != 0 || m->threshold[0] <= 0 ||
                m->threshold[0] >= 1)
                goto bad;
            seen[H_RT] = true;
        } else if (strcmp(line, "bug_bias") == 0) {
            if (parse_double(value, &m->bias[1]) != 0)
                goto bad;
            seen[H_BB] = true;
        } else if (strcmp(line, "bug_threshold") == 0) {
            if (parse_double(value, &m->threshold[1]) != 0 || m->threshold[1] <= 0 ||
                m->threshold[1] >= 1)
                goto bad;
            seen[H_BT] = true;
        } else if (strcmp(line, "cue") == 0) {
            char *phrase = strchr(value, ' ');
            if (!phrase)
                goto bad;
            *phrase++ = '\0';
            int kind = strcmp(value, "request") == 0 ? 0 : strcmp(value, "bug") == 0 ? 1 : -1;
            if (kind < 0 || add_cue(m, kind, phrase) != 0)
                goto bad;
        } else if (strcmp(line, "weights") == 0) {
            for (int h = 0; h < H_COUNT; h++)
                if (!seen[h])
                    goto bad;
            long long count;
            if (parse_long(value, 0, (long long)1 << m->bits, &count) != 0)
                goto bad;
            size_t size = (size_t)1 << m->bits;
            m->weights[0] = calloc(size, sizeof(int32_t));
            m->weights[1] = calloc(size, sizeof(int32_t));
            if (!m->weights[0] || !m->weights[1])
                goto oom;
            long long k = 0;
            for (long long row = 0; row < count; row++) {
                if (next_line(r) != 1)
                    goto bad;
                long long gap, qr, qb;
                char *f2 = strchr(r->line, ' ');
                char *f3 = f2 ? strchr(f2 + 1, ' ') : NULL;
                if (!f3)
                    goto bad;
                *f2++ = '\0';
                *f3++ = '\0';
                if (parse_long(r->line, row == 0 ? 0 : 1, (long long)size, &gap) != 0 ||
                    parse_long(f2, INT32_MIN, INT32_MAX, &qr) != 0 ||
                    parse_long(f3, INT32_MIN, INT32_MAX, &qb) != 0)
                    goto bad;
                k += gap;
                if (k >= (long long)size)
                    goto bad;
                m->weights[0][k] = (int32_t)qr;
                m->weights[1][k] = (int32_t)qb;
            }
        } else {
            goto bad;
        }
    }
    if (!done && rc < 0)
        goto bad;
    if (!done || !m->weights[0]) {
        cs_fail(err, errlen, "offline model: truncated (no weights or no 'end' line)");
        goto fail;
    }
    for (size_t i = 0; i < m->ncues; i++)
        m->cues[i].bucket &= m->mask;
    m->any_cue[0] = fnv_str(FNV_INIT, "q:r") & m->mask;
    m->any_cue[1] = fnv_str(FNV_INIT, "q:b") & m->mask;
    free(r);
    return m;
bad:
    cs_fail(err, errlen, "offline model: malformed line %zu", r->lineno);
    goto fail;
oom:
    cs_fail(err, errlen, "out of memory");
fail:
    free(r);
    cs_offline_destroy(&m);
    return NULL;
}

cs_offline_t *cs_offline_new(char *err, size_t errlen)
{
    return cs_offline_new_from(cs_offline_model_text, cs_offline_model_size, err, errlen);
}

/* ---------------------------------------------------------------------------------------- */
/* 3. Word lists (normalised: lower case, no apostrophes; '*' ends a prefix)                  */

/* clang-format off */
/* Explicit requests: with one of these (and none of EXPLICIT_BUG), a sentence is a request
   even below the model's threshold. The model learnt from forum posts and app reviews; these
   are how customers ask on a sales call. Kept narrow: "we need a way to..." qualifies, "we
   need to talk to legal" must not. */
static const char *const EXPLICIT_REQUEST[] = {
    "need a", "need an", "need some", "need better", "need more", "need the ability",
    "need to be able", "really need", "really want", "want a", "want an", "wants a", "wants an",
    "want to be able", "would want", "wed want", "would love", "wed love", "id love",
    "would like to see", "would like to have", "wed like", "id like to see", "it would be nice",
    "it would be great", "it would be helpful", "it would be useful", "it would be awesome",
    "would be nice to have", "i wish", "we wish", "wish it", "wish there", "please add",
    "please build", "please consider", "please support", "can you add", "could you add",
    "can you build", "could you build", "can you guys add", "feature request", "nice to have",
    "the ability to", "an option to", "should add", "should be able to", "how about adding",
    "roadmap", "any plans to", "do you plan to", "are you planning to", "is it possible to add",
    "is a must", "a must for", "do you integrate", "does it integrate", "can it integrate",
    "do you support", "does it support", "integrate with", "integration with", "looking for a",
    "looking for an", "asking for", "asked for", "need to have", "have to have", "if you could",
    "if it could", "if there was", "if there were", "doesnt have", "does not have", "no way to",
    "there is no way", "theres no way", NULL};

/* Sales-process talk that is no product request, whatever the model says: the customer's own
   next steps, time, money and paperwork. */
static const char *const NOT_REQUEST[] = {
    "^ let me", "^ let us", "^ lets", "^ so let me", "^ so lets", "need a decision", "need a bit",
    "need a minute", "need a moment", "need a second", "need a break", "need a quote",
    "need a proposal", "need a meeting", "need a contract", "need a signature", "need more time",
    "need some time", "need a little", "need approval", "need to check", "need to talk",
    "need to discuss", "need to think", "need to run", "loop in", "send me", "send us", "send over",
    "follow up", "next steps", "budget", "procurement", "legal", "pricing", "discount", "contract",
    "renewal", "invoice", NULL};

/* A request the model found without an explicit phrase still asks for something: it has
   one of these words (or a request cue of the model). */
static const char *const REQUESTISH[] = {
    "would", "could", "should", "can", "need*", "want*", "wish*", "hope*", "like", "love", "please",
    "add*", "allow*", "support*", "option*", "abilit*", "able", "feature*", "integrat*", "missing",
    "lack*", "if", "way", "make", "let", "possible", "plan*", "roadmap", "future", "request*",
    "suggest*", "idea", "instead", "better", "more", NULL};

static const char *const EXPLICIT_BUG[] = {
    "crash*", "bug", "bugs", "buggy", "broken", "doesnt work", "does not work", "not working",
    "stopped working", "throws an error", "error message", "fails to", "keeps failing", "freez*",
    "froze", "hangs", "data loss", "lost data", "wont load", "doesnt load", "cant log in",
    "cannot log in", "cant login", "cannot login", "glitch*", "logs me out", "logs us out",
    "logged out", "times out", "timing out", "out of sync", "doesnt sync", "not syncing",
    "is wrong", "are wrong", "shows the wrong", "show the wrong", "wrong data", "wrong numbers",
    NULL};

/* Words of something going wrong, besides the explicit bug phrases, the negative words of the
   sentiment lexicon and the severity cues: a bug names one of them (or BUG_SURE). */
static const char *const TROUBLE[] = {
    "not", "doesnt", "dont", "didnt", "wont", "isnt", "arent", "wasnt", "no longer", "anymore",
    "missing", "instead", "skip*", "stutter*", "lag*", "slow*", "disappear*", "empty", "blank",
    "weird*", "strange*", "odd", "unexpected*", "incorrect*", "duplicat*", NULL};

/* Probability below which an explicit bug phrase does not make a sentence a bug ("the bug
   we fixed last year"); explicit request phrases need no score. */
#define EXPLICIT_BUG_FLOOR 0.1
/* A bug score from which a sentence is a bug even without a word of trouble in it. */
#define BUG_SURE 0.8

/* Verbs after which a request's object starts ("our managers want | a dashboard..."), when
   they come within the first TITLE_VERB_WITHIN words. */
static const char *const REQUEST_VERBS[] = {
    "need", "needs", "want", "wants", "wish", "add", "adding", NULL};
#define TITLE_VERB_WITHIN 6

static const char *const URGENCY_LOW_FIRST[] = {
    "not urgent", "no rush", "not a priority", "low priority", "not critical", "not a blocker",
    "not a big deal", "no hurry", NULL};
static const char *const URGENCY_CRITICAL[] = {
    "blocker", "blocking", "blocks us", "cant go live", "cannot go live", "deal breaker",
    "dealbreaker", "showstopper", "show stopper", "urgent", "urgently", "asap",
    "as soon as possible", "critical", "immediately", "right away", NULL};
static const char *const URGENCY_HIGH[] = {
    "really need", "must", "top priority", "high priority", "need this", "important", "badly",
    "desperately", "key requirement", "requirement", "crucial", "essential", "absolutely need",
    "definitely need", "a must", NULL};
static const char *const URGENCY_LOW[] = {
    "nice to have", "someday", "some day", "eventually", "at some point", "down the road",
    "in the future", "minor", "not a big", NULL};

static const char *const SEVERITY_CRITICAL[] = {
    "data loss", "lost data", "lose data", "losing data", "lost all", "deleted", "corrupt*",
    "security", "breach", "outage", "production is down", "prod is down", "is down", "cant log in",
    "cannot log in", "cant login", "cannot login", "blocker", "blocking", "urgent", "asap",
    "critical", "nobody can", "no one can", NULL};
static const char *const SEVERITY_HIGH[] = {
    "crash*", "every time", "everytime", "always", "cant", "cannot", "unable", "doesnt work",
    "does not work", "not working", "stopped working", "broken", "fails", "failing", "failed",
    "freez*", "froze", "stuck", "unusable", "hangs", "wont", NULL};
static const char *const SEVERITY_LOW[] = {
    "minor", "cosmetic", "typo", "sometimes", "occasionally", "once in a while", "small",
    "slightly", "a bit", "a little", "rarely", NULL};

static const char *const PAIN[] = {
    "struggl*", "painful", "pain", "waste*", "wasting", "frustrat*", "manually", "manual",
    "tedious", "annoying", "annoyed", "hard to", "difficult", "cumbersome", "takes forever",
    "takes hours", "takes ages", "time consuming", "workaround*", "copy paste", "copy and paste",
    "spreadsheet*", "headache*", "nightmare", "clunky", "confusing", "error prone", "too long",
    "too many clicks", NULL};

static const char *const POSITIVE[] = {
    "great", "awesome", "excellent", "amazing", "fantastic", "perfect", "happy", "glad", "pleased",
    "thanks", "thank", "helpful", "easy", "easier", "lov*", "nice", "good", "best", "impress*",
    "smooth*", "useful", "valuable", "excit*", "enjoy*", "wonderful", "brilliant", "solid",
    "reliable", "intuitive", "recommend*", "appreciat*", "delight*", "terrific", "cool", "super",
    "works well", "saves", NULL};
static const char *const NEGATIVE[] = {
    "frustrat*", "annoy*", "hate*", "terrible", "awful", "horrible", "bad", "worse", "worst",
    "broken", "slow", "painful", "pain", "struggl*", "confus*", "difficult", "hard", "disappoint*",
    "unhappy", "upset", "angry", "crash*", "bug", "bugs", "buggy", "problem*", "issue*", "fail*",
    "useless", "waste*", "wasting", "impossible", "clunky", "expensive", "cancel*", "churn*",
    "complain*", "unreliable", "error*", "wrong", "tedious", "nightmare", "mess", "messy",
    "worried", "worry", "sucks", "poor", "unacceptable", NULL};
static const char *const NEGATORS[] = {
    "not", "no", "never", "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "cant",
    "cannot", "wont", "without", "hardly", "nothing", "nor", NULL};

/* Words a request title does not start with: fillers, pronouns, request phrasing. */
static const char *const REQUEST_LEAD[] = {
    "so", "well", "um", "umm", "uh", "uhh", "er", "erm", "hmm", "yeah", "yes", "yep", "ok", "okay",
    "oh", "and", "but", "also", "plus", "honestly", "basically", "actually", "really", "just",
    "hey", "hi", "look", "listen", "right", "now", "then", "anyway", "anyways", "like", "you",
    "know", "i", "we", "me", "us", "our", "my", "they", "it", "its", "itd", "id", "wed", "weve",
    "ive", "im", "were", "youd", "would", "could", "should", "can", "will", "do", "does", "did",
    "please", "pls", "need", "needs", "needed", "want", "wants", "wanted", "wish", "hope", "hoping",
    "love", "get", "got", "getting", "have", "has", "having", "be", "been", "being", "is", "are",
    "was", "see", "seeing", "to", "a", "an", "the", "some", "any", "kind", "sort", "of", "way",
    "ways", "option", "options", "ability", "able", "possibility", "possible", "feature",
    "features", "request", "there", "theres", "if", "that", "this", "nice", "great", "good",
    "helpful", "useful", "awesome", "cool", "amazing", "ideal", "ideally", "definitely",
    "absolutely", "maybe", "perhaps", "think", "guess", "believe", "mean", "add", "adding",
    "include", "including", "allow", "allowing", "let", "lets", "make", "makes", "something",
    "thing", "things", "one", "more", "another", "other", "too", "very", "much", "what", "how",
    "about", "wondering", "wonder", "curious", "whether", "plans", "plan", "planning", "missing",
    "lack", "lacks", "lacking", "really", "still", NULL};
/* Words a bug title does not start with. */
static const char *const BUG_LEAD[] = {
    "so", "well", "um", "umm", "uh", "uhh", "er", "erm", "hmm", "yeah", "yes", "ok", "okay", "oh",
    "and", "but", "also", "plus", "honestly", "basically", "actually", "really", "just", "hey",
    "hi", "look", "listen", "right", "now", "anyway", "like", "i", "we", "you", "they", "there",
    "theres", "is", "are", "was", "a", "an", "the", "bug", "bugs", "issue", "issues", "problem",
    "problems", "where", "that", "seems", "seem", "noticed", "notice", "found", "think", "see",
    "saw", "weve", "ive", "have", "has", "had", "been", "with", "one", "thing", "another", "other",
    "big", "major", "small", "minor", "annoying", "weird", "strange", "still", NULL};
/* A title stops before these (once it has two words). */
static const char *const TITLE_STOP[] = {
    "because", "since", "so", "but", "cause", "otherwise", "unless", "although", "though", "which",
    "cuz", NULL};
/* Nor does a title end with these. */
static const char *const TITLE_TAIL[] = {
    "a", "an", "the", "to", "of", "for", "with", "and", "or", "in", "on", "at", "by", "from",
    "that", "this", "is", "be", "our", "my", "your", "their", "we", "i", "you", "so", "but", "just",
    "really", "very", "please", "too", "as", "if", "when", "where", "which", "would", "could",
    "should", "can", "will", "like", NULL};

/* Words that say nothing about a theme. */
static const char *const STOPWORDS[] = {
    "a", "about", "above", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as",
    "at", "be", "because", "been", "before", "being", "between", "both", "but", "by", "can",
    "could", "did", "do", "does", "doing", "dont", "down", "during", "each", "even", "every", "few",
    "for", "from", "further", "get", "got", "had", "has", "have", "having", "he", "her", "here",
    "him", "his", "how", "i", "id", "if", "in", "into", "is", "it", "its", "itd", "just", "know",
    "let", "like", "lot", "make", "me", "more", "most", "much", "must", "my", "need", "needs",
    "new", "no", "nor", "not", "now", "of", "off", "on", "once", "one", "only", "or", "other",
    "our", "out", "over", "own", "please", "really", "same", "she", "should", "so", "some", "such",
    "than", "that", "the", "their", "them", "then", "there", "these", "they", "thing", "things",
    "this", "those", "through", "to", "too", "under", "until", "up", "us", "use", "using", "very",
    "want", "was", "way", "we", "wed", "were", "what", "when", "where", "which", "while", "who",
    "why", "will", "wish", "with", "would", "you", "your", "feature", "features", "ability", "able",
    "option", "options", "add", "adding", "support", "supports", "request", "requests", "nice",
    "great", "good", "love", "better", "allow", "allows", "see", "something", "also", "team",
    "teams", "customer", "customers", "user", "users", "people", "time", "work", "works", "working",
    "thanks", "yeah", "ok", "okay", "um", "uh", "well", "right", "think", "maybe", "actually",
    "basically", "honestly", "go", "going", "0", "00", "000", "0000", NULL};

/* Small concept vocabulary: words that name the same area, so that "sync with Salesforce"
   meets a theme described as "integrations with CRM". Each entry is "#tag word word...". */
static const char *const CONCEPTS[] = {
    "#integration integrat* sync* connector* connect* api apis webhook* zapier salesforce "
    "hubspot slack jira zendesk crm crms plugin* plug marketplace outlook gmail",
    "#ai ai ml gpt llm llms machine artificial intelligen* predict* smart summar* "
    "recommend* genai chatbot* copilot assistant*",
    "#reporting report* dashboard* analytic* chart* graph* metric* kpi kpis insight* "
    "visuali* trend*",
    "#data import* export* csv excel migrat* upload* download* bulk backup*",
    "#security sso saml oauth okta secur* permission* role roles rbac access audit* "
    "encrypt* complian* gdpr soc hipaa password* mfa",
    "#performance slow* fast* faster speed* latency perform* lag* load* timeout* scal*",
    "#mobile mobile ios android iphone ipad tablet* phone*",
    "#notification notif* alert* remind* email* digest* push",
    "#ui ui ux interface design* layout* dark navigation usab* intuitive button* screen*",
    "#billing billing invoic* pricing price* payment* subscription* seat seats licens* "
    "cost*",
    "#collaboration collaborat* share* sharing comment* mention* assign* workspace*",
    "#search search* filter* find* query queries sort* tag tags",
    "#workflow workflow* automat* trigger* rule rules schedul* template*",
    "#support ticket* helpdesk sla slas",
    NULL};

/* clang-format on */

/* ---------------------------------------------------------------------------------------- */
/* 4. Extraction                                                                              */

/* Theme matching works on a small set of terms: stems and concept tags. */
typedef struct {
    char **term;
    size_t count, cap;
} terms_t;

static void terms_free(terms_t *t)
{
    for (size_t i = 0; i < t->count; i++)
        free(t->term[i]);
    free(t->term);
    memset(t, 0, sizeof *t);
}

static bool terms_has(const terms_t *t, const char *s)
{
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->term[i], s) == 0)
            return true;
    return false;
}

static int terms_add(terms_t *t, const char *s, size_t n)
{
    for (size_t i = 0; i < t->count; i++)
        if (strlen(t->term[i]) == n && memcmp(t->term[i], s, n) == 0)
            return 0;
    if (t->count == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        char **grown = realloc(t->term, cap * sizeof *grown);
        if (!grown)
            return -1;
        t->term = grown;
        t->cap = cap;
    }
    char *copy = strndup(s, n);
    if (!copy)
        return -1;
    t->term[t->count++] = copy;
    return 0;
}

/* A crude suffix stripper: enough for "integrations" and "integrate" to meet as "integr". */
static size_t stem(const char *w, size_t n)
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

/* The theme terms of a text: stems of its words (stop words left out) and concept tags. */
static int text_terms(const char *text, size_t n, terms_t *out)
{
    tokens_t t;
    if (tokenize(text, n, &t) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < t.count && rc == 0; i++) {
        if (t.len[i] < 2 || token_in(&t, i, STOPWORDS))
            continue;
        rc = terms_add(out, t.tok[i], stem(t.tok[i], t.len[i]));
        for (const char *const *c = CONCEPTS; *c && rc == 0; c++) {
            const char *p = strchr(*c, ' ') + 1;
            while (*p) {
                const char *end = strchr(p, ' ');
                size_t plen = end ? (size_t)(end - p) : strlen(p);
                bool prefix = p[plen - 1] == '*';
                size_t cmp = prefix ? plen - 1 : plen;
                if (prefix ? t.len[i] >= cmp && memcmp(t.tok[i], p, cmp) == 0
                           : t.len[i] == cmp && memcmp(t.tok[i], p, cmp) == 0) {
                    rc = terms_add(out, *c, (size_t)(strchr(*c, ' ') - *c));
                    break;
                }
                p += plen;
                if (*p == ' ')
                    p++;
            }
        }
    }
    tokens_free(&t);
    return rc;
}

typedef struct {
    const char *name; /* borrowed from the themes array */
    terms_t in_name, in_description;
} theme_t;

typedef struct {
    theme_t *theme;
    size_t count;
    const char *fallback; /* the default theme's name */
} themes_t;

static void themes_free(themes_t *th)
{
    for (size_t i = 0; i < th->count; i++) {
        terms_free(&th->theme[i].in_name);
        terms_free(&th->theme[i].in_description);
    }
    free(th->theme);
    memset(th, 0, sizeof *th);
}

static int themes_load(const json_t *themes, themes_t *th)
{
    memset(th, 0, sizeof *th);
    th->fallback = DEFAULT_THEME;
    size_t n = json_is_array(themes) ? json_array_size(themes) : 0;
    if (n == 0)
        return 0;
    th->theme = calloc(n, sizeof *th->theme);
    if (!th->theme)
        return -1;
    bool have_default = false;
    for (size_t i = 0; i < n; i++) {
        const json_t *it = json_array_get(themes, i);
        const char *name = cs_rec_str(it, "name");
        if (!name || !*name)
            continue;
        if (json_is_true(json_object_get(it, "is_default"))) {
            if (!have_default)
                th->fallback = name;
            have_default = true;
            continue;
        }
        theme_t *t = &th->theme[th->count++];
        t->name = name;
        const char *desc = cs_rec_str(it, "description");
        if (text_terms(name, strlen(name), &t->in_name) != 0 ||
            (desc && text_terms(desc, strlen(desc), &t->in_description) != 0))
            return -1;
    }
    return 0;
}

/* The theme whose name and description share the most terms with the text: a term in the
   name counts 2, in the description 1; below 1, the default theme. Ties go to the first. */
static const char *pick_theme(const themes_t *th, const char *text, size_t n)
{
    terms_t terms = {0};
    if (th->count == 0 || text_terms(text, n, &terms) != 0) {
        terms_free(&terms);
        return th->fallback;
    }
    const char *best = th->fallback;
    int best_score = 0;
    for (size_t i = 0; i < th->count; i++) {
        int score = 0;
        for (size_t k = 0; k < terms.count; k++) {
            if (terms_has(&th->theme[i].in_name, terms.term[k]))
                score += 2;
            else if (terms_has(&th->theme[i].in_description, terms.term[k]))
                score += 1;
        }
        if (score > best_score) {
            best_score = score;
            best = th->theme[i].name;
        }
    }
    terms_free(&terms);
    return best;
}

/* One sentence of the transcript. */
typedef struct {
    const char *text; /* the utterance's text, borrowed from the call */
    size_t start, end;
    const char *speaker; /* borrowed; NULL when unknown */
    bool customer;
    tokens_t tok;    /* customer sentences only */
    double score[2]; /* request, bug; customer sentences only */
    int kind;        /* -1 nothing, 0 request, 1 bug */
    bool pain;
} sentence_t;

typedef struct {
    sentence_t *s;
    size_t count, cap;
    bool truncated;
    /* the utterance being split */
    const char *text;
    const char *speaker;
    bool customer;
    bool failed;
} sentences_t;

static void add_sentence(void *ctx, size_t start, size_t end)
{
    sentences_t *all = ctx;
    if (all->failed)
        return;
    if (all->count >= CS_OFFLINE_MAX_SENTENCES) {
        all->truncated = true;
        return;
    }
    if (all->count == all->cap) {
        size_t cap = all->cap ? 2 * all->cap : 64;
        sentence_t *grown = realloc(all->s, cap * sizeof *grown);
        if (!grown) {
            all->failed = true;
            return;
        }
        all->s = grown;
        all->cap = cap;
    }
    all->s[all->count++] = (sentence_t){.text = all->text,
                                        .start = start,
                                        .end = end,
                                        .speaker = all->speaker,
                                        .customer = all->customer,
                                        .kind = -1};
}

static void sentences_free(sentences_t *all)
{
    for (size_t i = 0; i < all->count; i++)
        tokens_free(&all->s[i].tok);
    free(all->s);
    memset(all, 0, sizeof *all);
}

typedef enum { AFF_UNKNOWN, AFF_INTERNAL, AFF_EXTERNAL } affiliation_t;

static affiliation_t affiliation_of(const char *s)
{
    if (s && strcmp(s, "Internal") == 0)
        return AFF_INTERNAL;
    if (s && strcmp(s, "External") == 0)
        return AFF_EXTERNAL;
    return AFF_UNKNOWN;
}

/* The participant with that speaker_id, or NULL. */
static const json_t *participant(const json_t *call, const char *speaker_id)
{
    const json_t *parts = json_object_get(call, "participants");
    if (!speaker_id || !json_is_array(parts))
        return NULL;
    for (size_t i = 0; i < json_array_size(parts); i++) {
        const json_t *p = json_array_get(parts, i);
        const char *id = cs_rec_str(p, "speaker_id");
        if (id && strcmp(id, speaker_id) == 0)
            return p;
    }
    return NULL;
}

/* The utterance's affiliation, from the participants when the utterance has none. */
static affiliation_t resolve_affiliation(const json_t *call, const json_t *utt)
{
    affiliation_t a = affiliation_of(cs_rec_str(utt, "affiliation"));
    if (a == AFF_UNKNOWN)
        a = affiliation_of(
            cs_rec_str(participant(call, cs_rec_str(utt, "speaker_id")), "affiliation"));
    return a;
}

static const char *speaker_of(const json_t *call, const json_t *utt)
{
    const char *name = cs_rec_str(utt, "speaker");
    if (name && *name)
        return name;
    name = cs_rec_str(participant(call, cs_rec_str(utt, "speaker_id")), "name");
    if (name && *name)
        return name;
    name = cs_rec_str(utt, "speaker_id");
    return name && *name ? name : NULL;
}

/* Split every utterance into sentences, marking customer speech (see cs_offline.h). */
static int collect_sentences(const json_t *call, sentences_t *all)
{
    const json_t *transcript = json_object_get(call, "transcript");
    size_t n = json_is_array(transcript) ? json_array_size(transcript) : 0;
    bool any_external = false;
    for (size_t i = 0; i < n; i++)
        if (resolve_affiliation(call, json_array_get(transcript, i)) == AFF_EXTERNAL)
            any_external = true;
    for (size_t i = 0; i < n && !all->failed; i++) {
        const json_t *utt = json_array_get(transcript, i);
        const char *text = cs_rec_str(utt, "text");
        if (!text)
            continue;
        affiliation_t a = resolve_affiliation(call, utt);
        all->text = text;
        all->speaker = speaker_of(call, utt);
        all->customer = a == AFF_EXTERNAL || (a == AFF_UNKNOWN && !any_external);
        split_sentences(text, strlen(text), add_sentence, all);
    }
    if (all->truncated)
        cs_warn("offline extractor: call '%s' has more than %d sentences; the rest is ignored",
                cs_rec_str(call, "external_id") ? cs_rec_str(call, "external_id") : "?",
                CS_OFFLINE_MAX_SENTENCES);
    return all->failed ? -1 : 0;
}

static double logit(double p)
{
    if (p <= 1e-12)
        p = 1e-12;
    if (p >= 1 - 1e-12)
        p = 1 - 1e-12;
    return log(p / (1 - p));
}

/* Score customer sentences and decide: request, bug or nothing. */
static int classify(const cs_offline_t *self, sentences_t *all)
{
    for (size_t i = 0; i < all->count; i++) {
        sentence_t *s = &all->s[i];
        if (!s->customer)
            continue;
        if (tokenize(s->text + s->start, s->end - s->start, &s->tok) != 0)
            return -1;
        score_tokens(self, s->text + s->start, s->end - s->start, &s->tok, s->score);
        s->pain = has_any(&s->tok, PAIN);
        bool explicit_req = has_any(&s->tok, EXPLICIT_REQUEST);
        bool explicit_bug = has_any(&s->tok, EXPLICIT_BUG);
        bool req =
            !has_any(&s->tok, NOT_REQUEST) &&
            ((s->score[0] >= self->threshold[0] && has_any(&s->tok, REQUESTISH)) || explicit_req);
        /* a bug names something going wrong, unless the model is sure */
        bool trouble = explicit_bug || has_any(&s->tok, TROUBLE) || has_any(&s->tok, NEGATIVE) ||
                       has_any(&s->tok, SEVERITY_HIGH) || has_any(&s->tok, SEVERITY_CRITICAL);
        bool bug = (s->score[1] >= self->threshold[1] && (trouble || s->score[1] >= BUG_SURE)) ||
                   (explicit_bug && s->score[1] >= EXPLICIT_BUG_FLOOR);
        if (req && bug) {
            /* explicit words decide; otherwise the model with the larger margin */
            if (explicit_req != explicit_bug)
                bug = !explicit_req;
            else
                bug = logit(s->score[1]) - logit(self->threshold[1]) >
                      logit(s->score[0]) - logit(self->threshold[0]);
            req = !bug;
        }
        s->kind = req ? 0 : bug ? 1 : -1;
    }
    return 0;
}

/* Urgency from cue phrases: an explicit "not urgent" first, then critical, then high or low
   (both or neither: medium). */
static const char *urgency_of(const tokens_t *t)
{
    if (has_any(t, URGENCY_LOW_FIRST))
        return CS_URGENCY_LOW;
    if (has_any(t, URGENCY_CRITICAL))
        return CS_URGENCY_CRITICAL;
    bool high = has_any(t, URGENCY_HIGH), low = has_any(t, URGENCY_LOW);
    if (high && !low)
        return CS_URGENCY_HIGH;
    if (low && !high)
        return CS_URGENCY_LOW;
    return CS_URGENCY_MEDIUM;
}

/* Severity likewise: critical, then high or low (both or neither: medium). */
static const char *severity_of(const tokens_t *t)
{
    if (has_any(t, SEVERITY_CRITICAL))
        return CS_URGENCY_CRITICAL;
    bool high = has_any(t, SEVERITY_HIGH), low = has_any(t, SEVERITY_LOW);
    if (high && !low)
        return CS_URGENCY_HIGH;
    if (low && !high)
        return CS_URGENCY_LOW;
    return CS_URGENCY_MEDIUM;
}

/* A growing string with a hard cap: appends past `cap` bytes are cut (at a UTF-8 boundary). */
typedef struct {
    char *buf;
    size_t len, cap;
} text_t;

static void text_put(text_t *t, const char *s, size_t n)
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

/* The sentence with white space runs made one space and control characters dropped. */
static char *clean_copy(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_space(c)) {
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

/* A word of a sentence: its bytes in the sentence, and its normalised tokens. */
typedef struct {
    const char *p;
    size_t n;
    tokens_t tok;
} word_t;

static bool punct_byte(unsigned char c)
{
    return c < 0x80 && !isalnum(c);
}

/* A short title from a sentence: the words after the leading fillers and phrasing in `lead`,
   up to a clause boundary or MAX_TITLE_WORDS words, without trailing function words and
   outer punctuation, first letter upper-cased. *empty tells whether the sentence was nothing
   but lead ("It'd be nice to have."): the title is then the sentence's beginning. NULL when
   memory runs out. */
static char *make_title(const char *s, size_t n, const char *const *lead, const char *const *verbs,
                        bool *empty)
{
    word_t words[64];
    size_t nw = 0;
    for (size_t i = 0; i < n && nw < CS_ARRAY_LEN(words);) {
        while (i < n && is_space((unsigned char)s[i]))
            i++;
        size_t start = i;
        while (i < n && !is_space((unsigned char)s[i]))
            i++;
        if (i > start) {
            words[nw].p = s + start;
            words[nw].n = i - start;
            if (tokenize(words[nw].p, words[nw].n, &words[nw].tok) != 0) {
                for (size_t k = 0; k < nw; k++)
                    tokens_free(&words[k].tok);
                return NULL;
            }
            nw++;
        }
    }
    /* Start after an early request verb, then skip the lead: words with no letters, or a
       single token in `lead`. */
    size_t first = 0;
    for (size_t i = 0; verbs && i < nw && i < TITLE_VERB_WITHIN; i++)
        if (words[i].tok.count == 1 && token_in(&words[i].tok, 0, verbs)) {
            first = i + 1;
            break;
        }
    while (first < nw && (words[first].tok.count == 0 ||
                          (words[first].tok.count == 1 && token_in(&words[first].tok, 0, lead))))
        first++;
    *empty = first == nw;
    if (*empty)
        first = 0;
    if (nw == 0) { /* nothing but white space: cannot happen for a trimmed sentence */
        *empty = true;
        return strdup("");
    }
    /* Up to a clause boundary or the word limit. */
    size_t last = first; /* one past */
    while (last < nw && last - first < MAX_TITLE_WORDS) {
        const word_t *w = &words[last];
        if (last - first >= 2 && w->tok.count == 1 && token_in(&w->tok, 0, TITLE_STOP))
            break;
        if (last > first && (w->p[0] == '(' || w->p[0] == '-'))
            break;
        last++;
        unsigned char end = (unsigned char)w->p[w->n - 1];
        if (last - first >= 2 && (end == ',' || end == ';' || end == ':'))
            break;
    }
    while (last > first + 1 &&
           (words[last - 1].tok.count == 0 ||
            (words[last - 1].tok.count == 1 && token_in(&words[last - 1].tok, 0, TITLE_TAIL))))
        last--;
    const char *from = words[first].p, *to = words[last - 1].p + words[last - 1].n;
    for (size_t k = 0; k < nw; k++)
        tokens_free(&words[k].tok);
    while (from < to && punct_byte((unsigned char)*from) && *from != '$' && *from != '#' &&
           *from != '@')
        from++;
    while (to > from && punct_byte((unsigned char)to[-1]) && to[-1] != ')' && to[-1] != '%' &&
           to[-1] != '+')
        to--;
    if (to == from) { /* nothing but punctuation: keep the sentence's beginning */
        size_t cut = n < MAX_TITLE_BYTES ? n : MAX_TITLE_BYTES;
        while (cut > 0 && cut < n && ((unsigned char)s[cut] & 0xc0) == 0x80)
            cut--;
        from = s;
        to = s + cut;
    }
    char *clean = clean_copy(from, (size_t)(to - from));
    if (!clean)
        return NULL;
    size_t len = strlen(clean);
    if (len > MAX_TITLE_BYTES) {
        len = MAX_TITLE_BYTES;
        while (len > 0 && ((unsigned char)clean[len] & 0xc0) == 0x80)
            len--;
        clean[len] = '\0';
    }
    if (clean[0] >= 'a' && clean[0] <= 'z')
        clean[0] = (char)(clean[0] - 32);
    return clean;
}

/* The key under which near-duplicate titles meet: stems of the non-stop words. */
static char *title_key(const char *title)
{
    tokens_t t;
    size_t n = strlen(title);
    if (tokenize(title, n, &t) != 0)
        return NULL;
    char *key = malloc(n + 1);
    if (key) {
        size_t o = 0;
        for (size_t i = 0; i < t.count; i++) {
            if (token_in(&t, i, STOPWORDS))
                continue;
            size_t k = stem(t.tok[i], t.len[i]);
            if (o)
                key[o++] = ' ';
            memcpy(key + o, t.tok[i], k);
            o += k;
        }
        key[o] = '\0';
        if (o == 0) /* nothing but stop words: the lower-cased title */
            for (size_t i = 0; i <= n; i++)
                key[i] = (char)tolower((unsigned char)title[i]);
    }
    tokens_free(&t);
    return key;
}

static int urgency_rank(const char *u)
{
    int rank = cs_urgency_rank(u);
    return rank < 0 ? 0 : rank;
}

/* json_object_set_new that reports failure (a NULL value included) as -1. */
static int put(json_t *obj, const char *key, json_t *value)
{
    if (!value)
        return -1;
    return json_object_set_new(obj, key, value);
}

static int append(json_t *arr, json_t *value)
{
    if (!value)
        return -1;
    return json_array_append_new(arr, value);
}

/* Add the request or bug of sentence s, merging it into an earlier item with the same title
   key. keys[] holds the keys of the items so far (owned). A request with nothing but request
   phrasing ("It'd be nice to have.") is no request of its own: when `previous` (the request
   of the sentence just before, in the same utterance, or NULL) exists, its urgency words
   apply to that one; otherwise it is dropped. */
static int add_item(const sentence_t *s, const themes_t *th, json_t *items, char **keys,
                    json_t *previous)
{
    const char *p = s->text + s->start;
    size_t n = s->end - s->start;
    bool empty;
    char *title = s->kind == 0 ? make_title(p, n, REQUEST_LEAD, REQUEST_VERBS, &empty)
                               : make_title(p, n, BUG_LEAD, NULL, &empty);
    char *key = title ? title_key(title) : NULL;
    char *description = clean_copy(p, n);
    int rc = -1;
    if (!title || !key || !description)
        goto done;
    const char *level = s->kind == 0 ? urgency_of(&s->tok) : severity_of(&s->tok);
    const char *field = s->kind == 0 ? "urgency" : "severity";
    if (s->kind == 0 && empty) {
        rc = 0;
        if (previous && strcmp(level, CS_URGENCY_MEDIUM) != 0)
            rc = put(previous, field, json_string(level));
        goto done;
    }
    for (size_t i = 0; i < json_array_size(items); i++) {
        if (strcmp(keys[i], key) != 0)
            continue;
        json_t *old = json_array_get(items, i);
        const char *had = cs_rec_str(old, field);
        rc = 0;
        if (!had || urgency_rank(level) > urgency_rank(had))
            rc = put(old, field, json_string(level));
        goto done;
    }
    if (json_array_size(items) >= CS_OFFLINE_MAX_ITEMS) {
        rc = 0;
        goto done;
    }
    json_t *item = json_object();
    if (!item)
        goto done;
    if (put(item, "title", json_string(title)) != 0 ||
        put(item, "description", json_string(description)) != 0 ||
        put(item, field, json_string(level)) != 0 ||
        (s->kind == 0 && put(item, "theme", json_string(pick_theme(th, p, n))) != 0) ||
        put(item, "quote", json_stringn(p, n)) != 0 ||
        (s->kind == 0 && s->speaker && put(item, "speaker", json_string(s->speaker)) != 0)) {
        json_decref(item);
        goto done;
    }
    keys[json_array_size(items)] = key;
    key = NULL;
    rc = append(items, item);
done:
    free(title);
    free(key);
    free(description);
    return rc;
}

/* Sentiment of the customer's words: lexicon hits, flipped by a negator in the three words
   before; score = (positive - negative) / (hits + 1). */
static json_t *sentiment(const sentences_t *all)
{
    int pos = 0, neg = 0;
    for (size_t i = 0; i < all->count; i++) {
        const sentence_t *s = &all->s[i];
        if (!s->customer)
            continue;
        for (size_t k = 0; k < s->tok.count; k++) {
            int polarity = 0;
            for (const char *const *w = POSITIVE; *w && !polarity; w++)
                if (phrase_at(&s->tok, k, *w))
                    polarity = 1;
            for (const char *const *w = NEGATIVE; *w && !polarity; w++)
                if (phrase_at(&s->tok, k, *w))
                    polarity = -1;
            if (!polarity)
                continue;
            for (size_t b = k >= 3 ? k - 3 : 0; b < k; b++)
                if (token_in(&s->tok, b, NEGATORS)) {
                    polarity = -polarity;
                    break;
                }
            if (polarity > 0)
                pos++;
            else
                neg++;
        }
    }
    double score = (double)(pos - neg) / (double)(pos + neg + 1);
    score = round(score * 100.0) / 100.0;
    const char *overall = "neutral";
    if (score >= 0.25)
        overall = "positive";
    else if (score <= -0.25)
        overall = "negative";
    else if (pos > 0 && neg > 0)
        overall = "mixed";
    return json_pack("{s:s, s:f}", "overall", overall, "score", score);
}

/* Up to MAX_PAIN_POINTS customer sentences with pain words, each cut to MAX_PAIN_BYTES at a
   space, without repeats. */
static json_t *pain_points(const sentences_t *all)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < all->count && json_array_size(arr) < MAX_PAIN_POINTS; i++) {
        const sentence_t *s = &all->s[i];
        if (!s->customer || !s->pain)
            continue;
        char *clean = clean_copy(s->text + s->start, s->end - s->start);
        if (!clean) {
            json_decref(arr);
            return NULL;
        }
        size_t len = strlen(clean);
        if (len > MAX_PAIN_BYTES) { /* cut at a space (else a character) and mark the cut */
            size_t cut = MAX_PAIN_BYTES - 3;
            while (cut > 0 && clean[cut] != ' ')
                cut--;
            if (cut == 0) {
                cut = MAX_PAIN_BYTES - 3;
                while (cut > 0 && ((unsigned char)clean[cut] & 0xc0) == 0x80)
                    cut--;
            }
            memcpy(clean + cut, "...", 4); /* cut + 4 <= len + 1: inside the buffer */
        }
        bool seen = false;
        for (size_t k = 0; k < json_array_size(arr); k++)
            if (strcmp(json_string_value(json_array_get(arr, k)), clean) == 0)
                seen = true;
        int rc = seen ? 0 : append(arr, json_string(clean));
        free(clean);
        if (rc != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* How much a sentence says about the call, for the summary. */
static double salience(const cs_offline_t *self, const sentence_t *s)
{
    if (!s->customer || s->tok.count < 5)
        return 0;
    double r = s->score[0] / self->threshold[0], b = s->score[1] / self->threshold[1];
    double v = r > b ? r : b;
    if (v > 2)
        v = 2;
    if (s->kind >= 0)
        v += 1;
    if (s->pain)
        v += 0.5;
    return v;
}

/* "<title> with <customer>: " and then the 1-3 most salient customer sentences in the order
   they were said, at most MAX_SUMMARY bytes. */
static json_t *summary(const cs_offline_t *self, const json_t *call, const sentences_t *all)
{
    char buf[MAX_SUMMARY + 1];
    text_t out = {buf, 0, MAX_SUMMARY};
    buf[0] = '\0';
    const char *title = cs_rec_str(call, "title");
    const char *customer = cs_rec_str(json_object_get(call, "customer"), "name");
    if (title && *title) {
        char *t = clean_copy(title, strlen(title));
        if (!t)
            return NULL;
        text_put(&out, t, strlen(t));
        free(t);
    } else if (customer && *customer) {
        text_put(&out, "Call", 4);
    }
    if (customer && *customer) {
        text_put(&out, " with ", 6);
        text_put(&out, customer, strlen(customer));
    }
    if (out.len)
        text_put(&out, ": ", 2);
    size_t pick[MAX_SUMMARY_ONE];
    size_t npick = 0;
    for (size_t round_ = 0; round_ < MAX_SUMMARY_ONE; round_++) {
        size_t best = SIZE_MAX;
        double best_v = 0;
        for (size_t i = 0; i < all->count; i++) {
            bool taken = false;
            for (size_t k = 0; k < npick; k++)
                taken |= pick[k] == i;
            double v = taken ? 0 : salience(self, &all->s[i]);
            if (v > best_v) {
                best_v = v;
                best = i;
            }
        }
        if (best == SIZE_MAX)
            break;
        pick[npick++] = best;
    }
    if (npick == 0) {
        text_put(&out, "no customer statements in the transcript.", 41);
        return json_string(out.buf);
    }
    for (size_t a = 0; a < npick; a++) /* into transcript order */
        for (size_t b = a + 1; b < npick; b++)
            if (pick[b] < pick[a]) {
                size_t tmp = pick[a];
                pick[a] = pick[b];
                pick[b] = tmp;
            }
    bool first = true;
    for (size_t k = 0; k < npick; k++) {
        const sentence_t *s = &all->s[pick[k]];
        char *clean = clean_copy(s->text + s->start, s->end - s->start);
        if (!clean)
            return NULL;
        size_t len = strlen(clean), room = out.cap - out.len - (first ? 0 : 1);
        if (len > room) {
            if (!first) { /* a later sentence that does not fit is left out */
                free(clean);
                continue;
            }
            len = room > 3 ? room - 3 : 0;
            while (len > 0 && clean[len] != ' ')
                len--;
            text_put(&out, clean, len);
            text_put(&out, "...", 3);
        } else {
            if (!first)
                text_put(&out, " ", 1);
            text_put(&out, clean, len);
        }
        first = false;
        free(clean);
    }
    return json_string(out.buf);
}

json_t *cs_offline_extract(cs_offline_t *self, const json_t *call, const json_t *themes)
{
    sentences_t all = {0};
    themes_t th;
    json_t *insights = NULL, *requests = NULL, *bugs = NULL;
    json_t *previous = NULL; /* the request of the sentence before, in the same utterance */
    char **req_keys = NULL, **bug_keys = NULL;
    int rc_requests, rc_bugs;
    if (themes_load(themes, &th) != 0 || collect_sentences(call, &all) != 0 ||
        classify(self, &all) != 0)
        goto fail;
    requests = json_array();
    bugs = json_array();
    req_keys = calloc(CS_OFFLINE_MAX_ITEMS, sizeof *req_keys);
    bug_keys = calloc(CS_OFFLINE_MAX_ITEMS, sizeof *bug_keys);
    if (!requests || !bugs || !req_keys || !bug_keys)
        goto fail;
    for (size_t i = 0; i < all.count; i++) {
        const sentence_t *s = &all.s[i];
        if (i > 0 && all.s[i - 1].text != s->text)
            previous = NULL;
        size_t had = json_array_size(requests);
        if (s->kind == 0 && add_item(s, &th, requests, req_keys, previous) != 0)
            goto fail;
        if (s->kind == 1 && add_item(s, &th, bugs, bug_keys, NULL) != 0)
            goto fail;
        if (s->kind != 0)
            previous = NULL;
        else if (json_array_size(requests) > had)
            previous = json_array_get(requests, had);
    }
    insights = json_object();
    if (!insights)
        goto fail;
    /* json_object_set_new takes the reference even when it fails */
    rc_requests = put(insights, "feature_requests", requests);
    requests = NULL;
    rc_bugs = put(insights, "bug_reports", bugs);
    bugs = NULL;
    if (rc_requests != 0 || rc_bugs != 0)
        goto fail;
    if (put(insights, "sentiment", sentiment(&all)) != 0 ||
        put(insights, "pain_points", pain_points(&all)) != 0 ||
        put(insights, "summary", summary(self, call, &all)) != 0)
        goto fail;
    goto done;
fail:
    json_decref(insights);
    insights = NULL;
done:
    json_decref(requests);
    json_decref(bugs);
    for (size_t i = 0; i < CS_OFFLINE_MAX_ITEMS; i++) {
        if (req_keys)
            free(req_keys[i]);
        if (bug_keys)
            free(bug_keys[i]);
    }
    free(req_keys);
    free(bug_keys);
    sentences_free(&all);
    themes_free(&th);
    return insights;
}
