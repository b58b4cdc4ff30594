/*  cs_testrig: the pipeline of real stages on the fake OpenAI server, for the end-to-end tests
    of what the LLM costs and how it is asked (test_budget, test_pipeline_batch).

    cs_testrig_open() makes a database (cs_testcli), a workspace "Acme", a replay file of
    CS_TESTRIG_CALLS Gong calls in which Yukta of acme.example asks for a Salesforce
    integration, the fake OpenAI server (answering every chat with CS_TESTRIG_ANSWER), and
    starts the writer, the offline matcher and an extractor asking the fake (gpt-4o-mini);
    cs_testrig_fetch() runs the fetcher over the replay file; cs_testrig_close() stops it all,
    checking each stage exits 0.

        cs_testrig_t r = {.name = "budget", .title = "Budget", .key = KEY, .ack_timeout = "20"};
        cs_testrig_open(&r, NULL, (char *[]){"--budget-usd", "0", NULL});
        int status = cs_testrig_fetch(&r, false, &log);
        ...
        cs_testrig_close(&r);                                                                  */
#ifndef CS_TESTRIG_H
#define CS_TESTRIG_H

#include <stdbool.h>

#include "cs_testproc.h"
#include "cs_uuid.h"
#include "fake_openai.h"

#define CS_TESTRIG_CALLS 6

/* A valid extraction quoting the customer of every call of the replay file. */
#define CS_TESTRIG_ANSWER                                                                          \
    "{\"feature_requests\":[{\"title\":\"Salesforce integration\",\"description\":\"Sync "         \
    "tickets with Salesforce.\",\"urgency\":\"high\",\"theme\":null,\"quote\":\"We need a "        \
    "Salesforce integration for our tickets.\",\"speaker\":\"Yukta\",\"context\":null,"            \
    "\"confidence\":0.9}],\"bug_reports\":[],\"sentiment\":{\"overall\":\"positive\",\"score\":"   \
    "0.4},\"pain_points\":[],\"summary\":\"Yukta wants a Salesforce integration.\","               \
    "\"language\":\"en\"}"

typedef struct {
    /* set by the test before cs_testrig_open() */
    const char *name;        /* names the replay file: /tmp/cs_<name>_<pid>.jsonl */
    const char *title;       /* the calls' titles: "<title> <n> | Acme" */
    const char *key;         /* the fake's API key, the stages' OPENAI_API_KEY */
    const char *ack_timeout; /* the fetcher's --ack-timeout, in seconds */
    /* set by cs_testrig_open() */
    char ws[CS_UUID_LEN];
    char ep[4][64]; /* calls, extractions, decisions, acks */
    char replay[128];
    fake_openai_t *llm;
    cs_testproc_t writer, matcher, extractor, fetcher;
    bool extractor_stopped; /* by cs_testrig_stop_extractor(), since it was last started */
} cs_testrig_t;

/* The fake's responder: CS_TESTRIG_ANSWER to every chat (tokens estimated, cached tokens as
   the fake's cache says), an error to anything else. */
int cs_testrig_answer(void *arg, const char *path, const json_t *request, fake_openai_answer_t *a);

/* Open the rig as above; the workspace is made with `callsift workspace create --name Acme`
   and the flags `create` (NULL-terminated, at most 2, may be NULL), the extractor started with
   `extractor_args` (NULL-terminated, may be NULL) after the common ones. cr_asserts on
   failure. */
void cs_testrig_open(cs_testrig_t *r, const char *const *create, char *const *extractor_args);

/* Start a stage: argv with DATABASE_URL and OPENAI_API_KEY; when `ready` is not NULL, wait up
   to 20 s for it in the log (cr_asserts it comes). */
void cs_testrig_start(cs_testrig_t *r, cs_testproc_t *p, char **argv, const char *ready);

/* Start the extractor (again) with `args` (NULL-terminated, may be NULL, at most 16) after
   the common ones, and wait until it is ready. */
void cs_testrig_start_extractor(cs_testrig_t *r, char *const *args);

/* Stop the extractor (SIGTERM) and expect it to exit 0: its log (the caller frees). */
char *cs_testrig_stop_extractor(cs_testrig_t *r);

/* One fetcher run over the replay file (with --reprocess when `again`), waited for up to 60 s:
   its exit status, and its log into *log (the caller frees). */
int cs_testrig_fetch(cs_testrig_t *r, bool again, char **log);

/* Stop the extractor (unless the test stopped it last), the matcher and the writer, expecting
   each to exit 0, stop the fake, remove the replay file and drop the database. */
void cs_testrig_close(cs_testrig_t *r);

#endif
