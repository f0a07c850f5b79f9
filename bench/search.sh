#!/usr/bin/env bash
# `make bench`, search part (issue 12's targets): `pare search` on the bundled LeNet-5 and the full Fashion-MNIST within
# a 20-minute budget, for the smallest .pare file within 0.5 points (target: at least 100x below dense fp32, at most
# 17,243 bytes, within 0.5 points on the test split) and, as a stretch, within 1.0 point (200x, at most 8,621 bytes).
# Prints a Markdown table and the recipes found.
set -euo pipefail
build=${1:-build}
pare="$build/app/pare"
model="$(dirname "$0")/../resources/models/lenet5-fashion-mnist.pt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dense=1724320 # 4 bytes per parameter of the bundled LeNet-5 (431,080 parameters)

echo "| --max-drop | winner's .pare file | below dense fp32 | validation drop | test accuracy (drop) | within the limit on test | candidates | target |"
echo "|---|---|---|---|---|---|---|---|"
for spec in "0.5 100" "1.0 200"; do
    set -- $spec
    "$pare" search "$model" --data fashion-mnist --max-drop "$1" --budget 20m --json --out "$work/s$1.pare" \
        --save-recipe "$work/s$1.json" >"$work/report$1.json"
    /usr/bin/python3 - "$work/report$1.json" "$1" "$2" "$dense" <<'PY'
import json, sys
report, limit, factor, dense = json.load(open(sys.argv[1])), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
w = report["winner"]
ratio = dense / w["out_bytes"]
met = ratio >= factor and w["within_limit"]
print(f"| {limit} | {w['out_bytes']:,} bytes | {ratio:.1f}x | {w['validation_drop_points']:+.2f} points "
      f"| {w['test_accuracy']:.4f} ({-w['test_drop_points']:+.2f} points) | {'yes' if w['within_limit'] else 'NO'} "
      f"| {report['runs']} in {report['seconds']:.0f} s | >= {factor}x within {limit}: {'met' if met else 'NOT met'} |")
PY
done
for limit in 0.5 1.0; do
    echo
    echo "Recipe found within $limit points (pare compress --recipe reruns it):"
    echo
    echo '```json'
    cat "$work/s$limit.json"
    echo '```'
done
