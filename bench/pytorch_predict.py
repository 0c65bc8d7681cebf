#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""PyTorch's side of bench/predict_command.sh: what `mlp predict MODEL IMAGES.idx --out OUT.csv`
does, as a PyTorch user would write it.

  pytorch_predict.py MODEL.safetensors IMAGES-idx3-ubyte --out OUT.csv [--threads 2]
                     [--batch-size 256] [--phases]

Reads the mlp model file itself (docs/file_format.md: 8-byte little-endian header length, JSON
header, raw little-endian float32 tensors; json + numpy.frombuffer, no safetensors package), builds
the equivalent torch.nn.Sequential from the architecture in its metadata (Flatten, Dense as Linear
plus its activation, Dropout as identity in eval mode), reads the IDX images (header parsed with
numpy), scales them as the metadata's `extra.preprocessing` says (divide_by, then mean/stddev when
present), predicts in batches (eval mode, torch.no_grad()) and writes the CSV that mlp writes for a
classifier: `sample,class,probability`, one row `"index I","CLASS",P` per image, P the top
probability with 6 significant digits (%.6g, fmt's {:.6g}), CLASS from `extra.labels.class_names`.
--phases prints to stderr one JSON line with the seconds of each phase since the process' first
Python statement (import torch, load model, read data, predict, write CSV).
"""
import time

_start = time.perf_counter()

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

_imported = time.perf_counter()


def read_safetensors(path):
    """(tensors {name: np.ndarray float32}, metadata {key: str})."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = np.frombuffer(raw, dtype="<u8", count=1)
    header = json.loads(raw[8:8 + int(n)].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    base = 8 + int(n)
    tensors = {}
    for name, t in header.items():
        if t["dtype"] != "F32":
            raise SystemExit(f"{path}: {name} is {t['dtype']}, expected F32")
        begin, end = t["data_offsets"]
        a = np.frombuffer(raw, dtype="<f4", count=(end - begin) // 4, offset=base + begin)
        tensors[name] = a.reshape(t["shape"])
    return tensors, meta


def build_model(arch, tensors):
    if arch.get("type") != "Sequential":
        raise SystemExit(f"only Sequential models, got {arch.get('type')}")
    activations = {
        None: None, "linear": None, "relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid,
        "tanh": torch.nn.Tanh, "softmax": lambda: torch.nn.Softmax(dim=1),
    }
    layers = []
    for layer in arch["layers"]:
        kind, name = layer["type"], layer["name"]
        if kind == "Flatten":
            layers.append(torch.nn.Flatten())
        elif kind == "Dropout":
            layers.append(torch.nn.Dropout(layer["rate"]))  # identity in eval mode
        elif kind == "Dense":
            kernel = tensors[f"{name}/kernel"]  # (in, out), as Keras stores it
            use_bias = layer.get("use_bias", True)
            linear = torch.nn.Linear(kernel.shape[0], kernel.shape[1], bias=use_bias)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(kernel.T.copy()))
                if use_bias:
                    linear.bias.copy_(torch.from_numpy(tensors[f"{name}/bias"].copy()))
            layers.append(linear)
            act = layer.get("activation")
            if act not in activations:
                raise SystemExit(f"{name}: activation {act} not handled")
            if activations[act] is not None:
                layers.append(activations[act]())
        else:
            raise SystemExit(f"{name}: layer type {kind} not handled")
    return torch.nn.Sequential(*layers).eval()


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    magic = np.frombuffer(raw, dtype=np.uint8, count=4)
    if magic[0] != 0 or magic[1] != 0 or magic[2] != 0x08:
        raise SystemExit(f"{path}: not an unsigned-byte IDX file")
    ndim = int(magic[3])
    dims = np.frombuffer(raw, dtype=">u4", count=ndim, offset=4).astype(np.int64)
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("images")
    p.add_argument("--out", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--phases", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)

    tensors, meta = read_safetensors(a.model)
    extra = json.loads(meta["extra"])
    model = build_model(json.loads(meta["model"]), tensors)
    labels = extra["labels"]
    if labels.get("task") != "classification" or labels.get("format") == "binary":
        raise SystemExit("only multi-class classifiers (softmax output)")
    names = labels.get("class_names") or []
    prep = extra.get("preprocessing", {})
    loaded = time.perf_counter()

    images = read_idx(a.images)
    shape = tuple(json.loads(meta["model"])["input_shape"])
    if images.shape[1:] != shape:
        raise SystemExit(f"{a.images}: images are {images.shape[1:]}, the model takes {shape}")
    x = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32))
    x /= float(prep.get("divide_by", 1.0))
    if prep.get("mean"):
        x -= torch.tensor(prep["mean"], dtype=torch.float32)
        x /= torch.tensor(prep["stddev"], dtype=torch.float32)
    x = x.reshape((len(images),) + shape)
    read = time.perf_counter()

    with torch.no_grad():
        probs = torch.cat([model(x[i:i + a.batch_size]) for i in range(0, len(x), a.batch_size)])
        top, cls = probs.max(dim=1)
    predicted = time.perf_counter()

    top, cls = top.tolist(), cls.tolist()
    cells = [names[c] if c < len(names) else str(c) for c in range(probs.shape[1])]
    rows = [f'"index {i}","{cells[c]}",{t:.6g}\n' for i, (c, t) in enumerate(zip(cls, top))]
    with open(a.out, "w") as f:
        f.write("sample,class,probability\n")
        f.write("".join(rows))
    written = time.perf_counter()
    print(f"{len(rows)} predictions written to {a.out}")
    if a.phases:
        print(json.dumps({"import": _imported - _start, "load_model": loaded - _imported,
                          "read_data": read - loaded, "predict": predicted - read,
                          "write_csv": written - predicted, "total": written - _start}), file=sys.stderr)


if __name__ == "__main__":
    main()
