#!/usr/bin/env bash
# The console (`callsift serve`) in a real browser: Debian's chromium, headless, driven by
# chromium-driver through python3-selenium (tests/browser/test_console.py says what it checks).
#
#   DATABASE_URL=postgresql://... tests/browser/run.sh [BIN-DIR]     (default build/bin)
#
# DATABASE_URL is a server where the role may create databases; the test makes its own
# (cs_test_browser_*), fills it with the demo's workspace and its pipeline run on the sample
# calls (scripts/demo/demo.sh), adds a hostile call (HTML and script in its title, quote, speaker
# and Gong link) linked to a feature, starts `callsift serve` on a free loopback port with a
# generated token file, runs the browser, then stops the server and drops the database whatever
# happens. Screenshots of every page land in $CALLSIFT_ARTIFACTS/console/NAME.png (default: the
# build directory's artifacts/, i.e. build/artifacts for build/bin).
#
# Exits 0 when everything holds, 1 with a message otherwise; the logs are kept on failure.
set -euo pipefail

e2e_name=console_browser
# shellcheck source=../e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
e2e_bin "${1:-$here/build/bin}" callsift callsift-writer callsift-matcher callsift-extractor callsift-fetcher
e2e_need_pg
cd "$here"

# The browser and its driver (scripts/ci/deps.sh installs them), and a python3 with selenium:
# Debian's python3-selenium is /usr/bin/python3's, which another python3 on PATH may not see.
python=""
for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import selenium' 2>/dev/null; then
        python=$candidate
        break
    fi
done
[ -n "$python" ] || fail "no python3 with selenium (python3-selenium; scripts/ci/deps.sh installs it)"
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || fail "chromium not found (scripts/ci/deps.sh installs it)"
chromedriver=$(command -v chromedriver || true)
[ -n "$chromedriver" ] || fail "chromedriver not found (chromium-driver; scripts/ci/deps.sh installs it)"

artifacts=${CALLSIFT_ARTIFACTS:-$(dirname "$bin")/artifacts}
mkdir -p "$artifacts/console"
artifacts=$(cd "$artifacts" && pwd)
rm -f "$artifacts/console/"*.png # a page not reached this time leaves no old picture

e2e_work browser
server_pid=""
stop_server() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=""
}
cleanup() {
    local status=$?
    set +e
    stop_server
    (exit "$status")
    e2e_cleanup # reads the status from $?
}
trap cleanup EXIT
e2e_create_db

# ---- the data: the demo's workspace, themes, customers and pipeline run ---------------------
# (TMPDIR: the demo's logs go into the work directory, removed with it)
DATABASE_URL=$url TMPDIR=$work timeout 240 scripts/demo/demo.sh "$(dirname "$bin")" >"$work/demo.log" 2>&1 ||
    fail "scripts/demo/demo.sh on the test's database failed; see $work/demo.log"
export DATABASE_URL=$url
ws=$("$bin/callsift" workspace list --format csv | awk -F, 'NR > 1 && $2 == "Demo workspace" { print $1 }')
[ -n "$ws" ] || fail "the demo made no 'Demo workspace'; see $work/demo.log"
n=$(psql -X -At -d "$url" -c "SELECT count(*) FROM features WHERE merged_into IS NULL AND status <> 'rejected'")
[ "$n" -ge 4 ] || fail "the demo made $n live features, wanted at least 4; see $work/demo.log"

# ---- the hostile call: markup and script in every text a page shows -------------------------
hostile_title='<script>alert("t")</script> Q3 "><img src=x onerror=alert(1)>'
hostile_quote='We need <script>alert("q")</script> exports "><img onerror=alert(2) src=x> by Friday'
hostile_speaker='Mallory <b>Bold</b> "><svg onload=alert(4)>'
hostile_url='javascript:alert(3)'
# The feature it is linked to: the live feature with the most mentions (the merge test takes
# two of the least mentioned ones).
hostile_feature=$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$url" \
    -v title="$hostile_title" -v quote="$hostile_quote" -v speaker="$hostile_speaker" \
    -v gong_url="$hostile_url" -v ws="$ws" 2>"$work/hostile.err" <<'SQL'
WITH target AS (
    SELECT id FROM features
    WHERE workspace_id = :'ws' AND merged_into IS NULL AND status <> 'rejected'
    ORDER BY mention_count DESC, name LIMIT 1),
hostile AS (
    INSERT INTO messages (id, workspace_id, customer_id, content, source, external_id, sent_at,
                          is_processed, processed_at, message_metadata)
    SELECT gen_random_uuid(), :'ws',
           (SELECT id FROM customers WHERE workspace_id = :'ws' ORDER BY name LIMIT 1),
           :'quote', 'gong', 'hostile-call-1',
           (SELECT max(sent_at) FROM messages WHERE workspace_id = :'ws'), true, now(),
           jsonb_build_object('call_id', 'hostile-call-1', 'title', :'title', 'url', :'gong_url',
                              'transcript_text', :'quote')
    RETURNING id),
link AS (
    INSERT INTO feature_messages (feature_id, message_id, quote, speaker, confidence)
    SELECT target.id, hostile.id, :'quote', :'speaker', 0.9 FROM target, hostile
    RETURNING feature_id)
UPDATE features SET mention_count = mention_count + 1,
                    last_mentioned = greatest(last_mentioned,
                        (SELECT max(sent_at) FROM messages WHERE workspace_id = :'ws'))
FROM link WHERE features.id = link.feature_id
RETURNING features.id;
SQL
) || fail "adding the hostile call: $(cat "$work/hostile.err")"
[ -n "$hostile_feature" ] || fail "the hostile call was linked to no feature"

# ---- the server -------------------------------------------------------------------------------
token_file=$work/ui-token
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$token_file")
e2e_free_ports 1
port=$base
e2e_environment CALLSIFT_UI_TOKEN_FILE="$token_file"
env -i "${environment[@]}" "$bin/callsift" serve --listen "127.0.0.1:$port" --workspace-id "$ws" \
    >"$work/serve.log" 2>&1 &
server_pid=$!
ready=0
for _ in $(seq 1 300); do
    kill -0 "$server_pid" 2>/dev/null || fail "callsift serve exited: $(cat "$work/serve.log")"
    if grep -q "Console listening on http://127.0.0.1:$port/" "$work/serve.log" &&
        curl -s -o /dev/null "http://127.0.0.1:$port/login"; then
        ready=1
        break
    fi
    sleep 0.1
done
[ "$ready" = 1 ] || fail "callsift serve did not answer on 127.0.0.1:$port within 30 s: $(cat "$work/serve.log")"

# ---- the browser --------------------------------------------------------------------------
status=0
timeout 300 "$python" tests/browser/test_console.py --url "http://127.0.0.1:$port" \
    --token-file "$token_file" --database-url "$url" --artifacts "$artifacts/console" --profile "$work/chromium" \
    --chromium "$chromium" --chromedriver "$chromedriver" --hostile-feature "$hostile_feature" \
    --hostile-title "$hostile_title" --hostile-quote "$hostile_quote" \
    --hostile-speaker "$hostile_speaker" || status=$?
stop_server
if [ "$status" != 0 ]; then
    echo "$e2e_name: the server's log: $work/serve.log; screenshots in $artifacts/console" >&2
    fail "the browser's checks failed (above)"
fi
echo "$e2e_name: ok (screenshots in $artifacts/console)"
