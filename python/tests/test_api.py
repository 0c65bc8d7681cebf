# SPDX-License-Identifier: MIT
# The Keras-shaped API end to end on the committed MNIST subset, numpy round trips, error paths.
import json
import os
import subprocess

import numpy as np
import pytest

import mlp
from conftest import small_model


def test_fit_evaluate_predict_summary(mnist_subset, capsys):
    (x, y), (xt, yt) = mnist_subset
    model = small_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    h = model.fit(x / 255.0, y, batch_size=64, epochs=3, validation_split=0.1, verbose=0)
    assert isinstance(h.history, dict)
    assert sorted(h.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(v) == 3 for v in h.history.values())
    assert h.epoch == [0, 1, 2]
    assert h.history["loss"][2] < h.history["loss"][0]
    loss, acc = model.evaluate(xt / 255.0, yt, verbose=0)
    assert acc > 0.8
    p = model.predict(xt[:7] / 255.0)
    assert p.shape == (7, 10) and p.dtype == np.float32
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-5)
    model.summary()
    out = capsys.readouterr().out
    assert "dense_" in out and "Total params: 25,450" in out


def test_dtypes_and_orders_agree(mnist_subset):
    (x, y), _ = mnist_subset
    model = small_model()
    model.compile(optimizer=mlp.optimizers.SGD(learning_rate=0.05, momentum=0.9),
                  loss="sparse_categorical_crossentropy")
    x32 = (x[:200].astype(np.float32) * np.float32(1 / 255))
    ref = model.predict(x32)
    np.testing.assert_array_equal(model.predict(np.asfortranarray(x32)), ref)
    np.testing.assert_array_equal(model.predict(x32.astype(np.float64)), ref)
    # uint8 through the byte path, scaled in the loop: the same floats, the same outputs.
    np.testing.assert_array_equal(model.predict(mlp.scaled(x[:200], 1 / 255)), ref)
    # a non-contiguous slice gives what its contiguous copy gives (the same rows in the same batches:
    # comparing against ref[::2] would compare different batch shapes, whose GEMM blocking may differ by an ulp)
    strided = x32[::2]
    assert not strided.flags.c_contiguous
    np.testing.assert_array_equal(model.predict(strided), model.predict(np.ascontiguousarray(strided)))
    np.testing.assert_allclose(model.predict(strided), ref[::2], rtol=0, atol=1e-6)


def test_weights_round_trip(tmp_path):
    model = mlp.Sequential([mlp.layers.Dense(3, activation="tanh", input_shape=(4,)),
                            mlp.layers.BatchNormalization(), mlp.layers.Dense(2)], seed=3)
    model.compile(optimizer="adam", loss="mse")
    w = model.get_weights()
    assert [a.shape for a in w][:2] == [(4, 3), (1, 3)]
    w2 = [np.full_like(a, 0.5) for a in w]
    model.set_weights(w2)
    for a, b in zip(model.get_weights(), w2):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(0).normal(size=(10, 4))
    path = tmp_path / "m.safetensors"
    model.save(path)
    loaded = mlp.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.evaluate(x, np.zeros((10, 2))) == pytest.approx(model.evaluate(x, np.zeros((10, 2))))


def test_errors_name_the_argument(mnist_subset):
    (x, y), _ = mnist_subset
    model = small_model()
    with pytest.raises(RuntimeError, match="fit: the model must be compiled"):
        model.fit(x, y)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(TypeError, match="fit: x: expected float32, float64 or uint8, got int64"):
        model.fit(x.astype(np.int64), y)
    with pytest.raises(TypeError, match="predict: x: expected a numpy array"):
        model.predict(object())
    with pytest.raises(ValueError, match="fit: x and y: 5000 samples in x, 10 in y"):
        model.fit(x / 255.0, y[:10])
    with pytest.raises(TypeError, match="fit: y: expected numbers"):
        model.fit(x / 255.0, np.array(["a"] * 5000))
    with pytest.raises(ValueError, match="784"):  # the library's shape check names the width
        model.fit(np.zeros((10, 5)), np.zeros(10))
    with pytest.raises(ValueError, match="fit: batch_size must be positive"):
        model.fit(x / 255.0, y, batch_size=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(x / 255.0, y, validation_split=1.5)
    with pytest.raises(ValueError, match="evaluate: x: has no samples"):
        model.evaluate(np.zeros((0, 28, 28)), np.zeros(0))
    with pytest.raises(TypeError, match="mlp.scaled\\(\\) takes uint8"):
        model.predict(mlp.scaled(x / 255.0, 1.0))
    with pytest.raises(TypeError, match="compile: optimizer"):
        model.compile(optimizer=3)
    with pytest.raises(mlp.Error, match="unknown"):
        model.compile(optimizer="adamx")
    with pytest.raises(mlp.Error, match="units"):
        mlp.Sequential([mlp.layers.Dense(0, input_shape=(3,))]).compile(loss="mse")
    with pytest.raises(TypeError, match="callbacks\\[0\\]"):
        model.fit(x / 255.0, y, callbacks=[object()])
    with pytest.raises(mlp.Error, match="nope.safetensors"):
        mlp.models.load_model("nope.safetensors")


def test_functional_api():
    a = mlp.Input(shape=(5,), name="wide")
    b = mlp.Input(shape=(6,), name="deep")
    h = mlp.layers.Dense(8, activation="relu")(b)
    joined = mlp.layers.Concatenate()([a, h])
    out = mlp.layers.Dense(1, name="out")(joined)
    model = mlp.Model(inputs=[a, b], outputs=out, seed=2)
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(1)
    xa, xb = rng.normal(size=(64, 5)), rng.normal(size=(64, 6))
    y = xa[:, :1] + xb[:, 1:2]
    h = model.fit([xa, xb], y, epochs=5, batch_size=16)
    assert len(h.history["loss"]) == 5 and h.history["loss"][-1] < h.history["loss"][0]
    assert model.predict([xa, xb]).shape == (64, 1)
    with pytest.raises(ValueError, match="fit: x: the model has 2 inputs, got 1"):
        model.fit(xa, y)
