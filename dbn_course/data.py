"""MNIST for the course, shaped like tensorflow-datasets' ``mnist`` and never hanging offline.

The book loads MNIST with ``tfds.builder("mnist")``; this module gives the same
elements -- ``{"image": uint8 (28, 28, 1), "label": int64}`` -- so the book's code
(``mnist_train.map(flatten_image).shuffle(...).batch(...)``) reads the same, but it
looks for the data in this order and takes the first that has it:

1. a directory passed by the caller (``data_dir=``);
2. the directory in the environment variable ``DBN_COURSE_MNIST_DIR``;
3. the tensorflow-datasets cache (``TFDS_DATA_DIR`` or ``~/tensorflow_datasets``);
4. a tensorflow-datasets download, tried only after a network probe of at most
   :data:`ONLINE_PROBE_TIMEOUT_S` seconds says the machine is online;
5. the MNIST subset bundled with the package (the first 10,000 training and 2,000 test
   images).

Which copy is in use is never printed where a computation happens to trigger the search
(a notebook cell's output would then change with the machine it runs on): the setup
report (:func:`dbn_course.notebook.describe_setup`) says it, with
:meth:`MNISTSource.notice` on how to get the full set; figures computed on the subset
carry a caption; and the module logs it at INFO level to the ``dbn_course.data`` logger.

A directory that is named explicitly (1 or 2) must hold the four standard IDX files,
``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte`` and
``t10k-labels-idx1-ubyte`` (each optionally ``.gz``); if one is missing or corrupt the
error names it, and nothing falls back silently.

MNIST: Y. LeCun, C. Cortes and C. J. C. Burges, "The MNIST database of handwritten
digits", licensed CC BY-SA 3.0.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import socket
import threading
from pathlib import Path
from typing import Mapping

import numpy as np
import tensorflow as tf  # already started quietly by dbn_course/__init__.py

from .idx import IDXFormatError, read_idx
from .validation import check_unit_interval

log = logging.getLogger(__name__)

MNIST_DIR_ENV = "DBN_COURSE_MNIST_DIR"
OFFLINE_ENV = "DBN_COURSE_OFFLINE"
ONLINE_PROBE_HOST = "storage.googleapis.com"  # where tensorflow-datasets fetches MNIST
ONLINE_PROBE_TIMEOUT_S = 5.0

SPLITS = ("train", "test")
IMAGE_SHAPE = (28, 28, 1)
NUM_PIXELS = 28 * 28
NUM_CLASSES = 10

FILE_NAMES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

EMBEDDED_DIR = Path(__file__).parent / "datasets" / "mnist_subset"
EMBEDDED_SIZES = {"train": 10_000, "test": 2_000}
FULL_SIZES = {"train": 60_000, "test": 10_000}

CITATION = """@article{lecun2010mnist,
  title={MNIST handwritten digit database},
  author={LeCun, Yann and Cortes, Corinna and Burges, CJ},
  journal={ATT Labs [Online]. Available: http://yann.lecun.com/exdb/mnist},
  volume={2},
  year={2010}
}"""
CREDIT = "MNIST by Y. LeCun, C. Cortes and C. J. C. Burges, CC BY-SA 3.0"


class MNISTNotFoundError(FileNotFoundError):
    """A directory that was named explicitly does not hold the MNIST files."""


# --------------------------------------------------------------------------- sources


@dataclasses.dataclass(frozen=True)
class MNISTSource:
    """Where the MNIST data comes from.

    Attributes:
        kind: ``"directory"`` (passed by the caller), ``"environment"``
            (``DBN_COURSE_MNIST_DIR``), ``"tfds"`` (tensorflow-datasets' cache or a fresh
            download) or ``"embedded"`` (the subset bundled with the package).
        location: the directory read from (the tfds data directory for ``"tfds"``).
    """

    kind: str
    location: str

    @property
    def is_subset(self) -> bool:
        """True for the bundled subset: figures computed on it must say so."""
        return self.kind == "embedded"

    def describe(self) -> str:
        """One line for a figure caption or a log (no paths: notebooks are shared)."""
        if self.is_subset:
            return (
                f"bundled MNIST subset ({EMBEDDED_SIZES['train']:,} train / "
                f"{EMBEDDED_SIZES['test']:,} test images)"
            )
        origin = {
            "directory": "the folder passed as data_dir",
            "environment": f"the folder named by {MNIST_DIR_ENV}",
            "tfds": "tensorflow-datasets",
        }[self.kind]
        return f"MNIST from {origin}"

    def notice(self) -> str:
        """What a learner on this copy should know: for the bundled subset, how to get the full set."""
        if not self.is_subset:
            return ""
        return (
            f"This is the {EMBEDDED_SIZES['train']:,}/{EMBEDDED_SIZES['test']:,}-image MNIST subset bundled "
            f"with dbn-course, since no other copy was found: figures and numbers differ from the "
            f"committed ones, which used the full {FULL_SIZES['train']:,}/{FULL_SIZES['test']:,} set. For that "
            f"set, name a folder holding the four MNIST .gz files in {MNIST_DIR_ENV} (chapter 00 shows how), "
            "or run online so that tensorflow-datasets downloads it."
        )


def _idx_path(directory: Path, stem: str) -> Path | None:
    for candidate in (directory / f"{stem}.gz", directory / stem):
        if candidate.is_file():
            return candidate
    return None


def _check_mnist_dir(directory: Path, origin: str) -> Path:
    if not directory.is_dir():
        raise MNISTNotFoundError(f"{origin}: {directory} is not a directory")
    missing = [
        f"{stem}.gz"
        for stems in FILE_NAMES.values()
        for stem in stems
        if _idx_path(directory, stem) is None
    ]
    if missing:
        raise MNISTNotFoundError(
            f"{origin}: {directory} lacks the MNIST file(s) {', '.join(missing)} "
            "(expected the four standard IDX files, optionally gzip-compressed)"
        )
    return directory.resolve()


def _tfds_data_dir() -> Path:
    return Path(os.environ.get("TFDS_DATA_DIR", Path.home() / "tensorflow_datasets")).expanduser()


def _tfds_cache_present(data_dir: Path) -> bool:
    """Cheap test (no tfds import) for a prepared tfds ``mnist`` under ``data_dir``."""
    return any((data_dir / "mnist").glob("*/dataset_info.json"))


def is_online(host: str = ONLINE_PROBE_HOST, port: int = 443, timeout: float = ONLINE_PROBE_TIMEOUT_S) -> bool:
    """Whether a TCP connection to ``host:port`` opens within ``timeout`` seconds.

    Name resolution and the connection run in a daemon thread, so neither a stalled
    DNS lookup nor a black-holed connection can keep the caller waiting past
    ``timeout``. ``DBN_COURSE_OFFLINE=1`` answers ``False`` without touching the network.
    """
    if os.environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}:
        return False
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    worker = threading.Thread(target=probe, name="dbn-course-online-probe", daemon=True)
    worker.start()
    worker.join(timeout)
    return bool(result and result[0])


def _tfds_prepare(data_dir: Path, download: bool) -> MNISTSource | None:
    try:
        import tensorflow_datasets as tfds

        builder = tfds.builder("mnist", data_dir=str(data_dir))
        if not builder.is_prepared():
            if not download:
                return None
            builder.download_and_prepare()
    except Exception as exc:  # tfds raises many kinds; any failure means "not this source"
        if download:
            log.info("tensorflow-datasets could not provide MNIST (%s: %s)", type(exc).__name__, exc)
        return None
    return MNISTSource("tfds", str(data_dir))


_resolved: dict[tuple, MNISTSource] = {}


def resolve_source(data_dir: str | os.PathLike | None = None, *, download: bool = True) -> MNISTSource:
    """Find MNIST, trying the sources in the order the module docstring gives.

    The answer is remembered for the process (per ``data_dir``, environment and tfds
    directory), so the network probe runs at most once.

    Args:
        data_dir: a directory holding the four IDX files. When given, it is the only
            place looked at.
        download: whether tensorflow-datasets may download MNIST if the machine is online.

    Raises:
        MNISTNotFoundError: ``data_dir`` or ``DBN_COURSE_MNIST_DIR`` names a directory
            that lacks the files.
    """
    key = (
        None if data_dir is None else str(data_dir),
        os.environ.get(MNIST_DIR_ENV, "").strip(),
        str(_tfds_data_dir()),
        download,
    )
    global _current
    if key not in _resolved:
        _resolved[key] = _find_source(data_dir, download)
    _current = _resolved[key]
    return _current


_current: MNISTSource | None = None


def current_source() -> MNISTSource | None:
    """The source most recently resolved in this process (``None`` before any load).

    Plotting helpers use it to label figures computed on the bundled subset.
    """
    return _current


def _find_source(data_dir, download: bool) -> MNISTSource:
    if data_dir is not None:
        return MNISTSource("directory", str(_check_mnist_dir(Path(data_dir).expanduser(), "data_dir")))
    env_dir = os.environ.get(MNIST_DIR_ENV, "").strip()
    if env_dir:
        return MNISTSource("environment", str(_check_mnist_dir(Path(env_dir).expanduser(), MNIST_DIR_ENV)))
    tfds_dir = _tfds_data_dir()
    if _tfds_cache_present(tfds_dir):
        source = _tfds_prepare(tfds_dir, download=False)
        if source is not None:
            return source
    if download and is_online():
        source = _tfds_prepare(tfds_dir, download=True)
        if source is not None:
            return source
    source = MNISTSource("embedded", str(EMBEDDED_DIR))
    log.info(source.notice())
    return source


# --------------------------------------------------------------------------- arrays


@functools.lru_cache(maxsize=4)
def _read_idx_split(directory: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    images_stem, labels_stem = FILE_NAMES[split]
    folder = Path(directory)
    images_path = _idx_path(folder, images_stem) or folder / f"{images_stem}.gz"
    labels_path = _idx_path(folder, labels_stem) or folder / f"{labels_stem}.gz"
    images = read_idx(images_path, expected_ndim=3)
    labels = read_idx(labels_path, expected_ndim=1)
    if images.shape[1:] != IMAGE_SHAPE[:2]:
        raise IDXFormatError(f"{images_path}: images are {images.shape[1:]}, expected (28, 28)")
    if len(images) != len(labels):
        raise IDXFormatError(
            f"{images_path} holds {len(images)} images but {labels_path} holds {len(labels)} labels"
        )
    if labels.size and labels.max() >= NUM_CLASSES:
        raise IDXFormatError(f"{labels_path}: label {labels.max()} is outside 0-9")
    return images, labels.astype(np.int64)


def _read_tfds_split(data_dir: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    import tensorflow_datasets as tfds

    builder = tfds.builder("mnist", data_dir=data_dir)
    arrays = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))
    return arrays["image"][..., 0], arrays["label"].astype(np.int64)


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")


def load_arrays(split: str = "train", data_dir: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """MNIST as NumPy arrays: ``uint8`` images of shape (n, 28, 28) and ``int64`` labels.

    The fast path for training loops; :func:`load` wraps the same arrays as a dataset.
    """
    _check_split(split)
    return read_source(resolve_source(data_dir), split)


def read_source(source: MNISTSource, split: str) -> tuple[np.ndarray, np.ndarray]:
    """The arrays of one split of a resolved source (see :func:`load_arrays`)."""
    _check_split(split)
    if source.kind == "tfds":
        return _read_tfds_split(source.location, split)
    return _read_idx_split(source.location, split)


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
    :func:`~dbn_course.rbm.train_rbm` trains on as it is (60,000 MNIST images: 47 MB).
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
