#include "cs_cli_curate.h"

#include <ctype.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cs_curate.h"
#include "cs_util.h"

#define OPT_BY                                                                                     \
    {                                                                                              \
        "by", "CALLSIFT_BY", CS_OPT_STRING, NULL,                                                  \
            "who makes the change, for the audit trail (default: the login user)", 0               \
    }

const cs_option_t cs_cli_feature_merge_options[] = {
    {"into", NULL, CS_OPT_STRING, NULL, "the feature that takes the mentions", CS_OPT_REQUIRED},
    OPT_BY,
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};
const cs_option_t cs_cli_feature_unmerge_options[] = {OPT_BY, CS_CLI_OPT_DATABASE_URL,
                                                      CS_CLI_OPT_END};
const cs_option_t cs_cli_feature_reject_options[] = {
    {"reason", NULL, CS_OPT_STRING, NULL, "why it is not a feature request to act on",
     CS_OPT_REQUIRED},
    OPT_BY,
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};
const cs_option_t cs_cli_feature_restore_options[] = {OPT_BY, CS_CLI_OPT_DATABASE_URL,
                                                      CS_CLI_OPT_END};
const cs_option_t cs_cli_feature_rename_options[] = {
    {"name", NULL, CS_OPT_STRING, NULL, "the new name", CS_OPT_REQUIRED},
    OPT_BY,
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};
const cs_option_t cs_cli_feature_move_options[] = {
    {"theme", NULL, CS_OPT_STRING, NULL, "the theme to move it to (its name, any case)",
     CS_OPT_REQUIRED},
    OPT_BY,
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};
const cs_option_t cs_cli_feature_set_status_options[] = {OPT_BY, CS_CLI_OPT_DATABASE_URL,
                                                         CS_CLI_OPT_END};
const cs_option_t cs_cli_feature_describe_options[] = {
    {"description", NULL, CS_OPT_STRING, NULL, "the new description (may be empty)",
     CS_OPT_REQUIRED},
    OPT_BY,
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};
const cs_option_t cs_cli_feature_split_options[] = {
    {"calls", NULL, CS_OPT_STRING, NULL,
     "the calls (Gong call ids) whose mentions move: after --calls, or comma-separated",
     CS_OPT_REQUIRED},
    {"into", NULL, CS_OPT_STRING, NULL, "move them to this feature", 0},
    {"name", NULL, CS_OPT_STRING, NULL, "move them to a new feature of this name", 0},
    OPT_BY,
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};
const cs_option_t cs_cli_feature_undo_options[] = {OPT_BY, CS_CLI_OPT_DATABASE_URL, CS_CLI_OPT_END};
const cs_option_t cs_cli_feature_history_options[] = {
    CS_CLI_OPT_FORMAT,
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};

int cs_cli_by(cs_cli_t *cli, char *out, size_t outlen)
{
    if (cs_config_is_set(cli->cfg, "by"))
        return cs_cli_text(cli, "by", 200, false, out, outlen);
    struct passwd *pw = getpwuid(geteuid());
    const char *name = pw && pw->pw_name && pw->pw_name[0] ? pw->pw_name : getenv("USER");
    if (!name || !name[0])
        return cs_cli_fail(cli, "cannot tell who you are: give --by NAME");
    cs_strlcpy(out, name, outlen);
    return 0;
}

/* The curation handle on the command's connection, with --by. */
static int s_curate(cs_cli_t *cli, cs_curate_t *c, char *by, size_t bylen)
{
    memset(c, 0, sizeof *c);
    if (cs_cli_by(cli, by, bylen) != 0)
        return -1;
    c->by = by;
    c->db = cs_cli_db(cli);
    return c->db ? 0 : -1;
}

/* The result of a cs_curate call as the command's: 0, or -1 with its reason. */
static int s_done(cs_cli_t *cli, const cs_curate_t *c, int rc)
{
    if (rc == CS_CURATE_OK)
        return 0;
    return cs_cli_fail(cli, "%s", c->err[0] ? c->err : "the change failed");
}

