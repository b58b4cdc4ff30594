/*  cs_gongcall: a Gong call and its transcript become one `call` record.

    Everything read from Gong is treated as untrusted: a field of the wrong type is left out
    rather than trusted, strings are cut at UTF-8 boundaries to the caps below, and only three
    things are fatal for a call: no id, no usable start time, and a transcript that belongs to
    another call. The record is validated before it is returned, so a caller never sends one
    the other stages would reject.

    The customer comes from Gong's CRM context, read by cs_crm; its name is cleaned and cut here
    like every other name. */
#include "cs_gongcall.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cs_crm.h"
#include "cs_record.h"
#include "cs_text.h"
#include "cs_time.h"
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
static const json_t *s_member(const json_t *obj, const char *key)
{
    return json_is_object(obj) ? json_object_get(obj, key) : NULL;
}

/* The text of a string value, up to its first NUL byte; NULL for anything else. */
static const char *s_text_of(const json_t *v)
{
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool s_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Copy an id (a non-empty string, or an integer formatted in decimal) into buf. Returns buf,
   or NULL (buf "") for anything else and for an id that does not fit. */
static const char *s_id_text(const json_t *v, char *buf, size_t buflen)
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
static int s_put_text(json_t *obj, const char *key, const char *s, size_t max, bool *cut)
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
static size_t s_control_len(const unsigned char *p)
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
static int s_put_name(json_t *obj, const char *key, const char *s, size_t max)
{
    if (!s)
        return 0;
    char *buf = malloc(max + 1);
    if (!buf)
        return -1;
    size_t o = 0;
    bool space = true; /* drops leading spaces */
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t ctl = s_control_len(p);
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
static bool s_find_nul(const json_t *v, char *path, size_t pathlen)
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
            if (s_find_nul(child, path, pathlen))
                return true;
        }
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            snprintf(path + len, pathlen - len, "[%zu]", i);
            if (s_find_nul(json_array_get(v, i), path, pathlen))
                return true;
        }
    }
    path[len] = '\0';
    return false;
}

/* ---------------------------------------------------------------------------------------- */
/* Time                                                                                       */

/* Epoch seconds from a number of seconds (or milliseconds, see MS_THRESHOLD). */
static bool s_epoch_from_number(double v, int64_t *out)
{
    if (!isfinite(v) || v < 0 || v > 1e17)
        return false;
    int64_t n = (int64_t)floor(v);
    *out = n > MS_THRESHOLD ? n / 1000 : n;
    return true;
}

/* metaData.started as epoch seconds; false when absent or unreadable. */
static bool s_parse_started(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        if (n < 0)
            return false;
        *out = n > MS_THRESHOLD ? n / 1000 : n;
        return true;
    }
    if (json_is_real(v))
        return s_epoch_from_number(json_real_value(v), out);
    const char *s = s_text_of(v);
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
    return cs_time_parse_iso(s, out, NULL, 0) == 0;
}

/* "YYYY-MM-DDTHH:MM:SSZ" for epoch seconds within 0..MAX_EPOCH. */
static bool s_format_utc(int64_t epoch, char *out, size_t outlen)
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
static bool s_whole_number(const json_t *v, long long *out)
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

/* The customer object for the record from the CRM context, or NULL (none found, or out of
   memory). */
static json_t *s_build_customer(const json_t *gong_call)
{
    cs_crm_customer_t c;
    if (!cs_crm_customer(gong_call, &c))
        return NULL;
    json_t *customer = json_object();
    if (!customer)
        return NULL;
    int rc = s_put_name(customer, "name", c.name, MAX_FIELD);
    if (rc == 0 && c.has_mrr)
        rc = json_object_set_new(customer, "mrr", json_real(round(c.mrr * 100) / 100));
    if (rc == 0 && c.domain[0])
        rc = json_object_set_new(customer, "domain", json_string(c.domain));
    if (rc == 0)
        rc = json_object_set_new(customer, "source", json_string(cs_crm_source_name(c.source)));
    if (rc != 0) {
        json_decref(customer);
        return NULL;
    }
    return customer;
}

/* ---------------------------------------------------------------------------------------- */
/* Participants and transcript                                                                */

static const char *s_affiliation_of(const char *s)
{
    static const char *const KNOWN[] = {"Internal", "External", "Unknown"};
    for (size_t i = 0; s && i < CS_ARRAY_LEN(KNOWN); i++)
        if (strcasecmp(s, KNOWN[i]) == 0)
            return KNOWN[i];
    return "Unknown";
}

