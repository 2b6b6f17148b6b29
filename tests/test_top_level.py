"""The labelled top-level RBM, proved on a machine small enough to enumerate."""

import numpy as np
import pytest
import tensorflow as tf

from dbn_course.rbm import train_rbm
from dbn_course.sampling import exact
from dbn_course.sampling.gibbs import categorical
from dbn_course.top_level import LabelledRBM

from .conftest import random_rbm

N_FEATURES, N_LABELS, N_HIDDEN = 3, 3, 4


def tiny_labelled_rbm(scale=1.0, seed=0):
    return random_rbm(N_FEATURES + N_LABELS, N_HIDDEN, seed=seed, scale=scale, number_label_units=N_LABELS)


def exact_joint(rbm):
    """p(x, y) for every binary x and every class y, by summing exp(-E) over every h."""
    xs = exact.all_binary_states(N_FEATURES)
    hs = exact.all_binary_states(N_HIDDEN)
    W, b, c = (np.asarray(t, np.float64) for t in (rbm.W, rbm.b, rbm.c))
    table = np.zeros((len(xs), N_LABELS))
    for i, x in enumerate(xs):
        for k in range(N_LABELS):
            v = np.concatenate([x, np.eye(N_LABELS)[k]])
            energies = -(v @ b) - hs @ c - (v @ W) @ hs.T
            table[i, k] = np.exp(-energies).sum()
    return xs, table / table.sum()


def test_label_posterior_from_free_energies_matches_enumeration():
    rbm = tiny_labelled_rbm()
    xs, joint = exact_joint(rbm)
    exact = joint / joint.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(rbm.label_probabilities(xs.astype(np.float32)).numpy(), exact, atol=1e-5)
    np.testing.assert_array_equal(rbm.predict_labels(xs.astype(np.float32)), exact.argmax(axis=1))


def test_label_free_energies_are_the_free_energies_of_the_joined_vectors():
    rbm = tiny_labelled_rbm(seed=3)
    x = np.random.default_rng(0).random((5, N_FEATURES)).astype(np.float32)
    per_label = rbm.label_free_energies(x, batch_size=2).numpy()
    for k in range(N_LABELS):
        np.testing.assert_allclose(per_label[:, k], rbm.free_energy(rbm.join(x, np.full(5, k))).numpy(), rtol=1e-5)


def test_label_units_are_softmax_and_their_samples_one_hot():
    rbm = tiny_labelled_rbm()
    h = tf.constant(exact.all_binary_states(N_HIDDEN), tf.float32)
    probabilities = rbm.reverse(h).numpy()
    np.testing.assert_allclose(probabilities[:, N_FEATURES:].sum(axis=1), 1.0, atol=1e-6)
    samples = rbm.sample_v(tf.repeat(h, 50, axis=0)).numpy()
    np.testing.assert_array_equal(samples[:, N_FEATURES:].sum(axis=1), 1.0)
    assert set(np.unique(samples)) <= {0.0, 1.0}


def test_categorical_draws_follow_their_probabilities():
    p = tf.constant([[0.1, 0.6, 0.3]] * 40_000)
    u = tf.random.stateless_uniform([40_000], seed=(1, 2))
    frequencies = categorical(u, p).numpy().mean(axis=0)
    np.testing.assert_allclose(frequencies, [0.1, 0.6, 0.3], atol=0.01)
    # Rounding in the cumulative sum never leaves a row without a class.
    edge = categorical(tf.constant([0.9999999]), tf.constant([[0.3, 0.3, 0.3999]])).numpy()
    assert edge.sum() == 1


def test_free_gibbs_sampling_reaches_the_joint_distribution():
    rbm = tiny_labelled_rbm(scale=0.8)
    xs, joint = exact_joint(rbm)
    x, y = rbm.gibbs_with_labels(np.full((20_000, N_FEATURES), 0.5, np.float32), labels=None, steps=30)
    index = x.numpy() @ (2 ** np.arange(N_FEATURES - 1, -1, -1)) * N_LABELS + y
    sampled = np.bincount(index.astype(int), minlength=joint.size) / len(y)
    # 24 states and 20,000 chains: the sampling error of the total variation is about 0.01.
    assert 0.5 * np.abs(sampled - joint.ravel()).sum() < 0.03


def test_clamped_gibbs_sampling_keeps_the_label_and_samples_its_class():
    rbm = tiny_labelled_rbm(scale=0.8)
    xs, joint = exact_joint(rbm)
    x, y, frames = rbm.gibbs_with_labels(np.full((20_000, N_FEATURES), 0.5, np.float32), labels=2, steps=30,
                                         record_every=10)
    assert (y == 2).all() and frames.shape == (3, 20_000, N_FEATURES)
    index = x.numpy() @ (2 ** np.arange(N_FEATURES - 1, -1, -1))
    sampled = np.bincount(index.astype(int), minlength=len(xs)) / len(y)
    exact = joint[:, 2] / joint[:, 2].sum()
    assert 0.5 * np.abs(sampled - exact).sum() < 0.03


def test_training_on_features_and_labels_learns_to_classify():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, N_LABELS, 3000)
    prototypes = np.eye(N_LABELS, N_FEATURES)
    features = (rng.random((3000, N_FEATURES)) < np.where(prototypes[labels] > 0, 0.9, 0.1)).astype(np.float32)
    rbm = LabelledRBM(8, number_label_units=N_LABELS, number_visible_units=N_FEATURES + N_LABELS, learning_rate=0.1,
                      seed=0)
    history = train_rbm(rbm, rbm.join(features, labels).numpy(), num_epochs=10, batch_size=20, progress=False, seed=0).history
    assert history["reconstruction_cost"][-1] < history["reconstruction_cost"][0]
    assert np.mean(rbm.predict_labels(features) == labels) > 0.8


@pytest.mark.parametrize("labels", [[0, 1], [0, 1, 3], [0.5, 1, 2], [-1, 0, 1]])
def test_bad_labels_are_rejected(labels):
    rbm = tiny_labelled_rbm()
    with pytest.raises(ValueError, match="labels"):
        rbm.join(np.zeros((3, N_FEATURES), np.float32), np.asarray(labels))


def test_bad_shapes_and_sizes_are_rejected():
    rbm = tiny_labelled_rbm()
    with pytest.raises(ValueError, match="features must have shape"):
        rbm.label_probabilities(np.zeros((2, N_FEATURES + 1), np.float32))
    with pytest.raises(ValueError, match="must lie in"):
        rbm.label_probabilities(np.full((2, N_FEATURES), 2.0, np.float32))
    with pytest.raises(ValueError, match="exceed"):
        LabelledRBM(4, number_label_units=10, number_visible_units=10)
    with pytest.raises(ValueError, match="number_label_units"):
        LabelledRBM(4, number_label_units=1)
