"""The development set's pattern calls: short calls, each a few episodes of the patterns a
pipeline has to tell apart (see samples/README.md). heldout_phrasings.py has the same shape with
other words; the two pools share no sentence.

An episode is (pattern, request key or None, turns). A turn is (side, text):
  "v" / "v2"  Helpdeskly's lead / second person on the call
  "c" / "c2"  the customer's first / second contact
  "C" / "C2"  the same, and this sentence is the episode's truth sentence: the request (key
              given) or the planted negative (key None)
  "R"         Helpdeskly's lead, restating what the customer wants (the truth's "context")
  "P"         Helpdeskly's lead, a roadmap pitch recorded as a negative ("rep-pitch")
  "u" / "U"   the call's Unknown party (its setup says which), "U" its truth sentence
Patterns of requests: explicit, question-no, need, restatement, unknown-speaker, churn.
Patterns of negatives: question-yes, sales-process, small-talk, setup, internal, rep-pitch.

A call is a dict: customer, kind (a key of assemble.STAFFING), setup, episodes; setup is
"normal", "unknown-domain" (one more person, affiliation Unknown, e-mail on the customer's
domain, speaks the "u"/"U" turns), "unknown-silent" (the External contacts never speak; every
customer turn is said by an Unknown party with no e-mail, `unknown` its name), or "foreign"
(the whole call in `language`, an ISO 639-1 code; its episodes carry their own greetings).
Internal meetings are in INTERNAL: parties (staff key or a name, affiliation, e-mail or None)
and turns (who, text); a "!" before who marks a planted negative ("internal").
"""

from . import smalltalk as st

# Filler the builder puts around the episodes.
FILLER = {
    "greetings": st.GREETINGS,
    "greeting_replies": st.GREETING_REPLIES,
    "acks": st.ACKS,
    "backchannels": st.BACKCHANNELS,
    "next_steps": st.NEXT_STEPS,
    "goodbyes": st.GOODBYES,
    "goodbye_replies": st.GOODBYE_REPLIES,
}