/* The participants array from parties (may be absent); NULL when out of memory. */
static json_t *s_build_participants(const json_t *parties)
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
            rc = s_put_name(p, "name", s_text_of(s_member(party, "name")), MAX_FIELD);
        if (rc == 0)
            rc = s_put_name(p, "email", s_text_of(s_member(party, "emailAddress")), MAX_FIELD);
        if (rc == 0)
            rc = json_object_set_new(
                p, "affiliation",
                json_string(s_affiliation_of(s_text_of(s_member(party, "affiliation")))));
        if (rc == 0)
            rc = s_put_text(p, "speaker_id",
                            s_id_text(s_member(party, "speakerId"), sid, sizeof sid),
                            MAX_SPEAKER_ID, NULL);
        if (rc == 0)
            rc = s_put_text(p, "user_id", s_id_text(s_member(party, "userId"), sid, sizeof sid),
                            MAX_SPEAKER_ID, NULL);
        if (rc == 0)
            rc = s_put_name(p, "title", s_text_of(s_member(party, "title")), MAX_FIELD);
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
static const json_t *s_participant_for(const json_t *participants, const char *sid)
{
    for (size_t i = 0; sid && i < json_array_size(participants); i++) {
        const json_t *p = json_array_get(participants, i);
        const char *psid = cs_rec_str(p, "speaker_id");
        if (psid && strcmp(psid, sid) == 0)
            return p;
    }
    return NULL;
}

static int s_set(json_t *rec, const char *key, json_t *value)
{
    return value ? json_object_set_new(rec, key, value) : -1;
}

void cs_gongcall_tx_init(cs_gongcall_tx_t *t, const json_t *participants)
{
    *t = (cs_gongcall_tx_t){.participants = participants};
}

void cs_gongcall_tx_monologue(cs_gongcall_tx_t *t, const char *sid)
{
    t->sid = NULL;
    if (sid && sid[0] && cs_strlcpy(t->sid_buf, sid, sizeof t->sid_buf) == 0)
        t->sid = t->sid_buf;
    t->party = s_participant_for(t->participants, t->sid);
}

/* Text with its length cut to `max` bytes at a character boundary; NULL or "" as absent. */
static const char *s_cut(const char *s, size_t max, size_t *len)
{
    *len = s ? cs_text_utf8_cut(s, strlen(s), max) : 0;
    return *len > 0 ? s : NULL;
}

bool cs_gongcall_tx_sentence(cs_gongcall_tx_t *t, bool has_start, long long start, const char *text,
                             size_t len, cs_gongcall_utterance_t *u)
{
    if (t->full)
        return false;
    if (has_start)
        t->last_start = start;
    if (!text || len == 0)
        return false;
    size_t i = 0;
    while (i < len && s_is_space(text[i]))
        i++;
    if (i == len) /* blank */
        return false;
    if (t->count >= CS_GONGCALL_MAX_UTTERANCES) {
        t->truncated = t->full = true;
        return false;
    }
    const char *speaker = cs_rec_str(t->party, "name");
    size_t n = cs_text_utf8_cut(text, len, CS_GONGCALL_MAX_UTTERANCE);
    size_t fixed = UTTERANCE_KEYS + (t->sid ? strlen(t->sid) : 0) + (speaker ? strlen(speaker) : 0);
    size_t room = CS_GONGCALL_MAX_TRANSCRIPT - t->used;
    if (fixed + n > room) {
        t->full = true;
        n = room > fixed ? cs_text_utf8_cut(text, n, room - fixed) : 0;
    }
    if (n < len)
        t->truncated = true;
    if (n == 0)
        return false;
    u->speaker_id = s_cut(t->sid, MAX_SPEAKER_ID, &u->speaker_id_len);
    u->speaker = s_cut(speaker, MAX_FIELD, &u->speaker_len);
    u->affiliation = s_affiliation_of(cs_rec_str(t->party, "affiliation"));
    u->start_ms = t->last_start;
    u->text = text;
    u->text_len = n;
    t->used += fixed + n;
    t->count++;
    return true;
}

/* Append one utterance to `utterances`; -1 when out of memory. */
static int s_add_utterance(json_t *utterances, const cs_gongcall_utterance_t *v)
{
    json_t *u = json_object();
    int rc = u ? 0 : -1;
    if (rc == 0 && v->speaker_id)
        rc = s_set(u, "speaker_id", json_stringn(v->speaker_id, v->speaker_id_len));
    if (rc == 0 && v->speaker)
        rc = s_set(u, "speaker", json_stringn(v->speaker, v->speaker_len));
    if (rc == 0)
        rc = s_set(u, "affiliation", json_string(v->affiliation));
    if (rc == 0)
        rc = s_set(u, "start_ms", json_integer(v->start_ms));
    if (rc == 0)
        rc = s_set(u, "text", json_stringn(v->text, v->text_len));
    if (rc != 0) {
        json_decref(u);
        return -1;
    }
    return json_array_append_new(utterances, u);
}

