/* cs_crm_customer: the customer of a Gong call from its CRM context, as Salesforce and HubSpot
   name their objects and fields: the call's Account (Company), its Opportunities (Deals), and
   the Contacts and Leads of the parties that are not Internal. Website parsing and the amounts
   written as text are covered through cs_gongcall in test_gongcall.c. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "cs_crm.h"

/* JSON written with single quotes for readability. */
static json_t *s_j(const char *text)
{
    char *copy = strdup(text);
    cr_assert_not_null(copy);
    for (char *p = copy; *p; p++)
        if (*p == '\'')
            *p = '"';
    json_error_t jerr;
    json_t *v = json_loads(copy, JSON_DECODE_ANY, &jerr);
    free(copy);
    cr_assert_not_null(v, "bad test JSON: %s", jerr.text);
    return v;
}

/* Our salesperson, with the HubSpot Contact Gong keeps for her (our own company). */
#define INTERNAL_PARTY                                                                             \
    "{'id': '1', 'emailAddress': 'sam@callsift.io', 'affiliation': 'Internal', 'context': ["       \
    " {'system': 'HubSpot', 'objects': [{'objectType': 'Contact', 'objectId': '901', 'fields': ["  \
    "  {'name': 'company', 'value': 'Callsift'}, {'name': 'email', 'value': 'sam@callsift.io'}"    \
    "]}]}]}"

/* A HubSpot Contact as Gong sends it on a party. */
#define HUBSPOT_CONTACT(company, email)                                                            \
    "{'system': 'HubSpot', 'objects': [{'objectType': 'Contact', 'objectId': '4410',"              \
    " 'fields': [{'name': 'firstname', 'value': 'Jane'}, {'name': 'company', 'value': '" company   \
    "'}, {'name': 'email', 'value': '" email "'}], 'timing': 'Now'}]}"

/* Read the customer of the call `call_json`; the call is kept alive in *keep (the name is
   borrowed from it). */
static bool s_customer_of(const char *call_json, json_t **keep, cs_crm_customer_t *out)
{
    *keep = s_j(call_json);
    return cs_crm_customer(*keep, out);
}

Test(crm, a_hubspot_contact_only_call_names_the_contacts_company)
{
    json_t *call;
    cs_crm_customer_t c;
    cr_assert(s_customer_of("{'parties': [" INTERNAL_PARTY ","
                            " {'id': '2', 'emailAddress': 'jane@northwind.example',"
                            "  'affiliation': 'External', 'context': [" HUBSPOT_CONTACT(
                                "Northwind Traders", "Jane@Northwind.Example") "]}]}",
                            &call, &c));
    cr_expect_str_eq(c.name, "Northwind Traders");
    cr_expect_str_eq(c.domain, "northwind.example", "the contact's e-mail domain, canonical");
    cr_expect(!c.has_mrr);
    cr_expect_eq(c.source, CS_CRM_CONTACT);
    cr_expect_str_eq(cs_crm_source_name(c.source), "contact");
    json_decref(call);
}

Test(crm, a_salesforce_contact_names_its_account)
{
    json_t *call;
    cs_crm_customer_t c;
    /* no Email field: the party's own address gives the domain */
    cr_assert(s_customer_of("{'parties': [{'emailAddress': 'hank@Globex.COM', 'affiliation': "
                            "'External', 'context': [{'system': 'Salesforce', 'objects': ["
                            " {'objectType': 'Contact', 'fields': [{'name': 'Name', 'value': "
                            "'Hank Scorpio'}, {'name': 'Account.Name', 'value': 'Globex'}]}]}]}]}",
                            &call, &c));
    cr_expect_str_eq(c.name, "Globex");
    cr_expect_str_eq(c.domain, "globex.com");
    cr_expect_eq(c.source, CS_CRM_CONTACT);
    json_decref(call);

    /* its Email comes before the party's address, free mail left out */
    cr_assert(s_customer_of("{'parties': [{'emailAddress': 'hank@globex.com', 'affiliation': "
                            "'Unknown', 'context': [{'objects': [{'objectType': 'contact', "
                            "'fields': [{'name': 'AccountName', 'value': 'Globex'},"
                            " {'name': 'Email', 'value': 'hank.scorpio@gmail.com'}]}]}]}]}",
                            &call, &c));
    cr_expect_str_eq(c.name, "Globex");
    cr_expect_str_eq(c.domain, "globex.com", "free mail is skipped for the party's address");
    json_decref(call);
    cr_assert(s_customer_of("{'parties': [{'emailAddress': 'hank@outlook.com', 'context': ["
                            " {'objects': [{'objectType': 'Contact', 'fields': [{'name': "
                            "'AccountName', 'value': 'Globex'}, {'name': 'Email', 'value': "
                            "'hank.scorpio@gmail.com'}]}]}]}]}",
                            &call, &c));
    cr_expect_str_eq(c.name, "Globex");
    cr_expect_str_eq(c.domain, "", "free mail is nobody's domain");
    json_decref(call);

    /* a contact without a company names no one: the next one does */
    cr_assert(s_customer_of("{'parties': [{'emailAddress': 'anon@nowhere.example', 'context': ["
                            " {'objects': [{'objectType': 'Contact', 'fields': [{'name': 'Name',"
                            " 'value': 'Anon'}]}]}]}, {'context': [{'objects': [{'objectType': "
                            "'Contact', 'fields': [{'name': 'Email', 'value': 'ops@initech.com'},"
                            " {'name': 'Company', 'value': 'Initech'}]}]}]}]}",
                            &call, &c));
    cr_expect_str_eq(c.name, "Initech");
    cr_expect_str_eq(c.domain, "initech.com");
    json_decref(call);
}

