# SPDX-License-Identifier: MIT
"""Callbacks for ``fit``.

- Keras' built-in callbacks (EarlyStopping, ModelCheckpoint, TensorBoard, ReduceLROnPlateau,
  CSVLogger, TerminateOnNaN) are the C++ library's own: they run inside the training loop with the
  GIL released, exactly as ``mlp train`` runs them.
- Any other object with Keras' hooks (``on_epoch_end(epoch, logs)``, ``on_train_batch_end(batch,
  logs)``, ``on_epoch_begin``, ``on_train_begin``, ``on_train_end``) is a Python callback: the
  loop takes the GIL to call it. ``self.model`` is the model being trained; setting
  ``self.model.stop_training = True`` stops training after the current epoch (or batch).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional


class Callback:
    """Base class of Python callbacks (Keras' hooks, all no-ops)."""

    model: Any = None

    def set_model(self, model: Any) -> None:
        self.model = model

    def on_train_begin(self, logs: Optional[Dict[str, float]] = None) -> None: ...
    def on_train_end(self, logs: Optional[Dict[str, float]] = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: Optional[Dict[str, float]] = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: Optional[Dict[str, float]] = None) -> None: ...


class NativeCallback:
    """A callback the C++ library runs (by Keras class name, with Keras' arguments)."""

    type = ""

    def __init__(self, **kwargs: Any):
        self.kwargs = kwargs

    def get_config(self) -> Dict[str, Any]:
        config: Dict[str, Any] = {"type": self.type}
        config.update({k: v for k, v in self.kwargs.items() if v is not None})
        return config

    def __repr__(self) -> str:
        return f"<mlp.callbacks.{self.type} {self.kwargs}>"


class EarlyStopping(NativeCallback):
    """EarlyStopping(monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
    baseline=None, restore_best_weights=False, start_from_epoch=0)."""

    type = "EarlyStopping"

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0, verbose: int = 0,
                 mode: str = "auto", baseline: Optional[float] = None, restore_best_weights: bool = False,
                 start_from_epoch: int = 0):
        super().__init__(monitor=monitor, min_delta=min_delta, patience=patience, verbose=verbose, mode=mode,
                         baseline=baseline, restore_best_weights=restore_best_weights,
                         start_from_epoch=start_from_epoch)


class ModelCheckpoint(NativeCallback):
    """ModelCheckpoint(filepath, monitor="val_loss", verbose=0, save_best_only=False,
    save_weights_only=False, mode="auto", initial_value_threshold=None): writes the model file
    (the one ``mlp.models.load_model`` and ``mlp evaluate`` read); {epoch:02d} and {val_loss:.4f}
    in filepath are filled in."""

    type = "ModelCheckpoint"

    def __init__(self, filepath: str, monitor: str = "val_loss", verbose: int = 0, save_best_only: bool = False,
                 save_weights_only: bool = False, mode: str = "auto",
                 initial_value_threshold: Optional[float] = None):
        import os
        super().__init__(filepath=os.path.abspath(os.fspath(filepath)), monitor=monitor, verbose=verbose,
                         save_best_only=save_best_only, save_weights_only=save_weights_only, mode=mode,
                         initial_value_threshold=initial_value_threshold)


class TensorBoard(NativeCallback):
    """TensorBoard(log_dir="logs", histogram_freq=0, write_steps_per_second=False,
    update_freq="epoch"): event files TensorBoard reads."""

    type = "TensorBoard"

    def __init__(self, log_dir: str = "logs", histogram_freq: int = 0, write_grads: bool = True,
                 write_steps_per_second: bool = False, update_freq: Any = "epoch"):
        import os
        super().__init__(log_dir=os.path.abspath(os.fspath(log_dir)), histogram_freq=histogram_freq,
                         write_grads=write_grads, write_steps_per_second=write_steps_per_second,
                         update_freq=update_freq)


class ReduceLROnPlateau(NativeCallback):
    """ReduceLROnPlateau(monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
    min_delta=1e-4, cooldown=0, min_lr=0)."""

    type = "ReduceLROnPlateau"

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, verbose: int = 0,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0):
        super().__init__(monitor=monitor, factor=factor, patience=patience, verbose=verbose, mode=mode,
                         min_delta=min_delta, cooldown=cooldown, min_lr=min_lr)


class CSVLogger(NativeCallback):
    """CSVLogger(filename, separator=",", append=False)."""

    type = "CSVLogger"

    def __init__(self, filename: str, separator: str = ",", append: bool = False):
        import os
        super().__init__(filename=os.path.abspath(os.fspath(filename)), separator=separator, append=append)


class TerminateOnNaN(NativeCallback):
    """TerminateOnNaN(): stops training at a NaN or infinite loss."""

    type = "TerminateOnNaN"


class History(Callback):
    """What ``fit`` returns: ``history`` maps each log key ("loss", "val_accuracy", ...) to one
    value per epoch; ``epoch`` lists the epochs run (0-based)."""

    def __init__(self, history: Optional[Dict[str, List[float]]] = None, epoch: Optional[List[int]] = None,
                 params: Optional[Dict[str, Any]] = None):
        self.history: Dict[str, List[float]] = history or {}
        self.epoch: List[int] = epoch or []
        self.params: Dict[str, Any] = params or {}

    def __repr__(self) -> str:
        return f"<mlp.callbacks.History epochs={len(self.epoch)} keys={sorted(self.history)}>"


_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_end")


def split(callbacks: Optional[List[Any]]) -> "tuple[List[Dict[str, Any]], List[Any]]":
    """The C++ callbacks' configs and the Python callbacks, from fit's list."""
    native: List[Dict[str, Any]] = []
    python: List[Any] = []
    for i, cb in enumerate(callbacks or []):
        if isinstance(cb, NativeCallback):
            native.append(cb.get_config())
        elif any(callable(getattr(cb, h, None)) for h in _HOOKS):
            python.append(cb)
        else:
            raise TypeError(f"fit: callbacks[{i}]: expected an mlp.callbacks object or an object with "
                            f"on_epoch_end (Keras' hooks), got {type(cb).__name__}")
    return native, python
