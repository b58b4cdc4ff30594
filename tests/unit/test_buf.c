/* cs_buf: a growing string with an optional cap, whose failure sticks until it is taken. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_buf.h"

Test(buf, take_of_an_empty_buffer_is_an_empty_string)
{
    cs_buf_t b = {0};
    char *s = cs_buf_take(&b);
    cr_assert_not_null(s);
    cr_expect_str_eq(s, "");
    free(s);
}

Test(buf, grows_by_doubling_and_keeps_every_byte)
{
    cs_buf_t b = {0};
    char chunk[100];
    for (size_t i = 0; i < 50; i++) {
        memset(chunk, 'a' + (int)(i % 26), sizeof chunk);
        cs_buf_add(&b, chunk, sizeof chunk);
        cr_assert(!b.failed);
        cr_assert_eq(b.len, (i + 1) * sizeof chunk);
        cr_assert_eq(b.p[b.len], '\0', "NUL-terminated after every add");
        cr_assert_geq(b.cap, b.len + 1);
        cr_assert_eq(b.cap & (b.cap - 1), 0, "a power of two: %zu", b.cap);
    }
    cr_expect_eq(b.cap, 8192, "64 doubled up to the first size that holds 5001 bytes");
    for (size_t i = 0; i < 50; i++)
        cr_expect_eq(b.p[i * sizeof chunk], 'a' + (int)(i % 26), "chunk %zu", i);
    char *s = cs_buf_take(&b);
    cr_assert_not_null(s);
    cr_expect_eq(strlen(s), 5000);
    cr_expect_eq(b.p, NULL, "take leaves the buffer empty");
    cr_expect_eq(b.len, 0);
    free(s);
}

Test(buf, printf_formats_short_and_long_text)
{
    cs_buf_t b = {0};
    cs_buf_printf(&b, "%s=%d;", "n", 42);
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cs_buf_printf(&b, "[%s]", big); /* longer than the function's own 256-byte buffer */
    char *s = cs_buf_take(&b);
    cr_assert_not_null(s);
    cr_expect_eq(strlen(s), 5 + 1 + 999 + 1);
    cr_expect_eq(strncmp(s, "n=42;[xxx", 9), 0);
    cr_expect_eq(s[strlen(s) - 1], ']');
    free(s);
}

Test(buf, appends_up_to_the_cap_exactly)
{
    cs_buf_t b = {.max = 8}; /* 7 bytes and the NUL */
    cs_buf_add(&b, "abcd", 4);
    cs_buf_add(&b, "efg", 3);
    cr_expect(!b.failed);
    cr_expect(!b.over);
    cr_expect_eq(b.len, 7);
    cr_expect_leq(b.cap, 8, "never allocates past max");
    cs_buf_add(&b, "", 0);
    cr_expect(!b.failed, "nothing more at the cap is still fine");
    char *s = cs_buf_take(&b);
    cr_assert_not_null(s);
    cr_expect_str_eq(s, "abcdefg");
    free(s);
    cr_expect_eq(b.max, 8, "take keeps the cap");
}

Test(buf, one_byte_over_the_cap_fails_and_the_failure_sticks)
{
    cs_buf_t b = {.max = 8};
    cs_buf_add(&b, "abcdefg", 7);
    cs_buf_add(&b, "h", 1);
    cr_expect(b.failed);
    cr_expect(b.over, "over: the cap, not memory");
    cr_expect_eq(b.len, 7, "the refused add left the text alone");
    cr_expect_str_eq(b.p, "abcdefg");
    cs_buf_clear(&b);
    cr_expect(!b.failed);
    cr_expect(!b.over);
    cr_expect_eq(b.len, 0);
    cs_buf_add(&b, "abcdefg", 7);
    cs_buf_add(&b, "hi", 2);
    cs_buf_add(&b, "", 0);
    cs_buf_printf(&b, "%d", 1);
    cr_expect(b.failed, "later adds do nothing");
    cr_expect_eq(b.len, 7);
    cr_expect_null(cs_buf_take(&b), "NULL after a failure (its memory freed)");
    cr_expect(!b.failed, "reusable after take");
    cr_expect(!b.over);
    cs_buf_add(&b, "ok", 2);
    char *s = cs_buf_take(&b);
    cr_assert_not_null(s);
    cr_expect_str_eq(s, "ok");
    free(s);
}

Test(buf, a_single_add_larger_than_the_cap_fails)
{
    cs_buf_t b = {.max = 8};
    cs_buf_add(&b, "abcdefgh", 8);
    cr_expect(b.failed);
    cr_expect(b.over);
    cr_expect_null(b.p, "nothing was allocated");
    cr_expect_null(cs_buf_take(&b));
}

Test(buf, printf_over_the_cap_fails)
{
    cs_buf_t b = {.max = 16};
    cs_buf_printf(&b, "%s", "0123456789");
    cr_expect(!b.failed);
    cs_buf_printf(&b, "%s", "0123456789");
    cr_expect(b.failed);
    cr_expect(b.over);
    cr_expect_null(cs_buf_take(&b));
}

Test(buf, a_length_that_wraps_around_counts_as_over)
{
    cs_buf_t b = {0}; /* no cap: only the size_t overflow check stands in the way */
    cs_buf_add(&b, "abc", 3);
    cs_buf_add(&b, "x", SIZE_MAX);
    cr_expect(b.failed);
    cr_expect(b.over);
    cr_expect_eq(b.len, 3);
    cs_buf_free(&b);
}

Test(buf, clear_keeps_the_memory_and_free_keeps_the_cap)
{
    cs_buf_t b = {.max = 1024};
    cs_buf_add(&b, "hello", 5);
    char *mem = b.p;
    size_t cap = b.cap;
    cs_buf_clear(&b);
    cr_expect_eq(b.p, mem);
    cr_expect_eq(b.cap, cap);
    cr_expect_str_eq(b.p, "");
    cs_buf_add(&b, "again", 5);
    cr_expect_str_eq(b.p, "again");
    cs_buf_free(&b);
    cr_expect_null(b.p);
    cr_expect_eq(b.len, 0);
    cr_expect_eq(b.cap, 0);
    cr_expect_eq(b.max, 1024);
    cs_buf_free(&b); /* twice is fine */
}
