/*  cs_replay: reading and writing the replay file (JSON Lines of Gong calls).

    The reader does its own buffering on a file descriptor rather than stdio's getline: a line
    is gathered into a buffer that grows only up to the cap, and a longer line is read through
    in input-buffer-sized pieces and discarded. read(2) on the descriptor also returns what a
    pipe has so far, so `--replay -` fed by a live producer hands each call on as it arrives. */
#include "cs_replay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cs_util.h"

#define INPUT_BUFFER (64u << 10) /* bytes read from the file at a time */
#define FIRST_LINE   (64u << 10) /* first size of the line buffer */

struct cs_replay {
    int fd;
    bool is_stdin;
    char *name; /* the path, or "stdin", for messages */
    long line;  /* lines read so far */
    size_t max_line;
    char *in; /* INPUT_BUFFER bytes; in[pos..len) not yet consumed */
    size_t pos, len;
    bool at_end;    /* read() returned 0, or failed */
    int read_errno; /* why it failed; 0 at a plain end */
    char *buf;      /* the current line, NUL-terminated */
    size_t cap;
};

struct cs_recorder {
    FILE *fp;
    bool is_stdout;
    bool failed; /* a write failed: the file may end in a partial line, so refuse more */
    char *name;
};

/* ---------------------------------------------------------------------------------------- */
/* Reading                                                                                    */

cs_replay_t *cs_replay_open(const char *path, char *err, size_t errlen)
{
    if (!path || !path[0]) {
        cs_fail(err, errlen, "no replay file given");
        return NULL;
    }
    cs_replay_t *self = calloc(1, sizeof *self);
    if (!self) {
        cs_fail(err, errlen, "out of memory");
        return NULL;
    }
    self->is_stdin = strcmp(path, "-") == 0;
    self->name = strdup(self->is_stdin ? "stdin" : path);
    self->in = malloc(INPUT_BUFFER);
    self->max_line = CS_REPLAY_MAX_LINE;
    self->fd = -1;
    if (!self->name || !self->in) {
        cs_fail(err, errlen, "out of memory");
        cs_replay_close(&self);
        return NULL;
    }
    if (self->is_stdin) {
        self->fd = STDIN_FILENO;
    } else {
        do
            self->fd = open(path, O_RDONLY | O_CLOEXEC);
        while (self->fd < 0 && errno == EINTR);
        if (self->fd < 0) {
            cs_fail(err, errlen, "cannot open %s: %s", path, strerror(errno));
            cs_replay_close(&self);
            return NULL;
        }
    }
    return self;
}

void cs_replay_set_max_line(cs_replay_t *self, size_t bytes)
{
    self->max_line = bytes > 0 ? bytes : 1;
}

/* Make in[pos..len) non-empty. Returns false at the end of the input (or after an error, with
   read_errno set). */
static bool fill(cs_replay_t *self)
{
    if (self->pos < self->len)
        return true;
    while (!self->at_end) {
        ssize_t n = read(self->fd, self->in, INPUT_BUFFER);
        if (n > 0) {
            self->pos = 0;
            self->len = (size_t)n;
            return true;
        }
        if (n < 0 && errno == EINTR && !cs_stop_requested())
            continue;
        self->at_end = true;
        if (n < 0)
            self->read_errno = errno;
    }
    return false;
}

/* Room for `need` bytes in the line buffer, growing it geometrically up to max_line + 2 (the
   longest line kept, a '\r' and the NUL). */
static bool reserve(cs_replay_t *self, size_t need)
{
    if (need <= self->cap)
        return true;
    size_t limit = self->max_line + 2;
    size_t cap = self->cap ? self->cap : FIRST_LINE;
    while (cap < need && cap < limit)
        cap = cap > limit / 2 ? limit : cap * 2;
    if (cap > limit)
        cap = limit;
    if (cap < need)
        return false;
    char *buf = realloc(self->buf, cap);
    if (!buf)
        return false;
    self->buf = buf;
    self->cap = cap;
    return true;
}

typedef enum { LINE_OK, LINE_TOO_LONG, LINE_NO_MEMORY, LINE_END } line_status_t;

/* Read the next line into buf, without its "\n" or "\r\n", NUL-terminated, its length in *len.
   A line over max_line bytes (or one memory runs out for) is read through and discarded. */
static line_status_t read_line(cs_replay_t *self, size_t *len)
{
    line_status_t status = LINE_OK;
    size_t n = 0;
    bool any = false, ended = false;
    while (!ended && fill(self)) {
        any = true;
        const char *start = self->in + self->pos;
        size_t avail = self->len - self->pos;
        const char *nl = memchr(start, '\n', avail);
        size_t take = nl ? (size_t)(nl - start) : avail;
        self->pos += take + (nl ? 1 : 0);
        ended = nl != NULL;
        if (status != LINE_OK)
            continue;
        if (take > self->max_line + 1 - n) { /* + 1: a '\r' may still go */
            status = LINE_TOO_LONG;
        } else if (!reserve(self, n + take + 1)) {
            status = LINE_NO_MEMORY;
        } else {
            memcpy(self->buf + n, start, take);
            n += take;
        }
    }
    if (!any)
        return LINE_END;
    if (status != LINE_OK)
        return status;
    if (n > 0 && self->buf[n - 1] == '\r')
        n--;
    if (n > self->max_line)
        return LINE_TOO_LONG;
    if (!reserve(self, n + 1))
        return LINE_NO_MEMORY;
    self->buf[n] = '\0';
    *len = n;
    return LINE_OK;
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\f' && s[i] != '\v')
            return false;
    return true;
}

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

