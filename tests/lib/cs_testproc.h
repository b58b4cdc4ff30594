/*  cs_testproc: run the real executables from tests (build/bin), as separate processes.

    cs_testproc_run() runs a command to completion and captures its output; cs_testproc_start()
    leaves it running (a stage under test) until cs_testproc_stop() sends SIGTERM, or
    cs_testproc_kill() sends SIGKILL. */
#ifndef CS_TESTPROC_H
#define CS_TESTPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct {
    pid_t pid;          /* 0 once reaped */
    int status;         /* exit code (or 128 + signal) once reaped */
    char log_path[256]; /* stdout and stderr of the child */
} cs_testproc_t;

typedef struct {
    int status; /* exit code, or 128 + signal */
    char *out;  /* everything written to stdout (caller frees) */
    char *err;  /* everything written to stderr (caller frees) */
} cs_testrun_t;

/* Path of an executable in the build's bin directory, e.g. cs_testproc_bin("callsift").
   Returns a static buffer. */
const char *cs_testproc_bin(const char *name);

/* Run argv (argv[0] a path, NULL-terminated) with extra environment entries env
   ("NAME=value", NULL-terminated, may be NULL), stdin from /dev/null or from `input` when
   not NULL, and wait at most timeout_ms. A child still running then is killed (status 137). */
cs_testrun_t cs_testproc_run(char *const argv[], char *const env[], const char *input,
                             int timeout_ms);
void cs_testrun_free(cs_testrun_t *run);

/* "tcp://127.0.0.1:PORT" with a port nobody listens on now, for a stage under test to bind.
   The port is below the kernel's ephemeral range, so no connecting socket (the test's own,
   retrying before the stage has bound) can be handed it as a source port and connect to
   itself, which would keep the stage from binding it. */
void cs_testproc_free_endpoint(char *out, size_t outlen);

/* True when nothing listens on (or holds) 127.0.0.1:port now. */
bool cs_testproc_port_free(int port);

/* Start argv in the background with extra environment env; output goes to a log file. */
void cs_testproc_start(cs_testproc_t *p, char *const argv[], char *const env[]);

/* SIGTERM, then wait up to timeout_ms; returns the exit code (128 + signal if it died of one,
   -1 if it had to be killed after the timeout). A child that already exited (seen by
   cs_testproc_alive) returns the status it exited with. */
int cs_testproc_stop(cs_testproc_t *p, int timeout_ms);

/* SIGKILL and reap. */
void cs_testproc_kill(cs_testproc_t *p);

/* True while the process runs. */
bool cs_testproc_alive(cs_testproc_t *p);

/* The child's log so far (caller frees). */
char *cs_testproc_log(const cs_testproc_t *p);

/* The last `lines` lines of the child's log so far (caller frees). */
char *cs_testproc_log_tail(const cs_testproc_t *p, int lines);

/* A process and what to call it, for cs_testproc_logs(). */
typedef struct {
    const cs_testproc_t *p;
    const char *what;
} cs_testproc_named_t;

/* The last `lines` lines of the log of each of the n processes `all` that was started, each
   under a line "---- <what>:" (caller frees). For a failing test's message. */
char *cs_testproc_logs(const cs_testproc_named_t *all, size_t n, int lines);

/* Fail the test (cr_assert_fail: the caller includes Criterion and cs_util.h) with a message
   (printf-style arguments) followed by `logs` (a string, e.g. cs_testproc_logs()'s). */
#define CS_TESTPROC_FAIL(logs, ...)                                                                \
    do {                                                                                           \
        char *cs_testproc_logs_ = (logs);                                                          \
        char *cs_testproc_msg_ = cs_strdup_printf(__VA_ARGS__);                                    \
        cr_assert_fail("%s\n%s", cs_testproc_msg_, cs_testproc_logs_);                             \
    } while (0)

/* Wait until the child's log contains `needle`, up to timeout_ms. */
bool cs_testproc_wait_log(const cs_testproc_t *p, const char *needle, int timeout_ms);

#endif
