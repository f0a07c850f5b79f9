"""Fixtures for bench/streaming.sh.

  streaming_fixtures.py FOLDER COUNT     COUNT JPEG images of 256x256 pixels in 10 class folders (quality 90,
                                         about 20 KB each, as photos of that size are)
  streaming_fixtures.py --model OUT.pt   torchvision's mobilenet_v2, width 0.5, 10 classes, scripted (untrained:
                                         the benchmark measures memory and speed, not accuracy)
  streaming_fixtures.py --densenet OUT.pt  torchvision's densenet121, 10 classes, scripted, with a Pare record for
                                         3x64x64 input and the class names of the generated folders (class0..9), so
                                         the studio opens it without asking for its inputs

Images are smooth random colour fields with noise and a class-dependent bright disc, so that they compress like
photos, not like flat colour, and differ by class. Seeded: the same folder every run.
"""
import os
import sys

import numpy as np
from PIL import Image


def make_folder(folder, count):
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:256, 0:256]
    for c in range(10):
        os.makedirs(os.path.join(folder, f"class{c}"), exist_ok=True)
    for i in range(count):
        label = i % 10
        coarse = rng.integers(0, 256, size=(8, 8, 3), dtype=np.uint8)
        field = np.asarray(Image.fromarray(coarse).resize((256, 256), Image.BICUBIC), dtype=np.float32)
        cy, cx = 40 + 18 * label, 216 - 18 * label
        disc = ((yy - cy) ** 2 + (xx - cx) ** 2 < 30 ** 2)[..., None] * 80.0
        noisy = field + disc + rng.normal(0.0, 12.0, size=field.shape)
        image = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
        image.save(os.path.join(folder, f"class{label}", f"{i:06d}.jpg"), quality=90)


def make_model(path):
    import torch
    import torchvision.models as tvm

    torch.manual_seed(0)
    model = tvm.mobilenet_v2(num_classes=10, width_mult=0.5).eval()
    torch.jit.script(model).save(path)


def make_densenet(path):
    import json

    import torch
    import torchvision.models as tvm

    torch.manual_seed(0)
    model = tvm.densenet121(num_classes=10).eval()
    record = {"input_shape": [3, 64, 64], "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25],
              "classes": [f"class{c}" for c in range(10)], "format": "pare-model-record", "version": 1}
    torch.jit.script(model).save(path, _extra_files={"pare.json": json.dumps(record)})


if __name__ == "__main__":
    if sys.argv[1] == "--model":
        make_model(sys.argv[2])
    elif sys.argv[1] == "--densenet":
        make_densenet(sys.argv[2])
    else:
        make_folder(sys.argv[1], int(sys.argv[2]))
