#!/usr/bin/env bash
# Serves the function app on http://localhost:7071 against a local Azurite, with a real model.
# Uses Azure Functions Core Tools (func) when installed, otherwise the project's local host. Ctrl-C stops everything.
set -euo pipefail
source "$(dirname "$0")/scripts/common.sh"
cd "$REPO_ROOT"
require_tools
ensure_node_tools

PORT="${PORT:-7071}"
BLOB_PORT="${AZURITE_BLOB_PORT:-10000}"; QUEUE_PORT="${AZURITE_QUEUE_PORT:-10001}"; TABLE_PORT="${AZURITE_TABLE_PORT:-10002}"
CONFIG=Release
OUT="bin/$CONFIG/net10.0/linux-x64"
APP_PID=""

cleanup() {
  # A second Ctrl-C (or a signal forwarded by a wrapper) must not cut the cleanup short and leave Azurite running.
  trap - EXIT
  trap '' INT TERM
  if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then
    kill -TERM "$APP_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$APP_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$APP_PID" 2>/dev/null || true
  fi
  stop_azurite
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for p in "$PORT" "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT"; do
  if port_in_use "$p"; then
    fail "port $p is in use: stop what listens there (another ./run.sh or Azurite?), or choose other ports with PORT / AZURITE_BLOB_PORT / AZURITE_QUEUE_PORT / AZURITE_TABLE_PORT"
  fi
done

step "Building the function app, the local host, the trainer and the demo (first build restores packages: a few minutes)"
# One build of what run.sh starts (Serverless.Run.slnf: the local host, with the function app, the trainer and the demo).
dotnet build Serverless.Run.slnf -c "$CONFIG" -nologo -v:q -clp:ErrorsOnly || fail "the build failed (errors above)"

step "Starting Azurite on 127.0.0.1:$BLOB_PORT/$QUEUE_PORT/$TABLE_PORT (data in .azurite/)"
start_azurite "$REPO_ROOT/.azurite" "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT" "$REPO_ROOT/.azurite/azurite.log"
export AzureWebJobsStorage="$(azurite_connection_string "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT")"
# The local training runner starts this trainer as a child process for each training run.
export Training__Runner__Kind=local
export Training__Runner__Local__TrainerPath="$REPO_ROOT/src/Serverless.Trainer/$OUT/Serverless.Trainer.dll"
export Training__Runner__Local__WorkDirectory="$REPO_ROOT/.training"

step "Making sure the quick-start model exists (first run: publishes minilm and trains spam head-only, a few minutes)"
dotnet "src/Serverless.Demo/$OUT/Serverless.Demo.dll" quickstart || fail "the quick-start model could not be built (see above)"

FUNCTIONS_OUT="$REPO_ROOT/src/Serverless.Functions/$OUT"
if command -v func >/dev/null 2>&1; then
  [ -f local.settings.json ] || { cp local.settings.sample.json local.settings.json; step "Created local.settings.json from local.settings.sample.json"; }
  cp local.settings.json "$FUNCTIONS_OUT/local.settings.json"
  step "Starting the function app with Azure Functions Core Tools on port $PORT"
  (cd "$FUNCTIONS_OUT" && exec func host start --port "$PORT") &
else
  step "Starting the function app with the local host on port $PORT (Azure Functions Core Tools not found)"
  dotnet "src/Serverless.LocalHost/$OUT/Serverless.LocalHost.dll" --port "$PORT" --script-root "$REPO_ROOT" &
fi
APP_PID=$!

for _ in $(seq 1 600); do
  kill -0 "$APP_PID" 2>/dev/null || fail "the function app exited during start (see above)"
  if http_ok "http://127.0.0.1:$PORT/api/health"; then break; fi
  sleep 0.5
done
http_ok "http://127.0.0.1:$PORT/api/health" || fail "the function app did not become ready within 5 minutes"

cat <<READY

  Ready on http://localhost:$PORT — Ctrl-C stops the app and Azurite.

  curl -s localhost:$PORT/api/classify -H 'content-type: application/json' \\
    -d '{"texts":["WIN a FREE cruise! Click here to claim your prize","Can we move the meeting to 3pm?"]}'
  curl -s localhost:$PORT/api/models
  curl -s localhost:$PORT/api/health

  Queue message (Azure CLI):
  az storage message put --queue-name classify-requests --connection-string "\$CS" --content '{"id":"demo-1","text":"Your invoice is attached"}'
  az storage message get --queue-name classify-results --connection-string "\$CS"
  where CS='$AzureWebJobsStorage'

READY
wait "$APP_PID"
