/* cs_transcript: the transcript rendered once, and records of both versions on the wire. */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_record.h"
#include "cs_testdata.h"
#include "cs_transcript.h"

#define WS "6f1c1d2e-8a4b-4c3d-9e2f-1a2b3c4d5e6f"

/* A decision of version 1 with a transcript of three utterances: one named, one with a
   speaker id only, one with neither (and an empty text). */
static json_t *s_decision(void)
{
    json_t *d =
        cs_testdata_decision(cs_testdata_call(WS, "t-1", "2025-10-20T17:27:28Z", "Acme", NULL));
    json_t *t = json_object_get(d, "transcript");
    json_array_append_new(t, json_pack("{s:s, s:i, s:s}", "speaker_id", "77", "start_ms", 9000,
                                       "text", "Only an id: \"quoted\", \\ and ünïcödé"));
    json_array_append_new(t, json_pack("{s:i, s:s}", "start_ms", 9500, "text", ""));
    return d;
}

static const char EXPECTED[] = "Steve: What would help your team?\n"
                               "Yukta: We really need Salesforce sync for our tickets.\n"
                               "77: Only an id: \"quoted\", \\ and ünïcödé\n"
                               "?: \n";

Test(transcript, renders_one_speaker_line_per_utterance)
{
    json_t *d = s_decision();
    size_t len = 0;
    char *text = cs_transcript_render(json_object_get(d, "transcript"), (size_t)-1, &len);
    cr_assert_str_eq(text, EXPECTED);
    cr_assert_eq(len, strlen(EXPECTED));
    free(text);
    /* no transcript, or not an array: no text */
    text = cs_transcript_render(NULL, 10, &len);
    cr_assert_str_eq(text, "");
    cr_assert_eq(len, 0);
    free(text);
    /* past the cap: nothing */
    cr_assert_null(cs_transcript_render(json_object_get(d, "transcript"), 10, &len));
    json_decref(d);
}

Test(transcript, flatten_makes_a_valid_version_2_record_that_survives_the_wire)
{
    json_t *d = s_decision();
    cr_assert_eq(cs_transcript_flatten(d), 0);
    cr_assert_eq(cs_rec_int(d, "v", 0), CS_RECORD_VERSION_TEXT);
    cr_assert_null(json_object_get(d, "transcript"));
    cr_assert_str_eq(cs_rec_str(d, "transcript_text"), EXPECTED);
    cr_assert_eq(cs_transcript_flatten(d), 0, "a second time changes nothing");
    cr_assert_str_eq(cs_rec_str(d, "transcript_text"), EXPECTED);

    char err[256] = "", *buf = NULL;
    size_t len = 0;
    cr_assert_eq(cs_record_encode(d, &buf, &len, err, sizeof err), 0, "%s", err);
    json_t *back = cs_record_decode(buf, len, err, sizeof err);
    cr_assert_not_null(back, "%s", err);
    cr_assert(json_equal(back, d));

    char *owned = NULL;
    const char *text = cs_transcript_text(back, &owned, &len);
    cr_assert_null(owned, "version 2: the record's own string");
    cr_assert_str_eq(text, EXPECTED);
    free(buf);
    json_decref(back);

    /* a version-1 record gives the same text, rendered */
    json_t *old = s_decision();
    text = cs_transcript_text(old, &owned, &len);
    cr_assert_not_null(owned);
    cr_assert_str_eq(text, EXPECTED);
    cr_assert_eq(len, strlen(EXPECTED));
    free(owned);
    json_decref(old);
    json_decref(d);
}

Test(transcript, a_record_without_a_transcript_gets_an_empty_text)
{
    json_t *d = s_decision();
    json_object_del(d, "transcript");
    cr_assert_eq(cs_transcript_flatten(d), 0);
    cr_assert_str_eq(cs_rec_str(d, "transcript_text"), "");
    char err[256] = "";
    cr_assert_eq(cs_record_validate(d, err, sizeof err), 0, "%s", err);
    json_decref(d);
}

/* A string of `n` bytes of 'a'. */
static json_t *s_big(size_t n)
{
    char *s = malloc(n);
    cr_assert_not_null(s);
    memset(s, 'a', n);
    json_t *v = json_stringn(s, n);
    free(s);
    return v;
}

Test(transcript, a_text_past_the_cap_stays_utterances)
{
    json_t *d = s_decision();
    json_t *t = json_object_get(d, "transcript");
    for (int i = 0; i < 3; i++) /* 3 x 3 MB of text: under the string limit, over the text's */
        json_array_append_new(t, json_pack("{s:s, s:i, s:o}", "speaker", "S", "start_ms", 10000,
                                           "text", s_big(3u << 20)));
    json_t *copy = json_deep_copy(d);
    cr_assert_eq(cs_transcript_flatten(d), 1);
    cr_assert(json_equal(d, copy), "left as it was");
    char err[256] = "";
    cr_assert_eq(cs_record_validate(d, err, sizeof err), 0, "%s", err);
    json_decref(copy);
    json_decref(d);
}

