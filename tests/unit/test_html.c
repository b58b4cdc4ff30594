/* cs_html: every %s is text, never markup; numbers print as printf's; URLs from the data are
   percent-encoded or refused. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_html.h"
#include "cs_util.h"

/* The string b holds, taken (the caller frees). */
static char *s_take(cs_buf_t *b)
{
    char *s = cs_buf_take(b);
    cr_assert_not_null(s, "the buffer did not fail");
    return s;
}

#define EXPECT_BUF(b, want)                                                                        \
    do {                                                                                           \
        char *got_ = s_take(b);                                                                    \
        cr_expect_str_eq(got_, want);                                                              \
        free(got_);                                                                                \
    } while (0)

/* ---- cs_html: %s escaped ----------------------------------------------------------------- */

Test(html, a_script_in_a_value_is_text)
{
    cs_buf_t b = {0};
    cs_html(&b, "<td>%s</td>", "<script>alert(1)</script>");
    EXPECT_BUF(&b, "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>");
}

Test(html, a_value_cannot_leave_its_attribute)
{
    cs_buf_t b = {0};
    cs_html(&b, "<input value=\"%s\">", "\"><img src=x onerror=alert(1)>");
    EXPECT_BUF(&b, "<input value=\"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\">");
    cs_html(&b, "<a title='%s'>", "' onmouseover='alert(1)");
    EXPECT_BUF(&b, "<a title='&#39; onmouseover=&#39;alert(1)'>");
}

Test(html, ampersands_are_escaped_even_in_entities)
{
    cs_buf_t b = {0};
    cs_html(&b, "%s|%s", "Q&A", "&lt;b&gt;");
    EXPECT_BUF(&b, "Q&amp;A|&amp;lt;b&amp;gt;");
}

Test(html, every_s_of_the_format_is_escaped_and_the_format_is_not)
{
    cs_buf_t b = {0};
    cs_html(&b, "<b>%s</b><i>%s</i>%s", "<1>", "2\"", "'3'");
    EXPECT_BUF(&b, "<b>&lt;1&gt;</b><i>2&quot;</i>&#39;3&#39;");
}

/* NULL where the compiler cannot see it (a literal NULL for %s is a warning). */
static const char *volatile s_null = NULL;

Test(html, null_and_empty_values_print_nothing)
{
    cs_buf_t b = {0};
    cs_html(&b, "[%s][%s]", s_null, "");
    EXPECT_BUF(&b, "[][]");
    cs_html_text(&b, s_null);
    cs_html_raw(&b, "x");
    EXPECT_BUF(&b, "x");
}

Test(html, utf8_passes_through_unchanged)
{
    cs_buf_t b = {0};
    const char *s = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
    cs_html(&b, "%s", s);
    EXPECT_BUF(&b, s);
}

Test(html, escaping_leaves_no_raw_markup_character_in_any_byte_mix)
{
    char in[256];
    for (int i = 1; i < 256; i++)
        in[i - 1] = (char)i;
    in[255] = '\0';
    cs_buf_t b = {0};
    cs_html(&b, "%s", in);
    char *out = s_take(&b);
    cr_expect_null(strpbrk(out, "<>\"'"), "no raw < > \" ' survives");
    for (const char *p = strchr(out, '&'); p; p = strchr(p + 1, '&'))
        cr_expect(strncmp(p, "&amp;", 5) == 0 || strncmp(p, "&lt;", 4) == 0 ||
                      strncmp(p, "&gt;", 4) == 0 || strncmp(p, "&quot;", 6) == 0 ||
                      strncmp(p, "&#39;", 5) == 0,
                  "every & starts an entity: %.8s", p);
    free(out);
}

/* ---- cs_html: numbers as printf ---------------------------------------------------------- */

Test(html, numbers_print_as_printf_prints_them)
{
    char want[512];
    snprintf(want, sizeof want,
             "%d|%5d|%-5d|%05d|%+d|%i|%u|%x|%ld|%lld|%lld|%lu|%llu|%zu|%.1f|%8.3f|%g|%c|%%|%03lld",
             -42, 7, 7, 7, 7, -1, 4000000000u, 255u, -123456789L, LLONG_MIN, LLONG_MAX, ULONG_MAX,
             ULLONG_MAX, (size_t)SIZE_MAX, 2.25, -3.14159, 0.0001, 'x', 5LL);
    cs_buf_t b = {0};
    cs_html(&b,
            "%d|%5d|%-5d|%05d|%+d|%i|%u|%x|%ld|%lld|%lld|%lu|%llu|%zu|%.1f|%8.3f|%g|%c|%%|%03lld",
            -42, 7, 7, 7, 7, -1, 4000000000u, 255u, -123456789L, LLONG_MIN, LLONG_MAX, ULONG_MAX,
            ULLONG_MAX, (size_t)SIZE_MAX, 2.25, -3.14159, 0.0001, 'x', 5LL);
    EXPECT_BUF(&b, want);
}

