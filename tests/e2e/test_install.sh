#!/usr/bin/env bash
# `make install` with DESTDIR and PREFIX, checked file by file, and the installed executables
# run from where they landed.
#
#   tests/e2e/test_install.sh [BUILD-DIR]     (default build; the Makefile's BUILD)
#
#   1. make install BUILD=BUILD-DIR DESTDIR=$tmp PREFIX=/usr: nothing outside $tmp/usr; the five
#      executables, and only they, in usr/bin; each runs from there and its --help says its
#      name, as its help page in usr/share/doc/callsift does; the CLI's page has every command;
#      the migrations in usr/share/callsift/migrations are schema/sql's, byte for byte; the
#      deploy files in usr/share/callsift/deploy, and the installed run-local.sh finds usr/bin
#      by itself.
#   2. make install DESTDIR=$tmp2 without PREFIX: everything under usr/local.
#
# Exits 0 when everything holds, 1 with a message otherwise.
set -euo pipefail

e2e_name=test_install
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
build=${1:-$here/build}
[ -f "$build/CMakeCache.txt" ] || fail "no configured build directory '$build' (make build)"
build=$(cd "$build" && pwd)
work=$(mktemp -d /tmp/callsift-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
exes=(callsift callsift-fetcher callsift-extractor callsift-matcher callsift-writer)

# ---- 1. PREFIX=/usr under DESTDIR ----------------------------------------------------------
dest=$work/dest
make -s -C "$here" install BUILD="$build" DESTDIR="$dest" PREFIX=/usr >"$work/install.out" 2>&1 ||
    fail "make install: $(tail -n 20 "$work/install.out")"
outside=$(find "$dest" -mindepth 1 -maxdepth 1 ! -name usr)
[ -z "$outside" ] || fail "installed outside PREFIX: $outside"

root=$dest/usr
installed=$(find "$root/bin" -mindepth 1 -printf '%f\n' | sort | tr '\n' ' ')
expected=$(printf '%s\n' "${exes[@]}" | sort | tr '\n' ' ')
[ "$installed" = "$expected" ] || fail "usr/bin holds '$installed', expected '$expected'"

for exe in "${exes[@]}"; do
    [ -x "$root/bin/$exe" ] || fail "$exe is not executable"
    # run from the installed copy, with no build directory on the PATH
    (cd "$work" && env -i PATH=/usr/bin:/bin ASAN_OPTIONS=detect_leaks=0 "$root/bin/$exe" --help) \
        >"$work/$exe.help" 2>&1 || fail "installed $exe --help: exit status $? ($(head -n 3 "$work/$exe.help"))"
    head -n 1 "$work/$exe.help" | grep -q "^Usage: $exe " || fail "installed $exe --help: $(head -n 1 "$work/$exe.help")"
    page=$root/share/doc/callsift/$exe.txt
    [ -s "$page" ] || fail "no help page $page"
    head -n 1 "$page" | grep -q "^Usage: $exe " || fail "$exe.txt does not start with its usage: $(head -n 1 "$page")"
    if [ "$exe" != callsift ]; then
        cmp -s "$page" "$work/$exe.help" || fail "$exe.txt is not what the installed $exe --help prints"
    fi
done
# the CLI's page: every command listed by `callsift --help` has its section
commands=$(sed -n '/^Commands:/,/^$/p' "$work/callsift.help" | sed -n 's/^  \([a-z][a-z-]*\( [a-z][a-z-]*\)\{0,1\}\)  .*/\1/p')
[ "$(echo "$commands" | grep -c .)" -ge 5 ] || fail "callsift --help lists no commands: $(cat "$work/callsift.help")"
while IFS= read -r command; do
    grep -qxF -- "---- callsift $command ----" "$root/share/doc/callsift/callsift.txt" ||
        fail "callsift.txt has no section for '$command'"
    grep -q "^Usage: callsift $command " "$root/share/doc/callsift/callsift.txt" ||
        fail "callsift.txt lacks the usage of '$command'"
done <<<"$commands"
cmp -s "$root/share/doc/callsift/README.md" "$here/README.md" || fail "README.md not installed"

for sql in "$here"/schema/sql/*.sql; do
    cmp -s "$sql" "$root/share/callsift/migrations/$(basename "$sql")" ||
        fail "migration $(basename "$sql") missing or different in share/callsift/migrations"
done
[ "$(find "$root/share/callsift/migrations" -type f | wc -l)" = "$(find "$here/schema/sql" -name '*.sql' | wc -l)" ] ||
    fail "share/callsift/migrations holds other files: $(ls "$root/share/callsift/migrations")"
for f in docker-compose.yml .env.example Dockerfile run-local.sh; do
    cmp -s "$here/deploy/$f" "$root/share/callsift/deploy/$f" || fail "deploy/$f missing or different in share/callsift/deploy"
done
[ -x "$root/share/callsift/deploy/run-local.sh" ] || fail "the installed run-local.sh is not executable"
# it finds PREFIX/bin itself: it gets past the executables and stops only for DATABASE_URL
status=0
env -i PATH=/usr/bin:/bin "$root/share/callsift/deploy/run-local.sh" -- --replay none >"$work/run-local.out" 2>&1 || status=$?
[ "$status" != 0 ] || fail "the installed run-local.sh ran without DATABASE_URL"
grep -q "DATABASE_URL must be set" "$work/run-local.out" ||
    fail "the installed run-local.sh did not find usr/bin: $(cat "$work/run-local.out")"
echo "test_install: ok: make install DESTDIR PREFIX=/usr: 5 executables run from usr/bin, help pages, migrations, deploy files"

# ---- 2. the default PREFIX ------------------------------------------------------------------
dest=$work/default
make -s -C "$here" install BUILD="$build" DESTDIR="$dest" >"$work/default.out" 2>&1 ||
    fail "make install (default PREFIX): $(tail -n 20 "$work/default.out")"
for exe in "${exes[@]}"; do
    [ -x "$dest/usr/local/bin/$exe" ] || fail "default PREFIX: no usr/local/bin/$exe"
done
[ -s "$dest/usr/local/share/callsift/migrations/001_initial.sql" ] || fail "default PREFIX: no migrations in usr/local/share/callsift"
[ "$(find "$dest" -mindepth 1 -maxdepth 2 | tr '\n' ' ')" = "$dest/usr $dest/usr/local " ] ||
    fail "default PREFIX: installed outside usr/local: $(find "$dest" -mindepth 1 -maxdepth 2)"
echo "test_install: ok: make install DESTDIR with the default PREFIX /usr/local"
echo "test_install: PASS"
