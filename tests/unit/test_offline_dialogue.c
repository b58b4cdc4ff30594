/* cs_offline in its dialogue: every pattern by which a sales call fools a sentence-by-sentence
   extractor. Capability questions the rep answers yes (no request) or "not yet" (a request),
   sales process, logistics and small talk, needs stated as problems, the rep's restatement the
   customer agrees to, internal meetings, titles that name the thing asked for, and the
   confidence of each request. The words here are the project's own, not the samples'. */
#include <string.h>

#include <criterion/criterion.h>

#include "cs_offline.h"
#include "cs_record.h"

static cs_offline_t *offline;

static void setup(void)
{
    char err[256] = "";
    offline = cs_offline_new(err, sizeof err);
    cr_assert_not_null(offline, "cs_offline_new: %s", err);
}

static void teardown(void)
{
    cs_offline_destroy(&offline);
}

TestSuite(dialogue, .init = setup, .fini = teardown);

/* A turn: 'v' the vendor's rep (Internal), 'c' the customer (External), 'u' an Unknown person
   on the customer's domain, 's' an Unknown person on the vendor's domain. */
typedef struct {
    char who;
    const char *text;
} turn_t;

static json_t *s_call(const turn_t *turns, size_t n)
{
    json_t *call = json_pack(
        "{s:s, s:[s], s:[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s},"
        " {s:s, s:s, s:s, s:s}], s:[]}",
        "title", "Discovery", "vendor_domains", "vendor.example", "participants", "speaker_id", "v",
        "name", "Rita Rep", "affiliation", "Internal", "email", "rita@vendor.example", "speaker_id",
        "c", "name", "Cara Customer", "affiliation", "External", "email", "cara@client.example",
        "speaker_id", "u", "name", "Uma Unknown", "affiliation", "Unknown", "email",
        "uma@client.example", "speaker_id", "s", "name", "Sid Staff", "affiliation", "Unknown",
        "email", "sid@vendor.example", "transcript");
    cr_assert_not_null(call);
    json_t *transcript = json_object_get(call, "transcript");
    for (size_t i = 0; i < n; i++) {
        char id[2] = {turns[i].who, '\0'};
        json_array_append_new(transcript, json_pack("{s:s, s:i, s:s}", "speaker_id", id, "start_ms",
                                                    (int)(i * 1000), "text", turns[i].text));
    }
    return call;
}

static json_t *s_extract(const turn_t *turns, size_t n)
{
    json_t *call = s_call(turns, n);
    json_t *ins = cs_offline_extract(offline, call, NULL);
    cr_assert_not_null(ins);
    json_decref(call);
    return ins;
}

static json_t *s_requests(json_t *ins)
{
    return json_object_get(ins, "feature_requests");
}

/* The request whose quote contains `part`, or NULL. */
static json_t *s_request_quoting(json_t *ins, const char *part)
{
    json_t *reqs = s_requests(ins);
    for (size_t i = 0; i < json_array_size(reqs); i++) {
        const char *q = cs_rec_str(json_array_get(reqs, i), "quote");
        if (q && strstr(q, part))
            return json_array_get(reqs, i);
    }
    return NULL;
}

static double s_confidence(const json_t *req)
{
    return json_number_value(json_object_get(req, "confidence"));
}

#define CONFIDENT 0.5 /* the report's default threshold */

Test(dialogue, capability_question_answered_yes_is_no_request)
{
    turn_t turns[] = {
        {'c', "Can we set up custom fields on a ticket?"},
        {'v', "Yes, under settings you add as many as you like."},
        {'c', "Do you support a Jira integration?"},
        {'v', "We do, it creates an issue straight from the conversation."},
    };
    json_t *ins = s_extract(turns, 4);
    cr_assert_eq(json_array_size(s_requests(ins)), 0, "%s", json_dumps(ins, 0));
    json_decref(ins);
}

Test(dialogue, capability_question_answered_not_yet_is_a_request)
{
    const char *answers[] = {
        "Not today, but it's on our roadmap for next year.",
        "Hmm, you'd need Zapier for that at the moment.",
        "Good question, I'll pass that on to our product team.",
    };
    for (size_t k = 0; k < 3; k++) {
        turn_t turns[] = {
            {'c', "Do you have a Shopify integration?"},
            {'v', answers[k]},
        };
        json_t *ins = s_extract(turns, 2);
        json_t *req = s_request_quoting(ins, "Shopify");
        cr_assert_not_null(req, "answer %zu: %s", k, json_dumps(ins, 0));
        cr_assert_geq(s_confidence(req), 0.8);
        cr_assert_str_eq(cs_rec_str(req, "title"), "Shopify integration");
        cr_assert_str_eq(cs_rec_str(req, "speaker"), "Cara Customer");
        json_decref(ins);
    }
}

