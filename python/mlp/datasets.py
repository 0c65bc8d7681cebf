# SPDX-License-Identifier: MIT
"""Keras' data sets: ``(x_train, y_train), (x_test, y_test) = mlp.datasets.mnist.load_data()``.

Pixels are uint8 (N, 28, 28) and labels uint8 (N,), as Keras gives them. The files come from
mlp's cache ($MLP_DATA_DIR or ~/.cache/mlp/datasets, where ``mlp data fetch`` puts them), else from
the mirrors or the offline routes the CLI tries (docs/cli.md, ``mlp data``).
"""
from __future__ import annotations

import gzip
import struct
from typing import Any, Optional, Tuple

import numpy as np

from . import _mlp


def _load(name: str, path: Optional[str], network: bool) -> Tuple[Tuple[Any, Any], Tuple[Any, Any]]:
    train, test, _names = _mlp.load_image_dataset(name, path or "", network)
    return train, test


class mnist:  # noqa: N801 (Keras' module name)
    @staticmethod
    def load_data(path: Optional[str] = None, network: bool = True):
        """MNIST digits: ((60000, 28, 28) uint8, (60000,) uint8), ((10000, 28, 28), (10000,))."""
        return _load("mnist", path, network)


class fashion_mnist:  # noqa: N801
    @staticmethod
    def load_data(path: Optional[str] = None, network: bool = True):
        """Fashion-MNIST, shaped as mnist.load_data()."""
        return _load("fashion-mnist", path, network)


def load_idx(path: str) -> np.ndarray:
    """An IDX file (raw or .gz), as uint8 with its dimensions (MNIST's file format)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes")
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {body.size} bytes of data, the header says {dims}")
    return body.reshape(dims).copy()


__all__ = ["mnist", "fashion_mnist", "load_idx"]
