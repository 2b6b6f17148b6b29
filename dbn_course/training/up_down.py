"""Generative fine-tuning of a Deep Belief Network by the up-down algorithm (chapter 05).

After greedy pretraining the recognition weights R_l = W_l, r_l = c_l (the way up) and
the generative weights G_l = W_l^T, g_l = b_l (the way down) of each directed layer are
tied. The up-down algorithm of Hinton, Osindero and Teh (2006) -- a contrastive form of
wake-sleep -- unties them and fine-tunes the whole network as a generative model. Per
minibatch:

* wake (up) pass: sample h_1, ..., h_{L-1} with the recognition weights; the generative
  weights learn to reconstruct each layer from the one above by the delta rule,
  G_l += eps h_{l+1}^T (h_l - sigmoid(h_{l+1} G_l + g_l));
* top level: CD-k on (h_{L-1}, y) with the data's label in the positive phase;
* sleep (down) pass: from the negative-phase h_{L-1}, sample down with the generative
  weights; the recognition weights learn to recover each layer from the one below,
  R_l += eps h_l^T (h_{l+1} - sigmoid(h_l R_l + r_l)).

The update of one minibatch is the model's: :meth:`dbn_course.dbn.DBN.up_down_step`. Here
is what is composed around it: :class:`UpDownTrainer` compiles it and runs a block of
minibatches per call, :func:`up_down` runs it over the epochs of the training engine, and
the book's one-phase updates (:func:`wake_update`, :func:`top_update`, :func:`sleep_update`)
run one phase on one minibatch. The DBN's methods of the same names hand their work to them.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from dbn_course import training
from dbn_course.checks import check_float, check_int
from dbn_course.data.inputs import image_label_arrays, pixels_uint8

__all__ = ["PHASES", "UpDownTrainer", "one_phase", "sleep_update", "top_update", "trainer_for", "up_down",
           "wake_update"]

PHASES = ("wake", "top", "sleep")
KEPT_TRAINERS = 4  # compiled up-down updates a DBN keeps: each phase alone and all three


def up_down(dbn, images, labels=None, *, num_epochs: int | None = 10, learning_rate: float = 0.01,
            top_gibbs_steps: int = 3, batch_size: int | None = None, schedule=None, progress: bool = True,
            callbacks=(), monitor_size: int = 2000, monitor=None, stop_event=None) -> dict:
    """Generative fine-tuning by the up-down (contrastive wake-sleep) algorithm.

    Per minibatch: a wake pass updates only the generative weights G, g; CD-k at the
    top (k = ``top_gibbs_steps``, the data's labels clamped in the positive phase)
    updates only the top RBM; a sleep pass from the top's negative-phase states
    updates only the recognition weights R = W, r = c of the lower RBMs. (The lower
    RBMs' visible biases b are not used after pretraining: g takes their place.)
    The epochs, Stop, callbacks, history and schedule are the training engine's
    (:mod:`dbn_course.training`).

    Args:
        images: (n, n_v) uint8 pixels or floats in [0, 1]; grey values are used as
            the probabilities of binary pixels.
        labels: integer classes (required when the DBN has label units).
        num_epochs: passes over the data; None trains until a callback or Stop ends
            training.
        learning_rate: step size of every update.
        top_gibbs_steps: Gibbs iterations of the top-level CD (the paper used 3, then
            6, then 10 as training went on).
        batch_size: examples per update (default: the DBN's ``batch_size``).
        schedule: the learning rate of each epoch, ``schedule(epoch)``; default:
            ``learning_rate`` throughout.
        progress: show a progress bar.
        callbacks: functions ``f(dbn, epoch, history)`` run after each epoch; one that
            returns True stops training.
        monitor_size: the first ``monitor_size`` images measure the training error and
            reconstruction cost after each epoch.
        monitor: optional ``(images, labels)`` also measured after each epoch (e.g. a
            validation set); its error goes to ``history["monitor_error_pct"]``.
        stop_event: a :class:`threading.Event`; once set, training ends within one
            block of minibatches and the part-epoch is the history's last entry.

    Returns:
        The history, in the engine's format: ``reconstruction_cost`` (nats per image:
        the data against sigmoid(q(h_1 | v) G_1 + g_1)), ``train_error_pct`` (labelled
        DBNs), ``monitor_error_pct`` (with ``monitor``), ``epoch_seconds``,
        ``learning_rate``, ``stopped_early``, ``stop_reason``.
    """
    num_epochs = None if num_epochs is None else check_int("num_epochs", num_epochs)
    learning_rate = check_float("learning_rate", learning_rate, 0.0, low_open=True)
    top_gibbs_steps = check_int("top_gibbs_steps", top_gibbs_steps)
    batch_size = dbn.batch_size if batch_size is None else check_int("batch_size", batch_size)
    monitor_size = check_int("monitor_size", monitor_size)
    if len(dbn.rbms) < 2:
        raise ValueError("up-down fine-tuning needs at least two layers: one directed, one at the top")
    images, labels = image_label_arrays(images, labels, dbn.number_visible_units)
    pixels = pixels_uint8(images, dbn.number_visible_units)
    if dbn.number_label_units:
        if labels is None:
            raise ValueError("this DBN has label units: pass the labels")
        targets = dbn.one_hot(labels, len(pixels))
    elif monitor is not None:
        raise ValueError("monitor measures the classification error: this DBN has no label units")
    else:
        targets = np.zeros((len(pixels), 0), np.float32)
    trainer = trainer_for(dbn, top_gibbs_steps)
    rng = np.random.default_rng(None if dbn.seed is None else dbn.seed + 1000)
    data, target_tensor = tf.constant(pixels), tf.constant(targets)
    monitor_images, monitor_labels = pixels[:monitor_size], (None if labels is None else labels[:monitor_size])

    def run_epoch(rate, block_done):
        for indices in training.block_order(len(pixels), batch_size, rng, training.BLOCK_BATCHES):
            trainer.run(data, target_tensor, tf.constant(indices), rate)
            if block_done(len(indices)):
                return

    def measure(epoch):
        values = {"reconstruction_cost": dbn.generative_reconstruction_cost(monitor_images)}
        if dbn.number_label_units:
            values["train_error_pct"] = dbn.error_pct(monitor_images, monitor_labels)
        if monitor is not None:
            values["monitor_error_pct"] = dbn.error_pct(*monitor)
        return values

    metrics = ["reconstruction_cost"] + (["train_error_pct"] if dbn.number_label_units else []) \
        + (["monitor_error_pct"] if monitor is not None else [])
    return training.Engine(
        dbn, run_epoch, measure, metrics=metrics, num_epochs=num_epochs,
        batches_per_epoch=math.ceil(len(pixels) / batch_size), guard=dbn.finite_guard(),
        schedule=schedule or training.constant(learning_rate), callbacks=callbacks, stop_event=stop_event,
        progress=progress, description="up-down fine-tuning").run()


def wake_update(dbn, images, labels=None, learning_rate: float = 0.01) -> float:
    """The wake phase alone on one minibatch: only the generative weights G, g change.

    Returns the minibatch's reconstruction cost (see :meth:`~dbn_course.dbn.DBN.generative_reconstruction_cost`).
    """
    return one_phase(dbn, ("wake",), images, labels, learning_rate, 1)


def top_update(dbn, images, labels=None, learning_rate: float = 0.01, top_gibbs_steps: int = 3) -> float:
    """CD-k at the top alone, on the recognised features of one minibatch: only the top RBM changes."""
    return one_phase(dbn, ("top",), images, labels, learning_rate, top_gibbs_steps)


def sleep_update(dbn, images, labels=None, learning_rate: float = 0.01, top_gibbs_steps: int = 3) -> float:
    """The sleep phase alone: only the recognition weights R = W and r = c of the lower RBMs change.

    The dreams start where the top level's Gibbs chains end, which start from the
    minibatch's recognised features.
    """
    return one_phase(dbn, ("sleep",), images, labels, learning_rate, top_gibbs_steps)


def one_phase(dbn, phases, images, labels, learning_rate, top_gibbs_steps):
    if len(dbn.rbms) < 2:
        raise ValueError("wake and sleep phases need at least two layers: one directed, one at the top")
    images, labels = image_label_arrays(images, labels, dbn.number_visible_units)
    pixels = pixels_uint8(images, dbn.number_visible_units)
    if dbn.number_label_units and labels is None:
        raise ValueError("this DBN has label units: pass the minibatch's labels")
    targets = (dbn.one_hot(labels, len(pixels)) if dbn.number_label_units
               else np.zeros((len(pixels), 0), np.float32))
    learning_rate = check_float("learning_rate", learning_rate, 0.0, low_open=True)
    trainer = trainer_for(dbn, check_int("top_gibbs_steps", top_gibbs_steps), phases)
    guard = dbn.finite_guard()
    trainer.run(tf.constant(pixels), tf.constant(targets), tf.range(len(pixels))[tf.newaxis], learning_rate)
    cost = dbn.generative_reconstruction_cost(pixels)
    guard.check(f"in this {'/'.join(phases)} update (learning rate {learning_rate:g})",
                {"reconstruction cost": cost})
    return cost


def trainer_for(dbn, top_gibbs_steps: int, phases=PHASES) -> "UpDownTrainer":
    """The compiled update for these settings, kept so that alternating phases do not recompile.

    The last ``KEPT_TRAINERS`` settings used are kept (the three phases and the whole
    update, at one k); older ones are dropped. The learning rate is an argument of
    each call, so a schedule does not recompile.
    """
    key = (top_gibbs_steps, tuple(phases))
    if key not in dbn.up_down_trainers:
        if len(dbn.up_down_trainers) >= KEPT_TRAINERS:
            del dbn.up_down_trainers[next(iter(dbn.up_down_trainers))]
        dbn.up_down_trainers[key] = UpDownTrainer(dbn, top_gibbs_steps, phases)
    return dbn.up_down_trainers[key]


class UpDownTrainer:
    """One compiled up-down update per minibatch (see :func:`up_down`).

    Uniform noise for every sample of a minibatch is drawn by the top RBM's seeded
    generator outside XLA (its random kernels are slow on a CPU) and passed to the
    compiled update, as in :class:`~dbn_course.training.cd.CDTrainer`.
    """

    def __init__(self, dbn, top_gibbs_steps: int, phases=PHASES):
        self.dbn = dbn
        self.phases = set(phases)
        self.top_gibbs_steps = top_gibbs_steps
        self.noise_width = dbn.up_down_noise_width(top_gibbs_steps)
        self._update = tf.function(self._update_batch, jit_compile=True, reduce_retracing=True)
        self._run = tf.function(self._run_batches, reduce_retracing=True)

    def run(self, data, targets, batch_indices, learning_rate: float) -> None:
        """One update per row of ``batch_indices`` (a block), at ``learning_rate``."""
        self._run(data, targets, batch_indices, tf.constant(learning_rate, tf.float32))

    def _run_batches(self, data, targets, batch_indices, learning_rate):
        for i in tf.range(tf.shape(batch_indices)[0]):
            rows = batch_indices[i]
            v0 = tf.cast(tf.gather(data, rows), tf.float32) / 255.0
            noise = self.dbn.top.sampler.uniform(tf.stack([tf.shape(rows)[0], self.noise_width]))
            self._update(v0, tf.gather(targets, rows), noise, learning_rate)

    def _update_batch(self, v0, y, noise, learning_rate):
        for variable, step in self.dbn.up_down_step(v0, y, noise, self.top_gibbs_steps, self.phases):
            variable.assign_add(learning_rate * step)
