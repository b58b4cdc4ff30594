"""Checks the written sample and counts what is in it."""

import collections
import json
import re

from . import episodes, people, requests

VENDOR_SUFFIX = "@" + people.VENDOR_DOMAIN


def is_customer(party, parties):
    """Who speaks for the customer: External; Unknown with an address off the vendor's domain;
    Unknown with no address in a call that has External parties (who then are silent)."""
    if party["affiliation"] == "External":
        return True
    if party["affiliation"] != "Unknown" or party.get("userId"):
        return False
    email = party.get("emailAddress")
    if email:
        return not email.endswith(VENDOR_SUFFIX)
    return any(p["affiliation"] == "External" for p in parties)


def words(text):
    """The words of a text, lower case; a hyphenated word also gives its parts."""
    out = []
    for w in re.findall(r"[a-z0-9@][a-z0-9@;'-]*", text.lower()):
        w = w.rstrip("-'")
        out.append(w)
        if "-" in w:
            out += [p for p in w.split("-") if p]
    return out


def title_good(title, terms):
    """The samples' rule for a good title: 2 to 8 words, and for every list of terms one of its
    words (whole words, case-insensitive; a hyphenated word counts whole and by its parts)."""
    count = len([w for w in title.split() if re.search(r"[A-Za-z0-9]", w)])
    ws = set(words(title))
    return 2 <= count <= 8 and all(any(t in ws for t in group) for group in terms)


def fail(message):
    raise SystemExit("samples check failed: " + message)


