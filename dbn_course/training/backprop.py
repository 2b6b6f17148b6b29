"""Fine-tuning a classifier by backpropagation, on the training engine (chapter 06).

The network is the model's (:func:`dbn_course.classifier.classifier_network`, or
:meth:`dbn_course.dbn.DBN.to_classifier` with the DBN's weights); its update is Keras'
``fit``, one call per epoch. What is composed around it is the engine's, as for an RBM or
a DBN: blocks of minibatches, the learning-rate schedule, Stop, callbacks, the history and
the finiteness guard (:mod:`dbn_course.training`).
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

from dbn_course import training
from dbn_course.checks import FiniteGuard, check_float, check_int
from dbn_course.classifier import error_pct
from dbn_course.data.inputs import as_array

__all__ = ["epoch_batches", "fine_tune", "fine_tuning_engine"]


def fine_tune(model: keras.Model, images, labels, *, num_epochs: int = 5, learning_rate: float = 0.1,
              momentum: float = 0.9, optimizer: str = "sgd", batch_size: int = 100, schedule=None, test=None,
              test_every: int = 1, seed: int | None = 0, progress: bool = True, callbacks=(),
              stop_event=None) -> dict:
    """Train a classifier by backpropagation, measuring the test error after every epoch.

    :func:`fine_tuning_engine` with the same arguments, run to the end; see it for the
    arguments, the history it returns and the errors it raises.
    """
    return fine_tuning_engine(model, images, labels, num_epochs=num_epochs, learning_rate=learning_rate,
                              momentum=momentum, optimizer=optimizer, batch_size=batch_size, schedule=schedule,
                              test=test, test_every=test_every, seed=seed, progress=progress, callbacks=callbacks,
                              stop_event=stop_event).run()


def fine_tuning_engine(model: keras.Model, images, labels, *, num_epochs: int = 5, learning_rate: float = 0.1,
                       momentum: float = 0.9, optimizer: str = "sgd", batch_size: int = 100, schedule=None,
                       test=None, test_every: int = 1, seed: int | None = 0, progress: bool = True, callbacks=(),
                       stop_event=None) -> training.Engine:
    """The training engine that fine-tunes a classifier by backpropagation, compiled and ready to run.

    :func:`fine_tune` runs it at once; :func:`~dbn_course.training.run_in_turn` runs
    several side by side, an epoch of each in turn (the fine-tuning panel's comparison).

    Each epoch is one call of Keras' ``fit`` on a fresh shuffle of the examples; an
    adapter callback hands the blocks of minibatches, the learning rate, Stop and the
    epoch's end to the training engine (:mod:`dbn_course.training`), so the callbacks,
    history and Stop behave as for an RBM or a DBN.

    Args:
        model: e.g. from :meth:`~dbn_course.dbn.DBN.to_classifier` or
            :func:`~dbn_course.classifier.classifier_network`.
        images, labels: training data; uint8 pixels are read as value / 255.
        num_epochs: passes over the data.
        learning_rate: the step size (SGD) or Adam's rate.
        momentum: SGD's momentum (ignored by Adam).
        optimizer: ``"sgd"`` (as in 2006) or ``"adam"``.
        batch_size: examples per step.
        schedule: the learning rate of each epoch, ``schedule(epoch)`` (e.g.
            ``training.cosine_decay(0.1, num_epochs)``); default: ``learning_rate`` throughout.
        test: optional ``(images, labels)`` measured after every ``test_every`` epochs and
            after the last.
        test_every: epochs between test measurements (``None`` in the history between them).
        seed: seeds the order of the examples in each epoch -- and nothing else: the
            learner's TensorFlow, NumPy and Python random states are left alone (seed
            the model's own initialisation and dropout with its ``seed``).
        progress: show a progress bar.
        callbacks: functions ``f(model, epoch, history)`` run after each epoch; one that
            returns True stops training.
        stop_event: a :class:`threading.Event`; once set, training ends after the current
            block of minibatches and the part-epoch is the history's last entry.

    Returns:
        A :class:`~dbn_course.training.Engine` whose ``run()`` trains and returns the
        history, in the engine's format: ``loss`` (the epoch's mean training loss),
        ``test_error_pct`` (with ``test``), ``epoch_seconds``, ``learning_rate``,
        ``stopped_early``, ``stop_reason``.

    Raises:
        ValueError: bad data or settings (e.g. labels outside the model's classes).
        TrainingDivergedError: the loss or a weight became NaN or infinite; the weights of
            the last finite epoch are put back.
    """
    num_epochs = check_int("num_epochs", num_epochs)
    learning_rate = check_float("learning_rate", learning_rate, 0.0, low_open=True)
    momentum = check_float("momentum", momentum, 0.0, 1.0, high_open=True)
    batch_size = check_int("batch_size", batch_size)
    test_every = check_int("test_every", test_every)
    if optimizer == "sgd":
        opt = keras.optimizers.SGD(learning_rate, momentum=momentum)
    elif optimizer == "adam":
        opt = keras.optimizers.Adam(learning_rate)
    else:
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}")
    images, labels = _training_arrays(model, images, labels)
    n_examples = int(labels.shape[0])
    rng = np.random.default_rng(seed)
    model.compile(opt, "sparse_categorical_crossentropy", steps_per_execution=training.BLOCK_BATCHES)
    stop_requested = (lambda: stop_event.is_set()) if stop_event is not None else (lambda: False)

    def run_epoch(rate, block_done):
        opt.learning_rate = rate
        result = model.fit(epoch_batches(images, labels, rng.permutation(n_examples), batch_size), epochs=1,
                           verbose=0, shuffle=False, callbacks=[_BlockCounter(block_done)])
        return {"loss": float(result.history["loss"][-1])}

    def measure(epoch):
        if test is None:
            return {}
        due = (epoch + 1) % test_every == 0 or epoch + 1 == num_epochs or stop_requested()
        return {"test_error_pct": error_pct(model, *test) if due else None}

    return training.Engine(
        model, run_epoch, measure, metrics=["loss"] + (["test_error_pct"] if test is not None else []),
        num_epochs=num_epochs, batches_per_epoch=math.ceil(n_examples / batch_size),
        guard=FiniteGuard(model.trainable_weights, "the classifier",
                          f"Lower the learning rate (now {learning_rate:g})."),
        schedule=schedule or training.constant(learning_rate), callbacks=callbacks, stop_event=stop_event,
        progress=progress, description=f"backprop ({optimizer})")


class _BlockCounter(keras.callbacks.Callback):
    """Keras' side of the training engine: each compiled block of ``fit`` is counted, and Stop ends the epoch.

    With ``steps_per_execution`` = :data:`~dbn_course.training.BLOCK_BATCHES`, Keras calls
    ``on_train_batch_end`` once per block, with the index of the block's last minibatch;
    ``block_done`` is the engine's (:class:`~dbn_course.training.Engine`).
    """

    def __init__(self, block_done):
        super().__init__()
        self.block_done = block_done
        self._done = 0

    def on_train_batch_end(self, batch, logs=None):
        if self.block_done(batch + 1 - self._done):
            self.model.stop_training = True
        self._done = batch + 1


def _training_arrays(model: keras.Model, images, labels) -> tuple:
    """Images (n, n_in) through the data boundary, as tensors, and labels checked against the model's classes."""
    width = model.inputs[0].shape[-1] if getattr(model, "inputs", None) else None
    array, scale = as_array(images, width, "images", min_rows=1)
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != len(array):
        raise ValueError(f"labels must be one integer class per image: {len(array)} images, labels of shape "
                         f"{labels.shape}")
    classes = model.outputs[0].shape[-1] if getattr(model, "outputs", None) else None
    if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or (classes and labels.max() >= classes):
        raise ValueError(f"labels must be integers in [0, {classes}), the model's classes; got values "
                         f"from {labels.min()} to {labels.max()} ({labels.dtype})")
    return (tf.constant(array), scale), tf.constant(labels.astype(np.int64))


def epoch_batches(images, labels, order, batch_size: int = 100):
    """One epoch's minibatches of (image / 255, label), in ``order``, with the images kept as uint8 until each batch.

    A float32 copy of 60,000 MNIST images takes 188 MB; scaling batch by batch keeps the
    notebook's memory within what Binder gives. The order is drawn by the caller
    (:func:`fine_tune` draws it from its own seeded generator), so shuffling depends on
    no global random state.

    Args:
        images: ``(tensor, scale)`` from the training arrays: the pixels and the factor
            that maps them to [0, 1].
        labels: an int64 tensor of classes.
        order: the permutation of the examples for this epoch.
        batch_size: examples per minibatch.
    """
    pixels, scale = images
    return (tf.data.Dataset.from_tensor_slices(np.asarray(order, np.int64)).batch(batch_size)
            .map(lambda rows: (tf.cast(tf.gather(pixels, rows), tf.float32) * scale, tf.gather(labels, rows)))
            .prefetch(2))
