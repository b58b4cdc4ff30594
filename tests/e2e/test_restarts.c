/* Restarts and faults (DESIGN.md section 3), tested as processes: the four real stages on
   endpoints of their own, a PostgreSQL cluster of the test's own (so that it can be restarted),
   and replays built from the bundled sample calls (samples/calls.jsonl).

     undisturbed_and_killed_runs_end_the_same: 1,026 calls through an undisturbed pipeline
       (run A) and through one whose extractor, matcher, writer, PostgreSQL and fetcher are
       killed or restarted mid-stream (run B), each into a database of its own: both end with
       every call stored once, every extracted request decided once, and the same catalogue up
       to what arrival order decides (which wording names a feature).
     sigterm_stops_each_stage_cleanly_midstream: SIGTERM stops each stage within 10 s with
       exit 0 while calls flow; restarted, the run still completes with nothing lost.
     stages_started_before_their_neighbours_wait: the fetcher first, the matcher last; every
       stage waits for its neighbours instead of failing.

   The figures of each run (calls, features, decisions, seconds, calls resent) are printed on
   stderr with a "[restarts]" prefix. Every stage runs with PR_SET_PDEATHSIG (cs_testproc), and a
   small reaper process stops the cluster if the test process dies without doing it.
   CS_RESTARTS_KEEP_LOGS=1 keeps the stages' logs of passing tests too (and lists them). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "cs_db.h"
#include "cs_testdata.h"
#include "cs_testdb.h"
#include "cs_testproc.h"
#include "cs_util.h"
#include "cs_uuid.h"

#define READY_MS     60000 /* a stage's "ready" line, on a busy machine */
#define STOP_MS      10000 /* SIGTERM to exit (DESIGN.md section 3) */
#define PAUSE_MS     1000  /* a killed stage stays down this long before its restart */
#define MAX_LOGS     24
#define FETCHER_ARGS "--ack-timeout", "5", "--max-attempts", "20", "--max-in-flight", "64"

/* A feature's normalised name: lower case, every run of non-alphanumerics one space, trimmed
   ("Slack alerts -- new tickets!" and "slack alerts, new tickets" are one name). */
/* How many features, or calls' numbers of features, two runs of one replay may differ by
   when their arrival orders differ (see undisturbed_and_killed_runs_end_the_same). */
#define ORDER_EFFECTS 2

#define NORM_NAME "trim(regexp_replace(lower(f.name), '[^a-z0-9]+', ' ', 'g'))"

/* ---- the test's own PostgreSQL cluster --------------------------------------------------- */

typedef struct {
    char dir[64];
    char url[512];
    pid_t reaper;
    bool up;
} cluster_t;

static cluster_t pg;

/* Run scripts/ci/NAME DIR ARGS; assert success; the first line of its stdout into out. */
static void pg_script(const char *name, const char *args, char *out, size_t outlen)
{
    char cmd[1024], line[1024] = "", rest[256];
    snprintf(cmd, sizeof cmd, "%s/scripts/ci/%s %s %s", CS_TEST_SOURCE_DIR, name, pg.dir, args);
    FILE *p = popen(cmd, "r");
    cr_assert(p, "popen %s", cmd);
    if (!fgets(line, sizeof line, p))
        line[0] = '\0';
    while (fgets(rest, sizeof rest, p))
        ;
    int status = pclose(p);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: status %d", cmd, status);
    if (out) {
        line[strcspn(line, "\n")] = '\0';
        cs_strlcpy(out, line, outlen);
    }
}

/* A child that only waits for this process to die (PR_SET_PDEATHSIG) and then stops and
   removes the cluster: a crash or Criterion's timeout would otherwise leave postgres running.
   When the test ends normally it stops the cluster itself and kills the reaper. */
static pid_t reaper_start(void)
{
    sigset_t term, old;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_BLOCK, &term, &old);
    pid_t parent = getpid();
    pid_t pid = fork();
    cr_assert(pid >= 0, "fork");
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        for (int fd = 3; fd < 1024; fd++)
            close(fd);
        int null_fd = open("/dev/null", O_RDWR);
        dup2(null_fd, 0);
        dup2(null_fd, 1);
        dup2(null_fd, 2);
        int sig;
        if (getppid() == parent)
            sigwait(&term, &sig);
        sigprocmask(SIG_SETMASK, &old, NULL);
        char cmd[512];
        snprintf(cmd, sizeof cmd, "%s/scripts/ci/pg-stop.sh %s", CS_TEST_SOURCE_DIR, pg.dir);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    return pid;
}

static void cluster_start(void)
{
    snprintf(pg.dir, sizeof pg.dir, "/tmp/cs_restarts_pg_XXXXXX");
    cr_assert(mkdtemp(pg.dir), "mkdtemp");
    pg.reaper = reaper_start();
    pg_script("pg-start.sh", "", pg.url, sizeof pg.url);
    cr_assert(strncmp(pg.url, "postgresql://", 13) == 0, "pg-start.sh printed '%s'", pg.url);
    pg.up = true;
    setenv("DATABASE_URL", pg.url, 1); /* cs_testdb creates the run databases here */
}

