#!/usr/bin/env bash
# Run the whole test suite of one build directory with ctest. Needs DATABASE_URL
# (scripts/ci/with-pg.sh provides a throwaway server). Exits non-zero on any failure.
set -euo pipefail
build=${1:-build}
: "${DATABASE_URL:?run through scripts/ci/with-pg.sh, or set DATABASE_URL}"
# Sanitizer builds: leaks make the process fail, overflows stop it with a report.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$build"
ctest --output-on-failure --timeout 900 ${CTEST_ARGS:-}
