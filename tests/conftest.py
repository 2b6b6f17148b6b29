"""Test-wide settings: the CI-sized run, no network, no windows; and the tiers of the suite.

These are set before any notebook kernel starts, and kernels inherit them.
``DBN_COURSE_QUICK=0 pytest`` runs the notebooks at their full defaults instead.

Tiers, by marker (declared in pyproject.toml):

* ``notebook`` -- executes a chapter: the papermill runs of ``tests/test_notebooks.py``
  (and nbval's cell items, marked here, when a chapter is named with ``--nbval-lax``);
* ``slow`` -- more than a few seconds each: the notebooks, the benchmark scripts, the
  reproduction script, starting JupyterLab;
* ``browser`` -- drives JupyterLab in headless Chromium; left out of the default run
  (pyproject.toml's ``-m "not browser"``), run by ``python -m pytest -m browser``;
* ``full_mnist`` -- needs the full MNIST copy named by DBN_COURSE_MNIST_DIR (marked here,
  from the fixture); skipped without one.

The contributors' fast tier is ``python -m pytest -m "not slow"``. The tests run in
parallel (pyproject.toml's ``-n``); none depends on the machine's speed.
"""

import atexit
import json
import os
import shutil
import subprocess
import sys
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

import numpy as np  # noqa: E402
import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

HANG_GUARD_S = 3600
"""The longest a subprocess that a test starts may run: a guard against a hang, never a
condition of passing (no test relies on the machine being fast)."""


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Mark nbval's cell items (nbval collects them, so no decorator can), and the full-MNIST checks."""
    for item in items:
        if item.nodeid.startswith("notebooks/") or str(item.fspath).endswith(".ipynb"):
            item.add_marker(pytest.mark.notebook)
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.xdist_group(str(item.fspath)))  # one kernel runs a notebook's cells
        if "full_mnist_dir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.full_mnist)


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
    from dbn_course.data import mnist as mnist_sources

    monkeypatch.delenv("DBN_COURSE_MNIST_DIR", raising=False)
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    monkeypatch.setattr(mnist_sources, "_resolved", {})
    return tmp_path


# What a learner's first `import dbn_course` does, in a new Python: it may print nothing, must
# size TensorFlow's thread pools from DBN_COURSE_NUM_THREADS, and imports only what it needs.
FRESH_IMPORT = """
import json, sys
import dbn_course, tensorflow as tf
x = tf.linalg.matmul(tf.ones((64, 64)), tf.ones((64, 64)))
print(json.dumps({"intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
                  "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
                  "matmul": float(x[0, 0]), "modules": sorted(sys.modules)}))
"""


@pytest.fixture(scope="session")
def fresh_import():
    """``import dbn_course`` in a new Python with DBN_COURSE_NUM_THREADS=1: (what it printed as a dict, stderr).

    TensorFlow's own log level is left as a learner has it (unset), so anything it would
    print shows in stderr.
    """
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["DBN_COURSE_NUM_THREADS"] = "1"
    result = subprocess.run([sys.executable, "-c", FRESH_IMPORT], capture_output=True, text=True, env=env,
                            timeout=HANG_GUARD_S)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout), result.stderr


# ------------------------------------------------------------------ shared test data


def random_weights(n_visible, n_hidden, *, seed=0, scale=1.0, bias_scale=None, visible_mean=0.0, hidden_bias=True):
    """W ~ N(0, scale); b ~ N(visible_mean, bias_scale) and c ~ N(0, bias_scale) (bias_scale defaults to scale,
    and c stays 0 without ``hidden_bias``), drawn in that order from ``seed``, as float32 arrays."""
    rng = np.random.default_rng(seed)
    bias_scale = scale if bias_scale is None else bias_scale
    W = rng.normal(0, scale, (n_visible, n_hidden)).astype(np.float32)
    b = rng.normal(visible_mean, bias_scale, n_visible).astype(np.float32)
    c = rng.normal(0, bias_scale, n_hidden).astype(np.float32) if hidden_bias else np.zeros(n_hidden, np.float32)
    return W, b, c


def random_rbm(n_visible, n_hidden, *, seed=0, scale=1.0, bias_scale=None, visible_mean=0.0, hidden_bias=True,
               number_label_units=None, **settings):
    """An RBM (a LabelledRBM with ``number_label_units``) small enough to enumerate, with the weights
    :func:`random_weights` draws: large enough that the exact quantities are not trivial."""
    from dbn_course.rbm import RBM
    from dbn_course.top_level import LabelledRBM

    if number_label_units:
        rbm = LabelledRBM(n_hidden, number_label_units=number_label_units, number_visible_units=n_visible,
                          seed=seed, **settings)
    else:
        rbm = RBM(n_hidden, n_visible, seed=seed, **settings)
    if not rbm.built:
        rbm.build((None, n_visible))
    weights = random_weights(n_visible, n_hidden, seed=seed, scale=scale, bias_scale=bias_scale,
                             visible_mean=visible_mean, hidden_bias=hidden_bias)
    for variable, value in zip((rbm.W, rbm.b, rbm.c), weights):
        variable.assign(value)
    return rbm


@pytest.fixture(scope="session")
def random_digits():
    """600 random binary 'images' (uint8, 0 or 255) with labels: for tests whose outcome does not depend
    on what is learned."""
    rng = np.random.default_rng(0)
    images = ((rng.random((600, 784)) < 0.2) * 255).astype(np.uint8)
    return images, rng.integers(0, 10, 600)


@pytest.fixture
def cache_folder(tmp_path, monkeypatch):
    """The model cache in a folder of this test's own, switched on."""
    from dbn_course.training import stages as cache

    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(cache.CACHE_SWITCH_ENV, raising=False)
    return tmp_path / "cache"
