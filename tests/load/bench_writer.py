#!/usr/bin/env python3
"""Part 1 of make bench for several builds, side by side in one session: the writer's cost.

    scripts/ci/with-pg.sh python3 tests/load/bench_writer.py \\
        --bin OLD/build/bin --bin build/bin [--bin build/bin:CALLSIFT_WRITER_GROUP_MAX=8]
        [--calls 10000] [--rounds 2]

A --bin may name settings after a colon (VAR=VALUE,...): the stages of its runs get them in
their environment, so one build can run with several settings.

For each round and each --bin in turn (old, new, old, new, ...): the offline pipeline of
tests/load/bench.py part 1 on the same --calls synthetic calls into a fresh database, its
calls per second (stored calls / commit span), the CPU seconds of PostgreSQL and of each stage
(only this run's processes: the machine's other sessions are left out; bench.py counts every
postgres and callsift process), the CPU seconds of the backends that served the writer,
and PostgreSQL alone restoring the same rows with COPY in one transaction; and digests of what
was stored: each call's transcript and metadata, and the features, links and audit rows by
name and call (the latter differ from run to run, even of one build: the matcher's decisions
depend on the order and timing the calls come in; bench_writer_replay.py gives every build the
same decisions). The machine is shared
and noisy: compare the builds as ratios within one run, never with figures of another session.
Prints one row per run, then each build's median beside the first build's.
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  part 1's helpers


parent = bench.parent
postmaster_pid = bench.postmaster_pid
OwnCpuSampler = bench.CpuSampler  # given the postmaster, it counts only this run's processes


class WriterBackends(threading.Thread):
    """The PostgreSQL backends that serve the writer: every second, the sessions of the
    database whose last statement wrote (INSERT, UPDATE, SAVEPOINT, COMMIT, ... FOR UPDATE),
    from pg_stat_activity. Only the writer writes during a run (the fetcher's ingest_runs
    aside)."""

    WRITES = ("INSERT", "UPDATE", "SAVEPOINT", "COMMIT", "ROLLBACK", "BEGIN", "RELEASE")

    def __init__(self, server, name):
        super().__init__(daemon=True)
        self.server, self.name = server, name
        self.pids = set()
        self.done = threading.Event()

    def run(self):
        while not self.done.wait(1.0):
            try:
                rows = bench.qp.psql_json(self.server, """
                    SELECT pid, left(query, 2000) AS query FROM pg_stat_activity
                    WHERE datname = '%s'""" % self.name)
            except bench.qp.PipelineError:
                continue
            for r in rows:
                q = r["query"].lstrip().upper()
                if "INGEST_RUNS" not in q and (q.startswith(self.WRITES) or "FOR UPDATE" in q
                                                or "INSERT INTO FEATURE_MESSAGES" in q):
                    self.pids.add(str(r["pid"]))

    def stop(self):
        self.done.set()
        self.join()
        return self.pids


# features (with their theme and where they are merged), feature_messages and match_decisions
# of the workspace, each table's rows as text in a fixed order, hashed
DECIDED_DIGEST = """
    WITH f AS (SELECT f.*, t.name AS theme, g.name AS into_name FROM features f
               JOIN themes t ON t.id = f.theme_id LEFT JOIN features g ON g.id = f.merged_into
               WHERE f.workspace_id = '%(ws)s')
    SELECT md5((SELECT string_agg(concat_ws('|', id, name, theme, description, status, urgency,
                                            mention_count, first_mentioned, last_mentioned,
                                            into_name, md5(embedding::text), embedding_index,
                                            embedding_model, name_key), ','
                                  ORDER BY id) FROM f)
               || (SELECT string_agg(concat_ws('|', fm.feature_id, m.external_id, fm.quote,
                                               fm.speaker, fm.confidence, fm.merged_from), ','
                                     ORDER BY fm.feature_id, m.external_id)
                   FROM feature_messages fm JOIN messages m ON m.id = fm.message_id
                   WHERE m.workspace_id = '%(ws)s')
               || (SELECT string_agg(concat_ws('|', m.external_id, d.feature_index, d.feature_id,
                                               d.action, d.method, d.confidence, d.similarity,
                                               d.reasoning, d.extracted, d.candidates, d.scores),
                                     ',' ORDER BY m.external_id, d.feature_index)
                   FROM match_decisions d JOIN messages m ON m.id = d.message_id
                   WHERE d.workspace_id = '%(ws)s'))"""


def one_run(spec, dbs, replay, truth, work, tag, postmaster):
    bin_dir, _, settings = spec.partition(":")
    extra = dict(kv.split("=", 1) for kv in settings.split(",") if "=" in kv)
    env = bench.clean_env()
    name, url, ws = dbs.create(bin_dir, truth, env)
    sampler = OwnCpuSampler(postmaster)
    backends = WriterBackends(dbs.server, name)
    sampler.start()
    backends.start()
    try:
        wall = bench.pipeline(bin_dir, url, ws, replay, os.path.join(work, tag), env_extra=extra)
    finally:
        pids = backends.stop()
        cpu = sampler.stop()
    cpu["postgres for the writer"] = sum(c for pid, (_, c) in sampler.last.items() if pid in pids)
    n, processed, rate, span = bench.stored_rate(url, ws)
    transactions = int(bench.qp.psql(url, """
        SELECT count(DISTINCT processed_at) FROM messages WHERE workspace_id = '%s'""" % ws))
    # what was stored of each call's transcript and metadata, to compare builds byte for byte
    digest = bench.qp.psql(url, """
        SELECT md5(string_agg(external_id || ' ' || md5(content) || ' '
                              || md5(message_metadata::text), ',' ORDER BY external_id))
        FROM messages WHERE workspace_id = '%s'""" % ws).strip()
    # what was stored of the decisions (features, links, audit rows), by name and call, not by
    # generated id or the time of the run, to compare builds row for row
    decided = bench.qp.psql(url, DECIDED_DIGEST % {"ws": ws}).strip()
    secs, rows, _ = bench.postgres_bound(bin_dir, dbs, url, env, work)
    return {"bin": spec, "stored": n, "processed": processed, "wall_s": wall,
            "calls_per_s": rate, "copy_calls_per_s": n / secs if secs > 0 else None,
            "calls_per_transaction": processed / transactions if transactions else None,
            "cpu_s": cpu, "rows_digest": digest, "decided_digest": decided}


def run_rounds(bins, rounds, one, describe):
    """For each round and each build in bins in turn (old, new, old, new, ...): one(rnd, k, b)
    runs build k (b) in round rnd and returns its figures (a dict), which get their "round"
    (from 1) and are printed as "round N  b: " then describe(r). Returns every run's figures."""
    runs = []
    for rnd in range(rounds):
        for k, b in enumerate(bins):
            bench.log("round %d, build %d (%s)" % (rnd + 1, k + 1, b))
            r = one(rnd, k, b)
            r["round"] = rnd + 1
            runs.append(r)
            print("round %d  %s: %s" % (rnd + 1, b, describe(r)), flush=True)
    return runs


