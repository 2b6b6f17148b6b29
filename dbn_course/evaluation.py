"""How good is an RBM? Metrics computed once here and used by every chapter.

Symbols as in the course (notebook 00): visible units v (n_v of them), hidden units h
(n_h), weights W (n_v x n_h), visible biases b, hidden biases c,

    E(v, h) = -b^T v - c^T h - v^T W h,
    F(v)    = -b^T v - sum_j softplus(c_j + (v^T W)_j),
    p(v)    = exp(-F(v)) / Z,   Z = sum_v exp(-F(v)).

Functions take any object with the RBM's ``W``, ``b``, ``c``, ``forward`` and
``free_energy`` (a :class:`dbn_course.rbm.RBM`). The exact quantities enumerate every
state of the smaller layer, so they are for RBMs with at most :data:`MAX_ENUMERATED_UNITS`
units on one side; they exist to prove the approximations right on small cases.
"""

from __future__ import annotations

import itertools

import numpy as np
import tensorflow as tf

MAX_ENUMERATED_UNITS = 20


def binary_cross_entropy_from_logits(v, logits):
    """Mean over the batch of sum_i -[v_i log s_i + (1 - v_i) log(1 - s_i)], s = sigmoid(logits).

    Computed as ``softplus(l) - v * l``, which neither overflows nor takes log(0).
    """
    v = tf.convert_to_tensor(v, tf.float32)
    logits = tf.convert_to_tensor(logits, tf.float32)
    return tf.reduce_mean(tf.reduce_sum(tf.nn.softplus(logits) - v * logits, axis=-1))


def reconstruction_cost(rbm, v):
    """Cross-entropy between v and its mean-field reconstruction, in nats per example.

    The reconstruction is p(v = 1 | h = p(h | v)): up to the hidden probabilities and
    back down, with no sampling, so the cost is deterministic -- the book's
    ``reconstruction_cost``, with the sign that makes lower better.
    """
    v = tf.convert_to_tensor(v, tf.float32)
    logits = tf.matmul(rbm.forward(v), rbm.W, transpose_b=True) + rbm.b
    return binary_cross_entropy_from_logits(v, logits)


def pseudo_log_likelihood(rbm, v, seed=None, exact: bool = False):
    """Pseudo-log-likelihood sum_i log p(v_i | v_-i), averaged over the batch.

    For binary v, p(v_i | v_-i) = sigmoid(F(v with bit i flipped) - F(v)). With
    ``exact=True`` every bit is flipped in turn (n_v free energies per example);
    otherwise one random bit per example, times n_v -- an unbiased, much cheaper
    estimate (scikit-learn's ``BernoulliRBM.score_samples`` does the same).

    Args:
        rbm: the model.
        v: a batch of binary visible vectors, shape (n, n_v).
        seed: seed of the random bit choice (ignored when ``exact``).
        exact: flip every bit instead of one.
    """
    v = tf.convert_to_tensor(v, tf.float32)
    n_visible = v.shape[-1]
    free = rbm.free_energy(v)
    if exact:
        flips = tf.eye(n_visible, dtype=v.dtype)  # row i flips bit i
        terms = [
            tf.math.log_sigmoid(rbm.free_energy(v + flips[i] * (1.0 - 2.0 * v)) - free)
            for i in range(n_visible)
        ]
        return tf.reduce_mean(tf.add_n(terms))
    seed = (0, 0) if seed is None else ((int(seed), 0) if np.isscalar(seed) else seed)
    index = tf.random.stateless_uniform([tf.shape(v)[0]], seed=seed, maxval=n_visible, dtype=tf.int32)
    mask = tf.one_hot(index, n_visible, dtype=v.dtype)
    flipped = v + mask * (1.0 - 2.0 * v)
    return n_visible * tf.reduce_mean(tf.math.log_sigmoid(rbm.free_energy(flipped) - free))


def all_binary_states(n: int) -> np.ndarray:
    """Every vector of {0, 1}^n, one per row, in counting order (2^n rows)."""
    if not 0 <= n <= MAX_ENUMERATED_UNITS:
        raise ValueError(f"enumerating 2^{n} states is out of reach (at most 2^{MAX_ENUMERATED_UNITS})")
    return np.array(list(itertools.product((0.0, 1.0), repeat=n)), dtype=np.float64).reshape(-1, n)


def _softplus(x):
    return np.logaddexp(0.0, x)


def _logsumexp(x):
    top = np.max(x)
    return top + np.log(np.sum(np.exp(x - top)))


def _parameters(rbm):
    return (np.asarray(rbm.W, np.float64), np.asarray(rbm.b, np.float64), np.asarray(rbm.c, np.float64))


def free_energy_exact(rbm, v) -> np.ndarray:
    """F(v) in float64 NumPy, for the exact references."""
    W, b, c = _parameters(rbm)
    v = np.asarray(v, np.float64)
    return -v @ b - _softplus(v @ W + c).sum(axis=-1)


def log_partition_exact(rbm) -> float:
    """log Z by enumerating the smaller layer, in float64.

    Summing out the larger layer analytically: over h when n_h <= n_v,
    log Z = logsumexp_h [c^T h + sum_i softplus(b_i + (W h)_i)]; otherwise
    log Z = logsumexp_v [-F(v)].
    """
    W, b, c = _parameters(rbm)
    n_visible, n_hidden = W.shape
    if min(n_visible, n_hidden) > MAX_ENUMERATED_UNITS:
        raise ValueError(f"exact log Z needs a layer of at most {MAX_ENUMERATED_UNITS} units, "
                         f"got {n_visible} visible and {n_hidden} hidden")
    if n_hidden <= n_visible:
        h = all_binary_states(n_hidden)
        return float(_logsumexp(h @ c + _softplus(h @ W.T + b).sum(axis=1)))
    return float(_logsumexp(-free_energy_exact(rbm, all_binary_states(n_visible))))


def log_likelihood_exact(rbm, v) -> np.ndarray:
    """log p(v) = -F(v) - log Z for each row of v, in float64."""
    return -free_energy_exact(rbm, v) - log_partition_exact(rbm)
