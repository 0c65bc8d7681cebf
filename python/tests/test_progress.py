# SPDX-License-Identifier: MIT
# fit(verbose=...): Keras' console output, the library's ProgbarLogger written to sys.stdout.
import re
import sys
import types

import pytest

import mlp
from conftest import small_model

NUM = r"\d+\.\d{4}"
TIME = r"\d+m?s"
KEYS = f" - loss: {NUM} - accuracy: {NUM} - val_loss: {NUM} - val_accuracy: {NUM}"


def fit(mnist_subset, verbose, epochs=3, **kw):
    (x, y), _ = mnist_subset
    m = small_model()
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m.fit(mlp.scaled(x[:1000], 1 / 255), y[:1000], batch_size=16, epochs=epochs, validation_split=0.2,
                 verbose=verbose, **kw)


def test_verbose_0_is_silent(mnist_subset, capfd):
    fit(mnist_subset, 0, callbacks=[mlp.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10.0,
                                                                verbose=1)])
    assert capfd.readouterr().out == ""


def test_verbose_2_one_line_per_epoch(mnist_subset, capfd):
    fit(mnist_subset, 2)
    out = capfd.readouterr().out
    lines = out.splitlines()
    assert len(lines) == 3 and "\r" not in out
    for e, line in enumerate(lines):
        assert re.fullmatch(f"Epoch {e + 1}/3 - {TIME}{KEYS}", line), line


def test_verbose_auto_is_2_when_not_a_terminal(mnist_subset, capfd):
    fit(mnist_subset, "auto", epochs=2)
    lines = capfd.readouterr().out.splitlines()
    assert [line.split(" - ")[0] for line in lines] == ["Epoch 1/2", "Epoch 2/2"]


def test_verbose_1_outside_a_terminal_prints_two_lines_per_epoch(mnist_subset, capfd):
    # 50 batches per epoch: no redraws in a pipe, a file or a captured stdout, only the epoch's
    # header and its final bar (Keras' Progbar when the display is not dynamic).
    fit(mnist_subset, 1)
    out = capfd.readouterr().out
    assert "\r" not in out
    lines = out.splitlines()
    assert len(lines) == 6
    for e in range(3):
        assert lines[2 * e] == f"Epoch {e + 1}/3"
        assert re.fullmatch(f"50/50 \\[={{30}}\\] - {TIME}{KEYS}", lines[2 * e + 1]), lines[2 * e + 1]


def test_verbose_1_in_a_notebook_redraws_in_place(mnist_subset, capfd, monkeypatch):
    # In a notebook (ipykernel loaded) the frontend redraws a line on '\r': the bar is redrawn in
    # place, at most every 50 ms, and each epoch still ends with one final line.
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    fit(mnist_subset, 1, epochs=2)
    lines = capfd.readouterr().out.split("\n")
    assert lines[-1] == "" and len(lines) == 5
    for e in range(2):
        assert lines[2 * e] == f"Epoch {e + 1}/2"
        draws = lines[2 * e + 1].split("\r")
        assert draws[0] == "" and len(draws) >= 3  # at least the last batch's draw and the final line
        for d in draws[1:-1]:
            assert re.fullmatch(f" ?\\d+/50 \\[[=>.]{{30}}\\] - ETA: {TIME} - loss: {NUM} - accuracy: {NUM}", d), d
        assert re.fullmatch(f"50/50 \\[={{30}}\\] - {TIME}{KEYS}", draws[-1]), draws[-1]


def test_native_callback_messages_follow_the_epoch_line(mnist_subset, capfd):
    h = fit(mnist_subset, 2, epochs=30,
            callbacks=[mlp.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10.0, verbose=1)])
    assert len(h.epoch) == 2
    lines = capfd.readouterr().out.splitlines()
    assert lines[0].startswith("Epoch 1/30 - ") and lines[1].startswith("Epoch 2/30 - ")
    assert lines[2:] == ["Epoch 2: early stopping"]


def test_verbose_errors(mnist_subset):
    for bad in (3, -1, "yes", True):
        with pytest.raises(ValueError, match="fit: verbose: expected 0, 1, 2 or \"auto\""):
            fit(mnist_subset, bad, epochs=1)


def test_python_prints_and_the_bar_keep_their_order(mnist_subset, capfd):
    class Say(mlp.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            print(f"callback {epoch}")

    fit(mnist_subset, 2, epochs=2, callbacks=[Say()])
    lines = capfd.readouterr().out.splitlines()
    assert [line.split(" - ")[0] for line in lines] == ["Epoch 1/2", "callback 0", "Epoch 2/2", "callback 1"]
