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

References:
    G. E. Hinton, "Training products of experts by minimizing contrastive divergence",
    Neural Computation 14(8), 2002.
    T. Tieleman, "Training restricted Boltzmann machines using approximations to the
    likelihood gradient", ICML 2008.
    G. E. Hinton, "A practical guide to training restricted Boltzmann machines",
    UTML TR 2010-003, 2010.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from . import evaluation, training
from .guard import FiniteGuard, TrainingDivergedError
from .inputs import as_array, cast_visible, visible_batch, visible_dataset
from .validation import check_float, check_int, check_unit_interval, is_symbolic

__all__ = ["CDSettings", "RBM", "TrainingDivergedError", "linear_decay", "load_rbm", "save_rbm", "train_rbm"]

linear_decay = training.linear_decay  # a learning-rate schedule for train_rbm(..., schedule=)


@keras.saving.register_keras_serializable(package="dbn_course")
class RBM(keras.layers.Layer):
    """A Restricted Boltzmann Machine with binary units, trained by CD-k or PCD-k.

    Calling the layer maps visible vectors to hidden probabilities p(h = 1 | v), so an
    RBM stacks like any Keras layer; its other methods sample, compute energies and
    train. Equations and symbols: see the module docstring.

    The training settings -- ``learning_rate``, ``cd_steps``, ``persistent``,
    ``momentum``, ``weight_decay`` -- are the layer's defaults (:class:`CDSettings`), as
    the book's constructor takes them: :meth:`cd_update` uses them, and
    :func:`train_rbm` uses each one it is not given for the run.

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
        history: the record of the last :func:`train_rbm` run (``None`` before one).
    """

    def __init__(self, number_hidden_units, number_visible_units=None, learning_rate=0.1, cd_steps=1,
                 persistent=False, momentum=0.0, weight_decay=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.number_hidden_units = check_int("number_hidden_units", number_hidden_units)
        self.number_visible_units = (
            None if number_visible_units is None else check_int("number_visible_units", number_visible_units)
        )
        defaults = CDSettings(learning_rate, cd_steps, persistent, momentum, weight_decay)  # checks them
        for name in CDSettings.__dataclass_fields__:
            setattr(self, name, getattr(defaults, name))
        self.seed = None if seed is None else check_int("seed", seed, minimum=0)
        self._sampler = None
        self._trainer = None
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
            inputs = self._visible(inputs, "inputs")
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs):
        # __call__ has checked eager data; graph tensors cannot be checked.
        return self._hidden_probabilities(cast_visible(inputs, self.number_visible_units))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.number_hidden_units)

    def get_config(self):
        config = super().get_config()
        config.update(
            number_hidden_units=self.number_hidden_units,
            number_visible_units=self.number_visible_units,
            learning_rate=self.learning_rate,
            cd_steps=self.cd_steps,
            persistent=self.persistent,
            momentum=self.momentum,
            weight_decay=self.weight_decay,
            seed=self.seed,
        )
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

    def _visible(self, v, name: str = "v", *, min_rows: int = 0):
        """``v`` through the data boundary (:mod:`dbn_course.inputs`): float32 (batch, n_v) in [0, 1]."""
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

    @property
    def sampler(self) -> tf.random.Generator:
        """The layer's seeded random generator (created on first use)."""
        if self._sampler is None:
            self._sampler = (tf.random.Generator.from_seed(self.seed) if self.seed is not None
                             else tf.random.Generator.from_non_deterministic_state())
        return self._sampler

    def _bernoulli(self, p):
        """1 where uniform noise of p's own shape falls below p: a Bernoulli(p) sample."""
        return tf.cast(self.sampler.uniform(tf.shape(p)) < p, p.dtype)

    def _hidden_probabilities(self, v):
        return tf.sigmoid(tf.matmul(v, self.W) + self.c)

    def _visible_probabilities(self, h):
        return tf.sigmoid(tf.matmul(h, self.W, transpose_b=True) + self.b)

    def _visible_from_noise(self, noise, probabilities):
        """A visible sample from p(v | h) = ``probabilities``, driven by uniform ``noise`` of the same shape.

        Subclasses whose visible units are not all Bernoulli (the label units of
        :class:`~dbn_course.top_level.LabelledRBM`) override this one method.
        """
        return tf.cast(noise < probabilities, probabilities.dtype)

    def _sample_visible(self, probabilities):
        return self._visible_from_noise(self.sampler.uniform(tf.shape(probabilities)), probabilities)

    def _random_visible(self, n: int):
        """n visible vectors of fair coin flips: where fantasies start by default."""
        return self._sample_visible(tf.fill((n, self.number_visible_units), 0.5))

    def forward(self, v):
        """p(h = 1 | v) = sigmoid(c + v W), for a batch of visible vectors."""
        return self._hidden_probabilities(self._visible(v))

    def sample_h(self, v):
        """A sample h ~ p(h | v): each hidden unit on with its own probability."""
        return self._bernoulli(self.forward(v))

    def reverse(self, h):
        """p(v = 1 | h) = sigmoid(b + h W^T), for a batch of hidden vectors."""
        return self._visible_probabilities(self._hidden(h))

    def sample_v(self, h):
        """A sample v ~ p(v | h)."""
        return self._sample_visible(self.reverse(h))

    def forward_gibbs(self, v):
        """One Gibbs sweep from the visible side, v -> h -> v': a binary reconstruction of ``v``."""
        return self.sample_v(self.sample_h(v))

    def reverse_gibbs(self, h):
        """One Gibbs sweep from the hidden side, h -> v -> h': the book's ``sample_h(sample_v(h))``."""
        return self.sample_h(self.sample_v(h))

    def gibbs_chain(self, v, steps: int, record_every: int | None = None):
        """Run ``steps`` block-Gibbs sweeps v -> h -> v from ``v``.

        Returns:
            The final visible sample; or, with ``record_every``, a list of the visible
            probabilities p(v | h) after every ``record_every`` sweeps (for a strip of
            the chain).
        """
        steps = check_int("steps", steps)
        v = self._visible(v)
        frames = []
        for step in range(1, steps + 1):
            h = self._bernoulli(self._hidden_probabilities(v))
            probabilities = self._visible_probabilities(h)
            v = self._sample_visible(probabilities)
            if record_every and step % record_every == 0:
                frames.append(probabilities)
        return frames if record_every else v

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
        v, h = self._visible(v), self._hidden(h)
        return (-tf.linalg.matvec(v, self.b) - tf.linalg.matvec(h, self.c)
                - tf.reduce_sum(tf.matmul(v, self.W) * h, axis=-1))

    def free_energy(self, v):
        """F(v) = -b^T v - sum_j softplus(c_j + (v W)_j), one value per row (stable: softplus)."""
        v = self._visible(v)
        return -tf.linalg.matvec(v, self.b) - tf.reduce_sum(tf.nn.softplus(tf.matmul(v, self.W) + self.c), axis=-1)

    def reconstruction_cost(self, v):
        """Cross-entropy of v with its mean-field reconstruction (see :mod:`dbn_course.evaluation`)."""
        return evaluation.reconstruction_cost(self, self._visible(v, min_rows=1))

    def pseudo_likelihood(self, v, seed=None, exact: bool = False):
        """Average pseudo-log-likelihood of binary v (see :mod:`dbn_course.evaluation`)."""
        return evaluation.pseudo_log_likelihood(self, self._visible(v), seed=seed, exact=exact)

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
        v_data, v_model = self._visible(v_data, "v_data"), tf.stop_gradient(self._visible(v_model, "v_model"))
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
        v_data, v_model = self._visible(v_data, "v_data"), self._visible(v_model, "v_model")
        return self._statistics(v_data, self._hidden_probabilities(v_data), v_model,
                                self._hidden_probabilities(v_model))

    @staticmethod
    def _statistics(v_data, h_data, v_model, h_model):
        n_data = tf.cast(tf.shape(v_data)[0], tf.float32)
        n_model = tf.cast(tf.shape(v_model)[0], tf.float32)
        grad_W = (tf.matmul(v_model, h_model, transpose_a=True) / n_model
                  - tf.matmul(v_data, h_data, transpose_a=True) / n_data)
        grad_b = tf.reduce_mean(v_model, axis=0) - tf.reduce_mean(v_data, axis=0)
        grad_c = tf.reduce_mean(h_model, axis=0) - tf.reduce_mean(h_data, axis=0)
        return [grad_W, grad_b, grad_c]

    # ------------------------------------------------------------------ training

    def cd_update(self, v):
        """One CD-k (or PCD-k) update on a minibatch; returns its reconstruction cost.

        ``v`` is anything :mod:`dbn_course.inputs` reads: floats in [0, 1], uint8 pixels,
        a batch of images, or a dataset's ``(image, label)`` batch (the label is dropped).

        Raises:
            ValueError: the minibatch is empty or not visible data.
            TrainingDivergedError: the update made a weight NaN or infinite; the weights
                from before it are put back.
        """
        v = self._visible(v, min_rows=1)
        guard = self.finite_guard()
        self.trainer.step(v, self.learning_rate)
        cost = float(self.reconstruction_cost(v))
        self._check_update(guard, "in this update", {"reconstruction cost": cost})
        return cost

    def finite_guard(self, learning_rate: float | None = None) -> FiniteGuard:
        """A :class:`~dbn_course.guard.FiniteGuard` over W, b and c, holding their current values."""
        rate = self.learning_rate if learning_rate is None else learning_rate
        return FiniteGuard([self.W, self.b, self.c], "the RBM", f"Lower the learning rate (now {rate:g}).")

    def _check_update(self, guard: FiniteGuard, when: str, monitored: dict | None = None) -> None:
        """Run ``guard``'s check; on divergence also drop the momentum and the persistent chains."""
        try:
            guard.check(when, monitored)
        except TrainingDivergedError:
            self._trainer = None
            raise

    def cd_settings(self, **overrides) -> "CDSettings":
        """The training settings: the constructor's, with any of ``overrides`` that is not None in their place."""
        given = {name: value for name, value in overrides.items() if value is not None}
        unknown = set(given) - set(CDSettings.__dataclass_fields__)
        if unknown:
            raise TypeError(f"unknown training settings {sorted(unknown)}; the settings are "
                            f"{sorted(CDSettings.__dataclass_fields__)}")
        defaults = {name: getattr(self, name) for name in CDSettings.__dataclass_fields__}
        return CDSettings(**{**defaults, **given})

    @property
    def trainer(self) -> "_CDTrainer":
        """The compiled update for the constructor's settings, and its state (momentum buffers, persistent chains)."""
        return self.trainer_for(self.cd_settings())

    def trainer_for(self, settings: "CDSettings") -> "_CDTrainer":
        """The compiled update for ``settings``: the last one made, while its settings stay the same.

        The learning rate is an argument of each compiled call, not part of the compiled
        update, so a schedule changes it without resetting PCD's chains or the momentum.
        """
        if self._trainer is None or self._trainer.config != settings.compiled:
            self._trainer = _CDTrainer(self, settings)
        return self._trainer

    def fit(self, data, num_epochs: int = 10, batch_size: int = 100, **kwargs) -> dict:
        """Train on ``data`` (see :func:`train_rbm` for the arguments); return the history, as Keras' ``fit`` does."""
        return train_rbm(self, data, num_epochs=num_epochs, batch_size=batch_size, **kwargs).history


