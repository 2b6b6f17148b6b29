"""The chapters' one-off figures: each function draws one figure a chapter shows, and returns it.

The shared building blocks -- digit grids, cost curves, captions naming the data -- are
in :mod:`dbn_course.course.plotting`; what is here is drawn once, by one chapter, and kept out of
its notebook so the cell shows the experiment, not forty lines of matplotlib.
"""

from __future__ import annotations

import numpy as np

from dbn_course.course.plotting import stamp_source, subplots

# ---------------------------------------------------------------------- chapter 01: the data


def label_counts(counts):
    """Bars of training images per digit (``counts[k]`` images of digit k)."""
    fig, ax = subplots(figsize=(6, 2.5))
    ax.bar(range(len(counts)), counts, color="0.3")
    ax.set_xticks(range(len(counts)))
    ax.set_xlabel("digit")
    ax.set_ylabel("training images")
    ax.set_title("Training images per digit")
    return stamp_source(fig)


def digit_as_vector(vector, label: int):
    """One digit twice: as the 28 x 28 image, and as the row of 784 values v_i the model sees."""
    vector = np.asarray(vector).reshape(-1)
    fig, (left, right) = subplots(1, 2, figsize=(9, 2.2), gridspec_kw={"width_ratios": [1, 4]})
    left.imshow(vector.reshape(28, 28), cmap="gray")
    left.set_title(f"label {label}, as 28 x 28")
    left.set_axis_off()
    right.imshow(vector[np.newaxis, :], cmap="gray", aspect="auto", interpolation="nearest")
    right.set_yticks([])
    right.set_xlabel("pixel index i of the vector v")
    right.set_title("the same digit as the model sees it: one row of 784 values")
    return stamp_source(fig)


def pixel_statistics(images, histogram_images: int = 2000):
    """The mean training image, and a histogram (log scale) of the grey values of the first images.

    ``images``: uint8 pixels, (n, 28, 28); the statistics are taken from the uint8 array
    (a float copy of all 47 million pixels of MNIST would take 376 MB).
    """
    images = np.asarray(images)
    fig, (left, right) = subplots(1, 2, figsize=(8, 3))
    left.imshow(images.mean(axis=0) / 255, cmap="gray")
    left.set_title("mean training image")
    left.set_axis_off()
    right.hist(images[:histogram_images].ravel() / 255, bins=50, color="0.3", log=True)
    right.set_xlabel("grey value")
    right.set_ylabel("pixels (log scale)")
    right.set_title(f"grey values of {min(histogram_images, len(images)):,} images")
    return stamp_source(fig)


# ---------------------------------------------------------------------- chapter 02: Hopfield capacity


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


# ---------------------------------------------------------------------- chapter 03: a toy RBM


def state_probabilities(exact_p, sampled_p, states, sampled_label: str, total_variation: float):
    """Bars of the exact p(v) of every state beside the sampled frequencies, states labelled by their bits."""
    fig, ax = subplots(figsize=(8, 2.8))
    x = np.arange(len(exact_p))
    ax.bar(x - 0.2, exact_p, width=0.4, label="exact p(v)", color="0.25")
    ax.bar(x + 0.2, sampled_p, width=0.4, label=sampled_label, color="tab:orange")
    ax.set_xticks(x, ["".join(str(int(bit)) for bit in state) for state in states], rotation=90)
    ax.set_ylabel("probability")
    ax.legend()
    ax.set_title(f"toy RBM: total-variation distance {total_variation:.3f}")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------- chapter 07: annealing


def ais_diagnostics(result, schedules, estimates):
    """Left: the spread of one AIS estimate's log weights. Right: the estimate of log Z against the schedule's length.

    ``result``: an :class:`~dbn_course.sampling.annealing.AISResult`; ``schedules`` and
    ``estimates``: numbers of inverse temperatures and the log Z each gave.
    """
    log_weights = result.log_weights - result.log_weights.max()
    weights = np.exp(log_weights)
    fig, (left, right) = subplots(1, 2, figsize=(10, 3.2))
    left.hist(log_weights, bins=30, color="C0")
    left.set_xlabel("log w - max log w")
    left.set_ylabel("runs")
    left.set_title(f"{result.n_runs} runs; the largest carries {weights.max() / weights.sum():.0%} of the weight",
                   fontsize=10)
    right.plot(schedules, estimates, marker="o")
    right.set_xscale("log")
    right.set_xlabel("inverse temperatures")
    right.set_ylabel("AIS estimate of log Z")
    right.set_title("slower annealing, larger estimate", fontsize=10)
    fig.tight_layout()
    return fig
