#!/usr/bin/env bash
# The honest outcome of a whole pipeline run, with the real stages (deploy/run-local.sh):
#
#   DATABASE_URL=postgresql://... tests/e2e/test_outcome.sh [BIN-DIR]     (default build/bin)
#
#   1. The extractors' LLM is unreachable (a closed port): every call is stored unprocessed, so
#      the fetcher exits 3, says how many calls have no insights, names the main cause
#      (llm_unreachable) and the --reprocess command, and never prints the seed's ✅ line.
#   2. That command, with the offline extractor: the same calls are processed now, exit 0, ✅.
#   3. A replay file with an unreadable line among readable ones: the readable calls are stored,
#      the run exits 1 and says how many lines it could not read.
#
# DATABASE_URL is a server where the role may create databases; the test makes its own
# (cs_test_outcome_*) and drops it at the end. Exits 0 when everything holds, 1 with a message.
set -euo pipefail

e2e_name=test_outcome
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_bin "${1:-$here/build/bin}"
e2e_need_pg
cd "$here"
e2e_work outcome
e2e_create_db
export DATABASE_URL=$url
"$bin/callsift" migrate >"$work/migrate.out" 2>&1 || fail "callsift migrate: $(cat "$work/migrate.out")"
ws=$("$bin/callsift" workspace create --name "Outcome test" 2>"$work/ws.err") ||
    fail "workspace create: $(cat "$work/ws.err")"

e2e_free_ports 4

head -3 samples/calls.jsonl >"$work/three.jsonl"
closed_port=1 # nothing listens on tcp port 1
# run STATUS-FILE LOG EXTRACTOR-ARGS FETCHER-ARGS...: run-local.sh, its exit status in STATUS-FILE
run() {
    local status_file=$1 log=$2 extractor_args=$3 logdir
    shift 3
    logdir="$work/$(basename "$log" .log)"
    set +e
    timeout 240 deploy/run-local.sh --bin "$bin" --base-port "$base" --extractors 1 \
        --log-dir "$logdir" --extractor-args "$extractor_args" \
        --matcher-args "--provider offline" -- --workspace-id "$ws" "$@" >"$log" 2>&1
    echo $? >"$status_file"
    set -e
}

# ---- 1. the LLM is unreachable --------------------------------------------------------------
OPENAI_API_KEY=sk-test-not-used run "$work/1.status" "$work/unreachable.log" \
    "--provider openai --openai-base-url http://127.0.0.1:$closed_port/v1 --retry-budget 5" \
    --replay "$work/three.jsonl"
status=$(cat "$work/1.status")
[ "$status" = 3 ] || fail "an unreachable LLM: exit $status, wanted 3 (stored, unprocessed); see $work/unreachable.log"
grep -q "WARNING - 3 of 3 calls were stored WITHOUT insights" "$work/unreachable.log" ||
    fail "no WARNING counting the calls without insights"
grep -q "Main cause: llm_unreachable (3 calls" "$work/unreachable.log" || fail "the main cause is not named"
reprocess=$(grep -o "send them again with: callsift-fetcher .*" "$work/unreachable.log" | head -1)
[ -n "$reprocess" ] || fail "no --reprocess command"
case "$reprocess" in *"--workspace-id $ws --reprocess --replay $work/three.jsonl"*) ;;
*) fail "the command does not pick them up: $reprocess" ;; esac
if grep -q "✅" "$work/unreachable.log"; then fail "✅ printed although no call was processed"; fi
n=$(psql -X -At -d "$url" -c "SELECT count(*) FROM messages WHERE NOT is_processed")
[ "$n" = 3 ] || fail "$n calls stored unprocessed, wanted 3"

# ---- 2. the command it printed, once extraction works (offline here) ------------------------
run "$work/2.status" "$work/reprocess.log" "--provider offline" --reprocess --replay "$work/three.jsonl"
status=$(cat "$work/2.status")
[ "$status" = 0 ] || fail "--reprocess: exit $status, wanted 0; see $work/reprocess.log"
grep -q "✅ Successfully ingested 3 calls from the replay!" "$work/reprocess.log" ||
    fail "--reprocess did not report the 3 calls processed"
n=$(psql -X -At -d "$url" -c "SELECT count(*) FROM messages WHERE NOT is_processed")
[ "$n" = 0 ] || fail "$n calls still unprocessed after --reprocess"

# ---- 3. an unreadable line among readable ones ----------------------------------------------
{
    sed -n 4,5p samples/calls.jsonl
    echo '{"metaData": {"id": "broken", "title": "cut here'
    sed -n 6p samples/calls.jsonl
} >"$work/mixed.jsonl"
run "$work/3.status" "$work/mixed.log" "--provider offline" --replay "$work/mixed.jsonl"
status=$(cat "$work/3.status")
[ "$status" = 1 ] || fail "an unreadable line: exit $status, wanted 1; see $work/mixed.log"
grep -qF "Skipped a replay line: $work/mixed.jsonl:3: invalid JSON" "$work/mixed.log" ||
    fail "the unreadable line is not named"
grep -q "ERROR - 1 line of the replay file could not be read" "$work/mixed.log" ||
    fail "the summary does not count the unreadable line"
n=$(psql -X -At -d "$url" -c "SELECT count(*) FROM messages WHERE is_processed")
[ "$n" = 6 ] || fail "$n processed calls, wanted 6 (the 3 readable lines stored too)"
echo "test_outcome: ok"
