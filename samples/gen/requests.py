"""The canonical feature requests, the ways customers put them, and the bugs they report.

Each phrasing is used at most once in the whole sample, so no two calls voice a request with
the same words. "details" are follow-up sentences a customer may add after the request (context,
never a request of their own); they may repeat across calls.
"""

THEMES = [
    "AI Features",
    "Apps and Integrations",
    "Inbox and Collaboration",
    "Reporting and Analytics",
]

REQUESTS = {
    "salesforce-sync": {
        "terms": [["salesforce"]],
        "theme": "Apps and Integrations",
        "title": "Two-way Salesforce sync",
        "phrasings": [
            "We really need the conversations to sync into Salesforce so our account managers see them on the account record.",
            "Is there any way to push the ticket history into Salesforce automatically instead of copying it over by hand?",
            "The one thing missing for us is a proper Salesforce integration, and honestly that's a blocker for our rollout.",
            "It would be great if a new Salesforce case opened a conversation in Helpdeskly and the status flowed back both ways.",
            "Our sales team lives in Salesforce, so we'd want every customer email logged against the contact over there.",
            "If you had a two-way sync with our CRM, which is Salesforce, that would make the decision a lot easier.",
            "Could Helpdeskly keep the Salesforce account fields in sync, so agents see the customer's plan while they reply?",
        ],
        "details": [
            "Right now someone copies the ticket notes into the account record by hand.",
            "Our account managers get blindsided on renewal calls because they can't see the support history.",
        ],
    },
    "slack-notifications": {
        "terms": [["slack"]],
        "theme": "Apps and Integrations",
        "title": "Slack notifications for new and assigned conversations",
        "phrasings": [
            "Our agents keep asking for Slack alerts whenever a conversation gets assigned to them.",
            "Is there any way to get a ping in a Slack channel when one of our VIP customers writes in?",
            "We really need new tickets to show up in Slack, because nobody keeps the Helpdeskly tab open all day.",
            "It would be great if the urgent queue posted straight into our on-call Slack channel.",
            "Could you send a Slack message when someone hands a thread over to me?",
            "Honestly, notifications in Slack would be the single most useful thing for our night shift.",
        ],
        "details": [
            "Everyone has Slack open all day, email notifications just get buried.",
            "We've missed a couple of urgent ones because nobody saw the browser notification.",
        ],
    },
    "ai-reply-suggestions": {
        "terms": [["reply", "replies", "response", "responses", "draft", "drafts", "answer", "answers"], ["ai", "suggested", "suggestion", "suggestions", "suggest", "draft", "drafts", "automatic", "automated"]],
        "theme": "AI Features",
        "title": "AI-suggested replies",
        "phrasings": [
            "It would be great if the tool could draft a reply for the agent based on our past answers.",
            "Our agents keep asking for suggested responses, something like autocomplete for the common questions.",
            "Is there any way for Helpdeskly to propose an answer from our help center articles before the agent starts typing?",
            "We'd love AI-written draft replies that the agent just reviews and sends, that would cut our handle time a lot.",
            "What we really need is the system suggesting a first draft, because half our tickets are the same five questions.",
        ],
        "details": [
            "Saved replies help, but people still have to find the right one and tweak it.",
            "New hires take weeks before they know the standard answers.",
        ],
    },
    "sla-dashboard": {
        "terms": [["sla", "slas", "first-response", "response"]],
        "theme": "Reporting and Analytics",
        "title": "SLA compliance dashboard",
        "phrasings": [
            "We really need a dashboard that shows which conversations are about to breach our SLA.",
            "Is there any way to see first-response time against our targets, broken down by team?",
            "The one thing missing for us is SLA reporting, our leadership asks for it every Monday.",
            "It would be great to have a live view of SLA breaches per queue up on the TV in the support room.",
            "Our contracts promise a four-hour response, so we need a report that proves we hit that, customer by customer.",
            "Could you add an SLA tracker that turns things red before we miss the deadline, not after?",
        ],
        "details": [
            "Today someone pulls the numbers into a spreadsheet every week, and it takes half a day.",
            "We only find out we missed a target when the customer complains.",
        ],
    },
    "csv-export": {
        "terms": [["export", "exports", "csv", "download"]],
        "theme": "Reporting and Analytics",
        "title": "Export conversations to CSV",
        "phrasings": [
            "Is there any way to export all our conversations with their tags and custom fields to a CSV?",
            "We really need a raw data export, a spreadsheet of every ticket, so our analyst can do her own pivots.",
            "It would be great if we could download the full ticket list as a CSV instead of screenshotting the reports.",
            "Our finance people want a monthly dump of conversations into Excel, so an export of the raw data would be huge.",
            "Nice to have, not urgent, but a bulk export of the message data to CSV would help with our audits.",
        ],
        "details": [
            "The built-in charts are fine, but finance wants the raw rows.",
            "Our BI team would load it into their own warehouse.",
        ],
    },
    "okta-sso": {
        "terms": [["okta", "sso", "single", "saml"]],
        "theme": "Apps and Integrations",
        "title": "Okta single sign-on",
        "phrasings": [
            "This is a blocker for our rollout: IT won't approve anything that doesn't log in through Okta.",
            "Is there any way to get single sign-on with Okta, and ideally user provisioning too?",
            "We really need SAML login through Okta, our security team flagged the separate passwords.",
            "It would be great if new agents got their Helpdeskly account automatically when we add them in Okta.",
            "Our IT policy says every tool needs SSO, and we're an Okta shop, so that's a hard requirement.",
        ],
        "details": [
            "Offboarding is the scary part, people leave and keep their access for weeks.",
            "Every other tool we bought this year goes through Okta.",
        ],
    },
    "per-agent-signatures": {
        "terms": [["signature", "signatures"]],
        "theme": "Inbox and Collaboration",
        "title": "Per-agent signatures in shared inboxes",
        "phrasings": [
            "In the shared inbox every reply goes out with the same signature, and we really need each agent's own name and title on it.",
            "Is there any way to have personal signatures per agent when they reply from the support address?",
            "It would be great if the signature switched to whoever is answering, customers keep asking who they're talking to.",
            "Our agents keep asking for their own email signatures on the shared mailbox, right now it just says 'The Team'.",
            "Nice to have, not urgent, but individual signatures with a direct phone number would be good in the shared inbox.",
        ],
        "details": [
            "Customers like to know they're dealing with a real person.",
            "Right now agents type their name at the bottom by hand, and half of them forget.",
        ],
    },
    "conversation-summaries": {
        "terms": [["summary", "summaries", "summarise", "summarize", "recap", "recaps", "tl;dr"]],
        "theme": "AI Features",
        "title": "AI conversation summaries",
        "phrasings": [
            "It would be great to get a short summary at the top of long threads, so whoever picks it up doesn't read forty emails.",
            "Is there any way to have the AI summarise a conversation when it gets escalated to second tier?",
            "We really need a TL;DR on handover, our night shift spends ages catching up on each thread.",
            "Our managers keep asking for a one-paragraph recap of each escalated ticket that they can paste into the weekly report.",
            "Could Helpdeskly write up a summary of the conversation automatically when it's closed?",
        ],
        "details": [
            "Some of these threads go back and forth thirty times.",
            "Handovers between shifts are where things fall through the cracks.",
        ],
    },
    "round-robin-assignment": {
        "terms": [["round-robin", "round", "robin", "assignment", "assign", "balancing", "rotation"]],
        "theme": "Inbox and Collaboration",
        "title": "Round-robin assignment",
        "phrasings": [
            "Is there any way to assign incoming conversations round-robin, so the load is shared evenly?",
            "We really need automatic assignment that skips agents who are out of office or already at capacity.",
            "It would be great if new tickets rotated between agents instead of the team lead dishing them out by hand every morning.",
            "The one thing missing for us is load balancing across the team, right now the fastest person gets buried.",
        ],
        "details": [
            "Our team lead spends the first hour of every day just assigning things.",
        ],
    },
    "internal-notes-mentions": {
        "terms": [["mention", "mentions", "@mentions", "@mention", "tag", "tagging"], ["note", "notes", "comment", "comments", "teammate", "teammates", "colleague", "colleagues"]],
        "theme": "Inbox and Collaboration",
        "title": "@mentions in internal notes",
        "phrasings": [
            "It would be great if we could @mention a colleague in an internal note and have them notified.",
            "Is there any way to tag someone from billing in a private note, so they see it without us forwarding the email?",
            "We really need mentions in the internal comments, people keep pasting ticket links into chat instead.",
            "Our agents keep asking for a way to loop a teammate into a note with an at-sign, like in Google Docs.",
        ],
        "details": [
            "Notes are great, but nobody knows when a note is meant for them.",
        ],
    },
    "google-calendar": {
        "terms": [["calendar"]],
        "theme": "Apps and Integrations",
        "title": "Google Calendar integration",
        "phrasings": [
            "Is there any way to book a call from inside a conversation and have it land in Google Calendar?",
            "It would be great if the agent's Google Calendar availability showed up right next to the ticket.",
            "We really need a Google Calendar link, so customers can pick a slot for a callback without the back and forth.",
            "Nice to have, not urgent, but syncing follow-up reminders to Google Calendar would help our account managers.",
        ],
        "details": [
            "We're on Google Workspace for everything else.",
        ],
    },
    "auto-translation": {
        "terms": [["translation", "translate", "translated", "translations"]],
        "theme": "AI Features",
        "title": "Automatic translation of conversations",
        "phrasings": [
            "It would be great if incoming emails in German or Spanish were translated automatically for the agent.",
            "Is there any way to translate replies into the customer's language before they go out?",
            "We really need translation built in, we keep pasting messages into a translator tab and back.",
            "Our agents keep asking for automatic translation, now that we have customers writing in French and Spanish.",
        ],
        "details": [
            "We don't want to hire a separate team for every language.",
        ],
    },
    "sentiment-tagging": {
        "terms": [["sentiment", "mood", "angry", "frustrated", "unhappy"]],
        "theme": "AI Features",
        "title": "Sentiment tagging of conversations",
        "phrasings": [
            "Is there any way to flag angry customers automatically, some kind of sentiment tag on the conversation?",
            "It would be great if each ticket got a positive, neutral or negative tag, so we could spot unhappy accounts early.",
            "We really need to catch frustrated customers before they churn, like a sentiment score per conversation.",
            "The one thing missing for us is a mood indicator on threads, so the angry ones go to senior agents.",
        ],
        "details": [
            "By the time a complaint reaches me it's usually already escalated to the CEO.",
        ],
    },
    "scheduled-report-emails": {
        "terms": [["report", "reports", "digest", "dashboard"], ["email", "emails", "emailed", "scheduled", "schedule", "digest"]],
        "theme": "Reporting and Analytics",
        "title": "Scheduled report emails",
        "phrasings": [
            "Is there any way to have the weekly report emailed to our managers every Monday morning?",
            "It would be great to schedule the dashboard as a PDF to the leadership list once a month.",
            "We really need the reports to arrive by email on a schedule, nobody logs in just to look at charts.",
            "Nice to have, not urgent, but a daily digest email with yesterday's volume would be nice.",
        ],
        "details": [
            "Our directors read email, they don't log into tools.",
        ],
    },
    "mobile-offline": {
        "terms": [["offline", "connection", "signal"]],
        "theme": "Inbox and Collaboration",
        "title": "Offline mode for the mobile app",
        "phrasings": [
            "Our field team is often without signal, so we really need the mobile app to work offline and sync later.",
            "Is there any way to read and draft replies on the phone with no connection, like on a plane?",
            "It would be great if the mobile app cached the assigned conversations, so people can see them in dead zones.",
            "The one thing missing for us is offline support on mobile, our warehouse has basically no reception.",
        ],
        "details": [
            "The app just shows a spinner when there's no signal.",
        ],
    },
}

