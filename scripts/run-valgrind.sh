#!/usr/bin/env bash
# Run each unit test binary under valgrind; a leak or memory error fails the run.
# Criterion forks a child per test; valgrind follows it (--trace-children=yes and the fork
# is traced by default) and --error-exitcode makes the child, hence the test, fail.
set -euo pipefail
build=${1:-build}
: "${DATABASE_URL:?run through scripts/with-pg.sh, or set DATABASE_URL}"
status=0
for src in tests/unit/test_*.c; do
    name=$(basename "$src" .c)
    bin="$build/tests/$name"
    [ -x "$bin" ] || continue
    echo "-- valgrind $name"
    if ! valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
        --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --trace-children=yes \
        "$bin" --jobs 1 >"$build/$name.valgrind.log" 2>&1; then
        cat "$build/$name.valgrind.log"
        status=1
    else
        tail -n 1 "$build/$name.valgrind.log"
    fi
done
exit $status
