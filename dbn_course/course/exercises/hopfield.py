"""Exercises of chapter 02 (``notebooks/02_hopfield_boltzmann.ipynb``): Hopfield networks and Boltzmann machines."""

from __future__ import annotations

import numpy as np

from dbn_course.course.exercises.feedback import Feedback, call_answer, is_placeholder
from dbn_course.hopfield import HopfieldNetwork

# Exercise 1 stores these two patterns in a network of three units.
EXERCISE_PATTERNS = np.array([[1, -1, 1], [1, 1, -1]], np.float32)


def check_hebbian_weight(w_23) -> Feedback:
    """Exercise 1: the Hebbian weight w_23 between units 2 and 3 after storing ``EXERCISE_PATTERNS``.

    Args:
        w_23: a float (units are numbered from 1, as in the text).
    """
    if is_placeholder(w_23):
        return Feedback.missing()
    value = float(np.asarray(w_23))
    truth = float(HopfieldNetwork(3).store(EXERCISE_PATTERNS).weights[1, 2])
    if abs(value - truth) <= 1e-3:
        return Feedback.right(f"w_23 = (1/3)((-1)(1) + (1)(-1)) = {truth:.4f}: units 2 and 3 disagree in both "
                              "patterns, so their connection is inhibitory.")
    if abs(value - truth * 3 / 2) <= 1e-3:
        return Feedback.right(f"w_23 = (1/2)((-1)(1) + (1)(-1)) = -1 with the chapter's normalisation, 1/n for n = 2 "
                              f"patterns. Section 1 divides by N = 3 units instead, which gives {truth:.4f}; with "
                              "zero thresholds both store the same memories, since a positive factor never "
                              "changes the sign of a local field.")
    if abs(value - truth * 3) <= 1e-3:
        return Feedback.wrong("Right sum, but the Hebbian rule divides by the number of units, N = 3.")
    if abs(value + truth) <= 1e-3:
        return Feedback.wrong("Check the sign: the products xi_2 xi_3 are both -1.")
    return Feedback.wrong("Sum xi_2^mu xi_3^mu over the two patterns, then divide by N = 3.")


def check_capacity(n_patterns) -> Feedback:
    """Exercise 2: about how many random patterns can a 1,000-unit network store and still recall?

    Args:
        n_patterns: a number of patterns.
    """
    if is_placeholder(n_patterns):
        return Feedback.missing()
    value = float(np.asarray(n_patterns))
    if 120 <= value <= 155:
        return Feedback.right("About 0.138 N = 138 (Amit, Gutfreund and Sompolinsky 1985). Past it, recall "
                              "collapses all at once, as the capacity curve shows.")
    if value < 1:
        return Feedback.wrong("That looks like the load alpha = P / N; the question asks for a number of patterns.")
    if 60 <= value < 120:
        return Feedback.wrong("That is nearer N / (2 ln N) = 72, the limit for recalling every unit exactly; "
                              "recall with a few percent of units wrong holds up to about 0.138 N.")
    return Feedback.wrong("Not quite: the capacity grows in proportion to N, at about 0.14 patterns per unit.")


def check_energy_change(delta_energy) -> Feedback:
    """Exercise 3: write ``delta_energy(W, s, i)``, the change in E(s) = -1/2 s^T W s when unit i flips.

    Args:
        delta_energy: a function of a symmetric, zero-diagonal W (N, N), a state s in
            {-1, +1}^N and a unit index i, returning E(s with s_i flipped) - E(s).
    """
    rng = np.random.default_rng(0)
    for trial in range(5):
        upper = np.triu(rng.normal(size=(7, 7)), k=1)
        W = upper + upper.T
        s = rng.choice([-1.0, 1.0], size=7)
        i = int(rng.integers(7))
        flipped = s.copy()
        flipped[i] *= -1
        truth = -0.5 * flipped @ W @ flipped + 0.5 * s @ W @ s
        answer = call_answer(delta_energy, W, s.copy(), i, name="delta_energy")
        if isinstance(answer, Feedback):
            return answer
        try:
            value = float(np.asarray(answer))
        except (TypeError, ValueError):
            return Feedback.wrong(f"delta_energy should return a number, got {answer!r}.")
        if abs(value - truth) > 1e-6:
            hint = " (half of it: count both w_ij and w_ji)" if abs(value - truth / 2) < 1e-6 else ""
            return Feedback.wrong(f"For unit {i} of a test state the change is {truth:.4f}, "
                                  f"you gave {value:.4f}{hint}.")
    return Feedback.right("Delta E = 2 s_i (W s)_i: flipping a unit against its local field raises the energy, "
                          "so the update s_i = sign((W s)_i) can only lower it.")
