/* cs_offline_title: a request's title names the thing asked for and ends where the thought
   ends. Each table is sentence -> title, through cs_offline_title itself. The sentences are
   the project's own words for general patterns of English (a trailing subordinate clause, a
   phrase cut by the word limit, an aside between commas, a wish in the passive, the product
   as the subject), not the sample calls'. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_offline_title.h"

typedef struct {
    const char *said, *title;
} title_case_t;

static void s_expect_titles(const title_case_t *cases, size_t n, cs_offline_title_kind_t kind)
{
    for (size_t k = 0; k < n; k++) {
        size_t content = 0;
        char *title = cs_offline_title(cases[k].said, strlen(cases[k].said), 0, kind, &content);
        cr_assert_not_null(title);
        cr_expect_str_eq(title, cases[k].title, "\"%s\" -> \"%s\"", cases[k].said, title);
        cr_expect_gt(content, 0, "\"%s\" names nothing", cases[k].said);
        free(title);
    }
}

/* A trailing subordinate clause goes ("before ...", "so that ...", "until ..."); a title of
   fewer than two words does not stop there. */
Test(offline_title, a_trailing_subordinate_clause_goes)
{
    static const title_case_t cases[] = {
        {"Is there any way to archive old tickets before they pile up?", "Archive old tickets"},
        {"Something that warns the agent about a typo before it goes out.",
         "Warn the agent about a typo"},
        {"Something that notifies the owner when a deal closes, that's the ask.",
         "Notify the owner"},
        {"We need a weekly digest of open tickets so that managers can plan shifts.",
         "Weekly digest of open tickets"},
        {"We'd want a banner on the portal until the outage is fixed.", "Banner on the portal"},
        {"Two invoices got merged before anyone checked them.", "Two invoices got merged"},
        {"We'd love to keep a draft for a while before it goes out.", "Keep a draft for a while"},
        {"We need reminders before the deadline.", "Reminders before the deadline"},
    };
    s_expect_titles(cases, sizeof cases / sizeof cases[0], CS_OFFLINE_TITLE_REQUEST);
}

/* A clause longer than the title is cut before a phrase, never inside one: no dangling
   preposition, particle or "instead", no cut after the "to" of an infinitive. A clause that
   ends within ten words is cut before its last phrase that fits when that drops little ("for
   us"); it stays whole when the cut would drop a name or two words that name something (or
   ends at eight words when a function word ends there, after a name). */
Test(offline_title, a_long_clause_is_cut_before_a_phrase)
{
    static const title_case_t cases[] = {
        {"It would be great to have a big board of open incidents per region up on the wall in "
         "the office.",
         "Big board of open incidents per region"},
        {"Can a manager approve a refund from the mobile app instead of the web console?",
         "Manager approve a refund from the mobile app"},
        {"It would be great if the app could suggest a tag for the ticket based on its first "
         "message.",
         "Suggest a tag for the ticket"},
        {"We need one page with the open orders for the morning meeting, not three.",
         "Page with the open orders for the morning meeting"},
        {"We need a page of open orders and late ones for us.",
         "Page of open orders and late ones"},
        {"Is there any way to land all our ticket data in Snowflake every night?",
         "Land all our ticket data in Snowflake"},
        {"We need each technician's jobs to show up in their Google Calendar.",
         "Each technician's jobs to show up in their Google Calendar"},
        {"Right now someone has to retype every order into the old system by hand.",
         "Retype every order into the old system"},
        {"Is there any way to export every invoice with its lines and payment terms to a "
         "spreadsheet?",
         "Export every invoice with its lines"},
    };
    s_expect_titles(cases, sizeof cases / sizeof cases[0], CS_OFFLINE_TITLE_REQUEST);
}

/* An aside between commas ends no clause; an object "that" at the end of its clause stays;
   "which" after a verb that takes a question is its object, not a new clause. */
