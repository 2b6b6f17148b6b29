"""Training an RBM by contrastive divergence: CD-k and persistent CD (chapter 03).

The gradient of the average log-likelihood of an RBM is a difference of two expectations,

    d<log p(v)>_data / dW = <v h^T>_data - <v h^T>_model,

and CD-k (Hinton 2002) replaces the model's expectation by samples after k Gibbs sweeps
started at the data; PCD-k (Tieleman 2008) keeps those chains running from one update
to the next. :func:`cd_gradients` gives the gradient of L = <F(v)>_data - <F(v_k)>_samples
from these sufficient statistics; :class:`CDTrainer` is the compiled update that applies
it with momentum and weight decay; :func:`train_rbm` runs it over the epochs of the
training engine (:mod:`dbn_course.training`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from . import gibbs, training
from .guard import TrainingDivergedError
from .inputs import as_array, visible_dataset
from .validation import check_float, check_int

__all__ = ["CDSettings", "CDTrainer", "cd_gradients", "linear_decay", "train_rbm"]

linear_decay = training.linear_decay  # a learning-rate schedule for train_rbm(..., schedule=)


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


@dataclass(frozen=True)
class CDSettings:
    """How CD-k / PCD-k trains an RBM: what Keras would call its optimizer.

    An RBM's constructor arguments are its defaults (:meth:`~dbn_course.rbm.RBM.cd_settings`);
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



class CDTrainer:
    """The compiled CD-k / PCD-k update of an RBM, with its momentum and chain state.

    The hot path uses the sufficient statistics (five matrix products per CD-1 step at
    batch size B: v W, h W^T, v_k W and the two outer products), not the tape: both give
    the same gradient (:meth:`~dbn_course.rbm.RBM.cd_statistics`, tested). A block of minibatches runs
    inside one XLA-compiled call (:data:`~dbn_course.training.BLOCK_BATCHES`), because a
    TensorFlow function call costs about half a millisecond here and XLA fuses the
    elementwise work. The uniform noise for the samples is drawn by the layer's seeded
    generator just before each call: XLA's own random-number kernels are several times
    slower on a CPU.
    """

    NOISE_BYTES_PER_CALL = 32 * 2**20

    def __init__(self, rbm, settings: CDSettings):
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
            h = gibbs.draw_bernoulli(rbm.sampler, gibbs.hidden_probabilities(first, rbm.W, rbm.c))
            self.chains = tf.Variable(h, trainable=False)
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
        n_labels = rbm.number_label_units
        h_data = gibbs.hidden_probabilities(v0, rbm.W, rbm.c)
        # CD starts the chain from h ~ p(h | data); PCD continues its persistent chains.
        h = self.chains.value() if persistent else gibbs.bernoulli(noise_h[0], h_data)
        v_model, h_model = v0, h_data
        for j in range(cd_steps):
            v_model = gibbs.sample_visible(noise_v[j], gibbs.visible_probabilities(h, rbm.W, rbm.b, n_labels), n_labels)
            h_model = gibbs.hidden_probabilities(v_model, rbm.W, rbm.c)
            if persistent:
                h = gibbs.bernoulli(noise_h[j], h_model)
            elif j + 1 < cd_steps:
                h = gibbs.bernoulli(noise_h[j + 1], h_model)
        if persistent:
            self.chains.assign(h)
        grads = cd_gradients(v0, h_data, v_model, h_model)
        if weight_decay:
            grads[0] = grads[0] + weight_decay * rbm.W
        for var, velocity, grad in zip((rbm.W, rbm.b, rbm.c), self.velocity, grads):
            if momentum:
                velocity.assign(momentum * velocity - learning_rate * grad)
                var.assign_add(velocity.value())
            else:
                var.assign_sub(learning_rate * grad)



def train_rbm(rbm, data, map_fn=None, num_epochs: int = 10, tolerance: float | None = None,
              batch_size: int = 100, shuffle_buffer: int = 10_000, *, learning_rate: float | None = None,
              cd_steps: int | None = None, persistent: bool | None = None, momentum: float | None = None,
              weight_decay: float | None = None, schedule=None, shuffle: bool = True, seed: int | None = None,
              monitor_size: int = 2000, progress: bool = True, print_costs: bool = False, callbacks=(),
              description: str = "RBM training", stop_event=None):
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

    monitor = rbm.visible_batch(monitor, "training data")
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
        rbm.reset_trainer()  # its momentum and chains came from the diverged weights
        raise
    return rbm

