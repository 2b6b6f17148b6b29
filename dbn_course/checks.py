"""Checks at the package's boundary: arguments, and weights that training must keep finite.

The ``check_*`` functions turn a bad argument into a clear ``ValueError`` that names it,
in one place, for every module of the package. The finiteness guard (:class:`FiniteGuard`)
keeps training from leaving NaN or infinite weights behind: a learning rate that is too
large makes weights overflow to infinity and then NaN, and from there every later update
and every figure is NaN too, silently. Every training path (an RBM's ``cd_update`` and
:func:`~dbn_course.training.cd.train_rbm`, a DBN's pretraining, wake / top / sleep updates
and ``up_down``, and :func:`~dbn_course.training.backprop.fine_tune`) keeps a guard over
the weights it changes: after each update (or each epoch) it checks them, and if one is no
longer finite it puts back the last finite values and raises :class:`TrainingDivergedError`
saying what to change. Numbers computed from the weights (a reconstruction cost, a loss)
are watched the same way: weights grown so large that these overflow have diverged as
surely as NaN weights.

This module imports nothing else from the package.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import tensorflow as tf


def check_int(name: str, value, minimum: int = 1) -> int:
    """``value`` as an int, or ValueError unless it is an integer (not a bool) >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_float(name: str, value, low: float, high: float = math.inf, *, low_open: bool = False,
                high_open: bool = False) -> float:
    """``value`` as a float, or ValueError unless it is finite and inside the interval from low to high."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    value = float(value)
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high:
        interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        raise ValueError(f"{name} must lie in {interval}, got {value}")
    return value


def is_symbolic(x) -> bool:
    """True for a graph tensor (inside ``tf.function`` or ``Dataset.map``), whose values are unknown."""
    return isinstance(x, tf.Tensor) and not hasattr(x, "numpy")


def check_unit_interval(x, name: str = "x") -> None:
    """ValueError if ``x`` holds NaN or values outside [0, 1]; graph tensors pass unchecked.

    Values from 0 to 255 get a hint: they are pixel values given as floats.
    """
    if is_symbolic(x):
        return
    values = np.asarray(x)
    if values.size == 0:
        return
    low, high = float(values.min()), float(values.max())
    if np.isnan(low) or np.isnan(high):
        raise ValueError(f"{name} contains NaN")
    if low < 0 or high > 1:
        hint = ""
        if low >= 0 and high <= 255:
            hint = (" They look like pixel values 0-255: divide by 255 (as data.flatten_image does) "
                    "or pass the uint8 pixels as they are.")
        raise ValueError(f"{name} must lie in [0, 1] (probabilities of binary units); "
                         f"got values from {low:g} to {high:g}.{hint}")


RBM_ARGUMENTS = {"number_hidden_units", "number_visible_units", "learning_rate", "cd_steps", "persistent",
                 "momentum", "weight_decay", "seed"}


def check_rbm_params(rbm_params) -> list[dict]:
    """A DBN's ``rbm_params``, checked: one dict of RBM arguments per layer, whose sizes chain."""
    if isinstance(rbm_params, dict) or not isinstance(rbm_params, (list, tuple)):
        raise ValueError(f"rbm_params must be a list of dicts, one per layer; got {type(rbm_params).__name__}")
    if not rbm_params:
        raise ValueError("rbm_params is empty: a DBN needs at least one RBM")
    checked = []
    for index, params in enumerate(rbm_params):
        if not isinstance(params, dict):
            raise ValueError(f"rbm_params[{index}] must be a dict of RBM arguments, got {params!r}")
        unknown = set(params) - RBM_ARGUMENTS
        if unknown:
            raise ValueError(f"rbm_params[{index}] has unknown arguments {sorted(unknown)}; "
                             f"allowed: {sorted(RBM_ARGUMENTS)}")
        if "number_hidden_units" not in params:
            raise ValueError(f"rbm_params[{index}] needs number_hidden_units")
        params = dict(params)
        check_int(f"rbm_params[{index}]['number_hidden_units']", params["number_hidden_units"])
        if index == 0:
            if "number_visible_units" not in params:
                raise ValueError("rbm_params[0] needs number_visible_units (784 for MNIST)")
            check_int("rbm_params[0]['number_visible_units']", params["number_visible_units"])
        else:
            below = checked[-1]["number_hidden_units"]
            if params.setdefault("number_visible_units", below) != below:
                raise ValueError(f"layer sizes do not chain: rbm_params[{index}] has "
                                 f"{params['number_visible_units']} visible units but the layer below has "
                                 f"{below} hidden units")
        checked.append(params)
    return checked

# ---------------------------------------------------------------------- the finiteness guard


class TrainingDivergedError(ArithmeticError):
    """The weights became NaN or infinite during training (the last finite ones were restored)."""


class FiniteGuard:
    """Remembers the last finite values of some variables and restores them when that ends.

    Args:
        variables: the ``tf.Variable`` s (or Keras variables) an update changes.
        what: how the message names the model, e.g. ``"the RBM"``.
        advice: what the learner should change, e.g. ``"Lower the learning rate (now 10)."``.
    """

    def __init__(self, variables, what: str, advice: str = "Lower the learning rate."):
        self.variables = list(variables)
        self.what = what
        self.advice = advice
        self.checkpoint()

    def checkpoint(self) -> None:
        """Remember the variables' current values as the ones to go back to."""
        self._saved = [np.array(variable.numpy(), copy=True) for variable in self.variables]

    def first_non_finite(self):
        """The first variable holding NaN or an infinity, or None."""
        for variable in self.variables:
            if not bool(tf.reduce_all(tf.math.is_finite(tf.convert_to_tensor(variable)))):
                return variable
        return None

    def restore(self) -> None:
        """Put back the values of the last :meth:`checkpoint`."""
        for variable, value in zip(self.variables, self._saved):
            variable.assign(value)

    def check(self, when: str, monitored: dict | None = None) -> None:
        """Checkpoint if every variable (and every monitored number) is finite; otherwise restore and raise.

        Args:
            when: where training was, for the message (e.g. ``"in epoch 3"``).
            monitored: numbers computed from the new weights, by name (e.g. the
                reconstruction cost): weights so large that these overflow have diverged
                too, even while each weight is still finite.

        Raises:
            TrainingDivergedError: a variable or a monitored number became NaN or infinite.
        """
        bad = self.first_non_finite()
        culprit = None if bad is None else (getattr(bad, "path", None) or getattr(bad, "name", "a weight"))
        for name, value in (monitored or {}).items():
            if culprit is None and not np.all(np.isfinite(np.asarray(value, np.float64))):
                culprit = f"its {name} became {float(np.asarray(value).ravel()[0])}"
        if culprit is None:
            self.checkpoint()
            return
        self.restore()
        raise TrainingDivergedError(
            f"{self.what}'s weights became NaN or infinite {when} ({culprit}): training stopped and the "
            f"weights from before it were put back. {self.advice}"
        )
