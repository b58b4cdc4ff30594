/* cs_spool: documents put survive a reopen, in the order they were put; dropped ones do not;
   a file that is not JSON is set aside; a spool that cannot be written says so. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cs_spool.h"
#include "cs_util.h"

static char s_dir[64];

static void setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/cs_spool_test_%d", (int)getpid());
}

static void teardown(void)
{
    char *rm = cs_strdup_printf("rm -rf '%s'", s_dir);
    cr_expect_eq(system(rm), 0);
    free(rm);
}

TestSuite(spool, .init = setup, .fini = teardown);

static int files(const char *suffix)
{
    DIR *d = opendir(s_dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t len = strlen(e->d_name), sl = strlen(suffix);
        n += e->d_name[0] != '.' && len > sl && strcmp(e->d_name + len - sl, suffix) == 0;
    }
    if (d)
        closedir(d);
    return n;
}

Test(spool, what_is_put_comes_back_in_order_until_dropped)
{
    char err[256];
    json_t *pending = NULL;
    cs_spool_t *sp = cs_spool_open(s_dir, &pending, err, sizeof err);
    cr_assert(sp, "%s", err);
    cr_assert_eq(json_array_size(pending), 0);
    json_decref(pending);
    struct stat st;
    cr_assert_eq(stat(s_dir, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0700, "the spool is private");
    const char *keys[] = {"7782342274025937895", "a/../../etc/passwd", "3"};
    for (int i = 0; i < 3; i++) {
        json_t *doc = json_pack("{s:s, s:i}", "key", keys[i], "n", i);
        cr_assert_eq(cs_spool_put(sp, keys[i], doc, err, sizeof err), 0, "%s", err);
        json_decref(doc);
        usleep(20000); /* distinct modification times */
    }
    /* putting a key again replaces it */
    json_t *again = json_pack("{s:s, s:i}", "key", keys[2], "n", 30);
    cr_assert_eq(cs_spool_put(sp, keys[2], again, err, sizeof err), 0, "%s", err);
    json_decref(again);
    cs_spool_drop(sp, keys[1]);
    cs_spool_drop(sp, "never put");
    cs_spool_close(&sp);
    cr_assert_eq(files(".json"), 2);
    cr_assert_eq(files(".tmp"), 0);

    sp = cs_spool_open(s_dir, &pending, err, sizeof err);
    cr_assert(sp, "%s", err);
    cr_assert_eq(json_array_size(pending), 2);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(pending, 0), "key")),
                     keys[0]);
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(pending, 1), "n")), 30);
    json_decref(pending);
    cs_spool_close(&sp);
}

Test(spool, a_file_that_is_not_a_document_is_set_aside)
{
    char err[256];
    json_t *pending = NULL;
    cs_spool_t *sp = cs_spool_open(s_dir, &pending, err, sizeof err);
    cr_assert(sp, "%s", err);
    json_decref(pending);
    json_t *doc = json_pack("{s:s}", "key", "good");
    cr_assert_eq(cs_spool_put(sp, "good", doc, err, sizeof err), 0, "%s", err);
    json_decref(doc);
    cs_spool_close(&sp);
    char *bad = cs_strdup_printf("%s/00000000-0000-5000-8000-000000000000.json", s_dir);
    FILE *f = fopen(bad, "w");
    fputs("{\"cut in half", f);
    fclose(f);
    free(bad);
    sp = cs_spool_open(s_dir, &pending, err, sizeof err);
    cr_assert(sp, "%s", err);
    cr_assert_eq(json_array_size(pending), 1);
    cr_assert_eq(files(".bad"), 1);
    json_decref(pending);
    cs_spool_close(&sp);
}

Test(spool, a_spool_that_cannot_be_written_says_so)
{
    char err[256];
    json_t *pending = NULL;
    cs_spool_t *sp = cs_spool_open(s_dir, &pending, err, sizeof err);
    cr_assert(sp, "%s", err);
    json_decref(pending);
    /* the directory goes away under it */
    teardown();
    json_t *doc = json_pack("{s:s}", "key", "lost");
    cr_assert_eq(cs_spool_put(sp, "lost", doc, err, sizeof err), -1);
    cr_assert(strstr(err, "cannot write to the spool"), "%s", err);
    json_decref(doc);
    cs_spool_close(&sp);
    /* a path that is a file cannot be a spool */
    FILE *f = fopen(s_dir, "w");
    fclose(f);
    cr_assert_null(cs_spool_open(s_dir, &pending, err, sizeof err));
    cr_assert_null(pending);
    unlink(s_dir);
}
