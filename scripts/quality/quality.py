#!/usr/bin/env python3
"""Quality of the offline extractor on held-out public data (`make quality`).

Runs the C program quality_offline (tests/load/quality_offline.c, built by CMake into the
binary folder) over the test part of the evaluation sets in ../shared/eval/feedback -- the rows
extractor/model/train_request_model.py did not train on (the same hash split) -- and prints
precision, recall, F1 and support per data set and class for:

  extractor   cs_offline_extract on a call whose transcript is the text as one External
              utterance: is a feature request / bug report found?
  model       the model's score of the whole text against the tuned threshold, no rules
  cues        the cue-phrase-only baseline: does the text contain a request / bug cue phrase?

The F1 interval is a 95% bootstrap interval over the rows (1000 draws, fixed seed): with a few
dozen positives, it is wide.

    python3 scripts/quality/quality.py --bin build/bin
"""

import argparse
import json
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))  # HERE is scripts/quality
sys.path.insert(0, os.path.join(ROOT, "extractor", "model"))

import train_request_model as trm  # noqa: E402  (the split, the data, the cue phrases)


def thresholds(model_path):
    req = bug = None
    with open(model_path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("request_threshold "):
                req = float(line.split()[1])
            elif line.startswith("bug_threshold "):
                bug = float(line.split()[1])
            elif line.startswith("weights "):
                break
    if req is None or bug is None:
        raise SystemExit("quality: no thresholds in %s" % model_path)
    return req, bug


def run_program(command, texts):
    feed = "".join(json.dumps(t) + "\n" for t in texts)
    proc = subprocess.run(command, input=feed.encode("utf-8"), stdout=subprocess.PIPE,
                          check=False)
    if proc.returncode != 0:
        raise SystemExit("quality: %s failed with status %d" % (command[0], proc.returncode))
    out = []
    for line in proc.stdout.decode().splitlines():
        r, b, fr, fb = line.split()
        out.append((float(r), float(b), fr == "1", fb == "1"))
    if len(out) != len(texts):
        raise SystemExit("quality: %d answers for %d texts" % (len(out), len(texts)))
    return out


# (data set, class name, gold(row), which prediction: "request", "bug" or "neither")
CLASSES = [
    ("tizard", "feature request", lambda r: r[3], "request"),
    ("tizard", "apparent bug", lambda r: r[4], "bug"),
    ("clap", "FEATURE", lambda r: r[3], "request"),
    ("clap", "BUG", lambda r: r[4], "bug"),
    ("clap", "rest (neither)", lambda r: not r[3] and not r[4], "neither"),
    ("nlbse", "feature (title)", lambda r: r[3], "request"),
    ("nlbse", "bug (title)", lambda r: r[4], "bug"),
]


def f1_interval(pred, gold, rounds=1000):
    """A 95% bootstrap interval of F1 (rows drawn with replacement; fixed seed)."""
    rng = random.Random(7)
    n = len(gold)
    f1s = []
    for _ in range(rounds):
        idx = [rng.randrange(n) for _ in range(n)]
        f1s.append(trm.prf([pred[i] for i in idx], [gold[i] for i in idx])[2])
    f1s.sort()
    return f1s[int(0.025 * rounds)], f1s[int(0.975 * rounds) - 1]


def pick(kind, req, bug):
    if kind == "request":
        return req
    if kind == "bug":
        return bug
    return not req and not bug


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(trm.ROOT, "build", "bin"),
                    help="the folder holding quality_offline")
    ap.add_argument("--data", default=trm.DEFAULT_DATA, help="folder of the feedback CSV files")
    ap.add_argument("--model", default=trm.DEFAULT_OUT,
                    help="the model file the program embeds (for its thresholds)")
    ap.add_argument("--split", choices=("test", "dev"), default="test",
                    help="dev: one fold of the training part, with a model trained without it "
                         "(train_request_model.py --hold-out-fold K --out FILE; pass --model "
                         "FILE --fold K): for developing the rules without the test part")
    ap.add_argument("--fold", type=int, default=0, help="the held-out fold for --split dev")
    args = ap.parse_args()

    program = os.path.join(args.bin, "quality_offline")
    if not os.access(program, os.X_OK):
        raise SystemExit("quality: %s not found: build first (make build)" % program)
    req_th, bug_th = thresholds(args.model)
    if args.split == "dev":
        rows = [r for r in trm.load(args.data)
                if trm.in_train(r[0], r[1]) and trm.fold_of(r) == args.fold]
        command = [program, "--model", args.model]
    else:
        rows = [r for r in trm.load(args.data) if not trm.in_train(r[0], r[1])]
        command = [program]
    answers = run_program(command, [r[2] for r in rows])

    systems = {
        "extractor": [(a[2], a[3]) for a in answers],
        "model": [(a[0] >= req_th, a[1] >= bug_th) for a in answers],
        "cues": [trm.cue_hits(r[2]) for r in rows],
    }
    sizes = {}
    for r in rows:
        sizes[r[0]] = sizes.get(r[0], 0) + 1
    print("Offline extractor quality on the %s (%s), thresholds: request %.2f, bug %.2f"
          % ("held-out test part" if args.split == "test" else
             "development fold %d of the training part" % args.fold,
             ", ".join("%s %d rows" % (k, sizes[k]) for k in sorted(sizes)), req_th, bug_th))
    print()
    print("| data set | class | system | precision | recall | F1 | F1 95% interval | support |")
    print("|---|---|---|---|---|---|---|---|")
    for ds, name, gold_fn, kind in CLASSES:
        idx = [i for i, r in enumerate(rows) if r[0] == ds]
        gold = [gold_fn(rows[i]) for i in idx]
        for system in ("extractor", "model", "cues"):
            pred = [pick(kind, *systems[system][i]) for i in idx]
            p, r, f, support = trm.prf(pred, gold)
            lo, hi = f1_interval(pred, gold)
            print("| %s | %s | %s | %.3f | %.3f | %.3f | %.2f-%.2f | %d |"
                  % (ds, name, system, p, r, f, lo, hi, support))
    return 0


if __name__ == "__main__":
    sys.exit(main())
