/* cs_text: UTF-8 checks and cuts, and the one canonical form of a customer's domain. */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_text.h"
#include "cs_util.h"

/* ---- UTF-8 ------------------------------------------------------------------------------- */

Test(text, utf8_valid_accepts_every_length_of_sequence)
{
    const char *good = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"; /* a é € 😀 */
    cr_expect(cs_text_utf8_valid(good, strlen(good)));
    cr_expect(cs_text_utf8_valid("", 0));
    cr_expect(cs_text_utf8_valid("a\0b", 3), "NUL is the caller's business");
}

Test(text, utf8_valid_refuses_what_strict_utf8_forbids)
{
    const char *bad[] = {
        "\xc3",             /* truncated */
        "\xe2\x82",         /* truncated */
        "\x80",             /* lone continuation */
        "\xc0\xaf",         /* overlong '/' */
        "\xe0\x80\xaf",     /* overlong */
        "\xed\xa0\x80",     /* surrogate U+D800 */
        "\xf4\x90\x80\x80", /* above U+10FFFF */
        "\xff",             /* never used */
        "\xc3\x28",         /* continuation missing */
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(bad); i++)
        cr_expect(!cs_text_utf8_valid(bad[i], strlen(bad[i])), "case %zu", i);
}

Test(text, utf8_chars_counts_code_points)
{
    const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    cr_expect_eq(cs_text_utf8_chars(s, strlen(s)), 4);
    cr_expect_eq(cs_text_utf8_chars("", 0), 0);
}

Test(text, utf8_seq_len_always_advances)
{
    cr_expect_eq(cs_text_utf8_seq_len('a'), 1);
    cr_expect_eq(cs_text_utf8_seq_len(0xc3), 2);
    cr_expect_eq(cs_text_utf8_seq_len(0xe2), 3);
    cr_expect_eq(cs_text_utf8_seq_len(0xf0), 4);
    cr_expect_eq(cs_text_utf8_seq_len(0x80), 1);
    cr_expect_eq(cs_text_utf8_seq_len(0xff), 1);
}

Test(text, utf8_cut_ends_on_a_character_boundary)
{
    const char *s = "a\xe2\x82\xac"
                    "b"; /* a € b: 5 bytes */
    cr_expect_eq(cs_text_utf8_cut(s, 5, 10), 5);
    cr_expect_eq(cs_text_utf8_cut(s, 5, 5), 5);
    cr_expect_eq(cs_text_utf8_cut(s, 5, 4), 4);
    cr_expect_eq(cs_text_utf8_cut(s, 5, 3), 1, "inside the euro sign: back to before it");
    cr_expect_eq(cs_text_utf8_cut(s, 5, 2), 1);
    cr_expect_eq(cs_text_utf8_cut(s, 5, 1), 1);
    cr_expect_eq(cs_text_utf8_cut(s, 5, 0), 0);
    cr_expect_eq(cs_text_utf8_cut("\xe2\x82\xac", 3, 2), 0);
}

/* ---- domains ----------------------------------------------------------------------------- */

static void expect_domain(const char *in, const char *want)
{
    char out[CS_TEXT_DOMAIN_SIZE];
    int rc = cs_text_domain(in, strlen(in), out);
    if (!want) {
        cr_expect_eq(rc, -1, "'%s' gave '%s'", in, out);
        cr_expect_str_empty(out, "'%s'", in);
        return;
    }
    cr_expect_eq(rc, 0, "'%s'", in);
    cr_expect_str_eq(out, want, "'%s'", in);
}

Test(text, domain_of_ascii_names_is_lower_case_without_www_or_final_dot)
{
    expect_domain("acme.com", "acme.com");
    expect_domain("WWW.Acme-Corp.COM", "acme-corp.com");
    expect_domain("acme.com.", "acme.com");
    expect_domain("www.com", "www.com");
    expect_domain("a1.b2.example.org", "a1.b2.example.org");
}

Test(text, domain_of_non_ascii_names_is_lower_case_utf8_whatever_the_form)
{
    expect_domain("\xc3\xa4\xc3\xb6-example.de", "\xc3\xa4\xc3\xb6-example.de");
    expect_domain("\xc3\x84\xc3\x96-Example.DE", "\xc3\xa4\xc3\xb6-example.de");
    expect_domain("xn---example-zza4p.de", "\xc3\xa4\xc3\xb6-example.de");
    expect_domain("XN---EXAMPLE-ZZA4P.DE", "\xc3\xa4\xc3\xb6-example.de");
    expect_domain("www.\xc3\x84\xc3\x96-example.de.", "\xc3\xa4\xc3\xb6-example.de");
    /* NFD (a + combining diaeresis) is the same name as NFC */
    expect_domain("a\xcc\x88o\xcc\x88-example.de", "\xc3\xa4\xc3\xb6-example.de");
    expect_domain("stra\xc3\x9f"
                  "e.eu",
                  "stra\xc3\x9f"
                  "e.eu");
}

