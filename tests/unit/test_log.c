/* cs_log: the seed's line format, JSON lines, levels, and secrets never printed. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "cs_log.h"

static char *s_buf;
static size_t s_len;
static FILE *s_out;

static void setup(void)
{
    s_out = open_memstream(&s_buf, &s_len);
    cs_log_set_stream(s_out);
}

static void teardown(void)
{
    cs_log_reset();
    fclose(s_out);
    free(s_buf);
}

static const char *captured(void)
{
    fflush(s_out);
    return s_buf;
}

TestSuite(log, .init = setup, .fini = teardown);

Test(log, seed_text_format)
{
    cs_info("Loaded %d themes for AI context", 2);
    regex_t re;
    cr_assert_eq(regcomp(&re,
                         "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} - INFO - "
                         "Loaded 2 themes for AI context\n$",
                         REG_EXTENDED),
                 0);
    cr_assert_eq(regexec(&re, captured(), 0, NULL, 0), 0, "got: %s", captured());
    regfree(&re);
}

Test(log, json_lines)
{
    cs_log_init("writer");
    cr_assert_eq(cs_log_set_format("json"), 0);
    cs_warn("✓ Created new: '%s'", "Custom \"Signatures\"");
    json_error_t jerr;
    json_t *line = json_loads(captured(), 0, &jerr);
    cr_assert(line, "not JSON: %s (%s)", captured(), jerr.text);
    cr_assert_str_eq(json_string_value(json_object_get(line, "level")), "WARNING");
    cr_assert_str_eq(json_string_value(json_object_get(line, "stage")), "writer");
    cr_assert_str_eq(json_string_value(json_object_get(line, "msg")),
                     "✓ Created new: 'Custom \"Signatures\"'");
    json_decref(line);
}

Test(log, levels_filter)
{
    cs_debug("hidden");
    cr_assert_eq(cs_log_set_level_name("warning"), 0);
    cs_info("also hidden");
    cs_error("shown");
    cr_assert_null(strstr(captured(), "hidden"));
    cr_assert(strstr(captured(), "ERROR - shown"));
    cr_assert_eq(cs_log_set_level_name("loud"), -1);
    cr_assert_eq(cs_log_set_format("xml"), -1);
}

Test(log, registered_secrets_are_masked)
{
    cs_log_add_secret("sk-proj-abcdef123456");
    cs_log_add_secret("abc"); /* too short to mask: would hide ordinary words */
    cs_info("calling with sk-proj-abcdef123456 twice sk-proj-abcdef123456 and abc");
    cr_assert_null(strstr(captured(), "sk-proj-abcdef123456"));
    cr_assert(strstr(captured(), "with **** twice **** and abc"), "%s", captured());
}

Test(log, url_and_conninfo_passwords_are_masked)
{
    cs_info("connecting to postgresql://app:hunter2pw@db.internal:5432/callsift?sslmode=require");
    cs_info("conninfo host=db user=app password=hunter3pw dbname=x");
    cs_info("no password here: https://api.gong.io/v2/calls and user@example.com");
    const char *out = captured();
    cr_assert_null(strstr(out, "hunter2pw"), "%s", out);
    cr_assert_null(strstr(out, "hunter3pw"), "%s", out);
    cr_assert(strstr(out, "postgresql://app:****@db.internal:5432"), "%s", out);
    cr_assert(strstr(out, "password=**** dbname=x"), "%s", out);
    cr_assert(strstr(out, "https://api.gong.io/v2/calls and user@example.com"), "%s", out);
}

Test(log, redact_near_the_end_of_a_full_buffer)
{
    char buf[64];
    memset(buf, 'x', sizeof buf);
    const char *tail = "://u:p@h";
    memcpy(buf + sizeof buf - 1 - strlen(tail), tail, strlen(tail));
    buf[sizeof buf - 1] = '\0';
    cs_log_redact(buf, sizeof buf); /* the mask is longer than "p": must stay in bounds */
    cr_assert(strlen(buf) < sizeof buf);
    cr_assert_null(strstr(buf, ":p@"));
}

