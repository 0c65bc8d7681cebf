# SPDX-License-Identifier: MIT
# compile(loss=..., loss_weights=..., metrics=...) for a model with several outputs (Keras'
# per-output lists and dicts), mapped onto the library's per-output compile settings.
import math

import numpy as np
import pytest

import mlp

N = 1500  # of the committed MNIST subset's 5000 training images


def two_heads(seed=3):
    """A shared trunk, a 10-class head "digit" and a binary head "parity" (odd digit)."""
    inp = mlp.Input(shape=(28, 28), name="image")
    h = mlp.layers.Flatten()(inp)
    h = mlp.layers.Dense(32, activation="relu", name="trunk")(h)
    digit = mlp.layers.Dense(10, activation="softmax", name="digit")(h)
    parity = mlp.layers.Dense(1, activation="sigmoid", name="parity")(h)
    return mlp.Model(inputs=inp, outputs=[digit, parity], seed=seed)


LOSSES = {"digit": "sparse_categorical_crossentropy", "parity": "binary_crossentropy"}


@pytest.fixture(scope="module")
def data(mnist_subset):
    (x, y), _ = mnist_subset
    x = mlp.scaled(x[:N], 1 / 255)
    y = y[:N]
    return x, [y, (y % 2).astype(np.float32).reshape(-1, 1)]


def compiled(loss_weights=None, metrics=None, loss=None, seed=3):
    m = two_heads(seed)
    m.compile(optimizer=mlp.optimizers.Adam(learning_rate=0.003), loss=loss or LOSSES,
              loss_weights=loss_weights, metrics=metrics)
    return m


def test_history_keys_follow_keras(data):
    x, ys = data
    m = compiled(metrics=["accuracy"])
    assert m.output_names == ["digit", "parity"]
    h = m.fit(x, ys, batch_size=64, epochs=2, validation_split=0.2, verbose=0)
    base = ["loss", "digit_loss", "parity_loss", "digit_accuracy", "parity_accuracy"]
    assert sorted(h.history) == sorted(base + ["val_" + k for k in base])
    assert all(len(v) == 2 for v in h.history.values())
    assert h.history["digit_accuracy"][-1] > 0.6 and h.history["parity_accuracy"][-1] > 0.6
    values = m.evaluate(x, ys)  # Keras' order: loss, each output's loss, then the metrics
    logs = m.evaluate(x, ys, return_dict=True)
    assert list(logs) == base
    assert values == [logs[k] for k in base]


def test_total_loss_is_the_weighted_sum(data):
    x, ys = data
    m = compiled(loss_weights={"digit": 1.0, "parity": 0.3})
    h = m.fit(x, ys, batch_size=64, epochs=3, validation_split=0.2, verbose=0).history
    for prefix in ("", "val_"):
        for e in range(3):
            total = 1.0 * h[prefix + "digit_loss"][e] + 0.3 * h[prefix + "parity_loss"][e]
            assert h[prefix + "loss"][e] == pytest.approx(total, abs=1e-5)
            assert h[prefix + "loss"][e] != pytest.approx(h[prefix + "digit_loss"][e] + h[prefix + "parity_loss"][e],
                                                          abs=1e-3)
    logs = m.evaluate(x, ys, return_dict=True)
    assert logs["loss"] == pytest.approx(logs["digit_loss"] + 0.3 * logs["parity_loss"], abs=1e-5)
    assert m.evaluate(x, ys) == list(logs.values())


def test_save_and_load_keep_the_loss_weights(data, tmp_path):
    x, ys = data
    m = compiled(loss_weights=[1.0, 0.25])
    m.fit(x, ys, batch_size=64, epochs=1, verbose=0)
    m.save(tmp_path / "two.safetensors")
    loaded = mlp.models.load_model(tmp_path / "two.safetensors")
    a, b = m.evaluate(x, ys, return_dict=True), loaded.evaluate(x, ys, return_dict=True)
    assert a == b
    assert a["loss"] == pytest.approx(a["digit_loss"] + 0.25 * a["parity_loss"], abs=1e-5)