/* pg-stop.sh --keep, a pause, pg-start.sh: same data, same port, same URLs. */
static void cluster_restart(void)
{
    pg_script("pg-stop.sh", "--keep", NULL, 0);
    usleep(PAUSE_MS * 1000);
    char url[512];
    pg_script("pg-start.sh", "", url, sizeof url);
    cr_assert_str_eq(url, pg.url, "the restarted cluster moved");
}

static void cluster_stop(void)
{
    if (pg.up) {
        pg.up = false;
        pg_script("pg-stop.sh", "", NULL, 0);
    }
    if (pg.reaper > 0) {
        kill(pg.reaper, SIGKILL);
        waitpid(pg.reaper, NULL, 0);
        pg.reaper = 0;
    }
}

/* ---- replay files ------------------------------------------------------------------------ */

typedef struct {
    char path[128];
    int lines;       /* calls in the file */
    int private_n;   /* of them marked isPrivate: the fetcher must not send them */
    char **expected; /* "replay:ID" of every call that must be stored, sorted */
    int nexpected;
} replay_t;

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* `copies` copies of the 57 sample calls, each copy with new Gong call ids (the sample id and
   a two-digit copy number: metaData.id and transcript.callId alike); everything else, privacy
   included, as it is. */
static void replay_build(replay_t *rp, int copies)
{
    char sample[512];
    snprintf(sample, sizeof sample, "%s/samples/calls.jsonl", CS_TEST_SOURCE_DIR);
    json_t *calls = json_array();
    FILE *in = fopen(sample, "r");
    cr_assert(in, "cannot read %s", sample);
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, in) > 0) {
        json_error_t jerr;
        json_t *c = json_loads(line, 0, &jerr);
        cr_assert(json_is_object(c), "%s: %s", sample, jerr.text);
        json_array_append_new(calls, c);
    }
    free(line);
    fclose(in);
    cr_assert_eq(json_array_size(calls), 57, "samples/calls.jsonl has 57 calls");

    /* in the cluster's directory: whoever removes the cluster (the reaper too) removes it */
    snprintf(rp->path, sizeof rp->path, "%s/replay_XXXXXX", pg.dir);
    int fd = mkstemp(rp->path);
    cr_assert(fd >= 0);
    FILE *out = fdopen(fd, "w");
    rp->expected = calloc((size_t)copies * json_array_size(calls), sizeof *rp->expected);
    for (int k = 0; k < copies; k++) {
        size_t i;
        json_t *c;
        json_array_foreach(calls, i, c)
        {
            json_t *copy = json_deep_copy(c);
            json_t *meta = json_object_get(copy, "metaData");
            json_t *transcript = json_object_get(copy, "transcript");
            const char *id = json_string_value(json_object_get(meta, "id"));
            const char *call_id = json_string_value(json_object_get(transcript, "callId"));
            cr_assert(id && call_id && strcmp(id, call_id) == 0,
                      "sample line %zu: metaData.id and transcript.callId differ", i + 1);
            char *new_id = cs_strdup_printf("%s%02d", id, k);
            json_object_set_new(meta, "id", json_string(new_id));
            json_object_set_new(transcript, "callId", json_string(new_id));
            char *text = json_dumps(copy, JSON_COMPACT);
            fprintf(out, "%s\n", text);
            free(text);
            rp->lines++;
            if (json_is_true(json_object_get(meta, "isPrivate")))
                rp->private_n++;
            else
                rp->expected[rp->nexpected++] = cs_strdup_printf("replay:%s", new_id);
            free(new_id);
            json_decref(copy);
        }
    }
    cr_assert_eq(fclose(out), 0);
    json_decref(calls);
    qsort(rp->expected, (size_t)rp->nexpected, sizeof *rp->expected, s_cmp_str);
    for (int i = 1; i < rp->nexpected; i++)
        cr_assert_str_neq(rp->expected[i - 1], rp->expected[i], "call ids must be unique");
}

static void replay_free(replay_t *rp)
{
    for (int i = 0; i < rp->nexpected; i++)
        free(rp->expected[i]);
    free(rp->expected);
    if (rp->path[0])
        unlink(rp->path);
    memset(rp, 0, sizeof *rp);
}

/* ---- a pipeline: one database, four kinds of stages -------------------------------------- */

typedef struct {
    char what[32]; /* "writer", "fetcher #2" ... */
    char path[256];
} log_ref_t;

typedef struct {
    const char *name; /* "A", "B": for messages */
    cs_testdb_t db;
    char ws[CS_UUID_LEN];
    char env_db[1100];
    char calls_ep[64], extractions_ep[64], decisions_ep[64], acks_ep[64];
    cs_testproc_t writer, matcher, extractor[2], fetcher;
    int nextractors;
    log_ref_t logs[MAX_LOGS]; /* every process started, in order */
    int nlogs;
    cs_db_t *q; /* the test's connection, for polling and checks */
} rig_t;

