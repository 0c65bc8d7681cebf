#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Compares the tensors of two safetensors files (standard library only): the same names and
# shapes, and every value within ATOL + RTOL·|b|. Prints the largest absolute difference of each
# tensor and the overall one; exits 1 when a value is out of tolerance, 2 on different layouts.
#   compare_safetensors.py A.safetensors B.safetensors [--atol 1e-4] [--rtol 0]
import argparse, array, json, struct, sys


def tensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    data = raw[8 + n:]
    out = {}
    for name, t in header.items():
        assert t["dtype"] == "F32", f"{path}: {name} is {t['dtype']}"
        begin, stop = t["data_offsets"]
        values = array.array("f")
        values.frombytes(data[begin:stop])
        if sys.byteorder == "big":
            values.byteswap()
        out[name] = (t["shape"], values)
    return out


parser = argparse.ArgumentParser()
parser.add_argument("a")
parser.add_argument("b")
parser.add_argument("--atol", type=float, default=1e-4)
parser.add_argument("--rtol", type=float, default=0.0)
args = parser.parse_args()
a, b = tensors(args.a), tensors(args.b)
if sorted(a) != sorted(b):
    print(f"different tensors: {sorted(a)} vs {sorted(b)}")
    sys.exit(2)
worst, bad = 0.0, 0
for name in sorted(a):
    (sa, va), (sb, vb) = a[name], b[name]
    if sa != sb:
        print(f"{name}: shape {sa} vs {sb}")
        sys.exit(2)
    diff = max((abs(x - y) for x, y in zip(va, vb)), default=0.0)
    bad += sum(1 for x, y in zip(va, vb) if abs(x - y) > args.atol + args.rtol * abs(y))
    worst = max(worst, diff)
    print(f"{name} {sa} max|a-b| {diff:.3g}")
print(f"max|a-b| {worst:.3g} over {len(a)} tensors; {bad} values beyond atol {args.atol:g} + rtol {args.rtol:g}·|b|")
sys.exit(1 if bad else 0)
