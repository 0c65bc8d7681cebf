#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the committed MNIST subset: the first 5,000 training and first 1,000 test images of the
official files, as gzipped IDX. Usage: make_mnist_subset.py DIR_WITH_OFFICIAL_RAW_IDX OUT_DIR.
The official files' SHA-256 are checked first (they are listed in ../../docs/data.md)."""
import gzip, hashlib, os, struct, sys

OFFICIAL = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
SUBSET = {"train": 5000, "t10k": 1000}

def main(src, out):
    for name, digest in OFFICIAL.items():
        data = open(os.path.join(src, name), "rb").read()
        if hashlib.sha256(data).hexdigest() != digest:
            sys.exit(f"{name}: SHA-256 does not match the official file")
        split = name.split("-")[0]
        n = SUBSET[split]
        magic, count = struct.unpack(">II", data[:8])
        rank = magic & 0xFF
        header = 4 + 4 * rank
        dims = struct.unpack(">" + "I" * rank, data[4:header])
        item = 1
        for d in dims[1:]:
            item *= d
        body = data[header:header + n * item]
        new_header = struct.pack(">I", magic) + struct.pack(">" + "I" * rank, n, *dims[1:])
        # mtime=0 keeps the gzip bytes reproducible.
        with gzip.GzipFile(os.path.join(out, f"mnist-subset-{name}.gz"), "wb", mtime=0) as f:
            f.write(new_header + body)

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
