"""The course's sweep as a TensorFlow Probability kernel, checked on RBMs small enough to enumerate."""

import importlib.util

import numpy as np
import pytest

if importlib.util.find_spec("tensorflow_probability") is None:  # found without importing it (mcmc imports it quietly)
    pytest.skip("tensorflow-probability is not installed", allow_module_level=True)
import tensorflow as tf  # noqa: E402

from dbn_course.sampling import annealing, exact, mcmc  # noqa: E402 (mcmc imports TFP quietly)

tfp = mcmc.tfp
from tensorflow_probability.python.experimental.mcmc import sequential_monte_carlo_kernel as smc  # noqa: E402

from dbn_course.top_level import LabelledRBM  # noqa: E402

from .conftest import random_rbm  # noqa: E402

N_V, N_H = 6, 4


def small_rbm(scale=1.0, seed=0):
    return random_rbm(N_V, N_H, seed=seed, scale=scale, bias_scale=0.5)


def tfp_ais(rbm, base, num_steps, n_runs, seed):
    return tfp.mcmc.sample_annealed_importance_chain(
        num_steps=num_steps,
        proposal_log_prob_fn=mcmc.base_rate_log_prob_fn(base, rbm.number_hidden_units),
        target_log_prob_fn=mcmc.target_log_prob_fn(rbm),
        current_state=mcmc.initial_state(base, rbm.number_hidden_units, n_runs, seed=seed),
        make_kernel_fn=lambda log_prob: mcmc.block_gibbs_kernel(log_prob, rbm, base, num_steps),
        seed=(seed, 1))


def test_tfps_ais_with_the_sweep_finds_the_exact_log_partition():
    rbm = small_rbm()
    base = np.full(N_V, -0.3, np.float32)
    _, log_weights, results = tf.function(lambda: tfp_ais(rbm, base, 300, 4000, 1))()
    result = annealing.AISResult.from_log_weights(log_weights.numpy(), n_betas=301)
    truth = exact.log_partition_exact(rbm)
    low, high = result.interval(3.0)
    assert low <= truth <= high
    assert abs(result.log_z - truth) < 0.05
    assert result.effective_sample_size > 0.5 * result.n_runs, "a gentle model: the runs share the work"
    assert bool(tf.reduce_all(results.inner_results.is_accepted)), "a Gibbs step is always accepted"


def test_the_course_and_tfp_agree_on_the_same_schedule():
    rbm = small_rbm(scale=1.5, seed=3)
    base = np.zeros(N_V, np.float32)
    truth = exact.log_partition_exact(rbm)
    ours = annealing.ais_log_partition(rbm, base, n_runs=2000, betas=np.linspace(0, 1, 201), seed=2)
    _, log_weights, _ = tf.function(lambda: tfp_ais(rbm, base, 200, 2000, 2))()
    theirs = annealing.AISResult.from_log_weights(log_weights.numpy(), n_betas=201)
    assert abs(ours.log_z - truth) < 0.05 and abs(theirs.log_z - truth) < 0.05
    assert min(ours.effective_sample_size, theirs.effective_sample_size) > 0.5 * ours.n_runs


def test_sampling_the_rbm_with_tfps_driver_reaches_its_distribution():
    rbm = small_rbm()
    kernel = mcmc.block_gibbs_kernel(mcmc.target_log_prob_fn(rbm), rbm)
    start = mcmc.initial_state(np.zeros(N_V, np.float32), N_H, 64, seed=5)
    (v, h), accepted = tfp.mcmc.sample_chain(num_results=1500, current_state=start, kernel=kernel,
                                             num_burnin_steps=20, trace_fn=lambda _, r: r.is_accepted, seed=(7, 8))
    assert bool(tf.reduce_all(accepted))
    assert v.shape == (1500, 64, N_V) and h.shape == (1500, 64, N_H)
    sampled = exact.empirical_distribution(v.numpy().reshape(-1, N_V))
    truth = np.exp(exact.log_likelihood_exact(rbm, exact.all_binary_states(N_V)))
    assert exact.total_variation(sampled, truth) < 0.03
    ess = tfp.mcmc.effective_sample_size(v[:, :, 0], filter_beyond_positive_pairs=True)
    assert float(tf.reduce_min(ess)) > 100, "a chain of 1,500 sweeps is worth more than 100 independent draws"


def test_a_labelled_top_level_keeps_one_label_on():
    rbm = LabelledRBM(8, number_label_units=3, number_visible_units=8, seed=0)
    rbm.build((None, 8))
    kernel = mcmc.block_gibbs_kernel(mcmc.target_log_prob_fn(rbm), rbm)
    v = np.zeros((16, 8), np.float32)
    v[:, 5] = 1.0
    start = [tf.constant(v), tf.zeros((16, 8))]
    (samples, _), _ = tfp.mcmc.sample_chain(num_results=20, current_state=start, kernel=kernel,
                                            trace_fn=lambda _, r: r.is_accepted, seed=(1, 2))
    np.testing.assert_array_equal(samples.numpy()[..., 5:].sum(axis=-1), 1.0)


def test_wrong_settings_are_refused_with_a_message():
    rbm = small_rbm()
    with pytest.raises(ValueError, match="together"):
        mcmc.UncalibratedBlockGibbs(mcmc.target_log_prob_fn(rbm), rbm, base_biases=np.zeros(N_V))
    labelled = LabelledRBM(8, number_label_units=3, number_visible_units=8, seed=0)
    labelled.build((None, 8))
    with pytest.raises(ValueError, match="label units"):
        mcmc.UncalibratedBlockGibbs(mcmc.target_log_prob_fn(labelled), labelled, np.zeros(8), 10)


@pytest.mark.parametrize("log_weights, expected", [(np.zeros(50), 50.0), (np.array([0.0, -80.0, -90.0]), 1.0),
                                                    (np.log([1.0, 1.0, 2.0]), 16 / 6)])
def test_the_effective_sample_size_of_ais_weights(log_weights, expected):
    result = annealing.AISResult(log_z=0.0, log_weights=log_weights, log_z_base=0.0, n_betas=2)
    assert result.effective_sample_size == pytest.approx(expected, rel=1e-6)
    tfps = float(tf.exp(smc.log_ess_from_log_weights(tf.constant(log_weights, tf.float64))))
    assert result.effective_sample_size == pytest.approx(tfps, rel=1e-9)


def test_importing_the_course_does_not_import_tfp(fresh_import):
    printed, _ = fresh_import
    assert "tensorflow_probability" not in printed["modules"]