static rig_t rigs[2]; /* the test's pipelines, for fini */
static replay_t replays[1];

/* The last `lines` lines of every log the rig's processes wrote (caller frees). */
static char *rig_logs(const rig_t *r, int lines)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    for (int i = 0; i < r->nlogs; i++) {
        cs_testproc_t p = {0};
        cs_strlcpy(p.log_path, r->logs[i].path, sizeof p.log_path);
        char *log = cs_testproc_log_tail(&p, lines);
        fprintf(m, "---- run %s, %s (%s):\n%s", r->name, r->logs[i].what, r->logs[i].path, log);
        free(log);
    }
    fclose(m);
    return buf;
}

/* Fail the test with the message and the tails of the rig's logs. */
#define RIG_FAIL(r, ...)                                                                           \
    do {                                                                                           \
        char *rig_fail_logs_ = rig_logs((r), 40);                                                  \
        char *rig_fail_msg_ = cs_strdup_printf(__VA_ARGS__);                                       \
        cr_assert_fail("run %s: %s\n%s", (r)->name, rig_fail_msg_, rig_fail_logs_);                \
    } while (0)

/* A free endpoint none of the rig's other endpoints has. */
static void free_endpoint(rig_t *r, char *out)
{
    const char *all[] = {r->calls_ep, r->extractions_ep, r->decisions_ep, r->acks_ep};
    for (bool taken = true; taken;) {
        cs_testproc_free_endpoint(out, 64);
        taken = false;
        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
            taken |= all[i] != out && strcmp(all[i], out) == 0;
    }
}

static void rig_connect(rig_t *r)
{
    cs_db_destroy(&r->q);
    char err[512];
    r->q = cs_db_connect(r->db.url, 30, err, sizeof err);
    cr_assert(r->q, "run %s: connect: %s", r->name, err);
}

/* A migrated database with the demo workspace (4 themes, 6 customers) made by the CLI, and
   free endpoints for everything a stage binds. */
static void rig_open(rig_t *r, const char *name)
{
    r->name = name;
    cs_testdb_create(&r->db, false);
    snprintf(r->env_db, sizeof r->env_db, "DATABASE_URL=%s", r->db.url);
    cs_testdata_demo_workspace(r->db.url, r->ws);
    free_endpoint(r, r->calls_ep);       /* the fetcher binds */
    free_endpoint(r, r->extractions_ep); /* the matcher binds */
    free_endpoint(r, r->decisions_ep);   /* the matcher binds */
    free_endpoint(r, r->acks_ep);        /* the writer binds */
    rig_connect(r);
}

/* Start argv as `what`, remember its log, and wait for `ready` in it. */
static void rig_start(rig_t *r, cs_testproc_t *p, const char *what, char **argv, const char *ready)
{
    /* offline everywhere, whatever the environment holds */
    char *env[] = {r->env_db, "OPENAI_API_KEY=", "CALLSIFT_PROVIDER=", "CALLSIFT_VECTORS=", NULL};
    cs_testproc_start(p, argv, env);
    cr_assert_lt(r->nlogs, MAX_LOGS);
    log_ref_t *l = &r->logs[r->nlogs++];
    int before = 0; /* earlier incarnations */
    size_t n = strlen(what);
    for (int i = 0; i < r->nlogs - 1; i++)
        before += strncmp(r->logs[i].what, what, n) == 0 &&
                  (r->logs[i].what[n] == '\0' || r->logs[i].what[n] == ' ');
    if (before)
        snprintf(l->what, sizeof l->what, "%.16s #%d", what, before + 1);
    else
        cs_strlcpy(l->what, what, sizeof l->what);
    cs_strlcpy(l->path, p->log_path, sizeof l->path);
    if (!cs_testproc_wait_log(p, ready, READY_MS))
        RIG_FAIL(r, "%s did not log '%s' within %d s", l->what, ready, READY_MS / 1000);
}

static void start_writer(rig_t *r)
{
    char *argv[] = {(char *)cs_testproc_bin("callsift-writer"),
                    "--decisions-endpoint",
                    r->decisions_ep,
                    "--acks-endpoint",
                    r->acks_ep,
                    NULL};
    rig_start(r, &r->writer, "writer", argv, "Writer ready");
}

static void start_matcher(rig_t *r)
{
    char *argv[] = {(char *)cs_testproc_bin("callsift-matcher"),
                    "--provider",
                    "offline",
                    "--vectors",
                    "offline",
                    "--extractions-endpoint",
                    r->extractions_ep,
                    "--decisions-endpoint",
                    r->decisions_ep,
                    NULL};
    rig_start(r, &r->matcher, "matcher", argv, "Matcher ready");
}

