/*  cs_insights_quote: what the customers said, and whether a quote is theirs (see
    cs_insights_quote.h). */
#include "cs_insights_quote.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cs_buf.h"
#include "cs_insights.h"
#include "cs_record.h"
#include "cs_util.h"

/* The side u is indexed under: CS_SIDE_CUSTOMER, CS_SIDE_VENDOR, or CS_SIDE_UNPLACED (not
   indexed: no text, or on neither side). */
static cs_side_t s_side(const cs_speakers_t *sp, const json_t *u)
{
    if (!cs_rec_str(u, "text"))
        return CS_SIDE_UNPLACED;
    if (cs_speakers_is_customer(sp, u))
        return CS_SIDE_CUSTOMER;
    return cs_speakers_is_vendor(sp, u) ? CS_SIDE_VENDOR : CS_SIDE_UNPLACED;
}

/* Who said u, to tell consecutive utterances of one speaker; NULL when unknown. */
static const char *s_speaker_key(const json_t *u)
{
    const char *id = cs_rec_str(u, "speaker_id");
    return id ? id : cs_rec_str(u, "speaker");
}

void cs_insights_said_free(cs_insights_said_t *said)
{
    for (size_t i = 0; i < said->count; i++)
        free(said->runs[i].words);
    free(said->runs);
    memset(said, 0, sizeof *said);
}

int cs_insights_said_build(cs_insights_said_t *said, const cs_speakers_t *sp,
                           const json_t *transcript)
{
    memset(said, 0, sizeof *said);
    size_t n = json_array_size(transcript);
    if (n == 0)
        return 0;
    said->runs = calloc(n, sizeof *said->runs);
    if (!said->runs)
        return -1;
    size_t i = 0;
    while (i < n) {
        const json_t *u = json_array_get(transcript, i++);
        cs_side_t side = s_side(sp, u);
        if (side == CS_SIDE_UNPLACED)
            continue;
        cs_buf_t text = {0};
        cs_buf_add(&text, cs_rec_str(u, "text"), strlen(cs_rec_str(u, "text")));
        const char *key = s_speaker_key(u);
        while (key && i < n) {
            const json_t *next = json_array_get(transcript, i);
            const char *next_key = s_speaker_key(next);
            if (s_side(sp, next) != side || !next_key || strcmp(key, next_key) != 0)
                break;
            cs_buf_add(&text, " ", 1);
            cs_buf_add(&text, cs_rec_str(next, "text"), strlen(cs_rec_str(next, "text")));
            i++;
        }
        char *joined = cs_buf_take(&text);
        cs_insights_run_t *run = &said->runs[said->count];
        run->words = joined ? cs_insights_normalise(joined) : NULL;
        run->speaker = cs_rec_str(u, "speaker");
        run->customer = side == CS_SIDE_CUSTOMER;
        free(joined);
        if (!run->words) {
            cs_insights_said_free(said);
            return -1;
        }
        said->count++;
    }
    return 0;
}

/* The first occurrence of `needle` in `hay` at or after `from` that starts and ends on a word
   boundary (both are normalised: words separated by single spaces). */
static const char *s_find_words(const char *hay, const char *from, const char *needle)
{
    size_t len = strlen(needle);
    for (const char *p = strstr(from, needle); p; p = strstr(p + 1, needle))
        if ((p == hay || p[-1] == ' ') && (p[len] == '\0' || p[len] == ' '))
            return p;
    return NULL;
}

/* The next part of a quote: up to "..." or "…" (or the end). Sets *next past the ellipsis. */
static size_t s_quote_part(const char *s, const char **next)
{
    const char *dots = strstr(s, "...");
    const char *ellipsis = strstr(s, "\xe2\x80\xa6");
    const char *end = dots && (!ellipsis || dots < ellipsis) ? dots : ellipsis;
    if (!end) {
        *next = NULL;
        return strlen(s);
    }
    *next = end + 3; /* both are three bytes */
    return (size_t)(end - s);
}

int cs_insights_said_find(const cs_insights_said_t *said, cs_side_t side, const char *quote,
                          const char **speaker)
{
    char *parts[16];
    size_t count = 0;
    int rc = 0;
    for (const char *s = quote, *next; s; s = next) {
        if (count == CS_ARRAY_LEN(parts)) /* too cut up to be anyone's words */
            goto done;
        size_t len = s_quote_part(s, &next);
        char *raw = strndup(s, len);
        char *words = raw ? cs_insights_normalise(raw) : NULL;
        free(raw);
        if (!words) {
            rc = -1;
            goto done;
        }
        if (words[0] == '\0')
            free(words);
        else
            parts[count++] = words;
    }
    if (side != CS_SIDE_CUSTOMER && side != CS_SIDE_VENDOR)
        goto done;
    for (size_t r = 0; r < said->count && count > 0 && rc == 0; r++) {
        if (said->runs[r].customer != (side == CS_SIDE_CUSTOMER))
            continue;
        const char *hay = said->runs[r].words, *at = hay;
        size_t k = 0;
        for (; k < count; k++) {
            const char *p = s_find_words(hay, at, parts[k]);
            if (!p)
                break;
            at = p + strlen(parts[k]);
        }
        if (k == count) {
            *speaker = said->runs[r].speaker;
            rc = 1;
        }
    }
done:
    for (size_t k = 0; k < count; k++)
        free(parts[k]);
    return rc;
}
