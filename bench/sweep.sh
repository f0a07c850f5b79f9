#!/usr/bin/env bash
# `make bench`, sweeps part: the local executor's speed-up on this machine. A 12-configuration sweep (pruning ratio x
# quantization bits) of the bundled LeNet-5 on 5,000 Fashion-MNIST training and 2,000 test images, run with
# --jobs 1 (one task at a time, all cores its threads) and --jobs 2 (two at once, the cores divided), interleaved
# over ROUNDS rounds in fresh folders. Prints a Markdown table: wall seconds, median (range), and the speed-up.
set -euo pipefail
build=${1:-build}
rounds=${ROUNDS:-2}
pare="$build/app/pare"
model="$(dirname "$0")/../resources/models/lenet5-fashion-mnist.pt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/sweep.json" <<'JSON'
{"version": 1,
 "recipe": {"version": 1, "steps": [{"prune": {"method": "magnitude-global", "ratio": 0.5, "finetune_epochs": 1}},
                                    {"quantize": {"bits": 8, "scheme": "kmeans", "finetune_epochs": 0}}]},
 "axes": [{"pointer": "/steps/0/prune/ratio", "from": 0.6, "to": 0.96, "count": 4},
          {"pointer": "/steps/1/quantize/bits", "values": [3, 4, 6]}]}
JSON

summary() { # numbers on stdin -> "median (min-max)"
    sort -n | awk '{v[NR]=$1} END {printf "%.1f (%.1f-%.1f)", v[int((NR+1)/2)], v[1], v[NR]}'
}
run() { # jobs round -> wall seconds
    local start end
    start=$(date +%s.%N)
    "$pare" sweep run "$work/sweep.json" --model "$model" --data fashion-mnist --out "$work/j$1-r$2" --jobs "$1" \
        --train-limit 5000 --test-limit 2000 >/dev/null 2>"$work/j$1-r$2.log"
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}'
}

declare -a one two
for round in $(seq "$rounds"); do
    if [ $((round % 2)) = 1 ]; then
        one+=("$(run 1 "$round")")
        two+=("$(run 2 "$round")")
    else
        two+=("$(run 2 "$round")")
        one+=("$(run 1 "$round")")
    fi
done
m1=$(printf '%s\n' "${one[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
m2=$(printf '%s\n' "${two[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
cores=$(nproc)
half=$((cores / 2 > 0 ? cores / 2 : 1))
threads() { [ "$1" = 1 ] && echo "1 thread" || echo "$1 threads"; }
echo "| local executor, $(nproc) cores | 12 tasks, wall seconds, median (range) of $rounds | speed-up |"
echo "|---|---|---|"
echo "| --jobs 1 (each task $(threads "$cores")) | $(printf '%s\n' "${one[@]}" | summary) | 1.00x |"
echo "| --jobs 2 (each task $(threads "$half")) | $(printf '%s\n' "${two[@]}" | summary) | $(awk -v a="$m1" -v b="$m2" 'BEGIN {printf "%.2f", a / b}')x |"
