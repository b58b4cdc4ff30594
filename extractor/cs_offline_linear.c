/*  cs_offline_linear: loading the offline model and scoring sentences (see
    cs_offline_linear.h). */
#include "cs_offline_linear.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs_util.h"

#define MODEL_FORMAT   1
#define MAX_MODEL_LINE 4096
#define MAX_CUES       1000
#define MAX_CUE_TOKENS 16

#define FNV_INIT  0x811c9dc5u
#define FNV_PRIME 0x01000193u

static uint32_t s_fnv(uint32_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= FNV_PRIME;
    }
    return h;
}

static uint32_t s_fnv_str(uint32_t h, const char *s)
{
    return s_fnv(h, s, strlen(s));
}

#define NO_CUE UINT32_MAX

typedef struct {
    int kind;        /* 0 request, 1 bug */
    uint32_t bucket; /* of "q:r:words" or "q:b:words" */
    cs_offline_tokens_t words;
    uint32_t next; /* the next cue with the same first word, or NO_CUE */
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
    uint32_t *cue_slot;  /* open addressing by first word: the first cue with it, or NO_CUE */
    size_t cue_mask;     /* slots - 1 */
    uint32_t any_cue[2]; /* buckets of "q:r" and "q:b" */
};

typedef struct {
    uint32_t k;
    double v;
} feature_t;

/* Sort a[0..n) ascending, with tmp (n entries) as scratch: insertion sort for a few, else a
   least-significant-digit radix sort on bytes, skipping a byte that is the same in every
   key (the buckets have bucket_bits <= 24 bits, so the top byte is always skipped). */
static void s_sort_u32(uint32_t *a, uint32_t *tmp, size_t n)
{
    if (n < 32) {
        for (size_t i = 1; i < n; i++) {
            uint32_t v = a[i];
            size_t j = i;
            for (; j > 0 && a[j - 1] > v; j--)
                a[j] = a[j - 1];
            a[j] = v;
        }
        return;
    }
    uint32_t *src = a, *dst = tmp;
    for (unsigned shift = 0; shift < 32; shift += 8) {
        size_t count[256] = {0};
        for (size_t i = 0; i < n; i++)
            count[src[i] >> shift & 0xff]++;
        if (count[src[0] >> shift & 0xff] == n)
            continue;
        size_t sum = 0;
        for (size_t d = 0; d < 256; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[src[i] >> shift & 0xff]++] = src[i];
        uint32_t *swap = src;
        src = dst;
        dst = swap;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
}

/* The slot of the cues whose first word is w[0..n), or the empty slot where they would go. */
static size_t s_cue_slot(const cs_offline_t *m, const char *w, size_t n)
{
    size_t k = s_fnv(FNV_INIT, w, n) & m->cue_mask;
    while (m->cue_slot[k] != NO_CUE) {
        const cs_offline_tokens_t *first = &m->cues[m->cue_slot[k]].words;
        if (first->len[0] == n && memcmp(first->tok[0], w, n) == 0)
            break;
        k = (k + 1) & m->cue_mask;
    }
    return k;
}

/* Do the cue's words occur in t from token i, whole (cs_offline_tokens_contain at i)? */
static bool s_cue_at(const cs_offline_tokens_t *t, size_t i, const cs_offline_tokens_t *cue)
{
    if (cue->count > t->count - i)
        return false;
    for (size_t k = 0; k < cue->count; k++)
        if (t->len[i + k] != cue->len[k] || memcmp(t->tok[i + k], cue->tok[k], cue->len[k]) != 0)
            return false;
    return true;
}

/* Index the cues by their first word, each chain in the order of the model; a cue of no words
   occurs nowhere and is left out. -1 when memory runs out. */
static int s_index_cues(cs_offline_t *m)
{
    size_t slots = 16;
    while (slots < 2 * m->ncues)
        slots *= 2;
    m->cue_slot = malloc(slots * sizeof *m->cue_slot);
    if (!m->cue_slot)
        return -1;
    m->cue_mask = slots - 1;
    for (size_t k = 0; k < slots; k++)
        m->cue_slot[k] = NO_CUE;
    for (size_t c = m->ncues; c-- > 0;) {
        cue_t *cue = &m->cues[c];
        cue->next = NO_CUE;
        if (cue->words.count == 0)
            continue;
        size_t k = s_cue_slot(m, cue->words.tok[0], cue->words.len[0]);
        cue->next = m->cue_slot[k];
        m->cue_slot[k] = (uint32_t)c;
    }
    return 0;
}

/* The feature vector of a sentence (raw bytes `raw`, its tokens `t`), sorted by bucket:
   value = lexical count / L2 norm of the lexical counts + count of the other features. The
   caller frees *out. -1 when memory runs out. */
static int s_featurize(const cs_offline_t *m, const char *raw, size_t n,
                       const cs_offline_tokens_t *t, feature_t **out, size_t *count)
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
    /* lex: the lexical buckets, then as many for the sort's scratch */
    uint32_t *lex = malloc((2 * nlex + nother_max + 1) * sizeof *lex);
    uint32_t *oth = malloc(nother_max * sizeof *oth);
    feature_t *fv = malloc((nlex + nother_max) * sizeof *fv);
    bool *seen = calloc(m->ncues + 1, sizeof *seen); /* cues already found */
    if (!lex || !oth || !fv || !seen) {
        free(lex);
        free(oth);
        free(fv);
        free(seen);
        return -1;
    }
    size_t nl = 0, no = 0;
    const char *prev = "<s>";
    size_t prevlen = 3;
    for (size_t i = 0; i < t->count; i++) {
        const char *w = t->tok[i];
        size_t len = t->len[i];
        lex[nl++] = s_fnv(s_fnv(FNV_INIT, "w:", 2), w, len) & m->mask;
        lex[nl++] =
            s_fnv(s_fnv(s_fnv(s_fnv(FNV_INIT, "b:", 2), prev, prevlen), " ", 1), w, len) & m->mask;
        prev = w;
        prevlen = len;
        if (len <= m->max_char_word) {
            char pad[80];
            pad[0] = ' ';
            memcpy(pad + 1, w, len);
            pad[len + 1] = ' ';
            for (size_t k = m->ngram_min; k <= m->ngram_max; k++)
                for (size_t s = 0; s + k <= len + 2; s++)
                    lex[nl++] = s_fnv(s_fnv(FNV_INIT, "g:", 2), pad + s, k) & m->mask;
        }
    }
    if (memchr(raw, '?', n))
        oth[no++] = s_fnv_str(FNV_INIT, "p:?") & m->mask;
    if (memchr(raw, '!', n))
        oth[no++] = s_fnv_str(FNV_INIT, "p:!") & m->mask;
    char len_feature[4] = {'n', ':', (char)('0' + (t->count / 4 < 8 ? t->count / 4 : 8)), '\0'};
    oth[no++] = s_fnv_str(FNV_INIT, len_feature) & m->mask;
    /* Every cue found in the sentence, once (the order does not matter: oth is sorted). */
    bool hit[2] = {false, false};
    for (size_t i = 0; i < t->count; i++)
        for (uint32_t c = m->cue_slot[s_cue_slot(m, t->tok[i], t->len[i])]; c != NO_CUE;
             c = m->cues[c].next)
            if (!seen[c] && s_cue_at(t, i, &m->cues[c].words)) {
                seen[c] = true;
                oth[no++] = m->cues[c].bucket;
                hit[m->cues[c].kind] = true;
            }
    for (int kind = 0; kind < 2; kind++)
        if (hit[kind])
            oth[no++] = m->any_cue[kind];
    s_sort_u32(lex, lex + nl, nl);
    s_sort_u32(oth, lex + nl, no);
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
    free(seen);
    *out = fv;
    *count = nf;
    return 0;
}