/* A question the rep leaves unanswered waits for review: below the report's threshold. With
   no vendor voice at all (a note, a written message) it reads like any other sentence. */
Test(dialogue, unanswered_request_question_is_unsure)
{
    turn_t turns[] = {{'v', "This is the agent view."},
                      {'c', "Could you add a dark mode to the agent view?"}};
    json_t *ins = s_extract(turns, 2);
    json_t *req = s_request_quoting(ins, "dark mode");
    cr_assert_not_null(req, "%s", json_dumps(ins, 0));
    cr_assert_lt(s_confidence(req), CONFIDENT);
    json_decref(ins);

    ins = s_extract(turns + 1, 1);
    req = s_request_quoting(ins, "dark mode");
    cr_assert_not_null(req, "%s", json_dumps(ins, 0));
    cr_assert_geq(s_confidence(req), CONFIDENT);
    json_decref(ins);
}

Test(dialogue, sales_process_and_logistics_are_no_requests)
{
    turn_t turns[] = {
        {'c', "Could you share the recording with my manager afterwards?"},
        {'v', "Sure thing."},
        {'c', "We'd want you to send me the proposal by Friday."},
        {'v', "Will do."},
        {'c', "Honestly five licences should be fine for now."},
        {'c', "We'd love it if you could show me how it looks for an admin."},
        {'c', "We'd want to start with a pilot group of ten agents."},
        {'c', "We really need a discount if we sign for two years."},
    };
    json_t *ins = s_extract(turns, 8);
    cr_assert_eq(json_array_size(s_requests(ins)), 0, "%s", json_dumps(ins, 0));
    json_decref(ins);
}

Test(dialogue, small_talk_and_setup_are_no_requests)
{
    turn_t turns[] = {
        {'v', "Any plans for the long weekend?"},
        {'c', "Only if the kids let me, we'll see."},
        {'v', "How does the team handle email today?"},
        {'c', "We each use a company email and forward things around."},
        {'v', "And what would you want out of the next quarter?"},
        {'c', "We'd want faster response times, to be honest."},
    };
    json_t *ins = s_extract(turns, 6);
    json_t *reqs = s_requests(ins);
    for (size_t i = 0; i < json_array_size(reqs); i++)
        cr_assert_lt(s_confidence(json_array_get(reqs, i)), CONFIDENT, "%s", json_dumps(ins, 0));
    json_decref(ins);
}

/* A problem with no request phrase is a request when the rep takes it in; the reason a
   customer is leaving is one too. */
Test(dialogue, need_stated_as_a_problem_is_a_request)
{
    turn_t turns[] = {
        {'c', "Two agents end up replying to the same email, and the customer gets both."},
        {'v', "Ouch, I hear you, let me take that to product."},
        {'c', "And emails got auto-closed before anyone saw them, which is why we're looking "
              "at other tools."},
        {'v', "I'm sorry, that shouldn't happen."},
    };
    json_t *ins = s_extract(turns, 4);
    json_t *dup = s_request_quoting(ins, "Two agents");
    json_t *closed = s_request_quoting(ins, "auto-closed");
    cr_assert_not_null(dup, "%s", json_dumps(ins, 0));
    cr_assert_not_null(closed, "%s", json_dumps(ins, 0));
    cr_assert_geq(s_confidence(dup), CONFIDENT);
    cr_assert_geq(s_confidence(closed), CONFIDENT);
    cr_assert_str_eq(cs_rec_str(dup, "title"), "Two agents replying to the same email");
    json_decref(ins);
}

/* The rep restates, the customer agrees: the request is the customer's, quoting the
   agreement, titled from the restatement, which is kept as context. */
Test(dialogue, restatement_the_customer_agrees_to_is_the_customers_request)
{
    turn_t turns[] = {
        {'c', "Our clients send huge files and the mailbox chokes on them."},
        {'v', "So you'd want public links to attachments?"},
        {'c', "Yes, exactly, if you get that on the roadmap."},
    };
    json_t *ins = s_extract(turns, 3);
    json_t *req = s_request_quoting(ins, "Yes, exactly");
    cr_assert_not_null(req, "%s", json_dumps(ins, 0));
    cr_assert_str_eq(cs_rec_str(req, "quote"), "Yes, exactly, if you get that on the roadmap.");
    cr_assert_str_eq(cs_rec_str(req, "context"), "So you'd want public links to attachments?");
    cr_assert_str_eq(cs_rec_str(req, "title"), "Public links to attachments");
    cr_assert_str_eq(cs_rec_str(req, "speaker"), "Cara Customer");
    cr_assert_geq(s_confidence(req), CONFIDENT);
    json_decref(ins);
}