def load(calls_path, truth_path):
    calls = []
    with open(calls_path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            try:
                calls.append(json.loads(line))
            except json.JSONDecodeError as e:
                fail(f"line {number} does not parse: {e}")
    with open(truth_path, encoding="utf-8") as f:
        truth = json.load(f)
    return calls, truth


def verify(calls, truth):
    """Raises SystemExit on the first problem."""
    ids = [c["metaData"]["id"] for c in calls]
    if len(set(ids)) != len(ids):
        fail("call ids are not unique")
    if set(ids) != set(truth["calls"]):
        fail("truth.json's calls are not the calls in calls.jsonl")
    spoken = collections.Counter()
    for call in calls:
        meta, cid = call["metaData"], call["metaData"]["id"]
        if not re.fullmatch(r"[1-9][0-9]{18}", cid):
            fail(f"{cid}: not a 19-digit id")
        if call["transcript"]["callId"] != cid:
            fail(f"{cid}: transcript callId differs")
        if not meta["started"].startswith(("2025-10-", "2025-11-")):
            fail(f"{cid}: not in October or November 2025")
        parties = {p["speakerId"]: p for p in call["parties"]}
        if len(parties) != len(call["parties"]):
            fail(f"{cid}: speakerIds not unique")
        clock, previous, texts = -1, None, {}
        for mono in call["transcript"]["transcript"]:
            if mono["speakerId"] not in parties:
                fail(f"{cid}: speaker {mono['speakerId']} is not among the parties")
            if mono["speakerId"] == previous:
                fail(f"{cid}: two monologues in a row by the same speaker")
            previous = mono["speakerId"]
            for s in mono["sentences"]:
                if not (clock < s["start"] < s["end"]):
                    fail(f"{cid}: sentence times do not increase at {s['start']}")
                clock = s["end"]
                side = ("customer" if is_customer(parties[mono["speakerId"]], call["parties"])
                        else "vendor")
                texts.setdefault(s["text"], set()).add(side)
        if meta["duration"] * 1000 < clock:
            fail(f"{cid}: duration shorter than the transcript")
        t = truth["calls"][cid]
        if t["private"] != meta["isPrivate"]:
            fail(f"{cid}: isPrivate disagrees with truth")
        internal = not any(is_customer(p, call["parties"]) for p in call["parties"])
        all_internal = all(p["affiliation"] == "Internal" for p in call["parties"])
        if internal != t["internal"] or all_internal != (meta["scope"] == "Internal"):
            fail(f"{cid}: internal call flags disagree")
        if t.get("language", "en") != "en" and meta["language"] == "eng":
            fail(f"{cid}: truth language {t['language']} but metaData says eng")
        if internal and t["requests"]:
            fail(f"{cid}: an internal meeting with requests")
        for r in t["requests"]:
            if r["key"] not in truth["requests"]:
                fail(f"{cid}: unknown request {r['key']}")
            if r.get("pattern") not in episodes.REQUEST_PATTERNS:
                fail(f"{cid}: request pattern {r.get('pattern')}")
            if texts.get(r["sentence"]) != {"customer"}:
                fail(f"{cid}: request sentence not said by the customer: {r['sentence']}")
            if "context" in r and "vendor" not in texts.get(r["context"], set()):
                fail(f"{cid}: context not said by Helpdeskly: {r['context']}")
            spoken[r["sentence"]] += 1
        for n in t.get("negatives", []):
            if n["pattern"] not in episodes.NEGATIVE_PATTERNS:
                fail(f"{cid}: negative pattern {n['pattern']}")
            if n["sentence"] not in texts:
                fail(f"{cid}: negative not in the call: {n['sentence']}")
        for b in t["bugs"]:
            if texts.get(b) != {"customer"}:
                fail(f"{cid}: bug sentence not said by the customer: {b}")
    repeated = [s for s, n in spoken.items() if n > 1]
    if repeated:
        fail(f"request sentences used twice: {repeated}")
    for key, r in truth["requests"].items():
        if r["theme"] not in requests.THEMES:
            fail(f"{key}: theme {r['theme']} is not a demo theme")
        if not 1 <= len(r["terms"]) <= 3 or not title_good(r["title"], r["terms"]):
            fail(f"{key}: its own title is not good by its terms")


def disjoint(reference_calls, calls, what="held-out", reference="development", show=True):
    """A set shares no sentence of four words or more with a reference set. show=False names
    only how many are shared, for a reference whose words must not be read (the held-out set)."""
    def sentences(calls):
        return {s["text"] for c in calls for m in c["transcript"]["transcript"]
                for s in m["sentences"] if len(s["text"].split()) >= 4}
    shared = sentences(reference_calls) & sentences(calls)
    if shared:
        detail = f": {sorted(shared)[:5]}" if show else ""
        fail(f"{len(shared)} {what} sentences also in the {reference} set{detail}")


def stats(calls, truth, size_bytes):
    t = truth["calls"]
    by_id = {c["metaData"]["id"]: c for c in calls}
    mentions = collections.Counter()
    mentions_all = collections.Counter()
    for cid, call in t.items():
        for r in call["requests"]:
            mentions_all[r["key"]] += 1
            if not call["private"] and not call["internal"]:
                mentions[r["key"]] += 1
    sentences = {cid: sum(len(m["sentences"]) for m in c["transcript"]["transcript"])
                 for cid, c in by_id.items()}
    longest = max(sentences, key=sentences.get)
    return {
        "calls": len(calls),
        "customer_calls": sum(1 for c in t.values() if not c["internal"]),
        "customers": len({c["customer"] for c in t.values() if c["customer"]}),
        "internal_calls": sum(1 for c in t.values() if c["internal"]),
        "private_calls": sum(1 for c in t.values() if c["private"]),
        "calls_with_requests": sum(1 for c in t.values() if c["requests"]),
        "no_request_calls": sum(1 for c in t.values() if not c["requests"] and not c["internal"]),
        "distinct_requests": len(mentions_all),
        "mentions": sum(mentions.values()),
        "mentions_incl_private": sum(mentions_all.values()),
        "mentions_per_request": dict(sorted(mentions.items(), key=lambda kv: (-kv[1], kv[0]))),
        "bug_reports": sum(len(c["bugs"]) for c in t.values()),
        "bug_calls": sum(1 for c in t.values() if c["bugs"]),
        "sentences": sum(sentences.values()),
        "longest_call": {"id": longest, "sentences": sentences[longest],
                         "minutes": round(by_id[longest]["metaData"]["duration"] / 60, 1)},
        "crm_context_calls": sum(1 for c in calls if "context" in c),
        "request_patterns": dict(sorted(collections.Counter(
            r["pattern"] for c in t.values() if not c["private"] for r in c["requests"]).items())),
        "negative_patterns": dict(sorted(collections.Counter(
            n["pattern"] for c in t.values() for n in c.get("negatives", [])).items())),
        "languages": dict(sorted(collections.Counter(
            c.get("language", "en") for c in t.values()).items())),
        "unknown_calls": sum(1 for c in calls
                             if any(p["affiliation"] == "Unknown" for p in c["parties"])),
        "bytes": size_bytes,
    }