static double s_sigmoid(double z)
{
    if (z >= 0)
        return 1.0 / (1.0 + exp(-z));
    double e = exp(z);
    return e / (1.0 + e);
}

void cs_offline_score_tokens(const cs_offline_t *m, const char *raw, size_t n,
                             const cs_offline_tokens_t *t, double out[2])
{
    feature_t *fv;
    size_t nf;
    out[0] = out[1] = 0.0;
    if (s_featurize(m, raw, n, t, &fv, &nf) != 0)
        return;
    for (int c = 0; c < 2; c++) {
        double z = m->bias[c];
        for (size_t i = 0; i < nf; i++)
            z += (double)m->weights[c][fv[i].k] / m->scale * fv[i].v;
        out[c] = s_sigmoid(z);
    }
    free(fv);
}

static double s_score_text(const cs_offline_t *self, const char *sentence, int which)
{
    if (!sentence)
        sentence = "";
    size_t n = strnlen(sentence, CS_OFFLINE_MAX_TEXT);
    cs_offline_tokens_t t;
    if (cs_offline_tokenize(sentence, n, &t) != 0)
        return 0.0;
    double s[2];
    cs_offline_score_tokens(self, sentence, n, &t, s);
    cs_offline_tokens_free(&t);
    return s[which];
}

double cs_offline_request_score(const cs_offline_t *self, const char *sentence)
{
    return s_score_text(self, sentence, 0);
}