/* The lower-cased UUID of argument `index` (or of option `option` when index < 0). */
static int s_id(cs_cli_t *cli, int index, const char *option, char out[CS_UUID_LEN])
{
    const char *given =
        index >= 0 ? cs_config_positional(cli->cfg, index) : cs_config_str(cli->cfg, option);
    if (!given || !cs_uuid_valid(given))
        return cs_cli_fail(cli, "'%.64s' is not a feature id (a UUID, see callsift report)",
                           given ? given : "");
    for (int i = 0; i < CS_UUID_LEN; i++)
        out[i] = (char)tolower((unsigned char)given[i]);
    return 0;
}

/* Exactly `want` arguments (named `shown` in the message). */
static int s_args(cs_cli_t *cli, int want, const char *shown)
{
    int n = cs_config_positional_count(cli->cfg);
    if (n < want)
        return cs_cli_fail(cli, "%s is required (see --help)", shown);
    if (n > want)
        return cs_cli_fail(cli, "unexpected argument '%.64s' (see --help)",
                           cs_config_positional(cli->cfg, want));
    return 0;
}

/* "'Name' (id)" of a feature, for the messages; "" when it cannot be read. */
static void s_named(cs_cli_t *cli, const char *id, char *out, size_t outlen)
{
    const char *params[] = {id};
    PGresult *res = cs_cli_exec(cli,
                                "SELECT '''' || name || ''' (' || id || ', ' || mention_count"
                                " || CASE mention_count WHEN 1 THEN ' mention)'"
                                " ELSE ' mentions)' END FROM features WHERE id = $1",
                                1, params);
    out[0] = '\0';
    if (res && PQntuples(res) == 1)
        cs_strlcpy(out, PQgetvalue(res, 0, 0), outlen);
    PQclear(res);
}

int cs_cli_feature_merge(cs_cli_t *cli)
{
    int n = cs_config_positional_count(cli->cfg);
    if (n == 0)
        return cs_cli_fail(cli, "name the features to merge: SOURCE_ID... --into TARGET_ID");
    char target[CS_UUID_LEN];
    if (s_id(cli, -1, "into", target) != 0)
        return -1;
    char(*ids)[CS_UUID_LEN] = calloc((size_t)n, CS_UUID_LEN);
    const char **sources = calloc((size_t)n, sizeof *sources);
    int rc = ids && sources ? 0 : cs_cli_fail(cli, "out of memory");
    for (int i = 0; i < n && rc == 0; i++) {
        rc = s_id(cli, i, NULL, ids[i]);
        sources[i] = ids[i];
    }
    cs_curate_t c;
    char by[1024];
    if (rc == 0)
        rc = s_curate(cli, &c, by, sizeof by);
    if (rc == 0)
        rc = s_done(cli, &c, cs_curate_merge(&c, sources, (size_t)n, target));
    if (rc == 0) {
        char named[1024];
        s_named(cli, target, named, sizeof named);
        fprintf(cli->out, "Merged %d %s into %s.\n", n, n == 1 ? "feature" : "features", named);
        for (int i = 0; i < n; i++)
            fprintf(cli->out, "Undo: callsift feature unmerge %s\n", ids[i]);
    }
    free(ids);
    free(sources);
    return rc;
}

