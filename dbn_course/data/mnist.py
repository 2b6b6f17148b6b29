"""Where the course's MNIST comes from, and reading it into arrays, never hanging offline.

The course looks for the data in this order and takes the first that has it:

1. a directory passed by the caller (``data_dir=``);
2. the directory in the environment variable ``DBN_COURSE_MNIST_DIR``;
3. the tensorflow-datasets cache (``TFDS_DATA_DIR`` or ``~/tensorflow_datasets``);
4. a tensorflow-datasets download, tried only after a network probe of at most
   :data:`ONLINE_PROBE_TIMEOUT_S` seconds says the machine is online;
5. the MNIST subset bundled with the package (the first 10,000 training and 2,000 test
   images).

Which copy is in use is never printed where a computation happens to trigger the search
(a notebook cell's output would then change with the machine it runs on): the setup
report (:func:`dbn_course.course.notebook.describe_setup`) says it, with
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

import numpy as np

from dbn_course.data.idx import IDXFormatError, read_idx

log = logging.getLogger("dbn_course.data")  # the data boundary's logger

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

EMBEDDED_DIR = Path(__file__).parent / "mnist_subset"
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

    The fast path for training loops; :func:`dbn_course.data.load` wraps the same arrays as a dataset.
    """
    _check_split(split)
    return read_source(resolve_source(data_dir), split)


def read_source(source: MNISTSource, split: str) -> tuple[np.ndarray, np.ndarray]:
    """The arrays of one split of a resolved source (see :func:`load_arrays`)."""
    _check_split(split)
    if source.kind == "tfds":
        return _read_tfds_split(source.location, split)
    return _read_idx_split(source.location, split)
