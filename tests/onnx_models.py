#!/usr/bin/python3
"""ONNX graphs for the import's tests, made at test time with Debian's python3-onnx and python3-torch.

  onnx_models.py keras-lenet LENET.pt OUT.onnx [--opset N] [--external]
        the bundled LeNet-5's weights as the graph tf2onnx writes for a Keras model: NHWC input with a free batch,
        a transpose to NCHW and back around every convolution and pooling, a Shape-based flatten of the NHWC map
        (Shape, Gather, Unsqueeze, Concat, Reshape), dense layers as MatMul + Add with Keras's [in, out] kernels
        whose rows follow the NHWC flatten; --external keeps the weights in OUT.onnx.data beside it
  onnx_models.py keras-cnn OUT.onnx
        a Keras-shaped CNN with random weights (seed 0): NHWC convolutions with SAME padding, BatchNormalization
        folded the way tf2onnx writes it (Mul and Add by per-channel constants on the NHWC map), max pooling,
        GlobalAveragePooling2D as a ReduceMean over H and W, a dense layer; OUT.expected.pt holds 8 NHWC inputs and
        the logits PyTorch computes for them
  onnx_models.py check-cnn EXPECTED.pt IMPORTED.pt
        run the file Pare wrote from the import (it takes NCHW) on the expected inputs; print facts (JSON)
  onnx_models.py export ARCH_DIR OUT_DIR
        torchvision's families (the traced fixtures of architectures.py) exported with torch.onnx.export, each at
        one of the opsets 11, 13 and 17 in turn, ResNet-18 at all three; prints the cases (JSON)
  onnx_models.py compare CASES.json
        for each case {name, original, imported[, images]}: run the original PyTorch file and the file Pare wrote
        from the ONNX import on real images (3x32x32, or 1x28x28 where images is "fashion-mnist"); print facts
        (JSON, one line)
  onnx_models.py unknown-op OUT.onnx
        a graph with an operator outside Pare's list (TopK)
  onnx_models.py inputs FILE.onnx
        print the graph's input shape (JSON), for checking the layout Pare writes
"""
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from architectures import images  # noqa: E402
from fixtures import fashion  # noqa: E402


class TfGraph:
    """Nodes and initializers of a graph in the shape tf2onnx writes."""

    def __init__(self):
        self.nodes, self.inits = [], []

    def const(self, name, array):
        array = array.numpy() if isinstance(array, torch.Tensor) else np.asarray(array)
        self.inits.append(numpy_helper.from_array(np.require(array, requirements="C"), name))  # keeps 0-d
        return name

    def node(self, op, inputs, name, **attrs):
        self.nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def wrapped(self, op, x, name, *extra, **attrs):
        """op on NCHW between the transposes tf2onnx leaves around it."""
        t = self.node("Transpose", [x], f"{name}__to_nchw", perm=[0, 3, 1, 2])
        y = self.node(op, [t, *extra], f"{name}/{op}", **attrs)
        return self.node("Transpose", [y], f"{name}__to_nhwc", perm=[0, 2, 3, 1])


