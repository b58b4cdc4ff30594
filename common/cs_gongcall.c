/*  cs_gongcall: a Gong call and its transcript become one `call` record.

    Everything read from Gong is treated as untrusted: a field of the wrong type is left out
    rather than trusted, strings are cut at UTF-8 boundaries to the caps below, and only three
    things are fatal for a call: no id, no usable start time, and a transcript that belongs to
    another call. The record is validated before it is returned, so a caller never sends one
    the other stages would reject.

    The customer comes from Gong's CRM context ("Extended" context): context[].objects[] with an
    objectType and fields [{name, value}]. The first Account that names anything (the call's
    own context first, then the context of parties that are not Internal) is the customer; the
    call's Opportunities fill in what it leaves out (an Opportunity often carries the revenue
    fields), and name the customer when there is no Account at all. */
#include "cs_gongcall.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cs_record.h"
#include "cs_text.h"
#include "cs_util.h"

#define MAX_TITLE      1024 /* bytes; the schema allows 1024 characters */
#define MAX_URL        2048 /* bytes; a longer url is left out, never cut */
#define MAX_FIELD      1024 /* bytes of a party's name, e-mail or title, and a customer name */
#define MAX_SPEAKER_ID 256  /* bytes; a longer speaker id is left out */
#define UTTERANCE_KEYS 48   /* what an utterance costs besides its strings, for the budget */

/* Epoch seconds that started_at accepts: 1970-01-01 up to 9999-12-31T23:59:59Z, so the text
   form always has a four-digit year. */
#define MAX_EPOCH 253402300799LL
/* Epoch numbers above this are milliseconds: as seconds they would be past the year 5138. */
#define MS_THRESHOLD 100000000000LL

/* ---------------------------------------------------------------------------------------- */
/* Reading untrusted JSON                                                                     */

/* The member `key` of `obj`; NULL when obj is not an object or has no such member. */
static const json_t *member(const json_t *obj, const char *key)
{
    return json_is_object(obj) ? json_object_get(obj, key) : NULL;
}

/* The text of a string value, up to its first NUL byte; NULL for anything else. */
static const char *text_of(const json_t *v)
{
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_blank(const char *s)
{
    for (; *s; s++)
        if (!is_space(*s))
            return false;
    return true;
}

/* Copy an id (a non-empty string, or an integer formatted in decimal) into buf. Returns buf,
   or NULL (buf "") for anything else and for an id that does not fit. */
static const char *id_text(const json_t *v, char *buf, size_t buflen)
{
    if (buflen == 0)
        return NULL;
    buf[0] = '\0';
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (s[0] == '\0' || cs_strlcpy(buf, s, buflen) != 0) {
            buf[0] = '\0';
            return NULL;
        }
        return buf;
    }
    if (json_is_integer(v)) {
        int n = snprintf(buf, buflen, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        if (n < 0 || (size_t)n >= buflen) {
            buf[0] = '\0';
            return NULL;
        }
        return buf;
    }
    return NULL;
}

/* Set obj[key] to the first `max` bytes of `s` (cut at a character boundary). Leaves the key
   out for NULL or empty text. Sets *cut when the text was shortened (cut may be NULL). */
static int put_text(json_t *obj, const char *key, const char *s, size_t max, bool *cut)
{
    if (!s || !s[0])
        return 0;
    size_t len = strlen(s);
    size_t n = cs_text_utf8_cut(s, len, max);
    if (n < len && cut)
        *cut = true;
    if (n == 0)
        return 0;
    json_t *str = json_stringn(s, n);
    if (!str)
        return -1;
    return json_object_set_new(obj, key, str);
}

/* A control character (C0, DEL, or C1 as UTF-8 C2 80..9F) at p: its length in bytes, else 0. */
static size_t control_len(const unsigned char *p)
{
    if (*p < 0x20 || *p == 0x7f)
        return 1;
    if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
        return 2;
    return 0;
}

/* Set obj[key] to a name or title as a person would read it: every control character (a
   newline, a tab, ESC...) becomes a space, runs of spaces become one, the ends are trimmed,
   and the result is cut to `max` bytes at a character boundary. Leaves the key out when
   nothing is left. -1 only when out of memory. */
static int put_name(json_t *obj, const char *key, const char *s, size_t max)
{
    if (!s)
        return 0;
    char *buf = malloc(max + 1);
    if (!buf)
        return -1;
    size_t o = 0;
    bool space = true; /* drops leading spaces */
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t ctl = control_len(p);
        if (ctl || *p == ' ') {
            if (!space && o < max)
                buf[o++] = ' ';
            space = true;
            p += ctl ? ctl : 1;
            continue;
        }
        size_t n = cs_text_utf8_seq_len(*p);
        if (o + n > max)
            break;
        memcpy(buf + o, p, n);
        o += n;
        p += n;
        space = false;
    }
    while (o > 0 && buf[o - 1] == ' ')
        o--;
    int rc = 0;
    if (o > 0) {
        json_t *str = json_stringn(buf, o);
        rc = str ? json_object_set_new(obj, key, str) : -1;
    }
    free(buf);
    return rc;
}

