#!/usr/bin/env bash
# CPU of the fetcher replaying calls, per 1,000 calls: callsift-loadgen writes N synthetic calls
# (seed 1, the stream `make bench` feeds the pipeline), `callsift-fetcher --replay` sends them
# to bench_fetcher_sink (tests/load/fetcher_sink.c), which acks each one at once as the writer
# would, and the user + system CPU seconds of the fetcher process (GNU time) are scaled to
# 1,000 calls. The workspace has the stream's customers, as in `make bench`, and its vendor
# domains are emptied before each run, so every run learns them afresh. Each fetcher runs R
# times, the fetchers taking turns (A B A B ...) so that a noisy machine weighs on all alike;
# the median is printed, and with more than one fetcher each one's ratio to the first.
# The records each fetcher sent in its first run are captured frame by frame and compared
# with the first fetcher's: "same" means byte-identical, and a difference fails the script.
#
#   scripts/ci/with-pg.sh tests/load/bench_fetcher.sh [--calls N] [--reps R] [BUILD_DIR]
#       [FETCHER ...]
#
# BUILD_DIR (default build) gives callsift, callsift-loadgen, bench_fetcher_sink and, with no
# FETCHER, the fetcher. Pass fetchers to compare builds side by side, e.g. one built from the
# parent commit. Needs DATABASE_URL (a role that may run migrations); loopback ports only.
set -euo pipefail
calls=1000
reps=5
while [ $# -gt 0 ]; do
    case $1 in
    --calls) calls=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    *) break ;;
    esac
done
build=${1:-build}
shift || true
exes=("$@")
[ ${#exes[@]} -gt 0 ] || exes=("$build/bin/callsift-fetcher")
: "${DATABASE_URL:?run through scripts/ci/with-pg.sh, or set DATABASE_URL}"
for exe in "$build/bin/callsift" "$build/bin/callsift-loadgen" "$build/bin/bench_fetcher_sink" \
    "${exes[@]}"; do
    [ -x "$exe" ] || { echo "bench_fetcher: $exe is not an executable (make build?)" >&2; exit 2; }
done
work=$(mktemp -d)
sink_pid=
# shellcheck disable=SC2317 # run by the trap below
cleanup() {
    if [ -n "$sink_pid" ]; then
        kill "$sink_pid" 2>/dev/null || true
        wait "$sink_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
"$build/bin/callsift-loadgen" --calls "$calls" --seed 1 --out "$work/calls.jsonl" \
    --truth "$work/truth.json" >/dev/null 2>&1

cs() { "$build/bin/callsift" "$@"; }
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$DATABASE_URL" "$@"; }
cs migrate >/dev/null
ws=$(cs workspace create --name "bench fetcher $$")
/usr/bin/python3 -c '
import json, sys
for c in json.load(open(sys.argv[1]))["customers"]:
    print("%s\t%s\t%.2f" % (c["name"], c["domain"], c["mrr"]))' "$work/truth.json" |
    while IFS=$'\t' read -r name domain mrr; do
        cs customer add --workspace-id "$ws" --name "$name" --domain "$domain" --mrr "$mrr" \
            >/dev/null
    done

# a free loopback port
port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# one run of fetcher $1 (index $2, run $3): prints its user + system CPU seconds
cpu_of() {
    local calls_ep acks_ep capture=()
    calls_ep="tcp://127.0.0.1:$(port)"
    acks_ep="tcp://127.0.0.1:$(port)"
    [ "$3" -ne 0 ] || capture=(--capture "$work/sent.$2")
    sql -c "UPDATE workspaces SET vendor_domains = '{}' WHERE id = '$ws'"
    "$build/bin/bench_fetcher_sink" --calls-endpoint "$calls_ep" --acks-endpoint "$acks_ep" \
        --workspace-id "$ws" "${capture[@]}" 2>"$work/sink.log" &
    sink_pid=$!
    if ! /usr/bin/time -f '%U %S' -o "$work/time" "$1" --workspace-id "$ws" --replay \
        "$work/calls.jsonl" --calls-endpoint "$calls_ep" --acks-endpoint "$acks_ep" \
        >"$work/fetcher.log" 2>&1; then
        echo "bench_fetcher: $1 failed:" >&2
        tail -5 "$work/fetcher.log" >&2
        exit 1
    fi
    kill "$sink_pid"
    if ! wait "$sink_pid"; then
        echo "bench_fetcher: the sink failed:" >&2
        cat "$work/sink.log" >&2
        exit 1
    fi
    sink_pid=
    if ! grep -q "Successfully ingested $calls calls" "$work/fetcher.log"; then
        echo "bench_fetcher: $1 did not ingest $calls calls:" >&2
        tail -5 "$work/fetcher.log" >&2
        exit 1
    fi
    awk '{ printf "%.3f\n", $1 + $2 }' "$work/time"
}

for ((r = 0; r < reps; r++)); do
    for i in "${!exes[@]}"; do
        cpu_of "${exes[$i]}" "$i" "$r" >>"$work/cpu.$i"
    done
done

echo "fetcher --replay, $calls calls (callsift-loadgen --seed 1), $reps runs each, $(nproc) CPUs"
printf '%-50s %14s %22s %8s %6s\n' fetcher "cpu s/1k calls" "runs (s)" ratio sent
first=
status=0
for i in "${!exes[@]}"; do
    median=$(sort -n "$work/cpu.$i" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    per_k=$(awk -v m="$median" -v n="$calls" 'BEGIN { printf "%.2f", m * 1000 / n }')
    [ -n "$first" ] || first=$per_k
    ratio=$(awk -v a="$per_k" -v b="$first" 'BEGIN { printf "%.2f", a / b }')
    runs=$(paste -sd, "$work/cpu.$i")
    same=same
    if ! cmp -s "$work/sent.0" "$work/sent.$i"; then
        same=DIFFER
        status=1
    fi
    printf '%-50s %14s %22s %8s %6s\n' "${exes[$i]}" "$per_k" "$runs" "$ratio" "$same"
done
[ "$status" -eq 0 ] || echo "bench_fetcher: the fetchers sent different records" >&2
exit $status
