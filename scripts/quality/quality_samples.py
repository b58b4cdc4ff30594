#!/usr/bin/env python3
"""The offline extractor on the bundled sample calls against their ground truth: requests and
bugs found, by pattern; planted negatives that came out as requests; title quality; theme
accuracy; internal meetings (the samples' and the AMI meetings'); calls not in English.
Part of `make quality`.

    python3 scripts/quality/quality_samples.py [--bin build/bin] [--set dev|heldout|test]
        [--verbose] [--transcripts DIR] [--no-ami]

--set dev (the default) is samples/calls.jsonl with samples/truth.json, the development set the
extractor is tuned on; --set heldout is samples/heldout/, for measuring only; --set test is
samples/test/, for reporting figures only (its aggregate tables; --verbose prints its sentences).
Each call goes to `callsift-extractor --jsonl --provider offline` with the four demo themes of
scripts/demo/demo.sh (name and description) on its line. Prints Markdown tables on stdout:

* Requests and bugs: precision, recall and F1 over mentions. An extracted request is found
  (a true positive) when its quote and a truth sentence of the same call contain one another
  (after trimming); a truth mention is found when some extracted quote of its call matches it.
  Calls whose truth language is not English are left out here (see the last table); private
  calls are in.
* Recall per pattern of the truth mentions (explicit, question-no, need, restatement,
  unknown-speaker, churn).
* False positives: per negative pattern, how many of the planted negatives (truth `negatives`)
  came out as requests (an extracted quote matches the negative's sentence); then the extracted
  requests that match neither a truth request nor a planted negative.
* Titles: of the true positives, the share whose title is good for the truth request (the
  samples' rule, samples/gen/check.py title_good: 2 to 8 words, and a word of every list of the
  request's "terms"); --verbose lists the bad ones.
* Themes: of the true positives, the share whose theme is the truth request's theme; of all
  extracted requests, the share with the default theme (Uncategorized) or none.
* Internal meetings: requests extracted from the set's calls with internal: true, and from the
  AMI product-design meetings of ../shared/eval/transcripts converted by ami_calls.py (want 0
  for both; --no-ami skips the AMI part, and it is skipped with a note when the directory is
  missing).
* Calls not in English: whether the extractor marked each (a top-level "language" other than
  "en", or a "skipped" reason, in its insights; a missing field is "not marked"), and how many
  of its truth requests were found anyway.

Standard library only; deterministic (the extractor is); exits 0 with the tables on stdout,
non-zero only when the extractor fails or its output does not line up with the calls.
"""
import argparse
import collections
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "samples"))

import ami_calls  # noqa: E402
from gen.check import title_good  # noqa: E402

# From scripts/demo/demo.sh.
THEMES = [
    ("AI Features", "AI-powered capabilities: assistants, summaries, smart suggestions"),
    ("Apps and Integrations", "Connections to third-party tools: CRM, Slack, calendars, SSO"),
    ("Inbox and Collaboration", "Shared inbox, assignments, signatures, notes and team workflows"),
    ("Reporting and Analytics", "Dashboards, exports, SLAs and metrics"),
]
DEFAULT_THEME = "Uncategorized"
REQUEST_PATTERNS = ["explicit", "question-no", "need", "restatement", "unknown-speaker", "churn"]
NEGATIVE_PATTERNS = ["question-yes", "sales-process", "small-talk", "setup", "internal",
                     "rep-pitch"]


def set_paths(which):
    """The calls and truth of a set: "dev" is samples/, "heldout" and "test" their folders."""
    base = os.path.join(ROOT, "samples") if which == "dev" else os.path.join(ROOT, "samples",
                                                                              which)
    return os.path.join(base, "calls.jsonl"), os.path.join(base, "truth.json")


def load_set(which):
    calls_path, truth_path = set_paths(which)
    with open(calls_path, encoding="utf-8") as f:
        calls = [json.loads(line) for line in f if line.strip()]
    with open(truth_path, encoding="utf-8") as f:
        truth = json.load(f)
    return calls, truth


def extract(bin_dir, calls):
    """The offline extractor's insights for each call, in order."""
    themes = [{"name": n, "description": d} for n, d in THEMES]
    lines = []
    for call in calls:
        line = dict(call)
        line["themes"] = themes
        lines.append(json.dumps(line, ensure_ascii=False))
    exe = os.path.join(bin_dir, "callsift-extractor")
    out = subprocess.run([exe, "--jsonl", "--provider", "offline"],
                         input=("\n".join(lines) + "\n").encode("utf-8"), capture_output=True)
    if out.returncode != 0:
        sys.stderr.write(out.stderr.decode("utf-8", "replace"))
        sys.exit(f"{exe} exited with {out.returncode}")
    results = [json.loads(line) for line in out.stdout.decode("utf-8").splitlines() if line]
    if len(results) != len(calls):
        sys.exit("expected %d results, got %d" % (len(calls), len(results)))
    return results


def overlaps(a, b):
    a, b = (a or "").strip(), (b or "").strip()
    return bool(a) and bool(b) and (a in b or b in a)