# Requests voiced only through the patterns of patterns.py and heldout_phrasings.py (a question
# the rep answers "not yet", a need stated as a problem, a restatement the customer agrees to, a
# reason to leave): no explicit phrasings here.
PATTERN_REQUESTS = {
    "shopify-integration": ("Apps and Integrations", "Shopify integration", [["shopify"]]),
    "netsuite-integration": ("Apps and Integrations", "NetSuite integration", [["netsuite"]]),
    "wiki-integration": ("Apps and Integrations", "Confluence wiki integration",
                         [["wiki", "wikis", "confluence", "notion"]]),
    "sms-channel": ("Apps and Integrations", "SMS channel", [["sms", "text", "texting"]]),
    "public-attachment-links": ("Inbox and Collaboration", "Public links to attachments",
                                [["attachment", "attachments", "file", "files"],
                                 ["link", "links", "public", "share", "sharing", "url", "urls"]]),
    "collision-detection": ("Inbox and Collaboration", "Block two agents replying to one email",
                            [["collision", "collisions", "lock", "locking", "block", "blocking",
                              "prevent", "duplicate", "double", "twice"]]),
    "localized-admin-ui": ("Inbox and Collaboration", "Admin interface in Portuguese and Spanish",
                           [["portuguese", "spanish", "french", "german", "language", "languages",
                             "localized", "localised", "localization", "localisation",
                             "translated"]]),
    "auto-close-control": ("Inbox and Collaboration", "Control over auto-closing conversations",
                           [["auto-close", "auto-closing", "auto-closed", "autoclose", "close",
                             "closing", "closed"]]),
    "custom-roles": ("Inbox and Collaboration", "Custom roles and permissions",
                     [["role", "roles", "permission", "permissions"]]),
    "kpi-dashboard": ("Reporting and Analytics", "Team KPI dashboard",
                      [["kpi", "kpis", "dashboard", "scorecard", "metrics"]]),
    "agent-workload-report": ("Reporting and Analytics", "Agent workload report",
                              [["workload", "workloads", "capacity", "utilisation",
                                "utilization", "load"]]),
    "ai-tone-check": ("AI Features", "AI tone check on replies",
                      [["tone", "rude", "polite", "politeness", "wording"]]),
}

