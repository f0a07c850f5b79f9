#!/usr/bin/python3
"""Hostile inputs for the `pare` command line, and a check of its contract on each.

  hostile_cases.py make DIR            write the hostile inputs to DIR and list the cases (DIR/cases.json)
  hostile_cases.py run PARE DIR        make them, run every case, check the contract; exit 1 on any breach

The contract, for every case: exit 0 or 2, never 1 or a signal; on exit 2 one line on stderr that names the file or
option at fault, and no LibTorch backtrace; no run longer than a minute (a hang); peak memory under 2 GB; no input file
changed; no temporary file left next to an output. Cases are the kinds a hostile user tried: truncations, bit flips
and forged headers of IDX, CIFAR, PNG folders, TorchScript archives, .pare files and recipes; NaN weights; models
whose forward fails; odd paths and names; nonsense options; outputs naming inputs; kills at random moments.
"""
import gzip
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import struct
import subprocess
import sys
import time
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLED = os.path.join(HERE, "..", "resources", "models", "lenet5-fashion-mnist.pt")
FASHION = "/usr/share/datasets/fashion-mnist"
PEAK_LIMIT_KB = 2 * 1024 * 1024
TIME_LIMIT_S = 60
COMMON = ["--threads", "2", "--memory-budget", "1500M"]


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def idx_bytes(magic, dims, payload):
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims) + payload


def fashion_subset(folder, train, test):
    for prefix, count in (("train", train), ("t10k", test)):
        with gzip.open(os.path.join(FASHION, f"{prefix}-images-idx3-ubyte.gz")) as f:
            images = f.read()[16:16 + count * 784]
        with gzip.open(os.path.join(FASHION, f"{prefix}-labels-idx1-ubyte.gz")) as f:
            labels = f.read()[8:8 + count]
        write(f"{folder}/{prefix}-images-idx3-ubyte", idx_bytes(0x803, [count, 28, 28], images))
        write(f"{folder}/{prefix}-labels-idx1-ubyte", idx_bytes(0x801, [count], labels))


