"""Gong's shapes: ids, parties, timed transcripts, metaData and CRM context.

A call here is the element of /v2/calls/extensive's "calls" plus "transcript", the call's element
of /v2/calls/transcript's "callTranscripts", as the replay file wants it (DESIGN.md section 2).
"""

import datetime

from . import people

GONG_URL = "https://app.gong.io/call?id="


class Ids:
    """Unique numeric id strings of a given length, from the shared random source."""

    def __init__(self, rng):
        self.rng = rng
        self.seen = set()

    def make(self, digits):
        while True:
            value = str(self.rng.randrange(10 ** (digits - 1), 10 ** digits))
            if value not in self.seen:
                self.seen.add(value)
                return value


def october_slots(rng, count, month=10):
    """`count` start times on the weekdays of a month of 2025 (October unless `month` says
    otherwise), in order, UTC, between 14:00 and 21:00."""
    days = []
    for d in range(1, 32):
        try:
            days.append(datetime.date(2025, month, d))
        except ValueError:
            break
    days = [d for d in days if d.weekday() < 5]
    by_day = {}
    for i in range(count):
        by_day.setdefault(days[i * len(days) // count], 0)
        by_day[days[i * len(days) // count]] += 1
    slots = []
    for day in sorted(by_day):
        hours = sorted(rng.sample(range(14, 21), by_day[day]))
        for hour in hours:
            scheduled = datetime.datetime(day.year, day.month, day.day, hour, rng.choice([0, 30]))
            started = scheduled + datetime.timedelta(minutes=rng.choice([0, 0, 1, 2, 3]),
                                                     seconds=rng.randrange(0, 60))
            slots.append((scheduled, started))
    return slots


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def internal_party(ids, staff_key):
    name, title, user_id = people.STAFF[staff_key]
    return {
        "id": ids.make(14),
        "emailAddress": people.staff_email(staff_key),
        "name": name,
        "title": title,
        "userId": user_id,
        "speakerId": ids.make(19),
        "affiliation": "Internal",
        "methods": ["Invitee"],
    }


def external_party(ids, customer_key, contact):
    name, title = contact
    return {
        "id": ids.make(14),
        "emailAddress": people.customer_email(customer_key, name),
        "name": name,
        "title": title,
        "speakerId": ids.make(19),
        "affiliation": "External",
        "methods": ["Invitee"],
    }


def crm_context(customer_key):
    """Gong's CRM context for a call: the Salesforce Account, with annual revenue (12 x MRR)."""
    c = people.CUSTOMERS[customer_key]
    return [{
        "system": "Salesforce",
        "objects": [{
            "objectType": "Account",
            "objectId": c["sf_account"],
            "fields": [
                {"name": "Name", "value": c["name"]},
                {"name": "AnnualRevenue", "value": str(c["mrr"] * 12)},
            ],
            "timing": "Now",
        }],
    }]


def speaking_ms(rng, text):
    """Roughly how long saying `text` takes: about 2.6 words a second, plus a little."""
    words = len(text.split())
    return words * rng.randint(330, 430) + rng.randint(250, 700)


def timed_transcript(rng, monologues, target_seconds=None):
    """Gong's transcript for [(speakerId, topic, [text])]: start/end in ms from the call's start,
    always increasing. With target_seconds, pauses between monologues (screens being shared,
    people thinking) are lengthened so the call lasts about that long. Returns (transcript,
    duration in seconds)."""
    speech = [[speaking_ms(rng, t) for t in texts] for _, _, texts in monologues]
    inner = [[rng.randint(150, 900) for _ in texts] for _, _, texts in monologues]
    between = [rng.randint(300, 2200) for _ in monologues]
    natural = 4000 + sum(map(sum, speech)) + sum(map(sum, inner)) + sum(between)
    if target_seconds and target_seconds * 1000 > natural:
        extra = target_seconds * 1000 - natural
        weights = [rng.random() ** 2 for _ in monologues]
        total = sum(weights)
        between = [b + int(extra * w / total) for b, w in zip(between, weights)]
    clock = rng.randint(2000, 6000)
    out = []
    for (speaker, topic, texts), lengths, gaps, pause in zip(monologues, speech, inner, between):
        sentences = []
        for text, length, gap in zip(texts, lengths, gaps):
            sentences.append({"start": clock, "end": clock + length, "text": text})
            clock += length + gap
        out.append({"speakerId": speaker, "topic": topic, "sentences": sentences})
        clock += pause
    return out, clock // 1000 + rng.randint(5, 40)


def call_record(call_id, title, scheduled, started, duration, primary_user, parties, transcript,
                internal=False, private=False, context=None, language="eng", scope=None):
    record = {
        "metaData": {
            "id": call_id,
            "url": GONG_URL + call_id,
            "title": title,
            "scheduled": iso(scheduled),
            "started": iso(started),
            "duration": duration,
            "primaryUserId": primary_user,
            "direction": "Conference" if internal else "Outbound",
            "system": "Zoom",
            "scope": scope or ("Internal" if internal else "External"),
            "media": "Video",
            "language": language,
            "isPrivate": private,
        },
    }
    if context:
        record["context"] = context
    record["parties"] = parties
    record["transcript"] = {"callId": call_id, "transcript": transcript}
    return record
