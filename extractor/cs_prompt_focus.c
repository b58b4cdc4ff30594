/*  cs_prompt_focus: see cs_prompt_focus.h. */
#include "cs_prompt_focus.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* The line that stands for `n` vendor sentences left out, from the first of them. */
static json_t *s_gap(const json_t *first, int n)
{
    char text[96];
    snprintf(text, sizeof text, "(%d more sentence%s of the vendor's, left out)", n,
             n == 1 ? "" : "s");
    json_t *gap = json_object();
    if (!gap)
        return NULL;
    const char *keys[] = {"speaker_id", "speaker", "affiliation", "start_ms"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        json_t *v = json_object_get(first, keys[i]);
        if (v && json_object_set(gap, keys[i], v) != 0) {
            json_decref(gap);
            return NULL;
        }
    }
    if (json_object_set_new(gap, "text", json_string(text)) != 0) {
        json_decref(gap);
        return NULL;
    }
    return gap;
}

json_t *cs_prompt_focus(const json_t *transcript, const cs_speakers_t *sp, int context,
                        int *left_out)
{
    if (left_out)
        *left_out = 0;
    if (!json_is_array(transcript))
        return NULL;
    if (context < 0)
        return json_incref((json_t *)transcript);
    size_t n = json_array_size(transcript);
    /* keep[i]: the sentence goes in; first a customer's, then the vendor's near one */
    bool *keep = calloc(n ? n : 1, sizeof *keep);
    json_t *out = json_array();
    if (!keep || !out) {
        free(keep);
        json_decref(out);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *u = json_array_get(transcript, i);
        if (cs_speakers_is_vendor(sp, u))
            continue;
        size_t lo = i >= (size_t)context ? i - (size_t)context : 0;
        size_t hi = i + (size_t)context < n - 1 ? i + (size_t)context : n - 1;
        for (size_t j = lo; j <= hi; j++)
            keep[j] = true;
    }
    int dropped = 0;
    bool ok = true;
    for (size_t i = 0; i < n && ok;) {
        if (keep[i]) {
            ok = json_array_append(out, json_array_get(transcript, i)) == 0;
            i++;
            continue;
        }
        size_t run = i;
        while (run < n && !keep[run])
            run++;
        json_t *gap = s_gap(json_array_get(transcript, i), (int)(run - i));
        ok = gap && json_array_append_new(out, gap) == 0;
        dropped += (int)(run - i);
        i = run;
    }
    free(keep);
    if (!ok) {
        json_decref(out);
        return NULL;
    }
    if (left_out)
        *left_out = dropped;
    return out;
}