Test(text, domain_refuses_what_is_not_a_host_name)
{
    const char *bad[] = {
        "",
        "localhost",
        "www.",
        ".acme.com",
        "acme..com",
        "-acme.com",
        "acme-.com",
        "acme.com..",
        "ac me.com",
        "acme_corp.com",
        "https://acme.com",
        "acme.com/x",
        "user@acme.com",
        "acme.com:443",
        "xn--zz.com",       /* not punycode */
        "\xc3\x28.com",     /* not UTF-8 */
        "\xe2\x98\x83.com", /* a snowman is no letter IDNA 2008 allows */
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(bad); i++)
        expect_domain(bad[i], NULL);
    char out[CS_TEXT_DOMAIN_SIZE];
    cr_expect_eq(cs_text_domain("acme\0.com", 9, out), -1, "NUL inside");
    char label[80];
    memset(label, 'a', 64);
    strcpy(label + 64, ".com");
    expect_domain(label, NULL);
    char big[300];
    for (size_t i = 0; i < 254; i += 2)
        memcpy(big + i, "a.", 2);
    strcpy(big + 254, "io");
    expect_domain(big, NULL);
}

Test(text, utf8_next_decodes_or_steps_over_one_bad_byte)
{
    size_t len = 0;
    cr_expect_eq(cs_text_utf8_next("a", 1, &len), 'a');
    cr_expect_eq(len, 1);
    cr_expect_eq(cs_text_utf8_next("\xc3\xa9", 2, &len), 0xe9);
    cr_expect_eq(len, 2);
    cr_expect_eq(cs_text_utf8_next("\xe2\x82\xac", 3, &len), 0x20ac);
    cr_expect_eq(len, 3);
    cr_expect_eq(cs_text_utf8_next("\xf0\x9f\x98\x80", 4, &len), 0x1f600);
    cr_expect_eq(len, 4);
    cr_expect_eq(cs_text_utf8_next("\xe2\x82\xac", 2, &len), CS_TEXT_BAD_CHAR, "cut short by n");
    cr_expect_eq(len, 1);
    cr_expect_eq(cs_text_utf8_next("\xc0\xaf", 2, &len), CS_TEXT_BAD_CHAR, "overlong");
    cr_expect_eq(len, 1);
    cr_expect_eq(cs_text_utf8_next("\x80", 1, &len), CS_TEXT_BAD_CHAR);
    cr_expect_eq(cs_text_utf8_next("\xed\xa0\x80", 3, &len), CS_TEXT_BAD_CHAR, "surrogate");
}

Test(text, utf8_next_decodes_the_first_and_last_code_point_of_each_length)
{
    static const struct {
        const char *bytes;
        uint32_t cp;
    } cases[] = {
        {"\x7f", 0x7f},
        {"\xc2\x80", 0x80},
        {"\xdf\xbf", 0x7ff},
        {"\xe0\xa0\x80", 0x800},
        {"\xef\xbf\xbf", 0xffff},
        {"\xf0\x90\x80\x80", 0x10000},
        {"\xf4\x8f\xbf\xbf", 0x10ffff},
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(cases); i++) {
        size_t len = 0, n = strlen(cases[i].bytes);
        cr_expect_eq(cs_text_utf8_next(cases[i].bytes, n, &len), cases[i].cp, "case %zu", i);
        cr_expect_eq(len, n, "case %zu", i);
        cr_expect(cs_text_utf8_valid(cases[i].bytes, n), "case %zu", i);
        cr_expect_eq(cs_text_utf8_chars(cases[i].bytes, n), 1, "case %zu", i);
        cr_expect_eq(cs_text_utf8_seq_len((unsigned char)cases[i].bytes[0]), n, "case %zu", i);
    }
}

Test(text, utf8_cut_never_splits_a_four_byte_character)
{
    const char *s = "ab\xf0\x9f\x98\x80"; /* a b 😀: 6 bytes */
    for (size_t max = 2; max < 6; max++)
        cr_expect_eq(cs_text_utf8_cut(s, 6, max), 2, "max %zu", max);
    cr_expect_eq(cs_text_utf8_cut(s, 6, 6), 6);
}

Test(text, domain_takes_the_longest_label_and_name_dns_allows)
{
    char label[80];
    memset(label, 'a', 63);
    strcpy(label + 63, ".com");
    expect_domain(label, label);
    char big[300]; /* 253 bytes: 125 "a." and "io" */
    for (size_t i = 0; i < 250; i += 2)
        memcpy(big + i, "a.", 2);
    strcpy(big + 250, "aio");
    cr_assert_eq(strlen(big), 253);
    expect_domain(big, big);
}
