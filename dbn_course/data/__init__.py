"""MNIST for the course, shaped like tensorflow-datasets' ``mnist``, from whichever copy there is.

The book loads MNIST with ``tfds.builder("mnist")``; :func:`builder` and :func:`load`
give the same elements -- ``{"image": uint8 (28, 28, 1), "label": int64}`` -- so the
book's code (``mnist_train.map(flatten_image).shuffle(...).batch(...)``) reads the same.
Everything a chapter needs from the data is here, by name:

* where the data come from -- a folder, ``DBN_COURSE_MNIST_DIR``, the tensorflow-datasets
  cache or download, or the bundled subset (``mnist_subset/``) -- and reading them into
  arrays (:func:`load_arrays`, :func:`resolve_source`): :mod:`dbn_course.data.mnist`, which
  reads the IDX format with :mod:`dbn_course.data.idx`;
* the tfds-shaped datasets (:func:`builder`, :func:`load`) and the transforms
  (:func:`flatten_image`, :func:`binarize_images`, :func:`downsample`): this module;
* what the models accept from a learner -- arrays, images, uint8 pixels, datasets -- as
  visible vectors or a clear error: :mod:`dbn_course.data.inputs`.

This folder imports only :mod:`dbn_course.checks` from the package: the models, the
samplers and the training code import it.

MNIST: Y. LeCun, C. Cortes and C. J. C. Burges, "The MNIST database of handwritten
digits", licensed CC BY-SA 3.0.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Mapping

import numpy as np
import tensorflow as tf  # already started quietly by dbn_course/__init__.py

from dbn_course.checks import check_unit_interval
from dbn_course.data.mnist import (
    CITATION,
    CREDIT,
    EMBEDDED_DIR,
    EMBEDDED_SIZES,
    FILE_NAMES,
    FULL_SIZES,
    IMAGE_SHAPE,
    MNIST_DIR_ENV,
    NUM_CLASSES,
    NUM_PIXELS,
    OFFLINE_ENV,
    ONLINE_PROBE_HOST,
    ONLINE_PROBE_TIMEOUT_S,
    SPLITS,
    MNISTNotFoundError,
    MNISTSource,
    current_source,
    is_online,
    load_arrays,
    read_source,
    resolve_source,
)

__all__ = [
    "CITATION",
    "CREDIT",
    "EMBEDDED_DIR",
    "EMBEDDED_SIZES",
    "FILE_NAMES",
    "FULL_SIZES",
    "FeatureSpec",
    "IMAGE_SHAPE",
    "MNISTBuilder",
    "MNISTInfo",
    "MNISTNotFoundError",
    "MNISTSource",
    "MNIST_DIR_ENV",
    "NUM_CLASSES",
    "NUM_PIXELS",
    "OFFLINE_ENV",
    "ONLINE_PROBE_HOST",
    "ONLINE_PROBE_TIMEOUT_S",
    "SPLITS",
    "binarize_images",
    "binarize_stochastic",
    "binarize_threshold",
    "builder",
    "current_source",
    "downsample",
    "flatten_image",
    "is_online",
    "load",
    "load_arrays",
    "read_source",
    "resolve_source",
]

# --------------------------------------------------------------------------- datasets


@dataclasses.dataclass(frozen=True)
class FeatureSpec:
    """Shape and dtype of one feature, as tfds' ``FeaturesDict`` describes it."""

    shape: tuple
    dtype: str
    num_classes: int | None = None


