"""The one block-Gibbs sampler: its sweep on cases small enough to enumerate, clamping, and its noise convention."""

import itertools

import numpy as np
import pytest
import tensorflow as tf

from dbn_course.rbm import RBM
from dbn_course.sampling import annealing, gibbs
from dbn_course.top_level import LabelledRBM

from .conftest import random_weights


def _softplus(x):
    return np.logaddexp(0.0, x)


def _random_rbm(n_visible, n_hidden, seed, scale=0.8):
    return random_weights(n_visible, n_hidden, seed=seed, scale=scale, bias_scale=1.0)


def _frequencies(states, all_states):
    index = {tuple(s): i for i, s in enumerate(all_states)}
    counts = np.zeros(len(all_states))
    for row in states.astype(int):
        counts[index[tuple(row)]] += 1
    return counts / len(states)


def test_a_tempered_sweep_leaves_the_tempered_distribution_invariant():
    """Chains at beta = 0.4 between a base-rate model and the RBM settle on p_beta, enumerated."""
    W, b, c = _random_rbm(4, 3, seed=1)
    base = np.array([0.5, -1.0, 1.5, 0.0], np.float32)
    beta = 0.4
    states = np.array(list(itertools.product([0.0, 1.0], repeat=4)))
    log_p = ((1 - beta) * states @ base + beta * states @ b + _softplus(beta * (states @ W + c)).sum(axis=1))
    exact = np.exp(log_p - log_p.max())
    exact /= exact.sum()
    start = tf.constant(np.tile(states[:1], (20_000, 1)), tf.float32)
    generator = tf.random.Generator.from_seed(0)
    final, _ = gibbs.anneal(start, *map(tf.constant, (W, b, c)), tf.constant(base), generator,
                            tf.fill([30], beta), tf.fill([30], beta), reverse=False)
    empirical = _frequencies(final.numpy(), states)
    assert 0.5 * np.abs(empirical - exact).sum() < 0.02


def test_a_labelled_chain_samples_the_joint_of_features_and_one_hot_labels():
    """Softmax label units: every state has one label on, and the chains settle on exp(-F(x, y)) / Z."""
    n_x, n_y, n_h = 3, 3, 2
    W, b, c = _random_rbm(n_x + n_y, n_h, seed=2)
    rbm = LabelledRBM(n_h, n_y, n_x + n_y, seed=0)
    rbm.set_weights([W, b, c])
    states = np.array([list(x) + list(np.eye(n_y)[k]) for x in itertools.product([0.0, 1.0], repeat=n_x)
                       for k in range(n_y)])
    log_p = states @ b + _softplus(states @ W + c).sum(axis=1)
    exact = np.exp(log_p - log_p.max())
    exact /= exact.sum()
    x, y = rbm.gibbs_with_labels(np.full((20_000, n_x), 0.5, np.float32), labels=None, steps=30)
    joined = np.concatenate([x.numpy(), np.eye(n_y)[y]], axis=1)
    assert 0.5 * np.abs(_frequencies(joined, states) - exact).sum() < 0.02
    v, _ = gibbs.sample(tf.zeros((500, n_x + n_y)), *map(tf.constant, (W, b, c)), tf.random.Generator.from_seed(1), 5,
                        number_label_units=n_y)
    np.testing.assert_array_equal(v.numpy()[:, n_x:].sum(axis=1), 1.0)  # from no label on, exactly one on


def test_clamped_units_keep_their_values_and_the_others_move():
    W, b, c = _random_rbm(6, 4, seed=3)
    start = tf.constant(np.tile([[1.0, 0.0, 1.0, 0.0, 1.0, 0.0]], (500, 1)), tf.float32)
    clamp = tf.constant([True, True, False, False, False, False])
    final, frames = gibbs.sample(start, *map(tf.constant, (W, b, c)), tf.random.Generator.from_seed(0), 20,
                                 clamp=clamp, record_every=5, record="states")
    np.testing.assert_array_equal(final.numpy()[:, :2], start.numpy()[:, :2])
    np.testing.assert_array_equal(frames.numpy()[:, :, :2], np.broadcast_to(start.numpy()[:, :2], (4, 500, 2)))
    assert 0.05 < final.numpy()[:, 2:].mean() < 0.95


def test_frames_hold_probabilities_or_states_and_bad_requests_are_named():
    W, b, c = map(tf.constant, _random_rbm(5, 3, seed=4))
    start = tf.zeros((7, 5))
    _, probabilities = gibbs.sample(start, W, b, c, tf.random.Generator.from_seed(0), 12, record_every=4)
    _, states = gibbs.sample(start, W, b, c, tf.random.Generator.from_seed(0), 12, record_every=4, record="states")
    assert probabilities.shape == states.shape == (3, 7, 5)
    assert set(np.unique(states.numpy())) <= {0.0, 1.0}
    assert len(np.unique(probabilities.numpy())) > 2
    # the same noise: each recorded state is a sample of the probabilities recorded beside it
    assert np.all(probabilities.numpy()[states.numpy() == 1] > 0)
    _, none_yet = gibbs.sample(start, W, b, c, tf.random.Generator.from_seed(0), 3, record_every=4)
    assert none_yet.shape == (0, 7, 5)
    shorter, _ = gibbs.sample(start, W, b, c, tf.random.Generator.from_seed(0), 8)
    np.testing.assert_array_equal(shorter.numpy(), states.numpy()[1])  # the first 8 sweeps of 12
    with pytest.raises(ValueError, match="'probabilities' or 'states'"):
        gibbs.sample(start, W, b, c, tf.random.Generator.from_seed(0), 3, record="samples")


# ------------------------------------------------------------------ the noise convention


