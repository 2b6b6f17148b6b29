import numpy as np
import pytest
import tensorflow as tf

from dbn_course import data
from dbn_course.course.exercises import Feedback, mnist
from dbn_course.course.exercises import hopfield as hop_ex
from dbn_course.course.exercises import rbm as rbm_ex


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
    truth = np.bincount(data.load_arrays("test")[1], minlength=10)
    assert mnist.check_class_counts(truth).correct
    assert mnist.check_class_counts(truth.tolist()).correct
    assert "training split" in mnist.check_class_counts(np.bincount(train[1], minlength=10)).message
    off_by_one = truth.copy()
    off_by_one[3] += 1
    assert "add up to" in mnist.check_class_counts(off_by_one).message
    swapped = truth.copy()
    swapped[[0, 1]] = swapped[[1, 0]]
    feedback = mnist.check_class_counts(swapped)
    assert not feedback.correct and "[0, 1]" in feedback.message
    assert "Expected 10" in mnist.check_class_counts([1, 2, 3]).message


def test_mean_pixel(train):
    images, labels = train
    ones = images[labels == 1]
    mean = ones.mean() / 255
    assert mnist.check_mean_pixel(mean).correct
    assert mnist.check_mean_pixel(np.float32(mean + 5e-5)).correct
    assert "every digit" in mnist.check_mean_pixel(images.mean() / 255).message  # the number section 5 prints
    assert "0-255 scale" in mnist.check_mean_pixel(mean * 255).message
    by_256 = mnist.check_mean_pixel(ones.mean() / 256)
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


def ordered_dither(x):
    """Exactly 30% ones in every row and column: a fixed pattern, not random draws."""
    i, j = np.indices(x.shape)
    return ((i * 7 + j) % 10 < x * 10).astype(np.float32)


def error_diffusion(x):
    """Floyd-Steinberg's idea in one dimension: carry each pixel's rounding error to the next."""
    flat, out, error = x.ravel(), np.zeros(x.size, np.float32), 0.0
    for k in range(x.size):
        out[k] = float(flat[k] + error >= 0.5)
        error += flat[k] - out[k]
    return out.reshape(x.shape)


@pytest.mark.parametrize("wrong, says", [
    # The book's listing: one row of noise for the whole batch.
    (lambda x: (np.random.default_rng().random((1, x.shape[1])) < x).astype(np.float32), "rows are not independent"),
    (lambda x: (np.random.default_rng().random((x.shape[0], 1)) < x).astype(np.float32), "columns are not"),
    (ordered_dither, "too even"),
    (error_diffusion, "rows are not independent"),  # on a constant image every row repeats the first
])
def test_stochastic_binarizer_rejects_noise_that_is_not_independent(wrong, says):
    for _ in range(20):  # random wrong answers must fail every time, not on average
        feedback = mnist.check_stochastic_binarizer(wrong)
        assert not feedback.correct and says in feedback.message, feedback.message


def test_stochastic_binarizer_accepts_right_answers_every_time():
    rng = np.random.default_rng(0)
    assert all(mnist.check_stochastic_binarizer(lambda x: (rng.random(x.shape) < x).astype(np.float32)).correct
               for _ in range(200))
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
    assert "hidden bias" in rbm_ex.check_cd_gradient(
        lambda rbm, v_data, v_model: (v_data.T @ tf.sigmoid(v_data @ rbm.W).numpy() / len(v_data)
                                      - v_model.T @ tf.sigmoid(v_model @ rbm.W).numpy() / len(v_model))).message
    assert "shape" in rbm_ex.check_cd_gradient(lambda *a: np.zeros(3)).message
    assert "no answer" in rbm_ex.check_cd_gradient(lambda *a: None).message


def test_expected_cd_step_is_the_average_of_many_sampled_steps():
    """The exact expectation the CD-k checker compares with, against 200,000 sampled CD-2 chains."""
    rng = np.random.default_rng(0)
    W, b, c, data_v = rbm_ex.UPDATE_W, rbm_ex.UPDATE_B, rbm_ex.UPDATE_C, rbm_ex.UPDATE_DATA
    v0 = np.repeat(data_v, 50_000, axis=0).astype(np.float64)
    sigmoid = rbm_ex._sigmoid
    h = (rng.random((len(v0), 3)) < sigmoid(v0 @ W + c)).astype(float)
    for _ in range(2):
        v = (rng.random(v0.shape) < sigmoid(h @ W.T + b)).astype(float)
        h = (rng.random(h.shape) < sigmoid(v @ W + c)).astype(float)
    p_data, p_model = sigmoid(v0 @ W + c), sigmoid(v @ W + c)
    sampled = [(v0.T @ p_data - v.T @ p_model) / len(v0), (v0 - v).mean(0), (p_data - p_model).mean(0)]
    for estimate, exact in zip(sampled, rbm_ex.expected_cd_step(W, b, c, data_v, 2)):
        np.testing.assert_allclose(estimate, exact, atol=0.006)


