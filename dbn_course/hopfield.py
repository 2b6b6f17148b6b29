"""Hopfield networks: Hebbian memory and energy descent (chapter 02).

A Hopfield network (Hopfield 1982) has N binary units s_i in {-1, +1}, symmetric weights
W (w_ij = w_ji, w_ii = 0) and thresholds theta. Its energy is

    E(s) = -1/2 s^T W s + theta^T s.

The Hebbian rule stores P patterns xi^1 ... xi^P as W = (1/N) sum_mu xi^mu xi^mu^T with the
diagonal set to 0. Recall updates a unit to the sign of its local field h_i = (W s)_i - theta_i
(keeping its state when h_i = 0). Updating one unit at a time (asynchronously) never raises
E, so recall slides downhill to a fixed point: ideally the stored pattern nearest the
start. Updating all units at once (synchronously) can instead oscillate between two states.

For random patterns, recall keeps working up to about 0.138 N patterns (Amit, Gutfreund
and Sompolinsky 1985); correlated patterns, such as digits, interfere far sooner. The
projection (pseudo-inverse) rule W = Xi^T (Xi Xi^T)^+ Xi, with the diagonal set to 0,
makes every linearly independent pattern a fixed point however correlated the patterns
are (Personnaz, Guyon and Dreyfus 1985; Kanter and Sompolinsky 1987); it is not local
like Hebb's rule, since each weight depends on all the patterns at once.

Inputs may be given as {0, 1} or {-1, +1}; results are always in {-1, +1}.

References:
    J. J. Hopfield, "Neural networks and physical systems with emergent collective
    computational abilities", PNAS 79(8), 1982.
    D. J. Amit, H. Gutfreund and H. Sompolinsky, "Storing infinite numbers of patterns in a
    spin-glass model of neural networks", Physical Review Letters 55(14), 1985.
    L. Personnaz, I. Guyon and G. Dreyfus, "Information storage and retrieval in
    spin-glass like neural networks", Journal de Physique Lettres 46(8), 1985.
    I. Kanter and H. Sompolinsky, "Associative recall of memory without errors",
    Physical Review A 35(1), 1987.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf

from dbn_course.checks import check_int

RULES = ("async", "sync")
STORAGE_RULES = ("hebbian", "projection")


def to_spins(states, name: str = "states") -> np.ndarray:
    """``states`` as float32 spins in {-1, +1}; {0, 1} inputs are mapped by s = 2x - 1.

    Raises:
        ValueError: the values are not all in {0, 1} or all in {-1, +1}, or contain NaN.
    """
    values = np.asarray(states, dtype=np.float32)
    if values.size == 0:
        raise ValueError(f"{name} is empty")
    if np.isnan(values).any():
        raise ValueError(f"{name} contains NaN")
    present = set(np.unique(values).tolist())
    if present <= {0.0, 1.0} and not present <= {1.0}:
        return 2.0 * values - 1.0
    if present <= {-1.0, 1.0}:
        return values
    raise ValueError(f"{name} must be binary, all in {{0, 1}} or all in {{-1, +1}}; found values {sorted(present)[:5]}")


@dataclasses.dataclass
class RecallResult:
    """What :meth:`HopfieldNetwork.recall` returns.

    Attributes:
        states: the final states, (batch, N), in {-1, +1}.
        energies: E after 0, 1, ... sweeps, shape (batch, sweeps + 1).
        sweeps: the number of sweeps run.
        converged: for each state, whether it reached a fixed point within ``max_sweeps``.
        trajectory: the states after each sweep, (sweeps + 1, batch, N), if asked for.
    """

    states: np.ndarray
    energies: np.ndarray
    sweeps: int
    converged: np.ndarray
    trajectory: np.ndarray | None = None


class HopfieldNetwork:
    """A Hopfield network of ``n_units`` binary units with Hebbian storage.

    Args:
        n_units: N, the number of units.
        thresholds: theta, one per unit (default 0).
    """

    def __init__(self, n_units: int, thresholds=None):
        self.n_units = check_int("n_units", n_units, minimum=2)
        self.weights = np.zeros((self.n_units, self.n_units), np.float32)
        self.thresholds = np.zeros(self.n_units, np.float32)
        if thresholds is not None:
            thresholds = np.asarray(thresholds, np.float32)
            if thresholds.shape != (self.n_units,) or not np.isfinite(thresholds).all():
                raise ValueError(f"thresholds must be {self.n_units} finite numbers, got shape {thresholds.shape}")
            self.thresholds = thresholds
        self.patterns = np.zeros((0, self.n_units), np.float32)
        self._sweep = {rule: tf.function(getattr(self, f"_{rule}_sweep"), reduce_retracing=True) for rule in RULES}

    def _states(self, states, name="states") -> np.ndarray:
        spins = to_spins(states, name)
        spins = spins.reshape(1, -1) if spins.ndim == 1 else spins
        if spins.ndim != 2 or spins.shape[1] != self.n_units:
            raise ValueError(f"{name} must have {self.n_units} units per row, got shape {np.shape(states)}")
        return spins

    def store(self, patterns, rule: str = "hebbian") -> "HopfieldNetwork":
        """Set the weights from ``patterns`` (P, N), replacing any earlier memory.

        Args:
            patterns: the patterns, in {0, 1} or {-1, +1}.
            rule: ``"hebbian"``, W = (1/N) sum_mu xi^mu xi^mu^T, or ``"projection"``,
                W = Xi^T (Xi Xi^T)^+ Xi; either way w_ii = 0.
        """
        if rule not in STORAGE_RULES:
            raise ValueError(f"rule must be one of {STORAGE_RULES}, got {rule!r}")
        spins = self._states(patterns, "patterns").astype(np.float64)
        if rule == "hebbian":
            weights = spins.T @ spins / self.n_units
        else:
            weights = spins.T @ np.linalg.pinv(spins @ spins.T) @ spins
        np.fill_diagonal(weights, 0.0)
        self.patterns = spins.astype(np.float32)
        self.weights = weights.astype(np.float32)
        return self

    def energy(self, states) -> np.ndarray:
        """E(s) = -1/2 s^T W s + theta^T s, one value per row."""
        return self._energy(self._states(states))

    def _energy(self, s: np.ndarray) -> np.ndarray:
        """E for spins already checked (recall calls it after every sweep)."""
        return -0.5 * np.einsum("bi,ij,bj->b", s, self.weights, s) + s @ self.thresholds

    def overlaps(self, states) -> np.ndarray:
        """m_mu = (1/N) s^T xi^mu: 1 for a stored pattern, -1 for its inverse; (batch, P)."""
        return self._states(states) @ self.patterns.T / self.n_units

    # The two update rules, compiled; ties (a zero local field) keep the current state.

    def _sync_sweep(self, s, W, theta, order):
        field = tf.matmul(s, W) - theta
        return tf.where(field > 0, 1.0, tf.where(field < 0, -1.0, s))

    def _async_sweep(self, s, W, theta, order):
        units = tf.range(tf.shape(s)[1])
        for k in tf.range(tf.shape(order)[0]):
            i = order[k]
            field = tf.linalg.matvec(s, W[:, i]) - theta[i]
            column = tf.where(field > 0, 1.0, tf.where(field < 0, -1.0, s[:, i]))
            s = tf.where(tf.equal(units, i)[tf.newaxis, :], column[:, tf.newaxis], s)
        return s

    def recall(self, states, rule: str = "async", max_sweeps: int = 100, seed: int | None = None,
               keep_trajectory: bool = False) -> RecallResult:
        """Update ``states`` until nothing changes (a fixed point) or ``max_sweeps`` sweeps.

        Args:
            states: starting states, (batch, N) or (N,), in {0, 1} or {-1, +1}.
            rule: ``"async"`` -- units one at a time, in a fresh random order each sweep --
                or ``"sync"`` -- all units at once.
            max_sweeps: the most sweeps to run (one sweep updates every unit once).
            seed: seeds the update order of ``"async"``.
            keep_trajectory: also return the states after every sweep.
        """
        if rule not in RULES:
            raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
        check_int("max_sweeps", max_sweeps)
        s = tf.constant(self._states(states))
        W, theta = tf.constant(self.weights), tf.constant(self.thresholds)
        rng = np.random.default_rng(seed)
        energies = [self._energy(s.numpy())]
        trajectory = [s.numpy()] if keep_trajectory else None
        converged = np.zeros(s.shape[0], bool)
        sweeps = 0
        for sweeps in range(1, max_sweeps + 1):
            order = tf.constant(rng.permutation(self.n_units).astype(np.int32))
            new = self._sweep[rule](s, W, theta, order)
            unchanged = tf.reduce_all(tf.equal(new, s), axis=1).numpy()
            s = new
            energies.append(self._energy(s.numpy()))
            if keep_trajectory:
                trajectory.append(s.numpy())
            converged |= unchanged
            if unchanged.all():
                break
        return RecallResult(
            states=s.numpy(), energies=np.stack(energies, axis=1), sweeps=sweeps, converged=converged,
            trajectory=None if trajectory is None else np.stack(trajectory),
        )


def corrupt(patterns, fraction: float, seed: int | None = None) -> np.ndarray:
    """Flip a random ``fraction`` of each pattern's units (exactly round(fraction * N) of them)."""
    spins = to_spins(patterns, "patterns")
    spins = spins.reshape(1, -1) if spins.ndim == 1 else spins.copy()
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must lie in [0, 1], got {fraction}")
    rng = np.random.default_rng(seed)
    n_flip = int(round(fraction * spins.shape[1]))
    for row in spins:
        row[rng.choice(spins.shape[1], n_flip, replace=False)] *= -1
    return spins


