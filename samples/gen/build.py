"""Turns one entry of plan.CALLS into a Gong call (gong.py's shape) and its ground truth."""

from . import gong, longcall, people, plan, requests, sales
from . import smalltalk as st

TOPICS = {
    "open": "Small Talk", "smalltalk": "Small Talk", "agenda": "Call Setup",
    "discovery": "Discovery", "demo": "Product Demo", "pitch": "Product Demo", "qa": "Q&A",
    "status": "Account Update", "question": "Account Update", "metrics": "Metrics Review",
    "pricing": "Pricing", "renewal": "Renewal", "onboarding": "Onboarding",
    "private": "Account Update", "peak": "Planning", "close": "Next Steps",
}

# Extra beats to pad a call toward its length, by kind.
PADDING = {
    "Discovery": ["discovery", "question", "demo", "qa", "smalltalk"],
    "Demo": ["demo", "qa", "pitch", "question"],
    "Check-in": ["status", "qa", "pitch", "question", "smalltalk"],
    "Technical Deep Dive": ["qa", "demo", "question"],
    "Onboarding": ["onboarding", "qa", "status", "question"],
    "QBR": ["metrics", "status", "qa", "demo", "pitch", "question", "peak", "smalltalk",
            "pricing", "renewal"],
    "Pricing": ["pricing", "qa", "question", "smalltalk"],
    "Renewal": ["renewal", "pricing", "status", "smalltalk"],
    "Exec Check-in": ["smalltalk", "status", "pitch", "question"],
    "Private": ["status", "question"],
}

# How many times each beat can run in one call before its lines start repeating (roughly: the
# size of its pool over the lines it takes). Padding never goes past these.
CAPACITY = {
    "status": 12, "qa": 11, "pitch": 13, "demo": 6, "question": 10, "smalltalk": 3,
    "discovery": 2, "metrics": 6, "pricing": 4, "renewal": 4, "onboarding": 3,
    "peak": len(longcall.PEAK_CHUNKS),
}


# Kinds of call where a beat may run more often than CAPACITY says.
KIND_CAPACITY = {"Exec Check-in": {"smalltalk": 8}, "Renewal": {"smalltalk": 5}}

AGENDA_GROUP = {"Discovery": "demo", "Demo": "demo", "Technical Deep Dive": "demo",
                "Pricing": "commercial", "Renewal": "commercial"}

# Requests worded with their urgency already: no "how important is that?" after them.
URGENT_WORDS = ("blocker", "not urgent", "hard requirement", "single most useful")


def padding_bag(rng, kind, planned):
    """The beats that may pad a call of `kind` whose planned beats are `planned`, shuffled."""
    bag = []
    for beat in sorted(set(PADDING.get(kind, []))):
        cap = KIND_CAPACITY.get(kind, {}).get(beat, CAPACITY[beat])
        bag += [beat] * max(0, cap - planned.count(beat))
    rng.shuffle(bag)
    return bag


# Roughly how many sentences each kind of call should have (the long call: 300+).
LENGTH = {"QBR": (330, 345), "Private": (35, 45)}
DEFAULT_LENGTH = (55, 95)


class Deck:
    """Draws without repeats until the items run out, then starts over: shuffled, or in the
    listed order for lines that only make sense in sequence (a renewal, a price quote)."""

    def __init__(self, rng, items, ordered=False):
        self.rng, self.items, self.pile, self.ordered = rng, list(items), [], ordered

    def draw(self):
        if not self.pile:
            self.pile = self.items[::-1]
            if not self.ordered:
                self.rng.shuffle(self.pile)
        return self.pile.pop()


ORDERED = {"price_v", "renew_v", "onb_v"}