static void start_extractor(rig_t *r, int i)
{
    char *argv[] = {(char *)cs_testproc_bin("callsift-extractor"),
                    "--provider",
                    "offline",
                    "--calls-endpoint",
                    r->calls_ep,
                    "--extractions-endpoint",
                    r->extractions_ep,
                    NULL};
    char what[24];
    snprintf(what, sizeof what, "extractor %d", i + 1);
    rig_start(r, &r->extractor[i], what, argv, "Extractor ready");
    if (i + 1 > r->nextractors)
        r->nextractors = i + 1;
}

static void start_extractor_1(rig_t *r)
{
    start_extractor(r, 0);
}

/* The fetcher replaying `path` with the delivery flags of these tests and `extra` flags
   (NULL-terminated, may be NULL). */
static void start_fetcher(rig_t *r, const char *path, char **extra)
{
    char *argv[32] = {(char *)cs_testproc_bin("callsift-fetcher"),
                      "--workspace-id",
                      r->ws,
                      "--replay",
                      (char *)path,
                      "--calls-endpoint",
                      r->calls_ep,
                      "--acks-endpoint",
                      r->acks_ep,
                      FETCHER_ARGS};
    int n = 0;
    while (argv[n])
        n++;
    for (int i = 0; extra && extra[i] && n < 31; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    rig_start(r, &r->fetcher, "fetcher", argv, "Workspace ID");
}

/* Every stage that should run does (a stage that died on its own fails the test at once). */
static void rig_assert_running(rig_t *r)
{
    struct {
        cs_testproc_t *p;
        const char *what;
    } stages[] = {{&r->writer, "writer"},
                  {&r->matcher, "matcher"},
                  {&r->extractor[0], "extractor 1"},
                  {&r->extractor[1], "extractor 2"}};
    for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++) {
        if (stages[i].p->pid > 0 && !cs_testproc_alive(stages[i].p))
            RIG_FAIL(r, "the %s died on its own (status %d)", stages[i].what, stages[i].p->status);
    }
}

/* Wait for the fetcher to exit; its status (-1: still running after timeout_ms, killed). */
static int wait_fetcher(rig_t *r, int timeout_ms)
{
    int64_t deadline = cs_now_ms() + timeout_ms;
    while (cs_testproc_alive(&r->fetcher)) {
        if (cs_now_ms() > deadline) {
            cs_testproc_kill(&r->fetcher);
            return -1;
        }
        rig_assert_running(r);
        usleep(50000);
    }
    return r->fetcher.status;
}

/* Calls stored so far, or -1 while PostgreSQL cannot be reached. */
static long stored(rig_t *r)
{
    char err[256];
    PGresult *res = cs_db_exec(r->q, "SELECT count(*) FROM messages", 0, NULL, err, sizeof err);
    if (!res) {
        cs_db_ensure(r->q, 1);
        return -1;
    }
    long n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return n;
}

/* Wait, while the fetcher runs, until at least n calls are stored; returns how many are. */
static long wait_stored(rig_t *r, long n, int timeout_ms)
{
    int64_t deadline = cs_now_ms() + timeout_ms;
    for (;;) {
        long have = stored(r);
        if (have >= n)
            return have;
        if (!cs_testproc_alive(&r->fetcher))
            RIG_FAIL(r, "the fetcher ended (status %d) with %ld calls stored, before %ld",
                     r->fetcher.status, have, n);
        rig_assert_running(r);
        if (cs_now_ms() > deadline)
            RIG_FAIL(r, "%ld calls stored after %d s, waiting for %ld", have, timeout_ms / 1000, n);
        usleep(20000);
    }
}

/* SIGTERM a stage: it must exit 0 within STOP_MS. Returns the milliseconds it took. */
static long sigterm_stage(rig_t *r, cs_testproc_t *p, const char *what)
{
    int64_t t0 = cs_now_ms();
    int status = cs_testproc_stop(p, STOP_MS);
    long ms = (long)(cs_now_ms() - t0);
    if (status != 0)
        RIG_FAIL(r,
                 "SIGTERM: the %s exited with status %d after %ld ms (-1: still running after "
                 "%d s, killed)",
                 what, status, ms, STOP_MS / 1000);
    return ms;
}

/* SIGTERM every stage still running, in the order data flows; each must exit 0. */
static void rig_stop_all(rig_t *r)
{
    for (int i = 0; i < r->nextractors; i++) {
        char what[24];
        snprintf(what, sizeof what, "extractor %d", i + 1);
        sigterm_stage(r, &r->extractor[i], what);
    }
    sigterm_stage(r, &r->matcher, "matcher");
    sigterm_stage(r, &r->writer, "writer");
}

/* How many times the rig's fetchers sent a call again after its ack timed out. */
static long rig_resent(const rig_t *r)
{
    long n = 0;
    for (int i = 0; i < r->nlogs; i++) {
        if (strncmp(r->logs[i].what, "fetcher", 7) != 0)
            continue;
        cs_testproc_t p = {0};
        cs_strlcpy(p.log_path, r->logs[i].path, sizeof p.log_path);
        char *log = cs_testproc_log(&p);
        for (const char *s = log; (s = strstr(s, "Resending call")) != NULL; s++)
            n++;
        free(log);
    }
    return n;
}

