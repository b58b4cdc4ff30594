#!/usr/bin/env python3
"""The writer alone, several builds side by side on the same decisions: their cost and what they
store.

    scripts/ci/with-pg.sh python3 tests/load/bench_writer_replay.py \\
        --bin OLD/bin --bin build/bin [--calls 5000] [--rounds 2]

The offline pipeline (tests/load/bench.py part 1) runs once, with the first --bin, on --calls
synthetic calls, with build/bin/bench_writer_tap (tests/load/writer_tap.c) between the matcher
and the writer recording every decision record. Then, for each round and each --bin in turn,
that build's writer alone stores the recorded records into a copy of the database as it was
before the pipeline ran (the same workspace, themes and customers), fed as fast as it takes
them: its calls per second (stored calls / commit span), the CPU seconds of the writer and of PostgreSQL (this run's
processes only), and digests of every row it stored, without generated ids and times. The
digests are equal between builds when they store the same rows; the matcher's decisions vary
from one pipeline run to the next, so bench_writer.py cannot show that.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
import bench_writer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# every column the writer writes, but generated ids (match_decisions.id) and times of the run
# (processed_at, created_at, updated_at, llm_spend.day)
STORED_DIGEST = """
    SELECT md5(concat_ws(';',
      (SELECT string_agg(concat_ws('|', id, customer_id, integration_id, md5(content), source,
                                   external_id, sent_at, is_processed, md5(ai_insights::text),
                                   md5(message_metadata::text), llm_usage, error,
                                   transcript_truncated, extraction_note), ',' ORDER BY id)
       FROM messages WHERE workspace_id = '%(ws)s'),
      (SELECT string_agg(concat_ws('|', id, name, domain, mrr, mrr_source, mrr_as_of), ','
                         ORDER BY id) FROM customers WHERE workspace_id = '%(ws)s'),
      (SELECT string_agg(concat_ws('|', cost_usd, prompt_tokens, cached_tokens,
                                   completion_tokens, calls), ',' ORDER BY day)
       FROM llm_spend WHERE workspace_id = '%(ws)s'),
      (SELECT string_agg(concat_ws('|', feature_id, action, by_name, arguments), ','
                         ORDER BY feature_id, action, arguments::text)
       FROM curation_actions)))"""


def free_port():
    return bench.free_block(1)


def wait_for_line(path, text, proc, timeout=60):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            break
        try:
            with open(path, errors="replace") as f:
                if text in f.read():
                    return
        except OSError:
            pass
        time.sleep(0.1)
    with open(path, errors="replace") as f:
        sys.exit("bench_writer_replay: %r not seen in %s:\n%s" % (text, path, f.read()[-2000:]))


def tap_bin(first_bin, tap, capture, work):
    """A bin directory like first_bin whose callsift-writer records its input into capture."""
    d = os.path.join(work, "tapbin")
    os.makedirs(d)
    for name in os.listdir(first_bin):
        os.symlink(os.path.join(first_bin, name), os.path.join(d, name))
    os.unlink(os.path.join(d, "callsift-writer"))
    port = free_port()
    with open(os.path.join(d, "callsift-writer"), "w") as f:
        f.write("""#!/bin/sh
"%(tap)s" capture --from "$CALLSIFT_DECISIONS_ENDPOINT" --to tcp://127.0.0.1:%(port)d \\
    --out "%(capture)s" &