@dataclasses.dataclass(frozen=True)
class MNISTInfo:
    """What ``tfds.builder("mnist").info`` tells, for the copy actually in use.

    ``splits`` counts the examples of the copy that was found, so on the bundled subset
    it reads 10,000 and 2,000, not 60,000 and 10,000.
    """

    source: MNISTSource
    splits: Mapping[str, int]
    name: str = "mnist"
    description: str = "The MNIST database of handwritten digits."
    homepage: str = "http://yann.lecun.com/exdb/mnist/"
    citation: str = CITATION
    features: Mapping[str, FeatureSpec] = dataclasses.field(
        default_factory=lambda: {
            "image": FeatureSpec(IMAGE_SHAPE, "uint8"),
            "label": FeatureSpec((), "int64", NUM_CLASSES),
        }
    )
    supervised_keys: tuple = ("image", "label")

    @property
    def total_num_examples(self) -> int:
        return sum(self.splits.values())

    def __str__(self) -> str:
        image, label = self.features["image"], self.features["label"]
        splits = ", ".join(f"'{k}': {v}" for k, v in self.splits.items())
        return (
            f"MNISTInfo(\n    name='{self.name}',\n    source='{self.source.describe()}',\n"
            f"    description='{self.description}',\n    homepage='{self.homepage}',\n"
            f"    features={{\n        'image': Image(shape={image.shape}, dtype={image.dtype}),\n"
            f"        'label': ClassLabel(shape={label.shape}, dtype={label.dtype}, "
            f"num_classes={label.num_classes}),\n    }},\n"
            f"    total_num_examples={self.total_num_examples},\n    splits={{{splits}}},\n"
            f"    supervised_keys={self.supervised_keys},\n)"
        )


def _as_dataset(images: np.ndarray, labels: np.ndarray, as_supervised: bool):
    images = tf.constant(images[..., np.newaxis])
    labels = tf.constant(labels)
    if as_supervised:
        return tf.data.Dataset.from_tensor_slices((images, labels))
    return tf.data.Dataset.from_tensor_slices({"image": images, "label": labels})


class MNISTBuilder:
    """A stand-in for ``tfds.builder("mnist")`` that finds MNIST offline too.

    ``download_and_prepare()`` resolves the source (see the module docstring);
    ``info`` describes it; ``as_dataset(split)`` returns a ``tf.data.Dataset`` of
    ``{"image": uint8 (28, 28, 1), "label": int64}``.
    """

    def __init__(self, data_dir: str | os.PathLike | None = None):
        self._data_dir = data_dir
        self._source: MNISTSource | None = None

    def download_and_prepare(self) -> MNISTSource:
        """Find (or, with tfds online, download) the data; return where it comes from."""
        if self._source is None:
            self._source = resolve_source(self._data_dir)
        return self._source

    @property
    def source(self) -> MNISTSource:
        return self.download_and_prepare()

    @property
    def info(self) -> MNISTInfo:
        source = self.download_and_prepare()
        splits = {split: len(read_source(source, split)[1]) for split in SPLITS}
        return MNISTInfo(source=source, splits=splits)

    def as_dataset(self, split: str = "train", as_supervised: bool = False):
        """The split as a ``tf.data.Dataset`` (``(image, label)`` pairs if ``as_supervised``)."""
        images, labels = read_source(self.download_and_prepare(), split)
        return _as_dataset(images, labels, as_supervised)


def builder(name: str = "mnist", data_dir: str | os.PathLike | None = None) -> MNISTBuilder:
    """``tfds.builder("mnist")`` for the course: ``dbn_course.data.builder("mnist")``."""
    if name != "mnist":
        raise ValueError(f"the course ships only 'mnist', got {name!r}")
    return MNISTBuilder(data_dir)


def load(split: str = "train", data_dir: str | os.PathLike | None = None, as_supervised: bool = False):
    """``tfds.load("mnist", split=...)`` for the course."""
    return builder("mnist", data_dir).as_dataset(split, as_supervised=as_supervised)


# --------------------------------------------------------------------------- transforms
# The book's flatten_image, binarisation and downsampling. Each works on one image or a
# batch, as NumPy arrays or tensors (inside Dataset.map too), and checks what it is given:
# pixel values outside [0, 1] get a message that says what to do.


