/*  cs_vendor: the workspace's own e-mail domains ("vendor domains"): a participant with an
    address on one of them speaks for the vendor.

    The fetcher learns them from the calls Gong sends: the e-mail domain of every party Gong
    marks Internal, or that is a Gong user (has a userId), unless it is a free-mail provider's
    (CS_VENDOR_FREE_MAIL below: the one list of them), since staff who write from a personal
    address must not make every customer on the same provider a vendor. Domains are in
    cs_text_domain's canonical form (lower-case host names). */
#ifndef CS_VENDOR_H
#define CS_VENDOR_H

#include <stdbool.h>

#include <jansson.h>

/* Domains a workspace keeps (what the fetcher reads and learns, what the CLI lets one add);
   past it nothing more is learnt or added. */
#define CS_VENDOR_MAX_DOMAINS 100

/* Whether `domain` (canonical; NULL is not) is a free-mail provider's: gmail.com,
   googlemail.com, outlook.com, hotmail.com, live.com, yahoo.com, icloud.com, me.com, aol.com,
   proton.me, protonmail.com, gmx.de, gmx.net, web.de, mail.ru, yandex.ru, qq.com, 163.com. */
bool cs_vendor_free_mail(const char *domain);

/* The vendor domains call record `rec` (borrowed) shows: the canonical domains of the e-mail
   addresses of its participants whose affiliation is "Internal" or that have a user_id, free
   mail left out, each once, in participant order. An address that is not user@host with a
   valid host name gives nothing. A new array of strings (empty when there are none) the caller
   releases with json_decref; NULL only when out of memory. */
json_t *cs_vendor_domains_of(const json_t *rec);

/* Whether the array of strings `list` (borrowed; NULL is empty) holds `domain`. */
bool cs_vendor_has(const json_t *list, const char *domain);

#endif