tap=$!
CALLSIFT_DECISIONS_ENDPOINT=tcp://127.0.0.1:%(port)d "%(writer)s" "$@" &
writer=$!
trap 'kill -TERM $writer' TERM INT
status=0
while kill -0 $writer 2>/dev/null; do wait $writer; status=$?; done
kill -TERM $tap; wait $tap
exit $status
""" % {"tap": tap, "port": port, "capture": capture,
       "writer": os.path.join(first_bin, "callsift-writer")})
    os.chmod(os.path.join(d, "callsift-writer"), 0o755)
    return d


def one_run(bin_dir, dbs, template, ws, tap, capture, work, tag, postmaster):
    name = "callsift_bench_%d_%d" % (os.getpid(), len(dbs.names))
    bench.qp.psql(dbs.server, 'CREATE DATABASE "%s" TEMPLATE "%s"' % (name, template))
    dbs.names.append(name)
    url = bench.qp.database_url(dbs.server, name)
    decisions, acks = free_port(), free_port()
    env = bench.clean_env({"DATABASE_URL": url,
                           "CALLSIFT_DECISIONS_ENDPOINT": "tcp://127.0.0.1:%d" % decisions,
                           "CALLSIFT_ACKS_ENDPOINT": "tcp://127.0.0.1:%d" % acks})
    log = os.path.join(work, tag + ".writer.log")
    sampler = bench_writer.OwnCpuSampler(postmaster)
    sampler.start()
    with open(log, "w") as out:
        writer = subprocess.Popen([os.path.join(bin_dir, "callsift-writer")], env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_line(log, "Writer ready", writer)
        t0 = time.monotonic()
        res = subprocess.run([tap, "replay", "--to", "tcp://127.0.0.1:%d" % decisions, "--acks",
                              "tcp://127.0.0.1:%d" % acks, "--in", capture],
                             capture_output=True, text=True, timeout=3600)
        wall = time.monotonic() - t0
    finally:
        writer.send_signal(signal.SIGTERM)
        writer.wait(timeout=120)
        cpu = sampler.stop()
    if res.returncode != 0:
        sys.exit("bench_writer_tap replay: %s %s" % (res.stdout, res.stderr))
    counts = dict(zip(res.stdout.split()[0::2], (int(x) for x in res.stdout.split()[1::2])))
    stored, _, rate, _ = bench.stored_rate(url, ws)
    digest = bench.qp.psql(url, STORED_DIGEST % {"ws": ws}).strip()
    decided = bench.qp.psql(url, bench_writer.DECIDED_DIGEST % {"ws": ws}).strip()
    bench.qp.psql(dbs.server, 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
    return {"bin": bin_dir, "frames": counts.get("frames"), "acks": counts, "stored": stored,
            "wall_s": wall, "calls_per_s": rate, "cpu_s": cpu,
            "stored_digest": digest, "decided_digest": decided}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", action="append", required=True, help="a build's bin directory")
    ap.add_argument("--tap", default=os.path.join(ROOT, "build", "bin", "bench_writer_tap"))
    ap.add_argument("--calls", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--json", help="write every figure to this file")
    args = ap.parse_args()
    server = os.environ.get("DATABASE_URL")
    if not server:
        sys.exit("bench_writer_replay: DATABASE_URL must point at a PostgreSQL server")
    bins = [os.path.abspath(b) for b in args.bin]
    work = tempfile.mkdtemp(prefix="callsift-bench-replay.")
    dbs = bench.Databases(server)
    runs = []
    postmaster = bench_writer.postmaster_pid(server)
    try:
        replay, truth_path = os.path.join(work, "calls.jsonl"), os.path.join(work, "truth.json")
        bench.run([os.path.join(bins[0], "callsift-loadgen"), "--calls", str(args.calls), "--out",
                   replay, "--truth", truth_path, "--seed", "1"], None, "callsift-loadgen")
        with open(truth_path) as f:
            truth = json.load(f)
        env = bench.clean_env()
        name, url, ws = dbs.create(bins[0], truth, env)
        template = name + "_before"
        bench.qp.psql(server, 'CREATE DATABASE "%s" TEMPLATE "%s"' % (template, name))
        dbs.names.append(template)
        capture = os.path.join(work, "decisions.bin")
        bench.log("recording the decisions of one pipeline run (%s)" % bins[0])
        bench.pipeline(tap_bin(bins[0], args.tap, capture, work), url, ws, replay,
                       os.path.join(work, "capture"))
        runs = bench_writer.run_rounds(
            bins, args.rounds,
            lambda rnd, k, b: one_run(b, dbs, template, ws, args.tap, capture, work,
                                      "r%d-b%d" % (rnd, k), postmaster),
            lambda r: "%.1f calls/s; %s; CPU s: %s; %d stored; rows %s; decided %s" % (
                r["calls_per_s"] or 0, " ".join("%s %d" % kv for kv in r["acks"].items()),
                ", ".join("%s %.1f" % kv for kv in sorted(r["cpu_s"].items())),
                r["stored"], r["stored_digest"], r["decided_digest"]))
    finally:
        dbs.drop_all()
        shutil.rmtree(work, ignore_errors=True)

    bench_writer.report_medians(runs, bins, args.rounds, {
        "calls/s": lambda r: r["calls_per_s"],
        "CPU s postgres": lambda r: r["cpu_s"].get("postgres"),
        "CPU s writer": lambda r: r["cpu_s"].get("writer")})
    bench_writer.report_same(runs, "stored_digest", "messages, customers, spend")
    bench_writer.report_same(runs, "decided_digest", "features, links and audit rows")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(runs, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
