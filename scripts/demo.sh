#!/usr/bin/env bash
# The demo: a workspace with themes and customers in the database DATABASE_URL points at
# (make demo provides a throwaway one), then as much of the pipeline as exists.
set -euo pipefail
build=${1:-build}
bin="$build/bin"
: "${DATABASE_URL:?run through scripts/with-pg.sh, or set DATABASE_URL}"

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

# The pipeline so far: the extractor exists, the matcher (issue #5) does not yet, so the demo
# shows what the offline extractor finds in the bundled sample calls (one-shot mode).
echo
echo "== What the offline extractor finds in the 40 sample calls (samples/calls.jsonl)"
out=$(mktemp)
"$bin/callsift-extractor" --jsonl --provider offline --workspace-id "$ws" <samples/calls.jsonl >"$out" 2>/dev/null
if command -v python3 >/dev/null; then
    python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
reqs = [r for row in rows for r in row.get("feature_requests", [])]
bugs = sum(len(row.get("bug_reports", [])) for row in rows)
print("%d calls, %d feature requests, %d bug reports (not yet de-duplicated)" % (len(rows), len(reqs), bugs))
for r in reqs[:12]:
    print("  %-8s %-26s %s" % (r.get("urgency", ""), r.get("theme", "")[:26], r.get("title", "")))
PY
else
    echo "$(wc -l <"$out") calls extracted; insights in $out"
fi
rm -f "$out"