/* The path (e.g. "parties[2].name") of the first string in v that holds a NUL character,
   written to path; false when there is none. Such a string would be read only up to the NUL. */
static bool find_nul(const json_t *v, char *path, size_t pathlen)
{
    if (json_is_string(v))
        return memchr(json_string_value(v), '\0', json_string_length(v)) != NULL;
    size_t len = strlen(path);
    if (json_is_object(v)) {
        const char *k;
        json_t *child;
        json_object_foreach((json_t *)v, k, child)
        {
            snprintf(path + len, pathlen - len, "%s%s", len ? "." : "", k);
            if (find_nul(child, path, pathlen))
                return true;
        }
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            snprintf(path + len, pathlen - len, "[%zu]", i);
            if (find_nul(json_array_get(v, i), path, pathlen))
                return true;
        }
    }
    path[len] = '\0';
    return false;
}

/* ---------------------------------------------------------------------------------------- */
/* Time                                                                                       */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static unsigned days_in_month(int y, int m)
{
    static const unsigned DAYS[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : DAYS[m - 1];
}

/* Read exactly n digits at *p into *out and advance. */
static bool read_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit((*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

/* Consume the character c at *p. */
static bool read_char(const char **p, char c)
{
    if (**p != c)
        return false;
    (*p)++;
    return true;
}

/* "YYYY-MM-DD[(T|t| )HH:MM[:SS[.fff]]][Z|z|±HH[[:]MM]]" as epoch seconds; no zone is UTC.
   Fractions of a second are dropped. */
static bool parse_iso8601(const char *s, int64_t *out)
{
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (!read_digits(&p, 4, &y) || !read_char(&p, '-') || !read_digits(&p, 2, &mo) ||
        !read_char(&p, '-') || !read_digits(&p, 2, &d))
        return false;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (!read_digits(&p, 2, &h) || !read_char(&p, ':') || !read_digits(&p, 2, &mi))
            return false;
        if (read_char(&p, ':')) {
            if (!read_digits(&p, 2, &sec))
                return false;
            if (*p == '.' || *p == ',') {
                p++;
                if (!is_digit(*p))
                    return false;
                while (is_digit(*p))
                    p++;
            }
        }
    }
    int offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om = 0;
        p++;
        if (!read_digits(&p, 2, &oh))
            return false;
        if (read_char(&p, ':')) {
            if (!read_digits(&p, 2, &om))
                return false;
        } else if (is_digit(*p) && !read_digits(&p, 2, &om)) {
            return false;
        }
        if (oh > 23 || om > 59)
            return false;
        offset = sign * (oh * 3600 + om * 60);
    }
    if (*p != '\0')
        return false;
    if (mo < 1 || mo > 12 || d < 1 || (unsigned)d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        sec > 60)
        return false;
    *out =
        days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec - offset;
    return true;
}

/* Epoch seconds from a number of seconds (or milliseconds, see MS_THRESHOLD). */
static bool epoch_from_number(double v, int64_t *out)
{
    if (!isfinite(v) || v < 0 || v > 1e17)
        return false;
    int64_t n = (int64_t)floor(v);
    *out = n > MS_THRESHOLD ? n / 1000 : n;
    return true;
}

/* metaData.started as epoch seconds; false when absent or unreadable. */
static bool parse_started(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        if (n < 0)
            return false;
        *out = n > MS_THRESHOLD ? n / 1000 : n;
        return true;
    }
    if (json_is_real(v))
        return epoch_from_number(json_real_value(v), out);
    const char *s = text_of(v);
    if (!s)
        return false;
    size_t len = strlen(s);
    if (len > 0 && len <= 18 && strspn(s, "0123456789") == len) {
        int64_t n = 0;
        for (size_t i = 0; i < len; i++)
            n = n * 10 + (s[i] - '0');
        *out = n > MS_THRESHOLD ? n / 1000 : n;
        return true;
    }
    return parse_iso8601(s, out);
}

