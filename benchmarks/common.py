"""What every benchmark script shares: its command line and the results file it writes.

Each script writes ``benchmarks/results/<name>.json`` holding the machine, the date, the
commit and its figures, each figure's key ending in its unit (``_s``, ``_mb``, ...), and
copies the figures the chapters quote into the package (``dbn_course/course/measured.json``,
:func:`write_measured`), so that a chapter shows them in an installed copy too.
``--quick`` runs a shrunken version (CI runs it so the scripts never rot) and writes to
``--out`` instead of the committed results. ``python benchmarks/common.py`` writes the
package's copy again from the committed results.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def parse_args(description: str, extra=(), choices=()) -> argparse.Namespace:
    """``--quick`` and ``--out``, plus ``extra`` on/off flags given as (flag, help) pairs and
    ``choices``, options taking one of some values, given as (flag, values, help)."""
    parser = argparse.ArgumentParser(description=description)
    for flag, help_text in extra:
        parser.add_argument(flag, action="store_true", help=help_text)
    for flag, values, help_text in choices:
        parser.add_argument(flag, choices=values, default=None, help=help_text)
    parser.add_argument("--quick", action="store_true", help="a shrunken run, for CI")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for the results file (default: benchmarks/results, or a "
                             "throwaway one with --quick)")
    args = parser.parse_args()
    if args.out is None and not args.quick:
        args.out = RESULTS_DIR
    return args


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> float | None:
    try:
        import psutil

        return round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:
        return None


def _commit() -> str:
    root = Path(__file__).resolve().parent.parent
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                ":(exclude)benchmarks/results"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return sha + ("+changes" if dirty else "")


def machine() -> dict:
    import tensorflow as tf

    return {
        "cpu": _cpu_model(),
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gb": _memory_gb(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
    }


def write_results(name: str, figures: dict, args: argparse.Namespace) -> Path | None:
    """Write ``<name>.json`` under ``args.out`` (nothing for a quick run without ``--out``)."""
    results = {
        "name": name,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
        "commit": _commit(),
        "quick": bool(args.quick),
        "machine": machine(),
        "figures": figures,
    }
    print(json.dumps(results, indent=2))
    if args.out is None:
        return None
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{name}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    if args.out.resolve() == RESULTS_DIR:
        write_measured()
    return path


def write_measured(folder: Path = RESULTS_DIR) -> Path:
    """Copy the figures the chapters quote from the results in ``folder`` into the package's ``measured.json``."""
    from dbn_course.course import results

    measured = {}
    for name in sorted(results.QUOTED):
        path = folder / f"{name}.json"
        if path.is_file():
            measured[name] = results.quoted(json.loads(path.read_text()))
    results.MEASURED_FILE.write_text(json.dumps(measured, indent=1, sort_keys=True) + "\n")
    return results.MEASURED_FILE


if __name__ == "__main__":
    print(f"wrote {write_measured()}")
