#!/usr/bin/python3
"""Opening ONNX models, end to end through the `pare` command (CTest: OnnxImport).

  onnx_import.py PARE LENET.pt ARCH_DIR WORK

LENET.pt is the bundled LeNet-5, ARCH_DIR the torchvision fixtures of architectures.py, WORK a scratch folder.
Prints one line per check and closes with "N passed, N failed"; exits 1 when any failed.
"""
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = [sys.executable, os.path.join(HERE, "onnx_models.py")]
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'PASS' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""), flush=True)


def pare(*args):
    run = subprocess.run([PARE, *args], capture_output=True, text=True)
    return run.returncode, run.stdout, run.stderr.strip()


def pare_json(*args):
    code, out, err = pare(*args, "--json")
    try:
        return code, json.loads(out) if code == 0 else {}, err
    except json.JSONDecodeError:
        return code, {}, err


def models(*args):
    return subprocess.run([*MODELS, *args], check=True, capture_output=True, text=True).stdout


def keras_lenet():
    """The bundled LeNet-5 as a Keras-shaped graph must reproduce its accuracy on all 10,000 test images."""
    path = os.path.join(WORK, "lenet_keras.onnx")
    models("keras-lenet", LENET, path, "--opset", "13")
    code, report, err = pare_json("eval", path, "--data", "fashion-mnist")
    check("keras-shaped LeNet-5 reproduces 0.9090", code == 0 and round(report.get("accuracy", 0), 4) == 0.909,
          err or f"accuracy {report.get('accuracy')}")
    code, report, err = pare_json("inspect", path)
    names = [layer["name"] for layer in report.get("layers", [])]
    check("layers named by the documented rule", names == ["sequential.conv2d", "sequential.conv2d_1",
                                                           "sequential.dense", "sequential.dense_1"], str(names))
    return path


def every_step(path):
    """Each step of Pare on the imported graph (2,000 training and 1,000 test images)."""
    data = ["--data", "fashion-mnist", "--train-limit", "2000", "--test-limit", "1000"]
    out = lambda name: os.path.join(WORK, name)  # noqa: E731
    code, report, err = pare_json("prune", path, *data, "--ratio", "0.7", "--finetune-epochs", "0", "--out",
                                  out("m.pt"), "--force")
    check("magnitude pruning", code == 0 and report["nonzero_params"] < 0.35 * report["params"], err)
    code, report, err = pare_json("sensitivity", path, *data)
    check("sensitivity", code == 0 and len(report.get("layers", [])) == 4, err)
    code, report, err = pare_json("distill", "--teacher", path, "--student", "self", "--temperature", "4", *data,
                                  "--epochs", "1", "--out", out("d.pt"), "--force")
    check("distillation into itself", code == 0 and report["accuracy"] > 0.85, err)
    code, report, err = pare_json("quantize", path, *data, "--bits", "8", "--engine", "onednn", "--out",
                                  out("q.pt"), "--force")
    check("int8 on oneDNN lowers both convolutions and agrees", code == 0
          and report["int8_lowered_convolutions"] == 2 and report["int8_agreement"] >= 0.99, err)
    code, _, err = pare("export", path, "--out", out("k.pare"), "--force")
    accuracies = [pare_json("eval", f, "--data", "fashion-mnist", "--test-limit", "1000")[1].get("accuracy")
                  for f in (path, out("k.pare"))]
    check(".pare round trip", code == 0 and accuracies[0] == accuracies[1], err or str(accuracies))


def keras_opset11_external():
    """Opset 11 (Unsqueeze's axes an attribute), weights in a file beside the model: the same outputs as LeNet-5."""
    folder = os.path.join(WORK, "external")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "lenet_keras11.onnx")
    models("keras-lenet", LENET, path, "--opset", "11", "--external")
    out = os.path.join(WORK, "lenet_keras11.pt")
    code, _, err = pare("export", path, "--out", out, "--force")
    check("opset 11 with external data imports and exports as TorchScript", code == 0, err)
    if code == 0:
        cases = os.path.join(WORK, "lenet_cases.json")
        with open(cases, "w") as f:
            json.dump([{"name": "lenet", "original": LENET, "imported": out, "images": "fashion-mnist"}], f)
        facts = json.loads(subprocess.run([*MODELS, "compare", cases], check=True, capture_output=True,
                                          text=True).stdout)["lenet"]
        check("opset 11 import computes LeNet-5's logits", facts["max_abs_difference"] <= facts["tolerance"],
              f"{facts['max_abs_difference']:.2e}")
    moved = os.path.join(WORK, "lenet_keras11_alone.onnx")
    shutil.copy(path, moved)
    code, _, err = pare("inspect", moved)
    check("external data missing: exit 2 naming the file", code == 2 and "lenet_keras11_alone.onnx" in err
          and "beside the model" in err, err)


def keras_cnn():
    """A second Keras-shaped graph: SAME padding, BatchNorm as tf2onnx writes it (Mul, Add on NHWC), global average
    pooling as a ReduceMean over H and W; PyTorch computes the expected logits."""
    path = os.path.join(WORK, "keras_cnn.onnx")
    models("keras-cnn", path)
    out = os.path.join(WORK, "keras_cnn.pt")
    code, _, err = pare("export", path, "--out", out, "--force")
    facts = json.loads(models("check-cnn", path + ".expected.pt", out)) if code == 0 else {}
    check("keras-shaped CNN computes PyTorch's logits", code == 0 and facts["reference_std"] > 0.1
          and facts["max_abs_difference"] <= facts["tolerance"], err or str(facts))
    pruned = os.path.join(WORK, "keras_cnn_pruned.onnx")
    code, report, err = pare_json("prune", path, "--method", "filters", "--ratio", "0.3", "--data", "fashion-mnist",
                                  "--out", pruned, "--force", "--train-limit", "256", "--test-limit", "256",
                                  "--finetune-epochs", "0")
    dims = json.loads(models("inputs", pruned))["input"] if code == 0 else []
    check("keras-shaped CNN: filters 0.3 through the NHWC BatchNorm, ONNX still NHWC and agreeing with OpenCV",
          code == 0 and report["params"] <= 0.75 * report["baseline_params"] and report.get("onnx_check") == "opencv"
          and report["check"]["agreement"] >= 0.999 and dims[1:] == [28, 28, 1], err or str(dims))


