"""The held-out set's calls: the same customers and patterns as patterns.py, in other words.

Kept in a file of its own so that whoever tunes the extractor on the development set need not
read it. Same shape as patterns.py (its docstring describes episodes, sides and setups); no
sentence here may appear in the development set (generate_calls.py --set heldout checks).
"""

FILLER = {
    "greetings": [
        "Hey folks, thanks for hopping on.",
        "Good afternoon, is everybody here already?",
        "Hiya, can you all see my screen, or not yet?",
        "Hello again, it's been a few weeks, hasn't it.",
        "Right, I think we're all here, hi everybody.",
    ],
    "greeting_replies": [
        "Hi, yeah, we're all set.",
        "Hello, good to talk again.",
        "Hey, yep, we can see it.",
        "Afternoon, sorry, I was on mute.",
        "Hi hi, just grabbing a seat.",
    ],
    "acks": [
        "Okay, noted, I'll pass it on to the product folks.",
        "Mm, good one, I'm writing it down.",
        "Yep, I'll raise that internally this week.",
        "Understood, I'll make sure that reaches the roadmap discussion.",
        "Thanks, that helps me explain it to our product team.",
        "Sure, I'll put it in our feedback tracker with your name on it.",
    ],
    "backchannels": ["Uh-huh.", "Yeah yeah.", "Okay then.", "For sure.", "Ah, okay.", "Totally."],
    "next_steps": [
        "Okay, I'll email a short write-up this afternoon.",
        "Let me send you a note with everything we covered.",
        "I'll book another half hour for the week after next.",
    ],
    "goodbyes": [
        "Alright, thanks so much, have a good one.",
        "Cheers everybody, speak soon.",
        "Okay, I'll let you go, thank you.",
    ],
    "goodbye_replies": [
        "Cheers, bye.",
        "Thanks, have a nice evening.",
        "Take care, bye bye.",
    ],
}

