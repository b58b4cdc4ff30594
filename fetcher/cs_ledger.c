#include "cs_ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>
#include <msgpack.h>

#include "cs_record.h"
#include "cs_util.h"

typedef enum { WAITING, IN_FLIGHT, FAILED } state_t;

typedef struct {
    char *key; /* workspace_id US source US external_id */
    char *external_id;
    char *title;
    json_t *rec;       /* NULL once failed */
    char *frame;       /* cs_ledger_add_frame: the encoded record, or NULL */
    size_t frame_head; /* its bytes before the attempt's value */
    size_t frame_len;  /* with the value written by the last send */
    state_t state;
    int attempts;
    int64_t sent_at;
    char *reason; /* why it failed */
    void *handle; /* its place in the list of its state */
} entry_t;

typedef struct {
    char name[65];
    long count;
    char *example; /* the first call's error text */
} cause_t;

struct cs_ledger {
    zhashx_t *open;      /* external_id -> entry_t, owns waiting, in-flight and failed entries */
    zlistx_t *waiting;   /* entries in arrival order (borrowed) */
    zlistx_t *in_flight; /* entries in send order (borrowed) */
    zlistx_t *failed;    /* entries in failure order (borrowed) */
    entry_t *last;       /* the entry cs_ledger_next returned last (may be settled since) */
    int max_in_flight;
    int64_t ack_timeout_ms;
    int max_attempts;
    long acked, already, redelivered, unprocessed, as_asked;
    cause_t causes[CS_LEDGER_MAX_CAUSES];
    int ncauses;
};

/* The key of the call a record (call or ack) names, malloc'd; NULL when it lacks a part. */
static char *s_key(const json_t *rec)
{
    const char *ws = cs_rec_str(rec, "workspace_id");
    const char *source = cs_rec_str(rec, "source");
    const char *id = cs_rec_str(rec, "external_id");
    if (!ws || !source || !id)
        return NULL;
    return cs_strdup_printf("%s\x1f%s\x1f%s", ws, source, id);
}

/* The open entry a record names, or NULL. */
static entry_t *s_find(const cs_ledger_t *self, const json_t *rec)
{
    char *key = s_key(rec);
    entry_t *e = key ? zhashx_lookup(self->open, key) : NULL;
    free(key);
    return e;
}

static void s_entry_destroy(void **item)
{
    entry_t *e = *item;
    if (!e)
        return;
    free(e->key);
    free(e->external_id);
    free(e->title);
    free(e->reason);
    json_decref(e->rec);
    free(e->frame);
    free(e);
    *item = NULL;
}

cs_ledger_t *cs_ledger_new(int max_in_flight, int64_t ack_timeout_ms, int max_attempts)
{
    cs_ledger_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->open = zhashx_new();
    self->waiting = zlistx_new();
    self->in_flight = zlistx_new();
    self->failed = zlistx_new();
    if (!self->open || !self->waiting || !self->in_flight || !self->failed) {
        cs_ledger_destroy(&self);
        return NULL;
    }
    zhashx_set_destructor(self->open, s_entry_destroy);
    self->max_in_flight = max_in_flight > 0 ? max_in_flight : 1;
    self->ack_timeout_ms = ack_timeout_ms > 0 ? ack_timeout_ms : 1;
    self->max_attempts = max_attempts > 0 ? max_attempts : 1;
    return self;
}

void cs_ledger_destroy(cs_ledger_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cs_ledger_t *self = *self_p;
    zlistx_destroy(&self->waiting);
    zlistx_destroy(&self->in_flight);
    zlistx_destroy(&self->failed);
    zhashx_destroy(&self->open); /* frees the entries */
    for (int i = 0; i < self->ncauses; i++)
        free(self->causes[i].example);
    free(self);
    *self_p = NULL;
}

int cs_ledger_add(cs_ledger_t *self, json_t *rec)
{
    return cs_ledger_add_frame(self, rec, NULL, 0);
}

