"""Test-wide settings: the CI-sized run, no network, no windows; and the tiers of the suite.

These are set before any notebook kernel starts, and kernels inherit them.
``DBN_COURSE_QUICK=0 pytest`` runs the notebooks at their full defaults instead.

Tiers, by marker (declared in pyproject.toml):

* ``notebook`` -- executes a chapter: every nbval cell item (marked here, since nbval
  collects them) and the papermill runs of ``tests/test_notebooks.py``;
* ``slow`` -- more than a few seconds each: the notebooks, the benchmark scripts, the
  reproduction script, starting JupyterLab;
* ``browser`` -- drives JupyterLab in headless Chromium; left out of the default run
  (pyproject.toml's ``-m "not browser"``), run by ``python -m pytest -m browser``.

The contributors' fast tier is ``python -m pytest -m "not slow"``.
"""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("DBN_COURSE_QUICK", "1")
os.environ.setdefault("DBN_COURSE_OFFLINE", "1")  # tests never probe the network
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Models the notebooks cache go to a folder of this run, never to the user's cache; it is
# removed when the run ends.
if "DBN_COURSE_CACHE_DIR" not in os.environ:
    _cache = tempfile.mkdtemp(prefix="dbn-course-cache-")
    os.environ["DBN_COURSE_CACHE_DIR"] = _cache
    atexit.register(shutil.rmtree, _cache, ignore_errors=True)

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config, items):
    """Mark nbval's cell items: nbval collects them, so no decorator can."""
    for item in items:
        if item.nodeid.startswith("notebooks/") or str(item.fspath).endswith(".ipynb"):
            item.add_marker(pytest.mark.notebook)
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def full_mnist_dir():
    """The full MNIST copy named by DBN_COURSE_MNIST_DIR (CI sets it); skip without one."""
    value = os.environ.get("DBN_COURSE_MNIST_DIR", "").strip()
    if not value:
        pytest.skip("DBN_COURSE_MNIST_DIR is not set: no full MNIST copy to check against")
    return Path(value)


@pytest.fixture
def no_configured_mnist(monkeypatch, tmp_path):
    """No data_dir, no DBN_COURSE_MNIST_DIR, an empty tfds cache, a fresh resolver."""
    from dbn_course import mnist_sources

    monkeypatch.delenv("DBN_COURSE_MNIST_DIR", raising=False)
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    monkeypatch.setattr(mnist_sources, "_resolved", {})
    return tmp_path
