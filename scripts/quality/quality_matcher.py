#!/usr/bin/env python3
"""Quality of the offline matcher on public data (part of `make quality`).

Runs `callsift-matcher --jsonl` (the one-shot mode, no database) with the offline provider, i.e.
hashed n-gram TF-IDF similarity and no LLM judge, over three sets and prints:

  duplicates   ../shared/eval/duplicates/hadoop_catalogue_queries.jsonl: a new Hadoop issue
               title against 49-50 existing titles; `expected` is the id of its duplicate among
               them (maintainer-marked) or null. Precision = correct links / links, recall =
               correct links / queries with an expected id, F1, 95% bootstrap intervals over the
               queries (1000 draws, fixed seed), the same figures by decision method, and the
               top-1 ceiling: the share of positive queries whose expected id is the most similar
               candidate (no threshold can link more of them correctly). Aim: P >= 0.9, R > 0.46.
  relevance    ../shared/eval/duplicates/feature_query_review_relevance.csv: a feature phrase
               ("Create playlist of songs") against one app review as the only existing feature;
               the top candidate's similarity is a relevance score, judged against the human
               label judge == Y (ROC AUC, average precision), and is_duplicate as the Y
               prediction. The matcher is built for feature-vs-feature duplicates, not phrase-vs-
               review relevance: this is a stress test of the vectors, not of the task.
  seed cases   the seed document's four test cases (exact match, semantic match, similar but
               different feature, new feature), written below.

The script exits non-zero only when the matcher fails to run or answers the wrong number of
lines, never because a figure is below its aim.

    python3 scripts/quality/quality_matcher.py --bin build/bin
    python3 scripts/quality/quality_matcher.py --bin build/bin --link-above 0.6 --new-below 0.3
"""

import argparse
import csv
import json
import os
import random
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_EVAL = os.path.join(ROOT, "..", "shared", "eval")

AIM_PRECISION = 0.9   # at least
AIM_RECALL = 0.46     # above
MATCH_CONFIDENCE = 0.7  # the matcher's FEATURE_MATCH_CONFIDENCE default
ROUNDS = 1000
SEED = 7

# The seed document's test cases for find_matching_feature (not evaluation data).
SEED_EXISTING = [
    {"id": "feature-1", "name": "AI Chatbot Integration",
     "description": "Add chatbot for customer support"},
    {"id": "feature-2", "name": "Salesforce Integration",
     "description": "Sync tickets with Salesforce"},
]
SEED_CASES = [
    ("exact match", {"title": "AI Chatbot Integration",
                     "description": "Add chatbot for customer support"}, "feature-1"),
    ("semantic match", {"title": "Chatbot powered by AI",
                        "description": "Automated responses using AI"}, "feature-1"),
    ("similar feature (related, different)",
     {"title": "Salesforce reporting dashboard",
      "description": "Dashboards of Salesforce opportunity data"}, None),
    ("new feature", {"title": "Dark mode",
                     "description": "A dark colour theme for the agent inbox"}, None),
]


def run_matcher(command, lines):
    """Feeds the lines to one matcher process; returns one answer (dict) per line."""
    feed = "".join(json.dumps(x) + "\n" for x in lines)
    try:
        proc = subprocess.run(command, input=feed.encode("utf-8"), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, check=False)
    except OSError as e:
        raise SystemExit("quality_matcher: cannot run %s: %s" % (command[0], e))
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr.decode("utf-8", "replace")[-4000:])
        raise SystemExit("quality_matcher: %s failed with status %d"
                         % (command[0], proc.returncode))
    try:
        out = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()
               if line.strip()]
    except ValueError as e:
        raise SystemExit("quality_matcher: %s answered a line that is not JSON: %s"
                         % (command[0], e))
    if len(out) != len(lines):
        raise SystemExit("quality_matcher: %d answers for %d lines" % (len(out), len(lines)))
    return out


def top(answer):
    """(id, fused score) of the first candidate, or (None, 0.0) when there is none."""
    cands = answer.get("candidates") or []
    if not cands:
        return None, 0.0
    c = cands[0]
    return c.get("id"), max(0.0, float(c.get("fused", c.get("similarity", 0.0))))


def ratio(a, b):
    return a / b if b else 0.0


def f1(p, r):
    return 2 * p * r / (p + r) if p + r else 0.0


def interval(values):
    values = sorted(values)
    return values[int(0.025 * len(values))], values[int(0.975 * len(values)) - 1]


