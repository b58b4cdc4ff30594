#!/usr/bin/env python3
"""The AMI product-design meetings of ../shared/eval/transcripts (QMSum's Product test split) as
replay-format calls of the vendor's own staff: internal meetings, which should yield no request.

    python3 scripts/quality/ami_calls.py [--transcripts DIR] [--out FILE]

Each meeting (a JSON file with "meeting_transcripts": [{"speaker", "content"}]) becomes one line
shaped like samples/calls.jsonl's: metaData, parties and transcript as Gong sends them. The four
AMI roles (Project Manager, Marketing, User Interface, Industrial Designer) are Helpdeskly staff:
the first two roles to speak are parties with affiliation "Internal" (a Gong userId and an
address on helpdeskly.example), the others "Unknown" with an address on helpdeskly.example, as
Gong shows colleagues it has not matched to a user. metaData.scope is "Unknown". AMI's markup
({vocalsound}, {disfmarker}, ...) is dropped and its spacing before punctuation closed up;
empty utterances are skipped. Times are made up from the word counts.

Evaluation only: the output is written at evaluation time to stdout or --out, never committed
(the data stays in ../shared/eval). Standard library only; deterministic.
"""
import argparse
import glob
import hashlib
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_DIR = os.path.join(os.path.dirname(ROOT), "shared", "eval", "transcripts")
VENDOR_DOMAIN = "helpdeskly.example"

# Made-up staff playing the AMI roles, in the order the roles first speak.
STAFF = [
    ("Ines Moreau", "Product Manager"),
    ("Kwame Boateng", "Marketing Lead"),
    ("Yuki Tanaka", "UX Designer"),
    ("Pavel Novak", "Hardware Designer"),
    ("Amara Okafor", "Engineer"),
]


def digits(seed, n):
    """A stable n-digit number (no leading zero) derived from seed."""
    value = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    return str(10 ** (n - 1) + value % (9 * 10 ** (n - 1)))


def clean(text):
    text = re.sub(r"\{[a-z]+\}", " ", text)
    text = re.sub(r"\s+([,.?!])", r"\1", text)
    text = re.sub(r"\s+", " ", text).strip()
    return "" if re.fullmatch(r"[\W_]*", text) else text


def convert(path):
    name = os.path.splitext(os.path.basename(path))[0]
    with open(path, encoding="utf-8") as f:
        meeting = json.load(f)
    call_id = digits("ami-call-" + name, 19)
    roles, parties = {}, []
    monologues = []
    for u in meeting.get("meeting_transcripts", []):
        text = clean(u.get("content", ""))
        role = u.get("speaker", "Unknown")
        if not text:
            continue
        if role not in roles:
            person, title = STAFF[len(roles) % len(STAFF)]
            first, last = person.lower().split(" ", 1)
            party = {
                "id": digits(f"{name}-party-{role}", 14),
                "emailAddress": f"{first}.{last}@{VENDOR_DOMAIN}",
                "name": person,
                "title": title,
                "speakerId": digits(f"{name}-speaker-{role}", 19),
                "affiliation": "Internal" if len(roles) < 2 else "Unknown",
                "methods": ["Invitee"],
            }
            if party["affiliation"] == "Internal":
                party["userId"] = digits(f"user-{person}", 15)
            roles[role] = party
            parties.append(party)
        sid = roles[role]["speakerId"]
        if monologues and monologues[-1]["speakerId"] == sid:
            monologues[-1]["sentences"].append(text)
        else:
            monologues.append({"speakerId": sid, "topic": "Meeting", "sentences": [text]})
    clock = 3000
    transcript = []
    for m in monologues:
        sentences = []
        for text in m["sentences"]:
            length = 400 * len(text.split()) + 300
            sentences.append({"start": clock, "end": clock + length, "text": text})
            clock += length + 250
        transcript.append({"speakerId": m["speakerId"], "topic": m["topic"],
                           "sentences": sentences})
        clock += 600
    primary = next((p["userId"] for p in parties if p.get("userId")), None)
    day = 3 + int(digits(name, 2)) % 25
    return {
        "metaData": {
            "id": call_id,
            "url": "https://app.gong.io/call?id=" + call_id,
            "title": f"Helpdeskly Internal | Product Design Meeting {name}",
            "scheduled": f"2025-11-{day:02d}T15:00:00Z",
            "started": f"2025-11-{day:02d}T15:02:00Z",
            "duration": clock // 1000 + 10,
            "primaryUserId": primary,
            "direction": "Conference",
            "system": "Zoom",
            "scope": "Unknown",
            "media": "Video",
            "language": "eng",
            "isPrivate": False,
        },
        "parties": parties,
        "transcript": {"callId": call_id, "transcript": transcript},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--transcripts", default=DEFAULT_DIR,
                    help="directory of the AMI/QMSum meeting JSON files (default: %(default)s)")
    ap.add_argument("--out", help="write the calls here instead of stdout")
    args = ap.parse_args()
    paths = sorted(glob.glob(os.path.join(args.transcripts, "*.json")))
    if not paths:
        sys.exit(f"no meeting transcripts in {args.transcripts}")
    lines = [json.dumps(convert(p), ensure_ascii=False, separators=(",", ":")) for p in paths]
    out = open(args.out, "w", encoding="utf-8", newline="\n") if args.out else sys.stdout
    try:
        for line in lines:
            out.write(line + "\n")
    finally:
        if args.out:
            out.close()


if __name__ == "__main__":
    main()
