#!/usr/bin/env python3
"""How close the pipeline comes to its LLM provider's limits with default flags.

Each run is the whole pipeline (deploy/run-local.sh: fetcher replay, extractors, matcher,
writer) on make bench's synthetic calls (callsift-loadgen, seed 1) against callsift-fake-llm
with --latency-ms 1000 --jitter-ms 200 and, where it says so, --rpm 600 enforced over 1-second
windows. Throughput counts processed calls only: the calls whose extraction succeeded, per
second between the first and last of their commits, and over the middle 80% of them (the
steady rate, without the start and the tail). The fake limits each model on its own, as OpenAI
does: the chat model (extraction and the judge) and the embeddings model each have --rpm 600.
The bound is min(E x c / latency / LLM requests per processed call, rpm / 60 / the most
requests of one model per processed call), with E extractors and c the most requests each
build keeps in flight with its default flags (4 before, a ceiling of 64 now); the provider's
bound takes c = 64 for both: what the account allows, whatever the flags.

The runs:
  named     --rpm 600; every answer names the limit (x-ratelimit-limit-requests), as OpenAI's
            do; the stages run with their default flags
  rpm-flag  --rpm 600 but no header names it (a provider that sends none); the stages are told
            --llm-rpm 600 (the "before" build has no such flag and runs with its defaults)
  judge     as named, with the matcher's judge and embeddings on the fake too: the judge
            shares the chat model's 600 a minute with the extractors, the embeddings have
            600 a minute of their own
  judge-shared  as judge, but every request counts against one window of 600 a minute (the
            fake's --shared-limit: harsher than OpenAI; the judge run before 2026-12-07 19:15 UTC)
  unlimited no rate limit: the bound is E x c / latency, and the fetcher's window must follow

With --bin-before DIR (binaries of an earlier build), every run is made with both builds,
alternating, so the two are compared side by side on the same machine in one run.

    scripts/ci/with-pg.sh python3 tests/load/bench_llm_limits.py --bin build/bin \\
        [--bin-before OLD/build/bin] [--calls 600]
        [--runs named,rpm-flag,judge,judge-shared,unlimited]
"""
import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the helpers of make bench)
from bench import (Databases, FakeLLM, clean_env, head, log, pipeline, processed_rate,  # noqa: E402
                   run)

qp = bench.qp
LATENCY_MS, JITTER_MS, RPM = 1000, 200, 600
EXTRACTORS = 2