def threshold_sweep(scores, gold, npos=None):
    """(threshold, precision, recall) for 'score >= threshold', every distinct score, highest
    first; npos: the positives recall counts against (default: sum(gold))."""
    pairs = sorted(zip(scores, gold), key=lambda x: -x[0])
    npos = sum(gold) if npos is None else npos
    out = []
    tp = fp = 0
    i = 0
    while i < len(pairs):
        t = pairs[i][0]
        while i < len(pairs) and pairs[i][0] == t:
            tp += pairs[i][1]
            fp += not pairs[i][1]
            i += 1
        out.append((t, ratio(tp, tp + fp), ratio(tp, npos)))
    return out


# ---- duplicates: hadoop_catalogue_queries.jsonl ---------------------------------------------

def link_counts(outcomes, idx, method=None):
    """links, correct, positives over the queries idx; outcomes[i] = (method, linked, correct,
    positive). With a method, only links made by that method count (recall: its share)."""
    links = correct = positives = 0
    for i in idx:
        m, linked, ok, pos = outcomes[i]
        positives += pos
        if linked and (method is None or m == method):
            links += 1
            correct += ok
    return links, correct, positives


def pr_intervals(outcomes, method=None):
    rng = random.Random(SEED)
    n = len(outcomes)
    ps, rs = [], []
    for _ in range(ROUNDS):
        idx = [rng.randrange(n) for _ in range(n)]
        links, correct, positives = link_counts(outcomes, idx, method)
        ps.append(ratio(correct, links))
        rs.append(ratio(correct, positives))
    return interval(ps), interval(rs)


def in_split(i, split):
    """The development half is the even positions, the report half the odd ones."""
    return split == "all" or (i % 2 == 0) == (split == "dev")


def hadoop_queries(path, split):
    queries = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    return [q for i, q in enumerate(queries) if in_split(i, split)]


def relevance_rows(path, split):
    """The rows of every other feature phrase (in sorted order) for a half."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    phrases = sorted(set(r["feature_query"] for r in rows))
    keep = set(p for i, p in enumerate(phrases) if in_split(i, split))
    return [r for r in rows if r["feature_query"] in keep]


def duplicates(command, path, band_floor, split):
    queries = hadoop_queries(path, split)
    answers = run_matcher(command, [{"new": q["new"], "existing": q["existing"]}
                                    for q in queries])
    outcomes = []
    ranked = []  # (top similarity, linking to the top candidate would be right)
    errors = top1 = in_candidates = 0
    for q, a in zip(queries, answers):
        expected = q.get("expected")
        if "error" in a:
            errors += 1
        linked = bool(a.get("is_duplicate"))
        ok = linked and expected is not None and a.get("matching_feature_id") == expected
        outcomes.append((a.get("method", "error"), linked, ok, expected is not None))
        tid, sim = top(a)
        ranked.append((1.0 if a.get("method") == "exact" else sim,
                       expected is not None and tid == expected))
        if expected is not None:
            top1 += tid == expected
            in_candidates += any(c.get("id") == expected for c in a.get("candidates") or [])

    all_idx = range(len(outcomes))
    links, correct, positives = link_counts(outcomes, all_idx)
    p, r = ratio(correct, links), ratio(correct, positives)
    (plo, phi), (rlo, rhi) = pr_intervals(outcomes)
    print("## Duplicates: %s" % os.path.relpath(path, ROOT))
    print()
    print("%d queries, %d with a duplicate among the existing titles (positives), %d without;"
          " %d error answers." % (len(queries), positives, len(queries) - positives, errors))
    print()
    print("| system | links | correct | wrong | precision | P 95% interval | recall "
          "| R 95% interval | F1 |")
    print("|---|---|---|---|---|---|---|---|---|")
    print("| all | %d | %d | %d | %.3f | %.2f-%.2f | %.3f | %.2f-%.2f | %.3f |"
          % (links, correct, links - correct, p, plo, phi, r, rlo, rhi, f1(p, r)))
    methods = sorted(set(o[0] for o in outcomes))
    for m in methods:
        decided = sum(1 for o in outcomes if o[0] == m)
        ml, mc, _ = link_counts(outcomes, all_idx, m)
        mp, mr = ratio(mc, ml), ratio(mc, positives)
        (mplo, mphi), (mrlo, mrhi) = pr_intervals(outcomes, m)
        print("| method %s (%d decisions) | %d | %d | %d | %.3f | %.2f-%.2f | %.3f | %.2f-%.2f "
              "| %.3f |" % (m, decided, ml, mc, ml - mc, mp, mplo, mphi, mr, mrlo, mrhi,
                            f1(mp, mr)))
    print()
    print("By method, recall is the share of all positives that method linked correctly; the "
          "interval is a 95%% bootstrap over the queries (%d draws, seed %d)." % (ROUNDS, SEED))
    print()
    print("Top-1 ceiling: the expected id is the most similar candidate for %d of %d positives "
          "(%.3f); it is among the candidates for %d (%.3f). No threshold on the similarity can "
          "link more than the first figure correctly."
          % (top1, positives, ratio(top1, positives), in_candidates,
             ratio(in_candidates, positives)))
    # one threshold on the top similarity, swept over this set (information only: tuned on it)
    best_t = best_r = None
    for t, tp_p, tp_r in threshold_sweep([x[0] for x in ranked], [x[1] for x in ranked],
                                         positives):
        if tp_p >= AIM_PRECISION and (best_r is None or tp_r > best_r):
            best_t, best_r = t, tp_r
    if best_t is not None:
        print()
        print("Any single threshold on the top similarity, chosen on this set (information only): "
              "the highest recall at precision >= %.2f is %.3f, linking at similarity >= %.3f. "
              "(The matcher as run never links below new-below, %.3f.)"
              % (AIM_PRECISION, best_r, best_t, band_floor))
    met = p >= AIM_PRECISION and r > AIM_RECALL
    print()
    print("Aim: precision >= %.2f and recall > %.2f. Measured: precision %.3f, recall %.3f: %s."
          % (AIM_PRECISION, AIM_RECALL, p, r, "MET" if met else "NOT MET"))
    print()


# ---- relevance: feature_query_review_relevance.csv ------------------------------------------

def roc_auc(scores, gold):
    """Mann-Whitney U over ranks, ties given their average rank."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2.0 + 1
        i = j + 1
    npos = sum(gold)
    nneg = len(gold) - npos
    if not npos or not nneg:
        return 0.0
    rank_sum = sum(rk for rk, g in zip(ranks, gold) if g)
    return (rank_sum - npos * (npos + 1) / 2.0) / (npos * nneg)


