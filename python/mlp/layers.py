# SPDX-License-Identifier: MIT
"""Keras' layers (``mlp.layers.Dense(300, activation="relu")``).

Each layer is a description: its Keras arguments become the flat config the C++ library reads
(docs/config.md), so every argument, default and error message is the library's. A layer can be
listed in ``mlp.Sequential([...])`` or called on a tensor of the functional API
(``h = mlp.layers.Dense(30)(inputs)``).
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence

_counts: Dict[str, int] = {}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower().replace("re_l_u", "relu")


class KerasTensor:
    """The output of a layer (or an ``mlp.Input``) in a functional model under construction."""

    def __init__(self, layer: "Layer", inbound: List["KerasTensor"], shape: Optional[tuple] = None):
        self.layer = layer
        self.inbound = inbound
        self.shape = shape

    @property
    def name(self) -> str:
        return self.layer._auto_name()

    def __repr__(self) -> str:
        return f"<mlp.KerasTensor from {self.name}>"


class Layer:
    """Base class: ``type`` (the Keras class name) and the Keras arguments given."""

    type: str = ""

    def __init__(self, name: Optional[str] = None, input_shape: Optional[Sequence[int]] = None,
                 trainable: bool = True, **kwargs: Any):
        self.name = name
        self.input_shape = tuple(input_shape) if input_shape is not None else None
        self.trainable = trainable
        self.kwargs = {k: v for k, v in kwargs.items()}
        self._generated_name: Optional[str] = None

    def _auto_name(self) -> str:
        if self.name is None and self._generated_name is None:
            base = _snake(self.type)
            _counts[base] = _counts.get(base, 0) + 1
            self._generated_name = f"{base}_{_counts[base]}"
        return self.name or self._generated_name  # type: ignore[return-value]

    def get_config(self) -> Dict[str, Any]:
        """The flat config of this layer (what the C++ library and the model file read)."""
        config: Dict[str, Any] = {"type": self.type}
        if self.name is not None:
            config["name"] = self.name
        if not self.trainable:
            config["trainable"] = False
        for key, value in self.kwargs.items():
            if value is not None:
                config[key] = list(value) if isinstance(value, tuple) else value
        return config

    def __call__(self, inputs: Any) -> KerasTensor:
        """Calls the layer on a tensor (or a list of tensors, for Concatenate/Add/...)."""
        inbound = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        for t in inbound:
            if not isinstance(t, KerasTensor):
                raise TypeError(f"{self.type}: inputs: expected an mlp.Input or a layer's output, got "
                                f"{type(t).__name__}")
        return KerasTensor(self, inbound)

    def __repr__(self) -> str:
        return f"<mlp.layers.{self.type} {self.get_config()}>"


def _layer(type_name: str, positional: Sequence[str] = (), doc: str = "") -> type:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(positional):
            raise TypeError(f"{type_name}() takes at most {len(positional)} positional arguments "
                            f"({', '.join(positional) or 'none'}), got {len(args)}")
        for key, value in zip(positional, args):
            if key in kwargs:
                raise TypeError(f"{type_name}(): {key} given twice")
            kwargs[key] = value
        Layer.__init__(self, **kwargs)

    return type(type_name, (Layer,), {"type": type_name, "__init__": __init__,
                                      "__doc__": doc or f"Keras' {type_name} layer."})


Dense = _layer("Dense", ("units", "activation"),
               "Dense(units, activation=None, use_bias=True, kernel_initializer='glorot_uniform', "
               "bias_initializer='zeros', kernel_regularizer=None, bias_regularizer=None, ...): "
               "a fully connected layer, output = activation(x · kernel + bias).")
Flatten = _layer("Flatten", (), "Flatten(input_shape=None): (N, d1, d2, ...) → (N, d1·d2·...).")
Activation = _layer("Activation", ("activation",), "Activation(activation): applies an activation by name.")
Dropout = _layer("Dropout", ("rate",), "Dropout(rate, seed=None): zeroes a fraction `rate` of inputs while training.")
AlphaDropout = _layer("AlphaDropout", ("rate",), "AlphaDropout(rate): dropout that keeps SELU's mean and variance.")
GaussianNoise = _layer("GaussianNoise", ("stddev",), "GaussianNoise(stddev): adds N(0, stddev²) noise while training.")
BatchNormalization = _layer("BatchNormalization", (),
                            "BatchNormalization(momentum=0.99, epsilon=0.001, ...): normalises each feature.")
LeakyReLU = _layer("LeakyReLU", (), "LeakyReLU(alpha=0.3): max(x, alpha·x).")
Concatenate = _layer("Concatenate", (), "Concatenate(axis=-1): joins its inputs' features.")
Add = _layer("Add", (), "Add(): the element-wise sum of its inputs.")

Multiply = _layer("Multiply", (), "Multiply(): the element-wise product of its inputs.")
Average = _layer("Average", (), "Average(): the element-wise mean of its inputs.")




class InputLayer(Layer):
    """InputLayer(shape): the input of a model (``mlp.Input`` returns its output tensor)."""

    type = "InputLayer"

    def __init__(self, shape: Sequence[int], name: Optional[str] = None):
        super().__init__(name=name)
        self.shape = tuple(int(d) for d in shape)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["shape"] = list(self.shape)
        return config


def Input(shape: Sequence[int], name: Optional[str] = None) -> KerasTensor:
    """keras.Input: a model input of this sample shape (without the batch axis)."""
    if isinstance(shape, int):
        shape = (shape,)
    layer = InputLayer(shape, name)
    return KerasTensor(layer, [], tuple(shape))


__all__ = ["Layer", "KerasTensor", "Input", "InputLayer", "Dense", "Flatten", "Activation", "Dropout",
           "AlphaDropout", "GaussianNoise", "BatchNormalization", "LeakyReLU", "Concatenate", "Add",
           "Multiply", "Average"]
