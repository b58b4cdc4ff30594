/*  cs_cli_workspace: `callsift workspace create`, `callsift workspace list`,
    `callsift workspace set` and `callsift workspace domains`.

    A workspace is born complete: with its default theme (CS_DEFAULT_THEME_NAME of cs_record.h,
    where the extractor files requests that fit no other theme) and its Gong integration, in one
    transaction.

    Its time zone (workspaces.time_zone, UTC unless told) is an IANA name that PostgreSQL's own
    zone database knows (pg_timezone_names; any case, stored as the database spells it): the
    report, `callsift calls`, `feature show` and the console show the days of calls in it, and
    the dates people type without an offset (--since, the console's from/to, the fetcher's
    --from/--to) are read in it. An unknown name is refused before anything changes. */
#ifndef CS_CLI_WORKSPACE_H
#define CS_CLI_WORKSPACE_H

#include "cs_cli_common.h"

extern const cs_option_t cs_cli_workspace_create_options[];
extern const cs_option_t cs_cli_workspace_list_options[];
extern const cs_option_t cs_cli_workspace_domains_options[];
extern const cs_option_t cs_cli_workspace_set_options[];

/* Create the workspace --name (unique regardless of case) with its default theme and
   integration, in --time-zone (default UTC); print only the new id on cli->out, for scripts to
   capture. */
int cs_cli_workspace_create(cs_cli_t *cli);

/* Every workspace with its counts of themes, customers, calls and features, its time zone and
   its vendor domains, oldest first. */
int cs_cli_workspace_list(cs_cli_t *cli);

/* Change the workspace's settings: --time-zone (the only one so far; giving none is an error).
   The workspace is the one argument or --workspace-id. Prints "NAME: time zone ZONE". */
int cs_cli_workspace_set(cs_cli_t *cli);

/* The workspace's vendor domains (cs_vendor.h: e-mail domains whose people speak for the
   vendor), sorted, one row each; --add and --remove edit them first (host names, separated by
   commas or blanks, lower-cased by cs_text_domain; a free-mail domain is refused on --add; at
   most CS_VENDOR_MAX_DOMAINS in all), in one transaction whose update takes the union with
   what is stored when it runs, so a fetcher learning domains at the same time keeps its own.
   The workspace is the one argument or --workspace-id. */
int cs_cli_workspace_domains(cs_cli_t *cli);

#endif
