"""The test set's pattern calls: a third pool, for reporting figures only, in the shape
patterns.py describes (episodes, sides, setups), with words of its own. It shares no sentence of
four words or more with the development set or the held-out set (gen/check.py checks both).

NEW_REQUESTS are requests only this set voices, next to the canonical ones of requests.py:
key -> (theme, title, terms), as requests.PATTERN_REQUESTS.
"""

NEW_REQUESTS = {
    "hubspot-integration": ("Apps and Integrations", "HubSpot integration", [["hubspot"]]),
    "csat-surveys": ("Reporting and Analytics", "Satisfaction surveys after resolution",
                     [["csat", "survey", "surveys", "satisfaction", "feedback"]]),
    "reply-approval": ("Inbox and Collaboration", "Approval of replies before sending",
                       [["approval", "approve", "approves", "approving", "review", "reviews",
                         "sign-off"]]),
    "ai-auto-tagging": ("AI Features", "AI tagging of incoming conversations",
                        [["tag", "tags", "tagging", "categorise", "categorize", "classify",
                          "classification", "categorisation", "categorization"]]),
}

FILLER = {
    "greetings": [
        "Hey, thanks for hopping on, I know it's a busy week for you.",
        "Good morning, can everybody see my screen alright?",
        "Hi folks, I'll keep us to time, promise.",
        "Afternoon, sorry about the calendar shuffle earlier.",
        "Hi, welcome, glad we finally found a slot that works.",
    ],
    "greeting_replies": [
        "Hi, yep, we're all here.",
        "Morning, screen's showing fine on our side.",
        "Hey, no worries, the shuffle was probably our fault anyway.",
        "Hi, thanks, good to put a face to the emails.",
        "Yeah we can see it, go for it.",
    ],
    "acks": [
        "Okay, I've written that down word for word.",
        "Noted, and I'll make sure product actually hears it.",
        "That's really clear, thank you.",
        "Understood, I'll share it with the team this week.",
        "Makes total sense, let me log it properly.",
        "Right, I'll raise that in our next product review.",
        "Got it, I'm putting your name against that one.",
    ],
    "backchannels": [
        "Mm-hm.",
        "Sure, sure.",
        "Right.",
        "Yep, makes sense.",
        "Okay, cool.",
    ],
    "next_steps": [
        "So from my side, I'll write up a summary and get it to you tomorrow.",
        "I'll follow up by email with the notes and the couple of links I mentioned.",
        "Let me circle back once I've talked to the product folks, probably next week.",
        "I'll drop a recap in your inbox this afternoon.",
    ],
    "goodbyes": [
        "Alright, that's time, thanks so much everyone.",
        "Great talking to you, have a good rest of the day.",
        "Okay, I'll let you get back to it, cheers.",
        "Thanks again, speak soon.",
    ],
    "goodbye_replies": [
        "Thanks, you too, bye now.",
        "Cheers, talk next week.",
        "Bye, thanks for your time.",
        "Take care, bye.",
    ],
}

