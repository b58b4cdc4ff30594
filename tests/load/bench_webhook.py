#!/usr/bin/env python3
"""How many Gong webhook deliveries the fetcher's listener answers a second.

Starts callsift-fetcher with --webhook-listen (URL key; Gong itself is unreachable, so the
accepted calls wait in the fetcher's queue, as they would while Gong's transcript endpoint is
slow) and sends it N deliveries, each a different call built from the bundled sample calls, one
after another over one keep-alive connection, as Gong's rule does. Run once without and once
with --webhook-spool (each accepted call written and fsynced before the answer), side by side.

    scripts/ci/with-pg.sh python3 tests/load/bench_webhook.py --bin build/bin --calls 2000
"""
import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time


def workspace(bin_dir):
    out = subprocess.run([os.path.join(bin_dir, "callsift"), "workspace", "create", "--name",
                          "bench-webhook-%d-%d" % (os.getpid(), time.time_ns())],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def run(bin_dir, ws, calls, spool, tmp):
    key = "bench-key-" + "0123456789abcdef" * 2
    key_file = os.path.join(tmp, "key")
    with open(key_file, "w") as f:
        f.write(key + "\n")
    log = open(os.path.join(tmp, "fetcher-%s.log" % ("spool" if spool else "memory")), "w")
    args = [os.path.join(bin_dir, "callsift-fetcher"), "--workspace-id", ws,
            "--webhook-listen", "127.0.0.1:0", "--webhook-url", "https://example.com/hook",
            "--webhook-key-file", key_file, "--gong-base-url", "http://127.0.0.1:9",
            "--calls-endpoint", "tcp://127.0.0.1:*", "--acks-endpoint", "tcp://127.0.0.1:9"]
    if spool:
        args += ["--webhook-spool", os.path.join(tmp, "spool")]
    env = dict(os.environ, GONG_ACCESS_KEY="k", GONG_ACCESS_KEY_SECRET="s")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
    port = None
    for _ in range(200):
        time.sleep(0.05)
        with open(log.name) as f:
            m = re.search(r"Listening for Gong webhooks on port (\d+)", f.read())
        if m:
            port = int(m.group(1))
            break
    if port is None:
        proc.kill()
        with open(log.name) as f:
            sys.exit("the fetcher did not start listening:\n" + f.read()[-2000:])
    conn = http.client.HTTPConnection("127.0.0.1", port)
    ok = 0
    start = time.monotonic()
    for i, body in enumerate(calls):
        conn.request("POST", "/hook/" + key, body=body,
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        ok += resp.status == 200
    seconds = time.monotonic() - start
    proc.terminate()
    proc.wait(timeout=30)
    log.close()
    return ok, seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="build/bin")
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--samples", default="samples/calls.jsonl")
    a = ap.parse_args()
    if "DATABASE_URL" not in os.environ:
        sys.exit("run through scripts/ci/with-pg.sh, or set DATABASE_URL")
    samples = [json.loads(line) for line in open(a.samples)]
    bodies = []
    for i in range(a.calls):
        call = json.loads(json.dumps(samples[i % len(samples)]))
        call.pop("transcript", None)
        call["metaData"]["id"] = str(8000000000000000000 + i)
        call["metaData"]["isPrivate"] = False
        bodies.append(json.dumps({"callData": call, "isTest": False}))
    ws = workspace(a.bin)
    size = sum(len(b) for b in bodies) / len(bodies)
    print("%d deliveries of %.1f KB on average, one connection, URL key" % (len(bodies),
                                                                           size / 1024))
    print("| listener | answered 200 | seconds | deliveries/s |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for spool in (False, True):
            ok, seconds = run(a.bin, ws, bodies, spool, tmp)
            print("| %s | %d | %.2f | %.0f |" % ("--webhook-spool" if spool else "in memory", ok,
                                                 seconds, len(bodies) / seconds))


if __name__ == "__main__":
    main()
