#!/usr/bin/env bash
# Run the whole callsift topology on one machine, without containers: the writer, the matcher,
# N extractors, then the fetcher with the arguments given after `--`. Waits for the fetcher to
# finish, stops the other stages with SIGTERM, and exits with the fetcher's status.
#
#   deploy/run-local.sh [--extractors N] [--log-dir DIR] [--bin DIR] [--base-port P]
#                       [--metrics-port M] [--env-file FILE] [--writer-args "..."]
#                       [--matcher-args "..."] [--extractor-args "..."] -- FETCHER-ARGS...
#
#   deploy/run-local.sh --extractors 4 -- --workspace-id "$WS" --replay samples/calls.jsonl
#   deploy/run-local.sh --env-file deploy/.env -- --workspace-id "$WS" --replay calls.jsonl
#
# --bin DIR holds the executables: by default build/bin of this checkout, or PREFIX/bin when this
# is the installed PREFIX/share/callsift/deploy/run-local.sh (make install).
#
# Configuration is the stages' own (DESIGN.md section 7): DATABASE_URL, OPENAI_API_KEY, ... are
# read from the environment by each stage. --base-port P puts the four endpoints on
# tcp://127.0.0.1:P..P+3 (calls, extractions, decisions, acks); without it the stages use their
# defaults (5557-5560, or CALLSIFT_*_ENDPOINT when set). Each stage's log is kept in the log
# directory (a new temporary one unless --log-dir is given; its name is printed).
#
# The console (standard output) is every stage's lines, merged as they are written, each after
# its stage's name:
#   extractor-1 | 2025-10-20 17:27:35 - INFO - Extracting features from call: Hiver Demo
#   matcher     | 2025-10-20 17:28:52 - INFO - ✓ Created new: 'X' (confidence it's unique: 1.00) (Theme: AI Features)
# A line is written whole in one write, so stages never interleave within a line; a line over
# 4000 bytes is cut on the console (marked "[...]"), never in the stage's log.
# --metrics-port M (or CALLSIFT_METRICS_PORT in the environment) serves each stage's /metrics
# and /healthz: the writer on M, the matcher on M+1, the fetcher on M+2, extractor n on M+2+n.
#
# --env-file FILE reads compose's .env file (deploy/.env.example): KEY=VALUE lines, blank lines
# and # comments skipped, optional `export ` and surrounding quotes stripped; the file is
# parsed, never sourced. A variable is taken only when the environment does not have it (set,
# even to empty), so the shell wins as with compose, and only when its value is not empty (an
# empty OPENAI_API_KEY= keeps the offline provider). Not taken: CALLSIFT_*_ENDPOINT (compose's
# service addresses; every stage here runs on 127.0.0.1) and CALLSIFT_METRICS_PORT.
set -euo pipefail

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit 2
}

here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/build/bin"
# installed (PREFIX/share/callsift/deploy/run-local.sh): the executables are in PREFIX/bin
if [ ! -d "$bin" ] && [ -x "$here/../../bin/callsift-writer" ]; then
    bin=$(cd "$here/../../bin" && pwd)
fi
extractors=1
log_dir=""
base_port=""
metrics_port=${CALLSIFT_METRICS_PORT:-}
env_file=""
writer_args="" matcher_args="" extractor_args=""
while [ $# -gt 0 ]; do
    case "$1" in
    --extractors) extractors=${2:?}; shift 2 ;;
    --log-dir) log_dir=${2:?}; shift 2 ;;
    --bin) bin=${2:?}; shift 2 ;;
    --base-port) base_port=${2:?}; shift 2 ;;
    --env-file) env_file=${2:?}; shift 2 ;;
    --metrics-port) metrics_port=${2:?}; shift 2 ;;
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
command -v perl >/dev/null || { echo "run-local: perl not found (it prefixes the stages' lines)" >&2; exit 2; }
for stage in writer matcher extractor fetcher; do
    [ -x "$bin/callsift-$stage" ] || { echo "run-local: $bin/callsift-$stage not found (make build)" >&2; exit 2; }
done

