#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks ONNX files with python3-onnx (Debian's onnx 1.12, not mlp's code): each must load, pass
onnx.checker.check_model(full_check=True) (the schema checker plus strict shape inference), use
only the default domain at opset 17 with IR version 8, and have every graph input and output typed
float32 with a symbolic batch dimension. Prints one line per file; exits 1 on the first problem.
Usage: check_onnx_files.py FILE_OR_DIR..."""
import os
import sys

import onnx


def check(path):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    opsets = {(o.domain, o.version) for o in model.opset_import}
    if opsets != {("", 17)} or model.ir_version != 8:
        raise ValueError(f"opset {opsets}, IR {model.ir_version}: expected opset 17 of the default domain, IR 8")
    for value in list(model.graph.input) + list(model.graph.output):
        t = value.type.tensor_type
        if t.elem_type != onnx.TensorProto.FLOAT or not t.shape.dim or not t.shape.dim[0].dim_param:
            raise ValueError(f"{value.name}: not float32 with a symbolic batch dimension")
    ops = sorted({n.op_type for n in model.graph.node})
    print(f"ok {os.path.basename(path)}: {len(model.graph.node)} nodes ({', '.join(ops)})")


def main(args):
    files = []
    for a in args:
        files += sorted(os.path.join(a, f) for f in os.listdir(a) if f.endswith(".onnx")) if os.path.isdir(a) else [a]
    if not files:
        sys.exit("check_onnx_files.py: no .onnx files given")
    for f in files:
        try:
            check(f)
        except Exception as e:  # the checker's ValidationError, a protobuf DecodeError, ours
            sys.exit(f"FAIL {f}: {e}")


if __name__ == "__main__":
    main(sys.argv[1:])
