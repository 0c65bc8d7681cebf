#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes digit7_photo.png: the first MNIST test digit (a 7) as a "photo" would show it: dark ink
# on light paper, 4x larger and off-centre on a 150x130 page. `mlp predict` must turn it back into
# an MNIST-like 28x28 sample (tests/cli_mnist.cmake). Only the standard library is used.
import gzip, struct, zlib, pathlib

here = pathlib.Path(__file__).parent
pixels = gzip.open(here / "mnist-subset-t10k-images-idx3-ubyte.gz").read()[16:16 + 784]
W, H = 150, 130
page = [[245] * W for _ in range(H)]
for y in range(28 * 4):
    for x in range(28 * 4):
        v = pixels[(y // 4) * 28 + x // 4]
        page[10 + y][30 + x] = 255 - v if v > 0 else 245
raw = b"".join(b"\x00" + bytes(row) for row in page)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 0, 0, 0, 0)) +
       chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
(here / "digit7_photo.png").write_bytes(png)
