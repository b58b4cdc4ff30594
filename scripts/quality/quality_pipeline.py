#!/usr/bin/env python3
"""The whole pipeline (fetcher, extractors, matcher, writer) on the bundled sample calls, offline,
measured against their ground truth (samples/truth.json): which requests the catalogue holds,
and how the matcher grouped them into features.

    DATABASE_URL=postgresql://... python3 scripts/quality/quality_pipeline.py --bin build/bin [--json] \
        [--set dev|heldout|test]

It creates a database `callsift_quality_<pid>` on the server DATABASE_URL points at (the role
needs CREATEDB), sets up the workspace as scripts/demo/demo.sh does (migrate, "Demo workspace", the
four themes, the six customers), runs

    deploy/run-local.sh --bin BIN --extractors 2 --base-port 25657 \\
        -- --workspace-id WS --replay samples/calls.jsonl

(--set heldout or test: samples/heldout or samples/test instead, the sets no rule was tuned on;
same vendor, customers and themes)

with OPENAI_API_KEY unset (offline extractor, offline matcher) and no other OPENAI_*,
CALLSIFT_*, GONG_*, EMBEDDING_MODEL or FEATURE_MATCH_CONFIDENCE setting passed on, so the
stages run with their defaults; then reads the database back and drops it (--keep-db keeps it). Python 3 standard library and the psql client only.

What is measured (every figure comes from the database, none from the truth file alone):

* Mentions. A stored mention is one feature_messages row (feature, call, quote): what the
  catalogue keeps and the report shows. A truth request mention (truth.json, a call's
  `requests`: its key and the exact sentence) is *found* when a stored quote of the same call
  matches its sentence: after normalising both (lower case, curly quotes made straight, every
  run of other characters than letters, digits and apostrophes one space), one contains the
  other and the shorter has at least 3 words, or the two word sets have a Jaccard index of at
  least 0.5. Extractor recall = found / truth mentions of the stored (shareable) calls;
  precision = stored mentions that match a truth request / all stored mentions.
* Clustering, over the found mentions (each assigned to the feature of its matching quote):
  fragmentation of a canonical request = how many features its found mentions went to (ideal
  1); purity of a feature = how many canonical requests its found mentions belong to (ideal 1);
  and pairwise precision/recall/F1 of "same feature": over all pairs of found mentions, a pair
  is predicted positive when both are in one feature and truly positive when both voice one
  canonical request; P = both / predicted, R = both / true (undefined, shown as "-", when a
  denominator is 0), F1 = 2 both / (predicted + true).
* False requests: features none of whose quotes matches a truth request, and their mentions.
* The report's top 10 (`callsift report --format json --top 10`) with the canonical request
  each feature corresponds to, if any.

Exits 0 when the pipeline ran, whatever the figures; non-zero only when a stage or a command
fails.
"""
import argparse
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# From scripts/demo/demo.sh.
WORKSPACE = "Demo workspace"
THEMES = [
    ("AI Features", "AI-powered capabilities: assistants, summaries, smart suggestions"),
    ("Apps and Integrations", "Connections to third-party tools: CRM, Slack, calendars, SSO"),
    ("Inbox and Collaboration", "Shared inbox, assignments, signatures, notes and team workflows"),
    ("Reporting and Analytics", "Dashboards, exports, SLAs and metrics"),
]
CUSTOMERS = [
    ("Northwind Logistics", "northwind.example", "12500"),
    ("Globex Health", "globex.example", "8400"),
    ("Initech Software", "initech.example", "4200"),
    ("Umbrella Retail", "umbrella.example", "15800"),
    ("Hooli Travel", "hooli.example", "2900"),
    ("Vandelay Imports", "vandelay.example", "6100"),
]


class PipelineError(Exception):
    pass


# ---- the matching rule ------------------------------------------------------------------------

def normalise(text):
    text = (text or "").lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(re.sub(r"[^a-z0-9']+", " ", text).split())


def matches(sentence, quote):
    """Does a stored quote voice the truth sentence? (see the module docstring)"""
    a, b = normalise(sentence), normalise(quote)
    if not a or not b:
        return False
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if short in long_ and len(short.split()) >= 3:
        return True
    wa, wb = set(a.split()), set(b.split())
    return len(wa & wb) / len(wa | wb) >= 0.5


def overlap(sentence, quote):
    wa, wb = set(normalise(sentence).split()), set(normalise(quote).split())
    return len(wa & wb) / len(wa | wb) if wa | wb else 0.0


# ---- the database and the commands ------------------------------------------------------------

