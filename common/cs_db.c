#include "cs_db.h"

#include <stdlib.h>
#include <string.h>

#include "cs_log.h"
#include "cs_util.h"

struct cs_db {
    char *url;
    PGconn *conn;
    char sqlstate[6];
};

static void s_quiet_notices(void *arg, const char *message)
{
    (void)arg;
    cs_debug("postgres: %s", message);
}

static PGconn *s_open(const char *url, char *err, size_t errlen)
{
    PGconn *conn = PQconnectdb(url);
    if (conn && PQstatus(conn) == CONNECTION_OK) {
        PQsetNoticeProcessor(conn, s_quiet_notices, NULL);
        return conn;
    }
    char msg[512];
    snprintf(msg, sizeof msg, "%s", conn ? PQerrorMessage(conn) : "out of memory");
    msg[strcspn(msg, "\n")] = '\0';
    cs_log_redact(msg, sizeof msg);
    cs_fail(err, errlen, "cannot connect to PostgreSQL: %s", msg);
    PQfinish(conn);
    return NULL;
}

static int s_connect_retry(cs_db_t *self, int max_attempts, char *err, size_t errlen)
{
    char reason[512] = "";
    for (int attempt = 0; max_attempts == 0 || attempt < max_attempts; attempt++) {
        if (cs_stop_requested())
            break;
        self->conn = s_open(self->url, reason, sizeof reason);
        if (self->conn) {
            if (attempt > 0)
                cs_info("Reconnected to PostgreSQL after %d attempts", attempt + 1);
            return 0;
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

PGresult *cs_db_exec(cs_db_t *self, const char *sql, int nparams, const char *const *params,
                     char *err, size_t errlen)
{
    self->sqlstate[0] = '\0';
    if (!self->conn) {
        cs_fail(err, errlen, "not connected to PostgreSQL");
        return NULL;
    }
    PGresult *res = PQexecParams(self->conn, sql, nparams, NULL, params, NULL, NULL, 0);
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
    if (!self->conn || PQstatus(self->conn) != CONNECTION_OK || s[0] == '\0')
        return true;
    return strncmp(s, "08", 2) == 0 || strcmp(s, "57P01") == 0 || strcmp(s, "57P02") == 0 ||
           strcmp(s, "57P03") == 0 || strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0;
}
