#!/usr/bin/env bash
# deploy/run-local.sh's console: every stage's lines on one stream, each after its stage's
# name, whole, in the order they were written.
#
#   DATABASE_URL=postgresql://... tests/e2e/test_console.sh [BIN-DIR]     (default build/bin)
#
# DATABASE_URL is a server where the role may create databases; the test makes its own
# (cs_test_console_*) and drops it at the end, whatever happens.
#
#   1. Stand-in stages (no ports, no database) that all write at once, 400 lines each of 100
#      to 3,900 bytes, plus a line of 10,000 bytes and one of 3,000 two-byte characters: every
#      console line is one stage's line, whole, after that stage's name; each stage's lines
#      come in the order it wrote them; the logs hold the lines unchanged and unprefixed; the
#      long lines are cut on the console only, marked "[...]", never inside a UTF-8 character.
#   2. The real pipeline (two extractors, offline) on the first 8 sample calls replayed at 4
#      calls a second: each stage's prefix; for every call, "Extracting features from call: T"
#      before "Extracted N features, M bugs from call: T" before "Ingested call: T"; the seed's
#      matcher lines with "(Theme: X)", X a theme of the workspace; the stages' lines
#      interleaved as they happened (the first call ingested before the last one is extracted)
#      and their time stamps never more than a second out of order.
#
# Exits 0 when everything holds, 1 with a message otherwise; the logs are kept on failure.
set -euo pipefail

e2e_name=test_console
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_bin "${1:-$here/build/bin}" callsift callsift-writer callsift-matcher callsift-extractor callsift-fetcher
e2e_need_pg
cd "$here"
launcher=deploy/run-local.sh
e2e_work console

# ---- 1. whole lines from stages that write at once -----------------------------------------
# Each stand-in says it is ready, waits for the fetcher's "go" file, writes its lines as fast as
# it can and leaves a "done" file; the fetcher stand-in writes too and waits for the others.
stubs=$work/stubs
mkdir -p "$stubs"
cat >"$stubs/burst" <<'EOF'
#!/usr/bin/env bash
# burst NAME: 400 lines "NAME:SEQ:LEN:<LEN x's>:end", LEN 100..3900, then a 10,000-byte line
# and a line of 3,000 two-byte characters
name=$1
x=$(printf '%*s' 3900 '' | tr ' ' x)
for ((i = 0; i < 400; i++)); do
    len=$((100 + (i * 797) % 3800))
    printf '%s:%d:%d:%s:end\n' "$name" "$i" "$len" "${x:0:len}"
done
printf '%s:long:%s:end\n' "$name" "$(printf '%*s' 10000 '' | tr ' ' y)"
printf '%s:utf8:%s\n' "$name" "$(printf '%*s' 3000 '' | sed 's/ /é/g')"
EOF
for stage in writer matcher extractor; do
    cat >"$stubs/callsift-$stage" <<EOF