CALLS = [
    {"customer": "northwind", "kind": "Discovery", "setup": "normal", "episodes": [
        ("small-talk", None, [
            ("v", "Did the new office open yet, the one by the port?"),
            ("C", "Last Monday, and the parking situation is, let's say, an adventure."),
            ("v", "Ha, there's always something.")]),
        ("explicit", "salesforce-sync", [
            ("c", "So, our account people, they're in Salesforce all day."),
            ("C", "What I'm after is that every thread with a customer just shows up on their Salesforce account, both ways, without anyone copying stuff."),
            ("c", "Right now Marcus pastes notes over, when he remembers.")]),
        ("setup", None, [
            ("C", "We've got the day crew in Rotterdam and the night crew here, sort of handing over at ten."),
            ("v", "Okay, so two sites basically.")]),
        ("sales-process", None, [
            ("C", "Can we get a trial account first, so the team leads can click around?"),
            ("v", "Absolutely, I'll set one up with fourteen days.")]),
    ]},
    {"customer": "umbrella", "kind": "Demo", "setup": "normal", "episodes": [
        ("explicit", "slack-notifications", [
            ("C", "What would really help my leads is a Slack ping the second something lands in the VIP queue."),
            ("c", "They live in Slack, the tab with your tool is, like, tab forty.")]),
        ("question-yes", None, [
            ("C2", "Are we able to tag by store automatically, from the address?"),
            ("v2", "You are, a rule can read the sender or the subject and add the store tag."),
            ("c2", "Okay, that's good.")]),
        ("question-no", "shopify-integration", [
            ("C", "Do you guys plug into Shopify, so the order and the refund status sit next to the email?"),
            ("v2", "Honestly no, there's no Shopify app yet, people use our API or a connector for now."),
            ("c", "Okay, hmm, we'd really want it native.")]),
        ("sales-process", None, [
            ("C", "Send me the security questionnaire answers too, procurement will ask."),
            ("v", "Yep, I'll attach our standard pack.")]),
    ]},
    {"customer": "globex", "kind": "Check-in", "setup": "normal", "episodes": [
        ("explicit", "ai-reply-suggestions", [
            ("c", "The part timers take forever on the standard questions."),
            ("C", "If the system could, you know, pre-write an answer from what we've sent before, and they just tweak it, that'd be a dream.")]),
        ("need", "collision-detection", [
            ("C", "We keep sending patients double answers, because Tom and somebody else both pick up the same message."),
            ("v", "Oh, that's not great.")]),
        ("small-talk", None, [
            ("C", "Sorry if I sound stuffy, everybody at the clinic has had this cold."),
            ("v", "Oh no, get well soon.")]),
        ("question-yes", None, [
            ("C", "Are attachments scanned for viruses?"),
            ("v", "They are, every file is scanned before an agent can open it."),
            ("c", "Good, Grace will be relieved.")]),
    ]},
    {"customer": "initech", "kind": "Demo", "setup": "normal", "episodes": [
        ("explicit", "conversation-summaries", [
            ("C", "Honestly, a three-line recap on top of a long technical thread would save my engineers so much reading."),
            ("c", "Some of our threads are forty replies deep.")]),
        ("rep-pitch", None, [
            ("P", "And this is new, you can now bulk-merge threads from the same sender, shipped two weeks ago."),
            ("c", "Oh, okay, nice.")]),
        ("restatement", "public-attachment-links", [
            ("c", "Our customers send log files, and then we forward them to engineering, and the mailbox chokes on the size."),
            ("R", "So if I understand, you'd like a shareable link to an attachment instead of passing the file itself around?"),
            ("C", "Right, yeah, a link would solve it, please push for that."),
            ("v", "Will do.")]),
        ("sales-process", None, [
            ("C", "Could we get the pricing for twelve seats versus fifteen, side by side?"),
            ("v", "Sure thing, two columns, I'll do that.")]),
    ]},
    {"customer": "hooli", "kind": "Check-in", "setup": "normal", "episodes": [
        ("explicit", "mobile-offline", [
            ("C", "The guides are in places with zero coverage, so the phone app needs to keep working when there's no internet, and catch up later."),
            ("c", "Right now they write replies in their notes app and paste them in at the hotel.")]),
        ("setup", None, [
            ("v", "Who handles the agencies, is that Sofia's team?"),
            ("C2", "Yeah, my team handles the agencies, Leo's handles the travellers directly."),
            ("v", "Got it.")]),
        ("question-yes", None, [
            ("C", "Does the app let them reply with a saved answer?"),
            ("v", "Yes, saved replies work the same on the phone."),
            ("c", "Okay great.")]),
    ]},
    {"customer": "vandelay", "kind": "Discovery", "setup": "normal", "episodes": [
        ("explicit", "csv-export", [
            ("C3", "From the finance side I'd want to pull every ticket with its tags into a spreadsheet once a month, for the dispute log."),
            ("v", "Okay.")]),
        ("setup", None, [
            ("C", "Our retailers mostly email the generic orders address, and three of us read it."),
            ("v", "Makes sense.")]),
        ("question-no", "netsuite-integration", [
            ("C3", "Would it show the invoice status from NetSuite right on the ticket?"),
            ("v", "Not out of the box, I'm afraid, the closest is a webhook to something like Zapier."),
            ("c3", "Yeah, I was afraid you'd say that.")]),
        ("sales-process", None, [
            ("C", "Let's maybe do a second session with Ivy and the supervisors next week."),
            ("v", "Perfect, I'll find a slot.")]),
    ]},
    {"customer": "northwind", "kind": "Check-in", "setup": "normal", "episodes": [
        ("explicit", "okta-sso", [
            ("C3", "Security is pushing everything behind Okta by January, so we'd need to log in to your tool through Okta as well."),
            ("c3", "And ideally when someone leaves, their account goes with it.")]),
        ("need", "agent-workload-report", [
            ("C", "During peak I honestly can't tell which of the temps has forty open and which has four."),
            ("v", "Right.")]),
        ("question-yes", None, [
            ("C", "Can we set a different signature for the dispatch inbox?"),
            ("v", "Yep, signatures are per inbox, so dispatch can have its own."),
            ("c", "Nice, thanks.")]),
        ("small-talk", None, [
            ("C2", "Sorry, my cat just walked over the keyboard, if you got a weird message in the chat."),
            ("v", "Ha, no worries, I did get some letters.")]),
    ]},
    {"customer": "umbrella", "kind": "Technical Deep Dive", "setup": "normal", "episodes": [
        ("explicit", "round-robin-assignment", [
            ("C2", "I'd love for new emails to just go around the team in turn, skipping whoever's on lunch, instead of me handing them out."),
            ("c2", "I spend my first hour on that, every day.")]),
        ("explicit", "sla-dashboard", [
            ("C", "And leadership wants to see, on one screen, how many threads are close to going past our response promise."),
            ("v", "Okay.")]),
        ("question-yes", None, [
            ("C3", "Do you support SCIM for provisioning?"),
            ("v", "We do, it's on the Enterprise plan, with Okta and Azure AD."),
            ("c3", "Okay, good.")]),
        ("need", "localized-admin-ui", [
            ("C2", "The Quebec supervisors keep asking me what the settings mean, because the whole back office is in English and they work in French."),
            ("v", "Mm, okay.")]),
    ]},
    {"customer": "globex", "kind": "Demo", "setup": "normal", "episodes": [
        ("explicit", "per-agent-signatures", [
            ("C2", "When my team replies from the shared address I'd like their own name and role at the bottom, not just Patient Services."),
            ("c2", "Patients always ask who they spoke to.")]),
        ("sales-process", None, [
            ("v", "How many people would be in the first group?"),
            ("C", "Eight to begin with, and then the rest after the holidays, I'd say."),
            ("v", "Great.")]),
        ("question-no", "custom-roles", [
            ("C3", "Could I give someone read-only access to just the billing inbox, nothing else?"),
            ("v2", "Not exactly, the roles are fixed today, you'd put them on a separate team as a workaround."),
            ("c3", "Okay, not ideal for audit, but okay.")]),
        ("rep-pitch", None, [
            ("P", "Also worth knowing, our HIPAA add-on got a refresh last month, with shorter retention options."),
            ("c", "Interesting.")]),
    ]},
    {"customer": "initech", "kind": "Check-in", "setup": "normal", "episodes": [
        ("explicit", "internal-notes-mentions", [
            ("C2", "Inside a private note I want to be able to, like, at someone from engineering so they get pinged, instead of me sending them the link on chat."),
            ("v", "Okay.")]),
        ("need", "auto-close-control", [
            ("C", "Last week the tool closed a bunch of threads that were waiting on the customer, after three days, and two of them came back angry."),
            ("c", "We didn't even know there was a timer.")]),
        ("setup", None, [
            ("C3", "Engineering has their own Jira board for escalations, and we have a separate one for docs."),
            ("v", "Ah, two boards, fine.")]),
    ]},
    {"customer": "hooli", "kind": "Demo", "setup": "normal", "episodes": [
        ("explicit", "google-calendar", [
            ("C2", "When a traveller wants a call back, it'd be lovely if the agent could pop it straight into their Google Calendar from the ticket.")]),
        ("question-yes", None, [
            ("C", "Does it work on an iPad?"),
            ("v2", "It does, the web app works in Safari and there's an iPad app."),
            ("c", "Okay.")]),
        ("small-talk", None, [
            ("v", "How's the weather over there, still sunny?"),
            ("C", "Grey and rainy, which is, ha, fine, it's not our busy time."),
            ("v", "Ha, okay.")]),
        ("sales-process", None, [
            ("C", "What would the price be if we paid for the year up front?"),
            ("v", "You'd get two months free on the annual plan.")]),
    ]},
    {"customer": "vandelay", "kind": "Check-in", "setup": "normal", "episodes": [
        ("explicit", "scheduled-report-emails", [
            ("C", "Every Monday I'd like the numbers from last week just sitting in my inbox, without me going in to find them."),
            ("v", "Makes sense.")]),
        ("need", "public-attachment-links", [
            ("C2", "Retailers tell us they can't open the catalogue files we send, they're too big for their mail server."),
            ("v", "Hm.")]),
        ("question-yes", None, [
            ("C2", "Can we keep the retailer's order number on the thread somewhere?"),
            ("v", "Sure, make a custom field for it, it's searchable."),
            ("c2", "Okay, cool.")]),
    ]},
    {"customer": "northwind", "kind": "Technical Deep Dive", "setup": "normal", "episodes": [
        ("explicit", "auto-translation", [
            ("C2", "A lot of drivers write in Polish or Romanian, and my people would need those turned into English for them automatically.")]),
        ("explicit", "sentiment-tagging", [
            ("C", "It would help to have each thread marked as happy or upset, so the upset ones jump the queue.")]),
        ("question-no", "sms-channel", [
            ("C2", "Drivers sometimes just text the dispatch number, could that text land in the inbox?"),
            ("v", "Not yet, SMS isn't a channel we have, it's been discussed for next year."),
            ("c2", "Okay, so phone it is.")]),
        ("setup", None, [
            ("C3", "We're on Microsoft 365 for email, and the dispatch team uses a separate tenant."),
            ("v", "Got it, two tenants.")]),
    ]},
    {"customer": "globex", "kind": "Renewal", "setup": "normal", "episodes": [
        ("churn", "collision-detection", [
            ("c", "I'll be honest, there's a proposal on my desk from a competitor."),
            ("C", "The reason is the double replies, we had a patient get two contradicting answers in an hour and it went to the clinic director."),
            ("v", "I understand, I'm sorry that happened.")]),
        ("sales-process", None, [
            ("C", "If we renew, I want it for eighteen months, not twelve."),
            ("v", "I can check, eighteen is usually possible.")]),
        ("small-talk", None, [
            ("C", "Anyway, sorry, it's been a long week, the clinic moved buildings."),
            ("v", "Oh wow, that's a lot.")]),
    ]},
    {"customer": "vandelay", "kind": "Renewal", "setup": "normal", "episodes": [
        ("churn", "netsuite-integration", [
            ("C3", "Frankly finance is asking why we keep two systems, since we still retype the invoice status from NetSuite into every reply."),
            ("c", "It's come up in the budget review, that's all I'll say."),
            ("v", "Okay, thanks for telling me.")]),
        ("sales-process", None, [
            ("C", "Put the renewal quote in euros this time, please, it's going through the Dutch entity."),
            ("v", "Sure, euros, no problem.")]),
    ]},
    {"customer": "umbrella", "kind": "Renewal", "setup": "normal", "episodes": [
        ("churn", "shopify-integration", [
            ("C", "The other vendor shows the Shopify order right in the ticket, and my agents have seen the demo, so, you know."),
            ("v", "Understood, that's helpful, if painful, to hear.")]),
        ("churn", "auto-close-control", [
            ("C2", "And the auto closing thing, where a refund thread just disappears after a few days, that cost us a customer in October."),
            ("v", "Okay.")]),
        ("sales-process", None, [
            ("C", "Anyway, we'd need the final number by the fifteenth."),
            ("v", "You'll have it before then.")]),
    ]},
    {"customer": "initech", "kind": "Technical Deep Dive", "setup": "normal", "episodes": [
        ("question-no", "wiki-integration", [
            ("C2", "Our runbooks live in Confluence, can the agent search them from inside a ticket?"),
            ("v", "Not currently, there isn't a Confluence connector, you'd have to link out."),
            ("c2", "Okay, yeah, that's what we do now, it's clunky.")]),
        ("restatement", "kpi-dashboard", [
            ("c", "Every Monday I rebuild the same slide, backlog, response time, reopen rate."),
            ("R", "Sounds like what you need is one dashboard with your team's key numbers that stays up to date?"),
            ("C", "Yes, that, I'd stop building the slide tomorrow."),
            ("v", "Got it.")]),
        ("question-yes", None, [
            ("C3", "Is there a sandbox we can test rules in?"),
            ("v", "Yes, every account gets a sandbox workspace on request."),
            ("c3", "Oh, I didn't know.")]),
    ]},
    {"customer": "hooli", "kind": "Check-in", "setup": "normal", "episodes": [
        ("restatement", "ai-tone-check", [
            ("c", "One of the new hires replied to a complaint in a way that was, uh, let's say, not how we talk to people."),
            ("R", "So would it help if the tool warned the agent when a draft reads as harsh?"),
            ("C", "Definitely, yes, that would catch it before the customer sees it."),
            ("v", "Okay.")]),
        ("explicit", "slack-notifications", [
            ("C2", "Oh, and could the tool post in our bookings Slack whenever an agency emails? I'd watch that channel instead.")]),
        ("sales-process", None, [
            ("C", "Can we move the next check-in to January, December is holidays for half of us?"),
            ("v", "Sure, January it is.")]),
    ]},
    {"customer": "umbrella", "kind": "Check-in", "setup": "normal", "episodes": [
        ("explicit", "salesforce-sync", [
            ("C", "The store managers want the care history on the account in Salesforce before their monthly calls."),
            ("c", "Today they call Raj to ask, which, you know, isn't scalable.")]),
        ("explicit", "ai-reply-suggestions", [
            ("C2", "The returns answers are so repetitive, the tool could honestly just suggest the reply and the agent clicks send.")]),
        ("rep-pitch", None, [
            ("P", "By the way, the customer portal goes live in January, your shoppers could check their return status there."),
            ("c", "That might cut some volume.")]),
        ("setup", None, [
            ("C2", "We split the team by returns and everything else, about forty and twenty."),
            ("v", "Okay.")]),
    ]},
    {"customer": "northwind", "kind": "Renewal", "setup": "normal", "episodes": [
        ("churn", "custom-roles", [
            ("C3", "IT flagged that every team lead can change every rule, and that's honestly why they asked us to review other tools."),
            ("v", "I see, okay, thank you for saying it.")]),
        ("sales-process", None, [
            ("C", "We'll need the temp seats on a monthly basis again, November to January."),
            ("v", "Yes, same as last year.")]),
    ]},
    {"customer": "initech", "kind": "Demo", "setup": "unknown-domain",
     "unknown": ("Carlos Mendes", "initech.example"), "episodes": [
        ("question-yes", None, [
            ("C", "Can it show the customer's previous tickets when a new one comes in?"),
            ("v2", "Yes, the side panel lists all their earlier conversations."),
            ("c", "Okay.")]),
        ("unknown-speaker", "wiki-integration", [
            ("u", "Hey, Carlos here, I'm on Bill's laptop, I run the docs team."),
            ("U", "The thing I care about is whether the agent can see the matching article from our Confluence space while they type."),
            ("v", "Hi Carlos, not today, it would be a link out for now.")]),
        ("unknown-speaker", "csv-export", [
            ("U", "And I'd want to get the tickets out as a file with the tags, so I can see which docs are missing."),
            ("v", "Makes sense.")]),
    ]},
    {"customer": "hooli", "kind": "Check-in", "setup": "unknown-silent",
     "unknown": "Hooli Meeting Room", "episodes": [
        ("small-talk", None, [
            ("C", "Hi, we're both in the meeting room, the wifi here is terrible, sorry."),
            ("v", "No problem, you sound fine.")]),
        ("unknown-speaker", "mobile-offline", [
            ("C", "So the guides in the Alps, when they lose signal the app just goes blank, and they lose the draft they were writing."),
            ("v", "Ah, okay, that's frustrating.")]),
        ("unknown-speaker", "kpi-dashboard", [
            ("C", "And for Leo, a single page with the week's volume and response times, that he can show the owners, would be great."),
            ("v", "Okay, noted.")]),
    ]},
    {"customer": "vandelay", "kind": "Technical Deep Dive", "setup": "normal", "episodes": [
        ("explicit", "sla-dashboard", [
            ("C2", "Our contracts with the big retailers say one business day, and I have no way to prove we're hitting that, so some kind of SLA view please."),
            ("v", "Okay.")]),
        ("explicit", "round-robin-assignment", [
            ("C2", "Also, could new orders questions be dealt out evenly, one each, instead of whoever grabs them?")]),
        ("question-yes", None, [
            ("C", "Is there two-factor login?"),
            ("v", "Yes, you can make it mandatory for the whole account."),
            ("c", "Good.")]),
    ]},
    {"customer": "globex", "kind": "Check-in", "setup": "normal", "episodes": [
        ("explicit", "conversation-summaries", [
            ("C2", "When a thread gets handed from the morning shift to the evening one, I'd want a little auto-written summary, so people don't start from scratch.")]),
        ("question-no", "localized-admin-ui", [
            ("C", "Can the admin screens be switched to Spanish for the new clinic in Miami?"),
            ("v", "Not yet, the interface is English only for now, translations are on the list for next year."),
            ("c", "Okay, they'll manage, but it'd be nice.")]),
        ("sales-process", None, [
            ("C", "Could you send over the contract redlines by Wednesday?"),
            ("v", "Yes, legal has them, I'll chase.")]),
    ]},
    {"customer": "initech", "kind": "Renewal", "setup": "normal", "episodes": [
        ("churn", "sla-dashboard", [
            ("C", "One reason we're shopping around is that we promise response times to our customers and can't show we meet them without a spreadsheet."),
            ("v", "Got it, that's useful.")]),
        ("small-talk", None, [
            ("C", "Sorry, I'm in the car, so if I drop, that's why."),
            ("v", "No worries, drive safe.")]),
    ]},
    {"customer": "northwind", "kind": "Check-in", "setup": "normal", "episodes": [
        ("explicit", "per-agent-signatures", [
            ("C2", "Can the emails end with the actual agent's name? Customers think they're talking to a robot.")]),
        ("explicit", "google-calendar", [
            ("C", "If agents could schedule the delivery callbacks into Google Calendar from the thread, that would save them the copy paste.")]),
        ("question-yes", None, [
            ("C", "Can we export the saved replies, in case we want to review them?"),
            ("v", "Yes, there's an export in the saved replies settings."),
            ("c", "Okay.")]),
    ]},
]

