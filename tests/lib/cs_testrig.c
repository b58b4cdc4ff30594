/*  cs_testrig: the pipeline of real stages on the fake OpenAI server (see cs_testrig.h). */
#include "cs_testrig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cs_testcli.h"
#include "cs_util.h"

int cs_testrig_answer(void *arg, const char *path, const json_t *request, fake_openai_answer_t *a)
{
    (void)arg;
    (void)request;
    if (strcmp(path, "/chat/completions") != 0)
        return -1;
    a->kind = FAKE_OPENAI_CHAT; /* tokens estimated, cached tokens as the fake's cache says */
    a->content = CS_TESTRIG_ANSWER;
    return 0;
}

/* The replay file: CS_TESTRIG_CALLS calls (ids 8000, 8001, ...) titled "<title> <n> | Acme". */
static void s_write_replay(const char *path, const char *title_prefix)
{
    FILE *f = fopen(path, "w");
    cr_assert(f);
    for (int i = 0; i < CS_TESTRIG_CALLS; i++) {
        char id[16], title[64];
        snprintf(id, sizeof id, "%d", 8000 + i);
        snprintf(title, sizeof title, "%s %d | Acme", title_prefix, i);
        json_t *c = json_pack(
            "{s:{s:s, s:s, s:s, s:i, s:s, s:b}, s:[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}],"
            " s:{s:s, s:[{s:s, s:[{s:i, s:s}]}, {s:s, s:[{s:i, s:s}]}]}}",
            "metaData", "id", id, "title", title, "started", "2025-10-20T10:00:00Z", "duration",
            900, "url", "https://app.gong.io/call?id=1", "isPrivate", 0, "parties", "speakerId",
            "s1", "name", "Steve", "emailAddress", "steve@vendor.example", "affiliation",
            "Internal", "speakerId", "s2", "name", "Yukta", "emailAddress", "yukta@acme.example",
            "affiliation", "External", "transcript", "callId", id, "transcript", "speakerId", "s1",
            "sentences", "start", 0, "text", "What would make this better for you?", "speakerId",
            "s2", "sentences", "start", 3000, "text",
            "We need a Salesforce integration for our tickets.");
        char *line = json_dumps(c, JSON_COMPACT);
        fprintf(f, "%s\n", line);
        free(line);
        json_decref(c);
    }
    fclose(f);
}

void cs_testrig_start(cs_testrig_t *r, cs_testproc_t *p, char **argv, const char *ready)
{
    char key[160];
    snprintf(key, sizeof key, "OPENAI_API_KEY=%s", r->key);
    char *env[] = {(char *)cs_testcli_env_db(), key, NULL};
    cs_testproc_start(p, argv, env);
    if (ready) {
        bool up = cs_testproc_wait_log(p, ready, 20000);
        char *log = up ? NULL : cs_testproc_log(p);
        cr_assert(up, "%s did not start:\n%s", argv[0], log);
    }
}

void cs_testrig_start_extractor(cs_testrig_t *r, char *const *args)
{
    char base[160], calls[96], extractions[96];
    snprintf(base, sizeof base, "--openai-base-url=%s", fake_openai_url(r->llm));
    snprintf(calls, sizeof calls, "--calls-endpoint=%s", r->ep[0]);
    snprintf(extractions, sizeof extractions, "--extractions-endpoint=%s", r->ep[1]);
    char *argv[24] = {(char *)cs_testproc_bin("callsift-extractor"),
                      "--provider",
                      "openai",
                      "--model",
                      "gpt-4o-mini",
                      base};
    int n = 6;
    for (; args && *args; args++) {
        cr_assert_lt(n, 22, "too many extractor arguments");
        argv[n++] = *args;
    }
    argv[n++] = calls;
    argv[n++] = extractions;
    argv[n] = NULL;
    cs_testrig_start(r, &r->extractor, argv, "Extractor ready");
    r->extractor_stopped = false;
}

void cs_testrig_open(cs_testrig_t *r, const char *const *create, char *const *extractor_args)
{
    cs_testcli_setup(true);
    const char *args[8] = {"workspace", "create", "--name", "Acme"};
    int n = 4;
    for (; create && *create; create++)
        args[n++] = *create;
    char *id = cs_testcli_ok_value(
        cs_testcli_run(args[0], args[1], args[2], args[3], args[4], args[5], (const char *)NULL));
    cs_strlcpy(r->ws, id, sizeof r->ws);
    free(id);
    for (int i = 0; i < 4; i++)
        cs_testproc_free_endpoint(r->ep[i], sizeof r->ep[i]);
    snprintf(r->replay, sizeof r->replay, "/tmp/cs_%s_%d.jsonl", r->name, (int)getpid());
    s_write_replay(r->replay, r->title);
    r->llm = fake_openai_start();
    cr_assert(r->llm);
    fake_openai_set_api_key(r->llm, r->key);
    fake_openai_set_responder(r->llm, cs_testrig_answer, NULL);
    char *writer[] = {(char *)cs_testproc_bin("callsift-writer"),
                      "--decisions-endpoint",
                      r->ep[2],
                      "--acks-endpoint",
                      r->ep[3],
                      NULL};
    cs_testrig_start(r, &r->writer, writer, "Writer ready");
    char *matcher[] = {(char *)cs_testproc_bin("callsift-matcher"),
                       "--provider",
                       "offline",
                       "--vectors",
                       "offline",
                       "--extractions-endpoint",
                       r->ep[1],
                       "--decisions-endpoint",
                       r->ep[2],
                       NULL};
    cs_testrig_start(r, &r->matcher, matcher, "Matcher ready");
    cs_testrig_start_extractor(r, extractor_args);
}

int cs_testrig_fetch(cs_testrig_t *r, bool again, char **log)
{
    char *argv[] = {(char *)cs_testproc_bin("callsift-fetcher"),
                    "--workspace-id",
                    r->ws,
                    "--replay",
                    r->replay,
                    "--calls-endpoint",
                    r->ep[0],
                    "--acks-endpoint",
                    r->ep[3],
                    "--ack-timeout",
                    (char *)r->ack_timeout,
                    again ? "--reprocess" : NULL,
                    NULL};
    cs_testrig_start(r, &r->fetcher, argv, NULL);
    int64_t deadline = cs_now_ms() + 60000;
    while (cs_testproc_alive(&r->fetcher) && cs_now_ms() < deadline)
        usleep(50000);
    int status = cs_testproc_stop(&r->fetcher, 1000);
    *log = cs_testproc_log(&r->fetcher);
    return status;
}

char *cs_testrig_stop_extractor(cs_testrig_t *r)
{
    int status = cs_testproc_stop(&r->extractor, 10000);
    char *log = cs_testproc_log(&r->extractor);
    cr_expect_eq(status, 0, "extractor exit %d:\n%s", status, log);
    r->extractor_stopped = true;
    return log;
}

void cs_testrig_close(cs_testrig_t *r)
{
    if (!r->extractor_stopped)
        free(cs_testrig_stop_extractor(r));
    cs_testproc_t *rest[] = {&r->matcher, &r->writer};
    for (int i = 0; i < 2; i++) {
        int status = cs_testproc_stop(rest[i], 10000);
        char *log = status ? cs_testproc_log(rest[i]) : NULL;
        cr_expect_eq(status, 0, "exit %d:\n%s", status, log); /* sanitizer builds: no leak */
        free(log);
    }
    fake_openai_stop(&r->llm);
    unlink(r->replay);
    cs_testcli_teardown();
}
