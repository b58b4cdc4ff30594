#!/usr/bin/env python3
"""Dedup on make bench's synthetic stream, offline, for any seed (docs/QUALITY.md, "In the pipeline").

    DATABASE_URL=postgresql://... python3 scripts/quality/quality_dedup.py --bin build/bin \
        [--seed 2] [--calls 10000] [--matcher-args "--new-below 0.5"] [--show]

Writes --calls synthetic calls with callsift-loadgen --seed N, runs the whole pipeline on them
offline (deploy/run-local.sh, as make bench's part 1 does) into a throwaway database on
DATABASE_URL's server, and prints make bench's part 5 figures (tests/load/bench.py's dedup):
features per true request, wrong merges and misfiled mentions. --show also lists the most split
requests with the names of the features they ended in, and the features holding more than one
request. Seed 1 is make bench's own stream and was used to choose the matcher's settings; other
seeds were not. Exit 0 when it ran, 1 when a step failed.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "load"))
sys.path.insert(0, os.path.join(ROOT, "scripts", "quality"))
import bench  # noqa: E402
import quality_pipeline as qp  # noqa: E402


def show(url, truth):
    rows = qp.psql_json(url, "SELECT f.name, m.external_id, fm.quote FROM feature_messages fm"
                             " JOIN features f ON f.id = fm.feature_id"
                             " JOIN messages m ON m.id = fm.message_id")
    by_key = collections.defaultdict(collections.Counter)
    for r in rows:
        call = truth["calls"].get(r["external_id"], {})
        hits = [x for x in call.get("requests", []) if qp.matches(x["sentence"], r["quote"])]
        if hits:
            key = max(hits, key=lambda x: qp.overlap(x["sentence"], r["quote"]))["key"]
            by_key[key][r["name"]] += 1
    keys_of = collections.defaultdict(set)
    for key, names in by_key.items():
        for name in names:
            keys_of[name].add(key)
    print("Most split requests:")
    for key, names in sorted(by_key.items(), key=lambda x: -len(x[1]))[:15]:
        print("  %s: %s" % (key, dict(names.most_common(6))))
    print("Features holding more than one request:")
    for name, keys in keys_of.items():
        if len(keys) > 1:
            print("  %s: %s" % (name, ", ".join(sorted(keys))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--calls", type=int, default=10000)
    ap.add_argument("--matcher-args", default="",
                    help='extra flags for callsift-matcher, one string: "--new-below 0.5"')
    ap.add_argument("--show", action="store_true")
    args = ap.parse_args(qp.joined_matcher_args(sys.argv[1:]))
    server = os.environ.get("DATABASE_URL")
    if not server:
        sys.exit("quality_dedup: DATABASE_URL must point at a PostgreSQL server")
    bin_dir = os.path.abspath(args.bin)
    dbs = bench.Databases(server)
    work = tempfile.mkdtemp(prefix="callsift-dedup.")
    try:
        replay, truth_path = os.path.join(work, "calls.jsonl"), os.path.join(work, "truth.json")
        subprocess.run([os.path.join(bin_dir, "callsift-loadgen"), "--calls", str(args.calls),
                        "--out", replay, "--truth", truth_path, "--seed", str(args.seed)],
                       check=True, stderr=subprocess.DEVNULL)
        with open(truth_path) as f:
            truth = json.load(f)
        _, url, ws = dbs.create(bin_dir, truth, bench.clean_env())
        bench.pipeline(bin_dir, url, ws, replay, os.path.join(work, "logs"),
                       matcher_args=args.matcher_args)
        d = bench.dedup(truth, url, ws)
        print("seed %d, %d calls, offline%s: %.2f features per true request, %d wrong merges, "
              "%d of %d found mentions misfiled (%.1f%%), %d features"
              % (args.seed, args.calls, " (" + args.matcher_args + ")" if args.matcher_args else "",
                 d["features_per_true_request"], d["wrong_merges"], d["misfiled_mentions"],
                 d["found_mentions"], 100.0 * d["misfiled_mentions"] / d["found_mentions"],
                 d["features"]))
        if args.show:
            show(url, truth)
    except (bench.BenchError, subprocess.CalledProcessError, qp.PipelineError) as e:
        print("quality_dedup: %s" % e, file=sys.stderr)
        return 1
    finally:
        dbs.drop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
