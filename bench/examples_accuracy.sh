#!/usr/bin/env bash
# Trains the example configs through `mlp train` and prints each run's test metrics and training
# time from its metrics.json: the numbers of docs/examples.md.
#   bench/examples_accuracy.sh [EXAMPLE ...]     default: every example
#   EXAMPLE: mnist_mlp, fashion_mlp, fashion_early_stopping (seeds 1-3 each), mnist_multilabel,
#            breast_cancer_binary, housing_regression, housing_wide_deep (seeds 1-3 each),
#            advanced/<variant> (seed 1)
# fashion_early_stopping runs as its walkthrough does: `mlp lr-find --then-train --steps 500`.
# Runs go to runs/bench-<example>-s<seed>/. The data sets are fetched on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${MLP_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target mlp_cli >/dev/null
examples=("$@")
if ((${#examples[@]} == 0)); then
  examples=(mnist_mlp fashion_mlp fashion_early_stopping mnist_multilabel breast_cancer_binary housing_regression
              housing_wide_deep)
  for f in examples/advanced/*.toml; do examples+=("advanced/$(basename "$f" .toml)"); done
fi
for example in "${examples[@]}"; do
  seeds=(1)
  [[ $example == mnist_mlp || $example == fashion_* || $example == housing_* ]] && seeds=(1 2 3)
  for seed in "${seeds[@]}"; do
    run="runs/bench-${example//\//-}-s$seed"
    if [[ $example == fashion_early_stopping ]]; then
      "$build"/mlp lr-find "examples/$example.toml" --then-train --steps 500 --run-dir "$run" \
        --set fit.seed="$seed" --set fit.verbose=0 | grep '^Suggested'
    else
      "$build"/mlp train "examples/$example.toml" --run-dir "$run" --set fit.seed="$seed" --set fit.verbose=0 >/dev/null
    fi
    # The "test" object and the training time from metrics.json, on one line.
    test=$(sed -n '/"test"/,/}/p' "$run/metrics.json" | tr -d ' \n' | sed 's/"test"://; s/,$//')
    seconds=$(sed -n 's/.*"seconds": \([0-9.]*\).*/\1/p' "$run/metrics.json")
    echo "$example seed $seed: test $test, ${seconds}s"
  done
done
