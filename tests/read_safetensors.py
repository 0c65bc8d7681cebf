#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# An independent safetensors reader (standard library only, written from the format's spec) that
# checks an mlp model file: framing, header, contiguous data offsets, shapes, finite float32
# values, and the mlp metadata. Prints one line per tensor: "name dtype shape sum".
#   read_safetensors.py MODEL.safetensors
import array, json, math, struct, sys

raw = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
assert 8 + n <= len(raw), "header runs past the end"
header = json.loads(raw[8:8 + n].decode("utf-8"))
meta = header.pop("__metadata__")
assert meta["format"] == "mlp.model" and meta["format_version"] == "1", meta
model = json.loads(meta["model"])
assert model["type"] == "Sequential"
data = raw[8 + n:]
end = 0
for name, t in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
    begin, stop = t["data_offsets"]
    assert begin == end, f"{name}: gap or overlap at {begin}"
    assert t["dtype"] == "F32"
    count = math.prod(t["shape"])
    assert stop - begin == 4 * count, f"{name}: {stop - begin} bytes for shape {t['shape']}"
    values = array.array("f")
    values.frombytes(data[begin:stop])
    if sys.byteorder == "big":
        values.byteswap()
    assert all(math.isfinite(v) for v in values), f"{name}: non-finite value"
    print(name, t["dtype"], t["shape"], f"{sum(values):.6g}")
    end = stop
assert end == len(data), "bytes after the last tensor"
print("layers:", " ".join(layer["type"] for layer in model["layers"]))
