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
#include <sys/stat.h>
#include <unistd.h>

#include "cs_jdoc.h"
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
    long good;      /* lines read as calls */
    bool any_bad;   /* a line was refused */
    bool document;  /* the last cs_replay_next found one JSON document, not JSON Lines */
    cs_jdoc_t *doc; /* the last line, when cs_jdoc took it */
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
    self->doc = cs_jdoc_new();
    self->max_line = CS_REPLAY_MAX_LINE;
    self->fd = -1;
    if (!self->name || !self->in || !self->doc) {
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
static bool s_fill(cs_replay_t *self)
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
static bool s_reserve(cs_replay_t *self, size_t need)
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

/* Read the next line into buf, without its "\n" or "\r\n", NUL-terminated, its length in *len;
   *newline says whether it ended in one (false for a last line cut short). A line over
   max_line bytes (or one memory runs out for) is read through and discarded. */
static line_status_t s_read_line(cs_replay_t *self, size_t *len, bool *newline)
{
    line_status_t status = LINE_OK;
    size_t n = 0;
    bool any = false, ended = false;
    while (!ended && s_fill(self)) {
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
        } else if (!s_reserve(self, n + take + 1)) {
            status = LINE_NO_MEMORY;
        } else {
            memcpy(self->buf + n, start, take);
            n += take;
        }
    }
    if (!any)
        return LINE_END;
    *newline = ended;
    if (status != LINE_OK)
        return status;
    if (n > 0 && self->buf[n - 1] == '\r')
        n--;
    if (n > self->max_line)
        return LINE_TOO_LONG;
    if (!s_reserve(self, n + 1))
        return LINE_NO_MEMORY;
    self->buf[n] = '\0';
    *len = n;
    return LINE_OK;
}

static bool s_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\f' && s[i] != '\v')
            return false;
    return true;
}

static const char *s_json_kind(const json_t *v)
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
static json_t *s_parse_line(const char *text, size_t len, char *why, size_t whylen)
{
    json_error_t jerr;
    json_t *v = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!v) {
        snprintf(why, whylen, "invalid JSON at column %d: %s", jerr.column, jerr.text);
        return NULL;
    }
    const char *problem = NULL;
    if (!json_is_object(v)) {
        snprintf(why, whylen, "expected a JSON object (a Gong call), got %s", s_json_kind(v));
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

/* The first non-blank character of s[0..n), or 0. */
static char s_first_char(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!s_blank(s + i, 1))
            return s[i];
    return 0;
}

/* The whole input read so far from `line1` on (its text is in buf) and the rest of it, as one
   JSON document: returns 0 and sets *doc (new reference) when it is one, -1 otherwise with the
   parser's reason in why. Counts the lines into self->line. Reads at most max_line bytes in
   all; more is "not one document". For a regular file, the file is read afresh from its start
   with pread() and the reader's position is left alone unless it is one document. */
