#!/usr/bin/env bash
# Builds everything, starts a private Azurite on free loopback ports, runs every test project, and prints one line:
# "N passed, N failed, N skipped". Exits non-zero when a test failed or none ran.
set -euo pipefail
source "$(dirname "$0")/scripts/common.sh"
cd "$REPO_ROOT"
require_tools
ensure_node_tools

step "Building (Release)"
dotnet build Serverless.sln -c Release -nologo -v:q -clp:ErrorsOnly || fail "the build failed (errors above)"

work="$(mktemp -d)"
cleanup() { trap '' INT TERM; stop_azurite; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

start_test_azurite "$work"

status=0
for project in tests/*.Tests/*.csproj; do
  name="$(basename "$project" .csproj)"
  step "Testing $name"
  dotnet test "$project" -c Release --no-build -nologo -v:q \
    --logger "trx;LogFileName=$work/results/$name.trx" --logger "console;verbosity=normal" || status=1
done

passed=0; failed=0; skipped=0
for trx in "$work"/results/*.trx; do
  [ -f "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx")"
  num() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  passed=$((passed + $(num passed))); failed=$((failed + $(num failed)))
  skipped=$((skipped + $(num total) - $(num executed)))
done
[ $((passed + failed)) -gt 0 ] || status=1
[ "$failed" -eq 0 ] || status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
