/*  callsift-loadgen: synthetic sales calls with ground truth, for load tests and benchmarks.

    callsift-loadgen --calls N --out calls.jsonl --truth truth.json [--requests R] [--customers M]
                     [--themes T] [--zipf S] [--seed X] [--start YYYY-MM-DD] [--private-every K]

    Writes N calls between "Fieldwise", a fictional field-service platform (scheduling, the
    technician app, parts, customer portal...), and its customers, in the replay format that
    `callsift-fetcher --replay` reads (one Gong call per line, as /v2/calls/extensive returns it,
    plus its `transcript`), and truth.json, what a perfect pipeline would find in them.

    The model:
      - The world. T themes (of 10), M customers (name, domain <slug>.example, MRR drawn
        log-normal around $2,500, clipped to $500..$40,000; each with 2-5 contacts), a staff of
        eight (account executives, solutions engineers, success managers), and R canonical
        feature requests built from capabilities x objects (tests/load/loadgen_data.h: "offline
        access to" x "inspection checklists", "Two-way sync with" x "Xero"...), in the themes
        kept, taken round-robin over capabilities so that a small R still spans them all. Each
        request has a key, a title, 3 title variants and its ways of being voiced: 11 phrasings
        the offline extractor's cue phrases know ("We really need ...", "Could you add ...?"),
        7 that ask as clearly in other words ("Is there any way to ...?", "The one thing missing
        for us is ...") and 1-2 of its own, mostly implied ("Our bookkeeper retypes every
        completed job into Xero on Friday afternoons."). About 72% of voicings use the first
        kind, 15% the second, 13% the third.
      - Popularity. Requests get ranks 1..R in a random order; a call voices 0-3 distinct
        requests (25% none, 35% one, 25% two, 15% three), each drawn by rank from a Zipf law of
        exponent S (P(rank k) ~ 1/k^S; S = 0 is uniform). 8% of the calls with a request voice
        one of them a second time, later, in other words ("Like I said earlier, ...").
      - A call. Its customer is drawn with weight sqrt(MRR); its kind (Discovery, Demo,
        Check-in, QBR...) picks the staff member (exactly one Internal party) and the mix of
        filler beats; 1-3 of the customer's contacts are the External parties. Duration:
        log-normal, median 25 minutes, clipped to 10..60; 3-5 turns a minute of 1-3 sentences,
        filler beats (small talk, discovery, demo and the vendor's own pitch, which may name a
        request but is said by the Internal speaker, Q&A about what exists, status, metrics,
        pricing, timeline) up to a budget that keeps a line under 40 KB (long calls get fewer
        turns a minute, and longer pauses). Requests, repeats and bugs (15% of calls: a customer
        describing something broken) are placed at random between the opening and the close;
        after a request the vendor acknowledges it, sometimes asks how urgent it is.
      - Time. Calls are spread over max(20, N/50) business days from --start (Mondays to
        Fridays, 13:00-22:00 UTC), in file order.
      - Every K-th call (--private-every) has metaData.isPrivate true.
    Call n (1-based) has " (load #n)" at the end of its title. Everything is drawn from seeded
    generators (splitmix64): the world from the seed, call n from (seed, n), so call n's
    content does not depend on N (its date does), and the same arguments give the same bytes.

    truth.json, what the calls contain:
      {"generator": {calls, requests, customers, themes, zipf, seed, start, private_every},
       "themes": [{name, description}], "customers": [{name, domain, mrr}],
       "requests": {key: {theme, title, variants: [3], rank}}       (in rank order),
       "calls": {gong id: {n, title, customer, private,
                           requests: [{key, sentence, repeat?}],    (in transcript order)
                           bugs: [{title, sentence}]}}}
    `sentence` is the whole text of one Gong sentence of an External speaker, exactly as in the
    transcript; a request voiced twice is listed once, with the second sentence as `repeat`.
    Private calls are listed like the others, with "private": true (a pipeline that honours
    privacy should find nothing in them). Nothing else in a call is a request or a bug: the
    vendor's pitch, customers' questions about what exists, their reactions and context are
    not (an extractor that reports them is wrong, by this truth).

    Exit status: 0; 1 when a file cannot be written (or memory runs out); 2 on bad arguments. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "loadgen_data.h"

#define PROG "callsift-loadgen"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define MAX_CALLS        1000000
#define MAX_PRIVATE      1000000000LL
#define MAX_TEXT         1024 /* bytes of one expanded sentence or title */
#define MAX_TURNS        1024 /* turns in one call */
#define MAX_SENTENCES    (3 * MAX_TURNS)
#define ARENA_BYTES      (96u << 10)  /* generated sentences of one call */
#define MAX_LINE         (512u << 10) /* one serialised call */
#define FILL_BUDGET      33000        /* filler stops when the transcript estimate passes this */
#define MAX_CONTACTS     5
#define MAX_SPEAKERS     4 /* 1 Internal + up to 3 External */
#define MAX_CALL_SPECIAL 8 /* requests, repeat, bug */

/* ---- randomness: splitmix64 (small, fast, the same on every machine) ------------------- */

typedef struct {
    uint64_t s;
} rng_t;

static uint64_t s_next(rng_t *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0. */
static uint64_t s_below(rng_t *r, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)s_next(r) * n) >> 64);
}

/* Uniform in [lo, hi]. */
static int s_range(rng_t *r, int lo, int hi)
{
    return lo + (int)s_below(r, (uint64_t)(hi - lo + 1));
}

/* Uniform in [0, 1). */
static double s_unit(rng_t *r)
{
    return (double)(s_next(r) >> 11) * 0x1.0p-53;
}

static bool s_chance(rng_t *r, double p)
{
    return s_unit(r) < p;
}