static int s_whole_document(cs_replay_t *self, size_t len, json_t **doc, char *why, size_t whylen)
{
    *doc = NULL;
    struct stat st;
    if (!self->is_stdin && fstat(self->fd, &st) == 0 && S_ISREG(st.st_mode)) {
        if ((uint64_t)st.st_size > self->max_line)
            return cs_fail(why, whylen, "larger than %zu bytes", self->max_line);
        char *all = malloc((size_t)st.st_size + 1);
        size_t got = 0;
        while (all && got < (size_t)st.st_size) {
            ssize_t n = pread(self->fd, all + got, (size_t)st.st_size - got, (off_t)got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            got += (size_t)n;
        }
        json_error_t jerr;
        json_t *v = all ? json_loadb(all, got, JSON_DECODE_ANY, &jerr) : NULL;
        long lines = 0;
        for (size_t i = 0; all && i < got; i++)
            lines += all[i] == '\n';
        if (all && got > 0 && all[got - 1] != '\n')
            lines++;
        free(all);
        if (!v)
            return cs_fail(why, whylen, "line %d: %s", jerr.line, jerr.text);
        self->line = lines; /* all of it is taken */
        self->at_end = true;
        self->pos = self->len = 0;
        *doc = v;
        return 0;
    }
    /* standard input or a pipe: gather the rest, up to the cap, in a buffer of its own */
    size_t cap = len + 1 > FIRST_LINE ? len + 1 : FIRST_LINE, n = 0;
    char *all = malloc(cap);
    bool too_big = !all;
    if (all) {
        memcpy(all, self->buf, len);
        all[len] = '\n';
        n = len + 1;
    }
    for (;;) {
        size_t l = 0;
        bool nl = false;
        line_status_t st2 = s_read_line(self, &l, &nl);
        if (st2 == LINE_END)
            break;
        self->line++;
        if (too_big || st2 != LINE_OK || n + l + 1 > self->max_line) {
            too_big = true;
            continue; /* read through to the end, counting lines */
        }
        if (n + l + 1 > cap) {
            size_t want = cap;
            while (want < n + l + 1)
                want = want > self->max_line / 2 ? self->max_line + 1 : want * 2;
            char *grown = realloc(all, want);
            if (!grown) {
                too_big = true;
                continue;
            }
            all = grown;
            cap = want;
        }
        memcpy(all + n, self->buf, l);
        all[n + l] = '\n';
        n += l + 1;
    }
    if (too_big) {
        free(all);
        return cs_fail(why, whylen, "larger than %zu bytes", self->max_line);
    }
    json_error_t jerr;
    json_t *v = json_loadb(all, n, JSON_DECODE_ANY, &jerr);
    free(all);
    if (!v)
        return cs_fail(why, whylen, "line %d: %s", jerr.line, jerr.text);
    *doc = v;
    return 0;
}

/* The one-line report for a file that is one JSON document, not JSON Lines. */
static void s_document_error(cs_replay_t *self, const json_t *doc, char *err, size_t errlen)
{
    const char *filter = json_is_array(doc) ? "'.[]'" : ".";
    if (self->is_stdin)
        cs_fail(err, errlen,
                "stdin is one JSON document spread over %ld lines, not JSON Lines: write one "
                "call per line, e.g. with jq -c %s",
                self->line, filter);
    else
        cs_fail(err, errlen,
                "%s is one JSON document spread over %ld lines, not JSON Lines: write one call "
                "per line, e.g. with jq -c %s %s > calls.jsonl",
                self->name, self->line, filter, self->name);
}

/* True when the root of doc is a Gong call as s_parse_line accepts one: an object with a
   metaData object and a "transcript" that is an object, null or absent. */
static bool s_doc_is_call(const cs_jdoc_t *doc)
{
    const cs_jnode_t *root = cs_jdoc_root(doc);
    const cs_jnode_t *meta = cs_jdoc_get(doc, root, "metaData");
    const cs_jnode_t *transcript = cs_jdoc_get(doc, root, "transcript");
    return meta && meta->type == CS_JDOC_OBJECT &&
           (!transcript || transcript->type == CS_JDOC_NULL || transcript->type == CS_JDOC_OBJECT);
}

bool cs_replay_next_call(cs_replay_t *self, cs_replay_call_t *call, bool *eof, char *err,
                         size_t errlen)
{
    call->doc = NULL;
    call->json = NULL;
    *eof = false;
    self->document = false;
    if (err && errlen)
        err[0] = '\0';
    for (;;) {
        size_t len = 0;
        bool newline = true;
        line_status_t status = s_read_line(self, &len, &newline);
        if (status == LINE_END) {
            *eof = true;
            if (self->read_errno)
                cs_fail(err, errlen, "%s: read error: %s", self->name, strerror(self->read_errno));
            return false;
        }
        self->line++;
        if (status == LINE_TOO_LONG) {
            self->any_bad = true;
            cs_fail(err, errlen, "%s:%ld: line longer than %zu bytes, skipped", self->name,
                    self->line, self->max_line);
            return false;
        }
        if (status == LINE_NO_MEMORY) {
            self->any_bad = true;
            cs_fail(err, errlen, "%s:%ld: out of memory for the line, skipped", self->name,
                    self->line);
            return false;
        }
        if (s_blank(self->buf, len))
            continue;
        /* most lines: parsed once, into the reused document; the rest (and every bad line)
           by jansson, whose verdict and reasons stand */
        if (cs_jdoc_parse(self->doc, self->buf, len) == 0 && s_doc_is_call(self->doc)) {
            self->good++;
            call->doc = self->doc;
            return true;
        }
        char why[256];
        call->json = s_parse_line(self->buf, len, why, sizeof why);
        if (call->json) {
            self->good++;
            return true;
        }
        /* the first line already refused: perhaps the whole input is one JSON document (a
           pretty-printed call or an array of calls), which is one mistake, not many */
        char first = s_first_char(self->buf, len);
        size_t lead = strspn(self->buf, " \t\r");
        bool lone = (first == '[' || first == '{') && s_blank(self->buf + lead + 1, len - lead - 1);
        /* a pipe is gathered, hence spent: only when the first line is "[" or "{" alone, which
           no JSON Lines call is; a regular file is reread from its start without losing it */
        if (self->good == 0 && !self->any_bad && (first == '[' || first == '{') &&
            (lone || !self->is_stdin)) {
            long line1 = self->line;
            json_t *doc = NULL;
            char docwhy[256];
            if (s_whole_document(self, len, &doc, docwhy, sizeof docwhy) == 0 &&
                (json_is_array(doc) || json_is_object(doc))) {
                s_document_error(self, doc, err, errlen);
                json_decref(doc);
                self->document = true;
                *eof = true;
                return false;
            }
            json_decref(doc);
            if (lone) { /* "[" or "{" alone: say what it looked like, once, and stop */
                cs_fail(err, errlen,
                        "%s starts like one JSON document (\"%c\" alone on line %ld), not JSON "
                        "Lines, and is not valid JSON either (%s): write one call per line",
                        self->name, first, line1, docwhy);
                self->document = true;
                *eof = true;
                self->at_end = true;
                self->pos = self->len = 0;
                return false;
            }
        }
        self->any_bad = true;
        if (!newline)
            cs_fail(err, errlen,
                    "%s:%ld: the last line is cut short (no newline at its end, and %s): the "
                    "file was truncated or is still being written",
                    self->name, self->line, why);
        else
            cs_fail(err, errlen, "%s:%ld: %s", self->name, self->line, why);
        return false;
    }
}

json_t *cs_replay_next(cs_replay_t *self, bool *eof, char *err, size_t errlen)
{
    cs_replay_call_t call;
    if (!cs_replay_next_call(self, &call, eof, err, errlen))
        return NULL;
    if (call.json)
        return call.json;
    json_t *v = cs_jdoc_to_json(call.doc, cs_jdoc_root(call.doc), NULL);
    if (!v)
        cs_fail(err, errlen, "%s:%ld: out of memory for the line, skipped", self->name, self->line);
    return v;
}

bool cs_replay_was_document(const cs_replay_t *self)
{
    return self->document;
}

long cs_replay_count_calls(const char *path)
{
    if (!path || strcmp(path, "-") == 0)
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -1;
    }
    char *chunk = malloc(INPUT_BUFFER);
    long lines = 0;
    bool content = false; /* the current line has a non-blank character */
    ssize_t n;
    while (chunk && (n = read(fd, chunk, INPUT_BUFFER)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            lines = -1;
            break;
        }
        for (const char *p = chunk, *end = chunk + n; p < end; p++) {
            if (content) { /* the rest of a line that counts: straight to its end */
                p = memchr(p, '\n', (size_t)(end - p));
                if (!p)
                    break;
                lines++;
                content = false;
            } else if (*p != '\n' && !s_blank(p, 1)) {
                content = true;
            }
        }
    }
    if (lines >= 0)
        lines += content;
    free(chunk);
    close(fd);
    return chunk ? lines : -1;
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
    cs_jdoc_destroy(&self->doc);
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

static int s_write_chunk(const char *buffer, size_t size, void *data)
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
    rc = json_dump_callback(line, s_write_chunk, self->fp, JSON_COMPACT);
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
