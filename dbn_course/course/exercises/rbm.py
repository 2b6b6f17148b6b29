"""Exercises of chapter 03 (``notebooks/03_rbm.ipynb``): the Restricted Boltzmann Machine."""

from __future__ import annotations

import math

import numpy as np

from dbn_course.course.exercises.feedback import Feedback, call_answer, is_placeholder
from dbn_course.rbm import RBM
from dbn_course.sampling.exact import all_binary_states

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
    rbm.c.assign(rng.normal(0, 1, 5).astype(np.float32))  # nonzero, so an answer without c shows
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
    W = rbm.W.numpy()
    no_bias = (v_data.T @ _sigmoid(v_data @ W) / len(v_data) - v_model.T @ _sigmoid(v_model @ W) / len(v_model))
    if np.allclose(answer, no_bias, atol=1e-5):
        return Feedback.wrong("The hidden bias is missing: p(h = 1 | v) = sigmoid(v W + c).")
    return Feedback.wrong("Not the CD statistics: use p(h = 1 | v) = sigmoid(v W + c) for both phases.")


# The machine of exercise 4: 4 visible and 3 hidden units, few enough to enumerate, with
# weights strong enough that one Gibbs sweep and three lead to different expected steps.
UPDATE_W = np.array([[2.5, -1.5, 1.0], [-2.0, 2.0, 0.5], [1.5, 1.0, -2.5], [-1.0, -2.5, 2.0]], np.float32)
UPDATE_B = np.array([0.5, -0.5, 0.25, -0.25], np.float32)
UPDATE_C = np.array([-0.5, 0.75, -0.25], np.float32)
UPDATE_DATA = np.array([[1, 0, 1, 0], [0, 1, 0, 1], [1, 1, 0, 0], [0, 0, 1, 1]], np.float32)
UPDATE_COPIES = 5000  # copies of each data vector in the checker's batch: Monte Carlo error about 0.004
CHAIN_VARIANTS = ("sample", "probability", "mean_field")  # the ways of expected_cd_step's ``last_visible``


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def expected_cd_step(W, b, c, v_data, k: int, last_visible: str = "sample") -> list[np.ndarray]:
    """The exact expected CD-k step [dW, db, dc] (before the learning rate) for binary ``v_data``.

    Every state of a machine this small is enumerated. The chain starts at each data
    vector: h_0 ~ p(h | v_0), then k sweeps v_j ~ p(v | h_{j-1}), h_j ~ p(h | v_j). The
    step is <v p(h|v)^T>_data - <v_k p(h|v_k)^T>, averaged over the data and the chain.

    Args:
        last_visible: how the chain's visible states are taken: ``"sample"`` (binary
            samples throughout, as the book does), ``"probability"`` (samples, except the
            last visible state, which is p(v | h_{k-1})), or ``"mean_field"`` (every
            visible state p(v | h), the hidden states still sampled).
    """
    W, b, c = (np.asarray(x, np.float64) for x in (W, b, c))
    n_v, n_h = W.shape
    vs, hs = all_binary_states(n_v), all_binary_states(n_h)
    p_h_given_v = _bernoulli_table(_sigmoid(vs @ W + c), hs)  # (2^n_v, 2^n_h)
    visible_means = _sigmoid(hs @ W.T + b)  # p(v = 1 | h) for every h
    p_v_given_h = _bernoulli_table(visible_means, vs)  # (2^n_h, 2^n_v)
    # The hidden-state chain of "mean_field": h -> v = p(v | h) -> h' ~ p(h | v).
    mean_field_step = _bernoulli_table(_sigmoid(visible_means @ W + c), hs)
    positive = [np.zeros_like(W), np.zeros(n_v), np.zeros(n_h)]
    negative = [np.zeros_like(W), np.zeros(n_v), np.zeros(n_h)]
    for v0 in np.asarray(v_data, np.float64):
        h_data = _sigmoid(v0 @ W + c)
        for total, value in zip(positive, (np.outer(v0, h_data), v0, h_data)):
            total += value
        weights_h = p_h_given_v[_index(v0)]  # distribution of h_0
        if last_visible == "mean_field":
            for _ in range(k - 1):
                weights_h = weights_h @ mean_field_step
            visible, visible_weights = visible_means, weights_h
        else:
            for _ in range(k - 1):
                weights_h = weights_h @ p_v_given_h @ p_h_given_v
            if last_visible == "probability":
                visible, visible_weights = visible_means, weights_h
            else:
                visible, visible_weights = vs, weights_h @ p_v_given_h
        h_model = _sigmoid(visible @ W + c)
        negative[0] += (visible * visible_weights[:, None]).T @ h_model
        negative[1] += visible_weights @ visible
        negative[2] += visible_weights @ h_model
    n = len(v_data)
    return [(pos - neg) / n for pos, neg in zip(positive, negative)]


def _index(state):
    """The row of ``state`` in :func:`~dbn_course.sampling.exact.all_binary_states` (counting order)."""
    return int(np.asarray(state) @ (2 ** np.arange(len(state) - 1, -1, -1)))


def _bernoulli_table(probabilities, states):
    """P[i, s] = probability of binary ``states[s]`` under independent units with ``probabilities[i]``."""
    return np.prod(np.where(states[None] == 1, probabilities[:, None], 1 - probabilities[:, None]), axis=-1)


