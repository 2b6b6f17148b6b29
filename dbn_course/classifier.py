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

import keras
import numpy as np

from .validation import check_float, check_int


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


def error_pct(model: keras.Model, images, labels, batch_size: int = 2000) -> float:
    """Percentage of ``images`` whose most probable class is not ``labels``.

    uint8 images are read as value / 255, as in training, one batch at a time (no float
    copy of the whole set).
    """
    images = np.asarray(images)
    images = images.reshape(len(images), -1)
    labels = np.asarray(labels)
    wrong = 0
    for start in range(0, len(images), batch_size):
        probabilities = model(_as_inputs(images[start:start + batch_size]), training=False)
        wrong += int(np.sum(np.argmax(probabilities, axis=1) != labels[start:start + batch_size]))
    return 100.0 * wrong / len(images)


def _as_inputs(images) -> np.ndarray:
    images = np.asarray(images)
    images = images.reshape(len(images), -1)
    return images.astype(np.float32) / 255.0 if images.dtype == np.uint8 else images.astype(np.float32)


def fine_tune(model: keras.Model, images, labels, *, epochs: int = 5, learning_rate: float = 0.1,
              momentum: float = 0.9, optimizer: str = "sgd", batch_size: int = 100, test=None,
              seed: int | None = 0, callbacks=(), stop_event=None) -> dict:
    """Train a classifier by backpropagation, measuring the test error after every epoch.

    Args:
        model: e.g. from :meth:`~dbn_course.dbn.DBN.to_classifier` or :func:`classifier_network`.
        images, labels: training data; uint8 pixels are read as value / 255.
        epochs: passes over the data.
        learning_rate: the step size (SGD) or Adam's rate.
        momentum: SGD's momentum (ignored by Adam).
        optimizer: ``"sgd"`` (as in 2006) or ``"adam"``.
        batch_size: examples per step.
        test: optional ``(images, labels)`` measured after each epoch.
        seed: seeds the shuffling (and Keras' other random state).
        callbacks: functions ``f(epoch, history)`` run after each epoch; one that returns
            True stops training.
        stop_event: a :class:`threading.Event`; once set, training ends after the current
            minibatch and the part-epoch is the history's last entry.

    Returns:
        ``{"loss": [...], "test_error_pct": [...], "epoch_seconds": [...]}``, one entry per epoch.
    """
    import time

    epochs = check_int("epochs", epochs)
    learning_rate = check_float("learning_rate", learning_rate, 0.0, low_open=True)
    momentum = check_float("momentum", momentum, 0.0, 1.0, high_open=True)
    batch_size = check_int("batch_size", batch_size)
    if optimizer == "sgd":
        opt = keras.optimizers.SGD(learning_rate, momentum=momentum)
    elif optimizer == "adam":
        opt = keras.optimizers.Adam(learning_rate)
    else:
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}")
    if seed is not None:
        # Before the dataset: its shuffle's order depends on the global seed at creation.
        keras.utils.set_random_seed(seed)
    dataset = training_dataset(images, labels, batch_size, seed)
    model.compile(opt, "sparse_categorical_crossentropy")
    history = {"loss": [], "test_error_pct": [], "epoch_seconds": []}
    keras_callbacks = [] if stop_event is None else [_StopWhenSet(stop_event)]
    for epoch in range(epochs):
        start = time.perf_counter()
        # The dataset shuffles itself.
        result = model.fit(dataset, epochs=1, verbose=0, shuffle=False, callbacks=keras_callbacks)
        history["epoch_seconds"].append(time.perf_counter() - start)
        loss = float(result.history["loss"][-1])
        if not np.isfinite(loss):
            raise ArithmeticError(f"the loss became {loss} in epoch {epoch + 1}; lower the learning rate")
        history["loss"].append(loss)
        if test is not None:
            history["test_error_pct"].append(error_pct(model, *test))
        if any([bool(callback(epoch, history)) for callback in callbacks]):
            break
        if stop_event is not None and stop_event.is_set():
            break
    return history


class _StopWhenSet(keras.callbacks.Callback):
    """Ends ``fit`` after the minibatch during which ``event`` was set."""

    def __init__(self, event):
        super().__init__()
        self.event = event

    def on_train_batch_end(self, batch, logs=None):
        if self.event.is_set():
            self.model.stop_training = True


def training_dataset(images, labels, batch_size: int = 100, seed: int | None = 0):
    """Shuffled minibatches of (image / 255, label) with the images kept as uint8 until each batch.

    A float32 copy of 60,000 MNIST images takes 188 MB; scaling batch by batch keeps the
    notebook's memory within what Binder gives.
    """
    import tensorflow as tf

    images = np.asarray(images)
    images = images.reshape(len(images), -1)
    labels = np.asarray(labels)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    scale = 1.0 / 255.0 if images.dtype == np.uint8 else 1.0
    if scale == 1.0:
        images = images.astype(np.float32, copy=False)
    images, labels = tf.constant(images), tf.constant(labels.astype(np.int64))
    # Shuffle indices, not images: the shuffle buffer then holds 8 bytes per example.
    order = tf.data.Dataset.range(len(labels)).shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
    return order.batch(batch_size).map(
        lambda rows: (tf.cast(tf.gather(images, rows), tf.float32) * scale, tf.gather(labels, rows))).prefetch(2)
