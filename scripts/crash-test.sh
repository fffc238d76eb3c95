#!/usr/bin/env bash
# Queue crash test at scale (not CI): sends N classify messages (default 2000; tiny model), runs the built local host
# against a private Azurite, kills it with SIGKILL after 30% are answered, starts it again, and checks that every message
# is answered, duplicates equal the first answer, and nothing is left in flight (queue empty, no poison). ./test.sh runs
# the same test with 500 messages. Usage: scripts/crash-test.sh [messages]
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$REPO_ROOT"
require_tools
ensure_node_tools

step "Building the local host and its tests (Release)"
dotnet build tests/Serverless.LocalHost.Tests -c Release -nologo -v:q -clp:ErrorsOnly || fail "the build failed (errors above)"

work="$(mktemp -d)"
cleanup() { trap '' INT TERM; stop_azurite; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

start_test_azurite "$work"
export SERVERLESS_CRASH_MESSAGES="${1:-2000}"

step "Running the crash test with $SERVERLESS_CRASH_MESSAGES messages"
dotnet test tests/Serverless.LocalHost.Tests -c Release --no-build -nologo -v:q \
  --filter "FullyQualifiedName~QueueCrashTests" --logger "console;verbosity=detailed"