Test(crm, a_lead_names_the_customer_only_when_no_contact_does)
{
    json_t *call;
    cs_crm_customer_t c;
    const char *lead = "{'objectType': 'Lead', 'fields': [{'name': 'Company', 'value': "
                       "'Lead Co'}, {'name': 'Email', 'value': 'x@leadco.example'}]}";
    char text[2048];
    snprintf(text, sizeof text,
             "{'parties': [{'context': [{'objects': [%s]}]}, {'context': [{'objects': ["
             " {'objectType': 'Contact', 'fields': [{'name': 'company', 'value': 'Contact Co'}"
             "]}]}]}]}",
             lead);
    cr_assert(s_customer_of(text, &call, &c));
    cr_expect_str_eq(c.name, "Contact Co", "a Contact on a later party beats a Lead");
    cr_expect_str_eq(c.domain, "", "no e-mail anywhere for the contact");
    json_decref(call);

    snprintf(text, sizeof text, "{'parties': [{'context': [{'objects': [%s]}]}]}", lead);
    cr_assert(s_customer_of(text, &call, &c));
    cr_expect_str_eq(c.name, "Lead Co");
    cr_expect_str_eq(c.domain, "leadco.example");
    cr_expect_eq(c.source, CS_CRM_CONTACT);
    json_decref(call);
}

Test(crm, the_calls_account_beats_a_contact)
{
    json_t *call;
    cs_crm_customer_t c;
    const char *parties =
        "'parties': [{'affiliation': 'External', 'emailAddress': 'jane@northwind.example', "
        "'context': [" HUBSPOT_CONTACT("Northwind Traders", "jane@northwind.example") "]}]";
    char text[4096];
    /* HubSpot's Company is the Account: name, domain, annual revenue */
    snprintf(text, sizeof text,
             "{'context': [{'system': 'HubSpot', 'objects': [{'objectType': 'Company',"
             " 'fields': [{'name': 'name', 'value': 'Initech'}, {'name': 'domain', 'value':"
             " 'initech.com'}, {'name': 'annualrevenue', 'value': '120000'}]}]}], %s}",
             parties);
    cr_assert(s_customer_of(text, &call, &c));
    cr_expect_str_eq(c.name, "Initech");
    cr_expect_str_eq(c.domain, "initech.com");
    cr_expect(c.has_mrr);
    cr_expect_float_eq(c.mrr, 10000.0, 1e-9, "annual revenue / 12");
    cr_expect_eq(c.source, CS_CRM_ACCOUNT);
    cr_expect_str_eq(cs_crm_source_name(c.source), "account");
    json_decref(call);

    /* an Account on a customer party beats a Contact too */
    snprintf(text, sizeof text,
             "{'parties': [{'context': [" HUBSPOT_CONTACT(
                 "Northwind Traders", "jane@northwind.example") "]}, {'context': [{'objects': "
                                                                "[{'objectType': 'Account', "
                                                                "'fields': [{'name': 'Name', "
                                                                "'value': 'Initech'}]}]}]}]}");
    cr_assert(s_customer_of(text, &call, &c));
    cr_expect_str_eq(c.name, "Initech");
    cr_expect_str_eq(c.domain, "", "the contact's domain is not the account's");
    cr_expect_eq(c.source, CS_CRM_ACCOUNT);
    json_decref(call);
}

