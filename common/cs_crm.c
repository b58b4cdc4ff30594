/*  cs_crm: see cs_crm.h. Gong's CRM context ("Extended" context) is context[].objects[], each
    with an objectType and fields [{name, value}]; the object types and field names below are
    those Salesforce and HubSpot use (HubSpot's Company and Deal are Salesforce's Account and
    Opportunity) for an account's name, revenue and website and a contact's company and e-mail.
    Hosts are parsed by libcurl's URL API, then put in canonical form by cs_text_domain. */
#include "cs_crm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "cs_record.h"
#include "cs_vendor.h"

#define MAX_WEBSITE 8192 /* bytes of a website field that are read as a URL */

static bool s_is_space(char c)
{
    return c != '\0' && strchr(" \t\n\r\f\v", c) != NULL;
}

static bool s_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool s_is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool s_is_blank(const char *s)
{
    while (s_is_space(*s))
        s++;
    return *s == '\0';
}

/* True when s starts with a URL scheme and "://" ("https://", "svn+ssh://"). */
static bool s_has_scheme(const char *s)
{
    const char *sep = strstr(s, "://");
    if (!sep || sep == s || !s_is_alpha(*s))
        return false;
    for (const char *c = s; c < sep; c++)
        if (!s_is_alpha(*c) && !s_is_digit(*c) && *c != '+' && *c != '.' && *c != '-')
            return false;
    return true;
}

bool cs_crm_domain(const char *text, char out[CS_TEXT_DOMAIN_SIZE])
{
    out[0] = '\0';
    if (!text)
        return false;
    while (s_is_space(*text))
        text++;
    size_t len = strnlen(text, MAX_WEBSITE + 1);
    while (len > 0 && s_is_space(text[len - 1]))
        len--;
    if (len == 0 || len > MAX_WEBSITE)
        return false;
    /* "//host/path" and "host/path" are read as http URLs */
    const char *prefix = s_has_scheme(text)            ? ""
                         : strncmp(text, "//", 2) == 0 ? "http:"
                                                       : "http://";
    char *url = malloc(strlen(prefix) + len + 1);
    if (!url)
        return false;
    memcpy(url, prefix, strlen(prefix));
    memcpy(url + strlen(prefix), text, len);
    url[strlen(prefix) + len] = '\0';
    CURLU *u = curl_url();
    char *host = NULL;
    bool ok = u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
              cs_text_domain(host, strlen(host), out) == 0;
    curl_free(host);
    curl_url_cleanup(u);
    free(url);
    if (!ok)
        out[0] = '\0';
    return ok;
}

static const char *const ACCOUNT_TYPES[] = {"Account", "Company", NULL};
static const char *const OPPORTUNITY_TYPES[] = {"Opportunity", "Deal", NULL};
static const char *const CONTACT_TYPES[] = {"Contact", NULL};
static const char *const LEAD_TYPES[] = {"Lead", NULL};

static const char *const ACCOUNT_NAME[] = {"Name", NULL};
/* An Opportunity's own Name is the deal's ("Acme - Q4 expansion"): only the account's name
   names the customer, and the deal's only when nothing else does. */
static const char *const OPPORTUNITY_ACCOUNT[] = {"AccountName", "Account_Name__c", "Account.Name",
                                                  NULL};
static const char *const OPPORTUNITY_NAME[] = {"Name", NULL};
static const char *const MONTHLY[] = {"MRR", "MRR__c", "Monthly_Recurring_Revenue__c", "hs_mrr",
                                      NULL};
static const char *const ANNUAL[] = {
    "ARR", "AnnualRevenue", "ARR__c", "Annual_Recurring_Revenue__c", "hs_arr", NULL};
static const char *const AMOUNT[] = {"Amount", NULL};
static const char *const DOMAIN[] = {"Website", "Domain", "Website__c", "Domain__c", NULL};
/* A Contact's or Lead's company: Salesforce's Account.Name, AccountName or (a Lead) Company,
   HubSpot's company. */
static const char *const COMPANY[] = {"Account.Name", "AccountName", "Account_Name__c",
                                      "Company",      "CompanyName", NULL};
static const char *const EMAIL[] = {"Email", "hs_email_domain", NULL};

/* What one CRM object may give. */
typedef enum {
    S_ACCOUNT,          /* name, revenue, website */
    S_OPPORTUNITY,      /* the account's name, revenue (Amount last), website */
    S_OPPORTUNITY_NAME, /* the deal's own name */
} s_kind_t;

/* The value of the first field, in the order of `names` (compared case-insensitively), that
   `accept` takes; fields is a CRM object's [{name, value}]. */
typedef bool (*s_accept_fn)(const json_t *value, void *out);

static bool s_find_field(const json_t *fields, const char *const *names, s_accept_fn accept,
                         void *out)
{
    if (!json_is_array(fields))
        return false;
    for (const char *const *n = names; *n; n++) {
        for (size_t i = 0; i < json_array_size(fields); i++) {
            const json_t *f = json_array_get(fields, i);
            const char *fname = cs_rec_str(f, "name");
            if (fname && strcasecmp(fname, *n) == 0 && accept(json_object_get(f, "value"), out))
                return true;
        }
    }
    return false;
}

