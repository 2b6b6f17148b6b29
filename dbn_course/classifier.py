"""Feed-forward classifiers: the network a DBN becomes for backpropagation, and its baselines.

A DBN's recognition weights define a sigmoid network x -> h1 -> ... -> h_top; adding a
softmax output layer over the classes gives

    p(y = k | x) = softmax_k(h_top U^T + d),   h_l = sigmoid(h_{l-1} W_l + c_l),

which is fine-tuned by minimising the cross-entropy -log p(y | x) with backpropagation
(Hinton & Salakhutdinov, Science 2006; :func:`dbn_course.training.backprop.fine_tune`).
:func:`classifier_network` builds that network with Keras' default (Glorot-uniform)
initialisation -- the baseline from random weights -- and
:meth:`dbn_course.dbn.DBN.to_classifier` builds the same one with the DBN's weights
copied in.
"""

from __future__ import annotations

import keras
import numpy as np

from dbn_course.checks import check_float, check_int
from dbn_course.deprecation import moved_attributes


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


# 0.4.0: backpropagation moved to the training code.
__getattr__ = moved_attributes(__name__, {name: f"dbn_course.training.backprop:{name}"
                                          for name in ("fine_tune", "fine_tuning_engine", "epoch_batches")})
