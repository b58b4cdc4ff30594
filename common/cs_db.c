#include "cs_db.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_log.h"
#include "cs_util.h"

#define STOP_CHECK_MS 100 /* longest wait inside a connection attempt between stop checks */

struct cs_db {
    char *url;
    PGconn *conn;
    char sqlstate[6];
    bool permanent; /* the last connection attempt failed for good */
    /* the statements prepared on conn (cs_db_exec_prepared); forgotten with conn */
    const cs_db_stmt_t *prepared[CS_DB_PREPARED_MAX];
    int nprepared;
};

static void s_quiet_notices(void *arg, const char *message)
{
    (void)arg;
    cs_debug("postgres: %s", message);
}

/* The SQLSTATE in a connection error written with PQERRORS_VERBOSE ("...failed: FATAL:  3D000:
   database "x" does not exist\nLOCATION: ..."; the severity may be translated, so the code is
   found as ":  XXXXX: "), copied to code (6 bytes; "" when there is none), and the message
   without it, first line only, into out. */
static void s_connect_error(const char *raw, char code[6], char *out, size_t outlen)
{
    code[0] = '\0';
    snprintf(out, outlen, "%s", raw);
    out[strcspn(out, "\n")] = '\0';
    for (char *at = strstr(out, ":  "); at; at = strstr(at + 1, ":  ")) {
        char *c = at + 3;
        bool five = strlen(c) >= 7 && c[5] == ':' && c[6] == ' ';
        for (int k = 0; five && k < 5; k++)
            five = (c[k] >= '0' && c[k] <= '9') || (c[k] >= 'A' && c[k] <= 'Z');
        if (five) {
            memcpy(code, c, 5);
            code[5] = '\0';
            memmove(c, c + 7, strlen(c + 7) + 1);
            return;
        }
    }
}

/* The connect_timeout of a conninfo in ms, else CS_DB_CONNECT_TIMEOUT_MS. */
static int64_t s_connect_timeout_ms(const PQconninfoOption *opts)
{
    for (const PQconninfoOption *o = opts; o && o->keyword; o++) {
        if (strcmp(o->keyword, "connect_timeout") == 0 && o->val && *o->val) {
            long s = strtol(o->val, NULL, 10);
            if (s > 0)
                return (int64_t)(s < 2 ? 2 : s) * 1000; /* libpq's own minimum is 2 s */
        }
    }
    return CS_DB_CONNECT_TIMEOUT_MS;
}

/* One connection attempt. NULL with the reason in err, the SQLSTATE in code ("" when the
   server sent none) and *permanent set when trying again cannot help. The attempt is made
   without blocking so that the server's SQLSTATE can be asked for (PQERRORS_VERBOSE must be set
   before the startup answer is read) and a stop request cuts it short. */
static PGconn *s_open(const char *url, char code[6], bool *permanent, char *err, size_t errlen)
{
    code[0] = '\0';
    *permanent = false;
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &perr);
    if (!opts) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", perr ? perr : "out of memory");
        msg[strcspn(msg, "\n")] = '\0';
        cs_log_redact(msg, sizeof msg);
        *permanent = perr != NULL; /* else out of memory */
        PQfreemem(perr);
        cs_fail(err, errlen, "cannot connect to PostgreSQL: the database URL is not valid (%s)",
                msg);
        return NULL;
    }
    int64_t deadline = cs_now_ms() + s_connect_timeout_ms(opts);
    PQconninfoFree(opts);
    PGconn *conn = PQconnectStart(url);
    if (conn)
        PQsetErrorVerbosity(conn, PQERRORS_VERBOSE);
    PostgresPollingStatusType st =
        conn && PQstatus(conn) != CONNECTION_BAD ? PGRES_POLLING_WRITING : PGRES_POLLING_FAILED;
    bool timed_out = false;
    while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
        int64_t left = deadline - cs_now_ms();
        if (left <= 0 || cs_stop_requested()) {
            timed_out = left <= 0;
            break;
        }
        struct pollfd p = {.fd = PQsocket(conn),
                           .events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT};
        poll(&p, 1, (int)(left < STOP_CHECK_MS ? left : STOP_CHECK_MS));
        st = PQconnectPoll(conn);
    }
    if (st == PGRES_POLLING_OK) {
        PQsetErrorVerbosity(conn, PQERRORS_DEFAULT);
        PQsetNoticeProcessor(conn, s_quiet_notices, NULL);
        return conn;
    }
    char msg[512];
    if (!conn)
        snprintf(msg, sizeof msg, "out of memory");
    else if (st != PGRES_POLLING_FAILED)
        snprintf(msg, sizeof msg, "%s", timed_out ? "timeout expired" : "interrupted");
    else
        s_connect_error(PQerrorMessage(conn), code, msg, sizeof msg);
    cs_log_redact(msg, sizeof msg);
    *permanent = cs_db_sqlstate_permanent(code);
    if (*permanent)
        cs_fail(err, errlen, "cannot connect to PostgreSQL: %s (SQLSTATE %s: %s)", msg, code,
                cs_db_sqlstate_hint(code));
    else
        cs_fail(err, errlen, "cannot connect to PostgreSQL: %s", msg);
    PQfinish(conn);
    return NULL;
}

