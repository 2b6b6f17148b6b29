"""Exact quantities of a small RBM, by enumerating every state of its smaller layer.

Symbols as in the course (notebook 00): visible units v (n_v of them), hidden units h
(n_h), weights W (n_v x n_h), visible biases b, hidden biases c,

    E(v, h) = -b^T v - c^T h - v^T W h,
    F(v)    = -b^T v - sum_j softplus(c_j + (v^T W)_j),
    p(v)    = exp(-F(v)) / Z,   Z = sum_v exp(-F(v)).

Functions take any object with the RBM's ``W``, ``b`` and ``c`` (a
:class:`dbn_course.rbm.RBM`). They enumerate 2^n states, so they are for RBMs with at
most :data:`MAX_ENUMERATED_UNITS` units on one side; they exist to prove the
approximations (:mod:`dbn_course.sampling.annealing`, the samplers) right on small cases.
"""

from __future__ import annotations

import itertools

import numpy as np

MAX_ENUMERATED_UNITS = 20


def all_binary_states(n: int) -> np.ndarray:
    """Every vector of {0, 1}^n, one per row, in counting order (2^n rows)."""
    if not 0 <= n <= MAX_ENUMERATED_UNITS:
        raise ValueError(f"enumerating 2^{n} states is out of reach (at most 2^{MAX_ENUMERATED_UNITS})")
    return np.array(list(itertools.product((0.0, 1.0), repeat=n)), dtype=np.float64).reshape(-1, n)


def state_index(states) -> np.ndarray:
    """The counting-order index of each binary state, one per row: the row of :func:`all_binary_states` it is.

    The first unit is the highest bit: (0, 1, 1) is state 3.
    """
    states = np.asarray(states)
    states = states.reshape(1, -1) if states.ndim == 1 else states
    if states.ndim != 2 or not np.isin(states, (0, 1)).all():
        raise ValueError(f"states must be rows of 0s and 1s, got shape {np.shape(states)}")
    if states.shape[1] > MAX_ENUMERATED_UNITS:
        raise ValueError(f"states of {states.shape[1]} units have 2^{states.shape[1]} indices: at most "
                         f"{MAX_ENUMERATED_UNITS} units are enumerated")
    return states.astype(np.int64) @ (1 << np.arange(states.shape[1] - 1, -1, -1))


def empirical_distribution(states) -> np.ndarray:
    """The frequency of each of the 2^n states among the rows of ``states``, in counting order."""
    states = np.asarray(states)
    counts = np.bincount(state_index(states), minlength=2 ** states.reshape(len(states), -1).shape[1])
    return counts / counts.sum()


def total_variation(p, q) -> float:
    """Total-variation distance ``1/2 sum_k |p_k - q_k|`` between two distributions."""
    p, q = np.asarray(p, np.float64), np.asarray(q, np.float64)
    if p.shape != q.shape:
        raise ValueError(f"distributions of different sizes: {p.shape} and {q.shape}")
    return 0.5 * float(np.abs(p - q).sum())


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
    # In blocks of states: 2^16 hidden states of an MNIST RBM would otherwise make two
    # 65,536 x 784 float64 arrays (800 MB) at once.
    if n_hidden <= n_visible:
        h = all_binary_states(n_hidden)
        terms = [block @ c + _softplus(block @ W.T + b).sum(axis=1) for block in _blocks(h)]
    else:
        terms = [-free_energy_exact(rbm, block) for block in _blocks(all_binary_states(n_visible))]
    return float(_logsumexp(np.concatenate(terms)))


def _blocks(states: np.ndarray, size: int = 4096):
    return (states[i:i + size] for i in range(0, len(states), size))


def log_likelihood_exact(rbm, v) -> np.ndarray:
    """log p(v) = -F(v) - log Z for each row of v, in float64."""
    return -free_energy_exact(rbm, v) - log_partition_exact(rbm)