# trim TEXT: TEXT without leading and trailing blanks, in $trimmed
trim() {
    trimmed=$1
    trimmed=${trimmed#"${trimmed%%[![:space:]]*}"}
    trimmed=${trimmed%"${trimmed##*[![:space:]]}"}
}

# load_env_file FILE: export the file's variables that the environment lacks (see the header)
load_env_file() {
    local file=$1 line key value n=0 taken=() kept=() skipped=()
    if [ ! -f "$file" ] || [ ! -r "$file" ]; then
        echo "run-local: --env-file: cannot read '$file'" >&2
        exit 2
    fi
    while IFS= read -r line || [ -n "$line" ]; do
        n=$((n + 1))
        trim "${line%$'\r'}"
        line=$trimmed
        case "$line" in '' | '#'*) continue ;; esac
        case "$line" in export[[:space:]]*) trim "${line#export}"; line=$trimmed ;; esac
        if [[ ! "$line" =~ ^([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*=(.*)$ ]]; then
            echo "run-local: $file:$n: not a KEY=VALUE line" >&2
            exit 2
        fi
        key=${BASH_REMATCH[1]}
        trim "${BASH_REMATCH[2]}"
        value=$trimmed
        # "..." or '...', then maybe a comment; an unquoted value ends at " #" (as compose reads it)
        if [[ "$value" =~ ^\"([^\"]*)\"([[:space:]]+#.*)?$ || "$value" =~ ^\'([^\']*)\'([[:space:]]+#.*)?$ ]]; then
            value=${BASH_REMATCH[1]}
        else
            trim "${value%%[[:space:]]#*}"
            value=$trimmed
        fi
        case "$key" in
        CALLSIFT_*_ENDPOINT | CALLSIFT_METRICS_PORT) skipped+=("$key"); continue ;;
        esac
        [ -n "$value" ] || continue
        if [ -n "${!key+set}" ]; then
            kept+=("$key")
            continue
        fi
        export "$key=$value"
        taken+=("$key")
    done <"$file"
    echo "run-local: $file: took ${taken[*]:-nothing}; the environment's: ${kept[*]:-none}; ignored: ${skipped[*]:-none}" >&2
}
if [ -n "$env_file" ]; then
    load_env_file "$env_file"
fi
: "${DATABASE_URL:?run-local: DATABASE_URL must be set (the writer and the matcher need it)}"

if [ -n "$base_port" ]; then
    export CALLSIFT_CALLS_ENDPOINT="tcp://127.0.0.1:$base_port"
    export CALLSIFT_EXTRACTIONS_ENDPOINT="tcp://127.0.0.1:$((base_port + 1))"
    export CALLSIFT_DECISIONS_ENDPOINT="tcp://127.0.0.1:$((base_port + 2))"
    export CALLSIFT_ACKS_ENDPOINT="tcp://127.0.0.1:$((base_port + 3))"
fi
unset CALLSIFT_METRICS_PORT # one port per stage, given below
case "$metrics_port" in
'' | *[!0-9]*) [ -z "$metrics_port" ] || { echo "run-local: --metrics-port needs a number" >&2; exit 2; } ;;
esac
# metrics_env OFFSET: the stage's CALLSIFT_METRICS_PORT=..., or nothing without --metrics-port
metrics_env() {
    if [ -n "$metrics_port" ]; then
        echo "CALLSIFT_METRICS_PORT=$((metrics_port + $1))"
    else
        echo "-uCALLSIFT_METRICS_PORT"
    fi
}
if [ -z "$log_dir" ]; then
    log_dir=$(mktemp -d /tmp/callsift-run.XXXXXX)
else
    mkdir -p "$log_dir"
fi
echo "run-local: logs in $log_dir"
[ -z "$metrics_port" ] || echo "run-local: /metrics and /healthz on 127.0.0.1:$metrics_port (writer)," \
    "$((metrics_port + 1)) (matcher), $((metrics_port + 2)) (fetcher), $((metrics_port + 3))... (extractors)"

# The console: one prefixer per stage reads the stage's output, appends each line unchanged to
# the stage's log and writes "NAME | LINE" to standard output with a single write(2), so lines
# of concurrent stages reach the console whole and in the order they were written (a write of
# at most PIPE_BUF bytes to a pipe is atomic; to a terminal or a file it is one write too).
# A line over 4000 bytes is cut on the console only; one over 64 KiB without a newline is
# passed on in 64 KiB pieces. The prefixer ignores INT, TERM and HUP, so a stage that is
# stopping still has its last lines written, and stops at the end of the stage's output; when
# the console goes away (EPIPE), it goes on writing the log only.
# shellcheck disable=SC2016 # Perl, not shell
prefixer='
use strict;
use warnings;
my ($label, $width, $path) = @ARGV;
$0 = "run-local: $label console";    # in ps, instead of this program
my ($SHOWN_MAX, $PENDING_MAX) = (4000, 65536);
$SIG{$_} = "IGNORE" for qw(INT TERM HUP PIPE);
open(my $log, ">>", $path) or die "run-local: $path: $!\n";
my $console = 1;

# put FH, BYTES: write all of BYTES; false when the descriptor fails
sub put {
    my ($fh, $bytes) = @_;
    while (length $bytes) {
        my $n = syswrite($fh, $bytes);
        if (!defined $n) {
            next if $!{EINTR};
            return 0;
        }
        substr($bytes, 0, $n, "");
    }
    return 1;
}

sub line {
    my ($text) = @_;
    put($log, "$text\n");
    return unless $console;
    if (length $text > $SHOWN_MAX) {
        $text = substr($text, 0, $SHOWN_MAX);
        $text =~ s/[\xC0-\xFF][\x80-\xBF]*\z//;    # no UTF-8 character cut in two
        $text .= " [...]";
    }
    $console = put(\*STDOUT, sprintf("%-*s | %s\n", $width, $label, $text));
}

my $pending = "";
while (1) {
    my $n = sysread(STDIN, $pending, 65536, length $pending);
    if (!defined $n) {
        next if $!{EINTR};
        last;
    }
    last if $n == 0;
    while ((my $end = index($pending, "\n")) >= 0) {
        line(substr($pending, 0, $end));
        substr($pending, 0, $end + 1, "");
    }
    if (length $pending >= $PENDING_MAX) {
        line($pending);
        $pending = "";
    }
}
line($pending) if length $pending;
'
width=11 # the longest stage name ("extractor-N"), for aligned prefixes
[ ${#extractors} -le 1 ] || width=$((10 + ${#extractors}))

pids=()
names=()
prefixers=()
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
    # every stage has exited: its prefixer ends with the last line
    for i in "${prefixers[@]}"; do
        wait "$i" 2>/dev/null || true
    done
    prefixers=()
}
trap 'stop_all; exit 130' INT TERM

# start NAME ARGS...: a stage in the background, its output through a prefixer (above) into its
# log in the log directory and onto the console; the stage's pid is the last of ${pids[@]}
start() {
    local name=$1 fd
    shift
    exec {fd}> >(exec perl -e "$prefixer" "$name" "$width" "$log_dir/$name.log")
    prefixers+=($!)
    "$@" >&"$fd" 2>&1 {fd}>&- &
    pids+=($!)
    names+=("$name")
    exec {fd}>&- # the stage holds the pipe now: its prefixer ends when the stage does
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
start writer env "$(metrics_env 0)" "$bin/callsift-writer" $writer_args
wait_for writer "Writer ready"
# shellcheck disable=SC2086
start matcher env "$(metrics_env 1)" "$bin/callsift-matcher" $matcher_args
wait_for matcher "Matcher ready"
for ((n = 1; n <= extractors; n++)); do
    # shellcheck disable=SC2086
    start "extractor-$n" env "$(metrics_env $((2 + n)))" "$bin/callsift-extractor" $extractor_args
    wait_for "extractor-$n" "Extractor ready"
done

# The fetcher runs in the background so that a signal reaches this script at once (bash runs a
# trap only after the foreground command ends): SIGTERM/SIGINT stop the fetcher first (it says
# what was acked), then the other stages.
start fetcher env "$(metrics_env 2)" "$bin/callsift-fetcher" "$@"
fetcher=${pids[${#pids[@]} - 1]}
unset 'pids[${#pids[@]}-1]' 'names[${#names[@]}-1]' # stopped on its own, before the others
# shellcheck disable=SC2317 # run by the trap below
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