@dataclass(frozen=True)
class CDSettings:
    """How CD-k / PCD-k trains an RBM: what Keras would call its optimizer.

    An RBM's constructor arguments are its defaults (:meth:`RBM.cd_settings`);
    :func:`train_rbm` takes any of them as keywords for one run, and leaves the layer's
    own settings as they are.
    """

    learning_rate: float
    cd_steps: int
    persistent: bool
    momentum: float
    weight_decay: float

    def __post_init__(self):
        # Checked, and held as plain Python numbers, whoever builds them: the RBM's
        # constructor (its defaults) or train_rbm (one run's).
        object.__setattr__(self, "learning_rate", check_float("learning_rate", self.learning_rate, 0.0, low_open=True))
        object.__setattr__(self, "cd_steps", check_int("cd_steps", self.cd_steps))
        if not isinstance(self.persistent, bool):
            raise ValueError(f"persistent must be True or False, got {self.persistent!r}")
        object.__setattr__(self, "momentum", check_float("momentum", self.momentum, 0.0, 1.0, high_open=True))
        object.__setattr__(self, "weight_decay", check_float("weight_decay", self.weight_decay, 0.0))

    @property
    def compiled(self) -> tuple:
        """The settings compiled into the update: all but the learning rate."""
        return (self.cd_steps, self.persistent, self.momentum, self.weight_decay)


