import numpy as np
import pytest

import tensorflow as tf

from dbn_course import data
from dbn_course.exercises import Feedback, mnist
from dbn_course.exercises import hopfield as hop_ex
from dbn_course.exercises import rbm as rbm_ex


@pytest.fixture(scope="module")
def train():
    return data.load_arrays("train")


def test_feedback_reads_well():
    assert str(Feedback.right("because")) == "✔ Correct: because"
    assert str(Feedback.wrong("no")).startswith("✘ Not yet")


@pytest.mark.parametrize(
    "check", [mnist.check_class_counts, mnist.check_mean_pixel, mnist.check_stochastic_binarizer]
)
def test_placeholders_are_not_answers(check):
    for placeholder in (None, ..., lambda x: None):
        if check is not mnist.check_stochastic_binarizer and callable(placeholder):
            continue
        feedback = check(placeholder)
        assert not feedback.correct and "no answer yet" in feedback.message


def test_class_counts(train):
    truth = np.bincount(train[1], minlength=10)
    assert mnist.check_class_counts(truth).correct
    assert mnist.check_class_counts(truth.tolist()).correct
    off_by_one = truth.copy()
    off_by_one[3] += 1
    assert "add up to" in mnist.check_class_counts(off_by_one).message
    swapped = truth.copy()
    swapped[[0, 1]] = swapped[[1, 0]]
    feedback = mnist.check_class_counts(swapped)
    assert not feedback.correct and "[0, 1]" in feedback.message
    assert "Expected 10" in mnist.check_class_counts([1, 2, 3]).message


def test_mean_pixel(train):
    mean = train[0].mean() / 255
    assert mnist.check_mean_pixel(mean).correct
    assert mnist.check_mean_pixel(np.float32(mean + 1e-4)).correct
    assert "0-255 scale" in mnist.check_mean_pixel(mean * 255).message
    by_256 = mnist.check_mean_pixel(train[0].mean() / 256)
    assert not by_256.correct and "256" in by_256.message
    assert not mnist.check_mean_pixel(0.5).correct


def test_stochastic_binarizer():
    rng = np.random.default_rng(0)
    assert mnist.check_stochastic_binarizer(lambda x: (rng.random(x.shape) < x).astype(np.float32)).correct
    assert mnist.check_stochastic_binarizer(lambda x: data.binarize_stochastic(x, seed=1)).correct
    threshold = mnist.check_stochastic_binarizer(lambda x: (x > 0.5).astype(np.float32))
    assert not threshold.correct and "threshold" in threshold.message
    assert "shape" in mnist.check_stochastic_binarizer(lambda x: x.ravel()).message
    assert "only 0s and 1s" in mnist.check_stochastic_binarizer(lambda x: x).message
    biased = mnist.check_stochastic_binarizer(lambda x: (rng.random(x.shape) < 0.9 * x + 0.05).astype(float))
    assert not biased.correct
    assert "raised ZeroDivisionError" in mnist.check_stochastic_binarizer(lambda x: 1 / 0).message
    assert "function itself" in mnist.check_stochastic_binarizer(np.zeros(3)).message


# ----------------------------------------------------------------------- chapter 03


def test_rbm_free_energy_exercise():
    truth = float(rbm_ex.exercise_rbm().free_energy(rbm_ex.EXERCISE_V[np.newaxis])[0])
    W, b, c, v = rbm_ex.EXERCISE_W, rbm_ex.EXERCISE_B, rbm_ex.EXERCISE_C, rbm_ex.EXERCISE_V
    by_hand = -b @ v - np.log1p(np.exp(v @ W + c)).sum()
    assert by_hand == pytest.approx(truth, abs=1e-5)
    assert rbm_ex.check_free_energy(by_hand).correct
    assert "only -b^T v" in rbm_ex.check_free_energy(-b @ v).message
    assert "sign" in rbm_ex.check_free_energy(-truth).message
    assert not rbm_ex.check_free_energy(0.0).correct


def test_partition_terms_exercise():
    assert rbm_ex.check_partition_terms(1284 * np.log10(2)).correct
    assert "log2" in rbm_ex.check_partition_terms(1284).message
    assert "both layers" in rbm_ex.check_partition_terms(784 * np.log10(2)).message


def test_cd_gradient_exercise():
    def statistics(rbm, v):
        return v.T @ tf.sigmoid(v @ rbm.W + rbm.c).numpy()

    def right(rbm, v_data, v_model):
        return statistics(rbm, v_data) / len(v_data) - statistics(rbm, v_model) / len(v_model)

    def summed(rbm, v_data, v_model):
        return statistics(rbm, v_data) - statistics(rbm, v_model)

    assert rbm_ex.check_cd_gradient(right).correct
    assert "sign" in rbm_ex.check_cd_gradient(lambda *a: -right(*a)).message
    assert "Average" in rbm_ex.check_cd_gradient(summed).message
    assert "shape" in rbm_ex.check_cd_gradient(lambda *a: np.zeros(3)).message
    assert "no answer" in rbm_ex.check_cd_gradient(lambda *a: None).message


# ----------------------------------------------------------------------- chapter 02


def test_hebbian_weight_exercise():
    assert hop_ex.check_hebbian_weight(-2 / 3).correct
    assert "divides by the number of units" in hop_ex.check_hebbian_weight(-2).message
    assert "sign" in hop_ex.check_hebbian_weight(2 / 3).message
    assert not hop_ex.check_hebbian_weight(0.0).correct


def test_capacity_exercise():
    assert hop_ex.check_capacity(138).correct
    assert "load" in hop_ex.check_capacity(0.138).message
    assert "N / (2 ln N)" in hop_ex.check_capacity(72).message
    assert not hop_ex.check_capacity(500).correct


def test_energy_change_exercise():
    assert hop_ex.check_energy_change(lambda W, s, i: 2 * s[i] * (W[i] @ s)).correct
    half = hop_ex.check_energy_change(lambda W, s, i: s[i] * (W[i] @ s))
    assert not half.correct and "half of it" in half.message
    assert "raised" in hop_ex.check_energy_change(lambda W, s, i: W[i, 99]).message
    assert "no answer" in hop_ex.check_energy_change(lambda W, s, i: None).message
    assert "should return a number" in hop_ex.check_energy_change(lambda W, s, i: "large").message
    assert "not delta_energy(...)" in hop_ex.check_energy_change(0.5).message
