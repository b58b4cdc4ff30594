#!/usr/bin/env python3
"""make bench: callsift's speed, cost and scale, each figure measured beside its bound in one run.

    DATABASE_URL=postgresql://... python3 tests/load/bench.py --bin build/bin [--calls 10000]
        [--json results.json] [--quick]

It needs a PostgreSQL server whose role may create databases (make bench starts a throwaway one
with scripts/ci/with-pg.sh), the executables of a build (callsift, the four stages,
callsift-loadgen, callsift-fake-llm, bench_matcher), psql and pg_dump. Everything it makes goes
to a temporary directory and databases named callsift_bench_<pid>_<n>, dropped at the end.

The parts (docs/BENCHMARKS.md says how to read them):

1. Offline pipeline. callsift-loadgen writes --calls synthetic calls with their ground truth;
   deploy/run-local.sh runs the whole pipeline on them (writer, matcher, 2 extractors, the
   fetcher replaying the file), offline, into PostgreSQL. Calls per second = stored calls /
   (last processed_at - first processed_at). The bound, in the same run: PostgreSQL alone
   writing the same rows with the best batching there is (pg_dump's COPY of the tables the
   pipeline wrote, restored in one transaction into an empty database with the same schema).
2. Simulated LLM. callsift-fake-llm answers like an LLM that takes LATENCY ± JITTER per request
   and allows RPM requests a minute (429 above it; every answer names the limit, as OpenAI's
   do). Extraction throughput: processed calls per second over the middle 80% of their commits,
   for one extractor with one request in flight (the seed's serial design), for two extractors
   with their default flags (paced to the named limit, up to 64 in flight), and for two with a
   ceiling of 2 to 8 in flight, each beside its bound
   min(extractors x concurrency / mean latency, RPM / 60) / (requests per processed call). The
   matcher runs offline here, so only extraction requests count against the limit
   (tests/load/bench_llm_limits.py loads the judge too).
3. Matching cost as the catalogue grows: bench_matcher --cost with the fake LLM as the judge:
   judge calls and prompt tokens per extracted feature at 100 ... 100,000 features, beside the
   seed's strategy (one judge call per feature, every feature of the theme in the prompt).
4. Matcher prefilter: bench_matcher at 100,000 features, offline vectors and 512-dimension
   vectors: top-5 latency p50 / p99 and resident memory.
5. Dedup accuracy on the synthetic truth, for the offline pipeline of part 1 and for the
   pipeline with the simulated LLM (extraction, embeddings and judge from the fake): features
   per true request (1.0 is perfect) and wrong merges (features holding mentions of more than
   one true request).

It prints one table and, with --json, writes every figure to a file. Exit 0 when every part
ran; 1 when a part failed (its error is printed).
"""
import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "quality"))
import quality_pipeline as qp  # noqa: E402  the matching rule, psql helpers

PIPELINE_TIMEOUT_S = 900


class BenchError(Exception):
    pass


# ---- helpers ----------------------------------------------------------------------------------

def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def run(argv, env=None, what=None, timeout=None, cwd=ROOT, ok=(0,)):
    r = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if r.returncode not in ok:
        raise BenchError("%s failed (exit %d): %s%s" % (what or argv[0], r.returncode,
                                                       r.stdout[-1500:], r.stderr[-1500:]))
    return r.stdout


PORTS = {"next": None, "llm": 0}  # --base-port and --llm-port; None / 0: any free ones


def free_block(n):
    """The first of n free loopback ports in a row, below the ephemeral range; from --base-port
    on, in turn, when it was given (a port in use is an error, not skipped)."""
    if PORTS["next"] is not None:
        base = PORTS["next"]
        PORTS["next"] += n
        for p in range(base, base + n):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError as e:
                    raise BenchError("--base-port: port %d is not free (%s)" % (p, e))
        return base
    for _ in range(200):
        base = random.randrange(20000, 32000 - n)
        ok = True
        for p in range(base, base + n):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise BenchError("no %d free loopback ports in a row" % n)