CALLS = [
    {"customer": "umbrella", "kind": "Demo", "setup": "normal", "episodes": [
        ("small-talk", None, [
            ("v", "Before we dive in, how was the Black Friday prep, are you, uh, still standing?"),
            ("C", "Barely, ha, I've had more coffee this week than water, I think."),
            ("v", "Ha, fair enough.")]),
        ("question-no", "shopify-integration", [
            ("c", "So most of our online orders come through Shopify."),
            ("C", "Do you, um, do you have a Shopify integration, like can the agent see the order right there?"),
            ("v2", "Not today, no, it's on our roadmap for next year but I can't give you a date."),
            ("c", "Okay. Yeah, that's, hmm, that's a bit of a gap for us.")]),
        ("question-yes", None, [
            ("C", "And can I create custom fields on a conversation, like a store number?"),
            ("v2", "Yes, under settings, custom fields, you can make them required too."),
            ("c", "Oh nice, okay.")]),
        ("sales-process", None, [
            ("C", "Could you, uh, share the recording of this afterwards? Hannah couldn't make it."),
            ("v", "Of course, I'll send it with the recap.")]),
        ("sales-process", None, [
            ("C", "Can you show me how it looks from the agent's side, like when a return comes in?"),
            ("v2", "Sure, let me switch to an agent login.")]),
    ]},
    {"customer": "globex", "kind": "Check-in", "setup": "normal", "episodes": [
        ("need", "collision-detection", [
            ("c", "One thing that keeps happening, and it's not a bug exactly."),
            ("C", "Two agents end up replying to the same email, like, within a minute of each other, and the patient gets both."),
            ("c", "I mean, the little warning is there, but people just don't look at it."),
            ("v", "Yeah, I hear you, that's a bad experience for the patient.")]),
        ("setup", None, [
            ("v", "Are you all logging in with the Google accounts now?"),
            ("C", "No, we each use a company email, the Google ones are only for the clinics."),
            ("v", "Okay, got it.")]),
        ("question-yes", None, [
            ("C", "Is there a way to, um, stop an inbox from being seen by part-timers?"),
            ("v", "Yep, permissions are per inbox, you just take them off the team."),
            ("c", "Okay, perfect, that's what Grace wanted.")]),
        ("sales-process", None, [
            ("v", "How many seats would you want for the new clinic?"),
            ("C", "Five seats should be fine, I think, at least to start with."),
            ("v", "Great, I'll add that to the order form.")]),
    ]},
    {"customer": "vandelay", "kind": "Technical Deep Dive", "setup": "normal", "episodes": [
        ("restatement", "public-attachment-links", [
            ("c", "The retailers keep asking for the invoice PDFs again, and the files are huge, so the emails bounce."),
            ("c", "It would be nicer if they could just, I don't know, get at the file without us attaching it every time."),
            ("R", "So you'd want public links to attachments, so a retailer can download the file from a link?"),
            ("C", "Yes, exactly, if you get that on the roadmap that would save Paul a lot of grief."),
            ("v", "Okay, I'll write that up.")]),
        ("question-no", "netsuite-integration", [
            ("C2", "Does it, um, talk to NetSuite at all? Like, can an agent see if an invoice is paid?"),
            ("v", "Not natively, no, you'd need Zapier or a small script against our API for that."),
            ("c2", "Hmm, okay, Zapier is a hard sell with our IT people.")]),
        ("question-yes", None, [
            ("C", "Can we see who changed a rule, for the auditors?"),
            ("v", "Yes, that's all in the audit log, with the time and the person."),
            ("c", "Great.")]),
        ("small-talk", None, [
            ("c", "Sorry, that's the delivery guy at the door, give me one second."),
            ("v", "No problem, take your time."),
            ("C", "Okay, I'm back, sorry, the kitchen is being redone so there's always someone at the door.")]),
    ]},
    {"customer": "initech", "kind": "Check-in", "setup": "normal", "episodes": [
        ("need", "agent-workload-report", [
            ("C", "Honestly I never know who's overloaded until somebody, you know, tells me on Friday they had sixty open tickets."),
            ("c", "Nina just looks at the queue and guesses, basically."),
            ("v", "Right, okay.")]),
        ("question-yes", None, [
            ("C", "Does the Jira thing still work if the ticket gets moved to another project?"),
            ("v", "It does, the link follows the issue, so nothing breaks."),
            ("c", "Cool.")]),
        ("sales-process", None, [
            ("C", "Can you send me the proposal again, the one with the annual price? I can't find it."),
            ("v", "Sure, I'll resend it right after this.")]),
        ("rep-pitch", None, [
            ("P", "And, uh, quick plug, we're launching a forecasting view for staffing early next year, you'll love it."),
            ("c", "Okay, sounds good.")]),
    ]},
    {"customer": "hooli", "kind": "Discovery", "setup": "normal", "episodes": [
        ("small-talk", None, [
            ("v", "Are you going anywhere nice this winter, since it's the quiet season?"),
            ("C", "Only if the kids let me, ha, probably just the mountains for a weekend."),
            ("v", "That still sounds great.")]),
        ("question-no", "sms-channel", [
            ("C", "A lot of travellers text us, like actual SMS, can those come into the inbox?"),
            ("v", "Not yet, SMS isn't something we support today, people usually forward them from a phone service."),
            ("C2", "Yeah, we tried forwarding, it's messy.")]),
        ("setup", None, [
            ("C", "We're nine people, and two of them are basically always on a bus with a tour group."),
            ("v", "Got it.")]),
        ("sales-process", None, [
            ("v", "What would a first step look like for you?"),
            ("C", "I think let's start with a pilot, just the bookings team, and see how it goes."),
            ("v", "That works, we do that a lot.")]),
        ("sales-process", None, [
            ("C", "Can we do Thursday next week for the follow-up, like, same time?"),
            ("v", "Thursday works, I'll send the invite.")]),
    ]},
    {"customer": "umbrella", "kind": "Check-in", "setup": "normal", "episodes": [
        ("need", "localized-admin-ui", [
            ("c", "So with the new stores in Mexico, we have a team there now."),
            ("C", "The admin panel is all in English, and, well, half my team down there reads Portuguese or Spanish, not English."),
            ("c", "They end up asking Raj what every setting does."),
            ("v", "Right, that's useful to know.")]),
        ("question-yes", None, [
            ("C", "Can the out of hours reply be different per country?"),
            ("v", "Yes, business hours and the auto reply are per inbox, so one inbox per country does it."),
            ("c", "Okay good.")]),
        ("sales-process", None, [
            ("C", "And is there any discount if we bring the Quebec team on at the same time?"),
            ("v", "I'd have to check, but usually yes, I'll come back to you on pricing.")]),
    ]},
    {"customer": "northwind", "kind": "Technical Deep Dive", "setup": "normal", "episodes": [
        ("question-no", "custom-roles", [
            ("C", "Can I make a role that can, like, see the dispatch inbox but not change any rules?"),
            ("v", "Not yet, roles are fixed right now, admin, agent and light, the workaround is a separate team."),
            ("c", "Hmm, the separate team thing gets messy fast with forty people.")]),
        ("question-yes", None, [
            ("C2", "Do you have an API we could hit from the carrier portal?"),
            ("v", "Yes, there's a REST API and webhooks, the docs are public."),
            ("c2", "Perfect, I'll send that to our developer.")]),
        ("setup", None, [
            ("C", "Our drivers mostly message us from the app, and the app sends it as an email."),
            ("v", "Okay, so it all lands as email anyway.")]),
        ("restatement", "ai-tone-check", [
            ("c", "Some of the temp agents last year were, um, a bit short with customers."),
            ("c", "We only found out when the complaints came in."),
            ("R", "So what you're after is something that flags a reply that sounds rude before it goes out?"),
            ("C", "Yeah, that, exactly, like a tone check before they hit send."),
            ("v", "Got it, that's a good one.")]),
    ]},
    {"customer": "globex", "kind": "Demo", "setup": "unknown-domain",
     "unknown": ("Priyanka Das", "globex.example"), "episodes": [
        ("question-yes", None, [
            ("C", "Can patients reply to a closed conversation, and does it reopen?"),
            ("v2", "Yes, a reply reopens it and puts it back in the queue."),
            ("c", "Okay, good.")]),
        ("unknown-speaker", "wiki-integration", [
            ("u", "Sorry, can I jump in, it's Priyanka from the training team."),
            ("U", "All our answers live in Confluence, so ideally the agent sees the right wiki page next to the email."),
            ("v", "Hi Priyanka, that's a good point, today you'd have to copy the links by hand."),
            ("u", "Yeah, that's what we do now, and nobody does it.")]),
        ("unknown-speaker", "kpi-dashboard", [
            ("U", "And, I mean, for my part, I'd need one screen with the team's KPIs for the weekly meeting, not five reports."),
            ("v", "Understood, I'll note that down.")]),
        ("sales-process", None, [
            ("C", "Can you send the slides to me and I'll forward them to Priyanka?"),
            ("v", "Will do.")]),
    ]},
    {"customer": "vandelay", "kind": "Check-in", "setup": "unknown-silent",
     "unknown": "Vandelay Boardroom", "episodes": [
        ("small-talk", None, [
            ("C", "Can you hear us? We're all in the boardroom today, it's Frank and Ivy."),
            ("v", "Loud and clear, hi both.")]),
        ("unknown-speaker", "kpi-dashboard", [
            ("C", "So what I'd love to have is, uh, one page with our numbers, response time, backlog, the CSAT, that I can put on the screen here."),
            ("v", "Okay, so a team dashboard, got it.")]),
        ("unknown-speaker", "collision-detection", [
            ("c", "And Ivy says it happened again this week."),
            ("C", "Two of her people answered the same retailer about the same invoice, with different numbers."),
            ("v", "Ouch, okay.")]),
        ("sales-process", None, [
            ("C", "Also send us the renewal paperwork early this time, legal is slow in December."),
            ("v", "Sure, I'll get it to you by the end of the month.")]),
    ]},
    {"customer": "initech", "kind": "Renewal", "setup": "normal", "episodes": [
        ("sales-process", None, [
            ("v", "So the renewal is on the first, same seats?"),
            ("C", "Probably, yeah, but I have to be honest with you about something first."),
            ("v", "Sure, go ahead.")]),
        ("churn", "auto-close-control", [
            ("c", "We've been looking at other tools."),
            ("C", "A couple of customer emails got auto-closed before anyone even saw them, and one was from our biggest account."),
            ("c", "My boss asked why we're paying for a tool that closes emails on its own."),
            ("v", "I'm sorry, that's, yeah, that shouldn't happen to you.")]),
        ("churn", "agent-workload-report", [
            ("C2", "And the other thing is we still can't see who's drowning, I end up counting tickets in a spreadsheet."),
            ("v", "Okay, let me take both of those to product before we talk numbers.")]),
    ]},
    {"customer": "hooli", "kind": "Renewal", "setup": "normal", "episodes": [
        ("churn", "sms-channel", [
            ("c", "The honest answer is we might not renew."),
            ("C", "Half our travellers text us, and every one of those lives outside the tool, so, um, it's two systems for us."),
            ("v", "I understand, thanks for being straight with me.")]),
        ("sales-process", None, [
            ("C", "If we do stay, can we drop to seven seats?"),
            ("v", "Yes, we can do seven at renewal.")]),
        ("small-talk", None, [
            ("C", "Sorry, it's loud here, I'm at the airport, as usual, ha."),
            ("v", "Ha, occupational hazard.")]),
    ]},
    {"customer": "northwind", "kind": "Check-in", "setup": "normal", "episodes": [
        ("need", "public-attachment-links", [
            ("C", "Our customers can't open the delivery photos when they're over the email limit, so they just, they never get them."),
            ("v", "Hmm, okay.")]),
        ("question-no", "wiki-integration", [
            ("C2", "Can it pull answers from our Notion, where the dispatch team keeps their, like, how-to pages?"),
            ("v", "Not at the moment, the knowledge base is our own, but you could import the pages."),
            ("c2", "Import isn't really going to fly, they edit those every day.")]),
        ("question-yes", None, [
            ("C", "Can we snooze a thread until the truck arrives, like a specific date?"),
            ("v", "Yes, snooze takes any date and time."),
            ("c", "Nice.")]),
        ("rep-pitch", None, [
            ("P", "Also, and this is a teaser, the WhatsApp channel is going to beta soon if drivers ever want that."),
            ("c", "Maybe, yeah.")]),
    ]},
    {"customer": "umbrella", "kind": "Renewal", "setup": "normal", "episodes": [
        ("churn", "localized-admin-ui", [
            ("C", "Look, the Mexico team is asking why they're stuck with an English-only admin when the other tool they used had Spanish."),
            ("c", "It's one of the reasons procurement put us in a review."),
            ("v", "Okay, that's important, thank you.")]),
        ("sales-process", None, [
            ("C", "Can you put the price for the extra stores in writing, with the discount we talked about?"),
            ("v", "Yes, I'll send an updated quote.")]),
    ]},
    {"customer": "globex", "kind": "Technical Deep Dive", "setup": "normal", "episodes": [
        ("question-no", "public-attachment-links", [
            ("C", "Can an agent send a link to a file instead of the attachment itself? Some of these scans are big."),
            ("v", "Not today, attachments always go in the email, it's been asked for a few times though."),
            ("c", "Yeah, okay, that's what I thought.")]),
        ("setup", None, [
            ("C3", "Everything that touches patient data, I have to review it first, that's just how we work."),
            ("v", "Of course.")]),
        ("question-yes", None, [
            ("C3", "Is the data encrypted at rest?"),
            ("v", "Yes, at rest and in transit, it's in the security overview."),
            ("c3", "Good.")]),
    ]},
]

