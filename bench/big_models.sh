#!/usr/bin/env bash
# Issue 13's model targets:
#   - pare inspect and pare eval --test-limit 256 on torchvision's ConvNeXt-Tiny (28 M parameters) at 3x32x32, each
#     under 15 s (wall clock, the whole command: loading, the work, latency repeats capped by time);
#   - the studio with torchvision's DenseNet-121 loaded: no GUI stall over 100 ms while loading, switching tabs,
#     scrolling the layer table, or opening and zooming the weights view of its largest layer (bench_studio_big_model).
# bench/big_models.sh [BUILD]
set -euo pipefail
build=${1:-build}
pare="$build/app/pare"
py=/usr/bin/python3
here=$(dirname "$0")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=1

"$py" "$here/../tests/architectures.py" make "$work" --full --only convnext_tiny >/dev/null
timed() { # label, then the command: prints a table row of its wall clock and peak memory
    local label=$1
    shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || { cat "$work/stderr"; exit 1; }
    awk -v label="$label" '{printf "| %s | %.1f s | %.2f GB |\n", label, $1, $2 / 1048576}' "$work/time"
}
echo "| ConvNeXt-Tiny, 3x32x32 | wall clock (goal under 15 s) | peak resident |"
echo "|---|---|---|"
timed "pare inspect" "$pare" inspect "$work/convnext_tiny_scripted.pt" --input-shape 3,32,32
timed "pare eval --test-limit 256 (Fashion-MNIST)" "$pare" eval "$work/convnext_tiny_scripted.pt" \
    --data fashion-mnist --input-shape 3,32,32 --test-limit 256

echo
"$py" "$here/streaming_fixtures.py" "$work/photos" 500
"$py" "$here/streaming_fixtures.py" --densenet "$work/densenet121.pt"
line=$(QT_QPA_PLATFORM=offscreen "$build/bench/bench_studio_big_model" "$work/densenet121.pt" "$work/photos" \
    2>/dev/null)
field() { "$py" -c "import json, sys; print(json.load(sys.stdin)['$1'])" <<<"$line"; }
echo "The studio with DenseNet-121 ($(field layer_rows) layers with weights; record 3x64x64; a 500-image folder):" \
    "loaded in $(field load_seconds) s; largest layer $(field largest_layer) ($(field largest_layer_weights)" \
    "weights, shown: $(field weights_shown))."
echo
echo "| action | largest gap of a 10 ms timer (goal under 100 ms) |"
echo "|---|---|"
for phase in load tabs layer_table weights weights_zoom; do
    echo "| $phase | $(field "largest_gap_ms_$phase") ms |"
done
