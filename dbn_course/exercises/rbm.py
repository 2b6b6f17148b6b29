"""Exercises of chapter 03 (``notebooks/03_rbm.ipynb``): the Restricted Boltzmann Machine."""

from __future__ import annotations

import math

import numpy as np

from ..rbm import RBM
from .feedback import Feedback, call_answer, is_placeholder

# The small machine of exercise 1: 3 visible and 2 hidden units.
EXERCISE_W = np.array([[1.0, -2.0], [0.5, 1.0], [-1.0, 0.0]], np.float32)
EXERCISE_B = np.array([0.1, -0.2, 0.3], np.float32)
EXERCISE_C = np.array([-0.5, 0.25], np.float32)
EXERCISE_V = np.array([1.0, 0.0, 1.0], np.float32)


def exercise_rbm() -> RBM:
    """The 3 x 2 RBM of exercise 1, with weights ``EXERCISE_W``, ``EXERCISE_B``, ``EXERCISE_C``."""
    rbm = RBM(2, 3)
    rbm.W.assign(EXERCISE_W)
    rbm.b.assign(EXERCISE_B)
    rbm.c.assign(EXERCISE_C)
    return rbm


def check_free_energy(value) -> Feedback:
    """Exercise 1: F(v) for ``EXERCISE_V`` under the exercise RBM, computed by hand.

    Args:
        value: your F(v), a float.
    """
    if is_placeholder(value):
        return Feedback.missing()
    value = float(np.asarray(value))
    truth = float(exercise_rbm().free_energy(EXERCISE_V[np.newaxis])[0])
    if abs(value - truth) <= 1e-3:
        return Feedback.right(f"F(v) = {truth:.4f}: the visible term -b^T v = {-EXERCISE_B @ EXERCISE_V:.1f} "
                              "plus one -softplus term per hidden unit.")
    energy_term = float(-EXERCISE_B @ EXERCISE_V)
    if abs(value - energy_term) <= 1e-3:
        return Feedback.wrong("That is only -b^T v: each hidden unit j adds -softplus(c_j + (v^T W)_j).")
    if abs(value + truth) <= 1e-3:
        return Feedback.wrong("Check the sign: F(v) = -b^T v - sum_j softplus(...), and it is negative here.")
    return Feedback.wrong(f"{value:.4f} is not F(v). Compute v^T W + c first, then apply softplus(x) = log(1 + e^x).")


def check_partition_terms(log10_terms) -> Feedback:
    """Exercise 2: how many terms does Z have for a 784-visible, 500-hidden RBM? Give log10 of it.

    Args:
        log10_terms: the base-10 logarithm of the number of joint states (v, h).
    """
    if is_placeholder(log10_terms):
        return Feedback.missing()
    value = float(np.asarray(log10_terms))
    truth = (784 + 500) * math.log10(2)
    if abs(value - truth) <= 0.05:
        return Feedback.right(f"2^1284 = 10^{truth:.1f} joint states. Summing out h analytically (the free energy) "
                              f"still leaves 2^784 = 10^{784 * math.log10(2):.0f} terms: Z can only be estimated.")
    if abs(value - 1284) <= 0.5:
        return Feedback.wrong("1284 is log2 of the count; the question asks for log10.")
    if abs(value - 784 * math.log10(2)) <= 0.05 or abs(value - 500 * math.log10(2)) <= 0.05:
        return Feedback.wrong("Z sums over the joint states of both layers: 784 + 500 binary units.")
    return Feedback.wrong("Not quite: each of the 784 + 500 binary units doubles the count.")


def check_cd_gradient(cd_gradient) -> Feedback:
    """Exercise 3: write ``cd_gradient(rbm, v_data, v_model)`` returning the CD update direction for W.

    It should return <v p(h|v)^T>_data - <v p(h|v)^T>_model, an array of shape (n_v, n_h),
    without using ``GradientTape`` or ``rbm.cd_statistics``.
    """
    if is_placeholder(cd_gradient):
        return Feedback.missing()
    rng = np.random.default_rng(0)
    rbm = RBM(5, 7, seed=1)
    rbm.W.assign(rng.normal(0, 1, (7, 5)).astype(np.float32))
    v_data = (rng.random((12, 7)) < 0.5).astype(np.float32)
    v_model = (rng.random((9, 7)) < 0.5).astype(np.float32)
    answer = call_answer(cd_gradient, rbm, v_data, v_model, name="cd_gradient")
    if isinstance(answer, Feedback):
        return answer
    answer = np.asarray(answer, np.float64)
    truth = -rbm.cd_statistics(v_data, v_model)[0].numpy()
    if answer.shape != truth.shape:
        return Feedback.wrong(f"Expected shape {truth.shape} (visible x hidden), got {answer.shape}.")
    if np.allclose(answer, truth, atol=1e-5):
        return Feedback.right("That is the positive phase minus the negative phase; the batches may differ in size, "
                              "so each average divides by its own batch.")
    if np.allclose(answer, -truth, atol=1e-5):
        return Feedback.wrong("The sign is flipped: data statistics minus model statistics.")
    h_data, h_model = rbm.forward(v_data).numpy(), rbm.forward(v_model).numpy()
    summed = v_data.T @ h_data - v_model.T @ h_model
    if np.allclose(answer, summed, atol=1e-4):
        return Feedback.wrong("Average over each batch rather than summing: the two batches differ in size.")
    return Feedback.wrong("Not the CD statistics: use p(h = 1 | v) = sigmoid(v W + c) for both phases.")
