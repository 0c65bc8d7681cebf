#!/usr/bin/env bash
# mlp against PyTorch on the reference MNIST model, back to back in one run (docs/performance.md).
#   bench/compare_pytorch.sh [EPOCHS]          # reference model at 2 threads and at 1 thread
#   bench/compare_pytorch.sh --scaling [EPOCHS]  # seconds per epoch vs batch size, width and depth
# Same model, data (the official MNIST files, fetched by `mlp data fetch mnist`), initialization
# (glorot_uniform kernels, zero biases), optimizer (Adam, lr 1e-3, ε 1e-7), batch size and thread
# count on both sides (bench/compare_fit.cpp, bench/pytorch_mlp.py). PyTorch runs in each BLAS
# configuration below and the table keeps its best one, named in the output:
#   debian-blas          whatever libblas.so.3 the system selects (the out-of-the-box setup; with
#                        only python3-torch installed that is the reference BLAS, ~100x slower, so it
#                        runs only when TORCH_CONFIGS names it)
#   openblas-openmp      LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp, the environment as is
#   openblas-openmp-auto the same with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (OpenBLAS detects the CPU)
# mlp runs with the environment as is; its GEMM (oneDNN) picks its kernels from the CPU itself.
# Reported: median seconds per epoch excluding the first, samples/s, total seconds, test accuracy,
# peak RSS, the ratio PyTorch / mlp, GEMM GFLOP/s per epoch against the FMA peak
# (bench/peak_flops.cpp), the GEMM limit of an epoch (the step's eight products timed alone by
# bench_gemm, times the steps of an epoch) and the epoch's ratio to it, inference samples/s at batch
# 1024 and batch-1 latency. Each run's line is
# appended to bench/results.csv (commit, date, machine), so that a regression shows up there
# (RESULTS_CSV and RESULTS_PLOT_DIR redirect the CSV and the scaling plot, e.g. for a trial run).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=reference
if [[ ${1:-} == --scaling ]]; then
  mode=scaling
  shift
fi
epochs=${1:-$([[ $mode == scaling ]] && echo 2 || echo 5)}
scripts/bootstrap --bench >/dev/null
build=${MLP_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target mlp_cli bench_compare_fit bench_peak_flops bench_gemm >/dev/null
"$build"/mlp data fetch mnist >/dev/null
data=${MLP_DATA_DIR:-$HOME/.cache/mlp/datasets}/mnist

# Debian's interpreter, where python3-torch lives (a python3 earlier on PATH may be another one).
py=/usr/bin/python3
[[ -x $py ]] || py=python3
results=$(mktemp)
trap 'rm -f "$results"' EXIT
cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
echo "machine: $cpu, $(nproc) cores; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-unset}"
echo "peak: $("$build"/bench/bench_peak_flops 2)" | tee -a "$results"

torch_configs=${TORCH_CONFIGS:-openblas-openmp openblas-openmp-auto}
openblas=/usr/lib/x86_64-linux-gnu/openblas-openmp

# run LABEL THREADS ARGS...: one mlp run and one PyTorch run per configuration, JSON lines in $results.
run() {
  local label=$1 threads=$2
  shift 2
  local line config
  line=$(OMP_NUM_THREADS=$threads "$build"/bench/bench_compare_fit --data "$data" --threads "$threads" "$@")
  echo "$label mlp $line" | tee -a "$results"
  for config in $torch_configs; do
    local -a env_args=(OMP_NUM_THREADS="$threads")
    case $config in
      debian-blas) ;;
      openblas-openmp) env_args+=(LD_LIBRARY_PATH="$openblas") ;;
      openblas-openmp-auto) env_args=(-u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "${env_args[@]}" LD_LIBRARY_PATH="$openblas") ;;
      *) echo "compare_pytorch: unknown TORCH_CONFIGS entry $config" >&2; exit 2 ;;
    esac
    line=$(env "${env_args[@]}" "$py" bench/pytorch_mlp.py --data "$data" --threads "$threads" "$@")
    echo "$label $config $line" | tee -a "$results"
  done
}

# gemm_limit THREADS: the seconds of one reference training step's eight products alone (oneDNN,
# bench/bench_gemm.cpp, the batch-128 shapes), so that an epoch can be compared with its GEMM floor.
gemm_limit() {
  OMP_NUM_THREADS=$1 "$build"/bench/bench_gemm --benchmark_filter='BM_gemm/M:(128|256|784)/' \
    --benchmark_min_time=0.3 --benchmark_format=json 2>/dev/null |
    "$py" -c 'import json, sys; b = json.load(sys.stdin)["benchmarks"]
print(json.dumps({"threads": '"$1"', "products": len(b), "step_seconds": sum(x["real_time"] for x in b) * 1e-9}))'
}

if [[ $mode == reference ]]; then
  for threads in 2 1; do
    echo "gemm: $(gemm_limit "$threads")" | tee -a "$results"
    run "reference/${threads}t" "$threads" --epochs "$epochs" --predict
  done
else
  for batch in 32 128 512; do run "batch=$batch" 2 --epochs "$epochs" --batch "$batch"; done
  for width in 128 512 2048; do run "width=$width" 2 --epochs "$epochs" --hidden "$width,$width"; done
  run "depth=2" 2 --epochs "$epochs" --hidden 256,256
  run "depth=4" 2 --epochs "$epochs" --hidden 256,256,256,256
  run "depth=8" 2 --epochs "$epochs" --hidden 256,256,256,256,256,256,256,256
fi

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit+=-dirty  # uncommitted changes: say so in the results
"$py" bench/compare_report.py "$results" --commit "$commit" --machine "$cpu, $(nproc) cores" \
  --csv "${RESULTS_CSV:-bench/results.csv}" --plot "${RESULTS_PLOT_DIR:-bench}/results-$mode.png"
