/*  The lines' index, the batches' list and the state file of cs_batch (cs_batch_priv.h). */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cs_batch_priv.h"
#include "cs_log.h"
#include "cs_util.h"

#define STATE_VERSION 1

line_t *cs_batch_line_find(const cs_batch_t *self, const char *custom_id)
{
    json_t *v = json_object_get(self->index, custom_id);
    return v ? (line_t *)(intptr_t)json_integer_value(v) : NULL;
}

line_t *cs_batch_line_new(cs_batch_t *self, const char *custom_id)
{
    line_t *line = calloc(1, sizeof *line);
    if (!line || !(line->custom_id = strdup(custom_id)) ||
        json_object_set_new(self->index, custom_id, json_integer((json_int_t)(intptr_t)line))) {
        if (line)
            free(line->custom_id);
        free(line);
        return NULL;
    }
    return line;
}

void cs_batch_line_free(cs_batch_t *self, line_t *line)
{
    /* only its own entry: a callback may have submitted the same custom_id anew meanwhile */
    if (cs_batch_line_find(self, line->custom_id) == line)
        json_object_del(self->index, line->custom_id);
    while (line->waiters) {
        waiter_t *next = line->waiters->next;
        free(line->waiters);
        line->waiters = next;
    }
    json_decref(line->answer);
    free(line->custom_id);
    free(line->body);
    free(line);
}

int cs_batch_save(cs_batch_t *self)
{
    if (!self->state_path)
        return 0;
    json_t *batches = json_array();
    for (size_t i = 0; i < self->nbatches; i++) {
        batch_t *b = self->batches[i];
        json_t *ids = json_array();
        const char *key;
        json_t *v;
        json_object_foreach(b->owed, key, v) json_array_append_new(ids, json_string(key));
        json_t *entry = json_pack("{s:s, s:s, s:o}", "id", b->id, "input_file_id", b->input_file_id,
                                  "custom_ids", ids);
        if (entry && b->ended_at > 0)
            json_object_set_new(entry, "ended_at", json_integer(b->ended_at));
        json_array_append_new(batches, entry);
    }
    json_t *root = json_pack("{s:i, s:s, s:o}", "version", STATE_VERSION, "endpoint",
                             self->endpoint, "batches", batches);
    json_t *creating = self->creating ? self->creating : self->unresolved;
    if (root && creating)
        json_object_set(root, "creating", creating);
    char *tmp = NULL;
    int rc = -1;
    if (root && asprintf(&tmp, "%s.tmp", self->state_path) >= 0) {
        FILE *fp = fopen(tmp, "w");
        if (fp && json_dumpf(root, fp, JSON_COMPACT) == 0 && fflush(fp) == 0 &&
            fsync(fileno(fp)) == 0) {
            rc = fclose(fp) == 0 ? rename(tmp, self->state_path) : -1;
            fp = NULL;
        }
        if (fp)
            fclose(fp);
        if (rc != 0)
            unlink(tmp);
    }
    if (rc != 0)
        cs_error("Could not write the batch state file %s: %s (a restart now would send those "
                 "calls again)",
                 self->state_path, strerror(errno));
    free(tmp);
    json_decref(root);
    return rc;
}

batch_t *cs_batch_add(cs_batch_t *self, const char *id, const char *input_file_id)
{
    if (self->nbatches == self->cbatches) {
        size_t cap = self->cbatches ? 2 * self->cbatches : 8;
        batch_t **grown = realloc(self->batches, cap * sizeof *grown);
        if (!grown)
            return NULL;
        self->batches = grown;
        self->cbatches = cap;
    }
    batch_t *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->id = strdup(id);
    b->input_file_id = strdup(input_file_id);
    b->owed = json_object();
    if (!b->id || !b->input_file_id || !b->owed) {
        free(b->id);
        free(b->input_file_id);
        json_decref(b->owed);
        free(b);
        return NULL;
    }
    b->next_poll = cs_now_ms() + self->o.poll_ms;
    self->batches[self->nbatches++] = b;
    self->stats.open_batches++;
    return b;
}

