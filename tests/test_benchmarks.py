"""Every benchmark script runs in its quick mode and writes a well-formed results file.

The scripts run one after another in a single Python process (each as ``__main__``, as
``python benchmarks/NAME.py --quick`` runs it), so TensorFlow starts once for all of them;
each script's outcome -- its results files, or the traceback it ended with -- is its own
test.
"""

import json
import os
import subprocess
import sys

import pytest

from .conftest import HANG_GUARD_S, ROOT

BENCHMARKS = ROOT / "benchmarks"
SCRIPTS = sorted(p for p in BENCHMARKS.glob("*.py") if p.name != "common.py")

# Runs each script given on the command line as `python SCRIPT --quick --out FOLDER/SCRIPT` would, and
# writes FOLDER/SCRIPT.outcome: "ok", or the traceback it ended with.
RUN_EACH = """
import os, runpy, sys, traceback
folder, scripts = sys.argv[1], sys.argv[2:]
sys.path.insert(0, os.path.dirname(scripts[0]))  # `import common`, as when a script is run directly
for script in scripts:
    name = os.path.splitext(os.path.basename(script))[0]
    sys.argv = [script, "--quick", "--out", os.path.join(folder, name)]
    try:
        runpy.run_path(script, run_name="__main__")
        outcome = "ok"
    except SystemExit as exit:
        outcome = "ok" if exit.code in (None, 0) else traceback.format_exc()
    except BaseException:
        outcome = traceback.format_exc()
    with open(os.path.join(folder, name + ".outcome"), "w") as file:
        file.write(outcome)
"""


@pytest.fixture(scope="session")  # (a module's fixture could be set up again when xdist interleaves modules)
def quick_runs(tmp_path_factory):
    """Run every script's quick mode in one process; return the folder holding what each wrote."""
    folder = tmp_path_factory.mktemp("benchmarks")
    env = dict(os.environ, DBN_COURSE_OFFLINE="1")
    result = subprocess.run([sys.executable, "-c", RUN_EACH, str(folder), *map(str, SCRIPTS)], cwd=BENCHMARKS,
                            capture_output=True, text=True, env=env, timeout=HANG_GUARD_S)
    assert result.returncode == 0, result.stderr[-3000:]
    return folder


@pytest.mark.slow
@pytest.mark.xdist_group("benchmarks")  # one process runs them all
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_benchmark_quick_mode(script, quick_runs):
    outcome = quick_runs / f"{script.stem}.outcome"
    assert outcome.exists(), f"{script.stem} never ran"
    assert outcome.read_text() == "ok", outcome.read_text()[-3000:]
    # A script writes <its name>.json, or one <its name>_<part>.json per part it measures.
    paths = sorted((quick_runs / script.stem).glob(f"{script.stem}*.json"))
    assert paths, f"{script.stem} wrote no results"
    for path in paths:
        check_results(json.loads(path.read_text()))


def check_results(results):
    assert results["quick"] is True
    assert {"date", "commit", "machine", "figures"} <= results.keys()
    assert results["figures"], "a benchmark must measure something"
    for key, value in results["figures"].items():
        if key.endswith(("_s", "_mb", "_pct")) and "overhead" not in key and isinstance(value, (int, float)):
            assert value >= 0, key  # times, sizes, shares; log-likelihoods, log Z and noisy differences may be negative


def test_committed_results_come_from_full_runs():
    for path in (ROOT / "benchmarks" / "results").glob("*.json"):
        results = json.loads(path.read_text())
        assert results["quick"] is False, f"{path.name} holds a quick run"
        assert results["name"] == path.stem
