#!/usr/bin/env bash
# Builds and runs HvCall's routing benchmarks: the C reference (gcc -O2) and the C# BenchmarkDotNet suites,
# then prints the side-by-side tables (C# vs C, bitmap vs switch, issuing path vs no routing) and the targets.
#
# Usage: bench/run.sh [all|decision|issuing|simulated|echo|native]   (default: all; "simulated" runs only the simulated
# round trips, "echo" only the VMBus echo channel and its signals-per-packet count, "native" the C loop through
# libhvcall's hypercall page beside the managed calls, and the cold start of the NativeAOT hvcall beside the JIT one)
# Needs only the .NET SDK, gcc and make. Outputs: bench/native/build/ (C binary, catalog codes, C results)
# and $HVCALL_BENCH_ARTIFACTS (default BenchmarkDotNet.Artifacts/: BDN logs, results/*.csv|md, comparison.md).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SUITES="${1:-all}"
PROJECT=bench/HvCall.Benchmarks
BUILD=bench/native/build
ARTIFACTS="${HVCALL_BENCH_ARTIFACTS:-$ROOT/BenchmarkDotNet.Artifacts}"
BENCH=(dotnet run -c Release --no-build --project "$PROJECT" --)

case "$SUITES" in
  all) FILTERS=('*RoutingDecisionBenchmarks*' '*IssuingPathBenchmarks*' '*SimulatedRoundTripBenchmarks*' '*EchoChannelBenchmarks*' '*NativePathBenchmarks*') ;;
  decision) FILTERS=('*RoutingDecisionBenchmarks*') ;;
  issuing) FILTERS=('*IssuingPathBenchmarks*') ;;
  simulated) FILTERS=('*SimulatedRoundTripBenchmarks*') ;;
  echo) FILTERS=('*EchoChannelBenchmarks*') ;;
  native) FILTERS=('*NativePathBenchmarks*') ;;
  *) echo "usage: $0 [all|decision|issuing|simulated|echo|native]" >&2; exit 2 ;;
esac

echo "== build (C# Release, C gcc -O2)"
dotnet build -c Release "$PROJECT" -nologo -v quiet
make -C bench/native OUT=build all

echo "== catalog codes (single source: HypercallCatalog.All) and mix check"
"${BENCH[@]}" --dump-codes > "$BUILD/codes.txt"
echo "$(wc -l < "$BUILD/codes.txt") codes, $(grep -c ' 1$' "$BUILD/codes.txt") nested when nested root"

echo "== C reference"
"$BUILD/routing_bench" "$BUILD/codes.txt" | tee "$BUILD/native-results.txt"
"${BENCH[@]}" --mix-digests | sed 's/^/DIGEST /' > "$BUILD/cs-digests.txt"
if ! diff <(grep '^DIGEST' "$BUILD/native-results.txt") "$BUILD/cs-digests.txt"; then
  echo "error: the C and C# mixes differ (digests above); the comparison would be meaningless" >&2
  exit 1
fi
echo "mixes identical in C and C# (FNV-1a digests match)"

echo "== page-split probe (explains an occasional ~13 ns issuing-path case; see docs/benchmarks.md)"
"$BUILD/page_split" | tee "$BUILD/page-split.txt"

echo "== C# BenchmarkDotNet: ${FILTERS[*]}"
rm -rf "$ARTIFACTS/results"
"${BENCH[@]}" --filter "${FILTERS[@]}" --artifacts "$ARTIFACTS"

echo "== comparison"
"${BENCH[@]}" --report "$ARTIFACTS/results" "$BUILD/native-results.txt" | tee "$ARTIFACTS/comparison.md"

round_trips="$ARTIFACTS/results/HvCall.Benchmarks.SimulatedRoundTripBenchmarks-report-github.md"
if [ -f "$round_trips" ]; then
  echo "== simulated round trips (guest issue -> handler -> back; Ratio = nested / flat)"
  cat "$round_trips" | tee -a "$ARTIFACTS/comparison.md"
fi

echo_channel="$ARTIFACTS/results/HvCall.Benchmarks.EchoChannelBenchmarks-report-github.md"
if [ -f "$echo_channel" ]; then
  echo "== VMBus echo channel, guest -> host, per packet (Ratio = nested / flat)"
  cat "$echo_channel" | tee -a "$ARTIFACTS/comparison.md"
  echo "== signals per packet under a sustained burst (a count, not a timing)"
  "${BENCH[@]}" --echo-signals | tee -a "$ARTIFACTS/comparison.md"
fi

native_path="$ARTIFACTS/results/HvCall.Benchmarks.NativePathBenchmarks-report-github.md"
if [ -f "$native_path" ]; then
  echo "== C through libhvcall's hypercall page (gcc -O2 -mno-red-zone), beside the same calls managed"
  dotnet publish src/HvCall.Native -c Release -r linux-x64 -o build/native -nologo -v quiet
  make -C bench/native OUT=build LIBDIR=../../build/native page_bench
  "$BUILD/page_bench" | tee "$BUILD/page-results.txt"
  cat "$native_path" | tee -a "$ARTIFACTS/comparison.md"

  echo "== cold start: hvcall decode 0x5c, NativeAOT beside JIT (median of 41 runs each, ms)"
  dotnet publish src/HvCall.Cli -c Release -r linux-x64 -p:PublishAot=true -o build/hvcall -nologo -v quiet
  dotnet build src/HvCall.Cli -c Release -nologo -v quiet
  median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
  time_ms() { local s e; s=$(date +%s%N); "$@" > /dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000 )) | awk '{printf "%.2f\n", $1/1000}'; }
  native_ms=$(for i in $(seq 41); do time_ms build/hvcall/hvcall decode 0x5c; done | median)
  jit_ms=$(for i in $(seq 41); do time_ms dotnet src/HvCall.Cli/bin/Release/net10.0/hvcall.dll decode 0x5c; done | median)
  echo "| hvcall decode 0x5c | median ms |" | tee -a "$ARTIFACTS/comparison.md"
  echo "|---|---:|" | tee -a "$ARTIFACTS/comparison.md"
  echo "| NativeAOT (build/hvcall/hvcall) | $native_ms |" | tee -a "$ARTIFACTS/comparison.md"
  echo "| JIT (dotnet hvcall.dll) | $jit_ms |" | tee -a "$ARTIFACTS/comparison.md"
fi