double cs_offline_bug_score(const cs_offline_t *self, const char *sentence)
{
    return s_score_text(self, sentence, 1);
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
        cs_offline_tokens_free(&self->cues[i].words);
    free(self->cues);
    free(self->cue_slot);
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
static int s_next_line(reader_t *r)
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

static int s_parse_long(const char *s, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int s_parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int s_add_cue(cs_offline_t *m, int kind, const char *phrase)
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
    if (cs_offline_tokenize(phrase, strlen(phrase), &c->words) != 0)
        return -1;
    if (c->words.count > MAX_CUE_TOKENS) {
        cs_offline_tokens_free(&c->words);
        return -1;
    }
    c->kind = kind;
    uint32_t h = s_fnv_str(FNV_INIT, kind ? "q:b:" : "q:r:");
    for (size_t i = 0; i < c->words.count; i++) {
        if (i)
            h = s_fnv(h, " ", 1);
        h = s_fnv(h, c->words.tok[i], c->words.len[i]);
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
    while (!done && (rc = s_next_line(r)) > 0) {
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
            if (s_parse_long(value, MODEL_FORMAT, MODEL_FORMAT, &a) != 0)
                goto bad;
            seen[H_FORMAT] = true;
        } else if (strcmp(line, "bucket_bits") == 0) {
            if (s_parse_long(value, 4, 24, &a) != 0)
                goto bad;
            m->bits = (unsigned)a;
            m->mask = (1u << m->bits) - 1;
            seen[H_BITS] = true;
        } else if (strcmp(line, "char_ngrams") == 0) {
            char *second = strchr(value, ' ');
            if (!second)
                goto bad;
            *second++ = '\0';
            if (s_parse_long(value, 1, 8, &a) != 0 || s_parse_long(second, a, 8, &b) != 0)
                goto bad;
            m->ngram_min = (size_t)a;
            m->ngram_max = (size_t)b;
            seen[H_NGRAMS] = true;
        } else if (strcmp(line, "max_char_word") == 0) {
            if (s_parse_long(value, 1, 64, &a) != 0)
                goto bad;
            m->max_char_word = (size_t)a;
            seen[H_WORD] = true;
        } else if (strcmp(line, "weight_scale") == 0) {
            if (s_parse_long(value, 1, 1000000000, &a) != 0)
                goto bad;
            m->scale = (double)a;
            seen[H_SCALE] = true;
        } else if (strcmp(line, "request_bias") == 0) {
            if (s_parse_double(value, &m->bias[0]) != 0)
                goto bad;
            seen[H_RB] = true;
        } else if (strcmp(line, "request_threshold") == 0) {
            if (s_parse_double(value, &m->threshold[0]) != 0 || m->threshold[0] <= 0 ||
                m->threshold[0] >= 1)
                goto bad;
            seen[H_RT] = true;
        } else if (strcmp(line, "bug_bias") == 0) {
            if (s_parse_double(value, &m->bias[1]) != 0)
                goto bad;
            seen[H_BB] = true;
        } else if (strcmp(line, "bug_threshold") == 0) {
            if (s_parse_double(value, &m->threshold[1]) != 0 || m->threshold[1] <= 0 ||
                m->threshold[1] >= 1)
                goto bad;
            seen[H_BT] = true;
        } else if (strcmp(line, "cue") == 0) {
            char *phrase = strchr(value, ' ');
            if (!phrase)
                goto bad;
            *phrase++ = '\0';
            int kind = strcmp(value, "request") == 0 ? 0 : strcmp(value, "bug") == 0 ? 1 : -1;
            if (kind < 0 || s_add_cue(m, kind, phrase) != 0)
                goto bad;
        } else if (strcmp(line, "weights") == 0) {
            for (int h = 0; h < H_COUNT; h++)
                if (!seen[h])
                    goto bad;
            long long count;
            if (s_parse_long(value, 0, (long long)1 << m->bits, &count) != 0)
                goto bad;
            size_t size = (size_t)1 << m->bits;
            m->weights[0] = calloc(size, sizeof(int32_t));
            m->weights[1] = calloc(size, sizeof(int32_t));
            if (!m->weights[0] || !m->weights[1])
                goto oom;
            long long k = 0;
            for (long long row = 0; row < count; row++) {
                if (s_next_line(r) != 1)
                    goto bad;
                long long gap, qr, qb;
                char *f2 = strchr(r->line, ' ');
                char *f3 = f2 ? strchr(f2 + 1, ' ') : NULL;
                if (!f3)
                    goto bad;
                *f2++ = '\0';
                *f3++ = '\0';
                if (s_parse_long(r->line, row == 0 ? 0 : 1, (long long)size, &gap) != 0 ||
                    s_parse_long(f2, INT32_MIN, INT32_MAX, &qr) != 0 ||
                    s_parse_long(f3, INT32_MIN, INT32_MAX, &qb) != 0)
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
    m->any_cue[0] = s_fnv_str(FNV_INIT, "q:r") & m->mask;
    m->any_cue[1] = s_fnv_str(FNV_INIT, "q:b") & m->mask;
    if (s_index_cues(m) != 0)
        goto oom;
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
