"""Peak memory and run time of every course notebook at its default settings.

    python benchmarks/notebooks.py            # every notebook, full settings
    python benchmarks/notebooks.py --quick    # only 00_index, DBN_COURSE_QUICK=1, for CI
    python benchmarks/notebooks.py --one-cpu  # pinned to one core, like Binder

With ``--one-cpu`` the kernels run on a single core (CPU affinity, which the course reads
to size TensorFlow's thread pools) and the results go to ``notebooks_one_cpu.json``.

Each notebook runs in a fresh kernel through papermill, with an empty model cache of its
own, so a notebook that trains a DBN trains it (the first run a reader makes); the
kernel's peak resident memory (``VmHWM``, see ``tools/run_notebooks.py``) is recorded as
``notebook_<name>_peak_rss_mb`` and the wall time as ``notebook_<name>_s``. Binder leaves
a notebook about 1.5 GB of its 2 GB.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import common

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT / "tools"))
from run_notebooks import execute_notebook  # noqa: E402  (the course's one notebook runner)


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0], extra=[("--one-cpu", "run the kernels on one core")])
    os.environ["DBN_COURSE_QUICK"] = "1" if args.quick else "0"
    if args.one_cpu:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # kernels inherit the affinity
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
        for path in paths[:1] if args.quick else paths:
            os.environ["DBN_COURSE_CACHE_DIR"] = str(Path(tmp) / f"cache-{path.stem}")
            start = time.perf_counter()
            records = execute_notebook(path, Path(tmp) / path.name)
            name = path.stem
            figures[f"notebook_{name}_s"] = round(time.perf_counter() - start, 1)
            figures[f"notebook_{name}_peak_rss_mb"] = round(records["_peak_rss_mb"])
    common.write_results("notebooks_one_cpu" if args.one_cpu else "notebooks", figures, args)


if __name__ == "__main__":
    main()
