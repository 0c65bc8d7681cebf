#!/usr/bin/env bash
# Compares the GEMM libraries on the reference model's shapes in one run (docs/performance.md):
# oneDNN (what mlp uses) and OpenBLAS with the environment's core type and with SkylakeX forced.
# Installs Debian's OpenMP OpenBLAS if it is missing (only this benchmark uses it).
#   bench/gemm_libraries.sh [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
if ! dpkg-query -W -f='${Status}' libopenblas-openmp-dev 2>/dev/null | grep -q "install ok installed"; then
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq libopenblas-openmp-dev
fi
build=${MLP_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target bench_gemm_openblas
echo "== threads: $threads; environment OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
OMP_NUM_THREADS=$threads "$build"/bench/bench_gemm_openblas --benchmark_min_time=1
echo "== OpenBLAS with OPENBLAS_CORETYPE=SkylakeX"
OMP_NUM_THREADS=$threads OPENBLAS_CORETYPE=SkylakeX "$build"/bench/bench_gemm_openblas \
  --benchmark_filter=OpenBLAS --benchmark_min_time=1
