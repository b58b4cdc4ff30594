#!/usr/bin/env bash
# Run each unit test binary under valgrind; a leak or memory error fails the run.
# Criterion runs every test in a child process whose exit status valgrind's --error-exitcode
# does not reach the runner through, so each process writes its own log and the logs are
# scanned: any "definitely/indirectly lost" bytes or any error fails.
# Valgrind runs one thread at a time; --fair-sched=yes hands the CPU round the threads in turn,
# so a fake server's thread does not wait behind the client's and the arrival times that the
# pacing tests read stay close to when requests were sent.
set -euo pipefail
build=${1:-build}
: "${DATABASE_URL:?run through scripts/ci/with-pg.sh, or set DATABASE_URL}"
status=0
logs="$build/valgrind"
rm -rf "$logs"
mkdir -p "$logs"
for src in tests/unit/test_*.c; do
    name=$(basename "$src" .c)
    bin="$build/tests/$name"
    [ -x "$bin" ] || continue
    mkdir -p "$logs/$name"
    printf -- '-- valgrind %-14s ' "$name"
    if ! valgrind --fair-sched=yes --leak-check=full --show-leak-kinds=definite,indirect \
        --errors-for-leak-kinds=definite,indirect --trace-children=yes \
        --log-file="$logs/$name/vg.%p" "$bin" --jobs 1 >"$logs/$name/stdout" 2>&1; then
        echo "FAILED (test failure under valgrind)"
        tail -n 20 "$logs/$name/stdout"
        status=1
        continue
    fi
    bad=$(grep -lE "ERROR SUMMARY: [1-9]|(definitely|indirectly) lost: [1-9]" "$logs/$name"/vg.* || true)
    if [ -n "$bad" ]; then
        echo "FAILED"
        cat $bad
        status=1
    else
        echo "clean ($(find "$logs/$name" -maxdepth 1 -name 'vg.*' | wc -l) processes)"
    fi
done
exit $status
