#!/usr/bin/env python3
"""The offline extractor on the bundled sample calls (samples/calls.jsonl), against their ground
truth (samples/truth.json): are the requests and bugs the customers voiced found, with their
own words as the quote? A request counts as found when one extracted request's quote and the
true sentence contain one another. Part of `make quality`.

    python3 scripts/quality/quality_samples.py --bin build/bin
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def overlaps(a, b):
    return bool(a) and bool(b) and (a in b or b in a)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    args = ap.parse_args()
    calls_path = os.path.join(ROOT, "samples", "calls.jsonl")
    truth = json.load(open(os.path.join(ROOT, "samples", "truth.json")))
    with open(calls_path, "rb") as f:
        out = subprocess.run([os.path.join(args.bin, "callsift-extractor"), "--jsonl",
                              "--provider", "offline"], stdin=f, capture_output=True, check=True)
    calls = [json.loads(line) for line in open(calls_path)]
    results = [json.loads(line) for line in out.stdout.decode().splitlines()]
    if len(results) != len(calls):
        sys.exit("expected %d results, got %d" % (len(calls), len(results)))
    counts = {"request": [0, 0, 0], "bug": [0, 0, 0]}  # tp, fp, fn
    for call, res in zip(calls, results):
        t = truth["calls"][call["metaData"]["id"]]
        for kind, key, true in (("request", "feature_requests", [r["sentence"] for r in t["requests"]]),
                                ("bug", "bug_reports", t["bugs"])):
            quotes = [x.get("quote", "") for x in res.get(key, [])]
            hit = sum(1 for s in true if any(overlaps(s, q) for q in quotes))
            used = sum(1 for q in quotes if any(overlaps(s, q) for s in true))
            counts[kind][0] += hit
            counts[kind][1] += len(quotes) - used
            counts[kind][2] += len(true) - hit
    print("Offline extractor on samples/calls.jsonl (%d calls)" % len(calls))
    print()
    print("| class | precision | recall | F1 | true | found |")
    print("|---|---|---|---|---|---|")
    for kind, (tp, fp, fn) in counts.items():
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print("| %s | %.2f | %.2f | %.2f | %d | %d |" % (kind, p, r, f1, tp + fn, tp + fp))


if __name__ == "__main__":
    main()
