"""Parallel tempering for PCD (chapter 07): the ladder of inverse temperatures and the swap between levels.

The tempered distributions of an RBM with weights W, visible biases b, hidden biases c are

    p_beta(v, h) proportional to exp(b^T v + beta G(v, h)),    G(v, h) = h^T (c + v W),

1 = beta_1 > ... > beta_T >= 0 (Desjardins et al. 2010; Cho, Raiko and Ilin 2010): the
couplings and hidden biases tempered, flatter and easier to cross as beta falls. The
trainer (:class:`dbn_course.training.cd.CDTrainer`) sweeps every level with
:func:`dbn_course.sampling.gibbs.sweep`; :func:`swap_neighbours` then exchanges states between levels.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from dbn_course.checks import check_int

__all__ = ["swap_neighbours", "tempering_betas"]


def tempering_betas(temperatures) -> np.ndarray:
    """The inverse temperatures of parallel tempering, from 1 down, as float32.

    ``temperatures`` is their number -- evenly spaced from 1 to 0 -- or the inverse
    temperatures themselves: a sequence starting at 1 and falling strictly, none below 0.
    Neighbours must be close enough for swaps to be accepted; the trainer's
    ``swap_acceptance`` tells.
    """
    if isinstance(temperatures, (int, np.integer)) and not isinstance(temperatures, bool):
        count = check_int("temperatures", temperatures)
        return np.linspace(1.0, 0.0, count, dtype=np.float32) if count > 1 else np.ones(1, np.float32)
    try:
        betas = np.asarray(temperatures, np.float64)
    except (TypeError, ValueError):
        betas = np.zeros(0)
    if (betas.ndim != 1 or len(betas) == 0 or betas[0] != 1.0 or np.any(np.diff(betas) >= 0)
            or betas[-1] < 0):
        raise ValueError(f"temperatures must be a number of inverse temperatures or the inverse temperatures "
                         f"themselves, from 1 falling strictly to no less than 0 (e.g. (1.0, 0.9, 0.8)); "
                         f"got {temperatures!r}")
    return betas.astype(np.float32)


def swap_neighbours(betas, v, h, x, noise, parity):
    """Propose to swap the joint states of neighbouring levels; return the states after and the tallies.

    Levels m and m + 1 (beta_m > beta_m+1) swap (v, h) with probability
    min(1, exp((beta_m - beta_m+1)(G_m+1 - G_m))), which leaves every level's p_beta unchanged;
    the pairs (m, m + 1) with m % 2 == ``parity`` are proposed, so no level is in two pairs.

    Args:
        betas: the T inverse temperatures, a float32 tensor.
        v, h, x: each chain's visible state, hidden state and hidden input c + v W, level after
            level (T x B rows).
        noise: uniform noise, (T - 1) x B values, one per possible swap.
        parity: 0 or 1, which pairs are proposed.

    Returns:
        ``(v, x, proposed, accepted)``: the states after the swaps (h is not needed again: the
        next sweep draws it from x), and per pair the swaps proposed and accepted.
    """
    levels = betas.shape[0]
    chains = v.shape[0] // levels
    coupling = tf.reshape(tf.reduce_sum(h * x, axis=1), [levels, chains])  # G of each chain
    log_accept = (betas[:-1] - betas[1:])[:, tf.newaxis] * (coupling[1:] - coupling[:-1])
    active = tf.range(levels - 1) % 2 == parity
    accept = tf.logical_and(active[:, tf.newaxis], tf.math.log(tf.reshape(noise, [levels - 1, chains])) < log_accept)
    no = tf.zeros([1, chains], tf.bool)
    with_next = tf.concat([accept, no], 0)[:, :, tf.newaxis]  # level m takes level m + 1's state
    with_previous = tf.concat([no, accept], 0)[:, :, tf.newaxis]  # level m takes level m - 1's
    width = v.shape[1]
    states = tf.reshape(tf.concat([v, x], axis=1), [levels, chains, -1])
    states = tf.where(with_next, tf.roll(states, -1, axis=0),
                      tf.where(with_previous, tf.roll(states, 1, axis=0), states))
    states = tf.reshape(states, [levels * chains, -1])
    proposed = tf.cast(active, tf.float32) * chains
    return states[:, :width], states[:, width:], proposed, tf.reduce_sum(tf.cast(accept, tf.float32), axis=1)
