#!/usr/bin/env python3
"""Writes callsift's bundled sample data, then checks it and prints the counts.

    python3 samples/generate_calls.py                 # the development set (the demo's calls)
    python3 samples/generate_calls.py --set heldout   # the held-out set
    python3 samples/generate_calls.py --set test      # the test set

The development set is samples/calls.jsonl, samples/truth.json and samples/README.md; the
held-out set is samples/heldout/calls.jsonl and samples/heldout/truth.json, built from its own
phrasings (gen/heldout_phrasings.py) and checked to share no sentence of four words or more
with the development set; the test set is samples/test/, built the same way from
gen/test_phrasings.py and checked against both other sets. Standard library only and
deterministic (fixed seeds, no clock): running it twice gives the same bytes.
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
    ap.add_argument("--set", choices=("dev", "heldout", "test"), default="dev",
                    help="which set to write (default: dev)")
    args = ap.parse_args()

    if args.set in ("heldout", "test"):
        calls, truth = assemble.build_all(None, args.set)
        calls_path = os.path.join(HERE, args.set, "calls.jsonl")
        truth_path = os.path.join(HERE, args.set, "truth.json")
        write(calls, truth, calls_path, truth_path)
        written, written_truth = check.load(calls_path, truth_path)
        check.verify(written, written_truth)
        what = "held-out" if args.set == "heldout" else "test"
        dev_calls, _ = assemble.build_all(random.Random(42))
        check.disjoint(dev_calls, written, what)
        others = "the development set"
        if args.set == "test":
            heldout_calls, _ = assemble.build_all(None, "heldout")
            check.disjoint(heldout_calls, written, what, "held-out", show=False)
            others += " or the held-out set"
        counts = check.stats(written, written_truth, os.path.getsize(calls_path))
        with open(os.path.join(HERE, args.set, "counts.json"), "w", encoding="utf-8",
                  newline="\n") as f:
            json.dump(counts, f, indent=2)
            f.write("\n")
        print(json.dumps(counts, indent=2))
        print(f"ok: the {what} set checks, and shares no sentence with {others}")
        return

    calls, truth = assemble.build_all(random.Random(42))
    calls_path = os.path.join(HERE, "calls.jsonl")
    truth_path = os.path.join(HERE, "truth.json")
    write(calls, truth, calls_path, truth_path)
    written, written_truth = check.load(calls_path, truth_path)
    check.verify(written, written_truth)
    counts = check.stats(written, written_truth, os.path.getsize(calls_path))
    set_counts = {}
    for name in ("heldout", "test"):
        counts_path = os.path.join(HERE, name, "counts.json")
        if os.path.exists(counts_path):
            with open(counts_path, encoding="utf-8") as f:
                set_counts[name] = json.load(f)
    with open(os.path.join(HERE, "README.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write(readme.render(counts, written_truth, set_counts.get("heldout"),
                              set_counts.get("test")))

    print(json.dumps(counts, indent=2))
    print("ok: every line parses, ids are unique, every speaker is a party")


if __name__ == "__main__":
    main()
