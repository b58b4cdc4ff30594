"""Puts the whole sample together: every call of plan.CALLS, in date order, with its truth."""

import importlib
import random

from . import episodes, gong, people, plan, requests, sales
from .build import DEFAULT_LENGTH, LENGTH, Conversation, padding_bag

# Helpdeskly staff on each kind of call; the first leads. "owner": the account's executive.
STAFFING = {
    "Discovery": ["owner"],
    "Demo": ["owner", "priya"],
    "Check-in": ["jonas"],
    "Technical Deep Dive": ["priya", "owner"],
    "Onboarding": ["jonas"],
    "QBR": ["jonas", "owner"],
    "Pricing": ["owner"],
    "Renewal": ["owner", "jonas"],
    "Exec Check-in": ["owner", "rachel"],
    "Private": ["owner"],
}


class Phrasings:
    """Hands out each request's phrasings in a shuffled order, never the same one twice."""

    def __init__(self, rng):
        self.left = {}
        for key, spec in requests.REQUESTS.items():
            items = list(spec["phrasings"])
            rng.shuffle(items)
            self.left[key] = items

    def take(self, key):
        if not self.left[key]:
            raise SystemExit(f"not enough phrasings for {key}")
        return self.left[key].pop()


def customer_call(rng, ids, entry, phrasings):
    customer_key, kind, wanted, bugs, options = entry
    customer = people.CUSTOMERS[customer_key]
    staff = [customer["owner"] if s == "owner" else s for s in STAFFING[kind]]
    vendor = [gong.internal_party(ids, s) for s in staff]
    contacts = customer["contacts"]
    if kind in ("QBR", "Technical Deep Dive"):
        chosen = list(contacts)
    elif kind == "Private":
        chosen = contacts[:1]
    else:
        chosen = contacts[:1] + rng.sample(contacts[1:], rng.randint(0, 1))
    external = [gong.external_party(ids, customer_key, c) for c in chosen]

    by_staff = dict(zip(staff, vendor))
    roles = {"lead": vendor[0], "se": by_staff.get("priya"), "csm": by_staff.get("jonas"),
             "ae": by_staff.get(customer["owner"])}
    talk = Conversation(rng, kind, customer_key, vendor, external, roles)

    beats = [(b, None) for b in plan.KINDS[kind]]
    low, high = LENGTH.get(kind, DEFAULT_LENGTH)
    target = rng.randint(low, high)
    pad = max(0, int((target - 5 * len(wanted) - 5 * len(bugs)) / 3.3) - len(beats))
    bag = padding_bag(rng, kind, plan.KINDS[kind])
    first = beats.index(("agenda", None)) + 1 if ("agenda", None) in beats else 2
    for _ in range(min(pad, len(bag))):
        beats.insert(rng.randint(first, len(beats) - 1), (bag.pop(), None))
    inserts = [("request", (key, phrasings.take(key), options.get("long", False)))
               for key in wanted] + [("bug", key) for key in bugs]
    rng.shuffle(inserts)
    for item in inserts:
        beats.insert(rng.randint(first + 1, len(beats) - 1), item)
    for beat in beats[:-1]:
        talk.run(beat)
    while bag and talk.sentences() < target - 4:  # the estimate runs short: top up, then close
        talk.run((bag.pop(), None))
    talk.run(beats[-1])

    name_in_title = "Check-in" if kind == "Private" else kind
    title = f"{people.VENDOR} {name_in_title} | {customer['short']} <> {vendor[0]['name'].split()[0]}"
    target_seconds = rng.randint(2640, 2760) if options.get("long") else rng.randint(600, 1500)
    truth = {"customer": customer["name"], "language": "en", "requests": talk.truth_requests,
             "negatives": talk.truth_negatives, "bugs": talk.truth_bugs,
             "private": bool(options.get("private")), "internal": False}
    return dict(title=title, parties=vendor + external, turns=talk.turns,
                primary=people.STAFF[staff[0]][2], target=target_seconds,
                private=bool(options.get("private")),
                context=gong.crm_context(customer_key) if options.get("context") else None,
                truth=truth)