/* "YYYY-MM-DDTHH:MM:SSZ" for epoch seconds within 0..MAX_EPOCH. */
static bool format_utc(int64_t epoch, char *out, size_t outlen)
{
    if (epoch < 0 || epoch > MAX_EPOCH)
        return false;
    time_t t = (time_t)epoch;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return false;
    return strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 20;
}

/* A non-negative number rounded to an integer; false for anything else. */
static bool whole_number(const json_t *v, long long *out)
{
    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0)
            return false;
        *out = json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!isfinite(d) || d < 0 || d > 1e15)
            return false;
        *out = llround(d);
        return true;
    }
    return false;
}

/* ---------------------------------------------------------------------------------------- */
/* Customers from the CRM context                                                             */

static const char *const ACCOUNT_NAME[] = {"Name", NULL};
/* An Opportunity's own Name is the deal's ("Acme - Q4 expansion"): the account's name first. */
static const char *const OPPORTUNITY_NAME[] = {"AccountName", "Account_Name__c", "Account.Name",
                                               "Name", NULL};
static const char *const MONTHLY[] = {"MRR", "MRR__c", "Monthly_Recurring_Revenue__c", NULL};
static const char *const ANNUAL[] = {"ARR", "AnnualRevenue", "ARR__c",
                                     "Annual_Recurring_Revenue__c", NULL};
static const char *const DOMAIN[] = {"Website", "Domain", "Website__c", "Domain__c", NULL};

typedef struct {
    const char *name; /* borrowed from the call */
    bool has_mrr;
    double mrr;
    char domain[CS_TEXT_DOMAIN_SIZE]; /* "" when unknown */
} customer_t;

/* The value of the first field, in the order of `names` (compared case-insensitively), that
   `accept` takes; fields is a CRM object's [{name, value}]. */
typedef bool (*accept_fn)(const json_t *value, void *out);

static bool find_field(const json_t *fields, const char *const *names, accept_fn accept, void *out)
{
    if (!json_is_array(fields))
        return false;
    for (const char *const *n = names; *n; n++) {
        for (size_t i = 0; i < json_array_size(fields); i++) {
            const json_t *f = json_array_get(fields, i);
            const char *fname = text_of(member(f, "name"));
            if (fname && strcasecmp(fname, *n) == 0 && accept(member(f, "value"), out))
                return true;
        }
    }
    return false;
}

static bool accept_name(const json_t *value, void *out)
{
    const char *s = text_of(value);
    if (!s || is_blank(s))
        return false;
    *(const char **)out = s;
    return true;
}

/* Skip a currency sign or a three-letter code (USD, eur) and the spaces after it. */
static void skip_currency(const char **p)
{
    static const char *const SIGNS[] = {
        "US$", "$", "\xe2\x82\xac" /* € */, "\xc2\xa3" /* £ */, "\xc2\xa5" /* ¥ */, NULL};
    while (is_space(**p))
        (*p)++;
    for (const char *const *s = SIGNS; *s; s++) {
        size_t n = strlen(*s);
        if (strncmp(*p, *s, n) == 0) {
            *p += n;
            break;
        }
    }
    if (is_alpha((*p)[0]) && is_alpha((*p)[1]) && is_alpha((*p)[2]) && !is_alpha((*p)[3]))
        *p += 3;
    while (is_space(**p))
        (*p)++;
}

/* An amount of money written as text: "12500", "12,500.00", "$12500", "USD 12,500", "12500 €".
   Thousands separators must group by three; negative amounts, words and exponents are refused. */