int cs_cli_feature_unmerge(cs_cli_t *cli)
{
    char id[CS_UUID_LEN], by[1024];
    cs_curate_t c;
    if (s_args(cli, 1, "SOURCE_ID") != 0 || s_id(cli, 0, NULL, id) != 0 ||
        s_curate(cli, &c, by, sizeof by) != 0)
        return -1;
    char from[CS_UUID_LEN] = "";
    const char *params[] = {id};
    PGresult *res = cs_cli_exec(cli, "SELECT merged_into FROM features WHERE id = $1", 1, params);
    if (res && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
        cs_strlcpy(from, PQgetvalue(res, 0, 0), sizeof from);
    PQclear(res);
    if (s_done(cli, &c, cs_curate_unmerge(&c, id)) != 0)
        return -1;
    char named[1024], target[1024];
    s_named(cli, id, named, sizeof named);
    s_named(cli, from, target, sizeof target);
    fprintf(cli->out, "Unmerged %s from %s.\n", named, target);
    return 0;
}

/* A change to one feature: ID and, when `option` is not NULL, its text (at most max
   characters; empty allowed with allow_empty), or the second argument when `second` is set.
   Runs edit(handle, id, value) and leaves "'Name' (id, N mentions)" in named. 0, or -1 with
   the reason in cli->err. */
typedef int (*edit_fn)(cs_curate_t *c, const char *id, const char *value);
static int s_edit(cs_cli_t *cli, const char *option, size_t max, bool allow_empty, bool second,
                  edit_fn edit, char id[CS_UUID_LEN], char *named, size_t namedlen)
{
    char by[1024], value[20001] = "";
    cs_curate_t c;
    if (s_args(cli, second ? 2 : 1, second ? "ID and STATUS" : "ID") != 0 ||
        s_id(cli, 0, NULL, id) != 0 ||
        (option && cs_cli_text(cli, option, max, allow_empty, value, sizeof value) != 0) ||
        s_curate(cli, &c, by, sizeof by) != 0)
        return -1;
    if (second)
        cs_strlcpy(value, cs_config_positional(cli->cfg, 1), sizeof value);
    if (s_done(cli, &c, edit(&c, id, option || second ? value : NULL)) != 0)
        return -1;
    s_named(cli, id, named, namedlen);
    return 0;
}

static int s_restore(cs_curate_t *c, const char *id, const char *unused)
{
    (void)unused;
    return cs_curate_restore(c, id);
}

int cs_cli_feature_reject(cs_cli_t *cli)
{
    char id[CS_UUID_LEN], named[1024];
    if (s_edit(cli, "reason", 1000, false, false, cs_curate_reject, id, named, sizeof named) != 0)
        return -1;
    fprintf(cli->out,
            "Rejected %s: hidden from reports; mentions of it stay linked to it.\n"
            "Undo: callsift feature restore %s\n",
            named, id);
    return 0;
}

int cs_cli_feature_restore(cs_cli_t *cli)
{
    char id[CS_UUID_LEN], named[1024];
    if (s_edit(cli, NULL, 0, false, false, s_restore, id, named, sizeof named) != 0)
        return -1;
    fprintf(cli->out, "Restored %s.\n", named);
    return 0;
}

int cs_cli_feature_rename(cs_cli_t *cli)
{
    char id[CS_UUID_LEN], named[1024];
    if (s_edit(cli, "name", 300, false, false, cs_curate_rename, id, named, sizeof named) != 0)
        return -1;
    fprintf(cli->out, "Renamed: %s.\n", named);
    return 0;
}

int cs_cli_feature_move(cs_cli_t *cli)
{
    char id[CS_UUID_LEN], named[1024];
    if (s_edit(cli, "theme", 200, false, false, cs_curate_move, id, named, sizeof named) != 0)
        return -1;
    const char *params[] = {id};
    PGresult *res = cs_cli_exec(
        cli, "SELECT t.name FROM features f JOIN themes t ON t.id = f.theme_id WHERE f.id = $1", 1,
        params);
    fprintf(cli->out, "Moved %s to theme '%s'.\n", named,
            res && PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : cs_config_str(cli->cfg, "theme"));
    PQclear(res);
    return 0;
}

int cs_cli_feature_set_status(cs_cli_t *cli)
{
    char id[CS_UUID_LEN], named[1024];
    if (s_edit(cli, NULL, 0, false, true, cs_curate_set_status, id, named, sizeof named) != 0)
        return -1;
    fprintf(cli->out, "Status of %s: %s.\n", named, cs_config_positional(cli->cfg, 1));
    return 0;
}

int cs_cli_feature_describe(cs_cli_t *cli)
{
    char id[CS_UUID_LEN], named[1024];
    if (s_edit(cli, "description", 5000, true, false, cs_curate_describe, id, named,
               sizeof named) != 0)
        return -1;
    fprintf(cli->out, "Described %s.\n", named);
    return 0;
}

/* The calls of `split`: --calls (comma-separated) and the arguments after the feature id. */
static int s_split_calls(cs_cli_t *cli, char **buf, const char ***calls, size_t *n)
{
    const char *opt = cs_config_str(cli->cfg, "calls");
    int extra = cs_config_positional_count(cli->cfg) - 1;
    size_t total = strlen(opt ? opt : "") + 2;
    for (int i = 1; i <= extra; i++)
        total += strlen(cs_config_positional(cli->cfg, i)) + 1;
    *buf = malloc(total);
    *calls = calloc(total, sizeof **calls);
    *n = 0;
    if (!*buf || !*calls)
        return cs_cli_fail(cli, "out of memory");
    char *p = *buf;
    for (int i = 0; i <= extra; i++) {
        const char *src = i == 0 ? opt : cs_config_positional(cli->cfg, i);
        strcpy(p, src ? src : "");
        for (char *tok = strtok(p, ", "); tok; tok = strtok(NULL, ", "))
            (*calls)[(*n)++] = tok;
        p += strlen(src ? src : "") + 1;
    }
    return 0;
}

int cs_cli_feature_split(cs_cli_t *cli)
{
    char id[CS_UUID_LEN], into[CS_UUID_LEN], by[1024], name[1201] = "";
    if (cs_config_positional_count(cli->cfg) < 1)
        return cs_cli_fail(cli, "ID is required (see --help)");
    if (s_id(cli, 0, NULL, id) != 0)
        return -1;
    bool has_into = cs_config_is_set(cli->cfg, "into");
    if (has_into && s_id(cli, -1, "into", into) != 0)
        return -1;
    if (cs_config_is_set(cli->cfg, "name") &&
        cs_cli_text(cli, "name", 300, false, name, sizeof name) != 0)
        return -1;
    char *buf = NULL;
    const char **calls = NULL;
    size_t n = 0;
    cs_curate_t c;
    char target[CS_UUID_LEN] = "";
    int rc = s_split_calls(cli, &buf, &calls, &n);
    if (rc == 0)
        rc = s_curate(cli, &c, by, sizeof by);
    if (rc == 0)
        rc = s_done(cli, &c,
                    cs_curate_split(&c, id, calls, n, has_into ? into : NULL,
                                    cs_config_is_set(cli->cfg, "name") ? name : NULL, target));
    if (rc == 0) {
        char from[1024], to[1024];
        s_named(cli, id, from, sizeof from);
        s_named(cli, target, to, sizeof to);
        fprintf(cli->out, "Moved the mentions of %zu %s from %s to %s.\n", n,
                n == 1 ? "call" : "calls", from, to);
    }
    free(buf);
    free(calls);
    return rc;
}

const char cs_cli_history_sql[] =
    "SELECT a.id, to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    " a.by_name, a.action, CASE WHEN a.feature_id = $1 THEN '' ELSE a.feature_id::text END,"
    " CASE a.action"
    "  WHEN 'merge' THEN CASE WHEN a.feature_id = $1 THEN 'merged into ' || (a.arguments->>"
    "   'into_name') || ' (' || (a.arguments->>'into') || ')' ELSE 'merged ''' || f.name ||"
    "   ''' into this' END || ': links moved: ' || (a.changes->>'links_moved')"
    "   || coalesce('; alike by similarity ' || (a.arguments->>'fused'), '')"
    "  WHEN 'unmerge' THEN CASE WHEN a.feature_id = $1 THEN 'unmerged from '"
    "   || (a.arguments->>'from') ELSE '''' || f.name || ''' unmerged from this' END"
    "   || ': links back: ' || (a.changes->>'links_back')"
    "  WHEN 'reject' THEN 'rejected: ' || (a.arguments->>'reason')"
    "  WHEN 'restore' THEN 'restored as ' || (a.changes #>> '{status,after}')"
    "  WHEN 'rename' THEN 'renamed from ''' || (a.changes #>> '{name,before}') || ''' to '''"
    "   || (a.changes #>> '{name,after}') || ''''"
    "  WHEN 'move' THEN 'moved from theme ''' || (a.changes #>> '{theme,before}') || ''' to '''"
    "   || (a.changes #>> '{theme,after}') || ''''"
    "  WHEN 'set-status' THEN 'status ' || (a.changes #>> '{status,before}') || ' -> '"
    "   || (a.changes #>> '{status,after}')"
    "  WHEN 'describe' THEN 'description edited'"
    "  WHEN 'split' THEN 'mentions of ' || jsonb_array_length(a.arguments->'calls')"
    "   || ' call(s) moved to ' || (a.arguments->>'into_name') || ' (' || (a.arguments->>'into')"
    "   || ')'"
    "  WHEN 'detach' THEN 'mention of message ' || (a.arguments->>'message_id') || ' taken off'"
    "  WHEN 'attach' THEN 'mention of message ' || (a.arguments->>'message_id') || ' put back'"
    "  ELSE a.action END,"
    " a.undone_by"
    " FROM curation_actions a JOIN features f ON f.id = a.feature_id"
    " WHERE a.feature_id = $1"
    " OR (a.action IN ('merge', 'split') AND a.arguments->>'into' = $1::text)"
    " OR (a.action = 'unmerge' AND a.arguments->>'from' = $1::text)"
    " ORDER BY a.id";
const cs_cli_column_t cs_cli_history_columns[CS_CLI_HISTORY_COLUMNS] = {
    {"action_id", CS_CLI_COL_INT}, {"at", CS_CLI_COL_TEXT},      {"by", CS_CLI_COL_TEXT},
    {"action", CS_CLI_COL_TEXT},   {"feature", CS_CLI_COL_TEXT}, {"what", CS_CLI_COL_TEXT},
    {"undone_by", CS_CLI_COL_INT},
};

int cs_cli_feature_history(cs_cli_t *cli)
{
    char id[CS_UUID_LEN];
    cs_cli_format_t fmt;
    if (s_args(cli, 1, "ID") != 0 || s_id(cli, 0, NULL, id) != 0 || cs_cli_format(cli, &fmt) != 0)
        return -1;
    const char *params[] = {id};
    PGresult *res = cs_cli_exec(cli, "SELECT 1 FROM features WHERE id = $1", 1, params);
    if (!res)
        return -1;
    int found = PQntuples(res);
    PQclear(res);
    if (!found)
        return cs_cli_fail(cli, "no feature with id %s", id);
    return cs_cli_list(cli, fmt, cs_cli_history_columns, CS_CLI_HISTORY_COLUMNS, cs_cli_history_sql,
                       1, params);
}

int cs_cli_feature_undo(cs_cli_t *cli)
{
    char by[1024], action[16] = "";
    if (s_args(cli, 1, "ACTION_ID") != 0)
        return -1;
    const char *given = cs_config_positional(cli->cfg, 0);
    char *end = NULL;
    long long id = strtoll(given, &end, 10);
    if (!given[0] || *end || id <= 0)
        return cs_cli_fail(
            cli, "'%.64s' is not a curation action id (see callsift feature history)", given);
    cs_curate_t c;
    if (s_curate(cli, &c, by, sizeof by) != 0 ||
        s_done(cli, &c, cs_curate_undo(&c, id, action, sizeof action)) != 0)
        return -1;
    fprintf(cli->out, "Undid action %lld (%s) with action %lld.\n", id, action, c.action_id);
    return 0;
}
