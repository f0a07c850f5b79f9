#!/usr/bin/python3
"""Seed corpora for the fuzz harnesses, made at test time: small real files of every kind each harness reads.

  seeds.py PARE OUT ROOT     PARE: the built pare; OUT: the seed folder; ROOT: the repository
"""
import gzip
import io
import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def png(width, height):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    rows = b"".join(b"\0" + bytes(width) for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def main(pare, out, root):
    # TorchScript archives: a tiny scripted model (PyTorch's own writer, zip64 extra fields and alignment padding),
    # and zips from Python's zipfile, stored and deflated.
    tiny = os.path.join(out, "tiny.pt")
    os.makedirs(out, exist_ok=True)
    subprocess.run(["/usr/bin/python3", "-c", "import torch, sys; "
                    "torch.jit.save(torch.jit.script(torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Flatten(),"
                    " torch.nn.Linear(8, 2))), sys.argv[1])", tiny], check=True)
    write(f"{out}/fuzz_zip", "tiny.pt", open(tiny, "rb").read())
    for method in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", method) as z:
            z.writestr("archive/data.pkl", b"\x80\x02}q\x00." * 4)
            z.writestr("archive/code/__torch__.py", b"def forward(self, x):\n    return x\n" * 3)
        write(f"{out}/fuzz_zip", f"python-{method}.zip", buffer.getvalue())

    # .pare: the tiny model, dense and pruned, written by pare itself.
    for name, args in (("dense", []),):
        target = os.path.join(out, f"tiny-{name}.pare")
        subprocess.run([pare, "export", tiny, "--out", target, "--force", "--input-shape", "1,4,4"], check=True,
                       capture_output=True)
        pare_bytes = open(target, "rb").read()
        write(f"{out}/fuzz_pare", f"tiny-{name}.pare", pare_bytes)
        # The decoded body too: the harness also wraps its input in a valid frame.
        body = subprocess.run(["zstd", "-d", "-c"], input=pare_bytes[16:], capture_output=True, check=True).stdout
        write(f"{out}/fuzz_pare", f"tiny-{name}.body", body)

    # IDX and CIFAR: a few real Fashion-MNIST images (the harness splits its input in two: images, labels).
    fashion = "/usr/share/datasets/fashion-mnist"
    with gzip.open(f"{fashion}/t10k-images-idx3-ubyte.gz") as f:
        images = f.read()[:16 + 4 * 784]
    with gzip.open(f"{fashion}/t10k-labels-idx1-ubyte.gz") as f:
        labels = f.read()[:8 + 4]
    images = images[:4] + struct.pack(">I", 4) + images[8:]
    labels = labels[:4] + struct.pack(">I", 4) + labels[8:]
    pad = bytes(len(images) - len(labels))
    write(f"{out}/fuzz_idx_cifar", "idx", images + pad + labels)
    write(f"{out}/fuzz_idx_cifar", "idx-gz", gzip.compress(images) + labels)
    write(f"{out}/fuzz_idx_cifar", "cifar", (bytes([3]) + bytes(3072)) * 2)

    # Image headers: PNG, BMP, GIF and a minimal JPEG segment chain.
    write(f"{out}/fuzz_image_header", "a.png", png(28, 28))
    write(f"{out}/fuzz_image_header", "a.bmp", b"BM" + bytes(12) + struct.pack("<Iii", 40, 28, -28) + bytes(28))
    write(f"{out}/fuzz_image_header", "a.gif", b"GIF89a" + struct.pack("<HH", 28, 28) + bytes(8))
    write(f"{out}/fuzz_image_header", "a.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
          b"\xff\xc0\x00\x0b\x08\x00\x1c\x00\x1c\x01\x01\x11\x00\xff\xd9")

    # Recipes: every step kind, as README shows them.
    recipes = [
        {"version": 1, "seed": 3, "steps": [{"prune": {"ratio": 0.5, "method": "magnitude", "finetune_epochs": 1}},
                                            {"quantize": {"bits": 4, "scheme": "kmeans"}}]},
        {"version": 1, "steps": [{"prune": {"ratio": 0.3, "method": "filters", "layer_ratios": {"conv1": 0.2}}},
                                 {"distill": {"student": "lenet5@0.5", "temperature": 4, "alpha": 0.7,
                                              "epochs": 1}},
                                 {"quantize": {"bits": 8, "activation_bits": 8, "engine": "onednn"}}]},
    ]
    for i, recipe in enumerate(recipes):
        write(f"{out}/fuzz_recipe", f"recipe-{i}.json", json.dumps(recipe).encode())
    sweeps = [
        {"version": 1, "recipe": recipes[0],
         "axes": [{"pointer": "/steps/0/prune/ratio", "from": 0.3, "to": 0.9, "count": 4},
                  {"pointer": "/steps/1/quantize/bits", "values": [2, 4, 8]}]},
        {"version": 1, "recipe": recipes[1], "combine": "random", "samples": 5, "seed": 2,
         "axes": [{"pointer": "/steps/1/distill/temperature", "from": 1, "to": 20, "scale": "log"},
                  {"pointer": "/steps/0/prune/method", "values": ["filters", "activation"]}]},
    ]
    for i, sweep in enumerate(sweeps):
        write(f"{out}/fuzz_sweep", f"sweep-{i}.json", json.dumps(sweep).encode())
    project = {"pare_project": 1, "model": "m.pt", "data": "fashion-mnist", "runs_folder": "runs", "next_run_id": 2,
               "runs": [{"id": 1, "recipe": recipes[0], "label": "50%", "snapshots": [], "model_file": "runs/1.pare",
                         "finished": True, "cancelled": False, "seconds": 12.5, "started": "2026-12-03T08:00:00"}]}
    write(f"{out}/fuzz_project", "project.json", json.dumps(project).encode())


if __name__ == "__main__":
    main(*sys.argv[1:4])
