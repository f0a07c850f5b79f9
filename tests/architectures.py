#!/usr/bin/python3
"""The model families people deploy, made at test time from Debian's python3-torchvision (no weights downloaded).

  architectures.py make DIR [--full] [--only a,b]   build each family for 3x32x32 input and 10 classes, train it
                                                    briefly on real Fashion-MNIST (padded to 32x32, grey to RGB) so
                                                    that its logits are far from zero, save DIR/NAME_scripted.pt and
                                                    DIR/NAME_traced.pt, and DIR/architectures.json (facts per file)
  architectures.py names                           print the family names, one per line
  architectures.py compare CASES.json              for each case {name, original, pruned, removed: [{parameter, dim,
                                                    indices}]}: zero exactly what was removed in the original, run
                                                    both on real images in PyTorch, print facts (JSON, one line)

Tests use reduced versions (fewer blocks, width multipliers, a small VGG classifier): the structure that matters to
Pare (depthwise and grouped convolutions, concatenations, channel shuffles, squeeze-and-excitation gates, LayerNorm
with permute, attention) is the same as at full size. --full builds torchvision's own configurations, for README's
family table and the benchmarks.
"""
import json
import os
import sys
import time
import warnings
from functools import partial

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.models as tvm
from torchvision.models.convnext import CNBlockConfig

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import fashion  # noqa: E402

warnings.filterwarnings("ignore")  # torchvision's notes on scripted GoogLeNet outputs


def small_vgg(full):
    cfg = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"] if full else [16, "M", 32, "M", 32, "M"]
    model = tvm.VGG(tvm.vgg.make_layers(cfg, batch_norm=True), num_classes=10, init_weights=True)
    # A 10-class VGG with a small classifier: torchvision's 4096-wide one is 120M parameters of little interest here.
    width = cfg[-2]
    model.classifier = nn.Sequential(nn.Linear(width * 7 * 7, 256 if full else 64), nn.ReLU(True), nn.Dropout(),
                                     nn.Linear(256 if full else 64, 10))
    return model


def convnext(full):
    if full:
        return tvm.convnext_tiny(num_classes=10)
    setting = [CNBlockConfig(16, 32, 1), CNBlockConfig(32, 48, 1), CNBlockConfig(48, None, 1)]
    return tvm.ConvNeXt(setting, stochastic_depth_prob=0.1, num_classes=10)


def vision_transformer(full):
    if full:  # ViT-Ti/4 for 32x32 images
        return tvm.VisionTransformer(32, 4, num_layers=12, num_heads=3, hidden_dim=192, mlp_dim=768, num_classes=10)
    return tvm.VisionTransformer(32, 8, num_layers=2, num_heads=4, hidden_dim=32, mlp_dim=64, num_classes=10)


def densenet(full):
    if full:
        return tvm.densenet121(num_classes=10)
    return tvm.DenseNet(growth_rate=8, block_config=(2, 2, 2), num_init_features=16, num_classes=10)


def resnet18(full):
    if full:
        return tvm.resnet18(num_classes=10)
    return tvm.ResNet(tvm.resnet.BasicBlock, [1, 1, 1, 1], num_classes=10)


def efficientnet(full):
    if full:
        return tvm.efficientnet_b0(num_classes=10)
    settings, last = tvm.efficientnet._efficientnet_conf("efficientnet_b0", width_mult=0.25, depth_mult=0.25)
    return tvm.EfficientNet(settings, 0.2, last_channel=last, num_classes=10)


def mobilenet_v3(full):
    settings, last = tvm.mobilenetv3._mobilenet_v3_conf("mobilenet_v3_small", width_mult=1.0 if full else 0.25)
    return tvm.MobileNetV3(settings, last if full else 128, num_classes=10)


def regnet(full):
    if full:
        return tvm.regnet_x_400mf(num_classes=10)
    params = tvm.regnet.BlockParams.from_init_params(depth=4, w_0=16, w_a=8.0, w_m=2.0, group_width=8)
    return tvm.RegNet(params, num_classes=10, stem_width=16)


FAMILIES = {
    "resnet18": resnet18,
    "mobilenet_v2": lambda full: tvm.mobilenet_v2(num_classes=10, width_mult=1.0 if full else 0.25),
    "mobilenet_v3_small": mobilenet_v3,
    "squeezenet1_1": lambda full: tvm.squeezenet1_1(num_classes=10),
    "shufflenet_v2_x0_5": lambda full: tvm.shufflenet_v2_x0_5(num_classes=10) if full else tvm.ShuffleNetV2(
        [2, 2, 2], [16, 24, 48, 96, 256], num_classes=10),
    "densenet121": densenet,
    "efficientnet_b0": efficientnet,
    "regnet_x_400mf": regnet,
    "mnasnet0_5": lambda full: tvm.mnasnet0_5(num_classes=10) if full else tvm.MNASNet(0.25, num_classes=10),
    "googlenet": lambda full: tvm.googlenet(num_classes=10, aux_logits=False, init_weights=True),
    "vgg11_bn": small_vgg,
    "convnext_tiny": convnext,
    "vit": vision_transformer,
}


