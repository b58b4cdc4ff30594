/* cs_leancall: for the same replay line, the frame built without a transcript tree is byte for
   byte what cs_record_encode gives for cs_gongcall_record's record, and a call that makes no
   record fails with the same reason. Lines: generated calls of every shape the transcript rules
   tell apart, and a transcript over the size cap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_gongcall.h"
#include "cs_jdoc.h"
#include "cs_leancall.h"
#include "cs_record.h"

#define WS "00000000-0000-4000-8000-000000000001"

static unsigned s_seed = 1;

static unsigned rnd(unsigned n)
{
    s_seed = s_seed * 1103515245u + 12345u;
    return (s_seed >> 8) % n;
}

/* Words of every kind the rules treat apart: blank, non-ASCII, control characters. */
static const char *const WORDS[] = {"hello",
                                    "  ",
                                    "",
                                    "\xc3\xa9t\xc3\xa9",
                                    "\t",
                                    "say \"hi\"",
                                    "line\nbreak",
                                    "\xf0\x9f\x98\x80",
                                    "\x1b[31m",
                                    "x"};

static json_t *text(void)
{
    char buf[256] = "";
    size_t n = 1 + rnd(5);
    for (size_t i = 0; i < n; i++) {
        strcat(buf, WORDS[rnd(sizeof WORDS / sizeof WORDS[0])]);
        if (rnd(2))
            strcat(buf, " ");
    }
    return json_string(buf);
}

/* A speaker id: a string, an integer, or something that is not an id. */
static json_t *speaker_id(unsigned k)
{
    switch (rnd(5)) {
    case 0:
        return json_integer(k);
    case 1:
        return json_string("");
    case 2:
        return json_real(1.5);
    default:
        return json_sprintf("s%u", k);
    }
}

/* A random Gong call with its transcript, as one replay line's object. */
static json_t *random_line(int n)
{
    json_t *parties = json_array();
    unsigned nparties = rnd(4);
    for (unsigned i = 0; i < nparties; i++) {
        json_t *p = json_pack("{s:o, s:o, s:s}", "speakerId", speaker_id(i), "name", text(),
                              "affiliation", rnd(2) ? "External" : "internal");
        if (rnd(2))
            json_object_set_new(p, "emailAddress", json_sprintf("p%u@c%u.example", i, i));
        if (rnd(3) == 0)
            json_object_del(p, "name");
        json_array_append_new(parties, p);
    }
    json_t *monologues = json_array();
    unsigned nmono = rnd(6);
    for (unsigned m = 0; m < nmono; m++) {
        json_t *sentences = json_array();
        unsigned nsent = rnd(5);
        for (unsigned s = 0; s < nsent; s++) {
            json_t *sentence = json_object();
            switch (rnd(5)) {
            case 0:
                break; /* no start */
            case 1:
                json_object_set_new(sentence, "start", json_real(1000.5 * s));
                break;
            case 2:
                json_object_set_new(sentence, "start", json_integer(-5));
                break;
            default:
                json_object_set_new(sentence, "start", json_integer(1000 * (m + s)));
            }
            if (rnd(6))
                json_object_set_new(sentence, "text", text());
            else
                json_object_set_new(sentence, "text", json_integer(3));
            json_array_append_new(sentences, sentence);
        }
        json_t *mono = json_pack("{s:o, s:s, s:o}", "speakerId", speaker_id(rnd(5)), "topic",
                                 "Intro", "sentences", sentences);
        if (rnd(8) == 0)
            json_object_set_new(mono, "sentences", json_string("none"));
        json_array_append_new(monologues, rnd(10) ? mono : json_string("not a monologue"));
        if (!json_is_object(json_array_get(monologues, json_array_size(monologues) - 1)))
            json_decref(mono);
    }
    char id[32];
    snprintf(id, sizeof id, "%d", 9000 + n);
    json_t *line =
        json_pack("{s:{s:s, s:s, s:s, s:f}, s:o}", "metaData", "id", id, "title", "A call \xc3\xa9",
                  "started", "2025-10-01T10:00:00Z", "duration", 1800.4, "parties", parties);
    switch (rnd(6)) {
    case 0:
        json_decref(monologues); /* no transcript */
        break;
    case 1:
        json_decref(monologues);
        json_object_set_new(line, "transcript", json_null());
        break;
    default:
        json_object_set_new(line, "transcript",
                            json_pack("{s:s, s:o}", "callId", id, "transcript", monologues));
    }
    return line;
}

/* The frame of cs_leancall for `text` with "attempt": 1 written, or NULL with err. */
static char *lean_frame(cs_leancall_t *lc, cs_jdoc_t *doc, const char *text, size_t *len, char *err,
                        size_t errlen)
{
    cr_assert_eq(cs_jdoc_parse(doc, text, strlen(text)), 0, "cs_jdoc refused %s", text);
    json_t *call = cs_jdoc_to_json(doc, cs_jdoc_root(doc), "transcript");
    json_t *rec = cs_leancall_record(lc, doc, call, WS, NULL, "replay", err, errlen);
    json_decref(call);
    if (!rec)
        return NULL;
    json_object_set_new(rec, "attempt", json_integer(1));
    char *frame = cs_leancall_frame(lc, rec, len, err, errlen);
    json_decref(rec);
    cr_assert(frame, "%s", err);
    frame[(*len)++] = 1; /* msgpack's 1, as the ledger writes it */
    return frame;
}

