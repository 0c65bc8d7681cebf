#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Data-parallel scaling of the reference model on this machine (docs/scaling.md): 1 plain process,
# then mpirun -np 1, 2, 4 (one OpenMP thread per rank; 4 ranks oversubscribe a 2-core machine),
# EPOCHS epochs of a 60,000-image set, batch 128. Prints per run: seconds per epoch (fit's time
# over the epochs), the wall time outside fit (MPI start, every rank reading and decoding the
# data, the test evaluation, writing the run), and the bytes summed per step.
#   bench/mpi_scaling.sh [BUILD_DIR] [EPOCHS] [DATASET]     (defaults: build 3 fashion-mnist)
set -euo pipefail
build=${1:-build}
epochs=${2:-3}
dataset=${3:-fashion-mnist}
mlp=$(realpath "$build/mlp")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
config=$(dirname "$0")/../examples/mnist_mlp.toml
common=(train "$config" --set "data.dataset=$dataset" --set "fit.epochs=$epochs" --set fit.verbose=2)
mpirun=(mpirun --allow-run-as-root --oversubscribe --mca btl self,vader)

run() {  # name, threads, command...
  local name=$1 threads=$2
  shift 2
  local start end
  start=$(date +%s.%N)
  "$@" "${common[@]}" --set "fit.threads=$threads" --run-dir "$work/$name" > "$work/$name.out" 2>&1
  end=$(date +%s.%N)
  python3 - "$work/$name.out" "$start" "$end" "$name" "$threads" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
start, end, name, threads = float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
def seconds(s):
    return float(s[:-2]) / 1000 if s.endswith("ms") else float(s[:-1])
epochs = [seconds(m) for m in re.findall(r"Epoch \d+/\d+ - (\d+(?:\.\d+)?m?s) -", text)]
trained = float(re.search(r"Trained \d+ epochs in ([0-9.]+) s", text).group(1))
acc = re.search(r"Test: .*accuracy: ([0-9.]+)", text).group(1)
m = re.search(r"summed over (\d+) parameters \((\d+) bytes\)", text)
volume = m.group(2) if m else "0"
print(f"{name:8s} threads/rank {threads}  s/epoch {trained / len(epochs):6.2f} (progress bar: {' '.join(f'{e:g}' for e in epochs)})"
      f"  outside fit {end - start - trained:5.2f} s  allreduce bytes/step {volume}  test accuracy {acc}")
PY
}

echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $dataset, $epochs epochs"
run plain1 1 "$mlp"
run plain2 2 "$mlp"
run np1 1 "${mpirun[@]}" -np 1 "$mlp"
run np2 1 "${mpirun[@]}" -np 2 "$mlp"
run np4 1 "${mpirun[@]}" -np 4 "$mlp"
