"""Wall time of the test suite's tiers, as a contributor runs them from the repository's root.

    python benchmarks/test_suite.py            # the fast tier, then the README's test command
    python benchmarks/test_suite.py --quick    # one small test file, for CI

Each tier runs once, in a new process, as README.md gives it (``python -m pytest`` with
its marker), on the MNIST copy the environment names (none: the bundled subset, as a
newcomer gets it). Run it on an idle machine: the suite itself is built to pass on a busy
one (``tools/stress_tests.sh``), but its time is measured without load. Figures:
``<tier>_s``, the wall time, and ``<tier>_passed``, the tests that passed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import common

import dbn_course  # noqa: F401  (starts TensorFlow quietly, for the machine's description)

ROOT = Path(__file__).resolve().parent.parent
TIERS = {"fast_tier": ["-m", "not slow"], "test_command": []}
QUICK = {"one_file": ["-n", "0", "tests/test_config.py"]}


def run_tier(arguments: list[str]) -> tuple[float, int]:
    """Seconds ``python -m pytest ARGUMENTS`` took, and how many tests passed (it must pass)."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", *arguments], cwd=ROOT, capture_output=True,
                            text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"pytest {' '.join(arguments)} failed:\n{result.stdout[-3000:]}")
    passed = re.search(r"(\d+) passed", result.stdout)
    return seconds, int(passed.group(1)) if passed else 0


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0])
    figures = {}
    for name, arguments in (QUICK if args.quick else TIERS).items():
        seconds, passed = run_tier(arguments)
        figures[f"{name}_s"] = round(seconds, 1)
        figures[f"{name}_passed"] = passed
        print(f"{name}: {passed} passed in {seconds:.0f} s", flush=True)
    common.write_results("test_suite", figures, args)


if __name__ == "__main__":
    main()
