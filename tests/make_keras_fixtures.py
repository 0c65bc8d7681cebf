#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Small Keras-layout files written with h5py (an HDF5 writer independent of mlp), in the forms
the real files of ../shared/data/keras-models use, plus hostile ones. Run by test_keras_import:
    make_keras_fixtures.py OUT_DIR
Each good fixture comes with OUT_DIR/<name>.expected.json: an input batch and the outputs of a
float64 numpy forward pass, which mlp must reproduce to 1e-5."""
import json
import os
import sys

import h5py
import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(14)


def fixed(strings):  # Keras 2.0-2.2 style: fixed-length, null-padded byte strings (|S9)
    n = max(len(s) for s in strings)
    return np.array([s.encode() for s in strings], dtype=f"S{n}")


def vlen(strings):
    return np.array(strings, dtype=h5py.string_dtype("ascii"))


def relu(x):
    return np.maximum(x, 0)


def softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def expected(name, x, ys):
    with open(os.path.join(out, name + ".expected.json"), "w") as f:
        json.dump({"x": [a.tolist() for a in x], "y": [y.tolist() for y in ys]}, f)


# 1. Keras 2.0.1 style: the Sequential config is the bare list, Flatten carries batch_input_shape,
#    fixed-length layer_names/weight_names, ":0" names, an empty weight_names as float64 (0,),
#    BatchNormalization with 4 weights, LeakyReLU with Keras 2's alpha, a training_config naming a
#    custom metric.
W1 = rng.normal(size=(12, 8)).astype(np.float32)
b1 = rng.normal(size=8).astype(np.float32)
gamma, beta = rng.uniform(0.5, 1.5, 8).astype(np.float32), rng.normal(size=8).astype(np.float32)
mean, var = rng.normal(size=8).astype(np.float32), rng.uniform(0.5, 2, 8).astype(np.float32)
W2 = rng.normal(size=(8, 3)).astype(np.float32)
b2 = rng.normal(size=3).astype(np.float32)
cfg = {"class_name": "Sequential", "config": [
    {"class_name": "Flatten", "config": {"name": "flatten_1", "trainable": True, "batch_input_shape": [None, 3, 4],
                                         "dtype": "float32", "some_future_key": 1}},
    {"class_name": "Dense", "config": {"name": "dense_1", "units": 8, "activation": "linear", "use_bias": True,
                                       "kernel_initializer": {"class_name": "VarianceScaling", "config": {}},
                                       "kernel_regularizer": {"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.001}}}},
    {"class_name": "BatchNormalization", "config": {"name": "batch_normalization_1", "axis": -1, "momentum": 0.99,
                                                    "epsilon": 0.001, "center": True, "scale": True}},
    {"class_name": "LeakyReLU", "config": {"name": "leaky_re_lu_1", "alpha": 0.3}},
    {"class_name": "Dropout", "config": {"name": "dropout_1", "rate": 0.5, "noise_shape": None, "seed": None}},
    {"class_name": "Dense", "config": {"name": "dense_2", "units": 3, "activation": "softmax", "use_bias": True}},
]}
with h5py.File(os.path.join(out, "keras2_sequential.h5"), "w") as f:
    f.attrs["keras_version"] = b"2.0.1"
    f.attrs["backend"] = b"tensorflow"
    f.attrs["model_config"] = json.dumps(cfg).encode()
    f.attrs["training_config"] = json.dumps({"loss": "categorical_crossentropy", "metrics": ["f1_m"]}).encode()
    g = f.create_group("model_weights")
    names = ["flatten_1", "dense_1", "batch_normalization_1", "leaky_re_lu_1", "dropout_1", "dense_2"]
    g.attrs["layer_names"] = fixed(names)
    weights = {"dense_1": [("kernel:0", W1), ("bias:0", b1)],
               "batch_normalization_1": [("gamma:0", gamma), ("beta:0", beta), ("moving_mean:0", mean),
                                         ("moving_variance:0", var)],
               "dense_2": [("kernel:0", W2), ("bias:0", b2)]}
    for n in names:
        lg = g.create_group(n)
        ws = weights.get(n, [])
        lg.attrs["weight_names"] = fixed([f"{n}/{w}" for w, _ in ws]) if ws else np.zeros((0,), np.float64)
        for w, v in ws:
            lg.create_dataset(f"{n}/{w}", data=v)
x = rng.uniform(0, 1, size=(5, 3, 4))
h = x.reshape(5, 12) @ W1.astype(np.float64) + b1
h = (h - mean) / np.sqrt(var.astype(np.float64) + 0.001) * gamma + beta
h = np.where(h > 0, h, 0.3 * h)
expected("keras2_sequential", [x.reshape(5, 12)], [softmax(h @ W2 + b2)])

# 2. A Keras 2 functional model (inbound_nodes [[["a", 0, 0, {}]]]), two inputs, Concatenate and
#    Add, vlen ASCII names, weights saved in the other order than the config lists the layers and
#    under names that differ from the config's (Keras matches by position then).
Wa = rng.normal(size=(4, 5)).astype(np.float32)
ba = rng.normal(size=5).astype(np.float32)
Wb = rng.normal(size=(6, 5)).astype(np.float32)
bb = rng.normal(size=5).astype(np.float32)
Wo = rng.normal(size=(15, 2)).astype(np.float32)
bo = rng.normal(size=2).astype(np.float32)


def node(*names):
    return [[[n, 0, 0, {}] for n in names]]


fcfg = {"class_name": "Functional", "config": {"name": "two_towers", "layers": [
    {"class_name": "InputLayer", "name": "wide", "config": {"name": "wide", "batch_input_shape": [None, 4]}, "inbound_nodes": []},
    {"class_name": "InputLayer", "name": "deep", "config": {"name": "deep", "batch_input_shape": [None, 6]}, "inbound_nodes": []},
    {"class_name": "Dense", "name": "a", "config": {"name": "a", "units": 5, "activation": "tanh"}, "inbound_nodes": node("wide")},
    {"class_name": "Dense", "name": "b", "config": {"name": "b", "units": 5, "activation": "relu"}, "inbound_nodes": node("deep")},
    {"class_name": "Add", "name": "sum", "config": {"name": "sum"}, "inbound_nodes": node("a", "b")},
    {"class_name": "Concatenate", "name": "cat", "config": {"name": "cat", "axis": -1}, "inbound_nodes": node("a", "b", "sum")},
    {"class_name": "Dense", "name": "out", "config": {"name": "out", "units": 2, "activation": "sigmoid"}, "inbound_nodes": node("cat")},
], "input_layers": [["wide", 0, 0], ["deep", 0, 0]], "output_layers": [["out", 0, 0]]}}
with h5py.File(os.path.join(out, "keras2_functional.h5"), "w") as f:
    f.attrs["keras_version"] = "2.9.0"
    f.attrs["backend"] = "tensorflow"
    f.attrs["model_config"] = json.dumps(fcfg)
    g = f.create_group("model_weights")
    g.attrs["layer_names"] = vlen(["dense", "dense_1", "add", "concatenate", "dense_2"])
    for n, ws in [("dense", [Wa, ba]), ("dense_1", [Wb, bb]), ("add", []), ("concatenate", []), ("dense_2", [Wo, bo])]:
        lg = g.create_group(n)
        lg.attrs["weight_names"] = vlen([f"{n}/kernel:0", f"{n}/bias:0"]) if ws else np.zeros((0,), np.float64)
        for w, v in zip(["kernel:0", "bias:0"], ws):
            lg.create_dataset(f"{n}/{w}", data=v)
xw, xd = rng.uniform(-1, 1, (4, 4)), rng.uniform(-1, 1, (4, 6))
a, b = np.tanh(xw @ Wa + ba), relu(xd @ Wb + bb)
cat = np.concatenate([a, b, a + b], axis=1)
expected("keras2_functional", [xw, xd], [1 / (1 + np.exp(-(cat @ Wo + bo)))])

# 3. Hostile files.
for name, kernel_shape in [("forged_shape", (1 << 20, 1 << 20)), ("hollow_dataset", (3, 2))]:
    # A kernel declared 2^40 elements, or of the right shape but with no bytes stored (h5py
    # allocates lazily): both refused before anything is allocated for them.
    with h5py.File(os.path.join(out, name + ".h5"), "w") as f:
        f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": {"name": "s", "layers": [
            {"class_name": "Dense", "config": {"name": "dense", "units": 2, "batch_input_shape": [None, 3]}}]}})
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = vlen(["dense"])
        lg = g.create_group("dense")
        lg.attrs["weight_names"] = vlen(["dense/kernel:0", "dense/bias:0"])
        lg.create_dataset("dense/kernel:0", shape=kernel_shape, dtype=np.float32)
        lg.create_dataset("dense/bias:0", data=np.zeros(2, np.float32))
with h5py.File(os.path.join(out, "missing_weight.h5"), "w") as f:
    f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Dense", "config": {"name": "dense", "units": 2, "batch_input_shape": [None, 3]}}]}})
    g = f.create_group("model_weights")
    g.attrs["layer_names"] = vlen(["dense"])
    lg = g.create_group("dense")
    lg.attrs["weight_names"] = vlen(["dense/kernel:0", "dense/bias:0"])
    lg.create_dataset("dense/kernel:0", data=np.zeros((3, 2), np.float32))
with h5py.File(os.path.join(out, "wrong_shape.h5"), "w") as f:
    f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Dense", "config": {"name": "dense", "units": 2, "batch_input_shape": [None, 3]}}]}})
    g = f.create_group("model_weights")
    g.attrs["layer_names"] = vlen(["dense"])
    lg = g.create_group("dense")
    lg.attrs["weight_names"] = vlen(["dense/kernel:0", "dense/bias:0"])
    lg.create_dataset("dense/kernel:0", data=np.zeros((2, 3), np.float32))
    lg.create_dataset("dense/bias:0", data=np.zeros(2, np.float32))
with h5py.File(os.path.join(out, "conv_layer.h5"), "w") as f:
    f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Conv2D", "config": {"name": "conv2d", "filters": 2, "batch_input_shape": [None, 8, 8, 1]}}]}})
    f.create_group("model_weights").attrs["layer_names"] = vlen([])
with h5py.File(os.path.join(out, "not_keras.h5"), "w") as f:
    f.create_dataset("x", data=np.zeros(3))