CALLS = [
    {"customer": "northwind", "kind": "Check-in", "setup": "normal", "episodes": [
        ("small-talk", None, [
            ("v", "Did the snow hit you guys yesterday? I saw the pictures from the depot."),
            ("C", "Oh it was chaos, half the trucks didn't leave the yard until noon."),
            ("v", "Oof, sorry to hear it.")]),
        ("explicit", "slack-notifications", [
            ("c", "Okay so my main gripe this month."),
            ("C", "The supervisors live in Slack all day, they don't sit in the inbox, so when something gets handed to them it just sits there, and I'd really like it to post in their Slack when that happens."),
            ("v", "Yeah, that's a fair ask, right now it's email notifications only.")]),
        ("setup", None, [
            ("C2", "For context, the night shift is six people and they mostly handle the Canadian lanes."),
            ("v", "Ah okay, the Canadian lanes, useful.")]),
        ("question-yes", None, [
            ("C2", "Quick one, when somebody's off sick, can I move all their open stuff to someone else in one go?"),
            ("v", "You can, yeah, filter by assignee, select all, reassign, it takes a few seconds."),
            ("c2", "Oh that's easy then.")]),
        ("rep-pitch", None, [
            ("P", "By the way, our new routing rules editor ships next month, it's a lot cleaner than the current one."),
            ("c", "Cool, send me the release notes when it's out.")]),
    ]},
    {"customer": "globex", "kind": "Demo", "setup": "normal", "episodes": [
        ("question-no", "google-calendar", [
            ("C", "When a patient writes asking to move an appointment, is there any chance the agent could see the clinic's Google calendar right there beside the message?"),
            ("v2", "Not at the moment, there's no calendar connection today, some teams keep the calendar open in another tab."),
            ("c", "Right, that's what we do and it's a lot of tab juggling.")]),
        ("question-yes", None, [
            ("C", "Can I hide the patient's phone number from the part-time staff?"),
            ("v2", "Yes, field-level visibility is in the permissions screen, you tick which roles see it."),
            ("c", "Okay, Grace will be happy about that.")]),
        ("explicit", "sentiment-tagging", [
            ("C2", "What I'd want, if I'm being greedy, is for the angry messages to get flagged somehow, like this person is upset, so the leads can jump on those first."),
            ("v", "Interesting, so a mood signal on the conversation.")]),
        ("sales-process", None, [
            ("C", "Would you mind putting the slides and the security doc into one email for me?"),
            ("v", "Not at all, I'll bundle them up.")]),
        ("small-talk", None, [
            ("C2", "Sorry if you hear a dog, the neighbour's husky has opinions about the mailman."),
            ("v", "Ha, no problem at all, we all have one of those.")]),
    ]},
    {"customer": "initech", "kind": "Demo", "setup": "normal", "episodes": [
        ("small-talk", None, [
            ("v", "How's month end treating you, are you surviving?"),
            ("C", "Just about, I think I've eaten lunch at my desk every day this week."),
            ("v", "That sounds grim, hang in there.")]),
        ("explicit", "salesforce-sync", [
            ("C", "I don't know if this is even on your radar, but our account execs keep asking me whether the support history could show up on the account in Salesforce, and if that existed I think it would honestly change how they prep for renewals."),
            ("v", "It's come up before, yeah, I'll make sure it's logged with your use case.")]),
        ("explicit", "hubspot-integration", [
            ("C2", "Marketing's on HubSpot though, so ideally the contact side would go there too, like HubSpot should know if somebody has an open ticket before we email them a promo."),
            ("v2", "Okay, noted, HubSpot as well.")]),
        ("question-yes", None, [
            ("C2", "Does it keep the formatting when somebody pastes a stack trace into a reply?"),
            ("v2", "It does, there's a code block option in the editor and it keeps the monospace."),
            ("c2", "Oh nice, that's been a pain with our old tool.")]),
        ("sales-process", None, [
            ("C", "What's the rough per-seat price if we went annual instead of monthly?"),
            ("v", "Annual comes in about fifteen percent lower, I'll lay out monthly and annual side by side.")]),
    ]},
    {"customer": "umbrella", "kind": "Discovery", "setup": "normal", "episodes": [
        ("setup", None, [
            ("v", "Walk me through where customer messages come in from today."),
            ("C", "So there's the website form, the store inboxes, and then honestly a lot of people just reply to their order confirmation."),
            ("v", "Okay, that's a lot of doors.")]),
        ("explicit", "shopify-integration", [
            ("C", "Our last vendor pulled the Shopify order straight into the ticket and, I'll be blunt, if the agent can't see the order and the refund status right there we're going backwards."),
            ("v", "That's really helpful to hear plainly.")]),
        ("question-no", "auto-translation", [
            ("C2", "Can your system translate an incoming message, say a Quebec customer writes in French, so an agent in Ohio can read it and answer?"),
            ("v", "Not built in, no, it's something we're looking at, for now people paste into a translator."),
            ("c2", "Hmm, copy paste into a translator all day is not going to go down well.")]),
        ("small-talk", None, [
            ("c2", "Sorry, I'm eating, it's been back to back since eight."),
            ("v", "Please, go ahead, no judgement here."),
            ("C2", "It's a very sad desk salad, in case you were wondering.")]),
        ("sales-process", None, [
            ("C", "What's the usual contract length you do, one year, or can it be shorter for a trial?"),
            ("v", "Usually a year, but for a region rollout we can do a paid three month pilot first.")]),
    ]},
    {"customer": "hooli", "kind": "Discovery", "setup": "normal", "episodes": [
        ("question-no", "hubspot-integration", [
            ("C", "We keep our travellers in HubSpot, can your tool read from it, like show me their bookings when they write in?"),
            ("v", "Today no, there's no HubSpot connector, you could use a webhook to look it up but you'd need someone technical."),
            ("c", "Yeah, we don't really have anyone technical, that's kind of the problem.")]),
        ("explicit", "ai-reply-suggestions", [
            ("C2", "The other tool we trialled would draft an answer for you and you'd just tweak it, and for questions like can I change my return date that was a huge time saver, so we'd want something like that."),
            ("v", "Okay, that's a clear one.")]),
        ("setup", None, [
            ("C", "Right now it's a shared Gmail and a spreadsheet of who's handling what, and it sort of works until it doesn't."),
            ("v", "Classic, we hear that a lot.")]),
        ("question-yes", None, [
            ("C2", "Can the agents use it from their phones when they're out with a group?"),
            ("v", "Yep, there's an iOS and Android app, same inbox, same notes."),
            ("c2", "Okay good, that's non-negotiable for us.")]),
        ("sales-process", None, [
            ("C", "Is there a cheaper plan for a team our size, or is it one price for everybody?"),
            ("v", "There's a starter tier up to ten seats, I'll send you the comparison.")]),
    ]},
    {"customer": "vandelay", "kind": "Check-in", "setup": "normal", "episodes": [
        ("explicit", "csv-export", [
            ("C3", "Paul here, I need to pull every conversation with a retailer into a spreadsheet once a month for the reconciliation, can you make that possible?"),
            ("v", "Okay, so a straight export of conversations, got it.")]),
        ("question-yes", None, [
            ("C", "Could every conversation carry the retailer's account number without anyone typing it?"),
            ("v", "Yes, contact attributes, once it's on the contact it shows on all their threads."),
            ("c", "Perfect.")]),
        ("restatement", "round-robin-assignment", [
            ("c2", "Every morning I sit there and hand out the overnight emails one by one, and somebody always says they got more than the others."),
            ("R", "So it sounds like you'd want new emails dealt out evenly in turn across the team, without you doing it by hand?"),
            ("C2", "That's it, yes, that would give me back my first hour every day."),
            ("v", "Makes sense.")]),
        ("small-talk", None, [
            ("C", "You caught me on my first day back, two weeks in Lisbon, so be gentle."),
            ("v", "Lisbon, lovely, I hope you had those custard tarts.")]),
        ("sales-process", None, [
            ("C", "Remind me when the invoice for the extra seats goes out, finance asked me this morning."),
            ("v", "It goes out on the fifteenth, I'll double check and confirm by email.")]),
    ]},
    {"customer": "northwind", "kind": "Technical Deep Dive", "setup": "unknown-domain",
     "unknown": ("Kofi Mensah", "northwind.example"), "episodes": [
        ("question-yes", None, [
            ("C3", "Do you support SAML, or is it username and password only?"),
            ("v", "We support SAML with any standard identity provider, it's on the business plan."),
            ("c3", "Okay, that's fine then.")]),
        ("unknown-speaker", "public-attachment-links", [
            ("u", "Hi, Kofi, I run the claims desk, sorry I joined late."),
            ("U", "The pallet photos for damage claims are usually twenty, thirty megs, and I'd love to just send the customer a link they can click rather than cramming them in the email."),
            ("v", "Hi Kofi, yeah, that's not something it does today, attachments go inline."),
            ("u", "Yeah, so they bounce, every time.")]),
        ("unknown-speaker", "scheduled-report-emails", [
            ("U", "And could the weekly claims numbers just land in my mailbox on Monday morning, because I forget to go and look?"),
            ("v", "Okay, I'll add that one too.")]),
        ("setup", None, [
            ("C", "We sync users from Azure AD every night, so new starters show up the next morning."),
            ("v", "Got it, that works with our user provisioning.")]),
        ("sales-process", None, [
            ("C3", "Can you send me your pen test summary and the DPA, our security review needs both?"),
            ("v", "Sure, I'll get those over today.")]),
    ]},
    {"customer": "globex", "kind": "Check-in", "setup": "normal", "episodes": [
        ("need", "sla-dashboard", [
            ("c", "So the clinics have a two hour promise for urgent messages."),
            ("C", "And I find out we broke it when a clinic manager calls me, not before, there's nowhere I can glance at to see how we're doing against that two hours."),
            ("v", "Ugh, that's a rough way to find out, I'm sorry.")]),
        ("need", "reply-approval", [
            ("C2", "The new hires sometimes answer medical questions they really shouldn't, and by the time I see it the email's already gone out to the patient."),
            ("v", "Yeah, that's a real risk, I hear you.")]),
        ("question-yes", None, [
            ("C", "Can we set different working hours for the weekend team?"),
            ("v", "Yes, each inbox can have its own schedule, weekends included."),
            ("c", "Oh good.")]),
        ("sales-process", None, [
            ("v", "Do you want me to loop in Maya about the extra clinic?"),
            ("C", "Yes please, and if she can send over numbers before Friday that would be ideal."),
            ("v", "Will do.")]),
    ]},
    {"customer": "umbrella", "kind": "QBR", "setup": "normal", "episodes": [
        ("small-talk", None, [
            ("v", "Congrats on the Montreal opening, I saw the photos on LinkedIn."),
            ("C", "Thanks, it was freezing but the line went round the block, so worth it."),
            ("v", "That's fantastic.")]),
        ("restatement", "salesforce-sync", [
            ("c", "Our store ops team is in Salesforce, and they're always asking care for the history on a customer complaint."),
            ("c", "We end up forwarding threads to them, which is not great."),
            ("R", "So, if I'm hearing you, you'd like the care conversations to show up against the customer in Salesforce automatically, and updates to go both ways?"),
            ("C", "Yes, both ways, that's the bit that matters."),
            ("v2", "Okay.")]),
        ("need", "collision-detection", [
            ("C2", "During the Black Friday rush we had customers getting two refund confirmations, from two different agents, because nothing stopped the second person once the first had started typing."),
            ("v", "Oh no, yeah, that's exactly the situation you don't want.")]),
        ("explicit", "per-agent-signatures", [
            ("C3", "Small thing, but every agent sends from the same care address with the same sign-off, and we'd like each person's own name and title at the bottom."),
            ("v2", "Got it, personal signatures on the shared address.")]),
        ("question-yes", None, [
            ("C3", "Can we limit which IP ranges can log in, for the stores?"),
            ("v2", "Yes, IP allowlisting is under security settings on your plan."),
            ("c3", "Great, I'll set that up.")]),
        ("rep-pitch", None, [
            ("P", "Something you'll like, we're adding a proper returns workflow template early next year."),
            ("c", "Oh, put us down for the beta.")]),
    ]},
    {"customer": "initech", "kind": "Check-in", "setup": "normal", "episodes": [
        ("explicit", "conversation-summaries", [
            ("C", "When a thread's been going back and forth for three weeks and it lands on someone new, they have to read forty messages, and what I keep thinking is, why can't it just give them a short recap of where things stand, which would save a good half hour every single handover."),
            ("v", "That's a really common pain with long technical threads.")]),
        ("question-no", "wiki-integration", [
            ("C2", "Can the agents search our Confluence from inside the reply window?"),
            ("v", "Not from inside the reply, no, you'd have to keep Confluence open on the side for now."),
            ("c2", "Meh, okay.")]),
        ("need", "internal-notes-mentions", [
            ("C2", "When I leave a note for an engineer on a thread, they never find out I did unless I ping them separately on chat."),
            ("v", "Right, so the note just sits there.")]),
        ("small-talk", None, [
            ("C", "Did you end up getting the tickets for that concert?"),
            ("v", "I did, nosebleed seats but I don't care."),
            ("C", "Nice, that's all that matters.")]),
    ]},
    {"customer": "hooli", "kind": "Check-in", "setup": "normal", "episodes": [
        ("explicit", "sms-channel", [
            ("C2", "Honestly the number one thing, and I've said it before, is texts, a traveller stuck at a station sends a text, not an email, so please let text messages land in the inbox."),
            ("v", "I know, I know, I've got it on my list.")]),
        ("need", "mobile-offline", [
            ("C", "Our guides are up in the mountains half the time with no signal, and the app just sits there loading, they can't even read what the customer wrote before they lost coverage."),
            ("v", "That's tough, especially for your team.")]),
        ("explicit", "google-calendar", [
            ("C2", "Oh and can it hook into Google Calendar, so when someone books a call with a guide it creates the event on their calendar?"),
            ("v", "Not today, I'll put it down.")]),
        ("sales-process", None, [
            ("C", "Could you resend the invite for the training, I think it went to my old address?"),
            ("v", "Yep, doing it right now.")]),
    ]},
    {"customer": "vandelay", "kind": "Technical Deep Dive", "setup": "normal", "episodes": [
        ("question-no", "netsuite-integration", [
            ("C3", "Our invoices are all in NetSuite, so, can an agent look one up from the conversation, or is that a manual job?"),
            ("v", "Manual for now, there's no NetSuite connector, the workaround is a custom sidebar app against our API."),
            ("c3", "Hmm, a custom app isn't going to happen this year.")]),
        ("explicit", "custom-roles", [
            ("C", "I want finance to be able to see the invoice threads and add notes but not touch the routing or delete anything, and as far as I can tell your three roles don't let me do that, so could we get something more granular?"),
            ("v", "That's fair, the roles are pretty fixed at the moment.")]),
        ("question-yes", None, [
            ("C2", "Can we bulk-close the old customs threads from last year?"),
            ("v2", "Yes, select them in the list view and close them in one go."),
            ("c2", "Great.")]),
        ("setup", None, [
            ("C", "Our retailers mostly email the account manager directly, and then they forward it to the shared address."),
            ("v", "Makes sense.")]),
    ]},
    {"customer": "globex", "kind": "Technical Deep Dive", "setup": "normal", "episodes": [
        ("question-no", "okta-sso", [
            ("C3", "We're moving everyone onto Okta in January, is that supported for login?"),
            ("v", "Not directly, we have generic SAML, but the Okta app and provisioning aren't there yet, it's on the roadmap."),
            ("c3", "So that would be a gap, then, for us.")]),
        ("restatement", "public-attachment-links", [
            ("c", "The clinics send us referral scans that are enormous, and patients can't get them on their phones."),
            ("R", "So basically you'd want a secure download link for big files instead of sending them as attachments?"),
            ("C", "Right, yes, a link would solve it, as long as Grace is comfortable with how it's protected."),
            ("v", "Understood.")]),
        ("question-yes", None, [
            ("C3", "Does our data stay in the US the whole time?"),
            ("v", "Yes, for your account everything is hosted in US regions."),
            ("c3", "Okay.")]),
        ("sales-process", None, [
            ("C3", "Could I get a copy of your SOC 2 report under NDA?"),
            ("v", "Of course, I'll have legal send the NDA over.")]),
    ]},
    {"customer": "umbrella", "kind": "Check-in", "setup": "unknown-domain",
     "unknown": ("Marisol Ortega", "umbrella.example"), "episodes": [
        ("question-yes", None, [
            ("C", "Can an agent see all the previous conversations with the same shopper?"),
            ("v", "Yes, the contact panel on the right shows their whole history."),
            ("c", "Good.")]),
        ("unknown-speaker", "kpi-dashboard", [
            ("u", "Hi, it's Marisol, I manage the Mexico City team, Claire added me this morning."),
            ("U", "What I'm missing is a single page for my team with the handful of numbers my boss asks about, I spend every Monday building it by hand in slides."),
            ("v", "Hi Marisol, okay, that's useful.")]),
        ("unknown-speaker", "csat-surveys", [
            ("U", "Also, how do I find out whether the shopper was happy with the answer, because right now we have no idea after we close it."),
            ("v", "There's nothing that asks them today, it's a good point."),
            ("u", "Yeah, our old system sent a little survey.")]),
        ("small-talk", None, [
            ("C", "Marisol's the reason we now have proper coffee in the office, by the way."),
            ("v", "Ha, the real hero.")]),
        ("sales-process", None, [
            ("C", "Let's plan a session for her team once the holidays are over, mid January maybe."),
            ("v", "Perfect, I'll send a couple of time slots.")]),
    ]},
    {"customer": "northwind", "kind": "Renewal", "setup": "normal", "episodes": [
        ("sales-process", None, [
            ("v", "Your agreement runs out when January finishes, so I figured we'd talk early."),
            ("C", "Sure, but before we talk money I need to tell you what my boss is asking."),
            ("v", "Please.")]),
        ("churn", "agent-workload-report", [
            ("C", "He asked me who on the team is swamped and who's coasting, and I could not answer him from your tool, I had to count by hand, and he wasn't impressed."),
            ("v", "Okay, I understand, that's a fair thing to expect.")]),
        ("churn", "ai-tone-check", [
            ("C2", "And we lost a decent customer in October because a temp wrote something pretty snarky, and nothing caught it before it went."),
            ("v", "That's painful, I'm sorry.")]),
        ("sales-process", None, [
            ("C", "If we renew for two years, is there any room on the price?"),
            ("v", "There is usually, let me put together a two year option for you.")]),
    ]},
    {"customer": "initech", "kind": "Renewal", "setup": "normal", "episodes": [
        ("small-talk", None, [
            ("v", "Before the serious stuff, did you end up adopting that cat?"),
            ("C", "We did, she's called Pickle and she rules the house now."),
            ("v", "Of course she does.")]),
        ("churn", "okta-sso", [
            ("C", "Our security team gave us a hard deadline, every tool needs to sit behind Okta by March, and if Helpdeskly can't, I'm told we have to move."),
            ("v", "Okay, thanks for the heads up, that's serious.")]),
        ("question-no", "csv-export", [
            ("C2", "Also, is there still no way to download all the conversations as a spreadsheet for the auditors?"),
            ("v", "Still not, no, the workaround is the API, I know that's not ideal."),
            ("c2", "Okay.")]),
        ("sales-process", None, [
            ("C", "Send me the renewal quote with and without the extra six seats, please."),
            ("v", "Will do, you'll have both by tomorrow.")]),
    ]},
    {"customer": "hooli", "kind": "Renewal", "setup": "normal", "episodes": [
        ("churn", "collision-detection", [
            ("c", "I'll be honest, Sofia wanted to switch."),
            ("C", "We had a family get two different rebooking offers from two of my people at the same time, and they took the cheaper one, which we couldn't honour."),
            ("v", "Ouch, I'm really sorry, that's awful.")]),
        ("need", "per-agent-signatures", [
            ("C2", "And the travellers never know who they're talking to, every reply just says the Hooli team."),
            ("v", "Right, so there's no personal touch.")]),
        ("sales-process", None, [
            ("C", "Could we switch to paying monthly instead of up front?"),
            ("v", "We can, the price is a little higher monthly, I'll show you both.")]),
        ("small-talk", None, [
            ("C2", "Sorry, we're in a cafe, the milk steamer is very loud."),
            ("v", "No worries, I can hear you fine.")]),
    ]},
    {"customer": "vandelay", "kind": "Demo", "setup": "unknown-silent",
     "unknown": "Vandelay Conference Room", "episodes": [
        ("small-talk", None, [
            ("C", "Hi, it's Frank, Ivy and Paul around the speakerphone, is the sound okay?"),
            ("v", "Sounds great, hi all.")]),
        ("unknown-speaker", "ai-reply-suggestions", [
            ("C", "Ivy's question is whether it could propose an answer for the routine customs questions, because ninety percent of those are the same three replies."),
            ("v", "That's not in the product today, I'll note it.")]),
        ("unknown-speaker", "auto-translation", [
            ("c", "Paul says the Italian retailers are the other problem."),
            ("C", "Nobody here reads Italian, so we're pasting the emails into a website one by one to understand them."),
            ("v", "Okay, that sounds painful.")]),
        ("question-yes", None, [
            ("C", "Can we tag a conversation with the shipment number?"),
            ("v2", "Yes, tags are free text, or you can set up a custom field for it."),
            ("c", "Fine.")]),
        ("sales-process", None, [
            ("C", "Put a proposal together for fifteen seats and we'll go through it Thursday."),
            ("v", "Will do.")]),
    ]},
    {"customer": "northwind", "kind": "Demo", "setup": "normal", "episodes": [
        ("explicit", "ai-auto-tagging", [
            ("C2", "Marcus here, so right now we've got two people whose whole morning is reading new emails and labelling them tracking, damage, billing, and so on, and I'd love the system to just sort that out itself when the email arrives."),
            ("v2", "Got it, automatic labelling on arrival.")]),
        ("restatement", "conversation-summaries", [
            ("c", "When a claim goes to my desk I have to read the whole thread to figure out what happened."),
            ("R", "So what would help is a few lines at the top summing up the thread for whoever picks it up, generated for you?"),
            ("C", "Yeah, honestly that would be brilliant."),
            ("v", "Okay.")]),
        ("question-yes", None, [
            ("C", "Does it merge two emails from the same customer about the same shipment?"),
            ("v2", "Yes, you can merge conversations, and there's a suggestion when the subject matches."),
            ("c", "Good.")]),
        ("sales-process", None, [
            ("C", "Could you give us a sandbox for two weeks so Marcus can play with the rules?"),
            ("v", "Absolutely, I'll set up a trial workspace today.")]),
    ]},
    {"customer": "globex", "kind": "Renewal", "setup": "normal", "episodes": [
        ("churn", "auto-close-control", [
            ("C", "A patient wrote back a week after we'd replied and the thread had closed itself, so nobody saw it for three days, and she'd been asking about a medication."),
            ("c", "That went all the way up to our medical director."),
            ("v", "That's serious, I'm genuinely sorry.")]),
        ("explicit", "csat-surveys", [
            ("C2", "And if we stay, I'd really need to be able to ask patients how we did once a conversation wraps up, the board wants a satisfaction score."),
            ("v", "Okay, that's clear.")]),
        ("sales-process", None, [
            ("C", "Please send the new terms to procurement with me in copy."),
            ("v", "Of course.")]),
    ]},
    {"customer": "umbrella", "kind": "Renewal", "setup": "normal", "episodes": [
        ("churn", "localized-admin-ui", [
            ("C", "The managers in Quebec are asking, quite loudly, why all the settings are in English when their contracts say French must be available at work."),
            ("c", "It's actually a legal thing up there."),
            ("v", "Understood, that's important context.")]),
        ("explicit", "round-robin-assignment", [
            ("C2", "Could new conversations be handed out to whoever's next in line, because our leads spend the morning doing it by hand?"),
            ("v2", "I'll take that back as well.")]),
        ("need", "csat-surveys", [
            ("C3", "We have no idea how shoppers feel about the answers they get, the only signal is when they complain on Twitter."),
            ("v", "Right.")]),
        ("sales-process", None, [
            ("C", "We'd like the renewal split by region on the invoice."),
            ("v", "That should be possible, I'll check with billing.")]),
    ]},
    {"customer": "initech", "kind": "Technical Deep Dive", "setup": "normal", "episodes": [
        ("question-no", "ai-auto-tagging", [
            ("C2", "Can it look at an incoming ticket and decide whether it's a billing question or a bug report, and label it?"),
            ("v", "Not on its own, no, you can write rules on keywords, but there's no smart classification yet."),
            ("c2", "Keyword rules break every time someone writes differently.")]),
        ("explicit", "internal-notes-mentions", [
            ("C", "We'd want to tag a specific engineer in a private note and have them get notified, like you would in Jira."),
            ("v", "Okay, noted.")]),
        ("question-yes", None, [
            ("C3", "Are the webhooks signed?"),
            ("v", "Yes, every payload has an HMAC signature header."),
            ("c3", "Great.")]),
        ("setup", None, [
            ("C3", "We run everything through a proxy, so we'll need your IP ranges."),
            ("v", "Sure, they're in the docs, I'll send the link.")]),
    ]},
    {"customer": "hooli", "kind": "Onboarding", "setup": "normal", "episodes": [
        ("restatement", "reply-approval", [
            ("c", "The new seasonal people sometimes promise refunds they're not allowed to."),
            ("R", "So you want replies from new agents to wait for Sofia to approve them before they go out?"),
            ("C", "Yes, for the first month or so, exactly that."),
            ("v", "Okay, good.")]),
        ("question-no", "mobile-offline", [
            ("C2", "If I'm on a train in a tunnel, can I still write answers and have them go out later?"),
            ("v", "Not yet, the app needs a connection for now, offline is something the mobile team is looking at."),
            ("c2", "Okay, a lot of our routes are tunnels, ha.")]),
        ("question-yes", None, [
            ("C", "Can we import our saved replies from the Gmail templates?"),
            ("v", "Yes, there's an import for canned replies, I'll show you."),
            ("c", "Lovely.")]),
    ]},
    {"customer": "vandelay", "kind": "QBR", "setup": "normal", "episodes": [
        ("explicit", "scheduled-report-emails", [
            ("C", "Frank wants the weekly volume and response times emailed to the leadership list every Friday, can you do that for us?"),
            ("v", "Today you'd export and send it yourself, but I'll log the request.")]),
        ("need", "custom-roles", [
            ("C3", "Right now the finance people have to be full agents, which means they can change inbox settings they really shouldn't be able to."),
            ("v2", "Got it.")]),
        ("explicit", "sla-dashboard", [
            ("C2", "I want to see at a glance how many retailers we answered inside the agreed four hours this week."),
            ("v", "Okay.")]),
        ("rep-pitch", None, [
            ("P", "And we're piloting an order lookup panel for wholesale teams next quarter, I'll get you on the list."),
            ("c", "Sure.")]),
    ]},
    {"customer": "northwind", "kind": "Check-in", "setup": "unknown-silent",
     "unknown": "Northwind Dispatch Room", "episodes": [
        ("small-talk", None, [
            ("C", "Hey, you're on the big screen in dispatch, Dana's here with a couple of the leads."),
            ("v", "Hi everyone.")]),
        ("unknown-speaker", "sms-channel", [
            ("C", "Drivers text the dispatch number all day, and none of those texts end up with the rest of the customer conversation."),
            ("v", "Okay, yeah.")]),
        ("unknown-speaker", "sentiment-tagging", [
            ("C", "It would be useful if the really furious emails stood out in the list somehow, so they don't wait behind the routine ones."),
            ("v", "Got it.")]),
        ("sales-process", None, [
            ("C", "Send Dana the updated order form with the new seats."),
            ("v", "Will do.")]),
    ]},
    {"customer": "hooli", "kind": "Pricing", "setup": "normal", "episodes": [
        ("small-talk", None, [
            ("v", "Is it still raining over there, or did the weather finally turn?"),
            ("C", "It turned, which means everybody suddenly wants to book Portugal for March."),
            ("v", "Ha, good problem to have.")]),
        ("sales-process", None, [
            ("C", "So, straight question, what would nine seats on the middle plan cost us per year?"),
            ("v", "List is a bit under eleven thousand, but with the annual discount we'd land closer to nine."),
            ("c", "Okay.")]),
        ("sales-process", None, [
            ("C2", "And if two of the seasonal people only need it from May to September, do we pay for them all year?"),
            ("v", "No, you can add seats for the season and drop them at the next monthly cycle.")]),
        ("setup", None, [
            ("C", "Just so you know, any spend over five thousand needs a sign-off from our owner, and he's travelling until the twentieth."),
            ("v", "No problem, I'll time the paperwork around that.")]),
        ("question-yes", None, [
            ("C2", "Is the phone app included, or is that an add-on?"),
            ("v", "Included on every plan, no extra charge."),
            ("c2", "Good.")]),
    ]},
    {"customer": "umbrella", "kind": "Demo", "setup": "normal", "episodes": [
        ("need", "mobile-offline", [
            ("C", "The store managers do their rounds in the stockroom where there's no wifi, and they lose whatever they were typing."),
            ("v", "Hmm, okay.")]),
        ("question-no", "slack-notifications", [
            ("C3", "Can a new VIP complaint ping our Slack channel?"),
            ("v", "Not yet, there's no Slack app, some customers use email forwarding into Slack as a workaround."),
            ("c3", "Email into Slack, hmm, it's a bit of a hack.")]),
        ("question-yes", None, [
            ("C", "Can managers approve a refund from inside the conversation?"),
            ("v2", "Yes, with the approvals step in the refund macro."),
            ("c", "Nice.")]),
    ]},
]