def average_precision(sweep):
    """Sum over thresholds of (recall gained) * precision, as scikit-learn computes it."""
    ap = prev_r = 0.0
    for _, p, r in sweep:
        ap += (r - prev_r) * p
        prev_r = r
    return ap


def relevance(command, path, split):
    rows = relevance_rows(path, split)
    lines = [{"new": {"title": r["feature_query"], "description": ""},
              "existing": [{"id": "r", "name": r["review_content"], "description": ""}]}
             for r in rows]
    answers = run_matcher(command, lines)
    gold = [r["judge"].strip().upper() == "Y" for r in rows]
    scores = [top(a)[1] for a in answers]
    pred = [bool(a.get("is_duplicate")) for a in answers]
    errors = sum(1 for a in answers if "error" in a)
    tp = sum(1 for p, g in zip(pred, gold) if p and g)
    p, r = ratio(tp, sum(pred)), ratio(tp, sum(gold))
    sweep = threshold_sweep(scores, gold)
    best = max(sweep, key=lambda x: f1(x[1], x[2]))
    print("## Relevance: %s" % os.path.relpath(path, ROOT))
    print()
    print("%d (feature phrase, review) rows, %d judged Y (%.3f), %d error answers. The matcher is "
          "built for feature-vs-feature duplicates; scoring a short phrase against a whole review "
          "is a stress test of its vectors, not the task it was built for."
          % (len(rows), sum(gold), ratio(sum(gold), len(rows)), errors))
    print()
    print("| measure | value |")
    print("|---|---|")
    print("| ROC AUC of the top similarity | %.3f |" % roc_auc(scores, gold))
    print("| average precision of the top similarity (base rate %.3f) | %.3f |"
          % (ratio(sum(gold), len(rows)), average_precision(sweep)))
    print("| is_duplicate as Y: precision | %.3f |" % p)
    print("| is_duplicate as Y: recall | %.3f |" % r)
    print("| is_duplicate as Y: F1 (%d predicted Y) | %.3f |" % (sum(pred), f1(p, r)))
    print("| best-F1 score threshold (information only, chosen on these rows) | %.4f: "
          "P %.3f, R %.3f, F1 %.3f |" % (best[0], best[1], best[2], f1(best[1], best[2])))
    rp, rr, rf, rn = reversed_links(command, rows)
    print("| the review as the new request, the phrase as the only feature: precision | %.3f |"
          % rp)
    print("| the same: recall | %.3f |" % rr)
    print("| the same: F1 (%d linked) | %.3f |" % (rn, rf))
    print()


def reversed_links(command, rows):
    """A whole review asked against the phrase as the one existing feature, as a review is asked
    against the bug reports it may describe: (precision, recall, F1, links)."""
    lines = [{"new": {"title": r["review_content"], "description": ""},
              "existing": [{"id": "f", "name": r["feature_query"], "description": ""}]}
             for r in rows]
    answers = run_matcher(command, lines)
    gold = [r["judge"].strip().upper() == "Y" for r in rows]
    pred = [bool(a.get("is_duplicate")) for a in answers]
    tp = sum(1 for p, g in zip(pred, gold) if p and g)
    p, r = ratio(tp, sum(pred)), ratio(tp, sum(gold))
    return p, r, f1(p, r), sum(pred)