/* Parse one line; NULL with the reason (without the FILE:LINE prefix) in why. */
static json_t *parse_line(const char *text, size_t len, char *why, size_t whylen)
{
    json_error_t jerr;
    json_t *v = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!v) {
        snprintf(why, whylen, "invalid JSON at column %d: %s", jerr.column, jerr.text);
        return NULL;
    }
    const char *problem = NULL;
    if (!json_is_object(v)) {
        snprintf(why, whylen, "expected a JSON object (a Gong call), got %s", json_kind(v));
        json_decref(v);
        return NULL;
    }
    const json_t *transcript = json_object_get(v, "transcript");
    if (!json_is_object(json_object_get(v, "metaData")))
        problem = "no metaData object: not a Gong call";
    else if (transcript && !json_is_null(transcript) && !json_is_object(transcript))
        problem = "\"transcript\" is not an object";
    if (problem) {
        snprintf(why, whylen, "%s", problem);
        json_decref(v);
        return NULL;
    }
    return v;
}

json_t *cs_replay_next(cs_replay_t *self, bool *eof, char *err, size_t errlen)
{
    *eof = false;
    if (err && errlen)
        err[0] = '\0';
    for (;;) {
        size_t len = 0;
        line_status_t status = read_line(self, &len);
        if (status == LINE_END) {
            *eof = true;
            if (self->read_errno)
                cs_fail(err, errlen, "%s: read error: %s", self->name, strerror(self->read_errno));
            return NULL;
        }
        self->line++;
        if (status == LINE_TOO_LONG) {
            cs_fail(err, errlen, "%s:%ld: line longer than %zu bytes, skipped", self->name,
                    self->line, self->max_line);
            return NULL;
        }
        if (status == LINE_NO_MEMORY) {
            cs_fail(err, errlen, "%s:%ld: out of memory for the line, skipped", self->name,
                    self->line);
            return NULL;
        }
        if (blank(self->buf, len))
            continue;
        char why[256];
        json_t *call = parse_line(self->buf, len, why, sizeof why);
        if (!call)
            cs_fail(err, errlen, "%s:%ld: %s", self->name, self->line, why);
        return call;
    }
}

long cs_replay_line_number(const cs_replay_t *self)
{
    return self->line;
}

void cs_replay_close(cs_replay_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cs_replay_t *self = *self_p;
    if (self->fd >= 0 && !self->is_stdin)
        close(self->fd);
    free(self->buf);
    free(self->in);
    free(self->name);
    free(self);
    *self_p = NULL;
}

void cs_replay_split(const json_t *line, json_t **gong_call, json_t **transcript)
{
    *gong_call = NULL;
    *transcript = NULL;
    if (!json_is_object(line))
        return;
    /* A shallow copy: the members are shared with `line`, which neither side modifies. */
    json_t *call = json_copy((json_t *)line);
    if (!call)
        return;
    json_t *t = json_object_get(call, "transcript");
    if (t && !json_is_null(t))
        *transcript = json_incref(t);
    json_object_del(call, "transcript");
    *gong_call = call;
}

/* ---------------------------------------------------------------------------------------- */
/* Recording                                                                                  */

cs_recorder_t *cs_recorder_open(const char *path, char *err, size_t errlen)
{
    if (!path || !path[0]) {
        cs_fail(err, errlen, "no record file given");
        return NULL;
    }
    cs_recorder_t *self = calloc(1, sizeof *self);
    if (!self) {
        cs_fail(err, errlen, "out of memory");
        return NULL;
    }
    self->is_stdout = strcmp(path, "-") == 0;
    self->name = strdup(self->is_stdout ? "stdout" : path);
    if (!self->name) {
        cs_fail(err, errlen, "out of memory");
        cs_recorder_close(&self);
        return NULL;
    }
    self->fp = self->is_stdout ? stdout : fopen(path, "we");
    if (!self->fp) {
        cs_fail(err, errlen, "cannot create %s: %s", path, strerror(errno));
        cs_recorder_close(&self);
        return NULL;
    }
    return self;
}

static int write_chunk(const char *buffer, size_t size, void *data)
{
    return fwrite(buffer, 1, size, (FILE *)data) == size ? 0 : -1;
}

int cs_recorder_write(cs_recorder_t *self, const json_t *gong_call, const json_t *transcript,
                      char *err, size_t errlen)
{
    if (self->failed)
        return cs_fail(err, errlen, "%s: an earlier write failed", self->name);
    if (!json_is_object(gong_call))
        return cs_fail(err, errlen, "%s: the call to record is not a JSON object", self->name);
    json_t *line = json_copy((json_t *)gong_call); /* shallow: members are shared, unchanged */
    if (!line)
        return cs_fail(err, errlen, "%s: out of memory", self->name);
    int rc = 0;
    if (transcript && !json_is_null(transcript))
        rc = json_object_set(line, "transcript", (json_t *)transcript);
    else
        json_object_del(line, "transcript"); /* -1 only when there was none */
    if (rc != 0) {
        json_decref(line);
        return cs_fail(err, errlen, "%s: out of memory", self->name);
    }
    errno = 0;
    rc = json_dump_callback(line, write_chunk, self->fp, JSON_COMPACT);
    json_decref(line);
    if (rc == 0 && (fputc('\n', self->fp) == EOF || fflush(self->fp) != 0))
        rc = -1;
    if (rc != 0) {
        self->failed = true;
        return cs_fail(err, errlen, "%s: write failed: %s", self->name,
                       errno ? strerror(errno) : "cannot encode the call");
    }
    return 0;
}

void cs_recorder_close(cs_recorder_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cs_recorder_t *self = *self_p;
    if (self->fp && !self->is_stdout)
        fclose(self->fp);
    else if (self->fp)
        fflush(self->fp);
    free(self->name);
    free(self);
    *self_p = NULL;
}
