#include "cs_vendor.h"

#include <string.h>

#include "cs_record.h"
#include "cs_text.h"
#include "cs_util.h"

static const char *const s_FREE_MAIL[] = {
    "gmail.com",  "googlemail.com", "outlook.com", "hotmail.com", "live.com",       "yahoo.com",
    "icloud.com", "me.com",         "aol.com",     "proton.me",   "protonmail.com", "gmx.de",
    "gmx.net",    "web.de",         "mail.ru",     "yandex.ru",   "qq.com",         "163.com",
};

bool cs_vendor_free_mail(const char *domain)
{
    for (size_t i = 0; domain && i < CS_ARRAY_LEN(s_FREE_MAIL); i++)
        if (strcmp(domain, s_FREE_MAIL[i]) == 0)
            return true;
    return false;
}

bool cs_vendor_has(const json_t *list, const char *domain)
{
    size_t i;
    const json_t *d;
    json_array_foreach(list, i, d)
    {
        if (json_is_string(d) && strcmp(json_string_value(d), domain) == 0)
            return true;
    }
    return false;
}

/* The canonical domain of `email` into out: true, or false for an address without one. */
static bool s_email_domain(const char *email, char out[CS_TEXT_DOMAIN_SIZE])
{
    const char *at = email ? strrchr(email, '@') : NULL;
    if (!at || at == email)
        return false;
    return cs_text_domain(at + 1, strlen(at + 1), out) == 0;
}

json_t *cs_vendor_domains_of(const json_t *rec)
{
    json_t *out = json_array();
    const json_t *participants = json_object_get(rec, "participants");
    for (size_t i = 0; out && json_is_array(participants) && i < json_array_size(participants);
         i++) {
        const json_t *p = json_array_get(participants, i);
        const char *affiliation = cs_rec_str(p, "affiliation");
        const char *user_id = cs_rec_str(p, "user_id");
        bool staff =
            (affiliation && strcmp(affiliation, "Internal") == 0) || (user_id && user_id[0]);
        char domain[CS_TEXT_DOMAIN_SIZE];
        if (!staff || !s_email_domain(cs_rec_str(p, "email"), domain) ||
            cs_vendor_free_mail(domain) || cs_vendor_has(out, domain))
            continue;
        if (json_array_append_new(out, json_string(domain)) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}
