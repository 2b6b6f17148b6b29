"""MNIST for the course, shaped like tensorflow-datasets' ``mnist``: the course's one data boundary.

The book loads MNIST with ``tfds.builder("mnist")``; :func:`builder` and :func:`load`
give the same elements -- ``{"image": uint8 (28, 28, 1), "label": int64}`` -- so the
book's code (``mnist_train.map(flatten_image).shuffle(...).batch(...)``) reads the same.
Everything a chapter needs from the data is here, by name:

* where the data come from -- a folder, ``DBN_COURSE_MNIST_DIR``, the tensorflow-datasets
  cache or download, or the bundled subset -- and reading them into arrays
  (:func:`load_arrays`, :func:`resolve_source`): :mod:`dbn_course.mnist_sources`;
* the tfds-shaped datasets (:func:`builder`, :func:`load`): this module;
* transforms (:func:`flatten_image`, :func:`binarize_images`, ...):
  :mod:`dbn_course.transforms`.

MNIST: Y. LeCun, C. Cortes and C. J. C. Burges, "The MNIST database of handwritten
digits", licensed CC BY-SA 3.0.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Mapping

import numpy as np
import tensorflow as tf  # already started quietly by dbn_course/__init__.py

from .mnist_sources import (
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
from .transforms import binarize_images, binarize_stochastic, binarize_threshold, downsample, flatten_image

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