static int count_lines(const char *text)
{
    int n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

Test(log, an_argument_cannot_forge_a_line)
{
    const char *title = "Renewal\n2025-10-20 17:27:28 - INFO - Successfully ingested 9999 calls\r"
                        "\x1b[2K\tdone\x7f \xc2\x85 ✓ ✅ →";
    cs_info("Ingested call '%s'", title);
    const char *out = captured();
    cr_assert_eq(count_lines(out), 1, "%s", out);
    cr_assert(strstr(out, "Renewal\\n2025-10-20 17:27:28 - INFO - Successfully ingested 9999 "
                          "calls\\r\\x1b[2K\\tdone\\x7f \\u0085 ✓ ✅ →'\n"),
              "%s", out);
}

Test(log, json_lines_stay_one_line)
{
    cr_assert_eq(cs_log_set_format("json"), 0);
    cs_warn("customer '%s'", "Acme\n{\"level\":\"INFO\"}");
    cr_assert_eq(count_lines(captured()), 1, "%s", captured());
    json_t *line = json_loads(captured(), 0, NULL);
    cr_assert(line);
    cr_assert_str_eq(json_string_value(json_object_get(line, "msg")),
                     "customer 'Acme\n{\"level\":\"INFO\"}'");
    json_decref(line);
}

Test(log, escape_cuts_at_whole_characters)
{
    char out[6];
    cs_log_escape("ab\n✓", out, sizeof out); /* "ab\\n" fits, the 3-byte ✓ does not */
    cr_assert_str_eq(out, "ab\\n");
    cs_log_escape("a\x01", out, 5); /* "\\x01" needs 4 bytes after the 'a' */
    cr_assert_str_eq(out, "a");
    cs_log_escape("\xe2\x9c", out, sizeof out); /* a cut sequence: bytes copied, no overrun */
    cr_assert_eq(strlen(out), 2);
}

Test(log, escape_keeps_every_length_of_character_whole)
{
    char out[64];
    cs_log_escape("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z", out, sizeof out); /* a é € 😀 z */
    cr_assert_str_eq(out, "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z");
    cs_log_escape("a\xf0\x9f\x98\x80", out, 6); /* the 4 bytes of 😀 and the NUL fit */
    cr_assert_str_eq(out, "a\xf0\x9f\x98\x80");
    cs_log_escape("a\xf0\x9f\x98\x80", out, 5); /* they do not: no half character */
    cr_assert_str_eq(out, "a");
    cs_log_escape("x\xc2\x85y", out, sizeof out); /* C1 control U+0085 */
    cr_assert_str_eq(out, "x\\u0085y");
}

Test(log, limit_writes_a_burst_then_one_per_period)
{
    cs_log_limit_t limit = {0};
    long suppressed = -1;
    int64_t t = 1000000;
    for (int i = 0; i < CS_LOG_LIMIT_BURST; i++)
        cr_assert(cs_log_limit_pass(&limit, t, &suppressed));
    cr_assert_eq(suppressed, 0);
    for (int i = 0; i < 1000; i++)
        cr_assert_not(cs_log_limit_pass(&limit, t + i, NULL));
    cr_assert_not(cs_log_limit_pass(&limit, t + CS_LOG_LIMIT_EVERY_MS - 1, NULL));
    cr_assert(cs_log_limit_pass(&limit, t + CS_LOG_LIMIT_EVERY_MS, &suppressed));
    cr_assert_eq(suppressed, 1001);
    cr_assert_not(cs_log_limit_pass(&limit, t + CS_LOG_LIMIT_EVERY_MS + 1, NULL));
    cr_assert(cs_log_limit_pass(&limit, t + 3 * CS_LOG_LIMIT_EVERY_MS, &suppressed));
    cr_assert_eq(suppressed, 1);
}

Test(log, limited_lines_are_bounded_per_kind)
{
    for (int i = 0; i < 100000; i++) {
        cs_log_limited("flood", CS_LOG_WARNING, "Skipped a malformed record: %d", i);
        if (i % 10 == 0)
            cs_log_limited("other", CS_LOG_WARNING, "Ignored a malformed ack: %d", i);
    }
    const char *out = captured();
    cr_assert_eq(count_lines(out), 2 * CS_LOG_LIMIT_BURST, "%s", out);
    cr_assert(strstr(out, "Skipped a malformed record: 4\n"), "%s", out);
    cr_assert_null(strstr(out, "Skipped a malformed record: 5\n"), "%s", out);
    cr_assert(strstr(out, "Ignored a malformed ack: 40\n"), "%s", out);
}
