"""Checks at the package's boundary: one place that turns bad input into a clear ``ValueError``."""

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
