/*  callsift: the operator CLI. Schema migrations, workspaces, themes and customers, and what
    product managers read: the ranked feature report, one feature with its calls and match
    decisions, and the calls with their processing status.

    `callsift GROUP VERB [OPTIONS]` (or a one-word command: `callsift migrate|report|calls
    [OPTIONS]`): main() finds the command in COMMANDS below, parses its own option table (so
    `callsift theme add --help` shows that command's flags and environment variables) and runs
    its handler, which lives in the module of its group (cs_cli_<group>.c). To add a command,
    write the handler and its option table there and add one line here. A command that names
    one thing (`callsift feature show ID`) takes it as its one argument or as the option of the
    same name (--id); main() checks that exactly one of them is given.

    Exit status: 0 done; 1 the command failed (the reason on stderr as one line
    "callsift: <reason>", secrets masked); 2 the command line was wrong (unknown command or
    option, missing required option). */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_cli_common.h"
#include "cs_cli_calls.h"
#include "cs_cli_customer.h"
#include "cs_cli_curate.h"
#include "cs_cli_feature.h"
#include "cs_cli_keys.h"
#include "cs_cli_migrate.h"
#include "cs_cli_report.h"
#include "cs_cli_review.h"
#include "cs_serve.h"
#include "cs_cli_theme.h"
#include "cs_cli_workspace.h"
#include "cs_config.h"
#include "cs_log.h"
#include "cs_util.h"

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

typedef struct {
    const char *group;          /* argv[1] */
    const char *verb;           /* argv[2], or NULL for a one-word command */
    cs_cli_handler_t run;       /* 0 done, -1 failed with the reason in cli->err */
    const cs_option_t *options; /* the command's flags and environment variables */
    const char *summary;        /* one line for `callsift --help` and the command's --help */
} command_t;

static const command_t COMMANDS[] = {
    {"migrate", NULL, cs_cli_migrate, cs_cli_migrate_options,
     "Apply the schema migrations this build knows (the writer does too, at start)."},
    {"workspace", "create", cs_cli_workspace_create, cs_cli_workspace_create_options,
     "Create a workspace with its default theme and Gong integration; print its id."},
    {"workspace", "list", cs_cli_workspace_list, cs_cli_workspace_list_options,
     "List workspaces with their counts of themes, customers, calls and features, and their LLM "
     "spend and monthly budget."},
    {"workspace", "set", cs_cli_workspace_set, cs_cli_workspace_set_options,
     "Change a workspace's settings: its time zone (--time-zone), its monthly LLM budget "
     "(--monthly-budget-usd)."},
    {"workspace", "domains", cs_cli_workspace_domains, cs_cli_workspace_domains_options,
     "List a workspace's own e-mail domains (--add, --remove edit them)."},
    {"theme", "add", cs_cli_theme_add, cs_cli_theme_add_options,
     "Add a theme to a workspace (running extractors pick it up); print its id."},
    {"theme", "list", cs_cli_theme_list, cs_cli_theme_list_options,
     "List a workspace's themes with how many features each holds."},
    {"customer", "add", cs_cli_customer_add, cs_cli_customer_add_options,
     "Add a customer to a workspace (a running fetcher picks it up); print its id."},
    {"customer", "list", cs_cli_customer_list, cs_cli_customer_list_options,
     "List a workspace's customers by MRR, highest first, with their calls."},
    {"report", NULL, cs_cli_report, cs_cli_report_options,
     "Rank a workspace's features by mentions, with customers, MRR and quotes."},
    {"feature", "show", cs_cli_feature_show, cs_cli_feature_show_options,
     "Show one feature with every call that mentions it and its match decisions."},
    {"feature", "merge", cs_cli_feature_merge, cs_cli_feature_merge_options,
     "Merge features (SOURCE_ID...) into one (--into TARGET_ID); unmerge undoes it."},
    {"feature", "unmerge", cs_cli_feature_unmerge, cs_cli_feature_unmerge_options,
     "Give a merged feature back its own mentions."},
    {"feature", "reject", cs_cli_feature_reject, cs_cli_feature_reject_options,
     "Hide a feature that is not a request to act on (--reason); later mentions stay hidden."},
    {"feature", "restore", cs_cli_feature_restore, cs_cli_feature_restore_options,
     "Bring a rejected feature back with the status it had."},
    {"feature", "rename", cs_cli_feature_rename, cs_cli_feature_rename_options,
     "Give a feature a new name (--name)."},
    {"feature", "move", cs_cli_feature_move, cs_cli_feature_move_options,
     "Move a feature to another theme (--theme)."},
    {"feature", "set-status", cs_cli_feature_set_status, cs_cli_feature_set_status_options,
     "Set a feature's status: ID new|under-review|planned|shipped."},
    {"feature", "describe", cs_cli_feature_describe, cs_cli_feature_describe_options,
     "Replace a feature's description (--description)."},
    {"feature", "split", cs_cli_feature_split, cs_cli_feature_split_options,
     "Move the mentions of some calls (--calls) to another feature (--into) or a new one "
     "(--name)."},
    {"feature", "history", cs_cli_feature_history, cs_cli_feature_history_options,
     "List who changed a feature, when and how."},
    {"feature", "undo", cs_cli_feature_undo, cs_cli_feature_undo_options,
     "Undo one change (ACTION_ID, from feature history)."},
    {"review", "list", cs_cli_review_list, cs_cli_review_list_options,
     "List the review queue: uncertain requests and matches, most valuable first."},
    {"review", "approve", cs_cli_review_approve, cs_cli_review_label_options,
     "Label review items as right, by id or in bulk by confidence band."},
    {"review", "reject", cs_cli_review_reject, cs_cli_review_label_options,
     "Label review items as wrong; a rejected request leaves its feature."},
    {"review", "stats", cs_cli_review_stats, cs_cli_review_stats_options,
     "Show how often people agreed with the machine, per method and confidence band."},
    {"review", "simulate", cs_cli_review_simulate, cs_cli_review_simulate_options,
     "Count the stored decisions another link threshold would flip."},
    {"calls", NULL, cs_cli_calls, cs_cli_calls_options,
     "List a workspace's calls, newest first, with their features and errors."},
    {"serve", NULL, cs_cli_serve, cs_cli_serve_options,
     "Serve the console: the ranked catalogue, trends and the review queue in a browser."},
    {"keys", "generate", cs_cli_keys_generate, cs_cli_keys_generate_options,
     "Write the CURVE certificates of a pipeline into DIR; print each stage's flags."},
};

