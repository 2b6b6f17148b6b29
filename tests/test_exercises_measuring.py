"""Chapter 07's checkers accept right answers and explain the usual wrong ones."""

import numpy as np

from dbn_course.course.exercises import measuring as ex


def test_log_likelihood():
    assert not ex.check_log_likelihood(None).correct
    assert ex.check_log_likelihood(-ex.FREE_ENERGY - ex.LOG_Z).correct
    assert "minus sign" in ex.check_log_likelihood(ex.FREE_ENERGY - ex.LOG_Z).message
    assert "subtracts" in ex.check_log_likelihood(-ex.FREE_ENERGY + ex.LOG_Z).message


def test_log_mean_exp():
    def stable(log_w):
        top = np.max(log_w)
        return top + np.log(np.mean(np.exp(log_w - top)))

    assert ex.check_log_mean_exp(stable).correct
    assert "no answer" in ex.check_log_mean_exp(None).message
    def naive(log_w):
        with np.errstate(over="ignore"):
            return np.log(np.mean(np.exp(log_w)))

    assert "overflow" in ex.check_log_mean_exp(naive).message
    assert "log-sum-exp" in ex.check_log_mean_exp(lambda w: stable(w) + np.log(len(w))).message
    assert "Jensen" in ex.check_log_mean_exp(np.mean).message
    assert "raised" in ex.check_log_mean_exp(lambda w: 1 / 0).message
