#include "cs_cli_customer.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "cs_cli_table.h"
#include "cs_text.h"
#include "cs_util.h"

#define CUSTOMER_NAME_MAX 300 /* as the schema's CHECK says */
#define DOMAIN_MAX        253 /* the longest DNS name */
#define MRR_INT_DIGITS    12  /* numeric(14, 2) */

const cs_option_t cs_cli_customer_add_options[] = {
    CS_CLI_OPT_WORKSPACE_ID,
    {"name", NULL, CS_OPT_STRING, NULL,
     "customer name (unique in the workspace, regardless of case)", CS_OPT_REQUIRED},
    {"domain", NULL, CS_OPT_STRING, NULL,
     "e-mail domain of the customer's people, e.g. acme.com (lower-cased, without www. or @)", 0},
    {"mrr", NULL, CS_OPT_STRING, "0", "monthly recurring revenue, e.g. 1200 or 99.50", 0},
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};

const cs_option_t cs_cli_customer_list_options[] = {
    CS_CLI_OPT_WORKSPACE_ID,
    CS_CLI_OPT_FORMAT,
    CS_CLI_OPT_DATABASE_URL,
    CS_CLI_OPT_END,
};

int cs_cli_customer_check_mrr(const char *text, char *err, size_t errlen)
{
    static const char DIGITS[] = "0123456789";
    const char *p = text;
    while (p[0] == '0' && isdigit((unsigned char)p[1]))
        p++; /* leading zeros do not count towards the limit */
    size_t whole = strspn(p, DIGITS);
    const char *rest = p + whole;
    bool ok = whole > 0;
    if (ok && *rest == '.') {
        size_t cents = strspn(rest + 1, DIGITS);
        ok = cents >= 1 && cents <= 2;
        rest += 1 + cents;
    }
    if (!ok || *rest != '\0')
        return cs_fail(err, errlen,
                       "--mrr: '%.40s' is not an amount (a non-negative number with at most 2 "
                       "decimals, such as 1200 or 99.50)",
                       text);
    if (whole > MRR_INT_DIGITS)
        return cs_fail(err, errlen, "--mrr: '%.40s' is too large (at most 999999999999.99)", text);
    return 0;
}

int cs_cli_customer_domain(const char *text, char *out, size_t outlen, char *err, size_t errlen)
{
    if (outlen == 0)
        return cs_fail(err, errlen, "--domain: no room");
    out[0] = '\0';
    const char *d = text[0] == '@' ? text + 1 : text;
    if (!text[0])
        return 0;
    char canon[CS_TEXT_DOMAIN_SIZE];
    if (cs_text_domain(d, strlen(d), canon) != 0)
        return cs_fail(err, errlen, "--domain: '%.64s' is not a domain name (such as acme.com)",
                       text);
    if (cs_strlcpy(out, canon, outlen) != 0)
        return cs_fail(err, errlen, "--domain is longer than %d characters", DOMAIN_MAX);
    return 0;
}

/* After a unique violation: say which customer is in the way. */
static int s_duplicate(cs_cli_t *cli, const char *workspace_id, const char *name,
                       const char *domain)
{
    const char *params[] = {workspace_id, name, domain};
    PGresult *res = cs_cli_exec(cli,
                                "SELECT name, lower(name) = lower($2) FROM customers"
                                " WHERE workspace_id = $1"
                                " AND (lower(name) = lower($2) OR lower(domain) = lower($3))"
                                " ORDER BY 2 DESC LIMIT 1",
                                3, params);
    if (res && PQntuples(res) == 1 && PQgetvalue(res, 0, 1)[0] == 't')
        cs_cli_fail(cli, "workspace %s already has a customer named '%s'", workspace_id, name);
    else if (res && PQntuples(res) == 1)
        cs_cli_fail(cli, "workspace %s already has a customer with domain '%s' ('%s')",
                    workspace_id, domain, PQgetvalue(res, 0, 0));
    else
        cs_cli_fail(cli, "workspace %s already has a customer named '%s' or with domain '%s'",
                    workspace_id, name, domain ? domain : "");
    PQclear(res);
    return -1;
}

int cs_cli_customer_add(cs_cli_t *cli)
{
    char workspace_id[CS_UUID_LEN], name[4 * CUSTOMER_NAME_MAX + 1];
    char raw_domain[4 * DOMAIN_MAX + 1], domain[CS_TEXT_DOMAIN_SIZE];
    const char *mrr = cs_config_str(cli->cfg, "mrr");
    if (cs_cli_workspace_id(cli, workspace_id) != 0 ||
        cs_cli_text(cli, "name", CUSTOMER_NAME_MAX, false, name, sizeof name) != 0 ||
        cs_cli_text(cli, "domain", DOMAIN_MAX, true, raw_domain, sizeof raw_domain) != 0 ||
        cs_cli_customer_domain(raw_domain, domain, sizeof domain, cli->err, sizeof cli->err) ||
        cs_cli_customer_check_mrr(mrr, cli->err, sizeof cli->err) != 0)
        return -1;
    char customer_id[CS_UUID_LEN];
    cs_uuid_v4(customer_id);
    const char *customer[] = {customer_id, workspace_id, name, domain[0] ? domain : NULL, mrr};
    const char *notify[] = {workspace_id};

    if (cs_cli_begin(cli) != 0)
        return -1;
    if (cs_cli_workspace_exists(cli, workspace_id) ||
        cs_cli_command(cli,
                       "INSERT INTO customers (id, workspace_id, name, domain, mrr, mrr_source,"
                       " mrr_as_of) VALUES ($1, $2, $3, $4, $5,"
                       " CASE WHEN $5::numeric > 0 THEN 'operator' END,"
                       " CASE WHEN $5::numeric > 0 THEN now() END)",
                       5, customer) ||
        cs_cli_command(cli, "SELECT pg_notify('callsift_customers', $1)", 1, notify) ||
        cs_cli_commit(cli)) {
        cs_cli_rollback(cli);
        if (strcmp(cs_cli_sqlstate(cli), "23505") == 0)
            return s_duplicate(cli, workspace_id, name, domain[0] ? domain : NULL);
        if (strcmp(cs_cli_sqlstate(cli), "23503") == 0) /* deleted while we were adding */
            return cs_cli_fail(cli, "no workspace with id %s", workspace_id);
        return -1;
    }
    fprintf(cli->out, "%s\n", customer_id);
    return 0;
}

static const cs_cli_column_t LIST_COLUMNS[] = {
    {"id", CS_CLI_COL_TEXT},     {"name", CS_CLI_COL_TEXT}, {"domain", CS_CLI_COL_TEXT},
    {"mrr", CS_CLI_COL_DECIMAL}, {"calls", CS_CLI_COL_INT},
};

int cs_cli_customer_list(cs_cli_t *cli)
{
    cs_cli_format_t fmt;
    char workspace_id[CS_UUID_LEN];
    if (cs_cli_format(cli, &fmt) != 0 || cs_cli_workspace(cli, workspace_id) != 0)
        return -1;
    const char *params[] = {workspace_id};
    /* mrr is numeric(14, 2): its text always has two decimals */
    return cs_cli_list(cli, fmt, LIST_COLUMNS, (int)CS_ARRAY_LEN(LIST_COLUMNS),
                       "SELECT c.id, c.name, c.domain, c.mrr,"
                       " (SELECT count(*) FROM messages m WHERE m.customer_id = c.id)"
                       " FROM customers c WHERE c.workspace_id = $1"
                       " ORDER BY c.mrr DESC, lower(c.name)",
                       1, params);
}
