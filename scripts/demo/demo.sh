#!/usr/bin/env bash
# The demo: a workspace with themes and customers in the database DATABASE_URL points at
# (make demo provides a throwaway one), then as much of the pipeline as exists.
set -euo pipefail
build=${1:-build}
bin="$build/bin"
: "${DATABASE_URL:?run through scripts/ci/with-pg.sh, or set DATABASE_URL}"

cs() { "$bin/callsift" "$@"; }

echo "== Applying the schema"
cs migrate

name="Demo workspace"
ws=$(cs workspace list --format csv | awk -F, -v n="$name" 'NR > 1 && $2 == n { print $1 }')
if [ -z "$ws" ]; then
    echo "== Creating the demo workspace"
    ws=$(cs workspace create --name "$name")
    cs theme add --workspace-id "$ws" --name "AI Features" \
        --description "AI-powered capabilities: assistants, summaries, smart suggestions" >/dev/null
    cs theme add --workspace-id "$ws" --name "Apps and Integrations" \
        --description "Connections to third-party tools: CRM, Slack, calendars, SSO" >/dev/null
    cs theme add --workspace-id "$ws" --name "Inbox and Collaboration" \
        --description "Shared inbox, assignments, signatures, notes and team workflows" >/dev/null
    cs theme add --workspace-id "$ws" --name "Reporting and Analytics" \
        --description "Dashboards, exports, SLAs and metrics" >/dev/null
    while IFS=, read -r cname domain mrr; do
        cs customer add --workspace-id "$ws" --name "$cname" --domain "$domain" --mrr "$mrr" >/dev/null
    done <<'CUSTOMERS'
Northwind Logistics,northwind.example,12500
Globex Health,globex.example,8400
Initech Software,initech.example,4200
Umbrella Retail,umbrella.example,15800
Hooli Travel,hooli.example,2900
Vandelay Imports,vandelay.example,6100
CUSTOMERS
else
    echo "== The demo workspace exists already: $ws"
fi

echo
echo "== Workspaces"
cs workspace list
echo
echo "== Themes of $name"
cs theme list --workspace-id "$ws"
echo
echo "== Customers of $name"
cs customer list --workspace-id "$ws"

# The whole pipeline on the bundled sample calls: writer, matcher, two extractors and the
# fetcher replaying samples/calls.jsonl, all offline, on four ports of their own (the first
# free block from 25557 on), so the demo never talks to a pipeline already running.
in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
base=25557
while in_use "$base" || in_use $((base + 1)) || in_use $((base + 2)) || in_use $((base + 3)); do
    base=$((base + 10))
done
logs=$(mktemp -d /tmp/callsift-demo.XXXXXX)
# run NAME CALLS [FETCHER-ARGS...]: the pipeline, its logs in $logs/NAME. Of run-local.sh's
# console (every stage's lines, each after the stage's name), the lines until the writer has
# ingested CALLS calls are shown, then only the fetcher's; the rest stays in the logs.
run() {
    local name=$1 calls=$2
    shift 2
    env -u OPENAI_API_KEY deploy/run-local.sh --bin "$bin" --extractors 2 --base-port "$base" \
        --log-dir "$logs/$name" -- --workspace-id "$ws" --replay samples/calls.jsonl "$@" 2>&1 |
        grep -v -e "Progress:" -e "^run-local: logs in" |
        awk -v calls="$calls" -v dir="$logs/$name" '
            /^writer +\| .* Ingested call: / { ingested++ }
            /^fetcher +\| / || ingested < calls || (ingested == calls && /Ingested call: /) { print; next }
            !cut { print "   ... (from here on the fetcher only; every stage'"'"'s lines are in " dir ")"; cut = 1 }'
}
echo
echo "== Ingesting the 57 sample calls (samples/calls.jsonl): offline extractor and matcher"
echo "   (replayed at 20 calls a second, so that the console shows each call go through the stages)"
run first 2 --rate 20
echo
echo "== How the matcher decided"
grep -h -e "Created new" -e "Matched to existing" "$logs/first/matcher.log" | sed -n '1,8p' | cut -c 23-
echo "   ... (all of it in $logs/first/matcher.log)"
grep -h "Matcher stopping" "$logs/first/matcher.log" | cut -c 23- | fold -s -w 100
if "$bin/callsift" report --help >/dev/null 2>&1; then
    echo
    echo "== The feature report"
    cs report --workspace-id "$ws" --top 15
fi
if "$bin/callsift" review --help >/dev/null 2>&1; then
    echo
    echo "== Correcting it (README: Curating the catalogue)"
    queue=$(cs review list --workspace-id "$ws" --limit 1)
    queue=${queue%%$'\n'*}
    echo "${queue%%; the first*}"
    echo "   callsift review list --workspace-id $ws     # the queue, most valuable first"
    echo "   callsift feature merge SOURCE_ID --into TARGET_ID   # ids: callsift report --format csv"
fi
echo
echo "== Running it again: every call is stored already, so nothing is ingested twice"
run again 0
echo
echo "Logs of both runs: $logs"

# The console on the demo's data: 127.0.0.1:8080, or the first free port after it. The token
# is new each time and reaches the server through the environment, never its command line.
# On a terminal it serves until Ctrl-C (the throwaway database goes with it); otherwise (make
# test, CI) it is started, asked for its Features page once, and stopped.
if "$bin/callsift" serve --help >/dev/null 2>&1; then
    port=8080
    while in_use "$port"; do port=$((port + 1)); done
    CALLSIFT_UI_TOKEN=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
    export CALLSIFT_UI_TOKEN
    "$bin/callsift" serve --listen "127.0.0.1:$port" --workspace-id "$ws" \
        --log-level warning 2>"$logs/console.log" &
    console=$!
    trap 'kill "$console" 2>/dev/null || true' EXIT
    for _ in $(seq 50); do in_use "$port" && break; sleep 0.1; done
    # the header goes through curl's stdin, so the token never shows in a process listing
    status=$(printf 'header = "Authorization: Bearer %s"\n' "$CALLSIFT_UI_TOKEN" |
        curl -s -K - -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/features" || true)
    echo
    echo "== The console (README: The console)"
    if [ "$status" != 200 ]; then
        echo "   the console did not answer (HTTP $status): see $logs/console.log" >&2
        exit 1
    fi
    echo "   URL:   http://127.0.0.1:$port/"
    echo "   token: $CALLSIFT_UI_TOKEN"
    if [ -t 1 ] && [ "${CALLSIFT_DEMO_CONSOLE:-1}" != 0 ]; then
        echo "   Log in with the token and your name. Ctrl-C stops the console and the demo's database."
        wait "$console" || true
    else
        echo "   (not a terminal: the console was checked and stopped; run make demo in a terminal to keep it)"
    fi
fi
