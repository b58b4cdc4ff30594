#!/usr/bin/env bash
# Install what callsift needs to build, test and run, from Debian's packages.
# Idempotent and quick when everything is already there (no apt-get update then).
# CALLSIFT_DEPS_EXTRA="pkg ...": more packages. CALLSIFT_DEPS_MODE=build: only what building
# the executables needs, without the tests' (Criterion, PostgreSQL, curl, python3, and the browser
# tests' chromium, chromium-driver, python3-selenium): deploy/Dockerfile.
# CALLSIFT_DEPS_MODE=fuzz: what building needs plus clang and its libFuzzer (make fuzz);
# libclang-rt-14-dev is only recommended by clang on Debian 12, so it is named here.
set -euo pipefail

PKGS=(build-essential cmake pkg-config libstemmer-dev
      libzmq3-dev libczmq-dev libcurl4-openssl-dev libmsgpack-dev libpq-dev
      libjansson-dev libmicrohttpd-dev uuid-dev libidn2-dev libjwt-dev libssl-dev)
case "${CALLSIFT_DEPS_MODE:-all}" in
all) PKGS+=(libcriterion-dev postgresql postgresql-client curl python3
            chromium chromium-driver python3-selenium) ;;
build) ;;
fuzz) PKGS+=(clang libclang-rt-14-dev llvm) ;;
*) echo "deps.sh: CALLSIFT_DEPS_MODE must be 'all', 'build' or 'fuzz'" >&2; exit 2 ;;
esac
if [ "${CALLSIFT_DEPS_EXTRA:-}" != "" ]; then
    read -r -a extra <<<"$CALLSIFT_DEPS_EXTRA"
    PKGS+=("${extra[@]}")
fi

missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: missing packages: ${missing[*]}; run as root or install them" >&2
    exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