/* The frame of the record the fetcher built before cs_leancall, or NULL with err. */
static char *tree_frame(const char *text, size_t *len, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *line = json_loads(text, 0, &jerr);
    cr_assert(line, "%s", jerr.text);
    json_t *call = json_copy(line);
    json_object_del(call, "transcript");
    json_t *rec = cs_gongcall_record(call, json_object_get(line, "transcript"), WS, NULL, "replay",
                                     err, errlen);
    json_decref(call);
    json_decref(line);
    if (!rec)
        return NULL;
    json_object_set_new(rec, "attempt", json_integer(1));
    char *out = NULL;
    cr_assert_eq(cs_record_encode(rec, &out, len, err, errlen), 0, "%s", err);
    json_decref(rec);
    return out;
}

/* Both ways on one line: the same frame, or the same reason. */
static void same_both_ways(cs_leancall_t *lc, cs_jdoc_t *doc, const char *text)
{
    char err_lean[512] = "", err_tree[512] = "";
    size_t len_lean = 0, len_tree = 0;
    char *a = lean_frame(lc, doc, text, &len_lean, err_lean, sizeof err_lean);
    char *b = tree_frame(text, &len_tree, err_tree, sizeof err_tree);
    cr_assert_eq(a == NULL, b == NULL, "one way made a record: %s / %s", err_lean, err_tree);
    if (!a) {
        cr_assert_str_eq(err_lean, err_tree);
        return;
    }
    cr_assert_eq(len_lean, len_tree, "frame lengths for %.300s", text);
    cr_assert(memcmp(a, b, len_lean) == 0, "frames differ for %.300s", text);
    free(a);
    free(b);
}

Test(leancall, the_same_frames_as_the_record_encoded)
{
    cs_leancall_t *lc = cs_leancall_new();
    cs_jdoc_t *doc = cs_jdoc_new();
    for (int n = 0; n < 3000; n++) {
        json_t *line = random_line(n);
        char *text = json_dumps(line, JSON_COMPACT);
        same_both_ways(lc, doc, text);
        free(text);
        json_decref(line);
    }
    cs_jdoc_destroy(&doc);
    cs_leancall_destroy(&lc);
    cr_assert_null(lc);
}

Test(leancall, calls_that_make_no_record_fail_alike)
{
    static const char *const LINES[] = {
        "{\"metaData\":{\"id\":\"5\",\"started\":\"2025-10-01T10:00:00Z\"},"
        "\"transcript\":{\"callId\":\"6\",\"transcript\":[]}}",
        "{\"metaData\":{\"id\":\"5\"},\"transcript\":{\"callId\":\"5\"}}",
        "{\"metaData\":{\"title\":\"no id\"}}",
        "{\"metaData\":{\"id\":5,\"started\":-3}}",
    };
    cs_leancall_t *lc = cs_leancall_new();
    cs_jdoc_t *doc = cs_jdoc_new();
    for (size_t i = 0; i < sizeof LINES / sizeof LINES[0]; i++)
        same_both_ways(lc, doc, LINES[i]);
    cs_jdoc_destroy(&doc);
    cs_leancall_destroy(&lc);
}

Test(leancall, a_transcript_over_the_caps_is_cut_alike)
{
    /* 140 sentences of 70 KB: each is cut to 64 KB, and the whole stops at 8 MB */
    size_t big = 70 * 1024;
    char *word = malloc(big + 1);
    for (size_t i = 0; i < big; i++)
        word[i] = i % 7 ? 'a' : ' ';
    word[big] = '\0';
    json_t *sentences = json_array();
    for (int i = 0; i < 140; i++)
        json_array_append_new(sentences, json_pack("{s:i, s:s}", "start", i * 10, "text", word));
    json_t *line =
        json_pack("{s:{s:s, s:s}, s:[{s:s, s:s}], s:{s:s, s:[{s:s, s:o}]}}", "metaData", "id", "42",
                  "started", "1700000000", "parties", "speakerId", "a", "name", "Ann", "transcript",
                  "callId", "42", "transcript", "speakerId", "a", "sentences", sentences);
    char *text = json_dumps(line, JSON_COMPACT);
    cs_leancall_t *lc = cs_leancall_new();
    cs_jdoc_t *doc = cs_jdoc_new();
    same_both_ways(lc, doc, text);
    char err[256];
    size_t len;
    char *frame = lean_frame(lc, doc, text, &len, err, sizeof err);
    json_t *rec = cs_record_decode(frame, len, err, sizeof err);
    cr_assert(rec, "%s", err);
    cr_assert(json_is_true(json_object_get(rec, "transcript_truncated")));
    cr_assert_lt(json_array_size(json_object_get(rec, "transcript")), 140);
    json_decref(rec);
    free(frame);
    free(text);
    free(word);
    json_decref(line);
    cs_jdoc_destroy(&doc);
    cs_leancall_destroy(&lc);
}

Test(leancall, the_record_must_end_with_its_attempt)
{
    const char *text = "{\"metaData\":{\"id\":\"5\",\"started\":1700000000}}";
    cs_leancall_t *lc = cs_leancall_new();
    cs_jdoc_t *doc = cs_jdoc_new();
    cr_assert_eq(cs_jdoc_parse(doc, text, strlen(text)), 0);
    json_t *call = cs_jdoc_to_json(doc, cs_jdoc_root(doc), "transcript");
    char err[256];
    json_t *rec = cs_leancall_record(lc, doc, call, WS, NULL, "replay", err, sizeof err);
    cr_assert(rec, "%s", err);
    size_t len;
    cr_assert_null(cs_leancall_frame(lc, rec, &len, err, sizeof err));
    cr_assert_str_eq(err, "the record does not end with \"attempt\"");
    json_object_set_new(rec, "attempt", json_string("one"));
    cr_assert_null(cs_leancall_frame(lc, rec, &len, err, sizeof err), "validated first");
    cr_assert(strstr(err, "attempt"), "%s", err);
    json_decref(rec);
    json_decref(call);
    cs_jdoc_destroy(&doc);
    cs_leancall_destroy(&lc);
}
