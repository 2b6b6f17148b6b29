"""Exercises of chapter 01 (``notebooks/01_mnist.ipynb``): MNIST as the book loads it.

The checkers compute the true answer from the copy of MNIST in use, so they are right
on the full data set and on the bundled subset alike.
"""

from __future__ import annotations

import numpy as np

from dbn_course import data
from dbn_course.course.exercises.feedback import Feedback, call_answer, is_placeholder


def _train_arrays():
    return data.load_arrays("train")


def _test_arrays():
    return data.load_arrays("test")


def check_class_counts(counts) -> Feedback:
    """Exercise 1: how many *test* images are there of each digit 0-9?

    (Section 3 draws the training split's counts.)

    Args:
        counts: ten integers, the number of test images labelled 0, 1, ..., 9.
    """
    if is_placeholder(counts):
        return Feedback.missing()
    counts = np.asarray(counts).ravel()
    if counts.shape != (data.NUM_CLASSES,):
        return Feedback.wrong(f"Expected 10 counts, one per digit; got {counts.size}.")
    truth = np.bincount(_test_arrays()[1], minlength=data.NUM_CLASSES)
    if np.array_equal(counts, truth):
        return Feedback.right(
            f"The most common test digit is {truth.argmax()} ({truth.max()} images) and the rarest "
            f"{truth.argmin()} ({truth.min()}): close to balanced, like the training split, but not exactly."
        )
    if np.array_equal(counts, np.bincount(_train_arrays()[1], minlength=data.NUM_CLASSES)):
        return Feedback.wrong("Those are the training split's counts (the figure of section 3); count the test split.")
    if counts.sum() != truth.sum():
        return Feedback.wrong(
            f"Your counts add up to {counts.sum()}, but the test split has {truth.sum()} images."
        )
    wrong = [d for d in range(data.NUM_CLASSES) if counts[d] != truth[d]]
    return Feedback.wrong(f"The total is right, but the counts of digit(s) {wrong} are not.")


def check_mean_pixel(mean) -> Feedback:
    """Exercise 2: the mean pixel value, after ``flatten_image``, of the training images of the digit 1.

    (Section 5 prints the mean over every digit.)

    Args:
        mean: a float, averaged over every pixel of every training image labelled 1.
    """
    if is_placeholder(mean):
        return Feedback.missing()
    mean = float(np.asarray(mean))
    images, labels = _train_arrays()
    truth = float(images[labels == 1].mean(dtype=np.float64) / 255.0)
    every_digit = float(images.mean(dtype=np.float64) / 255.0)
    # Dividing by 256 instead of 255 moves the mean by about 2e-4, so the tolerance is tighter.
    if abs(mean - truth) <= 1e-4:
        return Feedback.right(
            f"{truth:.4f}, against {every_digit:.4f} for every digit: a 1 is a single stroke, so it has about "
            f"{every_digit / truth:.1f} times less ink than the average digit."
        )
    if abs(mean - every_digit) <= 2e-4:
        return Feedback.wrong("That is the mean over every digit, which section 5 prints; select the images "
                              "labelled 1 first (train_images[train_labels == 1]).")
    if abs(mean - truth * 255.0) <= 0.5:
        return Feedback.wrong("That is the mean on the 0-255 scale; flatten_image divides by 255.")
    if abs(mean - truth * 255.0 / 256.0) <= 1e-4:
        return Feedback.wrong("Close: that divides by 256, as the book's listing does; flatten_image divides by 255.")
    return Feedback.wrong(f"Not quite: {mean:.4f} is off by more than 0.0001.")


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
    independence = _independence_problem(out, 0.3)
    if independence:  # before the frequency: shared noise also moves it, for a reason this names
        return Feedback.wrong(independence)
    if abs(fraction - 0.3) > 0.01:
        return Feedback.wrong(f"Pixels of value 0.3 became 1 with frequency {fraction:.3f}, not about 0.3.")
    return Feedback.right(
        f"Pixels of value 0.3 became 1 with frequency {fraction:.3f}. Compare your function with "
        "dbn_course.data.binarize_stochastic, which does the same with seeded noise."
    )


def _independence_problem(out: np.ndarray, p: float) -> str:
    """What is wrong with ``out`` as independent Bernoulli(p) draws, judged by its row and column sums ('' if nothing).

    Independent pixels give row sums of variance n_cols p (1 - p) and column sums of
    variance n_rows p (1 - p). Noise shared by every row (one row of noise for the whole
    batch, as the book's listing draws it) or by every column makes one of them far larger;
    a fixed dither pattern or error diffusion, which put exactly p of the ones in each row,
    makes them far smaller. The bounds are 3.5 to 5 standard errors of each sample
    variance from its expectation, so a correct answer fails with odds below 1 in 1,000.
    """
    rows, cols = out.shape
    row_ratio = out.sum(axis=1).var(ddof=1) / (cols * p * (1 - p))
    col_ratio = out.sum(axis=0).var(ddof=1) / (rows * p * (1 - p))
    if col_ratio > 1.35:
        return ("The rows are not independent: pixels in the same column come out alike across the batch, as "
                "when one row of noise is shared by every image. Draw noise of the input's own shape.")
    if row_ratio > 1.7:
        return ("The columns are not independent: pixels of the same image come out alike, as when one noise value "
                "is shared by a whole image. Draw noise of the input's own shape.")
    if row_ratio < 0.5 or col_ratio < 0.75:
        return (f"The counts of ones are too even: every image gets almost exactly {p:.0%} ones, as a fixed pattern "
                "or error diffusion gives. Each pixel needs its own random draw.")
    return ""
