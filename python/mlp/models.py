# SPDX-License-Identifier: MIT
"""Models: ``mlp.Sequential([...])``, ``mlp.Model(inputs, outputs)`` and ``load_model``.

A model is described in Python (layers and their Keras arguments) and lives in C++: ``compile``
turns the description into the library's flat JSON config (docs/config.md), builds an
``mlp::Model`` from it and compiles it; fit/evaluate/predict hand numpy arrays to that model
(float32 C-ordered arrays are read in place; float64, F-ordered and uint8 arrays are converted
once per call). The saved file is the CLI's model file: ``mlp evaluate model.safetensors ...``
reads a model trained here, and ``mlp.models.load_model`` reads one ``mlp train`` wrote.
"""
from __future__ import annotations

import json
import os
import sys
from typing import Any, Dict, List, Optional, Sequence, Union

from . import _mlp
from . import callbacks as _callbacks
from . import optimizers as _optimizers
from .layers import InputLayer, KerasTensor, Layer

ArrayLike = Any


class _Dispatcher:
    """Calls the Python callbacks from the C++ loop (mlp._mlp's PythonBridge)."""

    def __init__(self, model: "Model", python: List[Any]):
        self.model = model
        self.python = python
        self.batch_hooks = [cb for cb in python if callable(getattr(cb, "on_train_batch_end", None))]

    def __call__(self, event: str, index: int, logs: Dict[str, float]) -> Optional[bool]:
        if event == "batch_end":
            if not self.batch_hooks:
                return None
            for cb in self.batch_hooks:
                cb.on_train_batch_end(index, logs)
            return bool(self.model.stop_training)
        for cb in self.python:
            hook = getattr(cb, "on_" + event, None)
            if not callable(hook):
                continue
            if event in ("epoch_begin", "epoch_end"):
                hook(index, logs)
            else:
                hook(logs)
        return bool(self.model.stop_training)


def _dynamic_stdout() -> bool:
    """Keras' Progbar rule: a bar redrawn in place on a terminal or in a notebook (whose frontend
    honours '\\r'), not in a pipe, a file or a captured stdout."""
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        tty = bool(isatty()) if callable(isatty) else False
    except ValueError:  # a closed stream
        tty = False
    return tty or "ipykernel" in sys.modules


def _verbose(verbose: Any, what: str) -> int:
    if verbose == "auto":
        return 1 if _dynamic_stdout() else 2
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError(f"{what}: verbose: expected 0, 1, 2 or \"auto\", got {verbose!r}")
    return int(verbose)


def _check_array_arg(value: Any, what: str) -> None:
    if value is None:
        raise TypeError(f"{what}: required (a numpy array), got None")