Test(crm, a_deal_gives_revenue_and_a_contact_the_name)
{
    json_t *call;
    cs_crm_customer_t c;
    const char *parties = "'parties': [{'affiliation': 'External', 'context': [" HUBSPOT_CONTACT(
        "Northwind Traders", "jane@northwind.example") "]}]";
    char text[4096];
    /* a Deal's own name (dealname, Name) is the deal's, not the customer's */
    snprintf(text, sizeof text,
             "{'context': [{'system': 'HubSpot', 'objects': [{'objectType': 'Deal',"
             " 'fields': [{'name': 'dealname', 'value': 'Northwind - renewal'}, {'name': 'Name',"
             " 'value': 'Northwind - renewal'}, {'name': 'amount', 'value': 2500},"
             " {'name': 'hs_mrr', 'value': '1,800.50'}]}]}], %s}",
             parties);
    cr_assert(s_customer_of(text, &call, &c));
    cr_expect_str_eq(c.name, "Northwind Traders");
    cr_expect_float_eq(c.mrr, 1800.5, 1e-9, "an MRR field beats the Amount");
    cr_expect_eq(c.source, CS_CRM_CONTACT);
    json_decref(call);

    /* only an Amount: a year's value; with no contact, the deal's Name names the customer */
    cr_assert(s_customer_of("{'context': [{'objects': [{'objectType': 'Opportunity', 'fields': ["
                            " {'name': 'Name', 'value': 'Globex'}, {'name': 'Amount', 'value':"
                            " 900}]}]}]}",
                            &call, &c));
    cr_expect_str_eq(c.name, "Globex");
    cr_expect_float_eq(c.mrr, 75.0, 1e-9);
    cr_expect_eq(c.source, CS_CRM_ACCOUNT);
    json_decref(call);

    /* an Amount on an Account is not revenue */
    cr_assert(s_customer_of("{'context': [{'objects': [{'objectType': 'Account', 'fields': ["
                            " {'name': 'Name', 'value': 'Globex'}, {'name': 'Amount', 'value':"
                            " 900}]}]}]}",
                            &call, &c));
    cr_expect(!c.has_mrr);
    json_decref(call);
}

Test(crm, internal_parties_contacts_are_ignored)
{
    json_t *call;
    cs_crm_customer_t c;
    cr_expect(!s_customer_of("{'parties': [" INTERNAL_PARTY "]}", &call, &c));
    cr_expect_null(c.name);
    cr_expect_eq(c.source, CS_CRM_NONE);
    cr_expect_null(cs_crm_source_name(c.source));
    json_decref(call);

    /* affiliation compared case-insensitively */
    cr_expect(
        !s_customer_of("{'parties': [{'affiliation': 'internal', 'context': [" HUBSPOT_CONTACT(
                           "Callsift", "sam@callsift.io") "]}]}",
                       &call, &c));
    json_decref(call);
}

Test(crm, values_of_the_wrong_type_are_skipped)
{
    json_t *call;
    cs_crm_customer_t c;
    /* each broken contact is skipped; the last, well-formed one names the customer */
    cr_assert(s_customer_of(
        "{'parties': ["
        " 'a party that is a string', 7, null,"
        " {'context': 'not an array'},"
        " {'context': [{'objects': {'objectType': 'Contact'}}]},"
        " {'context': [{'objects': [{'objectType': 7, 'fields': [{'name': 'company', 'value': "
        "'X'}]}]}]},"
        " {'context': [{'objects': [{'objectType': 'Contact', 'fields': {'company': 'Y'}}]}]},"
        " {'context': [{'objects': [{'objectType': 'Contact', 'fields': ["
        "   {'name': 'company', 'value': 42}, {'name': 'company', 'value': ['Z']},"
        "   {'name': 'company', 'value': '   '}, {'name': 3, 'value': 'W'}, 'junk']}]}]},"
        " {'emailAddress': 12, 'context': [{'objects': [{'objectType': 'Contact', 'fields': ["
        "   {'name': 'email', 'value': {'address': 'a@b.example'}}, {'name': 'company', 'value':"
        "   'Good Co'}]}]}]}]}",
        &call, &c));
    cr_expect_str_eq(c.name, "Good Co");
    cr_expect_str_eq(c.domain, "", "an e-mail that is not a string gives no domain");
    json_decref(call);

    /* an e-mail that is not an address gives no domain */
    cr_assert(s_customer_of("{'parties': [{'emailAddress': 'x@host/path', 'context': [{'objects': ["
                            " {'objectType': 'Contact', 'fields': [{'name': 'company', 'value': "
                            "'Good Co'}, {'name': 'email', 'value': 'nobody@'}]}]}]}]}",
                            &call, &c));
    cr_expect_str_eq(c.domain, "");
    json_decref(call);

    cr_expect(!s_customer_of("{'parties': 'none', 'context': 3}", &call, &c));
    json_decref(call);
    cr_expect(!s_customer_of("[]", &call, &c));
    json_decref(call);
}
