/*  cs_stage: how a daemon stage (extractor, matcher, writer) stops for a permanent error.

    A permanent error is one that retrying cannot fix and that needs an operator: the LLM
    refuses the API key (401, 403) or the account is out of quota; the database does not exist
    or refuses the role or password. The stage hands on what it holds, then:
      - logs the cause once, naming what to fix (one ERROR line beginning "*** Stopping:");
      - marks the component ("llm", "database") down with that reason, so /healthz answers 503
        "llm: down: ..." for `hold` seconds (cut short by SIGTERM/SIGINT), which also keeps a
        restart policy from hammering the API or the database;
      - exits with CS_EXIT_PERMANENT.

    Exit statuses of the daemon stages: 0 stopped by SIGTERM/SIGINT; 1 could not start or run
    for another reason (a port in use, out of memory); 2 usage error (bad flags); 3
    (CS_EXIT_PERMANENT) a permanent error as above. */
#ifndef CS_STAGE_H
#define CS_STAGE_H

#define CS_EXIT_PERMANENT 3

/* Option-table row for the hold, to paste into a daemon's cs_option_t table. */
#define CS_STAGE_OPTION_HOLD                                                                       \
    {                                                                                              \
        "permanent-error-hold", "CALLSIFT_PERMANENT_ERROR_HOLD", CS_OPT_DOUBLE, "10",              \
            "after a permanent error (LLM key or quota, database missing or refusing), answer "    \
            "/healthz 503 with the reason this many seconds, then exit 3",                         \
            0                                                                                      \
    }

/* Report the permanent error `reason` (fixed program text plus what the error said, already
   free of secrets) of `component`, hold for hold_s seconds and return CS_EXIT_PERMANENT for
   main to return. `health` is the short reason for /healthz (static text naming what to fix;
   NULL or "": "a permanent error: see the log"). Can't fail. */
int cs_stage_permanent(const char *component, const char *reason, const char *health,
                       double hold_s);

#endif