def test_weight_zero_leaves_a_head_untrained(data):
    x, ys = data
    initial = compiled(loss_weights={"parity": 0.0})
    before = initial.get_weights()
    start = initial.evaluate(x, ys, return_dict=True)
    h = initial.fit(x, ys, batch_size=64, epochs=4, verbose=0).history
    after = initial.get_weights()
    unchanged = [i for i, (a, b) in enumerate(zip(before, after)) if np.array_equal(a, b)]
    shapes = [before[i].shape for i in unchanged]
    assert sorted(shapes) == [(1, 1), (32, 1)]  # exactly the parity head's kernel and bias
    assert h["loss"] == h["digit_loss"]  # weight 0: the parity loss is not in the total
    trained = compiled(loss_weights={"parity": 1.0}).fit(x, ys, batch_size=64, epochs=4, verbose=0).history
    # The untrained head never improves on its initial loss (about ln 2 for a random sigmoid;
    # measured: 0.69, then 0.85 ... 1.20, as the shared trunk changes under it); the weight-1 head
    # learns parity (0.48 ... 0.21).
    assert start["parity_loss"] == pytest.approx(math.log(2), abs=0.1)
    assert min(h["parity_loss"]) > start["parity_loss"] - 0.05
    assert trained["parity_loss"][-1] < 0.35
    assert trained["parity_loss"][-1] < min(h["parity_loss"]) - 0.3
    # The digit head learns either way.
    assert h["digit_loss"][-1] < start["digit_loss"] - 1.0


def test_lists_and_dicts_are_the_same(data):
    x, ys = data
    kw = dict(batch_size=64, epochs=2, verbose=0)
    by_dict = compiled(loss_weights={"digit": 0.5, "parity": 2.0}).fit(x, ys, **kw).history
    by_list = compiled(loss_weights=[0.5, 2.0], loss=[LOSSES["digit"], LOSSES["parity"]]).fit(x, ys, **kw).history
    assert by_dict == by_list
    y_dict = {"parity": ys[1], "digit": ys[0]}  # y keyed by output name, in any order
    assert compiled(loss_weights=[0.5, 2.0]).fit(x, y_dict, **kw).history == by_list
    # Weights 1 are the default: a dict naming one output changes only that one.
    ones = compiled().fit(x, ys, **kw).history
    assert compiled(loss_weights={"digit": 1}).fit(x, ys, **kw).history == ones


def test_one_loss_for_every_output():
    a = mlp.Input(shape=(4,))
    o1 = mlp.layers.Dense(1, name="o1")(a)
    o2 = mlp.layers.Dense(1, name="o2")(a)
    m = mlp.Model(inputs=a, outputs=[o1, o2], seed=1)
    m.compile(optimizer="adam", loss="mse", loss_weights=[2.0, 0.5], metrics=["mae"])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 4)).astype(np.float32)
    y1, y2 = x[:, :1] * 2, x[:, 1:2] - 1
    logs = m.evaluate(x, [y1, y2], return_dict=True)
    assert list(logs) == ["loss", "o1_loss", "o2_loss", "o1_mae", "o2_mae"]
    p1, p2 = m.predict(x)
    assert logs["o1_loss"] == pytest.approx(float(np.mean((p1 - y1) ** 2)), rel=1e-5)
    assert logs["o2_loss"] == pytest.approx(float(np.mean((p2 - y2) ** 2)), rel=1e-5)
    assert logs["loss"] == pytest.approx(2 * logs["o1_loss"] + 0.5 * logs["o2_loss"], abs=1e-5)
    cfg = m._core.compile_config()
    assert '"loss_weight":2.0' in cfg.replace(" ", "") and '"loss_weight":0.5' in cfg.replace(" ", "")


def test_metrics_forms(data):
    x, ys = data
    kw = dict(batch_size=128, epochs=1, verbose=0)
    h = compiled(metrics=[["accuracy"], []]).fit(x, ys, **kw).history
    assert sorted(h) == ["digit_accuracy", "digit_loss", "loss", "parity_loss"]
    h = compiled(metrics={"parity": "accuracy"}).fit(x, ys, **kw).history
    assert sorted(h) == ["digit_loss", "loss", "parity_accuracy", "parity_loss"]
    h = compiled(metrics={"parity": ["accuracy", "mse"], "digit": ["accuracy"]}).fit(x, ys, **kw).history
    assert sorted(h) == ["digit_accuracy", "digit_loss", "loss", "parity_accuracy", "parity_loss", "parity_mse"]
    m = two_heads()
    m.compile(optimizer="adam", loss=LOSSES, weighted_metrics={"digit": ["accuracy"]})
    assert sorted(m.fit(x, ys, **kw).history) == ["digit_accuracy", "digit_loss", "loss", "parity_loss"]


