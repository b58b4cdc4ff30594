/*  Fuzz target: a replay file (JSON Lines of Gong calls) read through cs_replay_open and
    cs_replay_next, each call split with cs_replay_split, as the fetcher's --replay does.

    The input is the whole file. It is read twice: with the default line cap, and with a cap of
    a third of the input, so that the path that reads an over-long line through and skips it is
    taken too. The file is a memfd opened by its /proc path: no disk, and the reader's own
    open(2) and read(2) are the ones under test.

    Invariants: line numbers only grow and never pass the number of lines; every call returned
    is an object with a metaData object; a bad line is reported with its line number; the end,
    once reached, stays the end; a split call has no transcript member. And for each line the
    fetcher's own parser (cs_jdoc) takes, jansson takes it too and reads the same tree; when it
    is a call, the frame cs_leancall builds from it is byte for byte cs_record_encode's of
    cs_gongcall_record's record, or both fail with the same reason. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cs_fuzz.h"
#include "cs_gongcall.h"
#include "cs_jdoc.h"
#include "cs_leancall.h"
#include "cs_record.h"
#include "cs_replay.h"

#define WS "00000000-0000-4000-8000-000000000001"

static int s_fd = -1;
static char s_path[64];
static cs_jdoc_t *s_doc;
static cs_leancall_t *s_lean;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    cs_fuzz_quiet();
    s_fd = memfd_create("replay", MFD_CLOEXEC);
    if (s_fd < 0)
        cs_fuzz_fail("memfd_create failed");
    snprintf(s_path, sizeof s_path, "/proc/self/fd/%d", s_fd);
    s_doc = cs_jdoc_new();
    s_lean = cs_leancall_new();
    if (!s_doc || !s_lean)
        cs_fuzz_fail("out of memory");
    return 0;
}

/* The record of call `root` both ways, each encoded with "attempt": 1 (a malloc'd frame), or
   NULL with its reason. */
static void s_frames(const json_t *root, char **tree, size_t *tree_len, char **lean,
                     size_t *lean_len, char *err_tree, char *err_lean, size_t errlen)
{
    json_t *call = json_copy((json_t *)root);
    json_object_del(call, "transcript");
    json_t *rec = cs_gongcall_record(call, json_object_get(root, "transcript"), WS, NULL, "replay",
                                     err_tree, errlen);
    if (rec) {
        json_object_set_new(rec, "attempt", json_integer(1));
        if (cs_record_encode(rec, tree, tree_len, err_tree, errlen) != 0)
            cs_fuzz_fail("cs_gongcall_record's record does not encode: %s", err_tree);
    }
    json_decref(rec);
    rec = cs_leancall_record(s_lean, s_doc, call, WS, NULL, "replay", err_lean, errlen);
    if (rec) {
        json_object_set_new(rec, "attempt", json_integer(1));
        *lean = cs_leancall_frame(s_lean, rec, lean_len, err_lean, errlen);
        if (!*lean)
            cs_fuzz_fail("cs_leancall_frame failed: %s", err_lean);
        (*lean)[(*lean_len)++] = 1; /* msgpack's 1, as the ledger writes it */
    }
    json_decref(rec);
    json_decref(call);
}

