#!/usr/bin/env python3
"""Precision of the feature report's top rows on the sample calls: are the top 10 and top 20
rows real feature requests, and do the top 10 carry good titles?

    python3 scripts/quality/quality_report.py [--bin build/bin] [--set dev|heldout|test]
        [--verbose]
    python3 scripts/quality/quality_report.py --report REPORT.json [--set dev|heldout|test]

Two modes:

* Simulated (the default; no database): runs `callsift-extractor --jsonl --provider offline`
  over the set (as quality_samples.py does, with the four demo themes) and groups the extracted
  requests of every non-private call into rows by a normalised title key: the title lower-cased,
  split into words, stop words removed, each word stemmed crudely (a trailing "ies", "es", "s",
  "ing" or "ed" cut while three letters remain), the distinct stems sorted. A row's title is its
  most frequent title (ties: the alphabetically first). This stands in for the matcher, which
  groups by meaning and so merges more: the figures bound what a report can show, they are not
  the report.
* --report FILE: reads a real report, the output of `callsift report --format json --top 0`
  (or any --top of at least 20) after a run over the set (e.g. `make demo` for the dev set): a
  JSON array of rows with "rank", "feature" (the title), "mentions", "mrr" and "quotes" (a list
  of {"quote", ...}); a top-level object with the array under "features" or "rows" is read too.
  The rows are taken in the report's order.

Rows are ranked (simulated mode) by mentions, then the MRR of their distinct customers (the
customer of a call comes from the set's truth, its MRR from the demo workspace of
scripts/demo/demo.sh), then title. A row counts as a real request when at least one of its
quotes and a truth request sentence of the set contain one another; the truth request it stands
for is the one most of its quotes match. precision@k = real rows among the first k / k (or over
the rows there are, when fewer); title-good@10 = rows among the first 10 that are real and whose
title is good for their truth request (samples/gen/check.py title_good), over the same count.

Standard library only; deterministic; exits 0 with the tables on stdout.
"""
import argparse
import collections
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)

import quality_samples as qs  # noqa: E402
from gen.check import title_good  # noqa: E402  (quality_samples puts samples/ on the path)

# From scripts/demo/demo.sh: customer -> MRR.
MRR = {
    "Northwind Logistics": 12500, "Globex Health": 8400, "Initech Software": 4200,
    "Umbrella Retail": 15800, "Hooli Travel": 2900, "Vandelay Imports": 6100,
}

STOP_WORDS = set("""a an and are as at be but by can could do for from have i if in into is it
its me my of on or our so that the their them they this to too us was we what when where which
who will with would you your just like really also some more very get got want need""".split())


def stem(word):
    for suffix in ("ies", "es", "s", "ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def title_key(title):
    words = re.findall(r"[a-z0-9@][a-z0-9@'-]*", (title or "").lower())
    return " ".join(sorted({stem(w) for w in words if w not in STOP_WORDS})) or (title or "")


def simulated_rows(calls, truth, results):
    """[{"feature", "mentions", "mrr", "quotes": [{"quote"}]}] in report order."""
    groups = collections.OrderedDict()
    for call, res in zip(calls, results):
        if call["metaData"].get("isPrivate"):
            continue
        customer = truth["calls"][call["metaData"]["id"]].get("customer")
        for x in res.get("feature_requests", []) or []:
            g = groups.setdefault(title_key(x.get("title")),
                                  {"titles": collections.Counter(), "quotes": [],
                                   "customers": set()})
            g["titles"][x.get("title", "")] += 1
            g["quotes"].append({"quote": x.get("quote", "")})
            if customer:
                g["customers"].add(customer)
    rows = []
    for g in groups.values():
        title = sorted(g["titles"].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        rows.append({"feature": title, "mentions": len(g["quotes"]),
                     "mrr": sum(MRR.get(c, 0) for c in g["customers"]),
                     "quotes": g["quotes"]})
    rows.sort(key=lambda r: (-r["mentions"], -r["mrr"], r["feature"].lower(), r["feature"]))
    return rows


def report_rows(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if isinstance(data, dict):
        data = data.get("features", data.get("rows", []))
    rows = []
    for r in data:
        quotes = r.get("quotes") or []
        if isinstance(quotes, str):  # a text column: one quote a line
            quotes = [{"quote": q} for q in quotes.splitlines()]
        rows.append({"feature": r.get("feature") or r.get("name") or "",
                     "mentions": r.get("mentions", 0), "mrr": r.get("mrr", 0),
                     "quotes": [q if isinstance(q, dict) else {"quote": str(q)} for q in quotes]})
    return rows


def judge(rows, truth):
    """Adds "key" (the truth request a row stands for, or None) and "good" to each row."""
    sentences = [(r["sentence"], r["key"]) for c in truth["calls"].values() for r in c["requests"]]
    for row in rows:
        votes = collections.Counter()
        for q in row["quotes"]:
            for sentence, key in sentences:
                if qs.overlaps(sentence, q.get("quote")):
                    votes[key] += 1
                    break
        row["key"] = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if votes else None
        row["good"] = bool(row["key"]) and title_good(row["feature"],
                                                      truth["requests"][row["key"]]["terms"])
    return rows


def at(rows, k, field):
    top = rows[:k]
    return (sum(1 for r in top if r[field]) / len(top) if top else 0.0), len(top)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(qs.ROOT, "build", "bin"),
                    help="directory of callsift-extractor (default: build/bin)")
    ap.add_argument("--set", choices=("dev", "heldout", "test"), default="dev",
                    help="the development set (default), the held-out set or the test set")
    ap.add_argument("--report", help="a `callsift report --format json` output to judge instead "
                                     "of simulating one")
    ap.add_argument("--verbose", action="store_true", help="also list the top 20 rows")
    ap.add_argument("--min-confidence", type=float, default=0.5,
                    help="simulated mode: count requests at or above this confidence, as the "
                         "report does (default 0.5, the report's default)")
    args = ap.parse_args()
    calls, truth = qs.load_set(args.set)
    if args.report:
        rows, source = report_rows(args.report), "report " + args.report
    else:
        results = qs.extract(args.bin, calls)
        qs.keep_confident(results, args.min_confidence)
        rows = simulated_rows(calls, truth, results)
        source = "simulated (offline extractor, rows by normalised title)"
    judge(rows, truth)
    for r in rows:
        r["real"] = r["key"] is not None
    p10, n10 = at(rows, 10, "real")
    p20, n20 = at(rows, 20, "real")
    g10, _ = at(rows, 10, "good")
    print("## Report precision on the %s set: %s, %d rows" % (args.set, source, len(rows)))
    print()
    print("| measure | value | rows |")
    print("|---|---|---|")
    print("| precision@10 | %.2f | %d |" % (p10, n10))
    print("| precision@20 | %.2f | %d |" % (p20, n20))
    print("| title-good@10 | %.2f | %d |" % (g10, n10))
    print()
    if args.verbose:
        print("| rank | title | mentions | MRR | truth request | good title |")
        print("|---|---|---|---|---|---|")
        for i, r in enumerate(rows[:20], 1):
            print("| %d | %s | %s | %s | %s | %s |" % (
                i, qs.cell(r["feature"]), r["mentions"], r["mrr"], r["key"] or "-",
                "yes" if r["good"] else "no"))
        print()


if __name__ == "__main__":
    main()
