#!/usr/bin/env bash
# How long curation takes on big features: `callsift feature merge` of a feature with N
# mentions into one with N more, its unmerge, and a split of 200 of its calls (one split takes
# at most 256), each timed as the CLI runs it (process start and connection included), and
# whether every mention_count still equals its links.
#
#   scripts/ci/with-pg.sh tests/load/bench_curate.sh [BUILD_DIR] [N ...]
#
# The rows are written by SQL (generate_series), as the writer would have written them: N
# calls with a link to A, N with a link to B, and a tenth of them linked to both.
set -euo pipefail
build=${1:-build}
shift || true
sizes=${*:-1000 10000 100000}
: "${DATABASE_URL:?run through scripts/ci/with-pg.sh, or set DATABASE_URL}"
cs() { "$build/bin/callsift" "$@"; }
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$DATABASE_URL" "$@"; }
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }

cs migrate >/dev/null
printf '%-8s %10s %10s %10s %10s\n' N merge_ms unmerge_ms split_ms counts_ok
for n in $sizes; do
    ws=$(cs workspace create --name "bench $n $$")
    a=$(sql -c "SELECT gen_random_uuid()")
    b=$(sql -c "SELECT gen_random_uuid()")
    sql -v ws="$ws" -v a="$a" -v b="$b" -v n="$n" <<'SQL'
INSERT INTO messages (id, workspace_id, source, external_id, sent_at, is_processed)
  SELECT gen_random_uuid(), :'ws', 'replay', 'c' || i, now() - i * interval '1 minute', true
  FROM generate_series(1, 2 * :n) i;
INSERT INTO features (id, workspace_id, name, name_key, mention_count)
  VALUES (:'a', :'ws', 'Feature A', 'feature a', 0), (:'b', :'ws', 'Feature B', 'feature b', 0);
INSERT INTO feature_messages (feature_id, message_id, quote, confidence)
  SELECT CASE WHEN substr(external_id, 2)::int <= :n THEN :'a'::uuid ELSE :'b'::uuid END, id,
         'quote ' || external_id, 0.8
  FROM messages WHERE workspace_id = :'ws';
INSERT INTO feature_messages (feature_id, message_id, quote, confidence)
  SELECT :'b', id, 'both', 0.8 FROM messages
  WHERE workspace_id = :'ws' AND substr(external_id, 2)::int <= :n / 10;
UPDATE features f SET mention_count = (SELECT count(*) FROM feature_messages
  WHERE feature_id = f.id) WHERE workspace_id = :'ws';
SQL
    merge=$(ms cs feature merge "$a" --into "$b" --by bench)
    unmerge=$(ms cs feature unmerge "$a" --by bench)
    calls=$(sql -c "SELECT string_agg('c' || i, ',') FROM generate_series(1, 200) i")
    split=$(ms cs feature split "$a" --calls "$calls" --name "Feature A, half" --by bench)
    off=$(sql -c "SELECT count(*) FROM features f WHERE workspace_id = '$ws' AND mention_count <>
                  (SELECT count(*) FROM feature_messages WHERE feature_id = f.id)")
    printf '%-8s %10s %10s %10s %10s\n' "$n" "$merge" "$unmerge" "$split" \
        "$([ "$off" = 0 ] && echo yes || echo "no ($off)")"
done
