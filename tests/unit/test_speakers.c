/* cs_speakers: vendor or customer for every speaker of a call, from Gong's affiliation, Gong
   user ids and the workspace's own e-mail domains; unplaced speakers; internal meetings. */
#include <criterion/criterion.h>

#include "cs_speakers.h"

/* A call from JSON text; fails the test when it does not parse. */
static json_t *s_call(const char *text)
{
    json_error_t e;
    json_t *call = json_loads(text, 0, &e);
    cr_assert_not_null(call, "bad test JSON: %s", e.text);
    return call;
}

static const json_t *s_utt(const json_t *call, size_t i)
{
    return json_array_get(json_object_get(call, "transcript"), i);
}

Test(speakers, vendor_domains_match_the_domain_and_its_subdomains_only)
{
    json_t *d = json_pack("[s,s]", "helpdeskly.example", "Acme.COM");
    cr_assert(cs_speakers_vendor_email("sam@helpdeskly.example", d));
    cr_assert(cs_speakers_vendor_email("sam@eu.helpdeskly.example", d));
    cr_assert(cs_speakers_vendor_email("Jo@acme.com", d));
    cr_assert_not(cs_speakers_vendor_email("jo@notacme.com", d));
    cr_assert_not(cs_speakers_vendor_email("jo@acme.com.evil.example", d));
    cr_assert_not(cs_speakers_vendor_email("helpdeskly.example", d));
    cr_assert_not(cs_speakers_vendor_email("sam@", d));
    cr_assert_not(cs_speakers_vendor_email(NULL, d));
    cr_assert_not(cs_speakers_vendor_email("sam@helpdeskly.example", NULL));
    json_decref(d);
}

/* An Unknown party on the customer's domain is a customer even when External people speak. */
Test(speakers, unknown_party_on_a_customer_domain_is_a_customer)
{
    json_t *call = s_call(
        "{\"vendor_domains\":[\"helpdeskly.example\"],"
        "\"participants\":["
        "{\"speaker_id\":\"1\",\"affiliation\":\"Internal\",\"email\":\"sam@helpdeskly.example\"},"
        "{\"speaker_id\":\"2\",\"affiliation\":\"External\",\"email\":\"ann@northwind.example\"},"
        "{\"speaker_id\":\"3\",\"affiliation\":\"Unknown\",\"email\":\"bo@northwind.example\"}],"
        "\"transcript\":["
        "{\"speaker_id\":\"1\",\"start_ms\":0,\"text\":\"Hi\"},"
        "{\"speaker_id\":\"2\",\"start_ms\":1,\"text\":\"Hello\"},"
        "{\"speaker_id\":\"3\",\"start_ms\":2,\"text\":\"We need a wiki integration.\"}]}");
    cs_speakers_t sp;
    cs_speakers_resolve(call, &sp);
    cr_assert_not(sp.internal_meeting);
    cr_assert(cs_speakers_is_vendor(&sp, s_utt(call, 0)));
    cr_assert_not(cs_speakers_is_customer(&sp, s_utt(call, 0)));
    cr_assert(cs_speakers_is_customer(&sp, s_utt(call, 1)));
    cr_assert(cs_speakers_is_customer(&sp, s_utt(call, 2)));
    cs_speakers_free(&sp);
    json_decref(call);
}

/* Unknown with the vendor's domain, or with a Gong user id, is staff. */
Test(speakers, unknown_party_on_the_vendor_domain_or_with_a_user_id_is_staff)
{
    json_t *call = s_call(
        "{\"vendor_domains\":[\"helpdeskly.example\"],"
        "\"participants\":["
        "{\"speaker_id\":\"1\",\"affiliation\":\"Unknown\",\"email\":\"sam@helpdeskly.example\"},"
        "{\"speaker_id\":\"2\",\"affiliation\":\"Unknown\",\"user_id\":\"7781\"},"
        "{\"speaker_id\":\"3\",\"affiliation\":\"External\",\"email\":\"ann@northwind.example\"}],"
        "\"transcript\":["
        "{\"speaker_id\":\"1\",\"start_ms\":0,\"text\":\"So you'd want public links?\"},"
        "{\"speaker_id\":\"2\",\"start_ms\":1,\"text\":\"We really need a forecast sheet.\"},"
        "{\"speaker_id\":\"3\",\"start_ms\":2,\"text\":\"Yes.\"}]}");
    cs_speakers_t sp;
    cs_speakers_resolve(call, &sp);
    cr_assert(cs_speakers_is_vendor(&sp, s_utt(call, 0)));
    cr_assert(cs_speakers_is_vendor(&sp, s_utt(call, 1)));
    cr_assert(cs_speakers_is_customer(&sp, s_utt(call, 2)));
    cs_speakers_free(&sp);
    json_decref(call);
}

/* A call of staff (1), an External contact (2) and an Unknown person with no address (3),
   in which `second` speaks second. */
static json_t *s_three_party_call(const char *second)
{
    char text[1024];
    snprintf(text, sizeof text,
             "{\"participants\":["
             "{\"speaker_id\":\"1\",\"affiliation\":\"Internal\"},"
             "{\"speaker_id\":\"2\",\"affiliation\":\"External\",\"email\":\"a@nw.example\"},"
             "{\"speaker_id\":\"3\",\"affiliation\":\"Unknown\"}],"
             "\"transcript\":["
             "{\"speaker_id\":\"1\",\"start_ms\":0,\"text\":\"Hi\"},"
             "{\"speaker_id\":\"%s\",\"start_ms\":1,\"text\":\"Hello\"},"
             "{\"speaker_id\":\"3\",\"start_ms\":2,\"text\":\"A KPI dashboard, please.\"}]}",
             second);
    return s_call(text);
}

