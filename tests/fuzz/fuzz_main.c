/*  A main() for a fuzz target without libFuzzer: runs LLVMFuzzerTestOneInput once on each file
    given, or on each file of each directory given (names starting with '.' are skipped), so
    that the seeds and the checked-in crash inputs run as ordinary tests in every build (gcc,
    ASan, valgrind). A broken invariant aborts, as under libFuzzer.

    Prints "N passed, 0 failed" and exits 0 when every input ran; exits 1 when an argument
    cannot be read or names no input at all. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cs_fuzz.h"

#define INPUT_CAP (64u << 20) /* bytes of one input file */

static int s_run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            unsigned char *grown = cap < INPUT_CAP ? realloc(buf, cap * 2) : NULL;
            if (!grown) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
            cap *= 2;
        }
    }
    int failed = ferror(f) || !buf;
    fclose(f);
    if (failed) {
        fprintf(stderr, "%s: cannot read (or over %u bytes)\n", path, INPUT_CAP);
        free(buf);
        return -1;
    }
    /* an exact-size copy, so that ASan sees a read past the input */
    unsigned char *input = malloc(len ? len : 1);
    memcpy(input, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(input, len);
    free(input);
    return 0;
}

int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    long ran = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (s_run_file(argv[i]) != 0)
                return 1;
            ran++;
            continue;
        }
        struct dirent **names = NULL;
        int count = scandir(argv[i], &names, NULL, alphasort);
        if (count < 0) {
            perror(argv[i]);
            return 1;
        }
        for (int k = 0; k < count; k++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], names[k]->d_name);
            if (names[k]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                if (s_run_file(path) != 0)
                    return 1;
                ran++;
            }
            free(names[k]);
        }
        free(names);
    }
    if (ran == 0) {
        fprintf(stderr, "%s: no input\n", argv[0]);
        return 1;
    }
    printf("%ld passed, 0 failed\n", ran);
    return 0;
}