#!/usr/bin/env bash
echo "${stage^} ready"
trap 'exit 0' TERM
while [ ! -e "$work/go" ]; do sleep 0.01; done
"$stubs/burst" "\$\$-$stage" >&2
touch "$work/done-$stage-\$\$"
while :; do sleep 0.1; done
EOF
done
cat >"$stubs/callsift-fetcher" <<EOF
#!/usr/bin/env bash
touch "$work/go"
"$stubs/burst" fetcher
while [ "\$(ls "$work" | grep -c '^done-')" -lt 4 ]; do sleep 0.05; done
EOF
chmod +x "$stubs"/*

timeout -k 5 60 env -i PATH="$PATH" HOME="${HOME:-/tmp}" DATABASE_URL=postgresql://x/y \
    "$launcher" --bin "$stubs" --extractors 2 --log-dir "$work/burst" -- >"$work/burst.out" 2>"$work/burst.err" ||
    fail "run-local.sh on the stand-in stages: exit status $? ($(tail -n 5 "$work/burst.err"))"

# Each stand-in wrote as "PID-STAGE" (the fetcher as "fetcher"): map that to the launcher's name.
declare -A label_of=([fetcher]=fetcher)
for log in writer matcher extractor-1 extractor-2; do
    first=$(grep -m1 -o '^[0-9]*-[a-z]*:0:' "$work/burst/$log.log") || fail "$log.log holds no burst"
    label_of[${first%:0:}]=$log
done
[ "${#label_of[@]}" = 5 ] || fail "expected five distinct stand-ins, got: ${!label_of[*]}"

# Every console line: "LABEL<padding> | WRITER:...", LABEL the writer's, the line whole.
grep -v '^run-local: ' "$work/burst.out" >"$work/burst.console" || true
bad=$(awk -v map="$(for k in "${!label_of[@]}"; do printf '%s=%s ' "$k" "${label_of[$k]}"; done)" '
    BEGIN { n = split(map, kv, " "); for (i = 1; i <= n; i++) { split(kv[i], p, "="); label[p[1]] = p[2] } }
    {
        if (!match($0, /^[a-z0-9-]+ +\| /)) { print NR ": no prefix: " substr($0, 1, 80); next }
        prefix = substr($0, 1, RLENGTH); rest = substr($0, RLENGTH + 1)
        sub(/ +\| $/, "", prefix)
        if (length(prefix) > 11 || substr($0, 13, 2) != "| ") { print NR ": not aligned: " substr($0, 1, 40); next }
        if (rest ~ /^[A-Z][a-z]+ ready$/) next
        nf = split(rest, f, ":")
        if (label[f[1]] != prefix) { print NR ": " prefix " shows a line of " f[1]; next }
        if (f[2] == "long" || f[2] == "utf8") next
        if (nf != 5 || f[5] != "end" || length(f[4]) != f[3] || f[4] ~ /[^x]/) {
            print NR ": not whole: " substr(rest, 1, 60); next }
        if (f[2] != seq[prefix] + 0) { print NR ": " prefix " line " f[2] " after " seq[prefix] - 1; next }
        seq[prefix]++
    }
    END { for (s in seq) if (seq[s] != 400) print s ": " seq[s] " lines of 400" }
' "$work/burst.console")
[ -z "$bad" ] || fail "console lines not whole, misattributed or out of order:
$(echo "$bad" | head -n 10)"

# Interleaved: the stages wrote at once, so the console switches stage many times.
switches=$(awk '{ p = $1 } p != last { n++; last = p } END { print n + 0 }' "$work/burst.console")
[ "$switches" -gt 10 ] || fail "the stages' lines came in $switches runs: not merged as written"

ys=$(printf '%*s' 10000 '' | tr ' ' y)
es=$(printf '%*s' 3000 '' | sed 's/ /é/g')
for name in "${!label_of[@]}"; do
    log=${label_of[$name]}
    # the log: the stage's own lines, unprefixed and whole (the long ones too)
    n=$(grep -c "^$name:[0-9]*:[0-9]*:x*:end\$" "$work/burst/$log.log" || true)
    [ "$n" = 400 ] || fail "$log.log holds $n of the 400 lines whole"
    grep -qxF "$name:long:$ys:end" "$work/burst/$log.log" || fail "$log.log: the 10,000-byte line is not whole"
    grep -qxF "$name:utf8:$es" "$work/burst/$log.log" || fail "$log.log: the UTF-8 line is not whole"
    # the console: the long lines cut at 4,000 bytes at most, marked, valid UTF-8
    long=$(grep "| $name:long:" "$work/burst.console") || fail "$log: the 10,000-byte line is not on the console"
    [[ "$long" =~ ^[a-z0-9-]+\ +\|\ $name:long:y+\ \[\.\.\.\]$ ]] || fail "$log: the long line is not cut and marked: ${long:0:80}...${long: -20}"
    [ "${#long}" -le 4020 ] || fail "$log: the long line is ${#long} bytes on the console"
    utf=$(grep "| $name:utf8:" "$work/burst.console") || fail "$log: the UTF-8 line is not on the console"
    [[ "$utf" == *"é [...]" ]] || fail "$log: the UTF-8 line does not end in a whole character: ...${utf: -20}"
    printf '%s\n' "$utf" | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1 || fail "$log: the UTF-8 line was cut inside a character"
done
echo "test_console: ok: five stages writing at once: whole lines, each after its stage's name, in order; logs unchanged"

# ---- 2. the real pipeline: the seed's console ----------------------------------------------
e2e_create_db
cs() { DATABASE_URL=$url "$bin/callsift" "$@"; }
cs migrate >"$work/migrate.out" 2>&1 || fail "callsift migrate: $(cat "$work/migrate.out")"
ws=$(cs workspace create --name "Console test" 2>"$work/cli.err") || fail "workspace create: $(cat "$work/cli.err")"
cs theme add --workspace-id "$ws" --name "Apps and Integrations" \
    --description "Connections to third-party tools: CRM, Slack, calendars, SSO" >/dev/null 2>"$work/cli.err" ||
    fail "theme add: $(cat "$work/cli.err")"
cs theme add --workspace-id "$ws" --name "Inbox and Collaboration" \
    --description "Shared inbox, assignments, signatures, notes and team workflows" >/dev/null 2>"$work/cli.err" ||
    fail "theme add: $(cat "$work/cli.err")"
themes=$(psql -X -At -d "$url" -c "SELECT name FROM themes WHERE workspace_id = '$ws'") || fail "cannot read the themes"
head -n 8 samples/calls.jsonl >"$work/calls.jsonl"

e2e_free_ports 4
# shellcheck disable=SC2119 # no extra variables
e2e_environment
status=0
timeout -k 10 120 env -i "${environment[@]}" "$launcher" --bin "$bin" --extractors 2 \
    --base-port "$base" --log-dir "$work/pipeline" -- --workspace-id "$ws" \
    --replay "$work/calls.jsonl" --rate 4 >"$work/pipeline.out" 2>"$work/pipeline.err" || status=$?
[ "$status" = 0 ] || fail "run-local.sh: exit status $status (124: timed out): $(tail -n 20 "$work/pipeline.err")"
console=$work/pipeline.console
grep -v '^run-local: ' "$work/pipeline.out" >"$console" || true

# Every line is a stage's log line, whole: NAME | DATE TIME - LEVEL - message.
line_re='^(writer|matcher|fetcher|extractor-[12]) +\| [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} - (DEBUG|INFO|WARNING|ERROR) - '
if grep -Ev "$line_re" "$console" | grep -q .; then
    fail "console lines that are not a stage's log line: $(grep -Ev "$line_re" "$console" | head -n 3)"
fi
for stage in writer matcher fetcher extractor-1 extractor-2; do
    grep -Eq "^$stage +\| " "$console" || fail "no $stage line on the console"
done
grep -Eq '^writer +\| .* - INFO - Writer ready' "$console" || fail "no 'Writer ready' on the console"
grep -Eq '^fetcher +\| .* - INFO - Successfully ingested [0-9]+ calls to database' "$console" ||
    fail "no fetcher summary on the console: $(grep '^fetcher' "$console" | tail -n 3)"

# The seed's lines per call, in order: extracting, extracted, ingested (titles may repeat: the
# k-th ingestion of a title needs its k-th extraction before it).
bad=$(awk '
    /^extractor-[12] +\| .* - INFO - Extracting features from call: / {
        t = $0; sub(/.* - INFO - Extracting features from call: /, "", t); started[t]++; n_started++; last_start = NR }
    /^extractor-[12] +\| .* - INFO - Extracted [0-9]+ features, [0-9]+ bugs from call: / {
        t = $0; sub(/.* bugs from call: /, "", t); extracted[t]++
        if (extracted[t] > started[t]) print NR ": extracted before extracting: " t }
    /^writer +\| .* - INFO - Ingested call: / {
        t = $0; sub(/.* - INFO - Ingested call: /, "", t); ingested[t]++; n_ingested++
        if (!first_ingest) first_ingest = NR
        if (ingested[t] > extracted[t]) print NR ": ingested before extracted: " t }
    END {
        if (n_ingested == 0) print "no Ingested call lines"
        if (n_ingested != n_started) print n_started " calls extracted, " n_ingested " ingested"
        if (first_ingest > last_start) print "the first call was ingested (line " first_ingest ") after the last was extracted (line " last_start "): not merged as written"
    }' "$console")
[ -z "$bad" ] || fail "the seed's lines out of order:
$(echo "$bad" | head -n 5)"

# The matcher's lines carry the confidence and the theme, one of the workspace's.
decided=$(grep -Ec '^matcher +\| .* - INFO - ✓ (Created new|Matched to existing): ' "$console" || true)
[ "$decided" -gt 0 ] || fail "no '✓ Created new' or '✓ Matched to existing' line on the console"
grep -E '^matcher +\| .* - INFO - ✓ (Created new|Matched to existing): ' "$console" >"$work/decided" || true
while IFS= read -r line; do
    [[ "$line" =~ "✓ Created new: '".*"' (confidence it's unique: "[0-9.]+") (Theme: "([^\)]*)")"$ ||
        "$line" =~ "✓ Matched to existing: '".*"' (confidence: "[0-9.]+") (Theme: "([^\)]*)") - " ]] ||
        fail "a matcher line without its confidence and theme: $line"
    theme=${BASH_REMATCH[1]}
    grep -qxF "$theme" <<<"$themes" || fail "'$theme' is not a theme of the workspace: $line"
done <"$work/decided"
grep -Eq '^matcher +\| .* - INFO - → Created [0-9]+ new features, matched [0-9]+ to existing features' "$console" ||
    fail "no '→ Created N new features, matched M to existing features' line"

# Time stamps: as written, so never more than a second back (they have whole seconds).
bad=$(awk '{ t = $3 " " $4; if (prev != "" && t < prev) { cmd = "date -d \"" prev "\" +%s"; cmd | getline a; close(cmd)
        cmd = "date -d \"" t "\" +%s"; cmd | getline b; close(cmd); if (a - b > 1) print NR ": " t " after " prev }
        if (t > prev) prev = t }' "$console")
[ -z "$bad" ] || fail "time stamps out of order: $bad"
echo "test_console: ok: the pipeline's console: $(grep -c . "$console") lines from five stages, the seed's lines in order, $decided matcher lines with their theme"
echo "test_console: PASS"
