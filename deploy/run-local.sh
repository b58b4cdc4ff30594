#!/usr/bin/env bash
# Run the whole callsift topology on one machine, without containers: the writer, the matcher,
# N extractors, then the fetcher with the arguments given after `--`. Waits for the fetcher to
# finish, stops the other stages with SIGTERM, and exits with the fetcher's status.
#
#   deploy/run-local.sh [--extractors N] [--log-dir DIR] [--bin DIR] [--base-port P]
#                       [--writer-args "..."] [--matcher-args "..."] [--extractor-args "..."]
#                       -- FETCHER-ARGS...
#
#   deploy/run-local.sh --extractors 4 -- --workspace-id "$WS" --replay samples/calls.jsonl
#
# Configuration is the stages' own (DESIGN.md section 7): DATABASE_URL, OPENAI_API_KEY, ... are
# read from the environment by each stage. --base-port P puts the four endpoints on
# tcp://127.0.0.1:P..P+3 (calls, extractions, decisions, acks); without it the stages use their
# defaults (5557-5560, or CALLSIFT_*_ENDPOINT when set). Each stage's log is kept in the log
# directory (a new temporary one unless --log-dir is given; its name is printed).
set -euo pipefail

usage() {
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
}

here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/build/bin"
extractors=1
log_dir=""
base_port=""
writer_args="" matcher_args="" extractor_args=""
while [ $# -gt 0 ]; do
    case "$1" in
    --extractors) extractors=${2:?}; shift 2 ;;
    --log-dir) log_dir=${2:?}; shift 2 ;;
    --bin) bin=${2:?}; shift 2 ;;
    --base-port) base_port=${2:?}; shift 2 ;;
    --writer-args) writer_args=${2?}; shift 2 ;;
    --matcher-args) matcher_args=${2?}; shift 2 ;;
    --extractor-args) extractor_args=${2?}; shift 2 ;;
    --) shift; break ;;
    -h | --help) usage ;;
    *) echo "run-local: unknown option '$1' (fetcher arguments go after --)" >&2; exit 2 ;;
    esac
done
case "$extractors" in
'' | *[!0-9]*) echo "run-local: --extractors needs a number" >&2; exit 2 ;;
esac
[ "$extractors" -ge 1 ] || { echo "run-local: --extractors must be at least 1" >&2; exit 2; }
for stage in writer matcher extractor fetcher; do
    [ -x "$bin/callsift-$stage" ] || { echo "run-local: $bin/callsift-$stage not found (make build)" >&2; exit 2; }
done
: "${DATABASE_URL:?run-local: DATABASE_URL must be set (the writer and the matcher need it)}"

if [ -n "$base_port" ]; then
    export CALLSIFT_CALLS_ENDPOINT="tcp://127.0.0.1:$base_port"
    export CALLSIFT_EXTRACTIONS_ENDPOINT="tcp://127.0.0.1:$((base_port + 1))"
    export CALLSIFT_DECISIONS_ENDPOINT="tcp://127.0.0.1:$((base_port + 2))"
    export CALLSIFT_ACKS_ENDPOINT="tcp://127.0.0.1:$((base_port + 3))"
fi
if [ -z "$log_dir" ]; then
    log_dir=$(mktemp -d /tmp/callsift-run.XXXXXX)
else
    mkdir -p "$log_dir"
fi
echo "run-local: logs in $log_dir"

pids=()
names=()
stop_all() {
    local i
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill -TERM "${pids[$i]}" 2>/dev/null || true
    done
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        local status=0
        wait "${pids[$i]}" 2>/dev/null || status=$?
        if [ "$status" -ne 0 ] && [ "$status" -ne 143 ]; then
            echo "run-local: ${names[$i]} exited with status $status (see $log_dir/${names[$i]}.log)" >&2
        fi
    done
    pids=()
}
trap 'stop_all; exit 130' INT TERM

# start NAME ARGS...: a stage in the background, its output in the log directory
start() {
    local name=$1
    shift
    "$@" >"$log_dir/$name.log" 2>&1 &
    pids+=($!)
    names+=("$name")
}

# wait_for NAME TEXT: until the stage's log says TEXT (it is up), or it died
wait_for() {
    local name=$1 text=$2 i
    for ((i = 0; i < 300; i++)); do
        grep -q "$text" "$log_dir/$name.log" 2>/dev/null && return 0
        if ! kill -0 "${pids[${#pids[@]} - 1]}" 2>/dev/null; then
            echo "run-local: $name did not start:" >&2
            tail -n 5 "$log_dir/$name.log" >&2
            stop_all
            exit 1
        fi
        sleep 0.1
    done
    echo "run-local: $name is not ready after 30 s (see $log_dir/$name.log)" >&2
}

# shellcheck disable=SC2086 # the *-args are word lists on purpose
start writer "$bin/callsift-writer" $writer_args
wait_for writer "Writer ready"
# shellcheck disable=SC2086
start matcher "$bin/callsift-matcher" $matcher_args
wait_for matcher "Matcher ready"
for ((n = 1; n <= extractors; n++)); do
    # shellcheck disable=SC2086
    start "extractor-$n" "$bin/callsift-extractor" $extractor_args
    wait_for "extractor-$n" "Extractor ready"
done

# The fetcher runs in the background so that a signal reaches this script at once (bash runs a
# trap only after the foreground command ends): SIGTERM/SIGINT stop the fetcher first (it says
# what was acked), then the other stages.
"$bin/callsift-fetcher" "$@" > >(tee "$log_dir/fetcher.log") 2>&1 &
fetcher=$!
stop_fetcher() {
    kill -TERM "$fetcher" 2>/dev/null || true
    wait "$fetcher" 2>/dev/null || true
    stop_all
    exit 143
}
trap stop_fetcher INT TERM
status=0
wait "$fetcher" || status=$?
trap - INT TERM
stop_all
exit "$status"
