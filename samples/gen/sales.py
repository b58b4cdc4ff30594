"""What Helpdeskly's people say when they demo, pitch, price and review: none of it is a customer
request. Also the lines for the internal-only call and the private call.
"""

# Walking through the product (existing features).
DEMO = [
    "So this is the shared inbox, every address you connect shows up on the left.",
    "When a message comes in, you can assign it, tag it, or snooze it until a given date.",
    "Here you can see who else has the conversation open, so nobody answers twice.",
    "Saved replies live here, and they can pull in the customer's first name and order number.",
    "This panel shows the customer's previous conversations, across every inbox.",
    "Rules run on every incoming message, so you can route by keyword, sender or inbox.",
    "You can set business hours per inbox, and out-of-hours messages get an automatic reply.",
    "The reports page shows volume, first response time and resolution time by default.",
    "Tags can be nested, which helps once you have more than a few dozen.",
    "Internal notes show up in yellow, and customers never see them.",
    "Every action is in the audit log, including who changed which rule.",
    "Customers can rate the conversation when it's closed, and that feeds the satisfaction report.",
    "You can merge two conversations if a customer writes in twice about the same thing.",
    "The Jira integration creates an issue from the conversation and links back to it.",
    "Permissions are per inbox, so billing can stay private to the finance people.",
    "The mobile app has the same inbox, assignments and saved replies as the web app.",
]

# Roadmap announcements and plugs from Helpdeskly (NOT customer requests).
PITCHES = [
    "We're also adding an AI assistant next quarter that can look up order details for the agent.",
    "Later this year we're rolling out a redesigned knowledge base editor.",
    "We just shipped satisfaction surveys, they go out automatically when a conversation closes.",
    "Our new rules engine can auto-tag conversations based on keywords, that went live in September.",
    "The team is working on a WhatsApp channel, which should be in beta by the end of the year.",
    "Next quarter we're also adding voice, so phone calls will live in the same inbox.",
    "We've rebuilt the analytics home page, it loads about three times faster now.",
    "Our HubSpot integration went generally available last month.",
    "Everything is hosted in the EU or the US, your choice, and we're SOC 2 Type II certified.",
    "We're piloting an AI spam filter with a handful of customers right now.",
    "A Microsoft Teams integration is in private beta, if that's ever interesting for you.",
    "In January we're launching a customer portal where people can see their open requests.",
    "We also have a new onboarding academy with short videos for new agents.",
    "We're about to release bulk actions, so you can close or tag hundreds of threads at once.",
]

# Questions about things that already exist, with Helpdeskly's answers (not requests).
QA = [
    ("Can we have more than one inbox per team?",
     "Yes, there's no limit, and each one can have its own rules and saved replies."),
    ("Does the Jira link work with our self-hosted Jira?",
     "It does, you just need to allow our IP range through the firewall."),
    ("What happens to a conversation when the agent goes on holiday?",
     "You can set an out-of-office, and their open threads go back to the team queue."),
    ("Can customers see internal notes by accident?",
     "No, notes are never sent out, they're stored separately from the replies."),
    ("Is there an API?",
     "Yes, a REST API with webhooks, the docs are public."),
    ("Can we restrict who deletes conversations?",
     "Yes, deleting is an admin permission, you can turn it off for everyone else."),
    ("Do you keep the full email headers?",
     "We do, you can open the original message from the menu on any email."),
    ("How long do you keep the data?",
     "As long as your contract runs, and you can set a shorter retention per inbox."),
    ("Can we use our own domain for the outgoing emails?",
     "Yes, you verify the domain once and everything goes out from your address."),
    ("Does the mobile app support push notifications?",
     "It does, for assignments and replies, and you can mute them per inbox."),
    ("Can we import our old tickets?",
     "Yes, we have importers for the common tools, and our team can help with the mapping."),
    ("Is there a limit on saved replies?",
     "No limit, and you can organise them in folders."),
]

PRICING_VENDOR = [
    "Our Growth plan is forty-nine dollars per agent per month, billed annually.",
    "For the number of seats you mentioned we can do a ten percent volume discount.",
    "Analytics is included from the Growth plan up, there's no separate add-on.",
    "If you sign before the end of the quarter, I can hold that price for two years.",
    "The Enterprise plan adds the audit log export, a dedicated success manager and a custom contract.",
    "Light seats for people who only read and add notes are free.",
    "We can start with a smaller number of seats and true up at the end of each quarter.",
    "Monthly billing is possible, it's about fifteen percent more than annual.",
]

PRICING_CUSTOMER = [
    "That's a bit above what we budgeted, to be honest.",
    "Is the price per named agent, or per concurrent user?",
    "I'll need to run it past our CFO before we commit.",
    "Do the light seats count toward the volume discount?",
    "Can we get the quote split by department?",
    "What happens if we go over the number of seats mid-year?",
    "That seems fair, send me something in writing.",
    "We'd want to start with a pilot team before buying for everyone.",
]

