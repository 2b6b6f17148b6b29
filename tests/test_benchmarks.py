"""Every benchmark script runs in its quick mode and writes a well-formed results file."""

import json
import os
import subprocess
import sys

import pytest

from .conftest import ROOT


SCRIPTS = sorted(p for p in (ROOT / "benchmarks").glob("*.py") if p.name != "common.py")


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_benchmark_quick_mode(script, tmp_path):
    env = dict(os.environ, DBN_COURSE_OFFLINE="1")
    result = subprocess.run([sys.executable, str(script), "--quick", "--out", str(tmp_path)],
                            cwd=script.parent, capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    # A script writes <its name>.json, or one <its name>_<part>.json per part it measures.
    paths = sorted(tmp_path.glob(f"{script.stem}*.json"))
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
