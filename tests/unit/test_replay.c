/* cs_replay: recording Gong calls as JSON Lines and replaying them; bad lines are reported
   with FILE:LINE and skipped, and the replay goes on. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cs_replay.h"

/* ---------------------------------------------------------------------------------------- */
/* Helpers                                                                                    */

/* JSON with single quotes (see test_gongcall.c): turned into double quotes. */
static json_t *j(const char *text)
{
    char *copy = strdup(text);
    cr_assert_not_null(copy);
    for (char *p = copy; *p; p++)
        if (*p == '\'')
            *p = '"';
    json_error_t jerr;
    json_t *v = json_loads(copy, 0, &jerr);
    cr_assert_not_null(v, "fixture: %s at column %d", jerr.text, jerr.column);
    free(copy);
    return v;
}

/* A temporary file holding `len` bytes of `data`; its path goes to `path` (64 bytes). */
static void temp_file(char *path, const char *data, size_t len)
{
    strcpy(path, "/tmp/test_replay_XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    cr_assert_not_null(fp);
    char *buf = malloc(1 << 20);
    cr_assert_not_null(buf);
    *len = fread(buf, 1, (1 << 20) - 1, fp);
    buf[*len] = '\0';
    fclose(fp);
    return buf;
}

/* The next call, which must be a good one; returns it. */
static json_t *next_ok(cs_replay_t *r, long line)
{
    bool eof = true;
    char err[256] = "x";
    json_t *call = cs_replay_next(r, &eof, err, sizeof err);
    cr_assert_not_null(call, "line %ld: %s", line, err);
    cr_expect_not(eof);
    cr_expect_eq(cs_replay_line_number(r), line);
    return call;
}

/* The next call, a good one whose metaData.id is `id`. */
static void expect_call(cs_replay_t *r, long line, const char *id)
{
    json_t *call = next_ok(r, line);
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(call, "metaData"), "id")),
                     id, "line %ld", line);
    json_decref(call);
}

/* The next line, which must be bad, with a reason starting "PATH:LINE: " and containing
   `reason`. */
static void expect_bad(cs_replay_t *r, const char *path, long line, const char *reason)
{
    bool eof = true;
    char err[512] = "";
    cr_assert_null(cs_replay_next(r, &eof, err, sizeof err), "line %ld should be bad", line);
    cr_expect_not(eof, "a bad line is not the end");
    char prefix[128];
    snprintf(prefix, sizeof prefix, "%s:%ld: ", path, line);
    cr_expect_eq(strncmp(err, prefix, strlen(prefix)), 0, "'%s' should start with '%s'", err,
                 prefix);
    cr_expect(strstr(err, reason), "'%s' should say '%s'", err, reason);
    cr_expect_eq(cs_replay_line_number(r), line);
}

static void expect_eof(cs_replay_t *r)
{
    bool eof = false;
    char err[256] = "x";
    cr_expect_null(cs_replay_next(r, &eof, err, sizeof err));
    cr_expect(eof);
    cr_expect_str_eq(err, "");
    eof = false;
    cr_expect_null(cs_replay_next(r, &eof, err, sizeof err), "and stays at the end");
    cr_expect(eof);
}

static cs_replay_t *open_ok(const char *path)
{
    char err[256] = "";
    cs_replay_t *r = cs_replay_open(path, err, sizeof err);
    cr_assert_not_null(r, "%s", err);
    return r;
}

/* Three Gong calls as /v2/calls/extensive returns them; the second was recorded without its
   transcript. */
static json_t *CALLS[3], *TRANSCRIPTS[3];

