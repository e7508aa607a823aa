#!/usr/bin/env bash
# The long fuzz run: fuzz/run.sh [calls] [seed] [more hvcall-fuzz options...]
# Builds the fuzzer in Release and issues CALLS (default 10,000,000) seeded hypercalls across every standard
# configuration, printing calls/s per configuration, the status table per code and the findings.
# Exit 0 without findings, 1 with findings.
set -euo pipefail
cd "$(dirname "$0")/.."
calls="${1:-10000000}"
seed="${2:-1}"
shift $(( $# > 2 ? 2 : $# ))
dotnet build fuzz/HvCall.Fuzzing -c Release --nologo -v q -clp:NoSummary
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ)"
exec dotnet fuzz/HvCall.Fuzzing/bin/Release/net10.0/HvCall.Fuzzing.dll --calls "$calls" --seed "$seed" "$@"