def database_url(server_url, name):
    """server_url with its database replaced by name: libpq lets a later dbname= override the
    URL's (as tests/lib/cs_testdb.c does)."""
    if "://" in server_url:
        return server_url + ("&" if "?" in server_url else "?") + "dbname=" + name
    return server_url + " dbname=" + name


def psql(url, sql):
    r = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise PipelineError("psql failed: %s" % r.stderr.strip())
    return r.stdout


def psql_json(url, sql):
    out = psql(url, "SELECT coalesce(json_agg(q), '[]'::json) FROM (%s) q" % sql).strip()
    return json.loads(out or "[]")


def run(argv, env, what, cwd=ROOT):
    r = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise PipelineError("%s failed (exit %d): %s%s" % (what, r.returncode, r.stdout[-2000:],
                                                          r.stderr[-2000:]))
    return r.stdout


def set_up(cs, env):
    run([cs, "migrate"], env, "callsift migrate")
    ws = run([cs, "workspace", "create", "--name", WORKSPACE], env, "workspace create").strip()
    for name, description in THEMES:
        run([cs, "theme", "add", "--workspace-id", ws, "--name", name, "--description",
             description], env, "theme add")
    for name, domain, mrr in CUSTOMERS:
        run([cs, "customer", "add", "--workspace-id", ws, "--name", name, "--domain", domain,
             "--mrr", mrr], env, "customer add")
    return ws


SETS = {"dev": "samples", "heldout": os.path.join("samples", "heldout"),
        "test": os.path.join("samples", "test")}


def joined_matcher_args(argv):
    """argv with "--matcher-args VALUE" as "--matcher-args=VALUE": argparse takes a value that
    starts with "--" ("--new-below 0.5") for an option of its own."""
    argv = list(argv)
    for i in range(len(argv) - 1):
        if argv[i] == "--matcher-args":
            argv[i:i + 2] = ["--matcher-args=" + argv[i + 1]]
            break
    return argv


def run_pipeline(bin_dir, env, ws, base_port, log_dir, calls, matcher_args=""):
    argv = [os.path.join(ROOT, "deploy", "run-local.sh"), "--bin", bin_dir, "--extractors", "2",
            "--base-port", str(base_port), "--log-dir", log_dir]
    if matcher_args:
        argv += ["--matcher-args", matcher_args]
    argv += ["--", "--workspace-id", ws, "--replay", calls]
    return run(argv, env, "deploy/run-local.sh (logs in %s)" % log_dir)


def read_back(url, cs, env, ws):
    db = {}
    db["messages"] = psql_json(url, """
        SELECT external_id, is_processed, error FROM messages
        WHERE workspace_id = '%s' ORDER BY external_id""" % ws)
    db["features"] = psql_json(url, """
        SELECT f.id, f.name, t.name AS theme, f.mention_count FROM features f
        LEFT JOIN themes t ON t.id = f.theme_id
        WHERE f.workspace_id = '%s' AND f.merged_into IS NULL
        ORDER BY f.created_at, f.id""" % ws)
    db["mentions"] = psql_json(url, """
        SELECT fm.feature_id, m.external_id, fm.quote FROM feature_messages fm
        JOIN messages m ON m.id = fm.message_id
        WHERE m.workspace_id = '%s' ORDER BY m.external_id, fm.feature_id""" % ws)
    db["decisions"] = psql_json(url, """
        SELECT d.id, m.external_id, d.feature_index, d.feature_id, d.action, d.method,
               d.similarity, d.extracted->>'quote' AS quote, d.extracted->>'title' AS title,
               d.extracted->>'theme' AS theme, d.candidates
        FROM match_decisions d JOIN messages m ON m.id = d.message_id
        WHERE d.workspace_id = '%s' ORDER BY d.id""" % ws)
    db["report"] = json.loads(run([cs, "report", "--workspace-id", ws, "--format", "json",
                                   "--top", "10"], env, "callsift report"))
    return db


# ---- the measurement --------------------------------------------------------------------------

def ratio(num, den):
    return num / den if den else None