int cs_ledger_add_frame(cs_ledger_t *self, json_t *rec, char *frame, size_t len)
{
    char *key = s_key(rec);
    entry_t *e = key && !zhashx_lookup(self->open, key) ? calloc(1, sizeof *e) : NULL;
    if (!e) {
        free(key);
        free(frame);
        json_decref(rec);
        return -1;
    }
    e->frame = frame;
    e->frame_head = e->frame_len = len;
    const char *id = cs_rec_str(rec, "external_id");
    e->key = key;
    e->external_id = strdup(id);
    e->title = strdup(cs_rec_str(rec, "title") ? cs_rec_str(rec, "title") : id);
    e->rec = rec;
    e->state = WAITING;
    zhashx_insert(self->open, e->key, e);
    e->handle = zlistx_add_end(self->waiting, e);
    return 0;
}

static void s_fail(cs_ledger_t *self, entry_t *e, const char *reason)
{
    if (e->state == WAITING)
        zlistx_detach(self->waiting, e->handle);
    else if (e->state == IN_FLIGHT)
        zlistx_detach(self->in_flight, e->handle);
    e->state = FAILED;
    free(e->reason);
    e->reason = strdup(reason ? reason : "failed");
    json_decref(e->rec);
    e->rec = NULL;
    free(e->frame);
    e->frame = NULL;
    e->handle = zlistx_add_end(self->failed, e);
}

/* A msgpack write callback into a buffer of fixed size (an sbuffer that never grows). */
static int s_write_fixed(void *data, const char *buf, size_t len)
{
    msgpack_sbuffer *b = data;
    if (len > b->alloc - b->size)
        return -1;
    memcpy(b->data + b->size, buf, len);
    b->size += len;
    return 0;
}

/* Mark e sent now (as its next attempt) and return its record. */
static json_t *s_send(cs_ledger_t *self, entry_t *e, int64_t now)
{
    e->attempts++;
    e->sent_at = now;
    if (e->attempts > 1)
        self->redelivered++;
    json_object_set_new(e->rec, "attempt", json_integer(e->attempts));
    if (e->frame) { /* the attempt's value, after the rest of the frame */
        msgpack_sbuffer value = {.data = e->frame + e->frame_head, .alloc = 9};
        msgpack_packer pk;
        msgpack_packer_init(&pk, &value, s_write_fixed);
        msgpack_pack_int64(&pk, e->attempts); /* at most 9 bytes: fits */
        e->frame_len = e->frame_head + value.size;
    }
    self->last = e;
    return e->rec;
}

const char *cs_ledger_frame(const cs_ledger_t *self, const json_t *rec, size_t *len)
{
    const entry_t *e = self->last && self->last->rec == rec ? self->last : s_find(self, rec);
    *len = e && e->frame ? e->frame_len : 0;
    return e ? e->frame : NULL;
}

void cs_ledger_set_window(cs_ledger_t *self, int max_in_flight)
{
    self->max_in_flight = max_in_flight > 0 ? max_in_flight : 1;
}

int cs_ledger_window(const cs_ledger_t *self)
{
    return self->max_in_flight;
}

json_t *cs_ledger_next(cs_ledger_t *self, int64_t now)
{
    /* in-flight calls are in send order: the oldest is at the head */
    entry_t *e;
    while ((e = zlistx_first(self->in_flight)) != NULL &&
           now - e->sent_at >= self->ack_timeout_ms) {
        if (e->attempts >= self->max_attempts) {
            char reason[96];
            snprintf(reason, sizeof reason, "no ack after %d attempts", e->attempts);
            s_fail(self, e, reason);
            continue;
        }
        zlistx_detach(self->in_flight, e->handle);
        e->handle = zlistx_add_end(self->in_flight, e);
        return s_send(self, e, now);
    }
    if ((long)zlistx_size(self->in_flight) >= self->max_in_flight)
        return NULL;
    e = zlistx_first(self->waiting);
    if (!e)
        return NULL;
    zlistx_detach(self->waiting, e->handle);
    e->state = IN_FLIGHT;
    e->handle = zlistx_add_end(self->in_flight, e);
    return s_send(self, e, now);
}

void cs_ledger_unsend(cs_ledger_t *self, const json_t *rec)
{
    entry_t *e = s_find(self, rec);
    if (!e || e->state != IN_FLIGHT)
        return;
    zlistx_detach(self->in_flight, e->handle);
    if (e->attempts > 1)
        self->redelivered--;
    e->attempts--;
    e->state = WAITING;
    e->handle = zlistx_add_start(self->waiting, e);
}

