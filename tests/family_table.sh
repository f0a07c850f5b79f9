#!/usr/bin/env bash
# README's family table: every step of Pare on each model that tests/architectures.py makes.
#   [FORM=traced] [SENSITIVITY_IMAGES=N] tests/family_table.sh BUILD MODELS_DIR
#   (MODELS_DIR from `architectures.py make DIR [--full]`)
# Prints one Markdown row per model file: "ok" (with what it measured) or the first words of the error. Steps run
# on 256 training and 256 test images of Fashion-MNIST converted to 3x32x32, without fine-tuning (sensitivity:
# SENSITIVITY_IMAGES validation images per point, default 256; distillation: one epoch into the filter-pruned model).
set -uo pipefail
build=$1
models=$2
pare="$build/app/pare"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
common=(--data fashion-mnist --input-shape 3,32,32 --train-limit 256 --test-limit 256)

cell() { # command... -> "ok" or the error's first words
    local out
    if out=$("$@" 2>&1 >/dev/null); then echo ok; else
        echo "$out" | grep -v '^frame\|^W20\|WARNING' | head -1 | sed -E 's/^pare: [^:]*: //; s/\|/\//g' | cut -c1-90
    fi
}
lowered() { # pare quantize --engine ... --json -> "ok, 15 of 15 convolutions int8, 100% agree"
    local json
    if json=$("$@" --json 2>"$work/err"); then
        /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin)
print("ok, %d of %d convolutions int8, %.1f%% agree" % (d["int8_lowered_convolutions"], d["convolutions"], 100*d["int8_agreement"]))' <<<"$json"
    else grep -v '^frame\|^W20\|WARNING' "$work/err" | head -1 | sed -E 's/^pare: [^:]*: //' | cut -c1-90; fi
}
checked() { # pare export ... .onnx --json -> "ok, opencv" or "ok, reference" (which runtime checked it)
    local json
    if json=$("$@" --json 2>"$work/err"); then
        /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); c=d["check"]
print("ok, %s, %d of %d agree" % (d["onnx_check"], c["same_top1"], c["images"]))' <<<"$json"
    else grep -v '^frame\|^W20\|WARNING' "$work/err" | head -1 | sed -E 's/^pare: [^:]*: //' | cut -c1-90; fi
}
in_pytorch() { # FILE -> "" when PyTorch loads it and gets [3,10] finite logits, else "; PyTorch: fails"
    local out
    out=$(/usr/bin/python3 "$(dirname "$0")/fixtures.py" check "$1" 3,32,32 2>/dev/null) || { echo "; PyTorch: fails"; return; }
    grep -q '"output_shape": \[3, 10\].*"finite": true' <<<"$out" || echo "; PyTorch: wrong output"
}
kept() { # pare prune ... --json -> "ok, 52% of parameters kept" (filters) or "ok, 50% zeros" (magnitude)
    local json
    if json=$("$@" --json 2>"$work/err"); then
        /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); kept=d["params"]/d["baseline_params"]
print("ok, %d%% of parameters kept" % round(100*kept) if kept < 1 else "ok, %d%% zeros" % round(100*d["sparsity"]))' <<<"$json"
    else grep -v '^frame\|^W20\|WARNING' "$work/err" | head -1 | sed -E 's/^pare: [^:]*: //' | cut -c1-90; fi
}

echo "| model | inspect | eval | magnitude 50% | filters 30% | sensitivity | distill into filters 30% | 4-bit weights | 8-bit activations | int8 (oneDNN) | .pare | ONNX |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for file in "$models"/*_"${FORM:-scripted}".pt; do
    name=$(basename "$file" .pt)
    row="| $name"
    row+=" | $(cell "$pare" inspect "$file" --input-shape 3,32,32)"
    row+=" | $(cell "$pare" eval "$file" "${common[@]}")"
    row+=" | $(kept "$pare" prune "$file" "${common[@]}" --method magnitude-global --ratio 0.5 --finetune-epochs 0 --out "$work/m.pt" --force)"
    rm -f "$work/f.pt" "$work/i.pt"
    row+=" | $(kept "$pare" prune "$file" "${common[@]}" --method filters --ratio 0.3 --finetune-epochs 0 --out "$work/f.pt" --force)"
    [ -f "$work/f.pt" ] && row+="$(in_pytorch "$work/f.pt")"
    row+=" | $(cell "$pare" sensitivity "$file" "${common[@]}" --images "${SENSITIVITY_IMAGES:-256}")"
    if [ -f "$work/f.pt" ]; then
        row+=" | $(cell "$pare" distill --teacher "$file" --student "$work/f.pt" "${common[@]}" --epochs 1 --out "$work/d.pt" --force)"
    else row+=" | no pruned student"; fi
    row+=" | $(cell "$pare" quantize "$file" "${common[@]}" --bits 4 --qat-epochs 0 --out "$work/q.pt" --force)"
    row+=" | $(cell "$pare" quantize "$file" "${common[@]}" --bits 8 --activation-bits 8 --qat-epochs 0 --out "$work/a.pt" --force)"
    row+=" | $(lowered "$pare" quantize "$file" "${common[@]}" --bits 8 --activation-bits 8 --engine onednn --qat-epochs 0 --out "$work/i.pt" --force)"
    [ -f "$work/i.pt" ] && row+="$(in_pytorch "$work/i.pt")"
    row+=" | $(cell "$pare" export "$file" --input-shape 3,32,32 --out "$work/e.pare" --force)"
    row+=" | $(checked "$pare" export "$file" "${common[@]}" --out "$work/e.onnx" --force)"
    echo "$row |"
done
