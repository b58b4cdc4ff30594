#!/usr/bin/env bash
# Run a command with DATABASE_URL pointing at a PostgreSQL server.
#
#   scripts/ci/with-pg.sh COMMAND [ARGS...]
#
# When DATABASE_URL is already set, that database is used as it is. Otherwise a throwaway
# cluster is started (scripts/ci/pg-start.sh), exported as DATABASE_URL for the command, and
# stopped and removed afterwards, whatever the command's outcome. Exits with the command's
# status. CALLSIFT_KEEP_PG=1 keeps the cluster (its directory is printed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [ -n "${DATABASE_URL:-}" ]; then
    exec "$@"
fi

dir=$(mktemp -d /tmp/callsift-pg.XXXXXX)
cleanup() {
    if [ "${CALLSIFT_KEEP_PG:-0}" = 1 ]; then
        echo "with-pg.sh: kept PostgreSQL in $dir (stop: scripts/ci/pg-stop.sh $dir)" >&2
    else
        "$here/pg-stop.sh" "$dir"
    fi
}
trap cleanup EXIT
DATABASE_URL=$("$here/pg-start.sh" "$dir")
export DATABASE_URL CALLSIFT_PG_DIR="$dir"
set +e
"$@"
status=$?
set -e
exit $status
