#!/usr/bin/env python3
"""Writes callsift's bundled sample data, then checks it and prints the counts.

    python3 samples/generate_calls.py                 # the development set (the demo's calls)
    python3 samples/generate_calls.py --set heldout   # the held-out set

The development set is samples/calls.jsonl, samples/truth.json and samples/README.md; the
held-out set is samples/heldout/calls.jsonl and samples/heldout/truth.json, built from its own
phrasings (gen/heldout_phrasings.py) and checked to share no sentence of four words or more
with the development set. Standard library only and deterministic (fixed seeds, no clock):
running it twice gives the same bytes.
"""

import argparse
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # leave no __pycache__ in samples/

from gen import assemble, check, readme  # noqa: E402


def write(calls, truth, calls_path, truth_path):
    os.makedirs(os.path.dirname(calls_path), exist_ok=True)
    with open(calls_path, "w", encoding="utf-8", newline="\n") as f:
        for call in calls:
            f.write(json.dumps(call, ensure_ascii=False, separators=(",", ":")) + "\n")
    with open(truth_path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(truth, f, ensure_ascii=False, indent=2)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", choices=("dev", "heldout"), default="dev",
                    help="which set to write (default: dev)")
    args = ap.parse_args()

    if args.set == "heldout":
        calls, truth = assemble.build_all(None, "heldout")
        calls_path = os.path.join(HERE, "heldout", "calls.jsonl")
        truth_path = os.path.join(HERE, "heldout", "truth.json")
        write(calls, truth, calls_path, truth_path)
        written, written_truth = check.load(calls_path, truth_path)
        check.verify(written, written_truth)
        dev_calls, _ = assemble.build_all(random.Random(42))
        check.disjoint(dev_calls, written)
        counts = check.stats(written, written_truth, os.path.getsize(calls_path))
        with open(os.path.join(HERE, "heldout", "counts.json"), "w", encoding="utf-8",
                  newline="\n") as f:
            json.dump(counts, f, indent=2)
            f.write("\n")
        print(json.dumps(counts, indent=2))
        print("ok: the held-out set checks, and shares no sentence with the development set")
        return

    calls, truth = assemble.build_all(random.Random(42))
    calls_path = os.path.join(HERE, "calls.jsonl")
    truth_path = os.path.join(HERE, "truth.json")
    write(calls, truth, calls_path, truth_path)
    written, written_truth = check.load(calls_path, truth_path)
    check.verify(written, written_truth)
    counts = check.stats(written, written_truth, os.path.getsize(calls_path))
    heldout_counts = None
    counts_path = os.path.join(HERE, "heldout", "counts.json")
    if os.path.exists(counts_path):
        with open(counts_path, encoding="utf-8") as f:
            heldout_counts = json.load(f)
    with open(os.path.join(HERE, "README.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write(readme.render(counts, written_truth, heldout_counts))

    print(json.dumps(counts, indent=2))
    print("ok: every line parses, ids are unique, every speaker is a party")


if __name__ == "__main__":
    main()
