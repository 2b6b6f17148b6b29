"""Exercises of chapter 07: measuring an RBM's likelihood with annealed importance sampling."""

from __future__ import annotations

import numpy as np

from dbn_course.course.exercises.feedback import Feedback, call_answer, is_placeholder

# Exercise 07.1: the log-likelihood of an image from its free energy and log Z.
FREE_ENERGY, LOG_Z = -412.5, 498.3


def check_log_likelihood(value) -> Feedback:
    """Exercise 07.1: log p(v) = -F(v) - log Z for ``FREE_ENERGY`` and ``LOG_Z``."""
    if is_placeholder(value):
        return Feedback.missing()
    answer, truth = float(np.asarray(value)), -FREE_ENERGY - LOG_Z
    if abs(answer - truth) <= 1e-6:
        return Feedback.right(f"log p(v) = {truth:.1f} nats. An error of 1 in log Z shifts every image's "
                              "log-likelihood by 1 nat: the whole estimate rests on log Z.")
    if abs(answer - (FREE_ENERGY - LOG_Z)) <= 1e-6:
        return Feedback.wrong("p(v) = exp(-F(v)) / Z: the free energy enters with a minus sign.")
    if abs(answer - (-FREE_ENERGY + LOG_Z)) <= 1e-6:
        return Feedback.wrong("Dividing by Z subtracts log Z.")
    return Feedback.wrong("Take logs of p(v) = exp(-F(v)) / Z.")


def check_log_mean_exp(log_mean_exp) -> Feedback:
    """Exercise 07.2: ``log_mean_exp(log_w)`` = log(mean(exp(log_w))) without overflow.

    AIS's log weights of an MNIST RBM are in the hundreds: exp overflows float64 past 709.
    """
    cases = [np.array([0.0, np.log(3.0)]), np.array([800.0, 801.0, 799.5]), np.array([-1000.0, -1002.0])]
    for log_w in cases:
        answer = call_answer(log_mean_exp, log_w.copy(), name="log_mean_exp")
        if isinstance(answer, Feedback):
            return answer
        top = log_w.max()
        truth = top + np.log(np.mean(np.exp(log_w - top)))
        value = float(np.asarray(answer))
        if not np.isfinite(value):
            return Feedback.wrong(f"For log weights {log_w.tolist()} you returned {value}: exp overflowed or "
                                  "underflowed. Subtract the largest log weight before exponentiating.")
        if abs(value - truth) > 1e-9 * max(1.0, abs(truth)):
            if abs(value - (top + np.log(np.sum(np.exp(log_w - top))))) <= 1e-9 * max(1.0, abs(truth)):
                return Feedback.wrong("That is log-sum-exp; the mean divides by the number of runs.")
            if abs(value - float(np.mean(log_w))) <= 1e-9 * max(1.0, abs(truth)):
                return Feedback.wrong("That is the mean of the logs, which by Jensen's inequality is smaller: "
                                      "average the weights, then take the log.")
            return Feedback.wrong(f"For log weights {log_w.tolist()} the answer is {truth:.6f}, you gave {value:.6f}.")
    return Feedback.right("Stable for weights of any size: the form of `AISResult.log_z`.")