static void make_calls(void)
{
    CALLS[0] = j("{'metaData': {'id': '5001', 'title': 'Acme | kickoff', 'started':"
                 " '2025-10-20T09:00:00-07:00', 'duration': 1800, 'isPrivate': false},"
                 " 'parties': [{'name': 'Dana', 'speakerId': '1', 'affiliation': 'Internal'},"
                 "  {'name': 'Maya', 'emailAddress': 'maya@acme-corp.com', 'speakerId': '2',"
                 "   'affiliation': 'External'}],"
                 " 'context': [{'system': 'Salesforce', 'objects': [{'objectType': 'Account',"
                 "  'fields': [{'name': 'Name', 'value': 'Acme Corp'}]}]}]}");
    TRANSCRIPTS[0] = j("{'callId': '5001', 'transcript': [{'speakerId': '2', 'topic': 'Needs',"
                       " 'sentences': [{'start': 1200, 'end': 3400, 'text': 'We need SSO — "
                       "soon.\\nReally.'}, {'start': 3500, 'end': 3600, 'text': ''}]}]}");
    CALLS[1] = j("{'metaData': {'id': '5002', 'started': 1760961600, 'duration': 60.5,"
                 " 'url': 'https://app.gong.io/call?id=5002'}, 'parties': [],"
                 " 'content': {'brief': 'Short call, 日本語 notes.'}}");
    TRANSCRIPTS[1] = NULL;
    CALLS[2] = j("{'metaData': {'id': '5003', 'started': '2025-10-21T08:00:00Z',"
                 " 'scope': 'External', 'weights': [0.1, 1e-7, 12345678.875, -0]}}");
    TRANSCRIPTS[2] = j("{'callId': '5003', 'transcript': []}");
}

static void free_calls(void)
{
    for (int i = 0; i < 3; i++) {
        json_decref(CALLS[i]);
        json_decref(TRANSCRIPTS[i]);
    }
}

static void record_calls(const char *path)
{
    char err[256] = "";
    cs_recorder_t *rec = cs_recorder_open(path, err, sizeof err);
    cr_assert_not_null(rec, "%s", err);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(cs_recorder_write(rec, CALLS[i], TRANSCRIPTS[i], err, sizeof err), 0, "%s",
                     err);
    cs_recorder_close(&rec);
    cr_expect_null(rec);
    cs_recorder_close(&rec);
    cs_recorder_close(NULL);
}

/* Replay `path` and compare with CALLS/TRANSCRIPTS. */
static void expect_recorded_calls(const char *path)
{
    cs_replay_t *r = open_ok(path);
    for (int i = 0; i < 3; i++) {
        json_t *line = next_ok(r, i + 1);
        json_t *call, *transcript;
        cs_replay_split(line, &call, &transcript);
        cr_assert_not_null(call);
        cr_expect(json_equal(call, CALLS[i]), "call %d differs", i);
        cr_expect_null(json_object_get(call, "transcript"));
        if (TRANSCRIPTS[i])
            cr_expect(json_equal(transcript, TRANSCRIPTS[i]), "transcript %d differs", i);
        else
            cr_expect_null(transcript, "call %d was recorded without a transcript", i);
        json_decref(transcript);
        json_decref(call);
        json_decref(line);
    }
    expect_eof(r);
    cs_replay_close(&r);
    cr_expect_null(r);
    cs_replay_close(&r);
    cs_replay_close(NULL);
}

/* ---------------------------------------------------------------------------------------- */
/* Recording and replaying                                                                    */

Test(replay, round_trip)
{
    make_calls();
    char path[64];
    temp_file(path, "stale content\n", 14); /* the recorder truncates */
    record_calls(path);

    size_t len;
    char *text = slurp(path, &len);
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    cr_expect_eq(lines, 3, "one line per call");
    cr_expect_eq(text[len - 1], '\n');
    cr_expect_null(strstr(text, "stale"));
    cr_expect_null(strstr(text, "\": "), "compact JSON");
    cr_expect(strstr(text, "日本語"), "UTF-8 kept as is");
    free(text);

    expect_recorded_calls(path);
    unlink(path);
    free_calls();
}