/* Unknown with no address: a customer when the call's customers are silent, not otherwise. */
Test(speakers, unplaced_speaker_counts_when_the_customers_are_silent)
{
    json_t *silent = s_three_party_call("1"); /* the External party never speaks */
    cs_speakers_t sp;
    cs_speakers_resolve(silent, &sp);
    cr_assert(cs_speakers_is_customer(&sp, s_utt(silent, 2)));
    cr_assert_not(sp.internal_meeting);
    cs_speakers_free(&sp);
    json_decref(silent);

    json_t *heard = s_three_party_call("2"); /* the External party speaks */
    cs_speakers_resolve(heard, &sp);
    cr_assert(cs_speakers_is_customer(&sp, s_utt(heard, 1)));
    cr_assert_not(cs_speakers_is_customer(&sp, s_utt(heard, 2)));
    cr_assert_not(cs_speakers_is_vendor(&sp, s_utt(heard, 2)));
    cs_speakers_free(&sp);
    json_decref(heard);
}

/* Staff only (Internal, and Unknown people with no address): an internal meeting. Naming a
   customer, or carrying no affiliation at all, makes the unplaced speakers customers. */
Test(speakers, staff_only_call_is_an_internal_meeting)
{
    const char *base = "\"participants\":["
                       "{\"speaker_id\":\"1\",\"affiliation\":\"Internal\"},"
                       "{\"speaker_id\":\"2\",\"affiliation\":\"Unknown\"}],"
                       "\"transcript\":["
                       "{\"speaker_id\":\"1\",\"start_ms\":0,\"text\":\"Pipeline review.\"},"
                       "{\"speaker_id\":\"2\",\"start_ms\":1,\"text\":\"We need a forecast.\"}]";
    char text[1024];
    snprintf(text, sizeof text, "{%s}", base);
    json_t *call = s_call(text);
    cs_speakers_t sp;
    cs_speakers_resolve(call, &sp);
    cr_assert(sp.internal_meeting);
    cr_assert_not(cs_speakers_is_customer(&sp, s_utt(call, 1)));
    cs_speakers_free(&sp);
    json_decref(call);

    snprintf(text, sizeof text, "{\"customer\":{\"name\":\"Northwind\"},%s}", base);
    call = s_call(text);
    cs_speakers_resolve(call, &sp);
    cr_assert_not(sp.internal_meeting);
    cr_assert(cs_speakers_is_customer(&sp, s_utt(call, 1)));
    cs_speakers_free(&sp);
    json_decref(call);

    call = s_call("{\"transcript\":[{\"speaker_id\":\"9\",\"start_ms\":0,\"text\":\"Hi\"},"
                  "{\"start_ms\":1,\"text\":\"We need exports.\"}]}");
    cs_speakers_resolve(call, &sp);
    cr_assert_not(sp.internal_meeting);
    cr_assert(cs_speakers_is_customer(&sp, s_utt(call, 0)));
    cr_assert(cs_speakers_is_customer(&sp, s_utt(call, 1)));
    cs_speakers_free(&sp);
    json_decref(call);
}

/* An utterance's own affiliation places it when its participant is Unknown or absent. */
Test(speakers, utterance_affiliation_places_the_speaker)
{
    json_t *call = s_call("{\"transcript\":["
                          "{\"affiliation\":\"Internal\",\"start_ms\":0,\"text\":\"Demo time.\"},"
                          "{\"affiliation\":\"External\",\"start_ms\":1,\"text\":\"Nice.\"},"
                          "{\"affiliation\":\"Unknown\",\"start_ms\":2,\"text\":\"Hm.\"}]}");
    cs_speakers_t sp;
    cs_speakers_resolve(call, &sp);
    cr_assert(cs_speakers_is_vendor(&sp, s_utt(call, 0)));
    cr_assert(cs_speakers_is_customer(&sp, s_utt(call, 1)));
    cr_assert_not(cs_speakers_is_customer(&sp, s_utt(call, 2)));
    cs_speakers_free(&sp);
    json_decref(call);
}

/* With no workspace domains, the call's own Internal people's domain marks their colleagues;
   free-mail domains mark nobody. */
Test(speakers, staff_domain_inferred_from_internal_people)
{
    json_t *call = s_call(
        "{\"participants\":["
        "{\"speaker_id\":\"1\",\"affiliation\":\"Internal\",\"email\":\"sam@helpdeskly.example\"},"
        "{\"speaker_id\":\"2\",\"affiliation\":\"Internal\",\"email\":\"kim@gmail.com\"},"
        "{\"speaker_id\":\"3\",\"affiliation\":\"Unknown\",\"email\":\"lee@helpdeskly.example\"},"
        "{\"speaker_id\":\"4\",\"affiliation\":\"Unknown\",\"email\":\"bo@gmail.com\"}],"
        "\"transcript\":["
        "{\"speaker_id\":\"3\",\"start_ms\":0,\"text\":\"We need a forecast sheet.\"},"
        "{\"speaker_id\":\"4\",\"start_ms\":1,\"text\":\"And a wiki integration.\"}]}");
    cs_speakers_t sp;
    cs_speakers_resolve(call, &sp);
    cr_assert(cs_speakers_is_vendor(&sp, s_utt(call, 0)));
    cr_assert(cs_speakers_is_customer(&sp, s_utt(call, 1)));
    cs_speakers_free(&sp);
    json_decref(call);
}

Test(speakers, nobody_speaking_is_no_internal_meeting)
{
    json_t *call = s_call("{\"participants\":[{\"affiliation\":\"Internal\"}],\"transcript\":[]}");
    cs_speakers_t sp;
    cs_speakers_resolve(call, &sp);
    cr_assert_not(sp.internal_meeting);
    cs_speakers_free(&sp);
    json_decref(call);
}
