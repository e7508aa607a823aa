#!/usr/bin/env bash
# Tracing off vs no event model: the simulated round trips (SimulatedRoundTripBenchmarks) of this checkout beside the
# same suite built from a revision before the event model, in one run, alternating the two builds ROUNDS times;
# then the tracing suite (TracingBenchmarks: no sink, KVM writer, Perfetto writer) of this checkout.
#
# Usage: bench/trace-off.sh [BASE_REV] [ROUNDS]   (default: 2076b21, the last commit before HvCall.Tracing; 2 rounds)
# Prints one table: per benchmark, the best mean of each build over the rounds and head / base (target <= 1.03).
# Needs only the .NET SDK and git. Work files: $HVCALL_TRACE_OFF_DIR (default /tmp/hvcall-trace-off: the base worktree and
# the BDN artifacts; outside the repository, because BenchmarkDotNet refuses two projects of one name below one root).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BASE="${1:-2076b21}"
ROUNDS="${2:-2}"
WORK="${HVCALL_TRACE_OFF_DIR:-/tmp/hvcall-trace-off}"
BASE_TREE="$WORK/base"
mkdir -p "$WORK"

if [ ! -d "$BASE_TREE" ]; then
  git worktree add --detach "$BASE_TREE" "$BASE" >/dev/null
else
  git -C "$BASE_TREE" checkout --detach -q "$BASE"
fi

echo "== build (Release): base $BASE and head $(git rev-parse --short HEAD)"
dotnet build -c Release "$BASE_TREE/bench/HvCall.Benchmarks" -nologo -v quiet
dotnet build -c Release bench/HvCall.Benchmarks -nologo -v quiet

run() { # tree artifacts filter
  dotnet run -c Release --no-build --project "$1/bench/HvCall.Benchmarks" -- --filter "$3" --artifacts "$2" >"$2.log" 2>&1
}

for round in $(seq "$ROUNDS"); do
  echo "== round $round: base, then head"
  run "$BASE_TREE" "$WORK/base-$round" '*SimulatedRoundTripBenchmarks*'
  run "$ROOT" "$WORK/head-$round" '*SimulatedRoundTripBenchmarks*'
done

echo "== tracing suite (head)"
run "$ROOT" "$WORK/tracing" '*TracingBenchmarks*'

echo "== simulated round trips, best mean of $ROUNDS rounds (ns; allocation per call)"
python3 - "$WORK" "$ROUNDS" <<'PY'
import csv, glob, sys
work, rounds = sys.argv[1], int(sys.argv[2])
def means(kind):
    best = {}
    for r in range(1, rounds + 1):
        for path in glob.glob(f"{work}/{kind}-{r}/results/*SimulatedRoundTrip*-report.csv"):
            for row in csv.DictReader(open(path), delimiter=';'):
                key = row['Method']
                mean = float(row['Mean [ns]'].replace(',', ''))
                alloc = row.get('Allocated [B]', '?')
                if key not in best or mean < best[key][0]:
                    best[key] = (mean, alloc)
    return best
base, head = means('base'), means('head')
print(f"| benchmark | base (no event model) | head (tracing off) | head / base | allocated (head) |")
print(f"| --- | ---: | ---: | ---: | ---: |")
for key in base:
    if key in head:
        print(f"| {key} | {base[key][0]:.2f} | {head[key][0]:.2f} | {head[key][0] / base[key][0]:.3f} | {head[key][1]} B |")
for path in glob.glob(f"{work}/tracing/results/*TracingBenchmarks*-report.csv"):
    print()
    print("| tracing benchmark | mean (ns) | ratio | allocated |")
    print("| --- | ---: | ---: | ---: |")
    for row in csv.DictReader(open(path), delimiter=';'):
        print(f"| {row['Method']} | {row['Mean [ns]']} | {row.get('Ratio', '')} | {row.get('Allocated [B]', '?')} B |")
PY
