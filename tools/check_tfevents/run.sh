#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Checks mlp's TensorBoard event files with an independent reader (check_tfevents.js): fetches the
# npm packages tfrecord 0.2.0 and protobufjs 6 into a temporary directory (needs node, npm and the
# npm registry; nothing is installed into the project), then reads every file given.
#   tools/check_tfevents/run.sh RUN_DIR/tensorboard/*/events.out.tfevents.*
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[[ $# -gt 0 ]] || { echo "usage: $0 EVENT_FILE..." >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm install --no-audit --no-fund --silent tfrecord@0.2.0 protobufjs@6 >/dev/null)
cp "$here/check_tfevents.js" "$work/"
node "$work/check_tfevents.js" "$@"