static int s_connect_retry(cs_db_t *self, int max_attempts, char *err, size_t errlen)
{
    char reason[640] = "";
    self->permanent = false;
    for (int attempt = 0; max_attempts == 0 || attempt < max_attempts; attempt++) {
        if (cs_stop_requested())
            break;
        bool permanent = false;
        self->nprepared = 0; /* a new connection knows no statement yet */
        self->conn = s_open(self->url, self->sqlstate, &permanent, reason, sizeof reason);
        if (self->conn) {
            self->sqlstate[0] = '\0';
            if (attempt > 0)
                cs_info("Reconnected to PostgreSQL after %d attempts", attempt + 1);
            return 0;
        }
        if (permanent) { /* the same answer every time: say it once and stop */
            self->permanent = true;
            break;
        }
        if (max_attempts != 0 && attempt + 1 >= max_attempts)
            break;
        int64_t wait = cs_backoff_ms(attempt, 200, 5000);
        if (attempt == 0 || attempt % 10 == 0)
            cs_warn("%s; retrying in %lld ms", reason, (long long)wait);
        cs_sleep_ms(wait);
    }
    return cs_fail(err, errlen, "%s",
                   reason[0] ? reason : "interrupted while connecting to PostgreSQL");
}

char *cs_db_url_normalize(const char *url)
{
    static const char *const SCHEMES[] = {"postgresql+", "postgres+"};
    for (size_t i = 0; i < CS_ARRAY_LEN(SCHEMES); i++) {
        size_t n = strlen(SCHEMES[i]);
        const char *rest = strncmp(url, SCHEMES[i], n) == 0 ? strstr(url + n, "://") : NULL;
        /* the driver name is letters, digits and underscores only */
        if (rest && rest > url + n &&
            strspn(url + n, "abcdefghijklmnopqrstuvwxyz0123456789_") ==
                (size_t)(rest - (url + n))) {
            char *out = malloc(strlen("postgresql") + strlen(rest) + 1);
            if (out) {
                strcpy(out, "postgresql");
                strcat(out, rest);
            }
            return out;
        }
    }
    return strdup(url);
}

cs_db_t *cs_db_connect(const char *url, int max_attempts, char *err, size_t errlen)
{
    if (!url || !*url) {
        cs_fail(err, errlen, "no database given: set DATABASE_URL or --database-url");
        return NULL;
    }
    cs_db_t *self = calloc(1, sizeof *self);
    if (!self || !(self->url = cs_db_url_normalize(url))) {
        free(self);
        cs_fail(err, errlen, "out of memory");
        return NULL;
    }
    if (s_connect_retry(self, max_attempts, err, errlen) != 0)
        cs_db_destroy(&self);
    return self;
}

void cs_db_destroy(cs_db_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cs_db_t *self = *self_p;
    PQfinish(self->conn);
    free(self->url);
    free(self);
    *self_p = NULL;
}

PGconn *cs_db_conn(cs_db_t *self)
{
    return self->conn;
}

bool cs_db_ok(cs_db_t *self)
{
    return self->conn && PQstatus(self->conn) == CONNECTION_OK;
}

int cs_db_ensure(cs_db_t *self, int max_attempts)
{
    if (cs_db_ok(self))
        return 0;
    if (self->permanent)
        return -1; /* said once already; the caller stops */
    PQfinish(self->conn);
    self->conn = NULL;
    cs_warn("Lost the PostgreSQL connection; reconnecting");
    char err[512];
    if (s_connect_retry(self, max_attempts, err, sizeof err) != 0) {
        cs_error("%s", err);
        return -1;
    }
    return 0;
}

/* The result of a statement: res when it succeeded; else NULL (res cleared) with the SQLSTATE
   kept and "SQLSTATE: message" in err. */
static PGresult *s_result(cs_db_t *self, PGresult *res, char *err, size_t errlen)
{
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return res;
    const char *code = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (code && PQstatus(self->conn) == CONNECTION_OK)
        cs_strlcpy(self->sqlstate, code, sizeof self->sqlstate);
    char msg[512];
    snprintf(msg, sizeof msg, "%s", res ? PQresultErrorMessage(res) : PQerrorMessage(self->conn));
    msg[strcspn(msg, "\n")] = '\0';
    cs_fail(err, errlen, "%s%s%s", self->sqlstate, self->sqlstate[0] ? ": " : "", msg);
    PQclear(res);
    return NULL;
}

