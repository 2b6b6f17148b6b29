"""The DBN chapters' exercise checkers accept the right answers and explain the common wrong ones."""

import numpy as np
import pytest

from dbn_course import data, explaining_away
from dbn_course.course.exercises import dbn as ex
from dbn_course.training.recipe import make_dbn


def test_explaining_away_answer():
    truth = explaining_away.summary(**ex.EXPLAINING_AWAY)["p(a | e)"]
    assert ex.check_rain_given_wet_lawn(truth).correct
    assert "prior" in ex.check_rain_given_wet_lawn(0.1).message
    assert not ex.check_rain_given_wet_lawn(0.5).correct
    assert not ex.check_rain_given_wet_lawn(None).correct


def test_parameter_count():
    assert ex.check_parameter_count(784 * 500 + 784 + 500 + 500 * 500 + 1000 + 510 * 2000 + 510 + 2000).correct
    assert "biases" in ex.check_parameter_count(784 * 500 + 500 * 500 + 510 * 2000).message
    assert "label" in ex.check_parameter_count(784 * 500 + 1284 + 500 * 500 + 1000 + 500 * 2000 + 2500).message


@pytest.fixture(scope="module")
def small_dbn():
    return make_dbn([16, 12, 20], num_epochs=1, seed=0)


def test_up_pass(small_dbn):
    import tensorflow as tf

    images = data.load_arrays("train", data_dir=data.EMBEDDED_DIR)[0][:10]

    def right(dbn, v):
        for rbm in dbn.rbms[:-1]:
            v = tf.sigmoid(v @ rbm.W + rbm.c)
        return v

    def too_far(dbn, v):
        return dbn.top(tf.concat([right(dbn, v), tf.zeros((len(v), 10))], axis=1))

    assert ex.check_up_pass(right, small_dbn, images).correct
    assert "top" in ex.check_up_pass(too_far, small_dbn, images).message
    assert "probabilities" in ex.check_up_pass(lambda d, v: np.round(right(d, v)), small_dbn, images).message
    assert "raised" in ex.check_up_pass(lambda d, v: 1 / 0, small_dbn, images).message


def test_sleep_phase_and_wake_update():
    assert ex.check_sleep_phase("recognition").correct
    assert not ex.check_sleep_phase("generative").correct

    def wake(G, g, above, below):
        return above.T @ (below - 1 / (1 + np.exp(-(above @ G + g)))) / len(above)

    assert ex.check_wake_update(wake).correct
    assert "sign" in ex.check_wake_update(lambda *a: -wake(*a)).message
    assert "divide" in ex.check_wake_update(lambda G, g, a, b: wake(G, g, a, b) * len(a)).message


def test_sleep_update():
    def sleep(R, r, below, above):
        return below.T @ (above - 1 / (1 + np.exp(-(below @ R + r)))) / len(below)

    def wake_shaped(R, r, below, above):  # the wake rule's orientation: above.T @ error
        return above.T @ (below - 1 / (1 + np.exp(-(above @ R.T)))) / len(above)

    assert ex.check_sleep_update(sleep).correct
    assert "sign" in ex.check_sleep_update(lambda *a: -sleep(*a)).message
    assert "divide" in ex.check_sleep_update(lambda R, r, b, a: sleep(R, r, b, a) * len(b)).message
    assert "below.T" in ex.check_sleep_update(wake_shaped).message
    assert not ex.check_sleep_update(lambda R, r, b, a: b.T @ (a - 1 / (1 + np.exp(-(b @ R)))) / len(b)).correct
    assert "no answer" in ex.check_sleep_update(lambda *a: None).message


def test_generated_sevens():
    sevens = np.random.default_rng(0).random((20, 784)).astype(np.float32) ** 4  # probabilities, mostly dark
    assert ex.check_generated_sevens(sevens, lambda x: np.full(len(x), 7)).correct
    assert not ex.check_generated_sevens(sevens, lambda x: np.full(len(x), 1)).correct
    assert "shape" in ex.check_generated_sevens(sevens[:5], lambda x: np.full(len(x), 7)).message


def test_generated_sevens_the_solution_passes_and_free_chains_do_not():
    from dbn_course import pretrained

    shipped = pretrained.load_dbn()
    sevens, _ = shipped.generate(labels=[7] * 20, gibbs_steps=500)
    assert ex.check_generated_sevens(sevens, pretrained.classify).correct
    anything, _ = shipped.generate(n=20, gibbs_steps=500)
    assert not ex.check_generated_sevens(anything, pretrained.classify).correct


def test_generated_sevens_are_not_mnists_own():
    images, labels = data.load_arrays("train")
    real = images[labels == 7][:20].reshape(20, -1)
    always_seven = lambda x: np.full(len(x), 7)  # noqa: E731 -- the classifier would agree
    assert "MNIST's own" in ex.check_generated_sevens(real / 255.0, always_seven).message
    assert "MNIST's own" in ex.check_generated_sevens((real / 255.0).astype(np.float32), always_seven).message
    assert "0 or 1" in ex.check_generated_sevens((real > 127).astype(np.float32), always_seven).message


def test_classifier_exercises():
    assert ex.check_classifier_parameters(784 * 256 + 256 + 256 * 256 + 256 + 256 * 512 + 512 + 5130).correct
    assert "summary counts" in ex.check_classifier_parameters(
        784 * 500 + 500 + 500 * 500 + 500 + 500 * 2000 + 2000 + 20010).message  # the number section 1 prints
    assert "biases" in ex.check_classifier_parameters(784 * 256 + 256 * 256 + 256 * 512 + 5120).message
    assert "output layer" in ex.check_classifier_parameters(784 * 256 + 256 + 256 * 256 + 256 + 256 * 512 + 512).message

    def error_rate(p, y):
        return 100 * np.mean(np.argmax(p, axis=1) != y)

    assert ex.check_error_rate(error_rate).correct
    assert "accuracy" in ex.check_error_rate(lambda p, y: 100 - error_rate(p, y)).message
