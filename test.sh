#!/usr/bin/env bash
# Restores, builds with warnings as errors and runs every test of the solution.
# Exits non-zero when the build or any test fails; the last line is "tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if [[ ! -d tests/oracles/litert/node_modules/@litertjs/core ]]; then
  (cd tests/oracles/litert && npm ci --no-audit --no-fund)
fi

dotnet restore MgeConvert.slnx
dotnet build MgeConvert.slnx --no-restore -c Release -warnaserror

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test MgeConvert.slnx --no-build -c Release 2>&1 | tee "$log" || status=$?

summary=$(grep -E '^(Passed|Failed)!' "$log" | tail -n 1 || true)
passed=$(sed -nE 's/.*Passed: *([0-9]+).*/\1/p' <<<"$summary")
failed=$(sed -nE 's/.*Failed: *([0-9]+),.*/\1/p' <<<"$summary")
skipped=$(sed -nE 's/.*Skipped: *([0-9]+).*/\1/p' <<<"$summary")
echo "tests: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit "$status"