def flatten_image(x, label=True):
    """Turn a dataset element into a 784-vector of floats in [0, 1] (and its label).

    Pixels are divided by 255, so black is 0 and white exactly 1. Works on one
    element (``image`` of shape (28, 28, 1)) or a batch ((n, 28, 28, 1) -> (n, 784)).

    The element may be a tfds dict ``{"image": ..., "label": ...}`` (as
    ``data.load()`` gives it) or, from ``data.load(as_supervised=True)``, an
    ``(image, label)`` pair, which ``Dataset.map`` passes as two arguments: then
    ``flatten_image(image, label)`` returns ``(vector, label)``.

    Args:
        x: a dataset element ``{"image": ..., "label": ...}``, or an image.
        label: for a dict, return ``(vector, label)`` if True, else the vector alone; for
            an image, the label to return beside it (an image with no label gives the
            vector alone).
    """
    if isinstance(x, dict):
        if "image" not in x:
            raise ValueError(f"flatten_image takes a tfds element with an 'image' entry, got keys {sorted(x)}")
        image, target = x["image"], x.get("label")
        if label is not True and label is not False:
            raise ValueError("flatten_image(element, label=...) takes True or False for a dict element, "
                             f"got {label!r}")
    else:
        image, target = x, (None if label is True or label is False else label)
    image = tf.convert_to_tensor(image)
    rank = image.shape.rank
    if rank is not None and (rank < 3 or image.shape[-3:].num_elements() not in (None, NUM_PIXELS)):
        raise ValueError(f"flatten_image takes MNIST images of shape (28, 28, 1), one or a batch; got shape "
                         f"{tuple(image.shape)}")
    leading = tf.shape(image)[:-3]
    flat = tf.reshape(tf.cast(image, tf.float32) / 255.0, tf.concat([leading, [NUM_PIXELS]], axis=0))
    if target is not None and label is not False:
        return flat, target
    return flat


def binarize_threshold(x, threshold: float = 0.5):
    """Pixels above ``threshold`` become 1, the rest 0 (float32, same shape)."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must lie in [0, 1], got {threshold}")
    check_unit_interval(x)
    return tf.cast(tf.convert_to_tensor(x, tf.float32) > threshold, tf.float32)


def binarize_stochastic(x, seed):
    """Each pixel becomes 1 with probability equal to its grey value: v ~ Bernoulli(x).

    Implemented as ``u < x`` with ``u`` uniform noise of ``x``'s own shape, drawn by a
    stateless generator, so the same ``seed`` gives the same binary image. ``seed`` is
    an int or a pair of ints; to binarise a dataset once with fresh noise per example,
    pair a fixed seed with the element index::

        ds.enumerate().map(lambda i, v: binarize_stochastic(v, seed=(7, i)))
    """
    check_unit_interval(x)
    x = tf.convert_to_tensor(x, tf.float32)
    if isinstance(seed, (int, np.integer)):
        seed = (int(seed), 0)
    seed = tf.cast(tf.stack(list(seed)), tf.int64)
    noise = tf.random.stateless_uniform(tf.shape(x), seed=seed, dtype=tf.float32)
    return tf.cast(noise < x, tf.float32)


def binarize_images(images, seed: int, chunk_size: int = 10_000) -> np.ndarray:
    """uint8 images (n, ...) sampled to binary once: pixel True with probability value / 255.

    The boolean result has shape (n, pixels): one byte per pixel, which
    :func:`~dbn_course.training.cd.train_rbm` trains on as it is (60,000 MNIST images: 47 MB).
    The images are binarised ``chunk_size`` at a time, chunk k with the seed
    ``(seed, k)`` of :func:`binarize_stochastic`, so the same seed gives the same bits
    while the memory in use stays at a few chunks (a whole-array pass over 60,000 MNIST
    images holds several 188 MB copies at once).
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"binarize_images takes uint8 pixels, got {images.dtype}")
    images = images.reshape(len(images), -1)
    out = np.empty(images.shape, np.bool_)
    for k, start in enumerate(range(0, len(images), chunk_size)):
        chunk = images[start:start + chunk_size].astype(np.float32) / 255.0
        out[start:start + chunk_size] = binarize_stochastic(chunk, seed=(seed, k)).numpy() > 0.5
    return out


def downsample(images, factor: int = 2) -> np.ndarray:
    """Average ``factor`` x ``factor`` blocks of pixels: (n, 28, 28) uint8 -> (n, 28/f, 28/f) floats in [0, 1].

    Smaller digits make smaller networks: a Hopfield network of 14 x 14 = 196 units instead of 784.
    """
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or images.shape[1] % factor or images.shape[2] % factor:
        raise ValueError(f"expected images (n, h, w) with h and w divisible by {factor}, got {images.shape}")
    scale = 255.0 if images.dtype == np.uint8 else 1.0
    n, h, w = images.shape
    blocks = images.reshape(n, h // factor, factor, w // factor, factor).astype(np.float32) / scale
    return blocks.mean(axis=(2, 4))
