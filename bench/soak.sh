#!/usr/bin/env bash
# Long-run soak test (issue 6; not part of ctest): trains the reference model on MNIST for many
# epochs with a checkpoint written at every epoch end (mlp train always does) and samples the
# process' memory as it goes. Memory must stay flat: the report gives the resident set (VmRSS)
# and its peak so far (VmHWM) after epochs 1, 50 and the last, and the checkpoint count.
#   bench/soak.sh [EPOCHS=200] [CONFIG=examples/mnist_mlp.toml]
# Output: one line per sampled epoch, then the final test line; the run directory is
# runs/soak-<date>. Needs a built build/mlp (scripts/test or cmake --build build).
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-200}
config=${2:-examples/mnist_mlp.toml}
mlp=${MLP:-build/mlp}
run=runs/soak-$(date +%Y%m%d-%H%M%S)
mkdir -p "$run"
log=$run/console.txt
"$mlp" train "$config" --run-dir "$run" --set fit.epochs="$epochs" --set fit.verbose=2 >"$log" 2>&1 &
pid=$!
declare -A want=([1]=1 [50]=1 [$epochs]=1)
reported=0
echo "soak: $config, $epochs epochs, pid $pid, run $run"
printf '%6s %12s %12s %10s\n' epoch VmRSS_MiB VmHWM_MiB elapsed_s
start=$(date +%s)
while kill -0 "$pid" 2>/dev/null; do
  done_epochs=$(grep -c '^Epoch [0-9]*/' "$log" || true)
  if [[ -n "${want[$done_epochs]:-}" && $done_epochs -gt $reported ]]; then
    rss=$(awk '/^VmRSS/ {print $2}' /proc/"$pid"/status 2>/dev/null || echo 0)
    hwm=$(awk '/^VmHWM/ {print $2}' /proc/"$pid"/status 2>/dev/null || echo 0)
    awk -v e="$done_epochs" -v r="$rss" -v h="$hwm" -v t="$(($(date +%s) - start))" \
      'BEGIN {printf "%6d %12.1f %12.1f %10d\n", e, r / 1024, h / 1024, t}'
    reported=$done_epochs
  fi
  sleep 0.2
done
wait "$pid"
grep -E '^(Test|Trained)' "$log"
echo "checkpoint: $(ls -la "$run"/checkpoint.safetensors | awk '{print $5}') bytes, written after every epoch"
