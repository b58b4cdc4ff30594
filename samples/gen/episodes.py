"""Builds the pattern calls of a pool (patterns.py for the development set, heldout_phrasings.py
for the held-out set) into the same call specs as assemble.customer_call: parties, turns, truth.
The pool's docstring (patterns.py) describes episodes, sides and setups.
"""

from . import gong, people

REQUEST_PATTERNS = ("explicit", "question-no", "need", "restatement", "unknown-speaker", "churn")
NEGATIVE_PATTERNS = ("question-yes", "sales-process", "small-talk", "setup", "internal",
                     "rep-pitch")

STAFFING = {
    "Discovery": ["owner"],
    "Demo": ["owner", "priya"],
    "Check-in": ["jonas", "owner"],
    "Technical Deep Dive": ["priya", "owner"],
    "Onboarding": ["jonas"],
    "QBR": ["jonas", "owner"],
    "Pricing": ["owner"],
    "Renewal": ["owner", "jonas"],
    "Exec Check-in": ["owner", "rachel"],
}

LANGUAGE_3 = {"en": "eng", "de": "deu", "es": "spa", "fr": "fra", "pt": "por", "it": "ita"}


def fail(message):
    raise SystemExit("pattern pool: " + message)


def unknown_party(ids, name, email):
    party = {"id": ids.make(14), "name": name, "speakerId": ids.make(19),
             "affiliation": "Unknown", "methods": ["Attendee"]}
    if email:
        party["emailAddress"] = email
    return party


class Talk:
    """Turns in the making: consecutive sentences of one speaker are one monologue."""

    def __init__(self, topic):
        self.turns, self.topic = [], topic

    def say(self, party, text):
        if self.turns and self.turns[-1][0] == party["speakerId"]:
            self.turns[-1][2].append(text)
        else:
            self.turns.append([party["speakerId"], self.topic, [text]])

    def last_speaker(self):
        return self.turns[-1][0] if self.turns else None


def record(truth, pattern, key, text, context=None, said_by_unknown=False, setup="normal"):
    """Adds an episode's truth sentence to the call's truth."""
    if key:
        if pattern not in REQUEST_PATTERNS:
            fail(f"{pattern} is not a request pattern")
        if setup == "unknown-silent" or said_by_unknown:
            pattern = "unknown-speaker"
        entry = {"key": key, "sentence": text, "pattern": pattern}
        if context:
            entry["context"] = context
        truth["requests"].append(entry)
    else:
        if pattern not in NEGATIVE_PATTERNS:
            fail(f"{pattern} is not a negative pattern")
        truth["negatives"].append({"sentence": text, "pattern": pattern})