# One call not in English, with its requests: Umbrella's Quebec team, in French.
FOREIGN = {"customer": "umbrella", "kind": "Check-in", "setup": "foreign", "language": "fr",
           "contact": ("Mathieu Gagnon", "Responsable du service client, Québec"),
           "episodes": [
    (None, None, [
        ("v", "Bonjour Mathieu, merci d'avoir pris le temps aujourd'hui."),
        ("c", "Bonjour, avec plaisir, ça va bien de votre côté?"),
        ("v", "Très bien, merci, et l'ouverture du magasin de Laval s'est bien passée?"),
        ("c", "Oui, très bien, on a eu beaucoup de monde.")]),
    ("need", "localized-admin-ui", [
        ("C", "Par contre, tout le panneau d'administration est en anglais, et la moitié de mon équipe ne comprend pas les réglages."),
        ("v", "D'accord, je comprends, je le note pour l'équipe produit.")]),
    ("explicit", "csat-surveys", [
        ("C", "Et on aimerait beaucoup pouvoir envoyer un petit sondage de satisfaction au client après chaque échange."),
        ("v", "C'est noté, merci.")]),
    ("sales-process", None, [
        ("C", "Pouvez-vous m'envoyer la soumission pour les cinq licences de plus?"),
        ("v", "Oui, je vous l'envoie cet après-midi."),
        ("c", "Parfait, merci, bonne journée."),
        ("v", "Bonne journée, au revoir.")]),
]}