/* Kill whatever still runs and forget the logs (kept when the test failed: they are named in
   the failure message; kept and listed when CS_RESTARTS_KEEP_LOGS is set). */
static void rig_close(rig_t *r, bool remove_logs)
{
    cs_testproc_kill(&r->fetcher);
    for (int i = 0; i < 2; i++)
        cs_testproc_kill(&r->extractor[i]);
    cs_testproc_kill(&r->matcher);
    cs_testproc_kill(&r->writer);
    cs_db_destroy(&r->q);
    if (remove_logs && getenv("CS_RESTARTS_KEEP_LOGS")) {
        for (int i = 0; i < r->nlogs; i++)
            fprintf(stderr, "[restarts] run %s, %s: %s\n", r->name, r->logs[i].what,
                    r->logs[i].path);
        remove_logs = false;
    }
    for (int i = 0; remove_logs && i < r->nlogs; i++)
        unlink(r->logs[i].path);
    r->nlogs = 0;
}

/* ---- the end state ----------------------------------------------------------------------- */

typedef struct {
    char **v;
    size_t n;
} rows_t;

/* Every row of sql, its columns joined by " | ", sorted (strcmp). */
static rows_t q_rows(rig_t *r, const char *sql)
{
    char err[512];
    PGresult *res = cs_db_exec(r->q, sql, 0, NULL, err, sizeof err);
    cr_assert(res, "run %s: %s: %s", r->name, sql, err);
    rows_t rows = {calloc((size_t)PQntuples(res) + 1, sizeof(char *)), (size_t)PQntuples(res)};
    for (int i = 0; i < PQntuples(res); i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        for (int c = 0; c < PQnfields(res); c++)
            fprintf(m, "%s%s", c ? " | " : "",
                    PQgetisnull(res, i, c) ? "NULL" : PQgetvalue(res, i, c));
        fclose(m);
        rows.v[i] = buf;
    }
    PQclear(res);
    qsort(rows.v, rows.n, sizeof *rows.v, s_cmp_str);
    return rows;
}

static void rows_free(rows_t *rows)
{
    for (size_t i = 0; i < rows->n; i++)
        free(rows->v[i]);
    free(rows->v);
    rows->v = NULL;
    rows->n = 0;
}

/* Rows only in a or only in b (both sorted); up to `show` of them written to out. */
static long rows_diff(const rows_t *a, const char *aname, const rows_t *b, const char *bname,
                      FILE *out, int show)
{
    long n = 0;
    size_t i = 0, j = 0;
    while (i < a->n || j < b->n) {
        int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->v[i], b->v[j]);
        if (c == 0) {
            i++, j++;
            continue;
        }
        if (n++ < show)
            fprintf(out, "  only in %s: %s\n", c < 0 ? aname : bname, c < 0 ? a->v[i] : b->v[j]);
        if (c < 0)
            i++;
        else
            j++;
    }
    return n;
}

typedef struct {
    long calls, features, decisions, requests, links, resent;
    double seconds;
} figures_t;

/* A query that must return no row: the offending rows (up to 10) go into the failure. */
static void expect_none(rig_t *r, const char *what, const char *sql)
{
    rows_t rows = q_rows(r, sql);
    if (rows.n) {
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        for (size_t i = 0; i < rows.n && i < 10; i++)
            fprintf(m, "  %s\n", rows.v[i]);
        fclose(m);
        RIG_FAIL(r, "%zu %s, e.g.\n%s", rows.n, what, buf);
    }
    rows_free(&rows);
}

