"""The Restricted Boltzmann Machine, as a Keras layer (chapter 03).

A Bernoulli-Bernoulli RBM has binary visible units v (n_v of them) and binary hidden
units h (n_h), with weights W (n_v x n_h), visible biases b and hidden biases c. Its
energy, the Gibbs measure it defines, and the free energy of a visible vector are

    E(v, h) = -b^T v - c^T h - v^T W h
    p(v, h) = exp(-E(v, h)) / Z,          Z = sum_{v,h} exp(-E(v, h))
    F(v)    = -log sum_h exp(-E(v, h)) = -b^T v - sum_j softplus(c_j + (v^T W)_j)
    p(v)    = exp(-F(v)) / Z.

No unit is connected to another of its own layer, so given one layer the units of the
other are independent:

    p(h_j = 1 | v) = sigmoid(c_j + (v^T W)_j),   p(v_i = 1 | h) = sigmoid(b_i + (W h)_i),

and a Gibbs sweep samples a whole layer at once (block Gibbs sampling).

The gradient of the average log-likelihood is a difference of two expectations,

    d<log p(v)>_data / dW = <v h^T>_data - <v h^T>_model,

and contrastive divergence (CD-k; Hinton 2002) replaces the model's expectation by
samples after k Gibbs steps started at the data; persistent CD (PCD; Tieleman 2008)
keeps those chains running from one update to the next. Equivalently, CD descends
L = <F(v)>_data - <F(v_k)>_samples with the samples held fixed, which is how the book
computes it with ``tf.GradientTape``; :meth:`RBM.free_energy_gradients` and
:meth:`RBM.cd_statistics` give that gradient both ways.

The module reads top to bottom: the layer (:class:`RBM`: its weights, conditionals,
sampling and energies), then its training step -- the settings (:class:`CDSettings`), the
gradient from sufficient statistics (:func:`cd_gradients`), the negative phase's Gibbs
sweeps (:func:`negative_phase`) and one CD-k / PCD-k step on a minibatch
(:func:`cd_step`), whose update is W <- W - learning_rate * dW. What is composed around
the step -- the epoch loop, blocks of minibatches compiled with XLA, momentum and weight
decay, fast weights and parallel tempering -- lives in :mod:`dbn_course.training.cd`,
where ``train_rbm`` is; the layer's ``cd_update`` and ``fit`` hand their work to it.

References:
    G. E. Hinton, "Training products of experts by minimizing contrastive divergence",
    Neural Computation 14(8), 2002.
    T. Tieleman, "Training restricted Boltzmann machines using approximations to the
    likelihood gradient", ICML 2008.
    G. E. Hinton, "A practical guide to training restricted Boltzmann machines",
    UTML TR 2010-003, 2010.
"""

from __future__ import annotations

import importlib
import types
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from dbn_course import evaluation
from dbn_course.checks import (
    FiniteGuard,
    TrainingDivergedError,
    check_float,
    check_int,
    check_unit_interval,
    is_symbolic,
)
from dbn_course.data.inputs import cast_visible, visible_batch
from dbn_course.sampling import gibbs
from dbn_course.sampling.tempering import tempering_betas

__all__ = ["CDSettings", "RBM", "TrainingDivergedError", "TrainingMethod", "cd_gradients", "cd_step",  # noqa: F822
           "linear_decay", "negative_phase", "train_rbm"]


class TrainingMethod:
    """A method of a model whose work is the training code's: ``dbn_course.training.<module>.<function>``.

    ``cd_update = TrainingMethod("cd", "cd_update")`` in the class body makes
    ``rbm.cd_update(v)`` call ``dbn_course.training.cd.cd_update(rbm, v)``. The function is
    imported when the method is first looked up, never when the model's module is: training
    is composed around the model and imports it, not the other way round. Its arguments and
    its documentation are the method's, so ``help(rbm.cd_update)`` shows them.
    """

    def __init__(self, module: str, function: str):
        self.module_name, self.function = module, function

    @staticmethod
    def module(name: str):
        """``dbn_course.training.<name>``, imported."""
        return importlib.import_module(f"dbn_course.training.{name}")

    def __get__(self, model, owner=None):
        function = getattr(self.module(self.module_name), self.function)
        return function if model is None else types.MethodType(function, model)