INTERNAL = [
    {"title": "Helpdeskly Internal | Deal Desk",
     "parties": [("maya", "Internal", True), ("sam", "Internal", True),
                 ("Ines Carvalho", "Unknown", True), ("rachel", "Unknown", True)],
     "turns": [
         ("maya", "Okay, three deals on the list today, let's be quick."),
         ("Ines Carvalho", "Hi all, I'm the new deal desk analyst, my calendar invite came through as a guest."),
         ("sam", "Welcome Ines, Initech wants a two year price before Christmas."),
         ("!rachel", "I'd really love an approval flow for discounts that doesn't live in somebody's inbox."),
         ("!Ines Carvalho", "Could someone refresh the quote template, it still has last year's list prices."),
         ("maya", "Noted, I'll ping finance."),
         ("!sam", "And honestly we need a shared view of which renewals are due in the next ninety days."),
         ("rachel", "Okay, let's pick that up next week."),
     ]},
    {"title": "Helpdeskly Internal | Support Ops Sync",
     "parties": [("jonas", "Internal", True), ("theo", "Internal", True),
                 ("Ravi Kulkarni", "Unknown", False)],
     "turns": [
         ("jonas", "Ravi's dialled in from the Lisbon office, the room system doesn't show his name."),
         ("Ravi Kulkarni", "Yes, hi, it's me, the audio's a bit echoey."),
         ("theo", "Hi Ravi, so what's top of mind for the CS team?"),
         ("!Ravi Kulkarni", "It would help a lot to have a health score on each account so we know who to call first."),
         ("!jonas", "And could onboarding checklists live somewhere other than a Google doc, we lose track of them."),
         ("theo", "Fair, I'll see what we can do internally."),
     ]},
    {"title": "Helpdeskly Internal | Marketing Standup",
     "parties": [("rachel", "Internal", True), ("theo", "Internal", True),
                 ("priya", "Internal", True)],
     "turns": [
         ("rachel", "Morning, quick standup, the webinar is Thursday."),
         ("priya", "Slides are ready, I just need to record the backup demo."),
         ("!theo", "We should really have a proper demo script for the AI features, everyone improvises."),
         ("!priya", "And I'd love a way to spin up a fresh demo inbox with sample data in one click."),
         ("rachel", "Good, let's sort both after the webinar."),
     ]},
]
