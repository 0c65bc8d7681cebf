# SPDX-License-Identifier: MIT
# examples/fashion_mnist.ipynb executed headless by nbconvert (on 6,000 images, 3 epochs at most).
import json
import os
import shutil
import subprocess
import sys

import pytest

import mlp

NOTEBOOK = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "fashion_mnist.ipynb")


def test_fashion_mnist_notebook_runs(tmp_path):
    nbconvert = shutil.which("jupyter-nbconvert")
    if nbconvert is None:
        pytest.skip("jupyter-nbconvert is not installed (Debian: jupyter-nbconvert python3-ipykernel)")
    try:
        mlp.datasets.fashion_mnist.load_data(network=False)
    except mlp.Error as e:
        pytest.skip(f"Fashion-MNIST is not available offline: {str(e)[:200]}")
    shutil.copy(NOTEBOOK, tmp_path / "fashion_mnist.ipynb")
    env = dict(os.environ, MLP_NOTEBOOK_SAMPLES="6000", MLP_NOTEBOOK_EPOCHS="3", PYDEVD_DISABLE_FILE_VALIDATION="1",
               PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    r = subprocess.run([nbconvert, "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=240",
                        "--output", "executed.ipynb", str(tmp_path / "fashion_mnist.ipynb")],
                       cwd=tmp_path, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    text = (tmp_path / "executed.ipynb").read_text()
    assert "test accuracy" in text and "suggested learning rate" in text
    # fit(verbose=1) in a notebook: the bar is redrawn in place ('\r'), so the stored output
    # has one header and one bar line per epoch, not a line per batch.
    cells = json.loads(text)["cells"]
    out = "".join("".join(o.get("text", "")) for c in cells for o in c.get("outputs", [])
                  if o.get("output_type") == "stream")
    lines = out.split("\n")
    epochs = [line for line in lines if line.startswith("Epoch ")]
    bars = [line for line in lines if "[====" in line]
    assert 1 <= len(epochs) <= 3 and len(bars) == len(epochs), out[-2000:]
