/* cs_prompt_focus: the prompt carries the customer's sentences and the vendor's around them; on
   the three sample sets, every request sentence and its neighbours survive. */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "cs_gongcall.h"
#include "cs_prompt_focus.h"
#include "cs_speakers.h"

/* A call: vendor "v" and customer "c", the transcript given as a string of sides ("vvcvvvvc"),
   sentence i saying "s<i>". */
static json_t *s_call(const char *sides)
{
    json_t *call = json_pack("{s:[{s:s,s:s,s:s},{s:s,s:s,s:s}],s:[]}", "participants", "speaker_id",
                             "v", "name", "Vera Rep", "affiliation", "Internal", "speaker_id", "c",
                             "name", "Cal Buyer", "affiliation", "External", "transcript");
    cr_assert_not_null(call);
    json_t *t = json_object_get(call, "transcript");
    for (size_t i = 0; sides[i]; i++) {
        char text[32];
        snprintf(text, sizeof text, "s%zu", i);
        char id[2] = {sides[i], '\0'};
        json_array_append_new(t, json_pack("{s:s,s:I,s:s}", "speaker_id", id, "start_ms",
                                           (json_int_t)i * 1000, "text", text));
    }
    return call;
}

/* The focused transcript's texts joined by spaces. */
static void s_texts(const json_t *focus, char *out, size_t outlen)
{
    out[0] = '\0';
    size_t i;
    json_t *u;
    json_array_foreach(focus, i, u)
    {
        strncat(out, i ? " " : "", outlen - strlen(out) - 1);
        strncat(out, json_string_value(json_object_get(u, "text")), outlen - strlen(out) - 1);
    }
}

static char *s_focus(const char *sides, int context, int *left_out)
{
    json_t *call = s_call(sides);
    cs_speakers_t sp;
    cs_speakers_resolve(call, &sp);
    json_t *focus = cs_prompt_focus(json_object_get(call, "transcript"), &sp, context, left_out);
    cr_assert_not_null(focus);
    static char buf[4096];
    s_texts(focus, buf, sizeof buf);
    json_decref(focus);
    cs_speakers_free(&sp);
    json_decref(call);
    return buf;
}

Test(prompt_focus, keeps_the_customer_and_the_vendor_near_them)
{
    int left;
    /* 0-3 pitch, 4 customer, 5-9 demo, 10 customer, 11-12 close */
    cr_assert_str_eq(s_focus("vvvvcvvvvvcvv", 1, &left),
                     "(3 more sentences of the vendor's, left out) s3 s4 s5 "
                     "(3 more sentences of the vendor's, left out) s9 s10 s11 "
                     "(1 more sentence of the vendor's, left out)");
    cr_assert_eq(left, 7);
    /* runs shorter than the context on both sides are kept whole */
    cr_assert_str_eq(s_focus("vvcvvvc", 2, &left), "s0 s1 s2 s3 s4 s5 s6");
    cr_assert_eq(left, 0);
    /* context 0: the customer's sentences only */
    cr_assert_str_eq(s_focus("vcvvc", 0, &left), "(1 more sentence of the vendor's, left out) s1 "
                                                 "(2 more sentences of the vendor's, left out) s4");
    cr_assert_eq(left, 3);
}

Test(prompt_focus, a_gap_line_speaks_for_the_vendor_at_the_first_left_out_sentence)
{
    json_t *call = s_call("vvvc");
    cs_speakers_t sp;
    cs_speakers_resolve(call, &sp);
    json_t *focus = cs_prompt_focus(json_object_get(call, "transcript"), &sp, 1, NULL);
    cr_assert_eq(json_array_size(focus), 3);
    json_t *gap = json_array_get(focus, 0);
    cr_assert_str_eq(json_string_value(json_object_get(gap, "speaker_id")), "v");
    cr_assert_eq(json_integer_value(json_object_get(gap, "start_ms")), 0);
    cr_assert(cs_speakers_is_vendor(&sp, gap)); /* the prompt labels it the vendor's */
    /* the kept sentences are the transcript's own objects */
    cr_assert_eq(json_array_get(focus, 2), json_array_get(json_object_get(call, "transcript"), 3));
    json_decref(focus);
    cs_speakers_free(&sp);
    json_decref(call);
}