/* Standard normal (Box-Muller, one of the pair). */
static double s_normal(rng_t *r)
{
    double u = 1.0 - s_unit(r), v = s_unit(r);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* Index into a cumulative distribution of n entries (cdf[n - 1] is the total). */
static size_t s_pick_cdf(rng_t *r, const double *cdf, size_t n)
{
    double x = s_unit(r) * cdf[n - 1];
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cdf[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* A decimal id of exactly `digits` digits (<= 19). */
static uint64_t s_id(rng_t *r, int digits)
{
    uint64_t lo = 1;
    for (int i = 1; i < digits; i++)
        lo *= 10;
    uint64_t hi = digits == 19 ? 9223372036854775807u : lo * 10 - 1;
    return lo + s_below(r, hi - lo + 1);
}

/* ---- text ---------------------------------------------------------------------------- */

/* What placeholders are filled with. */
typedef struct {
    const lg_object_t *obj; /* may be NULL */
    const lg_cap_t *cap;    /* may be NULL */
    const char *role;
    const int *num; /* the call's numbers (NUM_*), may be NULL */
} fill_t;

enum {
    NUM_TECH,
    NUM_BRANCH,
    NUM_JOBS,
    NUM_PCT,
    NUM_OFFICE,
    NUM_SITES,
    NUM_N,
    NUM_M,
    NUM_MINS,
    NUM_COUNT
};
static const char *const NUM_NAMES[NUM_COUNT] = {"tech",  "branch", "jobs", "pct", "office",
                                                 "sites", "n",      "m",    "mins"};

typedef struct {
    char *p;
    size_t len, cap;
    bool over;
} text_t;

static void s_text_put(text_t *t, const char *s, size_t n)
{
    if (t->len + n >= t->cap) {
        t->over = true;
        return;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

/* Append `pattern` with its placeholders filled; sets t->over on an unknown or unfillable
   placeholder or when the text does not fit. */
static void s_fill(text_t *t, const char *pattern, const fill_t *f, int depth)
{
    const char *p = pattern;
    while (*p && !t->over) {
        const char *open = strchr(p, '{');
        if (!open) {
            s_text_put(t, p, strlen(p));
            return;
        }
        s_text_put(t, p, (size_t)(open - p));
        const char *close = strchr(open, '}');
        if (!close || depth > 2) {
            t->over = true;
            return;
        }
        char name[16];
        size_t n = (size_t)(close - open - 1);
        if (n >= sizeof name) {
            t->over = true;
            return;
        }
        memcpy(name, open + 1, n);
        name[n] = '\0';
        const char *value = NULL;
        char number[24];
        if (f->obj && strcmp(name, "s") == 0)
            value = f->obj->s;
        else if (f->obj && strcmp(name, "p") == 0)
            value = f->obj->p;
        else if (f->obj && strcmp(name, "a") == 0)
            value = f->obj->a;
        else if (f->obj && strcmp(name, "k") == 0)
            value = f->obj->key;
        else if (f->role && strcmp(name, "role") == 0)
            value = f->role;
        else if (f->cap && (strcmp(name, "np") == 0 || strcmp(name, "vp") == 0)) {
            s_fill(t, name[0] == 'n' ? f->cap->np : f->cap->vp, f, depth + 1);
            p = close + 1;
            continue;
        } else if (f->num) {
            for (int i = 0; i < NUM_COUNT; i++)
                if (strcmp(name, NUM_NAMES[i]) == 0) {
                    snprintf(number, sizeof number, "%d", f->num[i]);
                    value = number;
                }
        }
        if (!value) {
            t->over = true;
            return;
        }
        s_text_put(t, value, strlen(value));
        p = close + 1;
    }
}

/* `pattern` filled into out (MAX_TEXT bytes), first letter upper-cased. -1 when it cannot be
   filled (a data error). */
static int s_expand(char out[MAX_TEXT], const char *pattern, const fill_t *f)
{
    text_t t = {out, 0, MAX_TEXT, false};
    out[0] = '\0';
    s_fill(&t, pattern, f, 0);
    if (t.over)
        return -1;
    if (out[0] >= 'a' && out[0] <= 'z')
        out[0] = (char)(out[0] - 32);
    return 0;
}

/* ---- the world ------------------------------------------------------------------------- */

typedef struct {
    int cap, obj; /* obj -1: none */
    int theme;
    int rank; /* 1 = most popular */
    char key[64];
    char title[MAX_TEXT];
    char variant[3][MAX_TEXT];
} request_t;

typedef struct {
    char name[64];
    char email[128];
    const char *title;
} contact_t;

typedef struct {
    char name[96];
    char short_name[64];
    char domain[64];
    long mrr;
    int ncontacts;
    contact_t contact[MAX_CONTACTS];
} customer_t;

typedef struct {
    long long calls, requests, customers, themes, private_every;
    double zipf;
    uint64_t seed;
    int start_days; /* days since 1970-01-01 */
    const char *start_text;
    const char *out, *truth;
} opts_t;

typedef struct {
    opts_t o;
    request_t *req;   /* o.requests */
    size_t *by_rank;  /* by_rank[k] = index of the request of rank k + 1 */
    double *zipf_cdf; /* over ranks */
    customer_t *cust; /* o.customers */
    double *cust_cdf; /* weight sqrt(mrr) */
    double kind_cdf[ARRAY_LEN(LG_KINDS)];
    char staff_uid[ARRAY_LEN(LG_STAFF)][16];
    char staff_email[ARRAY_LEN(LG_STAFF)][96];
    int business_days;
} world_t;

/* The object index of a key, or -1. */
static int s_object(const char *key, size_t n)
{
    for (size_t i = 0; i < ARRAY_LEN(LG_OBJECTS); i++)
        if (strlen(LG_OBJECTS[i].key) == n && memcmp(LG_OBJECTS[i].key, key, n) == 0)
            return (int)i;
    return -1;
}

/* The i-th object of a capability (its objs list), or -1 when it has fewer; a capability
   without objects has one "object", -1, at i = 0 (*has set false past it). */
static int s_cap_object(const lg_cap_t *cap, int i, bool *has)
{
    *has = false;
    if (!cap->objs) {
        *has = i == 0;
        return -1;
    }
    const char *p = cap->objs;
    for (int k = 0; *p; k++) {
        while (*p == ' ')
            p++;
        const char *end = p;
        while (*end && *end != ' ')
            end++;
        if (end == p)
            break;
        if (k == i) {
            *has = true;
            return s_object(p, (size_t)(end - p));
        }
        p = end;
    }
    return -1;
}

/* How many requests themes 0..themes-1 can give. */
static size_t s_available(int themes)
{
    size_t n = 0;
    for (size_t c = 0; c < ARRAY_LEN(LG_CAPS); c++) {
        if (LG_CAPS[c].theme >= themes)
            continue;
        bool has = true;
        for (int i = 0; has; i++) {
            s_cap_object(&LG_CAPS[c], i, &has);
            n += has;
        }
    }
    return n;
}

/* Does every sentence a request can be voiced with fill, as one sentence? (A data check.) */
static int s_check_request(const request_t *rq)
{
    const lg_cap_t *cap = &LG_CAPS[rq->cap];
    fill_t f = {rq->obj >= 0 ? &LG_OBJECTS[rq->obj] : NULL, cap, LG_ROLES[0], NULL};
    char out[MAX_TEXT];
    for (size_t i = 0; i < ARRAY_LEN(LG_TEMPLATES); i++)
        if (s_expand(out, LG_TEMPLATES[i].text, &f) != 0 || strstr(out, ". ") || strstr(out, "? "))
            return -1;
    for (size_t i = 0; i < 2; i++)
        if ((cap->own[i] && (s_expand(out, cap->own[i], &f) != 0 || strpbrk(out, ".?!"))) ||
            (cap->detail[i] && s_expand(out, cap->detail[i], &f) != 0))
            return -1;
    return 0;
}

/* The R requests: capabilities of the kept themes taken round-robin (themes interleaved),
   one object per capability per round. */
static int s_requests(world_t *w, rng_t *r)
{
    size_t want = (size_t)w->o.requests, n = 0;
    int themes = (int)w->o.themes;
    int pos[ARRAY_LEN(LG_CAPS)], maxpos = 0, seen[ARRAY_LEN(LG_THEMES)] = {0};
    for (size_t c = 0; c < ARRAY_LEN(LG_CAPS); c++) {
        pos[c] = seen[LG_CAPS[c].theme]++;
        if (pos[c] > maxpos)
            maxpos = pos[c];
    }
    for (int round = 0; n < want; round++) {
        size_t before = n;
        for (int p = 0; p <= maxpos && n < want; p++)
            for (int t = 0; t < themes && n < want; t++)
                for (size_t c = 0; c < ARRAY_LEN(LG_CAPS) && n < want; c++) {
                    if (LG_CAPS[c].theme != t || pos[c] != p)
                        continue;
                    bool has;
                    int obj = s_cap_object(&LG_CAPS[c], round, &has);
                    if (!has)
                        continue;
                    request_t *rq = &w->req[n];
                    const lg_cap_t *cap = &LG_CAPS[c];
                    fill_t f = {obj >= 0 ? &LG_OBJECTS[obj] : NULL, cap, NULL, NULL};
                    rq->cap = (int)c;
                    rq->obj = obj;
                    rq->theme = cap->theme;
                    if (cap->objs && obj < 0)
                        return -1;
                    text_t k = {rq->key, 0, sizeof rq->key, false};
                    s_fill(&k, cap->key, &f, 0);
                    if (k.over || s_expand(rq->title, cap->title, &f) != 0)
                        return -1;
                    for (int v = 0; v < 3; v++)
                        if (s_expand(rq->variant[v], cap->variant[v], &f) != 0)
                            return -1;
                    if (s_check_request(rq) != 0)
                        return -1;
                    n++;
                }
        if (n == before)
            return -1; /* ran out: s_available said otherwise */
    }
    /* ranks: a random order */
    for (size_t i = 0; i < n; i++)
        w->by_rank[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)s_below(r, i);
        size_t tmp = w->by_rank[i - 1];
        w->by_rank[i - 1] = w->by_rank[j];
        w->by_rank[j] = tmp;
    }
    double total = 0;
    for (size_t k = 0; k < n; k++) {
        w->req[w->by_rank[k]].rank = (int)k + 1;
        total += pow((double)(k + 1), -w->o.zipf);
        w->zipf_cdf[k] = total;
    }
    return 0;
}

/* Lower-case letters and digits of s, other characters dropped. */
static void s_local_part(char *out, size_t outlen, const char *s)
{
    size_t o = 0;
    for (; *s && o + 1 < outlen; s++) {
        char c = *s;
        if (c >= 'A' && c <= 'Z')
            out[o++] = (char)(c + 32);
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            out[o++] = c;
    }
    out[o] = '\0';
}

/* The customers and their contacts. -1 when memory runs out. */
static int s_customers(world_t *w, rng_t *r)
{
    size_t places = ARRAY_LEN(LG_PLACES), trades = ARRAY_LEN(LG_TRADES);
    size_t pairs = places * trades, m = (size_t)w->o.customers;
    size_t *pick = malloc(pairs * sizeof *pick);
    if (!pick)
        return -1;
    for (size_t i = 0; i < pairs; i++)
        pick[i] = i;
    for (size_t i = 0; i < m; i++) { /* partial Fisher-Yates: the first m of a shuffle */
        size_t j = i + (size_t)s_below(r, pairs - i);
        size_t tmp = pick[i];
        pick[i] = pick[j];
        pick[j] = tmp;
    }
    double total = 0;
    for (size_t i = 0; i < m; i++) {
        customer_t *c = &w->cust[i];
        const char *place = LG_PLACES[pick[i] / trades];
        const lg_trade_t *trade = &LG_TRADES[pick[i] % trades];
        snprintf(c->name, sizeof c->name, "%s %s%s", place, trade->name,
                 LG_SUFFIXES[s_below(r, ARRAY_LEN(LG_SUFFIXES))]);
        char slug[32];
        s_local_part(slug, sizeof slug, place);
        snprintf(c->domain, sizeof c->domain, "%s-%s.example", slug, trade->slug);
        double mrr = 2500.0 * exp(1.0 * s_normal(r));
        mrr = mrr < 500 ? 500 : mrr > 40000 ? 40000 : mrr;
        c->mrr = lround(mrr / 10.0) * 10;
        total += sqrt((double)c->mrr);
        w->cust_cdf[i] = total;
        c->ncontacts = s_range(r, 2, MAX_CONTACTS);
        for (int k = 0; k < c->ncontacts; k++) {
            contact_t *p = &c->contact[k];
            bool dup;
            do {
                const char *first = LG_FIRST[s_below(r, ARRAY_LEN(LG_FIRST))];
                const char *last = LG_LAST[s_below(r, ARRAY_LEN(LG_LAST))];
                snprintf(p->name, sizeof p->name, "%s %s", first, last);
                char a[32], b[32];
                s_local_part(a, sizeof a, first);
                s_local_part(b, sizeof b, last);
                snprintf(p->email, sizeof p->email, "%s.%s@%s", a, b, c->domain);
                dup = false;
                for (int q = 0; q < k; q++)
                    dup = dup || strcmp(c->contact[q].name, p->name) == 0;
            } while (dup);
            p->title = LG_CONTACT_TITLES[s_below(r, ARRAY_LEN(LG_CONTACT_TITLES))];
        }
    }
    /* short names: the place, unless two customers share it */
    for (size_t i = 0; i < m; i++) {
        const char *place = LG_PLACES[pick[i] / trades];
        bool shared = false;
        for (size_t j = 0; j < m; j++)
            shared = shared || (j != i && pick[j] / trades == pick[i] / trades);
        const char *trade = LG_TRADES[pick[i] % trades].name;
        size_t tlen = strcspn(trade, " ");
        if (shared)
            snprintf(w->cust[i].short_name, sizeof w->cust[i].short_name, "%s %.*s", place,
                     (int)tlen, trade);
        else
            snprintf(w->cust[i].short_name, sizeof w->cust[i].short_name, "%s", place);
    }
    free(pick);
    return 0;
}

static int s_world(world_t *w)
{
    rng_t r = {w->o.seed ^ 0x5eedf00dcafe1234u};
    size_t n = (size_t)w->o.requests, m = (size_t)w->o.customers;
    w->req = calloc(n, sizeof *w->req);
    w->by_rank = calloc(n, sizeof *w->by_rank);
    w->zipf_cdf = calloc(n, sizeof *w->zipf_cdf);
    w->cust = calloc(m, sizeof *w->cust);
    w->cust_cdf = calloc(m, sizeof *w->cust_cdf);
    if (!w->req || !w->by_rank || !w->zipf_cdf || !w->cust || !w->cust_cdf) {
        fprintf(stderr, PROG ": out of memory\n");
        return -1;
    }
    if (s_requests(w, &r) != 0) {
        fprintf(stderr, PROG ": internal error: a request template does not fill\n");
        return -1;
    }
    if (s_customers(w, &r) != 0) {
        fprintf(stderr, PROG ": out of memory\n");
        return -1;
    }
    for (size_t i = 0; i < ARRAY_LEN(LG_STAFF); i++) {
        snprintf(w->staff_uid[i], sizeof w->staff_uid[i], "%llu", (unsigned long long)s_id(&r, 15));
        char first[32], last[32];
        const char *sp = strchr(LG_STAFF[i].name, ' ');
        snprintf(first, sizeof first, "%.*s", (int)(sp - LG_STAFF[i].name), LG_STAFF[i].name);
        s_local_part(first, sizeof first, first);
        s_local_part(last, sizeof last, sp + 1);
        snprintf(w->staff_email[i], sizeof w->staff_email[i], "%s.%s@" LG_VENDOR_DOMAIN, first,
                 last);
    }
    double total = 0;
    for (size_t k = 0; k < ARRAY_LEN(LG_KINDS); k++) {
        total += LG_KINDS[k].weight;
        w->kind_cdf[k] = total;
    }
    long long days = (w->o.calls + 49) / 50;
    w->business_days = days < 20 ? 20 : (int)days;
    return 0;
}

static void s_world_free(world_t *w)
{
    free(w->req);
    free(w->by_rank);
    free(w->zipf_cdf);
    free(w->cust);
    free(w->cust_cdf);
}

/* ---- dates ------------------------------------------------------------------------------- */

static int s_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void s_civil_from_days(int z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* "YYYY-MM-DD" (2000..2099) as days since the epoch; -1 when it is no such date. */
static int s_parse_date(const char *s)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
        sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 2000 || y > 2099 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap))
        return -1;
    return s_days_from_civil(y, m, d);
}

/* Monday = 0. */
static int s_weekday(int days)
{
    return (days % 7 + 3 + 7) % 7;
}

/* The epoch seconds call i (0-based) of n is scheduled at. */
static int64_t s_scheduled(const world_t *w, long long i, rng_t *r)
{
    long long n = w->o.calls, days = w->business_days;
    long long day = i * days / n;
    long long first = (day * n + days - 1) / days, next = ((day + 1) * n + days - 1) / days;
    long long count = next - first, j = i - first;
    int start = w->o.start_days;
    while (s_weekday(start) >= 5)
        start++;
    int total = s_weekday(start) + (int)day;
    int date = start - s_weekday(start) + (total / 5) * 7 + total % 5;
    long long minute = 13 * 60 + (count > 0 ? j * 540 / count : 0);
    minute = minute / 5 * 5;
    if (s_chance(r, 0.5))
        minute = minute / 30 * 30;
    return (int64_t)date * 86400 + minute * 60;
}

static void s_iso(int64_t t, char out[64])
{
    int y, m, d;
    int days = (int)(t / 86400), sec = (int)(t % 86400);
    s_civil_from_days(days, &y, &m, &d);
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, sec / 3600, sec / 60 % 60,
             sec % 60);
}

/* ---- one call -------------------------------------------------------------------------- */

typedef struct {
    int speaker; /* 0 the Internal party, 1.. the External ones */
    const char *topic;
    const char *sent[3];
    int n;
} turn_t;

/* Filler pools that should not repeat within a call. */
enum {
    P_GREET,
    P_GREET_REPLY,
    P_SMALLTALK,
    P_AGENDA,
    P_AGENDA_REPLY,
    P_DISCOVERY_Q,
    P_CONTEXT,
    P_DEMO,
    P_PITCH,
    P_PITCH_NP,
    P_REACTION,
    P_QA,
    P_STATUS_Q,
    P_STATUS,
    P_METRICS,
    P_PRICING_V,
    P_PRICING_C,
    P_TIMELINE_Q,
    P_TIMELINE,
    P_NEXT,
    P_BYE,
    P_BYE_REPLY,
    P_LEADIN,
    P_DETAIL,
    P_ACK,
    P_URG_Q,
    P_URG_A,
    P_BUG_LEADIN,
    P_BUG_RESP,
    P_BUG_DETAIL,
    P_COUNT
};

static const size_t POOL_SIZE[P_COUNT] = {
    ARRAY_LEN(LG_GREETINGS),
    ARRAY_LEN(LG_GREETING_REPLIES),
    ARRAY_LEN(LG_SMALLTALK),
    ARRAY_LEN(LG_AGENDA),
    ARRAY_LEN(LG_AGENDA_REPLIES),
    ARRAY_LEN(LG_DISCOVERY_Q),
    ARRAY_LEN(LG_CONTEXT),
    ARRAY_LEN(LG_DEMO),
    ARRAY_LEN(LG_PITCHES),
    ARRAY_LEN(LG_PITCHES_NP),
    ARRAY_LEN(LG_REACTIONS),
    ARRAY_LEN(LG_QA),
    ARRAY_LEN(LG_STATUS_Q),
    ARRAY_LEN(LG_STATUS),
    ARRAY_LEN(LG_METRICS),
    ARRAY_LEN(LG_PRICING_V),
    ARRAY_LEN(LG_PRICING_C),
    ARRAY_LEN(LG_TIMELINE_Q),
    ARRAY_LEN(LG_TIMELINE),
    ARRAY_LEN(LG_NEXT_STEPS),
    ARRAY_LEN(LG_GOODBYES),
    ARRAY_LEN(LG_GOODBYE_REPLIES),
    ARRAY_LEN(LG_REQUEST_LEADINS),
    ARRAY_LEN(LG_REQUEST_DETAILS),
    ARRAY_LEN(LG_ACKS),
    ARRAY_LEN(LG_URGENCY_Q),
    ARRAY_LEN(LG_URGENCY_A),
    ARRAY_LEN(LG_BUG_LEADINS),
    ARRAY_LEN(LG_BUG_RESPONSES),
    ARRAY_LEN(LG_BUG_DETAILS),
};

/* Beats: the body beats of loadgen_data.h, then these. */
enum { B_OPEN = LG_B_COUNT, B_AGENDA, B_CLOSE, B_REQUEST, B_REPEAT, B_BUG };

/* How often a body beat can run in one call before its lines repeat (its pools' sizes over
   the lines it takes); then others pad the call: FALLBACK's weights. */
static const int BEAT_CAPACITY[LG_B_COUNT] = {14, 9, 10, 24, 10, 6, 4, 4, 12};
static const int FALLBACK[LG_B_COUNT] = {3, 2, 1, 4, 2, 0, 0, 0, 1};

/* Turns each beat adds, roughly (for planning a call's length). */
static const double BEAT_TURNS[] = {3.0, 2.0, 2.0, 2.4, 2.5, 2.0, 2.0, 2.0,
                                    3.0, 5.0, 2.0, 4.0, 2.6, 2.0, 2.5};

typedef struct {
    int beat;
    int request; /* B_REQUEST/B_REPEAT: index into the call's requests */
} plan_t;

/* A request voiced in the call. */
typedef struct {
    size_t req;    /* world request index */
    int template;  /* LG_TEMPLATES index, or -1 - own index */
    json_t *truth; /* its truth entry once voiced (borrowed from the call's truth) */
} voiced_t;

typedef struct {
    const world_t *w;
    rng_t r;
    long long n; /* 1-based */
    const customer_t *cust;
    const lg_kind_t *kind;
    int staff;
    int nspeakers; /* External */
    int contact[3];
    char speaker_id[MAX_SPEAKERS][24];
    char party_id[MAX_SPEAKERS][24];
    int num[NUM_COUNT];
    const char *topic;
    turn_t turn[MAX_TURNS];
    int nturns;
    int speech[MAX_SENTENCES], gap[MAX_SENTENCES]; /* ms, per sentence in order */
    size_t estimate;                               /* bytes of transcript JSON so far */
    size_t used;                                   /* bytes of arena */
    uint64_t drawn[P_COUNT];
    voiced_t voiced[3];
    int nvoiced, repeat; /* repeat: index into voiced, or -1 */
    int bug, bug_says;   /* -1: no bug */
    bool failed;
    json_t *truth_requests, *truth_bugs;
    char arena[ARENA_BYTES]; /* generated sentences, then the transcript JSON; keep last */
} call_t;

/* An index of pool p not drawn yet in this call (all drawn: start over). */
static size_t s_draw(call_t *c, int p)
{
    size_t n = POOL_SIZE[p];
    uint64_t all = n >= 64 ? ~0ull : (1ull << n) - 1;
    if ((c->drawn[p] & all) == all)
        c->drawn[p] = 0;
    size_t i = (size_t)s_below(&c->r, n);
    while (c->drawn[p] & (1ull << i))
        i = (i + 1) % n;
    c->drawn[p] |= 1ull << i;
    return i;
}

/* A copy of text in the call's arena (NULL, and c->failed, when full). */
static const char *s_keep(call_t *c, const char *text)
{
    size_t n = strlen(text) + 1;
    if (c->used + n > sizeof c->arena) {
        c->failed = true;
        return NULL;
    }
    char *p = c->arena + c->used;
    memcpy(p, text, n);
    c->used += n;
    return p;
}

/* `pattern` filled with the call's numbers, in the arena. */
static const char *s_filled(call_t *c, const char *pattern, const fill_t *f)
{
    if (!strchr(pattern, '{'))
        return pattern;
    char out[MAX_TEXT];
    if (s_expand(out, pattern, f) != 0) {
        c->failed = true;
        return NULL;
    }
    return s_keep(c, out);
}

/* Speaker `who` says `text` (borrowed for the call's life): appended to the last turn when it
   is the same speaker's, on the same topic, with room; else a new turn. */
static void s_say(call_t *c, int who, const char *text)
{
    if (!text || c->failed)
        return;
    turn_t *t = c->nturns ? &c->turn[c->nturns - 1] : NULL;
    if (!t || t->speaker != who || t->topic != c->topic || t->n == 3) {
        if (c->nturns == MAX_TURNS) {
            c->failed = true;
            return;
        }
        t = &c->turn[c->nturns++];
        t->speaker = who;
        t->topic = c->topic;
        t->n = 0;
        c->estimate += 80;
    }
    t->sent[t->n++] = text;
    c->estimate += strlen(text) + 45;
}

/* One of the customer's speakers: the first one more often. */
static int s_customer(call_t *c)
{
    if (c->nspeakers == 1 || s_chance(&c->r, 0.45))
        return 1;
    return 2 + (int)s_below(&c->r, (uint64_t)(c->nspeakers - 1));
}

/* The vendor asks, a customer answers (the answers are about the customer's side). */
static void s_smalltalk(call_t *c)
{
    const char *const *st = LG_SMALLTALK[s_draw(c, P_SMALLTALK)];
    s_say(c, 0, st[0]);
    s_say(c, s_customer(c), st[1]);
    s_say(c, 0, st[2]);
}

/* The sentence that voices request v with template choice tpl (see voiced_t), with an
   optional prefix: in the arena. */
static const char *s_voice(call_t *c, const voiced_t *v, int tpl, const char *prefix)
{
    const request_t *rq = &c->w->req[v->req];
    const lg_cap_t *cap = &LG_CAPS[rq->cap];
    fill_t f = {rq->obj >= 0 ? &LG_OBJECTS[rq->obj] : NULL, cap,
                LG_ROLES[s_below(&c->r, ARRAY_LEN(LG_ROLES))], NULL};
    char body[MAX_TEXT], out[MAX_TEXT];
    const char *pattern = tpl >= 0 ? LG_TEMPLATES[tpl].text : cap->own[-1 - tpl];
    if (s_expand(body, pattern, &f) != 0) {
        c->failed = true;
        return NULL;
    }
    if (tpl < 0) {
        size_t n = strlen(body);
        if (n + 1 >= sizeof body) {
            c->failed = true;
            return NULL;
        }
        body[n] = '.';
        body[n + 1] = '\0';
    }
    if (prefix) {
        /* "We really need" -> "Honestly, we really need"; "I wish", "API access" stay */
        if (body[0] >= 'A' && body[0] <= 'Z' && body[1] >= 'a' && body[1] <= 'z')
            body[0] = (char)(body[0] + 32);
        if ((size_t)snprintf(out, sizeof out, "%s%s", prefix, body) >= sizeof out) {
            c->failed = true;
            return NULL;
        }
        return s_keep(c, out);
    }
    return s_keep(c, body);
}

/* A way to voice request v: an easy template, another template, or one of its own. */
static int s_pick_template(call_t *c, size_t req, int avoid)
{
    const lg_cap_t *cap = &LG_CAPS[c->w->req[req].cap];
    size_t easy = 0;
    while (easy < ARRAY_LEN(LG_TEMPLATES) && LG_TEMPLATES[easy].easy)
        easy++;
    for (int attempt = 0; attempt < 16; attempt++) {
        double u = s_unit(&c->r);
        int tpl;
        if (u < 0.13 && cap->own[0])
            tpl = cap->own[1] && s_chance(&c->r, 0.5) ? -2 : -1;
        else if (u < 0.85)
            tpl = (int)s_below(&c->r, easy);
        else
            tpl = (int)(easy + s_below(&c->r, ARRAY_LEN(LG_TEMPLATES) - easy));
        if (tpl != avoid)
            return tpl;
    }
    return avoid == 0 ? 1 : 0;
}

static void s_request_beat(call_t *c, int i)
{
    voiced_t *v = &c->voiced[i];
    int who = s_customer(c);
    if (s_chance(&c->r, 0.3))
        s_say(c, who, LG_REQUEST_LEADINS[s_draw(c, P_LEADIN)]);
    const char *prefix = s_chance(&c->r, 0.25)
                             ? LG_REQUEST_PREFIXES[s_below(&c->r, ARRAY_LEN(LG_REQUEST_PREFIXES))]
                             : NULL;
    const char *sentence = s_voice(c, v, v->template, prefix);
    s_say(c, who, sentence);
    if (sentence && s_chance(&c->r, 0.5)) {
        const request_t *rq = &c->w->req[v->req];
        const lg_cap_t *cap = &LG_CAPS[rq->cap];
        fill_t f = {rq->obj >= 0 ? &LG_OBJECTS[rq->obj] : NULL, cap, NULL, NULL};
        int k = cap->detail[1] && s_chance(&c->r, 0.5) ? 1 : 0;
        if (cap->detail[k] && s_chance(&c->r, 0.7))
            s_say(c, who, s_filled(c, cap->detail[k], &f));
        else
            s_say(c, who, LG_REQUEST_DETAILS[s_draw(c, P_DETAIL)]);
    }
    s_say(c, 0, LG_ACKS[s_draw(c, P_ACK)]);
    if (s_chance(&c->r, 0.3)) {
        s_say(c, 0, LG_URGENCY_Q[s_draw(c, P_URG_Q)]);
        s_say(c, who, LG_URGENCY_A[s_draw(c, P_URG_A)]);
    }
    if (!sentence)
        return;
    const request_t *rq = &c->w->req[v->req];
    v->truth = json_pack("{s:s, s:s}", "key", rq->key, "sentence", sentence);
    if (!v->truth || json_array_append_new(c->truth_requests, v->truth) != 0)
        c->failed = true;
}

static void s_repeat_beat(call_t *c, int i)
{
    voiced_t *v = &c->voiced[i];
    int tpl = s_pick_template(c, v->req, v->template);
    const char *sentence =
        s_voice(c, v, tpl, LG_REPEAT_PREFIXES[s_below(&c->r, ARRAY_LEN(LG_REPEAT_PREFIXES))]);
    s_say(c, s_customer(c), sentence);
    s_say(c, 0, LG_BACKCHANNELS[s_below(&c->r, ARRAY_LEN(LG_BACKCHANNELS))]);
    if (sentence && v->truth && json_object_set_new(v->truth, "repeat", json_string(sentence)))
        c->failed = true;
}

static void s_bug_beat(call_t *c)
{
    int who = s_customer(c);
    const lg_bug_t *bug = &LG_BUGS[c->bug];
    if (s_chance(&c->r, 0.6))
        s_say(c, who, LG_BUG_LEADINS[s_draw(c, P_BUG_LEADIN)]);
    const char *sentence = bug->says[c->bug_says];
    s_say(c, who, sentence);
    if (s_chance(&c->r, 0.5))
        s_say(c, who, LG_BUG_DETAILS[s_draw(c, P_BUG_DETAIL)]);
    s_say(c, 0, LG_BUG_RESPONSES[s_draw(c, P_BUG_RESP)]);
    if (s_chance(&c->r, 0.5))
        s_say(c, who, LG_BACKCHANNELS[s_below(&c->r, ARRAY_LEN(LG_BACKCHANNELS))]);
    json_t *b = json_pack("{s:s, s:s}", "title", bug->title, "sentence", sentence);
    if (!b || json_array_append_new(c->truth_bugs, b) != 0)
        c->failed = true;
}

static const char *const TOPICS[] = {
    "Discovery", "Product Demo", "Product Demo", "Q&A",        "Account Update", "Metrics Review",
    "Pricing",   "Timeline",     "Small Talk",   "Small Talk", "Call Setup",     "Next Steps",
};

static void s_beat(call_t *c, const plan_t *p)
{
    if (p->beat < B_REQUEST)
        c->topic = TOPICS[p->beat];
    fill_t nums = {NULL, NULL, NULL, c->num};
    int who = s_customer(c);
    switch (p->beat) {
    case B_OPEN:
        s_say(c, 0, LG_GREETINGS[s_draw(c, P_GREET)]);
        s_say(c, 1, LG_GREETING_REPLIES[s_draw(c, P_GREET_REPLY)]);
        s_smalltalk(c);
        break;
    case B_AGENDA:
        s_say(c, 0, LG_AGENDA[s_draw(c, P_AGENDA)]);
        s_say(c, who, LG_AGENDA_REPLIES[s_draw(c, P_AGENDA_REPLY)]);
        break;
    case LG_B_DISCOVERY:
        s_say(c, 0, LG_DISCOVERY_Q[s_draw(c, P_DISCOVERY_Q)]);
        s_say(c, who, s_filled(c, LG_CONTEXT[s_draw(c, P_CONTEXT)], &nums));
        if (s_chance(&c->r, 0.5))
            s_say(c, who, s_filled(c, LG_CONTEXT[s_draw(c, P_CONTEXT)], &nums));
        s_say(c, 0, LG_BACKCHANNELS[s_below(&c->r, ARRAY_LEN(LG_BACKCHANNELS))]);
        break;
    case LG_B_DEMO:
        for (int i = s_range(&c->r, 2, 3); i > 0; i--)
            s_say(c, 0, LG_DEMO[s_draw(c, P_DEMO)]);
        s_say(c, who,
              s_chance(&c->r, 0.6) ? LG_REACTIONS[s_draw(c, P_REACTION)]
                                   : LG_BACKCHANNELS[s_below(&c->r, ARRAY_LEN(LG_BACKCHANNELS))]);
        break;
    case LG_B_PITCH:
        if (s_chance(&c->r, 0.5)) {
            s_say(c, 0, LG_PITCHES[s_draw(c, P_PITCH)]);
        } else {
            const request_t *rq = &c->w->req[s_below(&c->r, (uint64_t)c->w->o.requests)];
            fill_t f = {rq->obj >= 0 ? &LG_OBJECTS[rq->obj] : NULL, &LG_CAPS[rq->cap], NULL, NULL};
            s_say(c, 0, s_filled(c, LG_PITCHES_NP[s_draw(c, P_PITCH_NP)], &f));
        }
        s_say(c, who, LG_REACTIONS[s_draw(c, P_REACTION)]);
        break;
    case LG_B_QA: {
        const char *const *qa = LG_QA[s_draw(c, P_QA)];
        s_say(c, who, qa[0]);
        s_say(c, 0, qa[1]);
        if (s_chance(&c->r, 0.4))
            s_say(c, who, LG_BACKCHANNELS[s_below(&c->r, ARRAY_LEN(LG_BACKCHANNELS))]);
        break;
    }
    case LG_B_STATUS:
        if (s_chance(&c->r, 0.5))
            s_say(c, 0, LG_STATUS_Q[s_draw(c, P_STATUS_Q)]);
        for (int i = s_range(&c->r, 1, 2); i > 0; i--)
            s_say(c, who, LG_STATUS[s_draw(c, P_STATUS)]);
        s_say(c, 0, LG_BACKCHANNELS[s_below(&c->r, ARRAY_LEN(LG_BACKCHANNELS))]);
        break;
    case LG_B_METRICS:
        for (int i = s_range(&c->r, 1, 2); i > 0; i--)
            s_say(c, 0, s_filled(c, LG_METRICS[s_draw(c, P_METRICS)], &nums));
        s_say(c, who,
              s_chance(&c->r, 0.5) ? LG_REACTIONS[s_draw(c, P_REACTION)]
                                   : LG_BACKCHANNELS[s_below(&c->r, ARRAY_LEN(LG_BACKCHANNELS))]);
        break;
    case LG_B_PRICING:
        for (int i = s_range(&c->r, 1, 2); i > 0; i--)
            s_say(c, 0, LG_PRICING_V[s_draw(c, P_PRICING_V)]);
        s_say(c, who, LG_PRICING_C[s_draw(c, P_PRICING_C)]);
        break;
    case LG_B_TIMELINE:
        s_say(c, 0, LG_TIMELINE_Q[s_draw(c, P_TIMELINE_Q)]);
        s_say(c, who, LG_TIMELINE[s_draw(c, P_TIMELINE)]);
        break;
    case LG_B_SMALLTALK:
        s_smalltalk(c);
        break;
    case B_CLOSE:
        s_say(c, 0, LG_NEXT_STEPS[s_draw(c, P_NEXT)]);
        s_say(c, who, LG_BACKCHANNELS[s_below(&c->r, ARRAY_LEN(LG_BACKCHANNELS))]);
        s_say(c, 0, LG_GOODBYES[s_draw(c, P_BYE)]);
        s_say(c, who, LG_GOODBYE_REPLIES[s_draw(c, P_BYE_REPLY)]);
        break;
    case B_REQUEST:
        s_request_beat(c, p->request);
        break;
    case B_REPEAT:
        s_repeat_beat(c, p->request);
        break;
    case B_BUG:
        s_bug_beat(c);
        break;
    }
}

/* Insert p at index at of plan[0..*n). */
static void s_insert(plan_t *plan, int *n, int at, plan_t p)
{
    memmove(plan + at + 1, plan + at, (size_t)(*n - at) * sizeof *plan);
    plan[at] = p;
    (*n)++;
}

/* Speaking time of a sentence: about 2.6 words a second. */
static int s_speech_ms(rng_t *r, const char *text)
{
    int words = 1;
    for (const char *p = text; *p; p++)
        words += *p == ' ';
    return words * s_range(r, 330, 430) + s_range(r, 250, 700);
}

/* ---- JSON out ------------------------------------------------------------------------- */

typedef struct {
    char *p;
    size_t len, cap;
    bool over;
} buf_t;

static void s_put(buf_t *b, const char *s, size_t n)
{
    if (b->over || b->len + n > b->cap) {
        b->over = true;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void s_puts(buf_t *b, const char *s)
{
    s_put(b, s, strlen(s));
}

static void s_putu(buf_t *b, uint64_t v)
{
    char tmp[24];
    int i = (int)sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    s_put(b, tmp + i, sizeof tmp - (size_t)i);
}

/* s as a JSON string, quoted and escaped. */
static void s_putj(buf_t *b, const char *s)
{
    s_put(b, "\"", 1);
    const char *run = s;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch != '"' && ch != '\\' && ch >= 0x20)
            continue;
        s_put(b, run, (size_t)(s - run));
        char esc[8];
        if (ch == '"' || ch == '\\') {
            esc[0] = '\\';
            esc[1] = (char)ch;
            s_put(b, esc, 2);
        } else {
            snprintf(esc, sizeof esc, "\\u%04x", ch);
            s_put(b, esc, 6);
        }
        run = s + 1;
    }
    s_put(b, run, (size_t)(s - run));
    s_put(b, "\"", 1);
}

/* "key": (the comma is the caller's) */
static void s_key(buf_t *b, const char *key)
{
    s_putj(b, key);
    s_put(b, ":", 1);
}

static void s_party(buf_t *b, const char *id, const char *email, const char *name,
                    const char *title, const char *user_id, const char *speaker_id, bool internal)
{
    s_puts(b, "{\"id\":");
    s_putj(b, id);
    s_puts(b, ",\"emailAddress\":");
    s_putj(b, email);
    s_puts(b, ",\"name\":");
    s_putj(b, name);
    s_puts(b, ",\"title\":");
    s_putj(b, title);
    if (user_id) {
        s_puts(b, ",\"userId\":");
        s_putj(b, user_id);
    }
    s_puts(b, ",\"speakerId\":");
    s_putj(b, speaker_id);
    s_puts(b, internal ? ",\"affiliation\":\"Internal\"" : ",\"affiliation\":\"External\"");
    s_puts(b, ",\"methods\":[\"Invitee\"]}");
}

/* ---- generating one call ----------------------------------------------------------------- */

typedef struct {
    uint64_t *slot; /* open addressing, 0 = empty */
    size_t mask;
} idset_t;

/* Add id; false when it was there already. */
static bool s_idset_add(idset_t *s, uint64_t id)
{
    size_t i = (size_t)(id * 0x9e3779b97f4a7c15u) & s->mask;
    while (s->slot[i]) {
        if (s->slot[i] == id)
            return false;
        i = (i + 1) & s->mask;
    }
    s->slot[i] = id;
    return true;
}

typedef struct {
    long long with_requests, mentions, repeats, bugs, privates;
    size_t largest_line;
} stats_t;

/* Generate call n (1-based) into line (without the newline) and its truth into *truth_out
   (a new reference); *id_out gets its Gong id. -1 on a failure (a data error or memory). */
static int s_call(const world_t *w, long long n, idset_t *ids, call_t *c, buf_t *line,
                  json_t **truth_out, char id_out[24], stats_t *st)
{
    memset(c, 0, offsetof(call_t, arena));
    c->w = w;
    c->n = n;
    c->r.s = w->o.seed * 0x9e3779b97f4a7c15u ^ ((uint64_t)n * 0xd1b54a32d192ed03u);
    s_next(&c->r);
    c->repeat = -1;
    c->bug = -1;
    rng_t *r = &c->r;

    uint64_t id;
    do
        id = s_id(r, s_chance(r, 0.2) ? 18 : 19);
    while (!s_idset_add(ids, id));
    snprintf(id_out, 24, "%llu", (unsigned long long)id);

    c->cust = &w->cust[s_pick_cdf(r, w->cust_cdf, (size_t)w->o.customers)];
    c->kind = &LG_KINDS[s_pick_cdf(r, w->kind_cdf, ARRAY_LEN(LG_KINDS))];
    do
        c->staff = (int)s_below(r, ARRAY_LEN(LG_STAFF));
    while (LG_STAFF[c->staff].role != c->kind->staff_role);
    double u = s_unit(r);
    int want = u < 0.5 ? 1 : u < 0.85 ? 2 : 3;
    c->nspeakers = want < c->cust->ncontacts ? want : c->cust->ncontacts;
    for (int i = 0; i < c->nspeakers; i++) {
        bool dup;
        do {
            c->contact[i] = (int)s_below(r, (uint64_t)c->cust->ncontacts);
            dup = false;
            for (int k = 0; k < i; k++)
                dup = dup || c->contact[k] == c->contact[i];
        } while (dup);
    }
    for (int i = 0; i <= c->nspeakers; i++) {
        snprintf(c->speaker_id[i], sizeof c->speaker_id[i], "%llu",
                 (unsigned long long)s_id(r, 19));
        snprintf(c->party_id[i], sizeof c->party_id[i], "%llu", (unsigned long long)s_id(r, 14));
    }
    static const int lo[NUM_COUNT] = {6, 2, 20, 15, 3, 8, 150, 120, 35};
    static const int hi[NUM_COUNT] = {120, 6, 180, 60, 25, 40, 900, 850, 95};
    for (int i = 0; i < NUM_COUNT; i++)
        c->num[i] = s_range(r, lo[i], hi[i]);
    double minutes = 25.0 * exp(0.42 * s_normal(r)) * c->kind->length;
    minutes = minutes < 10 ? 10 : minutes > 60 ? 60 : minutes;
    int target_s = (int)(minutes * 60) + s_range(r, 0, 59);
    if (target_s > 3600 - 45)
        target_s = 3600 - 45; /* the duration adds up to 40 s after the last word */
    bool is_private = w->o.private_every > 0 && n % w->o.private_every == 0;

    /* what the call voices */
    u = s_unit(r);
    int k = u < 0.25 ? 0 : u < 0.60 ? 1 : u < 0.85 ? 2 : 3;
    if (k > w->o.requests)
        k = (int)w->o.requests;
    for (int i = 0; i < k; i++) {
        size_t req;
        bool dup;
        do {
            req = w->by_rank[s_pick_cdf(r, w->zipf_cdf, (size_t)w->o.requests)];
            dup = false;
            for (int j = 0; j < i; j++)
                dup = dup || c->voiced[j].req == req;
        } while (dup);
        c->voiced[i].req = req;
        c->voiced[i].template = s_pick_template(c, req, INT_MIN);
    }
    c->nvoiced = k;
    if (k > 0 && s_chance(r, 0.08))
        c->repeat = (int)s_below(r, (uint64_t)k);
    if (s_chance(r, 0.15)) {
        c->bug = (int)s_below(r, ARRAY_LEN(LG_BUGS));
        c->bug_says = (int)s_below(r, 2);
    }

    /* the plan: opening, body, close; the special beats at random places in the body */
    plan_t plan[256];
    int np = 0;
    double turns = s_range(r, 30, 50) / 10.0 * target_s / 60.0;
    double planned = BEAT_TURNS[B_OPEN] + BEAT_TURNS[B_AGENDA] + BEAT_TURNS[B_CLOSE] +
                     k * BEAT_TURNS[B_REQUEST] + (c->bug >= 0) * BEAT_TURNS[B_BUG];
    int runs[LG_B_COUNT] = {0};
    runs[LG_B_SMALLTALK] = 1; /* the opening's */
    while (planned < turns && np < 200) {
        double cdf[LG_B_COUNT], total = 0;
        for (int pass = 0; pass < 2 && total == 0; pass++)
            for (int b = 0; b < LG_B_COUNT; b++) {
                int weight = pass ? FALLBACK[b] : c->kind->beats[b];
                total += runs[b] < BEAT_CAPACITY[b] ? weight : 0;
                cdf[b] = total;
            }
        if (total == 0)
            break; /* everything said: longer pauses fill the call */
        int b = (int)s_pick_cdf(r, cdf, LG_B_COUNT);
        runs[b]++;
        plan[np++] = (plan_t){b, 0};
        planned += BEAT_TURNS[b];
    }
    for (int i = 0; i < k; i++)
        s_insert(plan, &np, (int)s_below(r, (uint64_t)np + 1), (plan_t){B_REQUEST, i});
    if (c->bug >= 0)
        s_insert(plan, &np, (int)s_below(r, (uint64_t)np + 1), (plan_t){B_BUG, 0});
    if (c->repeat >= 0) {
        int at = 0;
        while (plan[at].beat != B_REQUEST || plan[at].request != c->repeat)
            at++;
        s_insert(plan, &np, at + 1 + (int)s_below(r, (uint64_t)(np - at)),
                 (plan_t){B_REPEAT, c->repeat});
    }

    /* the conversation */
    c->truth_requests = json_array();
    c->truth_bugs = json_array();
    if (!c->truth_requests || !c->truth_bugs)
        goto fail;
    c->topic = TOPICS[B_OPEN];
    s_beat(c, &(plan_t){B_OPEN, 0});
    s_beat(c, &(plan_t){B_AGENDA, 0});
    for (int i = 0; i < np; i++)
        if (plan[i].beat >= B_REQUEST || c->estimate < FILL_BUDGET)
            s_beat(c, &plan[i]);
    s_beat(c, &(plan_t){B_CLOSE, 0});
    if (c->failed)
        goto fail;

    /* timing: speech, short gaps inside a turn, pauses between turns stretched to fill */
    int ns = 0;
    int64_t natural = 4000;
    double weight[MAX_TURNS], wsum = 0;
    int pause[MAX_TURNS];
    for (int t = 0; t < c->nturns; t++) {
        for (int i = 0; i < c->turn[t].n; i++, ns++) {
            c->speech[ns] = s_speech_ms(r, c->turn[t].sent[i]);
            c->gap[ns] = s_range(r, 150, 900);
            natural += c->speech[ns] + c->gap[ns];
        }
        pause[t] = s_range(r, 300, 2200);
        natural += pause[t];
        double x = s_unit(r);
        weight[t] = x * x;
        wsum += weight[t];
    }
    int64_t extra = (int64_t)target_s * 1000 - natural;
    if (extra > 0 && wsum > 0)
        for (int t = 0; t < c->nturns; t++)
            pause[t] += (int)((double)extra * weight[t] / wsum);

    /* the title */
    char title[512], first[32];
    const char *sp = strchr(LG_STAFF[c->staff].name, ' ');
    snprintf(first, sizeof first, "%.*s", (int)(sp - LG_STAFF[c->staff].name),
             LG_STAFF[c->staff].name);
    snprintf(title, sizeof title, LG_VENDOR " %s | %s <> %s (load #%lld)", c->kind->name,
             c->cust->short_name, first, n);

    /* serialise: transcript first (it sets the duration), then the rest around it */
    buf_t tr = {c->arena + c->used, 0, sizeof c->arena - c->used, false};
    int64_t clock = s_range(r, 2000, 6000);
    ns = 0;
    for (int t = 0; t < c->nturns; t++) {
        s_puts(&tr, t ? ",{\"speakerId\":" : "{\"speakerId\":");
        s_putj(&tr, c->speaker_id[c->turn[t].speaker]);
        s_puts(&tr, ",\"topic\":");
        s_putj(&tr, c->turn[t].topic);
        s_puts(&tr, ",\"sentences\":[");
        for (int i = 0; i < c->turn[t].n; i++, ns++) {
            s_puts(&tr, i ? ",{\"start\":" : "{\"start\":");
            s_putu(&tr, (uint64_t)clock);
            s_puts(&tr, ",\"end\":");
            s_putu(&tr, (uint64_t)(clock + c->speech[ns]));
            s_puts(&tr, ",\"text\":");
            s_putj(&tr, c->turn[t].sent[i]);
            s_puts(&tr, "}");
            clock += c->speech[ns] + c->gap[ns];
        }
        s_puts(&tr, "]}");
        clock += pause[t];
    }
    if (tr.over)
        goto fail;
    int duration = (int)(clock / 1000) + s_range(r, 5, 40);

    rng_t when = {c->r.s ^ 0x77u};
    int64_t scheduled = s_scheduled(w, n - 1, &when);
    int64_t started = scheduled + s_range(&when, 0, 180);
    char sched_iso[64], start_iso[64];
    s_iso(scheduled, sched_iso);
    s_iso(started, start_iso);

    line->len = 0;
    line->over = false;
    s_puts(line, "{\"metaData\":{\"id\":");
    s_putj(line, id_out);
    s_puts(line, ",\"url\":\"https://app.gong.io/call?id=");
    s_puts(line, id_out);
    s_puts(line, "\",");
    s_key(line, "title");
    s_putj(line, title);
    s_puts(line, ",\"scheduled\":");
    s_putj(line, sched_iso);
    s_puts(line, ",\"started\":");
    s_putj(line, start_iso);
    s_puts(line, ",\"duration\":");
    s_putu(line, (uint64_t)duration);
    s_puts(line, ",\"primaryUserId\":");
    s_putj(line, w->staff_uid[c->staff]);
    s_puts(line, s_chance(r, 0.85) ? ",\"direction\":\"Outbound\"" : ",\"direction\":\"Inbound\"");
    s_puts(line, ",\"system\":");
    s_putj(line, LG_SYSTEMS[s_below(r, ARRAY_LEN(LG_SYSTEMS))]);
    s_puts(line, ",\"scope\":\"External\",\"media\":\"Video\",\"language\":\"eng\",\"isPrivate\":");
    s_puts(line, is_private ? "true" : "false");
    s_puts(line, "},\"parties\":[");
    const lg_staff_t *staff = &LG_STAFF[c->staff];
    s_party(line, c->party_id[0], w->staff_email[c->staff], staff->name, staff->title,
            w->staff_uid[c->staff], c->speaker_id[0], true);
    for (int i = 0; i < c->nspeakers; i++) {
        const contact_t *p = &c->cust->contact[c->contact[i]];
        s_puts(line, ",");
        s_party(line, c->party_id[i + 1], p->email, p->name, p->title, NULL, c->speaker_id[i + 1],
                false);
    }
    s_puts(line, "],\"transcript\":{\"callId\":");
    s_putj(line, id_out);
    s_puts(line, ",\"transcript\":[");
    s_put(line, tr.p, tr.len);
    s_puts(line, "]}}");
    if (line->over)
        goto fail;

    json_t *truth = json_pack("{s:I, s:s, s:s, s:b, s:o, s:o}", "n", (json_int_t)n, "title", title,
                              "customer", c->cust->name, "private", is_private, "requests",
                              c->truth_requests, "bugs", c->truth_bugs);
    c->truth_requests = c->truth_bugs = NULL; /* stolen by json_pack, even on failure */
    if (!truth)
        return -1;
    *truth_out = truth;
    st->with_requests += k > 0;
    st->mentions += k;
    st->repeats += c->repeat >= 0;
    st->bugs += c->bug >= 0;
    st->privates += is_private;
    if (line->len > st->largest_line)
        st->largest_line = line->len;
    return 0;
fail:
    json_decref(c->truth_requests);
    json_decref(c->truth_bugs);
    c->truth_requests = c->truth_bugs = NULL;
    return -1;
}

/* ---- truth.json ------------------------------------------------------------------------ */

static json_t *s_truth_world(const world_t *w)
{
    json_t *root = json_object(), *themes = json_array(), *customers = json_array(),
           *requests = json_object();
    if (!root || !themes || !customers || !requests)
        goto fail;
    json_t *gen = json_pack(
        "{s:I, s:I, s:I, s:I, s:f, s:I, s:s, s:I}", "calls", (json_int_t)w->o.calls, "requests",
        (json_int_t)w->o.requests, "customers", (json_int_t)w->o.customers, "themes",
        (json_int_t)w->o.themes, "zipf", w->o.zipf, "seed", (json_int_t)w->o.seed, "start",
        w->o.start_text, "private_every", (json_int_t)w->o.private_every);
    if (json_object_set_new(root, "generator", gen) != 0)
        goto fail;
    for (long long t = 0; t < w->o.themes; t++)
        if (json_array_append_new(themes, json_pack("{s:s, s:s}", "name", LG_THEMES[t].name,
                                                    "description", LG_THEMES[t].description)))
            goto fail;
    for (long long i = 0; i < w->o.customers; i++)
        if (json_array_append_new(customers,
                                  json_pack("{s:s, s:s, s:I}", "name", w->cust[i].name, "domain",
                                            w->cust[i].domain, "mrr", (json_int_t)w->cust[i].mrr)))
            goto fail;
    for (long long k = 0; k < w->o.requests; k++) {
        const request_t *rq = &w->req[w->by_rank[k]];
        json_t *e = json_pack("{s:s, s:s, s:[s,s,s], s:i}", "theme", LG_THEMES[rq->theme].name,
                              "title", rq->title, "variants", rq->variant[0], rq->variant[1],
                              rq->variant[2], "rank", rq->rank);
        if (json_object_set_new(requests, rq->key, e) != 0)
            goto fail;
    }
    json_object_set_new(root, "themes", themes);
    json_object_set_new(root, "customers", customers);
    json_object_set_new(root, "requests", requests);
    return root;
fail:
    json_decref(root);
    json_decref(themes);
    json_decref(customers);
    json_decref(requests);
    return NULL;
}

/* ---- arguments ----------------------------------------------------------------------------- */

static void s_usage(FILE *f)
{
    fprintf(f,
            "usage: " PROG " --calls N --out calls.jsonl --truth truth.json [options]\n"
            "\n"
            "Synthetic sales calls (Gong replay format, as callsift-fetcher --replay reads) with\n"
            "ground truth. The same arguments always give the same bytes.\n"
            "\n"
            "  --calls N           calls to write (1..%d)\n"
            "  --out FILE          the calls, one JSON line each ('-': standard output)\n"
            "  --truth FILE        what the calls contain (one JSON object)\n"
            "  --requests R        canonical feature requests (default 60; at most %zu with\n"
            "                      the default themes, %zu with all %zu)\n"
            "  --customers M       customers (default 40, 1..%zu)\n"
            "  --themes T          themes (default 6, 1..%zu)\n"
            "  --zipf S            popularity exponent: request of rank k drawn with weight\n"
            "                      1/k^S (default 1.1; 0 = uniform; up to 10)\n"
            "  --seed X            random seed (default 1)\n"
            "  --start YYYY-MM-DD  first business day of the calls (default 2025-01-06)\n"
            "  --private-every K   every K-th call is private (default 0: none)\n"
            "  --help              this text\n",
            MAX_CALLS, s_available(6), s_available((int)ARRAY_LEN(LG_THEMES)), ARRAY_LEN(LG_THEMES),
            ARRAY_LEN(LG_PLACES) * ARRAY_LEN(LG_TRADES), ARRAY_LEN(LG_THEMES));
}

/* A one-line usage error about option a (with value b, or NULL): exit status 2. */
static int s_bad(const char *msg, const char *a, const char *b)
{
    if (b)
        fprintf(stderr, PROG ": %s '%s': %s\n", a, b, msg);
    else
        fprintf(stderr, PROG ": %s: %s\n", a, msg);
    return 2;
}

static bool s_int(const char *text, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* 0, 1 for --help, 2 (after a message) on a usage error. */
static int s_args(int argc, char **argv, opts_t *o)
{
    *o = (opts_t){.requests = 60,
                  .customers = 40,
                  .themes = 6,
                  .zipf = 1.1,
                  .seed = 1,
                  .start_text = "2025-01-06"};
    bool have_calls = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return 1;
        static const char *const TAKES[] = {
            "--calls",  "--out",  "--truth", "--requests", "--customers",
            "--themes", "--zipf", "--seed",  "--start",    "--private-every"};
        bool known = false;
        for (size_t k = 0; k < ARRAY_LEN(TAKES); k++)
            known = known || strcmp(a, TAKES[k]) == 0;
        if (!known)
            return s_bad("unknown option (see --help)", a, NULL);
        if (i + 1 >= argc)
            return s_bad("needs a value", a, NULL);
        const char *v = argv[++i];
        long long x;
        if (strcmp(a, "--calls") == 0) {
            if (!s_int(v, 1, MAX_CALLS, &o->calls))
                return s_bad("must be an integer from 1 to 1000000", a, v);
            have_calls = true;
        } else if (strcmp(a, "--out") == 0) {
            o->out = v;
        } else if (strcmp(a, "--truth") == 0) {
            o->truth = v;
        } else if (strcmp(a, "--requests") == 0) {
            if (!s_int(v, 1, 1000000, &o->requests))
                return s_bad("must be a positive integer", a, v);
        } else if (strcmp(a, "--customers") == 0) {
            if (!s_int(v, 1, (long long)(ARRAY_LEN(LG_PLACES) * ARRAY_LEN(LG_TRADES)),
                       &o->customers))
                return s_bad("must be an integer from 1 to 960", a, v);
        } else if (strcmp(a, "--themes") == 0) {
            if (!s_int(v, 1, (long long)ARRAY_LEN(LG_THEMES), &o->themes))
                return s_bad("must be an integer from 1 to 10", a, v);
        } else if (strcmp(a, "--zipf") == 0) {
            char *end;
            errno = 0;
            o->zipf = strtod(v, &end);
            if (errno || end == v || *end || !(o->zipf >= 0 && o->zipf <= 10))
                return s_bad("must be a number from 0 to 10", a, v);
        } else if (strcmp(a, "--seed") == 0) {
            if (!s_int(v, 0, INT64_MAX, &x))
                return s_bad("must be an integer from 0 to 9223372036854775807", a, v);
            o->seed = (uint64_t)x;
        } else if (strcmp(a, "--start") == 0) {
            if (s_parse_date(v) < 0)
                return s_bad("must be a date YYYY-MM-DD from 2000 to 2099", a, v);
            o->start_text = v;
        } else if (strcmp(a, "--private-every") == 0) {
            if (!s_int(v, 0, MAX_PRIVATE, &o->private_every))
                return s_bad("must be an integer from 0 to 1000000000", a, v);
        }
    }
    if (!have_calls || !o->out || !o->truth) {
        fprintf(stderr, PROG ": --calls, --out and --truth are required (see --help)\n");
        return 2;
    }
    if (strcmp(o->truth, "-") == 0 || strcmp(o->out, o->truth) == 0)
        return s_bad("must be a file, not '-' or the --out file", "--truth", o->truth);
    size_t most = s_available((int)o->themes);
    if ((size_t)o->requests > most) {
        fprintf(stderr,
                PROG ": --requests %lld: at most %zu distinct requests with --themes %lld\n",
                o->requests, most, o->themes);
        return 2;
    }
    o->start_days = s_parse_date(o->start_text);
    return 0;
}

/* ---- main ------------------------------------------------------------------------------------ */

static double s_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    world_t w = {0};
    int rc = s_args(argc, argv, &w.o);
    if (rc == 1) {
        s_usage(stdout);
        return 0;
    }
    if (rc != 0)
        return rc;
    double t0 = s_seconds();
    rc = 1;
    json_t *truth = NULL, *calls = NULL;
    call_t *c = malloc(sizeof *c);
    buf_t line = {malloc(MAX_LINE), 0, MAX_LINE - 1, false};
    idset_t ids = {NULL, 0};
    size_t slots = 1024;
    while (slots < 2 * (size_t)w.o.calls)
        slots *= 2;
    ids.slot = calloc(slots, sizeof *ids.slot);
    ids.mask = slots - 1;
    FILE *out = NULL;
    if (!c || !line.p || !ids.slot) {
        fprintf(stderr, PROG ": out of memory\n");
        goto done;
    }
    for (int p = 0; p < P_COUNT; p++)
        if (POOL_SIZE[p] > 64) { /* s_draw's mask */
            fprintf(stderr, PROG ": internal error: filler pool %d has over 64 lines\n", p);
            goto done;
        }
    if (s_world(&w) != 0)
        goto done;
    truth = s_truth_world(&w);
    calls = json_object();
    if (!truth || !calls || json_object_set(truth, "calls", calls) != 0) {
        fprintf(stderr, PROG ": out of memory\n");
        goto done;
    }
    bool to_stdout = strcmp(w.o.out, "-") == 0;
    out = to_stdout ? stdout : fopen(w.o.out, "wb");
    if (!out) {
        fprintf(stderr, PROG ": %s: %s\n", w.o.out, strerror(errno));
        goto done;
    }
    static char obuf[1 << 20];
    setvbuf(out, obuf, _IOFBF, sizeof obuf);
    stats_t st = {0};
    for (long long n = 1; n <= w.o.calls; n++) {
        json_t *ct;
        char id[24];
        if (s_call(&w, n, &ids, c, &line, &ct, id, &st) != 0) {
            fprintf(stderr, PROG ": call %lld: generation failed (out of memory or over a cap)\n",
                    n);
            goto done;
        }
        if (json_object_set_new(calls, id, ct) != 0) {
            fprintf(stderr, PROG ": out of memory\n");
            goto done;
        }
        line.p[line.len++] = '\n';
        if (fwrite(line.p, 1, line.len, out) != line.len) {
            fprintf(stderr, PROG ": %s: %s\n", w.o.out, strerror(errno));
            goto done;
        }
    }
    if (to_stdout ? fflush(out) != 0 : fclose(out) != 0) {
        out = NULL;
        fprintf(stderr, PROG ": %s: %s\n", w.o.out, strerror(errno));
        goto done;
    }
    out = NULL;
    if (json_dump_file(truth, w.o.truth, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) != 0) {
        fprintf(stderr, PROG ": %s: cannot write\n", w.o.truth);
        goto done;
    }
    FILE *tf = fopen(w.o.truth, "ab"); /* json_dump_file ends without a newline */
    if (!tf || fputc('\n', tf) == EOF || fclose(tf) != 0) {
        fprintf(stderr, PROG ": %s: %s\n", w.o.truth, strerror(errno));
        goto done;
    }
    fprintf(stderr,
            PROG ": %lld calls (%lld with requests, %lld request mentions, %lld repeated, %lld "
                 "with a bug, %lld private; largest line %zu bytes) in %.2f s\n",
            w.o.calls, st.with_requests, st.mentions, st.repeats, st.bugs, st.privates,
            st.largest_line, s_seconds() - t0);
    rc = 0;
done:
    if (out && out != stdout)
        fclose(out);
    json_decref(calls);
    json_decref(truth);
    s_world_free(&w);
    free(ids.slot);
    free(line.p);
    free(c);
    return rc;
}
