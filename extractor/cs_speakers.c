/*  cs_speakers: vendor or customer, per speaker of a call (see cs_speakers.h). */
#include "cs_speakers.h"

#include <string.h>
#include <strings.h>

#include "cs_record.h"
#include "cs_vendor.h"

bool cs_speakers_vendor_email(const char *email, const json_t *domains)
{
    const char *at = email ? strrchr(email, '@') : NULL;
    if (!at || !at[1])
        return false;
    const char *host = at + 1;
    size_t hn = strlen(host);
    for (size_t i = 0; i < json_array_size(domains); i++) {
        const char *d = json_string_value(json_array_get(domains, i));
        size_t dn = d ? strlen(d) : 0;
        if (dn == 0 || dn > hn)
            continue;
        if (strcasecmp(host + hn - dn, d) == 0 && (hn == dn || host[hn - dn - 1] == '.'))
            return true;
    }
    return false;
}

/* The side of a participant or utterance from its own fields; `staff` (may be NULL) holds the
   e-mail domains of this call's own staff. */
static cs_side_t s_side_of(const json_t *who, const json_t *domains, const json_t *staff)
{
    const char *aff = cs_rec_str(who, "affiliation");
    if (aff && strcmp(aff, "Internal") == 0)
        return CS_SIDE_VENDOR;
    const char *user = cs_rec_str(who, "user_id");
    if (user && *user)
        return CS_SIDE_VENDOR;
    const char *email = cs_rec_str(who, "email");
    if (cs_speakers_vendor_email(email, domains) || cs_speakers_vendor_email(email, staff))
        return CS_SIDE_VENDOR;
    if (aff && strcmp(aff, "External") == 0)
        return CS_SIDE_CUSTOMER;
    if (email && strchr(email, '@'))
        return CS_SIDE_CUSTOMER;
    return CS_SIDE_UNPLACED;
}

const json_t *cs_speakers_participant(const json_t *call, const char *id)
{
    const json_t *parts = json_object_get(call, "participants");
    for (size_t i = 0; id && i < json_array_size(parts); i++) {
        const json_t *p = json_array_get(parts, i);
        const char *pid = cs_rec_str(p, "speaker_id");
        if (pid && strcmp(pid, id) == 0)
            return p;
    }
    return NULL;
}

/* The side of an utterance from its own fields and its participant's: a placed side wins. */
static cs_side_t s_utterance_side(const cs_speakers_t *sp, const json_t *utt)
{
    const json_t *domains = json_object_get(sp->call, "vendor_domains");
    cs_side_t own = s_side_of(utt, domains, sp->staff);
    if (own != CS_SIDE_UNPLACED)
        return own;
    const json_t *p = cs_speakers_participant(sp->call, cs_rec_str(utt, "speaker_id"));
    return p ? s_side_of(p, domains, sp->staff) : CS_SIDE_UNPLACED;
}

void cs_speakers_free(cs_speakers_t *sp)
{
    json_decref(sp->staff);
    sp->staff = NULL;
}

void cs_speakers_resolve(const json_t *call, cs_speakers_t *sp)
{
    memset(sp, 0, sizeof *sp);
    sp->call = call;
    sp->staff = cs_vendor_domains_of(call); /* NULL when memory runs out: nothing inferred */
    const json_t *domains = json_object_get(call, "vendor_domains");
    bool vendor_party = false, customer_party = false;
    const json_t *parts = json_object_get(call, "participants");
    for (size_t i = 0; i < json_array_size(parts); i++) {
        cs_side_t side = s_side_of(json_array_get(parts, i), domains, sp->staff);
        vendor_party |= side == CS_SIDE_VENDOR;
        customer_party |= side == CS_SIDE_CUSTOMER;
    }
    bool customer_speaks = false, anyone_speaks = false, unplaced_speaks = false;
    const json_t *transcript = json_object_get(call, "transcript");
    for (size_t i = 0; i < json_array_size(transcript); i++) {
        const json_t *utt = json_array_get(transcript, i);
        const char *text = cs_rec_str(utt, "text");
        if (!text || !*text)
            continue;
        cs_side_t side = s_utterance_side(sp, utt);
        /* an utterance's own affiliation marks its side, as a party would */
        vendor_party |= side == CS_SIDE_VENDOR;
        customer_party |= side == CS_SIDE_CUSTOMER;
        anyone_speaks = true;
        customer_speaks |= side == CS_SIDE_CUSTOMER;
        unplaced_speaks |= side == CS_SIDE_UNPLACED;
    }
    if (customer_party)
        sp->unplaced_are_customers = !customer_speaks;
    else if (!vendor_party)
        sp->unplaced_are_customers = true;
    else
        sp->unplaced_are_customers = cs_rec_str(json_object_get(call, "customer"), "name") != NULL;
    sp->internal_meeting =
        anyone_speaks && !customer_speaks && !(unplaced_speaks && sp->unplaced_are_customers);
}

bool cs_speakers_is_customer(const cs_speakers_t *sp, const json_t *utt)
{
    cs_side_t side = s_utterance_side(sp, utt);
    return side == CS_SIDE_CUSTOMER || (side == CS_SIDE_UNPLACED && sp->unplaced_are_customers);
}

bool cs_speakers_is_vendor(const cs_speakers_t *sp, const json_t *utt)
{
    return s_utterance_side(sp, utt) == CS_SIDE_VENDOR;
}