/* What DESIGN.md section 3 promises of a finished run, whatever happened during it. */
static void check_run(rig_t *r, const replay_t *rp, figures_t *fig)
{
    rig_connect(r);
    /* every call that is not private, stored exactly once; nothing else */
    rows_t ids = q_rows(r, "SELECT source || ':' || external_id FROM messages");
    rows_t want = {rp->expected, (size_t)rp->nexpected};
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    long wrong = rows_diff(&want, "the replay", &ids, "the database", m, 10);
    fclose(m);
    if (wrong)
        RIG_FAIL(r, "%ld calls missing or unexpected (%zu stored, %d expected):\n%s", wrong, ids.n,
                 rp->nexpected, buf);
    free(buf);
    expect_none(r, "calls stored more than once",
                "SELECT source, external_id, count(*) FROM messages GROUP BY 1, 2"
                " HAVING count(*) > 1");
    /* the sample has no call marked not to extract (samples/README.md: the private call is not
       sent at all; the internal-only call is stored and processed, with no requests) */
    expect_none(r, "calls not processed",
                "SELECT external_id, is_processed, error FROM messages"
                " WHERE NOT is_processed OR error IS NOT NULL OR ai_insights IS NULL");
    /* every extracted request decided exactly once, and linked to an existing feature */
    expect_none(r, "calls whose decisions do not match their extracted requests",
                "SELECT m.external_id, jsonb_array_length(m.ai_insights->'feature_requests'),"
                " (SELECT count(*) FROM match_decisions d WHERE d.message_id = m.id)"
                " FROM messages m"
                " WHERE coalesce(jsonb_array_length(m.ai_insights->'feature_requests'), 0) <>"
                " (SELECT count(*) FROM match_decisions d WHERE d.message_id = m.id)");
    expect_none(r, "decisions out of range or without their feature or link",
                "SELECT m.external_id, d.feature_index, d.feature_id FROM match_decisions d"
                " JOIN messages m ON m.id = d.message_id"
                " WHERE d.feature_index >= jsonb_array_length(m.ai_insights->'feature_requests')"
                " OR NOT EXISTS (SELECT 1 FROM features f WHERE f.id = d.feature_id)"
                " OR NOT EXISTS (SELECT 1 FROM feature_messages fm"
                "   WHERE fm.feature_id = d.feature_id AND fm.message_id = d.message_id)");
    /* mention_count recomputed, never incremented blindly */
    expect_none(r, "features whose mention_count is not their count of feature_messages",
                "SELECT f.name, f.mention_count, (SELECT count(*) FROM feature_messages fm"
                " WHERE fm.feature_id = f.id) FROM features f WHERE f.mention_count <>"
                " (SELECT count(*) FROM feature_messages fm WHERE fm.feature_id = f.id)");
    /* no feature created twice (by a redelivered call or a restarted matcher) */
    expect_none(r, "features created twice (same theme, same normalised name)",
                "SELECT t.name, " NORM_NAME ", count(*), string_agg(f.name || ' ('"
                " || f.mention_count || ' mentions)', '; ') FROM features f"
                " LEFT JOIN themes t ON t.id = f.theme_id GROUP BY 1, 2 HAVING count(*) > 1");
    fig->calls = (long)ids.n;
    fig->features = cs_testdb_long(r->q, "SELECT count(*) FROM features");
    fig->decisions = cs_testdb_long(r->q, "SELECT count(*) FROM match_decisions");
    fig->requests = cs_testdb_long(r->q, "SELECT coalesce(sum(jsonb_array_length("
                                         "ai_insights->'feature_requests')), 0) FROM messages");
    fig->links = cs_testdb_long(r->q, "SELECT count(*) FROM feature_messages");
    fig->resent = rig_resent(r);
    cr_assert_eq(fig->decisions, fig->requests,
                 "run %s: %ld decisions for %ld extracted feature requests", r->name,
                 fig->decisions, fig->requests);
    fprintf(stderr,
            "[restarts] run %s: %ld calls stored (%d in the replay, %d private), %ld features, "
            "%ld decisions for %ld extracted requests, %ld feature-call links, %.1f s, %ld "
            "calls resent\n",
            r->name, fig->calls, rp->lines, rp->private_n, fig->features, fig->decisions,
            fig->requests, fig->links, fig->seconds, fig->resent);
    rows_free(&ids);
}

/* ---- the suite --------------------------------------------------------------------------- */

static void suite_init(void)
{
    cluster_start();
}

static void suite_fini(void)
{
    for (int i = 0; i < 2; i++)
        rig_close(&rigs[i], false);
    replay_free(&replays[0]);
    cluster_stop();
}

TestSuite(restarts, .init = suite_init, .fini = suite_fini);

/* ---- 1. the same end state, undisturbed or killed ----------------------------------------- */

/* Kill (SIGKILL) a stage, leave it down PAUSE_MS, start it again. Returns the calls stored
   once it is back (the next disruption counts from there). */
static long kill_and_restart(rig_t *r, cs_testproc_t *p, const char *what, long at,
                             void (*start)(rig_t *))
{
    cs_testproc_kill(p);
    fprintf(stderr, "[restarts] run %s: SIGKILL %s with %ld calls stored\n", r->name, what, at);
    usleep(PAUSE_MS * 1000);
    start(r);
    return wait_stored(r, 0, 120000);
}

/* The next disruption point: `step` calls after `back`, but at most `cap`. */
static long next_point(long back, long step, long cap)
{
    return back + step < cap ? back + step : cap;
}

