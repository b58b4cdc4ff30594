/*  Fuzz target: a replay file (JSON Lines of Gong calls) read through cs_replay_open and
    cs_replay_next, each call split with cs_replay_split, as the fetcher's --replay does.

    The input is the whole file. It is read twice: with the default line cap, and with a cap of
    a third of the input, so that the path that reads an over-long line through and skips it is
    taken too. The file is a memfd opened by its /proc path: no disk, and the reader's own
    open(2) and read(2) are the ones under test.

    Invariants: line numbers only grow and never pass the number of lines; every call returned
    is an object with a metaData object; a bad line is reported with its line number; the end,
    once reached, stays the end; a split call has no transcript member. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cs_fuzz.h"
#include "cs_replay.h"

static int s_fd = -1;
static char s_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    cs_fuzz_quiet();
    s_fd = memfd_create("replay", MFD_CLOEXEC);
    if (s_fd < 0)
        cs_fuzz_fail("memfd_create failed");
    snprintf(s_path, sizeof s_path, "/proc/self/fd/%d", s_fd);
    return 0;
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
    return 0;
}