class _CDTrainer:
    """The compiled CD-k / PCD-k update of an RBM, with its momentum and chain state.

    The hot path uses the sufficient statistics (five matrix products per CD-1 step at
    batch size B: v W, h W^T, v_k W and the two outer products), not the tape: both give
    the same gradient (:meth:`RBM.cd_statistics`, tested). A block of minibatches runs
    inside one XLA-compiled call (:data:`~dbn_course.training.BLOCK_BATCHES`), because a
    TensorFlow function call costs about half a millisecond here and XLA fuses the
    elementwise work. The uniform noise for the samples is drawn by the layer's seeded
    generator just before each call: XLA's own random-number kernels are several times
    slower on a CPU.
    """

    NOISE_BYTES_PER_CALL = 32 * 2**20

    def __init__(self, rbm: RBM, settings: CDSettings):
        self.rbm = rbm
        self.config = settings.compiled
        self.cd_steps, self.persistent = settings.cd_steps, settings.persistent
        self.velocity = [tf.Variable(tf.zeros_like(var.value), trainable=False) for var in (rbm.W, rbm.b, rbm.c)]
        self.chains = None  # PCD: hidden states of the persistent chains, created on the first step
        self._run = tf.function(self._run_batches, jit_compile=True, reduce_retracing=True)
        self._noise = tf.function(self._draw_noise, reduce_retracing=True)

    def steps_per_call(self, batch_size: int) -> int:
        """Minibatches per compiled call: a block, or fewer if their noise would pass NOISE_BYTES_PER_CALL."""
        rbm = self.rbm
        per_step = 4 * self.cd_steps * batch_size * (rbm.number_visible_units + rbm.number_hidden_units)
        return max(1, min(training.BLOCK_BATCHES, self.NOISE_BYTES_PER_CALL // per_step))

    def step(self, v0, learning_rate: float) -> None:
        """One update on the minibatch ``v0`` (a float tensor of shape (B, n_v))."""
        self.run(v0, tf.range(tf.shape(v0)[0])[tf.newaxis, :], 1.0, learning_rate)

    def run(self, data, batch_indices, scale: float, learning_rate: float) -> None:
        """One update per row of ``batch_indices``, each on ``data[row] * scale``."""
        rbm = self.rbm
        if self.persistent and self.chains is None:
            first = tf.cast(tf.gather(data, batch_indices[0]), tf.float32) * scale
            self.chains = tf.Variable(rbm._bernoulli(rbm._hidden_probabilities(first)), trainable=False)
        rows = self.chains.shape[0] if self.persistent else batch_indices.shape[1]
        noise_h, noise_v = self._noise(tf.constant([batch_indices.shape[0], self.cd_steps, rows]))
        self._run(data, batch_indices, tf.constant(scale, tf.float32), tf.constant(learning_rate, tf.float32),
                  noise_h, noise_v)

    def _draw_noise(self, shape):
        rbm = self.rbm
        return (rbm.sampler.uniform(tf.concat([shape, [rbm.number_hidden_units]], 0)),
                rbm.sampler.uniform(tf.concat([shape, [rbm.number_visible_units]], 0)))

    def _run_batches(self, data, batch_indices, scale, learning_rate, noise_h, noise_v):
        for i in tf.range(tf.shape(batch_indices)[0]):
            v0 = tf.cast(tf.gather(data, batch_indices[i]), tf.float32) * scale
            self._update(v0, learning_rate, noise_h[i], noise_v[i])

    def _update(self, v0, learning_rate, noise_h, noise_v):
        """One CD-k / PCD-k update; ``noise_h[j]`` and ``noise_v[j]`` drive the samples of sweep j."""
        rbm = self.rbm
        cd_steps, persistent, momentum, weight_decay = self.config
        h_data = rbm._hidden_probabilities(v0)
        # CD starts the chain from h ~ p(h | data); PCD continues its persistent chains.
        h = self.chains.value() if persistent else tf.cast(noise_h[0] < h_data, tf.float32)
        v_model, h_model = v0, h_data
        for j in range(cd_steps):
            v_model = rbm._visible_from_noise(noise_v[j], rbm._visible_probabilities(h))
            h_model = rbm._hidden_probabilities(v_model)
            if persistent:
                h = tf.cast(noise_h[j] < h_model, tf.float32)
            elif j + 1 < cd_steps:
                h = tf.cast(noise_h[j + 1] < h_model, tf.float32)
        if persistent:
            self.chains.assign(h)
        grads = RBM._statistics(v0, h_data, v_model, h_model)
        if weight_decay:
            grads[0] = grads[0] + weight_decay * rbm.W
        for var, velocity, grad in zip((rbm.W, rbm.b, rbm.c), self.velocity, grads):
            if momentum:
                velocity.assign(momentum * velocity - learning_rate * grad)
                var.assign_add(velocity.value())
            else:
                var.assign_sub(learning_rate * grad)


def train_rbm(rbm: RBM, data, map_fn=None, num_epochs: int = 10, tolerance: float | None = None,
              batch_size: int = 100, shuffle_buffer: int = 10_000, *, learning_rate: float | None = None,
              cd_steps: int | None = None, persistent: bool | None = None, momentum: float | None = None,
              weight_decay: float | None = None, schedule=None, shuffle: bool = True, seed: int | None = None,
              monitor_size: int = 2000, progress: bool = True, print_costs: bool = False, callbacks=(),
              description: str = "RBM training", stop_event=None) -> RBM:
    """Train an RBM by CD-k or PCD-k on every minibatch of every epoch; return it, its history on it.

    The first six arguments are the book's, in the book's order:
    ``rbm = train_rbm(rbm, mnist_train, partial(flatten_image, label=False), 100, 0.5, 2000)``
    trains 100 epochs at most, stopping once the cost moves by 0.5 nats or less, in
    minibatches of 2,000. The rest are keyword-only. The epochs, Stop, callbacks, history
    and schedule are the training engine's (:mod:`dbn_course.training`).

    Args:
        rbm: the model.
        data: an array of shape (examples, n_v) -- floats in [0, 1], uint8 pixel values
            read as value / 255, or booleans; images of n_v pixels are flattened -- or a
            ``tf.data.Dataset`` of such examples, one per element (after ``map_fn``), like
            the book's ``mnist_train``; a label in the elements (tfds dicts or
            ``(image, label)`` pairs) is dropped. Arrays train fastest. What is accepted
            is :mod:`dbn_course.inputs`' to say.
        map_fn: applied to a dataset's elements first (e.g. ``flatten_image`` without
            labels); ``None`` for arrays.
        num_epochs: passes over the data.
        tolerance: stop early once the monitored cost changes by at most this much
            between epochs (``None``: never). The cost is the reconstruction cost of
            the first ``monitor_size`` examples, measured after each epoch with the
            epoch's final weights (the book averages the minibatch costs of the epoch).
        batch_size: examples per update.
        shuffle_buffer: buffer of ``Dataset.shuffle`` when ``data`` is a dataset.
        learning_rate, cd_steps, persistent, momentum, weight_decay: the training
            settings for this run (:class:`CDSettings`); each one not given is the RBM
            constructor's. The layer's own settings do not change.
        schedule: the learning rate of each epoch, ``schedule(epoch)`` (e.g.
            ``linear_decay(0.1, num_epochs)``); default: ``learning_rate`` throughout.
        shuffle: reshuffle the examples every epoch.
        seed: seeds the shuffling.
        monitor_size: the number of examples (the first ones) on which the
            reconstruction cost is measured after each epoch.
        progress: show a ``tqdm`` progress bar.
        print_costs: print ``epoch: e, cost: c`` after each epoch, as the book's loop does.
        callbacks: functions ``f(rbm, epoch, history)`` called after each epoch; one that
            returns True stops training.
        description: the progress bar's label.
        stop_event: a :class:`threading.Event` another thread may set (a panel's Stop
            button): training then ends within one block of minibatches, mid-epoch if
            need be, and the history records the part-epoch as its last entry.

    Returns:
        ``rbm``, trained, with its history as ``rbm.history`` (as Keras keeps a model's),
        in the engine's format: ``reconstruction_cost``, ``epoch_seconds`` and
        ``learning_rate`` per epoch, ``stopped_early`` and ``stop_reason``.

    Raises:
        TypeError: ``map_fn`` is not a function (the book's order puts it third).
        ValueError: bad data (empty, outside [0, 1], the wrong width) or settings.
        TrainingDivergedError: the weights or the monitored cost became NaN or infinite
            (checked every epoch); the weights of the last finite epoch are put back.
    """
    if map_fn is not None and not callable(map_fn):
        raise TypeError(f"map_fn must be a function applied to the dataset's elements (or None), got {map_fn!r}. "
                        "The arguments go in the book's order: train_rbm(rbm, data, map_fn, num_epochs, tolerance, "
                        "batch_size); for arrays pass map_fn=None or name the others, e.g. num_epochs=5")
    num_epochs = check_int("num_epochs", num_epochs)
    batch_size = check_int("batch_size", batch_size)
    shuffle_buffer = check_int("shuffle_buffer", shuffle_buffer)
    monitor_size = check_int("monitor_size", monitor_size)
    if tolerance is not None:
        tolerance = check_float("tolerance", tolerance, 0.0)
    settings = rbm.cd_settings(learning_rate=learning_rate, cd_steps=cd_steps, persistent=persistent,
                               momentum=momentum, weight_decay=weight_decay)
    rng = np.random.default_rng(seed)

    if isinstance(data, tf.data.Dataset):
        dataset = visible_dataset(data, rbm.number_visible_units, map_fn)
        monitor = tf.concat(list(dataset.take(monitor_size).batch(monitor_size)), axis=0)
        if shuffle:
            dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
        dataset = dataset.batch(batch_size).prefetch(2)
        cardinality = int(dataset.cardinality())
        batches_per_epoch = cardinality if cardinality > 0 else None

        def run_epoch(rate, block_done):
            # A dataset streams its minibatches one at a time: each is its own block.
            for batch in dataset:
                trainer.step(tf.convert_to_tensor(batch, tf.float32), rate)
                if block_done(1):
                    return
    else:
        if map_fn is not None:
            raise ValueError("map_fn applies to datasets; transform arrays before training")
        array, scale = as_array(data, rbm.number_visible_units, "training data", min_rows=1)
        if array.dtype not in (np.uint8, np.bool_):
            array = np.ascontiguousarray(array, np.float32)
        monitor = tf.constant(np.asarray(array[:monitor_size], np.float32)) * scale
        tensor = tf.constant(array)
        batches_per_epoch = math.ceil(len(array) / batch_size)

        def run_epoch(rate, block_done):
            block = trainer.steps_per_call(batch_size)
            for indices in training.block_order(len(array), batch_size, rng if shuffle else None, block):
                trainer.run(tensor, tf.constant(indices), scale, rate)
                if block_done(len(indices)):
                    return

    monitor = rbm._visible(monitor, "training data")
    trainer = rbm.trainer_for(settings)
    engine = training.Engine(
        rbm, run_epoch, lambda epoch: {"reconstruction_cost": float(rbm.reconstruction_cost(monitor))},
        metrics=["reconstruction_cost"], num_epochs=num_epochs, batches_per_epoch=batches_per_epoch,
        guard=rbm.finite_guard(settings.learning_rate),
        schedule=schedule or training.constant(settings.learning_rate), callbacks=callbacks, tolerance=tolerance,
        stop_event=stop_event, progress=progress, description=description,
        printer=(lambda epoch, values: f"epoch: {epoch}, cost: {values['reconstruction_cost']:.4f}")
        if print_costs else None)
    try:
        rbm.history = engine.run()
    except TrainingDivergedError:
        rbm._trainer = None  # its momentum and chains came from the diverged weights
        raise
    return rbm


def save_rbm(rbm: RBM, path) -> None:
    """Save an RBM's configuration and weights to a ``.keras`` file."""
    if not rbm.built:
        raise ValueError("the RBM has no weights yet: call or train it first")
    model = keras.Sequential([keras.Input((rbm.number_visible_units,)), rbm])
    with warnings.catch_warnings():
        # Keras 3.15 converts weights with np.array(x, copy=False), which NumPy 2 flags.
        warnings.filterwarnings("ignore", message="__array__ implementation", category=DeprecationWarning)
        model.save(path)


def load_rbm(path) -> RBM:
    """Load an RBM saved by :func:`save_rbm`."""
    model = keras.saving.load_model(path)
    (rbm,) = model.layers
    return rbm
