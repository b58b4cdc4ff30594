#!/usr/bin/env bash
# Stop a cluster started by scripts/ci/pg-start.sh and remove its directory.
#   scripts/ci/pg-stop.sh DIR [--keep]
set -euo pipefail
dir=${1:?usage: pg-stop.sh DIR [--keep]}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -f "$dir/data/postmaster.pid" ]; then
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    else
        "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
fi
[ "${2:-}" = "--keep" ] || rm -rf "$dir"