def internal_call(rng, ids):
    staff = ["rachel", "sam", "maya", "jonas", "theo"]
    parties = {s: gong.internal_party(ids, s) for s in staff}
    turns = [[parties["rachel"]["speakerId"], "Small Talk", ["Morning all, let's give it one more minute for Theo."]],
             [parties["theo"]["speakerId"], "Small Talk", ["I'm here, sorry, my laptop decided to update."]]]
    for who, text in sales.INTERNAL_LINES:
        sid = parties[who]["speakerId"]
        if turns[-1][0] == sid:
            turns[-1][2].append(text)
        else:
            turns.append([sid, "Pipeline Review", [text]])
    negatives = []
    for _, text in sales.INTERNAL_LINES:
        if all(n["sentence"] != text for n in negatives):
            negatives.append({"sentence": text, "pattern": "internal"})
    truth = {"customer": None, "language": "en", "requests": [], "negatives": negatives,
             "bugs": [], "private": False, "internal": True}
    return dict(title=f"{people.VENDOR} Internal | Weekly Pipeline Review", parties=list(parties.values()),
                turns=turns, primary=people.STAFF["rachel"][2], target=rng.randint(360, 480), private=False,
                context=None, truth=truth, internal=True)


# Seeds of the pattern calls' arrangement: the development set's additions, the held-out set
# and the test set.
DEV_PATTERN_SEED = 1013
HELDOUT_SEED = 7919
TEST_SEED = 2741

# The sets built from a pool alone: set name -> (the pool's module in gen/, its seed).
POOL_SETS = {"heldout": ("heldout_phrasings", HELDOUT_SEED), "test": ("test_phrasings", TEST_SEED)}


def record_of(call_id, spec, scheduled, started, rng):
    transcript, duration = gong.timed_transcript(rng, spec["turns"], spec["target"])
    return gong.call_record(
        call_id, spec["title"], scheduled, started, duration, spec["primary"], spec["parties"],
        transcript, internal=spec.get("internal", False), private=spec["private"],
        context=spec["context"], language=spec.get("language", "eng"), scope=spec.get("scope"))


def canonical_requests(pool=None):
    """requests.py's canonical requests, and the pool's own NEW_REQUESTS if it has any."""
    out = {k: {"theme": v["theme"], "title": v["title"], "terms": v["terms"]}
           for k, v in requests.REQUESTS.items()}
    for key, (theme, title, terms) in getattr(pool, "NEW_REQUESTS", {}).items():
        if key in out:
            raise SystemExit(f"{key}: a new request of the pool is already canonical")
        out[key] = {"theme": theme, "title": title, "terms": terms}
    return out


def build_all(rng, which="dev"):
    """Returns (calls, truth) of a set: "dev" (the forty planned calls of plan.CALLS in October,
    then patterns.py's calls in November), "heldout" (heldout_phrasings.py's calls in November,
    arranged with another seed) or "test" (test_phrasings.py's, with a third seed)."""
    if which in POOL_SETS:
        module, seed = POOL_SETS[which]
        pool = importlib.import_module("." + module, __package__)
        hrng = random.Random(seed)
        ids = gong.Ids(hrng)
        specs = episodes.build(hrng, ids, pool)
        slots = gong.october_slots(hrng, len(specs), month=11)
        calls, truth_calls = [], {}
        for spec, (scheduled, started) in zip(specs, slots):
            call_id = ids.make(19)
            calls.append(record_of(call_id, spec, scheduled, started, hrng))
            truth_calls[call_id] = spec["truth"]
        return calls, {"requests": canonical_requests(pool), "calls": truth_calls}
    calls, truth = build_planned(rng)
    from . import patterns
    prng = random.Random(DEV_PATTERN_SEED)
    ids = gong.Ids(prng)
    ids.seen = ({c["metaData"]["id"] for c in calls}
                | {p[k] for c in calls for p in c["parties"] for k in ("id", "speakerId")})
    specs = episodes.build(prng, ids, patterns)
    slots = gong.october_slots(prng, len(specs), month=11)
    for spec, (scheduled, started) in zip(specs, slots):
        call_id = ids.make(19)
        calls.append(record_of(call_id, spec, scheduled, started, prng))
        truth["calls"][call_id] = spec["truth"]
    return calls, truth


def build_planned(rng):
    """The forty planned calls of plan.CALLS (the original sample, byte for byte)."""
    ids = gong.Ids(rng)
    phrasings = Phrasings(rng)
    slots = gong.october_slots(rng, len(plan.CALLS))
    calls, truth_calls = [], {}
    for entry, (scheduled, started) in zip(plan.CALLS, slots):
        if entry[1] == "Internal":
            spec = internal_call(rng, ids)
        else:
            spec = customer_call(rng, ids, entry, phrasings)
        call_id = ids.make(19)
        transcript, duration = gong.timed_transcript(rng, spec["turns"], spec["target"])
        calls.append(gong.call_record(
            call_id, spec["title"], scheduled, started, duration, spec["primary"],
            spec["parties"], transcript, internal=spec.get("internal", False),
            private=spec["private"], context=spec["context"]))
        truth_calls[call_id] = spec["truth"]
    truth = {"requests": canonical_requests(), "calls": truth_calls}
    return calls, truth
