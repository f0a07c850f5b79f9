#!/usr/bin/python3
"""The same training loop as bench/TrainThroughput in PyTorch's Python API, for a side-by-side comparison.

One epoch of the Caffe LeNet-5 on the full Fashion-MNIST training set, batch 64, SGD with momentum 0.9; the data is
decoded and normalized into one tensor first, as Pare does, and only the loop is timed. Prints one JSON line.
Usage: pytorch_train.py THREADS [--channels-last]
"""
import gzip
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FOLDER = "/usr/share/datasets/fashion-mnist"


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5)
        self.conv2 = nn.Conv2d(20, 50, 5)
        self.fc1 = nn.Linear(800, 500)
        self.fc2 = nn.Linear(500, 10)

    def forward(self, x):
        x = F.max_pool2d(self.conv1(x), 2)
        x = F.max_pool2d(self.conv2(x), 2)
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


def load(prefix):
    with gzip.open(f"{FOLDER}/{prefix}-images-idx3-ubyte.gz") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(f"{FOLDER}/{prefix}-labels-idx1-ubyte.gz") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    x = (torch.from_numpy(x.astype(np.float32) / 255.0) - 0.2860) / 0.3530
    return x.contiguous(), torch.from_numpy(y.astype(np.int64))


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    channels_last = "--channels-last" in sys.argv
    if threads > 0:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    x, y = load("train")
    model = LeNet5()
    layout = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=layout)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9, weight_decay=5e-4)
    order = torch.randperm(len(x))
    model.train()
    start = time.perf_counter()
    for begin in range(0, len(x), 64):
        index = order[begin:begin + 64]
        optimizer.zero_grad()
        batch = x.index_select(0, index).contiguous(memory_format=layout)
        loss = F.cross_entropy(model(batch), y.index_select(0, index))
        loss.backward()
        optimizer.step()
        loss.item()
    seconds = time.perf_counter() - start
    print(json.dumps({"images_per_second": len(x) / seconds, "seconds": seconds,
                      "threads": torch.get_num_threads(), "channels_last": channels_last}))


if __name__ == "__main__":
    main()