/* Flatten the monologues of a transcript element into `utterances`. -1 when out of memory. */
static int s_build_transcript(cs_gongcall_tx_t *t, json_t *utterances, const json_t *monologues)
{
    for (size_t i = 0; json_is_array(monologues) && i < json_array_size(monologues) && !t->full;
         i++) {
        const json_t *monologue = json_array_get(monologues, i);
        const json_t *sentences = s_member(monologue, "sentences");
        char sid[MAX_SPEAKER_ID + 1];
        cs_gongcall_tx_monologue(t, s_id_text(s_member(monologue, "speakerId"), sid, sizeof sid));
        for (size_t k = 0; json_is_array(sentences) && k < json_array_size(sentences) && !t->full;
             k++) {
            const json_t *sentence = json_array_get(sentences, k);
            long long start = 0;
            bool has_start = s_whole_number(s_member(sentence, "start"), &start);
            const char *text = s_text_of(s_member(sentence, "text"));
            cs_gongcall_utterance_t u;
            if (cs_gongcall_tx_sentence(t, has_start, start, text, text ? strlen(text) : 0, &u) &&
                s_add_utterance(utterances, &u) != 0)
                return -1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* The record                                                                                 */

json_t *cs_gongcall_record(const json_t *gong_call, const json_t *transcript,
                           const char *workspace_id, const char *integration_id, const char *source,
                           char *err, size_t errlen)
{
    if (!json_is_object(gong_call)) {
        cs_fail(err, errlen, "call: not a JSON object");
        return NULL;
    }
    const json_t *meta = s_member(gong_call, "metaData");
    if (!json_is_object(meta)) {
        cs_fail(err, errlen, "call: metaData missing");
        return NULL;
    }
    char id[CS_GONGCALL_ID_LEN];
    char path[256] = "";
    if (s_find_nul(gong_call, path, sizeof path)) {
        if (strcmp(path, "metaData.id") == 0 || !cs_gongcall_id(gong_call, id, sizeof id))
            cs_fail(err, errlen, "call: field %s contains a NUL character", path);
        else
            cs_fail(err, errlen, "call %s: field %s contains a NUL character", id, path);
        return NULL;
    }
    if (!cs_gongcall_id(gong_call, id, sizeof id)) {
        cs_fail(err, errlen, "call: metaData.id %s",
                s_member(meta, "id") ? "is not a usable id" : "missing");
        return NULL;
    }
    const json_t *started = s_member(meta, "started");
    int64_t epoch;
    char started_at[32];
    if (!started || json_is_null(started)) {
        cs_fail(err, errlen, "call %s: metaData.started missing", id);
        return NULL;
    }
    if (!s_parse_started(started, &epoch) || !s_format_utc(epoch, started_at, sizeof started_at)) {
        cs_fail(err, errlen, "call %s: metaData.started is not a time between 1970 and 9999", id);
        return NULL;
    }
    if (transcript && json_is_null(transcript))
        transcript = NULL;
    if (transcript && s_find_nul(transcript, path, sizeof path)) {
        cs_fail(err, errlen, "call %s: transcript field %s contains a NUL character", id, path);
        return NULL;
    }
    if (transcript) {
        char tid[CS_GONGCALL_ID_LEN];
        if (!json_is_object(transcript)) {
            cs_fail(err, errlen, "call %s: transcript is not a JSON object", id);
            return NULL;
        }
        if (s_id_text(s_member(transcript, "callId"), tid, sizeof tid) && strcmp(tid, id) != 0) {
            cs_fail(err, errlen, "call %s: transcript is for call %s", id, tid);
            return NULL;
        }
    }

    json_t *rec = cs_record_new(CS_KIND_CALL);
    if (!rec) {
        cs_fail(err, errlen, "call %s: out of memory", id);
        return NULL;
    }
    int rc = s_set(rec, "workspace_id", json_string(workspace_id ? workspace_id : ""));
    if (rc == 0 && integration_id)
        rc = s_set(rec, "integration_id", json_string(integration_id));
    if (rc == 0)
        rc = s_set(rec, "source", json_string(source ? source : ""));
    if (rc == 0)
        rc = s_set(rec, "external_id", json_string(id));
    if (rc == 0)
        rc = s_put_name(rec, "title", s_text_of(s_member(meta, "title")), MAX_TITLE);
    if (rc == 0)
        rc = s_set(rec, "started_at", json_string(started_at));
    long long duration;
    if (rc == 0 && s_whole_number(s_member(meta, "duration"), &duration))
        rc = s_set(rec, "duration_seconds", json_integer(duration));
    const char *url = s_text_of(s_member(meta, "url"));
    if (rc == 0 && url && strlen(url) <= MAX_URL)
        rc = s_put_text(rec, "url", url, MAX_URL, NULL);
    json_t *participants = NULL;
    if (rc == 0) {
        participants = s_build_participants(s_member(gong_call, "parties"));
        rc = s_set(rec, "participants", participants);
    }
    json_t *customer = rc == 0 ? s_build_customer(gong_call) : NULL;
    if (customer)
        rc = s_set(rec, "customer", customer);
    cs_gongcall_tx_t t;
    cs_gongcall_tx_init(&t, participants);
    json_t *utterances = json_array();
    if (rc == 0 && utterances) {
        rc = s_build_transcript(&t, utterances, s_member(transcript, "transcript"));
        if (rc == 0)
            rc = json_object_set(rec, "transcript", utterances);
    } else {
        rc = -1;
    }
    json_decref(utterances);
    if (rc == 0 && t.truncated)
        rc = s_set(rec, "transcript_truncated", json_true());
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
    return s_id_text(s_member(s_member(gong_call, "metaData"), "id"), buf, buflen);
}

bool cs_gongcall_is_private(const json_t *gong_call)
{
    return json_is_true(s_member(s_member(gong_call, "metaData"), "isPrivate"));
}