# One call not in English, with its requests.
FOREIGN = {"customer": "umbrella", "kind": "Check-in", "setup": "foreign", "language": "es",
           "contact": ("Lucía Ramírez", "Gerente de Atención al Cliente, México"),
           "episodes": [
    (None, None, [
        ("v", "Hola Lucía, gracias por tu tiempo, ¿cómo va todo en Monterrey?"),
        ("c", "Hola, bien, bien, con mucho trabajo por las devoluciones."),
        ("v", "Me imagino, es la temporada.")]),
    ("explicit", "localized-admin-ui", [
        ("c", "Mira, una cosa importante."),
        ("C", "Necesitamos que el panel de administración esté en español, mi equipo no entiende bien los menús en inglés."),
        ("v", "Entiendo, lo paso al equipo de producto.")]),
    ("need", "sentiment-tagging", [
        ("C", "Y muchas veces no nos damos cuenta de que un cliente está muy molesto hasta que ya es tarde."),
        ("v", "Sí, claro, tiene sentido.")]),
    ("sales-process", None, [
        ("C", "¿Nos puedes mandar la factura a nombre de la empresa en México?"),
        ("v", "Claro, la mando esta semana."),
        ("c", "Perfecto, gracias, nos vemos."),
        ("v", "Hasta luego.")]),
]}