static bool s_accept_name(const json_t *value, void *out)
{
    const char *s = json_string_value(value);
    if (!s || s_is_blank(s))
        return false;
    *(const char **)out = s;
    return true;
}

/* Skip a currency sign or a three-letter code (USD, eur) and the spaces after it. */
static void s_skip_currency(const char **p)
{
    static const char *const SIGNS[] = {
        "US$", "$", "\xe2\x82\xac" /* € */, "\xc2\xa3" /* £ */, "\xc2\xa5" /* ¥ */, NULL};
    while (s_is_space(**p))
        (*p)++;
    for (const char *const *s = SIGNS; *s; s++) {
        size_t n = strlen(*s);
        if (strncmp(*p, *s, n) == 0) {
            *p += n;
            break;
        }
    }
    if (s_is_alpha((*p)[0]) && s_is_alpha((*p)[1]) && s_is_alpha((*p)[2]) && !s_is_alpha((*p)[3]))
        *p += 3;
    while (s_is_space(**p))
        (*p)++;
}

/* An amount of money written as text: "12500", "12,500.00", "$12500", "USD 12,500", "12500 €".
   Thousands separators must group by three; negative amounts, words and exponents are refused. */
static bool s_parse_money_text(const char *s, double *out)
{
    const char *p = s;
    s_skip_currency(&p);
    double v = 0;
    int digits = 0, group = 0;
    bool grouped = false;
    for (; s_is_digit(*p) || *p == ','; p++) {
        if (*p == ',') {
            if (group == 0 || (grouped ? group != 3 : group > 3))
                return false;
            grouped = true;
            group = 0;
            continue;
        }
        v = v * 10 + (*p - '0');
        digits++;
        group++;
    }
    if (digits == 0 || (grouped && group != 3))
        return false;
    if (*p == '.') {
        p++;
        if (!s_is_digit(*p))
            return false;
        for (double scale = 0.1; s_is_digit(*p); p++, scale /= 10)
            v += (*p - '0') * scale;
    }
    s_skip_currency(&p);
    if (*p != '\0')
        return false;
    *out = v;
    return true;
}

static bool s_accept_money(const json_t *value, void *out)
{
    double v;
    if (json_is_number(value))
        v = json_number_value(value);
    else if (!json_string_value(value) || !s_parse_money_text(json_string_value(value), &v))
        return false;
    if (!isfinite(v) || v < 0 || v >= 1e15)
        return false;
    *(double *)out = v;
    return true;
}

static bool s_accept_domain(const json_t *value, void *out)
{
    const char *s = json_string_value(value);
    return s && cs_crm_domain(s, out);
}

/* The canonical domain of an e-mail address ("jane@acme.com"), or of a bare domain (HubSpot's
   hs_email_domain); free mail gives none. */
static bool s_accept_email(const json_t *value, void *out)
{
    const char *s = json_string_value(value);
    const char *at = s ? strrchr(s, '@') : NULL;
    const char *host = at ? at + 1 : s;
    if (!host || (at && strpbrk(host, "/?#:")) || !cs_crm_domain(host, out))
        return false;
    if (cs_vendor_free_mail(out)) {
        ((char *)out)[0] = '\0';
        return false;
    }
    return true;
}

/* Fill what `c` still lacks from one CRM object. Returns true when the object gave anything. */
static bool s_take_object(const json_t *object, s_kind_t kind, cs_crm_customer_t *c)
{
    const json_t *fields = json_object_get(object, "fields");
    bool gave = false;
    if (!c->name)
        gave |= s_find_field(fields,
                             kind == S_ACCOUNT       ? ACCOUNT_NAME
                             : kind == S_OPPORTUNITY ? OPPORTUNITY_ACCOUNT
                                                     : OPPORTUNITY_NAME,
                             s_accept_name, &c->name);
    if (kind == S_OPPORTUNITY_NAME)
        return gave;
    if (!c->has_mrr) {
        double v;
        if (s_find_field(fields, MONTHLY, s_accept_money, &v)) {
            c->mrr = v;
            c->has_mrr = gave = true;
        } else if (s_find_field(fields, ANNUAL, s_accept_money, &v)) {
            c->mrr = v / 12;
            c->has_mrr = gave = true;
        } else if (kind == S_OPPORTUNITY && s_find_field(fields, AMOUNT, s_accept_money, &v)) {
            c->mrr = v / 12; /* a deal's value is a year's: Gong's own example has 50,000 for 28
                                seats */
            c->has_mrr = gave = true;
        }
    }
    if (!c->domain[0])
        gave |= s_find_field(fields, DOMAIN, s_accept_domain, c->domain);
    return gave;
}

static bool s_type_in(const json_t *object, const char *const *types)
{
    const char *otype = cs_rec_str(object, "objectType");
    for (; otype && *types; types++)
        if (strcasecmp(otype, *types) == 0)
            return true;
    return false;
}