/* The commands that name one thing, and the option their one argument stands for. */
static const struct {
    cs_cli_handler_t run;
    const char *option;
} OPERANDS[] = {
    {cs_cli_feature_show, "id"},
    {cs_cli_workspace_domains, "workspace-id"},
    {cs_cli_workspace_set, "workspace-id"},
    {cs_cli_keys_generate, "dir"},
};

/* The commands that take their arguments as they come (ids, a status, calls) and check them
   themselves. */
static const struct {
    cs_cli_handler_t run;
    const char *usage; /* what follows the command's name */
} FREE_ARGUMENTS[] = {
    {cs_cli_feature_merge, "SOURCE_ID... --into TARGET_ID"},
    {cs_cli_feature_unmerge, "SOURCE_ID"},
    {cs_cli_feature_reject, "ID --reason TEXT"},
    {cs_cli_feature_restore, "ID"},
    {cs_cli_feature_rename, "ID --name TEXT"},
    {cs_cli_feature_move, "ID --theme NAME"},
    {cs_cli_feature_set_status, "ID new|under-review|planned|shipped"},
    {cs_cli_feature_describe, "ID --description TEXT"},
    {cs_cli_feature_split, "ID --calls CALL_ID... (--into ID | --name TEXT)"},
    {cs_cli_feature_history, "ID"},
    {cs_cli_feature_undo, "ACTION_ID"},
    {cs_cli_review_approve, "[ITEM_ID...]"},
    {cs_cli_review_reject, "[ITEM_ID...]"},
};

/* The commands whose --help says more than their summary. */
static const struct {
    cs_cli_handler_t run;
    const char *details;
} DETAILS[] = {
    {cs_cli_serve, CS_SERVE_DETAILS},
};