/* Count one call stored unprocessed under `cause`. The last slot is kept for CS_CAUSE_OTHER,
   which takes every new cause once the others are full. */
static void s_count_cause(cs_ledger_t *self, const char *cause, const char *error)
{
    int i;
    for (i = 0; i < self->ncauses && strcmp(self->causes[i].name, cause) != 0; i++)
        ;
    if (i == self->ncauses && self->ncauses >= CS_LEDGER_MAX_CAUSES - 1 &&
        strcmp(cause, CS_CAUSE_OTHER) != 0) {
        s_count_cause(self, CS_CAUSE_OTHER, error);
        return;
    }
    if (i == self->ncauses) {
        snprintf(self->causes[i].name, sizeof self->causes[i].name, "%s", cause);
        self->causes[i].example = strdup(error ? error : "");
        self->ncauses++;
    }
    self->causes[i].count++;
}

int cs_ledger_ack(cs_ledger_t *self, const json_t *ack)
{
    entry_t *e = s_find(self, ack);
    if (!e || e->state == FAILED)
        return 0;
    const char *status = cs_rec_str(ack, "status");
    const char *error = cs_rec_str(ack, "error");
    if (status && strcmp(status, "failed") == 0) {
        s_fail(self, e, error ? error : "the writer could not store it");
        return 1;
    }
    if (e->state == WAITING)
        zlistx_detach(self->waiting, e->handle);
    else
        zlistx_detach(self->in_flight, e->handle);
    self->acked++;
    if (status && strcmp(status, "already") == 0)
        self->already++;
    if (json_is_false(json_object_get(ack, "processed"))) {
        const char *cause = cs_rec_str(ack, "cause");
        if (!cause || !*cause || strlen(cause) > 64)
            cause = CS_CAUSE_OTHER;
        if (strcmp(cause, CS_CAUSE_NOT_EXTRACTED) == 0) {
            self->as_asked++;
        } else {
            self->unprocessed++;
            s_count_cause(self, cause, error);
        }
    }
    if (self->last == e)
        self->last = NULL;
    zhashx_delete(self->open, e->key); /* frees e */
    return 1;
}

int64_t cs_ledger_sent_at(const cs_ledger_t *self, const json_t *rec)
{
    entry_t *e = s_find(self, rec);
    return e && e->state == IN_FLIGHT ? e->sent_at : -1;
}

int64_t cs_ledger_wait_ms(const cs_ledger_t *self, int64_t now)
{
    entry_t *e = zlistx_head(self->in_flight);
    if (!e)
        return -1;
    int64_t left = e->sent_at + self->ack_timeout_ms - now;
    return left > 0 ? left : 0;
}

void cs_ledger_counts(const cs_ledger_t *self, cs_ledger_counts_t *out)
{
    out->waiting = (long)zlistx_size(self->waiting);
    out->in_flight = (long)zlistx_size(self->in_flight);
    out->acked = self->acked;
    out->already = self->already;
    out->failed = (long)zlistx_size(self->failed);
    out->redelivered = self->redelivered;
    out->unprocessed = self->unprocessed;
    out->as_asked = self->as_asked;
}

int cs_ledger_main_cause(const cs_ledger_t *self, const char **cause, long *count,
                         const char **example)
{
    int best = -1;
    for (int i = 0; i < self->ncauses; i++)
        if (best < 0 || self->causes[i].count > self->causes[best].count)
            best = i;
    if (best < 0)
        return -1;
    *cause = self->causes[best].name;
    *count = self->causes[best].count;
    *example = self->causes[best].example ? self->causes[best].example : "";
    return 0;
}

bool cs_ledger_idle(const cs_ledger_t *self)
{
    return zlistx_size(self->waiting) == 0 && zlistx_size(self->in_flight) == 0;
}

void cs_ledger_each_failed(const cs_ledger_t *self,
                           void (*fn)(void *arg, const char *external_id, const char *title,
                                      const char *reason),
                           void *arg)
{
    for (entry_t *e = zlistx_first(self->failed); e; e = zlistx_next(self->failed))
        fn(arg, e->external_id, e->title, e->reason);
}