/* A restatement nobody agrees to is nothing; neither is the rep's own pitch. */
Test(dialogue, rep_words_alone_are_no_request)
{
    turn_t turns[] = {
        {'v', "So you'd want public links to attachments?"},
        {'c', "Not really, no."},
        {'v', "We're also adding an AI assistant next quarter, it would be great for you."},
    };
    json_t *ins = s_extract(turns, 3);
    cr_assert_eq(json_array_size(s_requests(ins)), 0, "%s", json_dumps(ins, 0));
    json_decref(ins);
}

/* An Unknown person on the customer's domain asks while the External contact also speaks. */
Test(dialogue, unknown_person_on_the_customer_domain_counts)
{
    turn_t turns[] = {
        {'c', "Thanks for making the time."},
        {'u', "Sorry to jump in, we really need a Confluence integration for the answers."},
        {'v', "Good to know, I'll add your vote."},
        {'s', "We really need a better forecast sheet, by the way."},
    };
    json_t *ins = s_extract(turns, 4);
    json_t *req = s_request_quoting(ins, "Confluence");
    cr_assert_not_null(req, "%s", json_dumps(ins, 0));
    cr_assert_str_eq(cs_rec_str(req, "speaker"), "Uma Unknown");
    cr_assert_null(s_request_quoting(ins, "forecast"), "%s", json_dumps(ins, 0));
    json_decref(ins);
}

/* Staff only: an internal meeting, marked, no requests however they are worded. */
Test(dialogue, internal_meeting_yields_nothing)
{
    turn_t turns[] = {
        {'v', "We really need a better forecast sheet before the board meeting."},
        {'s', "It would be great to have the pipeline numbers in one place."},
    };
    json_t *ins = s_extract(turns, 2);
    cr_assert_eq(json_array_size(s_requests(ins)), 0, "%s", json_dumps(ins, 0));
    cr_assert_str_eq(cs_rec_str(ins, "skipped"), "internal meeting: no customer spoke");
    json_decref(ins);
}

/* Titles name the object: no request phrasing, no filler, 2 to 8 words ending where the
   clause ends; a request of filler alone is none. */
