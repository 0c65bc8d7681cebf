# SPDX-License-Identifier: MIT
# Python callbacks called from the C++ loop; the C++ callbacks by their Keras names; Ctrl-C.
import os
import signal
import threading

import numpy as np
import pytest

import mlp
from conftest import small_model


class Recorder(mlp.callbacks.Callback):
    def __init__(self):
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append("begin")

    def on_epoch_end(self, epoch, logs=None):
        self.events.append((epoch, sorted(logs)))


def compiled(seed=1):
    m = small_model(seed)
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def test_python_callback_sees_every_epoch(mnist_subset):
    (x, y), _ = mnist_subset
    rec = Recorder()
    m = compiled()
    m.fit(mlp.scaled(x[:1000], 1 / 255), y[:1000], epochs=3, validation_split=0.2, callbacks=[rec])
    assert rec.events[0] == "begin"
    assert rec.events[1:] == [(e, ["accuracy", "loss", "val_accuracy", "val_loss"]) for e in range(3)]
    assert rec.model is m


def test_plain_object_and_stop_training(mnist_subset):
    (x, y), _ = mnist_subset

    class StopAfterTwo:
        def on_epoch_end(self, epoch, logs):
            if epoch == 1:
                self.model.stop_training = True

    h = compiled().fit(mlp.scaled(x[:500], 1 / 255), y[:500], epochs=10, callbacks=[StopAfterTwo()])
    assert h.epoch == [0, 1]


def test_exception_in_callback_propagates(mnist_subset):
    (x, y), _ = mnist_subset

    class Boom:
        def on_epoch_end(self, epoch, logs):
            raise ZeroDivisionError("boom at %d" % epoch)

    m = compiled()
    with pytest.raises(ZeroDivisionError, match="boom at 0"):
        m.fit(mlp.scaled(x[:500], 1 / 255), y[:500], epochs=3, callbacks=[Boom()])
    assert m.predict(mlp.scaled(x[:3], 1 / 255)).shape == (3, 10)  # still usable


def test_ctrl_c_stops_training_cleanly(mnist_subset):
    (x, y), _ = mnist_subset
    m = compiled()
    seen = []

    class Interrupt:
        def on_train_batch_end(self, batch, logs):
            seen.append(batch)
            if batch == 3:
                os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C / a notebook's interrupt sends

    with pytest.raises(KeyboardInterrupt):
        m.fit(mlp.scaled(x, 1 / 255), y, epochs=50, batch_size=32, callbacks=[Interrupt()])
    assert max(seen) <= 4  # stopped within a batch of the signal, not after 50 epochs
    p = m.predict(mlp.scaled(x[:3], 1 / 255))
    assert np.isfinite(p).all()


def test_gil_is_released_while_training(mnist_subset):
    # Only ticks inside fit count: with the GIL held for the whole fit the ticker gets at most one
    # (the interpreter's switch before fit enters C++), with it released one every ~5 ms of a fit
    # that lasts well over 100 ms (20 epochs of 157 batches: 4 took only ~15 ms on the AVX-512
    # machine, 3 ticks).
    (x, y), _ = mnist_subset
    x = mlp.scaled(x, 1 / 255)
    ticks = []
    inside = threading.Event()
    done = threading.Event()

    def ticker():
        while not done.is_set():
            if inside.is_set():
                ticks.append(1)
            done.wait(0.005)

    m = compiled()
    t = threading.Thread(target=ticker)
    t.start()
    try:
        inside.set()
        m.fit(x, y, epochs=20, batch_size=32, verbose=0)
        inside.clear()
    finally:
        done.set()
        t.join()
    assert len(ticks) >= 4  # the other thread ran during fit


def test_native_callbacks(mnist_subset, tmp_path):
    (x, y), _ = mnist_subset
    m = compiled()
    h = m.fit(mlp.scaled(x[:1000], 1 / 255), y[:1000], epochs=30, validation_split=0.2,
              callbacks=[mlp.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10.0),
                         mlp.callbacks.ModelCheckpoint(tmp_path / "best.safetensors"),
                         mlp.callbacks.TensorBoard(log_dir=tmp_path / "tb")])
    assert len(h.epoch) == 2  # no improvement of 10 after the first epoch: stops after the second
    loaded = mlp.models.load_model(tmp_path / "best.safetensors")
    assert loaded.predict(mlp.scaled(x[:2], 1 / 255)).shape == (2, 10)
    assert any(f.startswith("events.out.tfevents") for _, _, fs in os.walk(tmp_path / "tb") for f in fs)
    with pytest.raises(mlp.Error, match="patience"):
        m.fit(mlp.scaled(x[:100], 1 / 255), y[:100], callbacks=[mlp.callbacks.EarlyStopping(patience=-1)])


def test_lr_find(mnist_subset):
    (x, y), _ = mnist_subset
    r = mlp.lr_find(compiled(), mlp.scaled(x, 1 / 255), y, steps=60, batch_size=64, seed=1)
    assert len(r["lr"]) == len(r["loss"]) > 5
    assert 1e-5 <= r["suggested_lr"] <= 10
    with pytest.raises(mlp.Error, match="start_lr"):
        mlp.lr_find(compiled(), mlp.scaled(x, 1 / 255), y, start_lr=0)


def test_datasets_load_data_shapes():
    try:
        (x, y), (xt, yt) = mlp.datasets.fashion_mnist.load_data(network=False)
    except mlp.Error as e:
        pytest.skip(f"Fashion-MNIST is not available offline here: {str(e)[:200]}")
    assert x.shape == (60000, 28, 28) and x.dtype == np.uint8
    assert y.shape == (60000,) and y.dtype == np.uint8 and y.max() == 9
    assert xt.shape == (10000, 28, 28)
