#!/usr/bin/env bash
# `make bench`: Pare's training loop beside the same loop in PyTorch's Python API (same LibTorch 1.13 underneath),
# one epoch of LeNet-5 on the full Fashion-MNIST at batch 64, under the threading environments that matter here.
# Prints Markdown tables (README shows them). This machine is a shared VM and single runs swing by 20% or more,
# so the three headline rows run interleaved, three rounds, and print the median and the range.
set -euo pipefail
build=${1:-build}
bench="$build/bench/bench_train_throughput"
py=/usr/bin/python3
script="$(dirname "$0")/pytorch_train.py"

field() { sed -E "s/.*\"$1\": ([0-9.]+).*/\1/"; }
summary() { # numbers on stdin -> "median (min-max)"
    sort -n | awk '{v[NR]=$1} END {printf "%.0f (%.0f-%.0f)", v[int((NR+1)/2)], v[1], v[NR]}'
}
pare() { env "$@" "$bench"; }
torch() { # threads [--channels-last] -- env...
    local threads=$1 layout=$2; shift 3
    env "$@" "$py" "$script" "$threads" $layout
}

declare -a pareDefault torchBest torchChannelsLast
for round in 1 2 3; do
    line=$(pare X=1)
    pareDefault+=("$(field train_images_per_second <<<"$line")")
    [ "$round" = 1 ] && pareFigures=$line
    torchBest+=("$(torch 2 "" -- OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=1 | field images_per_second)")
    torchChannelsLast+=("$(torch 2 --channels-last -- OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=1 | field images_per_second)")
done

echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo
echo "| training loop | environment | images/s, median (range) |"
echo "|---|---|---|"
echo "| Pare | its defaults: OMP_WAIT_POLICY=PASSIVE, OPENBLAS_NUM_THREADS=1, 2 threads, channels-last | $(printf '%s\n' "${pareDefault[@]}" | summary) |"
echo "| PyTorch | best settings: 2 threads, OMP_WAIT_POLICY=PASSIVE, OPENBLAS_NUM_THREADS=1 | $(printf '%s\n' "${torchBest[@]}" | summary) |"
echo "| PyTorch | best settings, and the loop rewritten for channels-last | $(printf '%s\n' "${torchChannelsLast[@]}" | summary) |"
echo "| Pare | as LibTorch starts (PARE_KEEP_ENV=1) | $(pare PARE_KEEP_ENV=1 | field train_images_per_second) |"
echo "| Pare | its environment, NCHW layout (PARE_NCHW=1) | $(pare PARE_NCHW=1 | field train_images_per_second) |"
echo "| PyTorch | as it starts (1 thread) | $(torch 0 "" -- X=1 | field images_per_second) |"
echo "| PyTorch | torch.set_num_threads(2) | $(torch 2 "" -- X=1 | field images_per_second) |"
echo "| PyTorch | 2 threads, OMP_WAIT_POLICY=PASSIVE | $(torch 2 "" -- OMP_WAIT_POLICY=PASSIVE | field images_per_second) |"
echo
echo "Pare, other figures (its defaults, first round):"
echo
echo "| loading full Fashion-MNIST | evaluation (batch 256) | latency batch 1 | latency batch 256 |"
echo "|---|---|---|---|"
printf '| %.2f s | %.0f images/s | %.3f ms | %.2f ms |\n' "$(field load_seconds <<<"$pareFigures")" \
    "$(field eval_images_per_second <<<"$pareFigures")" "$(field latency_ms_batch1 <<<"$pareFigures")" \
    "$(field latency_ms_batch256 <<<"$pareFigures")"

echo
echo "Studio responsiveness: the real window runs 90% pruning (1 fine-tune epoch) and 4-bit k-means (1 epoch) on the"
echo "full Fashion-MNIST while a 10 ms timer on the GUI thread records its gaps (goal: largest gap under 100 ms)."
echo
echo "| engine threads (of cores) | run | largest gap | 99th percentile gap |"
echo "|---|---|---|---|"
QT_QPA_PLATFORM=offscreen OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=1 "$build/bench/bench_studio_responsiveness" \
    2>/dev/null | while read -r line; do
    printf '| %s of %s | %s s | %s ms | %s ms |\n' "$(field engine_threads <<<"$line")" "$(field cores <<<"$line")" \
        "$(field run_seconds <<<"$line")" "$(field largest_gap_ms <<<"$line")" "$(field p99_gap_ms <<<"$line")"
done

echo
echo "Live preview: the real window, the ratio slider dragged to 16 positions not measured ahead; from the last step"
echo "until the chart has drawn the marker (goals: first marker median <= 300 ms, measured marker median <= 3 s)."
echo
echo "| preview of a new slider position | median | 95th percentile |"
echo "|---|---|---|"
line=$(QT_QPA_PLATFORM=offscreen OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=1 PARE_CLI="$build/app/pare" \
    "$build/bench/bench_preview_latency" 2>/dev/null)
printf '| first marker drawn (%s of 16 estimates) | %s ms | %s ms |\n' "$(field first_was_estimate <<<"$line")" \
    "$(field first_p50_ms <<<"$line")" "$(field first_p95_ms <<<"$line")"
printf '| measured marker drawn | %s ms | %s ms |\n' "$(field measured_p50_ms <<<"$line")" \
    "$(field measured_p95_ms <<<"$line")"

echo
echo "Compression targets (bench/compression.sh):"
echo
"$(dirname "$0")/compression.sh" "$build"

echo
echo "Structured pruning makes models faster: torchvision's ResNet-18 and MobileNetV2 (full size, 10 classes, briefly"
echo "trained at 32x32 by tests/architectures.py), pruned by filters without fine-tuning, at batch 32 on 3x224x224,"
echo "five interleaved rounds of three passes each."
echo
models=$(mktemp -d)
trap 'rm -rf "$models"' EXIT
"$py" "$(dirname "$0")/../tests/architectures.py" make "$models" --full --only resnet18,mobilenet_v2 >/dev/null
OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=1 "$build/bench/bench_pruning_latency" \
    "resnet18=$models/resnet18_scripted.pt:0.5:2.0" "mobilenet_v2=$models/mobilenet_v2_scripted.pt:0.3:1.3"

echo
echo "A snapshot's cost against one fine-tuning epoch: torchvision's ConvNeXt-Tiny (28M parameters, full size) at"
echo "3x32x32, 5,000 training images (goal: under 10%)."
echo
"$py" "$(dirname "$0")/../tests/architectures.py" make "$models" --full --only convnext_tiny >/dev/null
OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=1 "$build/bench/bench_snapshot_cost" "$models/convnext_tiny_scripted.pt" 2

echo
echo "Image folders of real size (bench/streaming.sh): 20,000 generated JPEG images of 256x256 and torchvision's"
echo "mobilenet_v2 (width 0.5) at 3x224x224 (goals: peaks under 2.5 GB, streamed fine-tuning within 15%)."
echo
"$(dirname "$0")/streaming.sh" "$build"

echo
echo "Models of real size (bench/big_models.sh): ConvNeXt-Tiny on the command line, DenseNet-121 in the studio."
echo
"$(dirname "$0")/big_models.sh" "$build"

echo
echo "Sweeps on this machine (bench/sweep.sh): 12 configurations of the bundled LeNet-5, --jobs 2 against --jobs 1."
echo
ROUNDS=3 "$(dirname "$0")/sweep.sh" "$build"

echo
echo "pare search within a 20-minute budget on the bundled LeNet-5 (bench/search.sh; 40 minutes):"
echo
"$(dirname "$0")/search.sh" "$build"
