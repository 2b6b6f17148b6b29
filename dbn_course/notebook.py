"""Helpers for the course notebooks: recording results, and describing the setup.

:func:`record` publishes a named value as a notebook output of its own MIME type,
invisible in JupyterLab and on GitHub, which the test suite reads back from a
papermill-executed copy (see :func:`read_records`) to assert on a notebook's results.
"""

from __future__ import annotations

import json
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


def read_records(notebook) -> dict:
    """Every value :func:`record` published in an executed notebook (path or nbformat node)."""
    if not hasattr(notebook, "cells"):
        import nbformat

        notebook = nbformat.read(notebook, as_version=4)
    records = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(RECORD_MIMETYPE)
            if payload is not None:
                if isinstance(payload, str):
                    payload = json.loads(payload)
                records[payload["name"]] = payload["value"]
    return records


def describe_setup() -> str:
    """A few lines on the software, CPU threads, run mode and MNIST copy in use.

    On the bundled subset it adds how to get the full data set: this report, which no
    test compares, is where the course says which copy a learner has.
    """
    import tensorflow as tf

    from . import __version__, config, data, runtime

    source = data.resolve_source()
    lines = [
        f"dbn-course {__version__}, TensorFlow {tf.__version__}, Python {platform.python_version()}",
        f"CPU threads for TensorFlow: {tf.config.threading.get_intra_op_parallelism_threads() or runtime.thread_count()}",
        f"Run mode: {'quick (DBN_COURSE_QUICK=1)' if config.quick_mode() else 'full'}",
        f"Data: {source.describe()}",
    ]
    if source.is_subset:
        lines.append(textwrap.fill(source.notice(), width=100, initial_indent="  ", subsequent_indent="  "))
    return "\n".join(lines)


def peak_memory_mb() -> float:
    """This process's peak resident memory in MB: Linux's ``VmHWM``, else ``ru_maxrss``.

    ``ru_maxrss`` alone misleads for a notebook kernel: Linux carries it over ``exec`` from
    the process that forked the kernel, so a kernel started by a large test process reports
    that process's peak. ``VmHWM`` belongs to the kernel's own memory map.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB elsewhere


_PEAK_MEMORY_CELL = (
    "from dbn_course.notebook import peak_memory_mb as _peak_memory_mb, record as _record\n"
    "_record('_peak_rss_mb', _peak_memory_mb())"
)


def execute_notebook(path, output_path, parameters: dict | None = None, timeout: int = 1800) -> dict:
    """Run a notebook with papermill and return its records, plus its kernel's peak memory.

    A cell appended to the executed copy records the kernel's peak resident set size
    (:func:`peak_memory_mb`) as ``_peak_rss_mb``; the source notebook is not modified.
    Requires the test extras (papermill).

    Args:
        path: the notebook to run.
        output_path: where the executed copy is written.
        parameters: values injected after the ``parameters`` cell.
        timeout: seconds allowed for each cell.
    """
    import tempfile
    from pathlib import Path

    import nbformat
    import papermill

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_PEAK_MEMORY_CELL))
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / path.name
        nbformat.write(nb, source)
        papermill.execute_notebook(
            str(source), str(output_path), parameters=parameters or {}, cwd=str(path.parent),
            kernel_name="python3", progress_bar=False, execution_timeout=timeout,
        )
    return read_records(str(output_path))


def benchmark_figures(name: str, start=None) -> dict | None:
    """The figures of ``benchmarks/results/<name>.json`` in the course's folder, or None if it is absent.

    Looks in the working folder and its parents (a notebook runs from ``notebooks/``), so it
    finds the committed results in a clone of the repository and on Binder.
    """
    import json
    from pathlib import Path

    folder = Path(start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / "benchmarks" / "results" / f"{name}.json"
        if path.is_file():
            results = json.loads(path.read_text())
            return {**results["figures"], "_machine": results["machine"], "_date": results["date"]}
    return None
