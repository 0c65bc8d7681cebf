#!/usr/bin/env bash
# The cost of Python: the reference model (Flatten, Dense 256 relu, Dropout 0.45, Dense 256 relu,
# Dropout 0.45, Dense 10 softmax; Adam, batch 128) trained on the committed MNIST subset by
# `mlp train` and by `model.fit` from Python, the same epochs and seed; prints both fit times.
# mlp train's time ("Trained N epochs in S s", one decimal) also covers what it does per epoch
# beyond the Python fit (its checkpoint, the history file), so the CLI can come out slower.
#   bench/python_overhead.sh [BUILD_DIR] [EPOCHS]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
epochs=${2:-5}
cli=$build/mlp
[[ -x $cli ]] || cli=$(find "$build" -name mlp -type f -executable | head -1)
run=$(mktemp -d)
trap 'rm -rf "$run"' EXIT
cli_s=$("$cli" train tests/configs/mnist_subset.toml --set fit.epochs="$epochs" --set fit.validation_split=0 \
        --run-dir "$run/cli" | sed -n 's/^Trained [0-9]* epochs in \([0-9.]*\) s$/\1/p')
py_s=$(PYTHONPATH=$build/python /usr/bin/python3 - "$epochs" <<'PY'
import sys, time
import mlp
epochs = int(sys.argv[1])
x = mlp.datasets.load_idx("tests/data/mnist-subset-train-images-idx3-ubyte.gz")
y = mlp.datasets.load_idx("tests/data/mnist-subset-train-labels-idx1-ubyte.gz")
import numpy as np
y1 = np.eye(10, dtype=np.float32)[y]
m = mlp.Sequential([mlp.layers.Flatten(input_shape=(28, 28)), mlp.layers.Dense(256, activation="relu"),
                    mlp.layers.Dropout(0.45), mlp.layers.Dense(256, activation="relu"), mlp.layers.Dropout(0.45),
                    mlp.layers.Dense(10, activation="softmax")], seed=1)
m.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
t = time.perf_counter()
m.fit(mlp.scaled(x, 1 / 255), y1, batch_size=128, epochs=epochs, verbose=0)
print(f"{time.perf_counter() - t:.2f}")
PY
)
echo "epochs=$epochs cli_fit_s=$cli_s python_fit_s=$py_s overhead=$(/usr/bin/python3 -c "print(f'{($py_s / $cli_s - 1) * 100:+.1f}%')")"
