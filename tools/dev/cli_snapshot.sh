#!/usr/bin/env bash
# tools/dev/cli_snapshot.sh MLP_BIN REPO DEST: trains a set of configs through the CLI (7 trainings,
# 6 evaluate/predict runs, every config under tests/configs/errors) and keeps every output in
# DEST, timings stripped and PNGs dropped, for a byte comparison before and after a refactor:
#   tools/dev/cli_snapshot.sh old/build/mlp old before; tools/dev/cli_snapshot.sh build/mlp . after
#   diff -r before after     # no output: behaviour unchanged
# Single-threaded (OMP_NUM_THREADS=1), so the numbers are bit-identical between runs.
set -e
[ $# -eq 3 ] || { echo "usage: cli_snapshot.sh MLP_BIN REPO DEST" >&2; exit 2; }
MLP=$(realpath "$1"); REPO=$(realpath "$2"); DEST=$3; OUT=${TMPDIR:-/tmp}/mlp-cli-snapshot  # one fixed place: binary files (checkpoints) hold the path
rm -rf "$OUT" "$DEST"; mkdir -p "$OUT"
export OMP_NUM_THREADS=1
run() {  # name config overrides...
  local name=$1 cfg=$2; shift 2
  "$MLP" train "$cfg" --run-dir "$OUT/$name" "$@" > "$OUT/$name.stdout" 2> "$OUT/$name.stderr" || echo "rc=$?" >> "$OUT/$name.stdout"
}
run subset $REPO/tests/configs/mnist_subset.toml --set fit.epochs=2 --set fit.verbose=2
run ml_subset $REPO/tests/configs/mnist_subset.toml --set fit.epochs=1 --set fit.verbose=2 --set data.task=\"multilabel\" --set 'data.multilabel={even=[0,2,4,6,8],big=[5,6,7,8,9]}' --set 'compile.loss="binary_crossentropy"' --set model.layers[5].units=2 --set 'model.layers[5].activation="sigmoid"'
run cancer $REPO/examples/breast_cancer_binary.toml --set fit.epochs=3 --set fit.verbose=2
run housing $REPO/examples/housing_regression.toml --set fit.epochs=2 --set fit.verbose=2
run widedeep $REPO/examples/housing_wide_deep.toml --set fit.epochs=2 --set fit.verbose=2
run iris_sparse $REPO/tests/configs/mnist_subset.toml --set fit.epochs=1 --set fit.verbose=2 --set 'compile.loss="sparse_categorical_crossentropy"'
run cb $REPO/tests/configs/callbacks.toml --set fit.verbose=2 || true
"$MLP" evaluate "$OUT/subset/model.safetensors" $REPO/tests/data/mnist-subset-t10k-images-idx3-ubyte.gz --labels $REPO/tests/data/mnist-subset-t10k-labels-idx1-ubyte.gz > "$OUT/eval_subset.txt" 2>&1 || true
"$MLP" predict "$OUT/subset/model.safetensors" $REPO/tests/data/digit7_photo.png > "$OUT/pred_photo.txt" 2>&1 || true
"$MLP" evaluate "$OUT/cancer/model.safetensors" $REPO/tests/data/tabular/breast_cancer.csv > "$OUT/eval_cancer.txt" 2>&1 || true
"$MLP" predict "$OUT/housing/model.safetensors" $REPO/tests/data/tabular/california_housing.csv > "$OUT/pred_housing.txt" 2>&1 || true
"$MLP" evaluate "$OUT/widedeep/model.safetensors" $REPO/tests/data/tabular/california_housing.csv > "$OUT/eval_wd.txt" 2>&1 || true
"$MLP" evaluate "$OUT/ml_subset/model.safetensors" $REPO/tests/data/mnist-subset-t10k-images-idx3-ubyte.gz --labels $REPO/tests/data/mnist-subset-t10k-labels-idx1-ubyte.gz > "$OUT/eval_ml.txt" 2>&1 || true
# error paths
for f in $REPO/tests/configs/errors/*.toml; do "$MLP" train "$f" --run-dir "$OUT/err_$(basename $f .toml)" > "$OUT/err_$(basename $f .toml).txt" 2>&1 || echo "rc=$?" >> "$OUT/err_$(basename $f .toml).txt"; done
# strip timings and absolute run paths
find "$OUT" -type f \( -name '*.stdout' -o -name '*.txt' -o -name 'train.log' -o -name '*.stderr' \) -exec sed -i -E 's/- [0-9]+(ms|us|s) -/- T -/g; s/[0-9.]+ ?(s|ms|us)\/(step|epoch)|in [0-9.]+ s|[0-9]+(\.[0-9]+)?s [0-9]+(ms|us)\/step|- [0-9]+s/T/g' {} +
grep -rlIF "$OUT" "$OUT" | xargs -r sed -i "s|$OUT|RUN|g"  # the run directory, in the text files
find "$OUT" -name metrics.json -exec sed -i -E 's/- [0-9]+(ms|us|s) -/- T -/g; s/"seconds": [0-9.e+-]+/"seconds": T/' {} +
find "$OUT" -name '*.png' -delete
mv "$OUT" "$DEST"