Test(offline_title, asides_objects_and_questions_keep_the_clause_whole)
{
    static const title_case_t cases[] = {
        {"Can I make a team that can, like, see billing but not refunds?",
         "Team that can see billing"},
        {"Our auditors ask for it, so we need a log that proves we did that, ticket by ticket.",
         "Log that proves we did that"},
        {"We need to track which driver has which of our vans.",
         "Track which driver has which of our vans"},
    };
    s_expect_titles(cases, sizeof cases / sizeof cases[0], CS_OFFLINE_TITLE_REQUEST);
}

/* A wish in the passive ("if X were done", "X to be done") and the product as the subject
   ("if the system could do X") become the ask: the verb first. */
Test(offline_title, a_wish_for_a_verb_starts_with_the_verb)
{
    static const title_case_t cases[] = {
        {"It would be great if overdue tickets were escalated automatically to a manager.",
         "Escalate overdue tickets automatically to a manager"},
        {"We need the old threads to be archived after ninety days.",
         "Archive old threads after ninety days"},
        {"It would be great if voicemails were copied into the ticket.",
         "Copy voicemails into the ticket"},
        {"It'd help if the attachments were scanned for viruses.", "Scan attachments for viruses"},
        {"It would be great if the system could flag duplicate contacts for review.",
         "Flag duplicate contacts for review"},
        {"It would be nice if the tool would remember my last filter.", "Remember my last filter"},
        {"Something that goes through every new ticket at night.",
         "Go through every new ticket at night"},
    };
    s_expect_titles(cases, sizeof cases / sizeof cases[0], CS_OFFLINE_TITLE_REQUEST);
}

/* What must not change: titles that already ended where their thought ends, a past event in
   the passive (no wish), a past participle whose base form the spelling does not say, the
   product's subject with a negation, and bug titles (no verb moved). */
Test(offline_title, whole_titles_and_facts_stay_as_they_were)
{
    static const title_case_t requests[] = {
        {"We'd love a Shopify integration as well.", "Shopify integration"},
        {"Could you add a dark mode?", "Dark mode"},
        {"Nice to have, not urgent, but a bulk export of tags to CSV would help.",
         "Bulk export of tags to CSV"},
        {"Our warehouse team lives in NetSuite, so we'd want every order synced over there.",
         "Every order synced"},
        {"The one thing missing for us is load balancing across the team, right now it's "
         "random.",
         "Load balancing across the team"},
        {"It would be great to get a weekly summary of open incidents, so the managers can plan.",
         "Weekly summary of open incidents"},
        {"We really need SAML login through Okta because of the audit.", "SAML login through Okta"},
        {"The invoices were generated twice last month.",
         "Invoices were generated twice last month"},
        {"It would be great if the reports were created every Monday.",
         "Reports were created every Monday"},
        {"It would be great if the system could not log us out every hour.",
         "System could not log us out every hour"},
    };
    s_expect_titles(requests, sizeof requests / sizeof requests[0], CS_OFFLINE_TITLE_REQUEST);
    static const title_case_t bugs[] = {
        {"The export crashes every time we open it.", "Export crashes every time we open it"},
        {"The invoices were duplicated when we synced them.", "Invoices were duplicated"},
    };
    s_expect_titles(bugs, sizeof bugs / sizeof bugs[0], CS_OFFLINE_TITLE_BUG);
}

/* The title names the request, not what is said about it or around it: a predicate of
   importance ("is a must", "is our top priority") goes; an indirect object ("prove to a
   customer | that ...") gives way to the clause that is proved; a verb's complement ("ask
   the customer | to rate ...", "shows customers | where ...") stays with it, and a cut that
   leaves a verb without its object ("where they can see") goes back a phrase; "before"
   after a unit of time is no clause ("the day before a visit"); "once" opens one ("once
   labor is in"), "without" with a verb too; a quantified subject ("a few of our sites need")
   still puts the request after its verb; a long "someone has to do X" keeps what has to be
   done; a clause with nowhere to cut stays whole up to ten words ("its reorder point");
   "which" before its noun after a preposition asks ("on which van"), it opens no clause. */
