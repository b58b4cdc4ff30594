/*  cs_spool: a directory of JSON documents, one file per key, each written durably before
    cs_spool_put returns (a temporary file, fsync, rename, fsync of the directory), so that what
    was put survives a crash or a SIGKILL until it is dropped. The fetcher spools every webhook
    call it accepts until the call is known stored.

    A key becomes a file name through a UUID v5 of the key, so any key is safe. Files that are
    not JSON objects are renamed NAME.bad at open and reported, never loaded again. Not
    thread-safe: its user holds a lock. */
#ifndef CS_SPOOL_H
#define CS_SPOOL_H

#include <stddef.h>

#include <jansson.h>

typedef struct cs_spool cs_spool_t;

/* Open (creating it, mode 0700, when missing) the spool directory `dir`. *pending gets a new
   array of the documents found there, oldest first (the caller releases it). NULL with the
   reason in err when the directory cannot be made or read. */
cs_spool_t *cs_spool_open(const char *dir, json_t **pending, char *err, size_t errlen);

/* Store `doc` (borrowed) under `key`, replacing what the key held. 0 once it is on disk; -1 with
   the reason in err (disk full, permissions), and then nothing is stored under the key. */
int cs_spool_put(cs_spool_t *self, const char *key, const json_t *doc, char *err, size_t errlen);

/* Remove what `key` holds; nothing when it holds nothing. */
void cs_spool_drop(cs_spool_t *self, const char *key);

/* Close and NULL the pointer; the files stay. NULL is fine. */
void cs_spool_close(cs_spool_t **self_p);

#endif
