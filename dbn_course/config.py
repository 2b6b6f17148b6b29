"""Course-wide settings read from the environment.

``DBN_COURSE_QUICK=1`` is the switch the test suite uses: notebooks read their
parameters through :func:`by_mode`, which returns the small "quick" value under that
switch and the full value otherwise. It shrinks epochs and sample counts only; the data
source is chosen independently (see :mod:`dbn_course.data`).
"""

from __future__ import annotations

import os
from typing import TypeVar

QUICK_ENV = "DBN_COURSE_QUICK"

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def quick_mode() -> bool:
    """True when ``DBN_COURSE_QUICK`` asks for the CI-sized run."""
    value = os.environ.get(QUICK_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{QUICK_ENV} must be 1 or 0 (or true/false), got {value!r}")


def by_mode(full: T, quick: T) -> T:
    """``quick`` under ``DBN_COURSE_QUICK=1``, else ``full``.

    Used in notebooks' ``parameters`` cells, e.g. ``epochs = by_mode(full=10, quick=1)``;
    papermill's injected parameters still override the result.
    """
    return quick if quick_mode() else full