Test(restarts, undisturbed_and_killed_runs_end_the_same, .timeout = 900)
{
    replay_t *rp = &replays[0];
    replay_build(rp, 18);
    cr_assert_eq(rp->lines, 1026);
    rig_t *a = &rigs[0], *b = &rigs[1];
    figures_t fa = {0}, fb = {0};

    /* run A: undisturbed */
    rig_open(a, "A");
    start_writer(a);
    start_matcher(a);
    start_extractor(a, 0);
    start_extractor(a, 1);
    int64_t t0 = cs_now_ms();
    start_fetcher(a, rp->path, NULL);
    int status = wait_fetcher(a, 300000);
    fa.seconds = (double)(cs_now_ms() - t0) / 1000.0;
    if (status != 0)
        RIG_FAIL(a, "the fetcher exited with status %d (-1: still running after 300 s)", status);
    rig_stop_all(a);
    check_run(a, rp, &fa);

    /* run B: the same, with every kind of failure while calls are in flight (the fetcher's
       window holds 64). The extractor goes first, while the first copy of the sample is still
       on its way: the calls it held come again 5 s later, after later ones, so the catalogue
       grows in another order than in run A. Each later disruption waits for 60-100 more calls
       stored after the previous restart (the pipeline has recovered in between), but no later
       than a fixed share of the calls, so that a fast machine still has calls in flight for
       the last one. */
    rig_open(b, "B");
    start_writer(b);
    start_matcher(b);
    start_extractor(b, 0);
    start_extractor(b, 1);
    t0 = cs_now_ms();
    start_fetcher(b, rp->path, NULL);
    long n = rp->nexpected;
    /* the matcher first, while the catalogue is being built: the decisions it sent are still
       on their way to the writer when its successor loads the catalogue, so the successor
       decides some features the writer is about to store (the writer links those) */
    long at = wait_stored(b, 5, 120000);
    long back = kill_and_restart(b, &b->matcher, "the matcher (early)", at, start_matcher);
    at = wait_stored(b, next_point(back, 10, n * 20 / 100), 120000);
    back = kill_and_restart(b, &b->extractor[0], "extractor 1", at, start_extractor_1);
    at = wait_stored(b, next_point(back, 60, n * 35 / 100), 120000);
    back = kill_and_restart(b, &b->matcher, "the matcher", at, start_matcher);
    at = wait_stored(b, next_point(back, 100, n * 50 / 100), 120000);
    back = kill_and_restart(b, &b->writer, "the writer", at, start_writer);
    at = wait_stored(b, next_point(back, 100, n * 65 / 100), 120000);
    fprintf(stderr, "[restarts] run B: restarting PostgreSQL with %ld calls stored\n", at);
    cluster_restart();
    back = wait_stored(b, 0, 120000);
    at = wait_stored(b, next_point(back, 100, n * 80 / 100), 120000);
    cr_assert_lt(at, rp->nexpected, "run B: the fetcher must have calls left to kill it with");
    cs_testproc_kill(&b->fetcher);
    fprintf(stderr, "[restarts] run B: SIGKILL the fetcher with %ld calls stored\n", at);
    usleep(PAUSE_MS * 1000);
    start_fetcher(b, rp->path, NULL); /* a new run: skips what is stored, sends the rest */
    status = wait_fetcher(b, 300000);
    fb.seconds = (double)(cs_now_ms() - t0) / 1000.0;
    if (status != 0)
        RIG_FAIL(b, "the second fetcher exited with status %d (-1: still running after 300 s)",
                 status);
    char *log = cs_testproc_log(&b->fetcher);
    const char *read = strstr(log, "Read 1026 calls from ");
    long skipped = -1;
    if (read && strchr(read, '('))
        skipped = strtol(strchr(read, '(') + 1, NULL, 10);
    if (skipped < at || skipped >= rp->nexpected)
        RIG_FAIL(b,
                 "the second fetcher skipped %ld stored calls; %ld were stored when the first "
                 "was killed, %d in all",
                 skipped, at, rp->nexpected);
    fprintf(stderr, "[restarts] run B: the second fetcher skipped %ld stored calls\n", skipped);
    free(log);
    rig_stop_all(b);
    check_run(b, rp, &fb);

    /* A and B: the same calls (each checked against the replay above), the same insights */
    rig_connect(a); /* its connection did not survive the restart of PostgreSQL */
    rows_t ia = q_rows(a, "SELECT external_id, md5(ai_insights::text) FROM messages");
    rows_t ib = q_rows(b, "SELECT external_id, md5(ai_insights::text) FROM messages");
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    long differ = rows_diff(&ia, "A", &ib, "B", m, 10);
    fclose(m);
    cr_assert_eq(differ, 0, "insights differ between the runs:\n%s", buf);
    free(buf);
    rows_free(&ia);
    rows_free(&ib);

    /* The catalogues. The matcher names a feature after the wording that reaches it first and
       links a later wording to whichever similar feature the catalogue holds at that moment,
       so arrival order can change a feature's name and which of two near features a mention
       joins (on this sample: "English-only admin" or "Admin panel is all in English" names
       the localisation request, by which call comes first). Killing and restarting stages
       changes the order, so names may differ. What must not: the number of features, and the
       number of features each call is linked to, up to ORDER_EFFECTS calls or features (a
       call whose two requests join one feature in one order and two in another). Every call
       stored once and every request decided once are checked above, exactly. The names that
       differ are printed. */
    const char *features_sql = "SELECT t.name, " NORM_NAME ", f.mention_count FROM features f"
                               " LEFT JOIN themes t ON t.id = f.theme_id";
    const char *links_sql = "SELECT m.external_id, count(fm.feature_id) FROM messages m"
                            " LEFT JOIN feature_messages fm ON fm.message_id = m.id GROUP BY 1";
    rows_t fa_rows = q_rows(a, features_sql), fb_rows = q_rows(b, features_sql);
    rows_t la = q_rows(a, links_sql), lb = q_rows(b, links_sql);
    buf = NULL;
    m = open_memstream(&buf, &len);
    long feature_diff = rows_diff(&fa_rows, "A", &fb_rows, "B", m, 40);
    long link_diff = rows_diff(&la, "A", &lb, "B", m, 10);
    fclose(m);
    fprintf(stderr,
            "[restarts] features: A %ld, B %ld; %ld (theme, name, mentions) rows differ, %ld calls "
            "link to another number of features\n%s",
            fa.features, fb.features, feature_diff, link_diff / 2, buf);
    long features_apart =
        fa.features > fb.features ? fa.features - fb.features : fb.features - fa.features;
    cr_assert_leq(features_apart, ORDER_EFFECTS, "run A has %ld features, run B %ld:\n%s",
                  fa.features, fb.features, buf);
    cr_assert_leq(link_diff, 2 * ORDER_EFFECTS,
                  "%ld calls link to another number of features in A and B:\n%s", link_diff / 2,
                  buf);
    free(buf);
    rows_free(&fa_rows);
    rows_free(&fb_rows);
    rows_free(&la);
    rows_free(&lb);
    rig_close(a, true);
    rig_close(b, true);
}

