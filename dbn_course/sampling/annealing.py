"""Annealed importance sampling of an RBM's log Z, from below (AIS) and from above (RAISE).

Symbols as in the course (notebook 00): visible units v (n_v of them), hidden units h
(n_h), weights W (n_v x n_h), visible biases b, hidden biases c,

    E(v, h) = -b^T v - c^T h - v^T W h,
    F(v)    = -b^T v - sum_j softplus(c_j + (v^T W)_j),
    p(v)    = exp(-F(v)) / Z,   Z = sum_v exp(-F(v)).

AIS (Neal 2001; Salakhutdinov and Murray 2008) anneals from a base-rate model p_A (the
visible biases b_A of :func:`base_rate_biases`, no weights) to the RBM through the
distributions p_beta, beta = 0 ... 1 (:func:`annealing_schedule`), carrying importance
weights; its estimate of Z is unbiased, so log Z is underestimated on average and the
test log-likelihood overestimated. RAISE (Burda, Grosse and Salakhutdinov 2015) anneals
from each test example down to p_A and estimates p(v) from above on average. The chains
are :func:`dbn_course.sampling.gibbs.anneal`'s.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf

from dbn_course.checks import check_int
from dbn_course.data.inputs import binary_batch
from dbn_course.sampling import gibbs


@dataclasses.dataclass(frozen=True)
class AISResult:
    """An AIS estimate of log Z.

    Attributes:
        log_z: log Z_A + log of the mean importance weight: the estimate.
        log_weights: log w of each run (the estimate of Z from run i is Z_A w_i).
        log_z_base: log Z_0 of the base-rate model (its hidden units included).
        n_betas: intermediate distributions, the endpoints included.
    """

    log_z: float
    log_weights: np.ndarray
    log_z_base: float
    n_betas: int

    @classmethod
    def from_log_weights(cls, log_weights, n_betas: int, log_z_base: float = 0.0) -> "AISResult":
        """The estimate from each run's log weight: log Z = log Z_0 + log of the mean weight.

        ``log_z_base`` is 0 when the weights already carry the base model's normaliser, as
        ``tfp.mcmc.sample_annealed_importance_chain``'s do with a normalised proposal.
        """
        log_weights = np.asarray(log_weights, np.float64)
        top = log_weights.max()
        log_z = log_z_base + float(top + np.log(np.mean(np.exp(log_weights - top))))
        return cls(log_z=log_z, log_weights=log_weights, log_z_base=log_z_base, n_betas=n_betas)

    @property
    def n_runs(self) -> int:
        return len(self.log_weights)

    @property
    def effective_sample_size(self) -> float:
        """(sum_i w_i)^2 / sum_i w_i^2: how many equally weighted runs the weights are worth (Kong 1992).

        It is ``n_runs`` when every run carries the same weight and near 1 when one run carries
        them all; then log Z rests on that one run and its error bars mean little.
        """
        weights = np.exp(self.log_weights - self.log_weights.max())
        return float(weights.sum() ** 2 / np.sum(weights ** 2))

    @property
    def standard_error(self) -> float:
        """The standard error of log Z, sd(w) / (sqrt(n_runs) mean(w)): the delta method's, in nats.

        It measures the spread of the runs only, not the bias a too-fast schedule leaves
        (:func:`settled_log_partition` checks that); it means little when
        :attr:`effective_sample_size` is near 1.
        """
        weights = np.exp(self.log_weights - self.log_weights.max())
        return float(weights.std(ddof=1) / (np.sqrt(len(weights)) * weights.mean())) if len(weights) > 1 else np.inf

    def interval(self, k: float = 3.0) -> tuple[float, float]:
        """log(Z_hat -/+ k standard errors of Z_hat), as Salakhutdinov & Murray (2008) report it.

        The lower end is -inf when k standard errors exceed the estimate itself.
        """
        weights = np.exp(self.log_weights - self.log_weights.max())
        mean = weights.mean()
        error = weights.std(ddof=1) / np.sqrt(len(weights)) if len(weights) > 1 else 0.0
        shift = self.log_z - np.log(mean)
        low = shift + np.log(mean - k * error) if mean > k * error else -np.inf
        return float(low), float(shift + np.log(mean + k * error))


def base_rate_biases(data, pseudo_count: float = 1.0) -> np.ndarray:
    """Visible biases of the base-rate model: b_A,i = log(p_i / (1 - p_i)), p_i the smoothed mean of pixel i.

    p_i = (sum of v_i + pseudo_count) / (n + 2 pseudo_count), so no pixel gets an infinite bias.
    """
    data = np.asarray(data)
    if data.ndim != 2 or len(data) == 0:
        raise ValueError(f"data must have shape (examples, visible units), got {data.shape}")
    if pseudo_count <= 0:
        raise ValueError(f"pseudo_count must be positive, got {pseudo_count}")
    # Summed in float64 without a float64 copy of the data (376 MB for binary MNIST).
    p = (data.sum(axis=0, dtype=np.float64) + pseudo_count) / (len(data) + 2 * pseudo_count)
    return np.log(p / (1 - p)).astype(np.float32)


def base_rate_log_partition(base_biases, number_hidden_units: int) -> float:
    """log Z_0 = sum_i softplus(b_A,i) + n_h log 2: the base-rate model with its hidden units free coins."""
    return float(np.sum(np.logaddexp(0.0, np.asarray(base_biases, np.float64))) + number_hidden_units * np.log(2.0))


def annealing_schedule(n_betas: int = 14_500) -> np.ndarray:
    """Inverse temperatures 0 = beta_0 < ... < beta_K = 1, denser near 1.

    Salakhutdinov & Murray (2008) used 500 steps of 0.001 up to 0.5, 4,000 of 0.0001 up
    to 0.9 and 10,000 of 0.00001 up to 1 (14,500 in all); other counts keep those
    proportions.
    """
    if n_betas < 4:
        raise ValueError(f"n_betas must be at least 4, got {n_betas}")
    parts = np.array([500, 4000, 10000]) * (n_betas - 1) / 14_500
    counts = np.maximum(1, np.round(parts).astype(int))
    counts[-1] = n_betas - 1 - counts[:-1].sum()
    edges = [0.0, 0.5, 0.9, 1.0]
    pieces = [np.linspace(edges[i], edges[i + 1], counts[i] + 1)[1:] for i in range(3)]
    return np.concatenate([[0.0], *pieces])


def _annealing(rbm, base_biases, betas):
    """What AIS and reverse AIS share: W, b, c and b_A as float32 tensors, the checked
    schedule (default :func:`annealing_schedule`) and log Z_0 of the base-rate model.

    At beta = 0 the hidden units are free coins, so Z_0 = Z_A 2^n_h.
    """
    W = tf.convert_to_tensor(rbm.W, tf.float32)
    b = tf.convert_to_tensor(rbm.b, tf.float32)
    c = tf.convert_to_tensor(rbm.c, tf.float32)
    base = tf.convert_to_tensor(base_biases, tf.float32)
    if base.shape != b.shape:
        raise ValueError(f"base_biases must have shape {tuple(b.shape)}, got {tuple(base.shape)}")
    betas = annealing_schedule() if betas is None else np.asarray(betas, np.float64)
    if betas.ndim != 1 or len(betas) < 2 or betas[0] != 0 or betas[-1] != 1 or np.any(np.diff(betas) <= 0):
        raise ValueError("betas must increase strictly from 0 to 1")
    log_z_base = base_rate_log_partition(base, W.shape[1])
    return W, b, c, base, betas, log_z_base


def ais_log_partition(rbm, base_biases, n_runs: int = 100, betas=None, seed: int = 0) -> AISResult:
    """Estimate log Z of a binary RBM by annealed importance sampling (Neal 2001; Salakhutdinov & Murray 2008).

    The chain anneals from the base-rate model p_A(v) = prod_i sigmoid(b_A,i)^v_i (1 - ...)^(1-v_i)
    (with n_h free hidden coins, so log Z_0 = sum_i softplus(b_A,i) + n_h log 2, exactly)
    to the RBM through

        log p*_beta(v) = (1 - beta) b_A^T v + beta b^T v + sum_j softplus(beta (c_j + (v W)_j)).

    Each run draws v_0 from p_A; at every beta_k it adds log p*_beta_k(v) - log p*_beta_{k-1}(v)
    to its log weight, then moves v by one Gibbs sweep that leaves p_beta_k invariant
    (h ~ sigmoid(beta (c + v W)), v ~ sigmoid((1 - beta) b_A + beta (b + W h))). The mean
    weight estimates Z_B / Z_A without bias, so its log underestimates log Z on average
    (Jensen's inequality) -- and then overstates the log-likelihood.

    Args:
        rbm: the model (``W``, ``b``, ``c``).
        base_biases: b_A, from :func:`base_rate_biases` of the training data.
        n_runs: independent annealing runs.
        betas: the schedule (default :func:`annealing_schedule` with 14,500 values).
        seed: seeds every sample.
    """
    W, b, c, base, betas, log_z_base = _annealing(rbm, base_biases, betas)
    n_runs = check_int("n_runs", n_runs)
    generator = tf.random.Generator.from_seed(seed)
    schedule = tf.constant(betas, tf.float32)
    v = gibbs.draw_bernoulli(generator, tf.broadcast_to(tf.sigmoid(base), [n_runs, W.shape[0]]))
    _, log_weights = gibbs.anneal(v, W, b, c, base, generator, schedule[1:], schedule[:-1], reverse=False)
    return AISResult.from_log_weights(log_weights.numpy(), n_betas=len(betas), log_z_base=log_z_base)


@dataclasses.dataclass(frozen=True)
class SettledAIS:
    """The AIS estimates :func:`settled_log_partition` made, slowest schedule last.

    Attributes:
        estimates: every :class:`AISResult` made, in order: more runs at the same
            temperatures, then more temperatures.
        settled: whether the last two agree within ``tolerance`` standard errors of the
            last, whose standard error is at most the target.
        tolerance: that many standard errors.
        target_standard_error: the most the last estimate's standard error may be.
    """

    estimates: tuple
    settled: bool
    tolerance: float
    target_standard_error: float

    @property
    def result(self) -> AISResult:
        """The estimate to use: the slowest schedule's."""
        return self.estimates[-1]

    @property
    def log_z(self) -> float:
        return self.result.log_z

    @property
    def standard_error(self) -> float:
        return self.result.standard_error

    @property
    def change(self) -> float:
        """log Z of the slowest schedule minus that of the last estimate with fewer temperatures (nan if none)."""
        faster = [e for e in self.estimates if e.n_betas < self.result.n_betas]
        return self.log_z - faster[-1].log_z if faster else float("nan")

    def table(self) -> list[dict]:
        """One row per estimate: temperatures, runs, log Z, its standard error, effective sample size."""
        return [{"betas": e.n_betas, "runs": e.n_runs, "log_z": e.log_z, "standard_error": e.standard_error,
                 "effective_sample_size": e.effective_sample_size} for e in self.estimates]


def settled_log_partition(rbm, base_biases, n_runs: int = 100, n_betas: int = 14_500, *, factor: int = 2,
                          target_standard_error: float = 0.1, tolerance: float = 2.0, max_runs: int = 6400,
                          max_betas: int = 1_000_000, seed: int = 0, progress=None) -> SettledAIS:
    """AIS made slower until its estimate of log Z stops moving: a protocol, not a guess at the schedule.

    AIS has two errors. Its spread over runs shrinks as 1/sqrt(runs) and is measured by
    :attr:`AISResult.standard_error`; its bias -- log Z too low when the schedule is too fast
    for the chains to follow -- is not measured by any one estimate. So: estimate log Z with
    ``n_runs`` runs of :func:`annealing_schedule` ``(n_betas)``, doubling the runs while the
    standard error is above ``target_standard_error``; then estimate again with ``factor``
    times the temperatures (as many runs, fresh seeds). The estimate has *settled* when the
    slower schedule moves log Z by less than ``tolerance`` of its standard errors and that
    standard error is at most the target; otherwise the schedule gets slower again, until
    the next one would pass ``max_betas`` (or the runs ``max_runs``): then ``settled`` is
    False and the figure should be reported as unsettled.

    Args:
        rbm, base_biases: as for :func:`ais_log_partition`.
        n_runs, n_betas: the first estimate's runs and temperatures.
        factor: how many times more temperatures each new estimate takes.
        target_standard_error, tolerance: the two conditions, in nats and in standard errors.
        max_runs, max_betas: the most work the protocol may spend on one estimate.
        seed: the first estimate's seed; each later one takes the next.
        progress: called with each new :class:`AISResult` (e.g. to print it), if given.

    Returns:
        A :class:`SettledAIS`; its :attr:`~SettledAIS.result` is the slowest estimate.
    """
    n_runs, n_betas, factor = check_int("n_runs", n_runs), check_int("n_betas", n_betas), check_int("factor", factor)
    max_runs, max_betas = check_int("max_runs", max_runs), check_int("max_betas", max_betas)
    if factor < 2:
        raise ValueError(f"factor must be at least 2 (each estimate slower than the last), got {factor}")
    if not target_standard_error > 0 or not tolerance > 0:
        raise ValueError("target_standard_error and tolerance must be positive")
    estimates = []

    def estimate(runs, betas):
        result = ais_log_partition(rbm, base_biases, n_runs=runs, betas=annealing_schedule(betas),
                                   seed=seed + len(estimates))
        estimates.append(result)
        if progress is not None:
            progress(result)
        return result

    current = estimate(n_runs, n_betas)
    while current.standard_error > target_standard_error and n_runs * 2 <= max_runs:
        n_runs *= 2
        current = estimate(n_runs, n_betas)
    settled = False
    while n_betas * factor <= max_betas:
        n_betas *= factor
        previous, current = current, estimate(n_runs, n_betas)
        while current.standard_error > target_standard_error and n_runs * 2 <= max_runs:
            n_runs *= 2
            current = estimate(n_runs, n_betas)
        settled = (abs(current.log_z - previous.log_z) < tolerance * current.standard_error
                   and current.standard_error <= target_standard_error)
        if settled:
            break
    return SettledAIS(estimates=tuple(estimates), settled=settled, tolerance=tolerance,
                      target_standard_error=target_standard_error)


def ais_log_likelihood(rbm, v, result: AISResult, batch_size: int = 1000) -> float:
    """Average log p(v) = -F(v) - log Z over the rows of binary ``v``, with log Z from AIS."""
    v = binary_batch(v, rbm.W.shape[0], why="the log-likelihood is that of binary images").numpy()
    free = [rbm.free_energy(v[i:i + batch_size]).numpy() for i in range(0, len(v), batch_size)]
    return float(-np.mean(np.concatenate(free)) - result.log_z)


@dataclasses.dataclass(frozen=True)
class ReverseAISResult:
    """A reverse-AIS (RAISE) estimate of log p(v) for each example.

    Attributes:
        log_weights: log w of each example's runs, shape (examples, runs); the mean of
            w over runs estimates p_ann(v) without bias.
        n_betas: intermediate distributions, the endpoints included.
    """

    log_weights: np.ndarray
    n_betas: int

    @property
    def n_runs(self) -> int:
        return self.log_weights.shape[1]

    @property
    def log_probabilities(self) -> np.ndarray:
        """log of each example's mean weight: a stochastic lower bound on log p_ann(v)."""
        top = self.log_weights.max(axis=1, keepdims=True)
        return (top + np.log(np.mean(np.exp(self.log_weights - top), axis=1, keepdims=True)))[:, 0]

    @property
    def mean_log_likelihood(self) -> float:
        """The average of :attr:`log_probabilities` over the examples."""
        return float(np.mean(self.log_probabilities))

    def standard_error(self) -> float:
        """Standard error of :attr:`mean_log_likelihood` over the examples (their spread, not the bias)."""
        values = self.log_probabilities
        return float(np.std(values, ddof=1) / np.sqrt(len(values))) if len(values) > 1 else 0.0


def reverse_ais_log_likelihood(rbm, v, base_biases, n_runs: int = 1, betas=None, seed: int = 0,
                               batch_size: int = 1000) -> ReverseAISResult:
    """Estimate log p(v) from below by reverse annealing, RAISE (Burda, Grosse & Salakhutdinov, 2015).

    AIS (:func:`ais_log_partition`) runs the annealing chain forward, from the base-rate
    model to the RBM: its log Z is too small on average, and the log-likelihood it implies
    too large. RAISE runs the same chain backwards, starting from the test example itself.
    Read forward, the annealing chain is a directed generative model of its own: draw
    v_0 ~ p_A, then v_k ~ T_k(. | v_{k-1}) for k = 1 .. K, where T_k is the Gibbs sweep that
    leaves p*_beta_k invariant (as in AIS). Its last state has some distribution p_ann(v),
    which tends to the RBM's p(v) as the schedule gets finer. The reverse chain starts at
    v_K = v and draws v_{k-1} ~ T_k(. | v_k) for k = K .. 1 (a Gibbs sweep is its own reversal).
    With f_k = p*_beta_k, f_0 = Z_0 p_A and f_K = exp(-F), the importance weight

        w = f_K(v) / Z_0 * prod_{k=0}^{K-1} f_k(v_k) / f_{k+1}(v_k)

    has E[w] = p_ann(v) exactly, so the log of the mean over runs is a stochastic lower
    bound on log p_ann(v) (Jensen's inequality). No partition function is needed: Z_0 is
    the base-rate model's. Set beside AIS, which errs high, it brackets the log-likelihood
    as long as p_ann is close to p; Burda et al. found the two estimates close for RBMs
    annealed as slowly as AIS needs.

    Args:
        rbm: the model (``W``, ``b``, ``c``).
        v: binary examples, shape (examples, n_v): usually a subset of the test set.
        base_biases: b_A, from :func:`base_rate_biases` of the training data (as for AIS).
        n_runs: reverse chains per example.
        betas: the schedule (default :func:`annealing_schedule` with 14,500 values).
        seed: seeds every sample.
        batch_size: chains run together (examples x runs are split into batches of this many).
    """
    W, b, c, base, betas, log_z_base = _annealing(rbm, base_biases, betas)
    v = binary_batch(v, W.shape[0], why="RAISE estimates the probability of binary examples").numpy()
    n_runs, batch_size = check_int("n_runs", n_runs), check_int("batch_size", batch_size)
    chains = np.repeat(v.astype(np.float32), n_runs, axis=0)  # example i's runs are rows i*n_runs ...
    generator = tf.random.Generator.from_seed(seed)
    schedule = tf.constant(betas, tf.float32)
    sweeps, lower = schedule[:0:-1], schedule[-2::-1]  # the sweep T_k at beta_k makes v_{k-1}, k = K .. 1
    log_weights = []
    for start in range(0, len(chains), batch_size):
        block = tf.constant(chains[start:start + batch_size])
        log_weights.append(gibbs.anneal(block, W, b, c, base, generator, sweeps, lower, reverse=True)[1].numpy())
    log_weights = np.concatenate(log_weights).astype(np.float64) - log_z_base
    return ReverseAISResult(log_weights=log_weights.reshape(len(v), n_runs), n_betas=len(betas))
