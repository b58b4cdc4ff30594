/* cs_vendor: which e-mail domains a call shows as the vendor's, and the free-mail list. */
#include <criterion/criterion.h>
#include <jansson.h>

#include "cs_vendor.h"

Test(vendor, free_mail_providers_are_known)
{
    cr_expect(cs_vendor_free_mail("gmail.com"));
    cr_expect(cs_vendor_free_mail("proton.me"));
    cr_expect(cs_vendor_free_mail("163.com"));
    cr_expect_not(cs_vendor_free_mail("helpdeskly.example"));
    cr_expect_not(cs_vendor_free_mail("mail.gmail.com.example"));
    cr_expect_not(cs_vendor_free_mail(NULL));
}

/* Internal parties and Gong users give their domain, canonical and once; External and
   Unknown parties without a user id, free mail and addresses without a host name give none. */
Test(vendor, domains_of_internal_parties_and_gong_users)
{
    json_t *rec = json_pack(
        "{s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s}, {s:s, s:s},"
        " {s:s, s:s}, {s:s, s:s}, {s:s}, {s:s, s:s}, {s:s, s:s, s:s}]}",
        "participants",                                                             /**/
        "email", "dana@HelpDeskly.Example", "affiliation", "Internal",              /* learnt */
        "email", "ravi@helpdeskly.example", "affiliation", "Internal",              /* the same */
        "email", "sam@helpdeskly.io", "affiliation", "Unknown", "user_id", "88001", /* a user */
        "email", "maya@acme-corp.example", "affiliation", "External",               /* a customer */
        "email", "jo@unknown.example", "affiliation", "Unknown",                    /* no user id */
        "email", "kim@gmail.com", "affiliation", "Internal",                        /* free mail */
        "email", "no-at-sign", "affiliation", "Internal",                           /* no domain */
        "affiliation", "Internal",                                                  /* no address */
        "email", "x@localhost", "affiliation", "Internal",                          /* one label */
        "email", "lee@sales.helpdeskly.example", "affiliation", "Internal", "user_id", "9");
    json_t *got = cs_vendor_domains_of(rec);
    cr_assert_not_null(got);
    cr_assert_eq(json_array_size(got), 3);
    cr_expect_str_eq(json_string_value(json_array_get(got, 0)), "helpdeskly.example");
    cr_expect_str_eq(json_string_value(json_array_get(got, 1)), "helpdeskly.io");
    cr_expect_str_eq(json_string_value(json_array_get(got, 2)), "sales.helpdeskly.example");
    cr_expect(cs_vendor_has(got, "helpdeskly.io"));
    cr_expect_not(cs_vendor_has(got, "acme-corp.example"));
    cr_expect_not(cs_vendor_has(NULL, "helpdeskly.io"));
    json_decref(got);
    json_decref(rec);

    json_t *empty = json_object();
    got = cs_vendor_domains_of(empty);
    cr_assert_not_null(got);
    cr_expect_eq(json_array_size(got), 0);
    json_decref(got);
    json_decref(empty);
}