def png(width, height, pixels=None):
    """A gray PNG; with pixels=None only the header and an empty image stream (a forged size)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    if pixels is None:
        stream = zlib.compress(b"\0" * 64)
    else:
        stream = zlib.compress(b"".join(b"\0" + pixels[y * width:(y + 1) * width] for y in range(height)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", stream) + chunk(b"IEND", b"")


def image_folder(folder, count_per_class=4):
    """An image folder as Pare reads it: one sub-folder of 28x28 gray PNGs per class, ten classes (LeNet-5's)."""
    for c in range(10):
        for i in range(count_per_class):
            write(f"{folder}/class{c}/{i}.png", png(28, 28, bytes((c * 25 + i) % 256 for _ in range(784))))


def rezip(source, target, change):
    """Copies a zip archive entry by entry; change(name, data) returns the new data, or None to keep it."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            new = change(info.filename, data)
            zout.writestr(info, data if new is None else new)


def largest_record(path):
    with zipfile.ZipFile(path) as z:
        return max(z.infolist(), key=lambda i: i.file_size)


def flip_inside_record(source, target, seed):
    """A byte of the largest weight record changed in place: the zip's CRC no longer matches."""
    data = bytearray(open(source, "rb").read())
    info = largest_record(source)
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + name_length + extra_length
    at = start + random.Random(seed).randrange(info.compress_size)
    data[at] ^= 0x10
    write(target, bytes(data))


def zip_claiming(source, target, claimed):
    """The archive with one more deflated entry whose headers claim `claimed` bytes once inflated."""
    shutil.copy(source, target)
    with zipfile.ZipFile(target, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/extra/bomb", b"\0" * 4096)
    data = bytearray(open(target, "rb").read())
    for signature, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        at = data.rfind(signature)
        data[at + offset:at + offset + 4] = struct.pack("<I", claimed)
    write(target, bytes(data))


def torch_models(folder):
    """Scripted models whose forward fails, returns the wrong shape, or holds non-finite weights (needs torch)."""
    source = os.path.join(folder, "hostile_models.py")
    write(source, b'''
import torch
class ViewFails(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 4, 3)
    def forward(self, x):
        return self.conv(x).view(7, -1, 13)
class WrongShape(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 4, 3)
    def forward(self, x):
        return self.conv(x).flatten(1)[:, :3].unsqueeze(2)
class Raises(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(784, 10)
    def forward(self, x):
        if x.size(0) > 0:
            raise RuntimeError("this model refuses every batch")
        return self.fc(x.flatten(1))
class FailsTraining(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(784, 10)
    def forward(self, x):
        if self.training:
            return self.fc(x.view(7, -1, 13))
        return self.fc(x.flatten(1))
class FailsLargeBatches(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(784, 10)
    def forward(self, x):
        if x.size(0) > 2:
            raise RuntimeError("batches of more than two are refused")
        return self.fc(x.flatten(1))
class NonFinite(torch.nn.Module):
    def __init__(self, value):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 8, 3)
        self.fc = torch.nn.Linear(8 * 26 * 26, 10)
        with torch.no_grad():
            self.conv.weight[0, 0, 0, 0] = value
    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).flatten(1))
def make(folder):
    for name, model in (("view-fails", ViewFails()), ("wrong-shape", WrongShape()), ("raises", Raises()),
                        ("fails-training", FailsTraining()), ("fails-large-batches", FailsLargeBatches()),
                        ("nan-weight", NonFinite(float("nan"))), ("inf-weight", NonFinite(float("inf")))):
        torch.jit.save(torch.jit.script(model), f"{folder}/{name}.pt")
''')
    subprocess.run(["/usr/bin/python3", "-c", f"import sys; sys.path.insert(0, {folder!r}); "
                    f"import hostile_models; hostile_models.make({folder!r})"], check=True)


def onnx_files(d):
    """Damaged and forged ONNX files (made with python3-onnx from the Keras-shaped LeNet-5 of onnx_models.py)."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    good = f"{d}/lenet.onnx"
    subprocess.run([sys.executable, os.path.join(HERE, "onnx_models.py"), "keras-lenet", BUNDLED, good], check=True)
    data = open(good, "rb").read()
    files = {"onnx-truncated": data[: len(data) // 2], "onnx-random": random.Random(0).randbytes(4096)}
    model = onnx.load(good)
    kernel = model.graph.initializer[0]
    del kernel.dims[:]
    kernel.dims.extend([1_000_000, 1_000_000])  # over 80 bytes of data
    files["onnx-forged-dims"] = model.SerializeToString()
    # A shape computation that asks for 7.8 * 10^10 floats (313 GB).
    nodes = [helper.make_node("ConstantOfShape", ["shape"], ["big"], name="huge"),
             helper.make_node("Add", ["input", "big"], ["logits"], name="add")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["n", 1, 28, 28])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [100_000_000, 1, 28, 28])],
                              [numpy_helper.from_array(np.array([100_000_000, 1, 28, 28], np.int64), "shape")])
    files["onnx-huge-constant"] = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString()
    model = onnx.load(good)
    tensor = model.graph.initializer[0]
    tensor.data_location = TensorProto.EXTERNAL
    tensor.ClearField("raw_data")
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", "../outside.data"
    files["onnx-external-outside"] = model.SerializeToString()
    paths = {}
    for name, body in files.items():
        paths[name] = f"{d}/{name}.onnx"
        write(paths[name], body)
    return paths


def make(root, pare):
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(f"{root}/out")
    d = root
    fashion_subset(f"{d}/data", 256, 128)
    model = f"{d}/lenet.pt"
    shutil.copy(BUNDLED, model)
    torch_models(d)
    cases = []

    def case(name, args, names, exits=(0, 2)):
        cases.append({"name": name, "args": args, "names": names, "exits": list(exits)})

    # IDX: truncations, forged counts (plain, and gzip with a trailer that agrees with the forgery), bit flips.
    images = open(f"{d}/data/train-images-idx3-ubyte", "rb").read()
    labels = open(f"{d}/data/train-labels-idx1-ubyte", "rb").read()
    for name, train_images in (
            ("idx-truncated", images[:len(images) // 2]),
            ("idx-forged-count", idx_bytes(0x803, [10_000_000, 28, 28], images[16:])),
            ("idx-forged-dims", idx_bytes(0x803, [256, 65536, 65536], images[16:])),
            ("idx-bad-magic", b"\0\0\x09\x03" + images[4:]),
            ("idx-header-only", images[:16]),
            ("idx-no-images", idx_bytes(0x803, [0, 28, 28], b""))):
        folder = f"{d}/{name}"
        fashion_subset(folder, 256, 128)
        write(f"{folder}/train-images-idx3-ubyte", train_images)
        if name == "idx-no-images":
            write(f"{folder}/train-labels-idx1-ubyte", idx_bytes(0x801, [0], b""))
        case(name, ["eval", model, "--data", folder], [f"{folder}/train-images-idx3-ubyte", folder], exits=[2])
    folder = f"{d}/idx-gz-forged"
    fashion_subset(folder, 256, 128)
    os.remove(f"{folder}/train-images-idx3-ubyte")
    body = gzip.compress(idx_bytes(0x803, [10_000_000, 28, 28], images[16:]))
    body = body[:-4] + struct.pack("<I", (16 + 10_000_000 * 784) % 2**32)
    write(f"{folder}/train-images-idx3-ubyte.gz", body)
    case("idx-gz-forged", ["eval", model, "--data", folder], [f"{folder}/train-images-idx3-ubyte.gz"], exits=[2])
    for seed in range(6):
        folder = f"{d}/idx-flip-{seed}"
        fashion_subset(folder, 256, 128)
        rng = random.Random(seed)
        damaged = bytearray(labels)
        for _ in range(3):
            damaged[rng.randrange(12)] ^= 1 << rng.randrange(8)
        write(f"{folder}/train-labels-idx1-ubyte", bytes(damaged))
        case(f"idx-flip-{seed}", ["eval", model, "--data", folder], [folder])

    # CIFAR-10: a batch that ends inside a record.
    folder = f"{d}/cifar-truncated"
    record = bytes([3]) + bytes(range(256)) * 12
    write(f"{folder}/data_batch_1.bin", record * 20 + record[:1000])
    write(f"{folder}/test_batch.bin", record * 10)
    case("cifar-truncated", ["eval", "lenet5", "--data", f"cifar10:{folder}"], [f"{folder}/data_batch_1.bin"],
         exits=[2])

    # Image folders: a corrupt file among good ones, a header claiming 30,000 x 30,000, a symlink loop, odd names.
    folder = f"{d}/png-corrupt"
    image_folder(folder)
    write(f"{folder}/class1/broken.png", png(28, 28, bytes(784))[:60])
    case("png-corrupt", ["eval", "lenet5", "--data", folder], [folder])
    folder = f"{d}/png-huge"
    image_folder(folder)
    write(f"{folder}/class0/huge.png", png(30000, 30000))
    case("png-huge", ["eval", "lenet5", "--data", folder], [f"{folder}/class0/huge.png"], exits=[2])
    folder = f"{d}/symlink-loop"
    image_folder(folder)
    os.symlink("loop", f"{folder}/class0/loop")
    os.symlink("..", f"{folder}/class1/up")
    os.symlink("missing", f"{folder}/dangling")
    case("symlink-loop", ["eval", "lenet5", "--data", folder], [folder])
    folder = f"{d}/non-utf8"
    image_folder(folder)
    os.rename(f"{folder}/class2".encode(), f"{folder}/cl\xff\xfess".encode("latin-1"))
    if os.geteuid() != 0:  # root reads a folder whatever its mode says
        folder = f"{d}/unreadable-class"
        image_folder(folder)
        os.chmod(f"{folder}/class1", 0)
        case("unreadable-class", ["eval", "lenet5", "--data", folder], [f"{folder}/class1"])
    case("non-utf8-class-json", ["eval", "lenet5", "--data", folder, "--json"], [folder])
    odd = f"{d}/odd \xe9\xff name.pt".encode("latin-1")
    shutil.copy(BUNDLED, odd)
    case("non-utf8-path-json", ["inspect", odd.decode("latin-1"), "--json"], [])

    # TorchScript archives: truncated, a flipped byte inside a weight record, a storage record cut short (its CRC
    # right), an entry that claims 3 GiB once inflated, a pare.json claiming a huge input.
    write(f"{d}/pt-truncated.pt", open(model, "rb").read()[:300000])
    case("pt-truncated", ["eval", f"{d}/pt-truncated.pt", "--data", f"{d}/data"], [f"{d}/pt-truncated.pt"], [2])
    for seed in range(3):
        flip_inside_record(model, f"{d}/pt-flip-{seed}.pt", seed)
        case(f"pt-flip-{seed}", ["eval", f"{d}/pt-flip-{seed}.pt", "--data", f"{d}/data"], [f"{d}/pt-flip-{seed}.pt"],
             exits=[2])
    biggest = largest_record(model).filename
    rezip(model, f"{d}/pt-short-storage.pt", lambda name, data: data[:1000] if name == biggest else None)
    case("pt-short-storage", ["eval", f"{d}/pt-short-storage.pt", "--data", f"{d}/data"],
         [f"{d}/pt-short-storage.pt"], exits=[2])
    zip_claiming(model, f"{d}/pt-bomb.pt", 3 * 2**30)
    case("pt-bomb", ["eval", f"{d}/pt-bomb.pt", "--data", f"{d}/data"], [f"{d}/pt-bomb.pt"], exits=[2])

    def huge_record(name, data):
        if not name.endswith("extra/pare.json"):
            return None
        record = json.loads(data)
        record["input_shape"] = [1, 100000, 100000]
        return json.dumps(record).encode()
    rezip(model, f"{d}/pt-huge-input.pt", huge_record)
    case("pt-huge-input", ["eval", f"{d}/pt-huge-input.pt", "--data", f"{d}/data"], [f"{d}/pt-huge-input.pt"], [2])
    for name in ("view-fails", "wrong-shape", "raises"):
        case(f"forward-{name}", ["eval", f"{d}/{name}.pt", "--data", f"{d}/data", "--input-shape", "1,28,28"],
             [f"{d}/{name}.pt"], exits=[2])
    # Models whose code fails only where the first check of two samples in eval mode does not reach.
    case("forward-fails-training", ["train", "--model", f"{d}/fails-training.pt", "--data", f"{d}/data", "--epochs",
                                    "1", "--input-shape", "1,28,28", "--out", f"{d}/out/ft.pt"],
         [f"{d}/fails-training.pt"], exits=[2])
    case("forward-fails-large-batches", ["eval", f"{d}/fails-large-batches.pt", "--data", f"{d}/data",
                                         "--input-shape", "1,28,28"], [f"{d}/fails-large-batches.pt"], exits=[2])
    for name in ("nan-weight", "inf-weight"):
        path = f"{d}/{name}.pt"
        shape = ["--input-shape", "1,28,28"]
        case(f"{name}-quantize", ["quantize", path, "--data", f"{d}/data", "--bits", "4", "--scheme", "kmeans",
                                  "--out", f"{d}/out/{name}-q.pare", *shape], [path], exits=[2])
        case(f"{name}-int8", ["quantize", path, "--data", f"{d}/data", "--bits", "8", "--activation-bits", "8",
                              "--out", f"{d}/out/{name}-q8.pt", *shape], [path], exits=[2])
        case(f"{name}-compress", ["compress", path, "--data", f"{d}/data", "--prune", "0.5", "--finetune-epochs",
                                  "0", "--bits", "4", "--out", f"{d}/out/{name}-c.pare", *shape], [path], exits=[2])
        case(f"{name}-sensitivity", ["sensitivity", path, "--data", f"{d}/data", *shape], [path], exits=[2])

    # .pare files: truncations, flips, a zstd frame claiming 4 GB, a layer shape of 2^20 x 2^20.
    pare_file = f"{d}/lenet.pare"
    subprocess.run([pare, "compress", model, "--data", f"{d}/data", "--prune", "0.9", "--finetune-epochs", "0",
                    "--bits", "4", "--out", pare_file, "--threads", "2"], check=True, capture_output=True)
    good = open(pare_file, "rb").read()
    write(f"{d}/pare-truncated.pare", good[:len(good) // 2])
    case("pare-truncated", ["eval", f"{d}/pare-truncated.pare", "--data", f"{d}/data"],
         [f"{d}/pare-truncated.pare"], exits=[2])
    for seed in range(6):
        rng = random.Random(100 + seed)
        damaged = bytearray(good)
        for _ in range(4):
            damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        write(f"{d}/pare-flip-{seed}.pare", bytes(damaged))
        case(f"pare-flip-{seed}", ["eval", f"{d}/pare-flip-{seed}.pare", "--data", f"{d}/data"],
             [f"{d}/pare-flip-{seed}.pare"], exits=[2])
    forged = bytearray(good)
    forged[8:16] = struct.pack("<Q", 4 * 10**9)
    write(f"{d}/pare-4gb.pare", bytes(forged))
    case("pare-4gb", ["eval", f"{d}/pare-4gb.pare", "--data", f"{d}/data"], [f"{d}/pare-4gb.pare"], exits=[2])
    write(f"{d}/pare-huge-shape.pare", forge_pare_shape(good, [2**20, 2**20]))
    case("pare-huge-shape", ["eval", f"{d}/pare-huge-shape.pare", "--data", f"{d}/data"],
         [f"{d}/pare-huge-shape.pare"], exits=[2])

    # Recipes.
    for name, text in (("recipe-overflow", '{"version": 1, "steps": [{"prune": {"ratio": 1e400}}]}'),
                       ("recipe-fraction", '{"version": 1, "steps": [{"quantize": {"bits": 4.7}}]}'),
                       ("recipe-unknown-layer",
                        '{"version": 1, "steps": [{"prune": {"ratio": 0.5, "layer_ratios": {"nope": 0.3}}}]}'),
                       ("recipe-long-value", '{"version": 1, "steps": [{"prune": {"method": "' + "x" * 10**7
                        + '"}}]}'),
                       ("recipe-not-json", "{\"version\": 1, \"steps\": [")):
        write(f"{d}/{name}.json", text.encode())
        # A layer the model lacks may be reported against the model the recipe was run on.
        case(name, ["compress", model, "--data", f"{d}/data", "--recipe", f"{d}/{name}.json", "--out",
                    f"{d}/out/{name}.pare"], [f"{d}/{name}.json", model], exits=[2])
    write(f"{d}/recipe-good.json", b'{"version": 1, "steps": [{"prune": {"ratio": 0.5, "finetune_epochs": 0}}]}')
    case("recipe-is-output", ["compress", model, "--data", f"{d}/data", "--recipe", f"{d}/recipe-good.json",
                              "--out", f"{d}/out/r.pare", "--save-recipe", f"{d}/recipe-good.json", "--force"],
         [f"{d}/recipe-good.json"], exits=[2])
    case("out-is-recipe", ["compress", model, "--data", f"{d}/data", "--recipe", f"{d}/recipe-good.json",
                           "--out", f"{d}/recipe-good.json", "--force"], [f"{d}/recipe-good.json"], exits=[2])

    # Options.
    data = ["--data", f"{d}/data"]
    for name, args, names in (
            ("input-shape-huge", ["eval", "lenet5", *data, "--input-shape", "1,65536,65536"], ["--input-shape", f"{d}/data"]),
            ("student-too-wide", ["distill", "--teacher", model, "--student", "lenet5@64", *data, "--epochs", "1",
                                  "--out", f"{d}/out/s.pt"], ["lenet5@64"]),
            ("prune-nan", ["prune", model, *data, "--ratio", "nan", "--out", f"{d}/out/p.pt"], ["--ratio"]),
            ("lr-overflow", ["train", "--model", "lenet5", *data, "--lr", "1e400", "--out", f"{d}/out/t.pt"],
             ["--lr"]),
            ("mean-nan", ["eval", model, *data, "--mean", "nan"], ["--mean"]),
            ("data-empty", ["eval", model, "--data", ""], ["--data"]),
            ("out-is-label-file", ["prune", model, *data, "--ratio", "0.5", "--out",
                                   f"{d}/data/train-labels-idx1-ubyte", "--force"],
             [f"{d}/data/train-labels-idx1-ubyte"])):
        case(name, args, names, exits=[2])
    for name, path in onnx_files(d).items():
        case(name, ["eval", path, *data], [path], exits=[2])
    case("threads-huge", ["eval", model, *data, "--threads", "100000"], [], exits=[0])
    case("memory-budget-nonsense", ["eval", model, *data, "--memory-budget", "lots"], ["--memory-budget"])
    with open(os.path.join(root, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
    return cases


def forge_pare_shape(good, shape):
    """The .pare with its first layer's shape in the header replaced (zstd frame and sizes rebuilt)."""
    import importlib.util
    if importlib.util.find_spec("zstandard") is None:
        # Without the zstandard module, forge through the command-line zstd tool.
        body = subprocess.run(["zstd", "-d", "-c"], input=good[16:], capture_output=True, check=True).stdout
    else:
        import zstandard
        body = zstandard.ZstdDecompressor().decompress(good[16:])
    header_size = struct.unpack("<I", body[:4])[0]
    header = json.loads(body[4:4 + header_size])
    header["layers"][0]["shape"] = shape
    new_header = json.dumps(header).encode()
    new_body = struct.pack("<I", len(new_header)) + new_header + body[4 + header_size:]
    # --stream-size: the frame records its content size, as Pare's own writer does.
    compressed = subprocess.run(["zstd", "-c", "-q", f"--stream-size={len(new_body)}"], input=new_body,
                                capture_output=True, check=True).stdout
    return good[:8] + struct.pack("<Q", len(new_body)) + compressed


def tree_digest(root):
    digest = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                digest[path] = hashlib.sha256(f.read()).hexdigest()
    return digest


def temporaries(root):
    return [os.path.join(f, n) for f, _, names in os.walk(root) for n in names if ".tmp-" in n]


def check(pare, root):
    cases = make(root, pare)
    before = tree_digest(root)
    failures = 0
    for case in cases:
        problems, peak_kb, code, message, elapsed = contract(pare, case)
        after = tree_digest(root)
        changed = [p for p in before if before[p] != after.get(p)]
        if changed:
            problems.append(f"changed inputs: {changed[:3]}")
        left = temporaries(root)
        if left:
            problems.append(f"temporary files left: {left[:3]}")
            for path in left:
                os.remove(path)
        before = after
        status = "ok  " if not problems else "FAIL"
        failures += bool(problems)
        print(f"{status} {case['name']:28} exit {code} {elapsed:5.1f} s {peak_kb // 1024:5d} MB  {message[:150]}"
              + ("".join(f"\n       - {p}" for p in problems)))
    failures += kills(pare, root)
    print(f"{len(cases) + 2 - failures} of {len(cases) + 2} cases keep the contract")
    return 1 if failures else 0


def contract(pare, case):
    """Runs one case and lists how it breaks the contract; also returns peak memory, exit code, message, time."""
    args = [a.encode("latin-1") for a in case["args"]]
    start = time.monotonic()
    common = COMMON[2:] if "--threads" in case["args"] else COMMON
    process = subprocess.Popen([pare.encode(), *args, *[c.encode() for c in common]], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    out, err = communicate(process)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.monotonic() - start
    problems = []
    if out is None:
        return [f"hung (killed after {TIME_LIMIT_S} s)"], usage.ru_maxrss, "-", "", elapsed
    code = os.waitstatus_to_exitcode(status)
    err_text = err.decode("utf-8", "replace")
    lines = [line for line in err_text.splitlines() if not line.startswith("pare: warning:")]
    if code not in case["exits"]:
        problems.append(f"exit {code}, expected {case['exits']}")
    if code == 2:
        if len(lines) != 1:
            problems.append(f"{len(lines)} lines on stderr")
        elif case["names"] and not any(n in err_text for n in case["names"]):
            problems.append(f"message names none of {case['names']}")
    if "Exception raised from" in err_text or "internal error" in err_text:
        problems.append("internal error or LibTorch backtrace")
    if usage.ru_maxrss > PEAK_LIMIT_KB:
        problems.append(f"peak memory {usage.ru_maxrss // 1024} MB")
    if "--json" in case["args"] and code == 0:
        try:
            json.loads(out.decode("utf-8"))
        except ValueError as e:
            problems.append(f"--json output is not UTF-8 JSON ({e})")
    return problems, usage.ru_maxrss, code, (lines[0] if lines else ""), elapsed


def communicate(process):
    """stdout and stderr of a process that may hang; (None, None) after killing it at the time limit. The process is
    left for wait4 to reap, so its rusage can be read."""
    import selectors
    chunks = {process.stdout: [], process.stderr: []}
    selector = selectors.DefaultSelector()
    for stream in chunks:
        selector.register(stream, selectors.EVENT_READ)
    deadline = time.monotonic() + TIME_LIMIT_S
    while selector.get_map():
        left = deadline - time.monotonic()
        if left <= 0:
            process.kill()
            return None, None
        for key, _ in selector.select(left):
            data = os.read(key.fileobj.fileno(), 65536)
            if data:
                chunks[key.fileobj].append(data)
            else:
                selector.unregister(key.fileobj)
    return b"".join(chunks[process.stdout]), b"".join(chunks[process.stderr])


def kills(pare, root):
    """Kills a compress at random moments (SIGKILL, then SIGTERM); the next write of the same output must leave no
    temporary file. Returns the number of failures."""
    failures = 0
    out = f"{root}/out/killed.pare"
    args = [pare, "compress", f"{root}/lenet.pt", "--data", f"{root}/data", "--prune", "0.9", "--finetune-epochs", "1",
            "--bits", "4", "--out", out, "--force", "--threads", "2"]
    rng = random.Random(7)
    for kill_signal in (signal.SIGKILL, signal.SIGTERM):
        for _ in range(3):
            process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.2, 3.0))
            process.send_signal(kill_signal)
            process.wait()
        if kill_signal == signal.SIGTERM and temporaries(root):
            print(f"FAIL kill-{kill_signal.name}: SIGTERM left {temporaries(root)}")
            failures += 1
            continue
        finished = subprocess.run(args, capture_output=True)
        left = temporaries(root)
        ok = finished.returncode == 0 and not left
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} kill-{kill_signal.name:23} rerun exit {finished.returncode}, "
              f"temporary files left: {len(left)}")
    return failures


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2], shutil.which("pare") or "pare")
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "run":
        return check(os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