@keras.saving.register_keras_serializable(package="dbn_course")
class RBM(keras.layers.Layer):
    """A Restricted Boltzmann Machine with binary units, trained by CD-k or PCD-k.

    Calling the layer maps visible vectors to hidden probabilities p(h = 1 | v), so an
    RBM stacks like any Keras layer; its other methods sample, compute energies and
    train. Equations and symbols: see the module docstring.

    The training settings -- ``learning_rate``, ``cd_steps``, ``persistent``,
    ``momentum``, ``weight_decay`` -- are the layer's defaults (:class:`CDSettings`), as
    the book's constructor takes them: :meth:`cd_update` uses them, and
    :func:`~dbn_course.training.cd.train_rbm` uses each one it is not given for the run.

    Args:
        number_hidden_units: n_h, the number of hidden units.
        number_visible_units: n_v; inferred from the first input when ``None``.
        learning_rate: step size of each CD update.
        cd_steps: k, the Gibbs steps per update.
        persistent: keep the negative-phase chains between updates (PCD) instead of
            restarting them at the data (CD).
        momentum: fraction of the previous update added to the next, in [0, 1).
        weight_decay: L2 penalty on W (added as ``-weight_decay * W`` to its update).
        seed: seeds the initial weights and every sample the layer draws.

    Input shape:
        (batch, n_v), values in [0, 1] (binary data, or grey values read as
        probabilities).

    Output shape:
        (batch, n_h): p(h = 1 | v).

    Weights: ``W`` (n_v, n_h) drawn from N(0, 0.01^2); ``b`` (n_v,) and ``c`` (n_h,) zero.
    The book's names read the same weights: ``w_rec`` is W, ``w_gen`` its transpose,
    ``vb`` is b and ``hb`` is c.

    Attributes:
        history: the record of the last :func:`~dbn_course.training.cd.train_rbm` run (``None`` before one).
        trainer: the compiled update of the last run and its state -- momentum, persistent
            chains -- kept by the training code for the next run with the same settings, as a
            Keras model keeps its optimizer (``None`` before one; :meth:`reset_trainer`).
    """

    def __init__(self, number_hidden_units, number_visible_units=None, learning_rate=0.1, cd_steps=1,
                 persistent=False, momentum=0.0, weight_decay=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.number_hidden_units = check_int("number_hidden_units", number_hidden_units)
        self.number_visible_units = (
            None if number_visible_units is None else check_int("number_visible_units", number_visible_units)
        )
        defaults = CDSettings(learning_rate, cd_steps, persistent, momentum, weight_decay)  # checks them
        for name in CDSettings.LAYER:
            setattr(self, name, getattr(defaults, name))
        self.seed = None if seed is None else check_int("seed", seed, minimum=0)
        self._sampler = None
        self.trainer = None  # set by the training code (dbn_course.training.cd)
        self.history = None  # set by train_rbm
        if self.number_visible_units is not None:
            self.build((None, self.number_visible_units))

    # ------------------------------------------------------------------ Keras API

    def build(self, input_shape):
        n_visible = input_shape[-1]
        if n_visible is None:
            raise ValueError("the RBM needs the number of visible units: pass number_visible_units")
        if self.number_visible_units is not None and n_visible != self.number_visible_units:
            raise ValueError(f"input has {n_visible} features but the RBM has "
                             f"{self.number_visible_units} visible units")
        if self.built:  # the book builds a layer its constructor has built already: nothing to do
            return
        self.number_visible_units = int(n_visible)
        self.W = self.add_weight(
            name="W", shape=(self.number_visible_units, self.number_hidden_units),
            initializer=keras.initializers.RandomNormal(stddev=0.01, seed=self.seed),
        )
        self.b = self.add_weight(name="b", shape=(self.number_visible_units,), initializer="zeros")
        self.c = self.add_weight(name="c", shape=(self.number_hidden_units,), initializer="zeros")
        super().build(input_shape)

    def __call__(self, inputs, *args, **kwargs):
        # Eager data goes through the boundary before Keras, so a learner's mistake reads
        # as the package's message, not as one wrapped in Keras' call report.
        if not is_symbolic(inputs) and not isinstance(inputs, keras.KerasTensor):
            inputs = self.visible_batch(inputs, "inputs")
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs):
        # __call__ has checked eager data; graph tensors cannot be checked.
        return gibbs.hidden_probabilities(cast_visible(inputs, self.number_visible_units), self.W, self.c)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.number_hidden_units)

    def get_config(self):
        config = super().get_config()
        config.update(number_hidden_units=self.number_hidden_units, number_visible_units=self.number_visible_units,
                      **{name: getattr(self, name) for name in CDSettings.LAYER}, seed=self.seed)
        return config

    # ------------------------------------------------------------------ the book's names

    @property
    def w_rec(self):
        """The book's recognition weights: W."""
        return self.W

    @property
    def w_gen(self):
        """The book's generative weights: W^T (tied to W in a single RBM)."""
        return tf.transpose(self.W)

    @property
    def vb(self):
        """The book's visible bias: b."""
        return self.b

    @property
    def hb(self):
        """The book's hidden bias: c."""
        return self.c

    # ------------------------------------------------------------------ checks

    def visible_batch(self, v, name: str = "v", *, min_rows: int = 0):
        """``v`` through the data boundary (:mod:`dbn_course.data.inputs`): float32 (batch, n_v) in [0, 1].

        Builds the layer from the data's width if it has no weights yet.
        """
        v = visible_batch(v, self.number_visible_units, name, min_rows=min_rows)
        if not self.built:
            self.build((None, v.shape[-1]))
        return v

    def _hidden(self, h, name: str = "h"):
        h = tf.convert_to_tensor(h, tf.float32)
        if not self.built:
            raise ValueError("the RBM has no weights yet: call it on visible data first")
        if h.shape.rank != 2 or h.shape[-1] != self.number_hidden_units:
            raise ValueError(f"{name} must have shape (batch, {self.number_hidden_units}), got {tuple(h.shape)}")
        check_unit_interval(h, name)
        return h

    # ------------------------------------------------------------------ conditionals and sampling

    number_label_units = 0  # softmax units at the end of the visible layer (see LabelledRBM)

    @property
    def sampler(self) -> tf.random.Generator:
        """The layer's seeded random generator (created on first use); it draws every sample's noise."""
        if self._sampler is None:
            self._sampler = (tf.random.Generator.from_seed(self.seed) if self.seed is not None
                             else tf.random.Generator.from_non_deterministic_state())
        return self._sampler

    def weight_tensors(self):
        """W, b and c as tensors: their values now, for the compiled sampler."""
        return tuple(tf.convert_to_tensor(weight) for weight in (self.W, self.b, self.c))

    def _sample_visible(self, probabilities):
        noise = self.sampler.uniform(tf.shape(probabilities))
        return gibbs.sample_visible(noise, probabilities, self.number_label_units)

    def _random_visible(self, n: int):
        """n visible vectors of fair coin flips (a uniformly random label): where fantasies start by default."""
        return self._sample_visible(tf.fill((n, self.number_visible_units), 0.5))

    def forward(self, v):
        """p(h = 1 | v) = sigmoid(c + v W), for a batch of visible vectors."""
        return gibbs.hidden_probabilities(self.visible_batch(v), self.W, self.c)

    def sample_h(self, v):
        """A sample h ~ p(h | v): each hidden unit on with its own probability."""
        return gibbs.draw_bernoulli(self.sampler, self.forward(v))

    def reverse(self, h):
        """p(v = 1 | h) = sigmoid(b + h W^T), for a batch of hidden vectors."""
        return gibbs.visible_probabilities(self._hidden(h), self.W, self.b, self.number_label_units)

    def sample_v(self, h):
        """A sample v ~ p(v | h)."""
        return self._sample_visible(self.reverse(h))

    def forward_gibbs(self, v):
        """One Gibbs sweep from the visible side, v -> h -> v': a binary reconstruction of ``v``."""
        return self.sample_v(self.sample_h(v))

    def reverse_gibbs(self, h):
        """One Gibbs sweep from the hidden side, h -> v -> h': the book's ``sample_h(sample_v(h))``."""
        return self.sample_h(self.sample_v(h))

    def gibbs_chain(self, v, steps: int, record_every: int | None = None, record: str = "probabilities"):
        """Run ``steps`` block-Gibbs sweeps v -> h -> v from ``v`` (:func:`dbn_course.sampling.gibbs.sample`).

        Returns:
            The final visible sample; or, with ``record_every``, the visible probabilities
            p(v | h) after every ``record_every`` sweeps, shape (frames, batch, n_v) (for a
            strip of the chain) -- or, with ``record="states"``, the sampled v themselves
            (for mixing diagnostics, chapter 03).
        """
        steps = check_int("steps", steps)
        if record_every is not None:
            record_every = check_int("record_every", record_every)
        v, frames = gibbs.sample(self.visible_batch(v), *self.weight_tensors(), self.sampler, steps,
                                 number_label_units=self.number_label_units, record_every=record_every, record=record)
        return v if record_every is None else frames

    def fantasy_digits(self, n: int = 16, steps: int = 1000, start=None):
        """Fantasies: p(v | h) at the end of Gibbs chains of ``steps`` sweeps.

        Args:
            n: number of chains (ignored when ``start`` is given).
            steps: sweeps per chain; a long chain forgets where it started.
            start: visible vectors to start from; default uniform random binary vectors.
        """
        if start is None:
            start = self._random_visible(check_int("n", n))
        return self.gibbs_chain(start, steps, record_every=steps)[-1]

    # ------------------------------------------------------------------ energies and metrics

    def energy(self, v, h):
        """E(v, h) = -b^T v - c^T h - v^T W h, one value per row."""
        v, h = self.visible_batch(v), self._hidden(h)
        return (-tf.linalg.matvec(v, self.b) - tf.linalg.matvec(h, self.c)
                - tf.reduce_sum(tf.matmul(v, self.W) * h, axis=-1))

    def free_energy(self, v):
        """F(v) = -b^T v - sum_j softplus(c_j + (v W)_j), one value per row (stable: softplus)."""
        v = self.visible_batch(v)
        return -tf.linalg.matvec(v, self.b) - tf.reduce_sum(tf.nn.softplus(tf.matmul(v, self.W) + self.c), axis=-1)

    def reconstruction_cost(self, v):
        """Cross-entropy of v with its mean-field reconstruction (see :mod:`dbn_course.evaluation`)."""
        return evaluation.reconstruction_cost(self, self.visible_batch(v, min_rows=1))

    def pseudo_likelihood(self, v, seed=None, exact: bool = False):
        """Average pseudo-log-likelihood of binary v (see :mod:`dbn_course.evaluation`)."""
        return evaluation.pseudo_log_likelihood(self, self.visible_batch(v), seed=seed, exact=exact)

    # ------------------------------------------------------------------ the CD gradient, two ways

    def contrastive_divergence(self, v, steps: int | None = None):
        """The negative-phase sample of CD-k: v_k after k Gibbs sweeps started at the data v."""
        return self.gibbs_chain(v, self.cd_steps if steps is None else steps)

    def free_energy_gradients(self, v_data, v_model):
        """Gradients of L = <F(v)>_data - <F(v)>_model with respect to [W, b, c], by GradientTape.

        The book's formulation: ``v_model`` (e.g. from :meth:`contrastive_divergence`) is
        held fixed, so descending L raises the probability of the data and lowers that
        of the samples.
        """
        v_data, v_model = self.visible_batch(v_data, "v_data"), tf.stop_gradient(self.visible_batch(v_model, "v_model"))
        variables = [self.W, self.b, self.c]
        with tf.GradientTape() as tape:
            tape.watch([var.value for var in variables])
            loss = tf.reduce_mean(self.free_energy(v_data)) - tf.reduce_mean(self.free_energy(v_model))
        return tape.gradient(loss, [var.value for var in variables])

    def cd_statistics(self, v_data, v_model):
        """The same gradient of L from sufficient statistics, with no tape.

        dL/dW = -(<v p(h|v)^T>_data - <v p(h|v)^T>_model), dL/db = -(<v>_data - <v>_model),
        dL/dc = -(<p(h|v)>_data - <p(h|v)>_model).
        """
        v_data, v_model = self.visible_batch(v_data, "v_data"), self.visible_batch(v_model, "v_model")
        return cd_gradients(v_data, gibbs.hidden_probabilities(v_data, self.W, self.c), v_model,
                            gibbs.hidden_probabilities(v_model, self.W, self.c))

    # ------------------------------------------------------------------ training

    cd_update = TrainingMethod("cd", "cd_update")  # the book's one update: dbn_course.training.cd.cd_update

    def fit(self, data, num_epochs: int = 10, batch_size: int = 100, **kwargs) -> dict:
        """Train on ``data`` by :func:`~dbn_course.training.cd.train_rbm`; the history, as Keras' ``fit`` returns."""
        return TrainingMethod.module("cd").train_rbm(self, data, num_epochs=num_epochs, batch_size=batch_size,
                                                     **kwargs).history

    def cd_settings(self, **overrides) -> CDSettings:
        """The training settings: the constructor's, with any of ``overrides`` that is not None in their place."""
        given = {name: value for name, value in overrides.items() if value is not None}
        unknown = set(given) - set(CDSettings.names())
        if unknown:
            raise TypeError(f"unknown training settings {sorted(unknown)}; the settings are "
                            f"{sorted(CDSettings.names())}")
        return CDSettings(**{**{name: getattr(self, name) for name in CDSettings.LAYER}, **given})

    def finite_guard(self, learning_rate: float | None = None) -> FiniteGuard:
        """A :class:`~dbn_course.checks.FiniteGuard` over W, b and c, holding their current values."""
        rate = self.learning_rate if learning_rate is None else learning_rate
        return FiniteGuard([self.W, self.b, self.c], "the RBM", f"Lower the learning rate (now {rate:g}).")

    def trainer_for(self, settings: CDSettings):
        """Deprecated: ``dbn_course.training.cd.trainer_for(rbm, settings)``."""
        from dbn_course.deprecation import warn_renamed

        warn_renamed("RBM.trainer_for(settings)", "dbn_course.training.cd.trainer_for(rbm, settings)")
        return TrainingMethod.module("cd").trainer_for(self, settings)

    def reset_trainer(self) -> None:
        """Drop the compiled update and its state (momentum, persistent chains): the next run starts afresh."""
        self.trainer = None


