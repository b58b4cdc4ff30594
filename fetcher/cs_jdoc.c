/*  cs_jdoc: see cs_jdoc.h. A recursive-descent parser over the text; the nodes go into one
    array (indexes while parsing, since it may move as it grows), unescaped strings into an
    arena sized to the text up front (an unescaped string is never longer than its source), so
    no pointer into it moves. */
#include "cs_jdoc.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_NODES 1024

struct cs_jdoc {
    cs_jnode_t *nodes;
    size_t n, cap;
    char *arena; /* unescaped strings */
    size_t used, arena_cap;
    const char *p, *end; /* the parse cursor */
    bool ok;             /* the last parse succeeded */
};

cs_jdoc_t *cs_jdoc_new(void)
{
    return calloc(1, sizeof(cs_jdoc_t));
}

void cs_jdoc_destroy(cs_jdoc_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->nodes);
    free((*self_p)->arena);
    free(*self_p);
    *self_p = NULL;
}

/* A new node of `type`; its index in *at. false when out of memory or past UINT32_MAX. */
static bool s_node(cs_jdoc_t *self, cs_jdoc_type_t type, size_t *at)
{
    if (self->n == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : FIRST_NODES;
        if (cap > UINT32_MAX)
            return false;
        cs_jnode_t *grown = realloc(self->nodes, cap * sizeof *grown);
        if (!grown)
            return false;
        self->nodes = grown;
        self->cap = cap;
    }
    *at = self->n++;
    self->nodes[*at] = (cs_jnode_t){.type = (uint8_t)type};
    return true;
}

static void s_skip_space(cs_jdoc_t *self)
{
    while (self->p < self->end &&
           (*self->p == ' ' || *self->p == '\t' || *self->p == '\n' || *self->p == '\r'))
        self->p++;
}

/* The length of the well-formed UTF-8 sequence at p (before end), or 0 (Unicode's table 3-7:
   no overlong forms, no surrogates, nothing past U+10FFFF), as jansson checks it. */
static size_t s_utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else
        return 0;
    if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return n;
}

/* Four hex digits at p into *out. */
static bool s_hex4(const char *p, const char *end, unsigned *out)
{
    if (end - p < 4)
        return false;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return false;
    }
    *out = v;
    return true;
}