Test(replay, recorder_replaces_a_transcript_member)
{
    make_calls();
    json_t *call = json_deep_copy(CALLS[0]);
    json_object_set_new(call, "transcript", json_string("stale"));
    char path[64], err[256] = "";
    temp_file(path, "", 0);
    cs_recorder_t *rec = cs_recorder_open(path, err, sizeof err);
    cr_assert_not_null(rec, "%s", err);
    cr_assert_eq(cs_recorder_write(rec, call, TRANSCRIPTS[0], err, sizeof err), 0, "%s", err);
    cr_assert_eq(cs_recorder_write(rec, call, json_null(), err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(json_string_value(json_object_get(call, "transcript")), "stale",
                     "the caller's call is not changed");
    cs_recorder_close(&rec);

    cs_replay_t *r = open_ok(path);
    json_t *line = next_ok(r, 1);
    cr_expect(json_equal(json_object_get(line, "transcript"), TRANSCRIPTS[0]));
    json_decref(line);
    line = next_ok(r, 2);
    cr_expect_null(json_object_get(line, "transcript"));
    json_decref(line);
    expect_eof(r);
    cs_replay_close(&r);
    unlink(path);
    json_decref(call);
    free_calls();
}

Test(replay, recorder_errors)
{
    char err[256] = "";
    cr_expect_null(cs_recorder_open("/nonexistent-dir/calls.jsonl", err, sizeof err));
    cr_expect_str_eq(err, "cannot create /nonexistent-dir/calls.jsonl: No such file or directory");
    cr_expect_null(cs_recorder_open("", err, sizeof err));

    cs_recorder_t *rec = cs_recorder_open("/dev/full", err, sizeof err);
    cr_assert_not_null(rec, "%s", err);
    json_t *call = j("{'metaData': {'id': '1'}}");
    json_t *array = json_array();
    cr_expect_eq(cs_recorder_write(rec, array, NULL, err, sizeof err), -1);
    cr_expect(strstr(err, "not a JSON object"), "%s", err);
    cr_expect_eq(cs_recorder_write(rec, call, NULL, err, sizeof err), -1);
    cr_expect_str_eq(err, "/dev/full: write failed: No space left on device");
    cr_expect_eq(cs_recorder_write(rec, call, NULL, err, sizeof err), -1);
    cr_expect_str_eq(err, "/dev/full: an earlier write failed");
    cs_recorder_close(&rec);
    json_decref(array);
    json_decref(call);
}

Test(replay, standard_input_and_output)
{
    make_calls();
    char path[64];
    temp_file(path, "", 0);

    /* Record to standard output, pointed at the file for the test. */
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    int fd = open(path, O_WRONLY | O_TRUNC);
    cr_assert_geq(fd, 0);
    dup2(fd, STDOUT_FILENO);
    close(fd);
    record_calls("-");
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);

    /* Replay from standard input, pointed at the file. */
    fd = open(path, O_RDONLY);
    cr_assert_geq(fd, 0);
    dup2(fd, STDIN_FILENO);
    close(fd);
    expect_recorded_calls("-");
    cr_expect_neq(fcntl(STDIN_FILENO, F_GETFD), -1, "standard input stays open");

    /* Bad lines on standard input are named "stdin". */
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    const char *lines = "{'metaData': {'id': '9'}}\nnot json\n";
    char *text = strdup(lines);
    for (char *p = text; *p; p++)
        if (*p == '\'')
            *p = '"';
    cr_assert_eq(write(fds[1], text, strlen(text)), (ssize_t)strlen(text));
    close(fds[1]);
    dup2(fds[0], STDIN_FILENO);
    close(fds[0]);
    cs_replay_t *r = open_ok("-");
    expect_call(r, 1, "9");
    expect_bad(r, "stdin", 2, "invalid JSON");
    expect_eof(r);
    cs_replay_close(&r);
    free(text);
    unlink(path);
    free_calls();
}

/* ---------------------------------------------------------------------------------------- */
/* Bad input                                                                                  */

#define GOOD(id) "{\"metaData\": {\"id\": \"" id "\"}, \"transcript\": {\"callId\": \"" id "\"}}"

Test(replay, bad_lines_are_reported_and_skipped)
{
    char body[12000];
    char big[6000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    snprintf(body, sizeof body,
             GOOD("1") "\n"                                                   /* 1 */
                       "{\"metaData\": {\"id\": \"2\"}\n"                     /* 2: truncated */
                       "[1, 2, 3]\n"                                          /* 3: an array */
                       "\n"                                                   /* 4: blank */
                       "   \t \n"                                             /* 5: blank */
             GOOD("6") "\n"                                                   /* 6 */
                       "{\"metaData\": {\"id\": \"7\", \"title\": \"%s\"}}\n" /* 7: too long */
             GOOD("8") "\n"                                                   /* 8 */
                       "{\"foo\": 1}\n"                                 /* 9: not a Gong call */
                       "{\"metaData\": {}, \"transcript\": \"none\"}\n" /* 10 */
                       "{\"metaData\": {}} {\"metaData\": {}}\n"        /* 11: two objects */
                       "\"just a string\"\n"                            /* 12 */
                       "{\"metaData\": {\"id\": \"13\"}, \"transcript\": null}\n" /* 13: fine */
             GOOD("14"), /* 14: no final newline */
             big);
    char path[64];
    temp_file(path, body, strlen(body));
    cs_replay_t *r = open_ok(path);
    cs_replay_set_max_line(r, 4096);

    expect_call(r, 1, "1");
    expect_bad(r, path, 2, "invalid JSON");
    expect_bad(r, path, 3, "expected a JSON object (a Gong call), got an array");
    expect_call(r, 6, "6");
    expect_bad(r, path, 7, "line longer than 4096 bytes, skipped");
    expect_call(r, 8, "8");
    expect_bad(r, path, 9, "no metaData object");
    expect_bad(r, path, 10, "\"transcript\" is not an object");
    expect_bad(r, path, 11, "invalid JSON");
    expect_bad(r, path, 12, "got a string");
    expect_call(r, 13, "13");
    expect_call(r, 14, "14");
    expect_eof(r);
    cr_expect_eq(cs_replay_line_number(r), 14);
    cs_replay_close(&r);
    unlink(path);
}

Test(replay, long_lines_are_read_through_in_pieces)
{
    /* 1 MiB lines (16 input buffers) over a 100 KiB cap, between good ones. */
    size_t biglen = 1u << 20;
    size_t cap = strlen(GOOD("1")) * 4 + biglen * 2 + 64;
    char *body = malloc(cap);
    cr_assert_not_null(body);
    size_t n = 0;
    n += (size_t)sprintf(body + n, "%s\n", GOOD("1"));
    memset(body + n, '{', biglen);
    n += biglen;
    body[n++] = '\n';
    n += (size_t)sprintf(body + n, "%s\r\n", GOOD("3"));
    memset(body + n, ' ', biglen); /* blank, but too long all the same */
    n += biglen;
    n += (size_t)sprintf(body + n, "\n%s", GOOD("5"));
    char path[64];
    temp_file(path, body, n);
    free(body);

    cs_replay_t *r = open_ok(path);
    cs_replay_set_max_line(r, 100 << 10);
    expect_call(r, 1, "1");
    expect_bad(r, path, 2, "line longer than 102400 bytes");
    expect_call(r, 3, "3");
    expect_bad(r, path, 4, "line longer than 102400 bytes");
    expect_call(r, 5, "5");
    expect_eof(r);
    cs_replay_close(&r);
    unlink(path);
}

Test(replay, crlf_line_ends_and_the_cap_boundary)
{
    const char *good = GOOD("1");
    size_t len = strlen(good);
    char body[1024];
    snprintf(body, sizeof body, "%s\r\n\r\n%s\r\n%s \r\n%s\r", good, good, good, good);
    char path[64];
    temp_file(path, body, strlen(body));
    cs_replay_t *r = open_ok(path);
    cs_replay_set_max_line(r, len); /* exactly one call; the '\r' does not count */
    expect_call(r, 1, "1");
    expect_call(r, 3, "1");
    expect_bad(r, path, 4, "longer than");
    expect_call(r, 5, "1"); /* a final '\r' without '\n' */
    expect_eof(r);
    cs_replay_close(&r);
    unlink(path);
}

Test(replay, empty_file_and_missing_file)
{
    char path[64];
    temp_file(path, "", 0);
    cs_replay_t *r = open_ok(path);
    expect_eof(r);
    cr_expect_eq(cs_replay_line_number(r), 0);
    cs_replay_close(&r);
    unlink(path);

    char err[256] = "";
    cr_expect_null(cs_replay_open("/nonexistent-dir/calls.jsonl", err, sizeof err));
    cr_expect_str_eq(err, "cannot open /nonexistent-dir/calls.jsonl: No such file or directory");
    cr_expect_null(cs_replay_open("", err, sizeof err));
    cr_expect_str_eq(err, "no replay file given");
}

Test(replay, read_error_ends_the_replay_with_a_reason)
{
    cs_replay_t *r = open_ok("/tmp"); /* a directory opens, but read() fails with EISDIR */
    bool eof = false;
    char err[256] = "";
    cr_expect_null(cs_replay_next(r, &eof, err, sizeof err));
    cr_expect(eof);
    cr_expect_str_eq(err, "/tmp: read error: Is a directory");
    cs_replay_close(&r);
}

Test(replay, split)
{
    json_t *line = j("{'metaData': {'id': '1'}, 'parties': [], 'transcript': {'callId': '1'}}");
    json_t *call, *transcript;
    cs_replay_split(line, &call, &transcript);
    json_t *want_call = j("{'metaData': {'id': '1'}, 'parties': []}");
    json_t *want_transcript = j("{'callId': '1'}");
    cr_expect(json_equal(call, want_call));
    cr_expect(json_equal(transcript, want_transcript));
    cr_expect_not_null(json_object_get(line, "transcript"), "the line is not changed");
    json_decref(call);
    json_decref(transcript);

    json_object_set_new(line, "transcript", json_null());
    cs_replay_split(line, &call, &transcript);
    cr_expect(json_equal(call, want_call));
    cr_expect_null(transcript);
    json_decref(call);

    json_t *array = json_array();
    call = transcript = array;
    cs_replay_split(array, &call, &transcript);
    cr_expect_null(call);
    cr_expect_null(transcript);
    json_decref(array);
    json_decref(want_call);
    json_decref(want_transcript);
    json_decref(line);
}

/* ---------------------------------------------------------------------------------------- */
/* Not JSON Lines: one document, a cut last line                                             */

/* The input must end at once, reported as one JSON document containing `says`. */
static void expect_document(cs_replay_t *r, const char *says)
{
    bool eof = false;
    char err[512] = "";
    cr_assert_null(cs_replay_next(r, &eof, err, sizeof err));
    cr_expect(eof, "one document ends the input");
    cr_expect(cs_replay_was_document(r));
    cr_expect(strstr(err, says), "'%s' should say '%s'", err, says);
}

Test(replay, a_pretty_printed_array_is_one_report_not_one_per_line)
{
    const char *text = "[\n  {\n    \"metaData\": {\"id\": \"1\"}\n  },\n"
                       "  {\n    \"metaData\": {\"id\": \"2\"}\n  }\n]\n";
    char path[64];
    temp_file(path, text, strlen(text));
    cr_assert_eq(cs_replay_count_calls(path), 8);
    cs_replay_t *r = open_ok(path);
    char says[320];
    snprintf(says, sizeof says,
             "%s is one JSON document spread over 8 lines, not JSON Lines: write one call per "
             "line, e.g. with jq -c '.[]' %s",
             path, path);
    expect_document(r, says);
    bool eof = false;
    char err[256] = "x";
    cr_expect_null(cs_replay_next(r, &eof, err, sizeof err));
    cr_expect(eof, "and stays at the end");
    cr_expect_str_eq(err, "");
    cs_replay_close(&r);
    unlink(path);
}

Test(replay, a_pretty_printed_call_and_a_compact_array_over_lines_too)
{
    const char *one = "{\n  \"metaData\": {\n    \"id\": \"1\"\n  }\n}";
    char path[64];
    temp_file(path, one, strlen(one));
    cs_replay_t *r = open_ok(path);
    expect_document(r, "spread over 5 lines, not JSON Lines: write one call per line, e.g. with "
                       "jq -c . ");
    cs_replay_close(&r);
    unlink(path);

    const char *lines = "[" GOOD("1") ",\n" GOOD("2") ",\n" GOOD("3") "]\n";
    temp_file(path, lines, strlen(lines));
    r = open_ok(path);
    expect_document(r, "spread over 3 lines");
    cs_replay_close(&r);
    unlink(path);
}

Test(replay, a_lone_bracket_that_is_not_json_either_is_one_report)
{
    const char *text = "[\n  {\"metaData\": {\"id\": \"1\"}},\n  {\"metaData\": \n";
    char path[64];
    temp_file(path, text, strlen(text));
    cs_replay_t *r = open_ok(path);
    expect_document(r, "starts like one JSON document (\"[\" alone on line 1), not JSON Lines, "
                       "and is not valid JSON either");
    cs_replay_close(&r);
    unlink(path);
}

Test(replay, a_bad_first_line_of_json_lines_is_only_that_line)
{
    const char *text = "{\"metaData\": {\"id\": \"1\"\n" GOOD("2") "\n" GOOD("3") "\n";
    char path[64];
    temp_file(path, text, strlen(text));
    cs_replay_t *r = open_ok(path);
    expect_bad(r, path, 1, "invalid JSON");
    cr_expect_not(cs_replay_was_document(r));
    expect_call(r, 2, "2");
    expect_call(r, 3, "3");
    expect_eof(r);
    cs_replay_close(&r);
    unlink(path);
}

Test(replay, a_cut_last_line_is_named_as_such)
{
    const char *text = GOOD("1") "\n" GOOD("2") "\n{\"metaData\": {\"id\": \"3\"}, \"tra";
    char path[64];
    temp_file(path, text, strlen(text));
    cr_assert_eq(cs_replay_count_calls(path), 3);
    cs_replay_t *r = open_ok(path);
    expect_call(r, 1, "1");
    expect_call(r, 2, "2");
    expect_bad(r, path, 3, "the last line is cut short (no newline at its end");
    expect_eof(r);
    cs_replay_close(&r);
    unlink(path);
}

Test(replay, counting_calls_for_a_progress_total)
{
    const char *text = GOOD("1") "\n\n   \n" GOOD("2") "\r\n" GOOD("3");
    char path[64];
    temp_file(path, text, strlen(text));
    cr_expect_eq(cs_replay_count_calls(path), 3, "blank lines are not calls");
    unlink(path);
    cr_expect_eq(cs_replay_count_calls("-"), -1, "standard input is not counted");
    cr_expect_eq(cs_replay_count_calls("/nonexistent/calls.jsonl"), -1);
    cr_expect_eq(cs_replay_count_calls("/dev/null"), -1, "not a regular file");
}

Test(replay, one_document_on_standard_input_is_gathered_and_reported_once)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    const char *text = "[\n  " GOOD("1") ",\n  " GOOD("2") "\n]\n";
    cr_assert_eq(write(fds[1], text, strlen(text)), (ssize_t)strlen(text));
    close(fds[1]);
    dup2(fds[0], STDIN_FILENO);
    close(fds[0]);
    cs_replay_t *r = open_ok("-");
    expect_document(r, "stdin is one JSON document spread over 4 lines, not JSON Lines: write one "
                       "call per line, e.g. with jq -c '.[]'");
    cs_replay_close(&r);
}