def keras_lenet(lenet_path, out, opset, external):
    state = {k: v.detach().numpy() for k, v in torch.jit.load(lenet_path).state_dict().items()}
    tf = TfGraph()
    const, node, wrapped, nodes, inits = tf.const, tf.node, tf.wrapped, tf.nodes, tf.inits

    x = wrapped("Conv", "input_1", "sequential/conv2d", const("conv2d/kernel", state["conv1.weight"]),
                const("conv2d/bias", state["conv1.bias"]), kernel_shape=[5, 5])
    x = wrapped("MaxPool", x, "sequential/max_pooling2d", kernel_shape=[2, 2], strides=[2, 2])
    x = wrapped("Conv", x, "sequential/conv2d_1", const("conv2d_1/kernel", state["conv2.weight"]),
                const("conv2d_1/bias", state["conv2.bias"]), kernel_shape=[5, 5])
    x = wrapped("MaxPool", x, "sequential/max_pooling2d_1", kernel_shape=[2, 2], strides=[2, 2])
    # Flatten as tf2onnx writes it for a free batch: [batch, -1] from the tensor's own shape.
    shape = node("Shape", [x], "sequential/flatten/Shape")
    batch = node("Gather", [shape, const("zero", np.array(0, np.int64))], "sequential/flatten/strided_slice", axis=0)
    if opset >= 13:
        batch = node("Unsqueeze", [batch, const("axes0", np.array([0], np.int64))], "sequential/flatten/Unsqueeze")
    else:
        batch = node("Unsqueeze", [batch], "sequential/flatten/Unsqueeze", axes=[0])
    target = node("Concat", [batch, const("minus_one", np.array([-1], np.int64))], "sequential/flatten/Concat",
                  axis=0)
    x = node("Reshape", [x, target], "sequential/flatten/Reshape")
    # Keras's dense kernel is [in, out] and reads the NHWC flatten: rows in (h, w, c) order.
    fc1 = state["fc1.weight"]  # [500, 800], columns in (c, h, w) order
    kernel = fc1.reshape(500, 50, 4, 4).transpose(2, 3, 1, 0).reshape(800, 500)
    x = node("MatMul", [x, const("dense/kernel", kernel)], "sequential/dense/MatMul")
    x = node("Add", [x, const("dense/bias", state["fc1.bias"])], "sequential/dense/BiasAdd")
    x = node("Relu", [x], "sequential/dense/Relu")
    x = node("MatMul", [x, const("dense_1/kernel", state["fc2.weight"].T.copy())], "sequential/dense_1/MatMul")
    node("Add", [x, const("dense_1/bias", state["fc2.bias"])], "dense_1")
    graph = helper.make_graph(
        nodes, "sequential", [helper.make_tensor_value_info("input_1", TensorProto.FLOAT, ["unk__6", 28, 28, 1])],
        [helper.make_tensor_value_info("dense_1", TensorProto.FLOAT, ["unk__6", 10])], inits)
    model = helper.make_model(graph, producer_name="tf2onnx-shaped", opset_imports=[helper.make_opsetid("", opset)])
    onnx.checker.check_model(model)
    if external:
        onnx.save_model(model, out, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=os.path.basename(out) + ".data", size_threshold=1024)
    else:
        onnx.save(model, out)


def keras_cnn(out):
    g = torch.Generator().manual_seed(0)
    w1 = torch.randn(16, 1, 3, 3, generator=g) * 0.5
    b1 = torch.randn(16, generator=g) * 0.1
    scale = torch.rand(16, generator=g) + 0.5
    shift = torch.randn(16, generator=g) * 0.1
    w2 = torch.randn(32, 16, 3, 3, generator=g) * 0.2
    kernel = torch.randn(32, 10, generator=g) * 0.5
    bias = torch.randn(10, generator=g) * 0.1
    tf = TfGraph()
    const, node, wrapped, nodes, inits = tf.const, tf.node, tf.wrapped, tf.nodes, tf.inits

    x = wrapped("Conv", "input_1", "model/conv2d", const("conv2d/kernel", w1), const("conv2d/bias", b1),
                kernel_shape=[3, 3], auto_pad="SAME_UPPER")
    x = node("Mul", [x, const("batch_normalization/scale", scale)], "model/batch_normalization/mul")
    x = node("Add", [x, const("batch_normalization/shift", shift)], "model/batch_normalization/add")
    x = node("Relu", [x], "model/re_lu/Relu")
    x = wrapped("MaxPool", x, "model/max_pooling2d", kernel_shape=[2, 2], strides=[2, 2])
    x = wrapped("Conv", x, "model/conv2d_1", const("conv2d_1/kernel", w2), kernel_shape=[3, 3], strides=[2, 2],
                auto_pad="SAME_UPPER")
    x = node("Relu", [x], "model/conv2d_1/Relu")
    x = node("ReduceMean", [x], "model/global_average_pooling2d/Mean", axes=[1, 2], keepdims=0)
    x = node("MatMul", [x, const("dense/kernel", kernel)], "model/dense/MatMul")
    node("Add", [x, const("dense/bias", bias)], "dense")
    graph = helper.make_graph(
        nodes, "model", [helper.make_tensor_value_info("input_1", TensorProto.FLOAT, ["unk__1", 28, 28, 1])],
        [helper.make_tensor_value_info("dense", TensorProto.FLOAT, ["unk__1", 10])], inits)
    model = helper.make_model(graph, producer_name="tf2onnx-shaped", opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, out)
    # The same network in PyTorch, NCHW inside: TensorFlow's SAME pads the extra row and column at the end.
    inputs, _ = fashion(False, 8)
    with torch.no_grad():
        y = F.conv2d(F.pad(inputs, (1, 1, 1, 1)), w1, b1)
        y = F.relu(y * scale.view(1, -1, 1, 1) + shift.view(1, -1, 1, 1))
        y = F.max_pool2d(y, 2, 2)
        y = F.relu(F.conv2d(F.pad(y, (0, 1, 0, 1)), w2, stride=2))
        logits = y.mean((2, 3)) @ kernel + bias
    torch.save({"inputs_nhwc": inputs.permute(0, 2, 3, 1).contiguous(), "logits": logits}, out + ".expected.pt")


