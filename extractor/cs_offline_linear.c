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

typedef struct {
    int kind;        /* 0 request, 1 bug */
    uint32_t bucket; /* of "q:r:words" or "q:b:words" */
    cs_offline_tokens_t words;
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

static int s_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
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
    for (int kind = 0; kind < 2; kind++) {
        bool hit = false;
        for (size_t c = 0; c < m->ncues; c++) {
            if (m->cues[c].kind == kind && cs_offline_tokens_contain(t, &m->cues[c].words)) {
                oth[no++] = m->cues[c].bucket;
                hit = true;
            }
        }
        if (hit)
            oth[no++] = m->any_cue[kind];
    }
    qsort(lex, nl, sizeof *lex, s_cmp_u32);
    qsort(oth, no, sizeof *oth, s_cmp_u32);
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
