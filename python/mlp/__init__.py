# SPDX-License-Identifier: MIT
"""mlp: Keras-style multilayer perceptrons in C++, from Python.

    import mlp
    model = mlp.Sequential([mlp.layers.Flatten(input_shape=(28, 28)),
                            mlp.layers.Dense(300, activation="relu"),
                            mlp.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train / 255.0, y_train, epochs=5, validation_split=0.1)

See docs/python.md.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from . import _mlp
from . import callbacks, datasets, layers, optimizers
from . import models
from .layers import Input
from .models import Model, Sequential, load_model

__version__ = _mlp.__version__
Error = _mlp.Error  # every error the C++ library reports (a ValueError)


class scaled:  # noqa: N801 (reads as a function)
    """``mlp.scaled(x_uint8, 1 / 255)``: uint8 pixels read as byte · scale inside the training loop
    (no float copy: a quarter of the memory), bit-identical to ``mlp train`` on the same images."""

    def __init__(self, array: Any, scale: float):
        self.array = array
        self._mlp_scale = float(scale)

    @property
    def shape(self) -> Any:
        return self.array.shape

    def __len__(self) -> int:
        return len(self.array)


def lr_find(model: Model, x: Any, y: Any, start_lr: float = 1e-5, end_lr: float = 10.0, steps: int = 300,
            batch_size: int = 32, smoothing: float = 0.98, divergence: float = 4.0, seed: int = 0) -> Dict[str, Any]:
    """The learning-rate range test (``mlp lr-find``) on a compiled model; it trains the model, so
    build a fresh one afterwards. Returns {"lr", "loss", "smoothed", "suggested_lr", "min_loss_lr",
    "rule", "diverged"}."""
    core = model._require_compiled("lr_find")
    options = {"start_lr": start_lr, "end_lr": end_lr, "steps": steps, "batch_size": batch_size,
               "smoothing": smoothing, "divergence": divergence, "seed": seed}
    import json
    return dict(core.lr_find(x, y, json.dumps(options)))


__all__ = ["Sequential", "Model", "Input", "load_model", "layers", "optimizers", "callbacks", "datasets",
           "models", "scaled", "lr_find", "Error", "__version__"]
