#!/usr/bin/env bash
# CPU of the offline extractor per 1,000 calls: callsift-loadgen writes N synthetic calls (seed
# 1, the stream `make bench` feeds the pipeline), `callsift-extractor --jsonl --provider
# offline` reads them in one-shot mode, and the user + system CPU seconds of the process
# (GNU time) are scaled to 1,000 calls. Each extractor runs R times, the extractors taking
# turns (A B A B ...) so that a noisy machine weighs on all alike; the median is printed, and
# with more than one extractor each one's ratio to the first.
#
#   tests/load/bench_extractor.sh [--calls N] [--reps R] [BUILD_DIR] [EXTRACTOR ...]
#
# BUILD_DIR (default build) gives callsift-loadgen and, with no EXTRACTOR, the extractor. Pass
# extractors to compare builds side by side, e.g. one built from the parent commit.
# No database, no network.
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
[ ${#exes[@]} -gt 0 ] || exes=("$build/bin/callsift-extractor")
for exe in "$build/bin/callsift-loadgen" "${exes[@]}"; do
    [ -x "$exe" ] || { echo "bench_extractor: $exe is not an executable (make build?)" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/bin/callsift-loadgen" --calls "$calls" --seed 1 --out "$work/calls.jsonl" \
    --truth "$work/truth.json" >/dev/null 2>&1

# one run of extractor $1: prints its user + system CPU seconds
cpu_of() {
    /usr/bin/time -f '%U %S' -o "$work/time" "$1" --jsonl --provider offline \
        <"$work/calls.jsonl" >"$work/out.jsonl" 2>/dev/null
    local lines
    lines=$(wc -l <"$work/out.jsonl")
    if [ "$lines" -ne "$calls" ]; then
        echo "bench_extractor: $1 answered $lines of $calls calls" >&2
        exit 1
    fi
    awk '{ printf "%.3f\n", $1 + $2 }' "$work/time"
}

for ((r = 0; r < reps; r++)); do
    for i in "${!exes[@]}"; do
        cpu_of "${exes[$i]}" >>"$work/cpu.$i"
    done
done

echo "offline extractor, $calls calls (callsift-loadgen --seed 1), $reps runs each, $(nproc) CPUs"
printf '%-50s %14s %14s %8s\n' extractor "cpu s/1k calls" "runs (s)" ratio
first=
for i in "${!exes[@]}"; do
    median=$(sort -n "$work/cpu.$i" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    per_k=$(awk -v m="$median" -v n="$calls" 'BEGIN { printf "%.2f", m * 1000 / n }')
    [ -n "$first" ] || first=$per_k
    ratio=$(awk -v a="$per_k" -v b="$first" 'BEGIN { printf "%.2f", a / b }')
    runs=$(paste -sd, "$work/cpu.$i")
    printf '%-50s %14s %14s %8s\n' "${exes[$i]}" "$per_k" "$runs" "$ratio"
done
