#!/usr/bin/env bash
# deploy/run-local.sh --env-file with compose's own deploy/.env.example: the local launcher
# runs the compose topology from the same file.
#
#   DATABASE_URL=postgresql://... tests/e2e/test_deploy_env.sh [BIN-DIR]     (default build/bin)
#
# DATABASE_URL is a server where the role may create databases; the test makes its own
# (cs_test_deploy_*) and drops it at the end, whatever happens.
#
#   1. The file, read with stand-in stages that print their environment (no ports, no
#      database): the file's values reach every stage; the environment wins over the file, also
#      when set to empty; empty values set nothing (OPENAI_API_KEY= keeps the offline
#      provider); compose's CALLSIFT_*_ENDPOINT and CALLSIFT_METRICS_PORT are not taken; quotes,
#      `export`, comments and CRLF are read as compose reads them; a line that is not KEY=VALUE
#      stops the launcher (exit 2).
#   2. The real pipeline: callsift migrate, workspace create, then run-local.sh --env-file
#      deploy/.env.example --base-port (a free block) on samples/calls.jsonl with
#      CALLSIFT_LOG_FORMAT=json in the environment (the file says text): exit 0, the fetcher
#      reports 56 calls ingested (57 in the file, 1 private), 56 processed messages in the
#      database, every writer log line is a JSON object, and the extractors are offline.
#
# Exits 0 when everything holds, 1 with a message otherwise; the logs are kept on failure.
set -euo pipefail

e2e_name=test_deploy_env
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_bin "${1:-$here/build/bin}" callsift callsift-writer callsift-matcher callsift-extractor callsift-fetcher
e2e_need_pg
cd "$here"
env_example=deploy/.env.example
launcher=deploy/run-local.sh
e2e_work deploy

# ---- 1. the file, read by stand-in stages --------------------------------------------------
stubs=$work/stubs
mkdir -p "$stubs"
for stage in writer matcher extractor; do
    cat >"$stubs/callsift-$stage" <<EOF
#!/usr/bin/env bash
env | sort
echo "${stage^} ready"
trap 'exit 0' TERM
while :; do sleep 0.1; done
EOF
done
printf '#!/usr/bin/env bash\nenv | sort\n' >"$stubs/callsift-fetcher"
chmod +x "$stubs"/callsift-*

# stub_run NAME ENV-FILE [ENV-ASSIGNMENTS...]: the launcher on the stand-ins, in a clean
# environment (PATH, HOME and the assignments only); its logs in $work/NAME
stub_run() {
    local name=$1 file=$2
    shift 2
    timeout -k 5 30 env -i PATH="$PATH" HOME="${HOME:-/tmp}" "$@" \
        "$launcher" --bin "$stubs" --extractors 2 --log-dir "$work/$name" --env-file "$file" \
        -- --replay none >"$work/$name.out" 2>&1
}

# expect_var LOG KEY VALUE: the stage whose log is LOG had KEY=VALUE in its environment
expect_var() {
    grep -qxF "$2=$3" "$1" || fail "$(basename "$1" .log): expected $2=$3, got '$(grep "^$2=" "$1" || echo unset)'"
}
# expect_unset LOG KEY
expect_unset() {
    ! grep -q "^$2=" "$1" || fail "$(basename "$1" .log): $2 should be unset, got '$(grep "^$2=" "$1")'"
}

stub_run example "$env_example" DATABASE_URL=postgresql://from-the-environment/x \
    CALLSIFT_LOG_FORMAT=json GONG_BASE_URL= ||
    fail "run-local.sh on the stand-in stages: exit status $? ($(tail -n 5 "$work/example.out"))"
for log in writer matcher extractor-1 extractor-2 fetcher; do
    f=$work/example/$log.log
    [ -s "$f" ] || fail "no $log log in $work/example"
    expect_var "$f" DATABASE_URL postgresql://from-the-environment/x # the environment wins
    expect_var "$f" CALLSIFT_LOG_FORMAT json
    expect_var "$f" GONG_BASE_URL ""                # set to empty in the environment: still wins
    expect_var "$f" OPENAI_MODEL gpt-4o-mini        # from the file
    expect_var "$f" FEATURE_MATCH_CONFIDENCE 0.7
    expect_var "$f" CALLSIFT_INTERVAL 600
    expect_var "$f" POSTGRES_PASSWORD change-me
    expect_unset "$f" OPENAI_API_KEY                # empty in the file: offline
    expect_unset "$f" OPENAI_BASE_URL
    expect_unset "$f" CALLSIFT_WORKSPACE_ID
    for key in CALLSIFT_CALLS_ENDPOINT CALLSIFT_EXTRACTIONS_ENDPOINT CALLSIFT_DECISIONS_ENDPOINT \
        CALLSIFT_ACKS_ENDPOINT CALLSIFT_METRICS_PORT; do
        expect_unset "$f" "$key"                    # compose's, not the launcher's
    done
done
grep -q "ignored: CALLSIFT_CALLS_ENDPOINT CALLSIFT_EXTRACTIONS_ENDPOINT CALLSIFT_DECISIONS_ENDPOINT CALLSIFT_ACKS_ENDPOINT" \
    "$work/example.out" || fail "run-local.sh did not say it ignored the endpoints: $(cat "$work/example.out")"
echo "test_deploy_env: ok: deploy/.env.example through run-local.sh --env-file (stand-in stages)"

