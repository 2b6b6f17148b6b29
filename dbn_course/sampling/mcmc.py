"""The course's block-Gibbs sweep as a TensorFlow Probability transition kernel (chapter 07).

TensorFlow Probability (TFP) runs Markov chains through drivers -- ``tfp.mcmc.sample_chain``,
``tfp.mcmc.sample_annealed_importance_chain`` -- that take any ``TransitionKernel``. This
module makes :func:`dbn_course.sampling.gibbs.sweep` one, so an RBM (or a DBN's labelled top level)
can be sampled and annealed by TFP's own tools; the maths stays the sweep's.

The kernel's state is the joint ``[v, h]`` of visible and hidden units, and the distribution it
leaves invariant is the RBM's Gibbs measure at inverse temperature beta on the path AIS
follows (chapter 07; Salakhutdinov and Murray 2008),

    log p*_beta(v, h) = (1 - beta) b_A^T v + beta (b^T v + c^T h + v^T W h),

from the base-rate model (visible biases b_A, hidden units free coins) at beta = 0 to the RBM,
log p*(v, h) = -E(v, h), at beta = 1. One step is a sweep: h ~ p_beta(h | v) =
sigmoid(beta (c + v W)), then v ~ p_beta(v | h) = sigmoid((1 - beta) b_A + beta (b + h W^T)),
and the new state is (v', h). TFP's annealing driver interpolates the two log-densities
linearly in beta, ``beta_k = (k + 1) / num_steps``; it is these functions of ``[v, h]``
(:func:`target_log_prob_fn`, :func:`base_rate_log_prob_fn`) whose interpolation is exactly
log p*_beta, so the sweep at beta_k is an exact Gibbs step of the distribution TFP weighs.

The course's own AIS (:mod:`dbn_course.sampling.annealing`) sums the hidden units out of its weights and
takes any schedule; TFP's driver weighs the joint state, on evenly spaced temperatures.

A Gibbs step is a Metropolis-Hastings step that is always accepted: the kernel is
:class:`UncalibratedBlockGibbs` inside ``tfp.mcmc.MetropolisHastings``, as TFP builds its own
kernels (:func:`block_gibbs_kernel`), with a log-acceptance correction that makes the
acceptance ratio one. Importing :mod:`dbn_course` does not import this module (nor TFP): a
chapter that uses it imports it.
"""

from __future__ import annotations

import collections
import warnings

import tensorflow as tf

with warnings.catch_warnings():
    # TFP checks TensorFlow's version with distutils and warns about NVIDIA GPUs' TensorFloat-32
    # on import: neither concerns the course, which runs float32 on a CPU.
    warnings.filterwarnings("ignore", message="distutils Version classes are deprecated", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message="TensorFloat-32 matmul/conv are enabled", category=UserWarning)
    import tensorflow_probability as tfp

    TransitionKernel = tfp.mcmc.TransitionKernel  # TFP loads lazily: its package runs (and warns) on first use

from dbn_course.sampling import annealing, gibbs

__all__ = ["BlockGibbsResults", "UncalibratedBlockGibbs", "base_rate_log_prob_fn", "block_gibbs_kernel",
           "initial_state", "target_log_prob_fn"]


def _parameters(rbm):
    return (tf.convert_to_tensor(rbm.W, tf.float32), tf.convert_to_tensor(rbm.b, tf.float32),
            tf.convert_to_tensor(rbm.c, tf.float32))


def target_log_prob_fn(rbm):
    """``f(v, h) = -E(v, h) = b^T v + c^T h + v^T W h``: the RBM's unnormalised joint log-density (log Z off)."""
    W, b, c = _parameters(rbm)

    def log_prob(v, h):
        return tf.linalg.matvec(v, b) + tf.linalg.matvec(h, c) + tf.reduce_sum(tf.matmul(v, W) * h, axis=-1)

    return log_prob


def base_rate_log_prob_fn(base_biases, number_hidden_units: int):
    """``f(v, h) = log p_A(v, h) = b_A^T v - sum_i softplus(b_A,i) - n_h log 2``, normalised.

    The base-rate model of :func:`dbn_course.sampling.annealing.base_rate_biases`, with its hidden units free
    coins, as :func:`dbn_course.sampling.annealing.ais_log_partition` starts from.
    """
    base = tf.convert_to_tensor(base_biases, tf.float32)
    log_z = annealing.base_rate_log_partition(base_biases, number_hidden_units)

    def log_prob(v, h):
        return tf.linalg.matvec(v, base) - log_z

    return log_prob


def initial_state(base_biases, number_hidden_units: int, n_chains: int, seed: int = 0):
    """``[v, h]`` drawn from the base-rate model: v_i ~ sigmoid(b_A,i), h_j ~ 1/2 -- AIS's starting states."""
    seed_v, seed_h = tfp.random.split_seed(seed)
    visible = tfp.distributions.Bernoulli(logits=tf.convert_to_tensor(base_biases, tf.float32), dtype=tf.float32)
    hidden = tfp.distributions.Bernoulli(probs=tf.fill([number_hidden_units], 0.5), dtype=tf.float32)
    return [visible.sample(n_chains, seed=seed_v), hidden.sample(n_chains, seed=seed_h)]