def _names_text(names: Sequence[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _check_keys(value: Dict[Any, Any], what: str, names: Sequence[str]) -> None:
    for key in value:
        if key not in names:
            raise ValueError(f"compile: {what}: {key!r} is not an output of the model; its outputs: "
                             f"{_names_text(names)}")


def _check_length(value: Sequence[Any], what: str, n: int) -> None:
    if len(value) != n:
        raise ValueError(f"compile: {what}: a list of {len(value)} for a model with {n} output"
                         f"{'s' if n != 1 else ''} (give one per output, or a dict keyed by output name)")


def _is_loss(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, dict) and "type" in value)


def _per_output_losses(loss: Any, names: Sequence[str], n: int) -> List[Any]:
    if isinstance(loss, dict) and not (names and all(k in names for k in loss)) and "type" in loss:
        return [loss] * n  # a loss config such as {"type": "huber", "delta": 2.0}
    if isinstance(loss, str):
        return [loss] * n
    if isinstance(loss, (list, tuple)):
        _check_length(loss, "loss", n)
        out = list(loss)
    elif isinstance(loss, dict):
        _check_keys(loss, "loss", names)
        missing = [name for name in names if name not in loss]
        if missing:
            raise ValueError(f"compile: loss: no loss for output {_names_text(missing)} (a dict needs every "
                             f"output; loss_weights={{{missing[0]!r}: 0}} leaves one untrained)")
        out = [loss[name] for name in names]
    else:
        raise TypeError(f"compile: loss: expected a name such as \"mse\", a list or a dict of them, got "
                        f"{type(loss).__name__}")
    for o, value in enumerate(out):
        if not _is_loss(value):
            key = names[o] if o < len(names) else o
            raise TypeError(f"compile: loss[{key!r}]: expected a name such as \"mse\" or a loss config, got "
                            f"{type(value).__name__}")
    return out


def _per_output_weights(loss_weights: Any, names: Sequence[str], n: int) -> List[float]:
    if loss_weights is None:
        return [1.0] * n
    if isinstance(loss_weights, (list, tuple)):
        _check_length(loss_weights, "loss_weights", n)
        items = list(enumerate(loss_weights))
        out = [1.0] * n
    elif isinstance(loss_weights, dict):
        _check_keys(loss_weights, "loss_weights", names)
        items = [(names.index(k), v) for k, v in loss_weights.items()]
        out = [1.0] * n
    else:
        raise TypeError(f"compile: loss_weights: expected a list or a dict keyed by output name, got "
                        f"{type(loss_weights).__name__}")
    for o, w in items:
        key = names[o] if o < len(names) else o
        if isinstance(w, bool) or not isinstance(w, (int, float)):
            raise TypeError(f"compile: loss_weights[{key!r}]: expected a number, got {type(w).__name__}")
        if not (w >= 0 and w != float("inf")):
            raise ValueError(f"compile: loss_weights[{key!r}]: must be finite and >= 0, got {w}")
        out[o] = float(w)
    return out


def _metric_list(value: Any, what: str) -> List[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(m, str) for m in value):
        return list(value)
    raise TypeError(f"compile: {what}: expected metric names, e.g. [\"accuracy\"], got {value!r}")


def _per_output_metrics(metrics: Any, what: str, names: Sequence[str], n: int) -> List[List[str]]:
    if metrics is None:
        return [[] for _ in range(n)]
    if isinstance(metrics, str):
        raise TypeError(f"compile: {what}: expected a list of names, e.g. [\"accuracy\"]")
    if isinstance(metrics, dict):
        _check_keys(metrics, what, names)
        return [_metric_list(metrics[name], f"{what}[{name!r}]") if name in metrics else [] for name in names]
    if isinstance(metrics, (list, tuple)):
        if metrics and all(isinstance(m, (list, tuple)) for m in metrics):
            _check_length(metrics, what, n)
            return [_metric_list(m, f"{what}[{o}]") for o, m in enumerate(metrics)]
        return [_metric_list(metrics, what)] * n
    raise TypeError(f"compile: {what}: expected a list of names or a dict keyed by output name, got "
                    f"{type(metrics).__name__}")


class Model:
    """keras.Model: the functional API, ``mlp.Model(inputs=x, outputs=y)``."""

    def __init__(self, inputs: Any = None, outputs: Any = None, name: Optional[str] = None, seed: int = 0):
        self.name = name
        self.seed = int(seed)
        self.stop_training = False
        self.history: Optional[_callbacks.History] = None
        self._core: Optional[Any] = None
        self._compile: Optional[Dict[str, Any]] = None
        self._extra: Dict[str, Any] = {}
        self._inputs = inputs
        self._outputs = outputs
        if inputs is not None or outputs is not None:
            self._config = self._functional_config(inputs, outputs)

    # ---- the description ----
    def _functional_config(self, inputs: Any, outputs: Any) -> Dict[str, Any]:
        ins = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        outs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        for what, tensors in (("inputs", ins), ("outputs", outs)):
            for t in tensors:
                if not isinstance(t, KerasTensor):
                    raise TypeError(f"Model: {what}: expected mlp.Input / layer outputs, got {type(t).__name__}")
        for t in ins:
            if not isinstance(t.layer, InputLayer):
                raise ValueError(f"Model: inputs: {t.name} is not an mlp.Input")
        layers: List[Dict[str, Any]] = []
        seen: Dict[int, bool] = {}
        order: List[KerasTensor] = []

        def visit(t: KerasTensor) -> None:
            if id(t) in seen:
                return
            seen[id(t)] = True
            for src in t.inbound:
                visit(src)
            order.append(t)

        for t in outs:
            visit(t)
        for t in order:
            if isinstance(t.layer, InputLayer):
                continue
            config = t.layer.get_config()
            config["name"] = t.name
            config["inputs"] = [src.name for src in t.inbound]
            layers.append(config)
        config: Dict[str, Any] = {"type": "Functional", "seed": self.seed,
                                  "inputs": [{"name": t.name, "shape": list(t.shape)} for t in ins],
                                  "layers": layers, "outputs": [t.name for t in outs]}
        if self.name:
            config["name"] = self.name
        return config

    def get_config(self) -> Dict[str, Any]:
        """The model's config: the flat JSON form ``mlp train`` and the model file use."""
        if self._core is not None:
            config = json.loads(self._core.config())
            config.setdefault("seed", self.seed)
            return config
        return self._config

    def _ensure_core(self) -> Any:
        if self._core is None:
            self._core = _mlp.Model.from_config(json.dumps(self.get_config()))
        return self._core

    # ---- Keras' API ----
    def compile(self, optimizer: Any = "rmsprop", loss: Any = "categorical_crossentropy",
                metrics: Any = None, weighted_metrics: Any = None, loss_weights: Any = None) -> None:
        """Sets the optimizer, the loss and the metrics (Keras' compile).

        optimizer: a name ("adam") or an mlp.optimizers object.
        loss: a name ("mse") or a loss config ({"type": "huber", "delta": 2.0}), used for every
            output; or, for a model with several outputs, a list (one per output, in order) or a
            dict keyed by output layer name (every output needs one).
        loss_weights: the weight of each output's loss in the total loss: a list (one per
            output) or a dict keyed by output name (outputs not named keep 1.0).
        metrics, weighted_metrics: a list of names used for every output; a list of lists (one
            list per output); or a dict keyed by output name (a name or a list; outputs not named
            get none).

        With several outputs, logs and history keys are Keras': "loss" (the weighted total),
        "<output>_loss", "<output>_<metric>", and the same with "val_"."""
        core = self._ensure_core()
        names = list(core.output_names())
        n = max(len(names), 1)
        losses = _per_output_losses(loss, names, n)
        weights = _per_output_weights(loss_weights, names, n)
        per_metrics = _per_output_metrics(metrics, "metrics", names, n)
        per_weighted = _per_output_metrics(weighted_metrics, "weighted_metrics", names, n)
        config: Dict[str, Any] = {"optimizer": _optimizers.get_config(optimizer), "loss": losses[0],
                                  "metrics": per_metrics[0], "weighted_metrics": per_weighted[0]}
        uniform = (all(x == losses[0] for x in losses) and all(w == 1.0 for w in weights)
                   and all(m == per_metrics[0] for m in per_metrics)
                   and all(m == per_weighted[0] for m in per_weighted))
        if not uniform:
            if not names:
                raise ValueError("compile: loss_weights: the model is not built yet (give the first layer "
                                 "input_shape=...)")
            config["outputs"] = {name: {"loss": losses[o], "loss_weight": weights[o], "metrics": per_metrics[o],
                                        "weighted_metrics": per_weighted[o]} for o, name in enumerate(names)}
        core.compile(json.dumps(config))
        self._compile = config

    @property
    def output_names(self) -> List[str]:
        """The output layers' names, in order (the keys of per-output compile dicts and the
        prefixes of per-output logs)."""
        return list(self._ensure_core().output_names())

    def _require_compiled(self, what: str) -> Any:
        if self._core is None or not self._core.compiled():
            raise RuntimeError(f"{what}: the model must be compiled first (model.compile(...))")
        return self._core

    def fit(self, x: ArrayLike = None, y: ArrayLike = None, batch_size: Optional[int] = None, epochs: int = 1,
            verbose: Union[int, str] = "auto", callbacks: Optional[List[Any]] = None,
            validation_split: float = 0.0, validation_data: Any = None, shuffle: bool = True,
            class_weight: Optional[Dict[int, float]] = None, sample_weight: ArrayLike = None,
            initial_epoch: int = 0) -> _callbacks.History:
        """Trains the model; returns a History whose ``.history`` maps "loss", "accuracy",
        "val_loss", ... to one value per epoch (several outputs: also "<output>_loss",
        "<output>_<metric>"). Ctrl-C stops training at the end of the current batch (the weights
        stay usable) and raises KeyboardInterrupt.

        verbose: 0 silent; 1 Keras' progress bar (redrawn in place on a terminal or in a
        notebook; elsewhere "Epoch i/n" and the epoch's final line only); 2 one line per epoch;
        "auto" 1 on a terminal or in a notebook, else 2 (as ``mlp train``)."""
        core = self._require_compiled("fit")
        _check_array_arg(x, "fit: x")
        _check_array_arg(y, "fit: y")
        y = self._targets(y, "fit: y")
        verbose = _verbose(verbose, "fit")
        options: Dict[str, Any] = {"verbose": verbose, "dynamic": _dynamic_stdout(),
                                   "batch_size": 32 if batch_size is None else int(batch_size),
                                   "epochs": int(epochs), "validation_split": float(validation_split),
                                   "shuffle": bool(shuffle), "initial_epoch": int(initial_epoch)}
        if class_weight:
            options["class_weight"] = {str(int(k)): float(v) for k, v in class_weight.items()}
        vx = vy = None
        if validation_data is not None:
            if not isinstance(validation_data, (list, tuple)) or len(validation_data) != 2:
                raise TypeError("fit: validation_data: expected a tuple (x_val, y_val)")
            vx, vy = validation_data
            vy = self._targets(vy, "fit: validation_data y")
        native, python = _callbacks.split(callbacks)
        history = _callbacks.History(params={"epochs": epochs, "verbose": verbose})
        for cb in python:
            if hasattr(cb, "set_model"):
                cb.set_model(self)
            else:
                cb.model = self
        self.stop_training = False
        dispatch = _Dispatcher(self, python)
        sys.stdout.flush()  # what Python printed before comes before the bar
        h, epoch_list = core.fit(x, y, json.dumps(options), json.dumps(native), json.dumps(self._extra),
                                 dispatch, vx, vy, sample_weight)
        history.history = {k: list(v) for k, v in h.items()}
        history.epoch = list(epoch_list)
        self.history = history
        return history

    def evaluate(self, x: ArrayLike = None, y: ArrayLike = None, batch_size: Optional[int] = None,
                 verbose: Any = 0, sample_weight: ArrayLike = None,
                 return_dict: bool = False) -> Union[float, List[float], Dict[str, float]]:
        """Loss and metrics: a float when there are no metrics, else [loss, metric...] (Keras'
        order: loss first, then the metrics as compiled; several outputs: "loss", every
        "<output>_loss", then each output's metrics), or a dict with return_dict=True."""
        core = self._require_compiled("evaluate")
        _check_array_arg(x, "evaluate: x")
        _check_array_arg(y, "evaluate: y")
        y = self._targets(y, "evaluate: y")
        logs = core.evaluate(x, y, 32 if batch_size is None else int(batch_size), sample_weight)
        keys = self._log_order(logs)
        if return_dict:
            return {k: logs[k] for k in keys}
        values = [logs[k] for k in keys]
        return values[0] if len(values) == 1 else values

    def _targets(self, y: Any, what: str) -> Any:
        """y as given, or a dict keyed by output name turned into the list in output order."""
        if not isinstance(y, dict):
            return y
        names = self.output_names
        for key in y:
            if key not in names:
                raise ValueError(f"{what}: {key!r} is not an output of the model; its outputs: {_names_text(names)}")
        missing = [name for name in names if name not in y]
        if missing:
            raise ValueError(f"{what}: no targets for output {_names_text(missing)}")
        return [y[name] for name in names]

    def _log_order(self, logs: Dict[str, float]) -> List[str]:
        """Keras' order of the logs: loss, each output's loss, then each output's metrics as
        compiled; anything else after them."""
        compiled = json.loads(self._require_compiled("evaluate").compile_config())
        names = self.output_names
        several = len(names) > 1
        keys = ["loss"] + [f"{n}_loss" for n in names] if several else ["loss"]
        per = compiled.get("outputs") or {}
        for name in names if several else [""]:
            c = per.get(name, compiled)
            prefix = f"{name}_" if several else ""
            metrics = list(c.get("metrics", []))
            keys += [prefix + m for m in metrics]
            keys += [prefix + (f"weighted_{m}" if m in metrics else m) for m in c.get("weighted_metrics", [])]
        ordered = [k for k in dict.fromkeys(keys) if k in logs]
        return ordered + sorted(k for k in logs if k not in ordered)

    def predict(self, x: ArrayLike, batch_size: Optional[int] = None, verbose: Any = 0) -> Any:
        """Outputs in inference mode as float32 arrays (N, outputs); a list for several outputs."""
        _check_array_arg(x, "predict: x")
        core = self._ensure_core()
        out = core.predict(x, 32 if batch_size is None else int(batch_size))
        return out[0] if len(out) == 1 else out

    def summary(self, print_fn: Any = None) -> None:
        """Prints Keras' summary table (the model must be built: an input shape or a fit)."""
        core = self._ensure_core()
        if not core.built():
            raise RuntimeError("summary: the model is not built yet: give the first layer input_shape=..., "
                               "or fit it first")
        (print_fn or print)(core.summary().rstrip("\n"))

    def count_params(self) -> int:
        return int(self._ensure_core().count_params())

    def get_weights(self) -> List[Any]:
        """Every layer's weights then state (moving statistics), as float32 arrays."""
        return list(self._ensure_core().get_weights())

    def set_weights(self, weights: List[Any]) -> None:
        self._ensure_core().set_weights(list(weights))

    def save(self, filepath: Union[str, "os.PathLike[str]"], extra: Optional[Dict[str, Any]] = None) -> None:
        """Writes the model file (safetensors with the architecture and compile settings), the
        same file ``mlp train`` writes. ``extra`` is stored beside the model (the CLI keeps the
        data's preprocessing there; images_extra() gives what ``mlp evaluate`` needs)."""
        core = self._ensure_core()
        if not core.built():
            raise RuntimeError("save: the model is not built yet")
        core.save(os.fspath(filepath), json.dumps(extra if extra is not None else self._extra))

    @property
    def layer_names(self) -> List[str]:
        return list(self._ensure_core().layer_names())

    @property
    def optimizer_learning_rate(self) -> float:
        return float(self._require_compiled("learning_rate").learning_rate())


class Sequential(Model):
    """keras.Sequential: ``mlp.Sequential([mlp.layers.Flatten(input_shape=(28, 28)), ...])``."""

    def __init__(self, layers: Optional[Sequence[Layer]] = None, name: Optional[str] = None, seed: int = 0):
        super().__init__(name=name, seed=seed)
        self._layers: List[Layer] = []
        for layer in layers or []:
            self.add(layer)

    def add(self, layer: Layer) -> None:
        """Appends a layer (before compile)."""
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential: layers[{len(self._layers)}]: expected an mlp.layers object, got "
                            f"{type(layer).__name__}")
        if self._core is not None:
            raise RuntimeError("Sequential.add: the model is already compiled")
        self._layers.append(layer)

    @property
    def layers(self) -> List[Layer]:
        return list(self._layers)

    def get_config(self) -> Dict[str, Any]:
        if self._core is not None:
            config = json.loads(self._core.config())
            config.setdefault("seed", self.seed)
            return config
        config: Dict[str, Any] = {"seed": self.seed, "layers": []}
        if self.name:
            config["name"] = self.name
        for i, layer in enumerate(self._layers):
            if layer.input_shape is not None:
                if i != 0:
                    raise ValueError(f"Sequential: layers[{i}] ({layer.type}): input_shape is only for the first layer")
                config["input_shape"] = list(layer.input_shape)
            config["layers"].append(layer.get_config())
        return config


