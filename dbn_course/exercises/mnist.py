"""Exercises of chapter 01 (``notebooks/01_mnist.ipynb``): MNIST as the book loads it.

The checkers compute the true answer from the copy of MNIST in use, so they are right
on the full data set and on the bundled subset alike.
"""

from __future__ import annotations

import numpy as np

from .. import data
from .feedback import Feedback, call_answer, is_placeholder


def _train_arrays():
    return data.load_arrays("train")


def check_class_counts(counts) -> Feedback:
    """Exercise 1: how many training images are there of each digit 0-9?

    Args:
        counts: ten integers, the number of training images labelled 0, 1, ..., 9.
    """
    if is_placeholder(counts):
        return Feedback.missing()
    counts = np.asarray(counts).ravel()
    if counts.shape != (data.NUM_CLASSES,):
        return Feedback.wrong(f"Expected 10 counts, one per digit; got {counts.size}.")
    truth = np.bincount(_train_arrays()[1], minlength=data.NUM_CLASSES)
    if np.array_equal(counts, truth):
        return Feedback.right(
            f"The most common digit is {truth.argmax()} ({truth.max()} images) and the rarest "
            f"{truth.argmin()} ({truth.min()}): MNIST is close to balanced, but not exactly."
        )
    if counts.sum() != truth.sum():
        return Feedback.wrong(
            f"Your counts add up to {counts.sum()}, but the training split has {truth.sum()} images."
        )
    wrong = [d for d in range(data.NUM_CLASSES) if counts[d] != truth[d]]
    return Feedback.wrong(f"The total is right, but the counts of digit(s) {wrong} are not.")


def check_mean_pixel(mean) -> Feedback:
    """Exercise 2: the mean pixel value of the training images after ``flatten_image``.

    Args:
        mean: a float, averaged over every pixel of every training image.
    """
    if is_placeholder(mean):
        return Feedback.missing()
    mean = float(np.asarray(mean))
    truth = float(_train_arrays()[0].mean(dtype=np.float64) / 255.0)
    # Dividing by 256 instead of 255 moves the mean by about 5e-4, so the tolerance is tighter.
    if abs(mean - truth) <= 2e-4:
        return Feedback.right(
            f"{truth:.4f}: about {100 * truth:.0f}% ink. Most pixels are black background, which "
            "is why a model of MNIST spends much of its capacity saying 'this pixel is off'."
        )
    if abs(mean - truth * 255.0) <= 0.5:
        return Feedback.wrong("That is the mean on the 0-255 scale; flatten_image divides by 255.")
    if abs(mean - truth * 255.0 / 256.0) <= 2e-4:
        return Feedback.wrong("Close: that divides by 256, as the book's listing does; flatten_image divides by 255.")
    return Feedback.wrong(f"Not quite: {mean:.4f} is off by more than 0.0002.")


def check_stochastic_binarizer(binarize) -> Feedback:
    """Exercise 3: write ``binarize(x)`` that sets each pixel to 1 with probability ``x``.

    Args:
        binarize: a function from an array of grey values in [0, 1] to an array of the
            same shape holding only 0s and 1s.
    """
    grey = np.full((100, 1000), 0.3, dtype=np.float32)
    out = call_answer(binarize, grey, name="binarize")
    if isinstance(out, Feedback):
        return out
    ends = call_answer(binarize, np.array([[0.0, 1.0] * 500], dtype=np.float32), name="binarize")
    if isinstance(ends, Feedback):
        return ends
    try:
        out, ends = np.asarray(out, dtype=np.float64), np.asarray(ends, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        return Feedback.wrong(f"Your function should return an array of 0s and 1s ({exc}).")
    if out.shape != grey.shape:
        return Feedback.wrong(f"Input of shape {grey.shape} came back with shape {out.shape}.")
    if not np.isin(out, (0.0, 1.0)).all():
        return Feedback.wrong("The output should hold only 0s and 1s.")
    if not (ends[0, ::2] == 0).all() or not (ends[0, 1::2] == 1).all():
        return Feedback.wrong("A pixel of value 0 must always give 0, and one of value 1 always 1.")
    # 100,000 Bernoulli(0.3) draws: the mean has standard deviation sqrt(0.21 / 1e5) ~ 0.0014,
    # so 0.3 +- 0.01 (about 7 standard deviations) fails a correct answer with negligible odds.
    fraction = out.mean()
    if fraction == 0.0:
        return Feedback.wrong("Every pixel of grey value 0.3 became 0: that is a threshold, not a random draw.")
    if abs(fraction - 0.3) > 0.01:
        return Feedback.wrong(f"Pixels of value 0.3 became 1 with frequency {fraction:.3f}, not about 0.3.")
    return Feedback.right(
        f"Pixels of value 0.3 became 1 with frequency {fraction:.3f}. Compare your function with "
        "dbn_course.data.binarize_stochastic, which does the same with seeded noise."
    )
