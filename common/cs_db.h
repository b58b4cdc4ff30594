/*  cs_db: a libpq connection that comes back after PostgreSQL restarts.

    SQL goes through cs_db_exec() only, always with parameters ($1, $2 ...) in text form:
    no value is ever pasted into SQL text.

    Failing to connect is either transient (the server is down, starting, restarting, out of
    connection slots, or the host does not resolve yet: retried with jittered backoff) or
    permanent (SQLSTATE 3D000 the database does not exist, 28P01 the password is refused, 28000
    the role may not log in, 42501 no CONNECT privilege; or a URL libpq cannot parse): the same
    answer would come every time, so it is not retried and the reason names what to fix. */
#ifndef CS_DB_H
#define CS_DB_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

typedef struct cs_db cs_db_t;

/* The libpq form of a database URL: SQLAlchemy's driver-qualified schemes, which the seed's
   users have in their DATABASE_URL (postgresql+psycopg2://, postgresql+asyncpg://,
   postgres+pg8000://, ...), become postgresql://; everything else (postgresql://, postgres://,
   key=value conninfo strings) is returned as it is. Returns a malloc'd string the caller frees,
   or NULL when out of memory. */
char *cs_db_url_normalize(const char *url);

/* Longest wait of one connection attempt when the URL sets no connect_timeout. */
#define CS_DB_CONNECT_TIMEOUT_MS 30000

/* Connect to `url` (a libpq URL or conninfo string, or any form
   cs_db_url_normalize() takes; copied). Retries transient failures with
   jittered exponential backoff up to `max_attempts` times (0 = until cs_stop_requested());
   a permanent failure ends it at the first attempt. Returns NULL with a reason in err (the
   password masked) when it gives up: with max_attempts 0, only when a stop was requested or
   the failure is permanent ("cannot connect to PostgreSQL: database "x" does not exist
   (SQLSTATE 3D000: the database does not exist: check ...)"). */
cs_db_t *cs_db_connect(const char *url, int max_attempts, char *err, size_t errlen);

/* Close and NULL the pointer; NULL is fine. */
void cs_db_destroy(cs_db_t **self_p);

/* The libpq handle (borrowed) for LISTEN and the like. */
PGconn *cs_db_conn(cs_db_t *self);

/* True when the connection is up. */
bool cs_db_ok(cs_db_t *self);

/* Make sure the connection is up: when it is broken, reconnect with backoff, up to
   max_attempts (0 = until a stop is requested). 0 when up, -1 when it gave up (logged): a stop,
   the attempts spent, or a permanent failure (cs_db_permanent(); later calls then return -1
   at once). */
int cs_db_ensure(cs_db_t *self, int max_attempts);

/* Run one parameterised statement. Returns the result (caller PQclear()s) or NULL when the
   statement failed; then err holds "SQLSTATE: message" and *sqlstate (if not NULL) points at a
   static copy of the five-character code ("" when the connection itself broke). */
PGresult *cs_db_exec(cs_db_t *self, const char *sql, int nparams, const char *const *params,
                     char *err, size_t errlen);

/* A statement PostgreSQL parses and plans once per connection (PQprepare) and then runs by
   name (PQexecPrepared): declare each as a static constant. `name` is unique in the program
   ("writer_message"); `sql` is fixed program text with `nparams` parameters. */
typedef struct {
    const char *name;
    const char *sql;
    int nparams;
} cs_db_stmt_t;

/* The most statements one connection keeps prepared; more run unprepared (cs_db_exec). */
#define CS_DB_PREPARED_MAX 64

/* cs_db_exec of `stmt` (borrowed; must outlive the connection) with stmt->nparams params:
   prepared on this connection first when it is not yet (a new connection after a reconnect
   prepares again). When the server no longer knows the statement (SQLSTATE 26000: a pooler
   handing out another session, DEALLOCATE ALL), it is prepared again at its next use, and the
   failure counts as transient (cs_db_last_error_transient). */
PGresult *cs_db_exec_prepared(cs_db_t *self, const cs_db_stmt_t *stmt, const char *const *params,
                              char *err, size_t errlen);

/* How many statements are prepared on the current connection (0 after a reconnect). */
int cs_db_prepared_count(const cs_db_t *self);

/* cs_db_exec for statements whose result is not needed. 0 or -1. */
int cs_db_command(cs_db_t *self, const char *sql, int nparams, const char *const *params, char *err,
                  size_t errlen);

/* Run a fixed script of several statements with no parameters (migrations only: the text is
   part of the program, never built from input). 0 or -1 with the reason in err. */
int cs_db_script(cs_db_t *self, const char *sql, char *err, size_t errlen);

/* SQLSTATE of the last failed cs_db_exec ("" when the connection broke, or none). */
const char *cs_db_last_sqlstate(const cs_db_t *self);

/* True when the last failure means "try again later": the connection broke, the server is
   shutting down or starting up (class 08, 57P01-57P03), a serialization failure/deadlock
   (40001, 40P01), or a prepared statement the server no longer knows (26000). */
bool cs_db_last_error_transient(const cs_db_t *self);

/* True when the last reconnection (cs_db_ensure) failed permanently; cs_db_last_sqlstate()
   then holds the server's code ("" for a URL that cannot be parsed). */
bool cs_db_permanent(const cs_db_t *self);

/* True for the SQLSTATEs after which connecting again cannot help: 3D000, 28P01, 28000,
   42501. NULL or "" is false. */
bool cs_db_sqlstate_permanent(const char *sqlstate);

/* What to fix for a permanent SQLSTATE, in a few words naming DATABASE_URL; "" for others.
   Static text, never anything from the server. */
const char *cs_db_sqlstate_hint(const char *sqlstate);

#endif