/* What a command's --help says above its options. */
static const char *s_details(const command_t *cmd)
{
    for (size_t i = 0; i < CS_ARRAY_LEN(DETAILS); i++)
        if (DETAILS[i].run == cmd->run)
            return DETAILS[i].details;
    return cmd->summary;
}

/* What a command that takes its arguments as they come shows after its name, or NULL. */
static const char *s_free_arguments(const command_t *cmd)
{
    for (size_t i = 0; i < CS_ARRAY_LEN(FREE_ARGUMENTS); i++)
        if (FREE_ARGUMENTS[i].run == cmd->run)
            return FREE_ARGUMENTS[i].usage;
    return NULL;
}

/* A wrong URL should fail within seconds, not wait out the kernel's TCP timeout. */
#define CONNECT_TIMEOUT_S "5"

static bool s_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 || strcmp(arg, "help") == 0;
}

/* The commands of `group` (all when NULL), one line each. */
static void s_overview(FILE *out, const char *group)
{
    fprintf(out, "Usage: callsift %s%sCOMMAND [OPTIONS]\n\n", group ? group : "", group ? " " : "");
    fprintf(out, "The callsift operator CLI: schema migrations, workspaces, themes, customers "
                 "and the feature report.\n\nCommands:\n");
    for (size_t i = 0; i < CS_ARRAY_LEN(COMMANDS); i++) {
        const command_t *c = &COMMANDS[i];
        if (group && strcmp(group, c->group) != 0)
            continue;
        char name[64];
        snprintf(name, sizeof name, "%s %s", c->group, c->verb ? c->verb : "");
        fprintf(out, "  %-20s %s\n", name, c->summary);
    }
    fprintf(out, "\nEvery command takes --database-url (env DATABASE_URL or DATABASE_URL_FILE).\n"
                 "'callsift COMMAND --help' shows the options of a command.\n");
}

/* "add or list": the verbs of a group, for error messages. */
static void s_verbs(const char *group, char *out, size_t outlen)
{
    size_t n = 0, count = 0, len = 0;
    for (size_t i = 0; i < CS_ARRAY_LEN(COMMANDS); i++)
        count += strcmp(COMMANDS[i].group, group) == 0;
    out[0] = '\0';
    for (size_t i = 0; i < CS_ARRAY_LEN(COMMANDS) && len < outlen; i++) {
        if (strcmp(COMMANDS[i].group, group) != 0)
            continue;
        n++;
        const char *sep = n == 1 ? "" : n == count ? " or " : ", ";
        int w = snprintf(out + len, outlen - len, "%s%s", sep, COMMANDS[i].verb);
        len += w > 0 ? (size_t)w : 0;
    }
}

/* The command named by argv[1] (and argv[2]), or NULL after printing why (or the group's
   help, with *status 0). */
static const command_t *s_find(int argc, char **argv, int *status)
{
    const char *group = argv[1], *verb = argc > 2 ? argv[2] : NULL;
    bool group_known = false;
    for (size_t i = 0; i < CS_ARRAY_LEN(COMMANDS); i++) {
        const command_t *c = &COMMANDS[i];
        if (strcmp(c->group, group) != 0)
            continue;
        group_known = true;
        if (!c->verb || (verb && strcmp(c->verb, verb) == 0))
            return c;
    }
    *status = EXIT_USAGE;
    if (!group_known) {
        fprintf(stderr, "callsift: unknown command '%.64s' (see callsift --help)\n", group);
        return NULL;
    }
    if (verb && s_is_help(verb)) {
        s_overview(stdout, group);
        *status = EXIT_OK;
        return NULL;
    }
    char verbs[128];
    s_verbs(group, verbs, sizeof verbs);
    if (verb && verb[0] != '-')
        fprintf(stderr, "callsift: unknown command '%s %.64s': %s takes %s (see callsift --help)\n",
                group, verb, group, verbs);
    else
        fprintf(stderr, "callsift: '%s' needs a command: %s (see callsift --help)\n", group, verbs);
    return NULL;
}

