"""Feed-forward classifiers: the network a DBN becomes for backpropagation, and its baselines.

A DBN's recognition weights define a sigmoid network x -> h1 -> ... -> h_top; adding a
softmax output layer over the classes gives

    p(y = k | x) = softmax_k(h_top U^T + d),   h_l = sigmoid(h_{l-1} W_l + c_l),

which is fine-tuned by minimising the cross-entropy -log p(y | x) with backpropagation
(Hinton & Salakhutdinov, Science 2006). :func:`classifier_network` builds that network
with Keras' default (Glorot-uniform) initialisation -- the baseline from random weights
-- and :meth:`dbn_course.dbn.DBN.to_classifier` builds the same one with the DBN's
weights copied in.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from dbn_course import training
from dbn_course.checks import FiniteGuard, check_float, check_int
from dbn_course.data.inputs import as_array


def classifier_network(layer_sizes, number_classes: int = 10, *, dropout: float = 0.0,
                       input_dropout: float = 0.0, seed: int | None = None,
                       name: str = "classifier") -> keras.Sequential:
    """A sigmoid network ``layer_sizes[0] -> ... -> layer_sizes[-1]`` with a softmax output.

    Args:
        layer_sizes: the input size followed by each hidden layer's size,
            e.g. ``[784, 500, 500, 2000]``.
        number_classes: units of the softmax output.
        dropout: dropout rate on each hidden layer's output (0 for none).
        input_dropout: dropout rate on the pixels.
        seed: seeds the Glorot initialisation and the dropout masks.

    Layers are named ``hidden_1`` ... and ``output``, so weights can be copied in by name.
    """
    sizes = [check_int("layer size", size) for size in layer_sizes]
    if len(sizes) < 2:
        raise ValueError(f"layer_sizes needs the input size and at least one hidden layer, got {layer_sizes!r}")
    number_classes = check_int("number_classes", number_classes, minimum=2)
    dropout = check_float("dropout", dropout, 0.0, 1.0, high_open=True)
    input_dropout = check_float("input_dropout", input_dropout, 0.0, 1.0, high_open=True)
    seeds = np.random.SeedSequence(seed).generate_state(2 * len(sizes)) if seed is not None else [None] * 2 * len(sizes)
    layers: list = [keras.Input((sizes[0],))]
    if input_dropout:
        layers.append(keras.layers.Dropout(input_dropout, seed=_seed(seeds[0])))
    for index, size in enumerate(sizes[1:], start=1):
        layers.append(keras.layers.Dense(size, activation="sigmoid", name=f"hidden_{index}",
                                         kernel_initializer=keras.initializers.GlorotUniform(_seed(seeds[index]))))
        if dropout:
            layers.append(keras.layers.Dropout(dropout, seed=_seed(seeds[len(sizes) + index])))
    layers.append(keras.layers.Dense(number_classes, activation="softmax", name="output",
                                     kernel_initializer=keras.initializers.GlorotUniform(_seed(seeds[-1]))))
    return keras.Sequential(layers, name=name)


def _seed(value):
    return None if value is None else int(value) % (2**31 - 1)


def dense_layers(model: keras.Model) -> list:
    """The model's ``Dense`` layers in order: the hidden layers, then the output."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def predict_labels(model: keras.Model, images, batch_size: int = 2000) -> np.ndarray:
    """The most probable class of each image.

    uint8 images are read as value / 255, as in training, one batch at a time (no float
    copy of the whole set).
    """
    images = np.asarray(images)
    images = images.reshape(len(images), -1)
    predicted = [np.argmax(model(_as_inputs(images[start:start + batch_size]), training=False), axis=1)
                 for start in range(0, len(images), batch_size)]
    return np.concatenate(predicted) if predicted else np.zeros(0, np.int64)


def error_pct(model: keras.Model, images, labels, batch_size: int = 2000) -> float:
    """Percentage of ``images`` whose most probable class is not ``labels`` (see :func:`predict_labels`)."""
    return 100.0 * float(np.mean(predict_labels(model, images, batch_size) != np.asarray(labels)))


def _as_inputs(images) -> np.ndarray:
    images = np.asarray(images)
    images = images.reshape(len(images), -1)
    return images.astype(np.float32) / 255.0 if images.dtype == np.uint8 else images.astype(np.float32)


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
        model: e.g. from :meth:`~dbn_course.dbn.DBN.to_classifier` or :func:`classifier_network`.
        images, labels: training data; uint8 pixels are read as value / 255.
        num_epochs: passes over the data (``epochs``, its old name, still works until 0.4.0).
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
    import tensorflow as tf

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
    import tensorflow as tf

    pixels, scale = images
    return (tf.data.Dataset.from_tensor_slices(np.asarray(order, np.int64)).batch(batch_size)
            .map(lambda rows: (tf.cast(tf.gather(pixels, rows), tf.float32) * scale, tf.gather(labels, rows)))
            .prefetch(2))