def check_cnn(expected_path, imported_path):
    expected = torch.load(expected_path)
    imported = torch.jit.load(imported_path).eval()
    with torch.no_grad():
        out = imported(expected["inputs_nhwc"].permute(0, 3, 1, 2))
    reference = expected["logits"]
    print(json.dumps({"max_abs_difference": float((out - reference).abs().max()),
                      "tolerance": 1e-4 * max(1.0, float(reference.abs().max())),
                      "reference_std": float(reference.std())}))


def export(arch_dir, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    names = sorted(n[: -len("_traced.pt")] for n in os.listdir(arch_dir) if n.endswith("_traced.pt")
                   and not n.startswith("attention"))
    x, _ = images(False, 2)
    cases = []
    for i, name in enumerate(names):
        opsets = [11, 13, 17] if name == "resnet18" else [[11, 13, 17][i % 3]]
        original = os.path.join(arch_dir, f"{name}_traced.pt")
        model = torch.jit.load(original).eval()
        for opset in opsets:
            path = os.path.join(out_dir, f"{name}_opset{opset}.onnx")
            try:
                torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"],
                                  output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
            except Exception as e:  # noqa: BLE001 - PyTorch's exporter refuses some; say which and why
                cases.append({"name": f"{name}_opset{opset}", "export_error": str(e).splitlines()[0][:200]})
                continue
            cases.append({"name": f"{name}_opset{opset}", "original": original, "onnx": path})
    print(json.dumps(cases))


def first(output):
    return output[0] if isinstance(output, (tuple, list)) else output


def compare(cases_path):
    with open(cases_path) as f:
        cases = json.load(f)
    x32, _ = images(False, 64)
    x28, _ = fashion(False, 64)
    facts = {}
    for case in cases:
        x = x28 if case.get("images") == "fashion-mnist" else x32
        original = torch.jit.load(case["original"]).eval()
        imported = torch.jit.load(case["imported"]).eval()
        with torch.no_grad():
            reference = first(original(x))
            out = first(imported(x))
        scale = max(1.0, float(reference.abs().max()))
        facts[case["name"]] = {
            "shape_same": list(out.shape) == list(reference.shape),
            "max_abs_difference": float((out - reference).abs().max()),
            "tolerance": 1e-4 * scale,
            "reference_std": float(reference.std()),
            "params_original": sum(p.numel() for p in original.parameters()),
            "params_imported": sum(p.numel() for p in imported.parameters()),
            "trainable_layers": sum(1 for n, p in imported.named_parameters() if n.endswith("weight") and p.dim() >= 2),
        }
    print(json.dumps(facts))


def unknown_op(out):
    nodes = [helper.make_node("TopK", ["input", "k"], ["values", "indices"], name="top_five", axis=3),
             helper.make_node("Flatten", ["values"], ["logits"], name="flatten")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["n", 1, 28, 28])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["n", 140])],
                              [numpy_helper.from_array(np.array([5], np.int64), "k")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), out)


def inputs(path):
    model = onnx.load(path, load_external_data=False)
    dims = [d.dim_value if d.HasField("dim_value") else d.dim_param
            for d in model.graph.input[0].type.tensor_type.shape.dim]
    print(json.dumps({"input": dims, "nodes": len(model.graph.node)}))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "keras-lenet":
        opset = int(args[args.index("--opset") + 1]) if "--opset" in args else 13
        keras_lenet(args[0], args[1], opset, "--external" in args)
    elif command == "keras-cnn":
        keras_cnn(args[0])
    elif command == "check-cnn":
        check_cnn(args[0], args[1])
    elif command == "export":
        export(args[0], args[1])
    elif command == "compare":
        compare(args[0])
    elif command == "unknown-op":
        unknown_op(args[0])
    elif command == "inputs":
        inputs(args[0])
    else:
        sys.exit(f"unknown command {command}")