def test_errors_name_the_argument_and_the_key():
    m = two_heads()
    cases = [
        (dict(loss={"digit": "mse", "nope": "mse"}), ValueError,
         "compile: loss: 'nope' is not an output of the model; its outputs: 'digit', 'parity'"),
        (dict(loss={"digit": "sparse_categorical_crossentropy"}), ValueError,
         "compile: loss: no loss for output 'parity'"),
        (dict(loss=["mse"] * 3), ValueError, "compile: loss: a list of 3 for a model with 2 outputs"),
        (dict(loss=["mse", 3]), TypeError, "compile: loss\\['parity'\\]: expected a name"),
        (dict(loss=7), TypeError, "compile: loss: expected a name"),
        (dict(loss=LOSSES, loss_weights={"digits": 1.0}), ValueError,
         "compile: loss_weights: 'digits' is not an output of the model"),
        (dict(loss=LOSSES, loss_weights=[1.0]), ValueError, "compile: loss_weights: a list of 1 for a model with 2"),
        (dict(loss=LOSSES, loss_weights=[1.0, -1]), ValueError,
         "compile: loss_weights\\['parity'\\]: must be finite and >= 0, got -1"),
        (dict(loss=LOSSES, loss_weights={"digit": float("nan")}), ValueError,
         "loss_weights\\['digit'\\]: must be finite"),
        (dict(loss=LOSSES, loss_weights={"digit": "1"}), TypeError, "loss_weights\\['digit'\\]: expected a number"),
        (dict(loss=LOSSES, loss_weights=0.5), TypeError, "compile: loss_weights: expected a list or a dict"),
        (dict(loss=LOSSES, metrics={"parity": ["accuracy"], "x": ["mae"]}), ValueError,
         "compile: metrics: 'x' is not an output of the model"),
        (dict(loss=LOSSES, metrics=[["accuracy"], ["mae"], []]), ValueError, "compile: metrics: a list of 3"),
        (dict(loss=LOSSES, metrics={"digit": 5}), TypeError, "compile: metrics\\['digit'\\]: expected metric names"),
        (dict(loss=LOSSES, weighted_metrics={"y": ["mae"]}), ValueError,
         "compile: weighted_metrics: 'y' is not an output"),
    ]
    for kwargs, error, message in cases:
        with pytest.raises(error, match=message):
            m.compile(optimizer="adam", **kwargs)
    with pytest.raises(mlp.Error, match="nope_metric"):
        m.compile(optimizer="adam", loss=LOSSES, metrics={"digit": ["nope_metric"]})
    m.compile(optimizer="adam", loss=LOSSES)
    x = np.zeros((4, 28, 28), np.float32)
    with pytest.raises(ValueError, match="fit: y: 'odd' is not an output of the model"):
        m.fit(x, {"digit": np.zeros(4), "odd": np.zeros((4, 1))}, verbose=0)
    with pytest.raises(ValueError, match="fit: y: no targets for output 'parity'"):
        m.fit(x, {"digit": np.zeros(4)}, verbose=0)


def test_single_output_model_accepts_the_per_output_forms(mnist_subset):
    (x, y), _ = mnist_subset
    x = mlp.scaled(x[:500], 1 / 255)
    y = y[:500]

    def model():
        return mlp.Sequential([mlp.layers.Flatten(input_shape=(28, 28)),
                               mlp.layers.Dense(10, activation="softmax", name="out")], seed=1)
    kw = dict(batch_size=64, epochs=2, verbose=0)
    plain = model()
    plain.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    listed = model()
    listed.compile(optimizer="adam", loss=["sparse_categorical_crossentropy"], metrics=[["accuracy"]],
                   loss_weights=[1.0])
    assert plain.fit(x, y, **kw).history == listed.fit(x, y, **kw).history
    halved = model()
    halved.compile(optimizer="sgd", loss={"out": "sparse_categorical_crossentropy"}, loss_weights={"out": 0.5})
    full = model()
    full.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    assert halved.evaluate(x, y) == pytest.approx(0.5 * full.evaluate(x, y), rel=1e-6)
