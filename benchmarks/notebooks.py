"""Peak memory and run time of every course notebook at its default settings.

    python benchmarks/notebooks.py            # every notebook, full settings
    python benchmarks/notebooks.py --quick    # one cell that imports the course, for CI
    python benchmarks/notebooks.py --one-cpu  # pinned to one core, like Binder
    python benchmarks/notebooks.py --one-cpu --only 07_measuring  # one notebook again, the others' figures kept

With ``--one-cpu`` the kernels run on a single core (CPU affinity, which the course reads
to size TensorFlow's thread pools) and the results go to ``notebooks_one_cpu.json``.

Each notebook runs in a fresh kernel through papermill, with an empty model cache of its
own, so a notebook that trains a DBN trains it (the first run a reader makes); the
kernel's peak resident memory (``VmHWM``, see ``tools/run_notebooks.py``) is recorded as
``notebook_<name>_peak_rss_mb`` and the wall time as ``notebook_<name>_s``. Binder leaves
a notebook about 1.5 GB of its 2 GB. With ``--only`` one notebook runs again and the
results file keeps the other notebooks' figures from its previous run, naming that run's
commit and date (``earlier_run``) and the notebook measured again (``remeasured``).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import common
import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT / "tools"))
from run_notebooks import execute_notebook  # noqa: E402  (the course's one notebook runner)


def main() -> None:
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    args = common.parse_args(__doc__.splitlines()[0], extra=[("--one-cpu", "run the kernels on one core")],
                             choices=[("--only", tuple(p.stem for p in paths), "measure this notebook again")])
    os.environ["DBN_COURSE_QUICK"] = "1" if args.quick else "0"
    name = "notebooks_one_cpu" if args.one_cpu else "notebooks"
    if args.one_cpu:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # kernels inherit the affinity
    figures = {}
    if args.only:
        previous = json.loads((common.RESULTS_DIR / f"{name}.json").read_text())
        figures = {key: value for key, value in previous["figures"].items()
                   if key not in ("earlier_run", "remeasured")}
        figures["earlier_run"] = previous["figures"].get("earlier_run") or {"commit": previous["commit"],
                                                                           "date": previous["date"]}
        figures["remeasured"] = sorted(set(previous["figures"].get("remeasured", [])) | {args.only})
        paths = [p for p in paths if p.stem == args.only]
    cache_dir = os.environ.get("DBN_COURSE_CACHE_DIR")
    with tempfile.TemporaryDirectory() as tmp:
        if args.quick:  # the tests run every chapter already: here the script's own path, on the least notebook
            paths = [Path(tmp) / "kernel_only.ipynb"]
            nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import dbn_course")]), paths[0])
        try:
            for path in paths:
                os.environ["DBN_COURSE_CACHE_DIR"] = str(Path(tmp) / f"cache-{path.stem}")
                start = time.perf_counter()
                records = execute_notebook(path, Path(tmp) / f"executed-{path.name}")
                figures[f"notebook_{path.stem}_s"] = round(time.perf_counter() - start, 1)
                figures[f"notebook_{path.stem}_peak_rss_mb"] = round(records["_peak_rss_mb"])
        finally:  # the model cache this process had before
            os.environ.pop("DBN_COURSE_CACHE_DIR")
            if cache_dir is not None:
                os.environ["DBN_COURSE_CACHE_DIR"] = cache_dir
    common.write_results(name, figures, args)


if __name__ == "__main__":
    main()