static bool parse_money_text(const char *s, double *out)
{
    const char *p = s;
    skip_currency(&p);
    double v = 0;
    int digits = 0, group = 0;
    bool grouped = false;
    for (; is_digit(*p) || *p == ','; p++) {
        if (*p == ',') {
            if (group == 0 || (grouped ? group != 3 : group > 3))
                return false;
            grouped = true;
            group = 0;
            continue;
        }
        v = v * 10 + (*p - '0');
        digits++;
        group++;
    }
    if (digits == 0 || (grouped && group != 3))
        return false;
    if (*p == '.') {
        p++;
        if (!is_digit(*p))
            return false;
        for (double scale = 0.1; is_digit(*p); p++, scale /= 10)
            v += (*p - '0') * scale;
    }
    skip_currency(&p);
    if (*p != '\0')
        return false;
    *out = v;
    return true;
}

static bool accept_money(const json_t *value, void *out)
{
    double v;
    if (json_is_number(value))
        v = json_number_value(value);
    else if (!text_of(value) || !parse_money_text(text_of(value), &v))
        return false;
    if (!isfinite(v) || v < 0 || v >= 1e15)
        return false;
    *(double *)out = v;
    return true;
}

/* The host of a website or domain ("https://www.Acme-Corp.com/about" → "acme-corp.com"):
   scheme, user, port and path stripped, the host in cs_text_domain's canonical form. */
static bool normalise_domain(const char *s, char out[CS_TEXT_DOMAIN_SIZE])
{
    while (is_space(*s))
        s++;
    const char *sep = strstr(s, "://");
    if (sep) {
        const char *c = s;
        while (c < sep && (is_alpha(*c) || is_digit(*c) || *c == '+' || *c == '.' || *c == '-'))
            c++;
        if (c == sep && sep > s)
            s = sep + 3;
    } else if (s[0] == '/' && s[1] == '/') {
        s += 2;
    }
    size_t end = strcspn(s, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < end; i++)
        if (s[i] == '@')
            at = s + i;
    if (at) {
        end -= (size_t)(at + 1 - s);
        s = at + 1;
    }
    size_t colon = strcspn(s, ":");
    if (colon < end)
        end = colon;
    while (end > 0 && is_space(s[end - 1]))
        end--;
    return cs_text_domain(s, end, out) == 0;
}

static bool accept_domain(const json_t *value, void *out)
{
    const char *s = text_of(value);
    return s && normalise_domain(s, out);
}

/* Fill what `c` still lacks from one CRM object. Returns true when the object gave anything. */
static bool take_object(const json_t *object, bool opportunity, customer_t *c)
{
    const json_t *fields = member(object, "fields");
    bool gave = false;
    if (!c->name)
        gave |= find_field(fields, opportunity ? OPPORTUNITY_NAME : ACCOUNT_NAME, accept_name,
                           &c->name);
    if (!c->has_mrr) {
        double v;
        if (find_field(fields, MONTHLY, accept_money, &v)) {
            c->mrr = v;
            c->has_mrr = gave = true;
        } else if (find_field(fields, ANNUAL, accept_money, &v)) {
            c->mrr = v / 12;
            c->has_mrr = gave = true;
        }
    }
    if (!c->domain[0])
        gave |= find_field(fields, DOMAIN, accept_domain, c->domain);
    return gave;
}

/* Take objects of type `type` from a context array ([{system, objects: [...]}]): all of them
   (`first_only` false), or only the first that gives anything. Returns true when one gave. */
static bool take_context(const json_t *context, const char *type, bool first_only, customer_t *c)
{
    bool gave = false;
    for (size_t i = 0; json_is_array(context) && i < json_array_size(context); i++) {
        const json_t *objects = member(json_array_get(context, i), "objects");
        for (size_t k = 0; json_is_array(objects) && k < json_array_size(objects); k++) {
            const json_t *object = json_array_get(objects, k);
            const char *otype = text_of(member(object, "objectType"));
            if (!otype || strcasecmp(otype, type) != 0)
                continue;
            if (take_object(object, strcasecmp(type, "Opportunity") == 0, c)) {
                gave = true;
                if (first_only)
                    return true;
            }
        }
    }
    return gave;
}

