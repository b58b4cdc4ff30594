#include "cs_config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cs_log.h"
#include "cs_util.h"
#include "cs_version.h"

#define SECRET_FILE_MAX (64 * 1024)

static const cs_option_t COMMON_OPTS[] = {
    {"log-format", "CALLSIFT_LOG_FORMAT", CS_OPT_STRING, "text", "log lines as 'text' or 'json'",
     0},
    {"log-level", "CALLSIFT_LOG_LEVEL", CS_OPT_STRING, "info", "debug, info, warning or error", 0},
    {NULL, NULL, 0, NULL, NULL, 0},
};

typedef struct {
    const cs_option_t *opt;
    char *value; /* owned; NULL = default */
    bool set;
} slot_t;

struct cs_config {
    const char *usage;
    const char *summary;
    slot_t *slots;
    int nslots;
    char **positional; /* borrowed strings, owned array */
    int npositional;
};

cs_config_t *cs_config_new(const char *usage, const char *summary, const cs_option_t *opts)
{
    cs_config_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->usage = usage;
    self->summary = summary;
    int n = 0;
    while (opts[n].name)
        n++;
    int ncommon = (int)CS_ARRAY_LEN(COMMON_OPTS) - 1;
    self->slots = calloc((size_t)(n + ncommon), sizeof *self->slots);
    if (!self->slots) {
        free(self);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        self->slots[self->nslots++].opt = &opts[i];
    for (int i = 0; i < ncommon; i++)
        self->slots[self->nslots++].opt = &COMMON_OPTS[i];
    return self;
}

void cs_config_destroy(cs_config_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cs_config_t *self = *self_p;
    for (int i = 0; i < self->nslots; i++)
        free(self->slots[i].value);
    free(self->slots);
    free(self->positional);
    free(self);
    *self_p = NULL;
}

static slot_t *s_find(const cs_config_t *self, const char *name, size_t namelen)
{
    for (int i = 0; i < self->nslots; i++) {
        const char *n = self->slots[i].opt->name;
        if (strlen(n) == namelen && strncmp(n, name, namelen) == 0)
            return &self->slots[i];
    }
    return NULL;
}

/* The integer range of an option: [*lo, *hi]. */
static void s_int_range(const cs_option_t *opt, long long *lo, long long *hi)
{
    *lo = (opt->flags & CS_OPT_SIGNED) ? INT_MIN : (opt->flags & CS_OPT_POSITIVE) ? 1 : 0;
    *hi = (opt->flags & CS_OPT_PORT) ? 65535 : (opt->flags & CS_OPT_UNIT) ? 1 : INT_MAX;
}

static int s_check_int(const cs_option_t *opt, const char *value, const char *origin, char *err,
                       size_t errlen)
{
    long long lo, hi;
    s_int_range(opt, &lo, &hi);
    char *end = NULL;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    if (!errno && end != value && *end == '\0' && v >= lo && v <= hi)
        return 0;
    if (opt->flags & CS_OPT_SIGNED)
        return cs_fail(err, errlen, "%s: expected an integer, got '%s'", origin, value);
    if (hi == INT_MAX)
        return cs_fail(err, errlen, "%s: expected an integer of at least %lld, got '%s'", origin,
                       lo, value);
    return cs_fail(err, errlen, "%s: expected an integer from %lld to %lld, got '%s'", origin, lo,
                   hi, value);
}

static int s_check_double(const cs_option_t *opt, const char *value, const char *origin, char *err,
                          size_t errlen)
{
    char *end = NULL;
    errno = 0;
    double d = strtod(value, &end);
    bool number = !errno && end != value && *end == '\0' && isfinite(d);
    if (opt->flags & CS_OPT_SIGNED) {
        if (!number)
            return cs_fail(err, errlen, "%s: expected a number, got '%s'", origin, value);
    } else if (opt->flags & CS_OPT_UNIT) {
        if (!number || d < 0 || d > 1)
            return cs_fail(err, errlen, "%s: expected a number from 0 to 1, got '%s'", origin,
                           value);
    } else if (opt->flags & CS_OPT_POSITIVE) {
        if (!number || d <= 0 || d > CS_OPT_NUMBER_MAX)
            return cs_fail(err, errlen,
                           "%s: expected a number greater than 0 and at most %d, got '%s'", origin,
                           CS_OPT_NUMBER_MAX, value);
    } else if (!number || d < 0 || d > CS_OPT_NUMBER_MAX) {
        return cs_fail(err, errlen, "%s: expected a number from 0 to %d, got '%s'", origin,
                       CS_OPT_NUMBER_MAX, value);
    }
    return 0;
}

static int s_check_value(const cs_option_t *opt, const char *value, const char *origin, char *err,
                         size_t errlen)
{
    switch (opt->type) {
    case CS_OPT_INT:
        return s_check_int(opt, value, origin, err, errlen);
    case CS_OPT_DOUBLE:
        return s_check_double(opt, value, origin, err, errlen);
    case CS_OPT_FLAG:
        if (strcasecmp(value, "1") && strcasecmp(value, "0") && strcasecmp(value, "true") &&
            strcasecmp(value, "false") && strcasecmp(value, "yes") && strcasecmp(value, "no"))
            return cs_fail(err, errlen, "%s: expected true or false, got '%s'", origin,
                           opt->flags & CS_OPT_SECRET ? "****" : value);
        break;
    case CS_OPT_STRING:
        break;
    }
    return 0;
}

static int s_set(slot_t *slot, const char *value, const char *origin, char *err, size_t errlen)
{
    if (s_check_value(slot->opt, value, origin, err, errlen) != 0)
        return -1;
    char *copy = strdup(value);
    if (!copy)
        return cs_fail(err, errlen, "out of memory");
    free(slot->value);
    slot->value = copy;
    slot->set = true;
    return 0;
}

/* NAME_FILE: the secret is the file's contents, without a trailing newline. */
static int s_read_value_file(slot_t *slot, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return cs_fail(err, errlen, "%s_FILE: cannot open '%s': %s", slot->opt->env, path,
                       strerror(errno));
    char *buf = malloc(SECRET_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, SECRET_FILE_MAX + 1, f) : 0;
    fclose(f);
    if (!buf)
        return cs_fail(err, errlen, "out of memory");
    if (n > SECRET_FILE_MAX) {
        free(buf);
        return cs_fail(err, errlen, "%s_FILE: '%s' is larger than %d bytes", slot->opt->env, path,
                       SECRET_FILE_MAX);
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = '\0';
    char origin[128];
    snprintf(origin, sizeof origin, "%s_FILE", slot->opt->env);
    int rc = s_set(slot, buf, origin, err, errlen);
    free(buf);
    return rc;
}

static int s_from_env(cs_config_t *self, char *err, size_t errlen)
{
    for (int i = 0; i < self->nslots; i++) {
        slot_t *slot = &self->slots[i];
        if (!slot->opt->env)
            continue;
        const char *value = getenv(slot->opt->env);
        if (value && *value) {
            if (s_set(slot, value, slot->opt->env, err, errlen) != 0)
                return -1;
            continue;
        }
        char filevar[128];
        snprintf(filevar, sizeof filevar, "%s_FILE", slot->opt->env);
        const char *path = getenv(filevar);
        if (path && *path && s_read_value_file(slot, path, err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* Whether a secret option's value is worth hiding: every secret is, except a database URL
   (or conninfo string) without a password. cs_log_redact() masks exactly those passwords. */
static bool s_holds_secret(const cs_option_t *opt, const char *value)
{
    if (!opt->env || strcmp(opt->env, "DATABASE_URL") != 0)
        return true;
    char buf[4096];
    if (strlen(value) >= sizeof buf)
        return true;
    cs_strlcpy(buf, value, sizeof buf);
    cs_log_redact(buf, sizeof buf);
    return strcmp(buf, value) != 0;
}

/* Overwrite a secret flag's value in argv, so `ps` and /proc/PID/cmdline no longer show it. */
static void s_wipe(char *value)
{
    size_t n = strlen(value);
    memset(value, '*', n > 4 ? 4 : n);
    if (n > 4)
        memset(value + 4, '\0', n - 4);
}

int cs_config_parse(cs_config_t *self, int argc, char **argv, bool allow_positional, char *err,
                    size_t errlen)
{
    free(self->positional);
    self->positional = calloc((size_t)(argc > 0 ? argc : 1), sizeof *self->positional);
    self->npositional = 0;
    if (!self->positional)
        return cs_fail(err, errlen, "out of memory");

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            cs_config_usage(self, stdout);
            return 1;
        }
        if (strcmp(argv[i], "--version") == 0) {
            cs_config_version(self, stdout);
            return 1;
        }
    }
    if (s_from_env(self, err, errlen) != 0)
        return -1;

    const cs_option_t *exposed[8]; /* secrets that were on the command line */
    int nexposed = 0;
    bool only_positional = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (only_positional || strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            if (!only_positional && strcmp(arg, "--") == 0) {
                only_positional = true;
                continue;
            }
            if (!allow_positional)
                return cs_fail(err, errlen, "unexpected argument '%s' (see --help)", arg);
            self->positional[self->npositional++] = argv[i];
            continue;
        }
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t namelen = eq ? (size_t)(eq - name) : strlen(name);
        slot_t *slot = s_find(self, name, namelen);
        if (!slot)
            return cs_fail(err, errlen, "unknown option '--%.*s' (see --help)", (int)namelen, name);
        char origin[96];
        snprintf(origin, sizeof origin, "--%s", slot->opt->name);
        const char *value;
        if (eq)
            value = eq + 1;
        else if (slot->opt->type == CS_OPT_FLAG)
            value = "true";
        else if (i + 1 < argc)
            value = argv[++i];
        else
            return cs_fail(err, errlen, "%s needs a value", origin);
        if (s_set(slot, value, origin, err, errlen) != 0)
            return -1;
        if ((slot->opt->flags & CS_OPT_SECRET) && s_holds_secret(slot->opt, slot->value)) {
            s_wipe(eq ? (char *)eq + 1 : argv[i]);
            if (nexposed < (int)CS_ARRAY_LEN(exposed))
                exposed[nexposed++] = slot->opt;
        }
    }

    for (int i = 0; i < self->nslots; i++) {
        slot_t *slot = &self->slots[i];
        if ((slot->opt->flags & CS_OPT_REQUIRED) && !slot->set) {
            if (slot->opt->env)
                return cs_fail(err, errlen, "--%s is required (or set %s)", slot->opt->name,
                               slot->opt->env);
            return cs_fail(err, errlen, "--%s is required", slot->opt->name);
        }
        if ((slot->opt->flags & CS_OPT_SECRET) && slot->value)
            cs_log_add_secret(slot->value);
    }
    if (cs_log_set_format(cs_config_str(self, "log-format")) != 0)
        return cs_fail(err, errlen, "--log-format: expected 'text' or 'json'");
    if (cs_log_set_level_name(cs_config_str(self, "log-level")) != 0)
        return cs_fail(err, errlen, "--log-level: expected debug, info, warning or error");
    for (int i = 0; i < nexposed; i++) {
        if (exposed[i]->env)
            cs_warn("--%s was given on the command line, where other users of this machine can "
                    "read it (ps) until the process wiped it at start: set %s or %s_FILE instead",
                    exposed[i]->name, exposed[i]->env, exposed[i]->env);
        else
            cs_warn("--%s was given on the command line, where other users of this machine can "
                    "read it (ps) until the process wiped it at start",
                    exposed[i]->name);
    }
    return 0;
}

const char *cs_version(void)
{
    return CALLSIFT_VERSION_STRING;
}

void cs_config_version(const cs_config_t *self, FILE *out)
{
    size_t n = strcspn(self->usage, " ");
    fprintf(out, "%.*s %s\n", (int)n, self->usage, cs_version());
}

static const slot_t *s_slot(const cs_config_t *self, const char *name)
{
    const slot_t *slot = s_find(self, name, strlen(name));
    if (!slot) {
        /* a programmer error: the option is not in the table */
        fprintf(stderr, "cs_config: no option named '%s'\n", name);
        abort();
    }
    return slot;
}

const char *cs_config_str(const cs_config_t *self, const char *name)
{
    const slot_t *slot = s_slot(self, name);
    return slot->value ? slot->value : slot->opt->dflt;
}

long long cs_config_int(const cs_config_t *self, const char *name)
{
    const char *v = cs_config_str(self, name);
    return v ? strtoll(v, NULL, 10) : 0;
}

double cs_config_double(const cs_config_t *self, const char *name)
{
    const char *v = cs_config_str(self, name);
    return v ? strtod(v, NULL) : 0.0;
}

bool cs_config_flag(const cs_config_t *self, const char *name)
{
    const char *v = cs_config_str(self, name);
    return v &&
           (strcasecmp(v, "1") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0);
}

bool cs_config_is_set(const cs_config_t *self, const char *name)
{
    return s_slot(self, name)->set;
}

int cs_config_positional_count(const cs_config_t *self)
{
    return self->npositional;
}

const char *cs_config_positional(const cs_config_t *self, int index)
{
    return index >= 0 && index < self->npositional ? self->positional[index] : NULL;
}

void cs_config_usage(const cs_config_t *self, FILE *out)
{
    fprintf(out, "Usage: %s\n", self->usage);
    if (self->summary)
        fprintf(out, "\n%s\n", self->summary);
    fprintf(out, "\nOptions (flags override environment variables):\n");
    for (int i = 0; i < self->nslots; i++) {
        const cs_option_t *o = self->slots[i].opt;
        char flag[96];
        snprintf(flag, sizeof flag, "--%s%s", o->name, o->type == CS_OPT_FLAG ? "" : " VALUE");
        fprintf(out, "  %-30s %s", flag, o->help);
        if (o->flags & CS_OPT_REQUIRED)
            fprintf(out, " (required)");
        fprintf(out, "\n");
        if (o->env || o->dflt) {
            fprintf(out, "  %-30s", "");
            if (o->env)
                fprintf(out, " env %s%s", o->env, o->flags & CS_OPT_SECRET ? " or " : "");
            if (o->env && (o->flags & CS_OPT_SECRET))
                fprintf(out, "%s_FILE", o->env);
            if (o->dflt && !(o->flags & CS_OPT_SECRET))
                fprintf(out, "%sdefault: %s", o->env ? "; " : " ", o->dflt);
            fprintf(out, "\n");
        }
    }
    fprintf(out, "  %-30s %s\n", "--help", "show this help and exit");
    fprintf(out, "  %-30s %s\n", "--version", "show the version and exit");
}
