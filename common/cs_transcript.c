/*  cs_transcript: see cs_transcript.h. */
#include "cs_transcript.h"

#include <stdlib.h>
#include <string.h>

#include "cs_record.h"

/* Who said utterance `u`: its speaker's name, else its speaker id, else "?". */
static const char *s_who(const json_t *u)
{
    const char *who = cs_rec_str(u, "speaker");
    if (!who)
        who = cs_rec_str(u, "speaker_id");
    return who ? who : "?";
}

/* The length of the text of `transcript`, without its NUL. */
static size_t s_length(const json_t *transcript)
{
    size_t total = 0, i;
    json_t *u;
    json_array_foreach(transcript, i, u)
    {
        const char *said = cs_rec_str(u, "text");
        total += strlen(s_who(u)) + (said ? strlen(said) : 0) + 3; /* ": " and "\n" */
    }
    return total;
}

/* The text of `transcript` into `text`, which has room for its s_length() bytes and a NUL. */
static void s_fill(const json_t *transcript, char *text)
{
    size_t off = 0, i;
    json_t *u;
    json_array_foreach(transcript, i, u)
    {
        const char *who = s_who(u), *said = cs_rec_str(u, "text");
        size_t n = strlen(who);
        memcpy(text + off, who, n);
        off += n;
        memcpy(text + off, ": ", 2);
        off += 2;
        n = said ? strlen(said) : 0;
        if (n)
            memcpy(text + off, said, n);
        off += n;
        text[off++] = '\n';
    }
    text[off] = '\0';
}

char *cs_transcript_render(const json_t *transcript, size_t cap, size_t *len)
{
    size_t total = s_length(transcript);
    if (total > cap)
        return NULL;
    char *text = malloc(total + 1);
    if (!text)
        return NULL;
    s_fill(transcript, text);
    if (len)
        *len = total;
    return text;
}

int cs_transcript_flatten(json_t *rec)
{
    if (cs_rec_int(rec, "v", 0) == CS_RECORD_VERSION_TEXT)
        return 0;
    const json_t *transcript = json_object_get(rec, "transcript");
    size_t len = s_length(transcript);
    if (len > CS_RECORD_MAX_TRANSCRIPT_TEXT)
        return 1;
    char *text = malloc(len + 1);
    if (!text)
        return -1;
    s_fill(transcript, text);
    /* valid UTF-8 without NUL: it is made of strings the record's limits have checked */
    json_t *s = json_stringn_nocheck(text, len);
    free(text);
    json_t *v = json_integer(CS_RECORD_VERSION_TEXT);
    if (!s || !v || json_object_set_new(rec, "transcript_text", s) != 0) {
        json_decref(v);
        return -1;
    }
    if (json_object_set_new(rec, "v", v) != 0) {
        json_object_del(rec, "transcript_text");
        return -1;
    }
    json_object_del(rec, "transcript");
    return 0;
}

const char *cs_transcript_text(const json_t *rec, char **owned, size_t *len)
{
    *owned = NULL;
    const json_t *text = json_object_get(rec, "transcript_text");
    if (json_is_string(text)) {
        *len = json_string_length(text);
        return json_string_value(text);
    }
    *owned = cs_transcript_render(json_object_get(rec, "transcript"), (size_t)-1, len);
    return *owned;
}
