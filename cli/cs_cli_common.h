/*  cs_cli_common: what every `callsift` command shares.

    A command is a handler that gets a cs_cli_t: its parsed options, the stream for its results
    and a database connection made on first use (so input is checked before anything is
    dialled). A handler returns 0, or -1 with a one-line reason in cli->err that main.c prints
    as "callsift: <reason>" (exit 1). Nothing here prints to stderr itself.

    Database access goes through cs_cli_exec() and friends: parameterised statements only,
    with the failures operators meet most often turned into sentences. */
#ifndef CS_CLI_COMMON_H
#define CS_CLI_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cs_cli_table.h"
#include "cs_config.h"
#include "cs_db.h"
#include "cs_uuid.h"

/* Options that several commands take, for their cs_option_t tables. */
#define CS_CLI_OPT_DATABASE_URL                                                                    \
    {                                                                                              \
        "database-url", "DATABASE_URL", CS_OPT_STRING, NULL, "PostgreSQL URL or conninfo",         \
            CS_OPT_SECRET | CS_OPT_REQUIRED                                                        \
    }
#define CS_CLI_OPT_WORKSPACE_ID                                                                    \
    {                                                                                              \
        "workspace-id", NULL, CS_OPT_STRING, NULL,                                                 \
            "workspace UUID (see 'callsift workspace list')", CS_OPT_REQUIRED                      \
    }
#define CS_CLI_OPT_FORMAT                                                                          \
    {                                                                                              \
        "format", NULL, CS_OPT_STRING, "table", "output as 'table', 'json', 'csv' or 'markdown'",  \
            0                                                                                      \
    }
#define CS_CLI_OPT_END                                                                             \
    {                                                                                              \
        NULL, NULL, 0, NULL, NULL, 0                                                               \
    }

/* How many times a command tries to reach PostgreSQL before it gives up (a few seconds). */
#define CS_CLI_CONNECT_ATTEMPTS 3

typedef struct {
    const cs_config_t *cfg; /* the command's parsed options (borrowed) */
    FILE *out;              /* results go here (borrowed) */
    cs_db_t *db;            /* NULL until cs_cli_db() connects; owned */
    char err[1024];         /* reason of the failure when a handler returns -1 */
    char sqlstate[6];       /* SQLSTATE of the last failed statement, "" when none */
} cs_cli_t;

/* A command: 0 on success, -1 with the reason in cli->err. */
typedef int (*cs_cli_handler_t)(cs_cli_t *cli);

/* Set up a context for options cfg (borrowed) writing results to out (borrowed). */
void cs_cli_init(cs_cli_t *cli, const cs_config_t *cfg, FILE *out);

/* Close the connection, if any (an open transaction is rolled back by the server). */
void cs_cli_close(cs_cli_t *cli);

/* printf the reason into cli->err; returns -1 for `return cs_cli_fail(cli, ...)`. */
int cs_cli_fail(cs_cli_t *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The connection to --database-url, made on the first call with a few attempts. The handle is
   borrowed (cs_cli_close ends it); NULL with the reason in cli->err (password masked). */
cs_db_t *cs_cli_db(cs_cli_t *cli);

/* cs_db_exec on the command's connection (connecting first if needed). The result is the
   caller's to PQclear(); NULL with the reason in cli->err. A database without the callsift
   schema is reported as "run 'callsift migrate' first". */
PGresult *cs_cli_exec(cs_cli_t *cli, const char *sql, int nparams, const char *const *params);

/* cs_cli_exec for statements whose result is not needed. 0 or -1. */
int cs_cli_command(cs_cli_t *cli, const char *sql, int nparams, const char *const *params);

/* SQLSTATE of the last failed statement ("" when none or when the connection broke); a
   cs_cli_rollback() after it keeps it, so a caller can roll back first and then tell a
   unique violation from a missing row. */
const char *cs_cli_sqlstate(const cs_cli_t *cli);

/* BEGIN / COMMIT: 0 or -1. cs_cli_rollback() keeps cli->err as it is (the reason the
   transaction is being abandoned) and can't fail in a way the caller could act on. */
int cs_cli_begin(cs_cli_t *cli);
int cs_cli_commit(cs_cli_t *cli);
void cs_cli_rollback(cs_cli_t *cli);

/* BEGIN a read-only transaction on one snapshot, for a command whose several queries must
   agree with each other (end it with cs_cli_rollback). 0 or -1. */
int cs_cli_begin_read(cs_cli_t *cli);

/* --format, checked: 0, or -1 with the reason in cli->err. */
int cs_cli_format(cs_cli_t *cli, cs_cli_format_t *fmt);

/* --workspace-id, checked and lower-cased into out. -1 with
   "--workspace-id: 'x' is not a UUID" in cli->err. */
int cs_cli_workspace_id(cs_cli_t *cli, char out[CS_UUID_LEN]);

/* 0 when the workspace exists; -1 with "no workspace with id W" (or a database error). */
int cs_cli_workspace_exists(cs_cli_t *cli, const char *workspace_id);
/* cs_cli_workspace_id, then cs_cli_workspace_exists: the checked --workspace-id of a command
   that reads a workspace. 0, or -1 with the reason in cli->err. */
int cs_cli_workspace(cs_cli_t *cli, char out[CS_UUID_LEN]);
/* Run a query and print its rows as `ncols` columns in format fmt: a list command's whole
   output. 0, or -1 with the reason in cli->err. */
int cs_cli_list(cs_cli_t *cli, cs_cli_format_t fmt, const cs_cli_column_t *columns, int ncols,
                const char *sql, int nparams, const char *const *params);

/* The value of string option `name` with surrounding white space removed, copied into out
   (outlen bytes, at least 4 * max_chars + 1 so that any UTF-8 text of max_chars fits). It must hold
   between 1 and max_chars characters (UTF-8 code points, the way PostgreSQL counts them); with
   allow_empty, an unset or blank option gives "" instead. 0, or -1 with the reason in cli->err. */
int cs_cli_text(cs_cli_t *cli, const char *name, size_t max_chars, bool allow_empty, char *out,
                size_t outlen);

#endif
