# SPDX-License-Identifier: MIT
# The model file is the CLI's: trained here → `mlp evaluate`; `mlp train` → load_model here; and
# the same seed gives the same bits as the C++ API.
import json
import os
import re
import subprocess

import numpy as np
import pytest

import mlp
from conftest import DATA, small_model

CLI = os.environ.get("MLP_CLI")
REF = os.environ.get("MLP_CPP_REFERENCE")
CONFIGS = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "configs")


@pytest.mark.skipif(not CLI, reason="MLP_CLI (the mlp binary) is not set; run through ctest")
def test_python_model_evaluated_by_cli(mnist_subset, tmp_path):
    (x, y), (xt, yt) = mnist_subset
    model = small_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(mlp.scaled(x, 1 / 255), y, batch_size=128, epochs=2)
    path = tmp_path / "model.safetensors"
    model.save(path, extra=mlp.models.images_extra())
    ours = model.evaluate(mlp.scaled(xt, 1 / 255), yt, batch_size=256, return_dict=True)
    out = subprocess.run([CLI, "evaluate", str(path), os.path.join(DATA, "mnist-subset-t10k-images-idx3-ubyte.gz"),
                          "--labels", os.path.join(DATA, "mnist-subset-t10k-labels-idx1-ubyte.gz")],
                         capture_output=True, text=True, check=True).stdout
    acc = float(re.search(r"accuracy: ([0-9.]+)", out).group(1))
    assert acc == pytest.approx(ours["accuracy"], abs=6e-5), out


@pytest.mark.skipif(not CLI, reason="MLP_CLI (the mlp binary) is not set; run through ctest")
def test_cli_model_loaded_in_python(mnist_subset, tmp_path):
    (_, _), (xt, yt) = mnist_subset
    run = tmp_path / "run"
    subprocess.run([CLI, "train", os.path.join(CONFIGS, "mnist_subset.toml"), "--set", "fit.epochs=1",
                    "--run-dir", str(run)], capture_output=True, text=True, check=True)
    out = subprocess.run([CLI, "evaluate", str(run / "model.safetensors"),
                          os.path.join(DATA, "mnist-subset-t10k-images-idx3-ubyte.gz"),
                          "--labels", os.path.join(DATA, "mnist-subset-t10k-labels-idx1-ubyte.gz")],
                         capture_output=True, text=True, check=True).stdout
    cli_acc = float(re.search(r"accuracy: ([0-9.]+)", out).group(1))
    model = mlp.models.load_model(run / "model.safetensors")
    onehot = np.eye(10, dtype=np.float32)[yt]
    logs = model.evaluate(mlp.scaled(xt, 1 / 255), onehot, batch_size=256, return_dict=True)
    assert logs["accuracy"] == pytest.approx(cli_acc, abs=6e-5)


@pytest.mark.skipif(not REF, reason="MLP_CPP_REFERENCE is not set; run through ctest")
def test_bit_identical_to_cpp_api(mnist_subset, tmp_path):
    (x, y), _ = mnist_subset
    model = small_model(seed=7)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    config = {"model": model.get_config(), "compile": model._compile, "batch_size": 128, "epochs": 2,
              "validation_split": 0.1}
    (tmp_path / "c.json").write_text(json.dumps(config))
    ref = json.loads(subprocess.run([REF, str(tmp_path / "c.json"), DATA], capture_output=True, text=True,
                                    check=True).stdout)
    # the reference ran on a fresh model from the same config: compare against a fresh one here too
    fresh = small_model(seed=7)
    fresh.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    h = fresh.fit(mlp.scaled(x, 1 / 255), y, batch_size=128, epochs=2, validation_split=0.1)
    assert h.history == ref["history"]
    p = fresh.predict(mlp.scaled(x, 1 / 255))[:5].ravel()
    np.testing.assert_array_equal(p, np.array(ref["predictions"], dtype=np.float32))
