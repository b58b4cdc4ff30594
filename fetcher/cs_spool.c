/*  cs_spool: see cs_spool.h. */
#include "cs_spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cs_log.h"
#include "cs_util.h"
#include "cs_uuid.h"

#define SUFFIX ".json"

struct cs_spool {
    char *dir;
    int dir_fd;
};

/* The file name of a key: "<uuid>.json" (CS_UUID_LEN + 5 bytes). */
static void s_name(const char *key, char out[CS_UUID_LEN + 8])
{
    char id[CS_UUID_LEN];
    cs_uuid_v5(key, id);
    snprintf(out, CS_UUID_LEN + 8, "%s" SUFFIX, id);
}

typedef struct {
    char name[CS_UUID_LEN + 8];
    struct timespec mtime;
} entry_t;

static int s_older(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    if (x->mtime.tv_sec != y->mtime.tv_sec)
        return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
    if (x->mtime.tv_nsec != y->mtime.tv_nsec)
        return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* The documents in the directory, oldest first; bad files renamed NAME.bad. */
static json_t *s_load(cs_spool_t *self, char *err, size_t errlen)
{
    DIR *d = fdopendir(dup(self->dir_fd));
    if (!d) {
        cs_fail(err, errlen, "cannot read the spool %s: %s", self->dir, strerror(errno));
        return NULL;
    }
    entry_t *all = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        struct stat st;
        if (len != CS_UUID_LEN - 1 + strlen(SUFFIX) ||
            strcmp(e->d_name + len - strlen(SUFFIX), SUFFIX) != 0 ||
            fstatat(self->dir_fd, e->d_name, &st, 0) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            entry_t *grown = realloc(all, cap * sizeof *all);
            if (!grown)
                break;
            all = grown;
        }
        memcpy(all[n].name, e->d_name, len + 1); /* len was checked above */
        all[n++].mtime = st.st_mtim;
    }
    closedir(d);
    if (n > 1)
        qsort(all, n, sizeof *all, s_older);
    json_t *docs = json_array();
    for (size_t i = 0; i < n; i++) {
        int fd = openat(self->dir_fd, all[i].name, O_RDONLY | O_CLOEXEC);
        FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
        json_error_t jerr;
        json_t *doc = f ? json_loadf(f, JSON_REJECT_DUPLICATES, &jerr) : NULL;
        if (f)
            fclose(f);
        else if (fd >= 0)
            close(fd);
        if (json_is_object(doc)) {
            json_array_append_new(docs, doc);
            continue;
        }
        json_decref(doc);
        char bad[CS_UUID_LEN + 16];
        snprintf(bad, sizeof bad, "%s.bad", all[i].name);
        renameat(self->dir_fd, all[i].name, self->dir_fd, bad);
        cs_warn("Spool %s: %s is not a JSON object; kept as %s, not loaded", self->dir, all[i].name,
                bad);
    }
    free(all);
    return docs;
}

cs_spool_t *cs_spool_open(const char *dir, json_t **pending, char *err, size_t errlen)
{
    *pending = NULL;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        cs_fail(err, errlen, "cannot make the spool %s: %s", dir, strerror(errno));
        return NULL;
    }
    cs_spool_t *self = calloc(1, sizeof *self);
    if (!self || !(self->dir = strdup(dir))) {
        free(self);
        cs_fail(err, errlen, "out of memory");
        return NULL;
    }
    self->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (self->dir_fd < 0) {
        cs_fail(err, errlen, "cannot open the spool %s: %s", dir, strerror(errno));
        cs_spool_close(&self);
        return NULL;
    }
    if (!(*pending = s_load(self, err, errlen)))
        cs_spool_close(&self);
    return self;
}

int cs_spool_put(cs_spool_t *self, const char *key, const json_t *doc, char *err, size_t errlen)
{
    char name[CS_UUID_LEN + 8], tmp[CS_UUID_LEN + 16];
    s_name(key, name);
    snprintf(tmp, sizeof tmp, "%s.tmp", name);
    char *text = json_dumps(doc, JSON_COMPACT);
    int fd = text ? openat(self->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
    size_t len = text ? strlen(text) : 0, done = 0;
    while (fd >= 0 && done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    int saved = errno;
    bool ok = fd >= 0 && done == len && fsync(fd) == 0;
    saved = ok ? 0 : (errno ? errno : saved);
    if (fd >= 0 && close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    free(text);
    if (ok && renameat(self->dir_fd, tmp, self->dir_fd, name) == 0 && fsync(self->dir_fd) == 0)
        return 0;
    if (ok)
        saved = errno;
    unlinkat(self->dir_fd, tmp, 0);
    return cs_fail(err, errlen, "cannot write to the spool %s: %s", self->dir,
                   strerror(saved ? saved : EIO));
}

void cs_spool_drop(cs_spool_t *self, const char *key)
{
    char name[CS_UUID_LEN + 8];
    s_name(key, name);
    if (unlinkat(self->dir_fd, name, 0) != 0 && errno != ENOENT)
        cs_warn("Spool %s: cannot remove %s: %s", self->dir, name, strerror(errno));
}

void cs_spool_close(cs_spool_t **self_p)
{
    cs_spool_t *self = self_p ? *self_p : NULL;
    if (!self)
        return;
    if (self->dir_fd >= 0)
        close(self->dir_fd);
    free(self->dir);
    free(self);
    *self_p = NULL;
}
