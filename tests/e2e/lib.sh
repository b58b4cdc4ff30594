# shellcheck shell=bash disable=SC2034,SC2154  # variables set here are the caller's, e2e_name too
# tests/e2e/lib.sh: the set-up the shell end-to-end tests share. A test sets `e2e_name` (how its
# messages start) and sources this file after `set -euo pipefail`:
#
#     e2e_name=test_outcome
#     . "$(dirname "$0")/lib.sh"
#
# It sets `here`, the source tree, and defines:
#
#   fail MESSAGE             "NAME: FAIL: MESSAGE" on stderr, exit 1
#   e2e_bin DIR EXE...       bin=DIR made absolute, once DIR holds the executables EXE...
#   e2e_work KIND            work=/tmp/callsift-KIND.XXXXXX and db=cs_test_KIND_<pid>_<random>
#                            (not created yet); on exit the database is dropped once created
#                            (created=1), the work directory removed after success and kept
#                            (and named) after a failure
#   e2e_need_pg              DATABASE_URL (a server where the role may create databases) is
#                            set and psql is there: admin_url=DATABASE_URL
#   e2e_create_db            after e2e_need_pg and e2e_work: creates $db on admin_url's server,
#                            created=1, url=its URL
#   db_url URL NAME          the URL of database NAME on URL's server (URI or key=value form)
#   e2e_free_ports N         base=the first of N free loopback ports in a row, below the
#                            ephemeral range
#   e2e_environment [VAR=VALUE...]
#                            environment=(PATH HOME DATABASE_URL=$url VAR=VALUE... and the
#                            sanitizer options that are set): a clean environment for env -i

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

fail() {
    echo "$e2e_name: FAIL: $*" >&2
    exit 1
}

e2e_bin() {
    local dir=$1 exe
    shift
    [ -d "$dir" ] || fail "no bin directory '$dir' (make build)"
    bin=$(cd "$dir" && pwd)
    for exe in "$@"; do
        [ -x "$bin/$exe" ] || fail "$bin/$exe not found (make build)"
    done
}

e2e_work() {
    db="cs_test_$1_$$_$RANDOM"
    work=$(mktemp -d "/tmp/callsift-$1.XXXXXX")
    created=0
    trap e2e_cleanup EXIT
    trap 'exit 130' INT TERM
}

e2e_cleanup() {
    local status=$?
    if [ "$created" = 1 ]; then
        psql -X -q -d "$admin_url" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 ||
            echo "$e2e_name: could not drop database $db" >&2
    fi
    if [ "$status" = 0 ]; then
        rm -rf "$work"
    else
        echo "$e2e_name: logs kept in $work" >&2
    fi
}

db_url() {
    local url=$1 dbname=$2 scheme rest query=""
    case "$url" in
    postgres://* | postgresql://*)
        scheme=${url%%://*}
        rest=${url#*://}
        case "$rest" in *\?*) query="?${rest#*\?}"; rest=${rest%%\?*} ;; esac
        echo "$scheme://${rest%%/*}/$dbname$query"
        ;;
    *) echo "$url dbname=$dbname" ;;
    esac
}

e2e_need_pg() {
    : "${DATABASE_URL:?$e2e_name: DATABASE_URL must point at a PostgreSQL server (scripts/ci/with-pg.sh)}"
    command -v psql >/dev/null || fail "psql not found (postgresql-client)"
    admin_url=$DATABASE_URL
}

e2e_create_db() {
    psql -X -q -v ON_ERROR_STOP=1 -d "$admin_url" -c "CREATE DATABASE \"$db\"" >/dev/null ||
        fail "cannot create database $db on DATABASE_URL's server"
    created=1
    url=$(db_url "$admin_url" "$db")
}

e2e_port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

e2e_free_ports() {
    local n=$1 p k free
    base=""
    for _ in $(seq 1 100); do
        p=$((20000 + RANDOM % 12000))
        free=1
        for k in $(seq 0 $((n - 1))); do
            if e2e_port_in_use $((p + k)); then free=0; break; fi
        done
        if [ "$free" = 1 ]; then
            base=$p
            return 0
        fi
    done
    fail "no $n free loopback ports in a row"
}

e2e_environment() {
    local key
    environment=(PATH="$PATH" HOME="${HOME:-/tmp}" DATABASE_URL="$url" "$@")
    for key in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
        if [ -n "${!key+set}" ]; then environment+=("$key=${!key}"); fi
    done
}