RENEWAL_VENDOR = [
    "Your renewal is coming up on the first of December, so I wanted to get ahead of it.",
    "Usage looks healthy, almost every seat was active last month.",
    "The renewal would be at the same price, we're not applying the list price increase for you.",
    "If you want to add seats, now is a good time to do it in the same paperwork.",
    "I'll send the order form by Friday.",
]

RENEWAL_CUSTOMER = [
    "We're planning to renew, probably with five more seats.",
    "Can we move to quarterly invoicing this time?",
    "Procurement will want the updated security questionnaire again.",
    "Legal asked whether the data processing agreement changed since last year.",
    "Fine by me, just send it to me and our finance lead.",
]

# Quarterly review: Helpdeskly reads out numbers: (template, range of {a}, range of {b}).
METRICS = [
    ("Your median first response time in September was {a} minutes, down from {b} in August.", (18, 40), (45, 70)),
    ("The team closed {a} hundred conversations last month, that's up from {b} hundred.", (31, 38), (24, 29)),
    ("Satisfaction scores averaged {a} point {b} out of five over the quarter.", (4, 4), (3, 8)),
    ("About {a} percent of conversations were solved with a single reply.", (55, 70), (0, 0)),
    ("There are {a} active agents now, compared to {b} at the start of the contract.", (41, 46), (30, 36)),
    ("Saved replies were used in roughly {a} percent of all outgoing messages.", (25, 40), (0, 0)),
    ("Your busiest day was a Monday, with {a} hundred new conversations.", (2, 4), (0, 0)),
    ("Around {a} percent of messages arrived outside business hours.", (12, 22), (0, 0)),
    ("The top tag by volume was tracking, at {a} percent of the total.", (24, 35), (0, 0)),
    ("Median resolution time was {a} hours, which is {b} percent better than last quarter.", (5, 9), (10, 25)),
    ("{a} rules are active, and they touched about {b} percent of incoming mail.", (14, 22), (40, 60)),
    ("Reopened conversations were down to {a} percent.", (3, 7), (0, 0)),
    ("Escalations to second line were {a} percent of all conversations, about the same as before.", (8, 12), (0, 0)),
    ("The weekend backlog on Monday mornings averaged {a} conversations, down from {b}.", (40, 70), (90, 130)),
]

ONBOARDING_VENDOR = [
    "Step one today is connecting your support address, which takes about two minutes.",
    "Then we'll set up the teams and who sees which inbox.",
    "After that, let's import your saved replies from the old tool.",
    "I'd suggest starting with five or six tags, you can always add more later.",
    "We'll turn on the satisfaction survey once the team is comfortable.",
    "I'll share the admin checklist in the chat.",
]

ONBOARDING_CUSTOMER = [
    "Okay, the address is connected, I can see test messages coming in.",
    "We have three teams, first line, second line and billing.",
    "We had about eighty saved replies, but half of them are outdated.",
    "Five tags sounds about right to start with.",
    "Got the checklist, thanks.",
]

# The internal pipeline review (all Helpdeskly). Said in turn by the listed staff keys.
INTERNAL_LINES = [
    ("rachel", "Okay, let's go through the October pipeline, starting with the big renewals."),
    ("maya", "Umbrella looks safe, they want to add seats, and the security questionnaire is done."),
    ("rachel", "Good, what's the risk on Globex?"),
    ("maya", "Their compliance review is slow, but the champion is strong."),
    ("sam", "Northwind is expanding the support team for peak season, so I expect an upsell there."),
    ("rachel", "Any chance that closes before the end of the quarter?"),
    ("sam", "If legal turns the paperwork around in time, yes."),
    ("jonas", "On the success side, Hooli's usage dipped in September, but that's seasonal for them."),
    ("rachel", "Let's make sure somebody checks in with them anyway."),
    ("jonas", "Already booked for next week."),
    ("theo", "Quick roadmap update: the AI assistant beta is still on track for next quarter."),
    ("theo", "We're also finishing the HubSpot sync improvements this sprint."),
    ("rachel", "Can you send the team a one-pager we can use in demos?"),
    ("theo", "Sure, I'll have it by Thursday."),
    ("sam", "Initech's renewal is straightforward, same seats, same price."),
    ("maya", "Vandelay wants to talk about their finance team's access, I'll handle that."),
    ("rachel", "Great, let's also clean up the stale opportunities before the forecast call."),
    ("jonas", "I'll go through mine today."),
    ("rachel", "Thanks everyone, same time next week."),
]

# The private call: Globex discussing a sensitive staffing and compliance matter.
PRIVATE_CUSTOMER = [
    "Before we start, I'd ask that this stays between us, we haven't announced it internally yet.",
    "We're consolidating two of the clinics, and some of the support team will be let go in December.",
    "Grace is also running an internal review after a patient's record was emailed to the wrong address.",
    "Nothing went through Helpdeskly, to be clear, it was someone's personal mailbox.",
    "We want to make sure every patient email goes through the shared inbox from now on.",
]

PRIVATE_VENDOR = [
    "Of course, thanks for trusting us with that.",
    "That's a tough situation, I'm sorry the team is going through it.",
    "We can help make the shared inbox the only way in, with rules that catch stray addresses.",
    "And we can adjust the seat count at renewal so you're not paying for empty seats.",
]
