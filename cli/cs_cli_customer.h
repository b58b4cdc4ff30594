/*  cs_cli_customer: `callsift customer add` and `callsift customer list`.

    Customers are how calls get their revenue weight: a call's CRM context names its customer
    (the writer adds one it does not know), else the fetcher matches the call's participants to
    a customer by e-mail domain. An MRR given here is the operator's, as of now: a call without
    an MRR never changes it, and a call's CRM MRR replaces it only when the call started later
    (cs_writer.c, s_customer). An MRR of 0 is no figure: the first CRM MRR replaces it. The fetcher
   reads the customers table once, when it starts: a fetcher already running does not see a customer
   added after that. Adding one also NOTIFYs callsift_customers with the workspace id in the same
   transaction, but no stage LISTENs on that channel today. */
#ifndef CS_CLI_CUSTOMER_H
#define CS_CLI_CUSTOMER_H

#include <stddef.h>

#include "cs_cli_common.h"

extern const cs_option_t cs_cli_customer_add_options[];
extern const cs_option_t cs_cli_customer_list_options[];

/* Add customer --name with an optional --domain and --mrr; print only the new id. Name and
   domain are each unique in the workspace, regardless of case. */
int cs_cli_customer_add(cs_cli_t *cli);

/* The workspace's customers, highest MRR first, with how many calls each had. */
int cs_cli_customer_list(cs_cli_t *cli);

/* Check a monthly recurring revenue: digits, then optionally '.' and one or two digits, at
   most 999999999999.99 (the schema's numeric(14, 2)). 0, or -1 with the reason in err. */
int cs_cli_customer_check_mrr(const char *text, char *err, size_t errlen);

/* Normalise a domain into out (outlen bytes): lower-case, without a leading "@" or "www.".
   "" stays "" (no domain). -1 with the reason in err when it is not a domain name. */
int cs_cli_customer_domain(const char *text, char *out, size_t outlen, char *err, size_t errlen);

#endif
