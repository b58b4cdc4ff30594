#!/usr/bin/env bash
# How fast the console answers on a big catalogue: for F features (each with 5 mentions over
# 2F calls of 200 customers, spread over 26 weeks, each with its match decision; a third of
# them wait for review), the median time of 5 GETs of each page as
# a browser fetches it (the whole HTML, curl's time_total), and the wall time of 40 requests of
# the Features page from 8 clients at once.
#
#   scripts/ci/with-pg.sh tests/load/bench_console.sh [BUILD_DIR] [F ...]
#
# The rows are written by SQL (generate_series), as the writer would have written them.
set -euo pipefail
build=${1:-build}
shift || true
sizes=${*:-1000 10000}
: "${DATABASE_URL:?run through scripts/ci/with-pg.sh, or set DATABASE_URL}"
cs() { "$build/bin/callsift" "$@"; }
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$DATABASE_URL" "$@"; }
token=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
auth() { printf 'header = "Authorization: Bearer %s"\n' "$token"; }
# the median of 5 fetches of $1, in ms
page_ms() {
    for _ in 1 2 3 4 5; do
        auth | curl -s -K - -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port$1"
    done | sort -n | sed -n 3p | awk '{ printf "%d", $1 * 1000 }'
}

cs migrate >/dev/null
port=18391
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
printf '%-7s %9s %9s %9s %9s %9s %9s %9s %12s\n' F features search feature review trends \
    customers calls 8x40_wall_ms
for f in $sizes; do
    ws=$(cs workspace create --name "bench console $f $$")
    sql -v ws="$ws" -v f="$f" <<'SQL' >/dev/null
INSERT INTO customers (id, workspace_id, name, mrr)
  SELECT gen_random_uuid(), :'ws', 'Customer ' || i, 100 * i FROM generate_series(1, 200) i;
INSERT INTO messages (id, workspace_id, customer_id, source, external_id, sent_at, is_processed,
                      message_metadata)
  SELECT gen_random_uuid(), :'ws',
         (SELECT id FROM customers WHERE workspace_id = :'ws' AND name = 'Customer ' || (1 + i % 200)),
         'replay', 'c' || i, now() - (i % 182) * interval '1 day', true,
         jsonb_build_object('title', 'Call ' || i)
  FROM generate_series(1, 2 * :f) i;
INSERT INTO features (id, workspace_id, theme_id, name, name_key, mention_count)
  SELECT gen_random_uuid(), :'ws', (SELECT id FROM themes WHERE workspace_id = :'ws' LIMIT 1),
         'Feature ' || i || ' sync with tool ' || (i % 97), 'feature ' || i, 0
  FROM generate_series(1, :f) i;
INSERT INTO feature_messages (feature_id, message_id, quote, confidence)
  SELECT f.id, m.id, 'We need feature ' || f.name, 0.8
  FROM (SELECT id, name, row_number() OVER (ORDER BY id) AS n FROM features
        WHERE workspace_id = :'ws') f
  CROSS JOIN generate_series(0, 4) k
  JOIN messages m ON m.workspace_id = :'ws'
   AND m.external_id = 'c' || (1 + (f.n * 7 + k * 131) % (2 * :f))
  ON CONFLICT DO NOTHING;
UPDATE feature_messages fm SET confidence = 0.3 + (abs(hashtext(fm.message_id::text)) % 70) / 100.0
  FROM features f WHERE f.id = fm.feature_id AND f.workspace_id = :'ws';
INSERT INTO match_decisions (workspace_id, message_id, feature_index, feature_id, action, method,
                             confidence, extracted)
  SELECT :'ws', fm.message_id,
         row_number() OVER (PARTITION BY fm.message_id ORDER BY fm.feature_id) - 1, fm.feature_id,
         'link', 'embedding', 0.5 + (abs(hashtext(fm.feature_id::text)) % 50) / 100.0,
         jsonb_build_object('title', f.name)
  FROM feature_messages fm JOIN features f ON f.id = fm.feature_id WHERE f.workspace_id = :'ws';
UPDATE features x SET mention_count = (SELECT count(*) FROM feature_messages
  WHERE feature_id = x.id) WHERE workspace_id = :'ws';
ANALYZE;
SQL
    one=$(sql -c "SELECT id FROM features WHERE workspace_id = '$ws' ORDER BY mention_count DESC LIMIT 1")
    CALLSIFT_UI_TOKEN=$token "$build/bin/callsift" serve --listen "127.0.0.1:$port" \
        --workspace-id "$ws" --log-level warning &
    server=$!
    for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
    features=$(page_ms /features)
    search=$(page_ms '/features?q=tool+42')
    feature=$(page_ms "/features/$one")
    review=$(page_ms /review)
    trends=$(page_ms /trends)
    customers=$(page_ms /customers)
    calls=$(page_ms /calls)
    t0=$(date +%s%N)
    clients=()
    for _ in $(seq 8); do
        (for _ in $(seq 5); do auth | curl -s -K - -o /dev/null "http://127.0.0.1:$port/features"; done) &
        clients+=($!)
    done
    wait "${clients[@]}"
    t1=$(date +%s%N)
    kill "$server"
    wait "$server" 2>/dev/null || true
    printf '%-7s %9s %9s %9s %9s %9s %9s %9s %12s\n' "$f" "$features" "$search" "$feature" \
        "$review" "$trends" "$customers" "$calls" $(((t1 - t0) / 1000000))
done
