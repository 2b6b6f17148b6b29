"""How TensorFlow is started for the course: quietly, and within the CPU quota.

Two problems of a stock TensorFlow install show up in a learner's notebook:

* importing it writes C++ log lines (oneDNN notices, CUDA probes) straight to the
  process's standard error, which ipykernel forwards into the notebook;
* it sizes its thread pools from the host's cores, not from the container's CPU
  quota. On Binder (about one CPU on a many-core host) that oversubscribes the CPU and
  makes every step slower.

:func:`start_tensorflow` fixes both. ``dbn_course`` calls it on import, so a notebook
that imports the package before TensorFlow gets a clean, right-sized runtime.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import warnings
from pathlib import Path

THREADS_ENV = "DBN_COURSE_NUM_THREADS"
"""Environment variable that sets TensorFlow's thread count explicitly."""

_CGROUP_ROOT = Path("/sys/fs/cgroup")


def cpu_quota(cgroup_root: Path | str = _CGROUP_ROOT) -> float | None:
    """The container's CPU quota in CPUs, or ``None`` when there is none.

    Reads cgroup v2 (``cpu.max``: ``"<quota> <period>"`` or ``"max <period>"``) and
    falls back to cgroup v1 (``cpu/cpu.cfs_quota_us`` and ``cpu/cpu.cfs_period_us``,
    where a quota of -1 means unlimited).
    """
    root = Path(cgroup_root)
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
        if quota == "max":
            return None
        return int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((root / "cpu" / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    if quota <= 0 or period <= 0:
        return None
    return quota / period


def available_cpus(cgroup_root: Path | str = _CGROUP_ROOT) -> int:
    """CPUs this process may really use: affinity mask, capped by the cgroup quota."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    quota = cpu_quota(cgroup_root)
    if quota is not None:
        cpus = min(cpus, max(1, math.ceil(quota)))
    return max(1, cpus)


def thread_count() -> int:
    """Threads TensorFlow should use: ``DBN_COURSE_NUM_THREADS`` if set, else the CPUs."""
    value = os.environ.get(THREADS_ENV, "").strip()
    if value:
        try:
            threads = int(value)
        except ValueError:
            raise ValueError(f"{THREADS_ENV} must be a positive integer, got {value!r}") from None
        if threads < 1:
            raise ValueError(f"{THREADS_ENV} must be a positive integer, got {value!r}")
        return threads
    return available_cpus()


@contextlib.contextmanager
def _stderr_silenced():
    """Send file descriptor 2 to /dev/null for the duration (C++ logs bypass Python)."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def start_tensorflow():
    """Import TensorFlow without log noise and size its thread pools; return the module.

    Sets ``TF_CPP_MIN_LOG_LEVEL=2`` (unless the user chose a level) so TensorFlow's
    own info and warning lines stay out of notebooks, silences what it prints while it
    loads, and limits its intra- and inter-op pools to :func:`thread_count` threads when
    that is fewer than the host's cores. Calling it again, or after TensorFlow already
    ran an operation, changes nothing.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "tensorflow" in sys.modules:
        import tensorflow as tf
    else:
        with _stderr_silenced():
            import tensorflow as tf

            _limit_threads(tf)
            tf.config.list_logical_devices()  # initialises devices while quiet
    # Retracing notices and the like are for library authors, not for a learner's notebook.
    tf.get_logger().setLevel("ERROR")
    # Keras 3 calls np.array(tensor, copy=False) in get_weights/set_weights/save, which NumPy 2
    # reports as a DeprecationWarning: an upstream incompatibility the learner can do nothing about.
    warnings.filterwarnings("ignore", message="__array__ implementation doesn't accept a copy keyword",
                            category=DeprecationWarning)
    return tf


def _limit_threads(tf) -> None:
    threads = thread_count()
    if threads >= (os.cpu_count() or threads):
        return
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        # The runtime was initialised before the course was imported: too late to resize.
        pass