# ---------------------------------------------------------------------- the training step


@dataclass(frozen=True)
class CDSettings:
    """How CD-k / PCD-k trains an RBM: what Keras would call its optimizer, checked once, here.

    The RBM's constructor takes the first five as the layer's defaults
    (:meth:`RBM.cd_settings`); :func:`~dbn_course.training.cd.train_rbm` takes any of
    them as keywords for one run and leaves the layer's own as they are. The last two
    refine PCD for a run: ``fast_learning_rate`` > 0 turns on fast weights (FPCD) learning
    at that constant rate; ``temperatures`` > 1 runs parallel tempering over that many
    inverse temperatures, or over the ones given (:func:`~dbn_course.sampling.tempering.tempering_betas`),
    each with as many chains as the minibatch. Both need ``persistent=True``, and they do
    not combine.
    """

    learning_rate: float = 0.1
    cd_steps: int = 1
    persistent: bool = False
    momentum: float = 0.0
    weight_decay: float = 0.0
    fast_learning_rate: float = 0.0
    temperatures: int | tuple = 1

    # The settings an RBM's constructor takes as the layer's defaults.
    LAYER = ("learning_rate", "cd_steps", "persistent", "momentum", "weight_decay")

    def __post_init__(self):
        # Checked, and held as plain Python numbers, whoever builds them.
        object.__setattr__(self, "learning_rate", check_float("learning_rate", self.learning_rate, 0.0, low_open=True))
        object.__setattr__(self, "cd_steps", check_int("cd_steps", self.cd_steps))
        if not isinstance(self.persistent, bool):
            raise ValueError(f"persistent must be True or False, got {self.persistent!r}")
        object.__setattr__(self, "momentum", check_float("momentum", self.momentum, 0.0, 1.0, high_open=True))
        object.__setattr__(self, "weight_decay", check_float("weight_decay", self.weight_decay, 0.0))
        object.__setattr__(self, "fast_learning_rate",
                           check_float("fast_learning_rate", self.fast_learning_rate, 0.0))
        betas = tempering_betas(self.temperatures)  # checks them
        if not isinstance(self.temperatures, (int, np.integer)):
            object.__setattr__(self, "temperatures", tuple(float(beta) for beta in self.temperatures))
        refinements = [name for name, on in (("fast_learning_rate", self.fast_learning_rate > 0),
                                             ("temperatures", len(betas) > 1)) if on]
        if refinements and not self.persistent:
            raise ValueError(f"{refinements[0]} refines persistent CD: pass persistent=True with it")
        if len(refinements) > 1:
            raise ValueError("fast weights and parallel tempering are two alternatives: choose one, "
                             "fast_learning_rate > 0 or temperatures > 1")

    @classmethod
    def names(cls) -> list[str]:
        """Every setting's name."""
        return list(cls.__dataclass_fields__)

    @property
    def variant(self) -> str:
        """``"CD"``, ``"PCD"``, ``"fast weights"`` or ``"parallel tempering"``."""
        if self.fast_learning_rate > 0:
            return "fast weights"
        if len(tempering_betas(self.temperatures)) > 1:
            return "parallel tempering"
        return "PCD" if self.persistent else "CD"

    @property
    def compiled(self) -> tuple:
        """The settings compiled into the update: all but the learning rate, which changes between epochs."""
        return (self.cd_steps, self.persistent, self.momentum, self.weight_decay, self.fast_learning_rate,
                self.temperatures)