/* Code point u (not 0, not a surrogate, at most U+10FFFF) as UTF-8 at out; its length. */
static size_t s_put_utf8(char *out, unsigned u)
{
    if (u < 0x80) {
        out[0] = (char)u;
        return 1;
    }
    if (u < 0x800) {
        out[0] = (char)(0xc0 | (u >> 6));
        out[1] = (char)(0x80 | (u & 0x3f));
        return 2;
    }
    if (u < 0x10000) {
        out[0] = (char)(0xe0 | (u >> 12));
        out[1] = (char)(0x80 | ((u >> 6) & 0x3f));
        out[2] = (char)(0x80 | (u & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (u >> 18));
    out[1] = (char)(0x80 | ((u >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((u >> 6) & 0x3f));
    out[3] = (char)(0x80 | (u & 0x3f));
    return 4;
}

/* One escape after its backslash at p (p < end), unescaped to out; advances *pp past it and
   returns the bytes written, or 0 for an escape left to jansson (or invalid). */
static size_t s_escape(const char **pp, const char *end, char *out)
{
    const char *p = *pp;
    char c = *p++;
    static const char FROM[] = "\"\\/bfnrt", TO[] = "\"\\/\b\f\n\r\t";
    const char *hit = c ? strchr(FROM, c) : NULL;
    if (hit) {
        *out = TO[hit - FROM];
        *pp = p;
        return 1;
    }
    unsigned u, lo;
    if (c != 'u' || !s_hex4(p, end, &u))
        return 0;
    p += 4;
    if (u >= 0xd800 && u <= 0xdbff) { /* a high surrogate needs its low one */
        if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !s_hex4(p + 2, end, &lo) || lo < 0xdc00 ||
            lo > 0xdfff)
            return 0;
        p += 6;
        u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
    } else if ((u >= 0xdc00 && u <= 0xdfff) || u == 0) {
        return 0; /* a lone low surrogate, or NUL: jansson's call */
    }
    *pp = p;
    return s_put_utf8(out, u);
}

/* A string at p (on its opening quote) into node `at`. */
static bool s_string(cs_jdoc_t *self, size_t at)
{
    const char *start = ++self->p, *p = start;
    const char *end = self->end;
    /* the common case first: no escape, so the node points into the text */
    for (;;) {
        if (p >= end)
            return false;
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\')
            break;
        if (c < 0x20)
            return false;
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t n = s_utf8_len((const unsigned char *)p, (const unsigned char *)end);
        if (n == 0)
            return false;
        p += n;
    }
    cs_jnode_t *node = &self->nodes[at];
    if (*p == '"') {
        node->v.s = start;
        node->len = (uint32_t)(p - start);
        self->p = p + 1;
        return true;
    }
    /* escapes: copy into the arena, unescaping */
    char *out = self->arena + self->used, *o = out;
    memcpy(o, start, (size_t)(p - start));
    o += p - start;
    for (;;) {
        if (p >= end)
            return false;
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            break;
        if (c == '\\') {
            if (++p >= end)
                return false;
            size_t n = s_escape(&p, end, o);
            if (n == 0)
                return false;
            o += n;
            continue;
        }
        if (c < 0x20)
            return false;
        size_t n = c < 0x80 ? 1 : s_utf8_len((const unsigned char *)p, (const unsigned char *)end);
        if (n == 0)
            return false;
        memcpy(o, p, n);
        o += n;
        p += n;
    }
    node->v.s = out;
    node->len = (uint32_t)(o - out);
    self->used += (size_t)(o - out);
    self->p = p + 1;
    return true;
}

/* A number at p into node `at`: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, an integer
   when it has neither fraction nor exponent. */
static bool s_number(cs_jdoc_t *self, size_t at)
{
    const char *p = self->p, *end = self->end, *start = p;
    bool neg = p < end && *p == '-';
    if (neg)
        p++;
    if (p >= end || *p < '0' || *p > '9')
        return false;
    const char *digits = p;
    if (*p == '0')
        p++;
    else
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    size_t ndigits = (size_t)(p - digits);
    if (p < end && *p >= '0' && *p <= '9')
        return false; /* a leading zero */
    bool real = false;
    if (p < end && *p == '.') {
        real = true;
        if (++p >= end || *p < '0' || *p > '9')
            return false;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        real = true;
        if (++p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || *p < '0' || *p > '9')
            return false;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    cs_jnode_t *node = &self->nodes[at];
    if (!real) {
        if (ndigits > 18)
            return false; /* might overflow: jansson says */
        long long v = 0;
        for (const char *d = digits; d < p; d++)
            v = v * 10 + (*d - '0');
        node->type = CS_JDOC_INT;
        node->v.i = neg ? -v : v;
    } else {
        char buf[64];
        size_t n = (size_t)(p - start);
        if (n >= sizeof buf)
            return false; /* a long real: left to jansson */
        memcpy(buf, start, n);
        buf[n] = '\0';
        errno = 0;
        double d = strtod(buf, NULL);
        if (!isfinite(d))
            return false; /* overflow: jansson refuses it */
        node->type = CS_JDOC_REAL;
        node->v.d = d;
    }
    self->p = p;
    return true;
}

static bool s_value(cs_jdoc_t *self, int depth);

/* True when the key node `key` repeats one of the keys of the object at `obj` before it. */
static bool s_repeated(const cs_jdoc_t *self, size_t obj, size_t key)
{
    const cs_jnode_t *k = &self->nodes[key];
    for (size_t i = obj + 1; i < key; i = self->nodes[i + 1].end) {
        const cs_jnode_t *o = &self->nodes[i];
        if (o->len == k->len && memcmp(o->v.s, k->v.s, k->len) == 0)
            return true;
    }
    return false;
}

static bool s_literal(cs_jdoc_t *self, const char *word, cs_jdoc_type_t type)
{
    size_t n = strlen(word);
    size_t at;
    if ((size_t)(self->end - self->p) < n || memcmp(self->p, word, n) != 0 ||
        !s_node(self, type, &at))
        return false;
    self->p += n;
    self->nodes[at].end = (uint32_t)self->n;
    return true;
}

static bool s_container(cs_jdoc_t *self, int depth, bool object)
{
    size_t at;
    if (depth >= CS_JDOC_MAX_DEPTH || !s_node(self, object ? CS_JDOC_OBJECT : CS_JDOC_ARRAY, &at))
        return false;
    self->p++;
    s_skip_space(self);
    uint32_t count = 0;
    char close = object ? '}' : ']';
    if (self->p < self->end && *self->p == close) {
        self->p++;
    } else {
        for (;;) {
            if (object) {
                size_t key;
                if (count >= CS_JDOC_MAX_MEMBERS || self->p >= self->end || *self->p != '"' ||
                    !s_node(self, CS_JDOC_STRING, &key) || !s_string(self, key))
                    return false;
                self->nodes[key].end = (uint32_t)self->n;
                if (s_repeated(self, at, key))
                    return false;
                s_skip_space(self);
                if (self->p >= self->end || *self->p != ':')
                    return false;
                self->p++;
                s_skip_space(self);
            }
            if (!s_value(self, depth + 1))
                return false;
            count++;
            s_skip_space(self);
            if (self->p >= self->end)
                return false;
            if (*self->p == close) {
                self->p++;
                break;
            }
            if (*self->p != ',')
                return false;
            self->p++;
            s_skip_space(self);
        }
    }
    self->nodes[at].len = count;
    self->nodes[at].end = (uint32_t)self->n;
    return true;
}

static bool s_value(cs_jdoc_t *self, int depth)
{
    if (self->p >= self->end)
        return false;
    size_t at;
    switch (*self->p) {
    case '{':
        return s_container(self, depth, true);
    case '[':
        return s_container(self, depth, false);
    case '"':
        if (!s_node(self, CS_JDOC_STRING, &at) || !s_string(self, at))
            return false;
        self->nodes[at].end = (uint32_t)self->n;
        return true;
    case 't':
        return s_literal(self, "true", CS_JDOC_TRUE);
    case 'f':
        return s_literal(self, "false", CS_JDOC_FALSE);
    case 'n':
        return s_literal(self, "null", CS_JDOC_NULL);
    default:
        if (!s_node(self, CS_JDOC_NULL, &at) || !s_number(self, at))
            return false;
        self->nodes[at].end = (uint32_t)self->n;
        return true;
    }
}

int cs_jdoc_parse(cs_jdoc_t *self, const char *text, size_t len)
{
    self->n = 0;
    self->used = 0;
    self->ok = false;
    if (len >= UINT32_MAX)
        return -1;
    if (len + 1 > self->arena_cap) {
        char *arena = realloc(self->arena, len + 1);
        if (!arena)
            return -1;
        self->arena = arena;
        self->arena_cap = len + 1;
    }
    self->p = text;
    self->end = text + len;
    s_skip_space(self);
    if (!s_value(self, 0))
        return -1;
    s_skip_space(self);
    if (self->p != self->end)
        return -1;
    self->ok = true;
    return 0;
}

const cs_jnode_t *cs_jdoc_root(const cs_jdoc_t *self)
{
    return self->ok && self->n > 0 ? &self->nodes[0] : NULL;
}

const cs_jnode_t *cs_jdoc_first(const cs_jdoc_t *self, const cs_jnode_t *node)
{
    (void)self;
    return node && (node->type == CS_JDOC_ARRAY || node->type == CS_JDOC_OBJECT) && node->len > 0
               ? node + 1
               : NULL;
}

const cs_jnode_t *cs_jdoc_next(const cs_jdoc_t *self, const cs_jnode_t *node)
{
    return &self->nodes[node->end];
}

bool cs_jdoc_is(const cs_jnode_t *node, const char *s)
{
    size_t n = strlen(s);
    return node && node->type == CS_JDOC_STRING && node->len == n && memcmp(node->v.s, s, n) == 0;
}

const cs_jnode_t *cs_jdoc_get(const cs_jdoc_t *self, const cs_jnode_t *obj, const char *key)
{
    if (!obj || obj->type != CS_JDOC_OBJECT)
        return NULL;
    const cs_jnode_t *k = cs_jdoc_first(self, obj);
    for (uint32_t i = 0; i < obj->len; i++) {
        if (cs_jdoc_is(k, key))
            return k + 1;
        k = cs_jdoc_next(self, k + 1);
    }
    return NULL;
}

json_t *cs_jdoc_to_json(const cs_jdoc_t *self, const cs_jnode_t *node, const char *skip)
{
    switch ((cs_jdoc_type_t)node->type) {
    case CS_JDOC_OBJECT: {
        json_t *obj = json_object();
        const cs_jnode_t *k = cs_jdoc_first(self, node);
        for (uint32_t i = 0; obj && i < node->len; i++) {
            if (!skip || !cs_jdoc_is(k, skip)) {
                json_t *v = cs_jdoc_to_json(self, k + 1, NULL);
                if (!v || json_object_setn_new_nocheck(obj, k->v.s, k->len, v) != 0) {
                    json_decref(obj);
                    return NULL;
                }
            }
            k = cs_jdoc_next(self, k + 1);
        }
        return obj;
    }
    case CS_JDOC_ARRAY: {
        json_t *arr = json_array();
        const cs_jnode_t *item = cs_jdoc_first(self, node);
        for (uint32_t i = 0; arr && i < node->len; i++) {
            if (json_array_append_new(arr, cs_jdoc_to_json(self, item, NULL)) != 0) {
                json_decref(arr);
                return NULL;
            }
            item = cs_jdoc_next(self, item);
        }
        return arr;
    }
    case CS_JDOC_STRING:
        return json_stringn_nocheck(node->v.s, node->len);
    case CS_JDOC_INT:
        return json_integer(node->v.i);
    case CS_JDOC_REAL:
        return json_real(node->v.d);
    case CS_JDOC_TRUE:
        return json_true();
    case CS_JDOC_FALSE:
        return json_false();
    default:
        return json_null();
    }
}