def random_patterns(n_patterns: int, n_units: int, seed: int | None = None) -> np.ndarray:
    """Independent, unbiased random patterns in {-1, +1}: the case the 0.138 N capacity is for."""
    rng = np.random.default_rng(seed)
    return rng.choice(np.array([-1.0, 1.0], np.float32), size=(n_patterns, n_units))


def capacity_curve(n_units: int, loads, trials: int = 3, flip_fraction: float = 0.0, rule: str = "async",
                   success_overlap: float = 0.95, seed: int = 0) -> dict:
    """Recall quality of random patterns against the load alpha = P / N.

    For each load, ``trials`` networks each store round(alpha * N) random patterns; recall
    starts from every stored pattern (with ``flip_fraction`` of its units flipped) and runs
    to a fixed point. A recall succeeds when the final overlap with its pattern is at least
    ``success_overlap`` (at most 2.5% of units wrong at the default 0.95).

    Returns:
        ``{"loads": [...], "success": [...], "overlap": [...]}``: the fraction of successful
        recalls and the mean final overlap, per load.
    """
    rng = np.random.default_rng(seed)
    success, overlap = [], []
    for load in loads:
        n_patterns = max(1, int(round(load * n_units)))
        hits, overlaps = [], []
        for _ in range(trials):
            patterns = random_patterns(n_patterns, n_units, seed=int(rng.integers(2**31)))
            net = HopfieldNetwork(n_units).store(patterns)
            start = corrupt(patterns, flip_fraction, seed=int(rng.integers(2**31)))
            final = net.recall(start, rule=rule, max_sweeps=50, seed=int(rng.integers(2**31))).states
            m = np.einsum("pi,pi->p", final, patterns) / n_units
            hits.append(m >= success_overlap)
            overlaps.append(m)
        success.append(float(np.concatenate(hits).mean()))
        overlap.append(float(np.concatenate(overlaps).mean()))
    return {"loads": [float(a) for a in loads], "success": success, "overlap": overlap}