Test(offline_title, the_title_names_the_request_not_its_context)
{
    static const title_case_t cases[] = {
        {"For us, offline maps for the vans is a must before we sign.",
         "Offline maps for the vans"},
        {"Honestly, a shared calendar for the crews is our top priority this year.",
         "Shared calendar for the crews"},
        {"For us, a widget that tells customers when the van arrives is a must.",
         "Widget that tells customers when the van arrives"},
        {"We need to be able to explain to the board that refunds went down after the change.",
         "Explain that refunds went down after the change"},
        {"It would be great if we could prove to an auditor how every invoice was approved.",
         "Prove how every invoice was approved"},
        {"It would be great if we could invite the customer to book a follow-up visit online.",
         "Invite the customer to book a follow-up visit online"},
        {"We need a dashboard that shows managers which depot is the busiest.",
         "Dashboard that shows managers which depot is the busiest"},
        {"We need a page that shows drivers where the depot is.",
         "Page that shows drivers where the depot is"},
        {"I wish we could send drivers a message where they can see what the next stop needs "
         "and who signs.",
         "Send drivers a message"},
        {"We need reminders the week before a contract ends.",
         "Reminders the week before a contract ends"},
        {"We'd love to see the cost of each route once fuel and tolls are in.",
         "Cost of each route"},
        {"We need to update prices in the catalogue without opening every product.",
         "Update prices in the catalogue"},
        {"Most of our drivers need a folding trolley kept in the van.",
         "Folding trolley kept in the van"},
        {"Every month somebody has to rebuild the whole price list for our wholesale accounts by "
         "hand.",
         "Rebuild the whole price list"},
        {"We need a warning when a driver goes over their weekly hour limit.",
         "Warning when a driver goes over their weekly hour limit"},
        {"Is there a way to look up an order by scanning its label?",
         "Look up an order by scanning its label"},
        {"We need to see which tools are in which truck before a job starts.",
         "Which tools are in which truck"},
    };
    s_expect_titles(cases, sizeof cases / sizeof cases[0], CS_OFFLINE_TITLE_REQUEST);
}

/* ...and what those rules leave alone: an importance word that describes the thing inside a
   relative clause, "once" as a frequency, "without" before a noun, "before" as a clause, a
   verb with "to" that asks nobody, a short "someone has to" sentence, "look" as a lead word,
   "which" that opens a clause after a preposition ("for which the customer..."). */
Test(offline_title, context_rules_leave_the_rest_alone)
{
    static const title_case_t cases[] = {
        {"We need a flag that shows which job is critical.",
         "Flag that shows which job is critical"},
        {"We need a report sent once a week to the owner.", "Report sent once a week to the owner"},
        {"We need a portal without a login for the customers.",
         "Portal without a login for the customers"},
        {"We need a reminder to the customer before the visit starts.", "Reminder to the customer"},
        {"We'd love to send the weekly report for each depot to the regional managers by email.",
         "Send the weekly report for each depot"},
        {"Someone has to retype every order.", "Someone has to retype every order"},
        {"Look, we need a map of the jobs.", "Map of the jobs"},
        {"We need a list of jobs for which the customer has paid.", "List of jobs"},
    };
    s_expect_titles(cases, sizeof cases / sizeof cases[0], CS_OFFLINE_TITLE_REQUEST);
}

/* A sentence that states a rule, a pain or a verdict instead of asking still gets a title
   that names what is asked for: a request verb in the clause a verb of saying reports
   ("X says every tool needs | Y"); not a clause that only says how much the request matters
   ("that's a dealbreaker", "it's a hard requirement") but the clause after it; the unmet
   requirement of "anything that doesn't | export to QuickBooks"; "can't see X" asks to see
   X; a thing that is in one language only asks for others; a quantifier before the subject
   goes ("a couple of | our drivers"); a one-word title keeps a name the sentence carries as
   a modifier ("an Azure customer"). */
