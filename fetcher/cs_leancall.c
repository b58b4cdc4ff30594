/*  cs_leancall: see cs_leancall.h. The utterances go into one msgpack buffer, reused from call
    to call; the frame is packed the way cs_record_encode packs a record (a map per object in
    member order, msgpack-c's smallest form for each integer, doubles for reals), with the
    buffer spliced in as the value of "transcript". */
#include "cs_leancall.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "cs_gongcall.h"
#include "cs_record.h"
#include "cs_util.h"

#define ATTEMPT_ROOM 9 /* the longest msgpack integer */

struct cs_leancall {
    msgpack_sbuffer utterances; /* packed, one map each */
    size_t count;
};

cs_leancall_t *cs_leancall_new(void)
{
    cs_leancall_t *self = calloc(1, sizeof *self);
    if (self)
        msgpack_sbuffer_init(&self->utterances);
    return self;
}

void cs_leancall_destroy(cs_leancall_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    msgpack_sbuffer_destroy(&(*self_p)->utterances);
    free(*self_p);
    *self_p = NULL;
}

/* An id as cs_gongcall reads one (a non-empty string that fits buf, or an integer in decimal)
   into buf; NULL for anything else. */
static const char *s_id(const cs_jnode_t *v, char *buf, size_t buflen)
{
    if (v && v->type == CS_JDOC_STRING && v->len > 0 && v->len < buflen) {
        memcpy(buf, v->v.s, v->len);
        buf[v->len] = '\0';
        return buf;
    }
    if (v && v->type == CS_JDOC_INT) {
        int n = snprintf(buf, buflen, "%lld", v->v.i);
        return n > 0 && (size_t)n < buflen ? buf : NULL;
    }
    return NULL;
}

/* A sentence's "start" as cs_gongcall reads it: a non-negative integer, or a real from 0 to
   1e15, rounded. */
static bool s_start(const cs_jnode_t *v, long long *out)
{
    if (v && v->type == CS_JDOC_INT && v->v.i >= 0) {
        *out = v->v.i;
        return true;
    }
    if (v && v->type == CS_JDOC_REAL && isfinite(v->v.d) && v->v.d >= 0 && v->v.d <= 1e15) {
        *out = llround(v->v.d);
        return true;
    }
    return false;
}

static int s_str(msgpack_packer *pk, const char *s, size_t len)
{
    return msgpack_pack_str_with_body(pk, s, len);
}

/* One utterance, with the members cs_gongcall_record gives it, in its order. */
static int s_pack_utterance(msgpack_packer *pk, const cs_gongcall_utterance_t *u)
{
    size_t members = 3 + (u->speaker_id ? 1 : 0) + (u->speaker ? 1 : 0);
    if (msgpack_pack_map(pk, members) != 0)
        return -1;
    if (u->speaker_id &&
        (s_str(pk, "speaker_id", 10) != 0 || s_str(pk, u->speaker_id, u->speaker_id_len) != 0))
        return -1;
    if (u->speaker && (s_str(pk, "speaker", 7) != 0 || s_str(pk, u->speaker, u->speaker_len) != 0))
        return -1;
    if (s_str(pk, "affiliation", 11) != 0 || s_str(pk, u->affiliation, strlen(u->affiliation)) ||
        s_str(pk, "start_ms", 8) != 0 || msgpack_pack_int64(pk, u->start_ms) != 0 ||
        s_str(pk, "text", 4) != 0 || s_str(pk, u->text, u->text_len) != 0)
        return -1;
    return 0;
}

/* Pack the utterances of the monologues array `monologues` (any node, or NULL) into self.
   -1 when out of memory. */
static int s_pack_transcript(cs_leancall_t *self, const cs_jdoc_t *doc,
                             const cs_jnode_t *monologues, cs_gongcall_tx_t *t)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, &self->utterances, msgpack_sbuffer_write);
    if (!monologues || monologues->type != CS_JDOC_ARRAY)
        return 0;
    const cs_jnode_t *m = cs_jdoc_first(doc, monologues);
    for (uint32_t i = 0; i < monologues->len && !t->full; i++, m = cs_jdoc_next(doc, m)) {
        char sid[CS_GONGCALL_ID_LEN];
        cs_gongcall_tx_monologue(t, s_id(cs_jdoc_get(doc, m, "speakerId"), sid, sizeof sid));
        const cs_jnode_t *sentences = cs_jdoc_get(doc, m, "sentences");
        if (!sentences || sentences->type != CS_JDOC_ARRAY)
            continue;
        const cs_jnode_t *s = cs_jdoc_first(doc, sentences);
        for (uint32_t k = 0; k < sentences->len && !t->full; k++, s = cs_jdoc_next(doc, s)) {
            long long start = 0;
            bool has_start = s_start(cs_jdoc_get(doc, s, "start"), &start);
            const cs_jnode_t *text = cs_jdoc_get(doc, s, "text");
            bool is_text = text && text->type == CS_JDOC_STRING;
            cs_gongcall_utterance_t u;
            if (cs_gongcall_tx_sentence(t, has_start, start, is_text ? text->v.s : NULL,
                                        is_text ? text->len : 0, &u) &&
                s_pack_utterance(&pk, &u) != 0)
                return -1;
        }
    }
    return 0;
}

