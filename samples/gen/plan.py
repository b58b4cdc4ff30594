"""The forty calls, in date order: who, what kind, which requests and bugs come up.

Request mentions over the shareable customer calls (not private, not internal) are Zipf-like:
salesforce-sync 6, slack-notifications 5, ai-reply-suggestions 4, sla-dashboard 4, csv-export 3,
okta-sso 3, per-agent-signatures 3, conversation-summaries 3, and the other seven twice each.
The private call adds one more sla-dashboard mention.
"""

# Call kinds: what the call is about. "beats" lists the call's parts in order; build.py
# turns each into turns, and puts requests and bugs somewhere among the middle beats.
KINDS = {
    "Discovery": ["open", "agenda", "discovery", "discovery", "demo", "qa", "close"],
    "Demo": ["open", "agenda", "discovery", "demo", "demo", "pitch", "qa", "demo", "close"],
    "Check-in": ["open", "agenda", "status", "status", "pitch", "question", "close"],
    "Technical Deep Dive": ["open", "agenda", "qa", "qa", "demo", "qa", "pitch", "close"],
    "Onboarding": ["open", "agenda", "onboarding", "onboarding", "qa", "status", "close"],
    "QBR": (["open", "smalltalk", "agenda", "metrics", "metrics", "status", "discovery",
             "metrics", "demo", "pitch", "qa", "demo", "status", "question", "metrics", "qa",
             "demo", "pitch", "qa", "status", "discovery", "demo", "question", "qa", "pitch",
             "metrics", "demo", "qa", "pricing", "renewal", "status", "close"]),
    "Pricing": ["open", "agenda", "pricing", "pricing", "qa", "pricing", "close"],
    "Renewal": ["open", "smalltalk", "renewal", "renewal", "pricing", "close"],
    "Exec Check-in": ["open", "smalltalk", "smalltalk", "status", "pitch", "smalltalk", "close"],
    "Private": ["open", "private", "status", "close"],
    "Internal": ["internal"],
}

# (customer, kind, requests, bugs, options). options: private, context (Salesforce CRM
# context on the call), long (stretch to about 45 minutes).
CALLS = [
    ("northwind", "Discovery", ["salesforce-sync", "slack-notifications"], [], {}),
    ("umbrella", "Demo", ["salesforce-sync", "okta-sso", "sla-dashboard"], [], {"context": True}),
    ("globex", "Demo", ["ai-reply-suggestions"], [], {}),
    ("initech", "Check-in", ["slack-notifications"], [], {}),
    ("hooli", "Demo", ["google-calendar"], [], {}),
    ("vandelay", "Discovery", ["csv-export"], [], {}),
    ("northwind", "Technical Deep Dive", ["okta-sso", "internal-notes-mentions"], [], {}),
    ("umbrella", "Check-in", ["slack-notifications"], ["notifications-twice"], {}),
    ("globex", "Pricing", [], [], {}),
    ("initech", "Demo", ["salesforce-sync"], [], {}),
    (None, "Internal", [], [], {}),
    ("hooli", "Check-in", ["ai-reply-suggestions"], ["attachments-stuck"], {}),
    ("vandelay", "Demo", ["sla-dashboard"], [], {}),
    ("northwind", "QBR", ["salesforce-sync", "csv-export", "conversation-summaries",
                          "sentiment-tagging"], [], {"context": True, "long": True}),
    ("umbrella", "Renewal", [], [], {}),
    ("globex", "Check-in", ["per-agent-signatures"], [], {}),
    ("initech", "Onboarding", ["internal-notes-mentions"], [], {}),
    ("hooli", "Pricing", [], [], {}),
    ("vandelay", "Check-in", ["csv-export"], ["csv-export-timeout"], {}),
    ("northwind", "Check-in", ["ai-reply-suggestions"], [], {}),
    ("umbrella", "Technical Deep Dive", ["auto-translation", "scheduled-report-emails",
                                         "round-robin-assignment"], [], {}),
    ("globex", "Private", ["sla-dashboard"], [], {"private": True}),
    ("initech", "Renewal", [], [], {}),
    ("hooli", "Discovery", ["salesforce-sync"], [], {}),
    ("vandelay", "Technical Deep Dive", ["okta-sso"], [], {}),
    ("northwind", "Onboarding", ["per-agent-signatures"], ["search-apostrophe"], {}),
    ("umbrella", "Check-in", ["conversation-summaries"], [], {}),
    ("globex", "Demo", ["salesforce-sync", "google-calendar"], [], {}),
    ("initech", "Check-in", ["sentiment-tagging"], [], {}),
    ("hooli", "Check-in", ["slack-notifications"], [], {}),
    ("vandelay", "Exec Check-in", [], [], {}),
    ("northwind", "Pricing", ["sla-dashboard"], [], {}),
    ("umbrella", "Check-in", ["slack-notifications", "ai-reply-suggestions"], [], {}),
    ("initech", "Demo", ["conversation-summaries", "round-robin-assignment"], [], {}),
    ("globex", "Check-in", ["auto-translation"], ["collision-warning"], {}),
    ("hooli", "Check-in", ["mobile-offline"], [], {}),
    ("vandelay", "Check-in", ["scheduled-report-emails", "sla-dashboard"], [], {}),
    ("initech", "Check-in", ["per-agent-signatures"], [], {}),
    ("umbrella", "Check-in", ["mobile-offline"], ["saved-views-reset"], {}),
    ("vandelay", "Renewal", [], [], {}),
]