Test(transcript, the_text_has_its_own_bound_past_the_string_limit)
{
    json_t *d = s_decision();
    cr_assert_eq(cs_transcript_flatten(d), 0);
    char err[256] = "", *buf = NULL;
    size_t len = 0;
    /* 5 MB: over any other string's limit, within the text's */
    json_object_set_new(d, "transcript_text", s_big(5u << 20));
    cr_assert_eq(cs_record_encode(d, &buf, &len, err, sizeof err), 0, "%s", err);
    json_t *back = cs_record_decode(buf, len, err, sizeof err);
    cr_assert_not_null(back, "%s", err);
    json_decref(back);
    free(buf);
    /* elsewhere 5 MB is too much */
    json_object_set_new(d, "title", s_big(5u << 20));
    cr_assert_eq(cs_record_validate(d, err, sizeof err), -1);
    cr_assert(strstr(err, "field 'title': string of 5242880 bytes, over the limit of 4194304"),
              "%s", err);
    json_object_del(d, "title");
    /* and past CS_RECORD_MAX_TRANSCRIPT_TEXT the text is refused, on both sides of the wire */
    json_object_set_new(d, "transcript_text", s_big(CS_RECORD_MAX_TRANSCRIPT_TEXT + 1));
    cr_assert_eq(cs_record_validate(d, err, sizeof err), -1);
    cr_assert(strstr(err, "field 'transcript_text': string of 8388609 bytes, over the limit of "
                          "8388608"),
              "%s", err);
    json_decref(d);
}

/* The frame of `rec` packed without validation, as a stage of another build might send it. */
static char *s_pack(const json_t *rec, size_t *len)
{
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init(&sbuf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    cr_assert_eq(cs_record_pack_value(&pk, rec), 0);
    *len = sbuf.size;
    return msgpack_sbuffer_release(&sbuf);
}

/* `rec` is refused both by the validator and by the decoder, with `why` in the reason. */
static void s_refused(const json_t *rec, const char *why)
{
    char err[256] = "";
    cr_assert_eq(cs_record_validate(rec, err, sizeof err), -1);
    cr_assert(strstr(err, why), "'%s' not in '%s'", why, err);
    size_t len;
    char *buf = s_pack(rec, &len);
    err[0] = '\0';
    cr_assert_null(cs_record_decode(buf, len, err, sizeof err));
    cr_assert(strstr(err, why), "'%s' not in '%s'", why, err);
    free(buf);
}

Test(transcript, each_version_carries_one_form_only)
{
    json_t *d = s_decision();
    json_t *mixed = json_deep_copy(d);
    json_object_set_new(mixed, "transcript_text", json_string("x: y\n"));
    s_refused(mixed, "field 'transcript_text' is not allowed in a record of version 1");

    cr_assert_eq(cs_transcript_flatten(d), 0);
    json_object_set(d, "transcript", json_object_get(mixed, "transcript"));
    s_refused(d, "field 'transcript' is not allowed in a record of version 2");
    json_object_del(d, "transcript");

    json_object_set_new(d, "transcript_text", json_integer(3));
    s_refused(d, "field 'transcript_text': expected string, got integer");
    json_object_set_new(d, "transcript_text", json_string("ok"));

    json_t *call = cs_testdata_call(WS, "t-2", "2025-10-20T17:27:28Z", NULL, NULL);
    json_object_set_new(call, "v", json_integer(CS_RECORD_VERSION_TEXT));
    json_object_del(call, "transcript");
    s_refused(call, "version 2 is for extraction and decision records only");

    json_object_set_new(d, "v", json_integer(3));
    s_refused(d, "unsupported version 3");
    json_decref(call);
    json_decref(mixed);
    json_decref(d);
}

Test(transcript, the_decoder_refuses_a_text_that_is_not_utf8)
{
    json_t *d = s_decision();
    cr_assert_eq(cs_transcript_flatten(d), 0);
    json_object_set_new(d, "transcript_text", json_string("MARKER"));
    size_t len;
    char *buf = s_pack(d, &len);
    char *at = memmem(buf, len, "MARKER", 6);
    cr_assert_not_null(at);
    at[2] = (char)0xff; /* not UTF-8 */
    char err[256] = "";
    cr_assert_null(cs_record_decode(buf, len, err, sizeof err));
    cr_assert(strstr(err, "field 'transcript_text': string is not valid UTF-8"), "%s", err);
    at[2] = '\0'; /* a NUL byte */
    cr_assert_null(cs_record_decode(buf, len, err, sizeof err));
    cr_assert(strstr(err, "field 'transcript_text': string contains a NUL byte"), "%s", err);
    free(buf);
    json_decref(d);
}