def cd_gradients(v_data, h_data, v_model, h_model):
    """The CD gradient of L = <F(v)>_data - <F(v)>_model from sufficient statistics, as [dW, db, dc].

    dL/dW = <v h^T>_model - <v h^T>_data, dL/db = <v>_model - <v>_data and
    dL/dc = <h>_model - <h>_data, with h the hidden probabilities p(h = 1 | v) of each v.
    """
    n_data = tf.cast(tf.shape(v_data)[0], tf.float32)
    n_model = tf.cast(tf.shape(v_model)[0], tf.float32)
    grad_W = (tf.matmul(v_model, h_model, transpose_a=True) / n_model
              - tf.matmul(v_data, h_data, transpose_a=True) / n_data)
    grad_b = tf.reduce_mean(v_model, axis=0) - tf.reduce_mean(v_data, axis=0)
    grad_c = tf.reduce_mean(h_model, axis=0) - tf.reduce_mean(h_data, axis=0)
    return [grad_W, grad_b, grad_c]


def negative_phase(h, weights, noise_h, noise_v, cd_steps: int, *, persistent: bool, number_label_units: int = 0):
    """k Gibbs sweeps h -> v -> h from the hidden states ``h``: the last v, its p(h = 1 | v), and the next h.

    Sweep j reads ``noise_v[j]`` for v and, for PCD, ``noise_h[j]`` for the next h; CD's
    first h was drawn with ``noise_h[0]`` from the data, so its sweep j reads ``noise_h[j + 1]``.
    """
    W, b, c = weights
    for j in range(cd_steps):
        p_v = gibbs.visible_probabilities(h, W, b, number_label_units)
        v = gibbs.sample_visible(noise_v[j], p_v, number_label_units)
        p_h = gibbs.hidden_probabilities(v, W, c)
        if persistent:
            h = gibbs.bernoulli(noise_h[j], p_h)
        elif j + 1 < cd_steps:
            h = gibbs.bernoulli(noise_h[j + 1], p_h)
    return v, p_h, h


