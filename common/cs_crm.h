/*  cs_crm: the customer a call was with, as far as the call itself tells: Gong's CRM context
    (the Account, an Opportunity, or the Contacts and Leads of the customer's participants, as
    Salesforce and HubSpot name their fields) and the e-mail domains of the call's external
    participants (which the fetcher looks up in the customers table when the CRM context names
    no one).

    Input is untrusted Gong JSON or a call record: anything of the wrong type is skipped, never
    trusted. Domains come out in cs_text_domain's canonical form, the form the customers table
    is compared in. */
#ifndef CS_CRM_H
#define CS_CRM_H

#include <stdbool.h>

#include <jansson.h>

#include "cs_text.h"

/* Which CRM objects named the customer (cs_crm_source_name gives the record's word for it). */
typedef enum {
    CS_CRM_NONE,    /* nothing found */
    CS_CRM_ACCOUNT, /* the Account (HubSpot: Company) or an Opportunity (HubSpot: Deal) */
    CS_CRM_CONTACT, /* the company of a customer participant's Contact or Lead */
} cs_crm_source_t;

/* What the CRM context says of the customer. */
typedef struct {
    const char *name; /* borrowed from the Gong call; NULL when none; not cleaned or cut */
    bool has_mrr;
    double mrr;                       /* monthly revenue, >= 0 (an annual figure divided by 12) */
    char domain[CS_TEXT_DOMAIN_SIZE]; /* canonical; "" when unknown */
    cs_crm_source_t source;
} cs_crm_customer_t;

/* Read the customer of a Gong call `gong_call` (borrowed: {context, parties, ...}) into *out,
   in this order, each step filling only what the ones before left out:
     1. the first Account or Company object that gives anything: the call's own context first,
        then the context of parties that are not Internal (name, MRR, website or domain);
     2. the call's Opportunity or Deal objects: MRR, website, and the account's name when the
        object carries it (AccountName, Account.Name);
     3. when nothing named the customer yet: the first Contact, then the first Lead, on a party
        that is not Internal and whose company field names one (Salesforce: Account.Name,
        AccountName, Company; HubSpot: company); the domain is that contact's e-mail domain
        (Email, HubSpot's email or hs_email_domain, else the party's emailAddress), free mail
        left out, and `source` is CS_CRM_CONTACT;
     4. when still nothing named it: an Opportunity's own Name.
   Revenue: an MRR field as is, else an ARR or AnnualRevenue field divided by 12, else (an
   Opportunity or Deal only) its Amount divided by 12 (a deal's value is a year's). objectType and
   field names are compared case-insensitively; an amount may be a number or text ("$12,500.00",
   "USD 12500"); a value of any other type is skipped. Returns true when anything was found; false
   (and *out all empty) otherwise. Can't fail. */
bool cs_crm_customer(const json_t *gong_call, cs_crm_customer_t *out);

/* The record's word for a source: "account", "contact"; NULL for CS_CRM_NONE. */
const char *cs_crm_source_name(cs_crm_source_t source);

/* The domain of a website or host as a CRM field holds it ("https://www.Acme-Corp.com/about",
   "acme-corp.com:8443", "user@acme-corp.com") into `out`: the text, blanks around it trimmed,
   is read as a URL by libcurl (http:// assumed when it names no scheme), and its host goes
   through cs_text_domain. True with out set; false (out "") when there is no host or it is not
   a domain name (an IPv6 literal, one label, garbage), or the text is over 8 KiB. */
bool cs_crm_domain(const char *text, char out[CS_TEXT_DOMAIN_SIZE]);

/* The e-mail domains of the External participants of a call *record* (borrowed), canonical
   (cs_crm_domain of what follows the last '@', when that holds no '/', '?', '#' or ':'), each
   once, in participant order. Returns a new array of strings (empty when there are none) the
   caller releases with json_decref; NULL only when out of memory. */
json_t *cs_crm_external_domains(const json_t *record);

#endif
