#include "cs_jsonl.h"

#include <stdbool.h>
#include <stdlib.h>

#include "cs_log.h"
#include "cs_util.h"

/* The next line of in into *buf (grown up to max_line + 1 bytes), its length (newline
   included) in *len; a longer line is read through and dropped: *len is then max_line + 1 and
   the buffer holds no line. 1 a line, 0 the end of in, -1 out of memory. */
static int s_read_line(FILE *in, size_t max_line, char **buf, size_t *cap, size_t *len)
{
    *len = 0;
    bool over = false;
    int c;
    while ((c = getc(in)) != EOF) {
        if (!over && *len == max_line) {
            over = true; /* keep counting no further: the rest is skipped */
        } else if (!over) {
            if (*len == *cap) {
                size_t grown = *cap ? *cap * 2 : 4096;
                if (grown > max_line)
                    grown = max_line;
                char *next = realloc(*buf, grown);
                if (!next)
                    return -1;
                *buf = next;
                *cap = grown;
            }
            (*buf)[(*len)++] = (char)c;
        }
        if (c == '\n')
            break;
    }
    if (over)
        *len = max_line + 1;
    return *len > 0 || over ? 1 : 0;
}

/* The answer for line n, from its text. */
static void s_line(cs_jsonl_t *j, const char *text, size_t len, bool too_long, long n)
{
    char err[512] = "";
    if (too_long) {
        if (j->too_long)
            cs_strlcpy(err, j->too_long, sizeof err);
        else
            snprintf(err, sizeof err, "line %ld is not a JSON object (too long)", n + 1);
    } else {
        json_error_t jerr;
        json_t *obj = json_loadb(text, len, 0, &jerr);
        if (!json_is_object(obj))
            snprintf(err, sizeof err, "line %ld is not a JSON object: %s", n + 1, jerr.text);
        else if (j->ops->submit(j->arg, obj, n, err, sizeof err) == 0)
            err[0] = '\0';
        else if (!err[0])
            cs_strlcpy(err, "not taken", sizeof err);
        json_decref(obj);
        if (!err[0])
            return;
    }
    cs_jsonl_answer(j, n, json_pack("{s:s}", "error", err));
}

int cs_jsonl_run(cs_jsonl_t *j, FILE *in, FILE *out)
{
    int rc = 0;
    size_t max_line = j->max_line ? j->max_line : CS_JSONL_MAX_LINE;
    j->answers = json_array();
    char *buf = NULL;
    size_t cap = 0, len = 0;
    long n = 0;
    int got = 0;
    while (j->answers && (got = s_read_line(in, max_line, &buf, &cap, &len)) > 0 &&
           !cs_stop_requested()) {
        if (json_array_append_new(j->answers, json_null()) != 0) {
            got = -1;
            break;
        }
        s_line(j, buf, len, len > max_line, n);
        n++;
        while (j->ops->pending(j->arg) > j->in_flight && !cs_stop_requested())
            j->ops->run(j->arg, 100);
    }
    free(buf);
    if (!j->answers || got < 0 || ferror(in)) {
        cs_error("One-shot input: %s", ferror(in) ? "read error" : "out of memory");
        rc = -1;
    }
    while (j->ops->pending(j->arg) > 0 && !cs_stop_requested())
        j->ops->run(j->arg, 100);
    size_t i;
    json_t *a;
    json_array_foreach(j->answers, i, a)
    {
        char *text = json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY | j->dump_flags);
        fprintf(out, "%s\n", text ? text : "null");
        free(text);
    }
    fflush(out);
    json_decref(j->answers);
    j->answers = NULL;
    return rc;
}

void cs_jsonl_answer(cs_jsonl_t *j, long n, json_t *answer)
{
    if (!j->answers || n < 0) {
        json_decref(answer);
        return;
    }
    json_array_set_new(j->answers, (size_t)n, answer); /* out of range: released */
}