def marked_not_english(res):
    lang = res.get("language")
    return bool(res.get("skipped")) or (isinstance(lang, str) and lang not in ("", "en"))


def ratio(n, d):
    return n / d if d else 0.0


def prf(counts):
    """counts: [truth mentions found, extracted that match, extracted, truth mentions]."""
    found, right, extracted, true = counts
    p, r = ratio(right, extracted), ratio(found, true)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def cell(text):
    return str(text).replace("|", "\\|")


def measure(calls, truth, results):
    """Everything the tables show, as one dict."""
    m = {
        "req": [0, 0, 0, 0], "bug": [0, 0, 0, 0],  # see prf()
        "pattern": collections.defaultdict(lambda: [0, 0]),  # found, total
        "neg": collections.defaultdict(lambda: [0, 0]),  # came out, planted
        "other_fp": [], "tp": [], "extracted": 0, "default_theme": 0,
        "internal": [], "foreign": [],
    }
    for call, res in zip(calls, results):
        cid = call["metaData"]["id"]
        t = truth["calls"][cid]
        reqs = res.get("feature_requests", []) or []
        if t.get("language", "en") != "en":
            found = sum(1 for r in t["requests"]
                        if any(overlaps(r["sentence"], x.get("quote")) for x in reqs))
            m["foreign"].append((cid, t["customer"], t["language"], marked_not_english(res),
                                 res.get("language"), res.get("skipped"), found,
                                 len(t["requests"]), len(reqs)))
            continue
        if t["internal"]:
            m["internal"].append((cid, call["metaData"]["title"], len(reqs)))
        for x in reqs:
            m["extracted"] += 1
            if (x.get("theme") or DEFAULT_THEME) == DEFAULT_THEME:
                m["default_theme"] += 1
        # requests
        for r in t["requests"]:
            hit = any(overlaps(r["sentence"], x.get("quote")) for x in reqs)
            m["pattern"][r.get("pattern", "explicit")][1] += 1
            m["req"][3] += 1
            if hit:
                m["pattern"][r.get("pattern", "explicit")][0] += 1
                m["req"][0] += 1
        for x in reqs:
            m["req"][2] += 1
            match = next((r for r in t["requests"] if overlaps(r["sentence"], x.get("quote"))),
                         None)
            if match:
                m["req"][1] += 1
                m["tp"].append((cid, match["key"], x))
            else:
                if not any(overlaps(n["sentence"], x.get("quote")) for n in t.get("negatives", [])):
                    m["other_fp"].append((cid, x))
        for n in t.get("negatives", []):
            m["neg"][n["pattern"]][1] += 1
            if any(overlaps(n["sentence"], x.get("quote")) for x in reqs):
                m["neg"][n["pattern"]][0] += 1
        # bugs
        quotes = [x.get("quote", "") for x in res.get("bug_reports", []) or []]
        m["bug"][0] += sum(1 for s in t["bugs"] if any(overlaps(s, q) for q in quotes))
        m["bug"][1] += sum(1 for q in quotes if any(overlaps(s, q) for s in t["bugs"]))
        m["bug"][2] += len(quotes)
        m["bug"][3] += len(t["bugs"])
    return m


