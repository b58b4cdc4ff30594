#include "cs_testproc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cs_util.h"

extern char **environ;

const char *cs_testproc_bin(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", CS_TEST_BIN_DIR, name);
    return path;
}

bool cs_testproc_port_free(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0, "socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = bind(fd, (struct sockaddr *)&a, sizeof a);
    close(fd);
    return rc == 0;
}

void cs_testproc_free_endpoint(char *out, size_t outlen)
{
    /* 20000..32767: under Linux's default ip_local_port_range (32768..60999) */
    static unsigned seed;
    if (!seed)
        seed = (unsigned)getpid() ^ (unsigned)cs_now_ms();
    for (int tries = 0; tries < 200; tries++) {
        int port = 20000 + (int)(rand_r(&seed) % 12768);
        if (cs_testproc_port_free(port)) {
            snprintf(out, outlen, "tcp://127.0.0.1:%d", port);
            return;
        }
    }
    cr_assert_fail("no free loopback port found");
}

static char *s_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return strdup("");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

static void s_child_env(char *const env[])
{
    for (int i = 0; env && env[i]; i++)
        putenv(env[i]);
}

static int s_status(int wstatus)
{
    if (WIFEXITED(wstatus))
        return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus))
        return 128 + WTERMSIG(wstatus);
    return -1;
}

static int s_wait(pid_t pid, int timeout_ms)
{
    int64_t deadline = cs_now_ms() + timeout_ms;
    int wstatus;
    for (;;) {
        pid_t r = waitpid(pid, &wstatus, WNOHANG);
        if (r == pid)
            return s_status(wstatus);
        if (r < 0)
            return -1;
        if (cs_now_ms() > deadline)
            return -2;
        usleep(10000);
    }
}

cs_testrun_t cs_testproc_run(char *const argv[], char *const env[], const char *input,
                             int timeout_ms)
{
    char out_path[] = "/tmp/cs_testrun_out_XXXXXX";
    char err_path[] = "/tmp/cs_testrun_err_XXXXXX";
    char in_path[] = "/tmp/cs_testrun_in_XXXXXX";
    int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path), in_fd = -1;
    cr_assert(out_fd >= 0 && err_fd >= 0);
    if (input) {
        in_fd = mkstemp(in_path);
        cr_assert(in_fd >= 0);
        cr_assert_eq(write(in_fd, input, strlen(input)), (ssize_t)strlen(input));
        lseek(in_fd, 0, SEEK_SET);
    }
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int null_fd = open("/dev/null", O_RDONLY);
        dup2(in_fd >= 0 ? in_fd : null_fd, 0);
        dup2(out_fd, 1);
        dup2(err_fd, 2);
        s_child_env(env);
        execv(argv[0], argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    cs_testrun_t run = {0};
    run.status = s_wait(pid, timeout_ms);
    if (run.status == -2) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        run.status = 137;
    }
    close(out_fd);
    close(err_fd);
    run.out = s_slurp(out_path);
    run.err = s_slurp(err_path);
    unlink(out_path);
    unlink(err_path);
    if (in_fd >= 0) {
        close(in_fd);
        unlink(in_path);
    }
    return run;
}

void cs_testrun_free(cs_testrun_t *run)
{
    free(run->out);
    free(run->err);
    run->out = run->err = NULL;
}

void cs_testproc_start(cs_testproc_t *p, char *const argv[], char *const env[])
{
    static int counter;
    snprintf(p->log_path, sizeof p->log_path, "/tmp/cs_testproc_%d_%d.log", (int)getpid(),
             counter++);
    int fd = open(p->log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert(fd >= 0);
    p->status = -1;
    p->pid = fork();
    cr_assert(p->pid >= 0);
    if (p->pid == 0) {
        /* A test that fails an assertion exits at once: its stages must not outlive it (an
           orphaned stage would keep reconnecting and steal the next test's messages). */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int null_fd = open("/dev/null", O_RDONLY);
        dup2(null_fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        s_child_env(env);
        execv(argv[0], argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fd);
}

int cs_testproc_stop(cs_testproc_t *p, int timeout_ms)
{
    if (p->pid <= 0)
        return p->status;
    kill(p->pid, SIGTERM);
    int status = s_wait(p->pid, timeout_ms);
    if (status == -2) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, NULL, 0);
        status = -1;
    }
    p->pid = 0;
    return status;
}

void cs_testproc_kill(cs_testproc_t *p)
{
    if (p->pid <= 0)
        return;
    kill(p->pid, SIGKILL);
    waitpid(p->pid, NULL, 0);
    p->pid = 0;
}

bool cs_testproc_alive(cs_testproc_t *p)
{
    if (p->pid <= 0)
        return false;
    int wstatus;
    pid_t r = waitpid(p->pid, &wstatus, WNOHANG);
    if (r == p->pid) {
        p->status = s_status(wstatus);
        p->pid = 0;
        return false;
    }
    return true;
}

char *cs_testproc_log(const cs_testproc_t *p)
{
    return s_slurp(p->log_path);
}

char *cs_testproc_log_tail(const cs_testproc_t *p, int lines)
{
    char *log = cs_testproc_log(p);
    const char *start = log + strlen(log);
    for (int k = 0; start > log; start--)
        if (start[-1] == '\n' && ++k > lines)
            break;
    memmove(log, start, strlen(start) + 1);
    return log;
}

char *cs_testproc_logs(const cs_testproc_named_t *all, size_t n, int lines)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    cr_assert(m, "open_memstream: %s", strerror(errno));
    for (size_t i = 0; i < n; i++) {
        if (!all[i].p->log_path[0])
            continue;
        char *log = cs_testproc_log_tail(all[i].p, lines);
        fprintf(m, "---- %s:\n%s", all[i].what, log);
        free(log);
    }
    fclose(m);
    return buf;
}

bool cs_testproc_wait_log(const cs_testproc_t *p, const char *needle, int timeout_ms)
{
    int64_t deadline = cs_now_ms() + timeout_ms;
    do {
        char *log = cs_testproc_log(p);
        bool found = strstr(log, needle) != NULL;
        free(log);
        if (found)
            return true;
        usleep(20000);
    } while (cs_now_ms() < deadline);
    return false;
}