def report_medians(runs, bins, rounds, keys):
    """Prints, for each label and key(run) of keys, each build's median over its runs beside
    the first build's (as a ratio); "-" where a build has no figure."""

    def med(b, key):
        vals = [key(r) for r in runs if r["bin"] == b and key(r) is not None]
        return statistics.median(vals) if vals else None

    print("\nmedians of %d rounds (ratio: build / first build)" % rounds)
    for label, key in keys.items():
        base = med(bins[0], key)
        cells = []
        for b in bins:
            v = med(b, key)
            cells.append("%s%s" % ("-" if v is None else "%.2f" % v,
                                   " (x%.2f)" % (v / base) if v and base else ""))
        print("%-24s %s" % (label, "   ".join(cells)))


def report_same(runs, key, label, same="the same"):
    """Prints whether every run stored the same rows: "stored LABEL: SAME in every run (digest)"
    when run[key] is one digest in all runs, else the digests seen."""
    seen = sorted({r[key] for r in runs})
    print("stored %s: %s" % (label, "%s in every run (%s)" % (same, seen[0]) if len(seen) == 1
                             else "DIFFERENT between runs: " + ", ".join(seen)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", action="append", required=True, help="a build's bin directory")
    ap.add_argument("--calls", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--json", help="write every figure to this file")
    args = ap.parse_args()
    server = os.environ.get("DATABASE_URL")
    if not server:
        sys.exit("bench_writer: DATABASE_URL must point at a PostgreSQL server")
    bins = [os.path.abspath(b.partition(":")[0]) + (":" + b.partition(":")[2] if ":" in b else "")
            for b in args.bin]
    work = tempfile.mkdtemp(prefix="callsift-bench-writer.")
    dbs = bench.Databases(server)
    runs = []
    postmaster = postmaster_pid(server)
    try:
        replay, truth_path = os.path.join(work, "calls.jsonl"), os.path.join(work, "truth.json")
        bench.run([os.path.join(bins[0].partition(":")[0], "callsift-loadgen"), "--calls", str(args.calls), "--out",
                   replay, "--truth", truth_path, "--seed", "1"], None, "callsift-loadgen")
        with open(truth_path) as f:
            truth = json.load(f)
        runs = run_rounds(
            bins, args.rounds,
            lambda rnd, k, b: one_run(b, dbs, replay, truth, work, "r%d-b%d" % (rnd, k),
                                      postmaster),
            lambda r: "%.1f calls/s, COPY %.1f calls/s; CPU s: %s; %.1f calls per transaction;"
                      " %d stored; rows %s; decided %s" % (
                          r["calls_per_s"] or 0, r["copy_calls_per_s"] or 0,
                          ", ".join("%s %.1f" % kv for kv in sorted(r["cpu_s"].items())),
                          r["calls_per_transaction"] or 0, r["stored"], r["rows_digest"],
                          r["decided_digest"]))
    finally:
        dbs.drop_all()
        shutil.rmtree(work, ignore_errors=True)

    report_medians(runs, bins, args.rounds, {
        "calls/s": lambda r: r["calls_per_s"],
        "calls/s over COPY's": lambda r: (r["calls_per_s"] / r["copy_calls_per_s"]
                                          if r["calls_per_s"] and r["copy_calls_per_s"]
                                          else None),
        "CPU s postgres": lambda r: r["cpu_s"].get("postgres"),
        "CPU s postgres, writer": lambda r: r["cpu_s"].get("postgres for the writer"),
        "CPU s extractor": lambda r: r["cpu_s"].get("extractor"),
        "CPU s matcher": lambda r: r["cpu_s"].get("matcher"),
        "CPU s writer": lambda r: r["cpu_s"].get("writer"),
        "calls/transaction": lambda r: r["calls_per_transaction"]})
    report_same(runs, "rows_digest", "content and message_metadata", "the same bytes")
    report_same(runs, "decided_digest", "features, links and audit rows")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(runs, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
