/*  cs_config: command-line flags over environment variables over defaults.

    Each executable describes its options in one table; cs_config_parse() fills in values from
    the environment (NAME, or the contents of the file named by NAME_FILE), then from flags
    (--name VALUE or --name=VALUE), checks types and required options, and answers --help.
    Values of options marked CS_OPT_SECRET are registered with cs_log_add_secret() and never
    printed, not even by --help.

    Every table gets --log-format (CALLSIFT_LOG_FORMAT) and --log-level (CALLSIFT_LOG_LEVEL)
    for free; cs_config_parse() applies them to cs_log. --help and --version are answered by
    cs_config_parse() too.

    Secrets given as flags are visible to every user of the machine in `ps` while they sit in
    argv, so cs_config_parse() overwrites them there (after copying) and logs a warning that
    names the environment variable to use instead. A database URL counts as a secret only
    when it holds a password. */
#ifndef CS_CONFIG_H
#define CS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum { CS_OPT_STRING, CS_OPT_INT, CS_OPT_DOUBLE, CS_OPT_FLAG } cs_opt_type_t;

/* Numeric options (CS_OPT_INT, CS_OPT_DOUBLE) are checked against a range when they are parsed,
   whatever their origin (flag, environment, file): by default at least 0, an integer at most
   INT_MAX and a number at most CS_OPT_NUMBER_MAX (seconds, rates and prices; so that seconds
   in milliseconds still fit an int). A range flag narrows or widens that. A value out of range is a
   usage error naming the option and the range: "--limit: expected an integer of at least 0, got
   '-5'". */
#define CS_OPT_NUMBER_MAX 1000000

enum {
    CS_OPT_SECRET = 1 << 0,   /* never logged or printed; wiped from argv when given as a flag */
    CS_OPT_REQUIRED = 1 << 1, /* parse fails when neither flag nor environment gives it */
    CS_OPT_POSITIVE = 1 << 2, /* numeric: greater than 0 (an integer: at least 1) */
    CS_OPT_UNIT = 1 << 3,     /* numeric: from 0 to 1 */
    CS_OPT_PORT = 1 << 4,     /* integer: from 0 to 65535 */
    CS_OPT_SIGNED = 1 << 5,   /* numeric: negative values allowed */
};

typedef struct {
    const char *name;   /* flag without dashes: "workspace-id" */
    const char *env;    /* environment variable, or NULL */
    cs_opt_type_t type; /* how the value is checked */
    const char *dflt;   /* default as text, or NULL */
    const char *help;   /* one line for --help */
    unsigned flags;     /* CS_OPT_SECRET | CS_OPT_REQUIRED */
} cs_option_t;

typedef struct cs_config cs_config_t;

/* A parser for the options in `opts` (terminated by an entry with name NULL; the table is
   borrowed and must outlive the config). `usage` is the synopsis line printed by --help,
   `summary` the sentence below it. Returns NULL only when out of memory. */
cs_config_t *cs_config_new(const char *usage, const char *summary, const cs_option_t *opts);

/* Destroy the config and NULL the pointer; NULL is fine. */
void cs_config_destroy(cs_config_t **self_p);

/* Parse argv (argv[0] is skipped). Returns 0 when the program should run, 1 when --help or
   --version was printed to stdout (exit 0), -1 on a usage error with a one-line reason in err.
   The values of secret options given as flags are overwritten in argv (see above).
   Positional arguments are kept (cs_config_positional) when allow_positional is true,
   otherwise they are an error. */
int cs_config_parse(cs_config_t *self, int argc, char **argv, bool allow_positional, char *err,
                    size_t errlen);

/* Value of an option (borrowed, valid until destroy); NULL when unset with no default. */
const char *cs_config_str(const cs_config_t *self, const char *name);
long long cs_config_int(const cs_config_t *self, const char *name);
double cs_config_double(const cs_config_t *self, const char *name);
bool cs_config_flag(const cs_config_t *self, const char *name);

/* True when the value came from a flag or the environment rather than the default. */
bool cs_config_is_set(const cs_config_t *self, const char *name);

/* Positional arguments left after parsing (borrowed from argv). */
int cs_config_positional_count(const cs_config_t *self);
const char *cs_config_positional(const cs_config_t *self, int index);

/* The build's version: the CMake project version, plus `git describe` of the checkout it was
   built from when there was one ("0.1.0 (git v0.1.0-12-g1a2b3c4-dirty)"). Static string. */
const char *cs_version(void);

/* Print "PROGRAM VERSION" for `--version`, PROGRAM being the first word of the usage line. */
void cs_config_version(const cs_config_t *self, FILE *out);

/* Print --help text to out: usage, summary, then one line per option with its environment
   variable and default (secrets show no value). */
void cs_config_usage(const cs_config_t *self, FILE *out);

#endif