def cd_update_by_hand(rbm, v, k, learning_rate, *, last="sample", sign=1.0, biases=True, mean=True):
    """A learner's CD-k update with the chapter's methods, and the slips the checker must catch."""
    v = tf.constant(v)
    h = rbm.sample_h(v)
    for step in range(k):
        v_k = rbm.reverse(h) if last == "probability" and step == k - 1 else rbm.sample_v(h)
        h = rbm.sample_h(v_k)
    p_data, p_model = rbm.forward(v), rbm.forward(v_k)
    n = float(len(v)) if mean else 1.0
    rbm.W.assign_add(sign * learning_rate * (tf.transpose(v) @ p_data - tf.transpose(v_k) @ p_model) / n)
    if biases:
        rbm.b.assign_add(sign * learning_rate * tf.reduce_sum(v - v_k, 0) / n)
        rbm.c.assign_add(sign * learning_rate * tf.reduce_sum(p_data - p_model, 0) / n)


def cd_update_by_tape(rbm, v, k, learning_rate):
    """The book's way: descend <F(v)>_data - <F(v_k)> with the samples held fixed."""
    h = rbm.sample_h(v)
    for _ in range(k):
        v_k = rbm.sample_v(h)
        h = rbm.sample_h(v_k)
    with tf.GradientTape() as tape:
        cost = tf.reduce_mean(rbm.free_energy(v)) - tf.reduce_mean(rbm.free_energy(v_k))
    for variable, gradient in zip([rbm.W, rbm.b, rbm.c], tape.gradient(cost, [rbm.W, rbm.b, rbm.c])):
        variable.assign_sub(learning_rate * gradient)


def test_cd_update_exercise_accepts_the_update_written_either_way():
    assert rbm_ex.check_cd_update(cd_update_by_hand).correct
    assert rbm_ex.check_cd_update(cd_update_by_tape).correct
    assert rbm_ex.check_cd_update(lambda *a: cd_update_by_hand(*a, last="probability")).correct


@pytest.mark.parametrize("wrong, says", [
    (lambda rbm, v, k, rate: cd_update_by_hand(rbm, v, k, rate, sign=-1.0), "wrong way"),
    (lambda rbm, v, k, rate: cd_update_by_hand(rbm, v, 1, rate), "CD-1"),
    (lambda rbm, v, k, rate: cd_update_by_hand(rbm, v, k, rate, biases=False), "biases"),
    (lambda rbm, v, k, rate: cd_update_by_hand(rbm, v, k, rbm.learning_rate), "learning_rate argument"),
    (lambda rbm, v, k, rate: cd_update_by_hand(rbm, v, k, rate, mean=False), "Average"),
    (lambda rbm, v, k, rate: rbm.cd_update(v), "Not the CD-k step"),
    (lambda rbm, v, k, rate: rbm.W.assign_add(rate * rbm_ex.expected_cd_step(
        rbm_ex.UPDATE_W, rbm_ex.UPDATE_B, rbm_ex.UPDATE_C, rbm_ex.UPDATE_DATA, k)[0]), "biases"),
    (lambda rbm, v, k, rate: [rbm.W.value * 0], "did not change"),
    (lambda rbm, v, k, rate: 1 / 0, "raised"),
    (lambda rbm, v, k, rate: None, "no answer"),
])
def test_cd_update_exercise_rejects_the_usual_slips(wrong, says):
    feedback = rbm_ex.check_cd_update(wrong)
    assert not feedback.correct and says in feedback.message, feedback.message


# ----------------------------------------------------------------------- chapter 02


def test_hebbian_weight_exercise():
    assert hop_ex.check_hebbian_weight(-2 / 3).correct
    assert "divides by the number of units" in hop_ex.check_hebbian_weight(-2).message
    chapters = hop_ex.check_hebbian_weight(-1.0)  # the chapter's 1/n, n = 2 patterns
    assert chapters.correct and "1/n" in chapters.message and "N = 3" in chapters.message
    assert not hop_ex.check_hebbian_weight(1.0).correct
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