def one_run(name, bin_dir, fake_bin, new_flags, dbs, truth, replay, work, calls_n, tag):
    rpm = 0 if name == "unlimited" else RPM
    truth_path = os.path.join(work, "truth.json")
    # rpm-flag: a provider that names no limit in its headers
    fake = FakeLLM(fake_bin, truth_path, LATENCY_MS, JITTER_MS, rpm, window_s=1,
                   limit_headers=name != "rpm-flag", shared_limit=name == "judge-shared")
    try:
        llm = "--provider openai --openai-base-url %s --openai-api-key bench" % fake.url
        extractor_args = llm
        if name == "rpm-flag" and new_flags:
            extractor_args += " --llm-rpm %d" % RPM
        matcher_args = "--provider offline"
        if name.startswith("judge"):
            matcher_args = llm + " --embedding-dimensions 512"
        _, url, ws = dbs.create(bin_dir, truth, clean_env())
        sub = head(replay, calls_n, os.path.join(work, "head%d.jsonl" % calls_n))
        log("%s (%s): %d calls" % (name, tag, calls_n))
        wall = pipeline(bin_dir, url, ws, sub, os.path.join(work, "%s-%s" % (name, tag)),
                        extractors=EXTRACTORS, extractor_args=extractor_args,
                        matcher_args=matcher_args, partial_ok=True)
        counters = fake.counters()
    finally:
        fake.stop()
    processed, whole, middle = processed_rate(url, ws)
    stored = int(qp.psql(url, "SELECT count(*) FROM messages WHERE workspace_id = '%s'" % ws))
    reqs = counters.get("requests") or {}
    # the fake counts a request by kind only when it is accepted (not a 429)
    accepted = sum(reqs.get(k, 0) for k in ("chat_extract", "chat_judge", "chat_other",
                                             "embeddings"))
    per_call = accepted / processed if processed else None
    # the requests of the model that takes most of them: the chat model's, or all with one
    # window for every model
    chat = sum(reqs.get(k, 0) for k in ("chat_extract", "chat_judge", "chat_other"))
    limited = accepted if name == "judge-shared" else max(chat, reqs.get("embeddings", 0))
    per_call_limited = limited / processed if processed else None
    ceiling = bench.DEFAULT_CONCURRENCY if new_flags else 4  # each build's default --concurrency
    clients = EXTRACTORS + (1 if name.startswith("judge") else 0)  # the matcher's own in flight
    by_window = clients * ceiling / (LATENCY_MS / 1000.0)

    def calls_bound(window_req):
        if not per_call:
            return None
        b = window_req / per_call
        return min(b, RPM / 60.0 / per_call_limited) if rpm else b

    bound = calls_bound(by_window)
    return {"run": name, "build": tag, "calls": calls_n, "stored": stored,
            "processed": processed, "wall_s": wall, "calls_per_s": whole,
            "steady_calls_per_s": middle, "requests": reqs, "requests_per_call": per_call,
            "rate_limited": counters.get("rate_limited", 0), "bound_calls_per_s": bound,
            "ratio": middle / bound if middle and bound else None,
            # what the provider allows whatever the flags: the rate limit, or the ceiling of
            # the newer build's defaults when there is none
            "requests_per_call_of_the_limited_model": per_call_limited,
            "provider_bound_calls_per_s": calls_bound(EXTRACTORS * bench.DEFAULT_CONCURRENCY /
                                                      (LATENCY_MS / 1000.0))}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(bench.ROOT, "build", "bin"))
    ap.add_argument("--bin-before", help="binaries of an earlier build, run side by side")
    ap.add_argument("--calls", type=int, default=600, help="calls per rate-limited run")
    ap.add_argument("--unlimited-calls", type=int, default=2500)
    ap.add_argument("--runs", default="named,rpm-flag,judge,unlimited",
                    help="of named, rpm-flag, judge, judge-shared, unlimited")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args()
    server = os.environ.get("DATABASE_URL")
    if not server:
        sys.exit("bench_llm_limits: DATABASE_URL must point at a PostgreSQL server")
    bins = [("after", os.path.abspath(args.bin), True)]
    if args.bin_before:
        bins.insert(0, ("before", os.path.abspath(args.bin_before), False))
    work = tempfile.mkdtemp(prefix="callsift-limits.")
    dbs = Databases(server)
    results = []
    try:
        replay, truth_path = os.path.join(work, "calls.jsonl"), os.path.join(work, "truth.json")
        most = max(args.calls, args.unlimited_calls)
        run([os.path.join(bins[-1][1], "callsift-loadgen"), "--calls", str(most), "--out",
             replay, "--truth", truth_path, "--seed", "1"], None, "callsift-loadgen")
        with open(truth_path) as f:
            truth = json.load(f)
        for name in args.runs.split(","):
            n = args.unlimited_calls if name == "unlimited" else args.calls
            for tag, bin_dir, new_flags in bins:
                # the fake and the load generator of the newer build serve both
                r = one_run(name, bin_dir, bins[-1][1], new_flags, dbs, truth, replay, work, n,
                            tag)
                results.append(r)
                log("  %s %s: %s processed of %d, %.2f calls/s steady (bound %.2f, ratio %.2f), "
                    "%d 429s" % (name, tag, r["processed"], n, r["steady_calls_per_s"] or 0,
                                 r["bound_calls_per_s"] or 0, r["ratio"] or 0,
                                 r["rate_limited"]))
    finally:
        dbs.drop_all()
    print("%-12s %-7s %9s %8s %8s %8s %6s %9s %6s %6s" % (
        "run", "build", "processed", "calls/s", "steady", "bound", "ratio", "provider", "ratio",
        "429s"))
    for r in results:
        pb = r["provider_bound_calls_per_s"]
        print("%-12s %-7s %9s %8.2f %8.2f %8.2f %6.2f %9.2f %6.2f %6d" % (
            r["run"], r["build"], "%d/%d" % (r["processed"], r["calls"]), r["calls_per_s"] or 0,
            r["steady_calls_per_s"] or 0, r["bound_calls_per_s"] or 0, r["ratio"] or 0, pb or 0,
            (r["steady_calls_per_s"] or 0) / pb if pb else 0, r["rate_limited"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
