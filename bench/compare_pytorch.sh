#!/usr/bin/env bash
# mlp against PyTorch on the reference MNIST model, back to back in one run (docs/performance.md).
#   bench/compare_pytorch.sh [EPOCHS]          # reference model at 2 threads and at 1 thread
#   bench/compare_pytorch.sh --scaling [EPOCHS]  # seconds per epoch vs batch size, width and depth
#   bench/compare_pytorch.sh --contended [--scaling] [EPOCHS]  # the same, one core kept busy
#   bench/compare_pytorch.sh --both [--scaling] [EPOCHS]       # quiet, then contended, side by side
# --contended runs the comparison (and its GEMM limits) while bench/load.sh keeps one core busy
# with ordinary work (gzip; LOAD_WORK=spin for a pure busy loop), started just before and stopped
# on any exit of this script, bounded by LOAD_SECONDS (default 1800) and by this script's life.
# The FMA peak is measured once, before any load. Runs are labelled LABEL@quiet or
# LABEL@contended; with --both the report adds a quiet-vs-contended table.
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
# Reported: median seconds per epoch excluding the first, with their min and max (the spread), the
# cores each side used (its process' CPU seconds / wall seconds over those epochs), samples/s,
# total seconds, test accuracy, peak RSS, the ratio PyTorch / mlp, GEMM GFLOP/s per epoch against
# the FMA peak (bench/peak_flops.cpp), the GEMM limit of an epoch (the step's eight products timed
# alone by bench_gemm, times the steps of an epoch) and the epoch's ratio to it, inference
# samples/s at batch 1024 and batch-1 latency. Each run's line is appended to bench/results.csv
# (commit, date, machine, condition), so that a regression shows up there (RESULTS_CSV and
# RESULTS_PLOT_DIR redirect the CSV and the scaling plot, e.g. for a trial run).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=reference
conditions=quiet
while [[ ${1:-} == --* ]]; do
  case $1 in
    --scaling) mode=scaling ;;
    --contended) conditions=contended ;;
    --both) conditions="quiet contended" ;;
    *)
      echo "compare_pytorch: unknown option $1 (--scaling, --contended, --both)" >&2
      exit 2
      ;;
  esac
  shift
done
epochs=${1:-$([[ $mode == scaling ]] && echo 2 || echo 5)}

# The load of the contended runs (bench/load.sh), and the cleanup on any exit: the load is stopped
# (and reaped) whether the script ends normally, fails (set -e), or is interrupted.
load_pid=
results=
stop_load() {
  if [[ -n $load_pid ]]; then
    kill -TERM "$load_pid" 2>/dev/null || true
    wait "$load_pid" 2>/dev/null || true
    load_pid=
  fi
}
cleanup() {
  stop_load
  if [[ -n $results ]]; then rm -f "$results"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
start_load() {
  bench/load.sh --work "${LOAD_WORK:-gzip}" --seconds "${LOAD_SECONDS:-1800}" --parent $$ &
  load_pid=$!
  sleep 2 # its buffer written and its worker running before the first measurement
  if ! kill -0 "$load_pid" 2>/dev/null; then
    wait "$load_pid" || true
    load_pid=
    echo "compare_pytorch: bench/load.sh did not start" >&2
    exit 1
  fi
}
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
cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
# The widest vectors, so that results.csv tells the project's machines apart (both "AMD EPYC").
if grep -qw avx512f /proc/cpuinfo; then cpu+=" AVX-512"; elif grep -qw avx2 /proc/cpuinfo; then cpu+=" AVX2"; fi
echo "machine: $cpu, $(nproc) cores; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-unset}"
echo "peak: $("$build"/bench/bench_peak_flops 2)" | tee -a "$results"

torch_configs=${TORCH_CONFIGS:-openblas-openmp openblas-openmp-auto}
openblas=/usr/lib/x86_64-linux-gnu/openblas-openmp

# run LABEL THREADS ARGS...: one mlp run and one PyTorch run per configuration, JSON lines in
# $results, labelled LABEL@$condition.
run() {
  local label=$1 threads=$2
  shift 2
  local line config
  label+=@$condition
  # At all the cores mlp runs as a user gets it, the count left to fit() (automatic: it moves to
  # fewer threads while other work takes a core); at fewer, fixed.
  if ((threads == $(nproc))); then
    line=$(env -u OMP_NUM_THREADS "$build"/bench/bench_compare_fit --data "$data" --threads 0 "$@")
  else
    line=$(OMP_NUM_THREADS=$threads "$build"/bench/bench_compare_fit --data "$data" --threads "$threads" "$@")
  fi
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
print(json.dumps({"threads": '"$1"', "condition": "'"$condition"'", "products": len(b),
                  "step_seconds": sum(x["real_time"] for x in b) * 1e-9}))'
}

# comparison: the runs of $mode, under $condition.
comparison() {
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
}

for condition in $conditions; do
  if [[ $condition == contended ]]; then
    echo "contended: bench/load.sh --work ${LOAD_WORK:-gzip} keeps one core busy (at most ${LOAD_SECONDS:-1800} s)"
    start_load
    comparison
    if ! kill -0 "$load_pid" 2>/dev/null; then
      echo "compare_pytorch: warning: the load ended before the contended runs did" \
        "(LOAD_SECONDS=${LOAD_SECONDS:-1800}): their last part ran without it" >&2
    fi
    stop_load
  else
    comparison
  fi
done

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit+=-dirty  # uncommitted changes: say so in the results
"$py" bench/compare_report.py "$results" --commit "$commit" --machine "$cpu, $(nproc) cores" \
  --csv "${RESULTS_CSV:-bench/results.csv}" --plot "${RESULTS_PLOT_DIR:-bench}/results-$mode.png"