/* Take objects of `types` from a context array ([{system, objects: [...]}]): all of them
   (`first_only` false), or only the first that gives anything. Returns true when one gave. */
static bool s_take_context(const json_t *context, const char *const *types, s_kind_t kind,
                           bool first_only, cs_crm_customer_t *c)
{
    bool gave = false;
    for (size_t i = 0; json_is_array(context) && i < json_array_size(context); i++) {
        const json_t *objects = json_object_get(json_array_get(context, i), "objects");
        for (size_t k = 0; json_is_array(objects) && k < json_array_size(objects); k++) {
            const json_t *object = json_array_get(objects, k);
            if (!s_type_in(object, types))
                continue;
            if (s_take_object(object, kind, c)) {
                gave = true;
                if (first_only)
                    return true;
            }
        }
    }
    return gave;
}

/* True for a party of the call that is not one of our own people (affiliation "Internal"). */
static bool s_customer_party(const json_t *party)
{
    const char *affiliation = cs_rec_str(party, "affiliation");
    return json_is_object(party) && !(affiliation && strcasecmp(affiliation, "Internal") == 0);
}

/* The first object of `types` on the customer parties whose company field names a company:
   it names the customer, and gives the domain (its e-mail's, else its party's) when `c` has
   none. Returns true when one did. */
static bool s_take_contacts(const json_t *parties, const char *const *types, cs_crm_customer_t *c)
{
    for (size_t p = 0; json_is_array(parties) && p < json_array_size(parties); p++) {
        const json_t *party = json_array_get(parties, p);
        if (!s_customer_party(party))
            continue;
        const json_t *context = json_object_get(party, "context");
        for (size_t i = 0; json_is_array(context) && i < json_array_size(context); i++) {
            const json_t *objects = json_object_get(json_array_get(context, i), "objects");
            for (size_t k = 0; json_is_array(objects) && k < json_array_size(objects); k++) {
                const json_t *object = json_array_get(objects, k);
                const json_t *fields = json_object_get(object, "fields");
                if (!s_type_in(object, types) ||
                    !s_find_field(fields, COMPANY, s_accept_name, &c->name))
                    continue;
                c->source = CS_CRM_CONTACT;
                if (!c->domain[0] && !s_find_field(fields, EMAIL, s_accept_email, c->domain))
                    s_accept_email(json_object_get(party, "emailAddress"), c->domain);
                return true;
            }
        }
    }
    return false;
}

bool cs_crm_customer(const json_t *gong_call, cs_crm_customer_t *out)
{
    *out = (cs_crm_customer_t){0};
    const json_t *context = json_object_get(gong_call, "context");
    const json_t *parties = json_object_get(gong_call, "parties");
    if (!s_take_context(context, ACCOUNT_TYPES, S_ACCOUNT, true, out)) {
        for (size_t i = 0; json_is_array(parties) && i < json_array_size(parties); i++) {
            const json_t *party = json_array_get(parties, i);
            /* our own people's Account would be us */
            if (s_customer_party(party) && s_take_context(json_object_get(party, "context"),
                                                          ACCOUNT_TYPES, S_ACCOUNT, true, out))
                break;
        }
    }
    s_take_context(context, OPPORTUNITY_TYPES, S_OPPORTUNITY, false, out);
    if (!out->name && !s_take_contacts(parties, CONTACT_TYPES, out))
        s_take_contacts(parties, LEAD_TYPES, out);
    if (!out->name)
        s_take_context(context, OPPORTUNITY_TYPES, S_OPPORTUNITY_NAME, true, out);
    bool found = out->name || out->has_mrr || out->domain[0];
    if (found && out->source == CS_CRM_NONE)
        out->source = CS_CRM_ACCOUNT;
    return found;
}

const char *cs_crm_source_name(cs_crm_source_t source)
{
    switch (source) {
    case CS_CRM_ACCOUNT:
        return "account";
    case CS_CRM_CONTACT:
        return "contact";
    case CS_CRM_NONE:
        break;
    }
    return NULL;
}

json_t *cs_crm_external_domains(const json_t *record)
{
    json_t *out = json_array();
    const json_t *participants = json_object_get(record, "participants");
    for (size_t i = 0; out && json_is_array(participants) && i < json_array_size(participants);
         i++) {
        const json_t *p = json_array_get(participants, i);
        const char *affiliation = cs_rec_str(p, "affiliation");
        const char *email = cs_rec_str(p, "email");
        const char *at = email ? strrchr(email, '@') : NULL;
        char domain[CS_TEXT_DOMAIN_SIZE];
        if (!affiliation || strcmp(affiliation, "External") != 0 || !at ||
            strpbrk(at + 1, "/?#:") || !cs_crm_domain(at + 1, domain))
            continue;
        bool seen = false;
        for (size_t k = 0; k < json_array_size(out) && !seen; k++)
            seen = strcmp(json_string_value(json_array_get(out, k)), domain) == 0;
        if (!seen && json_array_append_new(out, json_string(domain)) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}
