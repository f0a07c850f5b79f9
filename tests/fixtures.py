#!/usr/bin/python3
"""Test fixtures made the way users make models: with PyTorch (Debian's python3-torch, the same LibTorch 1.13).

  fixtures.py models DIR TEST_COUNT   script a small ResNet and trace an MLP, train each briefly on real
                                      Fashion-MNIST, save them to DIR, print PyTorch's own test accuracy (JSON, also
                                      DIR/accuracy.json); CTest runs it once per test run (fixture PytorchModels)
  fixtures.py bad DIR                 write files people mistake for TorchScript models
  fixtures.py check FILE SHAPE        load a file Pare wrote with torch.jit.load, run it, print facts (JSON)
"""
import gzip
import json
import os
import sys
import zipfile
from typing import Dict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FASHION = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530


def read_idx(name):
    with gzip.open(os.path.join(FASHION, name), "rb") as f:
        data = f.read()
    if "images" in name:
        return np.frombuffer(data, np.uint8, offset=16).reshape(-1, 1, 28, 28)
    return np.frombuffer(data, np.uint8, offset=8)


def fashion(train, count):
    prefix = "train" if train else "t10k"
    x = read_idx(f"{prefix}-images-idx3-ubyte.gz")[:count]
    y = read_idx(f"{prefix}-labels-idx1-ubyte.gz")[:count]
    x = (torch.from_numpy(x.astype(np.float32) / 255.0) - MEAN) / STD
    return x, torch.from_numpy(y.astype(np.int64))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:  # projection shortcut
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + self.shortcut(x))


class SmallResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.layer1 = Block(8, 8, 1)
        self.layer2 = Block(8, 16, 2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.layer2(self.layer1(self.stem(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


def fit(model, x, y, steps):
    torch.manual_seed(0)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    model.train()
    for step in range(steps):
        idx = torch.randint(0, len(x), (64,))
        opt.zero_grad()
        F.cross_entropy(model(x[idx]), y[idx]).backward()
        opt.step()
    model.eval()


def accuracy(module, x, y):
    with torch.no_grad():
        return float((module(x).argmax(1) == y).float().mean())


def models(folder, test_count):
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(os.cpu_count() or 1)
    x, y = fashion(True, 4000)
    tx, ty = fashion(False, test_count)
    resnet = SmallResNet()
    fit(resnet, x, y, 150)
    scripted = torch.jit.script(resnet)
    scripted.save(os.path.join(folder, "resnet_scripted.pt"))
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    fit(mlp, x, y, 300)
    traced = torch.jit.trace(mlp, x[:2])
    traced.save(os.path.join(folder, "mlp_traced.pt"))
    # Accuracy of the saved files as PyTorch loads them.
    result = {name: accuracy(torch.jit.load(os.path.join(folder, name + ".pt")), tx, ty)
              for name in ("resnet_scripted", "mlp_traced")}
    with open(os.path.join(folder, "accuracy.json"), "w") as f:
        json.dump(result, f)
    print(json.dumps(result))


def bad(folder):
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 10))
    torch.save(mlp.state_dict(), os.path.join(folder, "state_dict.pt"))
    torch.save(mlp.state_dict(), os.path.join(folder, "state_dict_legacy.pt"), _use_new_zipfile_serialization=False)
    torch.save(mlp, os.path.join(folder, "pickled_module.pt"))
    with zipfile.ZipFile(os.path.join(folder, "not_torchscript.zip"), "w") as z:
        z.writestr("notes/readme.txt", "a zip file, but no model")
    # A TorchScript model for 3x32x32 input without Pare's record.
    torch.jit.trace(mlp, torch.zeros(1, 3, 32, 32)).save(os.path.join(folder, "mlp_rgb32.pt"))
    # Models whose logits are not their first output: a tuple (auxiliary head first) and a dict.
    torch.jit.script(AuxiliaryFirst()).save(os.path.join(folder, "auxiliary_first.pt"))
    torch.jit.script(DictOutputs()).save(os.path.join(folder, "dict_outputs.pt"))


class AuxiliaryFirst(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        logits = self.fc(x.flatten(1))
        return logits[:, :3], logits


class DictOutputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x) -> Dict[str, torch.Tensor]:
        logits = self.fc(x.flatten(1))
        return {"aux": logits[:, :3], "logits": logits}


def check(path, shape):
    # Packed int8 weights load for the engine they were packed for: the record names it.
    with zipfile.ZipFile(path) as archive:
        records = [n for n in archive.namelist() if n.endswith("/extra/pare.json")]
        engine = json.loads(archive.read(records[0])).get("int8_engine") if records else None
    if engine:
        torch.backends.quantized.engine = engine
    extra = {"pare.json": ""}
    module = torch.jit.load(path, _extra_files=extra)
    c, h, w = (int(v) for v in shape.split(","))
    with torch.no_grad():
        out = module(torch.zeros(3, c, h, w))
    if isinstance(out, tuple):  # GoogLeNet's named tuple: the logits come first
        out = out[0]
    print(json.dumps({"output_shape": list(out.shape),
                      "params": sum(p.numel() for p in module.parameters()),
                      "record": json.loads(extra["pare.json"]) if extra["pare.json"] else None,
                      "finite": bool(torch.isfinite(out).all())}))


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "models":
        models(sys.argv[2], int(sys.argv[3]))
    elif command == "bad":
        bad(sys.argv[2])
    elif command == "check":
        check(sys.argv[2], sys.argv[3])
    else:
        sys.exit(f"unknown command {command}")
