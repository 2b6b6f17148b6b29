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

import dataclasses
import itertools

import numpy as np
import tensorflow as tf

from . import gibbs
from .inputs import binary_batch
from .validation import check_int

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
    v = binary_batch(v, rbm.W.shape[0], why="the pseudo-likelihood is a probability of binary vectors")
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


# ----------------------------------------------------------------------- annealed importance sampling


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

    @property
    def n_runs(self) -> int:
        return len(self.log_weights)

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
    log_z_base = float(np.sum(np.logaddexp(0.0, np.asarray(base, np.float64))) + W.shape[1] * np.log(2.0))
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
    log_weights = log_weights.numpy().astype(np.float64)
    top = log_weights.max()
    log_z = log_z_base + float(top + np.log(np.mean(np.exp(log_weights - top))))
    return AISResult(log_z=log_z, log_weights=log_weights, log_z_base=log_z_base, n_betas=len(betas))


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


# ----------------------------------------------------------------------- generated digits


@dataclasses.dataclass
class SampleReading:
    """How a classifier reads class-conditional samples (see :func:`conditional_sample_accuracy`).

    Attributes:
        accuracy_pct: the share of digits read as the class clamped when they were made.
        per_class_pct: that share for each class.
        mean_ink: the mean pixel probability of the digits (faint or blank ones lower it).
        labels, predicted: the clamped classes and what the classifier read.
    """

    accuracy_pct: float
    per_class_pct: list
    mean_ink: float
    labels: np.ndarray
    predicted: np.ndarray


def conditional_sample_accuracy(dbn, classify, per_class: int = 100, gibbs_steps: int = 1000,
                                number_classes: int = 10) -> SampleReading:
    """Generate ``per_class`` digits of every class and ask ``classify`` what they are.

    A generative model of labelled digits should make digits that a good classifier reads
    as the class that was clamped; the share that are is a crude but telling measure of
    its class-conditional distributions (it says nothing about their variety).

    Args:
        dbn: a labelled :class:`~dbn_course.dbn.DBN`.
        classify: maps (n, 784) pixel probabilities to integer labels, e.g.
            :func:`dbn_course.pretrained.classify`.
        per_class: digits per class.
        gibbs_steps: Gibbs sweeps at the top before the down pass.
        number_classes: the classes 0 .. number_classes - 1.
    """
    wanted = np.repeat(np.arange(number_classes), per_class)
    images, _ = dbn.generate(labels=wanted, gibbs_steps=gibbs_steps)
    predicted = np.asarray(classify(images))
    per_class_pct = [100.0 * float(np.mean(predicted[wanted == k] == k)) for k in range(number_classes)]
    return SampleReading(accuracy_pct=100.0 * float(np.mean(predicted == wanted)), per_class_pct=per_class_pct,
                         mean_ink=float(np.mean(images)), labels=wanted, predicted=predicted)
