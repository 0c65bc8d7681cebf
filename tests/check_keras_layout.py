#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Checks `mlp export --format keras|h5` against real Keras files, attribute by attribute, with h5py
(an HDF5 reader independent of mlp). Each real file is imported (mlp import-keras) and exported
again, and the export must have the real file's groups, datasets (path, shape, dtype), attributes
(name, HDF5 string type and character set) and, for the .keras zip, members (names, order, stored);
only the optimizer state and training_config (mlp exports an uncompiled model) may be absent.
    check_keras_layout.py MLP SHARED_DIR WORK_DIR
Exit 77 (ctest: skipped) when SHARED_DIR/data/keras-models is absent."""
import io
import json
import os
import subprocess
import sys
import zipfile

import h5py

mlp, shared, work = sys.argv[1:4]
models = os.path.join(shared, "data", "keras-models")
if not os.path.isdir(models):
    print(f"skipped: {models} is absent (the real Keras files are not in the repository)")
    sys.exit(77)
os.makedirs(work, exist_ok=True)
failures = []


def attr_kind(v, obj, name):
    t = obj.attrs.get_id(name).get_type()
    if isinstance(t, h5py.h5t.TypeStringID):
        kind = "vlen" if t.is_variable_str() else f"fixed{t.get_size()}"
        cset = "utf8" if t.get_cset() == h5py.h5t.CSET_UTF8 else "ascii"
        shape = obj.attrs.get_id(name).shape
        return f"{kind}-{cset}{list(shape)}"
    return f"{t.dtype}{list(obj.attrs.get_id(name).shape)}"


def layout(f, skip):
    out = {}

    def visit(name, obj):
        if any(name == s or name.startswith(s + "/") for s in skip):
            return
        if isinstance(obj, h5py.Dataset):
            out[name] = f"dataset {obj.shape} {obj.dtype}"
        else:
            out[name] = "group"
        for a in obj.attrs:
            out[f"{name}@{a}"] = attr_kind(obj.attrs[a], obj, a)

    for a in f.attrs:
        if a not in skip:
            out[f"@{a}"] = attr_kind(f.attrs[a], f, a)
    f.visititems(visit)
    return out


def compare(what, real, ours, allowed_missing=()):
    for k in sorted(set(real) | set(ours)):
        if k in allowed_missing:
            continue
        if real.get(k) != ours.get(k):
            failures.append(f"{what}: {k}: real {real.get(k)}, ours {ours.get(k)}")
    print(f"{what}: {len(real)} entries compared")


def run(*args):
    subprocess.run([mlp, *args], check=True, stdout=subprocess.DEVNULL)


# Legacy .h5, written by Keras 3 (what mlp writes) and by Keras 2 (the same names but ':0').
for real_name in ["mnist_mlp_bn_dropout_k3_13.h5", "california_mlp_l2_k3_5.h5"]:
    real_path = os.path.join(models, real_name)
    model = os.path.join(work, real_name + ".safetensors")
    ours_path = os.path.join(work, "ours_" + real_name)
    run("import-keras", real_path, "--out", model)
    run("export", "--format", "h5", model, ours_path)
    with h5py.File(real_path) as r, h5py.File(ours_path) as o:
        compare(real_name, layout(r, ["optimizer_weights", "training_config"]), layout(o, []))
        # The architecture: the same layers, classes and the values that define the computation.
        rc, oc = json.loads(r.attrs["model_config"]), json.loads(o.attrs["model_config"])
        rl, ol = rc["config"]["layers"], oc["config"]["layers"]
        if [(l["class_name"], l["config"]["name"]) for l in rl] != [(l["class_name"], l["config"]["name"]) for l in ol]:
            failures.append(f"{real_name}: layers differ")
        for a, b in zip(rl, ol):
            for key in ["units", "activation", "use_bias", "rate", "epsilon", "center", "scale", "batch_shape"]:
                if key in a["config"] and a["config"][key] != b["config"].get(key):
                    failures.append(f"{real_name}: {a['config']['name']}.{key}: real {a['config'][key]}, ours {b['config'].get(key)}")

# The .keras zip and its model.weights.h5.
real_name = "fashion_mlp_dropout_k3_11.keras"
real_path = os.path.join(models, real_name)
model = os.path.join(work, real_name + ".safetensors")
ours_path = os.path.join(work, "ours.keras")
run("import-keras", real_path, "--out", model)
run("export", "--format", "keras", model, ours_path)
with zipfile.ZipFile(real_path) as r, zipfile.ZipFile(ours_path) as o:
    rm = [(i.filename, i.compress_type) for i in r.infolist()]
    om = [(i.filename, i.compress_type) for i in o.infolist()]
    if rm != om:
        failures.append(f"zip members: real {rm}, ours {om}")
    if set(json.loads(r.read("metadata.json"))) != set(json.loads(o.read("metadata.json"))):
        failures.append("metadata.json keys differ")
    rc, oc = json.loads(r.read("config.json")), json.loads(o.read("config.json"))
    for key in ["module", "class_name", "config", "registered_name", "build_config"]:
        if (key in rc) != (key in oc):
            failures.append(f"config.json: key {key}")
    for a, b in zip(rc["config"]["layers"], oc["config"]["layers"]):
        if set(a) != set(b) or a["class_name"] != b["class_name"] or a["config"]["name"] != b["config"]["name"]:
            failures.append(f"config.json layer {a['config']['name']}: keys {sorted(a)} vs {sorted(b)}")
    with h5py.File(io.BytesIO(r.read("model.weights.h5"))) as rw, h5py.File(io.BytesIO(o.read("model.weights.h5"))) as ow:
        compare("model.weights.h5", layout(rw, ["optimizer"]), layout(ow, []))

for f in failures:
    print("FAIL", f)
sys.exit(1 if failures else 0)
