#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan, MLP_FUZZ=ON) and runs each for SECONDS
# (default 60), then prints per target the executions and the coverage reached.
#   fuzz/run.sh [SECONDS] [TARGET...]       e.g. fuzz/run.sh 120, fuzz/run.sh 30 csv toml
# Environment: BUILD_DIR (default build-fuzz), JOBS (build parallelism, default 2).
# Seeds come from fuzz/corpus/<target>/ (read only); what the fuzzer adds goes to
# $BUILD_DIR/corpus/<target>/, crashers to $BUILD_DIR/artifacts/<target>/ (then: minimize with
# `$BUILD_DIR/fuzz/fuzz_<target> -minimize_crash=1 -runs=10000 FILE`, keep the result under
# tests/fuzz_regressions/<target>/, fix the library, see docs/reliability.md).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(idx idx_gzip csv toml safetensors model keras image)
build=${BUILD_DIR:-build-fuzz}

cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DMLP_FUZZ=ON -DMLP_BUILD_TESTS=OFF -DMLP_BUILD_BENCH=OFF \
      -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g" >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target "${targets[@]/#/fuzz_}" >/dev/null

export OMP_NUM_THREADS=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
results=()
status=0
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t" "$build/artifacts/$t"
  log="$build/fuzz_$t.log"
  echo "fuzz_$t: ${seconds}s ..." >&2
  rc=0
  "$build/fuzz/fuzz_$t" "$build/corpus/$t" "fuzz/corpus/$t" -max_total_time="$seconds" -print_final_stats=1 \
      -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=25 -artifact_prefix="$build/artifacts/$t/" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
  if ((rc)); then
    status=1
    crash=$(sed -n 's/.*Test unit written to //p' "$log" | tail -1)
    results+=("$(printf '%-12s %12s execs  %-22s CRASH (exit %d): %s, log %s' "$t" "${execs:-?}" "${cov:-?}" "$rc" "${crash:-?}" "$log")")
  else
    results+=("$(printf '%-12s %12s execs  %-22s ok' "$t" "${execs:-?}" "${cov:-?}")")
  fi
done
echo "target          executions  final coverage (seconds per target: $seconds)"
printf '%s\n' "${results[@]}"
exit "$status"