/* The customer object for the record, or NULL (none found, or out of memory). */
static json_t *build_customer(const json_t *gong_call)
{
    customer_t c = {0};
    if (!take_context(member(gong_call, "context"), "Account", true, &c)) {
        const json_t *parties = member(gong_call, "parties");
        for (size_t i = 0; json_is_array(parties) && i < json_array_size(parties); i++) {
            const json_t *party = json_array_get(parties, i);
            const char *affiliation = text_of(member(party, "affiliation"));
            if (affiliation && strcasecmp(affiliation, "Internal") == 0)
                continue; /* our own people: their Account would be us */
            if (take_context(member(party, "context"), "Account", true, &c))
                break;
        }
    }
    take_context(member(gong_call, "context"), "Opportunity", false, &c);
    if (!c.name && !c.has_mrr && !c.domain[0])
        return NULL;
    json_t *customer = json_object();
    if (!customer)
        return NULL;
    int rc = put_name(customer, "name", c.name, MAX_FIELD);
    if (rc == 0 && c.has_mrr)
        rc = json_object_set_new(customer, "mrr", json_real(round(c.mrr * 100) / 100));
    if (rc == 0 && c.domain[0])
        rc = json_object_set_new(customer, "domain", json_string(c.domain));
    if (rc != 0) {
        json_decref(customer);
        return NULL;
    }
    return customer;
}

/* ---------------------------------------------------------------------------------------- */
/* Participants and transcript                                                                */

static const char *affiliation_of(const char *s)
{
    static const char *const KNOWN[] = {"Internal", "External", "Unknown"};
    for (size_t i = 0; s && i < CS_ARRAY_LEN(KNOWN); i++)
        if (strcasecmp(s, KNOWN[i]) == 0)
            return KNOWN[i];
    return "Unknown";
}