void cs_batch_remove(cs_batch_t *self, batch_t *b)
{
    for (size_t i = 0; i < self->nbatches; i++)
        if (self->batches[i] == b) {
            self->batches[i] = self->batches[--self->nbatches];
            break;
        }
    self->stats.open_batches--;
    free(b->id);
    free(b->input_file_id);
    json_decref(b->owed);
    free(b);
}

/* The batches of the state file, to be polled again at once. */
int cs_batch_load(cs_batch_t *self, char *err, size_t errlen)
{
    if (!self->state_path || access(self->state_path, F_OK) != 0)
        return 0;
    json_error_t je;
    json_t *root = json_load_file(self->state_path, 0, &je);
    json_t *batches = json_object_get(root, "batches");
    if (!json_is_array(batches) ||
        json_integer_value(json_object_get(root, "version")) != STATE_VERSION) {
        json_decref(root);
        return cs_fail(err, errlen,
                       "the batch state file %s is not one (%s): move it away to start afresh "
                       "(the batches it names would then be paid for and not used)",
                       self->state_path, root ? "unknown shape" : je.text);
    }
    size_t i;
    json_t *entry;
    bool dropped = false;
    json_array_foreach(batches, i, entry)
    {
        const char *id = json_string_value(json_object_get(entry, "id"));
        const char *fid = json_string_value(json_object_get(entry, "input_file_id"));
        json_t *ids = json_object_get(entry, "custom_ids");
        int64_t ended_at = json_integer_value(json_object_get(entry, "ended_at"));
        if (ended_at > 0 && cs_wall_ms() - ended_at >= self->o.keep_ms) {
            cs_warn("Batch %s ended %.1f h ago: the %zu answers no call asked for are dropped",
                    id ? id : "?", (cs_wall_ms() - ended_at) / 3600000.0, json_array_size(ids));
            self->stats.unclaimed += (long)json_array_size(ids);
            dropped = true;
            continue;
        }
        batch_t *b = id && fid && json_is_array(ids) ? cs_batch_resume(self, id, fid, ids) : NULL;
        if (b) /* polled again all the same: its answers are read from its files anew */
            b->ended_at = ended_at;
    }
    json_t *creating = json_object_get(root, "creating");
    if (json_is_string(json_object_get(creating, "input_file_id")) &&
        json_is_array(json_object_get(creating, "custom_ids"))) {
        json_object_del(creating, "lost"); /* an earlier run's: not sent by this one */
        self->unresolved = json_incref(creating);
    }
    json_decref(root);
    if (dropped)
        cs_batch_save(self);
    return 0;
}

batch_t *cs_batch_resume(cs_batch_t *self, const char *id, const char *input_file_id,
                         const json_t *ids)
{
    batch_t *b = cs_batch_add(self, id, input_file_id);
    if (!b)
        return NULL;
    b->next_poll = 0;
    size_t j;
    json_t *cid;
    json_array_foreach(ids, j, cid)
    {
        const char *s = json_string_value(cid);
        line_t *line = s ? cs_batch_line_find(self, s) : NULL;
        if (line && line->queued) { /* asked for again before the batch was found: not twice */
            for (size_t k = 0; k < self->nqueue; k++)
                if (self->queue[k] == line) {
                    memmove(self->queue + k, self->queue + k + 1,
                            (self->nqueue - k - 1) * sizeof *self->queue);
                    self->nqueue--;
                    break;
                }
            line->queued = false;
        } else if (s && !line) {
            line = cs_batch_line_new(self, s);
        } else {
            line = NULL; /* in another batch already */
        }
        if (!line)
            continue;
        line->in = b;
        line->rounds = line->body ? line->rounds + 1 : 1; /* sent by this run, or by an earlier */
        json_object_set_new(b->owed, s, json_true());
    }
    cs_info("Resuming batch %s: %zu calls' answers owed", id, json_object_size(b->owed));
    return b;
}