# One call not in English, with its requests.
FOREIGN = {"customer": "vandelay", "kind": "Check-in", "setup": "foreign", "language": "de",
           "contact": ("Jürgen Hoffmann", "Leiter Kundenservice Europa"),
           "episodes": [
    (None, None, [
        ("v", "Hallo Herr Hoffmann, danke, dass Sie sich die Zeit nehmen."),
        ("c", "Hallo, kein Problem, schön Sie zu sehen."),
        ("v", "Wie läuft es mit dem Team in Hamburg?"),
        ("c", "Gut, eigentlich, die Leute haben sich schnell eingewöhnt.")]),
    ("explicit", "auto-translation", [
        ("c", "Eine Sache noch."),
        ("C", "Wir bräuchten wirklich eine automatische Übersetzung, weil viele Händler uns auf Italienisch schreiben."),
        ("v", "Verstehe, das nehme ich mit zum Produktteam.")]),
    ("need", "localized-admin-ui", [
        ("C", "Und die Einstellungen sind alle auf Englisch, das ist für zwei Kolleginnen ehrlich gesagt schwierig."),
        ("v", "Okay, danke, das notiere ich.")]),
    ("sales-process", None, [
        ("C", "Können Sie mir das Angebot für die zusätzlichen Plätze noch einmal schicken?"),
        ("v", "Ja, mache ich heute noch."),
        ("c", "Super, danke, bis dann."),
        ("v", "Tschüss, bis bald.")]),
]}

