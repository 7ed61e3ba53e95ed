#!/usr/bin/env bash
# Restores, builds with warnings as errors and runs every test of the solution.
# Exits non-zero when the build or any test fails; the last lines are the test runner's summary.
set -euo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

dotnet restore MgeConvert.slnx
dotnet build MgeConvert.slnx --no-restore -c Release -warnaserror
dotnet test MgeConvert.slnx --no-build -c Release