Test(html, numbers_and_strings_mix_in_order)
{
    cs_buf_t b = {0};
    cs_html(&b, "<td class=\"n\">%lld</td><td>%s</td><td>%.2f</td>", 12LL, "<x>", 0.5);
    EXPECT_BUF(&b, "<td class=\"n\">12</td><td>&lt;x&gt;</td><td>0.50</td>");
}

Test(html, width_and_precision_of_s_apply_to_the_value_before_escaping)
{
    cs_buf_t b = {0};
    cs_html(&b, "[%5s][%-4s][%.2s]", "a<", "b", "<<<");
    EXPECT_BUF(&b, "[   a&lt;][b   ][&lt;&lt;]");
}

Test(html, a_conversion_it_does_not_take_fails_the_buffer)
{
    cs_buf_t b = {0};
    cs_html(&b, "%p", (void *)&b);
    cr_expect(b.failed);
    cr_expect_null(cs_buf_take(&b));
}

Test(html, the_buffer_cap_holds)
{
    cs_buf_t b = {.max = 16};
    cs_html(&b, "%s", "<<<<<<<<"); /* 32 bytes escaped */
    cr_expect(b.failed);
    cr_expect(b.over);
    cr_expect_null(cs_buf_take(&b));
}

/* ---- cs_html_url, cs_html_href, cs_html_raw ---------------------------------------------- */

Test(html, url_percent_encodes_all_but_unreserved)
{
    cs_buf_t b = {0};
    cs_html_url(&b, "AZaz09-._~");
    EXPECT_BUF(&b, "AZaz09-._~");
    cs_html_url(&b, "a b&c=d/e?f#g+h\"<'>%");
    EXPECT_BUF(&b, "a%20b%26c%3Dd%2Fe%3Ff%23g%2Bh%22%3C%27%3E%25");
    cs_html_url(&b, "caf\xc3\xa9");
    EXPECT_BUF(&b, "caf%C3%A9");
    cs_html_url(&b, NULL);
    cs_html_raw(&b, "x");
    EXPECT_BUF(&b, "x");
}

Test(html, href_keeps_http_and_https_escaped_for_the_attribute)
{
    cs_buf_t b = {0};
    cs_html_href(&b, "https://app.gong.io/call?id=1&x=\"2\"");
    EXPECT_BUF(&b, "https://app.gong.io/call?id=1&amp;x=&quot;2&quot;");
    cs_html_href(&b, "http://example.com/");
    EXPECT_BUF(&b, "http://example.com/");
}

Test(html, href_refuses_every_other_scheme)
{
    const char *bad[] = {
        "javascript:alert(1)",     "JavaScript:alert(1)",
        " javascript:alert(1)",    "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",      "//evil.example/",
        " https://leading.space/", "ftp://example.com/",
        "https:/one-slash",        "",
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(bad); i++) {
        cs_buf_t b = {0};
        cs_html_href(&b, bad[i]);
        char *s = s_take(&b);
        cr_expect_str_eq(s, "#", "%s", bad[i]);
        free(s);
    }
    cs_buf_t b = {0};
    cs_html_href(&b, NULL);
    EXPECT_BUF(&b, "#");
}

Test(html, is_uuid_takes_the_8_4_4_4_12_hex_form_only)
{
    cr_expect(cs_html_is_uuid("6f1c2a3b-0000-4abc-8def-0123456789ab"));
    cr_expect(cs_html_is_uuid("6F1C2A3B-0000-4ABC-8DEF-0123456789AB"));
    const char *bad[] = {
        "",
        "6f1c2a3b-0000-4abc-8def-0123456789a",   /* 35 */
        "6f1c2a3b-0000-4abc-8def-0123456789abc", /* 37 */
        "6f1c2a3b00000-4abc-8def-0123456789ab",  /* dash missing */
        "6f1c2a3b-0000-4abc-8def-0123456789ag",  /* not hex */
        "6f1c2a3-b0000-4abc-8def-0123456789ab",  /* dash moved */
        "6f1c2a3b-0000-4abc-8def-0123456789a ",  /* space */
        "../../etc/passwd-0000-0000-000000000",  /* 36 characters */
        "6f1c2a3b-0000-4abc-8def-0123456789ab'", /* a quote after */
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(bad); i++)
        cr_expect(!cs_html_is_uuid(bad[i]), "%s", bad[i]);
    cr_expect(!cs_html_is_uuid(NULL));
}