Test(dialogue, titles_name_the_thing_asked_for)
{
    static const struct {
        const char *said, *title;
    } cases[] = {
        {"We'd love a Shopify integration as well.", "Shopify integration"},
        {"We really need, um, basically a way to block two agents replying to one email.",
         "Block two agents replying to one email"},
        {"Our warehouse team lives in NetSuite, so we'd want every order synced over there.",
         "Every order synced"},
        {"Nice to have, not urgent, but a bulk export of tags to CSV would help.",
         "Bulk export of tags to CSV"},
        /* whole clauses (test_offline_title.c has the rules one by one) */
        {"Is there any way to archive old tickets before they pile up?", "Archive old tickets"},
        {"It would be great if overdue tickets were escalated automatically to a manager.",
         "Escalate overdue tickets automatically to a manager"},
        {"It would be great to have a big board of open incidents per region up on the wall in "
         "the office.",
         "Big board of open incidents per region"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        turn_t turns[] = {{'c', cases[k].said}, {'v', "Got it, I'll pass that on to product."}};
        json_t *ins = s_extract(turns, 2);
        json_t *req = json_array_get(s_requests(ins), 0);
        cr_assert_not_null(req, "%s", cases[k].said);
        cr_assert_str_eq(cs_rec_str(req, "title"), cases[k].title);
        json_decref(ins);
    }
    turn_t filler[] = {{'c', "As well, yeah."}, {'c', "We'd want that too."}};
    json_t *ins = s_extract(filler, 2);
    cr_assert_eq(json_array_size(s_requests(ins)), 0, "%s", json_dumps(ins, 0));
    json_decref(ins);
}

/* Every request carries a confidence in 0..1; the same request twice keeps the higher. */
Test(dialogue, every_request_has_a_confidence)
{
    turn_t turns[] = {
        {'c', "Could you add a Shopify integration?"},
        {'c', "We really need a Shopify integration."},
        {'v', "Understood, it's on the roadmap."},
        {'c', "It would be great to have SMS replies too."},
    };
    json_t *ins = s_extract(turns, 4);
    json_t *reqs = s_requests(ins);
    cr_assert_geq(json_array_size(reqs), 2, "%s", json_dumps(ins, 0));
    for (size_t i = 0; i < json_array_size(reqs); i++) {
        double c = s_confidence(json_array_get(reqs, i));
        cr_assert(c > 0 && c <= 1, "%f", c);
    }
    cr_assert_geq(s_confidence(s_request_quoting(ins, "Shopify")), 0.8);
    json_decref(ins);
}

/* "We've been running into an issue." names nothing: the bug is the next sentence. */
Test(dialogue, bug_lead_in_hands_over_to_the_next_sentence)
{
    turn_t turns[] = {
        {'c', "Also, we've been running into an issue."},
        {'c', "The PDF invoices come out blank whenever a customer name has an accent."},
        {'v', "Sorry about that, can you send me an example?"},
    };
    json_t *ins = s_extract(turns, 3);
    json_t *bugs = json_object_get(ins, "bug_reports");
    cr_assert_eq(json_array_size(bugs), 1, "%s", json_dumps(ins, 0));
    cr_assert(strstr(cs_rec_str(json_array_get(bugs, 0), "quote"), "come out blank"), "%s",
              json_dumps(ins, 0));
    json_decref(ins);
}

/* A restatement asked anywhere in a question counts; an offer ("do you want me to...?")
   restates nothing. */
Test(dialogue, restatement_in_a_question_counts_an_offer_does_not)
{
    turn_t asked[] = {
        {'v', "Okay, just so I've got it, you'd like an export of every tag each month?"},
        {'c', "Spot on, that's what finance keeps asking me for."},
    };
    json_t *ins = s_extract(asked, 2);
    json_t *req = s_request_quoting(ins, "Spot on");
    cr_assert_not_null(req, "%s", json_dumps(ins, 0));
    cr_assert_str_eq(cs_rec_str(req, "title"), "Export of every tag each month");
    json_decref(ins);

    turn_t offer[] = {
        {'v', "Do you want me to walk you through the reporting screen?"},
        {'c', "Yes please."},
    };
    ins = s_extract(offer, 2);
    cr_assert_eq(json_array_size(s_requests(ins)), 0, "%s", json_dumps(ins, 0));
    json_decref(ins);
}

/* A problem the rep answers with a gap is a request; so is one named while the customer
   talks about leaving. The same problem with neither stays below the threshold. */
Test(dialogue, problem_answered_with_a_gap_or_said_while_leaving_is_a_request)
{
    turn_t gap[] = {
        {'c', "Our agents copy every order number by hand into the billing tool."},
        {'v', "Yeah, that's not something we do today, I'll put it on the list."},
    };
    json_t *ins = s_extract(gap, 2);
    json_t *req = s_request_quoting(ins, "by hand");
    cr_assert_not_null(req, "%s", json_dumps(ins, 0));
    cr_assert_geq(s_confidence(req), CONFIDENT);
    json_decref(ins);

    turn_t leaving[] = {
        {'c', "Honestly, we might not renew."},
        {'c', "The reports are so slow that my managers gave up on them."},
        {'v', "Okay."},
    };
    ins = s_extract(leaving, 3);
    req = s_request_quoting(ins, "so slow");
    cr_assert_not_null(req, "%s", json_dumps(ins, 0));
    cr_assert_geq(s_confidence(req), CONFIDENT);
    json_decref(ins);

    turn_t neither[] = {
        {'c', "The reports are so slow that my managers gave up on them."},
        {'v', "Okay."},
    };
    ins = s_extract(neither, 2);
    req = s_request_quoting(ins, "so slow");
    cr_assert(!req || s_confidence(req) < CONFIDENT, "%s", json_dumps(ins, 0));
    json_decref(ins);
}

/* What the rep notes for the product team was an ask, even without request words. */
Test(dialogue, a_sentence_the_rep_notes_for_product_is_an_ask)
{
    turn_t turns[] = {
        {'c', "Honestly a Teams channel for the night shift could be handy."},
        {'v', "Good idea, I'll pass that on to our product team."},
    };
    json_t *ins = s_extract(turns, 2);
    json_t *req = s_request_quoting(ins, "Teams channel");
    cr_assert_not_null(req, "%s", json_dumps(ins, 0));
    cr_assert_geq(s_confidence(req), CONFIDENT);
    json_decref(ins);

    turns[1].text = "Nice, glad the night shift likes it.";
    ins = s_extract(turns, 2);
    req = s_request_quoting(ins, "Teams channel");
    cr_assert(!req || s_confidence(req) < CONFIDENT, "%s", json_dumps(ins, 0));
    json_decref(ins);
}
