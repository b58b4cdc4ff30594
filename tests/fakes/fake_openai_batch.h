/*  fake_openai_batch: the Files and Batch endpoints of fake_openai (private to the fake: tests use
    the fake_openai_batch_* functions of fake_openai.h). fake_openai.c owns the state and routes
    /files and /batches requests here after its API key check; this file answers each batch line
    through fake_openai_line_answer(), as the line's endpoint would. */
#ifndef FAKE_OPENAI_BATCH_H
#define FAKE_OPENAI_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "fake_openai.h"

typedef struct fake_batch fake_batch_t;

/* A new empty state (NULL when out of memory); free with fake_batch_free (NULL is fine). */
fake_batch_t *fake_batch_new(void);
void fake_batch_free(fake_batch_t **b_p);

/* Is `path` (relative to /v1) one of the Files or Batch endpoints? */
bool fake_batch_path(const char *path);

/* The query's parameters the endpoints read (NULL when absent). */
typedef struct {
    const char *limit, *after; /* GET /batches */
} fake_batch_query_t;

/* The answer to a request on such a path: malloc'd text (JSON, or a file's content) and its
   status. q: the query's parameters (NULL: none); content_type is the request's (for the
   multipart upload). Thread-safe. */
char *fake_batch_answer(fake_openai_t *f, const char *method, const char *path,
                        const fake_batch_query_t *q, const char *content_type, const char *body,
                        size_t len, int *status);

/* Provided by fake_openai.c: the state of f; the answer the line's endpoint gives to `request`
   (path relative to /v1: responder, load mode, defaults; pushed answers are left to direct
   requests), with its status; OpenAI's error body. All malloc'd text. */
fake_batch_t *fake_openai_batch_state(fake_openai_t *f);
char *fake_openai_line_answer(fake_openai_t *f, const char *path, const json_t *request,
                              int *status);
char *fake_openai_error_text(int status, const char *message, const char *type, const char *code);

#endif
