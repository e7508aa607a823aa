#!/usr/bin/env bash
# Runs seeded VMBus fault scenarios in Release: faults/run.sh [count (default 10000)] [first seed (default 1)] [--verbose]
# Each seed draws a machine (flat x64/ARM64 or nested with 0-2 L2 guests, 1-4 VPs), a workload and a FaultPlan, runs it
# and checks FaultInvariants; prints scenarios/s, what the faults did and every violation. Exit 0 when all passed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
dotnet build faults/HvCall.Faults -c Release -v quiet -nologo >/dev/null
exec dotnet faults/HvCall.Faults/bin/Release/net10.0/HvCall.Faults.dll "$@"
