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