INTERNAL = [
    {"title": "Helpdeskly Internal | Sales Team Weekly",
     "parties": [("maya", "Internal", True), ("sam", "Unknown", True), ("rachel", "Unknown", True),
                 ("priya", "Unknown", True)],
     "turns": [
         ("maya", "Alright, let's run through the board quickly."),
         ("sam", "Hooli might downsize, I'm meeting them on Thursday."),
         ("!rachel", "What I'd really like is one view of every renewal in the next ninety days, I keep asking three people."),
         ("!priya", "And for demos, could somebody fix the sample data, it still says twenty nineteen everywhere."),
         ("maya", "Ha, yes, that's embarrassing."),
         ("!sam", "The quote tool should really remember the discount we gave last year, I always dig through email."),
         ("rachel", "Okay, let's talk about that at the offsite, thanks all."),
     ]},
    {"title": "Helpdeskly Internal | Support Ops Huddle",
     "parties": [("jonas", "Internal", True), ("theo", "Internal", True),
                 ("Marta Silva", "Unknown", False)],
     "turns": [
         ("jonas", "Morning, Marta's joining from her phone today."),
         ("Marta Silva", "Hi, yes, I'm on the train, so I'll stay muted mostly."),
         ("!jonas", "Two customers this week asked about SMS, so I'd love a clear answer on timing from product."),
         ("theo", "It's planned for the second half, I'll write something up."),
         ("!Marta Silva", "It would help us a lot to have a customer health score in the CRM, I do it by hand."),
         ("theo", "Noted, let's pick it up next week."),
     ]},
]
