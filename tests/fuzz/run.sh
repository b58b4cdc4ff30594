#!/usr/bin/env bash
# Run every fuzz target of a CALLSIFT_FUZZ build for SECONDS each, one after the other:
#   tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]
# Each starts from its working corpus (BUILD_DIR/fuzz-corpus/<target>, where it keeps what it
# finds between runs), the seeds (BUILD_DIR/fuzz-seeds/<target>) and the checked-in crash inputs
# (tests/fuzz/corpus/<target>), with its dictionary from tests/fuzz/dict/. A crash, leak,
# timeout or broken invariant stops that target with its input in BUILD_DIR/fuzz-crashes/ and
# fails the run (after the other targets have run). Prints one line of figures per target and
# a closing "N passed, N failed".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run.sh BUILD_DIR SECONDS [TARGET...]}
seconds=${2:?usage: run.sh BUILD_DIR SECONDS [TARGET...]}
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(record gongcall replay insights judge)

# Sanitizers: any report is fatal; leaks are checked per input by libFuzzer.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0
failed=0
mkdir -p "$build/fuzz-crashes" "$build/fuzz-logs"
for t in "${targets[@]}"; do
    bin="$build/bin/fuzz/fuzz_$t"
    if [ ! -x "$bin" ]; then
        echo "fuzz $t: no $bin (build with -DCALLSIFT_FUZZ=ON: make fuzz)" >&2
        failed=$((failed + 1))
        continue
    fi
    dict="$here/dict/$t.dict"
    [ "$t" = replay ] && dict="$here/dict/gongcall.dict"
    args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
          -artifact_prefix="$build/fuzz-crashes/$t-")
    [ -f "$dict" ] && args+=(-dict="$dict")
    mkdir -p "$build/fuzz-corpus/$t"
    log="$build/fuzz-logs/$t.log"
    status=0
    "$bin" "${args[@]}" "$build/fuzz-corpus/$t" "$build/fuzz-seeds/$t" "$here/corpus/$t" \
        >"$log" 2>&1 || status=$?
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
    runs=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' "$log")
    speed=$(sed -n 's/^stat::average_exec_per_sec:[[:space:]]*//p' "$log")
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -n 1 || true)
    if [ $status -eq 0 ] && [ -n "$done_line" ]; then
        printf 'fuzz %-9s ok: %s runs, %s exec/s, %s\n' "$t" "${runs:-?}" "${speed:-?}" "$cov"
        passed=$((passed + 1))
    else
        printf 'fuzz %-9s FAILED (exit %d) after %s runs; log %s\n' "$t" "$status" "${runs:-?}" \
            "$log"
        grep -E 'ERROR|invariant|SUMMARY|Test unit written|^    #[0-9]+ ' "$log" | head -n 30 || true
        echo "  reproduce: $bin <input>; keep the input as a regression: $here/corpus/$t/"
        failed=$((failed + 1))
    fi
done
echo "fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]