class Conversation:
    def __init__(self, rng, kind, customer_key, vendor, customers, roles):
        self.rng, self.kind, self.customer_key = rng, kind, customer_key
        self.vendor, self.customers, self.roles = vendor, customers, roles
        self.turns, self.decks, self.topic = [], {}, "Small Talk"
        self.peak = 0
        self.truth_requests, self.truth_bugs, self.truth_negatives = [], [], []

    def negative(self, sentence, pattern):
        """Records a planted trap (a sentence that is no request) for the truth, once per call."""
        if all(n["sentence"] != sentence for n in self.truth_negatives):
            self.truth_negatives.append({"sentence": sentence, "pattern": pattern})

    def draw(self, name, items):
        if name not in self.decks:
            self.decks[name] = Deck(self.rng, items, name in ORDERED)
        return self.decks[name].draw()

    def say(self, party, *texts):
        if self.turns and self.turns[-1][0] == party["speakerId"]:
            self.turns[-1][2].extend(texts)
        else:
            self.turns.append([party["speakerId"], self.topic, list(texts)])

    def v(self, *texts, role="lead"):
        self.say(self.roles.get(role) or self.roles["lead"], *texts)

    def c(self, *texts, who=None):
        if who is None:
            weights = [3] + [2] * (len(self.customers) - 1)
            who = self.rng.choices(self.customers, weights)[0]
        self.say(who, *texts)
        return who

    def sentences(self):
        return sum(len(t[2]) for t in self.turns)

    # --- beats -------------------------------------------------------------------------
    def b_open(self):
        self.v(self.draw("greet", st.GREETINGS))
        self.c(self.draw("greet_reply", st.GREETING_REPLIES))
        self.b_smalltalk()

    def b_smalltalk(self):
        question, answer, comment = self.draw("smalltalk", st.SMALL_TALK)
        if self.rng.random() < 0.6:
            self.v(question)
            self.c(answer)
            self.v(comment)
            self.negative(answer, "small-talk")
        else:
            self.c(question)
            self.v(answer)
            self.c(comment)
            self.negative(question, "small-talk")
            self.negative(comment, "small-talk")

    def b_agenda(self):
        self.v(self.draw("agenda", st.AGENDA[AGENDA_GROUP.get(self.kind, "review")]))
        self.c(self.draw("agenda_reply", st.AGENDA_REPLIES))

    def b_discovery(self):
        self.v(self.draw("discovery_q", st.DISCOVERY_QUESTIONS))
        context = people.CUSTOMERS[self.customer_key]["context"]
        line = self.draw("context", context)
        who = self.c(line)
        self.negative(line, "setup")
        if self.rng.random() < 0.6:
            line = self.draw("context", context)
            self.c(line, who=who)
            self.negative(line, "setup")
        self.v(self.draw("bc", st.BACKCHANNELS))

    def b_demo(self):
        n = self.rng.randint(2, 3)
        self.v(*[self.draw("demo", sales.DEMO) for _ in range(n)], role="se")
        if self.rng.random() < 0.6:
            self.c(self.draw("reaction", st.REACTIONS))
        else:
            self.c(self.draw("bc", st.BACKCHANNELS))

    def b_pitch(self):
        pitch = self.draw("pitch", sales.PITCHES)
        self.v(pitch)
        self.negative(pitch, "rep-pitch")
        self.c(self.draw("reaction", st.REACTIONS))

    def b_qa(self):
        question, answer = self.draw("qa", sales.QA)
        self.c(question)
        self.negative(question, "question-yes")
        self.v(answer, role="se")
        if self.rng.random() < 0.4:
            self.c(self.draw("bc", st.BACKCHANNELS))

    def b_status(self):
        if self.rng.random() < 0.5:
            self.v(self.draw("status_q", st.STATUS_QUESTIONS), role="csm")
        n = self.rng.randint(1, 2)
        lines = [self.draw("status", st.STATUS_UPDATES) for _ in range(n)]
        self.c(*lines)
        for line in lines:
            self.negative(line, "setup")
        self.v(self.draw("bc", st.BACKCHANNELS), role="csm")

    def b_question(self):
        question, answer = self.draw("question", st.QUESTION_PAIRS)
        self.v(question)
        self.c(answer)
        self.negative(answer, "setup")

    def metric(self):
        template, (a_lo, a_hi), (b_lo, b_hi) = self.draw("metrics", sales.METRICS)
        return template.format(a=self.rng.randint(a_lo, a_hi), b=self.rng.randint(b_lo, b_hi))

    def b_metrics(self):
        self.v(*[self.metric() for _ in range(self.rng.randint(2, 3))], role="csm")
        self.c(self.draw("reaction", st.REACTIONS) if self.rng.random() < 0.5
               else self.draw("bc", st.BACKCHANNELS))

    def b_pricing(self):
        n = self.rng.randint(1, 2)
        self.v(*[self.draw("price_v", sales.PRICING_VENDOR) for _ in range(n)], role="ae")
        line = self.draw("price_c", sales.PRICING_CUSTOMER)
        self.c(line)
        self.negative(line, "sales-process")

    def b_renewal(self):
        self.v(self.draw("renew_v", sales.RENEWAL_VENDOR), role="ae")
        line = self.draw("renew_c", sales.RENEWAL_CUSTOMER)
        self.c(line)
        self.negative(line, "sales-process")

    def b_onboarding(self):
        n = self.rng.randint(1, 2)
        self.v(*[self.draw("onb_v", sales.ONBOARDING_VENDOR) for _ in range(n)], role="csm")
        self.c(self.draw("onb_c", sales.ONBOARDING_CUSTOMER))

    def b_private(self):
        c, v, who = sales.PRIVATE_CUSTOMER, sales.PRIVATE_VENDOR, self.customers[0]
        self.c(c[0], who=who)
        self.v(v[0])
        self.c(c[1], c[2], who=who)
        self.v(v[1])
        self.c(c[3], c[4], who=who)
        self.v(v[2], v[3])

    def b_peak(self):
        chunk = longcall.PEAK_CHUNKS[self.peak % len(longcall.PEAK_CHUNKS)]
        self.peak += 1
        for side, text in chunk:
            if side == "v":
                self.v(text, role="csm")
            elif side == "c":
                self.c(text)
            else:
                self.c(text, who=self.customers[int(side[1:])])

    def b_close(self):
        self.v(self.draw("next", st.NEXT_STEPS))
        self.c(self.draw("bc", st.BACKCHANNELS))
        self.v(self.draw("bye", st.GOODBYES))
        self.c(self.draw("bye_reply", st.GOODBYE_REPLIES))

    def request(self, key, phrasing, buried):
        texts = []
        if self.rng.random() < 0.4:
            texts.append(self.draw("req_lead", st.REQUEST_LEADINS))
        if buried and self.rng.random() < 0.6:
            texts.append(self.draw("status", st.STATUS_UPDATES))
        texts.append(phrasing)
        if self.rng.random() < 0.6:
            texts.append(self.rng.choice(requests.REQUESTS[key]["details"]))
        self.c(*texts)
        self.v(self.draw("ack", st.ACKS))
        if self.rng.random() < 0.35 and not any(m in phrasing for m in URGENT_WORDS):
            self.v(self.draw("urg_q", st.URGENCY_QUESTIONS))
            self.c(self.draw("urg_a", st.URGENCY_ANSWERS))
        self.truth_requests.append({"key": key, "sentence": phrasing, "pattern": "explicit"})

    def bug(self, key):
        report, detail = requests.BUGS[key]
        self.c(self.draw("bug_lead", st.BUG_LEADINS), report, detail)
        self.v(*[self.draw("bug_resp", st.BUG_RESPONSES) for _ in range(self.rng.randint(1, 2))])
        self.c(self.draw("bc", st.BACKCHANNELS))
        self.truth_bugs.append(report)

    def run(self, beat):
        kind, arg = beat
        if kind == "request":
            self.request(*arg)
        elif kind == "bug":
            self.bug(arg)
        else:
            self.topic = TOPICS[kind]
            getattr(self, "b_" + kind)()