def curve(args, program, split):
    """Precision, recall and F1 as new-below moves (link-above and band-margin as given)."""
    hq = hadoop_queries(os.path.join(args.eval, "duplicates", "hadoop_catalogue_queries.jsonl"),
                        split)
    rows = relevance_rows(os.path.join(args.eval, "duplicates",
                                       "feature_query_review_relevance.csv"), split)
    positives = sum(1 for q in hq if q.get("expected") is not None)
    print("## The curve (%s half): new-below swept, link-above %.2f, band-margin %.2f"
          % (split, args.link_above, args.band_margin))
    print()
    print("| new-below | duplicates: links | P | R | F1 | reviews as new: links | P | R | F1 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for nb in [x / 100.0 for x in range(25, 60, 5)]:
        if nb > args.link_above:
            break
        command = [program, "--jsonl", "--provider", "offline", "--vectors", "offline",
                   "--link-above", repr(args.link_above), "--new-below", repr(nb),
                   "--band-margin", repr(args.band_margin),
                   "--match-confidence", repr(MATCH_CONFIDENCE)]
        answers = run_matcher(command, [{"new": q["new"], "existing": q["existing"]} for q in hq])
        links = sum(1 for a in answers if a.get("is_duplicate"))
        correct = sum(1 for a, q in zip(answers, hq) if a.get("is_duplicate")
                      and q.get("expected") is not None
                      and a.get("matching_feature_id") == q["expected"])
        p, r = ratio(correct, links), ratio(correct, positives)
        rp, rr, rf, rn = reversed_links(command, rows)
        print("| %.2f | %d | %.3f | %.3f | %.3f | %d | %.3f | %.3f | %.3f |"
              % (nb, links, p, r, f1(p, r), rn, rp, rr, rf))
    print()


# ---- the seed's test cases ------------------------------------------------------------------

def seed_cases(command):
    answers = run_matcher(command, [{"new": new, "existing": SEED_EXISTING}
                                    for _, new, _ in SEED_CASES])
    print("## The seed's test cases")
    print()
    print("| case | new title | expected | answer | method | confidence | top similarity "
          "| result |")
    print("|---|---|---|---|---|---|---|---|")
    passed = 0
    for (name, new, expected), a in zip(SEED_CASES, answers):
        got = a.get("matching_feature_id") if a.get("is_duplicate") else None
        ok = "error" not in a and got == expected
        passed += ok
        print("| %s | %s | %s | %s | %s | %.4f | %.4f | %s |"
              % (name, new["title"], expected or "new", got or "new", a.get("method", "error"),
                 float(a.get("confidence", 0)), top(a)[1], "PASS" if ok else "FAIL"))
    print()
    print("%d of %d seed cases pass." % (passed, len(SEED_CASES)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"),
                    help="the folder holding callsift-matcher")
    ap.add_argument("--eval", default=DEFAULT_EVAL,
                    help="the evaluation folder (default ../shared/eval from the repository root)")
    ap.add_argument("--link-above", type=float, default=0.55,
                    help="passed to the matcher (default: its offline default, 0.55)")
    ap.add_argument("--new-below", type=float, default=0.45,
                    help="passed to the matcher (default: its offline default, 0.45)")
    ap.add_argument("--band-margin", type=float, default=0.15,
                    help="passed to the matcher (default: its default, 0.15)")
    ap.add_argument("--split", choices=("all", "dev", "report"), default="all",
                    help="the development half (even positions), the report half (odd), or all")
    ap.add_argument("--curve", action="store_true",
                    help="also sweep new-below and print precision, recall and F1 per value")
    args = ap.parse_args()

    program = os.path.join(args.bin, "callsift-matcher")
    if not os.access(program, os.X_OK):
        raise SystemExit("quality_matcher: %s not found: build first (make build)" % program)
    # offline and with explicit thresholds, whatever the environment holds (CALLSIFT_*,
    # FEATURE_MATCH_CONFIDENCE): these figures are the no-network matcher's
    command = [program, "--jsonl", "--provider", "offline", "--vectors", "offline",
               "--link-above", repr(args.link_above), "--new-below", repr(args.new_below),
               "--band-margin", repr(args.band_margin),
               "--match-confidence", repr(MATCH_CONFIDENCE)]
    print("Offline matcher quality, %s of the data (%s)" % (args.split, " ".join(command)))
    print()
    duplicates(command, os.path.join(args.eval, "duplicates", "hadoop_catalogue_queries.jsonl"),
               args.new_below, args.split)
    relevance(command, os.path.join(args.eval, "duplicates",
                                    "feature_query_review_relevance.csv"), args.split)
    if args.curve:
        curve(args, program, args.split)
    seed_cases(command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