Test(offline_title, a_rule_a_pain_or_a_verdict_names_what_is_asked_for)
{
    static const title_case_t cases[] = {
        {"The board said that all our vendors need audit logs.", "Audit logs"},
        {"Our legal team insists each portal needs a cookie banner.", "Cookie banner"},
        {"Our compliance officer says every app needs two-factor login, and we're a Google "
         "shop.",
         "Two-factor login"},
        {"It's a dealbreaker for the pilot: finance won't sign off on anything that doesn't "
         "export to QuickBooks.",
         "Export to QuickBooks"},
        {"So that's a hard requirement, a nightly backup of the whole account.",
         "Nightly backup of the whole account"},
        {"Frankly this would be a showstopper, offline maps for the crews.",
         "Offline maps for the crews"},
        {"Nobody will buy a tool that can't print labels.", "Print labels"},
        {"I cannot tell who opened a ticket last.", "Tell who opened a ticket last"},
        {"The customer portal is only in English, and most of our clients speak French.",
         "Customer portal in other languages"},
        {"Our drivers are stuck with a German-only app.", "App in other languages"},
        {"A couple of our drivers lost their delivery notes yesterday.",
         "Drivers lost their delivery notes yesterday"},
        {"Half our clients pay by cheque, and every one of those is typed in by hand.",
         "Clients pay by cheque"},
        {"We need SSO, and we're an Azure customer.", "SSO with Azure"},
    };
    s_expect_titles(cases, sizeof cases / sizeof cases[0], CS_OFFLINE_TITLE_REQUEST);
}

/* ...and what those rules leave alone: an inability that asks for nothing to see or know
   ("can't afford"), or whose object names nothing ("can't find it"); a place that is no
   language ("all in Excel"); a title of more than one word or that has its name already; a
   name that is the subject of a clause ("if Fieldwise can't"), not a modifier; a verdict
   about the request in a later clause of its sentence. A sentence that is nothing but a
   verdict names nothing: it belongs to the request before it. */
Test(offline_title, rule_pain_and_verdict_rules_leave_the_rest_alone)
{
    static const title_case_t cases[] = {
        {"We can't afford another tool.", "Can't afford another tool"},
        {"Can't find it.", "Can't find it"},
        {"The data is all in Excel.", "Data is all in Excel"},
        {"We need Slack alerts.", "Slack alerts"},
        {"We need exports, and if Fieldwise can't, we'll leave.", "Exports"},
        {"We really need SAML login through Okta because of the audit.", "SAML login through Okta"},
        {"We need a shared calendar, and honestly that's a blocker for our launch.",
         "Shared calendar"},
        {"Most of the techs want a dark mode.", "Dark mode"},
    };
    s_expect_titles(cases, sizeof cases / sizeof cases[0], CS_OFFLINE_TITLE_REQUEST);
    static const char *const verdicts[] = {"That's a blocker for our launch.",
                                           "Honestly, it's a real dealbreaker for us."};
    for (size_t k = 0; k < sizeof verdicts / sizeof verdicts[0]; k++) {
        size_t content = 1;
        char *title = cs_offline_title(verdicts[k], strlen(verdicts[k]), 0,
                                       CS_OFFLINE_TITLE_REQUEST, &content);
        cr_assert_not_null(title);
        cr_expect_eq(content, 0, "\"%s\" -> \"%s\" names something", verdicts[k], title);
        free(title);
    }
}

/* A one-word title ends before ", and", ", but" or ", so" when a clause with its own subject
   and verb follows: a pronoun, or a determiner, a noun and a finite verb (an auxiliary, a
   common verb that agrees with the noun, a past after "our"). */
Test(offline_title, a_new_clause_after_a_conjunction_ends_the_title)
{
    static const title_case_t cases[] = {
        {"We need alerts, and the team lives in Slack.", "Alerts"},
        {"We need alerts, but the agents always miss them.", "Alerts"},
        {"We need exports, so the data is all in Excel.", "Exports"},
        {"We need a dashboard, and our managers want it on the wall.", "Dashboard"},
        {"We need tags, and each one can have its own colour.", "Tags"},
        {"We need reminders, and half the team lives on the road.", "Reminders"},
        {"We need webhooks, and you can call them from anywhere.", "Webhooks"},
    };
    s_expect_titles(cases, sizeof cases / sizeof cases[0], CS_OFFLINE_TITLE_REQUEST);
}

