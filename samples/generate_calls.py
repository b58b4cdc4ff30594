#!/usr/bin/env python3
"""Writes callsift's bundled sample data: samples/calls.jsonl, samples/truth.json and
samples/README.md, then checks them and prints the counts.

Standard library only and deterministic (random.Random(42), no clock): running it twice gives
the same bytes. Usage: python3 samples/generate_calls.py
"""

import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # leave no __pycache__ in samples/

from gen import assemble, check, readme  # noqa: E402


def main():
    rng = random.Random(42)
    calls, truth = assemble.build_all(rng)

    calls_path = os.path.join(HERE, "calls.jsonl")
    truth_path = os.path.join(HERE, "truth.json")
    with open(calls_path, "w", encoding="utf-8", newline="\n") as f:
        for call in calls:
            f.write(json.dumps(call, ensure_ascii=False, separators=(",", ":")) + "\n")
    with open(truth_path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(truth, f, ensure_ascii=False, indent=2)
        f.write("\n")

    written, written_truth = check.load(calls_path, truth_path)
    check.verify(written, written_truth)
    counts = check.stats(written, written_truth, os.path.getsize(calls_path))
    with open(os.path.join(HERE, "README.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write(readme.render(counts, written_truth))

    print(json.dumps(counts, indent=2))
    print("ok: every line parses, ids are unique, every speaker is a party")


if __name__ == "__main__":
    main()