def measure(truth, db):
    requests = truth["requests"]
    calls = truth["calls"]
    stored = {m["external_id"] for m in db["messages"]}
    features = {f["id"]: f for f in db["features"]}
    by_call = {}
    for m in db["mentions"]:
        by_call.setdefault(m["external_id"], []).append(m)
    decisions = {(d["external_id"], d["feature_id"]): d for d in db["decisions"]}

    private = [cid for cid, c in calls.items() if c.get("private")]
    result = {
        "calls": {"in_truth": len(calls), "stored": len(stored),
                  "processed": sum(1 for m in db["messages"] if m["is_processed"]),
                  "private_stored": sorted(set(private) & stored)},
        "features": len(features),
        "stored_mentions": len(db["mentions"]),
        "decisions": len(db["decisions"]),
    }

    # Per call: which truth mentions a stored quote voices.
    found = []  # {call, key, sentence, feature, quote}
    missed = []
    per_call = []
    truth_of_mention = {}  # (call, feature) -> key, for stored mentions matching a truth request
    bug_mentions = set()
    for cid, c in calls.items():
        if cid not in stored:
            continue
        got = by_call.get(cid, [])
        row = {"call": cid, "customer": c.get("customer"), "requests": len(c["requests"]),
               "found": 0, "missed": [], "stored_mentions": len(got)}
        for r in c["requests"]:
            hits = [m for m in got if matches(r["sentence"], m["quote"])]
            if not hits:
                row["missed"].append({"key": r["key"], "sentence": r["sentence"]})
                missed.append({"call": cid, "key": r["key"], "sentence": r["sentence"]})
                continue
            hits.sort(key=lambda m: -overlap(r["sentence"], m["quote"]))
            for m in hits:
                truth_of_mention[(cid, m["feature_id"])] = r["key"]
            row["found"] += 1
            found.append({"call": cid, "key": r["key"], "sentence": r["sentence"],
                          "feature": hits[0]["feature_id"], "quote": hits[0]["quote"],
                          "features": sorted({m["feature_id"] for m in hits})})
        for b in c["bugs"]:
            for m in got:
                if matches(b, m["quote"]):
                    bug_mentions.add((cid, m["feature_id"]))
        per_call.append(row)
    truth_total = sum(len(calls[cid]["requests"]) for cid in calls if cid in stored)
    true_stored = len(truth_of_mention)
    result["extractor"] = {
        "truth_mentions": truth_total, "found": len(found),
        "recall": ratio(len(found), truth_total),
        "stored_mentions_matching_truth": true_stored,
        "precision": ratio(true_stored, len(db["mentions"])),
        "bug_sentences_stored_as_requests": len(bug_mentions - set(truth_of_mention)),
        "requests_voiced": len({f["key"] for f in found}),
        "requests_in_truth": len(truth["requests"]),
    }
    result["per_call"] = per_call
    result["missed"] = missed

    # Clustering over the found mentions.
    per_request = []
    for key, req in requests.items():
        mine = [f for f in found if f["key"] == key]
        total = sum(1 for cid, c in calls.items() if cid in stored
                    for r in c["requests"] if r["key"] == key)
        feats = sorted({f["feature"] for f in mine})
        per_request.append({
            "key": key, "title": req["title"], "theme": req["theme"], "mentions": total,
            "found": len(mine), "features": len(feats),
            "feature_names": [features[x]["name"] for x in feats if x in features],
            "feature_themes": sorted({features[x]["theme"] or "" for x in feats if x in features}),
        })
    keys_of_feature = {}
    for f in found:
        keys_of_feature.setdefault(f["feature"], set()).add(f["key"])
    tp = pred = true = 0
    for a, b in itertools.combinations(found, 2):
        same_f = a["feature"] == b["feature"]
        same_k = a["key"] == b["key"]
        pred += same_f
        true += same_k
        tp += same_f and same_k
    p, r = ratio(tp, pred), ratio(tp, true)
    f1 = ratio(2 * tp, pred + true)  # = 2PR/(P+R), and 0 when nothing was merged rightly
    voiced = [x for x in per_request if x["found"]]
    result["clustering"] = {
        "pairs_same_request": true, "pairs_same_feature": pred, "pairs_both": tp,
        "pairwise_precision": p, "pairwise_recall": r, "pairwise_f1": f1,
        "max_fragmentation": max((x["features"] for x in voiced), default=0),
        "mean_fragmentation": ratio(sum(x["features"] for x in voiced), len(voiced)),
        "requests_in_one_feature": sum(1 for x in voiced if x["features"] == 1),
        "features_with_truth": len(keys_of_feature),
        "max_purity": max((len(v) for v in keys_of_feature.values()), default=0),
        "mixed_features": [{"feature": features[fid]["name"], "requests": sorted(v)}
                           for fid, v in keys_of_feature.items() if len(v) > 1],
        "found_mentions_in_truth_theme": sum(
            1 for f in found
            if (features.get(f["feature"], {}).get("theme") == requests[f["key"]]["theme"])),
    }
    result["per_request"] = per_request

    # Why later mentions of a request did not join an earlier feature of the same request.
    first_feature = {}
    misses = []
    for d in db["decisions"]:
        key = truth_of_mention.get((d["external_id"], d["feature_id"]))
        if not key:
            continue
        earlier = first_feature.setdefault(key, [])
        if d["action"] == "create" and earlier:
            # the matcher compares across themes by default (--same-theme turns it off)
            sims = {c["id"]: c["similarity"] for c in (d["candidates"] or [])}
            best = max((sims[e] for e in earlier if e in sims), default=None)
            misses.append({
                "key": key, "title": d["title"], "theme": d["theme"],
                "earlier": [(features[e]["name"], features[e]["theme"]) for e in earlier],
                "why": ("similarity %.2f to the earlier feature (links from 0.46)" % best
                        if best is not None else
                        "the earlier feature was not among the 5 candidates"),
                "best_similarity": best})
        if d["feature_id"] not in earlier:
            earlier.append(d["feature_id"])
    result["kept_apart"] = misses

    # False requests: features holding no truth request.
    false = [{"feature": f["name"], "theme": f["theme"], "mentions": f["mention_count"],
              "bug_sentence": any(fid == m[1] for m in bug_mentions)}
             for fid, f in features.items() if fid not in keys_of_feature
             and not any(k[1] == fid for k in truth_of_mention)]
    false.sort(key=lambda x: (-x["mentions"], x["feature"]))
    result["false_features"] = {"count": len(false),
                                "mentions": sum(x["mentions"] for x in false),
                                "list": false}
    truth_features = [fid for fid in features if fid in keys_of_feature]
    result["catalogue"] = {
        "features": len(features), "holding_a_truth_request": len(truth_features),
        "mentions_in_truth_features": sum(features[x]["mention_count"] for x in truth_features),
        "ideal_features": result["extractor"]["requests_voiced"],
    }

    # The report's top 10.
    top = []
    for row in db["report"]:
        keys = sorted(keys_of_feature.get(row["id"], set()))
        top.append({"rank": row["rank"], "feature": row["feature"], "theme": row["theme"],
                    "mentions": row["mentions"], "customers": row["customers"],
                    "truth": [requests[k]["title"] for k in keys]})
    result["top10"] = top
    ranked = [r["mentions"] for r in db["report"]]
    result["report_ranked_by_mentions"] = ranked == sorted(ranked, reverse=True)
    return result


