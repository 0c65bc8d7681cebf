# SPDX-License-Identifier: MIT
import os

import numpy as np
import pytest

import mlp

DATA = os.environ.get("MLP_TEST_DATA_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data"))


@pytest.fixture(scope="session")
def mnist_subset():
    """The committed MNIST subset: (x_train uint8 (5000, 28, 28), y_train (5000,)), (x_test, y_test)."""
    def load(name):
        return mlp.datasets.load_idx(os.path.join(DATA, f"mnist-subset-{name}.gz"))
    return ((load("train-images-idx3-ubyte"), load("train-labels-idx1-ubyte")),
            (load("t10k-images-idx3-ubyte"), load("t10k-labels-idx1-ubyte")))


def small_model(seed=1):
    return mlp.Sequential([mlp.layers.Flatten(input_shape=(28, 28)),
                           mlp.layers.Dense(32, activation="relu"),
                           mlp.layers.Dropout(0.2),
                           mlp.layers.Dense(10, activation="softmax")], seed=seed)
