#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster and print its DATABASE_URL on stdout.
#
#   scripts/ci/pg-start.sh [DIR]      DIR defaults to a new temporary directory
#
# The cluster lives entirely in DIR (data in DIR/data, unix socket in DIR), listens on
# 127.0.0.1 at a free port, trusts local connections and is owned by the `postgres` user when
# run as root (PostgreSQL refuses to run as root). Stop it with scripts/ci/pg-stop.sh DIR.
set -euo pipefail

dir=${1:-$(mktemp -d /tmp/callsift-pg.XXXXXX)}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "pg-start.sh: PostgreSQL server binaries not found (install postgresql)" >&2; exit 1; }

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then
    chown postgres: "$dir"
    chmod 755 "$dir"
    user=postgres
else
    user=$(id -un)
fi

# Below the kernel's ephemeral range (32768 and up on Linux), so no client connection can be
# handed the port as its source port between this check and the server's bind.
free_port() {
    local p
    for _ in $(seq 1 200); do
        p=$((20000 + RANDOM % 12000))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
    done
    return 1
}

if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$bindir/initdb" -D "$dir/data" -U "$user" --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
fi
start() {
    echo "$port" >"$dir/port"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir/port"; fi
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null 2>&1
}
# A restarted cluster keeps its port, so DATABASE_URLs handed out before stay valid. A new one
# takes another free port when the one it chose was taken before the server could bind it.
if [ -f "$dir/port" ]; then
    port=$(cat "$dir/port")
    start || { cat "$dir/server.log" >&2; exit 1; }
else
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        start && break
        if [ "$attempt" = 5 ] || ! grep -q "could not bind" "$dir/server.log"; then
            cat "$dir/server.log" >&2
            exit 1
        fi
        : >"$dir/server.log"
    done
fi
echo "postgresql://$user@/postgres?host=$dir&port=$port"