class Databases:
    """Databases of this run on DATABASE_URL's server, dropped at the end."""

    def __init__(self, server):
        self.server = server
        self.names = []

    def create(self, bin_dir, truth, env):
        name = "callsift_bench_%d_%d" % (os.getpid(), len(self.names))
        qp.psql(self.server, 'CREATE DATABASE "%s"' % name)
        self.names.append(name)
        url = qp.database_url(self.server, name)
        e = dict(env, DATABASE_URL=url)
        cs = os.path.join(bin_dir, "callsift")
        run([cs, "migrate"], e, "callsift migrate")
        ws = run([cs, "workspace", "create", "--name", "Bench workspace"], e,
                 "workspace create").strip()
        for t in truth["themes"]:
            run([cs, "theme", "add", "--workspace-id", ws, "--name", t["name"], "--description",
                 t["description"]], e, "theme add")
        for c in truth["customers"]:
            run([cs, "customer", "add", "--workspace-id", ws, "--name", c["name"], "--domain",
                 c["domain"], "--mrr", "%.2f" % c["mrr"]], e, "customer add")
        return name, url, ws

    def empty(self, bin_dir, env):
        """A migrated database with nothing in it."""
        name = "callsift_bench_%d_%d" % (os.getpid(), len(self.names))
        qp.psql(self.server, 'CREATE DATABASE "%s"' % name)
        self.names.append(name)
        url = qp.database_url(self.server, name)
        run([os.path.join(bin_dir, "callsift"), "migrate"], dict(env, DATABASE_URL=url),
            "callsift migrate")
        return name, url

    def drop_all(self):
        for name in self.names:
            try:
                qp.psql(self.server, 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
            except qp.PipelineError as e:
                log("could not drop %s: %s" % (name, e))


def clean_env(extra=None):
    """What the stages see: PATH, HOME and the given settings; no OPENAI_*, CALLSIFT_*, GONG_*."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    env.update(extra or {})
    return env


def pipeline(bin_dir, url, ws, replay, log_dir, extractors=2, extractor_args="",
             matcher_args="", fetcher_args=(), env_extra=None, partial_ok=False):
    """deploy/run-local.sh on a replay file; returns the wall time. partial_ok: the fetcher's
    exit 3 (some calls stored without insights, e.g. after the simulated rate limit's 429s
    outlasted the retries) is a result, counted as unprocessed calls, not a failure."""
    base = free_block(4)
    argv = [os.path.join(ROOT, "deploy", "run-local.sh"), "--bin", bin_dir, "--extractors",
            str(extractors), "--base-port", str(base), "--log-dir", log_dir,
            "--extractor-args", extractor_args, "--matcher-args", matcher_args, "--",
            "--workspace-id", ws, "--replay", replay] + list(fetcher_args)
    t0 = time.monotonic()
    run(argv, clean_env(dict(env_extra or {}, DATABASE_URL=url)),
        "deploy/run-local.sh (logs in %s)" % log_dir, timeout=PIPELINE_TIMEOUT_S,
        ok=(0, 3) if partial_ok else (0,))
    return time.monotonic() - t0


def parent(pid):
    """The parent pid of pid (a string), or None when it is gone."""
    try:
        with open("/proc/%s/stat" % pid) as f:
            stat = f.read()
        return stat[stat.rindex(")") + 2:].split()[1]
    except (OSError, ValueError, IndexError):
        return None


def postmaster_pid(server):
    """The pid of the server's postmaster (the first line of its postmaster.pid), or None when
    the server is not on this machine or its data directory can't be read."""
    try:
        data = qp.psql(server, "SHOW data_directory").strip()
        with open(os.path.join(data, "postmaster.pid")) as f:
            return int(f.readline())
    except (OSError, ValueError, qp.PipelineError):
        return None


class CpuSampler(threading.Thread):
    """CPU seconds of the callsift stages and of PostgreSQL while a run goes on, read from
    /proc every 0.2 s (a process's last reading before it exits counts). Only this run's
    processes count: the stages this process started (its descendants) and, given the
    postmaster's pid, that server's backends (its children). The machine may be shared: other
    sessions' postgres and callsift processes are not ours. Without a postmaster every postgres
    process counts."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, postmaster=None):
        super().__init__(daemon=True)
        self.last = {}  # pid -> (name, cpu seconds)
        self.done = threading.Event()
        self.postmaster = str(postmaster) if postmaster else None
        self.me = str(os.getpid())
        self.ours = {}  # pid -> bool, decided once

    def mine(self, pid, name):
        if name.startswith("postgres") and not self.postmaster:
            return True
        if pid not in self.ours:
            roots = (self.me, self.postmaster)
            up, seen = parent(pid), 0
            while up and up not in ("0", "1") + roots and seen < 32:
                up, seen = parent(up), seen + 1
            self.ours[pid] = up is not None and up in roots
        return self.ours[pid]

    def run(self):
        while not self.done.wait(0.2):
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    with open("/proc/%s/stat" % pid) as f:
                        stat = f.read()
                except OSError:
                    continue
                name = stat[stat.index("(") + 1:stat.rindex(")")]  # 15 characters at most
                if not (name.startswith("callsift-") or name.startswith("postgres")):
                    continue
                if not self.mine(pid, name):
                    continue
                if name.startswith("callsift-"):
                    try:
                        with open("/proc/%s/cmdline" % pid, "rb") as f:
                            full = os.path.basename(f.read().split(b"\0")[0].decode())
                    except (OSError, UnicodeDecodeError):
                        continue
                    # an exiting process has an empty cmdline: keep the 15-character name
                    if full.startswith("callsift-"):
                        name = full
                fields = stat[stat.rindex(")") + 2:].split()
                self.last[pid] = (name, (int(fields[11]) + int(fields[12])) / self.TICK)

    def stop(self):
        self.done.set()
        self.join()
        by = {}
        for name, cpu in self.last.values():
            key = "postgres" if name.startswith("postgres") else name[len("callsift-"):]
            if key == "fetche":  # a fetcher seen only as it exited: its 15-character name
                key = "fetcher"
            by[key] = by.get(key, 0.0) + cpu
        return by


def fifths(url, ws):
    """Calls per second in each fifth of the run, by commit time: a rate that falls as the
    database grows is a cost that grows with it."""
    t = [float(x) for x in qp.psql(url, """
        SELECT extract(epoch FROM processed_at) FROM messages
        WHERE workspace_id = '%s' AND processed_at IS NOT NULL ORDER BY processed_at""" % ws).split()]
    k = len(t) // 5
    out = []
    for i in range(5):
        seg = t[i * k:(i + 1) * k]
        out.append((len(seg) - 1) / (seg[-1] - seg[0]) if k > 1 and seg[-1] > seg[0] else None)
    return out


def processed_rate(url, ws):
    """Processed calls (their extraction succeeded); their rate between the first and the last
    of their commits, and over the middle 80% of them (the steady rate, without start and
    tail)."""
    t = [float(x) for x in qp.psql(url, """
        SELECT extract(epoch FROM processed_at) FROM messages
        WHERE workspace_id = '%s' AND is_processed ORDER BY processed_at""" % ws).split()]
    n = len(t)
    whole = (n - 1) / (t[-1] - t[0]) if n > 1 and t[-1] > t[0] else None
    a, b = n // 10, n - 1 - n // 10
    middle = (b - a) / (t[b] - t[a]) if b > a and t[b] > t[a] else None
    return n, whole, middle


def stored_rate(url, ws):
    """Stored calls, and calls per second between the first and the last commit."""
    row = qp.psql(url, """
        SELECT count(*), count(*) FILTER (WHERE is_processed),
               extract(epoch FROM max(processed_at) - min(processed_at))
        FROM messages WHERE workspace_id = '%s'""" % ws).strip().split("|")
    n, processed, span = int(row[0]), int(row[1]), float(row[2] or 0)
    return n, processed, ((n - 1) / span if span > 0 and n > 1 else None), span


# ---- part 1: the offline pipeline and PostgreSQL's bound ----------------------------------------

TABLES = ["workspaces", "integrations", "themes", "customers", "messages", "features",
          "feature_messages", "match_decisions"]


def postgres_bound(bin_dir, dbs, url, env, work):
    """Restore the rows the pipeline wrote, with COPY, in one transaction: seconds and rows."""
    dump = os.path.join(work, "rows.sql")
    argv = ["pg_dump", "--data-only", "--no-owner", "--no-privileges", "-d", url, "-f", dump]
    for t in TABLES:
        argv += ["--table", t]
    run(argv, None, "pg_dump")
    _, target = dbs.empty(bin_dir, env)
    rows = sum(int(qp.psql(url, "SELECT count(*) FROM %s" % t)) for t in TABLES)
    t0 = time.monotonic()
    run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", target,
         "-f", dump], None, "psql restore")
    secs = time.monotonic() - t0
    restored = int(qp.psql(target, "SELECT count(*) FROM messages"))
    return secs, rows, restored


# ---- part 5: dedup accuracy ---------------------------------------------------------------------

def dedup(truth, url, ws):
    """Features per true request and wrong merges, from the stored mentions (qp.matches)."""
    mentions = qp.psql_json(url, """
        SELECT fm.feature_id, m.external_id, fm.quote FROM feature_messages fm
        JOIN messages m ON m.id = fm.message_id WHERE m.workspace_id = '%s'""" % ws)
    features = int(qp.psql(url, "SELECT count(*) FROM features WHERE workspace_id = '%s'"
                             " AND merged_into IS NULL" % ws))
    stored = set(qp.psql(url, "SELECT external_id FROM messages WHERE workspace_id = '%s'"
                         % ws).split())
    by_call = {}
    for m in mentions:
        by_call.setdefault(m["external_id"], []).append(m)
    features_of_key, keys_of_feature, mentions_of = {}, {}, {}
    found = total = 0
    for cid, call in truth["calls"].items():
        got = by_call.get(cid)
        if call.get("private") or cid not in stored:  # a run of the first calls only
            continue
        for r in call["requests"]:
            total += 1
            hits = [m for m in (got or []) if qp.matches(r["sentence"], m["quote"])]
            if not hits:
                continue
            best = max(hits, key=lambda m: qp.overlap(r["sentence"], m["quote"]))
            found += 1
            features_of_key.setdefault(r["key"], set()).add(best["feature_id"])
            keys_of_feature.setdefault(best["feature_id"], set()).add(r["key"])
            per_key = mentions_of.setdefault(best["feature_id"], {})
            per_key[r["key"]] = per_key.get(r["key"], 0) + 1
    voiced = len(features_of_key)
    per_request = (sum(len(v) for v in features_of_key.values()) / voiced) if voiced else None
    merged = {f: k for f, k in keys_of_feature.items() if len(k) > 1}
    # mentions filed under a feature whose most mentions are another request's
    misfiled = sum(sum(c.values()) - max(c.values()) for c in mentions_of.values())
    return {"truth_mentions": total, "found_mentions": found,
            "recall": found / total if total else None, "requests_voiced": voiced,
            "features": features, "features_holding_truth": len(keys_of_feature),
            "features_per_true_request": per_request,
            "wrong_merges": len(merged), "misfiled_mentions": misfiled,
            "requests_in_wrong_merges": len(set().union(*merged.values())) if merged else 0}


# ---- the fake LLM -------------------------------------------------------------------------------

class FakeLLM:
    def __init__(self, bin_dir, truth_path, latency_ms, jitter_ms, rpm, dims=512, window_s=60,
                 limit_headers=True, shared_limit=False):
        self.proc = subprocess.Popen(
            [os.path.join(bin_dir, "callsift-fake-llm"), "--truth", truth_path, "--latency-ms",
             str(latency_ms), "--jitter-ms", str(jitter_ms), "--rpm", str(rpm), "--rpm-window",
             str(window_s), "--dims", str(dims)] + ([] if limit_headers else ["--no-limit-headers"]) +
            (["--shared-limit"] if shared_limit else []) +
            (["--port", str(PORTS["llm"])] if PORTS["llm"] else []),
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if "http://" not in line:
            self.proc.kill()
            raise BenchError("callsift-fake-llm did not start: %r" % line)
        self.url = line[line.index("http://"):].split()[0]

    def counters(self):
        """The fake's counters so far, from its GET /v1/stats."""
        try:
            with urllib.request.urlopen(self.url.rstrip("/") + "/stats", timeout=5) as r:
                return json.loads(r.read().decode())
        except (OSError, ValueError) as e:
            raise BenchError("callsift-fake-llm /stats: %s" % e)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=30)
        for line in reversed(out.strip().splitlines()):
            try:
                return json.loads(line)
            except ValueError:
                continue
        return {}