/* The participants array from parties (may be absent); NULL when out of memory. */
static json_t *build_participants(const json_t *parties)
{
    json_t *out = json_array();
    for (size_t i = 0; out && json_is_array(parties) && i < json_array_size(parties) &&
                       json_array_size(out) < CS_GONGCALL_MAX_PARTIES;
         i++) {
        const json_t *party = json_array_get(parties, i);
        if (!json_is_object(party))
            continue;
        char sid[MAX_SPEAKER_ID + 1];
        json_t *p = json_object();
        int rc = p ? 0 : -1;
        if (rc == 0)
            rc = put_name(p, "name", text_of(member(party, "name")), MAX_FIELD);
        if (rc == 0)
            rc = put_name(p, "email", text_of(member(party, "emailAddress")), MAX_FIELD);
        if (rc == 0)
            rc = json_object_set_new(
                p, "affiliation",
                json_string(affiliation_of(text_of(member(party, "affiliation")))));
        if (rc == 0)
            rc = put_text(p, "speaker_id", id_text(member(party, "speakerId"), sid, sizeof sid),
                          MAX_SPEAKER_ID, NULL);
        if (rc == 0)
            rc = put_name(p, "title", text_of(member(party, "title")), MAX_FIELD);
        if (rc != 0 || json_array_append_new(out, p) != 0) {
            if (rc != 0)
                json_decref(p);
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* The participant whose speaker_id is `sid`, or NULL. */
static const json_t *participant_for(const json_t *participants, const char *sid)
{
    for (size_t i = 0; sid && i < json_array_size(participants); i++) {
        const json_t *p = json_array_get(participants, i);
        const char *psid = cs_rec_str(p, "speaker_id");
        if (psid && strcmp(psid, sid) == 0)
            return p;
    }
    return NULL;
}

typedef struct {
    json_t *utterances;
    const json_t *participants;
    size_t used; /* bytes of CS_GONGCALL_MAX_TRANSCRIPT spent */
    long long last_start;
    bool truncated;
    bool full; /* a cap was reached: take no more */
} transcript_t;

/* A sentence's start in milliseconds; the previous sentence's start when it has none. */
static long long start_ms(transcript_t *t, const json_t *sentence)
{
    long long v;
    if (whole_number(member(sentence, "start"), &v))
        t->last_start = v;
    return t->last_start;
}

/* Append one utterance; sets t->full when a cap stops the transcript. -1 when out of memory. */
static int add_utterance(transcript_t *t, const char *sid, const json_t *party, const char *text,
                         long long start)
{
    if (json_array_size(t->utterances) >= CS_GONGCALL_MAX_UTTERANCES) {
        t->truncated = t->full = true;
        return 0;
    }
    const char *speaker = cs_rec_str(party, "name");
    const char *affiliation = cs_rec_str(party, "affiliation");
    size_t len = strlen(text);
    size_t n = cs_text_utf8_cut(text, len, CS_GONGCALL_MAX_UTTERANCE);
    size_t fixed = UTTERANCE_KEYS + (sid ? strlen(sid) : 0) + (speaker ? strlen(speaker) : 0);
    size_t room = CS_GONGCALL_MAX_TRANSCRIPT - t->used;
    if (fixed + n > room) {
        t->full = true;
        n = room > fixed ? cs_text_utf8_cut(text, n, room - fixed) : 0;
    }
    if (n < len)
        t->truncated = true;
    if (n == 0)
        return 0;
    json_t *u = json_object();
    int rc = u ? 0 : -1;
    if (rc == 0)
        rc = put_text(u, "speaker_id", sid, MAX_SPEAKER_ID, NULL);
    if (rc == 0)
        rc = put_text(u, "speaker", speaker, MAX_FIELD, NULL);
    if (rc == 0)
        rc = json_object_set_new(u, "affiliation", json_string(affiliation_of(affiliation)));
    if (rc == 0)
        rc = json_object_set_new(u, "start_ms", json_integer(start));
    if (rc == 0)
        rc = put_text(u, "text", text, n, NULL);
    if (rc != 0) {
        json_decref(u);
        return -1;
    }
    if (json_array_append_new(t->utterances, u) != 0)
        return -1;
    t->used += fixed + n;
    return 0;
}

/* Flatten the monologues of a transcript element into t->utterances. -1 when out of memory. */
static int build_transcript(transcript_t *t, const json_t *monologues)
{
    for (size_t i = 0; json_is_array(monologues) && i < json_array_size(monologues) && !t->full;
         i++) {
        const json_t *monologue = json_array_get(monologues, i);
        const json_t *sentences = member(monologue, "sentences");
        char sid_buf[MAX_SPEAKER_ID + 1];
        const char *sid = NULL;
        const json_t *party = NULL;
        bool looked_up = false;
        for (size_t k = 0; json_is_array(sentences) && k < json_array_size(sentences) && !t->full;
             k++) {
            const json_t *sentence = json_array_get(sentences, k);
            long long start = start_ms(t, sentence);
            const char *text = text_of(member(sentence, "text"));
            if (!text || is_blank(text))
                continue;
            if (!looked_up) { /* only for monologues that say something */
                sid = id_text(member(monologue, "speakerId"), sid_buf, sizeof sid_buf);
                party = participant_for(t->participants, sid);
                looked_up = true;
            }
            if (add_utterance(t, sid, party, text, start) != 0)
                return -1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* The record                                                                                 */

static int set(json_t *rec, const char *key, json_t *value)
{
    return value ? json_object_set_new(rec, key, value) : -1;
}

json_t *cs_gongcall_record(const json_t *gong_call, const json_t *transcript,
                           const char *workspace_id, const char *integration_id, const char *source,
                           char *err, size_t errlen)
{
    if (!json_is_object(gong_call)) {
        cs_fail(err, errlen, "call: not a JSON object");
        return NULL;
    }
    const json_t *meta = member(gong_call, "metaData");
    if (!json_is_object(meta)) {
        cs_fail(err, errlen, "call: metaData missing");
        return NULL;
    }
    char id[CS_GONGCALL_ID_LEN];
    char path[256] = "";
    if (find_nul(gong_call, path, sizeof path)) {
        if (strcmp(path, "metaData.id") == 0 || !cs_gongcall_id(gong_call, id, sizeof id))
            cs_fail(err, errlen, "call: field %s contains a NUL character", path);
        else
            cs_fail(err, errlen, "call %s: field %s contains a NUL character", id, path);
        return NULL;
    }
    if (!cs_gongcall_id(gong_call, id, sizeof id)) {
        cs_fail(err, errlen, "call: metaData.id %s",
                member(meta, "id") ? "is not a usable id" : "missing");
        return NULL;
    }
    const json_t *started = member(meta, "started");
    int64_t epoch;
    char started_at[32];
    if (!started || json_is_null(started)) {
        cs_fail(err, errlen, "call %s: metaData.started missing", id);
        return NULL;
    }
    if (!parse_started(started, &epoch) || !format_utc(epoch, started_at, sizeof started_at)) {
        cs_fail(err, errlen, "call %s: metaData.started is not a time between 1970 and 9999", id);
        return NULL;
    }
    if (transcript && json_is_null(transcript))
        transcript = NULL;
    if (transcript && find_nul(transcript, path, sizeof path)) {
        cs_fail(err, errlen, "call %s: transcript field %s contains a NUL character", id, path);
        return NULL;
    }
    if (transcript) {
        char tid[CS_GONGCALL_ID_LEN];
        if (!json_is_object(transcript)) {
            cs_fail(err, errlen, "call %s: transcript is not a JSON object", id);
            return NULL;
        }
        if (id_text(member(transcript, "callId"), tid, sizeof tid) && strcmp(tid, id) != 0) {
            cs_fail(err, errlen, "call %s: transcript is for call %s", id, tid);
            return NULL;
        }
    }

    json_t *rec = cs_record_new(CS_KIND_CALL);
    if (!rec) {
        cs_fail(err, errlen, "call %s: out of memory", id);
        return NULL;
    }
    int rc = set(rec, "workspace_id", json_string(workspace_id ? workspace_id : ""));
    if (rc == 0 && integration_id)
        rc = set(rec, "integration_id", json_string(integration_id));
    if (rc == 0)
        rc = set(rec, "source", json_string(source ? source : ""));
    if (rc == 0)
        rc = set(rec, "external_id", json_string(id));
    if (rc == 0)
        rc = put_name(rec, "title", text_of(member(meta, "title")), MAX_TITLE);
    if (rc == 0)
        rc = set(rec, "started_at", json_string(started_at));
    long long duration;
    if (rc == 0 && whole_number(member(meta, "duration"), &duration))
        rc = set(rec, "duration_seconds", json_integer(duration));
    const char *url = text_of(member(meta, "url"));
    if (rc == 0 && url && strlen(url) <= MAX_URL)
        rc = put_text(rec, "url", url, MAX_URL, NULL);
    json_t *participants = NULL;
    if (rc == 0) {
        participants = build_participants(member(gong_call, "parties"));
        rc = set(rec, "participants", participants);
    }
    json_t *customer = rc == 0 ? build_customer(gong_call) : NULL;
    if (customer)
        rc = set(rec, "customer", customer);
    transcript_t t = {.utterances = json_array(), .participants = participants};
    if (rc == 0 && t.utterances) {
        rc = build_transcript(&t, member(transcript, "transcript"));
        if (rc == 0)
            rc = json_object_set(rec, "transcript", t.utterances);
    } else {
        rc = -1;
    }
    json_decref(t.utterances);
    if (rc == 0 && t.truncated)
        rc = set(rec, "transcript_truncated", json_true());
    if (rc != 0) {
        json_decref(rec);
        cs_fail(err, errlen, "call %s: out of memory", id);
        return NULL;
    }

    char why[256];
    if (cs_record_validate(rec, why, sizeof why) != 0) {
        json_decref(rec);
        cs_fail(err, errlen, "call %s: %s", id, why);
        return NULL;
    }
    return rec;
}

const char *cs_gongcall_id(const json_t *gong_call, char *buf, size_t buflen)
{
    return id_text(member(member(gong_call, "metaData"), "id"), buf, buflen);
}

bool cs_gongcall_is_private(const json_t *gong_call)
{
    return json_is_true(member(member(gong_call, "metaData"), "isPrivate"));
}

json_t *cs_gongcall_external_domains(const json_t *record)
{
    json_t *out = json_array();
    const json_t *participants = member(record, "participants");
    for (size_t i = 0; out && json_is_array(participants) && i < json_array_size(participants);
         i++) {
        const json_t *p = json_array_get(participants, i);
        const char *affiliation = cs_rec_str(p, "affiliation");
        const char *email = cs_rec_str(p, "email");
        const char *at = email ? strrchr(email, '@') : NULL;
        char domain[CS_TEXT_DOMAIN_SIZE];
        if (!affiliation || strcmp(affiliation, "External") != 0 || !at ||
            strpbrk(at + 1, "/?#:") || !normalise_domain(at + 1, domain))
            continue;
        bool seen = false;
        for (size_t k = 0; k < json_array_size(out) && !seen; k++)
            seen = strcmp(json_string_value(json_array_get(out, k)), domain) == 0;
        if (!seen && json_array_append_new(out, json_string(domain)) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}