def print_tables(which, calls, truth, m, ami, verbose):
    print("## Offline extractor on the %s set (%s, %d calls)" %
          (which, os.path.relpath(set_paths(which)[0], ROOT), len(calls)))
    print()
    print("| class | precision | recall | F1 | truth mentions | found | extracted | right |")
    print("|---|---|---|---|---|---|---|---|")
    for kind in ("req", "bug"):
        p, r, f1 = prf(m[kind])
        found, right, extracted, true = m[kind]
        print("| %s | %.2f | %.2f | %.2f | %d | %d | %d | %d |" % (
            "request" if kind == "req" else "bug", p, r, f1, true, found, extracted, right))
    print()
    print("Precision counts extracted requests (one whose quote matches a truth sentence of its "
          "call is right); recall counts truth mentions found. Calls not in English are left out.")
    print()
    print("### Recall per pattern")
    print()
    print("| pattern | found | mentions | recall |")
    print("|---|---|---|---|")
    for pat in REQUEST_PATTERNS + sorted(set(m["pattern"]) - set(REQUEST_PATTERNS)):
        found, total = m["pattern"].get(pat, [0, 0])
        print("| %s | %d | %d | %.2f |" % (pat, found, total, ratio(found, total)))
    print()
    print("### False positives")
    print()
    print("| negative pattern | planted | came out as requests | share |")
    print("|---|---|---|---|")
    for pat in NEGATIVE_PATTERNS + sorted(set(m["neg"]) - set(NEGATIVE_PATTERNS)):
        out, planted = m["neg"].get(pat, [0, 0])
        print("| %s | %d | %d | %.2f |" % (pat, planted, out, ratio(out, planted)))
    print("| other (no truth request, no planted negative) | - | %d | - |" % len(m["other_fp"]))
    print()
    if verbose and m["other_fp"]:
        print("Other false positives:")
        print()
        for cid, x in m["other_fp"]:
            print("- %s: \"%s\" (title \"%s\")" % (cid, x.get("quote", ""), x.get("title", "")))
        print()
    tps = m["tp"]
    good = [(cid, key, x) for cid, key, x in tps
            if title_good(x.get("title", ""), truth["requests"][key]["terms"])]
    right_theme = [1 for _, key, x in tps if x.get("theme") == truth["requests"][key]["theme"]]
    print("### Titles and themes")
    print()
    print("| measure | value | of |")
    print("|---|---|---|")
    print("| good titles among true positives | %.2f | %d |" % (ratio(len(good), len(tps)),
                                                                len(tps)))
    print("| right theme among true positives | %.2f | %d |" % (ratio(len(right_theme), len(tps)),
                                                                len(tps)))
    print("| extracted requests with the default theme (%s) | %.2f | %d |" % (
        DEFAULT_THEME, ratio(m["default_theme"], m["extracted"]), m["extracted"]))
    print()
    if verbose:
        bad = [(cid, key, x) for cid, key, x in tps
               if not title_good(x.get("title", ""), truth["requests"][key]["terms"])]
        if bad:
            print("Bad titles (truth request: extracted title):")
            print()
            for cid, key, x in bad:
                print("- %s: \"%s\"" % (key, x.get("title", "")))
            print()
    print("### Internal meetings (want 0 requests)")
    print()
    print("| meeting | requests extracted |")
    print("|---|---|")
    for cid, title, n in m["internal"]:
        print("| %s (%s) | %d |" % (cell(title), cid, n))
    if ami is None:
        print("| AMI meetings | skipped |")
    elif isinstance(ami, str):
        print("| AMI meetings | skipped: %s |" % ami)
    else:
        total = sum(n for _, n in ami)
        print("| AMI meetings (%d, via ami_calls.py) | %d |" % (len(ami), total))
        if verbose:
            for name, n in ami:
                print("| - %s | %d |" % (name, n))
    print()
    print("### Calls not in English")
    print()
    print("| call | customer | language | marked | extractor's language / skipped | "
          "truth requests found | requests extracted |")
    print("|---|---|---|---|---|---|---|")
    for cid, cust, lang, marked, got_lang, skipped, found, total, n in m["foreign"]:
        print("| %s | %s | %s | %s | %s / %s | %d of %d | %d |" % (
            cid, cust, lang, "yes" if marked else "no", got_lang if got_lang else "-",
            skipped if skipped else "-", found, total, n))


def keep_confident(results, threshold):
    """Drop the requests below `threshold` (the report's --min-confidence: they wait for
    review and are not in the ranked report); a request without a confidence stays.
    Returns how many were dropped."""
    dropped = 0
    for res in results:
        reqs = res.get("feature_requests", []) or []
        kept = [r for r in reqs if r.get("confidence", 1.0) >= threshold]
        dropped += len(reqs) - len(kept)
        res["feature_requests"] = kept
    return dropped


def ami_requests(bin_dir, transcripts, threshold):
    """[(meeting, requests extracted)] over the AMI meetings, or a reason string."""
    if not os.path.isdir(transcripts):
        return "no directory " + transcripts
    paths = sorted(p for p in os.listdir(transcripts) if p.endswith(".json"))
    if not paths:
        return "no meetings in " + transcripts
    calls = [ami_calls.convert(os.path.join(transcripts, p)) for p in paths]
    results = extract(bin_dir, calls)
    keep_confident(results, threshold)
    return [(c["metaData"]["title"].rsplit(" ", 1)[-1], len(r.get("feature_requests", []) or []))
            for c, r in zip(calls, results)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"),
                    help="directory of callsift-extractor (default: build/bin)")
    ap.add_argument("--set", choices=("dev", "heldout", "test"), default="dev",
                    help="the development set (default), the held-out set or the test set")
    ap.add_argument("--verbose", action="store_true",
                    help="also list bad titles, other false positives, each AMI meeting")
    ap.add_argument("--transcripts", default=ami_calls.DEFAULT_DIR,
                    help="the AMI meetings (default: ../shared/eval/transcripts)")
    ap.add_argument("--no-ami", action="store_true", help="skip the AMI meetings")
    ap.add_argument("--min-confidence", type=float, default=0.5,
                    help="count requests at or above this confidence, as the report does "
                         "(default 0.5, the report's default; 0 counts every request)")
    args = ap.parse_args()
    calls, truth = load_set(args.set)
    results = extract(args.bin, calls)
    below = keep_confident(results, args.min_confidence)
    m = measure(calls, truth, results)
    ami = None if args.no_ami else ami_requests(args.bin, args.transcripts, args.min_confidence)
    print_tables(args.set, calls, truth, m, ami, args.verbose)
    print()
    print("Requests below confidence %.2f (waiting for review, not counted above): %d"
          % (args.min_confidence, below))


if __name__ == "__main__":
    main()