json_t *cs_leancall_record(cs_leancall_t *self, const cs_jdoc_t *doc, const json_t *gong_call,
                           const char *workspace_id, const char *integration_id, const char *source,
                           char *err, size_t errlen)
{
    self->utterances.size = 0;
    self->count = 0;
    const cs_jnode_t *tnode = cs_jdoc_get(doc, cs_jdoc_root(doc), "transcript");
    if (tnode && tnode->type == CS_JDOC_NULL)
        tnode = NULL;
    /* the transcript element without its monologues: cs_gongcall_record checks its callId */
    json_t *stub = tnode ? cs_jdoc_to_json(doc, tnode, "transcript") : NULL;
    if (tnode && !stub) {
        cs_fail(err, errlen, "call: out of memory");
        return NULL;
    }
    json_t *rec =
        cs_gongcall_record(gong_call, stub, workspace_id, integration_id, source, err, errlen);
    json_decref(stub);
    if (!rec)
        return NULL;
    cs_gongcall_tx_t t;
    cs_gongcall_tx_init(&t, json_object_get(rec, "participants"));
    if (s_pack_transcript(self, doc, cs_jdoc_get(doc, tnode, "transcript"), &t) != 0 ||
        (t.truncated && json_object_set_new(rec, "transcript_truncated", json_true()) != 0)) {
        cs_fail(err, errlen, "call %s: out of memory", cs_rec_str(rec, "external_id"));
        json_decref(rec);
        return NULL;
    }
    self->count = t.count;
    return rec;
}

char *cs_leancall_frame(cs_leancall_t *self, const json_t *rec, size_t *len, char *err,
                        size_t errlen)
{
    *len = 0;
    if (cs_record_validate(rec, err, errlen) != 0)
        return NULL;
    /* room for the transcript and a head as large as most (sbuffer grows from there) */
    msgpack_sbuffer buf = {.data = malloc(self->utterances.size + 4096),
                           .alloc = self->utterances.size + 4096};
    if (!buf.data) {
        cs_fail(err, errlen, "out of memory encoding the record");
        return NULL;
    }
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
    size_t members = json_object_size(rec), i = 0;
    int rc = msgpack_pack_map(&pk, members);
    const char *key;
    size_t keylen;
    json_t *value;
    bool attempt_last = false;
    json_object_keylen_foreach((json_t *)rec, key, keylen, value)
    {
        if (rc != 0)
            break;
        i++;
        rc = s_str(&pk, key, keylen);
        if (rc != 0)
            break;
        if (i == members && strcmp(key, "attempt") == 0) {
            attempt_last = true; /* its value is written at each send */
        } else if (strcmp(key, "transcript") == 0) {
            rc = msgpack_pack_array(&pk, self->count);
            if (rc == 0)
                rc = msgpack_sbuffer_write(&buf, self->utterances.data, self->utterances.size);
        } else {
            rc = cs_record_pack_value(&pk, value);
        }
    }
    if (rc != 0)
        cs_fail(err, errlen, "out of memory encoding the record");
    else if (!attempt_last)
        cs_fail(err, errlen, "the record does not end with \"attempt\"");
    else if (buf.size + ATTEMPT_ROOM > CS_RECORD_MAX_BYTES)
        cs_fail(err, errlen, "record over the limit of %u bytes", CS_RECORD_MAX_BYTES);
    else if (msgpack_sbuffer_write(&buf, "\0\0\0\0\0\0\0\0\0", ATTEMPT_ROOM) != 0)
        cs_fail(err, errlen, "out of memory encoding the record");
    else {
        *len = buf.size - ATTEMPT_ROOM;
        return msgpack_sbuffer_release(&buf);
    }
    msgpack_sbuffer_destroy(&buf);
    return NULL;
}
