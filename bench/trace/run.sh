#!/usr/bin/env bash
# bench/trace/run.sh: `hvcall trace` against `wc -l` and an awk one-liner on generated raw-ftrace logs.
#
#   bench/trace/run.sh                 # 100 MiB and 1 GiB logs, 5 runs per tool, best wall time kept
#   RUNS=9 bench/trace/run.sh          # more runs (a shared machine: the best of more runs is closer to quiet)
#   SIZES="100M:104857600" bench/trace/run.sh
#   SKIP_PUBLISH=1 bench/trace/run.sh  # reuse build/hvcall/hvcall
#
# (a) compiles bench/trace/gen.c (gcc -O2) and writes deterministic logs (seed 42) to build/trace/;
# (b) publishes the NativeAOT hvcall to build/hvcall;
# (c) times each tool on each log with the page cache warm, the tools taking turns run after run; keeps the best wall
#     time of RUNS runs and the largest peak RSS (/usr/bin/time), checks that hvcall's per-code call counts equal awk's, and prints a markdown table
#     (also written to build/trace/results.md).
set -euo pipefail
cd "$(dirname "$0")/../.."

out=build/trace
runs=${RUNS:-5}
sizes=${SIZES:-"100M:104857600 1G:1073741824"}
seed=${SEED:-42}
hvcall=build/hvcall/hvcall
mkdir -p "$out"

gcc -O2 -Wall -Wextra -o "$out/gen" bench/trace/gen.c
for spec in $sizes; do
    name=${spec%%:*}
    bytes=${spec##*:}
    file="$out/trace-$name.txt"
    if [ ! -s "$file" ] || [ "$(stat -c %s "$file")" -lt "$bytes" ]; then
        echo "generating $file ($bytes bytes, seed $seed)" >&2
        "$out/gen" "$bytes" "$seed" > "$file"
    fi
done

if [ "${SKIP_PUBLISH:-0}" != 1 ]; then
    dotnet publish src/HvCall.Cli -c Release -r linux-x64 -p:PublishAot=true -o build/hvcall >&2
fi

awk_counts='/kvm_hv_hypercall:/{for(i=1;i<=NF;i++) if($i=="code"){c[$(i+1)]++}} END{for(k in c) print k, c[k]}'

# time_once CMD...: runs CMD once with stdout discarded; prints "wall_ns peak_rss_kb"
time_once() {
    local start end
    start=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$out/time.txt" "$@" > /dev/null
    end=$(date +%s%N)
    echo "$(( end - start )) $(tail -1 "$out/time.txt")"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(uname -r); load before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/results.md"
{
    echo
    echo "| log | tool | best wall (s) | MB/s | peak RSS (MiB) | hvcall trace speed / tool speed |"
    echo "|---|---|---:|---:|---:|---:|"
} | tee -a "$out/results.md"

for spec in $sizes; do
    name=${spec%%:*}
    file="$out/trace-$name.txt"
    bytes=$(stat -c %s "$file")

    # The per-code counts must agree before any time means anything.
    awk "$awk_counts" "$file" | while read -r code n; do printf '%d %s\n' "$code" "$n"; done | sort -n > "$out/awk-$name.txt"
    "$hvcall" trace --json "$file" | tr -d ' \n' | grep -o '{"code":[0-9]*,"name":"[^"]*","known":[a-z]*,"calls":[0-9]*' \
        | sed 's/{"code":\([0-9]*\),.*"calls":\([0-9]*\)/\1 \2/' | sort -n > "$out/hvcall-$name.txt"
    if ! cmp -s "$out/awk-$name.txt" "$out/hvcall-$name.txt"; then
        echo "per-code counts differ between awk and hvcall trace on $file:" >&2
        diff "$out/awk-$name.txt" "$out/hvcall-$name.txt" >&2 || true
        exit 1
    fi

    # The tools take turns, run after run, so a burst of load from elsewhere hits them alike; the best run counts.
    cat "$file" > /dev/null
    declare -A best=() rss=()
    tools=(wc awk hv hv1)
    for _ in $(seq "$runs"); do
        for tool in "${tools[@]}"; do
            case $tool in
                wc) result=$(time_once wc -l "$file") ;;
                awk) result=$(time_once awk "$awk_counts" "$file") ;;
                hv) result=$(time_once "$hvcall" trace "$file") ;;
                hv1) result=$(time_once "$hvcall" trace --threads 1 "$file") ;;
            esac
            read -r ns kb <<< "$result"
            if [ -z "${best[$tool]:-}" ] || [ "$ns" -lt "${best[$tool]}" ]; then best[$tool]=$ns; fi
            if [ -z "${rss[$tool]:-}" ] || [ "$kb" -gt "${rss[$tool]}" ]; then rss[$tool]=$kb; fi
        done
    done
    seconds() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }
    wc_s=$(seconds "${best[wc]}"); wc_kb=${rss[wc]}
    awk_s=$(seconds "${best[awk]}"); awk_kb=${rss[awk]}
    hv_s=$(seconds "${best[hv]}"); hv_kb=${rss[hv]}
    hv1_s=$(seconds "${best[hv1]}"); hv1_kb=${rss[hv1]}
    awk -v name="$name" -v bytes="$bytes" \
        -v wc_s="$wc_s" -v wc_kb="$wc_kb" -v awk_s="$awk_s" -v awk_kb="$awk_kb" \
        -v hv_s="$hv_s" -v hv_kb="$hv_kb" -v hv1_s="$hv1_s" -v hv1_kb="$hv1_kb" 'BEGIN {
        row(name, "wc -l", wc_s, wc_kb, hv_s)
        row(name, "awk (per-code counts)", awk_s, awk_kb, hv_s)
        row(name, "hvcall trace (1 thread)", hv1_s, hv1_kb, hv_s)
        row(name, "hvcall trace", hv_s, hv_kb, hv_s)
    }
    function row(file, tool, s, kb, hv) {
        printf "| %s | %s | %.3f | %.0f | %.1f | %.2f |\n", file, tool, s, bytes / s / 1e6, kb / 1024, s / hv
    }' | tee -a "$out/results.md"
done
echo | tee -a "$out/results.md"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); best of $runs runs each; ratio = tool time / hvcall trace time (above 1: hvcall is faster)" | tee -a "$out/results.md"