# The forms compose's reader accepts, read the same way.
printf '%s\n' '# a comment' '' '   # an indented comment' 'export EXPORTED=yes' \
    '  SPACED  =  padded  ' 'DQ="a # not a comment"' "SQ='single quoted'" \
    'DQC="dq"  # a comment' 'INLINE=abc   # a comment' 'HASH=a#b' 'EMPTYQ=""' \
    'CALLSIFT_CALLS_ENDPOINT=tcp://fetcher:5557' 'CALLSIFT_METRICS_PORT=9100' >"$work/forms.env"
printf 'CRLF=crlf\r\nLAST=no-newline' >>"$work/forms.env"
stub_run forms "$work/forms.env" DATABASE_URL=postgresql://x/y ||
    fail "run-local.sh --env-file forms.env: exit status $? ($(tail -n 5 "$work/forms.out"))"
f=$work/forms/writer.log
expect_var "$f" EXPORTED yes
expect_var "$f" SPACED padded
expect_var "$f" DQ "a # not a comment"
expect_var "$f" SQ "single quoted"
expect_var "$f" DQC dq
expect_var "$f" INLINE abc
expect_var "$f" HASH "a#b"
expect_var "$f" CRLF crlf
expect_var "$f" LAST no-newline
expect_unset "$f" EMPTYQ
expect_unset "$f" CALLSIFT_CALLS_ENDPOINT
expect_unset "$f" CALLSIFT_METRICS_PORT

printf 'GOOD=1\nthis is not an assignment\n' >"$work/bad.env"
status=0
stub_run bad "$work/bad.env" DATABASE_URL=postgresql://x/y || status=$?
[ "$status" = 2 ] || fail "a malformed env file: exit status $status, expected 2"
grep -q "bad.env:2: not a KEY=VALUE line" "$work/bad.out" || fail "no line number for the malformed line: $(cat "$work/bad.out")"
[ ! -e "$work/bad/writer.log" ] || fail "a stage started despite the malformed env file"
echo "test_deploy_env: ok: quotes, export, comments, CRLF, malformed lines"

# ---- 2. the real pipeline from deploy/.env.example -----------------------------------------
e2e_create_db
DATABASE_URL=$url "$bin/callsift" migrate >"$work/migrate.out" 2>&1 || fail "callsift migrate: $(cat "$work/migrate.out")"
ws=$(DATABASE_URL=$url "$bin/callsift" workspace create --name "Deploy env test" 2>"$work/workspace.err") ||
    fail "callsift workspace create: $(cat "$work/workspace.err")"

# Nine free loopback ports in a row, below the ephemeral range (as scripts/demo/demo.sh does): four
# endpoints, then the metrics ports of the writer, matcher, fetcher and two extractors.
e2e_free_ports 9

# A clean environment, as tests/e2e/test_demo.c has it (sanitizer options kept when set): what
# the stages get is the file's, but for DATABASE_URL and CALLSIFT_LOG_FORMAT.
e2e_environment CALLSIFT_LOG_FORMAT=json
status=0
timeout -k 10 120 env -i "${environment[@]}" \
    "$launcher" --env-file "$env_example" --bin "$bin" --extractors 2 --base-port "$base" \
    --metrics-port $((base + 4)) \
    --log-dir "$work/pipeline" -- --workspace-id "$ws" --replay samples/calls.jsonl \
    >"$work/pipeline.out" 2>&1 || status=$?
[ "$status" = 0 ] || fail "run-local.sh: exit status $status (124: timed out): $(tail -n 20 "$work/pipeline.out")"

fetcher_log=$work/pipeline/fetcher.log
grep -q "Read 57 calls from samples/calls.jsonl (0 already ingested, 1 private, 0 unreadable)" "$fetcher_log" ||
    fail "the fetcher did not read the 57 sample calls: $(grep -v Progress "$fetcher_log" | tail -n 5)"
grep -q "Successfully ingested 56 calls to database" "$fetcher_log" ||
    fail "the fetcher did not ingest the 56 shareable calls: $(grep -v Progress "$fetcher_log" | tail -n 5)"

processed=$(psql -X -At -v ON_ERROR_STOP=1 -d "$url" \
    -c "SELECT count(*) FILTER (WHERE is_processed) || ' ' || count(*) FROM messages WHERE workspace_id = '$ws'") ||
    fail "cannot count the messages"
[ "$processed" = "56 56" ] || fail "messages processed/stored: $processed, expected 56 56"

writer_log=$work/pipeline/writer.log
lines=$(grep -c . "$writer_log" || true)
[ "$lines" -gt 0 ] || fail "the writer logged nothing"
if grep -v '^{.*}$' "$writer_log" | grep -q .; then
    fail "the writer's log is not JSON (CALLSIFT_LOG_FORMAT=json from the environment should win over the file's text): $(grep -v '^{.*}$' "$writer_log" | head -n 3)"
fi
grep -q '"msg":"Writer ready' "$writer_log" || fail "no JSON 'Writer ready' line in the writer's log"
grep -q 'OFFLINE extractor' "$work/pipeline/extractor-1.log" ||
    fail "the extractor did not use the offline provider (OPENAI_API_KEY= in the file must set nothing)"
# --metrics-port: each stage on a port of its own (writer M, matcher M+1, fetcher M+2, extractor n M+2+n)
k=4
for stage in writer matcher fetcher extractor-1 extractor-2; do
    grep -q "Metrics on port $((base + k))" "$work/pipeline/$stage.log" ||
        fail "$stage did not serve metrics on $((base + k)): $(grep -i metrics "$work/pipeline/$stage.log" | head -n 2)"
    k=$((k + 1))
done
echo "test_deploy_env: ok: the pipeline from deploy/.env.example: 56 of 57 calls processed, JSON logs from the environment, a metrics port per stage"
echo "test_deploy_env: PASS"
