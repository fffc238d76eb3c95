#!/usr/bin/env bash
# Training quality benchmark (not CI; an hour or more on a 2-core CPU): trains as POST /api/training does with every
# hyperparameter at its default (mode auto: head-only, then full fine-tuning, the better on validation kept) on
# SpamAssassin (splits drawn with the default seed) and the Amazon Fine Food reviews (own train/test files), and prints
# the kept mode, the chosen settings and the test metrics next to head-only's.
# Targets: SpamAssassin test macro-F1 >= 0.975; Fine Food test accuracy >= 0.85.
# Extra arguments go to the demo's quality command (Serverless.Demo quality --help lists them): --datasets spam,food,
# --work DIR, --corpus DIR, --food-data DIR, and --mode/--epochs/--max-length/--learning-rate/--trials to override a default.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$REPO_ROOT"
require_tools
ensure_node_tools
step "Building the demo (Release)"
dotnet build src/Serverless.Demo -c Release -nologo -v:q -clp:ErrorsOnly || fail "the build failed (errors above)"
step "Running the quality benchmark"
exec dotnet src/Serverless.Demo/bin/Release/net10.0/linux-x64/Serverless.Demo.dll quality "$@"