/* One line (without its end): cs_jdoc and jansson agree, and so do the two record builders. */
static void s_lean_agrees(const char *text, size_t len)
{
    if (len > 0 && text[len - 1] == '\r')
        len--;
    if (cs_jdoc_parse(s_doc, text, len) != 0)
        return; /* left to jansson */
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!root)
        cs_fuzz_fail("cs_jdoc took a line jansson refuses: %s", jerr.text);
    json_t *mine = cs_jdoc_to_json(s_doc, cs_jdoc_root(s_doc), NULL);
    char *a = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
    char *b = json_dumps(mine, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
    if (!a || !b || strcmp(a, b) != 0)
        cs_fuzz_fail("cs_jdoc read a line otherwise than jansson");
    free(a);
    free(b);
    json_decref(mine);
    const json_t *t = json_object_get(root, "transcript");
    if (json_is_object(json_object_get(root, "metaData")) &&
        (!t || json_is_null(t) || json_is_object(t))) {
        char *tree = NULL, *lean = NULL, err_tree[512] = "", err_lean[512] = "";
        size_t tree_len = 0, lean_len = 0;
        s_frames(root, &tree, &tree_len, &lean, &lean_len, err_tree, err_lean, sizeof err_tree);
        if (!tree != !lean || (!tree && strcmp(err_tree, err_lean) != 0))
            cs_fuzz_fail("the record builders part: \"%s\" / \"%s\"", err_tree, err_lean);
        if (tree && (tree_len != lean_len || memcmp(tree, lean, tree_len) != 0))
            cs_fuzz_fail("cs_leancall's frame differs from the record encoded");
        free(tree);
        free(lean);
    }
    json_decref(root);
}

static void read_all(size_t lines, size_t max_line)
{
    char err[512];
    cs_replay_t *replay = cs_replay_open(s_path, err, sizeof err);
    if (!replay)
        cs_fuzz_fail("cannot open the memfd: %s", err);
    if (max_line)
        cs_replay_set_max_line(replay, max_line);
    long last = 0;
    bool any_call = false;
    for (;;) {
        bool eof = false;
        json_t *line = cs_replay_next(replay, &eof, err, sizeof err);
        long number = cs_replay_line_number(replay);
        if (eof) {
            /* the end comes alone, or with the one-line report of an input that is one JSON
               document, which is told only before any line was read as a call */
            bool document = cs_replay_was_document(replay);
            if (line || (err[0] && !document) || (document && !err[0]))
                cs_fuzz_fail("the end of a memfd came with a call or an unexplained error: %s",
                             err);
            if (document && any_call)
                cs_fuzz_fail("a document was reported after a call was read: %s", err);
            break;
        }
        if (number <= last || (size_t)number > lines)
            cs_fuzz_fail("line number %ld after %ld, of %zu lines", number, last, lines);
        last = number;
        if (!line) {
            char prefix[128];
            snprintf(prefix, sizeof prefix, "%s:%ld: ", s_path, number);
            if (strncmp(err, prefix, strlen(prefix)) != 0)
                cs_fuzz_fail("a bad line's reason does not name its line: %s", err);
            continue;
        }
        if (!json_is_object(json_object_get(line, "metaData")))
            cs_fuzz_fail("a call without a metaData object was returned");
        any_call = true;
        json_t *call = NULL, *transcript = NULL;
        cs_replay_split(line, &call, &transcript);
        if (!call || json_object_get(call, "transcript"))
            cs_fuzz_fail("a split call is missing or kept its transcript");
        if (transcript && !json_is_object(transcript))
            cs_fuzz_fail("a split transcript is not an object");
        json_decref(transcript);
        json_decref(call);
        json_decref(line);
    }
    bool eof = false;
    if (cs_replay_next(replay, &eof, err, sizeof err) || !eof)
        cs_fuzz_fail("reading past the end did not stay at the end");
    cs_replay_close(&replay);
    if (replay)
        cs_fuzz_fail("cs_replay_close did not clear the pointer");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (ftruncate(s_fd, 0) != 0 || pwrite(s_fd, data, size, 0) != (ssize_t)size)
        cs_fuzz_fail("cannot write the memfd");
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    read_all(lines, 0);
    read_all(lines, 1 + size / 3);
    const char *text = (const char *)data, *end = text + size;
    while (text < end) {
        const char *nl = memchr(text, '\n', (size_t)(end - text));
        size_t len = nl ? (size_t)(nl - text) : (size_t)(end - text);
        s_lean_agrees(text, len);
        text += len + 1;
    }
    return 0;
}