class BlockGibbsResults(collections.namedtuple(
        "BlockGibbsResults", ["target_log_prob", "log_acceptance_correction", "step", "seed"])):
    """What :class:`UncalibratedBlockGibbs` carries from one step to the next.

    Attributes:
        target_log_prob: the kernel's target log-density at the state, per chain.
        log_acceptance_correction: makes Metropolis-Hastings' acceptance ratio one.
        step: sweeps taken, per chain (MetropolisHastings chooses results chain by chain);
            under annealing, the next sweep is at beta = (step + 1) / num_steps.
        seed: the seed of the last sweep's noise.
    """

    __slots__ = ()


class UncalibratedBlockGibbs(TransitionKernel):
    """One block-Gibbs sweep of an RBM's ``[v, h]``, as a proposal: wrap it in ``tfp.mcmc.MetropolisHastings``.

    Args:
        target_log_prob_fn: the log-density of ``[v, h]`` the sweep leaves invariant: the RBM's
            (:func:`target_log_prob_fn`), or, under ``sample_annealed_importance_chain``, the
            interpolation TFP builds between it and :func:`base_rate_log_prob_fn`.
        rbm: the model whose sweep this is (``W``, ``b``, ``c``, ``number_label_units``).
        base_biases: b_A, for annealing (with ``num_steps``); ``None`` samples the RBM itself.
        num_steps: the annealing driver's ``num_steps``: sweep k is at beta = (k + 1) / num_steps,
            the inverse temperature of the interpolation TFP hands this kernel at that step.
        name: a name for the kernel's ops.
    """

    def __init__(self, target_log_prob_fn, rbm, base_biases=None, num_steps=None, name=None):
        if (base_biases is None) != (num_steps is None):
            raise ValueError("give base_biases and num_steps together (annealing), or neither (sampling the RBM)")
        number_label_units = int(getattr(rbm, "number_label_units", 0) or 0)
        if base_biases is not None and number_label_units:
            raise ValueError("annealing is built for an RBM without label units; sample a labelled top level at "
                             "beta = 1 (no base_biases)")
        self._parameters = dict(target_log_prob_fn=target_log_prob_fn, rbm=rbm, base_biases=base_biases,
                                num_steps=num_steps, name=name)
        self._W, self._b, self._c = _parameters(rbm)
        self._base = None if base_biases is None else tf.convert_to_tensor(base_biases, tf.float32)
        self._number_label_units = number_label_units

    @property
    def target_log_prob_fn(self):
        return self._parameters["target_log_prob_fn"]

    @property
    def parameters(self):
        return self._parameters

    @property
    def name(self):
        return self._parameters["name"]

    @property
    def is_calibrated(self) -> bool:
        return False  # a proposal: MetropolisHastings makes it a kernel

    def _beta(self, step):
        """Each chain's inverse temperature as a column, (chains, 1); ``None`` when sampling the RBM."""
        if self._base is None:
            return None
        return (tf.cast(step + 1, tf.float32) / tf.cast(self._parameters["num_steps"], tf.float32))[:, tf.newaxis]

    def one_step(self, current_state, previous_kernel_results, seed=None):
        """The sweep ``[v, h] -> [v', h']``: h' ~ p_beta(h | v), v' ~ p_beta(v | h')."""
        with tf.name_scope(self.name or "block_gibbs"):
            seed = tfp.random.sanitize_seed(seed)
            seed_h, seed_v = tfp.random.split_seed(seed)
            v, h = current_state
            noise_h = tf.random.stateless_uniform(tf.shape(h), seed_h)
            noise_v = tf.random.stateless_uniform(tf.shape(v), seed_v)
            x = tf.matmul(v, self._W) + self._c
            new_v, _, new_h = gibbs.sweep(x, noise_h, noise_v, self._W, self._b,
                                          number_label_units=self._number_label_units,
                                          beta=self._beta(previous_kernel_results.step), base=self._base)
            target = self.target_log_prob_fn(new_v, new_h)
            # A Gibbs proposal is always accepted: this cancels the target ratio MH computes.
            correction = -(target - previous_kernel_results.target_log_prob)
            return [new_v, new_h], BlockGibbsResults(target_log_prob=target, log_acceptance_correction=correction,
                                                     step=previous_kernel_results.step + 1, seed=seed)

    def bootstrap_results(self, init_state):
        v, h = init_state
        target = self.target_log_prob_fn(v, h)
        return BlockGibbsResults(target_log_prob=target, log_acceptance_correction=tf.zeros_like(target),
                                 step=tf.zeros_like(target, tf.int32), seed=tfp.random.sanitize_seed(0))


def block_gibbs_kernel(target_log_prob_fn, rbm, base_biases=None, num_steps=None):
    """``tfp.mcmc.MetropolisHastings(UncalibratedBlockGibbs(...))``: a TFP kernel that is one sweep.

    For ``tfp.mcmc.sample_chain`` give the RBM's :func:`target_log_prob_fn`; for
    ``tfp.mcmc.sample_annealed_importance_chain`` build it in ``make_kernel_fn`` from the
    interpolated function TFP passes, with ``base_biases`` and the driver's ``num_steps``.
    Every step is accepted (``is_accepted`` is always true).
    """
    return tfp.mcmc.MetropolisHastings(UncalibratedBlockGibbs(target_log_prob_fn, rbm, base_biases, num_steps))
