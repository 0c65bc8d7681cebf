#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs ONNX files that mlp exported in onnxruntime, a runtime that shares no code with mlp or
# OpenCV, and compares every output with the values mlp predicted (check_onnx.js). Fetches the
# npm package onnxruntime-node 1.30.0 into a temporary directory (needs node, npm and the npm
# registry; nothing is installed into the project). --ignore-scripts: its install script would
# download a CUDA add-on; the CPU binaries it bundles are all this needs.
#   tools/check_onnx/run.sh DIR    DIR holds CASE.json manifests (tests/onnx_runtime.hpp writes
#                                  them when MLP_ONNX_VECTORS_DIR is set) with CASE.onnx and raw
#                                  float32 inputs and expected outputs
# Exit codes: 0 every output within its tolerance, 1 a mismatch or a model onnxruntime refuses,
# 2 usage, 77 onnxruntime could not be fetched (no registry: the ctest that runs this skips).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[[ $# -eq 1 && -d $1 ]] || { echo "usage: $0 DIR" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! (cd "$work" && timeout 240 npm install --no-audit --no-fund --silent --ignore-scripts --fetch-timeout=30000 --fetch-retries=1 onnxruntime-node@1.30.0 >/dev/null 2>&1); then
  echo "SKIPPED: npm could not fetch onnxruntime-node@1.30.0 (no registry?)"
  exit 77
fi
cp "$here/check_onnx.js" "$work/"
node "$work/check_onnx.js" "$1"
