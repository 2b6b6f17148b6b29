"""Helpers for the course notebooks: recording results, and describing the setup.

:func:`record` publishes a named value as a notebook output of its own MIME type,
invisible in JupyterLab and on GitHub, which the test suite reads back from an executed
copy (``read_records`` in ``tools/run_notebooks.py``) to assert on a notebook's results.
"""

from __future__ import annotations

import numbers
import platform
import textwrap

RECORD_MIMETYPE = "application/vnd.dbn-course.record+json"


def _jsonable(value):
    if isinstance(value, (str, bool)) or value is None:
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if hasattr(value, "tolist"):  # NumPy arrays and scalars, eager tensors via numpy()
        return _jsonable(value.tolist())
    if hasattr(value, "numpy"):
        return _jsonable(value.numpy())
    raise TypeError(f"cannot record a value of type {type(value).__name__}")


def record(name: str, value) -> None:
    """Publish ``value`` under ``name`` for tests that execute the notebook.

    Numbers, strings, lists, dicts, NumPy arrays and eager tensors are accepted; the value
    is stored as JSON.
    """
    from IPython.display import display

    display({RECORD_MIMETYPE: {"name": name, "value": _jsonable(value)}}, raw=True)


def describe_setup() -> str:
    """A few lines on the software, CPU threads, run mode and MNIST copy in use.

    On the bundled subset it adds how to get the full data set: this report, which no
    test compares, is where the course says which copy a learner has.
    """
    import tensorflow as tf

    from dbn_course import __version__, config, data, runtime

    source = data.resolve_source()
    lines = [
        f"dbn-course {__version__}, TensorFlow {tf.__version__}, Python {platform.python_version()}",
        "CPU threads for TensorFlow: "
        f"{tf.config.threading.get_intra_op_parallelism_threads() or runtime.thread_count()}",
        f"Run mode: {'quick (DBN_COURSE_QUICK=1)' if config.quick_mode() else 'full'}",
        f"Data: {source.describe()}",
    ]
    if source.is_subset:
        lines.append(textwrap.fill(source.notice(), width=100, initial_indent="  ", subsequent_indent="  "))
    return "\n".join(lines)
