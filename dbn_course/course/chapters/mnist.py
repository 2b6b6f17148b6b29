"""Chapter 01's own helpers: the figures of MNIST as a model sees it.

Each function draws one figure the chapter shows, and returns it, so the chapter's cell
shows the experiment, not forty lines of matplotlib. The figures every chapter shares --
digit grids, cost curves, captions naming the data -- are in
:mod:`dbn_course.course.plotting`.
"""

from __future__ import annotations

import numpy as np

from dbn_course.course.plotting import stamp_source, subplots


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
