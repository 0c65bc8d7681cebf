#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""PyTorch's side of bench/compare_pytorch.sh: the model, data and settings of bench_compare_fit,
in PyTorch, printing the same JSON line.

  pytorch_mlp.py --data DIR [--epochs 5] [--batch 128] [--hidden 256,256] [--dropout 0.45]
                 [--threads 2] [--seed 1] [--predict]

Identical to mlp's side: the official MNIST IDX files scaled to [0, 1]; 784 -> Linear(h) -> ReLU
-> Dropout -> ... -> Linear(10); Keras' initialization (glorot_uniform = xavier_uniform_ kernels,
zero biases: PyTorch's own default is kaiming-uniform-like); softmax + categorical cross-entropy
(CrossEntropyLoss on the logits, the same function); Adam(lr 1e-3, betas (0.9, 0.999), eps 1e-7:
Keras' epsilon, PyTorch's default is 1e-8); a fresh shuffle every epoch; the batch gathered from
in-memory tensors (no DataLoader worker processes). Epoch times cover training only: wall
seconds (epoch_seconds) and the process' CPU seconds, all threads (epoch_cpu_seconds, from
time.process_time(), the clock bench_compare_fit reads): CPU / wall is the cores it used.
"""
import argparse
import gzip
import json
import os
import resource
import struct
import time

import numpy as np
import torch


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise SystemExit(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(directory, name):
    for suffix in ("", ".gz"):
        path = os.path.join(directory, name + suffix)
        if os.path.exists(path):
            return path
    raise SystemExit(f"{directory}: no {name}[.gz]")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--hidden", default="256,256")
    p.add_argument("--dropout", type=float, default=0.45)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--predict", action="store_true")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x_train = torch.from_numpy(read_idx(find(a.data, "train-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255)
    y_train = torch.from_numpy(read_idx(find(a.data, "train-labels-idx1-ubyte")).astype(np.int64))
    x_test = torch.from_numpy(read_idx(find(a.data, "t10k-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255)
    y_test = torch.from_numpy(read_idx(find(a.data, "t10k-labels-idx1-ubyte")).astype(np.int64))

    hidden = [int(h) for h in a.hidden.split(",") if h]
    layers, width = [], 784
    for h in hidden:
        layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
        if a.dropout > 0:
            layers.append(torch.nn.Dropout(a.dropout))
        width = h
    layers.append(torch.nn.Linear(width, 10))
    model = torch.nn.Sequential(*layers)
    for m in model:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()

    n = x_train.shape[0]
    epoch_seconds, epoch_cpu_seconds = [], []
    start = time.perf_counter()
    for _ in range(a.epochs):
        t0 = time.perf_counter()
        c0 = time.process_time()
        model.train()
        order = torch.randperm(n)
        for begin in range(0, n, a.batch):
            idx = order[begin:begin + a.batch]
            xb, yb = x_train[idx], y_train[idx]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        epoch_seconds.append(time.perf_counter() - t0)
        epoch_cpu_seconds.append(time.process_time() - c0)
    total = time.perf_counter() - start

    model.eval()
    with torch.no_grad():
        correct = sum(int((model(x_test[i:i + 1024]).argmax(1) == y_test[i:i + 1024]).sum())
                      for i in range(0, x_test.shape[0], 1024))
    out = {"impl": "pytorch", "torch": torch.__version__, "threads": a.threads, "batch": a.batch,
           "params": sum(t.numel() for t in model.parameters()),
           "epoch_seconds": epoch_seconds, "epoch_cpu_seconds": epoch_cpu_seconds, "total_seconds": total,
           "test_accuracy": correct / x_test.shape[0]}
    if a.predict:
        with torch.inference_mode():
            best = 1e30
            for _ in range(5):
                t0 = time.perf_counter()
                for i in range(0, x_test.shape[0], 1024):
                    model(x_test[i:i + 1024]).softmax(1)
                best = min(best, time.perf_counter() - t0)
            lat = []
            for r in range(2200):
                one = x_test[r % x_test.shape[0]:r % x_test.shape[0] + 1]
                t0 = time.perf_counter()
                model(one).softmax(1)
                if r >= 200:
                    lat.append(time.perf_counter() - t0)
        out["predict_samples_per_s"] = x_test.shape[0] / best
        out["latency_us"] = float(np.median(lat)) * 1e6
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