# ---- printing ---------------------------------------------------------------------------------

def fmt(x):
    return "-" if x is None else "%.2f" % x


def print_report(res, secs, calls):
    c, e, cl = res["calls"], res["extractor"], res["clustering"]
    print("The whole pipeline on %s (offline extractor x2, offline matcher), %.1f s"
          % (calls, secs))
    print()
    print("Calls: %d in the truth, %d stored, %d processed, private call stored: %s" % (
        c["in_truth"], c["stored"], c["processed"], ", ".join(c["private_stored"]) or "no"))
    print("Catalogue: %d features, %d stored mentions (%d match decisions); %d features hold a "
          "truth request (ideal %d), %d hold none" % (
              res["features"], res["stored_mentions"], res["decisions"],
              res["catalogue"]["holding_a_truth_request"], res["catalogue"]["ideal_features"],
              res["false_features"]["count"]))
    print()
    print("== Extraction (stored quotes against the truth sentences)")
    print("recall    %s  (%d of %d truth request mentions found; %d of the %d requests voiced)"
          % (fmt(e["recall"]), e["found"], e["truth_mentions"], e["requests_voiced"],
             e["requests_in_truth"]))
    print("precision %s  (%d of %d stored mentions voice a truth request; %d are bug sentences)"
          % (fmt(e["precision"]), e["stored_mentions_matching_truth"], res["stored_mentions"],
             e["bug_sentences_stored_as_requests"]))
    print()
    print("== Per call (found / truth requests; missed sentences)")
    for row in res["per_call"]:
        if not row["requests"] and not row["stored_mentions"]:
            continue
        print("%-20s %-20s %d/%d  (%d stored mentions)" % (
            row["call"], row["customer"] or "(internal)", row["found"], row["requests"],
            row["stored_mentions"]))
        for m in row["missed"]:
            print("    missed %-24s %s" % (m["key"], m["sentence"]))
    print()
    print("== Clustering of the found mentions")
    print("pairwise same-feature precision %s, recall %s, F1 %s (%d same-request pairs, %d "
          "same-feature pairs, %d both)" % (
              fmt(cl["pairwise_precision"]), fmt(cl["pairwise_recall"]), fmt(cl["pairwise_f1"]),
              cl["pairs_same_request"], cl["pairs_same_feature"], cl["pairs_both"]))
    print("fragmentation: mean %s, max %d features per request; %d of %d voiced requests in "
          "one feature" % (fmt(cl["mean_fragmentation"]), cl["max_fragmentation"],
                           cl["requests_in_one_feature"], e["requests_voiced"]))
    print("purity: at most %d canonical request(s) per feature; mixed features: %s" % (
        cl["max_purity"], "; ".join("%s = %s" % (m["feature"], "+".join(m["requests"]))
                                    for m in cl["mixed_features"]) or "none"))
    print("found mentions filed under the request's own theme: %d of %d" % (
        cl["found_mentions_in_truth_theme"], e["found"]))
    print()
    print("%-24s %8s %5s %8s  %s" % ("request", "mentions", "found", "features",
                                     "feature names (themes)"))
    for x in res["per_request"]:
        print("%-24s %8d %5d %8d  %s" % (x["key"], x["mentions"], x["found"], x["features"],
                                         "; ".join(x["feature_names"])))
        if x["feature_themes"]:
            print("%49s(%s)" % ("", ", ".join(x["feature_themes"])))
    print()
    print("== Why later mentions of a request made a new feature")
    for k in res["kept_apart"]:
        print("%-24s '%s' [%s]: %s" % (k["key"], k["title"], k["theme"], k["why"]))
    print()
    print("== Features that hold no truth request: %d, with %d mentions" % (
        res["false_features"]["count"], res["false_features"]["mentions"]))
    for x in res["false_features"]["list"]:
        print("%4d  %-55s %s%s" % (x["mentions"], x["feature"], x["theme"] or "",
                                   "  (a bug sentence)" if x["bug_sentence"] else ""))
    print()
    print("== The report's top 10 (ranked by mentions: %s)" % (
        "yes" if res["report_ranked_by_mentions"] else "NO"))
    for t in res["top10"]:
        print("%3d  %-50s %3d mentions %d customers  -> %s" % (
            t["rank"], t["feature"][:50], t["mentions"], t["customers"],
            ", ".join(t["truth"]) or "(no truth request)"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    ap.add_argument("--base-port", type=int, default=25657)
    ap.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    ap.add_argument("--set", choices=sorted(SETS), default="dev",
                    help="the sample set (samples/README.md); dev is the demo's calls")
    ap.add_argument("--matcher-args", default="",
                    help='extra flags for callsift-matcher, one string: "--new-below 0.5"')
    args = ap.parse_args(joined_matcher_args(sys.argv[1:]))
    server = os.environ.get("DATABASE_URL")
    if not server:
        sys.exit("quality_pipeline: DATABASE_URL must be set (scripts/ci/with-pg.sh gives one)")
    bin_dir = os.path.abspath(args.bin)
    cs = os.path.join(bin_dir, "callsift")
    truth = json.load(open(os.path.join(ROOT, SETS[args.set], "truth.json")))
    calls = os.path.join(SETS[args.set], "calls.jsonl")

    name = "callsift_quality_%d" % os.getpid()
    url = database_url(server, name)
    # The stages' defaults, offline: none of their settings from this environment.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CALLSIFT_", "OPENAI_", "GONG_"))
           and k not in ("EMBEDDING_MODEL", "FEATURE_MATCH_CONFIDENCE")}
    env["DATABASE_URL"] = url
    log_dir = None
    created = False
    try:
        psql(server, 'CREATE DATABASE "%s"' % name)
        created = True
        ws = set_up(cs, env)
        log_dir = tempfile.mkdtemp(prefix="callsift-quality.")
        t0 = time.monotonic()
        run_pipeline(bin_dir, env, ws, args.base_port, log_dir, calls, args.matcher_args)
        secs = time.monotonic() - t0
        res = measure(truth, read_back(url, cs, env, ws))
        res["seconds"] = round(secs, 2)
        shutil.rmtree(log_dir, ignore_errors=True)  # kept when something failed
    except (PipelineError, OSError) as e:
        print("quality_pipeline: %s%s" % (e, " (logs in %s)" % log_dir if log_dir else ""),
              file=sys.stderr)
        return 1
    finally:
        if created and not args.keep_db:
            try:
                psql(server, 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
            except PipelineError as e:
                print("quality_pipeline: %s" % e, file=sys.stderr)
        elif created:
            print("quality_pipeline: kept database %s" % url, file=sys.stderr)
    if args.json:
        json.dump(res, sys.stdout, indent=2, sort_keys=True)
        print()
    else:
        print_report(res, secs, calls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