def update_rbm() -> RBM:
    """The 4 x 3 RBM of exercise 4 (``UPDATE_W``, ``UPDATE_B``, ``UPDATE_C``), its own rate 0.5 and k = 1."""
    rbm = RBM(3, 4, learning_rate=0.5, cd_steps=1, seed=4)
    rbm.W.assign(UPDATE_W)
    rbm.b.assign(UPDATE_B)
    rbm.c.assign(UPDATE_C)
    return rbm


def check_cd_update(cd_update, k: int = 3, learning_rate: float = 0.1) -> Feedback:
    """Exercise 4: ``cd_update(rbm, v, k, learning_rate)``, one CD-k update of W, b and c in place.

    The checker calls it once on the 4 x 3 RBM of :func:`update_rbm` with a batch of
    ``UPDATE_COPIES`` copies of each row of ``UPDATE_DATA`` and compares the change of every
    weight with the exact expected step of :func:`expected_cd_step`, times the learning
    rate. The batch is large enough that the sampling noise (about 0.004) is small beside
    the differences between the right step and the usual slips.
    """
    if is_placeholder(cd_update):
        return Feedback.missing()
    if not callable(cd_update):
        return Feedback.wrong("Pass the function itself (my_cd_update, not my_cd_update(...)).")
    rbm = update_rbm()

    def weights():
        return [variable.numpy().astype(np.float64) for variable in (rbm.W, rbm.b, rbm.c)]

    before = weights()
    v = np.repeat(UPDATE_DATA, UPDATE_COPIES, axis=0)
    try:
        result = cd_update(rbm, v, k, learning_rate)
    except Exception as exc:  # the learner's code may fail in any way; say how
        return Feedback.wrong(f"Calling your function raised {type(exc).__name__}: {exc}")
    steps = [(new - old) / learning_rate for new, old in zip(weights(), before)]
    if not all(np.isfinite(step).all() for step in steps):
        return Feedback.wrong("The weights became NaN or infinite.")
    if all(np.allclose(step, 0) for step in steps):
        if result is None:
            return Feedback.missing()
        return Feedback.wrong("The RBM's weights did not change: update them in place, e.g. "
                              "rbm.W.assign_add(learning_rate * dW), and the same for rbm.b and rbm.c.")
    tolerance = 0.025  # the largest of 19 sampling errors is about 0.012; CD-1 and CD-3 differ by 0.08

    def close(step, truth):
        return all(np.max(np.abs(s - t)) <= tolerance for s, t in zip(step, truth))

    exact = {variant: expected_cd_step(UPDATE_W, UPDATE_B, UPDATE_C, UPDATE_DATA, k, variant)
             for variant in CHAIN_VARIANTS}
    for variant, truth in exact.items():
        if close(steps, truth):
            how = {"sample": "binary samples all the way, as the book's chain does",
                   "probability": "the last visible state taken as its probabilities, as Hinton's practical guide "
                                  "suggests",
                   "mean_field": "visible probabilities instead of samples at every step"}[variant]
            return Feedback.right(f"Your step matches the exact expected CD-{k} step ({how}) within the sampling "
                                  "noise of a 20,000-example batch.")
    truth = exact["sample"]
    if any(close([-s for s in steps], exact[variant]) for variant in exact):
        return Feedback.wrong("The weights moved the wrong way: CD raises the probability of the data, "
                              "W += learning_rate * (positive - negative statistics).")
    if np.max(np.abs(steps[1])) < 1e-6 or np.max(np.abs(steps[2])) < 1e-6:
        if np.max(np.abs(steps[0] - truth[0])) <= tolerance:
            return Feedback.wrong("W is right, but the biases must learn too: b += learning_rate * (<v>_data - "
                                  "<v_k>), c += learning_rate * (<p(h|v)>_data - <p(h|v_k)>).")
        return Feedback.wrong("Update the biases as well as W.")
    for rate in (rbm.learning_rate, 1.0):
        if any(close([s * learning_rate / rate for s in steps], exact[variant]) for variant in exact):
            return Feedback.wrong(f"Your step is the right one at a learning rate of {rate:g}: use the "
                                  "learning_rate argument, not the RBM's own.")
    if any(close([s / len(v) for s in steps], exact[variant]) for variant in exact):
        return Feedback.wrong("Average the statistics over the batch instead of summing them.")
    one_step = [expected_cd_step(UPDATE_W, UPDATE_B, UPDATE_C, UPDATE_DATA, 1, variant) for variant in CHAIN_VARIANTS]
    if k != 1 and any(close(steps, truth_1) for truth_1 in one_step):
        return Feedback.wrong(f"That is the CD-1 step: run k = {k} Gibbs sweeps (h -> v -> h) before taking "
                          "the negative statistics.")
    return Feedback.wrong("Not the CD-k step. Start with h ~ p(h | v) from the data; repeat k times: v_k = "
                          "rbm.sample_v(h), h = rbm.sample_h(v_k); then move W by learning_rate * (v^T p(h|v) / B - "
                          "v_k^T p(h|v_k) / B), and b, c by the matching differences of means.")
