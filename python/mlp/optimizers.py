# SPDX-License-Identifier: MIT
"""Keras' optimizers: ``mlp.optimizers.SGD(learning_rate=0.01, momentum=0.9)``, or by name ("adam")."""
from __future__ import annotations

from typing import Any, Dict


class Optimizer:
    """An optimizer by Keras class name with its Keras arguments (learning_rate, clipnorm, ...)."""

    type = ""

    def __init__(self, learning_rate: Any = None, **kwargs: Any):
        self.kwargs = dict(kwargs)
        if learning_rate is not None:
            self.kwargs["learning_rate"] = learning_rate

    def get_config(self) -> Dict[str, Any]:
        config: Dict[str, Any] = {"type": self.type}
        for key, value in self.kwargs.items():
            if value is not None:
                config[key] = value.get_config() if hasattr(value, "get_config") else value
        return config

    def __repr__(self) -> str:
        return f"<mlp.optimizers.{self.type} {self.get_config()}>"


def _optimizer(name: str, doc: str) -> type:
    return type(name, (Optimizer,), {"type": name, "__doc__": doc})


SGD = _optimizer("SGD", "SGD(learning_rate=0.01, momentum=0.0, nesterov=False, ...)")
Adam = _optimizer("Adam", "Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, ...)")
AdamW = _optimizer("AdamW", "AdamW(learning_rate=0.001, weight_decay=0.004, ...)")
Nadam = _optimizer("Nadam", "Nadam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, ...)")
RMSprop = _optimizer("RMSprop", "RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, ...)")
Adagrad = _optimizer("Adagrad", "Adagrad(learning_rate=0.001, initial_accumulator_value=0.1, ...)")


class schedules:  # noqa: N801 (Keras' module name)
    """Learning-rate schedules, given as an optimizer's learning_rate."""

    class LearningRateSchedule:
        type = ""

        def __init__(self, **kwargs: Any):
            self.kwargs = kwargs

        def get_config(self) -> Dict[str, Any]:
            return {"type": self.type, **self.kwargs}

    class ExponentialDecay(LearningRateSchedule):
        """ExponentialDecay(initial_learning_rate, decay_steps, decay_rate, staircase=False)."""
        type = "ExponentialDecay"

    class PiecewiseConstantDecay(LearningRateSchedule):
        """PiecewiseConstantDecay(boundaries, values)."""
        type = "PiecewiseConstantDecay"


def get_config(optimizer: Any) -> Any:
    """A name ("adam") or an Optimizer → what the library's compile config reads."""
    if isinstance(optimizer, str):
        return optimizer
    if isinstance(optimizer, Optimizer):
        return optimizer.get_config()
    raise TypeError(f"compile: optimizer: expected a name such as \"adam\" or an mlp.optimizers object, got "
                    f"{type(optimizer).__name__}")


__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Nadam", "RMSprop", "Adagrad", "schedules"]
