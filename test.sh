#!/usr/bin/env bash
# Restores, builds with warnings as errors and runs every test of the solution; then packs the library and the
# tool, installs the tool from the packages, publishes the native AOT binary and runs the CLI tests against it.
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

# Packaging: the library and tool packages, and the tool installs from them.
rm -rf artifacts/packages artifacts/tool
dotnet pack MgeConvert.slnx --no-build -c Release -o artifacts/packages
dotnet tool install --tool-path artifacts/tool --add-source artifacts/packages mgeconvert
artifacts/tool/mgeconvert --version

# The native AOT binary, and the CLI tests run against it (MGECONVERT_BIN).
aot_start=$SECONDS
dotnet publish src/MgeConvert.Cli/MgeConvert.Cli.csproj -c Release -r linux-x64 -p:PublishAot=true -o artifacts/aot
echo "native AOT publish: $((SECONDS - aot_start)) s, $(stat -c %s artifacts/aot/mgeconvert) bytes"
aot_log=$(mktemp)
trap 'rm -f "$log" "$aot_log"' EXIT
MGECONVERT_BIN="$PWD/artifacts/aot/mgeconvert" dotnet test tests/MgeConvert.Tests --no-build -c Release \
  --filter "FullyQualifiedName~MgeConvert.Tests.Cli.Cli|FullyQualifiedName~SampleConversionTests" 2>&1 | tee "$aot_log" || status=$?
echo "CLI tests against the native AOT binary: $(grep -E '^(Passed|Failed)!' "$aot_log" | tail -n 1 || true)"

summary=$(grep -E '^(Passed|Failed)!' "$log" | tail -n 1 || true)
passed=$(sed -nE 's/.*Passed: *([0-9]+).*/\1/p' <<<"$summary")
failed=$(sed -nE 's/.*Failed: *([0-9]+),.*/\1/p' <<<"$summary")
skipped=$(sed -nE 's/.*Skipped: *([0-9]+).*/\1/p' <<<"$summary")
echo "tests: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit "$status"
