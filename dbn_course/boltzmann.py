"""A small, fully connected Boltzmann machine, sampled exactly and by Gibbs sampling (chapter 02).

N stochastic binary units s_i in {0, 1} with symmetric weights W (w_ii = 0) and biases b
have the energy and, at temperature T, the Gibbs measure

    E(s) = -1/2 s^T W s - b^T s,       p_T(s) = exp(-E(s) / T) / Z_T,
    Z_T  = sum_s exp(-E(s) / T).

For N up to about 16 the 2^N states can be enumerated, so p_T is exact. Gibbs sampling
draws from it without Z: unit i turns on with probability
``p(s_i = 1 | s_-i) = sigmoid(((W s)_i + b_i) / T)``. Every unit is connected to every other,
so units must be updated one after another (sequential Gibbs), whereas in an RBM a whole
layer is sampled at once (block Gibbs). High temperature flattens p_T towards uniform; low
temperature concentrates it on the lowest energies, and the sampler then mixes slowly.

Reference:
    D. H. Ackley, G. E. Hinton and T. J. Sejnowski, "A learning algorithm for Boltzmann
    machines", Cognitive Science 9(1), 1985.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from dbn_course.checks import check_float, check_int
from dbn_course.sampling.exact import all_binary_states, empirical_distribution, state_index

MAX_EXACT_UNITS = 16


def _check_temperature(temperature) -> float:
    return check_float("temperature", temperature, 0.0, low_open=True)


class BoltzmannMachine:
    """A fully connected Boltzmann machine with binary units.

    Args:
        weights: W, symmetric (N, N) with a zero diagonal.
        biases: b, (N,); default 0.
        temperature: T > 0, the default for sampling and for the exact distribution.
    """

    def __init__(self, weights, biases=None, temperature: float = 1.0):
        W = np.asarray(weights, np.float32)
        if W.ndim != 2 or W.shape[0] != W.shape[1] or W.shape[0] < 1:
            raise ValueError(f"weights must be a square matrix, got shape {W.shape}")
        if not np.isfinite(W).all():
            raise ValueError("weights must be finite")
        if not np.allclose(W, W.T):
            raise ValueError("weights must be symmetric (w_ij = w_ji)")
        if np.any(np.diag(W) != 0):
            raise ValueError("weights must have a zero diagonal (no unit is connected to itself)")
        self.n_units = W.shape[0]
        b = np.zeros(self.n_units, np.float32) if biases is None else np.asarray(biases, np.float32)
        if b.shape != (self.n_units,) or not np.isfinite(b).all():
            raise ValueError(f"biases must be {self.n_units} finite numbers, got shape {b.shape}")
        self.weights, self.biases = W, b
        self.temperature = _check_temperature(temperature)
        self._sweeps = tf.function(self._run_sweeps, reduce_retracing=True)

    @classmethod
    def random(cls, n_units: int, scale: float = 1.0, seed: int | None = None, temperature: float = 1.0):
        """A machine with weights and biases drawn from N(0, scale^2) (symmetrised, zero diagonal)."""
        rng = np.random.default_rng(seed)
        upper = np.triu(rng.normal(0.0, scale, (n_units, n_units)), k=1)
        return cls(upper + upper.T, rng.normal(0.0, scale, n_units), temperature)

    @classmethod
    def two_valleys(cls, n_units: int, coupling: float = 0.6, tilt: float = 0.2, temperature: float = 1.0):
        """A machine whose energy has two valleys, all units off and all units on, with a ridge between them.

        Every pair is joined by w_ij = ``coupling`` and every bias is b_i = -(N - 1) w / 2 + ``tilt``, so
        E(0) = 0, E(1) = -N tilt, and a state with k units on has E = k (N - k) w / 2 - k tilt: highest
        near k = N / 2. A chain must cross that ridge to move between the valleys, one unit at a time;
        at low temperature it rarely does.
        """
        n_units = check_int("n_units", n_units, minimum=2)
        coupling = check_float("coupling", coupling, 0.0, low_open=True)
        tilt = check_float("tilt", tilt, -math.inf)
        weights = coupling * (np.ones((n_units, n_units)) - np.eye(n_units))
        return cls(weights, np.full(n_units, -(n_units - 1) * coupling / 2 + tilt), temperature)

    def _states(self, states) -> np.ndarray:
        s = np.asarray(states, np.float32)
        s = s.reshape(1, -1) if s.ndim == 1 else s
        if s.ndim != 2 or s.shape[1] != self.n_units:
            raise ValueError(f"states must have {self.n_units} units per row, got shape {np.shape(states)}")
        if not np.isin(s, (0.0, 1.0)).all():
            raise ValueError("states must be binary, in {0, 1}")
        return s

    def energy(self, states) -> np.ndarray:
        """E(s) = -1/2 s^T W s - b^T s, one value per row."""
        s = self._states(states).astype(np.float64)
        return -0.5 * np.einsum("bi,ij,bj->b", s, self.weights, s) - s @ self.biases

    def exact_distribution(self, temperature: float | None = None) -> np.ndarray:
        """p_T(s) for all 2^N states, in counting order (state k has the bits of k, first unit highest)."""
        if self.n_units > MAX_EXACT_UNITS:
            raise ValueError(f"the exact distribution enumerates 2^N states: N must be at most {MAX_EXACT_UNITS}")
        T = self.temperature if temperature is None else _check_temperature(temperature)
        logits = -self.energy(all_binary_states(self.n_units)) / T
        logits -= logits.max()
        p = np.exp(logits)
        return p / p.sum()

    def _run_sweeps(self, s, noise, inverse_temperature, trace: bool):
        W = tf.constant(self.weights)
        b = tf.constant(self.biases)
        units = tf.range(self.n_units)
        sweeps = tf.shape(noise)[0]
        states = tf.TensorArray(tf.float32, size=sweeps if trace else 0)
        for t in tf.range(sweeps):
            for i in tf.range(self.n_units):
                field = (tf.linalg.matvec(s, W[:, i]) + b[i]) * inverse_temperature
                new = tf.cast(noise[t, :, i] < tf.sigmoid(field), tf.float32)
                s = tf.where(tf.equal(units, i)[tf.newaxis, :], new[:, tf.newaxis], s)
            if trace:
                states = states.write(t, s)
        return states.stack() if trace else s

    def sample(self, n_chains: int, n_sweeps: int, temperature: float | None = None, seed: int | None = None,
               start=None, trace: bool = False) -> np.ndarray:
        """Run ``n_chains`` independent sequential-Gibbs chains for ``n_sweeps`` sweeps; return their states.

        One sweep visits every unit once, in order, drawing s_i from ``p(s_i | s_-i)``. Chains
        start from ``start`` or from uniformly random states. With ``trace=True`` it returns
        the state after every sweep, shape (n_sweeps, n_chains, N), for mixing diagnostics
        (chapter 02); the last of them are the states ``trace=False`` returns.
        """
        check_int("n_chains", n_chains)
        check_int("n_sweeps", n_sweeps)
        T = self.temperature if temperature is None else _check_temperature(temperature)
        rng = np.random.default_rng(seed)
        s = (rng.random((n_chains, self.n_units)) < 0.5).astype(np.float32) if start is None \
            else self._states(start)
        noise = rng.random((n_sweeps, len(s), self.n_units), dtype=np.float32)
        if not isinstance(trace, bool):
            raise ValueError(f"trace must be True or False, got {trace!r}")
        return self._sweeps(tf.constant(s), tf.constant(noise), tf.constant(1.0 / T, tf.float32), trace).numpy()

    def state_index(self, states) -> np.ndarray:
        """The counting-order index of each state (the row of :meth:`exact_distribution`)."""
        return state_index(self._states(states))

    def empirical_distribution(self, states) -> np.ndarray:
        """The frequency of each of the 2^N states among ``states``."""
        return empirical_distribution(self._states(states))