Test(prompt_focus, unplaced_speakers_count_as_the_customer_and_negative_context_keeps_all)
{
    json_t *call = s_call("vvvvu");
    json_array_append_new(json_object_get(call, "participants"),
                          json_pack("{s:s,s:s}", "speaker_id", "u", "affiliation", "Unknown"));
    cs_speakers_t sp;
    cs_speakers_resolve(call, &sp);
    const json_t *t = json_object_get(call, "transcript");
    int left;
    json_t *focus = cs_prompt_focus(t, &sp, 1, &left);
    cr_assert_eq(json_array_size(focus), 3); /* gap, s3, s4 */
    cr_assert_eq(left, 3);
    json_decref(focus);
    focus = cs_prompt_focus(t, &sp, -1, &left);
    cr_assert_eq(focus, t);
    cr_assert_eq(left, 0);
    json_decref(focus);
    cr_assert_null(cs_prompt_focus(NULL, &sp, 1, &left)); /* no transcript array */
    cs_speakers_free(&sp);
    json_decref(call);
}

/* One sample set: every call through the fetcher's record and the extractor's speakers, focused
   with the default context. Every truth request sentence is kept, and so are the vendor's
   sentences next to it (a restatement before it, "not yet" after it). Returns the share of the
   transcripts' text bytes kept. */
static double s_sample_set(const char *dir, int *requests)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/truth.json", CS_TEST_SOURCE_DIR, dir);
    json_error_t jerr;
    json_t *truth = json_load_file(path, 0, &jerr);
    cr_assert_not_null(truth, "%s: %s", path, jerr.text);
    snprintf(path, sizeof path, "%s/%s/calls.jsonl", CS_TEST_SOURCE_DIR, dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    long all = 0, kept = 0;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *gong = json_loads(line, 0, &jerr);
        cr_assert_not_null(gong, "%s: %s", path, jerr.text);
        char err[256];
        json_t *call = cs_gongcall_record(gong, json_object_get(gong, "transcript"),
                                          "00000000-0000-0000-0000-000000000001", NULL, "replay",
                                          err, sizeof err);
        cr_assert_not_null(call, "%s", err);
        const json_t *calltruth =
            json_object_get(json_object_get(truth, "calls"),
                            json_string_value(json_object_get(call, "external_id")));
        cs_speakers_t sp;
        cs_speakers_resolve(call, &sp);
        const json_t *t = json_object_get(call, "transcript");
        json_t *focus = cs_prompt_focus(t, &sp, CS_PROMPT_FOCUS_DEFAULT_CONTEXT, NULL);
        cr_assert_not_null(focus);
        size_t i;
        json_t *u;
        json_array_foreach(t, i, u)
        {
            all += (long)strlen(json_string_value(json_object_get(u, "text")));
        }
        json_array_foreach(focus, i, u)
        {
            kept += (long)strlen(json_string_value(json_object_get(u, "text")));
        }
        size_t r;
        json_t *req;
        json_array_foreach(json_object_get(calltruth, "requests"), r, req)
        {
            const char *want = json_string_value(json_object_get(req, "sentence"));
            size_t at = 0;
            bool found = false;
            json_array_foreach(t, i, u)
            {
                if (strcmp(json_string_value(json_object_get(u, "text")), want) == 0) {
                    at = i;
                    found = true;
                }
            }
            if (!found || sp.internal_meeting)
                continue; /* a sentence Gong cut differently, or a call not asked at all */
            (*requests)++;
            for (size_t k = at > 0 ? at - 1 : 0; k <= at + 1 && k < json_array_size(t); k++) {
                bool in = false;
                size_t j;
                json_t *v;
                json_array_foreach(focus, j, v)
                {
                    in = in || v == json_array_get(t, k);
                }
                cr_assert(in, "%s: sentence %zu near \"%s\" left out of the prompt", dir, k, want);
            }
        }
        json_decref(focus);
        cs_speakers_free(&sp);
        json_decref(call);
        json_decref(gong);
    }
    free(line);
    fclose(f);
    json_decref(truth);
    return all ? (double)kept / (double)all : 1;
}

Test(prompt_focus, the_sample_sets_keep_every_request_and_its_neighbours)
{
    const char *sets[] = {"samples", "samples/heldout", "samples/test"};
    for (size_t i = 0; i < 3; i++) {
        int requests = 0;
        double share = s_sample_set(sets[i], &requests);
        cr_log_info("%s: %d request sentences kept with their neighbours; %.2f of the text kept",
                    sets[i], requests, share);
        cr_assert_gt(requests, 40, "%s: only %d request sentences were found", sets[i], requests);
        /* the sample calls trade turns often: little is left out of them (docs/BENCHMARKS.md) */
        cr_assert_gt(share, 0.5, "%s: %.2f of the text kept", sets[i], share);
    }
}
