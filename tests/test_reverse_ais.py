"""Reverse AIS (RAISE) against the exact distribution of the annealing model on RBMs small enough to enumerate."""

import numpy as np
import pytest

from dbn_course.sampling import annealing, exact
from tests.test_ais import random_rbm


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _bernoulli(states, probabilities):
    """P(states) for independent Bernoulli units: rows of ``probabilities`` against every row of ``states``."""
    return np.prod(np.where(states[None, :, :] == 1, probabilities[:, None, :], 1 - probabilities[:, None, :]),
                   axis=2)


def annealed_distribution(rbm, base, betas):
    """p_ann: v_0 ~ p_A, then one Gibbs sweep at each beta_1 .. beta_K, computed with 2^n_v x 2^n_v matrices."""
    W, b, c = (np.asarray(p, np.float64) for p in (rbm.W, rbm.b, rbm.c))
    base = np.asarray(base, np.float64)
    v = exact.all_binary_states(W.shape[0])
    h = exact.all_binary_states(W.shape[1])
    p = _bernoulli(v, _sigmoid(base)[None, :])[0]
    for beta in betas[1:]:
        h_given_v = _bernoulli(h, _sigmoid(beta * (v @ W + c)))                       # (v states, h states)
        v_given_h = _bernoulli(v, _sigmoid((1 - beta) * base + beta * (b + h @ W.T)))  # (h states, v states)
        p = p @ h_given_v @ v_given_h
    return v, p


def test_the_mean_weight_is_the_annealing_models_probability():
    # A coarse schedule, so the annealing model is visibly not the RBM: E[w] = p_ann(v) exactly.
    rbm = random_rbm(6, 3, 1.5, 0)
    base = np.linspace(-1, 1, 6).astype(np.float32)
    betas = np.array([0.0, 0.3, 0.7, 1.0])
    states, p_ann = annealed_distribution(rbm, base, betas)
    assert p_ann.sum() == pytest.approx(1.0, abs=1e-9)
    p_model = np.exp(exact.log_likelihood_exact(rbm, states))
    assert np.max(np.abs(p_ann - p_model)) > 0.01
    picked = states[[0, 13, 42, 63]]
    result = annealing.reverse_ais_log_likelihood(rbm, picked, base, n_runs=20_000, betas=betas, seed=0)
    weights = np.exp(result.log_weights)
    mean = weights.mean(axis=1)
    error = weights.std(axis=1, ddof=1) / np.sqrt(weights.shape[1])
    expected = p_ann[[0, 13, 42, 63]]
    assert np.all(np.abs(mean - expected) < 4 * error + 1e-6), (mean, expected, error)
    assert not np.allclose(mean, p_model[[0, 13, 42, 63]], rtol=0.02)


def test_with_a_fine_schedule_it_matches_the_exact_log_likelihood_from_below():
    rbm = random_rbm(12, 6, 1.0, 3)
    v = (np.random.default_rng(0).random((30, 12)) < 0.5).astype(np.float32)
    exact_value = exact.log_likelihood_exact(rbm, v)
    result = annealing.reverse_ais_log_likelihood(rbm, v, np.zeros(12, np.float32), n_runs=50,
                                                   betas=annealing.annealing_schedule(1000), seed=0,
                                                   batch_size=128)
    assert result.log_weights.shape == (30, 50) and result.n_runs == 50 and result.n_betas == 1000
    assert result.mean_log_likelihood == pytest.approx(exact_value.mean(), abs=0.1)
    np.testing.assert_allclose(result.log_probabilities, exact_value, atol=0.3)


def test_one_run_per_example_is_a_lower_bound_on_the_annealing_model():
    # E[log w] <= log E[w] = log p_ann(v): with one run per example, log w - log p_ann(v)
    # averaged over 500 examples lands below zero by more than three standard errors.
    rbm = random_rbm(8, 4, 1.5, 5)
    base = np.zeros(8, np.float32)
    betas = np.linspace(0, 1, 6)
    states, p_ann = annealed_distribution(rbm, base, betas)
    rows = np.random.default_rng(1).integers(0, len(states), 500)
    result = annealing.reverse_ais_log_likelihood(rbm, states[rows], base, n_runs=1, betas=betas, seed=0)
    gaps = result.log_probabilities - np.log(p_ann[rows])
    assert np.mean(gaps) + 3 * np.std(gaps, ddof=1) / np.sqrt(len(gaps)) < 0, gaps.mean()


def test_rbm_equal_to_the_base_model_gives_the_exact_probability():
    from dbn_course.rbm import RBM

    rbm = RBM(4, 8, seed=0)
    rbm.W.assign(np.zeros((8, 4), np.float32))
    biases = np.linspace(-2, 2, 8).astype(np.float32)
    rbm.b.assign(biases)
    v = (np.random.default_rng(0).random((5, 8)) < 0.5).astype(np.float32)
    result = annealing.reverse_ais_log_likelihood(rbm, v, biases, n_runs=3, betas=np.linspace(0, 1, 5), seed=0)
    exact_value = exact.log_likelihood_exact(rbm, v)
    np.testing.assert_allclose(result.log_weights, np.repeat(exact_value[:, None], 3, axis=1), atol=1e-5)


def test_runs_are_reproducible_and_independent_of_the_batching():
    rbm = random_rbm(12, 6, 1.0, 4)
    v = (np.random.default_rng(2).random((7, 12)) < 0.5).astype(np.float32)
    betas = annealing.annealing_schedule(200)
    first = annealing.reverse_ais_log_likelihood(rbm, v, np.zeros(12, np.float32), n_runs=3, betas=betas, seed=9)
    again = annealing.reverse_ais_log_likelihood(rbm, v, np.zeros(12, np.float32), n_runs=3, betas=betas, seed=9)
    np.testing.assert_array_equal(first.log_weights, again.log_weights)


@pytest.mark.parametrize("kwargs, message", [
    (dict(n_runs=0), "n_runs"),
    (dict(batch_size=0), "batch_size"),
    (dict(betas=[0.0, 0.5, 0.4, 1.0]), "betas"),
    (dict(base_biases=np.zeros(3, np.float32)), "base_biases"),
    (dict(v=np.full((2, 12), 0.5, np.float32)), "binary"),
    (dict(v=np.zeros((2, 11), np.float32)), "shape"),
])
def test_bad_arguments_are_rejected(kwargs, message):
    rbm = random_rbm(12, 6, 1.0, 0)
    arguments = {"v": np.zeros((2, 12), np.float32), "base_biases": np.zeros(12, np.float32), **kwargs}
    with pytest.raises(ValueError, match=message):
        annealing.reverse_ais_log_likelihood(rbm, **arguments)