for _key, (_theme, _title, _terms) in PATTERN_REQUESTS.items():
    REQUESTS[_key] = {"theme": _theme, "title": _title, "terms": _terms, "phrasings": [],
                      "details": []}

# Bugs customers report (each used once). key -> (the report, a detail sentence).
BUGS = {
    "notifications-twice": (
        "Since last Tuesday the desktop notifications arrive twice for every new message.",
        "It's every agent, on Chrome and on the desktop app.",
    ),
    "attachments-stuck": (
        "Attachments over about ten megabytes just spin forever and never finish uploading.",
        "Customers send us photos of damaged luggage, so that happens a lot.",
    ),
    "csv-export-timeout": (
        "The CSV export on the reports page times out whenever we pick a date range longer than a month.",
        "A week at a time works, so Paul has been stitching four files together.",
    ),
    "search-apostrophe": (
        "Search returns nothing at all when the subject line has an apostrophe in it.",
        "So anything like O'Brien or a customer's order just disappears from the results.",
    ),
    "collision-warning": (
        "When two agents open the same conversation, the collision warning doesn't show up anymore.",
        "Yesterday a patient got two different answers within five minutes.",
    ),
    "saved-views-reset": (
        "Our saved views keep resetting to the default sort every time someone logs back in.",
        "It started after the update at the beginning of the month.",
    ),
}