/* ---- 2. SIGTERM mid-stream ---------------------------------------------------------------- */

Test(restarts, sigterm_stops_each_stage_cleanly_midstream, .timeout = 300)
{
    replay_t *rp = &replays[0];
    replay_build(rp, 7); /* 399 calls: 8 s at 50 a second */
    rig_t *r = &rigs[0];
    figures_t fig = {0};
    rig_open(r, "SIGTERM");
    start_writer(r);
    start_matcher(r);
    start_extractor(r, 0);
    int64_t t0 = cs_now_ms();
    char *slow[] = {"--rate", "50", NULL};
    start_fetcher(r, rp->path, slow);
    struct {
        cs_testproc_t *p;
        const char *what;
        void (*start)(rig_t *);
    } stages[] = {{&r->extractor[0], "extractor", start_extractor_1},
                  {&r->matcher, "matcher", start_matcher},
                  {&r->writer, "writer", start_writer}};
    long at = 0;
    for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++) {
        at = wait_stored(r, at + 40, 120000);
        cr_assert_lt(at, rp->nexpected, "the replay ended before the %s was stopped",
                     stages[i].what);
        long ms = sigterm_stage(r, stages[i].p, stages[i].what);
        fprintf(stderr, "[restarts] SIGTERM the %s with %ld calls stored: exit 0 after %ld ms\n",
                stages[i].what, at, ms);
        stages[i].start(r);
    }
    int status = wait_fetcher(r, 180000);
    fig.seconds = (double)(cs_now_ms() - t0) / 1000.0;
    if (status != 0)
        RIG_FAIL(r, "the fetcher exited with status %d (-1: still running after 180 s)", status);
    rig_stop_all(r);
    check_run(r, rp, &fig);
    rig_close(r, true);
}

/* ---- 3. started in the wrong order -------------------------------------------------------- */

Test(restarts, stages_started_before_their_neighbours_wait, .timeout = 180)
{
    replay_t *rp = &replays[0];
    replay_build(rp, 2);
    rig_t *r = &rigs[0];
    figures_t fig = {0};
    rig_open(r, "wrong order");
    int64_t t0 = cs_now_ms();
    /* an ack timeout longer than the whole run: the calls must wait, not be resent */
    char *patient[] = {"--ack-timeout", "60", NULL};
    start_fetcher(r, rp->path, patient);
    if (!cs_testproc_wait_log(&r->fetcher, "No extractor is taking calls yet", READY_MS))
        RIG_FAIL(r, "the fetcher did not say it waits for an extractor");
    void (*starts[])(rig_t *) = {start_extractor_1, start_writer, start_matcher};
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
        usleep(2000000); /* the scenario: the next stage comes ~2 s later */
        if (!cs_testproc_alive(&r->fetcher))
            RIG_FAIL(r, "the fetcher gave up (status %d) before its neighbours came",
                     r->fetcher.status);
        rig_assert_running(r);
        cr_assert_eq(stored(r), 0);
        starts[i](r);
    }
    int status = wait_fetcher(r, 120000);
    fig.seconds = (double)(cs_now_ms() - t0) / 1000.0;
    if (status != 0)
        RIG_FAIL(r, "the fetcher exited with status %d (-1: still running after 120 s)", status);
    if (!cs_testproc_wait_log(&r->fetcher, "An extractor is taking calls", 0))
        RIG_FAIL(r, "the fetcher did not notice the extractor");
    rig_stop_all(r);
    check_run(r, rp, &fig);
    cr_assert_eq(fig.resent, 0, "calls were resent: a waiting stage lost them");
    rig_close(r, true);
}
