#!/usr/bin/env python3
"""Runs README's command examples with --threads 1 --seed 0 --json and compares two such runs.

    tests/readme_examples.py run PARE OUTDIR     # every example's stdout, stderr and exit code into OUTDIR
    tests/readme_examples.py compare BEFORE AFTER

For a refactoring: run it with the old build, then with the new one, then compare. Every field must match but
timings (seconds, latencies, throughput), which differ run to run. One thread makes training bit-reproducible.
The examples run on the full Fashion-MNIST and take several minutes; this is a tool for people, not a CTest.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUNDLED = "resources/models/lenet5-fashion-mnist.pt"
DATA = ["--data", "fashion-mnist"]

# (name, arguments, whether the command takes --seed). In README's order; outputs land in the work folder.
EXAMPLES = [
    ("inspect", ["inspect", BUNDLED], False),
    ("inspect-zoo", ["inspect", "resnet8"], False),
    ("eval", ["eval", BUNDLED, *DATA], False),
    ("prune-90", ["prune", BUNDLED, *DATA, "--ratio", "0.9", "--out", "lenet5-p90.pt"], True),
    ("prune-filters-50", ["prune", BUNDLED, *DATA, "--method", "filters", "--ratio", "0.5", "--out", "f50.pt"], True),
    ("prune-activation-50",
     ["prune", BUNDLED, *DATA, "--method", "activation", "--ratio", "0.5", "--out", "a50.pt"], True),
    ("sensitivity", ["sensitivity", BUNDLED, *DATA, "--csv", "sensitivity.csv"], False),
    ("quantize-int8", ["quantize", BUNDLED, *DATA, "--bits", "8", "--engine", "onednn", "--out", "int8.pt"], True),
    ("prune-95", ["prune", BUNDLED, *DATA, "--ratio", "0.95", "--out", "p95.pt"], True),
    ("quantize-4bit", ["quantize", "p95.pt", *DATA, "--bits", "4", "--scheme", "kmeans", "--out", "lenet5-small.pare"],
     True),
    ("eval-small", ["eval", "lenet5-small.pare", *DATA], False),
    ("distill", ["distill", "--teacher", BUNDLED, "--student", "lenet5@0.5", *DATA, "--epochs", "2", "--out", "kd.pt"],
     True),
    ("train-half", ["train", "--model", "lenet5@0.5", *DATA, "--epochs", "2", "--out", "plain.pt"], True),
    ("eval-state-dict", ["eval", "state_dict.pt", *DATA], False),
    ("eval-broken", ["eval", BUNDLED, "--data", "broken/"], False),
    ("compress", ["compress", BUNDLED, *DATA, "--prune", "0.95", "--bits", "4", "--out", "m.pare"], True),
    ("compress-recipe", ["compress", BUNDLED, *DATA, "--recipe", "bench/recipe-section4.json", "--out", "r.pare"],
     False),
    ("export-onnx", ["export", BUNDLED, "--out", "m.onnx"], False),
    ("export-cumsum", ["export", "cumsum.pt", "--out", "cumsum.onnx"], False),
    ("train-bundled", ["train", "--model", "lenet5", *DATA, "--epochs", "4", "--out", "lenet5-fashion-mnist.pt"], True),
]

# Keys whose values are measured times; everything else must match.
TIMING_KEYS = {"seconds", "images_per_second", "latency_ms", "baseline_latency_ms", "latency", "step_seconds",
               "teacher_seconds", "eval_seconds", "train_seconds"}


def make_inputs(work: Path):
    """The bad inputs README shows: a pickled state_dict, a truncated IDX folder, a model with aten::cumsum."""
    (work / "resources").symlink_to(REPO / "resources")
    (work / "bench").symlink_to(REPO / "bench")
    broken = work / "broken"
    broken.mkdir()
    import gzip
    source = Path("/usr/share/datasets/fashion-mnist")
    for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"]:
        data = gzip.open(source / (name + ".gz")).read()
        (broken / name).write_bytes(data[:50192] if name == "train-images-idx3-ubyte" else data)
    script = """
import torch
torch.save(torch.nn.Linear(4, 2).state_dict(), 'state_dict.pt')
class CumSum(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(784, 10)
    def forward(self, x):
        return torch.cumsum(self.fc(x.flatten(1)), 1)
torch.jit.save(torch.jit.script(CumSum()), 'cumsum.pt')
"""
    (work / "make_inputs.py").write_text(script)  # torch.jit.script reads the class's source from a file
    subprocess.run(["/usr/bin/python3", "make_inputs.py"], cwd=work, check=True)


def run(pare: str, out: Path):
    pare = str(Path(pare).resolve())
    out.mkdir(parents=True, exist_ok=True)
    work = out / "work"
    work.mkdir()
    make_inputs(work)
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", OPENBLAS_NUM_THREADS="1")
    for name, args, seeded in EXAMPLES:
        command = [pare, *args, "--threads", "1", "--json"] + (["--seed", "0"] if seeded else [])
        print(" ".join(command[1:]), flush=True)
        done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
        (out / f"{name}.json").write_text(json.dumps({"exit": done.returncode, "stdout": done.stdout,
                                                      "stderr": done.stderr}))


def strip_timings(value):
    if isinstance(value, dict):
        return {k: strip_timings(v) for k, v in value.items() if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [strip_timings(v) for v in value]
    return value


def differences(a, b, path=""):
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                yield f"{path}.{key}: only in {'after' if key in b else 'before'}"
            else:
                yield from differences(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from differences(x, y, f"{path}[{i}]")
    elif a != b:
        yield f"{path}: {json.dumps(a)[:120]} -> {json.dumps(b)[:120]}"


def compare(before: Path, after: Path) -> int:
    failures = 0
    for name, _, _ in EXAMPLES:
        a = json.loads((before / f"{name}.json").read_text())
        b = json.loads((after / f"{name}.json").read_text())
        found = []
        if a["exit"] != b["exit"]:
            found.append(f"exit {a['exit']} -> {b['exit']}")
        if a["exit"] == 0:
            found += differences(strip_timings(json.loads(a["stdout"])), strip_timings(json.loads(b["stdout"])))
        elif a["stderr"] != b["stderr"]:
            found.append(f"stderr {a['stderr'].strip()!r} -> {b['stderr'].strip()!r}")
        print(f"{name}: {'same' if not found else 'DIFFERS'}")
        for line in found:
            print(f"  {line}")
        failures += bool(found)
    print(f"{len(EXAMPLES) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "run":
        run(sys.argv[2], Path(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(compare(Path(sys.argv[2]), Path(sys.argv[3])))
    else:
        sys.exit(__doc__)