def _wrap(core: Any, extra_json: str) -> Model:
    config = json.loads(core.config())
    model: Model = Model() if config.get("type") == "Functional" or "inputs" in config else Sequential()
    model._core = core
    model._extra = json.loads(extra_json)
    model.name = config.get("name")
    return model


def load_model(filepath: Union[str, "os.PathLike[str]"]) -> Model:
    """Reads a model file (``model.save`` or ``mlp train``'s RUN_DIR/model.safetensors), compiled
    when it was saved compiled; its "extra" metadata is kept and written again by save()."""
    core, extra = _mlp.Model.load(os.fspath(filepath))
    return _wrap(core, extra)


def images_extra(shape: Sequence[int] = (28, 28), divide_by: float = 255.0,
                 class_names: Optional[Sequence[str]] = None, dataset: Optional[str] = None,
                 label_format: str = "index") -> Dict[str, Any]:
    """The "extra" metadata ``mlp train`` stores for an image classifier, so that ``mlp evaluate``
    and ``mlp predict`` read a model trained in Python on pixels / divide_by. label_format: "index"
    for sparse_categorical_crossentropy (labels 0..9), "one_hot" for categorical_crossentropy."""
    names = list(class_names) if class_names is not None else [str(i) for i in range(10)]
    extra: Dict[str, Any] = {"input": {"kind": "image", "shape": list(shape), "image_style": "mnist_digit"},
                             "labels": {"task": "classification", "class_names": names, "format": label_format},
                             "preprocessing": {"divide_by": divide_by, "target_divide_by": 1.0}}
    if dataset:
        extra["input"]["dataset"] = dataset
    return extra
