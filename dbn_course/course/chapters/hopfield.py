"""Chapter 02's own helpers: the Hopfield network's capacity curves.

Each function draws one figure the chapter shows, and returns it, so the chapter's cell
shows the experiment, not forty lines of matplotlib. The figures every chapter shares --
digit grids, cost curves, captions naming the data -- are in
:mod:`dbn_course.course.plotting`.
"""

from __future__ import annotations

import numpy as np

from dbn_course.course.plotting import stamp_source, subplots


def capacity_curves(curve: dict, digit_success: dict, random_units: int, digit_units: int = 196,
                    theory: float = 0.138):
    """Recall success against the load alpha = patterns / units, for random patterns and for digits.

    Args:
        curve: :func:`~dbn_course.hopfield.capacity_curve`'s result for random patterns.
        digit_success: ``{"hebbian": [...], "projection": [...]}``, the share of k stored
            digits recalled, k = 1, 2, ...
        random_units, digit_units: N of the two networks.
        theory: the capacity of random patterns under the Hebb rule, in patterns per unit
            (Amit, Gutfreund and Sompolinsky 1985).
    """
    fig, ax = subplots(figsize=(7, 3.6))
    ax.plot(curve["loads"], curve["success"], marker="o", label=f"random patterns, Hebb, N = {random_units}")
    ax.plot(curve["loads"], np.clip(curve["overlap"], 0, 1), ls=":", label="random patterns: mean final overlap")
    for rule, marker, name in (("hebbian", "s", "Hebb"), ("projection", "^", "projection rule")):
        loads = np.arange(1, len(digit_success[rule]) + 1) / digit_units
        ax.plot(loads, digit_success[rule], marker=marker, label=f"digits, {name}, N = {digit_units}")
    ax.axvline(theory, color="k", ls="--", lw=1, label=f"theory for random patterns: {theory} N")
    ax.set_xlabel("load alpha = patterns / units")
    ax.set_ylabel("recall success")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return stamp_source(fig)
