/*  cs_speakers: who speaks for the vendor and who for the customer, in one call record.

    Every participant, and every speaker_id of the transcript that names no participant, is
    resolved once to a side:
      vendor    affiliation "Internal"; or a Gong userId (Gong users are the vendor's staff);
                or an e-mail address on one of the record's "vendor_domains" (or a subdomain),
                or on the domain of one of this call's Internal people (free mail aside);
      customer  affiliation "External"; or "Unknown" with an e-mail address on any other
                domain;
      unplaced  "Unknown" (or no affiliation) and no e-mail address.
    An unplaced speaker counts as a customer when the call's customers are otherwise silent:
    the call has customer parties but none of them speaks, or the call has no vendor or customer
    party at all (no affiliation information), or it has vendor parties only but names a
    customer (the record's "customer" object). Otherwise an unplaced speaker is not a customer.

    The rules apply in the order listed: an e-mail address on a vendor domain makes staff even
    of a party Gong marks External (Gong marks affiliation by domain too, so they rarely
    disagree). A call in which no customer speaks (and somebody does) is an internal meeting:
    it yields no requests, bugs or pain points. An utterance's own fields (Gong's transcripts
    carry none; one-shot lines may) are read first: when they place the speaker, they win over
    the participant's; otherwise the participant's fields decide. */
#ifndef CS_SPEAKERS_H
#define CS_SPEAKERS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

typedef enum { CS_SIDE_UNPLACED, CS_SIDE_VENDOR, CS_SIDE_CUSTOMER } cs_side_t;

typedef struct {
    json_t *staff;               /* e-mail domains of the call's own staff, owned; NULL when none */
    bool unplaced_are_customers; /* the call-level rule for unplaced speakers */
    bool internal_meeting;       /* somebody speaks and no customer does */
    const json_t *call;          /* borrowed */
} cs_speakers_t;

/* Resolve the speakers of `call` (borrowed; *sp borrows from it and must not outlive it).
   Never fails: a malformed field counts as absent (and when memory runs out, the staff's
   domains are not inferred). Free with cs_speakers_free. */
void cs_speakers_resolve(const json_t *call, cs_speakers_t *sp);

/* Free what *sp owns. */
void cs_speakers_free(cs_speakers_t *sp);

/* Whether utterance `utt` (an element of the call's transcript) is a customer's words. */
bool cs_speakers_is_customer(const cs_speakers_t *sp, const json_t *utt);

/* Whether the utterance is the vendor's (resolved vendor; unplaced speakers are not). */
bool cs_speakers_is_vendor(const cs_speakers_t *sp, const json_t *utt);

/* The participant of `call` (borrowed) with that speaker_id (may be NULL), or NULL. */
const json_t *cs_speakers_participant(const json_t *call, const char *id);

/* Whether `email` (may be NULL) is on one of `domains` (a JSON array of strings, may be NULL)
   or a subdomain of one, ignoring case. */
bool cs_speakers_vendor_email(const char *email, const json_t *domains);

#endif