def compress(path, name, extra):
    out = os.path.join(WORK, f"{name}_small.onnx")
    code, report, err = pare_json("compress", path, "--data", "fashion-mnist", "--prune", "0.5", "--method", "filters",
                                  "--bits", "8", "--out", out, "--force", "--finetune-epochs", "1", "--qat-epochs",
                                  "1", *extra)
    ok = code == 0 and os.path.getsize(out) < os.path.getsize(path) and report.get("onnx_check") in ("opencv",
                                                                                                     "reference")
    agreement = report.get("check", {}).get("agreement", 0)
    check(f"{name}: compress --method filters --bits 8 writes a smaller, checked ONNX", ok and agreement >= 0.999,
          err or f"{os.path.getsize(path)} -> {report.get('out_bytes')} bytes, {report.get('onnx_check')} check, "
                 f"{agreement} agree")
    return out


def families():
    cases = json.loads(models("export", ARCH_DIR, os.path.join(WORK, "torchvision")))
    compared = []
    for case in cases:
        if "export_error" in case:
            print(f"NOTE {case['name']}: PyTorch's exporter refuses it: {case['export_error']}")
            continue
        out = case["onnx"][: -len(".onnx")] + ".pt"
        code, _, err = pare("export", case["onnx"], "--out", out, "--force")
        check(f"{case['name']}: imports", code == 0, err)
        if code == 0:
            compared.append({"name": case["name"], "original": case["original"], "imported": out})
    path = os.path.join(WORK, "families.json")
    with open(path, "w") as f:
        json.dump(compared, f)
    facts = json.loads(subprocess.run([*MODELS, "compare", path], check=True, capture_output=True, text=True).stdout)
    for name, f in facts.items():
        check(f"{name}: same logits as PyTorch", f["shape_same"] and f["reference_std"] > 0.1
              and f["max_abs_difference"] <= f["tolerance"] and f["trainable_layers"] > 0,
              f"max difference {f['max_abs_difference']:.2e}, tolerance {f['tolerance']:.2e}")
    check("at least 12 families compared", len(facts) >= 12, str(len(facts)))
    return {c["name"]: c["onnx"] for c in cases if "onnx" in c}


def prune_and_export(onnx_files):
    """Import -> filter pruning -> ONNX, checked by OpenCV DNN (or the reference evaluator) on test images."""
    for name in ("resnet18_opset13", "shufflenet_v2_x0_5_opset11", "densenet121_opset13"):
        out = os.path.join(WORK, f"{name}_pruned.onnx")
        code, report, err = pare_json("prune", onnx_files[name], "--method", "filters", "--ratio", "0.3", "--data",
                                      "fashion-mnist", "--out", out, "--force", "--train-limit", "256",
                                      "--test-limit", "256", "--finetune-epochs", "0")
        ok = code == 0 and report["params"] <= 0.75 * report["baseline_params"] \
            and report.get("onnx_check") == "opencv" and report["check"]["agreement"] >= 0.999
        check(f"{name}: filters 0.3, then ONNX agrees with OpenCV DNN", ok,
              err or f"{report.get('baseline_params')} -> {report.get('params')} parameters, "
                     f"{report.get('onnx_check')}")


def vit_to_onnx(onnx_files):
    """The imported vision transformer (sequence-first attention as PyTorch's exporter writes it) exports to ONNX
    again, checked by the reference evaluator (OpenCV 4.6 cannot run it)."""
    out = os.path.join(WORK, "vit_pruned.onnx")
    code, report, err = pare_json("prune", onnx_files["vit_opset11"], "--ratio", "0.3", "--data", "fashion-mnist",
                                  "--out", out, "--force", "--train-limit", "256", "--test-limit", "256",
                                  "--finetune-epochs", "0")
    check("vit_opset11: magnitude pruning, then ONNX agrees with the reference evaluator", code == 0
          and report.get("onnx_check") == "reference" and report["check"]["agreement"] >= 0.999, err)


def refusal():
    path = os.path.join(WORK, "topk.onnx")
    models("unknown-op", path)
    out = os.path.join(WORK, "topk.pt")
    code, _, err = pare("export", path, "--out", out)
    check("an operator outside the list: exit 2 naming node and type, nothing written",
          code == 2 and "top_five" in err and "TopK" in err and not os.path.exists(out), err)


def nhwc_output(path):
    dims = json.loads(models("inputs", path))["input"]
    check("the compressed Keras-shaped model still takes NHWC", dims[1:] == [28, 28, 1], str(dims))


if __name__ == "__main__":
    PARE, LENET, ARCH_DIR, WORK = sys.argv[1:5]
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    lenet = keras_lenet()
    every_step(lenet)
    keras_opset11_external()
    keras_cnn()
    refusal()
    small = compress(lenet, "keras_lenet", ["--train-limit", "2000"])
    if os.path.exists(small):
        nhwc_output(small)
    onnx_files = families()
    compress(onnx_files["mobilenet_v2_opset17"], "mobilenet_v2", ["--train-limit", "1000", "--test-limit", "500"])
    prune_and_export(onnx_files)
    vit_to_onnx(onnx_files)
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    sys.exit(0 if passed == len(results) else 1)