PGresult *cs_db_exec(cs_db_t *self, const char *sql, int nparams, const char *const *params,
                     char *err, size_t errlen)
{
    self->sqlstate[0] = '\0';
    if (!self->conn) {
        cs_fail(err, errlen, "not connected to PostgreSQL");
        return NULL;
    }
    return s_result(self, PQexecParams(self->conn, sql, nparams, NULL, params, NULL, NULL, 0), err,
                    errlen);
}

PGresult *cs_db_exec_prepared(cs_db_t *self, const cs_db_stmt_t *stmt, const char *const *params,
                              char *err, size_t errlen)
{
    self->sqlstate[0] = '\0';
    if (!self->conn) {
        cs_fail(err, errlen, "not connected to PostgreSQL");
        return NULL;
    }
    int at = 0;
    while (at < self->nprepared && self->prepared[at] != stmt)
        at++;
    bool known = at < self->nprepared;
    if (!known && self->nprepared == CS_DB_PREPARED_MAX)
        return cs_db_exec(self, stmt->sql, stmt->nparams, params, err, errlen);
    if (!known) {
        PGresult *res = s_result(
            self, PQprepare(self->conn, stmt->name, stmt->sql, stmt->nparams, NULL), err, errlen);
        if (!res)
            return NULL;
        PQclear(res);
        self->prepared[self->nprepared++] = stmt; /* at == its index */
    }
    PGresult *res =
        s_result(self, PQexecPrepared(self->conn, stmt->name, stmt->nparams, params, NULL, NULL, 0),
                 err, errlen);
    if (!res && strcmp(self->sqlstate, "26000") == 0) /* the session lost it: prepare again */
        self->prepared[at] = self->prepared[--self->nprepared];
    return res;
}

int cs_db_prepared_count(const cs_db_t *self)
{
    return self->nprepared;
}

int cs_db_command(cs_db_t *self, const char *sql, int nparams, const char *const *params, char *err,
                  size_t errlen)
{
    PGresult *res = cs_db_exec(self, sql, nparams, params, err, errlen);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

int cs_db_script(cs_db_t *self, const char *sql, char *err, size_t errlen)
{
    self->sqlstate[0] = '\0';
    if (!self->conn)
        return cs_fail(err, errlen, "not connected to PostgreSQL");
    PGresult *res = PQexec(self->conn, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        const char *code = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        if (code && PQstatus(self->conn) == CONNECTION_OK)
            cs_strlcpy(self->sqlstate, code, sizeof self->sqlstate);
        char msg[512];
        snprintf(msg, sizeof msg, "%s",
                 res ? PQresultErrorMessage(res) : PQerrorMessage(self->conn));
        msg[strcspn(msg, "\n")] = '\0';
        rc = cs_fail(err, errlen, "%s%s%s", self->sqlstate, self->sqlstate[0] ? ": " : "", msg);
    }
    PQclear(res);
    return rc;
}

const char *cs_db_last_sqlstate(const cs_db_t *self)
{
    return self->sqlstate;
}

bool cs_db_last_error_transient(const cs_db_t *self)
{
    const char *s = self->sqlstate;
    if (self->permanent)
        return false;
    if (!self->conn || PQstatus(self->conn) != CONNECTION_OK || s[0] == '\0')
        return true;
    return strncmp(s, "08", 2) == 0 || strcmp(s, "57P01") == 0 || strcmp(s, "57P02") == 0 ||
           strcmp(s, "57P03") == 0 || strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0 ||
           strcmp(s, "26000") == 0;
}

bool cs_db_sqlstate_permanent(const char *sqlstate)
{
    static const char *const PERMANENT[] = {"3D000", "28P01", "28000", "42501"};
    for (size_t i = 0; sqlstate && i < CS_ARRAY_LEN(PERMANENT); i++)
        if (strcmp(sqlstate, PERMANENT[i]) == 0)
            return true;
    return false;
}

const char *cs_db_sqlstate_hint(const char *sqlstate)
{
    if (!sqlstate)
        return "";
    if (strcmp(sqlstate, "3D000") == 0)
        return "the database does not exist: check the database name in DATABASE_URL, or "
               "create it";
    if (strcmp(sqlstate, "28P01") == 0)
        return "the password was refused: check the password in DATABASE_URL";
    if (strcmp(sqlstate, "28000") == 0)
        return "the role may not log in (unknown role, NOLOGIN, or no pg_hba.conf entry): check "
               "the user in DATABASE_URL";
    if (strcmp(sqlstate, "42501") == 0)
        return "the role may not connect to this database: GRANT CONNECT or change DATABASE_URL";
    return "";
}

bool cs_db_permanent(const cs_db_t *self)
{
    return self->permanent;
}