def cd_step(weights, v_data, noise_h, noise_v, cd_steps: int, chains=None, *, number_label_units: int = 0):
    """One CD-k (or PCD-k) step on a minibatch: the gradient [dW, db, dc], and PCD's chains after it.

    Args:
        weights: [W, b, c].
        v_data: the minibatch, (B, n_v).
        noise_h, noise_v: uniform noise for the k sweeps, (k, B, n_h) and (k, B, n_v).
        cd_steps: k, the Gibbs sweeps.
        chains: PCD's persistent hidden states (``None`` for CD, which starts at the data and
            returns ``None`` in their place).
        number_label_units: softmax units at the end of the visible layer (a DBN's top).

    The update is W <- W - learning_rate * dW (and b, c alike): it lowers the free energy
    of the data and raises that of the samples.
    """
    W, b, c = weights
    h_data = gibbs.hidden_probabilities(v_data, W, c)  # positive phase: p(h = 1 | data)
    start = gibbs.bernoulli(noise_h[0], h_data) if chains is None else chains  # CD starts at the data
    v_model, h_model, h = negative_phase(start, weights, noise_h, noise_v, cd_steps, persistent=chains is not None,
                                         number_label_units=number_label_units)
    return cd_gradients(v_data, h_data, v_model, h_model), None if chains is None else h


def __getattr__(name: str):
    # The book imports its training function from here: ``from dbn_course.rbm import RBM, train_rbm``.
    if name in ("train_rbm", "linear_decay"):
        return getattr(TrainingMethod.module("cd"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