def customer_pattern_call(rng, ids, spec, filler):
    """A call of spec's customer made of spec's episodes, with greetings and goodbyes around
    them (none for a "foreign" call, whose episodes carry their own)."""
    setup = spec["setup"]
    customer = people.CUSTOMERS[spec["customer"]]
    staff = [customer["owner"] if s == "owner" else s for s in STAFFING[spec["kind"]]]
    vendor = [gong.internal_party(ids, s) for s in staff]
    if setup == "foreign":
        external = [gong.external_party(ids, spec["customer"], spec["contact"])]
    else:
        used = {int(side[1:]) for _, _, turns in spec["episodes"] for side, _ in turns
                if side[:1] in "cC" and side[1:]}
        count = max(used | {1})
        if count > len(customer["contacts"]):
            fail(f"{spec['customer']} has no contact {count}")
        external = [gong.external_party(ids, spec["customer"], c)
                    for c in customer["contacts"][:count]]
    unknown = None
    if setup == "unknown-domain":
        name, domain = spec["unknown"]
        first, last = name.lower().split(" ", 1)
        unknown = unknown_party(ids, name, f"{first}.{last.replace(' ', '')}@{domain}")
    elif setup == "unknown-silent":
        unknown = unknown_party(ids, spec["unknown"], None)

    def party(side):
        base = side[:1].lower()
        if base == "v":
            return vendor[1] if side[1:] == "2" and len(vendor) > 1 else vendor[0]
        if base in ("r", "p"):
            return vendor[0]
        if base == "u":
            if not unknown:
                fail("a 'u' turn in a call without an Unknown party")
            return unknown
        if setup == "unknown-silent":
            return unknown
        return external[int(side[1:]) - 1 if side[1:] else 0]

    talk = Talk("Small Talk")
    truth = {"customer": customer["name"], "language": spec.get("language", "en"),
             "requests": [], "negatives": [], "bugs": [], "private": False, "internal": False}
    first_customer = unknown if setup == "unknown-silent" else external[0]
    if setup != "foreign":
        talk.say(vendor[0], rng.choice(filler["greetings"]))
        talk.say(first_customer, rng.choice(filler["greeting_replies"]))
    talk.topic = "Discussion"
    for pattern, key, turns in spec["episodes"]:
        context = None
        for side, text in turns:
            who = party(side)
            talk.say(who, text)
            if side[:1] == "R":
                context = text
            elif side[:1] == "P":
                record(truth, "rep-pitch", None, text)
            elif side[:1] in ("C", "U"):
                record(truth, pattern, key, text, context, side[:1] == "U", setup)
        if key and talk.last_speaker() != vendor[0]["speakerId"] and setup != "foreign":
            talk.say(vendor[0], rng.choice(filler["acks"]))
        elif setup != "foreign" and rng.random() < 0.3:
            talk.say(first_customer if talk.last_speaker() != first_customer["speakerId"]
                     else vendor[0], rng.choice(filler["backchannels"]))
    if setup != "foreign":
        talk.topic = "Next Steps"
        talk.say(vendor[0], rng.choice(filler["next_steps"]))
        talk.say(first_customer, rng.choice(filler["backchannels"]))
        talk.say(vendor[0], rng.choice(filler["goodbyes"]))
        talk.say(first_customer, rng.choice(filler["goodbye_replies"]))
    title = spec.get("title") or (f"{people.VENDOR} {spec['kind']} | {customer['short']} <> "
                                  f"{vendor[0]['name'].split()[0]}")
    parties = vendor + external + ([unknown] if unknown else [])
    return dict(title=title, parties=parties, turns=talk.turns, primary=people.STAFF[staff[0]][2],
                target=rng.randint(420, 900), private=False, context=None, truth=truth,
                language=LANGUAGE_3[spec.get("language", "en")])


def internal_pattern_call(rng, ids, spec):
    """A meeting of Helpdeskly's own staff, some of whom Gong marks Unknown: no requests."""
    parties, by_who = [], {}
    for who, affiliation, with_email in spec["parties"]:
        if who in people.STAFF:
            if affiliation == "Internal":
                p = gong.internal_party(ids, who)
            else:
                p = unknown_party(ids, people.STAFF[who][0],
                                  people.staff_email(who) if with_email else None)
        else:
            first, last = who.lower().split(" ", 1)
            email = (f"{first}.{last.replace(' ', '')}@{people.VENDOR_DOMAIN}" if with_email
                     else None)
            p = unknown_party(ids, who, email)
        parties.append(p)
        by_who[who] = p
    talk = Talk("Pipeline Review")
    truth = {"customer": None, "language": "en", "requests": [], "negatives": [], "bugs": [],
             "private": False, "internal": True}
    for who, text in spec["turns"]:
        if who.startswith("!"):
            who = who[1:]
            record(truth, "internal", None, text)
        talk.say(by_who[who], text)
    lead = next(p for p in parties if p.get("userId"))
    scope = "Internal" if all(p["affiliation"] == "Internal" for p in parties) else "Unknown"
    return dict(title=spec["title"], parties=parties, turns=talk.turns, primary=lead["userId"],
                target=rng.randint(300, 600), private=False, context=None, truth=truth,
                internal=True, scope=scope)


def build(rng, ids, pool):
    """The call specs of a pool: its customer calls, its foreign call, its internal meetings."""
    specs = [customer_pattern_call(rng, ids, spec, pool.FILLER) for spec in pool.CALLS]
    specs.append(customer_pattern_call(rng, ids, pool.FOREIGN, pool.FILLER))
    specs += [internal_pattern_call(rng, ids, spec) for spec in pool.INTERNAL]
    rng.shuffle(specs)
    return specs
