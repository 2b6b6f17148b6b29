"""Run the course notebooks: the one notebook runner, for committing chapters, tests and benchmarks.

Re-execute chapters in place, so they are committed with their outputs -- from the
repository's root, with the full MNIST copy and at full settings:

    DBN_COURSE_MNIST_DIR=/path/to/mnist python tools/run_notebooks.py [notebooks/01_mnist.ipynb ...]

Each notebook runs with papermill in a fresh kernel from its own folder, exactly as a
reader would run it; written in place, it keeps no papermill metadata. The tests and
``benchmarks/notebooks.py`` call :func:`execute_notebook` to run a copy with other
``parameters`` and read back what it recorded (:func:`read_records`) and its kernel's
peak memory. Nothing here is imported by the course's package.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

RECORD_MIMETYPE = "application/vnd.dbn-course.record+json"  # as dbn_course.course.notebook.record publishes

# Linux's VmHWM is the kernel's own peak (ru_maxrss carries over exec from the process that forked the kernel,
# so a kernel started by a large test process would report that process's peak); ru_maxrss elsewhere.
PEAK_MEMORY_CELL = """\
def _peak_memory_mb():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource, sys
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024
from dbn_course.course.notebook import record as _record
_record("_peak_rss_mb", _peak_memory_mb())"""


def read_records(notebook) -> dict:
    """Every value ``dbn_course.course.notebook.record`` published in an executed notebook (path or nbformat node)."""
    if not hasattr(notebook, "cells"):
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


def execute_notebook(path, output_path=None, parameters: dict | None = None, timeout: int = 1800,
                     measure_memory: bool = True) -> dict:
    """Run a notebook with papermill and return its records (and, with ``measure_memory``, ``_peak_rss_mb``).

    Args:
        path: the notebook to run.
        output_path: where the executed copy is written; ``None`` writes it over ``path``
            (at its own parameters, without the memory cell and without papermill's metadata).
        parameters: values injected after the ``parameters`` cell (only into a copy).
        timeout: seconds allowed for each cell.
        measure_memory: append a cell that records the kernel's peak resident memory as
            ``_peak_rss_mb`` (never to a notebook written in place).
    """
    import papermill

    path = Path(path)
    in_place = output_path is None
    if in_place and parameters:
        raise ValueError("a notebook executed in place keeps its own parameters: give output_path for a copy")
    nb = nbformat.read(path, as_version=4)
    if measure_memory and not in_place:
        nb.cells.append(nbformat.v4.new_code_cell(PEAK_MEMORY_CELL))
    with tempfile.TemporaryDirectory() as tmp:
        source, executed = Path(tmp) / path.name, Path(tmp) / f"executed-{path.name}"
        nbformat.write(nb, source)
        papermill.execute_notebook(
            str(source), str(executed), parameters=parameters or {}, cwd=str(path.parent),
            kernel_name="python3", progress_bar=False, execution_timeout=timeout,
        )
        result = nbformat.read(executed, as_version=4)
    if in_place:
        _strip_papermill(result)
    nbformat.write(result, path if in_place else output_path)
    return read_records(result)


def _strip_papermill(nb) -> None:
    """Remove the metadata papermill adds, so a committed notebook carries only Jupyter's own.

    Papermill records its run in the notebook's and each cell's ``papermill`` entry and gives
    every untagged cell an empty ``tags`` list; a cell's own tags (``parameters``) stay.
    """
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]


def main(paths: list[str]) -> None:
    if os.environ.get("DBN_COURSE_QUICK", "0") not in ("", "0"):
        sys.exit("unset DBN_COURSE_QUICK: committed notebooks show full-size runs")
    notebooks = [Path(p) for p in paths] or sorted(Path("notebooks").glob("[0-9][0-9]_*.ipynb"))
    for path in notebooks:
        start = time.monotonic()
        execute_notebook(path)
        print(f"{path}: executed in {time.monotonic() - start:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
