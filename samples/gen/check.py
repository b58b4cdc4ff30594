"""Checks the written sample and counts what is in it."""

import collections
import json
import re


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
        if not meta["started"].startswith("2025-10-"):
            fail(f"{cid}: not in October 2025")
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
                texts.setdefault(s["text"], parties[mono["speakerId"]]["affiliation"])
        if meta["duration"] * 1000 < clock:
            fail(f"{cid}: duration shorter than the transcript")
        t = truth["calls"][cid]
        if t["private"] != meta["isPrivate"]:
            fail(f"{cid}: isPrivate disagrees with truth")
        internal = all(p["affiliation"] == "Internal" for p in call["parties"])
        if internal != t["internal"] or internal != (meta["scope"] == "Internal"):
            fail(f"{cid}: internal call flags disagree")
        for r in t["requests"]:
            if r["key"] not in truth["requests"]:
                fail(f"{cid}: unknown request {r['key']}")
            if texts.get(r["sentence"]) != "External":
                fail(f"{cid}: request sentence not said by the customer: {r['sentence']}")
            spoken[r["sentence"]] += 1
        for b in t["bugs"]:
            if texts.get(b) != "External":
                fail(f"{cid}: bug sentence not said by the customer: {b}")
    repeated = [s for s, n in spoken.items() if n > 1]
    if repeated:
        fail(f"request sentences used twice: {repeated}")


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
        "bytes": size_bytes,
    }