/* Run a command whose options parsed: 0, or 1 after printing the reason. */
static int s_execute(const command_t *cmd, const cs_config_t *cfg)
{
    /* the reason of a failure is the one line on stderr: log lines only when asked for */
    if (!cs_config_is_set(cfg, "log-level"))
        cs_log_set_level(CS_LOG_ERROR);
    cs_cli_t cli;
    cs_cli_init(&cli, cfg, stdout);
    int status = EXIT_OK;
    if (cmd->run(&cli) != 0) {
        cs_log_redact(cli.err, sizeof cli.err);
        fprintf(stderr, "callsift: %s\n", cli.err);
        status = EXIT_FAILED;
    } else if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "callsift: cannot write output: %s\n", strerror(errno));
        status = EXIT_FAILED;
    }
    cs_cli_close(&cli);
    return status;
}

/* The option the command's one argument stands for, or NULL when it takes none. */
static const char *s_operand(const command_t *cmd)
{
    for (size_t i = 0; i < CS_ARRAY_LEN(OPERANDS); i++)
        if (OPERANDS[i].run == cmd->run)
            return OPERANDS[i].option;
    return NULL;
}

/* A command with operand `name` (NULL: none; `shown` its name in capitals) got it exactly once,
   as its argument or as its option: 0, or -1 with the reason in err. */
static int s_check_operand(const cs_config_t *cfg, const char *name, const char *shown, char *err,
                           size_t errlen)
{
    int n = cs_config_positional_count(cfg);
    if (!name)
        return 0;
    if (n > 1)
        return cs_fail(err, errlen, "unexpected argument '%s' (see --help)",
                       cs_config_positional(cfg, 1));
    if (n == 1 && cs_config_is_set(cfg, name))
        return cs_fail(err, errlen, "%s given twice: as the argument and as --%s", shown, name);
    if (n == 0 && !cs_config_is_set(cfg, name))
        return cs_fail(err, errlen, "%s is required: the argument or --%s (see --help)", shown,
                       name);
    return 0;
}

/* Parse the command's options from argv (argv[0] is the command's last word) and run it. */
static int s_run(const command_t *cmd, int argc, char **argv)
{
    const char *name = s_operand(cmd);
    char usage[128], shown[16] = ""; /* the operand in capitals: "ID" */
    for (size_t i = 0; name && name[i] && i + 1 < sizeof shown; i++) {
        shown[i] = (char)toupper((unsigned char)name[i]);
        shown[i + 1] = '\0';
    }
    snprintf(usage, sizeof usage, "callsift %s%s%s%s%s [OPTIONS]", cmd->group, cmd->verb ? " " : "",
             cmd->verb ? cmd->verb : "", name ? " " : "", shown);
    const char *free_args = s_free_arguments(cmd);
    if (free_args)
        snprintf(usage, sizeof usage, "callsift %s %s %s [OPTIONS]", cmd->group, cmd->verb,
                 free_args);
    cs_config_t *cfg = cs_config_new(usage, s_details(cmd), cmd->options);
    if (!cfg) {
        fprintf(stderr, "callsift: out of memory\n");
        return EXIT_FAILED;
    }
    char err[1024];
    int rc = cs_config_parse(cfg, argc, argv, name != NULL || free_args, err, sizeof err);
    if (rc == 0)
        rc = s_check_operand(cfg, name, shown, err, sizeof err);
    int status = EXIT_OK; /* rc 1: --help was printed */
    if (rc < 0) {
        cs_log_redact(err, sizeof err);
        fprintf(stderr, "callsift: %s\n", err);
        status = EXIT_USAGE;
    } else if (rc == 0) {
        status = s_execute(cmd, cfg);
    }
    cs_config_destroy(&cfg);
    cs_log_reset();
    return status;
}

int main(int argc, char **argv)
{
    cs_log_init("cli");
    setenv("PGCONNECT_TIMEOUT", CONNECT_TIMEOUT_S, 0); /* a connect_timeout in the URL wins */
    if (argc < 2) {
        s_overview(stderr, NULL);
        return EXIT_USAGE;
    }
    if (s_is_help(argv[1])) {
        s_overview(stdout, NULL);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("callsift %s\n", cs_version());
        return EXIT_OK;
    }
    int status = EXIT_USAGE;
    const command_t *cmd = s_find(argc, argv, &status);
    if (!cmd)
        return status;
    /* the parser skips its argv[0]: make that the command's last word */
    int words = cmd->verb ? 2 : 1;
    return s_run(cmd, argc - words, argv + words);
}