@tf.function
def _reference_ais(W, b, c, base, betas, generator, n_runs):
    # The convention written out plainly: v_0 from the base rates, then per temperature the
    # weight, hidden noise (runs, n_h), visible noise (runs, n_v), all from one generator.
    v = tf.cast(generator.uniform([n_runs, tf.shape(W)[0]]) < tf.sigmoid(base), tf.float32)
    log_w = tf.zeros([n_runs])
    for k in tf.range(1, tf.shape(betas)[0]):
        beta, previous = betas[k], betas[k - 1]
        x = tf.matmul(v, W) + c
        log_w += ((beta - previous) * tf.linalg.matvec(v, b - base)
                  + tf.reduce_sum(tf.nn.softplus(beta * x) - tf.nn.softplus(previous * x), axis=1))
        h = tf.cast(generator.uniform([n_runs, tf.shape(W)[1]]) < tf.sigmoid(beta * x), tf.float32)
        logits = (1.0 - beta) * base + beta * (b + tf.matmul(h, W, transpose_b=True))
        v = tf.cast(generator.uniform([n_runs, tf.shape(W)[0]]) < tf.sigmoid(logits), tf.float32)
    return log_w


@tf.function
def _reference_raise(W, b, c, base, betas, generator, v):
    x = tf.matmul(v, W) + c
    log_w = tf.linalg.matvec(v, b) + tf.reduce_sum(tf.nn.softplus(x), axis=1)
    for step in tf.range(tf.shape(betas)[0] - 1, 0, -1):
        beta, lower = betas[step], betas[step - 1]
        h = tf.cast(generator.uniform(tf.shape(x)) < tf.sigmoid(beta * x), tf.float32)
        logits = (1.0 - beta) * base + beta * (b + tf.matmul(h, W, transpose_b=True))
        v = tf.cast(generator.uniform(tf.shape(v)) < tf.sigmoid(logits), tf.float32)
        x = tf.matmul(v, W) + c
        log_w -= ((beta - lower) * tf.linalg.matvec(v, b - base)
                  + tf.reduce_sum(tf.nn.softplus(beta * x) - tf.nn.softplus(lower * x), axis=1))
    return log_w


def _annealing_case():
    W, b, c = _random_rbm(40, 25, seed=5, scale=0.3)
    rbm = RBM(25, 40, seed=0)
    rbm.set_weights([W, b, c])
    base = np.random.default_rng(6).normal(0, 1, 40).astype(np.float32)
    return rbm, base, annealing.annealing_schedule(200)


def test_ais_follows_the_noise_convention_bit_for_bit():
    """The same seed gives the same log weights, to the last bit, as the convention written out plainly."""
    rbm, base, betas = _annealing_case()
    result = annealing.ais_log_partition(rbm, base, n_runs=30, betas=betas, seed=7)
    reference = _reference_ais(*map(tf.constant, (rbm.W.numpy(), rbm.b.numpy(), rbm.c.numpy(), base)),
                               tf.constant(betas, tf.float32), tf.random.Generator.from_seed(7), 30)
    np.testing.assert_array_equal(result.log_weights, reference.numpy().astype(np.float64))
    again = annealing.ais_log_partition(rbm, base, n_runs=30, betas=betas, seed=7)
    np.testing.assert_array_equal(again.log_weights, result.log_weights)
    other = annealing.ais_log_partition(rbm, base, n_runs=30, betas=betas, seed=8)
    assert not np.array_equal(other.log_weights, result.log_weights)


def test_raise_follows_the_noise_convention_bit_for_bit():
    rbm, base, betas = _annealing_case()
    v = (np.random.default_rng(9).random((6, 40)) < 0.3).astype(np.float32)
    result = annealing.reverse_ais_log_likelihood(rbm, v, base, n_runs=2, betas=betas, seed=3, batch_size=5)
    generator = tf.random.Generator.from_seed(3)
    weights = tf.constant(rbm.W.numpy()), tf.constant(rbm.b.numpy()), tf.constant(rbm.c.numpy())
    chains = np.repeat(v, 2, axis=0)
    reference = np.concatenate([
        _reference_raise(*weights, tf.constant(base), tf.constant(betas, tf.float32), generator,
                         tf.constant(chains[start:start + 5])).numpy() for start in range(0, 12, 5)])
    log_z_base = float(np.sum(np.logaddexp(0.0, base.astype(np.float64))) + 25 * np.log(2.0))
    np.testing.assert_array_equal(result.log_weights, (reference.astype(np.float64) - log_z_base).reshape(6, 2))


def test_an_rbms_chains_are_the_samplers_chains_from_its_seed():
    W, b, c = _random_rbm(8, 5, seed=10)
    rbm = RBM(5, 8, seed=4)
    rbm.set_weights([W, b, c])
    start = np.zeros((6, 8), np.float32)
    expected, _ = gibbs.sample(tf.constant(start), *map(tf.constant, (W, b, c)), tf.random.Generator.from_seed(4), 25)
    np.testing.assert_array_equal(rbm.gibbs_chain(start, steps=25).numpy(), expected.numpy())


def test_rbms_of_different_sizes_share_the_compiled_sampler():
    """The one compiled loop generalises over shapes: labelled RBMs of three sizes, one after another."""
    for n_x, n_h in ((6, 4), (9, 5), (12, 3)):
        rbm = LabelledRBM(n_h, 3, n_x + 3, seed=0)
        x, y = rbm.gibbs_with_labels(np.full((5, n_x), 0.5, np.float32), labels=[0, 1, 2, 1, 0], steps=5)
        assert x.shape == (5, n_x) and list(y) == [0, 1, 2, 1, 0]
        assert rbm.fantasy_digits(n=4, steps=3).shape == (4, n_x + 3)