INTERNAL = [
    {"title": "Helpdeskly Internal | Forecast Review",
     "parties": [("rachel", "Internal", True), ("sam", "Unknown", True), ("maya", "Unknown", True),
                 ("jonas", "Internal", True)],
     "turns": [
         ("rachel", "Okay, let's do the forecast, I only have thirty minutes."),
         ("sam", "Sure, Northwind is still on track for the upsell, legal has the paperwork."),
         ("!rachel", "Honestly, we really need a better forecast sheet, this one breaks every time someone sorts it."),
         ("maya", "Agreed, I spent an hour fixing formulas yesterday."),
         ("!maya", "It would be great if the CRM just, you know, sent us a weekly summary of the stuck deals."),
         ("jonas", "On the renewal side, Hooli is a risk, they asked about SMS again."),
         ("!sam", "Can we get a proper template for the mutual action plans? I keep rewriting mine."),
         ("rachel", "Yes, let's put that on the list for the offsite."),
         ("!jonas", "And we need a way to see which accounts haven't had a check-in for a month."),
         ("rachel", "Okay, good, same time next week."),
     ]},
    {"title": "Helpdeskly Internal | Roadmap Sync",
     "parties": [("theo", "Internal", True), ("priya", "Internal", True),
                 ("Lena Vogt", "Unknown", False)],
     "turns": [
         ("theo", "Hi both, Lena is joining from the new office, her Gong account isn't set up yet."),
         ("Lena Vogt", "Hi, yes, sorry, I'm on the guest wifi."),
         ("priya", "Welcome, Lena."),
         ("!Lena Vogt", "So from the solutions side, we really need a demo workspace that resets itself every night."),
         ("!priya", "Yeah, and it would be great to have a sandbox per prospect, I keep cleaning up after demos."),
         ("theo", "Okay, I'll look at what it would take."),
         ("!Lena Vogt", "Could we also get the release notes a week earlier? Customers ask before we know."),
         ("theo", "Fair, I'll see what I can do, thanks both."),
     ]},
]