DEFAULT_CONCURRENCY = 64  # the stages' --concurrency when it is not given (cs_llm.h)


def llm_args(url, concurrency):
    """The flags of an LLM stage on the fake; concurrency None: the default ceiling."""
    args = "--provider openai --openai-base-url %s --openai-api-key bench" % url
    return args + (" --concurrency %d" % concurrency if concurrency else "")


def head(path, n, out):
    with open(path) as src, open(out, "w") as dst:
        for i, line in enumerate(src):
            if i >= n:
                break
            dst.write(line)
    return out


def requests_of(counters, kind):
    return (counters.get("requests") or {}).get(kind, 0)


# ---- the run ------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    ap.add_argument("--calls", type=int, default=10000)
    ap.add_argument("--latency-ms", type=int, default=1000)
    ap.add_argument("--jitter-ms", type=int, default=200)
    ap.add_argument("--rpm", type=int, default=600)
    ap.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    ap.add_argument("--json", help="write every figure to this file")
    ap.add_argument("--keep", action="store_true", help="keep the work directory and databases")
    ap.add_argument("--base-port", type=int,
                    help="the stages' ports from here on, 4 per pipeline run (default: free ones)")
    ap.add_argument("--llm-port", type=int, default=0,
                    help="the fake LLM's port (default: a free one; one fake runs at a time)")
    args = ap.parse_args()
    PORTS["next"], PORTS["llm"] = args.base_port, args.llm_port
    server = os.environ.get("DATABASE_URL")
    if not server:
        sys.exit("bench: DATABASE_URL must point at a PostgreSQL server (scripts/ci/with-pg.sh)")
    bin_dir = os.path.abspath(args.bin)
    for exe in ["callsift", "callsift-writer", "callsift-matcher", "callsift-extractor",
                "callsift-fetcher", "callsift-loadgen", "callsift-fake-llm", "bench_matcher"]:
        if not os.access(os.path.join(bin_dir, exe), os.X_OK):
            sys.exit("bench: %s/%s not found (make build)" % (bin_dir, exe))
    calls = 300 if args.quick else args.calls
    serial_calls = 8 if args.quick else 20
    sweep_calls = 40 if args.quick else 120
    default_calls = 100 if args.quick else 600  # a minute at the limit: 0.95 and 1.05 apart
    sweep = [2, 4, 8] if not args.quick else [4]
    llm_calls = 100 if args.quick else 500
    sizes = "100,1000" if args.quick else "100,1000,10000,100000"
    cost_queries = 100 if args.quick else 400

    work = tempfile.mkdtemp(prefix="callsift-bench.")
    dbs = Databases(server)
    results = {"machine": machine(), "calls": calls}
    started = time.monotonic()
    status = 0
    try:
        replay, truth_path = os.path.join(work, "calls.jsonl"), os.path.join(work, "truth.json")
        log("generating %d calls" % calls)
        run([os.path.join(bin_dir, "callsift-loadgen"), "--calls", str(calls), "--out", replay,
             "--truth", truth_path, "--seed", "1"], None, "callsift-loadgen")
        with open(truth_path) as f:
            truth = json.load(f)
        env = clean_env()

        # 1. the offline pipeline, and PostgreSQL alone
        log("part 1: the offline pipeline on %d calls" % calls)
        _, url, ws = dbs.create(bin_dir, truth, env)
        sampler = CpuSampler(postmaster_pid(url))
        sampler.start()
        try:
            wall = pipeline(bin_dir, url, ws, replay, os.path.join(work, "p1"))
        finally:
            cpu = sampler.stop()
        n, processed, rate, span = stored_rate(url, ws)
        by_fifth = fifths(url, ws)
        log("part 1: PostgreSQL alone, the same rows")
        secs, rows, restored = postgres_bound(bin_dir, dbs, url, env, work)
        bound = n / secs if secs > 0 else None
        results["offline_pipeline"] = {
            "stored": n, "processed": processed, "wall_s": wall, "commit_span_s": span,
            "calls_per_s": rate, "bound_rows": rows, "bound_s": secs, "bound_restored": restored,
            "bound_calls_per_s": bound, "ratio": rate / bound if rate and bound else None,
            "cpu_s": cpu, "calls_per_s_by_fifth": by_fifth}
        results["dedup_offline"] = dedup(truth, url, ws)

        # 2. the simulated LLM: serial, then the best configuration
        # the limit enforced over 1 s windows, as OpenAI enforces per-minute limits over short
        # periods: a run of seconds meets the steady rate, not a minute's burst
        fake = FakeLLM(bin_dir, truth_path, args.latency_ms, args.jitter_ms, args.rpm, window_s=1)
        try:
            mean_latency = args.latency_ms / 1000.0
            rows2 = []
            # the seed's serial design; two extractors with their default flags (each paces
            # itself to the limit the fake names in its headers, cs_pace.h); then two with a
            # ceiling of 2 to 8 requests in flight each (--concurrency)
            configs = [("serial", serial_calls, 1, 1, 1),
                       ("2 x defaults", default_calls, 2, None, DEFAULT_CONCURRENCY)] + [
                ("2 x %d" % c, sweep_calls, 2, c, c) for c in sweep]
            for name, n_calls, extractors, flag, conc in configs:
                log("part 2: simulated LLM, %s, %d calls" % (name, n_calls))
                before = fake.counters()
                _, url2, ws2 = dbs.create(bin_dir, truth, env)
                sub = head(replay, n_calls, os.path.join(work, "head%d.jsonl" % n_calls))
                wall2 = pipeline(bin_dir, url2, ws2, sub, os.path.join(work, "p2-%s" % conc),
                                 extractors=extractors, extractor_args=llm_args(fake.url, flag),
                                 matcher_args="--provider offline", partial_ok=True)
                after = fake.counters()
                stored2 = stored_rate(url2, ws2)[0]
                processed2, rate2, steady2 = processed_rate(url2, ws2)
                extract_reqs = requests_of(after, "chat_extract") - requests_of(before, "chat_extract")
                per_call = extract_reqs / processed2 if processed2 else 1.0
                req_bound = min(extractors * conc / mean_latency, args.rpm / 60.0)
                rows2.append({"config": name, "extractors": extractors, "concurrency": conc,
                              "calls": stored2, "processed": processed2, "wall_s": wall2,
                              "calls_per_s": steady2 or rate2, "whole_run_calls_per_s": rate2,
                              "requests_per_call": per_call,
                              "rate_limited": after.get("rate_limited", 0) -
                              before.get("rate_limited", 0),
                              "bound_calls_per_s": req_bound / per_call if per_call else None})
            for r in rows2:
                r["ratio"] = (r["calls_per_s"] / r["bound_calls_per_s"]
                              if r["calls_per_s"] and r["bound_calls_per_s"] else None)
            complete = [r for r in rows2[1:] if r["processed"] == r["calls"] and r["calls_per_s"]
                        and r["calls"] >= sweep_calls]
            best = max(complete, key=lambda r: r["calls_per_s"]) if complete else None
            results["simulated_llm"] = {
                "latency_ms": args.latency_ms, "jitter_ms": args.jitter_ms, "rpm": args.rpm,
                "rpm_window_s": 1, "runs": rows2, "best": best and best["config"],
                "speedup": (best["calls_per_s"] / rows2[0]["calls_per_s"]
                            if best and rows2[0]["calls_per_s"] else None)}
        finally:
            results.setdefault("fake_llm", {})["part2"] = fake.stop()

        # 5 (LLM side). the pipeline with the simulated LLM everywhere, fast and unlimited
        fast = FakeLLM(bin_dir, truth_path, 20, 10, 0)
        try:
            log("part 5: the pipeline with the simulated LLM, %d calls" % llm_calls)
            _, url5, ws5 = dbs.create(bin_dir, truth, env)
            sub = head(replay, llm_calls, os.path.join(work, "head%d.jsonl" % llm_calls))
            pipeline(bin_dir, url5, ws5, sub, os.path.join(work, "p5"), extractors=2,
                     extractor_args=llm_args(fast.url, 8),
                     matcher_args=llm_args(fast.url, 8) + " --embedding-dimensions 512")
            results["dedup_llm"] = dedup(truth, url5, ws5)
            results["dedup_llm"]["calls"] = llm_calls

            # 3. matching cost as the catalogue grows (the fast fake is the judge)
            log("part 3: matching cost at %s features" % sizes)
            out = run([os.path.join(bin_dir, "bench_matcher"), "--cost", fast.url,
                       "--cost-sizes", sizes, "--queries", str(cost_queries)], None,
                      "bench_matcher --cost", timeout=900)
            results["matching_cost"] = json.loads(out)["cost"]
        finally:
            results["fake_llm"]["part5"] = fast.stop()

        # 4. prefilter latency and memory at 100,000 features
        n4 = "2000" if args.quick else "100000"
        log("part 4: prefilter at %s features (offline and 512-dimension vectors)" % n4)
        out = run([os.path.join(bin_dir, "bench_matcher"), "--features", n4, "--queries",
                   "300", "--cross-queries", "10", "--dims", "512", "--json"], None,
                  "bench_matcher", timeout=900)
        results["prefilter"] = json.loads(out)
    except (BenchError, qp.PipelineError, subprocess.TimeoutExpired) as e:
        log("FAILED: %s" % e)
        status = 1
    finally:
        results["total_s"] = time.monotonic() - started
        if not args.keep:
            dbs.drop_all()
            shutil.rmtree(work, ignore_errors=True)
        else:
            log("kept %s and databases %s" % (work, ", ".join(dbs.names)))
    print_table(results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return status


def machine():
    def first(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, shell=True).stdout.strip()
        except OSError:
            return ""
    return {"cpu": first("lscpu | sed -n 's/^Model name: *//p' | head -1"),
            "cores": os.cpu_count(), "kernel": os.uname().release,
            "memory": first("free -g | awk '/Mem:/ {print $2 \" GiB\"}'"),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def f(x, spec="%.1f"):
    return "-" if x is None else spec % x


def print_table(r):
    rows = []
    p1 = r.get("offline_pipeline")
    if p1:
        rows.append(("1 offline pipeline, %d calls" % p1["stored"], f(p1["calls_per_s"]) + " calls/s",
                     "PostgreSQL alone (COPY, 1 tx): %s calls/s" % f(p1["bound_calls_per_s"]),
                     f(p1["ratio"], "%.2f")))
        rows.append(("1 calls/s in each fifth of the run",
                     " ".join(f(x, "%.0f") for x in p1.get("calls_per_s_by_fifth") or []),
                     "flat: no cost grows with the database", ""))
        cpu = p1.get("cpu_s") or {}
        rows.append(("1 CPU seconds by process", ", ".join(
            "%s %.0f" % (k, v) for k, v in sorted(cpu.items(), key=lambda kv: -kv[1])),
            "%.0f s of CPU in %.0f s on %d cores" % (sum(cpu.values()), p1["commit_span_s"],
                                                    os.cpu_count()), ""))
        if p1["stored"]:
            per = 1000.0 / p1["stored"]
            stages = ("postgres", "fetcher", "extractor", "matcher", "writer")
            rows.append(("1 CPU seconds per 1,000 calls", ", ".join(
                "%s %.2f" % (k, v * per) for k, v in sorted(cpu.items(), key=lambda kv: -kv[1])
                if k in stages),
                "PostgreSQL alone: %s s per 1,000 calls (wall)" % f(
                    p1["bound_s"] * per if p1.get("bound_s") else None, "%.2f"), ""))
    p2 = r.get("simulated_llm")
    if p2:
        for run_ in p2["runs"]:
            rows.append(("2 simulated LLM %s, %d calls%s" % (
                run_["config"], run_["calls"],
                "" if run_["processed"] == run_["calls"] else
                " (%d unprocessed)" % (run_["calls"] - run_["processed"])),
                         f(run_["calls_per_s"], "%.2f") + " calls/s",
                         "min(x*c/latency, rpm/60)/req per call: %s" %
                         f(run_["bound_calls_per_s"], "%.2f"),
                         f(run_["ratio"], "%.2f")))
        rows.append(("2 speed-up best (%s) / serial" % p2["best"], f(p2["speedup"], "%.1f") + "x",
                     "", ""))
    for c in r.get("matching_cost") or []:
        rows.append(("3 matching cost, %d features" % c["catalogue"],
                     "%s judge calls, %s prompt tokens per feature" %
                     (f(c["judge_calls_per_feature"], "%.2f"),
                      f(c["prompt_tokens_per_feature"], "%.0f")),
                     "seed: 1 call, %s tokens per feature" %
                     f(c["seed_prompt_tokens_per_feature"], "%.0f"),
                     f(c["prompt_tokens_per_feature"] / c["seed_prompt_tokens_per_feature"]
                       if c["seed_prompt_tokens_per_feature"] else None, "%.3f")))
    p4 = r.get("prefilter")
    if p4:
        s, d, n4 = p4["sparse"], p4["dense"], p4["config"]["features"]

        def mb(after, before):
            return (after["rss_kb"] - before["rss_kb"]) / 1024.0

        rows.append(("4 prefilter %d features, offline" % n4,
                     "top-5 in theme p50 %.1f ms, p99 %.1f ms" % (
                         s["theme"]["p50_us"] / 1000, s["theme"]["p99_us"] / 1000),
                     "catalogue +%.0f MB RSS; across themes p50 %.0f ms" % (
                         mb(s["mem_weighted"], s["mem_before"]), s["cross_theme"]["p50_us"] / 1000),
                     ""))
        rows.append(("4 prefilter %d features, %d dims" % (n4, d["dims"]),
                     "top-5 in theme p50 %.1f ms, p99 %.1f ms" % (
                         d["theme"]["p50_us"] / 1000, d["theme"]["p99_us"] / 1000),
                     "catalogue +%.0f MB RSS; plain scan of all p50 %.1f ms" % (
                         mb(d["mem_built"], d["mem_before"]),
                         d["reference_scan"]["p50_us"] / 1000),
                     ""))
    for key, name in (("dedup_offline", "offline"), ("dedup_llm", "simulated LLM")):
        d = r.get(key)
        if d:
            rows.append(("5 dedup, %s" % name,
                         "%s features per true request, %d wrong merges (%d mentions misfiled)" %
                         (f(d["features_per_true_request"], "%.2f"), d["wrong_merges"],
                          d["misfiled_mentions"]),
                         "ideal 1.00 and 0; %d of %d mentions found" %
                         (d["found_mentions"], d["truth_mentions"]), ""))
    w = [max(len(str(x[i])) for x in rows + [("benchmark", "measured", "bound", "ratio")])
         for i in range(4)]
    line = "  ".join("%-*s" % (w[i], h) for i, h in enumerate(("benchmark", "measured", "bound", "ratio")))
    print(line)
    print("-" * len(line))
    for x in rows:
        print("  ".join("%-*s" % (w[i], x[i]) for i in range(4)))
    m = r.get("machine", {})
    print("\n%s, %s cores, %s, kernel %s, %s; %.0f s in all" % (
        m.get("cpu"), m.get("cores"), m.get("memory"), m.get("kernel"), m.get("date"),
        r.get("total_s", 0)))


if __name__ == "__main__":
    sys.exit(main())