class AttentionWithoutNorm(nn.Module):
    """Patches, one self-attention layer (4 heads) and an MLP on a residual trunk, with no LayerNorm: removing whole
    heads and trunk channels is then exact, which the vision transformer's LayerNorms hide (they renormalize)."""

    def __init__(self):
        super().__init__()
        self.patches = nn.Conv2d(3, 32, 8, stride=8)
        self.attention = nn.MultiheadAttention(32, 4, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(32, 64), nn.GELU(), nn.Linear(64, 32))
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        x = self.patches(x).flatten(2).transpose(1, 2)
        x = x + self.attention(x, x, x, need_weights=False)[0]
        x = x + self.mlp(x)
        return self.head(x.mean(1))


def images(train, count):
    """Fashion-MNIST as 3x32x32: padded by 2 pixels, the grey channel repeated."""
    x, y = fashion(train, count)
    return F.pad(x, (2, 2, 2, 2)).repeat(1, 3, 1, 1), y


def compare(cases_path):
    """A structurally pruned model must compute what the original computes with the removed channels' parameters
    set to zero: any misaligned index (a residual sum pairing the wrong channels, a shuffle or a concatenation
    followed wrongly) makes them differ."""
    with open(cases_path) as f:
        cases = json.load(f)
    x, _ = images(False, 64)
    facts = {}
    for case in cases:
        original = torch.jit.load(case["original"]).eval()
        pruned = torch.jit.load(case["pruned"]).eval()
        params = dict(original.named_parameters())
        params.update(dict(original.named_buffers()))
        with torch.no_grad():
            reference = first(original(x))
            for cut in case["removed"]:
                params[cut["parameter"]].index_fill_(cut["dim"], torch.tensor(cut["indices"], dtype=torch.long), 0)
            zeroed = first(original(x))
            out = first(pruned(x))
        scale = float(zeroed.abs().max())
        facts[case["name"]] = {
            "shape_same": list(out.shape) == list(reference.shape),
            "params_before": sum(p.numel() for p in original.parameters()),
            "params_after": sum(p.numel() for p in pruned.parameters()),
            "reference_std": float(reference.std()),
            "zeroed_std": float(zeroed.std()),
            "pruned_std": float(out.std()),
            "finite": bool(torch.isfinite(out).all()),
            "max_relative_difference": float((out - zeroed).abs().max()) / max(scale, 1e-12),
        }
    print(json.dumps(facts))


def first(output):
    return output[0] if isinstance(output, tuple) else output


def train_briefly(model, x, y, steps):
    torch.manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    model.train()
    for _ in range(steps):
        idx = torch.randint(0, len(x), (32,))
        opt.zero_grad()
        out = model(x[idx])
        F.cross_entropy(out[0] if isinstance(out, tuple) else out, y[idx]).backward()
        opt.step()
    model.eval()


def scale_logits(model, x):
    """Brief training leaves some families' logits tiny (MobileNetV3, ViT): scale the last layer so their standard
    deviation is about 1, keeping every prediction."""
    with torch.no_grad():
        std = float(model(x).std())
        if 0 < std < 1:
            last = [m for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))][-1]
            last.weight.mul_(1 / std)
            if last.bias is not None:
                last.bias.mul_(1 / std)
        return float(model(x).std())


def make(folder, full, only):
    os.makedirs(folder, exist_ok=True)
    torch.set_num_threads(os.cpu_count() or 1)
    x, y = images(True, 2000)
    tx, _ = images(False, 64)
    facts = {}
    for name, build in FAMILIES.items():
        if only and name not in only:
            continue
        torch.manual_seed(0)
        model = build(full)
        started = time.time()
        train_briefly(model, x, y, 30 if full else 8)
        std = scale_logits(model, tx)
        if std <= 0.1:
            sys.exit(f"{name}: logits' standard deviation {std:.3g} after training; agreement checks would be trivial")
        scripted = torch.jit.script(model)
        scripted.save(os.path.join(folder, f"{name}_scripted.pt"))
        traced = torch.jit.trace(model, tx[:2], check_trace=False)
        traced.save(os.path.join(folder, f"{name}_traced.pt"))
        facts[name] = {"params": sum(p.numel() for p in model.parameters()), "logit_std": round(std, 3),
                       "seconds": round(time.time() - started, 1)}
        print(name, json.dumps(facts[name]), flush=True)
    if not full and (not only or "vit" in only):
        torch.manual_seed(0)
        model = AttentionWithoutNorm()
        train_briefly(model, x, y, 8)
        scale_logits(model, tx)
        torch.jit.script(model).save(os.path.join(folder, "attention_scripted.pt"))
        torch.jit.trace(model, tx[:2], check_trace=False).save(os.path.join(folder, "attention_traced.pt"))
    with open(os.path.join(folder, "architectures.json"), "w") as f:
        json.dump(facts, f, indent=1)


if __name__ == "__main__":
    if sys.argv[1] == "names":
        print("\n".join(FAMILIES))
    elif sys.argv[1] == "compare":
        compare(sys.argv[2])
    elif sys.argv[1] == "make":
        args = sys.argv[3:]
        only = set(args[args.index("--only") + 1].split(",")) if "--only" in args else set()
        make(sys.argv[2], "--full" in args, only)
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
