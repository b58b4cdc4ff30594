#!/usr/bin/env bash
# Validate the deployment files without a Docker engine (CI runs it; it installs nothing):
#
#   * deploy/docker-compose.yml is valid with only deploy/.env.example (docker-compose config);
#   * its services are exactly postgres, migrate, writer, matcher, extractor, fetcher, console;
#   * the extractor has no container_name and no ports, and binds nothing, so that
#     `docker compose up --scale extractor=N` works with no other change;
#   * deploy/.env.example keeps to what both compose and run-local.sh --env-file read alike;
#   * shellcheck: deploy/*.sh, tests/e2e/*.sh, tests/browser/*.sh and tests/load/*.sh (following what they source) at every
#     severity, scripts/*/*.sh and .ci/run at warning and above;
#   * the shell of every RUN instruction of deploy/Dockerfile (continuations joined): sh -n,
#     then shellcheck with -s sh (RUN runs /bin/sh -c, dash on Debian).
#
#   deploy/check.sh        needs docker-compose (Debian: apt-get install docker-compose; or the
#                          `docker compose` plugin) and shellcheck
#
# Every check runs; the failures are listed at the end and the exit status is 1 if any failed.
set -euo pipefail
cd "$(dirname "$0")/.."

failures=()
fail() {
    echo "check: FAIL: $*" >&2
    failures+=("$*")
}
ok() { echo "check: ok: $*"; }

tmp=$(mktemp -d /tmp/callsift-check.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if command -v docker-compose >/dev/null 2>&1; then
    compose=(docker-compose)
elif docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
else
    echo "check: docker-compose not found (apt-get install docker-compose)" >&2
    exit 2
fi
command -v shellcheck >/dev/null 2>&1 || { echo "check: shellcheck not found (apt-get install shellcheck)" >&2; exit 2; }

# ---- the compose file ------------------------------------------------------------------------
dc() { "${compose[@]}" -f deploy/docker-compose.yml --env-file deploy/.env.example "$@"; }

if dc config -q 2>"$tmp/err"; then
    ok "docker-compose config (deploy/.env.example)"
else
    fail "docker-compose config: $(cat "$tmp/err")"
fi

expected="console extractor fetcher matcher migrate postgres writer"
services=$(dc config --services 2>"$tmp/err" | sort | tr '\n' ' ' | sed 's/ $//') || true
if [ "$services" = "$expected" ]; then
    ok "services: $services"
else
    fail "services are '$services', expected '$expected' $(cat "$tmp/err")"
fi

# The extractor's block of the resolved file (services at 2 spaces, their keys at 4).
dc config 2>/dev/null | awk '
    /^[^ ]/ { in_services = ($0 == "services:"); inside = 0; next }
    in_services && /^  [^ ]/ { inside = ($0 == "  extractor:"); next }
    inside { print }' >"$tmp/extractor"
if [ ! -s "$tmp/extractor" ]; then
    fail "no extractor service in the resolved compose file"
else
    before=${#failures[@]}
    if grep -q '^    container_name:' "$tmp/extractor"; then
        fail "the extractor has a container_name: --scale extractor=N would fail"
    fi
    if grep -q '^    ports:' "$tmp/extractor"; then
        fail "the extractor publishes ports: --scale extractor=N would fail"
    fi
    if grep -q 'tcp://\*' "$tmp/extractor"; then
        fail "the extractor binds an endpoint (tcp://*): scaled stages connect"
    fi
    [ ${#failures[@]} -gt "$before" ] || ok "extractor: no container_name, no ports, binds nothing"
fi

# ---- deploy/.env.example ---------------------------------------------------------------------
bad=$(grep -nvE '^(#.*)?$' deploy/.env.example | grep -vE '^[0-9]+:[A-Za-z_][A-Za-z0-9_]*=[^[:space:]"'"'"'$#]*$' || true)
if [ -z "$bad" ]; then
    ok "deploy/.env.example: plain KEY=VALUE lines"
else
    fail "deploy/.env.example: lines that compose and run-local.sh could read differently (no export, quotes, \$, spaces or inline comments):
$bad"
fi

# ---- shell scripts ---------------------------------------------------------------------------
for f in deploy/*.sh tests/e2e/*.sh tests/browser/*.sh tests/load/*.sh; do
    [ -e "$f" ] || continue
    if shellcheck -x -P SCRIPTDIR "$f" >"$tmp/sc" 2>&1; then ok "shellcheck $f"; else fail "shellcheck $f:
$(cat "$tmp/sc")"; fi
done
for f in scripts/*/*.sh .ci/run; do
    [ -e "$f" ] || continue
    if shellcheck -s bash -S warning "$f" >"$tmp/sc" 2>&1; then ok "shellcheck -S warning $f"; else fail "shellcheck $f:
$(cat "$tmp/sc")"; fi
done

# ---- the Dockerfile's RUN instructions -------------------------------------------------------
# One logical line per instruction: comment lines dropped (Docker drops them inside
# continuations too), backslash continuations joined.
awk '
    /^[[:space:]]*#/ { next }
    {
        line = $0
        if (sub(/\\[[:space:]]*$/, "", line)) { acc = acc line " "; next }
        acc = acc line
        if (acc ~ /[^[:space:]]/) print acc
        acc = ""
    }
    END { if (acc != "") print acc }' deploy/Dockerfile >"$tmp/instructions"
n=0
while IFS= read -r instr; do
    case "$instr" in
    RUN\ \[* | run\ \[*) continue ;; # exec form: no shell
    RUN\ * | run\ *) ;;
    *) continue ;;
    esac
    n=$((n + 1))
    script="$tmp/run-$n.sh"
    printf '#!/bin/sh\n%s\n' "${instr#* }" >"$script"
    if ! sh -n "$script" 2>"$tmp/err"; then
        fail "deploy/Dockerfile RUN #$n: sh -n: $(cat "$tmp/err")"
    elif ! shellcheck -s sh "$script" >"$tmp/sc" 2>&1; then
        fail "deploy/Dockerfile RUN #$n (${instr:0:60}...):
$(cat "$tmp/sc")"
    else
        ok "deploy/Dockerfile RUN #$n: ${instr:4:60}..."
    fi
done <"$tmp/instructions"
[ "$n" -gt 0 ] || fail "deploy/Dockerfile: no RUN instruction found"
grep -q '^USER callsift' deploy/Dockerfile || fail "deploy/Dockerfile: the runtime stage must run as USER callsift"

if [ ${#failures[@]} -gt 0 ]; then
    echo "check: ${#failures[@]} check(s) failed" >&2
    exit 1
fi
echo "check: all deployment checks passed"