/* ...and coordinated objects stay whole: no verb after the determiner's noun ("the filters",
   "the ability to"), a plural noun that looks like a verb ("the CSV exports", "our own
   templates"), a noun that is no plural ("the sales reports"). */
Test(offline_title, coordinated_objects_stay_in_the_title)
{
    static const title_case_t cases[] = {
        {"We need export to CSV and Excel.", "Export to CSV and Excel"},
        {"We need tags, and the filters for each queue.", "Tags, and the filters for each queue"},
        {"We need exports, and the ability to schedule them.",
         "Exports, and the ability to schedule them"},
        {"We need reports, and the CSV exports for finance.",
         "Reports, and the CSV exports for finance"},
        {"We need alerts, and our own templates for them.",
         "Alerts, and our own templates for them"},
        {"We need exports, and the sales reports.", "Exports, and the sales reports"},
        {"We need webhooks, and a sandbox account.", "Webhooks, and a sandbox account"},
        {"We need tags and filters, and the team uses them a lot.", "Tags and filters"},
    };
    s_expect_titles(cases, sizeof cases / sizeof cases[0], CS_OFFLINE_TITLE_REQUEST);
}

/* A share stated with "to be" keeps its quantifier: without it the title says something
   else ("Missed appointments are customers who stepped out"). When the statement does not
   fit, or its cut drops the relative clause that says which, the title is what the share is
   of; a cut that drops a phrase keeps the share. */
Test(offline_title, a_share_stated_with_to_be_keeps_its_quantifier)
{
    static const title_case_t cases[] = {
        {"Half our missed appointments are customers who stepped out.", "Missed appointments"},
        {"Half of our tickets are duplicates.", "Half of our tickets are duplicates"},
        {"Most of our calls were about billing.", "Most of our calls were about billing"},
        {"Some of our invoices are duplicates.", "Some of our invoices are duplicates"},
        {"Half our techs aren't on the app yet.", "Half our techs aren't on the app yet"},
        {"Honestly, most of our agents are in Slack all day.", "Most of our agents are in Slack"},
    };
    s_expect_titles(cases, sizeof cases / sizeof cases[0], CS_OFFLINE_TITLE_REQUEST);
}

/* ...and a quantifier before any other verb still goes; "to be" after no noun ("most of
   what we need is") or after no share ("the one thing we need is") changes nothing. */
Test(offline_title, a_share_rule_leaves_the_rest_alone)
{
    static const title_case_t cases[] = {
        {"Half our travellers text us.", "Travellers text us"},
        {"A couple of our drivers lost their delivery notes yesterday.",
         "Drivers lost their delivery notes yesterday"},
        {"Most of what we need is reporting.", "Reporting"},
        {"The one thing we need is a calendar sync.", "Calendar sync"},
        {"Most of the techs want a dark mode.", "Dark mode"},
    };
    s_expect_titles(cases, sizeof cases / sizeof cases[0], CS_OFFLINE_TITLE_REQUEST);
}

/* Never more than CS_OFFLINE_TITLE_WORDS words, whatever the clause. */
Test(offline_title, never_more_than_the_word_limit)
{
    static const char *const said[] = {
        "We need a way to see every single open ticket and every single closed ticket and every "
        "draft in one long list.",
        "It would be great if all incoming messages from our biggest enterprise customers in "
        "every region were routed to the senior team.",
        "Is there any way to put the whole history of every conversation with this customer on "
        "one screen?",
    };
    for (size_t k = 0; k < sizeof said / sizeof said[0]; k++) {
        size_t content = 0, words = 0;
        char *title =
            cs_offline_title(said[k], strlen(said[k]), 0, CS_OFFLINE_TITLE_REQUEST, &content);
        cr_assert_not_null(title);
        for (char *save = NULL, *w = strtok_r(title, " ", &save); w; w = strtok_r(NULL, " ", &save))
            words++;
        cr_expect_leq(words, CS_OFFLINE_TITLE_WORDS, "\"%s\": %zu words", said[k], words);
        cr_expect_geq(words, 2, "\"%s\"", said[k]);
        free(title);
    }
}
