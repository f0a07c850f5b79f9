#!/usr/bin/env bash
# `make bench`, compression part: the targets of the compression engine's "Done when" on the full Fashion-MNIST and
# the bundled LeNet-5, each through the `pare` command a user would type. Prints a Markdown table (README shows it).
set -euo pipefail
build=${1:-build}
pare="$build/app/pare"
model="$(dirname "$0")/../resources/models/lenet5-fashion-mnist.pt"
recipe="$(dirname "$0")/recipe-section4.json"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

get() { /usr/bin/python3 -c "import json,sys; d=json.load(open('$1')); print(eval('d' + sys.argv[1]))" "$2"; }
points() { /usr/bin/python3 -c "print(f'{100*($1):+.2f}')"; }

"$pare" prune "$model" --data fashion-mnist --method magnitude-global --ratio 0.9 --out "$work/p90.pt" --json \
    >"$work/p90.json"
"$pare" compress "$model" --data fashion-mnist --prune 0.95 --bits 4 --out "$work/m.pare" --json >"$work/m.json"
"$pare" prune "$model" --data fashion-mnist --method filters --ratio 0.5 --out "$work/f50.pt" --json >"$work/f50.json"
"$pare" quantize "$model" --data fashion-mnist --bits 8 --engine onednn --out "$work/int8.pt" --json >"$work/int8.json"
"$pare" quantize "$model" --data fashion-mnist --bits 8 --engine qnnpack --out "$work/qnnpack.pt" --json \
    >"$work/qnnpack.json"
# Latency at batch 256: dense, filter-pruned and int8 (oneDNN, QNNPACK), interleaved three times (medians).
for round in 1 2 3; do
    "$pare" eval "$model" --data fashion-mnist --json >"$work/dense-$round.json"
    "$pare" eval "$work/f50.pt" --data fashion-mnist --json >"$work/f50-$round.json"
    "$pare" eval "$work/int8.pt" --data fashion-mnist --json >"$work/int8-$round.json"
    "$pare" eval "$work/qnnpack.pt" --data fashion-mnist --json >"$work/qnnpack-$round.json"
done
median() { /usr/bin/python3 -c "import json,sys,statistics; print(f'{statistics.median(json.load(open(f))[\"latency_ms\"][\"batch256\"] for f in sys.argv[1:]):.2f}')" "$@"; }
denseLatency=$(median "$work"/dense-*.json)
f50Latency=$(median "$work"/f50-*.json)
int8Latency=$(median "$work"/int8-*.json)
qnnpackLatency=$(median "$work"/qnnpack-*.json)
for format in onnx; do
    for m in "$model" "$work/p90.pt" "$work/f50.pt"; do
        "$pare" export "$m" --data fashion-mnist --out "$work/$(basename "$m" .pt).onnx" --json >"$work/$(basename "$m" .pt)-onnx.json"
    done
done
"$pare" train --model lenet5@0.5 --data fashion-mnist --epochs 2 --out "$work/plain.pt" --json >"$work/plain.json"
"$pare" distill --teacher "$model" --student lenet5@0.5 --data fashion-mnist --temperature 4 --alpha 0.9 --epochs 2 \
    --out "$work/kd.pt" --json >"$work/kd.json"
start=$(date +%s.%N)
"$pare" compress "$model" --data fashion-mnist --recipe "$recipe" --out "$work/recipe.pare" --json >"$work/recipe.json"
recipeSeconds=$(/usr/bin/python3 -c "print(f'{$(date +%s.%N) - $start:.0f}')")

baseline=$(get "$work/p90.json" "['baseline_accuracy']")
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo
echo "| command | result | target |"
echo "|---|---|---|"
p90=$(get "$work/p90.json" "['accuracy']")
echo "| \`pare prune --ratio 0.9\` (global magnitude, 2 fine-tune epochs) | accuracy $p90, $(points "$p90-$baseline") points | drop <= 0.5 |"
m=$(get "$work/m.json" "['accuracy']")
mBytes=$(get "$work/m.json" "['out_bytes']")
dense=$(get "$work/m.json" "['sizes']['dense_fp32']")
echo "| \`pare compress --prune 0.95 --bits 4 --out m.pare\` | $mBytes bytes ($(/usr/bin/python3 -c "print(f'{$dense/$mBytes:.1f}')")x below dense fp32 $dense), accuracy $m, $(points "$m-$baseline") points | >= 40x, drop <= 1.0 |"
f50=$(get "$work/f50.json" "['accuracy']")
f50Bytes=$(get "$work/f50.json" "['out_bytes']")
denseBytes=$(stat -c %s "$model")
echo "| \`pare prune --method filters --ratio 0.5\` (2 fine-tune epochs) | accuracy $f50, $(points "$f50-$baseline") points; latency b256 $f50Latency ms vs dense $denseLatency ms ($(/usr/bin/python3 -c "print(f'{$denseLatency/$f50Latency:.2f}')")x); TorchScript file $f50Bytes vs $denseBytes bytes | >= 1.6x faster, drop <= 1.5, smaller file |"
int8=$(get "$work/int8.json" "['accuracy']")
int8Bytes=$(get "$work/int8.json" "['out_bytes']")
echo "| \`pare quantize --bits 8 --engine onednn\` (quantized:: ops, min-max calibration, no fine-tuning) | accuracy $int8, $(points "$int8-$baseline") points; latency b256 $int8Latency ms vs fp32 $denseLatency ms ($(/usr/bin/python3 -c "print(f'{$denseLatency/$int8Latency:.2f}')")x); QNNPACK $qnnpackLatency ms; TorchScript file $int8Bytes bytes | >= 3x faster, within 0.3 points |"
onnx=""
for name in "$(basename "$model" .pt)" p90 f50; do
    onnx="$onnx $name: $(get "$work/$name-onnx.json" "['opencv_check']['same_top1']")/$(get "$work/$name-onnx.json" "['opencv_check']['images']");"
done
echo "| ONNX exports in OpenCV DNN (same top-1 as LibTorch on the test set) |$onnx | >= 99.9%, differences only near-ties |"
plain=$(get "$work/plain.json" "['accuracy']")
kd=$(get "$work/kd.json" "['accuracy']")
plainSeconds=$(get "$work/plain.json" "['seconds']")
kdSeconds=$(get "$work/kd.json" "['seconds']")
teacherSeconds=$(get "$work/kd.json" "['teacher_seconds']")
echo "| lenet5@0.5, 2 epochs: \`pare distill\` T=4 vs \`pare train\` | KD $kd vs plain $plain; KD training $(printf '%.1f' "$kdSeconds") s + teacher pass $(printf '%.1f' "$teacherSeconds") s vs plain $(printf '%.1f' "$plainSeconds") s | KD beats plain; cost <= plain + one teacher pass |"
r=$(get "$work/recipe.json" "['accuracy']")
rBytes=$(get "$work/recipe.json" "['out_bytes']")
echo "| the recipe of section 4 (\`bench/recipe-section4.json\`) | ${recipeSeconds} s end to end; accuracy $r, $(points "$r-$baseline") points; $rBytes bytes | < 10 minutes |"
